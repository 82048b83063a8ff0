#!/usr/bin/env bash
# The README's demo command: installs what it needs, builds, and runs `tinyconv demo`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run build --silent
node bin/tinyconv.js demo "$@"

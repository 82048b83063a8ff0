#!/usr/bin/env bash
# Every test suite, in order: dependencies, system packages, build, typecheck, vitest (Node),
# the Deno suite and the browser suite (headless Chromium, page and module worker), then a summary
# with timings. `npm test` and .ci/run call it.
#
# CI=true (set by .ci/run): always `npm ci`, and a missing Chromium, Deno or test data fails the
# run instead of skipping a suite. Locally, `npm ci` runs only when node_modules is missing.
# Exits non-zero when any step fails.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

CI=${CI:-}
ci() { [ "$CI" = true ] || [ "$CI" = 1 ]; }
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp} # Vulkan loaders warn without it
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
DENO=node_modules/.bin/deno
export CHROMIUM

names=() states=() times=() notes=()
failed=()
log=$(mktemp -t tinyconv-test.XXXXXX)
trap 'rm -f "$log"' EXIT

# record NAME STATE SECONDS NOTE
record() { names+=("$1"); states+=("$2"); times+=("$3"); notes+=("$4"); [ "$2" = FAILED ] && failed+=("$1"); return 0; }

# step NAME NOTE-PATTERN COMMAND...: runs the command with its output shown, records status and
# time; the last output line matching NOTE-PATTERN (a suite's counts) goes into the summary.
step() {
  local name=$1 pattern=$2; shift 2
  printf '\n\033[1m== %s: %s\033[0m\n' "$name" "$*"
  local t0=$EPOCHREALTIME
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local dt; dt=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
  local note=""
  [ -n "$pattern" ] && note=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E "$pattern" | tail -n 1 | sed -E 's/^ +//; s/ +/ /g')
  if [ "$rc" = 0 ]; then record "$name" ok "$dt" "$note"; else record "$name" FAILED "$dt" "${note:-exit status $rc}"; fi
  return "$rc"
}

# skip_or_fail NAME REASON: a missing prerequisite fails under CI and skips locally.
skip_or_fail() {
  if ci; then
    printf '\n\033[1m== %s\033[0m\n%s: required when CI=true\n' "$1" "$2"
    record "$1" FAILED 0.0 "$2"
  else
    printf '\n\033[1m== %s\033[0m\nskipped: %s\n' "$1" "$2"
    record "$1" skipped 0.0 "$2"
  fi
}

summary() {
  local total; total=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
  printf '\n\033[1m== summary\033[0m\n'
  for i in "${!names[@]}"; do
    printf '  %-10s %-8s %7s s  %s\n' "${names[$i]}" "${states[$i]}" "${times[$i]}" "${notes[$i]}"
  done
  if [ ${#failed[@]} -eq 0 ]; then
    printf 'all passed in %s s\n' "$total"
  else
    printf 'FAILED (%s) in %s s\n' "${failed[*]}" "$total"
  fi
}

start=$EPOCHREALTIME

# npm ci, with one tolerated failure: a lock file written against a registry that carries only
# this platform's builds lacks the other platforms' optional packages (@deno/darwin-arm64...), and
# npm ci rejects it ("Missing: name@ from lock file", no version: npm could not resolve them at all).
# npm install --no-save then installs exactly the locked versions and leaves the lock as it is.
# Any other mismatch (a dependency added without updating the lock) still fails.
install_deps() {
  local out rc
  out=$(npm ci --no-audit --no-fund 2>&1); rc=$?
  local problems; problems=$(printf '%s\n' "$out" | grep -E '^npm error (Missing|Invalid): ' || true)
  if [ "$rc" = 0 ] || [ -z "$problems" ] || printf '%s\n' "$problems" | grep -qvE '^npm error Missing: [^ ]+@ from lock file$'; then
    printf '%s\n' "$out"
    return "$rc"
  fi
  echo "npm ci: the lock file lacks $(printf '%s\n' "$problems" | wc -l) optional packages of other platforms that this registry does not serve; installing the locked versions with npm install --no-save"
  npm install --no-save --no-audit --no-fund
}

# Dependencies.
if ci || [ ! -d node_modules ]; then
  step 'npm ci' '^added ' install_deps || { summary; exit 1; }
else
  record 'npm ci' skipped 0.0 'node_modules present (CI=true always installs)'
fi

# System packages (Chromium, lavapipe, ONNX test data): installed when root, only checked
# otherwise. Locally a missing package is a warning: the suites that need it skip.
if ! step system '' bash scripts/install-system.sh; then
  ci && { summary; exit 1; }
  last=$((${#states[@]} - 1)); states[$last]=warning; unset 'failed[-1]'
fi

step build '' npm run build || { summary; exit 1; }
step typecheck '' npx tsc --noEmit -p tsconfig.json
step vitest '^ +Tests ' npx vitest run

if [ -x "$DENO" ]; then
  step deno '(ok|FAILED) \|' "$DENO" test --allow-read --allow-env=CI --no-check --no-lock --sloppy-imports tests/e2e/deno.test.ts
else
  skip_or_fail deno "no Deno binary at $DENO (it comes with \`npm ci\`)"
fi

if [ -x "$CHROMIUM" ]; then
  step browser '^browser \(' node tests/e2e/browser.mjs
else
  skip_or_fail browser "no Chromium at $CHROMIUM (scripts/install-system.sh installs it)"
fi

summary
[ ${#failed[@]} -eq 0 ]

#!/usr/bin/env bash
# System packages the test suites need on Debian (run as root): Chromium for the browser suite,
# Mesa lavapipe >= 25 for WebGPU without a GPU, and the ONNX operator conformance data.
# Idempotent: packages already present are not fetched again. Without root it only checks.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
need=()
for p in chromium libonnx-testdata; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
# Dawn rejects Mesa before 25 (see install-lavapipe.sh).
lavapipe_ok() { dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null | grep -q '^2[5-9]\.'; }
if [ "$(id -u)" != 0 ]; then
  lavapipe_ok || need+=("mesa-vulkan-drivers>=25")
  if [ ${#need[@]} -gt 0 ]; then echo "install-system: missing ${need[*]} (run as root to install)" >&2; exit 1; fi
  echo "install-system: chromium, libonnx-testdata and lavapipe present"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
  echo "install-system: installed ${need[*]}"
fi
bash "$here/install-lavapipe.sh"

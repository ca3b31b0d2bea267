#!/usr/bin/env bash
# Installs the Debian 12 packages V100 needs to build, test and run. Runs apt-get only when a
# package is missing, so a machine that has everything (or no network) is left alone.
#   scripts/deps.sh        the native build
#   scripts/deps.sh web    also the web client's toolchain (make test-web): Debian's emscripten
#                          (3.1.6; its node-acorn dependency is found through NODE_PATH) and nodejs/npm
#                          (Debian's nodejs 18 is enough; an installed npm, e.g. NodeSource's, is kept)
#                          and Debian's chromium, the headless browser the page tests drive
set -euo pipefail
pkgs=(build-essential make cmake ninja-build pkg-config git ca-certificates
      libssl-dev libsqlite3-dev libboost-dev libboost-system-dev libgmp-dev
      libgtest-dev libgmock-dev libbenchmark-dev nlohmann-json3-dev libxml2-dev valgrind clang clang-format libclang-rt-14-dev sqlite3
      ffmpeg libwebm-dev libvpx-dev libopus-dev)
if [ "${1:-}" = web ]; then
  pkgs+=(emscripten chromium)
  command -v npm >/dev/null || pkgs+=(nodejs npm)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

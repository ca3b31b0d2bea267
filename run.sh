#!/bin/sh
# Front door for a fresh Debian 12 machine (as root): installs what the build needs (make included,
# which a minimal Debian lacks), then runs the Makefile target: ./run.sh demo | ./run.sh test | ...
set -e
cd "$(dirname "$0")"
./scripts/deps.sh
exec make "${@:-test}"

#!/bin/sh
# run: README command 1. Installs what is missing, builds, and starts rtcd in
# the foreground on its embedded default config (UDP 127.0.0.1:9000, web demo
# on http://127.0.0.1:8080/, control socket run/control.sock). Ctrl-C stops it.
set -eu
cd "$(dirname "$0")/.."
RTCD_NO_TEST_DEPS=1 sh scripts/install-deps.sh
sh scripts/build.sh
exec ./build/supervisor/rtcd "$@"

#!/bin/sh
# check-sanitizers: build in build-asan/ with --enable-sanitizers (ASan +
# UBSan) and run the unit and integration tests against that build.
set -eu
cd "$(dirname "$0")/.."
sh scripts/build.sh build-asan --enable-sanitizers
cd build-asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	make check || { tail -n 200 tests/test-suite.log; exit 1; }

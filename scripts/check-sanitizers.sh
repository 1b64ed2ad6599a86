#!/bin/sh
# check-sanitizers: build in build-asan/ with --enable-sanitizers and run the
# unit tests and the integration tests against that build.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
mkdir -p build-asan
cd build-asan
if [ ! -f Makefile ]; then
	"$top/configure" --enable-werror --enable-sanitizers >/dev/null
fi
make -j"$(nproc)" >/dev/null
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	make check || { cat tests/test-suite.log | tail -n 200; exit 1; }

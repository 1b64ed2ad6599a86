#!/bin/sh
# build: configure (once) and build rtcd out of tree in build/ (or $1 when it
# is a directory name followed by configure arguments: build.sh build-asan
# --enable-sanitizers). Warnings are errors.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
dir=build
case "${1:-}" in
build*) dir=$1; shift ;;
esac
if [ ! -x configure ] || [ configure.ac -nt configure ]; then
	autoreconf -fi >/dev/null 2>&1
fi
mkdir -p "$dir"
cd "$dir"
if [ ! -f Makefile ] || [ "$*" != "$(cat .configured-with 2>/dev/null)" ]; then
	"$top/configure" --enable-werror "$@" >/dev/null
	printf '%s' "$*" > .configured-with
fi
make -j"$(nproc)" >/dev/null

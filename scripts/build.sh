#!/bin/sh
# build: configure (once) and build rtcd in the source tree. Extra arguments go
# to ./configure (e.g. --enable-sanitizers). Warnings are errors here.
set -eu
cd "$(dirname "$0")/.."
if [ ! -x configure ] || [ configure.ac -nt configure ]; then
	autoreconf -fi >/dev/null
fi
if [ ! -f Makefile ] || [ "$*" != "$(cat .configured-with 2>/dev/null)" ]; then
	./configure --enable-werror "$@" >/dev/null
	printf '%s' "$*" > .configured-with
fi
make -j"$(nproc)" >/dev/null

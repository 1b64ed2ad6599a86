#!/bin/sh
# test: README command 2 (and all that .ci/run does). Installs what is
# missing, builds with warnings as errors, and runs the whole test suite
# (unit + integration with real peers); then the unit and integration tests
# again under ASan+UBSan in a separate build tree.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
sh scripts/build.sh
(cd build && make check) || { tail -n 200 build/tests/test-suite.log 2>/dev/null; exit 1; }
if [ "${RTCD_SKIP_SANITIZERS:-0}" != 1 ]; then
	sh scripts/check-sanitizers.sh
fi
echo "test: all tests passed"

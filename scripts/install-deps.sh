#!/bin/sh
# install-deps: install (idempotently) the Debian 12 packages rtcd needs to
# build and test, and create the worker user. Run as root. Safe to re-run.
set -eu

BUILD="build-essential autoconf automake pkg-config libevent-dev libssl-dev libusrsctp-dev
libsrtp2-dev libjansson-dev check libseccomp-dev libcap-ng-dev libhiredis-dev"
TEST="python3 python3-aiortc python3-prometheus-client iproute2 procps util-linux systemd chromium valgrind redis-server nginx"
# `make fuzz`: clang with libFuzzer (clang -fsanitize=fuzzer needs libclang-rt).
FUZZ="clang libclang-rt-14-dev"
# Only for `make bench`: Janus (echotest) is the peer rtcd is measured against.
BENCH="janus"

# RTCD_NO_TEST_DEPS=1 (scripts/run.sh): only what building and running needs.
WANT="$BUILD"
if [ -z "${RTCD_NO_TEST_DEPS:-}" ]; then
	WANT="$WANT $TEST $FUZZ $BENCH"
fi
missing=""
for p in $WANT; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "install-deps: missing Debian packages:$missing (run as root)" >&2
		exit 1
	fi
	echo "install-deps: installing$missing"
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
	# The benchmarks start their own private Janus; the package's system
	# service (a gateway on every interface) must not run.
	case " $missing " in
	*" janus "*) if command -v systemctl >/dev/null; then
			systemctl disable --now janus.service >/dev/null 2>&1 || true
		fi ;;
	esac
fi

# Node.js for the web demo bundle and the browser tests: the machine's own
# (>= 18) if present, else Debian's.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	if [ "$(id -u)" != 0 ]; then
		echo "install-deps: node and npm are missing (run as root)" >&2
		exit 1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nodejs npm
fi

# The unprivileged user workers run as (see etc/rtcd.sysusers).
if [ "$(id -u)" = 0 ] && ! getent passwd rtcd-worker >/dev/null; then
	useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin rtcd-worker
	echo "install-deps: created system user rtcd-worker"
fi

#!/bin/sh
# fuzz.sh: builds the libFuzzer targets with clang from the same sources as
# the gcc build and runs each one on its checked-in corpus (`make fuzz`).
#
#   fuzz.sh build                 compile only
#   fuzz.sh run [TARGET...]       compile, then fuzz each target (default: all)
#   fuzz.sh merge [TARGET...]     add the inputs of work/<target>/ that bring
#                                 new coverage to the checked-in corpus
#
# Environment (the `fuzz` rule in tests/Makefile.am sets the first four):
#   FUZZ_SRCDIR, FUZZ_BUILDDIR    top source and build directories
#   FUZZ_CPPFLAGS                 the build's preprocessor flags (config.h, -I)
#   FUZZ_LIBS                     libraries of the configured build
#   FUZZ_CC       clang           a compiler with -fsanitize=fuzzer
#   FUZZ_SECONDS  60              fuzzing time per target
#   FUZZ_ARGS                     extra libFuzzer flags (e.g. -jobs=2 -workers=2)
# Crashes, leaks, timeouts and out-of-memory inputs are written to
# $FUZZ_BUILDDIR/tests/fuzz/crashes/<target>/ and make the run fail; inputs
# found to add coverage go to $FUZZ_BUILDDIR/tests/fuzz/work/<target>/ (the
# checked-in corpus is only read).
set -eu

: "${FUZZ_SRCDIR:?}" "${FUZZ_BUILDDIR:?}"
FUZZ_CC=${FUZZ_CC:-clang}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_CPPFLAGS=${FUZZ_CPPFLAGS:-}
FUZZ_LIBS=${FUZZ_LIBS:-}
FUZZ_ARGS=${FUZZ_ARGS:-}

# target name and extra libFuzzer flags
TARGETS="
stun_peek -max_len=4096
wire_decode -max_len=51200
stun_full -max_len=4096
ice
sdp -max_len=16384 -dict=DICT/sdp.dict
dcep -detect_leaks=0
dtls
webrtc_msg
multistream
pb
identify_decode
noise
multiformats
control_json -dict=DICT/json.dict
config_json -dict=DICT/json.dict
http_offer -max_len=8192 -dict=DICT/http.dict
sctp_assoc -max_len=8192 -detect_leaks=0
srtp
wchan -max_len=8192
"

src=$FUZZ_SRCDIR
out=$FUZZ_BUILDDIR/tests/fuzz
obj=$out/obj
bin=$out/bin
mkdir -p "$obj" "$bin"

CFLAGS="-std=c11 -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
-fno-sanitize-recover=undefined -Wall -Wextra -Wshadow -Wstrict-prototypes \
-Wmissing-prototypes -Wno-unused-parameter $FUZZ_CPPFLAGS"

# Fail early and clearly when clang cannot build a libFuzzer binary.
check_toolchain() {
	t=$obj/toolchain-check
	printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return (int)(n & 0) + (d == NULL); }\n' > "$t.c"
	if ! $FUZZ_CC -fsanitize=fuzzer,address,undefined "$t.c" -o "$t" 2> "$t.log"; then
		cat "$t.log" >&2
		echo "fuzz: '$FUZZ_CC -fsanitize=fuzzer' does not link: install Debian's clang and" \
		    "libclang-rt-14-dev (scripts/install-deps.sh does)" >&2
		exit 1
	fi
}

# Any header newer than the last complete build rebuilds every object.
headers_changed() {
	[ -f "$obj/.built" ] || return 0
	[ -n "$(find "$src/common" "$src/supervisor" "$src/worker" "$src/tests/fuzz" \
	    "$src/tests/unit" -name '*.h' -newer "$obj/.built" 2>/dev/null | head -n 1)" ]
}

# compile SRC OBJ [extra flags]: only when the object is out of date.
compile() {
	c=$1 o=$2
	shift 2
	if [ "$force" = 0 ] && [ -f "$o" ] && [ "$o" -nt "$c" ]; then
		return 0
	fi
	echo "  CC-FUZZ  ${c#"$src"/}"
	# eval: FUZZ_CPPFLAGS holds make's quoting (-DX=\"...\").
	eval "\$FUZZ_CC $CFLAGS \"\$@\" -c \"\$c\" -o \"\$o\""
}

# archive NAME DIR FILE...: production objects, instrumented for coverage.
archive() {
	name=$1 dir=$2
	shift 2
	objs=""
	stale=0
	[ -f "$obj/$name.a" ] || stale=1
	for f in "$@"; do
		o=$obj/$(echo "$dir/$f" | tr '/' '_' | sed 's/\.c$/.o/')
		compile "$src/$dir/$f" "$o" -fsanitize=fuzzer-no-link
		objs="$objs $o"
		[ "$o" -nt "$obj/$name.a" ] && stale=1
	done
	[ $stale = 1 ] || return 0
	rm -f "$obj/$name.a"
	# shellcheck disable=SC2086
	ar cr "$obj/$name.a" $objs
}

srcs_of() {
	# every .c of a folder except the given program files
	dir=$1
	shift
	( cd "$src/$dir" && for f in *.c p2p/*.c; do
		[ -f "$f" ] || continue
		skip=0
		for x in "$@"; do [ "$f" = "$x" ] && skip=1; done
		[ $skip = 0 ] && echo "$f"
	done ) 
}

build() {
	check_toolchain
	force=0
	if headers_changed; then
		force=1
	fi
	# shellcheck disable=SC2046
	archive libcommon common $(srcs_of common)
	# shellcheck disable=SC2046
	archive libsupervisor supervisor $(srcs_of supervisor main.c rtcctl.c)
	# shellcheck disable=SC2046
	# (the worker's programs and its seccomp sandbox are not fuzzed)
	archive libworker worker $(srcs_of worker main.c conn.c sandbox.c)
	archive libfuzzunit tests/unit sctppair.c
	compile "$src/tests/fuzz/fuzz_stubs.c" "$obj/fuzz_stubs.o"
	echo "$TARGETS" | while read -r t _; do
		[ -n "$t" ] || continue
		compile "$src/tests/fuzz/fuzz_$t.c" "$obj/fuzz_$t.o" -fsanitize=fuzzer-no-link -I"$src/tests/unit"
		if [ ! -x "$bin/fuzz_$t" ] || [ "$obj/fuzz_$t.o" -nt "$bin/fuzz_$t" ] ||
		    [ -n "$(find "$obj" -name '*.a' -newer "$bin/fuzz_$t" | head -n 1)" ]; then
			echo "  LD-FUZZ  fuzz_$t"
			# shellcheck disable=SC2086
			$FUZZ_CC -fsanitize=fuzzer,address,undefined -o "$bin/fuzz_$t" "$obj/fuzz_$t.o" \
			    "$obj/fuzz_stubs.o" "$obj/libfuzzunit.a" "$obj/libsupervisor.a" \
			    "$obj/libworker.a" "$obj/libcommon.a" $FUZZ_LIBS
		fi
	done
	touch "$obj/.built"
}

run_one() {
	t=$1
	shift
	corpus=$src/tests/fuzz/corpus/$t
	work=$out/work/$t
	crashes=$out/crashes/$t
	mkdir -p "$work" "$crashes"
	set -- $(echo "$*" | sed "s|DICT/|$src/tests/fuzz/dict/|g")
	echo "fuzz: $t for ${FUZZ_SECONDS}s"
	# shellcheck disable=SC2086
	if ! "$bin/fuzz_$t" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$crashes/" "$@" $FUZZ_ARGS "$work" "$corpus" \
	    > "$out/$t.log" 2>&1; then
		tail -n 60 "$out/$t.log" >&2
		echo "fuzz: $t FAILED: see $out/$t.log and $crashes/" >&2
		return 1
	fi
	grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' \
	    "$out/$t.log" | sed "s/^/  $t /"
}

case "${1:-run}" in
build)
	build
	;;
run)
	shift || true
	build
	failed=""
	want=" $* "
	list=$(echo "$TARGETS" | while read -r t _; do if [ -n "$t" ]; then echo "$t"; fi; done)
	for t in $list; do
		if [ "$want" != "  " ] && [ "${want#* "$t" }" = "$want" ]; then
			continue
		fi
		opts=$(echo "$TARGETS" | while read -r n o; do if [ "$n" = "$t" ]; then echo "$o"; fi; done)
		# shellcheck disable=SC2086
		run_one "$t" $opts || failed="$failed $t"
	done
	if [ -n "$failed" ]; then
		echo "fuzz: crashes found in:$failed (inputs in $out/crashes/)" >&2
		exit 1
	fi
	echo "fuzz: all targets ran ${FUZZ_SECONDS}s without a crash"
	;;
merge)
	shift || true
	build
	want=" $* "
	for t in $(echo "$TARGETS" | while read -r n _; do if [ -n "$n" ]; then echo "$n"; fi; done); do
		if [ "$want" != "  " ] && [ "${want#* "$t" }" = "$want" ]; then
			continue
		fi
		[ -d "$out/work/$t" ] || continue
		opts=$(echo "$TARGETS" | while read -r n o; do if [ "$n" = "$t" ]; then echo "$o"; fi; done)
		opts=$(echo "$opts" | sed "s|-dict=[^ ]*||; s|-max_len=[^ ]*||")
		# SDP inputs are large and many: keep its corpus to new edges.
		[ "$t" = sdp ] && opts="$opts -use_counters=0"
		# shellcheck disable=SC2086
		"$bin/fuzz_$t" -merge=1 -max_len=4096 $opts "$src/tests/fuzz/corpus/$t" "$out/work/$t" \
		    > "$out/$t.merge.log" 2>&1 || { tail -n 20 "$out/$t.merge.log" >&2; exit 1; }
		echo "fuzz: $t: $(ls "$src/tests/fuzz/corpus/$t" | wc -l) inputs," \
		    "$(cat "$src/tests/fuzz/corpus/$t"/* | wc -c) bytes"
	done
	;;
*)
	echo "usage: fuzz.sh build | run [TARGET...] | merge [TARGET...]" >&2
	exit 2
	;;
esac

#!/usr/bin/env bash
# Run .clusterfuzzlite/build.sh here the way OSS-Fuzz / ClusterFuzzLite
# does - same variables, a fresh $OUT per configuration - then run every
# binary it produced for FUZZ_SECONDS (default 10), one line per
# (configuration, target):
#   oss-fuzz-check: config=C target=T result=ok|FAIL|skip how=... [detail]
# and a last line: oss-fuzz-check: configs=N runs=N failed=N
# Configurations (arguments; default all three):
#   libfuzzer-asan   CC=clang, -fsanitize=address,fuzzer-no-link
#   libfuzzer-ubsan  CC=clang, OSS-Fuzz's -fsanitize=... list for undefined
#   afl-asan         CC=afl-clang-fast, LIB_FUZZING_ENGINE=libAFLDriver.a
#                    (.ci/install-deps afl)
# libFuzzer binaries run with -max_total_time on the unzipped seed corpus
# and their .options; AFL++ binaries run under afl-fuzz -V (how=afl-fuzz),
# or, where afl-fuzz cannot start here, as plain programs on the seeds
# (how=plain). A fuzz_pipeline run on a host without /dev/kvm is fine:
# the target says so and accepts every input (fuzz/README.md).
# Exit: 0 all ok, 1 a build or a run failed, 2 usage.
# Env: FUZZ_SECONDS, KEEP=1 (keep the $OUT dirs; their path is printed).
# A failed run's crash inputs (and libFuzzer log) are copied to
# out/oss-fuzz-check/CONFIG-TARGET/.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
secs=${FUZZ_SECONDS:-10}
case "$secs" in '' | *[!0-9]*) echo "oss-fuzz-check: FUZZ_SECONDS must be a number" >&2; exit 2 ;; esac
configs=("$@")
[ ${#configs[@]} -gt 0 ] || configs=(libfuzzer-asan libfuzzer-ubsan afl-asan)
targets=(fuzz_pipeline fuzz_scenario fuzz_exit)
top=$(mktemp -d /tmp/oss-fuzz-check.XXXXXX)
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$top"' EXIT
# OSS-Fuzz's base flags (infra/base-images/base-builder/Dockerfile)
base="-O1 -fno-omit-frame-pointer -gline-tables-only -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION"
asan="-fsanitize=address -fsanitize-address-use-after-scope"
ub_checks=array-bounds,bool,builtin,enum,float-divide-by-zero,function,integer-divide-by-zero,null,object-size,return,returns-nonnull-attribute,shift,signed-integer-overflow,unsigned-integer-overflow,unreachable,vla-bound,vptr
ub_fatal=array-bounds,bool,builtin,enum,float-divide-by-zero,function,integer-divide-by-zero,null,object-size,return,returns-nonnull-attribute,shift,signed-integer-overflow,unreachable,vla-bound,vptr
ubsan="-fsanitize=$ub_checks -fno-sanitize-recover=$ub_fatal"
# the runner's sanitizer options (infra/base-images/base-runner)
export ASAN_OPTIONS=alloc_dealloc_mismatch=0:allocator_may_return_null=1:allocator_release_to_os_interval_ms=500:check_malloc_usable_size=0:detect_container_overflow=1:detect_odr_violation=0:detect_leaks=1:detect_stack_use_after_return=1:fast_unwind_on_fatal=0:handle_abort=1:handle_segv=1:handle_sigill=1:max_uar_stack_size_log=16:print_scariness=1:quarantine_size_mb=10:strict_memcmp=1:symbolize=1:use_sigaltstack=1:dedup_token_length=3
export UBSAN_OPTIONS=print_stacktrace=1:print_summary=1:silence_unsigned_overflow=1:dedup_token_length=3:halt_on_error=1
runs=0 failed=0
line() { echo "oss-fuzz-check: config=$1 target=$2 result=$3${4:+ $4}"; }

# run_libfuzzer CONFIG OUT TARGET: -max_total_time on the seeds + .options
run_libfuzzer() {
	local c=$1 out=$2 t=$3 w=$2/run-$3 flags=() k v
	mkdir -p "$w/corpus" "$w/artifacts"
	unzip -q -o "$out/${t}_seed_corpus.zip" -d "$w/corpus"
	while IFS='=' read -r k v; do
		k=${k// /}; v=${v// /}
		[ -n "$k" ] && [ -n "$v" ] || continue
		case "$k" in \[*) continue ;; dict) v=$out/$v ;; esac
		flags+=("-$k=$v")
	done <"$out/$t.options"
	(cd "$w" && timeout -k 10 $((secs + 60)) "$out/$t" "${flags[@]}" \
		-max_total_time="$secs" -print_final_stats=1 \
		-artifact_prefix="$w/artifacts/" corpus) >"$w/log" 2>&1
	local rc=$?
	local execs eps
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$w/log")
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$w/log")
	local note=""
	grep -q "KVM is unavailable" "$w/log" && note=" (no KVM here: inputs not run)"
	if [ "$rc" = 0 ] && [ -n "$execs" ]; then
		line "$c" "$t" ok "how=libfuzzer secs=$secs execs=$execs execs_per_sec=${eps:-0}$note"
	else
		local keep=$root/out/oss-fuzz-check/$c-$t
		mkdir -p "$keep" && cp "$w"/artifacts/* "$w/log" "$keep"/ 2>/dev/null
		line "$c" "$t" FAIL "how=libfuzzer rc=$rc: $(grep -m1 -E 'ERROR|FINDING|SUMMARY' "$w/log" || tail -1 "$w/log") (saved in $keep)"
		failed=$((failed + 1))
	fi
}

# run_afl CONFIG OUT TARGET: afl-fuzz -V on the seeds, else plain runs
run_afl() {
	local c=$1 out=$2 t=$3 w=$2/run-$3
	mkdir -p "$w/seeds"
	unzip -q -o "$out/${t}_seed_corpus.zip" -d "$w/seeds"
	# afl-fuzz insists on these (as OSS-Fuzz's AFL++ runner sets them)
	ASAN_OPTIONS=$ASAN_OPTIONS:abort_on_error=1:symbolize=0:detect_leaks=0 \
	UBSAN_OPTIONS=$UBSAN_OPTIONS:abort_on_error=1:symbolize=0 \
	AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
		AFL_NO_AFFINITY=1 AFL_FORKSRV_INIT_TMOUT=30000 \
		timeout -k 10 $((secs + 60)) afl-fuzz -i "$w/seeds" -o "$w/sync" \
		-x "$out/$t.dict" -m none -t 5000 -V "$secs" -- "$out/$t" \
		>"$w/log" 2>&1
	local rc=$? stats=$w/sync/default/fuzzer_stats
	if [ -f "$stats" ]; then
		local execs eps crashes
		execs=$(sed -n 's/^execs_done *: *//p' "$stats")
		eps=$(sed -n 's/^execs_per_sec *: *//p' "$stats")
		crashes=$(sed -n 's/^saved_crashes *: *//p' "$stats")
		[ -n "$crashes" ] || crashes=$(sed -n 's/^unique_crashes *: *//p' "$stats")
		if [ "${crashes:-0}" = 0 ] && [ "$rc" = 0 ]; then
			line "$c" "$t" ok "how=afl-fuzz secs=$secs execs=${execs:-0} execs_per_sec=${eps:-0}"
		else
			local keep=$root/out/oss-fuzz-check/$c-$t
			mkdir -p "$keep" && cp "$w"/sync/default/crashes/id* "$keep"/ 2>/dev/null
			line "$c" "$t" FAIL "how=afl-fuzz rc=$rc crashes=${crashes:-?} (saved in $keep)"
			failed=$((failed + 1))
		fi
		return
	fi
	# afl-fuzz could not start here: each seed through the driver
	local why n=0 bad=0 f
	why=$(grep -m1 -E 'PROGRAM ABORT|SYSTEM ERROR' "$w/log" | sed 's/\x1b\[[0-9;]*m//g')
	for f in "$w/seeds"/*; do
		n=$((n + 1))
		timeout -k 5 60 "$out/$t" "$f" >>"$w/plain.log" 2>&1 || bad=$((bad + 1))
	done
	if [ "$bad" = 0 ]; then
		line "$c" "$t" ok "how=plain inputs=$n (afl-fuzz could not run: ${why:-rc=$rc})"
	else
		line "$c" "$t" FAIL "how=plain inputs=$n failed=$bad"
		failed=$((failed + 1))
	fi
}

for c in "${configs[@]}"; do
	out=$top/$c/out
	mkdir -p "$out" "$top/$c/src"
	ln -s "$root" "$top/$c/src/kvmfuzz"
	case "$c" in
	libfuzzer-asan | libfuzzer-ubsan)
		engine=libfuzzer
		export CC=clang CXX=clang++ LIB_FUZZING_ENGINE=-fsanitize=fuzzer
		if [ "$c" = libfuzzer-asan ]; then
			export SANITIZER=address CFLAGS="$base $asan -fsanitize=fuzzer-no-link"
		else
			export SANITIZER=undefined CFLAGS="$base $ubsan -fsanitize=fuzzer-no-link"
		fi ;;
	afl-asan)
		engine=afl
		if ! command -v afl-clang-fast >/dev/null; then
			for t in "${targets[@]}"; do line "$c" "$t" skip "afl++ not installed (.ci/install-deps afl)"; done
			continue
		fi
		drv=""
		for d in /usr/lib/afl/libAFLDriver.a /usr/local/lib/afl/libAFLDriver.a \
			/usr/lib/afl++/libAFLDriver.a; do
			[ -f "$d" ] && { drv=$d; break; }
		done
		[ -n "$drv" ] || { echo "oss-fuzz-check: no libAFLDriver.a found" >&2; exit 1; }
		export CC=afl-clang-fast CXX=afl-clang-fast++ LIB_FUZZING_ENGINE=$drv
		export SANITIZER=address CFLAGS="$base $asan" ;;
	*) echo "oss-fuzz-check: unknown configuration '$c' (libfuzzer-asan, libfuzzer-ubsan, afl-asan)" >&2; exit 2 ;;
	esac
	# OSS-Fuzz's CXXFLAGS add -stdlib=libc++ (its clang ships libc++);
	# Debian's libFuzzer runtime wants libstdc++, so not here
	export CXXFLAGS=$CFLAGS FUZZING_ENGINE=$engine ARCHITECTURE=x86_64
	export SRC=$top/$c/src OUT=$out
	t0=$(date +%s)
	if ! bash "$root/.clusterfuzzlite/build.sh" >"$top/$c/build.log" 2>&1; then
		for t in "${targets[@]}"; do
			line "$c" "$t" FAIL "build failed: $(grep -m1 -E 'error|Error' "$top/$c/build.log")"
			failed=$((failed + 1))
		done
		continue
	fi
	echo "oss-fuzz-check: config=$c built in $(( $(date +%s) - t0 ))s: $(cd "$out" && ls | tr '\n' ' ')"
	for t in "${targets[@]}"; do
		runs=$((runs + 1))
		for f in "$t" "$t.dict" "$t.options" "${t}_seed_corpus.zip"; do
			[ -s "$out/$f" ] || { line "$c" "$t" FAIL "build.sh did not install $f"; failed=$((failed + 1)); continue 2; }
		done
		if [ "$engine" = libfuzzer ]; then
			run_libfuzzer "$c" "$out" "$t"
		else
			run_afl "$c" "$out" "$t"
		fi
	done
done
[ "${KEEP:-0}" = 1 ] && echo "oss-fuzz-check: outputs kept in $top"
echo "oss-fuzz-check: configs=${#configs[@]} runs=$runs failed=$failed"
[ "$failed" = 0 ]

#!/usr/bin/env bash
# AFL++ stability of a target, as afl-fuzz reports it: one single-instance
# afl-fuzz run per mode for a bounded time on the shipped corpus (the build,
# denylist, custom mutator, dictionary and timeout of fuzz/run-afl.sh, a
# fixed -s seed), then the `stability` line of fuzzer_stats. The figure
# depends on which inputs the campaign happens to find and on the host's
# load: compare several runs, not one.
#
# Env: TARGET (default pipeline), SECONDS_PER_MODE (default 120),
#      MODES (default "reset fresh": VMM_FUZZ_MODE of fuzz_pipeline),
#      FUZZ_OUT (default out/afl-stability), SEED (default 1),
#      UNSTABLE=1  also: the unstable map entries (AFL_DEBUG's var_bytes)
#                  per function, all of them with their source line in
#                  DIR.unstable; and the queue re-run by the in-process
#                  probe (fuzz_*_afl_stability), each input it finds
#                  unstable listed with three `vmm replay` verdicts, and
#                  "tsc" or "rng" when its code has the bytes of rdtsc,
#                  rdtscp or of rdrand, rdseed, rdpid (fuzz_pipeline).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
target=$(fuzz_target "${TARGET:-pipeline}")
secs=${SECONDS_PER_MODE:-120}
out=${FUZZ_OUT:-$root/out/afl-stability}
unstable=${UNSTABLE:-0}
bash "$root/.ci/install-deps" afl >/dev/null
extra_afl=() extra=()
[ "$unstable" = 1 ] && extra_afl=("${target}_afl_stability") extra=(vmm)
cmake --preset afl >/dev/null
cmake --build --preset afl --target "${target}_afl" "${extra_afl[@]}" >/dev/null
cmake --preset default >/dev/null
cmake --build --preset default --target vmm_afl_mutator "${extra[@]}" >/dev/null
bin=$root/build-afl/fuzz/${target}_afl
probe=$root/build-afl/fuzz/${target}_afl_stability
dict=$root/fuzz/$(option_value "$target" dict)
export AFL_CUSTOM_MUTATOR_LIBRARY=$root/build/fuzz/libvmm_afl_mutator.so
export AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export AFL_NO_AFFINITY=1
mkdir -p "$out"
for mode in ${MODES:-reset fresh}; do
	dir=$out/$target.$mode
	rm -rf "$dir" "$dir.seeds"
	seed_workdir "$dir.seeds" "$target"
	debug=()
	[ "$unstable" = 1 ] && debug=(AFL_DEBUG=1)
	env "${debug[@]}" VMM_FUZZ_MODE="$mode" afl-fuzz -i "$dir.seeds" \
		-o "$dir" -x "$dict" -m none -t 5000 -s "${SEED:-1}" \
		-V "$secs" -- "$bin" >"$dir.log" 2>&1 || true
	stats=$dir/default/fuzzer_stats
	if [ ! -f "$stats" ]; then
		echo "$mode: afl-fuzz did not start (see $dir.log)" >&2
		tail -5 "$dir.log" >&2
		exit 1
	fi
	field() { sed -n "s/^$1 *: *//p" "$stats"; }
	echo "$mode: stability $(field stability), $(field execs_done) execs," \
		"$(field corpus_count) inputs, $(field bitmap_cvg) map"
	[ "$unstable" = 1 ] || continue
	field var_bytes | tr ' ' '\n' | grep . >"$dir.var" || true
	python3 "$root/fuzz/afl-edge-map.py" "$bin" "$dir.var" >"$dir.unstable"
	echo "  $(wc -l <"$dir.unstable") unstable map entries, by function:"
	awk '{ sub(/:[0-9?]*$/, "", $3); print $2, $3 }' "$dir.unstable" |
		sort | uniq -c | sort -rn | sed 's/^/   /'
	echo "  inputs the probe finds unstable (4 rounds), 3 replays each:"
	VMM_FUZZ_MODE=$mode "$probe" 4 "$dir"/default/queue/id:* \
		>"$dir.probe" 2>"$dir.probe.log" || true
	sed 's/^/   /' "$dir.probe.log"
	awk '{ print $2 }' "$dir.probe" | sort -u | while read -r f; do
		code=$("$root/build/vmm" decode "$f" 2>/dev/null |
			sed -n 's/^blob .*data=//p' | tr A-F a-f | sed 's/../& /g')
		tags=""
		grep -qE '0f 31|0f 01 f9' <<<"$code" && tags+=" tsc"
		grep -qE '0f c7 f' <<<"$code" && tags+=" rng"
		echo "   $(basename "$f" | cut -d, -f1): $(for _ in 1 2 3; do
			"$root/build/vmm" replay "$f" --mode "$mode" 2>&1 |
				sed -n 's/^replay: verdict=\([^ ]*\) exits=\([0-9]*\).*/\1\/\2/p'
		done | tr '\n' ' ')$tags"
	done
done

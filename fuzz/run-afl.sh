#!/usr/bin/env bash
# AFL++ job: one main and JOBS-1 secondary instances sharing a sync dir,
# persistent mode with shared-memory test cases, ASan+UBSan, the
# structure-aware custom mutator. Env: TARGET, FUZZ_SECONDS (default 3600),
# JOBS (default nproc), FUZZ_OUT (default out/afl).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
target=$(fuzz_target "${TARGET:-pipeline}")
bash "$root/.ci/install-deps" afl
cmake --preset afl >/dev/null && cmake --build --preset afl --target "${target}_afl"
cmake --preset default >/dev/null && cmake --build --preset default --target vmm_afl_mutator
bin=$root/build-afl/fuzz/${target}_afl
sync=${FUZZ_OUT:-$root/out/afl}/$target
seeds=$sync.seeds
rm -rf "$seeds" && seed_workdir "$seeds" "$target"
mkdir -p "$sync"
export AFL_CUSTOM_MUTATOR_LIBRARY=$root/build/fuzz/libvmm_afl_mutator.so
export AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export AFL_NO_AFFINITY=1
secs=${FUZZ_SECONDS:-3600}
jobs=${JOBS:-$(nproc)}
dict=$root/fuzz/$(option_value "$target" dict)
pids=()
for i in $(seq 1 $((jobs - 1))); do
	afl-fuzz -S "sec$i" -i "$seeds" -o "$sync" -x "$dict" -m none -t 5000 \
		-V "$secs" -- "$bin" >"$sync/sec$i.log" 2>&1 &
	pids+=($!)
done
afl-fuzz -M main -i "$seeds" -o "$sync" -x "$dict" -m none -t 5000 \
	-V "$secs" -- "$bin" >"$sync/main.log" 2>&1 || true
for p in "${pids[@]+"${pids[@]}"}"; do wait "$p" || true; done
TERM=dumb afl-whatsup -s "$sync" 2>/dev/null || true
echo "afl: crashes in $sync/*/crashes (triage: fuzz/triage.sh $sync/*/crashes)"

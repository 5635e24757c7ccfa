#!/usr/bin/env bash
# Long libFuzzer job: fork mode over all cores, crashes/timeouts/OOMs are
# saved and fuzzing goes on. Env as run.sh; FUZZ_SECONDS=0 runs until
# stopped; JOBS (default: nproc).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
target=$(fuzz_target "${TARGET:-pipeline}")
bin=$root/build-asan/fuzz/$target
[ -x "$bin" ] || { echo "fuzz: $bin missing: run 'make asan' first" >&2; exit 2; }
out=${FUZZ_OUT:-$root/out/fuzz}/$target
mkdir -p "$out/findings"
# what each finding was, by saved file name (fuzz/reproduce.sh reads it)
export VMM_FUZZ_FINDINGS_LOG=${VMM_FUZZ_FINDINGS_LOG:-$out/findings.log}
seed_workdir "$out/corpus" "$target"
mapfile -t flags < <(libfuzzer_flags "$target")
exec "$bin" "${flags[@]}" -fork="${JOBS:-$(nproc)}" -ignore_crashes=1 \
	-ignore_timeouts=1 -ignore_ooms=1 -max_total_time="${FUZZ_SECONDS:-0}" \
	-print_final_stats=1 -artifact_prefix="$out/findings/" "$out/corpus"

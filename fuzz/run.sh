#!/usr/bin/env bash
# The default fuzzing job (`make fuzz`): the libFuzzer build of TARGET on a
# working copy of the shipped corpus for FUZZ_SECONDS, a progress line every
# 10 s, then one summary line:
#   fuzz: target=NAME execs=N execs_per_sec=N findings=N corpus=N cov=N ft=N
#         [timeout_share=P median_exec_us=N]
# cov/ft: libFuzzer's coverage and feature counts at the end; the last two
# (fuzz_pipeline) are the target's own accounting (fuzz/exec_stats.h): the
# share of wall time spent in runs that ended by their timeout, and the
# median time of one exec.
# Env: TARGET=pipeline|scenario|exit (default pipeline), FUZZ_SECONDS (default 60),
#      FUZZ_OUT (default out/fuzz), VMM_FUZZ_KMSG=1 (kernel-log oracle).
# Findings (the saved inputs) land in $FUZZ_OUT/TARGET/findings/; replay one
# with `build/vmm replay FILE --trace`. For scenario targets, the summary
# line follows what the job's corpus reached in KVM's interface
# (`vmm reach --short`: exit reasons, verdicts, ioctl errors).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
target=$(fuzz_target "${TARGET:-pipeline}")
secs=${FUZZ_SECONDS:-60}
case "$secs" in '' | *[!0-9]*) echo "fuzz: FUZZ_SECONDS must be a number" >&2; exit 2 ;; esac
bin=$root/build-asan/fuzz/$target
[ -x "$bin" ] || { echo "fuzz: $bin missing: run 'make asan' first" >&2; exit 2; }
out=${FUZZ_OUT:-$root/out/fuzz}/$target
mkdir -p "$out/findings"
# what each finding was, by saved file name (fuzz/reproduce.sh reads it)
export VMM_FUZZ_FINDINGS_LOG=${VMM_FUZZ_FINDINGS_LOG:-$out/findings.log}
seed_workdir "$out/corpus" "$target"
log=$out/libfuzzer.log
mapfile -t flags < <(libfuzzer_flags "$target")
echo "fuzz: $target for ${secs}s on $(ls "$out/corpus" | wc -l) inputs (log: $log)"
"$bin" "${flags[@]}" -max_total_time="$secs" -print_final_stats=1 \
	-artifact_prefix="$out/findings/" -reload=0 "$out/corpus" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' INT TERM
t=0
while kill -0 $pid 2>/dev/null; do
	sleep 1
	t=$((t + 1))
	if [ $((t % 10)) = 0 ]; then
		last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
		echo "fuzz: progress ${t}s ${last:-(starting)}"
	fi
done
wait $pid || true
stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -1; }
execs=$(stat number_of_executed_units)
eps=$(stat average_exec_per_sec)
findings=$(find "$out/findings" -type f | wc -l)
corpus=$(find "$out/corpus" -type f | wc -l)
last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
extra=""
tshare=$(stat vmm_timeout_share)
[ -n "$tshare" ] && extra=" timeout_share=$tshare median_exec_us=$(stat vmm_median_exec_us)"
if [ "$findings" != 0 ]; then
	grep -h '^FINDING\|^SUMMARY' "$log" | head -3 || true
	echo "fuzz: findings saved in $out/findings (triage: fuzz/triage.sh $out/findings)"
fi
vmm=$root/build-asan/vmm
if [ "$target" != fuzz_exit ] && [ -e /dev/kvm ] && [ -x "$vmm" ]; then
	"$vmm" reach --short "$out/corpus" 2>&1 | head -4 || true
fi
echo "fuzz: target=$target execs=${execs:-0} execs_per_sec=${eps:-0} findings=$findings corpus=$corpus cov=${cov:-0} ft=${ft:-0}$extra"

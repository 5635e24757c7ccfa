#!/usr/bin/env bash
# AFL++ job: one main and JOBS-1 secondary instances sharing a sync dir,
# persistent mode with shared-memory test cases, ASan+UBSan, the
# structure-aware custom mutator alone (AFL_CUSTOM_MUTATOR_ONLY: its
# mutants found new paths 15 times as often as havoc's; a fixed count per
# queue entry, AFL_DISABLE_TRIM: trimming a scenario gained nothing;
# docs/bugbench.md item 22); a fleet's main instance with CmpLog (-c, the
# afl-cmplog preset's build). The instances' targets note the VMM's
# comparisons in one table file (VMM_CMP_SHM, default
# /dev/shm/kvmfuzz-cmp-PID, removed at the end) that the custom mutator's
# "cmp" operator reads (fuzz/cmp_table.h). Env: TARGET, FUZZ_SECONDS (default 3600),
# JOBS (default nproc), FUZZ_OUT (default out/afl).
# A fleet across machines (fuzz/README.md): FUZZ_OUT on a directory every
# machine shares; one machine runs the main (AFL_MAIN=1, the default),
# the others AFL_MAIN=0 (JOBS secondaries, no main) with a distinct
# AFL_NAME_PREFIX (e.g. "$(hostname)-") so instance names stay unique.
# JOBS=1 with AFL_MAIN=1 runs one lone instance, "default" (no -M: AFL++'s
# -M also walks the queue strictly in order, -Z, and on this target stayed
# on its first few seeds for a whole 600-s run; docs/bugbench.md item 17),
# without CmpLog: its input-to-state stage took 95% of a lone instance's
# execs, finding new paths at a 38th of the custom stage's rate (the
# target's own comparison table feeds the mutator; item 22); a fleet's
# main machine runs JOBS >= 2.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
target=$(fuzz_target "${TARGET:-pipeline}")
bash "$root/.ci/install-deps" afl
cmake --preset afl >/dev/null && cmake --build --preset afl --target "${target}_afl"
cmake --preset default >/dev/null && cmake --build --preset default --target vmm_afl_mutator
bin=$root/build-afl/fuzz/${target}_afl
sync=${FUZZ_OUT:-$root/out/afl}/$target
main=${AFL_MAIN:-1}
prefix=${AFL_NAME_PREFIX:-}
case "$main$prefix" in *[!A-Za-z0-9_-]*) echo "afl: AFL_MAIN is 0/1, AFL_NAME_PREFIX letters, digits, - and _" >&2; exit 2 ;; esac
seeds=$sync.seeds${prefix:+.$prefix}
rm -rf "$seeds" && seed_workdir "$seeds" "$target"
mkdir -p "$sync"
afl_job_env
# what each instance's target saw at a finding (fuzz/reproduce.sh shows it
# for a crash that does not replay); one file, lines appended whole
export VMM_FUZZ_FINDINGS_LOG=${VMM_FUZZ_FINDINGS_LOG:-$sync/findings.log}
if [ -z "${VMM_CMP_SHM:-}" ]; then
	shm=/dev/shm
	[ -d "$shm" ] && [ -w "$shm" ] || shm=${TMPDIR:-/tmp}
	export VMM_CMP_SHM=$shm/kvmfuzz-cmp-$$
	trap 'rm -f "$VMM_CMP_SHM"' EXIT
fi
secs=${FUZZ_SECONDS:-3600}
jobs=${JOBS:-$(nproc)}
mapfile -t flags < <(afl_flags "$target")
pids=()
nsec=$jobs
[ "$main" = 1 ] && nsec=$((jobs - 1))
# the main, or with no secondaries a lone instance (AFL++ names it "default")
role=(-M main)
name=main
[ "$nsec" = 0 ] && [ -z "$prefix" ] && role=() && name=default
# a fleet's main with CmpLog: AFL++'s input-to-state stage puts the values
# the target compared into the input (built before any instance starts)
cmplog=()
if [ "$main" = 1 ] && [ "$name" = main ]; then
	cmake --preset afl-cmplog >/dev/null
	cmake --build --preset afl-cmplog --target "${target}_afl"
	cmplog=(-c "$root/build-afl-cmplog/fuzz/${target}_afl")
fi
for i in $(seq 1 "$nsec"); do
	afl-fuzz -S "${prefix}sec$i" -i "$seeds" -o "$sync" "${flags[@]}" \
		-V "$secs" -- "$bin" >"$sync/${prefix}sec$i.log" 2>&1 &
	pids+=($!)
done
if [ "$main" = 1 ]; then
	afl-fuzz "${role[@]}" -i "$seeds" -o "$sync" "${flags[@]}" \
		${cmplog[@]+"${cmplog[@]}"} -V "$secs" -- "$bin" >"$sync/$name.log" 2>&1 || true
fi
for p in "${pids[@]+"${pids[@]}"}"; do wait "$p" || true; done
TERM=dumb afl-whatsup -s "$sync" 2>/dev/null || true
if [ "$target" != fuzz_exit ] && [ -e /dev/kvm ]; then
	# what this machine's instances reached (vmm reach: fuzz/README.md)
	for q in "$sync"/*/queue; do
		case "$q" in "$sync/$name/queue" | "$sync/${prefix}sec"*) "$root/build/vmm" reach --short "$q" 2>&1 | sed "s|^reach:|reach ${q#"$sync"/}:|" | head -4 || true ;; esac
	done
fi
echo "afl: crashes in $sync/*/crashes (triage: fuzz/triage.sh $sync/*/crashes)"

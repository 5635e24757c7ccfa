#!/usr/bin/env bash
# Does every saved finding replay? fuzz/reproduce.sh DIR_OR_FILE...
# Each input is replayed with `vmm replay --mode both` (a fresh VM, then a
# reset-mode session), with the same watch patterns the fuzzer had
# (VMM_FUZZ_WATCH); an input whose finding shows in neither mode is tried
# once more with the ASan replay driver (sanitizer reports of the VMM
# itself). Inputs that do not reproduce are listed with what the fuzzer
# saw (from findings.log beside the findings directory, or
# $VMM_FUZZ_FINDINGS_LOG: the targets write it); the last line is
#   reproduce: findings=N reproduced=K rate=R fresh=F reset=S both=B
#              longer_limit=L
# An input whose replay ends by its wall-clock limit where the fuzzer's run
# did not is replayed once more with the limit raised to 10 s (the
# scenario's own limit is a time, so how far a guest gets within it
# depends on the host's speed and load); L counts those, included in K.
# Exit: 0 all reproduced (or none to replay), 1 some did not, 2 usage.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
[ $# -gt 0 ] || { echo "usage: fuzz/reproduce.sh DIR_OR_FILE..." >&2; exit 2; }
vmm=$root/build/vmm
asan_replay=$root/build-asan/fuzz/fuzz_pipeline_replay
[ -x "$vmm" ] || { echo "reproduce: $vmm missing: run 'make' first" >&2; exit 2; }
watch=()
[ -n "${VMM_FUZZ_WATCH:-}" ] && watch=(--watch "$VMM_FUZZ_WATCH")
n=0 ok=0 fresh=0 reset=0 both=0 longer=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# How the replay of FILE went: both, fresh-only, reset-only or neither.
replay_how() {
	"$vmm" replay "$1" --mode both "${watch[@]}" 2>&1 |
		sed -n 's/^replay: modes=.* reproduces=//p'
}
while read -r f; do
	[ -n "$f" ] || continue
	n=$((n + 1))
	out=$("$vmm" replay "$f" --mode both "${watch[@]}" 2>&1)
	how=$(sed -n 's/^replay: modes=.* reproduces=//p' <<<"$out")
	case "$how" in
	both) both=$((both + 1)); fresh=$((fresh + 1)); reset=$((reset + 1)) ;;
	fresh-only) fresh=$((fresh + 1)) ;;
	reset-only) reset=$((reset + 1)) ;;
	esac
	if [ "$how" = both ] || [ "$how" = fresh-only ] || [ "$how" = reset-only ]; then
		ok=$((ok + 1))
		continue
	fi
	if grep -q 'verdict=timeout' <<<"$out" &&
		"$vmm" decode "$f" 2>/dev/null |
		sed 's/timeout_ms=[0-9]*/timeout_ms=10000/' |
			"$vmm" encode - -o "$tmp/long.kvms" 2>/dev/null; then
		how=$(replay_how "$tmp/long.kvms")
		if [ "$how" = both ] || [ "$how" = fresh-only ] || [ "$how" = reset-only ]; then
			ok=$((ok + 1))
			longer=$((longer + 1))
			continue
		fi
	fi
	if [ -x "$asan_replay" ] &&
		asan=$("$asan_replay" "$f" 2>&1; echo "rc=$?") &&
		grep -q '^FINDING\|SUMMARY: \(Address\|UndefinedBehavior\|Leak\)' <<<"$asan"; then
		ok=$((ok + 1))
		continue
	fi
	verdicts=$(grep '^replay: .*verdict=' <<<"$out" | tr '\n' ' ')
	echo "reproduce: not reproduced: $f: fuzzer saw: $(fuzzer_saw "$f"); replay: ${verdicts:-$(head -1 <<<"$out")}"
done < <(for arg in "$@"; do
	find "$arg" -type f ! -name '*.min' ! -name '*.md' ! -name '*.txt' ! -name '*.c' ! -name '*.log'
done | sort)
rate=$(awk -v k="$ok" -v n="$n" 'BEGIN { printf "%.3f", n ? k / n : 1 }')
echo "reproduce: findings=$n reproduced=$ok rate=$rate fresh=$fresh reset=$reset both=$both longer_limit=$longer"
[ "$ok" = "$n" ]

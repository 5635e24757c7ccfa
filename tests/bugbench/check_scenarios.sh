#!/usr/bin/env bash
# Every planted bug is reachable and fires on real KVM: each hand-written
# scenario tests/bugbench/Pxx.txt, replayed by the planted build's
# `vmm replay` in a fresh VM and in reset mode, must abort with exactly
# "PLANTED Pxx" on stderr; replayed by a shipped `vmm` (optional second
# argument) it must end without any finding and without that line.
# The scenarios live here, never in corpus/ or the dictionaries
# (tests/bugbench/leak_check.sh).
# usage: check_scenarios.sh PLANTED_VMM [SHIPPED_VMM]
# Exit 0 all good, 1 a bug did not fire (named), 77 no /dev/kvm.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
planted=${1:?usage: check_scenarios.sh PLANTED_VMM [SHIPPED_VMM]}
shipped=${2:-}
[ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo "check_scenarios: no usable /dev/kvm: skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 n=0
for txt in "$here"/P[0-9][0-9].txt; do
	id=$(basename "$txt" .txt)
	n=$((n + 1))
	if ! "$planted" encode "$txt" -o "$tmp/$id.kvms" 2>"$tmp/err"; then
		echo "check_scenarios: $id: encode failed: $(head -1 "$tmp/err")"
		fail=1
		continue
	fi
	for mode in fresh reset; do
		# (in a subshell: the shell's "Aborted" note goes to the file)
		(
			"$planted" replay "$tmp/$id.kvms" --mode "$mode"
			exit $?
		) >"$tmp/out" 2>&1
		rc=$?
		got=$(sed -n 's/^PLANTED \(P[0-9]*\) .*/\1/p' "$tmp/out" | head -1)
		if [ "$got" != "$id" ] || [ "$rc" -lt 128 ]; then
			echo "check_scenarios: $id: $mode: expected PLANTED $id and an abort, got rc=$rc '${got:-no PLANTED line}': $(grep -v '^$' "$tmp/out" | tail -2 | tr '\n' ' ')"
			fail=1
		fi
	done
	if [ -n "$shipped" ]; then
		"$shipped" replay "$tmp/$id.kvms" --mode both >"$tmp/out" 2>&1
		rc=$?
		if [ "$rc" != 0 ] || grep -q PLANTED "$tmp/out"; then
			echo "check_scenarios: $id: the shipped vmm: rc=$rc (want 0, no finding): $(tail -1 "$tmp/out")"
			fail=1
		fi
	fi
	[ "$fail" = 0 ] && echo "check_scenarios: $id fires"
done
echo "check_scenarios: scenarios=$n ok=$([ "$fail" = 0 ] && echo yes || echo no)"
exit "$fail"

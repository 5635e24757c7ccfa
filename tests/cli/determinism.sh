#!/usr/bin/env bash
# Replaying the same input twice gives the same exit trace and trace hash.
# Usage: determinism.sh VMM CORPUS_DIR
set -u
vmm=$1; dir=$2
[ -e /dev/kvm ] || { echo "SKIP: /dev/kvm is absent"; exit 77; }
fail=0; n=0
for f in "$dir"/*.kvms; do
	a=$("$vmm" replay --trace "$f" 2>&1); b=$("$vmm" replay --trace "$f" 2>&1)
	n=$((n + 1))
	if [ "$a" != "$b" ]; then
		echo "FAIL: $f differs between two replays"; diff <(echo "$a") <(echo "$b") | head
		fail=1
	fi
	grep -q 'trace_hash=0x' <<<"$a" || { echo "FAIL: $f: no trace hash"; fail=1; }
done
[ "$n" -gt 0 ] || { echo "FAIL: no corpus files"; exit 1; }
echo "$n scenarios replayed twice, $([ $fail = 0 ] && echo identical || echo DIFFERENT)"
exit $fail

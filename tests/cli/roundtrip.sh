#!/usr/bin/env bash
# vmm decode -> vmm encode reproduces every corpus file byte for byte.
# Usage: roundtrip.sh VMM CORPUS_DIR
set -u
vmm=$1; dir=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0; n=0
for f in "$dir"/*.kvms; do
	n=$((n + 1))
	"$vmm" decode "$f" >"$tmp/t.txt" || { echo "FAIL: decode $f"; fail=1; continue; }
	"$vmm" encode - -o "$tmp/b.kvms" <"$tmp/t.txt" || { echo "FAIL: encode $f"; fail=1; continue; }
	cmp -s "$f" "$tmp/b.kvms" || { echo "FAIL: $f does not round-trip"; fail=1; }
done
[ "$n" -gt 0 ] || { echo "FAIL: no corpus files"; exit 1; }
echo "$n files round-tripped: $([ $fail = 0 ] && echo exact || echo MISMATCH)"
exit $fail

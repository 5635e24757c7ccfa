#!/usr/bin/env bash
# Group findings by signature: fuzz/triage.sh DIR_OR_FILE...
# Each input is replayed with `vmm replay` (exactly what the fuzzer ran);
# inputs are grouped by the "FINDING <class> <where>" line, or by the
# sanitizer/abort summary for crashes of the VMM itself. VMM_FUZZ_WATCH
# (the patterns the fuzzer ran with) is passed on as --watch. Each input
# that replays as a finding gets a standalone C reproducer next to it,
# FILE.c (`vmm export-c`: raw KVM ioctls, prints the same verdict, exit
# count and trace hash as `vmm replay FILE --mode fresh`).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
vmm=$root/build/vmm
watch=()
[ -n "${VMM_FUZZ_WATCH:-}" ] && watch=(--watch "$VMM_FUZZ_WATCH")
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for arg in "$@"; do
	find "$arg" -type f ! -name '*.min' ! -name '*.md' ! -name '*.txt' \
		! -name '*.c'
done | sort | while read -r f; do
	out=$("$vmm" replay "$f" "${watch[@]}" 2>&1); rc=$?
	sig=$(grep -m1 '^FINDING' <<<"$out" || true)
	# a scenario that replays as a finding: its C reproducer
	if [ -n "$sig" ]; then "$vmm" export-c "$f" -o "$f.c" 2>/dev/null; fi
	[ -z "$sig" ] && sig=$(grep -m1 'SUMMARY' <<<"$out" || true)
	[ -z "$sig" ] && sig="no finding on replay (rc=$rc)"
	printf '%s\t%s\n' "$sig" "$f" >>"$tmp"
done
cut -f1 "$tmp" | sort | uniq -c | sort -rn | while read -r n sig; do
	ex=$(grep -F -m1 "$sig" "$tmp" | cut -f2)
	printf '%5d  %s\n       e.g. %s\n' "$n" "$sig" "$ex"
	if [ -f "$ex.c" ]; then printf '       C reproducer: %s.c\n' "$ex"; fi
done

#!/usr/bin/env bash
# The shipped binaries carry no planted bug: no vmm_planted_* symbol and
# no "PLANTED " canary text in any of the given files (the default and
# ASan trees' vmm, fuzz targets, replay drivers and the AFL++ custom
# mutator). usage: no_planted_code.sh FILE...; exit 0 clean, 1 found.
set -uo pipefail
[ $# -gt 0 ] || { echo "usage: no_planted_code.sh FILE..." >&2; exit 2; }
bad=0
for f in "$@"; do
	[ -f "$f" ] || { echo "no_planted_code: $f missing"; bad=1; continue; }
	if nm -a "$f" 2>/dev/null | grep -q 'vmm_planted' ||
		nm -D "$f" 2>/dev/null | grep -q 'vmm_planted' ||
		LC_ALL=C grep -qa 'PLANTED %s\|PLANTED P[0-9]' "$f"; then
		echo "no_planted_code: $f contains planted-bug code"
		bad=1
	fi
done
echo "no_planted_code: files=$# clean=$([ "$bad" = 0 ] && echo yes || echo no)"
exit "$bad"

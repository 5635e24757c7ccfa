#!/usr/bin/env bash
# Run one CLI case and check what a user would see.
#   run_case.sh [--rc N] [--stdout STR] [--stdout-bytes N] [--stderr-has STR]...
#               [--stdout-has STR]... [--stderr-lines N] [--max-ms N] [--kvm] -- COMMAND ARGS...
# --stdout STR is compared exactly after printf %b (so "4\n" works).
# --kvm: the case needs /dev/kvm; exit 77 (ctest SKIP) only if it is absent.
set -u
rc_want=""; out_want=""; have_out=0; out_bytes=""; lines_want=""; max_ms=""
need_kvm=0; has=(); ohas=()
while [ $# -gt 0 ]; do
	case "$1" in
	--rc) rc_want=$2; shift 2 ;;
	--stdout) out_want=$2; have_out=1; shift 2 ;;
	--stdout-bytes) out_bytes=$2; shift 2 ;;
	--stderr-has) has+=("$2"); shift 2 ;;
	--stdout-has) ohas+=("$2"); shift 2 ;;
	--stderr-lines) lines_want=$2; shift 2 ;;
	--max-ms) max_ms=$2; shift 2 ;;
	--kvm) need_kvm=1; shift ;;
	--) shift; break ;;
	*) echo "run_case.sh: bad option $1" >&2; exit 2 ;;
	esac
done
if [ "$need_kvm" = 1 ] && [ ! -e /dev/kvm ]; then
	echo "SKIP: /dev/kvm is absent"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
t0=$(date +%s%N)
"$@" >"$tmp/out" 2>"$tmp/err" </dev/null
rc=$?
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
fail=0
say() { echo "FAIL: $*"; fail=1; }
echo "command: $*"
echo "exit code: $rc, ${ms} ms"
echo "--- stderr:"; cat "$tmp/err"
echo "--- stdout (first 400 bytes):"; head -c 400 "$tmp/out"; echo
if [ -n "$rc_want" ] && [ "$rc" != "$rc_want" ]; then
	say "exit code $rc, want $rc_want"
fi
if [ "$have_out" = 1 ]; then
	printf '%b' "$out_want" >"$tmp/want"
	cmp -s "$tmp/out" "$tmp/want" || say "stdout differs from expected: $(od -c "$tmp/want" | head -3)"
fi
if [ -n "$out_bytes" ]; then
	n=$(wc -c <"$tmp/out")
	[ "$n" = "$out_bytes" ] || say "stdout has $n bytes, want $out_bytes"
fi
# Patterns are matched as text, newlines included (grep -F would take a
# pattern with a newline as several patterns, one of them empty, which
# matches anything); a pattern ending in a newline starts at a line start,
# so "rax=0xa\n" is the whole line rax=0xa.
has_text() {
	local pat=$1 text
	text=$(cat "$2"; echo x)
	text=$'\n'${text%x}
	if [ "${pat%$'\n'}" != "$pat" ]; then
		pat=$'\n'$pat
	fi
	[[ "$text" == *"$pat"* ]]
}
for s in "${has[@]+"${has[@]}"}"; do
	has_text "$s" "$tmp/err" || say "stderr lacks: $s"
done
for s in "${ohas[@]+"${ohas[@]}"}"; do
	has_text "$s" "$tmp/out" || say "stdout lacks: $s"
done
if [ -n "$lines_want" ]; then
	n=$(wc -l <"$tmp/err")
	[ "$n" = "$lines_want" ] || say "stderr has $n lines, want $lines_want"
fi
if [ -n "$max_ms" ] && [ "$ms" -gt "$max_ms" ]; then
	say "took ${ms} ms, limit ${max_ms} ms"
fi
[ "$fail" = 0 ] && echo "PASS"
exit $fail

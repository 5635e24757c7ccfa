#!/usr/bin/env bash
# The benchmark must measure the fuzzer, not teach it: no planted bug's
# constant may appear outside vmm/planted.c and tests/bugbench/ (this
# directory: the hand-written trigger scenarios and tests), neither in the
# mutator, the dictionaries, the corpus, the guests nor anywhere else.
# The constants are read from vmm/planted.c (every "#define Pnn_* 0x..." of
# 16 bits or more, except thresholds named *_MIN) plus the derived values
# below. Searched in every tracked or new file:
#   text: the hex digits in both byte orders ("7c1d", "1d7c"), the decimal
#         value, and the dictionary escapes ("\x1d\x7c", both orders);
#   binary files (corpus/*.kvms...): the little-endian bytes, for values of
#         32 bits or more (a 16-bit pattern turns up in any few KiB by
#         chance).
# usage: leak_check.sh [SOURCE_DIR]; exit 0 clean, 1 leaked (named).
set -uo pipefail
src=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$src" || exit 2
planted=vmm/planted.c
[ -f "$planted" ] || { echo "leak_check: $planted missing" >&2; exit 2; }
# derived values the guest must produce that planted.c computes
derived="0x9e2f5c1a"
consts=$({
	sed -n 's/^#define P[0-9][0-9]_[A-Z0-9_]* \(0x[0-9a-fA-F]\{4,\}\)U*L*$/\1/p' "$planted"
	printf '%s\n' $derived
} | sort -u)
excluded() { case "$1" in vmm/planted.c | tests/bugbench/*) return 0 ;; esac; return 1; }
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	files=$(git ls-files --cached --others --exclude-standard)
else
	files=$(find . -type f ! -path './.git/*' ! -path './build*' ! -path './out/*' | sed 's|^\./||')
fi
mins=$(sed -n 's/^#define P[0-9][0-9]_[A-Z0-9_]*_MIN \(0x[0-9a-fA-F]*\)U*$/\1/p' "$planted")
list=()
for f in $files; do
	[ -f "$f" ] && ! excluded "$f" && list+=("$f")
done
leaks=0 n=0
for c in $consts; do
	grep -qx "$c" <<<"$mins" && continue
	n=$((n + 1))
	hex=$(printf '%x' "$c")
	len=${#hex}
	[ $((len % 2)) = 1 ] && hex=0$hex && len=$((len + 1))
	le="" esc_be="" esc_le=""
	for ((i = 0; i < len; i += 2)); do
		b=${hex:i:2}
		le=$b$le
		esc_be=$esc_be'\x'$b
		esc_le='\x'$b$esc_le
	done
	dec=$(printf '%d' "$c" 2>/dev/null || echo x)
	[ "$len" -gt 8 ] && [ "${dec#-}" != "$dec" ] && dec=x
	hits=$(LC_ALL=C grep -lIiF -e "$hex" -e "$le" -e "$esc_be" -e "$esc_le" -- "${list[@]}" 2>/dev/null)
	dhits=$(LC_ALL=C grep -lIw -e "$dec" -- "${list[@]}" 2>/dev/null)
	bhits=""
	if [ "$len" -ge 8 ]; then
		pat="" # the bytes in memory order (little-endian)
		for ((i = len - 2; i >= 0; i -= 2)); do pat=$pat'\x'${hex:i:2}; done
		bhits=$(LC_ALL=C grep -laP -e "$pat" -- "${list[@]}" 2>/dev/null)
	fi
	for f in $hits $dhits $bhits; do
		echo "leak_check: planted constant $c found in $f"
		leaks=$((leaks + 1))
	done
done
[ "$n" -ge 8 ] || { echo "leak_check: only $n constants read from $planted: the pattern is stale" >&2; exit 2; }
echo "leak_check: constants=$n files=${#list[@]} leaks=$leaks"
[ "$leaks" = 0 ]

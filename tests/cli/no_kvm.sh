#!/usr/bin/env bash
# A fuzz target on a host without KVM, as on ClusterFuzz bots (no /dev):
# COMMAND runs in a private mount namespace with an empty tmpfs over /dev,
# bounded by a timeout. It must exit with RC (no crash, no hang), say in
# exactly one line that KVM is unavailable (with --says-no-kvm), and show
# no engine crash report, sanitizer report or finding.
# Usage: no_kvm.sh RC [--says-no-kvm] [--copy-corpus DIR] -- COMMAND ARGS...
#   --copy-corpus DIR: a scratch copy of DIR is appended to COMMAND's args
# Exits 77 (skip) where mount namespaces are not allowed.
set -u
want_rc=$1; shift
says=0; corpus=""
while [ $# -gt 0 ]; do
	case "$1" in
	--says-no-kvm) says=1; shift ;;
	--copy-corpus) corpus=$2; shift 2 ;;
	--) shift; break ;;
	*) echo "no_kvm.sh: bad option $1" >&2; exit 2 ;;
	esac
done
unshare -m sh -c 'mount -t tmpfs none /dev' 2>/dev/null ||
	{ echo "SKIP: cannot make a mount namespace here (needs root/CAP_SYS_ADMIN)"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
args=("$@")
if [ -n "$corpus" ]; then
	mkdir "$tmp/corpus" && cp "$corpus"/* "$tmp/corpus"/
	args+=("$tmp/corpus")
fi
timeout -k 5 60 unshare -m sh -c 'mount -t tmpfs none /dev && exec "$@"' \
	sh "${args[@]}" >"$tmp/log" 2>&1
rc=$?
echo "command (no /dev): ${args[*]}"
echo "exit code: $rc"
head -40 "$tmp/log"
fail=0
say() { echo "FAIL: $*"; fail=1; }
[ "$rc" = 124 ] || [ "$rc" = 137 ] && say "hung (killed by the 60 s timeout)"
[ "$rc" = "$want_rc" ] || say "exit code $rc, want $want_rc"
[ -s "$tmp/log" ] || say "printed nothing"
if [ "$says" = 1 ]; then
	n=$(grep -c "KVM is unavailable" "$tmp/log")
	[ "$n" = 1 ] || say "'KVM is unavailable' printed $n times, want once"
fi
grep -qE 'ERROR: libFuzzer|ERROR: AddressSanitizer|runtime error:|^FINDING|deadly signal|SUMMARY: ' \
	"$tmp/log" && say "a crash or finding was reported"
[ "$fail" = 0 ] && echo PASS
exit "$fail"

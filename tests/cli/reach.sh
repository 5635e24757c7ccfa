#!/usr/bin/env bash
# `vmm reach` on the corpus (without paged32_hello, which some hosts' KVM
# cannot run) plus one file that is not a scenario: exact counts in the
# text form, the same counts in the JSON form (which must parse), the
# short form, and a directory argument.
# Usage: reach.sh VMM CORPUS_DIR
set -u
vmm=$1; corpus=$2
[ -e /dev/kvm ] || { echo "SKIP: /dev/kvm is absent"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
say() { echo "FAIL: $*"; fail=1; }
mkdir "$tmp/in"
for f in "$corpus"/*.kvms; do
	case "$f" in */paged32_hello.kvms) continue ;; esac
	cp "$f" "$tmp/in/"
done
printf 'not a scenario' >"$tmp/in/zz_junk"
"$vmm" reach "$tmp/in"/* >"$tmp/text" 2>"$tmp/err"; rc=$?
cat "$tmp/text" "$tmp/err"
[ "$rc" = 0 ] || say "text: exit code $rc"
[ -s "$tmp/err" ] && say "text: stderr not empty"
for line in "reach: inputs=21 scenarios=20 mode=fresh" \
	"exit KVM_EXIT_HLT inputs=19" "exit KVM_EXIT_SHUTDOWN inputs=1" \
	"exit KVM_EXIT_MMIO inputs=2" "exit KVM_EXIT_FAIL_ENTRY inputs=0" \
	"ioctl KVM_CREATE_VM ok inputs=20 calls=20" \
	"ioctl KVM_SET_TSS_ADDR ok inputs=20 calls=20" \
	"verdict halt inputs=19" "verdict guest-failure inputs=1" \
	"finding none inputs=20" "record slot inputs=20" \
	"record sreg inputs=5" "record vcpu inputs=20" \
	"record msr inputs=1" "ioctl KVM_SET_MSRS ok inputs=1 calls=2" \
	"record cpuid inputs=1" "ioctl KVM_SET_CPUID2 ok inputs=1 calls=1" \
	"record debugregs inputs=1" "ioctl KVM_SET_DEBUGREGS ok inputs=1 calls=1" \
	"record events inputs=1" "ioctl KVM_SET_VCPU_EVENTS ok inputs=1 calls=2" \
	"record irqchip inputs=3" "ioctl KVM_CREATE_IRQCHIP ok inputs=2 calls=2" \
	"ioctl KVM_CREATE_PIT2 ok inputs=2 calls=2" "record irq inputs=1" \
	"ioctl KVM_SIGNAL_MSI ok inputs=1 calls=1" "record lapic inputs=2" \
	"ioctl KVM_SET_LAPIC ok inputs=2 calls=2"; do
	grep -qxF -- "$line" "$tmp/text" || say "text lacks the line: $line"
done
"$vmm" reach --json "$tmp/in" >"$tmp/json" 2>"$tmp/err"; rc=$?
[ "$rc" = 0 ] || say "json: exit code $rc"
python3 -m json.tool "$tmp/json" >/dev/null || say "json: does not parse"
python3 - "$tmp/json" <<'PY' || say "json: counts differ from the text form"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["inputs"] == 21 and r["scenarios"] == 20, r
assert r["exits"]["KVM_EXIT_HLT"] == 19, r["exits"]
assert r["verdicts"]["halt"] == 19 and r["records"]["slot"] == 20
assert r["records"]["msr"] == 1 and r["records"]["cpuid"] == 1
assert r["records"]["debugregs"] == 1, r["records"]
assert r["records"]["events"] == 1, r["records"]
assert r["records"]["irqchip"] == 3 and r["records"]["irq"] == 1
assert r["records"]["lapic"] == 2, r["records"]
vm = [i for i in r["ioctls"] if i["ioctl"] == "KVM_CREATE_VM"]
assert vm == [{"ioctl": "KVM_CREATE_VM", "request": vm[0]["request"],
               "result": "ok", "inputs": 20, "calls": 20}], vm
PY
"$vmm" reach --short "$tmp/in" >"$tmp/short" 2>&1; rc=$?
cat "$tmp/short"
[ "$rc" = 0 ] || say "short: exit code $rc"
[ "$(wc -l <"$tmp/short")" = 4 ] || say "short: not 4 lines"
grep -q "^reach: inputs=21 scenarios=20 " "$tmp/short" || say "short: header"
grep -q "^reach: exits.* KVM_EXIT_HLT:19" "$tmp/short" || say "short: exits"
[ "$fail" = 0 ] && echo PASS
exit "$fail"

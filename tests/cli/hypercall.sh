#!/usr/bin/env bash
# The hypercall corpus entry: on a host whose KVM passes a guest's VMCALL
# on as KVM_EXIT_HYPERCALL, the trace shows the exit and the guest prints
# the ret the VMM answered from the input stream, in both modes; on one
# that does not (kvm-pvm: a VMCALL at CPL0 never completes), `vmm caps`
# says so and the entry gives host-unsupported with that reason, at once
# and without a finding.   Usage: hypercall.sh VMM SCENARIO
set -u
vmm=$1; scn=$2
if [ ! -e /dev/kvm ]; then echo "SKIP: /dev/kvm is absent"; exit 77; fi
caps=$("$vmm" caps) || { echo "FAIL: vmm caps failed"; exit 1; }
line=$(grep '^record hypercall=' <<<"$caps")
echo "caps: $line"
out=$("$vmm" replay --mode both --trace --console "$scn" 2>&1); rc=$?
echo "rc=$rc"; echo "$out"
case "$line" in
"record hypercall=ok "*)
	[ "$rc" = 0 ] && grep -q "KVM_EXIT_HYPERCALL" <<<"$out" &&
	grep -qF "hypercall ret 0xdeadbeef" <<<"$out" &&
	grep -q "^replay: verdict=halt" <<<"$out" &&
	grep -q "^replay: reset: verdict=halt" <<<"$out" &&
	{ echo PASS; exit 0; } ;;
"record hypercall=unsupported: a VMCALL probe"*)
	[ "$rc" = 0 ] &&
	grep -q "^replay: verdict=host-unsupported exits=0 .*finding=none" <<<"$out" &&
	grep -q "^replay: reset: verdict=host-unsupported exits=0" <<<"$out" &&
	grep -qF "this host's does not: a VMCALL probe" <<<"$out" &&
	{ echo PASS; exit 0; } ;;
esac
echo "FAIL"; exit 1

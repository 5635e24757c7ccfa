#!/usr/bin/env bash
# d8_vendor.sh VMM FILE: D8 depends on the host CPU's vendor. AMD CPUs
# honour a 66 prefix on a near branch in 64-bit mode (16-bit displacement
# and RIP), Intel CPUs ignore it as KVM's emulator does: on AMD the replay
# must report the tagged divergence (exit 16), elsewhere agreement (exit 0).
set -u
out=$("$1" replay --mode fresh --diff "$2" 2>/dev/null)
rc=$?
if grep -q AuthenticAMD /proc/cpuinfo; then
	[ "$rc" = 16 ] && grep -q 'known: D8 near-branch-66' <<<"$out"
else
	[ "$rc" = 0 ] && grep -q 'diff=agree' <<<"$out"
fi

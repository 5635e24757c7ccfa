#!/usr/bin/env bash
# paged32 guest: on a host whose KVM can run 32-bit paged guests it must
# print its line; on one that cannot (this project's CI host: PVM-backed
# nested KVM), `vmm run` must say so clearly with exit code 3, and
# `vmm caps` must agree.   Usage: paged32.sh VMM GUEST_BIN
set -u
vmm=$1; guest=$2
if [ ! -e /dev/kvm ]; then echo "SKIP: /dev/kvm is absent"; exit 77; fi
caps=$("$vmm" caps) || { echo "FAIL: vmm caps failed"; exit 1; }
line=$(grep '^mode paged32=' <<<"$caps")
echo "caps: $line"
out=$("$vmm" run --mode paged32 "$guest" 2>err.$$); rc=$?
err=$(cat err.$$); rm -f err.$$
echo "rc=$rc stdout=[$out] stderr=[$err]"
case "$line" in
"mode paged32=ok")
	[ "$rc" = 0 ] && [ "$out" = "Hello from paged protected mode" ] && { echo PASS; exit 0; } ;;
"mode paged32=unsupported: "*)
	[ "$rc" = 3 ] && [ -z "$out" ] &&
	grep -qF "this host's KVM cannot run paged32 guests" <<<"$err" &&
	grep -qF "host limitation" <<<"$err" &&
	[ "$(wc -l <<<"$err")" = 1 ] && { echo PASS; exit 0; } ;;
esac
echo "FAIL"; exit 1

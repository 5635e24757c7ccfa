#!/usr/bin/env bash
# `make test-arm64`: the arm64 suite on real arm64 KVM, without an arm64
# machine. Cross-builds the project statically (preset arm64), packs the
# binaries, guests, corpus and tests/arm64/cases.txt into an initramfs whose
# /init is tests/arm64/runner.c, boots the Debian arm64 kernel under
# qemu-system-aarch64 -M virt,virtualization=on (KVM inside the emulated
# machine), and reads the verdicts back from the serial console. The
# machine has a GICv3 (gic-version=3, with its virtualization extension
# under virtualization=on), so its KVM offers the vGICv3 the vgic record
# asks for.
# Exit: 0 all passed, 1 a case failed, 2 the machine did not report.
# Env: VMM_ARM64_TIMEOUT (seconds for the whole boot, default 1200),
#      VMM_ARM64_CASES (another case file), VMM_ARM64_EXTRA (a directory
#      copied to /extra, e.g. inputs to reproduce),
#      VMM_ARM64_LOG (console log path, default build-arm64/arm64-console.log)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
kernel=$(bash .ci/install-arm64 | tail -1)
cmake --preset arm64 >/dev/null
cmake --build --preset arm64
b=$root/build-arm64
log=${VMM_ARM64_LOG:-$b/arm64-console.log}
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,guests,corpus,dev,proc,sys,tmp}
cp "$b/tests/arm64/arm64_runner" "$stage/init"
cp "$b/vmm" "$b/tests/arm64/test_args" "$b/tests/arm64/test_exit" \
   "$b/tests/arm64/test_devices" "$b/tests/arm64/test_arm64" \
   "$b/tests/arm64/test_reset" \
   "$b/fuzz/fuzz_pipeline_replay" "$b/fuzz/fuzz_scenario_replay" \
   "$b/fuzz/fuzz_exit_replay" "$stage/bin/"
cp "$b"/guests/*.bin "$stage/guests/"
cp -r corpus/arm64 corpus/exit "$stage/corpus/"
cp corpus/scenarios/real16_hlt.kvms "$stage/corpus/x86_hlt.kvms"
# vmm export-c: an arm64 corpus scenario as a C reproducer, exported by the
# host's vmm (arm64 export works on any host) and cross-compiled here, since
# the emulated machine has no compiler; cases.txt runs it there
cmake --preset default >/dev/null
cmake --build --preset default --target vmm >/dev/null
for r in uart_hello one_reg_set gic_spi; do
	build/vmm export-c "corpus/arm64/$r.kvms" -o "$stage/repro_$r.c"
	aarch64-linux-gnu-gcc -static -Wall -Wextra -Werror -O2 \
		-o "$stage/bin/repro_$r" "$stage/repro_$r.c"
done
mkdir -p "$stage/inputs"
build/vmm encode tests/arm64/one_reg_unlisted.txt -o "$stage/inputs/one_reg_unlisted.kvms"
cp "${VMM_ARM64_CASES:-tests/arm64/cases.txt}" "$stage/cases.txt"
[ -z "${VMM_ARM64_EXTRA:-}" ] || cp -r "$VMM_ARM64_EXTRA" "$stage/extra"
(cd "$stage" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) |
	gzip -1 >"$b/initramfs-arm64.cpio.gz"
echo "test-arm64: booting $(cat "$(dirname "$kernel")/kernel-version" 2>/dev/null || echo kernel) under qemu (TCG, virtualization=on, GICv3)"
rc=0
timeout "${VMM_ARM64_TIMEOUT:-1200}" qemu-system-aarch64 \
	-M virt,virtualization=on,gic-version=3 -cpu max -smp 2 -m 2048 \
	-nographic -no-reboot -net none \
	-kernel "$kernel" -initrd "$b/initramfs-arm64.cpio.gz" \
	-append "console=ttyAMA0 panic=-1 quiet loglevel=3" \
	</dev/null >"$log" 2>&1 || rc=$?
tr -d '\r' <"$log" | grep -E '^ARM64-(TEST|SUMMARY)' || true
summary=$(tr -d '\r' <"$log" | grep -E '^ARM64-SUMMARY' | tail -1 || true)
if [ -z "$summary" ]; then
	echo "test-arm64: FAIL: no summary from the arm64 machine (qemu exit $rc); console log: $log"
	tail -20 "$log"
	exit 2
fi
if grep -q 'failed=0 ' <<<"$summary" && ! tr -d '\r' <"$log" | grep -q '^ARM64-TEST FAIL'; then
	echo "test-arm64: PASS ($summary)"
	exit 0
fi
echo "test-arm64: FAIL ($summary); console log: $log"
exit 1

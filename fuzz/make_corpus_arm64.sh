#!/usr/bin/env bash
# Regenerate the arm64 seed corpus from the arm64 guests:
#   fuzz/make_corpus_arm64.sh [VMM] [ARM64_BUILD_DIR]
# (defaults: build/vmm, which encodes arm64 scenarios on any host, and
# build-arm64, where `cmake --build --preset arm64` put the guests).
# Writes corpus/text-arm64/NAME.txt and corpus/arm64/NAME.kvms.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
vmm=${1:-$root/build/vmm}
g=${2:-$root/build-arm64}/guests
txt=$root/corpus/text-arm64
bin=$root/corpus/arm64
mkdir -p "$txt" "$bin"
hex() { od -An -v -tx1 "$g/$1.bin" | tr -d ' \n'; }
hdr() { printf 'kvms version=1 arch=arm64 flags=%s\nlimits max_exits=%s timeout_ms=%s\nconsole gpa=0x10000000\n' "$1" "$2" "$3"; }
slot() { echo "slot id=0 gpa=0x0 size=0x${1:-100000} flags=none"; }
emit() { # NAME: scenario text on stdin
	cat >"$txt/$1.txt"
	"$vmm" encode "$txt/$1.txt" -o "$bin/$1.kvms"
}

{ hdr none 100 1000; slot; echo "blob gpa=0x1000 data=$(hex uart_hello)"
  echo "vcpu mode=aarch64 entry=0x1000"; echo "features psci-0.2"; } | emit uart_hello
{ hdr none 100 1000; slot; echo "blob gpa=0x1000 data=$(hex psci_off)"
  echo "vcpu mode=aarch64 entry=0x1000"; echo "features psci-0.2"; } | emit psci_off
{ hdr none 100 1000; slot; echo "blob gpa=0x1000 data=$(hex psci_off)"
  echo "vcpu mode=aarch64 entry=0x1000"; echo "reg x20=0x1"; echo "features psci-0.2"; } | emit psci_reset
{ hdr none 100 1000; slot; echo "blob gpa=0x1000 data=$(hex el_regs)"
  echo "vcpu mode=aarch64 entry=0x1000"; echo "reg x0=0x5"; echo "reg x1=0x7"
  echo "reg x2=0xf0"; echo "reg x3=0xff"; echo "reg sp=0x80000"
  echo "features psci-0.2"; } | emit el_regs
{ hdr permissive 100 1000; slot; echo "blob gpa=0x1000 data=$(hex mmio_read)"
  echo "input data=4b564d0a"; echo "vcpu mode=aarch64 entry=0x1000"
  echo "features psci-0.2"; } | emit mmio_read_input
{ hdr none 100 1000; slot; echo "blob gpa=0x1000 data=$(hex aarch32_hello)"
  echo "vcpu mode=aarch32 entry=0x1000"; echo "features psci-0.2"; } | emit aarch32_hello
# two vCPUs, both print; the second starts with a PMU
{ hdr none 100 1000; slot; echo "blob gpa=0x1000 data=$(hex uart_hello)"
  echo "vcpu mode=aarch64 entry=0x1000"; echo "features psci-0.2"
  echo "vcpu mode=aarch64 entry=0x1000"; echo "features psci-0.2,pmu-v3"; } | emit two_vcpus_pmu
# code from a readonly slot; the stack in a dirty-logged writable one
{ hdr none 100 1000; echo "slot id=0 gpa=0x0 size=0x1000 flags=readonly"
  echo "slot id=1 gpa=0x100000 size=0x100000 flags=dirty_log"
  echo "blob gpa=0x0 data=$(hex el_regs)"; echo "vcpu mode=aarch64 entry=0x0"
  echo "reg sp=0x180000"; echo "features psci-0.2"; } | emit readonly_code
# one_reg: TPIDR_EL1 set by the record and printed by the guest ("OK\n"),
# then the same guest without it (after it in the equivalence test's
# order: a reset VM must print nothing, as a fresh one does)
{ hdr none 100 1000; slot; echo "blob gpa=0x1000 data=$(hex one_reg_read)"
  echo "vcpu mode=aarch64 entry=0x1000"; echo "features psci-0.2"
  echo "one_reg id=0x603000000013c684 value=0xa4b4f hi=0x0"; } | emit one_reg_set
{ hdr none 100 1000; slot; echo "blob gpa=0x1000 data=$(hex one_reg_read)"
  echo "vcpu mode=aarch64 entry=0x1000"; echo "features psci-0.2"; } | emit one_reg_unset
# the vGICv3 at QEMU virt's addresses: the virtual timer's PPI 27 (the
# guest programs the timer: x0=1), the same with the timer set up by
# one_reg records (CTL ENABLE, CVAL 0: due at once), SPI 40 raised by an
# irq_line record, and nothing pending (WFI until the run's timeout)
vgic() { echo "vgic dist=0x8000000 redist=0x80a0000 nr_irqs=64"; }
{ hdr none 100 1000; slot; echo "blob gpa=0x1000 data=$(hex gic_irq)"; vgic
  echo "vcpu mode=aarch64 entry=0x1000"; echo "reg x0=0x1"; echo "features psci-0.2"; } | emit gic_timer
{ hdr none 100 1000; slot; echo "blob gpa=0x1000 data=$(hex gic_irq)"; vgic
  echo "vcpu mode=aarch64 entry=0x1000"; echo "features psci-0.2"
  echo "one_reg id=0x603000000013df02 value=0x0 hi=0x0"
  echo "one_reg id=0x603000000013df19 value=0x1 hi=0x0"; } | emit gic_timer_one_reg
{ hdr none 100 1000; slot; echo "blob gpa=0x1000 data=$(hex gic_irq)"; vgic
  echo "irq_line type=spi vcpu=0 irq=40 level=1"
  echo "vcpu mode=aarch64 entry=0x1000"; echo "features psci-0.2"; } | emit gic_spi
{ hdr none 100 100; slot; echo "blob gpa=0x1000 data=$(hex gic_irq)"; vgic
  echo "vcpu mode=aarch64 entry=0x1000"; echo "features psci-0.2"; } | emit gic_wfi_idle
echo "corpus: $(ls "$bin" | wc -l) arm64 scenarios in $bin"

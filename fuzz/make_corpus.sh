#!/usr/bin/env bash
# Regenerate the seed corpus from the guests (see corpus/README.md):
#   fuzz/make_corpus.sh [BUILD_DIR]      (default: build)
# Writes corpus/text/NAME.txt (readable scenario text) and
# corpus/scenarios/NAME.kvms (the binary form, via `vmm encode`).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
vmm=$build/vmm
g=$build/guests
txt=$root/corpus/text
bin=$root/corpus/scenarios
mkdir -p "$txt" "$bin"
hex() { od -An -v -tx1 "$g/$1.bin" | tr -d ' \n'; }
hdr() { printf 'kvms version=1 arch=x86_64 flags=%s\nlimits max_exits=%s timeout_ms=%s\n' "$1" "$2" "$3"; }

emit() { # NAME: scenario text on stdin
	cat >"$txt/$1.txt"
	"$vmm" encode "$txt/$1.txt" -o "$bin/$1.kvms"
}

{ hdr none 100 100; echo "slot id=0 gpa=0x0 size=0x10000 flags=none"
  echo "blob gpa=0x1000 data=$(hex real16_hlt)"; echo "vcpu mode=real16 entry=0x1000"; } | emit real16_hlt
{ hdr none 100 100; echo "slot id=0 gpa=0x0 size=0x10000 flags=none"
  echo "blob gpa=0x1000 data=$(hex real16_add)"; echo "vcpu mode=real16 entry=0x1000"
  echo "reg rax=0x2"; echo "reg rbx=0x2"; } | emit real16_add
{ hdr none 1000 100; echo "slot id=0 gpa=0x0 size=0x10000 flags=none"
  echo "blob gpa=0x1000 data=$(hex real16_serial_poll)"; echo "vcpu mode=real16 entry=0x1000"; } | emit real16_serial_poll
{ hdr none 1000 100; echo "slot id=0 gpa=0x0 size=0x200000 flags=none"
  echo "blob gpa=0x1000 data=$(hex prot32_hello)"; echo "vcpu mode=prot32 entry=0x1000"; } | emit prot32_hello
{ hdr none 1000 100; echo "slot id=0 gpa=0x0 size=0x200000 flags=none"
  echo "blob gpa=0x1000 data=$(hex paged32_hello)"; echo "vcpu mode=paged32 entry=0x1000"; } | emit paged32_hello
{ hdr none 1000 100; echo "slot id=0 gpa=0x0 size=0x200000 flags=none"
  echo "blob gpa=0x0 data=$(hex long64_hello)"; echo "vcpu mode=long64 entry=0x0"; } | emit long64_hello
{ hdr none 1000 100; echo "console gpa=0x10000000"; echo "slot id=0 gpa=0x0 size=0x100000 flags=none"
  echo "blob gpa=0x1000 data=$(hex mmio_console)"; echo "vcpu mode=prot32 entry=0x1000"; } | emit mmio_console
{ hdr none 100 100; echo "slot id=0 gpa=0x0 size=0x200000 flags=none"
  echo "blob gpa=0x0 data=$(hex long64_ud2)"; echo "vcpu mode=long64 entry=0x0"; } | emit long64_shutdown
# two slots: code low, the store target and the VMM's tables in the second
{ hdr none 1000 100; echo "slot id=0 gpa=0x0 size=0x100000 flags=none"
  echo "slot id=1 gpa=0x100000 size=0x100000 flags=dirty_log"
  echo "blob gpa=0x0 data=$(hex long64_hello)"; echo "vcpu mode=long64 entry=0x0"; } | emit long64_two_slots
# code runs from a readonly slot; the GDT goes in the writable one
{ hdr none 1000 100; echo "slot id=0 gpa=0x0 size=0x1000 flags=none"
  echo "slot id=7 gpa=0x1000 size=0x1000 flags=readonly"
  echo "blob gpa=0x1000 data=$(hex prot32_hello)"; echo "vcpu mode=prot32 entry=0x1000"; } | emit prot32_readonly_code
# two vCPUs, round-robin: prints "37\n\n"
{ hdr none 100 100; echo "slot id=0 gpa=0x0 size=0x10000 flags=none"
  echo "blob gpa=0x1000 data=$(hex real16_add)"
  echo "vcpu mode=real16 entry=0x1000"; echo "reg rax=0x1"; echo "reg rbx=0x2"
  echo "vcpu mode=real16 entry=0x1000"; echo "reg rax=0x3"; echo "reg rbx=0x4"; } | emit real16_two_vcpus
# permissive devices: port and MMIO reads answered from the input stream
{ hdr permissive 100 100; echo "slot id=0 gpa=0x0 size=0x10000 flags=none"
  echo "blob gpa=0x1000 data=$(hex prot32_echo)"; echo "input data=4b564d0a"
  echo "vcpu mode=prot32 entry=0x1000"; } | emit prot32_echo_input
# a NOP sled from a fill pattern into a HLT: 1,024 instructions, well
# within the mutator's run limits (fuzz/mutator.c MUT_TIMEOUT_MS)
{ hdr none 100 100; echo "slot id=0 gpa=0x0 size=0x10000 flags=none"
  echo "fill gpa=0x1000 len=0x400 pattern=90"
  echo "blob gpa=0x1400 data=$(hex real16_hlt)"; echo "vcpu mode=real16 entry=0x1000"; } | emit real16_nop_sled
# raw overrides on top of the long64 preset: EFER.NXE, a stack, a segment
{ hdr none 1000 100; echo "slot id=0 gpa=0x0 size=0x200000 flags=none"
  echo "blob gpa=0x0 data=$(hex long64_hello)"; echo "vcpu mode=long64 entry=0x0"
  echo "reg rsp=0x180000"; echo "sreg efer=0xd00"
  echo "seg fs selector=0x10 attrs=0xc93 limit=0xffffffff base=0x12345000"; } | emit long64_overrides
# MSR records: SYSENTER_ESP and KERNEL_GS_BASE set before the first entry
# and read back by the guest (rax=0x123456789abc, rbx=0x8000); 0x12345678
# is one KVM refuses (counted, not an error)
{ hdr none 100 100; echo "slot id=0 gpa=0x0 size=0x200000 flags=none"
  echo "blob gpa=0x1000 data=$(hex long64_msr)"; echo "vcpu mode=long64 entry=0x1000"
  echo "msr index=0x175 value=0x8000"; echo "msr index=0x12345678 value=0x1"
  echo "msr index=0xc0000102 value=0x123456789abc"; } | emit long64_msr
# CPUID records: leaf 0 (KVM_GET_SUPPORTED_CPUID's, overridden) prints
# "kvmfuzz-cpu!" and halts with rax=0x7
{ hdr none 100 100; echo "slot id=0 gpa=0x0 size=0x200000 flags=none"
  echo "blob gpa=0x1000 data=$(hex long64_cpuid)"; echo "vcpu mode=long64 entry=0x1000"
  echo "cpuid function=0x0 index=0x0 reg=eax value=0x7"
  echo "cpuid function=0x0 index=0x0 reg=ebx value=0x666d766b"
  echo "cpuid function=0x0 index=0x0 reg=ecx value=0x21757063"
  echo "cpuid function=0x0 index=0x0 reg=edx value=0x2d7a7a75"; } | emit long64_cpuid
# a debugregs record: DR0 and DR7 (an L0 execute breakpoint no code
# reaches) read back by the guest, which prints "debugregs ok"
{ hdr none 100 100; echo "slot id=0 gpa=0x0 size=0x200000 flags=none"
  echo "blob gpa=0x1000 data=$(hex long64_dregs)"; echo "vcpu mode=long64 entry=0x1000"
  echo "debugregs dr0=0x5000 dr1=0x0 dr2=0x0 dr3=0x0 dr6=0xffff0ff0 dr7=0x401"; } | emit long64_debugregs
# action records (guests/x86/long64_actions.s): a slot deleted while the
# vCPU is in an MMIO exit on it (a rep movsb into a readonly slot)
{ hdr permissive 200 100; echo "slot id=0 gpa=0x0 size=0x200000 flags=none"
  echo "slot id=1 gpa=0x400000 size=0x1000 flags=readonly"
  echo "blob gpa=0x1000 data=$(hex long64_actions)"
  echo "action vcpu=0 trigger=exit when=1 kind=slot_delete target=0 idx=0x1 a=0x0 b=0x0"
  echo "vcpu mode=long64 entry=0x1000"; echo "reg rsp=0x180000"; } | emit long64_act_mmio_delete
# a readonly flip during a rep string write (MMIO reads into slot 1)
{ hdr permissive 200 100; echo "slot id=0 gpa=0x0 size=0x200000 flags=none"
  echo "slot id=1 gpa=0x400000 size=0x1000 flags=none"
  echo "blob gpa=0x1000 data=$(hex long64_actions)"; echo "input data=4b564d46555a5a21"
  echo "action vcpu=0 trigger=exit when=3 kind=slot_flags target=0 idx=0x1 a=0x1 b=0x0"
  echo "vcpu mode=long64 entry=0x1100"; echo "reg rsp=0x180000"; } | emit long64_act_readonly_rep
# two vCPUs writing one page while its dirty log is cleared and read
{ hdr none 200 100; echo "slot id=0 gpa=0x0 size=0x200000 flags=none"
  echo "slot id=1 gpa=0x400000 size=0x1000 flags=dirty_log"
  echo "blob gpa=0x1000 data=$(hex long64_actions)"
  echo "action vcpu=0 trigger=exit when=2 kind=dirty_clear target=0 idx=0x1 a=0x0 b=0x1"
  echo "action vcpu=0 trigger=exit when=3 kind=dirty_get target=0 idx=0x1 a=0x0 b=0x0"
  echo "action vcpu=1 trigger=exit when=2 kind=dirty_get target=0 idx=0x1 a=0x0 b=0x0"
  echo "action vcpu=1 trigger=exit when=3 kind=dirty_clear target=0 idx=0x1 a=0x0 b=0x1"
  echo "vcpu mode=long64 entry=0x1200"; echo "reg rsp=0x180000"
  echo "vcpu mode=long64 entry=0x1280"; echo "reg rsp=0x170000"; } | emit long64_act_dirty_two_vcpus
# an NMI injected during a single-step (guest_debug record)
{ hdr none 64 100; echo "slot id=0 gpa=0x0 size=0x200000 flags=none"
  echo "blob gpa=0x1000 data=$(hex long64_actions)"
  echo "action vcpu=0 trigger=exit when=3 kind=nmi target=0 idx=0x0 a=0x0 b=0x0"
  echo "vcpu mode=long64 entry=0x1300"; echo "reg rsp=0x180000"
  echo "guest_debug control=0x3 dr0=0x0 dr1=0x0 dr2=0x0 dr3=0x0 dr7=0x0"; } | emit long64_act_nmi_step
# an events record: #GP with error code 0x1234 injected before the first
# instruction, delivered through the guest's IDT (idt_base/idt_limit
# sregs); the handler prints "#GP error code 0x00001234"
{ hdr none 100 100; echo "slot id=0 gpa=0x0 size=0x200000 flags=none"
  echo "blob gpa=0x1000 data=$(hex long64_events)"; echo "vcpu mode=long64 entry=0x1000"
  echo "reg rsp=0x180000"; echo "sreg idt_base=0x1200"; echo "sreg idt_limit=0xdf"
  echo "events flags=0x5 vector=13 error_code=0x1234 irq=0"; } | emit long64_events
# msr_exits: RDMSR and WRMSR of KERNEL_GS_BASE, denied by an MSR filter
# range with KVM_MSR_EXIT_REASON_FILTER, exit to the VMM; the RDMSR is
# answered from the input stream (0x1122334455667788), the WRMSR (that
# value plus one) accepted; the guest prints "rdmsr 0x1122334455667788"
{ hdr none 100 100; echo "slot id=0 gpa=0x0 size=0x200000 flags=none"
  echo "blob gpa=0x1000 data=$(hex long64_msrexit)"; echo "input data=8877665544332211"
  echo "msr_exits reasons=0x4 base=0xc0000100 nmsrs=4 flags=0x3"
  echo "vcpu mode=long64 entry=0x1000"; echo "reg rsp=0x180000"; } | emit long64_msrexit
# hypercall: KVM_HC_MAP_GPA_RANGE through VMCALL with KVM_CAP_EXIT_HYPERCALL,
# ret answered from the input stream (0xdeadbeef); on kvm-pvm VMCALL never
# exits, so the VMM's probe makes it host-unsupported (docs/scenario-format.md)
{ hdr none 100 20; echo "slot id=0 gpa=0x0 size=0x200000 flags=none"
  echo "blob gpa=0x1000 data=$(hex long64_hypercall)"; echo "input data=efbeadde00000000"
  echo "hypercall mask=0x1000"; echo "vcpu mode=long64 entry=0x1000"; echo "reg rsp=0x180000"
  echo "sreg idt_base=0x1200"; echo "sreg idt_limit=0x6f"; } | emit long64_hypercall
# guest_debug: single-stepped (a KVM_EXIT_DEBUG per instruction), and a
# hardware instruction breakpoint on the final loop (a KVM_EXIT_DEBUG at
# every entry); both end by their exit budget after printing "stepped"
{ hdr none 64 100; echo "slot id=0 gpa=0x0 size=0x200000 flags=none"
  echo "blob gpa=0x1000 data=$(hex long64_gdbg)"; echo "vcpu mode=long64 entry=0x1000"
  echo "guest_debug control=0x3 dr0=0x0 dr1=0x0 dr2=0x0 dr3=0x0 dr7=0x0"; } | emit long64_singlestep
{ hdr none 20 100; echo "slot id=0 gpa=0x0 size=0x200000 flags=none"
  echo "blob gpa=0x1000 data=$(hex long64_gdbg)"; echo "vcpu mode=long64 entry=0x1000"
  echo "guest_debug control=0x20001 dr0=0x102a dr1=0x0 dr2=0x0 dr3=0x0 dr7=0x401"; } | emit long64_hwbp
# an fpu record: FCW 0x27f, st0 and xmm1 set through KVM_SET_FPU; the
# guest (CR4.OSFXSR) reads them back with FXSAVE at CPL3 and prints
# "fcw=027f mxcsr=00001f80 st0=4000c90fdaa22168c000 xmm1=..." (MXCSR is
# not KVM_SET_FPU's: the default stays)
{ hdr none 1000 100; echo "slot id=0 gpa=0x0 size=0x200000 flags=none"
  echo "blob gpa=0x1000 data=$(hex long64_fpu)"; echo "vcpu mode=long64 entry=0x1000"
  echo "sreg cr4=0x620"
  echo "fpu fcw=0x27f fsw=0x0 ftwx=0x1 last_opcode=0x0 last_ip=0x0 last_dp=0x0 mxcsr=0x1f80 regs=0000c06821a2da0fc9004000000000000009efcdab8967452301f0debc9a78563412"; } | emit long64_fpu
# xcr and xsave records (with a cpuid record: a guest CPUID with XSAVE
# and AVX): XCR0=7, MXCSR 0x1fa0 and the upper half of ymm1; the guest
# (CR4.OSXSAVE) reads XCR0 with XGETBV and ymm1 with VMOVDQU at CPL3
{ hdr none 1000 100; echo "slot id=0 gpa=0x0 size=0x200000 flags=none"
  echo "blob gpa=0x1000 data=$(hex long64_fpu)"; echo "vcpu mode=long64 entry=0x1000"
  echo "sreg cr4=0x40620"; echo "cpuid function=0x6 index=0x0 reg=eax value=0x4"
  echo "xsave xstate_bv=0x7 xcomp_bv=0x0 hdr_rsvd=0x0 mxcsr=0x1fa0 ymmh=01ccccccccccccccccdddddddddddddddd"
  echo "xcr xcr0=0x7"; } | emit long64_xsave
# interrupts through the guest's IDT (guests/x86/long64_irq.s) with an
# in-kernel irqchip: IRQ 0 from the PIT the guest programs (through the
# PIC), the LAPIC timer (enabled and set up by lapic records, started by
# the guest), an MSI an irq record sends before the first instruction
# (split irqchip: the LAPIC in KVM). Each handler prints which interrupt
# it was, sends the EOI, and the guest stops with CLI; HLT.
irq_hdr() { hdr none 1000 1000; echo "slot id=0 gpa=0x0 size=0x200000 flags=none"; }
irq_vcpu() { echo "blob gpa=0x1000 data=$(hex long64_irq)"; echo "vcpu mode=long64 entry=$1"
  echo "reg rsp=0x180000"; echo "sreg idt_base=0x1200"; echo "sreg idt_limit=0x41f"; }
{ irq_hdr; echo "irqchip mode=kernel pit_flags=0x0 routes=0"; irq_vcpu 0x1000; } | emit long64_irq_pit
{ irq_hdr; echo "irqchip mode=kernel pit_flags=0x0 routes=0"; irq_vcpu 0x1040
  echo "lapic offset=0xf0 value=0x1ff"; echo "lapic offset=0x320 value=0x30"
  echo "lapic offset=0x3e0 value=0xb"; } | emit long64_irq_lapic_timer
{ irq_hdr; echo "irqchip mode=split pit_flags=0x0 routes=24"
  echo "irq type=msi gsi=0 level=0 address=0xfee00000 data=0x41"; irq_vcpu 0x1080
  echo "lapic offset=0xf0 value=0x1ff"; } | emit long64_irq_msi
echo "corpus: $(ls "$bin" | wc -l) scenarios in $bin"
# fuzz_exit seeds: synthetic kvm_run areas
mkdir -p "$root/corpus/exit"
"$build/fuzz/gen_exit_seeds" "$root/corpus/exit"
# an events record: #GP with error code 0x1234 injected before the first
# instruction, delivered through the guest's IDT (idt_base/idt_limit
# sregs); the handler prints "#GP error code 0x00001234"
{ hdr none 100 100; echo "slot id=0 gpa=0x0 size=0x200000 flags=none"
  echo "blob gpa=0x1000 data=$(hex long64_events)"; echo "vcpu mode=long64 entry=0x1000"
  echo "reg rsp=0x180000"; echo "sreg idt_base=0x1200"; echo "sreg idt_limit=0xdf"
  echo "events flags=0x5 vector=13 error_code=0x1234 irq=0"; } | emit long64_events
echo "corpus: $(ls "$root/corpus/exit" | wc -l) kvm_run seeds in $root/corpus/exit"

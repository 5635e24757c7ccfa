/* Resource caps for one scenario, in one place. The scenario decoder and
 * vmm_scenario_validate() enforce them before anything is allocated.
 * docs/scenario-format.md and docs/security.md refer here. */
#ifndef VMM_LIMITS_H
#define VMM_LIMITS_H

#define VMM_MAX_SLOTS 8		       /* memory slots per scenario */
#define VMM_MAX_GUEST_MEM (3ULL << 30) /* total guest RAM, bytes */
#define VMM_MAX_BLOBS 16	       /* code/data blobs */
#define VMM_MAX_FILLS 16	       /* fill-pattern records */
#define VMM_MAX_FILL_PATTERN 16	       /* bytes in one fill pattern */
/* Bytes the VMM writes into guest memory before the run, fills and blobs
 * together: set-up stays a bounded, short step (~0.1 s here at the cap)
 * that no scenario can stretch into a hang-sized stall or a huge RSS. */
#define VMM_MAX_INIT_BYTES (256ULL << 20)
#define VMM_MAX_VCPUS 4
#define VMM_MAX_EXITS_LIMIT 100000000ULL  /* exit budget */
#define VMM_MAX_TIMEOUT_MS 3600000U	  /* wall clock, 1 hour */
#define VMM_SCENARIO_MAX_BYTES (1U << 20) /* encoded scenario size */

/* Run caps a scenario (binary or text form) may ask for; tighter than what
 * `vmm run` allows, so a fuzzed input cannot ask for an hour. */
#define VMM_SCN_MAX_EXITS 1000000U
#define VMM_SCN_MAX_TIMEOUT_MS 10000U

/* x86: MSRs a reset-mode vCPU snapshot holds (vmm/x86/vcpu_state.c finds
 * them by probing; a host with more is refused rather than half restored).
 * KVM with no guest CPUID gives about 225 (32 machine-check banks, the
 * MTRRs...). Two KVM_SET_MSRS calls' worth (KVM takes at most 255 entries
 * a call); sizes struct vmm_kvm's list and each vCPU snapshot (16 bytes an
 * entry). */
#define VMM_MAX_SAVED_MSRS 510
/* A run's timeout is CPU time (vmm/vcpu.h vmm_deadline_passed): a thread
 * the host keeps off the CPU gets the rest of it, up to this many times
 * the timeout of wall time, and no more than VMM_TIMEOUT_WALL_EXTRA_US
 * past it (the hang watchdog allows VMM_HANG_GRACE_MS, 2 s). */
#define VMM_TIMEOUT_WALL_FACTOR 10U
#define VMM_TIMEOUT_WALL_EXTRA_US 1000000U
/* x86: MSR records per vCPU (one KVM_SET_MSRS call's worth at most). */
#define VMM_MAX_SCN_MSRS 16
/* x86: CPUID register overrides per vCPU, and the entries of one
 * KVM_SET_CPUID2 (KVM's KVM_MAX_CPUID_ENTRIES; KVM_GET_SUPPORTED_CPUID
 * lists fewer, the overrides may add some). */
#define VMM_MAX_SCN_CPUID 32
/* x86 msr_exits record: MSR filter ranges (KVM_MSR_FILTER_MAX_RANGES) and
 * the MSRs one range covers (KVM_MSR_FILTER_MAX_BITMAP_SIZE, 0x600 bytes,
 * one bit an MSR). */
#define VMM_MAX_MSR_EXIT_RANGES 16
/* The hypercall probe guest's limit (vmm/x86/setup.c): a VMCALL that
 * reaches the VMM does so in microseconds. */
#define VMM_HC_PROBE_MS 20U
#define VMM_MAX_MSR_EXIT_NMSRS 0x3000U
/* x86 irqchip record: IOAPIC routes of a split irqchip (KVM allows up to
 * KVM_MAX_IRQ_ROUTES; an IOAPIC has 24 pins, 256 is plenty). */
#define VMM_MAX_IOAPIC_ROUTES 256
/* x86 irq records (KVM_IRQ_LINE / KVM_SIGNAL_MSI before the first run),
 * and the GSIs they may name (KVM's routing table holds 4096 at most). */
#define VMM_MAX_SCN_IRQS 16
#define VMM_MAX_GSI 1024
/* x86 action records (VM-wide, fired between exits), and the pages one
 * dirty_clear action may name (its bitmap: 8 KiB at most). */
#define VMM_MAX_SCN_ACTIONS 16
#define VMM_ACTION_MAX_PAGES 0x10000U
/* x86 lapic records per vCPU: fields of the 1 KiB register page
 * (KVM_GET_LAPIC / KVM_SET_LAPIC), at 16-byte aligned offsets. */
#define VMM_MAX_SCN_LAPIC 16
#define VMM_LAPIC_PAGE 0x400U
/* x86 with an in-kernel LAPIC, HLT does not exit: the run's kicks look
 * at KVM_GET_MP_STATE (vmm/x86/irq.c). The first kick at most
 * VMM_HALT_KICK_US into a guest entry (an eighth of a limit under
 * VMM_SPIN_MIN_TIMEOUT_MS); a halted vCPU no interrupt can wake is seen
 * again VMM_HALT_RECHECK_US later, after a KVM_RUN in between (which
 * delivers a timer that just ran out), before it ends the run like a HLT
 * exit. */
#define VMM_HALT_KICK_US 250U
#define VMM_HALT_RECHECK_US 50U
#define VMM_MAX_CPUID_ENTRIES 256
/* arm64: one_reg records per vCPU (KVM_SET_ONE_REG after the core
 * registers; each id must be one KVM_GET_REG_LIST names). */
#define VMM_MAX_SCN_ONE_REGS 16
/* arm64: interrupt lines the irq_line record raises before the first run
 * (KVM_IRQ_LINE), and the vgic record's bounds: nr_irqs (interrupts
 * including the 32 private ones, a multiple of 32) and the highest
 * guest-physical address its regions may reach (40-bit IPA, KVM's
 * default). */
#define VMM_MAX_IRQ_LINES 16
#define VMM_VGIC_MIN_IRQS 64U
#define VMM_VGIC_MAX_IRQS 1024U
#define VMM_VGIC_IPA_LIMIT (1ULL << 40)
/* x86 fpu and xsave records: register values as (index u8, 16 bytes)
 * entries, at most one per register, up to 16 of the 24 fpu registers
 * (st0-7, xmm0-15) and 8 of the 16 YMM upper halves (struct
 * vmm_vcpu_spec stays within the text parser's SCN_MAX_ELEM). */
#define VMM_SCN_VEC_ENTRY 17U
#define VMM_MAX_SCN_FPU_REGS 16U
#define VMM_MAX_SCN_YMM 8U
/* x86 xsave record: the largest KVM_GET_XSAVE2 buffer (KVM_CAP_XSAVE2)
 * the VMM uses; a host that needs more gives host-unsupported. 4096 is
 * struct kvm_xsave (KVM_GET_XSAVE); AMX state needs about 11 KiB. */
#define VMM_MAX_XSAVE_SIZE 16384U
/* How often vmm_open/vmm_ioctl retry a call a signal interrupted (EINTR)
 * before reporting it: a handled signal is delivered on the way out of the
 * call, so a second EINTR in a row needs a second signal. */
#define VMM_EINTR_RETRIES 64
/* Spin detection (vmm/pipeline.c run_loop, vmm/x86/spin.c): the first
 * check of a running vCPU a quarter of the run's timeout after it starts
 * or last exited, within [VMM_SPIN_FIRST_US, VMM_SPIN_FIRST_MAX_US], then
 * at doubling intervals; each check single-steps at most VMM_SPIN_STEPS
 * instructions looking for a return to the sampled state, and is finished
 * even past the deadline (by at most VMM_SPIN_CHECK_MAX_US: the first
 * check of a process may run the x86 MSR probe, 0.1-0.3 s; the hang
 * watchdog allows 2 s). The run's clock then moves on by the check's
 * time. */
/* Runs whose limit is below VMM_SPIN_MIN_TIMEOUT_MS get no checks: one
 * costs 0.3-1 ms here (sampling, up to 32 steps), as much as such a run
 * can burn (the mutator's runs have 1 ms). */
#define VMM_SPIN_MIN_TIMEOUT_MS 5U
#define VMM_SPIN_FIRST_US 250U
#define VMM_SPIN_FIRST_MAX_US 20000U
#define VMM_SPIN_CHECK_MAX_US 1000000U
#define VMM_SPIN_STEPS 32U
/* One single step comes back after microseconds of CPU time. A step that
 * has used VMM_SPIN_STEP_CPU_US of the thread's CPU time without coming
 * back never will (a guest in a fault loop: the faulting instruction never
 * completes, so no step trap is due); one the host merely descheduled is
 * waited for, looked at every VMM_SPIN_STEP_KICK_US, up to
 * VMM_SPIN_STEP_WAIT_US of wall time. A host whose first
 * VMM_SPIN_STEP_MISSES checks never got a step back is taken not to
 * single-step at all. */
#define VMM_SPIN_STEP_CPU_US 1000U
#define VMM_SPIN_STEP_KICK_US 1000U
#define VMM_SPIN_STEP_WAIT_US 20000U
#define VMM_SPIN_STEP_MISSES 8U

#endif

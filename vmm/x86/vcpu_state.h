/* Everything about an x86 vCPU a guest could change besides its general
 * registers and sregs (which the pipeline sets on every run): FPU/SSE/AVX
 * (xsave), XCR0, MSRs, pending events, debug registers, mp_state, and the
 * CR8 value KVM_RUN takes from kvm_run. Captured once right after
 * KVM_CREATE_VCPU and restored before a reset-mode run, so nothing leaks
 * from one input into the next (regs, sregs and events are put back by the
 * pipeline itself; XCR0 and mp_state cannot change, see
 * vmm_arch_vcpu_restore). */
#ifndef VMM_X86_VCPU_STATE_H
#define VMM_X86_VCPU_STATE_H

#include <linux/kvm.h>
#include <stdint.h>

#include "vmm/err.h"
#include "vmm/limits.h"

struct vmm_vcpu;
struct vmm_kvm;

/* KVM takes fewer than 256 entries (MAX_IO_MSRS) per KVM_GET_MSRS or
 * KVM_SET_MSRS call: the saved MSRs are kept in chunks of that size, one
 * call each (one in all for the ~225 MSRs of a guest without CPUID). */
#define VMM_MSRS_PER_IOCTL 255U
#define VMM_MSR_CHUNKS \
	((VMM_MAX_SAVED_MSRS + VMM_MSRS_PER_IOCTL - 1) / VMM_MSRS_PER_IOCTL)

/* struct kvm_xsave and struct kvm_msrs end in flexible arrays, so they are
 * kept as aligned byte buffers and viewed through the accessors below. */
#define VMM_MSRS_BUF_SIZE          \
	(sizeof(struct kvm_msrs) + \
	 VMM_MSRS_PER_IOCTL * sizeof(struct kvm_msr_entry))

struct vmm_vcpu_state {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_xcrs xcrs;
	struct kvm_vcpu_events events;
	struct kvm_debugregs dregs;
	struct kvm_mp_state mp;
	uint64_t run_cr8;     /* kvm_run.cr8 of a fresh vCPU mapping */
	uint32_t nmsr_chunks; /* msrs[0..nmsr_chunks) hold the MSRs */
	uint8_t xsave[sizeof(struct kvm_xsave)] __attribute__((aligned(8)));
	uint8_t msrs[VMM_MSR_CHUNKS][VMM_MSRS_BUF_SIZE]
		__attribute__((aligned(8)));
};

/* Chunk `c` of the saved MSRs: indices and values at creation. */
static inline struct kvm_msrs *vmm_state_msrs(struct vmm_vcpu_state *st,
					      uint32_t c)
{
	return (struct kvm_msrs *)(void *)st->msrs[c];
}

static inline const struct kvm_msrs *vmm_state_msrs_const(
	const struct vmm_vcpu_state *st, uint32_t c)
{
	return (const struct kvm_msrs *)(const void *)st->msrs[c];
}

/* The MSRs a reset restores on this host (k->msr_index), probed once per
 * system context on a scratch VM: see vmm/x86/vcpu_state.c. */
int vmm_arch_msr_list(struct vmm_kvm *k, struct vmm_error *e);

int vmm_arch_vcpu_capture(struct vmm_vcpu *v, struct vmm_vcpu_state *st,
			  struct vmm_error *e);
/* Every MSR of the restore set, read into chunks[0..*nchunks) (one
 * KVM_GET_MSRS each). */
int vmm_arch_msrs_get(struct vmm_vcpu *v, uint8_t (*chunks)[VMM_MSRS_BUF_SIZE],
		      uint32_t *nchunks, struct vmm_error *e);
int vmm_arch_vcpu_restore(struct vmm_vcpu *v, const struct vmm_vcpu_state *st,
			  struct vmm_error *e);

/* Reset mode, vCPU i of the session: its state was set by ioctls (set-up)
 * and it never ran afterwards. KVM may hold a consequence of those ioctls
 * that setting other state later does not undo: kvm-pvm queues a shutdown
 * for sregs it cannot run (CR0.PG outside long mode), which the next
 * KVM_RUN - the next input's - then delivers. 0: undone; 1: cannot be
 * undone here (no KVM_CAP_X86_TRIPLE_FAULT_EVENT): a fresh VM is needed;
 * -1: error. */
struct vmm_session;
int vmm_arch_vcpu_settle(struct vmm_session *ss, uint32_t i,
			 struct vmm_error *e);

/* Can the session's vCPUs (snapshots `init`) serve scenario `s`? x86: a
 * scenario with the same vCPU count, no cpuid record and no MSR record a
 * reused vCPU would treat differently from a fresh one
 * (vmm_x86_msrs_resettable); otherwise the session makes a fresh VM for
 * it, counted as a fallback. With `init` NULL: can inputs like `s` reuse
 * a VM at all (the pool gives those that cannot sessions of their own). */
struct vmm_scenario;
/* events record parts that need a fresh VM in reset mode */
#define VMM_X86_EV_FRESH                                        \
	(VMM_EV_EXC_PENDING | VMM_EV_SMI_PENDING | VMM_EV_SMM | \
	 VMM_EV_TRIPLE_FAULT)

int vmm_arch_vcpu_reusable(const struct vmm_kvm *k,
			   const struct vmm_vcpu_state *init,
			   const struct vmm_scenario *s);

/* MSRs the pipeline sets through sregs on every run (EFER, FS/GS base,
 * APIC base), which the restore set leaves out. */
int vmm_x86_msr_sregs_field(uint32_t idx);
/* Feature MSRs KVM refuses a different value for once the vCPU has run
 * (KVM_SET_MSRS on a reused vCPU would differ from a fresh one). */
int vmm_x86_msr_frozen_after_run(uint32_t idx);
/* A write to MSR idx is undone by the next reset: it is in the restore
 * set, or an sregs MSR every run sets. */
int vmm_x86_msr_restorable(const struct vmm_kvm *k, uint32_t idx);
/* vCPU spec vs's MSR records behave on a reused vCPU as on a fresh one:
 * none names a feature MSR KVM freezes after the first run. */
struct vmm_vcpu_spec;
int vmm_x86_msrs_resettable(const struct vmm_vcpu_spec *vs);

/* vmm/x86/irq.c: what the host lacks for the irqchip and irq records
 * (NULL: nothing); vCPU i's MP state and lapic records. */
struct run_ctx;
const char *vmm_x86_irq_missing(const struct vmm_kvm *k,
				const struct vmm_scenario *s);
int vmm_x86_lapic_setup(struct run_ctx *c, uint32_t i, struct vmm_error *e);
/* vmm/x86/action.c: what the host lacks for the action records (NULL:
 * nothing). */
const char *vmm_x86_action_missing(const struct vmm_kvm *k,
				   const struct vmm_scenario *s);
/* `vmm caps`: the action record's line, appended at off. */
size_t vmm_x86_action_caps(const struct vmm_kvm *k, char *buf, size_t len,
			   size_t off);
/* `vmm caps`: the irqchip, irq and lapic record lines, appended at off. */
size_t vmm_x86_irq_caps(const struct vmm_kvm *k, char *buf, size_t len,
			size_t off);

#endif

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

struct vmm_vcpu;
struct vmm_kvm;

#define VMM_MAX_SAVED_MSRS 512

/* struct kvm_xsave and struct kvm_msrs end in flexible arrays, so they are
 * kept as aligned byte buffers and viewed through the accessors below. */
#define VMM_MSRS_BUF_SIZE \
	(sizeof(struct kvm_msrs) + VMM_MAX_SAVED_MSRS * sizeof(struct kvm_msr_entry))

struct vmm_vcpu_state {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_xcrs xcrs;
	struct kvm_vcpu_events events;
	struct kvm_debugregs dregs;
	struct kvm_mp_state mp;
	uint64_t run_cr8; /* kvm_run.cr8 of a fresh vCPU mapping */
	uint8_t xsave[sizeof(struct kvm_xsave)] __attribute__((aligned(8)));
	uint8_t msrs[VMM_MSRS_BUF_SIZE] __attribute__((aligned(8)));
};

static inline struct kvm_msrs *vmm_state_msrs(struct vmm_vcpu_state *st)
{
	return (struct kvm_msrs *)(void *)st->msrs;
}

/* The MSRs that can be both read and written back on this host, found once
 * per system context (it keeps the list). */
int vmm_arch_msr_list(struct vmm_kvm *k, struct vmm_vcpu *probe,
		      struct vmm_error *e);

int vmm_arch_vcpu_capture(struct vmm_vcpu *v, struct vmm_vcpu_state *st,
			  struct vmm_error *e);
int vmm_arch_vcpu_restore(struct vmm_vcpu *v, const struct vmm_vcpu_state *st,
			  struct vmm_error *e);

/* Can the session's vCPUs (snapshots `init`) serve scenario `s`? x86: any
 * scenario with the same vCPU count. */
struct vmm_scenario;
static inline int vmm_arch_vcpu_reusable(const struct vmm_vcpu_state *init,
					 const struct vmm_scenario *s)
{
	(void)init;
	(void)s;
	return 1;
}

#endif

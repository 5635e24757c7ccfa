/* Everything about an x86 vCPU a guest can change besides its general
 * registers and sregs (which the pipeline sets on every run): FPU/SSE/AVX
 * (xsave), XCR0, MSRs, pending events, debug registers, mp_state. Captured
 * once right after KVM_CREATE_VCPU and restored before every reset-mode run,
 * so nothing leaks from one input into the next (regs, sregs and events
 * are put back by the pipeline itself). */
#ifndef VMM_X86_VCPU_STATE_H
#define VMM_X86_VCPU_STATE_H

#include <linux/kvm.h>
#include <stdint.h>

#include "vmm/err.h"

struct vmm_vcpu;
struct vmm_kvm;

#define VMM_MAX_SAVED_MSRS 512

struct vmm_vcpu_state {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_xsave xsave;
	struct kvm_xcrs xcrs;
	struct kvm_vcpu_events events;
	struct kvm_debugregs dregs;
	struct kvm_mp_state mp;
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[VMM_MAX_SAVED_MSRS];
	} msrs;
};

/* The MSRs that can be both read and written back on this host, found once
 * per system context (it keeps the list). */
int vmm_arch_msr_list(struct vmm_kvm *k, struct vmm_vcpu *probe,
		      struct vmm_error *e);

int vmm_arch_vcpu_capture(struct vmm_vcpu *v, struct vmm_vcpu_state *st,
			  struct vmm_error *e);
int vmm_arch_vcpu_restore(struct vmm_vcpu *v, const struct vmm_vcpu_state *st,
			  struct vmm_error *e);

#endif

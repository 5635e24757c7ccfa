/* x86 final vCPU state as the pipeline reports it, and the per-run state
 * of the x86 pipeline stages (vmm/x86/setup.c). */
#ifndef VMM_X86_CPU_STATE_H
#define VMM_X86_CPU_STATE_H

#include <linux/kvm.h>
#include <stddef.h>

#include "vmm/err.h"
#include "vmm/limits.h"

struct vmm_vcpu;

struct vmm_cpu_state {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
};

struct vmm_arch_run {
	/* what setup gave each vCPU (reset mode re-applies it when the build
	 * fails: sync registers only land at KVM_RUN) */
	struct kvm_regs set_regs[VMM_MAX_VCPUS];
	struct kvm_sregs set_sregs[VMM_MAX_VCPUS];
	int sregs_synced[VMM_MAX_VCPUS]; /* set_sregs wait for KVM_RUN */
	/* spin detection without single-stepping: the previous sample */
	struct kvm_sync_regs spin_prev;
	uint64_t spin_prev_hash, spin_prev_exits;
	uint32_t spin_prev_vcpu;
	int spin_prev_ok;
	uint64_t spin_steps; /* single steps taken in this run */
	/* in-kernel LAPIC (vmm/x86/irq.c): HLTs found halted in KVM */
	uint32_t halts_in_kernel;
};

/* Registers and sregs (2 ioctls). */
int vmm_cpu_state_get(struct vmm_vcpu *v, struct vmm_cpu_state *st,
		      struct vmm_error *e);
/* "name=0xHEX\n" lines. Returns the length written, truncated to len-1. */
size_t vmm_cpu_state_format(const struct vmm_cpu_state *st, char *buf,
			    size_t len);

#endif

/* arm64 final vCPU state as the pipeline reports it, and the per-run state
 * of the arm64 pipeline stages (vmm/arm64/setup.c). */
#ifndef VMM_ARM64_CPU_STATE_H
#define VMM_ARM64_CPU_STATE_H

#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/arch.h"
#include "vmm/err.h"

struct vmm_vcpu;

struct vmm_cpu_state {
	uint64_t regs[VMM_ARM64_NREGS]; /* x0..x30, sp (SP_EL1), pc, pstate */
	uint64_t sp_el0, elr_el1, spsr_el1;
};

/* Nothing per run: the preferred target is host-wide and cached in the
 * struct vmm_kvm. */
struct vmm_arch_run {
	int unused;
};

/* Every register through KVM_GET_ONE_REG. */
int vmm_cpu_state_get(struct vmm_vcpu *v, struct vmm_cpu_state *st,
		      struct vmm_error *e);
/* "name=0xHEX\n" lines. Returns the length written, truncated to len-1. */
size_t vmm_cpu_state_format(const struct vmm_cpu_state *st, char *buf,
			    size_t len);

#endif

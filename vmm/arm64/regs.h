/* arm64 core registers through KVM_{GET,SET}_ONE_REG. Register ids are
 * built from the uapi header's own macros and offsets (KVM_REG_ARM64,
 * KVM_REG_ARM_CORE, struct kvm_regs), never typed by hand, and checked. */
#ifndef VMM_ARM64_REGS_H
#define VMM_ARM64_REGS_H

#include <stdint.h>

#include "vmm/err.h"

struct vmm_vcpu;

/* The ONE_REG id of scenario register `idx` (vmm_arch_reg_name order), or
 * 0 for an index out of range. */
uint64_t vmm_arm64_core_reg_id(unsigned int idx);

/* Named extra core registers for the state report. */
enum vmm_arm64_extra {
	VMM_ARM64_SP_EL0,
	VMM_ARM64_ELR_EL1,
	VMM_ARM64_SPSR_EL1
};
uint64_t vmm_arm64_extra_reg_id(enum vmm_arm64_extra r);

int vmm_arm64_get_reg(struct vmm_vcpu *v, uint64_t id, uint64_t *val,
		      struct vmm_error *e);
int vmm_arm64_set_reg(struct vmm_vcpu *v, uint64_t id, uint64_t val,
		      struct vmm_error *e);

#endif

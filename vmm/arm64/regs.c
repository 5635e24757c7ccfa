#include "vmm/arm64/regs.h"

#include <linux/kvm.h>
#include <stddef.h>
#include <stdio.h>

#include "vmm/arch.h"
#include "vmm/arm64/cpu_state.h"
#include "vmm/kvm.h"
#include "vmm/vcpu.h"

/* A 64-bit core register at byte offset `off` of struct kvm_regs: the id
 * encodes the offset in 32-bit words (api.rst, "ARM64 core registers"). */
static uint64_t core_id(size_t off)
{
	return KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |
	       (uint64_t)(off / sizeof(__u32));
}

uint64_t vmm_arm64_core_reg_id(unsigned int idx)
{
	if (idx < 31)
		return core_id(offsetof(struct kvm_regs, regs.regs) +
			       idx * sizeof(__u64));
	switch (idx) {
	case VMM_ARM64_REG_SP:
		return core_id(offsetof(struct kvm_regs, sp_el1));
	case VMM_ARM64_REG_PC:
		return core_id(offsetof(struct kvm_regs, regs.pc));
	case VMM_ARM64_REG_PSTATE:
		return core_id(offsetof(struct kvm_regs, regs.pstate));
	default:
		return 0;
	}
}

uint64_t vmm_arm64_extra_reg_id(enum vmm_arm64_extra r)
{
	switch (r) {
	case VMM_ARM64_SP_EL0:
		return core_id(offsetof(struct kvm_regs, regs.sp));
	case VMM_ARM64_ELR_EL1:
		return core_id(offsetof(struct kvm_regs, elr_el1));
	case VMM_ARM64_SPSR_EL1: /* spsr[KVM_SPSR_EL1] */
		return core_id(offsetof(struct kvm_regs, spsr) +
			       KVM_SPSR_EL1 * sizeof(__u64));
	}
	return 0;
}

/* Ids go to the kernel only after this check: a malformed id is a VMM
 * bug, reported as such instead of an EINVAL from KVM. */
static int check_id(uint64_t id, struct vmm_error *e)
{
	if ((id & KVM_REG_ARCH_MASK) != KVM_REG_ARM64 ||
	    (id & KVM_REG_SIZE_MASK) != KVM_REG_SIZE_U64 ||
	    (id & KVM_REG_ARM_COPROC_MASK) != KVM_REG_ARM_CORE ||
	    (id & 0xFFFFU) * sizeof(__u32) + sizeof(__u64) >
		    sizeof(struct kvm_regs)) {
		vmm_err_set(e, VMM_ERR_INPUT, "KVM_ONE_REG", 0,
			    "internal error: malformed core register id "
			    "0x%llx",
			    (unsigned long long)id);
		return -1;
	}
	return 0;
}

int vmm_arm64_get_reg(struct vmm_vcpu *v, uint64_t id, uint64_t *val,
		      struct vmm_error *e)
{
	struct kvm_one_reg r = { .id = id, .addr = (uint64_t)(uintptr_t)val };

	if (check_id(id, e) < 0)
		return -1;
	return VCPU_IOCTL(v, KVM_GET_ONE_REG, &r, e);
}

int vmm_arm64_set_reg(struct vmm_vcpu *v, uint64_t id, uint64_t val,
		      struct vmm_error *e)
{
	struct kvm_one_reg r = { .id = id, .addr = (uint64_t)(uintptr_t)&val };

	if (check_id(id, e) < 0)
		return -1;
	return VCPU_IOCTL(v, KVM_SET_ONE_REG, &r, e);
}

int vmm_cpu_state_get(struct vmm_vcpu *v, struct vmm_cpu_state *st,
		      struct vmm_error *e)
{
	for (unsigned int i = 0; i < VMM_ARM64_NREGS; i++)
		if (vmm_arm64_get_reg(v, vmm_arm64_core_reg_id(i), &st->regs[i],
				      e) < 0)
			return -1;
	if (vmm_arm64_get_reg(v, vmm_arm64_extra_reg_id(VMM_ARM64_SP_EL0),
			      &st->sp_el0, e) < 0 ||
	    vmm_arm64_get_reg(v, vmm_arm64_extra_reg_id(VMM_ARM64_ELR_EL1),
			      &st->elr_el1, e) < 0)
		return -1;
	return vmm_arm64_get_reg(v, vmm_arm64_extra_reg_id(VMM_ARM64_SPSR_EL1),
				 &st->spsr_el1, e);
}

size_t vmm_cpu_state_format(const struct vmm_cpu_state *st, char *buf,
			    size_t len)
{
	size_t off = 0;

	if (len == 0)
		return 0;
	buf[0] = '\0';
	for (unsigned int i = 0; i < VMM_ARM64_NREGS; i++)
		off = vmm_fmt_reg_line(buf, len, off,
				       vmm_arch_reg_name(VMM_ARCH_ARM64, i),
				       st->regs[i]);
	off = vmm_fmt_reg_line(buf, len, off, "sp_el0", st->sp_el0);
	off = vmm_fmt_reg_line(buf, len, off, "elr_el1", st->elr_el1);
	return vmm_fmt_reg_line(buf, len, off, "spsr_el1", st->spsr_el1);
}

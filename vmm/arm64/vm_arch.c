/* arm64 VM-wide setup. Guest accesses to MMIO that KVM cannot decode
 * (no valid instruction syndrome, e.g. a load pair) are turned into
 * KVM_EXIT_ARM_NISV exits where the host supports it, instead of KVM_RUN
 * failing with ENOSYS. */
#include <linux/kvm.h>

#include "vmm/kvm_compat.h"
#include "vmm/vm.h"

int vmm_arch_vm_init(struct vmm_vm *vm, struct vmm_error *e)
{
	if (vmm_kvm_cap(vm->kvm, VMM_CAP_ARM_NISV_TO_USER)) {
		struct kvm_enable_cap cap = { .cap = KVM_CAP_ARM_NISV_TO_USER };

		if (VMM_IOCTL(vm->kvm->ops, vm->fd, KVM_ENABLE_CAP, &cap, e) <
		    0)
			return -1;
	}
	return 0;
}

int vmm_arch_vm_irqchip(struct vmm_vm *vm, const struct vmm_scenario *s,
			struct vmm_error *e)
{
	(void)vm;
	(void)s;
	(void)e;
	return 0; /* the irqchip record is x86 only (validation) */
}

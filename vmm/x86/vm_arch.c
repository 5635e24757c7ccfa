/* x86 VM-wide setup: KVM's private real-mode pages (TSS, identity map)
 * placed where vmm/x86/layout.h says, outside any RAM slot. */
#include <linux/kvm.h>

#include "vmm/vm.h"
#include "vmm/x86/layout.h"

int vmm_arch_vm_init(struct vmm_vm *vm, struct vmm_error *e)
{
	const struct vmm_sysops *ops = vm->kvm->ops;

	if (vmm_kvm_cap(vm->kvm, VMM_CAP_SET_IDENTITY_MAP_ADDR)) {
		uint64_t idmap = VMM_X86_IDENTITY_MAP_GPA;

		if (VMM_IOCTL(ops, vm->fd, KVM_SET_IDENTITY_MAP_ADDR, &idmap,
			      e) < 0)
			return -1;
	}
	if (VMM_IOCTL_VAL(ops, vm->fd, KVM_SET_TSS_ADDR, VMM_X86_TSS_GPA, e) <
	    0)
		return -1;
	return 0;
}

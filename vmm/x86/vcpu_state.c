#include "vmm/x86/vcpu_state.h"

#include <stdlib.h>
#include <string.h>

#include "vmm/vcpu.h"

#define VCPU_IO(v, req, arg, e) \
	(vmm_ioctl((v)->vm->kvm->ops, (v)->fd, (req), #req, (arg), (e)) < 0 ? -1 : 0)

struct one_msr {
	struct kvm_msrs hdr;
	struct kvm_msr_entry e;
};

int vmm_arch_msr_list(struct vmm_kvm *k, struct vmm_vcpu *probe,
		      struct vmm_error *e)
{
	struct msr_index_list {
		struct kvm_msr_list l;
		uint32_t idx[4096];
	} *all;
	int n;

	if (k->msr_list_ready)
		return 0;
	all = calloc(1, sizeof(*all));
	if (!all) {
		vmm_err_set(e, VMM_ERR_NOMEM, "malloc", 0, "out of memory");
		return -1;
	}
	all->l.nmsrs = 4096;
	if (VMM_IOCTL(k->ops, k->fd, KVM_GET_MSR_INDEX_LIST, all, e) < 0) {
		free(all);
		return -1;
	}
	n = (int)(all->l.nmsrs < 4096 ? all->l.nmsrs : 4096);
	k->nmsrs = 0;
	/* Keep an MSR only if this vCPU reads it and takes the same value
	 * back: the ones KVM_SET_MSRS would stop at are left out. */
	for (int i = 0; i < n && k->nmsrs < 512; i++) {
		struct one_msr m;

		memset(&m, 0, sizeof(m));
		m.hdr.nmsrs = 1;
		m.e.index = all->idx[i];
		if (vmm_ioctl_raw(k->ops, probe->fd, KVM_GET_MSRS, &m) != 1)
			continue;
		if (vmm_ioctl_raw(k->ops, probe->fd, KVM_SET_MSRS, &m) != 1)
			continue;
		k->msr_index[k->nmsrs++] = all->idx[i];
	}
	free(all);
	k->msr_list_ready = 1;
	return 0;
}

int vmm_arch_vcpu_capture(struct vmm_vcpu *v, struct vmm_vcpu_state *st,
			  struct vmm_error *e)
{
	struct vmm_kvm *k = v->vm->kvm;
	int got;

	memset(st, 0, sizeof(*st));
	if (VCPU_IO(v, KVM_GET_REGS, &st->regs, e) < 0 ||
	    VCPU_IO(v, KVM_GET_SREGS, &st->sregs, e) < 0 ||
	    VCPU_IO(v, KVM_GET_XSAVE, &st->xsave, e) < 0 ||
	    VCPU_IO(v, KVM_GET_XCRS, &st->xcrs, e) < 0 ||
	    VCPU_IO(v, KVM_GET_VCPU_EVENTS, &st->events, e) < 0 ||
	    VCPU_IO(v, KVM_GET_DEBUGREGS, &st->dregs, e) < 0 ||
	    VCPU_IO(v, KVM_GET_MP_STATE, &st->mp, e) < 0)
		return -1;
	if (vmm_arch_msr_list(k, v, e) < 0)
		return -1;
	st->msrs.hdr.nmsrs = k->nmsrs;
	for (uint32_t i = 0; i < k->nmsrs; i++)
		st->msrs.e[i].index = k->msr_index[i];
	got = vmm_ioctl(k->ops, v->fd, KVM_GET_MSRS, "KVM_GET_MSRS", &st->msrs,
			e);
	if (got < 0)
		return -1;
	if ((uint32_t)got != k->nmsrs) {
		vmm_err_set(e, VMM_ERR_CONTRACT, "KVM_GET_MSRS", 0,
			    "kernel contract violation: KVM_GET_MSRS read %d of "
			    "%u MSRs it read before", got, k->nmsrs);
		return -1;
	}
	return 0;
}

int vmm_arch_vcpu_restore(struct vmm_vcpu *v, const struct vmm_vcpu_state *st,
			  struct vmm_error *e)
{
	int set;

	/* regs, sregs and events are set by the pipeline on every run (the
	 * creation values on its error path); mp_state cannot change
	 * without an in-kernel irqchip, which the VMM never creates. */
	if (VCPU_IO(v, KVM_SET_XSAVE, (void *)&st->xsave, e) < 0 ||
	    VCPU_IO(v, KVM_SET_XCRS, (void *)&st->xcrs, e) < 0 ||
	    VCPU_IO(v, KVM_SET_DEBUGREGS, (void *)&st->dregs, e) < 0)
		return -1;
	set = vmm_ioctl(v->vm->kvm->ops, v->fd, KVM_SET_MSRS, "KVM_SET_MSRS",
			(void *)&st->msrs, e);
	if (set < 0)
		return -1;
	if ((uint32_t)set != st->msrs.hdr.nmsrs) {
		vmm_err_set(e, VMM_ERR_SYS, "KVM_SET_MSRS", 0,
			    "KVM_SET_MSRS restored %d of %u MSRs", set,
			    st->msrs.hdr.nmsrs);
		return -1;
	}
	return 0;
}

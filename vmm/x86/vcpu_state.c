#include "vmm/x86/vcpu_state.h"

#include <stdlib.h>
#include <string.h>

#include "vmm/vcpu.h"

/* a struct kvm_msrs with one entry */
#define ONE_MSR_SIZE (sizeof(struct kvm_msrs) + sizeof(struct kvm_msr_entry))

int vmm_arch_msr_list(struct vmm_kvm *k, struct vmm_vcpu *probe,
		      struct vmm_error *e)
{
	/* struct kvm_msr_list ends in a flexible array of indices */
	struct kvm_msr_list *all;
	int n;

	if (k->msr_list_ready)
		return 0;
	all = calloc(1, sizeof(*all) + 4096 * sizeof(uint32_t));
	if (!all) {
		vmm_err_set(e, VMM_ERR_NOMEM, "malloc", 0, "out of memory");
		return -1;
	}
	all->nmsrs = 4096;
	if (VMM_IOCTL(k->ops, k->fd, KVM_GET_MSR_INDEX_LIST, all, e) < 0) {
		free(all);
		return -1;
	}
	n = (int)(all->nmsrs < 4096 ? all->nmsrs : 4096);
	k->nmsrs = 0;
	/* Keep an MSR only if this vCPU reads it and takes the same value
	 * back: the ones KVM_SET_MSRS would stop at are left out. */
	for (int i = 0; i < n && k->nmsrs < 512; i++) {
		uint64_t buf[ONE_MSR_SIZE / 8 + 1];
		struct kvm_msrs *m = (struct kvm_msrs *)(void *)buf;

		memset(buf, 0, sizeof(buf));
		m->nmsrs = 1;
		m->entries[0].index = all->indices[i];
		if (vmm_ioctl_raw(k->ops, probe->fd, KVM_GET_MSRS, m) != 1)
			continue;
		if (vmm_ioctl_raw(k->ops, probe->fd, KVM_SET_MSRS, m) != 1)
			continue;
		k->msr_index[k->nmsrs++] = all->indices[i];
	}
	free(all);
	k->msr_list_ready = 1;
	return 0;
}

int vmm_arch_vcpu_capture(struct vmm_vcpu *v, struct vmm_vcpu_state *st,
			  struct vmm_error *e)
{
	struct vmm_kvm *k = v->vm->kvm;
	struct kvm_msrs *msrs;
	int got;

	memset(st, 0, sizeof(*st));
	st->run_cr8 = ((const struct kvm_run *)v->run)->cr8;
	if (VCPU_IOCTL(v, KVM_GET_REGS, &st->regs, e) < 0 ||
	    VCPU_IOCTL(v, KVM_GET_SREGS, &st->sregs, e) < 0 ||
	    VCPU_IOCTL(v, KVM_GET_XSAVE, st->xsave, e) < 0 ||
	    VCPU_IOCTL(v, KVM_GET_XCRS, &st->xcrs, e) < 0 ||
	    VCPU_IOCTL(v, KVM_GET_VCPU_EVENTS, &st->events, e) < 0 ||
	    VCPU_IOCTL(v, KVM_GET_DEBUGREGS, &st->dregs, e) < 0 ||
	    VCPU_IOCTL(v, KVM_GET_MP_STATE, &st->mp, e) < 0)
		return -1;
	if (vmm_arch_msr_list(k, v, e) < 0)
		return -1;
	msrs = vmm_state_msrs(st);
	msrs->nmsrs = k->nmsrs;
	for (uint32_t i = 0; i < k->nmsrs; i++)
		msrs->entries[i].index = k->msr_index[i];
	got = vmm_ioctl(k->ops, v->fd, KVM_GET_MSRS, "KVM_GET_MSRS", msrs, e);
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
	 * creation values on its error path). Never restored, as no guest
	 * can change them:
	 *  - mp_state: only an in-kernel irqchip moves it, and the VMM never
	 *    creates one (HLT exits to userspace instead);
	 *  - XCR0: the VMM never sets a guest CPUID (KVM_SET_CPUID2), so the
	 *    guest has no XSAVE: CR4.OSXSAVE is a reserved bit for it (XSETBV
	 *    and XGETBV #UD) and KVM's XCR0 check (__kvm_set_xcr) allows
	 *    nothing but the FP-only value every vCPU starts with. Giving
	 *    guests a CPUID means restoring XCR0 here again; test_reset
	 *    checks XCR0 after a guest's XSETBV attempt.
	 * kvm_run.cr8 is not vCPU state but KVM_RUN loads it into CR8 on
	 * every entry without an in-kernel LAPIC (and stores the guest's
	 * CR8 there on exit): it goes back to the zero of a fresh mapping. */
	((struct kvm_run *)v->run)->cr8 = st->run_cr8;
	if (VCPU_IOCTL(v, KVM_SET_XSAVE, (void *)st->xsave, e) < 0 ||
	    VCPU_IOCTL(v, KVM_SET_DEBUGREGS, (void *)&st->dregs, e) < 0)
		return -1;
	set = vmm_ioctl(v->vm->kvm->ops, v->fd, KVM_SET_MSRS, "KVM_SET_MSRS",
			(void *)st->msrs, e);
	if (set < 0)
		return -1;
	if ((uint32_t)set != ((const struct kvm_msrs *)(const void *)st->msrs)->nmsrs) {
		vmm_err_set(e, VMM_ERR_SYS, "KVM_SET_MSRS", 0,
			    "KVM_SET_MSRS restored %d of the saved MSRs", set);
		return -1;
	}
	return 0;
}

#include "vmm/arm64/vcpu_state.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/kvm.h"
#include "vmm/scenario.h"
#include "vmm/vcpu.h"

/* Bytes of a ONE_REG register (the size field of its id). */
static size_t reg_bytes(uint64_t id)
{
	return (size_t)1U << ((id & KVM_REG_SIZE_MASK) >> KVM_REG_SIZE_SHIFT);
}

/* Firmware pseudo-registers (PSCI version, hypercall bitmaps) are VM-wide
 * under a per-vCPU id: writing one vCPU's value back would change every
 * vCPU's (a vCPU without psci-0.2 writing "PSCI 0.1" took SYSTEM_OFF away
 * from its psci-0.2 sibling: found by the equivalence test). The guest
 * cannot change them, and a re-init leaves them alone. */
static int vm_wide(uint64_t id)
{
	uint64_t coproc = id & KVM_REG_ARM_COPROC_MASK;

	return coproc == KVM_REG_ARM_FW || coproc == KVM_REG_ARM_FW_FEAT_BMAP;
}

int vmm_arm64_reg_list(struct vmm_vcpu *v, struct kvm_reg_list **out,
		       struct vmm_error *e)
{
	const struct vmm_sysops *ops = v->vm->kvm->ops;
	struct kvm_reg_list probe = { .n = 0 };
	struct kvm_reg_list *list;
	struct vmm_error ignore;
	uint64_t n;

	*out = NULL;
	vmm_err_clear(&ignore);
	/* first call: E2BIG with the count */
	if (VMM_IOCTL(ops, v->fd, KVM_GET_REG_LIST, &probe, &ignore) == 0 ||
	    ignore.err != E2BIG) {
		vmm_err_contract(e, "KVM_GET_REG_LIST", "n",
				 "kernel contract violation: a zero-length "
				 "register list did not fail with E2BIG");
		e->err = ignore.err;
		return -1;
	}
	n = probe.n;
	if (n == 0 || n > 8ULL * VMM_ARM64_SNAP_REGS) {
		vmm_err_contract(e, "KVM_GET_REG_LIST", "n",
				 "kernel contract violation: %llu registers "
				 "listed",
				 (unsigned long long)n);
		return -1;
	}
	list = calloc(1, sizeof(*list) + n * sizeof(list->reg[0]));
	if (!list) {
		vmm_err_set(e, VMM_ERR_NOMEM, "calloc", ENOMEM,
			    "register list");
		return -1;
	}
	list->n = n;
	if (VCPU_IOCTL(v, KVM_GET_REG_LIST, list, e) < 0) {
		free(list);
		return -1;
	}
	if (list->n > n) {
		free(list);
		vmm_err_contract(e, "KVM_GET_REG_LIST", "n",
				 "kernel contract violation: the list grew "
				 "between two calls");
		return -1;
	}
	*out = list;
	return 0;
}

int vmm_arm64_snapshot(struct vmm_vcpu *v, struct vmm_vcpu_state *st,
		       struct vmm_error *e)
{
	struct kvm_reg_list *list;
	struct vmm_error ignore;
	uint64_t n;

	st->nregs = 0;
	if (vmm_arm64_reg_list(v, &list, e) < 0)
		return -1;
	n = list->n;
	for (uint64_t i = 0; i < list->n && i < n; i++) {
		uint64_t id = list->reg[i];
		struct kvm_one_reg r = { .id = id };
		uint64_t *slot;

		if (reg_bytes(id) > sizeof(st->val[0]) ||
		    st->nregs >= VMM_ARM64_SNAP_REGS)
			continue; /* SVE-sized registers: not enabled */
		if (vm_wide(id))
			continue;
		slot = st->val[st->nregs];
		memset(slot, 0, sizeof(st->val[0]));
		r.addr = (uint64_t)(uintptr_t)slot;
		if (VCPU_IOCTL(v, KVM_GET_ONE_REG, &r, e) < 0) {
			free(list);
			return -1;
		}
		/* keep only what can be written back as it is */
		vmm_err_clear(&ignore);
		if (VCPU_IOCTL(v, KVM_SET_ONE_REG, &r, &ignore) < 0)
			continue;
		st->id[st->nregs++] = id;
	}
	free(list);
	return 0;
}

int vmm_arm64_restore(struct vmm_vcpu *v, const struct vmm_vcpu_state *st,
		      struct vmm_error *e)
{
	for (uint32_t i = 0; i < st->nregs; i++) {
		struct kvm_one_reg r = {
			.id = st->id[i],
			.addr = (uint64_t)(uintptr_t)st->val[i],
		};

		if (VCPU_IOCTL(v, KVM_SET_ONE_REG, &r, e) < 0)
			return -1;
	}
	return 0;
}

uint32_t vmm_arm64_init_features(const struct vmm_scenario *s, uint32_t i)
{
	uint32_t f = s->vcpus[i].features;

	if (s->vcpus[i].mode == VMM_ARM64_AARCH32)
		f |= 1U << VMM_ARM64_FEAT_EL1_32BIT;
	return f;
}

int vmm_arch_vcpu_capture(struct vmm_vcpu *v, struct vmm_vcpu_state *st,
			  struct vmm_error *e)
{
	(void)v;
	(void)e;
	st->inited = 0; /* a new vCPU: the setup stage initialises it */
	st->features = 0;
	st->nregs = 0;
	return 0;
}

int vmm_arch_vcpu_restore(struct vmm_vcpu *v, const struct vmm_vcpu_state *st,
			  struct vmm_error *e)
{
	/* nothing here: the setup stage re-initialises the vCPU and then
	 * writes the snapshot back (vmm_arm64_restore) */
	(void)v;
	(void)st;
	(void)e;
	return 0;
}

int vmm_arm64_one_reg_sticky(uint64_t id)
{
	/* op0 3, op1 0, CRn 0: the ID registers (bits 15..7 of the
	 * system-register index) */
	int idreg = (id & KVM_REG_ARM_COPROC_MASK) == KVM_REG_ARM64_SYSREG &&
		    ((id & 0xFF80U) == 0xC000U);

	return vm_wide(id) || idreg;
}

int vmm_arm64_fresh_vm(const struct vmm_scenario *s)
{
	if (s->has_vgic)
		return 1;
	for (uint32_t i = 0; i < s->nvcpus; i++)
		for (uint32_t k = 0; k < s->vcpus[i].n_one_regs; k++)
			if (vmm_arm64_one_reg_sticky(
				    s->vcpus[i].one_regs[k].id))
				return 1;
	return 0;
}

int vmm_arch_vcpu_reusable(const struct vmm_kvm *k,
			   const struct vmm_vcpu_state *init,
			   const struct vmm_scenario *s)
{
	(void)k;
	/* a vGIC exists only in a VM whose vCPUs never ran (KVM refuses it
	 * after), keeps interrupt state no re-init resets, and stays for
	 * the VM's life; VM-wide firmware registers and ID registers (which
	 * KVM freezes once a vCPU ran) are not in the snapshot: such an
	 * input has a fresh VM and the VM is not reused after it */
	if (vmm_arm64_fresh_vm(s))
		return 0;
	for (uint32_t i = 0; i < s->nvcpus; i++)
		if (init && init[i].inited &&
		    init[i].features != vmm_arm64_init_features(s, i))
			return 0;
	return 1;
}

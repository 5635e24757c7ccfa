#include "vmm/arm64/vcpu_state.h"

#include "vmm/scenario.h"

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
	return 0;
}

int vmm_arch_vcpu_restore(struct vmm_vcpu *v, const struct vmm_vcpu_state *st,
			  struct vmm_error *e)
{
	/* nothing here: the setup stage's KVM_ARM_VCPU_INIT is the reset */
	(void)v;
	(void)st;
	(void)e;
	return 0;
}

int vmm_arch_vcpu_reusable(const struct vmm_vcpu_state *init,
			   const struct vmm_scenario *s)
{
	for (uint32_t i = 0; i < s->nvcpus; i++)
		if (init[i].inited &&
		    init[i].features != vmm_arm64_init_features(s, i))
			return 0;
	return 1;
}

/* arm64 reset-mode vCPU snapshot. KVM_ARM_VCPU_INIT, which the arm64
 * setup stage issues on every run, resets the core and system registers
 * to their architectural reset values (api.rst: it may be called again to
 * reset a vCPU), so the snapshot only remembers the features the vCPU was
 * initialised with: a re-init must use the same ones, and a scenario that
 * asks for others gets a fresh VM (a counted fallback). */
#ifndef VMM_ARM64_VCPU_STATE_H
#define VMM_ARM64_VCPU_STATE_H

#include <stdint.h>

#include "vmm/err.h"

struct vmm_vcpu;
struct vmm_scenario;

struct vmm_vcpu_state {
	int inited;        /* KVM_ARM_VCPU_INIT done at least once */
	uint32_t features; /* features[0] it was done with */
};

int vmm_arch_vcpu_capture(struct vmm_vcpu *v, struct vmm_vcpu_state *st,
			  struct vmm_error *e);
int vmm_arch_vcpu_restore(struct vmm_vcpu *v, const struct vmm_vcpu_state *st,
			  struct vmm_error *e);
int vmm_arch_vcpu_reusable(const struct vmm_vcpu_state *init,
			   const struct vmm_scenario *s);

/* features[0] for vCPU spec `i` of `s` (scenario features plus EL1_32BIT
 * for aarch32). */
uint32_t vmm_arm64_init_features(const struct vmm_scenario *s, uint32_t i);

#endif

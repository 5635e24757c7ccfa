/* arm64 reset-mode vCPU snapshot. The arm64 setup stage issues
 * KVM_ARM_VCPU_INIT on every run. A re-init resets the core registers and
 * the system registers that have a reset value, but not everything a
 * guest can change (SP_EL1, for one, survives it: found by the fresh/reset
 * equivalence test). So right after a session vCPU's first init, every
 * register KVM_GET_REG_LIST names (up to 128 bits; not the VM-wide firmware
 * pseudo-registers) is read, and written back after each re-init. A re-init must use the same features; a scenario that
 * asks for others gets a fresh VM (a counted fallback). */
#ifndef VMM_ARM64_VCPU_STATE_H
#define VMM_ARM64_VCPU_STATE_H

#include <stdint.h>

#include "vmm/err.h"

struct vmm_vcpu;
struct vmm_scenario;

#define VMM_ARM64_SNAP_REGS 1024

struct vmm_vcpu_state {
	int inited;	   /* KVM_ARM_VCPU_INIT done at least once */
	uint32_t features; /* features[0] it was done with */
	uint32_t nregs;	   /* registers in the snapshot */
	uint64_t id[VMM_ARM64_SNAP_REGS];
	uint64_t val[VMM_ARM64_SNAP_REGS][2];
};

struct kvm_reg_list;
/* KVM_GET_REG_LIST of vCPU v, allocated (the caller frees *out). */
int vmm_arm64_reg_list(struct vmm_vcpu *v, struct kvm_reg_list **out,
		       struct vmm_error *e);
/* A one_reg id no reset gives back: VM-wide firmware pseudo-registers and
 * the ID registers (frozen by KVM once a vCPU ran). */
int vmm_arm64_one_reg_sticky(uint64_t id);
/* The scenario needs a VM of its own in reset mode, not reused after: a
 * vgic record, or a sticky one_reg record. */
int vmm_arm64_fresh_vm(const struct vmm_scenario *s);

/* After the first init: every listed register that can be written back. */
int vmm_arm64_snapshot(struct vmm_vcpu *v, struct vmm_vcpu_state *st,
		       struct vmm_error *e);
/* After a re-init: write the snapshot back. */
int vmm_arm64_restore(struct vmm_vcpu *v, const struct vmm_vcpu_state *st,
		      struct vmm_error *e);

int vmm_arch_vcpu_capture(struct vmm_vcpu *v, struct vmm_vcpu_state *st,
			  struct vmm_error *e);
int vmm_arch_vcpu_restore(struct vmm_vcpu *v, const struct vmm_vcpu_state *st,
			  struct vmm_error *e);
struct vmm_kvm;
/* See vmm/x86/vcpu_state.h. arm64: a reused vCPU needs the same features
 * (KVM_ARM_VCPU_INIT); with `init` NULL, every input can reuse a VM. */
int vmm_arch_vcpu_reusable(const struct vmm_kvm *k,
			   const struct vmm_vcpu_state *init,
			   const struct vmm_scenario *s);
/* See vmm/x86/vcpu_state.h; arm64 re-initialises a reused vCPU
 * (KVM_ARM_VCPU_INIT), which drops whatever set-up left pending. */
struct vmm_session;
static inline int vmm_arch_vcpu_settle(struct vmm_session *ss, uint32_t i,
				       struct vmm_error *e)
{
	(void)ss;
	(void)i;
	(void)e;
	return 0;
}

/* features[0] for vCPU spec `i` of `s` (scenario features plus EL1_32BIT
 * for aarch32). */
uint32_t vmm_arm64_init_features(const struct vmm_scenario *s, uint32_t i);

#endif

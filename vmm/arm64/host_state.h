/* arm64 state kept per KVM handle (struct vmm_kvm.arch) and per reset-mode
 * session (struct vmm_session.arch). */
#ifndef VMM_ARM64_HOST_STATE_H
#define VMM_ARM64_HOST_STATE_H

#include <stdint.h>

struct vmm_kvm_arch {
	/* KVM_ARM_PREFERRED_TARGET's struct kvm_vcpu_init (host-wide),
	 * asked once (vmm/arm64/setup.c) */
	int target_known;
	uint32_t target[8];
};

struct vmm_session_arch {
	int unused; /* a reused arm64 vCPU is re-initialised: nothing kept */
};

#endif

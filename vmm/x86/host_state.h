/* x86 state kept per KVM handle (struct vmm_kvm.arch) and per reset-mode
 * session (struct vmm_session.arch): what only the x86 stages use. */
#ifndef VMM_X86_HOST_STATE_H
#define VMM_X86_HOST_STATE_H

#include <linux/kvm.h>
#include <stdint.h>

#include "vmm/limits.h"

#define VMM_MODE_SLOTS 8  /* enum vmm_x86_mode values */
#define VMM_SREGS_KNOWN 8 /* accepted sregs remembered per vCPU */

struct vmm_kvm_arch {
	/* can this host run each CPU mode: a one-instruction probe guest,
	 * once per handle (vmm/x86/setup.c) */
	enum vmm_probe_state mode_probe[VMM_MODE_SLOTS];
	char mode_probe_why[VMM_MODE_SLOTS][128];
	/* does a guest's VMCALL reach user space as KVM_EXIT_HYPERCALL (the
	 * hypercall record): a probe guest, once per handle */
	enum vmm_probe_state hc_probe;
	char hc_probe_why[160];
	/* MSRs a reset restores, in the order it writes them; probed once
	 * (vmm/x86/vcpu_state.c) */
	int msr_list_ready;
	uint32_t nmsrs;
	uint32_t msr_index[VMM_MAX_SAVED_MSRS];
	/* KVM_GET_SUPPORTED_CPUID, once (cpuid records start from it) */
	int cpuid_ready;
	uint32_t ncpuid;
	struct kvm_cpuid_entry2 cpuid[VMM_MAX_CPUID_ENTRIES];
};

struct vmm_session_arch {
	/* sregs KVM_SET_SREGS accepted on vCPU i in this VM, the last
	 * VMM_SREGS_KNOWN different ones (replaced round-robin): those can
	 * go in through KVM_CAP_SYNC_REGS (vmm/x86/setup.c) */
	struct kvm_sregs sregs_ok[VMM_MAX_VCPUS][VMM_SREGS_KNOWN];
	uint32_t nsregs_ok[VMM_MAX_VCPUS], sregs_ok_next[VMM_MAX_VCPUS];
	int triple_fault_event; /* KVM_CAP_X86_TRIPLE_FAULT_EVENT enabled */
};

#endif

/* The host architecture's reset-mode vCPU snapshot
 * (vmm/<arch>/vcpu_state.h): struct vmm_vcpu_state,
 * vmm_arch_vcpu_capture(), vmm_arch_vcpu_restore() and
 * vmm_arch_vcpu_reusable(). */
#ifndef VMM_VCPU_STATE_H
#define VMM_VCPU_STATE_H

#include "vmm/arch.h"

#if defined(__x86_64__)
#include "vmm/x86/vcpu_state.h"
#else
#include "vmm/arm64/vcpu_state.h"
#endif

#endif

/* The host architecture's vCPU state types (vmm/<arch>/cpu_state.h). */
#ifndef VMM_CPU_STATE_H
#define VMM_CPU_STATE_H

#include "vmm/arch.h"

#if defined(__x86_64__)
#include "vmm/x86/cpu_state.h"
#else
#include "vmm/arm64/cpu_state.h"
#endif

#endif

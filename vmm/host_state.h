/* The host architecture's per-KVM-handle and per-session state
 * (vmm/<arch>/host_state.h). */
#ifndef VMM_HOST_STATE_H
#define VMM_HOST_STATE_H

/* A host property found by a probe, once per KVM handle. */
enum vmm_probe_state { VMM_PROBE_UNKNOWN = 0, VMM_PROBE_OK, VMM_PROBE_FAILS };

#if defined(__x86_64__)
#include "vmm/x86/host_state.h"
#else
#include "vmm/arm64/host_state.h"
#endif

#endif

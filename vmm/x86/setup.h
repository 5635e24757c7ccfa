/* The x86 set-up steps as pure functions, for the pipeline (vmm/x86/setup.c)
 * and for `vmm export-c` (vmm/export_c.c), which runs them at export time
 * and writes their results into the reproducer. */
#ifndef VMM_X86_SETUP_H
#define VMM_X86_SETUP_H

#include <linux/kvm.h>
#include <stdint.h>

#include "vmm/scenario.h"
#include "vmm/x86/mode.h"

/* Where the VMM's GDT/page tables go (*gpa) and how many bytes the
 * scenario's modes need (*size, 0 for real16 only). -1: the scenario
 * leaves no room (VMM_ERR_INPUT). */
int vmm_x86_place_sys(const struct vmm_scenario *s, uint64_t *gpa,
		      uint64_t *size, struct vmm_error *e);

/* One vCPU's initial state: `sr` holds KVM's reset sregs on entry and the
 * mode preset plus the scenario's overrides on return; the mode's tables
 * are written into `area` (sys_size bytes that live at sys_gpa; NULL if
 * sys_size is 0); `regs` gets the general registers. */
int vmm_x86_vcpu_state(const struct vmm_vcpu_spec *vs, struct kvm_sregs *sr,
		       uint8_t *area, uint64_t sys_gpa, uint64_t sys_size,
		       struct kvm_regs *regs, struct vmm_error *e);

/* KVM_GET_SUPPORTED_CPUID into k->arch.cpuid, once per handle. */
struct vmm_kvm;
int vmm_x86_supported_cpuid(struct vmm_kvm *k, struct vmm_error *e);
/* Apply one CPUID record to a CPUID table of *n entries (room for one
 * more): the (function, index) entry's register, or a new entry. */
void vmm_x86_cpuid_override(struct kvm_cpuid_entry2 *ent, uint32_t *n,
			    const struct vmm_cpuid_spec *o);

/* The one-instruction HLT guest that tells whether this host runs mode m. */
void vmm_x86_probe_scenario(struct vmm_scenario *s, enum vmm_x86_mode m);
/* The hypercall probe: a long64 guest's VMCALL of KVM_HC_MAP_GPA_RANGE
 * with KVM_CAP_EXIT_HYPERCALL on, then HLT; forwarded when it halts after
 * two exits (vmm/x86/setup.c, and vmm export-c's reproducers). */
void vmm_x86_hc_probe_scenario(struct vmm_scenario *s);

#endif

/* x86 CPU mode presets: real16, prot32 (flat), paged32 (PSE), long64.
 *
 * Pure functions: they fill a `struct kvm_sregs` and write the VMM's tables
 * into a caller-supplied buffer that the caller then places at `area_gpa` in
 * guest memory. No KVM needed, so the bytes are unit-tested directly.
 */
#ifndef VMM_X86_MODE_H
#define VMM_X86_MODE_H

#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/err.h"

enum vmm_x86_mode {
	VMM_MODE_REAL16 = 0,
	VMM_MODE_PROT32,
	VMM_MODE_PAGED32,
	VMM_MODE_LONG64,
	VMM_MODE_COUNT
};

const char *vmm_x86_mode_name(enum vmm_x86_mode m);
/* 0 on success, -1 for an unknown name. */
int vmm_x86_mode_parse(const char *s, enum vmm_x86_mode *out);

/* Bytes of guest RAM the mode's tables need (0 for real16). */
uint64_t vmm_x86_sysarea_size(enum vmm_x86_mode m);

/* Encode a segment the way the GDT holds it; consistent with what KVM is
 * given through sregs for the same segment. */
uint64_t vmm_x86_seg_to_desc(const struct kvm_segment *s);

/* The flat segments the VMM uses. */
void vmm_x86_flat_code32(struct kvm_segment *s);
void vmm_x86_flat_code64(struct kvm_segment *s);
void vmm_x86_flat_data(struct kvm_segment *s);

/* Set up `sregs` (starting from the vCPU's reset values) for mode `m`,
 * writing the GDT and page tables into `area` (which will live at guest
 * physical `area_gpa`, page aligned, `area_len` >= vmm_x86_sysarea_size).
 * `entry` is the first instruction's guest-physical address; for real16 it
 * selects CS so that CS:IP reaches it, and *ip_out receives the IP/RIP to
 * use. */
int vmm_x86_setup_mode(enum vmm_x86_mode m, struct kvm_sregs *sregs,
		       uint8_t *area, uint64_t area_gpa, size_t area_len,
		       uint64_t entry, uint64_t *ip_out, struct vmm_error *e);

struct vmm_kvm;

/* Is `m` runnable on this host? Runs (once per vmm_kvm, then cached) a
 * one-instruction HLT probe guest in that mode. 0: yes; -1: no, with
 * VMM_ERR_HOST and the probe's outcome in *e. */
int vmm_host_mode_check(struct vmm_kvm *k, enum vmm_x86_mode m,
			struct vmm_error *e);

#endif

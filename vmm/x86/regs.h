/* x86 register names: parse `--reg NAME=VALUE`, print final state. */
#ifndef VMM_X86_REGS_H
#define VMM_X86_REGS_H

#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

/* General registers plus rip and rflags, in struct kvm_regs order. */
#define VMM_X86_NREGS 18

const char *vmm_x86_reg_name(unsigned int idx);
/* Index of a register name, or -1. */
int vmm_x86_reg_index(const char *name);
uint64_t vmm_x86_reg_get(const struct kvm_regs *r, unsigned int idx);
void vmm_x86_reg_set(struct kvm_regs *r, unsigned int idx, uint64_t v);

/* "name=0xHEX\n" lines: the 18 registers, then cr0 cr3 cr4 efer.
 * Returns bytes written (excluding NUL), truncated to len-1. */
size_t vmm_x86_format_state(const struct kvm_regs *r, const struct kvm_sregs *s,
			    char *buf, size_t len);

struct vmm_vcpu;
struct vmm_error;

int vmm_vcpu_get_regs(struct vmm_vcpu *v, struct kvm_regs *r,
		      struct vmm_error *e);
int vmm_vcpu_set_regs(struct vmm_vcpu *v, const struct kvm_regs *r,
		      struct vmm_error *e);
int vmm_vcpu_get_sregs(struct vmm_vcpu *v, struct kvm_sregs *s,
		       struct vmm_error *e);
int vmm_vcpu_set_sregs(struct vmm_vcpu *v, const struct kvm_sregs *s,
		       struct vmm_error *e);
int vmm_vcpu_set_events(struct vmm_vcpu *v, const struct kvm_vcpu_events *ev,
			struct vmm_error *e);

/* Registers, sregs (unless NULL) and events for the next KVM_RUN through
 * KVM_CAP_SYNC_REGS (no ioctl). Returns -1, with nothing set, if the host
 * lacks the needed sync-regs bits. KVM applies them in that order (regs,
 * sregs, events) before anything else in KVM_RUN; a KVM_RUN that rejects
 * them fails with EINVAL and leaves their bits set in kvm_dirty_regs,
 * which vmm_vcpu_run() reports as a kernel contract violation (the
 * pipeline only syncs sregs that KVM_SET_SREGS accepted before). */
int vmm_vcpu_sync_regs(struct vmm_vcpu *v, const struct kvm_regs *regs,
		       const struct kvm_sregs *sregs,
		       const struct kvm_vcpu_events *events);
#endif

#include "vmm/x86/regs.h"

#include <stdio.h>
#include <string.h>

#include "vmm/arch.h"
#include "vmm/kvm.h"
#include "vmm/vcpu.h"

/* Offsets in struct kvm_regs, in the scenario's register order (the names
 * are in vmm/arch.c). */
static const struct {
	size_t off;
} reg_table[VMM_X86_NREGS] = {
#define REG(n)                               \
	{                                    \
		offsetof(struct kvm_regs, n) \
	}
	REG(rax), REG(rbx), REG(rcx), REG(rdx), REG(rsi), REG(rdi),
	REG(rsp), REG(rbp), REG(r8),  REG(r9),	REG(r10), REG(r11),
	REG(r12), REG(r13), REG(r14), REG(r15), REG(rip), REG(rflags),
#undef REG
};

const char *vmm_x86_reg_name(unsigned int idx)
{
	return vmm_arch_reg_name(VMM_ARCH_X86_64, idx);
}

int vmm_x86_reg_index(const char *name)
{
	return vmm_arch_reg_index(VMM_ARCH_X86_64, name);
}

uint64_t vmm_x86_reg_get(const struct kvm_regs *r, unsigned int idx)
{
	uint64_t v = 0;

	if (idx < VMM_X86_NREGS)
		memcpy(&v, (const char *)r + reg_table[idx].off, sizeof(v));
	return v;
}

void vmm_x86_reg_set(struct kvm_regs *r, unsigned int idx, uint64_t v)
{
	if (idx < VMM_X86_NREGS)
		memcpy((char *)r + reg_table[idx].off, &v, sizeof(v));
}

size_t vmm_x86_format_state(const struct kvm_regs *r, const struct kvm_sregs *s,
			    char *buf, size_t len)
{
	size_t off = 0;
	const struct {
		const char *n;
		uint64_t v;
	} sys[] = {
		{ "cr0", s->cr0 },
		{ "cr3", s->cr3 },
		{ "cr4", s->cr4 },
		{ "efer", s->efer },
	};

	if (len == 0)
		return 0;
	buf[0] = '\0';
	for (unsigned int i = 0; i < VMM_X86_NREGS; i++)
		off = vmm_fmt_reg_line(buf, len, off, vmm_x86_reg_name(i),
				       vmm_x86_reg_get(r, i));
	for (unsigned int i = 0; i < 4; i++)
		off = vmm_fmt_reg_line(buf, len, off, sys[i].n, sys[i].v);
	return off;
}

/* ---- register ioctls (arm64 has none of these: vmm/arm64/regs.c) ---- */

int vmm_vcpu_get_regs(struct vmm_vcpu *v, struct kvm_regs *r,
		      struct vmm_error *e)
{
	return VCPU_IOCTL(v, KVM_GET_REGS, r, e);
}

int vmm_vcpu_set_regs(struct vmm_vcpu *v, const struct kvm_regs *r,
		      struct vmm_error *e)
{
	return VCPU_IOCTL(v, KVM_SET_REGS, r, e);
}

int vmm_vcpu_get_sregs(struct vmm_vcpu *v, struct kvm_sregs *s,
		       struct vmm_error *e)
{
	return VCPU_IOCTL(v, KVM_GET_SREGS, s, e);
}

int vmm_vcpu_set_sregs(struct vmm_vcpu *v, const struct kvm_sregs *s,
		       struct vmm_error *e)
{
	return VCPU_IOCTL(v, KVM_SET_SREGS, s, e);
}

int vmm_vcpu_set_events(struct vmm_vcpu *v, const struct kvm_vcpu_events *ev,
			struct vmm_error *e)
{
	return VCPU_IOCTL(v, KVM_SET_VCPU_EVENTS, ev, e);
}

int vmm_vcpu_sync_regs(struct vmm_vcpu *v, const struct kvm_regs *regs,
		       const struct kvm_sregs *sregs,
		       const struct kvm_vcpu_events *events)
{
	struct kvm_sync_regs sync;
	int caps = vmm_kvm_cap(v->vm->kvm, VMM_CAP_SYNC_REGS);
	uint64_t want = KVM_SYNC_X86_REGS | KVM_SYNC_X86_EVENTS |
			(sregs ? KVM_SYNC_X86_SREGS : 0);

	if (caps < 0 || ((uint64_t)caps & want) != want)
		return -1;
	memset(&sync, 0, sizeof(sync));
	sync.regs = *regs;
	if (sregs)
		sync.sregs = *sregs;
	sync.events = *events;
	vmm_vcpu_sync_put(v, &sync, want);
	return 0;
}

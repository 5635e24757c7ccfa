#include "vmm/x86/regs.h"

#include <stdio.h>
#include <string.h>

static const struct {
	const char *name;
	size_t off;
} reg_table[VMM_X86_NREGS] = {
#define REG(n) { #n, offsetof(struct kvm_regs, n) }
	REG(rax), REG(rbx), REG(rcx), REG(rdx), REG(rsi), REG(rdi),
	REG(rsp), REG(rbp), REG(r8), REG(r9), REG(r10), REG(r11),
	REG(r12), REG(r13), REG(r14), REG(r15), REG(rip), REG(rflags),
#undef REG
};

const char *vmm_x86_reg_name(unsigned int idx)
{
	return idx < VMM_X86_NREGS ? reg_table[idx].name : NULL;
}

int vmm_x86_reg_index(const char *name)
{
	for (unsigned int i = 0; name && i < VMM_X86_NREGS; i++)
		if (strcmp(name, reg_table[i].name) == 0)
			return (int)i;
	return -1;
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
		{ "cr0", s->cr0 }, { "cr3", s->cr3 },
		{ "cr4", s->cr4 }, { "efer", s->efer },
	};

	if (len == 0)
		return 0;
	buf[0] = '\0';
	for (unsigned int i = 0; i < VMM_X86_NREGS + 4; i++) {
		const char *n = i < VMM_X86_NREGS ? reg_table[i].name :
						    sys[i - VMM_X86_NREGS].n;
		uint64_t v = i < VMM_X86_NREGS ? vmm_x86_reg_get(r, i) :
						 sys[i - VMM_X86_NREGS].v;
		int w;

		if (off >= len - 1)
			break;
		w = snprintf(buf + off, len - off, "%s=0x%llx\n", n,
			     (unsigned long long)v);
		if (w < 0)
			break;
		off += (size_t)w;
	}
	return off < len ? off : len - 1;
}

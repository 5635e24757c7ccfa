#include "vmm/arch.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

struct arch_vocab {
	const char *name;
	const char *const *modes;
	unsigned int nmodes;
	const char *const *regs;
	unsigned int nregs;
};

/* x86: kvm_regs order (vmm/x86/regs.c maps them onto struct kvm_regs). */
static const char *const x86_modes[] = { "real16", "prot32", "paged32",
					 "long64" };
static const char *const x86_regs[] = {
	"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rsp", "rbp", "r8",
	"r9",  "r10", "r11", "r12", "r13", "r14", "r15", "rip", "rflags",
};

static const char *const arm64_modes[VMM_ARM64_MODE_COUNT] = { "aarch64",
							       "aarch32" };
static const char *const arm64_regs[VMM_ARM64_NREGS] = {
	"x0",  "x1",  "x2",  "x3",  "x4",  "x5",  "x6",	    "x7",  "x8",
	"x9",  "x10", "x11", "x12", "x13", "x14", "x15",    "x16", "x17",
	"x18", "x19", "x20", "x21", "x22", "x23", "x24",    "x25", "x26",
	"x27", "x28", "x29", "x30", "sp",  "pc",  "pstate",
};

static const char *const arm64_features[VMM_ARM64_FEAT_COUNT] = {
	[VMM_ARM64_FEAT_POWER_OFF] = "power-off",
	[VMM_ARM64_FEAT_EL1_32BIT] = "el1-32bit",
	[VMM_ARM64_FEAT_PSCI_0_2] = "psci-0.2",
	[VMM_ARM64_FEAT_PMU_V3] = "pmu-v3",
};

#define N(a) (unsigned int)(sizeof(a) / sizeof((a)[0]))

static const struct arch_vocab *vocab(unsigned int arch)
{
	static const struct arch_vocab x86 = { "x86_64", x86_modes,
					       N(x86_modes), x86_regs,
					       N(x86_regs) };
	static const struct arch_vocab arm64 = { "arm64", arm64_modes,
						 N(arm64_modes), arm64_regs,
						 N(arm64_regs) };

	if (arch == VMM_ARCH_X86_64)
		return &x86;
	if (arch == VMM_ARCH_ARM64)
		return &arm64;
	return NULL;
}

static int lookup(const char *const *names, unsigned int n, const char *s)
{
	for (unsigned int i = 0; s && i < n; i++)
		if (names[i] && strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

const char *vmm_arch_name(unsigned int arch)
{
	const struct arch_vocab *v = vocab(arch);

	return v ? v->name : "unknown";
}

unsigned int vmm_arch_nmodes(unsigned int arch)
{
	const struct arch_vocab *v = vocab(arch);

	return v ? v->nmodes : 0;
}

unsigned int vmm_arch_nregs(unsigned int arch)
{
	const struct arch_vocab *v = vocab(arch);

	return v ? v->nregs : 0;
}

const char *vmm_arch_mode_name(unsigned int arch, unsigned int mode)
{
	const struct arch_vocab *v = vocab(arch);

	return v && mode < v->nmodes ? v->modes[mode] : NULL;
}

const char *vmm_arch_reg_name(unsigned int arch, unsigned int idx)
{
	const struct arch_vocab *v = vocab(arch);

	return v && idx < v->nregs ? v->regs[idx] : NULL;
}

int vmm_arch_mode_parse(unsigned int arch, const char *name)
{
	const struct arch_vocab *v = vocab(arch);

	return v ? lookup(v->modes, v->nmodes, name) : -1;
}

int vmm_arch_reg_index(unsigned int arch, const char *name)
{
	const struct arch_vocab *v = vocab(arch);

	return v ? lookup(v->regs, v->nregs, name) : -1;
}

const char *vmm_arm64_feature_name(unsigned int bit)
{
	return bit < VMM_ARM64_FEAT_COUNT ? arm64_features[bit] : NULL;
}

int vmm_arm64_feature_index(const char *name)
{
	return lookup(arm64_features, VMM_ARM64_FEAT_COUNT, name);
}

int vmm_arm64_features_parse(const char *list, uint32_t *out, char *bad,
			     size_t badlen)
{
	const char *t = list;

	*out = 0;
	while (*t) {
		char name[24];
		size_t n = strcspn(t, ",");
		int bit;

		if (n == 0 || n >= sizeof(name)) {
			(void)snprintf(bad, badlen, "%s", list);
			return VMM_FEATURES_MALFORMED;
		}
		memcpy(name, t, n);
		name[n] = '\0';
		bit = vmm_arm64_feature_index(name);
		if (bit < 0 || !(VMM_ARM64_FEAT_SETTABLE & (1U << bit))) {
			(void)snprintf(bad, badlen, "%s", name);
			return VMM_FEATURES_UNKNOWN;
		}
		*out |= 1U << bit;
		t += n;
		if (*t == ',')
			t++;
	}
	return 0;
}

size_t vmm_fmt_append(char *buf, size_t len, size_t off, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (len == 0 || off >= len - 1)
		return len ? len - 1 : 0;
	va_start(ap, fmt);
	w = vsnprintf(buf + off, len - off, fmt, ap);
	va_end(ap);
	if (w < 0)
		return off;
	return (size_t)w < len - off ? off + (size_t)w : len - 1;
}

size_t vmm_fmt_reg_line(char *buf, size_t len, size_t off, const char *name,
			uint64_t v)
{
	return vmm_fmt_append(buf, len, off, "%s=0x%llx\n", name,
			      (unsigned long long)v);
}

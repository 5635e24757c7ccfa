/* Architectures: the scenario vocabulary of each (vCPU modes, register
 * names, arm64 vCPU features) and which one this host runs.
 *
 * The vocabulary of every architecture is available on every host, so a
 * scenario for another architecture can still be decoded, printed and
 * re-encoded (triage on a different machine); only running it needs the
 * matching host. Host-side code lives in vmm/x86/ and vmm/arm64/.
 */
#ifndef VMM_ARCH_H
#define VMM_ARCH_H

#include <stddef.h>
#include <stdint.h>

enum vmm_arch { VMM_ARCH_X86_64 = 1, VMM_ARCH_ARM64 = 2 };

#if defined(__x86_64__)
#define VMM_ARCH_HOST VMM_ARCH_X86_64
#elif defined(__aarch64__)
#define VMM_ARCH_HOST VMM_ARCH_ARM64
#else
#error "unsupported architecture"
#endif

/* Registers a scenario can set, over all architectures (arm64: 34). */
#define VMM_MAX_REGS 34

/* arm64 vCPU modes (scenario "mode"): the state KVM_ARM_VCPU_INIT resets
 * the vCPU to. aarch32 sets KVM_ARM_VCPU_EL1_32BIT itself. */
enum vmm_arm64_mode {
	VMM_ARM64_AARCH64 = 0,
	VMM_ARM64_AARCH32,
	VMM_ARM64_MODE_COUNT
};

/* arm64 register indices: x0..x30, then these. sp is the EL1h stack
 * pointer (SP_EL1), pstate the saved program status. */
#define VMM_ARM64_REG_SP 31
#define VMM_ARM64_REG_PC 32
#define VMM_ARM64_REG_PSTATE 33
#define VMM_ARM64_NREGS 34

/* arm64 vCPU features a scenario may ask for (KVM_ARM_VCPU_* bit numbers,
 * the same values as the kernel's; el1-32bit comes from the mode). */
/* arm64 ONE_REG ids (the uapi layout, usable on any host: the mutator,
 * export-c and the scenario checks). The virtual timer's registers as KVM
 * numbers them (its CVAL and CNT ids are swapped against the
 * architectural encodings: KVM's uapi says so), and TPIDR_EL1 as a
 * plain system register. */
#define VMM_ONE_REG_ARCH_MASK 0xff00000000000000ULL
#define VMM_ONE_REG_ARM64 0x6000000000000000ULL
#define VMM_ONE_REG_SIZE_MASK 0x00f0000000000000ULL
#define VMM_ONE_REG_SIZE_SHIFT 52
#define VMM_ONE_REG_SIZE_U64 3U
#define VMM_ONE_REG_SIZE_U128 4U
#define VMM_ARM64_SYSREG(op0, op1, crn, crm, op2)                            \
	(VMM_ONE_REG_ARM64 | 0x0030000000000000ULL | 0x0000000000130000ULL | \
	 ((uint64_t)(op0) << 14) | ((uint64_t)(op1) << 11) |                 \
	 ((uint64_t)(crn) << 7) | ((uint64_t)(crm) << 3) | (uint64_t)(op2))
#define VMM_ARM64_REG_TIMER_CTL VMM_ARM64_SYSREG(3, 3, 14, 3, 1)
#define VMM_ARM64_REG_TIMER_CNT VMM_ARM64_SYSREG(3, 3, 14, 3, 2)
#define VMM_ARM64_REG_TIMER_CVAL VMM_ARM64_SYSREG(3, 3, 14, 0, 2)
#define VMM_ARM64_REG_TPIDR_EL1 VMM_ARM64_SYSREG(3, 0, 13, 0, 4)

#define VMM_ARM64_FEAT_POWER_OFF 0
#define VMM_ARM64_FEAT_EL1_32BIT 1
#define VMM_ARM64_FEAT_PSCI_0_2 2
#define VMM_ARM64_FEAT_PMU_V3 3
#define VMM_ARM64_FEAT_COUNT 4
#define VMM_ARM64_FEAT_SETTABLE                                               \
	((1U << VMM_ARM64_FEAT_POWER_OFF) | (1U << VMM_ARM64_FEAT_PSCI_0_2) | \
	 (1U << VMM_ARM64_FEAT_PMU_V3))

/* "x86_64", "arm64", or "unknown". */
const char *vmm_arch_name(unsigned int arch);
/* 0 for an architecture this project does not know. */
unsigned int vmm_arch_nmodes(unsigned int arch);
unsigned int vmm_arch_nregs(unsigned int arch);
/* NULL for an out-of-range index. */
const char *vmm_arch_mode_name(unsigned int arch, unsigned int mode);
const char *vmm_arch_reg_name(unsigned int arch, unsigned int idx);
/* Index for a name, or -1. */
int vmm_arch_mode_parse(unsigned int arch, const char *name);
int vmm_arch_reg_index(unsigned int arch, const char *name);
/* arm64 feature bit names ("psci-0.2"), NULL out of range. */
const char *vmm_arm64_feature_name(unsigned int bit);
int vmm_arm64_feature_index(const char *name);
/* A comma-separated list of settable feature names ("psci-0.2,pmu-v3")
 * into KVM_ARM_VCPU_* bits. 0; VMM_FEATURES_MALFORMED (an empty or overlong
 * entry) with the list in bad[badlen]; VMM_FEATURES_UNKNOWN with the name
 * that is not a settable feature in bad[badlen]. */
#define VMM_FEATURES_MALFORMED (-1)
#define VMM_FEATURES_UNKNOWN (-2)
int vmm_arm64_features_parse(const char *list, uint32_t *out, char *bad,
			     size_t badlen);

/* Append printf output at buf+off (len bytes in all, kept NUL-terminated,
 * truncated); returns the new offset (at most len-1). The host and state
 * reports of both architectures are built with it. */
size_t vmm_fmt_append(char *buf, size_t len, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* One "name=0xHEX\n" line of a state report (vmm_fmt_append). */
size_t vmm_fmt_reg_line(char *buf, size_t len, size_t off, const char *name,
			uint64_t v);

#endif

#include "vmm/oracle.h"

#include "vmm/outcome.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>

const char *vmm_finding_name(enum vmm_finding f)
{
	return vmm_finding_info(f)->name;
}

/* Errnos each call may return for scenario-controlled input (api.rst and
 * the KVM sources); anything else is an anomaly. ioctls are matched by
 * request number, the few system calls by name. Calls not listed never
 * fail legitimately once /dev/kvm opened. */
#define ERRS_MAX 8
static const struct {
	unsigned long req; /* 0: a system call, matched by `call` */
	const char *call;
	int errs[ERRS_MAX];
} expected[] = {
#if defined(__x86_64__)
	{ KVM_RUN,
	  "KVM_RUN",
	  { EINTR, EAGAIN, EINVAL, EFAULT, ENOEXEC, ENOMEM } },
	{ KVM_SET_SREGS, "KVM_SET_SREGS", { EINVAL } },
	{ KVM_SET_REGS, "KVM_SET_REGS", { EINVAL } },
	/* MSR records: an MSR KVM refuses ends the call early (it returns
	 * how many entries it set; the VMM skips the refused one and goes
	 * on). Its errnos (E2BIG above 255 entries, EFAULT, ENOMEM) are
	 * nothing an input can cause (at most VMM_MAX_SCN_MSRS entries):
	 * any errno is an anomaly. */
	{ KVM_SET_MSRS, "KVM_SET_MSRS", { 0 } },
	/* cpuid records: EINVAL for a CPUID KVM finds inconsistent (XSAVE
	 * sizes, MAXPHYADDR...), E2BIG above 256 entries, EPERM for dynamic
	 * XSAVE features (AMX tiles in leaf 0xd) the process never asked
	 * permission for (arch_prctl ARCH_REQ_XCOMP_GUEST_PERM; the VMM
	 * does not) */
	{ KVM_SET_CPUID2, "KVM_SET_CPUID2", { EINVAL, E2BIG, EPERM } },
	/* debugregs record: EINVAL for DR6/DR7 upper-half bits */
	{ KVM_SET_DEBUGREGS, "KVM_SET_DEBUGREGS", { EINVAL } },
	/* events record: EINVAL for an exception vector above 31 or NMI's
	 * (2), or SMM state KVM built without SMM support refuses */
	{ KVM_SET_VCPU_EVENTS, "KVM_SET_VCPU_EVENTS", { EINVAL } },
	/* msr_exits records: EINVAL for a filter range without read/write
	 * flags */
	{ KVM_X86_SET_MSR_FILTER, "KVM_X86_SET_MSR_FILTER", { EINVAL } },
	/* guest_debug record: EINVAL for control bits this KVM does not
	 * support (KVM_CAP_SET_GUEST_DEBUG2), EBUSY for an injected #DB/#BP
	 * while an exception is pending (an events record) */
	{ KVM_SET_GUEST_DEBUG, "KVM_SET_GUEST_DEBUG", { EINVAL, EBUSY } },
	/* fpu record: KVM_SET_FPU copies the fields as given (it takes no
	 * MXCSR) and documents no error: any errno is an anomaly. xsave
	 * record: EINVAL for XSTATE_BV bits the vCPU cannot have, a
	 * non-zero XCOMP_BV or reserved header word, reserved MXCSR bits.
	 * xcr record: EINVAL for an XCR0 without x87, with AVX but not SSE
	 * (or AVX-512 parts without the rest), or with bits the vCPU's
	 * CPUID lacks */
	{ KVM_SET_FPU, "KVM_SET_FPU", { 0 } },
	{ KVM_SET_XSAVE, "KVM_SET_XSAVE", { EINVAL } },
	{ KVM_SET_XCRS, "KVM_SET_XCRS", { EINVAL } },
	/* irqchip record: made before any vCPU, once per VM, with the
	 * routes capped below KVM's limit: only memory can fail them */
	{ KVM_CREATE_IRQCHIP, "KVM_CREATE_IRQCHIP", { ENOMEM } },
	{ KVM_CREATE_PIT2, "KVM_CREATE_PIT2", { ENOMEM } },
	/* KVM_ENABLE_CAP (split irqchip, the events record's caps, dirty
	 * logging): EINVAL for what the VM's KVM refuses */
	{ KVM_ENABLE_CAP, "KVM_ENABLE_CAP", { EINVAL, ENOMEM } },
	/* irq records: KVM_IRQ_LINE refuses a VM without an in-kernel
	 * irqchip (ENXIO); KVM_SIGNAL_MSI refuses an MSI it cannot route
	 * (EINVAL). A message no LAPIC takes is a result (0), not an error,
	 * except on the slow delivery path: a broadcast while no vCPU's
	 * LAPIC is enabled in IA32_APIC_BASE leaves kvm_irq_delivery_to_apic
	 * at -1, which user space sees as EPERM (the fast path was fixed
	 * upstream in 2018, "kvm/x86: return meaningful value from
	 * KVM_SIGNAL_MSI"; tests/regress/msi-eperm-broadcast-apic-off.kvms,
	 * found by the default job) */
	{ KVM_IRQ_LINE, "KVM_IRQ_LINE", { ENXIO, EINVAL } },
	{ KVM_SIGNAL_MSI, "KVM_SIGNAL_MSI", { EINVAL, EPERM } },
	/* lapic record: EINVAL for a page KVM finds inconsistent (an x2APIC
	 * ID that is not the vCPU's) */
	{ KVM_SET_LAPIC, "KVM_SET_LAPIC", { EINVAL } },
	{ KVM_SET_MP_STATE, "KVM_SET_MP_STATE", { EINVAL } },
#else
	/* arm64: ENOSYS for MMIO without a syndrome when KVM cannot hand it
	 * to userspace; ONE_REG refuses PSTATE values with an invalid or
	 * unavailable mode (e.g. AArch32 without EL1_32BIT); vCPU init refuses
	 * feature sets a VM cannot mix (AArch32 and AArch64 EL1 vCPUs, a PMU
	 * on only some vCPUs). one_reg records: EINVAL (a value KVM refuses,
	 * a bad size), ENOENT (no such register), EPERM (not accessible in
	 * this configuration), EBUSY (a register KVM freezes once a vCPU
	 * ran) - api.rst and arch/arm64/kvm/sys_regs.c */
	{ KVM_RUN,
	  "KVM_RUN",
	  { EINTR, EAGAIN, EINVAL, EFAULT, ENOEXEC, ENOMEM, ENOSYS } },
	{ KVM_SET_ONE_REG,
	  "KVM_SET_ONE_REG",
	  { EINVAL, ENOENT, EPERM, EBUSY } },
	{ KVM_ARM_VCPU_INIT, "KVM_ARM_VCPU_INIT", { EINVAL } },
	/* vgic record (Documentation/virt/kvm/devices/arm-vgic-v3.rst):
	 * KVM_CREATE_DEVICE ENODEV without a vGICv3 (host-unsupported);
	 * KVM_SET_DEVICE_ATTR E2BIG for an address past the VM's IPA size,
	 * EINVAL, EEXIST, ENXIO (a configuration KVM refuses), EBUSY,
	 * ENODEV; the PMU's attributes the same (api.rst). irq_line records:
	 * EINVAL for an INTID the vGIC does not have (above nr_irqs) */
	{ KVM_CREATE_DEVICE, "KVM_CREATE_DEVICE", { ENODEV, ENOMEM } },
	{ KVM_SET_DEVICE_ATTR,
	  "KVM_SET_DEVICE_ATTR",
	  { E2BIG, EINVAL, EEXIST, ENXIO, EBUSY, ENODEV, ENOMEM } },
	{ KVM_IRQ_LINE, "KVM_IRQ_LINE", { EINVAL, ENXIO } },
#endif
	{ KVM_SET_USER_MEMORY_REGION,
	  "KVM_SET_USER_MEMORY_REGION",
	  { EINVAL, EEXIST, ENOMEM } },
	{ KVM_CREATE_VM, "KVM_CREATE_VM", { ENOMEM, EMFILE, ENFILE } },
	{ KVM_CREATE_VCPU,
	  "KVM_CREATE_VCPU",
	  { EINVAL, ENOMEM, EEXIST, EMFILE, ENFILE } },
	{ 0, "mmap", { ENOMEM } },
	{ 0, "timer_create", { EAGAIN } },
};

int vmm_errno_expected(const struct vmm_error *e)
{
	if (!e || e->err == 0)
		return 0;
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		if (expected[i].req ? expected[i].req != e->req
				    : (e->req || !e->call ||
				       strcmp(e->call, expected[i].call) != 0))
			continue;
		for (size_t j = 0; j < ERRS_MAX && expected[i].errs[j]; j++)
			if (expected[i].errs[j] == e->err)
				return 1;
		return 0;
	}
	return 0;
}

/* Errnos an action record's call may be refused with (api.rst and the
 * KVM sources), on top of the calls' own entries above: the action is
 * done mid-run to whatever state the guest and earlier actions left. */
static const struct {
	unsigned long req;
	int errs[ERRS_MAX];
} action_expected[] = {
#if defined(__x86_64__)
	/* slots: EINVAL (a bad id, a readonly or size change KVM does
	 * not make in place, a wrapping range), EEXIST (an overlap) */
	{ KVM_SET_USER_MEMORY_REGION, { EINVAL, EEXIST, ENOMEM } },
	/* dirty log: ENOENT (no slot, or no dirty logging on it), EINVAL
	 * (an id KVM keeps, first_page not a multiple of 64, a range past
	 * the slot), ENXIO (the VM uses the dirty ring) */
	{ KVM_GET_DIRTY_LOG, { ENOENT, EINVAL, ENXIO } },
	{ KVM_CLEAR_DIRTY_LOG, { ENOENT, EINVAL, ENXIO } },
	/* no in-kernel irqchip: ENXIO (KVM_IRQ_LINE), EINVAL or ENXIO
	 * (KVM_SIGNAL_MSI; EPERM: no LAPIC took a broadcast, see above);
	 * KVM_INTERRUPT: ENXIO with an in-kernel PIC or
	 * an interrupt already injected, EEXIST one pending, EINVAL a
	 * vector above 255 */
	{ KVM_IRQ_LINE, { ENXIO, EINVAL } },
	{ KVM_SIGNAL_MSI, { EINVAL, ENXIO, EPERM } },
	{ KVM_INTERRUPT, { ENXIO, EEXIST, EINVAL } },
	/* KVM_SMI: EINVAL from a KVM without SMM */
	{ KVM_SMI, { EINVAL } },
	{ KVM_SET_REGS, { EINVAL } },
	{ KVM_SET_SREGS, { EINVAL } },
	{ KVM_SET_VCPU_EVENTS, { EINVAL } },
	{ KVM_SET_DEBUGREGS, { EINVAL } },
	{ KVM_SET_GUEST_DEBUG, { EINVAL, EBUSY } },
	/* no in-kernel LAPIC: EINVAL for both */
	{ KVM_GET_LAPIC, { EINVAL } },
	{ KVM_SET_LAPIC, { EINVAL } },
#endif
	{ 0, { 0 } },
};

int vmm_action_errno_expected(const struct vmm_error *e)
{
	if (!e || e->err == 0 || !e->req)
		return 0;
	for (size_t i = 0; action_expected[i].req; i++) {
		if (action_expected[i].req != e->req)
			continue;
		for (size_t j = 0; j < ERRS_MAX && action_expected[i].errs[j];
		     j++)
			if (action_expected[i].errs[j] == e->err)
				return 1;
		return 0;
	}
	return 0;
}

enum vmm_finding vmm_oracle_classify(const struct vmm_result *r, char *sig,
				     size_t len)
{
	const struct vmm_error *e = &r->err;

	if (e->cls == VMM_ERR_CONTRACT) {
		(void)snprintf(sig, len, "kernel-contract %s %s",
			       e->call ? e->call : "?",
			       e->field ? e->field : "?");
		return VMM_FIND_KERNEL_CONTRACT;
	}
	if (e->cls == VMM_ERR_SYS && e->call && e->err &&
	    !vmm_errno_expected(e)) {
		(void)snprintf(sig, len, "ioctl-anomaly %s %s", e->call,
			       vmm_errno_name(e->err));
		return VMM_FIND_IOCTL_ANOMALY;
	}
	(void)snprintf(sig, len, "none %s", vmm_verdict_name(r->verdict));
	return VMM_FIND_NONE;
}

void vmm_outcome_describe(const struct vmm_result *r, char *buf, size_t len)
{
	if (r->have_last_exit)
		(void)snprintf(buf, len, "%s %s vcpu%u",
			       vmm_verdict_name(r->verdict),
			       vmm_exit_reason_name(r->last_exit.reason),
			       r->last_vcpu);
	else
		(void)snprintf(buf, len, "%s", vmm_verdict_name(r->verdict));
}

int vmm_outcome_watched(const char *desc, const char *watch)
{
	char pat[128];

	while (watch && *watch) {
		size_t n = strcspn(watch, ",");

		if (n > 0 && n < sizeof(pat)) {
			memcpy(pat, watch, n);
			pat[n] = '\0';
			if (strstr(desc, pat))
				return 1;
		}
		watch += n;
		if (*watch == ',')
			watch++;
	}
	return 0;
}

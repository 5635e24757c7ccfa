#include "vmm/kvm.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <string.h>

#include "vmm/closer.h"
#include "vmm/kvm_compat.h"

/* One table entry; the name is the KVM_CAP_* constant's own spelling. */
#define CAP_ENTRY(cap, req, what)                                           \
	{                                                                   \
		.name = #cap, .use = (what), .id = (cap), .required = (req) \
	}

/* Every capability the project looks at, in one table. `required` ones make
 * vmm_kvm_open fail with a host error; the others are reported by
 * `vmm caps` and switch features on or off at run time. */
static const struct vmm_cap_desc vmm_caps[VMM_CAP_COUNT] = {
	[VMM_CAP_USER_MEMORY] =
		CAP_ENTRY(KVM_CAP_USER_MEMORY, true, "guest memory slots"),
	[VMM_CAP_IMMEDIATE_EXIT] = CAP_ENTRY(KVM_CAP_IMMEDIATE_EXIT, true,
					     "race-free run timeout"),
#if defined(__x86_64__)
	[VMM_CAP_SET_TSS_ADDR] = CAP_ENTRY(KVM_CAP_SET_TSS_ADDR, true,
					   "x86 real-mode TSS placement"),
#else
	[VMM_CAP_SET_TSS_ADDR] =
		CAP_ENTRY(KVM_CAP_SET_TSS_ADDR, false, "x86 only"),
#endif
	[VMM_CAP_SET_IDENTITY_MAP_ADDR] =
		CAP_ENTRY(KVM_CAP_SET_IDENTITY_MAP_ADDR, false,
			  "x86 identity map placement"),
	[VMM_CAP_NR_MEMSLOTS] =
		CAP_ENTRY(KVM_CAP_NR_MEMSLOTS, false, "slot count bound"),
	[VMM_CAP_NR_VCPUS] =
		CAP_ENTRY(KVM_CAP_NR_VCPUS, false, "recommended vCPU count"),
	[VMM_CAP_MAX_VCPUS] =
		CAP_ENTRY(KVM_CAP_MAX_VCPUS, false, "vCPU count bound"),
	[VMM_CAP_READONLY_MEM] =
		CAP_ENTRY(KVM_CAP_READONLY_MEM, false, "readonly slots"),
	[VMM_CAP_SYNC_REGS] =
		CAP_ENTRY(KVM_CAP_SYNC_REGS, false, "fast register restore"),
	[VMM_CAP_DIRTY_LOG_RING] = CAP_ENTRY(KVM_CAP_DIRTY_LOG_RING, false,
					     "dirty page tracking (ring)"),
	[VMM_CAP_MANUAL_DIRTY_LOG_PROTECT2] =
		CAP_ENTRY(KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, false,
			  "dirty page tracking (bitmap)"),
	[VMM_CAP_SET_GUEST_DEBUG] = CAP_ENTRY(KVM_CAP_SET_GUEST_DEBUG, false,
					      "single-step / debug exits"),
	[VMM_CAP_USER_MEMORY2] = CAP_ENTRY(KVM_CAP_USER_MEMORY2, false,
					   "extended memory slots (6.8+)"),
	[VMM_CAP_ARM_PSCI_0_2] =
		CAP_ENTRY(KVM_CAP_ARM_PSCI_0_2, false,
			  "arm64 vCPU feature psci-0.2 (SYSTEM_OFF/RESET)"),
	[VMM_CAP_ARM_EL1_32BIT] = CAP_ENTRY(KVM_CAP_ARM_EL1_32BIT, false,
					    "arm64 mode aarch32 (32-bit EL1)"),
	[VMM_CAP_ARM_PMU_V3] = CAP_ENTRY(KVM_CAP_ARM_PMU_V3, false,
					 "arm64 vCPU feature pmu-v3"),
	[VMM_CAP_ARM_NISV_TO_USER] =
		CAP_ENTRY(KVM_CAP_ARM_NISV_TO_USER, false,
			  "arm64 MMIO without syndrome as an exit"),
	[VMM_CAP_X86_TRIPLE_FAULT_EVENT] =
		CAP_ENTRY(KVM_CAP_X86_TRIPLE_FAULT_EVENT, false,
			  "reset mode: drop a shutdown KVM queued for a vCPU "
			  "that never ran"),
	[VMM_CAP_EXT_CPUID] = CAP_ENTRY(KVM_CAP_EXT_CPUID, false,
					"x86 cpuid records (KVM_SET_CPUID2)"),
	[VMM_CAP_DEBUGREGS] = CAP_ENTRY(KVM_CAP_DEBUGREGS, false,
					"x86 debugregs records "
					"(KVM_SET_DEBUGREGS)"),
	[VMM_CAP_EXCEPTION_PAYLOAD] =
		CAP_ENTRY(KVM_CAP_EXCEPTION_PAYLOAD, false,
			  "x86 events records: a pending exception"),
	[VMM_CAP_X86_SMM] = CAP_ENTRY(KVM_CAP_X86_SMM, false,
				      "x86 events records: SMI and SMM"),
	[VMM_CAP_X86_USER_SPACE_MSR] =
		CAP_ENTRY(KVM_CAP_X86_USER_SPACE_MSR, false,
			  "x86 msr_exits records: RDMSR/WRMSR exits"),
	[VMM_CAP_X86_MSR_FILTER] =
		CAP_ENTRY(KVM_CAP_X86_MSR_FILTER, false,
			  "x86 msr_exits records: the MSR filter"),
	[VMM_CAP_EXIT_HYPERCALL] =
		CAP_ENTRY(KVM_CAP_EXIT_HYPERCALL, false,
			  "x86 hypercall record (mask of hypercalls)"),
	[VMM_CAP_SET_GUEST_DEBUG2] =
		CAP_ENTRY(KVM_CAP_SET_GUEST_DEBUG2, false,
			  "x86 guest_debug record (control bits)"),
	[VMM_CAP_XSAVE] = CAP_ENTRY(KVM_CAP_XSAVE, false,
				    "x86 xsave records (KVM_GET/SET_XSAVE)"),
	[VMM_CAP_XSAVE2] = CAP_ENTRY(KVM_CAP_XSAVE2, false,
				     "x86 xsave records: the KVM_GET_XSAVE2 "
				     "size"),
	[VMM_CAP_XCRS] = CAP_ENTRY(KVM_CAP_XCRS, false,
				   "x86 xcr records (KVM_SET_XCRS)"),
	[VMM_CAP_IRQCHIP] = CAP_ENTRY(KVM_CAP_IRQCHIP, false,
				      "x86 irqchip record mode=kernel"),
	[VMM_CAP_SPLIT_IRQCHIP] = CAP_ENTRY(KVM_CAP_SPLIT_IRQCHIP, false,
					    "x86 irqchip record mode=split"),
	[VMM_CAP_PIT2] = CAP_ENTRY(KVM_CAP_PIT2, false,
				   "x86 irqchip record: the in-kernel PIT"),
	[VMM_CAP_SIGNAL_MSI] = CAP_ENTRY(KVM_CAP_SIGNAL_MSI, false,
					 "x86 irq records type=msi"),
	[VMM_CAP_MP_STATE] = CAP_ENTRY(KVM_CAP_MP_STATE, false,
				       "x86 in-kernel LAPIC: a halted vCPU "
				       "ends the run"),
};
#undef CAP_ENTRY

const struct vmm_cap_desc *vmm_cap_desc(enum vmm_cap cap)
{
	if ((unsigned int)cap >= VMM_CAP_COUNT)
		return NULL;
	return &vmm_caps[cap];
}

int vmm_kvm_cap(const struct vmm_kvm *k, enum vmm_cap cap)
{
	if ((unsigned int)cap >= VMM_CAP_COUNT)
		return 0;
	return k->cap[cap];
}

static void host_open_error(struct vmm_error *e, const char *path)
{
	switch (e->err) {
	case ENOENT:
	case ENXIO:
	case ENODEV:
		e->cls = VMM_ERR_HOST;
		vmm_err_prefix(e, "KVM is not available (load kvm_intel/"
				  "kvm_amd, or enable nested virtualization)");
		break;
	case EACCES:
	case EPERM:
		e->cls = VMM_ERR_HOST;
		vmm_err_prefix(e,
			       "no permission for %s (run as root or join "
			       "the kvm group)",
			       path);
		break;
	default:
		break;
	}
}

int vmm_kvm_open(struct vmm_kvm *k, const char *path,
		 const struct vmm_sysops *ops, struct vmm_error *e)
{
	int ret;

	memset(k, 0, sizeof(*k));
	k->fd = -1;
	k->ops = ops ? ops : vmm_sysops_default();
	if (!path)
		path = VMM_KVM_DEFAULT_PATH;

	k->fd = vmm_open(k->ops, path, O_RDWR, e);
	if (k->fd < 0) {
		host_open_error(e, path);
		return -1;
	}

	ret = VMM_IOCTL_VAL(k->ops, k->fd, KVM_GET_API_VERSION, 0, e);
	if (ret < 0)
		goto fail;
	k->api_version = ret;
	if (ret != VMM_KVM_API_VERSION) {
		vmm_err_set(e, VMM_ERR_HOST, "KVM_GET_API_VERSION", 0,
			    "KVM API version %d, this VMM needs %d (kernel too "
			    "old or too new)",
			    ret, VMM_KVM_API_VERSION);
		goto fail;
	}

	for (unsigned int i = 0; i < VMM_CAP_COUNT; i++) {
		ret = VMM_IOCTL_VAL(k->ops, k->fd, KVM_CHECK_EXTENSION,
				    vmm_caps[i].id, e);
		if (ret < 0) {
			vmm_err_prefix(e, "probing %s", vmm_caps[i].name);
			goto fail;
		}
		k->cap[i] = ret;
		if (vmm_caps[i].required && ret == 0) {
			vmm_err_set(
				e, VMM_ERR_HOST, "KVM_CHECK_EXTENSION", 0,
				"host KVM lacks required capability %s (%s);"
				" a newer kernel is needed",
				vmm_caps[i].name, vmm_caps[i].use);
			goto fail;
		}
	}

	ret = VMM_IOCTL_VAL(k->ops, k->fd, KVM_GET_VCPU_MMAP_SIZE, 0, e);
	if (ret < 0)
		goto fail;
	if ((size_t)ret < sizeof(struct kvm_run)) {
		vmm_err_contract(e, "KVM_GET_VCPU_MMAP_SIZE", "size",
				 "vcpu mmap size %d is smaller than struct "
				 "kvm_run (%zu)",
				 ret, sizeof(struct kvm_run));
		goto fail;
	}
	k->run_mmap_size = (size_t)ret;
	return 0;

fail:
	vmm_close(k->ops, k->fd);
	k->fd = -1;
	return -1;
}

void vmm_kvm_close(struct vmm_kvm *k)
{
	if (!k)
		return;
	vmm_closer_stop(k);
	vmm_close(k->ops, k->fd);
	k->fd = -1;
}

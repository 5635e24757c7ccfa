#include "vmm/reach.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/scenario.h"

/* ---- names ------------------------------------------------------------- */

#define IOCTL_NAME(r) \
	{             \
		r, #r \
	}
static const struct {
	unsigned long req;
	const char *name;
} kvm_ioctls[] = {
	/* system and VM */
	IOCTL_NAME(KVM_GET_API_VERSION),
	IOCTL_NAME(KVM_CREATE_VM),
	IOCTL_NAME(KVM_CHECK_EXTENSION),
	IOCTL_NAME(KVM_GET_VCPU_MMAP_SIZE),
	IOCTL_NAME(KVM_CREATE_VCPU),
	IOCTL_NAME(KVM_SET_USER_MEMORY_REGION),
	IOCTL_NAME(KVM_ENABLE_CAP),
	IOCTL_NAME(KVM_GET_DIRTY_LOG),
	IOCTL_NAME(KVM_CLEAR_DIRTY_LOG),
	IOCTL_NAME(KVM_RESET_DIRTY_RINGS),
	/* vCPU */
	IOCTL_NAME(KVM_RUN),
	IOCTL_NAME(KVM_GET_ONE_REG),
	IOCTL_NAME(KVM_SET_ONE_REG),
	IOCTL_NAME(KVM_GET_REG_LIST),
	IOCTL_NAME(KVM_GET_MP_STATE),
	IOCTL_NAME(KVM_SET_DEVICE_ATTR),
	IOCTL_NAME(KVM_SET_GUEST_DEBUG),
#if defined(__x86_64__)
	IOCTL_NAME(KVM_GET_REGS),
	IOCTL_NAME(KVM_SET_REGS),
	IOCTL_NAME(KVM_GET_SREGS),
	IOCTL_NAME(KVM_SET_SREGS),
	IOCTL_NAME(KVM_SET_TSS_ADDR),
	IOCTL_NAME(KVM_SET_IDENTITY_MAP_ADDR),
	IOCTL_NAME(KVM_GET_MSR_INDEX_LIST),
	IOCTL_NAME(KVM_GET_MSRS),
	IOCTL_NAME(KVM_SET_MSRS),
	IOCTL_NAME(KVM_SET_CPUID2),
	IOCTL_NAME(KVM_GET_DEBUGREGS),
	IOCTL_NAME(KVM_SET_DEBUGREGS),
	IOCTL_NAME(KVM_GET_VCPU_EVENTS),
	IOCTL_NAME(KVM_SET_VCPU_EVENTS),
	IOCTL_NAME(KVM_X86_SET_MSR_FILTER),
	IOCTL_NAME(KVM_GET_XCRS),
	IOCTL_NAME(KVM_SET_XCRS),
	IOCTL_NAME(KVM_GET_XSAVE),
	IOCTL_NAME(KVM_GET_XSAVE2),
	IOCTL_NAME(KVM_SET_XSAVE),
	IOCTL_NAME(KVM_GET_FPU),
	IOCTL_NAME(KVM_SET_FPU),
	IOCTL_NAME(KVM_CREATE_IRQCHIP),
	IOCTL_NAME(KVM_CREATE_PIT2),
	IOCTL_NAME(KVM_GET_PIT2),
	IOCTL_NAME(KVM_GET_IRQCHIP),
	IOCTL_NAME(KVM_IRQ_LINE),
	IOCTL_NAME(KVM_SIGNAL_MSI),
	IOCTL_NAME(KVM_GET_LAPIC),
	IOCTL_NAME(KVM_SET_LAPIC),
	IOCTL_NAME(KVM_SET_MP_STATE),
	IOCTL_NAME(KVM_NMI),
	IOCTL_NAME(KVM_SMI),
	IOCTL_NAME(KVM_INTERRUPT),
#elif defined(__aarch64__)
	IOCTL_NAME(KVM_ARM_PREFERRED_TARGET),
	IOCTL_NAME(KVM_ARM_VCPU_INIT),
	IOCTL_NAME(KVM_CREATE_DEVICE),
	IOCTL_NAME(KVM_IRQ_LINE),
#endif
};

const char *vmm_kvm_ioctl_name(unsigned long req)
{
	for (size_t i = 0; i < sizeof(kvm_ioctls) / sizeof(kvm_ioctls[0]); i++)
		if (kvm_ioctls[i].req == req)
			return kvm_ioctls[i].name;
	return NULL;
}

const char *vmm_reach_result_name(int err)
{
	if (err == 0)
		return "ok";
	if (err < 0)
		return "bad-result";
	return vmm_errno_name(err);
}

/* Indexed by kind: a record added to the enum cannot shift the others. */
static const char *const record_names[VMM_REC_COUNT] = {
	[VMM_REC_LIMITS] = "limits",
	[VMM_REC_CONSOLE] = "console",
	[VMM_REC_SYSAREA] = "sysarea",
	[VMM_REC_SLOT] = "slot",
	[VMM_REC_FILL] = "fill",
	[VMM_REC_BLOB] = "blob",
	[VMM_REC_INPUT] = "input",
	[VMM_REC_VCPU] = "vcpu",
	[VMM_REC_REG] = "reg",
	[VMM_REC_SREG] = "sreg",
	[VMM_REC_SEG] = "seg",
	[VMM_REC_FEATURES] = "features",
	[VMM_REC_MSR] = "msr",
	[VMM_REC_CPUID] = "cpuid",
	[VMM_REC_DEBUGREGS] = "debugregs",
	[VMM_REC_EVENTS] = "events",
	[VMM_REC_MSR_EXITS] = "msr_exits",
	[VMM_REC_HYPERCALL] = "hypercall",
	[VMM_REC_GUEST_DEBUG] = "guest_debug",
	[VMM_REC_ONE_REG] = "one_reg",
	[VMM_REC_VGIC] = "vgic",
	[VMM_REC_IRQ_LINE] = "irq_line",
	[VMM_REC_FPU] = "fpu",
	[VMM_REC_XSAVE] = "xsave",
	[VMM_REC_XCR] = "xcr",
	[VMM_REC_IRQCHIP] = "irqchip",
	[VMM_REC_IRQ] = "irq",
	[VMM_REC_LAPIC] = "lapic",
	[VMM_REC_ACTION] = "action",
};

const char *vmm_reach_record_name(unsigned int kind)
{
	return kind < VMM_REC_COUNT && record_names[kind] ? record_names[kind]
							  : "?";
}

/* ---- the counting table ------------------------------------------------ */

static void count_ioctl(struct vmm_reach *r, unsigned long req, int err)
{
	struct vmm_reach_ioctl *c = NULL;

	for (uint32_t i = 0; i < r->nioctl; i++) {
		if (r->ioctl[i].req == req && r->ioctl[i].err == err) {
			c = &r->ioctl[i];
			break;
		}
	}
	if (!c) {
		if (r->nioctl == VMM_REACH_IOCTL_MAX) {
			r->ioctl_dropped++;
			return;
		}
		c = &r->ioctl[r->nioctl++];
		memset(c, 0, sizeof(*c));
		c->req = req;
		c->err = err;
	}
	c->calls++;
	if (c->inputs == 0 || c->last != r->inputs) {
		c->inputs++;
		c->last = r->inputs;
	}
}

static int reach_open(void *ctx, const char *path, int flags)
{
	struct vmm_reach *r = ctx;

	return r->inner->open(r->inner->ctx, path, flags);
}

static int reach_close(void *ctx, int fd)
{
	struct vmm_reach *r = ctx;

	return r->inner->close(r->inner->ctx, fd);
}

static int reach_ioctl(void *ctx, int fd, unsigned long req, void *arg)
{
	struct vmm_reach *r = ctx;
	int rc = r->inner->ioctl(r->inner->ctx, fd, req, arg);
	int saved = errno;

	if (r->active)
		count_ioctl(r, req, rc >= 0 ? 0 : rc == -1 ? saved : -1);
	errno = saved;
	return rc;
}

static void *reach_mmap(void *ctx, void *addr, size_t len, int prot, int flags,
			int fd, off_t off)
{
	struct vmm_reach *r = ctx;

	return r->inner->mmap(r->inner->ctx, addr, len, prot, flags, fd, off);
}

static int reach_munmap(void *ctx, void *addr, size_t len)
{
	struct vmm_reach *r = ctx;

	return r->inner->munmap(r->inner->ctx, addr, len);
}

void vmm_reach_init(struct vmm_reach *r, const struct vmm_sysops *inner)
{
	memset(r, 0, sizeof(*r));
	r->inner = inner ? inner : vmm_sysops_default();
	r->ops.open = reach_open;
	r->ops.close = reach_close;
	r->ops.ioctl = reach_ioctl;
	r->ops.mmap = reach_mmap;
	r->ops.munmap = reach_munmap;
	r->ops.ctx = r;
}

const struct vmm_sysops *vmm_reach_ops(struct vmm_reach *r)
{
	return &r->ops;
}

int vmm_reach_open(struct vmm_reach *r, struct vmm_kvm *k, const char *path,
		   struct vmm_error *e)
{
	char report[2048];

	if (vmm_kvm_open(k, path, &r->ops, e) < 0)
		return -1;
	/* the mode probes (x86) and the preferred target (arm64): once per
	 * struct vmm_kvm, whichever input would come first otherwise */
	(void)vmm_arch_host_report(k, report, sizeof(report));
	return 0;
}

/* ---- one input --------------------------------------------------------- */

static void on_exit_record(void *ctx, uint32_t vcpu, const struct vmm_exit *x)
{
	struct vmm_reach *r = ctx;

	(void)vcpu;
	if (x->reason < VMM_REACH_EXIT_MAX)
		r->exit_seen |= 1ULL << x->reason;
	else
		r->exit_other_seen = 1;
}

static void count_records(struct vmm_reach *r, const struct vmm_scenario *s)
{
	int has[VMM_REC_COUNT];

	memset(has, 0, sizeof(has));
	has[VMM_REC_LIMITS] = 1; /* required */
	has[VMM_REC_CONSOLE] = s->mmio_console != 0;
	has[VMM_REC_SYSAREA] = s->sys_fixed != 0;
	has[VMM_REC_SLOT] = s->nslots > 0;
	has[VMM_REC_FILL] = s->nfills > 0;
	has[VMM_REC_BLOB] = s->nblobs > 0;
	has[VMM_REC_INPUT] = s->has_input != 0;
	has[VMM_REC_VCPU] = s->nvcpus > 0;
	has[VMM_REC_MSR_EXITS] = s->nmsr_exits > 0;
	has[VMM_REC_HYPERCALL] = s->has_hypercall != 0;
	for (uint32_t i = 0; i < s->nvcpus && i < VMM_MAX_VCPUS; i++) {
		const struct vmm_vcpu_spec *v = &s->vcpus[i];

		has[VMM_REC_REG] |= v->reg_mask != 0;
		has[VMM_REC_SREG] |= v->sreg_mask != 0;
		has[VMM_REC_SEG] |= v->seg_mask != 0;
		has[VMM_REC_FEATURES] |= v->features != 0;
		has[VMM_REC_MSR] |= v->nmsrs != 0;
		has[VMM_REC_CPUID] |= v->ncpuid != 0;
		has[VMM_REC_DEBUGREGS] |= v->has_dregs != 0;
		has[VMM_REC_EVENTS] |= v->has_events != 0;
		has[VMM_REC_GUEST_DEBUG] |= v->has_gdbg != 0;
		has[VMM_REC_ONE_REG] |= v->n_one_regs != 0;
		has[VMM_REC_FPU] |= v->has_fpu != 0;
		has[VMM_REC_XSAVE] |= v->has_xsave != 0;
		has[VMM_REC_XCR] |= v->has_xcr != 0;
		has[VMM_REC_LAPIC] |= v->nlapic != 0;
	}
	has[VMM_REC_VGIC] = s->has_vgic != 0;
	has[VMM_REC_IRQ_LINE] = s->n_irq_lines != 0;
	has[VMM_REC_IRQCHIP] = s->has_irqchip != 0;
	has[VMM_REC_IRQ] = s->nirqs > 0;
	has[VMM_REC_ACTION] = s->nactions > 0;
	for (unsigned int k = 0; k < VMM_REC_COUNT; k++)
		if (has[k])
			r->records[k]++;
}

void vmm_reach_input(struct vmm_reach *r, struct vmm_kvm *k, const uint8_t *buf,
		     size_t len, struct vmm_watchdog *wd,
		     struct vmm_input_outcome *o)
{
	struct vmm_hooks hooks;

	memset(&hooks, 0, sizeof(hooks));
	hooks.on_exit = on_exit_record;
	hooks.ctx = r;
	r->inputs++;
	r->exit_seen = 0;
	r->exit_other_seen = 0;
	r->active = 1;
	vmm_run_input(k, buf, len, &hooks, NULL, wd, o);
	r->active = 0;
	if (!o->decoded)
		return;
	r->scenarios++;
	for (unsigned int i = 0; i < VMM_REACH_EXIT_MAX; i++)
		if (r->exit_seen & (1ULL << i))
			r->exits[i]++;
	if (r->exit_other_seen)
		r->exit_other++;
	if ((unsigned int)o->result.verdict < VMM_V_COUNT)
		r->verdicts[o->result.verdict]++;
	if ((unsigned int)o->finding < VMM_FIND_COUNT)
		r->findings[o->finding]++;
	count_records(r, &o->scenario);
}

/* ---- reports ----------------------------------------------------------- */

static const char *req_name(unsigned long req)
{
	const char *n = vmm_kvm_ioctl_name(req);

	return n ? n : "";
}

static int cmp_ioctl(const void *pa, const void *pb)
{
	const struct vmm_reach_ioctl *a = pa, *b = pb;
	int c = strcmp(req_name(a->req), req_name(b->req));

	if (c != 0)
		return c;
	if (a->req != b->req)
		return a->req < b->req ? -1 : 1;
	if ((a->err == 0) != (b->err == 0))
		return a->err == 0 ? -1 : 1;
	return strcmp(vmm_reach_result_name(a->err),
		      vmm_reach_result_name(b->err));
}

void vmm_reach_sort(struct vmm_reach *r)
{
	qsort(r->ioctl, r->nioctl, sizeof(r->ioctl[0]), cmp_ioctl);
}

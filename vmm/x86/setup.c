/* The x86 stages of the pipeline (vmm/pipeline_ctx.h): the VMM's tables
 * (GDT, page tables) placed in guest RAM, the per-mode host probes, vCPU
 * registers and sregs from the mode preset plus the scenario's overrides. */
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>

#include "vmm/pipeline_ctx.h"
#include "vmm/session.h"
#include "vmm/x86/cpu_bits.h"
#include "vmm/x86/layout.h"
#include "vmm/x86/mode.h"
#include "vmm/x86/regs.h"
#include "vmm/x86/setup.h"
#include "vmm/x86/vcpu_state.h"

static uint64_t sys_need(const struct vmm_scenario *s)
{
	uint64_t need = 0;

	for (uint32_t i = 0; i < s->nvcpus; i++) {
		uint64_t n = vmm_x86_sysarea_size(
			(enum vmm_x86_mode)s->vcpus[i].mode);

		if (n > need)
			need = n;
	}
	return need;
}

static int sys_fits(const struct vmm_scenario *s, uint64_t at, uint64_t need)
{
	const struct vmm_slot_spec *sl = vmm_scenario_slot_holding(s, at, need);

	if (!sl || (sl->flags & VMM_SLOT_READONLY) ||
	    (at & (VMM_PAGE_SIZE - 1)))
		return 0;
	for (uint32_t b = 0; b < s->nblobs; b++)
		if (vmm_ranges_overlap(at, need, s->blobs[b].gpa,
				       s->blobs[b].len))
			return 0;
	return 1;
}

/* Where the VMM's own tables go: never on a loaded blob. */
static int place_sys(const struct vmm_scenario *s, uint64_t need, uint64_t *at,
		     struct vmm_error *e)
{
	const uint64_t pg = VMM_PAGE_SIZE;
	int found = 0;

	if (need == 0) {
		*at = 0;
		return 0;
	}
	if (s->sys_fixed) {
		if (s->sys_gpa & (pg - 1))
			return vmm_scenario_reject(
				e,
				"VMM structures address 0x%llx is not page "
				"aligned",
				(unsigned long long)s->sys_gpa);
		if (!vmm_scenario_slot_holding(s, s->sys_gpa, need))
			return vmm_scenario_reject(
				e,
				"VMM structures [0x%llx, 0x%llx) do not fit"
				" in guest memory",
				(unsigned long long)s->sys_gpa,
				(unsigned long long)s->sys_gpa + need);
		for (uint32_t b = 0; b < s->nblobs; b++)
			if (vmm_ranges_overlap(s->sys_gpa, need,
					       s->blobs[b].gpa,
					       s->blobs[b].len))
				return vmm_scenario_reject(
					e,
					"VMM structures [0x%llx, 0x%llx) "
					"overlap the image at [0x%llx, 0x%llx)",
					(unsigned long long)s->sys_gpa,
					(unsigned long long)s->sys_gpa + need,
					(unsigned long long)s->blobs[b].gpa,
					(unsigned long long)s->blobs[b].gpa +
						s->blobs[b].len);
		if (!sys_fits(s, s->sys_gpa, need))
			return vmm_scenario_reject(
				e,
				"VMM structures at 0x%llx must be in "
				"writable memory",
				(unsigned long long)s->sys_gpa);
		*at = s->sys_gpa;
		return 0;
	}
	/* Candidates: the top of each writable slot and the gaps right below
	 * and above every blob; the highest one that fits wins. */
	for (uint32_t i = 0; i < s->nslots; i++) {
		const struct vmm_slot_spec *sl = &s->slots[i];
		uint64_t cand[2 + 2 * VMM_MAX_BLOBS];
		uint32_t nc = 0;

		if (sl->size < need)
			continue;
		cand[nc++] = sl->gpa + sl->size - need;
		for (uint32_t b = 0; b < s->nblobs; b++) {
			uint64_t lo = s->blobs[b].gpa & ~(pg - 1);
			uint64_t end = s->blobs[b].gpa + s->blobs[b].len;
			uint64_t hi = (end + pg - 1) & ~(pg - 1);

			if (lo >= need)
				cand[nc++] = lo - need;
			cand[nc++] = hi;
		}
		for (uint32_t c = 0; c < nc; c++) {
			if (sys_fits(s, cand[c], need) &&
			    cand[c] + need <= VMM_X86_RAM_LIMIT &&
			    (!found || cand[c] > *at)) {
				*at = cand[c];
				found = 1;
			}
		}
	}
	if (!found)
		return vmm_scenario_reject(
			e,
			"no room for the VMM's %llu-byte mode structures "
			"(GDT/page tables) in writable guest memory outside "
			"the loaded image: give the guest more memory",
			(unsigned long long)need);
	return 0;
}

int vmm_x86_place_sys(const struct vmm_scenario *s, uint64_t *gpa,
		      uint64_t *size, struct vmm_error *e)
{
	*size = sys_need(s);
	return place_sys(s, *size, gpa, e);
}

int vmm_arch_plan(struct run_ctx *c, struct vmm_error *e)
{
	return vmm_x86_place_sys(c->s, &c->r->sys_gpa, &c->r->sys_size, e);
}

/* What the host lacks for vCPU i's events record, or NULL. */
static const char *events_missing(struct vmm_kvm *k,
				  const struct vmm_vcpu_spec *vs)
{
	if (!vs->has_events)
		return NULL;
	if ((vs->ev_flags & VMM_EV_EXC_PENDING) &&
	    !vmm_kvm_cap(k, VMM_CAP_EXCEPTION_PAYLOAD))
		return "KVM_CAP_EXCEPTION_PAYLOAD (a pending exception)";
	if ((vs->ev_flags & (VMM_EV_SMI_PENDING | VMM_EV_SMM)) &&
	    !vmm_kvm_cap(k, VMM_CAP_X86_SMM))
		return "KVM_CAP_X86_SMM (an SMI or SMM)";
	if ((vs->ev_flags & VMM_EV_TRIPLE_FAULT) &&
	    !vmm_kvm_cap(k, VMM_CAP_X86_TRIPLE_FAULT_EVENT))
		return "KVM_CAP_X86_TRIPLE_FAULT_EVENT (a triple fault)";
	return NULL;
}

/* long64: KVM_HC_MAP_GPA_RANGE (12, the one hypercall KVM forwards) for
 * one page at 0x2000, then HLT (hand-assembled). */
static const uint8_t hc_probe_code[] = {
	0xb8, 0x0c, 0x00, 0x00, 0x00, /* mov eax, 12 */
	0xbb, 0x00, 0x20, 0x00, 0x00, /* mov ebx, 0x2000 */
	0xb9, 0x01, 0x00, 0x00, 0x00, /* mov ecx, 1 */
	0x31, 0xd2,		      /* xor edx, edx */
	0x0f, 0x01, 0xc1,	      /* vmcall */
	0xf4,			      /* hlt */
};

/* Does a VMCALL reach the VMM as KVM_EXIT_HYPERCALL? KVM_CAP_EXIT_HYPERCALL
 * alone does not say: on kvm-pvm a VMCALL in the guest's (emulated) CPL0
 * code never completes, so every input with a hypercall record ran until
 * its clock stopped it (with a 1 ms limit, 78 of the 142 timeouts of
 * 3,000 mutants). A probe guest tells, once per handle (vmm/x86/setup.h).
 */
void vmm_x86_hc_probe_scenario(struct vmm_scenario *s)
{
	vmm_x86_probe_scenario(s, VMM_MODE_LONG64);
	s->blobs[0].data = hc_probe_code;
	s->blobs[0].len = sizeof(hc_probe_code);
	s->has_hypercall = 1;
	s->hypercall_mask = 1ULL << 12;
	s->timeout_ms = VMM_HC_PROBE_MS;
}

int vmm_x86_hypercall_forwarded(struct vmm_kvm *k)
{
	struct vmm_scenario s;
	struct vmm_result r;
	char why[VMM_ERR_MSG_MAX + 64];

	if (k->arch.hc_probe != VMM_PROBE_UNKNOWN)
		return k->arch.hc_probe == VMM_PROBE_OK ? 0 : -1;
	vmm_x86_hc_probe_scenario(&s);
	(void)vmm_pipeline_run_unchecked(k, &s, &r);
	k->arch.hc_probe = VMM_PROBE_FAILS;
	if (r.verdict == VMM_V_HALT && r.exits >= 2) {
		k->arch.hc_probe = VMM_PROBE_OK;
		return 0;
	}
	if (r.verdict == VMM_V_HALT) {
		(void)snprintf(k->arch.hc_probe_why,
			       sizeof(k->arch.hc_probe_why),
			       "a VMCALL probe completed inside KVM without "
			       "KVM_EXIT_HYPERCALL");
		return -1;
	}
	vmm_err_format(&r.err, why, sizeof(why));
	(void)snprintf(k->arch.hc_probe_why, sizeof(k->arch.hc_probe_why),
		       "a VMCALL probe did not reach the VMM: %.110s", why);
	return -1;
}

/* What the host lacks for the exit records (msr_exits, hypercall,
 * guest_debug), or NULL. */
static const char *exits_missing(struct vmm_kvm *k,
				 const struct vmm_scenario *s)
{
	if (s->nmsr_exits && !vmm_kvm_cap(k, VMM_CAP_X86_USER_SPACE_MSR))
		return "msr_exits records need KVM_CAP_X86_USER_SPACE_MSR";
	if (s->nmsr_exits && !vmm_kvm_cap(k, VMM_CAP_X86_MSR_FILTER))
		return "msr_exits records need KVM_CAP_X86_MSR_FILTER";
	if (s->has_hypercall && !vmm_kvm_cap(k, VMM_CAP_EXIT_HYPERCALL))
		return "the hypercall record needs KVM_CAP_EXIT_HYPERCALL";
	for (uint32_t i = 0; i < s->nvcpus; i++)
		if (s->vcpus[i].has_gdbg &&
		    !vmm_kvm_cap(k, VMM_CAP_SET_GUEST_DEBUG))
			return "guest_debug records need KVM_CAP_SET_GUEST_DEBUG";
	return NULL;
}

int vmm_arch_host_check(struct run_ctx *c, struct vmm_error *e)
{
	const char *xmiss = exits_missing(c->k, c->s);

	if (xmiss) {
		vmm_err_set(e, VMM_ERR_HOST, "KVM_CHECK_EXTENSION", 0,
			    "%s, which this host's KVM lacks", xmiss);
		return -1;
	}
	if (c->s->has_hypercall && vmm_x86_hypercall_forwarded(c->k) < 0) {
		vmm_err_set(e, VMM_ERR_HOST, "hypercall probe", 0,
			    "the hypercall record needs a KVM that passes a "
			    "guest's VMCALL on as KVM_EXIT_HYPERCALL, and "
			    "this host's does not: %s",
			    c->k->arch.hc_probe_why);
		return -1;
	}
	const char *act_miss = vmm_x86_action_missing(c->k, c->s);

	if (act_miss) {
		vmm_err_set(e, VMM_ERR_HOST, "KVM_CHECK_EXTENSION", 0,
			    "the scenario has action records and this host's "
			    "KVM lacks %s",
			    act_miss);
		return -1;
	}
	const char *irq_miss = vmm_x86_irq_missing(c->k, c->s);

	if (irq_miss) {
		vmm_err_set(e, VMM_ERR_HOST, "KVM_CHECK_EXTENSION", 0,
			    "the scenario has an irqchip record and this "
			    "host's KVM lacks %s",
			    irq_miss);
		return -1;
	}
	for (uint32_t i = 0; i < c->s->nvcpus; i++) {
		const char *miss = events_missing(c->k, &c->s->vcpus[i]);

		if (miss) {
			vmm_err_set(e, VMM_ERR_HOST, "KVM_CHECK_EXTENSION", 0,
				    "vCPU %u has an events record and this "
				    "host's KVM lacks %s",
				    i, miss);
			return -1;
		}
	}
	for (uint32_t i = 0; i < c->s->nvcpus; i++) {
		const struct vmm_vcpu_spec *vs = &c->s->vcpus[i];
		int xs2 = vmm_kvm_cap(c->k, VMM_CAP_XSAVE2);
		const char *miss = NULL;

		if (vs->has_xsave && !vmm_kvm_cap(c->k, VMM_CAP_XSAVE))
			miss = "KVM_CAP_XSAVE (an xsave record)";
		else if (vs->has_xsave && xs2 > (int)VMM_MAX_XSAVE_SIZE)
			miss = "an XSAVE size within VMM_MAX_XSAVE_SIZE "
			       "(KVM_CAP_XSAVE2; an xsave record)";
		else if (vs->has_fpu && vmm_kvm_cap(c->k, VMM_CAP_XSAVE) &&
			 xs2 > (int)VMM_MAX_XSAVE_SIZE)
			miss = "an XSAVE size within VMM_MAX_XSAVE_SIZE "
			       "(KVM_CAP_XSAVE2; an fpu record)";
		else if (vs->has_xcr && !vmm_kvm_cap(c->k, VMM_CAP_XCRS))
			miss = "KVM_CAP_XCRS (an xcr record)";
		if (miss) {
			vmm_err_set(e, VMM_ERR_HOST, "KVM_CHECK_EXTENSION", 0,
				    "vCPU %u: this host's KVM lacks %s", i,
				    miss);
			return -1;
		}
	}
	for (uint32_t i = 0; i < c->s->nvcpus; i++)
		if (c->s->vcpus[i].has_dregs &&
		    !vmm_kvm_cap(c->k, VMM_CAP_DEBUGREGS)) {
			vmm_err_set(e, VMM_ERR_HOST, "KVM_CHECK_EXTENSION", 0,
				    "vCPU %u has a debugregs record and this "
				    "host's KVM lacks KVM_CAP_DEBUGREGS",
				    i);
			return -1;
		}
	for (uint32_t i = 0; i < c->s->nvcpus; i++)
		if (c->s->vcpus[i].ncpuid &&
		    !vmm_kvm_cap(c->k, VMM_CAP_EXT_CPUID)) {
			vmm_err_set(e, VMM_ERR_HOST, "KVM_CHECK_EXTENSION", 0,
				    "vCPU %u has cpuid records and this host's "
				    "KVM lacks KVM_CAP_EXT_CPUID "
				    "(KVM_SET_CPUID2)",
				    i);
			return -1;
		}
	for (uint32_t i = 0; i < c->s->nvcpus; i++)
		if (vmm_host_mode_check(c->k,
					(enum vmm_x86_mode)c->s->vcpus[i].mode,
					e) < 0)
			return -1;
	return 0;
}

static void seg_from_spec(struct kvm_segment *k, const struct vmm_seg_spec *g)
{
	memset(k, 0, sizeof(*k));
	k->base = g->base;
	k->limit = g->limit;
	k->selector = g->selector;
	k->type = (uint8_t)(g->attrs & VMM_SEGA_TYPE_MASK);
	k->s = (g->attrs & VMM_SEGA_S) != 0;
	k->dpl =
		(uint8_t)((g->attrs & VMM_SEGA_DPL_MASK) >> VMM_SEGA_DPL_SHIFT);
	k->present = (g->attrs & VMM_SEGA_P) != 0;
	k->avl = (g->attrs & VMM_SEGA_AVL) != 0;
	k->l = (g->attrs & VMM_SEGA_L) != 0;
	k->db = (g->attrs & VMM_SEGA_DB) != 0;
	k->g = (g->attrs & VMM_SEGA_G) != 0;
	k->unusable = (g->attrs & VMM_SEGA_UNUSABLE) != 0;
}

/* Raw overrides on top of the mode preset (scenario SREG/SEG records). */
static void apply_sreg_overrides(const struct vmm_vcpu_spec *vs,
				 struct kvm_sregs *sr)
{
	struct kvm_segment *segs[VMM_SEG_COUNT] = {
		&sr->cs, &sr->ds, &sr->es, &sr->fs,
		&sr->gs, &sr->ss, &sr->tr, &sr->ldt,
	};
	__u64 *fields[VMM_SREG_COUNT] = {
		&sr->cr0, &sr->cr2,	 &sr->cr3,	 &sr->cr4,
		&sr->cr8, &sr->efer,	 &sr->apic_base, &sr->gdt.base,
		NULL,	  &sr->idt.base, NULL,
	};

	for (unsigned int f = 0; f < VMM_SREG_COUNT; f++) {
		if (!(vs->sreg_mask & (1U << f)))
			continue;
		if (f == VMM_SREG_GDT_LIMIT)
			sr->gdt.limit = (uint16_t)vs->sregs[f];
		else if (f == VMM_SREG_IDT_LIMIT)
			sr->idt.limit = (uint16_t)vs->sregs[f];
		else
			*fields[f] = vs->sregs[f];
	}
	for (unsigned int g = 0; g < VMM_SEG_COUNT; g++)
		if (vs->seg_mask & (1U << g))
			seg_from_spec(segs[g], &vs->segs[g]);
}

int vmm_x86_vcpu_state(const struct vmm_vcpu_spec *vs, struct kvm_sregs *sr,
		       uint8_t *area, uint64_t sys_gpa, uint64_t sys_size,
		       struct kvm_regs *regs, struct vmm_error *e)
{
	uint64_t ip = 0;

	if (vmm_x86_setup_mode((enum vmm_x86_mode)vs->mode, sr, area, sys_gpa,
			       sys_size, vs->entry, &ip, e) < 0)
		return -1;
	apply_sreg_overrides(vs, sr);
	memset(regs, 0, sizeof(*regs));
	regs->rip = ip;
	regs->rflags = X86_EFLAGS_FIXED;
	for (unsigned int ri = 0; ri < VMM_X86_NREGS; ri++)
		if (vs->reg_mask & (1ULL << ri))
			vmm_x86_reg_set(regs, ri, vs->regs[ri]);
	return 0;
}

static int vcpu_regs(struct run_ctx *c, uint32_t i, struct vmm_error *e);

/* Reset mode: sregs KVM_SET_SREGS accepted on vCPU i of this session's VM
 * before can go in through KVM_CAP_SYNC_REGS (KVM's checks of sregs depend
 * on nothing else, so KVM_RUN cannot reject them). */
static int sregs_known(const struct vmm_session *ss, uint32_t i,
		       const struct kvm_sregs *sr)
{
	const struct vmm_session_arch *a = &ss->arch;

	if (i >= ss->nvcpus)
		return 0;
	for (uint32_t j = 0; j < a->nsregs_ok[i]; j++)
		if (memcmp(&a->sregs_ok[i][j], sr, sizeof(*sr)) == 0)
			return 1;
	return 0;
}

static void sregs_accepted(struct vmm_session *ss, uint32_t i,
			   const struct kvm_sregs *sr)
{
	struct vmm_session_arch *a = &ss->arch;

	if (i >= ss->nvcpus || sregs_known(ss, i, sr))
		return;
	a->sregs_ok[i][a->sregs_ok_next[i]] = *sr;
	a->sregs_ok_next[i] = (a->sregs_ok_next[i] + 1) % VMM_SREGS_KNOWN;
	if (a->nsregs_ok[i] < VMM_SREGS_KNOWN)
		a->nsregs_ok[i]++;
}

static int load_state(struct run_ctx *c, uint32_t i,
		      const struct kvm_regs *regs, const struct kvm_sregs *sr,
		      struct vmm_error *e);

int vmm_x86_supported_cpuid(struct vmm_kvm *k, struct vmm_error *e)
{
	uint8_t buf[sizeof(struct kvm_cpuid2) +
		    VMM_MAX_CPUID_ENTRIES * sizeof(struct kvm_cpuid_entry2)]
		__attribute__((aligned(8)));
	struct kvm_cpuid2 *cp = (struct kvm_cpuid2 *)(void *)buf;

	if (k->arch.cpuid_ready)
		return 0;
	memset(buf, 0, sizeof(buf));
	cp->nent = VMM_MAX_CPUID_ENTRIES;
	if (VMM_IOCTL(k->ops, k->fd, KVM_GET_SUPPORTED_CPUID, cp, e) < 0)
		return -1;
	if (cp->nent > VMM_MAX_CPUID_ENTRIES) {
		vmm_err_contract(e, "KVM_GET_SUPPORTED_CPUID", "nent",
				 "kernel contract violation: %u entries for "
				 "a %u-entry buffer",
				 cp->nent, VMM_MAX_CPUID_ENTRIES);
		return -1;
	}
	memcpy(k->arch.cpuid, cp->entries, cp->nent * sizeof(cp->entries[0]));
	k->arch.ncpuid = cp->nent;
	k->arch.cpuid_ready = 1;
	return 0;
}

void vmm_x86_cpuid_override(struct kvm_cpuid_entry2 *ent, uint32_t *n,
			    const struct vmm_cpuid_spec *o)
{
	struct kvm_cpuid_entry2 *t = NULL;

	for (uint32_t j = 0; j < *n && !t; j++)
		if (ent[j].function == o->function && ent[j].index == o->index)
			t = &ent[j];
	if (!t) { /* a leaf KVM does not list: added, zero but for o */
		t = &ent[(*n)++];
		memset(t, 0, sizeof(*t));
		t->function = o->function;
		t->index = o->index;
		t->flags = o->index ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0;
	}
	switch (o->reg) {
	case VMM_CPUID_EAX:
		t->eax = o->value;
		break;
	case VMM_CPUID_EBX:
		t->ebx = o->value;
		break;
	case VMM_CPUID_ECX:
		t->ecx = o->value;
		break;
	default:
		t->edx = o->value;
		break;
	}
}

/* The scenario's CPUID records for vCPU i: KVM_GET_SUPPORTED_CPUID with the
 * overrides, through KVM_SET_CPUID2 before the sregs (which KVM checks
 * against it, as it does MSR writes). KVM refuses a CPUID it finds
 * inconsistent with EINVAL, more than 256 entries with E2BIG, and dynamic
 * XSAVE features (AMX) without the process's permission with EPERM: input
 * errors (vmm/oracle.c). */
static int apply_cpuid(struct run_ctx *c, uint32_t i, struct vmm_error *e)
{
	enum { MAXN = VMM_MAX_CPUID_ENTRIES + VMM_MAX_SCN_CPUID };
	uint8_t buf[sizeof(struct kvm_cpuid2) +
		    MAXN * sizeof(struct kvm_cpuid_entry2)]
		__attribute__((aligned(8)));
	const struct vmm_vcpu_spec *vs = &c->s->vcpus[i];
	struct kvm_cpuid2 *cp = (struct kvm_cpuid2 *)(void *)buf;
	uint32_t n;

	if (vmm_x86_supported_cpuid(c->k, e) < 0)
		return -1;
	memset(buf, 0, sizeof(buf));
	n = c->k->arch.ncpuid;
	memcpy(cp->entries, c->k->arch.cpuid, n * sizeof(cp->entries[0]));
	for (uint32_t j = 0; j < vs->ncpuid && j < VMM_MAX_SCN_CPUID; j++)
		vmm_x86_cpuid_override(cp->entries, &n, &vs->cpuid[j]);
	cp->nent = n;
	if (VCPU_IOCTL(&c->vcpus[i], KVM_SET_CPUID2, cp, e) < 0) {
		/* KVM checks the entries before it takes any */
		c->state_rejected =
			e->err == EINVAL || e->err == E2BIG || e->err == EPERM;
		return -1;
	}
	return 0;
}

/* The scenario's debugregs record for vCPU i, through KVM_SET_DEBUGREGS
 * before the sregs and registers (so that a refused record leaves the vCPU
 * in its creation state in both modes: reset mode's registers wait for
 * KVM_RUN): KVM refuses DR6 or DR7 with bits set in their upper halves
 * with EINVAL (an input error), and takes the rest as given. */
static int apply_dregs(struct run_ctx *c, uint32_t i, struct vmm_error *e)
{
	const struct vmm_vcpu_spec *vs = &c->s->vcpus[i];
	struct kvm_debugregs d;

	memset(&d, 0, sizeof(d));
	memcpy(d.db, vs->dr, sizeof(d.db));
	d.dr6 = vs->dr6;
	d.dr7 = vs->dr7;
	if (VCPU_IOCTL(&c->vcpus[i], KVM_SET_DEBUGREGS, &d, e) < 0) {
		c->state_rejected = e->err == EINVAL;
		return -1;
	}
	return 0;
}

/* The scenario's xcr record for vCPU i: XCR0 through KVM_SET_XCRS. KVM
 * refuses (EINVAL, an input error) an XCR0 without x87, with AVX but not
 * SSE, or with bits the vCPU's CPUID does not offer: a vCPU without cpuid
 * records takes nothing but 1, its creation value. */
static int apply_xcr(struct run_ctx *c, uint32_t i, struct vmm_error *e)
{
	struct kvm_xcrs x;

	memset(&x, 0, sizeof(x));
	x.nr_xcrs = 1;
	x.xcrs[0].xcr = 0;
	x.xcrs[0].value = c->s->vcpus[i].xcr0;
	if (VCPU_IOCTL(&c->vcpus[i], KVM_SET_XCRS, &x, e) < 0) {
		c->state_rejected = e->err == EINVAL;
		return -1;
	}
	return 0;
}

/* XCR0 in vCPU i's creation snapshot (1 if KVM listed none) */
static uint64_t creation_xcr0(const struct vmm_session *ss, uint32_t i)
{
	const struct kvm_xcrs *x = &ss->init[i].xcrs;

	for (uint32_t n = 0; n < x->nr_xcrs && n < KVM_MAX_XCRS; n++)
		if (x->xcrs[n].xcr == 0)
			return x->xcrs[n].value;
	return 1;
}

/* KVM_GET_XSAVE (4096 bytes, struct kvm_xsave) or, when KVM_CAP_XSAVE2
 * says the vCPU's state is larger, KVM_GET_XSAVE2 into buf (`size`
 * bytes, the standard uncompacted format). */
static int xsave_get(struct run_ctx *c, uint32_t i, uint8_t *buf, size_t size,
		     struct vmm_error *e)
{
	struct kvm_xsave *xs = (struct kvm_xsave *)(void *)buf;

	memset(buf, 0, size);
	if (size > sizeof(struct kvm_xsave))
		return VCPU_IOCTL(&c->vcpus[i], KVM_GET_XSAVE2, xs, e);
	return VCPU_IOCTL(&c->vcpus[i], KVM_GET_XSAVE, xs, e);
}

static int xsave_set(struct run_ctx *c, uint32_t i, const uint8_t *buf,
		     struct vmm_error *e)
{
	const struct kvm_xsave *xs =
		(const struct kvm_xsave *)(const void *)buf;

	if (VCPU_IOCTL(&c->vcpus[i], KVM_SET_XSAVE, xs, e) < 0) {
		c->state_rejected = e->err == EINVAL;
		return -1;
	}
	return 0;
}

/* The XSAVE buffer size for this host: KVM_CAP_XSAVE2's value when it is
 * larger than struct kvm_xsave (vmm_arch_host_check refuses one above
 * VMM_MAX_XSAVE_SIZE), else 4096. */
static size_t xsave_size(const struct vmm_kvm *k)
{
	int n = vmm_kvm_cap(k, VMM_CAP_XSAVE2);

	if (n > (int)sizeof(struct kvm_xsave) && n <= (int)VMM_MAX_XSAVE_SIZE)
		return (size_t)n;
	return sizeof(struct kvm_xsave);
}

/* The scenario's fpu record for vCPU i through KVM_SET_FPU. KVM writes
 * the record into the legacy (FXSAVE) area of the vCPU's XSAVE state and
 * leaves XSTATE_BV alone: on a vCPU whose x87/SSE state is still in its
 * init state (XSTATE_BV bits 0 and 1 clear, as at creation), the next
 * entry's XRSTOR would load the init state instead, and the guest would
 * never see the record. So with XSAVE the vCPU's state goes back through
 * KVM_GET_XSAVE/KVM_SET_XSAVE first with those two bits set (the values
 * KVM reports for an init component, so nothing else changes). KVM's
 * KVM_SET_FPU takes no MXCSR (the field is not copied): any value is
 * accepted and has no effect; MXCSR goes in through the xsave record.
 * KVM_SET_FPU documents no error for the contents. */
static int apply_fpu(struct run_ctx *c, uint32_t i, struct vmm_error *e)
{
	const struct vmm_vcpu_spec *vs = &c->s->vcpus[i];
	struct kvm_fpu f;

	if (vmm_kvm_cap(c->k, VMM_CAP_XSAVE)) {
		uint8_t buf[VMM_MAX_XSAVE_SIZE] __attribute__((aligned(64)));
		size_t size = xsave_size(c->k);
		uint64_t bv;

		if (xsave_get(c, i, buf, size, e) < 0)
			return -1;
		memcpy(&bv, buf + VMM_XSAVE_BV_OFF, sizeof(bv));
		if ((bv & 3) != 3) {
			bv |= 3;
			memcpy(buf + VMM_XSAVE_BV_OFF, &bv, sizeof(bv));
			if (xsave_set(c, i, buf, e) < 0)
				return -1;
		}
	}
	memset(&f, 0, sizeof(f));
	if (VCPU_IOCTL(&c->vcpus[i], KVM_GET_FPU, &f, e) < 0)
		return -1;
	f.fcw = vs->fpu_fcw;
	f.fsw = vs->fpu_fsw;
	f.ftwx = vs->fpu_ftwx;
	f.last_opcode = vs->fpu_fop;
	f.last_ip = vs->fpu_last_ip;
	f.last_dp = vs->fpu_last_dp;
	f.mxcsr = vs->fpu_mxcsr;
	for (uint32_t at = 0; at + VMM_SCN_VEC_ENTRY <= vs->fpu_regs_len &&
			      at < sizeof(vs->fpu_regs);
	     at += VMM_SCN_VEC_ENTRY) {
		unsigned int r = vs->fpu_regs[at];
		const uint8_t *val = &vs->fpu_regs[at + 1];

		if (r < VMM_FPU_XMM0)
			memcpy(f.fpr[r], val, 16);
		else if (r < VMM_FPU_NREGS)
			memcpy(f.xmm[r - VMM_FPU_XMM0], val, 16);
	}
	return VCPU_IOCTL(&c->vcpus[i], KVM_SET_FPU, &f, e);
}

/* The scenario's xsave record for vCPU i: the vCPU's XSAVE state (after
 * the fpu record) with the header's XSTATE_BV, XCOMP_BV and first
 * reserved word, MXCSR and the listed YMM upper halves replaced, through
 * KVM_SET_XSAVE. KVM refuses (EINVAL, an input error) XSTATE_BV bits the
 * vCPU cannot have, a non-zero XCOMP_BV or reserved header word, and
 * MXCSR bits the host's MXCSR_MASK reserves. */
static int apply_xsave(struct run_ctx *c, uint32_t i, struct vmm_error *e)
{
	const struct vmm_vcpu_spec *vs = &c->s->vcpus[i];
	uint8_t buf[VMM_MAX_XSAVE_SIZE] __attribute__((aligned(64)));
	size_t size = xsave_size(c->k);

	if (xsave_get(c, i, buf, size, e) < 0)
		return -1;
	memcpy(buf + VMM_XSAVE_MXCSR_OFF, &vs->xs_mxcsr, 4);
	memcpy(buf + VMM_XSAVE_BV_OFF, &vs->xs_bv, 8);
	memcpy(buf + VMM_XSAVE_BV_OFF + 8, &vs->xs_comp, 8);
	memcpy(buf + VMM_XSAVE_BV_OFF + 16, &vs->xs_rsvd, 8);
	for (uint32_t at = 0; at + VMM_SCN_VEC_ENTRY <= vs->xs_ymmh_len &&
			      at < sizeof(vs->xs_ymmh);
	     at += VMM_SCN_VEC_ENTRY) {
		unsigned int r = vs->xs_ymmh[at];

		if (r < VMM_YMM_NREGS)
			memcpy(buf + VMM_XSAVE_YMMH_OFF + (size_t)16 * r,
			       &vs->xs_ymmh[at + 1], 16);
	}
	return xsave_set(c, i, buf, e);
}

/* A VM capability the events record needs, once per VM (reset mode: the
 * input has a fresh VM, vmm_arch_vcpu_reusable, tainted after). */
static int enable_vm_cap_arg(struct run_ctx *c, uint32_t cap, uint64_t arg,
			     struct vmm_error *e)
{
	struct kvm_enable_cap ec;

	memset(&ec, 0, sizeof(ec));
	ec.cap = cap;
	ec.args[0] = arg;
	return VMM_IOCTL(c->k->ops, c->vm->fd, KVM_ENABLE_CAP, &ec, e);
}

static int enable_vm_cap(struct run_ctx *c, uint32_t cap, struct vmm_error *e)
{
	return enable_vm_cap_arg(c, cap, 1, e);
}

/* The scenario's events record for vCPU i, through KVM_SET_VCPU_EVENTS
 * (vmm_arch_vcpu_setup: before the sregs and again after the sregs,
 * registers and MSRs). Every part goes in, so that the vCPU's events are the
 * record's whatever came before: absent parts as at creation (no event,
 * NMIs unmasked, no interrupt shadow, outside SMM). KVM refuses an
 * exception vector above 31 or 2 (NMI) with EINVAL: an input error. */
static int apply_events(struct run_ctx *c, uint32_t i, struct vmm_error *e)
{
	const struct vmm_vcpu_spec *vs = &c->s->vcpus[i];
	uint32_t f = vs->ev_flags;
	struct kvm_vcpu_events ev;

	memset(&ev, 0, sizeof(ev));
	ev.flags = KVM_VCPUEVENT_VALID_NMI_PENDING |
		   KVM_VCPUEVENT_VALID_SHADOW | KVM_VCPUEVENT_VALID_SMM;
	if (f & VMM_EV_EXC) {
		if (f & VMM_EV_EXC_PENDING) {
			if (enable_vm_cap(c, KVM_CAP_EXCEPTION_PAYLOAD, e) < 0)
				return -1;
			ev.flags |= KVM_VCPUEVENT_VALID_PAYLOAD;
			ev.exception.pending = 1;
		} else {
			ev.exception.injected = 1;
		}
		ev.exception.nr = vs->ev_vector;
		ev.exception.has_error_code = (f & VMM_EV_ERRCODE) != 0;
		ev.exception.error_code = vs->ev_error;
	}
	ev.nmi.pending = (f & VMM_EV_NMI_PENDING) != 0;
	ev.nmi.injected = (f & VMM_EV_NMI_INJECTED) != 0;
	ev.nmi.masked = (f & VMM_EV_NMI_MASKED) != 0;
	if (f & VMM_EV_IRQ) {
		ev.interrupt.injected = 1;
		ev.interrupt.nr = vs->ev_irq;
	}
	ev.smi.pending = (f & VMM_EV_SMI_PENDING) != 0;
	ev.smi.smm = (f & VMM_EV_SMM) != 0;
	if (f & VMM_EV_TRIPLE_FAULT) {
		if (enable_vm_cap(c, KVM_CAP_X86_TRIPLE_FAULT_EVENT, e) < 0)
			return -1;
		ev.flags |= KVM_VCPUEVENT_VALID_TRIPLE_FAULT;
		ev.triple_fault.pending = 1;
	}
	if (vmm_vcpu_set_events(&c->vcpus[i], &ev, e) < 0) {
		c->state_rejected = e->err == EINVAL;
		return -1;
	}
	return 0;
}

/* The scenario's MSR records for vCPU i, through KVM_SET_MSRS after the
 * registers and sregs (api.rst: the ioctl returns how many entries it set,
 * stopping at the first one KVM refuses). A refused MSR is a result, not
 * an error: it is counted (vmm_result.msrs_refused) and the entries after
 * it go in with the next call. */
static int apply_msrs(struct run_ctx *c, uint32_t i, struct vmm_error *e)
{
	const struct vmm_vcpu_spec *vs = &c->s->vcpus[i];
	struct vmm_vcpu *v = &c->vcpus[i];
	uint8_t buf[sizeof(struct kvm_msrs) +
		    VMM_MAX_SCN_MSRS * sizeof(struct kvm_msr_entry)]
		__attribute__((aligned(8)));
	struct kvm_msrs *m = (struct kvm_msrs *)(void *)buf;
	uint32_t at = 0;

	while (at < vs->nmsrs && at < VMM_MAX_SCN_MSRS) {
		int set;

		memset(buf, 0, sizeof(buf));
		m->nmsrs = vs->nmsrs - at;
		for (uint32_t j = 0; j < m->nmsrs; j++) {
			m->entries[j].index = vs->msrs[at + j].index;
			m->entries[j].data = vs->msrs[at + j].value;
		}
		set = VMM_IOCTL(v->vm->kvm->ops, v->fd, KVM_SET_MSRS, m, e);
		if (set < 0)
			return -1;
		if ((uint32_t)set > m->nmsrs) {
			vmm_err_contract(e, "KVM_SET_MSRS", "return",
					 "kernel contract violation: "
					 "KVM_SET_MSRS set %d of %u MSRs",
					 set, m->nmsrs);
			return -1;
		}
		/* reset mode: a write no reset undoes ends the VM's reuse */
		for (uint32_t j = 0; c->ss && j < (uint32_t)set; j++)
			if (!vmm_x86_msr_restorable(c->k, m->entries[j].index))
				vmm_session_taint(c->ss);
		at += (uint32_t)set;
		if (at < vs->nmsrs) { /* refused: skip it */
			c->r->msrs_refused++;
			at++;
		}
	}
	return 0;
}

/* The msr_exits records: KVM_CAP_X86_USER_SPACE_MSR with their reasons,
 * then one KVM_X86_SET_MSR_FILTER with a range per record that has MSRs
 * (default allow; a range's bitmap all ones or all zeros). KVM refuses a
 * range without read/write flags with EINVAL: an input error
 * (vmm/oracle.c). */
static int apply_msr_exits(struct run_ctx *c, struct vmm_error *e)
{
	static __thread uint8_t bitmaps[VMM_MAX_MSR_EXIT_RANGES]
				       [VMM_MAX_MSR_EXIT_NMSRS / 8];
	const struct vmm_scenario *s = c->s;
	struct kvm_msr_filter f;
	uint32_t n = 0;

	if (enable_vm_cap_arg(c, KVM_CAP_X86_USER_SPACE_MSR,
			      s->msr_exits[0].reasons, e) < 0)
		return -1;
	memset(&f, 0, sizeof(f));
	f.flags = KVM_MSR_FILTER_DEFAULT_ALLOW;
	for (uint32_t r = 0; r < s->nmsr_exits && r < VMM_MAX_MSR_EXIT_RANGES;
	     r++) {
		const struct vmm_msr_exit_spec *m = &s->msr_exits[r];

		if (!m->nmsrs)
			continue;
		memset(bitmaps[n], (m->flags & VMM_MX_ALLOW) ? 0xFF : 0,
		       (m->nmsrs + 7) / 8);
		f.ranges[n].flags = m->flags & (VMM_MX_READ | VMM_MX_WRITE);
		f.ranges[n].base = m->base;
		f.ranges[n].nmsrs = m->nmsrs;
		f.ranges[n].bitmap = bitmaps[n];
		n++;
	}
	return VMM_IOCTL(c->k->ops, c->vm->fd, KVM_X86_SET_MSR_FILTER, &f, e);
}

/* The hypercall record: KVM_CAP_EXIT_HYPERCALL with its mask. KVM refuses
 * bits it cannot forward (today all but KVM_HC_MAP_GPA_RANGE's) with
 * EINVAL: an input error when the mask has bits the host's
 * KVM_CHECK_EXTENSION value lacks. */
static int apply_hypercall(struct run_ctx *c, struct vmm_error *e)
{
	uint64_t ok = (uint64_t)vmm_kvm_cap(c->k, VMM_CAP_EXIT_HYPERCALL);

	if (enable_vm_cap_arg(c, KVM_CAP_EXIT_HYPERCALL, c->s->hypercall_mask,
			      e) == 0)
		return 0;
	if (e->err == EINVAL && (c->s->hypercall_mask & ~ok))
		vmm_err_set(e, VMM_ERR_INPUT, "KVM_ENABLE_CAP", EINVAL,
			    "hypercall mask 0x%llx: KVM forwards only 0x%llx "
			    "(EINVAL)",
			    (unsigned long long)c->s->hypercall_mask,
			    (unsigned long long)ok);
	return -1;
}

/* The guest_debug record of vCPU i, last (KVM_SET_REGS would drop an
 * injected #DB/#BP). KVM refuses control bits it does not support
 * (EINVAL) and an injection while an exception is pending (EBUSY):
 * input errors (vmm/oracle.c). */
static int apply_gdbg(struct run_ctx *c, uint32_t i, struct vmm_error *e)
{
	const struct vmm_vcpu_spec *vs = &c->s->vcpus[i];
	struct kvm_guest_debug g;

	memset(&g, 0, sizeof(g));
	g.control = vs->gdbg_control;
	for (unsigned int r = 0; r < 4; r++)
		g.arch.debugreg[r] = vs->gdbg_dr[r];
	g.arch.debugreg[7] = vs->gdbg_dr7;
	return VCPU_IOCTL(&c->vcpus[i], KVM_SET_GUEST_DEBUG, &g, e);
}

int vmm_arch_vcpu_setup(struct run_ctx *c, uint32_t i, struct vmm_error *e)
{
	if (i == 0 && (c->s->nmsr_exits || c->s->has_hypercall)) {
		/* VM-wide: a fresh VM (vmm_arch_vcpu_reusable), not reused
		 * after */
		if (c->ss)
			vmm_session_taint(c->ss);
		if (c->s->nmsr_exits && apply_msr_exits(c, e) < 0)
			return -1;
		if (c->s->has_hypercall && apply_hypercall(c, e) < 0)
			return -1;
	}
	if (c->s->vcpus[i].has_gdbg && c->ss)
		vmm_session_taint(c->ss); /* a fresh VM, not reused after */
	if (c->s->vcpus[i].ncpuid) {
		/* a fresh VM (vmm_arch_vcpu_reusable), not reused after */
		if (c->ss)
			vmm_session_taint(c->ss);
		if (apply_cpuid(c, i, e) < 0)
			return -1;
	}
	/* xcr, fpu, xsave: before the sregs and registers like the records
	 * below (a refusal leaves the creation state in both modes); the
	 * restore puts the XSAVE state back, XCR0 cannot change on a vCPU
	 * that is reused (vmm_arch_vcpu_restore) */
	if (c->s->vcpus[i].has_xcr) {
		if (c->ss)
			vmm_session_note_restore(c->ss, i);
		if (apply_xcr(c, i, e) < 0)
			return -1;
		/* XCR0 stays out of the restore: a reused vCPU (no guest
		 * CPUID) can only be given its creation value; should KVM
		 * take another, no reset undoes it: the VM is not reused */
		if (c->ss && c->s->vcpus[i].xcr0 != creation_xcr0(c->ss, i))
			vmm_session_taint(c->ss);
	}
	if (c->s->vcpus[i].has_fpu) {
		if (c->ss)
			vmm_session_note_restore(c->ss, i);
		if (apply_fpu(c, i, e) < 0)
			return -1;
	}
	if (c->s->vcpus[i].has_xsave) {
		if (c->ss)
			vmm_session_note_restore(c->ss, i);
		if (apply_xsave(c, i, e) < 0)
			return -1;
	}
	if (c->s->vcpus[i].has_dregs) {
		if (c->ss) /* restored next time even if it never runs */
			vmm_session_note_restore(c->ss, i);
		if (apply_dregs(c, i, e) < 0)
			return -1;
	}
	if (c->s->vcpus[i].has_events) {
		if (c->ss) {
			/* restored next time even if it never runs; VM-wide
			 * parts (a fresh VM for this input) are not reused */
			vmm_session_note_restore(c->ss, i);
			if (c->s->vcpus[i].ev_flags & VMM_X86_EV_FRESH)
				vmm_session_taint(c->ss);
		}
		/* once before the sregs and registers, so that a record KVM
		 * refuses leaves the vCPU in its creation state in both modes
		 * (reset mode's registers wait for KVM_RUN); KVM checks all
		 * of it before it changes anything */
		if (apply_events(c, i, e) < 0)
			return -1;
	}
	if (vcpu_regs(c, i, e) < 0)
		return -1;
	if (c->s->has_irqchip) {
		/* a fresh VM (vmm_arch_vcpu_reusable), not reused after */
		if (c->ss)
			vmm_session_taint(c->ss);
		if (vmm_x86_lapic_setup(c, i, e) < 0)
			return -1;
	}
	if (c->s->vcpus[i].nmsrs) {
		if (c->ss) {
			/* changed by ioctl: the next prepare restores it even
			 * if it never runs; a frozen feature MSR (the session
			 * made a fresh VM for this input) must not meet a
			 * vCPU that ran either */
			vmm_session_note_restore(c->ss, i);
			if (!vmm_x86_msrs_resettable(&c->s->vcpus[i]))
				vmm_session_taint(c->ss);
		}
		if (apply_msrs(c, i, e) < 0)
			return -1;
	}
	/* and again last: KVM_SET_REGS drops a pending exception */
	if (c->s->vcpus[i].has_events && apply_events(c, i, e) < 0)
		return -1;
	if (!c->s->vcpus[i].has_gdbg)
		return 0;
	return apply_gdbg(c, i, e);
}

static int vcpu_regs(struct run_ctx *c, uint32_t i, struct vmm_error *e)
{
	const struct vmm_vcpu_spec *vs = &c->s->vcpus[i];
	struct vmm_vcpu *v = &c->vcpus[i];
	struct kvm_sregs sr;
	struct kvm_regs regs;
	uint8_t *area = NULL;
	int rc;

	if (c->ss)
		sr = c->ss->init[i].sregs; /* the state at creation */
	else if (vmm_vcpu_get_sregs(v, &sr, e) < 0)
		return -1;
	if (c->r->sys_size) {
		area = vmm_vm_hva(c->vm, c->r->sys_gpa, c->r->sys_size);
		if (!area) /* validated earlier; defensive */
			return vmm_scenario_reject(
				e, "VMM structures outside guest memory");
	}
	if (vmm_x86_vcpu_state(vs, &sr, area, c->r->sys_gpa, c->r->sys_size,
			       &regs, e) < 0)
		return -1;
	if (c->ss && c->r->sys_size)
		vmm_session_note_write(c->ss, c->r->sys_gpa, c->r->sys_size);
	c->arch.set_regs[i] = regs;
	c->arch.set_sregs[i] = sr;
	if (!c->ss)
		return load_state(c, i, &regs, &sr, e);
	vmm_run_untracked(c, 1);
	rc = load_state(c, i, &regs, &sr, e);
	vmm_run_untracked(c, 0);
	return rc;
}

/* The state into vCPU i, fresh or reset mode. */
static int load_state(struct run_ctx *c, uint32_t i,
		      const struct kvm_regs *regs, const struct kvm_sregs *sr,
		      struct vmm_error *e)
{
	struct vmm_vcpu *v = &c->vcpus[i];

	/* reset mode: registers, pending events and sregs KVM_SET_SREGS took
	 * before go in with the next KVM_RUN (KVM_CAP_SYNC_REGS), saving
	 * three vCPU ioctls; new sregs go through KVM_SET_SREGS first, so
	 * that one reports a rejection exactly as in fresh mode. With MSR
	 * records, sregs go in by ioctl: the MSR writes (EFER...) come after
	 * them, as in fresh mode */
	if (c->ss && c->s->vcpus[i].nmsrs == 0 && !c->s->vcpus[i].has_events &&
	    !c->s->vcpus[i].has_gdbg && !c->s->has_irqchip &&
	    sregs_known(c->ss, i, sr) &&
	    vmm_vcpu_sync_regs(v, regs, sr, &c->ss->init[i].events) == 0) {
		c->arch.sregs_synced[i] = 1;
		c->ss->sregs_synced++;
		return 0;
	}
	if (c->ss)
		vmm_session_note_state_set(c->ss, i);
	if (vmm_vcpu_set_sregs(v, sr, e) < 0) {
		/* KVM checks sregs before it changes any of them */
		c->state_rejected = e->err == EINVAL;
		return -1;
	}
	if (!c->ss)
		return vmm_vcpu_set_regs(v, regs, e);
	sregs_accepted(c->ss, i, sr);
	/* an events record goes in by ioctl after this, and irq records
	 * (an NMI, an interrupt KVM injects) come before the first KVM_RUN:
	 * the registers by ioctl too, or KVM_RUN's sync would put the
	 * creation events back over them */
	if (!c->s->vcpus[i].has_events && !c->s->vcpus[i].has_gdbg &&
	    !c->s->has_irqchip &&
	    vmm_vcpu_sync_regs(v, regs, NULL, &c->ss->init[i].events) == 0)
		return 0;
	if (vmm_vcpu_set_events(v, &c->ss->init[i].events, e) < 0)
		return -1;
	return vmm_vcpu_set_regs(v, regs, e);
}

/* Before a before_run hook that may sandbox the process: the MSR list
 * spin detection reads (vmm/x86/spin.c) needs system ioctls, once per
 * process; without such a hook the first spin check finds it. */
int vmm_arch_before_hook(struct run_ctx *c, struct vmm_error *e)
{
	if (c->nvcpus_live == 0)
		return 0;
	return vmm_arch_msr_list(c->k, e);
}

/* Reset mode, before vCPU 0's final state is read: if what set-up gave it
 * never reached KVM (the build failed, or the run ended before its first
 * KVM_RUN: a deadline before entry, a failed hook), apply it as a fresh
 * VM would have - its registers (and sregs, if synced: sync registers only
 * land at KVM_RUN), or its creation state if it was not set up. The next
 * input sets all of it again anyway. */
void vmm_arch_settle_unentered(struct run_ctx *c)
{
	struct vmm_vcpu *v = &c->vcpus[0];
	struct vmm_error ignore;

	vmm_session_note_state_set(c->ss, 0);
	if (c->nsetup > 0) {
		if (!vmm_vcpu_sync_pending(v))
			return; /* landed (or set by ioctls) */
		if (c->arch.sregs_synced[0])
			(void)vmm_vcpu_set_sregs(v, &c->arch.set_sregs[0],
						 &ignore);
		(void)vmm_vcpu_set_regs(v, &c->arch.set_regs[0], &ignore);
	} else {
		(void)vmm_vcpu_set_regs(v, &c->ss->init[0].regs, &ignore);
		(void)vmm_vcpu_set_sregs(v, &c->ss->init[0].sregs, &ignore);
	}
	vmm_vcpu_sync_clear(v);
}

int vmm_cpu_state_get(struct vmm_vcpu *v, struct vmm_cpu_state *st,
		      struct vmm_error *e)
{
	if (vmm_vcpu_get_regs(v, &st->regs, e) < 0)
		return -1;
	return vmm_vcpu_get_sregs(v, &st->sregs, e);
}

size_t vmm_cpu_state_format(const struct vmm_cpu_state *st, char *buf,
			    size_t len)
{
	return vmm_x86_format_state(&st->regs, &st->sregs, buf, len);
}

void vmm_x86_probe_scenario(struct vmm_scenario *s, enum vmm_x86_mode m)
{
	static const uint8_t hlt = 0xF4;

	vmm_scenario_init(s);
	s->nslots = 1;
	s->slots[0].size = 0x10000;
	s->nblobs = 1;
	s->blobs[0].gpa = 0x1000;
	s->blobs[0].data = &hlt;
	s->blobs[0].len = 1;
	s->nvcpus = 1;
	s->vcpus[0].mode = (uint8_t)m;
	s->vcpus[0].entry = 0x1000;
	s->max_exits = 16;
	s->timeout_ms = 2000;
}

int vmm_host_mode_check(struct vmm_kvm *k, enum vmm_x86_mode m,
			struct vmm_error *e)
{
	struct vmm_scenario s;
	struct vmm_result r;
	char why[VMM_ERR_MSG_MAX + 64];

	if ((unsigned int)m >= VMM_MODE_COUNT || m >= VMM_MODE_SLOTS)
		return vmm_scenario_reject(e, "unknown mode %d", (int)m);
	if (k->arch.mode_probe[m] == VMM_PROBE_UNKNOWN) {
		vmm_x86_probe_scenario(&s, m);
		(void)vmm_pipeline_run_unchecked(k, &s, &r);
		if (r.verdict == VMM_V_HALT) {
			k->arch.mode_probe[m] = VMM_PROBE_OK;
		} else if (r.err.cls == VMM_ERR_GUEST ||
			   r.err.cls == VMM_ERR_TIMEOUT ||
			   r.err.cls == VMM_ERR_BUDGET) {
			/* the probe guest itself failed: a host limit. A failing
			 * system call (even inside KVM_RUN) is not, and is
			 * passed on below without caching anything. */
			k->arch.mode_probe[m] = VMM_PROBE_FAILS;
			vmm_err_format(&r.err, why, sizeof(why));
			(void)snprintf(k->arch.mode_probe_why[m],
				       sizeof(k->arch.mode_probe_why[m]),
				       "%.120s", why);
		} else {
			/* The probe could not even start: pass that on. */
			*e = r.err;
			return -1;
		}
	}
	if (k->arch.mode_probe[m] == VMM_PROBE_OK)
		return 0;
	vmm_err_set(
		e, VMM_ERR_HOST, "mode probe", 0,
		"this host's KVM cannot run %s guests: a one-instruction HLT"
		" probe in that mode failed (%s); this is a host limitation "
		"(e.g. nested or PVM-backed KVM), not a guest bug",
		vmm_x86_mode_name(m), k->arch.mode_probe_why[m]);
	return -1;
}

/* long64: one byte into each of VMM_DIRTY_PROBE_PAGES pages from 2 MiB up,
 * then HLT (hand-assembled; the encodings are in the comments). */
static const uint8_t dirty_probe_code[] = {
	0x48, 0xc7, 0xc7, 0x00, 0x00, 0x20, 0x00, /* mov rdi, 0x200000 */
	0x48, 0xc7, 0xc1, 0x00, 0x30, 0x00, 0x00, /* mov rcx, 0x3000 */
	0xc6, 0x07, 0x01,			  /* mov byte [rdi], 1 */
	0x48, 0x81, 0xc7, 0x00, 0x10, 0x00, 0x00, /* add rdi, 0x1000 */
	0xe2, 0xf4,				  /* loop (back 12) */
	0xf4,					  /* hlt */
};

void vmm_arch_dirty_probe_guest(struct vmm_probe_guest *g)
{
	g->code = (const uint8_t *)dirty_probe_code;
	g->len = sizeof(dirty_probe_code);
	g->mode = VMM_MODE_LONG64;
	g->features = 0;
}

/* The x86 vCPU-state records and what this host does with them. */
static size_t host_records(struct vmm_kvm *k, char *buf, size_t len, size_t off)
{
	struct vmm_error e;

	vmm_err_clear(&e);
	/* KVM_SET_MSRS is part of the base x86 API: always there */
	if (vmm_arch_msr_list(k, &e) == 0)
		off = vmm_fmt_append(buf, len, off,
				     "record msr=ok (KVM_SET_MSRS; reset mode "
				     "restores %u MSRs)\n",
				     k->arch.nmsrs);
	else
		off = vmm_fmt_append(buf, len, off,
				     "record msr=ok (KVM_SET_MSRS; reset-mode "
				     "MSR probe failed: %.100s)\n",
				     e.msg);
	vmm_err_clear(&e);
	if (!vmm_kvm_cap(k, VMM_CAP_EXT_CPUID))
		off = vmm_fmt_append(buf, len, off,
				     "record cpuid=unsupported: no "
				     "KVM_CAP_EXT_CPUID\n");
	else if (vmm_x86_supported_cpuid(k, &e) == 0)
		off = vmm_fmt_append(buf, len, off,
				     "record cpuid=ok (KVM_SET_CPUID2 over the "
				     "%u entries of KVM_GET_SUPPORTED_CPUID; "
				     "reset mode: a fresh VM per input)\n",
				     k->arch.ncpuid);
	else
		off = vmm_fmt_append(buf, len, off,
				     "record cpuid=unsupported: %.100s\n",
				     e.msg);
	off = vmm_fmt_append(buf, len, off, "record fpu=ok (KVM_SET_FPU%s)\n",
			     vmm_kvm_cap(k, VMM_CAP_XSAVE)
				     ? ", XSTATE_BV x87/SSE set through "
				       "KVM_SET_XSAVE first"
				     : "");
	if (!vmm_kvm_cap(k, VMM_CAP_XSAVE))
		off = vmm_fmt_append(buf, len, off,
				     "record xsave=unsupported: no "
				     "KVM_CAP_XSAVE\n");
	else if (vmm_kvm_cap(k, VMM_CAP_XSAVE2) > (int)VMM_MAX_XSAVE_SIZE)
		off = vmm_fmt_append(buf, len, off,
				     "record xsave=unsupported: XSAVE size "
				     "%d above VMM_MAX_XSAVE_SIZE %u\n",
				     vmm_kvm_cap(k, VMM_CAP_XSAVE2),
				     VMM_MAX_XSAVE_SIZE);
	else
		off = vmm_fmt_append(buf, len, off,
				     "record xsave=ok (%s, %zu bytes)\n",
				     xsave_size(k) > sizeof(struct kvm_xsave)
					     ? "KVM_GET_XSAVE2"
					     : "KVM_GET_XSAVE",
				     xsave_size(k));
	off = vmm_fmt_append(buf, len, off, "record xcr=%s\n",
			     vmm_kvm_cap(k, VMM_CAP_XCRS)
				     ? "ok (KVM_SET_XCRS)"
				     : "unsupported: no KVM_CAP_XCRS");
	off = vmm_fmt_append(buf, len, off, "record debugregs=%s\n",
			     vmm_kvm_cap(k, VMM_CAP_DEBUGREGS)
				     ? "ok (KVM_SET_DEBUGREGS)"
				     : "unsupported: no KVM_CAP_DEBUGREGS");
	/* KVM_SET_VCPU_EVENTS is always there; some parts need a cap */
	off = vmm_fmt_append(
		buf, len, off,
		"record events=ok (KVM_SET_VCPU_EVENTS; pending exception %s, "
		"SMI/SMM %s, triple fault %s)\n",
		vmm_kvm_cap(k, VMM_CAP_EXCEPTION_PAYLOAD) ? "ok"
							  : "unsupported",
		vmm_kvm_cap(k, VMM_CAP_X86_SMM) ? "ok" : "unsupported",
		vmm_kvm_cap(k, VMM_CAP_X86_TRIPLE_FAULT_EVENT) ? "ok"
							       : "unsupported");
	if (vmm_kvm_cap(k, VMM_CAP_X86_USER_SPACE_MSR) &&
	    vmm_kvm_cap(k, VMM_CAP_X86_MSR_FILTER))
		off = vmm_fmt_append(buf, len, off,
				     "record msr_exits=ok "
				     "(KVM_CAP_X86_USER_SPACE_MSR, "
				     "KVM_X86_SET_MSR_FILTER; reset mode: a "
				     "fresh VM per input)\n");
	else
		off = vmm_fmt_append(buf, len, off,
				     "record msr_exits=unsupported: no %s\n",
				     vmm_kvm_cap(k, VMM_CAP_X86_USER_SPACE_MSR)
					     ? "KVM_CAP_X86_MSR_FILTER"
					     : "KVM_CAP_X86_USER_SPACE_MSR");
	if (vmm_kvm_cap(k, VMM_CAP_EXIT_HYPERCALL) &&
	    vmm_x86_hypercall_forwarded(k) < 0)
		off = vmm_fmt_append(
			buf, len, off,
			"record hypercall=unsupported: %s (so a "
			"hypercall record gives host-unsupported)\n",
			k->arch.hc_probe_why);
	else if (vmm_kvm_cap(k, VMM_CAP_EXIT_HYPERCALL))
		off = vmm_fmt_append(
			buf, len, off,
			"record hypercall=ok (KVM_CAP_EXIT_HYPERCALL, "
			"forwarded hypercalls mask 0x%x; reset mode: a fresh "
			"VM per input)\n",
			(unsigned int)vmm_kvm_cap(k, VMM_CAP_EXIT_HYPERCALL));
	else
		off = vmm_fmt_append(buf, len, off,
				     "record hypercall=unsupported: no "
				     "KVM_CAP_EXIT_HYPERCALL\n");
	if (vmm_kvm_cap(k, VMM_CAP_SET_GUEST_DEBUG))
		off = vmm_fmt_append(
			buf, len, off,
			"record guest_debug=ok (KVM_SET_GUEST_DEBUG, control "
			"bits 0x%x; reset mode: a fresh VM per input)\n",
			(unsigned int)vmm_kvm_cap(k, VMM_CAP_SET_GUEST_DEBUG2));
	else
		off = vmm_fmt_append(buf, len, off,
				     "record guest_debug=unsupported: no "
				     "KVM_CAP_SET_GUEST_DEBUG\n");
	off = vmm_x86_irq_caps(k, buf, len, off);
	return vmm_x86_action_caps(k, buf, len, off);
}

size_t vmm_arch_host_report(struct vmm_kvm *k, char *buf, size_t len)
{
	size_t off = 0;

	if (len)
		buf[0] = '\0';
	for (unsigned int m = 0; m < VMM_MODE_COUNT; m++) {
		const char *name = vmm_x86_mode_name((enum vmm_x86_mode)m);
		struct vmm_error e;
		char line[VMM_ERR_MSG_MAX + 128];

		vmm_err_clear(&e);
		if (vmm_host_mode_check(k, (enum vmm_x86_mode)m, &e) == 0) {
			off = vmm_fmt_append(buf, len, off, "mode %s=ok\n",
					     name);
		} else {
			vmm_err_format(&e, line, sizeof(line));
			off = vmm_fmt_append(buf, len, off,
					     "mode %s=unsupported: %s\n", name,
					     line);
		}
	}
	off = host_records(k, buf, len, off);
	return off;
}

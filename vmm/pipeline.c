#include "vmm/pipeline.h"

#include <linux/kvm.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vmm/kvm_compat.h"
#include "vmm/session.h"
#include "vmm/vcpu.h"
#include "vmm/x86/cpu_bits.h"
#include "vmm/x86/layout.h"

static const char *const verdict_names[VMM_V_COUNT] = {
	[VMM_V_HALT] = "halt",       [VMM_V_POWEROFF] = "poweroff",
	[VMM_V_GUEST] = "guest-failure", [VMM_V_TIMEOUT] = "timeout",
	[VMM_V_BUDGET] = "exit-budget", [VMM_V_INPUT] = "input-error",
	[VMM_V_HOST] = "host-unsupported", [VMM_V_SYS] = "syscall-error",
	[VMM_V_CONTRACT] = "kernel-contract-violation",
};

const char *vmm_verdict_name(enum vmm_verdict v)
{
	if ((unsigned int)v >= VMM_V_COUNT)
		return "?";
	return verdict_names[v];
}

static uint64_t sys_need(const struct vmm_scenario *s)
{
	uint64_t need = 0;

	for (uint32_t i = 0; i < s->nvcpus; i++) {
		uint64_t n = vmm_x86_sysarea_size(s->vcpus[i].mode);

		if (n > need)
			need = n;
	}
	return need;
}

static int sys_fits(const struct vmm_scenario *s, uint64_t at, uint64_t need)
{
	const struct vmm_slot_spec *sl = vmm_scenario_slot_holding(s, at, need);

	if (!sl || (sl->flags & VMM_SLOT_READONLY) || (at & (VMM_PAGE_SIZE - 1)))
		return 0;
	for (uint32_t b = 0; b < s->nblobs; b++)
		if (vmm_ranges_overlap(at, need, s->blobs[b].gpa, s->blobs[b].len))
			return 0;
	return 1;
}

/* Where the VMM's own tables go: never on a loaded blob. */
static int place_sys(const struct vmm_scenario *s, uint64_t need,
		     uint64_t *at, struct vmm_error *e)
{
	const uint64_t pg = VMM_PAGE_SIZE;
	int found = 0;

	if (need == 0) {
		*at = 0;
		return 0;
	}
	if (s->sys_fixed) {
		if (s->sys_gpa & (pg - 1))
			return vmm_scenario_reject(e, "VMM structures address 0x%llx is not page "
				   "aligned", (unsigned long long)s->sys_gpa);
		if (!vmm_scenario_slot_holding(s, s->sys_gpa, need))
			return vmm_scenario_reject(e, "VMM structures [0x%llx, 0x%llx) do not fit"
				   " in guest memory",
				   (unsigned long long)s->sys_gpa,
				   (unsigned long long)s->sys_gpa + need);
		for (uint32_t b = 0; b < s->nblobs; b++)
			if (vmm_ranges_overlap(s->sys_gpa, need, s->blobs[b].gpa,
				     s->blobs[b].len))
				return vmm_scenario_reject(e, "VMM structures [0x%llx, 0x%llx) "
					   "overlap the image at [0x%llx, 0x%llx)",
					   (unsigned long long)s->sys_gpa,
					   (unsigned long long)s->sys_gpa + need,
					   (unsigned long long)s->blobs[b].gpa,
					   (unsigned long long)s->blobs[b].gpa +
								s->blobs[b].len);
		if (!sys_fits(s, s->sys_gpa, need))
			return vmm_scenario_reject(e, "VMM structures at 0x%llx must be in "
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
		return vmm_scenario_reject(e, "no room for the VMM's %llu-byte mode structures "
			   "(GDT/page tables) in writable guest memory outside "
			   "the loaded image: give the guest more memory",
			   (unsigned long long)need);
	return 0;
}

static enum vmm_verdict verdict_of(enum vmm_err_class c, int in_run)
{
	switch (c) {
	case VMM_ERR_NONE: return VMM_V_HALT;
	case VMM_ERR_INPUT: return VMM_V_INPUT;
	case VMM_ERR_HOST: return VMM_V_HOST;
	case VMM_ERR_SYS: return in_run ? VMM_V_GUEST : VMM_V_SYS;
	case VMM_ERR_CONTRACT: return VMM_V_CONTRACT;
	case VMM_ERR_GUEST: return VMM_V_GUEST;
	case VMM_ERR_TIMEOUT: return VMM_V_TIMEOUT;
	case VMM_ERR_BUDGET: return VMM_V_BUDGET;
	case VMM_ERR_NOMEM: return VMM_V_SYS;
	}
	return VMM_V_SYS;
}

struct run_ctx {
	struct vmm_kvm *k;
	const struct vmm_scenario *s;
	const struct vmm_hooks *h;
	struct vmm_result *r;
	struct vmm_session *ss;      /* reset mode, or NULL (fresh) */
	struct vmm_vm *vm;           /* ss->vm or own_vm */
	struct vmm_vcpu *vcpus;      /* ss->vcpus or own_vcpus */
	struct vmm_vm own_vm;
	int vm_live;                 /* own_vm exists */
	struct vmm_vcpu own_vcpus[VMM_MAX_VCPUS];
	uint32_t nvcpus_live;        /* vCPUs usable for the final state */
	uint32_t last_reason[VMM_MAX_VCPUS];
	int prepared; /* the session was touched by this run */
	uint32_t nsetup; /* vCPUs fully set up */
	struct kvm_regs set_regs[VMM_MAX_VCPUS]; /* what setup gave them */
	struct vmm_devices dev;
	struct vmm_deadline own_deadline;
	struct vmm_deadline *deadline; /* ss->deadline or own_deadline */
};

static void seg_from_spec(struct kvm_segment *k, const struct vmm_seg_spec *g)
{
	memset(k, 0, sizeof(*k));
	k->base = g->base;
	k->limit = g->limit;
	k->selector = g->selector;
	k->type = (uint8_t)(g->attrs & VMM_SEGA_TYPE_MASK);
	k->s = (g->attrs & VMM_SEGA_S) != 0;
	k->dpl = (uint8_t)((g->attrs & VMM_SEGA_DPL_MASK) >> VMM_SEGA_DPL_SHIFT);
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
		&sr->cr0, &sr->cr2, &sr->cr3, &sr->cr4, &sr->cr8,
		&sr->efer, &sr->apic_base, &sr->gdt.base, NULL,
		&sr->idt.base, NULL,
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

static int setup_vcpu(struct run_ctx *c, uint32_t i, struct vmm_error *e)
{
	const struct vmm_vcpu_spec *vs = &c->s->vcpus[i];
	struct vmm_vcpu *v = &c->vcpus[i];
	struct kvm_sregs sr;
	struct kvm_regs regs;
	uint64_t ip = 0;
	uint8_t *area = NULL;

	if (c->ss)
		sr = c->ss->init[i].sregs; /* the state at creation */
	else if (vmm_vcpu_get_sregs(v, &sr, e) < 0)
		return -1;
	if (c->r->sys_size) {
		area = vmm_vm_hva(c->vm, c->r->sys_gpa, c->r->sys_size);
		if (!area) /* validated earlier; defensive */
			return vmm_scenario_reject(e, "VMM structures outside guest memory");
	}
	if (vmm_x86_setup_mode(vs->mode, &sr, area, c->r->sys_gpa,
			       c->r->sys_size, vs->entry, &ip, e) < 0)
		return -1;
	if (c->ss && c->r->sys_size)
		vmm_session_note_write(c->ss, c->r->sys_gpa, c->r->sys_size);
	apply_sreg_overrides(vs, &sr);
	if (vmm_vcpu_set_sregs(v, &sr, e) < 0)
		return -1;
	memset(&regs, 0, sizeof(regs));
	regs.rip = ip;
	regs.rflags = X86_EFLAGS_FIXED;
	for (unsigned int ri = 0; ri < VMM_X86_NREGS; ri++)
		if (vs->reg_mask & (1U << ri))
			vmm_x86_reg_set(&regs, ri, vs->regs[ri]);
	/* reset mode: registers and pending events go in with the next
	 * KVM_RUN (KVM_CAP_SYNC_REGS), saving two vCPU ioctls */
	c->set_regs[i] = regs;
	if (c->ss && vmm_vcpu_sync_regs(v, &regs, &c->ss->init[i].events) == 0)
		return 0;
	if (c->ss && vmm_vcpu_set_events(v, &c->ss->init[i].events, e) < 0)
		return -1;
	return vmm_vcpu_set_regs(v, &regs, e);
}

static int run_loop(struct run_ctx *c, struct vmm_error *e)
{
	const struct vmm_scenario *s = c->s;
	uint64_t budget = s->max_exits ? s->max_exits : VMM_MAX_EXITS_LIMIT;
	int stopped[VMM_MAX_VCPUS] = { 0 };
	uint32_t nstopped = 0;

	while (nstopped < s->nvcpus) {
		for (uint32_t i = 0; i < s->nvcpus; i++) {
			struct vmm_exit x;
			enum vmm_exit_action act;

			if (stopped[i])
				continue;
			if (c->r->exits >= budget) {
				vmm_err_set(e, VMM_ERR_BUDGET, NULL, 0,
					    "exit budget of %llu exits used up",
					    (unsigned long long)budget);
				return -1;
			}
			/* On failure last_reason keeps the last serviced exit:
			 * if the deadline was seen before re-entering, KVM still
			 * holds that I/O's completion (reset mode flushes it). */
			if (vmm_vcpu_run(&c->vcpus[i], c->deadline, &x, e) < 0) {
				if (e->cls == VMM_ERR_TIMEOUT)
					vmm_err_set(e, VMM_ERR_TIMEOUT, "KVM_RUN", 0,
						    "run timeout after %u ms "
						    "(vCPU %u still running, %llu "
						    "exits)", s->timeout_ms, i,
						    (unsigned long long)c->r->exits);
				return -1;
			}
			c->r->trace_hash = vmm_exit_hash(c->r->trace_hash, &x);
			c->r->last_exit = x;
			c->r->have_last_exit = 1;
			c->r->last_vcpu = i;
			c->r->recent[c->r->exits % VMM_TRACE_KEEP] = x;
			c->last_reason[i] = x.reason;
			c->r->exits++;
			if (c->h && c->h->on_exit)
				c->h->on_exit(c->h->ctx, i, &x);
			act = vmm_exit_handle(&c->dev, i, &x, e);
			if (act == VMM_ACT_FAIL)
				return -1;
			if (act == VMM_ACT_POWEROFF)
				c->r->verdict = VMM_V_POWEROFF;
			if (act != VMM_ACT_CONTINUE) {
				stopped[i] = 1;
				nstopped++;
			}
		}
	}
	return 0;
}

static int fill_memory(struct vmm_vm *vm, const struct vmm_fill_spec *f,
		       struct vmm_error *e)
{
	uint8_t *dst = vmm_vm_hva(vm, f->gpa, f->len);

	if (!dst || f->pattern_len == 0)
		return vmm_scenario_reject(e, "fill at 0x%llx outside guest memory",
			   (unsigned long long)f->gpa);
	for (uint32_t i = 0; i < f->len; i++)
		dst[i] = f->pattern[i % f->pattern_len];
	return 0;
}

/* FNV-1a over every slot's contents, in slot-id order (tests). */
static uint64_t memory_hash(const struct vmm_vm *vm)
{
	uint64_t h = VMM_HASH_INIT;
	uint32_t last = 0;
	int first = 1;

	for (;;) {
		const struct vmm_slot *next = NULL;

		for (int i = 0; i < VMM_MAX_SLOTS; i++) {
			const struct vmm_slot *sl = &vm->slots[i];

			if (sl->used && (first || sl->id > last) &&
			    (!next || sl->id < next->id))
				next = sl;
		}
		if (!next)
			return h;
		for (uint64_t j = 0; j < next->size; j++) {
			h ^= next->host[j];
			h *= 0x100000001b3ULL;
		}
		last = next->id;
		first = 0;
	}
}

static void teardown(struct run_ctx *c)
{
	vmm_deadline_disarm(c->deadline);
	if (c->deadline == &c->own_deadline)
		vmm_deadline_release(c->deadline);
	if (c->ss) { /* reset mode: the session keeps them */
		c->nvcpus_live = 0;
		return;
	}
	for (uint32_t i = 0; i < c->nvcpus_live; i++)
		vmm_vcpu_destroy(&c->own_vcpus[i]);
	c->nvcpus_live = 0;
	if (c->vm_live)
		vmm_vm_destroy(&c->own_vm);
	c->vm_live = 0;
}

/* Memory contents and vCPUs, from a fresh VM or a reset session. */
static int build(struct run_ctx *c, struct vmm_error *e)
{
	const struct vmm_scenario *s = c->s;

	if (c->ss) {
		int rc;

		c->prepared = 1;
		if (c->h && c->h->reset_work)
			c->h->reset_work(c->h->ctx, 1);
		rc = vmm_session_prepare(c->ss, s, e);
		if (c->h && c->h->reset_work)
			c->h->reset_work(c->h->ctx, 0);
		if (rc < 0)
			return -1;
		c->vm = &c->ss->vm;
		c->vcpus = c->ss->vcpus;
	} else {
		c->vm = &c->own_vm;
		c->vcpus = c->own_vcpus;
		if (vmm_vm_create(c->vm, c->k, e) < 0)
			return -1;
		c->vm_live = 1;
		for (uint32_t i = 0; i < s->nslots; i++) {
			const struct vmm_slot_spec *sl = &s->slots[i];

			if (vmm_vm_add_slot(c->vm, sl->id, sl->gpa, sl->size,
					    sl->flags, e) < 0)
				return -1;
		}
	}
	/* the same writes in the same order on zeroed memory either way */
	for (uint32_t f = 0; f < s->nfills; f++) {
		if (fill_memory(c->vm, &s->fills[f], e) < 0)
			return -1;
		if (c->ss)
			vmm_session_note_write(c->ss, s->fills[f].gpa,
					       s->fills[f].len);
	}
	for (uint32_t b = 0; b < s->nblobs; b++) {
		if (vmm_vm_write(c->vm, s->blobs[b].gpa, s->blobs[b].data,
				 s->blobs[b].len, e) < 0)
			return -1;
		if (c->ss)
			vmm_session_note_write(c->ss, s->blobs[b].gpa,
					       s->blobs[b].len);
	}
	for (uint32_t i = 0; i < s->nvcpus; i++) {
		if (!c->ss) {
			if (vmm_vcpu_create(&c->vcpus[i], c->vm, i, e) < 0)
				return -1;
		}
		c->nvcpus_live++;
		if (setup_vcpu(c, i, e) < 0)
			return -1;
		c->nsetup++;
	}
	return 0;
}

/* Reset mode, the build failed before any guest entry: leave every vCPU as
 * a fresh VM's would be - set-up ones with their registers applied (sync
 * registers only land at KVM_RUN), the others in their creation state. */
static void settle_failed_build(struct run_ctx *c)
{
	struct vmm_error ignore;

	for (uint32_t i = 0; i < c->s->nvcpus && i < c->ss->nvcpus; i++) {
		struct vmm_vcpu *v = &c->vcpus[i];

		vmm_vcpu_sync_clear(v);
		if (i < c->nsetup) {
			(void)vmm_vcpu_set_regs(v, &c->set_regs[i], &ignore);
		} else {
			(void)vmm_vcpu_set_regs(v, &c->ss->init[i].regs, &ignore);
			(void)vmm_vcpu_set_sregs(v, &c->ss->init[i].sregs,
						 &ignore);
		}
	}
}

static enum vmm_verdict run_inner(struct vmm_kvm *k, struct vmm_session *ss,
				  const struct vmm_scenario *s,
				  const struct vmm_hooks *h,
				  struct vmm_result *r, int probing)
{
	struct run_ctx c;
	struct vmm_error *e = &r->err;
	int in_run = 0;

	memset(r, 0, sizeof(*r));
	r->trace_hash = VMM_HASH_INIT;
	memset(&c, 0, sizeof(c));
	c.k = k;
	c.ss = ss;
	c.deadline = ss ? &ss->deadline : &c.own_deadline;
	c.s = s;
	c.h = h;
	c.r = r;

	if (vmm_scenario_validate(s, e) < 0)
		goto out;
	r->sys_size = sys_need(s);
	if (place_sys(s, r->sys_size, &r->sys_gpa, e) < 0)
		goto out;
	if (!probing) {
		for (uint32_t i = 0; i < s->nvcpus; i++)
			if (vmm_host_mode_check(k, s->vcpus[i].mode, e) < 0)
				goto out;
	}

	if (build(&c, e) < 0) {
		if (ss && ss->live)
			settle_failed_build(&c);
		goto out;
	}
	vmm_devices_init(&c.dev, h ? &h->out : NULL, s->mmio_console,
			 s->mmio_console_gpa);
	if (s->flags & VMM_SCN_PERMISSIVE)
		vmm_devices_set_permissive(&c.dev, s->input, s->input_len);
	if (vmm_deadline_arm(c.deadline, s->timeout_ms, e) < 0)
		goto out;
	if (h && h->before_run && h->before_run(h->ctx, e) != 0)
		goto out;
	in_run = 1;
	(void)run_loop(&c, e);

out:
	r->output_bytes = c.dev.bytes_out;
	if (c.nvcpus_live > 0 && !(h && h->skip_state)) {
		struct vmm_error ignore;

		vmm_err_clear(&ignore);
		r->have_state =
			vmm_vcpu_get_regs(&c.vcpus[0], &r->regs, &ignore) == 0 &&
			vmm_vcpu_get_sregs(&c.vcpus[0], &r->sregs, &ignore) == 0;
	}
	if (c.nvcpus_live > 0 && h && h->hash_memory)
		r->mem_hash = memory_hash(c.vm);
	if (ss && c.prepared)
		vmm_session_finish(ss, e->cls == VMM_ERR_SYS ||
					       e->cls == VMM_ERR_CONTRACT ||
					       e->cls == VMM_ERR_NOMEM,
				   c.last_reason);
	teardown(&c);
	if (e->cls != VMM_ERR_NONE)
		r->verdict = verdict_of(e->cls, in_run);
	return r->verdict;
}

enum vmm_verdict vmm_pipeline_run(struct vmm_kvm *k,
				  const struct vmm_scenario *s,
				  const struct vmm_hooks *h,
				  struct vmm_result *r)
{
	return run_inner(k, NULL, s, h, r, 0);
}

enum vmm_verdict vmm_pipeline_run_reset(struct vmm_session *ss,
					const struct vmm_scenario *s,
					const struct vmm_hooks *h,
					struct vmm_result *r)
{
	return run_inner(ss->k, ss, s, h, r, 0);
}

int vmm_host_mode_check(struct vmm_kvm *k, enum vmm_x86_mode m,
			struct vmm_error *e)
{
	static const uint8_t hlt = 0xF4;
	struct vmm_scenario s;
	struct vmm_result r;
	char why[VMM_ERR_MSG_MAX + 64];

	if ((unsigned int)m >= VMM_MODE_COUNT || m >= VMM_MODE_SLOTS)
		return vmm_scenario_reject(e, "unknown mode %d", (int)m);
	if (k->mode_probe[m] == VMM_PROBE_UNKNOWN) {
		vmm_scenario_init(&s);
		s.nslots = 1;
		s.slots[0].size = 0x10000;
		s.nblobs = 1;
		s.blobs[0].gpa = 0x1000;
		s.blobs[0].data = &hlt;
		s.blobs[0].len = 1;
		s.nvcpus = 1;
		s.vcpus[0].mode = m;
		s.vcpus[0].entry = 0x1000;
		s.max_exits = 16;
		s.timeout_ms = 2000;
		(void)run_inner(k, NULL, &s, NULL, &r, 1);
		if (r.verdict == VMM_V_HALT) {
			k->mode_probe[m] = VMM_PROBE_OK;
		} else if (r.err.cls == VMM_ERR_GUEST ||
			   r.err.cls == VMM_ERR_TIMEOUT ||
			   r.err.cls == VMM_ERR_BUDGET) {
			/* the probe guest itself failed: a host limit. A failing
			 * system call (even inside KVM_RUN) is not, and is
			 * passed on below without caching anything. */
			k->mode_probe[m] = VMM_PROBE_FAILS;
			vmm_err_format(&r.err, why, sizeof(why));
			(void)snprintf(k->mode_probe_why[m],
				       sizeof(k->mode_probe_why[m]), "%.120s", why);
		} else {
			/* The probe could not even start: pass that on. */
			*e = r.err;
			return -1;
		}
	}
	if (k->mode_probe[m] == VMM_PROBE_OK)
		return 0;
	vmm_err_set(e, VMM_ERR_HOST, "mode probe", 0,
		    "this host's KVM cannot run %s guests: a one-instruction HLT"
		    " probe in that mode failed (%s); this is a host limitation "
		    "(e.g. nested or PVM-backed KVM), not a guest bug",
		    vmm_x86_mode_name(m), k->mode_probe_why[m]);
	return -1;
}

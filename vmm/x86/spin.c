/* Spin detection, x86 (vmm/pipeline_ctx.h: vmm_arch_spin_check).
 *
 * A vCPU a kick interrupted is sampled (KVM_CAP_SYNC_REGS through an
 * immediate-exit KVM_RUN: registers, sregs, pending events) together with
 * what sync regs do not carry (xsave, debug registers, every MSR that can
 * be read back except the TSC). It is then single-stepped
 * (KVM_SET_GUEST_DEBUG, KVM_GUESTDBG_SINGLESTEP) for at most
 * VMM_SPIN_STEPS instructions. If it comes back to exactly the sampled
 * state with no exit and no guest page written in between, the machine is
 * in a cycle it can never leave (nothing else runs: the pipeline runs one
 * vCPU at a time, and there is no in-kernel irqchip or timer): a spin.
 * Whether that happens depends only on the cycle's length, not on where
 * in the cycle the kick landed, and the vCPU is then stepped on to the
 * cycle's smallest state (rip first), so the verdict and the final state
 * are the same in fresh and reset mode and on replay.
 *
 * A HLT is never stepped (KVM's emulator would report it as a debug exit
 * and lose the halt): the check stops before it and the guest runs on.
 *
 * Hosts that refuse single-stepping: a kick's sample is compared with the
 * previous kick's instead (same state, no exit, no page written between).
 * That is exact for a one-state loop (jmp $) but depends on where the
 * kicks land for longer cycles (docs/security.md). */
#include <errno.h>
#include <string.h>

#include "vmm/pipeline_ctx.h"
#include "vmm/x86/cpu_bits.h"
#include "vmm/x86/vcpu_state.h"

#define SYNC_ALL (KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS | KVM_SYNC_X86_EVENTS)
#define MSR_IA32_TSC 0x10U
#define EFLAGS_TF 0x100ULL
#define DR7_ENABLES 0xffULL
#define DR6_BS 0x4000ULL

/* State a guest can change that sync regs do not carry. */
struct extra {
	struct kvm_debugregs dregs;
	uint32_t nchunks; /* msrs[0..nchunks): the restore set's MSRs */
	uint8_t xsave[sizeof(struct kvm_xsave)] __attribute__((aligned(8)));
	uint8_t msrs[VMM_MSR_CHUNKS][VMM_MSRS_BUF_SIZE]
		__attribute__((aligned(8)));
};

static int get_extra(struct vmm_vcpu *v, struct extra *x, struct vmm_error *e)
{
	memset(x, 0, sizeof(*x));
	if (VCPU_IOCTL(v, KVM_GET_DEBUGREGS, &x->dregs, e) < 0 ||
	    VCPU_IOCTL(v, KVM_GET_XSAVE, (struct kvm_xsave *)(void *)x->xsave,
		       e) < 0)
		return -1;
	return vmm_arch_msrs_get(v, x->msrs, &x->nchunks, e);
}

static const struct kvm_msrs *chunk(const struct extra *x, uint32_t c)
{
	return (const struct kvm_msrs *)(const void *)x->msrs[c];
}

/* DR6 is left out: it is status the CPU writes on a #DB (our own steps
 * included); a guest loop reading it runs MOV from DR6, which KVM sees. */
static int same_extra(const struct extra *a, const struct extra *b)
{
	if (memcmp(a->dregs.db, b->dregs.db, sizeof(a->dregs.db)) != 0 ||
	    a->dregs.dr7 != b->dregs.dr7 ||
	    memcmp(a->xsave, b->xsave, sizeof(a->xsave)) != 0 ||
	    a->nchunks != b->nchunks)
		return 0;
	for (uint32_t c = 0; c < a->nchunks; c++) {
		const struct kvm_msrs *ma = chunk(a, c), *mb = chunk(b, c);

		if (ma->nmsrs != mb->nmsrs)
			return 0;
		for (uint32_t i = 0; i < ma->nmsrs; i++)
			if (ma->entries[i].index != MSR_IA32_TSC &&
			    ma->entries[i].data != mb->entries[i].data)
				return 0;
	}
	return 1;
}

static uint64_t extra_hash(const struct extra *x)
{
	uint64_t h = VMM_HASH_INIT;

	h = vmm_fnv(h, x->dregs.db, sizeof(x->dregs.db));
	h = vmm_fnv(h, &x->dregs.dr7, sizeof(x->dregs.dr7));
	h = vmm_fnv(h, x->xsave, sizeof(x->xsave));
	for (uint32_t c = 0; c < x->nchunks; c++) {
		const struct kvm_msrs *m = chunk(x, c);

		for (uint32_t i = 0; i < m->nmsrs; i++)
			if (m->entries[i].index != MSR_IA32_TSC)
				h = vmm_fnv(h, &m->entries[i].data,
					    sizeof(m->entries[i].data));
	}
	return h;
}

static int same_sync(const struct kvm_sync_regs *a,
		     const struct kvm_sync_regs *b)
{
	return memcmp(&a->regs, &b->regs, sizeof(a->regs)) == 0 &&
	       memcmp(&a->sregs, &b->sregs, sizeof(a->sregs)) == 0 &&
	       memcmp(&a->events, &b->events, sizeof(a->events)) == 0;
}

/* The order the final state is chosen by: rip, then everything else. */
static int canon_cmp(const struct kvm_sync_regs *a,
		     const struct kvm_sync_regs *b)
{
	int r;

	if (a->regs.rip != b->regs.rip)
		return a->regs.rip < b->regs.rip ? -1 : 1;
	r = memcmp(&a->regs, &b->regs, sizeof(a->regs));
	if (r)
		return r;
	r = memcmp(&a->sregs, &b->sregs, sizeof(a->sregs));
	if (r)
		return r;
	return memcmp(&a->events, &b->events, sizeof(a->events));
}

/* Guest-physical address of a linear one, or -1 where this walk does
 * not go: paging other than 4-level long mode (the only paging kvm-pvm
 * runs), a page not present. */
static int64_t linear_to_gpa(struct run_ctx *c, const struct kvm_sregs *sr,
			     uint64_t lin)
{
	uint64_t table, ent = 0;

	if (!(sr->cr0 & 0x80000000ULL))
		return (int64_t)(lin & 0xffffffffULL);
	if (!(sr->efer & 0x400ULL) || (sr->cr4 & 0x1000ULL)) /* LMA; LA57 */
		return -1;
	table = sr->cr3 & 0x000ffffffffff000ULL;
	for (int level = 3; level >= 0; level--) {
		const uint8_t *p = vmm_vm_hva(
			c->vm, table + ((lin >> (12 + 9 * level)) & 511) * 8,
			8);

		if (!p)
			return -1;
		memcpy(&ent, p, sizeof(ent));
		if (!(ent & 1))
			return -1;
		if (level > 0 && level < 3 && (ent & 0x80)) { /* 1G / 2M page */
			uint64_t sz = 1ULL << (12 + 9 * level);

			return (int64_t)((ent & 0x000ffffffffff000ULL &
					  ~(sz - 1)) |
					 (lin & (sz - 1)));
		}
		table = ent & 0x000ffffffffff000ULL;
	}
	return (int64_t)(table | (lin & 0xfff));
}

/* Is the instruction at the state's rip a HLT (after prefixes)? 1, 0, or
 * -1 when its bytes cannot be read. Stepping must not execute it: KVM
 * reports a HLT done by its instruction emulator under single-step as a
 * debug exit and the halt is lost (kvm-pvm emulates CPL0 code). */
static int at_hlt(struct run_ctx *c, const struct kvm_sync_regs *st)
{
	const struct kvm_sregs *sr = &st->sregs;
	int64_t gpa = -1;
	uint64_t lin, last_page = ~0ULL;
	int lm = (sr->efer & 0x400ULL) && sr->cs.l;

	lin = lm ? st->regs.rip
		 : sr->cs.base + (st->regs.rip &
				  (sr->cs.db ? 0xffffffffULL : 0xffffULL));
	for (int i = 0; i < 15; i++, lin++) {
		const uint8_t *b;

		if ((lin >> 12) != last_page) {
			gpa = linear_to_gpa(c, sr, lin & ~0xfffULL);
			last_page = lin >> 12;
		}
		b = gpa < 0 ? NULL
			    : vmm_vm_hva(c->vm, (uint64_t)gpa + (lin & 0xfff),
					 1);
		if (!b)
			return -1;
		switch (*b) {
		case 0x26:
		case 0x2e:
		case 0x36:
		case 0x3e:
		case 0x64:
		case 0x65:
		case 0x66:
		case 0x67:
		case 0xf0:
		case 0xf2:
		case 0xf3:
			continue;
		default:
			if (lm && (*b & 0xf0) == 0x40)
				continue; /* REX */
			return *b == 0xf4;
		}
	}
	return 0;
}

/* One single step from state *cur (in KVM): 0 with the new state in
 * *cur, 1 a real exit (in *x), 2 not stepped (a kick came first: the host
 * does not step; or the next instruction is a HLT or unreadable), -1. */
static int step(struct run_ctx *c, struct vmm_vcpu *v,
		struct kvm_sync_regs *cur, struct vmm_exit *x,
		struct vmm_error *e)
{
	int r;

	uint64_t cpu0 = vmm_thread_cpu_ns() / 1000U;
	uint32_t waited = 0;

	if (at_hlt(c, cur) != 0)
		return 3;

	v->sync_fields = SYNC_ALL;
	for (;;) {
		if (vmm_deadline_kick_after(c->deadline, VMM_SPIN_STEP_KICK_US,
					    e) < 0) {
			r = -1;
			break;
		}
		r = vmm_vcpu_run(v, c->deadline, x, e);
		waited += VMM_SPIN_STEP_KICK_US;
		if (r != 1 ||
		    vmm_thread_cpu_ns() / 1000U - cpu0 >=
			    VMM_SPIN_STEP_CPU_US ||
		    waited >= VMM_SPIN_STEP_WAIT_US)
			break;
	}
	v->sync_fields = 0;
	if (r < 0)
		return -1;
	if (r == 1)
		return 2;
	if (x->reason != KVM_EXIT_DEBUG || !(x->u.debug.dr6 & DR6_BS))
		return 1;
	c->arch.spin_steps++;
	vmm_vcpu_synced(v, cur);
	return 0;
}

static int stepped_check(struct run_ctx *c, struct vmm_vcpu *v,
			 const struct kvm_sync_regs *s0, const struct extra *f0,
			 struct vmm_exit *x, struct vmm_error *e)
{
	static __thread struct extra fn;
	struct kvm_sync_regs cur, best = *s0;
	uint32_t best_at = 0, found = 0;
	uint64_t pages;
	int r = 0;

	cur = *s0;
	for (uint32_t n = 1; n <= VMM_SPIN_STEPS; n++) {
		r = step(c, v, &cur, x, e);
		if (r == 3) {
			r = 0;
			break;
		}
		if (r != 0)
			break;
		c->k->step_probe = VMM_PROBE_OK;
		if (same_sync(&cur, s0)) {
			if (get_extra(v, &fn, e) < 0)
				return -1;
			if (same_extra(&fn, f0)) {
				found = n;
				break;
			}
		}
		if (canon_cmp(&cur, &best) < 0) {
			best = cur;
			best_at = n;
		}
	}
	/* A first step that never comes back is a guest in a fault loop as
	 * often as a host that does not step: only a run of them, with no
	 * step ever back, says the host does not step. */
	if (r == 2 && c->k->step_probe == VMM_PROBE_UNKNOWN &&
	    ++c->k->step_misses >= VMM_SPIN_STEP_MISSES)
		c->k->step_probe = VMM_PROBE_FAILS;
	if (r < 0)
		return -1;
	if (r == 1)
		return 2;
	if (!found || r == 2)
		return 0;
	if (vmm_run_dirty_poll(c, &pages, e) < 0)
		return -1;
	if (pages)
		return 0;
	/* a cycle: on to its smallest state */
	for (uint32_t n = 0; n < best_at; n++) {
		r = step(c, v, &cur, x, e);
		if (r < 0)
			return -1;
		if (r == 1)
			return 2; /* not reached: the cycle has no exit */
		if (r >= 2)
			return 0; /* not reached: the cycle stepped before */
	}
	return 1;
}

/* An event KVM will deliver at the next entry: a step would deliver it
 * with the trap flag of KVM_GUESTDBG_SINGLESTEP set, and the frame the
 * guest's stack gets holds RFLAGS.TF (test_reset: an injected #GP whose
 * first entry a kick beat, 6 of 240 replays of the sequence). */
static int event_due(const struct kvm_vcpu_events *ev)
{
	return ev->exception.injected || ev->exception.pending ||
	       ev->nmi.injected || ev->nmi.pending || ev->interrupt.injected;
}

int vmm_arch_spin_check(struct run_ctx *c, uint32_t i, struct vmm_exit *x,
			struct vmm_error *e)
{
	static __thread struct extra f0;
	struct vmm_vcpu *v = &c->vcpus[i];
	struct vmm_arch_run *a = &c->arch;
	struct kvm_sync_regs s0;
	uint64_t pages, h;
	int r, same;

	if (vmm_vcpu_sample(v, SYNC_ALL, &s0, e) < 0 ||
	    vmm_run_dirty_poll(c, &pages, e) < 0 || get_extra(v, &f0, e) < 0)
		return -1;
	/* A guest's own single-stepping or breakpoints would come back as
	 * our debug exits: not stepped. */
	/* Nor a vCPU with a guest_debug record: its own KVM_SET_GUEST_DEBUG
	 * state must stay. */
	/* Nor a vCPU with an in-kernel LAPIC: an interrupt delivered during
	 * a step changes what the guest sees. long64_irq_lapic_timer under
	 * load (three busy loops): triple faults in 3 of 1,600 replays with
	 * stepping, none in 800 without; KVM_GUESTDBG_BLOCKIRQ made it worse
	 * on kvm-pvm (6 runs of 500 never woke). Such a vCPU gets the sample
	 * comparison below. */
	if (c->k->step_probe != VMM_PROBE_FAILS && !c->s->vcpus[i].has_gdbg &&
	    !c->s->has_irqchip && !event_due(&s0.events) &&
	    !(s0.regs.rflags & EFLAGS_TF) && !(f0.dregs.dr7 & DR7_ENABLES)) {
		if (vmm_vcpu_guest_debug(v, KVM_GUESTDBG_ENABLE |
						    KVM_GUESTDBG_SINGLESTEP) ==
		    0) {
			r = stepped_check(c, v, &s0, &f0, x, e);
			if (vmm_vcpu_guest_debug(v, 0) < 0) {
				vmm_err_set_ioctl(e, VMM_ERR_SYS,
						  KVM_SET_GUEST_DEBUG,
						  "KVM_SET_GUEST_DEBUG", errno,
						  "vCPU %u: cannot stop "
						  "single-stepping",
						  v->id);
				return -1;
			}
			if (r != 0 || c->k->step_probe == VMM_PROBE_OK)
				return r;
		} else if (errno != EBUSY) {
			c->k->step_probe = VMM_PROBE_FAILS;
		}
	}
	/* no single-stepping: this sample against the previous one */
	h = extra_hash(&f0);
	same = a->spin_prev_ok && a->spin_prev_vcpu == i &&
	       a->spin_prev_exits == c->r->exits && pages == 0 &&
	       a->spin_prev_hash == h && same_sync(&a->spin_prev, &s0);
	a->spin_prev = s0;
	a->spin_prev_hash = h;
	a->spin_prev_exits = c->r->exits;
	a->spin_prev_vcpu = i;
	a->spin_prev_ok = 1;
	return same ? 1 : 0;
}

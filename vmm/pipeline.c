#include "vmm/pipeline.h"

#include <errno.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vmm/kvm_compat.h"
#include "vmm/outcome.h"
#include "vmm/pipeline_ctx.h"
#include "vmm/session.h"
#include "vmm/vcpu.h"
#include "vmm/watchdog.h"

int vmm_verdict_clean(enum vmm_verdict v)
{
	return vmm_verdict_info(v)->clean;
}

const char *vmm_verdict_name(enum vmm_verdict v)
{
	return vmm_verdict_info(v)->name;
}

int vmm_run_dirty_poll(struct run_ctx *c, uint64_t *pages, struct vmm_error *e)
{
	if (c->ss)
		return vmm_session_dirty_poll(c->ss, pages, e);
	return vmm_vm_dirty_poll(c->vm, pages, e);
}

static uint32_t first_kick_us(const struct vmm_scenario *s);

/* A kick landed: the spin check, and the next kick. 0 with an exit in *x
 * (the check stepped into one), 1 the vCPU spins, 3 run on, -1. */
static int spin_kick(struct run_ctx *c, uint32_t i, struct vmm_exit *x,
		     struct vmm_error *e)
{
	struct timespec saved;
	int rc;

	if (c->s->has_irqchip) {
		/* in-kernel LAPIC: a HLT stays in KVM; the check's ioctls and
		 * its second look are the VMM's time, as the spin check's */
		vmm_deadline_extend(c->deadline, VMM_SPIN_CHECK_MAX_US, &saved);
		rc = vmm_arch_halt_check(c, i, x, e);
		vmm_deadline_restore(c->deadline, &saved);
		if (rc < 0)
			return -1;
		if (rc == 2)
			return 0;
		if (rc == 3) { /* a timer may come: as a spin check would */
			if (c->kick_us < 1000000000U)
				c->kick_us *= 2;
			return vmm_deadline_kick_after(c->deadline, c->kick_us,
						       e) < 0
				       ? -1
				       : 3;
		}
		/* no spin checks under VMM_SPIN_MIN_TIMEOUT_MS: halt checks
		 * at the first kick's interval, so a HLT ends the run well
		 * inside the limit */
		if (c->s->timeout_ms < VMM_SPIN_MIN_TIMEOUT_MS)
			return vmm_deadline_kick_after(
				       c->deadline, first_kick_us(c->s), e) < 0
				       ? -1
				       : 3;
	}
	/* A check that started is finished whatever the clock says (its
	 * verdict must not depend on the host's speed), and its time - the
	 * sample, the stepping, the MSR probe the first check of a process
	 * may run - is the VMM's, not the guest's: the clock moves on by it. */
	vmm_deadline_extend(c->deadline, VMM_SPIN_CHECK_MAX_US, &saved);
	rc = vmm_arch_spin_check(c, i, x, e);
	vmm_deadline_restore(c->deadline, &saved);
	if (rc < 0 || rc == 1)
		return rc;
	if (c->kick_us < 1000000000U)
		c->kick_us *= 2;
	if (vmm_deadline_kick_after(c->deadline, c->kick_us, e) < 0)
		return -1;
	return rc == 2 ? 0 : 3;
}

/* One guest entry of vCPU i; a kick in between is a spin check (run_loop).
 * 0 with an exit in *x, 1 the vCPU spins, -1. Not inlined: how many kicks
 * land is timing, so the AFL++ denylist names it (fuzz/afl-denylist.txt),
 * and a denylisted function inlined into its caller would be counted. */
static __attribute__((noinline)) int run_vcpu(struct run_ctx *c, uint32_t i,
					      struct vmm_exit *x,
					      struct vmm_error *e)
{
	if (c->imm_exit[i]) { /* an immediate_exit action */
		int rc;

		c->imm_exit[i] = 0;
		rc = vmm_vcpu_run_immediate(&c->vcpus[i], x, e);
		if (rc <= 0)
			return rc;
	}
	for (;;) {
		int rc = vmm_vcpu_run(&c->vcpus[i], c->deadline, x, e);

		if (rc != 1)
			return rc;
		vmm_run_untracked(c, 1);
		rc = spin_kick(c, i, x, e);
		vmm_run_untracked(c, 0);
		if (rc != 3)
			return rc;
	}
}

/* Kicks for spin detection: the first early relative to the run's
 * timeout, then doubling. */
static uint32_t first_kick_us(const struct vmm_scenario *s)
{
	uint32_t us;

	if (s->timeout_ms < VMM_SPIN_MIN_TIMEOUT_MS)
		/* no spin checks: they would cost more than they save; an
		 * in-kernel LAPIC's halt checks (an ioctl or four) still */
		return s->has_irqchip ? s->timeout_ms * 1000U / 8U : 0;
	us = s->timeout_ms >= 4000000U ? 1000000000U
				       : s->timeout_ms * 1000U / 4;

	if (us < VMM_SPIN_FIRST_US)
		us = VMM_SPIN_FIRST_US;
	if (us > VMM_SPIN_FIRST_MAX_US)
		us = VMM_SPIN_FIRST_MAX_US;
	/* a HLT in KVM is found at a kick: soon */
	if (s->has_irqchip && us > VMM_HALT_KICK_US)
		us = VMM_HALT_KICK_US;
	return us;
}

/* An exit: the clock starts again. timeout_ms bounds guest time without
 * an exit, the exit budget bounds the exits; so a guest that keeps
 * exiting ends by its budget, the same way on every run, not by the clock
 * wherever it happens to be (AFL++ found such inputs unstable: 54 console
 * writes took 0.8 ms on one run and 1.1 ms on the next). The hang
 * watchdog likewise watches each guest entry. */
static int restart_clock(struct run_ctx *c, struct vmm_error *e)
{
	c->kick_us = first_kick_us(c->s);
	vmm_watchdog_arm(c->h ? c->h->watchdog : NULL,
			 (uint64_t)c->s->timeout_ms + VMM_HANG_GRACE_MS);
	return vmm_deadline_restart(c->deadline, c->s->timeout_ms, c->kick_us,
				    e);
}

/* The action records due at this exit of vCPU i (its vexits[i]-th, of
 * this reason), in list order, once each. Their results go into the trace
 * hash: the same input fires the same actions with the same results in
 * fresh mode, reset mode and replay. */
static int fire_actions(struct run_ctx *c, uint32_t i, uint32_t reason,
			struct vmm_error *e)
{
	const struct vmm_scenario *s = c->s;

	for (uint32_t q = 0; q < s->nactions && q < VMM_MAX_SCN_ACTIONS; q++) {
		const struct vmm_action_spec *a = &s->actions[q];
		struct vmm_action_event ev;
		int64_t err;

		if (a->vcpu != i || c->act_fired[q] ||
		    (a->trigger == VMM_AT_EXIT ? a->when != c->vexits[i]
					       : a->when != reason))
			continue;
		c->act_fired[q] = 1;
		memset(&ev, 0, sizeof(ev));
		ev.vcpu_exit = c->vexits[i];
		ev.index = q;
		ev.vcpu = i;
		ev.kind = a->kind;
		if (vmm_arch_action(c, a, &ev, e) < 0)
			return -1;
		if (a->kind <= VMM_AK_SLOT_FLAGS)
			c->layout_gen++;
		c->r->actions_fired++;
		if (ev.err)
			c->r->actions_refused++;
		err = ev.err;
		c->r->trace_hash = vmm_fnv(c->r->trace_hash, &q, sizeof(q));
		c->r->trace_hash = vmm_fnv(c->r->trace_hash, &err, sizeof(err));
		c->r->trace_hash =
			vmm_fnv(c->r->trace_hash, &ev.value, sizeof(ev.value));
		if (c->h && c->h->on_action)
			c->h->on_action(c->h->ctx, &ev);
	}
	return 0;
}

static int run_loop(struct run_ctx *c, struct vmm_error *e)
{
	const struct vmm_scenario *s = c->s;
	uint64_t budget = s->max_exits ? s->max_exits : VMM_MAX_EXITS_LIMIT;
	int stopped[VMM_MAX_VCPUS] = { 0 };
	uint32_t nstopped = 0;

	c->kick_us = first_kick_us(s);
	/* a vCPU halted in KVM is looked at before a timeout too */
	c->deadline->look_at_end = s->has_irqchip != 0;
	if (vmm_deadline_kick_after(c->deadline, c->kick_us, e) < 0)
		return -1;
	while (nstopped < s->nvcpus) {
		for (uint32_t i = 0; i < s->nvcpus; i++) {
			struct vmm_exit x;
			enum vmm_exit_action act;
			int rc;

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
			if (c->last_reason[i] != KVM_EXIT_MMIO &&
			    c->last_reason[i] != KVM_EXIT_IO)
				c->gen_at[i] = c->layout_gen;
			rc = run_vcpu(c, i, &x, e);
			if (rc == 1) {
				c->r->verdict = VMM_V_SPIN;
				c->r->last_vcpu = i;
				return 0;
			}
			if (rc < 0) {
				if (e->cls == VMM_ERR_TIMEOUT)
					vmm_err_set(
						e, VMM_ERR_TIMEOUT, "KVM_RUN",
						0,
						"run timeout after %u ms "
						"without an exit (vCPU %u "
						"still running, %llu exits)",
						s->timeout_ms, i,
						(unsigned long long)
							c->r->exits);
				return -1;
			}
			/* the layout the instruction began on (a slot action
			 * between two fragments of one access) */
			if (c->gen_at[i] == c->layout_gen &&
			    vmm_vm_check_exit_gpa(c->vm, &x, e) < 0)
				return -1;
			c->r->trace_hash = vmm_exit_hash(c->r->trace_hash, &x);
			vmm_exit_copy_fields(&c->r->last_exit, &x);
			c->r->have_last_exit = 1;
			c->r->last_vcpu = i;
			vmm_exit_copy_fields(
				&c->r->recent[c->r->exits % VMM_TRACE_KEEP],
				&x);
			c->last_reason[i] = x.reason;
			c->r->exits++;
			/* the service is the VMM's own work, not a vCPU in
			 * KVM_RUN: a crash report there (a sanitizer's or the
			 * engine's, seconds of symbolizing) is no hang */
			vmm_watchdog_disarm(c->h ? c->h->watchdog : NULL);
			if (c->h && c->h->on_service)
				c->h->on_service(c->h->ctx, i, &x);
			act = vmm_exit_handle(&c->dev, i, &x, e);
			VMM_PLANTED_HOOK(
				vmm_planted_vcpu_exit(&c->vcpus[i], i, &x));
			/* after the service: the trace shows the replies the
			 * VMM gave (RDMSR's value, a hypercall's ret) */
			if (c->h && c->h->on_exit)
				c->h->on_exit(c->h->ctx, i, &x);
			if (act == VMM_ACT_FAIL)
				return -1;
			vmm_vcpu_complete(&c->vcpus[i], &x);
			c->vexits[i]++;
			if (s->nactions && fire_actions(c, i, x.reason, e) < 0)
				return -1;
			if (restart_clock(c, e) < 0)
				return -1;
			/* a system event (PSCI SYSTEM_OFF/RESET) ends the
			 * whole VM's run, not only this vCPU's */
			if (act == VMM_ACT_POWEROFF || act == VMM_ACT_RESET) {
				c->r->verdict = act == VMM_ACT_POWEROFF
							? VMM_V_POWEROFF
							: VMM_V_RESET;
				return 0;
			}
			if (act != VMM_ACT_CONTINUE) {
				stopped[i] = 1;
				nstopped++;
			}
		}
	}
	return 0;
}

/* ---- concurrent mode ------------------------------------------------------
 * One thread per vCPU runs it (its own deadline, the same exit handling
 * under one lock) while another fires the action records in a random
 * order at random times (up to CONC_MAX_DELAY_US apart): slot changes race
 * with accesses, injections with exits. A vCPU action waits for the vCPU
 * to leave KVM_RUN (KVM's vCPU lock): the thread is kicked first. The MMIO
 * contract check skips an exit whose entry a slot change overlapped (the
 * layout it ran on is gone). The first failure ends the run. */
#define CONC_MAX_DELAY_US 400U

struct conc {
	struct run_ctx *c;
	pthread_mutex_t mu; /* devices, the result, hooks, the first error */
	pthread_rwlock_t slots; /* vm->slots: slot actions write */
	uint64_t layout_gen;	/* slot actions done (under `slots`) */
	struct vmm_error err;	/* the first failure */
	int failed, end;	/* end: every thread stops */
	pthread_t tid[VMM_MAX_VCPUS];
	int started[VMM_MAX_VCPUS];
	uint64_t rng;
	/* An action on vCPU t holds it out of KVM_RUN while it runs: its
	 * ioctls read and write state the guest must not change in between
	 * (a register set is KVM_GET_REGS then KVM_SET_REGS). hold[t]: the
	 * action thread wants it (vmm_vcpu.hold); parked[t]: its thread waits
	 * outside KVM_RUN; done[t]: its thread has ended. Under pmu. */
	pthread_mutex_t pmu;
	pthread_cond_t pcv;
	int hold[VMM_MAX_VCPUS], parked[VMM_MAX_VCPUS], done[VMM_MAX_VCPUS];
};

/* The vCPU thread's side of a hold: wait outside KVM_RUN until the action
 * is done (or the run ends). */
static void conc_park(struct conc *k, uint32_t i)
{
	(void)pthread_mutex_lock(&k->pmu);
	k->parked[i] = 1;
	(void)pthread_cond_broadcast(&k->pcv);
	while (__atomic_load_n(&k->hold[i], __ATOMIC_ACQUIRE) &&
	       !__atomic_load_n(&k->end, __ATOMIC_ACQUIRE))
		(void)pthread_cond_wait(&k->pcv, &k->pmu);
	k->parked[i] = 0;
	(void)pthread_mutex_unlock(&k->pmu);
}

static void conc_vcpu_done(struct conc *k, uint32_t i)
{
	(void)pthread_mutex_lock(&k->pmu);
	k->done[i] = 1;
	(void)pthread_cond_broadcast(&k->pcv);
	(void)pthread_mutex_unlock(&k->pmu);
}

/* The action thread's side: vCPU t out of KVM_RUN (kicked) and waiting,
 * or ended. Bounded: a kicked vCPU leaves KVM_RUN at once, one that
 * missed the kick at its next exit or deadline. */
static void conc_hold(struct conc *k, uint32_t t)
{
	(void)pthread_mutex_lock(&k->pmu);
	__atomic_store_n(&k->hold[t], 1, __ATOMIC_RELEASE);
	(void)pthread_mutex_unlock(&k->pmu);
	(void)pthread_kill(k->tid[t], vmm_deadline_signal());
	(void)pthread_mutex_lock(&k->pmu);
	while (!k->parked[t] && !k->done[t]) {
		struct timespec ts;

		/* the run's end wakes no one here: look again every ms */
		(void)clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		(void)pthread_cond_timedwait(&k->pcv, &k->pmu, &ts);
	}
	(void)pthread_mutex_unlock(&k->pmu);
}

static void conc_release(struct conc *k, uint32_t t)
{
	(void)pthread_mutex_lock(&k->pmu);
	__atomic_store_n(&k->hold[t], 0, __ATOMIC_RELEASE);
	(void)pthread_cond_broadcast(&k->pcv);
	(void)pthread_mutex_unlock(&k->pmu);
}

struct conc_vcpu {
	struct conc *k;
	uint32_t i;
};

static uint64_t conc_next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static int conc_ended(struct conc *k)
{
	return __atomic_load_n(&k->end, __ATOMIC_ACQUIRE);
}

/* The first failure, unless the run already ended for another reason. */
static void conc_fail(struct conc *k, const struct vmm_error *e)
{
	(void)pthread_mutex_lock(&k->mu);
	if (!k->failed && !k->end) {
		k->failed = 1;
		k->err = *e;
	}
	__atomic_store_n(&k->end, 1, __ATOMIC_RELEASE);
	(void)pthread_mutex_unlock(&k->mu);
}

/* One serviced exit under the lock: 0 run on, 1 this vCPU is done, 2 the
 * run ended. */
static int conc_exit(struct conc *k, uint32_t i, struct vmm_exit *x,
		     struct vmm_error *e)
{
	struct run_ctx *c = k->c;
	uint64_t budget =
		c->s->max_exits ? c->s->max_exits : VMM_MAX_EXITS_LIMIT;
	enum vmm_exit_action act;
	int rc = 0;

	(void)pthread_mutex_lock(&k->mu);
	if (k->end) {
		(void)pthread_mutex_unlock(&k->mu);
		return 2;
	}
	if (c->r->exits >= budget) {
		vmm_err_set(e, VMM_ERR_BUDGET, NULL, 0,
			    "exit budget of %llu exits used up",
			    (unsigned long long)budget);
		(void)pthread_mutex_unlock(&k->mu);
		return -1;
	}
	c->r->trace_hash = vmm_exit_hash(c->r->trace_hash, x);
	vmm_exit_copy_fields(&c->r->last_exit, x);
	c->r->have_last_exit = 1;
	c->r->last_vcpu = i;
	vmm_exit_copy_fields(&c->r->recent[c->r->exits % VMM_TRACE_KEEP], x);
	c->last_reason[i] = x->reason;
	c->r->exits++;
	/* as in run_loop: the service is not watched (armed again after) */
	vmm_watchdog_disarm(c->h ? c->h->watchdog : NULL);
	if (c->h && c->h->on_service)
		c->h->on_service(c->h->ctx, i, x);
	act = vmm_exit_handle(&c->dev, i, x, e);
	if (c->h && c->h->on_exit)
		c->h->on_exit(c->h->ctx, i, x);
	vmm_watchdog_arm(c->h ? c->h->watchdog : NULL,
			 (uint64_t)c->s->timeout_ms + VMM_HANG_GRACE_MS);
	if (act == VMM_ACT_FAIL) {
		rc = -1;
	} else {
		vmm_vcpu_complete(&c->vcpus[i], x);
		c->vexits[i]++;
		if (act == VMM_ACT_POWEROFF || act == VMM_ACT_RESET) {
			c->r->verdict = act == VMM_ACT_POWEROFF ? VMM_V_POWEROFF
								: VMM_V_RESET;
			__atomic_store_n(&k->end, 1, __ATOMIC_RELEASE);
			rc = 2;
		} else if (act != VMM_ACT_CONTINUE) {
			rc = 1;
		}
	}
	(void)pthread_mutex_unlock(&k->mu);
	return rc;
}

static void *conc_vcpu_main(void *arg)
{
	const struct conc_vcpu *cv = arg;
	struct conc *k = cv->k;
	struct run_ctx *c = k->c;
	struct vmm_deadline d;
	struct vmm_error e;
	struct vmm_exit x;

	memset(&d, 0, sizeof(d));
	vmm_err_clear(&e);
	if (vmm_deadline_arm(&d, c->s->timeout_ms, &e) < 0) {
		conc_fail(k, &e);
		return NULL;
	}
	uint64_t gen = 0;
	int carry = 0;

	while (!conc_ended(k)) {
		int rc;

		if (__atomic_load_n(&k->hold[cv->i], __ATOMIC_ACQUIRE)) {
			conc_park(k, cv->i);
			continue;
		}
		/* the layout the instruction began on: an entry that completes
		 * an MMIO or port access goes on with the same instruction,
		 * whose next fragment KVM sends as MMIO whatever slot now
		 * backs it (a rep string access or a page-crossing one that a
		 * slot change caught halfway: tests/concurrent/README.md) */
		if (!carry)
			gen = __atomic_load_n(&k->layout_gen, __ATOMIC_ACQUIRE);
		rc = vmm_vcpu_run(&c->vcpus[cv->i], &d, &x, &e);
		if (rc == 1)
			continue; /* kicked */
		if (rc == 0) {
			(void)pthread_rwlock_rdlock(&k->slots);
			if (gen == k->layout_gen &&
			    vmm_vm_check_exit_gpa(c->vm, &x, &e) < 0)
				rc = -1;
			(void)pthread_rwlock_unlock(&k->slots);
			carry = x.reason == KVM_EXIT_MMIO ||
				x.reason == KVM_EXIT_IO;
		}
		if (rc == 0)
			rc = conc_exit(k, cv->i, &x, &e);
		if (rc < 0) {
			if (e.cls == VMM_ERR_TIMEOUT)
				vmm_err_set(&e, VMM_ERR_TIMEOUT, "KVM_RUN", 0,
					    "run timeout after %u ms without "
					    "an exit (vCPU %u, concurrent "
					    "mode)",
					    c->s->timeout_ms, cv->i);
			conc_fail(k, &e);
		}
		if (rc != 0)
			break;
		if (vmm_deadline_restart(&d, c->s->timeout_ms, 0, &e) < 0) {
			conc_fail(k, &e);
			break;
		}
	}
	vmm_deadline_disarm(&d);
	vmm_deadline_release(&d);
	conc_vcpu_done(k, cv->i);
	return NULL;
}

static void conc_sleep_us(uint64_t us)
{
	struct timespec t = { 0, (long)(us * 1000U) };

	while (nanosleep(&t, &t) != 0)
		;
}

/* The action records, each once, in a random order at random times. */
static void *conc_actions_main(void *arg)
{
	struct conc *k = arg;
	struct run_ctx *c = k->c;
	const struct vmm_scenario *s = c->s;
	uint32_t order[VMM_MAX_SCN_ACTIONS];
	uint32_t n = s->nactions < VMM_MAX_SCN_ACTIONS ? s->nactions
						       : VMM_MAX_SCN_ACTIONS;

	for (uint32_t q = 0; q < n; q++)
		order[q] = q;
	for (uint32_t q = n; q > 1; q--) {
		uint32_t j = (uint32_t)(conc_next(&k->rng) % q), t = order[j];

		order[j] = order[q - 1];
		order[q - 1] = t;
	}
	for (uint32_t q = 0; q < n && !conc_ended(k); q++) {
		const struct vmm_action_spec *a = &s->actions[order[q]];
		struct vmm_action_event ev;
		struct vmm_error e;
		int rc, held, slot = a->kind <= VMM_AK_DIRTY_CLEAR;

		conc_sleep_us(conc_next(&k->rng) % CONC_MAX_DELAY_US);
		memset(&ev, 0, sizeof(ev));
		vmm_err_clear(&e);
		ev.index = order[q];
		ev.vcpu = a->vcpu;
		ev.kind = a->kind;
		/* a vCPU action: its vCPU held out of KVM_RUN while it runs
		 * (immediate_exit: the kick is all of it) */
		held = a->kind > VMM_AK_MSI &&
		       a->kind != VMM_AK_IMMEDIATE_EXIT &&
		       k->started[a->target];
		if (held)
			conc_hold(k, a->target);
		else if (a->kind > VMM_AK_MSI && k->started[a->target])
			(void)pthread_kill(k->tid[a->target],
					   vmm_deadline_signal());
		if (slot)
			(void)pthread_rwlock_wrlock(&k->slots);
		rc = a->kind == VMM_AK_IMMEDIATE_EXIT
			     ? 0
			     : vmm_arch_action(c, a, &ev, &e);
		if (slot) {
			k->layout_gen++;
			(void)pthread_rwlock_unlock(&k->slots);
		}
		if (held)
			conc_release(k, a->target);
		if (rc < 0) {
			conc_fail(k, &e);
			break;
		}
		(void)pthread_mutex_lock(&k->mu);
		c->r->actions_fired++;
		if (ev.err)
			c->r->actions_refused++;
		if (c->h && c->h->on_action)
			c->h->on_action(c->h->ctx, &ev);
		(void)pthread_mutex_unlock(&k->mu);
	}
	return NULL;
}

static int concurrent_loop(struct run_ctx *c, struct vmm_error *e)
{
	struct conc k;
	struct conc_vcpu cv[VMM_MAX_VCPUS];
	pthread_t at;
	int at_started = 0;

	memset(&k, 0, sizeof(k));
	k.c = c;
	k.rng = c->h->concurrent_seed | 1U;
	vmm_err_clear(&k.err);
	(void)pthread_mutex_init(&k.mu, NULL);
	(void)pthread_rwlock_init(&k.slots, NULL);
	(void)pthread_mutex_init(&k.pmu, NULL);
	(void)pthread_cond_init(&k.pcv, NULL);
	for (uint32_t i = 0; i < c->s->nvcpus; i++)
		c->vcpus[i].hold = &k.hold[i];
	for (uint32_t i = 0; i < c->s->nvcpus; i++) {
		cv[i].k = &k;
		cv[i].i = i;
		if (pthread_create(&k.tid[i], NULL, conc_vcpu_main, &cv[i]) !=
		    0) {
			vmm_err_set(&k.err, VMM_ERR_SYS, "pthread_create",
				    EAGAIN, "cannot start a vCPU thread");
			k.failed = 1;
			__atomic_store_n(&k.end, 1, __ATOMIC_RELEASE);
			break;
		}
		k.started[i] = 1;
	}
	if (!k.failed && c->s->nactions &&
	    pthread_create(&at, NULL, conc_actions_main, &k) == 0)
		at_started = 1;
	if (at_started)
		(void)pthread_join(at, NULL);
	for (uint32_t i = 0; i < c->s->nvcpus; i++)
		if (k.started[i])
			(void)pthread_join(k.tid[i], NULL);
	for (uint32_t i = 0; i < c->s->nvcpus; i++)
		c->vcpus[i].hold = NULL;
	(void)pthread_cond_destroy(&k.pcv);
	(void)pthread_mutex_destroy(&k.pmu);
	(void)pthread_rwlock_destroy(&k.slots);
	(void)pthread_mutex_destroy(&k.mu);
	if (k.failed) {
		*e = k.err;
		return -1;
	}
	return 0;
}

/* Repeat the pattern over [gpa, gpa+len): one copy, then doubling copies
 * of what is already written (every length is a whole number of
 * patterns), then 64 KiB blocks - memcpy speed instead of a byte loop. A
 * fill of zeros that no earlier fill or blob overlaps writes nothing: the
 * memory is zero there in a fresh VM and after a reset alike, and leaving
 * it untouched keeps those pages out of the process's RSS. */
static int fill_memory(struct vmm_vm *vm, const struct vmm_scenario *s,
		       uint32_t idx, int *wrote, struct vmm_error *e)
{
	const struct vmm_fill_spec *f = &s->fills[idx];
	uint8_t *dst = vmm_vm_hva(vm, f->gpa, f->len);
	size_t n, block = 0;
	int zero = 1;

	*wrote = 0;
	if (!dst || f->pattern_len == 0)
		return vmm_scenario_reject(
			e, "fill at 0x%llx outside guest memory",
			(unsigned long long)f->gpa);
	for (uint32_t i = 0; i < f->pattern_len; i++)
		zero &= f->pattern[i] == 0;
	if (zero) {
		int overlap = 0;

		for (uint32_t j = 0; j < idx; j++)
			overlap |= s->fills[j].gpa < f->gpa + f->len &&
				   f->gpa < s->fills[j].gpa + s->fills[j].len;
		if (!overlap)
			return 0;
	}
	n = f->pattern_len < f->len ? f->pattern_len : f->len;
	memcpy(dst, f->pattern, n);
	while (n < f->len) {
		size_t step = block ? block : n;

		if (step > f->len - n)
			step = f->len - n;
		memcpy(dst + n, dst, step);
		n += step;
		if (!block && n >= 65536)
			block = n - n % f->pattern_len;
	}
	*wrote = 1;
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
		h = vmm_fnv(h, next->host, (size_t)next->size);
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

void vmm_hooks_untracked(const struct vmm_hooks *h, int begin)
{
	if (h && h->untracked_work)
		h->untracked_work(h->ctx, begin);
}

void vmm_run_untracked(struct run_ctx *c, int begin)
{
	vmm_hooks_untracked(c->h, begin);
}

/* Memory contents and vCPUs, from a fresh VM or a reset session. */
static int build(struct run_ctx *c, struct vmm_error *e)
{
	const struct vmm_scenario *s = c->s;

	if (c->ss) {
		int rc;

		c->prepared = 1;
		vmm_run_untracked(c, 1);
		rc = vmm_session_prepare(c->ss, s, e);
		vmm_run_untracked(c, 0);
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
		if (vmm_arch_vm_irqchip(c->vm, s, e) < 0)
			return -1;
	}
	/* the same writes in the same order on zeroed memory either way */
	for (uint32_t f = 0; f < s->nfills; f++) {
		int wrote;

		if (fill_memory(c->vm, s, f, &wrote, e) < 0)
			return -1;
		if (c->ss && wrote)
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
		if (vmm_arch_vcpu_setup(c, i, e) < 0)
			return -1;
		c->nsetup++;
	}
	return vmm_arch_irqs_send(c, e);
}

/* Reset mode undoes every action's effect in the session itself: after a
 * slot action the VM is not reused, the next input gets a fresh one
 * (vmm_session_note_slot_action), a vCPU an action changed is restored
 * and its registers, sregs and events (pending NMI and interrupt
 * included) set as on every run, guest debugging turned off (or the VM
 * not reused if the vCPU ran with it: vmm_session_note_guest_debug). An
 * input runs on a fresh VM of its own (vmm_pipeline_run_reset, counted
 * in action_fresh) only for:
 *  - smi: SMM is VM-wide state (SMRAM, the SMM flag in KVM's memslot
 *    lookups) the restore does not cover - as the events record's SMI and
 *    SMM parts (VMM_X86_EV_FRESH); hosts without KVM_CAP_X86_SMM (the
 *    project's) refuse the input before any VM exists anyway;
 *  - dirty_get/dirty_clear on a session with the dirty ring: the ring is
 *    VM-wide and makes KVM_GET_DIRTY_LOG fail (ENXIO), where a fresh VM's
 *    bitmap answers (bitmap sessions run them with a fresh VM's dirty
 *    logging, vmm_session_dirty_actions_ok; the pool gives them one). */
static int actions_need_fresh(const struct vmm_session *ss,
			      const struct vmm_scenario *s)
{
	for (uint32_t q = 0; q < s->nactions && q < VMM_MAX_SCN_ACTIONS; q++)
		if (s->actions[q].kind == VMM_AK_SMI)
			return 1;
	return !vmm_session_dirty_actions_ok(ss, s);
}

static enum vmm_verdict run_inner(struct vmm_kvm *k, struct vmm_session *ss,
				  const struct vmm_scenario *s,
				  const struct vmm_hooks *h,
				  struct vmm_result *r, int check_host)
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
	if (s->arch != VMM_ARCH_HOST) {
		vmm_err_set(e, VMM_ERR_HOST, "scenario", 0,
			    "this is an %s scenario and this host runs %s: it "
			    "must be replayed on an %s host",
			    vmm_arch_name(s->arch),
			    vmm_arch_name(VMM_ARCH_HOST),
			    vmm_arch_name(s->arch));
		goto out;
	}
	if (vmm_arch_plan(&c, e) < 0)
		goto out;
	if (check_host && vmm_arch_host_check(&c, e) < 0)
		goto out;

	if (build(&c, e) < 0)
		goto out;
	vmm_devices_init(&c.dev, h ? &h->out : NULL, s->mmio_console,
			 s->mmio_console_gpa);
	if (s->flags & VMM_SCN_PERMISSIVE)
		vmm_devices_set_permissive(&c.dev, s->input, s->input_len);
	vmm_devices_set_exits(&c.dev, s);
	/* the arch's one-time work (the x86 MSR probe, ~0.1 s once per KVM
	 * handle) comes before the run's clock starts */
	if (h && h->before_run && vmm_arch_before_hook(&c, e) < 0)
		goto out;
	if (vmm_deadline_arm(c.deadline, s->timeout_ms, e) < 0)
		goto out;
	if (h && h->before_run && h->before_run(h->ctx, e) != 0)
		goto out;
	in_run = 1;
	vmm_watchdog_arm(h ? h->watchdog : NULL,
			 (uint64_t)s->timeout_ms + VMM_HANG_GRACE_MS);
	if (h && h->drive)
		(void)h->drive(h->drive_ctx, c.vm, c.vcpus, c.deadline, e);
	else if (h && h->concurrent_seed)
		(void)concurrent_loop(&c, e);
	else
		(void)run_loop(&c, e);
	vmm_watchdog_disarm(h ? h->watchdog : NULL);

out:
	/* not once a before_run hook has run: it may have sandboxed us */
	if (ss && ss->live && c.prepared && c.nvcpus_live > 0 &&
	    !(h && h->skip_state) && !(in_run && h && h->before_run))
		vmm_arch_settle_unentered(&c);
	r->output_bytes = c.dev.bytes_out;
	if (c.nvcpus_live > 0 && !(h && h->skip_state)) {
		struct vmm_error ignore;

		vmm_err_clear(&ignore);
		r->have_state =
			vmm_cpu_state_get(&c.vcpus[0], &r->state, &ignore) == 0;
	}
	if (c.nvcpus_live > 0 && h && h->hash_memory)
		r->mem_hash = memory_hash(c.vm);
	/* A failed call leaves the VM in doubt, except vCPU state KVM
	 * rejected: nothing was changed, and the next input sets it again
	 * (saves a new VM per invalid override). */
	if (ss && c.prepared)
		vmm_session_finish(
			ss,
			(e->cls == VMM_ERR_SYS && !c.state_rejected) ||
				e->cls == VMM_ERR_CONTRACT ||
				e->cls == VMM_ERR_NOMEM,
			c.last_reason);
	teardown(&c);
	if (e->cls != VMM_ERR_NONE)
		r->verdict = vmm_verdict_of(e->cls, in_run);
	return r->verdict;
}

enum vmm_verdict vmm_pipeline_run(struct vmm_kvm *k,
				  const struct vmm_scenario *s,
				  const struct vmm_hooks *h,
				  struct vmm_result *r)
{
	return run_inner(k, NULL, s, h, r, 1);
}

enum vmm_verdict vmm_pipeline_run_unchecked(struct vmm_kvm *k,
					    const struct vmm_scenario *s,
					    struct vmm_result *r)
{
	return run_inner(k, NULL, s, NULL, r, 0);
}

enum vmm_verdict vmm_pipeline_run_reset(struct vmm_session *ss,
					const struct vmm_scenario *s,
					const struct vmm_hooks *h,
					struct vmm_result *r)
{
	if (actions_need_fresh(ss, s) || (h && h->concurrent_seed)) {
		/* a fresh VM of its own, as in fresh mode (concurrent mode:
		 * always); the session's VM waits untouched for the next
		 * input */
		ss->runs++;
		ss->fallbacks++;
		ss->action_fresh++;
		return run_inner(ss->k, NULL, s, h, r, 1);
	}
	return run_inner(ss->k, ss, s, h, r, 1);
}

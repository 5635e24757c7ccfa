#include "vmm/vcpu.h"

#include "vmm/limits.h"

#include <errno.h>
#include <stddef.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

int vmm_vcpu_create(struct vmm_vcpu *v, struct vmm_vm *vm, uint32_t id,
		    struct vmm_error *e)
{
	const struct vmm_sysops *ops = vm->kvm->ops;
	int fd;

	memset(v, 0, sizeof(*v));
	v->vm = vm;
	v->fd = -1;
	v->id = id;
	fd = VMM_IOCTL_VAL(ops, vm->fd, KVM_CREATE_VCPU, id, e);
	if (fd < 0)
		return -1;
	v->fd = fd;
	v->run_size = vm->kvm->run_mmap_size;
	v->run = vmm_mmap(ops, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			  fd, 0, "kvm_run", e);
	if (!v->run) {
		vmm_close(ops, v->fd);
		v->fd = -1;
		return -1;
	}
	return 0;
}

void vmm_vcpu_destroy(struct vmm_vcpu *v)
{
	if (!v || !v->vm)
		return;
	vmm_munmap(v->vm->kvm->ops, v->run, v->run_size);
	v->run = NULL;
	vmm_close(v->vm->kvm->ops, v->fd);
	v->fd = -1;
}

/* ---- deadline ---------------------------------------------------------
 * The handler only touches the calling thread's own kvm_run (thread-local,
 * set around each KVM_RUN). This is the one piece of non-argument state in
 * the library, and it has to be: a signal handler gets no context. */
static __thread struct kvm_run *volatile tls_running;

static void deadline_handler(int sig)
{
	struct kvm_run *r = tls_running;

	(void)sig;
	if (r)
		r->immediate_exit = 1;
}

int vmm_deadline_signal(void)
{
	return SIGRTMIN + 4;
}

static int install_handler(struct vmm_error *e)
{
	struct sigaction cur, sa;
	int sig = vmm_deadline_signal();

	if (sigaction(sig, NULL, &cur) == 0 &&
	    cur.sa_handler == deadline_handler)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = deadline_handler;
	sa.sa_flags = 0; /* no SA_RESTART: KVM_RUN must return EINTR */
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL) != 0) {
		vmm_err_set(e, VMM_ERR_SYS, "sigaction", errno,
			    "cannot install the run-timeout handler");
		return -1;
	}
	return 0;
}

/* Re-fire every 10 ms after the deadline: a belt for any signal that
 * lands between the deadline check and guest entry. While kicks are
 * asked for, every VMM_KICK_TICK_MS. */
#define DEADLINE_REFIRE_NS (10 * 1000000L)
#define KICK_TICK_NS ((long)VMM_KICK_TICK_MS * 1000000L)

static int ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	       (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static void ts_add_us(struct timespec *t, uint64_t us)
{
	t->tv_sec += (time_t)(us / 1000000U);
	t->tv_nsec += (long)(us % 1000000U) * 1000L;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

uint64_t vmm_thread_cpu_ns(void)
{
	struct timespec t;

	(void)clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

static long thread_nvcsw(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru) != 0)
		return -1;
	return ru.ru_nvcsw;
}

/* The CPU-time accounting of a limit of `ms` starting now. */
static void start_limit(struct vmm_deadline *d, const struct timespec *now,
			uint32_t ms)
{
	uint64_t cap_us = (uint64_t)ms * 1000U * VMM_TIMEOUT_WALL_FACTOR;

	d->cpu0_ns = vmm_thread_cpu_ns();
	d->nvcsw0 = thread_nvcsw();
	d->limit_ns = (uint64_t)ms * 1000000U;
	/* well inside the hang watchdog's timeout + VMM_HANG_GRACE_MS */
	if (cap_us > (uint64_t)ms * 1000U + VMM_TIMEOUT_WALL_EXTRA_US)
		cap_us = (uint64_t)ms * 1000U + VMM_TIMEOUT_WALL_EXTRA_US;
	d->cap = *now;
	ts_add_us(&d->cap, cap_us);
}

/* The timer at `at`, then every `every_ns`. */
static int set_timer(struct vmm_deadline *d, const struct timespec *at,
		     long every_ns, struct vmm_error *e)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	its.it_value = *at;
	its.it_interval.tv_nsec = every_ns;
	if (timer_settime(d->timer, TIMER_ABSTIME, &its, NULL) != 0) {
		vmm_err_set(e, VMM_ERR_SYS, "timer_settime", errno,
			    "cannot arm the run-timeout timer");
		return -1;
	}
	return 0;
}

int vmm_deadline_arm(struct vmm_deadline *d, uint32_t ms, struct vmm_error *e)
{
	d->armed = 0;
	d->look_at_end = 0; /* a run that wants it says so after arming */
	if (ms == 0)
		return 0;
	if (d->created && d->tid != gettid())
		vmm_deadline_release(d); /* another thread: a new timer */
	if (!d->created) {
		struct sigevent sev;
		sigset_t set;

		if (install_handler(e) < 0)
			return -1;
		/* The signal must be deliverable to this thread. */
		sigemptyset(&set);
		sigaddset(&set, vmm_deadline_signal());
		(void)pthread_sigmask(SIG_UNBLOCK, &set, NULL);
		memset(&sev, 0, sizeof(sev));
		sev.sigev_notify = SIGEV_THREAD_ID;
		sev.sigev_signo = vmm_deadline_signal();
		sev._sigev_un._tid = gettid();
		if (timer_create(CLOCK_MONOTONIC, &sev, &d->timer) != 0) {
			vmm_err_set(e, VMM_ERR_SYS, "timer_create", errno,
				    "cannot create the run-timeout timer");
			return -1;
		}
		d->created = 1;
		d->tid = gettid();
	}
	d->armed = 1;
	if (vmm_deadline_restart(d, ms, 0, e) < 0) {
		d->armed = 0;
		return -1;
	}
	return 0;
}

int vmm_deadline_kick_after(struct vmm_deadline *d, uint32_t us,
			    struct vmm_error *e)
{
	if (!d->armed)
		return 0;
	if (us == 0) {
		d->kicking = 0;
		return set_timer(d, &d->at, DEADLINE_REFIRE_NS, e);
	}
	(void)clock_gettime(CLOCK_MONOTONIC, &d->kick_at);
	ts_add_us(&d->kick_at, us);
	d->kicking = ts_before(&d->kick_at, &d->at);
	return set_timer(d, d->kicking ? &d->kick_at : &d->at, KICK_TICK_NS, e);
}

int vmm_deadline_restart(struct vmm_deadline *d, uint32_t ms, uint32_t kick_us,
			 struct vmm_error *e)
{
	struct timespec now;

	if (!d->armed)
		return 0;
	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	d->looked = 0;
	start_limit(d, &now, ms);
	d->at = now;
	ts_add_us(&d->at, (uint64_t)ms * 1000U);
	d->kick_at = now;
	ts_add_us(&d->kick_at, kick_us);
	d->kicking = kick_us && ts_before(&d->kick_at, &d->at);
	if (d->kicking)
		return set_timer(d, &d->kick_at, KICK_TICK_NS, e);
	return set_timer(d, &d->at, DEADLINE_REFIRE_NS, e);
}

static int kick_due(struct vmm_deadline *d)
{
	struct timespec now;

	if (!d || !d->armed || !d->kicking)
		return 0;
	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	if (ts_before(&now, &d->kick_at))
		return 0;
	d->kicking = 0; /* one kick per request */
	return 1;
}

void vmm_deadline_extend(struct vmm_deadline *d, uint32_t us,
			 struct timespec *saved)
{
	struct timespec t;

	*saved = d->at;
	(void)clock_gettime(CLOCK_MONOTONIC, &t);
	d->pause_wall = t;
	d->pause_cpu_ns = vmm_thread_cpu_ns();
	ts_add_us(&t, us);
	if (d->armed && ts_before(&d->at, &t))
		d->at = t;
}

void vmm_deadline_restore(struct vmm_deadline *d, const struct timespec *saved)
{
	struct timespec now;
	uint64_t wall_ns;

	/* the check's time is not the guest's: the deadline, its cap and the
	 * CPU-time baseline move on by what it took */
	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	wall_ns =
		(uint64_t)(now.tv_sec - d->pause_wall.tv_sec) * 1000000000ULL +
		(uint64_t)now.tv_nsec - (uint64_t)d->pause_wall.tv_nsec;
	d->at = *saved;
	ts_add_us(&d->at, wall_ns / 1000U);
	ts_add_us(&d->cap, wall_ns / 1000U);
	d->cpu0_ns += vmm_thread_cpu_ns() - d->pause_cpu_ns;
}

void vmm_deadline_disarm(struct vmm_deadline *d)
{
	struct itimerspec off;

	if (d && d->armed) {
		memset(&off, 0, sizeof(off));
		(void)timer_settime(d->timer, 0, &off, NULL);
		d->armed = 0;
	}
}

void vmm_deadline_release(struct vmm_deadline *d)
{
	if (d && d->created) {
		vmm_deadline_disarm(d);
		(void)timer_delete(d->timer);
		d->created = 0;
	}
}

void vmm_vcpu_sync_clear(struct vmm_vcpu *v)
{
	struct kvm_run *run = v->run;

	run->kvm_dirty_regs = 0;
	run->kvm_valid_regs = 0;
}

void vmm_vcpu_sync_put(struct vmm_vcpu *v, const struct kvm_sync_regs *regs,
		       uint64_t dirty)
{
	struct kvm_run *run = v->run;

	run->s.regs = *regs;
	run->kvm_dirty_regs = dirty;
}

int vmm_vcpu_sync_pending(const struct vmm_vcpu *v)
{
	return ((const struct kvm_run *)v->run)->kvm_dirty_regs != 0;
}

uint64_t vmm_vcpu_cr8(const struct vmm_vcpu *v)
{
	return ((const struct kvm_run *)v->run)->cr8;
}

void vmm_vcpu_set_cr8(struct vmm_vcpu *v, uint64_t cr8)
{
	((struct kvm_run *)v->run)->cr8 = cr8;
}

int vmm_deadline_passed(struct vmm_deadline *d)
{
	struct timespec now;
	uint64_t used;

	if (!d || !d->armed)
		return 0;
	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	if (ts_before(&now, &d->at))
		return 0;
	used = vmm_thread_cpu_ns() - d->cpu0_ns;
	if (used >= d->limit_ns || !ts_before(&now, &d->cap) ||
	    thread_nvcsw() != d->nvcsw0)
		return 1;
	/* kept off the CPU: the rest of the limit, from now */
	d->at = now;
	ts_add_us(&d->at, (d->limit_ns - used) / 1000U + 1U);
	if (ts_before(&d->cap, &d->at))
		d->at = d->cap;
	(void)set_timer(d,
			d->kicking && ts_before(&d->kick_at, &d->at)
				? &d->kick_at
				: &d->at,
			KICK_TICK_NS, NULL);
	return 0;
}

/* The one KVM_RUN in the library. 0: an exit is in kvm_run; 1: KVM_RUN
 * was interrupted before or without an exit (EINTR, EAGAIN); -1: error in
 * *e (a failure, or a result outside the API: a positive return, or
 * EINVAL for state KVM_CAP_SYNC_REGS carried that the KVM_SET_* ioctls
 * had accepted). */
static int run_once(struct vmm_vcpu *v, struct vmm_error *e)
{
	struct kvm_run *run = v->run;
	int ret, err;

	tls_running = run;
	/* a hold set before this point: its kick may have come before
	 * tls_running was set, so leave at once (one set after it gets
	 * its kick here) */
	if (v->hold && __atomic_load_n(v->hold, __ATOMIC_ACQUIRE))
		run->immediate_exit = 1;
	v->entries++;
	VMM_IOC_NO_ARG(KVM_RUN);
	ret = vmm_ioctl_raw(v->vm->kvm->ops, v->fd, KVM_RUN, NULL);
	err = errno;
	tls_running = NULL;
	if (ret == 0)
		return 0;
	if (ret == -1 && (err == EINTR || err == EAGAIN))
		return 1;
	if (ret == -1 && err == EINVAL && run->kvm_dirty_regs) {
		vmm_err_contract(e, "KVM_RUN", "kvm_dirty_regs",
				 "kernel contract violation: vCPU %u: KVM_RUN "
				 "rejected the state given through "
				 "KVM_CAP_SYNC_REGS (kvm_dirty_regs 0x%llx "
				 "left), which its KVM_SET_* ioctls accepted",
				 v->id,
				 (unsigned long long)run->kvm_dirty_regs);
		e->err = err;
		return -1;
	}
	if (ret == -1) {
		vmm_err_set_ioctl(e, VMM_ERR_SYS, KVM_RUN, "KVM_RUN", err,
				  "vCPU %u: KVM_RUN failed%s", v->id,
				  err == EIO	  ? " (VM killed by KVM)"
				  : err == EFAULT ? " (bad guest memory access)"
				  : err == ENOEXEC ? " (vCPU state cannot run)"
						   : "");
		return -1;
	}
	vmm_err_contract(e, "KVM_RUN", "return",
			 "kernel contract violation: KVM_RUN returned %d", ret);
	return -1;
}

int vmm_vcpu_run(struct vmm_vcpu *v, struct vmm_deadline *d, struct vmm_exit *x,
		 struct vmm_error *e)
{
	struct kvm_run *run = v->run;

	for (;;) {
		int rc;

		/* Clear first, then check: a timer firing after the clear
		 * sets immediate_exit again; one firing before it is seen by
		 * the check (the timer fires at or after the deadline). */
		run->immediate_exit = 0;
		if (vmm_deadline_passed(d)) {
			vmm_err_set(e, VMM_ERR_TIMEOUT, "KVM_RUN", 0,
				    "vCPU %u: run timeout", v->id);
			return -1;
		}
		run->kvm_valid_regs = v->sync_fields;
		rc = run_once(v, e);
		if (rc < 0)
			return -1;
		/* out for another thread's action (vmm_vcpu.hold) */
		if (rc > 0 && v->hold &&
		    __atomic_load_n(v->hold, __ATOMIC_ACQUIRE)) {
			run->immediate_exit = 0;
			return 1;
		}
		/* interrupted: a spin check was asked for (the kick timer) */
		if (rc > 0 && !vmm_deadline_passed(d) && kick_due(d)) {
			run->immediate_exit = 0;
			return 1;
		}
		if (rc > 0 && d && d->look_at_end && !d->looked &&
		    vmm_deadline_passed(d)) {
			d->looked = 1; /* one look before the timeout */
			run->immediate_exit = 0;
			return 1;
		}
		if (rc > 0)
			continue;
		run->immediate_exit = 0;
		if (vmm_exit_decode(run, v->run_size, x, e) < 0)
			return -1;
		if (x->reason == KVM_EXIT_DIRTY_RING_FULL && v->ring_full) {
			if (v->ring_full(v->ring_ctx, e) < 0)
				return -1;
			continue;
		}
		return 0;
	}
}

int vmm_vcpu_flush(struct vmm_vcpu *v, struct vmm_error *e)
{
	struct kvm_run *run = v->run;
	int rc;

	run->immediate_exit = 1;
	rc = run_once(v, e);
	run->immediate_exit = 0;
	if (rc < 0)
		return -1;
	return rc == 0; /* an exit: completing it started another access */
}

int vmm_vcpu_run_immediate(struct vmm_vcpu *v, struct vmm_exit *x,
			   struct vmm_error *e)
{
	struct kvm_run *run = v->run;
	int rc;

	run->kvm_valid_regs = v->sync_fields;
	run->immediate_exit = 1;
	rc = run_once(v, e);
	run->immediate_exit = 0;
	if (rc != 0)
		return rc;
	return vmm_exit_decode(run, v->run_size, x, e) < 0 ? -1 : 0;
}

void vmm_vcpu_complete(struct vmm_vcpu *v, const struct vmm_exit *x)
{
	uint8_t *run = v->run;

	/* offsets and sizes were validated against this mapping when the
	 * record was decoded from it */
	if (x->reason == KVM_EXIT_IO && x->u.io.dir == KVM_EXIT_IO_IN &&
	    x->u.io.data_offset + x->u.io.bytes <= v->run_size)
		memcpy(run + x->u.io.data_offset, x->u.io.data, x->u.io.bytes);
	else if (x->reason == KVM_EXIT_MMIO && !x->u.mmio.is_write)
		memcpy(run + offsetof(struct kvm_run, mmio.data),
		       x->u.mmio.data, x->u.mmio.len);
#if defined(__x86_64__)
	else if (x->reason == KVM_EXIT_X86_RDMSR ||
		 x->reason == KVM_EXIT_X86_WRMSR) {
		memcpy(run + offsetof(struct kvm_run, msr.error),
		       &x->u.msr.error, sizeof(x->u.msr.error));
		if (x->reason == KVM_EXIT_X86_RDMSR)
			memcpy(run + offsetof(struct kvm_run, msr.data),
			       &x->u.msr.data, sizeof(x->u.msr.data));
	} else if (x->reason == KVM_EXIT_HYPERCALL)
		memcpy(run + offsetof(struct kvm_run, hypercall.ret),
		       &x->u.hypercall.ret, sizeof(x->u.hypercall.ret));
#endif
}

int vmm_vcpu_sample(struct vmm_vcpu *v, uint64_t fields,
		    struct kvm_sync_regs *out, struct vmm_error *e)
{
	struct kvm_run *run = v->run;
	int rc;

	run->kvm_valid_regs = fields;
	run->immediate_exit = 1;
	rc = run_once(v, e);
	run->immediate_exit = 0;
	run->kvm_valid_regs = 0;
	if (rc > 0) { /* stored, no guest instruction run */
		memcpy(out, &run->s.regs, sizeof(*out));
		return 0;
	}
	if (rc == 0)
		vmm_err_contract(e, "KVM_RUN", "exit_reason",
				 "kernel contract violation: vCPU %u: KVM_RUN "
				 "with immediate_exit and nothing pending "
				 "returned an exit",
				 v->id);
	return -1;
}

void vmm_vcpu_synced(const struct vmm_vcpu *v, struct kvm_sync_regs *out)
{
	const struct kvm_run *run = v->run;

	memcpy(out, &run->s.regs, sizeof(*out));
}

int vmm_vcpu_guest_debug(struct vmm_vcpu *v, uint32_t control)
{
	struct kvm_guest_debug dbg;

	memset(&dbg, 0, sizeof(dbg));
	dbg.control = control;
	return VMM_IOCTL_RAW(v->vm->kvm->ops, v->fd, KVM_SET_GUEST_DEBUG,
			     &dbg) == 0
		       ? 0
		       : -1;
}

/* vCPUs and the run step.
 *
 * vmm_vcpu_run() does one guest entry: KVM_RUN retried on EINTR (signals
 * that are not ours), with a wall-clock deadline enforced by a per-thread
 * timer signal whose handler sets kvm_run.immediate_exit (race-free: KVM
 * polls immediate_exit when KVM_RUN starts, so a deadline that passes just
 * before entry still stops the guest). The exit is returned as a validated
 * record from vmm/exit.c.
 */
#ifndef VMM_VCPU_H
#define VMM_VCPU_H

#include <linux/kvm.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "vmm/exit.h"
#include "vmm/vm.h"

struct vmm_vcpu {
	struct vmm_vm *vm;
	int fd;
	uint32_t id;
	void *run;	 /* mapped kvm_run area */
	size_t run_size; /* KVM_GET_VCPU_MMAP_SIZE */
	/* Dirty ring full (reset mode): harvest, then the vCPU re-enters
	 * without the exit being reported, as if no ring existed. */
	int (*ring_full)(void *ctx, struct vmm_error *e);
	void *ring_ctx;
	/* KVM_RUN calls made on this vCPU (every one counts, whether or not
	 * the guest got to run): reset mode skips restoring the state of a
	 * vCPU that has not been entered since its last restore. */
	uint64_t entries;
	/* KVM_CAP_SYNC_REGS fields KVM stores into kvm_run at every return
	 * of vmm_vcpu_run() (0: none, the normal case); read them with
	 * vmm_vcpu_synced(). */
	uint64_t sync_fields;
	/* Concurrent mode: while *hold is set (another thread wants the
	 * vCPU out of KVM_RUN, for an action), vmm_vcpu_run() returns 1
	 * from an interrupted entry and does not enter again. NULL: never. */
	const int *hold;
};

/* A checked ioctl on a vCPU, 0 or -1. The request's spelling is passed
 * down explicitly: a nested VMM_IOCTL would stringify the expanded number. */
#define VCPU_IOCTL(v, req, ptr, e)                                         \
	(VMM_IOC_ARG_OK(req, ptr),                                         \
	 vmm_ioctl((v)->vm->kvm->ops, (v)->fd, (req), #req, (void *)(ptr), \
		   (e)) < 0                                                \
		 ? -1                                                      \
		 : 0)

int vmm_vcpu_create(struct vmm_vcpu *v, struct vmm_vm *vm, uint32_t id,
		    struct vmm_error *e);
void vmm_vcpu_destroy(struct vmm_vcpu *v);

/* A run deadline shared by every vCPU of a run on this thread. The timer
 * is created on first use and kept until vmm_deadline_release(), so a
 * session re-arms it with one syscall per run. */
struct vmm_deadline {
	struct timespec at; /* CLOCK_MONOTONIC */
	timer_t timer;
	int created;
	pid_t tid; /* the thread the timer signals */
	int armed;
	/* Kicks (spin detection): with kick_at set, the timer fires at
	 * kick_at and then every VMM_KICK_TICK_MS until the deadline, and
	 * vmm_vcpu_run() returns 1 from a KVM_RUN interrupted at or after
	 * kick_at. */
	struct timespec kick_at;
	int kicking;
	/* The limit is CPU time (vmm_deadline_passed): the thread's CPU time
	 * at the (re)start, the limit, and how late the wall clock may go. */
	uint64_t cpu0_ns;
	uint64_t limit_ns;
	struct timespec cap;
	long nvcsw0; /* voluntary context switches at the (re)start */
	/* look_at_end (set by the caller): a KVM_RUN the deadline
	 * interrupted returns 1 once, as a kick would, before the timeout,
	 * so that a vCPU halted in KVM (in-kernel LAPIC) is looked at even
	 * when the host woke the thread late; looked: it did (cleared at
	 * every (re)start) */
	int look_at_end;
	int looked;
	/* vmm_deadline_extend: when the check began (wall, CPU time) */
	struct timespec pause_wall;
	uint64_t pause_cpu_ns;
};

#define VMM_KICK_TICK_MS 1U

/* Arm a deadline `ms` from now (ms == 0: none). Installs the timer-signal
 * handler once per process (idempotent). */
int vmm_deadline_arm(struct vmm_deadline *d, uint32_t ms, struct vmm_error *e);
/* An armed deadline started again from now: `ms` from now, with a kick
 * `kick_us` from now (0: none). One timer_settime. The run loop calls it
 * at every exit: a run's clock bounds guest time without an exit. */
int vmm_deadline_restart(struct vmm_deadline *d, uint32_t ms, uint32_t kick_us,
			 struct vmm_error *e);
/* Ask for a kick `us` microseconds from now (before the deadline; 0 = no
 * more kicks): the timer then fires at that point, and every
 * VMM_KICK_TICK_MS after it, until the deadline. Needs an armed deadline. */
int vmm_deadline_kick_after(struct vmm_deadline *d, uint32_t us,
			    struct vmm_error *e);
/* Move the deadline to `us` from now if that is later (the old one into
 * *saved), and back: a spin check that started before the deadline is
 * finished whatever the clock says, so its outcome does not depend on
 * the host's speed. Back means the old deadline moved on by the check's
 * duration (and the CPU-time limit by its CPU time): the check's stepping
 * is the VMM's time, not the guest's (with a 1 ms limit, a check costs
 * about half of it). */
void vmm_deadline_extend(struct vmm_deadline *d, uint32_t us,
			 struct timespec *saved);
void vmm_deadline_restore(struct vmm_deadline *d, const struct timespec *saved);
void vmm_deadline_disarm(struct vmm_deadline *d);
void vmm_deadline_release(struct vmm_deadline *d);

/* kvm_run's control fields are read and written here only (the exit
 * fields in vmm/exit.c):
 *  - sync_clear: forget registers queued for the next KVM_RUN
 *    (KVM_CAP_SYNC_REGS); sync_put: queue `regs`, the parts in `dirty`
 *    (KVM_SYNC_*) to be loaded by the next KVM_RUN; sync_pending: queued
 *    registers have not reached KVM yet;
 *  - cr8: KVM_RUN loads kvm_run.cr8 into CR8 on entry without an
 *    in-kernel LAPIC and stores the guest's CR8 there on exit. */
void vmm_vcpu_sync_clear(struct vmm_vcpu *v);
void vmm_vcpu_sync_put(struct vmm_vcpu *v, const struct kvm_sync_regs *regs,
		       uint64_t dirty);
int vmm_vcpu_sync_pending(const struct vmm_vcpu *v);
uint64_t vmm_vcpu_cr8(const struct vmm_vcpu *v);
void vmm_vcpu_set_cr8(struct vmm_vcpu *v, uint64_t cr8);
/* Whether the run is over: the wall-clock deadline has passed and the
 * thread has had its limit's worth of CPU time since the (re)start. A
 * thread the host kept off the CPU (preempted: no voluntary context switch
 * since the (re)start) gets the rest, the deadline moving on up to
 * VMM_TIMEOUT_WALL_FACTOR times the limit of wall time: on a loaded host
 * the same input then ends the same way instead of by the clock wherever
 * the guest happened to be. Guest time counts as the thread's CPU time; a
 * vCPU that blocked in KVM (arm64 WFI, a powered-off vCPU) slept
 * voluntarily and gets no more. */
int vmm_deadline_passed(struct vmm_deadline *d);

/* This thread's CPU time (CLOCK_THREAD_CPUTIME_ID), guest time included. */
uint64_t vmm_thread_cpu_ns(void);

/* The realtime signal used for deadlines (not SIGALRM: libFuzzer and AFL++
 * use that one). */
int vmm_deadline_signal(void);

/* One guest entry. Returns 0 with a validated exit in *x; 1 when a kick
 * the deadline asked for (vmm_deadline_kick_after) interrupted the guest
 * (no exit: the vCPU can be entered again as if nothing happened); -1 with
 * VMM_ERR_TIMEOUT (deadline), VMM_ERR_SYS (KVM_RUN failed, errno kept) or
 * VMM_ERR_CONTRACT (kvm_run field out of bounds). */
int vmm_vcpu_run(struct vmm_vcpu *v, struct vmm_deadline *d, struct vmm_exit *x,
		 struct vmm_error *e);

/* Hand a serviced exit's reply to KVM: IN data and MMIO read data go from
 * the record into kvm_run, where the next KVM_RUN picks them up. */
void vmm_vcpu_complete(struct vmm_vcpu *v, const struct vmm_exit *x);

/* KVM_RUN with immediate_exit set: completes a pending I/O or MMIO access
 * without running guest code. 0: settled (KVM_RUN returned EINTR); 1:
 * completing it made a new exit (a rep string instruction or a fragmented
 * access carries on), still pending; -1: error in *e (VMM_ERR_SYS, or
 * VMM_ERR_CONTRACT for a result outside the API). Every KVM_RUN of the
 * library is made in vcpu.c. */
int vmm_vcpu_flush(struct vmm_vcpu *v, struct vmm_error *e);
/* The immediate_exit action: one KVM_RUN with immediate_exit set, where
 * the next guest entry would be. 1: KVM returned EINTR (the normal case);
 * 0: completing a pending access made an exit, decoded into *x (serviced
 * like any other); -1 (*e). */
int vmm_vcpu_run_immediate(struct vmm_vcpu *v, struct vmm_exit *x,
			   struct vmm_error *e);

/* The vCPU's state through KVM_CAP_SYNC_REGS without running the guest: a
 * KVM_RUN with immediate_exit and kvm_valid_regs = `fields` (KVM_RUN then
 * stores them and returns EINTR before any guest instruction). Only after
 * an interrupted KVM_RUN (nothing pending to complete). 0 with the state
 * in *out, -1 (VMM_ERR_SYS; VMM_ERR_CONTRACT if KVM_RUN returned an exit). */
int vmm_vcpu_sample(struct vmm_vcpu *v, uint64_t fields,
		    struct kvm_sync_regs *out, struct vmm_error *e);
/* What the last KVM_RUN stored for v->sync_fields (kvm_run's s.regs). */
void vmm_vcpu_synced(const struct vmm_vcpu *v, struct kvm_sync_regs *out);
/* KVM_SET_GUEST_DEBUG with `control` (KVM_GUESTDBG_*; 0 turns it off) and
 * no breakpoints. The raw result: 0, or -1 with errno (the caller decides
 * whether that is an error: hosts without single-step refuse it). */
int vmm_vcpu_guest_debug(struct vmm_vcpu *v, uint32_t control);

#endif

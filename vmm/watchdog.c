#include "vmm/watchdog.h"

#include <signal.h>
#include <string.h>
#include <time.h>

static uint64_t now_ns(void)
{
	struct timespec t;

	(void)clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

static void *watchdog_main(void *arg)
{
	struct vmm_watchdog *w = arg;

	(void)pthread_mutex_lock(&w->lock);
	w->started = 1; /* the C library's thread start-up is done */
	(void)pthread_cond_broadcast(&w->wake);
	while (!w->stop) {
		uint64_t dl =
			__atomic_load_n(&w->deadline_ns, __ATOMIC_ACQUIRE);
		struct timespec until;
		uint64_t t;

		if (dl && now_ns() > dl) {
			__atomic_store_n(&w->deadline_ns, 0, __ATOMIC_RELEASE);
			(void)pthread_mutex_unlock(&w->lock);
			w->on_hang(w->ctx, w->limit_ms);
			(void)pthread_mutex_lock(&w->lock);
			continue;
		}
		/* Sleep 50 ms, or until stopped. */
		(void)clock_gettime(CLOCK_MONOTONIC, &until);
		t = (uint64_t)until.tv_nsec + 50 * 1000000ULL;
		until.tv_sec += (time_t)(t / 1000000000ULL);
		until.tv_nsec = (long)(t % 1000000000ULL);
		(void)pthread_cond_timedwait(&w->wake, &w->lock, &until);
	}
	(void)pthread_mutex_unlock(&w->lock);
	return NULL;
}

int vmm_watchdog_start(struct vmm_watchdog *w,
		       void (*on_hang)(void *ctx, uint64_t limit_ms), void *ctx,
		       struct vmm_error *e)
{
	sigset_t all, old;
	pthread_condattr_t ca;
	int rc;

	memset(w, 0, sizeof(*w));
	w->on_hang = on_hang;
	w->ctx = ctx;
	(void)pthread_mutex_init(&w->lock, NULL);
	(void)pthread_condattr_init(&ca);
	(void)pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	(void)pthread_cond_init(&w->wake, &ca);
	(void)pthread_condattr_destroy(&ca);
	/* The watchdog thread takes no signals: the run-timeout signal must
	 * reach the vCPU thread, and engines' signals the main thread. */
	sigfillset(&all);
	(void)pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&w->thread, NULL, watchdog_main, w);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		vmm_err_set(e, VMM_ERR_SYS, "pthread_create", rc,
			    "cannot start the watchdog");
		(void)pthread_cond_destroy(&w->wake);
		(void)pthread_mutex_destroy(&w->lock);
		return -1;
	}
	/* Wait for the thread to run: its start-up system calls (rseq,
	 * set_robust_list...) must not come after a seccomp sandbox that the
	 * caller enters later, which would kill the process. */
	(void)pthread_mutex_lock(&w->lock);
	while (!w->started)
		(void)pthread_cond_wait(&w->wake, &w->lock);
	(void)pthread_mutex_unlock(&w->lock);
	w->running = 1;
	return 0;
}

void vmm_watchdog_arm(struct vmm_watchdog *w, uint64_t limit_ms)
{
	if (!w || !w->running)
		return;
	w->limit_ms = limit_ms;
	__atomic_store_n(&w->deadline_ns, now_ns() + limit_ms * 1000000ULL,
			 __ATOMIC_RELEASE);
}

void vmm_watchdog_disarm(struct vmm_watchdog *w)
{
	if (w && w->running)
		__atomic_store_n(&w->deadline_ns, 0, __ATOMIC_RELEASE);
}

void vmm_watchdog_stop(struct vmm_watchdog *w)
{
	if (!w || !w->running)
		return;
	(void)pthread_mutex_lock(&w->lock);
	w->stop = 1;
	(void)pthread_cond_signal(&w->wake);
	(void)pthread_mutex_unlock(&w->lock);
	(void)pthread_join(w->thread, NULL);
	(void)pthread_cond_destroy(&w->wake);
	(void)pthread_mutex_destroy(&w->lock);
	w->running = 0;
}

/* The hang watchdog: a helper thread that reports a vCPU that does not
 * come back from KVM within its limit (finding vcpu-hang).
 *
 * The pipeline arms it around guest execution only (the run loop, from the
 * first KVM_RUN to the last exit, armed again at every exit), with the
 * scenario's timeout plus VMM_HANG_GRACE_MS: set-up (memory fills, slots, vCPU state) is the VMM's
 * own work and bounded by the caps in vmm/limits.h, never a vCPU hang.
 * Nor is an exit's service (disarmed from the exit's service to the next
 * arming): a crash there is reported by its handler, which may take
 * seconds (symbolizing), and a hang called meanwhile would replace the
 * crash, artifact and all, with a false vcpu-hang.
 */
#ifndef VMM_WATCHDOG_H
#define VMM_WATCHDOG_H

#include <pthread.h>
#include <stdint.h>

#include "vmm/err.h"

/* A helper thread that calls `on_hang` (from that thread) when an armed
 * run is still going past its limit. The library itself never aborts; the
 * callback belongs to the harness (fuzz target or replay). */
struct vmm_watchdog {
	pthread_t thread;
	int running;
	uint64_t deadline_ns; /* 0: disarmed (atomic) */
	uint64_t limit_ms;
	int stop;    /* under lock */
	int started; /* under lock: the thread runs */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	void (*on_hang)(void *ctx, uint64_t limit_ms);
	void *ctx;
};
int vmm_watchdog_start(struct vmm_watchdog *w,
		       void (*on_hang)(void *ctx, uint64_t limit_ms), void *ctx,
		       struct vmm_error *e);
void vmm_watchdog_arm(struct vmm_watchdog *w, uint64_t limit_ms);
void vmm_watchdog_disarm(struct vmm_watchdog *w);
void vmm_watchdog_stop(struct vmm_watchdog *w);

/* Grace the kernel gets past the scenario timeout before a hang is called. */
#define VMM_HANG_GRACE_MS 2000U

#endif

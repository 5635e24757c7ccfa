/* Closing VMs off the run's path.
 *
 * Closing a VM whose in-kernel devices sit on KVM's I/O buses (the x86
 * in-kernel PIC, IOAPIC and PIT) waits for SRCU grace periods: on this
 * project's kvm-pvm hosts 15.5 ms with KVM_CREATE_IRQCHIP, 24.7 ms with
 * the PIT too, for 0.3 ms of CPU. A fuzzing job that waited for each
 * would spend most of its time asleep in close(2). The closer is a small
 * pool of threads that close such VMs (and then unmap their memory) while
 * the caller goes on; grace periods of different VMs overlap, so the pool
 * keeps up with the job (64 such VMs: 1,027 ms on one thread, 77 ms on
 * 16). It holds at most VMM_CLOSER_QUEUE VMs: with the queue full, the
 * caller closes its own, so fds and memory stay bounded.
 *
 * Only harnesses that run many inputs start it (the fuzz targets and the
 * benchmarks, next to the hang watchdog, before any sandbox: threads are
 * made there). Without it, or with a syscall table other than libc's (a
 * test's fault injection, vmm reach's counting), VMs close in the caller.
 * The library never prints: counters say what happened.
 */
#ifndef VMM_CLOSER_H
#define VMM_CLOSER_H

#include <stdint.h>

#include "vmm/err.h"

struct vmm_kvm;
struct vmm_vm;

#define VMM_CLOSER_THREADS 8
#define VMM_CLOSER_QUEUE 64

struct vmm_closer_stats {
	uint64_t queued;      /* VMs closed by the pool */
	uint64_t inline_full; /* closed by the caller: the queue was full */
	uint32_t max_pending; /* most VMs waiting or closing at once */
};

/* Start the pool for handle k (threads take no signals). 0 or -1 (e). */
int vmm_closer_start(struct vmm_kvm *k, struct vmm_error *e);
/* Hand a VM's fd and slot mappings to the pool: 1 taken (the VM is left
 * closed and empty), 0 not (no pool, another syscall table, queue full):
 * the caller closes it. */
int vmm_closer_take(struct vmm_vm *vm);
/* Wait until every VM handed over is closed and unmapped. */
void vmm_closer_drain(struct vmm_kvm *k);
/* Drain, stop the threads, free the pool (vmm_kvm_close does it). */
void vmm_closer_stop(struct vmm_kvm *k);
void vmm_closer_stats(const struct vmm_kvm *k, struct vmm_closer_stats *st);

#endif

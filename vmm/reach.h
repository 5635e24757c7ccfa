/* What a set of inputs reached in KVM's interface: the coverage view that
 * needs no KCOV. Each input runs through exactly what `vmm replay --mode
 * fresh` runs (vmm_run_input); the counters say how many inputs reached
 *   - each exit reason (hooks.on_exit),
 *   - each ioctl request with each result: accepted, or the errno
 *     (a counting struct vmm_sysops wrapped around the real one),
 *   - each verdict and finding class,
 *   - each scenario record kind (limits, slot, blob, vcpu, reg, ...).
 * ioctls made once per process - opening /dev/kvm, the capability table,
 * the host's mode probes (vmm_reach_open runs them up front) - belong to
 * no input and are not counted.
 *
 * Single-threaded, as the pipeline is (vCPUs run in turn on the caller's
 * thread; the watchdog thread makes no ioctl).
 */
#ifndef VMM_REACH_H
#define VMM_REACH_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/kvm.h"
#include "vmm/oracle.h"

#define VMM_REACH_EXIT_MAX 64	/* exit reasons counted individually */
#define VMM_REACH_IOCTL_MAX 160 /* distinct (request, result) pairs */

/* Scenario record kinds (docs/scenario-format.md), in tag order. */
enum vmm_reach_record {
	VMM_REC_LIMITS = 0,
	VMM_REC_CONSOLE,
	VMM_REC_SYSAREA,
	VMM_REC_SLOT,
	VMM_REC_FILL,
	VMM_REC_BLOB,
	VMM_REC_INPUT,
	VMM_REC_VCPU,
	VMM_REC_REG,
	VMM_REC_SREG,
	VMM_REC_SEG,
	VMM_REC_FEATURES,
	VMM_REC_MSR,
	VMM_REC_CPUID,
	VMM_REC_DEBUGREGS,
	VMM_REC_EVENTS,
	VMM_REC_MSR_EXITS,
	VMM_REC_HYPERCALL,
	VMM_REC_GUEST_DEBUG,
	VMM_REC_ONE_REG,
	VMM_REC_VGIC,
	VMM_REC_IRQ_LINE,
	VMM_REC_FPU,
	VMM_REC_XSAVE,
	VMM_REC_XCR,
	VMM_REC_IRQCHIP,
	VMM_REC_IRQ,
	VMM_REC_LAPIC,
	VMM_REC_ACTION,
	VMM_REC_COUNT
};

/* One (request, result) pair. */
struct vmm_reach_ioctl {
	uint64_t calls;	   /* calls in total, over all inputs */
	unsigned long req; /* the ioctl request number */
	uint32_t inputs;   /* inputs that made this call with this result */
	uint32_t last;	   /* internal: the input that last counted it */
	int err;	   /* 0 accepted (result >= 0), else the errno;
			     * -1: a negative result other than -1 */
};

struct vmm_reach {
	uint32_t inputs;    /* inputs given */
	uint32_t scenarios; /* of which decoded as scenarios (and were run) */
	uint32_t exits[VMM_REACH_EXIT_MAX]; /* by KVM_EXIT_* reason */
	uint32_t exit_other;		    /* reasons >= VMM_REACH_EXIT_MAX */
	uint32_t verdicts[VMM_V_COUNT];
	uint32_t findings[VMM_FIND_COUNT];
	uint32_t records[VMM_REC_COUNT];
	uint32_t nioctl;
	uint32_t ioctl_dropped; /* pairs beyond VMM_REACH_IOCTL_MAX */
	struct vmm_reach_ioctl ioctl[VMM_REACH_IOCTL_MAX];
	/* internal */
	const struct vmm_sysops *inner;
	struct vmm_sysops ops;
	uint64_t exit_seen;
	int exit_other_seen;
	int active;
};

/* Zero the counters; `inner` (NULL: libc) makes the real calls. */
void vmm_reach_init(struct vmm_reach *r, const struct vmm_sysops *inner);

/* The counting table: every call goes to `inner`; ioctls made while an
 * input runs are counted. */
const struct vmm_sysops *vmm_reach_ops(struct vmm_reach *r);

/* Open KVM at `path` (NULL: /dev/kvm) through the counting table and run
 * the host's one-time probes, so that no input pays for them. */
int vmm_reach_open(struct vmm_reach *r, struct vmm_kvm *k, const char *path,
		   struct vmm_error *e);

/* Run one input (what `vmm replay --mode fresh` runs) and count what it
 * reached. `wd` (optional) is armed for the run; `o` receives the outcome. */
void vmm_reach_input(struct vmm_reach *r, struct vmm_kvm *k, const uint8_t *buf,
		     size_t len, struct vmm_watchdog *wd,
		     struct vmm_input_outcome *o);

/* Order the ioctl table for reports: by request name, accepted first, then
 * by errno name. */
void vmm_reach_sort(struct vmm_reach *r);

/* "KVM_CREATE_VM" for the KVM ioctls the library issues, else NULL. */
const char *vmm_kvm_ioctl_name(unsigned long req);
/* "ok", an errno name ("EINVAL") or "bad-result" for an ioctl result. */
const char *vmm_reach_result_name(int err);
/* "slot" etc.; "?" out of range. */
const char *vmm_reach_record_name(unsigned int kind);

#endif

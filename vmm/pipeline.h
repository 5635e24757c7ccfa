/* The one pipeline: run a scenario end to end.
 *
 * validate (before any allocation) -> check the host can run the modes ->
 * create VM -> add slots -> load blobs -> write the VMM's tables -> create
 * vCPUs -> set state -> run under the limits, servicing exits through the
 * validated exit record -> collect final state -> tear everything down.
 *
 * `vmm run`, `vmm replay`, the fuzz targets and the tests all call
 * vmm_pipeline_run(); what the fuzzer ran is exactly what replay runs.
 */
#ifndef VMM_PIPELINE_H
#define VMM_PIPELINE_H

#include <stdint.h>

#include "vmm/devices.h"
#include "vmm/exit.h"
#include "vmm/kvm.h"
#include "vmm/vm.h"
#include "vmm/x86/mode.h"
#include "vmm/x86/regs.h"

#define VMM_MAX_BLOBS 16
#define VMM_MAX_VCPUS 4
#define VMM_MAX_EXITS_LIMIT 100000000ULL
#define VMM_MAX_TIMEOUT_MS 3600000U

struct vmm_slot_spec {
	uint32_t id;
	uint64_t gpa;
	uint64_t size;
	uint32_t flags; /* VMM_SLOT_* */
};

struct vmm_blob_spec {
	uint64_t gpa;
	const uint8_t *data;
	uint64_t len;
};

struct vmm_vcpu_spec {
	enum vmm_x86_mode mode;
	uint64_t entry;    /* guest-physical address of the first instruction */
	uint32_t reg_mask; /* bit i set: regs[i] overrides register i */
	uint64_t regs[VMM_X86_NREGS];
};

struct vmm_scenario {
	uint32_t nslots;
	struct vmm_slot_spec slots[VMM_MAX_SLOTS];
	uint32_t nblobs;
	struct vmm_blob_spec blobs[VMM_MAX_BLOBS];
	uint32_t nvcpus;
	struct vmm_vcpu_spec vcpus[VMM_MAX_VCPUS];
	uint64_t max_exits;  /* 0: VMM_MAX_EXITS_LIMIT */
	uint32_t timeout_ms; /* 0: no wall-clock limit */
	int mmio_console;
	uint64_t mmio_console_gpa;
	int sys_fixed;    /* place the VMM's tables at sys_gpa, else auto */
	uint64_t sys_gpa;
};

enum vmm_verdict {
	VMM_V_HALT = 0,   /* every vCPU executed HLT */
	VMM_V_POWEROFF,   /* guest asked to power off (system event) */
	VMM_V_GUEST,      /* guest failed: shutdown, fail entry, unhandled... */
	VMM_V_TIMEOUT,
	VMM_V_BUDGET,
	VMM_V_INPUT,      /* the scenario is invalid */
	VMM_V_HOST,       /* the host cannot run it */
	VMM_V_SYS,        /* a system call failed unexpectedly */
	VMM_V_CONTRACT,   /* kernel contract violation */
	VMM_V_COUNT
};

const char *vmm_verdict_name(enum vmm_verdict v);

struct vmm_result {
	enum vmm_verdict verdict;
	struct vmm_error err;   /* why, when the verdict is not a clean stop */
	uint64_t exits;         /* exits serviced */
	uint64_t trace_hash;    /* FNV-1a over every exit record */
	int have_last_exit;
	struct vmm_exit last_exit;
	uint32_t last_vcpu;
	int have_state;         /* final state of vCPU 0 */
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	uint64_t sys_gpa, sys_size; /* where the VMM's tables went (0 size: none) */
	uint64_t output_bytes;
};

struct vmm_hooks {
	struct vmm_output out; /* guest console bytes */
	/* Called for every exit, before it is serviced. */
	void (*on_exit)(void *ctx, uint32_t vcpu, const struct vmm_exit *x);
	void *ctx;
};

/* Fill a scenario with defaults (zero slots/blobs/vCPUs, console off). */
void vmm_scenario_init(struct vmm_scenario *s);

/* Check a scenario without touching KVM (the first pipeline stage). */
int vmm_scenario_validate(const struct vmm_scenario *s, struct vmm_error *e);

/* Run it. Returns the verdict (also in r->verdict). `hooks` may be NULL. */
enum vmm_verdict vmm_pipeline_run(struct vmm_kvm *k,
				  const struct vmm_scenario *s,
				  const struct vmm_hooks *hooks,
				  struct vmm_result *r);

/* Is `m` runnable on this host? Runs (once per vmm_kvm, then cached) a
 * one-instruction HLT probe guest in that mode. 0: yes; -1: no, with
 * VMM_ERR_HOST and the probe's outcome in *e. */
int vmm_host_mode_check(struct vmm_kvm *k, enum vmm_x86_mode m,
			struct vmm_error *e);

#endif

/* Reset mode: one VM reused across inputs.
 *
 * A session keeps a VM, its vCPUs and slots alive between pipeline runs and
 * brings them back to the state the next scenario asks for:
 *  - memory: writable slots are dirty-tracked (the dirty ring where the host
 *    has KVM_CAP_DIRTY_LOG_RING and it passes vmm_dirty_ring_check, until
 *    it fails in use; else the bitmap with
 *    KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 + KVM_CLEAR_DIRTY_LOG); pages the VMM
 *    wrote itself (fills, blobs, its tables) are tracked by the VMM. Only
 *    those pages are zeroed before the next scenario's contents are written,
 *    exactly as on a fresh VM's zeroed memory. Readonly slots are not
 *    tracked (only the VMM writes them).
 *  - vCPUs: a pending I/O or MMIO completion is flushed first (KVM_RUN with
 *    immediate_exit, repeated while completing it leads to another access,
 *    as a rep string instruction on MMIO does; a vCPU still busy after a
 *    few is not reused), then the state captured at creation that a guest
 *    can change and the pipeline does not set itself (xsave, MSRs, debug
 *    registers, kvm_run.cr8) is restored - unless the vCPU has not been
 *    entered since its last restore (vmm_vcpu.entries): only KVM_RUN
 *    changes that state. XCR0 and mp_state are captured but never restored:
 *    no guest can change them (see vmm_arch_vcpu_restore). The pipeline
 *    then sets registers, sregs and events as in fresh mode, through
 *    KVM_CAP_SYNC_REGS with the next KVM_RUN (sregs only if KVM_SET_SREGS
 *    accepted the very same sregs on this vCPU before: KVM's checks of
 *    sregs depend on nothing else, so KVM_RUN cannot reject them and an
 *    input error is reported by KVM_SET_SREGS exactly as in fresh mode).
 *    A session's vCPUs must only be entered through vmm_vcpu_run() or the
 *    session itself, which count their KVM_RUN calls.
 *  - layout: slots that differ are removed/added, the others kept; after
 *    an input whose action changed a slot (vmm_session_note_slot_action)
 *    the next input gets a fresh VM (a slot made again on the same VM
 *    was not enough: test_reset check_after_slot_action); a slot exact
 *    mode marked is removed with its memory and made again. Inputs with
 *    dirty-log actions run with a fresh VM's dirty logging (bitmap
 *    mode: the scenario's slot flags, no manual protection; their
 *    writable slots are made again after).
 *  - fallback to a fresh VM, counted: first use, a different vCPU count,
 *    x86 MSR records no reset can undo (vmm_x86_msrs_resettable) or any
 *    cpuid records (the VM is not reused after such an input either),
 *    the few action records reset mode does not undo (smi; dirty-log
 *    reads with a lone dirty-ring session: the input runs on a VM of its own,
 *    vmm_pipeline_run_reset, and the session's VM is kept; after a
 *    guest_debug action whose vCPU ran again the VM is not reused), or
 *    a VM left in a state that cannot be reset (a failed ioctl, a kernel
 *    contract violation, a failed entry or an internal error, an access
 *    still in flight after the flush).
 */
#ifndef VMM_SESSION_H
#define VMM_SESSION_H

#include <linux/kvm.h>
#include <stdint.h>

#include "vmm/limits.h"
#include "vmm/scenario.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"
#include "vmm/vcpu_state.h"

#define VMM_SESSION_FORCE_BITMAP 0x1U /* use the bitmap even with a ring */
/* the dirty ring without its self-test (the self-test itself, tests) */
#define VMM_SESSION_RING_UNCHECKED 0x100U
/* Guest memory a session keeps resident between inputs: dirty runs of at
 * least this many pages are given back to the kernel instead of cleared
 * in place, and once this many pages were cleared in place, every slot is
 * given back whole. */
#define VMM_RELEASE_RUN_PAGES 16U
#define VMM_SESSION_ZEROED_MAX 4096U /* pages: 16 MiB */

enum vmm_dirty_mode { VMM_DIRTY_NONE = 0, VMM_DIRTY_RING, VMM_DIRTY_BITMAP };

struct vmm_session {
	struct vmm_kvm *k;
	unsigned int flags;
	int live;    /* a VM exists */
	int tainted; /* it must not be reused */
	enum vmm_dirty_mode dirty_mode;
	struct vmm_vm vm;
	uint32_t nvcpus;
	struct vmm_vcpu vcpus[VMM_MAX_VCPUS];
	struct vmm_vcpu_state init[VMM_MAX_VCPUS];
	struct vmm_deadline deadline; /* one timer, re-armed per run */
	int pending[VMM_MAX_VCPUS];   /* an I/O or MMIO completion pending */
	/* vcpus[i].entries when its state was last restored (or created) */
	uint64_t restored_at[VMM_MAX_VCPUS];
	/* set-up changed vCPU i's state by ioctl at vcpus[i].entries
	 * (vmm_session_note_state_set): if it never ran after that, the
	 * next prepare settles it (vmm_arch_vcpu_settle) */
	int state_set[VMM_MAX_VCPUS];
	uint64_t state_set_at[VMM_MAX_VCPUS];
	uint64_t settled;	      /* vCPUs settled that way */
	struct vmm_session_arch arch; /* vmm/<arch>/host_state.h */
	struct kvm_dirty_gfn *ring[VMM_MAX_VCPUS];
	size_t ring_bytes;
	uint32_t ring_entries;
	uint32_t ring_fetch[VMM_MAX_VCPUS];
	/* per vm.slots[] index: the slot as the session made it (actions
	 * may change, move or replace it: vmm_session_note_slot_action) */
	struct vmm_slot own[VMM_MAX_SLOTS];
	/* slot ids an action changed since the last prepare: such a slot is
	 * not tracked (its dirty state is in doubt) but dropped, and made
	 * again if the next scenario has it; dirty ring entries for these
	 * ids are stale, not a contract violation */
	uint32_t touched[VMM_MAX_SCN_ACTIONS + VMM_MAX_SLOTS];
	uint32_t ntouched;
	/* the run has a fresh VM's dirty logging (bitmap mode, inputs with
	 * dirty-log actions): the scenario's slot flags, no manual
	 * protection; its writable slots are dropped at the next prepare */
	int exact;
	/* a trim closed a VM no input could reuse: the next prepare's new
	 * VM counts as a fallback */
	int fallback_due;
	/* vCPUs a guest_debug action set KVM_SET_GUEST_DEBUG on, at
	 * vcpus[i].entries (vmm_session_note_guest_debug) */
	uint32_t gdbg_set;
	uint64_t gdbg_at[VMM_MAX_VCPUS];
	/* per vm.slots[] index: pages the guest dirtied / the VMM wrote */
	uint64_t *gdirty[VMM_MAX_SLOTS];
	uint64_t *vdirty[VMM_MAX_SLOTS];
	uint64_t *scratch[VMM_MAX_SLOTS]; /* KVM_GET_DIRTY_LOG buffer */
	/* figures */
	uint64_t runs, resets, fallbacks, pages_restored, slot_changes;
	/* inputs whose action records no reset undoes, run on a fresh VM of
	 * their own (vmm_pipeline_run_reset; counted in fallbacks too) */
	uint64_t action_fresh;
	/* slots dropped because an action changed them; runs with a fresh
	 * VM's dirty logging (exact) */
	uint64_t slots_undone, exact_runs;
	uint64_t restores_skipped; /* vCPUs not entered since their restore */
	uint64_t sregs_synced;	   /* sregs set through KVM_CAP_SYNC_REGS */
	uint64_t ring_full_exits, ring_harvested;
	/* memory: pages given back to the kernel, pages cleared in place
	 * since the last full release, full releases, trims */
	uint64_t pages_released, zeroed_resident, full_releases, trims;
	char dirty_why[192]; /* why the bitmap is used, if the ring is not */
};

/* Does the dirty ring work on this host? A guest dirtying three times the
 * ring's size runs in a ring-mode session; once per vmm_kvm, cached.
 * 0: yes; -1: no, VMM_ERR_HOST with what went wrong (kvm-pvm on Linux 6.18
 * keeps returning KVM_EXIT_DIRTY_RING_FULL with an empty, reset ring after
 * about two wraps). */
int vmm_dirty_ring_check(struct vmm_kvm *k, struct vmm_error *e);

/* The dirty-ring self-test's guest code (vmm/<arch>/setup.c), loaded at
 * 0x1000: writes one byte into each of VMM_DIRTY_PROBE_PAGES pages from
 * 2 MiB up, then stops cleanly; with the vCPU mode and features it needs. */
#define VMM_DIRTY_PROBE_PAGES 0x3000U
struct vmm_probe_guest {
	const uint8_t *code;
	size_t len;
	uint8_t mode;
	uint32_t features;
};
void vmm_arch_dirty_probe_guest(struct vmm_probe_guest *g);

/* Heap-allocate sessions: they hold per-vCPU state snapshots (~60 KiB). */
int vmm_session_init(struct vmm_session *ss, struct vmm_kvm *k,
		     unsigned int flags, struct vmm_error *e);
void vmm_session_destroy(struct vmm_session *ss);

/* Pipeline hooks (vmm/pipeline.c). prepare: a VM with the scenario's slots
 * and vCPUs, memory zero everywhere the last run or the guest wrote, vCPUs
 * in their creation state. note_write: the VMM wrote [gpa, gpa+len).
 * finish: record what the run left behind. */
int vmm_session_prepare(struct vmm_session *ss, const struct vmm_scenario *s,
			struct vmm_error *e);
void vmm_session_note_write(struct vmm_session *ss, uint64_t gpa, uint64_t len);
void vmm_session_finish(struct vmm_session *ss, int taint,
			const uint32_t *last_reason);
/* The architecture's set-up changed vCPU i's state by ioctl (not through
 * KVM_CAP_SYNC_REGS, which only lands with a KVM_RUN). */
void vmm_session_note_state_set(struct vmm_session *ss, uint32_t i);
/* vCPU i's state was changed by ioctl beyond what the pipeline sets on
 * every run (x86 MSR records): the next prepare restores it even if the
 * vCPU never runs. */
void vmm_session_note_restore(struct vmm_session *ss, uint32_t i);
/* An action changes (or tried to change) slot `id` during a run: the
 * next prepare drops that slot, whatever it became, and the scenario's
 * slot comes back new (zeroed, tracked); until then its dirty state is
 * not read. */
void vmm_session_note_slot_action(struct vmm_session *ss, uint32_t id);
/* Would this input run on the session with the dirty logging of a fresh
 * VM (dirty-log actions need it: their results depend on the slot flags
 * and on manual protection)? Only in bitmap mode: 1 yes or no such
 * action, 0 it cannot (the dirty ring is VM-wide and makes
 * KVM_GET_DIRTY_LOG fail). */
int vmm_session_dirty_actions_ok(const struct vmm_session *ss,
				 const struct vmm_scenario *s);
/* A guest_debug action set KVM_SET_GUEST_DEBUG on vCPU i: if the vCPU
 * enters the guest again in this run, the VM is not reused (on this
 * project's host a vCPU that single-stepped through a port write keeps
 * something of it that turning debugging off does not clear); if not,
 * the next prepare turns debugging off (before it completes a pending
 * access, which must not be single-stepped). */
void vmm_session_note_guest_debug(struct vmm_session *ss, uint32_t i);
/* The VM must not serve another input (state no reset can give back): the
 * next prepare makes a fresh one, counted as a fallback. */
void vmm_session_taint(struct vmm_session *ss);
/* During a run: the number of pages the guest wrote since the previous
 * call (or since the run started), harvested into the pages the next
 * reset restores. 0 or -1. */
int vmm_session_dirty_poll(struct vmm_session *ss, uint64_t *pages,
			   struct vmm_error *e);

/* Reset mode across inputs with different vCPU counts: one session (one
 * VM) per count, made on first use, so that a change of count switches to
 * that count's VM instead of replacing the one VM a session has (a
 * fallback costs a whole new VM). Each session sees only the inputs with
 * its count, exactly as a lone session would. Inputs that never reuse a VM
 * (vmm_arch_vcpu_reusable: x86 cpuid records, MSRs KVM freezes after the
 * first run) have sessions of their own, so that each costs one fresh VM
 * and not a second one for the input after it. */
#define VMM_POOL_SESSIONS (3 * VMM_MAX_VCPUS + 1)
struct vmm_session_pool {
	struct vmm_kvm *k;
	unsigned int flags;
	uint32_t last; /* the index of the last input's session (0: none) */
	/* [count] reusable inputs, [VMM_MAX_VCPUS + count] one-use inputs,
	 * [2 * VMM_MAX_VCPUS + count] inputs with dirty-log actions where
	 * the others use the dirty ring (a bitmap session: it runs them on
	 * its own VM with a fresh VM's dirty logging) */
	struct vmm_session *by_nvcpus[VMM_POOL_SESSIONS];
};

/* Gives the session's guest memory back to the kernel (dirty pages
 * collected and released, as the next prepare would zero them; slots
 * actions touched removed): the pool calls it for the session it switches
 * away from. A VM that will not be reused (tainted), or one whose
 * dirty-log ioctl fails, is closed instead (its next input gets a fresh
 * VM, counted as a fallback). */
void vmm_session_trim(struct vmm_session *ss);

/* Makes the one-vCPU session (so that a host without reset mode says so
 * here); the others come with their first input. */
int vmm_session_pool_init(struct vmm_session_pool *p, struct vmm_kvm *k,
			  unsigned int flags, struct vmm_error *e);
void vmm_session_pool_destroy(struct vmm_session_pool *p);
/* The session for inputs like `s` (its vCPU count, and whether it can
 * reuse a VM at all; any session for a count out of range: validation
 * rejects those before a session is touched), or NULL if a new one could
 * not be made (out of memory). */
struct vmm_session *vmm_session_pool_get(struct vmm_session_pool *p,
					 const struct vmm_scenario *s);

#endif

#include "vmm/session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "vmm/kvm_compat.h"
#include "vmm/pipeline.h"

#define RING_ENTRIES \
	4096U /* 64 KiB per vCPU; the probe guest wraps it 3 times */

#ifndef KVM_CAP_DIRTY_LOG_RING_ACQ_REL
#define KVM_CAP_DIRTY_LOG_RING_ACQ_REL 223
#endif

static size_t bitmap_words(uint64_t size)
{
	return (size_t)((size / VMM_PAGE_SIZE + 63) / 64);
}

static void free_bitmaps(struct vmm_session *ss, int i)
{
	free(ss->gdirty[i]);
	free(ss->vdirty[i]);
	free(ss->scratch[i]);
	ss->gdirty[i] = NULL;
	ss->vdirty[i] = NULL;
	ss->scratch[i] = NULL;
	memset(&ss->own[i], 0, sizeof(ss->own[i]));
}

static int touched(const struct vmm_session *ss, uint32_t id)
{
	for (uint32_t t = 0; t < ss->ntouched; t++)
		if (ss->touched[t] == id)
			return 1;
	return 0;
}

/* Is vm.slots[i] the slot the session made, and did no action change it
 * (its dirty state is known)? */
static int tracked(const struct vmm_session *ss, int i)
{
	const struct vmm_slot *sl = &ss->vm.slots[i], *o = &ss->own[i];

	return ss->gdirty[i] && sl->used && o->used && sl->id == o->id &&
	       sl->gpa == o->gpa && sl->size == o->size &&
	       sl->flags == o->flags && sl->host == o->host &&
	       !touched(ss, sl->id);
}

static void mark_touched(struct vmm_session *ss, uint32_t id)
{
	if (touched(ss, id))
		return;
	if (ss->ntouched < sizeof(ss->touched) / sizeof(ss->touched[0]))
		ss->touched[ss->ntouched++] = id;
	else /* not reached: a run has at most VMM_MAX_SCN_ACTIONS */
		ss->tainted = 1;
}

/* and the VM is not reused after: dropping the slot and making it again
 * was not enough (after a slot_delete mid-run, a long64 guest's next run
 * on the session left other memory than on a fresh VM, test_reset
 * check_after_slot_action) */
void vmm_session_note_slot_action(struct vmm_session *ss, uint32_t id)
{
	mark_touched(ss, id);
	ss->tainted = 1;
}

static int needs_exact(const struct vmm_scenario *s)
{
	for (uint32_t q = 0; q < s->nactions && q < VMM_MAX_SCN_ACTIONS; q++)
		if (s->actions[q].kind == VMM_AK_DIRTY_GET ||
		    s->actions[q].kind == VMM_AK_DIRTY_CLEAR)
			return 1;
	return 0;
}

int vmm_session_dirty_actions_ok(const struct vmm_session *ss,
				 const struct vmm_scenario *s)
{
	return !needs_exact(s) || ss->dirty_mode == VMM_DIRTY_BITMAP;
}

static int manual_protect(struct vmm_session *ss, int on, struct vmm_error *e)
{
	struct kvm_enable_cap cap;

	memset(&cap, 0, sizeof(cap));
	cap.cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2;
	cap.args[0] = on ? KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE : 0;
	return VMM_IOCTL(ss->k->ops, ss->vm.fd, KVM_ENABLE_CAP, &cap, e) < 0
		       ? -1
		       : 0;
}

static void teardown(struct vmm_session *ss)
{
	for (uint32_t i = 0; i < ss->nvcpus; i++) {
		if (ss->ring[i])
			vmm_munmap(ss->k->ops, ss->ring[i], ss->ring_bytes);
		ss->ring[i] = NULL;
		vmm_vcpu_destroy(&ss->vcpus[i]);
	}
	ss->nvcpus = 0;
	if (ss->live)
		vmm_vm_destroy(&ss->vm);
	for (int i = 0; i < VMM_MAX_SLOTS; i++)
		free_bitmaps(ss, i);
	ss->live = 0;
	ss->tainted = 0;
	ss->ntouched = 0;
	ss->exact = 0;
	ss->gdbg_set = 0;
}

#define SESSION_RAW_RING VMM_SESSION_RING_UNCHECKED

int vmm_session_init(struct vmm_session *ss, struct vmm_kvm *k,
		     unsigned int flags, struct vmm_error *e)
{
	struct vmm_error pe;

	memset(ss, 0, sizeof(*ss));
	ss->k = k;
	ss->flags = flags;
	vmm_err_clear(&pe);
	if (!(flags & VMM_SESSION_FORCE_BITMAP) &&
	    vmm_kvm_cap(k, VMM_CAP_DIRTY_LOG_RING) >=
		    (int)(RING_ENTRIES * sizeof(struct kvm_dirty_gfn)) &&
	    ((flags & SESSION_RAW_RING) || vmm_dirty_ring_check(k, &pe) == 0))
		ss->dirty_mode = VMM_DIRTY_RING;
	else if (pe.cls != VMM_ERR_NONE && pe.cls != VMM_ERR_HOST) {
		*e = pe; /* the self-test itself could not run */
		return -1;
	} else if (vmm_kvm_cap(k, VMM_CAP_MANUAL_DIRTY_LOG_PROTECT2)) {
		ss->dirty_mode = VMM_DIRTY_BITMAP;
		(void)snprintf(ss->dirty_why, sizeof(ss->dirty_why), "%.180s",
			       pe.cls == VMM_ERR_HOST ? pe.msg
			       : (flags & VMM_SESSION_FORCE_BITMAP)
				       ? "bitmap requested"
				       : "no usable dirty ring");
	} else {
		vmm_err_set(
			e, VMM_ERR_HOST, "KVM_CHECK_EXTENSION", 0,
			"reset mode needs KVM_CAP_DIRTY_LOG_RING or "
			"KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2; use fresh mode");
		return -1;
	}
	return 0;
}

void vmm_session_destroy(struct vmm_session *ss)
{
	if (ss && ss->k) {
		teardown(ss);
		vmm_deadline_release(&ss->deadline);
	}
}

static int slot_index(const struct vmm_vm *vm, uint32_t id)
{
	for (int i = 0; i < VMM_MAX_SLOTS; i++)
		if (vm->slots[i].used && vm->slots[i].id == id)
			return i;
	return -1;
}

static int add_slot(struct vmm_session *ss, const struct vmm_slot_spec *sl,
		    struct vmm_error *e)
{
	uint32_t flags = sl->flags;
	int i;

	if (!(flags & VMM_SLOT_READONLY))
		flags |=
			VMM_SLOT_DIRTY_LOG; /* tracked: only the guest writes */
	if (vmm_vm_add_slot(&ss->vm, sl->id, sl->gpa, sl->size, flags, e) < 0)
		return -1;
	i = slot_index(&ss->vm, sl->id);
	ss->own[i] = ss->vm.slots[i];
	ss->gdirty[i] = calloc(bitmap_words(sl->size), sizeof(uint64_t));
	ss->vdirty[i] = calloc(bitmap_words(sl->size), sizeof(uint64_t));
	ss->scratch[i] = calloc(bitmap_words(sl->size), sizeof(uint64_t));
	if (!ss->gdirty[i] || !ss->vdirty[i] || !ss->scratch[i]) {
		vmm_err_set(e, VMM_ERR_NOMEM, "malloc", 0,
			    "out of memory for dirty bitmaps");
		return -1;
	}
	return 0;
}

/* Harvest the dirty rings into the guest-dirty bitmaps. Ring entries are
 * kernel data: a slot or offset outside what this VM has is a contract
 * violation. */
static int harvest_rings(struct vmm_session *ss, struct vmm_error *e)
{
	for (uint32_t v = 0; v < ss->nvcpus; v++) {
		for (;;) {
			struct kvm_dirty_gfn *g =
				&ss->ring[v]
					 [ss->ring_fetch[v] % ss->ring_entries];
			uint32_t fl =
				__atomic_load_n(&g->flags, __ATOMIC_ACQUIRE);
			uint32_t slot, id;
			uint64_t off;
			int i, stale;

			if (!(fl & KVM_DIRTY_GFN_F_DIRTY))
				break;
			slot = __atomic_load_n(&g->slot, __ATOMIC_RELAXED);
			off = __atomic_load_n(&g->offset, __ATOMIC_RELAXED);
			id = slot & 0xFFFFU; /* address space 0 only */
			i = (slot >> 16) ? -1 : slot_index(&ss->vm, id);
			/* a slot an action changed is dropped at the next
			 * prepare; entries from before the change are stale
			 * (KVM's ring reset skips them too) */
			stale = !(slot >> 16) && touched(ss, id);
			if (!stale &&
			    (i < 0 || !tracked(ss, i) ||
			     off >= ss->vm.slots[i].size / VMM_PAGE_SIZE)) {
				vmm_err_contract(e, "dirty ring", "slot/offset",
						 "kernel contract violation: "
						 "dirty ring entry slot=%u "
						 "offset=%llu is not a page of "
						 "this VM",
						 slot, (unsigned long long)off);
				return -1;
			}
			if (!stale)
				ss->gdirty[i][off / 64] |= 1ULL << (off % 64);
			ss->ring_harvested++;
			__atomic_store_n(&g->flags, KVM_DIRTY_GFN_F_RESET,
					 __ATOMIC_RELEASE);
			ss->ring_fetch[v]++;
		}
	}
	return VMM_IOCTL_VAL(ss->k->ops, ss->vm.fd, KVM_RESET_DIRTY_RINGS, 0,
			     e) < 0
		       ? -1
		       : 0;
}

static int ring_full(void *ctx, struct vmm_error *e)
{
	struct vmm_session *ss = ctx;
	uint64_t before = ss->ring_harvested;

	ss->ring_full_exits++;
	if (harvest_rings(ss, e) < 0)
		return -1;
	if (ss->ring_harvested == before) {
		/* Nothing to harvest, yet "full": re-entering would spin. */
		vmm_err_set(
			e, VMM_ERR_HOST, "KVM_RUN", 0,
			"KVM_EXIT_DIRTY_RING_FULL with an empty dirty ring "
			"(after %llu entries harvested and reset): the host's "
			"dirty ring is unreliable",
			(unsigned long long)ss->ring_harvested);
		ss->tainted = 1;
		/* The self-test can pass on such a host (kvm-pvm: about one
		 * time in ten) while the ring then fails in some runs and not
		 * in others. Not again: the bitmap from the next VM on, for
		 * this session and every later one on this vmm_kvm. */
		if (vmm_kvm_cap(ss->k, VMM_CAP_MANUAL_DIRTY_LOG_PROTECT2)) {
			ss->dirty_mode = VMM_DIRTY_BITMAP;
			(void)snprintf(ss->dirty_why, sizeof(ss->dirty_why),
				       "%.180s", e->msg);
			ss->k->ring_probe = VMM_PROBE_FAILS;
			(void)snprintf(ss->k->ring_probe_why,
				       sizeof(ss->k->ring_probe_why), "%.180s",
				       e->msg);
		}
		return -1;
	}
	return 0;
}

static int collect_bitmaps(struct vmm_session *ss, uint64_t *pages,
			   struct vmm_error *e)
{
	for (int i = 0; i < VMM_MAX_SLOTS; i++) {
		struct vmm_slot *sl = &ss->vm.slots[i];
		size_t words;
		uint64_t *bm;
		struct kvm_dirty_log log;
		struct kvm_clear_dirty_log clr;
		int any = 0;

		/* a slot an action changed is dropped, not read: its bitmap
		 * may be gone, or of another size */
		if (!tracked(ss, i) || (sl->flags & VMM_SLOT_READONLY))
			continue;
		words = bitmap_words(sl->size);
		bm = ss->scratch[i];
		memset(&log, 0, sizeof(log));
		log.slot = sl->id;
		log.dirty_bitmap = bm;
		if (VMM_IOCTL(ss->k->ops, ss->vm.fd, KVM_GET_DIRTY_LOG, &log,
			      e) < 0)
			return -1;
		for (size_t w = 0; w < words; w++) {
			ss->gdirty[i][w] |= bm[w];
			any |= bm[w] != 0;
			if (pages)
				*pages += (uint64_t)__builtin_popcountll(bm[w]);
		}
		if (any) { /* write-protect those pages again */
			memset(&clr, 0, sizeof(clr));
			clr.slot = sl->id;
			clr.first_page = 0;
			clr.num_pages = (uint32_t)(sl->size / VMM_PAGE_SIZE);
			clr.dirty_bitmap = bm;
			if (VMM_IOCTL(ss->k->ops, ss->vm.fd,
				      KVM_CLEAR_DIRTY_LOG, &clr, e) < 0)
				return -1;
		}
	}
	return 0;
}

static int create(struct vmm_session *ss, const struct vmm_scenario *s,
		  struct vmm_error *e)
{
	struct kvm_enable_cap cap;
	int rc;

	if (vmm_vm_create(&ss->vm, ss->k, e) < 0)
		return -1;
	ss->live = 1;
	memset(&cap, 0, sizeof(cap));
	if (ss->dirty_mode == VMM_DIRTY_RING) {
		ss->ring_entries = RING_ENTRIES;
		ss->ring_bytes = RING_ENTRIES * sizeof(struct kvm_dirty_gfn);
		cap.cap = KVM_CAP_DIRTY_LOG_RING;
		cap.args[0] = ss->ring_bytes;
		if (VMM_IOCTL(ss->k->ops, ss->vm.fd, KVM_ENABLE_CAP, &cap, e) <
		    0)
			return -1;
	} else if (manual_protect(ss, 1, e) < 0) {
		return -1;
	}
	for (uint32_t i = 0; i < s->nslots; i++)
		if (add_slot(ss, &s->slots[i], e) < 0)
			return -1;
	/* an irqchip input never reuses the VM (vmm_arch_vcpu_reusable):
	 * its controllers come with the VM it gets, before the vCPUs, and
	 * the VM is never reused after, however the input ends (its vCPUs'
	 * MP state and the controllers are not restored) */
	rc = vmm_arch_vm_irqchip(&ss->vm, s, e);
	if (rc < 0)
		return -1;
	if (rc > 0)
		ss->tainted = 1;
	for (uint32_t i = 0; i < s->nvcpus; i++) {
		struct vmm_vcpu *v = &ss->vcpus[i];

		if (vmm_vcpu_create(v, &ss->vm, i, e) < 0)
			return -1;
		ss->nvcpus++;
		ss->ring_fetch[i] = 0;
		if (ss->dirty_mode == VMM_DIRTY_RING) {
			ss->ring[i] = vmm_mmap(
				ss->k->ops, ss->ring_bytes,
				PROT_READ | PROT_WRITE, MAP_SHARED, v->fd,
				(off_t)KVM_DIRTY_LOG_PAGE_OFFSET *
					(off_t)VMM_PAGE_SIZE,
				"dirty ring", e);
			if (!ss->ring[i])
				return -1;
			v->ring_full = ring_full;
			v->ring_ctx = ss;
		}
		if (vmm_arch_vcpu_capture(v, &ss->init[i], e) < 0)
			return -1;
		ss->restored_at[i] = v->entries; /* creation state */
	}
	memset(&ss->arch, 0, sizeof(ss->arch)); /* a new VM: nothing known */
	return 0;
}

static int same_slot(const struct vmm_slot *a, const struct vmm_slot_spec *b)
{
	uint32_t want = b->flags;

	if (!(want & VMM_SLOT_READONLY))
		want |= VMM_SLOT_DIRTY_LOG;
	return a->id == b->id && a->gpa == b->gpa && a->size == b->size &&
	       a->flags == want;
}

/* The slot table in a fresh VM's order - the scenario's slots from index
 * 0, then unused entries - with each slot's bitmaps moved along, so code
 * that walks the table (vmm_vm_slot_at...) does the same steps whatever
 * inputs ran before. Every used entry is one of the scenario's slots. */
static void order_slots(struct vmm_session *ss, const struct vmm_scenario *s)
{
	struct vmm_slot slots[VMM_MAX_SLOTS], own[VMM_MAX_SLOTS];
	uint64_t *g[VMM_MAX_SLOTS], *v[VMM_MAX_SLOTS], *sc[VMM_MAX_SLOTS];

	memset(slots, 0, sizeof(slots));
	memset(own, 0, sizeof(own));
	memset(g, 0, sizeof(g));
	memset(v, 0, sizeof(v));
	memset(sc, 0, sizeof(sc));
	for (uint32_t j = 0; j < s->nslots; j++) {
		int i = slot_index(&ss->vm, s->slots[j].id);

		if (i < 0)
			continue; /* not reached: sync_layout added it */
		slots[j] = ss->vm.slots[i];
		own[j] = ss->own[i];
		g[j] = ss->gdirty[i];
		v[j] = ss->vdirty[i];
		sc[j] = ss->scratch[i];
	}
	memcpy(ss->vm.slots, slots, sizeof(slots));
	memcpy(ss->own, own, sizeof(own));
	memcpy(ss->gdirty, g, sizeof(g));
	memcpy(ss->vdirty, v, sizeof(v));
	memcpy(ss->scratch, sc, sizeof(sc));
}

/* Undo what actions did to the slots (after the dirty state was
 * collected): a slot an action made, changed, moved, resized or flipped
 * - or any the session made that is no longer what it made - is removed
 * with its memory and bitmaps; sync_layout then makes the scenario's
 * slots that are missing, new and zeroed, exactly as a fresh VM's. Ends
 * exact mode (its writable slots were marked touched). */
static int drop_changed(struct vmm_session *ss, struct vmm_error *e)
{
	if (ss->exact) {
		if (manual_protect(ss, 1, e) < 0)
			return -1;
		ss->exact = 0;
	}
	for (int i = 0; i < VMM_MAX_SLOTS; i++) {
		const struct vmm_slot *sl = &ss->vm.slots[i];

		if (tracked(ss, i))
			continue;
		if (sl->used) {
			if (vmm_vm_remove_slot(&ss->vm, sl->id, e) < 0)
				return -1;
			ss->slots_undone++;
		}
		free_bitmaps(ss, i);
	}
	ss->ntouched = 0;
	return 0;
}

/* Bitmap mode, an input with dirty-log actions: the run gets a fresh
 * VM's dirty logging - the scenario's own slot flags (no dirty logging
 * the scenario did not ask for) and no manual protection (so that
 * KVM_GET_DIRTY_LOG clears what it reports, as on a fresh VM). The
 * session tracks none of the writable slots then: they are marked as an
 * action's, dropped at the next prepare and made again (zeroed). */
static int enter_exact(struct vmm_session *ss, const struct vmm_scenario *s,
		       struct vmm_error *e)
{
	for (uint32_t j = 0; j < s->nslots; j++) {
		const struct vmm_slot_spec *sp = &s->slots[j];
		int i = slot_index(&ss->vm, sp->id);

		if (i < 0 || (sp->flags & VMM_SLOT_READONLY))
			continue;
		mark_touched(ss, sp->id);
		if (ss->vm.slots[i].flags != sp->flags &&
		    vmm_vm_set_slot_flags(&ss->vm, sp->id, sp->flags, e) < 0)
			return -1;
	}
	if (manual_protect(ss, 0, e) < 0)
		return -1;
	ss->exact = 1;
	ss->exact_runs++;
	return 0;
}

static int sync_layout(struct vmm_session *ss, const struct vmm_scenario *s,
		       struct vmm_error *e)
{
	for (int i = 0; i < VMM_MAX_SLOTS; i++) {
		const struct vmm_slot *cur = &ss->vm.slots[i];
		int keep = 0;

		if (!cur->used)
			continue;
		for (uint32_t j = 0; j < s->nslots; j++)
			keep |= same_slot(cur, &s->slots[j]);
		if (keep)
			continue;
		if (vmm_vm_remove_slot(&ss->vm, cur->id, e) < 0)
			return -1;
		free_bitmaps(ss, i);
		ss->slot_changes++;
	}
	for (uint32_t j = 0; j < s->nslots; j++) {
		int i = slot_index(&ss->vm, s->slots[j].id);

		if (i >= 0 && same_slot(&ss->vm.slots[i], &s->slots[j]))
			continue;
		if (add_slot(ss, &s->slots[j], e) < 0)
			return -1;
		ss->slot_changes++;
	}
	order_slots(ss, s);
	return 0;
}

/* Zero pages [page, page+n) of slot `sl`: given back to the kernel
 * (MADV_DONTNEED: the next touch maps a zero page, exactly what a fresh
 * VM's memory holds; KVM's MMU notifier drops its mappings) when `release`,
 * else memset, which keeps them resident and is cheaper for a few pages.
 * Falls back to memset if madvise fails. */
static void zero_pages(struct vmm_session *ss, struct vmm_slot *sl,
		       uint64_t page, uint64_t n, int release)
{
	uint8_t *at = sl->host + page * VMM_PAGE_SIZE;
	size_t len = (size_t)(n * VMM_PAGE_SIZE);

	ss->pages_restored += n;
	if (release && madvise(at, len, MADV_DONTNEED) == 0) {
		ss->pages_released += n;
		return;
	}
	memset(at, 0, len);
	ss->zeroed_resident += n;
}

/* Zero every page the guest or the VMM wrote since the last restore. Runs
 * of VMM_RELEASE_RUN_PAGES or more (or all, with `release_all`) are given
 * back to the kernel, shorter ones cleared in place; once the pages
 * cleared in place since the last full release pass
 * VMM_SESSION_ZEROED_MAX, every slot is given back whole (its memory is
 * all zero by then, so this changes nothing the guest can see). A
 * session's resident guest memory between inputs is thus bounded by
 * that figure plus the runs shorter than VMM_RELEASE_RUN_PAGES, whatever
 * earlier inputs filled. */
static void restore_memory(struct vmm_session *ss, int release_all)
{
	for (int i = 0; i < VMM_MAX_SLOTS; i++) {
		struct vmm_slot *sl = &ss->vm.slots[i];
		uint64_t pages, run_start = 0, run_len = 0;

		if (!sl->used || !ss->gdirty[i])
			continue;
		pages = sl->size / VMM_PAGE_SIZE;
		for (size_t w = 0; w < bitmap_words(sl->size); w++) {
			uint64_t bits = ss->gdirty[i][w] | ss->vdirty[i][w];

			ss->gdirty[i][w] = 0;
			ss->vdirty[i][w] = 0;
			while (bits) {
				unsigned int b =
					(unsigned int)__builtin_ctzll(bits);
				uint64_t page = (uint64_t)w * 64 + b;

				bits &= bits - 1;
				if (page >= pages)
					break;
				if (run_len && run_start + run_len == page) {
					run_len++;
					continue;
				}
				if (run_len)
					zero_pages(
						ss, sl, run_start, run_len,
						release_all ||
							run_len >=
								VMM_RELEASE_RUN_PAGES);
				run_start = page;
				run_len = 1;
			}
		}
		if (run_len)
			zero_pages(ss, sl, run_start, run_len,
				   release_all ||
					   run_len >= VMM_RELEASE_RUN_PAGES);
	}
	if (ss->zeroed_resident > VMM_SESSION_ZEROED_MAX) {
		for (int i = 0; i < VMM_MAX_SLOTS; i++) {
			struct vmm_slot *sl = &ss->vm.slots[i];

			if (sl->used)
				(void)madvise(sl->host, sl->size,
					      MADV_DONTNEED);
		}
		ss->zeroed_resident = 0;
		ss->full_releases++;
	}
}

static int collect_dirty(struct vmm_session *ss, struct vmm_error *e)
{
	return ss->dirty_mode == VMM_DIRTY_RING ? harvest_rings(ss, e)
						: collect_bitmaps(ss, NULL, e);
}

#define FLUSH_TRIES 8

/* A KVM_RUN that completes a pending I/O or MMIO read without running any
 * guest instruction (api.rst: immediate_exit): -1 with EINTR once nothing
 * is left. Completing one access can need another: a fragmented MMIO
 * access, or a rep string instruction KVM emulates against MMIO or ports,
 * comes back as a new exit (0) instead, still pending - and would be
 * completed, and carried on, by the next input's first KVM_RUN. A few are
 * completed here; a vCPU still busy after that cannot be reset: 1, and the
 * caller falls back to a fresh VM. */
static int flush_pending(struct vmm_session *ss, struct vmm_error *e)
{
	int unsettled = 0;

	for (uint32_t i = 0; i < ss->nvcpus; i++) {
		int rc = 1, tries = 0;

		if (!ss->pending[i])
			continue;
		ss->pending[i] = 0;
		while (rc == 1 && tries++ < FLUSH_TRIES)
			rc = vmm_vcpu_flush(&ss->vcpus[i], e);
		if (rc < 0)
			return -1;
		if (rc == 1)
			unsettled = 1;
	}
	return unsettled;
}

void vmm_session_note_guest_debug(struct vmm_session *ss, uint32_t i)
{
	if (i < ss->nvcpus) {
		ss->gdbg_set |= 1U << i;
		ss->gdbg_at[i] = ss->vcpus[i].entries;
	}
}

int vmm_session_prepare(struct vmm_session *ss, const struct vmm_scenario *s,
			struct vmm_error *e)
{
	ss->runs++;
	/* guest debugging an action turned on, on a vCPU that did not run
	 * with it (vmm_session_finish): off, before the flush below */
	for (uint32_t i = 0; ss->live && ss->gdbg_set && i < ss->nvcpus; i++)
		if (((ss->gdbg_set >> i) & 1U) && !ss->tainted &&
		    vmm_vcpu_guest_debug(&ss->vcpus[i], 0) < 0)
			ss->tainted = 1;
	ss->gdbg_set = 0;
	if (ss->live && !ss->tainted && ss->nvcpus == s->nvcpus &&
	    vmm_arch_vcpu_reusable(ss->k, ss->init, s)) {
		int rc = flush_pending(ss, e);

		if (rc < 0)
			goto fail;
		if (rc > 0)
			ss->tainted = 1; /* an access still in flight */
	}
	/* state set-up gave a vCPU that then never ran */
	for (uint32_t i = 0; ss->live && !ss->tainted && i < ss->nvcpus; i++) {
		int rc = 0;

		if (ss->state_set[i] &&
		    ss->vcpus[i].entries == ss->state_set_at[i]) {
			rc = vmm_arch_vcpu_settle(ss, i, e);
			ss->settled++;
		}
		ss->state_set[i] = 0;
		if (rc < 0)
			goto fail;
		if (rc > 0)
			ss->tainted = 1;
	}
	if (ss->live && !ss->tainted && ss->nvcpus == s->nvcpus &&
	    vmm_arch_vcpu_reusable(ss->k, ss->init, s)) {
		if (collect_dirty(ss, e) < 0 || drop_changed(ss, e) < 0 ||
		    sync_layout(ss, s, e) < 0)
			goto fail;
		restore_memory(ss, 0);
		for (uint32_t i = 0; i < ss->nvcpus; i++) {
			struct vmm_vcpu *v = &ss->vcpus[i];

			vmm_vcpu_sync_clear(v);
			if (v->entries == ss->restored_at[i]) {
				/* not entered since: nothing changed it */
				ss->restores_skipped++;
				continue;
			}
			if (vmm_arch_vcpu_restore(v, &ss->init[i], e) < 0)
				goto fail;
			ss->restored_at[i] = v->entries;
		}
		ss->resets++;
		if (needs_exact(s) && enter_exact(ss, s, e) < 0)
			goto fail;
		return 0;
	}
	if (ss->live || ss->fallback_due) {
		ss->fallbacks++;
		teardown(ss);
	}
	ss->fallback_due = 0;
	if (create(ss, s, e) < 0 ||
	    (needs_exact(s) && enter_exact(ss, s, e) < 0))
		goto fail;
	return 0;
fail:
	teardown(ss);
	return -1;
}

void vmm_session_note_write(struct vmm_session *ss, uint64_t gpa, uint64_t len)
{
	for (int i = 0; i < VMM_MAX_SLOTS && len; i++) {
		const struct vmm_slot *sl = &ss->vm.slots[i];
		uint64_t first, last;

		if (!sl->used || !ss->vdirty[i] || gpa < sl->gpa ||
		    gpa - sl->gpa >= sl->size)
			continue;
		first = (gpa - sl->gpa) / VMM_PAGE_SIZE;
		last = (gpa - sl->gpa + len - 1) / VMM_PAGE_SIZE;
		if (last >= sl->size / VMM_PAGE_SIZE)
			last = sl->size / VMM_PAGE_SIZE - 1;
		for (uint64_t p = first; p <= last; p++)
			ss->vdirty[i][p / 64] |= 1ULL << (p % 64);
	}
}

void vmm_session_finish(struct vmm_session *ss, int taint,
			const uint32_t *last_reason)
{
	if (!ss->live)
		return;
	if (taint)
		ss->tainted = 1;
	for (uint32_t i = 0; i < ss->nvcpus; i++) {
		ss->pending[i] = last_reason[i] == KVM_EXIT_IO ||
				 last_reason[i] == KVM_EXIT_MMIO;
		if (last_reason[i] == KVM_EXIT_FAIL_ENTRY ||
		    last_reason[i] == KVM_EXIT_INTERNAL_ERROR)
			ss->tainted = 1;
		/* it ran with guest debugging an action turned on */
		if (((ss->gdbg_set >> i) & 1U) &&
		    ss->vcpus[i].entries != ss->gdbg_at[i])
			ss->tainted = 1;
	}
}

int vmm_session_dirty_poll(struct vmm_session *ss, uint64_t *pages,
			   struct vmm_error *e)
{
	uint64_t before = ss->ring_harvested;

	*pages = 0;
	if (ss->exact) /* a fresh VM's dirty logging: as on a fresh VM */
		return vmm_vm_dirty_poll(&ss->vm, pages, e);
	if (ss->dirty_mode == VMM_DIRTY_RING) {
		if (harvest_rings(ss, e) < 0)
			return -1;
		*pages = ss->ring_harvested - before;
		return 0;
	}
	return collect_bitmaps(ss, pages, e);
}

int vmm_session_pool_init(struct vmm_session_pool *p, struct vmm_kvm *k,
			  unsigned int flags, struct vmm_error *e)
{
	memset(p, 0, sizeof(*p));
	p->k = k;
	p->flags = flags;
	p->by_nvcpus[1] = calloc(1, sizeof(struct vmm_session));
	if (!p->by_nvcpus[1]) {
		vmm_err_set(e, VMM_ERR_NOMEM, "malloc", 0, "out of memory");
		return -1;
	}
	if (vmm_session_init(p->by_nvcpus[1], k, flags, e) < 0) {
		free(p->by_nvcpus[1]);
		p->by_nvcpus[1] = NULL;
		return -1;
	}
	return 0;
}

void vmm_session_pool_destroy(struct vmm_session_pool *p)
{
	for (int i = 0; i < VMM_POOL_SESSIONS; i++) {
		if (p->by_nvcpus[i]) {
			vmm_session_destroy(p->by_nvcpus[i]);
			free(p->by_nvcpus[i]);
			p->by_nvcpus[i] = NULL;
		}
	}
}

void vmm_session_trim(struct vmm_session *ss)
{
	struct vmm_error e;

	if (!ss->live)
		return;
	vmm_err_clear(&e);
	if (ss->tainted || collect_dirty(ss, &e) < 0 ||
	    drop_changed(ss, &e) < 0) {
		/* a VM no input will reuse (cpuid, irqchip, guest_debug...):
		 * closed now, its memory with it; the next input's fresh VM
		 * still counts as a fallback */
		teardown(ss);
		ss->fallback_due = 1;
		ss->trims++;
		return;
	}
	restore_memory(ss, 1);
	ss->trims++;
}

/* The pool's session i, made on first use with `flags`; NULL if it could
 * not be made (*e says why). */
static struct vmm_session *pool_session(struct vmm_session_pool *p, uint32_t i,
					unsigned int flags, struct vmm_error *e)
{
	if (!p->by_nvcpus[i]) {
		p->by_nvcpus[i] = calloc(1, sizeof(struct vmm_session));
		vmm_err_clear(e);
		/* the host checks ran for the first session and are cached */
		if (p->by_nvcpus[i] &&
		    vmm_session_init(p->by_nvcpus[i], p->k, flags, e) < 0) {
			free(p->by_nvcpus[i]);
			p->by_nvcpus[i] = NULL;
		}
	}
	return p->by_nvcpus[i];
}

struct vmm_session *vmm_session_pool_get(struct vmm_session_pool *p,
					 const struct vmm_scenario *s)
{
	int count_ok = s->nvcpus >= 1 && s->nvcpus <= VMM_MAX_VCPUS;
	uint32_t n = count_ok ? s->nvcpus : 1, i = n;
	unsigned int flags = p->flags;
	struct vmm_session *ss;
	struct vmm_error e;

	vmm_err_clear(&e);
	if (count_ok && !vmm_arch_vcpu_reusable(p->k, NULL, s)) {
		i += VMM_MAX_VCPUS;
	} else if (count_ok && p->by_nvcpus[1] &&
		   !vmm_session_dirty_actions_ok(p->by_nvcpus[1], s)) {
		/* dirty-log actions where the sessions use the dirty ring:
		 * a bitmap session, which runs them on its own VM */
		i += 2 * VMM_MAX_VCPUS;
		flags = (flags & ~VMM_SESSION_RING_UNCHECKED) |
			VMM_SESSION_FORCE_BITMAP;
	}

	/* Switching VMs: the one left behind gives its guest memory back, so
	 * that the pool never holds more than one input's worth. */
	if (p->last && p->last != i && p->by_nvcpus[p->last])
		vmm_session_trim(p->by_nvcpus[p->last]);
	p->last = i;

	ss = pool_session(p, i, flags, &e);
	if (!ss && i > 2 * VMM_MAX_VCPUS && e.cls == VMM_ERR_HOST) {
		/* no bitmap on this host: the count's ring session, which
		 * gives such an input a fresh VM (vmm_pipeline_run_reset) */
		p->last = n;
		ss = pool_session(p, n, p->flags, &e);
	}
	return ss;
}

int vmm_dirty_ring_check(struct vmm_kvm *k, struct vmm_error *e)
{
	struct vmm_session *ss;
	struct vmm_scenario s;
	struct vmm_probe_guest g;
	struct vmm_result *r;

	if (k->ring_probe == VMM_PROBE_UNKNOWN) {
		ss = calloc(1, sizeof(*ss));
		r = calloc(1, sizeof(*r));
		if (!ss || !r ||
		    vmm_session_init(ss, k, SESSION_RAW_RING, e) < 0) {
			free(ss);
			free(r);
			if (e->cls == VMM_ERR_NONE)
				vmm_err_set(e, VMM_ERR_NOMEM, "malloc", 0,
					    "out of memory");
			return -1;
		}
		vmm_arch_dirty_probe_guest(&g);
		vmm_scenario_init(&s);
		s.nslots = 1;
		s.slots[0].size = 0x4000000; /* 64 MiB */
		s.nblobs = 1;
		s.blobs[0].gpa = 0x1000;
		s.blobs[0].data = g.code;
		s.blobs[0].len = g.len;
		s.nvcpus = 1;
		s.vcpus[0].mode = g.mode;
		s.vcpus[0].features = g.features;
		s.vcpus[0].entry = 0x1000;
		s.max_exits = 16;
		s.timeout_ms = 5000;
		/* twice: the second run also exercises reset on the ring */
		for (int i = 0; i < 2; i++) {
			(void)vmm_pipeline_run_reset(ss, &s, NULL, r);
			if (!vmm_verdict_clean(r->verdict))
				break;
		}
		if (vmm_verdict_clean(r->verdict) &&
		    ss->ring_harvested >= VMM_DIRTY_PROBE_PAGES) {
			k->ring_probe = VMM_PROBE_OK;
		} else if (r->err.cls == VMM_ERR_HOST ||
			   r->err.cls == VMM_ERR_TIMEOUT ||
			   r->err.cls == VMM_ERR_GUEST ||
			   vmm_verdict_clean(r->verdict)) {
			k->ring_probe = VMM_PROBE_FAILS;
			(void)snprintf(
				k->ring_probe_why, sizeof(k->ring_probe_why),
				"%.180s",
				r->err.cls == VMM_ERR_NONE
					? "too few dirty entries reported"
					: r->err.msg);
		} else {
			*e = r->err;
			vmm_session_destroy(ss);
			free(ss);
			free(r);
			return -1;
		}
		vmm_session_destroy(ss);
		free(ss);
		free(r);
	}
	if (k->ring_probe == VMM_PROBE_OK)
		return 0;
	vmm_err_set(e, VMM_ERR_HOST, "dirty ring probe", 0,
		    "the dirty ring self-test failed: %s", k->ring_probe_why);
	return -1;
}

void vmm_session_note_state_set(struct vmm_session *ss, uint32_t i)
{
	if (i < ss->nvcpus) {
		ss->state_set[i] = 1;
		ss->state_set_at[i] = ss->vcpus[i].entries;
	}
}

void vmm_session_note_restore(struct vmm_session *ss, uint32_t i)
{
	if (i < ss->nvcpus)
		ss->restored_at[i] = UINT64_MAX; /* entries never reach it */
}

void vmm_session_taint(struct vmm_session *ss)
{
	ss->tainted = 1;
}

/* A VM and its memory slots.
 *
 * Slots are page aligned, non-overlapping, bounded in count and total size,
 * backed by private anonymous MAP_NORESERVE mappings the VM owns. Teardown
 * releases everything on every path.
 */
#ifndef VMM_VM_H
#define VMM_VM_H

#include <stdint.h>

#include "vmm/kvm.h"
#include "vmm/limits.h"

#define VMM_PAGE_SIZE 0x1000ULL

#define VMM_SLOT_READONLY 0x1U
#define VMM_SLOT_DIRTY_LOG 0x2U

struct vmm_slot {
	int used;
	uint32_t id;
	uint64_t gpa;
	uint64_t size;
	uint32_t flags; /* VMM_SLOT_* */
	uint8_t *host;
};

struct vmm_vm {
	struct vmm_kvm *kvm;
	int fd;
	struct vmm_slot slots[VMM_MAX_SLOTS];
	uint64_t total_mem;
	/* closing it waits for the kernel (in-kernel devices on KVM's I/O
	 * buses): vmm_vm_destroy hands it to the closer, if one runs */
	int close_waits;
};

/* Create the VM and do the architecture's VM-wide setup (x86: TSS and
 * identity map from vmm/x86/layout.h). */
int vmm_vm_create(struct vmm_vm *vm, struct vmm_kvm *kvm, struct vmm_error *e);
void vmm_vm_destroy(struct vmm_vm *vm);

/* Validate and add a slot. Input errors (alignment, overlap, bounds) are
 * VMM_ERR_INPUT; a readonly slot without KVM_CAP_READONLY_MEM is
 * VMM_ERR_HOST. */
int vmm_vm_add_slot(struct vmm_vm *vm, uint32_t id, uint64_t gpa, uint64_t size,
		    uint32_t flags, struct vmm_error *e);
int vmm_vm_remove_slot(struct vmm_vm *vm, uint32_t id, struct vmm_error *e);

/* Mid-run slot changes (x86 action records). A slot id the VMM does not
 * have is VMM_ERR_INPUT; KVM's refusals are VMM_ERR_SYS with the errno.
 * move: same memory at gpa (KVM_MR_MOVE). set_slot_flags: dirty logging
 * in place; a readonly change deletes the slot and adds it again over the
 * same memory (KVM changes no readonly flag in place). resize: new memory
 * with the old contents up to the smaller size, the slot deleted and added
 * again. A failed re-add leaves the slot gone (as in KVM). get_dirty_log:
 * the number of dirty pages (KVM_GET_DIRTY_LOG); clear_dirty_log: pages
 * [first, first+npages) with an all-ones bitmap (KVM_CLEAR_DIRTY_LOG). */
int vmm_vm_move_slot(struct vmm_vm *vm, uint32_t id, uint64_t gpa,
		     struct vmm_error *e);
int vmm_vm_set_slot_flags(struct vmm_vm *vm, uint32_t id, uint32_t flags,
			  struct vmm_error *e);
int vmm_vm_resize_slot(struct vmm_vm *vm, uint32_t id, uint64_t size,
		       struct vmm_error *e);
int vmm_vm_get_dirty_log(struct vmm_vm *vm, uint32_t id, uint64_t *pages,
			 struct vmm_error *e);
int vmm_vm_clear_dirty_log(struct vmm_vm *vm, uint32_t id, uint64_t first,
			   uint32_t npages, struct vmm_error *e);

/* Host pointer for [gpa, gpa+len) if one slot holds all of it, else NULL. */
uint8_t *vmm_vm_hva(const struct vmm_vm *vm, uint64_t gpa, uint64_t len);
const struct vmm_slot *vmm_vm_slot_at(const struct vmm_vm *vm, uint64_t gpa);

/* Copy bytes into guest memory (also into readonly slots: the VMM's view is
 * writable). VMM_ERR_INPUT when the range is not inside one slot. */
int vmm_vm_write(struct vmm_vm *vm, uint64_t gpa, const void *src, uint64_t len,
		 struct vmm_error *e);

/* Fresh VMs (no manual dirty-log protection): the number of guest pages
 * written in writable slots since the previous call (KVM_GET_DIRTY_LOG,
 * which also write-protects them again). Dirty logging is turned on for a
 * writable slot at its first call (a flags-only KVM_SET_USER_MEMORY_REGION;
 * what the guest sees does not change): that call counts nothing for it.
 * 0 or -1. */
int vmm_vm_dirty_poll(struct vmm_vm *vm, uint64_t *pages, struct vmm_error *e);

struct vmm_exit;
/* Fault-address check of an MMIO (or arm64 no-syndrome) exit against the
 * slots: KVM only exits for addresses no slot backs, or for writes to a
 * readonly slot (a no-syndrome exit may be such a write). An exit starting inside RAM otherwise is a kernel contract
 * violation (VMM_ERR_CONTRACT), -1. Other exits: 0. */
int vmm_vm_check_exit_gpa(const struct vmm_vm *vm, const struct vmm_exit *x,
			  struct vmm_error *e);

/* Architecture hook, implemented in vmm/<arch>/vm_arch.c. */
int vmm_arch_vm_init(struct vmm_vm *vm, struct vmm_error *e);
/* The scenario's interrupt controllers (x86 irqchip record), made after
 * the slots and before any vCPU, in fresh and reset mode alike: 1 made,
 * 0 none to make, -1. */
struct vmm_scenario;
int vmm_arch_vm_irqchip(struct vmm_vm *vm, const struct vmm_scenario *s,
			struct vmm_error *e);

#endif

#include "vmm/vm.h"

#include <linux/kvm.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "vmm/closer.h"
#include "vmm/exit.h"

int vmm_vm_create(struct vmm_vm *vm, struct vmm_kvm *kvm, struct vmm_error *e)
{
	int fd;

	memset(vm, 0, sizeof(*vm));
	vm->kvm = kvm;
	vm->fd = -1;
	fd = VMM_IOCTL_VAL(kvm->ops, kvm->fd, KVM_CREATE_VM, 0, e);
	if (fd < 0)
		return -1;
	vm->fd = fd;
	if (vmm_arch_vm_init(vm, e) < 0) {
		vmm_vm_destroy(vm);
		return -1;
	}
	return 0;
}

static void slot_release(struct vmm_vm *vm, struct vmm_slot *s)
{
	vmm_munmap(vm->kvm->ops, s->host, s->size);
	vm->total_mem -= s->size;
	memset(s, 0, sizeof(*s));
}

void vmm_vm_destroy(struct vmm_vm *vm)
{
	if (!vm || !vm->kvm)
		return;
	if (vm->close_waits && vmm_closer_take(vm))
		return;
	/* Closing the VM fd drops KVM's references to the slots; only then
	 * are the backing mappings released. */
	vmm_close(vm->kvm->ops, vm->fd);
	vm->fd = -1;
	for (int i = 0; i < VMM_MAX_SLOTS; i++)
		if (vm->slots[i].used)
			slot_release(vm, &vm->slots[i]);
	vm->total_mem = 0;
}

static int slot_bad(struct vmm_error *e, uint32_t id, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int slot_bad(struct vmm_error *e, uint32_t id, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmm_err_vset(e, VMM_ERR_INPUT, "memory slot", 0, fmt, ap);
	va_end(ap);
	vmm_err_prefix(e, "slot %u", id);
	return -1;
}

static struct vmm_slot *slot_by_id(struct vmm_vm *vm, uint32_t id)
{
	for (int i = 0; i < VMM_MAX_SLOTS; i++)
		if (vm->slots[i].used && vm->slots[i].id == id)
			return &vm->slots[i];
	return NULL;
}

static int no_slot(struct vmm_error *e, uint32_t id)
{
	vmm_err_set(e, VMM_ERR_INPUT, "memory slot", 0, "no slot %u", id);
	return -1;
}

/* KVM_SET_USER_MEMORY_REGION for slot id at host memory `host`. */
static int slot_region(struct vmm_vm *vm, uint32_t id, const uint8_t *host,
		       uint64_t gpa, uint64_t size, uint32_t flags,
		       struct vmm_error *e)
{
	struct kvm_userspace_memory_region r;

	memset(&r, 0, sizeof(r));
	r.slot = id;
	r.flags = ((flags & VMM_SLOT_READONLY) ? KVM_MEM_READONLY : 0) |
		  ((flags & VMM_SLOT_DIRTY_LOG) ? KVM_MEM_LOG_DIRTY_PAGES : 0);
	r.guest_phys_addr = gpa;
	r.memory_size = size;
	r.userspace_addr = (uint64_t)(uintptr_t)host;
	if (VMM_IOCTL(vm->kvm->ops, vm->fd, KVM_SET_USER_MEMORY_REGION, &r, e) <
	    0) {
		vmm_err_prefix(e, "slot %u gpa 0x%llx size 0x%llx", id,
			       (unsigned long long)gpa,
			       (unsigned long long)size);
		return -1;
	}
	return 0;
}

int vmm_vm_add_slot(struct vmm_vm *vm, uint32_t id, uint64_t gpa, uint64_t size,
		    uint32_t flags, struct vmm_error *e)
{
	struct vmm_slot *free_slot = NULL;
	int nr_slots = vmm_kvm_cap(vm->kvm, VMM_CAP_NR_MEMSLOTS);
	uint8_t *host;

	if (flags & ~(VMM_SLOT_READONLY | VMM_SLOT_DIRTY_LOG))
		return slot_bad(e, id, "unknown flags 0x%x", flags);
	if (id >= 0x8000 || (nr_slots > 0 && id >= (uint32_t)nr_slots))
		return slot_bad(e, id,
				"slot id out of range (host has %d "
				"slots)",
				nr_slots);
	if (size == 0 || (size & (VMM_PAGE_SIZE - 1)) ||
	    (gpa & (VMM_PAGE_SIZE - 1)))
		return slot_bad(e, id,
				"gpa 0x%llx / size 0x%llx not page "
				"aligned or empty",
				(unsigned long long)gpa,
				(unsigned long long)size);
	if (gpa > UINT64_MAX - size)
		return slot_bad(e, id, "gpa 0x%llx + size 0x%llx wraps",
				(unsigned long long)gpa,
				(unsigned long long)size);
	if (size > VMM_MAX_GUEST_MEM - vm->total_mem)
		return slot_bad(e, id,
				"total guest memory would exceed 0x%llx"
				" bytes (already 0x%llx)",
				VMM_MAX_GUEST_MEM,
				(unsigned long long)vm->total_mem);
	for (int i = 0; i < VMM_MAX_SLOTS; i++) {
		const struct vmm_slot *s = &vm->slots[i];

		if (!s->used) {
			if (!free_slot)
				free_slot = &vm->slots[i];
			continue;
		}
		if (s->id == id)
			return slot_bad(e, id, "slot id already in use");
		if (gpa < s->gpa + s->size && s->gpa < gpa + size)
			return slot_bad(e, id,
					"overlaps the slot at 0x%llx "
					"(size 0x%llx)",
					(unsigned long long)s->gpa,
					(unsigned long long)s->size);
	}
	if (!free_slot)
		return slot_bad(e, id, "more than %d slots", VMM_MAX_SLOTS);
	if ((flags & VMM_SLOT_READONLY) &&
	    !vmm_kvm_cap(vm->kvm, VMM_CAP_READONLY_MEM)) {
		vmm_err_set(
			e, VMM_ERR_HOST, "KVM_CHECK_EXTENSION", 0,
			"readonly slot %u needs KVM_CAP_READONLY_MEM, which "
			"this host lacks",
			id);
		return -1;
	}

	host = vmm_mmap(vm->kvm->ops, size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0,
			"guest memory", e);
	if (!host)
		return -1;

	if (slot_region(vm, id, host, gpa, size, flags, e) < 0) {
		vmm_munmap(vm->kvm->ops, host, size);
		return -1;
	}
	free_slot->used = 1;
	free_slot->id = id;
	free_slot->gpa = gpa;
	free_slot->size = size;
	free_slot->flags = flags;
	free_slot->host = host;
	vm->total_mem += size;
	return 0;
}

int vmm_vm_remove_slot(struct vmm_vm *vm, uint32_t id, struct vmm_error *e)
{
	struct vmm_slot *s = slot_by_id(vm, id);
	struct kvm_userspace_memory_region r;

	if (!s)
		return no_slot(e, id);
	memset(&r, 0, sizeof(r));
	r.slot = id;
	r.guest_phys_addr = s->gpa;
	r.memory_size = 0; /* deletes the slot */
	if (VMM_IOCTL(vm->kvm->ops, vm->fd, KVM_SET_USER_MEMORY_REGION, &r, e) <
	    0)
		return -1;
	slot_release(vm, s);
	return 0;
}

int vmm_vm_dirty_poll(struct vmm_vm *vm, uint64_t *pages, struct vmm_error *e)
{
	*pages = 0;
	for (int i = 0; i < VMM_MAX_SLOTS; i++) {
		struct vmm_slot *s = &vm->slots[i];
		size_t words = (size_t)((s->size / VMM_PAGE_SIZE + 63) / 64);
		struct kvm_dirty_log log;
		uint64_t *bm;

		if (!s->used || (s->flags & VMM_SLOT_READONLY))
			continue;
		if (!(s->flags & VMM_SLOT_DIRTY_LOG)) {
			struct kvm_userspace_memory_region r;

			memset(&r, 0, sizeof(r));
			r.slot = s->id;
			r.flags = KVM_MEM_LOG_DIRTY_PAGES;
			r.guest_phys_addr = s->gpa;
			r.memory_size = s->size;
			r.userspace_addr = (uint64_t)(uintptr_t)s->host;
			if (VMM_IOCTL(vm->kvm->ops, vm->fd,
				      KVM_SET_USER_MEMORY_REGION, &r, e) < 0)
				return -1;
			s->flags |= VMM_SLOT_DIRTY_LOG;
			continue;
		}
		bm = calloc(words, sizeof(uint64_t));
		if (!bm) {
			vmm_err_set(e, VMM_ERR_NOMEM, "malloc", 0,
				    "out of memory for a dirty bitmap");
			return -1;
		}
		memset(&log, 0, sizeof(log));
		log.slot = s->id;
		log.dirty_bitmap = bm;
		if (VMM_IOCTL(vm->kvm->ops, vm->fd, KVM_GET_DIRTY_LOG, &log,
			      e) < 0) {
			free(bm);
			return -1;
		}
		for (size_t w = 0; w < words; w++)
			*pages += (uint64_t)__builtin_popcountll(bm[w]);
		free(bm);
	}
	return 0;
}

const struct vmm_slot *vmm_vm_slot_at(const struct vmm_vm *vm, uint64_t gpa)
{
	for (int i = 0; i < VMM_MAX_SLOTS; i++) {
		const struct vmm_slot *s = &vm->slots[i];

		if (s->used && gpa >= s->gpa && gpa - s->gpa < s->size)
			return s;
	}
	return NULL;
}

uint8_t *vmm_vm_hva(const struct vmm_vm *vm, uint64_t gpa, uint64_t len)
{
	const struct vmm_slot *s = vmm_vm_slot_at(vm, gpa);

	if (!s || len > s->size - (gpa - s->gpa))
		return NULL;
	return s->host + (gpa - s->gpa);
}

int vmm_vm_write(struct vmm_vm *vm, uint64_t gpa, const void *src, uint64_t len,
		 struct vmm_error *e)
{
	uint8_t *dst;

	if (len == 0)
		return 0;
	dst = vmm_vm_hva(vm, gpa, len);
	if (!dst) {
		vmm_err_set(e, VMM_ERR_INPUT, "guest memory", 0,
			    "range [0x%llx, 0x%llx) is not inside guest memory",
			    (unsigned long long)gpa,
			    (unsigned long long)gpa + len);
		return -1;
	}
	memcpy(dst, src, len);
	return 0;
}

int vmm_vm_check_exit_gpa(const struct vmm_vm *vm, const struct vmm_exit *x,
			  struct vmm_error *e)
{
	const struct vmm_slot *sl;
	uint64_t gpa;
	int write;

	if (x->reason == KVM_EXIT_MMIO) {
		gpa = x->u.mmio.gpa;
		write = x->u.mmio.is_write;
	} else if (x->reason == KVM_EXIT_ARM_NISV) {
		/* direction unknown: a write to a readonly slot is legitimate */
		gpa = x->u.arm_nisv.fault_ipa;
		write = 1;
	} else {
		return 0;
	}
	sl = vmm_vm_slot_at(vm, gpa);
	if (!sl || (write == 1 && (sl->flags & VMM_SLOT_READONLY)))
		return 0;
	vmm_err_contract(
		e, "kvm_run",
		x->reason == KVM_EXIT_MMIO ? "mmio.phys_addr"
					   : "arm_nisv.fault_ipa",
		"kernel contract violation: %s exit for gpa 0x%llx, which "
		"%s slot %u [0x%llx, 0x%llx) backs",
		x->reason == KVM_EXIT_MMIO ? "KVM_EXIT_MMIO"
					   : "KVM_EXIT_ARM_NISV",
		(unsigned long long)gpa,
		(sl->flags & VMM_SLOT_READONLY) ? "readonly" : "RAM", sl->id,
		(unsigned long long)sl->gpa,
		(unsigned long long)sl->gpa + sl->size);
	return -1;
}

int vmm_vm_move_slot(struct vmm_vm *vm, uint32_t id, uint64_t gpa,
		     struct vmm_error *e)
{
	struct vmm_slot *s = slot_by_id(vm, id);

	if (!s)
		return no_slot(e, id);
	if (slot_region(vm, id, s->host, gpa, s->size, s->flags, e) < 0)
		return -1;
	s->gpa = gpa;
	return 0;
}

int vmm_vm_set_slot_flags(struct vmm_vm *vm, uint32_t id, uint32_t flags,
			  struct vmm_error *e)
{
	struct vmm_slot *s = slot_by_id(vm, id);

	if (!s)
		return no_slot(e, id);
	if (flags & ~(VMM_SLOT_READONLY | VMM_SLOT_DIRTY_LOG))
		return slot_bad(e, id, "unknown flags 0x%x", flags);
	if ((flags & VMM_SLOT_READONLY) &&
	    !vmm_kvm_cap(vm->kvm, VMM_CAP_READONLY_MEM)) {
		vmm_err_set(e, VMM_ERR_HOST, "KVM_CHECK_EXTENSION", 0,
			    "readonly slot %u needs KVM_CAP_READONLY_MEM", id);
		return -1;
	}
	if ((flags ^ s->flags) & VMM_SLOT_READONLY) {
		/* KVM changes no readonly flag in place: delete, add again
		 * over the same memory */
		if (slot_region(vm, id, s->host, s->gpa, 0, s->flags, e) < 0)
			return -1;
		if (slot_region(vm, id, s->host, s->gpa, s->size, flags, e) <
		    0) {
			slot_release(vm, s); /* gone in KVM */
			return -1;
		}
	} else if (slot_region(vm, id, s->host, s->gpa, s->size, flags, e) <
		   0) {
		return -1;
	}
	s->flags = flags;
	return 0;
}

int vmm_vm_resize_slot(struct vmm_vm *vm, uint32_t id, uint64_t size,
		       struct vmm_error *e)
{
	struct vmm_slot *s = slot_by_id(vm, id);
	uint8_t *host;

	if (!s)
		return no_slot(e, id);
	if (size == 0 || (size & (VMM_PAGE_SIZE - 1)) ||
	    s->gpa > UINT64_MAX - size ||
	    size > VMM_MAX_GUEST_MEM - (vm->total_mem - s->size))
		return slot_bad(e, id,
				"size 0x%llx: not page aligned, wraps, or "
				"above 0x%llx bytes of guest memory",
				(unsigned long long)size, VMM_MAX_GUEST_MEM);
	host = vmm_mmap(vm->kvm->ops, size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0,
			"guest memory", e);
	if (!host)
		return -1;
	memcpy(host, s->host, size < s->size ? size : s->size);
	/* KVM resizes no slot in place: delete, add again */
	if (slot_region(vm, id, s->host, s->gpa, 0, s->flags, e) < 0) {
		vmm_munmap(vm->kvm->ops, host, size);
		return -1;
	}
	if (slot_region(vm, id, host, s->gpa, size, s->flags, e) < 0) {
		vmm_munmap(vm->kvm->ops, host, size);
		slot_release(vm, s); /* gone in KVM */
		return -1;
	}
	vmm_munmap(vm->kvm->ops, s->host, s->size);
	vm->total_mem += size - s->size;
	s->host = host;
	s->size = size;
	return 0;
}

int vmm_vm_get_dirty_log(struct vmm_vm *vm, uint32_t id, uint64_t *pages,
			 struct vmm_error *e)
{
	const struct vmm_slot *s = slot_by_id(vm, id);
	/* a slot the VMM does not have is none of KVM's either (ENOENT, or
	 * EINVAL for ids KVM keeps for itself): one word is enough */
	size_t words = s ? (size_t)((s->size / VMM_PAGE_SIZE + 63) / 64) : 1;
	struct kvm_dirty_log log;
	uint64_t *bm = calloc(words, sizeof(uint64_t));

	*pages = 0;
	if (!bm) {
		vmm_err_set(e, VMM_ERR_NOMEM, "malloc", 0,
			    "out of memory for a dirty bitmap");
		return -1;
	}
	memset(&log, 0, sizeof(log));
	log.slot = id;
	log.dirty_bitmap = bm;
	if (VMM_IOCTL(vm->kvm->ops, vm->fd, KVM_GET_DIRTY_LOG, &log, e) < 0) {
		free(bm);
		vmm_err_prefix(e, "slot %u", id);
		return -1;
	}
	for (size_t w = 0; w < words; w++)
		*pages += (uint64_t)__builtin_popcountll(bm[w]);
	free(bm);
	return 0;
}

int vmm_vm_clear_dirty_log(struct vmm_vm *vm, uint32_t id, uint64_t first,
			   uint32_t npages, struct vmm_error *e)
{
	struct kvm_clear_dirty_log log;
	size_t words = ((size_t)npages + 63) / 64;
	uint64_t *bm = malloc(words * sizeof(uint64_t));

	if (!bm) {
		vmm_err_set(e, VMM_ERR_NOMEM, "malloc", 0,
			    "out of memory for a dirty bitmap");
		return -1;
	}
	memset(bm, 0xFF, words * sizeof(uint64_t));
	memset(&log, 0, sizeof(log));
	log.slot = id;
	log.first_page = first;
	log.num_pages = npages;
	log.dirty_bitmap = bm;
	if (VMM_IOCTL(vm->kvm->ops, vm->fd, KVM_CLEAR_DIRTY_LOG, &log, e) < 0) {
		free(bm);
		vmm_err_prefix(e, "slot %u pages 0x%llx+0x%x", id,
			       (unsigned long long)first, npages);
		return -1;
	}
	free(bm);
	return 0;
}

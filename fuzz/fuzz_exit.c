/* fuzz_exit: hostile kvm_run contents, no KVM needed.
 * The input becomes the whole mapped kvm_run area - the real mapped size,
 * I/O data pages included (KVM_GET_VCPU_MMAP_SIZE when /dev/kvm answers,
 * else 3 pages as on x86 hosts) - in a heap block of exactly that size, so
 * ASan reports any access outside it. It goes through the validator, an
 * independent re-check of every documented invariant on the record, and
 * every exit handler (strict and permissive devices, MMIO console on).
 * A record that breaks an invariant aborts with "FINDING exit-invariant". */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "fuzz/target.h"
#include "vmm/devices.h"
#include "vmm/exit.h"

#define FALLBACK_MAPPED ((size_t)3 * 4096)

static size_t mapped;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int n = fd >= 0 ? ioctl(fd, KVM_GET_VCPU_MMAP_SIZE, 0) : -1;

	(void)argc;
	(void)argv;
	if (fd >= 0)
		(void)close(fd);
	mapped = n >= (int)sizeof(struct kvm_run) ? (size_t)n : FALLBACK_MAPPED;
	return 0;
}

void fuzz_target_start(void)
{
}

void fuzz_target_close_inline(void)
{
}

const char *fuzz_target_unavailable(void)
{
	return NULL; /* no KVM needed */
}

static void broken(const char *what)
{
	(void)fprintf(stderr, "FINDING exit-invariant %s\n", what);
	abort();
}

/* Re-check the record against the documented bounds, independently of
 * how exit.c phrases them. */
static void check_record(const struct vmm_exit *x, const uint8_t *run)
{
	if (!vmm_exit_reason_known(x->reason))
		broken("exit_reason");
	switch (x->reason) {
	case KVM_EXIT_IO: {
		const struct vmm_exit_io *io = &x->u.io;
		uint64_t bytes = (uint64_t)io->size * io->count;

		if (io->dir != KVM_EXIT_IO_IN && io->dir != KVM_EXIT_IO_OUT)
			broken("io.direction");
		if (io->size != 1 && io->size != 2 && io->size != 4)
			broken("io.size");
		if (io->count == 0)
			broken("io.count");
		if (io->data_offset < sizeof(struct kvm_run) ||
		    io->data_offset > mapped ||
		    bytes > mapped - io->data_offset)
			broken("io.data_offset");
		if (bytes > VMM_EXIT_IO_DATA_MAX || io->bytes != bytes)
			broken("io.bytes");
		/* OUT data is a copy of the area's bytes at decode time */
		if (io->dir == KVM_EXIT_IO_OUT &&
		    memcmp(io->data, run + io->data_offset, bytes) != 0)
			broken("io.data");
		break;
	}
	case KVM_EXIT_MMIO:
		if (x->u.mmio.len < 1 || x->u.mmio.len > 8)
			broken("mmio.len");
		if (x->u.mmio.is_write > 1)
			broken("mmio.is_write");
		if (x->u.mmio.is_write &&
		    memcmp(x->u.mmio.data,
			   run + offsetof(struct kvm_run, mmio.data),
			   x->u.mmio.len) != 0)
			broken("mmio.data");
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		if (x->u.internal.ndata > VMM_EXIT_MAX_NDATA)
			broken("internal.ndata");
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		if (x->u.system_event.ndata > VMM_EXIT_MAX_NDATA)
			broken("system_event.ndata");
		break;
	default:
		break;
	}
}

static void sink(void *ctx, const uint8_t *b, size_t n)
{
	volatile uint8_t acc = 0;

	(void)ctx;
	for (size_t i = 0; i < n; i++)
		acc ^= b[i]; /* touch every byte handed out */
	(void)acc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmm_output out = { sink, NULL };
	struct vmm_devices d;
	struct vmm_exit x;
	struct vmm_error e;
	char line[320];
	uint8_t *run;

	if (!mapped)
		(void)LLVMFuzzerInitialize(NULL, NULL);
	run = calloc(1, mapped);
	if (!run)
		return 0;
	memcpy(run, data, size < mapped ? size : mapped);
	vmm_err_clear(&e);
	if (vmm_exit_decode(run, mapped, &x, &e) < 0) {
		if (e.cls != VMM_ERR_CONTRACT ||
		    !strstr(e.msg, "kernel contract violation"))
			broken("rejection-class");
		free(run);
		return 0;
	}
	check_record(&x, run);
	vmm_exit_format(&x, line, sizeof(line));
	(void)vmm_exit_hash(VMM_HASH_INIT, &x);
	/* strict devices, the console where an MMIO access points */
	vmm_devices_init(&d, &out, 1,
			 x.reason == KVM_EXIT_MMIO ? x.u.mmio.gpa
						   : 0x10000000ULL);
	(void)vmm_exit_handle(&d, 0, &x, &e);
	/* permissive devices, reads served from the input's tail */
	vmm_devices_init(&d, &out, 0, 0);
	vmm_devices_set_permissive(&d, data, size > 64 ? 64 : size);
	(void)vmm_exit_handle(&d, 0, &x, &e);
	free(run);
	return 0;
}

FUZZ_CUSTOM_MUTATOR_NONE

/* Write fuzz_exit seeds: kvm_run areas for each exit kind the VMM handles,
 * laid out with the real struct offsets. Usage: gen_exit_seeds DIR */
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>

#define AREA (3 * 4096)
#define PIO_OFF 4096

static unsigned char run_area[AREA];

static struct kvm_run *fresh(unsigned int reason)
{
	struct kvm_run *r = (struct kvm_run *)run_area;

	memset(run_area, 0, sizeof(run_area));
	r->exit_reason = reason;
	return r;
}

static int put(const char *dir, const char *name, size_t len)
{
	char path[512];
	FILE *f;
	int ok;

	(void)snprintf(path, sizeof(path), "%s/%s.bin", dir, name);
	f = fopen(path, "wbe");
	if (!f)
		return -1;
	ok = fwrite(run_area, 1, len, f) == len;
	return fclose(f) == 0 && ok ? 0 : -1;
}

static int io(const char *dir, const char *name, unsigned int dirn,
	      unsigned int port, unsigned int size, unsigned int count,
	      const char *data)
{
	struct kvm_run *r = fresh(KVM_EXIT_IO);

	r->io.direction = (unsigned char)dirn;
	r->io.port = (unsigned short)port;
	r->io.size = (unsigned char)size;
	r->io.count = count;
	r->io.data_offset = PIO_OFF;
	for (size_t i = 0; data[i]; i++) /* bytes, no terminator */
		run_area[PIO_OFF + i] = (unsigned char)data[i];
	return put(dir, name, PIO_OFF + (size_t)size * count);
}

int main(int argc, char **argv)
{
	const char *d = argc > 1 ? argv[1] : ".";
	struct kvm_run *r;
	int rc = 0;

	(void)fresh(KVM_EXIT_HLT);
	rc |= put(d, "hlt", sizeof(struct kvm_run));
	rc |= io(d, "io_out_com1", KVM_EXIT_IO_OUT, 0x3f8, 1, 1, "A");
	rc |= io(d, "io_in_lsr", KVM_EXIT_IO_IN, 0x3fd, 1, 1, "");
	rc |= io(d, "io_rep_out_debugcon", KVM_EXIT_IO_OUT, 0xe9, 1, 5,
		 "hello");
	rc |= io(d, "io_out_word", KVM_EXIT_IO_OUT, 0x3f8, 2, 1, "ab");
	rc |= io(d, "io_in_unowned", KVM_EXIT_IO_IN, 0x60, 4, 2, "");
	r = fresh(KVM_EXIT_MMIO);
	r->mmio.phys_addr = 0x10000000ULL;
	r->mmio.len = 1;
	r->mmio.is_write = 1;
	r->mmio.data[0] = 'M';
	rc |= put(d, "mmio_write_console", sizeof(*r));
	r->mmio.is_write = 0;
	r->mmio.len = 8;
	r->mmio.phys_addr = 0xd0000000ULL;
	rc |= put(d, "mmio_read", sizeof(*r));
	(void)fresh(KVM_EXIT_SHUTDOWN);
	rc |= put(d, "shutdown", sizeof(struct kvm_run));
	r = fresh(KVM_EXIT_FAIL_ENTRY);
	r->fail_entry.hardware_entry_failure_reason = 0x80000021ULL;
	rc |= put(d, "fail_entry", sizeof(*r));
	r = fresh(KVM_EXIT_INTERNAL_ERROR);
	r->internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
	r->internal.ndata = 3;
	r->internal.data[0] = 1;
	rc |= put(d, "internal_error", sizeof(*r));
	r = fresh(KVM_EXIT_SYSTEM_EVENT);
	r->system_event.type = KVM_SYSTEM_EVENT_SHUTDOWN;
	r->system_event.ndata = 1;
	rc |= put(d, "system_event", sizeof(*r));
#if defined(__x86_64__)
	r = fresh(KVM_EXIT_DEBUG);
	r->debug.arch.exception = 1;
	r->debug.arch.pc = 0x1000;
	r->debug.arch.dr6 = 0xffff4ff0;
	rc |= put(d, "debug", sizeof(*r));
	r = fresh(KVM_EXIT_X86_RDMSR);
	r->msr.reason = KVM_MSR_EXIT_REASON_FILTER;
	r->msr.index = 0xc0000102;
	rc |= put(d, "rdmsr", sizeof(*r));
	r = fresh(KVM_EXIT_X86_WRMSR);
	r->msr.reason = KVM_MSR_EXIT_REASON_UNKNOWN;
	r->msr.index = 0x40000000;
	r->msr.data = 0x1122334455667788ULL;
	rc |= put(d, "wrmsr", sizeof(*r));
	r = fresh(KVM_EXIT_HYPERCALL);
	r->hypercall.nr = 12;
	r->hypercall.args[0] = 0x2000;
	r->hypercall.args[1] = 1;
	r->hypercall.longmode = 1;
	rc |= put(d, "hypercall", sizeof(*r));
#else
	r = fresh(KVM_EXIT_ARM_NISV);
	r->arm_nisv.fault_ipa = 0x10000000;
	rc |= put(d, "arm_nisv", sizeof(*r));
#endif
	if (rc)
		(void)fprintf(stderr, "gen_exit_seeds: cannot write to %s\n",
			      d);
	return rc ? 1 : 0;
}

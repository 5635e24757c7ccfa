/* vmm_exit_decode(), the kvm_run validator: every bound is checked on both
 * sides (last accepted value, first rejected one) against synthetic kvm_run
 * areas built in ordinary memory (no KVM needed). */
#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

#include "tests/check.h"
#include "vmm/err.h"
#include "vmm/exit.h"
#include "vmm/kvm_compat.h"

/* What KVM_GET_VCPU_MMAP_SIZE typically reports on x86: the kvm_run page,
 * the PIO data page and the coalesced-MMIO ring page. */
#define MAPPED ((size_t)3 * 4096)
#define PIO_OFFSET 4096 /* KVM_PIO_PAGE_OFFSET * PAGE_SIZE on x86 */
#define RUN_SIZE sizeof(struct kvm_run)

static uint8_t *buf;
static struct kvm_run *run;

/* Zero the whole area and set the exit reason. */
static void reset(uint32_t reason)
{
	memset(buf, 0, MAPPED);
	run->exit_reason = reason;
}

#if defined(__x86_64__)
static void set_io(uint8_t dir, uint16_t port, uint8_t size, uint32_t count,
		   uint64_t data_offset)
{
	reset(KVM_EXIT_IO);
	run->io.direction = dir;
	run->io.port = port;
	run->io.size = size;
	run->io.count = count;
	run->io.data_offset = data_offset;
}
#endif

static void set_mmio(uint64_t gpa, uint32_t len, uint8_t is_write)
{
	reset(KVM_EXIT_MMIO);
	run->mmio.phys_addr = gpa;
	run->mmio.len = len;
	run->mmio.is_write = is_write;
}

static int decode_sz(size_t mapped, struct vmm_exit *x, struct vmm_error *e)
{
	int rc;

	vmm_err_clear(e);
	rc = vmm_exit_decode(buf, mapped, x, e);
	if (rc != 0 && e->cls != VMM_ERR_CONTRACT)
		(void)fprintf(stderr, "unexpected error class %d: %s\n", e->cls,
			      e->msg);
	return rc;
}

/* Decode the current area and expect success. */
#define ACCEPT_SZ(mapped, x)                                               \
	do {                                                               \
		struct vmm_error e_;                                       \
		int rc_ = decode_sz((mapped), (x), &e_);                   \
		CHECK_EQ_U64(rc_, 0);                                      \
		if (rc_ != 0)                                              \
			(void)fprintf(stderr, "  rejected: %s\n", e_.msg); \
	} while (0)
#define ACCEPT(x) ACCEPT_SZ(MAPPED, x)

/* Decode the current area and expect a contract violation naming `field`. */
#define REJECT_SZ(mapped, field)                                           \
	do {                                                               \
		struct vmm_exit x_;                                        \
		struct vmm_error e_;                                       \
		CHECK_EQ_U64(decode_sz((mapped), &x_, &e_), (uint64_t)-1); \
		CHECK_EQ_U64(e_.cls, VMM_ERR_CONTRACT);                    \
		CHECK_STR_CONTAINS(e_.msg, (field));                       \
	} while (0)
#define REJECT(field) REJECT_SZ(MAPPED, field)

#if defined(__x86_64__)
static void test_reasons(void)
{
	static const uint32_t x86_ok[] = {
		KVM_EXIT_HLT,	       KVM_EXIT_SHUTDOWN,
		KVM_EXIT_FAIL_ENTRY,   KVM_EXIT_INTERNAL_ERROR,
		KVM_EXIT_SYSTEM_EVENT, KVM_EXIT_MEMORY_FAULT,
		KVM_EXIT_TDX,	       KVM_EXIT_UNKNOWN,
		KVM_EXIT_EXCEPTION,
	};
	static const uint32_t foreign[] = {
		KVM_EXIT_S390_SIEIC, KVM_EXIT_S390_RESET,
		KVM_EXIT_DCR,	     KVM_EXIT_OSI,
		KVM_EXIT_PAPR_HCALL, KVM_EXIT_S390_UCONTROL,
		KVM_EXIT_WATCHDOG,   KVM_EXIT_S390_TSCH,
		KVM_EXIT_EPR,	     KVM_EXIT_S390_STSI,
		KVM_EXIT_ARM_NISV,   KVM_EXIT_RISCV_SBI,
		KVM_EXIT_RISCV_CSR,  KVM_EXIT_LOONGARCH_IOCSR,
	};
	static const uint32_t unknown[] = { 41, 42, 1000, 0x7fffffff,
					    0xffffffff };
	struct vmm_exit x;

	/* The numbers the ABI fixes, as the test relies on them. */
	CHECK_EQ_U64(KVM_EXIT_HLT, 5);
	CHECK_EQ_U64(KVM_EXIT_S390_SIEIC, 13);
	CHECK_EQ_U64(KVM_EXIT_ARM_NISV, 28);
	CHECK_EQ_U64(KVM_EXIT_RISCV_SBI, 35);
	CHECK_EQ_U64(KVM_EXIT_LOONGARCH_IOCSR, 38);
	CHECK_EQ_U64(KVM_EXIT_MEMORY_FAULT, 39);
	CHECK_EQ_U64(KVM_EXIT_TDX, 40);

	for (size_t i = 0; i < sizeof(x86_ok) / sizeof(x86_ok[0]); i++) {
		reset(x86_ok[i]);
		ACCEPT(&x);
		CHECK_EQ_U64(x.reason, x86_ok[i]);
		CHECK(vmm_exit_reason_known(x86_ok[i]));
	}

	/* IO and MMIO need valid payloads to be accepted. */
	set_io(KVM_EXIT_IO_OUT, 0x3f8, 1, 1, PIO_OFFSET);
	ACCEPT(&x);
	CHECK_EQ_U64(x.reason, KVM_EXIT_IO);
	set_mmio(0x1000, 4, 1);
	ACCEPT(&x);
	CHECK_EQ_U64(x.reason, KVM_EXIT_MMIO);

	for (size_t i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++) {
		reset(foreign[i]);
		REJECT("exit_reason");
		CHECK(!vmm_exit_reason_known(foreign[i]));
	}
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		reset(unknown[i]);
		REJECT("exit_reason");
		CHECK(!vmm_exit_reason_known(unknown[i]));
	}

	/* The value is in the message too. */
	reset(KVM_EXIT_ARM_NISV);
	REJECT("exit_reason=28");
	reset(0xffffffff);
	REJECT("exit_reason=4294967295");
}

static void test_names(void)
{
	CHECK(strcmp(vmm_exit_reason_name(5), "KVM_EXIT_HLT") == 0);
	CHECK(strcmp(vmm_exit_reason_name(KVM_EXIT_IO), "KVM_EXIT_IO") == 0);
	CHECK(strcmp(vmm_exit_reason_name(KVM_EXIT_TDX), "KVM_EXIT_TDX") == 0);
	CHECK(strcmp(vmm_exit_reason_name(41), "KVM_EXIT_?") == 0);
	CHECK(strcmp(vmm_exit_reason_name(9999), "KVM_EXIT_?") == 0);
	CHECK(strcmp(vmm_exit_reason_name(0xffffffff), "KVM_EXIT_?") == 0);
}

static void test_area_size(void)
{
	struct vmm_exit x;
	struct vmm_error e;

	reset(KVM_EXIT_HLT);
	ACCEPT_SZ(RUN_SIZE, &x);
	REJECT_SZ(RUN_SIZE - 1, "mapped kvm_run size");
	REJECT_SZ(0, "mapped kvm_run size");

	vmm_err_clear(&e);
	CHECK_EQ_U64(vmm_exit_decode(NULL, MAPPED, &x, &e), (uint64_t)-1);
	CHECK_EQ_U64(e.cls, VMM_ERR_CONTRACT);
	CHECK_STR_CONTAINS(e.msg, "kvm_run");
}

static void test_io_fields(void)
{
	struct vmm_exit x;

	/* direction */
	set_io(KVM_EXIT_IO_IN, 0x3f8, 1, 1, PIO_OFFSET);
	ACCEPT(&x);
	CHECK_EQ_U64(x.u.io.dir, KVM_EXIT_IO_IN);
	set_io(KVM_EXIT_IO_OUT, 0x3f8, 1, 1, PIO_OFFSET);
	ACCEPT(&x);
	CHECK_EQ_U64(x.u.io.dir, KVM_EXIT_IO_OUT);
	set_io(2, 0x3f8, 1, 1, PIO_OFFSET);
	REJECT("io.direction=2");
	set_io(255, 0x3f8, 1, 1, PIO_OFFSET);
	REJECT("io.direction=255");

	/* size */
	for (uint8_t s = 1; s <= 4; s *= 2) {
		set_io(KVM_EXIT_IO_OUT, 0x3f8, s, 1, PIO_OFFSET);
		ACCEPT(&x);
		CHECK_EQ_U64(x.u.io.size, s);
	}
	set_io(KVM_EXIT_IO_OUT, 0x3f8, 0, 1, PIO_OFFSET);
	REJECT("io.size=0");
	set_io(KVM_EXIT_IO_OUT, 0x3f8, 3, 1, PIO_OFFSET);
	REJECT("io.size=3");
	set_io(KVM_EXIT_IO_OUT, 0x3f8, 5, 1, PIO_OFFSET);
	REJECT("io.size=5");
	set_io(KVM_EXIT_IO_OUT, 0x3f8, 8, 1, PIO_OFFSET);
	REJECT("io.size=8");
	set_io(KVM_EXIT_IO_OUT, 0x3f8, 255, 1, PIO_OFFSET);
	REJECT("io.size=255");

	/* count */
	set_io(KVM_EXIT_IO_OUT, 0x3f8, 1, 0, PIO_OFFSET);
	REJECT("io.count=0");
	set_io(KVM_EXIT_IO_OUT, 0x3f8, 1, 1, PIO_OFFSET);
	ACCEPT(&x);
	CHECK_EQ_U64(x.u.io.count, 1);

	/* every field copied; an IN's reply buffer starts zeroed */
	set_io(KVM_EXIT_IO_IN, 0xcf8, 4, 3, PIO_OFFSET + 8);
	memset(buf + PIO_OFFSET + 8, 0xaa, 12);
	memset(x.u.io.data, 0x55, 12);
	ACCEPT(&x);
	CHECK_EQ_U64(x.reason, KVM_EXIT_IO);
	CHECK_EQ_U64(x.u.io.dir, KVM_EXIT_IO_IN);
	CHECK_EQ_U64(x.u.io.port, 0xcf8);
	CHECK_EQ_U64(x.u.io.size, 4);
	CHECK_EQ_U64(x.u.io.count, 3);
	CHECK_EQ_U64(x.u.io.data_offset, PIO_OFFSET + 8);
	CHECK_EQ_U64(x.u.io.bytes, 12);
	CHECK_EQ_U64(x.u.io.data[0] | x.u.io.data[11], 0);

	/* the full 16-bit port range */
	set_io(KVM_EXIT_IO_OUT, 0xffff, 1, 1, PIO_OFFSET);
	ACCEPT(&x);
	CHECK_EQ_U64(x.u.io.port, 0xffff);
}

static void test_io_data_offset(void)
{
	struct vmm_exit x;

	/* lower bound: the data may not overlap struct kvm_run */
	set_io(KVM_EXIT_IO_OUT, 0x3f8, 1, 1, RUN_SIZE - 1);
	REJECT("io.data_offset");
	set_io(KVM_EXIT_IO_OUT, 0x3f8, 1, 1, RUN_SIZE);
	ACCEPT(&x);
	CHECK_EQ_U64(x.u.io.bytes, 1);
	set_io(KVM_EXIT_IO_OUT, 0x3f8, 1, 1, 0);
	REJECT("io.data_offset=0");

	/* where real KVM puts it; OUT data is copied from there */
	set_io(KVM_EXIT_IO_OUT, 0x3f8, 1, 1, PIO_OFFSET);
	buf[PIO_OFFSET] = 0x42;
	ACCEPT(&x);
	CHECK_EQ_U64(x.u.io.data[0], 0x42);

	/* upper bound: data_offset + size*count == mapped is the last fit */
	set_io(KVM_EXIT_IO_OUT, 0x3f8, 1, 4096, MAPPED - 4096);
	buf[MAPPED - 1] = 0x43;
	ACCEPT(&x);
	CHECK_EQ_U64(x.u.io.data[4095], 0x43);
	set_io(KVM_EXIT_IO_OUT, 0x3f8, 1, 4096, MAPPED - 4095);
	REJECT("io.data_offset");
	set_io(KVM_EXIT_IO_OUT, 0x3f8, 4, 1024, MAPPED - 4096);
	ACCEPT(&x);
	set_io(KVM_EXIT_IO_OUT, 0x3f8, 4, 1024, MAPPED - 4095);
	REJECT("io.data_offset");
	/* and size*count fits KVM's one data page: 4096 bytes, not more,
	 * even where the mapping would hold them */
	set_io(KVM_EXIT_IO_OUT, 0x3f8, 1, 4097, PIO_OFFSET);
	REJECT("io.size*count=4097");
	set_io(KVM_EXIT_IO_OUT, 0x3f8, 4, 1025, PIO_OFFSET);
	REJECT("io.size*count=4100");
	set_io(KVM_EXIT_IO_OUT, 0x3f8, 1, 1, MAPPED - 1);
	buf[MAPPED - 1] = 0x44;
	ACCEPT(&x);
	CHECK_EQ_U64(x.u.io.data[0], 0x44);
	set_io(KVM_EXIT_IO_OUT, 0x3f8, 2, 1, MAPPED - 1);
	REJECT("io.data_offset");
	set_io(KVM_EXIT_IO_OUT, 0x3f8, 4, 1, MAPPED - 4);
	ACCEPT(&x);
	set_io(KVM_EXIT_IO_OUT, 0x3f8, 4, 1, MAPPED - 3);
	REJECT("io.data_offset");

	/* size*count >= 1, so data at the very end of the area never fits */
	set_io(KVM_EXIT_IO_OUT, 0x3f8, 1, 1, MAPPED);
	REJECT("io.data_offset");
	set_io(KVM_EXIT_IO_OUT, 0x3f8, 1, 1, MAPPED + 1);
	REJECT("io.data_offset");
	set_io(KVM_EXIT_IO_OUT, 0x3f8, 1, 1, UINT64_MAX);
	REJECT("io.data_offset");
	set_io(KVM_EXIT_IO_OUT, 0x3f8, 1, 1, UINT64_MAX - MAPPED);
	REJECT("io.data_offset");

	/* a tighter mapping moves the bound with it */
	set_io(KVM_EXIT_IO_OUT, 0x3f8, 1, 1, PIO_OFFSET);
	ACCEPT_SZ(PIO_OFFSET + 1, &x);
	REJECT_SZ(PIO_OFFSET, "io.data_offset");
	set_io(KVM_EXIT_IO_OUT, 0x3f8, 1, 1, RUN_SIZE);
	REJECT_SZ(RUN_SIZE, "io.data_offset");

	/* size*count far beyond the area: rejected, no 32-bit overflow */
	set_io(KVM_EXIT_IO_OUT, 0x3f8, 4, 0xffffffff, PIO_OFFSET);
	REJECT("io.data_offset");
	set_io(KVM_EXIT_IO_OUT, 0x3f8, 4, 0x40000000, PIO_OFFSET);
	REJECT("io.data_offset"); /* 4 * 2^30 == 2^32, wraps to 0 in u32 */
	set_io(KVM_EXIT_IO_OUT, 0x3f8, 1, 0xffffffff, RUN_SIZE);
	REJECT("io.data_offset");
	set_io(KVM_EXIT_IO_OUT, 0x3f8, 4, 0xffffffff, UINT64_MAX - 3);
	REJECT("io.data_offset");
}

static void test_io_is_copy(void)
{
	struct vmm_exit x;

	set_io(KVM_EXIT_IO_OUT, 0x3f8, 2, 4, PIO_OFFSET);
	for (int i = 0; i < 8; i++)
		buf[PIO_OFFSET + i] = (uint8_t)('A' + i);
	ACCEPT(&x);

	/* the shared page changes after the check (a racing writer), the
	 * OUT data included: the record keeps what was checked */
	memset(buf + PIO_OFFSET, 'x', 8);
	run->io.direction = 7;
	run->io.size = 3;
	run->io.count = 0xffffffff;
	run->io.port = 0x1234;
	run->io.data_offset = UINT64_MAX;

	CHECK_EQ_U64(x.u.io.dir, KVM_EXIT_IO_OUT);
	CHECK_EQ_U64(x.u.io.size, 2);
	CHECK_EQ_U64(x.u.io.count, 4);
	CHECK_EQ_U64(x.u.io.port, 0x3f8);
	CHECK_EQ_U64(x.u.io.data_offset, PIO_OFFSET);
	for (int i = 0; i < 8; i++)
		CHECK_EQ_U64(x.u.io.data[i], 'A' + i);
}

#endif

static void test_mmio(void)
{
	static const uint8_t pattern[8] = { 0x11, 0x22, 0x33, 0x44,
					    0x55, 0x66, 0x77, 0x88 };
	struct vmm_exit x;

	/* len */
	set_mmio(0x10000000, 0, 1);
	REJECT("mmio.len=0");
	set_mmio(0x10000000, 1, 1);
	ACCEPT(&x);
	CHECK_EQ_U64(x.u.mmio.len, 1);
	set_mmio(0x10000000, 8, 1);
	ACCEPT(&x);
	CHECK_EQ_U64(x.u.mmio.len, 8);
	set_mmio(0x10000000, 9, 1);
	REJECT("mmio.len=9");
	set_mmio(0x10000000, 0xffffffff, 1);
	REJECT("mmio.len=4294967295");

	/* is_write */
	set_mmio(0x10000000, 4, 0);
	ACCEPT(&x);
	CHECK_EQ_U64(x.u.mmio.is_write, 0);
	set_mmio(0x10000000, 4, 1);
	ACCEPT(&x);
	CHECK_EQ_U64(x.u.mmio.is_write, 1);
	set_mmio(0x10000000, 4, 2);
	REJECT("mmio.is_write=2");
	set_mmio(0x10000000, 4, 255);
	REJECT("mmio.is_write=255");

	/* the access may end on the last byte of the address space */
	set_mmio(UINT64_MAX, 1, 0);
	ACCEPT(&x);
	CHECK_EQ_U64(x.u.mmio.gpa, UINT64_MAX);
	set_mmio(UINT64_MAX, 2, 0);
	REJECT("mmio.phys_addr");
	set_mmio(UINT64_MAX - 7, 8, 1);
	ACCEPT(&x);
	set_mmio(UINT64_MAX - 6, 8, 1);
	REJECT("mmio.phys_addr");
	set_mmio(0, 8, 1);
	ACCEPT(&x);
	CHECK_EQ_U64(x.u.mmio.gpa, 0);

	/* write data is copied; the record keeps no pointer into kvm_run */
	set_mmio(0xfee00000, 8, 1);
	memcpy(run->mmio.data, pattern, sizeof(pattern));
	ACCEPT(&x);
	CHECK_EQ_U64(x.u.mmio.gpa, 0xfee00000);
	CHECK(memcmp(x.u.mmio.data, pattern, sizeof(pattern)) == 0);
	memset(run->mmio.data, 0xee, sizeof(run->mmio.data));
	run->mmio.len = 0;
	run->mmio.is_write = 9;
	run->mmio.phys_addr = UINT64_MAX;
	CHECK(memcmp(x.u.mmio.data, pattern, sizeof(pattern)) == 0);
	CHECK_EQ_U64(x.u.mmio.len, 8);
	CHECK_EQ_U64(x.u.mmio.is_write, 1);
	CHECK_EQ_U64(x.u.mmio.gpa, 0xfee00000);

	/* a read's reply buffer starts zeroed, whatever kvm_run holds */
	set_mmio(0xfee00000, 4, 0);
	memset(run->mmio.data, 0xee, sizeof(run->mmio.data));
	ACCEPT(&x);
	CHECK_EQ_U64(x.u.mmio.data[0] | x.u.mmio.data[7], 0);
}

static void test_internal(void)
{
	struct vmm_exit x;

	reset(KVM_EXIT_INTERNAL_ERROR);
	run->internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
	run->internal.ndata = 16;
	for (int i = 0; i < 16; i++)
		run->internal.data[i] =
			0x1000000000000000ULL * (uint64_t)i + (uint64_t)i;
	ACCEPT(&x);
	CHECK_EQ_U64(x.u.internal.code, KVM_INTERNAL_ERROR_EMULATION);
	CHECK_EQ_U64(x.u.internal.ndata, 16);
	for (int i = 0; i < 16; i++)
		CHECK_EQ_U64(x.u.internal.data[i],
			     0x1000000000000000ULL * (uint64_t)i + (uint64_t)i);

	run->internal.ndata = 17;
	REJECT("internal.ndata=17");
	run->internal.ndata = 0xffffffff;
	REJECT("internal.ndata=4294967295");

	/* only ndata words are taken; the rest of the record stays zero */
	run->internal.ndata = 2;
	ACCEPT(&x);
	CHECK_EQ_U64(x.u.internal.ndata, 2);
	CHECK_EQ_U64(x.u.internal.data[0], 0);
	CHECK_EQ_U64(x.u.internal.data[1], 0x1000000000000001ULL);
	CHECK_EQ_U64(x.u.internal.data[2], 0);
	CHECK_EQ_U64(x.u.internal.data[15], 0);

	run->internal.ndata = 0;
	ACCEPT(&x);
	CHECK_EQ_U64(x.u.internal.data[1], 0);
}

static void test_system_event(void)
{
	struct vmm_exit x;

	reset(KVM_EXIT_SYSTEM_EVENT);
	run->system_event.type = KVM_SYSTEM_EVENT_RESET;
	run->system_event.ndata = 16;
	for (int i = 0; i < 16; i++)
		run->system_event.data[i] = 0xabcd0000ULL + (uint64_t)i;
	ACCEPT(&x);
	CHECK_EQ_U64(x.u.system_event.code, KVM_SYSTEM_EVENT_RESET);
	CHECK_EQ_U64(x.u.system_event.ndata, 16);
	for (int i = 0; i < 16; i++)
		CHECK_EQ_U64(x.u.system_event.data[i],
			     0xabcd0000ULL + (uint64_t)i);

	run->system_event.ndata = 17;
	REJECT("system_event.ndata=17");
	run->system_event.ndata = 0xffffffff;
	REJECT("system_event.ndata");

	run->system_event.type = KVM_SYSTEM_EVENT_TDX_FATAL;
	run->system_event.ndata = 1;
	ACCEPT(&x);
	CHECK_EQ_U64(x.u.system_event.code, KVM_SYSTEM_EVENT_TDX_FATAL);
	CHECK_EQ_U64(x.u.system_event.data[0], 0xabcd0000ULL);
	CHECK_EQ_U64(x.u.system_event.data[1], 0);
}

#if defined(__x86_64__)
static void test_plain_records(void)
{
	struct vmm_exit x;
	uint64_t mf[3];

	reset(KVM_EXIT_FAIL_ENTRY);
	run->fail_entry.hardware_entry_failure_reason = 0x80000021ULL;
	run->fail_entry.cpu = 3;
	ACCEPT(&x);
	CHECK_EQ_U64(x.u.fail_entry.reason, 0x80000021ULL);
	CHECK_EQ_U64(x.u.fail_entry.cpu, 3);

	reset(KVM_EXIT_DEBUG);
	run->debug.arch.exception = 1;
	run->debug.arch.pc = 0xfff0;
	run->debug.arch.dr6 = 0xffff0ff1;
	run->debug.arch.dr7 = 0x400;
	ACCEPT(&x);
	CHECK_EQ_U64(x.u.debug.exception, 1);
	CHECK_EQ_U64(x.u.debug.pc, 0xfff0);
	CHECK_EQ_U64(x.u.debug.dr6, 0xffff0ff1);
	CHECK_EQ_U64(x.u.debug.dr7, 0); /* not written on every path */

	reset(KVM_EXIT_EXCEPTION);
	run->ex.exception = 13;
	run->ex.error_code = 0x18;
	ACCEPT(&x);
	CHECK_EQ_U64(x.u.ex.exception, 13);
	CHECK_EQ_U64(x.u.ex.error_code, 0x18);

	reset(KVM_EXIT_UNKNOWN);
	run->hw.hardware_exit_reason = 0x30;
	ACCEPT(&x);
	CHECK_EQ_U64(x.u.hw_reason, 0x30);

	/* memory_fault is newer than the build headers: { flags, gpa, size }
	 * at the start of the exit union. */
	reset(KVM_EXIT_MEMORY_FAULT);
	mf[0] = 0x8;
	mf[1] = 0x100000;
	mf[2] = 0x1000;
	memcpy(buf + offsetof(struct kvm_run, hw), mf, sizeof(mf));
	ACCEPT(&x);
	CHECK_EQ_U64(x.u.memory_fault.flags, 0x8);
	CHECK_EQ_U64(x.u.memory_fault.gpa, 0x100000);
	CHECK_EQ_U64(x.u.memory_fault.size, 0x1000);

	mf[1] = UINT64_MAX - 0x1000;
	mf[2] = 0x1000;
	memcpy(buf + offsetof(struct kvm_run, hw), mf, sizeof(mf));
	ACCEPT(&x);
	mf[2] = 0x1001;
	memcpy(buf + offsetof(struct kvm_run, hw), mf, sizeof(mf));
	REJECT("memory_fault.size");
	mf[1] = 0x1000;
	mf[2] = UINT64_MAX;
	memcpy(buf + offsetof(struct kvm_run, hw), mf, sizeof(mf));
	REJECT("memory_fault.size");
}

#if defined(__x86_64__)
/* The exits the msr_exits, hypercall and guest_debug records turn on:
 * each bound on both sides. */
static void test_record_exits(void)
{
	struct vmm_exit x;
	char line[320];

	/* KVM_EXIT_DEBUG: exception 1 or 3, a #DB's DR6 32-bit; DR7, and a
	 * #BP's DR6, are what an earlier exit left (KVM does not write them
	 * on every path): neither checked nor kept */
	reset(KVM_EXIT_DEBUG);
	run->debug.arch.exception = 3;
	run->debug.arch.pc = 0x1005;
	run->debug.arch.dr6 = 0xf4f4f4f4038800b0ULL;
	run->debug.arch.dr7 = 0xf4f4f4f4038800b0ULL;
	ACCEPT(&x);
	CHECK_EQ_U64(x.u.debug.exception, 3);
	CHECK_EQ_U64(x.u.debug.dr6, 0);
	CHECK_EQ_U64(x.u.debug.dr7, 0);
	run->debug.arch.exception = 0;
	REJECT("debug.arch.exception=0 (must be 1 (#DB) or 3 (#BP))");
	run->debug.arch.exception = 2;
	REJECT("debug.arch.exception=2");
	run->debug.arch.exception = 1;
	run->debug.arch.dr6 = 0x100000000ULL;
	REJECT("debug.arch.dr6=4294967296 (upper 32 bits must be 0)");
	run->debug.arch.dr6 = 0xffff4ff0;
	run->debug.arch.dr7 = 0x100000000ULL;
	ACCEPT(&x);
	CHECK_EQ_U64(x.u.debug.dr6, 0xffff4ff0);
	CHECK_EQ_U64(x.u.debug.dr7, 0);

	/* RDMSR/WRMSR: one reason bit, error cleared; WRMSR's data read */
	reset(KVM_EXIT_X86_WRMSR);
	run->msr.reason = KVM_MSR_EXIT_REASON_FILTER;
	run->msr.index = 0xc0000102;
	run->msr.data = 0x1122334455667788ULL;
	ACCEPT(&x);
	CHECK_EQ_U64(x.u.msr.index, 0xc0000102);
	CHECK_EQ_U64(x.u.msr.reason, 4);
	CHECK_EQ_U64(x.u.msr.data, 0x1122334455667788ULL);
	vmm_exit_format(&x, line, sizeof(line));
	CHECK_STR_CONTAINS(line, "KVM_EXIT_X86_WRMSR index=0xc0000102 "
				 "reason=4 data=0x1122334455667788 error=0");
	run->exit_reason = KVM_EXIT_X86_RDMSR;
	ACCEPT(&x);
	CHECK_EQ_U64(x.u.msr.data, 0); /* the reply, not KVM's */
	run->msr.reason = KVM_MSR_EXIT_REASON_INVAL;
	ACCEPT(&x);
	run->msr.reason = KVM_MSR_EXIT_REASON_UNKNOWN;
	ACCEPT(&x);
	run->msr.reason = 0;
	REJECT("msr.reason=0 (must be 1 (inval), 2 (unknown) or 4 (filter))");
	run->msr.reason = 3;
	REJECT("msr.reason=3");
	run->msr.reason = 8;
	REJECT("msr.reason=8");
	run->msr.reason = KVM_MSR_EXIT_REASON_FILTER;
	run->msr.error = 1;
	REJECT("msr.error=1 (KVM clears it before the exit)");

	/* HYPERCALL: nr < 64, flags only bit 0 in the low half */
	reset(KVM_EXIT_HYPERCALL);
	run->hypercall.nr = 63;
	run->hypercall.args[0] = 0x2000;
	run->hypercall.args[5] = 6;
	run->hypercall.longmode = 1;
	ACCEPT(&x);
	CHECK_EQ_U64(x.u.hypercall.nr, 63);
	CHECK_EQ_U64(x.u.hypercall.args[0], 0x2000);
	CHECK_EQ_U64(x.u.hypercall.args[5], 6);
	CHECK_EQ_U64(x.u.hypercall.flags, 1);
	x.u.hypercall.ret = 0xdeadbeef;
	vmm_exit_format(&x, line, sizeof(line));
	CHECK_STR_CONTAINS(line, "KVM_EXIT_HYPERCALL nr=63 args=0x2000,0x0,0x0,"
				 "0x0,0x0,0x6 flags=0x1 ret=0xdeadbeef");
	run->hypercall.pad = 0x80000000U; /* upper half: not checked */
	ACCEPT(&x);
	run->hypercall.pad = 0;
	run->hypercall.nr = 64;
	REJECT("hypercall.nr=64 (must be < 64");
	run->hypercall.nr = 12;
	run->hypercall.longmode = 2;
	REJECT("hypercall.flags=2 (bits 1-31 must be 0)");
	run->hypercall.longmode = 0x80000000U;
	REJECT("hypercall.flags=2147483648");
}
#endif

static void test_format(void)
{
	struct vmm_exit x;
	char s[256];
	char tiny[12];

	set_io(KVM_EXIT_IO_OUT, 0x3f8, 1, 1, PIO_OFFSET);
	ACCEPT(&x);
	vmm_exit_format(&x, s, sizeof(s));
	CHECK_STR_CONTAINS(s, "KVM_EXIT_IO");
	CHECK_STR_CONTAINS(s, "port=0x3f8");
	CHECK_STR_CONTAINS(s, "size=1");
	CHECK_STR_CONTAINS(s, "dir=out");

	reset(KVM_EXIT_FAIL_ENTRY);
	run->fail_entry.hardware_entry_failure_reason = 0x80000021ULL;
	ACCEPT(&x);
	vmm_exit_format(&x, s, sizeof(s));
	CHECK_STR_CONTAINS(s, "KVM_EXIT_FAIL_ENTRY");
	CHECK_STR_CONTAINS(s, "hardware_entry_failure_reason=0x");
	CHECK_STR_CONTAINS(s, "0x80000021");

	set_mmio(0x10000000, 2, 1);
	run->mmio.data[0] = 0x34;
	run->mmio.data[1] = 0x12;
	ACCEPT(&x);
	vmm_exit_format(&x, s, sizeof(s));
	CHECK_STR_CONTAINS(s, "gpa=0x10000000");
	CHECK_STR_CONTAINS(s, "data=0x1234");

	/* a long record into a short buffer is cut, still terminated */
	reset(KVM_EXIT_INTERNAL_ERROR);
	run->internal.ndata = 16;
	for (int i = 0; i < 16; i++)
		run->internal.data[i] = UINT64_MAX;
	ACCEPT(&x);
	vmm_exit_format(&x, s, sizeof(s));
	CHECK_STR_CONTAINS(s, "KVM_EXIT_INTERNAL_ERROR");
	CHECK(strlen(s) == sizeof(s) - 1);
	memset(tiny, 'x', sizeof(tiny));
	vmm_exit_format(&x, tiny, sizeof(tiny));
	CHECK(strlen(tiny) == sizeof(tiny) - 1);
}

static void test_hash(void)
{
	struct vmm_exit a, b;
	uint64_t ha, hb;

	set_io(KVM_EXIT_IO_OUT, 0x3f8, 1, 1, PIO_OFFSET);
	buf[PIO_OFFSET] = 'A';
	ACCEPT(&a);
	ha = vmm_exit_hash(VMM_HASH_INIT, &a);
	CHECK_EQ_U64(vmm_exit_hash(VMM_HASH_INIT, &a), ha);
	ACCEPT(&b);
	CHECK_EQ_U64(vmm_exit_hash(VMM_HASH_INIT, &b), ha);

	run->io.port = 0x3f9;
	ACCEPT(&b);
	hb = vmm_exit_hash(VMM_HASH_INIT, &b);
	CHECK(hb != ha);

	/* OUT data is part of the record */
	run->io.port = 0x3f8;
	buf[PIO_OFFSET] = 'B';
	ACCEPT(&b);
	CHECK(vmm_exit_hash(VMM_HASH_INIT, &b) != ha);

	reset(KVM_EXIT_HLT);
	ACCEPT(&b);
	CHECK(vmm_exit_hash(VMM_HASH_INIT, &b) != ha);
	CHECK(vmm_exit_hash(VMM_HASH_INIT, &b) != VMM_HASH_INIT);
}

#else
/* arm64: the exits arm64 KVM never produces are contract violations; its
 * own are decoded field by field. */
static void test_arm64_exits(void)
{
	struct vmm_exit x;
	char s[256];

	reset(KVM_EXIT_IO);
	REJECT("not an exit this architecture's KVM produces");
	reset(KVM_EXIT_HLT);
	REJECT("not an exit this architecture's KVM produces");
	reset(KVM_EXIT_SHUTDOWN);
	REJECT("not an exit this architecture's KVM produces");
	reset(KVM_EXIT_ARM_NISV);
	run->arm_nisv.esr_iss = 0x1f;
	run->arm_nisv.fault_ipa = 0x10000008;
	ACCEPT(&x);
	CHECK_EQ_U64(x.u.arm_nisv.esr_iss, 0x1f);
	CHECK_EQ_U64(x.u.arm_nisv.fault_ipa, 0x10000008);
	vmm_exit_format(&x, s, sizeof(s));
	CHECK(strcmp(s, "KVM_EXIT_ARM_NISV esr_iss=0x1f "
			"fault_ipa=0x10000008") == 0);
	CHECK(vmm_exit_hash(VMM_HASH_INIT, &x) != VMM_HASH_INIT);
	CHECK(vmm_exit_reason_known(KVM_EXIT_ARM_NISV));
	CHECK(!vmm_exit_reason_known(KVM_EXIT_IO));
}
#endif

int main(void)
{
	buf = aligned_alloc(4096, MAPPED);
	if (!buf) {
		(void)fprintf(stderr, "test_exit: out of memory\n");
		return EXIT_FAILURE;
	}
	run = (struct kvm_run *)buf;

#if defined(__x86_64__)
	test_reasons();
	test_names();
	test_area_size();
	test_io_fields();
	test_io_data_offset();
	test_io_is_copy();
#endif
	test_mmio();
	test_internal();
	test_system_event();
#if defined(__x86_64__)
	test_plain_records();
	test_record_exits();
	test_format();
	test_hash();
#else
	test_arm64_exits();
#endif

	free(buf);
	return check_report("test_exit");
}

/* vmm_devices_handle(): COM1, debugcon and the MMIO console, driven by exit
 * records built by hand (no KVM, no kvm_run area needed). */
#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

#include "tests/check.h"
#include "tests/exit_builder.h"
#include "vmm/devices.h"
#include "vmm/exit.h"
#include "vmm/vm.h"

#define CONSOLE_GPA 0x10000000ULL

struct sink {
	uint8_t buf[256];
	size_t n;
	unsigned int calls;
};

static void sink_write(void *ctx, const uint8_t *b, size_t n)
{
	struct sink *s = ctx;

	for (size_t i = 0; i < n && s->n < sizeof(s->buf); i++)
		s->buf[s->n++] = b[i];
	s->calls++;
}

static void setup(struct vmm_devices *d, struct sink *s, int mmio_console,
		  uint64_t gpa)
{
	struct vmm_output out = { .write = sink_write, .ctx = s };

	memset(s, 0, sizeof(*s));
	vmm_devices_init(d, &out, mmio_console, gpa);
}

/* Member by member: struct vmm_devices has padding, whose bytes memcmp()
 * would compare too. Every member must be listed; the assertion catches a
 * member appended to the struct in vmm/devices.h but not added here. */
#ifndef VMM_PLANTED_BUGS
_Static_assert(sizeof(struct vmm_devices) ==
		       offsetof(struct vmm_devices, debug_vcpus) +
			       sizeof(uint32_t),
	       "devices_equal() must compare every member of vmm_devices");
#else
/* the planted-bug build (docs/bugbench.md) appends its canaries' state,
 * which is not device state: nothing else may come after debug_vcpus */
_Static_assert(offsetof(struct vmm_devices, planted) -
			       (offsetof(struct vmm_devices, debug_vcpus) +
				sizeof(uint32_t)) <
		       _Alignof(struct vmm_planted),
	       "devices_equal() must compare every member of vmm_devices");
#endif

static int devices_equal(const struct vmm_devices *a,
			 const struct vmm_devices *b)
{
	return a->out.write == b->out.write && a->out.ctx == b->out.ctx &&
	       memcmp(a->uart, b->uart, sizeof(a->uart)) == 0 &&
	       a->uart_dll == b->uart_dll && a->uart_dlm == b->uart_dlm &&
	       a->mmio_console == b->mmio_console &&
	       a->mmio_console_gpa == b->mmio_console_gpa &&
	       a->bytes_out == b->bytes_out && a->permissive == b->permissive &&
	       a->in == b->in && a->in_len == b->in_len &&
	       a->in_pos == b->in_pos && a->msr_exits == b->msr_exits &&
	       a->nmsr_exits == b->nmsr_exits &&
	       a->msr_exits_on == b->msr_exits_on &&
	       a->hypercall_on == b->hypercall_on &&
	       a->debug_vcpus == b->debug_vcpus;
}

static enum vmm_dev_result pio(struct vmm_devices *d, uint8_t dir,
			       uint16_t port, uint8_t size, uint32_t count,
			       uint8_t *data)
{
	static struct vmm_exit x;
	enum vmm_dev_result r;

	x = xb_io(dir, port, size, count, data);
	r = vmm_devices_handle(d, &x);
	memcpy(data, x.u.io.data, x.u.io.bytes); /* an IN's reply */
	return r;
}

/* Single-byte OUT. */
static enum vmm_dev_result outb(struct vmm_devices *d, uint16_t port, uint8_t v)
{
	return pio(d, KVM_EXIT_IO_OUT, port, 1, 1, &v);
}

/* Single-byte IN; 0x5a marks "the device wrote nothing". */
static uint8_t inb(struct vmm_devices *d, uint16_t port, enum vmm_dev_result *r)
{
	uint8_t v = 0x5a;

	*r = pio(d, KVM_EXIT_IO_IN, port, 1, 1, &v);
	return v;
}

static enum vmm_dev_result mmio(struct vmm_devices *d, uint64_t gpa,
				uint32_t len, uint8_t is_write,
				const uint8_t *data, uint8_t *reply)
{
	struct vmm_exit x = xb_mmio(gpa, len, is_write, data);
	enum vmm_dev_result r;

	r = vmm_devices_handle(d, &x);
	if (reply && !is_write && r == VMM_DEV_HANDLED)
		memcpy(reply, x.u.mmio.data, len);
	return r;
}

static void test_com1_out(void)
{
	struct vmm_devices d;
	struct sink s;

	setup(&d, &s, 0, 0);
	CHECK_EQ_U64(outb(&d, 0x3f8, 'h'), VMM_DEV_HANDLED);
	CHECK_EQ_U64(outb(&d, 0x3f8, 'i'), VMM_DEV_HANDLED);
	CHECK_EQ_U64(s.n, 2);
	CHECK(memcmp(s.buf, "hi", 2) == 0);
	CHECK_EQ_U64(d.bytes_out, 2);

	/* other registers never emit */
	for (uint16_t p = 0x3f9; p <= 0x3ff; p++)
		CHECK_EQ_U64(outb(&d, p, 'x'), VMM_DEV_HANDLED);
	CHECK_EQ_U64(s.n, 2);
	CHECK_EQ_U64(d.bytes_out, 2);
}

static void test_com1_dlab(void)
{
	struct vmm_devices d;
	struct sink s;
	enum vmm_dev_result r;

	setup(&d, &s, 0, 0);

	/* DLAB set: 0x3f8/0x3f9 are the divisor latch */
	CHECK_EQ_U64(outb(&d, 0x3fb, VMM_UART_LCR_DLAB), VMM_DEV_HANDLED);
	CHECK_EQ_U64(outb(&d, 0x3f8, 0x0c), VMM_DEV_HANDLED);
	CHECK_EQ_U64(outb(&d, 0x3f9, 0x01), VMM_DEV_HANDLED);
	CHECK_EQ_U64(s.n, 0);
	CHECK_EQ_U64(d.bytes_out, 0);
	CHECK_EQ_U64(inb(&d, 0x3f8, &r), 0x0c);
	CHECK_EQ_U64(r, VMM_DEV_HANDLED);
	CHECK_EQ_U64(inb(&d, 0x3f9, &r), 0x01);
	CHECK_EQ_U64(inb(&d, 0x3fb, &r), VMM_UART_LCR_DLAB);

	/* DLAB cleared (8N1): data writes again, divisor kept */
	CHECK_EQ_U64(outb(&d, 0x3fb, 0x03), VMM_DEV_HANDLED);
	CHECK_EQ_U64(inb(&d, 0x3fb, &r), 0x03);
	CHECK_EQ_U64(outb(&d, 0x3f8, 'A'), VMM_DEV_HANDLED);
	CHECK_EQ_U64(s.n, 1);
	CHECK_EQ_U64(s.buf[0], 'A');
	CHECK_EQ_U64(d.bytes_out, 1);
	CHECK_EQ_U64(inb(&d, 0x3f8, &r), 0); /* no receive data */
	CHECK_EQ_U64(d.uart_dll, 0x0c);
	CHECK_EQ_U64(d.uart_dlm, 0x01);

	/* IER (DLAB=0) keeps its four defined bits */
	CHECK_EQ_U64(outb(&d, 0x3f9, 0xff), VMM_DEV_HANDLED);
	CHECK_EQ_U64(inb(&d, 0x3f9, &r), 0x0f);
	CHECK_EQ_U64(outb(&d, 0x3fb, 0x83), VMM_DEV_HANDLED);
	CHECK_EQ_U64(inb(&d, 0x3f9, &r), 0x01); /* DLM again */
}

static void test_com1_in(void)
{
	struct vmm_devices d;
	struct sink s;
	enum vmm_dev_result r;

	setup(&d, &s, 0, 0);
	CHECK_EQ_U64(inb(&d, 0x3fd, &r), 0x60); /* LSR: THRE | TEMT */
	CHECK_EQ_U64(r, VMM_DEV_HANDLED);
	CHECK_EQ_U64(inb(&d, 0x3fa, &r), 0x01); /* IIR: no interrupt */
	CHECK_EQ_U64(r, VMM_DEV_HANDLED);
	CHECK_EQ_U64(inb(&d, 0x3fe, &r), 0xb0); /* MSR: CTS | DSR | DCD */

	/* scratch and modem control read back */
	CHECK_EQ_U64(outb(&d, 0x3ff, 0xa5), VMM_DEV_HANDLED);
	CHECK_EQ_U64(inb(&d, 0x3ff, &r), 0xa5);
	CHECK_EQ_U64(outb(&d, 0x3fc, 0x0b), VMM_DEV_HANDLED);
	CHECK_EQ_U64(inb(&d, 0x3fc, &r), 0x0b);

	/* LSR/MSR are read-only; FCR writes leave IIR alone */
	CHECK_EQ_U64(outb(&d, 0x3fd, 0x00), VMM_DEV_HANDLED);
	CHECK_EQ_U64(inb(&d, 0x3fd, &r), 0x60);
	CHECK_EQ_U64(outb(&d, 0x3fa, 0xc7), VMM_DEV_HANDLED);
	CHECK_EQ_U64(inb(&d, 0x3fa, &r), 0x01);
	CHECK_EQ_U64(s.n, 0);
}

static void test_debugcon(void)
{
	struct vmm_devices d;
	struct sink s;
	enum vmm_dev_result r;
	uint8_t w[2] = { 'a', 'b' };

	setup(&d, &s, 0, 0);
	CHECK_EQ_U64(outb(&d, 0xe9, 'Q'), VMM_DEV_HANDLED);
	CHECK_EQ_U64(s.n, 1);
	CHECK_EQ_U64(s.buf[0], 'Q');
	CHECK_EQ_U64(d.bytes_out, 1);
	CHECK_EQ_U64(inb(&d, 0xe9, &r), 0xe9);
	CHECK_EQ_U64(r, VMM_DEV_HANDLED);

	/* a word access also covers 0xea, which nobody owns */
	CHECK_EQ_U64(pio(&d, KVM_EXIT_IO_OUT, 0xe9, 2, 1, w),
		     VMM_DEV_UNHANDLED);
	CHECK_EQ_U64(s.n, 1);
	CHECK_EQ_U64(d.bytes_out, 1);
}

static void test_string_io(void)
{
	struct vmm_devices d;
	struct sink s;
	uint8_t msg[5] = { 'h', 'e', 'l', 'l', 'o' };
	uint8_t rd[4];
	enum vmm_dev_result r;

	setup(&d, &s, 0, 0);
	CHECK_EQ_U64(pio(&d, KVM_EXIT_IO_OUT, 0x3f8, 1, 5, msg),
		     VMM_DEV_HANDLED);
	CHECK_EQ_U64(s.n, 5);
	CHECK(memcmp(s.buf, "hello", 5) == 0);
	CHECK_EQ_U64(d.bytes_out, 5);

	CHECK_EQ_U64(pio(&d, KVM_EXIT_IO_OUT, 0xe9, 1, 5, msg),
		     VMM_DEV_HANDLED);
	CHECK_EQ_U64(s.n, 10);
	CHECK(memcmp(s.buf, "hellohello", 10) == 0);

	/* rep insb fills every element */
	memset(rd, 0, sizeof(rd));
	CHECK_EQ_U64(pio(&d, KVM_EXIT_IO_IN, 0x3fd, 1, 4, rd), VMM_DEV_HANDLED);
	for (int i = 0; i < 4; i++)
		CHECK_EQ_U64(rd[i], 0x60);

	/* word OUT at 0x3f8: THR gets byte 0, IER gets byte 1 */
	setup(&d, &s, 0, 0);
	msg[0] = 'X';
	msg[1] = 0x05;
	CHECK_EQ_U64(pio(&d, KVM_EXIT_IO_OUT, 0x3f8, 2, 1, msg),
		     VMM_DEV_HANDLED);
	CHECK_EQ_U64(s.n, 1);
	CHECK_EQ_U64(s.buf[0], 'X');
	CHECK_EQ_U64(d.bytes_out, 1);
	CHECK_EQ_U64(inb(&d, 0x3f9, &r), 0x05);

	/* word IN at 0x3fd: LSR then MSR */
	memset(rd, 0, sizeof(rd));
	CHECK_EQ_U64(pio(&d, KVM_EXIT_IO_IN, 0x3fd, 2, 1, rd), VMM_DEV_HANDLED);
	CHECK_EQ_U64(rd[0], 0x60);
	CHECK_EQ_U64(rd[1], 0xb0);
	CHECK_EQ_U64(rd[2], 0);

	/* dword OUT at 0x3fc covers 0x3fc..0x3ff, all owned */
	rd[0] = 0x01;
	rd[1] = 0x00;
	rd[2] = 0x00;
	rd[3] = 0x77;
	CHECK_EQ_U64(pio(&d, KVM_EXIT_IO_OUT, 0x3fc, 4, 1, rd),
		     VMM_DEV_HANDLED);
	CHECK_EQ_U64(inb(&d, 0x3ff, &r), 0x77);
	CHECK_EQ_U64(inb(&d, 0x3fc, &r), 0x01);
	CHECK_EQ_U64(s.n, 1);
}

static void test_unhandled_ports(void)
{
	struct vmm_devices d, before;
	struct sink s;
	uint8_t v[4] = { 0x11, 0x22, 0x33, 0x44 };
	uint8_t in[4];
	uint8_t big[8];
	enum vmm_dev_result r;

	setup(&d, &s, 0, 0);
	CHECK_EQ_U64(outb(&d, 0x80, 'p'), VMM_DEV_UNHANDLED);
	CHECK_EQ_U64(inb(&d, 0x80, &r), 0x5a);
	CHECK_EQ_U64(r, VMM_DEV_UNHANDLED);
	CHECK_EQ_U64(outb(&d, 0x3f7, 'p'), VMM_DEV_UNHANDLED);
	CHECK_EQ_U64(outb(&d, 0x400, 'p'), VMM_DEV_UNHANDLED);
	CHECK_EQ_U64(outb(&d, 0x2f8, 'p'), VMM_DEV_UNHANDLED); /* COM2 */
	CHECK_EQ_U64(s.n, 0);
	CHECK_EQ_U64(s.calls, 0);
	CHECK_EQ_U64(d.bytes_out, 0);

	/* 0x3fe..0x401 straddles the end of COM1: nothing may happen, not
	 * even to the owned lanes 0x3fe/0x3ff */
	memcpy(&before, &d, sizeof(d));
	CHECK_EQ_U64(pio(&d, KVM_EXIT_IO_OUT, 0x3fe, 4, 1, v),
		     VMM_DEV_UNHANDLED);
	CHECK(devices_equal(&before, &d));
	CHECK_EQ_U64(inb(&d, 0x3ff, &r), 0); /* SCR untouched */
	memset(in, 0x5a, sizeof(in));
	CHECK_EQ_U64(pio(&d, KVM_EXIT_IO_IN, 0x3fe, 4, 1, in),
		     VMM_DEV_UNHANDLED);
	for (int i = 0; i < 4; i++)
		CHECK_EQ_U64(in[i], 0x5a);

	/* the same below COM1: 0x3f7 is not owned, THR must not emit */
	v[1] = 'Z';
	CHECK_EQ_U64(pio(&d, KVM_EXIT_IO_OUT, 0x3f7, 2, 1, v),
		     VMM_DEV_UNHANDLED);
	CHECK(devices_equal(&before, &d));
	CHECK_EQ_U64(s.n, 0);

	/* a string OUT that straddles is refused before any element */
	memset(big, 'S', sizeof(big));
	CHECK_EQ_U64(pio(&d, KVM_EXIT_IO_OUT, 0x3f7, 2, 4, big),
		     VMM_DEV_UNHANDLED);
	CHECK(devices_equal(&before, &d));
	CHECK_EQ_U64(s.n, 0);
	CHECK_EQ_U64(d.bytes_out, 0);
}

static void test_mmio_console(void)
{
	static const uint8_t word[4] = { 'M', 'N', 'O', 'P' };
	struct vmm_devices d;
	struct sink s;
	uint8_t reply[8];
	uint8_t c = 'K';

	setup(&d, &s, 1, CONSOLE_GPA);
	memset(reply, 0x5a, sizeof(reply));
	CHECK_EQ_U64(mmio(&d, CONSOLE_GPA, 1, 1, &c, reply), VMM_DEV_HANDLED);
	CHECK_EQ_U64(s.n, 1);
	CHECK_EQ_U64(s.buf[0], 'K');
	CHECK_EQ_U64(d.bytes_out, 1);

	/* a wider write outputs its low byte only */
	CHECK_EQ_U64(mmio(&d, CONSOLE_GPA, 4, 1, word, reply), VMM_DEV_HANDLED);
	CHECK_EQ_U64(s.n, 2);
	CHECK_EQ_U64(s.buf[1], 'M');
	CHECK_EQ_U64(d.bytes_out, 2);

	/* write-only register: reads are not serviced */
	CHECK_EQ_U64(mmio(&d, CONSOLE_GPA, 1, 0, NULL, reply),
		     VMM_DEV_UNHANDLED);
	for (int i = 0; i < 8; i++)
		CHECK_EQ_U64(reply[i], 0x5a);

	/* only offset 0 */
	CHECK_EQ_U64(mmio(&d, CONSOLE_GPA + 1, 1, 1, &c, reply),
		     VMM_DEV_UNHANDLED);
	CHECK_EQ_U64(mmio(&d, CONSOLE_GPA - 1, 1, 1, &c, reply),
		     VMM_DEV_UNHANDLED);
	CHECK_EQ_U64(mmio(&d, 0, 1, 1, &c, reply), VMM_DEV_UNHANDLED);
	CHECK_EQ_U64(s.n, 2);
	CHECK_EQ_U64(d.bytes_out, 2);

	/* disabled console: nothing at that address, nor at address 0 */
	setup(&d, &s, 0, CONSOLE_GPA);
	CHECK_EQ_U64(mmio(&d, CONSOLE_GPA, 1, 1, &c, reply), VMM_DEV_UNHANDLED);
	setup(&d, &s, 0, 0);
	CHECK_EQ_U64(mmio(&d, 0, 1, 1, &c, reply), VMM_DEV_UNHANDLED);
	CHECK_EQ_U64(s.n, 0);
	CHECK_EQ_U64(d.bytes_out, 0);
}

static void test_other_records(void)
{
	struct vmm_devices d;
	struct sink s;
	struct vmm_exit x;

	setup(&d, &s, 1, CONSOLE_GPA);
	memset(&x, 0, sizeof(x));
	x.reason = KVM_EXIT_HLT;
	CHECK_EQ_U64(vmm_devices_handle(&d, &x), VMM_DEV_UNHANDLED);
	x.reason = KVM_EXIT_SHUTDOWN;
	CHECK_EQ_U64(vmm_devices_handle(&d, &x), VMM_DEV_UNHANDLED);
	x.reason = KVM_EXIT_SYSTEM_EVENT;
	CHECK_EQ_U64(vmm_devices_handle(&d, &x), VMM_DEV_UNHANDLED);
	CHECK_EQ_U64(s.n, 0);
	CHECK_EQ_U64(d.bytes_out, 0);
}

static void test_no_output(void)
{
	struct vmm_devices d;
	uint8_t msg[3] = { 'a', 'b', 'c' };

	/* no sink at all: output is dropped but still counted */
	vmm_devices_init(&d, NULL, 0, 0);
	CHECK_EQ_U64(pio(&d, KVM_EXIT_IO_OUT, 0x3f8, 1, 3, msg),
		     VMM_DEV_HANDLED);
	CHECK_EQ_U64(d.bytes_out, 3);

	/* init resets everything */
	CHECK_EQ_U64(outb(&d, 0x3fb, 0x80), VMM_DEV_HANDLED);
	vmm_devices_init(&d, NULL, 0, 0);
	CHECK_EQ_U64(d.bytes_out, 0);
	CHECK_EQ_U64(d.uart[VMM_UART_LCR], 0);
}

/* The exit handler: one decision per exit kind, failures name the exit
 * and its fields. */
static void test_exit_handle(void)
{
	struct vmm_devices d;
	struct sink s;
	struct vmm_exit x;
	struct vmm_error e;

	setup(&d, &s, 1, CONSOLE_GPA);
	memset(&x, 0, sizeof(x));
	x.reason = KVM_EXIT_HLT;
	CHECK_EQ_U64(vmm_exit_handle(&d, 0, &x, &e), VMM_ACT_HALT);
	x.reason = KVM_EXIT_INTR;
	CHECK_EQ_U64(vmm_exit_handle(&d, 0, &x, &e), VMM_ACT_CONTINUE);

	vmm_err_clear(&e);
	x.reason = KVM_EXIT_SHUTDOWN;
	CHECK_EQ_U64(vmm_exit_handle(&d, 2, &x, &e), VMM_ACT_FAIL);
	CHECK_EQ_U64(e.cls, VMM_ERR_GUEST);
	CHECK_STR_CONTAINS(e.msg, "vCPU 2: guest shut down (triple fault): "
				  "KVM_EXIT_SHUTDOWN");

	x.reason = KVM_EXIT_FAIL_ENTRY;
	x.u.fail_entry.reason = 0x80000021ULL;
	x.u.fail_entry.cpu = 1;
	CHECK_EQ_U64(vmm_exit_handle(&d, 0, &x, &e), VMM_ACT_FAIL);
	CHECK_STR_CONTAINS(e.msg, "VM entry failed: KVM_EXIT_FAIL_ENTRY "
				  "hardware_entry_failure_reason=0x80000021 "
				  "cpu=1");

	memset(&x, 0, sizeof(x));
	x.reason = KVM_EXIT_INTERNAL_ERROR;
	x.u.internal.code = 1;
	x.u.internal.ndata = 2;
	x.u.internal.data[0] = 0x11;
	x.u.internal.data[1] = 0xabc;
	CHECK_EQ_U64(vmm_exit_handle(&d, 0, &x, &e), VMM_ACT_FAIL);
	CHECK_STR_CONTAINS(e.msg, "KVM internal error: KVM_EXIT_INTERNAL_ERROR "
				  "suberror=1 ndata=2 data[0]=0x11 "
				  "data[1]=0xabc");

	memset(&x, 0, sizeof(x));
	x.reason = KVM_EXIT_SYSTEM_EVENT;
	x.u.system_event.code = KVM_SYSTEM_EVENT_SHUTDOWN;
	CHECK_EQ_U64(vmm_exit_handle(&d, 0, &x, &e), VMM_ACT_POWEROFF);
	x.u.system_event.code = KVM_SYSTEM_EVENT_RESET;
	CHECK_EQ_U64(vmm_exit_handle(&d, 0, &x, &e), VMM_ACT_RESET);
	x.u.system_event.code = KVM_SYSTEM_EVENT_CRASH;
	CHECK_EQ_U64(vmm_exit_handle(&d, 0, &x, &e), VMM_ACT_FAIL);
	CHECK_STR_CONTAINS(e.msg, "guest system event: KVM_EXIT_SYSTEM_EVENT "
				  "type=3");

	memset(&x, 0, sizeof(x));
	x.reason = KVM_EXIT_ARM_NISV;
	x.u.arm_nisv.esr_iss = 0x1f;
	x.u.arm_nisv.fault_ipa = 0x10000000;
	CHECK_EQ_U64(vmm_exit_handle(&d, 0, &x, &e), VMM_ACT_FAIL);
	CHECK_STR_CONTAINS(e.msg, "MMIO access KVM cannot decode (no valid "
				  "instruction syndrome): KVM_EXIT_ARM_NISV "
				  "esr_iss=0x1f fault_ipa=0x10000000");

	memset(&x, 0, sizeof(x));
	x.reason = KVM_EXIT_DEBUG;
	x.u.debug.pc = 0x1234;
	CHECK_EQ_U64(vmm_exit_handle(&d, 0, &x, &e), VMM_ACT_FAIL);
	CHECK_STR_CONTAINS(e.msg, "unexpected debug exit: KVM_EXIT_DEBUG "
				  "exception=0 pc=0x1234");

	memset(&x, 0, sizeof(x));
	x.reason = KVM_EXIT_X86_RDMSR;
	CHECK_EQ_U64(vmm_exit_handle(&d, 0, &x, &e), VMM_ACT_FAIL);
	CHECK_STR_CONTAINS(e.msg, "unexpected MSR exit: KVM_EXIT_X86_RDMSR");
	memset(&x, 0, sizeof(x));
	x.reason = KVM_EXIT_HYPERCALL;
	CHECK_EQ_U64(vmm_exit_handle(&d, 0, &x, &e), VMM_ACT_FAIL);
	CHECK_STR_CONTAINS(e.msg, "unexpected hypercall exit");

	/* device accesses: serviced, or a failure naming port and size */
	x = xb_io(KVM_EXIT_IO_OUT, 0x3f8, 1, 1, (const uint8_t *)"Z");
	CHECK_EQ_U64(vmm_exit_handle(&d, 0, &x, &e), VMM_ACT_CONTINUE);
	CHECK_EQ_U64(s.n, 1);
	CHECK_EQ_U64(s.buf[0], 'Z');
	x.u.io.port = 0x80;
	CHECK_EQ_U64(vmm_exit_handle(&d, 0, &x, &e), VMM_ACT_FAIL);
	CHECK_STR_CONTAINS(e.msg, "unhandled device access: KVM_EXIT_IO "
				  "dir=out port=0x80 size=1 count=1");
}

/* Permissive mode: unowned writes accepted, unowned reads answered from
 * the input stream in order, 0xff once it runs out; each serviced read
 * says where in the stream its reply starts (in_from: 1 + the offset,
 * counting on past the end), a write says none. */
static void test_permissive(void)
{
	static const uint8_t stream[3] = { 0x11, 0x22, 0x33 };
	struct vmm_devices d;
	struct sink s;
	struct vmm_exit x;
	struct vmm_error e;

	setup(&d, &s, 0, 0);
	vmm_devices_set_permissive(&d, stream, sizeof(stream));
	x = xb_io(KVM_EXIT_IO_IN, 0x60, 2, 1, NULL);
	CHECK_EQ_U64(vmm_exit_handle(&d, 0, &x, &e), VMM_ACT_CONTINUE);
	CHECK_EQ_U64(x.u.io.data[0], 0x11);
	CHECK_EQ_U64(x.u.io.data[1], 0x22);
	CHECK_EQ_U64(x.in_from, 1);
	x.u.io.dir = KVM_EXIT_IO_OUT; /* unowned write: accepted, no output */
	CHECK_EQ_U64(vmm_exit_handle(&d, 0, &x, &e), VMM_ACT_CONTINUE);
	CHECK_EQ_U64(s.n, 0);
	CHECK_EQ_U64(x.in_from, 0);

	x = xb_mmio(0xd0000000ULL, 4, 0, NULL);
	CHECK_EQ_U64(vmm_exit_handle(&d, 0, &x, &e), VMM_ACT_CONTINUE);
	CHECK_EQ_U64(x.u.mmio.data[0], 0x33);
	CHECK_EQ_U64(x.u.mmio.data[1], 0xff);
	CHECK_EQ_U64(x.u.mmio.data[3], 0xff);
	CHECK_EQ_U64(x.u.mmio.data[4], 0); /* only len bytes written */
	CHECK_EQ_U64(d.in_pos, 6);	   /* 3 bytes served, 3 of open bus */
	CHECK_EQ_U64(x.in_from, 1 + 2);
	x = xb_io(KVM_EXIT_IO_IN, 0x60, 2, 1, NULL); /* past the end */
	CHECK_EQ_U64(vmm_exit_handle(&d, 0, &x, &e), VMM_ACT_CONTINUE);
	CHECK_EQ_U64(x.u.io.data[0], 0xff);
	CHECK_EQ_U64(x.in_from, 1 + 6);
	x = xb_mmio(0xd0000000ULL, 4, 0, NULL);
	x.u.mmio.is_write = 1;
	CHECK_EQ_U64(vmm_exit_handle(&d, 0, &x, &e), VMM_ACT_CONTINUE);

	/* without permissive mode the same read is a guest failure */
	setup(&d, &s, 0, 0);
	x.u.mmio.is_write = 0;
	CHECK_EQ_U64(vmm_exit_handle(&d, 0, &x, &e), VMM_ACT_FAIL);
	CHECK_STR_CONTAINS(e.msg, "KVM_EXIT_MMIO read gpa=0xd0000000 len=4");
}

/* MMIO and no-syndrome exits are checked against the slots: only
 * unbacked addresses, or writes to a readonly slot, may exit. */
static void test_exit_gpa(void)
{
	struct vmm_vm vm;
	struct vmm_exit x;
	struct vmm_error e;

	memset(&vm, 0, sizeof(vm));
	vm.slots[0] = (struct vmm_slot){
		.used = 1, .id = 3, .gpa = 0x0, .size = 0x10000
	};
	vm.slots[1] = (struct vmm_slot){ .used = 1,
					 .id = 9,
					 .gpa = 0x100000,
					 .size = 0x1000,
					 .flags = VMM_SLOT_READONLY };
	x = xb_mmio(0x10000, 1, 1, NULL); /* just past slot 3 */
	vmm_err_clear(&e);
	CHECK(vmm_vm_check_exit_gpa(&vm, &x, &e) == 0);
	x.u.mmio.gpa = 0x100008; /* write to the readonly slot */
	CHECK(vmm_vm_check_exit_gpa(&vm, &x, &e) == 0);
	x.u.mmio.is_write = 0; /* a read of readonly memory never exits */
	CHECK(vmm_vm_check_exit_gpa(&vm, &x, &e) == -1);
	CHECK_EQ_U64(e.cls, VMM_ERR_CONTRACT);
	CHECK_STR_CONTAINS(e.msg,
			   "kernel contract violation: KVM_EXIT_MMIO exit "
			   "for gpa 0x100008, which readonly slot 9 "
			   "[0x100000, 0x101000) backs");
	x.u.mmio.is_write = 1;
	x.u.mmio.gpa = 0xfff8; /* RAM */
	vmm_err_clear(&e);
	CHECK(vmm_vm_check_exit_gpa(&vm, &x, &e) == -1);
	CHECK_STR_CONTAINS(e.msg, "which RAM slot 3 [0x0, 0x10000) backs");
	memset(&x, 0, sizeof(x));
	x.reason = KVM_EXIT_ARM_NISV;
	x.u.arm_nisv.fault_ipa = 0x100000;
	CHECK(vmm_vm_check_exit_gpa(&vm, &x, &e) == 0);
	x.u.arm_nisv.fault_ipa = 0x2000;
	CHECK(vmm_vm_check_exit_gpa(&vm, &x, &e) == -1);
	CHECK_STR_CONTAINS(e.msg, "KVM_EXIT_ARM_NISV exit for gpa 0x2000");
	x.reason = KVM_EXIT_INTR; /* other exits carry no address */
	CHECK(vmm_vm_check_exit_gpa(&vm, &x, &e) == 0);
}

/* The exits scenario records turn on: RDMSR answered from the input
 * stream (permissive or not), #GP for a range that says so, WRMSR
 * accepted, a hypercall's ret from the stream, debug exits continued for
 * the vCPUs with a guest_debug record only. */
static void test_record_exits(void)
{
	static const uint8_t in[] = { 0x88, 0x77, 0x66, 0x55, 0x44, 0x33,
				      0x22, 0x11, 0xef, 0xbe, 0xad, 0xde,
				      0,    0,	  0,	0 };
	static struct vmm_scenario s;
	static struct vmm_exit x;
	struct vmm_devices d;
	struct vmm_error e;
	struct sink sk;

	vmm_scenario_init(&s);
	s.nvcpus = 2;
	s.vcpus[1].has_gdbg = 1;
	s.input = in;
	s.input_len = sizeof(in);
	s.has_input = 1;
	s.nmsr_exits = 2;
	s.msr_exits[0] = (struct vmm_msr_exit_spec){ .base = 0xc0000100,
						     .nmsrs = 4,
						     .reasons = 4,
						     .flags = VMM_MX_READ |
							      VMM_MX_WRITE };
	s.msr_exits[1] = (struct vmm_msr_exit_spec){
		.base = 0x10,
		.nmsrs = 1,
		.reasons = 4,
		.flags = VMM_MX_READ | VMM_MX_FAIL_READ | VMM_MX_FAIL_WRITE
	};
	s.has_hypercall = 1;
	setup(&d, &sk, 0, 0);
	vmm_devices_set_exits(&d, &s);
	vmm_err_clear(&e);

	memset(&x, 0, sizeof(x));
	x.reason = KVM_EXIT_X86_RDMSR;
	x.u.msr.index = 0xc0000102;
	CHECK_EQ_U64(vmm_exit_handle(&d, 0, &x, &e), VMM_ACT_CONTINUE);
	CHECK_EQ_U64(x.u.msr.data, 0x1122334455667788ULL);
	CHECK_EQ_U64(x.u.msr.error, 0);
	x.u.msr.index = 0x10; /* FAIL_READ: #GP, no input used */
	x.u.msr.data = 0;
	CHECK_EQ_U64(vmm_exit_handle(&d, 0, &x, &e), VMM_ACT_CONTINUE);
	CHECK_EQ_U64(x.u.msr.error, 1);
	CHECK_EQ_U64(x.u.msr.data, 0);
	x.reason = KVM_EXIT_X86_WRMSR;
	x.u.msr.data = 5;
	CHECK_EQ_U64(vmm_exit_handle(&d, 0, &x, &e), VMM_ACT_CONTINUE);
	CHECK_EQ_U64(x.u.msr.error, 1);
	x.u.msr.index = 0xc0000103; /* accepted, data kept */
	CHECK_EQ_U64(vmm_exit_handle(&d, 0, &x, &e), VMM_ACT_CONTINUE);
	CHECK_EQ_U64(x.u.msr.error, 0);
	CHECK_EQ_U64(x.u.msr.data, 5);

	memset(&x, 0, sizeof(x));
	x.reason = KVM_EXIT_HYPERCALL;
	x.u.hypercall.nr = 12;
	CHECK_EQ_U64(vmm_exit_handle(&d, 0, &x, &e), VMM_ACT_CONTINUE);
	CHECK_EQ_U64(x.u.hypercall.ret, 0xdeadbeefULL);
	/* the stream is used up: 0xff bytes */
	CHECK_EQ_U64(vmm_exit_handle(&d, 0, &x, &e), VMM_ACT_CONTINUE);
	CHECK_EQ_U64(x.u.hypercall.ret, UINT64_MAX);
	memset(&x, 0, sizeof(x));
	x.reason = KVM_EXIT_X86_RDMSR;
	x.u.msr.index = 0x11; /* in no range: from the stream */
	CHECK_EQ_U64(vmm_exit_handle(&d, 0, &x, &e), VMM_ACT_CONTINUE);
	CHECK_EQ_U64(x.u.msr.data, UINT64_MAX);

	memset(&x, 0, sizeof(x));
	x.reason = KVM_EXIT_DEBUG;
	x.u.debug.exception = 1;
	CHECK_EQ_U64(vmm_exit_handle(&d, 1, &x, &e), VMM_ACT_CONTINUE);
	CHECK_EQ_U64(vmm_exit_handle(&d, 0, &x, &e), VMM_ACT_FAIL);
	CHECK_STR_CONTAINS(e.msg, "vCPU 0: unexpected debug exit");
}

int main(void)
{
	test_record_exits();
	test_exit_gpa();
	test_com1_out();
	test_com1_dlab();
	test_com1_in();
	test_debugcon();
	test_string_io();
	test_unhandled_ports();
	test_mmio_console();
	test_other_records();
	test_no_output();
	test_exit_handle();
	test_permissive();
	return check_report("test_devices");
}

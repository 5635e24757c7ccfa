/* Planted bugs (vmm/planted.h, docs/bugbench.md). Compiled only with
 * -DVMM_PLANTED_BUGS=ON. The constants below must appear nowhere else in
 * the repository except tests/bugbench/ (tests/bugbench/leak_check.sh).
 * Without the option the file compiles to nothing, so builds that compile
 * every file of vmm/ (.clusterfuzzlite/build.sh) carry no planted code. */
#ifdef VMM_PLANTED_BUGS
#include "vmm/planted.h"

#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmm/bytes.h"
#include "vmm/cpu_state.h"
#include "vmm/devices.h"
#include "vmm/exit.h"
#include "vmm/kvm_compat.h"

/* The bugs' values: what a guest must produce. */
#define P01_OUT16 0x7c1dU
#define P02_OUT32 0x5e2a91c3U
#define P03_MMIO64 0x3b8e61f0a4d7c259ULL
#define P04_RBX 0x9a4c2e71d05b83f6ULL
#define P05_DIVISOR 0x31a7U /* DLM:DLL */
#define P05_SCR 0x5cU
#define P06_COUNT 45U
#define P08_OUT16 0x2b6fU
#define P10_ECHO16 0xd35bU
#define P11_KEY32 0x61d0a3e5U
#define P12_PORT_MIN 0xff00U
#define P13_MMIO64 0x4f17c0d2e8a96b35ULL

static const struct vmm_planted_info table[VMM_PLANTED_N] = {
	{ "P01", "io-out16-magic", "any" },
	{ "P02", "io-out32-magic", "any" },
	{ "P03", "mmio-write64-magic", "any" },
	{ "P04", "rbx-at-hlt", "x86_64" },
	{ "P05", "uart-divisor-sequence", "any" },
	{ "P06", "string-io-count", "any" },
	{ "P07", "uart-in32-offset2", "any" },
	{ "P08", "second-vcpu-after-halt", "any" },
	{ "P09", "shutdown-after-mmio16", "any" },
	{ "P10", "input-word-echo", "any" },
	{ "P11", "mmio-key-sequence", "any" },
	{ "P12", "long-mode-high-port", "x86_64" },
	{ "P13", "psci-reset-after-mmio64", "arm64" },
};

enum {
	P01,
	P02,
	P03,
	P04,
	P05,
	P06,
	P07,
	P08,
	P09,
	P10,
	P11,
	P12,
	P13,
};

static uint64_t reached[VMM_PLANTED_N], triggered[VMM_PLANTED_N];
static int env_read;
static unsigned char disabled[VMM_PLANTED_N];
static const char *log_path;

const struct vmm_planted_info *vmm_planted_info(unsigned int i)
{
	return i < VMM_PLANTED_N ? &table[i] : NULL;
}

uint64_t vmm_planted_reached(unsigned int i)
{
	return i < VMM_PLANTED_N ? reached[i] : 0;
}

uint64_t vmm_planted_triggered(unsigned int i)
{
	return i < VMM_PLANTED_N ? triggered[i] : 0;
}

static void read_env(void)
{
	const char *dis = getenv("VMM_PLANTED_DISABLE");

	env_read = 1;
	log_path = getenv("VMM_PLANTED_LOG");
	if (log_path && !*log_path)
		log_path = NULL;
	for (unsigned int i = 0; dis && i < VMM_PLANTED_N; i++) {
		const char *p = strstr(dis, table[i].id);

		while (p) {
			size_t n = strlen(table[i].id);

			if ((p == dis || p[-1] == ',') &&
			    (p[n] == ',' || p[n] == 0)) {
				disabled[i] = 1;
				break;
			}
			p = strstr(p + 1, table[i].id);
		}
	}
}

static void log_line(const char *what, unsigned int i, const char *extra)
{
	char line[64];
	int fd, n;

	if (!log_path)
		return;
	n = snprintf(line, sizeof(line), "%s %s%s\n", what, table[i].id, extra);
	fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (n > 0)
		(void)!write(fd, line, (size_t)n);
	(void)close(fd);
}

static void reach(unsigned int i)
{
	if (!env_read)
		read_env();
	if (reached[i]++ == 0)
		log_line("reached", i, "");
}

/* A sequence bug's state machine got to step k of n (k < n; reaching it
 * is step n): logged as "step <id> k/n" the first time a process gets
 * that deep, so that the benchmark can say how far a fuzzer got into a
 * sequence it never completed. */
static unsigned char deepest[VMM_PLANTED_N];

static void step(unsigned int i, unsigned int k, unsigned int n)
{
	char extra[16];

	if (!env_read)
		read_env();
	if (k <= deepest[i])
		return;
	deepest[i] = (unsigned char)k;
	(void)snprintf(extra, sizeof(extra), " %u/%u", k, n);
	log_line("step", i, extra);
}

/* The canary: the bug fires unless masked. */
static void trigger(unsigned int i)
{
	if (!env_read)
		read_env();
	if (disabled[i])
		return;
	if (triggered[i]++ == 0)
		log_line("triggered", i, "");
	(void)fprintf(stderr, "PLANTED %s %s\n", table[i].id, table[i].name);
	(void)fflush(stderr);
	abort();
}

static int port_owned(uint32_t p)
{
	return (p >= VMM_COM1_BASE && p < VMM_COM1_BASE + VMM_COM1_PORTS) ||
	       p == VMM_DEBUGCON_PORT;
}

/* UART writes (devices.c): divisor latch DLL, DLM (with DLAB set), LCR
 * with DLAB clear, SCR - in that order, no other UART write between. */
void vmm_planted_uart_write(struct vmm_devices *d, unsigned int reg, uint8_t v,
			    int dlab)
{
	struct vmm_planted *p = &d->planted;
	uint8_t next = 0;

	switch (p->uart_step) {
	case 0:
		next = reg == VMM_UART_THR && dlab && v == (P05_DIVISOR & 0xff);
		break;
	case 1:
		next = reg == VMM_UART_IER && dlab && v == (P05_DIVISOR >> 8)
			       ? 2
			       : 0;
		break;
	case 2:
		next = reg == VMM_UART_LCR && !(v & VMM_UART_LCR_DLAB) ? 3 : 0;
		break;
	case 3:
		if (reg == VMM_UART_SCR) {
			step(P05, 4, 4);
			reach(P05);
			if (v == P05_SCR)
				trigger(P05);
		}
		break;
	default:
		break;
	}
	/* a first step can restart the sequence at any point */
	if (!next && reg == VMM_UART_THR && dlab && v == (P05_DIVISOR & 0xff))
		next = 1;
	if (next)
		step(P05, next, 4);
	p->uart_step = next;
}

static void io_bugs(struct vmm_devices *d, struct vmm_planted *p, uint32_t vcpu,
		    const struct vmm_exit_io *io)
{
	int out = io->dir == KVM_EXIT_IO_OUT;
	uint64_t v = vmm_le_get(io->data, io->size);

	if (out && io->count == 1 && io->size == 2) {
		reach(P01);
		if (v == P01_OUT16)
			trigger(P01);
	}
	if (out && io->count == 1 && io->size == 4) {
		reach(P02);
		if (v == P02_OUT32)
			trigger(P02);
	}
	if (!out && io->count > 1 && io->size == 2) {
		reach(P06);
		if (io->count == P06_COUNT)
			trigger(P06);
	}
	if (!out && io->size == 4 && port_owned(io->port) &&
	    port_owned(io->port + 3U)) {
		reach(P07);
		if (io->port == VMM_COM1_BASE + VMM_UART_IIR)
			trigger(P07);
	}
	if (vcpu > 0 && p->vcpu0_halted && out && io->size == 2 &&
	    io->port == VMM_DEBUGCON_PORT) {
		reach(P08);
		if (v == P08_OUT16)
			trigger(P08);
	}
	if (p->last[vcpu].echo_armed && out && io->size == 2 &&
	    io->count == 1 && v == p->last[vcpu].echo_val) {
		reach(P10);
		if (v == P10_ECHO16)
			trigger(P10);
	}
	/* P10's first half: a word read from the scenario's input stream */
	p->last[vcpu].echo_armed =
		!out && io->size == 2 && io->count == 1 && d->permissive &&
		(!port_owned(io->port) || !port_owned(io->port + 1U));
	p->last[vcpu].echo_val = (uint16_t)v;
}

static void mmio_bugs(struct vmm_planted *p, const struct vmm_exit_mmio *m)
{
	uint64_t v = vmm_le_get(m->data, m->len);
	uint64_t page = m->gpa & ~0xfffULL, off = m->gpa & 0xfffULL;

	if (m->is_write && m->len == 8) {
		reach(P03);
		if (v == P03_MMIO64)
			trigger(P03);
	}
	/* P11: key at +0, its complement at +4, then a byte read at +8 */
	if (p->mmio_step == 2 && page == p->mmio_page && !m->is_write &&
	    m->len == 1) {
		step(P11, 3, 3);
		reach(P11);
		if (off == 8)
			trigger(P11);
	}
	if (m->is_write && m->len == 4 && off == 0 && v == P11_KEY32) {
		p->mmio_step = 1;
		p->mmio_page = page;
		step(P11, 1, 3);
	} else if (p->mmio_step == 1 && m->is_write && m->len == 4 &&
		   page == p->mmio_page && off == 4 &&
		   v == (~P11_KEY32 & 0xffffffffU)) {
		p->mmio_step = 2;
		step(P11, 2, 3);
	} else {
		p->mmio_step = 0;
	}
}

void vmm_planted_exit(struct vmm_devices *d, uint32_t vcpu,
		      const struct vmm_exit *x)
{
	struct vmm_planted *p = &d->planted;

	if (vcpu >= VMM_MAX_VCPUS)
		return;
	switch (x->reason) {
	case KVM_EXIT_IO:
		io_bugs(d, p, vcpu, &x->u.io);
		break;
	case KVM_EXIT_MMIO:
		mmio_bugs(p, &x->u.mmio);
		break;
	case KVM_EXIT_HLT:
		if (vcpu == 0)
			p->vcpu0_halted = 1;
		break;
	case KVM_EXIT_SHUTDOWN:
		if (p->last[vcpu].reason == KVM_EXIT_MMIO &&
		    p->last[vcpu].mmio_write) {
			reach(P09);
			if (p->last[vcpu].mmio_len == 2)
				trigger(P09);
		}
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		if (x->u.system_event.code == KVM_SYSTEM_EVENT_RESET &&
		    p->last[vcpu].reason == KVM_EXIT_MMIO &&
		    p->last[vcpu].mmio_write && p->last[vcpu].mmio_len == 8) {
			reach(P13);
			if (p->last[vcpu].mmio_val == P13_MMIO64)
				trigger(P13);
		}
		break;
	default:
		break;
	}
	if (x->reason != KVM_EXIT_IO)
		p->last[vcpu].echo_armed = 0;
	p->last[vcpu].reason = x->reason;
	p->last[vcpu].mmio_write =
		x->reason == KVM_EXIT_MMIO && x->u.mmio.is_write;
	p->last[vcpu].mmio_len = x->reason == KVM_EXIT_MMIO ? x->u.mmio.len : 0;
	p->last[vcpu].mmio_val =
		x->reason == KVM_EXIT_MMIO
			? vmm_le_get(x->u.mmio.data, x->u.mmio.len)
			: 0;
}

/* Bugs on the vCPU's state at an exit (one KVM_GET_REGS/SREGS pair, only
 * at the exits they look at). */
void vmm_planted_vcpu_exit(struct vmm_vcpu *v, uint32_t vcpu,
			   const struct vmm_exit *x)
{
#if defined(__x86_64__)
	struct vmm_cpu_state st;
	struct vmm_error e;
	int hlt = x->reason == KVM_EXIT_HLT;
	int high_out = x->reason == KVM_EXIT_IO &&
		       x->u.io.dir == KVM_EXIT_IO_OUT &&
		       x->u.io.port >= P12_PORT_MIN;

	(void)vcpu;
	if (!hlt && !high_out)
		return;
	vmm_err_clear(&e);
	if (vmm_cpu_state_get(v, &st, &e) < 0)
		return;
	if (hlt) {
		reach(P04);
		if (st.regs.rbx == P04_RBX)
			trigger(P04);
	}
	if (high_out) {
		reach(P12);
		if ((st.sregs.efer & (1ULL << 10)) && st.sregs.cs.l)
			trigger(P12);
	}
#else
	(void)v;
	(void)vcpu;
	(void)x;
#endif
}
#endif /* VMM_PLANTED_BUGS */

/* Devices the VMM emulates, driven only by validated exit records.
 *
 *  - COM1 serial at 0x3f8..0x3ff: THR writes go to the output; LSR reads
 *    always say "transmitter empty" so polling guests proceed; the divisor
 *    latch (LCR.DLAB), IER, MCR and SCR are kept as registers.
 *  - Debug port 0xe9 (bochs/QEMU "debugcon"): writes go to the output; reads
 *    return 0xe9 so guests can detect it.
 *  - MMIO console: a write-only byte register at a configurable GPA (seed
 *    000's UART at 0x10000000); a write at offset 0 outputs its low byte.
 *
 * Anything else is "unhandled" and the run loop reports it; nothing is
 * silently ignored. In permissive mode (fuzzing scenarios) unowned writes
 * are accepted and unowned reads are answered from the scenario's input
 * stream, in order (0xff once it is used up), so random guest code gets
 * deterministic device answers. Pure: no KVM, no I/O except the output
 * callback.
 */
#ifndef VMM_DEVICES_H
#define VMM_DEVICES_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/exit.h"
#include "vmm/planted.h"
#include "vmm/scenario.h"

#define VMM_COM1_BASE 0x3f8
#define VMM_COM1_PORTS 8
#define VMM_DEBUGCON_PORT 0xe9

/* UART register offsets and bits (16550, as in every PC serial driver). */
#define VMM_UART_THR 0 /* DLAB=0 write: transmit holding */
#define VMM_UART_IER 1
#define VMM_UART_IIR 2
#define VMM_UART_LCR 3
#define VMM_UART_MCR 4
#define VMM_UART_LSR 5
#define VMM_UART_MSR 6
#define VMM_UART_SCR 7
#define VMM_UART_LCR_DLAB 0x80
#define VMM_UART_LSR_THRE 0x20
#define VMM_UART_LSR_TEMT 0x40
#define VMM_UART_IIR_NO_INT 0x01
#define VMM_UART_MSR_CTS 0x10
#define VMM_UART_MSR_DSR 0x20
#define VMM_UART_MSR_DCD 0x80

struct vmm_output {
	/* Called with each run of guest output bytes as it arrives. */
	void (*write)(void *ctx, const uint8_t *buf, size_t n);
	void *ctx;
};

struct vmm_devices {
	struct vmm_output out;
	uint8_t uart[VMM_COM1_PORTS]; /* register file, DLAB=0 view */
	uint8_t uart_dll, uart_dlm;   /* divisor latch */
	int mmio_console;	      /* enabled? */
	uint64_t mmio_console_gpa;
	uint64_t bytes_out; /* total guest output bytes */
	int permissive;
	const uint8_t *in; /* input stream for unowned reads */
	size_t in_len;
	/* the stream offset of the next byte a read takes: it counts on past
	 * the end (open bus), where exit records say a reply came from */
	size_t in_pos;
	/* exits the scenario's records turn on (vmm_devices_set_exits):
	 * RDMSR/WRMSR answered as its msr_exits ranges say, hypercalls, and
	 * debug exits of the vCPUs (bit i) with a guest_debug record */
	const struct vmm_msr_exit_spec *msr_exits;
	uint32_t nmsr_exits;
	int msr_exits_on;
	int hypercall_on;
	uint32_t debug_vcpus;
#ifdef VMM_PLANTED_BUGS
	struct vmm_planted planted; /* planted-bug build only (vmm/planted.h) */
#endif
};

/* Reset all device state; output goes to `out` (may have a NULL write). */
void vmm_devices_init(struct vmm_devices *d, const struct vmm_output *out,
		      int mmio_console, uint64_t mmio_console_gpa);

/* Permissive mode with an input stream (may be NULL/0). */
void vmm_devices_set_permissive(struct vmm_devices *d, const uint8_t *in,
				size_t in_len);

/* The exits scenario s turns on (msr_exits, hypercall, guest_debug) and
 * its input stream, which answers RDMSR and hypercall exits in order
 * (0xff bytes once used up) whether or not the scenario is permissive.
 * s must outlive the devices' use. */
void vmm_devices_set_exits(struct vmm_devices *d, const struct vmm_scenario *s);

enum vmm_dev_result { VMM_DEV_HANDLED = 0, VMM_DEV_UNHANDLED = 1 };

/* Service an IO or MMIO exit. A read's reply is written into the record
 * (io.data / mmio.data); vmm_vcpu_complete() hands it to KVM. */
enum vmm_dev_result vmm_devices_handle(struct vmm_devices *d,
				       struct vmm_exit *x);

/* What the run loop does after an exit. */
enum vmm_exit_action {
	VMM_ACT_CONTINUE = 0, /* serviced: enter the guest again */
	VMM_ACT_HALT,	      /* the vCPU executed HLT */
	VMM_ACT_POWEROFF,     /* the guest asked to power off */
	VMM_ACT_RESET,	      /* the guest asked for a system reset */
	VMM_ACT_FAIL,	      /* guest failure, reason in *e (names the exit
			       * and every field) */
};

/* The exit handler: decides every exit of vCPU `vcpu` from its validated
 * record alone, servicing device accesses. Pure (no KVM), so it is unit
 * tested and fuzzed with synthetic records. */
enum vmm_exit_action vmm_exit_handle(struct vmm_devices *d, uint32_t vcpu,
				     struct vmm_exit *x, struct vmm_error *e);

#endif

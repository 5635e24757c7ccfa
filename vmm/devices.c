#include "vmm/devices.h"

#include <linux/kvm.h>
#include <string.h>

#include "vmm/kvm_compat.h"

void vmm_devices_init(struct vmm_devices *d, const struct vmm_output *out,
		      int mmio_console, uint64_t mmio_console_gpa)
{
	memset(d, 0, sizeof(*d));
	if (out)
		d->out = *out;
	d->mmio_console = mmio_console;
	d->mmio_console_gpa = mmio_console_gpa;
}

void vmm_devices_set_permissive(struct vmm_devices *d, const uint8_t *in,
				size_t in_len)
{
	d->permissive = 1;
	d->in = in;
	d->in_len = in ? in_len : 0;
	d->in_pos = 0;
}

static uint8_t next_input(struct vmm_devices *d)
{
	size_t at = d->in_pos++;

	return at < d->in_len ? d->in[at] : 0xFF; /* open bus after the end */
}

void vmm_devices_set_exits(struct vmm_devices *d, const struct vmm_scenario *s)
{
	d->msr_exits = s->msr_exits;
	d->nmsr_exits = s->nmsr_exits;
	d->msr_exits_on = s->nmsr_exits > 0;
	d->hypercall_on = s->has_hypercall != 0;
	d->debug_vcpus = 0;
	for (uint32_t i = 0; i < s->nvcpus && i < VMM_MAX_VCPUS; i++)
		if (s->vcpus[i].has_gdbg)
			d->debug_vcpus |= 1U << i;
	/* a guest_debug action's target takes debug exits once it fired */
	for (uint32_t q = 0; q < s->nactions && q < VMM_MAX_SCN_ACTIONS; q++)
		if (s->actions[q].kind == VMM_AK_GUEST_DEBUG &&
		    s->actions[q].target < VMM_MAX_VCPUS)
			d->debug_vcpus |= 1U << s->actions[q].target;
	if (!d->in) {
		d->in = s->input;
		d->in_len = s->input ? s->input_len : 0;
		d->in_pos = 0;
	}
}

/* Eight bytes of the input stream, little-endian. */
static uint64_t next_u64(struct vmm_devices *d)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < 8; i++)
		v |= (uint64_t)next_input(d) << (8 * i);
	return v;
}

/* An RDMSR/WRMSR exit: the first msr_exits range holding the index says
 * whether it fails (#GP, error=1); otherwise RDMSR's value comes from the
 * input stream and WRMSR is accepted. */
static void handle_msr(struct vmm_devices *d, struct vmm_exit *x)
{
	int rd = x->reason == KVM_EXIT_X86_RDMSR;
	uint8_t fail = rd ? VMM_MX_FAIL_READ : VMM_MX_FAIL_WRITE;

	for (uint32_t r = 0; r < d->nmsr_exits; r++) {
		const struct vmm_msr_exit_spec *m = &d->msr_exits[r];

		if (x->u.msr.index - m->base < m->nmsrs) {
			if (m->flags & fail) {
				x->u.msr.error = 1;
				return;
			}
			break;
		}
	}
	x->u.msr.error = 0;
	if (rd)
		x->u.msr.data = next_u64(d);
}

static void serve_reads(struct vmm_devices *d, uint8_t *dst, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = next_input(d);
}

static void emit(struct vmm_devices *d, uint8_t b)
{
	d->bytes_out++;
	if (d->out.write)
		d->out.write(d->out.ctx, &b, 1);
}

static int uart_write(struct vmm_devices *d, unsigned int reg, uint8_t v)
{
	int dlab = (d->uart[VMM_UART_LCR] & VMM_UART_LCR_DLAB) != 0;

	VMM_PLANTED_HOOK(vmm_planted_uart_write(d, reg, v, dlab));
	switch (reg) {
	case VMM_UART_THR:
		if (dlab)
			d->uart_dll = v;
		else
			emit(d, v);
		return 0;
	case VMM_UART_IER:
		if (dlab)
			d->uart_dlm = v;
		else
			d->uart[reg] = v & 0x0F;
		return 0;
	case VMM_UART_IIR: /* FCR on write: FIFO control, accepted */
	case VMM_UART_LCR:
	case VMM_UART_MCR:
	case VMM_UART_SCR:
		d->uart[reg] = v;
		return 0;
	default: /* LSR/MSR are read-only; writes are accepted and dropped
		  * as on real 16550 hardware (factory test only) */
		return 0;
	}
}

static uint8_t uart_read(const struct vmm_devices *d, unsigned int reg)
{
	int dlab = (d->uart[VMM_UART_LCR] & VMM_UART_LCR_DLAB) != 0;

	switch (reg) {
	case VMM_UART_THR:
		return dlab ? d->uart_dll : 0; /* no receive data */
	case VMM_UART_IER:
		return dlab ? d->uart_dlm : d->uart[reg];
	case VMM_UART_IIR:
		return VMM_UART_IIR_NO_INT;
	case VMM_UART_LSR:
		return VMM_UART_LSR_THRE | VMM_UART_LSR_TEMT;
	case VMM_UART_MSR:
		return VMM_UART_MSR_CTS | VMM_UART_MSR_DSR | VMM_UART_MSR_DCD;
	default:
		return d->uart[reg];
	}
}

/* One byte of port I/O. Returns 0 if some device owns the port. */
static int port_byte(struct vmm_devices *d, uint32_t port, int out, uint8_t *v)
{
	if (port >= VMM_COM1_BASE && port < VMM_COM1_BASE + VMM_COM1_PORTS) {
		unsigned int reg = port - VMM_COM1_BASE;

		if (out)
			return uart_write(d, reg, *v);
		*v = uart_read(d, reg);
		return 0;
	}
	if (port == VMM_DEBUGCON_PORT) {
		if (out)
			emit(d, *v);
		else
			*v = VMM_DEBUGCON_PORT;
		return 0;
	}
	return -1;
}

static enum vmm_dev_result handle_io(struct vmm_devices *d,
				     struct vmm_exit_io *io)
{
	int out = io->dir == KVM_EXIT_IO_OUT;

	/* Decide ownership before touching state: every byte lane of the
	 * access must belong to a device. */
	for (unsigned int i = 0; i < io->size; i++) {
		uint32_t p = (uint32_t)io->port + i;
		int owned = (p >= VMM_COM1_BASE &&
			     p < VMM_COM1_BASE + VMM_COM1_PORTS) ||
			    p == VMM_DEBUGCON_PORT;

		if (!owned) {
			if (!d->permissive)
				return VMM_DEV_UNHANDLED;
			if (!out)
				serve_reads(d, io->data, io->bytes);
			return VMM_DEV_HANDLED;
		}
	}
	for (uint32_t c = 0; c < io->count; c++) {
		uint8_t *elem = io->data + (size_t)c * io->size;

		for (unsigned int i = 0; i < io->size; i++) {
			uint8_t v = out ? elem[i] : 0;

			(void)port_byte(d, (uint32_t)io->port + i, out, &v);
			if (!out)
				elem[i] = v;
		}
	}
	return VMM_DEV_HANDLED;
}

static enum vmm_dev_result handle_mmio(struct vmm_devices *d,
				       struct vmm_exit_mmio *m)
{
	if (d->mmio_console && m->is_write && m->gpa == d->mmio_console_gpa) {
		emit(d, m->data[0]);
		return VMM_DEV_HANDLED;
	}
	if (!d->permissive)
		return VMM_DEV_UNHANDLED;
	if (!m->is_write)
		serve_reads(d, m->data, m->len);
	return VMM_DEV_HANDLED;
}

enum vmm_dev_result vmm_devices_handle(struct vmm_devices *d,
				       struct vmm_exit *x)
{
	switch (x->reason) {
	case KVM_EXIT_IO:
		return handle_io(d, &x->u.io);
	case KVM_EXIT_MMIO:
		return handle_mmio(d, &x->u.mmio);
	default:
		return VMM_DEV_UNHANDLED;
	}
}

static enum vmm_exit_action fail(struct vmm_error *e, uint32_t vcpu,
				 const char *what, const struct vmm_exit *x)
{
	char d[200];

	vmm_exit_format(x, d, sizeof(d));
	vmm_err_set(e, VMM_ERR_GUEST, NULL, 0, "vCPU %u: %s: %s", vcpu, what,
		    d);
	return VMM_ACT_FAIL;
}

static enum vmm_exit_action handle_exit(struct vmm_devices *d, uint32_t vcpu,
					struct vmm_exit *x, struct vmm_error *e)
{
	switch (x->reason) {
	case KVM_EXIT_HLT:
		return VMM_ACT_HALT;
	case KVM_EXIT_IO:
	case KVM_EXIT_MMIO:
		if (vmm_devices_handle(d, x) == VMM_DEV_HANDLED)
			return VMM_ACT_CONTINUE;
		return fail(e, vcpu, "unhandled device access", x);
	case KVM_EXIT_SHUTDOWN:
		return fail(e, vcpu, "guest shut down (triple fault)", x);
	case KVM_EXIT_FAIL_ENTRY:
		return fail(e, vcpu, "VM entry failed", x);
	case KVM_EXIT_INTERNAL_ERROR:
		return fail(e, vcpu, "KVM internal error", x);
	case KVM_EXIT_SYSTEM_EVENT:
		/* PSCI SYSTEM_OFF / SYSTEM_RESET (arm64), or the x86
		 * equivalents: clean ends of the run */
		if (x->u.system_event.code == KVM_SYSTEM_EVENT_SHUTDOWN)
			return VMM_ACT_POWEROFF;
		if (x->u.system_event.code == KVM_SYSTEM_EVENT_RESET)
			return VMM_ACT_RESET;
		return fail(e, vcpu, "guest system event", x);
	case KVM_EXIT_ARM_NISV:
		return fail(e, vcpu,
			    "MMIO access KVM cannot decode (no valid "
			    "instruction syndrome)",
			    x);
	case KVM_EXIT_DEBUG:
		/* a vCPU with a guest_debug record: noted (the trace), and
		 * the run goes on; the exit budget bounds a stepped guest */
		if (vcpu < 32 && (d->debug_vcpus & (1U << vcpu)))
			return VMM_ACT_CONTINUE;
		return fail(e, vcpu, "unexpected debug exit", x);
	case KVM_EXIT_X86_RDMSR:
	case KVM_EXIT_X86_WRMSR:
		if (!d->msr_exits_on)
			return fail(e, vcpu, "unexpected MSR exit", x);
		handle_msr(d, x);
		return VMM_ACT_CONTINUE;
	case KVM_EXIT_HYPERCALL:
		if (!d->hypercall_on)
			return fail(e, vcpu, "unexpected hypercall exit", x);
		x->u.hypercall.ret = next_u64(d);
		return VMM_ACT_CONTINUE;
	case KVM_EXIT_INTR:
	case KVM_EXIT_IOAPIC_EOI:
		/* KVM_EXIT_IOAPIC_EOI (split irqchip): the EOI of a
		 * level-triggered interrupt for a user-space IOAPIC; this VMM
		 * has none, nothing to resample */
		return VMM_ACT_CONTINUE;
	default:
		return fail(e, vcpu, "unhandled exit", x);
	}
}

enum vmm_exit_action vmm_exit_handle(struct vmm_devices *d, uint32_t vcpu,
				     struct vmm_exit *x, struct vmm_error *e)
{
	size_t pos0 = d->in_pos;
	enum vmm_exit_action act = handle_exit(d, vcpu, x, e);

	x->in_from = d->in_pos != pos0 && pos0 < UINT32_MAX
			     ? (uint32_t)pos0 + 1U
			     : 0;
	VMM_PLANTED_HOOK(vmm_planted_exit(d, vcpu, x));
	return act;
}

#include "vmm/exit.h"

#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>

#include "vmm/arch.h"
#include "vmm/kvm_compat.h"

/* Known exit reasons, and which of them this architecture's KVM can
 * produce (x86: api.rst and arch/x86/kvm; arm64: arch/arm64/kvm). */
#define ARCH_X86 1U
#define ARCH_ARM64 2U
#define ARCH_ANY (ARCH_X86 | ARCH_ARM64)
#define ARCH_NONE 0U

#if defined(__x86_64__)
#define ARCH_SELF ARCH_X86
#elif defined(__aarch64__)
#define ARCH_SELF ARCH_ARM64
#else
#error "unsupported architecture"
#endif

struct reason_desc {
	const char *name;
	unsigned int arch;
};

#define R(n, a) [n] = { #n, a }
static const struct reason_desc reasons[] = {
	R(KVM_EXIT_UNKNOWN, ARCH_ANY),
	R(KVM_EXIT_EXCEPTION, ARCH_X86),
	R(KVM_EXIT_IO, ARCH_X86),
	R(KVM_EXIT_HYPERCALL, ARCH_ANY),
	R(KVM_EXIT_DEBUG, ARCH_ANY),
	R(KVM_EXIT_HLT, ARCH_X86),
	R(KVM_EXIT_MMIO, ARCH_ANY),
	R(KVM_EXIT_IRQ_WINDOW_OPEN, ARCH_X86),
	R(KVM_EXIT_SHUTDOWN, ARCH_X86),
	R(KVM_EXIT_FAIL_ENTRY, ARCH_ANY),
	R(KVM_EXIT_INTR, ARCH_ANY),
	R(KVM_EXIT_SET_TPR, ARCH_X86),
	R(KVM_EXIT_TPR_ACCESS, ARCH_X86),
	R(KVM_EXIT_S390_SIEIC, ARCH_NONE),
	R(KVM_EXIT_S390_RESET, ARCH_NONE),
	R(KVM_EXIT_DCR, ARCH_NONE),
	R(KVM_EXIT_NMI, ARCH_X86),
	R(KVM_EXIT_INTERNAL_ERROR, ARCH_ANY),
	R(KVM_EXIT_OSI, ARCH_NONE),
	R(KVM_EXIT_PAPR_HCALL, ARCH_NONE),
	R(KVM_EXIT_S390_UCONTROL, ARCH_NONE),
	R(KVM_EXIT_WATCHDOG, ARCH_NONE),
	R(KVM_EXIT_S390_TSCH, ARCH_NONE),
	R(KVM_EXIT_EPR, ARCH_NONE),
	R(KVM_EXIT_SYSTEM_EVENT, ARCH_ANY),
	R(KVM_EXIT_S390_STSI, ARCH_NONE),
	R(KVM_EXIT_IOAPIC_EOI, ARCH_X86),
	R(KVM_EXIT_HYPERV, ARCH_X86),
	R(KVM_EXIT_ARM_NISV, ARCH_ARM64),
	R(KVM_EXIT_X86_RDMSR, ARCH_X86),
	R(KVM_EXIT_X86_WRMSR, ARCH_X86),
	R(KVM_EXIT_DIRTY_RING_FULL, ARCH_ANY),
	R(KVM_EXIT_AP_RESET_HOLD, ARCH_X86),
	R(KVM_EXIT_X86_BUS_LOCK, ARCH_X86),
	R(KVM_EXIT_XEN, ARCH_X86),
	R(KVM_EXIT_RISCV_SBI, ARCH_NONE),
	R(KVM_EXIT_RISCV_CSR, ARCH_NONE),
	R(KVM_EXIT_NOTIFY, ARCH_X86),
	R(KVM_EXIT_LOONGARCH_IOCSR, ARCH_NONE),
	R(KVM_EXIT_MEMORY_FAULT, ARCH_ANY),
	R(KVM_EXIT_TDX, ARCH_X86),
};
#undef R
#define N_REASONS (sizeof(reasons) / sizeof(reasons[0]))

const char *vmm_exit_reason_name(uint32_t r)
{
	if (r < N_REASONS && reasons[r].name)
		return reasons[r].name;
	return "KVM_EXIT_?";
}

int vmm_exit_reason_known_on(uint32_t r, unsigned int arch)
{
	unsigned int bit = arch == VMM_ARCH_X86_64  ? ARCH_X86
			   : arch == VMM_ARCH_ARM64 ? ARCH_ARM64
						    : ARCH_NONE;

	return r < N_REASONS && reasons[r].name && (reasons[r].arch & bit) != 0;
}

int vmm_exit_reason_known(uint32_t r)
{
	return r < N_REASONS && reasons[r].name &&
	       (reasons[r].arch & ARCH_SELF) != 0;
}

/* Read helpers: each field is copied out of the shared page exactly once,
 * through a volatile byte copy the compiler cannot re-read or merge. */
static void rd(void *dst, const void *run, size_t off, size_t n)
{
	const volatile uint8_t *s = (const volatile uint8_t *)run + off;
	uint8_t *d = dst;

	for (size_t i = 0; i < n; i++)
		d[i] = s[i];
}

#define RD(dst, run, field) \
	rd(&(dst), (run), offsetof(struct kvm_run, field), sizeof(dst))

static int violation(struct vmm_error *e, const char *field,
		     unsigned long long value, const char *bound)
{
	vmm_err_contract(e, "kvm_run", field,
			 "kernel contract violation: %s=%llu (%s)", field,
			 value, bound);
	return -1;
}

static int decode_io(void *run, size_t mapped, struct vmm_exit_io *io,
		     struct vmm_error *e)
{
	uint64_t bytes;

	RD(io->dir, run, io.direction);
	RD(io->size, run, io.size);
	RD(io->port, run, io.port);
	RD(io->count, run, io.count);
	RD(io->data_offset, run, io.data_offset);

	if (io->dir != KVM_EXIT_IO_IN && io->dir != KVM_EXIT_IO_OUT)
		return violation(e, "io.direction", io->dir, "must be 0 or 1");
	if (io->size != 1 && io->size != 2 && io->size != 4)
		return violation(e, "io.size", io->size, "must be 1, 2 or 4");
	if (io->count < 1)
		return violation(e, "io.count", io->count, "must be >= 1");
	if (io->data_offset < sizeof(struct kvm_run) ||
	    io->data_offset > mapped)
		return violation(e, "io.data_offset", io->data_offset,
				 "must lie past struct kvm_run and inside the "
				 "mapped area");
	bytes = (uint64_t)io->size * io->count; /* <= 4 * 2^32: no overflow */
	if (bytes > mapped - io->data_offset)
		return violation(e, "io.data_offset+size*count",
				 io->data_offset + bytes,
				 "data must end inside the mapped area");
	if (bytes > VMM_EXIT_IO_DATA_MAX)
		return violation(e, "io.size*count", bytes,
				 "must fit KVM's one-page port I/O data area");
	io->bytes = (uint32_t)bytes;
	/* read once, here: a value changed later has no effect */
	if (io->dir == KVM_EXIT_IO_OUT)
		rd(io->data, run, (size_t)io->data_offset, bytes);
	else
		memset(io->data, 0, bytes);
	return 0;
}

static int decode_mmio(void *run, struct vmm_exit_mmio *m, struct vmm_error *e)
{
	RD(m->gpa, run, mmio.phys_addr);
	RD(m->len, run, mmio.len);
	RD(m->is_write, run, mmio.is_write);
	if (m->len < 1 || m->len > 8)
		return violation(e, "mmio.len", m->len, "must be 1..8");
	if (m->is_write > 1)
		return violation(e, "mmio.is_write", m->is_write,
				 "must be 0 or 1");
	if (m->gpa > UINT64_MAX - (m->len - 1))
		return violation(e, "mmio.phys_addr", m->gpa,
				 "access wraps the address space");
	if (m->is_write)
		RD(m->data, run, mmio.data);
	else
		memset(m->data, 0, sizeof(m->data));
	return 0;
}

static int decode_ndata(void *run, size_t off_code, size_t off_ndata,
			size_t off_data, const char *what,
			struct vmm_exit_ndata *n, struct vmm_error *e)
{
	char field[48];

	rd(&n->code, run, off_code, sizeof(n->code));
	rd(&n->ndata, run, off_ndata, sizeof(n->ndata));
	if (n->ndata > VMM_EXIT_MAX_NDATA) {
		(void)snprintf(field, sizeof(field), "%s.ndata", what);
		return violation(e, field, n->ndata, "must be <= 16");
	}
	memset(n->data, 0, sizeof(n->data));
	rd(n->data, run, off_data, (size_t)n->ndata * sizeof(uint64_t));
	return 0;
}

#if defined(__x86_64__)
/* KVM_EXIT_DEBUG (guest_debug record): KVM reports #DB (1) or #BP (3).
 * KVM does not write DR6 and DR7 on every path: a #BP exit leaves both
 * (VMX and SVM set exception and pc only), an emulated single-step or
 * instruction breakpoint (x86.c) leaves DR7, so those fields hold what an
 * earlier exit left in kvm_run's union (an emulation failure's instruction
 * bytes, say; in reset mode, the previous input's). A #DB's DR6 is always
 * written and is a 32-bit register; DR7 is not kept, a #BP's DR6 neither
 * (0 in the record), so that the record, the trace and its hash depend on
 * this exit alone. */
static int decode_debug(void *run, struct vmm_exit *x, struct vmm_error *e)
{
	RD(x->u.debug.exception, run, debug.arch.exception);
	RD(x->u.debug.pc, run, debug.arch.pc);
	RD(x->u.debug.dr6, run, debug.arch.dr6);
	x->u.debug.dr7 = 0;
	if (x->u.debug.exception != 1 && x->u.debug.exception != 3)
		return violation(e, "debug.arch.exception",
				 x->u.debug.exception,
				 "must be 1 (#DB) or 3 (#BP)");
	if (x->u.debug.exception == 3)
		x->u.debug.dr6 = 0;
	if (x->u.debug.dr6 >> 32)
		return violation(e, "debug.arch.dr6", x->u.debug.dr6,
				 "upper 32 bits must be 0");
	return 0;
}

/* KVM_EXIT_X86_RDMSR/WRMSR (msr_exits record): one reason bit, the
 * error byte cleared by KVM; RDMSR's data is the reply, not read. */
static int decode_msr(void *run, struct vmm_exit *x, struct vmm_error *e)
{
	RD(x->u.msr.reason, run, msr.reason);
	RD(x->u.msr.index, run, msr.index);
	RD(x->u.msr.error, run, msr.error);
	if (x->u.msr.reason != KVM_MSR_EXIT_REASON_INVAL &&
	    x->u.msr.reason != KVM_MSR_EXIT_REASON_UNKNOWN &&
	    x->u.msr.reason != KVM_MSR_EXIT_REASON_FILTER)
		return violation(e, "msr.reason", x->u.msr.reason,
				 "must be 1 (inval), 2 (unknown) or 4 "
				 "(filter)");
	if (x->u.msr.error)
		return violation(e, "msr.error", x->u.msr.error,
				 "KVM clears it before the exit");
	if (x->reason == KVM_EXIT_X86_WRMSR)
		RD(x->u.msr.data, run, msr.data);
	return 0;
}

/* KVM_EXIT_HYPERCALL (hypercall record): nr is a bit of the enable mask,
 * flags only the long-mode bit in the low half (KVM_EXIT_HYPERCALL_MBZ). */
static int decode_hypercall(void *run, struct vmm_exit *x, struct vmm_error *e)
{
	RD(x->u.hypercall.nr, run, hypercall.nr);
	RD(x->u.hypercall.args, run, hypercall.args);
	rd(&x->u.hypercall.flags, run,
	   offsetof(struct kvm_run, hypercall.longmode),
	   sizeof(x->u.hypercall.flags));
	if (x->u.hypercall.nr >= 64)
		return violation(e, "hypercall.nr", x->u.hypercall.nr,
				 "must be < 64 (a bit of the enable mask)");
	if (x->u.hypercall.flags & 0xFFFFFFFEULL)
		return violation(e, "hypercall.flags", x->u.hypercall.flags,
				 "bits 1-31 must be 0");
	return 0;
}
#endif

int vmm_exit_decode(void *run, size_t mapped, struct vmm_exit *x,
		    struct vmm_error *e)
{
	memset(x, 0, sizeof(*x));
	if (!run || mapped < sizeof(struct kvm_run)) {
		vmm_err_contract(e, "kvm_run", "mapped size",
				 "kernel contract violation: mapped kvm_run "
				 "size %zu < %zu",
				 mapped, sizeof(struct kvm_run));
		return -1;
	}
	RD(x->reason, run, exit_reason);
	if (!vmm_exit_reason_known(x->reason))
		return violation(
			e, "exit_reason", x->reason,
			"not an exit this architecture's KVM produces");

	switch (x->reason) {
	case KVM_EXIT_IO:
		return decode_io(run, mapped, &x->u.io, e);
	case KVM_EXIT_MMIO:
		return decode_mmio(run, &x->u.mmio, e);
	case KVM_EXIT_FAIL_ENTRY:
		RD(x->u.fail_entry.reason, run,
		   fail_entry.hardware_entry_failure_reason);
		RD(x->u.fail_entry.cpu, run, fail_entry.cpu);
		return 0;
	case KVM_EXIT_INTERNAL_ERROR:
		return decode_ndata(run,
				    offsetof(struct kvm_run, internal.suberror),
				    offsetof(struct kvm_run, internal.ndata),
				    offsetof(struct kvm_run, internal.data),
				    "internal", &x->u.internal, e);
	case KVM_EXIT_SYSTEM_EVENT:
		return decode_ndata(
			run, offsetof(struct kvm_run, system_event.type),
			offsetof(struct kvm_run, system_event.ndata),
			offsetof(struct kvm_run, system_event.data),
			"system_event", &x->u.system_event, e);
#if defined(__x86_64__)
	case KVM_EXIT_DEBUG:
		return decode_debug(run, x, e);
	case KVM_EXIT_X86_RDMSR:
	case KVM_EXIT_X86_WRMSR:
		return decode_msr(run, x, e);
	case KVM_EXIT_HYPERCALL:
		return decode_hypercall(run, x, e);
	case KVM_EXIT_EXCEPTION:
		RD(x->u.ex.exception, run, ex.exception);
		RD(x->u.ex.error_code, run, ex.error_code);
		return 0;
	case KVM_EXIT_IOAPIC_EOI:
		RD(x->u.eoi_vector, run, eoi.vector);
		return 0;
#endif
	case KVM_EXIT_MEMORY_FAULT: {
		/* 6.8+: { u64 flags, gpa, size } at the start of the union */
		size_t off = offsetof(struct kvm_run, hw);

		rd(&x->u.memory_fault.flags, run, off, 8);
		rd(&x->u.memory_fault.gpa, run, off + 8, 8);
		rd(&x->u.memory_fault.size, run, off + 16, 8);
		if (x->u.memory_fault.size > UINT64_MAX - x->u.memory_fault.gpa)
			return violation(e, "memory_fault.size",
					 x->u.memory_fault.size,
					 "gpa+size wraps the address space");
		return 0;
	}
	case KVM_EXIT_UNKNOWN:
		RD(x->u.hw_reason, run, hw.hardware_exit_reason);
		return 0;
	case KVM_EXIT_ARM_NISV:
		RD(x->u.arm_nisv.esr_iss, run, arm_nisv.esr_iss);
		RD(x->u.arm_nisv.fault_ipa, run, arm_nisv.fault_ipa);
		return 0;
	default:
		return 0;
	}
}

static void fmt_ndata(char *buf, size_t len, const char *head,
		      const char *codename, const struct vmm_exit_ndata *n)
{
	int off = snprintf(buf, len, "%s %s=%u ndata=%u", head, codename,
			   n->code, n->ndata);

	for (uint32_t i = 0; i < n->ndata && off > 0 && (size_t)off < len; i++)
		off += snprintf(buf + off, len - (size_t)off,
				" data[%u]=0x%llx", i,
				(unsigned long long)n->data[i]);
}

void vmm_exit_format(const struct vmm_exit *x, char *buf, size_t len)
{
	const char *n = vmm_exit_reason_name(x->reason);

	switch (x->reason) {
	case KVM_EXIT_IO:
		(void)snprintf(buf, len, "%s dir=%s port=0x%x size=%u count=%u",
			       n, x->u.io.dir == KVM_EXIT_IO_OUT ? "out" : "in",
			       x->u.io.port, x->u.io.size, x->u.io.count);
		break;
	case KVM_EXIT_MMIO: {
		uint64_t v = 0;

		for (uint32_t i = 0; i < x->u.mmio.len && i < 8; i++)
			v |= (uint64_t)x->u.mmio.data[i] << (8 * i);
		if (x->u.mmio.is_write)
			(void)snprintf(buf, len,
				       "%s write gpa=0x%llx len=%u data=0x%llx",
				       n, (unsigned long long)x->u.mmio.gpa,
				       x->u.mmio.len, (unsigned long long)v);
		else
			(void)snprintf(buf, len, "%s read gpa=0x%llx len=%u", n,
				       (unsigned long long)x->u.mmio.gpa,
				       x->u.mmio.len);
		break;
	}
	case KVM_EXIT_FAIL_ENTRY:
		(void)snprintf(buf, len,
			       "%s hardware_entry_failure_reason=0x%llx cpu=%u",
			       n, (unsigned long long)x->u.fail_entry.reason,
			       x->u.fail_entry.cpu);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		fmt_ndata(buf, len, n, "suberror", &x->u.internal);
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		fmt_ndata(buf, len, n, "type", &x->u.system_event);
		break;
	case KVM_EXIT_DEBUG:
		(void)snprintf(
			buf, len,
			"%s exception=%u pc=0x%llx dr6=0x%llx dr7=0x%llx", n,
			x->u.debug.exception, (unsigned long long)x->u.debug.pc,
			(unsigned long long)x->u.debug.dr6,
			(unsigned long long)x->u.debug.dr7);
		break;
	case KVM_EXIT_X86_RDMSR:
	case KVM_EXIT_X86_WRMSR:
		/* after the reply: RDMSR's data is the value answered */
		(void)snprintf(buf, len,
			       "%s index=0x%x reason=%u data=0x%llx error=%u",
			       n, x->u.msr.index, x->u.msr.reason,
			       (unsigned long long)x->u.msr.data,
			       x->u.msr.error);
		break;
	case KVM_EXIT_HYPERCALL:
		(void)snprintf(buf, len,
			       "%s nr=%llu args=0x%llx,0x%llx,0x%llx,0x%llx,"
			       "0x%llx,0x%llx flags=0x%llx ret=0x%llx",
			       n, (unsigned long long)x->u.hypercall.nr,
			       (unsigned long long)x->u.hypercall.args[0],
			       (unsigned long long)x->u.hypercall.args[1],
			       (unsigned long long)x->u.hypercall.args[2],
			       (unsigned long long)x->u.hypercall.args[3],
			       (unsigned long long)x->u.hypercall.args[4],
			       (unsigned long long)x->u.hypercall.args[5],
			       (unsigned long long)x->u.hypercall.flags,
			       (unsigned long long)x->u.hypercall.ret);
		break;
	case KVM_EXIT_EXCEPTION:
		(void)snprintf(buf, len, "%s exception=%u error_code=0x%x", n,
			       x->u.ex.exception, x->u.ex.error_code);
		break;
	case KVM_EXIT_MEMORY_FAULT:
		(void)snprintf(buf, len,
			       "%s flags=0x%llx gpa=0x%llx size=0x%llx", n,
			       (unsigned long long)x->u.memory_fault.flags,
			       (unsigned long long)x->u.memory_fault.gpa,
			       (unsigned long long)x->u.memory_fault.size);
		break;
	case KVM_EXIT_HLT:
		if (x->u.hlt_in_kernel)
			(void)snprintf(buf, len,
				       "%s (in-kernel LAPIC: halted in KVM, "
				       "no interrupt can wake it)",
				       n);
		else
			(void)snprintf(buf, len, "%s (exit_reason=%u)", n,
				       x->reason);
		break;
	case KVM_EXIT_IOAPIC_EOI:
		(void)snprintf(buf, len, "%s vector=%u", n, x->u.eoi_vector);
		break;
	case KVM_EXIT_UNKNOWN:
		(void)snprintf(buf, len, "%s hardware_exit_reason=0x%llx", n,
			       (unsigned long long)x->u.hw_reason);
		break;
	case KVM_EXIT_ARM_NISV:
		(void)snprintf(buf, len, "%s esr_iss=0x%llx fault_ipa=0x%llx",
			       n, (unsigned long long)x->u.arm_nisv.esr_iss,
			       (unsigned long long)x->u.arm_nisv.fault_ipa);
		break;
	default:
		(void)snprintf(buf, len, "%s (exit_reason=%u)", n, x->reason);
		break;
	}
}

uint64_t vmm_fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

void vmm_exit_copy_fields(struct vmm_exit *dst, const struct vmm_exit *src)
{
	if (src->reason == KVM_EXIT_IO) {
		dst->reason = src->reason;
		memcpy(&dst->u.io, &src->u.io,
		       offsetof(struct vmm_exit_io, data));
	} else {
		*dst = *src;
	}
}

uint64_t vmm_exit_hash(uint64_t h, const struct vmm_exit *x)
{
	h = vmm_fnv(h, &x->reason, sizeof(x->reason));
	switch (x->reason) {
	case KVM_EXIT_IO:
		h = vmm_fnv(h, &x->u.io.dir, 1);
		h = vmm_fnv(h, &x->u.io.size, 1);
		h = vmm_fnv(h, &x->u.io.port, 2);
		h = vmm_fnv(h, &x->u.io.count, 4);
		if (x->u.io.dir == KVM_EXIT_IO_OUT)
			h = vmm_fnv(h, x->u.io.data, x->u.io.bytes);
		break;
	case KVM_EXIT_MMIO:
		h = vmm_fnv(h, &x->u.mmio.gpa, 8);
		h = vmm_fnv(h, &x->u.mmio.len, 4);
		h = vmm_fnv(h, &x->u.mmio.is_write, 1);
		if (x->u.mmio.is_write)
			h = vmm_fnv(h, x->u.mmio.data, x->u.mmio.len);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		h = vmm_fnv(h, &x->u.internal.code, 4);
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		h = vmm_fnv(h, &x->u.system_event.code, 4);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		h = vmm_fnv(h, &x->u.fail_entry.reason, 8);
		break;
	case KVM_EXIT_ARM_NISV:
		h = vmm_fnv(h, &x->u.arm_nisv.fault_ipa, 8);
		break;
	case KVM_EXIT_DEBUG:
		h = vmm_fnv(h, &x->u.debug.exception, 4);
		h = vmm_fnv(h, &x->u.debug.pc, 8);
		break;
	case KVM_EXIT_X86_RDMSR:
	case KVM_EXIT_X86_WRMSR:
		h = vmm_fnv(h, &x->u.msr.index, 4);
		h = vmm_fnv(h, &x->u.msr.data, 8);
		break;
	case KVM_EXIT_HYPERCALL:
		h = vmm_fnv(h, &x->u.hypercall.nr, 8);
		h = vmm_fnv(h, x->u.hypercall.args,
			    sizeof(x->u.hypercall.args));
		break;
	case KVM_EXIT_IOAPIC_EOI:
		h = vmm_fnv(h, &x->u.eoi_vector, 1);
		break;
	default:
		break;
	}
	return h;
}

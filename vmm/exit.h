/* The single decode point for `kvm_run`.
 *
 * vmm_exit_decode() reads the shared kvm_run area (which the kernel, or a
 * hostile vCPU thread, may change at any time) field by field into local
 * copies, checks every field against its documented bound, and only then
 * produces a typed `struct vmm_exit`. Nothing else in the project reads
 * kvm_run exit fields. A bound violation is VMM_ERR_CONTRACT ("kernel
 * contract violation") naming the field and value.
 *
 * Pure: works on any byte buffer, so it is unit-tested and fuzzed without KVM.
 */
#ifndef VMM_EXIT_H
#define VMM_EXIT_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/err.h"

#define VMM_EXIT_MAX_NDATA 16 /* internal.data[] / system_event.data[] */
/* Port I/O data: KVM keeps it in one page of the vCPU mapping
 * (KVM_PIO_PAGE_OFFSET), so size*count never exceeds a page. */
#define VMM_EXIT_IO_DATA_MAX 4096U

/* A record holds no pointer into kvm_run: payloads are copied in by the
 * decoder (OUT data, MMIO write data), and replies (IN data, MMIO read
 * data) are written into the record by the devices and copied back into
 * kvm_run by vmm_vcpu_complete() before the next entry. A record stays
 * valid after its vCPU is gone. */
struct vmm_exit_io {
	uint8_t dir;  /* KVM_EXIT_IO_IN / KVM_EXIT_IO_OUT */
	uint8_t size; /* 1, 2 or 4 */
	uint16_t port;
	uint32_t count; /* >= 1 */
	uint64_t data_offset;
	uint32_t bytes; /* size*count, <= VMM_EXIT_IO_DATA_MAX */
	/* OUT: the data (copied); IN: the reply, filled by the devices */
	uint8_t data[VMM_EXIT_IO_DATA_MAX];
};

struct vmm_exit_mmio {
	uint64_t gpa;
	uint32_t len;	  /* 1..8 */
	uint8_t is_write; /* 0 or 1 */
	uint8_t data[8];  /* write: the data (copied); read: the reply */
};

struct vmm_exit_ndata {
	uint32_t code;	/* suberror / event type */
	uint32_t ndata; /* <= VMM_EXIT_MAX_NDATA */
	uint64_t data[VMM_EXIT_MAX_NDATA];
};

struct vmm_exit {
	uint32_t reason; /* KVM_EXIT_* */
	union {
		struct vmm_exit_io io;
		struct vmm_exit_mmio mmio;
		struct {
			uint64_t reason;
			uint32_t cpu;
		} fail_entry;
		struct vmm_exit_ndata internal;	    /* code = suberror */
		struct vmm_exit_ndata system_event; /* code = type */
		struct {
			uint32_t exception;
			uint64_t pc;
			uint64_t dr6; /* a #DB's; 0 for a #BP */
		} debug;
		struct {
			uint64_t flags;
			uint64_t gpa;
			uint64_t size;
		} memory_fault;
		/* x86 RDMSR/WRMSR for user space: data is the written value
		 * (WRMSR) or the reply (RDMSR); error the reply (1: #GP) */
		struct {
			uint64_t data;
			uint32_t index;
			uint32_t reason; /* one KVM_MSR_EXIT_REASON_* bit */
			uint8_t error;
		} msr;
		/* x86 KVM_CAP_EXIT_HYPERCALL: ret is the reply */
		struct {
			uint64_t nr; /* < 64: a bit of the enable mask */
			uint64_t args[6];
			uint64_t ret;
			uint64_t flags; /* KVM_EXIT_HYPERCALL_LONG_MODE */
		} hypercall;
		struct {
			uint32_t exception;
			uint32_t error_code;
		} ex;
		struct {
			uint64_t esr_iss;
			uint64_t fault_ipa;
		} arm_nisv; /* arm64: MMIO access without a valid syndrome */
		uint64_t hw_reason; /* KVM_EXIT_UNKNOWN */
		/* KVM_EXIT_HLT: 1 when the VMM found the vCPU halted in KVM
		 * (in-kernel LAPIC, KVM_GET_MP_STATE), not a KVM exit */
		uint32_t hlt_in_kernel;
		uint8_t eoi_vector; /* KVM_EXIT_IOAPIC_EOI */
	} u;
	/* Set when the VMM serviced the exit (vmm_exit_handle): 1 + the
	 * offset in the scenario's input stream of the first byte its reply
	 * took from there (an IN or MMIO read no device owns, an RDMSR, a
	 * hypercall's ret), counting on past the stream's end (open bus:
	 * where the stream would have to hold it); 0 if none. */
	uint32_t in_from;
};

/* Decode the kvm_run area `run` of `mapped_size` bytes (the size the vCPU
 * was mapped with). Returns 0, or -1 with VMM_ERR_CONTRACT in *e. */
int vmm_exit_decode(void *run, size_t mapped_size, struct vmm_exit *out,
		    struct vmm_error *e);

/* "KVM_EXIT_HLT"; "KVM_EXIT_?" for numbers outside the known table. */
const char *vmm_exit_reason_name(uint32_t reason);
/* Whether a reason number is one this architecture's KVM can produce. */
int vmm_exit_reason_known(uint32_t reason);
/* The same for architecture `arch` (enum vmm_arch), from any host. */
int vmm_exit_reason_known_on(uint32_t reason, unsigned int arch);

/* One-line description of the record with every field, for failure
 * messages and traces. */
void vmm_exit_format(const struct vmm_exit *x, char *buf, size_t len);

/* Copy a record without its I/O payload (traces keep the fields only). */
void vmm_exit_copy_fields(struct vmm_exit *dst, const struct vmm_exit *src);

/* Fold n bytes into a running 64-bit FNV-1a hash (start: VMM_HASH_INIT);
 * the trace hash, the memory hash and the spin check's state hash. */
uint64_t vmm_fnv(uint64_t h, const void *p, size_t n);

/* Fold the record's stable fields into a running 64-bit FNV-1a hash. */
uint64_t vmm_exit_hash(uint64_t h, const struct vmm_exit *x);
#define VMM_HASH_INIT 0xcbf29ce484222325ULL

#endif

/* Planted bugs: ground truth for measuring the fuzzer (docs/bugbench.md).
 *
 * Only in trees configured with -DVMM_PLANTED_BUGS=ON (presets bugbench and
 * bugbench-afl, `make bugbench`); never in the shipped binaries (the
 * `bugbench.no_planted_code` test checks the default tree's). Without the
 * option every hook below is an empty macro and vmm/planted.c is not
 * compiled.
 *
 * Each bug is a condition on what a guest makes the VMM see (exit records,
 * device register writes, vCPU state at an exit), guarded by a canary:
 * "reached" when everything but the bug's last comparison holds,
 * "triggered" when that holds too. A triggered bug prints
 *     PLANTED <id> <name>
 * on stderr and aborts, so libFuzzer and AFL++ both save the input.
 *
 * Environment (read once per process):
 *   VMM_PLANTED_DISABLE=P01,P05   these bugs are reached but never fire
 *                                 (bench/bugbench.sh restarts libFuzzer
 *                                 with the bugs it already found masked)
 *   VMM_PLANTED_LOG=FILE          append "reached <id>" / "triggered <id>"
 *                                 the first time each happens in a process
 */
#ifndef VMM_PLANTED_H
#define VMM_PLANTED_H

#ifdef VMM_PLANTED_BUGS

#include <stdint.h>

#include "vmm/limits.h"

struct vmm_devices;
struct vmm_exit;
struct vmm_vcpu;

#define VMM_PLANTED_N 13

/* Per-run state, part of struct vmm_devices (reset with it every run). */
struct vmm_planted {
	uint8_t uart_step; /* UART sequence (P05) */
	uint8_t mmio_step; /* MMIO sequence (P11) */
	uint64_t mmio_page;
	uint8_t vcpu0_halted; /* P08 */
	struct {
		uint32_t reason; /* previous exit of this vCPU, 0: none */
		uint8_t mmio_write;
		uint32_t mmio_len;
		uint64_t mmio_val;
		uint8_t echo_armed; /* P10: last exit read a stream word */
		uint16_t echo_val;
	} last[VMM_MAX_VCPUS];
};

struct vmm_planted_info {
	const char *id;	  /* "P01" */
	const char *name; /* "io-out16-magic" */
	const char *arch; /* "x86_64", "arm64" or "any" */
};

/* The table, and the process-wide canary counts. */
const struct vmm_planted_info *vmm_planted_info(unsigned int i);
uint64_t vmm_planted_reached(unsigned int i);
uint64_t vmm_planted_triggered(unsigned int i);

/* Hooks. */
void vmm_planted_uart_write(struct vmm_devices *d, unsigned int reg, uint8_t v,
			    int dlab);
void vmm_planted_exit(struct vmm_devices *d, uint32_t vcpu,
		      const struct vmm_exit *x);
void vmm_planted_vcpu_exit(struct vmm_vcpu *v, uint32_t vcpu,
			   const struct vmm_exit *x);

#define VMM_PLANTED_HOOK(call) call
#else
#define VMM_PLANTED_HOOK(call) ((void)0)
#endif

#endif

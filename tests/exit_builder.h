/* Exit records for tests that drive the VMM's exit handling (or what
 * watches it) without KVM: one call per record instead of hand-filled
 * fields. */
#ifndef VMM_TESTS_EXIT_BUILDER_H
#define VMM_TESTS_EXIT_BUILDER_H

#include <linux/kvm.h>
#include <stdint.h>
#include <string.h>

#include "vmm/exit.h"

/* A port I/O exit: `count` elements of `size` bytes at `port`, the data
 * (an OUT's) from `data`, or zeros when it is NULL. */
static inline struct vmm_exit xb_io(uint8_t dir, uint16_t port, uint8_t size,
				    uint32_t count, const uint8_t *data)
{
	struct vmm_exit x;

	memset(&x, 0, sizeof(x));
	x.reason = KVM_EXIT_IO;
	x.u.io.dir = dir;
	x.u.io.port = port;
	x.u.io.size = size;
	x.u.io.count = count;
	x.u.io.bytes = (uint32_t)size * count;
	if (data && x.u.io.bytes <= sizeof(x.u.io.data))
		memcpy(x.u.io.data, data, x.u.io.bytes);
	return x;
}

/* An MMIO exit of `len` bytes at `gpa`, a write's data from `data` (or
 * zeros). */
static inline struct vmm_exit xb_mmio(uint64_t gpa, uint32_t len,
				      uint8_t is_write, const uint8_t *data)
{
	struct vmm_exit x;

	memset(&x, 0, sizeof(x));
	x.reason = KVM_EXIT_MMIO;
	x.u.mmio.gpa = gpa;
	x.u.mmio.len = len;
	x.u.mmio.is_write = is_write;
	if (data && len <= sizeof(x.u.mmio.data))
		memcpy(x.u.mmio.data, data, len);
	return x;
}

#endif

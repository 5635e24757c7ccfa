/* Little-endian values in byte buffers (exit data, scenario records,
 * guest code): one reader and one width mask for every part that needs
 * them. */
#ifndef VMM_BYTES_H
#define VMM_BYTES_H

#include <stdint.h>

/* The value of the `n` bytes at p (n <= 8), little-endian. */
static inline uint64_t vmm_le_get(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	for (unsigned int i = n; i > 0; i--)
		v = v << 8 | p[i - 1];
	return v;
}

/* The mask of a `w`-byte value (w >= 8: all 64 bits). */
static inline uint64_t vmm_width_mask(unsigned int w)
{
	return w >= 8 ? ~0ULL : (1ULL << (8 * w)) - 1;
}

#endif

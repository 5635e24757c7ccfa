/* Guest console output and exit count captured through pipeline hooks
 * (in-process KVM tests). */
#ifndef VMM_TESTS_CAPTURE_H
#define VMM_TESTS_CAPTURE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vmm/pipeline.h"

struct capture {
	char buf[4096];
	size_t len;
	uint64_t exits_seen;
};

static inline void cap_write(void *ctx, const uint8_t *b, size_t n)
{
	struct capture *c = ctx;

	for (size_t i = 0; i < n && c->len + 1 < sizeof(c->buf); i++)
		c->buf[c->len++] = (char)b[i];
	c->buf[c->len] = '\0';
}

static inline void cap_exit(void *ctx, uint32_t vcpu, const struct vmm_exit *x)
{
	struct capture *c = ctx;

	(void)vcpu;
	(void)x;
	c->exits_seen++;
}

/* Hooks that capture into `c` (cleared). */
static inline void cap_hooks(struct vmm_hooks *h, struct capture *c)
{
	memset(c, 0, sizeof(*c));
	memset(h, 0, sizeof(*h));
	h->out.write = cap_write;
	h->out.ctx = c;
	h->on_exit = cap_exit;
	h->ctx = c;
}

#endif

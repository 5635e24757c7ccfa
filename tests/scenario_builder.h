/* Building scenarios in tests: one call per part instead of hand-filled
 * struct fields, so counts, array indices and entry points stay
 * consistent (the fields are documented in vmm/scenario.h).
 *
 *   sb_begin(&s, 2 << 20, 5000);          one RAM slot at GPA 0, 5 s limit
 *   sb_code(&s, VMM_MODE_LONG64, 0x1000, code, n);  a blob and a vCPU
 *                                                    entering it
 */
#ifndef VMM_TESTS_SCENARIO_BUILDER_H
#define VMM_TESTS_SCENARIO_BUILDER_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vmm/scenario.h"

/* An empty scenario with one RAM slot of `mem` bytes at GPA 0 (id 0) and
 * a wall-clock limit; no vCPU yet. */
static inline void sb_begin(struct vmm_scenario *s, uint64_t mem,
			    uint32_t timeout_ms)
{
	vmm_scenario_init(s);
	s->nslots = 1;
	s->slots[0].size = mem;
	s->timeout_ms = timeout_ms;
}

/* Another memory slot. */
static inline void sb_slot(struct vmm_scenario *s, uint32_t id, uint64_t gpa,
			   uint64_t size, uint32_t flags)
{
	s->slots[s->nslots++] = (struct vmm_slot_spec){
		.id = id, .gpa = gpa, .size = size, .flags = flags
	};
}

/* `len` bytes of `data` (kept by reference) at `gpa`. */
static inline void sb_blob(struct vmm_scenario *s, uint64_t gpa,
			   const void *data, size_t len)
{
	s->blobs[s->nblobs++] = (struct vmm_blob_spec){ gpa, data, len };
}

/* A vCPU in `mode` starting at `entry`; the returned spec takes register
 * and state overrides. */
static inline struct vmm_vcpu_spec *sb_vcpu(struct vmm_scenario *s,
					    uint8_t mode, uint64_t entry)
{
	struct vmm_vcpu_spec *v = &s->vcpus[s->nvcpus++];

	v->mode = mode;
	v->entry = entry;
	return v;
}

/* Code at `gpa` and a vCPU in `mode` that starts there. */
static inline struct vmm_vcpu_spec *sb_code(struct vmm_scenario *s,
					    uint8_t mode, uint64_t gpa,
					    const void *code, size_t len)
{
	sb_blob(s, gpa, code, len);
	return sb_vcpu(s, mode, gpa);
}

/* An action record fired at vCPU target 0's `when`-th exit (set
 * s->actions[k].target or .trigger after it for other forms). */
static inline void sb_action(struct vmm_scenario *s, unsigned int kind,
			     uint32_t when, uint32_t idx, uint64_t a,
			     uint64_t b)
{
	struct vmm_action_spec *p = &s->actions[s->nactions++];

	memset(p, 0, sizeof(*p));
	p->kind = (uint8_t)kind;
	p->trigger = VMM_AT_EXIT;
	p->when = when;
	p->idx = idx;
	p->a = a;
	p->b = b;
}

#endif

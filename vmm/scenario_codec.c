/* Binary scenario format, version 1 (docs/scenario-format.md).
 *
 *   header:  "KVMS" | version u8 | arch u8 | flags u16
 *   records: tag u8 | len u16 | payload[len]      (all integers little endian)
 *
 * The decoder accepts exactly the canonical encoding the encoder writes, so
 * every accepted input round-trips byte for byte. Every rejection names the
 * byte offset, the field and the bound.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vmm/scenario.h"
#include "vmm/vm.h"

enum {
	TAG_LIMITS = 0x01,  /* max_exits u32, timeout_ms u32 (required, first) */
	TAG_CONSOLE = 0x02, /* gpa u64 */
	TAG_SYSAREA = 0x03, /* gpa u64 */
	TAG_SLOT = 0x04,    /* id u16, flags u16, pages u32, gpa u64 */
	TAG_FILL = 0x05,    /* gpa u64, len u32, pattern[1..16] */
	TAG_BLOB = 0x06,    /* gpa u64, data[1..] */
	TAG_INPUT = 0x07,   /* data[0..] */
	TAG_VCPU = 0x10,    /* mode u8, entry u64 */
	TAG_REG = 0x11,     /* index u8, value u64 */
	TAG_SREG = 0x12,    /* field u8, value u64 */
	TAG_SEG = 0x13,     /* seg u8, selector u16, attrs u16, limit u32,
			     * base u64 */
	/* 0x14..0x19 reserved for x86 vCPU state added later: FPU, MSRs,
	 * CPUID, debug registers, events, LAPIC. */
	TAG_FEATURES = 0x1A, /* arm64: features u32 (KVM_ARM_VCPU_* bits) */
};

#define REC_HDR 3
#define MAX_PAYLOAD 0xFFFFU
#define SCN_MAX_EXITS VMM_SCN_MAX_EXITS
#define SCN_MAX_TIMEOUT_MS VMM_SCN_MAX_TIMEOUT_MS

static const char *tag_name(unsigned int t)
{
	switch (t) {
	case TAG_LIMITS: return "limits";
	case TAG_CONSOLE: return "console";
	case TAG_SYSAREA: return "sysarea";
	case TAG_SLOT: return "slot";
	case TAG_FILL: return "fill";
	case TAG_BLOB: return "blob";
	case TAG_INPUT: return "input";
	case TAG_VCPU: return "vcpu";
	case TAG_REG: return "reg";
	case TAG_SREG: return "sreg";
	case TAG_SEG: return "seg";
	case TAG_FEATURES: return "features";
	default: return "unknown";
	}
}

static int rej(struct vmm_error *e, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int rej(struct vmm_error *e, size_t off, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmm_err_vset(e, VMM_ERR_INPUT, "scenario decode", 0, fmt, ap);
	va_end(ap);
	vmm_err_prefix(e, "offset %zu", off);
	return -1;
}

static uint64_t le(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	for (unsigned int i = n; i > 0; i--)
		v = (v << 8) | p[i - 1];
	return v;
}

struct dec {
	const uint8_t *buf;
	size_t len;
	struct vmm_scenario *s;
	struct vmm_error *e;
	unsigned int last_tag; /* canonical order */
	int last_index;        /* within REG/SREG/SEG of one vCPU */
};

static int want_len(struct dec *d, size_t off, unsigned int tag, size_t got,
		    size_t want)
{
	if (got != want)
		return rej(d->e, off, "%s record length %zu, must be %zu",
			   tag_name(tag), got, want);
	return 0;
}

static int dec_slot(struct dec *d, size_t off, const uint8_t *p, size_t n)
{
	struct vmm_scenario *s = d->s;
	struct vmm_slot_spec sl;
	uint64_t pages;

	if (want_len(d, off, TAG_SLOT, n, 16) < 0)
		return -1;
	if (s->nslots >= VMM_MAX_SLOTS)
		return rej(d->e, off, "slot: more than %d slots", VMM_MAX_SLOTS);
	sl.id = (uint32_t)le(p, 2);
	sl.flags = (uint32_t)le(p + 2, 2);
	pages = le(p + 4, 4);
	sl.gpa = le(p + 8, 8);
	sl.size = pages * VMM_PAGE_SIZE;
	if (sl.id >= 0x8000)
		return rej(d->e, off + 3, "slot.id=%u, must be < 0x8000", sl.id);
	if (sl.flags & ~(VMM_SLOT_READONLY | VMM_SLOT_DIRTY_LOG))
		return rej(d->e, off + 5, "slot.flags=0x%x, known bits 0x3",
			   sl.flags);
	if (pages == 0 || sl.size > VMM_MAX_GUEST_MEM)
		return rej(d->e, off + 7, "slot.pages=%llu, must be 1..%llu",
			   (unsigned long long)pages,
			   VMM_MAX_GUEST_MEM / VMM_PAGE_SIZE);
	if (sl.gpa & (VMM_PAGE_SIZE - 1))
		return rej(d->e, off + 11, "slot.gpa=0x%llx, must be page "
			   "aligned", (unsigned long long)sl.gpa);
	s->slots[s->nslots++] = sl;
	return 0;
}

static int dec_fill(struct dec *d, size_t off, const uint8_t *p, size_t n)
{
	struct vmm_scenario *s = d->s;
	struct vmm_fill_spec *f;

	if (n < 13 || n > 12 + VMM_MAX_FILL_PATTERN)
		return rej(d->e, off, "fill record length %zu, must be 13..%d",
			   n, 12 + VMM_MAX_FILL_PATTERN);
	if (s->nfills >= VMM_MAX_FILLS)
		return rej(d->e, off, "fill: more than %d fills", VMM_MAX_FILLS);
	f = &s->fills[s->nfills];
	memset(f, 0, sizeof(*f));
	f->gpa = le(p, 8);
	f->len = (uint32_t)le(p + 8, 4);
	f->pattern_len = (uint8_t)(n - 12);
	memcpy(f->pattern, p + 12, f->pattern_len);
	if (f->len == 0)
		return rej(d->e, off + 11, "fill.len=0, must be >= 1");
	if (!vmm_scenario_slot_holding(s, f->gpa, f->len))
		return rej(d->e, off + 3, "fill [0x%llx, +0x%x) is not inside "
			   "one slot", (unsigned long long)f->gpa, f->len);
	s->nfills++;
	return 0;
}

static int dec_blob(struct dec *d, size_t off, const uint8_t *p, size_t n)
{
	struct vmm_scenario *s = d->s;
	struct vmm_blob_spec *b;

	if (n < 9)
		return rej(d->e, off, "blob record length %zu, must be >= 9", n);
	if (s->nblobs >= VMM_MAX_BLOBS)
		return rej(d->e, off, "blob: more than %d blobs", VMM_MAX_BLOBS);
	b = &s->blobs[s->nblobs];
	b->gpa = le(p, 8);
	b->data = p + 8;
	b->len = n - 8;
	if (!vmm_scenario_slot_holding(s, b->gpa, b->len))
		return rej(d->e, off + 3, "blob [0x%llx, +0x%llx) is not inside "
			   "one slot", (unsigned long long)b->gpa,
			   (unsigned long long)b->len);
	s->nblobs++;
	return 0;
}

static int dec_vcpu_field(struct dec *d, size_t off, unsigned int tag,
			  const uint8_t *p, size_t n)
{
	struct vmm_vcpu_spec *v = &d->s->vcpus[d->s->nvcpus - 1];
	unsigned int idx = n > 0 ? p[0] : 0; /* length checked below */
	unsigned int count = tag == TAG_REG ? vmm_arch_nregs(d->s->arch) :
			     tag == TAG_SREG ? VMM_SREG_COUNT : VMM_SEG_COUNT;

	if (tag == TAG_FEATURES) {
		if (d->s->arch != VMM_ARCH_ARM64)
			return rej(d->e, off, "features record in a %s scenario "
				   "(arm64 only)", vmm_arch_name(d->s->arch));
		if (want_len(d, off, tag, n, 4) < 0)
			return -1;
		if (tag == d->last_tag)
			return rej(d->e, off, "second features record for one "
				   "vCPU");
		v->features = (uint32_t)le(p, 4);
		if (v->features == 0 || (v->features & ~VMM_ARM64_FEAT_SETTABLE))
			return rej(d->e, off + 3, "features=0x%x, must be a "
				   "non-zero subset of 0x%x (power-off, "
				   "psci-0.2, pmu-v3)", v->features,
				   VMM_ARM64_FEAT_SETTABLE);
		return 0;
	}
	if (tag != TAG_REG && d->s->arch != VMM_ARCH_X86_64)
		return rej(d->e, off, "%s record in a %s scenario (x86 only)",
			   tag_name(tag), vmm_arch_name(d->s->arch));
	if (want_len(d, off, tag, n, tag == TAG_SEG ? 17 : 9) < 0)
		return -1;
	if (idx >= count)
		return rej(d->e, off + 3, "%s index %u, must be < %u",
			   tag_name(tag), idx, count);
	if (tag == d->last_tag && (int)idx <= d->last_index)
		return rej(d->e, off + 3, "%s index %u not above the previous "
			   "%d (canonical order)", tag_name(tag), idx,
			   d->last_index);
	d->last_index = (int)idx;
	if (tag == TAG_REG) {
		v->reg_mask |= 1ULL << idx;
		v->regs[idx] = le(p + 1, 8);
	} else if (tag == TAG_SREG) {
		uint64_t val = le(p + 1, 8);

		if ((idx == VMM_SREG_GDT_LIMIT || idx == VMM_SREG_IDT_LIMIT) &&
		    val > 0xFFFF)
			return rej(d->e, off + 4, "sreg %s=0x%llx, must be <= "
				   "0xffff", vmm_sreg_name(idx),
				   (unsigned long long)val);
		v->sreg_mask |= 1U << idx;
		v->sregs[idx] = val;
	} else {
		struct vmm_seg_spec *g = &v->segs[idx];

		g->selector = (uint16_t)le(p + 1, 2);
		g->attrs = (uint16_t)le(p + 3, 2);
		g->limit = (uint32_t)le(p + 5, 4);
		g->base = le(p + 9, 8);
		if (g->attrs & ~VMM_SEGA_KNOWN)
			return rej(d->e, off + 6, "seg %s attrs=0x%x, known bits "
				   "0x%x", vmm_seg_name(idx), g->attrs,
				   VMM_SEGA_KNOWN);
		v->seg_mask |= 1U << idx;
	}
	return 0;
}

static int dec_record(struct dec *d, size_t off, unsigned int tag,
		      const uint8_t *p, size_t n)
{
	struct vmm_scenario *s = d->s;
	int vcpu_field = tag == TAG_REG || tag == TAG_SREG || tag == TAG_SEG ||
			 tag == TAG_FEATURES;

	if (!vcpu_field && tag != TAG_VCPU &&
	    (tag < TAG_LIMITS || tag > TAG_INPUT))
		return rej(d->e, off, "unknown record tag 0x%02x", tag);
	/* Canonical order: LIMITS CONSOLE? SYSAREA? SLOT+ FILL* BLOB* INPUT?
	 * then (VCPU REG* SREG* SEG*)+ with ascending indices. */
	if (off == VMM_SCENARIO_HEADER_LEN && tag != TAG_LIMITS)
		return rej(d->e, off, "first record is %s (0x%02x), must be "
			   "limits", tag_name(tag), tag);
	if (vcpu_field) {
		if (s->nvcpus == 0)
			return rej(d->e, off, "%s record before any vcpu record",
				   tag_name(tag));
		if (tag < d->last_tag)
			return rej(d->e, off, "%s record after %s (canonical "
				   "order: reg, sreg, seg, features)", tag_name(tag),
				   tag_name(d->last_tag));
		if (tag != d->last_tag)
			d->last_index = -1;
	} else if (tag != TAG_VCPU) {
		if (s->nvcpus > 0 || tag < d->last_tag)
			return rej(d->e, off, "%s record out of canonical order "
				   "(after %s)", tag_name(tag),
				   tag_name(d->last_tag));
		if (tag == d->last_tag &&
		    (tag == TAG_LIMITS || tag == TAG_CONSOLE ||
		     tag == TAG_SYSAREA || tag == TAG_INPUT))
			return rej(d->e, off, "second %s record", tag_name(tag));
		if (tag > TAG_SLOT && s->nslots == 0)
			return rej(d->e, off, "%s record before any slot record",
				   tag_name(tag));
	}

	switch (tag) {
	case TAG_LIMITS:
		if (want_len(d, off, tag, n, 8) < 0)
			return -1;
		s->max_exits = le(p, 4);
		s->timeout_ms = (uint32_t)le(p + 4, 4);
		if (s->max_exits < 1 || s->max_exits > SCN_MAX_EXITS)
			return rej(d->e, off + 3, "limits.max_exits=%llu, must "
				   "be 1..%u", (unsigned long long)s->max_exits,
				   SCN_MAX_EXITS);
		if (s->timeout_ms < 1 || s->timeout_ms > SCN_MAX_TIMEOUT_MS)
			return rej(d->e, off + 7, "limits.timeout_ms=%u, must be "
				   "1..%u", s->timeout_ms, SCN_MAX_TIMEOUT_MS);
		break;
	case TAG_CONSOLE:
		if (want_len(d, off, tag, n, 8) < 0)
			return -1;
		s->mmio_console = 1;
		s->mmio_console_gpa = le(p, 8);
		break;
	case TAG_SYSAREA:
		if (s->arch != VMM_ARCH_X86_64)
			return rej(d->e, off, "sysarea record in a %s scenario "
				   "(x86 only: GDT and page tables)",
				   vmm_arch_name(s->arch));
		if (want_len(d, off, tag, n, 8) < 0)
			return -1;
		s->sys_fixed = 1;
		s->sys_gpa = le(p, 8);
		if (s->sys_gpa & (VMM_PAGE_SIZE - 1))
			return rej(d->e, off + 3, "sysarea.gpa=0x%llx, must be "
				   "page aligned", (unsigned long long)s->sys_gpa);
		break;
	case TAG_SLOT:
		if (dec_slot(d, off, p, n) < 0)
			return -1;
		break;
	case TAG_FILL:
		if (dec_fill(d, off, p, n) < 0)
			return -1;
		break;
	case TAG_BLOB:
		if (dec_blob(d, off, p, n) < 0)
			return -1;
		break;
	case TAG_INPUT:
		s->has_input = 1;
		s->input = p;
		s->input_len = (uint32_t)n;
		break;
	case TAG_VCPU:
		if (want_len(d, off, tag, n, 9) < 0)
			return -1;
		if (s->nslots == 0)
			return rej(d->e, off, "vcpu record before any slot");
		if (s->nvcpus >= VMM_MAX_VCPUS)
			return rej(d->e, off, "vcpu: more than %d vCPUs",
				   VMM_MAX_VCPUS);
		if (p[0] >= vmm_arch_nmodes(s->arch))
			return rej(d->e, off + 3, "vcpu.mode=%u, must be < %u "
				   "(%s)", p[0], vmm_arch_nmodes(s->arch),
				   vmm_arch_name(s->arch));
		memset(&s->vcpus[s->nvcpus], 0, sizeof(s->vcpus[0]));
		s->vcpus[s->nvcpus].mode = p[0];
		s->vcpus[s->nvcpus].entry = le(p + 1, 8);
		s->nvcpus++;
		d->last_index = -1;
		break;
	default: /* reg, sreg, seg: the only tags left (checked above) */
		if (dec_vcpu_field(d, off, tag, p, n) < 0)
			return -1;
		break;
	}
	d->last_tag = tag;
	return 0;
}

int vmm_scenario_decode(const uint8_t *buf, size_t len, struct vmm_scenario *s,
			struct vmm_error *e)
{
	struct dec d;
	size_t off;

	vmm_scenario_init(s);
	if (!buf || len < VMM_SCENARIO_HEADER_LEN)
		return rej(e, 0, "%zu bytes, shorter than the %d-byte header",
			   buf ? len : 0, VMM_SCENARIO_HEADER_LEN);
	if (len > VMM_SCENARIO_MAX_BYTES)
		return rej(e, 0, "%zu bytes, more than the %u-byte limit", len,
			   VMM_SCENARIO_MAX_BYTES);
	if (memcmp(buf, VMM_SCENARIO_MAGIC, 4) != 0)
		return rej(e, 0, "bad magic (want \"KVMS\")");
	if (buf[4] != VMM_SCENARIO_VERSION)
		return rej(e, 4, "version=%u, this decoder reads version %d",
			   buf[4], VMM_SCENARIO_VERSION);
	if (buf[5] != VMM_ARCH_X86_64 && buf[5] != VMM_ARCH_ARM64)
		return rej(e, 5, "arch=%u, must be 1 (x86_64) or 2 (arm64)",
			   buf[5]);
	s->arch = buf[5];
	s->flags = (uint16_t)le(buf + 6, 2);
	if (s->flags & ~VMM_SCN_KNOWN_FLAGS)
		return rej(e, 6, "flags=0x%x, known bits 0x%x", s->flags,
			   VMM_SCN_KNOWN_FLAGS);
	s->mmio_console = 0;

	memset(&d, 0, sizeof(d));
	d.buf = buf;
	d.len = len;
	d.s = s;
	d.e = e;
	d.last_index = -1;
	for (off = VMM_SCENARIO_HEADER_LEN; off < len;) {
		unsigned int tag;
		size_t n;

		if (len - off < REC_HDR)
			return rej(e, off, "truncated record header (%zu bytes "
				   "left)", len - off);
		tag = buf[off];
		n = (size_t)le(buf + off + 1, 2);
		if (n > len - off - REC_HDR)
			return rej(e, off + 1, "%s record length %zu runs past "
				   "the end (%zu bytes left)", tag_name(tag), n,
				   len - off - REC_HDR);
		if (dec_record(&d, off, tag, buf + off + REC_HDR, n) < 0)
			return -1;
		off += REC_HDR + n;
	}
	if (d.last_tag == 0)
		return rej(e, len, "no limits record");
	if (s->nslots == 0)
		return rej(e, len, "no slot record");
	if (s->nvcpus == 0)
		return rej(e, len, "no vcpu record");
	if (vmm_scenario_validate(s, e) < 0) {
		vmm_err_prefix(e, "offset %zu", len);
		return -1;
	}
	return 0;
}

/* ---- encoder ------------------------------------------------------------ */

struct enc {
	uint8_t *out;
	size_t cap;
	size_t pos;
	int bad;
};

static void put(struct enc *w, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++, w->pos++)
		if (w->pos < w->cap)
			w->out[w->pos] = (uint8_t)(v >> (8 * i));
}

static void put_bytes(struct enc *w, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++, w->pos++)
		if (w->pos < w->cap)
			w->out[w->pos] = p[i];
}

static void rec(struct enc *w, unsigned int tag, size_t n)
{
	if (n > MAX_PAYLOAD)
		w->bad = 1;
	put(w, tag, 1);
	put(w, n, 2);
}

size_t vmm_scenario_encode(const struct vmm_scenario *s, uint8_t *out,
			   size_t cap, struct vmm_error *e)
{
	struct enc w = { out, out ? cap : 0, 0, 0 };

	if (vmm_scenario_validate(s, e) < 0)
		return 0;
	if (s->max_exits < 1 || s->max_exits > SCN_MAX_EXITS ||
	    s->timeout_ms < 1 || s->timeout_ms > SCN_MAX_TIMEOUT_MS) {
		vmm_err_set(e, VMM_ERR_INPUT, "scenario encode", 0,
			    "limits max_exits=%llu timeout_ms=%u outside the "
			    "scenario bounds 1..%u / 1..%u",
			    (unsigned long long)s->max_exits, s->timeout_ms,
			    SCN_MAX_EXITS, SCN_MAX_TIMEOUT_MS);
		return 0;
	}
	put_bytes(&w, (const uint8_t *)VMM_SCENARIO_MAGIC, 4);
	put(&w, VMM_SCENARIO_VERSION, 1);
	put(&w, s->arch, 1);
	put(&w, s->flags, 2);
	rec(&w, TAG_LIMITS, 8);
	put(&w, s->max_exits, 4);
	put(&w, s->timeout_ms, 4);
	if (s->mmio_console) {
		rec(&w, TAG_CONSOLE, 8);
		put(&w, s->mmio_console_gpa, 8);
	}
	if (s->sys_fixed) {
		rec(&w, TAG_SYSAREA, 8);
		put(&w, s->sys_gpa, 8);
	}
	for (uint32_t i = 0; i < s->nslots; i++) {
		rec(&w, TAG_SLOT, 16);
		put(&w, s->slots[i].id, 2);
		put(&w, s->slots[i].flags, 2);
		put(&w, s->slots[i].size / VMM_PAGE_SIZE, 4);
		put(&w, s->slots[i].gpa, 8);
	}
	for (uint32_t i = 0; i < s->nfills; i++) {
		rec(&w, TAG_FILL, 12 + (size_t)s->fills[i].pattern_len);
		put(&w, s->fills[i].gpa, 8);
		put(&w, s->fills[i].len, 4);
		put_bytes(&w, s->fills[i].pattern, s->fills[i].pattern_len);
	}
	for (uint32_t i = 0; i < s->nblobs; i++) {
		if (s->blobs[i].len > MAX_PAYLOAD - 8)
			w.bad = 1;
		rec(&w, TAG_BLOB, 8 + (size_t)s->blobs[i].len);
		put(&w, s->blobs[i].gpa, 8);
		put_bytes(&w, s->blobs[i].data, (size_t)s->blobs[i].len);
	}
	if (s->has_input) {
		rec(&w, TAG_INPUT, s->input_len);
		put_bytes(&w, s->input, s->input_len);
	}
	for (uint32_t i = 0; i < s->nvcpus; i++) {
		const struct vmm_vcpu_spec *v = &s->vcpus[i];

		rec(&w, TAG_VCPU, 9);
		put(&w, (uint64_t)v->mode, 1);
		put(&w, v->entry, 8);
		for (unsigned int r = 0; r < VMM_MAX_REGS; r++)
			if (v->reg_mask & (1ULL << r)) {
				rec(&w, TAG_REG, 9);
				put(&w, r, 1);
				put(&w, v->regs[r], 8);
			}
		for (unsigned int r = 0; r < VMM_SREG_COUNT; r++)
			if (v->sreg_mask & (1U << r)) {
				rec(&w, TAG_SREG, 9);
				put(&w, r, 1);
				put(&w, v->sregs[r], 8);
			}
		for (unsigned int g = 0; g < VMM_SEG_COUNT; g++)
			if (v->seg_mask & (1U << g)) {
				rec(&w, TAG_SEG, 17);
				put(&w, g, 1);
				put(&w, v->segs[g].selector, 2);
				put(&w, v->segs[g].attrs, 2);
				put(&w, v->segs[g].limit, 4);
				put(&w, v->segs[g].base, 8);
			}
		if (v->features) {
			rec(&w, TAG_FEATURES, 4);
			put(&w, v->features, 4);
		}
	}
	if (w.bad || w.pos > VMM_SCENARIO_MAX_BYTES) {
		vmm_err_set(e, VMM_ERR_INPUT, "scenario encode", 0,
			    "a record exceeds 65535 bytes or the encoding "
			    "exceeds %u bytes", VMM_SCENARIO_MAX_BYTES);
		return 0;
	}
	return w.pos;
}

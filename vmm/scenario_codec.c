/* Binary scenario format, version 1 (docs/scenario-format.md).
 *
 *   header:  "KVMS" | version u8 | arch u8 | flags u16
 *   records: tag u8 | len u16 | payload[len]      (all integers little endian)
 *
 * The records, their fields and bounds are the schema's
 * (vmm/scenario_schema.c); this file walks it. The decoder accepts exactly
 * the canonical encoding the encoder writes, so every accepted input
 * round-trips byte for byte. Every rejection names the byte offset, the
 * field and the bound.
 */
#include <stdio.h>
#include <string.h>

#include "vmm/bytes.h"
#include "vmm/scenario.h"
#include "vmm/scenario_schema.h"
#include "vmm/vm.h"

static const char *tag_name(unsigned int tag)
{
	const struct scn_record *r = scn_by_tag(tag);

	return r ? r->name : "unknown";
}

struct dec {
	struct scn_ctx c;
	unsigned int last_tag; /* canonical order */
	int last_index;	       /* within an indexed record of one vCPU */
	unsigned int seen[SCN_MAX_RECORDS]; /* decoded, by table position */
};

/* The payload length a record must have: fixed fields, plus its bytes. */
static int dec_len(struct dec *d, const struct scn_record *r, size_t n)
{
	size_t fixed = r->kind == SCN_INDEXED, lo = 0, hi = 0;
	int var = 0;

	for (unsigned int i = 0; i < r->nfields; i++) {
		const struct scn_field *f = &r->fields[i];

		if (f->fmt == SCN_BYTES) {
			var = 1;
			lo = (size_t)f->lo;
			hi = (size_t)f->hi;
		} else {
			fixed += f->wire;
		}
	}
	if (!var && n != fixed)
		return scn_fail(&d->c, 0, "%s record length %zu, must be %zu",
				r->name, n, fixed);
	if (var && hi && (n < fixed + lo || n > fixed + hi))
		return scn_fail(&d->c, 0,
				"%s record length %zu, must be "
				"%zu..%zu",
				r->name, n, fixed + lo, fixed + hi);
	if (var && !hi && lo && n < fixed + lo)
		return scn_fail(&d->c, 0,
				"%s record length %zu, must be >= %zu", r->name,
				n, fixed + lo);
	return 0;
}

/* A field's wire value against its bound; `at` is its record offset. */
static int dec_bound(struct dec *d, const struct scn_record *r,
		     const struct scn_field *f, unsigned int idx, uint64_t v,
		     size_t at)
{
	unsigned long long x = v, lo = f->lo, hi = f->hi;
	char n[64];

	if (r->kind != SCN_INDEXED)
		(void)snprintf(n, sizeof(n), "%s.%s", r->name,
			       f->wname ? f->wname : f->key);
	else if (r->nfields == 1)
		(void)snprintf(n, sizeof(n), "%s %s", r->name,
			       r->idx_name(d->c.s->arch, idx));
	else
		(void)snprintf(n, sizeof(n), "%s %s %s", r->name,
			       r->idx_name(d->c.s->arch, idx), f->key);
	switch (f->check) {
	case SCN_RANGE:
		if (v < lo || v > hi)
			return scn_fail(&d->c, at,
					"%s=%llu, must be %llu..%llu", n, x, lo,
					hi);
		break;
	case SCN_BELOW:
		if (v >= hi)
			return scn_fail(&d->c, at, "%s=%llu, must be < 0x%llx",
					n, x, hi);
		break;
	case SCN_MASK:
		if (v & ~hi)
			return scn_fail(&d->c, at,
					"%s=0x%llx, known bits 0x%llx", n, x,
					hi);
		break;
	case SCN_ALIGN:
		if (v & (VMM_PAGE_SIZE - 1))
			return scn_fail(&d->c, at,
					"%s=0x%llx, must be page "
					"aligned",
					n, x);
		break;
	case SCN_MIN:
		if (v < lo)
			return scn_fail(&d->c, at, "%s=%llu, must be >= %llu",
					n, x, lo);
		break;
	default:
		break;
	}
	return 0;
}

static int dec_fields(struct dec *d, const struct scn_record *r, void *elem,
		      unsigned int idx, const uint8_t *p, size_t n)
{
	size_t at = r->kind == SCN_INDEXED;

	for (unsigned int i = 0; i < r->nfields; i++) {
		const struct scn_field *f = &r->fields[i];
		uint64_t v;

		if (f->fmt == SCN_BYTES) { /* the rest; length checked */
			scn_set_bytes(f, elem, p + at, n - at);
			continue;
		}
		v = vmm_le_get(p + at, f->wire);
		if (dec_bound(d, r, f, idx, v, SCN_REC_HDR + at) < 0)
			return -1;
		scn_set(elem, f->off, f->mem, v * (f->scale ? f->scale : 1));
		at += f->wire;
	}
	return 0;
}

/* Canonical order: limits console? sysarea? slot+ fill* blob* input?, then
 * per vCPU: vcpu, its per-vCPU records in tag order, indices ascending. */
static int dec_order(struct dec *d, const struct scn_record *r)
{
	struct vmm_scenario *s = d->c.s;
	unsigned int tag = r->tag;

	if (scn_per_vcpu(r)) {
		char order[128] = ""; /* the per-vCPU records, truncated */
		size_t o = 0;

		if (s->nvcpus == 0)
			return scn_fail(&d->c, 0,
					"%s record before any vcpu "
					"record",
					r->name);
		if (tag < d->last_tag) {
			for (unsigned int i = 0;
			     i < scn_nrecords && o < sizeof(order); i++)
				if (scn_per_vcpu(&scn_records[i]))
					o += (size_t)snprintf(
						order + o, sizeof(order) - o,
						"%s%s", o ? ", " : "",
						scn_records[i].name);
			return scn_fail(&d->c, 0,
					"%s record after %s (canonical "
					"order: %s)",
					r->name, tag_name(d->last_tag), order);
		}
		if (tag != d->last_tag)
			d->last_index = -1;
	} else if (r->kind != SCN_VCPU) {
		if (s->nvcpus > 0 || tag < d->last_tag)
			return scn_fail(&d->c, 0,
					"%s record out of canonical "
					"order (after %s)",
					r->name, tag_name(d->last_tag));
		if (tag == d->last_tag && r->kind == SCN_ONCE)
			return scn_fail(&d->c, 0, "second %s record", r->name);
		if ((r->flags & SCN_NEED_SLOT) && s->nslots == 0)
			return scn_fail(&d->c, 0,
					"%s record before any slot "
					"record",
					r->name);
	}
	return 0;
}

static int dec_record(struct dec *d, size_t off, unsigned int tag,
		      const uint8_t *p, size_t n)
{
	const struct scn_record *r = scn_by_tag(tag);
	struct vmm_scenario *s = d->c.s;
	unsigned int idx = 0, v = s->nvcpus ? s->nvcpus - 1 : 0;
	void *elem;

	d->c.off = off;
	if (!r)
		return scn_fail(&d->c, 0, "unknown record tag 0x%02x", tag);
	if (off == VMM_SCENARIO_HEADER_LEN && r != &scn_records[0])
		return scn_fail(&d->c, 0,
				"first record is %s (0x%02x), must be "
				"%s",
				r->name, tag, scn_records[0].name);
	if (dec_order(d, r) < 0)
		return -1;
	if (r->arch && s->arch != r->arch)
		return scn_fail(&d->c, 0, "%s record in a %s scenario (%s)",
				r->name, vmm_arch_name(s->arch), r->arch_note);
	if (dec_len(d, r, n) < 0 || (r->dec_pre && r->dec_pre(&d->c) < 0))
		return -1;
	if ((r->kind == SCN_LIST || r->kind == SCN_VCPU) &&
	    scn_count(r, s) >= r->cap)
		return scn_fail(&d->c, 0, "%s: more than %u %s", r->name,
				(unsigned int)r->cap, r->plural);
	if (r->kind == SCN_VCPU_LIST && scn_vcount(r, s, v) >= r->cap)
		return scn_fail(&d->c, 0, "%s: more than %u %s", r->name,
				(unsigned int)r->cap, r->plural);
	if (r->kind == SCN_VCPU_ONCE && tag == d->last_tag)
		return scn_fail(&d->c, 0, "second %s record for one vCPU",
				r->name);
	if (r->kind == SCN_INDEXED) {
		unsigned int count = r->nidx(s->arch);

		idx = p[0];
		if (idx >= count)
			return scn_fail(&d->c, SCN_REC_HDR,
					"%s index %u, must "
					"be < %u",
					r->name, idx, count);
		if (tag == d->last_tag && (int)idx <= d->last_index)
			return scn_fail(&d->c, SCN_REC_HDR,
					"%s index %u not "
					"above the previous %d (canonical "
					"order)",
					r->name, idx, d->last_index);
		d->last_index = (int)idx;
	}
	if (r->kind == SCN_VCPU_LIST)
		idx = scn_vcount(r, s, v);
	elem = scn_elem(r, s, v,
			r->kind == SCN_INDEXED || r->kind == SCN_VCPU_LIST
				? idx
				: scn_count(r, s));
	if (r->kind == SCN_LIST || r->kind == SCN_VCPU ||
	    r->kind == SCN_VCPU_LIST)
		memset(elem, 0, r->stride);
	if (dec_fields(d, r, elem, idx, p, n) < 0 ||
	    (r->dec_check && r->dec_check(&d->c, elem, idx) < 0))
		return -1;
	if (r->kind == SCN_ONCE && r->present != SCN_NONE)
		scn_set(s, r->present, sizeof(int), 1);
	else if (r->kind == SCN_LIST || r->kind == SCN_VCPU)
		scn_set(s, r->count, sizeof(uint32_t), scn_count(r, s) + 1);
	else if (r->kind == SCN_VCPU_LIST)
		scn_set(&s->vcpus[v], r->count, sizeof(uint32_t), idx + 1);
	else if (r->kind == SCN_VCPU_ONCE && r->vpresent)
		scn_set(&s->vcpus[v], r->vpresent, sizeof(uint32_t), 1);
	else if (r->kind == SCN_INDEXED)
		scn_set(&s->vcpus[v], r->mask, r->mask_mem,
			scn_get(&s->vcpus[v], r->mask, r->mask_mem) |
				1ULL << idx);
	d->seen[r - scn_records]++;
	d->last_tag = tag;
	return 0;
}

int vmm_scenario_decode(const uint8_t *buf, size_t len, struct vmm_scenario *s,
			struct vmm_error *e)
{
	struct dec d;
	size_t off;

	vmm_scenario_init(s);
	memset(&d, 0, sizeof(d));
	d.c.s = s;
	d.c.e = e;
	d.last_index = -1;
	if (!buf || len < VMM_SCENARIO_HEADER_LEN)
		return scn_fail(&d.c, 0,
				"%zu bytes, shorter than the %d-byte "
				"header",
				buf ? len : 0, VMM_SCENARIO_HEADER_LEN);
	if (len > VMM_SCENARIO_MAX_BYTES)
		return scn_fail(&d.c, 0,
				"%zu bytes, more than the %u-byte "
				"limit",
				len, VMM_SCENARIO_MAX_BYTES);
	if (memcmp(buf, VMM_SCENARIO_MAGIC, 4) != 0)
		return scn_fail(&d.c, 0, "bad magic (want \"KVMS\")");
	if (buf[4] != VMM_SCENARIO_VERSION)
		return scn_fail(&d.c, 4,
				"version=%u, this decoder reads version "
				"%d",
				buf[4], VMM_SCENARIO_VERSION);
	if (buf[5] != VMM_ARCH_X86_64 && buf[5] != VMM_ARCH_ARM64)
		return scn_fail(&d.c, 5,
				"arch=%u, must be 1 (x86_64) or 2 "
				"(arm64)",
				buf[5]);
	s->arch = buf[5];
	s->flags = (uint16_t)vmm_le_get(buf + 6, 2);
	if (s->flags & ~VMM_SCN_KNOWN_FLAGS)
		return scn_fail(&d.c, 6, "flags=0x%x, known bits 0x%x",
				s->flags, VMM_SCN_KNOWN_FLAGS);
	s->mmio_console = 0;

	for (off = VMM_SCENARIO_HEADER_LEN; off < len;) {
		unsigned int tag;
		size_t n;

		d.c.off = 0;
		if (len - off < SCN_REC_HDR)
			return scn_fail(&d.c, off,
					"truncated record header (%zu "
					"bytes left)",
					len - off);
		tag = buf[off];
		n = (size_t)vmm_le_get(buf + off + 1, 2);
		if (n > len - off - SCN_REC_HDR)
			return scn_fail(&d.c, off + 1,
					"%s record length %zu runs "
					"past the end (%zu bytes left)",
					tag_name(tag), n,
					len - off - SCN_REC_HDR);
		if (dec_record(&d, off, tag, buf + off + SCN_REC_HDR, n) < 0)
			return -1;
		off += SCN_REC_HDR + n;
	}
	d.c.off = 0;
	for (unsigned int i = 0; i < scn_nrecords; i++)
		if ((scn_records[i].flags & SCN_REQUIRED) && !d.seen[i])
			return scn_fail(&d.c, len, "no %s record",
					scn_records[i].name);
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

static void enc_record(void *arg, const struct scn_record *r, const void *elem,
		       unsigned int idx)
{
	struct enc *w = arg;
	size_t fixed = r->kind == SCN_INDEXED, bytes = 0;

	for (unsigned int i = 0; i < r->nfields; i++) {
		const struct scn_field *f = &r->fields[i];

		if (f->fmt != SCN_BYTES) {
			fixed += f->wire;
			continue;
		}
		bytes = (size_t)scn_get(elem, f->len_off, f->len_mem);
		if (bytes > SCN_MAX_PAYLOAD - fixed)
			w->bad = 1;
	}
	put(w, r->tag, 1);
	put(w, fixed + bytes, 2);
	if (r->kind == SCN_INDEXED)
		put(w, idx, 1);
	for (unsigned int i = 0; i < r->nfields; i++) {
		const struct scn_field *f = &r->fields[i];

		if (f->fmt == SCN_BYTES)
			put_bytes(w, scn_bytes(f, elem), bytes);
		else
			put(w,
			    scn_get(elem, f->off, f->mem) /
				    (f->scale ? f->scale : 1),
			    f->wire);
	}
}

size_t vmm_scenario_encode(const struct vmm_scenario *s, uint8_t *out,
			   size_t cap, struct vmm_error *e)
{
	struct enc w = { out, out ? cap : 0, 0, 0 };

	if (vmm_scenario_validate(s, e) < 0)
		return 0;
	for (unsigned int i = 0; i < scn_nrecords; i++)
		if (scn_records[i].enc_check &&
		    scn_records[i].enc_check(s, e) < 0)
			return 0;
	put_bytes(&w, (const uint8_t *)VMM_SCENARIO_MAGIC, 4);
	put(&w, VMM_SCENARIO_VERSION, 1);
	put(&w, s->arch, 1);
	put(&w, s->flags, 2);
	scn_walk(s, enc_record, &w);
	if (w.bad || w.pos > VMM_SCENARIO_MAX_BYTES) {
		vmm_err_set(e, VMM_ERR_INPUT, "scenario encode", 0,
			    "a record exceeds 65535 bytes or the encoding "
			    "exceeds %u bytes",
			    VMM_SCENARIO_MAX_BYTES);
		return 0;
	}
	return w.pos;
}

/* Text form of a scenario: one record per line, `name key=value ...`.
 * `vmm decode` prints it, `vmm encode` reads it; see docs/scenario-format.md.
 * Blank lines and lines starting with '#' are ignored. The records and
 * their keys are the schema's (vmm/scenario_schema.c); this file walks it. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/num.h"
#include "vmm/scenario.h"
#include "vmm/scenario_schema.h"

/* ---- formatting ---------------------------------------------------------- */

static void print_value(struct scn_ctx *c, const struct scn_field *f,
			const void *elem, unsigned int arch)
{
	static const char digits[] = "0123456789abcdef";
	uint64_t v = f->fmt == SCN_BYTES ? 0 : scn_get(elem, f->off, f->mem);
	const uint8_t *p;
	uint64_t n;

	switch (f->fmt) {
	case SCN_DEC:
		scn_print(c, "%llu", (unsigned long long)v);
		break;
	case SCN_HEX:
		scn_print(c, "0x%llx", (unsigned long long)v);
		break;
	case SCN_WORD:
		scn_print(c, "%s", f->word_name(arch, v));
		break;
	default:
		p = scn_bytes(f, elem);
		n = scn_get(elem, f->len_off, f->len_mem);
		for (uint64_t i = 0; i < n; i++) {
			char two[3] = { digits[p[i] >> 4], digits[p[i] & 15],
					0 };

			scn_print(c, "%s", two);
		}
		break;
	}
}

/* The i-th field of r in text order. */
static const struct scn_field *tfield(const struct scn_record *r,
				      unsigned int i)
{
	return &r->fields[r->torder ? r->torder[i] : i];
}

static void print_record(void *arg, const struct scn_record *r,
			 const void *elem, unsigned int idx)
{
	struct scn_ctx *c = arg;

	scn_print(c, "%s", r->name);
	if (r->txt_print) {
		r->txt_print(c, elem);
	} else {
		if (r->kind == SCN_INDEXED)
			scn_print(c, " %s", r->idx_name(c->s->arch, idx));
		for (unsigned int i = 0; i < r->nfields; i++) {
			const struct scn_field *f = tfield(r, i);

			if (r->kind == SCN_INDEXED && r->nfields == 1)
				scn_print(c, "=");
			else
				scn_print(c, " %s=", f->key);
			print_value(c, f, elem, c->s->arch);
		}
	}
	scn_print(c, "\n");
}

size_t vmm_scenario_format_text(const struct vmm_scenario *s, char *out,
				size_t cap)
{
	struct scn_ctx c;

	memset(&c, 0, sizeof(c));
	c.s = (struct vmm_scenario *)s;
	c.out = out;
	c.cap = cap;
	scn_print(&c, "kvms version=%d arch=%s flags=%s\n",
		  VMM_SCENARIO_VERSION, vmm_arch_name(s->arch),
		  (s->flags & VMM_SCN_PERMISSIVE) ? "permissive" : "none");
	scn_walk(s, print_record, &c);
	return c.pos;
}

/* ---- parsing --------------------------------------------------------------- */

#define MAX_TOKENS (SCN_MAX_FIELDS + 2)
#define MAX_LINE 300000

struct line {
	unsigned int no;
	char *tok[MAX_TOKENS]; /* tok[0] = record name; others key=value */
	unsigned int ntok;
};

struct parser {
	struct scn_ctx c;
	uint8_t *arena;
	size_t arena_cap, arena_used;
	int seen_header;
	unsigned int seen[SCN_MAX_RECORDS]; /* by table position */
};

static int perr(struct parser *p, const struct line *l, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int perr(struct parser *p, const struct line *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmm_err_vset(p->c.e, VMM_ERR_INPUT, "scenario text", 0, fmt, ap);
	va_end(ap);
	vmm_err_prefix(p->c.e, "line %u", l->no);
	return -1;
}

/* Value of key `k` in the line; NULL if absent. */
static const char *val(const struct line *l, const char *k)
{
	size_t kl = strlen(k);

	for (unsigned int i = 1; i < l->ntok; i++)
		if (strncmp(l->tok[i], k, kl) == 0 && l->tok[i][kl] == '=')
			return l->tok[i] + kl + 1;
	return NULL;
}

/* Every token after the name must be one of `keys`, each at most once:
 * val() would read the first of two and silently drop the other. */
static int only_keys(struct parser *p, const struct line *l,
		     const char *const *keys, unsigned int nkeys)
{
	for (unsigned int i = 1; i < l->ntok; i++) {
		const char *key = NULL;
		size_t kl = 0;

		for (unsigned int k = 0; k < nkeys && !key; k++) {
			kl = strlen(keys[k]);
			if (strncmp(l->tok[i], keys[k], kl) == 0 &&
			    l->tok[i][kl] == '=')
				key = keys[k];
		}
		if (!key)
			return perr(p, l, "unexpected '%.60s' in %s record",
				    l->tok[i], l->tok[0]);
		for (unsigned int j = 1; j < i; j++)
			if (strncmp(l->tok[j], key, kl) == 0 &&
			    l->tok[j][kl] == '=')
				return perr(p, l,
					    "duplicate key '%s' in %s "
					    "record",
					    key, l->tok[0]);
	}
	return 0;
}

static int num(struct parser *p, const struct line *l, const char *k,
	       uint64_t max, uint64_t *out)
{
	const char *v = val(l, k);

	*out = 0;
	if (!v)
		return perr(p, l, "%s record needs %s=", l->tok[0], k);
	if (vmm_num_parse(v, out) < 0 || *out > max)
		return perr(p, l, "%s=%.40s is not a number in 0..0x%llx", k, v,
			    (unsigned long long)max);
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode hex into the arena (or into `dst` when non-NULL, max `dmax`). */
static int hex(struct parser *p, const struct line *l, const char *k,
	       uint8_t *dst, size_t dmax, const uint8_t **out, size_t *n)
{
	const char *v = val(l, k);
	size_t len, bytes;
	uint8_t *w;

	*n = 0;
	if (!v)
		return perr(p, l, "%s record needs %s=", l->tok[0], k);
	len = strlen(v);
	if (len % 2)
		return perr(p, l, "%s has an odd number of hex digits", k);
	bytes = len / 2;
	if (dst) {
		if (bytes > dmax)
			return perr(p, l, "%s has %zu bytes, at most %zu", k,
				    bytes, dmax);
		w = dst;
	} else {
		if (bytes > p->arena_cap - p->arena_used)
			return perr(p, l, "%s: data exceeds %zu bytes in all",
				    k, p->arena_cap);
		w = p->arena ? p->arena + p->arena_used : NULL;
		p->arena_used += bytes;
	}
	for (size_t i = 0; w && i < bytes; i++) { /* w: NULL only if 0 bytes */
		int hi = hexval((unsigned char)v[2 * i]);
		int lo = hexval((unsigned char)v[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return perr(p, l, "%s: '%c%c' is not hex", k, v[2 * i],
				    v[2 * i + 1]);
		w[i] = (uint8_t)(hi << 4 | lo);
	}
	if (out)
		*out = w;
	*n = bytes;
	return 0;
}

/* The record's keys (text order) and values: numbers and bytes first, then,
 * when `words`, the names. Values land in `elem`. */
static int parse_fields(struct parser *p, const struct line *l,
			const struct scn_record *r, void *elem, int words)
{
	for (unsigned int i = 0; i < r->nfields; i++) {
		const struct scn_field *f = tfield(r, i);
		uint64_t v = 0;

		if ((f->fmt == SCN_WORD) != words)
			continue;
		if (f->fmt == SCN_WORD) {
			if (f->word_parse(&p->c, val(l, f->key), &v) < 0)
				return -1;
		} else if (f->fmt == SCN_BYTES) {
			uint8_t *at = (uint8_t *)elem + f->off;
			const uint8_t *data = NULL;
			size_t n = 0;

			if (hex(p, l, f->key, f->mem ? at : NULL, f->mem, &data,
				&n) < 0)
				return -1;
			scn_set_bytes(f, elem, data, n);
			continue;
		} else if (num(p, l, f->key,
			       f->tmax ? f->tmax
				       : UINT64_MAX >> (64 - 8 * f->wire),
			       &v) < 0) {
			return -1;
		}
		scn_set(elem, f->off, f->mem, v);
	}
	return 0;
}

static int parse_keys(struct parser *p, const struct line *l,
		      const struct scn_record *r)
{
	const char *keys[SCN_MAX_FIELDS];

	for (unsigned int i = 0; i < r->nfields; i++)
		keys[i] = r->fields[i].key;
	return only_keys(p, l, keys, r->nfields);
}

/* A second once-record, or one more than a list holds. */
static int parse_count(struct parser *p, const struct line *l,
		       const struct scn_record *r)
{
	if (r->kind == SCN_ONCE && p->seen[r - scn_records])
		return perr(p, l, "second %s record", r->name);
	if (r->kind != SCN_ONCE && scn_count(r, p->c.s) >= r->cap)
		return perr(p, l, "more than %u %s", (unsigned int)r->cap,
			    r->plural);
	return 0;
}

static int parse_index(struct parser *p, const struct line *l,
		       const struct scn_record *r, const char *name,
		       unsigned int *idx)
{
	unsigned int arch = p->c.s->arch;

	for (*idx = 0; *idx < r->nidx(arch); (*idx)++)
		if (!strcmp(name, r->idx_name(arch, *idx)))
			return 0;
	if (r->idx_noun)
		return perr(p, l, "unknown %s %s name '%.40s'",
			    vmm_arch_name(arch), r->idx_noun, name);
	return perr(p, l, "unknown %s name '%.40s'", r->name, name);
}

/* "reg NAME=VALUE" (one value), or "seg NAME key=value..." */
static int parse_indexed(struct parser *p, const struct line *l,
			 const struct scn_record *r, struct vmm_vcpu_spec *vcpu)
{
	uint64_t tmp[SCN_MAX_ELEM / 8];
	unsigned int idx = 0;

	memset(tmp, 0, sizeof(tmp));
	if (r->nfields == 1) {
		char key[32];
		const char *eq;

		if (l->ntok != 2 || !(eq = strchr(l->tok[1], '=')) ||
		    (size_t)(eq - l->tok[1]) >= sizeof(key))
			return perr(p, l, "%s record wants exactly NAME=VALUE",
				    l->tok[0]);
		memcpy(key, l->tok[1], (size_t)(eq - l->tok[1]));
		key[eq - l->tok[1]] = '\0';
		if (vmm_num_parse(eq + 1, tmp) < 0)
			return perr(p, l, "%s: '%.40s' is not a number", key,
				    eq + 1);
		if (parse_index(p, l, r, key, &idx) < 0)
			return -1;
	} else {
		struct line rest = *l;

		if (l->ntok < 2)
			return perr(p, l, "%s needs a name", r->name);
		if (parse_index(p, l, r, l->tok[1], &idx) < 0)
			return -1;
		rest.ntok = l->ntok - 1;
		for (unsigned int i = 2; i < l->ntok; i++)
			rest.tok[i - 1] = l->tok[i];
		if (parse_keys(p, &rest, r) < 0 ||
		    parse_fields(p, &rest, r, tmp, 0) < 0)
			return -1;
	}
	if (scn_has(r, p->c.s, p->c.s->nvcpus - 1, idx))
		return perr(p, l, "second %s %s line for this vcpu", r->name,
			    r->idx_name(p->c.s->arch, idx));
	scn_set(vcpu, r->mask, r->mask_mem,
		scn_get(vcpu, r->mask, r->mask_mem) | 1ULL << idx);
	memcpy(scn_elem(r, p->c.s, p->c.s->nvcpus - 1, idx), tmp, r->stride);
	return 0;
}

/* "msr index=... value=...": the next element of a per-vCPU list, with
 * the record's own checks (order) as in the binary form. */
static int parse_vlist(struct parser *p, const struct line *l,
		       const struct scn_record *r, unsigned int v)
{
	struct vmm_scenario *s = p->c.s;
	unsigned int n = scn_vcount(r, s, v);
	void *elem;

	if (r->arch && s->arch != r->arch)
		return perr(p, l, "%s record in a %s scenario (%s)", r->name,
			    vmm_arch_name(s->arch), r->arch_note);
	if (n >= r->cap)
		return perr(p, l, "more than %u %s", (unsigned int)r->cap,
			    r->plural);
	elem = scn_elem(r, s, v, n);
	memset(elem, 0, r->stride);
	if (parse_keys(p, l, r) < 0 || parse_fields(p, l, r, elem, 0) < 0 ||
	    parse_fields(p, l, r, elem, 1) < 0 ||
	    (r->dec_check && r->dec_check(&p->c, elem, n) < 0) ||
	    (r->txt_check && r->txt_check(&p->c, elem) < 0))
		return -1;
	scn_set(&s->vcpus[v], r->count, sizeof(uint32_t), n + 1);
	return 0;
}

/* "debugregs dr0=... dr7=...": members of the vCPU, once, every key. */
static int parse_vonce(struct parser *p, const struct line *l,
		       const struct scn_record *r, unsigned int v)
{
	struct vmm_scenario *s = p->c.s;

	if (r->arch && s->arch != r->arch)
		return perr(p, l, "%s record in a %s scenario (%s)", r->name,
			    vmm_arch_name(s->arch), r->arch_note);
	if (scn_has(r, s, v, 0))
		return perr(p, l, "second %s line for this vcpu", r->name);
	if (parse_keys(p, l, r) < 0 ||
	    parse_fields(p, l, r, &s->vcpus[v], 0) < 0 ||
	    parse_fields(p, l, r, &s->vcpus[v], 1) < 0 ||
	    (r->txt_check && r->txt_check(&p->c, &s->vcpus[v]) < 0))
		return -1;
	if (r->vpresent)
		scn_set(&s->vcpus[v], r->vpresent, sizeof(uint32_t), 1);
	return 0;
}

static int parse_record(struct parser *p, const struct line *l,
			const struct scn_record *r)
{
	struct vmm_scenario *s = p->c.s;
	uint64_t tmp[SCN_MAX_ELEM / 8];
	void *elem = s;

	if (scn_per_vcpu(r)) {
		if (s->nvcpus == 0)
			return perr(p, l, "%s record before any vcpu record",
				    l->tok[0]);
		if (r->txt_parse)
			return r->txt_parse(&p->c, &s->vcpus[s->nvcpus - 1]);
		if (r->kind == SCN_VCPU_LIST)
			return parse_vlist(p, l, r, s->nvcpus - 1);
		if (r->kind == SCN_VCPU_ONCE)
			return parse_vonce(p, l, r, s->nvcpus - 1);
		return parse_indexed(p, l, r, &s->vcpus[s->nvcpus - 1]);
	}
	if (r->kind != SCN_ONCE) { /* a new element, kept aside until done */
		elem = tmp;
		memset(tmp, 0, sizeof(tmp));
	}
	if ((!(r->flags & SCN_TXT_LATE) && parse_count(p, l, r) < 0) ||
	    parse_keys(p, l, r) < 0 || parse_fields(p, l, r, elem, 0) < 0 ||
	    ((r->flags & SCN_TXT_LATE) && parse_count(p, l, r) < 0) ||
	    parse_fields(p, l, r, elem, 1) < 0 ||
	    (r->txt_check && r->txt_check(&p->c, elem) < 0))
		return -1;
	if (r->kind == SCN_ONCE && r->present != SCN_NONE)
		scn_set(s, r->present, sizeof(int), 1);
	if (r->kind != SCN_ONCE) {
		memcpy(scn_elem(r, s, 0, scn_count(r, s)), tmp, r->stride);
		scn_set(s, r->count, sizeof(uint32_t), scn_count(r, s) + 1);
	}
	p->seen[r - scn_records]++;
	return 0;
}

static int parse_header(struct parser *p, const struct line *l)
{
	static const char *const keys[] = { "version", "arch", "flags" };
	const char *arch = val(l, "arch"), *flags = val(l, "flags");
	uint64_t ver = 0;

	if (p->seen_header)
		return perr(p, l, "second kvms header line");
	if (only_keys(p, l, keys, 3) < 0 || num(p, l, "version", 255, &ver) < 0)
		return -1;
	if (ver != VMM_SCENARIO_VERSION)
		return perr(p, l, "version %llu, this VMM writes version %d",
			    (unsigned long long)ver, VMM_SCENARIO_VERSION);
	if (!arch ||
	    (strcmp(arch, "x86_64") != 0 && strcmp(arch, "arm64") != 0))
		return perr(p, l, "arch must be x86_64 or arm64");
	if (p->c.s->nvcpus > 0)
		return perr(p, l, "the header must come before any vcpu line");
	p->c.s->arch =
		strcmp(arch, "arm64") != 0 ? VMM_ARCH_X86_64 : VMM_ARCH_ARM64;
	if (!flags ||
	    (strcmp(flags, "none") != 0 && strcmp(flags, "permissive") != 0))
		return perr(p, l, "flags must be none or permissive");
	p->c.s->flags = strcmp(flags, "none") != 0 ? VMM_SCN_PERMISSIVE : 0;
	p->seen_header = 1;
	return 0;
}

static int parse_line(struct parser *p, const struct line *l)
{
	const struct scn_record *r;

	p->c.line = l->no;
	p->c.tok = l->tok;
	p->c.ntok = l->ntok;
	if (!strcmp(l->tok[0], "kvms"))
		return parse_header(p, l);
	if (!p->seen_header)
		return perr(p, l, "the first record must be the kvms header");
	r = scn_by_name(l->tok[0]);
	if (!r)
		return perr(p, l, "unknown record '%.40s'", l->tok[0]);
	return parse_record(p, l, r);
}

int vmm_scenario_parse_text(const char *text, size_t len, uint8_t *arena,
			    size_t arena_cap, struct vmm_scenario *s,
			    struct vmm_error *e)
{
	struct parser p;
	char *buf;
	size_t pos = 0;
	unsigned int lineno = 0;
	int rc = -1;

	vmm_scenario_init(s);
	memset(&p, 0, sizeof(p));
	p.c.s = s;
	p.c.e = e;
	p.arena = arena;
	p.arena_cap = arena ? arena_cap : 0;
	buf = malloc(MAX_LINE + 1);
	if (!buf) {
		vmm_err_set(e, VMM_ERR_NOMEM, "malloc", 0, "out of memory");
		return -1;
	}
	while (pos < len) {
		struct line l;
		size_t n = 0;
		char *save = NULL, *t;

		memset(&l, 0, sizeof(l));
		l.no = ++lineno;
		while (pos < len && text[pos] != '\n') {
			if (n >= MAX_LINE) {
				(void)perr(&p, &l, "line longer than %d bytes",
					   MAX_LINE);
				goto out;
			}
			if (text[pos] == '\0') {
				(void)perr(&p, &l, "NUL byte in text");
				goto out;
			}
			buf[n++] = text[pos++];
		}
		pos++; /* the newline */
		buf[n] = '\0';
		if (n && buf[n - 1] == '\r')
			buf[--n] = '\0';
		for (t = strtok_r(buf, " \t", &save); t;
		     t = strtok_r(NULL, " \t", &save)) {
			if (t[0] == '#')
				break;
			if (l.ntok >= MAX_TOKENS) {
				(void)perr(&p, &l, "too many fields");
				goto out;
			}
			l.tok[l.ntok++] = t;
		}
		if (l.ntok == 0)
			continue;
		if (parse_line(&p, &l) < 0)
			goto out;
	}
	if (!p.seen_header) {
		vmm_err_set(e, VMM_ERR_INPUT, "scenario text", 0,
			    "missing kvms line");
		goto out;
	}
	for (unsigned int i = 0; i < scn_nrecords; i++)
		if (scn_records[i].kind == SCN_ONCE &&
		    (scn_records[i].flags & SCN_REQUIRED) && !p.seen[i]) {
			vmm_err_set(e, VMM_ERR_INPUT, "scenario text", 0,
				    "missing %s line", scn_records[i].name);
			goto out;
		}
	rc = vmm_scenario_validate(s, e);
out:
	free(buf);
	return rc;
}

/* Text form of a scenario: one record per line, `name key=value ...`.
 * `vmm decode` prints it, `vmm encode` reads it; see docs/scenario-format.md.
 * Blank lines and lines starting with '#' are ignored. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/num.h"
#include "vmm/scenario.h"
#include "vmm/vm.h"

/* ---- formatting ---------------------------------------------------------- */

struct tbuf {
	char *out;
	size_t cap;
	size_t pos;
};

static void tput(struct tbuf *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void tput(struct tbuf *t, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	for (int i = 0; i < n && i < (int)sizeof(tmp) - 1; i++, t->pos++)
		if (t->pos + 1 < t->cap)
			t->out[t->pos] = tmp[i];
	if (t->cap)
		t->out[t->pos < t->cap ? t->pos : t->cap - 1] = '\0';
}

static void thex(struct tbuf *t, const uint8_t *p, uint64_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (uint64_t i = 0; i < n; i++) {
		char two[3] = { digits[p[i] >> 4], digits[p[i] & 15], 0 };

		tput(t, "%s", two);
	}
}

static const char *slot_flags(uint32_t f)
{
	switch (f) {
	case 0: return "none";
	case VMM_SLOT_READONLY: return "readonly";
	case VMM_SLOT_DIRTY_LOG: return "dirty_log";
	default: return "readonly,dirty_log";
	}
}

size_t vmm_scenario_format_text(const struct vmm_scenario *s, char *out,
				size_t cap)
{
	struct tbuf t = { out, cap, 0 };

	tput(&t, "kvms version=%d arch=%s flags=%s\n", VMM_SCENARIO_VERSION,
	     vmm_arch_name(s->arch),
	     (s->flags & VMM_SCN_PERMISSIVE) ? "permissive" : "none");
	tput(&t, "limits max_exits=%llu timeout_ms=%u\n",
	     (unsigned long long)s->max_exits, s->timeout_ms);
	if (s->mmio_console)
		tput(&t, "console gpa=0x%llx\n",
		     (unsigned long long)s->mmio_console_gpa);
	if (s->sys_fixed)
		tput(&t, "sysarea gpa=0x%llx\n", (unsigned long long)s->sys_gpa);
	for (uint32_t i = 0; i < s->nslots; i++)
		tput(&t, "slot id=%u gpa=0x%llx size=0x%llx flags=%s\n",
		     s->slots[i].id, (unsigned long long)s->slots[i].gpa,
		     (unsigned long long)s->slots[i].size,
		     slot_flags(s->slots[i].flags));
	for (uint32_t i = 0; i < s->nfills; i++) {
		tput(&t, "fill gpa=0x%llx len=0x%x pattern=",
		     (unsigned long long)s->fills[i].gpa, s->fills[i].len);
		thex(&t, s->fills[i].pattern, s->fills[i].pattern_len);
		tput(&t, "\n");
	}
	for (uint32_t i = 0; i < s->nblobs; i++) {
		tput(&t, "blob gpa=0x%llx data=",
		     (unsigned long long)s->blobs[i].gpa);
		thex(&t, s->blobs[i].data, s->blobs[i].len);
		tput(&t, "\n");
	}
	if (s->has_input) {
		tput(&t, "input data=");
		thex(&t, s->input, s->input_len);
		tput(&t, "\n");
	}
	for (uint32_t i = 0; i < s->nvcpus; i++) {
		const struct vmm_vcpu_spec *v = &s->vcpus[i];

		const char *mode = vmm_arch_mode_name(s->arch, v->mode);

		tput(&t, "vcpu mode=%s entry=0x%llx\n", mode ? mode : "?",
		     (unsigned long long)v->entry);
		for (unsigned int r = 0; r < VMM_MAX_REGS; r++) {
			const char *rn = vmm_arch_reg_name(s->arch, r);

			if ((v->reg_mask & (1ULL << r)) && rn)
				tput(&t, "reg %s=0x%llx\n", rn,
				     (unsigned long long)v->regs[r]);
		}
		for (unsigned int r = 0; r < VMM_SREG_COUNT; r++)
			if (v->sreg_mask & (1U << r))
				tput(&t, "sreg %s=0x%llx\n", vmm_sreg_name(r),
				     (unsigned long long)v->sregs[r]);
		for (unsigned int g = 0; g < VMM_SEG_COUNT; g++)
			if (v->seg_mask & (1U << g))
				tput(&t, "seg %s selector=0x%x attrs=0x%x "
				     "limit=0x%x base=0x%llx\n", vmm_seg_name(g),
				     v->segs[g].selector, v->segs[g].attrs,
				     v->segs[g].limit,
				     (unsigned long long)v->segs[g].base);
		if (v->features) {
			const char *sep = "";

			tput(&t, "features ");
			for (unsigned int b = 0; b < 32; b++) {
				const char *fn = vmm_arm64_feature_name(b);

				if (!(v->features & (1U << b)))
					continue;
				if (fn)
					tput(&t, "%s%s", sep, fn);
				else
					tput(&t, "%sbit%u", sep, b);
				sep = ",";
			}
			tput(&t, "\n");
		}
	}
	return t.pos;
}

/* ---- parsing --------------------------------------------------------------- */

#define MAX_TOKENS 8
#define MAX_LINE 300000

struct line {
	unsigned int no;
	char *tok[MAX_TOKENS]; /* tok[0] = record name; others key=value */
	unsigned int ntok;
};

struct parser {
	struct vmm_scenario *s;
	uint8_t *arena;
	size_t arena_cap, arena_used;
	struct vmm_error *e;
	int seen_header, seen_limits;
};

static int perr(struct parser *p, const struct line *l, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int perr(struct parser *p, const struct line *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmm_err_vset(p->e, VMM_ERR_INPUT, "scenario text", 0, fmt, ap);
	va_end(ap);
	vmm_err_prefix(p->e, "line %u", l->no);
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

/* Every token after the name must be one of `keys` (NULL-terminated), each
 * at most once: val() would read the first of two and silently drop the
 * other. */
static int only_keys(struct parser *p, const struct line *l,
		     const char *const *keys)
{
	for (unsigned int i = 1; i < l->ntok; i++) {
		const char *key = NULL;
		size_t kl = 0;

		for (const char *const *k = keys; *k && !key; k++) {
			kl = strlen(*k);
			if (strncmp(l->tok[i], *k, kl) == 0 &&
			    l->tok[i][kl] == '=')
				key = *k;
		}
		if (!key)
			return perr(p, l, "unexpected '%.60s' in %s record",
				    l->tok[i], l->tok[0]);
		for (unsigned int j = 1; j < i; j++)
			if (strncmp(l->tok[j], key, kl) == 0 &&
			    l->tok[j][kl] == '=')
				return perr(p, l, "duplicate key '%s' in %s "
					    "record", key, l->tok[0]);
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
			return perr(p, l, "%s: data exceeds %zu bytes in all", k,
				    p->arena_cap);
		w = p->arena ? p->arena + p->arena_used : NULL;
		p->arena_used += bytes;
	}
	for (size_t i = 0; i < bytes; i++) {
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

static struct vmm_vcpu_spec *cur_vcpu(struct parser *p, const struct line *l)
{
	if (p->s->nvcpus == 0) {
		(void)perr(p, l, "%s record before any vcpu record", l->tok[0]);
		return NULL;
	}
	return &p->s->vcpus[p->s->nvcpus - 1];
}

static int parse_named(struct parser *p, const struct line *l, const char *k,
		       const char *(*name_of)(unsigned int), unsigned int count,
		       unsigned int *idx)
{
	for (unsigned int i = 0; i < count; i++)
		if (strcmp(k, name_of(i)) == 0) {
			*idx = i;
			return 0;
		}
	return perr(p, l, "unknown %s name '%.40s'", l->tok[0], k);
}

static int rec_header(struct parser *p, const struct line *l)
{
	static const char *const keys[] = { "version", "arch", "flags", NULL };
	const char *arch = val(l, "arch"), *flags = val(l, "flags");
	uint64_t ver = 0;

	if (p->seen_header)
		return perr(p, l, "second kvms header line");
	if (only_keys(p, l, keys) < 0 || num(p, l, "version", 255, &ver) < 0)
		return -1;
	if (ver != VMM_SCENARIO_VERSION)
		return perr(p, l, "version %llu, this VMM writes version %d",
			    (unsigned long long)ver, VMM_SCENARIO_VERSION);
	if (!arch || (strcmp(arch, "x86_64") != 0 && strcmp(arch, "arm64") != 0))
		return perr(p, l, "arch must be x86_64 or arm64");
	if (p->s->nvcpus > 0)
		return perr(p, l, "the header must come before any vcpu line");
	p->s->arch = strcmp(arch, "arm64") != 0 ? VMM_ARCH_X86_64 :
						  VMM_ARCH_ARM64;
	if (!flags ||
	    (strcmp(flags, "none") != 0 && strcmp(flags, "permissive") != 0))
		return perr(p, l, "flags must be none or permissive");
	p->s->flags = strcmp(flags, "none") != 0 ? VMM_SCN_PERMISSIVE : 0;
	p->seen_header = 1;
	return 0;
}

static int rec_slot(struct parser *p, const struct line *l)
{
	static const char *const keys[] = { "id", "gpa", "size", "flags", NULL };
	struct vmm_scenario *s = p->s;
	const char *f = val(l, "flags");
	uint64_t id = 0, gpa = 0, size = 0;

	if (only_keys(p, l, keys) < 0 || num(p, l, "id", 0x7fff, &id) < 0 ||
	    num(p, l, "gpa", UINT64_MAX, &gpa) < 0 ||
	    num(p, l, "size", VMM_MAX_GUEST_MEM, &size) < 0)
		return -1;
	if (s->nslots >= VMM_MAX_SLOTS)
		return perr(p, l, "more than %d slots", VMM_MAX_SLOTS);
	if (!f)
		return perr(p, l, "slot record needs flags=");
	if (!strcmp(f, "none"))
		s->slots[s->nslots].flags = 0;
	else if (!strcmp(f, "readonly"))
		s->slots[s->nslots].flags = VMM_SLOT_READONLY;
	else if (!strcmp(f, "dirty_log"))
		s->slots[s->nslots].flags = VMM_SLOT_DIRTY_LOG;
	else if (!strcmp(f, "readonly,dirty_log"))
		s->slots[s->nslots].flags = VMM_SLOT_READONLY |
					    VMM_SLOT_DIRTY_LOG;
	else
		return perr(p, l, "slot flags '%.40s' (none, readonly, "
			    "dirty_log, readonly,dirty_log)", f);
	s->slots[s->nslots].id = (uint32_t)id;
	s->slots[s->nslots].gpa = gpa;
	s->slots[s->nslots].size = size;
	s->nslots++;
	return 0;
}

static int rec_vcpu_field(struct parser *p, const struct line *l)
{
	struct vmm_vcpu_spec *v = cur_vcpu(p, l);
	char key[32];
	const char *eq;
	unsigned int idx = 0;
	uint64_t value;

	if (!v)
		return -1;
	if (!strcmp(l->tok[0], "seg")) {
		static const char *const keys[] = { "selector", "attrs", "limit",
						    "base", NULL };
		struct line rest = *l;
		uint64_t sel = 0, attrs = 0, lim = 0, base = 0;

		if (l->ntok < 2 || parse_named(p, l, l->tok[1], vmm_seg_name,
					       VMM_SEG_COUNT, &idx) < 0)
			return l->ntok < 2 ? perr(p, l, "seg needs a name") : -1;
		rest.tok[1] = l->tok[0];
		rest.ntok = l->ntok - 1;
		for (unsigned int i = 2; i < l->ntok; i++)
			rest.tok[i - 1] = l->tok[i];
		if (only_keys(p, &rest, keys) < 0 ||
		    num(p, &rest, "selector", 0xFFFF, &sel) < 0 ||
		    num(p, &rest, "attrs", VMM_SEGA_KNOWN, &attrs) < 0 ||
		    num(p, &rest, "limit", 0xFFFFFFFFULL, &lim) < 0 ||
		    num(p, &rest, "base", UINT64_MAX, &base) < 0)
			return -1;
		if (v->seg_mask & (1U << idx))
			return perr(p, l, "second seg %s line for this vcpu",
				    vmm_seg_name(idx));
		v->seg_mask |= 1U << idx;
		v->segs[idx].selector = (uint16_t)sel;
		v->segs[idx].attrs = (uint16_t)attrs;
		v->segs[idx].limit = (uint32_t)lim;
		v->segs[idx].base = base;
		return 0;
	}
	if (l->ntok != 2 || !(eq = strchr(l->tok[1], '=')) ||
	    (size_t)(eq - l->tok[1]) >= sizeof(key))
		return perr(p, l, "%s record wants exactly NAME=VALUE", l->tok[0]);
	memcpy(key, l->tok[1], (size_t)(eq - l->tok[1]));
	key[eq - l->tok[1]] = '\0';
	if (vmm_num_parse(eq + 1, &value) < 0)
		return perr(p, l, "%s: '%.40s' is not a number", key, eq + 1);
	if (!strcmp(l->tok[0], "reg")) {
		int ri = vmm_arch_reg_index(p->s->arch, key);

		if (ri < 0)
			return perr(p, l, "unknown %s register name '%.40s'",
				    vmm_arch_name(p->s->arch), key);
		idx = (unsigned int)ri;
		if (v->reg_mask & (1ULL << idx))
			return perr(p, l, "second reg %s line for this vcpu", key);
		v->reg_mask |= 1ULL << idx;
		v->regs[idx] = value;
	} else {
		if (parse_named(p, l, key, vmm_sreg_name, VMM_SREG_COUNT,
				&idx) < 0)
			return -1;
		if (v->sreg_mask & (1U << idx))
			return perr(p, l, "second sreg %s line for this vcpu",
				    key);
		v->sreg_mask |= 1U << idx;
		v->sregs[idx] = value;
	}
	return 0;
}

/* "features psci-0.2,pmu-v3": arm64 vCPU features, by name. */
static int rec_features(struct parser *p, const struct line *l)
{
	struct vmm_vcpu_spec *v = cur_vcpu(p, l);
	char bad[48];
	uint32_t f;

	if (!v)
		return -1;
	if (p->s->arch != VMM_ARCH_ARM64)
		return perr(p, l, "features are arm64 only");
	if (l->ntok != 2)
		return perr(p, l, "features wants one comma-separated list");
	if (v->features)
		return perr(p, l, "second features line for this vcpu");
	switch (vmm_arm64_features_parse(l->tok[1], &f, bad, sizeof(bad))) {
	case 0:
		break;
	case VMM_FEATURES_MALFORMED:
		return perr(p, l, "malformed feature list '%.40s'", bad);
	default:
		return perr(p, l, "unknown or unsettable arm64 feature '%s' "
			    "(power-off, psci-0.2, pmu-v3)", bad);
	}
	v->features = f;
	return 0;
}

static int rec_dispatch(struct parser *p, const struct line *l)
{
	struct vmm_scenario *s = p->s;
	const char *n = l->tok[0];
	uint64_t a = 0, b = 0;
	size_t len = 0;

	if (!strcmp(n, "kvms"))
		return rec_header(p, l);
	if (!p->seen_header)
		return perr(p, l, "the first record must be the kvms header");
	if (!strcmp(n, "limits")) {
		static const char *const keys[] = { "max_exits", "timeout_ms",
						    NULL };

		if (p->seen_limits)
			return perr(p, l, "second limits record");
		if (only_keys(p, l, keys) < 0 ||
		    num(p, l, "max_exits", VMM_SCN_MAX_EXITS, &a) < 0 ||
		    num(p, l, "timeout_ms", VMM_SCN_MAX_TIMEOUT_MS, &b) < 0)
			return -1;
		if (a == 0 || b == 0)
			return perr(p, l, "max_exits and timeout_ms must be >= 1");
		s->max_exits = a;
		s->timeout_ms = (uint32_t)b;
		p->seen_limits = 1;
		return 0;
	}
	if (!strcmp(n, "console") || !strcmp(n, "sysarea")) {
		static const char *const keys[] = { "gpa", NULL };

		if (only_keys(p, l, keys) < 0 ||
		    num(p, l, "gpa", UINT64_MAX, &a) < 0)
			return -1;
		if (n[0] == 'c' ? s->mmio_console : s->sys_fixed)
			return perr(p, l, "second %s record", n);
		if (n[0] == 'c') {
			s->mmio_console = 1;
			s->mmio_console_gpa = a;
		} else {
			s->sys_fixed = 1;
			s->sys_gpa = a;
		}
		return 0;
	}
	if (!strcmp(n, "slot"))
		return rec_slot(p, l);
	if (!strcmp(n, "fill")) {
		static const char *const keys[] = { "gpa", "len", "pattern",
						    NULL };
		struct vmm_fill_spec *f = &s->fills[s->nfills];

		if (s->nfills >= VMM_MAX_FILLS)
			return perr(p, l, "more than %d fills", VMM_MAX_FILLS);
		if (only_keys(p, l, keys) < 0 ||
		    num(p, l, "gpa", UINT64_MAX, &a) < 0 ||
		    num(p, l, "len", 0xFFFFFFFFULL, &b) < 0 ||
		    hex(p, l, "pattern", f->pattern, VMM_MAX_FILL_PATTERN, NULL,
			&len) < 0)
			return -1;
		f->gpa = a;
		f->len = (uint32_t)b;
		f->pattern_len = (uint8_t)len;
		s->nfills++;
		return 0;
	}
	if (!strcmp(n, "blob")) {
		static const char *const keys[] = { "gpa", "data", NULL };
		struct vmm_blob_spec *bl = &s->blobs[s->nblobs];

		if (s->nblobs >= VMM_MAX_BLOBS)
			return perr(p, l, "more than %d blobs", VMM_MAX_BLOBS);
		if (only_keys(p, l, keys) < 0 ||
		    num(p, l, "gpa", UINT64_MAX, &a) < 0 ||
		    hex(p, l, "data", NULL, 0, &bl->data, &len) < 0)
			return -1;
		bl->gpa = a;
		bl->len = len;
		s->nblobs++;
		return 0;
	}
	if (!strcmp(n, "input")) {
		static const char *const keys[] = { "data", NULL };

		if (s->has_input)
			return perr(p, l, "second input record");
		if (only_keys(p, l, keys) < 0 ||
		    hex(p, l, "data", NULL, 0, &s->input, &len) < 0)
			return -1;
		s->has_input = 1;
		s->input_len = (uint32_t)len;
		return 0;
	}
	if (!strcmp(n, "vcpu")) {
		static const char *const keys[] = { "mode", "entry", NULL };
		const char *m = val(l, "mode");
		struct vmm_vcpu_spec *v = &s->vcpus[s->nvcpus];
		int mode;

		if (s->nvcpus >= VMM_MAX_VCPUS)
			return perr(p, l, "more than %d vCPUs", VMM_MAX_VCPUS);
		if (only_keys(p, l, keys) < 0 ||
		    num(p, l, "entry", UINT64_MAX, &a) < 0)
			return -1;
		mode = vmm_arch_mode_parse(s->arch, m);
		if (mode < 0)
			return perr(p, l, "unknown mode '%.40s' (%s)",
				    m ? m : "", vmm_arch_name(s->arch));
		memset(v, 0, sizeof(*v));
		v->mode = (uint8_t)mode;
		v->entry = a;
		s->nvcpus++;
		return 0;
	}
	if (!strcmp(n, "reg") || !strcmp(n, "sreg") || !strcmp(n, "seg"))
		return rec_vcpu_field(p, l);
	if (!strcmp(n, "features"))
		return rec_features(p, l);
	return perr(p, l, "unknown record '%.40s'", n);
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
	p.s = s;
	p.arena = arena;
	p.arena_cap = arena ? arena_cap : 0;
	p.e = e;
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
		if (rec_dispatch(&p, &l) < 0)
			goto out;
	}
	if (!p.seen_header || !p.seen_limits) {
		vmm_err_set(e, VMM_ERR_INPUT, "scenario text", 0,
			    "missing %s line", p.seen_header ? "limits" : "kvms");
		goto out;
	}
	rc = vmm_scenario_validate(s, e);
out:
	free(buf);
	return rc;
}

/* Scenario codec (no KVM): the binary decoder and encoder, equality and the
 * text form.
 *
 * Inputs are built byte by byte (header, then records: tag u8, len u16 LE,
 * payload), starting from a minimal valid scenario. Every accepted input must
 * re-encode to exactly its own bytes; every rejected one must fail with
 * VMM_ERR_INPUT and a message that starts with "offset N:" and names the
 * field. Decoding always runs on an exact-size heap copy, so sanitizers catch
 * any read past the end.
 */
#include "tests/check.h"
#include "vmm/scenario.h"
#include "vmm/scenario_schema.h"
#include "vmm/vm.h"
#include "vmm/x86/layout.h"
#include "vmm/x86/mode.h"
#include "vmm/x86/regs.h"

/* Record tags (docs/scenario-format.md). */
enum {
	T_LIMITS = 0x01,
	T_CONSOLE = 0x02,
	T_SYSAREA = 0x03,
	T_SLOT = 0x04,
	T_FILL = 0x05,
	T_BLOB = 0x06,
	T_INPUT = 0x07,
	T_MSR_EXITS = 0x0A,
	T_HYPERCALL = 0x0B,
	T_VCPU = 0x10,
	T_REG = 0x11,
	T_SREG = 0x12,
	T_SEG = 0x13,
	T_MSR = 0x15,
	T_CPUID = 0x16,
	T_DREGS = 0x17,
	T_EVENTS = 0x18,
	T_FPU = 0x14,
	T_XSAVE = 0x1C,
	T_XCR = 0x1D,
	T_IRQCHIP = 0x08,
	T_IRQ = 0x09,
	T_LAPIC = 0x19,
	T_FEATURES = 0x1A,
	T_GDBG = 0x1B,
	T_VGIC = 0x0C,
	T_IRQ_LINE = 0x0D,
	T_ONE_REG = 0x1E,
	T_ACTION = 0x0E,
};

#define HDR_LEN 8U
#define REC_HDR 3U
#define MIN_LEN 62U /* the minimal scenario's size */

/* ---- byte builder ------------------------------------------------------- */

#define STORE_BYTES 8192U

struct bld {
	uint8_t *b;
	size_t n, cap;
	size_t rec; /* offset of the record being written */
	uint8_t store[STORE_BYTES];
};

static void bld_init(struct bld *w)
{
	w->b = w->store;
	w->cap = sizeof(w->store);
	w->n = 0;
	w->rec = 0;
}

static void bld_init_heap(struct bld *w, size_t cap)
{
	bld_init(w);
	w->b = malloc(cap);
	if (!w->b) {
		(void)fprintf(stderr, "out of memory\n");
		exit(EXIT_FAILURE);
	}
	w->cap = cap;
}

static void bld_free(struct bld *w)
{
	if (w->b != w->store)
		free(w->b);
	w->b = w->store;
	w->n = 0;
}

static void put(struct bld *w, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		if (w->n >= w->cap) {
			(void)fprintf(stderr, "test builder overflow\n");
			exit(EXIT_FAILURE);
		}
		w->b[w->n++] = (uint8_t)(v >> (8 * i));
	}
}

static void put_bytes(struct bld *w, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put(w, p[i], 1);
}

/* Start a record; its length is patched by end(). Returns its offset. */
static size_t begin(struct bld *w, unsigned int tag)
{
	size_t off = w->n;

	put(w, tag, 1);
	put(w, 0, 2);
	w->rec = off;
	return off;
}

static size_t end(struct bld *w)
{
	size_t n = w->n - w->rec - REC_HDR;

	w->b[w->rec + 1] = (uint8_t)n;
	w->b[w->rec + 2] = (uint8_t)(n >> 8);
	return w->rec;
}

/* A record whose length field says `lenfield`, whatever follows. */
static size_t b_raw(struct bld *w, unsigned int tag, unsigned int lenfield,
		    const uint8_t *p, size_t n)
{
	size_t off = w->n;

	put(w, tag, 1);
	put(w, lenfield, 2);
	put_bytes(w, p, n);
	return off;
}

static void b_hdr(struct bld *w, unsigned int ver, unsigned int arch,
		  unsigned int flags)
{
	put_bytes(w, (const uint8_t *)"KVMS", 4);
	put(w, ver, 1);
	put(w, arch, 1);
	put(w, flags, 2);
}

static size_t b_limits(struct bld *w, uint32_t max_exits, uint32_t timeout)
{
	(void)begin(w, T_LIMITS);
	put(w, max_exits, 4);
	put(w, timeout, 4);
	return end(w);
}

static size_t b_gpa_rec(struct bld *w, unsigned int tag, uint64_t gpa)
{
	(void)begin(w, tag);
	put(w, gpa, 8);
	return end(w);
}

static size_t b_slot(struct bld *w, uint32_t id, uint32_t flags, uint32_t pages,
		     uint64_t gpa)
{
	(void)begin(w, T_SLOT);
	put(w, id, 2);
	put(w, flags, 2);
	put(w, pages, 4);
	put(w, gpa, 8);
	return end(w);
}

static size_t b_fill(struct bld *w, uint64_t gpa, uint32_t len,
		     const uint8_t *pat, size_t plen)
{
	(void)begin(w, T_FILL);
	put(w, gpa, 8);
	put(w, len, 4);
	put_bytes(w, pat, plen);
	return end(w);
}

static size_t b_blob(struct bld *w, uint64_t gpa, const uint8_t *data, size_t n)
{
	(void)begin(w, T_BLOB);
	put(w, gpa, 8);
	put_bytes(w, data, n);
	return end(w);
}

static const uint8_t hlt[1] = { 0xf4 };

static size_t b_blob1(struct bld *w, uint64_t gpa)
{
	return b_blob(w, gpa, hlt, sizeof(hlt));
}

static size_t b_input(struct bld *w, const uint8_t *data, size_t n)
{
	(void)begin(w, T_INPUT);
	put_bytes(w, data, n);
	return end(w);
}

static size_t b_vcpu(struct bld *w, unsigned int mode, uint64_t entry)
{
	(void)begin(w, T_VCPU);
	put(w, mode, 1);
	put(w, entry, 8);
	return end(w);
}

/* REG or SREG. */
static size_t b_reg(struct bld *w, unsigned int tag, unsigned int idx,
		    uint64_t v)
{
	(void)begin(w, tag);
	put(w, idx, 1);
	put(w, v, 8);
	return end(w);
}

static size_t b_seg(struct bld *w, unsigned int idx, uint32_t sel,
		    uint32_t attrs, uint32_t limit, uint64_t base)
{
	(void)begin(w, T_SEG);
	put(w, idx, 1);
	put(w, sel, 2);
	put(w, attrs, 2);
	put(w, limit, 4);
	put(w, base, 8);
	return end(w);
}

/* header, LIMITS(100, 100), SLOT(0, 0, 16 pages, gpa 0): 38 bytes. */
static void b_upto_slot(struct bld *w)
{
	b_hdr(w, 1, 1, 0);
	(void)b_limits(w, 100, 100);
	(void)b_slot(w, 0, 0, 16, 0);
}

/* ... BLOB(0x1000, f4), VCPU(real16, 0x1000): 62 bytes. */
static void b_minimal(struct bld *w)
{
	b_upto_slot(w);
	(void)b_blob1(w, 0x1000);
	(void)b_vcpu(w, VMM_MODE_REAL16, 0x1000);
}

static const uint8_t rich_code[] = { 0x48, 0x31, 0xc0, 0xf4, 0x90 };
static const uint8_t rich_data[] = { 0xde, 0xad, 0xbe };
static const uint8_t rich_in[] = { 'K', 'V', 'M', '\n' };
static const uint8_t rich_pat[] = { 0x90, 0xcc };

/* Every record type: flags permissive, console, sysarea, 2 slots, a fill,
 * 2 blobs, input, 2 vCPUs with reg/sreg/seg overrides. */
static void b_rich(struct bld *w)
{
	b_hdr(w, 1, 1, VMM_SCN_PERMISSIVE);
	(void)b_limits(w, 5000, 2000);
	(void)b_gpa_rec(w, T_CONSOLE, VMM_MMIO_CONSOLE_DEFAULT_GPA);
	(void)b_gpa_rec(w, T_SYSAREA, 0x30000);
	(void)b_slot(w, 0, 0, 0x40, 0);
	(void)b_slot(w, 3, VMM_SLOT_READONLY | VMM_SLOT_DIRTY_LOG, 16,
		     0x100000);
	(void)b_fill(w, 0x2000, 0x100, rich_pat, sizeof(rich_pat));
	(void)b_blob(w, 0x1000, rich_code, sizeof(rich_code));
	(void)b_blob(w, 0x100000, rich_data, sizeof(rich_data));
	(void)b_input(w, rich_in, sizeof(rich_in));
	(void)b_vcpu(w, VMM_MODE_LONG64, 0x1000);
	(void)b_reg(w, T_REG, 6, 0x8000); /* rsp */
	(void)b_reg(w, T_REG, 17, 0x2);	  /* rflags */
	(void)b_reg(w, T_SREG, VMM_SREG_EFER, 0xd00);
	(void)b_reg(w, T_SREG, VMM_SREG_GDT_LIMIT, 0xffff);
	(void)b_seg(w, VMM_SEG_FS, 0x10, 0xc93, 0xffffffffU, 0x12345000);
	(void)b_seg(w, VMM_SEG_LDT, 0, VMM_SEGA_UNUSABLE, 0, 0);
	(void)b_vcpu(w, VMM_MODE_REAL16, 0x1000);
	(void)b_reg(w, T_REG, 0, 0xdeadbeefcafef00dULL); /* rax */
	(void)b_seg(w, VMM_SEG_CS, 0, 0x9b, 0xffff, 0);
}

/* ---- assertion helpers ---------------------------------------------------- */

static uint8_t *dup_exact(const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);

	if (!c) {
		(void)fprintf(stderr, "out of memory\n");
		exit(EXIT_FAILURE);
	}
	if (n)
		memcpy(c, p, n);
	return c;
}

static void hexdump(const uint8_t *p, size_t n)
{
	(void)fprintf(stderr, "    input (%zu bytes):", n);
	for (size_t i = 0; i < n && i < 256; i++)
		(void)fprintf(stderr, "%s%02x", i % 32 ? " " : "\n     ", p[i]);
	(void)fprintf(stderr, "%s\n", n > 256 ? " ..." : "");
}

static void note(int before, int line, const struct vmm_error *e,
		 const uint8_t *p, size_t n)
{
	if (check_failures == before)
		return;
	(void)fprintf(stderr, "  ^ from line %d; error: %s\n", line,
		      e ? e->msg : "-");
	if (p)
		hexdump(p, n);
}

/* Decode an exact-size copy (the scenario's pointers are dead after). */
static int decode_exact(const uint8_t *p, size_t n, struct vmm_scenario *s,
			struct vmm_error *e)
{
	uint8_t *c = dup_exact(p, n);
	int rc;

	vmm_err_clear(e);
	rc = vmm_scenario_decode(c, n, s, e);
	free(c);
	return rc;
}

/* Accepted; encodes back to exactly the same bytes; decoding that is an
 * equal scenario. On return *s is decoded from `p` itself. */
static void accept_buf(const uint8_t *p, size_t n, struct vmm_scenario *s,
		       int line)
{
	int before = check_failures;
	struct vmm_error e;
	uint8_t *c = dup_exact(p, n);
	uint8_t *out = malloc(n + 16);
	int rc;

	if (!out) {
		(void)fprintf(stderr, "out of memory\n");
		exit(EXIT_FAILURE);
	}
	vmm_err_clear(&e);
	rc = vmm_scenario_decode(c, n, s, &e);
	CHECK(rc == 0);
	if (rc == 0) {
		struct vmm_scenario s2;
		char what[64] = "";
		size_t m;

		memset(out, 0, n + 16);
		m = vmm_scenario_encode(s, out, n + 16, &e);
		CHECK_EQ_U64(m, n);
		CHECK(m == n && memcmp(out, p, n) == 0);
		rc = vmm_scenario_decode(out, m, &s2, &e);
		CHECK(rc == 0);
		CHECK(rc == 0 &&
		      vmm_scenario_equal(s, &s2, what, sizeof(what)));
	}
	free(c);
	free(out);
	rc = vmm_scenario_decode(p, n, s, &e);
	CHECK(rc == 0);
	note(before, line, &e, p, n);
}

static void reject_buf(const uint8_t *p, size_t n, size_t off,
		       const char *field, int line)
{
	int before = check_failures;
	struct vmm_scenario s;
	struct vmm_error e;
	char want[48];
	int rc;

	(void)snprintf(want, sizeof(want), "offset %zu:", off);
	rc = decode_exact(p, n, &s, &e);
	CHECK(rc == -1);
	CHECK_EQ_U64(e.cls, VMM_ERR_INPUT);
	CHECK_STR_CONTAINS(e.msg, want);
	CHECK(strncmp(e.msg, want, strlen(want)) == 0);
	CHECK_STR_CONTAINS(e.msg, field);
	note(before, line, &e, p, n);
}

#define ACCEPT(w, s) accept_buf((w)->b, (w)->n, (s), __LINE__)
#define REJECT(w, off, field) \
	reject_buf((w)->b, (w)->n, (off), (field), __LINE__)

/* ---- valid minimal scenario, fields, round trip ------------------------------ */

static const uint8_t minimal_bytes[MIN_LEN] = {
	'K',
	'V',
	'M',
	'S',
	1,
	1,
	0,
	0,
	/* LIMITS max_exits=100 timeout_ms=100 */
	0x01,
	8,
	0,
	100,
	0,
	0,
	0,
	100,
	0,
	0,
	0,
	/* SLOT id 0 flags 0 pages 16 gpa 0 */
	0x04,
	16,
	0,
	0,
	0,
	0,
	0,
	16,
	0,
	0,
	0,
	0,
	0,
	0,
	0,
	0,
	0,
	0,
	0,
	/* BLOB gpa 0x1000 f4 */
	0x06,
	9,
	0,
	0x00,
	0x10,
	0,
	0,
	0,
	0,
	0,
	0,
	0xf4,
	/* VCPU real16 entry 0x1000 */
	0x10,
	9,
	0,
	0,
	0x00,
	0x10,
	0,
	0,
	0,
	0,
	0,
	0,
};

static uint8_t big_zero[0x10000];

static void test_minimal(void)
{
	struct bld w;
	struct vmm_scenario s, x, y;
	struct vmm_error e;
	uint8_t out[MIN_LEN + 8];
	char what[64];
	size_t n;

	bld_init(&w);
	b_minimal(&w);
	CHECK_EQ_U64(w.n, MIN_LEN);
	CHECK(memcmp(w.b, minimal_bytes, MIN_LEN) == 0);
	ACCEPT(&w, &s);
	CHECK_EQ_U64(s.arch, VMM_ARCH_X86_64);
	CHECK_EQ_U64(s.flags, 0);
	CHECK_EQ_U64(s.max_exits, 100);
	CHECK_EQ_U64(s.timeout_ms, 100);
	CHECK_EQ_U64(s.mmio_console, 0);
	CHECK_EQ_U64(s.sys_fixed, 0);
	CHECK_EQ_U64(s.nslots, 1);
	CHECK_EQ_U64(s.slots[0].id, 0);
	CHECK_EQ_U64(s.slots[0].flags, 0);
	CHECK_EQ_U64(s.slots[0].gpa, 0);
	CHECK_EQ_U64(s.slots[0].size, 0x10000);
	CHECK_EQ_U64(s.nfills, 0);
	CHECK_EQ_U64(s.nblobs, 1);
	CHECK_EQ_U64(s.blobs[0].gpa, 0x1000);
	CHECK_EQ_U64(s.blobs[0].len, 1);
	CHECK(s.blobs[0].data == w.b + 49); /* points into the input */
	CHECK_EQ_U64(s.blobs[0].data[0], 0xf4);
	CHECK_EQ_U64(s.has_input, 0);
	CHECK_EQ_U64(s.input_len, 0);
	CHECK_EQ_U64(s.nvcpus, 1);
	CHECK_EQ_U64(s.vcpus[0].mode, VMM_MODE_REAL16);
	CHECK_EQ_U64(s.vcpus[0].entry, 0x1000);
	CHECK_EQ_U64(s.vcpus[0].reg_mask, 0);
	CHECK_EQ_U64(s.vcpus[0].sreg_mask, 0);
	CHECK_EQ_U64(s.vcpus[0].seg_mask, 0);

	/* The same scenario built as a struct encodes to the same bytes, and
	 * decode(encode(x)) == x. */
	vmm_scenario_init(&x);
	x.arch = VMM_ARCH_X86_64;
	x.max_exits = 100;
	x.timeout_ms = 100;
	x.nslots = 1;
	x.slots[0].size = 0x10000;
	x.nblobs = 1;
	x.blobs[0].gpa = 0x1000;
	x.blobs[0].data = hlt;
	x.blobs[0].len = 1;
	x.nvcpus = 1;
	x.vcpus[0].mode = VMM_MODE_REAL16;
	x.vcpus[0].entry = 0x1000;
	memset(out, 0xee, sizeof(out));
	vmm_err_clear(&e);
	n = vmm_scenario_encode(&x, out, sizeof(out), &e);
	CHECK_EQ_U64(n, MIN_LEN);
	CHECK(memcmp(out, minimal_bytes, MIN_LEN) == 0);
	CHECK_EQ_U64(out[MIN_LEN], 0xee);
	CHECK(vmm_scenario_decode(out, n, &y, &e) == 0);
	CHECK(vmm_scenario_equal(&x, &y, what, sizeof(what)));
	CHECK(what[0] == '\0');
	CHECK(vmm_scenario_equal(&s, &y, what, sizeof(what)));

	/* equal() names the first differing field. */
	y.timeout_ms = 101;
	CHECK(!vmm_scenario_equal(&x, &y, what, sizeof(what)));
	CHECK(strcmp(what, "timeout_ms") == 0);
	y.timeout_ms = 100;
	y.vcpus[0].reg_mask = 1;
	CHECK(!vmm_scenario_equal(&x, &y, what, sizeof(what)));
	CHECK(strcmp(what, "vcpu[0].regs") == 0);
	y.vcpus[0].reg_mask = 0;
	y.blobs[0].data = minimal_bytes + 3; /* 'S', not f4 */
	CHECK(!vmm_scenario_equal(&x, &y, what, sizeof(what)));
	CHECK(strcmp(what, "blob[0]") == 0);

	/* Values that cannot be encoded: nothing, and an input error. */
	x.max_exits = 0;
	vmm_err_clear(&e);
	CHECK_EQ_U64(vmm_scenario_encode(&x, out, sizeof(out), &e), 0);
	CHECK_EQ_U64(e.cls, VMM_ERR_INPUT);
	CHECK_STR_CONTAINS(e.msg, "max_exits");
	x.max_exits = 100;
	x.blobs[0].data = big_zero;
	x.blobs[0].len = 0xFFFF - 8 + 1; /* one byte too long for a record */
	x.slots[0].size = 0x20000;
	vmm_err_clear(&e);
	CHECK_EQ_U64(vmm_scenario_encode(&x, NULL, 0, &e), 0);
	CHECK_EQ_U64(e.cls, VMM_ERR_INPUT);
	CHECK_STR_CONTAINS(e.msg, "65535");
	bld_free(&w);
}

/* ---- truncation and trailing bytes ------------------------------------------- */

/* Expected rejection offset/field of the prefix of length k, given the
 * record offsets of the full input (ascending, the first is HDR_LEN). */
static void expect_prefix(size_t k, const size_t *starts, size_t nstarts,
			  size_t *off, const char **field)
{
	size_t b = 0;

	if (k < HDR_LEN) {
		*off = 0;
		*field = "header";
		return;
	}
	for (size_t i = 0; i < nstarts; i++)
		if (starts[i] <= k)
			b = starts[i];
	if (k == b) {
		*off = k;
		*field = ": no ";
	} else if (k - b < REC_HDR) {
		*off = b;
		*field = "truncated record header";
	} else {
		*off = b + 1;
		*field = "runs past the end";
	}
}

static void test_truncation(void)
{
	static const size_t starts[] = { 8, 19, 38, 50 };
	struct bld w;
	struct vmm_scenario s;
	struct vmm_error e;
	size_t off, n;
	const char *field;
	static const uint8_t vpay[9] = { 0, 0, 0x10 };

	bld_init(&w);
	b_minimal(&w);
	for (size_t k = 0; k < w.n; k++) {
		expect_prefix(k, starts, sizeof(starts) / sizeof(starts[0]),
			      &off, &field);
		reject_buf(w.b, k, off, field, __LINE__);
	}
	/* The record boundaries name what is missing. */
	reject_buf(w.b, 8, 8, "no limits record", __LINE__);
	reject_buf(w.b, 19, 19, "no slot record", __LINE__);
	reject_buf(w.b, 38, 38, "no vcpu record", __LINE__);
	reject_buf(w.b, 50, 50, "no vcpu record", __LINE__);
	CHECK(vmm_scenario_decode(NULL, 0, &s, &e) == -1);
	CHECK_EQ_U64(e.cls, VMM_ERR_INPUT);
	CHECK_STR_CONTAINS(e.msg, "offset 0:");

	/* Every prefix of the rich scenario too: no crash; an input error,
	 * except where the prefix ends on a record boundary after the first
	 * vCPU (a complete scenario, which must then round-trip). */
	bld_init(&w);
	b_rich(&w);
	for (size_t k = 0; k < w.n; k++) {
		int before = check_failures;

		if (decode_exact(w.b, k, &s, &e) == 0) {
			accept_buf(w.b, k, &s, __LINE__);
			CHECK(s.nvcpus >= 1);
			continue;
		}
		CHECK_EQ_U64(e.cls, VMM_ERR_INPUT);
		CHECK(strncmp(e.msg, "offset ", 7) == 0);
		note(before, __LINE__, &e, w.b, k);
	}

	/* A record whose length runs past the end. */
	bld_init(&w);
	b_upto_slot(&w);
	(void)b_blob1(&w, 0x1000);
	off = b_raw(&w, T_VCPU, 10, vpay, sizeof(vpay));
	REJECT(&w, off + 1, "vcpu record length 10 runs past the end");
	bld_init(&w);
	b_upto_slot(&w);
	off = b_raw(&w, T_BLOB, 0xFFFF, vpay, sizeof(vpay));
	REJECT(&w, off + 1, "blob record length 65535 runs past the end");

	/* Trailing garbage. */
	for (n = 1; n <= 2; n++) {
		bld_init(&w);
		b_minimal(&w);
		put(&w, 0, (unsigned int)n);
		REJECT(&w, MIN_LEN, "truncated record header");
	}
	bld_free(&w);
}

/* ---- header and size bound ----------------------------------------------------- */

static void test_header(void)
{
	struct bld w;
	struct vmm_scenario s;

	bld_init(&w);
	b_minimal(&w);
	w.b[0] = 'X';
	REJECT(&w, 0, "magic");
	w.b[0] = 'K';
	w.b[3] = 's';
	REJECT(&w, 0, "magic");
	w.b[3] = 'S';
	w.b[4] = 2;
	REJECT(&w, 4, "version=2");
	w.b[4] = 0;
	REJECT(&w, 4, "version=0");
	w.b[4] = 1;
	w.b[5] = 0;
	REJECT(&w, 5, "arch=0");
	w.b[5] = 3;
	REJECT(&w, 5, "arch=3");
	w.b[5] = VMM_ARCH_X86_64;
	w.b[6] = 0x2;
	REJECT(&w, 6, "flags=0x2");
	w.b[6] = 0;
	w.b[7] = 0x80;
	REJECT(&w, 6, "flags=0x8000");
	w.b[7] = 0;
	w.b[6] = 0x1;
	ACCEPT(&w, &s);
	CHECK_EQ_U64(s.flags, VMM_SCN_PERMISSIVE);
	w.b[6] = 0;
	ACCEPT(&w, &s);
	CHECK_EQ_U64(s.flags, 0);

	/* Shorter than the header. */
	reject_buf(w.b, 7, 0, "shorter than the 8-byte header", __LINE__);
	reject_buf(w.b, 0, 0, "shorter than the 8-byte header", __LINE__);
	bld_free(&w);
}

static void test_size_bound(void)
{
	const size_t max = VMM_SCENARIO_MAX_BYTES;
	const size_t big = 0xFFFF - 8; /* largest blob data */
	uint8_t *data = malloc(0xFFFF);
	uint8_t *garbage;
	size_t fixed, rest, d16, in_len, in_off;
	struct bld w;
	struct vmm_scenario s;

	if (!data) {
		(void)fprintf(stderr, "out of memory\n");
		exit(EXIT_FAILURE);
	}
	for (size_t i = 0; i < 0xFFFF; i++)
		data[i] = (uint8_t)(i * 7 + 1);

	/* Exactly VMM_SCENARIO_MAX_BYTES: accepted and round-trips.
	 * header+limits+slot+vcpu, 15 full blobs, one smaller blob, input. */
	fixed = HDR_LEN + 11 + 19 + 12;
	rest = max - fixed - 15 * (REC_HDR + 8 + big);
	d16 = 32000;
	in_len = rest - (REC_HDR + 8 + d16) - REC_HDR;
	CHECK(in_len < 0xFFFF);
	for (int pass = 0; pass < 2; pass++) {
		uint64_t gpa = 0x1000;

		bld_init_heap(&w, max + 16);
		b_hdr(&w, 1, 1, 0);
		(void)b_limits(&w, 100, 100);
		(void)b_slot(&w, 0, 0, 512, 0); /* 2 MiB */
		for (int i = 0; i < 15; i++, gpa += big)
			(void)b_blob(&w, gpa, data, big);
		(void)b_blob(&w, gpa, data, d16);
		in_off = b_input(&w, data, in_len + (size_t)pass);
		(void)b_vcpu(&w, VMM_MODE_REAL16, 0x1000);
		if (pass == 0) {
			CHECK_EQ_U64(w.n, max);
			ACCEPT(&w, &s);
			CHECK_EQ_U64(s.nblobs, 16);
			CHECK_EQ_U64(s.input_len, in_len);
			CHECK(s.input == w.b + in_off + REC_HDR);
		} else {
			CHECK_EQ_U64(w.n, max + 1);
			REJECT(&w, 0, "more than the 1048576-byte limit");
		}
		bld_free(&w);
	}

	/* Much longer, valid minimal prefix then zeros (heap). */
	garbage = calloc(1, 2 * max);
	if (!garbage) {
		(void)fprintf(stderr, "out of memory\n");
		exit(EXIT_FAILURE);
	}
	memcpy(garbage, minimal_bytes, MIN_LEN);
	reject_buf(garbage, max + 1, 0, "1048576-byte limit", __LINE__);
	reject_buf(garbage, 2 * max, 0, "1048576-byte limit", __LINE__);
	free(garbage);
	free(data);
}

/* ---- limits ------------------------------------------------------------------------- */

static void limits_case(uint32_t max_exits, uint32_t timeout, int ok,
			const char *field, int line)
{
	struct bld w;
	struct vmm_scenario s;

	bld_init(&w);
	b_hdr(&w, 1, 1, 0);
	(void)b_limits(&w, max_exits, timeout);
	(void)b_slot(&w, 0, 0, 16, 0);
	(void)b_blob1(&w, 0x1000);
	(void)b_vcpu(&w, 0, 0x1000);
	if (ok) {
		int before = check_failures;

		accept_buf(w.b, w.n, &s, line);
		CHECK_EQ_U64(s.max_exits, max_exits);
		CHECK_EQ_U64(s.timeout_ms, timeout);
		note(before, line, NULL, NULL, 0);
	} else {
		/* max_exits at payload offset 0, timeout_ms at 4 */
		reject_buf(w.b, w.n, strstr(field, "max") ? 11 : 15, field,
			   line);
	}
	bld_free(&w);
}

static void test_limits(void)
{
	static const uint8_t seven[7];
	struct bld w;

	limits_case(0, 100, 0, "limits.max_exits=0, must be 1..1000000",
		    __LINE__);
	limits_case(1000001, 100, 0, "limits.max_exits=1000001", __LINE__);
	limits_case(0xFFFFFFFFU, 100, 0, "limits.max_exits=4294967295",
		    __LINE__);
	limits_case(1, 100, 1, NULL, __LINE__);
	limits_case(1000000, 100, 1, NULL, __LINE__);
	limits_case(100, 0, 0, "limits.timeout_ms=0, must be 1..10000",
		    __LINE__);
	limits_case(100, 10001, 0, "limits.timeout_ms=10001", __LINE__);
	limits_case(100, 10000, 1, NULL, __LINE__);
	limits_case(100, 1, 1, NULL, __LINE__);

	/* Missing: slot first; header only. */
	bld_init(&w);
	b_hdr(&w, 1, 1, 0);
	(void)b_slot(&w, 0, 0, 16, 0);
	(void)b_blob1(&w, 0x1000);
	(void)b_vcpu(&w, 0, 0x1000);
	REJECT(&w, 8, "first record is slot (0x04), must be limits");
	bld_init(&w);
	b_hdr(&w, 1, 1, 0);
	REJECT(&w, 8, "no limits record");

	/* Not first (console before it). */
	bld_init(&w);
	b_hdr(&w, 1, 1, 0);
	(void)b_gpa_rec(&w, T_CONSOLE, VMM_MMIO_CONSOLE_DEFAULT_GPA);
	(void)b_limits(&w, 100, 100);
	(void)b_slot(&w, 0, 0, 16, 0);
	(void)b_vcpu(&w, 0, 0x1000);
	REJECT(&w, 8, "first record is console (0x02), must be limits");

	/* Twice. */
	bld_init(&w);
	b_hdr(&w, 1, 1, 0);
	(void)b_limits(&w, 100, 100);
	(void)b_limits(&w, 100, 100);
	(void)b_slot(&w, 0, 0, 16, 0);
	(void)b_vcpu(&w, 0, 0x1000);
	REJECT(&w, 19, "second limits record");

	/* Wrong length. */
	bld_init(&w);
	b_hdr(&w, 1, 1, 0);
	(void)b_raw(&w, T_LIMITS, 7, seven, sizeof(seven));
	REJECT(&w, 8, "limits record length 7, must be 8");
	bld_free(&w);
}

/* ---- slots -------------------------------------------------------------------------- */

/* header, limits, one slot with the given fields, a blob in slot 0 (when
 * `blob_slot0`), vcpu. Returns the slot's offset. */
static size_t one_slot(struct bld *w, uint32_t id, uint32_t flags,
		       uint32_t pages, uint64_t gpa)
{
	size_t off;

	bld_init(w);
	b_hdr(w, 1, 1, 0);
	(void)b_limits(w, 100, 100);
	off = b_slot(w, id, flags, pages, gpa);
	(void)b_blob1(w, gpa + 0x1000);
	(void)b_vcpu(w, 0, 0x1000);
	return off;
}

/* header, limits, slot 0 (16 pages at 0), slot given, blob, vcpu. */
static void two_slots(struct bld *w, uint32_t id, uint32_t flags,
		      uint32_t pages, uint64_t gpa)
{
	bld_init(w);
	b_upto_slot(w);
	(void)b_slot(w, id, flags, pages, gpa);
	(void)b_blob1(w, 0x1000);
	(void)b_vcpu(w, 0, 0x1000);
}

static void test_slots(void)
{
	static const uint8_t fifteen[15];
	struct bld w;
	struct vmm_scenario s;
	size_t off = 0;

	/* 8 slots, then a 9th. */
	for (int nine = 0; nine < 2; nine++) {
		bld_init(&w);
		b_hdr(&w, 1, 1, 0);
		(void)b_limits(&w, 100, 100);
		for (uint32_t i = 0; i < 8U + (uint32_t)nine; i++)
			off = b_slot(&w, i, 0, 16, (uint64_t)i * 0x10000);
		(void)b_blob1(&w, 0x1000);
		(void)b_vcpu(&w, 0, 0x1000);
		if (!nine) {
			ACCEPT(&w, &s);
			CHECK_EQ_U64(s.nslots, 8);
			CHECK_EQ_U64(s.slots[7].gpa, 0x70000);
			CHECK_EQ_U64(s.slots[7].id, 7);
		} else {
			REJECT(&w, off, "slot: more than 8 slots");
		}
	}

	/* Overlap (validation, at the end of the input). */
	two_slots(&w, 1, 0, 16, 0x8000);
	REJECT(&w, w.n, "slot 1 [0x8000, 0x18000) overlaps slot 0");
	two_slots(&w, 1, 0, 16, 0x10000); /* adjacent is fine */
	ACCEPT(&w, &s);

	/* Id. */
	off = one_slot(&w, 0x8000, 0, 16, 0);
	REJECT(&w, off + 3, "slot.id=32768, must be < 0x8000");
	off = one_slot(&w, 0xFFFF, 0, 16, 0);
	REJECT(&w, off + 3, "slot.id=65535");
	(void)one_slot(&w, 0x7fff, 0, 16, 0);
	ACCEPT(&w, &s);
	CHECK_EQ_U64(s.slots[0].id, 0x7fff);
	two_slots(&w, 0, 0, 16, 0x10000);
	REJECT(&w, w.n, "slot id 0 used twice");

	/* Flags. */
	off = one_slot(&w, 0, 0x4, 16, 0);
	REJECT(&w, off + 5, "slot.flags=0x4, known bits 0x3");
	off = one_slot(&w, 0, 0x8000, 16, 0);
	REJECT(&w, off + 5, "slot.flags=0x8000");
	(void)one_slot(&w, 0, VMM_SLOT_READONLY | VMM_SLOT_DIRTY_LOG, 16, 0);
	ACCEPT(&w, &s);
	CHECK_EQ_U64(s.slots[0].flags, 3);

	/* Pages, alignment. */
	off = one_slot(&w, 0, 0, 0, 0);
	REJECT(&w, off + 7, "slot.pages=0, must be 1..786432");
	off = one_slot(&w, 0, 0, 16, 0x800);
	REJECT(&w, off + 11, "slot.gpa=0x800, must be page aligned");
	off = one_slot(&w, 0, 0, 16, 0x1001);
	REJECT(&w, off + 11, "slot.gpa=0x1001");
	off = one_slot(&w, 0, 0, 16, 0x8000000000000001ULL);
	REJECT(&w, off + 11, "slot.gpa=0x8000000000000001");

	/* Guest memory bound: one slot over 3 GiB; two 2 GiB slots. */
	off = one_slot(&w, 0, 0, 0xC0001, 0);
	REJECT(&w, off + 7, "slot.pages=786433");
	off = one_slot(&w, 0, 0, 0xFFFFFFFFU, 0);
	REJECT(&w, off + 7, "slot.pages=4294967295");
	(void)one_slot(&w, 0, 0, 0xC0000, 0); /* exactly 3 GiB, to the limit */
	ACCEPT(&w, &s);
	CHECK_EQ_U64(s.slots[0].size, VMM_MAX_GUEST_MEM);
	bld_init(&w);
	b_hdr(&w, 1, 1, 0);
	(void)b_limits(&w, 100, 100);
	(void)b_slot(&w, 0, 0, 0x80000, 0);
	(void)b_slot(&w, 1, 0, 0x80000, 0x40000000);
	(void)b_blob1(&w, 0x1000);
	(void)b_vcpu(&w, 0, 0x1000);
	REJECT(&w, w.n, "guest memory exceeds 3221225472 bytes");

	/* RAM limit 0xC0000000. */
	two_slots(&w, 1, 0, 1, 0xBFFFF000);
	ACCEPT(&w, &s);
	two_slots(&w, 1, 0, 2, 0xBFFFF000);
	REJECT(&w, w.n, "reaches past the RAM limit 0xc0000000");
	two_slots(&w, 1, 0, 1, 0xC0000000);
	REJECT(&w, w.n, "slot 1: [0xc0000000, 0xc0001000) reaches past");
	two_slots(&w, 1, 0, 16, 0xFFFFFFFFFFFFF000ULL);
	REJECT(&w, w.n, "RAM limit");

	/* Wrong length. */
	bld_init(&w);
	b_hdr(&w, 1, 1, 0);
	(void)b_limits(&w, 100, 100);
	off = b_raw(&w, T_SLOT, 15, fifteen, sizeof(fifteen));
	REJECT(&w, off, "slot record length 15, must be 16");
	bld_free(&w);
}

/* ---- blobs and fills --------------------------------------------------------- */

static void test_blobs(void)
{
	static const uint8_t two[2] = { 0x90, 0xf4 };
	static const uint8_t eight[8] = { 0, 0x10 };
	struct bld w;
	struct vmm_scenario s;
	size_t off = 0;

	bld_init(&w);
	b_upto_slot(&w);
	off = b_blob1(&w, 0x20000);
	(void)b_vcpu(&w, 0, 0x1000);
	REJECT(&w, off + 3, "blob [0x20000, +0x1) is not inside one slot");

	bld_init(&w);
	b_upto_slot(&w);
	off = b_blob(&w, 0xFFFF, two, sizeof(two)); /* straddles the end */
	(void)b_vcpu(&w, 0, 0x1000);
	REJECT(&w, off + 3, "blob [0xffff, +0x2) is not inside one slot");

	bld_init(&w);
	b_upto_slot(&w);
	(void)b_blob(&w, 0xFFFE, two, sizeof(two)); /* ends at the end */
	(void)b_vcpu(&w, 0, 0x1000);
	ACCEPT(&w, &s);
	CHECK_EQ_U64(s.blobs[0].len, 2);

	bld_init(&w);
	b_upto_slot(&w);
	off = b_blob1(&w, 0xFFFFFFFFFFFFFFFFULL);
	(void)b_vcpu(&w, 0, 0x1000);
	REJECT(&w, off + 3, "not inside one slot");

	bld_init(&w);
	b_upto_slot(&w);
	off = b_raw(&w, T_BLOB, 8, eight, sizeof(eight));
	(void)b_vcpu(&w, 0, 0x1000);
	REJECT(&w, off, "blob record length 8, must be >= 9");
	bld_init(&w);
	b_upto_slot(&w);
	off = b_raw(&w, T_BLOB, 0, NULL, 0);
	(void)b_vcpu(&w, 0, 0x1000);
	REJECT(&w, off, "blob record length 0, must be >= 9");

	/* 16 blobs, then 17. */
	for (int extra = 0; extra < 2; extra++) {
		bld_init(&w);
		b_upto_slot(&w);
		for (int i = 0; i < 16 + extra; i++)
			off = b_blob1(&w, 0x1000 + (uint64_t)i);
		(void)b_vcpu(&w, 0, 0x1000);
		if (!extra) {
			ACCEPT(&w, &s);
			CHECK_EQ_U64(s.nblobs, 16);
			CHECK_EQ_U64(s.blobs[15].gpa, 0x100f);
		} else {
			REJECT(&w, off, "blob: more than 16 blobs");
		}
	}
	bld_free(&w);
}

static size_t fill_case(struct bld *w, uint64_t gpa, uint32_t len,
			const uint8_t *pat, size_t plen)
{
	size_t off;

	bld_init(w);
	b_upto_slot(w);
	off = b_fill(w, gpa, len, pat, plen);
	(void)b_blob1(w, 0x1000);
	(void)b_vcpu(w, 0, 0x1000);
	return off;
}

static void test_fills(void)
{
	static const uint8_t pat[17] = { 1,  2,	 3,  4,	 5,  6,	 7,  8, 9,
					 10, 11, 12, 13, 14, 15, 16, 17 };
	static uint8_t arena[4096];
	struct bld w;
	struct vmm_scenario s, t;
	struct vmm_error e;
	char text[2048], what[64] = "";
	uint8_t out[256];
	size_t off, n;

	off = fill_case(&w, 0x2000, 0x100, pat, 0);
	REJECT(&w, off, "fill record length 12, must be 13..28");
	off = fill_case(&w, 0x2000, 0x100, pat, 17);
	REJECT(&w, off, "fill record length 29, must be 13..28");
	(void)fill_case(&w, 0x2000, 0x100, pat, 16);
	ACCEPT(&w, &s);
	CHECK_EQ_U64(s.nfills, 1);
	CHECK_EQ_U64(s.fills[0].gpa, 0x2000);
	CHECK_EQ_U64(s.fills[0].len, 0x100);
	CHECK_EQ_U64(s.fills[0].pattern_len, 16);
	CHECK(memcmp(s.fills[0].pattern, pat, 16) == 0);
	(void)fill_case(&w, 0x2000, 0x100, pat, 1);
	ACCEPT(&w, &s);
	CHECK_EQ_U64(s.fills[0].pattern_len, 1);

	off = fill_case(&w, 0x2000, 0, pat, 2);
	REJECT(&w, off + 11, "fill.len=0, must be >= 1");
	off = fill_case(&w, 0x10000, 1, pat, 2);
	REJECT(&w, off + 3, "fill [0x10000, +0x1) is not inside one slot");
	off = fill_case(&w, 0xFFF0, 0x11, pat, 2);
	REJECT(&w, off + 3, "fill [0xfff0, +0x11) is not inside one slot");
	(void)fill_case(&w, 0xFFF0, 0x10, pat, 2);
	ACCEPT(&w, &s);
	(void)fill_case(&w, 0, 0x10000, pat, 2); /* the whole slot */
	ACCEPT(&w, &s);
	off = fill_case(&w, 0, 0xFFFFFFFFU, pat, 2);
	REJECT(&w, off + 3, "not inside one slot");

	/* 16 fills, then 17; fill after blob is out of order. */
	for (int extra = 0; extra < 2; extra++) {
		bld_init(&w);
		b_upto_slot(&w);
		for (int i = 0; i < 16 + extra; i++)
			off = b_fill(&w, 0x100 * (uint64_t)i, 0x10, pat, 3);
		(void)b_vcpu(&w, 0, 0x1000);
		if (!extra)
			ACCEPT(&w, &s);
		else
			REJECT(&w, off, "fill: more than 16 fills");
	}
	bld_init(&w);
	b_upto_slot(&w);
	(void)b_blob1(&w, 0x1000);
	off = b_fill(&w, 0x2000, 0x10, pat, 1);
	(void)b_vcpu(&w, 0, 0x1000);
	REJECT(&w, off, "fill record out of canonical order (after blob)");

	/* Text round trip of a fill. */
	(void)fill_case(&w, 0x2000, 0x100, rich_pat, sizeof(rich_pat));
	ACCEPT(&w, &s);
	n = vmm_scenario_format_text(&s, text, sizeof(text));
	CHECK(n < sizeof(text));
	CHECK_STR_CONTAINS(text, "\nfill gpa=0x2000 len=0x100 pattern=90cc\n");
	vmm_err_clear(&e);
	CHECK(vmm_scenario_parse_text(text, n, arena, sizeof(arena), &t, &e) ==
	      0);
	CHECK(vmm_scenario_equal(&s, &t, what, sizeof(what)));
	CHECK(what[0] == '\0');
	CHECK_EQ_U64(vmm_scenario_encode(&t, out, sizeof(out), &e), w.n);
	CHECK(memcmp(out, w.b, w.n) == 0);
	bld_free(&w);
}

/* ---- vCPUs ------------------------------------------------------------------------ */

/* upto_slot + blob + vcpu(real16): ready for REG/SREG/SEG records. */
static void vcpu_base(struct bld *w)
{
	bld_init(w);
	b_upto_slot(w);
	(void)b_blob1(w, 0x1000);
	(void)b_vcpu(w, VMM_MODE_REAL16, 0x1000);
}

static void test_vcpus(void)
{
	static const uint8_t eight[8];
	static const uint8_t sixteen[16];
	struct bld w;
	struct vmm_scenario s;
	size_t off = 0;

	/* 4, then 5. */
	for (int extra = 0; extra < 2; extra++) {
		bld_init(&w);
		b_upto_slot(&w);
		(void)b_blob1(&w, 0x1000);
		for (int i = 0; i < 4 + extra; i++)
			off = b_vcpu(&w, (unsigned int)i % VMM_MODE_COUNT,
				     0x1000 + (uint64_t)i);
		if (!extra) {
			ACCEPT(&w, &s);
			CHECK_EQ_U64(s.nvcpus, 4);
			CHECK_EQ_U64(s.vcpus[3].mode, VMM_MODE_LONG64);
			CHECK_EQ_U64(s.vcpus[3].entry, 0x1003);
		} else {
			REJECT(&w, off, "vcpu: more than 4 vCPUs");
		}
	}

	/* Mode. */
	bld_init(&w);
	b_upto_slot(&w);
	off = b_vcpu(&w, VMM_MODE_COUNT, 0x1000);
	REJECT(&w, off + 3, "vcpu.mode=4, must be < 4");
	bld_init(&w);
	b_upto_slot(&w);
	off = b_vcpu(&w, 0xff, 0x1000);
	REJECT(&w, off + 3, "vcpu.mode=255");
	bld_init(&w);
	b_upto_slot(&w);
	(void)b_vcpu(&w, VMM_MODE_PAGED32, 0xFFFFFFFFFFFFFFFFULL);
	ACCEPT(&w, &s);
	CHECK_EQ_U64(s.vcpus[0].mode, VMM_MODE_PAGED32);
	CHECK_EQ_U64(s.vcpus[0].entry, 0xFFFFFFFFFFFFFFFFULL);

	/* None; before any slot; wrong length. */
	bld_init(&w);
	b_upto_slot(&w);
	(void)b_blob1(&w, 0x1000);
	REJECT(&w, w.n, "no vcpu record");
	bld_init(&w);
	b_hdr(&w, 1, 1, 0);
	(void)b_limits(&w, 100, 100);
	off = b_vcpu(&w, 0, 0x1000);
	REJECT(&w, off, "vcpu record before any slot");
	bld_init(&w);
	b_upto_slot(&w);
	off = b_raw(&w, T_VCPU, 8, eight, sizeof(eight));
	REJECT(&w, off, "vcpu record length 8, must be 9");

	/* REG index. */
	vcpu_base(&w);
	off = b_reg(&w, T_REG, 18, 1);
	REJECT(&w, off + 3, "reg index 18, must be < 18");
	vcpu_base(&w);
	(void)b_reg(&w, T_REG, 17, 0x202);
	ACCEPT(&w, &s);
	CHECK_EQ_U64(s.vcpus[0].reg_mask, 1U << 17);
	CHECK_EQ_U64(s.vcpus[0].regs[17], 0x202);
	vcpu_base(&w);
	(void)b_reg(&w, T_REG, 0, 0xFFFFFFFFFFFFFFFFULL);
	(void)b_reg(&w, T_REG, 1, 0x0123456789abcdefULL);
	ACCEPT(&w, &s);
	CHECK_EQ_U64(s.vcpus[0].reg_mask, 3);
	CHECK_EQ_U64(s.vcpus[0].regs[0], 0xFFFFFFFFFFFFFFFFULL);
	CHECK_EQ_U64(s.vcpus[0].regs[1], 0x0123456789abcdefULL);

	/* REG order: rbx then rax; duplicate. */
	vcpu_base(&w);
	(void)b_reg(&w, T_REG, 1, 1);
	off = b_reg(&w, T_REG, 0, 1);
	REJECT(&w, off + 3,
	       "reg index 0 not above the previous 1 "
	       "(canonical order)");
	vcpu_base(&w);
	(void)b_reg(&w, T_REG, 1, 1);
	off = b_reg(&w, T_REG, 1, 2);
	REJECT(&w, off + 3, "reg index 1 not above the previous 1");

	/* SREG index, limits. */
	vcpu_base(&w);
	off = b_reg(&w, T_SREG, VMM_SREG_COUNT, 0);
	REJECT(&w, off + 3, "sreg index 11, must be < 11");
	vcpu_base(&w);
	off = b_reg(&w, T_SREG, VMM_SREG_GDT_LIMIT, 0x10000);
	REJECT(&w, off + 4, "sreg gdt_limit=0x10000, must be <= 0xffff");
	vcpu_base(&w);
	off = b_reg(&w, T_SREG, VMM_SREG_IDT_LIMIT, 0x10000);
	REJECT(&w, off + 4, "sreg idt_limit=0x10000");
	vcpu_base(&w);
	(void)b_reg(&w, T_SREG, VMM_SREG_CR0, 0x80000011);
	(void)b_reg(&w, T_SREG, VMM_SREG_GDT_LIMIT, 0xffff);
	(void)b_reg(&w, T_SREG, VMM_SREG_IDT_LIMIT, 0xffff);
	ACCEPT(&w, &s);
	CHECK_EQ_U64(s.vcpus[0].sreg_mask, 1U << VMM_SREG_CR0 |
						   1U << VMM_SREG_GDT_LIMIT |
						   1U << VMM_SREG_IDT_LIMIT);
	CHECK_EQ_U64(s.vcpus[0].sregs[VMM_SREG_GDT_LIMIT], 0xffff);
	CHECK_EQ_U64(s.vcpus[0].sregs[VMM_SREG_CR0], 0x80000011);
	vcpu_base(&w);
	(void)b_reg(&w, T_SREG, VMM_SREG_EFER, 1);
	off = b_reg(&w, T_SREG, VMM_SREG_CR4, 1);
	REJECT(&w, off + 3, "sreg index 3 not above the previous 5");

	/* SEG attrs, index, fields. */
	vcpu_base(&w);
	off = b_seg(&w, VMM_SEG_CS, 8, 0x2000, 0xffff, 0);
	REJECT(&w, off + 6, "seg cs attrs=0x2000, known bits 0x1fff");
	vcpu_base(&w);
	off = b_seg(&w, VMM_SEG_COUNT, 8, 0x9b, 0xffff, 0);
	REJECT(&w, off + 3, "seg index 8, must be < 8");
	vcpu_base(&w);
	(void)b_seg(&w, VMM_SEG_DS, 0x1234, VMM_SEGA_KNOWN, 0xfffff,
		    0xffff800000000000ULL);
	ACCEPT(&w, &s);
	CHECK_EQ_U64(s.vcpus[0].seg_mask, 1U << VMM_SEG_DS);
	CHECK_EQ_U64(s.vcpus[0].segs[VMM_SEG_DS].selector, 0x1234);
	CHECK_EQ_U64(s.vcpus[0].segs[VMM_SEG_DS].attrs, VMM_SEGA_KNOWN);
	CHECK_EQ_U64(s.vcpus[0].segs[VMM_SEG_DS].limit, 0xfffff);
	CHECK_EQ_U64(s.vcpus[0].segs[VMM_SEG_DS].base, 0xffff800000000000ULL);
	vcpu_base(&w);
	off = b_raw(&w, T_SEG, 16, sixteen, sizeof(sixteen));
	REJECT(&w, off, "seg record length 16, must be 17");
	vcpu_base(&w);
	off = b_raw(&w, T_REG, 8, eight, sizeof(eight));
	REJECT(&w, off, "reg record length 8, must be 9");

	/* reg/sreg/seg before any vcpu. */
	bld_init(&w);
	b_upto_slot(&w);
	(void)b_blob1(&w, 0x1000);
	off = b_reg(&w, T_REG, 0, 1);
	REJECT(&w, off, "reg record before any vcpu record");
	bld_init(&w);
	b_upto_slot(&w);
	off = b_reg(&w, T_SREG, 0, 1);
	REJECT(&w, off, "sreg record before any vcpu record");
	bld_init(&w);
	b_upto_slot(&w);
	off = b_seg(&w, 0, 0, 0, 0, 0);
	REJECT(&w, off, "seg record before any vcpu record");

	/* Canonical order within a vCPU: reg, sreg, seg. */
	vcpu_base(&w);
	(void)b_reg(&w, T_SREG, 0, 0x11);
	off = b_reg(&w, T_REG, 0, 1);
	REJECT(&w, off,
	       "reg record after sreg (canonical order: reg, sreg, "
	       "seg, fpu, msr, cpuid, debugregs, events, lapic, features, "
	       "guest_debug, xsave, xcr, one_reg)");
	vcpu_base(&w);
	(void)b_seg(&w, 0, 0, 0x9b, 0xffff, 0);
	off = b_reg(&w, T_SREG, 0, 0x11);
	REJECT(&w, off, "sreg record after seg");

	/* ... but the next VCPU starts over. */
	vcpu_base(&w);
	(void)b_reg(&w, T_REG, 5, 0x55);
	(void)b_reg(&w, T_SREG, 0, 0x11);
	(void)b_seg(&w, 7, 0, VMM_SEGA_UNUSABLE, 0, 0);
	(void)b_vcpu(&w, VMM_MODE_PROT32, 0x2000);
	(void)b_reg(&w, T_REG, 0, 0xaa);
	(void)b_seg(&w, 0, 0x8, 0xc9b, 0xffffffffU, 0);
	ACCEPT(&w, &s);
	CHECK_EQ_U64(s.nvcpus, 2);
	CHECK_EQ_U64(s.vcpus[0].reg_mask, 1U << 5);
	CHECK_EQ_U64(s.vcpus[0].regs[5], 0x55);
	CHECK_EQ_U64(s.vcpus[0].sreg_mask, 1);
	CHECK_EQ_U64(s.vcpus[0].seg_mask, 1U << 7);
	CHECK_EQ_U64(s.vcpus[1].reg_mask, 1);
	CHECK_EQ_U64(s.vcpus[1].regs[0], 0xaa);
	CHECK_EQ_U64(s.vcpus[1].sreg_mask, 0);
	CHECK_EQ_U64(s.vcpus[1].seg_mask, 1);
	bld_free(&w);
}

/* ---- record order, console, sysarea, input ------------------------------------- */

static void test_order(void)
{
	struct bld w;
	size_t off;

	bld_init(&w);
	b_upto_slot(&w);
	(void)b_blob1(&w, 0x1000);
	off = b_slot(&w, 1, 0, 16, 0x10000);
	(void)b_vcpu(&w, 0, 0x1000);
	REJECT(&w, off, "slot record out of canonical order (after blob)");

	bld_init(&w);
	b_hdr(&w, 1, 1, 0);
	(void)b_limits(&w, 100, 100);
	off = b_blob1(&w, 0x1000);
	(void)b_slot(&w, 0, 0, 16, 0);
	(void)b_vcpu(&w, 0, 0x1000);
	REJECT(&w, off, "blob record before any slot record");
	bld_init(&w);
	b_hdr(&w, 1, 1, 0);
	(void)b_limits(&w, 100, 100);
	off = b_fill(&w, 0x1000, 1, hlt, 1);
	REJECT(&w, off, "fill record before any slot record");
	bld_init(&w);
	b_hdr(&w, 1, 1, 0);
	(void)b_limits(&w, 100, 100);
	off = b_input(&w, hlt, 1);
	REJECT(&w, off, "input record before any slot record");

	/* Unknown tags among the top-level records. */
	bld_init(&w);
	b_upto_slot(&w);
	(void)b_blob1(&w, 0x1000);
	off = b_raw(&w, 0x1f, 1, hlt, 1);
	(void)b_vcpu(&w, 0, 0x1000);
	REJECT(&w, off, "unknown record tag 0x1f");
	bld_init(&w);
	b_upto_slot(&w);
	off = b_raw(&w, 0x0f, 0, NULL, 0);
	REJECT(&w, off, "unknown record tag 0x0f");
	bld_init(&w);
	b_upto_slot(&w);
	off = b_raw(&w, 0xff, 0, NULL, 0);
	REJECT(&w, off, "unknown record tag 0xff");
	/* After a vCPU (where per-vCPU tags live), still rejected there. */
	bld_init(&w);
	b_minimal(&w);
	off = b_raw(&w, 0x1f, 1, hlt, 1);
	REJECT(&w, off, "unknown");

	/* Second console / sysarea / input. */
	bld_init(&w);
	b_hdr(&w, 1, 1, 0);
	(void)b_limits(&w, 100, 100);
	(void)b_gpa_rec(&w, T_CONSOLE, VMM_MMIO_CONSOLE_DEFAULT_GPA);
	off = b_gpa_rec(&w, T_CONSOLE, VMM_MMIO_CONSOLE_DEFAULT_GPA + 0x100);
	REJECT(&w, off, "second console record");
	bld_init(&w);
	b_hdr(&w, 1, 1, 0);
	(void)b_limits(&w, 100, 100);
	(void)b_gpa_rec(&w, T_SYSAREA, 0x8000);
	off = b_gpa_rec(&w, T_SYSAREA, 0x9000);
	REJECT(&w, off, "second sysarea record");
	bld_init(&w);
	b_upto_slot(&w);
	(void)b_input(&w, hlt, 1);
	off = b_input(&w, hlt, 1);
	REJECT(&w, off, "second input record");
	/* Console after sysarea, console after slot. */
	bld_init(&w);
	b_hdr(&w, 1, 1, 0);
	(void)b_limits(&w, 100, 100);
	(void)b_gpa_rec(&w, T_SYSAREA, 0x8000);
	off = b_gpa_rec(&w, T_CONSOLE, VMM_MMIO_CONSOLE_DEFAULT_GPA);
	REJECT(&w, off,
	       "console record out of canonical order (after "
	       "sysarea)");
	bld_init(&w);
	b_upto_slot(&w);
	off = b_gpa_rec(&w, T_CONSOLE, VMM_MMIO_CONSOLE_DEFAULT_GPA);
	REJECT(&w, off, "console record out of canonical order (after slot)");

	/* Top-level records after a VCPU. */
	bld_init(&w);
	b_minimal(&w);
	off = b_input(&w, hlt, 1);
	REJECT(&w, off, "input record out of canonical order (after vcpu)");
	vcpu_base(&w);
	(void)b_reg(&w, T_REG, 0, 0);
	off = b_blob1(&w, 0x2000);
	REJECT(&w, off, "blob record out of canonical order (after reg)");
	bld_init(&w);
	b_minimal(&w);
	off = b_slot(&w, 1, 0, 16, 0x10000);
	REJECT(&w, off, "slot record out of canonical order (after vcpu)");
	bld_init(&w);
	b_minimal(&w);
	off = b_limits(&w, 100, 100);
	REJECT(&w, off, "limits record out of canonical order");
	bld_free(&w);
}

static void test_console_sysarea_input(void)
{
	static const uint8_t seven[7];
	static uint8_t arena[64];
	struct bld w;
	struct vmm_scenario s, t;
	struct vmm_error e;
	char text[1024], what[64] = "";
	uint8_t out[128];
	size_t off, n;
	const uint64_t gpas[] = { 0x8000, 0xFFFC, 0 };

	/* Console inside RAM (validation, at the end). */
	for (size_t i = 0; i < sizeof(gpas) / sizeof(gpas[0]); i++) {
		bld_init(&w);
		b_hdr(&w, 1, 1, 0);
		(void)b_limits(&w, 100, 100);
		(void)b_gpa_rec(&w, T_CONSOLE, gpas[i]);
		(void)b_slot(&w, 0, 0, 16, 0);
		(void)b_blob1(&w, 0x1000);
		(void)b_vcpu(&w, 0, 0x1000);
		REJECT(&w, w.n, "MMIO console");
	}
	bld_init(&w);
	b_hdr(&w, 1, 1, 0);
	(void)b_limits(&w, 100, 100);
	(void)b_gpa_rec(&w, T_CONSOLE, 0x10000); /* right after the slot */
	(void)b_slot(&w, 0, 0, 16, 0);
	(void)b_blob1(&w, 0x1000);
	(void)b_vcpu(&w, 0, 0x1000);
	ACCEPT(&w, &s);
	CHECK_EQ_U64(s.mmio_console, 1);
	CHECK_EQ_U64(s.mmio_console_gpa, 0x10000);
	bld_init(&w);
	b_hdr(&w, 1, 1, 0);
	(void)b_limits(&w, 100, 100);
	(void)b_raw(&w, T_CONSOLE, 7, seven, sizeof(seven));
	REJECT(&w, 19, "console record length 7, must be 8");

	/* Sysarea. */
	bld_init(&w);
	b_hdr(&w, 1, 1, 0);
	(void)b_limits(&w, 100, 100);
	off = b_gpa_rec(&w, T_SYSAREA, 0x8001);
	(void)b_slot(&w, 0, 0, 16, 0);
	REJECT(&w, off + 3, "sysarea.gpa=0x8001, must be page aligned");
	bld_init(&w);
	b_hdr(&w, 1, 1, 0);
	(void)b_limits(&w, 100, 100);
	(void)b_gpa_rec(&w, T_SYSAREA, 0x8000);
	(void)b_slot(&w, 0, 0, 16, 0);
	(void)b_blob1(&w, 0x1000);
	(void)b_vcpu(&w, 0, 0x1000);
	ACCEPT(&w, &s);
	CHECK_EQ_U64(s.sys_fixed, 1);
	CHECK_EQ_U64(s.sys_gpa, 0x8000);

	/* Input of length 0: accepted, round-trips (binary and text). */
	bld_init(&w);
	b_upto_slot(&w);
	(void)b_blob1(&w, 0x1000);
	off = b_input(&w, NULL, 0);
	(void)b_vcpu(&w, 0, 0x1000);
	CHECK_EQ_U64(w.b[off + 1], 0);
	ACCEPT(&w, &s);
	CHECK_EQ_U64(s.has_input, 1);
	CHECK_EQ_U64(s.input_len, 0);
	n = vmm_scenario_format_text(&s, text, sizeof(text));
	CHECK(n < sizeof(text));
	CHECK_STR_CONTAINS(text, "\ninput data=\n");
	vmm_err_clear(&e);
	CHECK(vmm_scenario_parse_text(text, n, arena, sizeof(arena), &t, &e) ==
	      0);
	CHECK_EQ_U64(t.has_input, 1);
	CHECK_EQ_U64(t.input_len, 0);
	CHECK(vmm_scenario_equal(&s, &t, what, sizeof(what)));
	CHECK_EQ_U64(vmm_scenario_encode(&t, out, sizeof(out), &e), w.n);
	CHECK(memcmp(out, w.b, w.n) == 0);

	/* Input with bytes. */
	bld_init(&w);
	b_upto_slot(&w);
	off = b_input(&w, rich_in, sizeof(rich_in));
	(void)b_vcpu(&w, 0, 0x1000);
	ACCEPT(&w, &s);
	CHECK_EQ_U64(s.input_len, sizeof(rich_in));
	CHECK(s.input == w.b + off + REC_HDR);
	CHECK_EQ_U64(s.nblobs, 0);
	bld_free(&w);
}

/* ---- text form -------------------------------------------------------------------- */

static uint8_t text_arena[1U << 16];

static const char rich_head[] =
	"kvms version=1 arch=x86_64 flags=permissive\n"
	"limits max_exits=5000 timeout_ms=2000\n"
	"console gpa=0x10000000\n"
	"sysarea gpa=0x30000\n"
	"slot id=0 gpa=0x0 size=0x40000 flags=none\n"
	"slot id=3 gpa=0x100000 size=0x10000 flags=readonly,dirty_log\n"
	"fill gpa=0x2000 len=0x100 pattern=90cc\n"
	"blob gpa=0x1000 data=4831c0f490\n"
	"blob gpa=0x100000 data=deadbe\n"
	"input data=4b564d0a\n";

static void test_text_rich(void)
{
	struct bld w;
	struct vmm_scenario s, t, u;
	struct vmm_error e;
	static char text[8192], text2[8192];
	char small[16], what[64] = "";
	uint8_t out[1024];
	size_t n, n2, m;

	bld_init(&w);
	b_rich(&w);
	ACCEPT(&w, &s);
	CHECK_EQ_U64(s.nslots, 2);
	CHECK_EQ_U64(s.nfills, 1);
	CHECK_EQ_U64(s.nblobs, 2);
	CHECK_EQ_U64(s.nvcpus, 2);
	CHECK_EQ_U64(s.slots[1].flags, VMM_SLOT_READONLY | VMM_SLOT_DIRTY_LOG);

	n = vmm_scenario_format_text(&s, text, sizeof(text));
	CHECK(n > 0 && n < sizeof(text));
	CHECK_EQ_U64(strlen(text), n);
	CHECK(strncmp(text, rich_head, strlen(rich_head)) == 0);
	CHECK_STR_CONTAINS(text, "\nblob gpa=0x1000 data=4831c0f490\n");
	CHECK_STR_CONTAINS(text, "\ninput data=4b564d0a\n");
	CHECK_STR_CONTAINS(text, "\nvcpu mode=long64 entry=0x1000\n"
				 "reg rsp=0x8000\nreg rflags=0x2\n"
				 "sreg efer=0xd00\nsreg gdt_limit=0xffff\n"
				 "seg fs selector=0x10 attrs=0xc93 "
				 "limit=0xffffffff base=0x12345000\n"
				 "seg ldt selector=0x0 attrs=0x1000 limit=0x0 "
				 "base=0x0\n");
	CHECK_STR_CONTAINS(text, "\nvcpu mode=real16 entry=0x1000\n"
				 "reg rax=0xdeadbeefcafef00d\n");

	vmm_err_clear(&e);
	CHECK(vmm_scenario_parse_text(text, n, text_arena, sizeof(text_arena),
				      &t, &e) == 0);
	CHECK(vmm_scenario_equal(&s, &t, what, sizeof(what)));
	if (what[0])
		(void)fprintf(stderr, "  text round trip differs in %s (%s)\n",
			      what, e.msg);
	m = vmm_scenario_encode(&t, out, sizeof(out), &e);
	CHECK_EQ_U64(m, w.n);
	CHECK(m == w.n && memcmp(out, w.b, w.n) == 0);
	CHECK(vmm_scenario_decode(out, m, &u, &e) == 0);
	CHECK(vmm_scenario_equal(&t, &u, what, sizeof(what)));
	/* The text is canonical as well. */
	n2 = vmm_scenario_format_text(&t, text2, sizeof(text2));
	CHECK_EQ_U64(n2, n);
	CHECK(strcmp(text, text2) == 0);

	/* Too small a buffer: full length returned, NUL inside, no overrun. */
	memset(small, 'Z', sizeof(small));
	CHECK_EQ_U64(vmm_scenario_format_text(&s, small, 10), n);
	CHECK_EQ_U64(small[9], '\0');
	CHECK(memcmp(small, text, 9) == 0);
	CHECK_EQ_U64(small[10], 'Z');
	CHECK_EQ_U64(vmm_scenario_format_text(&s, NULL, 0), n);

	/* A text too big for the arena. */
	vmm_err_clear(&e);
	CHECK(vmm_scenario_parse_text(text, n, text_arena, 4, &t, &e) == -1);
	CHECK_EQ_U64(e.cls, VMM_ERR_INPUT);
	CHECK_STR_CONTAINS(e.msg, "data exceeds 4 bytes");
	bld_free(&w);
}

#define TXT_HDR "kvms version=1 arch=x86_64 flags=none\n"
#define TXT_LIM "limits max_exits=100 timeout_ms=100\n"
#define TXT_SLOT "slot id=0 gpa=0x0 size=0x10000 flags=none\n"
#define TXT_BLOB "blob gpa=0x1000 data=f4\n"
#define TXT_VCPU "vcpu mode=real16 entry=0x1000\n"

static void text_reject(const char *text, const char *where, const char *what,
			int line)
{
	int before = check_failures;
	struct vmm_scenario s;
	struct vmm_error e;

	vmm_err_clear(&e);
	CHECK(vmm_scenario_parse_text(text, strlen(text), text_arena,
				      sizeof(text_arena), &s, &e) == -1);
	CHECK_EQ_U64(e.cls, VMM_ERR_INPUT);
	if (where) {
		CHECK_STR_CONTAINS(e.msg, where);
		CHECK(strncmp(e.msg, where, strlen(where)) == 0);
	}
	CHECK_STR_CONTAINS(e.msg, what);
	note(before, line, &e, NULL, 0);
}

#define TEXT_REJECT(text, where, what) \
	text_reject((text), (where), (what), __LINE__)

static void test_text_errors(void)
{
	static const char clean[] =
		TXT_HDR TXT_LIM TXT_SLOT TXT_BLOB TXT_VCPU "reg rax=0x1\n";
	static const char noisy[] =
		"# a scenario\n"
		"\n"
		"   \n"
		"kvms\tversion=1 arch=x86_64   flags=none  # header\r\n"
		"\t# indented comment\n"
		"limits max_exits=100 timeout_ms=100\r\n"
		"slot id=0 gpa=0x0 size=0x10000 flags=none\n"
		"\n"
		"blob gpa=0x1000 data=F4 #code\n"
		"vcpu mode=real16 entry=0x1000\n"
		"reg rax=0x1";
	static uint8_t arena2[64];
	struct vmm_scenario a, b;
	struct vmm_error e;
	char what[64] = "";
	uint8_t out1[128], out2[128];
	size_t n1, n2;

	TEXT_REJECT(TXT_HDR TXT_LIM "bogus x=1\n",
		    "line 3:", "unknown record 'bogus'");
	TEXT_REJECT(TXT_HDR TXT_LIM "slot id=0 gpa=0x0 flags=none\n",
		    "line 3:", "slot record needs size=");
	TEXT_REJECT(TXT_HDR TXT_LIM TXT_SLOT "blob gpa=0x1000\n",
		    "line 4:", "blob record needs data=");
	TEXT_REJECT(TXT_HDR TXT_LIM "blob gpa=0x1000 data=zz\n",
		    "line 3:", "data: 'zz' is not hex");
	TEXT_REJECT(TXT_HDR TXT_LIM "blob gpa=0x1000 data=f4g0\n",
		    "line 3:", "'g0' is not hex");
	TEXT_REJECT(TXT_HDR TXT_LIM "blob gpa=0x1000 data=f4f\n",
		    "line 3:", "data has an odd number of hex digits");
	TEXT_REJECT(TXT_HDR TXT_LIM TXT_SLOT TXT_VCPU "reg foo=0x1\n",
		    "line 5:", "unknown x86_64 register name 'foo'");
	TEXT_REJECT(TXT_HDR TXT_LIM TXT_SLOT TXT_VCPU "sreg cr1=0x1\n",
		    "line 5:", "unknown sreg name 'cr1'");
	TEXT_REJECT(TXT_HDR TXT_LIM TXT_SLOT TXT_VCPU
		    "seg xs selector=0 attrs=0 limit=0 base=0\n",
		    "line 5:", "unknown seg name 'xs'");
	TEXT_REJECT(TXT_HDR TXT_LIM TXT_SLOT TXT_VCPU
		    "seg cs selector=0 attrs=0x2000 limit=0 base=0\n",
		    "line 5:", "attrs=0x2000");
	TEXT_REJECT(TXT_HDR TXT_LIM TXT_SLOT TXT_VCPU "reg rax=zz\n",
		    "line 5:", "rax: 'zz' is not a number");
	TEXT_REJECT(TXT_HDR TXT_LIM "reg rax=0x1\n",
		    "line 3:", "reg record before any vcpu record");
	TEXT_REJECT(TXT_HDR TXT_LIM "seg cs selector=0 attrs=0 limit=0 "
				    "base=0\n",
		    "line 3:", "seg record before any vcpu record");
	TEXT_REJECT(TXT_HDR TXT_LIM TXT_SLOT "vcpu mode=real17 entry=0x0\n",
		    "line 4:", "unknown mode 'real17'");
	TEXT_REJECT(TXT_HDR TXT_LIM "slot id=0x8000 gpa=0x0 size=0x1000 "
				    "flags=none\n",
		    "line 3:", "id=0x8000 is not a number in 0..0x7fff");
	TEXT_REJECT(TXT_HDR TXT_LIM "slot id=0 gpa=0x0 size=0x1000 "
				    "flags=exec\n",
		    "line 3:", "slot flags 'exec'");
	TEXT_REJECT(TXT_HDR TXT_LIM "slot id=0 gpa=0x0 size=0x1000 "
				    "flags=none color=red\n",
		    "line 3:", "unexpected 'color=red' in slot record");
	TEXT_REJECT(TXT_HDR TXT_LIM TXT_SLOT
		    "fill gpa=0x0 len=0x10 "
		    "pattern=000102030405060708090a0b0c0d0e0f10\n",
		    "line 4:", "pattern has 17 bytes, at most 16");
	TEXT_REJECT("# comment\n\nlimits max_exits=100 timeout_ms=100\n",
		    "line 3:", "the first record must be the kvms header");
	TEXT_REJECT(TXT_HDR TXT_LIM "limits max_exits=1 timeout_ms=1\n",
		    "line 3:", "second limits record");
	TEXT_REJECT(TXT_HDR TXT_HDR, "line 2:", "second kvms header line");
	TEXT_REJECT("kvms version=2 arch=x86_64 flags=none\n",
		    "line 1:", "version 2");
	TEXT_REJECT("kvms version=1 arch=mips flags=none\n",
		    "line 1:", "arch must be x86_64 or arm64");
	TEXT_REJECT("kvms version=1 arch=x86_64 flags=fast\n",
		    "line 1:", "flags must be none or permissive");
	TEXT_REJECT(TXT_HDR TXT_LIM TXT_SLOT "input data=00\ninput data=01\n",
		    "line 5:", "second input record");
	TEXT_REJECT(TXT_HDR TXT_LIM TXT_SLOT TXT_VCPU TXT_VCPU TXT_VCPU TXT_VCPU
			    TXT_VCPU,
		    "line 8:", "more than 4 vCPUs");
	TEXT_REJECT(TXT_HDR "a b c d e f g h i j k\n",
		    "line 2:", "too many fields");
	/* Numbers: one prefix, no sign, no whitespace (strtoull's traps). */
	TEXT_REJECT(TXT_HDR TXT_LIM "slot id=0 gpa=0x0 size=0x0x1000 "
				    "flags=none\n",
		    "line 3:", "size=0x0x1000 is not a number");
	TEXT_REJECT(TXT_HDR TXT_LIM TXT_SLOT TXT_VCPU "reg rax=0x0x10\n",
		    "line 5:", "rax: '0x0x10' is not a number");
	TEXT_REJECT(TXT_HDR TXT_LIM TXT_SLOT "blob gpa=+0x1000 data=f4\n",
		    "line 4:", "gpa=+0x1000 is not a number");
	TEXT_REJECT(TXT_HDR TXT_LIM TXT_SLOT "blob gpa=0x-1000 data=f4\n",
		    "line 4:", "gpa=0x-1000 is not a number");
	TEXT_REJECT(TXT_HDR "limits max_exits=-1 timeout_ms=100\n",
		    "line 2:", "max_exits=-1 is not a number");
	/* A key given twice: refused (it used to be the first one wins). */
	TEXT_REJECT(TXT_HDR TXT_LIM "slot id=0 id=5 gpa=0x0 size=0x1000 "
				    "flags=none\n",
		    "line 3:", "duplicate key 'id' in slot record");
	TEXT_REJECT(TXT_HDR TXT_LIM TXT_SLOT "blob gpa=0x1000 data=f4 "
					     "gpa=0x2000\n",
		    "line 4:", "duplicate key 'gpa' in blob record");
	TEXT_REJECT("kvms version=1 arch=x86_64 arch=arm64 flags=none\n",
		    "line 1:", "duplicate key 'arch' in kvms record");
	TEXT_REJECT(TXT_HDR "limits max_exits=1 timeout_ms=1 max_exits=2\n",
		    "line 2:", "duplicate key 'max_exits' in limits record");
	TEXT_REJECT(TXT_HDR TXT_LIM TXT_SLOT TXT_VCPU
		    "seg cs selector=0 attrs=0 limit=0 base=0 base=0x10\n",
		    "line 5:", "duplicate key 'base' in seg record");
	TEXT_REJECT(TXT_HDR TXT_LIM TXT_SLOT "vcpu mode=real16 entry=0x1000 "
					     "mode=prot32\n",
		    "line 4:", "duplicate key 'mode' in vcpu record");
	TEXT_REJECT(TXT_HDR TXT_LIM TXT_SLOT "console gpa=0x1 gpa=0x2\n",
		    "line 4:", "duplicate key 'gpa' in console record");
	/* Whole-text errors (no line): missing lines, validation. */
	TEXT_REJECT("", NULL, "missing kvms line");
	TEXT_REJECT("# only a comment\n\n", NULL, "missing kvms line");
	TEXT_REJECT(TXT_HDR, NULL, "missing limits line");
	TEXT_REJECT(TXT_HDR TXT_LIM TXT_SLOT
		    "blob gpa=0x20000 data=f4\n" TXT_VCPU,
		    NULL, "does not fit inside one memory slot");
	TEXT_REJECT(TXT_HDR TXT_LIM TXT_SLOT TXT_BLOB, NULL, "0 vCPUs");

	/* Comments, blank lines, tabs, CRLF and a missing final newline are
	 * ignored: same scenario as the clean text. */
	vmm_err_clear(&e);
	CHECK(vmm_scenario_parse_text(clean, strlen(clean), text_arena,
				      sizeof(text_arena), &a, &e) == 0);
	CHECK(vmm_scenario_parse_text(noisy, strlen(noisy), arena2,
				      sizeof(arena2), &b, &e) == 0);
	CHECK(vmm_scenario_equal(&a, &b, what, sizeof(what)));
	CHECK(what[0] == '\0');
	n1 = vmm_scenario_encode(&a, out1, sizeof(out1), &e);
	n2 = vmm_scenario_encode(&b, out2, sizeof(out2), &e);
	CHECK(n1 > 0 && n1 == n2 && memcmp(out1, out2, n1) == 0);
	CHECK_EQ_U64(b.vcpus[0].reg_mask, 1);
	CHECK_EQ_U64(b.blobs[0].data[0], 0xf4);
}

/* ---- encode into a short buffer ------------------------------------------------ */

static void test_encode_short_buffer(void)
{
	static const uint8_t canaries[2] = { 0xA5, 0x5A };
	struct bld w;
	struct vmm_scenario s;
	struct vmm_error e;
	uint8_t out[512];
	size_t full;

	bld_init(&w);
	b_rich(&w);
	ACCEPT(&w, &s);
	CHECK(w.n + 16 <= sizeof(out));
	vmm_err_clear(&e);
	full = vmm_scenario_encode(&s, NULL, 0, &e);
	CHECK_EQ_U64(full, w.n);
	for (size_t c = 0; c < 2; c++) {
		for (size_t cap = 0; cap <= full; cap++) {
			size_t bad_lo = 0, bad_hi = 0;

			memset(out, canaries[c], sizeof(out));
			if (vmm_scenario_encode(&s, out, cap, &e) != full)
				bad_lo++;
			for (size_t i = 0; i < cap; i++)
				if (out[i] != w.b[i])
					bad_lo++;
			for (size_t i = cap; i < full + 16; i++)
				if (out[i] != canaries[c])
					bad_hi++;
			CHECK_EQ_U64(bad_lo, 0);
			CHECK_EQ_U64(bad_hi, 0);
			if (bad_lo || bad_hi)
				(void)fprintf(stderr, "  cap=%zu\n", cap);
		}
	}
	bld_free(&w);
}

/* ---- pseudo-random mutation ----------------------------------------------------- */

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rng_state = x;
	return x;
}

static void test_mutation(void)
{
	static const uint8_t interesting[] = { 0x00, 0x01, 0x02, 0x03,
					       0x04, 0x05, 0x06, 0x07,
					       0x10, 0x11, 0x12, 0x13,
					       0x14, 0x7f, 0x80, 0xff };
	struct bld seeds[2];
	uint8_t buf[1024], out[1024 + 16];
	unsigned long accepted = 0, rejected = 0, bad_reject = 0;
	unsigned long bad_roundtrip = 0;

	bld_init(&seeds[0]);
	b_minimal(&seeds[0]);
	bld_init(&seeds[1]);
	b_rich(&seeds[1]);
	for (int it = 0; it < 20000; it++) {
		const struct bld *seed = &seeds[it & 1];
		size_t n = seed->n;
		unsigned int flips = 1 + (unsigned int)(rnd() % 4);
		struct vmm_scenario s, t;
		struct vmm_error e;
		uint8_t *c;
		int rc;

		memcpy(buf, seed->b, n);
		for (unsigned int f = 0; f < flips; f++) {
			size_t pos = (size_t)(rnd() % n);
			uint64_t r = rnd();

			switch (r % 4) {
			case 0:
				buf[pos] ^= (uint8_t)(1U << ((r >> 8) % 8));
				break;
			case 1:
				buf[pos] = (uint8_t)(r >> 16);
				break;
			case 2:
				buf[pos] = interesting[(r >> 8) %
						       sizeof(interesting)];
				break;
			default: /* off by one, e.g. a length or index */
				buf[pos] = (uint8_t)(buf[pos] +
						     ((r >> 8) & 1 ? 1 : 0xff));
				break;
			}
		}
		if (rnd() % 16 == 0) /* sometimes truncate or extend */
			n = (size_t)(rnd() % (seed->n + 8));
		for (size_t i = seed->n; i < n; i++)
			buf[i] = (uint8_t)rnd();

		c = dup_exact(buf, n);
		vmm_err_clear(&e);
		rc = vmm_scenario_decode(c, n, &s, &e);
		if (rc == 0) {
			size_t m =
				vmm_scenario_encode(&s, out, sizeof(out), &e);
			char what[64];

			accepted++;
			if (m != n || memcmp(out, buf, n) != 0 ||
			    vmm_scenario_decode(out, m, &t, &e) != 0 ||
			    !vmm_scenario_equal(&s, &t, what, sizeof(what))) {
				if (!bad_roundtrip)
					hexdump(buf, n);
				bad_roundtrip++;
			}
		} else {
			rejected++;
			if (rc != -1 || e.cls != VMM_ERR_INPUT ||
			    strncmp(e.msg, "offset ", 7) != 0) {
				if (!bad_reject) {
					(void)fprintf(stderr,
						      "  bad rejection: %s\n",
						      e.msg);
					hexdump(buf, n);
				}
				bad_reject++;
			}
		}
		free(c);
	}
	CHECK_EQ_U64(bad_roundtrip, 0);
	CHECK_EQ_U64(bad_reject, 0);
	CHECK(accepted > 1000);
	CHECK(rejected > 1000);
	(void)printf("test_scenario: mutation: %lu accepted, %lu rejected\n",
		     accepted, rejected);
}

/* Runs last: the parser takes a NULL arena (capacity 0), which must still
 * parse a text whose only hex field is empty. */
static void test_text_null_arena(void)
{
	static const char text[] =
		TXT_HDR TXT_LIM TXT_SLOT "input data=\n" TXT_VCPU;
	static const char text2[] =
		TXT_HDR TXT_LIM TXT_SLOT "input data=00\n" TXT_VCPU;
	struct vmm_scenario s;
	struct vmm_error e;

	vmm_err_clear(&e);
	CHECK(vmm_scenario_parse_text(text, strlen(text), NULL, 0, &s, &e) ==
	      0);
	CHECK_EQ_U64(s.has_input, 1);
	CHECK_EQ_U64(s.input_len, 0);
	vmm_err_clear(&e);
	CHECK(vmm_scenario_parse_text(text2, strlen(text2), NULL, 0, &s, &e) ==
	      -1);
	CHECK_STR_CONTAINS(e.msg, "line 4: data: data exceeds 0 bytes");
}

static size_t b_features(struct bld *w, uint32_t f)
{
	(void)begin(w, T_FEATURES);
	put(w, f, 4);
	return end(w);
}

/* header(arm64), LIMITS, SLOT, BLOB(0x1000, 4 bytes), VCPU(mode, 0x1000) */
static void b_arm64(struct bld *w, unsigned int mode)
{
	static const uint8_t wfi[4] = { 0x7f, 0x20, 0x03, 0xd5 };

	b_hdr(w, 1, VMM_ARCH_ARM64, 0);
	(void)b_limits(w, 100, 100);
	(void)b_slot(w, 0, 0, 16, 0);
	(void)b_blob(w, 0x1000, wfi, sizeof(wfi));
	(void)b_vcpu(w, mode, 0x1000);
}

/* arm64 scenarios decode, print and re-encode on any host; their own
 * records and bounds are checked, x86 records are refused. */
static void test_arm64_records(void)
{
	struct bld w;
	struct vmm_scenario s, s2;
	struct vmm_error e;
	char text[4096], what[64];
	static uint8_t arena[4096];
	size_t off, tl;

	bld_init(&w);
	b_arm64(&w, VMM_ARM64_AARCH64);
	(void)b_reg(&w, T_REG, VMM_ARM64_REG_SP, 0x8000);
	(void)b_reg(&w, T_REG, VMM_ARM64_REG_PSTATE, 0x3c5);
	(void)b_features(&w, (1U << VMM_ARM64_FEAT_PSCI_0_2) |
				     (1U << VMM_ARM64_FEAT_PMU_V3));
	ACCEPT(&w, &s);
	CHECK_EQ_U64(s.arch, VMM_ARCH_ARM64);
	CHECK_EQ_U64(s.vcpus[0].mode, VMM_ARM64_AARCH64);
	CHECK_EQ_U64(s.vcpus[0].features, 0xC);
	CHECK_EQ_U64(s.vcpus[0].reg_mask, (1ULL << 31) | (1ULL << 33));
	CHECK_EQ_U64(s.vcpus[0].regs[VMM_ARM64_REG_PSTATE], 0x3c5);
	/* the text form names arm64 things and parses back to the same */
	tl = vmm_scenario_format_text(&s, text, sizeof(text));
	CHECK(tl < sizeof(text));
	CHECK_STR_CONTAINS(text, "arch=arm64");
	CHECK_STR_CONTAINS(text, "vcpu mode=aarch64 entry=0x1000\n");
	CHECK_STR_CONTAINS(text, "reg sp=0x8000\nreg pstate=0x3c5\n");
	CHECK_STR_CONTAINS(text, "features psci-0.2,pmu-v3\n");
	vmm_err_clear(&e);
	CHECK(vmm_scenario_parse_text(text, tl, arena, sizeof(arena), &s2,
				      &e) == 0);
	CHECK(vmm_scenario_equal(&s, &s2, what, sizeof(what)));

	/* aarch32 is mode 1; there is no mode 2 */
	bld_init(&w);
	b_arm64(&w, VMM_ARM64_AARCH32);
	ACCEPT(&w, &s);
	CHECK_EQ_U64(s.vcpus[0].mode, VMM_ARM64_AARCH32);
	bld_init(&w);
	b_arm64(&w, 2);
	REJECT(&w, w.rec + 3, "vcpu.mode=2, must be < 2 (arm64)");

	/* register indices: 33 (pstate) is the last arm64 one */
	bld_init(&w);
	b_arm64(&w, 0);
	off = b_reg(&w, T_REG, VMM_ARM64_NREGS, 1);
	REJECT(&w, off + 3, "reg index 34, must be < 34");
	bld_init(&w);
	b_minimal(&w);
	off = b_reg(&w, T_REG, 18, 1);
	REJECT(&w, off + 3, "reg index 18, must be < 18");

	/* features: arm64 only, non-zero, known settable bits, once */
	bld_init(&w);
	b_arm64(&w, 0);
	off = b_features(&w, 0);
	REJECT(&w, off + 3, "features=0x0");
	bld_init(&w);
	b_arm64(&w, 0);
	off = b_features(&w, 1U << VMM_ARM64_FEAT_EL1_32BIT);
	REJECT(&w, off + 3, "features=0x2");
	bld_init(&w);
	b_arm64(&w, 0);
	(void)b_features(&w, 4);
	off = b_features(&w, 4);
	REJECT(&w, off, "second features record");
	bld_init(&w);
	b_minimal(&w);
	off = b_features(&w, 4);
	REJECT(&w, off, "features record in a x86_64 scenario (arm64 only)");
	bld_init(&w);
	b_arm64(&w, 0);
	(void)b_features(&w, 4);
	off = b_reg(&w, T_REG, 0, 1);
	REJECT(&w, off, "reg record after features");

	/* x86 records in an arm64 scenario */
	bld_init(&w);
	b_arm64(&w, 0);
	off = b_reg(&w, T_SREG, 0, 1);
	REJECT(&w, off, "sreg record in a arm64 scenario (x86 only)");
	bld_init(&w);
	b_hdr(&w, 1, VMM_ARCH_ARM64, 0);
	(void)b_limits(&w, 100, 100);
	off = b_gpa_rec(&w, T_SYSAREA, 0x1000);
	REJECT(&w, off, "sysarea record in a arm64 scenario (x86 only");

	/* the text form refuses the same */
	TEXT_REJECT("kvms version=1 arch=arm64 flags=none\n" TXT_LIM TXT_SLOT
		    "vcpu mode=real16 entry=0x0\n",
		    "line 4:", "unknown mode 'real16' (arm64)");
	TEXT_REJECT("kvms version=1 arch=arm64 flags=none\n" TXT_LIM TXT_SLOT
		    "vcpu mode=aarch64 entry=0x0\nreg rax=1\n",
		    "line 5:", "unknown arm64 register name 'rax'");
	TEXT_REJECT(
		"kvms version=1 arch=arm64 flags=none\n" TXT_LIM TXT_SLOT
		"vcpu mode=aarch64 entry=0x0\nfeatures psci-0.2,el1-32bit\n",
		"line 5:", "unknown or unsettable arm64 feature 'el1-32bit'");
	TEXT_REJECT(TXT_HDR TXT_LIM TXT_SLOT TXT_VCPU "features psci-0.2\n",
		    "line 5:", "features are arm64 only");
}

/* A per-vCPU record of length 0 as the very last bytes: rejected for its
 * length without reading its (absent) index byte. The input is an
 * exact-size heap copy, so ASan sees any read past it. */
static void test_empty_vcpu_field_at_end(void)
{
	static const struct {
		unsigned int arch, tag;
		const char *msg;
	} cases[] = {
		{ VMM_ARCH_X86_64, T_REG, "reg record length 0, must be 9" },
		{ VMM_ARCH_X86_64, T_SREG, "sreg record length 0, must be 9" },
		{ VMM_ARCH_X86_64, T_SEG, "seg record length 0, must be 17" },
		{ VMM_ARCH_ARM64, T_REG, "reg record length 0, must be 9" },
		{ VMM_ARCH_ARM64, T_FEATURES,
		  "features record length 0, must be 4" },
	};
	struct bld w;
	size_t off;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bld_init(&w);
		if (cases[i].arch == VMM_ARCH_ARM64)
			b_arm64(&w, VMM_ARM64_AARCH64);
		else
			vcpu_base(&w);
		off = b_raw(&w, cases[i].tag, 0, NULL, 0);
		REJECT(&w, off, cases[i].msg);
	}
	bld_free(&w);
}

/* The record schema (vmm/scenario_schema.c) is consistent: what a new
 * entry must satisfy for the codec and the text form to walk it. */
static size_t b_msr(struct bld *w, uint32_t index, uint64_t value)
{
	(void)begin(w, T_MSR);
	put(w, index, 4);
	put(w, value, 8);
	return end(w);
}

static size_t b_one_reg(struct bld *w, uint64_t id, uint64_t value, uint64_t hi)
{
	(void)begin(w, T_ONE_REG);
	put(w, id, 8);
	put(w, value, 8);
	put(w, hi, 8);
	return end(w);
}

static size_t b_vgic(struct bld *w, uint64_t dist, uint64_t redist, uint32_t nr)
{
	(void)begin(w, T_VGIC);
	put(w, dist, 8);
	put(w, redist, 8);
	put(w, nr, 2);
	return end(w);
}

static size_t b_irq_line(struct bld *w, unsigned int type, unsigned int vcpu,
			 unsigned int irq, unsigned int level)
{
	(void)begin(w, T_IRQ_LINE);
	put(w, type, 1);
	put(w, vcpu, 1);
	put(w, irq, 2);
	put(w, level, 1);
	return end(w);
}

/* An arm64 scenario up to its blob (the vgic and irq_line records come
 * before the vcpu records). */
static void b_arm64_head(struct bld *w)
{
	static const uint8_t wfi[4] = { 0x7f, 0x20, 0x03, 0xd5 };

	b_hdr(w, 1, VMM_ARCH_ARM64, 0);
	(void)b_limits(w, 100, 100);
	(void)b_slot(w, 0, 0, 16, 0);
	(void)b_blob(w, 0x1000, wfi, sizeof(wfi));
}

#define V0_ID 0x6040000000100054ULL /* core register V0, 128 bits */

/* arm64 one_reg, vgic and irq_line records: canonical binary and text
 * forms, bounds, order, and x86 scenarios refusing them. */
static void test_arm64_state_records(void)
{
	struct bld w;
	struct vmm_scenario s, s2;
	struct vmm_error e;
	char text[8192], what[64];
	static uint8_t arena[8192];
	size_t off, tl;

	bld_init(&w);
	b_arm64_head(&w);
	(void)b_vgic(&w, 0x08000000, 0x080A0000, 96);
	(void)b_irq_line(&w, VMM_IRQ_SPI, 0, 40, 1);
	(void)b_irq_line(&w, VMM_IRQ_SPI, 0, 41, 0);
	(void)b_irq_line(&w, VMM_IRQ_PPI, 1, 20, 1);
	(void)b_vcpu(&w, VMM_ARM64_AARCH64, 0x1000);
	(void)b_one_reg(&w, VMM_ARM64_REG_TPIDR_EL1, 0xa4b4f, 0);
	(void)b_one_reg(&w, VMM_ARM64_REG_TIMER_CTL, 1, 0);
	(void)b_one_reg(&w, V0_ID, 0x1122334455667788ULL, 0x99);
	(void)b_vcpu(&w, VMM_ARM64_AARCH64, 0x1000);
	(void)b_one_reg(&w, VMM_ARM64_REG_TIMER_CVAL, 5, 0);
	ACCEPT(&w, &s);
	CHECK_EQ_U64(s.has_vgic, 1);
	CHECK_EQ_U64(s.vgic_dist, 0x08000000);
	CHECK_EQ_U64(s.vgic_redist, 0x080A0000);
	CHECK_EQ_U64(s.vgic_nr_irqs, 96);
	CHECK_EQ_U64(s.n_irq_lines, 3);
	CHECK_EQ_U64(s.irq_lines[2].type, VMM_IRQ_PPI);
	CHECK_EQ_U64(s.irq_lines[2].vcpu, 1);
	CHECK_EQ_U64(s.irq_lines[2].irq, 20);
	CHECK_EQ_U64(s.vcpus[0].n_one_regs, 3);
	CHECK_EQ_U64(s.vcpus[0].one_regs[2].hi, 0x99);
	CHECK_EQ_U64(s.vcpus[0].one_regs[0].value, 0xa4b4f);
	CHECK_EQ_U64(s.vcpus[1].n_one_regs, 1);
	CHECK_EQ_U64(s.vcpus[1].one_regs[0].id, 0x603000000013df02ULL);
	tl = vmm_scenario_format_text(&s, text, sizeof(text));
	CHECK(tl < sizeof(text));
	CHECK_STR_CONTAINS(text,
			   "vgic dist=0x8000000 redist=0x80a0000 nr_irqs=96\n"
			   "irq_line type=spi vcpu=0 irq=40 level=1\n"
			   "irq_line type=spi vcpu=0 irq=41 level=0\n"
			   "irq_line type=ppi vcpu=1 irq=20 level=1\n"
			   "vcpu mode=aarch64 entry=0x1000\n"
			   "one_reg id=0x603000000013c684 value=0xa4b4f "
			   "hi=0x0\n"
			   "one_reg id=0x603000000013df19 value=0x1 hi=0x0\n"
			   "one_reg id=0x6040000000100054 "
			   "value=0x1122334455667788 hi=0x99\n");
	vmm_err_clear(&e);
	CHECK(vmm_scenario_parse_text(text, tl, arena, sizeof(arena), &s2,
				      &e) == 0);
	CHECK(vmm_scenario_equal(&s, &s2, what, sizeof(what)));
	s2.vcpus[0].one_regs[2].value = 0;
	CHECK(!vmm_scenario_equal(&s, &s2, what, sizeof(what)));
	CHECK_STR_CONTAINS(what, "vcpu[0].one_regs");
	s2 = s;
	s2.irq_lines[0].level = 0;
	CHECK(!vmm_scenario_equal(&s, &s2, what, sizeof(what)));
	CHECK_STR_CONTAINS(what, "irq_lines");

	/* one_reg: canonical order, an arm64 id of 8..128 bits, a value
	 * that fits, hi only for 128 bits, capped, arm64 only */
	bld_init(&w);
	b_arm64(&w, VMM_ARM64_AARCH64);
	(void)b_one_reg(&w, VMM_ARM64_REG_TIMER_CTL, 1, 0);
	off = b_one_reg(&w, VMM_ARM64_REG_TPIDR_EL1, 1, 0);
	REJECT(&w, off + 3,
	       "one_reg.id=0x603000000013c684 not above the previous "
	       "0x603000000013df19");
	bld_init(&w);
	b_arm64(&w, VMM_ARM64_AARCH64);
	off = b_one_reg(&w, 0x4030000000100000ULL, 1, 0);
	REJECT(&w, off + 3, "not an arm64 register id");
	bld_init(&w);
	b_arm64(&w, VMM_ARM64_AARCH64);
	off = b_one_reg(&w, 0x6050000000150000ULL, 1, 0);
	REJECT(&w, off + 3, "a 256-bit register; records hold 8 to 128 bits");
	bld_init(&w);
	b_arm64(&w, VMM_ARM64_AARCH64);
	off = b_one_reg(&w, 0x6020000000110000ULL, 0x100000000ULL, 0);
	REJECT(&w, off + 3, "value 0x100000000 is wider than the 32-bit");
	bld_init(&w);
	b_arm64(&w, VMM_ARM64_AARCH64);
	off = b_one_reg(&w, VMM_ARM64_REG_TIMER_CTL, 1, 2);
	REJECT(&w, off + 3, "hi=0x2 on a 64-bit register");
	bld_init(&w);
	b_arm64(&w, VMM_ARM64_AARCH64);
	for (uint32_t i = 0; i < VMM_MAX_SCN_ONE_REGS; i++)
		(void)b_one_reg(&w, VMM_ARM64_SYSREG(3, 0, 13, 0, 0) + i, i, 0);
	ACCEPT(&w, &s);
	off = b_one_reg(&w, VMM_ARM64_SYSREG(3, 1, 0, 0, 0), 1, 0);
	REJECT(&w, off, "one_reg: more than 16 one_reg records for one vCPU");
	bld_init(&w);
	b_minimal(&w);
	off = b_one_reg(&w, VMM_ARM64_REG_TIMER_CTL, 1, 0);
	REJECT(&w, off, "one_reg record in a x86_64 scenario (arm64 only)");
	bld_init(&w);
	b_arm64(&w, VMM_ARM64_AARCH64);
	(void)b_one_reg(&w, VMM_ARM64_REG_TIMER_CTL, 1, 0);
	off = b_features(&w, 4);
	REJECT(&w, off, "features record after one_reg");

	/* vgic: 64 KiB aligned below the IPA limit, nr_irqs a multiple of
	 * 32 in 64..1024, once, arm64 only; irq_line needs it, keeps the
	 * INTID ranges and the canonical order */
	bld_init(&w);
	b_arm64_head(&w);
	off = b_vgic(&w, 0x08001000, 0x080A0000, 64);
	REJECT(&w, off + 3, "must be 64 KiB aligned and below");
	bld_init(&w);
	b_arm64_head(&w);
	off = b_vgic(&w, 1ULL << 40, 0x080A0000, 64);
	REJECT(&w, off + 3, "must be 64 KiB aligned and below");
	bld_init(&w);
	b_arm64_head(&w);
	off = b_vgic(&w, 0x08000000, 0x080A0000, 48);
	REJECT(&w, off + 3, "vgic.nr_irqs=48, must be a multiple of 32");
	bld_init(&w);
	b_arm64_head(&w);
	(void)b_vgic(&w, 0x08000000, 0x080A0000, 64);
	off = b_vgic(&w, 0x08000000, 0x080A0000, 64);
	REJECT(&w, off, "second vgic record");
	bld_init(&w);
	b_arm64_head(&w);
	off = b_irq_line(&w, VMM_IRQ_SPI, 0, 40, 1);
	REJECT(&w, off, "irq_line record without a vgic record");
	bld_init(&w);
	b_arm64_head(&w);
	(void)b_vgic(&w, 0x08000000, 0x080A0000, 64);
	off = b_irq_line(&w, VMM_IRQ_SPI, 0, 20, 1);
	REJECT(&w, off + 3, "an SPI is 32..1019 with vcpu 0");
	bld_init(&w);
	b_arm64_head(&w);
	(void)b_vgic(&w, 0x08000000, 0x080A0000, 64);
	off = b_irq_line(&w, VMM_IRQ_PPI, 0, 40, 1);
	REJECT(&w, off + 3, "a PPI is 16..31");
	bld_init(&w);
	b_arm64_head(&w);
	(void)b_vgic(&w, 0x08000000, 0x080A0000, 64);
	off = b_irq_line(&w, 2, 0, 40, 1);
	REJECT(&w, off + 3, "irq_line.type=2, must be < 0x2");
	bld_init(&w);
	b_arm64_head(&w);
	(void)b_vgic(&w, 0x08000000, 0x080A0000, 64);
	off = b_irq_line(&w, VMM_IRQ_SPI, 0, 40, 2);
	REJECT(&w, off + 3 + 4, "irq_line.level=2, must be 0..1");
	bld_init(&w);
	b_arm64_head(&w);
	(void)b_vgic(&w, 0x08000000, 0x080A0000, 64);
	(void)b_irq_line(&w, VMM_IRQ_SPI, 0, 40, 1);
	off = b_irq_line(&w, VMM_IRQ_SPI, 0, 40, 0);
	REJECT(&w, off + 3, "not after the previous one (canonical order");
	bld_init(&w);
	b_upto_slot(&w);
	off = b_vgic(&w, 0x08000000, 0x080A0000, 64);
	REJECT(&w, off, "vgic record in a x86_64 scenario (arm64 only)");

	/* the whole scenario: regions clear of RAM, the console and each
	 * other; PPIs on existing vCPUs; no PMU with a vGIC */
	bld_init(&w);
	b_arm64_head(&w);
	(void)b_vgic(&w, 0x08000000, 0x080A0000, 64);
	(void)b_irq_line(&w, VMM_IRQ_PPI, 0, 27, 1);
	(void)b_vcpu(&w, VMM_ARM64_AARCH64, 0x1000);
	ACCEPT(&w, &s);
	s2 = s;
	s2.vgic_dist = 0;
	vmm_err_clear(&e);
	CHECK(vmm_scenario_validate(&s2, &e) < 0);
	CHECK_STR_CONTAINS(e.msg, "vgic distributor [0x0, +0x10000) overlaps "
				  "RAM slot 0");
	s2 = s;
	s2.vgic_redist = 0x08000000;
	CHECK(vmm_scenario_validate(&s2, &e) < 0);
	CHECK_STR_CONTAINS(e.msg, "distributor and redistributors overlap");
	s2 = s;
	s2.mmio_console = 1;
	s2.mmio_console_gpa = 0x080B0000;
	CHECK(vmm_scenario_validate(&s2, &e) < 0);
	CHECK_STR_CONTAINS(e.msg, "overlaps the MMIO console at 0x80b0000");
	s2 = s;
	s2.irq_lines[0].vcpu = 1;
	CHECK(vmm_scenario_validate(&s2, &e) < 0);
	CHECK_STR_CONTAINS(e.msg, "irq_line 0: ppi 27 on vCPU 1 of 1");
	s2 = s;
	s2.vcpus[0].features = 1U << VMM_ARM64_FEAT_PMU_V3;
	CHECK(vmm_scenario_validate(&s2, &e) < 0);
	CHECK_STR_CONTAINS(e.msg, "pmu-v3 with a vgic record");
	s2 = s;
	s2.has_vgic = 0;
	CHECK(vmm_scenario_validate(&s2, &e) < 0);
	CHECK_STR_CONTAINS(e.msg, "irq_line records without a vgic record");

	/* text: arm64 only, names, keys */
	TEXT_REJECT(TXT_HDR TXT_LIM TXT_SLOT
		    "vgic dist=0x8000000 redist=0x80a0000 nr_irqs=64\n",
		    "line 4:", "vgic record in a x86_64 scenario (arm64 only)");
	TEXT_REJECT(TXT_HDR TXT_LIM TXT_SLOT TXT_VCPU
		    "one_reg id=0x603000000013df19 value=0x1 hi=0x0\n",
		    "line 5:", "one_reg record in a x86_64 scenario");
	TEXT_REJECT("kvms version=1 arch=arm64 flags=none\n" TXT_LIM TXT_SLOT
		    "vgic dist=0x8000000 redist=0x80a0000 nr_irqs=64\n"
		    "irq_line type=lpi vcpu=0 irq=40 level=1\n",
		    "line 5:", "irq_line type 'lpi' (spi, ppi)");
	TEXT_REJECT("kvms version=1 arch=arm64 flags=none\n" TXT_LIM TXT_SLOT
		    "vcpu mode=aarch64 entry=0x0\n"
		    "one_reg id=0x603000000013df19 value=0x1\n",
		    "line 5:", "one_reg record needs hi=");
}

/* msr records: a per-vCPU list in increasing index order, capped, x86
 * only; binary and text forms round-trip. */
static void test_msr_records(void)
{
	struct bld w;
	struct vmm_scenario s, s2;
	struct vmm_error e;
	char text[8192], what[64];
	static uint8_t arena[4096];
	size_t off, tl;

	bld_init(&w);
	b_minimal(&w);
	(void)b_reg(&w, T_REG, 0, 1);
	(void)b_msr(&w, 0x175, 0x8000);
	(void)b_msr(&w, 0xc0000102, 0x123456789abcULL);
	(void)b_vcpu(&w, VMM_MODE_REAL16, 0x1000);
	(void)b_msr(&w, 0x10, 5);
	ACCEPT(&w, &s);
	CHECK_EQ_U64(s.vcpus[0].nmsrs, 2);
	CHECK_EQ_U64(s.vcpus[0].msrs[0].index, 0x175);
	CHECK_EQ_U64(s.vcpus[0].msrs[0].value, 0x8000);
	CHECK_EQ_U64(s.vcpus[0].msrs[1].index, 0xc0000102);
	CHECK_EQ_U64(s.vcpus[0].msrs[1].value, 0x123456789abcULL);
	CHECK_EQ_U64(s.vcpus[1].nmsrs, 1);
	CHECK_EQ_U64(s.vcpus[1].msrs[0].value, 5);
	tl = vmm_scenario_format_text(&s, text, sizeof(text));
	CHECK(tl < sizeof(text));
	CHECK_STR_CONTAINS(text, "reg rax=0x1\nmsr index=0x175 value=0x8000\n"
				 "msr index=0xc0000102 value=0x123456789abc\n"
				 "vcpu mode=real16 entry=0x1000\n"
				 "msr index=0x10 value=0x5\n");
	vmm_err_clear(&e);
	CHECK(vmm_scenario_parse_text(text, tl, arena, sizeof(arena), &s2,
				      &e) == 0);
	CHECK(vmm_scenario_equal(&s, &s2, what, sizeof(what)));
	s2.vcpus[0].msrs[1].value++;
	CHECK(!vmm_scenario_equal(&s, &s2, what, sizeof(what)));
	CHECK_STR_CONTAINS(what, "vcpu[0].msrs");

	/* canonical: strictly increasing index, one record per MSR */
	bld_init(&w);
	b_minimal(&w);
	(void)b_msr(&w, 0x175, 1);
	off = b_msr(&w, 0x174, 2);
	REJECT(&w, off + 3, "msr.index=0x174 not above the previous 0x175");
	bld_init(&w);
	b_minimal(&w);
	(void)b_msr(&w, 0x175, 1);
	off = b_msr(&w, 0x175, 2);
	REJECT(&w, off + 3, "msr.index=0x175 not above the previous 0x175");
	/* the order restarts with each vCPU */
	bld_init(&w);
	b_minimal(&w);
	(void)b_msr(&w, 0x175, 1);
	(void)b_vcpu(&w, VMM_MODE_REAL16, 0x1000);
	(void)b_msr(&w, 0x10, 2);
	ACCEPT(&w, &s);
	/* after the vCPU's sregs and segments; before any vcpu: refused */
	bld_init(&w);
	b_minimal(&w);
	(void)b_msr(&w, 0x10, 1);
	off = b_reg(&w, T_SREG, 0, 0x11);
	REJECT(&w, off, "sreg record after msr");
	bld_init(&w);
	b_upto_slot(&w);
	off = b_msr(&w, 0x10, 1);
	REJECT(&w, off, "msr record before any vcpu record");
	/* length and cap */
	bld_init(&w);
	b_minimal(&w);
	(void)begin(&w, T_MSR);
	put(&w, 0x10, 4);
	put(&w, 1, 4);
	off = end(&w);
	REJECT(&w, off, "msr record length 8, must be 12");
	bld_init(&w);
	b_minimal(&w);
	for (uint32_t i = 0; i < VMM_MAX_SCN_MSRS; i++)
		(void)b_msr(&w, 0x200 + i, i);
	ACCEPT(&w, &s);
	CHECK_EQ_U64(s.vcpus[0].nmsrs, VMM_MAX_SCN_MSRS);
	off = b_msr(&w, 0x300, 1);
	REJECT(&w, off, "msr: more than 16 MSR records for one vCPU");
	/* x86 only */
	bld_init(&w);
	b_arm64(&w, VMM_ARM64_AARCH64);
	off = b_msr(&w, 0x10, 1);
	REJECT(&w, off, "msr record in a arm64 scenario (x86 only)");

	/* text: order, keys, arch, and the model checks encode relies on */
	TEXT_REJECT("kvms version=1 arch=x86_64 flags=none\n"
		    "limits max_exits=1 timeout_ms=1\n"
		    "slot id=0 gpa=0x0 size=0x1000 flags=none\n"
		    "vcpu mode=real16 entry=0x0\n"
		    "msr index=0x10 value=0x1\nmsr index=0x10 value=0x2\n",
		    "line 6", "msr.index=0x10 not above the previous 0x10");
	TEXT_REJECT("kvms version=1 arch=x86_64 flags=none\n"
		    "limits max_exits=1 timeout_ms=1\n"
		    "slot id=0 gpa=0x0 size=0x1000 flags=none\n"
		    "vcpu mode=real16 entry=0x0\nmsr index=0x10\n",
		    "line 5", "msr record needs value=");
	TEXT_REJECT("kvms version=1 arch=x86_64 flags=none\n"
		    "limits max_exits=1 timeout_ms=1\n"
		    "slot id=0 gpa=0x0 size=0x1000 flags=none\n"
		    "vcpu mode=real16 entry=0x0\n"
		    "msr index=0x100000000 value=0x1\n",
		    "line 5",
		    "index=0x100000000 is not a number in 0..0xffffffff");
	TEXT_REJECT("kvms version=1 arch=arm64 flags=none\n"
		    "limits max_exits=1 timeout_ms=1\n"
		    "slot id=0 gpa=0x0 size=0x1000 flags=none\n"
		    "vcpu mode=aarch64 entry=0x0\nmsr index=0x10 value=0x1\n",
		    "line 5", "msr record in a arm64 scenario (x86 only)");
	bld_init(&w);
	b_minimal(&w);
	ACCEPT(&w, &s);
	s.vcpus[0].nmsrs = 2;
	s.vcpus[0].msrs[0].index = 0x20;
	s.vcpus[0].msrs[1].index = 0x10;
	vmm_err_clear(&e);
	CHECK_EQ_U64(vmm_scenario_encode(&s, NULL, 0, &e), 0);
	CHECK_STR_CONTAINS(e.msg, "strictly increasing index order");
	s.vcpus[0].nmsrs = VMM_MAX_SCN_MSRS + 1;
	CHECK_EQ_U64(vmm_scenario_encode(&s, NULL, 0, &e), 0);
	CHECK_STR_CONTAINS(e.msg, "17 MSR records (allowed 0..16)");
}

static size_t b_cpuid(struct bld *w, uint32_t fn, uint32_t idx,
		      unsigned int reg, uint32_t value)
{
	(void)begin(w, T_CPUID);
	put(w, fn, 4);
	put(w, idx, 4);
	put(w, reg, 1);
	put(w, value, 4);
	return end(w);
}

/* cpuid records: per vCPU, strictly increasing (function, index, reg),
 * register names in the text form, after the msr records. */
static void test_cpuid_records(void)
{
	struct bld w;
	struct vmm_scenario s, s2;
	struct vmm_error e;
	char text[8192], what[64];
	static uint8_t arena[4096];
	size_t off, tl;

	bld_init(&w);
	b_minimal(&w);
	(void)b_msr(&w, 0x10, 1);
	(void)b_cpuid(&w, 0x0, 0, VMM_CPUID_EBX, 0x666d766b);
	(void)b_cpuid(&w, 0x0, 0, VMM_CPUID_EDX, 0x2d7a7a75);
	(void)b_cpuid(&w, 0x7, 0, VMM_CPUID_EAX, 1);
	(void)b_cpuid(&w, 0x7, 1, VMM_CPUID_EAX, 2);
	ACCEPT(&w, &s);
	CHECK_EQ_U64(s.vcpus[0].ncpuid, 4);
	CHECK_EQ_U64(s.vcpus[0].cpuid[1].reg, VMM_CPUID_EDX);
	CHECK_EQ_U64(s.vcpus[0].cpuid[1].value, 0x2d7a7a75);
	CHECK_EQ_U64(s.vcpus[0].cpuid[3].index, 1);
	tl = vmm_scenario_format_text(&s, text, sizeof(text));
	CHECK(tl < sizeof(text));
	CHECK_STR_CONTAINS(text,
			   "msr index=0x10 value=0x1\n"
			   "cpuid function=0x0 index=0x0 reg=ebx "
			   "value=0x666d766b\n"
			   "cpuid function=0x0 index=0x0 reg=edx "
			   "value=0x2d7a7a75\n"
			   "cpuid function=0x7 index=0x0 reg=eax value=0x1\n"
			   "cpuid function=0x7 index=0x1 reg=eax value=0x2\n");
	vmm_err_clear(&e);
	CHECK(vmm_scenario_parse_text(text, tl, arena, sizeof(arena), &s2,
				      &e) == 0);
	CHECK(vmm_scenario_equal(&s, &s2, what, sizeof(what)));
	s2.vcpus[0].cpuid[0].value ^= 1;
	CHECK(!vmm_scenario_equal(&s, &s2, what, sizeof(what)));
	CHECK_STR_CONTAINS(what, "vcpu[0].cpuid");

	/* order: register, then index, then function; no repeats */
	bld_init(&w);
	b_minimal(&w);
	(void)b_cpuid(&w, 0x1, 0, VMM_CPUID_ECX, 1);
	off = b_cpuid(&w, 0x1, 0, VMM_CPUID_EBX, 1);
	REJECT(&w, off + 3,
	       "cpuid function=0x1 index=0x0 reg=ebx not above the "
	       "previous function=0x1 index=0x0 reg=ecx");
	bld_init(&w);
	b_minimal(&w);
	(void)b_cpuid(&w, 0x1, 0, VMM_CPUID_ECX, 1);
	off = b_cpuid(&w, 0x1, 0, VMM_CPUID_ECX, 2);
	REJECT(&w, off + 3, "reg=ecx not above the previous");
	bld_init(&w);
	b_minimal(&w);
	(void)b_cpuid(&w, 0x7, 1, VMM_CPUID_EAX, 1);
	off = b_cpuid(&w, 0x7, 0, VMM_CPUID_EDX, 2);
	REJECT(&w, off + 3, "not above the previous function=0x7 index=0x1");
	bld_init(&w);
	b_minimal(&w);
	(void)b_cpuid(&w, 0x80000001, 0, VMM_CPUID_EAX, 1);
	off = b_cpuid(&w, 0x7, 0, VMM_CPUID_EDX, 2);
	REJECT(&w, off + 3, "not above the previous function=0x80000001");
	/* the register byte, the length, before msr: refused */
	bld_init(&w);
	b_minimal(&w);
	off = b_cpuid(&w, 0x1, 0, 4, 1);
	REJECT(&w, off + 3 + 8, "cpuid.reg=4, must be < 0x4");
	bld_init(&w);
	b_minimal(&w);
	(void)begin(&w, T_CPUID);
	put(&w, 1, 4);
	put(&w, 0, 4);
	put(&w, 0, 4);
	off = end(&w);
	REJECT(&w, off, "cpuid record length 12, must be 13");
	bld_init(&w);
	b_minimal(&w);
	(void)b_cpuid(&w, 0x1, 0, 0, 1);
	off = b_msr(&w, 0x10, 1);
	REJECT(&w, off, "msr record after cpuid");
	bld_init(&w);
	b_minimal(&w);
	for (uint32_t i = 0; i < VMM_MAX_SCN_CPUID; i++)
		(void)b_cpuid(&w, i, 0, 0, i);
	ACCEPT(&w, &s);
	off = b_cpuid(&w, 0x100, 0, 0, 1);
	REJECT(&w, off, "cpuid: more than 32 CPUID records for one vCPU");
	bld_init(&w);
	b_arm64(&w, VMM_ARM64_AARCH64);
	off = b_cpuid(&w, 0x1, 0, 0, 1);
	REJECT(&w, off, "cpuid record in a arm64 scenario (x86 only)");

	TEXT_REJECT("kvms version=1 arch=x86_64 flags=none\n"
		    "limits max_exits=1 timeout_ms=1\n"
		    "slot id=0 gpa=0x0 size=0x1000 flags=none\n"
		    "vcpu mode=real16 entry=0x0\n"
		    "cpuid function=0x1 index=0x0 reg=esi value=0x1\n",
		    "line 5", "cpuid reg 'esi' (eax, ebx, ecx, edx)");
	TEXT_REJECT("kvms version=1 arch=x86_64 flags=none\n"
		    "limits max_exits=1 timeout_ms=1\n"
		    "slot id=0 gpa=0x0 size=0x1000 flags=none\n"
		    "vcpu mode=real16 entry=0x0\n"
		    "cpuid function=0x1 index=0x0 value=0x1\n",
		    "line 5", "cpuid record needs reg=");
	TEXT_REJECT("kvms version=1 arch=x86_64 flags=none\n"
		    "limits max_exits=1 timeout_ms=1\n"
		    "slot id=0 gpa=0x0 size=0x1000 flags=none\n"
		    "vcpu mode=real16 entry=0x0\n"
		    "cpuid function=0x1 index=0x0 reg=ecx value=0x100000000\n",
		    "line 5", "value=0x100000000 is not a number");
	TEXT_REJECT("kvms version=1 arch=x86_64 flags=none\n"
		    "limits max_exits=1 timeout_ms=1\n"
		    "slot id=0 gpa=0x0 size=0x1000 flags=none\n"
		    "vcpu mode=real16 entry=0x0\n"
		    "cpuid function=0x1 index=0x0 reg=ecx value=0x1\n"
		    "cpuid function=0x1 index=0x0 reg=eax value=0x1\n",
		    "line 6", "reg=eax not above the previous");
	bld_init(&w);
	b_minimal(&w);
	ACCEPT(&w, &s);
	s.vcpus[0].ncpuid = 1;
	s.vcpus[0].cpuid[0].reg = 4;
	vmm_err_clear(&e);
	CHECK_EQ_U64(vmm_scenario_encode(&s, NULL, 0, &e), 0);
	CHECK_STR_CONTAINS(e.msg, "register 4 (0..3: eax, ebx, ecx, edx)");
}

static size_t b_dregs(struct bld *w, uint64_t dr0, uint64_t dr7)
{
	(void)begin(w, T_DREGS);
	put(w, dr0, 8);
	put(w, 0, 8);
	put(w, 0, 8);
	put(w, 0, 8);
	put(w, 0xffff0ff0, 8);
	put(w, dr7, 8);
	return end(w);
}

static size_t b_events(struct bld *w, uint32_t flags, uint32_t vector,
		       uint32_t error, uint32_t irq)
{
	(void)begin(w, T_EVENTS);
	put(w, flags, 2);
	put(w, vector, 1);
	put(w, error, 4);
	put(w, irq, 1);
	return end(w);
}

static size_t b_irqchip(struct bld *w, uint32_t mode, uint32_t pit,
			uint32_t routes)
{
	(void)begin(w, T_IRQCHIP);
	put(w, mode, 1);
	put(w, pit, 1);
	put(w, routes, 2);
	return end(w);
}

static size_t b_irq(struct bld *w, uint32_t type, uint32_t gsi, uint32_t level,
		    uint64_t address, uint32_t data)
{
	(void)begin(w, T_IRQ);
	put(w, type, 1);
	put(w, gsi, 4);
	put(w, level, 1);
	put(w, address, 8);
	put(w, data, 4);
	return end(w);
}

static size_t b_lapic(struct bld *w, uint32_t offset, uint32_t value)
{
	(void)begin(w, T_LAPIC);
	put(w, offset, 2);
	put(w, value, 4);
	return end(w);
}

/* A scenario with an irqchip record (and irq records) up to the vCPU. */
static void irq_base(struct bld *w, uint32_t mode, uint32_t routes)
{
	bld_init(w);
	b_upto_slot(w);
	(void)b_blob1(w, 0x1000);
	(void)b_irqchip(w, mode, 0, routes);
}

/* A decoded scenario the validation refuses, with `what` in the message. */
static void irq_invalid(struct bld *w, const char *what)
{
	struct vmm_scenario s;
	struct vmm_error e;

	vmm_err_clear(&e);
	CHECK(vmm_scenario_decode(w->b, w->n, &s, &e) < 0);
	CHECK_EQ_U64(e.cls, VMM_ERR_INPUT);
	CHECK_STR_CONTAINS(e.msg, what);
}

/* irqchip, irq and lapic: round trip through both forms, the canonical
 * form (order, values only for the mode or type that uses them, lapic
 * offsets aligned and increasing), the caps, and the records that need
 * an irqchip. */
static void test_irq_records(void)
{
	struct bld w;
	struct vmm_scenario s, s2;
	struct vmm_error e;
	char text[8192], what[64];
	static uint8_t arena[4096];
	size_t off, tl;

	irq_base(&w, VMM_IRQCHIP_KERNEL, 0);
	(void)b_irq(&w, VMM_IRQ_LINE, 2, 1, 0, 0);
	(void)b_irq(&w, VMM_IRQ_MSI, 0, 0, 0xfee00000ULL, 0x41);
	(void)b_irq(&w, VMM_IRQ_LINE, 2, 0, 0, 0);
	(void)b_vcpu(&w, VMM_MODE_LONG64, 0x1000);
	(void)b_lapic(&w, 0xf0, 0x1ff);
	(void)b_lapic(&w, 0x320, 0x30);
	(void)b_lapic(&w, 0x3e0, 0xb);
	(void)b_vcpu(&w, VMM_MODE_LONG64, 0x1000);
	ACCEPT(&w, &s);
	CHECK_EQ_U64(s.has_irqchip, 1);
	CHECK_EQ_U64(s.irqchip_mode, VMM_IRQCHIP_KERNEL);
	CHECK_EQ_U64(s.nirqs, 3);
	CHECK_EQ_U64(s.irqs[0].gsi, 2);
	CHECK_EQ_U64(s.irqs[0].level, 1);
	CHECK_EQ_U64(s.irqs[1].type, VMM_IRQ_MSI);
	CHECK_EQ_U64(s.irqs[1].address, 0xfee00000ULL);
	CHECK_EQ_U64(s.irqs[1].data, 0x41);
	CHECK_EQ_U64(s.vcpus[0].nlapic, 3);
	CHECK_EQ_U64(s.vcpus[0].lapic[1].offset, 0x320);
	CHECK_EQ_U64(s.vcpus[0].lapic[2].value, 0xb);
	CHECK_EQ_U64(s.vcpus[1].nlapic, 0);
	tl = vmm_scenario_format_text(&s, text, sizeof(text));
	CHECK(tl < sizeof(text));
	CHECK_STR_CONTAINS(text, "irqchip mode=kernel pit_flags=0x0 routes=0\n"
				 "irq type=line gsi=2 level=1 address=0x0 "
				 "data=0x0\n"
				 "irq type=msi gsi=0 level=0 "
				 "address=0xfee00000 data=0x41\n");
	CHECK_STR_CONTAINS(text, "lapic offset=0xf0 value=0x1ff\n"
				 "lapic offset=0x320 value=0x30\n");
	vmm_err_clear(&e);
	CHECK(vmm_scenario_parse_text(text, tl, arena, sizeof(arena), &s2,
				      &e) == 0);
	CHECK(vmm_scenario_equal(&s, &s2, what, sizeof(what)));
	s2.vcpus[0].lapic[1].value = 0x31;
	CHECK(!vmm_scenario_equal(&s, &s2, what, sizeof(what)));
	CHECK_STR_CONTAINS(what, "vcpu[0].lapic");
	s2 = s;
	s2.irqs[2].level = 1;
	CHECK(!vmm_scenario_equal(&s, &s2, what, sizeof(what)));
	CHECK_STR_CONTAINS(what, "irqs");
	s2 = s;
	s2.irqchip_mode = VMM_IRQCHIP_SPLIT;
	CHECK(!vmm_scenario_equal(&s, &s2, what, sizeof(what)));
	CHECK_STR_CONTAINS(what, "irqchip");

	/* split with routes */
	irq_base(&w, VMM_IRQCHIP_SPLIT, 24);
	(void)b_vcpu(&w, VMM_MODE_LONG64, 0x1000);
	ACCEPT(&w, &s);
	CHECK_EQ_U64(s.irqchip_routes, 24);

	/* binary rejections */
	irq_base(&w, 3, 0);
	REJECT(&w, w.n - 4, "irqchip.mode=3");
	irq_base(&w, 0, 0);
	REJECT(&w, w.n - 4, "irqchip.mode=0");
	bld_init(&w);
	b_upto_slot(&w);
	(void)b_irqchip(&w, VMM_IRQCHIP_KERNEL, 2, 0);
	REJECT(&w, w.n - 3, "irqchip.pit_flags=0x2");
	bld_init(&w);
	b_upto_slot(&w);
	(void)b_irqchip(&w, VMM_IRQCHIP_SPLIT, 0, VMM_MAX_IOAPIC_ROUTES + 1);
	REJECT(&w, w.n - 2, "irqchip.routes=257");
	irq_base(&w, VMM_IRQCHIP_KERNEL, 0);
	off = b_irqchip(&w, VMM_IRQCHIP_KERNEL, 0, 0);
	REJECT(&w, off, "second irqchip record");
	bld_init(&w);
	b_upto_slot(&w);
	(void)begin(&w, T_IRQCHIP);
	put(&w, 1, 2);
	off = end(&w);
	REJECT(&w, off, "irqchip record length 2, must be 4");
	irq_base(&w, VMM_IRQCHIP_KERNEL, 0);
	off = b_irq(&w, 2, 0, 0, 0, 0);
	REJECT(&w, off + 3, "irq.type=2");
	irq_base(&w, VMM_IRQCHIP_KERNEL, 0);
	off = b_irq(&w, VMM_IRQ_LINE, VMM_MAX_GSI, 0, 0, 0);
	REJECT(&w, off + 4, "irq.gsi=1024");
	irq_base(&w, VMM_IRQCHIP_KERNEL, 0);
	off = b_irq(&w, VMM_IRQ_LINE, 0, 2, 0, 0);
	REJECT(&w, off + 8, "irq.level=2");
	irq_base(&w, VMM_IRQCHIP_KERNEL, 0);
	for (unsigned int q = 0; q < VMM_MAX_SCN_IRQS; q++)
		(void)b_irq(&w, VMM_IRQ_LINE, q, 1, 0, 0);
	off = b_irq(&w, VMM_IRQ_LINE, 0, 0, 0, 0);
	REJECT(&w, off, "irq");
	/* order: irq before irqchip, lapic after features */
	bld_init(&w);
	b_upto_slot(&w);
	(void)b_irq(&w, VMM_IRQ_LINE, 0, 1, 0, 0);
	off = b_irqchip(&w, VMM_IRQCHIP_KERNEL, 0, 0);
	REJECT(&w, off, "irqchip record out of canonical order (after irq)");
	irq_base(&w, VMM_IRQCHIP_KERNEL, 0);
	(void)b_vcpu(&w, VMM_MODE_LONG64, 0x1000);
	off = b_lapic(&w, 0x328, 1);
	REJECT(&w, off + 3, "lapic.offset=0x328, must be 16-byte aligned");
	irq_base(&w, VMM_IRQCHIP_KERNEL, 0);
	(void)b_vcpu(&w, VMM_MODE_LONG64, 0x1000);
	off = b_lapic(&w, 0x400, 1);
	REJECT(&w, off + 3, "below 0x400");
	irq_base(&w, VMM_IRQCHIP_KERNEL, 0);
	(void)b_vcpu(&w, VMM_MODE_LONG64, 0x1000);
	(void)b_lapic(&w, 0x320, 1);
	off = b_lapic(&w, 0x320, 2);
	REJECT(&w, off + 3, "lapic.offset=0x320 not above the previous 0x320");
	irq_base(&w, VMM_IRQCHIP_KERNEL, 0);
	(void)b_vcpu(&w, VMM_MODE_LONG64, 0x1000);
	(void)b_lapic(&w, 0x320, 1);
	off = b_lapic(&w, 0xf0, 2);
	REJECT(&w, off + 3, "not above the previous");
	irq_base(&w, VMM_IRQCHIP_KERNEL, 0);
	(void)b_vcpu(&w, VMM_MODE_LONG64, 0x1000);
	for (unsigned int l = 0; l < VMM_MAX_SCN_LAPIC; l++)
		(void)b_lapic(&w, 16 * l, l);
	off = b_lapic(&w, 0x3f0, 0);
	REJECT(&w, off, "lapic");
	bld_init(&w);
	b_arm64(&w, VMM_ARM64_AARCH64);
	off = b_lapic(&w, 0xf0, 0);
	REJECT(&w, off, "lapic record in a arm64 scenario (x86 only)");

	/* validation: what needs an irqchip, values for another mode/type */
	bld_init(&w);
	b_minimal(&w);
	(void)b_lapic(&w, 0xf0, 0x1ff);
	irq_invalid(&w, "lapic records need an in-kernel LAPIC");
	bld_init(&w);
	b_upto_slot(&w);
	(void)b_blob1(&w, 0x1000);
	(void)b_irq(&w, VMM_IRQ_LINE, 0, 1, 0, 0);
	(void)b_vcpu(&w, VMM_MODE_REAL16, 0x1000);
	irq_invalid(&w, "irq records need an in-kernel irqchip");
	bld_init(&w);
	b_upto_slot(&w);
	(void)b_blob1(&w, 0x1000);
	(void)b_irqchip(&w, VMM_IRQCHIP_KERNEL, 0, 24);
	(void)b_vcpu(&w, VMM_MODE_REAL16, 0x1000);
	irq_invalid(&w, "only a split one takes routes");
	bld_init(&w);
	b_upto_slot(&w);
	(void)b_blob1(&w, 0x1000);
	(void)b_irqchip(&w, VMM_IRQCHIP_SPLIT, 1, 24);
	(void)b_vcpu(&w, VMM_MODE_REAL16, 0x1000);
	irq_invalid(&w, "with a split irqchip (no in-kernel PIT)");
	irq_base(&w, VMM_IRQCHIP_KERNEL, 0);
	(void)b_irq(&w, VMM_IRQ_LINE, 0, 1, 0xfee00000ULL, 0);
	(void)b_vcpu(&w, VMM_MODE_REAL16, 0x1000);
	irq_invalid(&w, "a line takes gsi");
	irq_base(&w, VMM_IRQCHIP_KERNEL, 0);
	(void)b_irq(&w, VMM_IRQ_MSI, 3, 0, 0xfee00000ULL, 0x41);
	(void)b_vcpu(&w, VMM_MODE_REAL16, 0x1000);
	irq_invalid(&w, "an MSI takes address and data only");

	TEXT_REJECT("kvms version=1 arch=x86_64 flags=none\n"
		    "limits max_exits=1 timeout_ms=1\n"
		    "slot id=0 gpa=0x0 size=0x1000 flags=none\n"
		    "irqchip mode=ioapic pit_flags=0x0 routes=0\n"
		    "vcpu mode=real16 entry=0x0\n",
		    "line 4", "irqchip mode 'ioapic' (kernel, split)");
	TEXT_REJECT("kvms version=1 arch=x86_64 flags=none\n"
		    "limits max_exits=1 timeout_ms=1\n"
		    "slot id=0 gpa=0x0 size=0x1000 flags=none\n"
		    "irqchip mode=kernel pit_flags=0x0 routes=0\n"
		    "irq type=nmi gsi=0 level=0 address=0x0 data=0x0\n"
		    "vcpu mode=real16 entry=0x0\n",
		    "line 5", "irq type 'nmi' (line, msi)");
}

/* A decoded scenario the validation refuses, with `what` in the message. */
static void events_invalid(uint32_t flags, uint32_t vector, uint32_t error,
			   uint32_t irq, const char *what)
{
	struct bld w;
	struct vmm_scenario s;
	struct vmm_error e;

	bld_init(&w);
	b_minimal(&w);
	(void)b_events(&w, flags, vector, error, irq);
	vmm_err_clear(&e);
	CHECK(vmm_scenario_decode(w.b, w.n, &s, &e) < 0);
	CHECK_EQ_U64(e.cls, VMM_ERR_INPUT);
	CHECK_STR_CONTAINS(e.msg, what);
}

/* events: once per vCPU, present even when all zero, canonical (values
 * only with their flags), x86 only; vectors KVM refuses are KVM's to
 * refuse. */
/* fpu record: fcw fsw ftwx last_opcode last_ip last_dp mxcsr, then n
 * (index, 16-byte value) entries, value bytes index*16+k */
static size_t b_fpu(struct bld *w, uint16_t fcw, const uint8_t *idx,
		    unsigned int n)
{
	(void)begin(w, T_FPU);
	put(w, fcw, 2);
	put(w, 0, 2);
	put(w, 0x80, 1);
	put(w, 0x1db, 2);
	put(w, 0x1234, 8);
	put(w, 0x5678, 8);
	put(w, 0x1f80, 4);
	for (unsigned int i = 0; i < n; i++) {
		put(w, idx[i], 1);
		for (unsigned int k = 0; k < 16; k++)
			put(w, (uint64_t)(idx[i] * 16 + k) & 0xff, 1);
	}
	return end(w);
}

static size_t b_xsave(struct bld *w, uint64_t bv, const uint8_t *idx,
		      unsigned int n)
{
	(void)begin(w, T_XSAVE);
	put(w, bv, 8);
	put(w, 0, 8);
	put(w, 0, 8);
	put(w, 0x1fa0, 4);
	for (unsigned int i = 0; i < n; i++) {
		put(w, idx[i], 1);
		for (unsigned int k = 0; k < 16; k++)
			put(w, 0xc0 + k, 1);
	}
	return end(w);
}

static size_t b_xcr(struct bld *w, uint64_t xcr0)
{
	(void)begin(w, T_XCR);
	put(w, xcr0, 8);
	return end(w);
}

#define FPU_TXT_VCPU                                 \
	"kvms version=1 arch=x86_64 flags=none\n"    \
	"limits max_exits=1 timeout_ms=1\n"          \
	"slot id=0 gpa=0x0 size=0x1000 flags=none\n" \
	"vcpu mode=real16 entry=0x0\n"
#define FPU_TXT_HDR                                                   \
	"fpu fcw=0x37f fsw=0x0 ftwx=0x0 last_opcode=0x0 last_ip=0x0 " \
	"last_dp=0x0 mxcsr=0x1f80 regs="

/* fpu, xsave, xcr: once per vCPU, present even when empty, x86 only,
 * register lists canonical (whole entries, ascending, in range, capped). */
static void test_fpu_records(void)
{
	static const uint8_t st0_xmm15[] = { 0, 23 }, ymm[] = { 1, 15 };
	static const uint8_t all16[] = { 0, 1, 2,  3,  4,  5,  6,  7,
					 8, 9, 10, 11, 12, 13, 14, 15 };
	struct bld w;
	struct vmm_scenario s, s2;
	struct vmm_error e;
	char text[16384], what[64];
	static uint8_t arena[4096];
	size_t off, tl;

	bld_init(&w);
	b_minimal(&w);
	(void)b_fpu(&w, 0x27f, st0_xmm15, 2);
	(void)b_events(&w, 0, 0, 0, 0);
	(void)b_xsave(&w, 7, ymm, 2);
	(void)b_xcr(&w, 7);
	(void)b_vcpu(&w, VMM_MODE_REAL16, 0x1000);
	(void)b_fpu(&w, 0, NULL, 0); /* empty: still a record */
	(void)b_xsave(&w, 0, NULL, 0);
	(void)b_xcr(&w, 0); /* KVM refuses it: left to KVM */
	(void)b_vcpu(&w, VMM_MODE_REAL16, 0x1000);
	(void)b_fpu(&w, 0x37f, all16, 16);
	ACCEPT(&w, &s);
	CHECK_EQ_U64(s.vcpus[0].has_fpu, 1);
	CHECK_EQ_U64(s.vcpus[0].fpu_fcw, 0x27f);
	CHECK_EQ_U64(s.vcpus[0].fpu_ftwx, 0x80);
	CHECK_EQ_U64(s.vcpus[0].fpu_fop, 0x1db);
	CHECK_EQ_U64(s.vcpus[0].fpu_last_ip, 0x1234);
	CHECK_EQ_U64(s.vcpus[0].fpu_last_dp, 0x5678);
	CHECK_EQ_U64(s.vcpus[0].fpu_mxcsr, 0x1f80);
	CHECK_EQ_U64(s.vcpus[0].fpu_regs_len, 34);
	CHECK_EQ_U64(s.vcpus[0].fpu_regs[17], 23);
	CHECK_EQ_U64(s.vcpus[0].fpu_regs[18], 0x70);
	CHECK_EQ_U64(s.vcpus[0].has_xsave, 1);
	CHECK_EQ_U64(s.vcpus[0].xs_bv, 7);
	CHECK_EQ_U64(s.vcpus[0].xs_mxcsr, 0x1fa0);
	CHECK_EQ_U64(s.vcpus[0].xs_ymmh_len, 34);
	CHECK_EQ_U64(s.vcpus[0].has_xcr, 1);
	CHECK_EQ_U64(s.vcpus[0].xcr0, 7);
	CHECK_EQ_U64(s.vcpus[1].has_fpu, 1);
	CHECK_EQ_U64(s.vcpus[1].fpu_regs_len, 0);
	CHECK_EQ_U64(s.vcpus[1].has_xcr, 1);
	CHECK_EQ_U64(s.vcpus[1].xcr0, 0);
	CHECK_EQ_U64(s.vcpus[2].fpu_regs_len, 16 * 17);
	CHECK_EQ_U64(s.vcpus[2].has_xsave, 0);
	tl = vmm_scenario_format_text(&s, text, sizeof(text));
	CHECK(tl < sizeof(text));
	CHECK_STR_CONTAINS(
		text, "\nfpu fcw=0x27f fsw=0x0 ftwx=0x80 last_opcode=0x1db "
		      "last_ip=0x1234 last_dp=0x5678 mxcsr=0x1f80 "
		      "regs=00000102030405060708090a0b0c0d0e0f"
		      "17707172737475767778797a7b7c7d7e7f\n"
		      "events flags=0x0");
	CHECK_STR_CONTAINS(text,
			   "irq=0\n"
			   "xsave xstate_bv=0x7 xcomp_bv=0x0 hdr_rsvd=0x0 "
			   "mxcsr=0x1fa0 ymmh=01c0c1c2c3c4c5c6c7c8c9cacb"
			   "cccdcecf0fc0c1c2c3c4c5c6c7c8c9cacbcccdcecf\n"
			   "xcr xcr0=0x7\n"
			   "vcpu mode=real16 entry=0x1000\n"
			   "fpu fcw=0x0 fsw=0x0 ftwx=0x80 last_opcode=0x1db "
			   "last_ip=0x1234 last_dp=0x5678 mxcsr=0x1f80 "
			   "regs=\n"
			   "xsave xstate_bv=0x0 xcomp_bv=0x0 hdr_rsvd=0x0 "
			   "mxcsr=0x1fa0 ymmh=\n"
			   "xcr xcr0=0x0\n");
	vmm_err_clear(&e);
	CHECK(vmm_scenario_parse_text(text, tl, arena, sizeof(arena), &s2,
				      &e) == 0);
	CHECK(vmm_scenario_equal(&s, &s2, what, sizeof(what)));
	s2.vcpus[0].fpu_regs[20] ^= 1;
	CHECK(!vmm_scenario_equal(&s, &s2, what, sizeof(what)));
	CHECK_STR_CONTAINS(what, "vcpu[0].fpu");
	s2 = s;
	s2.vcpus[0].xs_ymmh[33] ^= 1;
	CHECK(!vmm_scenario_equal(&s, &s2, what, sizeof(what)));
	CHECK_STR_CONTAINS(what, "vcpu[0].xsave");
	s2 = s;
	s2.vcpus[1].has_xcr = 0;
	CHECK(!vmm_scenario_equal(&s, &s2, what, sizeof(what)));
	CHECK_STR_CONTAINS(what, "vcpu[1].xcr");
	/* a scenario built in memory: the same checks in validate */
	s2 = s;
	s2.vcpus[1].has_fpu = 0;
	vmm_err_clear(&e);
	CHECK(vmm_scenario_validate(&s2, &e) < 0);
	CHECK_STR_CONTAINS(e.msg, "vCPU 1: fpu values without an fpu record");
	s2 = s;
	s2.vcpus[0].has_xsave = 0;
	vmm_err_clear(&e);
	CHECK(vmm_scenario_validate(&s2, &e) < 0);
	CHECK_STR_CONTAINS(e.msg, "xsave values without an xsave record");
	s2 = s;
	s2.vcpus[0].has_xcr = 0;
	vmm_err_clear(&e);
	CHECK(vmm_scenario_validate(&s2, &e) < 0);
	CHECK_STR_CONTAINS(e.msg, "an XCR0 value without an xcr record");
	s2 = s;
	s2.vcpus[0].has_fpu = 2;
	vmm_err_clear(&e);
	CHECK(vmm_scenario_validate(&s2, &e) < 0);
	CHECK_STR_CONTAINS(e.msg, "each must be 0 or 1");
	s2 = s;
	s2.vcpus[0].fpu_regs_len = 33;
	vmm_err_clear(&e);
	CHECK(vmm_scenario_validate(&s2, &e) < 0);
	CHECK_STR_CONTAINS(e.msg, "not a multiple of 17");
	s2 = s;
	s2.vcpus[0].fpu_regs_len = 17 * 17;
	vmm_err_clear(&e);
	CHECK(vmm_scenario_validate(&s2, &e) < 0);
	CHECK_STR_CONTAINS(e.msg, "longer than its cap");

	/* binary rejections */
	bld_init(&w);
	b_minimal(&w);
	(void)b_fpu(&w, 0, NULL, 0);
	off = b_fpu(&w, 0, NULL, 0);
	REJECT(&w, off, "second fpu record for one vCPU");
	bld_init(&w);
	b_minimal(&w);
	(void)b_xcr(&w, 1);
	off = b_xsave(&w, 0, NULL, 0);
	REJECT(&w, off, "xsave record after xcr");
	bld_init(&w);
	b_minimal(&w);
	(void)b_events(&w, 0, 0, 0, 0);
	off = b_fpu(&w, 0, NULL, 0);
	REJECT(&w, off, "fpu record after events");
	bld_init(&w);
	b_minimal(&w);
	(void)begin(&w, T_XCR);
	put(&w, 0, 4);
	off = end(&w);
	REJECT(&w, off, "xcr record length 4, must be 8");
	bld_init(&w);
	b_minimal(&w);
	(void)begin(&w, T_FPU);
	put(&w, 0, 8);
	off = end(&w);
	REJECT(&w, off, "fpu record length 8, must be 27..299");
	bld_init(&w);
	b_minimal(&w);
	(void)begin(&w, T_XSAVE);
	for (int i = 0; i < 28 + 17 * 9; i++)
		put(&w, 0, 1);
	off = end(&w);
	REJECT(&w, off, "xsave record length 181, must be 28..164");
	{
		static const uint8_t desc[] = { 3, 2 }, dup[] = { 5, 5 },
				     big[] = { 24 }, ybig[] = { 16 };

		bld_init(&w);
		b_minimal(&w);
		off = b_fpu(&w, 0, desc, 2);
		REJECT(&w, off + 3,
		       "fpu record: register indices not strictly "
		       "ascending");
		bld_init(&w);
		b_minimal(&w);
		off = b_fpu(&w, 0, dup, 2);
		REJECT(&w, off + 3, "not strictly ascending");
		bld_init(&w);
		b_minimal(&w);
		off = b_fpu(&w, 0, big, 1);
		REJECT(&w, off + 3, "fpu record: register index out of range");
		bld_init(&w);
		b_minimal(&w);
		off = b_xsave(&w, 0, ybig, 1);
		REJECT(&w, off + 3,
		       "xsave record: register index out of range");
	}
	bld_init(&w);
	b_minimal(&w);
	(void)begin(&w, T_FPU);
	for (int i = 0; i < 27 + 5; i++)
		put(&w, 0, 1);
	off = end(&w);
	REJECT(&w, off + 3, "not a multiple of 17");
	bld_init(&w);
	b_arm64(&w, VMM_ARM64_AARCH64);
	off = b_xcr(&w, 1);
	REJECT(&w, off, "xcr record in a arm64 scenario (x86 only)");
	bld_init(&w);
	b_arm64(&w, VMM_ARM64_AARCH64);
	off = b_fpu(&w, 0, NULL, 0);
	REJECT(&w, off, "fpu record in a arm64 scenario (x86 only)");

	/* text rejections */
	TEXT_REJECT(FPU_TXT_VCPU FPU_TXT_HDR "\n" FPU_TXT_HDR "\n", "line 6",
		    "second fpu line for this vcpu");
	TEXT_REJECT(FPU_TXT_VCPU
		    "fpu fcw=0x37f fsw=0x0 ftwx=0x0 last_opcode=0x0 "
		    "last_ip=0x0 last_dp=0x0 regs=\n",
		    "line 5", "fpu record needs mxcsr=");
	TEXT_REJECT(FPU_TXT_VCPU FPU_TXT_HDR "0100\n", "line 5",
		    "fpu record: register list length is not a multiple");
	TEXT_REJECT(FPU_TXT_VCPU FPU_TXT_HDR
		    "1800000000000000000000000000000000\n",
		    "line 5", "fpu record: register index out of range");
	TEXT_REJECT(FPU_TXT_VCPU
		    "fpu fcw=0x10000 fsw=0x0 ftwx=0x0 last_opcode=0x0 "
		    "last_ip=0x0 last_dp=0x0 mxcsr=0x0 regs=\n",
		    "line 5", "fcw");
	TEXT_REJECT(FPU_TXT_VCPU "xsave xstate_bv=0x7 xcomp_bv=0x0 "
				 "hdr_rsvd=0x0 mxcsr=0x1f80 ymmh=10"
				 "00000000000000000000000000000000\n",
		    "line 5", "xsave record: register index out of range");
	TEXT_REJECT(FPU_TXT_VCPU "xcr xcr0=0x7\nxcr xcr0=0x7\n", "line 6",
		    "second xcr line for this vcpu");
	TEXT_REJECT("kvms version=1 arch=arm64 flags=none\n"
		    "limits max_exits=1 timeout_ms=1\n"
		    "slot id=0 gpa=0x0 size=0x1000 flags=none\n"
		    "vcpu mode=aarch64 entry=0x0\n"
		    "xcr xcr0=0x1\n",
		    "line 5", "xcr record in a arm64 scenario");
}

static void test_events_record(void)
{
	struct bld w;
	struct vmm_scenario s, s2;
	struct vmm_error e;
	char text[8192], what[64];
	static uint8_t arena[4096];
	size_t off, tl;

	bld_init(&w);
	b_minimal(&w);
	(void)b_dregs(&w, 0x5000, 0x401);
	(void)b_events(&w, VMM_EV_EXC | VMM_EV_ERRCODE, 13, 0x1234, 0);
	(void)b_vcpu(&w, VMM_MODE_REAL16, 0x1000);
	(void)b_events(&w, 0, 0, 0, 0); /* nothing: still a record */
	(void)b_vcpu(&w, VMM_MODE_REAL16, 0x1000);
	(void)b_events(&w,
		       VMM_EV_NMI_PENDING | VMM_EV_NMI_MASKED | VMM_EV_IRQ |
			       VMM_EV_SMI_PENDING | VMM_EV_SMM |
			       VMM_EV_TRIPLE_FAULT,
		       0, 0, 0x30);
	(void)b_vcpu(&w, VMM_MODE_REAL16, 0x1000);
	(void)b_events(&w, VMM_EV_EXC, 40, 0, 0); /* KVM refuses it */
	ACCEPT(&w, &s);
	CHECK_EQ_U64(s.vcpus[0].has_events, 1);
	CHECK_EQ_U64(s.vcpus[0].ev_flags, VMM_EV_EXC | VMM_EV_ERRCODE);
	CHECK_EQ_U64(s.vcpus[0].ev_vector, 13);
	CHECK_EQ_U64(s.vcpus[0].ev_error, 0x1234);
	CHECK_EQ_U64(s.vcpus[1].has_events, 1);
	CHECK_EQ_U64(s.vcpus[1].ev_flags, 0);
	CHECK_EQ_U64(s.vcpus[2].ev_irq, 0x30);
	CHECK_EQ_U64(s.vcpus[3].ev_vector, 40);
	tl = vmm_scenario_format_text(&s, text, sizeof(text));
	CHECK(tl < sizeof(text));
	CHECK_STR_CONTAINS(text, "dr7=0x401\n"
				 "events flags=0x5 vector=13 "
				 "error_code=0x1234 irq=0\n"
				 "vcpu mode=real16 entry=0x1000\n"
				 "events flags=0x0 vector=0 error_code=0x0 "
				 "irq=0\n");
	CHECK_STR_CONTAINS(text, "events flags=0x3e8 vector=0 "
				 "error_code=0x0 irq=48\n");
	vmm_err_clear(&e);
	CHECK(vmm_scenario_parse_text(text, tl, arena, sizeof(arena), &s2,
				      &e) == 0);
	CHECK(vmm_scenario_equal(&s, &s2, what, sizeof(what)));
	s2.vcpus[0].ev_error = 0x1235;
	CHECK(!vmm_scenario_equal(&s, &s2, what, sizeof(what)));
	CHECK_STR_CONTAINS(what, "vcpu[0].events");

	bld_init(&w);
	b_minimal(&w);
	(void)b_events(&w, 0, 0, 0, 0);
	off = b_events(&w, 0, 0, 0, 0);
	REJECT(&w, off, "second events record for one vCPU");
	bld_init(&w);
	b_minimal(&w);
	(void)b_events(&w, 0, 0, 0, 0);
	off = b_dregs(&w, 1, 0x400);
	REJECT(&w, off, "debugregs record after events");
	bld_init(&w);
	b_minimal(&w);
	(void)begin(&w, T_EVENTS);
	put(&w, 0, 4);
	off = end(&w);
	REJECT(&w, off, "events record length 4, must be 8");
	bld_init(&w);
	b_minimal(&w);
	off = b_events(&w, 0x400, 0, 0, 0);
	REJECT(&w, off + 3, "events.flags=0x400, known bits 0x3ff");
	bld_init(&w);
	b_arm64(&w, VMM_ARM64_AARCH64);
	off = b_events(&w, 0, 0, 0, 0);
	REJECT(&w, off, "events record in a arm64 scenario (x86 only)");
	/* non-canonical: a value without its flag, a qualifier without the
	 * exception, an error code for a vector that pushes none, two
	 * injected events */
	events_invalid(0, 13, 0, 0, "exception vector 13 without an exception");
	events_invalid(VMM_EV_EXC, 13, 5, 0,
		       "error code 0x5 without the errcode flag");
	events_invalid(0, 0, 0, 32, "interrupt vector 32 without an interrupt");
	events_invalid(VMM_EV_ERRCODE, 0, 0, 0,
		       "exc-pending/errcode without an exception");
	events_invalid(VMM_EV_EXC_PENDING, 0, 0, 0,
		       "exc-pending/errcode without an exception");
	events_invalid(VMM_EV_EXC | VMM_EV_ERRCODE, 3, 0, 0,
		       "exception vector 3 has no error code");
	events_invalid(VMM_EV_EXC | VMM_EV_ERRCODE, 40, 0, 0,
		       "exception vector 40 has no error code");
	events_invalid(VMM_EV_NMI_PENDING | VMM_EV_NMI_INJECTED, 0, 0, 0,
		       "an NMI both pending and injected");
	events_invalid(VMM_EV_EXC | VMM_EV_IRQ, 6, 0, 32,
		       "more than one event injected");
	events_invalid(VMM_EV_NMI_INJECTED | VMM_EV_IRQ, 0, 0, 32,
		       "more than one event injected");
	/* a pending exception with an injected interrupt: fine */
	bld_init(&w);
	b_minimal(&w);
	(void)b_events(&w, VMM_EV_EXC | VMM_EV_EXC_PENDING | VMM_EV_IRQ, 6, 0,
		       32);
	ACCEPT(&w, &s);
	TEXT_REJECT("kvms version=1 arch=x86_64 flags=none\n"
		    "limits max_exits=1 timeout_ms=1\n"
		    "slot id=0 gpa=0x0 size=0x1000 flags=none\n"
		    "vcpu mode=real16 entry=0x0\n"
		    "events flags=0x1 vector=6 error_code=0x0\n",
		    "line 5", "events record needs irq=");
	TEXT_REJECT("kvms version=1 arch=x86_64 flags=none\n"
		    "limits max_exits=1 timeout_ms=1\n"
		    "slot id=0 gpa=0x0 size=0x1000 flags=none\n"
		    "vcpu mode=real16 entry=0x0\n"
		    "events flags=0x0 vector=0 error_code=0x0 irq=0\n"
		    "events flags=0x0 vector=0 error_code=0x0 irq=0\n",
		    "line 6", "second events line for this vcpu");
	TEXT_REJECT("kvms version=1 arch=x86_64 flags=none\n"
		    "limits max_exits=1 timeout_ms=1\n"
		    "slot id=0 gpa=0x0 size=0x1000 flags=none\n"
		    "vcpu mode=real16 entry=0x0\n"
		    "events flags=0x0 vector=256 error_code=0x0 irq=0\n",
		    "line 5", "vector=256");
	bld_init(&w);
	b_minimal(&w);
	ACCEPT(&w, &s);
	s.vcpus[0].ev_irq = 32;
	vmm_err_clear(&e);
	CHECK_EQ_U64(vmm_scenario_encode(&s, NULL, 0, &e), 0);
	CHECK_STR_CONTAINS(e.msg, "event values without an events record");
}

static size_t b_msr_exits(struct bld *w, unsigned int reasons,
			  unsigned int flags, uint32_t base, uint32_t nmsrs)
{
	(void)begin(w, T_MSR_EXITS);
	put(w, reasons, 1);
	put(w, flags, 1);
	put(w, base, 4);
	put(w, nmsrs, 2);
	return end(w);
}

static size_t b_hypercall(struct bld *w, uint64_t mask)
{
	(void)begin(w, T_HYPERCALL);
	put(w, mask, 8);
	return end(w);
}

static size_t b_gdbg(struct bld *w, uint32_t control, uint64_t dr0,
		     uint64_t dr7)
{
	(void)begin(w, T_GDBG);
	put(w, control, 4);
	put(w, dr0, 8);
	put(w, 0, 8);
	put(w, 0, 8);
	put(w, 0, 8);
	put(w, dr7, 8);
	return end(w);
}

/* Limits, a slot and a blob: what comes before the VM-wide exit records. */
static void b_upto_blob(struct bld *w)
{
	b_upto_slot(w);
	(void)b_blob1(w, 0x1000);
}

/* msr_exits (a list before the vCPUs, the same reasons in each, no base or
 * flags without MSRs), hypercall (once, any mask: KVM refuses what it
 * cannot forward) and guest_debug (once per vCPU, control bits known,
 * others only with enable, debug registers only with hardware
 * breakpoints, one injection): round trip, text form, every rejection. */
static void test_exit_records(void)
{
	struct bld w;
	struct vmm_scenario s, s2;
	struct vmm_error e;
	char text[8192], what[64];
	static uint8_t arena[4096];
	size_t off, tl;

	bld_init(&w);
	b_upto_blob(&w);
	(void)b_msr_exits(&w, 4, VMM_MX_READ | VMM_MX_WRITE, 0xc0000100, 4);
	(void)b_msr_exits(&w, 4, VMM_MX_READ | VMM_MX_FAIL_READ | VMM_MX_ALLOW,
			  0x10, VMM_MAX_MSR_EXIT_NMSRS);
	(void)b_msr_exits(&w, 4, 0, 0, 0);    /* the capability only */
	(void)b_msr_exits(&w, 4, 0, 0x20, 1); /* KVM refuses: no R/W */
	(void)b_hypercall(&w, 0x1000);
	(void)b_vcpu(&w, VMM_MODE_LONG64, 0x1000);
	(void)b_gdbg(&w, VMM_GDBG_ENABLE | VMM_GDBG_SINGLESTEP, 0, 0);
	(void)b_vcpu(&w, VMM_MODE_LONG64, 0x1000);
	(void)b_gdbg(&w, VMM_GDBG_ENABLE | VMM_GDBG_USE_HW_BP, 0x1005, 0x401);
	(void)b_vcpu(&w, VMM_MODE_LONG64, 0x1000);
	(void)b_gdbg(&w, 0, 0, 0); /* off: still a record */
	ACCEPT(&w, &s);
	CHECK_EQ_U64(s.nmsr_exits, 4);
	CHECK_EQ_U64(s.msr_exits[0].base, 0xc0000100);
	CHECK_EQ_U64(s.msr_exits[0].nmsrs, 4);
	CHECK_EQ_U64(s.msr_exits[0].reasons, 4);
	CHECK_EQ_U64(s.msr_exits[1].flags, 0x0d);
	CHECK_EQ_U64(s.msr_exits[1].nmsrs, VMM_MAX_MSR_EXIT_NMSRS);
	CHECK_EQ_U64(s.has_hypercall, 1);
	CHECK_EQ_U64(s.hypercall_mask, 0x1000);
	CHECK_EQ_U64(s.vcpus[0].has_gdbg, 1);
	CHECK_EQ_U64(s.vcpus[0].gdbg_control, 3);
	CHECK_EQ_U64(s.vcpus[1].gdbg_dr[0], 0x1005);
	CHECK_EQ_U64(s.vcpus[1].gdbg_dr7, 0x401);
	CHECK_EQ_U64(s.vcpus[2].has_gdbg, 1);
	CHECK_EQ_U64(s.vcpus[2].gdbg_control, 0);
	tl = vmm_scenario_format_text(&s, text, sizeof(text));
	CHECK(tl < sizeof(text));
	CHECK_STR_CONTAINS(text, "msr_exits reasons=0x4 base=0xc0000100 "
				 "nmsrs=4 flags=0x3\n"
				 "msr_exits reasons=0x4 base=0x10 nmsrs=12288 "
				 "flags=0xd\n"
				 "msr_exits reasons=0x4 base=0x0 nmsrs=0 "
				 "flags=0x0\n");
	CHECK_STR_CONTAINS(text, "hypercall mask=0x1000\nvcpu mode=long64");
	CHECK_STR_CONTAINS(text, "guest_debug control=0x20001 dr0=0x1005 "
				 "dr1=0x0 dr2=0x0 dr3=0x0 dr7=0x401\n");
	vmm_err_clear(&e);
	CHECK(vmm_scenario_parse_text(text, tl, arena, sizeof(arena), &s2,
				      &e) == 0);
	CHECK(vmm_scenario_equal(&s, &s2, what, sizeof(what)));
	s2.msr_exits[3].base = 0x21;
	CHECK(!vmm_scenario_equal(&s, &s2, what, sizeof(what)));
	CHECK_STR_CONTAINS(what, "msr_exits");
	s2 = s;
	s2.hypercall_mask = 0;
	CHECK(!vmm_scenario_equal(&s, &s2, what, sizeof(what)));
	CHECK_STR_CONTAINS(what, "hypercall");
	s2 = s;
	s2.vcpus[1].gdbg_dr[3] = 1;
	CHECK(!vmm_scenario_equal(&s, &s2, what, sizeof(what)));
	CHECK_STR_CONTAINS(what, "vcpu[1].guest_debug");

	/* msr_exits rejections */
	bld_init(&w);
	b_upto_blob(&w);
	off = b_msr_exits(&w, 8, 0, 0, 0);
	REJECT(&w, off + 3, "msr_exits.reasons=0x8, known bits 0x7");
	bld_init(&w);
	b_upto_blob(&w);
	off = b_msr_exits(&w, 4, 0x20, 0x10, 1);
	REJECT(&w, off + 4, "msr_exits.flags=0x20, known bits 0x1f");
	bld_init(&w);
	b_upto_blob(&w);
	off = b_msr_exits(&w, 4, 1, 0x10, VMM_MAX_MSR_EXIT_NMSRS + 1);
	REJECT(&w, off + 9, "msr_exits.nmsrs=12289");
	bld_init(&w);
	b_upto_blob(&w);
	(void)b_msr_exits(&w, 4, 1, 0x10, 1);
	off = b_msr_exits(&w, 2, 1, 0x10, 1);
	REJECT(&w, off + 3,
	       "msr_exits.reasons=0x2 differs from the previous "
	       "record's 0x4");
	bld_init(&w);
	b_upto_blob(&w);
	off = b_msr_exits(&w, 4, 0, 0x10, 0);
	REJECT(&w, off + 3, "msr_exits record without MSRs has base=0x10");
	bld_init(&w);
	b_upto_blob(&w);
	off = b_msr_exits(&w, 4, 1, 0, 0);
	REJECT(&w, off + 3, "flags=0x1 (both must be 0)");
	bld_init(&w);
	b_upto_blob(&w);
	for (unsigned int i = 0; i < VMM_MAX_MSR_EXIT_RANGES; i++)
		(void)b_msr_exits(&w, 4, 1, i, 1);
	off = b_msr_exits(&w, 4, 1, 0x100, 1);
	REJECT(&w, off, "msr_exits records");
	bld_init(&w);
	b_upto_blob(&w);
	(void)begin(&w, T_MSR_EXITS);
	put(&w, 0, 4);
	off = end(&w);
	REJECT(&w, off, "msr_exits record length 4, must be 8");
	bld_init(&w);
	b_minimal(&w);
	off = b_msr_exits(&w, 4, 0, 0, 0);
	REJECT(&w, off, "msr_exits record out of canonical order (after vcpu)");
	bld_init(&w);
	b_hdr(&w, 1, VMM_ARCH_ARM64, 0);
	(void)b_limits(&w, 100, 100);
	(void)b_slot(&w, 0, 0, 16, 0);
	off = b_msr_exits(&w, 4, 0, 0, 0);
	REJECT(&w, off, "msr_exits record in a arm64 scenario (x86 only)");

	/* hypercall rejections */
	bld_init(&w);
	b_upto_blob(&w);
	(void)b_hypercall(&w, 0);
	off = b_hypercall(&w, 0);
	REJECT(&w, off, "second hypercall record");
	bld_init(&w);
	b_upto_blob(&w);
	(void)b_hypercall(&w, 0);
	off = b_msr_exits(&w, 4, 0, 0, 0);
	REJECT(&w, off,
	       "msr_exits record out of canonical order (after "
	       "hypercall)");
	bld_init(&w);
	b_upto_blob(&w);
	(void)begin(&w, T_HYPERCALL);
	put(&w, 0, 4);
	off = end(&w);
	REJECT(&w, off, "hypercall record length 4, must be 8");
	bld_init(&w);
	b_hdr(&w, 1, VMM_ARCH_ARM64, 0);
	(void)b_limits(&w, 100, 100);
	(void)b_slot(&w, 0, 0, 16, 0);
	off = b_hypercall(&w, 0x1000);
	REJECT(&w, off, "hypercall record in a arm64 scenario (x86 only)");

	/* guest_debug rejections */
	bld_init(&w);
	b_minimal(&w);
	off = b_gdbg(&w, 0x200001, 0, 0);
	REJECT(&w, off + 3,
	       "guest_debug.control=0x200001, known bits "
	       "0x1f0003");
	bld_init(&w);
	b_minimal(&w);
	off = b_gdbg(&w, VMM_GDBG_SINGLESTEP, 0, 0);
	REJECT(&w, off + 3, "guest_debug control=0x2 without enable");
	bld_init(&w);
	b_minimal(&w);
	off = b_gdbg(&w, VMM_GDBG_ENABLE, 0x1000, 0);
	REJECT(&w, off + 3,
	       "guest_debug debug registers without hardware "
	       "breakpoints");
	bld_init(&w);
	b_minimal(&w);
	off = b_gdbg(&w, VMM_GDBG_ENABLE | VMM_GDBG_SINGLESTEP, 0, 0x401);
	REJECT(&w, off + 3, "guest_debug debug registers without hardware");
	bld_init(&w);
	b_minimal(&w);
	off = b_gdbg(&w,
		     VMM_GDBG_ENABLE | VMM_GDBG_INJECT_DB | VMM_GDBG_INJECT_BP,
		     0, 0);
	REJECT(&w, off + 3, "injects both #DB and #BP");
	bld_init(&w);
	b_minimal(&w);
	(void)b_gdbg(&w, 0, 0, 0);
	off = b_gdbg(&w, 0, 0, 0);
	REJECT(&w, off, "second guest_debug record for one vCPU");
	bld_init(&w);
	b_minimal(&w);
	(void)b_gdbg(&w, 0, 0, 0);
	off = b_events(&w, 0, 0, 0, 0);
	REJECT(&w, off, "events record after guest_debug");
	bld_init(&w);
	b_minimal(&w);
	(void)begin(&w, T_GDBG);
	put(&w, 0, 4);
	off = end(&w);
	REJECT(&w, off, "guest_debug record length 4, must be 44");
	bld_init(&w);
	b_arm64(&w, VMM_ARM64_AARCH64);
	off = b_gdbg(&w, 0, 0, 0);
	REJECT(&w, off, "guest_debug record in a arm64 scenario (x86 only)");
	TEXT_REJECT(
		TXT_HDR TXT_LIM TXT_SLOT TXT_BLOB
		"msr_exits reasons=0x4 base=0x0 nmsrs=12289 flags=0x1\n" TXT_VCPU,
		"line 5", "nmsrs=12289");
	TEXT_REJECT(TXT_HDR TXT_LIM TXT_SLOT TXT_BLOB
		    "msr_exits reasons=0x4 base=0x0 nmsrs=1\n" TXT_VCPU,
		    "line 5", "msr_exits record needs flags=");
	TEXT_REJECT(TXT_HDR TXT_LIM TXT_SLOT TXT_BLOB TXT_VCPU
		    "guest_debug control=0x1 dr0=0x1 dr1=0x0 dr2=0x0 "
		    "dr3=0x0 dr7=0x0\n",
		    "vCPU 0: guest_debug", "without hardware breakpoints");

	/* the encoder refuses what the decoder would */
	bld_init(&w);
	b_minimal(&w);
	ACCEPT(&w, &s);
	s.hypercall_mask = 0x1000;
	vmm_err_clear(&e);
	CHECK_EQ_U64(vmm_scenario_encode(&s, NULL, 0, &e), 0);
	CHECK_STR_CONTAINS(e.msg, "hypercall mask without a hypercall record");
	s.hypercall_mask = 0;
	s.vcpus[0].gdbg_dr7 = 0x401;
	vmm_err_clear(&e);
	CHECK_EQ_U64(vmm_scenario_encode(&s, NULL, 0, &e), 0);
	CHECK_STR_CONTAINS(e.msg, "guest debug values without a guest_debug");
	s.vcpus[0].gdbg_dr7 = 0;
	s.nmsr_exits = 2;
	s.msr_exits[0].reasons = 4;
	vmm_err_clear(&e);
	CHECK_EQ_U64(vmm_scenario_encode(&s, NULL, 0, &e), 0);
	CHECK_STR_CONTAINS(e.msg, "reasons differ from the previous");
}

/* debugregs: once per vCPU, present even when all zero, x86 only. */
static void test_dregs_record(void)
{
	struct bld w;
	struct vmm_scenario s, s2;
	struct vmm_error e;
	char text[8192], what[64];
	static uint8_t arena[4096];
	size_t off, tl;

	bld_init(&w);
	b_minimal(&w);
	(void)b_cpuid(&w, 1, 0, 0, 1);
	(void)b_dregs(&w, 0x5000, 0x401);
	(void)b_vcpu(&w, VMM_MODE_REAL16, 0x1000);
	(void)b_dregs(&w, 0, 0); /* all zero but DR6: still a record */
	ACCEPT(&w, &s);
	CHECK_EQ_U64(s.vcpus[0].has_dregs, 1);
	CHECK_EQ_U64(s.vcpus[0].dr[0], 0x5000);
	CHECK_EQ_U64(s.vcpus[0].dr7, 0x401);
	CHECK_EQ_U64(s.vcpus[1].has_dregs, 1);
	tl = vmm_scenario_format_text(&s, text, sizeof(text));
	CHECK(tl < sizeof(text));
	CHECK_STR_CONTAINS(text, "debugregs dr0=0x5000 dr1=0x0 dr2=0x0 "
				 "dr3=0x0 dr6=0xffff0ff0 dr7=0x401\n"
				 "vcpu mode=real16 entry=0x1000\n"
				 "debugregs dr0=0x0 dr1=0x0");
	vmm_err_clear(&e);
	CHECK(vmm_scenario_parse_text(text, tl, arena, sizeof(arena), &s2,
				      &e) == 0);
	CHECK(vmm_scenario_equal(&s, &s2, what, sizeof(what)));
	s2.vcpus[1].has_dregs = 0;
	CHECK(!vmm_scenario_equal(&s, &s2, what, sizeof(what)));
	CHECK_STR_CONTAINS(what, "vcpu[1].debugregs");
	/* all six registers zero: a record all the same */
	bld_init(&w);
	b_minimal(&w);
	(void)begin(&w, T_DREGS);
	for (int i = 0; i < 6; i++)
		put(&w, 0, 8);
	(void)end(&w);
	ACCEPT(&w, &s);
	CHECK_EQ_U64(s.vcpus[0].has_dregs, 1);

	bld_init(&w);
	b_minimal(&w);
	(void)b_dregs(&w, 1, 0x400);
	off = b_dregs(&w, 2, 0x400);
	REJECT(&w, off, "second debugregs record for one vCPU");
	bld_init(&w);
	b_minimal(&w);
	(void)b_dregs(&w, 1, 0x400);
	off = b_cpuid(&w, 1, 0, 0, 1);
	REJECT(&w, off, "cpuid record after debugregs");
	bld_init(&w);
	b_minimal(&w);
	(void)begin(&w, T_DREGS);
	put(&w, 0, 8);
	off = end(&w);
	REJECT(&w, off, "debugregs record length 8, must be 48");
	bld_init(&w);
	b_arm64(&w, VMM_ARM64_AARCH64);
	off = b_dregs(&w, 1, 0x400);
	REJECT(&w, off, "debugregs record in a arm64 scenario (x86 only)");
	TEXT_REJECT("kvms version=1 arch=x86_64 flags=none\n"
		    "limits max_exits=1 timeout_ms=1\n"
		    "slot id=0 gpa=0x0 size=0x1000 flags=none\n"
		    "vcpu mode=real16 entry=0x0\n"
		    "debugregs dr0=0x0 dr1=0x0 dr2=0x0 dr3=0x0 dr6=0x0\n",
		    "line 5", "debugregs record needs dr7=");
	TEXT_REJECT("kvms version=1 arch=x86_64 flags=none\n"
		    "limits max_exits=1 timeout_ms=1\n"
		    "slot id=0 gpa=0x0 size=0x1000 flags=none\n"
		    "vcpu mode=real16 entry=0x0\n"
		    "debugregs dr0=0x0 dr1=0x0 dr2=0x0 dr3=0x0 dr6=0x0 "
		    "dr7=0x0\n"
		    "debugregs dr0=0x0 dr1=0x0 dr2=0x0 dr3=0x0 dr6=0x0 "
		    "dr7=0x0\n",
		    "line 6", "second debugregs line for this vcpu");
	TEXT_REJECT("kvms version=1 arch=arm64 flags=none\n"
		    "limits max_exits=1 timeout_ms=1\n"
		    "slot id=0 gpa=0x0 size=0x1000 flags=none\n"
		    "vcpu mode=aarch64 entry=0x0\n"
		    "debugregs dr0=0x0 dr1=0x0 dr2=0x0 dr3=0x0 dr6=0x0 "
		    "dr7=0x0\n",
		    "line 5", "debugregs record in a arm64 scenario");
	bld_init(&w);
	b_minimal(&w);
	ACCEPT(&w, &s);
	s.vcpus[0].dr7 = 0x400;
	vmm_err_clear(&e);
	CHECK_EQ_U64(vmm_scenario_encode(&s, NULL, 0, &e), 0);
	CHECK_STR_CONTAINS(e.msg, "debug register values without a "
				  "debugregs record");
}

static void test_schema_table(void)
{
	int seen_vcpu = 0;

	CHECK(scn_nrecords >= 1 && scn_nrecords <= SCN_MAX_RECORDS);
	CHECK_EQ_U64(scn_records[0].tag, T_LIMITS); /* the first record */
	for (unsigned int i = 0; i < scn_nrecords; i++) {
		const struct scn_record *r = &scn_records[i];
		unsigned int bytes = 0, order = 0;

		CHECK(scn_by_tag(r->tag) == r);
		CHECK(scn_by_name(r->name) == r);
		CHECK(strcmp(r->name, "kvms") != 0);
		if (i > 0)
			CHECK(r->tag > scn_records[i - 1].tag); /* canonical */
		CHECK(r->nfields >= 1 && r->nfields <= SCN_MAX_FIELDS);
		CHECK(!r->arch || r->arch_note);
		if (r->kind == SCN_VCPU)
			seen_vcpu = 1;
		CHECK(!scn_per_vcpu(r) || seen_vcpu);
		CHECK(scn_per_vcpu(r) || !seen_vcpu || r->kind == SCN_VCPU);
		if (r->kind == SCN_LIST || r->kind == SCN_VCPU)
			CHECK(r->cap >= 1 && r->plural &&
			      r->stride <= SCN_MAX_ELEM);
		if (r->kind == SCN_INDEXED)
			CHECK(r->nidx && r->idx_name && r->mask_mem &&
			      r->stride <= SCN_MAX_ELEM);
		if (r->kind == SCN_VCPU_LIST)
			CHECK(r->cap >= 1 && r->plural && r->arr != SCN_NONE &&
			      r->stride <= SCN_MAX_ELEM && r->dec_check);
		if (r->kind == SCN_VCPU_ONCE)
			CHECK(r->fields[0].fmt != SCN_BYTES &&
			      (r->vpresent || r->txt_parse));
		for (unsigned int k = 0; k < r->nfields; k++) {
			const struct scn_field *f = &r->fields[k];

			CHECK(f->key != NULL);
			if (f->fmt == SCN_BYTES) {
				bytes++;
				CHECK_EQ_U64(k, r->nfields - 1U); /* the rest */
				CHECK(f->len_mem == 1 || f->len_mem == 2 ||
				      f->len_mem == 4 || f->len_mem == 8);
			} else {
				CHECK(f->wire == 1 || f->wire == 2 ||
				      f->wire == 4 || f->wire == 8);
				CHECK(f->mem >= f->wire || f->scale);
			}
			if (f->fmt == SCN_WORD)
				CHECK(f->word_name && f->word_parse);
			if (r->torder) {
				CHECK(r->torder[k] < r->nfields);
				order |= 1U << r->torder[k];
			}
		}
		CHECK(bytes <= 1);
		CHECK(!r->torder || order == (1U << r->nfields) - 1);
	}
	CHECK(seen_vcpu);
	CHECK(scn_by_tag(0x1f) == NULL && scn_by_name("kvms") == NULL);
}

/* ---- action records ---------------------------------------------------- */

static size_t b_action(struct bld *w, unsigned int kind, unsigned int vcpu,
		       unsigned int target, unsigned int trigger, uint32_t when,
		       uint32_t idx, uint64_t a, uint64_t b)
{
	(void)begin(w, T_ACTION);
	put(w, kind, 1);
	put(w, vcpu, 1);
	put(w, target, 1);
	put(w, trigger, 1);
	put(w, when, 4);
	put(w, idx, 4);
	put(w, a, 8);
	put(w, b, 8);
	return end(w);
}

static void action_base(struct bld *w)
{
	bld_init(w);
	b_upto_slot(w);
	(void)b_blob1(w, 0x1000);
}

/* action: round trip through both forms, the canonical order, fields a
 * kind does not use, the per-kind bounds, the vCPU count, the cap. */
static void test_action_records(void)
{
	struct bld w;
	struct vmm_scenario s, s2;
	struct vmm_error e;
	char text[8192], what[64];
	static uint8_t arena[4096];
	size_t off, tl;

	action_base(&w);
	(void)b_action(&w, VMM_AK_SLOT_DELETE, 0, 0, VMM_AT_EXIT, 2, 1, 0, 0);
	(void)b_action(&w, VMM_AK_REG, 0, 1, VMM_AT_EXIT, 2, 3, 0x1234, 0);
	(void)b_action(&w, VMM_AK_NMI, 0, 0, VMM_AT_REASON, 2, 0, 0, 0);
	(void)b_action(&w, VMM_AK_MSI, 1, 0, VMM_AT_EXIT, 1, 0, 0xfee00000ULL,
		       0x41);
	(void)b_action(&w, VMM_AK_DIRTY_CLEAR, 1, 0, VMM_AT_EXIT, 3, 0, 64, 64);
	(void)b_vcpu(&w, VMM_MODE_LONG64, 0x1000);
	(void)b_vcpu(&w, VMM_MODE_LONG64, 0x1000);
	ACCEPT(&w, &s);
	CHECK_EQ_U64(s.nactions, 5);
	CHECK_EQ_U64(s.actions[0].kind, VMM_AK_SLOT_DELETE);
	CHECK_EQ_U64(s.actions[0].when, 2);
	CHECK_EQ_U64(s.actions[0].idx, 1);
	CHECK_EQ_U64(s.actions[1].target, 1);
	CHECK_EQ_U64(s.actions[1].a, 0x1234);
	CHECK_EQ_U64(s.actions[2].trigger, VMM_AT_REASON);
	CHECK_EQ_U64(s.actions[3].b, 0x41);
	tl = vmm_scenario_format_text(&s, text, sizeof(text));
	CHECK(tl < sizeof(text));
	CHECK_STR_CONTAINS(text,
			   "action vcpu=0 trigger=exit when=2 kind=slot_delete "
			   "target=0 idx=0x1 a=0x0 b=0x0\n"
			   "action vcpu=0 trigger=exit when=2 kind=reg "
			   "target=1 idx=0x3 a=0x1234 b=0x0\n"
			   "action vcpu=0 trigger=reason when=2 kind=nmi ");
	vmm_err_clear(&e);
	CHECK(vmm_scenario_parse_text(text, tl, arena, sizeof(arena), &s2,
				      &e) == 0);
	CHECK(vmm_scenario_equal(&s, &s2, what, sizeof(what)));
	s2.actions[4].b = 128;
	CHECK(!vmm_scenario_equal(&s, &s2, what, sizeof(what)));
	CHECK_STR_CONTAINS(what, "actions");

	/* order: the same exit, a kind before another; two alike */
	action_base(&w);
	(void)b_action(&w, VMM_AK_REG, 0, 0, VMM_AT_EXIT, 2, 0, 0, 0);
	off = b_action(&w, VMM_AK_SLOT_DELETE, 0, 0, VMM_AT_EXIT, 2, 1, 0, 0);
	(void)b_vcpu(&w, VMM_MODE_LONG64, 0x1000);
	REJECT(&w, off + 3, "canonical order");
	action_base(&w);
	(void)b_action(&w, VMM_AK_NMI, 0, 0, VMM_AT_EXIT, 2, 0, 0, 0);
	off = b_action(&w, VMM_AK_NMI, 0, 0, VMM_AT_EXIT, 2, 0, 0, 0);
	(void)b_vcpu(&w, VMM_MODE_LONG64, 0x1000);
	REJECT(&w, off + 3, "no two alike");
	action_base(&w);
	(void)b_action(&w, VMM_AK_NMI, 1, 0, VMM_AT_EXIT, 1, 0, 0, 0);
	off = b_action(&w, VMM_AK_NMI, 0, 0, VMM_AT_EXIT, 9, 0, 0, 0);
	(void)b_vcpu(&w, VMM_MODE_LONG64, 0x1000);
	REJECT(&w, off + 3, "not after the previous one");

	/* field bounds */
	action_base(&w);
	off = b_action(&w, VMM_AK_COUNT, 0, 0, VMM_AT_EXIT, 1, 0, 0, 0);
	REJECT(&w, off + 3, "action.kind=19");
	action_base(&w);
	off = b_action(&w, VMM_AK_NMI, 0, 0, VMM_AT_COUNT, 1, 0, 0, 0);
	REJECT(&w, off + 6, "action.trigger=2");
	action_base(&w);
	off = b_action(&w, VMM_AK_NMI, VMM_MAX_VCPUS, 0, VMM_AT_EXIT, 1, 0, 0,
		       0);
	REJECT(&w, off + 4, "action.vcpu=4");
	action_base(&w);
	off = b_action(&w, VMM_AK_NMI, 0, 0, VMM_AT_EXIT, 0, 0, 0, 0);
	REJECT(&w, off + 3, "when=0 (the n-th exit");
	action_base(&w);
	off = b_action(&w, VMM_AK_NMI, 0, 0, VMM_AT_REASON, 64, 0, 0, 0);
	REJECT(&w, off + 3, "a KVM_EXIT_* below 64");
	/* unused fields, per-kind bounds */
	action_base(&w);
	off = b_action(&w, VMM_AK_NMI, 0, 0, VMM_AT_EXIT, 1, 0, 1, 0);
	REJECT(&w, off + 3, "action nmi: idx=a=b=0");
	action_base(&w);
	off = b_action(&w, VMM_AK_SLOT_DELETE, 0, 1, VMM_AT_EXIT, 1, 0, 0, 0);
	REJECT(&w, off + 3, "a VM-wide action takes none");
	action_base(&w);
	off = b_action(&w, VMM_AK_SLOT_ADD, 0, 0, VMM_AT_EXIT, 1, 2, 0x1001,
		       0x1000);
	REJECT(&w, off + 3, "a (gpa) page aligned");
	action_base(&w);
	off = b_action(&w, VMM_AK_SLOT_RESIZE, 0, 0, VMM_AT_EXIT, 1, 0, 0, 0);
	REJECT(&w, off + 3, "b (size) 1 page");
	action_base(&w);
	off = b_action(&w, VMM_AK_SLOT_FLAGS, 0, 0, VMM_AT_EXIT, 1, 0, 4, 0);
	REJECT(&w, off + 3, "readonly 1, dirty_log 2");
	action_base(&w);
	off = b_action(&w, VMM_AK_DIRTY_CLEAR, 0, 0, VMM_AT_EXIT, 1, 0, 0,
		       VMM_ACTION_MAX_PAGES + 1);
	REJECT(&w, off + 3, "b (pages) 1..0x10000");
	action_base(&w);
	off = b_action(&w, VMM_AK_IRQ_LINE, 0, 0, VMM_AT_EXIT, 1, VMM_MAX_GSI,
		       0, 0);
	REJECT(&w, off + 3, "idx (gsi) < 1024");
	action_base(&w);
	off = b_action(&w, VMM_AK_INTERRUPT, 0, 0, VMM_AT_EXIT, 1, 256, 0, 0);
	REJECT(&w, off + 3, "idx (vector) < 256");
	action_base(&w);
	off = b_action(&w, VMM_AK_REG, 0, 0, VMM_AT_EXIT, 1, 18, 0, 0);
	REJECT(&w, off + 3, "idx (register) < 18");
	action_base(&w);
	off = b_action(&w, VMM_AK_SREG, 0, 0, VMM_AT_EXIT, 1,
		       VMM_SREG_GDT_LIMIT, 0x10000, 0);
	REJECT(&w, off + 3, "limit 16 bits");
	action_base(&w);
	off = b_action(&w, VMM_AK_EVENTS, 0, 0, VMM_AT_EXIT, 1, VMM_EV_ERRCODE,
		       0, 5);
	REJECT(&w, off + 3, "an error code only with an exception");
	action_base(&w);
	off = b_action(&w, VMM_AK_DEBUGREG, 0, 0, VMM_AT_EXIT, 1, 6, 0, 0);
	REJECT(&w, off + 3, "idx (0-3 DR0-3");
	action_base(&w);
	off = b_action(&w, VMM_AK_GUEST_DEBUG, 0, 0, VMM_AT_EXIT, 1, 0, 0x4, 0);
	REJECT(&w, off + 3, "a (control) within");
	action_base(&w);
	off = b_action(&w, VMM_AK_LAPIC, 0, 0, VMM_AT_EXIT, 1, 0x3f8, 0, 0);
	REJECT(&w, off + 3, "16-byte aligned");
	/* length, cap, vCPU count */
	action_base(&w);
	(void)begin(&w, T_ACTION);
	put(&w, 0, 4);
	off = end(&w);
	REJECT(&w, off, "action record length 4, must be 28");
	action_base(&w);
	for (unsigned int q = 0; q < VMM_MAX_SCN_ACTIONS; q++)
		(void)b_action(&w, VMM_AK_NMI, 0, 0, VMM_AT_EXIT, q + 1, 0, 0,
			       0);
	off = b_action(&w, VMM_AK_NMI, 0, 0, VMM_AT_EXIT, 99, 0, 0, 0);
	REJECT(&w, off, "more than 16 action records");
	action_base(&w);
	(void)b_action(&w, VMM_AK_NMI, 0, 1, VMM_AT_EXIT, 1, 0, 0, 0);
	(void)b_vcpu(&w, VMM_MODE_LONG64, 0x1000);
	irq_invalid(&w, "the scenario has 1 vCPUs");

	/* text form: names, and the same checks */
	TEXT_REJECT("kvms version=1 arch=x86_64 flags=none\n"
		    "slot id=0 gpa=0x0 size=0x10000 flags=none\n"
		    "action vcpu=0 trigger=exit when=1 kind=teleport "
		    "target=0 idx=0 a=0 b=0\n",
		    "line 3", "action kind 'teleport'");
	TEXT_REJECT("kvms version=1 arch=x86_64 flags=none\n"
		    "slot id=0 gpa=0x0 size=0x10000 flags=none\n"
		    "action vcpu=0 trigger=sometime when=1 kind=nmi "
		    "target=0 idx=0 a=0 b=0\n",
		    "line 3", "action trigger 'sometime' (exit, reason)");
	TEXT_REJECT("kvms version=1 arch=x86_64 flags=none\n"
		    "slot id=0 gpa=0x0 size=0x10000 flags=none\n"
		    "action vcpu=0 trigger=exit when=1 kind=nmi "
		    "target=0 idx=0 a=0x5 b=0\n",
		    "line 3", "idx=a=b=0");
	/* arm64: not an x86 record */
	bld_init(&w);
	b_arm64_head(&w);
	off = b_action(&w, VMM_AK_NMI, 0, 0, VMM_AT_EXIT, 1, 0, 0, 0);
	REJECT(&w, off, "x86 only");
}

int main(void)
{
	test_arm64_records();
	test_arm64_state_records();
	test_minimal();
	test_truncation();
	test_header();
	test_size_bound();
	test_limits();
	test_slots();
	test_blobs();
	test_fills();
	test_vcpus();
	test_order();
	test_console_sysarea_input();
	test_text_rich();
	test_text_errors();
	test_encode_short_buffer();
	test_mutation();
	test_text_null_arena();
	test_empty_vcpu_field_at_end();
	test_msr_records();
	test_cpuid_records();
	test_dregs_record();
	test_events_record();
	test_exit_records();
	test_fpu_records();
	test_irq_records();
	test_action_records();
	test_schema_table();
	return check_report("test_scenario");
}

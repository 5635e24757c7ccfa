/* Reset mode equivalence: a scenario run on a reused VM (after a different
 * scenario ran on it) must give exactly what a fresh VM gives: verdict,
 * exit count, exit trace hash, final registers and sregs, and the contents
 * of all guest memory. Every corpus scenario and N random scenarios from
 * the structure-aware mutator, with the dirty ring and with the bitmap.
 * Random scenarios whose two fresh runs already differ are real
 * non-determinism (timing, TSC...) and are counted, not compared.
 * Usage: test_reset CORPUS_DIR [RANDOM_COUNT] */
#include "fuzz/mutator.h"
#include "tests/check.h"
#include "tests/guest_files.h"
#include "tests/proc_util.h"
#include "vmm/pipeline.h"
#include "vmm/session.h"

#define MAX_IN 64
#define BUF 16384

struct input {
	char name[80];
	uint8_t buf[BUF];
	size_t len;
};

static struct input corpus[MAX_IN];
static int ncorpus;

static const char *diff(const struct vmm_result *a, const struct vmm_result *b)
{
	static const char *const regs[] = { "rax", "rbx", "rcx", "rdx", "rsi",
					    "rdi", "rsp", "rbp", "r8", "r9",
					    "r10", "r11", "r12", "r13", "r14",
					    "r15", "rip", "rflags" };

	if (a->verdict != b->verdict)
		return "verdict";
	if (a->exits != b->exits)
		return "exit count";
	if (a->trace_hash != b->trace_hash)
		return "trace hash";
	if (a->mem_hash != b->mem_hash)
		return "memory contents";
	if (a->have_state != b->have_state)
		return "state availability";
	if (!a->have_state)
		return NULL;
	for (unsigned int i = 0; i < VMM_X86_NREGS; i++)
		if (vmm_x86_reg_get(&a->regs, i) != vmm_x86_reg_get(&b->regs, i))
			return regs[i];
	if (a->sregs.cr0 != b->sregs.cr0)
		return "cr0";
	if (a->sregs.cr2 != b->sregs.cr2)
		return "cr2";
	if (a->sregs.cr3 != b->sregs.cr3)
		return "cr3";
	if (a->sregs.cr4 != b->sregs.cr4)
		return "cr4";
	if (a->sregs.efer != b->sregs.efer)
		return "efer";
	if (memcmp(&a->sregs.cs, &b->sregs.cs, sizeof(a->sregs.cs)) != 0)
		return "cs";
	if (memcmp(&a->sregs.ss, &b->sregs.ss, sizeof(a->sregs.ss)) != 0)
		return "ss";
	if (a->sregs.gdt.base != b->sregs.gdt.base ||
	    a->sregs.idt.base != b->sregs.idt.base)
		return "gdt/idt";
	return NULL;
}

static const struct vmm_hooks hooks = { .hash_memory = 1 };

static int run_fresh(struct vmm_kvm *k, const uint8_t *buf, size_t len,
		     struct vmm_result *r)
{
	struct vmm_scenario s;
	struct vmm_error e;

	if (vmm_scenario_decode(buf, len, &s, &e) < 0)
		return -1;
	(void)vmm_pipeline_run(k, &s, &hooks, r);
	return 0;
}

static int run_reset(struct vmm_session *ss, const uint8_t *buf, size_t len,
		     struct vmm_result *r)
{
	struct vmm_scenario s;
	struct vmm_error e;

	if (vmm_scenario_decode(buf, len, &s, &e) < 0)
		return -1;
	(void)vmm_pipeline_run_reset(ss, &s, &hooks, r);
	return 0;
}

/* Run decoded bytes with the wall-clock limit raised to 10 s. */
static int run_long(struct vmm_kvm *k, struct vmm_session *ss,
		    const uint8_t *buf, size_t len, struct vmm_result *r)
{
	struct vmm_scenario s;
	struct vmm_error e;

	if (vmm_scenario_decode(buf, len, &s, &e) < 0)
		return -1;
	s.timeout_ms = 10000;
	if (ss)
		(void)vmm_pipeline_run_reset(ss, &s, &hooks, r);
	else
		(void)vmm_pipeline_run(k, &s, &hooks, r);
	return 0;
}

static void add_input(const char *name, const uint8_t *buf, size_t len,
		      void *ctx)
{
	(void)ctx;
	if (ncorpus >= MAX_IN)
		return;
	memcpy(corpus[ncorpus].buf, buf, len);
	corpus[ncorpus].len = len;
	(void)snprintf(corpus[ncorpus].name, sizeof(corpus[0].name), "%.70s",
		       name);
	ncorpus++;
}

/* A rep string instruction against MMIO (here: into a readonly slot, a
 * write the strict devices refuse) stops the run with an access in flight
 * that completing it does not end: KVM carries on with the next one. The
 * same input once more on the session must not pick that up (the flush
 * before a reset falls back to a fresh VM instead). */
static void check_in_flight(struct vmm_kvm *k, unsigned int flags)
{
	static const uint8_t code[] = {
		0xbf, 0x00, 0x10, 0x00, 0x00, /* mov edi, 0x1000 (readonly) */
		0xb9, 0x00, 0x01, 0x00, 0x00, /* mov ecx, 0x100 */
		0x66, 0xba, 0xe9, 0x00,       /* mov dx, 0xe9 */
		0xf3, 0x6c,                   /* rep insb */
		0xf4,                         /* hlt */
	};
	static struct vmm_session ss;
	static struct vmm_result f, r;
	struct vmm_scenario s;
	struct vmm_error e;
	const char *d;

	vmm_scenario_init(&s);
	s.max_exits = 1000;
	s.timeout_ms = 10000;
	s.nslots = 2;
	s.slots[0] = (struct vmm_slot_spec){ 0, 0, 0x1000, 0 };
	s.slots[1] = (struct vmm_slot_spec){ 7, 0x1000, 0x1000,
					     VMM_SLOT_READONLY };
	s.nblobs = 1;
	s.blobs[0] = (struct vmm_blob_spec){ 0x1000, code, sizeof(code) };
	s.nvcpus = 1;
	s.vcpus[0].mode = VMM_MODE_PROT32;
	s.vcpus[0].entry = 0x1000;
	vmm_err_clear(&e);
	if (vmm_session_init(&ss, k, flags, &e) < 0)
		return;
	(void)vmm_pipeline_run(k, &s, &hooks, &f);
	(void)vmm_pipeline_run_reset(&ss, &s, &hooks, &r);
	(void)vmm_pipeline_run_reset(&ss, &s, &hooks, &r);
	d = diff(&f, &r);
	if (d)
		(void)fprintf(stderr, "rep insb into a readonly slot, twice on "
			      "one session: %s differs (fresh %s: %s; reset "
			      "%s: %s)\n", d, vmm_verdict_name(f.verdict),
			      f.err.msg, vmm_verdict_name(r.verdict), r.err.msg);
	CHECK(f.verdict == VMM_V_GUEST);
	CHECK(d == NULL);
	vmm_session_destroy(&ss);
}

static void check_mode(struct vmm_kvm *k, unsigned int flags, long nrandom)
{
	static struct vmm_session ss;
	static uint8_t prev[BUF], cur[BUF];
	static uint8_t hist[4][BUF];
	static size_t hist_len[4];
	unsigned int hpos = 0;
	static struct vmm_result f1, f2, rr;
	struct vmm_error e;
	size_t prev_len = 0;
	long compared = 0, nondet = 0, mism = 0, timing = 0;
	const char *mode;

	vmm_err_clear(&e);
	if (vmm_session_init(&ss, k, flags, &e) < 0) {
		(void)printf("SKIP: %s\n", e.msg);
		return;
	}
	mode = ss.dirty_mode == VMM_DIRTY_RING ? "ring" : "bitmap";
	if (ss.dirty_mode != VMM_DIRTY_RING)
		(void)printf("dirty tracking: bitmap (%s)\n", ss.dirty_why);
	/* corpus: each scenario after the previous one on the same VM */
	for (int i = 0; i < ncorpus; i++) {
		const struct input *a = &corpus[(i + ncorpus - 1) % ncorpus];
		const char *d;

		(void)run_reset(&ss, a->buf, a->len, &rr);
		(void)run_reset(&ss, corpus[i].buf, corpus[i].len, &rr);
		(void)run_fresh(k, corpus[i].buf, corpus[i].len, &f1);
		d = diff(&f1, &rr);
		if (d) {
			(void)fprintf(stderr, "%s: corpus %s after %s: %s differs "
				      "(fresh %s, reset %s: %s)\n", mode,
				      corpus[i].name, a->name, d,
				      vmm_verdict_name(f1.verdict),
				      vmm_verdict_name(rr.verdict), rr.err.msg);
			mism++;
		}
		compared++;
	}
	/* random scenarios from the mutator */
	for (long n = 0; n < nrandom; n++) {
		const struct input *seed = &corpus[n % ncorpus];
		size_t len;
		const char *d;

		memcpy(cur, seed->buf, seed->len);
		len = fuzz_mutate(cur, seed->len, BUF, (unsigned int)(n * 7919 + 1),
				  NULL);
		if (run_fresh(k, cur, len, &f1) < 0)
			continue; /* not decodable */
		(void)run_fresh(k, cur, len, &f2);
		/* A timed-out guest stops wherever the deadline found it. */
		if (diff(&f1, &f2) || f1.verdict == VMM_V_TIMEOUT) {
			nondet++;
			if (prev_len)
				(void)run_reset(&ss, prev, prev_len, &rr);
			(void)run_reset(&ss, cur, len, &rr);
			if (rr.verdict != f1.verdict &&
			    (rr.verdict == VMM_V_TIMEOUT ||
			     f1.verdict == VMM_V_TIMEOUT)) {
				/* a time limit decided it: give both room */
				(void)run_long(k, NULL, cur, len, &f1);
				if (prev_len)
					(void)run_reset(&ss, prev, prev_len, &rr);
				(void)run_long(k, &ss, cur, len, &rr);
				timing++;
			}
			if (rr.verdict != f1.verdict && f1.verdict == f2.verdict) {
				(void)fprintf(stderr, "%s: random scenario %ld: "
					      "verdict %s fresh, %s reset\n",
					      mode, n, vmm_verdict_name(f1.verdict),
					      vmm_verdict_name(rr.verdict));
				mism++;
			}
			goto next;
		}
		if (prev_len)
			(void)run_reset(&ss, prev, prev_len, &rr);
		(void)run_reset(&ss, cur, len, &rr);
		d = diff(&f1, &rr);
		if (d && rr.verdict == VMM_V_TIMEOUT) {
			/* Close to its time limit (or the host was busy):
			 * compare both modes again with room to finish. */
			(void)run_long(k, NULL, cur, len, &f1);
			if (prev_len)
				(void)run_reset(&ss, prev, prev_len, &rr);
			(void)run_long(k, &ss, cur, len, &rr);
			d = diff(&f1, &rr);
			timing++;
		}
		compared++;
		if (d) {
			char path[64];
			FILE *f;

			(void)snprintf(path, sizeof(path),
				       "reset-mismatch-%s-%ld.kvms", mode, n);
			f = fopen(path, "wbe");
			if (f) {
				(void)fwrite(cur, 1, len, f);
				(void)fclose(f);
			}
			for (unsigned int h = 1; h <= 4; h++) {
				unsigned int at = (hpos + 4 - h) % 4;

				(void)snprintf(path, sizeof(path),
					       "reset-mismatch-%s-%ld-prev%u.kvms",
					       mode, n, h);
				f = fopen(path, "wbe");
				if (f) {
					(void)fwrite(hist[at], 1, hist_len[at], f);
					(void)fclose(f);
				}
			}
			(void)fprintf(stderr, "%s: random scenario %ld (saved as "
				      "%s): %s differs (fresh %s, reset %s: %s)\n",
				      mode, n, path, d,
				      vmm_verdict_name(f1.verdict),
				      vmm_verdict_name(rr.verdict), rr.err.msg);
			(void)fprintf(stderr, "  session: ring_full=%llu harvested="
				      "%llu resets=%llu fallbacks=%llu\n",
				      (unsigned long long)ss.ring_full_exits,
				      (unsigned long long)ss.ring_harvested,
				      (unsigned long long)ss.resets,
				      (unsigned long long)ss.fallbacks);
			mism++;
		}
next:
		memcpy(prev, cur, len);
		prev_len = len;
		memcpy(hist[hpos], cur, len);
		hist_len[hpos] = len;
		hpos = (hpos + 1) % 4;
	}
	(void)printf("%s: %ld compared (%ld re-run with a 10 s limit), %ld "
		     "mismatches, %ld non-deterministic skipped; session: %llu runs, %llu resets, %llu fallbacks, "
		     "%llu pages restored, %llu slot changes\n", mode, compared,
		     timing, mism, nondet, (unsigned long long)ss.runs,
		     (unsigned long long)ss.resets,
		     (unsigned long long)ss.fallbacks,
		     (unsigned long long)ss.pages_restored,
		     (unsigned long long)ss.slot_changes);
	CHECK_EQ_U64(mism, 0);
	CHECK(ss.resets > 0);
	CHECK(compared > ncorpus);
	vmm_session_destroy(&ss);
}

int main(int argc, char **argv)
{
	struct vmm_kvm k;
	struct vmm_error e;
	long nrandom = argc > 2 ? strtol(argv[2], NULL, 10) : 2000;

	if (argc < 2)
		return 2;
	if (!kvm_present()) {
		(void)printf("SKIP: /dev/kvm is absent\n");
		return CHECK_SKIP_RC;
	}
	(void)for_each_file(argv[1], ".kvms", BUF, add_input, NULL);
	if (ncorpus == 0)
		return 2;
	vmm_err_clear(&e);
	if (vmm_kvm_open(&k, NULL, NULL, &e) < 0)
		return 1;
	check_in_flight(&k, 0);
	check_mode(&k, 0, nrandom); /* the ring where it works */
	if (k.ring_probe == VMM_PROBE_OK)
		check_mode(&k, VMM_SESSION_FORCE_BITMAP, nrandom / 2);
	vmm_kvm_close(&k);
	return check_report("test_reset");
}

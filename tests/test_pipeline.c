/* The pipeline on real KVM: multi-slot and readonly layouts, several vCPUs,
 * determinism of the exit trace, input rejection before any KVM object,
 * timeouts and the host mode check. Usage: test_pipeline GUEST_DIR */
#include <errno.h>
#include <linux/kvm.h>
#include <time.h>

#include "tests/capture.h"
#include "tests/check.h"
#include "tests/scenario_builder.h"
#include "tests/guest_files.h"
#include "vmm/oracle.h"
#include "vmm/limits.h"
#include "vmm/pipeline.h"
#include "vmm/session.h"
#include "vmm/x86/mode.h"
#include "vmm/x86/regs.h"

static enum vmm_verdict run(struct vmm_kvm *k, const struct vmm_scenario *s,
			    struct vmm_result *r, struct capture *c)
{
	struct vmm_hooks h;

	cap_hooks(&h, c);
	return vmm_pipeline_run(k, s, &h, r);
}

static void one_slot(struct vmm_scenario *s, uint64_t mem, enum vmm_x86_mode m,
		     const struct guest_bin *g, uint64_t load)
{
	sb_begin(s, mem, 5000);
	(void)sb_code(s, (uint8_t)m, load, g->data, g->len);
	s->mmio_console = 1;
}

static struct guest_bin hlt, add, prot32, mmio, long64, spin, count;

static void test_hlt(struct vmm_kvm *k)
{
	struct vmm_scenario s;
	struct vmm_result r;
	struct capture c;

	one_slot(&s, 0x10000, VMM_MODE_REAL16, &hlt, 0x1000);
	CHECK_EQ_U64(run(k, &s, &r, &c), VMM_V_HALT);
	CHECK_EQ_U64(r.exits, 1);
	CHECK_EQ_U64(c.exits_seen, 1);
	CHECK(r.have_state);
	CHECK_EQ_U64(r.state.regs.rip, 0x1001);
	CHECK_EQ_U64(r.last_exit.reason, KVM_EXIT_HLT);
}

/* The HLTs the mutator puts where real-mode vectors land with a zero
 * vector table (fuzz/mutator.c, sink_real_mode_vectors): at 0 for vectors
 * 1-255, at 0xf4 for vector 0 (its entry reads 0000:00f4 then). A fault
 * without them runs the table as code until the clock ends the run. */
static void test_real_mode_sink(struct vmm_kvm *k)
{
	static const uint8_t ud2[] = { 0x0f, 0x0b };
	static const uint8_t div0[] = { 0x31, 0xc0, 0xf6, 0xf0 };
	static uint8_t sink[0xf5];
	struct vmm_scenario s;
	struct vmm_result r;
	struct capture c;

	sink[0] = 0xf4;
	sink[0xf4] = 0xf4;
	sb_begin(&s, 0x10000, 20);
	(void)sb_code(&s, VMM_MODE_REAL16, 0x1000, ud2, sizeof(ud2));
	CHECK_EQ_U64(run(k, &s, &r, &c), VMM_V_TIMEOUT);
	sb_blob(&s, 0, sink, sizeof(sink));
	CHECK_EQ_U64(run(k, &s, &r, &c), VMM_V_HALT); /* #UD, vector 6 */
	CHECK_EQ_U64(r.state.regs.rip, 1);
	sb_begin(&s, 0x10000, 20);
	(void)sb_code(&s, VMM_MODE_REAL16, 0x1000, div0, sizeof(div0));
	sb_blob(&s, 0, sink, sizeof(sink));
	CHECK_EQ_U64(run(k, &s, &r, &c), VMM_V_HALT); /* #DE, vector 0 */
	CHECK_EQ_U64(r.state.regs.rip, 0xf5);
}

static void test_determinism(struct vmm_kvm *k)
{
	struct vmm_scenario s;
	struct vmm_result r1, r2;
	struct capture c1, c2;

	one_slot(&s, 2 << 20, VMM_MODE_LONG64, &long64, 0);
	CHECK_EQ_U64(run(k, &s, &r1, &c1), VMM_V_HALT);
	CHECK_EQ_U64(run(k, &s, &r2, &c2), VMM_V_HALT);
	CHECK(strcmp(c1.buf, "Hello from long mode\n") == 0);
	CHECK(strcmp(c1.buf, c2.buf) == 0);
	CHECK_EQ_U64(r1.trace_hash, r2.trace_hash);
	CHECK_EQ_U64(r1.exits, r2.exits);
	CHECK_EQ_U64(r1.exits, 22); /* 21 characters + HLT */
	CHECK_EQ_U64(r1.state.regs.rax, 0x1122334455667788ULL);
	/* tables at the top of RAM, clear of the image */
	CHECK_EQ_U64(r1.sys_gpa, (2 << 20) - 7 * 4096);
}

static void test_readonly_and_multislot(struct vmm_kvm *k)
{
	struct vmm_scenario s;
	struct vmm_result r;
	struct capture c;

	/* Code runs from a readonly slot; the GDT goes in the writable one. */
	sb_begin(&s, 0x1000, 5000);
	sb_slot(&s, 5, 0x1000, 0x1000, VMM_SLOT_READONLY);
	(void)sb_code(&s, VMM_MODE_PROT32, 0x1000, prot32.data, prot32.len);
	CHECK_EQ_U64(run(k, &s, &r, &c), VMM_V_HALT);
	CHECK(strcmp(c.buf, "Hello from protected mode\n") == 0);
	CHECK_EQ_U64(r.sys_gpa, 0);

	/* A store into a readonly slot exits as an MMIO write nobody owns. */
	sb_begin(&s, 0x10000, 5000);
	sb_slot(&s, 1, 0x10000000, 0x1000, VMM_SLOT_READONLY);
	(void)sb_code(&s, VMM_MODE_PROT32, 0x1000, mmio.data, mmio.len);
	CHECK_EQ_U64(run(k, &s, &r, &c), VMM_V_GUEST);
	CHECK_STR_CONTAINS(r.err.msg, "KVM_EXIT_MMIO write gpa=0x10000000");
	CHECK_EQ_U64(c.len, 0);

	/* The same guest with the console at that address prints. */
	s.nslots = 1;
	s.mmio_console = 1;
	CHECK_EQ_U64(run(k, &s, &r, &c), VMM_V_HALT);
	CHECK(strcmp(c.buf, "Hello from MMIO\n") == 0);
}

static void test_multi_vcpu(struct vmm_kvm *k)
{
	struct vmm_scenario s;
	struct vmm_result r;
	struct capture c;

	one_slot(&s, 0x10000, VMM_MODE_REAL16, &add, 0x1000);
	s.nvcpus = 2;
	s.vcpus[1] = s.vcpus[0];
	s.vcpus[0].reg_mask = (1U << 0) | (1U << 1); /* rax, rbx */
	s.vcpus[0].regs[0] = 1;
	s.vcpus[0].regs[1] = 2;
	s.vcpus[1].reg_mask = (1U << 0) | (1U << 1);
	s.vcpus[1].regs[0] = 3;
	s.vcpus[1].regs[1] = 4;
	CHECK_EQ_U64(run(k, &s, &r, &c), VMM_V_HALT);
	/* round-robin, one exit per turn: 3, 7, \n, \n, HLT, HLT */
	CHECK(strcmp(c.buf, "37\n\n") == 0);
	CHECK_EQ_U64(r.exits, 6);
}

static void test_rejections(struct vmm_kvm *k)
{
	struct vmm_scenario s;
	struct vmm_result r;
	struct capture c;

	one_slot(&s, 0x10000, VMM_MODE_REAL16, &hlt, 0x1000);
	s.nslots = 2;
	s.slots[1] = (struct vmm_slot_spec){ .id = 1,
					     .gpa = 0x8000,
					     .size = 0x10000 };
	CHECK_EQ_U64(run(k, &s, &r, &c), VMM_V_INPUT);
	CHECK_STR_CONTAINS(r.err.msg, "overlaps");
	CHECK(!r.have_state); /* rejected before any KVM object existed */

	one_slot(&s, 0x10000, VMM_MODE_REAL16, &hlt, 0x1000);
	s.nvcpus = 5;
	CHECK_EQ_U64(run(k, &s, &r, &c), VMM_V_INPUT);
	CHECK_STR_CONTAINS(r.err.msg, "5 vCPUs");

	one_slot(&s, 0x10000, VMM_MODE_REAL16, &hlt, 0x10000);
	CHECK_EQ_U64(run(k, &s, &r, &c), VMM_V_INPUT);
	CHECK_STR_CONTAINS(r.err.msg, "does not fit");

	one_slot(&s, 0x10000, VMM_MODE_REAL16, &hlt, 0x1000);
	s.slots[0].size = 0x10001;
	CHECK_EQ_U64(run(k, &s, &r, &c), VMM_V_INPUT);

	one_slot(&s, 0x20000000, VMM_MODE_REAL16, &hlt, 0x1000);
	s.mmio_console = 1; /* console inside RAM */
	CHECK_EQ_U64(run(k, &s, &r, &c), VMM_V_INPUT);
	CHECK_STR_CONTAINS(r.err.msg, "MMIO console");

	/* Slot id the host rejects: fails after the VM exists (teardown). */
	one_slot(&s, 0x10000, VMM_MODE_REAL16, &hlt, 0x1000);
	s.slots[0].id = 0x7fff;
	CHECK_EQ_U64(run(k, &s, &r, &c), VMM_V_INPUT);
	CHECK_STR_CONTAINS(r.err.msg, "slot id out of range");
}

static void test_timeout(struct vmm_kvm *k)
{
	struct vmm_scenario s;
	struct vmm_result r;
	struct capture c;
	struct timespec t0, t1;
	double ms;

	one_slot(&s, 0x10000, VMM_MODE_REAL16, &count, 0x1000);
	s.timeout_ms = 200;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_EQ_U64(run(k, &s, &r, &c), VMM_V_TIMEOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	     (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	CHECK(ms >= 199.0);
	CHECK_STR_CONTAINS(r.err.msg,
			   "run timeout after 200 ms without an exit");

	/* The limit bounds guest time without an exit: 20,000 console
	 * writes, each a few microseconds of guest time, take far longer
	 * than 20 ms in all (7-15 us an exit here) and still end by their
	 * HLT. (Before, the clock ended such runs wherever it found them.) */
	{
		/* mov cx, 20000; mov dx, 0xe9; out dx, al; loop; hlt */
		static const uint8_t many[] = { 0xb9, 0x20, 0x4e, 0xba, 0xe9,
						0x00, 0xee, 0xe2, 0xfd, 0xf4 };
		struct vmm_scenario m;

		sb_begin(&m, 0x10000, 20);
		(void)sb_code(&m, VMM_MODE_REAL16, 0x1000, many, sizeof(many));
		m.max_exits = 30000;
		CHECK_EQ_U64(run(k, &m, &r, &c), VMM_V_HALT);
		CHECK_EQ_U64(r.exits, 20001);
	}

	/* The next run in the same process is unaffected by the old timer. */
	one_slot(&s, 0x10000, VMM_MODE_REAL16, &hlt, 0x1000);
	CHECK_EQ_U64(run(k, &s, &r, &c), VMM_V_HALT);
}

/* Spin detection: a guest that can never leave its loop ends early with
 * verdict spin, in the same final state whatever the phase its kicks land
 * in, fresh and reset; loops that count or write memory run to their
 * timeout. real16 code at 0x1000. */
static const uint8_t g_jmp_self[] = { 0xeb, 0xfe }; /* jmp $ */
/* inc eax; dec eax; jmp back: three states */
static const uint8_t g_two_state[] = { 0x66, 0x40, 0x66, 0x48, 0xeb, 0xfa };
/* five nops, then inc eax; dec eax; nop; jmp to the 4th nop */
static const uint8_t g_long_cycle[] = { 0x90, 0x90, 0x90, 0x90, 0x90, 0x66,
					0x40, 0x66, 0x48, 0x90, 0xeb, 0xf7 };
/* inc eax; jmp back: counts */
static const uint8_t g_counts[] = { 0x66, 0x40, 0xeb, 0xfc };
/* mov [0x2000], ax; jmp back: writes the same value to memory */
static const uint8_t g_writes[] = { 0xa3, 0x00, 0x20, 0xeb, 0xfb };

static void spin_case(struct vmm_kvm *k, struct vmm_session *ss,
		      const uint8_t *code, size_t len, enum vmm_verdict want,
		      uint64_t want_rip)
{
	struct vmm_scenario s;
	struct vmm_result r;
	struct timespec t0, t1;
	double ms;

	for (int mode = 0; mode < 2; mode++) {
		for (int round = 0; round < 3; round++) {
			vmm_scenario_init(&s);
			s.nslots = 1;
			s.slots[0].size = 0x10000;
			s.nblobs = 1;
			s.blobs[0] =
				(struct vmm_blob_spec){ 0x1000, code, len };
			s.nvcpus = 1;
			s.vcpus[0].mode = VMM_MODE_REAL16;
			s.vcpus[0].entry = 0x1000;
			s.timeout_ms = 300;
			clock_gettime(CLOCK_MONOTONIC, &t0);
			if (mode == 0)
				(void)vmm_pipeline_run(k, &s, NULL, &r);
			else
				(void)vmm_pipeline_run_reset(ss, &s, NULL, &r);
			clock_gettime(CLOCK_MONOTONIC, &t1);
			ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
			     (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
			CHECK_EQ_U64(r.verdict, want);
			CHECK_EQ_U64(r.exits, 0);
			if (want == VMM_V_SPIN) {
				CHECK(vmm_verdict_clean(r.verdict));
				CHECK(r.have_state);
				CHECK_EQ_U64(r.state.regs.rip, want_rip);
				CHECK_EQ_U64(r.state.regs.rax, 0);
				CHECK(ms <
				      250.0); /* ended well before its timeout */
			}
		}
	}
}

/* On a KVM handle of its own (its first spin checks): a sled whose spin
 * check runs the MSR probe, then a real-mode fault loop (ud2 at 0, its
 * IVT entry zero: ud2 at 0 again), whose single steps may not come back,
 * then a multi-state cycle, which must still be found by stepping. (Found
 * by bench_mutated with 1 ms limits: a fault loop's first step, 250 us
 * in, never came back; that first check marked the host as unable to
 * step. With spin checks from 5 ms limits on, the loop is past that
 * phase when the first check comes: VMM_SPIN_STEP_MISSES is kept for
 * hosts where it is not.) */
static void test_fault_loop_step(void)
{
	static const uint8_t ud2[] = { 0x0f, 0x0b, 0xf4 };
	struct vmm_kvm k2;
	struct vmm_scenario s;
	struct vmm_result r;
	struct vmm_error e;

	vmm_err_clear(&e);
	CHECK(vmm_kvm_open(&k2, NULL, NULL, &e) == 0);
	if (e.cls != VMM_ERR_NONE)
		return;
	/* First: 18,432 NOPs and a HLT, some 6 ms of its 20 ms limit here.
	 * The process's first spin check (a quarter of the limit in) runs
	 * the MSR probe, 0.1-0.3 s: that time, and the check's stepping, are
	 * not the guest's (before, this ended by its timeout in a fresh
	 * process and halted in a warm one). The sled is under a third of
	 * the limit: 6,144 NOPs in 5 ms timed out once in an ASan run beside
	 * a fuzzing job. */
	{
		static uint8_t sled[18433];
		struct vmm_scenario n;

		memset(sled, 0x90, sizeof(sled) - 1);
		sled[sizeof(sled) - 1] = 0xf4;
		sb_begin(&n, 0x10000, 4 * VMM_SPIN_MIN_TIMEOUT_MS);
		(void)sb_code(&n, VMM_MODE_REAL16, 0x1000, sled, sizeof(sled));
		(void)vmm_pipeline_run(&k2, &n, NULL, &r);
		CHECK_EQ_U64(r.verdict, VMM_V_HALT);
	}
	sb_begin(&s, 0x200000, 20);
	(void)sb_code(&s, VMM_MODE_REAL16, 0x0, ud2, sizeof(ud2));
	(void)vmm_pipeline_run(&k2, &s, NULL, &r);
	CHECK_EQ_U64(r.verdict, VMM_V_TIMEOUT);
	sb_begin(&s, 0x200000, 300);
	(void)sb_code(&s, VMM_MODE_REAL16, 0x1000, g_long_cycle,
		      sizeof(g_long_cycle));
	(void)vmm_pipeline_run(&k2, &s, NULL, &r);
	CHECK_EQ_U64(r.verdict, VMM_V_SPIN);
	CHECK_EQ_U64(k2.step_probe, VMM_PROBE_OK);
	vmm_kvm_close(&k2);
}

static void test_spin(struct vmm_kvm *k)
{
	static struct vmm_session ss;
	struct vmm_error e;

	vmm_err_clear(&e);
	/* the bitmap: on kvm-pvm the dirty ring can pass its self-test and
	 * then fail in use, which ends that run host-unsupported (README) */
	CHECK(vmm_session_init(&ss, k, VMM_SESSION_FORCE_BITMAP, &e) == 0);
	CHECK_STR_CONTAINS(vmm_verdict_name(VMM_V_SPIN), "spin");
	spin_case(k, &ss, g_jmp_self, sizeof(g_jmp_self), VMM_V_SPIN, 0x1000);
	spin_case(k, &ss, g_two_state, sizeof(g_two_state), VMM_V_SPIN, 0x1000);
	spin_case(k, &ss, g_long_cycle, sizeof(g_long_cycle), VMM_V_SPIN,
		  0x1003);
	spin_case(k, &ss, g_counts, sizeof(g_counts), VMM_V_TIMEOUT, 0);
	spin_case(k, &ss, g_writes, sizeof(g_writes), VMM_V_TIMEOUT, 0);
	vmm_session_destroy(&ss);
}

/* KVM rejects long mode without PAE: an expected EINVAL from KVM_SET_SREGS,
 * named as such, and not a finding (found by fuzz_pipeline: the ioctl name
 * used to be macro-expanded into a number). */
static void test_rejected_sregs(struct vmm_kvm *k)
{
	struct vmm_scenario s;
	struct vmm_result r;
	struct capture c;
	char sig[VMM_SIG_MAX];

	one_slot(&s, 2 << 20, VMM_MODE_LONG64, &long64, 0);
	s.vcpus[0].sreg_mask = 1U << VMM_SREG_CR4;
	s.vcpus[0].sregs[VMM_SREG_CR4] = 0;
	CHECK_EQ_U64(run(k, &s, &r, &c), VMM_V_SYS);
	CHECK(r.err.call && strcmp(r.err.call, "KVM_SET_SREGS") == 0);
	CHECK_EQ_U64(r.err.err, EINVAL);
	CHECK_STR_CONTAINS(r.err.msg, "KVM_SET_SREGS failed");
	CHECK_EQ_U64(vmm_oracle_classify(&r, sig, sizeof(sig)), VMM_FIND_NONE);
	CHECK_EQ_U64(r.err.req, KVM_SET_SREGS); /* matched by request */
	CHECK(vmm_errno_expected(&r.err));
	r.err.err = EFAULT;
	CHECK(!vmm_errno_expected(&r.err));
}

/* Slots on a live VM: bounds, overlap, ids, readonly, remove and re-add. */
static void test_vm_slots(struct vmm_kvm *k)
{
	struct vmm_vm vm;
	struct vmm_error e;
	uint8_t byte = 0x5a;

	vmm_err_clear(&e);
	if (vmm_vm_create(&vm, k, &e) < 0) {
		CHECK(!"vmm_vm_create failed");
		return;
	}
	CHECK(vmm_vm_add_slot(&vm, 0, 0, 0x10000, 0, &e) == 0);
	CHECK(vmm_vm_add_slot(&vm, 1, 0x8000, 0x10000, 0, &e) < 0);
	CHECK_EQ_U64(e.cls, VMM_ERR_INPUT);
	CHECK_STR_CONTAINS(e.msg, "overlaps the slot at 0x0");
	CHECK(vmm_vm_add_slot(&vm, 1, 0x10800, 0x1000, 0, &e) < 0);
	CHECK_STR_CONTAINS(e.msg, "not page aligned");
	CHECK(vmm_vm_add_slot(&vm, 0, 0x20000, 0x1000, 0, &e) < 0);
	CHECK_STR_CONTAINS(e.msg, "slot id already in use");
	CHECK(vmm_vm_add_slot(&vm, 1, 0x20000, 0x1000, 0x8, &e) < 0);
	CHECK_STR_CONTAINS(e.msg, "unknown flags");
	CHECK(vmm_vm_add_slot(&vm, 2, 0x100000, VMM_MAX_GUEST_MEM, 0, &e) < 0);
	CHECK_STR_CONTAINS(e.msg, "total guest memory would exceed");
	CHECK(vmm_vm_add_slot(&vm, 3, 0x20000, 0x1000, VMM_SLOT_READONLY, &e) ==
	      0);
	CHECK(vmm_vm_write(&vm, 0x20000, &byte, 1, &e) == 0); /* VMM view */
	CHECK(vmm_vm_hva(&vm, 0x20fff, 1) != NULL);
	CHECK(vmm_vm_hva(&vm, 0x20fff, 2) == NULL); /* past the slot end */
	CHECK(vmm_vm_write(&vm, 0x30000, &byte, 1, &e) < 0);
	CHECK_STR_CONTAINS(e.msg, "not inside guest memory");
	CHECK(vmm_vm_remove_slot(&vm, 3, &e) == 0);
	CHECK(vmm_vm_hva(&vm, 0x20000, 1) == NULL);
	CHECK(vmm_vm_remove_slot(&vm, 3, &e) < 0);
	CHECK_STR_CONTAINS(e.msg, "no slot 3");
	CHECK(vmm_vm_add_slot(&vm, 3, 0x20000, 0x2000, 0, &e) == 0);
	CHECK_EQ_U64(vm.total_mem, 0x12000);
	vmm_vm_destroy(&vm);
	CHECK_EQ_U64(vm.total_mem, 0);
}

static void test_host_modes(struct vmm_kvm *k)
{
	struct vmm_error e;

	vmm_err_clear(&e);
	CHECK(vmm_host_mode_check(k, VMM_MODE_REAL16, &e) == 0);
	CHECK(vmm_host_mode_check(k, VMM_MODE_PROT32, &e) == 0);
	CHECK(vmm_host_mode_check(k, VMM_MODE_LONG64, &e) == 0);
	if (vmm_host_mode_check(k, VMM_MODE_PAGED32, &e) != 0) {
		CHECK_EQ_U64(e.cls, VMM_ERR_HOST);
		CHECK_STR_CONTAINS(e.msg, "cannot run paged32 guests");
		CHECK_STR_CONTAINS(e.msg, "KVM_EXIT_SHUTDOWN");
		(void)printf("note: this host cannot run paged32 guests\n");
	}
}

/* FNV-1a over a byte image, as the pipeline's memory hash does per slot */
static uint64_t fnv_bytes(const uint8_t *b, size_t n)
{
	uint64_t h = VMM_HASH_INIT;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Fills: the pattern repeats exactly (odd pattern lengths across the
 * block copies), a zero fill over an earlier fill still clears it, and
 * the fill/blob byte cap is enforced before anything is created. */
static void test_fills(struct vmm_kvm *k)
{
	static const uint8_t pat[3] = { 0x11, 0x22, 0x33 };
	struct vmm_scenario s;
	struct vmm_result r;
	struct vmm_hooks h;
	struct capture c;
	uint8_t *img;
	const uint64_t mem = 1 << 20;

	one_slot(&s, mem, VMM_MODE_REAL16, &hlt, 0x1000);
	s.nfills = 3;
	s.fills[0].gpa = 0x10000; /* 200,003 bytes of a 3-byte pattern */
	s.fills[0].len = 200003;
	s.fills[0].pattern_len = 3;
	memcpy(s.fills[0].pattern, pat, 3);
	s.fills[1].gpa = 0x20001; /* zeros over part of it */
	s.fills[1].len = 0x1000;
	s.fills[1].pattern_len = 1;
	s.fills[2].gpa = 0xf0000; /* zeros over nothing: no write needed */
	s.fills[2].len = 0x8000;
	s.fills[2].pattern_len = 2;
	img = calloc(1, mem);
	CHECK(img != NULL);
	if (!img)
		return;
	for (uint32_t i = 0; i < s.fills[0].len; i++)
		img[s.fills[0].gpa + i] = pat[i % 3];
	memset(img + s.fills[1].gpa, 0, s.fills[1].len);
	memcpy(img + 0x1000, hlt.data, hlt.len);
	cap_hooks(&h, &c);
	h.hash_memory = 1;
	CHECK_EQ_U64(vmm_pipeline_run(k, &s, &h, &r), VMM_V_HALT);
	CHECK_EQ_U64(r.mem_hash, fnv_bytes(img, mem));
	free(img);

	/* 1 GiB of fill: over the cap, rejected as input before any KVM
	 * object (it used to be written byte by byte, past the watchdog) */
	one_slot(&s, 2ULL << 30, VMM_MODE_REAL16, &hlt, 0x1000);
	s.nfills = 1;
	s.fills[0].gpa = 0x100000;
	s.fills[0].len = 1U << 30;
	s.fills[0].pattern_len = 1;
	s.fills[0].pattern[0] = 0x90;
	s.mmio_console = 0;
	s.timeout_ms = 1;
	CHECK_EQ_U64(run(k, &s, &r, &c), VMM_V_INPUT);
	CHECK_STR_CONTAINS(r.err.msg, "fills and blobs write 1073741825 bytes");
	CHECK_STR_CONTAINS(r.err.msg, "at most 268435456");
}

struct slow_setup {
	struct {
		int fired;
	} hang;
	int slept;
};

static void hang_seen(void *ctx, uint64_t limit_ms)
{
	struct slow_setup *ss = ctx;

	(void)limit_ms;
	__atomic_store_n(&ss->hang.fired, 1, __ATOMIC_RELEASE);
}

static void sleep_2300ms(void)
{
	struct timespec t = { 2, 300 * 1000000L };

	while (nanosleep(&t, &t) != 0 && errno == EINTR)
		;
}

static int slow_before_run(void *ctx, struct vmm_error *e)
{
	(void)ctx;
	(void)e;
	sleep_2300ms();
	return 0;
}

/* the first exit's service sleeps */
static void slow_service(void *ctx, uint32_t vcpu, const struct vmm_exit *x)
{
	struct slow_setup *ss = ctx;

	(void)vcpu;
	(void)x;
	if (!ss->slept++)
		sleep_2300ms();
}

/* a drive hook (guest execution, watched) that takes 2.3 s */
static int slow_drive(void *ctx, struct vmm_vm *vm, struct vmm_vcpu *vcpus,
		      struct vmm_deadline *d, struct vmm_error *e)
{
	(void)ctx;
	(void)vm;
	(void)vcpus;
	(void)d;
	(void)e;
	sleep_2300ms();
	return 0;
}

/* Set-up that takes longer than timeout + grace (here a before_run hook
 * that sleeps 2.3 s; in the field, large fills or a loaded host) is not a
 * vCPU hang: the watchdog covers guest execution only. Nor is an exit's
 * service that long (an on_service hook sleeping 2.3 s at the HLT; in
 * the field, a crash report being symbolized, which a hang called
 * meanwhile would cut short, its crash file unwritten). Guest execution
 * that long is (a drive hook, in the run loop's place, sleeping 2.3 s). */
static void test_what_is_watched(struct vmm_kvm *k, int in_service, int in_run)
{
	static struct vmm_input_outcome o;
	static uint8_t buf[4096];
	struct slow_setup ctx = { { 0 }, 0 };
	struct vmm_watchdog w;
	struct vmm_scenario s;
	struct vmm_hooks h;
	struct vmm_error e;
	size_t n;

	one_slot(&s, 0x10000, VMM_MODE_REAL16, &hlt, 0x1000);
	s.timeout_ms = 1;
	s.max_exits = 10;
	vmm_err_clear(&e);
	n = vmm_scenario_encode(&s, buf, sizeof(buf), &e);
	CHECK(n > 0 && n <= sizeof(buf));
	if (n == 0)
		(void)fprintf(stderr, "encode: %s\n", e.msg);
	vmm_err_clear(&e);
	CHECK(vmm_watchdog_start(&w, hang_seen, &ctx, &e) == 0);
	memset(&h, 0, sizeof(h));
	if (in_run) {
		h.drive = slow_drive;
	} else if (in_service) {
		h.on_service = slow_service;
		h.ctx = &ctx;
	} else {
		h.before_run = slow_before_run;
	}
	vmm_run_input(k, buf, n, &h, NULL, &w, &o);
	vmm_watchdog_stop(&w);
	CHECK(o.decoded);
	CHECK_EQ_U64(ctx.slept, in_service ? 1 : 0);
	/* guest execution (here the drive hook in its place) is watched */
	CHECK_EQ_U64(__atomic_load_n(&ctx.hang.fired, __ATOMIC_ACQUIRE),
		     in_run ? 1 : 0);
	CHECK_EQ_U64(o.finding, VMM_FIND_NONE);
}

int main(int argc, char **argv)
{
	struct vmm_kvm k;
	struct vmm_error e;

	if (argc != 2) {
		(void)fprintf(stderr, "usage: %s GUEST_DIR\n", argv[0]);
		return 2;
	}
	if (!kvm_present()) {
		(void)printf("SKIP: /dev/kvm is absent\n");
		return CHECK_SKIP_RC;
	}
	if (guest_load(argv[1], "real16_hlt", &hlt) ||
	    guest_load(argv[1], "real16_add", &add) ||
	    guest_load(argv[1], "prot32_hello", &prot32) ||
	    guest_load(argv[1], "mmio_console", &mmio) ||
	    guest_load(argv[1], "long64_hello", &long64) ||
	    guest_load(argv[1], "real16_spin", &spin) ||
	    guest_load(argv[1], "real16_count", &count))
		return 2;
	vmm_err_clear(&e);
	if (vmm_kvm_open(&k, NULL, NULL, &e) < 0) {
		(void)fprintf(stderr, "cannot open KVM: %s\n", e.msg);
		return 1;
	}
	test_hlt(&k);
	test_determinism(&k);
	test_real_mode_sink(&k);
	test_readonly_and_multislot(&k);
	test_multi_vcpu(&k);
	test_rejections(&k);
	test_timeout(&k);
	test_spin(&k);
	test_fault_loop_step();
	test_rejected_sregs(&k);
	test_vm_slots(&k);
	test_host_modes(&k);
	test_fills(&k);
	test_what_is_watched(&k, 0, 0);
	test_what_is_watched(&k, 1, 0);
	test_what_is_watched(&k, 0, 1);
	vmm_kvm_close(&k);
	free(hlt.data);
	free(add.data);
	free(prot32.data);
	free(mmio.data);
	free(long64.data);
	free(spin.data);
	free(count.data);
	return check_report("test_pipeline");
}

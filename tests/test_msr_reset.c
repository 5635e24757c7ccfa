/* Reset mode and the MSRs a guest can write (x86).
 *
 * (a) A real-mode guest reads MTRRdefType (0x2ff), fails (OUT to a port no
 *     device owns) if it is not zero, else writes it and halts: twice on
 *     one session, it must halt both times, as on a fresh VM.
 * (b) Every MSR of the probed ranges that KVM_GET_MSRS reads on a scratch
 *     vCPU (found here, independently of the library's list), but the TSC:
 *     a real-mode writer guest WRMSRs a distinctive value (candidates the
 *     host takes and reads back first; a #GP lands in a handler that
 *     halts with BX = 0xdead, and the next candidate is tried); when one
 *     is taken, a reader guest RDMSRs the MSR on the SAME session and
 *     halts with it in EDX:EAX, and must give what the reader gives on a
 *     fresh VM (verdict, registers, exits, memory). A mismatch on an MSR
 *     KVM_SET_MSRS cannot write at all (PVM's 0x4b564d10 here) is
 *     reported, not counted: docs/security.md lists it.
 * Usage: test_msr_reset */
#include "tests/check.h"
#include "tests/scenario_builder.h"
#include "tests/guest_files.h"
#include "vmm/pipeline.h"
#include "vmm/session.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"
#include "vmm/x86/mode.h"

#include <linux/kvm.h>
#include <sys/ioctl.h>

#define MSR_TSC 0x10U
#define MSR_MTRR_DEF_TYPE 0x2ffU
#define GP_MARK 0xdeadU
#define MAX_READABLE 1024
#define NCAND 3

static const struct vmm_hooks hooks = { .hash_memory = 1 };

/* ---- (a) ---------------------------------------------------------------- */

static const uint8_t g_mtrr_def[] = {
	0x66, 0xb9, 0xff, 0x02, 0x00, 0x00, /* mov ecx, 0x2ff */
	0x0f, 0x32,			    /* rdmsr */
	0x66, 0x09, 0xd0,		    /* or eax, edx */
	0x74, 0x03,			    /* jz write */
	0xe6, 0x80,			    /* out 0x80, al (no device) */
	0xf4,				    /* hlt */
	0x66, 0xb8, 0x06, 0x08, 0x00, 0x00, /* write: mov eax, 0x806 */
	0x66, 0x31, 0xd2,		    /* xor edx, edx */
	0x0f, 0x30,			    /* wrmsr */
	0xf4,				    /* hlt */
};

static void real16_scen(struct vmm_scenario *s, const uint8_t *code, size_t len)
{
	sb_begin(s, 0x10000, 5000);
	s->max_exits = 16;
	(void)sb_code(s, VMM_MODE_REAL16, 0x1000, code, len);
}

static void check_mtrr_def_type(struct vmm_kvm *k, struct vmm_session *ss)
{
	static struct vmm_result f, r1, r2;
	struct vmm_scenario s;

	real16_scen(&s, g_mtrr_def, sizeof(g_mtrr_def));
	(void)vmm_pipeline_run(k, &s, &hooks, &f);
	(void)vmm_pipeline_run_reset(ss, &s, &hooks, &r1);
	(void)vmm_pipeline_run_reset(ss, &s, &hooks, &r2);
	if (r2.verdict != f.verdict)
		(void)fprintf(stderr,
			      "MTRRdefType guest, second run on the "
			      "session: %s (fresh: %s): %s\n",
			      vmm_verdict_name(r2.verdict),
			      vmm_verdict_name(f.verdict), r2.err.msg);
	CHECK(f.verdict == VMM_V_HALT);
	CHECK(r1.verdict == VMM_V_HALT);
	CHECK(r2.verdict == VMM_V_HALT);
	CHECK_EQ_U64(r2.trace_hash, f.trace_hash);
}

/* ---- (b) ---------------------------------------------------------------- */

static const struct {
	uint32_t lo, hi; /* inclusive */
} ranges[] = {
	{ 0x00000000U, 0x00001fffU }, /* architectural */
	{ 0x40000000U, 0x400001ffU }, /* Hyper-V */
	{ 0x4b564d00U, 0x4b564dffU }, /* KVM paravirtual */
	{ 0xc0000000U, 0xc0001fffU }, /* AMD64 */
	{ 0xc0010000U, 0xc0011fffU }, /* AMD */
};

struct msr {
	uint32_t index;
	uint64_t init;	/* on a fresh vCPU */
	int restorable; /* KVM_SET_MSRS takes its own value back */
	uint32_t ncand;
	uint64_t cand[NCAND]; /* values to write */
};

static struct msr readable[MAX_READABLE];
static uint32_t nreadable;

static int msr_io(int fd, unsigned long req, uint32_t index, uint64_t *val)
{
	/* a struct kvm_msrs with one entry (it ends in a flexible array) */
	uint64_t buf[(sizeof(struct kvm_msrs) + sizeof(struct kvm_msr_entry)) /
		     sizeof(uint64_t)];
	struct kvm_msrs *m = (struct kvm_msrs *)(void *)buf;

	memset(buf, 0, sizeof(buf));
	m->nmsrs = 1;
	m->entries[0].index = index;
	m->entries[0].data = *val;
	if (ioctl(fd, req, m) != 1)
		return -1;
	*val = m->entries[0].data;
	return 0;
}

/* The values to try for an MSR holding `v` on vCPU `fd`: those the host
 * writes and reads back (the MSR gets `v` back), else the raw list. */
static void pick_candidates(int fd, struct msr *m)
{
	const uint64_t v = m->init;
	const uint64_t raw[] = {
		v ^ 0x800U, /* APIC/MTRR enable bits... */
		v ^ 1U,
		v ^ 0x1000U,
		0x0606060606060606ULL, /* fixed MTRRs: write-back */
		v ^ 6U,
		v ^ 0x10000U,
		v ^ 0x80000000ULL,
		v ^ (1ULL << 32),
		~0ULL, /* MCi_CTL takes 0 or all ones */
		0,
		~v,
	};

	m->ncand = 0;
	for (size_t i = 0; i < sizeof(raw) / sizeof(raw[0]) && m->ncand < NCAND;
	     i++) {
		uint64_t w = raw[i], back = 0;

		if (w == v || msr_io(fd, KVM_SET_MSRS, m->index, &w) < 0)
			continue;
		if (msr_io(fd, KVM_GET_MSRS, m->index, &back) == 0 &&
		    back == raw[i])
			m->cand[m->ncand++] = raw[i];
		w = v;
		(void)msr_io(fd, KVM_SET_MSRS, m->index, &w);
	}
	if (m->ncand)
		return;
	m->cand[0] = v ^ 1U;
	m->cand[1] = ~v;
	m->cand[2] = v ? 0 : ~0ULL;
	m->ncand = NCAND;
}

static int probe_readable(struct vmm_kvm *k)
{
	static struct vmm_vm vm;
	static struct vmm_vcpu v;
	struct vmm_error e;

	if (vmm_vm_create(&vm, k, &e) < 0)
		return -1;
	if (vmm_vcpu_create(&v, &vm, 0, &e) < 0) {
		vmm_vm_destroy(&vm);
		return -1;
	}
	for (size_t r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++)
		for (uint64_t i = ranges[r].lo; i <= ranges[r].hi; i++) {
			struct msr *m = &readable[nreadable];

			m->index = (uint32_t)i;
			m->init = 0;
			if (m->index == MSR_TSC || nreadable == MAX_READABLE ||
			    msr_io(v.fd, KVM_GET_MSRS, m->index, &m->init) < 0)
				continue;
			nreadable++;
		}
	for (uint32_t i = 0; i < nreadable; i++) {
		uint64_t w = readable[i].init;

		readable[i].restorable =
			msr_io(v.fd, KVM_SET_MSRS, readable[i].index, &w) == 0;
		pick_candidates(v.fd, &readable[i]);
	}
	vmm_vcpu_destroy(&v);
	vmm_vm_destroy(&vm);
	return 0;
}

/* mov ecx, index; [mov eax, lo; mov edx, hi; wrmsr | rdmsr]; hlt, at
 * 0x1000, after an IVT at 0 sending exceptions 0-31 to 0:0xf00
 * (mov bx, 0xdead; hlt). */
static void msr_guest(struct vmm_scenario *s, uint8_t *code, uint32_t index,
		      int write, uint64_t val)
{
	static uint8_t ivt[32 * 4];
	static const uint8_t handler[] = { 0xbb, GP_MARK & 0xff, GP_MARK >> 8,
					   0xf4 };
	size_t n = 0;

	for (size_t i = 0; i < sizeof(ivt); i += 4) {
		ivt[i] = 0x00;
		ivt[i + 1] = 0x0f; /* offset 0xf00, segment 0 */
	}
	code[n++] = 0x66;
	code[n++] = 0xb9;
	memcpy(code + n, &index, 4);
	n += 4;
	if (write) {
		uint32_t lo = (uint32_t)val, hi = (uint32_t)(val >> 32);

		code[n++] = 0x66;
		code[n++] = 0xb8;
		memcpy(code + n, &lo, 4);
		n += 4;
		code[n++] = 0x66;
		code[n++] = 0xba;
		memcpy(code + n, &hi, 4);
		n += 4;
		code[n++] = 0x0f;
		code[n++] = 0x30; /* wrmsr */
	} else {
		code[n++] = 0x0f;
		code[n++] = 0x32; /* rdmsr */
	}
	code[n++] = 0xf4;
	real16_scen(s, code, n);
	s->nblobs = 3;
	s->blobs[1] = (struct vmm_blob_spec){ 0, ivt, sizeof(ivt) };
	s->blobs[2] = (struct vmm_blob_spec){ 0xf00, handler, sizeof(handler) };
}

static int guest_faulted(const struct vmm_result *r)
{
	return r->verdict != VMM_V_HALT || !r->have_state ||
	       r->state.regs.rbx == GP_MARK;
}

static const char *differs(const struct vmm_result *a,
			   const struct vmm_result *b)
{
	if (a->verdict != b->verdict)
		return "verdict";
	if (a->exits != b->exits || a->trace_hash != b->trace_hash)
		return "exit trace";
	if (a->mem_hash != b->mem_hash)
		return "memory";
	if (a->have_state != b->have_state)
		return "state availability";
	if (a->have_state && (a->state.regs.rax != b->state.regs.rax ||
			      a->state.regs.rdx != b->state.regs.rdx ||
			      a->state.regs.rbx != b->state.regs.rbx))
		return "EDX:EAX/BX";
	return NULL;
}

static void check_each_msr(struct vmm_kvm *k, struct vmm_session *ss)
{
	static struct vmm_result w, rr, rf;
	static uint8_t wcode[32], rcode[32];
	uint32_t writable = 0, took = 0, mism = 0, unrestorable = 0;
	int saw_def_type = 0;

	if (probe_readable(k) < 0) {
		CHECK(!"scratch VM for the probe");
		return;
	}
	for (uint32_t i = 0; i < nreadable; i++) {
		const struct msr *m = &readable[i];
		struct vmm_scenario sw, sr;
		uint64_t now = 0;
		const char *d;
		uint32_t c;

		for (c = 0; c < m->ncand; c++) {
			msr_guest(&sw, wcode, m->index, 1, m->cand[c]);
			(void)vmm_pipeline_run_reset(ss, &sw, &hooks, &w);
			if (!guest_faulted(&w))
				break;
		}
		if (c == m->ncand)
			continue; /* no guest write taken */
		writable++;
		if (ss->live && ss->nvcpus == 1 &&
		    msr_io(ss->vcpus[0].fd, KVM_GET_MSRS, m->index, &now) ==
			    0 &&
		    now != m->init) {
			took++;
			saw_def_type |= m->index == MSR_MTRR_DEF_TYPE;
		}
		msr_guest(&sr, rcode, m->index, 0, 0);
		(void)vmm_pipeline_run_reset(ss, &sr, &hooks, &rr);
		(void)vmm_pipeline_run(k, &sr, &hooks, &rf);
		d = differs(&rf, &rr);
		if (d) {
			(void)fprintf(
				stderr,
				"MSR 0x%x: guest wrote 0x%llx; "
				"the next input on the session reads "
				"0x%llx, a fresh VM 0x%llx (%s differs; "
				"%s / %s)\n",
				m->index, (unsigned long long)m->cand[c],
				(unsigned long long)((rr.state.regs.rdx << 32) |
						     (uint32_t)
							     rr.state.regs.rax),
				(unsigned long long)((rf.state.regs.rdx << 32) |
						     (uint32_t)
							     rf.state.regs.rax),
				d, vmm_verdict_name(rr.verdict),
				vmm_verdict_name(rf.verdict));
			if (m->restorable) {
				mism++;
			} else {
				/* KVM_SET_MSRS refuses every value: no
				 * restore can put it back (docs/security.md) */
				(void)fprintf(stderr,
					      "  NOTE: MSR 0x%x is not "
					      "writable through KVM_SET_MSRS: "
					      "known, not counted\n",
					      m->index);
				unrestorable++;
			}
		}
	}
	(void)printf(
		"msr reset: %u readable MSRs (TSC aside), %u written by a "
		"guest (%u of them changed), %u mismatches, %u on MSRs the "
		"host cannot write; session: %llu resets, %llu "
		"fallbacks\n",
		nreadable, writable, took, mism, unrestorable,
		(unsigned long long)ss->resets,
		(unsigned long long)ss->fallbacks);
	CHECK_EQ_U64(mism, 0);
	CHECK(saw_def_type); /* the guests really change MSRs */
	CHECK(took >= 16);
	CHECK(ss->resets > 2ULL * writable);
}

int main(void)
{
	static struct vmm_session ss;
	struct vmm_kvm k;
	struct vmm_error e;

	if (!kvm_present()) {
		(void)printf("SKIP: /dev/kvm is absent\n");
		return CHECK_SKIP_RC;
	}
	vmm_err_clear(&e);
	if (vmm_kvm_open(&k, NULL, NULL, &e) < 0)
		return 1;
	if (vmm_session_init(&ss, &k, VMM_SESSION_FORCE_BITMAP, &e) < 0) {
		(void)printf("SKIP: %s\n", e.msg);
		vmm_kvm_close(&k);
		return CHECK_SKIP_RC;
	}
	check_mtrr_def_type(&k, &ss);
	check_each_msr(&k, &ss);
	vmm_session_destroy(&ss);
	vmm_kvm_close(&k);
	return check_report("test_msr_reset");
}

/* The differential oracle (vmm/diff.h) on real KVM and the host CPU:
 *  - a hand-written unprivileged guest agrees, and stops before its HLT;
 *  - the test hook that perturbs one field of the KVM side's final state
 *    is caught, as that field, for every compared field;
 *  - ineligible scenarios are refused with a reason;
 *  - a system call that reaches the host child kills it (seccomp);
 *  - the long64 and prot32 corpus and a random unprivileged-code set (argv[2]
 *    inputs, default 200) show no divergence.
 * Usage: test_diff CORPUS_DIR [N] */
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "tests/check.h"
#include "tests/scenario_builder.h"
#include "vmm/diff.h"
#include "vmm/file.h"
#include "vmm/kvm.h"
#include "vmm/x86/mode.h"

#define DATA 0x500000ULL

/* mov rax, DATA; add qword [rax], 5; imul rbx, rcx; movdqu xmm1, [rax];
 * movdqu [rax + 0x10], xmm1; lea rdx, [rax + rbx*2 + 8];
 * mov [rax + 8], rdx; shl rbx, 3; hlt: all of it runs in KVM's emulator */
static const uint8_t code[] = {
	0x48, 0xc7, 0xc0, 0x00, 0x00, 0x50, 0x00, /* mov rax, 0x500000 */
	0x48, 0x83, 0x00, 0x05,			  /* add qword [rax], 5 */
	0x48, 0x0f, 0xaf, 0xd9,			  /* imul rbx, rcx */
	0xf3, 0x0f, 0x6f, 0x08,			  /* movdqu xmm1, [rax] */
	0xf3, 0x0f, 0x7f, 0x48, 0x10,		  /* movdqu [rax+16], xmm1 */
	0x48, 0x8d, 0x54, 0x58, 0x08,		  /* lea rdx, [rax+rbx*2+8] */
	0x48, 0x89, 0x50, 0x08,			  /* mov [rax+8], rdx */
	0x48, 0xc1, 0xe3, 0x03,			  /* shl rbx, 3 */
	0xf4,					  /* hlt */
};

static void base(struct vmm_scenario *s)
{
	struct vmm_vcpu_spec *v;

	vmm_scenario_init(s);
	sb_slot(s, 0, 0x400000, 0x400000, 0);
	s->timeout_ms = 5000;
	v = sb_code(s, VMM_MODE_LONG64, 0x401000, code, sizeof(code));
	v->regs[1] = 0x1234; /* rbx */
	v->regs[2] = 0x77;   /* rcx */
	v->reg_mask = 0x6;
	v->sregs[VMM_SREG_CR4] = 0x620; /* PAE OSFXSR OSXMMEXCPT */
	v->sreg_mask = 1U << VMM_SREG_CR4;
}

static void test_agree_and_perturb(struct vmm_kvm *k)
{
	struct vmm_scenario s;
	struct vmm_diff_result *d = calloc(1, sizeof(*d));
	struct vmm_diff_opts o;

	base(&s);
	memset(&o, 0, sizeof(o));
	CHECK_EQ_U64(vmm_diff_run(k, &s, &o, d), VMM_DIFF_AGREE);
	if (d->status != VMM_DIFF_AGREE)
		(void)fprintf(stderr, "why: %s\nstop: %s\n%s", d->why, d->stop,
			      d->report);
	CHECK_EQ_U64(d->steps, 8);
	CHECK_STR_CONTAINS(d->stop, "before hlt");
	(void)printf("test_diff: hand-written guest: %u steps, %s\n", d->steps,
		     d->stop);
	for (int f = VMM_DF_EVENT; f < VMM_DF_COUNT; f++) {
		o.perturb = (enum vmm_diff_field)f;
		o.perturb_gpa = DATA + 0x800;
		(void)vmm_diff_run(k, &s, &o, d);
		CHECK_EQ_U64(d->status, VMM_DIFF_DIVERGE);
		if (d->field != (enum vmm_diff_field)f)
			(void)fprintf(
				stderr, "perturbed %s, reported %s (%s)\n",
				vmm_diff_field_name((enum vmm_diff_field)f),
				vmm_diff_field_name(d->field), d->why);
		CHECK_EQ_U64(d->field, f);
		CHECK_STR_CONTAINS(d->report, "emulator-divergence: ");
		CHECK_STR_CONTAINS(d->report,
				   vmm_diff_field_name((enum vmm_diff_field)f));
	}
	free(d);
}

/* 32-bit protected mode: the child runs the guest's code in compatibility
 * mode (Linux's 32-bit user code segment). ALU, stack, stores through
 * esi, a 16-bit store, REP MOVSB with ecx, PUSHAD/POPAD and IMUL agree;
 * a perturbed eax..ebp, eip, rflags or memory byte is caught, r8 is not
 * compared (no 32-bit code reaches it), the upper halves neither. */
static const uint8_t code32[] = {
	0x01, 0xd8,		/* add eax, ebx */
	0x29, 0xc8,		/* sub eax, ecx */
	0x83, 0xc0, 0x07,	/* add eax, 7 */
	0x50,			/* push eax */
	0x5a,			/* pop edx */
	0x89, 0x06,		/* mov [esi], eax */
	0x66, 0x89, 0x46, 0x04, /* mov [esi+4], ax */
	0x8d, 0x04, 0x40,	/* lea eax, [eax+eax*2] */
	0xf3, 0xa4,		/* rep movsb */
	0x60,			/* pushad */
	0x61,			/* popad */
	0x0f, 0xaf, 0xc3,	/* imul eax, ebx */
	0xf4,			/* hlt */
};

static void test_prot32(struct vmm_kvm *k)
{
	struct vmm_scenario s;
	struct vmm_vcpu_spec *v;
	struct vmm_diff_result *d = calloc(1, sizeof(*d));
	struct vmm_diff_opts o;
	static const enum vmm_diff_field caught[] = {
		VMM_DF_GPR0, VMM_DF_GPR0 + 3, VMM_DF_GPR0 + 6, VMM_DF_GPR0 + 7,
		VMM_DF_RIP,  VMM_DF_RFLAGS,   VMM_DF_MEM,
	};

	vmm_scenario_init(&s);
	sb_slot(&s, 0, 0x400000, 0x400000, 0);
	s.timeout_ms = 5000;
	v = sb_code(&s, VMM_MODE_PROT32, 0x401000, code32, sizeof(code32));
	v->regs[0] = 0x1122334400000005ULL; /* rax: upper half not compared */
	v->regs[1] = 7;
	v->regs[2] = 3;
	v->regs[4] = DATA;	   /* rsi */
	v->regs[5] = DATA + 0x100; /* rdi */
	v->regs[6] = 0x700000;	   /* rsp */
	v->reg_mask = 0x77;
	memset(&o, 0, sizeof(o));
	CHECK_EQ_U64(vmm_diff_run(k, &s, &o, d), VMM_DIFF_AGREE);
	if (d->status != VMM_DIFF_AGREE)
		(void)fprintf(stderr, "prot32: %s %s\n%s", d->why, d->stop,
			      d->report);
	CHECK_EQ_U64(d->steps, 12);
	CHECK_STR_CONTAINS(d->stop, "before hlt");
	for (size_t i = 0; i < sizeof(caught) / sizeof(caught[0]); i++) {
		o.perturb = caught[i];
		o.perturb_gpa = DATA + 0x800;
		CHECK_EQ_U64(vmm_diff_run(k, &s, &o, d), VMM_DIFF_DIVERGE);
		CHECK_EQ_U64(d->field, caught[i]);
	}
	o.perturb = VMM_DF_GPR0 + 8; /* r8 */
	CHECK_EQ_U64(vmm_diff_run(k, &s, &o, d), VMM_DIFF_AGREE);
	(void)printf("test_diff: prot32 guest: %u steps agree, %zu perturbed "
		     "fields caught, r8 not compared\n",
		     12U, sizeof(caught) / sizeof(caught[0]));
	free(d);
}

static void test_ineligible(struct vmm_kvm *k)
{
	struct vmm_scenario s;
	struct vmm_diff_result *d = calloc(1, sizeof(*d));

	base(&s);
	s.vcpus[0].mode = VMM_MODE_REAL16;
	CHECK_EQ_U64(vmm_diff_run(k, &s, NULL, d), VMM_DIFF_INELIGIBLE);
	CHECK_STR_CONTAINS(d->why, "long64, prot32 and paged32 only");
	base(&s);
	s.vcpus[0].sregs[VMM_SREG_CR4] |= 1ULL << 20; /* SMEP */
	CHECK_EQ_U64(vmm_diff_run(k, &s, NULL, d), VMM_DIFF_INELIGIBLE);
	CHECK_STR_CONTAINS(d->why, "SMEP");
	base(&s);
	s.has_irqchip = 1;
	s.irqchip_mode = VMM_IRQCHIP_KERNEL;
	CHECK_EQ_U64(vmm_diff_run(k, &s, NULL, d), VMM_DIFF_INELIGIBLE);
	CHECK_STR_CONTAINS(d->why, "irqchip, irq or lapic records");
	base(&s);
	s.nactions = 1;
	s.actions[0].kind = VMM_AK_REG;
	s.actions[0].when = 1;
	CHECK_EQ_U64(vmm_diff_run(k, &s, NULL, d), VMM_DIFF_INELIGIBLE);
	CHECK_STR_CONTAINS(d->why, "action records");
	free(d);
}

/* The fpu record's state reaches the host child (KVM_GET_FPU with MXCSR
 * from the XSAVE area, PTRACE_SETFPREGS): the final x87/SSE comparison
 * agrees with FCW, st0 and xmm3 (which the code never touches) changed;
 * xsave and xcr records make an input ineligible. */
static void test_fpu_records(struct vmm_kvm *k)
{
	static const uint64_t st0[2] = { 0xc90fdaa22168c000ULL, 0x4000 };
	static const uint64_t xmm3[2] = { 0x0123456789abcdefULL,
					  0xfedcba9876543210ULL };
	struct vmm_scenario s;
	struct vmm_diff_result *d = calloc(1, sizeof(*d));
	struct vmm_vcpu_spec *v;
	struct vmm_diff_opts o;

	base(&s);
	v = &s.vcpus[0];
	v->has_fpu = 1;
	v->fpu_fcw = 0x27f;
	v->fpu_ftwx = 0x1;
	v->fpu_regs[0] = VMM_FPU_ST0;
	memcpy(v->fpu_regs + 1, st0, 16);
	v->fpu_regs[17] = VMM_FPU_XMM0 + 3;
	memcpy(v->fpu_regs + 18, xmm3, 16);
	v->fpu_regs_len = 34;
	memset(&o, 0, sizeof(o));
	CHECK_EQ_U64(vmm_diff_run(k, &s, &o, d), VMM_DIFF_AGREE);
	if (d->status != VMM_DIFF_AGREE)
		(void)fprintf(stderr, "fpu record: why: %s\nstop: %s\n%s",
			      d->why, d->stop, d->report);
	CHECK_EQ_U64(d->steps, 8);
	o.perturb = VMM_DF_XMM0 + 3;
	CHECK_EQ_U64(vmm_diff_run(k, &s, &o, d), VMM_DIFF_DIVERGE);
	CHECK_STR_CONTAINS(d->report, "xmm3");
	o.perturb = VMM_DF_MXCSR;
	CHECK_EQ_U64(vmm_diff_run(k, &s, &o, d), VMM_DIFF_DIVERGE);
	CHECK_STR_CONTAINS(d->report, "mxcsr   kvm=0x1f81 host=0x1f80");
	base(&s);
	s.vcpus[0].has_xsave = 1;
	s.vcpus[0].xs_bv = 3;
	s.vcpus[0].xs_mxcsr = 0x1f80;
	CHECK_EQ_U64(vmm_diff_run(k, &s, NULL, d), VMM_DIFF_INELIGIBLE);
	CHECK_STR_CONTAINS(d->why, "xsave or xcr records");
	base(&s);
	s.vcpus[0].has_xcr = 1;
	s.vcpus[0].xcr0 = 1;
	CHECK_EQ_U64(vmm_diff_run(k, &s, NULL, d), VMM_DIFF_INELIGIBLE);
	CHECK_STR_CONTAINS(d->why, "host's XCR0");
	free(d);
}

/* The child's sandbox: with the test hook that steps even the
 * instructions the oracle never runs, a SYSCALL (getpid) reaches the host
 * child, whose seccomp filter kills it (SIGSYS) - reported as an event
 * divergence against KVM's #UD (EFER.SCE clear, no IDT: a triple fault). */
static void test_sandbox(struct vmm_kvm *k)
{
	static const uint8_t sys[] = { 0xb8, 0x27, 0x00,
				       0x00, 0x00, /* eax=39 */
				       0x0f, 0x05, /* syscall */
				       0xf4 };
	struct vmm_diff_result *d = calloc(1, sizeof(*d));
	struct vmm_diff_opts o;
	struct vmm_scenario s;

	base(&s);
	s.blobs[0].data = sys;
	s.blobs[0].len = sizeof(sys);
	memset(&o, 0, sizeof(o));
	CHECK_EQ_U64(vmm_diff_run(k, &s, &o, d), VMM_DIFF_AGREE);
	CHECK_STR_CONTAINS(d->stop, "before syscall");
	o.step_all = 1;
	CHECK_EQ_U64(vmm_diff_run(k, &s, &o, d), VMM_DIFF_DIVERGE);
	CHECK_EQ_U64(d->field, VMM_DF_EVENT);
	CHECK_STR_CONTAINS(d->report, "host=SIGSYS");
	free(d);
}

static int run_one(struct vmm_kvm *k, const struct vmm_scenario *s,
		   const char *name, struct vmm_diff_result *d, uint32_t *agree)
{
	enum vmm_diff_status st = vmm_diff_run(k, s, NULL, d);

	if (st == VMM_DIFF_DIVERGE)
		(void)fprintf(stderr, "%s: %s", name, d->report);
	if (st == VMM_DIFF_ERROR || st == VMM_DIFF_UNAVAILABLE)
		(void)fprintf(stderr, "%s: %s: %s\n", name,
			      vmm_diff_status_name(st), d->why);
	CHECK((st != VMM_DIFF_DIVERGE || d->known[0]) && st != VMM_DIFF_ERROR &&
	      st != VMM_DIFF_UNAVAILABLE);
	*agree += st == VMM_DIFF_AGREE;
	return 0;
}

static void test_corpus(struct vmm_kvm *k, const char *dir)
{
	struct vmm_diff_result *d = calloc(1, sizeof(*d));
	DIR *dp = opendir(dir);
	struct dirent *de;
	uint32_t n = 0, agree = 0;

	CHECK(dp != NULL);
	while (dp && (de = readdir(dp)) != NULL) {
		char path[512];
		struct vmm_scenario s;
		struct vmm_error e;
		uint8_t *buf = NULL;
		uint64_t len = 0;

		if (strncmp(de->d_name, "long64_", 7) != 0 &&
		    strncmp(de->d_name, "prot32_", 7) != 0)
			continue;
		(void)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		vmm_err_clear(&e);
		CHECK(vmm_file_load(NULL, path, 1 << 20, &buf, &len, &e) == 0);
		if (!buf)
			continue;
		CHECK(vmm_scenario_decode(buf, (size_t)len, &s, &e) == 0);
		if (vmm_diff_eligible(&s, d->why, sizeof(d->why)) == 1) {
			n++;
			(void)run_one(k, &s, de->d_name, d, &agree);
		}
		free(buf);
	}
	if (dp)
		(void)closedir(dp);
	CHECK(n >= 3);
	CHECK_EQ_U64(agree, n);
	(void)printf("test_diff: corpus: %u long64/prot32 scenarios, %u "
		     "agree\n",
		     n, agree);
	free(d);
}

static void test_random(struct vmm_kvm *k, uint32_t count)
{
	static uint8_t codebuf[4096];
	struct vmm_diff_result *d = calloc(1, sizeof(*d));
	uint64_t rng = 0x5eed0001ULL, steps = 0;
	uint32_t agree = 0, known = 0, m32 = 0;

	for (uint32_t i = 0; i < count; i++) {
		struct vmm_scenario s;
		char name[32];

		/* every fourth in 32-bit protected mode */
		CHECK(vmm_diff_gen_scenario_mode(&rng, &s, codebuf,
						 sizeof(codebuf), 64,
						 (i & 3) == 3) == 0);
		m32 += (i & 3) == 3;
		(void)snprintf(name, sizeof(name), "random #%u", i);
		(void)run_one(k, &s, name, d, &agree);
		known += d->status == VMM_DIFF_DIVERGE && d->known[0];
		steps += d->steps;
	}
	/* the generated code is eligible and runs on both sides; it avoids
	 * the instructions of known divergences but PUSHA, whose (D7) needs
	 * an MMIO stack */
	CHECK_EQ_U64(agree + known, count);
	CHECK(steps >= count);
	(void)printf("test_diff: random: %u inputs (%u prot32), %u agree, %u "
		     "known divergences, %llu instructions compared\n",
		     count, m32, agree, known, (unsigned long long)steps);
	free(d);
}

int main(int argc, char **argv)
{
	struct vmm_kvm k;
	struct vmm_error e;
	char why[256];
	uint32_t count = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 200;

	if (!vmm_diff_built(why, sizeof(why))) {
		(void)printf("test_diff: SKIP: %s\n", why);
		return CHECK_SKIP_RC;
	}
	vmm_err_clear(&e);
	if (vmm_kvm_open(&k, NULL, NULL, &e) < 0) {
		(void)printf("test_diff: SKIP: %s\n", e.msg);
		return CHECK_SKIP_RC;
	}
	test_agree_and_perturb(&k);
	test_prot32(&k);
	test_ineligible(&k);
	test_fpu_records(&k);
	test_sandbox(&k);
	if (argc > 1)
		test_corpus(&k, argv[1]);
	test_random(&k, count);
	vmm_kvm_close(&k);
	return check_report("test_diff");
}

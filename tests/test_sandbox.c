/* The run-phase sandbox: a guest runs to HLT inside it; forbidden calls
 * made after entering it kill the process with SIGSYS. Also checks that
 * every fd the VMM holds is close-on-exec; that two vCPUs with action
 * records run in concurrent mode inside it (threads made after entering,
 * actions fired while the vCPUs run); that the filter widened for threads
 * still kills fork; and that corpus seeds and mutants (the project's
 * mutator) run inside it in deterministic and concurrent mode without a
 * SIGSYS. Usage: test_sandbox GUEST_DIR CORPUS_DIR [MUTANTS] */
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz/mutator.h"
#include "tests/check.h"
#include "tests/proc_util.h"
#include "tests/scenario_builder.h"
#include "tests/guest_files.h"
#include "vmm/oracle.h"
#include "vmm/pipeline.h"
#include "vmm/sandbox.h"
#include "vmm/vcpu.h"
#include "vmm/x86/mode.h"
#include "vmm/x86/regs.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || \
	__has_feature(undefined_behavior_sanitizer)
#define VMM_TEST_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define VMM_TEST_SANITIZED 1
#endif

static struct guest_bin g_long;
static struct vmm_kvm kvm;

struct out {
	char buf[64];
	size_t n;
	unsigned int needs; /* what enter() widens the filter for */
};

static int enter(void *ctx, struct vmm_error *e)
{
	const struct out *o = ctx;

	return vmm_sandbox_enter(o ? o->needs : 0, e);
}

static void collect(void *ctx, const uint8_t *b, size_t n)
{
	struct out *o = ctx;

	for (size_t i = 0; i < n && o->n + 1 < sizeof(o->buf); i++)
		o->buf[o->n++] = (char)b[i];
}

/* Child bodies: return the exit status to use. */
static int child_guest(void)
{
	struct vmm_scenario s;
	struct vmm_result r;
	struct vmm_hooks h;
	struct out o = { { 0 }, 0, 0 };

	sb_begin(&s, 2 << 20, 5000);
	(void)sb_code(&s, VMM_MODE_LONG64, 0, g_long.data, g_long.len);
	memset(&h, 0, sizeof(h));
	h.before_run = enter;
	h.out.write = collect;
	h.out.ctx = &o;
	(void)vmm_pipeline_run(&kvm, &s, &h, &r);
	/* still sandboxed here: report through the exit status only */
	if (r.verdict != VMM_V_HALT)
		return 10;
	if (strcmp(o.buf, "Hello from long mode\n") != 0)
		return 11;
	if (r.state.regs.rax != 0x1122334455667788ULL)
		return 12;
	vmm_kvm_close(&kvm);
	return 0;
}

/* Each vCPU prints its letter 4 times with a short wait between (so the
 * actions land while it runs), then halts. */
static const uint8_t g_letters[] = {
	0xb9, 0x04, 0x00, 0x00, 0x00, /* mov $4, %ecx */
	0xb0, 0x61,		      /* 5: mov $'a', %al (patched) */
	0xe6, 0xe9,		      /* out %al, $0xe9 */
	0xba, 0x2c, 0x01, 0x00, 0x00, /* mov $300, %edx */
	0xff, 0xca,		      /* 0xe: dec %edx */
	0x75, 0xfc,		      /* jnz 0xe */
	0xff, 0xc9,		      /* dec %ecx */
	0x75, 0xef,		      /* jnz 5 */
	0xf4,			      /* hlt */
};
static uint8_t g_letters_b[sizeof(g_letters)];

static void act(struct vmm_scenario *s, uint8_t kind, uint8_t target,
		uint32_t idx, uint64_t a, uint64_t b)
{
	sb_action(s, kind, 1, idx, a, b);
	s->actions[s->nactions - 1].target = target;
}

#define CONC_ACTIONS 6U

/* Two vCPUs and six action records (a slot added, its dirty logging
 * turned on, its log read, it deleted; a register of vCPU 1 set; vCPU 0
 * kicked) in concurrent mode, inside the sandbox widened for exactly
 * this (vmm_sandbox_needs): each vCPU's output, the verdict, every
 * action fired. Exit status 0, or which check failed. */
static int child_concurrent(int needs_override)
{
	struct vmm_scenario s;
	static struct vmm_result r;
	struct vmm_hooks h;
	struct out o = { { 0 }, 0, 0 };
	unsigned int na = 0, nb = 0;

	memcpy(g_letters_b, g_letters, sizeof(g_letters));
	g_letters_b[6] = 'b';
	sb_begin(&s, 2 << 20, 2000);
	(void)sb_code(&s, VMM_MODE_LONG64, 0x1000, g_letters,
		      sizeof(g_letters));
	(void)sb_code(&s, VMM_MODE_LONG64, 0x1100, g_letters_b,
		      sizeof(g_letters_b));
	s.vcpus[0].regs[6] = 0x180000; /* rsp */
	s.vcpus[0].reg_mask |= 1U << 6;
	s.vcpus[1].regs[6] = 0x170000;
	s.vcpus[1].reg_mask |= 1U << 6;
	act(&s, VMM_AK_SLOT_ADD, 0, 1, 0x400000, 0x2000);
	act(&s, VMM_AK_SLOT_DELETE, 0, 1, 0, 0);
	act(&s, VMM_AK_SLOT_FLAGS, 0, 1, VMM_SLOT_DIRTY_LOG, 0);
	act(&s, VMM_AK_DIRTY_GET, 0, 1, 0, 0);
	act(&s, VMM_AK_REG, 1, 1, 0x77, 0); /* rbx of vCPU 1 */
	act(&s, VMM_AK_IMMEDIATE_EXIT, 0, 0, 0, 0);
	memset(&h, 0, sizeof(h));
	o.needs = needs_override >= 0 ? (unsigned int)needs_override
				      : vmm_sandbox_needs(&s, 1);
	h.before_run = enter;
	h.ctx = &o;
	h.out.write = collect;
	h.out.ctx = &o;
	h.skip_state = 1;
	h.concurrent_seed = 0x1234567;
	(void)vmm_pipeline_run(&kvm, &s, &h, &r);
	/* still sandboxed here: report through the exit status only */
	if (r.verdict != VMM_V_HALT)
		return 30;
	for (size_t i = 0; i < o.n; i++) {
		na += o.buf[i] == 'a';
		nb += o.buf[i] == 'b';
	}
	if (na != 4 || nb != 4 || o.n != 8)
		return 31;
	if (r.actions_fired != CONC_ACTIONS)
		return 32;
	return 0;
}

static int concurrent_body(int arg)
{
	return child_concurrent(arg);
}

static int child_forbidden(int what)
{
	struct vmm_error e;

	/* the filter at its widest (fork must die even with threads allowed) */
	if (vmm_sandbox_enter(what == 4 ? VMM_SANDBOX_ACTIONS |
						  VMM_SANDBOX_IRQCHIP |
						  VMM_SANDBOX_THREADS
					: 0,
			      &e) < 0)
		return 20;
	switch (what) {
	case 0:
		(void)socket(AF_INET, SOCK_STREAM, 0);
		break;
	case 1: {
		char *const argv[] = { (char *)"/bin/true", NULL };

		(void)execve("/bin/true", argv, NULL);
		break;
	}
	case 2: /* a new VM: only run-time KVM ioctls are allowed */
		(void)ioctl(kvm.fd, KVM_CREATE_VM, 0);
		break;
	case 3:
		(void)mmap(NULL, 4096, PROT_READ | PROT_EXEC,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		break;
	case 4: /* a new process (glibc's fork is clone without CLONE_THREAD) */
		if (fork() == 0)
			_exit(0);
		break;
	default: /* allowed calls only: must survive */
		if (write(STDOUT_FILENO, "", 0) < 0)
			return 21;
		return 0;
	}
	return 22; /* survived a forbidden call */
}

static int run_child(int (*body)(int), int arg, int *sig)
{
	pid_t pid;
	int st = 0;

	(void)fflush(stdout);
	(void)fflush(stderr);
	pid = fork();
	if (pid == 0)
		_exit(body(arg));
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	*sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int guest_body(int arg)
{
	(void)arg;
	return child_guest();
}

static int cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFD);

	return fl >= 0 && (fl & FD_CLOEXEC);
}

static void test_cloexec(void)
{
	struct vmm_vm vm;
	struct vmm_vcpu v;
	struct vmm_error e;

	CHECK(cloexec(kvm.fd));
	CHECK(vmm_vm_create(&vm, &kvm, &e) == 0);
	CHECK(cloexec(vm.fd));
	CHECK(vmm_vcpu_create(&v, &vm, 0, &e) == 0);
	CHECK(cloexec(v.fd));
	vmm_vcpu_destroy(&v);
	vmm_vm_destroy(&vm);
}

/* ---- seeds and mutants inside the sandbox ---- */
#define MAX_SEEDS 64
#define SEED_MAX 16384

static struct {
	char name[80];
	uint8_t buf[SEED_MAX];
	size_t len;
} seeds[MAX_SEEDS];
static unsigned int nseeds;

static void add_seed(const char *name, const uint8_t *buf, size_t len,
		     void *ctx)
{
	(void)ctx;
	if (nseeds >= MAX_SEEDS || len > SEED_MAX)
		return;
	(void)snprintf(seeds[nseeds].name, sizeof(seeds[0].name), "%s", name);
	memcpy(seeds[nseeds].buf, buf, len);
	seeds[nseeds].len = len;
	nseeds++;
}

static int seed_cmp(const void *a, const void *b)
{
	return strcmp(((const char *)a), ((const char *)b));
}

static const uint8_t *cur_buf;
static size_t cur_len;
static uint64_t cur_seed;

/* One input through the input runner, in the sandbox widened for what it
 * needs (decoded here first, as `vmm replay` does). */
static int input_body(int arg)
{
	static struct vmm_input_outcome o;
	static struct vmm_scenario s;
	struct out ctx = { { 0 }, 0, 0 };
	struct vmm_hooks h;
	struct vmm_error e;

	(void)arg;
	vmm_err_clear(&e);
	if (vmm_scenario_decode(cur_buf, cur_len, &s, &e) < 0)
		return 0;
	memset(&h, 0, sizeof(h));
	ctx.needs = vmm_sandbox_needs(&s, cur_seed != 0);
	h.before_run = enter;
	h.ctx = &ctx;
	h.skip_state = 1;
	h.concurrent_seed = cur_seed;
	vmm_run_input(&kvm, cur_buf, cur_len, &h, NULL, NULL, &o);
	return o.finding == VMM_FIND_NONE ? 0 : 40;
}

/* Every seed, then `mutants` mutants, each in a process of its own in
 * deterministic (fresh) and concurrent mode: no run may die of a signal
 * (a SIGSYS: the filter lacks a call the run makes). */
static void test_inputs(unsigned int mutants)
{
	static uint8_t buf[SEED_MAX];
	unsigned int runs = 0, sigsys = 0, killed = 0, findings = 0;
	unsigned int with_actions = 0, with_irqchip = 0;

	qsort(seeds, nseeds, sizeof(seeds[0]), seed_cmp);
	for (unsigned int i = 0; i < nseeds + mutants; i++) {
		const struct vmm_scenario *sp;
		static struct vmm_scenario s;
		struct vmm_error e;
		size_t n = seeds[i % nseeds].len;

		memcpy(buf, seeds[i % nseeds].buf, n);
		if (i >= nseeds)
			n = fuzz_mutate(buf, n, sizeof(buf), i * 7919U + 1U,
					NULL);
		vmm_err_clear(&e);
		sp = vmm_scenario_decode(buf, n, &s, &e) == 0 ? &s : NULL;
		with_actions += sp && sp->nactions;
		with_irqchip += sp && sp->has_irqchip;
		cur_buf = buf;
		cur_len = n;
		for (int mode = 0; mode < 2; mode++) {
			int sig = 0, rc;

			cur_seed = mode ? 0x9E3779B97F4A7C15ULL * (i + 1) : 0;
			rc = run_child(input_body, 0, &sig);
			runs++;
			if (sig == SIGSYS) {
				sigsys++;
				(void)printf("SIGSYS: input %u (%s%s), %s "
					     "mode\n",
					     i, seeds[i % nseeds].name,
					     i >= nseeds ? " mutated" : "",
					     mode ? "concurrent" : "fresh");
			} else if (sig) {
				killed++;
				(void)printf("signal %d: input %u (%s), %s "
					     "mode\n",
					     sig, i, seeds[i % nseeds].name,
					     mode ? "concurrent" : "fresh");
			}
			findings += rc == 40;
		}
	}
	(void)printf("inputs in the sandbox: %u runs (%u inputs with "
		     "actions, %u with an irqchip), %u SIGSYS, %u other "
		     "signals, %u findings\n",
		     runs, with_actions, with_irqchip, sigsys, killed,
		     findings);
	CHECK_EQ_U64(sigsys, 0);
	CHECK_EQ_U64(killed, 0);
	CHECK_EQ_U64(findings, 0);
	CHECK(with_actions > 0);
	CHECK(with_irqchip > 0);
}

int main(int argc, char **argv)
{
	static const char *const names[] = { "socket", "execve",
					     "KVM_CREATE_VM", "mmap PROT_EXEC",
					     "fork (threads allowed)" };
	struct vmm_error e;
	unsigned int mutants = 200;
	int sig = 0, rc;

	if (argc != 3 && argc != 4)
		return 2;
	if (argc == 4)
		mutants = (unsigned int)strtoul(argv[3], NULL, 10);
	if (!kvm_present()) {
		(void)printf("SKIP: /dev/kvm is absent\n");
		return CHECK_SKIP_RC;
	}
	if (guest_load(argv[1], "long64_hello", &g_long))
		return 2;
	vmm_err_clear(&e);
	if (vmm_kvm_open(&kvm, NULL, NULL, &e) < 0)
		return 1;
	/* probes before forking, as the CLI does before the run */
	(void)vmm_host_mode_check(&kvm, VMM_MODE_LONG64, &e);
	test_cloexec();

	rc = run_child(guest_body, 0, &sig);
	(void)printf("guest in the sandbox: exit %d signal %d\n", rc, sig);
	CHECK_EQ_U64(rc, 0);
	CHECK_EQ_U64(sig, 0);
	rc = run_child(concurrent_body, -1, &sig);
	(void)printf("two vCPUs, actions, concurrent mode in the sandbox: "
		     "exit %d signal %d\n",
		     rc, sig);
	CHECK_EQ_U64(rc, 0);
	CHECK_EQ_U64(sig, 0);
	/* without the widening for threads: the first thread dies */
	rc = run_child(concurrent_body, VMM_SANDBOX_ACTIONS, &sig);
	(void)printf("the same without VMM_SANDBOX_THREADS: exit %d signal "
		     "%d\n",
		     rc, sig);
	CHECK_EQ_U64(sig, SIGSYS);
	for (int w = 0; w < 5; w++) {
#ifdef VMM_TEST_SANITIZED
		if (w == 4) { /* LeakSanitizer's helper needs any clone */
			(void)printf("%s: not checked in sanitizer builds\n",
				     names[w]);
			continue;
		}
#endif
		rc = run_child(child_forbidden, w, &sig);
		(void)printf("%s after entering: exit %d signal %d\n", names[w],
			     rc, sig);
		CHECK_EQ_U64(sig, SIGSYS);
	}
	rc = run_child(child_forbidden, 99, &sig);
	CHECK_EQ_U64(rc, 0);
	CHECK_EQ_U64(sig, 0);
	/* the probes each child would repeat, once here (as vmm replay
	 * --concurrent --sandbox does) */
	CHECK(vmm_sandbox_prepare(&kvm, &e) == 0);
	if (for_each_file(argv[2], ".kvms", SEED_MAX, add_seed, NULL) <= 0) {
		(void)printf("no seeds in %s\n", argv[2]);
		return 2;
	}
	test_inputs(mutants);
	vmm_kvm_close(&kvm);
	free(g_long.data);
	return check_report("test_sandbox");
}

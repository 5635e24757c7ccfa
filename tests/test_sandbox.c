/* The run-phase sandbox: a guest runs to HLT inside it; forbidden calls
 * made after entering it kill the process with SIGSYS. Also checks that
 * every fd the VMM holds is close-on-exec. Usage: test_sandbox GUEST_DIR */
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/check.h"
#include "tests/scenario_builder.h"
#include "tests/guest_files.h"
#include "vmm/pipeline.h"
#include "vmm/sandbox.h"
#include "vmm/vcpu.h"
#include "vmm/x86/mode.h"
#include "vmm/x86/regs.h"

static struct guest_bin g_long;
static struct vmm_kvm kvm;

static int enter(void *ctx, struct vmm_error *e)
{
	(void)ctx;
	return vmm_sandbox_enter(e);
}

struct out {
	char buf[64];
	size_t n;
};

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
	struct out o = { { 0 }, 0 };

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

static int child_forbidden(int what)
{
	struct vmm_error e;

	if (vmm_sandbox_enter(&e) < 0)
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

int main(int argc, char **argv)
{
	static const char *const names[] = { "socket", "execve",
					     "KVM_CREATE_VM",
					     "mmap PROT_EXEC" };
	struct vmm_error e;
	int sig = 0, rc;

	if (argc != 2)
		return 2;
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
	for (int w = 0; w < 4; w++) {
		rc = run_child(child_forbidden, w, &sig);
		(void)printf("%s after entering: exit %d signal %d\n", names[w],
			     rc, sig);
		CHECK_EQ_U64(sig, SIGSYS);
	}
	rc = run_child(child_forbidden, 99, &sig);
	CHECK_EQ_U64(rc, 0);
	CHECK_EQ_U64(sig, 0);
	vmm_kvm_close(&kvm);
	free(g_long.data);
	return check_report("test_sandbox");
}

/* Injected faults: every call the library makes through the syscall seam
 * (open, close, ioctl, mmap, munmap) during a full run - /dev/kvm open and
 * capability probe, the host mode probes of all four modes, and a
 * multi-slot, multi-vCPU, three-mode scenario - is made to fail in turn
 * with each errno that call can return. Each time: a clean one-line error
 * naming the call (or, where the library tolerates the failure, the run
 * still completes), no crash, no leaked fd or mapping, and the same
 * scenario then runs normally in the same process. KVM_RUN failing with
 * EIO, EFAULT and ENOEXEC must be reported distinctly.
 * Usage: test_faults GUEST_DIR */
#include <errno.h>
#include <linux/kvm.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tests/check.h"
#include "tests/scenario_builder.h"
#include "tests/guest_files.h"
#include "tests/proc_util.h"
#include "vmm/pipeline.h"
#include "vmm/x86/mode.h"
#include "vmm/x86/regs.h"

enum kind { K_OPEN, K_CLOSE, K_IOCTL, K_MMAP, K_MUNMAP, K_COUNT };
static const char *const kind_name[K_COUNT] = { "open", "close", "ioctl",
						"mmap", "munmap" };

/* errnos each kind of call can return (as applicable) */
static const int errs[K_COUNT][9] = {
	[K_OPEN] = { EINTR, ENOMEM, EIO, EINVAL, EFAULT, EAGAIN },
	[K_CLOSE] = { EINTR, EIO, EBADF },
	[K_IOCTL] = { EINTR, EAGAIN, ENOMEM, EINVAL, EFAULT, EBADF, ENOSPC,
		      EIO },
	[K_MMAP] = { EAGAIN, ENOMEM, EINVAL, EBADF },
	[K_MUNMAP] = { EINVAL },
};

#define MAX_CALLS 4096

struct fault {
	struct vmm_sysops ops;
	const struct vmm_sysops *real;
	long calls;
	long fail_at; /* -1: none */
	int err;
	int fired;
	enum kind fired_kind;
	unsigned long fired_req;
	int record;
	enum kind kinds[MAX_CALLS];
	unsigned long reqs[MAX_CALLS];
};

static int hit(struct fault *f, enum kind k, unsigned long req)
{
	long n = f->calls++;

	if (f->record && n < MAX_CALLS) {
		f->kinds[n] = k;
		f->reqs[n] = req;
	}
	if (n != f->fail_at)
		return 0;
	f->fired = 1;
	f->fired_kind = k;
	f->fired_req = req;
	return 1;
}

static int f_open(void *ctx, const char *path, int flags)
{
	struct fault *f = ctx;

	if (hit(f, K_OPEN, 0)) {
		errno = f->err;
		return -1;
	}
	return f->real->open(f->real->ctx, path, flags);
}

/* close and munmap: Linux releases the fd even when close reports an error,
 * and the library can only ignore either failure; the real call is made and
 * the error reported afterwards, so the library's handling is exercised
 * without the test itself leaking. */
static int f_close(void *ctx, int fd)
{
	struct fault *f = ctx;
	int ret = f->real->close(f->real->ctx, fd);

	if (hit(f, K_CLOSE, 0)) {
		errno = f->err;
		return -1;
	}
	return ret;
}

static int f_ioctl(void *ctx, int fd, unsigned long req, void *arg)
{
	struct fault *f = ctx;

	if (hit(f, K_IOCTL, req)) {
		errno = f->err;
		return -1;
	}
	return f->real->ioctl(f->real->ctx, fd, req, arg);
}

static void *f_mmap(void *ctx, void *addr, size_t len, int prot, int flags,
		    int fd, off_t off)
{
	struct fault *f = ctx;

	if (hit(f, K_MMAP, 0)) {
		errno = f->err;
		return MAP_FAILED;
	}
	return f->real->mmap(f->real->ctx, addr, len, prot, flags, fd, off);
}

static int f_munmap(void *ctx, void *addr, size_t len)
{
	struct fault *f = ctx;
	int ret = f->real->munmap(f->real->ctx, addr, len);

	if (hit(f, K_MUNMAP, 0)) {
		errno = f->err;
		return -1;
	}
	return ret;
}

static void fault_init(struct fault *f)
{
	memset(f, 0, sizeof(*f));
	f->ops.open = f_open;
	f->ops.close = f_close;
	f->ops.ioctl = f_ioctl;
	f->ops.mmap = f_mmap;
	f->ops.munmap = f_munmap;
	f->ops.ctx = f;
	f->real = vmm_sysops_default();
	f->fail_at = -1;
}

static const struct {
	unsigned long req;
	const char *name;
} ioctl_names[] = {
#define N(r)          \
	{             \
		r, #r \
	}
	N(KVM_GET_API_VERSION),
	N(KVM_CHECK_EXTENSION),
	N(KVM_GET_VCPU_MMAP_SIZE),
	N(KVM_CREATE_VM),
	N(KVM_SET_IDENTITY_MAP_ADDR),
	N(KVM_SET_TSS_ADDR),
	N(KVM_SET_USER_MEMORY_REGION),
	N(KVM_CREATE_VCPU),
	N(KVM_GET_SREGS),
	N(KVM_SET_SREGS),
	N(KVM_GET_REGS),
	N(KVM_SET_REGS),
	N(KVM_RUN),
#undef N
};

static const char *call_name(enum kind k, unsigned long req)
{
	if (k != K_IOCTL)
		return kind_name[k];
	for (size_t i = 0; i < sizeof(ioctl_names) / sizeof(ioctl_names[0]);
	     i++)
		if (ioctl_names[i].req == req)
			return ioctl_names[i].name;
	return "ioctl?";
}

static struct guest_bin g_long, g_prot, g_add, g_hlt;

/* Three vCPUs in three modes, three slots (dirty-logged, readonly). */
static void scenario(struct vmm_scenario *s)
{
	struct vmm_vcpu_spec *v;

	sb_begin(s, 0x100000, 5000);
	sb_slot(s, 1, 0x100000, 0x100000, VMM_SLOT_DIRTY_LOG);
	sb_slot(s, 2, 0x200000, 0x1000, VMM_SLOT_READONLY);
	(void)sb_code(s, VMM_MODE_LONG64, 0, g_long.data, g_long.len);
	(void)sb_code(s, VMM_MODE_PROT32, 0x1000, g_prot.data, g_prot.len);
	v = sb_code(s, VMM_MODE_REAL16, 0x3000, g_add.data, g_add.len);
	v->reg_mask = 3; /* rax = rbx = 2 */
	v->regs[0] = 2;
	v->regs[1] = 2;
	sb_blob(s, 0x200000, g_hlt.data, g_hlt.len);
}

/* One full run through the seam: open, probe every mode, run, close.
 * Returns the error that stopped it (cls NONE when the guest halted). */
static void full_run(struct fault *f, struct vmm_error *err, int *halted)
{
	struct vmm_kvm k;
	struct vmm_scenario s;
	struct vmm_result r;

	*halted = 0;
	vmm_err_clear(err);
	if (vmm_kvm_open(&k, NULL, &f->ops, err) < 0)
		return;
	for (int m = 0; m < VMM_MODE_COUNT; m++) {
		struct vmm_error pe;

		vmm_err_clear(&pe);
		if (vmm_host_mode_check(&k, (enum vmm_x86_mode)m, &pe) < 0 &&
		    pe.cls != VMM_ERR_HOST) {
			*err = pe;
			vmm_kvm_close(&k);
			return;
		}
	}
	scenario(&s);
	(void)vmm_pipeline_run(&k, &s, NULL, &r);
	*halted = r.verdict == VMM_V_HALT;
	if (!*halted)
		*err = r.err;
	vmm_kvm_close(&k);
}

int main(int argc, char **argv)
{
	static struct fault f;
	struct vmm_error err;
	long total;
	int halted, fds0;
	long vm0;
	unsigned long runs = 0, tolerated = 0, reported = 0;
	int distinct[3] = { 0, 0, 0 };

	if (argc != 2)
		return 2;
	if (!kvm_present()) {
		(void)printf("SKIP: /dev/kvm is absent\n");
		return CHECK_SKIP_RC;
	}
	if (guest_load(argv[1], "long64_hello", &g_long) ||
	    guest_load(argv[1], "prot32_hello", &g_prot) ||
	    guest_load(argv[1], "real16_add", &g_add) ||
	    guest_load(argv[1], "real16_hlt", &g_hlt))
		return 2;

	/* Plan: record every call of a clean run. */
	fault_init(&f);
	f.record = 1;
	full_run(&f, &err, &halted);
	CHECK(halted);
	total = f.calls;
	CHECK(total > 50 && total < MAX_CALLS);
	(void)printf("a clean full run makes %ld calls through the seam\n",
		     total);
	fds0 = proc_fd_count();
	vm0 = proc_mapped_kb_no_heap();

	for (long n = 0; n < total && n < MAX_CALLS; n++) {
		enum kind k = f.kinds[n];
		unsigned long req = f.reqs[n];

		for (int j = 0; errs[k][j]; j++) {
			const char *name = call_name(k, req);
			int e = errs[k][j];

			f.record = 0;
			f.calls = 0;
			f.fired = 0;
			f.fail_at = n;
			f.err = e;
			full_run(&f, &err, &halted);
			runs++;
			if (!f.fired) { /* the path changed before call n */
				CHECK(halted || err.cls != VMM_ERR_NONE);
				continue;
			}
			/* EINTR on open or any ioctl means nothing happened
			 * (a signal meant for the fuzz engine): retried,
			 * never reported */
			if ((k == K_OPEN || k == K_IOCTL) && e == EINTR &&
			    !halted)
				(void)fprintf(stderr,
					      "call %ld %s EINTR was not "
					      "retried: %s\n",
					      n, name, err.msg);
			CHECK(!((k == K_OPEN || k == K_IOCTL) && e == EINTR &&
				!halted));
			if (halted) {
				/* only failures the library may absorb */
				int ok = k == K_CLOSE || k == K_MUNMAP ||
					 ((k == K_OPEN || k == K_IOCTL) &&
					  e == EINTR) ||
					 (k == K_IOCTL && req == KVM_RUN &&
					  (e == EINTR || e == EAGAIN)) ||
					 (k == K_IOCTL &&
					  (req == KVM_GET_REGS ||
					   req == KVM_GET_SREGS));

				if (!ok)
					(void)fprintf(stderr,
						      "call %ld %s %s "
						      "was swallowed\n",
						      n, name,
						      vmm_errno_name(e));
				CHECK(ok);
				tolerated++;
			} else {
				reported++;
				CHECK(err.call && strcmp(err.call, name) == 0);
				if (!err.call || strcmp(err.call, name) != 0)
					(void)fprintf(stderr,
						      "call %ld %s %s: "
						      "error names '%s': %s\n",
						      n, name,
						      vmm_errno_name(e),
						      err.call ? err.call : "-",
						      err.msg);
				CHECK_EQ_U64(err.err, e);
				CHECK(strchr(err.msg, '\n') == NULL);
				if (k == K_IOCTL && req == KVM_RUN) {
					if (e == EIO)
						distinct[0] +=
							strstr(err.msg,
							       "VM killed by KVM") !=
							NULL;
					if (e == EFAULT)
						distinct[1] +=
							strstr(err.msg,
							       "bad guest memory") !=
							NULL;
				}
			}
			/* nothing leaked, and the process still works */
			if (proc_fd_count() != fds0 ||
			    proc_mapped_kb_no_heap() != vm0) {
				(void)fprintf(
					stderr,
					"call %ld %s %s: leak: fds "
					"%d->%d mapped (heap, stack aside) %ld->%ld KiB\n",
					n, name, vmm_errno_name(e), fds0,
					proc_fd_count(), vm0,
					proc_mapped_kb_no_heap());
				CHECK(!"leak after an injected failure");
				fds0 = proc_fd_count();
				vm0 = proc_mapped_kb_no_heap();
			}
			f.fail_at = -1;
			full_run(&f, &err, &halted);
			CHECK(halted);
		}
	}
	/* ENOEXEC from KVM_RUN: find the first KVM_RUN and fail it. */
	for (long n = 0; n < total; n++) {
		if (f.kinds[n] != K_IOCTL || f.reqs[n] != KVM_RUN)
			continue;
		f.calls = 0;
		f.fail_at = n;
		f.err = ENOEXEC;
		full_run(&f, &err, &halted);
		distinct[2] =
			strstr(err.msg, "vCPU state cannot run") != NULL &&
			err.err == ENOEXEC;
		break;
	}
	CHECK(distinct[0] > 0);
	CHECK(distinct[1] > 0);
	CHECK(distinct[2] > 0);
	(void)printf(
		"%lu injected runs: %lu failures reported naming the call, "
		"%lu tolerated (close/munmap/EINTR/KVM_RUN EAGAIN/final "
		"state)\n",
		runs, reported, tolerated);
	free(g_long.data);
	free(g_prot.data);
	free(g_add.data);
	free(g_hlt.data);
	return check_report("test_faults");
}

/* Finding oracles: classification and signatures, the ioctl errno table,
 * the watchdog (vcpu-hang) and the /dev/kmsg watcher (host-kernel-log). */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <time.h>
#include <unistd.h>

#include "tests/check.h"
#include "vmm/oracle.h"
#include "vmm/outcome.h"

static void test_classify(void)
{
	struct vmm_result r;
	char sig[VMM_SIG_MAX];

	memset(&r, 0, sizeof(r));
	r.verdict = VMM_V_HALT;
	CHECK_EQ_U64(vmm_oracle_classify(&r, sig, sizeof(sig)), VMM_FIND_NONE);
	CHECK_STR_CONTAINS(sig, "none halt");

	/* a contract violation: signature keeps the field, drops the value */
	r.verdict = VMM_V_CONTRACT;
	vmm_err_contract(&r.err, "kvm_run", "io.size",
			 "kernel contract violation: io.size=3 (must be 1, 2 "
			 "or 4)");
	CHECK_EQ_U64(vmm_oracle_classify(&r, sig, sizeof(sig)),
		     VMM_FIND_KERNEL_CONTRACT);
	CHECK(strcmp(sig, "kernel-contract kvm_run io.size") == 0);
	/* the field comes from the record, not from the message text */
	vmm_err_contract(&r.err, "KVM_RUN", "return", "anything at all");
	(void)vmm_oracle_classify(&r, sig, sizeof(sig));
	CHECK(strcmp(sig, "kernel-contract KVM_RUN return") == 0);

	/* expected rejection vs anomaly, by request number */
	r.verdict = VMM_V_SYS;
	vmm_err_set_ioctl(&r.err, VMM_ERR_SYS, KVM_SET_SREGS, "KVM_SET_SREGS",
			  EINVAL, "x");
	CHECK_EQ_U64(vmm_oracle_classify(&r, sig, sizeof(sig)), VMM_FIND_NONE);
	vmm_err_set_ioctl(&r.err, VMM_ERR_SYS, KVM_RUN, "KVM_RUN", EIO, "x");
	CHECK_EQ_U64(vmm_oracle_classify(&r, sig, sizeof(sig)),
		     VMM_FIND_IOCTL_ANOMALY);
	CHECK(strcmp(sig, "ioctl-anomaly KVM_RUN EIO") == 0);
	vmm_err_set_ioctl(&r.err, VMM_ERR_SYS, KVM_GET_REGS, "KVM_GET_REGS",
			  EINVAL, "x");
	CHECK_EQ_U64(vmm_oracle_classify(&r, sig, sizeof(sig)),
		     VMM_FIND_IOCTL_ANOMALY);
	vmm_err_set_ioctl(&r.err, VMM_ERR_SYS, KVM_RUN, "KVM_RUN", EFAULT, "x");
	CHECK(vmm_errno_expected(&r.err));
	/* a name alone does not make an expected ioctl failure */
	vmm_err_set(&r.err, VMM_ERR_SYS, "KVM_RUN", EFAULT, "x");
	CHECK(!vmm_errno_expected(&r.err));
	vmm_err_set_ioctl(&r.err, VMM_ERR_SYS, KVM_SET_USER_MEMORY_REGION,
			  "KVM_SET_USER_MEMORY_REGION", EEXIST, "x");
	CHECK(vmm_errno_expected(&r.err));
	r.err.err = EIO;
	CHECK(!vmm_errno_expected(&r.err));
	vmm_err_set(&r.err, VMM_ERR_SYS, "mmap", ENOMEM, "x");
	CHECK(vmm_errno_expected(&r.err));
#if defined(__x86_64__)
	/* the vCPU-state records' ioctls: KVM_SET_MSRS has no expected
	 * errno (a refused MSR is a count), KVM_SET_CPUID2 refuses bad or
	 * unpermitted CPUIDs, KVM_SET_DEBUGREGS bad DR6/DR7,
	 * KVM_SET_VCPU_EVENTS a bad exception vector */
	vmm_err_set_ioctl(&r.err, VMM_ERR_SYS, KVM_SET_MSRS, "KVM_SET_MSRS",
			  EINVAL, "x");
	CHECK(!vmm_errno_expected(&r.err));
	vmm_err_set_ioctl(&r.err, VMM_ERR_SYS, KVM_SET_CPUID2, "KVM_SET_CPUID2",
			  EPERM, "x");
	CHECK(vmm_errno_expected(&r.err));
	r.err.err = E2BIG;
	CHECK(vmm_errno_expected(&r.err));
	r.err.err = EINVAL;
	CHECK(vmm_errno_expected(&r.err));
	r.err.err = EFAULT;
	CHECK(!vmm_errno_expected(&r.err));
	vmm_err_set_ioctl(&r.err, VMM_ERR_SYS, KVM_SET_DEBUGREGS,
			  "KVM_SET_DEBUGREGS", EINVAL, "x");
	CHECK(vmm_errno_expected(&r.err));
	r.err.err = EPERM;
	CHECK(!vmm_errno_expected(&r.err));
	vmm_err_set_ioctl(&r.err, VMM_ERR_SYS, KVM_SET_VCPU_EVENTS,
			  "KVM_SET_VCPU_EVENTS", EINVAL, "x");
	CHECK(vmm_errno_expected(&r.err));
	r.err.err = EFAULT;
	CHECK(!vmm_errno_expected(&r.err));
	/* msr_exits: a filter range without read/write flags; guest_debug:
	 * control bits KVM lacks, an injection over a pending exception;
	 * KVM_ENABLE_CAP is not expected to fail (the hypercall record's
	 * refused mask is turned into an input error where it is set) */
	vmm_err_set_ioctl(&r.err, VMM_ERR_SYS, KVM_X86_SET_MSR_FILTER,
			  "KVM_X86_SET_MSR_FILTER", EINVAL, "x");
	CHECK(vmm_errno_expected(&r.err));
	r.err.err = ENOMEM;
	CHECK(!vmm_errno_expected(&r.err));
	vmm_err_set_ioctl(&r.err, VMM_ERR_SYS, KVM_SET_GUEST_DEBUG,
			  "KVM_SET_GUEST_DEBUG", EINVAL, "x");
	CHECK(vmm_errno_expected(&r.err));
	r.err.err = EBUSY;
	CHECK(vmm_errno_expected(&r.err));
	r.err.err = EFAULT;
	CHECK(!vmm_errno_expected(&r.err));
	vmm_err_set_ioctl(&r.err, VMM_ERR_SYS, KVM_ENABLE_CAP, "KVM_ENABLE_CAP",
			  EINVAL, "x");
	/* fpu/xsave/xcr records: KVM_SET_FPU has no expected errno,
	 * KVM_SET_XSAVE and KVM_SET_XCRS refuse bad state with EINVAL */
	vmm_err_set_ioctl(&r.err, VMM_ERR_SYS, KVM_SET_FPU, "KVM_SET_FPU",
			  EINVAL, "x");
	CHECK(!vmm_errno_expected(&r.err));
	vmm_err_set_ioctl(&r.err, VMM_ERR_SYS, KVM_SET_XSAVE, "KVM_SET_XSAVE",
			  EINVAL, "x");
	CHECK(vmm_errno_expected(&r.err));
	r.err.err = EFAULT;
	CHECK(!vmm_errno_expected(&r.err));
	vmm_err_set_ioctl(&r.err, VMM_ERR_SYS, KVM_SET_XCRS, "KVM_SET_XCRS",
			  EINVAL, "x");
	CHECK(vmm_errno_expected(&r.err));
	r.err.err = EFAULT;
	CHECK(!vmm_errno_expected(&r.err));
	vmm_err_set_ioctl(&r.err, VMM_ERR_SYS, KVM_GET_XSAVE2, "KVM_GET_XSAVE2",
			  EINVAL, "x");
	/* irqchip, irq and lapic records: the creation ioctls fail for
	 * memory only, KVM_IRQ_LINE without an irqchip (ENXIO), an MSI or a
	 * LAPIC page KVM refuses (EINVAL) */
	vmm_err_set_ioctl(&r.err, VMM_ERR_SYS, KVM_CREATE_IRQCHIP,
			  "KVM_CREATE_IRQCHIP", ENOMEM, "x");
	CHECK(vmm_errno_expected(&r.err));
	r.err.err = EEXIST;
	CHECK(!vmm_errno_expected(&r.err));
	vmm_err_set_ioctl(&r.err, VMM_ERR_SYS, KVM_CREATE_PIT2,
			  "KVM_CREATE_PIT2", EINVAL, "x");
	CHECK(!vmm_errno_expected(&r.err));
	vmm_err_set_ioctl(&r.err, VMM_ERR_SYS, KVM_IRQ_LINE, "KVM_IRQ_LINE",
			  ENXIO, "x");
	CHECK(vmm_errno_expected(&r.err));
	r.err.err = EFAULT;
	CHECK(!vmm_errno_expected(&r.err));
	vmm_err_set_ioctl(&r.err, VMM_ERR_SYS, KVM_SIGNAL_MSI, "KVM_SIGNAL_MSI",
			  EINVAL, "x");
	CHECK(vmm_errno_expected(&r.err));
	r.err.err = ENOSPC;
	CHECK(!vmm_errno_expected(&r.err));
	vmm_err_set_ioctl(&r.err, VMM_ERR_SYS, KVM_SET_LAPIC, "KVM_SET_LAPIC",
			  EINVAL, "x");
	CHECK(vmm_errno_expected(&r.err));
	r.err.err = ENXIO; /* no LAPIC: the VMM made an irqchip first */
	CHECK(!vmm_errno_expected(&r.err));
	vmm_err_set_ioctl(&r.err, VMM_ERR_SYS, KVM_GET_MP_STATE,
			  "KVM_GET_MP_STATE", EINVAL, "x");
	CHECK(!vmm_errno_expected(&r.err));
#endif
	vmm_err_set(&r.err, VMM_ERR_SYS, NULL, EINVAL, "x");
	CHECK(!vmm_errno_expected(&r.err));
	vmm_err_set_ioctl(&r.err, VMM_ERR_SYS, KVM_RUN, "KVM_RUN", 0, "x");
	CHECK(!vmm_errno_expected(&r.err));

	CHECK(strcmp(vmm_finding_name(VMM_FIND_VCPU_HANG), "vcpu-hang") == 0);
	CHECK(strcmp(vmm_finding_name(VMM_FIND_COUNT), "?") == 0);
}

struct hang_seen {
	int fired;
	uint64_t limit;
};

static void on_hang(void *ctx, uint64_t limit_ms)
{
	struct hang_seen *h = ctx;

	__atomic_store_n(&h->fired, 1, __ATOMIC_RELEASE);
	h->limit = limit_ms;
}

static void sleep_ms(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&t, &t) != 0 && errno == EINTR)
		;
}

static void test_watchdog(void)
{
	struct vmm_watchdog w;
	struct hang_seen h = { 0, 0 };
	struct vmm_error e;

	vmm_err_clear(&e);
	CHECK(vmm_watchdog_start(&w, on_hang, &h, &e) == 0);
	/* disarmed in time: no report */
	vmm_watchdog_arm(&w, 300);
	sleep_ms(100);
	vmm_watchdog_disarm(&w);
	sleep_ms(400);
	CHECK_EQ_U64(__atomic_load_n(&h.fired, __ATOMIC_ACQUIRE), 0);
	/* left running past its limit: reported once, with the limit */
	vmm_watchdog_arm(&w, 100);
	sleep_ms(400);
	CHECK_EQ_U64(__atomic_load_n(&h.fired, __ATOMIC_ACQUIRE), 1);
	CHECK_EQ_U64(h.limit, 100);
	vmm_watchdog_stop(&w);
	vmm_watchdog_stop(&w); /* idempotent */
}

static void test_kmsg(void)
{
	static const char line[] =
		"kvmfuzz test_oracle: WARNING: synthetic line from the test "
		"suite, not a kernel problem\n";
	struct vmm_kmsg k;
	struct vmm_error e;
	char first[160];
	int fd;

	if (vmm_kmsg_open(&k, NULL, &e) < 0) {
		(void)printf(
			"note: /dev/kmsg unreadable, kmsg oracle not tested "
			"(%s)\n",
			e.msg);
		return;
	}
	CHECK_EQ_U64(vmm_kmsg_scan(&k, first, sizeof(first)), 0);
	fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		(void)printf(
			"note: /dev/kmsg not writable, injection skipped\n");
		vmm_kmsg_close(&k);
		return;
	}
	CHECK(write(fd, line, sizeof(line) - 1) == (ssize_t)(sizeof(line) - 1));
	(void)close(fd);
	CHECK(vmm_kmsg_scan(&k, first, sizeof(first)) >= 1);
	CHECK_STR_CONTAINS(first, "WARNING: synthetic line");
	CHECK_EQ_U64(vmm_kmsg_scan(&k, first, sizeof(first)), 0); /* consumed */
	vmm_kmsg_close(&k);
}

static void test_undecodable(void)
{
	static const uint8_t junk[5] = { 'K', 'V', 'M', 'S', 1 };
	static struct vmm_input_outcome o;

	/* rejected before KVM is touched: a NULL KVM context is never used */
	vmm_run_input(NULL, junk, sizeof(junk), NULL, NULL, NULL, &o);
	CHECK_EQ_U64(o.decoded, 0);
	CHECK_EQ_U64(o.finding, VMM_FIND_NONE);
	CHECK_STR_CONTAINS(o.decode_err.msg, "shorter than the 8-byte header");
}

/* Watched outcomes: the description and the pattern list */
static void test_watch(void)
{
	static struct vmm_result r;
	char d[128];

	memset(&r, 0, sizeof(r));
	r.verdict = VMM_V_GUEST;
	vmm_outcome_describe(&r, d, sizeof(d));
	CHECK(strcmp(d, "guest-failure") == 0);
	r.have_last_exit = 1;
	r.last_exit.reason = KVM_EXIT_SHUTDOWN;
	r.last_vcpu = 1;
	vmm_outcome_describe(&r, d, sizeof(d));
	CHECK(strcmp(d, "guest-failure KVM_EXIT_SHUTDOWN vcpu1") == 0);
	CHECK(vmm_outcome_watched(d, "KVM_EXIT_SHUTDOWN vcpu1"));
	CHECK(vmm_outcome_watched(d, "timeout,KVM_EXIT_SHUTDOWN"));
	CHECK(vmm_outcome_watched(d, "halt,,vcpu1"));
	CHECK(!vmm_outcome_watched(d, "KVM_EXIT_SHUTDOWN vcpu0"));
	CHECK(!vmm_outcome_watched(d, ""));
	CHECK(!vmm_outcome_watched(d, ","));
	CHECK(!vmm_outcome_watched(d, NULL));
	CHECK(strcmp(vmm_finding_name(VMM_FIND_WATCHED), "watched-outcome") ==
	      0);
}

/* The outcome tables: every row present, names unique, replay codes fixed */
static void test_outcome_tables(void)
{
	for (int c = 0; c < VMM_ERR_COUNT; c++) {
		const struct vmm_err_class_info *i = vmm_err_class_info(c);

		CHECK(strcmp(i->name, "unknown") != 0);
		CHECK(i->cli_head != NULL);
	}
	for (int v = 0; v < VMM_V_COUNT; v++) {
		CHECK(strcmp(vmm_verdict_info(v)->name, "?") != 0);
		for (int w = 0; w < v; w++)
			CHECK(strcmp(vmm_verdict_name(v),
				     vmm_verdict_name(w)) != 0);
	}
	for (int f = 0; f < VMM_FIND_COUNT; f++) {
		CHECK(strcmp(vmm_finding_info(f)->name, "?") != 0);
		for (int g = 0; g < f; g++)
			CHECK(vmm_finding_info(f)->replay_rc !=
			      vmm_finding_info(g)->replay_rc);
	}
	CHECK_EQ_U64(vmm_finding_info(VMM_FIND_KERNEL_CONTRACT)->replay_rc, 11);
	CHECK_EQ_U64(vmm_finding_info(VMM_FIND_HOST_KERNEL_LOG)->replay_rc, 14);
	CHECK_EQ_U64(vmm_verdict_of(VMM_ERR_SYS, 0), VMM_V_SYS);
	CHECK_EQ_U64(vmm_verdict_of(VMM_ERR_SYS, 1), VMM_V_GUEST);
	CHECK_EQ_U64(vmm_verdict_info(VMM_V_CONTRACT)->rc, VMM_RC_CONTRACT);
	CHECK(strcmp(vmm_err_class_name(VMM_ERR_COUNT), "unknown") == 0);
	CHECK(strcmp(vmm_verdict_name(VMM_V_COUNT), "?") == 0);
}

int main(void)
{
	test_classify();
	test_watchdog();
	test_kmsg();
	test_undecodable();
	test_watch();
	test_outcome_tables();
	return check_report("test_oracle");
}

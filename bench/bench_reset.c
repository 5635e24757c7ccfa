/* Reset-mode figures, measured side by side in one run on the same small
 * guests:
 * The first three are measured in interleaved slices (4 rounds), so that
 * other load on the host affects them alike.
 *  1. floor: one VM, one vCPU, a HLT guest; each exec only restores the
 *     registers (KVM_SET_REGS) and runs it (KVM_RUN);
 *  2. fresh pipeline execs/s (vmm_run_input, fresh VM per input);
 *  3. reset pipeline execs/s (vmm_run_input on a session), and the average
 *     pages restored per exec; on the single-page HLT guest and on a guest
 *     dirtying 16 pages.
 *  4. the ioctls one reset exec of the HLT guest makes, per exec, with
 *     their mean cost (timed in a separate pass through a counting
 *     syscall table; the timers and clock reads are not ioctls and cost
 *     well under a microsecond each).
 * Last line:
 *  bench: floor_us=X fresh_execs_per_sec=Y reset_execs_per_sec=Z
 *         reset_vs_fresh=R reset_vs_floor=Q
 * Usage: bench_reset [SECONDS_PER_MEASUREMENT] */
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "bench/common.h"
#include "vmm/oracle.h"
#include "vmm/session.h"
#include "vmm/x86/mode.h"
#include "vmm/x86/regs.h"

static double now_s(void)
{
	struct timespec t;

	(void)clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ---- ioctl accounting through the syscall table ---------------------- */

#define NREQ 24

static const struct {
	unsigned long req;
	const char *name;
} req_names[NREQ] = {
	{ KVM_RUN, "KVM_RUN" },
	{ KVM_GET_REGS, "KVM_GET_REGS" },
	{ KVM_SET_REGS, "KVM_SET_REGS" },
	{ KVM_GET_SREGS, "KVM_GET_SREGS" },
	{ KVM_SET_SREGS, "KVM_SET_SREGS" },
	{ KVM_GET_VCPU_EVENTS, "KVM_GET_VCPU_EVENTS" },
	{ KVM_SET_VCPU_EVENTS, "KVM_SET_VCPU_EVENTS" },
	{ KVM_GET_XSAVE, "KVM_GET_XSAVE" },
	{ KVM_SET_XSAVE, "KVM_SET_XSAVE" },
	{ KVM_GET_XCRS, "KVM_GET_XCRS" },
	{ KVM_SET_XCRS, "KVM_SET_XCRS" },
	{ KVM_GET_DEBUGREGS, "KVM_GET_DEBUGREGS" },
	{ KVM_SET_DEBUGREGS, "KVM_SET_DEBUGREGS" },
	{ KVM_GET_MSRS, "KVM_GET_MSRS" },
	{ KVM_SET_MSRS, "KVM_SET_MSRS" },
	{ KVM_GET_MP_STATE, "KVM_GET_MP_STATE" },
	{ KVM_SET_MP_STATE, "KVM_SET_MP_STATE" },
	{ KVM_GET_DIRTY_LOG, "KVM_GET_DIRTY_LOG" },
	{ KVM_CLEAR_DIRTY_LOG, "KVM_CLEAR_DIRTY_LOG" },
	{ KVM_RESET_DIRTY_RINGS, "KVM_RESET_DIRTY_RINGS" },
	{ KVM_SET_USER_MEMORY_REGION, "KVM_SET_USER_MEMORY_REGION" },
	{ KVM_CREATE_VCPU, "KVM_CREATE_VCPU" },
	{ KVM_CREATE_VM, "KVM_CREATE_VM" },
	{ 0, "other" },
};

static struct {
	int timed;
	unsigned long long n[NREQ];
	double us[NREQ];
} acct;

static int req_slot(unsigned long req)
{
	for (int i = 0; i < NREQ - 1; i++)
		if (req_names[i].req == req)
			return i;
	return NREQ - 1;
}

static int counting_ioctl(void *ctx, int fd, unsigned long req, void *arg)
{
	int i = req_slot(req);
	struct timespec a, b;
	int ret;

	(void)ctx;
	acct.n[i]++;
	if (!acct.timed)
		return ioctl(fd, req, arg);
	(void)clock_gettime(CLOCK_MONOTONIC, &a);
	ret = ioctl(fd, req, arg);
	(void)clock_gettime(CLOCK_MONOTONIC, &b);
	acct.us[i] += (double)(b.tv_sec - a.tv_sec) * 1e6 +
		      (double)(b.tv_nsec - a.tv_nsec) / 1e3;
	return ret;
}

/* real16: HLT */
static const uint8_t hlt_code[] = { 0xf4 };
/* real16: write a byte into 16 pages (0x10000.. step 0x1000 via ES), HLT:
 *   mov ax, 0x1000 / mov es, ax / xor di, di / mov cx, 16
 *   l: mov byte es:[di], 1 / add di, 0x1000 / loop l / hlt */
static const uint8_t dirty16_code[] = {
	0xb8, 0x00, 0x10, 0x8e, 0xc0, 0x31, 0xff, 0xb9, 0x10, 0x00, 0x26,
	0xc6, 0x05, 0x01, 0x81, 0xc7, 0x00, 0x10, 0xe2, 0xf6, 0xf4,
};

static size_t make(uint8_t *out, size_t cap, const uint8_t *code, size_t n)
{
	struct vmm_scenario s;
	struct vmm_error e;

	vmm_scenario_init(&s);
	s.max_exits = 100;
	s.timeout_ms = 1000;
	s.nslots = 1;
	s.slots[0].size = 0x20000;
	s.nblobs = 1;
	s.blobs[0] = (struct vmm_blob_spec){ 0x1000, code, n };
	s.nvcpus = 1;
	s.vcpus[0].entry = 0x1000;
	return vmm_scenario_encode(&s, out, cap, &e);
}

/* A measurement accumulated over several slices. */
struct meas {
	long n;
	double secs;
	uint64_t pages;
};

/* floor: registers restored and HLT run on one VM, raw ioctls. The VM is
 * built once with the pipeline on its own session; then only regs + run. */
static struct vmm_session floor_ss;
static struct kvm_regs floor_regs;

static int floor_setup(struct vmm_kvm *k, const uint8_t *buf, size_t len)
{
	struct vmm_error e;
	struct vmm_scenario s;
	static struct vmm_result r;

	if (vmm_session_init(&floor_ss, k, 0, &e) < 0 ||
	    vmm_scenario_decode(buf, len, &s, &e) < 0)
		return -1;
	(void)vmm_pipeline_run_reset(&floor_ss, &s, NULL, &r);
	if (r.verdict != VMM_V_HALT ||
	    vmm_vcpu_get_regs(&floor_ss.vcpus[0], &floor_regs, &e) < 0)
		return -1;
	floor_regs.rip = 0x1000;
	return 0;
}

static void floor_slice(struct vmm_kvm *k, double secs, struct meas *m)
{
	struct vmm_vcpu *v = &floor_ss.vcpus[0];
	double t0 = now_s();

	do {
		for (int i = 0; i < 100; i++, m->n++) {
			(void)vmm_ioctl_raw(k->ops, v->fd, KVM_SET_REGS,
					    &floor_regs);
			(void)vmm_ioctl_raw(k->ops, v->fd, KVM_RUN, NULL);
		}
	} while (now_s() - t0 < secs);
	m->secs += now_s() - t0;
}

static void rate_slice(struct vmm_kvm *k, struct vmm_session *ss,
		       struct vmm_watchdog *wd, const uint8_t *buf, size_t len,
		       double secs, struct meas *m)
{
	static struct vmm_input_outcome o;
	struct vmm_hooks h;
	uint64_t p0 = ss ? ss->pages_restored : 0;
	double t0 = now_s();

	memset(&h, 0, sizeof(h));
	h.skip_state = 1; /* what a fuzzer needs */
	do {
		for (int i = 0; i < 20; i++, m->n++)
			vmm_run_input_session(k, ss, buf, len, &h, NULL, wd,
					      &o);
	} while (now_s() - t0 < secs);
	m->secs += now_s() - t0;
	if (o.result.verdict != VMM_V_HALT)
		(void)fprintf(stderr, "bench: unexpected verdict %s: %s\n",
			      vmm_verdict_name(o.result.verdict),
			      o.result.err.msg);
	if (ss)
		m->pages += ss->pages_restored - p0;
}

#define ROUNDS 4

/* Per-exec ioctls of reset-mode execs of buf, timed. */
static void breakdown(struct vmm_kvm *k, struct vmm_session *ss,
		      struct vmm_watchdog *wd, const uint8_t *buf, size_t len,
		      double secs)
{
	static struct vmm_input_outcome o;
	struct vmm_hooks h;
	double t0, total = 0, per;
	long n = 0;

	memset(&h, 0, sizeof(h));
	h.skip_state = 1;
	vmm_run_input_session(k, ss, buf, len, &h, NULL, wd, &o); /* warm */
	memset(&acct, 0, sizeof(acct));
	acct.timed = 1;
	t0 = now_s();
	do {
		for (int i = 0; i < 20; i++, n++)
			vmm_run_input_session(k, ss, buf, len, &h, NULL, wd,
					      &o);
	} while (now_s() - t0 < secs);
	per = 1e6 * (now_s() - t0) / (double)n;
	acct.timed = 0;
	for (int i = 0; i < NREQ; i++) {
		if (!acct.n[i])
			continue;
		total += acct.us[i];
		(void)printf("bench: reset exec ioctl %-22s %.2f/exec %5.1f us "
			     "each\n",
			     req_names[i].name, (double)acct.n[i] / (double)n,
			     acct.us[i] / (double)acct.n[i]);
	}
	(void)printf("bench: reset exec: %.1f us, of which %.1f us in ioctls\n",
		     per, total / (double)n);
}

int main(int argc, char **argv)
{
	struct vmm_sysops ops = *vmm_sysops_default();
	double secs = argc > 1 ? strtod(argv[1], NULL) : 2.0;
	static uint8_t hlt[4096], d16[4096];
	static struct vmm_session ss;
	size_t hlt_len, d16_len;
	struct vmm_kvm k;
	struct vmm_watchdog wd;
	struct vmm_error e;
	double fl, fresh, reset, reset16, pages1, pages16;
	struct meas m_floor = { 0, 0, 0 }, m_fresh = { 0, 0, 0 };
	struct meas m_reset = { 0, 0, 0 }, m_reset16 = { 0, 0, 0 };

	vmm_err_clear(&e);
	ops.ioctl = counting_ioctl;
	if (bench_open(&k, &ops, &wd) != 0)
		return 3;
	{
		/* probe the host once up front */
		char probe[2048];

		(void)vmm_arch_host_report(&k, probe, sizeof(probe));
	}
	hlt_len = make(hlt, sizeof(hlt), hlt_code, sizeof(hlt_code));
	d16_len = make(d16, sizeof(d16), dirty16_code, sizeof(dirty16_code));
	if (vmm_session_init(&ss, &k, 0, &e) < 0) {
		(void)fprintf(stderr, "bench: %s\n", e.msg);
		return 3;
	}
	(void)printf("bench: dirty tracking %s%s%s\n",
		     ss.dirty_mode == VMM_DIRTY_RING ? "ring" : "bitmap",
		     ss.dirty_why[0] ? ": " : "", ss.dirty_why);
	if (floor_setup(&k, hlt, hlt_len) < 0) {
		(void)fprintf(stderr, "bench: cannot set up the floor VM\n");
		return 3;
	}
	/* Interleaved slices: a load change on the host (another job) hits
	 * every figure alike, so the ratios hold. */
	for (int round = 0; round < ROUNDS; round++) {
		floor_slice(&k, secs / ROUNDS, &m_floor);
		rate_slice(&k, NULL, &wd, hlt, hlt_len, secs / ROUNDS,
			   &m_fresh);
		rate_slice(&k, &ss, &wd, hlt, hlt_len, secs / ROUNDS, &m_reset);
		rate_slice(&k, &ss, &wd, d16, d16_len, secs / ROUNDS,
			   &m_reset16);
	}
	vmm_session_destroy(&floor_ss);
	fl = 1e6 * m_floor.secs / (double)m_floor.n;
	fresh = (double)m_fresh.n / m_fresh.secs;
	reset = (double)m_reset.n / m_reset.secs;
	reset16 = (double)m_reset16.n / m_reset16.secs;
	pages1 = (double)m_reset.pages / (double)m_reset.n;
	pages16 = (double)m_reset16.pages / (double)m_reset16.n;
	(void)printf("bench: floor (KVM_SET_REGS + KVM_RUN of HLT): %.1f us\n",
		     fl);
	(void)printf("bench: fresh pipeline, HLT guest: %.0f execs/s\n", fresh);
	(void)printf(
		"bench: reset pipeline, HLT guest: %.0f execs/s (%.1f us), "
		"%.2f pages restored per exec\n",
		reset, 1e6 / reset, pages1);
	(void)printf("bench: reset pipeline, 16-page guest: %.0f execs/s, %.2f "
		     "pages restored per exec\n",
		     reset16, pages16);
	breakdown(&k, &ss, &wd, hlt, hlt_len, secs / 2);
	(void)printf("bench: session runs=%llu resets=%llu fallbacks=%llu\n",
		     (unsigned long long)ss.runs, (unsigned long long)ss.resets,
		     (unsigned long long)ss.fallbacks);
	(void)printf("bench: targets: reset >= 20x fresh, >= 10000 execs/s "
		     "(<= 16 dirty pages), reset <= 1.5x floor\n");
	/* reset cannot beat the floor: reset_vs_fresh <= floor_vs_fresh */
	(void)printf("bench: ceiling: the floor loop itself runs %.1fx fresh\n",
		     (1e6 / fl) / fresh);
	(void)printf("bench: floor_us=%.1f fresh_execs_per_sec=%.0f "
		     "reset_execs_per_sec=%.0f reset_vs_fresh=%.1f "
		     "reset_vs_floor=%.2f\n",
		     fl, fresh, reset, reset / fresh, (1e6 / reset) / fl);
	vmm_session_destroy(&ss);
	vmm_watchdog_stop(&wd);
	vmm_kvm_close(&k);
	return 0;
}

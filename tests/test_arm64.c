/* The pipeline on real arm64 KVM (run under emulation by tests/arm64/run.sh):
 * every arm64 guest's output, verdict and registers, the vCPU features'
 * effects, host-capability checks, the x86/arm64 mismatch, and reset mode
 * against fresh mode. Usage: test_arm64 GUEST_DIR */
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>

#include "tests/capture.h"
#include "tests/check.h"
#include "tests/guest_files.h"
#include "vmm/pipeline.h"
#include "vmm/session.h"

static enum vmm_verdict run_with(struct vmm_kvm *k, struct vmm_session *ss,
				 const struct vmm_scenario *s,
				 struct vmm_result *r, struct capture *c)
{
	struct vmm_hooks h;

	cap_hooks(&h, c);
	h.hash_memory = 1;
	if (ss)
		return vmm_pipeline_run_reset(ss, s, &h, r);
	return vmm_pipeline_run(k, s, &h, r);
}

static enum vmm_verdict run(struct vmm_kvm *k, const struct vmm_scenario *s,
			    struct vmm_result *r, struct capture *c)
{
	return run_with(k, NULL, s, r, c);
}

#define PSCI (1U << VMM_ARM64_FEAT_PSCI_0_2)

static void one_slot(struct vmm_scenario *s, const struct guest_bin *g,
		     uint8_t mode, uint32_t features)
{
	vmm_scenario_init(s);
	s->nslots = 1;
	s->slots[0].size = 0x100000;
	s->nblobs = 1;
	s->blobs[0].gpa = 0x1000;
	s->blobs[0].data = g->data;
	s->blobs[0].len = g->len;
	s->nvcpus = 1;
	s->vcpus[0].mode = mode;
	s->vcpus[0].features = features;
	s->vcpus[0].entry = 0x1000;
	s->timeout_ms = 10000; /* the suite runs under emulation */
	s->mmio_console = 1;
}

static void set_reg(struct vmm_scenario *s, unsigned int i, uint64_t v)
{
	s->vcpus[0].reg_mask |= 1ULL << i;
	s->vcpus[0].regs[i] = v;
}

static struct guest_bin hello, psci, regs, mmio_rd, spin, ldp, a32;

static void test_hello(struct vmm_kvm *k)
{
	struct vmm_scenario s;
	struct vmm_result r;
	struct capture c;

	one_slot(&s, &hello, VMM_ARM64_AARCH64, PSCI);
	CHECK_EQ_U64(run(k, &s, &r, &c), VMM_V_POWEROFF);
	CHECK(strcmp(c.buf, "Hello from arm64\n") == 0);
	CHECK_EQ_U64(r.exits, 18); /* 17 UART stores + SYSTEM_EVENT */
	CHECK_EQ_U64(r.last_exit.reason, KVM_EXIT_SYSTEM_EVENT);
	CHECK_EQ_U64(r.last_exit.u.system_event.code,
		     KVM_SYSTEM_EVENT_SHUTDOWN);
	CHECK(r.have_state);
	/* pc is after the HVC (the PSCI call leaves its result in x0..x3,
	 * so the guest's x1/x2 are gone) */
	CHECK_EQ_U64(r.state.regs[VMM_ARM64_REG_PC], 0x1024);
	CHECK_EQ_U64(r.state.regs[VMM_ARM64_REG_PSTATE] & 0xF, 0x5); /* EL1h */
}

static void test_regs(struct vmm_kvm *k)
{
	struct vmm_scenario s;
	struct vmm_result r;
	struct capture c;

	one_slot(&s, &regs, VMM_ARM64_AARCH64, PSCI);
	set_reg(&s, 0, 5);
	set_reg(&s, 1, 7);
	set_reg(&s, 2, 0xF0);
	set_reg(&s, 3, 0xFF);
	set_reg(&s, VMM_ARM64_REG_SP, 0x80000);
	CHECK_EQ_U64(run(k, &s, &r, &c), VMM_V_POWEROFF);
	CHECK(strcmp(c.buf, "EL1\n") == 0);
	CHECK_EQ_U64(r.state.regs[5], 1U << 2); /* CurrentEL: EL1 */
	CHECK_EQ_U64(r.state.regs[6], 12);
	CHECK_EQ_U64(r.state.regs[7], 0x0F);
	CHECK_EQ_U64(r.state.regs[8], 12);     /* through the stack at sp */
	CHECK_EQ_U64(r.state.regs[10], 1);     /* SPSel: SP_EL1 */
	CHECK_EQ_U64(r.state.regs[11], 0x3C0); /* DAIF all masked at reset */
	CHECK_EQ_U64(r.state.regs[VMM_ARM64_REG_SP], 0x80000);
	/* the stack slot the guest used holds x6 */
	CHECK(r.mem_hash != 0);
}

static void test_psci(struct vmm_kvm *k)
{
	struct vmm_scenario s;
	struct vmm_result r;
	struct capture c;

	one_slot(&s, &psci, VMM_ARM64_AARCH64, PSCI);
	CHECK_EQ_U64(run(k, &s, &r, &c), VMM_V_POWEROFF);
	CHECK(r.state.regs[9] >= 0x2); /* PSCI_VERSION: 0.2 or later */
	CHECK(r.state.regs[9] < 0x10000000);
	set_reg(&s, 20, 1);
	CHECK_EQ_U64(run(k, &s, &r, &c), VMM_V_RESET);
	CHECK_EQ_U64(r.last_exit.u.system_event.code, KVM_SYSTEM_EVENT_RESET);
	/* without psci-0.2 the guest gets PSCI 0.1, which has no
	 * SYSTEM_OFF: the call fails and the guest spins until the timeout */
	one_slot(&s, &psci, VMM_ARM64_AARCH64, 0);
	s.timeout_ms = 300;
	CHECK_EQ_U64(run(k, &s, &r, &c), VMM_V_TIMEOUT);
	CHECK_STR_CONTAINS(r.err.msg, "run timeout after 300 ms");
	/* a vCPU that starts powered off never runs */
	one_slot(&s, &hello, VMM_ARM64_AARCH64,
		 PSCI | (1U << VMM_ARM64_FEAT_POWER_OFF));
	s.timeout_ms = 300;
	CHECK_EQ_U64(run(k, &s, &r, &c), VMM_V_TIMEOUT);
	CHECK_EQ_U64(c.len, 0);
}

static void test_devices_and_failures(struct vmm_kvm *k)
{
	static const uint8_t in[] = { 'a', 'b', 'c', 'd' };
	struct vmm_scenario s;
	struct vmm_result r;
	struct capture c;

	one_slot(&s, &mmio_rd, VMM_ARM64_AARCH64, PSCI);
	CHECK_EQ_U64(run(k, &s, &r, &c), VMM_V_GUEST);
	CHECK_STR_CONTAINS(r.err.msg, "unhandled device access: KVM_EXIT_MMIO "
				      "read gpa=0x20000000 len=1");
	s.flags = VMM_SCN_PERMISSIVE;
	s.has_input = 1;
	s.input = in;
	s.input_len = sizeof(in);
	CHECK_EQ_U64(run(k, &s, &r, &c), VMM_V_POWEROFF);
	CHECK(strcmp(c.buf, "abcd") == 0);

	one_slot(&s, &spin, VMM_ARM64_AARCH64, PSCI);
	s.timeout_ms = 200;
	CHECK_EQ_U64(run(k, &s, &r, &c), VMM_V_TIMEOUT);

	one_slot(&s, &ldp, VMM_ARM64_AARCH64, PSCI);
	CHECK_EQ_U64(run(k, &s, &r, &c), VMM_V_GUEST);
	if (vmm_kvm_cap(k, VMM_CAP_ARM_NISV_TO_USER))
		CHECK_STR_CONTAINS(r.err.msg, "KVM_EXIT_ARM_NISV");
	else
		CHECK_STR_CONTAINS(r.err.msg, "KVM_RUN");
}

static void test_aarch32_pmu(struct vmm_kvm *k)
{
	struct vmm_scenario s;
	struct vmm_result r;
	struct capture c;

	one_slot(&s, &a32, VMM_ARM64_AARCH32, PSCI);
	if (vmm_kvm_cap(k, VMM_CAP_ARM_EL1_32BIT)) {
		CHECK_EQ_U64(run(k, &s, &r, &c), VMM_V_POWEROFF);
		CHECK(strcmp(c.buf, "A32\n") == 0);
		CHECK_EQ_U64(r.state.regs[VMM_ARM64_REG_PSTATE] & 0x1F, 0x13);
	} else {
		CHECK_EQ_U64(run(k, &s, &r, &c), VMM_V_HOST);
		CHECK_STR_CONTAINS(r.err.msg, "mode aarch32");
	}
	one_slot(&s, &hello, VMM_ARM64_AARCH64,
		 PSCI | (1U << VMM_ARM64_FEAT_PMU_V3));
	if (vmm_kvm_cap(k, VMM_CAP_ARM_PMU_V3)) {
		CHECK_EQ_U64(run(k, &s, &r, &c), VMM_V_POWEROFF);
		CHECK(strcmp(c.buf, "Hello from arm64\n") == 0);
	} else {
		CHECK_EQ_U64(run(k, &s, &r, &c), VMM_V_HOST);
		CHECK_STR_CONTAINS(r.err.msg, "pmu-v3");
	}
}

static void test_arch_mismatch(struct vmm_kvm *k)
{
	struct vmm_scenario s;
	struct vmm_result r;
	struct capture c;

	one_slot(&s, &hello, 0, 0);
	s.arch = VMM_ARCH_X86_64;
	CHECK_EQ_U64(run(k, &s, &r, &c), VMM_V_HOST);
	CHECK_STR_CONTAINS(r.err.msg, "this is an x86_64 scenario and this "
				      "host runs arm64");
}

/* Reset mode gives what fresh mode gives, after a different scenario ran
 * on the same VM; a feature change falls back to a fresh VM. */
static void test_reset(struct vmm_kvm *k)
{
	struct vmm_session *ss = calloc(1, sizeof(*ss));
	struct vmm_scenario sc[4];
	struct vmm_result fr, rr;
	struct capture fc, rc;
	struct vmm_error e;

	CHECK(ss != NULL);
	if (!ss)
		return;
	vmm_err_clear(&e);
	CHECK(vmm_session_init(ss, k, 0, &e) == 0);
	one_slot(&sc[0], &regs, VMM_ARM64_AARCH64, PSCI);
	set_reg(&sc[0], 0, 1);
	set_reg(&sc[0], VMM_ARM64_REG_SP, 0x80000);
	one_slot(&sc[1], &hello, VMM_ARM64_AARCH64, PSCI);
	one_slot(&sc[2], &regs, VMM_ARM64_AARCH64, PSCI); /* sp left at reset */
	one_slot(&sc[3], &hello, VMM_ARM64_AARCH64,
		 PSCI | (1U << VMM_ARM64_FEAT_PMU_V3));
	for (int round = 0; round < 2; round++) {
		for (int j = 0; j < 5; j++) {
			int i = j < 4 ? j : 3; /* pmu-v3 twice in a row */
			if (i == 3 && !vmm_kvm_cap(k, VMM_CAP_ARM_PMU_V3))
				continue;
			vmm_err_clear(&e);
			(void)run(k, &sc[i], &fr, &fc);
			(void)run_with(k, ss, &sc[i], &rr, &rc);
			if (rr.verdict != fr.verdict)
				(void)fprintf(stderr,
					      "round %d scenario %d: fresh %s "
					      "(%s), reset %s (%s)\n",
					      round, i,
					      vmm_verdict_name(fr.verdict),
					      fr.err.msg,
					      vmm_verdict_name(rr.verdict),
					      rr.err.msg);
			CHECK_EQ_U64(rr.verdict, fr.verdict);
			CHECK_EQ_U64(rr.trace_hash, fr.trace_hash);
			CHECK_EQ_U64(rr.mem_hash, fr.mem_hash);
			CHECK(strcmp(rc.buf, fc.buf) == 0);
			CHECK(memcmp(rr.state.regs, fr.state.regs,
				     sizeof(fr.state.regs)) == 0);
		}
	}
	CHECK(ss->resets > 0);
	if (vmm_kvm_cap(k, VMM_CAP_ARM_PMU_V3))
		CHECK(ss->fallbacks >= 2); /* into and out of pmu-v3 */
	vmm_session_destroy(ss);
	free(ss);
}

int main(int argc, char **argv)
{
	struct vmm_kvm k;
	struct vmm_error e;
	const char *dir = argc > 1 ? argv[1] : "guests";

	if (!kvm_present()) {
		(void)printf("SKIP: /dev/kvm is absent\n");
		return CHECK_SKIP_RC;
	}
	if (guest_load(dir, "uart_hello", &hello) < 0 ||
	    guest_load(dir, "psci_off", &psci) < 0 ||
	    guest_load(dir, "el_regs", &regs) < 0 ||
	    guest_load(dir, "mmio_read", &mmio_rd) < 0 ||
	    guest_load(dir, "spin", &spin) < 0 ||
	    guest_load(dir, "ldp_mmio", &ldp) < 0 ||
	    guest_load(dir, "aarch32_hello", &a32) < 0)
		return 2;
	vmm_err_clear(&e);
	if (vmm_kvm_open(&k, NULL, NULL, &e) < 0) {
		(void)printf("cannot open KVM: %s\n", e.msg);
		return 2;
	}
	test_hello(&k);
	test_regs(&k);
	test_psci(&k);
	test_devices_and_failures(&k);
	test_aarch32_pmu(&k);
	test_arch_mismatch(&k);
	test_reset(&k);
	vmm_kvm_close(&k);
	return check_report("test_arm64");
}

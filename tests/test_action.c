/* Action records in the pipeline: each kind's effect as the guest, the
 * exit trace or the action's result shows it; documented refusals traced
 * and no finding; an errno nothing documents an ioctl-anomaly; a record
 * the host cannot honour host-unsupported. (Fresh/reset equivalence:
 * tests/test_reset.c check_action_records.) */
#include "tests/check.h"
#include "tests/guest_files.h"
#include "tests/scenario_builder.h"
#include "vmm/kmsg.h"
#include "vmm/oracle.h"
#include "vmm/pipeline.h"
#include "vmm/watchdog.h"
#include "vmm/x86/mode.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define EXTRA_GPA 0x400000ULL /* slot 1, outside slot 0's 2 MiB */
#define OTHER_GPA 0x600000ULL

static struct vmm_action_event evs[VMM_MAX_SCN_ACTIONS];
static unsigned int nevs;

static void on_action(void *ctx, const struct vmm_action_event *ev)
{
	(void)ctx;
	if (nevs < VMM_MAX_SCN_ACTIONS)
		evs[nevs++] = *ev;
}

static const struct vmm_hooks hooks = { .on_action = on_action };

/* out to the console (an exit), then the registers the actions set */
static const uint8_t g_state[] = {
	0x66, 0xba, 0xf8, 0x03, /* mov $0x3f8, %dx */
	0xee,			/* out %al, (%dx): exit 1 */
	0x0f, 0x20, 0xd1,	/* mov %cr2, %rcx */
	0x0f, 0x21, 0xc2,	/* mov %dr0, %rdx */
	0xf4,			/* hlt */
};
/* out, then a read of 0x400000 / 0x600000 / 0x401000 into rax */
#define G_READ(a0, a1, a2)                                                  \
	{                                                                   \
		0x66, 0xba, 0xf8, 0x03, 0xee, 0x48, 0x8b, 0x04, 0x25, (a0), \
			(a1), (a2), 0x00, 0xf4                              \
	}
static const uint8_t g_read_extra[] = G_READ(0x00, 0x00, 0x40);
static const uint8_t g_read_other[] = G_READ(0x00, 0x00, 0x60);
static const uint8_t g_read_grown[] = G_READ(0x00, 0x10, 0x40);
/* out, then a write of rbx to 0x400000 */
static const uint8_t g_write_extra[] = {
	0x66, 0xba, 0xf8, 0x03, 0xee,			/* out: exit 1 */
	0x48, 0x89, 0x1c, 0x25, 0x00, 0x00, 0x40, 0x00, /* mov %rbx, ... */
	0xf4,
};
/* a write to 0x400000 and 0x401000, then out, hlt */
static const uint8_t g_dirty[] = {
	0x48, 0x89, 0x1c, 0x25, 0x00, 0x00, 0x40, 0x00, /* mov %rbx, ... */
	0x48, 0x89, 0x1c, 0x25, 0x00, 0x10, 0x40, 0x00, /* mov %rbx, ... */
	0x66, 0xba, 0xf8, 0x03, 0xee, 0xf4,
};
/* two outs, hlt */
static const uint8_t g_two_outs[] = {
	0x66, 0xba, 0xf8, 0x03, 0xee, 0xee, 0xf4
};
static const uint8_t extra_data[] = { 0x55 };

static void scen(struct vmm_scenario *s, const uint8_t *code, size_t n)
{
	sb_begin(s, 0x200000, 5000);
	s->max_exits = 16;
	(void)sb_code(s, VMM_MODE_LONG64, 0x1000, code, n);
}

static void scen_extra(struct vmm_scenario *s, const uint8_t *code, size_t n,
		       uint64_t size, uint32_t flags)
{
	scen(s, code, n);
	sb_slot(s, 1, EXTRA_GPA, size, flags);
	sb_blob(s, EXTRA_GPA, extra_data, sizeof(extra_data));
}

static enum vmm_verdict run(struct vmm_kvm *k, const struct vmm_scenario *s,
			    struct vmm_result *r)
{
	nevs = 0;
	return vmm_pipeline_run(k, s, &hooks, r);
}

static int no_finding(const struct vmm_result *r)
{
	char sig[VMM_SIG_MAX];

	return vmm_oracle_classify(r, sig, sizeof(sig)) == VMM_FIND_NONE;
}

/* reg, sreg, debugreg: the guest reads what the action set */
static void check_state_kinds(struct vmm_kvm *k)
{
	static struct vmm_result r;
	struct vmm_scenario s;

	scen(&s, g_state, sizeof(g_state));
	s.vcpus[0].reg_mask = 1U << 1;
	s.vcpus[0].regs[1] = 0x11;
	sb_action(&s, VMM_AK_REG, 1, 1, 0x77, 0);		/* rbx */
	sb_action(&s, VMM_AK_SREG, 1, VMM_SREG_CR2, 0x1234, 0); /* cr2 */
	sb_action(&s, VMM_AK_DEBUGREG, 1, 0, 0x5000, 0);	/* dr0 */
	CHECK(run(k, &s, &r) == VMM_V_HALT);
	CHECK_EQ_U64(r.state.regs.rbx, 0x77);
	CHECK_EQ_U64(r.state.regs.rcx, 0x1234);
	CHECK_EQ_U64(r.state.regs.rdx, 0x5000);
	CHECK_EQ_U64(r.actions_fired, 3);
	CHECK_EQ_U64(r.actions_refused, 0);
	CHECK_EQ_U64(nevs, 3);
	CHECK_EQ_U64(evs[0].kind, VMM_AK_REG);
	CHECK_EQ_U64(evs[0].vcpu_exit, 1);
	CHECK_EQ_U64(evs[0].err, 0);

	/* at the second exit instead: after the reads, not seen */
	scen(&s, g_state, sizeof(g_state));
	sb_action(&s, VMM_AK_SREG, 2, VMM_SREG_CR2, 0x1234, 0);
	CHECK(run(k, &s, &r) == VMM_V_HALT);
	CHECK(r.state.regs.rcx != 0x1234);
	CHECK_EQ_U64(r.actions_fired, 1);

	/* a reason trigger fires once, at the first exit of the reason */
	scen(&s, g_two_outs, sizeof(g_two_outs));
	sb_action(&s, VMM_AK_REG, KVM_EXIT_IO, 1, 0x99, 0);
	s.actions[0].trigger = VMM_AT_REASON;
	CHECK(run(k, &s, &r) == VMM_V_HALT);
	CHECK_EQ_U64(r.actions_fired, 1);
	CHECK_EQ_U64(evs[0].vcpu_exit, 1);
	CHECK_EQ_U64(r.state.regs.rbx, 0x99);

	/* an sregs value KVM refuses: EINVAL, traced, the run goes on */
	scen(&s, g_state, sizeof(g_state));
	sb_action(&s, VMM_AK_SREG, 1, VMM_SREG_CR4, 1ULL << 40, 0);
	CHECK(run(k, &s, &r) == VMM_V_HALT);
	CHECK_EQ_U64(r.actions_refused, 1);
	CHECK_EQ_U64(evs[0].err, EINVAL);
	CHECK_STR_CONTAINS(evs[0].call ? evs[0].call : "", "KVM_SET_SREGS");
	CHECK(no_finding(&r));
}

/* slots: what the guest's next access finds */
static void check_slot_kinds(struct vmm_kvm *k)
{
	static struct vmm_result r;
	struct vmm_scenario s;

	/* without actions: the extra slot's byte */
	scen_extra(&s, g_read_extra, sizeof(g_read_extra), 0x1000, 0);
	CHECK(run(k, &s, &r) == VMM_V_HALT);
	CHECK_EQ_U64(r.state.regs.rax & 0xff, 0x55);
	/* deleted: the read is an MMIO exit */
	sb_action(&s, VMM_AK_SLOT_DELETE, 1, 1, 0, 0);
	CHECK(run(k, &s, &r) == VMM_V_GUEST);
	CHECK_EQ_U64(r.last_exit.reason, KVM_EXIT_MMIO);
	CHECK_EQ_U64(r.last_exit.u.mmio.gpa, EXTRA_GPA);
	CHECK(no_finding(&r));
	/* deleted, then moved: the move is the VMM's refusal (no slot) */
	sb_action(&s, VMM_AK_SLOT_MOVE, 1, 1, OTHER_GPA, 0);
	CHECK(run(k, &s, &r) == VMM_V_GUEST);
	CHECK_EQ_U64(r.actions_refused, 1);
	CHECK_EQ_U64(evs[1].err, -1);

	/* moved: the byte is at the new address */
	scen_extra(&s, g_read_other, sizeof(g_read_other), 0x1000, 0);
	CHECK(run(k, &s, &r) == VMM_V_GUEST); /* nothing there yet */
	sb_action(&s, VMM_AK_SLOT_MOVE, 1, 1, OTHER_GPA, 0);
	CHECK(run(k, &s, &r) == VMM_V_HALT);
	CHECK_EQ_U64(r.state.regs.rax & 0xff, 0x55);
	/* moved onto slot 0: EEXIST, traced */
	scen_extra(&s, g_read_extra, sizeof(g_read_extra), 0x1000, 0);
	sb_action(&s, VMM_AK_SLOT_MOVE, 1, 1, 0x100000, 0);
	CHECK(run(k, &s, &r) == VMM_V_HALT);
	CHECK_EQ_U64(evs[0].err, EEXIST);
	CHECK(no_finding(&r));

	/* added: RAM where there was none */
	scen(&s, g_read_other, sizeof(g_read_other));
	sb_action(&s, VMM_AK_SLOT_ADD, 1, 2, OTHER_GPA, 0x1000);
	CHECK(run(k, &s, &r) == VMM_V_HALT);
	CHECK_EQ_U64(r.state.regs.rax, 0);
	CHECK_EQ_U64(r.actions_refused, 0);

	/* resized: the second page is RAM, the first keeps its byte */
	scen_extra(&s, g_read_grown, sizeof(g_read_grown), 0x1000, 0);
	CHECK(run(k, &s, &r) == VMM_V_GUEST);
	sb_action(&s, VMM_AK_SLOT_RESIZE, 1, 1, 0, 0x2000);
	CHECK(run(k, &s, &r) == VMM_V_HALT);
	CHECK_EQ_U64(r.state.regs.rax, 0);
	scen_extra(&s, g_read_extra, sizeof(g_read_extra), 0x1000, 0);
	sb_action(&s, VMM_AK_SLOT_RESIZE, 1, 1, 0, 0x2000);
	CHECK(run(k, &s, &r) == VMM_V_HALT);
	CHECK_EQ_U64(r.state.regs.rax & 0xff, 0x55);

	/* readonly: the write becomes an MMIO exit */
	scen_extra(&s, g_write_extra, sizeof(g_write_extra), 0x1000, 0);
	CHECK(run(k, &s, &r) == VMM_V_HALT);
	sb_action(&s, VMM_AK_SLOT_FLAGS, 1, 1, VMM_SLOT_READONLY, 0);
	CHECK(run(k, &s, &r) == VMM_V_GUEST);
	CHECK_EQ_U64(r.last_exit.reason, KVM_EXIT_MMIO);
	CHECK_EQ_U64(r.last_exit.u.mmio.is_write, 1);
	CHECK_EQ_U64(r.last_exit.u.mmio.gpa, EXTRA_GPA);

	/* dirty log: the pages the guest wrote, then cleared */
	scen_extra(&s, g_dirty, sizeof(g_dirty), 0x2000, VMM_SLOT_DIRTY_LOG);
	sb_action(&s, VMM_AK_DIRTY_GET, 1, 1, 0, 0);
	CHECK(run(k, &s, &r) == VMM_V_HALT);
	CHECK_EQ_U64(evs[0].err, 0);
	CHECK_EQ_U64(evs[0].value, 2);
	scen_extra(&s, g_dirty, sizeof(g_dirty), 0x2000, VMM_SLOT_DIRTY_LOG);
	/* in canonical order: slot 0 has no dirty logging (ENOENT), slot
	 * 1's pages, cleared, a first page not a multiple of 64 (EINVAL) */
	sb_action(&s, VMM_AK_DIRTY_GET, 1, 0, 0, 0);
	sb_action(&s, VMM_AK_DIRTY_GET, 1, 1, 0, 0);
	sb_action(&s, VMM_AK_DIRTY_CLEAR, 1, 1, 0, 2);
	sb_action(&s, VMM_AK_DIRTY_CLEAR, 1, 1, 1, 1);
	CHECK(run(k, &s, &r) == VMM_V_HALT);
	CHECK_EQ_U64(nevs, 4);
	CHECK_EQ_U64(evs[0].err, ENOENT);
	CHECK_EQ_U64(evs[1].value, 2);
	CHECK_EQ_U64(evs[2].err, 0);
	CHECK_EQ_U64(evs[3].err, EINVAL);
	CHECK(no_finding(&r));
}

/* interrupts and events: without an IDT, anything delivered ends in a
 * triple fault (KVM_EXIT_SHUTDOWN) where the guest would have halted */
static void check_event_kinds(struct vmm_kvm *k)
{
	static struct vmm_result r;
	struct vmm_scenario s;

	scen(&s, g_two_outs, sizeof(g_two_outs));
	CHECK(run(k, &s, &r) == VMM_V_HALT);
	sb_action(&s, VMM_AK_NMI, 1, 0, 0, 0);
	CHECK(run(k, &s, &r) == VMM_V_GUEST);
	CHECK_EQ_U64(r.last_exit.reason, KVM_EXIT_SHUTDOWN);
	CHECK(no_finding(&r));

	scen(&s, g_two_outs, sizeof(g_two_outs));
	sb_action(&s, VMM_AK_EVENTS, 1, VMM_EV_EXC, 6, 0); /* #UD */
	CHECK(run(k, &s, &r) == VMM_V_GUEST);
	CHECK_EQ_U64(r.last_exit.reason, KVM_EXIT_SHUTDOWN);

	scen(&s, g_two_outs, sizeof(g_two_outs));
	s.vcpus[0].reg_mask = 1ULL << 17; /* rflags: IF */
	s.vcpus[0].regs[17] = 0x202;
	CHECK(run(k, &s, &r) == VMM_V_HALT);
	sb_action(&s, VMM_AK_INTERRUPT, 1, 0x20, 0, 0);
	CHECK(run(k, &s, &r) == VMM_V_GUEST);
	CHECK_EQ_U64(r.last_exit.reason, KVM_EXIT_SHUTDOWN);
	CHECK_EQ_U64(evs[0].err, 0);

	/* no in-kernel irqchip: refused with documented errnos */
	scen(&s, g_two_outs, sizeof(g_two_outs));
	sb_action(&s, VMM_AK_IRQ_LINE, 1, 4, 1, 0);
	sb_action(&s, VMM_AK_MSI, 1, 0, 0xfee00000ULL, 0x41);
	sb_action(&s, VMM_AK_LAPIC, 1, 0x80, 0x10, 0);
	CHECK(run(k, &s, &r) == VMM_V_HALT);
	CHECK_EQ_U64(r.actions_fired, 3);
	CHECK_EQ_U64(r.actions_refused, 3);
	CHECK_EQ_U64(evs[0].err, ENXIO);
	CHECK(evs[1].err == EINVAL || evs[1].err == ENXIO);
	CHECK_EQ_U64(evs[2].err, EINVAL);
	CHECK_STR_CONTAINS(evs[2].call ? evs[2].call : "", "KVM_GET_LAPIC");
	CHECK(no_finding(&r));

	/* SMI: host-unsupported without KVM_CAP_X86_SMM */
	scen(&s, g_two_outs, sizeof(g_two_outs));
	sb_action(&s, VMM_AK_SMI, 1, 0, 0, 0);
	if (!vmm_kvm_cap(k, VMM_CAP_X86_SMM)) {
		CHECK(run(k, &s, &r) == VMM_V_HOST);
		CHECK_STR_CONTAINS(r.err.msg, "KVM_CAP_X86_SMM");
		CHECK(no_finding(&r));
	}
}

/* guest debug, immediate_exit */
static void check_run_kinds(struct vmm_kvm *k)
{
	static struct vmm_result r, plain;
	struct vmm_scenario s;

	scen(&s, g_two_outs, sizeof(g_two_outs));
	CHECK(run(k, &s, &plain) == VMM_V_HALT);
	sb_action(&s, VMM_AK_GUEST_DEBUG, 1, 0,
		  VMM_GDBG_ENABLE | VMM_GDBG_SINGLESTEP, 0);
	/* stepping on (over the HLT, into the zeros after it) until the
	 * exit budget: the exits after the second out are debug exits, a
	 * handled exit for the action's target */
	CHECK(run(k, &s, &r) == VMM_V_BUDGET);
	CHECK(r.exits > plain.exits);
	CHECK_EQ_U64(r.recent[1].reason, KVM_EXIT_IO);
	CHECK_EQ_U64(r.recent[2].reason, KVM_EXIT_DEBUG);
	CHECK(no_finding(&r));

	scen(&s, g_two_outs, sizeof(g_two_outs));
	sb_action(&s, VMM_AK_IMMEDIATE_EXIT, 1, 0, 0, 0);
	CHECK(run(k, &s, &r) == VMM_V_HALT);
	CHECK_EQ_U64(r.exits, plain.exits);
	CHECK_EQ_U64(r.actions_fired, 1);
	CHECK_EQ_U64(evs[0].err, 0);
	CHECK(r.trace_hash != plain.trace_hash); /* the action is traced */
}

/* An errno nothing documents for the call: an ioctl-anomaly. */
static int eio_ioctl(void *ctx, int fd, unsigned long req, void *arg)
{
	const struct vmm_sysops *real = ctx;

	if (req == KVM_NMI) {
		errno = EIO;
		return -1;
	}
	return real->ioctl(real->ctx, fd, req, arg);
}

static void check_anomaly(void)
{
	static struct vmm_result r;
	const struct vmm_sysops *real = vmm_sysops_default();
	struct vmm_sysops ops = *real;
	struct vmm_kvm k;
	struct vmm_error e;
	struct vmm_scenario s;
	char sig[VMM_SIG_MAX];

	ops.ioctl = eio_ioctl;
	ops.ctx = (void *)real;
	/* the real table's functions take its own ctx */
	vmm_err_clear(&e);
	if (vmm_kvm_open(&k, NULL, &ops, &e) < 0) {
		CHECK(0);
		return;
	}
	scen(&s, g_two_outs, sizeof(g_two_outs));
	sb_action(&s, VMM_AK_NMI, 1, 0, 0, 0);
	(void)run(&k, &s, &r);
	CHECK(vmm_oracle_classify(&r, sig, sizeof(sig)) ==
	      VMM_FIND_IOCTL_ANOMALY);
	CHECK_STR_CONTAINS(sig, "ioctl-anomaly KVM_NMI EIO");
	CHECK_STR_CONTAINS(r.err.msg, "action 0 (nmi)");
	vmm_kvm_close(&k);
}

/* Concurrent mode: two vCPUs each printing and halting while another
 * thread adds and deletes slots, sets a register and kicks a vCPU at
 * random times: every run halts with all exits, fires every action and
 * finds nothing. */
static void check_concurrent(struct vmm_kvm *k)
{
	static struct vmm_result r;
	struct vmm_hooks h;
	struct vmm_scenario s;
	unsigned int halted = 0, all_fired = 0, clean = 0;

	scen(&s, g_two_outs, sizeof(g_two_outs));
	(void)sb_code(&s, VMM_MODE_LONG64, 0x1000, g_two_outs,
		      sizeof(g_two_outs));
	sb_slot(&s, 1, EXTRA_GPA, 0x1000, 0);
	sb_action(&s, VMM_AK_SLOT_ADD, 1, 2, OTHER_GPA, 0x2000);
	sb_action(&s, VMM_AK_SLOT_DELETE, 1, 1, 0, 0);
	sb_action(&s, VMM_AK_REG, 1, 1, 0x77, 0);
	sb_action(&s, VMM_AK_IMMEDIATE_EXIT, 1, 0, 0, 0);
	s.actions[2].target = 1;
	for (unsigned int i = 0; i < 20; i++) {
		memset(&h, 0, sizeof(h));
		h.on_action = on_action;
		h.concurrent_seed = 0x1234567ULL * (i + 1);
		nevs = 0;
		(void)vmm_pipeline_run(k, &s, &h, &r);
		if (r.verdict != VMM_V_HALT || r.actions_fired != 4)
			(void)printf("concurrent run %u: %s exits=%llu "
				     "fired=%u %s\n",
				     i, vmm_verdict_name(r.verdict),
				     (unsigned long long)r.exits,
				     r.actions_fired, r.err.msg);
		halted += r.verdict == VMM_V_HALT && r.exits == 6;
		all_fired += r.actions_fired == 4 && nevs == 4;
		clean += no_finding(&r);
	}
	(void)printf("concurrent: 20 runs, %u halted with 6 exits, %u fired "
		     "all 4 actions, %u without a finding\n",
		     halted, all_fired, clean);
	CHECK_EQ_U64(halted, 20);
	CHECK_EQ_U64(all_fired, 20);
	CHECK_EQ_U64(clean, 20);
}

/* The kernel-log oracle in concurrent mode, through the input runner: a
 * kernel-log line logged while the vCPU threads run (written from a vCPU
 * thread's exit hook) makes the run a host-kernel-log finding; the same
 * run without it finds nothing. The log is a pipe standing in for
 * /dev/kmsg (the watcher reads one record per read(2) from its fd), not
 * /dev/kmsg itself: a WARNING line there would be a finding for every
 * kernel-log oracle running on the host at the time. */
struct kmsg_inject {
	int fd;	   /* the pipe's write end */
	int armed; /* write the line at the first exit */
	unsigned int written, exits;
};

static void kmsg_on_exit(void *ctx, uint32_t vcpu, const struct vmm_exit *x)
{
	static const char rec[] = "4,901,123456,-;kvmfuzz test_action: "
				  "WARNING: synthetic line during a "
				  "concurrent run\n";
	struct kmsg_inject *in = ctx; /* called under the run's lock */

	(void)vcpu;
	(void)x;
	in->exits++;
	if (in->armed && !in->written &&
	    write(in->fd, rec, sizeof(rec) - 1) == (ssize_t)(sizeof(rec) - 1))
		in->written++;
}

static void check_concurrent_kmsg(struct vmm_kvm *k)
{
	static struct vmm_input_outcome o;
	static uint8_t buf[4096];
	struct kmsg_inject in = { -1, 0, 0, 0 };
	struct vmm_kmsg km = { -1, NULL };
	struct vmm_scenario s;
	struct vmm_hooks h;
	struct vmm_error e;
	int p[2];
	size_t n;

	scen(&s, g_two_outs, sizeof(g_two_outs));
	(void)sb_code(&s, VMM_MODE_LONG64, 0x1000, g_two_outs,
		      sizeof(g_two_outs));
	sb_action(&s, VMM_AK_REG, 1, 1, 0x77, 0);
	sb_action(&s, VMM_AK_IMMEDIATE_EXIT, 1, 0, 0, 0);
	s.actions[1].target = 1;
	vmm_err_clear(&e);
	n = vmm_scenario_encode(&s, buf, sizeof(buf), &e);
	CHECK(n > 0 && n <= sizeof(buf));
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0) {
		CHECK(0);
		return;
	}
	km.fd = p[0];
	in.fd = p[1];
	for (int with = 0; with < 2; with++) {
		in.armed = with;
		in.written = 0;
		in.exits = 0;
		memset(&h, 0, sizeof(h));
		h.on_exit = kmsg_on_exit;
		h.ctx = &in;
		h.skip_state = 1;
		h.concurrent_seed = 0xC0FFEEULL + (uint64_t)with;
		vmm_run_input(k, buf, n, &h, &km, NULL, &o);
		(void)printf("concurrent run, %s a kernel-log line: verdict=%s "
			     "exits=%u actions=%u finding=%s sig=\"%s\"\n",
			     with ? "with" : "without",
			     vmm_verdict_name(o.result.verdict), in.exits,
			     o.result.actions_fired,
			     vmm_finding_name(o.finding), o.sig);
		CHECK_EQ_U64(o.result.verdict, VMM_V_HALT);
		CHECK_EQ_U64(in.exits, 6);
		CHECK_EQ_U64(o.result.actions_fired, 2);
		CHECK_EQ_U64(in.written, (unsigned int)with);
		CHECK_EQ_U64(o.finding,
			     with ? VMM_FIND_HOST_KERNEL_LOG : VMM_FIND_NONE);
		if (with)
			CHECK_STR_CONTAINS(o.sig, "host-kernel-log "
						  "kvmfuzz test_action: "
						  "WARNING: synthetic line");
	}
	(void)close(p[1]);
	vmm_kmsg_close(&km);
}

/* The hang watchdog in concurrent mode: armed when the vCPU threads start
 * and again at every exit any of them takes. An exit handler that holds
 * its vCPU past the scenario's timeout + VMM_HANG_GRACE_MS is reported;
 * a run whose exits each come within the limit is not, however long it
 * takes in all. The stall stands in for a KVM_RUN that does not return:
 * the watchdog sees the same thing, no exit within the limit. */
struct stall {
	unsigned int every_ms; /* sleep at every exit */
	unsigned int once_ms;  /* sleep at the first exit */
	unsigned int exits;
	int fired;
	uint64_t limit_ms;
};

static void stall_ms(unsigned int ms)
{
	struct timespec t = { (time_t)(ms / 1000U),
			      (long)(ms % 1000U) * 1000000L };

	while (nanosleep(&t, &t) != 0 && errno == EINTR)
		;
}

static void stall_on_exit(void *ctx, uint32_t vcpu, const struct vmm_exit *x)
{
	struct stall *st = ctx; /* called under the run's lock */

	(void)vcpu;
	(void)x;
	if (st->exits++ == 0 && st->once_ms)
		stall_ms(st->once_ms);
	if (st->every_ms)
		stall_ms(st->every_ms);
}

static void stall_on_hang(void *ctx, uint64_t limit_ms)
{
	struct stall *st = ctx;

	__atomic_store_n(&st->limit_ms, limit_ms, __ATOMIC_RELAXED);
	__atomic_store_n(&st->fired, 1, __ATOMIC_RELEASE);
}

static void check_concurrent_watchdog(struct vmm_kvm *k)
{
	/* five OUTs to COM1, then HLT: six exits */
	static const uint8_t outs[] = { 0x66, 0xba, 0xf8, 0x03, 0xee,
					0xee, 0xee, 0xee, 0xee, 0xf4 };
	static const struct {
		const char *what;
		unsigned int every_ms, once_ms;
		int fires;
	} cases[] = {
		/* 6 x 0.8 s: 4.8 s in all, past the 3 s limit, each exit
		 * well within it */
		{ "an exit every 0.8 s", 800, 0, 0 },
		/* the service is the VMM's own work, not a vCPU in
		 * KVM_RUN: not watched (the engine's timeout is for it) */
		{ "one exit's service held 3.5 s", 0, 3500, 0 },
	};
	static struct vmm_input_outcome o;
	static uint8_t buf[4096];
	struct vmm_watchdog w;
	struct vmm_scenario s;
	struct vmm_hooks h;
	struct vmm_error e;
	size_t n;

	scen(&s, outs, sizeof(outs));
	s.timeout_ms = 1000; /* the watchdog's limit: 1 s + 2 s grace */
	vmm_err_clear(&e);
	n = vmm_scenario_encode(&s, buf, sizeof(buf), &e);
	CHECK(n > 0 && n <= sizeof(buf));
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct stall st = { cases[c].every_ms, cases[c].once_ms, 0, 0,
				    0 };

		vmm_err_clear(&e);
		if (vmm_watchdog_start(&w, stall_on_hang, &st, &e) < 0) {
			(void)fprintf(stderr, "watchdog: %s\n", e.msg);
			CHECK(0);
			return;
		}
		memset(&h, 0, sizeof(h));
		h.on_exit = stall_on_exit;
		h.ctx = &st;
		h.skip_state = 1;
		h.concurrent_seed = 0x5EEDULL + c;
		vmm_run_input(k, buf, n, &h, NULL, &w, &o);
		vmm_watchdog_stop(&w);
		(void)printf("concurrent watchdog, %s: verdict=%s exits=%u "
			     "fired=%d limit_ms=%llu\n",
			     cases[c].what, vmm_verdict_name(o.result.verdict),
			     st.exits, st.fired,
			     (unsigned long long)st.limit_ms);
		CHECK_EQ_U64(o.result.verdict, VMM_V_HALT);
		CHECK_EQ_U64(st.exits, 6);
		CHECK_EQ_U64(__atomic_load_n(&st.fired, __ATOMIC_ACQUIRE),
			     (unsigned int)cases[c].fires);
		if (cases[c].fires)
			CHECK_EQ_U64(st.limit_ms, 1000 + VMM_HANG_GRACE_MS);
	}
}

struct out_count {
	unsigned int n;
};

static void count_out(void *ctx, const uint8_t *b, size_t n)
{
	struct out_count *oc = ctx;

	for (size_t i = 0; i < n; i++)
		oc->n += b[i] == 'r';
}

/* Register actions racing with a running vCPU in concurrent mode: each is
 * KVM_GET_REGS, a change, KVM_SET_REGS. The vCPU is held out of KVM_RUN
 * for the action; without that it could run between the two ioctls and
 * the write would take back what the guest did meanwhile (its loop
 * counter, its RIP: a letter printed twice). */
static void check_concurrent_reg_hold(struct vmm_kvm *k)
{
	/* 16 times: out 'r' to 0xe9, a short wait; then hlt */
	static const uint8_t loop[] = {
		0xb9, 0x10, 0x00, 0x00, 0x00, /* mov $16, %ecx */
		0xb0, 0x72,		      /* 5: mov $'r', %al */
		0xe6, 0xe9,		      /* out %al, $0xe9 */
		0xba, 0x64, 0x00, 0x00, 0x00, /* mov $100, %edx */
		0xff, 0xca,		      /* 0xe: dec %edx */
		0x75, 0xfc,		      /* jnz 0xe */
		0xff, 0xc9,		      /* dec %ecx */
		0x75, 0xef,		      /* jnz 5 */
		0xf4,			      /* hlt */
	};
	static struct vmm_result r;
	struct vmm_scenario s;
	struct vmm_hooks h;
	struct out_count oc;
	unsigned int bad = 0, runs = 60, halted = 0;

	scen(&s, loop, sizeof(loop));
	s.max_exits = 64; /* 16 OUTs, the HLT */
	for (unsigned int q = 0; q < VMM_MAX_SCN_ACTIONS; q++)
		sb_action(&s, VMM_AK_REG, 1, 1, 0x1000 + q, 0); /* rbx */
	for (unsigned int run = 0; run < runs; run++) {
		memset(&h, 0, sizeof(h));
		memset(&oc, 0, sizeof(oc));
		h.out.write = count_out;
		h.out.ctx = &oc;
		h.skip_state = 1;
		h.concurrent_seed = 0xACE0ULL + run;
		(void)vmm_pipeline_run(k, &s, &h, &r);
		halted += r.verdict == VMM_V_HALT;
		if (r.verdict == VMM_V_HALT && oc.n != 16)
			bad++;
	}
	(void)printf("concurrent reg actions against a counting guest: "
		     "%u runs, %u halted, %u with a wrong letter count\n",
		     runs, halted, bad);
	CHECK_EQ_U64(halted, runs);
	CHECK_EQ_U64(bad, 0);
}

int main(void)
{
	struct vmm_kvm k;
	struct vmm_error e;

	if (!kvm_present()) {
		(void)printf("SKIP: /dev/kvm is absent\n");
		return CHECK_SKIP_RC;
	}
	vmm_err_clear(&e);
	if (vmm_kvm_open(&k, NULL, NULL, &e) < 0)
		return 1;
	check_state_kinds(&k);
	check_slot_kinds(&k);
	check_event_kinds(&k);
	check_run_kinds(&k);
	check_anomaly();
	check_concurrent(&k);
	check_concurrent_kmsg(&k);
	check_concurrent_watchdog(&k);
	check_concurrent_reg_hold(&k);
	vmm_kvm_close(&k);
	return check_report("test_action");
}

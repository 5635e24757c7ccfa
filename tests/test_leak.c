/* 1000 create/run/destroy cycles through the pipeline, mixing clean halts
 * with every kind of failure path, must leave the process's open file
 * descriptors and memory mappings exactly as they were.
 * Usage: test_leak GUEST_DIR [CYCLES] */
#include "tests/check.h"
#include "tests/scenario_builder.h"
#include "tests/guest_files.h"
#include "tests/proc_util.h"
#include "vmm/closer.h"
#include "vmm/pipeline.h"
#include "vmm/session.h"
#include "vmm/x86/mode.h"

/* In-kernel irqchip VMs, whose close waits for the kernel, go to the
 * closer's threads once it runs (vmm/closer.h): every one is handed over
 * (none closed inline with the queue this deep), and once the closer has
 * drained, fds and mappings are back where they were. */
static void closer_cycles(struct vmm_kvm *k, const struct guest_bin *hlt,
			  unsigned long n)
{
	struct vmm_scenario s;
	struct vmm_result r;
	struct vmm_closer_stats cs;
	struct vmm_error e;
	unsigned long halts = 0;
	int fds0, maps0, fds1, maps1;

	vmm_err_clear(&e);
	CHECK(vmm_closer_start(k, &e) == 0);
	fds0 = proc_fd_count();
	maps0 = proc_map_count();
	for (unsigned long i = 0; i < n; i++) {
		sb_begin(&s, 0x200000, 2000);
		(void)sb_code(&s, VMM_MODE_REAL16, 0x1000, hlt->data, hlt->len);
		s.has_irqchip = 1;
		s.irqchip_mode = VMM_IRQCHIP_KERNEL;
		if (vmm_pipeline_run(k, &s, NULL, &r) == VMM_V_HALT)
			halts++;
	}
	vmm_closer_stats(k, &cs);
	vmm_closer_drain(k);
	fds1 = proc_fd_count();
	maps1 = proc_map_count();
	(void)printf("closer: runs=%lu halt=%lu queued=%llu inline_full=%llu "
		     "max_pending=%u fds %d->%d maps %d->%d\n",
		     n, halts, (unsigned long long)cs.queued,
		     (unsigned long long)cs.inline_full, cs.max_pending, fds0,
		     fds1, maps0, maps1);
	CHECK_EQ_U64(halts, n);
	CHECK_EQ_U64(cs.queued, n);
	CHECK_EQ_U64(cs.inline_full, 0);
	CHECK_EQ_U64(fds1, fds0);
	CHECK_EQ_U64(maps1, maps0);
	vmm_closer_stop(k);
	CHECK(k->closer == NULL);
}

/* Reset mode: the input after one whose action added or resized a slot
 * gets a fresh VM, the old one closed with its memory (vmm/session.h),
 * and an input with dirty-log actions gets its writable slots made
 * again: after a plain input the session holds exactly the mappings and
 * fds it held after the first plain one. */
static void reset_action_cycles(struct vmm_kvm *k, const struct guest_bin *hlt,
				unsigned long n)
{
	static struct vmm_session ss;
	struct vmm_scenario s;
	struct vmm_result r;
	struct vmm_error e;
	unsigned long halts = 0;
	int fds0 = -1, maps0 = -1, fds1 = 0, maps1 = 0;
	long vm0 = -1, vm1 = 0;

	vmm_err_clear(&e);
	/* the bitmap: with the dirty ring (where its self-test passes),
	 * a lone session gives dirty-log reads a fresh VM */
	if (vmm_session_init(&ss, k, VMM_SESSION_FORCE_BITMAP, &e) < 0) {
		(void)printf("SKIP: reset mode: %s\n", e.msg);
		return;
	}
	for (unsigned long i = 0; i < n; i++) {
		struct vmm_action_spec *a = &s.actions[0];

		sb_begin(&s, 0x200000, 2000);
		(void)sb_code(&s, VMM_MODE_REAL16, 0x1000, hlt->data, hlt->len);
		memset(a, 0, sizeof(*a));
		a->trigger = VMM_AT_EXIT;
		a->when = 1;	  /* at the HLT */
		if (i % 3 == 1) { /* 16 MiB more, the guest's last exit */
			a->kind = VMM_AK_SLOT_ADD;
			a->idx = 9;
			a->a = 0x1000000;
			a->b = 0x1000000;
			s.nactions = 1;
		} else if (i % 3 == 2) { /* slot 0 grown, its dirty log read */
			a->kind = VMM_AK_SLOT_RESIZE;
			a->idx = s.slots[0].id;
			a->b = 0x400000;
			a[1] = *a;
			a[1].kind = VMM_AK_DIRTY_GET;
			a[1].b = 0;
			if (a[1].kind < a->kind) { /* canonical order */
				struct vmm_action_spec t = a[0];

				a[0] = a[1];
				a[1] = t;
			}
			s.nactions = 2;
		}
		if (vmm_pipeline_run_reset(&ss, &s, NULL, &r) == VMM_V_HALT)
			halts++;
		if (i % 3 == 0 && fds0 < 0 && i > 0) {
			fds0 = proc_fd_count();
			maps0 = proc_map_count();
			vm0 = proc_mapped_kb_no_heap();
		} else if (i % 3 == 0) {
			fds1 = proc_fd_count();
			maps1 = proc_map_count();
			vm1 = proc_mapped_kb_no_heap();
		}
	}
	(void)printf("reset mode with slot actions: %lu inputs, %lu halts, "
		     "%llu fresh VMs after a slot action, %llu action_fresh; "
		     "fds %d->%d maps %d->%d mapped %ldkB->%ldkB\n",
		     n, halts, (unsigned long long)ss.fallbacks,
		     (unsigned long long)ss.action_fresh, fds0, fds1, maps0,
		     maps1, vm0, vm1);
	CHECK_EQ_U64(halts, n);
	/* each input after one with a slot action gets a fresh VM
	 * (vmm_session_prepare), the first input one too */
	CHECK(ss.fallbacks + 1 >= (n / 3) * 2); /* not the last one yet */
	CHECK_EQ_U64(ss.action_fresh, 0);
	CHECK_EQ_U64(fds1, fds0);
	CHECK_EQ_U64(maps1, maps0);
	CHECK_EQ_U64(vm1, vm0);
	vmm_session_destroy(&ss);
}

/* How many i in [0, n) have i % 5 == r. */
static unsigned long mod_count(unsigned long n, unsigned long r)
{
	return n > r ? (n - r + 4) / 5 : 0;
}

int main(int argc, char **argv)
{
	struct guest_bin hlt, ud2, badport;
	struct vmm_kvm k;
	struct vmm_error e;
	struct vmm_scenario s;
	struct vmm_result r;
	unsigned long cycles = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000;
	int fds0, maps0, fds1, maps1;
	long vm0, vm1;
	unsigned int counts[VMM_V_COUNT] = { 0 };

	if (argc < 2)
		return 2;
	if (!kvm_present()) {
		(void)printf("SKIP: /dev/kvm is absent\n");
		return CHECK_SKIP_RC;
	}
	if (guest_load(argv[1], "real16_hlt", &hlt) ||
	    guest_load(argv[1], "long64_ud2", &ud2) ||
	    guest_load(argv[1], "real16_badport", &badport))
		return 2;
	vmm_err_clear(&e);
	if (vmm_kvm_open(&k, NULL, NULL, &e) < 0) {
		(void)fprintf(stderr, "cannot open KVM: %s\n", e.msg);
		return 1;
	}
	/* Warm up once so lazily created state (mode probes, libc buffers,
	 * the timer signal handler) is in place before counting. */
	{
		/* probe the host once up front */
		char probe[2048];

		(void)vmm_arch_host_report(&k, probe, sizeof(probe));
	}
	fds0 = proc_fd_count();
	maps0 = proc_map_count();
	vm0 = proc_mapped_kb_no_heap();

	for (unsigned long i = 0; i < cycles; i++) {
		sb_begin(&s, 0x200000, 2000);
		switch (i % 5) {
		case 0: /* clean halt */
		case 1:
			(void)sb_code(&s, VMM_MODE_REAL16, 0x1000, hlt.data,
				      hlt.len);
			break;
		case 2: /* triple fault */
			(void)sb_code(&s, VMM_MODE_LONG64, 0, ud2.data,
				      ud2.len);
			break;
		case 3: /* unhandled port, 2 vCPUs */
			(void)sb_code(&s, VMM_MODE_REAL16, 0x1000, badport.data,
				      badport.len);
			(void)sb_vcpu(&s, VMM_MODE_REAL16, 0x1000);
			break;
		default: /* host rejects the slot after the VM exists */
			(void)sb_code(&s, VMM_MODE_REAL16, 0x1000, hlt.data,
				      hlt.len);
			s.slots[0].id = 0x7fff;
			break;
		}
		counts[vmm_pipeline_run(&k, &s, NULL, &r)]++;
	}
	fds1 = proc_fd_count();
	maps1 = proc_map_count();
	vm1 = proc_mapped_kb_no_heap();
	(void)printf("cycles=%lu halt=%u guest=%u input=%u fds %d->%d "
		     "maps %d->%d mapped (heap, stack aside) %ldkB->%ldkB\n",
		     cycles, counts[VMM_V_HALT], counts[VMM_V_GUEST],
		     counts[VMM_V_INPUT], fds0, fds1, maps0, maps1, vm0, vm1);
	CHECK_EQ_U64(counts[VMM_V_HALT],
		     mod_count(cycles, 0) + mod_count(cycles, 1));
	CHECK_EQ_U64(counts[VMM_V_GUEST],
		     mod_count(cycles, 2) + mod_count(cycles, 3));
	CHECK_EQ_U64(counts[VMM_V_INPUT], mod_count(cycles, 4));
	CHECK(fds0 > 0);
	CHECK_EQ_U64(fds1, fds0);
	CHECK_EQ_U64(maps1, maps0);
	CHECK(vm0 > 0);
	CHECK_EQ_U64(vm1, vm0);
	reset_action_cycles(&k, &hlt, 300);
	if (vmm_kvm_cap(&k, VMM_CAP_IRQCHIP) && vmm_kvm_cap(&k, VMM_CAP_PIT2))
		closer_cycles(&k, &hlt, 40);
	vmm_kvm_close(&k);
	free(hlt.data);
	free(ud2.data);
	free(badport.data);
	return check_report("test_leak");
}

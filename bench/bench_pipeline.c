/* Pipeline cost benchmark: figures, not pass/fail.
 *
 * Measured in the same run, on the same shipped corpus scenarios:
 *  raw   a minimal seed-style loop: raw ioctls, no validation, no timer,
 *        no exit decoding beyond a switch on exit_reason (create VM, slots,
 *        blobs, vCPUs, mode preset, run to a stop, destroy);
 *  fuzz  fuzz_pipeline's own per-input path: vmm_run_input() (decode,
 *        validate, run with deadline + watchdog, validated exit records,
 *        oracle), exactly what the fuzzer executes.
 * Also the single-HLT scenario alone, where setup dominates.
 * Usage: bench_pipeline [CORPUS_DIR] [SECONDS_PER_MEASUREMENT] */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "bench/common.h"
#include "vmm/oracle.h"
#include "vmm/x86/cpu_bits.h"
#include "vmm/x86/layout.h"
#include "vmm/x86/mode.h"
#include "vmm/x86/regs.h"

#define MAX_FILES 64

struct input {
	char name[64];
	uint8_t *buf;
	size_t len;
	struct vmm_scenario s;
	uint64_t sys_gpa, sys_size; /* where the pipeline put its tables */
};

static double now_s(void)
{
	struct timespec t;

	(void)clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The minimal loop, seed style: every call checked only for -1. */
static int raw_run(int kvm, size_t run_size, const struct input *in)
{
	const struct vmm_scenario *s = &in->s;
	int vm = ioctl(kvm, KVM_CREATE_VM, 0), rc = -1;
	uint8_t *mem[VMM_MAX_SLOTS] = { 0 };
	int vcpu[VMM_MAX_VCPUS];
	struct kvm_run *run[VMM_MAX_VCPUS] = { 0 };
	uint32_t nv = 0;
	uint64_t sys_gpa = 0;
	uint8_t *sys = NULL;

	if (vm < 0)
		return -1;
	for (uint32_t i = 0; i < s->nslots; i++) {
		struct kvm_userspace_memory_region r = {
			.slot = s->slots[i].id,
			.guest_phys_addr = s->slots[i].gpa,
			.memory_size = s->slots[i].size,
			.flags = (s->slots[i].flags & VMM_SLOT_READONLY)
					 ? KVM_MEM_READONLY
					 : 0,
		};

		mem[i] = mmap(NULL, s->slots[i].size, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
			      0);
		if (mem[i] == MAP_FAILED) {
			mem[i] = NULL;
			goto out;
		}
		r.userspace_addr = (uint64_t)(uintptr_t)mem[i];
		if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r) < 0)
			goto out;
		/* tables where the pipeline put them (same layout) */
		if (in->sys_size && in->sys_gpa >= s->slots[i].gpa &&
		    in->sys_gpa + in->sys_size <=
			    s->slots[i].gpa + s->slots[i].size) {
			sys_gpa = in->sys_gpa;
			sys = mem[i] + (in->sys_gpa - s->slots[i].gpa);
		}
	}
	for (uint32_t b = 0; b < s->nblobs; b++)
		for (uint32_t i = 0; i < s->nslots; i++)
			if (s->blobs[b].gpa >= s->slots[i].gpa &&
			    s->blobs[b].gpa <
				    s->slots[i].gpa + s->slots[i].size)
				memcpy(mem[i] + (s->blobs[b].gpa -
						 s->slots[i].gpa),
				       s->blobs[b].data, s->blobs[b].len);
	for (; nv < s->nvcpus; nv++) {
		struct kvm_sregs sr;
		struct kvm_regs regs;
		struct vmm_error e;
		uint64_t ip = 0;

		vcpu[nv] = ioctl(vm, KVM_CREATE_VCPU, (unsigned long)nv);
		if (vcpu[nv] < 0)
			goto out;
		run[nv] = mmap(NULL, run_size, PROT_READ | PROT_WRITE,
			       MAP_SHARED, vcpu[nv], 0);
		if (run[nv] == MAP_FAILED ||
		    ioctl(vcpu[nv], KVM_GET_SREGS, &sr) < 0) {
			run[nv] = NULL;
			close(vcpu[nv]);
			goto out;
		}
		(void)vmm_x86_setup_mode(s->vcpus[nv].mode, &sr, sys, sys_gpa,
					 in->sys_size, s->vcpus[nv].entry, &ip,
					 &e);
		memset(&regs, 0, sizeof(regs));
		regs.rip = ip;
		regs.rflags = 2;
		for (unsigned int k = 0; k < VMM_X86_NREGS; k++)
			if (s->vcpus[nv].reg_mask & (1U << k))
				vmm_x86_reg_set(&regs, k, s->vcpus[nv].regs[k]);
		if (ioctl(vcpu[nv], KVM_SET_SREGS, &sr) < 0 ||
		    ioctl(vcpu[nv], KVM_SET_REGS, &regs) < 0) {
			nv++;
			goto out;
		}
	}
	for (uint32_t i = 0; i < nv; i++) {
		for (int n = 0; n < 1000; n++) {
			if (ioctl(vcpu[i], KVM_RUN, 0) < 0 && errno != EINTR)
				break;
			if (run[i]->exit_reason == KVM_EXIT_IO &&
			    run[i]->io.direction == KVM_EXIT_IO_IN)
				/* seed style: trusts the kernel's offsets */
				memset((uint8_t *)run[i] +
					       run[i]->io.data_offset,
				       0xff,
				       (size_t)run[i]->io.size *
					       run[i]->io.count);
			if (run[i]->exit_reason != KVM_EXIT_IO &&
			    run[i]->exit_reason != KVM_EXIT_MMIO)
				break;
		}
	}
	rc = 0;
out:
	for (uint32_t i = 0; i < nv; i++) {
		if (run[i])
			munmap(run[i], run_size);
		close(vcpu[i]);
	}
	close(vm);
	for (uint32_t i = 0; i < s->nslots; i++)
		if (mem[i])
			munmap(mem[i], s->slots[i].size);
	return rc;
}

/* The corpus's scenarios that decode (paged32 left out: some hosts cannot
 * run it, and both loops must run the same inputs). */
static int load(const char *dir, struct input *in, int max)
{
	static struct bench_corpus c;
	struct vmm_error e;
	int n = 0;

	(void)bench_corpus_load(&c, dir, VMM_SCENARIO_MAX_BYTES);
	for (unsigned int i = 0; i < c.n && n < max; i++) {
		if (strstr(c.name[i], "paged32"))
			continue;
		in[n].buf = c.buf[i];
		c.buf[i] = NULL; /* the input owns it now */
		in[n].len = c.len[i];
		(void)snprintf(in[n].name, sizeof(in[n].name), "%.60s",
			       c.name[i]);
		if (vmm_scenario_decode(in[n].buf, in[n].len, &in[n].s, &e) ==
		    0)
			n++;
		else
			free(in[n].buf);
	}
	bench_corpus_free(&c);
	return n;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "corpus/scenarios";
	double secs = argc > 2 ? strtod(argv[2], NULL) : 3.0;
	static struct input in[MAX_FILES];
	static struct vmm_input_outcome out;
	struct vmm_kvm k;
	struct vmm_watchdog wd;
	int n, kvm, hlt = -1;
	long raw_n = 0, fuzz_n = 0, raw_h = 0, fuzz_h = 0;
	double t0, raw_t, fuzz_t, raw_ht, fuzz_ht;

	n = load(dir, in, MAX_FILES);
	if (n <= 0)
		return 2;
	for (int i = 0; i < n; i++)
		if (strcmp(in[i].name, "real16_hlt.kvms") == 0)
			hlt = i;
	if (bench_open(&k, NULL, &wd) != 0)
		return 3;
	{
		/* probe the host once up front: the first input is not special */
		char probe[2048];

		(void)vmm_arch_host_report(&k, probe, sizeof(probe));
	}
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return 3;
	for (int i = 0; i < n; i++) {
		vmm_run_input(&k, in[i].buf, in[i].len, NULL, NULL, &wd, &out);
		in[i].sys_gpa = out.result.sys_gpa;
		in[i].sys_size = out.result.sys_size;
	}

	/* interleave the two so drift on the host hits both alike */
	raw_t = fuzz_t = raw_ht = fuzz_ht = 0;
	for (int round = 0; round < 4; round++) {
		t0 = now_s();
		do {
			for (int i = 0; i < n; i++, raw_n++)
				(void)raw_run(kvm, k.run_mmap_size, &in[i]);
		} while (now_s() - t0 < secs / 8);
		raw_t += now_s() - t0;
		t0 = now_s();
		do {
			for (int i = 0; i < n; i++, fuzz_n++)
				vmm_run_input(&k, in[i].buf, in[i].len, NULL,
					      NULL, &wd, &out);
		} while (now_s() - t0 < secs / 8);
		fuzz_t += now_s() - t0;
		if (hlt < 0)
			continue;
		t0 = now_s();
		do {
			(void)raw_run(kvm, k.run_mmap_size, &in[hlt]);
		} while (++raw_h, now_s() - t0 < secs / 8);
		raw_ht += now_s() - t0;
		t0 = now_s();
		do {
			vmm_run_input(&k, in[hlt].buf, in[hlt].len, NULL, NULL,
				      &wd, &out);
		} while (++fuzz_h, now_s() - t0 < secs / 8);
		fuzz_ht += now_s() - t0;
	}
	(void)printf("bench: corpus scenarios=%d (paged32 left out)\n", n);
	(void)printf(
		"bench: raw_seed_loop corpus execs_per_sec=%.0f us_per_exec=%.1f\n",
		(double)raw_n / raw_t, 1e6 * raw_t / (double)raw_n);
	(void)printf(
		"bench: fuzz_pipeline corpus execs_per_sec=%.0f us_per_exec=%.1f\n",
		(double)fuzz_n / fuzz_t, 1e6 * fuzz_t / (double)fuzz_n);
	if (hlt >= 0) {
		(void)printf("bench: raw_seed_loop hlt execs_per_sec=%.0f\n",
			     (double)raw_h / raw_ht);
		(void)printf("bench: fuzz_pipeline hlt execs_per_sec=%.0f "
			     "overhead=%.1f%%\n",
			     (double)fuzz_h / fuzz_ht,
			     100.0 * ((fuzz_ht / (double)fuzz_h) /
					      (raw_ht / (double)raw_h) -
				      1));
	}
	(void)printf(
		"bench: pipeline_vs_raw ratio=%.3f overhead=%.1f%% "
		"(target <= 10%%)\n",
		(fuzz_t / (double)fuzz_n) / (raw_t / (double)raw_n),
		100.0 * ((fuzz_t / (double)fuzz_n) / (raw_t / (double)raw_n) -
			 1));
	vmm_watchdog_stop(&wd);
	close(kvm);
	vmm_kvm_close(&k);
	for (int i = 0; i < n; i++)
		free(in[i].buf);
	return 0;
}

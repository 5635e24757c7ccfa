/* The comparison table on real KVM, in the libFuzzer trees (the VMM
 * built with comparison tracing, fuzz/cmp_hook.c linked in as the
 * fuzz targets have it):
 *  - a guest that writes to port 0x1234 (permissive: no device owns it)
 *    leaves in the table what the VMM's port decoding compared 0x1234
 *    with: the bounds of COM1's port range among them;
 *  - the mutator's "cmp" operator puts such a constant (or its neighbour:
 *    `p >= base` compiles to `p > base - 1`) into the guest's
 *    `mov dx, imm16`, and the mutant's OUT then goes to COM1's transmit
 *    register: its byte comes out on the console.
 * Trees without comparison tracing (no libFuzzer) skip it.
 * Usage: test_cmp_hook */
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/cmp_table.h"
#include "fuzz/mutator.h"
#include "tests/check.h"
#include "tests/guest_files.h"
#include "tests/scenario_builder.h"
#include "vmm/devices.h"
#include "vmm/pipeline.h"
#include "vmm/x86/mode.h"

struct rec {
	uint32_t n;
	struct vmm_exit x[8];
};

static void on_exit_rec(void *ctx, uint32_t vcpu, const struct vmm_exit *x)
{
	struct rec *r = ctx;

	(void)vcpu;
	if (r->n < 8)
		r->x[r->n++] = *x;
}

static enum vmm_verdict run_rec(struct vmm_kvm *k, const struct vmm_scenario *s,
				struct rec *rc, struct vmm_result *r)
{
	struct vmm_hooks h;

	memset(&h, 0, sizeof(h));
	memset(rc, 0, sizeof(*rc));
	h.on_exit = on_exit_rec;
	h.ctx = rc;
	h.skip_state = 1;
	return vmm_pipeline_run(k, s, &h, r);
}

/* prot32: mov dx, 0x1234; mov al, 'A'; out dx, al; hlt */
static const uint8_t code[] = { 0x66, 0xba, 0x34, 0x12, 0xb0,
				0x41, 0xee, 0xf4, 0xf4, 0xf4 };

static void check_hook(struct vmm_kvm *k)
{
	static struct vmm_result r;
	static uint8_t seed[4096], buf[4096];
	struct vmm_scenario s;
	struct vmm_error e;
	struct rec rc;
	uint64_t c[FUZZ_CMP_PER];
	unsigned int n, com1 = 0, to_com1 = 0;
	size_t len;

	fuzz_cmp_clear();
	sb_begin(&s, 0x200000, 5000);
	s.max_exits = 64;
	s.flags |= VMM_SCN_PERMISSIVE;
	(void)sb_code(&s, VMM_MODE_PROT32, 0x1000, code, sizeof(code));
	CHECK_EQ_U64(run_rec(k, &s, &rc, &r), VMM_V_HALT);
	CHECK(rc.n >= 1 && rc.x[0].reason == KVM_EXIT_IO &&
	      rc.x[0].u.io.port == 0x1234);
	CHECK(fuzz_cmp_noted() > 0);
	n = fuzz_cmp_find(0x1234, c, FUZZ_CMP_PER);
	for (unsigned int i = 0; i < n; i++)
		com1 |= c[i] == VMM_COM1_BASE - 1 ||
			c[i] == VMM_COM1_BASE + VMM_COM1_PORTS;
	(void)printf("after one run: %llu constants noted, 0x1234 was "
		     "compared with %u of them%s\n",
		     (unsigned long long)fuzz_cmp_noted(), n,
		     com1 ? ", a bound of COM1's ports among them" : "");
	for (unsigned int i = 0; i < n; i++)
		(void)printf("  0x1234 compared with 0x%llx\n",
			     (unsigned long long)c[i]);
	CHECK(com1);
	len = vmm_scenario_encode(&s, seed, sizeof(seed), &e);
	if (len == 0 || len > sizeof(seed))
		(void)printf("encode: %s\n", e.msg);
	CHECK(len > 0 && len <= sizeof(seed));
	for (unsigned int seedno = 1; seedno <= 200 && len <= sizeof(seed);
	     seedno++) {
		struct vmm_scenario m;
		size_t mn;

		memcpy(buf, seed, len);
		mn = fuzz_mutate_op(buf, len, sizeof(buf), seedno, NULL, "cmp");
		if (vmm_scenario_decode(buf, mn, &m, &e) < 0 ||
		    (m.blobs[0].data[2] | m.blobs[0].data[3] << 8) !=
			    VMM_COM1_BASE)
			continue;
		if (run_rec(k, &m, &rc, &r) == VMM_V_HALT && rc.n >= 1 &&
		    rc.x[0].reason == KVM_EXIT_IO &&
		    rc.x[0].u.io.port == VMM_COM1_BASE && r.output_bytes >= 1)
			to_com1++;
	}
	(void)printf("200 cmp mutants: %u write to COM1 and print\n", to_com1);
	CHECK(to_com1 >= 4);
}

int main(void)
{
	struct vmm_kvm k;
	struct vmm_error e;

#ifndef VMM_TEST_CMP_HOOK
	(void)printf("SKIP: no comparison tracing in this build (libFuzzer "
		     "trees only)\n");
	return CHECK_SKIP_RC;
#endif
	if (!kvm_present()) {
		(void)printf("SKIP: /dev/kvm is absent\n");
		return CHECK_SKIP_RC;
	}
	vmm_err_clear(&e);
	if (vmm_kvm_open(&k, NULL, NULL, &e) < 0) {
		(void)fprintf(stderr, "cannot open KVM: %s\n", e.msg);
		return 1;
	}
	check_hook(&k);
	vmm_kvm_close(&k);
	return check_report("test_cmp_hook");
}

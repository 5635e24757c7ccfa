/* The kernel (or a hostile vCPU thread) can change kvm_run while the VMM
 * reads it. The validator copies each field once and checks the copy, so a
 * value changed between check and use has no effect: here a second thread
 * keeps flipping io.size, io.count, io.data_offset, mmio.len and
 * internal.ndata between valid and hostile values while the main thread
 * decodes; every accepted record must still satisfy every bound. A decoder
 * that re-read a field after checking it would let hostile values through
 * (and ASan would see the out-of-range data access). */
#include <linux/kvm.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "tests/check.h"
#include "vmm/exit.h"

#define MAPPED ((size_t)3 * 4096)
#define ROUNDS 300000

struct shared {
	struct kvm_run *run;
	int field; /* which field the flipper toggles */
	int stop;
	unsigned long flips;
};

enum { F_IO_SIZE, F_IO_COUNT, F_IO_OFFSET, F_MMIO_LEN, F_NDATA, F_COUNT };

static void hold(void)
{
	for (volatile int i = 0; i < 40; i++)
		;
}

/* Toggle one field between a valid and a hostile value, holding each for
 * a moment so that a second read after the check often sees the other. */
static void *flipper(void *arg)
{
	struct shared *sh = arg;
	volatile struct kvm_run *r = sh->run;

	while (!__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE)) {
		for (int hostile = 0; hostile < 2; hostile++) {
			switch (sh->field) {
			case F_IO_SIZE:
				r->io.size = hostile ? 0xff : 4;
				break;
			case F_IO_COUNT:
				r->io.count = hostile ? 0xffffffffU : 2;
				break;
			case F_IO_OFFSET:
				r->io.data_offset =
					hostile ? 0xfffffffffffff000ULL : 4096;
				break;
			case F_MMIO_LEN:
				r->mmio.len = hostile ? 4096 : 8;
				break;
			default:
				r->internal.ndata = hostile ? 1000 : 16;
				break;
			}
			hold();
		}
		sh->flips++;
	}
	return NULL;
}

static double now_s(void)
{
	struct timespec t;

	(void)clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Decode until at least ROUNDS decodes and both outcomes were seen many
 * times (the flipper really raced), or 10 s passed. */
static unsigned long race(int field, unsigned long *bad,
			  unsigned long *rejected)
{
	uint32_t reason = field <= F_IO_OFFSET	? KVM_EXIT_IO
			  : field == F_MMIO_LEN ? KVM_EXIT_MMIO
						: KVM_EXIT_INTERNAL_ERROR;
	struct shared sh;
	pthread_t t;
	unsigned long accepted = 0;
	double t0;
	uint8_t *area = aligned_alloc(4096, MAPPED);

	if (!area)
		return 0;
	memset(area, 0, MAPPED);
	sh.run = (struct kvm_run *)area;
	sh.stop = 0;
	sh.flips = 0;
	sh.field = field;
	sh.run->exit_reason = reason;
	if (reason == KVM_EXIT_IO) {
		sh.run->io.direction = KVM_EXIT_IO_OUT;
		sh.run->io.port = 0x3f8;
		sh.run->io.size = 4;
		sh.run->io.count = 2;
		sh.run->io.data_offset = 4096;
	} else if (reason == KVM_EXIT_MMIO) {
		sh.run->mmio.len = 8;
	}
	t0 = now_s();
	if (pthread_create(&t, NULL, flipper, &sh) != 0) {
		free(area);
		return 0;
	}
	for (unsigned long i = 0;; i++) {
		struct vmm_exit x;
		struct vmm_error e;

		if ((i & 1023) == 0 && i >= ROUNDS &&
		    ((accepted > 1000 && *rejected > 1000) ||
		     now_s() - t0 > 10.0))
			break;
		if (vmm_exit_decode(area, MAPPED, &x, &e) < 0) {
			(*rejected)++;
			continue;
		}
		accepted++;
		if (reason == KVM_EXIT_IO) {
			uint64_t bytes = (uint64_t)x.u.io.size * x.u.io.count;

			if ((x.u.io.size != 1 && x.u.io.size != 2 &&
			     x.u.io.size != 4) ||
			    x.u.io.count == 0 || x.u.io.data_offset > MAPPED ||
			    bytes > MAPPED - x.u.io.data_offset ||
			    bytes > VMM_EXIT_IO_DATA_MAX ||
			    x.u.io.bytes != bytes)
				(*bad)++;
			else /* use the data as a device would */
				for (uint64_t b = 0; b < bytes; b++)
					x.u.io.data[b] ^= 0;
		} else if (reason == KVM_EXIT_MMIO) {
			if (x.u.mmio.len < 1 || x.u.mmio.len > 8)
				(*bad)++;
		} else if (x.u.internal.ndata > VMM_EXIT_MAX_NDATA) {
			(*bad)++;
		}
	}
	__atomic_store_n(&sh.stop, 1, __ATOMIC_RELEASE);
	(void)pthread_join(t, NULL);
	(void)printf("field %d: %lu accepted, %lu rejected, %lu flips, %lu "
		     "accepted records out of bounds\n",
		     field, accepted, *rejected, sh.flips, *bad);
	(void)reason;
	free(area);
	return accepted;
}

int main(void)
{
	for (int f = 0; f < F_COUNT; f++) {
		unsigned long bad = 0, rejected = 0;
		unsigned long ok = race(f, &bad, &rejected);

		CHECK(ok > 0);
		CHECK(rejected > 0); /* the race really ran both ways */
		CHECK_EQ_U64(bad, 0);
	}
	return check_report("test_exit_race");
}

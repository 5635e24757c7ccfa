/* AFL++ stability probe: runs inputs in one process the way a persistent
 * afl-fuzz child does (LLVMFuzzerInitialize once, then one input after
 * another) and, like afl-fuzz's calibration, compares the bucketed
 * coverage map of every run of an input with its first run. Prints one
 * line per map entry that differs, "ID FILE FIRST-BUCKET BUCKET round=N"
 * (IDs map to source with fuzz/afl-edge-map.py), and a summary on stderr;
 * exits 1 if anything differed. Built with afl-clang-fast next to the
 * AFL++ driver (VMM_AFL=ON), not instrumented itself (denylist).
 *
 * usage: fuzz_*_afl_stability ROUNDS FILE...
 *   round 1 runs every file twice in a row (as calibration does, the first
 *   time after a different input); later rounds run the files in a
 *   shuffled order, so a difference there is state left behind by a
 *   different input. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <unistd.h>

#include "fuzz/target.h"

/* AFL++ runtime (an instrumented file could not declare these: the pass
 * declares __afl_area_ptr itself). */
extern uint8_t *__afl_area_ptr;
extern uint32_t __afl_final_loc;
static uint8_t *afl_area;

/* afl-fuzz's count classes */
static uint8_t bucket(uint8_t c)
{
	if (c <= 3)
		return c;
	if (c <= 7)
		return 8;
	if (c <= 15)
		return 16;
	if (c <= 31)
		return 32;
	if (c <= 127)
		return 64;
	return 128;
}

struct input {
	const char *name;
	uint8_t *data;
	size_t len;
	uint8_t *first; /* bucketed map of the first run, or NULL */
};

static uint8_t *load(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rbe");
	uint8_t *buf;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		(void)fclose(f);
		return NULL;
	}
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	(void)fclose(f);
	*len = (size_t)n;
	return buf;
}

static size_t run_one(struct input *in, size_t map_len, unsigned int round)
{
	size_t diffs = 0;

	memset(afl_area, 0, map_len);
	(void)LLVMFuzzerTestOneInput(in->data, in->len);
	for (size_t i = 0; i < map_len; i++)
		afl_area[i] = bucket(afl_area[i]);
	if (!in->first) {
		in->first = malloc(map_len);
		if (in->first)
			memcpy(in->first, afl_area, map_len);
		return 0;
	}
	for (size_t i = 1; i < map_len; i++)
		if (in->first[i] != afl_area[i]) {
			printf("%zu %s %u %u round=%u\n", i, in->name,
			       in->first[i], afl_area[i], round);
			diffs++;
		}
	return diffs;
}

int main(int argc, char **argv)
{
	struct input *in;
	unsigned int rounds, seed = 1;
	size_t map_len, n, total = 0, hit = 0;

	if (argc < 3) {
		(void)fprintf(stderr, "usage: %s ROUNDS FILE...\n", argv[0]);
		return 2;
	}
	/* A coverage map in shared memory, as under afl-fuzz: the runtime
	 * maps it before main (hence the re-exec), and only then is the map
	 * separate from the one __AFL_COVERAGE_OFF() switches to. */
	if (!getenv("__AFL_SHM_ID")) {
		char id[32];
		int shm = shmget(IPC_PRIVATE, 1U << 20, IPC_CREAT | 0600);

		if (shm < 0) {
			perror("shmget");
			return 1;
		}
		(void)snprintf(id, sizeof(id), "%d", shm);
		if (setenv("__AFL_SHM_ID", id, 1) == 0)
			(void)execv("/proc/self/exe", argv);
		perror("exec");
		(void)shmctl(shm, IPC_RMID, NULL);
		return 1;
	}
	/* attached by now: gone when this process is */
	(void)shmctl(atoi(getenv("__AFL_SHM_ID")), IPC_RMID, NULL);
	rounds = (unsigned int)strtoul(argv[1], NULL, 10);
	n = (size_t)argc - 2;
	in = calloc(n, sizeof(*in));
	if (!in)
		return 1;
	for (size_t i = 0; i < n; i++) {
		in[i].name = argv[i + 2];
		in[i].data = load(argv[i + 2], &in[i].len);
		if (!in[i].data) {
			(void)fprintf(stderr, "cannot read %s\n", argv[i + 2]);
			return 1;
		}
	}
	(void)LLVMFuzzerInitialize(&argc, &argv);
	afl_area = __afl_area_ptr;
	map_len = (size_t)__afl_final_loc + 1;
	fuzz_target_close_inline(); /* as fuzz/afl_main.c does */
	fuzz_target_start();
	for (unsigned int r = 1; r <= rounds; r++) {
		for (size_t k = 0; k < n; k++) {
			size_t i = k;

			if (r > 1) {
				seed = seed * 1103515245U + 12345U;
				i = (seed >> 8) % n;
			}
			total += run_one(&in[i], map_len, r);
			if (r == 1)
				total += run_one(&in[i], map_len, r);
		}
	}
	for (size_t i = 1; i < map_len; i++) {
		for (size_t k = 0; k < n; k++) {
			if (in[k].first && in[k].first[i]) {
				hit++;
				break;
			}
		}
	}
	(void)fprintf(stderr,
		      "%zu inputs, %u rounds: %zu map entries hit, "
		      "%zu differences\n",
		      n, rounds, hit, total);
	for (size_t i = 0; i < n; i++) {
		free(in[i].data);
		free(in[i].first);
	}
	free(in);
	return total != 0;
}

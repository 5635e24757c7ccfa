/* Standalone driver for plain builds: runs every file given (or every file
 * in a given directory) through LLVMFuzzerTestOneInput once, so the corpus
 * and saved crashes replay as regression tests without a fuzzing engine.
 *
 * -mutate=N[:SEED] then runs N more inputs made by the project's
 * structure-aware mutator (fuzz/mutator.c) from the replayed ones, in a
 * fixed order from SEED: a bounded, reproducible fuzz run where no engine
 * exists (the arm64 suite under emulation). Any finding aborts.
 *
 * A target that cannot run on this host (fuzz_pipeline without KVM, which says so itself) is
 * reported in one line and the driver exits 77, "skipped" to ctest. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz/target.h"
#include "vmm/file.h"
#include "vmm/limits.h"
#include "vmm/num.h"

#define KEEP_MAX 256
static uint8_t *kept[KEEP_MAX];
static size_t kept_len[KEEP_MAX];
static unsigned int nkept;

/* A regular file only (vmm/file.h): a FIFO or device is refused at once
 * instead of blocking the open. Inputs over the scenario limit run
 * truncated to one byte more than it, as before. */
static int run_file(const char *path)
{
	struct vmm_error e;
	uint64_t size = 0;
	uint8_t *buf;
	size_t n;
	int fd;

	vmm_err_clear(&e);
	fd = vmm_file_open(NULL, path, &size, &e);
	if (fd < 0) {
		(void)fprintf(stderr, "replay: %s: %s%s%s\n", path, e.msg,
			      e.err ? ": " : "", e.err ? strerror(e.err) : "");
		return -1;
	}
	n = size > VMM_SCENARIO_MAX_BYTES ? VMM_SCENARIO_MAX_BYTES + 1
					  : (size_t)size;
	buf = malloc(VMM_SCENARIO_MAX_BYTES + 1);
	if (!buf || vmm_file_read(fd, buf, n, &e) < 0) {
		(void)fprintf(stderr, "replay: %s: %s\n", path,
			      buf ? e.msg : "out of memory");
		free(buf);
		(void)close(fd);
		return -1;
	}
	(void)close(fd);
	(void)fprintf(stderr, "replay: %s (%zu bytes)\n", path, n);
	(void)LLVMFuzzerTestOneInput(buf, n);
	if (nkept < KEEP_MAX && n <= VMM_SCENARIO_MAX_BYTES) {
		kept[nkept] = buf;
		kept_len[nkept++] = n;
	} else {
		free(buf);
	}
	return 0;
}

/* N mutants, each from a kept input, in an order fixed by `seed`. */
static int run_mutants(unsigned long n, unsigned int seed)
{
	uint8_t *work = malloc(VMM_SCENARIO_MAX_BYTES);

	if (!work || nkept == 0) {
		free(work);
		return -1;
	}
	for (unsigned long i = 0; i < n; i++) {
		unsigned int k =
			(unsigned int)((i * 2654435761UL + seed) % nkept);
		size_t len = kept_len[k];

		memcpy(work, kept[k], len);
		len = fuzz_mutate(work, len, VMM_SCENARIO_MAX_BYTES,
				  seed + (unsigned int)i, NULL);
		(void)LLVMFuzzerTestOneInput(work, len);
	}
	free(work);
	return 0;
}

static int run_one(const char *path, void *ctx)
{
	unsigned int *count = ctx;

	if (run_file(path) < 0)
		return -1;
	(*count)++;
	return 0;
}

/* Every regular file in `dir`, in name order (a stable replay order). */
static int run_dir(const char *dir, unsigned int *count)
{
	struct vmm_error e;

	vmm_err_clear(&e);
	return vmm_dir_each(dir, run_one, count, &e) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	unsigned int count = 0;
	unsigned long mutants = 0;
	unsigned int seed = 1;
	int first = 1;

	if (argc > 1 && strncmp(argv[1], "-mutate=", 8) == 0) {
		const char *end = "";
		uint64_t n = 0, sd = seed;
		/* the strict parser: strtoul took "-1" (wrapped) and " 5" */
		int bad = vmm_num_parse_prefix(argv[1] + 8, &n, &end) < 0;

		if (!bad && *end == ':')
			bad = vmm_num_parse(end + 1, &sd) < 0;
		else if (!bad)
			bad = *end != '\0';
		if (bad || n == 0 || n > ULONG_MAX || sd > UINT_MAX) {
			(void)fprintf(stderr,
				      "replay: malformed %s (want "
				      "-mutate=N[:SEED])\n",
				      argv[1]);
			return 2;
		}
		mutants = (unsigned long)n;
		seed = (unsigned int)sd;
		first = 2;
	}
	if (argc <= first) {
		(void)fprintf(stderr,
			      "usage: %s [-mutate=N[:SEED]] FILE|DIR...\n",
			      argv[0]);
		return 2;
	}
	(void)LLVMFuzzerInitialize(&argc, &argv);
	{
		const char *why = fuzz_target_unavailable();

		if (why) {
			(void)printf("replay: skipped: %s\n", why);
			return 77;
		}
	}
	for (int i = first; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) != 0) {
			(void)fprintf(stderr, "replay: cannot stat %s\n",
				      argv[i]);
			return 2;
		}
		if (S_ISDIR(st.st_mode) ? run_dir(argv[i], &count) < 0
					: run_file(argv[i]) < 0)
			return 2;
		if (!S_ISDIR(st.st_mode))
			count++;
	}
	(void)printf("replay: %u inputs ran, no finding\n", count);
	if (mutants && count) {
		if (run_mutants(mutants, seed) < 0)
			return 2;
		(void)printf("replay: %lu mutated inputs ran (seed %u), no "
			     "finding\n",
			     mutants, seed);
	}
	for (unsigned int i = 0; i < nkept; i++)
		free(kept[i]);
	return count ? 0 : 1;
}

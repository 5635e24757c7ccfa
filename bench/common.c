#include "bench/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/closer.h"
#include "vmm/file.h"

struct loading {
	struct bench_corpus *c;
	size_t max;
};

static int add(const char *path, void *ctx)
{
	struct loading *l = ctx;
	struct bench_corpus *c = l->c;
	const char *base = strrchr(path, '/');
	size_t n = strlen(path);
	struct vmm_error e;
	uint64_t len;

	base = base ? base + 1 : path;
	if (c->n >= BENCH_MAX_SEEDS || n < 5 ||
	    strcmp(path + n - 5, ".kvms") != 0)
		return 0;
	vmm_err_clear(&e);
	if (vmm_file_load(NULL, path, l->max, &c->buf[c->n], &len, &e) < 0)
		return 0; /* not a scenario file this benchmark can use */
	c->len[c->n] = (size_t)len;
	(void)snprintf(c->name[c->n], sizeof(c->name[0]), "%s", base);
	c->n++;
	return 0;
}

unsigned int bench_corpus_load(struct bench_corpus *c, const char *dir,
			       size_t max)
{
	struct loading l = { c, max };
	struct vmm_error e;

	memset(c, 0, sizeof(*c));
	vmm_err_clear(&e);
	if (vmm_dir_each(dir, add, &l, &e) < 0)
		(void)fprintf(stderr, "bench: %s: %s\n", dir, e.msg);
	else if (c->n == 0)
		(void)fprintf(stderr, "bench: no scenarios in %s\n", dir);
	return c->n;
}

void bench_corpus_free(struct bench_corpus *c)
{
	for (unsigned int i = 0; i < c->n; i++)
		free(c->buf[i]);
	c->n = 0;
}

static void on_hang(void *ctx, uint64_t limit_ms)
{
	(void)ctx;
	(void)fprintf(stderr, "bench: a run exceeded %llu ms\n",
		      (unsigned long long)limit_ms);
	abort();
}

int bench_open(struct vmm_kvm *k, const struct vmm_sysops *ops,
	       struct vmm_watchdog *wd)
{
	struct vmm_error e;

	vmm_err_clear(&e);
	if (vmm_kvm_open(k, NULL, ops, &e) < 0) {
		(void)fprintf(stderr, "bench: %s\n", e.msg);
		return 3;
	}
	if (vmm_watchdog_start(wd, on_hang, NULL, &e) < 0 ||
	    vmm_closer_start(k, &e) < 0) {
		(void)fprintf(stderr, "bench: %s\n", e.msg);
		vmm_watchdog_stop(wd);
		vmm_kvm_close(k);
		return 3;
	}
	return 0;
}

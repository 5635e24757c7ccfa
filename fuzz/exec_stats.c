#include "fuzz/exec_stats.h"

#include <string.h>
#include <time.h>

uint64_t exec_stats_now_ns(void)
{
	struct timespec t;

	(void)clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

void exec_stats_init(struct exec_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->start_ns = exec_stats_now_ns();
}

void exec_stats_add(struct exec_stats *s, unsigned int verdict, uint64_t ns)
{
	uint64_t us = ns / 1000;

	if (verdict > EXEC_STATS_UNDECODED)
		verdict = EXEC_STATS_UNDECODED;
	s->n[verdict]++;
	s->ns[verdict] += ns;
	s->execs++;
	s->exec_ns += ns;
	s->hist[us < EXEC_STATS_HIST_US ? us : EXEC_STATS_HIST_US]++;
}

uint64_t exec_stats_median_us(const struct exec_stats *s)
{
	uint64_t seen = 0, half = (s->execs + 1) / 2;

	if (s->execs == 0)
		return 0;
	for (uint32_t us = 0; us <= EXEC_STATS_HIST_US; us++) {
		seen += s->hist[us];
		if (seen >= half)
			return us;
	}
	return EXEC_STATS_HIST_US;
}

double exec_stats_timeout_share(const struct exec_stats *s, uint64_t wall_ns)
{
	if (wall_ns == 0)
		return 0.0;
	return (double)s->ns[VMM_V_TIMEOUT] / (double)wall_ns;
}

void exec_stats_print(const struct exec_stats *s, FILE *f, uint64_t wall_ns)
{
	if (wall_ns == 0)
		wall_ns = exec_stats_now_ns() - s->start_ns;
	if (wall_ns == 0)
		wall_ns = 1;
	(void)fprintf(f, "stat::vmm_execs: %llu\n",
		      (unsigned long long)s->execs);
	(void)fprintf(f, "stat::vmm_wall_ms: %llu\n",
		      (unsigned long long)(wall_ns / 1000000));
	(void)fprintf(f, "stat::vmm_exec_share: %.3f\n",
		      (double)s->exec_ns / (double)wall_ns);
	(void)fprintf(f, "stat::vmm_timeout_share: %.3f\n",
		      exec_stats_timeout_share(s, wall_ns));
	(void)fprintf(f, "stat::vmm_median_exec_us: %llu\n",
		      (unsigned long long)exec_stats_median_us(s));
	for (unsigned int v = 0; v <= EXEC_STATS_UNDECODED; v++) {
		if (!s->n[v])
			continue;
		(void)fprintf(f,
			      "stat::vmm_verdict_%s: execs=%llu share=%.3f "
			      "mean_us=%llu\n",
			      v == EXEC_STATS_UNDECODED
				      ? "undecodable"
				      : vmm_verdict_name((enum vmm_verdict)v),
			      (unsigned long long)s->n[v],
			      (double)s->ns[v] / (double)wall_ns,
			      (unsigned long long)(s->ns[v] / s->n[v] / 1000));
	}
}

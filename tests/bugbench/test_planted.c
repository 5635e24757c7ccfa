/* The planted bugs' logic (vmm/planted.c) on exit records built by hand,
 * no KVM: for every bug that the exit records alone decide, the sequence
 * that fires it (in a child: it must abort with "PLANTED <id>"), the same
 * sequence one value off (reached, not triggered), and the mask
 * VMM_PLANTED_DISABLE. Compiled with -DVMM_PLANTED_BUGS in every tree, into
 * this test only: the shipped binaries never contain vmm/planted.c.
 * P04 and P12 read vCPU registers: tests/bugbench/check_scenarios.sh runs
 * them on KVM with the planted build. */
#include <linux/kvm.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/check.h"
#include "vmm/devices.h"
#include "vmm/exit.h"
#include "vmm/planted.h"

static struct vmm_devices dev;
static struct vmm_exit rec;

static void reset(int permissive)
{
	memset(&dev, 0, sizeof(dev));
	dev.permissive = permissive;
}

static void io(uint32_t vcpu, int out, uint16_t port, uint8_t size,
	       uint32_t count, uint64_t v)
{
	memset(&rec, 0, sizeof(rec));
	rec.reason = KVM_EXIT_IO;
	rec.u.io.dir = out ? KVM_EXIT_IO_OUT : KVM_EXIT_IO_IN;
	rec.u.io.port = port;
	rec.u.io.size = size;
	rec.u.io.count = count;
	rec.u.io.bytes = size * count;
	for (unsigned int i = 0; i < size; i++)
		rec.u.io.data[i] = (uint8_t)(v >> (8 * i));
	vmm_planted_exit(&dev, vcpu, &rec);
}

static void mmio(uint32_t vcpu, int w, uint64_t gpa, uint32_t len, uint64_t v)
{
	memset(&rec, 0, sizeof(rec));
	rec.reason = KVM_EXIT_MMIO;
	rec.u.mmio.gpa = gpa;
	rec.u.mmio.len = len;
	rec.u.mmio.is_write = (uint8_t)w;
	for (unsigned int i = 0; i < len; i++)
		rec.u.mmio.data[i] = (uint8_t)(v >> (8 * i));
	vmm_planted_exit(&dev, vcpu, &rec);
}

static void bare(uint32_t vcpu, uint32_t reason, uint32_t code)
{
	memset(&rec, 0, sizeof(rec));
	rec.reason = reason;
	rec.u.system_event.code = code;
	vmm_planted_exit(&dev, vcpu, &rec);
}

/* Each scenario: `off` = 1 makes the last value wrong. */
static void s01(int off)
{
	io(0, 1, 0x80, 2, 1, 0x7c1d + off);
}
static void s02(int off)
{
	io(0, 1, 0x80, 4, 1, 0x5e2a91c3U + off);
}
static void s03(int off)
{
	mmio(0, 1, 0x20000000, 8, 0x3b8e61f0a4d7c259ULL + (uint64_t)off);
}
static void s05(int off)
{
	vmm_planted_uart_write(&dev, VMM_UART_LCR, 0x83, 0);
	vmm_planted_uart_write(&dev, VMM_UART_THR, 0xa7, 1);
	vmm_planted_uart_write(&dev, VMM_UART_IER, 0x31, 1);
	vmm_planted_uart_write(&dev, VMM_UART_LCR, 0x03, 1);
	vmm_planted_uart_write(&dev, VMM_UART_SCR, (uint8_t)(0x5c + off), 0);
}
static void s06(int off)
{
	io(0, 0, 0x60, 2, 45 + (uint32_t)off, 0);
}
static void s07(int off)
{
	io(0, 0, (uint16_t)(0x3fa - 2 * off), 4, 1, 0);
}
static void s08(int off)
{
	bare(0, KVM_EXIT_HLT, 0);
	io(1, 1, 0xe9, 2, 1, 0x2b6f + off);
}
static void s09(int off)
{
	mmio(0, 1, 0x20000000, 2 + (uint32_t)off * 2, 0);
	bare(0, KVM_EXIT_SHUTDOWN, 0);
}
static void s10(int off)
{
	io(0, 0, 0x60, 2, 1, 0xd35b + off);
	io(0, 1, 0x61, 2, 1, 0xd35b + off);
}
static void s11(int off)
{
	mmio(0, 1, 0x20003000, 4, 0x61d0a3e5U);
	mmio(0, 1, 0x20003004, 4, 0x9e2f5c1aU);
	mmio(0, 0, 0x20003008 + (uint64_t)off, 1, 0);
}
static void s13(int off)
{
	mmio(0, 1, 0x9000000, 8, 0x4f17c0d2e8a96b35ULL + (uint64_t)off);
	bare(0, KVM_EXIT_SYSTEM_EVENT, KVM_SYSTEM_EVENT_RESET);
}

struct tcase {
	void (*run)(int off);
	unsigned int idx; /* into the planted table */
	int permissive;
};

static const struct tcase cases[] = {
	{ s01, 0, 0 }, { s02, 1, 0 },  { s03, 2, 0 },  { s05, 4, 0 },
	{ s06, 5, 0 }, { s07, 6, 0 },  { s08, 7, 0 },  { s09, 8, 0 },
	{ s10, 9, 1 }, { s11, 10, 0 }, { s13, 12, 0 },
};

/* Run one case in a child. Returns the wait status; the child's stderr
 * in buf; in the child, exit code 10 + reached-but-not-triggered. */
static int child(const struct tcase *c, int off, const char *disable, char *buf,
		 size_t len)
{
	int fds[2], st = 0;
	pid_t pid;
	ssize_t n, got = 0;

	if (pipe(fds) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		(void)dup2(fds[1], 2);
		(void)close(fds[0]);
		if (disable)
			(void)setenv("VMM_PLANTED_DISABLE", disable, 1);
		reset(c->permissive);
		c->run(off);
		_exit(vmm_planted_reached(c->idx) > 0 &&
				      vmm_planted_triggered(c->idx) == 0
			      ? 10
			      : 1);
	}
	(void)close(fds[1]);
	while (got + 1 < (ssize_t)len &&
	       (n = read(fds[0], buf + got, len - 1 - (size_t)got)) > 0)
		got += n;
	buf[got] = 0;
	(void)close(fds[0]);
	(void)waitpid(pid, &st, 0);
	return st;
}

/* The first two steps of P05 only (the divisor, no LCR or SCR). */
static void s05_half(int off)
{
	(void)off;
	vmm_planted_uart_write(&dev, VMM_UART_LCR, 0x83, 0);
	vmm_planted_uart_write(&dev, VMM_UART_THR, 0xa7, 1);
	vmm_planted_uart_write(&dev, VMM_UART_IER, 0x31, 1);
}

/* VMM_PLANTED_LOG notes how deep a sequence bug's state machine got
 * ("step <id> k/n", each depth once), so that the benchmark can say it
 * of a sequence never completed. */
static void check_steps(void)
{
	static const struct {
		struct tcase c;
		const char *want;
	} t[] = {
		{ { s05_half, 4, 0 }, "step P05 1/4\nstep P05 2/4\n" },
		{ { s05, 4, 0 },
		  "step P05 1/4\nstep P05 2/4\nstep P05 3/4\nstep P05 4/4\n"
		  "reached P05\n" },
		{ { s11, 10, 0 },
		  "step P11 1/3\nstep P11 2/3\nstep P11 3/3\nreached P11\n" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char path[] = "/tmp/test_planted_log_XXXXXX", buf[512];
		char log[512];
		int fd = mkstemp(path);
		ssize_t n;

		CHECK(fd >= 0);
		if (fd < 0)
			return;
		(void)setenv("VMM_PLANTED_LOG", path, 1);
		(void)child(&t[i].c, 1, NULL, buf, sizeof(buf));
		(void)unsetenv("VMM_PLANTED_LOG");
		n = read(fd, log, sizeof(log) - 1);
		log[n > 0 ? n : 0] = 0;
		(void)close(fd);
		(void)unlink(path);
		if (strcmp(log, t[i].want) != 0)
			(void)fprintf(stderr, "log:\n%swanted:\n%s", log,
				      t[i].want);
		CHECK(strcmp(log, t[i].want) == 0);
	}
}

int main(void)
{
	char buf[512], want[64];
	unsigned int seen[VMM_PLANTED_N] = { 0 };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tcase *c = &cases[i];
		const struct vmm_planted_info *inf = vmm_planted_info(c->idx);
		int st;

		(void)snprintf(want, sizeof(want), "PLANTED %s %s\n", inf->id,
			       inf->name);
		st = child(c, 0, NULL, buf, sizeof(buf));
		CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
		CHECK_STR_CONTAINS(buf, want);
		st = child(c, 1, NULL, buf, sizeof(buf));
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 10);
		CHECK(strstr(buf, "PLANTED") == NULL);
		/* masked: reached, never fires; other ids in the list too */
		(void)snprintf(want, sizeof(want), "P99,%s,P00", inf->id);
		st = child(c, 0, want, buf, sizeof(buf));
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 10);
		/* a mask naming a different bug does not hide this one */
		st = child(c, 0, c->idx ? "P01" : "P02", buf, sizeof(buf));
		CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
		seen[c->idx] = 1;
	}
	/* every bug is covered here or, reading registers, by KVM replay */
	for (unsigned int i = 0; i < VMM_PLANTED_N; i++)
		CHECK(seen[i] || i == 3 || i == 11);
	CHECK(vmm_planted_info(VMM_PLANTED_N) == NULL);
	check_steps();
	return check_report("test_planted");
}

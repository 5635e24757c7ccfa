/* The arm64 test runner: /init of the emulated arm64 machine
 * (tests/arm64/run.sh), or run by hand as `arm64_runner CASES`.
 *
 * As PID 1 it mounts proc, sysfs and devtmpfs, takes /dev/console as its
 * output, runs every case of /cases.txt, prints one line per case and a
 * summary, and powers the machine off. The host script reads the console.
 *
 * Case file: blocks of directives, one per line, '#' comments:
 *   case NAME          starts a case
 *   rc N               expected exit status (default 0); 77 from the
 *                      program means "skipped"
 *   stdout TEXT        stdout must be exactly TEXT (\n \t \\ escapes)
 *   stdout-has TEXT    stdout must contain TEXT (repeatable)
 *   stderr-has TEXT    stderr must contain TEXT (repeatable)
 *   stderr-lines N     stderr must have exactly N lines
 *   timeout S          kill the program after S seconds (default 300)
 *   run PROGRAM ARGS   run it (arguments split on spaces); ends the case
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define OUT_MAX 65536
#define MAX_CHECKS 16
#define MAX_ARGS 32

struct tcase {
	char name[128];
	int rc;
	int have_stdout;
	char stdout_exact[1024];
	char has_out[MAX_CHECKS][256];
	int nhas_out;
	char has_err[MAX_CHECKS][256];
	int nhas_err;
	int stderr_lines; /* -1: not checked */
	int timeout_s;
};

struct capture {
	char *b;
	size_t n;
};

static void unescape(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (*r == '\\' && r[1]) {
			r++;
			*w++ = *r == 'n' ? '\n' : *r == 't' ? '\t' : *r;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

/* A directive's number; -1000 (never a valid value) when malformed. */
static int number(const char *v)
{
	char *end;
	long n = strtol(v, &end, 10);

	if (end == v || *end != '\0' || n < -999 || n > 100000)
		return -1000;
	return (int)n;
}

static void reset_case(struct tcase *c)
{
	memset(c, 0, sizeof(*c));
	c->stderr_lines = -1;
	c->timeout_s = 300;
}

static void drain(int fd, struct capture *cap, int *open_fd)
{
	char tmp[4096];
	ssize_t n = read(fd, tmp, sizeof(tmp));

	if (n <= 0) {
		*open_fd = 0;
		return;
	}
	for (ssize_t i = 0; i < n && cap->n + 1 < OUT_MAX; i++)
		cap->b[cap->n++] = tmp[i];
	cap->b[cap->n] = '\0';
}

/* Returns the exit status, 128+signal, or -1 if it could not start. */
static int run_prog(char **argv, int timeout_s, struct capture *out,
		    struct capture *err)
{
	int po[2], pe[2], st = 0, oo = 1, eo = 1;
	time_t start = time(NULL);
	pid_t pid;

	if (pipe(po) != 0 || pipe(pe) != 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		(void)dup2(po[1], 1);
		(void)dup2(pe[1], 2);
		(void)close(po[0]);
		(void)close(pe[0]);
		execv(argv[0], argv);
		(void)fprintf(stderr, "runner: cannot run %s: %s\n", argv[0],
			      strerror(errno));
		_exit(126);
	}
	(void)close(po[1]);
	(void)close(pe[1]);
	while (oo || eo) {
		struct pollfd p[2] = { { po[0], POLLIN, 0 },
				       { pe[0], POLLIN, 0 } };

		if (time(NULL) - start > timeout_s) {
			(void)kill(pid, SIGKILL);
			break;
		}
		if (poll(p, 2, 1000) < 0 && errno != EINTR)
			break;
		if (oo && (p[0].revents & (POLLIN | POLLHUP)))
			drain(po[0], out, &oo);
		if (eo && (p[1].revents & (POLLIN | POLLHUP)))
			drain(pe[0], err, &eo);
	}
	(void)close(po[0]);
	(void)close(pe[0]);
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* 1 pass, 0 fail, 2 skip; `why` says what failed. */
static int check_case(const struct tcase *c, char *cmd, char *why, size_t wlen)
{
	static char ob[OUT_MAX], eb[OUT_MAX];
	struct capture out = { ob, 0 }, err = { eb, 0 };
	char *argv[MAX_ARGS + 1];
	int argc = 0, rc;

	ob[0] = eb[0] = '\0';
	for (char *t = strtok(cmd, " "); t && argc < MAX_ARGS;
	     t = strtok(NULL, " "))
		argv[argc++] = t;
	argv[argc] = NULL;
	if (argc == 0) {
		(void)snprintf(why, wlen, "empty run line");
		return 0;
	}
	rc = run_prog(argv, c->timeout_s, &out, &err);
	if (rc == 77 && c->rc != 77)
		return 2;
	if (rc != c->rc) {
		(void)snprintf(why, wlen, "exit %d, want %d; stderr ends: %s",
			       rc, c->rc, err.n > 600 ? eb + err.n - 600 : eb);
		return 0;
	}
	if (c->have_stdout && strcmp(ob, c->stdout_exact) != 0) {
		(void)snprintf(why, wlen, "stdout '%.200s', want '%.200s'", ob,
			       c->stdout_exact);
		return 0;
	}
	for (int i = 0; i < c->nhas_out; i++)
		if (!strstr(ob, c->has_out[i])) {
			(void)snprintf(why, wlen,
				       "stdout lacks '%.100s': %.300s",
				       c->has_out[i], ob);
			return 0;
		}
	for (int i = 0; i < c->nhas_err; i++)
		if (!strstr(eb, c->has_err[i])) {
			(void)snprintf(why, wlen,
				       "stderr lacks '%.100s': %.300s",
				       c->has_err[i], eb);
			return 0;
		}
	if (c->stderr_lines >= 0 && count_lines(eb) != c->stderr_lines) {
		(void)snprintf(why, wlen,
			       "stderr has %d lines, want %d: %.300s",
			       count_lines(eb), c->stderr_lines, eb);
		return 0;
	}
	return 1;
}

static void as_init(void)
{
	int fd;

	(void)mkdir("/proc", 0755);
	(void)mkdir("/sys", 0755);
	(void)mkdir("/dev", 0755);
	(void)mkdir("/tmp", 01777);
	(void)mount("proc", "/proc", "proc", 0, NULL);
	(void)mount("sysfs", "/sys", "sysfs", 0, NULL);
	(void)mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	(void)mount("tmpfs", "/tmp", "tmpfs", 0, NULL);
	fd = open("/dev/console", O_RDWR);
	if (fd >= 0) {
		(void)dup2(fd, 0);
		(void)dup2(fd, 1);
		(void)dup2(fd, 2);
		if (fd > 2)
			(void)close(fd);
	}
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/cases.txt";
	int init = getpid() == 1;
	unsigned int pass = 0, fail = 0, skip = 0;
	struct tcase c;
	char line[2048];
	FILE *f;

	if (init)
		as_init();
	(void)setvbuf(stdout, NULL, _IOLBF, 0);
	(void)printf("ARM64-TEST start (kvm %s)\n",
		     access("/dev/kvm", R_OK | W_OK) == 0 ? "present"
							  : "ABSENT");
	f = fopen(path, "r");
	if (!f) {
		(void)printf("ARM64-TEST FAIL cases: cannot open %s\n", path);
		fail++;
	}
	reset_case(&c);
	while (f && fgets(line, sizeof(line), f)) {
		char *v;
		size_t n = strlen(line);

		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		v = strchr(line, ' ');
		if (v)
			*v++ = '\0';
		else
			v = line + n;
		if (!strcmp(line, "case")) {
			reset_case(&c);
			(void)snprintf(c.name, sizeof(c.name), "%s", v);
		} else if (!strcmp(line, "rc")) {
			c.rc = number(v);
		} else if (!strcmp(line, "stdout")) {
			c.have_stdout = 1;
			(void)snprintf(c.stdout_exact, sizeof(c.stdout_exact),
				       "%s", v);
			unescape(c.stdout_exact);
		} else if (!strcmp(line, "stdout-has") &&
			   c.nhas_out < MAX_CHECKS) {
			(void)snprintf(c.has_out[c.nhas_out], 256, "%s", v);
			unescape(c.has_out[c.nhas_out++]);
		} else if (!strcmp(line, "stderr-has") &&
			   c.nhas_err < MAX_CHECKS) {
			(void)snprintf(c.has_err[c.nhas_err], 256, "%s", v);
			unescape(c.has_err[c.nhas_err++]);
		} else if (!strcmp(line, "stderr-lines")) {
			c.stderr_lines = number(v);
		} else if (!strcmp(line, "timeout")) {
			c.timeout_s = number(v);
		} else if (!strcmp(line, "run")) {
			char why[1024] = "";
			time_t t0 = time(NULL);
			int r = check_case(&c, v, why, sizeof(why));

			if (r == 1) {
				pass++;
				(void)printf("ARM64-TEST PASS %s (%lds)\n",
					     c.name, (long)(time(NULL) - t0));
			} else if (r == 2) {
				skip++;
				(void)printf("ARM64-TEST SKIP %s\n", c.name);
			} else {
				fail++;
				(void)printf("ARM64-TEST FAIL %s: %s\n", c.name,
					     why);
			}
		} else {
			(void)printf("ARM64-TEST FAIL cases: unknown directive "
				     "'%s'\n",
				     line);
			fail++;
		}
	}
	if (f)
		(void)fclose(f);
	(void)printf("ARM64-SUMMARY passed=%u failed=%u skipped=%u\n", pass,
		     fail, skip);
	if (init) {
		sync();
		(void)reboot(RB_POWER_OFF);
	}
	return fail ? 1 : 0;
}

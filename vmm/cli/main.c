/* vmm: command-line front end. Every run goes through vmm_pipeline_run(). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmm/cli/args.h"
#include "vmm/cli/export.h"
#include "vmm/cli/reach.h"
#include "vmm/file.h"
#include "vmm/kvm.h"
#include "vmm/oracle.h"
#include "vmm/outcome.h"
#include "vmm/pipeline.h"
#include "vmm/sandbox.h"
#include "vmm/session.h"
#include "vmm/scenario.h"
#include "vmm/layout.h"

/* Exit codes (README "Exit codes"; the table is vmm/outcome.c). */
enum {
	RC_OK = VMM_RC_OK,
	RC_GUEST = VMM_RC_GUEST,
	RC_USAGE = VMM_RC_USAGE,
	RC_HOST = VMM_RC_HOST,
	RC_CONTRACT = VMM_RC_CONTRACT,
};

#define DEFAULT_MEM (2ULL << 20)
#define DEFAULT_LOAD 0x1000ULL
#define DEFAULT_TIMEOUT_MS 10000U
#define DEFAULT_MAX_EXITS 1000000ULL

static const char usage_text[] =
	"usage: vmm COMMAND [OPTIONS]\n"
	"\n"
	"commands:\n"
	"  caps                 show host KVM: API version, capabilities, modes\n"
	"  run [OPTIONS] IMAGE  load a raw guest image and run it\n"
	"  decode FILE          print a binary scenario as text\n"
	"  encode TEXT -o FILE  turn the text form (or - for stdin) into bytes\n"
	"  replay FILE [--mode fresh|reset|both] [--trace] [--console] [--kmsg]\n"
	"              [--sandbox] [--watch PATTERNS] [--diff] [--concurrent N]\n"
	"                       run a scenario exactly as the fuzzer did and\n"
	"                       report its verdict and any finding; --watch:\n"
	"                       outcomes that count as findings, as\n"
	"                       VMM_FUZZ_WATCH (\"KVM_EXIT_SHUTDOWN vcpu1,...\");\n"
	"                       --diff: also compare KVM with the host CPU,\n"
	"                       instruction by instruction (x86 long64)\n"
	"                       --concurrent N: N runs in concurrent mode (a\n"
	"                       thread per vCPU; --sandbox: a process per run)\n"
	"  export-c FILE [-o OUT.c]\n"
	"                       the scenario as one standalone C program (raw\n"
	"                       KVM ioctls) printing what replay --mode fresh\n"
	"                       prints; stdout without -o\n"
	"  reach [--json|--short] DIR|FILE...\n"
	"                       what the inputs reached in KVM's interface:\n"
	"                       inputs per exit reason, ioctl result, verdict,\n"
	"                       finding and scenario record kind\n"
	"  help                 this text\n"
	"\n"
	"run options:\n"
	"  --mode MODE          vCPU mode: x86 real16 (default), prot32, paged32,\n"
	"                       long64; arm64 aarch64 (default), aarch32\n"
	"  --mem SIZE           guest RAM at GPA 0 (K/M/G suffixes; default 2M)\n"
	"  --load GPA           where the image goes (default 0x1000)\n"
	"  --entry GPA          first instruction (default: the load address)\n"
	"  --reg NAME=VALUE     set a register; repeatable (x86: rax..r15, rip,\n"
	"                       rsp, rflags; arm64: x0..x30, sp, pc, pstate)\n"
	"  --features LIST      arm64 vCPU features, comma-separated: psci-0.2,\n"
	"                       power-off, pmu-v3, or none (default psci-0.2)\n"
	"  --timeout MS         wall-clock limit (default 10000; 0 = none)\n"
	"  --max-exits N        exit budget (default 1000000)\n"
	"  --mmio-console GPA|off  MMIO console address (default 0x10000000\n"
	"                       when no RAM covers it)\n"
	"  --sys-at GPA         x86: place the VMM's GDT/page tables here\n"
	"                       (default: auto)\n"
	"  --state              print final registers to stderr as name=0xHEX\n"
	"  --verbose            print the memory layout to stderr\n"
	"  --no-sandbox         do not enter the seccomp sandbox for the run\n"
	"\n"
	"exit codes: 0 halted, 1 guest failed (shutdown, failed entry, internal\n"
	"error, unhandled exit, timeout, exit budget), 2 usage or input error,\n"
	"3 host cannot do it, 4 kernel contract violation\n"
	"replay exit codes: 0 no finding, 2 not a valid scenario, 3 host cannot\n"
	"run it, 11 kernel-contract, 12 ioctl-anomaly, 13 vcpu-hang,\n"
	"14 host-kernel-log, 15 watched-outcome, 16 emulator-divergence\n";

static int usage_error(const char *fmt, const char *arg)
	__attribute__((format(printf, 1, 0)));
static int usage_error(const char *fmt, const char *arg)
{
	char msg[512];

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	(void)snprintf(msg, sizeof(msg), fmt, arg);
#pragma GCC diagnostic pop
	(void)fprintf(stderr, "vmm: error: %s (see 'vmm help')\n", msg);
	return RC_USAGE;
}

static int rc_of(enum vmm_verdict v)
{
	return (int)vmm_verdict_info(v)->rc;
}

static void report_error(const struct vmm_error *e)
{
	char line[VMM_ERR_MSG_MAX + 128];
	const char *head;

	vmm_err_format(e, line, sizeof(line));
	head = vmm_err_class_info(e->cls)->cli_head;
	(void)fprintf(stderr, "vmm: %s: %s\n", head, line);
}

static int open_kvm(struct vmm_kvm *k)
{
	struct vmm_error e;
	const char *path = getenv("VMM_KVM_PATH");

	vmm_err_clear(&e);
	if (vmm_kvm_open(k, path, NULL, &e) == 0)
		return 0;
	report_error(&e);
	return e.cls == VMM_ERR_CONTRACT ? RC_CONTRACT : RC_HOST;
}

static int cmd_caps(int argc, char **argv)
{
	struct vmm_kvm k;
	int rc;

	if (argc > 1)
		return usage_error("caps takes no arguments, got '%s'",
				   argv[1]);
	rc = open_kvm(&k);
	if (rc != 0)
		return rc;
	(void)printf("api_version=%d\n", k.api_version);
	(void)printf("vcpu_mmap_size=%zu\n", k.run_mmap_size);
	for (unsigned int i = 0; i < VMM_CAP_COUNT; i++) {
		const struct vmm_cap_desc *d = vmm_cap_desc((enum vmm_cap)i);

		(void)printf("%s=%d %s (%s)\n", d->name, k.cap[i],
			     d->required ? "required" : "optional", d->use);
	}
	{
		char report[2048];

		(void)vmm_arch_host_report(&k, report, sizeof(report));
		(void)fputs(report, stdout);
	}
	if (vmm_kvm_cap(&k, VMM_CAP_DIRTY_LOG_RING)) {
		struct vmm_error e;

		vmm_err_clear(&e);
		if (vmm_dirty_ring_check(&k, &e) == 0)
			(void)printf("dirty_ring=ok\n");
		else
			(void)printf(
				"dirty_ring=unreliable: %s (reset mode uses "
				"the dirty bitmap)\n",
				e.msg);
	}
	vmm_kvm_close(&k);
	return RC_OK;
}

/* The hooks' context of `vmm run` and `vmm replay`. */
struct replay_ctx {
	int trace;
	uint64_t n;
	unsigned int sandbox_needs; /* vmm_sandbox_needs() of the input */
};

/* before_run hook: enter the seccomp sandbox once setup is done, widened
 * only for what this input needs (ctx: a struct replay_ctx) */
static int enter_sandbox(void *ctx, struct vmm_error *e)
{
	const struct replay_ctx *r = ctx;

	return vmm_sandbox_enter(r->sandbox_needs, e);
}

static void write_stdout(void *ctx, const uint8_t *b, size_t n)
{
	(void)ctx;
	while (n > 0) {
		ssize_t w = write(STDOUT_FILENO, b, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* stdout gone: the run itself goes on */
		b += w;
		n -= (size_t)w;
	}
}

struct run_opts {
	uint8_t mode;
	uint32_t features; /* arm64 */
	uint64_t mem, load, entry;
	int have_entry;
	uint64_t timeout_ms, max_exits;
	int console_off, console_set;
	uint64_t console_gpa;
	int sys_set;
	uint64_t sys_gpa;
	int state, verbose, no_sandbox;
	uint64_t reg_mask;
	uint64_t regs[VMM_MAX_REGS];
	const char *image;
};

/* "psci-0.2,pmu-v3" or "none" */
static int parse_features(const char *v, uint32_t *out)
{
	char bad[48];

	*out = 0;
	if (strcmp(v, "none") == 0)
		return 0;
	return vmm_arm64_features_parse(v, out, bad, sizeof(bad)) == 0 ? 0 : -1;
}

/* --reg NAME=VALUE */
static int parse_reg(const char *v, struct run_opts *o)
{
	char name[16];
	const char *eq = strchr(v, '=');
	size_t nlen = eq ? (size_t)(eq - v) : 0;
	int idx;
	uint64_t val;

	if (!eq || nlen == 0 || nlen >= sizeof(name))
		return usage_error("--reg wants NAME=VALUE, got '%s'", v);
	memcpy(name, v, nlen);
	name[nlen] = '\0';
	idx = vmm_arch_reg_index(VMM_ARCH_HOST, name);
	if (idx < 0)
		return usage_error(
			VMM_ARCH_HOST == VMM_ARCH_ARM64
				? "unknown register '%s' (x0..x30, sp, pc, "
				  "pstate)"
				: "unknown register '%s' (rax..r15, rip, rsp, "
				  "rflags)",
			name);
	if (vmm_parse_u64(eq + 1, &val) < 0)
		return usage_error("malformed register value in '%s'", v);
	o->reg_mask |= 1ULL << idx;
	o->regs[idx] = val;
	return 0;
}

enum run_opt {
	OPT_STATE = 256,
	OPT_VERBOSE,
	OPT_NO_SANDBOX,
	OPT_MODE,
	OPT_FEATURES,
	OPT_MEM,
	OPT_LOAD,
	OPT_ENTRY,
	OPT_TIMEOUT,
	OPT_MAX_EXITS,
	OPT_MMIO_CONSOLE,
	OPT_SYS_AT,
	OPT_REG,
};

static const struct option run_longopts[] = {
	{ "state", no_argument, NULL, OPT_STATE },
	{ "verbose", no_argument, NULL, OPT_VERBOSE },
	{ "no-sandbox", no_argument, NULL, OPT_NO_SANDBOX },
	{ "help", no_argument, NULL, 'h' },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "features", required_argument, NULL, OPT_FEATURES },
	{ "mem", required_argument, NULL, OPT_MEM },
	{ "load", required_argument, NULL, OPT_LOAD },
	{ "entry", required_argument, NULL, OPT_ENTRY },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "max-exits", required_argument, NULL, OPT_MAX_EXITS },
	{ "mmio-console", required_argument, NULL, OPT_MMIO_CONSOLE },
	{ "sys-at", required_argument, NULL, OPT_SYS_AT },
	{ "reg", required_argument, NULL, OPT_REG },
	{ NULL, 0, NULL, 0 },
};

static int parse_run(int argc, char **argv, struct run_opts *o)
{
	int st = 0;

	memset(o, 0, sizeof(*o));
	o->mode = 0; /* x86 real16, arm64 aarch64 */
	if (VMM_ARCH_HOST == VMM_ARCH_ARM64)
		o->features = 1U << VMM_ARM64_FEAT_PSCI_0_2;
	o->mem = DEFAULT_MEM;
	o->load = DEFAULT_LOAD;
	o->timeout_ms = DEFAULT_TIMEOUT_MS;
	o->max_exits = DEFAULT_MAX_EXITS;
	o->console_gpa = VMM_MMIO_CONSOLE_DEFAULT_GPA;

	for (;;) {
		const char *v;
		int c = vmm_cli_getopt(argc, argv, "h", run_longopts, "", &st,
				       &v);

		if (c == VMM_OPT_END)
			break;
		if (c == VMM_OPT_ERROR)
			return RC_USAGE;
		switch (c) {
		case OPT_STATE:
			o->state = 1;
			break;
		case OPT_VERBOSE:
			o->verbose = 1;
			break;
		case OPT_NO_SANDBOX:
			o->no_sandbox = 1;
			break;
		case 'h':
			(void)fputs(usage_text, stdout);
			return -1;
		case OPT_MODE: {
			int m = vmm_arch_mode_parse(VMM_ARCH_HOST, v);

			if (m < 0)
				return usage_error(
					VMM_ARCH_HOST == VMM_ARCH_ARM64
						? "unknown mode '%s' (aarch64, "
						  "aarch32)"
						: "unknown mode '%s' (real16, "
						  "prot32, paged32, long64)",
					v);
			o->mode = (uint8_t)m;
			break;
		}
		case OPT_FEATURES:
			if (VMM_ARCH_HOST != VMM_ARCH_ARM64)
				return usage_error("--features '%s': vCPU "
						   "features are arm64 only",
						   v);
			if (parse_features(v, &o->features) < 0)
				return usage_error(
					"unknown feature list '%s' "
					"(psci-0.2, power-off, pmu-v3, "
					"none)",
					v);
			break;
		case OPT_MEM:
			if (vmm_parse_size(v, &o->mem) < 0)
				return usage_error("malformed size '%s' for "
						   "--mem",
						   v);
			break;
		case OPT_LOAD:
			if (vmm_parse_u64(v, &o->load) < 0)
				return usage_error("malformed address '%s' for "
						   "--load",
						   v);
			break;
		case OPT_ENTRY:
			if (vmm_parse_u64(v, &o->entry) < 0)
				return usage_error("malformed address '%s' for "
						   "--entry",
						   v);
			o->have_entry = 1;
			break;
		case OPT_TIMEOUT:
			if (vmm_parse_u64(v, &o->timeout_ms) < 0 ||
			    o->timeout_ms > VMM_MAX_TIMEOUT_MS)
				return usage_error("malformed or too large "
						   "timeout '%s' (ms, at most "
						   "3600000)",
						   v);
			break;
		case OPT_MAX_EXITS:
			if (vmm_parse_u64(v, &o->max_exits) < 0 ||
			    o->max_exits == 0 ||
			    o->max_exits > VMM_MAX_EXITS_LIMIT)
				return usage_error("malformed exit budget '%s' "
						   "(1..100000000)",
						   v);
			break;
		case OPT_MMIO_CONSOLE:
			/* the last --mmio-console wins, "off" or not */
			o->console_off = strcmp(v, "off") == 0;
			o->console_set = !o->console_off;
			if (o->console_set &&
			    vmm_parse_u64(v, &o->console_gpa) < 0)
				return usage_error("malformed address '%s' for "
						   "--mmio-console",
						   v);
			break;
		case OPT_SYS_AT:
			if (vmm_parse_u64(v, &o->sys_gpa) < 0)
				return usage_error("malformed address '%s' for "
						   "--sys-at",
						   v);
			o->sys_set = 1;
			break;
		case OPT_REG:
			if (parse_reg(v, o) != 0)
				return RC_USAGE;
			break;
		default:
			return usage_error("%s", "unhandled option");
		}
	}
	for (int i = st; i < argc; i++) {
		if (o->image)
			return usage_error("more than one image given ('%s')",
					   argv[i]);
		o->image = argv[i];
	}
	if (!o->image)
		return usage_error("%s", "run needs an IMAGE file");
	return 0;
}

/* The image, checked against the memory layout from its fstat size before
 * a byte is allocated or read: a 1 GiB file with --mem 4K is refused at
 * once, not after reading it all. Returns 0 or an RC. */
static int load_image(const struct run_opts *o, uint8_t **img, uint64_t *len)
{
	struct vmm_error e;
	uint64_t size = 0;
	int fd;

	*img = NULL;
	*len = 0;
	vmm_err_clear(&e);
	fd = vmm_file_open(NULL, o->image, &size, &e);
	if (fd < 0)
		return vmm_cli_file_error("image", o->image, &e);
	/* o->load < o->mem <= VMM_MAX_GUEST_MEM: this is also the image cap */
	if (size == 0 || size > o->mem - o->load) {
		if (size == 0)
			(void)fprintf(stderr,
				      "vmm: error: image %s: is empty\n",
				      o->image);
		else
			(void)fprintf(stderr,
				      "vmm: error: image %s (%llu bytes) "
				      "at 0x%llx does not fit in guest memory "
				      "[0, 0x%llx)\n",
				      o->image, (unsigned long long)size,
				      (unsigned long long)o->load,
				      (unsigned long long)o->mem);
		close(fd);
		return RC_USAGE;
	}
	*img = malloc((size_t)size);
	if (!*img) {
		(void)fprintf(stderr,
			      "vmm: error: image %s: out of memory for "
			      "%llu bytes\n",
			      o->image, (unsigned long long)size);
		close(fd);
		return RC_HOST;
	}
	if (vmm_file_read(fd, *img, size, &e) < 0) {
		free(*img);
		*img = NULL;
		close(fd);
		return vmm_cli_file_error("image", o->image, &e);
	}
	close(fd);
	*len = size;
	return 0;
}

static int cmd_run(int argc, char **argv)
{
	struct run_opts o;
	struct vmm_scenario s;
	struct vmm_result r;
	struct vmm_hooks hooks;
	struct replay_ctx run_ctx = { 0, 0, 0 };
	struct vmm_kvm k;
	uint8_t *img = NULL;
	uint64_t len = 0;
	int rc = parse_run(argc, argv, &o);

	if (rc < 0)
		return RC_OK; /* --help */
	if (rc != 0)
		return rc;
	if (o.mem == 0 || (o.mem & (VMM_PAGE_SIZE - 1)) ||
	    o.mem > VMM_MAX_GUEST_MEM) {
		(void)fprintf(stderr,
			      "vmm: error: --mem %llu must be a non-zero "
			      "multiple of 4K, at most %lluM\n",
			      (unsigned long long)o.mem,
			      VMM_MAX_GUEST_MEM >> 20);
		return RC_USAGE;
	}
	if (o.load >= o.mem) {
		(void)fprintf(stderr,
			      "vmm: error: load address 0x%llx is outside "
			      "guest memory [0, 0x%llx)\n",
			      (unsigned long long)o.load,
			      (unsigned long long)o.mem);
		return RC_USAGE;
	}
	rc = load_image(&o, &img, &len);
	if (rc != 0)
		return rc;

	vmm_scenario_init(&s);
	s.nslots = 1;
	s.slots[0].id = 0;
	s.slots[0].gpa = 0;
	s.slots[0].size = o.mem;
	s.nblobs = 1;
	s.blobs[0].gpa = o.load;
	s.blobs[0].data = img;
	s.blobs[0].len = len;
	s.nvcpus = 1;
	s.vcpus[0].mode = o.mode;
	s.vcpus[0].entry = o.have_entry ? o.entry : o.load;
	s.vcpus[0].reg_mask = o.reg_mask;
	s.vcpus[0].features = o.features;
	memcpy(s.vcpus[0].regs, o.regs, sizeof(o.regs));
	s.max_exits = o.max_exits;
	s.timeout_ms = (uint32_t)o.timeout_ms;
	s.sys_fixed = o.sys_set;
	s.sys_gpa = o.sys_gpa;
	s.mmio_console_gpa = o.console_gpa;
	if (o.console_off)
		s.mmio_console = 0;
	else if (o.console_set)
		s.mmio_console = 1; /* overlap with RAM is an error */
	else
		s.mmio_console = o.console_gpa >= o.mem;

	rc = open_kvm(&k);
	if (rc != 0) {
		free(img);
		return rc;
	}
	memset(&hooks, 0, sizeof(hooks));
	hooks.out.write = write_stdout;
	run_ctx.sandbox_needs = vmm_sandbox_needs(&s, 0);
	hooks.ctx = &run_ctx;
	if (!o.no_sandbox)
		hooks.before_run = enter_sandbox;
	(void)vmm_pipeline_run(&k, &s, &hooks, &r);
	vmm_kvm_close(&k);
	free(img);

	if (o.verbose) {
		(void)fprintf(stderr,
			      "layout: ram=[0x0, 0x%llx) image=[0x%llx, 0x%llx)"
			      " entry=0x%llx\n",
			      (unsigned long long)o.mem,
			      (unsigned long long)o.load,
			      (unsigned long long)o.load + len,
			      (unsigned long long)s.vcpus[0].entry);
		if (r.sys_size)
			(void)fprintf(
				stderr,
				"layout: vmm-structures=[0x%llx, 0x%llx)\n",
				(unsigned long long)r.sys_gpa,
				(unsigned long long)r.sys_gpa + r.sys_size);
		if (s.mmio_console)
			(void)fprintf(stderr, "layout: mmio-console=0x%llx\n",
				      (unsigned long long)s.mmio_console_gpa);
		(void)fprintf(stderr,
			      "exits=%llu trace_hash=0x%016llx verdict=%s\n",
			      (unsigned long long)r.exits,
			      (unsigned long long)r.trace_hash,
			      vmm_verdict_name(r.verdict));
	}
	if (o.state && r.have_state) {
		char buf[1024];

		(void)vmm_cpu_state_format(&r.state, buf, sizeof(buf));
		(void)fputs(buf, stderr);
	}
	if (r.verdict == VMM_V_SPIN)
		(void)fprintf(stderr,
			      "vmm: spin: vCPU %u loops forever without "
			      "an exit or a memory write\n",
			      r.last_vcpu);
	if (!vmm_verdict_clean(r.verdict))
		report_error(&r.err);
	return rc_of(r.verdict);
}

/* ---- decode / encode ------------------------------------------------------ */

static int cmd_decode(int argc, char **argv)
{
	struct vmm_scenario s;
	struct vmm_error e;
	uint8_t *buf;
	uint64_t len;
	char *text;
	size_t need;
	int rc;

	if (argc != 2)
		return usage_error("%s", "decode takes exactly one FILE");
	rc = vmm_cli_read_file(argv[1], VMM_SCENARIO_MAX_BYTES, "scenario", 0,
			       &buf, &len);
	if (rc != 0)
		return rc;
	vmm_err_clear(&e);
	if (vmm_scenario_decode(buf, len, &s, &e) < 0) {
		(void)fprintf(stderr, "vmm: error: %s: %s\n", argv[1], e.msg);
		free(buf);
		return RC_USAGE;
	}
	need = vmm_scenario_format_text(&s, NULL, 0) + 1;
	text = malloc(need);
	if (!text) {
		free(buf);
		(void)fprintf(stderr, "vmm: error: out of memory\n");
		return RC_HOST;
	}
	(void)vmm_scenario_format_text(&s, text, need);
	(void)fputs(text, stdout);
	free(text);
	free(buf);
	return RC_OK;
}

#define TEXT_MAX (8U << 20)

static int cmd_encode(int argc, char **argv)
{
	const char *in = NULL, *outp = NULL;
	struct vmm_scenario s;
	struct vmm_error e;
	uint8_t *text, *arena, *bin;
	uint64_t len;
	size_t n;
	int rc;
	FILE *f;

	static const struct option longopts[] = { { NULL, 0, NULL, 0 } };
	int st = 0;

	for (;;) {
		const char *v;
		int c = vmm_cli_getopt(argc, argv, "o:", longopts, "encode",
				       &st, &v);

		if (c == VMM_OPT_END)
			break;
		if (c == VMM_OPT_ERROR)
			return RC_USAGE;
		outp = v; /* -o: the last one wins */
	}
	for (int i = st; i < argc; i++) {
		if (in)
			return usage_error("unexpected argument '%s'", argv[i]);
		in = argv[i];
	}
	if (!in || !outp)
		return usage_error("%s", "encode needs TEXT and -o FILE");
	rc = vmm_cli_read_file(in, TEXT_MAX, "scenario text", 1, &text, &len);
	if (rc != 0)
		return rc;
	arena = malloc(VMM_SCENARIO_MAX_BYTES);
	bin = malloc(VMM_SCENARIO_MAX_BYTES);
	if (!arena || !bin) {
		free(text);
		free(arena);
		free(bin);
		(void)fprintf(stderr, "vmm: error: out of memory\n");
		return RC_HOST;
	}
	vmm_err_clear(&e);
	rc = RC_USAGE;
	if (vmm_scenario_parse_text((const char *)text, len, arena,
				    VMM_SCENARIO_MAX_BYTES, &s, &e) < 0) {
		(void)fprintf(stderr, "vmm: error: %s: %s\n", in, e.msg);
		goto out;
	}
	n = vmm_scenario_encode(&s, bin, VMM_SCENARIO_MAX_BYTES, &e);
	if (n == 0 || n > VMM_SCENARIO_MAX_BYTES) {
		(void)fprintf(stderr, "vmm: error: %s: %s\n", in, e.msg);
		goto out;
	}
	f = fopen(outp, "wbe");
	if (!f || fwrite(bin, 1, n, f) != n || fclose(f) != 0) {
		(void)fprintf(stderr, "vmm: error: cannot write %s: %s\n", outp,
			      strerror(errno));
		rc = RC_HOST;
		goto out;
	}
	rc = RC_OK;
out:
	free(text);
	free(arena);
	free(bin);
	return rc;
}

/* ---- replay ------------------------------------------------------------------ */

static void replay_exit(void *ctx, uint32_t vcpu, const struct vmm_exit *x)
{
	struct replay_ctx *r = ctx;
	char line[320];

	if (!r->trace) {
		r->n++;
		return;
	}
	vmm_exit_format(x, line, sizeof(line));
	(void)printf("exit %llu vcpu=%u %s\n", (unsigned long long)r->n++, vcpu,
		     line);
}

/* One line per action record fired: its number and kind, the vCPU and
 * its exit it fired at, the result (ok, the errno KVM refused it with,
 * or "refused" by the VMM). */
static void replay_action(void *ctx, const struct vmm_action_event *ev)
{
	const struct replay_ctx *r = ctx;
	const char *name = vmm_action_kind_name(ev->kind);

	if (!r->trace)
		return;
	if (ev->err == 0)
		(void)printf("action %u %s vcpu=%u exit=%llu result=ok "
			     "value=%llu\n",
			     ev->index, name ? name : "?", ev->vcpu,
			     (unsigned long long)ev->vcpu_exit,
			     (unsigned long long)ev->value);
	else
		(void)printf("action %u %s vcpu=%u exit=%llu result=%s (%s)\n",
			     ev->index, name ? name : "?", ev->vcpu,
			     (unsigned long long)ev->vcpu_exit,
			     ev->err > 0 ? vmm_errno_name(ev->err) : "refused",
			     ev->call ? ev->call : "vmm");
}

static void replay_hang(void *ctx, uint64_t limit_ms)
{
	(void)ctx;
	(void)fprintf(stderr,
		      "FINDING vcpu-hang: KVM_RUN did not return within "
		      "%llu ms\n",
		      (unsigned long long)limit_ms);
	(void)fflush(stdout);
	_exit(vmm_finding_info(VMM_FIND_VCPU_HANG)->replay_rc);
}

static const char *const replay_modes[] = { "fresh", "reset" };

/* The differential oracle's outcome (--diff): one line, and for a
 * divergence both states. */
static void print_diff(const struct vmm_diff_result *d)
{
	if (d->status == VMM_DIFF_AGREE)
		(void)printf("replay: diff=agree instructions=%u stop=%s\n",
			     d->steps, d->stop);
	else if (d->status == VMM_DIFF_DIVERGE)
		(void)printf("replay: diff=diverge instructions=%u\n%s",
			     d->steps, d->report);
	else
		(void)printf("replay: diff=%s: %s\n",
			     vmm_diff_status_name(d->status), d->why);
}

/* One replay of the input in one mode (0 fresh, 1 reset: a session that
 * first runs the input once, so the measured run is a real reset). */
static int replay_once(struct vmm_kvm *k, int mode, const uint8_t *buf,
		       uint64_t len, struct vmm_hooks *hooks,
		       struct vmm_kmsg *km, struct vmm_watchdog *wd,
		       struct vmm_input_outcome *o, struct vmm_error *e)
{
	struct vmm_session *ss = NULL;

	if (mode == 1) {
		struct vmm_hooks quiet;

		ss = calloc(1, sizeof(*ss));
		if (!ss || vmm_session_init(ss, k, 0, e) < 0) {
			free(ss);
			return -1;
		}
		memset(&quiet, 0, sizeof(quiet));
		vmm_run_input_session(k, ss, buf, len, &quiet, NULL, wd, o);
	}
	vmm_run_input_session(k, ss, buf, len, hooks, km, wd, o);
	if (ss) {
		vmm_session_destroy(ss);
		free(ss);
	}
	return 0;
}

/* What one sandboxed run sends back to the parent. */
struct conc_report {
	int finding;
	char sig[VMM_SIG_MAX];
};

/* --concurrent N --sandbox: one run in a child process of its own, which
 * starts its own hang watchdog (threads do not survive fork), sets the VM
 * up outside the filter and enters it before the first KVM_RUN (the
 * filter widened for threads: vmm/sandbox.h), as --sandbox does for one
 * run per process. The outcome comes back through a pipe. 0 with o's
 * finding and sig filled in, or -1 after one line on stderr (*rc: the
 * exit code to use). */
static int concurrent_child(struct vmm_kvm *k, const uint8_t *buf, uint64_t len,
			    struct vmm_hooks *hooks, struct vmm_kmsg *km,
			    struct vmm_input_outcome *o, unsigned int run,
			    int *rc)
{
	struct conc_report rep;
	int p[2], st = 0;
	size_t got = 0;
	pid_t pid;

	(void)fflush(stdout);
	(void)fflush(stderr);
	if (pipe2(p, O_CLOEXEC) != 0) {
		(void)fprintf(stderr, "vmm: host error: pipe2: %s\n",
			      strerror(errno));
		*rc = RC_HOST;
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		struct vmm_watchdog wd;
		struct vmm_error e;
		int code = RC_OK;

		(void)close(p[0]);
		vmm_err_clear(&e);
		memset(&rep, 0, sizeof(rep));
		if (vmm_watchdog_start(&wd, replay_hang, NULL, &e) < 0 ||
		    replay_once(k, 0, buf, len, hooks, km, &wd, o, &e) < 0) {
			report_error(&e);
			code = RC_HOST;
		} else {
			rep.finding = (int)o->finding;
			memcpy(rep.sig, o->sig, sizeof(rep.sig));
			if (write(p[1], &rep, sizeof(rep)) !=
			    (ssize_t)sizeof(rep))
				code = RC_HOST;
		}
		(void)fflush(stdout);
		(void)fflush(stderr);
		_exit(code); /* in the sandbox: no clean-up, no atexit */
	}
	(void)close(p[1]);
	if (pid < 0) {
		(void)close(p[0]);
		(void)fprintf(stderr, "vmm: host error: fork: %s\n",
			      strerror(errno));
		*rc = RC_HOST;
		return -1;
	}
	while (got < sizeof(rep)) {
		ssize_t n = read(p[0], (char *)&rep + got, sizeof(rep) - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	(void)close(p[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (got == sizeof(rep) && WIFEXITED(st) && WEXITSTATUS(st) == 0 &&
	    rep.finding >= 0 && rep.finding < VMM_FIND_COUNT) {
		o->finding = (enum vmm_finding)rep.finding;
		rep.sig[sizeof(rep.sig) - 1] = '\0';
		memcpy(o->sig, rep.sig, sizeof(o->sig));
		return 0;
	}
	if (WIFEXITED(st) &&
	    WEXITSTATUS(st) ==
		    vmm_finding_info(VMM_FIND_VCPU_HANG)->replay_rc) {
		/* the child's watchdog fired (and said so on stderr) */
		o->finding = VMM_FIND_VCPU_HANG;
		(void)snprintf(o->sig, sizeof(o->sig), "vcpu-hang");
		return 0;
	}
	if (WIFSIGNALED(st))
		(void)fprintf(stderr,
			      "vmm: host error: concurrent run %u: the "
			      "sandboxed process died of signal %d (%s)%s\n",
			      run, WTERMSIG(st), strsignal(WTERMSIG(st)),
			      WTERMSIG(st) == SIGSYS
				      ? ": a system call the sandbox does not "
					"allow"
				      : "");
	else if (!WIFEXITED(st) || WEXITSTATUS(st) == 0)
		(void)fprintf(stderr,
			      "vmm: host error: concurrent run %u: no outcome "
			      "from the sandboxed process\n",
			      run);
	*rc = RC_HOST;
	return -1;
}

/* --concurrent N: the input N times in concurrent mode (fresh VMs, a
 * new random seed each), and how many runs found something, by class:
 *   concurrent: runs=N findings=K reproduced=K/N [classes=a,b]
 * The exit code is the first finding's, as for one replay. With
 * --sandbox (sandbox != 0) each run is a child process of its own
 * (concurrent_child); wd is then unused (each child starts its own). */
static int replay_concurrent(struct vmm_kvm *k, unsigned int n,
			     const uint8_t *buf, uint64_t len,
			     const char *watch, struct vmm_kmsg *km,
			     struct vmm_watchdog *wd,
			     struct vmm_input_outcome *o,
			     struct replay_ctx *rc_ctx, int sandbox)
{
	unsigned int found = 0, seen = 0; /* seen: finding classes, a mask */
	int rc = RC_OK;
	struct timespec now;
	struct vmm_error e;

	(void)clock_gettime(CLOCK_REALTIME, &now);
	for (unsigned int r = 0; r < n; r++) {
		struct vmm_hooks hooks;

		memset(&hooks, 0, sizeof(hooks));
		hooks.on_exit = replay_exit;
		hooks.on_action = replay_action;
		hooks.ctx = rc_ctx;
		hooks.watch = watch;
		hooks.skip_state = 1;
		hooks.concurrent_seed =
			((uint64_t)now.tv_nsec ^ (uint64_t)now.tv_sec << 20) +
			(r + 1) * 0x9E3779B97F4A7C15ULL;
		rc_ctx->trace = rc_ctx->trace && r == 0; /* trace once */
		rc_ctx->n = 0;
		vmm_err_clear(&e);
		if (sandbox) {
			int crc = RC_HOST;

			hooks.before_run = enter_sandbox;
			if (concurrent_child(k, buf, len, &hooks, km, o, r + 1,
					     &crc) < 0)
				return crc;
		} else if (replay_once(k, 0, buf, len, &hooks, km, wd, o, &e) <
			   0) {
			report_error(&e);
			return RC_HOST;
		}
		if (o->finding != VMM_FIND_NONE) {
			if (!found)
				(void)fprintf(stderr,
					      "FINDING %s (concurrent "
					      "run %u)\n",
					      o->sig, r + 1);
			if (!found)
				rc = vmm_finding_info(o->finding)->replay_rc;
			found++;
			seen |= 1U << o->finding;
		}
	}
	(void)printf("concurrent: runs=%u findings=%u reproduced=%u/%u", n,
		     found, found, n);
	for (unsigned int f = 1, first = 1; f < VMM_FIND_COUNT; f++)
		if (seen & (1U << f)) {
			(void)printf("%s%s", first ? " classes=" : ",",
				     vmm_finding_name((enum vmm_finding)f));
			first = 0;
		}
	(void)printf("\n");
	return rc;
}

static int cmd_replay(int argc, char **argv)
{
	const char *path = NULL, *watch = NULL;
	int kmsg = 0, console = 0, sandbox = 0, diff = 0, first, last;
	unsigned int concurrent = 0; /* --concurrent N: runs */
	int mode = 2; /* 0 fresh, 1 reset, 2 both; the last --mode wins */
	struct replay_ctx rc_ctx = { 0, 0, 0 };
	struct vmm_input_outcome *o;
	struct vmm_hooks hooks;
	struct vmm_watchdog wd;
	struct vmm_kmsg km = { -1, NULL };
	struct vmm_error e;
	struct vmm_kvm k;
	enum vmm_finding found[2] = { VMM_FIND_NONE, VMM_FIND_NONE };
	char sig[2][VMM_SIG_MAX] = { "", "" };
	uint8_t *buf;
	uint64_t len;
	int rc;

	enum {
		O_TRACE = 256,
		O_KMSG,
		O_CONSOLE,
		O_SANDBOX,
		O_WATCH,
		O_MODE,
		O_DIFF,
		O_CONCURRENT
	};
	static const struct option longopts[] = {
		{ "trace", no_argument, NULL, O_TRACE },
		{ "kmsg", no_argument, NULL, O_KMSG },
		{ "console", no_argument, NULL, O_CONSOLE },
		{ "sandbox", no_argument, NULL, O_SANDBOX },
		{ "watch", required_argument, NULL, O_WATCH },
		{ "mode", required_argument, NULL, O_MODE },
		{ "diff", no_argument, NULL, O_DIFF },
		{ "concurrent", required_argument, NULL, O_CONCURRENT },
		{ NULL, 0, NULL, 0 },
	};
	int st = 0;

	for (;;) {
		const char *v;
		int c = vmm_cli_getopt(argc, argv, "", longopts, "replay", &st,
				       &v);

		if (c == VMM_OPT_END)
			break;
		switch (c) {
		case O_TRACE:
			rc_ctx.trace = 1;
			break;
		case O_KMSG:
			kmsg = 1;
			break;
		case O_CONSOLE:
			console = 1;
			break;
		case O_SANDBOX:
			sandbox = 1;
			break;
		case O_DIFF:
			diff = 1;
			break;
		case O_WATCH:
			watch = v;
			break;
		case O_CONCURRENT: {
			char *end = NULL;
			unsigned long n = strtoul(v, &end, 10);

			if (!*v || *end || n == 0 || n > 100000)
				return usage_error("--concurrent takes a run "
						   "count 1..100000, not '%s'",
						   v);
			concurrent = (unsigned int)n;
			break;
		}
		case O_MODE: /* the last --mode wins */
			if (strcmp(v, "fresh") == 0)
				mode = 0;
			else if (strcmp(v, "reset") == 0)
				mode = 1;
			else if (strcmp(v, "both") == 0)
				mode = 2;
			else
				return usage_error("unknown replay mode '%s' "
						   "(fresh, reset, both)",
						   v);
			break;
		default:
			return RC_USAGE; /* printed by vmm_cli_getopt */
		}
	}
	for (int i = st; i < argc; i++) {
		if (path)
			return usage_error("unexpected argument '%s'", argv[i]);
		path = argv[i];
	}
	if (!path)
		return usage_error("%s", "replay needs a scenario FILE");
	first = mode == 1;
	last = mode != 0;
	if (concurrent && diff)
		return usage_error("%s",
				   "--concurrent runs threads of its own: not "
				   "with --diff");
	/* --concurrent: fresh VMs, each run a sandboxed process of its own */
	if (sandbox && first != last && !concurrent)
		return usage_error("%s",
				   "--sandbox needs --mode fresh or reset "
				   "(one run per process)");
	if (sandbox && diff)
		return usage_error("%s",
				   "--diff cannot run in the sandbox (it forks "
				   "and traces a child process)");
	if (diff) {
		char why[256];

		if (!vmm_diff_built(why, sizeof(why))) {
			(void)fprintf(stderr, "vmm: host cannot run this: %s\n",
				      why);
			return RC_HOST;
		}
	}
	rc = vmm_cli_read_file(path, VMM_SCENARIO_MAX_BYTES, "scenario", 0,
			       &buf, &len);
	if (rc != 0)
		return rc;
	o = malloc(sizeof(*o));
	if (!o) {
		free(buf);
		return RC_HOST;
	}
	/* Reject bad bytes before touching KVM. */
	vmm_err_clear(&e);
	if (vmm_scenario_decode(buf, len, &o->scenario, &e) < 0) {
		(void)fprintf(stderr, "vmm: error: %s: %s\n", path, e.msg);
		free(o);
		free(buf);
		return RC_USAGE;
	}
	rc = open_kvm(&k);
	if (rc != 0) {
		free(o);
		free(buf);
		return rc;
	}
	if (kmsg && vmm_kmsg_open(&km, NULL, &e) < 0) {
		report_error(&e);
		vmm_kvm_close(&k);
		free(o);
		free(buf);
		return RC_HOST;
	}
	rc_ctx.sandbox_needs = vmm_sandbox_needs(&o->scenario, concurrent != 0);
	if (concurrent && sandbox) { /* no thread here: each child forks */
		if (vmm_sandbox_prepare(&k, &e) < 0) {
			report_error(&e);
			rc = RC_HOST;
			goto out;
		}
		rc = replay_concurrent(&k, concurrent, buf, len, watch,
				       kmsg ? &km : NULL, NULL, o, &rc_ctx, 1);
		goto out;
	}
	if (vmm_watchdog_start(&wd, replay_hang, NULL, &e) < 0) {
		report_error(&e);
		rc = RC_HOST;
		goto out;
	}
	if (concurrent) {
		rc = replay_concurrent(&k, concurrent, buf, len, watch,
				       kmsg ? &km : NULL, &wd, o, &rc_ctx, 0);
		vmm_watchdog_stop(&wd);
		goto out;
	}
	for (int m = first; m <= last; m++) {
		memset(&hooks, 0, sizeof(hooks));
		if (console && m == first)
			hooks.out.write = write_stdout;
		hooks.on_exit = replay_exit;
		hooks.on_action = replay_action;
		hooks.ctx = &rc_ctx;
		hooks.watch = watch;
		rc_ctx.trace = rc_ctx.trace && m == first; /* trace once */
		rc_ctx.n = 0;
		if (sandbox)
			hooks.before_run = enter_sandbox;
		hooks.diff = diff && m == first; /* a fresh run of its own */
		if (replay_once(&k, m, buf, len, &hooks, kmsg ? &km : NULL, &wd,
				o, &e) < 0) {
			report_error(&e);
			rc = RC_HOST;
			vmm_watchdog_stop(&wd);
			goto out;
		}
		(void)printf(
			"replay: %sverdict=%s exits=%llu trace_hash=0x%016llx "
			"finding=%s\n",
			m == first ? "" : "reset: ",
			vmm_verdict_name(o->result.verdict),
			(unsigned long long)o->result.exits,
			(unsigned long long)o->result.trace_hash,
			vmm_finding_name(o->finding));
		if (rc_ctx.trace && o->result.msrs_refused)
			(void)printf("replay: msr records KVM_SET_MSRS "
				     "refused: %u\n",
				     o->result.msrs_refused);
		if (rc_ctx.trace && o->result.actions_fired)
			(void)printf("replay: action records fired: %u "
				     "(refused: %u)\n",
				     o->result.actions_fired,
				     o->result.actions_refused);
		if (rc_ctx.trace && o->result.irqs_sent)
			(void)printf("replay: irq records sent before the "
				     "first run: %u (MSIs a LAPIC took: %u)\n",
				     o->result.irqs_sent,
				     o->result.msi_delivered);
		if (!vmm_verdict_clean(o->result.verdict)) {
			char line[VMM_ERR_MSG_MAX + 128];

			vmm_err_format(&o->result.err, line, sizeof(line));
			(void)printf("replay: %sreason: %s\n",
				     m == first ? "" : "reset: ", line);
		}
		if (o->diff_ran)
			print_diff(&o->diff);
		found[m] = o->finding;
		(void)snprintf(sig[m], sizeof(sig[m]), "%s", o->sig);
	}
	vmm_watchdog_stop(&wd);
	if (first != last)
		(void)printf("replay: modes=%s%s reproduces=%s\n",
			     replay_modes[first], first != last ? "+reset" : "",
			     found[0] && found[1] ? "both"
			     : found[0]		  ? "fresh-only"
			     : found[1]		  ? "reset-only"
						  : "neither");
	/* Guest failures and host limits are reported above, not findings. */
	rc = RC_OK;
	for (int m = last; m >= first; m--) {
		if (found[m] != VMM_FIND_NONE) {
			(void)fprintf(stderr, "FINDING %s (mode=%s)\n", sig[m],
				      replay_modes[m]);
			rc = vmm_finding_info(found[m])->replay_rc;
		}
	}
out:
	vmm_kmsg_close(&km);
	vmm_kvm_close(&k);
	free(o);
	free(buf);
	return rc;
}

int main(int argc, char **argv)
{
	/* A closed stdout must not kill the VMM mid-run. */
	(void)signal(SIGPIPE, SIG_IGN);

	if (argc < 2) {
		(void)fputs(usage_text, stderr);
		return RC_USAGE;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		(void)fputs(usage_text, stdout);
		return RC_OK;
	}
	if (strcmp(argv[1], "caps") == 0)
		return cmd_caps(argc - 1, argv + 1);
	if (strcmp(argv[1], "run") == 0)
		return cmd_run(argc - 1, argv + 1);
	if (strcmp(argv[1], "decode") == 0)
		return cmd_decode(argc - 1, argv + 1);
	if (strcmp(argv[1], "encode") == 0)
		return cmd_encode(argc - 1, argv + 1);
	if (strcmp(argv[1], "replay") == 0)
		return cmd_replay(argc - 1, argv + 1);
	if (strcmp(argv[1], "export-c") == 0)
		return cmd_export_c(argc - 1, argv + 1);
	if (strcmp(argv[1], "reach") == 0)
		return cmd_reach(argc - 1, argv + 1);
	return usage_error("unknown command '%s'", argv[1]);
}

/* The kernel-log oracle: new WARNING/BUG/Oops lines in /dev/kmsg. */
#include "vmm/kmsg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int vmm_kmsg_open(struct vmm_kmsg *k, const struct vmm_sysops *ops,
		  struct vmm_error *e)
{
	k->ops = ops ? ops : vmm_sysops_default();
	k->fd = vmm_open(k->ops, "/dev/kmsg", O_RDONLY | O_NONBLOCK, e);
	if (k->fd < 0) {
		e->cls = VMM_ERR_HOST;
		vmm_err_prefix(e, "cannot read /dev/kmsg for the kernel-log "
				  "oracle (needs root or CAP_SYSLOG)");
		return -1;
	}
	(void)lseek(k->fd, 0, SEEK_END);
	return 0;
}

static int troubling(const char *m)
{
	static const char *const pats[] = {
		"WARNING:",   "BUG:",	"general protection",
		"Oops",	      "KASAN:", "UBSAN:",
		"kernel BUG", "RIP: ",	"Call Trace:",
	};

	for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++)
		if (strstr(m, pats[i]))
			return 1;
	return 0;
}

int vmm_kmsg_scan(struct vmm_kmsg *k, char *first, size_t len)
{
	char rec[1024];
	int hits = 0;

	if (first && len)
		first[0] = '\0';
	if (!k || k->fd < 0)
		return 0;
	for (;;) {
		ssize_t n = read(k->fd, rec, sizeof(rec) - 1);
		const char *msg;

		if (n < 0 && errno == EPIPE)
			continue; /* overwritten records: go on */
		if (n <= 0)
			break;
		rec[n] = '\0';
		msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		if (troubling(msg)) {
			if (hits == 0 && first && len) {
				(void)snprintf(first, len, "%s", msg);
				first[strcspn(first, "\n")] = '\0';
			}
			hits++;
		}
	}
	return hits;
}

void vmm_kmsg_close(struct vmm_kmsg *k)
{
	if (k && k->fd >= 0) {
		vmm_close(k->ops ? k->ops : vmm_sysops_default(), k->fd);
		k->fd = -1;
	}
}

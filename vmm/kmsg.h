/* The kernel-log oracle (finding host-kernel-log): lines in /dev/kmsg that
 * look like kernel trouble, logged while an input ran. */
#ifndef VMM_KMSG_H
#define VMM_KMSG_H

#include <stddef.h>

#include "vmm/err.h"
#include "vmm/sys.h"

struct vmm_kmsg {
	int fd;
	const struct vmm_sysops *ops;
};
/* Open positioned at the end of the log, through `ops` (NULL: libc).
 * VMM_ERR_HOST if unreadable. */
int vmm_kmsg_open(struct vmm_kmsg *k, const struct vmm_sysops *ops,
		  struct vmm_error *e);
/* Lines logged since the last call that look like kernel trouble; the first
 * one (message part) goes to `first`. */
int vmm_kmsg_scan(struct vmm_kmsg *k, char *first, size_t len);
void vmm_kmsg_close(struct vmm_kmsg *k);

#endif

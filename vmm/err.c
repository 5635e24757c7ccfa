#include "vmm/err.h"

#include "vmm/outcome.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void vmm_err_clear(struct vmm_error *e)
{
	if (!e)
		return;
	e->cls = VMM_ERR_NONE;
	e->call = NULL;
	e->req = 0;
	e->field = NULL;
	e->err = 0;
	e->msg[0] = '\0';
}

void vmm_err_vset(struct vmm_error *e, enum vmm_err_class cls, const char *call,
		  int err, const char *fmt, va_list ap)
{
	if (!e)
		return;
	e->cls = cls;
	e->call = call;
	e->req = 0;
	e->field = NULL;
	e->err = err;
	(void)vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
}

void vmm_err_set_ioctl(struct vmm_error *e, enum vmm_err_class cls,
		       unsigned long req, const char *call, int err,
		       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmm_err_vset(e, cls, call, err, fmt, ap);
	va_end(ap);
	if (e)
		e->req = req;
}

void vmm_err_contract(struct vmm_error *e, const char *call, const char *field,
		      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmm_err_vset(e, VMM_ERR_CONTRACT, call, 0, fmt, ap);
	va_end(ap);
	if (e)
		e->field = field;
}

void vmm_err_set(struct vmm_error *e, enum vmm_err_class cls, const char *call,
		 int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmm_err_vset(e, cls, call, err, fmt, ap);
	va_end(ap);
}

void vmm_err_prefix(struct vmm_error *e, const char *fmt, ...)
{
	char head[VMM_ERR_MSG_MAX];
	char joined[2 * VMM_ERR_MSG_MAX + 4];
	va_list ap;

	if (!e)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	(void)snprintf(joined, sizeof(joined), "%s: %s", head, e->msg);
	joined[sizeof(e->msg) - 1] = '\0'; /* keep the head, cut the tail */
	memcpy(e->msg, joined, sizeof(e->msg));
}

const char *vmm_errno_name(int err)
{
	const char *n = err ? strerrorname_np(err) : NULL;

	return n ? n : "E?";
}

const char *vmm_err_class_name(enum vmm_err_class cls)
{
	return vmm_err_class_info(cls)->name;
}

void vmm_err_format(const struct vmm_error *e, char *buf, size_t len)
{
	char ebuf[128];

	if (!buf || len == 0)
		return;
	if (!e) {
		buf[0] = '\0';
		return;
	}
	if (e->call && e->err) {
		const char *s = strerror_r(e->err, ebuf, sizeof(ebuf));

		(void)snprintf(buf, len, "%s [%s: %s (%s)]", e->msg, e->call,
			       vmm_errno_name(e->err), s);
	} else if (e->call) {
		(void)snprintf(buf, len, "%s [%s]", e->msg, e->call);
	} else {
		(void)snprintf(buf, len, "%s", e->msg);
	}
}

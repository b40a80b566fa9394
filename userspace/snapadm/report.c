// SPDX-License-Identifier: GPL-2.0
/* snapadm: the run's state, its messages and its netlink socket. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "args.h"
#include "nl.h"
#include "snapadm.h"

void snapadm_init(struct snapadm *adm)
{
	memset(adm, 0, sizeof(*adm));
	adm->out = stdout;
	adm->err = stderr;
}

void snapadm_release(struct snapadm *adm)
{
	snap_nl_close(adm->nl);
	adm->nl = NULL;
}

static void vreport(struct snapadm *adm, const char *fmt, va_list ap)
{
	/* Results already printed must come before the message. */
	fflush(adm->out);
	fputs("snapadm: ", adm->err);
	if (adm->where)
		fprintf(adm->err, "%s: ", adm->where);
	if (adm->cmd_name)
		fprintf(adm->err, "%s: ", adm->cmd_name);
	vfprintf(adm->err, fmt, ap);
	fputc('\n', adm->err);
}

int snapadm_fail(struct snapadm *adm, const char *fmt, ...)
{
	va_list ap;

	adm->already = false;
	va_start(ap, fmt);
	vreport(adm, fmt, ap);
	va_end(ap);
	return SNAPADM_FAILED;
}

int snapadm_usage_error(struct snapadm *adm, const char *fmt, ...)
{
	va_list ap;

	adm->already = false;
	va_start(ap, fmt);
	vreport(adm, fmt, ap);
	va_end(ap);
	return SNAPADM_USAGE;
}

void snapadm_warn(struct snapadm *adm, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(adm, fmt, ap);
	va_end(ap);
}

int snapadm_nl_fail(struct snapadm *adm)
{
	return snapadm_extack_fail(adm, snap_nl_last_error(adm->nl));
}

/*
 * "--pf_id: " when the kernel pointed at an attribute its message does not
 * name (policy checks say only "integer out of range"), else "".
 */
static void bad_attr_prefix(const struct snapadm *adm, const struct extack *ex,
			    char *buf, size_t len)
{
	char name[80], unknown[32];
	const char *value = NULL;

	buf[0] = '\0';
	if (ex->bad_attr <= 0)
		return;
	if (adm->args &&
	    args_find_attr(adm->args, ex->bad_attr, name, sizeof(name), &value)) {
		if (value && *value && strstr(ex->msg, value))
			return;
		snprintf(buf, len, "%s: ", name);
		return;
	}
	/* Added by the command itself (num_blocks of a bdev): the ABI name. */
	snprintf(buf, len, "%s: ", snap_attr_name(ex->bad_attr, unknown, sizeof(unknown)));
}

static int extack_report(struct snapadm *adm, const struct extack *ex,
			 const char *why)
{
	char buf[32], prefix[96];

	bad_attr_prefix(adm, ex, prefix, sizeof(prefix));
	if (ex->msg[0] && ex->allowed[0])
		return snapadm_fail(adm, "%s%s, allowed %s (%s)", prefix, ex->msg,
				    ex->allowed, why);
	if (ex->msg[0])
		return snapadm_fail(adm, "%s%s (%s)", prefix, ex->msg, why);
	if (ex->miss_type >= 0)
		return snapadm_fail(adm, "missing attribute %s (%s)",
				    snap_attr_name(ex->miss_type, buf, sizeof(buf)),
				    why);
	return snapadm_fail(adm, "%s%s", prefix, why);
}

int snapadm_extack_fail(struct snapadm *adm, const struct extack *ex)
{
	const char *why = strerror(ex->error ? ex->error : EIO);
	bool already = adm->exist_ok &&
		       (ex->error == EEXIST || ex->error == EALREADY);
	char text[96];
	int ret;

	if (already) {
		snprintf(text, sizeof(text), "%s; already there, taken as done", why);
		why = text;
	}
	ret = extack_report(adm, ex, why);
	adm->already = already;
	return ret;
}

int snapadm_settle(struct snapadm *adm, int ret)
{
	if (ret == SNAPADM_FAILED && adm->already)
		ret = SNAPADM_OK;
	adm->already = false;
	return ret;
}

int snapadm_nl(struct snapadm *adm, struct snap_nl **nl)
{
	char why[128];

	if (!adm->nl && snap_nl_open(&adm->nl, why, sizeof(why)))
		return snapadm_fail(adm, "%s", why);
	*nl = adm->nl;
	return SNAPADM_OK;
}

// SPDX-License-Identifier: GPL-2.0
/* The nvmf bdev definition: written by snapadm, read by both. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvmf_def.h"

enum def_kind { DEF_STR, DEF_U32, DEF_I32, DEF_BOOL };

struct def_field {
	const char *key;
	enum def_kind kind;
	size_t off, size;
	bool required;
};

#define FIELD(k, kind, req) { #k, kind, offsetof(struct nvmf_def, k), \
			      sizeof(((struct nvmf_def *)0)->k), req }
#define STR_FIELD(k, req) FIELD(k, DEF_STR, req)

static const struct def_field fields[] = {
	STR_FIELD(ctrlr, true),
	STR_FIELD(trtype, true),
	STR_FIELD(adrfam, true),
	STR_FIELD(traddr, true),
	STR_FIELD(trsvcid, true),
	STR_FIELD(subnqn, true),
	FIELD(nsid, DEF_U32, true),
	STR_FIELD(hostnqn, false),
	FIELD(hdgst, DEF_BOOL, false),
	FIELD(ddgst, DEF_BOOL, false),
	FIELD(ctrlr_loss_timeout_sec, DEF_I32, false),
	FIELD(reconnect_delay_sec, DEF_U32, false),
	FIELD(fast_io_fail_timeout_sec, DEF_U32, false),
	FIELD(keep_alive_timeout_ms, DEF_U32, false),
	FIELD(rdma_srq_size, DEF_U32, false),
};

#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static const struct def_field *field_of(const char *key, size_t klen)
{
	for (size_t i = 0; i < NFIELDS; i++)
		if (strlen(fields[i].key) == klen && !strncmp(fields[i].key, key, klen))
			return &fields[i];
	return NULL;
}

static bool one_of(const char *v, const char *a, const char *b)
{
	return !strcmp(v, a) || (b && !strcmp(v, b));
}

/* SPDK's rules for the reconnect policy (bdev_nvme), its words. */
static int check_reconnect(const struct nvmf_def *d, char *err, size_t errlen)
{
	int32_t loss = d->ctrlr_loss_timeout_sec;
	uint32_t delay = d->reconnect_delay_sec, fast = d->fast_io_fail_timeout_sec;
	const char *why = NULL;

	if (loss < -1)
		why = "ctrlr_loss_timeout_sec can't be less than -1";
	else if (!loss && (delay || fast))
		why = "Both reconnect_delay_sec and fast_io_fail_timeout_sec must be 0 "
		      "if ctrlr_loss_timeout_sec is 0";
	else if (loss && !delay)
		why = "reconnect_delay_sec can't be 0 if ctrlr_loss_timeout_sec is not 0";
	else if (loss > 0 && delay > (uint32_t)loss)
		why = "reconnect_delay_sec can't be more than ctrlr_loss_timeout_sec";
	else if (loss && fast && fast < delay)
		why = "reconnect_delay_sec can't be more than fast_io_fail_timeout_sec";
	else if (loss > 0 && fast > (uint32_t)loss)
		why = "fast_io_fail_timeout_sec can't be more than ctrlr_loss_timeout_sec";
	if (!why)
		return 0;
	snprintf(err, errlen, "%s (ctrlr_loss_timeout_sec %d, reconnect_delay_sec %u, "
		 "fast_io_fail_timeout_sec %u)", why, loss, delay, fast);
	return -EINVAL;
}

/* What a stored or a new definition must satisfy alike. */
static int check_def(const struct nvmf_def *d, char *err, size_t errlen)
{
	bool rdma = !strcmp(d->trtype, "rdma");

	if (!one_of(d->trtype, "tcp", "rdma")) {
		snprintf(err, errlen, "trtype %s: want tcp or rdma", d->trtype);
		return -EINVAL;
	}
	if (rdma && (d->hdgst || d->ddgst)) {
		snprintf(err, errlen, "header and data digests are NVMe/TCP's, not rdma's");
		return -EINVAL;
	}
	if (d->rdma_srq_size > NVMF_RDMA_SRQ_MAX) {
		snprintf(err, errlen, "rdma_srq_size %u: at most %u (0 turns the SRQ off)",
			 d->rdma_srq_size, NVMF_RDMA_SRQ_MAX);
		return -EINVAL;
	}
	if (!rdma && d->rdma_srq_size) {
		snprintf(err, errlen, "rdma_srq_size is for trtype rdma");
		return -EINVAL;
	}
	if (!one_of(d->adrfam, "ipv4", "ipv6")) {
		snprintf(err, errlen, "adrfam %s: want ipv4 or ipv6", d->adrfam);
		return -EINVAL;
	}
	if (!d->nsid || d->nsid == UINT32_MAX) {
		snprintf(err, errlen, "nsid must be 1 to %u", UINT32_MAX - 1);
		return -EINVAL;
	}
	if (check_reconnect(d, err, errlen))
		return -EINVAL;
	for (size_t i = 0; i < NFIELDS; i++) {
		const char *v = (const char *)d + fields[i].off;

		if (fields[i].kind != DEF_STR)
			continue;
		if (fields[i].required && !*v) {
			snprintf(err, errlen, "no %s", fields[i].key);
			return -EINVAL;
		}
		if (strpbrk(v, " \t\n=")) {
			snprintf(err, errlen, "%s '%s': want one word without '='",
				 fields[i].key, v);
			return -EINVAL;
		}
	}
	return 0;
}

static int set_field(struct nvmf_def *d, const struct def_field *f, const char *v,
		     size_t vlen, char *err, size_t errlen)
{
	char *dst = (char *)d + f->off;
	char num[16];
	char *end;
	unsigned long n;

	if (f->kind == DEF_BOOL) {
		if (vlen != 1 || (v[0] != '0' && v[0] != '1')) {
			snprintf(err, errlen, "%s wants 0 or 1", f->key);
			return -EINVAL;
		}
		*(bool *)dst = v[0] == '1';
		return 0;
	}
	if (f->kind == DEF_STR) {
		if (vlen >= f->size) {
			snprintf(err, errlen, "%s is longer than %zu bytes", f->key, f->size - 1);
			return -EINVAL;
		}
		memcpy(dst, v, vlen);
		dst[vlen] = 0;
		return 0;
	}
	if (!vlen || vlen >= sizeof(num)) {
		snprintf(err, errlen, "bad %s", f->key);
		return -EINVAL;
	}
	memcpy(num, v, vlen);
	num[vlen] = 0;
	if (f->kind == DEF_I32) {
		long l;

		errno = 0;
		l = strtol(num, &end, 10);
		if (errno || *end || l < INT32_MIN || l > INT32_MAX) {
			snprintf(err, errlen, "bad %s '%s'", f->key, num);
			return -EINVAL;
		}
		*(int32_t *)dst = (int32_t)l;
		return 0;
	}
	errno = 0;
	n = strtoul(num, &end, 10);
	if (errno || *end || num[0] == '-' || n > UINT32_MAX) {
		snprintf(err, errlen, "bad %s '%s'", f->key, num);
		return -EINVAL;
	}
	*(uint32_t *)dst = (uint32_t)n;
	return 0;
}

int nvmf_def_parse(const char *s, struct nvmf_def *d, char *err, size_t errlen)
{
	memset(d, 0, sizeof(*d));
	d->keep_alive_timeout_ms = NVMF_DEF_KATO_MS;
	while (*s) {
		size_t wlen = strcspn(s, " \t\n"), klen;
		const struct def_field *f;
		const char *eq;
		int ret;

		if (!wlen) {
			s++;
			continue;
		}
		eq = memchr(s, '=', wlen);
		klen = eq ? (size_t)(eq - s) : wlen;
		f = eq ? field_of(s, klen) : NULL;
		if (!f) {
			snprintf(err, errlen, "unknown word '%.*s'", (int)wlen, s);
			return -EINVAL;
		}
		ret = set_field(d, f, eq + 1, wlen - klen - 1, err, errlen);
		if (ret)
			return ret;
		s += wlen;
	}
	return check_def(d, err, errlen);
}

int nvmf_def_format(const struct nvmf_def *d, char *buf, size_t len, char *err,
		    size_t errlen)
{
	char policy[96] = "", kato[40] = "", srq[32] = "";
	int n, ret = check_def(d, err, errlen);

	if (ret)
		return ret;
	if (d->ctrlr_loss_timeout_sec)
		snprintf(policy, sizeof(policy), " ctrlr_loss_timeout_sec=%d reconnect_delay_sec=%u%s",
			 d->ctrlr_loss_timeout_sec, d->reconnect_delay_sec,
			 d->fast_io_fail_timeout_sec ? " fast_io_fail_timeout_sec=" : "");
	if (d->fast_io_fail_timeout_sec)
		snprintf(policy + strlen(policy), sizeof(policy) - strlen(policy), "%u",
			 d->fast_io_fail_timeout_sec);
	if (d->keep_alive_timeout_ms != NVMF_DEF_KATO_MS)
		snprintf(kato, sizeof(kato), " keep_alive_timeout_ms=%u", d->keep_alive_timeout_ms);
	if (d->rdma_srq_size)
		snprintf(srq, sizeof(srq), " rdma_srq_size=%u", d->rdma_srq_size);
	n = snprintf(buf, len,
		     "ctrlr=%s trtype=%s adrfam=%s traddr=%s trsvcid=%s subnqn=%s nsid=%u%s%s%s%s%s%s%s",
		     d->ctrlr, d->trtype, d->adrfam, d->traddr, d->trsvcid, d->subnqn,
		     d->nsid, d->hostnqn[0] ? " hostnqn=" : "", d->hostnqn,
		     d->hdgst ? " hdgst=1" : "", d->ddgst ? " ddgst=1" : "", policy, kato, srq);
	if (n < 0 || (size_t)n >= len) {
		snprintf(err, errlen, "the definition is longer than %zu bytes", len - 1);
		return -ENAMETOOLONG;
	}
	return 0;
}

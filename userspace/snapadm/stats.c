// SPDX-License-Identifier: GPL-2.0
/*
 * snapadm: I/O statistics and queue state of controllers (SNAP's
 * *_dbg_io_stats_get and *_dbg_debug_stats_get), iostat, and bdevs' I/O
 * statistics (SPDK's bdev_get_iostat). The counters live in kernel memory
 * (struct snap_io_stats in the function state, struct snap_bdev_stats per
 * bdev), so they survive a daemon restart.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <netlink/attr.h>

#include "cmds.h"
#include "json.h"
#include "nl.h"

#define STATS_MAX_QUEUES	SNAP_NVME_MAX_QUEUES

struct ctrl_stats {
	char name[SNAP_NAME_MAX];
	unsigned int nq;
	struct snap_io_stats io[STATS_MAX_QUEUES];
	/* NVMe */
	struct snap_queue_state sq[STATS_MAX_QUEUES];
	struct snap_queue_state cq[STATS_MAX_QUEUES];
	/* virtio-blk */
	bool virtio;
	struct snap_vq_state vq[STATS_MAX_QUEUES];
};

/* An array attribute into dst (max elements of size); how many came. */
static unsigned int copy_array(void *dst, const struct nlattr *a, size_t size,
			       unsigned int max)
{
	unsigned int n = a ? (unsigned int)(nla_len(a) / size) : 0;

	if (n > max)
		n = max;
	if (n)
		memcpy(dst, nla_data(a), n * size);
	return n;
}

static int take_stats(uint8_t cmd, struct nlattr **tb, void *arg)
{
	struct ctrl_stats *s = arg;

	(void)cmd;
	if (tb[SNAP_A_NAME] && snap_nla_string(tb[SNAP_A_NAME]))
		snprintf(s->name, sizeof(s->name), "%s", snap_nla_string(tb[SNAP_A_NAME]));
	s->nq = copy_array(s->io, tb[SNAP_A_IO_STATS], sizeof(s->io[0]), STATS_MAX_QUEUES);
	copy_array(s->sq, tb[SNAP_A_SQ_STATE], sizeof(s->sq[0]), STATS_MAX_QUEUES);
	copy_array(s->cq, tb[SNAP_A_CQ_STATE], sizeof(s->cq[0]), STATS_MAX_QUEUES);
	copy_array(s->vq, tb[SNAP_A_VQ_STATE], sizeof(s->vq[0]), STATS_MAX_QUEUES);
	return 0;
}

static int put_name(struct nl_msg *msg, const void *ctx)
{
	return nla_put_string(msg, SNAP_A_NAME, ctx);
}

static int get_stats(struct snapadm *adm, const char *name, bool virtio,
		     struct ctrl_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->virtio = virtio;
	return nlcmd_request(adm, virtio ? SNAP_CMD_VBLK_CTRL_STATS_GET :
				       SNAP_CMD_NVME_CTRL_STATS_GET,
			     false, put_name, name, take_stats, s);
}

static void stats_add(struct snap_io_stats *sum, const struct snap_io_stats *q)
{
	sum->read_ops += q->read_ops;
	sum->read_bytes += q->read_bytes;
	sum->read_lat_ns += q->read_lat_ns;
	sum->write_ops += q->write_ops;
	sum->write_bytes += q->write_bytes;
	sum->write_lat_ns += q->write_lat_ns;
	sum->unmap_ops += q->unmap_ops;
	sum->unmap_lat_ns += q->unmap_lat_ns;
	sum->flush_ops += q->flush_ops;
	sum->other_ops += q->other_ops;
	sum->errors += q->errors;
}

static struct snap_io_stats stats_total(const struct ctrl_stats *s)
{
	struct snap_io_stats sum = { 0 };

	for (unsigned int q = 0; q < s->nq; q++)
		stats_add(&sum, &s->io[q]);
	return sum;
}

static bool stats_empty(const struct snap_io_stats *q)
{
	return !(q->read_ops | q->write_ops | q->unmap_ops | q->flush_ops |
		 q->other_ops | q->errors);
}

/* SPDK's bdev_get_iostat names, latencies in ns rather than ticks. */
static void io_json(struct json_writer *w, const struct snap_io_stats *q)
{
	json_kv_uint(w, "num_read_ops", q->read_ops);
	json_kv_uint(w, "bytes_read", q->read_bytes);
	json_kv_uint(w, "read_latency_ns", q->read_lat_ns);
	json_kv_uint(w, "num_write_ops", q->write_ops);
	json_kv_uint(w, "bytes_written", q->write_bytes);
	json_kv_uint(w, "write_latency_ns", q->write_lat_ns);
	json_kv_uint(w, "num_unmap_ops", q->unmap_ops);
	json_kv_uint(w, "unmap_latency_ns", q->unmap_lat_ns);
	json_kv_uint(w, "num_flush_ops", q->flush_ops);
	json_kv_uint(w, "num_other_ops", q->other_ops);
	json_kv_uint(w, "io_errors", q->errors);
}

static int print_io_stats(struct snapadm *adm, const struct ctrl_stats *s)
{
	struct snap_io_stats sum = stats_total(s);
	struct json_writer w;

	json_init(&w, adm->out);
	json_object_start(&w);
	json_kv_string(&w, "ctrl_id", s->name);
	io_json(&w, &sum);
	json_key(&w, "queues");
	json_array_start(&w);
	for (unsigned int q = 0; q < s->nq; q++) {
		if (stats_empty(&s->io[q]))
			continue;
		json_object_start(&w);
		json_kv_uint(&w, s->virtio ? "vq" : "qid", q);
		io_json(&w, &s->io[q]);
		json_object_end(&w);
	}
	json_array_end(&w);
	json_object_end(&w);
	return json_finish(&w) ? SNAPADM_FAILED : SNAPADM_OK;
}

static void queue_json(struct json_writer *w, const char *key,
		       const struct snap_queue_state *q)
{
	json_key(w, key);
	json_object_start(w);
	json_kv_uint(w, "base", q->base);
	json_kv_uint(w, "size", q->size);
	json_kv_uint(w, "cqid", q->cqid);
	json_kv_uint(w, "vector", q->vector);
	json_kv_uint(w, "head", q->head);
	json_kv_uint(w, "tail", q->tail);
	json_kv_uint(w, "doorbell", q->doorbell);
	if (!strcmp(key, "cq"))
		json_kv_uint(w, "phase", q->phase);
	else
		json_kv_uint(w, "inflight", q->inflight);
	json_object_end(w);
}

static void vq_json(struct json_writer *w, unsigned int i, const struct snap_vq_state *v)
{
	json_object_start(w);
	json_kv_uint(w, "vq", i);
	json_kv_uint(w, "size", v->size);
	json_kv_uint(w, "vector", v->vector);
	json_kv_uint(w, "desc", v->desc);
	json_kv_uint(w, "driver", v->driver);
	json_kv_uint(w, "device", v->device);
	json_kv_uint(w, "avail_idx", v->avail);
	json_kv_uint(w, "used_idx", v->used);
	json_kv_uint(w, "inflight", v->inflight);
	json_object_end(w);
}

/* The queues that exist, as the kernel keeps them. */
static int print_debug_stats(struct snapadm *adm, const struct ctrl_stats *s)
{
	struct json_writer w;

	json_init(&w, adm->out);
	json_object_start(&w);
	json_kv_string(&w, "ctrl_id", s->name);
	json_key(&w, "queues");
	json_array_start(&w);
	for (unsigned int q = 0; q < s->nq; q++) {
		if (s->virtio) {
			if (s->vq[q].size)
				vq_json(&w, q, &s->vq[q]);
			continue;
		}
		if (!s->sq[q].size && !s->cq[q].size)
			continue;
		json_object_start(&w);
		json_kv_uint(&w, "qid", q);
		if (s->sq[q].size)
			queue_json(&w, "sq", &s->sq[q]);
		if (s->cq[q].size)
			queue_json(&w, "cq", &s->cq[q]);
		json_object_end(&w);
	}
	json_array_end(&w);
	json_object_end(&w);
	return json_finish(&w) ? SNAPADM_FAILED : SNAPADM_OK;
}

/* cmd->aux: 1 for virtio-blk; the io or the debug view by the name. */
static int run_dbg_stats(struct snapadm *adm, const struct snapadm_cmd *cmd,
			 const struct parsed_args *a)
{
	struct ctrl_stats *s = malloc(sizeof(*s));
	int ret;

	if (!s)
		return snapadm_fail(adm, "out of memory");
	ret = get_stats(adm, args_get(a, "ctrl")->str, cmd->aux, s);
	if (!ret)
		ret = strstr(cmd->name, "_io_stats_") ? print_io_stats(adm, s) :
							 print_debug_stats(adm, s);
	free(s);
	return ret;
}

/* ---- iostat ---- */

struct ctrl_names {
	char (*name)[SNAP_NAME_MAX];
	bool *virtio;
	unsigned int n, cap;
	bool adding_virtio;
};

static int add_name(uint8_t cmd, struct nlattr **tb, void *arg)
{
	struct ctrl_names *l = arg;

	(void)cmd;
	if (!tb[SNAP_A_NAME] || !snap_nla_string(tb[SNAP_A_NAME]))
		return 0;
	if (l->n == l->cap) {
		unsigned int cap = l->cap ? l->cap * 2 : 16;
		void *names = realloc(l->name, cap * sizeof(*l->name));
		bool *virtio;

		if (!names)
			return -ENOMEM;
		l->name = names;
		virtio = realloc(l->virtio, cap * sizeof(*l->virtio));
		if (!virtio)
			return -ENOMEM;
		l->virtio = virtio;
		l->cap = cap;
	}
	snprintf(l->name[l->n], sizeof(l->name[0]), "%s", snap_nla_string(tb[SNAP_A_NAME]));
	l->virtio[l->n++] = l->adding_virtio;
	return 0;
}

static int list_ctrls(struct snapadm *adm, struct ctrl_names *l)
{
	int ret = nlcmd_request(adm, SNAP_CMD_NVME_CTRL_GET, true, NULL, NULL, add_name, l);

	if (ret)
		return ret;
	l->adding_virtio = true;
	return nlcmd_request(adm, SNAP_CMD_VBLK_CTRL_GET, true, NULL, NULL, add_name, l);
}

static double per_sec(uint64_t v, double secs)
{
	return secs > 0 ? (double)v / secs : 0;
}

static double await_ms(uint64_t lat_ns, uint64_t ops)
{
	return ops ? (double)lat_ns / (double)ops / 1e6 : 0;
}

/*
 * One line per controller: rates of now - then over secs, as iostat -x.
 * Counters that went back (a new controller of the same name) count from 0.
 */
static void iostat_rates(FILE *out, const char *name, const struct snap_io_stats *now,
			 const struct snap_io_stats *then, double secs)
{
	static const struct snap_io_stats zero;
	uint64_t r, w;

	if (now->read_ops < then->read_ops || now->write_ops < then->write_ops ||
	    now->errors < then->errors)
		then = &zero;
	r = now->read_ops - then->read_ops;
	w = now->write_ops - then->write_ops;

	fprintf(out, "%-16s %10.1f %10.1f %10.2f %10.2f %9.3f %9.3f %8.1f\n", name,
		per_sec(r, secs), per_sec(w, secs),
		per_sec(now->read_bytes - then->read_bytes, secs) / 1048576,
		per_sec(now->write_bytes - then->write_bytes, secs) / 1048576,
		await_ms(now->read_lat_ns - then->read_lat_ns, r),
		await_ms(now->write_lat_ns - then->write_lat_ns, w),
		per_sec(now->errors - then->errors, secs));
}

/* Totals since the controller was created. */
static void iostat_totals(FILE *out, const char *name, const struct snap_io_stats *t)
{
	fprintf(out, "%-16s %10llu %10llu %10.2f %10.2f %9.3f %9.3f %8llu\n", name,
		(unsigned long long)t->read_ops, (unsigned long long)t->write_ops,
		(double)t->read_bytes / 1048576, (double)t->write_bytes / 1048576,
		await_ms(t->read_lat_ns, t->read_ops), await_ms(t->write_lat_ns, t->write_ops),
		(unsigned long long)t->errors);
}

/* CLOCK_MONOTONIC, the clock the daemon measures latencies with. */
static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double now_s(void)
{
	return (double)now_ns() / 1e9;
}

/* Every listed controller's totals (those -c names) into sums. */
static int sample(struct snapadm *adm, const struct ctrl_names *l, const char *only,
		  struct ctrl_stats *s, struct snap_io_stats *sums)
{
	for (unsigned int i = 0; i < l->n; i++) {
		int ret;

		if (only && strcmp(only, l->name[i]))
			continue;
		ret = get_stats(adm, l->name[i], l->virtio[i], s);
		if (ret)
			return ret;
		sums[i] = stats_total(s);
	}
	return SNAPADM_OK;
}

/*
 * Without INTERVAL: the totals since each controller was created. With
 * it: every INTERVAL seconds, the rates over the interval just past
 * (COUNT reports, or until interrupted), as iostat -x does after its
 * first report.
 */
static int run_iostat(struct snapadm *adm, const struct snapadm_cmd *cmd,
		      const struct parsed_args *a)
{
	const struct arg_val *ctrl = args_get(a, "ctrl");
	const struct arg_val *interval = args_get(a, "interval");
	const struct arg_val *count = args_get(a, "count");
	/* args_get() gives NULL for what was not given. */
	const char *only = ctrl ? ctrl->str : NULL;
	struct ctrl_names l = { 0 };
	struct snap_io_stats *then = NULL, *now = NULL;
	struct ctrl_stats *s = malloc(sizeof(*s));
	bool found = !only;
	double t0, t;
	int ret;

	(void)cmd;
	if (!s)
		return snapadm_fail(adm, "out of memory");
	ret = list_ctrls(adm, &l);
	if (ret)
		goto out;
	for (unsigned int i = 0; i < l.n; i++)
		found |= only && !strcmp(only, l.name[i]);
	if (!found) {
		ret = snapadm_fail(adm, "no controller %s", only);
		goto out;
	}
	then = calloc(l.n ? l.n : 1, sizeof(*then));
	now = calloc(l.n ? l.n : 1, sizeof(*now));
	if (!then || !now) {
		ret = snapadm_fail(adm, "out of memory");
		goto out;
	}
	t0 = now_s();
	ret = sample(adm, &l, only, s, then);
	if (ret || !interval) {
		if (ret)
			goto out;
		fprintf(adm->out, "%-16s %10s %10s %10s %10s %9s %9s %8s\n", "ctrl",
			"reads", "writes", "rMB", "wMB", "r_await", "w_await", "errors");
		for (unsigned int i = 0; i < l.n; i++)
			if (!only || !strcmp(only, l.name[i]))
				iostat_totals(adm->out, l.name[i], &then[i]);
		goto out;
	}
	for (uint64_t k = 0; !count || k < count->num; k++) {
		sleep(interval->num ? (unsigned int)interval->num : 1);
		t = now_s();
		ret = sample(adm, &l, only, s, now);
		if (ret)
			goto out;
		fprintf(adm->out, "%-16s %10s %10s %10s %10s %9s %9s %8s\n", "ctrl",
			"r/s", "w/s", "rMB/s", "wMB/s", "r_await", "w_await", "err/s");
		for (unsigned int i = 0; i < l.n; i++)
			if (!only || !strcmp(only, l.name[i]))
				iostat_rates(adm->out, l.name[i], &now[i], &then[i], t - t0);
		fprintf(adm->out, "\n");
		fflush(adm->out);
		memcpy(then, now, l.n * sizeof(*then));
		t0 = t;
	}
out:
	free(l.name);
	free(l.virtio);
	free(then);
	free(now);
	free(s);
	return ret;
}

/* ---- bdev_get_iostat ---- */

struct bdev_iostat {
	char name[SNAP_NAME_MAX];
	struct snap_bdev_stats st;
};

struct bdev_iostats {
	struct bdev_iostat *v;
	unsigned int n, cap;
};

static int take_bdev_stats(uint8_t cmd, struct nlattr **tb, void *arg)
{
	struct bdev_iostats *l = arg;
	struct bdev_iostat *e;

	(void)cmd;
	if (!tb[SNAP_A_NAME] || !snap_nla_string(tb[SNAP_A_NAME]))
		return 0;
	if (l->n == l->cap) {
		unsigned int cap = l->cap ? l->cap * 2 : 16;
		void *v = realloc(l->v, cap * sizeof(*l->v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	e = &l->v[l->n++];
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", snap_nla_string(tb[SNAP_A_NAME]));
	copy_array(&e->st, tb[SNAP_A_BDEV_STATS], sizeof(e->st), 1);
	return 0;
}

static void latency_json(struct json_writer *w, const char *kind, uint64_t sum,
			 uint64_t max, uint64_t min)
{
	char key[48];

	snprintf(key, sizeof(key), "%s_latency_ticks", kind);
	json_kv_uint(w, key, sum);
	snprintf(key, sizeof(key), "max_%s_latency_ticks", kind);
	json_kv_uint(w, key, max);
	snprintf(key, sizeof(key), "min_%s_latency_ticks", kind);
	json_kv_uint(w, key, min);
}

/* SPDK's names; ticks are ns. SPDK has no flush, write-zeroes or error count. */
static void bdev_iostat_json(struct json_writer *w, const struct bdev_iostat *e)
{
	const struct snap_bdev_stats *s = &e->st;

	json_object_start(w);
	json_kv_string(w, "name", e->name);
	json_kv_uint(w, "bytes_read", s->io.read_bytes);
	json_kv_uint(w, "num_read_ops", s->io.read_ops);
	json_kv_uint(w, "bytes_written", s->io.write_bytes);
	json_kv_uint(w, "num_write_ops", s->io.write_ops);
	json_kv_uint(w, "bytes_unmapped", s->unmap_bytes);
	json_kv_uint(w, "num_unmap_ops", s->io.unmap_ops);
	latency_json(w, "read", s->io.read_lat_ns, s->max_read_lat_ns, s->min_read_lat_ns);
	latency_json(w, "write", s->io.write_lat_ns, s->max_write_lat_ns, s->min_write_lat_ns);
	latency_json(w, "unmap", s->io.unmap_lat_ns, s->max_unmap_lat_ns, s->min_unmap_lat_ns);
	json_kv_uint(w, "num_flush_ops", s->io.flush_ops);
	json_kv_uint(w, "num_write_zeroes_ops", s->io.other_ops);
	json_kv_uint(w, "io_errors", s->io.errors);
	json_object_end(w);
}

/* One bdev (-b, an error when there is none) or all, as SPDK prints them. */
static int run_bdev_iostat(struct snapadm *adm, const struct snapadm_cmd *cmd,
			   const struct parsed_args *a)
{
	const struct arg_val *name = args_get(a, "name");
	struct bdev_iostats l = { 0 };
	struct json_writer w;
	int ret;

	(void)cmd;
	ret = nlcmd_request(adm, SNAP_CMD_BDEV_STATS_GET, !name, name ? put_name : NULL,
			    name ? name->str : NULL, take_bdev_stats, &l);
	if (ret)
		goto out;
	json_init(&w, adm->out);
	json_object_start(&w);
	json_kv_uint(&w, "tick_rate", 1000000000);
	json_kv_uint(&w, "ticks", now_ns());
	json_key(&w, "bdevs");
	json_array_start(&w);
	for (unsigned int i = 0; i < l.n; i++)
		bdev_iostat_json(&w, &l.v[i]);
	json_array_end(&w);
	json_object_end(&w);
	ret = json_finish(&w) ? SNAPADM_FAILED : SNAPADM_OK;
out:
	free(l.v);
	return ret;
}

static const struct opt_def ctrl_opts[] = {
	{ "ctrl", "c", OPT_STR, OPT_NO_ATTR, OPT_REQUIRED, 0, "controller name" },
	OPT_END,
};

static const struct opt_def iostat_opts[] = {
	{ "ctrl", "c", OPT_STR, OPT_NO_ATTR, 0, 0, "only this controller" },
	OPT_END,
};

static const struct opt_def bdev_iostat_opts[] = {
	{ "name", "b", OPT_STR, OPT_NO_ATTR, 0, 0, "only this bdev" },
	OPT_END,
};

static const struct opt_def iostat_pos[] = {
	{ "interval", NULL, OPT_U32, OPT_NO_ATTR, 0, 0, "seconds between reports" },
	{ "count", NULL, OPT_U32, OPT_NO_ATTR, 0, 0, "reports to print (default: until interrupted)" },
	OPT_END,
};

const struct snapadm_cmd stats_cmds[] = {
	{
		.name = "nvme_controller_dbg_io_stats_get",
		.help = "an NVMe controller's I/O counters, in total and per queue",
		.opts = ctrl_opts, .run = run_dbg_stats, .aux = 0,
	},
	{
		.name = "nvme_controller_dbg_debug_stats_get",
		.help = "an NVMe controller's SQ and CQ state, as the kernel keeps it",
		.opts = ctrl_opts, .run = run_dbg_stats, .aux = 0,
	},
	{
		.name = "virtio_blk_controller_dbg_io_stats_get",
		.help = "a virtio-blk controller's I/O counters, in total and per virtqueue",
		.opts = ctrl_opts, .run = run_dbg_stats, .aux = 1,
	},
	{
		.name = "virtio_blk_controller_dbg_debug_stats_get",
		.help = "a virtio-blk controller's virtqueue state, as the kernel keeps it",
		.opts = ctrl_opts, .run = run_dbg_stats, .aux = 1,
	},
	{
		.name = "iostat",
		.help = "[-c NAME] [INTERVAL [COUNT]]: I/O rates per controller, like iostat",
		.opts = iostat_opts, .pos = iostat_pos, .run = run_iostat,
	},
	{
		.name = "bdev_get_iostat",
		.help = "[-b NAME]: bdevs' I/O counters as SPDK's bdev_get_iostat (ticks are ns)",
		.opts = bdev_iostat_opts, .run = run_bdev_iostat,
	},
	{ .name = NULL },
};

// SPDX-License-Identifier: GPL-2.0
/*
 * snapadm: remote NVMe-oF namespaces as bdevs, with spdk_rpc.py's names
 * (bdev_nvme_attach_controller -b Nvme0 -t tcp -a 127.0.0.1 -s 4420 -n NQN).
 * The module stores each namespace as an nvmf bdev <NAME>n<NSID> whose
 * bdev_args is its definition (userspace/lib/nvmf_def.h); snap_service
 * connects by it. A controller is the set of nvmf bdevs whose definition
 * names it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bdev/nvmf.h"
#include "cmds.h"
#include "json.h"
#include "nl.h"
#include "nvmf_def.h"

/* What the module holds of one nvmf bdev. */
struct nvmf_bdev_info {
	char name[SNAP_NAME_MAX];
	struct nvmf_def def;
	bool ready;
	char error[SNAP_ERROR_MAX];
};

struct nvmf_list {
	struct nvmf_bdev_info *v;
	size_t n, cap;
};

static int note_nvmf_bdev(uint8_t cmd, struct nlattr **tb, void *arg)
{
	struct nvmf_list *l = arg;
	struct nvmf_bdev_info *bi;
	char why[128];

	(void)cmd;
	if (!tb[SNAP_A_BDEV_TYPE] || nla_get_u8(tb[SNAP_A_BDEV_TYPE]) != SNAP_BDEV_NVMF ||
	    !tb[SNAP_A_NAME] || !tb[SNAP_A_BDEV_ARGS])
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct nvmf_bdev_info *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	bi = &l->v[l->n];
	memset(bi, 0, sizeof(*bi));
	/* One another tool wrote unreadably is no controller of ours. */
	if (nvmf_def_parse(snap_nla_string(tb[SNAP_A_BDEV_ARGS]), &bi->def, why, sizeof(why)))
		return 0;
	snprintf(bi->name, sizeof(bi->name), "%s", snap_nla_string(tb[SNAP_A_NAME]));
	bi->ready = tb[SNAP_A_READY] && nla_get_u8(tb[SNAP_A_READY]);
	if (tb[SNAP_A_ERROR])
		snprintf(bi->error, sizeof(bi->error), "%s", snap_nla_string(tb[SNAP_A_ERROR]));
	l->n++;
	return 0;
}

static int list_nvmf_bdevs(struct snapadm *adm, struct nvmf_list *l)
{
	memset(l, 0, sizeof(*l));
	return nlcmd_request(adm, SNAP_CMD_BDEV_GET, true, NULL, NULL, note_nvmf_bdev, l);
}

static bool same_target(const struct nvmf_def *a, const struct nvmf_def *b)
{
	return !strcmp(a->trtype, b->trtype) && !strcmp(a->adrfam, b->adrfam) &&
	       !strcmp(a->traddr, b->traddr) && !strcmp(a->trsvcid, b->trsvcid) &&
	       !strcmp(a->subnqn, b->subnqn) && !strcmp(a->hostnqn, b->hostnqn) &&
	       a->hdgst == b->hdgst && a->ddgst == b->ddgst &&
	       a->ctrlr_loss_timeout_sec == b->ctrlr_loss_timeout_sec &&
	       a->reconnect_delay_sec == b->reconnect_delay_sec &&
	       a->fast_io_fail_timeout_sec == b->fast_io_fail_timeout_sec &&
	       a->keep_alive_timeout_ms == b->keep_alive_timeout_ms;
}

static void lower(char *dst, size_t len, const char *src)
{
	size_t i;

	for (i = 0; i + 1 < len && src[i]; i++)
		dst[i] = (char)(src[i] >= 'A' && src[i] <= 'Z' ? src[i] + 32 : src[i]);
	dst[i] = 0;
}

/*
 * bdev_nvme_set_options: SPDK keeps them in its process for the
 * controllers attached after; here they are kept until reboot in a file
 * (SNAP_NVME_OPTIONS overrides where) that bdev_nvme_attach_controller
 * reads, and each definition it writes carries them, so the daemon, and
 * a restarted one, connects by what was set at its attach.
 */
#define NVME_OPTIONS_FILE "/run/snap/bdev_nvme_options"

static const char *nvme_options_path(void)
{
	const char *p = getenv("SNAP_NVME_OPTIONS");

	return p && *p ? p : NVME_OPTIONS_FILE;
}

/* The stored rdma_srq_size: 0 when none was set. */
static int load_rdma_srq_size(struct snapadm *adm, uint32_t *size)
{
	FILE *f = fopen(nvme_options_path(), "r");
	unsigned int v;
	int n;

	*size = 0;
	if (!f)
		return errno == ENOENT ? SNAPADM_OK :
		       snapadm_fail(adm, "%s: %s", nvme_options_path(), strerror(errno));
	n = fscanf(f, "rdma_srq_size=%u", &v);
	fclose(f);
	if (n != 1 || v > NVMF_RDMA_SRQ_MAX)
		return snapadm_fail(adm, "%s: no valid rdma_srq_size in it", nvme_options_path());
	*size = v;
	return SNAPADM_OK;
}

static int def_from_args(struct snapadm *adm, const struct parsed_args *a,
			 struct nvmf_def *d)
{
	const struct arg_val *v;

	memset(d, 0, sizeof(*d));
	snprintf(d->ctrlr, sizeof(d->ctrlr), "%s", args_get(a, "name")->str);
	/* SPDK takes TCP and IPv4 in any case. */
	lower(d->trtype, sizeof(d->trtype), args_get(a, "trtype")->str);
	v = args_get(a, "adrfam");
	lower(d->adrfam, sizeof(d->adrfam), v ? v->str : "ipv4");
	snprintf(d->traddr, sizeof(d->traddr), "%s", args_get(a, "traddr")->str);
	v = args_get(a, "trsvcid");
	snprintf(d->trsvcid, sizeof(d->trsvcid), "%s", v ? v->str : "4420");
	snprintf(d->subnqn, sizeof(d->subnqn), "%s", args_get(a, "subnqn")->str);
	v = args_get(a, "hostnqn");
	if (v)
		snprintf(d->hostnqn, sizeof(d->hostnqn), "%s", v->str);
	v = args_get(a, "nsid");
	d->nsid = v ? (uint32_t)v->num : 1;
	d->hdgst = args_has(a, "hdgst");
	d->ddgst = args_has(a, "ddgst");
	v = args_get(a, "ctrlr-loss-timeout-sec");
	if (v) {
		char *end;
		long l;

		errno = 0;
		l = strtol(v->str, &end, 10);
		if (errno || *end || !*v->str || l < INT32_MIN || l > INT32_MAX)
			return snapadm_usage_error(adm, "--ctrlr-loss-timeout-sec: '%s' is no "
						   "number of seconds", v->str);
		d->ctrlr_loss_timeout_sec = (int32_t)l;
	}
	v = args_get(a, "reconnect-delay-sec");
	d->reconnect_delay_sec = v ? (uint32_t)v->num : 0;
	v = args_get(a, "fast-io-fail-timeout-sec");
	d->fast_io_fail_timeout_sec = v ? (uint32_t)v->num : 0;
	v = args_get(a, "keep-alive-timeout-ms");
	d->keep_alive_timeout_ms = v ? (uint32_t)v->num : NVMF_DEF_KATO_MS;
	if (!strcmp(d->trtype, "rdma") && load_rdma_srq_size(adm, &d->rdma_srq_size))
		return SNAPADM_FAILED;
	if (strlen(args_get(a, "subnqn")->str) >= sizeof(d->subnqn) ||
	    (v = args_get(a, "hostnqn"), v && strlen(v->str) >= sizeof(d->hostnqn)))
		return snapadm_usage_error(adm, "an NQN is at most %d bytes", SNAP_NQN_MAX - 1);
	if (strlen(args_get(a, "traddr")->str) >= sizeof(d->traddr))
		return snapadm_usage_error(adm, "--traddr is too long");
	return SNAPADM_OK;
}

/* The bdev of the controller's namespace: <NAME>n<NSID>, as SPDK names it. */
static int bdev_name_of(struct snapadm *adm, const struct nvmf_def *d, char *buf,
			size_t len)
{
	if ((size_t)snprintf(buf, len, "%sn%u", d->ctrlr, d->nsid) >= len)
		return snapadm_usage_error(adm, "controller name %s is too long for its bdev "
					   "name %sn%u (%d bytes at most)", d->ctrlr,
					   d->ctrlr, d->nsid, SNAP_NAME_MAX - 1);
	return SNAPADM_OK;
}

/*
 * What an attach defines, for the check and for the request alike: the
 * definition from the options, the bdev's name (NAME n NSID) and the
 * bdev_args text (SNAP_PATH_MAX bytes).
 */
static int attach_definition(struct snapadm *adm, const struct parsed_args *a,
			     struct nvmf_def *d, char name[SNAP_NAME_MAX],
			     char def[SNAP_PATH_MAX])
{
	char why[160];
	int ret;

	ret = def_from_args(adm, a, d);
	if (!ret)
		ret = bdev_name_of(adm, d, name, SNAP_NAME_MAX);
	if (ret)
		return ret;
	if (nvmf_def_format(d, def, SNAP_PATH_MAX, why, sizeof(why)))
		return snapadm_usage_error(adm, "%s", why);
	return SNAPADM_OK;
}

/* The options make a definition, for no other target under that name;
 * *exists: the controller has namespaces already. */
static int check_attach(struct snapadm *adm, const struct parsed_args *a, bool *exists)
{
	char def[SNAP_PATH_MAX], name[SNAP_NAME_MAX];
	struct nvmf_list l;
	struct nvmf_def d;
	int ret;

	*exists = false;
	ret = attach_definition(adm, a, &d, name, def);
	if (ret)
		return ret;
	ret = list_nvmf_bdevs(adm, &l);
	for (size_t i = 0; !ret && i < l.n; i++) {
		if (strcmp(l.v[i].def.ctrlr, d.ctrlr))
			continue;
		*exists = true;
		if (!same_target(&l.v[i].def, &d))
			ret = snapadm_fail(adm, "controller %s exists with another target "
					   "(%s at %s:%s)", d.ctrlr, l.v[i].def.subnqn,
					   l.v[i].def.traddr, l.v[i].def.trsvcid);
	}
	free(l.v);
	return ret;
}

struct new_bdev {
	const char *name, *def;
};

static int put_new_bdev(struct nl_msg *msg, const void *ctx)
{
	const struct new_bdev *nb = ctx;

	if (nla_put_string(msg, SNAP_A_NAME, nb->name) < 0 ||
	    nla_put_u8(msg, SNAP_A_BDEV_TYPE, SNAP_BDEV_NVMF) < 0)
		return -1;
	return nla_put_string(msg, SNAP_A_BDEV_ARGS, nb->def);
}

static int put_name(struct nl_msg *msg, const void *ctx)
{
	return nla_put_string(msg, SNAP_A_NAME, ctx);
}

/* The daemon's first open of a new bdev: 45 s covers its bounded steps. */
#define ATTACH_WAIT_S	60

struct daemon_info {
	bool attached;
	uint32_t pid;
};

static int note_daemon(uint8_t cmd, struct nlattr **tb, void *arg)
{
	struct daemon_info *di = arg;

	(void)cmd;
	di->attached = tb[SNAP_A_DAEMON_ATTACHED] && nla_get_u8(tb[SNAP_A_DAEMON_ATTACHED]);
	di->pid = tb[SNAP_A_DAEMON_PID] ? nla_get_u32(tb[SNAP_A_DAEMON_PID]) : 0;
	return 0;
}

/*
 * As SPDK's, the attach fails when the first connection cannot be made:
 * it waits for the daemon to open the bdev it defined, and takes the
 * bdev back when the daemon reports why it could not. Without a daemon
 * the definition stays for the one that starts; the daemon's own replay
 * of its init config (our parent) cannot be waited for.
 */
static int wait_connected(struct snapadm *adm, const char *name, const char *ctrlr)
{
	struct daemon_info di = { 0 };
	struct bdev_info bi;
	int ret;

	ret = nlcmd_request(adm, SNAP_CMD_EMU_GET, false, NULL, NULL, note_daemon, &di);
	if (ret || !di.attached || di.pid == (uint32_t)getppid())
		return ret;
	for (int waited = 0; waited < ATTACH_WAIT_S * 10; waited++) {
		ret = bdev_lookup(adm, name, &bi);
		if (ret)
			return ret;
		if (!bi.found)
			return snapadm_fail(adm, "%s was deleted meanwhile", name);
		if (bi.ready)
			return SNAPADM_OK;
		if (bi.error[0]) {
			ret = nlcmd_request(adm, SNAP_CMD_BDEV_DEL, false, put_name, name, NULL,
					    NULL);
			return ret ? ret : snapadm_fail(adm, "%s: %s", name, bi.error);
		}
		usleep(100 * 1000);
	}
	return snapadm_fail(adm, "%s: the daemon did not open it in %d s; it stays defined "
			    "(bdev_nvme_detach_controller %s deletes it)", name, ATTACH_WAIT_S,
			    ctrlr);
}

/* Most namespaces one attach takes (SPDK's default max_bdevs is 128). */
#define ATTACH_MAX_NS	1024

/* The namespaces to attach, in *n: --nsid, or every active one the
 * target lists. A status. */
static int attach_nsids(struct snapadm *adm, const struct parsed_args *a,
			const struct nvmf_def *d, uint32_t *nsids, int *n)
{
	char why[256];

	if (args_get(a, "nsid")) {
		nsids[0] = d->nsid;
		*n = 1;
		return SNAPADM_OK;
	}
	*n = nvmf_active_namespaces(d, NULL, nsids, ATTACH_MAX_NS, why, sizeof(why));
	if (*n < 0)
		return snapadm_fail(adm, "%s", why);
	if (!*n)
		return snapadm_fail(adm, "%s at %s:%s has no active namespace", d->subnqn,
				    d->traddr, d->trsvcid);
	return SNAPADM_OK;
}

static void print_names(struct snapadm *adm, char (*names)[SNAP_NAME_MAX], int n)
{
	struct json_writer w;

	if (!adm->json) {
		for (int i = 0; i < n; i++)
			fprintf(adm->out, "%s\n", names[i]);
		return;
	}
	json_init(&w, adm->out);
	json_array_start(&w);
	for (int i = 0; i < n; i++)
		json_string(&w, names[i]);
	json_array_end(&w);
	json_finish(&w);
}

/*
 * SPDK's attach: a bdev NAMEn<nsid> for --nsid, or for every active
 * namespace the target lists, each opened by the daemon before the
 * command returns; all of them or none. Prints their names.
 */
static int run_attach(struct snapadm *adm, const struct snapadm_cmd *cmd,
		      const struct parsed_args *a)
{
	uint32_t *nsids = calloc(ATTACH_MAX_NS, sizeof(*nsids));
	char (*names)[SNAP_NAME_MAX] = NULL;
	char def[SNAP_PATH_MAX];
	bool exists = false;
	struct nvmf_def d;
	int n = 0, i, ret;

	(void)cmd;
	ret = nsids ? check_attach(adm, a, &exists) : snapadm_fail(adm, "out of memory");
	if (!ret)
		ret = def_from_args(adm, a, &d);
	/* Every namespace again: a replay's (--exist-ok) is done already. */
	if (!ret && exists && !args_get(a, "nsid")) {
		free(nsids);
		if (adm->exist_ok)
			return SNAPADM_OK;
		return snapadm_fail(adm, "controller %s exists (--nsid N adds a namespace to it)",
				    d.ctrlr);
	}
	if (!ret)
		ret = attach_nsids(adm, a, &d, nsids, &n);
	if (!ret && !(names = calloc(n > 0 ? (size_t)n : 1, sizeof(*names))))
		ret = snapadm_fail(adm, "out of memory");
	for (i = 0; i < n && !ret; i++) {
		struct new_bdev nb = { .name = names[i], .def = def };
		char why[160];

		d.nsid = nsids[i];
		ret = bdev_name_of(adm, &d, names[i], SNAP_NAME_MAX);
		if (!ret && nvmf_def_format(&d, def, sizeof(def), why, sizeof(why)))
			ret = snapadm_usage_error(adm, "%s", why);
		if (!ret)
			ret = nlcmd_request(adm, SNAP_CMD_BDEV_NEW, false, put_new_bdev, &nb,
					    NULL, NULL);
		if (!ret)
			ret = wait_connected(adm, names[i], d.ctrlr);
	}
	/* All or none: what this attach made before the one that failed
	 * goes (wait_connected() took that one back). */
	for (int j = 0; ret && j < i - 1; j++)
		nlcmd_request(adm, SNAP_CMD_BDEV_DEL, false, put_name, names[j], NULL, NULL);
	if (!ret)
		print_names(adm, names, n);
	free(names);
	free(nsids);
	return ret;
}

/* Deletes every namespace bdev of the controller; one in use stops it. */
static int run_detach(struct snapadm *adm, const struct snapadm_cmd *cmd,
		      const struct parsed_args *a)
{
	const char *ctrlr = args_get(a, "name")->str;
	struct nvmf_list l;
	size_t found = 0;
	int ret;

	(void)cmd;
	ret = list_nvmf_bdevs(adm, &l);
	for (size_t i = 0; !ret && i < l.n; i++) {
		if (strcmp(l.v[i].def.ctrlr, ctrlr))
			continue;
		found++;
		ret = nlcmd_request(adm, SNAP_CMD_BDEV_DEL, false, put_name, l.v[i].name,
				    NULL, NULL);
	}
	free(l.v);
	if (!ret && !found)
		ret = snapadm_fail(adm, "no controller %s", ctrlr);
	if (!ret && adm->json) {
		struct json_writer w;

		json_init(&w, adm->out);
		json_bool(&w, true);
		json_finish(&w);
	}
	return ret;
}

static void print_ctrlr(struct json_writer *w, const struct nvmf_list *l, size_t first)
{
	const struct nvmf_def *d = &l->v[first].def;

	json_object_start(w);
	json_kv_string(w, "name", d->ctrlr);
	json_key(w, "ctrlrs");
	json_array_start(w);
	json_object_start(w);
	json_key(w, "trid");
	json_object_start(w);
	json_kv_string(w, "trtype", d->trtype);
	json_kv_string(w, "adrfam", d->adrfam);
	json_kv_string(w, "traddr", d->traddr);
	json_kv_string(w, "trsvcid", d->trsvcid);
	json_kv_string(w, "subnqn", d->subnqn);
	json_object_end(w);
	json_kv_bool(w, "hdgst", d->hdgst);
	json_kv_bool(w, "ddgst", d->ddgst);
	json_key(w, "ctrlr_loss_timeout_sec");
	json_int(w, d->ctrlr_loss_timeout_sec);
	json_kv_uint(w, "reconnect_delay_sec", d->reconnect_delay_sec);
	json_kv_uint(w, "fast_io_fail_timeout_sec", d->fast_io_fail_timeout_sec);
	json_kv_uint(w, "keep_alive_timeout_ms", d->keep_alive_timeout_ms);
	if (!strcmp(d->trtype, "rdma"))
		json_kv_uint(w, "rdma_srq_size", d->rdma_srq_size);
	json_key(w, "host");
	json_object_start(w);
	json_kv_string(w, "nqn", d->hostnqn[0] ? d->hostnqn : "(the daemon's default)");
	json_object_end(w);
	json_object_end(w);
	json_array_end(w);
	json_key(w, "namespaces");
	json_array_start(w);
	for (size_t i = first; i < l->n; i++) {
		if (strcmp(l->v[i].def.ctrlr, d->ctrlr))
			continue;
		json_object_start(w);
		json_kv_uint(w, "nsid", l->v[i].def.nsid);
		json_kv_string(w, "bdev", l->v[i].name);
		json_kv_bool(w, "ready", l->v[i].ready);
		if (l->v[i].error[0])
			json_kv_string(w, "error", l->v[i].error);
		json_object_end(w);
	}
	json_array_end(w);
	json_object_end(w);
}

static bool seen_before(const struct nvmf_list *l, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (!strcmp(l->v[j].def.ctrlr, l->v[i].def.ctrlr))
			return true;
	return false;
}

static int run_get_controllers(struct snapadm *adm, const struct snapadm_cmd *cmd,
			       const struct parsed_args *a)
{
	const struct arg_val *only = args_get(a, "name");
	struct json_writer w;
	struct nvmf_list l;
	size_t shown = 0;
	int ret;

	(void)cmd;
	ret = list_nvmf_bdevs(adm, &l);
	if (ret)
		return ret;
	json_init(&w, adm->out);
	json_array_start(&w);
	for (size_t i = 0; i < l.n; i++) {
		if (seen_before(&l, i) || (only && strcmp(l.v[i].def.ctrlr, only->str)))
			continue;
		print_ctrlr(&w, &l, i);
		shown++;
	}
	json_array_end(&w);
	free(l.v);
	if (only && !shown) {
		json_finish(&w);
		return snapadm_fail(adm, "no controller %s", only->str);
	}
	return json_finish(&w) ? snapadm_fail(adm, "writing the output failed") : SNAPADM_OK;
}

static const struct opt_def attach_opts[] = {
	{ "name", "b", OPT_STR, OPT_NO_ATTR, OPT_REQUIRED, 0,
	  "controller name; its namespace is bdev <name>n<nsid>" },
	{ "trtype", "t", OPT_STR, OPT_NO_ATTR, OPT_REQUIRED, 0, "transport: tcp or rdma" },
	{ "traddr", "a", OPT_STR, OPT_NO_ATTR, OPT_REQUIRED, 0, "target address" },
	{ "adrfam", "f", OPT_STR, OPT_NO_ATTR, 0, 0, "ipv4 (default) or ipv6" },
	{ "trsvcid", "s", OPT_STR, OPT_NO_ATTR, 0, 0, "target port (default 4420)" },
	{ "subnqn", "n", OPT_STR, OPT_NO_ATTR, OPT_REQUIRED, 0, "subsystem NQN" },
	{ "hostnqn", "q", OPT_STR, OPT_NO_ATTR, 0, 0,
	  "host NQN (default nqn.2014-08.org.nvmexpress:uuid:<from machine-id>)" },
	{ "nsid", NULL, OPT_U32, OPT_NO_ATTR, 0, 0,
	  "namespace to attach (default: every active one)" },
	{ "hostaddr", "i", OPT_UNSUPPORTED, 0, 0, 0, NULL },
	{ "hostsvcid", "c", OPT_UNSUPPORTED, 0, 0, 0, NULL },
	{ "prchk_reftag", "r", OPT_UNSUPPORTED, 0, 0, 0, NULL },
	{ "prchk_guard", "g", OPT_UNSUPPORTED, 0, 0, 0, NULL },
	{ "hdgst", "e", OPT_FLAG, OPT_NO_ATTR, 0, 0, "NVMe/TCP header digests (CRC-32C)" },
	{ "ddgst", "d", OPT_FLAG, OPT_NO_ATTR, 0, 0, "NVMe/TCP data digests (CRC-32C)" },
	{ "ctrlr-loss-timeout-sec", "l", OPT_STR, OPT_NO_ATTR, 0, 0,
	  "seconds to keep reconnecting after a lost connection: -1 forever, 0 never (default)" },
	{ "reconnect-delay-sec", "o", OPT_U32, OPT_NO_ATTR, 0, 0,
	  "seconds between reconnect attempts (needed with -l)" },
	{ "fast-io-fail-timeout-sec", "u", OPT_U32, OPT_NO_ATTR, 0, 0,
	  "seconds after which I/O fails while reconnecting (0: it waits)" },
	{ "keep-alive-timeout-ms", "k", OPT_U32, OPT_NO_ATTR, 0, 0,
	  "keep-alive timeout of the association in ms (default 10000; 0: no keep-alive)" },
	{ "multipath", "x", OPT_UNSUPPORTED, 0, 0, 0, NULL },
	OPT_END,
};

static int run_set_options(struct snapadm *adm, const struct snapadm_cmd *cmd,
			   const struct parsed_args *a)
{
	const struct arg_val *v = args_get(a, "rdma-srq-size");
	const char *path = nvme_options_path();
	char dir[4096], *slash;
	FILE *f;

	(void)cmd;
	if (!v)
		return snapadm_usage_error(adm, "no option given (--rdma-srq-size N)");
	if (v->num > NVMF_RDMA_SRQ_MAX)
		return snapadm_usage_error(adm, "--rdma-srq-size %llu: at most %u (0 turns the "
					   "shared receive queue off; %u or more recommended)",
					   (unsigned long long)v->num, NVMF_RDMA_SRQ_MAX,
					   NVMF_RDMA_SRQ_RECOMMENDED);
	if (v->num && v->num < NVMF_RDMA_SRQ_RECOMMENDED)
		fprintf(adm->err, "snapadm: --rdma-srq-size %llu is below the recommended %u: "
			"the target may often find no receive buffer ready (RNR)\n",
			(unsigned long long)v->num, NVMF_RDMA_SRQ_RECOMMENDED);
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		if (mkdir(dir, 0755) && errno != EEXIST)
			return snapadm_fail(adm, "%s: %s", dir, strerror(errno));
	}
	f = fopen(path, "w");
	if (!f)
		return snapadm_fail(adm, "%s: %s", path, strerror(errno));
	fprintf(f, "rdma_srq_size=%llu\n", (unsigned long long)v->num);
	if (fclose(f))
		return snapadm_fail(adm, "%s: %s", path, strerror(errno));
	return SNAPADM_OK;
}

static const struct opt_def set_options_opts[] = {
	{ "rdma-srq-size", NULL, OPT_U32, OPT_NO_ATTR, 0, 0,
	  "receive buffers of the NVMe/RDMA shared receive queue, for controllers attached "
	  "from now on (0: none, each queue posts its own; at most 32767, 4096 or more "
	  "recommended)" },
	OPT_END,
};

static const struct opt_def detach_pos[] = {
	{ "name", NULL, OPT_STR, OPT_NO_ATTR, OPT_REQUIRED, 0, "controller name" },
	OPT_END,
};

static const struct opt_def get_ctrl_opts[] = {
	{ "name", "n", OPT_STR, OPT_NO_ATTR, 0, 0, "only this controller" },
	OPT_END,
};

const struct snapadm_cmd nvmf_cmds[] = {
	{
		.name = "bdev_nvme_attach_controller",
		.help = "a remote NVMe-oF controller's namespaces as bdevs <NAME>n<NSID>: "
			"-b NAME -t tcp|rdma -a ADDR [-s SVCID] -n SUBNQN [--nsid N]",
		.opts = attach_opts,
		.run = run_attach,
	},
	{
		.name = "bdev_nvme_detach_controller",
		.help = "delete the bdevs of a remote controller: NAME",
		.pos = detach_pos,
		.run = run_detach,
	},
	{
		.name = "bdev_nvme_get_controllers",
		.help = "list the remote controllers",
		.opts = get_ctrl_opts,
		.run = run_get_controllers,
	},
	{
		.name = "bdev_nvme_set_options",
		.help = "options of the NVMe-oF controllers attached from now on: "
			"--rdma-srq-size N",
		.opts = set_options_opts,
		.run = run_set_options,
	},
	{ .name = NULL },
};

// SPDX-License-Identifier: GPL-2.0
/*
 * snapadm monitor: one line per event of the "events" multicast group, as
 * text ("[bdev NEW] name=Malloc0 ...") or one JSON object per line, until
 * SIGINT or SIGTERM.
 */
#include "monitor.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>


#include "cmds.h"
#include "events.h"
#include "json.h"
#include "nl.h"

struct event_kind {
	uint8_t cmd;
	const struct obj_desc *obj;
	const char *op;
};

static const struct event_kind event_kinds[] = {
	{ SNAP_CMD_EMU_GET, &obj_emu, "GET" },
	{ SNAP_CMD_FUNC_GET, &obj_function, "GET" },
	{ SNAP_CMD_FUNC_NEW, &obj_function, "NEW" },
	{ SNAP_CMD_FUNC_DEL, &obj_function, "DEL" },
	{ SNAP_CMD_FUNC_SET, &obj_function, "SET" },
	{ SNAP_CMD_SUBSYS_NEW, &obj_subsystem, "NEW" },
	{ SNAP_CMD_SUBSYS_DEL, &obj_subsystem, "DEL" },
	{ SNAP_CMD_SUBSYS_SET, &obj_subsystem, "SET" },
	{ SNAP_CMD_NS_NEW, &obj_namespace, "NEW" },
	{ SNAP_CMD_NS_DEL, &obj_namespace, "DEL" },
	{ SNAP_CMD_NS_SET, &obj_namespace, "SET" },
	{ SNAP_CMD_NVME_CTRL_NEW, &obj_nvme_ctrl, "NEW" },
	{ SNAP_CMD_NVME_CTRL_DEL, &obj_nvme_ctrl, "DEL" },
	{ SNAP_CMD_NVME_CTRL_SET, &obj_nvme_ctrl, "SET" },
	{ SNAP_CMD_NVME_CTRL_ATTACH_NS, &obj_nvme_ctrl, "ATTACH_NS" },
	{ SNAP_CMD_NVME_CTRL_DETACH_NS, &obj_nvme_ctrl, "DETACH_NS" },
	{ SNAP_CMD_VBLK_CTRL_NEW, &obj_vblk_ctrl, "NEW" },
	{ SNAP_CMD_VBLK_CTRL_DEL, &obj_vblk_ctrl, "DEL" },
	{ SNAP_CMD_VBLK_CTRL_SET, &obj_vblk_ctrl, "SET" },
	{ SNAP_CMD_VBLK_CTRL_ATTACH_BDEV, &obj_vblk_ctrl, "ATTACH_BDEV" },
	{ SNAP_CMD_VBLK_CTRL_DETACH_BDEV, &obj_vblk_ctrl, "DETACH_BDEV" },
	{ SNAP_CMD_BDEV_NEW, &obj_bdev, "NEW" },
	{ SNAP_CMD_BDEV_DEL, &obj_bdev, "DEL" },
	{ SNAP_CMD_BDEV_SET, &obj_bdev, "SET" },
	{ SNAP_CMD_DAEMON_NTF, &obj_daemon, "NTF" },
};

static const struct event_kind *find_event_kind(uint8_t cmd)
{
	for (size_t i = 0; i < sizeof(event_kinds) / sizeof(event_kinds[0]); i++)
		if (event_kinds[i].cmd == cmd)
			return &event_kinds[i];
	return NULL;
}

void monitor_print_event(FILE *out, bool json, uint8_t cmd, struct nlattr **tb)
{
	const struct event_kind *k = find_event_kind(cmd);
	struct json_writer w;
	char name[64];

	if (!k) {
		if (json)
			fprintf(out, "{\"event\":\"unknown\",\"cmd\":%u}\n", cmd);
		else
			fprintf(out, "[event %u]\n", cmd);
		return;
	}
	if (!json) {
		fprintf(out, "[%s %s]", k->obj->kind, k->op);
		obj_text(out, k->obj, tb);
		fputc('\n', out);
		return;
	}
	snprintf(name, sizeof(name), "%s_%s", k->obj->kind, k->op);
	for (char *p = name; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	json_init_compact(&w, out);
	json_object_start(&w);
	json_kv_string(&w, "event", name);
	obj_json_fields(&w, k->obj, tb);
	json_object_end(&w);
	json_finish(&w);
}

struct monitor {
	struct snapadm *adm;
};

static void on_event(void *arg, uint8_t cmd, struct nlattr **tb)
{
	struct monitor *m = arg;

	if (!tb) {
		snapadm_warn(m->adm, "skipping a malformed event");
		return;
	}
	monitor_print_event(m->adm->out, m->adm->json, cmd, tb);
	fflush(m->adm->out);
}

static volatile sig_atomic_t stop_requested;

static void request_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/*
 * SIGINT/SIGTERM stay blocked except inside ppoll(), so a signal can never
 * slip in between the check of stop_requested and the wait.
 */
static void catch_signals(sigset_t *wait_mask, sigset_t *saved_mask,
			  struct sigaction saved[2])
{
	struct sigaction sa = { .sa_handler = request_stop };
	sigset_t block;

	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, saved_mask);
	sigaction(SIGINT, &sa, &saved[0]);
	sigaction(SIGTERM, &sa, &saved[1]);
	*wait_mask = *saved_mask;
	sigdelset(wait_mask, SIGINT);
	sigdelset(wait_mask, SIGTERM);
}

static void restore_signals(const sigset_t *saved_mask,
			    const struct sigaction saved[2])
{
	sigaction(SIGINT, &saved[0], NULL);
	sigaction(SIGTERM, &saved[1], NULL);
	sigprocmask(SIG_SETMASK, saved_mask, NULL);
}

static int receive_events(struct monitor *m, struct snap_events *ev)
{
	struct pollfd pfd = { .fd = snap_events_fd(ev), .events = POLLIN };
	struct sigaction saved[2];
	sigset_t wait_mask, saved_mask;
	int ret = SNAPADM_OK;

	stop_requested = 0;
	catch_signals(&wait_mask, &saved_mask, saved);
	while (!stop_requested) {
		int err;

		if (ppoll(&pfd, 1, NULL, &wait_mask) < 0) {
			if (errno == EINTR)
				continue;
			ret = snapadm_fail(m->adm, "poll: %s", strerror(errno));
			break;
		}
		err = snap_events_receive(ev);
		if (err == -ENOBUFS) {
			snapadm_warn(m->adm, "events were lost (receive buffer overrun)");
			continue;
		}
		if (err < 0) {
			ret = snapadm_fail(m->adm, "receiving events: %s",
					   strerror(-err));
			break;
		}
	}
	restore_signals(&saved_mask, saved);
	return ret;
}

int monitor_run(struct snapadm *adm, const struct snapadm_cmd *cmd,
		const struct parsed_args *a)
{
	struct monitor m = { .adm = adm };
	struct snap_events *ev;
	char why[256];
	int ret;

	(void)cmd;
	(void)a;
	if (snap_events_open(&ev, on_event, &m, why, sizeof(why)))
		return snapadm_fail(adm, "%s", why);
	ret = receive_events(&m, ev);
	snap_events_close(ev);
	return ret;
}

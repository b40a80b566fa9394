// SPDX-License-Identifier: GPL-2.0
/*
 * snap_service: serves the emulated functions of the snap module. Runs in
 * the foreground (systemd Type=notify with --notify, or Type=simple);
 * SIGTERM drains what is in flight and detaches.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fault.h"
#include "log.h"
#include "options.h"
#include "service.h"

extern char **environ;

/* sd_notify(0, "READY=1") without libsystemd: one datagram to NOTIFY_SOCKET. */
static void notify_ready(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static const char msg[] = "READY=1";
	size_t len;
	int fd;

	if (!path || !*path || strlen(path) >= sizeof(sa.sun_path))
		return;
	len = strlen(path);
	memcpy(sa.sun_path, path, len);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';	/* abstract socket */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, msg, sizeof(msg) - 1, 0, (struct sockaddr *)&sa,
		   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) < 0)
		log_warn("NOTIFY_SOCKET: %s", strerror(errno));
	close(fd);
}

int main(int argc, char **argv)
{
	struct service_opts o;
	struct service s;
	char err[256];
	int ret;

	if (service_opts_parse(&o, argc, argv, environ, err, sizeof(err))) {
		fprintf(stderr, "snap_service: %s\n", err);
		return 2;
	}
	if (o.help) {
		service_opts_usage(stdout);
		return 0;
	}
	if (o.version) {
		printf("snap_service %s\n", SNAP_VERSION);
		return 0;
	}
	if (snap_fault_init())
		return 2;
	ret = log_open(o.log_file, o.log_level);
	if (ret) {
		fprintf(stderr, "snap_service: %s: %s\n", o.log_file, strerror(-ret));
		return 1;
	}
	ret = service_start(&s, &o);
	if (!ret) {
		if (o.notify)
			notify_ready();
		ret = service_run(&s);
	}
	service_stop(&s);
	log_close();
	return ret ? 1 : 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * snap_notify: the receiving end of sd_notify for test_unit_start_*, what
 * systemd's manager is for a Type=notify unit. Binds a unix datagram
 * socket at PATH (the NOTIFY_SOCKET given to the service), prints each
 * message as "pid=PID MESSAGE" (newlines as spaces), PID the sender's as
 * the kernel vouches for it (SCM_CREDENTIALS), and exits 0 after the first
 * message with a READY=1 line.
 *
 * With --stop, the sender of READY=1 gets SIGSTOP before anything is
 * printed: what the test then reads of the daemon's objects is their
 * state at READY=1, not what the daemon did after it.
 *
 * Usage: snap_notify [--stop] PATH
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int bind_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, on = 1;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "snap_notify: %s: path too long\n", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on))) {
		perror("snap_notify: socket");
		return -1;
	}
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "snap_notify: bind %s: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* The sender's pid, or -1 when the message carried no credentials. */
static pid_t sender_of(struct msghdr *mh)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
			struct ucred cred;

			memcpy(&cred, CMSG_DATA(c), sizeof(cred));
			return cred.pid;
		}
	}
	return -1;
}

/* A line of the message is exactly READY=1 (sd_notify's format). */
static bool says_ready(const char *msg)
{
	for (const char *line = msg; line; line = strchr(line, '\n')) {
		if (*line == '\n')
			line++;
		if (!strncmp(line, "READY=1", 7) && (line[7] == '\n' || !line[7]))
			return true;
	}
	return false;
}

int main(int argc, char **argv)
{
	bool stop = argc == 3 && !strcmp(argv[1], "--stop");
	union {
		char buf[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} ctl;
	char msg[4096];
	int fd;

	if (argc != 2 + stop) {
		fprintf(stderr, "usage: snap_notify [--stop] PATH\n");
		return 2;
	}
	fd = bind_socket(argv[argc - 1]);
	if (fd < 0)
		return 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		struct iovec iov = { .iov_base = msg, .iov_len = sizeof(msg) - 1 };
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
		};
		ssize_t n = recvmsg(fd, &mh, 0);
		bool ready;
		pid_t pid;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("snap_notify: recvmsg");
			return 1;
		}
		msg[n] = '\0';
		pid = sender_of(&mh);
		ready = says_ready(msg);
		if (ready && stop && pid > 0 && kill(pid, SIGSTOP))
			fprintf(stderr, "snap_notify: SIGSTOP %d: %s\n", pid, strerror(errno));
		for (char *p = msg; *p; p++)
			if (*p == '\n')
				*p = ' ';
		printf("pid=%d %s%s\n", (int)pid, msg, ready && stop ? " (stopped)" : "");
		if (ready)
			return 0;
	}
}

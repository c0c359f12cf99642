/*
 * A small stand-in for util-linux's tests/helpers/test_mkfds, written for nsx's oracle suite: it makes a process
 * hold something (a file descriptor, a socket in a namespace of its own, a user namespace), prints
 * "PID [NETNS-INODE]" on stdout, and waits until a line arrives on stdin (or stdin closes).
 *
 *   mkfds [--comm NAME] ro-regular-file FD PATH   open PATH read-only at FD (e.g. /run/netns/NAME)
 *   mkfds [--comm NAME] foreign-sockets FD0 FD1   make a new network namespace, create two sockets at FD0 and FD1
 *                                                 in it, return to the original one: the new netns is held only
 *                                                 by the sockets; prints "PID NETNS"
 *   mkfds [--comm NAME] userns FD                 unshare a user namespace and open /proc/self/ns/user at FD
 *   mkfds argv ARG...                             re-exec with exactly argv = ARG... (empty ones too), then wait
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static void fail(const char *what) {
	perror(what);
	exit(2);
}

static void at_fd(int fd, int want) {
	if (fd < 0) fail("open");
	if (fd != want) {
		if (dup2(fd, want) < 0) fail("dup2");
		close(fd);
	}
}

static void wait_stdin(void) {
	char buf[64];
	fflush(stdout);
	while (read(0, buf, sizeof buf) > 0) {
		if (memchr(buf, '\n', sizeof buf)) break;
	}
}

int main(int argc, char **argv) {
	int i = 1;
	if (strcmp(argv[0], "x-mkfds-argv") == 0 || (argc > 0 && getenv("MKFDS_ARGV_CHILD"))) {
		unsetenv("MKFDS_ARGV_CHILD");
		printf("%d\n", getpid());
		wait_stdin();
		return 0;
	}
	if (argc > 2 && strcmp(argv[1], "--comm") == 0) {
		prctl(PR_SET_NAME, argv[2]);
		i = 3;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: mkfds [--comm NAME] FACTORY ARGS...\n");
		return 2;
	}
	const char *f = argv[i];
	if (strcmp(f, "argv") == 0) {
		setenv("MKFDS_ARGV_CHILD", "1", 1);
		execv("/proc/self/exe", argv + i + 1);
		fail("execv");
	}
	if (strcmp(f, "ro-regular-file") == 0 && i + 2 < argc) {
		at_fd(open(argv[i + 2], O_RDONLY), atoi(argv[i + 1]));
		printf("%d\n", getpid());
	} else if (strcmp(f, "foreign-sockets") == 0 && i + 2 < argc) {
		int self0 = open("/proc/self/ns/net", O_RDONLY);
		if (self0 < 0) fail("open /proc/self/ns/net");
		int self = fcntl(self0, F_DUPFD_CLOEXEC, 100); /* out of the way of FD0 and FD1 */
		close(self0);
		if (unshare(CLONE_NEWNET) < 0) fail("unshare(CLONE_NEWNET)");
		struct stat st;
		if (stat("/proc/self/ns/net", &st) < 0) fail("stat");
		at_fd(socket(AF_UNIX, SOCK_STREAM, 0), atoi(argv[i + 1]));
		at_fd(socket(AF_INET, SOCK_DGRAM, 0), atoi(argv[i + 2]));
		if (setns(self, CLONE_NEWNET) < 0) fail("setns");
		close(self);
		printf("%d %llu\n", getpid(), (unsigned long long)st.st_ino);
	} else if (strcmp(f, "userns") == 0 && i + 1 < argc) {
		if (unshare(CLONE_NEWUSER) < 0) fail("unshare(CLONE_NEWUSER)");
		at_fd(open("/proc/self/ns/user", O_RDONLY), atoi(argv[i + 1]));
		printf("%d\n", getpid());
	} else {
		fprintf(stderr, "mkfds: unknown factory or missing arguments: %s\n", f);
		return 2;
	}
	wait_stdin();
	return 0;
}

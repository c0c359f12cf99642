/*
 * nsx-enter: the single-threaded helper behind `nsx enter`.
 *
 * A Node process is multithreaded, so it cannot join mount, user or time namespaces, and it cannot fork
 * through FFI. The TypeScript side resolves the target, opens every namespace file (and the root, working
 * directory, environ and cgroup.procs files) and hands them over as inherited descriptors; this helper
 *
 *   1. pins the target: pidfd_open(PID), then checks that the /proc/PID directory the TypeScript side
 *      opened first still belongs to a live process (so the pidfd cannot be a new process that reused the PID);
 *   2. checks each namespace descriptor with NS_GET_NSTYPE before joining anything;
 *   3. moves itself into the target's cgroups (-c), then joins: setns(pidfd, mask) for everything taken from
 *      the target in one all-or-nothing call, else one descriptor at a time in nsenter's two passes
 *      (everything but user with errors ignored, then the rest with errors reported);
 *   4. chroot/chdir, environment, fork when the pid namespace was joined (forwarding signals sent with kill
 *      and mirroring the child's status, 128+N for a signal), credentials, optional private /proc, exec.
 *
 * The argument vector is internal (written by src/enter/run.ts); it is not a user interface.
 * Messages are one line, prefixed "nsx enter: ". Exit: 1 for our own errors, 126/127 for exec failures.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <linux/capability.h>
#include <libgen.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#define NS_GET_NSTYPE_IOCTL 0xb703

/* The namespace types in nsenter's order (user first; pass one skips it, pass two takes what is left), their
 * option names and plan rules, the fast path's options and the plan's words: generated from src/enter/tables.ts
 * by scripts/gen-enter-header.mjs (one source for this helper and src/enter/plan.ts). */
#include "nsx-enter-tables.h"
#define NSTYPES NSX_NS_RULES
#define NNS NSX_NS_COUNT

struct join {
	int fd;          /* -1 when not requested */
	int from_target; /* taken from the target process: may be joined through the pidfd */
	int done;
	const char *label; /* the file, for messages */
};

static struct join joins[NNS];
static volatile pid_t child_pid = 0;
static int verbose = 0;
/* the user namespace was asked for (-U, -a, --user-parent): a refusal does not suggest adding -U */
static int user_asked = 0;

static void die(int code, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
static void die(int code, const char *fmt, ...) {
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	dprintf(2, "nsx enter: %s\n", buf);
	exit(code);
}

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...) {
	char buf[1024];
	va_list ap;
	if (!verbose) return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	dprintf(2, "nsx enter: %s\n", buf);
}

static int parse_int(const char *s, const char *what) {
	char *end;
	long v;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *s == '\0' || *end != '\0' || v < 0 || v > 0x7fffffffL) die(2, "internal: bad %s '%s'", what, s);
	return (int)v;
}

/* A uid or gid: 0 .. 2^32-2 (the kernel reserves (uid_t)-1). */
static long parse_id(const char *s, const char *what) {
	char *end;
	unsigned long v;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *s == '\0' || *s == '-' || *end != '\0' || v > 0xfffffffeUL) die(2, "internal: bad %s '%s'", what, s);
	return (long)v;
}

static int ns_index(const char *name) {
	for (int i = 0; i < NNS; i++)
		if (strcmp(NSTYPES[i].type, name) == 0) return i;
	return -1;
}

/* The index of the namespace type whose joining implies `what` (the user namespace: credentials; pid: a fork). */
static int ns_implying(enum nsx_implies what) {
	for (int i = 0; i < NNS; i++)
		if (NSTYPES[i].implies == what) return i;
	return -1;
}

/* The reason for a failed setns in words, with a hint for EPERM. */
static void die_join(int i, int err) {
	const char *n = NSTYPES[i].type;
	if (err == EPERM || err == EACCES)
		die(1, "%s namespace: permission denied (needs root, or a user owning the target's user namespace)%s", n, user_asked ? "" : "; try adding -U");
	if (err == ESRCH) die(1, "%s namespace: the target exited before it could be entered", n);
	if (err == EINVAL && NSTYPES[i].flag == CLONE_NEWUSER)
		die(1, "%s namespace: cannot join (already in it, or a multithreaded or chrooted caller): %s", n, strerror(err));
	die(1, "%s namespace: cannot join %s: %s", n, joins[i].label ? joins[i].label : "", strerror(err));
}

/* 1 when the process behind the /proc/PID directory descriptor is alive (not gone, not a zombie). */
static int proc_alive(int procfd) {
	char buf[512];
	int fd = openat(procfd, "stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0) return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0) return 0;
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	if (!p || p[1] != ' ') return 0;
	return p[2] != 'Z' && p[2] != 'X' && p[2] != 'x';
}

static void forward_signal(int sig, siginfo_t *si, void *uc) {
	(void)uc;
	/* Signals from the terminal (SI_KERNEL) already reached the child's process group; forward those sent
	 * with kill(2)/sigqueue(2) (si_code <= 0) so that `kill nsx-pid` reaches the program. */
	if (child_pid > 0 && si && si->si_code <= 0) kill(child_pid, sig);
}

/* Make `pgrp` the terminal's foreground process group (SIGTTOU held off: we may be in the background). */
static void give_terminal(int tty, pid_t pgrp) {
	sigset_t ttou, old;
	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, &old);
	tcsetpgrp(tty, pgrp);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

/*
 * Fork; the parent waits, forwards signals and exits with the child's status (128+N for signal N).
 * On a terminal where we are the foreground job, the child gets a process group of its own and the
 * terminal: a process group from outside the target's pid namespace is invisible inside it, so a shell
 * could not hand the terminal back at exit (nsenter's "Cannot set tty process group"). The parent takes
 * the terminal back when the child ends, and gives it again when a stopped child is resumed with fg.
 */
static void continue_as_child(void) {
	static const int fwd[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM, SIGCONT, SIGWINCH };
	struct sigaction sa;
	sigset_t all, old;
	int status = 0;
	int tty = (isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp()) ? STDIN_FILENO : -1;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old); /* no handler may run before child_pid is set */
	pid_t pid = fork();
	if (pid < 0) die(1, "fork failed: %s", strerror(errno));
	if (pid == 0) {
		if (tty >= 0 && setpgid(0, 0) == 0) tcsetpgrp(tty, getpid()); /* every signal is blocked: no SIGTTOU */
		sigprocmask(SIG_SETMASK, &old, NULL);
		return;
	}
	child_pid = pid;
	if (tty >= 0) {
		setpgid(pid, pid); /* both sides, so neither order of running races */
		give_terminal(tty, pid);
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = forward_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (size_t k = 0; k < sizeof fwd / sizeof fwd[0]; k++) sigaction(fwd[k], &sa, NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	for (;;) {
		pid_t r = waitpid(pid, &status, WUNTRACED);
		if (r < 0) {
			if (errno == EINTR) continue;
			die(1, "waitpid failed: %s", strerror(errno));
		}
		if (WIFSTOPPED(status)) {
			/* the child was suspended: suspend ourselves as well, and resume it when we are resumed */
			if (tty >= 0) give_terminal(tty, getpgrp());
			kill(getpid(), SIGSTOP);
			if (tty >= 0 && tcgetpgrp(tty) == getpgrp()) give_terminal(tty, pid);
			kill(pid, SIGCONT);
			continue;
		}
		break;
	}
	if (tty >= 0) give_terminal(tty, getpgrp());
	if (WIFEXITED(status)) exit(WEXITSTATUS(status));
	if (WIFSIGNALED(status)) {
		/* as nsenter: die by the same signal, so our parent's waitpid sees WIFSIGNALED (no core dump of our own) */
		int sig = WTERMSIG(status);
		struct rlimit nocore = { 0, 0 };
		sigset_t only;
		setrlimit(RLIMIT_CORE, &nocore);
		signal(sig, SIG_DFL);
		sigemptyset(&only);
		sigaddset(&only, sig);
		sigprocmask(SIG_UNBLOCK, &only, NULL);
		kill(getpid(), sig);
		exit(128 + sig); /* a signal that does not end a process by default (SIGCHLD…) */
	}
	exit(1);
}

/* Replace the environment with the NUL-separated list read from fd (a /proc/PID/environ). */
static void env_from_fd(int fd) {
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap + 1);
	if (!buf) die(1, "out of memory");
	for (;;) {
		if (len == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
			if (!buf) die(1, "out of memory");
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR) continue;
			die(1, "cannot read the target's environment: %s", strerror(errno));
		}
		if (n == 0) break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	close(fd);
	clearenv();
	for (size_t i = 0; i < len;) {
		char *e = buf + i;
		size_t l = strlen(e);
		if (l && strchr(e, '=')) putenv(e); /* buf is kept: putenv stores the pointer */
		i += l + 1;
	}
}

/* --keep-caps (nsenter): raise every permitted capability into the ambient set, so the program keeps them. */
static void permitted_to_ambient(void) {
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];
	if (syscall(SYS_capget, &hdr, data) != 0) die(1, "--keep-caps: capget failed: %s", strerror(errno));
	data[0].inheritable = data[0].permitted;
	data[1].inheritable = data[1].permitted;
	if (syscall(SYS_capset, &hdr, data) != 0) die(1, "--keep-caps: capset failed: %s", strerror(errno));
	for (int cap = 0; cap < 64; cap++) {
		unsigned int word = (unsigned int)cap / 32, bit = 1u << (cap % 32);
		if (!(data[word].permitted & bit)) continue;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0 && errno != EINVAL)
			die(1, "--keep-caps: cannot raise capability %d: %s", cap, strerror(errno));
	}
}

/* `shell`, `shell_argv0`: with no program, the login shell to run instead of $SHELL (the target has no $SHELL). */
static void exec_program(char **argv, const char *shell_path, const char *shell_argv0) {
	if (argv[0]) {
		execvp(argv[0], argv);
		int e = errno;
		die(e == ENOENT ? 127 : 126, "failed to execute %s: %s", argv[0], strerror(e));
	}
	if (shell_path && shell_argv0) {
		execl(shell_path, shell_argv0, (char *)NULL);
		int e = errno;
		die(e == ENOENT ? 127 : 126, "failed to execute %s: %s", shell_path, strerror(e));
	}
	/* no program: $SHELL (else /bin/sh) as a login shell, as nsenter does */
	const char *shell = getenv("SHELL");
	if (!shell || !*shell) {
		/* as nsenter 2.40+: the shell of the user's passwd entry, else /bin/sh */
		struct passwd *pw = getpwuid(getuid());
		shell = pw && pw->pw_shell && *pw->pw_shell ? pw->pw_shell : "/bin/sh";
	}
	char *copy = strdup(shell);
	char *base = basename(copy);
	char *arg0 = malloc(strlen(base) + 2);
	if (!arg0) die(1, "out of memory");
	arg0[0] = '-';
	strcpy(arg0 + 1, base);
	execl(shell, arg0, (char *)NULL);
	int e = errno;
	die(e == ENOENT ? 127 : 126, "failed to execute %s: %s", shell, strerror(e));
}

/* Everything the helper is told to do: from the internal argument vector, or built by the CLI fast path. */
struct opts {
	int pid, procfd, root_fd, wd_fd, env_fd, do_fork, mount_proc;
	int cg_fds[64], ncg, drop_groups, uid_follow, gid_follow, keep_caps;
	long uid, gid;
	const char *wdns, *shell, *shell_argv0;
	char **prog;
};

/* Node leaves SIGPIPE/SIGXFSZ ignored and may leave fds 0-2 non-blocking: undo that for the program. */
static void reset_inherited(void) {
	sigset_t none;
	signal(SIGPIPE, SIG_DFL);
	signal(SIGXFSZ, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int fd = 0; fd <= 2; fd++) {
		int fl = fcntl(fd, F_GETFL);
		if (fl >= 0 && (fl & O_NONBLOCK)) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	}
}

/*
 * Pin the target: pidfd_open(PID) (-1 in *pidfd when the kernel has none), then the /proc/PID directory opened
 * first must still be a live process (so the pidfd cannot be a new process that reused the PID).
 * 0: pinned; 1: the PID is gone; 2: the process behind procfd is gone (the PID may have been reused).
 */
static int pin_target(int pid, int procfd, int *pidfd) {
	*pidfd = (int)syscall(__NR_pidfd_open, pid, 0);
	if (*pidfd < 0 && errno == ESRCH) return 1;
	if (procfd >= 0 && !proc_alive(procfd)) {
		if (*pidfd >= 0) close(*pidfd);
		*pidfd = -1;
		return 2;
	}
	if (*pidfd >= 0) fcntl(*pidfd, F_SETFD, FD_CLOEXEC);
	return 0;
}

/* Every namespace descriptor must be of its type (NS_GET_NSTYPE): -1 when all are, else the index of the first
 * that is not, with its actual CLONE_NEW* type in *actual (0: not a namespace file at all). */
static int check_namespaces(int *actual) {
	for (int i = 0; i < NNS; i++) {
		if (joins[i].fd < 0) continue;
		int t = ioctl(joins[i].fd, NS_GET_NSTYPE_IOCTL);
		/* a /proc/PID/ns link on a kernel before 4.11 (no NS_GET_NSTYPE) is still what its name says */
		if (t < 0 && joins[i].from_target && errno == ENOTTY) continue;
		if (t != NSTYPES[i].flag) {
			*actual = t < 0 ? 0 : t;
			return i;
		}
		fcntl(joins[i].fd, F_SETFD, FD_CLOEXEC);
	}
	return -1;
}

/*
 * The CLI fast path (`nsx-enter --cli SCRIPT enter ARGS…`, run by bin/nsx's sh line before Node starts): for the
 * plain form `nsx enter -t PID [-a] [-m -u -i -n -p -C -U -T …] [--] PROGRAM [ARG…]` it builds exactly the plan
 * the TypeScript side would (src/enter/plan.ts, prepare.ts, run.ts enterPlanArgv; the namespace types, option
 * names and plan rules come from src/enter/tables.ts through nsx-enter-tables.h) and runs it here, without
 * starting Node. Anything else — another option, a file argument, no program, an NSX_ENTER_* or NSX_SAVED_*
 * variable, a target that cannot be opened, pinned or checked — runs Node on the same arguments instead
 * (`/bin/sh SCRIPT enter ARGS…` with NSX_ENTER_NO_FAST=1, which the sh line honours and removes), so every
 * message and every unusual form stays Node's. Every check is made and every descriptor opened before the first
 * setns(); nothing is changed before that (signal dispositions, the signal mask and fd flags are reset only once
 * the fast path is sure).
 *
 * `nsx-enter --cli --plan-only SCRIPT enter ARGS…` prints the plan it made as `nsx enter --dry-run --json` prints
 * Node's (test/enter/plan-agreement.test.ts compares the two) and runs nothing; a form it would hand to Node
 * prints nothing on stdout and exits 3.
 */
static char **cli_argv;
static int plan_only = 0;

#define EXIT_NOT_FAST 3

static void fallback(void) __attribute__((noreturn));
static void fallback(void) {
	if (plan_only) {
		dprintf(2, "nsx enter: not a fast-path form: Node would plan it\n");
		exit(EXIT_NOT_FAST);
	}
	/* argv = helper --cli SCRIPT enter ARGS… → /bin/sh SCRIPT enter ARGS… (descriptors opened here are close-on-exec) */
	if (setenv("NSX_ENTER_NO_FAST", "1", 1) == 0) {
		cli_argv[1] = "/bin/sh";
		execv("/bin/sh", cli_argv + 1);
	}
	die(1, "cannot run Node for %s: %s", cli_argv[2], strerror(errno));
}

/* `-t`'s argument as Node's parseTarget reads a plain PID (digits, >= 1); anything else: 0 (Node decides). */
static int cli_pid(const char *s) {
	long v = 0;
	if (!*s || strlen(s) > 9) return 0;
	for (const char *c = s; *c; c++) {
		if (*c < '0' || *c > '9') return 0;
		v = v * 10 + (*c - '0');
	}
	return v >= 1 ? (int)v : 0;
}

/* What the fast path planned for each namespace type, for --plan-only (the joined ones are in joins[]). */
static struct {
	int requested;
	ino_t inode;
	const char *skipped; /* the reason, when skipped */
} planned[NNS];

static void cli_plan(int argc, char **argv, struct opts *o) {
	int all = 0, pid = 0, given[NNS] = { 0 }, any = 0, i;
	extern char **environ;

	cli_argv = argv;
	if (argc < 4 || strcmp(argv[3], "enter") != 0) die(2, "internal: --cli SCRIPT enter ARGS...");
	/* the variables that change what nsx enter does (NSX_ENTER_HELPER, the NSX_ENTER_TEST_* hooks of test builds,
	 * and NSX_SAVED_NODE_EXTRA_CA_CERTS, which bin/nsx's JavaScript turns into NODE_EXTRA_CA_CERTS): Node's business */
	for (char **e = environ; *e; e++)
		if (strncmp(*e, "NSX_ENTER_", 10) == 0 || strncmp(*e, "NSX_SAVED_", 10) == 0) fallback();

	/* the options, as src/cli/getopt.ts reads them (stopping at the program); only the plain subset */
	for (i = 4; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0') break; /* the program ("-" too, as getopt reads it) */
		if (a[1] == '-') {
			const char *name = a + 2;
			size_t tl = strlen(NSX_OPT_TARGET_LONG);
			if (strncmp(name, NSX_OPT_TARGET_LONG, tl) == 0 && (name[tl] == '\0' || name[tl] == '=')) {
				const char *v = name[tl] == '=' ? name + tl + 1 : i + 1 < argc ? argv[++i] : "";
				if (pid || !(pid = cli_pid(v))) fallback(); /* given twice, or not a plain PID */
				continue;
			}
			if (strcmp(name, NSX_OPT_ALL_LONG) == 0) {
				all = 1;
				continue;
			}
			int k = 0;
			while (k < NNS && strcmp(name, NSTYPES[k].long_opt) != 0) k++; /* exact names only: no =FILE, no prefixes */
			if (k == NNS) fallback();
			given[k] = any = 1;
			continue;
		}
		if (a[1] == NSX_OPT_TARGET_SHORT) {
			const char *v = a[2] ? a + 2 : i + 1 < argc ? argv[++i] : "";
			if (pid || !(pid = cli_pid(v))) fallback();
			continue;
		}
		/* a bundle of flags (-a, -ap, -mnu): every letter one of ours, so none of them takes an argument */
		for (const char *c = a + 1; *c; c++) {
			int k = 0;
			if (*c == NSX_OPT_ALL_SHORT) {
				all = 1;
				continue;
			}
			while (k < NNS && NSTYPES[k].short_opt != *c) k++;
			if (k == NNS) fallback();
			given[k] = any = 1;
		}
	}
	/* no target, nothing to enter, or no program (Node finds the shell): Node's messages and choices */
	if (!pid || !(all || any) || i >= argc) fallback();
	o->prog = argv + i;
	o->pid = pid;
	int user_k = ns_implying(NSX_IMPLIES_CREDENTIALS);
	user_asked = all || (user_k >= 0 && given[user_k]);

	/* the plan (planEnter): the caller's namespaces and the types this kernel has, */
	struct stat st;
	ino_t self[NNS];
	int supported[NNS];
	char path[64];
	for (int k = 0; k < NNS; k++) {
		snprintf(path, sizeof path, "/proc/self/ns/%s", NSTYPES[k].type);
		supported[k] = stat(path, &st) == 0;
		self[k] = supported[k] ? st.st_ino : 0;
	}
	/* the target pinned by its /proc/PID directory, and each requested namespace opened through it */
	snprintf(path, sizeof path, "/proc/%d", pid);
	o->procfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (o->procfd < 0) fallback();
	for (int k = 0; k < NNS; k++) {
		if (!given[k] && !(all && supported[k])) continue;
		snprintf(path, sizeof path, "ns/%s", NSTYPES[k].type);
		int fd = openat(o->procfd, path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) != 0) fallback();
		planned[k].requested = 1;
		planned[k].inode = st.st_ino;
		/* the caller's own namespace: skipped always (user: the kernel refuses to re-enter it), or when only -a
		 * asked for it, or joined anyway (mnt: nsenter re-enters it) */
		enum nsx_same rule = NSTYPES[k].when_same;
		if (supported[k] && st.st_ino == self[k] && (rule == NSX_SAME_SKIP || (rule == NSX_SAME_SKIP_WITH_ALL && all && !given[k]))) {
			planned[k].skipped = NSTYPES[k].same_reason;
			close(fd);
			continue;
		}
		char *label = malloc(64);
		if (!label) fallback();
		snprintf(label, 64, "/proc/%d/ns/%s", pid, NSTYPES[k].type);
		joins[k].fd = fd;
		joins[k].from_target = 1;
		joins[k].label = label;
	}
	/* what joining implies: credentials (root of the user namespace joined, no supplementary groups); a fork */
	for (int k = 0; k < NNS; k++) {
		if (joins[k].fd < 0) continue;
		if (NSTYPES[k].implies == NSX_IMPLIES_CREDENTIALS) o->uid = 0, o->gid = 0, o->drop_groups = 1;
		if (NSTYPES[k].implies == NSX_IMPLIES_FORK) o->do_fork = 1;
	}
}

/* A JSON string as JSON.stringify writes it (the bytes of a valid UTF-8 string are kept). */
static void json_string(FILE *f, const char *s) {
	fputc('"', f);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		switch (*c) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\b': fputs("\\b", f); break;
		case '\f': fputs("\\f", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*c < 0x20) fprintf(f, "\\u%04x", *c);
			else fputc(*c, f);
		}
	}
	fputc('"', f);
}

/* --plan-only: the plan as `nsx enter --dry-run --json` prints it (formatJson: 3 spaces, snake_case keys). */
static void print_plan(const struct opts *o) {
	FILE *f = stdout;
	int n = 0, any_join = 0;
	fprintf(f, "{\n   \"target\": {\n      \"pid\": %d,\n      \"spec\": \"%d\"\n   },\n   \"namespaces\": [", o->pid, o->pid);
	for (int k = 0; k < NNS; k++) {
		if (!planned[k].requested) continue;
		fprintf(f, "%s\n      {\n         \"type\": ", n++ ? "," : "");
		json_string(f, NSTYPES[k].type);
		fprintf(f, ",\n         \"source\": \"target\",\n         \"path\": \"/proc/%d/ns/%s\",\n         \"inode\": %llu,\n         \"action\": \"%s\"",
		        o->pid, NSTYPES[k].type, (unsigned long long)planned[k].inode, planned[k].skipped ? "skip" : "join");
		if (planned[k].skipped) {
			fputs(",\n         \"reason\": ", f);
			json_string(f, planned[k].skipped);
		} else any_join = 1;
		fputs("\n      }", f);
	}
	fputs(n ? "\n   ],\n" : "],\n", f);
	fputs("   \"method\": ", f);
	json_string(f, any_join ? NSX_METHOD_PIDFD : NSX_METHOD_ONE_AT_A_TIME);
	fprintf(f, ",\n   \"fork\": %s,\n   \"credentials\": {\n", o->do_fork ? "true" : "false");
	if (o->uid >= 0) fprintf(f, "      \"uid\": %ld,\n", o->uid);
	if (o->gid >= 0) fprintf(f, "      \"gid\": %ld,\n", o->gid);
	fprintf(f, "      \"drop_groups\": %s\n   },\n   \"env\": false,\n   \"join_cgroup\": false,\n   \"mount_proc\": false,\n   \"program\": [", o->drop_groups ? "true" : "false");
	for (int k = 0; o->prog[k]; k++) {
		fputs(k ? ",\n      " : "\n      ", f);
		json_string(f, o->prog[k]);
	}
	fputs(o->prog[0] ? "\n   ]\n}\n\n" : "]\n}\n\n", f);
	if (fflush(f) != 0) die(1, "cannot write the plan: %s", strerror(errno));
}

/* Join, set up and run the program (never returns). `pidfd`: the pinned target, or -1. */
static void run_plan(struct opts *o, int pidfd) __attribute__((noreturn));
static void run_plan(struct opts *o, int pidfd) {
	int i;
	long uid = o->uid, gid = o->gid;
	int procfd = o->procfd, root_fd = o->root_fd, wd_fd = o->wd_fd, drop_groups = o->drop_groups;
	const char *wdns = o->wdns;

	if (procfd >= 0 && !o->uid_follow && !o->gid_follow) close(procfd);

	/* 3. cgroups first (from outside the target's cgroup namespace, where the write is allowed) */
	for (int k = 0; k < o->ncg; k++) {
		if (write(o->cg_fds[k], "0", 1) != 1) die(1, "cannot join the target's cgroup: %s", strerror(errno));
		close(o->cg_fds[k]);
	}

	int joined_user = ns_implying(NSX_IMPLIES_CREDENTIALS) >= 0 && joins[ns_implying(NSX_IMPLIES_CREDENTIALS)].fd >= 0, pidfd_join = 1;
	if (drop_groups && setgroups(0, NULL) != 0) drop_groups = 2; /* remember the failure, as nsenter does */

	/* 4. join: all target namespaces at once through the pidfd, else nsenter's two passes
	 *    (in a test build, NSX_ENTER_TEST_NO_PIDFD forces the latter, as on kernels before 5.8) */
#ifdef NSX_TEST_HOOKS
	if (getenv("NSX_ENTER_TEST_NO_PIDFD")) {
		unsetenv("NSX_ENTER_TEST_NO_PIDFD");
		note("not joining through the pidfd (NSX_ENTER_TEST_NO_PIDFD)");
		pidfd_join = 0;
	}
#endif
	if (pidfd >= 0 && pidfd_join) {
		int mask = 0;
		for (i = 0; i < NNS; i++)
			if (joins[i].fd >= 0 && joins[i].from_target) mask |= NSTYPES[i].flag;
		if (mask) {
			if (setns(pidfd, mask) == 0) {
				for (i = 0; i < NNS; i++)
					if (joins[i].fd >= 0 && joins[i].from_target) joins[i].done = 1;
				note("joined through the pidfd (mask 0x%x)", mask);
			} else if (errno == ESRCH) {
				die(1, "target PID %d: exited before its namespaces were joined", o->pid);
			} else {
				note("setns(pidfd) failed (%s); joining one namespace at a time", strerror(errno));
			}
		}
	}
	for (int pass = 0; pass < 2; pass++) {
		for (i = 0; i < NNS; i++) {
			if (joins[i].fd < 0 || joins[i].done) continue;
			if (pass == 0 && NSTYPES[i].flag == CLONE_NEWUSER) continue;
			if (setns(joins[i].fd, NSTYPES[i].flag) == 0) joins[i].done = 1;
			else if (pass == 1) die_join(i, errno);
		}
	}
	for (i = 0; i < NNS; i++)
		if (joins[i].fd >= 0) close(joins[i].fd);
	if (pidfd >= 0) close(pidfd);

	/* 5. root, working directory, environment */
	if (root_fd >= 0 && wd_fd < 0 && !wdns) {
		wd_fd = open(".", O_RDONLY | O_CLOEXEC);
		if (wd_fd < 0) die(1, "cannot open the current working directory: %s", strerror(errno));
	}
	if (root_fd >= 0) {
		if (fchdir(root_fd) < 0 || chroot(".") < 0 || chdir("/") < 0) die(1, "cannot change the root directory: %s", strerror(errno));
		close(root_fd);
	}
	if (wdns) {
		wd_fd = open(wdns, O_RDONLY | O_CLOEXEC);
		if (wd_fd < 0) die(1, "cannot open the working directory %s: %s", wdns, strerror(errno));
	}
	if (wd_fd >= 0) {
		if (fchdir(wd_fd) < 0) die(1, "cannot change the working directory: %s", strerror(errno));
		close(wd_fd);
	}
	if (o->env_fd >= 0) env_from_fd(o->env_fd);

	/* 6. the pid namespace applies to children: fork */
	if (o->do_fork) continue_as_child();

	if (o->mount_proc) {
		/* a private copy of the entered mount namespace, so the target's own mounts are untouched */
		if (unshare(CLONE_NEWNS) < 0) die(1, "--mount-proc: cannot make a private mount namespace: %s", strerror(errno));
		if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) die(1, "--mount-proc: cannot make / private: %s", strerror(errno));
		if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
			die(1, "--mount-proc: cannot mount /proc: %s", strerror(errno));
	}

	/* -S follow / -G follow: the owner of the target's /proc/PID, as the entered user namespace sees it */
	if (o->uid_follow || o->gid_follow) {
		struct stat st;
		if (procfd < 0 || fstat(procfd, &st) != 0) die(1, "cannot get the target's credentials: %s", strerror(errno));
		if (o->uid_follow) uid = st.st_uid;
		if (o->gid_follow) gid = st.st_gid;
		close(procfd);
	}

	/* 7. credentials, as nsenter: setgroups denied in the target's user namespace is tolerated */
	if (gid >= 0 || uid >= 0) {
		if (gid >= 0 && setgroups(0, NULL) != 0 && drop_groups == 2) {
			int e = errno;
			char sg[16] = "";
			int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
			if (fd >= 0) {
				ssize_t n = read(fd, sg, sizeof sg - 1);
				sg[n > 0 ? n : 0] = '\0';
				close(fd);
			}
			if (!(joined_user && strncmp(sg, "deny", 4) == 0)) die(1, "setgroups failed: %s", strerror(e));
		}
		if (gid >= 0 && setgid((gid_t)gid) < 0) die(1, "setgid(%ld) failed: %s", gid, strerror(errno));
		if (uid >= 0 && setuid((uid_t)uid) < 0) die(1, "setuid(%ld) failed: %s", uid, strerror(errno));
	}

	if (o->keep_caps && joined_user) permitted_to_ambient();

	exec_program(o->prog, o->shell, o->shell_argv0);
	exit(1);
}

int main(int argc, char **argv) {
	struct opts o;
	int i, pidfd = -1, actual = 0;

	memset(&o, 0, sizeof o);
	o.procfd = o.root_fd = o.wd_fd = o.env_fd = -1;
	o.uid = o.gid = -1;
	for (i = 0; i < NNS; i++) joins[i].fd = -1;

	/* the fast path's plan, printed (--cli --plan-only SCRIPT enter ARGS…): made and checked as below, nothing run */
	if (argc > 2 && strcmp(argv[1], "--cli") == 0 && strcmp(argv[2], "--plan-only") == 0) {
		plan_only = 1;
		cli_plan(argc - 1, argv + 1, &o);
		if (pin_target(o.pid, o.procfd, &pidfd) != 0 || check_namespaces(&actual) >= 0) fallback();
		print_plan(&o);
		exit(0);
	}
	/* the CLI fast path: checked, opened and pinned here, else Node runs instead (fallback) */
	if (argc > 1 && strcmp(argv[1], "--cli") == 0) {
		cli_plan(argc, argv, &o);
		if (pin_target(o.pid, o.procfd, &pidfd) != 0 || check_namespaces(&actual) >= 0) fallback();
		reset_inherited();
		run_plan(&o, pidfd);
	}

	reset_inherited();
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (!v && strcmp(a, "--fork") && strcmp(a, "--mount-proc") && strcmp(a, "--drop-groups") && strcmp(a, "--verbose") &&
		    strcmp(a, "--uid-follow") && strcmp(a, "--gid-follow") && strcmp(a, "--keep-caps") && strcmp(a, "--user-asked"))
			die(2, "internal: option %s needs a value", a);
		if (strcmp(a, "--pid") == 0) o.pid = parse_int(v, "pid"), i++;
		else if (strcmp(a, "--procfd") == 0) o.procfd = parse_int(v, "fd"), i++;
		else if (strcmp(a, "--ns") == 0 || strcmp(a, "--ns-file") == 0) {
			/* TYPE:FD:LABEL */
			char *spec = strdup(v), *c1 = strchr(spec, ':'), *c2;
			if (!c1) die(2, "internal: bad --ns '%s'", v);
			*c1 = '\0';
			c2 = strchr(c1 + 1, ':');
			if (c2) *c2 = '\0';
			int k = ns_index(spec);
			if (k < 0) die(2, "internal: bad namespace type '%s'", spec);
			joins[k].fd = parse_int(c1 + 1, "fd");
			joins[k].from_target = strcmp(a, "--ns") == 0;
			joins[k].label = c2 ? c2 + 1 : spec;
			i++;
		} else if (strcmp(a, "--cgroup-fd") == 0) {
			if (o.ncg == (int)(sizeof o.cg_fds / sizeof o.cg_fds[0])) die(2, "internal: too many --cgroup-fd");
			o.cg_fds[o.ncg++] = parse_int(v, "fd");
			i++;
		} else if (strcmp(a, "--root-fd") == 0) o.root_fd = parse_int(v, "fd"), i++;
		else if (strcmp(a, "--wd-fd") == 0) o.wd_fd = parse_int(v, "fd"), i++;
		else if (strcmp(a, "--wdns") == 0) o.wdns = v, i++;
		else if (strcmp(a, "--shell") == 0) o.shell = v, i++;
		else if (strcmp(a, "--shell-argv0") == 0) o.shell_argv0 = v, i++;
		else if (strcmp(a, "--env-fd") == 0) o.env_fd = parse_int(v, "fd"), i++;
		else if (strcmp(a, "--uid") == 0) o.uid = parse_id(v, "uid"), i++;
		else if (strcmp(a, "--gid") == 0) o.gid = parse_id(v, "gid"), i++;
		else if (strcmp(a, "--drop-groups") == 0) o.drop_groups = 1;
		else if (strcmp(a, "--uid-follow") == 0) o.uid_follow = 1;
		else if (strcmp(a, "--gid-follow") == 0) o.gid_follow = 1;
		else if (strcmp(a, "--keep-caps") == 0) o.keep_caps = 1;
		else if (strcmp(a, "--fork") == 0) o.do_fork = 1;
		else if (strcmp(a, "--mount-proc") == 0) o.mount_proc = 1;
		else if (strcmp(a, "--verbose") == 0) verbose = 1;
		else if (strcmp(a, "--user-asked") == 0) user_asked = 1;
		else die(2, "internal: unknown option %s", a);
	}
	o.prog = argv + i;

#ifdef NSX_TEST_HOOKS
	/* Test hook (test builds only): widen the window between resolution and pinning so a test can make the PID
	 * exit (and be reused). */
	const char *delay = getenv("NSX_ENTER_TEST_DELAY_MS");
	if (delay) {
		long ms = atol(delay);
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
		unsetenv("NSX_ENTER_TEST_DELAY_MS");
		while (ms > 0 && nanosleep(&ts, &ts) < 0 && errno == EINTR) {
		}
	}
#endif

	/* 1. pin the target */
	if (o.pid > 0) {
		int r = pin_target(o.pid, o.procfd, &pidfd);
		if (r == 1) die(1, "target PID %d: exited before its namespaces were joined", o.pid);
		if (r == 2) die(1, "target PID %d: exited before its namespaces were joined (refusing to enter whatever process has that PID now)", o.pid);
		note("pinned target PID %d (pidfd %s)", o.pid, pidfd >= 0 ? "yes" : "unavailable");
	}

	/* 2. every descriptor must be a namespace of the expected type, before anything is joined */
	i = check_namespaces(&actual);
	if (i >= 0) {
		const char *name = "another";
		if (!actual) die(1, "%s namespace: %s: not a namespace file", NSTYPES[i].type, joins[i].label);
		for (int k = 0; k < NNS; k++)
			if (NSTYPES[k].flag == actual) name = NSTYPES[k].type;
		die(1, "%s namespace: %s is a %s namespace file", NSTYPES[i].type, joins[i].label, name);
	}
	run_plan(&o, pidfd);
}

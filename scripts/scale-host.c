/*
 * scale-host.c: the process side of nsx's scale host (test/helpers/scale.ts builds it with the system C compiler
 * and drives it; scripts/scale-host.mjs is the command line). One "root" process reads a plan on stdin, one
 * command a line, and makes in a few seconds what a busy node holds: thousands of processes and threads in given
 * cgroups and network namespaces, namespaces held by `ip netns` bind mounts, hundreds of other mounts.
 *
 *   ns                                   unshare(CLONE_NEWNS) and make every mount a slave: what follows
 *                                        mounts only in the scale host's own mount namespace (gone with it)
 *   tmpfs PATH                           mkdir -p PATH, mount a tmpfs (source "nsx-test-scale") on it
 *   mounts DIR COUNT                     COUNT tmpfs mounts (source "nsx-test-scale") on DIR/0 … DIR/COUNT-1
 *   exec ARG…                            fork, exec ARG… (PATH searched), wait; a failure ends the plan
 *   group PROCS NETNS UNSHARE N T MODE   fork a leader that writes its PID to each cgroup.procs file of PROCS
 *                                        (comma-separated, "-" for none), joins the netns at path NETNS ("-" for
 *                                        none), unshares a new netns when UNSHARE is 1, forks N-1 children and
 *                                        starts T-1 threads (so N processes and N-1+T tasks); MODE: idle (pause),
 *                                        busy (50 µs of CPU every 100 ms, each process)
 *   ready                                print "ready ROOTPID" (every leader is set up by then) and wait
 *
 * Nothing outlives the root: every process it makes asks the kernel to kill it when its parent dies
 * (PR_SET_PDEATHSIG), and the root itself dies with the process that started it unless started with
 * `--detach` (the command-line `up`, which returns at once). Errors: "error WHAT" on stdout, exit 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* the pipe of the leader being set up: it writes one byte when ready, or dies (EOF) */
static int ready_pipe[2];

static void die(const char *what, const char *arg) {
  printf("error %s %s: %s\n", what, arg ? arg : "", strerror(errno));
  fflush(stdout);
  _exit(1);
}

/* In a child: die with the parent; 0 when the parent is already gone. */
static int tie_to_parent(pid_t parent) {
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) return 0;
  return getppid() == parent;
}

static void busy_forever(void) {
  for (;;) {
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    do clock_gettime(CLOCK_MONOTONIC, &b);
    while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < 50000L);
    struct timespec d = {0, 100000000L};
    nanosleep(&d, NULL);
  }
}

static void rest(int busy) {
  if (busy) busy_forever();
  for (;;) pause();
}

static void *thread_main(void *arg) {
  (void)arg;
  for (;;) pause();
  return NULL;
}

static void mkdir_p(const char *path) {
  char buf[4096];
  snprintf(buf, sizeof buf, "%s", path);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    if (mkdir(buf, 0755) != 0 && errno != EEXIST) die("mkdir", buf);
    *p = '/';
  }
  if (mkdir(buf, 0755) != 0 && errno != EEXIST) die("mkdir", buf);
}

static void write_pid(const char *file) {
  int fd = open(file, O_WRONLY);
  if (fd < 0) die("open", file);
  char b[32];
  int n = snprintf(b, sizeof b, "%d", (int)getpid());
  if (write(fd, b, n) != n) die("write", file);
  close(fd);
}

static void leader(char *procs, const char *netns, int unshare_net, long n, long t, int busy) {
  if (strcmp(procs, "-") != 0) {
    for (char *f = strtok(procs, ","); f; f = strtok(NULL, ",")) write_pid(f);
  }
  if (strcmp(netns, "-") != 0) {
    int fd = open(netns, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) die("setns", netns);
    close(fd);
  }
  if (unshare_net && unshare(CLONE_NEWNET) != 0) die("unshare", "net");
  pid_t me = getpid();
  for (long i = 1; i < n; i++) {
    pid_t c = fork();
    if (c < 0) die("fork", NULL);
    if (c == 0) {
      close(ready_pipe[1]);
      if (!tie_to_parent(me)) _exit(0);
      rest(busy);
    }
  }
  pthread_attr_t a;
  pthread_attr_init(&a);
  pthread_attr_setstacksize(&a, 16384 > PTHREAD_STACK_MIN ? 16384 : PTHREAD_STACK_MIN);
  for (long i = 1; i < t; i++) {
    pthread_t th;
    int e = pthread_create(&th, &a, thread_main, NULL);
    if (e != 0) {
      errno = e;
      die("pthread_create", NULL);
    }
  }
  char ok = 'k';
  if (write(ready_pipe[1], &ok, 1) != 1) die("write", "ready pipe");
  close(ready_pipe[1]);
  rest(busy);
}

static void run_exec(char **argv) {
  pid_t c = fork();
  if (c < 0) die("fork", NULL);
  if (c == 0) {
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) dup2(null, 0), dup2(null, 1);
    execvp(argv[0], argv);
    _exit(127);
  }
  int st;
  if (waitpid(c, &st, 0) < 0) die("waitpid", argv[0]);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
    errno = ECHILD;
    die("exec failed:", argv[0]);
  }
}

int main(int argc, char **argv) {
  int detach = argc > 1 && strcmp(argv[1], "--detach") == 0;
  pid_t parent = getppid();
  if (!detach && !tie_to_parent(parent)) return 1;
  signal(SIGPIPE, SIG_IGN);
  char line[65536];
  while (fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\n")] = 0;
    char *words[1024];
    int nw = 0;
    for (char *w = strtok(line, " "); w && nw < 1023; w = strtok(NULL, " ")) words[nw++] = w;
    words[nw] = NULL;
    if (nw == 0) continue;
    const char *cmd = words[0];
    if (strcmp(cmd, "ns") == 0) {
      if (unshare(CLONE_NEWNS) != 0) die("unshare", "mnt");
      if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) != 0) die("mount", "/ rslave");
    } else if (strcmp(cmd, "tmpfs") == 0 && nw == 2) {
      mkdir_p(words[1]);
      if (mount("nsx-test-scale", words[1], "tmpfs", 0, "size=64k,mode=755") != 0) die("mount", words[1]);
    } else if (strcmp(cmd, "mounts") == 0 && nw == 3) {
      long count = atol(words[2]);
      for (long i = 0; i < count; i++) {
        char p[4096];
        snprintf(p, sizeof p, "%s/%ld", words[1], i);
        if (mkdir(p, 0755) != 0 && errno != EEXIST) die("mkdir", p);
        if (mount("nsx-test-scale", p, "tmpfs", 0, "size=4k") != 0) die("mount", p);
      }
    } else if (strcmp(cmd, "exec") == 0 && nw >= 2) {
      fflush(stdout);
      run_exec(words + 1);
    } else if (strcmp(cmd, "group") == 0 && nw == 7) {
      /* one leader at a time: thousands of concurrent unshare(CLONE_NEWNET) would wait in D state for the
         kernel's netns lock, and the machine's load average would jump to thousands */
      fflush(stdout);
      if (pipe2(ready_pipe, O_CLOEXEC) != 0) die("pipe", NULL);
      pid_t me = getpid();
      pid_t c = fork();
      if (c < 0) die("fork", NULL);
      if (c == 0) {
        close(ready_pipe[0]);
        if (!tie_to_parent(me)) _exit(0);
        leader(words[1], words[2], atoi(words[3]), atol(words[4]), atol(words[5]), strcmp(words[6], "busy") == 0);
      }
      close(ready_pipe[1]);
      char b;
      ssize_t r;
      do r = read(ready_pipe[0], &b, 1);
      while (r < 0 && errno == EINTR);
      if (r != 1) {
        errno = ECHILD;
        die("a leader failed:", words[1]);
      }
      close(ready_pipe[0]);
    } else if (strcmp(cmd, "ready") == 0) {
      printf("ready %d\n", (int)getpid());
      fflush(stdout);
      if (detach) {
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) dup2(null, 0), dup2(null, 1), dup2(null, 2);
        setsid();
      }
      for (;;) {
        /* reap nothing: leaders never exit; a dead leader is a broken host, left for `down` */
        pause();
      }
    } else {
      errno = EINVAL;
      die("unknown command", cmd);
    }
  }
  errno = EINVAL;
  die("plan ended without 'ready'", NULL);
  return 1;
}

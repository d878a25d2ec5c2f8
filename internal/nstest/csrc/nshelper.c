// nshelper: small programs that put namespaces in the states the tests
// check. Each mode prints one "ready ..." line on stdout when the state
// exists, then waits until killed (the tests synchronise on that line,
// never on time).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <linux/sockios.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what) {
	fprintf(stderr, "nshelper: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int flag_of(const char *name) {
	if (!strcmp(name, "uts")) return CLONE_NEWUTS;
	if (!strcmp(name, "net")) return CLONE_NEWNET;
	if (!strcmp(name, "ipc")) return CLONE_NEWIPC;
	if (!strcmp(name, "mnt")) return CLONE_NEWNS;
	if (!strcmp(name, "cgroup")) return CLONE_NEWCGROUP;
	if (!strcmp(name, "pid")) return CLONE_NEWPID;
	if (!strcmp(name, "user")) return CLONE_NEWUSER;
	if (!strcmp(name, "time")) return CLONE_NEWTIME;
	fprintf(stderr, "nshelper: unknown type %s\n", name);
	exit(2);
}

static void ready(const char *fmt, long a, long b) {
	printf("ready ");
	printf(fmt, a, b);
	printf("\n");
	fflush(stdout);
}

static void wait_forever(void) {
	for (;;) pause();
}

struct thread_arg { int flags; int exit_main; };
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int thread_ready;

static void *unsharing_thread(void *p) {
	struct thread_arg *a = p;
	if (unshare(a->flags) < 0) die("unshare");
	pthread_mutex_lock(&lock);
	thread_ready = 1;
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&lock);
	ready("%ld %ld", (long)getpid(), (long)syscall(SYS_gettid));
	wait_forever();
	return NULL;
}

// thread TYPE[,TYPE] [exit-main]: a second thread unshares the types; with
// exit-main the leader thread then exits, leaving a process whose only live
// thread is the unsharing one. Prints "ready PID TID".
static int mode_thread(int argc, char **argv) {
	static struct thread_arg a;
	char *types = strdup(argv[2]);
	for (char *t = strtok(types, ","); t; t = strtok(NULL, ",")) a.flags |= flag_of(t);
	a.exit_main = argc > 3 && !strcmp(argv[3], "exit-main");
	pthread_t th;
	if (pthread_create(&th, NULL, unsharing_thread, &a)) die("pthread_create");
	pthread_mutex_lock(&lock);
	while (!thread_ready) pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	if (a.exit_main) pthread_exit(NULL);
	wait_forever();
	return 0;
}

// Fork a child in new namespaces of the given types; it waits on a pipe.
static pid_t child_in(int flags, int *release) {
	int p[2];
	if (pipe(p) < 0) die("pipe");
	pid_t pid = syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid < 0) die("clone");
	if (pid == 0) {
		char c;
		close(p[1]);
		read(p[0], &c, 1);
		_exit(0);
	}
	close(p[0]);
	*release = p[1];
	return pid;
}

// fd TYPE[,TYPE]: a child is made in new namespaces; this process opens the
// child's namespace file of the first TYPE and keeps the fd; the child
// exits, so the namespace is held only by the fd. Prints "ready FD INODE".
static int mode_fd(int argc, char **argv) {
	char *types = strdup(argv[2]);
	int flags = 0;
	char *first = NULL;
	for (char *t = strtok(types, ","); t; t = strtok(NULL, ",")) {
		flags |= flag_of(t);
		if (!first) first = t;
	}
	int release;
	pid_t pid = child_in(flags, &release);
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/ns/%s", pid, first);
	int fd = open(path, O_RDONLY);
	if (fd < 0) die("open ns");
	struct stat st;
	if (fstat(fd, &st) < 0) die("fstat");
	close(release);
	if (waitpid(pid, NULL, 0) < 0) die("waitpid");
	(void)argc;
	ready("%ld %ld", (long)fd, (long)st.st_ino);
	wait_forever();
	return 0;
}

// pid-for-children: unshare(CLONE_NEWPID) and fork one child that exits at
// once, so the new PID namespace has no member and is held only by
// pid_for_children. With "no-child", no child is made at all.
static int mode_pid_for_children(int argc, char **argv) {
	if (unshare(CLONE_NEWPID) < 0) die("unshare");
	if (!(argc > 2 && !strcmp(argv[2], "no-child"))) {
		pid_t pid = fork();
		if (pid < 0) die("fork");
		if (pid == 0) _exit(0);
		if (waitpid(pid, NULL, 0) < 0) die("waitpid");
	}
	ready("%ld %ld", (long)getpid(), 0);
	wait_forever();
	return 0;
}

// time-for-children: unshare(CLONE_NEWTIME); the new time namespace is held
// only by time_for_children.
static int mode_time_for_children(int argc, char **argv) {
	(void)argc; (void)argv;
	if (unshare(CLONE_NEWTIME) < 0) die("unshare");
	ready("%ld %ld", (long)getpid(), 0);
	wait_forever();
	return 0;
}

// socket: create a socket in a new network namespace and return to the
// original one, so the new namespace is held only by the socket. Prints
// "ready FD INODE" (the socket's fd and its network namespace's inode).
static int mode_socket(int argc, char **argv) {
	(void)argc; (void)argv;
	int orig = open("/proc/self/ns/net", O_RDONLY);
	if (orig < 0) die("open net");
	if (unshare(CLONE_NEWNET) < 0) die("unshare");
	int sock = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (sock < 0) die("socket");
	if (setns(orig, CLONE_NEWNET) < 0) die("setns");
	close(orig);
	int ns = ioctl(sock, SIOCGSKNS);
	if (ns < 0) die("SIOCGSKNS");
	struct stat st;
	if (fstat(ns, &st) < 0) die("fstat");
	close(ns);
	ready("%ld %ld", (long)sock, (long)st.st_ino);
	wait_forever();
	return 0;
}

// fifo PATH: hold the FIFO at PATH open read-write (which never blocks on
// Linux), so it sits among this process's fds. Prints "ready FD 0".
static int mode_fifo(int argc, char **argv) {
	(void)argc;
	int fd = open(argv[2], O_RDWR | O_CLOEXEC);
	if (fd < 0) die("open fifo");
	ready("%ld %ld", (long)fd, 0);
	wait_forever();
	return 0;
}

// pty [PTMX]: open a pseudo-terminal pair through PTMX (default /dev/ptmx;
// the ptmx node of a private devpts instance also works) without making it
// the controlling terminal, and hold both ends. Prints "ready MASTER_FD
// SLAVE_FD".
static int mode_pty(int argc, char **argv) {
	const char *ptmx = argc > 2 ? argv[2] : "/dev/ptmx";
	int master = open(ptmx, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0) die("open ptmx");
	if (unlockpt(master) < 0) die("unlockpt");
	// TIOCGPTPEER finds the slave in the master's own devpts instance,
	// which ptsname() (always /dev/pts/N) would not.
	int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0) die("TIOCGPTPEER");
	ready("%ld %ld", (long)master, (long)slave);
	wait_forever();
	return 0;
}

// sleep: just be a process (in whatever namespaces it was started in).
static int mode_sleep(int argc, char **argv) {
	(void)argc; (void)argv;
	ready("%ld %ld", (long)getpid(), 0);
	wait_forever();
	return 0;
}

int main(int argc, char **argv) {
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) { fprintf(stderr, "usage: nshelper MODE ...\n"); return 2; }
	if (!strcmp(argv[1], "thread") && argc > 2) return mode_thread(argc, argv);
	if (!strcmp(argv[1], "fd") && argc > 2) return mode_fd(argc, argv);
	if (!strcmp(argv[1], "pid-for-children")) return mode_pid_for_children(argc, argv);
	if (!strcmp(argv[1], "time-for-children")) return mode_time_for_children(argc, argv);
	if (!strcmp(argv[1], "sleep")) return mode_sleep(argc, argv);
	if (!strcmp(argv[1], "socket")) return mode_socket(argc, argv);
	if (!strcmp(argv[1], "fifo") && argc > 2) return mode_fifo(argc, argv);
	if (!strcmp(argv[1], "pty")) return mode_pty(argc, argv);
	fprintf(stderr, "nshelper: bad mode\n");
	return 2;
}

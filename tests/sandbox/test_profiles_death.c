/* tests: death tests for the sandbox profiles, Chromium BPF_DEATH_TEST
 * style; harness, trusted.  Each case forks, confines the child (final
 * filter via sandbox_role_lockdown, the outer filter, or Landlock alone),
 * tries one thing and the parent asserts how the child ended. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/futex.h>
#include <linux/sched.h>

#include "sandbox.h"
#include "sandbox_tables.h"

#define X32_SYSCALL_BIT		0x40000000
#define I386_NR_GETPID		20
#define EXIT_LOCKDOWN_FAILED	100
#define EXIT_SETUP_FAILED	101

enum confine {
	CONFINE_FINAL,		/* sandbox_role_lockdown(role) */
	CONFINE_OUTER,		/* the spawner's outer filter only */
	CONFINE_BOTH,		/* outer, then lockdown: what a real role has */
	CONFINE_LANDLOCK,	/* NO_NEW_PRIVS + Landlock no-files only */
	CONFINE_LANDLOCK_DIR,	/* NO_NEW_PRIVS + Landlock private-dir only */
	CONFINE_FINAL_DIR,	/* sandbox_role_lockdown_dir(role, private_dir) */
};

enum ending { END_SIGNAL, END_EXIT };

struct death_case {
	const char *name;
	enum role_id role;
	enum confine confine;
	int (*prepare)(void);	/* before confinement, may be NULL */
	int (*attempt)(void);	/* returns the child's exit code */
	enum ending ending;
	int value;		/* signal number or exit code */
};

static pid_t test_parent;	/* the test process: a target for signals */
static pid_t test_sibling;	/* a sleeping bystander, another target */
static struct sock_fprog outer_prog;
static char private_dir[] = "/tmp/qscan-death-dir-XXXXXX";

/* ---- attempts --------------------------------------------------------- */

static int
errno_of(long rc)
{
	return rc < 0 ? errno : 0;
}

static int
try_socket_inet(void)
{
	return errno_of(socket(AF_INET, SOCK_STREAM, 0));
}

static int
try_socket_unix(void)
{
	return errno_of(socket(AF_UNIX, SOCK_STREAM, 0));
}

static int
try_socketpair_inet(void)
{
	int sv[2];

	return errno_of(socketpair(AF_INET, SOCK_STREAM, 0, sv));
}

static int
try_x32_socket(void)
{
	return errno_of(syscall(X32_SYSCALL_BIT | SYS_socket, AF_INET,
	    SOCK_STREAM, 0));
}

static int
try_i386_getpid(void)
{
	long rc;

	/* The 32-bit entry point from 64-bit code: another arch number. */
	__asm__ volatile ("int $0x80" : "=a"(rc) : "a"(I386_NR_GETPID)
	    : "memory");
	return rc < 0 ? (int)-rc : 0;
}

static int
try_execve(void)
{
	char *const argv[] = { (char *)"true", NULL };
	char *const envp[] = { NULL };

	execve("/bin/true", argv, envp);
	return errno;
}

static int
try_fork(void)
{
	pid_t pid = fork();
	int st;

	if (pid == 0)
		_exit(0);
	if (pid < 0)
		return errno;
	waitpid(pid, &st, 0);
	return 0;
}

static void *
thread_body(void *arg)
{
	return arg;
}

static int
try_thread(void)
{
	pthread_t t;
	int rc = pthread_create(&t, NULL, thread_body, NULL);

	if (rc == 0)
		pthread_join(t, NULL);
	return rc;
}

static int
try_clone3(void)
{
	struct clone_args ca;

	memset(&ca, 0, sizeof(ca));
	ca.exit_signal = SIGCHLD;
	return errno_of(syscall(SYS_clone3, &ca, sizeof(ca)));
}

static int
try_unshare_user(void)
{
	return errno_of(unshare(CLONE_NEWUSER));
}

static int
try_clone_newuser(void)
{
	long rc = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);

	if (rc == 0)
		_exit(0);
	return errno_of(rc);
}

static int
try_mount(void)
{
	return errno_of(syscall(SYS_mount, "none", "/mnt", "tmpfs", 0, 0));
}

static int
try_io_uring(void)
{
	char params[120];

	memset(params, 0, sizeof(params));
	return errno_of(syscall(SYS_io_uring_setup, 1, params));
}

static int
try_keyctl(void)
{
	return errno_of(syscall(SYS_keyctl, 0, 0, 0, 0, 0));
}

static int
try_ptrace_traceme(void)
{
	return errno_of(ptrace(PTRACE_TRACEME, 0, 0, 0));
}

static int
try_ptrace_parent(void)
{
	return errno_of(ptrace(PTRACE_ATTACH, test_parent, 0, 0));
}

static int
try_kill_parent(void)
{
	/* Signal 0: were it let through, nothing happens to the test. */
	return errno_of(kill(test_parent, 0));
}

static int
try_tgkill_sibling_abrt(void)
{
	return errno_of(syscall(SYS_tgkill, test_sibling, test_sibling,
	    SIGABRT));
}

static int
try_tgkill_self_usr1(void)
{
	return errno_of(syscall(SYS_tgkill, getpid(), syscall(SYS_gettid),
	    SIGUSR1));
}

static int
try_abort(void)
{
	abort();
}

static int
try_mmap_exec(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? errno : 0;
}

static int
try_mprotect_exec(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return EXIT_SETUP_FAILED;
	return errno_of(mprotect(p, 4096, PROT_READ | PROT_EXEC));
}

static int
try_malloc_big(void)
{
	size_t n = 64u << 20;
	char *p = malloc(n);

	if (p == NULL)
		return ENOMEM;
	memset(p, 0x5a, n);
	p = realloc(p, 2 * n);
	if (p == NULL)
		return ENOMEM;
	free(p);
	return 0;
}

static int
try_madvise_dontneed(void)
{
	char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return EXIT_SETUP_FAILED;
	return errno_of(madvise(p, 8192, MADV_DONTNEED));
}

static int
try_madvise_hugepage(void)
{
	char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return EXIT_SETUP_FAILED;
	return errno_of(madvise(p, 8192, MADV_HUGEPAGE));
}

static int
try_futex_private(void)
{
	static int word;

	return errno_of(syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1,
	    NULL, NULL, 0));
}

static int
try_futex_shared(void)
{
	static int word;

	return errno_of(syscall(SYS_futex, &word, FUTEX_WAKE, 1, NULL, NULL,
	    0));
}

static int
try_write_fd0(void)
{
	return errno_of(write(0, "", 0));
}

static int
try_write_fd0_high_word(void)
{
	/* The kernel truncates fd to 32 bits: 0x100000000 is fd 0. */
	return errno_of(syscall(SYS_write, 0x100000000ull, "", 0));
}

static int
try_write_fd1(void)
{
	return errno_of(write(1, "", 0));
}

static int
try_open_passwd(void)
{
	return errno_of(open("/etc/passwd", O_RDONLY));
}

static int
try_stat_passwd(void)
{
	struct stat st;

	return errno_of(stat("/etc/passwd", &st));
}

static int
try_mkdir_tmp(void)
{
	char path[64];

	snprintf(path, sizeof(path), "/tmp/qscan-death-%d", (int)getpid());
	if (mkdir(path, 0700) == 0) {
		rmdir(path);
		return 0;
	}
	return errno;
}

/* What libclamav does in its temporary directory. */
static int
try_private_dir_work(void)
{
	char dir[128], file[160];
	int fd;

	snprintf(dir, sizeof(dir), "%s/sub", private_dir);
	snprintf(file, sizeof(file), "%s/f", dir);
	if (mkdir(dir, 0700) < 0)
		return 20;
	fd = open(file, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return 21;
	if (write(fd, "x", 1) != 1 || ftruncate(fd, 0) < 0)
		return 22;
	close(fd);
	if (unlink(file) < 0 || rmdir(dir) < 0)
		return 23;
	return 0;
}

static int
try_private_dir_exec(void)
{
	char file[160];
	int fd;

	snprintf(file, sizeof(file), "%s/x", private_dir);
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);
	if (fd < 0)
		return EXIT_SETUP_FAILED;
	close(fd);
	{
		char *const argv[] = { file, NULL };
		char *const envp[] = { NULL };

		execve(file, argv, envp);
	}
	unlink(file);
	return errno;
}

static int
try_connect_tcp(void)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return EXIT_SETUP_FAILED;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(9);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return errno_of(connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
}

static int
try_prlimit_raise(void)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };

	return errno_of(setrlimit(RLIMIT_NPROC, &rl));
}

static int
try_prctl(void)
{
	return errno_of(prctl(PR_SET_DUMPABLE, 1, 0, 0, 0));
}

static int
try_fcntl_setfl(void)
{
	return errno_of(fcntl(1, F_SETFL, O_NONBLOCK));
}

static int
try_getppid(void)
{
	return errno_of(getppid());
}

static int
try_execve_true(void)
{
	char *const argv[] = { (char *)"true", NULL };
	char *const envp[] = { NULL };

	execve("/bin/true", argv, envp);
	return EXIT_SETUP_FAILED;
}

/* Puts one end of a fresh socketpair on fd 1, as the spawner does. */
static int
prepare_records_socket(void)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0 ||
	    dup2(sv[0], 1) < 0)
		return -1;
	close(sv[0]);
	/* sv[1] stays open in the child so sends do not fail with EPIPE. */
	return 0;
}

static int
send_on_flags(int fd, int passfd, int flags)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { (void *)"rec", 3 };
	struct msghdr msg;

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (passfd >= 0) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &passfd, sizeof(int));
	}
	return errno_of(sendmsg(fd, &msg, flags));
}

static int
send_on(int fd, int passfd)
{
	return send_on_flags(fd, passfd, MSG_NOSIGNAL);
}

static int
try_sendmsg_fd1(void)
{
	return send_on(1, -1);
}

static int
try_sendmsg_fd1_no_nosignal(void)
{
	struct iovec iov = { (void *)"rec", 3 };
	struct msghdr msg;

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	return errno_of(sendmsg(1, &msg, 0));
}

static int
try_sendmsg_other_fd(void)
{
	return send_on(3, -1);
}

/* The unpack role's whole part path: sealed memfd, sent over fd 1. */
static int
try_memfd_part(void)
{
	static const char part[] = "decoded part bytes";
	int fd;

	fd = memfd_create("part", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return 10;
	if (write(fd, part, sizeof(part)) != (ssize_t)sizeof(part))
		return 11;
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW |
	    F_SEAL_SHRINK | F_SEAL_SEAL) < 0)
		return 12;
	if (write(fd, "x", 1) >= 0 || errno != EPERM)
		return 13;
	if (send_on(1, fd) != 0)
		return 14;
	close(fd);
	return 0;
}

static int
try_memfd_get_seals(void)
{
	int fd = memfd_create("part", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0)
		return EXIT_SETUP_FAILED;
	return errno_of(fcntl(fd, F_GET_SEALS));
}

static int
try_memfd_ftruncate(void)
{
	int fd = memfd_create("part", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0)
		return EXIT_SETUP_FAILED;
	return errno_of(ftruncate(fd, 4096));
}

static int
try_memfd_unsealable(void)
{
	return errno_of(memfd_create("part", MFD_CLOEXEC));
}

/* The clamav role's temporary-file work beneath its private directory,
 * with the calls libclamav makes (no ftruncate: it never uses it). */
static int
try_clamav_tmp_work(void)
{
	char dir[128], file[160], back[4];
	struct stat st;
	int fd, dfd;

	snprintf(dir, sizeof(dir), "%s/scantemp", private_dir);
	snprintf(file, sizeof(file), "%s/part", dir);
	if (mkdir(dir, 0700) < 0 || chmod(dir, 0700) < 0)
		return 20;
	fd = open(file, O_RDWR | O_CREAT | O_EXCL | O_TRUNC, 0600);
	if (fd < 0)
		return 21;
	if (write(fd, "abc", 3) != 3 || lseek(fd, 0, SEEK_SET) != 0 ||
	    read(fd, back, 3) != 3 || pread(fd, back, 3, 0) != 3 ||
	    fstat(fd, &st) != 0 || stat(file, &st) != 0 ||
	    fcntl(fd, F_GETFL) < 0)
		return 22;
	close(fd);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return 23;
	{
		char dents[1024];

		if (syscall(SYS_getdents64, dfd, dents, sizeof(dents)) <= 0)
			return 24;
	}
	close(dfd);
	if (unlink(file) < 0 || rmdir(dir) < 0)
		return 25;
	return 0;
}

#define HIGH_FD 40

/* A temporary file whose descriptor is above the baseline's write range
 * (ROLE_NOFILE), as libclamav may hold that many; dup2 is no role's
 * call, so the descriptor is placed before confinement. */
static int
prepare_high_fd(void)
{
	char file[160];
	int fd;

	snprintf(file, sizeof(file), "%s/high", private_dir);
	fd = open(file, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || unlink(file) < 0 || dup2(fd, HIGH_FD) != HIGH_FD)
		return -1;
	close(fd);
	return 0;
}

static int
try_clamav_high_fd_write(void)
{
	return write(HIGH_FD, "x", 1) == 1 ? 0 : 22;
}

static int
try_ftruncate_private(void)
{
	char file[160];
	int fd;

	snprintf(file, sizeof(file), "%s/t", private_dir);
	fd = open(file, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return EXIT_SETUP_FAILED;
	unlink(file);
	return errno_of(ftruncate(fd, 4096));
}

/* The broker's side of a scan request, before confinement: a sealed
 * memfd rides on a datagram waiting on fd 1. */
static int
prepare_scan_request(void)
{
	static const char part[] = "part bytes";
	int sv[2], fd;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0)
		return -1;
	fd = memfd_create("part", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0 || write(fd, part, sizeof(part)) != (ssize_t)sizeof(part) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW |
	    F_SEAL_SHRINK | F_SEAL_SEAL) < 0)
		return -1;
	if (send_on(sv[1], fd) != 0 || dup2(sv[0], 1) < 0)
		return -1;
	close(fd);
	close(sv[0]);
	return 0;
}

/* role_recv's call, then the part read by offset as the scanners do. */
static int
try_recv_part(void)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	char data[64];
	struct iovec iov = { data, sizeof(data) };
	struct msghdr msg;
	struct cmsghdr *c;
	int fd = -1;

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof(ctl.buf);
	if (recvmsg(1, &msg, MSG_CMSG_CLOEXEC) <= 0)
		return 30;
	c = CMSG_FIRSTHDR(&msg);
	if (c == NULL || c->cmsg_type != SCM_RIGHTS)
		return 31;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	if (pread(fd, data, 4, 0) != 4 || memcmp(data, "part", 4) != 0)
		return 32;
	close(fd);
	return 0;
}

static int
try_recvmsg_no_cloexec(void)
{
	char data[16];
	struct iovec iov = { data, sizeof(data) };
	struct msghdr msg;

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	return errno_of(recvmsg(1, &msg, 0));
}

/* A socket on fd 3 as the broker passes clamd's, connected to a peer
 * that stays open in the child; `connected` 0 leaves it unconnected. */
static int
prepare_peer(int connected)
{
	int sv[2], fd;

	if (connected) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
			return -1;
		fd = sv[0];
	} else {
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd < 0)
			return -1;
	}
	if (fd == 3)
		return 0;
	if (dup2(fd, 3) < 0)
		return -1;
	close(fd);
	return 0;
}

static int
prepare_peer_connected(void)
{
	return prepare_peer(1);
}

static int
prepare_peer_unconnected(void)
{
	return prepare_peer(0);
}

static int
try_connect_unix_fd3(void)
{
	struct sockaddr_un sa;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/run/clamav/clamd.ctl");
	return errno_of(connect(3, (struct sockaddr *)&sa, sizeof(sa)));
}

/* FILDES: a descriptor to clamd as SCM_RIGHTS, then the command bytes
 * (send()) and a poll and recv() for the answer, all on fd 3. */
static int
try_clamd_peer_io(void)
{
	struct pollfd p = { 3, POLLOUT, 0 };
	char reply[8];

	if (send_on_flags(3, 2, MSG_DONTWAIT | MSG_NOSIGNAL) != 0)
		return 40;
	if (send(3, "zPING", 6, MSG_NOSIGNAL | MSG_DONTWAIT) != 6)
		return 41;
	if (poll(&p, 1, 100) != 1)
		return 42;
	if (recv(3, reply, sizeof(reply), MSG_DONTWAIT) >= 0 ||
	    errno != EAGAIN)
		return 43;
	return 0;
}

/* The role sends with send(); write() on fd 3 is not in its list. */
static int
try_write_fd3(void)
{
	return errno_of(write(3, "x", 1));
}

/* A blocking send would let clamd stall the role past its timeout. */
static int
try_send_blocking_fd3(void)
{
	return errno_of(send(3, "x", 1, MSG_NOSIGNAL));
}

/* As the role has it: fd 3 is the clamd socket, the part comes above. */
static int
prepare_scan_request_with_peer(void)
{
	if (prepare_peer(1) != 0)
		return -1;
	return prepare_scan_request();
}

static int
try_sendto_fd2(void)
{
	return errno_of(send(2, "x", 1, MSG_NOSIGNAL));
}

/* ---- the cases -------------------------------------------------------- */

#define DIES(sig) END_SIGNAL, (sig)
#define EXITS(code) END_EXIT, (code)

static const struct death_case cases[] = {
	/* final filter, every role */
	{ "canary: socket(AF_INET) kills", ROLE_CANARY, CONFINE_FINAL, NULL,
	  try_socket_inet, DIES(SIGSYS) },
	{ "canary: socket(AF_UNIX) kills", ROLE_CANARY, CONFINE_FINAL, NULL,
	  try_socket_unix, DIES(SIGSYS) },
	{ "canary: x32 socket kills", ROLE_CANARY, CONFINE_FINAL, NULL,
	  try_x32_socket, DIES(SIGSYS) },
	{ "canary: i386 int 0x80 kills", ROLE_CANARY, CONFINE_FINAL, NULL,
	  try_i386_getpid, DIES(SIGSYS) },
	{ "canary: execve kills", ROLE_CANARY, CONFINE_FINAL, NULL,
	  try_execve, DIES(SIGSYS) },
	{ "canary: fork kills", ROLE_CANARY, CONFINE_FINAL, NULL,
	  try_fork, DIES(SIGSYS) },
	{ "canary: clone3 is ENOSYS", ROLE_CANARY, CONFINE_FINAL, NULL,
	  try_clone3, EXITS(ENOSYS) },
	{ "canary: ptrace kills", ROLE_CANARY, CONFINE_FINAL, NULL,
	  try_ptrace_traceme, DIES(SIGSYS) },
	{ "canary: memfd_create kills", ROLE_CANARY, CONFINE_FINAL, NULL,
	  try_memfd_unsealable, DIES(SIGSYS) },
	{ "canary: abort ends in SIGABRT", ROLE_CANARY, CONFINE_FINAL, NULL,
	  try_abort, DIES(SIGABRT) },
	{ "canary: openat is EACCES", ROLE_CANARY, CONFINE_FINAL, NULL,
	  try_open_passwd, EXITS(EACCES) },
	{ "canary: sendmsg on fd 1 works", ROLE_CANARY, CONFINE_FINAL,
	  prepare_records_socket, try_sendmsg_fd1, EXITS(0) },

	{ "unpack: socket(AF_INET) kills", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_socket_inet, DIES(SIGSYS) },
	{ "unpack: socket(AF_UNIX) kills", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_socket_unix, DIES(SIGSYS) },
	{ "unpack: socketpair kills", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_socketpair_inet, DIES(SIGSYS) },
	{ "unpack: x32 socket kills", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_x32_socket, DIES(SIGSYS) },
	{ "unpack: i386 int 0x80 kills", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_i386_getpid, DIES(SIGSYS) },
	{ "unpack: execve kills", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_execve, DIES(SIGSYS) },
	{ "unpack: fork kills", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_fork, DIES(SIGSYS) },
	{ "unpack: pthread_create kills (clone3 ENOSYS, then clone)",
	  ROLE_UNPACK, CONFINE_FINAL, NULL, try_thread, DIES(SIGSYS) },
	{ "unpack: clone3 is ENOSYS", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_clone3, EXITS(ENOSYS) },
	{ "unpack: ptrace(TRACEME) kills", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_ptrace_traceme, DIES(SIGSYS) },
	{ "unpack: ptrace(ATTACH parent) kills", ROLE_UNPACK, CONFINE_FINAL,
	  NULL, try_ptrace_parent, DIES(SIGSYS) },
	{ "unpack: kill(parent) kills", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_kill_parent, DIES(SIGSYS) },
	{ "unpack: tgkill(other, SIGABRT) is EPERM (Landlock scope)",
	  ROLE_UNPACK, CONFINE_FINAL, NULL, try_tgkill_sibling_abrt,
	  EXITS(EPERM) },
	{ "unpack: tgkill(self, SIGUSR1) kills", ROLE_UNPACK, CONFINE_FINAL,
	  NULL, try_tgkill_self_usr1, DIES(SIGSYS) },
	{ "unpack: abort ends in SIGABRT", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_abort, DIES(SIGABRT) },
	{ "unpack: mmap PROT_EXEC kills", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_mmap_exec, DIES(SIGSYS) },
	{ "unpack: mprotect PROT_EXEC kills", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_mprotect_exec, DIES(SIGSYS) },
	{ "unpack: malloc/realloc/free of 64 MiB works", ROLE_UNPACK,
	  CONFINE_FINAL, NULL, try_malloc_big, EXITS(0) },
	{ "unpack: madvise(DONTNEED) works", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_madvise_dontneed, EXITS(0) },
	{ "unpack: madvise(HUGEPAGE) kills", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_madvise_hugepage, DIES(SIGSYS) },
	{ "unpack: futex(WAKE_PRIVATE) works", ROLE_UNPACK, CONFINE_FINAL,
	  NULL, try_futex_private, EXITS(0) },
	{ "unpack: futex(WAKE, shared) kills", ROLE_UNPACK, CONFINE_FINAL,
	  NULL, try_futex_shared, DIES(SIGSYS) },
	{ "unpack: write(0) kills", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_write_fd0, DIES(SIGSYS) },
	{ "unpack: write(0x100000000) kills", ROLE_UNPACK, CONFINE_FINAL,
	  NULL, try_write_fd0_high_word, DIES(SIGSYS) },
	{ "unpack: write(1) works", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_write_fd1, EXITS(0) },
	{ "unpack: openat(/etc/passwd) is EACCES", ROLE_UNPACK, CONFINE_FINAL,
	  NULL, try_open_passwd, EXITS(EACCES) },
	{ "unpack: stat(/etc/passwd) is EACCES", ROLE_UNPACK, CONFINE_FINAL,
	  NULL, try_stat_passwd, EXITS(EACCES) },
	{ "unpack: mkdir kills", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_mkdir_tmp, DIES(SIGSYS) },
	{ "unpack: setrlimit kills", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_prlimit_raise, DIES(SIGSYS) },
	{ "unpack: prctl kills", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_prctl, DIES(SIGSYS) },
	{ "unpack: getppid kills", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_getppid, DIES(SIGSYS) },
	{ "unpack: fcntl(F_SETFL) kills", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_fcntl_setfl, DIES(SIGSYS) },
	{ "unpack: sealed memfd part sent on fd 1 works", ROLE_UNPACK,
	  CONFINE_FINAL, prepare_records_socket, try_memfd_part, EXITS(0) },
	{ "unpack: fcntl(F_GET_SEALS) kills", ROLE_UNPACK, CONFINE_FINAL,
	  NULL, try_memfd_get_seals, DIES(SIGSYS) },
	{ "unpack: ftruncate kills", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_memfd_ftruncate, DIES(SIGSYS) },
	{ "unpack: memfd_create without sealing kills", ROLE_UNPACK,
	  CONFINE_FINAL, NULL, try_memfd_unsealable, DIES(SIGSYS) },
	{ "unpack: sendmsg without MSG_NOSIGNAL kills", ROLE_UNPACK,
	  CONFINE_FINAL, prepare_records_socket, try_sendmsg_fd1_no_nosignal,
	  DIES(SIGSYS) },
	{ "unpack: sendmsg on fd 3 kills", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_sendmsg_other_fd, DIES(SIGSYS) },

	/* clamav: real files beneath its private directory (Landlock), the
	 * rest as every role */
	{ "clamav: openat(/etc/passwd) is EACCES (Landlock, not seccomp)",
	  ROLE_CLAMAV, CONFINE_FINAL_DIR, NULL, try_open_passwd,
	  EXITS(EACCES) },
	{ "clamav: mkdir elsewhere in /tmp is EACCES (Landlock)",
	  ROLE_CLAMAV, CONFINE_FINAL_DIR, NULL, try_mkdir_tmp, EXITS(EACCES) },
	{ "clamav: temp dir and file work beneath its directory", ROLE_CLAMAV,
	  CONFINE_FINAL_DIR, NULL, try_clamav_tmp_work, EXITS(0) },
	{ "clamav: write to a temp file on fd 40 works", ROLE_CLAMAV,
	  CONFINE_FINAL_DIR, prepare_high_fd, try_clamav_high_fd_write,
	  EXITS(0) },
	{ "clamav: write(0) kills", ROLE_CLAMAV, CONFINE_FINAL_DIR, NULL,
	  try_write_fd0, DIES(SIGSYS) },
	{ "clamav: part received on fd 1 and read by pread works",
	  ROLE_CLAMAV, CONFINE_FINAL_DIR, prepare_scan_request, try_recv_part,
	  EXITS(0) },
	{ "clamav: recvmsg without MSG_CMSG_CLOEXEC kills", ROLE_CLAMAV,
	  CONFINE_FINAL_DIR, prepare_scan_request, try_recvmsg_no_cloexec,
	  DIES(SIGSYS) },
	{ "clamav: sendmsg on fd 1 works", ROLE_CLAMAV, CONFINE_FINAL_DIR,
	  prepare_records_socket, try_sendmsg_fd1, EXITS(0) },
	{ "clamav: socket(AF_UNIX) kills", ROLE_CLAMAV, CONFINE_FINAL_DIR,
	  NULL, try_socket_unix, DIES(SIGSYS) },
	{ "clamav: socket(AF_INET) kills", ROLE_CLAMAV, CONFINE_FINAL_DIR,
	  NULL, try_socket_inet, DIES(SIGSYS) },
	{ "clamav: execve kills", ROLE_CLAMAV, CONFINE_FINAL_DIR, NULL,
	  try_execve, DIES(SIGSYS) },
	{ "clamav: fork kills", ROLE_CLAMAV, CONFINE_FINAL_DIR, NULL,
	  try_fork, DIES(SIGSYS) },
	{ "clamav: ptrace kills", ROLE_CLAMAV, CONFINE_FINAL_DIR, NULL,
	  try_ptrace_traceme, DIES(SIGSYS) },
	{ "clamav: mmap PROT_EXEC kills", ROLE_CLAMAV, CONFINE_FINAL_DIR,
	  NULL, try_mmap_exec, DIES(SIGSYS) },
	{ "clamav: ftruncate kills", ROLE_CLAMAV, CONFINE_FINAL_DIR, NULL,
	  try_ftruncate_private, DIES(SIGSYS) },
	{ "clamav: abort ends in SIGABRT", ROLE_CLAMAV, CONFINE_FINAL_DIR,
	  NULL, try_abort, DIES(SIGABRT) },
	{ "clamav: lockdown without a directory fails", ROLE_CLAMAV,
	  CONFINE_FINAL, NULL, try_getppid, EXITS(EXIT_LOCKDOWN_FAILED) },

	/* clamd: only the socket the broker connected, and the records */
	{ "clamd: socket(AF_UNIX) kills", ROLE_CLAMD, CONFINE_FINAL, NULL,
	  try_socket_unix, DIES(SIGSYS) },
	{ "clamd: socket(AF_INET) kills", ROLE_CLAMD, CONFINE_FINAL, NULL,
	  try_socket_inet, DIES(SIGSYS) },
	{ "clamd: connect on fd 3 kills", ROLE_CLAMD, CONFINE_FINAL,
	  prepare_peer_unconnected, try_connect_unix_fd3, DIES(SIGSYS) },
	{ "clamd: sendmsg with a descriptor, send, poll, recv, write on fd 3 "
	  "work", ROLE_CLAMD, CONFINE_FINAL, prepare_peer_connected,
	  try_clamd_peer_io, EXITS(0) },
	{ "clamd: sendmsg on fd 1 works", ROLE_CLAMD, CONFINE_FINAL,
	  prepare_records_socket, try_sendmsg_fd1, EXITS(0) },
	{ "clamd: part received on fd 1 and read by pread works", ROLE_CLAMD,
	  CONFINE_FINAL, prepare_scan_request_with_peer, try_recv_part,
	  EXITS(0) },
	{ "clamd: write on fd 3 kills (send() is the way)", ROLE_CLAMD,
	  CONFINE_FINAL, prepare_peer_connected, try_write_fd3, DIES(SIGSYS) },
	{ "clamd: blocking send on fd 3 kills", ROLE_CLAMD, CONFINE_FINAL,
	  prepare_peer_connected, try_send_blocking_fd3, DIES(SIGSYS) },
	{ "clamd: send on fd 2 kills", ROLE_CLAMD, CONFINE_FINAL, NULL,
	  try_sendto_fd2, DIES(SIGSYS) },
	{ "clamd: write(1) kills", ROLE_CLAMD, CONFINE_FINAL, NULL,
	  try_write_fd1, DIES(SIGSYS) },
	{ "clamd: openat(/etc/passwd) is EACCES", ROLE_CLAMD, CONFINE_FINAL,
	  NULL, try_open_passwd, EXITS(EACCES) },
	{ "clamd: mkdir kills", ROLE_CLAMD, CONFINE_FINAL, NULL,
	  try_mkdir_tmp, DIES(SIGSYS) },
	{ "clamd: execve kills", ROLE_CLAMD, CONFINE_FINAL, NULL,
	  try_execve, DIES(SIGSYS) },
	{ "clamd: memfd_create kills", ROLE_CLAMD, CONFINE_FINAL, NULL,
	  try_memfd_unsealable, DIES(SIGSYS) },

	/* outer filter alone: what the spawner installs before exec */
	{ "outer: socket(AF_INET) kills", ROLE_UNPACK, CONFINE_OUTER, NULL,
	  try_socket_inet, DIES(SIGSYS) },
	{ "outer: socket(AF_UNIX) works", ROLE_UNPACK, CONFINE_OUTER, NULL,
	  try_socket_unix, EXITS(0) },
	{ "outer: x32 socket kills", ROLE_UNPACK, CONFINE_OUTER, NULL,
	  try_x32_socket, DIES(SIGSYS) },
	{ "outer: i386 int 0x80 kills", ROLE_UNPACK, CONFINE_OUTER, NULL,
	  try_i386_getpid, DIES(SIGSYS) },
	{ "outer: unshare(CLONE_NEWUSER) kills", ROLE_UNPACK, CONFINE_OUTER,
	  NULL, try_unshare_user, DIES(SIGSYS) },
	{ "outer: clone(CLONE_NEWUSER) kills", ROLE_UNPACK, CONFINE_OUTER,
	  NULL, try_clone_newuser, DIES(SIGSYS) },
	{ "outer: clone3 is ENOSYS", ROLE_UNPACK, CONFINE_OUTER, NULL,
	  try_clone3, EXITS(ENOSYS) },
	{ "outer: fork works", ROLE_UNPACK, CONFINE_OUTER, NULL,
	  try_fork, EXITS(0) },
	{ "outer: ptrace kills", ROLE_UNPACK, CONFINE_OUTER, NULL,
	  try_ptrace_traceme, DIES(SIGSYS) },
	{ "outer: mount kills", ROLE_UNPACK, CONFINE_OUTER, NULL,
	  try_mount, DIES(SIGSYS) },
	{ "outer: io_uring_setup kills", ROLE_UNPACK, CONFINE_OUTER, NULL,
	  try_io_uring, DIES(SIGSYS) },
	{ "outer: keyctl kills", ROLE_UNPACK, CONFINE_OUTER, NULL,
	  try_keyctl, DIES(SIGSYS) },
	{ "outer: execve works (the role is exec'd under it)", ROLE_UNPACK,
	  CONFINE_OUTER, NULL, try_execve_true, EXITS(0) },

	/* outer then lockdown, as a real role runs */
	{ "both: sealed memfd part works", ROLE_UNPACK, CONFINE_BOTH,
	  prepare_records_socket, try_memfd_part, EXITS(0) },
	{ "both: socket(AF_INET) kills", ROLE_UNPACK, CONFINE_BOTH, NULL,
	  try_socket_inet, DIES(SIGSYS) },
	{ "both: abort ends in SIGABRT", ROLE_UNPACK, CONFINE_BOTH, NULL,
	  try_abort, DIES(SIGABRT) },

	/* Landlock alone: the layer under the soft EACCES of seccomp */
	{ "landlock: open(/etc/passwd) is EACCES", ROLE_UNPACK,
	  CONFINE_LANDLOCK, NULL, try_open_passwd, EXITS(EACCES) },
	{ "landlock: mkdir in /tmp is EACCES", ROLE_UNPACK, CONFINE_LANDLOCK,
	  NULL, try_mkdir_tmp, EXITS(EACCES) },
	{ "landlock: execve is EACCES", ROLE_UNPACK, CONFINE_LANDLOCK, NULL,
	  try_execve, EXITS(EACCES) },
	{ "landlock: TCP connect is EACCES", ROLE_UNPACK, CONFINE_LANDLOCK,
	  NULL, try_connect_tcp, EXITS(EACCES) },
	{ "landlock: kill(parent, 0) is EPERM (signal scope)", ROLE_UNPACK,
	  CONFINE_LANDLOCK, NULL, try_kill_parent, EXITS(EPERM) },
	{ "landlock: sealed memfd part works", ROLE_UNPACK, CONFINE_LANDLOCK,
	  prepare_records_socket, try_memfd_part, EXITS(0) },

	/* Landlock private-dir, for the AV roles to come */
	{ "landlock dir: mkdir, create, write, unlink beneath it work",
	  ROLE_UNPACK, CONFINE_LANDLOCK_DIR, NULL, try_private_dir_work,
	  EXITS(0) },
	{ "landlock dir: execve beneath it is EACCES", ROLE_UNPACK,
	  CONFINE_LANDLOCK_DIR, NULL, try_private_dir_exec, EXITS(EACCES) },
	{ "landlock dir: open(/etc/passwd) is EACCES", ROLE_UNPACK,
	  CONFINE_LANDLOCK_DIR, NULL, try_open_passwd, EXITS(EACCES) },
	{ "landlock dir: mkdir elsewhere in /tmp is EACCES", ROLE_UNPACK,
	  CONFINE_LANDLOCK_DIR, NULL, try_mkdir_tmp, EXITS(EACCES) },
};

/* ---- the runner ------------------------------------------------------- */

static void
child_run(const struct death_case *c)
{
	struct rlimit no_core = { 0, 0 };
	const char *why;

	/* KILL_PROCESS dumps core when allowed: keep the test dir clean. */
	setrlimit(RLIMIT_CORE, &no_core);
	if (c->prepare && c->prepare() < 0)
		_exit(EXIT_SETUP_FAILED);
	switch (c->confine) {
	case CONFINE_OUTER:
		if (sandbox_outer_filter_install(&outer_prog) < 0)
			_exit(EXIT_LOCKDOWN_FAILED);
		break;
	case CONFINE_BOTH:
		if (sandbox_outer_filter_install(&outer_prog) < 0)
			_exit(EXIT_LOCKDOWN_FAILED);
		if (sandbox_role_lockdown(c->role, &why) < 0)
			_exit(EXIT_LOCKDOWN_FAILED);
		break;
	case CONFINE_LANDLOCK:
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    sandbox_landlock_restrict(LANDLOCK_NO_FILES, NULL,
		    &why) < 0)
			_exit(EXIT_LOCKDOWN_FAILED);
		break;
	case CONFINE_LANDLOCK_DIR:
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    sandbox_landlock_restrict(LANDLOCK_PRIVATE_DIR, private_dir,
		    &why) < 0)
			_exit(EXIT_LOCKDOWN_FAILED);
		break;
	case CONFINE_FINAL_DIR:
		if (sandbox_role_lockdown_dir(c->role, private_dir, &why) < 0)
			_exit(EXIT_LOCKDOWN_FAILED);
		break;
	case CONFINE_FINAL:
	default:
		if (sandbox_role_lockdown(c->role, &why) < 0)
			_exit(EXIT_LOCKDOWN_FAILED);
		break;
	}
	_exit(c->attempt());
}

static void
describe(char *buf, size_t sz, int st)
{
	if (WIFSIGNALED(st))
		snprintf(buf, sz, "killed by signal %d (%s)", WTERMSIG(st),
		    strsignal(WTERMSIG(st)));
	else if (WIFEXITED(st))
		snprintf(buf, sz, "exited %d", WEXITSTATUS(st));
	else
		snprintf(buf, sz, "status 0x%x", st);
}

static int
case_run(const struct death_case *c, unsigned n)
{
	char got[96], want[96];
	pid_t pid;
	int st, ok;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("not ok %u - %s: fork: %s\n", n, c->name,
		    strerror(errno));
		return 0;
	}
	if (pid == 0)
		child_run(c);
	if (waitpid(pid, &st, 0) != pid) {
		printf("not ok %u - %s: waitpid: %s\n", n, c->name,
		    strerror(errno));
		return 0;
	}
	if (c->ending == END_SIGNAL) {
		ok = WIFSIGNALED(st) && WTERMSIG(st) == c->value;
		snprintf(want, sizeof(want), "killed by signal %d (%s)",
		    c->value, strsignal(c->value));
	} else {
		ok = WIFEXITED(st) && WEXITSTATUS(st) == c->value;
		snprintf(want, sizeof(want), "exited %d", c->value);
	}
	describe(got, sizeof(got), st);
	if (ok)
		printf("ok %u - %s\n", n, c->name);
	else
		printf("not ok %u - %s: want %s, got %s\n", n, c->name, want,
		    got);
	return ok;
}

int
main(void)
{
	size_t ncases = sizeof(cases) / sizeof(cases[0]);
	unsigned failed = 0;
	int st;

	test_parent = getpid();
	/* Compiled once, as the broker does; children install the BPF. */
	if (sandbox_outer_filter_compile(&outer_prog) < 0) {
		printf("Bail out! cannot compile the outer filter\n");
		return 1;
	}
	if (sandbox_landlock_abi() < 6) {
		/* Nothing may skip itself: the signal scope cases need v6. */
		printf("Bail out! Landlock ABI %d, the tests need >= 6\n",
		    sandbox_landlock_abi());
		return 1;
	}
	if (mkdtemp(private_dir) == NULL) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_sibling = fork();
	if (test_sibling == 0) {
		for (;;)
			pause();
	}
	if (test_sibling < 0) {
		printf("Bail out! fork: %s\n", strerror(errno));
		return 1;
	}
	printf("1..%zu\n", ncases + 1);
	for (size_t i = 0; i < ncases; i++)
		if (!case_run(&cases[i], (unsigned)i + 1))
			failed++;
	/* The bystander must have survived every tgkill(SIGABRT). */
	if (waitpid(test_sibling, &st, WNOHANG) == 0) {
		printf("ok %zu - bystander survived\n", ncases + 1);
	} else {
		printf("not ok %zu - bystander died\n", ncases + 1);
		failed++;
	}
	kill(test_sibling, SIGKILL);
	waitpid(test_sibling, &st, 0);
	if (rmdir(private_dir) < 0)
		printf("# private dir %s left behind: %s\n", private_dir,
		    strerror(errno));
	return failed ? 1 : 0;
}

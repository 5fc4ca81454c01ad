/* tests: death tests for the sandbox profiles, Chromium BPF_DEATH_TEST
 * style; harness, trusted.  Each case is a role started by the broker's
 * own spawner (broker/spawn.c: its own uid, pid 1 of new user, pid, net,
 * ipc and mount namespaces, the profile's rlimits, the outer filter) as
 * the broker does it; this same program, exec'd as the role ("--role N"),
 * confines itself (sandbox_role_lockdown as every role, or Landlock
 * alone), tries one thing, and the broker's own role_run reads how it
 * ended.  The i386 cases also check the exported BPF (bpf_eval.c), always,
 * and alone where the kernel has no 32-bit entry.
 *
 * Every case runs a second time warm (docs/warm.md): this program,
 * spawned the same way as a zygote of the case's role ("zygote-ROLE",
 * settings that say warm), serves with zygote_serve; the test asks it
 * for one child per case with warm_start_role, as a worker does, and
 * role_run reads the child's ending.  The child learns its case from
 * the message descriptor of its request (the one thing a request
 * carries per message: the settings must be its zygote's), then runs
 * the same confinement and the same attempt as the exec'd role. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
#include <time.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/futex.h>
#include <linux/sched.h>

#include "as_broker.h"
#include "config.h"
#include "bpf_eval.h"
#include "fd_pass.h"
#include "log.h"
#include "privs.h"
#include "role_run.h"
#include "role_runtime.h"
#include "role_settings.h"
#include "role_settings_build.h"
#include "sandbox.h"
#include "sandbox_tables.h"
#include "sealed_memfd.h"
#include "spawn.h"
#include "warm_child.h"
#include "warm_lib.h"
#include "zygote_serve.h"

#define X32_SYSCALL_BIT		0x40000000
#define I386_NR_GETPID		20
#define EXIT_LOCKDOWN_FAILED	100
#define EXIT_SETUP_FAILED	101
/* Only a guard against a hang: no case comes near it. */
#define CASE_DEADLINE_MS	60000
/* Bounds for a zygote's READY, its retirement and a child's request. */
#define ZYGOTE_WAIT_MS		20000

enum confine {
	CONFINE_SPAWNED,	/* nothing beyond the spawner: the outer filter */
	CONFINE_FINAL,		/* sandbox_role_lockdown(role) */
	CONFINE_FINAL_DIR,	/* sandbox_role_lockdown_dir(role, scratch) */
	CONFINE_LANDLOCK,	/* Landlock no-files only (and the outer filter) */
	CONFINE_LANDLOCK_DIR,	/* Landlock private-dir only (and the outer) */
};

enum ending { END_SIGNAL, END_EXIT };

/* What the broker side sets up for the role, as the pipeline steps do
 * (broker/step_*.c). */
enum broker_side {
	BROKER_NOTHING = 0,
	BROKER_SCAN_REQUEST,	/* a sealed part memfd waits on the records */
	BROKER_PEER,		/* fd 3: a connected stream socket (clamd's) */
	BROKER_PEER_UNCONNECTED,	/* fd 3: a socket not yet connected */
	BROKER_PEER_AND_SCAN,	/* both, as the clamd role has them */
	BROKER_PEER_DGRAM,	/* fd 3: a connected datagram socket (mhr's) */
};

/* How a case ends, and how the broker's role_run classifies it.  In a
 * warm column, set 1: a warm child ends otherwise by design. */
struct case_end {
	int set;
	enum ending ending;
	int value;
	enum role_ending want;
};

struct death_case {
	const char *name;
	enum role_id role;
	enum confine confine;
	int (*prepare)(void);	/* in the role, before confinement; or NULL */
	int (*attempt)(void);	/* returns the role's exit code */
	enum ending ending;
	int value;		/* signal number or exit code */
	enum role_ending want;	/* how the broker's role_run reads it */
	enum broker_side broker;
	int i386;		/* 1: int 0x80, which the kernel may not offer */
	/* A warm child's ending where it differs from the exec'd role's
	 * by design (a comment at the case says why); unset: the same. */
	struct case_end warm;
};

/* The role's scratch directory: the whole tmpfs of an exec'd role, a
 * warm child's own child-N beneath its zygote's (docs/warm.md). */
static const char *scratch = ROLE_SCRATCH_DIR;
/* 1 in a warm child. */
static int warm_child;

/* The role's own sleeping child, forked before confinement: the one other
 * process in its pid namespace, a target for signals and ptrace. */
static pid_t bystander = -1;

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
try_ptrace_bystander(void)
{
	return errno_of(ptrace(PTRACE_ATTACH, bystander, 0, 0));
}

static int
try_kill_bystander(void)
{
	/* Signal 0: were it let through, nothing happens to it. */
	return errno_of(kill(bystander, 0));
}

static int
try_tgkill_bystander_abrt(void)
{
	return errno_of(syscall(SYS_tgkill, bystander, bystander,
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
try_write_fd2(void)
{
	return errno_of(write(2, "", 0));
}

/* A memfd on fd 3 and a second on fd 4, made before lockdown: the
 * unpack role's writes are pinned to fd 3. */
static int
prepare_fd4(void)
{
	int a = memfd_create("part", MFD_CLOEXEC);
	int b = memfd_create("part", MFD_CLOEXEC);

	return a == 3 && b == 4 ? 0 : -1;
}

static int
try_write_fd4(void)
{
	return errno_of(write(4, "x", 1));
}

static int
try_open_passwd(void)
{
	return errno_of(open("/etc/passwd", O_RDONLY));
}

/* For the roles with an empty /etc: a file every system has elsewhere. */
static int
try_open_usr(void)
{
	return errno_of(open("/bin/sh", O_RDONLY));
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

/* A file of the role's own uid outside its scratch directory, as a
 * shared-uid role would find the spool: chmod must not change it. */
static char own_file[96];

static int
prepare_own_file(void)
{
	int fd;

	snprintf(own_file, sizeof(own_file), "/tmp/qscan-death-chmod-%d",
	    (int)getuid());
	unlink(own_file);
	fd = open(own_file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int
try_chmod_own_file(void)
{
	struct stat st;
	int rc = errno_of(chmod(own_file, 0666));

	if (stat(own_file, &st) != 0 || (st.st_mode & 07777) != 0600)
		rc = 30;
	return rc;
}

static int
try_stat_shadow(void)
{
	struct stat st;

	return errno_of(stat("/etc/shadow", &st));
}

/* What libclamav does in its temporary directory. */
static int
try_private_dir_work(void)
{
	char dir[128], file[160];
	int fd;

	snprintf(dir, sizeof(dir), "%s/sub", scratch);
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

	snprintf(file, sizeof(file), "%s/x", scratch);
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

static int
send_on_flags(int fd, int passfd, int flags)
{
	return errno_of(fd_pass_send(fd, "rec", 3, passfd, flags));
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
	const char *why;
	int fd;

	fd = sealed_memfd_from("part", (const uint8_t *)part, sizeof(part),
	    &why);
	if (fd < 0)
		return 10;
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

	snprintf(dir, sizeof(dir), "%s/scantemp", scratch);
	snprintf(file, sizeof(file), "%s/part", dir);
	/* cli_rmdirs' chmod fails softly and changes nothing. */
	if (mkdir(dir, 0700) < 0 || chmod(dir, 0700) == 0 || errno != EPERM)
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
 * call, so the descriptor is placed before confinement, in the role's
 * scratch tmpfs. */
static int
prepare_high_fd(void)
{
	char file[160];
	int fd;

	snprintf(file, sizeof(file), "%s/high", scratch);
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

	snprintf(file, sizeof(file), "%s/t", scratch);
	fd = open(file, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return EXIT_SETUP_FAILED;
	unlink(file);
	return errno_of(ftruncate(fd, 4096));
}

/* role_recv's call, then the part read by offset as the scanners do. */
static int
try_recv_part(void)
{
	char data[64];
	const char *why;
	int fd = -1;

	if (fd_pass_recv(1, data, sizeof(data), 0, &fd, &why) <= 0)
		return 30;
	if (fd < 0)
		return 31;
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
 * (send()) and a poll and recv() for the answer, all on fd 3.  The one
 * passed is fd 0 (/dev/null here, the part in the role): a log pipe in
 * flight would keep the broker's log channel open. */
static int
try_clamd_peer_io(void)
{
	struct pollfd p = { 3, POLLOUT, 0 };
	char reply[8];

	if (send_on_flags(3, 0, MSG_DONTWAIT | MSG_NOSIGNAL) != 0)
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

/* mhr: a query out with send(), a poll and a recv() for the answer,
 * all on fd 3; its clock for the deadline. */
static int
try_mhr_peer_io(void)
{
	struct pollfd p = { 3, POLLOUT, 0 };
	struct timespec ts;
	char reply[8];

	if (send(3, "query", 5, MSG_NOSIGNAL | MSG_DONTWAIT) != 5)
		return 41;
	if (poll(&p, 1, 100) != 1)
		return 42;
	if (recv(3, reply, sizeof(reply), MSG_DONTWAIT) >= 0 ||
	    errno != EAGAIN)
		return 43;
	if (syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts) != 0)
		return 44;
	return 0;
}

/* spamd: the request out with send(), a poll and a recv() for the
 * reply, all on fd 3 (a stream socket). */
static int
try_spamd_peer_io(void)
{
	struct pollfd p = { 3, POLLOUT, 0 };
	char reply[8];

	if (send(3, "PING SPAMC/1.5\r\n\r\n", 20,
	    MSG_NOSIGNAL | MSG_DONTWAIT) != 20)
		return 41;
	if (poll(&p, 1, 100) != 1)
		return 42;
	if (recv(3, reply, sizeof(reply), MSG_DONTWAIT) >= 0 ||
	    errno != EAGAIN)
		return 43;
	return 0;
}

/* A connected UDP socket still sends wherever sendto's address says:
 * the role may give none. */
static int
try_sendto_addr_fd3(void)
{
	struct sockaddr_un sa;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	return errno_of(sendto(3, "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT,
	    (struct sockaddr *)&sa, sizeof(sa)));
}

/* mhr's clock is the monotonic one; the vDSO would answer the others
 * without a system call, so ask the kernel itself. */
static int
try_clock_realtime_syscall(void)
{
	struct timespec ts;

	return errno_of(syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts));
}

/* mhr draws its query-id key before lockdown; after it, no more. */
static int
try_getrandom(void)
{
	char b[8];

	return errno_of(syscall(SYS_getrandom, b, sizeof(b), 0));
}

static int
try_sendmsg_fd3(void)
{
	return send_on_flags(3, -1, MSG_DONTWAIT | MSG_NOSIGNAL);
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

static int
try_sendto_fd2(void)
{
	return errno_of(send(2, "x", 1, MSG_NOSIGNAL));
}

/* The bystander: forked before confinement (no RLIMIT_NPROC yet, the
 * outer filter allows a plain fork), outside the Landlock domain the role
 * enters next.  It dies with its namespace when the role ends.  A warm
 * child's namespace is its zygote's and outlives it: a bystander forked
 * there would be left to the zygote, which reaps only its children.  Its
 * bystander is its zygote instead, the other process of its pid
 * namespace it knows (getppid, before lockdown: pid 1 there), outside
 * its Landlock domain too: what a child must not signal or ptrace
 * (docs/warm.md). */
static int
prepare_bystander(void)
{
	if (warm_child) {
		bystander = getppid();
		return bystander > 0 ? 0 : -1;
	}
	bystander = fork();
	if (bystander == 0) {
		for (;;)
			pause();
	}
	return bystander < 0 ? -1 : 0;
}

/* The profile's CPU limits with the same shape (hard one second above
 * soft), lowered so the case ends in seconds: the soft limit's SIGXCPU
 * reaches a role that is pid 1 of its namespace, which ignores it. */
static int
prepare_cpu_limit(void)
{
	struct rlimit rl = { 1, 2 };

	return setrlimit(RLIMIT_CPU, &rl);
}

static int __attribute__((noreturn))
try_spin(void)
{
	volatile unsigned long spin = 0;

	for (;;)
		spin++;
}

static int
try_getpid_is_1(void)
{
	return getpid() == 1 ? 0 : EXIT_SETUP_FAILED;
}

/* ---- the cases -------------------------------------------------------- */

/* How a case ends, and how the broker's role_run classifies it. */
#define VIOLATES	END_SIGNAL, SIGSYS, ROLE_VIOLATION
#define WORKS		END_EXIT, 0, ROLE_DONE
#define FAILS(code)	END_EXIT, (code), ROLE_EXITED
/* The lockdown's SIGABRT handler: pid 1 ignores an unhandled SIGABRT. */
#define ABORTS		END_EXIT, ROLE_EXIT_ABORT, ROLE_ABORT
/* Before lockdown there is no handler: SIGABRT is ignored (pid 1), glibc
 * resets it and raises again (ignored again), then its hlt faults. */
#define CRASHES		END_SIGNAL, SIGSEGV, ROLE_CRASH
/* A SIGKILL the broker did not send: the hard CPU limit. */
#define LIMITED		END_SIGNAL, SIGKILL, ROLE_LIMIT

/* The warm column, where a warm child ends otherwise by design: it is
 * its zygote's child, not pid 1 of its pid namespace (the zygote is). */
#define WARM(...)	.warm = { 1, __VA_ARGS__ }
/* A warm child is not pid 1: try_getpid_is_1 says so. */
#define NOT_PID_1	END_EXIT, EXIT_SETUP_FAILED, ROLE_EXITED
/* Not pid 1, no handler before lockdown: SIGABRT's default action ends
 * it (and its zygote retires: a crash, docs/warm.md). */
#define ABORTED		END_SIGNAL, SIGABRT, ROLE_ABORT
/* Not pid 1: the soft CPU limit's SIGXCPU, unhandled, ends it. */
#define LIMITED_SOFT	END_SIGNAL, SIGXCPU, ROLE_LIMIT

static const struct death_case cases[] = {
	/* what every role is, before anything it does */
	{ "canary: pid 1 of its namespace", ROLE_CANARY, CONFINE_SPAWNED,
	  NULL, try_getpid_is_1, WORKS },
	{ "unpack: pid 1 of its namespace (warm: its zygote is)", ROLE_UNPACK,
	  CONFINE_SPAWNED, NULL, try_getpid_is_1, WORKS, WARM(NOT_PID_1) },
	{ "outer: abort before lockdown crashes (pid 1, no handler: glibc's "
	  "hlt; warm: not pid 1, SIGABRT ends it)", ROLE_UNPACK,
	  CONFINE_SPAWNED, NULL, try_abort, CRASHES, WARM(ABORTED) },
	{ "unpack: the soft CPU limit's SIGXCPU is ignored (pid 1), the hard "
	  "limit kills (warm: not pid 1, SIGXCPU ends it)", ROLE_UNPACK,
	  CONFINE_FINAL, prepare_cpu_limit, try_spin, LIMITED,
	  WARM(LIMITED_SOFT) },

	/* final filter, every role */
	{ "canary: socket(AF_INET) kills", ROLE_CANARY, CONFINE_FINAL, NULL,
	  try_socket_inet, VIOLATES },
	{ "canary: socket(AF_UNIX) kills", ROLE_CANARY, CONFINE_FINAL, NULL,
	  try_socket_unix, VIOLATES },
	{ "canary: x32 socket kills", ROLE_CANARY, CONFINE_FINAL, NULL,
	  try_x32_socket, VIOLATES },
	{ "canary: i386 int 0x80 kills", ROLE_CANARY, CONFINE_FINAL, NULL,
	  try_i386_getpid, VIOLATES, BROKER_NOTHING, 1 },
	{ "canary: execve kills", ROLE_CANARY, CONFINE_FINAL, NULL,
	  try_execve, VIOLATES },
	{ "canary: fork kills", ROLE_CANARY, CONFINE_FINAL, NULL,
	  try_fork, VIOLATES },
	{ "canary: clone3 is ENOSYS", ROLE_CANARY, CONFINE_FINAL, NULL,
	  try_clone3, FAILS(ENOSYS) },
	{ "canary: ptrace kills", ROLE_CANARY, CONFINE_FINAL, NULL,
	  try_ptrace_traceme, VIOLATES },
	{ "canary: memfd_create kills", ROLE_CANARY, CONFINE_FINAL, NULL,
	  try_memfd_unsealable, VIOLATES },
	{ "canary: abort ends in exit 76, its SIGABRT handler (pid 1)", ROLE_CANARY, CONFINE_FINAL, NULL,
	  try_abort, ABORTS },
	{ "canary: openat is EACCES", ROLE_CANARY, CONFINE_FINAL, NULL,
	  try_open_passwd, FAILS(EACCES) },
	{ "canary: sendmsg on fd 1 works", ROLE_CANARY, CONFINE_FINAL,
	  NULL, try_sendmsg_fd1, WORKS },
	{ "canary: write(1) kills", ROLE_CANARY, CONFINE_FINAL, NULL,
	  try_write_fd1, VIOLATES },
	{ "canary: write(2), a log line, works", ROLE_CANARY, CONFINE_FINAL,
	  NULL, try_write_fd2, WORKS },

	{ "unpack: socket(AF_INET) kills", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_socket_inet, VIOLATES },
	{ "unpack: socket(AF_UNIX) kills", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_socket_unix, VIOLATES },
	{ "unpack: socketpair kills", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_socketpair_inet, VIOLATES },
	{ "unpack: x32 socket kills", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_x32_socket, VIOLATES },
	{ "unpack: i386 int 0x80 kills", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_i386_getpid, VIOLATES, BROKER_NOTHING, 1 },
	{ "unpack: execve kills", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_execve, VIOLATES },
	{ "unpack: fork kills", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_fork, VIOLATES },
	{ "unpack: pthread_create kills (clone3 ENOSYS, then clone)",
	  ROLE_UNPACK, CONFINE_FINAL, NULL, try_thread, VIOLATES },
	{ "unpack: clone3 is ENOSYS", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_clone3, FAILS(ENOSYS) },
	{ "unpack: ptrace(TRACEME) kills", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_ptrace_traceme, VIOLATES },
	{ "unpack: ptrace(ATTACH bystander; warm: its zygote) kills", ROLE_UNPACK, CONFINE_FINAL,
	  prepare_bystander, try_ptrace_bystander, VIOLATES },
	{ "unpack: kill(bystander; warm: its zygote) kills", ROLE_UNPACK, CONFINE_FINAL,
	  prepare_bystander, try_kill_bystander, VIOLATES },
	{ "unpack: tgkill(bystander; warm: its zygote, SIGABRT) kills "
	  "(only its own pid)",
	  ROLE_UNPACK, CONFINE_FINAL, prepare_bystander,
	  try_tgkill_bystander_abrt, VIOLATES },
	{ "unpack: tgkill(self, SIGUSR1) kills", ROLE_UNPACK, CONFINE_FINAL,
	  NULL, try_tgkill_self_usr1, VIOLATES },
	{ "unpack: abort ends in exit 76, its SIGABRT handler (pid 1)", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_abort, ABORTS },
	{ "unpack: mmap PROT_EXEC kills", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_mmap_exec, VIOLATES },
	{ "unpack: mprotect PROT_EXEC kills", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_mprotect_exec, VIOLATES },
	{ "unpack: malloc/realloc/free of 64 MiB works", ROLE_UNPACK,
	  CONFINE_FINAL, NULL, try_malloc_big, WORKS },
	{ "unpack: madvise(DONTNEED) works", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_madvise_dontneed, WORKS },
	{ "unpack: madvise(HUGEPAGE) kills", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_madvise_hugepage, VIOLATES },
	{ "unpack: futex(WAKE_PRIVATE) works", ROLE_UNPACK, CONFINE_FINAL,
	  NULL, try_futex_private, WORKS },
	{ "unpack: futex(WAKE, shared) kills", ROLE_UNPACK, CONFINE_FINAL,
	  NULL, try_futex_shared, VIOLATES },
	{ "unpack: write(0) kills", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_write_fd0, VIOLATES },
	{ "unpack: write(0x100000000) kills", ROLE_UNPACK, CONFINE_FINAL,
	  NULL, try_write_fd0_high_word, VIOLATES },
	{ "unpack: write(1) kills (records go by sendmsg)", ROLE_UNPACK,
	  CONFINE_FINAL, NULL, try_write_fd1, VIOLATES },
	{ "unpack: write(2), a log line, works", ROLE_UNPACK, CONFINE_FINAL,
	  NULL, try_write_fd2, WORKS },
	{ "unpack: write(4) kills (a part memfd is fd 3)", ROLE_UNPACK,
	  CONFINE_FINAL, prepare_fd4, try_write_fd4, VIOLATES },
	{ "unpack: openat(/etc/passwd) is EACCES", ROLE_UNPACK, CONFINE_FINAL,
	  NULL, try_open_passwd, FAILS(EACCES) },
	{ "unpack: stat(/etc/passwd) is EACCES", ROLE_UNPACK, CONFINE_FINAL,
	  NULL, try_stat_passwd, FAILS(EACCES) },
	{ "unpack: mkdir kills", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_mkdir_tmp, VIOLATES },
	{ "unpack: setrlimit kills", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_prlimit_raise, VIOLATES },
	{ "unpack: prctl kills", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_prctl, VIOLATES },
	{ "unpack: getppid kills", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_getppid, VIOLATES },
	{ "unpack: fcntl(F_SETFL) kills", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_fcntl_setfl, VIOLATES },
	{ "unpack: sealed memfd part sent on fd 1 works", ROLE_UNPACK,
	  CONFINE_FINAL, NULL, try_memfd_part, WORKS },
	{ "unpack: fcntl(F_GET_SEALS) kills", ROLE_UNPACK, CONFINE_FINAL,
	  NULL, try_memfd_get_seals, VIOLATES },
	{ "unpack: ftruncate kills", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_memfd_ftruncate, VIOLATES },
	{ "unpack: memfd_create without sealing kills", ROLE_UNPACK,
	  CONFINE_FINAL, NULL, try_memfd_unsealable, VIOLATES },
	{ "unpack: sendmsg without MSG_NOSIGNAL kills", ROLE_UNPACK,
	  CONFINE_FINAL, NULL, try_sendmsg_fd1_no_nosignal,
	  VIOLATES },
	{ "unpack: sendmsg on fd 3 kills", ROLE_UNPACK, CONFINE_FINAL, NULL,
	  try_sendmsg_other_fd, VIOLATES },

	/* clamav: real files beneath its private directory (Landlock), the
	 * rest as every role */
	{ "clamav: openat(/bin/sh) is EACCES (Landlock, not seccomp)",
	  ROLE_CLAMAV, CONFINE_FINAL_DIR, NULL, try_open_usr,
	  FAILS(EACCES) },
	{ "clamav: mkdir elsewhere in /tmp is EACCES (Landlock)",
	  ROLE_CLAMAV, CONFINE_FINAL_DIR, NULL, try_mkdir_tmp, FAILS(EACCES) },
	{ "clamav: temp dir and file work beneath its directory", ROLE_CLAMAV,
	  CONFINE_FINAL_DIR, NULL, try_clamav_tmp_work, WORKS },
	{ "clamav: write to a temp file on fd 40 works", ROLE_CLAMAV,
	  CONFINE_FINAL_DIR, prepare_high_fd, try_clamav_high_fd_write,
	  WORKS },
	{ "clamav: write(0) kills", ROLE_CLAMAV, CONFINE_FINAL_DIR, NULL,
	  try_write_fd0, VIOLATES },
	{ "clamav: part received on fd 1 and read by pread works",
	  ROLE_CLAMAV, CONFINE_FINAL_DIR, NULL, try_recv_part,
	  WORKS, BROKER_SCAN_REQUEST },
	{ "clamav: recvmsg without MSG_CMSG_CLOEXEC kills", ROLE_CLAMAV,
	  CONFINE_FINAL_DIR, NULL, try_recvmsg_no_cloexec,
	  VIOLATES, BROKER_SCAN_REQUEST },
	{ "clamav: sendmsg on fd 1 works", ROLE_CLAMAV, CONFINE_FINAL_DIR,
	  NULL, try_sendmsg_fd1, WORKS },
	{ "clamav: socket(AF_UNIX) kills", ROLE_CLAMAV, CONFINE_FINAL_DIR,
	  NULL, try_socket_unix, VIOLATES },
	{ "clamav: socket(AF_INET) kills", ROLE_CLAMAV, CONFINE_FINAL_DIR,
	  NULL, try_socket_inet, VIOLATES },
	{ "clamav: execve kills", ROLE_CLAMAV, CONFINE_FINAL_DIR, NULL,
	  try_execve, VIOLATES },
	{ "clamav: fork kills", ROLE_CLAMAV, CONFINE_FINAL_DIR, NULL,
	  try_fork, VIOLATES },
	{ "clamav: ptrace kills", ROLE_CLAMAV, CONFINE_FINAL_DIR, NULL,
	  try_ptrace_traceme, VIOLATES },
	{ "clamav: mmap PROT_EXEC kills", ROLE_CLAMAV, CONFINE_FINAL_DIR,
	  NULL, try_mmap_exec, VIOLATES },
	{ "clamav: ftruncate kills", ROLE_CLAMAV, CONFINE_FINAL_DIR, NULL,
	  try_ftruncate_private, VIOLATES },
	{ "clamav: chmod of its own file outside scratch is EPERM, the mode "
	  "stays", ROLE_CLAMAV, CONFINE_FINAL_DIR, prepare_own_file,
	  try_chmod_own_file,
	  FAILS(EPERM) },
	{ "clamav: stat(/etc/shadow) is ENOENT (an empty /etc)", ROLE_CLAMAV,
	  CONFINE_FINAL_DIR, NULL, try_stat_shadow, FAILS(ENOENT) },
	{ "unpack: stat(/etc/shadow) is EACCES (soft, baseline)", ROLE_UNPACK,
	  CONFINE_FINAL, NULL, try_stat_shadow, FAILS(EACCES) },
	{ "clamav: abort ends in exit 76, its SIGABRT handler (pid 1)", ROLE_CLAMAV, CONFINE_FINAL_DIR,
	  NULL, try_abort, ABORTS },
	{ "clamav: lockdown without a directory fails", ROLE_CLAMAV,
	  CONFINE_FINAL, NULL, try_getppid, FAILS(EXIT_LOCKDOWN_FAILED) },

	/* clamd: only the socket the broker connected, and the records */
	{ "clamd: socket(AF_UNIX) kills", ROLE_CLAMD, CONFINE_FINAL, NULL,
	  try_socket_unix, VIOLATES },
	{ "clamd: socket(AF_INET) kills", ROLE_CLAMD, CONFINE_FINAL, NULL,
	  try_socket_inet, VIOLATES },
	{ "clamd: connect on fd 3 kills", ROLE_CLAMD, CONFINE_FINAL,
	  NULL, try_connect_unix_fd3, VIOLATES, BROKER_PEER_UNCONNECTED },
	{ "clamd: sendmsg with a descriptor, send, poll, recv, write on fd 3 "
	  "work", ROLE_CLAMD, CONFINE_FINAL, NULL,
	  try_clamd_peer_io, WORKS, BROKER_PEER },
	{ "clamd: sendmsg on fd 1 works", ROLE_CLAMD, CONFINE_FINAL,
	  NULL, try_sendmsg_fd1, WORKS },
	{ "clamd: part received on fd 1 and read by pread works", ROLE_CLAMD,
	  CONFINE_FINAL, NULL, try_recv_part,
	  WORKS, BROKER_PEER_AND_SCAN },
	{ "clamd: write on fd 3 kills (send() is the way)", ROLE_CLAMD,
	  CONFINE_FINAL, NULL, try_write_fd3, VIOLATES, BROKER_PEER },
	{ "clamd: blocking send on fd 3 kills", ROLE_CLAMD, CONFINE_FINAL,
	  NULL, try_send_blocking_fd3, VIOLATES, BROKER_PEER },
	{ "clamd: send on fd 2 kills", ROLE_CLAMD, CONFINE_FINAL, NULL,
	  try_sendto_fd2, VIOLATES },
	{ "clamd: write(1) kills", ROLE_CLAMD, CONFINE_FINAL, NULL,
	  try_write_fd1, VIOLATES },
	{ "clamd: openat(/etc/passwd) is EACCES", ROLE_CLAMD, CONFINE_FINAL,
	  NULL, try_open_passwd, FAILS(EACCES) },
	{ "clamd: mkdir kills", ROLE_CLAMD, CONFINE_FINAL, NULL,
	  try_mkdir_tmp, VIOLATES },
	{ "clamd: execve kills", ROLE_CLAMD, CONFINE_FINAL, NULL,
	  try_execve, VIOLATES },
	{ "clamd: memfd_create kills", ROLE_CLAMD, CONFINE_FINAL, NULL,
	  try_memfd_unsealable, VIOLATES },

	/* mhr: only the resolver socket the broker connected, and the
	 * records */
	{ "mhr: socket(AF_INET) kills", ROLE_MHR, CONFINE_FINAL, NULL,
	  try_socket_inet, VIOLATES },
	{ "mhr: socket(AF_UNIX) kills", ROLE_MHR, CONFINE_FINAL, NULL,
	  try_socket_unix, VIOLATES },
	{ "mhr: connect on fd 3 kills", ROLE_MHR, CONFINE_FINAL,
	  NULL, try_connect_unix_fd3, VIOLATES, BROKER_PEER_UNCONNECTED },
	{ "mhr: send, poll, recv on fd 3 and the monotonic clock work",
	  ROLE_MHR, CONFINE_FINAL, NULL, try_mhr_peer_io, WORKS,
	  BROKER_PEER_DGRAM },
	{ "mhr: sendto fd 3 with an address kills", ROLE_MHR, CONFINE_FINAL,
	  NULL, try_sendto_addr_fd3, VIOLATES, BROKER_PEER_DGRAM },
	{ "mhr: sendmsg on fd 3 kills", ROLE_MHR, CONFINE_FINAL, NULL,
	  try_sendmsg_fd3, VIOLATES, BROKER_PEER_DGRAM },
	{ "mhr: blocking send on fd 3 kills", ROLE_MHR, CONFINE_FINAL,
	  NULL, try_send_blocking_fd3, VIOLATES, BROKER_PEER_DGRAM },
	{ "mhr: write on fd 3 kills (send() is the way)", ROLE_MHR,
	  CONFINE_FINAL, NULL, try_write_fd3, VIOLATES, BROKER_PEER_DGRAM },
	{ "mhr: send on fd 2 kills", ROLE_MHR, CONFINE_FINAL, NULL,
	  try_sendto_fd2, VIOLATES },
	{ "mhr: sendmsg on fd 1 works", ROLE_MHR, CONFINE_FINAL,
	  NULL, try_sendmsg_fd1, WORKS },
	{ "mhr: part received on fd 1 and read by pread works", ROLE_MHR,
	  CONFINE_FINAL, NULL, try_recv_part, WORKS, BROKER_PEER_AND_SCAN },
	{ "mhr: clock_gettime(CLOCK_REALTIME) as a system call kills",
	  ROLE_MHR, CONFINE_FINAL, NULL, try_clock_realtime_syscall,
	  VIOLATES },
	{ "mhr: getrandom after lockdown kills", ROLE_MHR, CONFINE_FINAL,
	  NULL, try_getrandom, VIOLATES },
	{ "mhr: openat(/etc/passwd) is EACCES", ROLE_MHR, CONFINE_FINAL,
	  NULL, try_open_passwd, FAILS(EACCES) },
	{ "mhr: execve kills", ROLE_MHR, CONFINE_FINAL, NULL,
	  try_execve, VIOLATES },
	{ "mhr: memfd_create kills", ROLE_MHR, CONFINE_FINAL, NULL,
	  try_memfd_unsealable, VIOLATES },

	/* spamd: only the socket the broker connected, and the records */
	{ "spamd: socket(AF_INET) kills", ROLE_SPAMD, CONFINE_FINAL, NULL,
	  try_socket_inet, VIOLATES },
	{ "spamd: socket(AF_UNIX) kills", ROLE_SPAMD, CONFINE_FINAL, NULL,
	  try_socket_unix, VIOLATES },
	{ "spamd: connect on fd 3 kills", ROLE_SPAMD, CONFINE_FINAL,
	  NULL, try_connect_unix_fd3, VIOLATES, BROKER_PEER_UNCONNECTED },
	{ "spamd: send, poll, recv on fd 3 work", ROLE_SPAMD, CONFINE_FINAL,
	  NULL, try_spamd_peer_io, WORKS, BROKER_PEER },
	{ "spamd: sendto fd 3 with an address kills", ROLE_SPAMD,
	  CONFINE_FINAL, NULL, try_sendto_addr_fd3, VIOLATES, BROKER_PEER },
	{ "spamd: sendmsg on fd 3 kills (no descriptors to spamd)",
	  ROLE_SPAMD, CONFINE_FINAL, NULL, try_sendmsg_fd3, VIOLATES,
	  BROKER_PEER },
	{ "spamd: blocking send on fd 3 kills", ROLE_SPAMD, CONFINE_FINAL,
	  NULL, try_send_blocking_fd3, VIOLATES, BROKER_PEER },
	{ "spamd: write on fd 3 kills (send() is the way)", ROLE_SPAMD,
	  CONFINE_FINAL, NULL, try_write_fd3, VIOLATES, BROKER_PEER },
	{ "spamd: send on fd 2 kills", ROLE_SPAMD, CONFINE_FINAL, NULL,
	  try_sendto_fd2, VIOLATES },
	{ "spamd: sendmsg on fd 1 works", ROLE_SPAMD, CONFINE_FINAL,
	  NULL, try_sendmsg_fd1, WORKS },
	{ "spamd: message received on fd 1 and read by pread works",
	  ROLE_SPAMD, CONFINE_FINAL, NULL, try_recv_part, WORKS,
	  BROKER_PEER_AND_SCAN },
	{ "spamd: clock_gettime(CLOCK_REALTIME) as a system call kills",
	  ROLE_SPAMD, CONFINE_FINAL, NULL, try_clock_realtime_syscall,
	  VIOLATES },
	{ "spamd: openat(/etc/passwd) is EACCES", ROLE_SPAMD, CONFINE_FINAL,
	  NULL, try_open_passwd, FAILS(EACCES) },
	{ "spamd: execve kills", ROLE_SPAMD, CONFINE_FINAL, NULL,
	  try_execve, VIOLATES },
	{ "spamd: fork kills", ROLE_SPAMD, CONFINE_FINAL, NULL,
	  try_fork, VIOLATES },
	{ "spamd: memfd_create kills", ROLE_SPAMD, CONFINE_FINAL, NULL,
	  try_memfd_unsealable, VIOLATES },

	/* outer filter alone: what the spawner installs before exec */
	{ "outer: socket(AF_INET) kills", ROLE_UNPACK, CONFINE_SPAWNED, NULL,
	  try_socket_inet, VIOLATES },
	{ "outer: socket(AF_UNIX) works", ROLE_UNPACK, CONFINE_SPAWNED, NULL,
	  try_socket_unix, WORKS },
	{ "outer: x32 socket kills", ROLE_UNPACK, CONFINE_SPAWNED, NULL,
	  try_x32_socket, VIOLATES },
	{ "outer: i386 int 0x80 kills", ROLE_UNPACK, CONFINE_SPAWNED, NULL,
	  try_i386_getpid, VIOLATES, BROKER_NOTHING, 1 },
	{ "outer: unshare(CLONE_NEWUSER) kills", ROLE_UNPACK, CONFINE_SPAWNED,
	  NULL, try_unshare_user, VIOLATES },
	{ "outer: clone(CLONE_NEWUSER) kills", ROLE_UNPACK, CONFINE_SPAWNED,
	  NULL, try_clone_newuser, VIOLATES },
	{ "outer: clone3 is ENOSYS", ROLE_UNPACK, CONFINE_SPAWNED, NULL,
	  try_clone3, FAILS(ENOSYS) },
	{ "outer: fork works", ROLE_UNPACK, CONFINE_SPAWNED, NULL,
	  try_fork, WORKS },
	{ "outer: ptrace kills", ROLE_UNPACK, CONFINE_SPAWNED, NULL,
	  try_ptrace_traceme, VIOLATES },
	{ "outer: mount kills", ROLE_UNPACK, CONFINE_SPAWNED, NULL,
	  try_mount, VIOLATES },
	{ "outer: io_uring_setup kills", ROLE_UNPACK, CONFINE_SPAWNED, NULL,
	  try_io_uring, VIOLATES },
	{ "outer: keyctl kills", ROLE_UNPACK, CONFINE_SPAWNED, NULL,
	  try_keyctl, VIOLATES },
	{ "outer: execve works (the role is exec'd under it)", ROLE_UNPACK,
	  CONFINE_SPAWNED, NULL, try_execve_true, WORKS },

	/* Landlock alone: the layer under the soft EACCES of seccomp */
	{ "landlock: open(/etc/passwd) is EACCES", ROLE_UNPACK,
	  CONFINE_LANDLOCK, NULL, try_open_passwd, FAILS(EACCES) },
	{ "landlock: mkdir in /tmp is EACCES", ROLE_UNPACK, CONFINE_LANDLOCK,
	  NULL, try_mkdir_tmp, FAILS(EACCES) },
	{ "landlock: execve is EACCES", ROLE_UNPACK, CONFINE_LANDLOCK, NULL,
	  try_execve, FAILS(EACCES) },
	{ "landlock: kill(bystander; warm: its zygote, 0) is EPERM "
	  "(signal scope)",
	  ROLE_UNPACK, CONFINE_LANDLOCK, prepare_bystander, try_kill_bystander,
	  FAILS(EPERM) },
	{ "landlock: sealed memfd part works", ROLE_UNPACK, CONFINE_LANDLOCK,
	  NULL, try_memfd_part, WORKS },

	/* Landlock private-dir alone, on the clamav role's scratch tmpfs */
	{ "landlock dir: mkdir, create, write, unlink beneath it work",
	  ROLE_CLAMAV, CONFINE_LANDLOCK_DIR, NULL, try_private_dir_work,
	  WORKS },
	{ "landlock dir: execve beneath it is EACCES (and noexec)", ROLE_CLAMAV,
	  CONFINE_LANDLOCK_DIR, NULL, try_private_dir_exec, FAILS(EACCES) },
	{ "landlock dir: open(/bin/sh) is EACCES", ROLE_CLAMAV,
	  CONFINE_LANDLOCK_DIR, NULL, try_open_usr, FAILS(EACCES) },
	{ "landlock dir: mkdir elsewhere in /tmp is EACCES", ROLE_CLAMAV,
	  CONFINE_LANDLOCK_DIR, NULL, try_mkdir_tmp, FAILS(EACCES) },
};

/* ---- the role side ---------------------------------------------------- */

/* The case in the role: its preparation, its confinement, its attempt;
 * the same for an exec'd role and a warm child. */
static void __attribute__((noreturn))
case_in_role(const struct death_case *c)
{
	const char *why;

	if (c->prepare && c->prepare() < 0)
		_exit(EXIT_SETUP_FAILED);
	switch (c->confine) {
	case CONFINE_SPAWNED:
		break;
	case CONFINE_LANDLOCK:
	case CONFINE_LANDLOCK_DIR:
		if (sandbox_landlock_restrict(c->confine == CONFINE_LANDLOCK ?
		    LANDLOCK_NO_FILES : LANDLOCK_PRIVATE_DIR, scratch,
		    &why) < 0) {
			role_log("landlock: %s", why);
			_exit(EXIT_LOCKDOWN_FAILED);
		}
		break;
	case CONFINE_FINAL_DIR:
		if (sandbox_role_lockdown_dir(c->role, scratch, &why) < 0) {
			role_log("lockdown: %s", why);
			_exit(EXIT_LOCKDOWN_FAILED);
		}
		break;
	case CONFINE_FINAL:
	default:
		if (sandbox_role_lockdown(c->role, &why) < 0) {
			role_log("lockdown: %s", why);
			_exit(EXIT_LOCKDOWN_FAILED);
		}
		break;
	}
	_exit(c->attempt());
}

/* The case number in `text`, or -1. */
static long
case_index(const char *text)
{
	size_t ncases = sizeof(cases) / sizeof(cases[0]);
	char *end;
	unsigned long i = strtoul(text, &end, 10);

	return end != text && *end == '\0' && i < ncases ? (long)i : -1;
}

/* This program exec'd by the spawner as a role: pid 1, its own uid, the
 * profile's rlimits and the outer filter already in place. */
static int
role_main(const char *arg)
{
	long i = case_index(arg);

	if (i < 0)
		_exit(ROLE_EXIT_USAGE);
	case_in_role(&cases[i]);
}

/* The role of the zygote this program serves as. */
static enum role_id zygote_role;

/* A warm child, after its fork, its descriptors placed, its settings
 * checked and its rlimits set: its case is the text of its message
 * (fd 0), read before the case's confinement as a role maps its
 * message; then the case as an exec'd role runs it. */
static void __attribute__((noreturn))
warm_child_main(const char *dir)
{
	char text[16];
	ssize_t n = pread(ROLE_FD_MESSAGE, text, sizeof(text) - 1, 0);
	long i;

	text[n > 0 ? n : 0] = '\0';
	i = case_index(text);
	if (i < 0 || cases[i].role != zygote_role) {
		role_log("warm death case: no case of my role in '%s'", text);
		_exit(ROLE_EXIT_USAGE);
	}
	warm_child = 1;
	if (dir != NULL)
		scratch = dir;
	case_in_role(&cases[i]);
}

/* This program exec'd by the spawner as a zygote (argv[0]
 * "zygote-ROLE", no argument, as a role helper): its settings read as a
 * role reads them, then it serves. */
static int
zygote_main(const char *name)
{
	static struct role_settings set;
	static struct zygote_role zr;

	int found = 0;

	for (int r = 1; r <= ROLE_ID_MAX; r++) {
		const struct role_profile *p = sandbox_profile((enum role_id)r);

		if (p != NULL && strcmp(p->name, name) == 0) {
			zygote_role = (enum role_id)r;
			found = 1;
		}
	}
	if (!found) {
		role_log("death zygote: no role '%s'", name);
		_exit(ROLE_EXIT_USAGE);
	}
	role_read_settings(zygote_role, 1, &set);
	zr.role = zygote_role;
	zr.set = &set;
	zr.child_main = warm_child_main;
	zygote_serve(&zr);
}

/* ---- the broker side --------------------------------------------------- */

struct harness {
	const char *helper;	/* this program, where role users can exec it */
	struct as_broker b;	/* privileges, outer filter, role users */
	int i386_entry;		/* 1: the kernel runs int 0x80 for 64-bit code */
	/* warm: the configuration the settings come from, and one zygote
	 * per role, as the service keeps them */
	struct qscan_config cfg;
	char zygote_dir[200];	/* beside this program: zygotes/ */
	struct warm_zygote zyg[ROLE_ID_MAX + 1];
	int zyg_up[ROLE_ID_MAX + 1];
	unsigned zyg_started[ROLE_ID_MAX + 1];
};

/* A scan request as the broker sends one: a sealed memfd on a record. */
static int
send_scan_request(int records_fd)
{
	static const char part[] = "part bytes";
	const char *why;
	int fd, rc;

	fd = sealed_memfd_from("part", (const uint8_t *)part, sizeof(part),
	    &why);
	if (fd < 0)
		return -1;
	rc = send_on(records_fd, fd);
	close(fd);
	return rc == 0 ? 0 : -1;
}

/* fd 3 for the role and the end the broker keeps (*keep). */
static int
make_peer(enum broker_side side, int *keep)
{
	int sv[2];

	*keep = -1;
	if (side == BROKER_PEER_UNCONNECTED)
		return socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (socketpair(AF_UNIX, (side == BROKER_PEER_DGRAM ? SOCK_DGRAM :
	    SOCK_STREAM) | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	*keep = sv[1];
	return sv[0];
}

static void
describe(char *buf, size_t sz, const struct case_end *e)
{
	snprintf(buf, sz, "%s, %s %d", role_ending_name(e->want),
	    e->ending == END_SIGNAL ? "signal" : "code", e->value);
}

/* Spawns case n as production spawns a role and reads its ending with
 * production's role_run.  Returns 1 when it ended as the case says. */
static int
case_spawn(const struct harness *h, const struct death_case *c, unsigned n,
    const char **got_detail, struct role_outcome *out)
{
	char idx[16];
	char *argv[] = { (char *)"test-profiles-death", (char *)"--role", idx,
	    NULL };
	struct spawn_spec spec = {
		.role = c->role, .helper = h->helper, .argv = argv,
		.message_fd = -1, .peer_fd = -1, .uid = h->b.uid[c->role],
		.gid = h->b.gid[c->role], .privs = &h->b.privs,
		.outer_filter = &h->b.outer,
	};
	struct role_io io = AS_BROKER_ANY_IO;
	struct role_proc rp;
	char *why = NULL;
	int keep = -1, ok;

	snprintf(idx, sizeof(idx), "%u", n);
	if (c->broker == BROKER_PEER || c->broker == BROKER_PEER_UNCONNECTED ||
	    c->broker == BROKER_PEER_AND_SCAN ||
	    c->broker == BROKER_PEER_DGRAM) {
		spec.peer_fd = make_peer(c->broker, &keep);
		if (spec.peer_fd < 0) {
			*got_detail = "cannot make the peer socket";
			return 0;
		}
	}
	ok = spawn_role(&spec, &rp, &why);
	if (spec.peer_fd >= 0)
		close(spec.peer_fd);
	if (ok != 0) {
		printf("# spawn: %s\n", why);
		g_free(why);
		if (keep >= 0)
			close(keep);
		*got_detail = "the spawner failed";
		return 0;
	}
	if ((c->broker == BROKER_SCAN_REQUEST ||
	    c->broker == BROKER_PEER_AND_SCAN) &&
	    send_scan_request(rp.records_fd) != 0) {
		*got_detail = "cannot send the scan request";
		syscall(SYS_pidfd_send_signal, rp.pidfd, SIGKILL, NULL, 0);
	}
	role_run(&rp, CASE_DEADLINE_MS, &io, out);
	if (keep >= 0)
		close(keep);
	return out->ending == c->want && out->code == c->value;
}

/* ---- the warm side: zygotes and their children ----------------------- */

/* The zygote of `role`, started as the monitor starts one when there is
 * none (the first, or the successor of one that retired). */
static struct warm_zygote *
zygote_of(struct harness *h, enum role_id role, const char **got_detail)
{
	struct warm_zygote *y = &h->zyg[role];
	const struct role_profile *prof = sandbox_profile(role);
	g_autofree struct rec_writer *w = role_settings_build(&h->cfg, role,
	    role == ROLE_CLAMD, 1, 1000);
	g_autofree char *argv0 = g_strdup_printf("zygote-%s", prof->name);
	g_autofree char *path = g_strdup_printf("%s/%s.sock", h->zygote_dir,
	    prof->name);
	char *argv[] = { argv0, NULL };
	struct spawn_spec spec = {
		.role = role, .helper = h->helper, .argv = argv,
		.message_fd = -1, .peer_fd = -1, .settings = w,
		.uid = h->b.uid[role], .gid = h->b.gid[role],
		.privs = &h->b.privs, .outer_filter = &h->b.outer,
	};
	char *why = NULL;

	if (h->zyg_up[role])
		return y;
	if (warm_zygote_start(y, &spec, path, ZYGOTE_WAIT_MS, &why) != 0) {
		printf("# zygote %s: %s\n", prof->name, why);
		g_free(why);
		*got_detail = "the zygote did not come up";
		return NULL;
	}
	/* The front's go (docs/warm.md, "Zygotes and their children"):
	 * until then it accepts nothing. */
	if (zygote_tell_serve(y->z.records_fd) != 0) {
		printf("# zygote %s: SERVE: %s\n", prof->name,
		    strerror(errno));
		*got_detail = "the zygote could not be told SERVE";
		return NULL;
	}
	h->zyg_up[role] = 1;
	h->zyg_started[role]++;
	printf("# zygote %s %u started, pid %d\n", prof->name,
	    h->zyg_started[role], (int)y->z.pid);
	return y;
}

/* A child's ending its zygote reads as a crash (zygote_serve.c): it
 * retires after it. */
static int
ends_in_crash(const struct role_outcome *out)
{
	if (out->ending == ROLE_ABORT)
		return 1;
	return out->ending == ROLE_CRASH && (out->code == SIGSEGV ||
	    out->code == SIGBUS || out->code == SIGILL);
}

/* After a child: the zygote lives on (same pid, no RETIRING) unless the
 * child crashed; after a crash it says RETIRING and exits 0, and the
 * next case gets its successor.  1 when it did as it must; *said tells. */
static int
zygote_after(struct harness *h, enum role_id role, int crashed, char *said,
    size_t cap)
{
	struct warm_zygote *y = &h->zyg[role];
	struct pollfd p = { y->z.records_fd, POLLIN, 0 };
	enum zygote_status st = 0;
	char *why = NULL;
	int status, ok;
	pid_t pid;

	warm_zygote_drain_log(y);
	if (!crashed) {
		ok = warm_zygote_alive(y) && poll(&p, 1, 0) == 0;
		snprintf(said, cap, "zygote pid %d %s", (int)y->z.pid, ok ?
		    "lives on" : "did not live on");
		if (!ok) {
			(void)warm_zygote_end(y, 0);
			h->zyg_up[role] = 0;
		}
		return ok;
	}
	ok = warm_zygote_status(y, &st, ZYGOTE_WAIT_MS, &why) == 0 &&
	    st == ZYGOTE_RETIRING;
	pid = y->z.pid;
	status = warm_zygote_end(y, ZYGOTE_WAIT_MS);
	ok = ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	h->zyg_up[role] = 0;
	snprintf(said, cap, "zygote pid %d %s; the next case gets a new "
	    "zygote, as the front starts one", (int)pid, ok ?
	    "retired after the crash and exited 0" :
	    "did not retire and exit 0 after the crash");
	if (!ok)
		printf("# status 0x%x%s%s\n", (unsigned)status,
		    why ? ": " : "", why ? why : "");
	g_free(why);
	return ok;
}

/* Case n as a warm child of its role's zygote, obtained as a worker
 * obtains one and read by production's role_run.  Returns 1 when it
 * ended as the case's warm column says (or the exec one, unset). */
static int
case_warm_spawn(struct harness *h, const struct death_case *c, unsigned n,
    const char **got_detail, struct role_outcome *out)
{
	const struct case_end *want = &c->warm;
	struct case_end same = { 1, c->ending, c->value, c->want };
	g_autofree struct rec_writer *w = role_settings_build(&h->cfg,
	    c->role, c->role == ROLE_CLAMD, 0, 0);
	struct spawn_spec spec = {
		.role = c->role, .message_fd = -1, .peer_fd = -1,
		.settings = w,
	};
	struct role_io io = AS_BROKER_ANY_IO;
	struct warm_zygote *y = zygote_of(h, c->role, got_detail);
	struct role_proc rp;
	char idx[16], *why = NULL;
	const char *fwhy;
	int keep = -1;

	if (!want->set)
		want = &same;
	if (y == NULL)
		return 0;
	snprintf(idx, sizeof(idx), "%u", n);
	spec.message_fd = sealed_memfd_from("case", (const uint8_t *)idx,
	    strlen(idx), &fwhy);
	if (spec.message_fd < 0) {
		*got_detail = "cannot make the case's message";
		return 0;
	}
	if (c->broker == BROKER_PEER || c->broker == BROKER_PEER_UNCONNECTED ||
	    c->broker == BROKER_PEER_AND_SCAN ||
	    c->broker == BROKER_PEER_DGRAM) {
		spec.peer_fd = make_peer(c->broker, &keep);
		if (spec.peer_fd < 0) {
			close(spec.message_fd);
			*got_detail = "cannot make the peer socket";
			return 0;
		}
	}
	if (warm_start_role(y->path, &spec, ZYGOTE_WAIT_MS, &rp, &why) != 0) {
		printf("# warm_start_role: %s\n", why);
		g_free(why);
		close(spec.message_fd);
		if (spec.peer_fd >= 0)
			close(spec.peer_fd);
		if (keep >= 0)
			close(keep);
		*got_detail = "no child from the zygote";
		return 0;
	}
	close(spec.message_fd);
	if (spec.peer_fd >= 0)
		close(spec.peer_fd);
	if ((c->broker == BROKER_SCAN_REQUEST ||
	    c->broker == BROKER_PEER_AND_SCAN) &&
	    send_scan_request(rp.records_fd) != 0) {
		*got_detail = "cannot send the scan request";
		shutdown(rp.warm_fd, SHUT_WR);
	}
	role_run(&rp, CASE_DEADLINE_MS, &io, out);
	if (keep >= 0)
		close(keep);
	return out->ending == want->want && out->code == want->value;
}

/* An i386 call from 64-bit code, unconfined: does this kernel run it?
 * (Some kernels, 6.18 among them, can be built or booted without the
 * 32-bit entry: int 0x80 then faults, SIGSEGV, before any filter.) */
static int
i386_entry_probe(void)
{
	pid_t pid = fork();
	int st;

	if (pid == 0)
		_exit(try_i386_getpid() == 0 ? 0 : 1);
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* The program a filter of `c` is made of, exported by the sandbox module
 * as the broker (outer) or the role's lockdown (final) compiles it. */
static int
filter_program(const struct harness *h, enum sandbox_filter_kind kind,
    enum role_id role, struct sock_filter *buf, size_t cap, size_t *len,
    const char **why)
{
	scmp_filter_ctx ctx;
	int rc;

	if (kind == SANDBOX_FILTER_OUTER) {
		if (h->b.outer.len > cap) {
			*why = "outer program too long";
			return -1;
		}
		memcpy(buf, h->b.outer.filter, h->b.outer.len * sizeof(*buf));
		*len = h->b.outer.len;
		return 0;
	}
	ctx = sandbox_filter_build(kind, role, why);
	if (ctx == NULL)
		return -1;
	rc = sandbox_filter_export(ctx, buf, cap, len, why);
	seccomp_release(ctx);
	return rc;
}

/* The verdict of a filter on one system call, by evaluating its BPF. */
static int
filter_verdict(const struct harness *h, enum sandbox_filter_kind kind,
    enum role_id role, uint32_t arch, int nr, uint32_t *ret,
    const char **why)
{
	static struct sock_filter prog[BPF_MAXINSNS];
	struct seccomp_data d;
	size_t len;

	if (filter_program(h, kind, role, prog, BPF_MAXINSNS, &len, why) < 0)
		return -1;
	memset(&d, 0, sizeof(d));
	d.nr = nr;
	d.arch = arch;
	d.instruction_pointer = 0x401000;
	return bpf_eval(prog, len, &d, ret, why);
}

struct verdict_case {
	const char *name;
	enum sandbox_filter_kind kind;
	enum role_id role;
	uint32_t arch;
	int nr;
	uint32_t want;		/* SECCOMP_RET_* with its data */
};

/* The i386 verdicts, always; and native calls with a known answer, so the
 * interpreter is seen to tell allow from kill. */
static const struct verdict_case verdicts[] = {
	{ "bpf: canary's final filter kills i386 getpid", SANDBOX_FILTER_FINAL,
	  ROLE_CANARY, AUDIT_ARCH_I386, I386_NR_GETPID,
	  SECCOMP_RET_KILL_PROCESS },
	{ "bpf: unpack's final filter kills i386 getpid", SANDBOX_FILTER_FINAL,
	  ROLE_UNPACK, AUDIT_ARCH_I386, I386_NR_GETPID,
	  SECCOMP_RET_KILL_PROCESS },
	{ "bpf: clamav's final filter kills i386 getpid", SANDBOX_FILTER_FINAL,
	  ROLE_CLAMAV, AUDIT_ARCH_I386, I386_NR_GETPID,
	  SECCOMP_RET_KILL_PROCESS },
	{ "bpf: clamd's final filter kills i386 getpid", SANDBOX_FILTER_FINAL,
	  ROLE_CLAMD, AUDIT_ARCH_I386, I386_NR_GETPID,
	  SECCOMP_RET_KILL_PROCESS },
	{ "bpf: the outer filter kills i386 getpid", SANDBOX_FILTER_OUTER,
	  ROLE_UNPACK, AUDIT_ARCH_I386, I386_NR_GETPID,
	  SECCOMP_RET_KILL_PROCESS },
	{ "bpf: unpack's final filter allows native getpid",
	  SANDBOX_FILTER_FINAL, ROLE_UNPACK, AUDIT_ARCH_X86_64, SYS_getpid,
	  SECCOMP_RET_ALLOW },
	{ "bpf: unpack's final filter kills native getppid",
	  SANDBOX_FILTER_FINAL, ROLE_UNPACK, AUDIT_ARCH_X86_64, SYS_getppid,
	  SECCOMP_RET_KILL_PROCESS },
	{ "bpf: unpack's final filter answers clone3 with ENOSYS",
	  SANDBOX_FILTER_FINAL, ROLE_UNPACK, AUDIT_ARCH_X86_64, SYS_clone3,
	  SECCOMP_RET_ERRNO | ENOSYS },
	{ "bpf: the outer filter allows native getppid", SANDBOX_FILTER_OUTER,
	  ROLE_UNPACK, AUDIT_ARCH_X86_64, SYS_getppid, SECCOMP_RET_ALLOW },
	{ "bpf: the outer filter kills x32 getpid", SANDBOX_FILTER_OUTER,
	  ROLE_UNPACK, AUDIT_ARCH_X86_64, X32_SYSCALL_BIT | SYS_getpid,
	  SECCOMP_RET_KILL_PROCESS },
};

static int
verdict_run(const struct harness *h, const struct verdict_case *v,
    const char *name, unsigned n)
{
	const char *why = NULL;
	uint32_t ret = 0;

	if (filter_verdict(h, v->kind, v->role, v->arch, v->nr, &ret,
	    &why) < 0) {
		printf("not ok %u - %s: %s\n", n, name, why);
		return 0;
	}
	if (ret != v->want) {
		printf("not ok %u - %s: want 0x%08x, got 0x%08x\n", n, name,
		    v->want, ret);
		return 0;
	}
	printf("ok %u - %s\n", n, name);
	return 1;
}

/* The i386 verdict of the filter a death case runs under. */
static int
i386_case_by_bpf(const struct harness *h, const struct death_case *c,
    unsigned n)
{
	struct verdict_case v = {
		c->name, c->confine == CONFINE_SPAWNED ? SANDBOX_FILTER_OUTER :
		SANDBOX_FILTER_FINAL, c->role, AUDIT_ARCH_I386, I386_NR_GETPID,
		SECCOMP_RET_KILL_PROCESS,
	};
	char name[420];

	snprintf(name, sizeof(name), "%s (this kernel has no i386 entry: the "
	    "filter's BPF evaluated on an i386 getpid)", c->name);
	return verdict_run(h, &v, name, n);
}

/* Case number i (TAP n): spawned as the exec path does, or warm. */
static int
case_run(struct harness *h, const struct death_case *c, unsigned i,
    unsigned n, int warm)
{
	struct case_end want = { 1, c->ending, c->value, c->want };
	struct role_outcome out;
	const char *detail = NULL;
	char got[320], wants[96], name[320], zygote_said[200] = "";
	int ok, zok = 1;

	snprintf(name, sizeof(name), "%s: %s", warm ? "warm" : "exec",
	    c->name);
	if (c->i386 && !h->i386_entry) {
		/* A warm child's final filter is the same program. */
		c = &(struct death_case){ .name = name, .role = c->role,
		    .confine = c->confine };
		return i386_case_by_bpf(h, c, n);
	}
	if (warm && c->warm.set)
		want = c->warm;
	fflush(stdout);
	memset(&out, 0, sizeof(out));
	ok = warm ? case_warm_spawn(h, c, i, &detail, &out) :
	    case_spawn(h, c, i, &detail, &out);
	if (warm && h->zyg_up[c->role])
		zok = zygote_after(h, c->role, ends_in_crash(&out),
		    zygote_said, sizeof(zygote_said));
	if (ok && zok) {
		printf("ok %u - %s%s%s%s\n", n, name, zygote_said[0] ? " (" :
		    "", zygote_said, zygote_said[0] ? ")" : "");
		return 1;
	}
	describe(wants, sizeof(wants), &want);
	if (detail != NULL)
		snprintf(got, sizeof(got), "%s", detail);
	else
		snprintf(got, sizeof(got), "%s (%s)",
		    role_ending_name(out.ending), out.detail);
	printf("not ok %u - %s: want %s, got %s%s%s\n", n, name, wants, got,
	    zygote_said[0] ? "; " : "", zygote_said);
	return 0;
}

/* The last child of each zygote done: told to retire, each exits 0
 * (it lived through every case of its role). */
static unsigned
zygotes_retire(struct harness *h, unsigned *n)
{
	unsigned failed = 0;

	for (int r = 1; r <= ROLE_ID_MAX; r++) {
		struct warm_zygote *y = &h->zyg[r];
		enum zygote_status st = 0;
		char *why = NULL;
		int status, ok;
		pid_t pid = y->z.pid;

		if (!h->zyg_up[r])
			continue;
		ok = zygote_tell_retire(y->z.records_fd) == 0 &&
		    warm_zygote_status(y, &st, ZYGOTE_WAIT_MS, &why) == 0 &&
		    st == ZYGOTE_RETIRING;
		status = warm_zygote_end(y, ZYGOTE_WAIT_MS);
		ok = ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
		h->zyg_up[r] = 0;
		printf("%s %u - warm: zygote %s (pid %d, the %u. of its role) "
		    "told to retire after its cases: RETIRING, exit 0 (status "
		    "0x%x)%s%s\n", ok ? "ok" : "not ok", ++*n,
		    sandbox_profile((enum role_id)r)->name, (int)pid,
		    h->zyg_started[r], (unsigned)status, why ? ": " : "",
		    why ? why : "");
		g_free(why);
		failed += !ok;
	}
	return failed;
}

static int
harness_setup(struct harness *h, const char *helper)
{
	memset(h, 0, sizeof(*h));
	h->helper = helper;
	h->i386_entry = i386_entry_probe();
	if (h->i386_entry < 0) {
		printf("Bail out! the i386 probe could not run\n");
		return -1;
	}
	/* Nothing may skip itself: the signal scope cases need v6. */
	if (sandbox_landlock_abi() < 6) {
		printf("Bail out! Landlock ABI %d, the tests need >= 6\n",
		    sandbox_landlock_abi());
		return -1;
	}
	config_defaults(&h->cfg);
	{
		/* The zygotes' sockets: zygotes/ beside this program
		 * (profiles_death.sh makes it, 0700 qscand). */
		const char *slash = strrchr(helper, '/');

		snprintf(h->zygote_dir, sizeof(h->zygote_dir), "%.*s/zygotes",
		    (int)(slash - helper), helper);
	}
	/* As the broker: qscand with CAP_SETUID/CAP_SETGID, roles their own
	 * users (qscan-setup made them), the outer filter compiled once. */
	return as_broker_setup(&h->b) != 0 ? -1 : 0;
}

int
main(int argc, char **argv)
{
	size_t ncases = sizeof(cases) / sizeof(cases[0]);
	size_t nverdicts = sizeof(verdicts) / sizeof(verdicts[0]);
	struct harness h;
	unsigned failed = 0, n = 0;

	unsigned ncanary = 0;

	if (argc == 3 && strcmp(argv[1], "--role") == 0)
		return role_main(argv[2]);
	if (argc == 1 && strncmp(argv[0], "zygote-", 7) == 0)
		return zygote_main(argv[0] + 7);
	if (argc != 2 || argv[1][0] != '/') {
		fprintf(stderr, "usage: test-profiles-death /abs/path/of/itself "
		    "(run by profiles_death.sh)\n");
		return 2;
	}
	log_open("test-profiles-death", FALSE, TRUE);
	if (harness_setup(&h, argv[1]) < 0)
		return 1;
	printf("# i386 entry for 64-bit code: %s\n", h.i386_entry ?
	    "offered (int 0x80 cases run as roles)" :
	    "absent (int 0x80 cases check the BPF only)");
	/* Each case exec'd, then as a warm child; the canary has no zygote
	 * (docs/warm.md: it stays exec-only), which is checked once. */
	for (size_t i = 0; i < ncases; i++) {
		if (!case_run(&h, &cases[i], (unsigned)i, ++n, 0))
			failed++;
		if (cases[i].role == ROLE_CANARY) {
			ncanary++;
			continue;
		}
		if (!case_run(&h, &cases[i], (unsigned)i, ++n, 1))
			failed++;
	}
	{
		g_autofree struct rec_writer *w = role_settings_build(&h.cfg,
		    ROLE_CANARY, 0, 1, 1000);

		printf("%s %u - warm: the canary role has no zygote (no warm "
		    "settings for it): its %u cases run exec'd only\n",
		    w == NULL ? "ok" : "not ok", ++n, ncanary);
		failed += w != NULL;
	}
	failed += zygotes_retire(&h, &n);
	for (size_t i = 0; i < nverdicts; i++)
		if (!verdict_run(&h, &verdicts[i], verdicts[i].name, ++n))
			failed++;
	printf("1..%u\n", n);
	return failed ? 1 : 0;
}

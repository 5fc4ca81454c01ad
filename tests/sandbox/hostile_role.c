/* tests: the hostile role (TEST ONLY, built with -Dhostile_role=true);
 * untrusted on purpose: behaves like the unpack role up to lockdown, then
 * attempts what the message's "X-Hostile: <attempt> [arg]" line asks. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <fcntl.h>
#include <unistd.h>

#include "record.h"
#include "role_runtime.h"
#include "sandbox.h"

#define HOSTILE_EXIT_SURVIVED	3	/* the attempt did not kill us */
#define HOSTILE_WORD_MAX	256
#define X32_SYSCALL_BIT		0x40000000

static const char hostile_header[] = "X-Hostile:";

/* Copies the next blank-separated word of [p, end) into out; returns the
 * position after it.  Bounded by the line and by HOSTILE_WORD_MAX. */
static const char *
hostile_word(const char *p, const char *end, char *out)
{
	size_t n = 0;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (p < end && *p != ' ' && *p != '\t' && *p != '\r' &&
	    *p != '\n' && n < HOSTILE_WORD_MAX - 1)
		out[n++] = *p++;
	out[n] = '\0';
	return p;
}

/* Finds "X-Hostile:" at the start of a line in the message. */
static int
hostile_find(const char *msg, size_t len, char *attempt, char *arg)
{
	size_t hl = sizeof(hostile_header) - 1;

	for (size_t i = 0; i + hl <= len; i++) {
		const char *line = msg + i, *end;

		if ((i != 0 && msg[i - 1] != '\n') ||
		    strncasecmp(line, hostile_header, hl) != 0)
			continue;
		end = memchr(line, '\n', len - i);
		if (end == NULL)
			end = msg + len;
		line = hostile_word(line + hl, end, attempt);
		hostile_word(line, end, arg);
		return attempt[0] != '\0' ? 0 : -1;
	}
	return -1;
}

static pid_t
hostile_pid(const char *arg, pid_t fallback)
{
	char *end;
	long v;

	if (arg[0] == '\0')
		return fallback;
	v = strtol(arg, &end, 10);
	return *end == '\0' && v > 0 ? (pid_t)v : fallback;
}

static void
hostile_send_end(void)
{
	struct rec_writer w;

	rec_begin(&w, REC_END);
	rec_put_u32(&w, 0);
	rec_put_u32(&w, 0);
	role_send(&w, -1);
}

/* "long_strings [N]": N parts (default 2000, under max_parts) whose five
 * strings and PART_FILENAMES_MAX filenames are all RECORD_STR_MAX long,
 * then a correct END: every record is valid, their text is over 100 MB,
 * far past the broker's budget for a message's facts. */
static void
hostile_long_strings(const char *arg)
{
	static char s[RECORD_STR_MAX];
	struct rec_writer w;
	uint32_t n = 2000;

	if (arg[0] != '\0')
		n = (uint32_t)strtoul(arg, NULL, 10);
	memset(s, 'a', sizeof(s));
	for (uint32_t i = 0; i < n; i++) {
		rec_begin(&w, REC_PART);
		rec_put_u32(&w, i);
		rec_put_u32(&w, i == 0 ? REC_NO_PARENT : 0);
		rec_put_u16(&w, i == 0 ? 0 : 1);
		rec_put_u16(&w, i == 0 ? PART_MULTIPART : PART_LEAF);
		rec_put_u16(&w, 0);
		rec_put_u64(&w, 0);
		for (int k = 0; k < 5; k++)
			rec_put_str(&w, s, sizeof(s));
		role_send(&w, -1);
		for (int k = 0; k < PART_FILENAMES_MAX; k++) {
			rec_begin(&w, REC_FILENAME);
			rec_put_u32(&w, i);
			rec_put_u8(&w, FN_DISPOSITION_FILENAME);
			rec_put_str(&w, s, sizeof(s));
			role_send(&w, -1);
		}
	}
	rec_begin(&w, REC_END);
	rec_put_u32(&w, n);
	rec_put_u32(&w, 0);
	role_send(&w, -1);
}

/* Each attempt returns only when the sandbox let it run to completion. */
static long
hostile_attempt(const char *attempt, const char *arg, pid_t parent)
{
	static char buf[4096];
	long rc;

	if (strcmp(attempt, "open_passwd") == 0) {
		int fd = open("/etc/passwd", O_RDONLY);

		if (fd < 0)
			return -1;
		rc = read(fd, buf, sizeof(buf));
		role_log("hostile: read %ld bytes of /etc/passwd", rc);
		return rc;
	}
	if (strcmp(attempt, "socket_inet") == 0)
		return socket(AF_INET, SOCK_STREAM, 0);
	if (strcmp(attempt, "connect_unix") == 0) {
		struct sockaddr_un sa;
		size_t n = strlen(arg);
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);

		if (fd < 0)
			return -1;
		memset(&sa, 0, sizeof(sa));
		sa.sun_family = AF_UNIX;
		if (n > sizeof(sa.sun_path) - 1)
			n = sizeof(sa.sun_path) - 1;
		memcpy(sa.sun_path, arg, n);
		return connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	}
	if (strcmp(attempt, "execve") == 0) {
		char *const argv[] = { (char *)"sh", NULL };
		char *const envp[] = { NULL };

		return execve("/bin/sh", argv, envp);
	}
	if (strcmp(attempt, "fork") == 0) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		return pid;
	}
	if (strcmp(attempt, "ptrace") == 0)
		return ptrace(PTRACE_ATTACH, hostile_pid(arg, parent), 0, 0);
	if (strcmp(attempt, "kill_broker") == 0)
		return kill(hostile_pid(arg, parent), SIGKILL);
	if (strcmp(attempt, "signal_broker") == 0) {
		/* tgkill with SIGABRT passes the filter: Landlock's signal
		 * scope, the pid namespace and the uid must stop it. */
		pid_t pid = hostile_pid(arg, parent);

		return syscall(SYS_tgkill, pid, pid, SIGABRT);
	}
	if (strcmp(attempt, "mmap_exec") == 0) {
		void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		return p == MAP_FAILED ? -1 : 0;
	}
	if (strcmp(attempt, "mprotect_exec") == 0) {
		void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return -1;
		return mprotect(p, 4096, PROT_READ | PROT_EXEC);
	}
	if (strcmp(attempt, "write_message") == 0)
		return write(ROLE_FD_MESSAGE, "X", 1);
	if (strcmp(attempt, "x32_socket") == 0)
		return syscall(X32_SYSCALL_BIT | SYS_socket, AF_INET,
		    SOCK_STREAM, 0);
	if (strcmp(attempt, "sleep") == 0) {
		volatile unsigned long spin = 0;

		/* Burns CPU until the broker's wall-clock deadline. */
		for (;;)
			spin++;
	}
	if (strcmp(attempt, "read_fd3") == 0)
		/* fd 3 of a role without a peer must be closed (EBADF), even
		 * when the broker inherited something there. */
		return read(ROLE_FD_PEER, buf, sizeof(buf));
	if (strcmp(attempt, "pass_log_pipe") == 0) {
		/* An empty record with our own log pipe on it: the broker must
		 * refuse it, not hold our pipe open and wait for it. */
		union {
			char cbuf[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} ctl;
		struct msghdr m;
		struct cmsghdr *c;
		int fd = ROLE_FD_LOG;

		memset(&m, 0, sizeof(m));
		memset(&ctl, 0, sizeof(ctl));
		m.msg_control = ctl.cbuf;
		m.msg_controllen = sizeof(ctl.cbuf);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
		rc = sendmsg(ROLE_FD_RECORDS, &m, MSG_NOSIGNAL);
		_exit(rc < 0 ? HOSTILE_EXIT_SURVIVED : ROLE_EXIT_OK);
	}
	if (strcmp(attempt, "crash") == 0) {
		*(volatile int *)(uintptr_t)0 = 1;
		return 0;
	}
	role_log("hostile: unknown attempt");
	_exit(ROLE_EXIT_USAGE);
}

int
main(void)
{
	char attempt[HOSTILE_WORD_MAX], arg[HOSTILE_WORD_MAX];
	const char *why, *msg = NULL;
	struct stat st;
	pid_t parent;
	long rc;

	/* As the unpack role does: map the message before lockdown. */
	if (fstat(ROLE_FD_MESSAGE, &st) < 0) {
		role_log("hostile: cannot stat the message");
		_exit(ROLE_EXIT_INIT);
	}
	if (st.st_size > 0) {
		msg = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE,
		    ROLE_FD_MESSAGE, 0);
		if (msg == MAP_FAILED) {
			role_log("hostile: cannot map the message");
			_exit(ROLE_EXIT_INIT);
		}
	}
	/* getppid is not on the final list: ask before lockdown. */
	parent = getppid();
	if (sandbox_role_lockdown(ROLE_UNPACK, &why) < 0) {
		role_log("hostile: lockdown failed: %s", why);
		_exit(ROLE_EXIT_INIT);
	}
	role_send_hello(ROLE_UNPACK);

	if (msg == NULL ||
	    hostile_find(msg, (size_t)st.st_size, attempt, arg) < 0) {
		role_log("hostile: no X-Hostile line in the message");
		_exit(ROLE_EXIT_USAGE);
	}
	if (strcmp(attempt, "none") == 0) {
		hostile_send_end();
		_exit(ROLE_EXIT_OK);
	}
	if (strcmp(attempt, "long_strings") == 0) {
		hostile_long_strings(arg);
		_exit(ROLE_EXIT_OK);
	}
	errno = 0;
	rc = hostile_attempt(attempt, arg, parent);
	role_log("hostile: %s survived: returned %ld, errno %d (%s)", attempt,
	    rc, errno, strerror(errno));
	_exit(HOSTILE_EXIT_SURVIVED);
}

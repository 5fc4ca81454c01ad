/* tests: the hostile role (TEST ONLY, built with -Dhostile_role=true);
 * untrusted on purpose: behaves like the unpack role up to lockdown (its
 * settings record read, the message mapped), then attempts what the
 * message's "X-Hostile: <attempt> [arg]" line asks.
 * Installed as qscan-clamav it takes the clamav role's place instead:
 * clamav's lockdown and hello, and the line is read from the raw message
 * the broker sends it to scan.  With settings that say warm it serves
 * as the role's zygote (unpack or clamav), each child hostile after its
 * fork (docs/warm.md); a child's parent, the pid its attempts name when
 * the line gives none, is its zygote.  As qscan-mhr it takes the mhr
 * role's place: mhr's lockdown and hello, the line read from the first
 * part it is asked to look up, fd 3 the resolver socket the broker
 * connected.  As qscan-canary, it is a canary that lies. */
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
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "fd_pass.h"
#include "record.h"
#include "role_runtime.h"
#include "role_settings.h"
#include "sandbox.h"
#include "sealed_memfd.h"
#include "zygote_serve.h"

#define HOSTILE_EXIT_SURVIVED	3	/* the attempt did not kill us */
#define HOSTILE_WORD_MAX	256
#define X32_SYSCALL_BIT		0x40000000
/* Descriptors on one record for many_fds: SCM_MAX_FD is 253. */
#define HOSTILE_FDS_MAX		250
/* Part size in the memfd flood. */
#define HOSTILE_FLOOD_PART	4096

static const char hostile_header[] = "X-Hostile:";

/* The settings record the broker sends the role it replaces. */
static struct role_settings hostile_set;
/* As the clamav role: its own scratch directory, where it may write. */
static const char *hostile_dir = ROLE_SCRATCH_DIR;
/* Sibling scratch directories scratch_sibling tries (child-1 ...). */
#define HOSTILE_SIBLINGS_MAX	64

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

/* A sealed memfd of `len` bytes, as the unpack role makes them; -1 when
 * the sandbox refused. */
static int
hostile_memfd(size_t len)
{
	static const uint8_t x[HOSTILE_FLOOD_PART];
	const char *why;

	return len <= sizeof(x) ? sealed_memfd_from("part", x, len, &why) : -1;
}

static void
hostile_send_part(uint32_t index, uint16_t kind, uint64_t size)
{
	struct rec_writer w;

	rec_begin(&w, REC_PART);
	rec_put_u32(&w, index);
	rec_put_u32(&w, index == 0 ? REC_NO_PARENT : 0);
	rec_put_u16(&w, index == 0 ? 0 : 1);
	rec_put_u16(&w, kind);
	rec_put_u16(&w, 0);
	rec_put_u64(&w, size);
	rec_put_str(&w, "1", 1);
	rec_put_str(&w, "text/plain", 10);
	rec_put_str(&w, "", 0);
	rec_put_str(&w, "", 0);
	rec_put_str(&w, "", 0);
	role_send(&w, -1);
}

static void
hostile_send_content(uint32_t part, uint64_t size, int fd)
{
	struct rec_writer w;

	rec_begin(&w, REC_CONTENT);
	rec_put_u32(&w, part);
	rec_put_u64(&w, size);
	role_send(&w, fd);
	close(fd);
}

static void
hostile_send_anomaly(void)
{
	struct rec_writer w;

	rec_begin(&w, REC_ANOMALY);
	rec_put_u32(&w, REC_NO_PARENT);
	rec_put_u16(&w, ANOM_DOUBLE_EXTENSION);
	rec_put_str(&w, "x", 1);
	role_send(&w, -1);
}

/* "order STEPS": sends the records STEPS names, comma-separated, as a
 * role whose walk had them in the wrong order would: P<i><kind> a part
 * (kind L leaf, M multipart, G message, U uuencoded, A archive member,
 * T TNEF attachment; part 0 is the root, the others its children), F<i>
 * a filename, C<i> an empty sealed memfd as content, N an anomaly, H a
 * header fact, D a header field, E the end with the right counts. */
static long
hostile_order(const char *steps)
{
	static const char kinds[] = "LMGUAT";
	struct rec_writer w;
	uint32_t parts = 0, anomalies = 0;
	unsigned headers = 0;
	const char *p = steps;

	while (*p != '\0') {
		char op = *p++;
		char *end;
		unsigned long i = strtoul(p, &end, 10);
		const char *k;
		int fd;

		p = end;
		switch (op) {
		case 'P':
			if (*p == '\0' || (k = strchr(kinds, *p)) == NULL)
				return -1;
			p++;
			hostile_send_part((uint32_t)i, (uint16_t)(k - kinds), 0);
			parts++;
			break;
		case 'F':
			rec_begin(&w, REC_FILENAME);
			rec_put_u32(&w, (uint32_t)i);
			rec_put_u8(&w, FN_DISPOSITION_FILENAME);
			rec_put_str(&w, "late.exe", 8);
			role_send(&w, -1);
			break;
		case 'C':
			if ((fd = hostile_memfd(0)) < 0)
				return -1;
			hostile_send_content((uint32_t)i, 0, fd);
			break;
		case 'N':
			hostile_send_anomaly();
			anomalies++;
			break;
		case 'H':
			rec_begin(&w, REC_HEADER);
			rec_put_u8(&w, (uint8_t)(headers++ % (HDR_FACT_MAX + 1)));
			rec_put_str(&w, "h", 1);
			role_send(&w, -1);
			break;
		case 'D':
			rec_begin(&w, REC_HEADER_FIELD);
			rec_put_u32(&w, REC_NO_PARENT);
			rec_put_str(&w, "X-A", 3);
			rec_put_str(&w, "b", 1);
			role_send(&w, -1);
			break;
		case 'E':
			rec_begin(&w, REC_END);
			rec_put_u32(&w, parts);
			rec_put_u32(&w, anomalies);
			role_send(&w, -1);
			break;
		default:
			return -1;
		}
		if (*p == ',')
			p++;
	}
	/* Every record went through: the broker took the order. */
	role_log("hostile: order %s: all records sent", steps);
	_exit(ROLE_EXIT_OK);
}

/* "memfd_flood": part after part, each with its own memfd, without end:
 * the broker must stop taking descriptors at its part limit. */
static long
hostile_memfd_flood(void)
{
	hostile_send_part(0, PART_MULTIPART, 0);
	for (uint32_t i = 1;; i++) {
		int fd = hostile_memfd(HOSTILE_FLOOD_PART);

		if (fd < 0)
			return -1;
		hostile_send_part(i, PART_LEAF, HOSTILE_FLOOD_PART);
		hostile_send_content(i, HOSTILE_FLOOD_PART, fd);
	}
}

/* "record_flood": valid anomaly records without end. */
static void __attribute__((noreturn))
hostile_record_flood(void)
{
	for (;;)
		hostile_send_anomaly();
}

/* "many_fds N": one CONTENT record with N descriptors (one memfd, sent N
 * times) where one may ride. */
static long
hostile_many_fds(const char *arg)
{
	union {
		char cbuf[CMSG_SPACE(sizeof(int) * HOSTILE_FDS_MAX)];
		struct cmsghdr align;
	} ctl;
	int fds[HOSTILE_FDS_MAX];
	struct rec_writer w;
	struct iovec iov;
	struct msghdr m;
	struct cmsghdr *c;
	unsigned long n = strtoul(arg, NULL, 10);
	uint32_t payload;
	int fd;

	if (n < 2 || n > HOSTILE_FDS_MAX || (fd = hostile_memfd(0)) < 0)
		return -1;
	for (unsigned long i = 0; i < n; i++)
		fds[i] = fd;
	hostile_send_part(0, PART_LEAF, 0);
	rec_begin(&w, REC_CONTENT);
	rec_put_u32(&w, 0);
	rec_put_u64(&w, 0);
	payload = (uint32_t)(w.len - RECORD_HEADER_LEN);
	memcpy(w.buf + 4, &payload, sizeof(payload));	/* x86_64: LE */
	iov.iov_base = w.buf;
	iov.iov_len = w.len;
	memset(&m, 0, sizeof(m));
	memset(&ctl, 0, sizeof(ctl));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctl.cbuf;
	m.msg_controllen = CMSG_SPACE(sizeof(int) * n);
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * n);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	if (sendmsg(ROLE_FD_RECORDS, &m, MSG_NOSIGNAL) < 0)
		return -1;
	hostile_send_end();
	_exit(ROLE_EXIT_OK);
}

/* "oversize": one datagram larger than RECORD_MAX, its header saying so. */
static long
hostile_oversize(void)
{
	static uint8_t big[RECORD_MAX + 1024];
	struct iovec iov = { big, sizeof(big) };
	struct msghdr m;
	uint16_t type = REC_ANOMALY;
	uint32_t payload = sizeof(big) - RECORD_HEADER_LEN;

	memcpy(big, &type, sizeof(type));
	memcpy(big + 4, &payload, sizeof(payload));
	memset(&m, 0, sizeof(m));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	if (sendmsg(ROLE_FD_RECORDS, &m, MSG_NOSIGNAL) < 0)
		return -1;
	hostile_send_end();
	_exit(ROLE_EXIT_OK);
}

static double
hostile_now_ms(void)
{
	struct timespec ts;

	/* The vDSO answers: no system call, none needed on the list. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* "slow MS": one valid record every 100 ms for MS ms, then the end: a
 * role that keeps talking must still be stopped at its deadline. */
static long
hostile_slow(const char *arg)
{
	double start = hostile_now_ms();
	double last = start;
	unsigned long total = strtoul(arg, NULL, 10);
	uint32_t anomalies = 0;
	struct rec_writer w;

	while (hostile_now_ms() - start < (double)total) {
		if (hostile_now_ms() - last < 100)
			continue;
		last = hostile_now_ms();
		hostile_send_anomaly();
		anomalies++;
	}
	rec_begin(&w, REC_END);
	rec_put_u32(&w, 0);
	rec_put_u32(&w, anomalies);
	role_send(&w, -1);
	_exit(ROLE_EXIT_OK);
}

/* "long_strings [N]": N parts (default 2000, under max_parts) whose five
 * strings and PART_FILENAMES_MAX filenames are all RECORD_STR_MAX long,
 * then a correct END.  They are multiparts, kinds that carry no content
 * (common/part_order.h), so that the order is right without memfds:
 * every record is valid, their text is over 100 MB, far past the
 * broker's budget for a message's facts. */
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
		rec_put_u16(&w, PART_MULTIPART);
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
	if (strcmp(attempt, "pidfd_signal") == 0) {
		/* pidfd_send_signal, the third way to signal a process. */
		long pfd = syscall(SYS_pidfd_open, hostile_pid(arg, parent), 0);

		if (pfd < 0)
			return -1;
		return syscall(SYS_pidfd_send_signal, (int)pfd, SIGKILL, NULL,
		    0);
	}
	if (strcmp(attempt, "vm_read") == 0) {
		/* The process's copy of our own settings: after a fork a
		 * zygote has it at the same address. */
		struct iovec local = { buf, sizeof(hostile_set) };
		struct iovec remote = { &hostile_set, sizeof(hostile_set) };

		return syscall(SYS_process_vm_readv, hostile_pid(arg, parent),
		    &local, 1UL, &remote, 1UL, 0UL);
	}
	if (strcmp(attempt, "proc_mem") == 0 ||
	    strcmp(attempt, "proc_environ") == 0) {
		/* Its memory or its environment through /proc. */
		char path[64];
		int fd;

		snprintf(path, sizeof(path), "/proc/%d/%s",
		    (int)hostile_pid(arg, parent), attempt + 5);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -1;
		rc = pread(fd, buf, sizeof(buf), attempt[5] == 'm' ?
		    (off_t)(uintptr_t)&hostile_set : 0);
		role_log("hostile: read %ld bytes of %s", rc, path);
		return rc;
	}
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
	if (strcmp(attempt, "udp_sendto") == 0) {
		/* mhr's peer is connected UDP, which still sends wherever
		 * sendto names: the filter must refuse any address. */
		struct sockaddr_un sa;

		memset(&sa, 0, sizeof(sa));
		sa.sun_family = AF_UNIX;
		return sendto(ROLE_FD_PEER, "x", 1, MSG_DONTWAIT |
		    MSG_NOSIGNAL, (struct sockaddr *)&sa, sizeof(sa));
	}
	if (strcmp(attempt, "udp_flood") == 0) {
		/* As many queries as it likes, on the resolver socket it was
		 * given: allowed, but never past its deadline (the broker's
		 * clock ends it). */
		for (;;)
			(void)send(ROLE_FD_PEER, "x", 1, MSG_DONTWAIT |
			    MSG_NOSIGNAL);
	}
	if (strcmp(attempt, "read_fd3") == 0)
		/* fd 3 of a role without a peer must be closed (EBADF), even
		 * when the broker inherited something there. */
		return read(ROLE_FD_PEER, buf, sizeof(buf));
	if (strcmp(attempt, "pass_log_pipe") == 0) {
		/* An empty record with our own log pipe on it: the broker must
		 * refuse it, not hold our pipe open and wait for it. */
		rc = fd_pass_send(ROLE_FD_RECORDS, NULL, 0, ROLE_FD_LOG, 0);
		_exit(rc < 0 ? HOSTILE_EXIT_SURVIVED : ROLE_EXIT_OK);
	}
	if (strcmp(attempt, "memfd_hog") == 0) {
		/* Memory RLIMIT_AS does not count: arg MiB of memfd pages,
		 * each memfd up to RLIMIT_FSIZE.  The role's cgroup must stop
		 * it (memory.max: the OOM killer) before it returns. */
		static char chunk[1 << 20];
		long want = strtol(arg, NULL, 10), done = 0;

		memset(chunk, 'x', sizeof(chunk));
		while (done < want) {
			int fd = memfd_create("hog", MFD_CLOEXEC |
			    MFD_ALLOW_SEALING);

			if (fd < 0)
				return -1;
			while (done < want && write(fd, chunk,
			    sizeof(chunk)) == (ssize_t)sizeof(chunk))
				done++;
			/* fd stays open: its pages stay ours. */
		}
		return done;
	}
	if (strcmp(attempt, "order") == 0)
		return hostile_order(arg);
	if (strcmp(attempt, "memfd_flood") == 0)
		return hostile_memfd_flood();
	if (strcmp(attempt, "record_flood") == 0)
		hostile_record_flood();
	if (strcmp(attempt, "many_fds") == 0)
		return hostile_many_fds(arg);
	if (strcmp(attempt, "oversize") == 0)
		return hostile_oversize();
	if (strcmp(attempt, "slow") == 0)
		return hostile_slow(arg);
	if (strcmp(attempt, "chmod_owned") == 0)
		/* A file of this uid outside scratch: mode changes are no
		 * Landlock right, so the filter must refuse them. */
		return chmod(arg, 0666);
	if (strcmp(attempt, "stat_shadow") == 0) {
		struct stat st;

		return stat("/etc/shadow", &st);
	}
	if (strcmp(attempt, "crash") == 0) {
		*(volatile int *)(uintptr_t)0 = 1;
		return 0;
	}
	if (strcmp(attempt, "scratch_hold") == 0) {
		/* A file of ours in our scratch directory, then we wait
		 * until the broker ends us: what a sibling must not see. */
		static uint8_t rec[RECORD_MAX];
		char path[PATH_MAX];
		int fd;

		snprintf(path, sizeof(path), "%s/secret", hostile_dir);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0600);

		if (fd < 0 || write(fd, "secret", 6) != 6)
			return -2;
		close(fd);
		role_log("hostile: holding %s", path);
		while ((rc = role_recv(rec, &fd)) > 0)
			if (fd >= 0)
				close(fd);
		_exit(ROLE_EXIT_OK);
	}
	if (strcmp(attempt, "scratch_stat") == 0) {
		/* How many other children's directories exist: once they
		 * have ended, none (their zygote removes them).  stat is
		 * open to the clamav role (Landlock does not cover it). */
		char d[PATH_MAX];
		struct stat sb;
		long present = 0;

		for (int k = 1; k <= HOSTILE_SIBLINGS_MAX; k++) {
			snprintf(d, sizeof(d), "%s/child-%d",
			    ROLE_SCRATCH_DIR, k);
			if (strcmp(d, hostile_dir) != 0 && stat(d, &sb) == 0)
				present++;
		}
		errno = 0;
		return present;
	}
	if (strcmp(attempt, "scratch_sibling") == 0) {
		/* Every other child's directory and its secret: the
		 * return is how many we could open (0: none; -2: not even
		 * our own directory works, so the 0 would prove nothing). */
		char own[PATH_MAX], d[PATH_MAX], f[PATH_MAX + 8];
		long seen = 0, refused = 0;
		int fd;

		snprintf(own, sizeof(own), "%s/mine", hostile_dir);
		fd = open(own, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			return -2;
		close(fd);
		for (int k = 1; k <= HOSTILE_SIBLINGS_MAX; k++) {
			const char *try[2] = { d, f };

			snprintf(d, sizeof(d), "%s/child-%d",
			    ROLE_SCRATCH_DIR, k);
			snprintf(f, sizeof(f), "%s/secret", d);
			if (strcmp(d, hostile_dir) == 0)
				continue;
			for (int i = 0; i < 2; i++) {
				fd = open(try[i], O_RDONLY | O_CLOEXEC);
				if (fd >= 0) {
					role_log("hostile: opened %s", try[i]);
					close(fd);
					seen++;
				} else if (errno == EACCES)
					refused++;
			}
		}
		/* What exists and was refused (a missing child-k is
		 * ENOENT, not a refusal). */
		role_log("hostile: scratch_sibling: %ld refused with EACCES",
		    refused);
		errno = 0;
		return seen;
	}
	role_log("hostile: unknown attempt");
	_exit(ROLE_EXIT_USAGE);
}

/* ---- playing a lying canary (installed as qscan-canary) --------------- */

/* The lie is the first word of the file "hostile-canary" beside this
 * binary, read before lockdown (the broker gives a canary no message). */
static void
hostile_canary_lie(char *lie)
{
	char exe[PATH_MAX], path[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;
	int fd;

	lie[0] = '\0';
	if (n <= 0)
		return;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash == NULL)
		return;
	*slash = '\0';
	snprintf(path, sizeof(path), "%s/hostile-canary", exe);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, exe, HOSTILE_WORD_MAX - 1);
	close(fd);
	if (n > 0)
		hostile_word(exe, exe + n, lie);
}

/* As seccomp/canary_main.c, but telling `lie`: "none" (the truth),
 * "no_report", "wrong_uid", "wrong_pid", "open_ok", "lives" (the truth,
 * then exit 0) or "outer_only" (no lockdown: what it reports is what an
 * outer filter alone shows, and the outer filter kills it). */
static void __attribute__((noreturn))
hostile_canary_main(void)
{
	char lie[HOSTILE_WORD_MAX];
	struct rec_writer w;
	const char *why;
	uint32_t uid = (uint32_t)getuid(), gid = (uint32_t)getgid();
	uint32_t pid, open_errno;
	int fd, outer_only;

	hostile_canary_lie(lie);
	outer_only = strcmp(lie, "outer_only") == 0;
	if (!outer_only && sandbox_role_lockdown(ROLE_CANARY, &why) < 0) {
		role_log("hostile canary: lockdown failed: %s", why);
		_exit(ROLE_EXIT_INIT);
	}
	pid = (uint32_t)getpid();
	fd = open(CANARY_OPEN_PATH, O_RDONLY | O_CLOEXEC);
	open_errno = fd < 0 ? (uint32_t)errno : 0;
	role_send_hello(ROLE_CANARY);
	if (strcmp(lie, "wrong_uid") == 0)
		uid++;
	if (strcmp(lie, "wrong_pid") == 0)
		pid = 2;
	if (strcmp(lie, "open_ok") == 0)
		open_errno = 0;
	if (strcmp(lie, "no_report") != 0) {
		rec_begin(&w, REC_CANARY_REPORT);
		rec_put_u32(&w, uid);
		rec_put_u32(&w, gid);
		rec_put_u32(&w, pid);
		rec_put_u32(&w, open_errno);
		role_send(&w, -1);
	}
	if (strcmp(lie, "lives") == 0)
		_exit(ROLE_EXIT_OK);
	/* The outer filter kills AF_INET; only the final one AF_UNIX. */
	socket(outer_only ? AF_INET : AF_UNIX, SOCK_STREAM, 0);
	_exit(ROLE_EXIT_OK);
}

/* As the clamav role: ENGINE, then one verdict per request.  `bad`: the
 * first verdict names another part than the one asked. */
static void __attribute__((noreturn))
hostile_scanner(uint32_t first, int bad)
{
	static uint8_t buf[RECORD_MAX];
	struct rec_writer w;
	struct rec_reader r;
	uint32_t part = first, verdicts = 0;
	uint64_t size;
	ssize_t n;
	int fd;

	rec_begin(&w, REC_ENGINE);
	rec_put_str(&w, "hostile", 7);
	rec_put_str(&w, "0", 1);
	rec_put_str(&w, "0 signatures", 12);
	role_send(&w, -1);
	for (;;) {
		rec_begin(&w, REC_VERDICT);
		rec_put_u32(&w, bad ? part + 1 : part);
		rec_put_u8(&w, SCAN_CLEAN);
		rec_put_str(&w, "", 0);
		role_send(&w, -1);
		verdicts++;
		if ((n = role_recv(buf, &fd)) <= 0)
			_exit(ROLE_EXIT_IO);
		if (fd >= 0)
			close(fd);
		if (rec_open(&r, buf, (size_t)n) == REC_SCAN_END)
			break;
		if (rec_get_u32(&r, &part) || rec_get_u64(&r, &size))
			_exit(ROLE_EXIT_IO);
	}
	rec_begin(&w, REC_END);
	rec_put_u32(&w, verdicts);
	rec_put_u32(&w, 0);
	role_send(&w, -1);
	_exit(ROLE_EXIT_OK);
}

/* As the mhr role: ENGINE, then one reputation (not listed) and a clean
 * verdict per request, as the real role; `bad`: verdicts without
 * reputations, which the broker must refuse. */
static void __attribute__((noreturn))
hostile_mhr_scanner(uint32_t first, int bad)
{
	static const char sha[] = "0000000000000000000000000000000000000000"
	    "000000000000000000000000";
	static uint8_t buf[RECORD_MAX];
	struct rec_writer w;
	struct rec_reader r;
	uint32_t part = first, verdicts = 0;
	uint64_t size;
	ssize_t n;
	int fd;

	rec_begin(&w, REC_ENGINE);
	rec_put_str(&w, "hostile", 7);
	rec_put_str(&w, "0", 1);
	rec_put_str(&w, "hash.cymru.com", 14);
	role_send(&w, -1);
	for (;;) {
		if (!bad) {
			rec_begin(&w, REC_HASH_REPUTATION);
			rec_put_u32(&w, part);
			rec_put_u8(&w, HASH_REP_NOT_LISTED);
			rec_put_u8(&w, HASH_SHA256);
			rec_put_u8(&w, 0);
			rec_put_u64(&w, 0);
			rec_put_str(&w, sha, sizeof(sha) - 1);
			rec_put_str(&w, "", 0);
			role_send(&w, -1);
		}
		rec_begin(&w, REC_VERDICT);
		rec_put_u32(&w, part);
		rec_put_u8(&w, SCAN_CLEAN);
		rec_put_str(&w, "", 0);
		role_send(&w, -1);
		verdicts++;
		if ((n = role_recv(buf, &fd)) <= 0)
			_exit(ROLE_EXIT_IO);
		if (fd >= 0)
			close(fd);
		if (rec_open(&r, buf, (size_t)n) == REC_SCAN_END)
			break;
		if (rec_get_u32(&r, &part) || rec_get_u64(&r, &size))
			_exit(ROLE_EXIT_IO);
	}
	rec_begin(&w, REC_END);
	rec_put_u32(&w, verdicts);
	rec_put_u32(&w, 0);
	role_send(&w, -1);
	_exit(ROLE_EXIT_OK);
}

/* The clamav role's place: its lockdown and hello, then the first
 * request, which with scan_raw is the raw message. */
static const char *
hostile_scanner_start(enum role_id role, const char *dir, size_t *len,
    uint32_t *first)
{
	static uint8_t buf[RECORD_MAX];
	struct rec_reader r;
	const char *why;
	uint64_t size;
	ssize_t n;
	void *msg;
	int fd;

	if (dir != NULL)
		hostile_dir = dir;
	if ((role == ROLE_CLAMAV ? sandbox_role_lockdown_dir(ROLE_CLAMAV,
	    hostile_dir, &why) : sandbox_role_lockdown(role, &why)) < 0) {
		role_log("hostile: lockdown failed: %s", why);
		_exit(ROLE_EXIT_INIT);
	}
	role_send_hello(role);
	if ((n = role_recv(buf, &fd)) <= 0 || fd < 0 ||
	    rec_open(&r, buf, (size_t)n) != REC_SCAN ||
	    rec_get_u32(&r, first) || rec_get_u64(&r, &size) || size == 0) {
		role_log("hostile: no first request with a descriptor");
		_exit(ROLE_EXIT_USAGE);
	}
	msg = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (msg == MAP_FAILED) {
		role_log("hostile: cannot map the request");
		_exit(ROLE_EXIT_INIT);
	}
	*len = (size_t)size;
	return msg;
}

/* After lockdown: the attempt the message asks for. */
static void __attribute__((noreturn))
hostile_go(const char *msg, size_t len, uint32_t first, enum role_id as,
    pid_t parent)
{
	int clamav = as == ROLE_CLAMAV;
	char attempt[HOSTILE_WORD_MAX], arg[HOSTILE_WORD_MAX];
	long rc;

	/* As mhr, a part without the line (a clean message's body) is
	 * looked up like any: the next clean message after a case. */
	if (as == ROLE_MHR && (msg == NULL || hostile_find(msg, len, attempt,
	    arg) < 0))
		hostile_mhr_scanner(first, 0);
	if (msg == NULL || hostile_find(msg, len, attempt, arg) < 0) {
		role_log("hostile: no X-Hostile line in the message");
		_exit(ROLE_EXIT_USAGE);
	}
	if (as == ROLE_MHR && strcmp(attempt, "none") == 0)
		hostile_mhr_scanner(first, 0);
	if (as == ROLE_MHR && strcmp(attempt, "bad_verdict") == 0)
		hostile_mhr_scanner(first, 1);
	if (clamav && strcmp(attempt, "none") == 0)
		hostile_scanner(first, 0);
	if (clamav && strcmp(attempt, "bad_verdict") == 0)
		hostile_scanner(first, 1);
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

/* The clamav role's place for one message: exec'd (dir NULL), or a
 * warm child of the hostile zygote in its own scratch directory. */
static void __attribute__((noreturn))
hostile_clamav_child(const char *dir)
{
	/* getppid is not on the final list: ask before lockdown.  A warm
	 * child's parent is its zygote. */
	pid_t parent = getppid();
	uint32_t first = 0;
	size_t len = 0;
	const char *msg = hostile_scanner_start(ROLE_CLAMAV, dir, &len,
	    &first);

	hostile_go(msg, len, first, ROLE_CLAMAV, parent);
}

/* The mhr role's place for one message: exec'd, or a warm child. */
static void __attribute__((noreturn))
hostile_mhr_child(const char *dir)
{
	pid_t parent = getppid();
	uint32_t first = 0;
	size_t len = 0;
	const char *msg;

	(void)dir;
	msg = hostile_scanner_start(ROLE_MHR, NULL, &len, &first);
	hostile_go(msg, len, first, ROLE_MHR, parent);
}

/* The unpack role's place: the message mapped, lockdown, hello, then
 * the attempt.  `parent`: what getppid said before lockdown. */
static void __attribute__((noreturn))
hostile_unpack(pid_t parent)
{
	const char *why, *msg = NULL;
	struct stat st;
	size_t len = 0;

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
		len = (size_t)st.st_size;
	}
	if (sandbox_role_lockdown(ROLE_UNPACK, &why) < 0) {
		role_log("hostile: lockdown failed: %s", why);
		_exit(ROLE_EXIT_INIT);
	}
	role_send_hello(ROLE_UNPACK);
	hostile_go(msg, len, 0, ROLE_UNPACK, parent);
}

/* A warm unpack child of the hostile zygote: its parent is the zygote. */
static void __attribute__((noreturn))
hostile_unpack_child(const char *dir)
{
	(void)dir;
	hostile_unpack(getppid());
}

int
main(int argc, char **argv)
{
	static const struct zygote_role zygote = {
		.role = ROLE_CLAMAV, .set = &hostile_set,
		.child_main = hostile_clamav_child,
	};
	static const struct zygote_role mhr_zygote = {
		.role = ROLE_MHR, .set = &hostile_set,
		.child_main = hostile_mhr_child,
	};
	static const struct zygote_role unpack_zygote = {
		.role = ROLE_UNPACK, .set = &hostile_set,
		.child_main = hostile_unpack_child,
	};
	const char *name;
	pid_t parent;

	/* The broker runs each role helper as qscan-<role>. */
	name = argc > 0 ? strrchr(argv[0], '/') : NULL;
	name = name != NULL ? name + 1 : argc > 0 ? argv[0] : "";
	if (strcmp(name, "qscan-canary") == 0)
		hostile_canary_main();
	if (strcmp(name, "qscan-clamav") == 0) {
		/* As the clamav role: its settings record first, before
		 * lockdown. */
		role_read_settings(ROLE_CLAMAV, 1, &hostile_set);
		if (hostile_set.warm)
			zygote_serve(&zygote);
		hostile_clamav_child(NULL);
	}
	if (strcmp(name, "qscan-mhr") == 0) {
		role_read_settings(ROLE_MHR, 1, &hostile_set);
		if (hostile_set.warm)
			zygote_serve(&mhr_zygote);
		hostile_mhr_child(NULL);
	}
	/* getppid is not on the final list: ask before lockdown. */
	parent = getppid();
	/* As the unpack role does: read its settings (and map the message)
	 * before lockdown. */
	role_read_settings(ROLE_UNPACK, argc, &hostile_set);
	if (hostile_set.warm)
		zygote_serve(&unpack_zygote);
	hostile_unpack(parent);
}

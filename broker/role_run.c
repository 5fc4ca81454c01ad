/* broker: the per-role event loop and the classification of endings;
 * reads hostile records and log lines through bounded buffers. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <glib.h>

#include "fd_pass.h"
#include "qscan_limits.h"
#include "clock.h"
#include "log.h"
#include "role_runtime.h"
#include "role_run.h"
#include "zygote_proto.h"

/* How long an ended role's channels may stay open past its deadline. */
#define ROLE_DRAIN_GRACE_MS 1000

const char *
role_ending_name(enum role_ending e)
{
	switch (e) {
	case ROLE_NOT_RUN:	return "not-run";
	case ROLE_DONE:		return "done";
	case ROLE_BAD_RECORDS:	return "bad-records";
	case ROLE_EXITED:	return "exited";
	case ROLE_VIOLATION:	return "sandbox-violation";
	case ROLE_CRASH:	return "crashed";
	case ROLE_ABORT:	return "aborted";
	case ROLE_LIMIT:	return "resource-limit";
	case ROLE_TIMEOUT:	return "timeout";
	case ROLE_PEER_TIMEOUT:	return "server-timeout";
	case ROLE_COMPROMISE:	return "compromised";
	case ROLE_SPAWN_FAILED:	return "spawn-failed";
	case ROLE_ZYGOTE_LOST:	return "zygote-lost";
	default:		return "unknown";
	}
}

/* Receives one datagram and at most one descriptor.  Returns the length,
 * 0 at end of stream, -2 when nothing is waiting, -1 on a malformed
 * datagram (*why set). */
static ssize_t
recv_record(int sock, uint8_t *buf, size_t cap, int *fd, const char **why)
{
	ssize_t n = fd_pass_recv(sock, buf, cap, MSG_DONTWAIT, fd, why);

	if (n == FD_PASS_MALFORMED)
		return -1;
	if (n >= 0)
		return n;
	if (errno == EAGAIN)
		return -2;
	*why = errno == EMFILE ? "out of descriptors (ours)" :
	    "receive failed";
	return -1;
}

/* Relays complete lines from the role's log pipe, tagged with its name. */
static int
relay_log(struct role_proc *rp, GString *pending, size_t *total)
{
	char chunk[1024];
	ssize_t n = read(rp->log_fd, chunk, sizeof(chunk));
	char *nl;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 1;
	if (n <= 0)
		return 0;
	if (*total < ROLE_LOG_BYTES_MAX)
		g_string_append_len(pending, chunk, n);
	*total += (size_t)n;
	while ((nl = memchr(pending->str, '\n', pending->len)) != NULL ||
	    pending->len >= ROLE_LOG_LINE_MAX) {
		size_t len = nl ? (size_t)(nl - pending->str) :
		    ROLE_LOG_LINE_MAX;
		g_autofree char *line = g_strndup(pending->str, len);
		g_autoptr(GString) safe = g_string_new(NULL);

		log_escape_text(safe, line);
		log_warn("role %s: %s", role_id_name(rp->role), safe->str);
		g_string_erase(pending, 0, (gssize)(nl ? len + 1 : len));
	}
	return 1;
}

/* Kills the role: our SIGKILL on its pidfd, or for a warm child the
 * shutdown of its connection, on which its zygote SIGKILLs it. */
static void
kill_role(struct role_proc *rp)
{
	if (rp->warm_fd >= 0)
		shutdown(rp->warm_fd, SHUT_WR);
	else
		syscall(SYS_pidfd_send_signal, rp->pidfd, SIGKILL, NULL, 0);
}

static void
classify(struct role_outcome *out, const siginfo_t *si, int killed_by_us,
    int refused, int complete)
{
	out->code = si->si_status;
	if (killed_by_us && !refused) {
		out->ending = ROLE_TIMEOUT;
		return;
	}
	if (refused) {
		out->ending = ROLE_BAD_RECORDS;
		return;
	}
	if (si->si_code == CLD_EXITED) {
		if (si->si_status == 0 && complete)
			out->ending = ROLE_DONE;
		else if (si->si_status == ROLE_EXIT_PEER_TIMEOUT)
			out->ending = ROLE_PEER_TIMEOUT;
		else if (si->si_status == ROLE_EXIT_ABORT)
			out->ending = ROLE_ABORT;
		else if (si->si_status == 0) {
			out->ending = ROLE_BAD_RECORDS;
			snprintf(out->detail, sizeof(out->detail),
			    "exited before its last record");
		} else
			out->ending = ROLE_EXITED;
		return;
	}
	switch (si->si_status) {
	case SIGSYS:
		out->ending = ROLE_VIOLATION;
		break;
	case SIGSEGV: case SIGBUS: case SIGILL: case SIGFPE:
		out->ending = ROLE_CRASH;
		break;
	case SIGABRT:
		out->ending = ROLE_ABORT;
		break;
	case SIGXCPU: case SIGXFSZ: case SIGKILL:
		/* SIGKILL we did not send: hard CPU limit or the OOM killer. */
		out->ending = ROLE_LIMIT;
		break;
	default:
		out->ending = ROLE_COMPROMISE;
		break;
	}
}

/* Sends as much pending work as the socket takes without blocking.
 * Returns 0, or -1 when the role's end is gone or the send failed. */
static int
feed_role(struct role_proc *rp, const struct role_io *io,
    struct rec_writer *w, int *have, int *fd, int *more)
{
	for (;;) {
		if (!*have) {
			*fd = -1;
			if (!io->produce(io->ctx, w, fd)) {
				*more = 0;
				return 0;
			}
			*have = 1;
		}
		if (rec_send_nonblock(rp->records_fd, w, *fd) != 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}
		*have = 0;
	}
}

/* One role's run, between role_run's steps. */
struct role_watch {
	struct role_proc *rp;
	const struct role_io *io;
	struct role_outcome *out;
	uint8_t *buf;		/* RECORD_MAX + 1: longer is refused */
	struct rec_writer *w;		/* the work being fed */
	int have_work, work_fd, more_work;
	GString *pending;		/* a log line not yet ended */
	size_t log_total;
	int records_open, log_open, exited, killed, refused;
	int zygote_lost;	/* warm: the zygote ended without ZYG_EXITED */
	siginfo_t si;
};

/* Takes one record the role sent, or its end; the first bad one kills
 * the role, and what follows is only drained. */
static void
take_record(struct role_watch *rw)
{
	struct role_outcome *out = rw->out;
	const char *why = "refused";
	int fd;
	ssize_t len = recv_record(rw->rp->records_fd, rw->buf, RECORD_MAX + 1,
	    &fd, &why);

	if (len == 0)
		rw->records_open = 0;
	else if (len == -2)
		;
	else if (len < 0 || (!rw->refused && rw->io->consume(rw->io->ctx,
	    rw->buf, (size_t)len, fd, &why) != 0)) {
		if (!rw->refused) {
			rw->refused = 1;
			snprintf(out->detail, sizeof(out->detail),
			    "record %u: %s", out->records + 1, why);
			kill_role(rw->rp);
		}
		/* The consumer owns fd: it has closed it. */
	} else if (rw->refused) {
		/* Read only to drain: not a record taken. */
		if (fd >= 0)
			close(fd);
	} else
		out->records++;
}

/* A warm child's ending, as its zygote says it (ZYG_EXITED); its end
 * of file, or anything else, means the zygote is gone.  0 when nothing
 * is there yet. */
static int
take_zygote_answer(struct role_watch *rw)
{
	uint8_t buf[ZYG_MSG_MAX + 1];
	const char *why = "receive failed";
	struct zyg_msg m;
	int fd = -1;
	ssize_t n = fd_pass_recv(rw->rp->warm_fd, buf, sizeof(buf),
	    MSG_DONTWAIT, &fd, &why);

	if (fd >= 0)
		close(fd);
	if (n < 0 && n != FD_PASS_MALFORMED &&
	    (errno == EAGAIN || errno == EINTR))
		return 0;
	rw->exited = 1;
	if (n > 0 && zyg_decode(buf, (size_t)n, fd >= 0, &m, &why) == 0 &&
	    m.type == ZYG_EXITED) {
		rw->si.si_code = (int)m.exit_code;
		rw->si.si_status = (int)m.exit_status;
		return 1;
	}
	rw->zygote_lost = 1;
	snprintf(rw->out->detail, sizeof(rw->out->detail), "its zygote %s "
	    "before the child's end was told", n == 0 || (n < 0 &&
	    n != FD_PASS_MALFORMED) ? "died" : "lied");
	return 1;
}

/* The role's exit, once its pidfd (a warm child: its connection) says
 * so.  A failed waitid is final too: polling again would spin. */
static void
reap_exited(struct role_watch *rw)
{
	if (rw->rp->warm_fd >= 0) {
		(void)take_zygote_answer(rw);
		return;
	}
	if (waitid(P_PIDFD, (id_t)rw->rp->pidfd, &rw->si, WEXITED) != 0)
		snprintf(rw->out->detail, sizeof(rw->out->detail),
		    "cannot reap it: %s", strerror(errno));
	rw->exited = 1;
}

/* The poll loop: feeds work, takes records, relays the log, kills the
 * role at its deadline, until all of it has ended.  A role that has
 * exited cannot keep us: once it is gone and its time is up, its
 * channels get a second more, then we stop.  Nor can a warm child's
 * zygote that does not kill it when told: a second after the kill we
 * stop waiting (finish_role then calls the zygote lost). */
static void
watch_role(struct role_watch *rw, unsigned timeout_ms, double deadline)
{
	struct role_proc *rp = rw->rp;

	while ((rw->records_open || rw->log_open || !rw->exited) &&
	    !(rw->exited && now_ms() > deadline + ROLE_DRAIN_GRACE_MS) &&
	    !(rw->killed && rp->warm_fd >= 0 &&
	    now_ms() > deadline + ROLE_DRAIN_GRACE_MS)) {
		struct pollfd pfd[3] = {
			{ rw->records_open ? rp->records_fd : -1, POLLIN |
			    (rw->more_work && !rw->refused && !rw->killed ?
			    POLLOUT : 0), 0 },
			{ rw->log_open ? rp->log_fd : -1, POLLIN, 0 },
			{ rw->exited ? -1 : rp->warm_fd >= 0 ? rp->warm_fd :
			    rp->pidfd, POLLIN, 0 },
		};
		double left = deadline - now_ms();
		int n;

		if (left <= 0 && !rw->killed) {
			kill_role(rp);
			rw->killed = 1;
			snprintf(rw->out->detail, sizeof(rw->out->detail),
			    "killed after %u ms", timeout_ms);
		}
		/* After a kill, the kernel closes its ends promptly. */
		n = poll(pfd, 3, rw->killed ? 1000 : (int)left + 1);
		if (n < 0 && errno != EINTR)
			break;
		if ((pfd[0].revents & POLLOUT) && rw->more_work &&
		    feed_role(rp, rw->io, rw->w, &rw->have_work, &rw->work_fd,
		    &rw->more_work) != 0)
			/* The role is gone: its ending says why. */
			rw->more_work = 0;
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))
			take_record(rw);
		if (pfd[1].revents && !relay_log(rp, rw->pending, &rw->log_total))
			rw->log_open = 0;
		if (pfd[2].revents)
			reap_exited(rw);
	}
}

/* After the loop: the role reaped (killed first if it still runs), its
 * last log line out, its ending classified and explained. */
static void
finish_role(struct role_watch *rw)
{
	struct role_proc *rp = rw->rp;
	struct role_outcome *out = rw->out;
	siginfo_t *si = &rw->si;

	if (!rw->exited) {
		kill_role(rp);
		if (rp->warm_fd < 0)
			waitid(P_PIDFD, (id_t)rp->pidfd, si, WEXITED);
		else {
			double until = now_ms() + ROLE_DRAIN_GRACE_MS;

			while (!rw->exited && now_ms() < until) {
				struct pollfd p = { rp->warm_fd, POLLIN, 0 };

				if (poll(&p, 1, ROLE_DRAIN_GRACE_MS) > 0)
					(void)take_zygote_answer(rw);
			}
			if (!rw->exited) {
				rw->zygote_lost = 1;
				snprintf(out->detail, sizeof(out->detail),
				    "its zygote did not say how the child "
				    "ended");
			}
		}
	}
	if (rw->pending->len > 0) {
		g_autoptr(GString) safe = g_string_new(NULL);

		log_escape_text(safe, rw->pending->str);
		log_warn("role %s: %s", role_id_name(rp->role), safe->str);
	}
	if (rw->zygote_lost)
		out->ending = ROLE_ZYGOTE_LOST;
	else
		classify(out, si, rw->killed, rw->refused,
		    rw->io->complete(rw->io->ctx));
	if (out->detail[0] == '\0') {
		if (si->si_code == CLD_EXITED)
			snprintf(out->detail, sizeof(out->detail),
			    "exit %d", si->si_status);
		else
			snprintf(out->detail, sizeof(out->detail),
			    "signal %s", sigabbrev_np(si->si_status) ?
			    sigabbrev_np(si->si_status) : "?");
	}
	if (out->ending == ROLE_LIMIT && si->si_status == SIGKILL)
		role_cgroup_explain_kill(&rp->cgroup, out->detail,
		    sizeof(out->detail));
}

void
role_run(struct role_proc *rp, unsigned timeout_ms, const struct role_io *io,
    struct role_outcome *out)
{
	g_autofree uint8_t *buf = g_malloc(RECORD_MAX + 1);
	g_autofree struct rec_writer *w = g_malloc(sizeof(*w));
	g_autoptr(GString) pending = g_string_new(NULL);
	double start = now_ms();
	struct role_watch rw = {
		.rp = rp, .io = io, .out = out, .buf = buf, .w = w,
		.have_work = 0, .work_fd = -1, .more_work = io->produce != NULL,
		.pending = pending, .log_total = 0,
		.records_open = 1, .log_open = 1,
	};

	memset(out, 0, sizeof(*out));
	memset(&rw.si, 0, sizeof(rw.si));
	watch_role(&rw, timeout_ms, start + timeout_ms);
	finish_role(&rw);
	role_cgroup_remove(&rp->cgroup);
	out->ms = now_ms() - start;
	close(rp->records_fd);
	close(rp->log_fd);
	close(rp->pidfd);
	if (rp->warm_fd >= 0)
		close(rp->warm_fd);
	rp->warm_fd = -1;
	rp->pid = -1;
}

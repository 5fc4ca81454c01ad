/* broker: qmail-queue run by the hook for qscand's worker (queue.h,
 * docs/warm.md "Why the hook runs qmail-queue"); trusted, believes the
 * hook's SVC_QUEUED only through the codec. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "queue.h"
#include "sealed_memfd.h"
#include "svc_proto.h"

/* SVC_QUEUE or SVC_NOTIFY (`type`) with its envelope, then SVC_QUEUED. */
static int
queue_hook_send(int hook, unsigned type, const char *header,
    const struct spool *sp, const struct envelope *envl,
    enum qscan_failure *failure, char **why)
{
	struct svc_msg m;
	const char *step;
	int spool_fd, env_fd, rc;

	if ((spool_fd = spool_open_readonly(sp)) < 0) {
		*why = g_strdup_printf("cannot reopen the spool file: %s",
		    strerror(errno));
		*failure = FAIL_INTERNAL;
		return -1;
	}
	env_fd = sealed_memfd_from("qscan-envelope", envl->raw->data,
	    envl->raw->len, &step);
	if (env_fd < 0) {
		*why = g_strdup_printf("envelope memfd: %s: %s", step,
		    strerror(errno));
		*failure = FAIL_INTERNAL;
		close(spool_fd);
		return -1;
	}
	rc = (type == SVC_NOTIFY ? svc_send_notify(hook, sp->size, spool_fd) :
	    svc_send_queue(hook, header, sp->size, spool_fd)) != 0 ||
	    svc_send_queue_envelope(hook, env_fd, envl->raw->len) != 0;
	close(spool_fd);
	close(env_fd);
	if (rc != 0) {
		*why = g_strdup_printf("cannot send %s to the hook: %s",
		    type == SVC_NOTIFY ? "SVC_NOTIFY" : "SVC_QUEUE",
		    strerror(errno));
		*failure = FAIL_WRITE;
		return -1;
	}
	/* No deadline: qmail-queue has its own (24 hours), and the hook
	 * closes the connection when it dies. */
	rc = svc_recv(hook, -1, &m, &step);
	if (rc != SVC_QUEUED) {
		*why = g_strdup_printf("no SVC_QUEUED from the hook (%s): "
		    "qmail-queue's outcome unknown", rc == 0 ? "end of file" :
		    rc < 0 ? step : "another record");
		*failure = FAIL_INTERNAL;
		svc_msg_clear(&m);
		return -1;
	}
	if (m.text[0])
		*why = g_strdup_printf("(the hook) %s", m.text);
	if (m.value == SVC_NOT_QUEUED) {
		*failure = m.failure > FAIL_SANDBOX || m.failure == FAIL_NONE ?
		    FAIL_INTERNAL : (enum qscan_failure)m.failure;
		if (*why == NULL)
			*why = g_strdup("the hook could not run qmail-queue");
		svc_msg_clear(&m);
		return -1;
	}
	rc = (int)m.value;
	svc_msg_clear(&m);
	return rc;
}

int
queue_via_hook(int hook, const char *header, const struct spool *sp,
    const struct envelope *envl, enum qscan_failure *failure, char **why)
{
	return queue_hook_send(hook, SVC_QUEUE, header, sp, envl, failure, why);
}

int
queue_notify_via_hook(int hook, const struct spool *sp,
    const struct envelope *envl, enum qscan_failure *failure, char **why)
{
	return queue_hook_send(hook, SVC_NOTIFY, "", sp, envl, failure, why);
}

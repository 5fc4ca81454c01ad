/* broker: clamd connections with failover and a connect timeout; trusted. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <glib.h>

#include "clamd_connect.h"

/* Connects fd to addr within timeout_ms; 0 or -1 with errno. */
static int
connect_within(int fd, const struct sockaddr *addr, socklen_t len,
    unsigned timeout_ms)
{
	struct pollfd p = { fd, POLLOUT, 0 };
	int flags = fcntl(fd, F_GETFL), err = 0;
	socklen_t errlen = sizeof(err);

	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0)
		return -1;
	if (connect(fd, addr, len) != 0) {
		if (errno != EINPROGRESS)
			return -1;
		if (poll(&p, 1, (int)timeout_ms) != 1) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) != 0)
			return -1;
		if (err != 0) {
			errno = err;
			return -1;
		}
	}
	return fcntl(fd, F_SETFL, flags);
}

static int
connect_unix(const char *path, unsigned timeout_ms)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect_within(fd, (struct sockaddr *)&sun, sizeof(sun),
	    timeout_ms) != 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* "host:port" or "[v6]:port". */
static int
connect_tcp(const char *hostport, unsigned timeout_ms, const char **gai)
{
	g_autofree char *host = NULL;
	const char *port;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
	    .ai_flags = AI_NUMERICSERV }, *res, *ai;
	int fd = -1, rc, e = ECONNREFUSED;

	if (hostport[0] == '[') {
		const char *end = strchr(hostport, ']');

		if (end == NULL || end[1] != ':') {
			errno = EINVAL;
			return -1;
		}
		host = g_strndup(hostport + 1, (gsize)(end - hostport - 1));
		port = end + 2;
	} else {
		port = strrchr(hostport, ':');
		if (port == NULL) {
			errno = EINVAL;
			return -1;
		}
		host = g_strndup(hostport, (gsize)(port - hostport));
		port++;
	}
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		*gai = gai_strerror(rc);
		errno = EHOSTUNREACH;
		return -1;
	}
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect_within(fd, ai->ai_addr, ai->ai_addrlen,
		    timeout_ms) != 0) {
			e = errno;
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0)
		errno = e;
	return fd;
}

int
clamd_connect(const char *servers, unsigned timeout_ms, int *is_unix,
    char **why)
{
	g_auto(GStrv) list = g_strsplit(servers, ";", -1);
	g_autoptr(GString) failures = g_string_new(NULL);

	for (unsigned i = 0; list[i] != NULL; i++) {
		char *s = g_strstrip(list[i]);
		const char *gai = NULL;
		int fd;

		if (s[0] == '\0')
			continue;
		if (g_str_has_prefix(s, "unix:")) {
			fd = connect_unix(s + 5, timeout_ms);
			*is_unix = 1;
		} else if (g_str_has_prefix(s, "tcp:")) {
			fd = connect_tcp(s + 4, timeout_ms, &gai);
			*is_unix = 0;
		} else {
			fd = -1;
			errno = EINVAL;
		}
		if (fd >= 0)
			return fd;
		g_string_append_printf(failures, "%s%s: %s", failures->len ?
		    "; " : "", s, gai ? gai : strerror(errno));
	}
	*why = g_strdup_printf("no clamd answered (%s)", failures->len ?
	    failures->str : "no servers configured");
	return -1;
}

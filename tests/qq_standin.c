/* tests: a recording stand-in for qmail-queue.  Reads the message (fd 0)
 * to its end, then the envelope (fd 1), as qmail-queue does; keeps both,
 * and exits with a chosen code.  Settings come from "<argv[0]>.conf"
 * (the broker gives it no environment of ours):
 *
 *	record=DIR	write DIR/message, DIR/envelope, DIR/environ
 *	calls=DIR	keep every call, not only the last: DIR/N.message and
 *			DIR/N.envelope, N = 1, 2, ... (the notices, docs/notify.md)
 *	maildir=DIR	deliver the message into Maildir DIR (the demo)
 *	exit=N		exit code (default 0)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static char *
slurp(int fd, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);
	ssize_t r;

	while (buf && (r = read(fd, buf + n, cap - n)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			exit(54);
		}
		n += (size_t)r;
		if (n == cap && (buf = realloc(buf, cap *= 2)) == NULL)
			exit(51);
	}
	if (buf == NULL)
		exit(51);
	*len = n;
	return buf;
}

static void
put(const char *dir, const char *name, const char *buf, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(buf, 1, len, f) != len || fclose(f) != 0)
		exit(53);
}

int
main(int argc, char **argv)
{
	char conf[4096], line[4096], record[4096] = "", maildir[4096] = "";
	char calls[4096] = "";
	int code = 0;
	size_t mlen, elen;
	char *msg, *env;
	FILE *f;

	(void)argc;
	snprintf(conf, sizeof(conf), "%s.conf", argv[0]);
	if ((f = fopen(conf, "r")) == NULL)
		return 55;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "record=", 7) == 0)
			snprintf(record, sizeof(record), "%s", line + 7);
		else if (strncmp(line, "calls=", 6) == 0)
			snprintf(calls, sizeof(calls), "%s", line + 6);
		else if (strncmp(line, "maildir=", 8) == 0)
			snprintf(maildir, sizeof(maildir), "%s", line + 8);
		else if (strncmp(line, "exit=", 5) == 0)
			code = atoi(line + 5);
	}
	fclose(f);

	msg = slurp(0, &mlen);
	env = slurp(1, &elen);
	if (record[0]) {
		char envtext[65536];
		size_t off = 0;

		put(record, "message", msg, mlen);
		put(record, "envelope", env, elen);
		for (char **e = environ; *e && off < sizeof(envtext) - 1; e++)
			off += (size_t)snprintf(envtext + off,
			    sizeof(envtext) - off, "%s\n", *e);
		put(record, "environ", envtext, off < sizeof(envtext) ? off :
		    sizeof(envtext) - 1);
	}
	if (calls[0]) {
		char name[4096], ename[64];
		int fd = -1;

		/* The first free number, taken with O_EXCL: concurrent calls
		 * never share one. */
		for (unsigned n = 1; fd < 0 && n < 100000; n++) {
			snprintf(name, sizeof(name), "%s/%u.message", calls, n);
			fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0644);
			if (fd < 0 && errno != EEXIST)
				exit(53);
			snprintf(ename, sizeof(ename), "%u.envelope", n);
		}
		if (fd < 0 || write(fd, msg, mlen) != (ssize_t)mlen ||
		    close(fd) != 0)
			exit(53);
		put(calls, ename, env, elen);
	}
	if (maildir[0] && code == 0) {
		char tmp[4096], new[4096], name[256];
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		snprintf(name, sizeof(name), "%lld.%ld_%d.standin",
		    (long long)ts.tv_sec, ts.tv_nsec, (int)getpid());
		snprintf(tmp, sizeof(tmp), "%s/tmp", maildir);
		put(tmp, name, msg, mlen);
		snprintf(tmp, sizeof(tmp), "%s/tmp/%s", maildir, name);
		snprintf(new, sizeof(new), "%s/new/%s", maildir, name);
		if (rename(tmp, new) != 0)
			return 53;
	}
	return code;
}

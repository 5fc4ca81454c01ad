/* scanners: the request/verdict loop; runs in untrusted scanner roles. */
#include <string.h>
#include <unistd.h>

#include "role_runtime.h"
#include "scan_loop.h"

void
scan_send_engine(const char *engine, const char *version,
    const char *database)
{
	struct rec_writer w;

	rec_begin(&w, REC_ENGINE);
	rec_put_str(&w, engine, strlen(engine));
	rec_put_str(&w, version, strlen(version));
	rec_put_str(&w, database, strlen(database));
	role_send(&w, -1);
}

static void
send_verdict(uint32_t part, int result, const char *name)
{
	struct rec_writer w;
	char clean[RECORD_STR_MAX + 1];
	int truncated;
	size_t n = rec_clean_str(name, strnlen(name, SCAN_NAME_MAX), clean,
	    &truncated);

	rec_begin(&w, REC_VERDICT);
	rec_put_u32(&w, part);
	rec_put_u8(&w, (uint8_t)result);
	rec_put_str(&w, clean, n);
	role_send(&w, -1);
}

int
scan_loop_run(const struct scan_backend *b)
{
	static uint8_t buf[RECORD_MAX];
	struct rec_reader r;
	struct rec_writer w;
	uint32_t verdicts = 0, count, part;
	uint64_t size;

	for (;;) {
		char name[SCAN_NAME_MAX];
		int fd, type, result;
		ssize_t n = role_recv(buf, &fd);

		if (n <= 0) {
			role_log("broker closed or sent a bad datagram before "
			    "the end of the work");
			return -1;
		}
		type = rec_open(&r, buf, (size_t)n);
		if (type == REC_SCAN_END) {
			if (fd >= 0)
				close(fd);
			if (rec_get_u32(&r, &count) || rec_end(&r) ||
			    count != verdicts) {
				role_log("bad end of work from the broker");
				return -1;
			}
			break;
		}
		if (type != REC_SCAN || fd < 0 || rec_get_u32(&r, &part) ||
		    rec_get_u64(&r, &size) || rec_end(&r)) {
			if (fd >= 0)
				close(fd);
			role_log("bad request from the broker (type %d)", type);
			return -1;
		}
		name[0] = '\0';
		result = b->scan(b->ctx, part, fd, size, name);
		close(fd);
		name[SCAN_NAME_MAX - 1] = '\0';
		if (result < 0 || result > SCAN_RESULT_MAX) {
			result = SCAN_ERROR;
			strcpy(name, "scanner returned an unknown result");
		}
		send_verdict(part, result, name);
		verdicts++;
	}
	rec_begin(&w, REC_END);
	rec_put_u32(&w, verdicts);
	rec_put_u32(&w, 0);
	role_send(&w, -1);
	return 0;
}

/* broker: the qmail-queue envelope reader; parses hostile bytes, trusted code. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "envelope.h"
#include "exitcodes.h"
#include "qscan_limits.h"

/* One address with its type byte and NUL. */
#define ENVELOPE_ITEM_MAX (ENVELOPE_ADDRESS_MAX + 2)

void
envelope_clear(struct envelope *env)
{
	g_clear_pointer(&env->sender, g_free);
	g_clear_pointer(&env->recipients, g_ptr_array_unref);
	g_clear_pointer(&env->raw, g_byte_array_unref);
}

/* Reads one NUL-terminated address after its type byte at *off. */
static enum envelope_result
envelope_take_address(const uint8_t *buf, size_t len, size_t *off, char **out)
{
	const uint8_t *start = buf + *off, *nul;
	size_t avail = len - *off;

	nul = memchr(start, '\0', avail);
	if (nul == NULL) {
		/* No NUL: too long if it already exceeds the limit. */
		return avail > ENVELOPE_ADDRESS_MAX ?
		    ENVELOPE_ADDRESS_TOO_LONG : ENVELOPE_TRUNCATED;
	}
	if ((size_t)(nul - start) > ENVELOPE_ADDRESS_MAX)
		return ENVELOPE_ADDRESS_TOO_LONG;
	*out = g_strndup((const char *)start, (size_t)(nul - start));
	*off += (size_t)(nul - start) + 1;
	return ENVELOPE_OK;
}

enum envelope_result
envelope_parse(const uint8_t *buf, size_t len, unsigned max_recipients,
    struct envelope *env)
{
	enum envelope_result r;
	size_t off = 0;
	char *addr = NULL;

	memset(env, 0, sizeof(*env));
	if (len == 0)
		return ENVELOPE_TRUNCATED;
	if (buf[0] != 'F')
		return ENVELOPE_FORMAT;
	off = 1;
	if ((r = envelope_take_address(buf, len, &off, &addr)) != ENVELOPE_OK)
		return r;
	env->sender = addr;
	env->recipients = g_ptr_array_new_with_free_func(g_free);

	for (;;) {
		if (off >= len) {
			r = ENVELOPE_TRUNCATED;	/* no final NUL */
			goto fail;
		}
		if (buf[off] == '\0') {
			off++;
			break;
		}
		if (buf[off] != 'T') {
			r = ENVELOPE_FORMAT;
			goto fail;
		}
		off++;
		if ((r = envelope_take_address(buf, len, &off, &addr)) !=
		    ENVELOPE_OK)
			goto fail;
		if (addr[0] == '\0') {
			/* qmail-smtpd never sends an empty recipient. */
			g_free(addr);
			r = ENVELOPE_FORMAT;
			goto fail;
		}
		if (env->recipients->len >= max_recipients) {
			g_free(addr);
			r = ENVELOPE_TOO_MANY_RECIPIENTS;
			goto fail;
		}
		g_ptr_array_add(env->recipients, addr);
	}
	if (off != len || env->recipients->len == 0) {
		r = ENVELOPE_FORMAT;	/* junk after the end, or no recipient */
		goto fail;
	}
	env->raw = g_byte_array_sized_new((guint)len);
	g_byte_array_append(env->raw, buf, (guint)len);
	return ENVELOPE_OK;
fail:
	envelope_clear(env);
	return r;
}

enum envelope_result
envelope_read(int fd, unsigned max_recipients, struct envelope *env)
{
	g_autoptr(GByteArray) buf = g_byte_array_new();
	/* Sender, recipients, final NUL, and one item more so that "too many"
	 * and "too long" are told apart from a merely large envelope. */
	size_t cap = ((size_t)max_recipients + 2) * ENVELOPE_ITEM_MAX + 1;
	uint8_t chunk[16384];

	memset(env, 0, sizeof(*env));
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ENVELOPE_READ_ERROR;
		if (n == 0)
			break;
		if (buf->len + (size_t)n > cap) {
			/* Stop reading; decide from what fits. */
			g_byte_array_append(buf, chunk, (guint)(cap - buf->len));
			break;
		}
		g_byte_array_append(buf, chunk, (guint)n);
	}
	return envelope_parse(buf->data, buf->len, max_recipients, env);
}

int
envelope_exit_code(enum envelope_result r)
{
	switch (r) {
	case ENVELOPE_OK:			return QQ_OK;
	case ENVELOPE_ADDRESS_TOO_LONG:		return QQ_PERM_ADDRESS_TOO_LONG;
	case ENVELOPE_TRUNCATED:
	case ENVELOPE_READ_ERROR:		return QQ_TEMP_READ_ERROR;
	case ENVELOPE_FORMAT:
	case ENVELOPE_TOO_MANY_RECIPIENTS:
	default:				return QQ_TEMP_ENVELOPE_FORMAT;
	}
}

const char *
envelope_result_name(enum envelope_result r)
{
	switch (r) {
	case ENVELOPE_OK:			return "ok";
	case ENVELOPE_FORMAT:			return "format error";
	case ENVELOPE_TRUNCATED:		return "ends early";
	case ENVELOPE_READ_ERROR:		return "read error";
	case ENVELOPE_ADDRESS_TOO_LONG:		return "address too long";
	case ENVELOPE_TOO_MANY_RECIPIENTS:	return "too many recipients";
	default:				return "unknown";
	}
}

/* broker: renaming repeated top-level MIME headers; parses hostile
 * bytes, bounded by its caller (HEADER_RENAME_SCAN_MAX). */
#include <string.h>

#include "header_rename.h"

static const char *const mime_names[] = {
	"MIME-Version", "Content-Type", "Content-Transfer-Encoding",
	"Content-Disposition",
};
#define N_MIME (sizeof(mime_names) / sizeof(mime_names[0]))

static int
mime_index(const char *name, size_t len)
{
	for (unsigned i = 0; i < N_MIME; i++)
		if (strlen(mime_names[i]) == len &&
		    g_ascii_strncasecmp(name, mime_names[i], len) == 0)
			return (int)i;
	return -1;
}

int
header_rename_is_mime(const char *name, size_t len)
{
	return mime_index(name, len) >= 0;
}

int
header_rename_repeated(const uint8_t *buf, size_t len, int truncated,
    const char *prefix, GByteArray *out, size_t *consumed,
    unsigned *renamed)
{
	g_autoptr(GByteArray) block = g_byte_array_new();
	unsigned seen[N_MIME] = { 0 };
	size_t pos = 0;

	*consumed = 0;
	*renamed = 0;
	while (pos < len) {
		const uint8_t *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) + 1 : len;
		size_t n = 0;
		int idx;

		if (nl == NULL && truncated)
			return -1;	/* a line cut by our own bound */
		/* The empty line ("\n" or "\r\n") ends the block; it and
		 * the body follow unchanged. */
		if (buf[pos] == '\n' || (buf[pos] == '\r' && end - pos == 2 &&
		    nl != NULL))
			break;
		/* A field's name: bytes up to ':' at the start of a line
		 * (not a continuation), trailing blanks before ':' allowed
		 * as RFC 5322's obsolete syntax does. */
		if (buf[pos] != ' ' && buf[pos] != '\t') {
			while (pos + n < end && buf[pos + n] != ':' &&
			    buf[pos + n] > ' ' && buf[pos + n] < 0x7f)
				n++;
			{
				size_t k = n;

				while (pos + k < end && (buf[pos + k] == ' ' ||
				    buf[pos + k] == '\t'))
					k++;
				if (pos + k >= end || buf[pos + k] != ':')
					n = 0;
			}
		}
		idx = n > 0 ? mime_index((const char *)buf + pos, n) : -1;
		if (idx >= 0 && seen[idx]++ > 0) {
			g_byte_array_append(block, (const guint8 *)prefix,
			    (guint)strlen(prefix));
			g_byte_array_append(block, (const guint8 *)"-Renamed-",
			    9);
			(*renamed)++;
		}
		g_byte_array_append(block, buf + pos, (guint)(end - pos));
		pos = end;
	}
	if (pos >= len && truncated)
		return -1;
	g_byte_array_append(out, block->data, block->len);
	*consumed = pos;
	return 0;
}

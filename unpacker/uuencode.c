/* unpacker: uuencoded block finder and decoder; runs in role unpack,
 * untrusted, after the final filter. */
#include <string.h>

#include "uuencode.h"

/* A line is [start, end) without its LF; *next is where the one after
 * begins.  A trailing CR is dropped: bodies come with either ending. */
static size_t
uu_line(const uint8_t *buf, size_t len, size_t start, size_t *next)
{
	const uint8_t *nl = memchr(buf + start, '\n', len - start);
	size_t end = nl != NULL ? (size_t)(nl - buf) : len;

	*next = nl != NULL ? end + 1 : len;
	if (end > start && buf[end - 1] == '\r')
		end--;
	return end;
}

static int
uu_is_blank(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* "end", alone on its line apart from trailing blanks. */
static int
uu_is_end_line(const uint8_t *s, size_t n)
{
	while (n > 0 && uu_is_blank(s[n - 1]))
		n--;
	return n == 3 && memcmp(s, "end", 3) == 0;
}

/* Parses "begin MODE NAME"; MODE is 1 to 6 octal digits (uudecode takes
 * "begin 100644 x" too: a block a client decodes must not be skipped). */
static int
uu_parse_begin(const uint8_t *s, size_t n, struct uu_block *blk)
{
	size_t i = 5, digits = 0;
	unsigned mode = 0;

	if (n < 5 || memcmp(s, "begin", 5) != 0)
		return 0;
	if (i >= n || (s[i] != ' ' && s[i] != '\t'))
		return 0;	/* also rejects "begin-base64" */
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	while (i < n && s[i] >= '0' && s[i] <= '7' && digits < 7) {
		mode = mode * 8 + (unsigned)(s[i] - '0');
		digits++;
		i++;
	}
	if (digits == 0 || digits > 6 || i >= n || (s[i] != ' ' && s[i] != '\t'))
		return 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	while (n > i && uu_is_blank(s[n - 1]))
		n--;
	if (i >= n)
		return 0;	/* a begin line must name its file */
	blk->mode = mode;
	blk->name = s + i;
	blk->name_len = n - i;
	return 1;
}

/* Encoded characters are ' ' .. '`' (32 .. 96); '`' stands for 0. */
static int
uu_char_ok(uint8_t c)
{
	return c >= 32 && c <= 96;
}

static unsigned
uu_val(uint8_t c)
{
	return (unsigned)(c - 32) & 63u;
}

/* Checks one data line; returns its byte count (0 for the terminator
 * line) or -1 when it is not a uuencoded line.  Lines whose trailing
 * zero characters were stripped in transit are accepted as long as every
 * byte they claim is at least partly present. */
static int
uu_data_line(const uint8_t *s, size_t n)
{
	size_t need_min, have;
	unsigned count;

	if (n == 0)
		return 0;
	if (!uu_char_ok(s[0]))
		return -1;
	count = uu_val(s[0]);
	if (count == 0)
		return 0;
	have = n - 1;
	for (size_t i = 1; i < n; i++)
		if (!uu_char_ok(s[i]))
			return -1;
	need_min = ((size_t)count * 4 + 2) / 3;
	if (have < need_min)
		return -1;
	return (int)count;
}

enum uu_result
uu_next_block(const uint8_t *buf, size_t len, size_t *pos,
    struct uu_block *blk)
{
	size_t at = *pos, next, end;

	memset(blk, 0, sizeof(*blk));
	if (at > len)
		at = len;
	/* Begin lines count only at the start of a line. */
	if (at > 0 && buf[at - 1] != '\n') {
		const uint8_t *nl = memchr(buf + at, '\n', len - at);

		at = nl != NULL ? (size_t)(nl - buf) + 1 : len;
	}
	for (; at < len; at = next) {
		size_t line, decoded = 0;
		int done = 0;

		end = uu_line(buf, len, at, &next);
		if (!uu_parse_begin(buf + at, end - at, blk))
			continue;
		blk->begin = at;
		blk->body = next;
		blk->body_end = next;
		/* Data lines, then an optional terminator line, then "end". */
		for (line = next; line < len && !done; line = next) {
			int count;

			end = uu_line(buf, len, line, &next);
			if (uu_is_end_line(buf + line, end - line)) {
				done = 1;
				break;
			}
			count = uu_data_line(buf + line, end - line);
			if (count < 0)
				break;
			if (count == 0) {
				/* Terminator: blank lines may follow, then end. */
				for (line = next; line < len; line = next) {
					end = uu_line(buf, len, line, &next);
					if (end == line)
						continue;
					done = uu_is_end_line(buf + line,
					    end - line);
					break;
				}
				break;
			}
			decoded += (size_t)count;
			blk->body_end = next;
		}
		if (!done) {
			/* Resume right after the begin line: a later block
			 * may still be valid. */
			blk->next = blk->body;
			blk->body_end = blk->body;
			*pos = blk->next;
			return UU_BAD;
		}
		blk->decoded_len = decoded;
		blk->next = next;
		*pos = next;
		return UU_BLOCK;
	}
	*pos = len;
	memset(blk, 0, sizeof(*blk));
	return UU_NONE;
}

size_t
uu_decode_block(const uint8_t *buf, size_t len,
    const struct uu_block *blk, uint8_t *out, size_t out_cap)
{
	size_t at, next, o = 0;

	if (blk->decoded_len > out_cap || blk->body_end > len ||
	    blk->body > blk->body_end)
		return 0;
	for (at = blk->body; at < blk->body_end; at = next) {
		size_t end = uu_line(buf, len, at, &next);
		const uint8_t *s = buf + at;
		size_t n = end - at;
		int count = uu_data_line(s, n);

		if (count <= 0)
			return 0;	/* not the block uu_next_block found */
		/* Groups of four characters give three bytes; characters
		 * missing at the end of the line count as zero. */
		for (size_t i = 1, left = (size_t)count; left > 0; i += 4) {
			unsigned v[4];

			for (size_t k = 0; k < 4; k++)
				v[k] = i + k < n ? uu_val(s[i + k]) : 0;
			uint8_t b[3] = {
				(uint8_t)(v[0] << 2 | v[1] >> 4),
				(uint8_t)((v[1] & 0x0f) << 4 | v[2] >> 2),
				(uint8_t)((v[2] & 0x03) << 6 | v[3]),
			};
			for (size_t k = 0; k < 3 && left > 0; k++, left--) {
				if (o >= blk->decoded_len)
					return 0;
				out[o++] = b[k];
			}
		}
	}
	return o == blk->decoded_len ? o : 0;
}

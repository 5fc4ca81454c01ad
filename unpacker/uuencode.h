/* unpacker: uuencoded blocks inside decoded text bodies; runs in role
 * unpack, untrusted, after the final filter.
 *
 * Pure functions over a caller's buffer: no allocation, no I/O.  A block
 * is a "begin MODE NAME" line at the start of a line, encoded lines, and
 * an "end" line.  Finding a block validates its whole body and computes
 * the exact decoded length first, so the caller allocates once, exactly,
 * and the decoder can never write past what it was told. */
#ifndef QSCAN_UUENCODE_H
#define QSCAN_UUENCODE_H

#include <stddef.h>
#include <stdint.h>

enum uu_result {
	UU_NONE = 0,	/* no further begin line in the buffer */
	UU_BLOCK = 1,	/* a valid block; *blk describes it */
	UU_BAD = 2,	/* a begin line whose body or end line is invalid */
};

struct uu_block {
	size_t begin;		/* offset of the begin line */
	size_t body;		/* offset of the first encoded line */
	size_t body_end;	/* offset just past the last encoded line */
	size_t next;		/* where the next search starts */
	unsigned mode;		/* octal permission bits from the begin line */
	const uint8_t *name;	/* into the buffer; not NUL-terminated */
	size_t name_len;	/* > 0 for UU_BLOCK and UU_BAD */
	size_t decoded_len;	/* exact output size of uu_decode_block */
};

/* Looks for the next begin line at or after *pos in buf[0..len).  Returns
 * UU_BLOCK with *blk filled, UU_BAD with blk->begin, name and next filled
 * (the search resumes after the begin line), or UU_NONE.  *pos is set to
 * blk->next (or len for UU_NONE) so a loop always advances. */
enum uu_result uu_next_block(const uint8_t *buf, size_t len, size_t *pos,
    struct uu_block *blk);

/* Decodes a block found by uu_next_block over the same buffer into out,
 * which has room for out_cap bytes.  Returns the number of bytes written:
 * blk->decoded_len, or 0 when out_cap is smaller than that. */
size_t uu_decode_block(const uint8_t *buf, size_t len,
    const struct uu_block *blk, uint8_t *out, size_t out_cap);

#endif

/* unpacker: what tnef.c (the attribute stream) and tnef_props.c (the
 * MAPI property lists inside attAttachment) share; not for other
 * modules, whose interface is tnef.h. */
#ifndef QSCAN_TNEF_INTERNAL_H
#define QSCAN_TNEF_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "tnef.h"

/* A MAPI GUID, as stored ([MS-OXCDATA] 2.5.1). */
#define MAPI_GUID_LEN		16

/* A name as found: 8-bit bytes in the input, or UTF-16LE in the input;
 * converted only when the attachment is reported. */
struct tnef_str {
	const uint8_t *p;
	size_t len;
	int utf16;
};

/* One data source of an attachment: attAttachData or a
 * PR_ATTACH_DATA_OBJ value (PR_ATTACH_DATA_BIN is the same property id). */
struct tnef_src {
	const uint8_t *p;
	size_t len;
	enum tnef_data_source kind;
	int embedded_message;	/* IID_IMessage and a TNEF signature */
	int binary;		/* a PT_BINARY PR_ATTACH_DATA_OBJ */
};

/* libytnef (ytnef, Evolution's TNEF plugin) opens a PT_BINARY
 * PR_ATTACH_DATA_OBJ, when attAttachData is there too, as if it were a
 * PT_OBJECT: without its first 16 bytes.  Those bytes are then a file a
 * client opens, and scanners that type a file by its first bytes would
 * not see it in the whole value. */
#define TNEF_YTNEF_SKIP		MAPI_GUID_LEN

/* The attachment being built.  Only the first data of each kind is kept:
 * when there are more, they are found again in its attributes as it is
 * reported, so no number of them needs more room here. */
struct tnef_att {
	int open;
	size_t start, end;	/* its attributes lie in buf[start..end) */
	struct tnef_str title, long_name, short_name;
	struct tnef_src attr;	/* the first attAttachData */
	struct tnef_src obj;	/* the first PR_ATTACH_DATA_OBJ */
	uint32_t n_attr, n_obj;
	uint32_t n_shifted;	/* PT_BINARY ones of TNEF_YTNEF_SKIP bytes
				   or more */
};

/* Little-endian fields, p holding at least their width. */
static inline uint32_t
tnef_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static inline uint16_t
tnef_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* Reads one MAPI property value list p[0..len): fills att's names and
 * hands every PR_ATTACH_DATA_OBJ value to on_data (arg passed along;
 * src valid during the call).  Returns 0, or -1 when the properties are
 * malformed (what was read before stays). */
int tnef_read_props(const uint8_t *p, size_t len, struct tnef_att *att,
    void (*on_data)(void *arg, const struct tnef_src *src), void *arg);

#endif

/* unpacker: TNEF's MAPI property lists ([MS-OXCDATA] 2.11,
 * [MS-OXTNEF] 2.1.3.4), the body of an attAttachment attribute: the
 * attachment's file names and its PR_ATTACH_DATA_OBJ values; runs in
 * role unpack, untrusted.  The attribute stream is tnef.c. */
#include <string.h>

#include "tnef.h"
#include "tnef_internal.h"

/* MAPI property types ([MS-OXCDATA] 2.11.1). */
#define PT_UNSPECIFIED		0x0000u
#define PT_NULL			0x0001u
#define PT_SHORT		0x0002u
#define PT_LONG			0x0003u
#define PT_FLOAT		0x0004u
#define PT_DOUBLE		0x0005u
#define PT_CURRENCY		0x0006u
#define PT_APPTIME		0x0007u
#define PT_ERROR		0x000Au
#define PT_BOOLEAN		0x000Bu
#define PT_OBJECT		0x000Du
#define PT_I8			0x0014u
#define PT_STRING8		0x001Eu
#define PT_UNICODE		0x001Fu
#define PT_SYSTIME		0x0040u
#define PT_CLSID		0x0048u
#define PT_BINARY		0x0102u
#define PT_MV_FLAG		0x1000u

/* Property ids we read. */
#define PR_ATTACH_DATA_OBJ	0x3701u
#define PR_ATTACH_FILENAME	0x3704u
#define PR_ATTACH_LONG_FILENAME	0x3707u
/* Ids from here up are named properties: a GUID and a name follow. */
#define PR_NAMED_FIRST		0x8000u
#define MNID_ID			0
#define MNID_STRING		1
#define MAPI_PAD		4

/* IID_IMessage, {00020307-0000-0000-C000-000000000046}, as stored. */
static const uint8_t tnef_iid_imessage[MAPI_GUID_LEN] = {
	0x07, 0x03, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46,
};

/* Skips a named property's GUID and name, which follow its type and id.
 * Returns 0, or -1 when they run past the end. */
static int
tnef_skip_prop_name(const uint8_t *p, size_t len, size_t *at)
{
	uint32_t kind;

	if (len - *at < MAPI_GUID_LEN + 4)
		return -1;
	*at += MAPI_GUID_LEN;
	kind = tnef_le32(p + *at);
	*at += 4;
	if (kind == MNID_ID) {
		if (len - *at < 4)
			return -1;
		*at += 4;
		return 0;
	}
	if (kind == MNID_STRING) {
		size_t nlen;

		if (len - *at < 4)
			return -1;
		nlen = tnef_le32(p + *at);
		*at += 4;
		if (nlen > len - *at)
			return -1;
		*at += nlen;
		*at += (MAPI_PAD - nlen % MAPI_PAD) % MAPI_PAD;
		if (*at > len)
			*at = len;
		return 0;
	}
	return -1;
}

/* The size of one value of type base: the fixed size, 0 for the counted
 * types (strings, binary, objects), -1 for a type with no size to skip
 * by (the rest of the list is then unreadable). */
static int
tnef_value_size(uint16_t base)
{
	switch (base) {
	case PT_SHORT:
	case PT_LONG:
	case PT_FLOAT:
	case PT_ERROR:
	case PT_BOOLEAN:
		return 4;	/* 2-byte values are padded */
	case PT_DOUBLE:
	case PT_CURRENCY:
	case PT_APPTIME:
	case PT_I8:
	case PT_SYSTIME:
		return 8;
	case PT_CLSID:
		return MAPI_GUID_LEN;
	case PT_STRING8:
	case PT_UNICODE:
	case PT_BINARY:
	case PT_OBJECT:
		return 0;
	case PT_UNSPECIFIED:
	case PT_NULL:
	default:
		return -1;
	}
}

/* Reads one counted value at *at (its length, its bytes, their padding)
 * into *val and *vlen.  Returns 0, or -1 when it runs past the end. */
static int
tnef_counted_value(const uint8_t *p, size_t len, size_t *at,
    const uint8_t **val, size_t *vlen)
{
	if (len - *at < 4)
		return -1;
	*vlen = tnef_le32(p + *at);
	*at += 4;
	if (*vlen > len - *at)
		return -1;
	*val = p + *at;
	*at += *vlen;
	/* The last value's padding may be missing. */
	*at += (MAPI_PAD - *vlen % MAPI_PAD) % MAPI_PAD;
	if (*at > len)
		*at = len;
	return 0;
}

/* Keeps what the single value of property id says about the attachment:
 * a file name in att, or data handed to on_data.  Returns 0, or -1 for
 * a PT_OBJECT too short for its interface id. */
static int
tnef_note_prop(uint16_t id, uint16_t base, const uint8_t *val, size_t vlen,
    struct tnef_att *att,
    void (*on_data)(void *arg, const struct tnef_src *src), void *arg)
{
	if ((id == PR_ATTACH_LONG_FILENAME || id == PR_ATTACH_FILENAME) &&
	    (base == PT_STRING8 || base == PT_UNICODE)) {
		struct tnef_str *s = id == PR_ATTACH_LONG_FILENAME ?
		    &att->long_name : &att->short_name;

		s->p = val;
		s->len = vlen;
		s->utf16 = base == PT_UNICODE;
	} else if (id == PR_ATTACH_DATA_OBJ &&
	    (base == PT_BINARY || base == PT_OBJECT)) {
		struct tnef_src src = { .p = val, .len = vlen,
		    .kind = TNEF_DATA_OBJECT };
		int imessage = 0;

		if (base == PT_OBJECT) {
			/* An interface id leads the bytes. */
			if (vlen < MAPI_GUID_LEN)
				return -1;
			imessage = memcmp(val, tnef_iid_imessage,
			    MAPI_GUID_LEN) == 0;
			src.p = val + MAPI_GUID_LEN;
			src.len = vlen - MAPI_GUID_LEN;
		}
		src.embedded_message = imessage &&
		    tnef_is_tnef(src.p, src.len);
		src.binary = base == PT_BINARY;
		on_data(arg, &src);
	}
	return 0;
}

/* Reads the property at *at: its tag, the name of a named one, its
 * values; the single value of a property we read goes to
 * tnef_note_prop.  Returns 0, or -1 when it is malformed. */
static int
tnef_read_prop(const uint8_t *p, size_t len, size_t *at,
    struct tnef_att *att,
    void (*on_data)(void *arg, const struct tnef_src *src), void *arg)
{
	uint16_t type, id, base;
	uint32_t nvals = 1;

	if (len - *at < 4)
		return -1;
	type = tnef_le16(p + *at);
	id = tnef_le16(p + *at + 2);
	*at += 4;
	if (id >= PR_NAMED_FIRST && tnef_skip_prop_name(p, len, at) != 0)
		return -1;
	base = type & (uint16_t)~PT_MV_FLAG;
	if ((type & PT_MV_FLAG) || base == PT_STRING8 ||
	    base == PT_UNICODE || base == PT_BINARY || base == PT_OBJECT) {
		if (len - *at < 4)
			return -1;
		nvals = tnef_le32(p + *at);
		*at += 4;
		if (nvals > (len - *at) / 4 + 1)
			return -1;
	}
	for (uint32_t v = 0; v < nvals; v++) {
		int fixed = tnef_value_size(base);
		const uint8_t *val;
		size_t vlen;

		if (fixed < 0)
			return -1;
		if (fixed > 0) {
			if (len - *at < (size_t)fixed)
				return -1;
			*at += (size_t)fixed;
			continue;
		}
		if (tnef_counted_value(p, len, at, &val, &vlen) != 0)
			return -1;
		if (v != 0 || (type & PT_MV_FLAG))
			continue;
		if (tnef_note_prop(id, base, val, vlen, att, on_data,
		    arg) != 0)
			return -1;
	}
	return 0;
}

int
tnef_read_props(const uint8_t *p, size_t len, struct tnef_att *att,
    void (*on_data)(void *arg, const struct tnef_src *src), void *arg)
{
	size_t at = 0;
	uint32_t count;

	if (len < 4)
		return -1;
	count = tnef_le32(p);
	at = 4;
	/* Every property takes at least 4 bytes: a count beyond that is a
	 * lie, caught before the loop rather than after 4 G rounds. */
	if (count > (len - at) / 4)
		return -1;
	for (uint32_t i = 0; i < count; i++)
		if (tnef_read_prop(p, len, &at, att, on_data, arg) != 0)
			return -1;
	return 0;
}

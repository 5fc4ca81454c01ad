/* common: the zygote protocol's encoder and its strict decoder; runs in
 * the zygotes (on requests from workers) and in the service (on what a
 * zygote, untrusted, says). */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "zygote_proto.h"

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)get16(p) | (uint32_t)get16(p + 2) << 16;
}

/* The body length of each type. */
static size_t
body_len(unsigned type)
{
	switch (type) {
	case ZYG_REQUEST:	return 4;
	case ZYG_FORKED:	return 4;
	case ZYG_EXITED:	return 8;
	case ZYG_READY:		return 6;
	case ZYG_RETIRING:	return 3;
	case ZYG_RETIRE:	return 0;
	case ZYG_SERVE:		return 0;
	case ZYG_CANARY:	return 0;
	default:		return (size_t)-1;
	}
}

unsigned
zyg_fd_count(unsigned fds)
{
	unsigned n = 0;

	for (unsigned b = fds & ZYG_FDS_KNOWN; b != 0; b &= b - 1)
		n++;
	return n;
}

size_t
zyg_encode(const struct zyg_msg *m, uint8_t *buf)
{
	uint8_t *b = buf + ZYG_HEADER_LEN;

	memset(buf, 0, ZYG_MSG_MAX);
	put32(buf, ZYG_MAGIC);
	put16(buf + 4, ZYG_VERSION);
	put16(buf + 6, (uint16_t)m->type);
	switch (m->type) {
	case ZYG_REQUEST:
		put16(b, (uint16_t)m->role);
		b[2] = (uint8_t)m->kind;
		b[3] = (uint8_t)m->fds;
		break;
	case ZYG_FORKED:
		put32(b, m->serial);
		break;
	case ZYG_EXITED:
		put32(b, m->exit_code);
		put32(b + 4, m->exit_status);
		break;
	case ZYG_READY:
		put16(b, (uint16_t)m->role);
		put32(b + 2, m->max_children);
		break;
	case ZYG_RETIRING:
		put16(b, (uint16_t)m->role);
		b[2] = (uint8_t)m->why;
		break;
	default:
		break;
	}
	return ZYG_HEADER_LEN + (body_len(m->type) == (size_t)-1 ? 0 :
	    body_len(m->type));
}

static int
refuse(const char **why, const char *text)
{
	*why = text;
	return -1;
}

/* A role a zygote can be (every role but the canary, exec-only). */
static int
warm_role(unsigned role)
{
	return role == ROLE_UNPACK || role == ROLE_CLAMAV || role == ROLE_CLAMD ||
	    role == ROLE_MHR || role == ROLE_SPAMD;
}

static int
decode_exited(struct zyg_msg *m, const char **why)
{
	switch (m->exit_code) {
	case CLD_EXITED:
		if (m->exit_status > 255)
			return refuse(why, "exit status over 255");
		return 0;
	case CLD_KILLED:
	case CLD_DUMPED:
		if (m->exit_status < 1 || m->exit_status > 64)
			return refuse(why, "no such signal");
		return 0;
	default:
		return refuse(why, "not an ending (exit_code)");
	}
}

int
zyg_decode(const uint8_t *buf, size_t len, unsigned ndesc,
    struct zyg_msg *m, const char **why)
{
	const uint8_t *b = buf + ZYG_HEADER_LEN;
	unsigned type;

	memset(m, 0, sizeof(*m));
	if (len < ZYG_HEADER_LEN)
		return refuse(why, "shorter than a header");
	if (get32(buf) != ZYG_MAGIC)
		return refuse(why, "wrong magic");
	if (get16(buf + 4) != ZYG_VERSION)
		return refuse(why, "wrong protocol version");
	type = get16(buf + 6);
	if (type == 0 || type > ZYG_TYPE_MAX)
		return refuse(why, "unknown message type");
	if (len != ZYG_HEADER_LEN + body_len(type))
		return refuse(why, "wrong length for its type");
	m->type = (enum zyg_type)type;
	switch (type) {
	case ZYG_REQUEST:
		m->role = (enum role_id)get16(b);
		m->kind = (enum zyg_kind)b[2];
		m->fds = b[3];
		if (!warm_role(m->role))
			return refuse(why, "request for a role no zygote is");
		if (m->kind < ZYG_KIND_ROLE || m->kind > ZYG_KIND_MAX)
			return refuse(why, "unknown request kind");
		if (m->fds & ~ZYG_FDS_KNOWN)
			return refuse(why, "unknown descriptor bits");
		if ((m->fds & (ZYG_FD_RECORDS | ZYG_FD_LOG)) !=
		    (ZYG_FD_RECORDS | ZYG_FD_LOG))
			return refuse(why, "request without records or log");
		if (m->kind != ZYG_KIND_ROLE &&
		    (m->fds & (ZYG_FD_MESSAGE | ZYG_FD_PEER)))
			return refuse(why, "a canary takes no message or peer");
		if (ndesc != zyg_fd_count(m->fds))
			return refuse(why, "descriptors do not match the bits");
		return 0;
	case ZYG_FORKED:
		m->serial = get32(b);
		if (m->serial == 0)
			return refuse(why, "child serial 0");
		if (ndesc != 1)
			return refuse(why, "forked without the child's pidfd");
		return 0;
	case ZYG_CANARY:
		if (ndesc != 1)
			return refuse(why, "a canary without its connection");
		return 0;
	default:
		break;
	}
	if (ndesc != 0)
		return refuse(why, "a descriptor where none belongs");
	switch (type) {
	case ZYG_EXITED:
		m->exit_code = get32(b);
		m->exit_status = get32(b + 4);
		return decode_exited(m, why);
	case ZYG_READY:
		m->role = (enum role_id)get16(b);
		m->max_children = get32(b + 2);
		if (!warm_role(m->role))
			return refuse(why, "ready for a role no zygote is");
		if (m->max_children == 0)
			return refuse(why, "ready for no child at all");
		return 0;
	case ZYG_RETIRING:
		m->role = (enum role_id)get16(b);
		m->why = (enum zyg_retire_why)b[2];
		if (!warm_role(m->role))
			return refuse(why, "retiring for a role no zygote is");
		if (m->why < 1 || m->why > ZYG_RETIRE_WHY_MAX)
			return refuse(why, "retiring for no known reason");
		return 0;
	default:		/* ZYG_RETIRE, ZYG_SERVE */
		return 0;
	}
}

const char *
zyg_retire_why_name(enum zyg_retire_why why)
{
	switch (why) {
	case ZYG_RETIRE_MAX_CHILDREN:	return "max children reached";
	case ZYG_RETIRE_CRASH:		return "a child crashed";
	case ZYG_RETIRE_TOLD:		return "told to";
	default:			return "?";
	}
}

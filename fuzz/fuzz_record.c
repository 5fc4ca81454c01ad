/* fuzz: the broker's record decoders (broker/unpack_facts.c, record.c,
 * canary_report.c).  Input: a sequence of datagrams, each a little-endian
 * u16 length then that many bytes, fed in order as the unpack role would
 * send them, and the same sequence as the canary would.  A REC_CONTENT
 * datagram comes with a sealed memfd of the size it declares, as the
 * role sends it: without one no stream past its first leaf part could be
 * accepted, and the fuzzer would never reach what follows. */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "canary_report.h"
#include "facts.h"
#include "part_order.h"
#include "harness_outcome.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Bigger declared sizes get no descriptor (the fuzzer gains nothing
 * from them, sparse as they are): that is how a seed sends a content
 * record without one (corpus/record/bad-content-without-fd). */
#define FUZZ_CONTENT_MAX (1u << 20)
/* Descriptors per input, well under RLIMIT_NOFILE: the decoder keeps
 * every accepted one until the facts are cleared. */
#define FUZZ_CONTENT_FDS_MAX 64

/* The sealed memfd a role would pass with this datagram, or -1. */
static int
fuzz_content_fd(const uint8_t *d, size_t len, unsigned *given)
{
	uint64_t size = 0;
	int fd;

	/* u16 type, u16 flags, u32 length; then u32 part, u64 size */
	if (len != RECORD_HEADER_LEN + 12 || (d[0] | d[1] << 8) != REC_CONTENT)
		return -1;
	for (int i = 7; i >= 0; i--)
		size = size << 8 | d[RECORD_HEADER_LEN + 4 + i];
	if (size > FUZZ_CONTENT_MAX || *given >= FUZZ_CONTENT_FDS_MAX)
		return -1;
	(*given)++;
	fd = memfd_create("fuzz-content", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		abort();	/* ours, not the input's */
	if (ftruncate(fd, (off_t)size) != 0 || fcntl(fd, F_ADD_SEALS,
	    F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) != 0)
		abort();
	return fd;
}

/* The canary's decoder on the same datagrams: a refusal says why, and a
 * report is taken only after the hello.  Returns 1 when it took a whole
 * stream whose report passes the checks. */
static int
fuzz_canary(const uint8_t *data, size_t size)
{
	struct canary_decoder dec;
	/* As the spawner starts it: a uid of its own, pid 1 of its own
	 * pid namespace. */
	struct canary_expect e = { .uid = 1000, .gid = 1000,
	    .broker_uid = 999, .own_uid = 1, .own_pid_ns = 1 };
	char why[192];
	size_t off = 0;

	canary_decoder_init(&dec);
	while (size - off >= 2) {
		size_t len = data[off] | (size_t)data[off + 1] << 8;

		off += 2;
		if (len > size - off)
			len = size - off;
		if (canary_decoder_feed(&dec, data + off, len, -1) != 0) {
			if (dec.error[0] == '\0')
				abort();
			return 0;
		}
		if (dec.have_report && !dec.hello)
			abort();
		off += len;
	}
	if (!canary_decoder_done(&dec))
		return 0;
	if (canary_report_check(&dec.report, &e, why, sizeof(why)) != 0) {
		if (why[0] == '\0')
			abort();
		return 0;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct message_facts facts;
	struct unpack_decoder dec;
	size_t off = 0;
	int refused = 0, unpack_ok, canary_ok;
	unsigned fds_given = 0;

	message_facts_init(&facts);
	unpack_decoder_init(&dec, &facts, 1000, 1u << 30);
	while (size - off >= 2) {
		size_t len = data[off] | (size_t)data[off + 1] << 8;

		off += 2;
		if (len > size - off)
			len = size - off;
		/* The decoder owns the descriptor, whatever it answers. */
		if (unpack_decoder_feed(&dec, data + off, len,
		    fuzz_content_fd(data + off, len, &fds_given)) != 0) {
			if (dec.error[0] == '\0')
				abort();	/* a refusal always says why */
			refused = 1;
			break;
		}
		off += len;
	}
	/* Invariants of whatever was accepted. */
	for (guint i = 0; i < facts.parts->len; i++) {
		struct part_fact *p = facts.parts->pdata[i];

		if (p->index != i || (p->parent != REC_NO_PARENT &&
		    p->parent >= i))
			abort();
		/* A content descriptor only on a part that carries bytes,
		 * and on every such part of a whole stream. */
		if (p->content_fd >= 0 ? !part_kind_has_content(p->kind) :
		    !refused && unpack_decoder_done(&dec) &&
		    part_kind_has_content(p->kind))
			abort();
	}
	/* Accepted: a whole stream, by either decoder (a seed is written
	 * for one of them; the other refuses its hello). */
	unpack_ok = !refused && unpack_decoder_done(&dec);
	message_facts_clear(&facts);
	canary_ok = fuzz_canary(data, size);
	harness_outcome_report(unpack_ok || canary_ok);
	return 0;
}

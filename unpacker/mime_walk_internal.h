/* unpacker: the MIME walk's private shapes, shared by its three files
 * only: mime_walk.c (the tree walk and the order of what it reports),
 * mime_containers.c (archives, TNEF and uuencode inside a part's bytes)
 * and mime_headers.c (header and filename facts and their checks).
 * Runs in role unpack, untrusted, after the final filter, and in the
 * fuzzer.  The contract is mime_walk.h; nothing here is seen outside. */
#ifndef QSCAN_MIME_WALK_INTERNAL_H
#define QSCAN_MIME_WALK_INTERNAL_H

#include <gmime/gmime.h>

#include "format_checks.h"
#include "mime_walk.h"

/* Our own anomaly details are short sentences; hostile text is cut. */
#define WALK_DETAIL_MAX		256

enum walk_str {
	WS_PATH = 0,
	WS_TYPE,
	WS_CHARSET,
	WS_ENCODING,
	WS_COUNT,
};

struct walk {
	const struct walk_limits *lim;
	const struct walk_sink *sink;
	void *ctx;
	struct walk_stats st;
	GString *path;		/* path of the part being reported */
	int stop;		/* a limit that ends the walk: report no more */
	int fatal;		/* out of memory in a container walk */
	int said_depth, said_parts, said_decoded;
	/* Container limits, for the whole message: each said once. */
	int said_arc_depth, said_arc_members, said_expanded, said_ratio;
	int said_anomalies;
	uint64_t arc_members;	/* archive members and TNEF attachments */
	uint64_t arc_expanded;	/* bytes read out of archives */
	/* A cut string of the part being reported waits until its content
	 * is out: a part's first records are always PART, its FILENAMEs,
	 * its CONTENT (common/part_order.h).  Only the first cut field is
	 * named. */
	const char *cut_what;
	unsigned n_cut;
	uint64_t part_anomalies;	/* against the budget in mime_walk.c */
	/* Cleaned strings of the part being reported (not re-entrant: one
	 * part is reported at a time, children only after it is done). */
	char str[WS_COUNT][RECORD_STR_MAX + 1];
	char name[RECORD_STR_MAX + 1];
	/* The bytes GMime is parsing (the message, or an encoded message's
	 * decoded bytes): header offsets point into them. */
	const uint8_t *buf;
	size_t buflen;
	GMimeMessage *top;	/* the top-level message */
};

/* ---- reporting, in mime_walk.c --------------------------------------- */

/* A message-wide anomaly (or one outside the part budget): always said,
 * unless its check is switched off.  detail is cut at WALK_DETAIL_MAX. */
void walk_anomaly(struct walk *w, uint32_t part, enum anomaly_code code,
    const char *detail);

/* An anomaly about one part, within the walk's part budget. */
void walk_part_anomaly(struct walk *w, uint32_t part, enum anomaly_code code,
    const char *detail);

/* Each finding of f, as walk_part_anomaly. */
void walk_report_findings(struct walk *w, uint32_t part,
    const struct fc_findings *f);

/* Notes a cut field of the part being reported; walk_flush_cut says it,
 * once per part, after the part's content. */
void walk_pend_cut(struct walk *w, const char *what);
void walk_flush_cut(struct walk *w, uint32_t part);

/* rec_clean_str cut at `max` bytes, back to the start of a UTF-8
 * sequence; out has room for max + 1 bytes.  Returns the length. */
size_t walk_clean_max(const char *s, size_t len, size_t max, char *out,
    int *cut);

/* May a part be reported at `depth` under `parent`, and may `size` more
 * decoded bytes be?  Each says its limit once; 0: refused. */
int walk_admit(struct walk *w, uint32_t parent, uint32_t depth);
int walk_admit_bytes(struct walk *w, uint32_t parent, uint64_t size);

/* The part record, with w->path as its path; the caller has admitted
 * it.  Leaves the cleaned strings in w->str.  Returns its index. */
uint32_t walk_emit_part(struct walk *w, uint32_t parent, uint32_t depth,
    enum part_kind kind, uint16_t flags, uint64_t size, const char *type,
    const char *charset, const char *encoding, const char *detected);

/* A filename record of part `part`; a cut is pended. */
void walk_emit_filename(struct walk *w, uint32_t part,
    enum filename_source src, const char *raw, size_t raw_len);

/* The content record of part `part`. */
void walk_emit_content(struct walk *w, uint32_t part, const uint8_t *data,
    size_t len);

/* Appends ".pos" to w->path, saving its length; pop restores it. */
void walk_path_push(struct walk *w, size_t *saved, unsigned pos);
void walk_path_pop(struct walk *w, size_t saved);

/* ---- containers, in mime_containers.c -------------------------------- */

/* The leaf `idx` (at `depth`, path w->path) has decoded bytes
 * data[0..len): reports the uuencoded blocks of a text/plain body, then
 * what the archive or TNEF stream in the bytes holds, as its children.
 * ct_name and disp_name (may be NULL) are its declared names: a
 * winmail.dat is TNEF by name. */
void walk_leaf_containers(struct walk *w, uint32_t idx, uint32_t depth,
    const uint8_t *data, size_t len, const char *ct_name,
    const char *disp_name);

/* ---- header and filename facts, in mime_headers.c -------------------- */

/* A second name= or filename= (plain, or RFC 2231 beside a plain one):
 * GMime's getter returns one, a mail client may show another.  Every
 * other value is reported too, checked like the first, and a name that
 * differs from the first is a filename_mismatch.  At most
 * WALK_EXTRA_NAMES per source, so the part stays under PART_FILENAMES_MAX. */
#define WALK_EXTRA_NAMES ((PART_FILENAMES_MAX - 2) / 2)

/* The other values of one parameter; they point into GMime's list. */
struct walk_extra {
	const char *first;
	const char *v[WALK_EXTRA_NAMES];
	unsigned n;
};

/* The names one MIME part declares; they point into GMime's object. */
struct walk_names {
	const char *ct_name;		/* Content-Type name=, or NULL */
	const char *disp_name;		/* Content-Disposition filename= */
	struct walk_extra ct_extra, disp_extra;
};

/* Reports the filenames of part `idx` (GMime object obj) in the order of
 * mime_walk.h, and keeps them in *out for walk_part_checks. */
void walk_part_names(struct walk *w, uint32_t idx, GMimeObject *obj,
    struct walk_names *out);

/* The format checks of part `idx`, after its content: its header block
 * (obj's, and owner's when obj is a message body; boundary: the
 * multipart's it sits in, or NULL), multipart structure, its names and
 * its declared against its detected type.  Reports what they find. */
void walk_part_checks(struct walk *w, uint32_t idx, GMimeObject *obj,
    GMimeMessage *owner, const char *boundary, enum part_kind kind,
    const struct walk_names *names, const char *detected);

/* The top-level message's header facts (subject, addresses, ids), then
 * every header field of it in order, with their cut and limit anomalies. */
void walk_message_facts(struct walk *w, GMimeMessage *m);
void walk_header_fields(struct walk *w, GMimeMessage *m, GMimeObject *root);

#endif

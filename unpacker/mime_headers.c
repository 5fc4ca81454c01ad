/* unpacker: header and filename facts of the MIME walk: the top-level
 * message's header facts and fields, each part's declared names, and the
 * format checks on its header block, structure and names; runs in role
 * unpack, untrusted, after the final filter, and in the fuzzer. */
#include <string.h>

#include "mime_walk_internal.h"

/* The smallest offset GMime recorded for a header of `obj` (and of
 * `owner`, the message whose body obj is, when not NULL), or -1. */
static gint64
walk_first_header(GMimeObject *obj, GMimeMessage *owner)
{
	GMimeHeaderList *lists[2];
	gint64 best = -1;

	lists[0] = g_mime_object_get_header_list(obj);
	lists[1] = owner != NULL ?
	    g_mime_object_get_header_list(GMIME_OBJECT(owner)) : NULL;
	for (int l = 0; l < 2; l++) {
		int n = lists[l] != NULL ? g_mime_header_list_get_count(
		    lists[l]) : 0;

		for (int i = 0; i < n; i++) {
			gint64 off = g_mime_header_get_offset(
			    g_mime_header_list_get_header_at(lists[l], i));

			if (off >= 0 && (best < 0 || off < best))
				best = off;
		}
	}
	return best;
}

/* The header block checks for one part, on the bytes GMime parsed. */
static void
walk_check_headers(struct walk *w, GMimeObject *obj, GMimeMessage *owner,
    const char *boundary, struct fc_findings *f)
{
	gint64 first;
	size_t start, len;

	if (w->buf == NULL)
		return;
	if (owner != NULL && owner == w->top) {
		start = 0;	/* the top-level message: from its first byte */
	} else {
		first = walk_first_header(obj, owner);
		if (first < 0 || (guint64)first >= w->buflen)
			return;
		start = (size_t)first;
		if (boundary != NULL)
			start = fc_find_block_start(w->buf, start, boundary,
			    strlen(boundary));
	}
	len = w->buflen - start;
	/* A child's headers end at the next boundary at the latest: a part
	 * without a blank line must not make us read on through its
	 * siblings (10 000 of them would cost seconds). */
	if (boundary != NULL) {
		g_autofree char *next = g_strdup_printf("\n--%s", boundary);
		const uint8_t *end = memmem(w->buf + start,
		    MIN(len, (size_t)FC_HEADER_BLOCK_MAX), next, strlen(next));

		if (end != NULL)
			len = (size_t)(end - (w->buf + start)) + 1;
	}
	fc_check_header_block(w->buf + start, len, f);
}

/* Multipart without boundary, never closed, or without children: what
 * one parser shows and another hides. */
static void
walk_check_multipart(GMimeMultipart *mp, GMimeContentType *ct,
    struct fc_findings *f)
{
	const char *b = ct != NULL ?
	    g_mime_content_type_get_parameter(ct, "boundary") : NULL;

	if (b == NULL)
		fc_findings_add_text(f, ANOM_MALFORMED_MULTIPART,
		    "multipart without a boundary: its body is hidden");
	else if (g_mime_multipart_get_count(mp) == 0)
		fc_findings_add_text(f, ANOM_MALFORMED_MULTIPART,
		    "multipart without any part");
	else if (!mp->write_end_boundary)
		fc_findings_add_text(f, ANOM_MALFORMED_MULTIPART,
		    "multipart never closed");
}

/* Filenames, and declared against detected type, for one part. */
static void
walk_check_names(struct walk *w, const char *ct_name, const char *disp_name,
    const char *detected, struct fc_findings *f)
{
	const char *type = w->str[WS_TYPE];

	if (ct_name != NULL)
		fc_check_filename(ct_name, strlen(ct_name), f);
	if (disp_name != NULL)
		fc_check_filename(disp_name, strlen(disp_name), f);
	if (ct_name != NULL && disp_name != NULL)
		fc_check_filenames_differ(ct_name, strlen(ct_name), disp_name,
		    strlen(disp_name), f);
	fc_check_part_type(type, detected, NULL, 0, f);
	if (ct_name != NULL)
		fc_check_part_type(type, detected, ct_name, strlen(ct_name), f);
	if (disp_name != NULL)
		fc_check_part_type(type, detected, disp_name,
		    strlen(disp_name), f);
}

/* The further values of `param` (struct walk_extra, in
 * mime_walk_internal.h), reported as filenames: with the part's other
 * names, before its content (common/part_order.h). */
static void
walk_extra_names(struct walk *w, uint32_t idx, GMimeParamList *list,
    const char *param, const char *first, enum filename_source src,
    struct walk_extra *out)
{
	int n = list != NULL ? g_mime_param_list_length(list) : 0;
	int seen_first = 0;

	out->first = first;
	out->n = 0;
	for (int i = 0; i < n && out->n < WALK_EXTRA_NAMES; i++) {
		GMimeParam *p = g_mime_param_list_get_parameter_at(list, i);
		const char *name = p != NULL ? g_mime_param_get_name(p) : NULL;
		const char *value = p != NULL ? g_mime_param_get_value(p) : NULL;

		if (name == NULL || value == NULL ||
		    g_ascii_strcasecmp(name, param) != 0)
			continue;
		/* The first occurrence is the one already reported. */
		if (!seen_first && first != NULL && strcmp(value, first) == 0) {
			seen_first = 1;
			continue;
		}
		walk_emit_filename(w, idx, src, value, strlen(value));
		out->v[out->n++] = value;
	}
}

/* The checks on those further values, after the part's other findings. */
static void
walk_check_extra(struct walk *w, const struct walk_extra *e,
    const char *detected, struct fc_findings *f)
{
	for (unsigned i = 0; i < e->n; i++) {
		const char *value = e->v[i];

		fc_check_filename(value, strlen(value), f);
		fc_check_part_type(w->str[WS_TYPE], detected, value,
		    strlen(value), f);
		if (e->first != NULL)
			fc_check_filenames_differ(e->first, strlen(e->first),
			    value, strlen(value), f);
	}
}

void
walk_part_names(struct walk *w, uint32_t idx, GMimeObject *obj,
    struct walk_names *out)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	GMimeContentDisposition *disp;

	/* Both sources, even when equal: the checks compare them. */
	out->ct_name = ct != NULL ?
	    g_mime_content_type_get_parameter(ct, "name") : NULL;
	if (out->ct_name != NULL)
		walk_emit_filename(w, idx, FN_CONTENT_TYPE_NAME, out->ct_name,
		    strlen(out->ct_name));
	disp = g_mime_object_get_content_disposition(obj);
	out->disp_name = disp != NULL ?
	    g_mime_content_disposition_get_parameter(disp, "filename") : NULL;
	if (out->disp_name != NULL)
		walk_emit_filename(w, idx, FN_DISPOSITION_FILENAME,
		    out->disp_name, strlen(out->disp_name));
	walk_extra_names(w, idx, ct != NULL ?
	    g_mime_content_type_get_parameters(ct) : NULL, "name",
	    out->ct_name, FN_CONTENT_TYPE_NAME, &out->ct_extra);
	walk_extra_names(w, idx, disp != NULL ?
	    g_mime_content_disposition_get_parameters(disp) : NULL,
	    "filename", out->disp_name, FN_DISPOSITION_FILENAME,
	    &out->disp_extra);
}

void
walk_part_checks(struct walk *w, uint32_t idx, GMimeObject *obj,
    GMimeMessage *owner, const char *boundary, enum part_kind kind,
    const struct walk_names *names, const char *detected)
{
	struct fc_findings f;

	fc_findings_init(&f);
	walk_check_headers(w, obj, owner, boundary, &f);
	if (kind == PART_MULTIPART)
		walk_check_multipart(GMIME_MULTIPART(obj),
		    g_mime_object_get_content_type(obj), &f);
	walk_check_names(w, names->ct_name, names->disp_name, detected, &f);
	walk_check_extra(w, &names->ct_extra, detected, &f);
	walk_check_extra(w, &names->disp_extra, detected, &f);
	walk_report_findings(w, idx, &f);
}

static void
walk_header(struct walk *w, enum header_fact which, const char *value,
    const char *what)
{
	char clean[HEADER_VALUE_MAX + 1];
	size_t n;
	int cut;

	if (value == NULL)
		return;
	while (*value == ' ' || *value == '\t')
		value++;
	/* The broker takes header values up to HEADER_VALUE_MAX only. */
	n = walk_clean_max(value, strlen(value), HEADER_VALUE_MAX, clean,
	    &cut);
	w->st.headers++;
	if (w->sink->on_header != NULL)
		w->sink->on_header(w->ctx, which, clean, n);
	if (cut)
		walk_anomaly(w, WALK_NO_PARENT, ANOM_TRUNCATED_STRING, what);
}

/* An address header as GMime parsed it, decoded; the raw value when GMime
 * found no address in it (that is itself worth a policy's look). */
static void
walk_address(struct walk *w, GMimeMessage *m, GMimeAddressType type,
    const char *header, enum header_fact which, const char *what)
{
	InternetAddressList *list;
	g_autofree char *s = NULL;
	const char *raw = g_mime_object_get_header(GMIME_OBJECT(m), header);

	if (raw == NULL)
		return;
	list = g_mime_message_get_addresses(m, type);
	if (list != NULL && internet_address_list_length(list) > 0)
		s = internet_address_list_to_string(list, NULL, FALSE);
	walk_header(w, which, s != NULL ? s : raw, what);
}

void
walk_message_facts(struct walk *w, GMimeMessage *m)
{
	GMimeObject *o = GMIME_OBJECT(m);

	if (g_mime_object_get_header(o, "Subject") != NULL)
		walk_header(w, HDR_SUBJECT, g_mime_message_get_subject(m),
		    "subject");
	walk_address(w, m, GMIME_ADDRESS_TYPE_FROM, "From", HDR_FROM, "from");
	walk_address(w, m, GMIME_ADDRESS_TYPE_TO, "To", HDR_TO, "to");
	walk_address(w, m, GMIME_ADDRESS_TYPE_CC, "Cc", HDR_CC, "cc");
	walk_header(w, HDR_MESSAGE_ID, g_mime_object_get_header(o,
	    "Message-Id"), "message_id");
	walk_header(w, HDR_DATE, g_mime_object_get_header(o, "Date"), "date");
}

static void
walk_header_field(struct walk *w, GMimeHeader *h, unsigned *cut)
{
	char name[RECORD_STR_MAX + 1];
	char value[HEADER_VALUE_MAX + 1];
	const char *n = g_mime_header_get_name(h);
	const char *v = g_mime_header_get_value(h);
	size_t nl, vl;
	int c1 = 0, c2 = 0;

	if (n == NULL || n[0] == '\0')
		return;		/* the broker refuses nameless fields */
	if (v == NULL)
		v = "";
	while (*v == ' ' || *v == '\t')
		v++;
	nl = walk_clean_max(n, strlen(n), RECORD_STR_MAX, name, &c1);
	vl = walk_clean_max(v, strlen(v), HEADER_VALUE_MAX, value, &c2);
	*cut += (unsigned)(c1 || c2);
	w->st.header_fields++;
	if (w->sink->on_header_field != NULL)
		w->sink->on_header_field(w->ctx, WALK_NO_PARENT, name, nl,
		    value, vl);
}

/* Every header of the top-level message, in the order it has them.
 * GMime keeps the Content-* ones with the body part and the rest with
 * the message; both lists are in order, so a merge by offset restores
 * the message's own order. */
void
walk_header_fields(struct walk *w, GMimeMessage *m, GMimeObject *root)
{
	GMimeHeaderList *a = g_mime_object_get_header_list(GMIME_OBJECT(m));
	GMimeHeaderList *b = root != NULL ?
	    g_mime_object_get_header_list(root) : NULL;
	int na = a != NULL ? g_mime_header_list_get_count(a) : 0;
	int nb = b != NULL ? g_mime_header_list_get_count(b) : 0;
	int i = 0, j = 0;
	unsigned cut = 0, total = (unsigned)na + (unsigned)nb;
	char detail[WALK_DETAIL_MAX];

	while ((i < na || j < nb) && w->st.header_fields < HEADER_FIELDS_MAX) {
		GMimeHeader *ha = i < na ?
		    g_mime_header_list_get_header_at(a, i) : NULL;
		GMimeHeader *hb = j < nb ?
		    g_mime_header_list_get_header_at(b, j) : NULL;

		if (hb == NULL || (ha != NULL && g_mime_header_get_offset(ha) <=
		    g_mime_header_get_offset(hb))) {
			walk_header_field(w, ha, &cut);
			i++;
		} else {
			walk_header_field(w, hb, &cut);
			j++;
		}
	}
	if (cut > 0) {
		g_snprintf(detail, sizeof(detail), "header fields: %u value(s) "
		    "cut", cut);
		walk_anomaly(w, WALK_NO_PARENT, ANOM_TRUNCATED_STRING, detail);
	}
	/* A header rule cannot match a field it never sees: a limit. */
	if (total > HEADER_FIELDS_MAX) {
		g_snprintf(detail, sizeof(detail), "header fields: %u of %u "
		    "reported", w->st.header_fields, total);
		walk_anomaly(w, WALK_NO_PARENT, ANOM_LIMIT_HEADER_FIELDS,
		    detail);
	}
}


/* unpacker: format checks over header bytes and filenames (format_checks.h);
 * runs in role unpack, untrusted, after the final filter: pure, bounded. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "filetype.h"
#include "format_checks.h"

/* Hostile text quoted in a detail: this many bytes of it at most. */
#define FC_QUOTE_MAX	60

static const char *const fc_exe_exts[] = {
	"exe", "com", "scr", "pif", "bat", "cmd", "vbs", "vbe", "js", "jse",
	"wsf", "wsh", "wsc", "ws", "hta", "cpl", "lnk", "shs", "shb", "msi",
	"msp", "mst", "jar", "ps1", "psm1", "psd1", "reg", "dll", "sys", "ocx",
	"drv", "inf", "scf", "url", "msc", "gadget", "application", "vb",
	"chm", "hlp", "appx", "msix", "appref-ms", "settingcontent-ms",
};

/* What a double extension hides behind: documents, media, archives. */
static const char *const fc_decoy_exts[] = {
	"txt", "text", "doc", "docx", "docm", "dot", "dotx", "xls", "xlsx",
	"xlsm", "xlsb", "ppt", "pptx", "pptm", "pps", "ppsx", "pdf", "rtf",
	"odt", "ods", "odp", "csv", "htm", "html", "xml", "eml", "msg",
	"jpg", "jpeg", "gif", "png", "bmp", "tif", "tiff", "ico", "svg",
	"webp", "mp3", "wav", "wma", "mp4", "m4a", "avi", "mpg", "mpeg",
	"mov", "wmv", "mkv", "flac", "ogg", "zip", "rar", "7z", "ics", "vcf",
};

/* Programs' own names for the disguised-executable check: a Unix binary
 * or a script under one of these is what it says it is. */
static const char *const fc_unix_program_exts[] = {
	"so", "bin", "elf", "o", "ko", "out", "run", "dylib", "bundle", "app",
	"command", "sh", "bash", "ksh", "zsh", "csh", "tcsh", "py", "pl", "pm",
	"rb", "php", "cgi", "tcl", "awk", "lua",
};

/* Declared types under which a program travels openly. */
static const char *const fc_program_types[] = {
	"application/octet-stream", "application/x-msdownload",
	"application/x-msdos-program", "application/x-dosexec",
	"application/x-executable", "application/x-ms-dos-executable",
	"application/vnd.microsoft.portable-executable", "application/x-exe",
	"application/exe", "application/x-winexe", "application/x-mach-binary",
	"application/x-sharedlib", "application/x-elf", "application/x-sh",
	"application/x-shellscript", "text/x-shellscript", "application/x-perl",
	"application/x-python", "application/x-ruby", "application/x-csh",
	"application/x-msi", "application/x-ms-installer",
};

/* MIME fields that must appear once per part (RFC 2045). */
static const char *const fc_mime_fields[] = {
	"content-type", "content-transfer-encoding", "content-disposition",
	"mime-version", "content-id",
};
#define FC_N_MIME_FIELDS (sizeof(fc_mime_fields) / sizeof(fc_mime_fields[0]))

void
fc_findings_init(struct fc_findings *out)
{
	out->n = 0;
}

int
fc_findings_has(const struct fc_findings *out, enum anomaly_code code)
{
	for (unsigned i = 0; i < out->n; i++)
		if (out->f[i].code == code)
			return 1;
	return 0;
}

static void fc_add(struct fc_findings *out, enum anomaly_code code,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The first finding of a code wins: it is the one the detail names. */
static void
fc_add(struct fc_findings *out, enum anomaly_code code, const char *fmt, ...)
{
	va_list ap;

	if (out->n >= FC_FINDINGS_MAX || fc_findings_has(out, code))
		return;
	out->f[out->n].code = code;
	va_start(ap, fmt);
	vsnprintf(out->f[out->n].detail, sizeof(out->f[out->n].detail), fmt,
	    ap);
	va_end(ap);
	out->n++;
}

void
fc_findings_add_text(struct fc_findings *out, enum anomaly_code code,
    const char *detail)
{
	fc_add(out, code, "%s", detail);
}

/* Printable ASCII as it is, everything else as \xHH, at most
 * FC_QUOTE_MAX input bytes; out holds FC_QUOTE_MAX * 4 + 4 bytes. */
#define FC_QUOTE_BUF	(FC_QUOTE_MAX * 4 + 4)
static const char *
fc_quote(char *out, const void *s, size_t n)
{
	const uint8_t *p = s;
	size_t o = 0;

	for (size_t i = 0; i < n && i < FC_QUOTE_MAX; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
			out[o++] = (char)p[i];
		else
			o += (size_t)snprintf(out + o, FC_QUOTE_BUF - o,
			    "\\x%02x", p[i]);
	}
	if (n > FC_QUOTE_MAX) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

static int
fc_lower_eq(const void *a, size_t alen, const char *b)
{
	const uint8_t *p = a;
	size_t blen = strlen(b);

	if (alen != blen)
		return 0;
	for (size_t i = 0; i < alen; i++) {
		uint8_t c = p[i];

		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c - 'A' + 'a');
		if (c != (uint8_t)b[i])
			return 0;
	}
	return 1;
}

static int
fc_in_list(const char *const *list, size_t n, const char *s, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (fc_lower_eq(s, len, list[i]))
			return 1;
	return 0;
}

#define FC_IN(list, s, len) \
	fc_in_list(list, sizeof(list) / sizeof(list[0]), s, len)

int
fc_ext_is_executable(const char *ext, size_t len)
{
	return FC_IN(fc_exe_exts, ext, len);
}

int
fc_ext_is_decoy(const char *ext, size_t len)
{
	return FC_IN(fc_decoy_exts, ext, len);
}

static int
fc_is_wsp(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static int
fc_is_lws(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* ---- header blocks --------------------------------------------------- */

struct fc_boundaries {
	unsigned defined;	/* boundary=, boundary*= and boundary*0 seen */
	size_t longest;		/* longest single value */
	size_t continued;	/* RFC 2231 pieces, summed */
};

/* One parameter name with the length of its value. */
static void
fc_note_param(const uint8_t *a, size_t alen, size_t vlen,
    struct fc_boundaries *b)
{
	size_t i;
	int all_digits = 1, zero;

	if (fc_lower_eq(a, alen, "boundary") ||
	    fc_lower_eq(a, alen, "boundary*")) {
		b->defined++;
		if (vlen > b->longest)
			b->longest = vlen;
		return;
	}
	if (alen < 10 || !fc_lower_eq(a, 9, "boundary*"))
		return;
	/* boundary*N or boundary*N*: one piece of a continued value */
	i = 9;
	if (a[alen - 1] == '*')
		alen--;
	zero = alen == 10 && a[9] == '0';
	for (; i < alen; i++)
		if (a[i] < '0' || a[i] > '9')
			all_digits = 0;
	if (!all_digits || alen == 9)
		return;
	if (zero)
		b->defined++;
	b->continued += vlen;
}

/* The parameters of one Content-Type value p[s..e), folding included:
 * line breaks count as white space. */
static void
fc_scan_params(const uint8_t *p, size_t s, size_t e, struct fc_boundaries *b)
{
	size_t i = s;
	int quoted = 0, depth = 0;

	/* the media type, up to the first ';' outside quotes and comments */
	for (; i < e; i++) {
		uint8_t c = p[i];

		if (quoted) {
			if (c == '\\' && i + 1 < e)
				i++;
			else if (c == '"')
				quoted = 0;
		} else if (c == '"') {
			quoted = 1;
		} else if (c == '(') {
			depth++;
		} else if (c == ')' && depth > 0) {
			depth--;
		} else if (c == ';' && depth == 0) {
			break;
		}
	}
	while (i < e) {		/* p[i] == ';' */
		size_t a, ae, vlen = 0;

		i++;
		while (i < e && fc_is_lws(p[i]))
			i++;
		a = i;
		while (i < e && p[i] != '=' && p[i] != ';')
			i++;
		ae = i;
		while (ae > a && fc_is_lws(p[ae - 1]))
			ae--;
		if (i < e && p[i] == '=') {
			i++;
			while (i < e && fc_is_lws(p[i]))
				i++;
			if (i < e && p[i] == '"') {
				for (i++; i < e && p[i] != '"'; i++, vlen++)
					if (p[i] == '\\' && i + 1 < e)
						i++;
				if (i < e)
					i++;
			} else {
				for (; i < e && p[i] != ';' && !fc_is_lws(p[i]);
				    i++)
					vlen++;
			}
			while (i < e && p[i] != ';')
				i++;
		}
		fc_note_param(p + a, ae - a, vlen, b);
	}
}

/* Where the line starting at `pos` ends: *cend excludes the line break
 * (LF or CRLF), the return value is where the next line starts. */
static size_t
fc_line(const uint8_t *p, size_t lim, size_t pos, size_t *cend)
{
	const uint8_t *nl = memchr(p + pos, '\n', lim - pos);
	size_t end = nl != NULL ? (size_t)(nl - p) : lim;

	*cend = end;
	if (nl != NULL && end > pos && p[end - 1] == '\r')
		(*cend)--;
	return nl != NULL ? end + 1 : lim;
}

/* A line that begins with white space continues the field above it:
 * one before any field, or one of only white space, is broken. */
static void
fc_check_folded(const uint8_t *p, size_t pos, size_t cend, int first,
    struct fc_findings *out)
{
	char q[FC_QUOTE_BUF];
	size_t k = pos;

	while (k < cend && fc_is_wsp(p[k]))
		k++;
	if (first)
		fc_add(out, ANOM_BROKEN_CONTINUATION,
		    "folded line before any header: %s",
		    fc_quote(q, p + pos, cend - pos));
	else if (k == cend)
		fc_add(out, ANOM_BROKEN_CONTINUATION,
		    "line of only white space inside the header block");
}

/* The name of the field on the line p[pos..cend), whose first colon is
 * at p[colon]: *name_end is where the name ends, and a bad name is
 * reported.  Returns 0, or -1 when the line holds no field to read on
 * (a comment in the name, or no name). */
static int
fc_field_name(const uint8_t *p, size_t pos, size_t cend, size_t colon,
    size_t *name_end, struct fc_findings *out)
{
	char q[FC_QUOTE_BUF];
	size_t ne = colon;

	/* obsolete syntax allows white space before the colon */
	while (ne > pos && fc_is_wsp(p[ne - 1]))
		ne--;
	*name_end = ne;
	if (memchr(p + pos, '(', ne - pos) != NULL ||
	    memchr(p + pos, ')', ne - pos) != NULL) {
		fc_add(out, ANOM_HEADER_NAME_COMMENT,
		    "comment inside a header name: %s",
		    fc_quote(q, p + pos, ne - pos));
		return -1;
	}
	if (ne == pos) {
		fc_add(out, ANOM_BROKEN_PART_HEADERS,
		    "header with an empty name: %s",
		    fc_quote(q, p + pos, cend - pos));
		return -1;
	}
	for (size_t k = pos; k < ne; k++)
		if (p[k] <= ' ' || p[k] >= 0x7f) {
			fc_add(out, ANOM_BROKEN_PART_HEADERS,
			    "invalid header name: %s",
			    fc_quote(q, p + pos, ne - pos));
			break;
		}
	return 0;
}

/* Counts the field named p[pos..ne) when it is a MIME one; its second
 * time is reported. */
static void
fc_count_mime_field(const uint8_t *p, size_t pos, size_t ne,
    unsigned seen[FC_N_MIME_FIELDS], struct fc_findings *out)
{
	char q[FC_QUOTE_BUF];

	for (size_t m = 0; m < FC_N_MIME_FIELDS; m++)
		if (fc_lower_eq(p + pos, ne - pos, fc_mime_fields[m]) &&
		    seen[m]++ == 1)
			fc_add(out, ANOM_REPEATED_MIME_HEADER,
			    "%s appears more than once",
			    fc_quote(q, p + pos, ne - pos));
}

/* Where the whole field ends: its first line ends at cend, the next
 * line starts at next, and the folded lines after it belong to it. */
static size_t
fc_field_end(const uint8_t *p, size_t lim, size_t cend, size_t next)
{
	size_t vend = cend, look, lend;

	for (look = next; look < lim && fc_is_wsp(p[look]);) {
		size_t n2 = fc_line(p, lim, look, &lend);

		vend = lend;
		look = n2;
	}
	return vend;
}

/* What the Content-Type fields of the block said about boundaries. */
static void
fc_report_boundaries(const struct fc_boundaries *b, struct fc_findings *out)
{
	if (b->defined > 1)
		fc_add(out, ANOM_BOUNDARY_REDEFINED,
		    "boundary defined %u times", b->defined);
	if (b->longest > FC_BOUNDARY_MAX || b->continued > FC_BOUNDARY_MAX)
		fc_add(out, ANOM_LONG_BOUNDARY, "boundary of %zu characters",
		    b->longest > b->continued ? b->longest : b->continued);
}

size_t
fc_check_header_block(const uint8_t *p, size_t len, struct fc_findings *out)
{
	char q[FC_QUOTE_BUF];
	size_t lim = len < FC_HEADER_BLOCK_MAX ? len : FC_HEADER_BLOCK_MAX;
	size_t pos = 0, cend, next;
	unsigned seen[FC_N_MIME_FIELDS] = { 0 };
	struct fc_boundaries b = { 0, 0, 0 };
	int first = 1;

	if (p == NULL)
		return 0;
	while (pos < lim) {
		const uint8_t *colon;
		size_t ne;

		next = fc_line(p, lim, pos, &cend);
		if (cend == pos) {
			pos = next;	/* the empty line ends the block */
			break;
		}
		if (memchr(p + pos, '\r', cend - pos) != NULL ||
		    memchr(p + pos, '\0', cend - pos) != NULL)
			fc_add(out, ANOM_HEADER_CR_NUL, "bare CR or NUL in: %s",
			    fc_quote(q, p + pos, cend - pos));
		if (fc_is_wsp(p[pos])) {
			fc_check_folded(p, pos, cend, first, out);
			first = 0;
			pos = next;
			continue;
		}
		first = 0;
		colon = memchr(p + pos, ':', cend - pos);
		if (colon == NULL) {
			fc_add(out, ANOM_BROKEN_PART_HEADERS,
			    "line without a colon: %s",
			    fc_quote(q, p + pos, cend - pos));
		} else if (fc_field_name(p, pos, cend, (size_t)(colon - p),
		    &ne, out) == 0) {
			fc_count_mime_field(p, pos, ne, seen, out);
			if (fc_lower_eq(p + pos, ne - pos, "content-type"))
				fc_scan_params(p, (size_t)(colon - p) + 1,
				    fc_field_end(p, lim, cend, next), &b);
		}
		pos = next;
	}
	fc_report_boundaries(&b, out);
	return pos;
}

size_t
fc_find_block_start(const uint8_t *buf, size_t first_header,
    const char *boundary, size_t blen)
{
	size_t lo, i;

	if (buf == NULL || boundary == NULL)
		return first_header;
	lo = first_header > FC_BOUNDARY_LOOKBACK ?
	    first_header - FC_BOUNDARY_LOOKBACK : 0;
	for (i = first_header; i-- > lo;) {
		size_t end;

		if (i != 0 && buf[i - 1] != '\n')
			continue;
		if (blen + 2 > first_header - i || buf[i] != '-' ||
		    buf[i + 1] != '-' || memcmp(buf + i + 2, boundary, blen) != 0)
			continue;
		/* the line after the delimiter line */
		for (end = i + 2 + blen; end < first_header && buf[end] != '\n';
		    end++)
			;
		return end < first_header ? end + 1 : first_header;
	}
	return first_header;
}

/* ---- filenames ------------------------------------------------------- */

/* The name Windows would use: no directory, no trailing dots or spaces. */
static void
fc_basename(const char *name, size_t len, const char **base, size_t *blen)
{
	size_t s = 0;

	while (len > 0 && (name[len - 1] == '.' || name[len - 1] == ' ' ||
	    name[len - 1] == '\t'))
		len--;
	for (size_t i = 0; i < len; i++)
		if (name[i] == '/' || name[i] == '\\')
			s = i + 1;
	*base = name + s;
	*blen = len - s;
}

/* The last extension (without its dot) of base[0..blen); 0 when none. */
static int
fc_last_ext(const char *base, size_t blen, const char **ext, size_t *elen,
    size_t *dot)
{
	const char *d = memrchr(base, '.', blen);

	if (d == NULL || (size_t)(d - base) + 1 >= blen)
		return 0;
	*dot = (size_t)(d - base);
	*ext = d + 1;
	*elen = blen - *dot - 1;
	return 1;
}

static int
fc_is_hex_or_dash(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F') || c == '-';
}

void
fc_check_filename(const char *name, size_t len, struct fc_findings *out)
{
	char q[FC_QUOTE_BUF];
	const char *base, *ext, *prev;
	size_t blen, elen, dot, plen, pdot, chars = 0;

	if (name == NULL)
		return;
	for (size_t i = 0; i < len; i++)
		chars += ((unsigned char)name[i] & 0xc0) != 0x80;
	if (chars > FC_FILENAME_MAX)
		fc_add(out, ANOM_LONG_FILENAME, "filename of %zu characters: %s",
		    chars, fc_quote(q, name, len));

	/* Bidirectional controls (U+202A..U+202E, U+2066..U+2069, UTF-8
	 * E2 80 AA..AE and E2 81 A6..A9) make "invoice\u202Efdp.exe" show as
	 * "invoiceexe.pdf": no honest filename needs them. */
	for (size_t i = 0; i + 2 < len; i++)
		if ((unsigned char)name[i] == 0xe2 &&
		    (((unsigned char)name[i + 1] == 0x80 &&
		    (unsigned char)name[i + 2] >= 0xaa &&
		    (unsigned char)name[i + 2] <= 0xae) ||
		    ((unsigned char)name[i + 1] == 0x81 &&
		    (unsigned char)name[i + 2] >= 0xa6 &&
		    (unsigned char)name[i + 2] <= 0xa9))) {
			fc_add(out, ANOM_BIDI_FILENAME,
			    "bidirectional control in filename: %s",
			    fc_quote(q, name, len));
			break;
		}

	fc_basename(name, len, &base, &blen);
	/* {CLSID}: Explorer runs the handler the GUID names and hides it. */
	if (blen > 2 && base[blen - 1] == '}') {
		const char *open = memrchr(base, '{', blen - 1);

		if (open != NULL) {
			size_t n = (size_t)(base + blen - 1 - open - 1);
			int ok = n >= 25;

			for (size_t i = 0; ok && i < n; i++)
				ok = fc_is_hex_or_dash(open[1 + i]);
			if (ok)
				fc_add(out, ANOM_CLSID_EXTENSION,
				    "CLSID extension: %s",
				    fc_quote(q, base, blen));
		}
	}
	if (!fc_last_ext(base, blen, &ext, &elen, &dot) ||
	    !fc_ext_is_executable(ext, elen))
		return;
	/* The one before, with padding ("a.pdf      .exe") dropped. */
	plen = dot;
	while (plen > 0 && (base[plen - 1] == ' ' || base[plen - 1] == '_' ||
	    base[plen - 1] == '\t'))
		plen--;
	if (!fc_last_ext(base, plen, &prev, &elen, &pdot))
		return;
	(void)pdot;
	if (fc_ext_is_decoy(prev, elen))
		fc_add(out, ANOM_DOUBLE_EXTENSION, "double extension: %s",
		    fc_quote(q, base, blen));
}

void
fc_check_filenames_differ(const char *a, size_t alen, const char *b,
    size_t blen, struct fc_findings *out)
{
	char qa[FC_QUOTE_BUF], qb[FC_QUOTE_BUF];
	size_t i;

	if (a == NULL || b == NULL)
		return;
	if (alen == blen) {
		for (i = 0; i < alen; i++) {
			char ca = a[i], cb = b[i];

			if (ca >= 'A' && ca <= 'Z')
				ca = (char)(ca - 'A' + 'a');
			if (cb >= 'A' && cb <= 'Z')
				cb = (char)(cb - 'A' + 'a');
			if (ca != cb)
				break;
		}
		if (i == alen)
			return;
	}
	fc_add(out, ANOM_FILENAME_MISMATCH, "name=\"%s\" but filename=\"%s\"",
	    fc_quote(qa, a, alen), fc_quote(qb, b, blen));
}

static int
fc_type_is(const char *declared, const char *prefix)
{
	return strncmp(declared, prefix, strlen(prefix)) == 0;
}

void
fc_check_part_type(const char *declared, const char *detected,
    const char *name, size_t len, struct fc_findings *out)
{
	char q[FC_QUOTE_BUF];
	const char *base = NULL, *ext = NULL;
	size_t blen = 0, elen = 0, dot;
	int has_ext = 0, script;

	if (declared == NULL)
		declared = "";
	if (detected == NULL)
		detected = "";
	if (name != NULL) {
		fc_basename(name, len, &base, &blen);
		has_ext = fc_last_ext(base, blen, &ext, &elen, &dot);
	}
	if (has_ext && fc_ext_is_executable(ext, elen) &&
	    (fc_type_is(declared, "audio/") || fc_type_is(declared, "image/") ||
	    fc_type_is(declared, "video/") || fc_type_is(declared, "text/")))
		fc_add(out, ANOM_EXE_NAME_ON_MEDIA, "%s named %s", declared,
		    fc_quote(q, base, blen));

	if (!filetype_is_executable(detected))
		return;
	script = strcmp(detected, "text/x-shellscript") == 0;
	/* A script is text: a text/ type is its own name, not a disguise. */
	if (declared[0] != '\0' && !FC_IN(fc_program_types, declared,
	    strlen(declared)) && !(script && fc_type_is(declared, "text/")))
		fc_add(out, ANOM_DISGUISED_EXECUTABLE, "%s declared as %s",
		    detected, declared);
	if (has_ext && !fc_ext_is_executable(ext, elen) &&
	    !FC_IN(fc_unix_program_exts, ext, elen))
		fc_add(out, ANOM_DISGUISED_EXECUTABLE, "%s named %s", detected,
		    fc_quote(q, base, blen));
}

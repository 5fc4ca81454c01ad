/* tests: the pure format checks (unpacker/format_checks.c) and magic
 * sniffing (unpacker/filetype.c); harness. */
#include <string.h>

#include "check.h"
#include "filetype.h"
#include "format_checks.h"

static struct fc_findings f;

static int
name_finds(const char *name, enum anomaly_code code)
{
	fc_findings_init(&f);
	fc_check_filename(name, strlen(name), &f);
	return fc_findings_has(&f, code);
}

static int
block_finds(const char *block, enum anomaly_code code)
{
	fc_findings_init(&f);
	fc_check_header_block((const uint8_t *)block, strlen(block), &f);
	return fc_findings_has(&f, code);
}

static int
block_finds_n(const char *block, size_t len, enum anomaly_code code)
{
	fc_findings_init(&f);
	fc_check_header_block((const uint8_t *)block, len, &f);
	return fc_findings_has(&f, code);
}

static void
test_filenames(void)
{
	char longname[301];

	CHECK(name_finds("file.gif.exe", ANOM_DOUBLE_EXTENSION));
	CHECK(name_finds("Invoice.PDF.Scr", ANOM_DOUBLE_EXTENSION));
	CHECK(name_finds("invoice.pdf           .exe", ANOM_DOUBLE_EXTENSION));
	CHECK(name_finds("invoice.doc.exe. . ", ANOM_DOUBLE_EXTENSION));
	CHECK(name_finds("dir\\photo.jpg.vbs", ANOM_DOUBLE_EXTENSION));
	CHECK(!name_finds("archive.tar.gz", ANOM_DOUBLE_EXTENSION));
	CHECK(!name_finds("archive.tar.bz2", ANOM_DOUBLE_EXTENSION));
	CHECK(!name_finds("archive.tar.xz", ANOM_DOUBLE_EXTENSION));
	CHECK(!name_finds("report.pdf", ANOM_DOUBLE_EXTENSION));
	CHECK(!name_finds("setup.exe", ANOM_DOUBLE_EXTENSION));
	CHECK(!name_finds("v1.2.exe", ANOM_DOUBLE_EXTENSION));
	CHECK(!name_finds("my.report.pdf", ANOM_DOUBLE_EXTENSION));
	CHECK(!name_finds(".exe", ANOM_DOUBLE_EXTENSION));
	CHECK(!name_finds("", ANOM_DOUBLE_EXTENSION));

	CHECK(name_finds("{3050F4D8-98B5-11CF-BB82-00AA00BDCE0B}",
	    ANOM_CLSID_EXTENSION));
	/* U+202E RIGHT-TO-LEFT OVERRIDE and U+2067 RIGHT-TO-LEFT ISOLATE. */
	CHECK(name_finds("invoice\xe2\x80\xae" "fdp.exe", ANOM_BIDI_FILENAME));
	CHECK(name_finds("a\xe2\x81\xa7" "b.txt", ANOM_BIDI_FILENAME));
	/* Other three-byte UTF-8 (an en dash, U+2013) is fine. */
	CHECK(!name_finds("report \xe2\x80\x93 2026.pdf", ANOM_BIDI_FILENAME));
	CHECK(name_finds("readme.txt.{3050F4D8-98B5-11CF-BB82-00AA00BDCE0B}",
	    ANOM_CLSID_EXTENSION));
	CHECK(!name_finds("notes {draft}.txt", ANOM_CLSID_EXTENSION));
	CHECK(!name_finds("{short}", ANOM_CLSID_EXTENSION));
	CHECK(!name_finds("}", ANOM_CLSID_EXTENSION));

	memset(longname, 'a', 300);
	longname[300] = '\0';
	CHECK(name_finds(longname, ANOM_LONG_FILENAME));
	longname[256] = '\0';
	CHECK(!name_finds(longname, ANOM_LONG_FILENAME));
	/* characters, not bytes: 200 two-byte characters are 200 */
	{
		char utf[401];

		for (int i = 0; i < 200; i++)
			memcpy(utf + 2 * i, "\xc3\xa9", 2);
		utf[400] = '\0';
		CHECK(!name_finds(utf, ANOM_LONG_FILENAME));
	}

	CHECK(fc_ext_is_executable("EXE", 3) && fc_ext_is_executable("ps1", 3));
	CHECK(!fc_ext_is_executable("gz", 2) && !fc_ext_is_executable("", 0));
	CHECK(fc_ext_is_decoy("pdf", 3) && !fc_ext_is_decoy("tar", 3));

	fc_findings_init(&f);
	fc_check_filenames_differ("report.pdf", 10, "REPORT.PDF", 10, &f);
	CHECK(!fc_findings_has(&f, ANOM_FILENAME_MISMATCH));
	fc_check_filenames_differ("report.pdf", 10, "report.exe", 10, &f);
	CHECK(fc_findings_has(&f, ANOM_FILENAME_MISMATCH));
	CHECK(strstr(f.f[0].detail, "report.exe") != NULL);
}

static void
test_part_types(void)
{
	fc_findings_init(&f);
	fc_check_part_type("audio/wav", "audio/x-wav", "wav.exe", 7, &f);
	CHECK(fc_findings_has(&f, ANOM_EXE_NAME_ON_MEDIA));
	CHECK(!fc_findings_has(&f, ANOM_DISGUISED_EXECUTABLE));
	fc_findings_init(&f);
	fc_check_part_type("application/octet-stream", "", "wav.exe", 7, &f);
	CHECK(f.n == 0);
	fc_findings_init(&f);
	fc_check_part_type("image/jpeg", "application/x-dosexec", NULL, 0, &f);
	CHECK(fc_findings_has(&f, ANOM_DISGUISED_EXECUTABLE));
	fc_findings_init(&f);
	fc_check_part_type("application/octet-stream", "application/x-dosexec",
	    "invoice.pdf", 11, &f);
	CHECK(fc_findings_has(&f, ANOM_DISGUISED_EXECUTABLE));
	fc_findings_init(&f);
	fc_check_part_type("application/x-msdownload", "application/x-dosexec",
	    "setup.exe", 9, &f);
	CHECK(f.n == 0);
	fc_findings_init(&f);
	fc_check_part_type("application/octet-stream", "application/x-executable",
	    "tool", 4, &f);
	CHECK(f.n == 0);
	/* A script is text: text/plain is no disguise, a .pdf name is. */
	fc_findings_init(&f);
	fc_check_part_type("text/plain", "text/x-shellscript", "run.sh", 6, &f);
	CHECK(f.n == 0);
	fc_check_part_type("text/plain", "text/x-shellscript", "a.pdf", 5, &f);
	CHECK(fc_findings_has(&f, ANOM_DISGUISED_EXECUTABLE));
}

static void
test_header_blocks(void)
{
	char big[400];
	static const char nul_block[] = "Subject: a\0b\nX: y\n\nbody";

	CHECK(block_finds("Subject: a\rInjected: b\n\n", ANOM_HEADER_CR_NUL));
	CHECK(block_finds_n(nul_block, sizeof(nul_block) - 1,
	    ANOM_HEADER_CR_NUL));
	CHECK(!block_finds("Subject: a\r\nX: b\r\n\r\n", ANOM_HEADER_CR_NUL));
	/* a CR in the body is none of our business */
	CHECK(!block_finds("Subject: a\n\nbody\rmore", ANOM_HEADER_CR_NUL));

	CHECK(block_finds(" folded: first\nX: y\n\n", ANOM_BROKEN_CONTINUATION));
	CHECK(block_finds("X: y\n   \nZ: z\n\n", ANOM_BROKEN_CONTINUATION));
	CHECK(!block_finds("X: y\n continued\n\tmore\n\n",
	    ANOM_BROKEN_CONTINUATION));

	CHECK(block_finds("Content-T(x)ype: text/html\n\n",
	    ANOM_HEADER_NAME_COMMENT));
	CHECK(!block_finds("Content-Type: text/html (a comment)\n\n",
	    ANOM_HEADER_NAME_COMMENT));

	CHECK(block_finds("Content-Type: text/plain\ncontent-type: text/html\n\n",
	    ANOM_REPEATED_MIME_HEADER));
	CHECK(!block_finds("Received: a\nReceived: b\n\n",
	    ANOM_REPEATED_MIME_HEADER));

	CHECK(block_finds("X: y\nno colon here\nZ: z\n\n",
	    ANOM_BROKEN_PART_HEADERS));
	CHECK(block_finds("Bad Name: z\n\n", ANOM_BROKEN_PART_HEADERS));
	CHECK(block_finds(": empty name\n\n", ANOM_BROKEN_PART_HEADERS));
	CHECK(!block_finds("Subject : obsolete but fine\n\n",
	    ANOM_BROKEN_PART_HEADERS));
	/* Lines after the empty line are body, not headers. */
	CHECK(!block_finds("X: y\n\nno colon here\n", ANOM_BROKEN_PART_HEADERS));

	CHECK(block_finds("Content-Type: multipart/mixed; boundary=a;\n"
	    " boundary=\"b\"\n\n", ANOM_BOUNDARY_REDEFINED));
	CHECK(block_finds("Content-Type: multipart/mixed; boundary=a\n"
	    "Content-Type: multipart/mixed; boundary=b\n\n",
	    ANOM_BOUNDARY_REDEFINED));
	CHECK(!block_finds("Content-Type: multipart/mixed; boundary=\"a;b\"; "
	    "charset=x\n\n", ANOM_BOUNDARY_REDEFINED));
	CHECK(!block_finds("Content-Type: multipart/mixed;\n boundary*0=ab;\n"
	    " boundary*1=cd\n\n", ANOM_BOUNDARY_REDEFINED));

	memset(big, 'b', sizeof(big));
	memcpy(big, "Content-Type: multipart/mixed; boundary=\"", 41);
	memcpy(big + 41 + 251, "\"\n\n", 4);
	CHECK(block_finds(big, ANOM_LONG_BOUNDARY));
	memcpy(big + 41 + 250, "\"\n\n", 4);
	CHECK(!block_finds(big, ANOM_LONG_BOUNDARY));

	/* Details escape what they quote. */
	CHECK(block_finds("X\x01y\n\n", ANOM_BROKEN_PART_HEADERS));
	CHECK(strstr(f.f[0].detail, "\\x01") != NULL);
	/* Empty and cut inputs are safe. */
	CHECK(fc_check_header_block((const uint8_t *)"", 0, &f) == 0);
	CHECK(fc_check_header_block(NULL, 5, &f) == 0);
}

static void
test_block_start(void)
{
	static const char m[] = "--XX\nThis is no header\nContent-Type: a/b\n";
	size_t first = strlen("--XX\nThis is no header\n");

	CHECK(fc_find_block_start((const uint8_t *)m, first, "XX", 2) == 5);
	CHECK(fc_find_block_start((const uint8_t *)m, first, "YY", 2) == first);
	CHECK(fc_find_block_start((const uint8_t *)m, 0, "XX", 2) == 0);
}

static void
test_filetypes(void)
{
	uint8_t pe[128], buf[33000];
	static const struct {
		const char *magic;
		size_t len;
		const char *type;
	} t[] = {
		{ "\x7f" "ELF\x02\x01\x01", 7, "application/x-executable" },
		{ "\xcf\xfa\xed\xfe\x07\x00", 6, "application/x-mach-binary" },
		{ "\xfe\xed\xfa\xce\x00\x00", 6, "application/x-mach-binary" },
		{ "\xca\xfe\xba\xbe\x00\x00\x00\x02", 8, "application/x-mach-binary" },
		{ "\xca\xfe\xba\xbe\x00\x00\x00\x34", 8, "" },	/* Java class */
		{ "#!/bin/sh\necho", 14, "text/x-shellscript" },
		{ "PK\x03\x04\x14\x00", 6, "application/zip" },
		{ "\x1f\x8b\x08\x00", 4, "application/gzip" },
		{ "BZh91AY", 7, "application/x-bzip2" },
		{ "\xfd" "7zXZ\0\0", 7, "application/x-xz" },
		{ "7z\xbc\xaf\x27\x1c\0\x04", 8, "application/x-7z-compressed" },
		{ "Rar!\x1a\x07\x01\x00", 8, "application/vnd.rar" },
		{ "Rar!\x1a\x07\x00", 7, "application/vnd.rar" },
		{ "MSCF\0\0\0\0", 8, "application/vnd.ms-cab-compressed" },
		{ "070701000000", 12, "application/x-cpio" },
		{ "\x78\x9f\x3e\x22\x01", 5, "application/vnd.ms-tnef" },
		{ "%PDF-1.7\n", 9, "application/pdf" },
		{ "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8, "application/vnd.ms-office" },
		{ "\x89PNG\r\n\x1a\n", 8, "image/png" },
		{ "\xff\xd8\xff\xe0", 4, "image/jpeg" },
		{ "GIF89a", 6, "image/gif" },
		{ "RIFF\0\0\0\0WAVEfmt ", 16, "audio/x-wav" },
		{ "ID3\x03", 4, "audio/mpeg" },
		{ "OggS\0", 5, "audio/ogg" },
		{ "MZ is my bank, and this is text with no binary bytes in "
		  "it at all, none.", 71, "" },
		{ "hello", 5, "" },
		{ "", 0, "" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *got = filetype_detect((const uint8_t *)t[i].magic,
		    t[i].len);

		if (strcmp(got, t[i].type) != 0)
			fprintf(stderr, "filetype case %zu: got \"%s\"\n", i, got);
		CHECK(strcmp(got, t[i].type) == 0);
	}
	/* PE: DOS header, e_lfanew at 0x3c pointing at "PE\0\0". */
	memset(pe, 0, sizeof(pe));
	memcpy(pe, "MZ", 2);
	pe[0x3c] = 0x40;
	memcpy(pe + 0x40, "PE\0\0", 4);
	CHECK(strcmp(filetype_detect(pe, sizeof(pe)),
	    "application/x-dosexec") == 0);
	CHECK(filetype_is_executable(filetype_detect(pe, sizeof(pe))));
	/* e_lfanew pointing past the end is read safely */
	pe[0x3c] = 0xff;
	pe[0x3f] = 0x7f;
	CHECK(strcmp(filetype_detect(pe, 64), "application/x-dosexec") == 0);
	/* tar and ISO 9660 sit deeper in the file */
	memset(buf, 0, sizeof(buf));
	memcpy(buf + 257, "ustar", 5);
	CHECK(strcmp(filetype_detect(buf, 512), "application/x-tar") == 0);
	memset(buf, 0, sizeof(buf));
	memcpy(buf + 32769, "CD001", 5);
	CHECK(strcmp(filetype_detect(buf, sizeof(buf)),
	    "application/x-iso9660-image") == 0);
	CHECK(strcmp(filetype_detect(buf, 32770), "") == 0);
	CHECK(strcmp(filetype_detect(NULL, 0), "") == 0);
	CHECK(!filetype_is_executable("application/zip"));
}

int
main(void)
{
	test_filenames();
	test_part_types();
	test_header_blocks();
	test_block_start();
	test_filetypes();
	return CHECK_DONE();
}

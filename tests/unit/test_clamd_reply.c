/* tests: clamd reply and VERSION parsers (scanners/clamd_reply.c) on the
 * replies clamd 1.4.6 really sends, and on what it must refuse. */
#include <string.h>

#include "check.h"
#include "clamd_reply.h"

static struct clamd_reply r;

static enum clamd_reply_kind
parse(const char *s)
{
	return clamd_reply_parse((const uint8_t *)s, strlen(s), &r);
}

static int
version(const char *s, struct clamd_version *v)
{
	return clamd_version_parse((const uint8_t *)s, strlen(s), v);
}

/* Every malformed reply is an error, never clean, and says so. */
static void
check_malformed(const char *s)
{
	CHECK_INT(parse(s), CLAMD_REPLY_ERROR);
	CHECK_INT(r.malformed, 1);
	CHECK_INT(r.subject, CLAMD_SUBJECT_NONE);
}

static void
test_clean(void)
{
	CHECK_INT(parse("stream: OK"), CLAMD_REPLY_OK);
	CHECK_INT(r.subject, CLAMD_SUBJECT_STREAM);
	CHECK_INT(r.has_id, 0);
	CHECK_INT(r.malformed, 0);
	CHECK_INT(r.text_len, 0);

	CHECK_INT(parse("2: stream: OK"), CLAMD_REPLY_OK);
	CHECK_INT(r.has_id, 1);
	CHECK_INT(r.id, 2);

	CHECK_INT(parse("5: fd[11]: OK"), CLAMD_REPLY_OK);
	CHECK_INT(r.subject, CLAMD_SUBJECT_FD);
	CHECK_INT(r.fd, 11);
	CHECK_INT(r.id, 5);
}

static void
test_found(void)
{
	CHECK_INT(parse("3: stream: Eicar-Test-Signature FOUND"),
	    CLAMD_REPLY_FOUND);
	CHECK(strcmp(r.text, "Eicar-Test-Signature") == 0);
	CHECK_INT(r.text_len, strlen("Eicar-Test-Signature"));
	CHECK_INT(r.id, 3);

	CHECK_INT(parse("4: fd[11]: clam.exe.UNOFFICIAL FOUND"),
	    CLAMD_REPLY_FOUND);
	CHECK(strcmp(r.text, "clam.exe.UNOFFICIAL") == 0);
	CHECK_INT(r.subject, CLAMD_SUBJECT_FD);

	/* ExtendedDetectionInfo appends hash and size to the name */
	CHECK_INT(parse("stream: Eicar-Test-Signature("
	    "44d88612fea8a8f36de82e1278abb02f:68) FOUND"), CLAMD_REPLY_FOUND);
	CHECK(strcmp(r.text, "Eicar-Test-Signature("
	    "44d88612fea8a8f36de82e1278abb02f:68)") == 0);

	/* a name that is itself "OK" is still a virus, not clean */
	CHECK_INT(parse("stream: OK FOUND"), CLAMD_REPLY_FOUND);
	CHECK(strcmp(r.text, "OK") == 0);
}

static void
test_errors(void)
{
	CHECK_INT(parse("7: INSTREAM size limit exceeded. ERROR"),
	    CLAMD_REPLY_SIZE_LIMIT);
	CHECK_INT(r.id, 7);
	CHECK(strcmp(r.text, "INSTREAM size limit exceeded.") == 0);
	CHECK_INT(parse("INSTREAM size limit exceeded. ERROR"),
	    CLAMD_REPLY_SIZE_LIMIT);

	CHECK_INT(parse("1: fd[11]: Not a regular file ERROR"),
	    CLAMD_REPLY_ERROR);
	CHECK_INT(r.malformed, 0);
	CHECK_INT(r.subject, CLAMD_SUBJECT_FD);
	CHECK(strcmp(r.text, "Not a regular file") == 0);

	CHECK_INT(parse("1: No file descriptor received. ERROR"),
	    CLAMD_REPLY_ERROR);
	CHECK_INT(r.malformed, 0);
	CHECK_INT(r.subject, CLAMD_SUBJECT_NONE);
	CHECK(strcmp(r.text, "No file descriptor received.") == 0);

	CHECK_INT(parse("1: Command invalid inside IDSESSION. ERROR"),
	    CLAMD_REPLY_ERROR);
	CHECK_INT(r.malformed, 0);

	CHECK_INT(parse("stream: Can't allocate memory ERROR"),
	    CLAMD_REPLY_ERROR);
	CHECK(strcmp(r.text, "Can't allocate memory") == 0);
	CHECK_INT(r.subject, CLAMD_SUBJECT_STREAM);
}

static void
test_malformed(void)
{
	static char big[CLAMD_REPLY_MAX + 2];
	static const uint8_t nul_inside[] = "stream: OK\0junk";
	static const uint8_t high[] = "stream: \xc3\xa9 FOUND";

	check_malformed("");
	check_malformed("PONG");
	check_malformed("1: PONG");
	check_malformed("UNKNOWN COMMAND");
	check_malformed("stream: OK\n");		/* n-terminated */
	check_malformed("stream:OK");
	check_malformed("stream: OK ");
	check_malformed("stream: ok");
	check_malformed("stream:  OK");
	check_malformed("Stream: OK");
	check_malformed("OK");
	check_malformed(": OK");
	check_malformed("1:stream: OK");
	check_malformed("01: stream: OK");		/* no leading zero */
	check_malformed("0: stream: OK");		/* ids start at 1 */
	check_malformed("4294967296: stream: OK");	/* over 32 bits */
	check_malformed("12345678901: stream: OK");	/* over 10 digits */
	check_malformed("1 stream: OK");
	check_malformed("fd[]: OK");
	check_malformed("fd[x]: OK");
	check_malformed("fd[11: OK");
	check_malformed("fd[11]:OK");
	check_malformed("fd[-1]: OK");
	check_malformed("stream: FOUND");		/* no name */
	check_malformed("stream:  FOUND");
	check_malformed("stream:  x FOUND");
	check_malformed("stream: ERROR");		/* no text */
	check_malformed("Eicar FOUND");			/* no subject */
	check_malformed("ClamAV 1.4.6");		/* a version, not a verdict */
	check_malformed("INSTREAM size limit exceeded.");
	check_malformed("\x01stream: OK");

	CHECK_INT(clamd_reply_parse(nul_inside, sizeof(nul_inside) - 1, &r),
	    CLAMD_REPLY_ERROR);
	CHECK_INT(r.malformed, 1);
	CHECK(strcmp(r.text, "stream: OK?junk") == 0);
	CHECK_INT(clamd_reply_parse(high, sizeof(high) - 1, &r),
	    CLAMD_REPLY_ERROR);
	CHECK_INT(r.malformed, 1);

	/* over the ceiling: refused even though the shape is right */
	memset(big, 'A', sizeof(big) - 1);
	memcpy(big, "stream: ", 8);
	memcpy(big + sizeof(big) - 1 - 6, " FOUND", 6);
	CHECK_INT(clamd_reply_parse((const uint8_t *)big, sizeof(big) - 1, &r),
	    CLAMD_REPLY_ERROR);
	CHECK_INT(r.malformed, 1);
	CHECK_INT(r.text_len, CLAMD_REPLY_MAX);
	/* at the ceiling: accepted */
	CHECK_INT(clamd_reply_parse((const uint8_t *)big + 1,
	    sizeof(big) - 2, &r), CLAMD_REPLY_ERROR);	/* "tream: " */
	memcpy(big + 1, "stream: ", 8);
	CHECK_INT(clamd_reply_parse((const uint8_t *)big + 1,
	    sizeof(big) - 2, &r), CLAMD_REPLY_FOUND);
	CHECK_INT(r.text_len, CLAMD_REPLY_MAX - 8 - 6);
}

static void
test_version(void)
{
	struct clamd_version v;

	CHECK_INT(version("ClamAV 1.0.7/27000/Tue Nov 24 09:30:00 2026", &v), 0);
	CHECK(strcmp(v.engine, "1.0.7") == 0);
	CHECK(strcmp(v.database, "27000") == 0);
	CHECK(strcmp(v.db_time, "Tue Nov 24 09:30:00 2026") == 0);
	CHECK_INT(v.has_id, 0);

	/* what clamd 1.4.6 says inside IDSESSION with custom .hdb only */
	CHECK_INT(version("1: ClamAV 1.4.6", &v), 0);
	CHECK_INT(v.has_id, 1);
	CHECK_INT(v.id, 1);
	CHECK(strcmp(v.engine, "1.4.6") == 0);
	CHECK(v.database[0] == '\0');
	CHECK(v.db_time[0] == '\0');

	CHECK_INT(version("ClamAV 0.103.8+dfsg/26800/Mon Jan  2 08:00:00 2023",
	    &v), 0);
	CHECK(strcmp(v.engine, "0.103.8+dfsg") == 0);

	CHECK_INT(version("", &v), -1);
	CHECK(v.engine[0] == '\0');
	CHECK_INT(version("ClamAV ", &v), -1);
	CHECK_INT(version("ClamAV 1.4.6/", &v), -1);
	CHECK_INT(version("ClamAV 1.4.6/27000", &v), -1);
	CHECK_INT(version("ClamAV 1.4.6/27000/", &v), -1);
	CHECK_INT(version("ClamAV 1.4.6/27x00/Tue", &v), -1);
	CHECK_INT(version("ClamAV 1.4.6/27000/Tue/x", &v), -1);
	CHECK_INT(version("ClamAV 1.4 .6", &v), -1);
	CHECK_INT(version("clamav 1.4.6", &v), -1);
	CHECK_INT(version("1: stream: OK", &v), -1);
	CHECK_INT(version("COMMAND UNAVAILABLE", &v), -1);
	CHECK_INT(version("ClamAV 1.4.6\n", &v), -1);
	CHECK_INT(version("ClamAV 1234567890123456789012345678901234567890"
	    "123456789012345678901234", &v), -1);	/* 64-byte engine */
	CHECK(v.engine[0] == '\0');
	CHECK_INT(v.has_id, 0);
}

int
main(void)
{
	test_clean();
	test_found();
	test_errors();
	test_malformed();
	test_version();
	return CHECK_DONE();
}

/* tests: unit tests for unpacker/uuencode.c (finder and decoder); harness. */
#include <stdio.h>
#include <string.h>

#include "uuencode.h"

static int failures;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: %s: check failed: %s\n",	\
		    __FILE__, __LINE__, __func__, #cond);		\
		failures++;						\
	}								\
} while (0)

static enum uu_result
find(const char *text, size_t *pos, struct uu_block *blk)
{
	return uu_next_block((const uint8_t *)text, strlen(text), pos, blk);
}

/* Decodes the first block of text into out; returns the length or -1. */
static long
decode_first(const char *text, uint8_t *out, size_t cap, char *name,
    size_t name_cap)
{
	struct uu_block blk;
	size_t pos = 0;

	if (find(text, &pos, &blk) != UU_BLOCK)
		return -1;
	if (name != NULL && blk.name_len < name_cap) {
		memcpy(name, blk.name, blk.name_len);
		name[blk.name_len] = '\0';
	}
	if (blk.decoded_len > cap)
		return -1;
	if (uu_decode_block((const uint8_t *)text, strlen(text), &blk, out,
	    cap) != blk.decoded_len)
		return -1;
	return (long)blk.decoded_len;
}

static void
test_uuencode_simple(void)
{
	/* "Cat" is the classic example: "#0V%T" */
	const char *t = "hello\nbegin 644 cat.txt\n#0V%T\n`\nend\nbye\n";
	uint8_t out[16];
	char name[64];
	struct uu_block blk;
	size_t pos = 0;

	CHECK(decode_first(t, out, sizeof(out), name, sizeof(name)) == 3);
	CHECK(memcmp(out, "Cat", 3) == 0);
	CHECK(strcmp(name, "cat.txt") == 0);
	CHECK(find(t, &pos, &blk) == UU_BLOCK);
	CHECK(blk.mode == 0644);
	CHECK(blk.begin == 6);
	CHECK(find(t, &pos, &blk) == UU_NONE);
	CHECK(pos == strlen(t));

	/* A six-digit mode, as "ls -l" would show a regular file (uudecode
	 * takes it): the block must not be skipped. */
	pos = 0;
	CHECK(find("begin 100644 cat.txt\n#0V%T\n`\nend\n", &pos, &blk) ==
	    UU_BLOCK);
	CHECK(blk.mode == 0100644);
	pos = 0;
	CHECK(find("begin 1006440 cat.txt\n#0V%T\n`\nend\n", &pos, &blk) ==
	    UU_NONE);
}

static void
test_uuencode_crlf_and_long(void)
{
	/* 45 bytes "abc...": the full line as GNU uuencode writes it */
	const char *t =
	    "begin 600 my file.bin\r\n"
	    "M86)C9&5F9VAI:FML;6YO<'%R<W1U=G=X>7IA8F-D969G:&EJ:VQM;F]P<7)S\r\n"
	    "#=79W\r\n"
	    "`\r\n"
	    "end\r\n";
	const char *want = "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrs" "uvw";
	uint8_t out[64];
	char name[64];

	CHECK(decode_first(t, out, sizeof(out), name, sizeof(name)) == 48);
	CHECK(memcmp(out, want, 48) == 0);
	CHECK(strcmp(name, "my file.bin") == 0);
}

static void
test_uuencode_bad(void)
{
	struct uu_block blk;
	size_t pos = 0;
	const char *noend = "begin 644 x.bin\n#0V%T\n`\n";
	const char *badchar = "begin 644 x.bin\n#0V%T{{{\nend\n";
	const char *twice = "begin 644 a\n#0V%T\nbegin 644 b\n#0V%T\n`\nend\n";

	CHECK(find(noend, &pos, &blk) == UU_BAD);
	CHECK(blk.name_len == 5 && memcmp(blk.name, "x.bin", 5) == 0);
	CHECK(pos == strlen("begin 644 x.bin\n"));
	CHECK(find(noend, &pos, &blk) == UU_NONE);

	pos = 0;
	CHECK(find(badchar, &pos, &blk) == UU_BAD);

	/* The first block is broken by the second begin; the second is good. */
	pos = 0;
	CHECK(find(twice, &pos, &blk) == UU_BAD);
	CHECK(find(twice, &pos, &blk) == UU_BLOCK);
	CHECK(blk.name_len == 1 && blk.name[0] == 'b');
	CHECK(blk.decoded_len == 3);
}

static void
test_uuencode_not_a_block(void)
{
	struct uu_block blk;
	size_t pos;

	pos = 0;
	CHECK(find("begin-base64 644 x\nQUJD\n====\n", &pos, &blk) == UU_NONE);
	pos = 0;
	CHECK(find("begin 644\n#0V%T\n`\nend\n", &pos, &blk) == UU_NONE);
	pos = 0;
	CHECK(find("begin 9999 x\n#0V%T\n`\nend\n", &pos, &blk) == UU_NONE);
	pos = 0;
	CHECK(find("say begin 644 x\n#0V%T\n`\nend\n", &pos, &blk) == UU_NONE);
	pos = 0;
	CHECK(find("", &pos, &blk) == UU_NONE);
	/* Starting mid-line must not see a begin in the rest of the line. */
	pos = 2;
	CHECK(find("xxbegin 644 y\n#0V%T\n`\nend\n", &pos, &blk) == UU_NONE);
}

static void
test_uuencode_edge(void)
{
	uint8_t out[8];
	struct uu_block blk;
	size_t pos = 0;
	/* empty file; "end" directly after data; stripped trailing zeros */
	const char *empty = "begin 644 e\n`\nend\n";
	const char *noterm = "begin 644 n\n#0V%T\nend\n";
	const char *stripped = "begin 644 s\n!``\n`\nend\n";
	const char *strip2 = "begin 644 s\n!((\n`\nend\n";
	const char *short1 = "begin 644 s\n!(\n`\nend\n";

	CHECK(decode_first(empty, out, sizeof(out), NULL, 0) == 0);
	CHECK(decode_first(noterm, out, sizeof(out), NULL, 0) == 3);
	CHECK(decode_first(stripped, out, sizeof(out), NULL, 0) == 1);
	CHECK(out[0] == 0);
	/* "!((": one byte from 2 of 4 characters: 8 << 2 | 8 >> 4 = 0x20 */
	CHECK(decode_first(strip2, out, sizeof(out), NULL, 0) == 1);
	CHECK(out[0] == 0x20);
	/* One character cannot carry a byte. */
	pos = 0;
	CHECK(find(short1, &pos, &blk) == UU_BAD);
	/* A line claiming 45 bytes with 2 characters is not uuencode. */
	pos = 0;
	CHECK(find("begin 644 m\nM!!\n`\nend\n", &pos, &blk) == UU_BAD);
	/* Too small an output buffer: nothing written, 0 returned. */
	pos = 0;
	CHECK(find(noterm, &pos, &blk) == UU_BLOCK);
	CHECK(uu_decode_block((const uint8_t *)noterm, strlen(noterm), &blk,
	    out, 2) == 0);
}

int
main(void)
{
	test_uuencode_simple();
	test_uuencode_crlf_and_long();
	test_uuencode_bad();
	test_uuencode_not_a_block();
	test_uuencode_edge();
	if (failures > 0) {
		fprintf(stderr, "test_uuencode: %d check(s) failed\n", failures);
		return 1;
	}
	printf("test_uuencode: all checks passed\n");
	return 0;
}

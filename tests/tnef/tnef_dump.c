/* tests: prints what unpacker/tnef.c finds in a TNEF file, one line per
 * attachment ("name<TAB>size<TAB>sha256") and one per anomaly ("# code
 * detail"), for tests/tnef/compare_tools.sh; harness. */
#include <stdio.h>
#include <stdlib.h>

#include <glib.h>

#include "tnef.h"

/* TNEF parts are decoded MIME parts: the role caps those far below. */
#define DUMP_MAX_INPUT	(64u * 1024 * 1024)

static void
dump_on_attachment(void *ctx, const struct tnef_attachment *att)
{
	char *sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256,
	    att->data, att->size);

	(void)ctx;
	printf("%s\t%zu\t%s\n", att->name, att->size, sum);
	g_free(sum);
}

static void
dump_on_anomaly(void *ctx, uint32_t parent, enum tnef_anomaly code,
    const char *detail)
{
	(void)ctx;
	(void)parent;
	printf("# %s %s\n", tnef_anomaly_name(code), detail);
}

int
main(int argc, char **argv)
{
	static const struct tnef_sink sink = {
		.on_attachment = dump_on_attachment,
		.on_anomaly = dump_on_anomaly,
	};
	struct tnef_limits lim = { .max_attachments = 1000, .max_depth = 8 };
	gchar *buf = NULL;
	gsize len = 0;
	enum tnef_result res;

	if (argc != 2) {
		fprintf(stderr, "usage: tnef-dump FILE\n");
		return 2;
	}
	if (!g_file_get_contents(argv[1], &buf, &len, NULL) ||
	    len > DUMP_MAX_INPUT) {
		fprintf(stderr, "tnef-dump: cannot read %s\n", argv[1]);
		g_free(buf);
		return 2;
	}
	res = tnef_parse((const uint8_t *)buf, len, &lim, &sink, NULL, NULL);
	g_free(buf);
	return res == TNEF_MESSAGE_FATAL ? 2 : 0;
}

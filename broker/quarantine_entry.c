/* broker: reading a quarantine entry back (docs/quarantine.md); trusted. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "broker_env.h"
#include "envelope.h"
#include "qscan_limits.h"
#include "quarantine_entry.h"
#include "spool.h"

int
qentry_id_valid(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > 255 || !g_ascii_isalnum(id[0]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isalnum(id[i]) && id[i] != '.' && id[i] != '_' &&
		    id[i] != '-')
			return 0;
	return strstr(id, "..") == NULL;
}

/* "<prefix>-<suffix>: value": the value when the name ends so. */
static const char *
field(const char *line, const char *suffix)
{
	const char *colon = strstr(line, ": ");
	size_t n = strlen(suffix);

	if (colon == NULL || (size_t)(colon - line) <= n ||
	    strncmp(colon - n, suffix, n) != 0 || colon[-n - 1] == ':')
		return NULL;
	return colon + 2;
}

static char *
angle_strip(const char *v)
{
	size_t n = strlen(v);

	if (n >= 2 && v[0] == '<' && v[n - 1] == '>')
		return g_strndup(v + 1, n - 2);
	return g_strdup(v);
}

int
qentry_read(const char *path, const char *folder, const char *name,
    struct qentry *e, char **why)
{
	FILE *f;
	struct stat st;
	char *line = NULL, *colon;
	size_t cap = 0;
	ssize_t n;
	const char *v;

	memset(e, 0, sizeof(*e));
	e->to = g_ptr_array_new_with_free_func(g_free);
	e->path = g_strdup(path);
	e->folder = g_strdup(folder);
	colon = strchr(name, ':');
	e->id = colon ? g_strndup(name, colon - name) : g_strdup(name);
	e->released = colon != NULL && strncmp(colon, ":2,", 3) == 0 &&
	    strchr(colon + 3, 'P') != NULL;
	f = fopen(path, "rbe");
	if (f == NULL || fstat(fileno(f), &st) != 0) {
		*why = g_strdup_printf("%s: %s", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	e->mtime = st.st_mtime;
	e->file_size = st.st_size;
	/* Our lines, up to and with <prefix>-Quarantine-Original. */
	while ((n = getline(&line, &cap, f)) > 0 &&
	    ftell(f) <= (long)QENTRY_HEAD_MAX) {
		if (line[n - 1] != '\n')
			break;
		line[n - 1] = '\0';
		if ((v = field(line, "-Quarantine-Reason")) != NULL) {
			g_free(e->reason);
			e->reason = g_strdup(v);
		} else if ((v = field(line, "-Envelope-From")) != NULL) {
			g_free(e->from);
			e->from = angle_strip(v);
		} else if ((v = field(line, "-Envelope-To")) != NULL)
			g_ptr_array_add(e->to, angle_strip(v));
		else if ((v = field(line, "-Quarantine-Facts")) != NULL) {
			g_free(e->facts);
			e->facts = g_strdup(v);
		} else if ((v = field(line, "-Quarantine-Envelope")) != NULL) {
			gsize len = 0;
			guchar *raw = g_base64_decode(v, &len);

			if (e->envelope)
				g_bytes_unref(e->envelope);
			e->envelope = g_bytes_new_take(raw, len);
		} else if ((v = field(line, "-Quarantine-Original")) != NULL) {
			unsigned long long len;
			char sum[65];

			if (sscanf(v, "%llu %64[0-9a-f]", &len, sum) == 2 &&
			    strlen(sum) == 64) {
				e->orig_len = len;
				memcpy(e->sha256, sum, sizeof(sum));
				e->has_original = 1;
			}
			e->head_len = (off_t)ftell(f);
			break;
		} else
			break;	/* an entry written before release existed */
	}
	free(line);
	fclose(f);
	/* The raw envelope, when kept, is the exact one: shown from it. */
	if (e->envelope != NULL) {
		struct envelope env = { 0 };
		gsize len;
		const uint8_t *raw = g_bytes_get_data(e->envelope, &len);

		if (envelope_parse(raw, len, ENVELOPE_RECIPIENTS_MAX, &env) ==
		    ENVELOPE_OK) {
			g_free(e->from);
			e->from = g_strdup(env.sender);
			g_ptr_array_set_size(e->to, 0);
			for (guint i = 0; i < env.recipients->len; i++)
				g_ptr_array_add(e->to,
				    g_strdup(env.recipients->pdata[i]));
		}
		envelope_clear(&env);
	}
	if (e->reason == NULL)
		e->reason = g_strdup("");
	e->verdict = g_strndup(e->reason, strcspn(e->reason, ":"));
	if (e->from == NULL)
		e->from = g_strdup("");
	if (e->facts == NULL)
		e->facts = g_strdup("");
	return 0;
}

static int
sort_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dir, sorted (maildir names begin with the time). */
static GPtrArray *
names_in(const char *dir)
{
	GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
	DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			g_ptr_array_add(a, g_strdup(de->d_name));
	if (d)
		closedir(d);
	g_ptr_array_sort(a, sort_names);
	return a;
}

GPtrArray *
qentry_folders(const char *spool_dir)
{
	g_autofree char *q = g_build_filename(spool_dir, "quarantine", NULL);
	GPtrArray *all = names_in(q), *out =
	    g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; i < all->len; i++) {
		const char *name = all->pdata[i];
		g_autofree char *nd = g_build_filename(q, name, "new", NULL);

		if (qentry_id_valid(name) && g_file_test(nd, G_FILE_TEST_IS_DIR))
			g_ptr_array_add(out, g_strdup(name));
	}
	g_ptr_array_unref(all);
	return out;
}

int
qentry_find(const char *spool_dir, const char *id, struct qentry *e,
    char **why)
{
	g_autoptr(GPtrArray) folders = NULL;
	static const char *const sub[] = { "new", "cur" };
	size_t n = strlen(id);

	if (!qentry_id_valid(id)) {
		*why = g_strdup("not a quarantine id (letters, digits, '.', "
		    "'_' and '-' only)");
		return -1;
	}
	folders = qentry_folders(spool_dir);
	for (guint i = 0; i < folders->len; i++)
		for (int s = 0; s < 2; s++) {
			g_autofree char *dir = g_build_filename(spool_dir,
			    "quarantine", (char *)folders->pdata[i], sub[s],
			    NULL);
			g_autoptr(GPtrArray) names = names_in(dir);

			for (guint j = 0; j < names->len; j++) {
				const char *nm = names->pdata[j];
				g_autofree char *path = NULL;

				if (strncmp(nm, id, n) != 0 ||
				    (nm[n] != '\0' && nm[n] != ':'))
					continue;
				path = g_build_filename(dir, nm, NULL);
				return qentry_read(path, folders->pdata[i], nm,
				    e, why);
			}
		}
	*why = g_strdup("no such entry");
	return -1;
}

static int
by_mtime(gconstpointer a, gconstpointer b)
{
	const struct qentry *x = *(struct qentry *const *)a;
	const struct qentry *y = *(struct qentry *const *)b;

	return x->mtime < y->mtime ? -1 : x->mtime > y->mtime ? 1 :
	    strcmp(x->id, y->id);
}

static void
entry_free(gpointer p)
{
	qentry_clear(p);
	g_free(p);
}

void
qentry_each(const char *spool_dir, void (*fn)(struct qentry *e, void *arg),
    void *arg)
{
	g_autoptr(GPtrArray) folders = qentry_folders(spool_dir);
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func(entry_free);
	static const char *const sub[] = { "new", "cur" };

	for (guint i = 0; i < folders->len; i++)
		for (int s = 0; s < 2; s++) {
			g_autofree char *dir = g_build_filename(spool_dir,
			    "quarantine", (char *)folders->pdata[i], sub[s],
			    NULL);
			g_autoptr(GPtrArray) names = names_in(dir);

			for (guint j = 0; j < names->len; j++) {
				g_autofree char *path = g_build_filename(dir,
				    (char *)names->pdata[j], NULL);
				g_autofree char *why = NULL;
				struct qentry *e = g_new0(struct qentry, 1);

				if (qentry_read(path, folders->pdata[i],
				    names->pdata[j], e, &why) == 0)
					g_ptr_array_add(all, e);
				else {
					fprintf(stderr, "qscan: %s\n", why);
					entry_free(e);
				}
			}
		}
	g_ptr_array_sort(all, by_mtime);
	for (guint i = 0; i < all->len; i++)
		fn(all->pdata[i], arg);
}

int
qentry_original_fd(const struct qentry *e, char **why)
{
	g_autoptr(GChecksum) ck = g_checksum_new(G_CHECKSUM_SHA256);
	static uint8_t buf[65536];
	uint64_t off = 0;
	int in, out;

	if (!e->has_original || e->envelope == NULL) {
		*why = g_strdup("the entry keeps no original length, digest "
		    "or raw envelope (written before qscan release): take "
		    "it out by hand");
		return -1;
	}
	if ((uint64_t)e->file_size != (uint64_t)e->head_len + e->orig_len) {
		*why = g_strdup_printf("truncated or damaged entry: %lld bytes "
		    "after our header lines, %llu expected",
		    (long long)(e->file_size - e->head_len),
		    (unsigned long long)e->orig_len);
		return -1;
	}
	if ((in = open(e->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0 ||
	    (out = memfd_create("qscan-release", MFD_CLOEXEC)) < 0) {
		*why = g_strdup_printf("%s: %s", e->path, strerror(errno));
		if (in >= 0)
			close(in);
		return -1;
	}
	while (off < e->orig_len) {
		size_t want = e->orig_len - off < sizeof(buf) ?
		    (size_t)(e->orig_len - off) : sizeof(buf);
		ssize_t n = pread(in, buf, want, e->head_len + (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || fd_write_all(out, buf, (size_t)n) != 0) {
			*why = g_strdup_printf("%s: %s", e->path, n == 0 ?
			    "truncated" : strerror(errno));
			close(in);
			close(out);
			return -1;
		}
		g_checksum_update(ck, buf, (gsize)n);
		off += (uint64_t)n;
	}
	close(in);
	if (strcmp(g_checksum_get_string(ck), e->sha256) != 0) {
		*why = g_strdup("damaged entry: the original's sha256 differs "
		    "from the one stored");
		close(out);
		return -1;
	}
	return out;
}

void
qentry_clear(struct qentry *e)
{
	g_free(e->id);
	g_free(e->folder);
	g_free(e->path);
	g_free(e->reason);
	g_free(e->verdict);
	g_free(e->from);
	g_free(e->facts);
	if (e->to)
		g_ptr_array_unref(e->to);
	if (e->envelope)
		g_bytes_unref(e->envelope);
	memset(e, 0, sizeof(*e));
}

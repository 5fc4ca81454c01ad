/* broker: reading a quarantine entry back (docs/quarantine.md): the id,
 * our header lines, the original's place and digest; trusted, reads
 * files it wrote (which carry hostile bytes, sanitised when shown). */
#ifndef QSCAN_QUARANTINE_ENTRY_H
#define QSCAN_QUARANTINE_ENTRY_H

#include <stdint.h>
#include <sys/types.h>
#include <glib.h>

/* Our header block is bounded: more is a damaged entry. */
#define QENTRY_HEAD_MAX (64u << 20)

struct qentry {
	char *id;		/* the maildir name up to ':' */
	char *folder;		/* viruses, policy, ... */
	char *path;		/* the file */
	int released;		/* in cur/ with the P (passed) flag */
	time_t mtime;
	off_t file_size;
	char *reason;		/* "<verdict>: <reason>", as stored */
	char *verdict;		/* the reason up to ':' */
	char *from;		/* <prefix>-Envelope-From, sanitised */
	GPtrArray *to;		/* <prefix>-Envelope-To values */
	char *facts;
	GBytes *envelope;	/* raw, decoded; NULL when absent */
	uint64_t orig_len;	/* valid when has_original */
	char sha256[65];
	int has_original;
	off_t head_len;		/* where the original begins */
};

/* 1 when `id` can only name an entry: [A-Za-z0-9][A-Za-z0-9._-]*, at
 * most 255 bytes (no '/', no "..", no ':'). */
int qentry_id_valid(const char *id);

/* Reads the entry at `path` (folder and file name given); -1 with *why
 * when it cannot be read. */
int qentry_read(const char *path, const char *folder, const char *name,
    struct qentry *e, char **why);

/* Finds `id` in <spool>/quarantine/<folder>/{new,cur}; 0, or -1 with
 * *why ("no such entry"). */
int qentry_find(const char *spool_dir, const char *id, struct qentry *e,
    char **why);

/* Calls fn for each entry of every folder, oldest first. */
void qentry_each(const char *spool_dir,
    void (*fn)(struct qentry *e, void *arg), void *arg);

/* The folders under <spool>/quarantine that are maildirs (have new/). */
GPtrArray *qentry_folders(const char *spool_dir);

/* Copies the original into a new memfd after checking its length and
 * sha256; -1 with *why ("truncated", "damaged") otherwise. */
int qentry_original_fd(const struct qentry *e, char **why);

void qentry_clear(struct qentry *e);

#endif

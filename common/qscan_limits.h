/* common: compile-time ceilings shared by the broker and the roles; trusted. */
#ifndef QSCAN_LIMITS_H
#define QSCAN_LIMITS_H

/* qmail-queue refuses an address of ADDR (1003) bytes or more with 11. */
#define ENVELOPE_ADDRESS_MAX	1002
/* Hard ceiling on recipients; the configured limit may only be lower. */
#define ENVELOPE_RECIPIENTS_MAX	100000

/* One record fits one SOCK_SEQPACKET datagram; 64 KiB keeps the broker's
 * receive buffer on the stack-free heap path small and bounded. */
#define RECORD_MAX		65536
/* Strings inside records (paths, names, header values). A filename over
 * 256 characters is itself a finding, so keep room above that. */
#define RECORD_STR_MAX		4096
/* Header values reported per message (Subject, From, ...). */
#define HEADER_VALUE_MAX	2048
/* Header fields of the top-level message reported one by one (name and
 * value, REC_HEADER_FIELD).  Real mail carries 20-60 (a long Received
 * chain, DKIM, ARC, list headers); 256 covers any of them with room, and
 * keeps the worst case at 256 * (HEADER_VALUE_MAX + a name) = about half
 * a megabyte of records for the broker to hold. */
#define HEADER_FIELDS_MAX	256
/* Anomalies a role may report beyond one per part: the message-wide ones
 * (limits, parse failure, header facts cut) and some slack.  More than
 * max_parts + ANOMALIES_OVER_PARTS_MAX anomalies fail the role. */
#define ANOMALIES_OVER_PARTS_MAX 64
/* Filenames per part (name=, filename=, RFC 2231, uuencode). */
#define PART_FILENAMES_MAX	8
/* The text of one message's facts as the broker keeps it: every string of
 * every record (paths, types, names, header values, anomaly details),
 * each at its length plus its NUL.  An ordinary part costs about 100
 * bytes (path "1.2", a type, "base64", two names of 20 characters), so
 * 16 MiB holds 10 000 such parts more than ten times over and the
 * configured ceiling of max_parts (15 000) at 1 KiB each.  Without it a
 * message of 10 000 parts could make the broker hold 13 strings of
 * RECORD_STR_MAX per part, over 500 MB.  The records' fixed parts are
 * bounded by the counts (max_parts, PART_FILENAMES_MAX, HEADER_FIELDS_MAX,
 * ANOMALIES_OVER_PARTS_MAX), a few MB at most.  Going over it is a content
 * limit (ANOM_LIMIT_FACT_BYTES), see broker/unpack_facts.c. */
#define FACTS_STRING_BYTES_MAX	(16u * 1024 * 1024)
/* The same for one scanner's verdicts: names come from the engine's
 * database ("Win.Trojan.Agent-123-0"), not from the message, so even a
 * virus in each of 15 000 parts stays far below 4 MiB; more is a lie and
 * fails the scanner. */
#define SCANNER_STRING_BYTES_MAX (4u * 1024 * 1024)

/* Default content limits; the configuration may lower or raise them. */
#define DEFAULT_MAX_MESSAGE_BYTES	(100u * 1024 * 1024)	/* Q-S --max-scan-size */
#define DEFAULT_MAX_PARTS		10000
#define DEFAULT_MAX_DEPTH		32
#define DEFAULT_MAX_DECODED_BYTES	(1024ull * 1024 * 1024)	/* Q-S --max-zip-size */
#define DEFAULT_MAX_RECIPIENTS		10000
/* Archives and TNEF streams inside parts (the unpack role's containers). */
#define DEFAULT_MAX_ARCHIVE_DEPTH	8	/* 42.zip needs 5; more is a bomb */
#define DEFAULT_MAX_ARCHIVE_MEMBERS	10000
#define DEFAULT_MAX_EXPANDED_BYTES	(1024ull * 1024 * 1024)	/* Q-S --max-zip-size */
#define DEFAULT_MAX_EXPANSION_RATIO	100	/* real archives stay below 20 */
/* The deepest archive nesting the configuration may ask for, and the
 * role's archive walk cuts any deeper request to it: each level keeps a
 * libarchive handle and a member's bytes alive. */
#define ARCHIVE_DEPTH_CEILING		32

/* Roles: a wall-clock deadline and resource ceilings. */
#define DEFAULT_ROLE_TIMEOUT_MS		60000
#define DEFAULT_ROLE_CPU_SECONDS	30
#define DEFAULT_ROLE_MEMORY_MB		1024
#define ROLE_NOFILE			32
/* The unpack role sends a memfd per part; those in flight count against
 * its RLIMIT_NOFILE.  Below the usual hard limit of 4096 or more. */
#define UNPACK_NOFILE			4096
/* Role log lines: bounded per line and per role run. */
#define ROLE_LOG_LINE_MAX		512
#define ROLE_LOG_BYTES_MAX		16384

/* Zygotes (docs/warm.md): children one zygote runs at once (more
 * connections wait in the listening socket's backlog), and how long an
 * accepted connection may take to send its request. */
#define ZYGOTE_CHILDREN_MAX		64
#define ZYGOTE_REQUEST_WAIT_MS		5000
/* The default of service.zygote_max_children: every child shares its
 * zygote's address layout, so ASLR gives one layout to at most this
 * many messages. */
#define DEFAULT_ZYGOTE_MAX_CHILDREN	1000

/* The configuration file itself. */
#define CONFIG_FILE_MAX		(1024 * 1024)

#endif

/* broker: qmail-queue(8) exit codes and what qmail-smtpd answers; trusted. */
#ifndef QSCAN_EXITCODES_H
#define QSCAN_EXITCODES_H

enum qq_exit {
	QQ_OK = 0,
	QQ_PERM_ADDRESS_TOO_LONG = 11,
	QQ_PERM_REFUSED = 31,
	QQ_TEMP_NO_MEMORY = 51,
	QQ_TEMP_TIMEOUT = 52,
	QQ_TEMP_WRITE_ERROR = 53,
	QQ_TEMP_READ_ERROR = 54,
	QQ_TEMP_CONFIG = 55,
	QQ_TEMP_REFUSED = 71,
	QQ_TEMP_INTERNAL_BUG = 81,
	QQ_CUSTOM_TEXT = 82,
	QQ_TEMP_ENVELOPE_FORMAT = 91,
	QQ_TEMP_EXEC_FAILED = 120,
};

/* Our own failure kinds, mapped onto qmail-queue's temporary codes. */
enum qscan_failure {
	FAIL_NONE = 0,
	FAIL_MEMORY,
	FAIL_TIMEOUT,
	FAIL_WRITE,
	FAIL_READ,
	FAIL_CONFIG,
	FAIL_ROLE,	/* a role crashed, was killed, or sent bad records */
	FAIL_INTERNAL,
	FAIL_SANDBOX,	/* the sandbox could not be set up or the canary lived */
};

/* Temporary qmail-queue code for a failure of ours; never 0, never permanent. */
int qq_exit_for_failure(enum qscan_failure f);
const char *qscan_failure_name(enum qscan_failure f);

/* 1 when qmail-smtpd treats the code as permanent (554). */
int qq_is_permanent(int code);

#endif

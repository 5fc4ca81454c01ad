/* broker: exit-code mapping, shared by every program; trusted. */
#include "exitcodes.h"

int
qq_exit_for_failure(enum qscan_failure f)
{
	switch (f) {
	case FAIL_MEMORY:	return QQ_TEMP_NO_MEMORY;
	case FAIL_TIMEOUT:	return QQ_TEMP_TIMEOUT;
	case FAIL_WRITE:	return QQ_TEMP_WRITE_ERROR;
	case FAIL_READ:		return QQ_TEMP_READ_ERROR;
	case FAIL_CONFIG:	return QQ_TEMP_CONFIG;
	case FAIL_NONE:
	case FAIL_ROLE:
	case FAIL_INTERNAL:
	case FAIL_SANDBOX:
	default:		return QQ_TEMP_INTERNAL_BUG;
	}
}

const char *
qscan_failure_name(enum qscan_failure f)
{
	switch (f) {
	case FAIL_NONE:		return "none";
	case FAIL_MEMORY:	return "memory";
	case FAIL_TIMEOUT:	return "timeout";
	case FAIL_WRITE:	return "write";
	case FAIL_READ:		return "read";
	case FAIL_CONFIG:	return "config";
	case FAIL_ROLE:		return "role";
	case FAIL_INTERNAL:	return "internal";
	case FAIL_SANDBOX:	return "sandbox";
	default:		return "unknown";
	}
}

int
qq_is_permanent(int code)
{
	return code >= 11 && code <= 40;
}

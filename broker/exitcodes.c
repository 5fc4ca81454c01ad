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

const char *
qq_smtp_reply(int code)
{
	switch (code) {
	case 0:   return "250 ok";
	case 11:  return "554 envelope address too long for qq (#5.1.3)";
	case 31:  return "554 mail server permanently rejected message (#5.3.0)";
	case 51:  return "451 qq out of memory (#4.3.0)";
	case 52:  return "451 qq timeout (#4.3.0)";
	case 53:  return "451 qq write error or disk full (#4.3.0)";
	case 54:  return "451 qq read error (#4.3.0)";
	case 55:  return "451 qq unable to read configuration (#4.3.0)";
	case 56:  return "451 qq trouble making network connection (#4.3.0)";
	case 61:  return "451 qq trouble in home directory (#4.3.0)";
	case 62: case 63: case 64: case 65: case 66:
		  return "451 qq trouble creating files in queue (#4.3.0)";
	case 71:  return "451 mail server temporarily rejected message (#4.3.0)";
	case 72:  return "451 connection to mail server timed out (#4.4.1)";
	case 73:  return "451 connection to mail server rejected (#4.4.1)";
	case 74:  return "451 communication with mail server failed (#4.4.2)";
	case 81:
	case 91:  return "451 qq internal bug (#4.3.0)";
	case 82:  return "554/451 custom text from fd 6";
	case 120: return "451 unable to exec qq (#4.3.0)";
	default:
		if (qq_is_permanent(code))
			return "554 qq permanent problem (#5.3.0)";
		return "451 qq temporary problem (#4.3.0)";
	}
}

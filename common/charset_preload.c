/* common: iconv preloading before lockdown; runs in untrusted roles. */
#include "charset_preload.h"
#include "role_runtime.h"

void
charset_preload(const char *const *charsets, size_t n, charset_opener opener,
    iconv_t *held)
{
	for (size_t i = 0; i < n; i++) {
		held[i] = opener("UTF-8", charsets[i]);
		if (held[i] == (iconv_t)-1)
			role_log("charset %s: no converter, fails softly later",
			    charsets[i]);
	}
}

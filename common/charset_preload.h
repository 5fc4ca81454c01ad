/* common: iconv converters opened, and held, before a role's lockdown;
 * runs in untrusted roles. */
#ifndef QSCAN_CHARSET_PRELOAD_H
#define QSCAN_CHARSET_PRELOAD_H

#include <stddef.h>
#include <iconv.h>

/* How a role opens a converter: iconv_open itself, or a library's
 * wrapper that maps charset names first (g_mime_iconv_open), so that
 * what is preloaded is exactly what the library will ask glibc for. */
typedef iconv_t (*charset_opener)(const char *to, const char *from);

/* Opens a converter from each of the n charsets to UTF-8 with `opener`,
 * into held[i] (n of them), and never closes them: glibc loads a gconv
 * module with openat and an executable mapping, which Landlock and the
 * final filter refuse after lockdown, and closing the last converter of
 * a module would let glibc unload it.  A charset without a converter is
 * logged (it fails softly later) and held[i] is (iconv_t)-1. */
void charset_preload(const char *const *charsets, size_t n,
    charset_opener opener, iconv_t *held);

#endif

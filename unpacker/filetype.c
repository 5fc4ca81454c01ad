/* unpacker: magic-number sniffing (filetype.h); runs in role unpack,
 * untrusted, after the final filter: pure, bounded reads only. */
#include <string.h>

#include "filetype.h"

/* Where ISO 9660 puts its first volume descriptor: 16 sectors of 2 KiB,
 * then one type byte, then "CD001". */
#define FT_ISO9660_MAGIC_OFF	32769u
/* POSIX tar: "ustar" in the header block at byte 257. */
#define FT_TAR_MAGIC_OFF	257u
/* PDF readers accept "%PDF-" anywhere in the first KiB; so do we. */
#define FT_PDF_WINDOW		1024u
/* A DOS header is 64 bytes; e_lfanew, the offset of the PE header, is
 * the u32 at 0x3c. */
#define FT_MZ_HEADER_LEN	64u
#define FT_MZ_LFANEW_OFF	0x3cu
/* Fat Mach-O and Java class files share CAFEBABE; a fat binary holds a
 * handful of architectures, a class file's version is 45 or more (file(1)
 * draws the line the same way). */
#define FT_FAT_ARCH_MAX		20u

static int
ft_at(const uint8_t *p, size_t len, size_t off, const void *magic, size_t n)
{
	return off <= len && n <= len - off && memcmp(p + off, magic, n) == 0;
}

static uint32_t
ft_u32le(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint32_t
ft_u32be(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* "MZ" alone starts plenty of text; a program also has a new-executable
 * signature where e_lfanew points, or at least binary bytes in its
 * header, which text never has. */
static int
ft_is_mz(const uint8_t *p, size_t len)
{
	uint32_t lfanew;

	if (!ft_at(p, len, 0, "MZ", 2) || len < FT_MZ_HEADER_LEN)
		return 0;
	lfanew = ft_u32le(p + FT_MZ_LFANEW_OFF);
	if (ft_at(p, len, lfanew, "PE\0\0", 4) || ft_at(p, len, lfanew, "NE", 2) ||
	    ft_at(p, len, lfanew, "LE", 2) || ft_at(p, len, lfanew, "LX", 2))
		return 1;
	for (size_t i = 2; i < FT_MZ_HEADER_LEN; i++)
		if (p[i] < 0x09)
			return 1;
	return 0;
}

static int
ft_is_macho(const uint8_t *p, size_t len)
{
	static const uint8_t thin[][4] = {
		{ 0xfe, 0xed, 0xfa, 0xce }, { 0xfe, 0xed, 0xfa, 0xcf },
		{ 0xce, 0xfa, 0xed, 0xfe }, { 0xcf, 0xfa, 0xed, 0xfe },
	};

	for (size_t i = 0; i < sizeof(thin) / sizeof(thin[0]); i++)
		if (ft_at(p, len, 0, thin[i], 4))
			return 1;
	/* fat (CAFEBABE) and fat64 (CAFEBABF), big-endian arch count */
	if ((ft_at(p, len, 0, "\xca\xfe\xba\xbe", 4) ||
	    ft_at(p, len, 0, "\xca\xfe\xba\xbf", 4)) && len >= 8) {
		uint32_t n = ft_u32be(p + 4);

		return n > 0 && n < FT_FAT_ARCH_MAX;
	}
	return 0;
}

static int
ft_has_pdf(const uint8_t *p, size_t len)
{
	size_t win = len < FT_PDF_WINDOW ? len : FT_PDF_WINDOW;

	for (size_t i = 0; i + 5 <= win; i++)
		if (p[i] == '%' && memcmp(p + i, "%PDF-", 5) == 0)
			return 1;
	return 0;
}

const char *
filetype_detect(const uint8_t *p, size_t len)
{
	if (p == NULL)
		return "";
	/* programs */
	if (ft_is_mz(p, len))
		return "application/x-dosexec";
	if (ft_at(p, len, 0, "\x7f" "ELF", 4))
		return "application/x-executable";
	if (ft_is_macho(p, len))
		return "application/x-mach-binary";
	if (ft_at(p, len, 0, "#!/", 3) || ft_at(p, len, 0, "#! /", 4))
		return "text/x-shellscript";
	/* archives and containers */
	if (ft_at(p, len, 0, "PK\x03\x04", 4) || ft_at(p, len, 0, "PK\x05\x06", 4) ||
	    ft_at(p, len, 0, "PK\x07\x08", 4))
		return "application/zip";
	if (ft_at(p, len, 0, "\x1f\x8b", 2))
		return "application/gzip";
	if (ft_at(p, len, 0, "BZh", 3) && len >= 4 && p[3] >= '1' && p[3] <= '9')
		return "application/x-bzip2";
	if (ft_at(p, len, 0, "\xfd" "7zXZ\0", 6))
		return "application/x-xz";
	if (ft_at(p, len, 0, "7z\xbc\xaf\x27\x1c", 6))
		return "application/x-7z-compressed";
	if (ft_at(p, len, 0, "Rar!\x1a\x07\x00", 7) ||
	    ft_at(p, len, 0, "Rar!\x1a\x07\x01\x00", 8))
		return "application/vnd.rar";
	if (ft_at(p, len, 0, "MSCF\0\0\0\0", 8))
		return "application/vnd.ms-cab-compressed";
	if (ft_at(p, len, 0, "070701", 6) || ft_at(p, len, 0, "070702", 6) ||
	    ft_at(p, len, 0, "070707", 6) || ft_at(p, len, 0, "\xc7\x71", 2) ||
	    ft_at(p, len, 0, "\x71\xc7", 2))
		return "application/x-cpio";
	if (ft_at(p, len, FT_ISO9660_MAGIC_OFF, "CD001", 5))
		return "application/x-iso9660-image";
	if (ft_at(p, len, FT_TAR_MAGIC_OFF, "ustar", 5))
		return "application/x-tar";
	if (ft_at(p, len, 0, "\x78\x9f\x3e\x22", 4))
		return "application/vnd.ms-tnef";
	if (ft_at(p, len, 0, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8))
		return "application/vnd.ms-office";
	if (ft_has_pdf(p, len))
		return "application/pdf";
	if (ft_at(p, len, 0, "{\\rtf", 5))
		return "text/rtf";
	/* images */
	if (ft_at(p, len, 0, "\x89PNG\r\n\x1a\n", 8))
		return "image/png";
	if (ft_at(p, len, 0, "\xff\xd8\xff", 3))
		return "image/jpeg";
	if (ft_at(p, len, 0, "GIF87a", 6) || ft_at(p, len, 0, "GIF89a", 6))
		return "image/gif";
	if (ft_at(p, len, 0, "II*\0", 4) || ft_at(p, len, 0, "MM\0*", 4))
		return "image/tiff";
	if (ft_at(p, len, 0, "RIFF", 4) && ft_at(p, len, 8, "WEBP", 4))
		return "image/webp";
	if (ft_at(p, len, 0, "BM", 2) && len >= 26 && p[14] >= 12 && p[15] == 0 &&
	    p[16] == 0 && p[17] == 0)
		return "image/bmp";
	/* audio and video */
	if (ft_at(p, len, 0, "RIFF", 4) && ft_at(p, len, 8, "WAVE", 4))
		return "audio/x-wav";
	if (ft_at(p, len, 0, "RIFF", 4) && ft_at(p, len, 8, "AVI ", 4))
		return "video/x-msvideo";
	if (ft_at(p, len, 0, "ID3", 3) || ft_at(p, len, 0, "\xff\xfb", 2) ||
	    ft_at(p, len, 0, "\xff\xf3", 2) || ft_at(p, len, 0, "\xff\xf2", 2))
		return "audio/mpeg";
	if (ft_at(p, len, 0, "OggS", 4))
		return "audio/ogg";
	if (ft_at(p, len, 0, "fLaC", 4))
		return "audio/flac";
	if (ft_at(p, len, 4, "ftyp", 4))
		return "video/mp4";
	return "";
}

int
filetype_is_executable(const char *type)
{
	return type != NULL && (strcmp(type, "application/x-dosexec") == 0 ||
	    strcmp(type, "application/x-executable") == 0 ||
	    strcmp(type, "application/x-mach-binary") == 0 ||
	    strcmp(type, "text/x-shellscript") == 0);
}

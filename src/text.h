#ifndef KVA_TEXT_H
#define KVA_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

/*
 * Decoding of input files, UTF-8 checks, durations and times.
 * Pure functions: no I/O, no global state.
 */

typedef enum kva_encoding {
    KVA_ENC_UTF8,     /* no BOM */
    KVA_ENC_UTF8_BOM,
    KVA_ENC_UTF16LE,  /* with BOM */
    KVA_ENC_UTF16BE   /* with BOM */
} kva_encoding;

const char *kva_encoding_name(kva_encoding enc); /* "utf-8", "utf-8-bom", ... */

/*
 * Turn raw file bytes into UTF-8 text.
 *
 * - UTF-8 with BOM: the BOM is skipped.
 * - UTF-16LE/BE with BOM: converted to UTF-8; an odd byte count or an
 *   unpaired surrogate is KVA_ERR_ENCODING.
 * - UTF-32 BOM (either order): KVA_ERR_ENCODING "UTF-32 is not supported".
 * - No BOM but NUL bytes in a UTF-16 pattern (x\0x\0 or \0x\0x in the first
 *   bytes): KVA_ERR_ENCODING "looks like UTF-16 without a byte-order mark".
 * - Any other NUL byte (in UTF-8 input): KVA_ERR_ENCODING "NUL byte".
 * - Invalid UTF-8 is NOT checked here (the JSON scanner checks it inside
 *   strings and reports it with the JSON context).
 *
 * On success *out points at the UTF-8 text and *out_len is its length.
 * *out is either inside `in` (UTF-8 input: no copy, *owned = false) or a
 * new buffer the caller frees with free() (*owned = true). The text is
 * always followed by a NUL byte when owned; when not owned, `in` must be
 * NUL-terminated by the caller if that matters.
 *
 * On error, err_off is the byte offset in the *input* bytes where the
 * problem is, and the caller turns it into a line/column with
 * kva_text_position_raw().
 */
kva_error kva_text_decode(const unsigned char *in, size_t len,
                          kva_encoding *enc, const char **out, size_t *out_len,
                          bool *owned, size_t *err_off, const char **what);

/*
 * Line and column (1-based, columns in code points) of byte offset `off`
 * in UTF-8 text `s`. '\n' ends a line; "\r\n" counts as one line end.
 */
void kva_text_position(const char *s, size_t len, size_t off, uint32_t *line,
                       uint32_t *col);

/*
 * Incremental form for a forward scan over one buffer: positions must be
 * asked in increasing offset order. Start with {0} (all zero).
 */
typedef struct kva_poscache {
    size_t off;       /* offset reached */
    uint32_t line;    /* line at off (0 = not started) */
    uint32_t col;
} kva_poscache;
void kva_text_position_at(kva_poscache *pc, const char *s, size_t len,
                          size_t off, uint32_t *line, uint32_t *col);

/* Same as kva_text_position, for raw bytes in a given encoding (errors
 * found while decoding). */
void kva_text_position_raw(const unsigned char *s, size_t len,
                           kva_encoding enc, size_t off, uint32_t *line,
                           uint32_t *col);

/*
 * UTF-8 validity (RFC 3629: no overlong forms, no surrogates, nothing above
 * U+10FFFF). Returns true when valid; otherwise *bad_off (if not NULL) is
 * the offset of the first invalid byte.
 */
bool kva_utf8_valid(const char *s, size_t len, size_t *bad_off);

/*
 * Copy of s with every invalid UTF-8 sequence replaced by U+FFFD.
 * Returns a new NUL-terminated string (caller frees) or NULL on OOM.
 * *replaced (if not NULL) receives the number of replacements.
 */
char *kva_utf8_sanitize(const char *s, size_t len, size_t *replaced);

/* Decode one code point at s (valid UTF-8 assumed up to len). Returns the
 * number of bytes used (>= 1); an invalid byte yields U+FFFD and 1. */
size_t kva_utf8_next(const char *s, size_t len, uint32_t *cp);

/* ASCII case-insensitive comparisons (never locale-dependent). */
int kva_strcasecmp(const char *a, const char *b);
int kva_strncasecmp(const char *a, const char *b, size_t n);
bool kva_streq_ci(const char *a, const char *b); /* NULL-safe */

/* Lower-case ASCII letters of s in place; returns s. */
char *kva_str_lower(char *s);

/* True when s is a GUID: 8-4-4-4-12 hex digits (any case), nothing else. */
bool kva_is_guid(const char *s);

/*
 * Durations. Accepts:
 *   ISO 8601:    "PT0S", "P29DT23H10M", "PT1H30M15.5S", "P1W", "P1DT2H"
 *   Python str(timedelta): "0:00:00", "6:52:00", "24 days, 6:52:00",
 *                "1 day, 0:00:00", "-1 day, 23:59:00", "0:00:00.500000"
 * Fractions of a second are truncated. Returns true and sets *seconds on
 * success; false when s is not a duration in one of these forms.
 */
bool kva_duration_parse(const char *s, int64_t *seconds);

/*
 * Times. kva_time_parse accepts RFC 3339 with any number of fraction digits
 * (or none), "Z" or a numeric offset, "T" or " " between date and time:
 *   "2023-03-01T12:42:42.1921106Z", "2024-11-06T17:24:45.715220+00:00"
 * and a bare date "YYYY-MM-DD" (midnight UTC). Sets *epoch (seconds since
 * 1970-01-01T00:00:00Z, fraction truncated toward the past). Validates
 * ranges (month 1-12, day within month incl. leap years, hour 0-23,
 * minute 0-59, second 0-60).
 */
bool kva_time_parse(const char *s, int64_t *epoch);

/* Only "YYYY-MM-DD"; *epoch is midnight UTC of that day. */
bool kva_date_parse(const char *s, int64_t *epoch);

/* "YYYY-MM-DDTHH:MM:SSZ" into buf (at least 21 bytes). */
void kva_time_format(int64_t epoch, char buf[21]);
/* "YYYY-MM-DD" into buf (at least 11 bytes). */
void kva_date_format(int64_t epoch, char buf[11]);

/* Days from the civil date (proleptic Gregorian) and back; used by the
 * time functions and by anything that needs day arithmetic. */
int64_t kva_days_from_civil(int64_t y, unsigned m, unsigned d);
void kva_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

#endif

#include "text.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *kva_encoding_name(kva_encoding enc)
{
    switch (enc) {
    case KVA_ENC_UTF8:
        return "utf-8";
    case KVA_ENC_UTF8_BOM:
        return "utf-8-bom";
    case KVA_ENC_UTF16LE:
        return "utf-16le";
    case KVA_ENC_UTF16BE:
        return "utf-16be";
    }
    return "unknown";
}

/*
 * The UTF-8 sequence at p (n >= 1 bytes available). When it is valid
 * (RFC 3629) returns its length, sets *ok and *cp. Otherwise returns the
 * length of its maximal subpart (the longest prefix of a valid sequence,
 * at least 1 byte), which is what one U+FFFD replaces.
 */
static size_t utf8_seq(const unsigned char *p, size_t n, bool *ok, uint32_t *cp)
{
    unsigned c = p[0], lo = 0x80, hi = 0xBF;
    size_t need;
    uint32_t v;

    if (c < 0x80) {
        *ok = true;
        *cp = c;
        return 1;
    }
    if (c < 0xC2) {
        *ok = false;
        return 1;
    }
    if (c < 0xE0) {
        need = 1;
        v = c & 0x1F;
    } else if (c < 0xF0) {
        need = 2;
        v = c & 0x0F;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        else if (c == 0xED)
            hi = 0x9F; /* surrogates */
    } else if (c < 0xF5) {
        need = 3;
        v = c & 0x07;
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        else if (c == 0xF4)
            hi = 0x8F; /* above U+10FFFF */
    } else {
        *ok = false;
        return 1;
    }
    for (size_t i = 1; i <= need; i++) {
        unsigned b;

        if (i >= n) {
            *ok = false;
            return i;
        }
        b = p[i];
        if (b < lo || b > hi) {
            *ok = false;
            return i;
        }
        v = (v << 6) | (b & 0x3F);
        lo = 0x80;
        hi = 0xBF;
    }
    *ok = true;
    *cp = v;
    return need + 1;
}

/* How many leading bytes of p[0..n) are ASCII; eight at a time. */
static size_t ascii_prefix(const unsigned char *p, size_t n)
{
    size_t i = 0;

    while (i + 8 <= n) {
        uint64_t w;

        memcpy(&w, p + i, 8);
        if (w & UINT64_C(0x8080808080808080))
            break;
        i += 8;
    }
    while (i < n && p[i] < 0x80)
        i++;
    return i;
}

size_t kva_utf8_next(const char *s, size_t len, uint32_t *cp)
{
    bool ok;
    size_t n;

    if (len == 0) {
        *cp = 0;
        return 0;
    }
    n = utf8_seq((const unsigned char *)s, len, &ok, cp);
    if (!ok) {
        *cp = 0xFFFD;
        return 1;
    }
    return n;
}

bool kva_utf8_valid(const char *s, size_t len, size_t *bad_off)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    while (i < len) {
        bool ok;
        uint32_t cp;
        size_t n;

        i += ascii_prefix(p + i, len - i);
        if (i >= len)
            break;
        n = utf8_seq(p + i, len - i, &ok, &cp);
        if (!ok) {
            if (bad_off)
                *bad_off = i;
            return false;
        }
        i += n;
    }
    return true;
}

char *kva_utf8_sanitize(const char *s, size_t len, size_t *replaced)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t count = 0, i = 0, o = 0;
    char *out;

    if (replaced)
        *replaced = 0;
    /* Each replaced subpart is at least one byte and becomes three. */
    if (len > (SIZE_MAX - 1) / 3)
        return NULL;
    out = malloc(len * 3 + 1);
    if (!out)
        return NULL;
    while (i < len) {
        bool ok;
        uint32_t cp;
        size_t n = ascii_prefix(p + i, len - i);

        memcpy(out + o, p + i, n);
        o += n;
        i += n;
        if (i >= len)
            break;
        n = utf8_seq(p + i, len - i, &ok, &cp);
        if (ok) {
            memcpy(out + o, p + i, n);
            o += n;
        } else {
            memcpy(out + o, "\xEF\xBF\xBD", 3);
            o += 3;
            count++;
        }
        i += n;
    }
    out[o] = '\0';
    if (o + 1 < len * 3 + 1) {
        char *shrunk = realloc(out, o + 1);

        if (shrunk)
            out = shrunk;
    }
    if (replaced)
        *replaced = count;
    return out;
}

/* Writes code point cp (not a surrogate, <= U+10FFFF) as UTF-8. */
static unsigned char *put_utf8(unsigned char *o, uint32_t cp)
{
    if (cp < 0x80) {
        *o++ = (unsigned char)cp;
    } else if (cp < 0x800) {
        *o++ = (unsigned char)(0xC0 | (cp >> 6));
        *o++ = (unsigned char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *o++ = (unsigned char)(0xE0 | (cp >> 12));
        *o++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (unsigned char)(0x80 | (cp & 0x3F));
    } else {
        *o++ = (unsigned char)(0xF0 | (cp >> 18));
        *o++ = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        *o++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (unsigned char)(0x80 | (cp & 0x3F));
    }
    return o;
}

static unsigned utf16_unit(const unsigned char *p, bool le)
{
    return le ? (unsigned)p[0] | (unsigned)p[1] << 8
              : (unsigned)p[0] << 8 | (unsigned)p[1];
}

/*
 * Converts UTF-16 text (after its BOM) at in[start..len) to a new UTF-8
 * buffer. Errors give the offset in `in`.
 */
static kva_error utf16_to_utf8(const unsigned char *in, size_t len,
                               size_t start, bool le, const char **out,
                               size_t *out_len, size_t *err_off,
                               const char **what)
{
    size_t units = (len - start) / 2, i = start, stop;
    unsigned char *buf, *o;

    /* A unit becomes at most 3 bytes; a surrogate pair (2 units) 4. */
    if (units > (SIZE_MAX - 1) / 3)
        return KVA_ERR_NOMEM;
    buf = malloc(units * 3 + 1);
    if (!buf)
        return KVA_ERR_NOMEM;
    o = buf;
    stop = start + units * 2;
    while (i < stop) {
        unsigned u;

        /* Mostly ASCII: four units at a time when all are 1..0x7F. */
        if (le) {
            while (i + 8 <= stop &&
                   !(in[i + 1] | in[i + 3] | in[i + 5] | in[i + 7]) &&
                   !((in[i] | in[i + 2] | in[i + 4] | in[i + 6]) & 0x80) &&
                   in[i] && in[i + 2] && in[i + 4] && in[i + 6]) {
                o[0] = in[i];
                o[1] = in[i + 2];
                o[2] = in[i + 4];
                o[3] = in[i + 6];
                o += 4;
                i += 8;
            }
            if (i >= stop)
                break;
        }
        u = utf16_unit(in + i, le);
        if (u == 0) {
            *err_off = i;
            *what = "NUL character in UTF-16 text";
            goto fail;
        }
        if (u < 0x80) {
            *o++ = (unsigned char)u;
            i += 2;
        } else if (u >= 0xD800 && u <= 0xDBFF) {
            unsigned lo;

            if (i + 4 > stop || (lo = utf16_unit(in + i + 2, le)) < 0xDC00 ||
                lo > 0xDFFF) {
                *err_off = i;
                *what = "unpaired UTF-16 surrogate";
                goto fail;
            }
            o = put_utf8(o, 0x10000 + ((uint32_t)(u - 0xD800) << 10) +
                                (lo - 0xDC00));
            i += 4;
        } else if (u >= 0xDC00 && u <= 0xDFFF) {
            *err_off = i;
            *what = "unpaired UTF-16 surrogate";
            goto fail;
        } else {
            o = put_utf8(o, u);
            i += 2;
        }
    }
    if ((len - start) % 2) {
        *err_off = len - 1;
        *what = "UTF-16 text with an odd number of bytes";
        goto fail;
    }
    *o = '\0';
    *out_len = (size_t)(o - buf);
    /* Give back the worst-case reserve (ASCII text uses a third of it). */
    {
        unsigned char *shrunk = realloc(buf, *out_len + 1);

        if (shrunk)
            buf = shrunk;
    }
    *out = (const char *)buf;
    return KVA_OK;
fail:
    free(buf);
    return KVA_ERR_ENCODING;
}

/* True when the first bytes are ASCII characters interleaved with NULs in
 * groups of `width` (2: UTF-16, 4: UTF-32) in either byte order. */
static bool looks_wide(const unsigned char *in, size_t len, size_t width)
{
    size_t n = len < 2 * width ? len - len % width : 2 * width;
    bool le = true, be = true;

    if (n < width)
        return false;
    for (size_t i = 0; i < n; i += width) {
        for (size_t k = 0; k < width; k++) {
            bool first = k == 0, last = k == width - 1;
            unsigned b = in[i + k];

            if (first ? !(b && b < 0x80) : b != 0)
                le = false;
            if (last ? !(b && b < 0x80) : b != 0)
                be = false;
        }
    }
    return le || be;
}

kva_error kva_text_decode(const unsigned char *in, size_t len,
                          kva_encoding *enc, const char **out, size_t *out_len,
                          bool *owned, size_t *err_off, const char **what)
{
    const unsigned char *nul;
    size_t start = 0;
    kva_error err;

    if (!in) {
        in = (const unsigned char *)"";
        len = 0;
    }
    *enc = KVA_ENC_UTF8;
    *out = NULL;
    *out_len = 0;
    *owned = false;
    *err_off = 0;
    *what = NULL;
    if (len >= 4 && ((in[0] == 0xFF && in[1] == 0xFE && !in[2] && !in[3]) ||
                     (!in[0] && !in[1] && in[2] == 0xFE && in[3] == 0xFF))) {
        *what = "UTF-32 is not supported; save the file as UTF-8";
        return KVA_ERR_ENCODING;
    }
    if (len >= 2 && ((in[0] == 0xFF && in[1] == 0xFE) ||
                     (in[0] == 0xFE && in[1] == 0xFF))) {
        bool le = in[0] == 0xFF;

        *enc = le ? KVA_ENC_UTF16LE : KVA_ENC_UTF16BE;
        err = utf16_to_utf8(in, len, 2, le, out, out_len, err_off, what);
        if (err == KVA_ERR_NOMEM)
            *what = "out of memory";
        if (err == KVA_OK)
            *owned = true;
        return err;
    }
    if (len >= 3 && in[0] == 0xEF && in[1] == 0xBB && in[2] == 0xBF) {
        *enc = KVA_ENC_UTF8_BOM;
        start = 3;
    } else if (looks_wide(in, len, 4)) {
        *what = "looks like UTF-32 without a byte-order mark; save the file "
                "as UTF-8";
        return KVA_ERR_ENCODING;
    } else if (looks_wide(in, len, 2)) {
        *what = "looks like UTF-16 without a byte-order mark; save the file "
                "as UTF-8";
        return KVA_ERR_ENCODING;
    }
    nul = len > start ? memchr(in + start, 0, len - start) : NULL;
    if (nul) {
        *err_off = (size_t)(nul - in);
        *what = "NUL byte";
        return KVA_ERR_ENCODING;
    }
    *out = (const char *)in + start;
    *out_len = len - start;
    return KVA_OK;
}

/*
 * Moves a position forward from the character boundary *at (whose line
 * and column are *line, *col) to offset off. *at ends on the last
 * character boundary <= off, so that a later call can go on from there:
 * a character that straddles off keeps the column where it starts, and
 * an invalid byte counts as one column.
 */
static void advance(const unsigned char *s, size_t len, size_t *at,
                    uint32_t *line, uint32_t *col, size_t off)
{
    const unsigned char *p = s + *at, *nl;
    size_t i = 0, n;
    uint32_t c = 0;

    while ((nl = memchr(p, '\n', off - (size_t)(p - s))) != NULL) {
        (*line)++;
        *col = 1;
        p = nl + 1;
    }
    n = off - (size_t)(p - s);
    while (i < n) {
        size_t a = ascii_prefix(p + i, n - i), k;
        bool ok;
        uint32_t cp;

        c += (uint32_t)a;
        i += a;
        if (i >= n)
            break;
        k = utf8_seq(p + i, len - (size_t)(p + i - s), &ok, &cp);
        if (!ok)
            k = 1;
        if (i + k > n)
            break;
        c++;
        i += k;
    }
    *col += c;
    *at = (size_t)(p - s) + i;
}

void kva_text_position(const char *s, size_t len, size_t off, uint32_t *line,
                       uint32_t *col)
{
    kva_poscache pc = {0};

    kva_text_position_at(&pc, s, len, off, line, col);
}

void kva_text_position_at(kva_poscache *pc, const char *s, size_t len,
                          size_t off, uint32_t *line, uint32_t *col)
{
    if (off > len)
        off = len;
    if (pc->line == 0 || off < pc->off) {
        pc->off = 0;
        pc->line = 1;
        pc->col = 1;
    }
    advance((const unsigned char *)s, len, &pc->off, &pc->line, &pc->col, off);
    *line = pc->line;
    *col = pc->col;
}

void kva_text_position_raw(const unsigned char *s, size_t len, kva_encoding enc,
                           size_t off, uint32_t *line, uint32_t *col)
{
    bool le = enc == KVA_ENC_UTF16LE;
    size_t i;
    uint32_t ln = 1, c = 1;

    if (off > len)
        off = len;
    if (enc == KVA_ENC_UTF8 || enc == KVA_ENC_UTF8_BOM) {
        size_t skip = enc == KVA_ENC_UTF8_BOM && len >= 3 ? 3 : 0;

        if (off < skip)
            off = skip;
        kva_text_position((const char *)s + skip, len - skip, off - skip, line,
                          col);
        return;
    }
    /* UTF-16 with a BOM: each unit or surrogate pair is one column; an
     * unpaired surrogate and a final odd byte count one each. */
    i = len >= 2 ? 2 : len;
    while (i + 2 <= len && i < off) {
        unsigned u = utf16_unit(s + i, le);
        size_t k = 2;

        if (u >= 0xD800 && u <= 0xDBFF && i + 4 <= len) {
            unsigned lo = utf16_unit(s + i + 2, le);

            if (lo >= 0xDC00 && lo <= 0xDFFF)
                k = 4;
        }
        if (i + k > off)
            break;
        if (u == '\n') {
            ln++;
            c = 1;
        } else {
            c++;
        }
        i += k;
    }
    *line = ln;
    *col = c;
}

int kva_strncasecmp(const char *a, const char *b, size_t n)
{
    if (!a || !b)
        return a ? 1 : b ? -1 : 0;
    for (size_t i = 0; i < n; i++) {
        unsigned ca = (unsigned char)a[i], cb = (unsigned char)b[i];

        if (ca >= 'A' && ca <= 'Z')
            ca += 'a' - 'A';
        if (cb >= 'A' && cb <= 'Z')
            cb += 'a' - 'A';
        if (ca != cb)
            return ca < cb ? -1 : 1;
        if (!ca)
            break;
    }
    return 0;
}

int kva_strcasecmp(const char *a, const char *b)
{
    return kva_strncasecmp(a, b, SIZE_MAX);
}

bool kva_streq_ci(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return kva_strcasecmp(a, b) == 0;
}

char *kva_str_lower(char *s)
{
    if (!s)
        return s;
    for (char *p = s; *p; p++) {
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p + ('a' - 'A'));
    }
    return s;
}

static bool is_hex(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
           (c >= 'A' && c <= 'F');
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

bool kva_is_guid(const char *s)
{
    if (!s)
        return false;
    for (size_t i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return false;
        } else if (!is_hex((unsigned char)s[i])) {
            return false;
        }
    }
    return s[36] == '\0';
}

/* The largest duration accepted, in seconds: far beyond any real value
 * (about 31,700 years), far below INT64_MAX, so sums cannot overflow. */
#define DURATION_MAX ((int64_t)1000000000000)

/*
 * Reads a run of decimal digits at *p into *v (at most max). False when
 * there is no digit or the value exceeds max; leading zeros are fine.
 */
static bool read_uint(const char **p, int64_t max, int64_t *v)
{
    const char *q = *p;
    int64_t n = 0;

    if (!is_digit((unsigned char)*q))
        return false;
    while (is_digit((unsigned char)*q)) {
        n = n * 10 + (*q - '0');
        if (n > max)
            return false;
        q++;
    }
    *p = q;
    *v = n;
    return true;
}

/* n * unit added to *total, all within DURATION_MAX. */
static bool add_scaled(int64_t *total, int64_t n, int64_t unit)
{
    if (n > DURATION_MAX / unit)
        return false;
    if (*total > DURATION_MAX - n * unit)
        return false;
    *total += n * unit;
    return true;
}

static void skip_fraction(const char **p)
{
    while (is_digit((unsigned char)**p))
        (*p)++;
}

/* ISO 8601 duration without years and months: P[nW][nD][T[nH][nM][n[.f]S]],
 * with an optional leading '-' as xsd:duration allows. */
static bool parse_iso_duration(const char *s, int64_t *seconds)
{
    static const struct {
        char letter;
        int64_t unit;
        bool time;
    } parts[] = {
        {'W', 604800, false}, {'D', 86400, false}, {'H', 3600, true},
        {'M', 60, true},      {'S', 1, true},
    };
    const char *p = s;
    bool neg = false, in_time = false, any = false, time_any = false;
    size_t next = 0;
    int64_t total = 0;

    if (*p == '-') {
        neg = true;
        p++;
    }
    if (*p++ != 'P')
        return false;
    while (*p) {
        int64_t n;
        size_t k;
        bool frac = false;

        if (*p == 'T') {
            if (in_time)
                return false;
            in_time = true;
            p++;
            if (next < 2)
                next = 2;
            continue;
        }
        if (!read_uint(&p, DURATION_MAX, &n))
            return false;
        if (*p == '.') {
            p++;
            if (!is_digit((unsigned char)*p))
                return false;
            skip_fraction(&p);
            frac = true;
        }
        for (k = next; k < sizeof parts / sizeof parts[0]; k++) {
            if (parts[k].letter == *p && parts[k].time == in_time)
                break;
        }
        /* Y, month-M, a repeated or out-of-order part, or junk. */
        if (k == sizeof parts / sizeof parts[0])
            return false;
        if (frac && parts[k].letter != 'S')
            return false;
        if (!add_scaled(&total, n, parts[k].unit))
            return false;
        next = k + 1;
        any = true;
        if (in_time)
            time_any = true;
        p++;
    }
    if (!any || (in_time && !time_any))
        return false;
    *seconds = neg ? -total : total;
    return true;
}

/* Python str(timedelta): "[-]D day[s], H:MM:SS[.ffffff]" or
 * "H:MM:SS[.ffffff]". */
static bool parse_py_duration(const char *s, int64_t *seconds)
{
    const char *p = s;
    int64_t days = 0, h, m, sec, total;
    bool neg = false;

    if (*p == '-') {
        neg = true;
        p++;
    }
    if (!read_uint(&p, DURATION_MAX / 86400, &days))
        return false;
    if (*p == ' ') {
        p++;
        if (strncmp(p, "days, ", 6) == 0)
            p += 6;
        else if (strncmp(p, "day, ", 5) == 0)
            p += 5;
        else
            return false;
        if (!read_uint(&p, 23, &h))
            return false;
    } else {
        /* What was read was the hours. */
        if (neg)
            return false;
        h = days;
        days = 0;
        if (h > 23)
            return false;
    }
    if (p[0] != ':' || !is_digit((unsigned char)p[1]) ||
        !is_digit((unsigned char)p[2]))
        return false;
    m = (p[1] - '0') * 10 + (p[2] - '0');
    p += 3;
    if (p[0] != ':' || !is_digit((unsigned char)p[1]) ||
        !is_digit((unsigned char)p[2]))
        return false;
    sec = (p[1] - '0') * 10 + (p[2] - '0');
    p += 3;
    if (m > 59 || sec > 59)
        return false;
    if (*p == '.') {
        p++;
        if (!is_digit((unsigned char)*p))
            return false;
        skip_fraction(&p);
    }
    if (*p)
        return false;
    total = h * 3600 + m * 60 + sec;
    *seconds = (neg ? -days : days) * 86400 + total;
    return true;
}

bool kva_duration_parse(const char *s, int64_t *seconds)
{
    int64_t v;

    if (!s || !seconds)
        return false;
    if (s[0] == 'P' || (s[0] == '-' && s[1] == 'P')) {
        if (!parse_iso_duration(s, &v))
            return false;
    } else if (!parse_py_duration(s, &v)) {
        return false;
    }
    *seconds = v;
    return true;
}

/* Exactly n digits at s, as a number. */
static bool fixed_digits(const char *s, int n, int *v)
{
    int x = 0;

    for (int i = 0; i < n; i++) {
        if (!is_digit((unsigned char)s[i]))
            return false;
        x = x * 10 + (s[i] - '0');
    }
    *v = x;
    return true;
}

static unsigned days_in_month(int64_t y, unsigned m)
{
    static const unsigned char mdays[12] = {31, 28, 31, 30, 31, 30,
                                            31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return m == 2 && leap ? 29 : mdays[m - 1];
}

/* "YYYY-MM-DD" at s (not necessarily terminated after it). */
static bool parse_ymd(const char *s, int64_t *days)
{
    int y, m, d;

    if (!fixed_digits(s, 4, &y) || s[4] != '-' || !fixed_digits(s + 5, 2, &m) ||
        s[7] != '-' || !fixed_digits(s + 8, 2, &d))
        return false;
    if (m < 1 || m > 12 || d < 1 || (unsigned)d > days_in_month(y, (unsigned)m))
        return false;
    *days = kva_days_from_civil(y, (unsigned)m, (unsigned)d);
    return true;
}

bool kva_date_parse(const char *s, int64_t *epoch)
{
    int64_t days;

    if (!s || !epoch)
        return false;
    if (strnlen(s, 11) != 10 || !parse_ymd(s, &days))
        return false;
    *epoch = days * 86400;
    return true;
}

bool kva_time_parse(const char *s, int64_t *epoch)
{
    int64_t days, t;
    int h, mi, sec, oh, om;
    const char *p;

    if (!s || !epoch)
        return false;
    if (strnlen(s, 11) < 10 || !parse_ymd(s, &days))
        return false;
    if (s[10] == '\0') {
        *epoch = days * 86400;
        return true;
    }
    if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
        return false;
    p = s + 11;
    if (!fixed_digits(p, 2, &h) || p[2] != ':' ||
        !fixed_digits(p + 3, 2, &mi) || p[5] != ':' ||
        !fixed_digits(p + 6, 2, &sec))
        return false;
    if (h > 23 || mi > 59 || sec > 60)
        return false;
    p += 8;
    if (*p == '.') {
        p++;
        if (!is_digit((unsigned char)*p))
            return false;
        skip_fraction(&p);
    }
    t = days * 86400 + h * 3600 + mi * 60 + sec;
    if ((p[0] == 'Z' || p[0] == 'z') && p[1] == '\0') {
        *epoch = t;
        return true;
    }
    if ((p[0] != '+' && p[0] != '-') || !fixed_digits(p + 1, 2, &oh) ||
        p[3] != ':' || !fixed_digits(p + 4, 2, &om) || p[6] != '\0')
        return false;
    if (oh > 23 || om > 59)
        return false;
    /* Local time = UTC + offset. */
    if (p[0] == '+')
        t -= oh * 3600 + om * 60;
    else
        t += oh * 3600 + om * 60;
    *epoch = t;
    return true;
}

/* Floor division and its remainder (0 <= r < d) for d > 0. */
static int64_t floor_div(int64_t a, int64_t d, int64_t *r)
{
    int64_t q = a / d, m = a % d;

    if (m < 0) {
        m += d;
        q--;
    }
    *r = m;
    return q;
}

static void put_digits(char *p, int64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

/*
 * Years 0000-9999 are the contract. Outside it the output is still a
 * terminated string within the buffer, but visibly not a valid time
 * (more digits, cut at the buffer's end), never a plausible wrong one.
 */
void kva_time_format(int64_t epoch, char buf[21])
{
    int64_t secs, y;
    int64_t days = floor_div(epoch, 86400, &secs);
    unsigned m, d;

    kva_civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999) {
        char tmp[64];
        size_t n;

        snprintf(tmp, sizeof tmp, "%lld-%02u-%02uT%02d:%02d:%02dZ",
                 (long long)y, m, d, (int)(secs / 3600), (int)(secs / 60 % 60),
                 (int)(secs % 60));
        n = strlen(tmp);
        if (n > 20)
            n = 20;
        memcpy(buf, tmp, n);
        buf[n] = '\0';
        return;
    }
    put_digits(buf, y, 4);
    buf[4] = '-';
    put_digits(buf + 5, m, 2);
    buf[7] = '-';
    put_digits(buf + 8, d, 2);
    buf[10] = 'T';
    put_digits(buf + 11, secs / 3600, 2);
    buf[13] = ':';
    put_digits(buf + 14, secs / 60 % 60, 2);
    buf[16] = ':';
    put_digits(buf + 17, secs % 60, 2);
    buf[19] = 'Z';
    buf[20] = '\0';
}

void kva_date_format(int64_t epoch, char buf[11])
{
    char full[21];

    kva_time_format(epoch, full);
    memcpy(buf, full, 10);
    buf[10] = '\0';
}

/*
 * Howard Hinnant's algorithms ("chrono-Compatible Low-Level Date
 * Algorithms"). Years are kept within +-10^12 so that no intermediate
 * product overflows; dates that far out are meaningless anyway.
 */
#define CIVIL_YEAR_LIMIT ((int64_t)1000000000000)

int64_t kva_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era, yoe, doy, doe, mm = m;

    if (y > CIVIL_YEAR_LIMIT)
        y = CIVIL_YEAR_LIMIT;
    if (y < -CIVIL_YEAR_LIMIT)
        y = -CIVIL_YEAR_LIMIT;
    y -= mm <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (mm > 2 ? mm - 3 : mm + 9) + 2) / 5 + (int64_t)d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void kva_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t era, doe, yoe, doy, mp;
    const int64_t lim = CIVIL_YEAR_LIMIT * 366;

    if (z > lim)
        z = lim;
    if (z < -lim)
        z = -lim;
    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

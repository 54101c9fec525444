/* Placeholder until the decoding module lands. */
#include "text.h"

#include <string.h>

const char *kva_encoding_name(kva_encoding enc)
{
    (void)enc;
    return "utf-8";
}
kva_error kva_text_decode(const unsigned char *in, size_t len,
                          kva_encoding *enc, const char **out, size_t *out_len,
                          bool *owned, size_t *err_off, const char **what)
{
    *enc = KVA_ENC_UTF8;
    *out = (const char *)in;
    *out_len = len;
    *owned = false;
    (void)err_off;
    (void)what;
    return KVA_OK;
}
void kva_text_position(const char *s, size_t len, size_t off, uint32_t *line,
                       uint32_t *col)
{
    (void)s, (void)len, (void)off;
    *line = 0;
    *col = 0;
}
void kva_text_position_at(kva_poscache *pc, const char *s, size_t len,
                          size_t off, uint32_t *line, uint32_t *col)
{
    (void)pc;
    kva_text_position(s, len, off, line, col);
}
void kva_text_position_raw(const unsigned char *s, size_t len,
                           kva_encoding enc, size_t off, uint32_t *line,
                           uint32_t *col)
{
    (void)enc;
    kva_text_position((const char *)s, len, off, line, col);
}
bool kva_utf8_valid(const char *s, size_t len, size_t *bad_off)
{
    (void)s, (void)len, (void)bad_off;
    return true;
}
char *kva_utf8_sanitize(const char *s, size_t len, size_t *replaced)
{
    (void)replaced;
    return strndup(s, len);
}
size_t kva_utf8_next(const char *s, size_t len, uint32_t *cp)
{
    (void)len;
    *cp = (unsigned char)*s;
    return 1;
}
int kva_strcasecmp(const char *a, const char *b)
{
    return strcmp(a, b);
}
int kva_strncasecmp(const char *a, const char *b, size_t n)
{
    return strncmp(a, b, n);
}
bool kva_streq_ci(const char *a, const char *b)
{
    return a && b && kva_strcasecmp(a, b) == 0;
}
char *kva_str_lower(char *s)
{
    for (char *p = s; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return s;
}
bool kva_is_guid(const char *s)
{
    return s && strlen(s) == 36;
}
bool kva_duration_parse(const char *s, int64_t *seconds)
{
    (void)s;
    *seconds = 0;
    return false;
}
bool kva_time_parse(const char *s, int64_t *epoch)
{
    (void)s;
    *epoch = 0;
    return false;
}
bool kva_date_parse(const char *s, int64_t *epoch)
{
    return kva_time_parse(s, epoch);
}
void kva_time_format(int64_t epoch, char buf[21])
{
    (void)epoch;
    strcpy(buf, "1970-01-01T00:00:00Z");
}
void kva_date_format(int64_t epoch, char buf[11])
{
    (void)epoch;
    strcpy(buf, "1970-01-01");
}
int64_t kva_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    (void)y, (void)m, (void)d;
    return 0;
}
void kva_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    (void)z;
    *y = 1970;
    *m = 1;
    *d = 1;
}

#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

static const char *const error_strings[] = {
    [KVA_OK] = "no error",
    [KVA_ERR_NOMEM] = "out of memory",
    [KVA_ERR_IO] = "cannot read or write a file",
    [KVA_ERR_TOO_LARGE] = "file larger than 1 GiB",
    [KVA_ERR_ENCODING] = "unsupported text encoding",
    [KVA_ERR_UTF8] = "invalid UTF-8",
    [KVA_ERR_SYNTAX] = "not valid JSON",
    [KVA_ERR_DEPTH] = "JSON nested deeper than 512",
    [KVA_ERR_SCHEMA] = "JSON of an unexpected shape",
    [KVA_ERR_USAGE] = "usage error",
    [KVA_ERR_TEMPLATE] = "bad template",
    [KVA_ERR_RENDER] = "cannot render a report",
};

_Static_assert(sizeof error_strings / sizeof error_strings[0] == KVA_ERR__COUNT,
               "one string per kva_error");

const char *kva_strerror(kva_error err)
{
    if ((unsigned)err >= KVA_ERR__COUNT)
        return "unknown error";
    return error_strings[err];
}

void kva_diag_clear(kva_diag *d)
{
    if (!d)
        return;
    free(d->path);
    free(d->message);
    memset(d, 0, sizeof *d);
}

void kva_diag_set(kva_diag *d, kva_error code, const char *path, uint32_t line,
                  uint32_t col, const char *fmt, ...)
{
    va_list ap;
    char *msg = NULL, *copy;
    int n;

    if (!d)
        return;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n >= 0 && (msg = malloc((size_t)n + 1)) != NULL) {
        va_start(ap, fmt);
        vsnprintf(msg, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    /* Copy before clearing: path (or an argument) may be d's own. */
    copy = path ? strdup(path) : NULL;
    kva_diag_clear(d);
    d->code = code;
    d->path = copy;
    d->line = line;
    d->col = col;
    d->message = msg;
}

/* Write s to f with control characters (C0, DEL and the C1 range
 * U+0080-U+009F) and bytes that are not UTF-8 escaped as \xHH, so that a
 * hostile path or message cannot move the terminal's cursor: a lone 0x9B
 * is CSI to an 8-bit terminal, U+009B to some UTF-8 ones. */
static void put_escaped(FILE *f, const char *s)
{
    size_t len = strlen(s);

    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        uint32_t cp;
        size_t n = kva_utf8_next(s + i, len - i, &cp);

        if (c < 0x20 || c == 0x7f || (c >= 0x80 && n == 1) ||
            (cp >= 0x80 && cp < 0xA0)) {
            for (size_t k = 0; k < n; k++)
                fprintf(f, "\\x%02x", (unsigned char)s[i + k]);
        } else {
            fwrite(s + i, 1, n, f);
        }
        i += n;
    }
}

void kva_diag_print(const kva_diag *d)
{
    if (!d)
        return;
    fputs("kvaudit: ", stderr);
    if (d->path) {
        put_escaped(stderr, d->path);
        if (d->line)
            fprintf(stderr, ":%u:%u", (unsigned)d->line, (unsigned)d->col);
        fputs(": ", stderr);
    }
    put_escaped(stderr, d->message ? d->message : kva_strerror(d->code));
    fputc('\n', stderr);
}

void kva_msg(const char *fmt, ...)
{
    va_list ap;

    fputs("kvaudit: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

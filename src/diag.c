#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    char *msg = NULL;
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
    kva_diag_clear(d);
    d->code = code;
    d->path = path ? strdup(path) : NULL;
    d->line = line;
    d->col = col;
    d->message = msg;
}

/* Write s to f with control characters (and DEL) escaped as \xHH, so that
 * a hostile path or message cannot move the terminal's cursor. */
static void put_escaped(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            fprintf(f, "\\x%02x", *p);
        else
            fputc(*p, f);
    }
}

void kva_diag_print(const kva_diag *d)
{
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

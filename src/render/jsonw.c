#include "jsonw.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../text.h"

/* The writer is driven by code, never by input, so nesting is bounded by
 * the shape of report.json; the limit only catches a runaway caller. */
#define MAX_DEPTH 32

typedef struct frame {
    bool is_object;
    bool have_key; /* object: a key was written, its value is due */
    size_t count;  /* members or elements written so far */
} frame;

/* Output is gathered here and handed to stdio in large blocks: one fwrite
 * per token (each taking the FILE's lock) was a third of the time of a
 * large report. kva_jsonw_finish writes out the rest; a writer freed
 * unfinished drops it (its document is incomplete anyway). */
#define OUT_BUF (64 * 1024)

struct kva_jsonw {
    FILE *f;
    size_t n_out; /* bytes waiting in out */
    kva_error err;
    int saved_errno;
    size_t depth;
    bool done; /* the top-level value is complete */
    frame stack[MAX_DEPTH];
    char out[OUT_BUF];
};

kva_jsonw *kva_jsonw_new(FILE *f)
{
    kva_jsonw *w = calloc(1, sizeof *w);

    if (w)
        w->f = f;
    return w;
}

void kva_jsonw_free(kva_jsonw *w)
{
    free(w);
}

static void fail(kva_jsonw *w, kva_error e)
{
    if (w->err == KVA_OK) {
        w->err = e;
        w->saved_errno = e == KVA_ERR_IO ? errno : 0;
    }
}

static void flush_out(kva_jsonw *w)
{
    if (w->err == KVA_OK && w->n_out &&
        fwrite(w->out, 1, w->n_out, w->f) != w->n_out)
        fail(w, KVA_ERR_IO);
    w->n_out = 0;
}

static void put(kva_jsonw *w, const char *s, size_t n)
{
    if (w->err != KVA_OK)
        return;
    if (n > OUT_BUF - w->n_out) {
        flush_out(w);
        if (n >= OUT_BUF) {
            if (w->err == KVA_OK && fwrite(s, 1, n, w->f) != n)
                fail(w, KVA_ERR_IO);
            return;
        }
    }
    memcpy(w->out + w->n_out, s, n);
    w->n_out += n;
}

static void puts_(kva_jsonw *w, const char *s)
{
    put(w, s, strlen(s));
}

static void newline_indent(kva_jsonw *w, size_t depth)
{
    /* MAX_DEPTH levels of two spaces after the newline */
    static const char spaces[] = "\n"
                                 "                                "
                                 "                                ";

    _Static_assert(sizeof spaces >= 2 * MAX_DEPTH + 2, "indent fits");
    put(w, spaces, 1 + 2 * depth);
}

/*
 * Everything before a value: the separator and indent inside an array, a
 * check that a key came first inside an object, nothing at the top.
 * Returns false (and records the error) when a value is not allowed here.
 */
static bool before_value(kva_jsonw *w)
{
    frame *fr;

    if (w->err != KVA_OK)
        return false;
    if (w->depth == 0) {
        if (w->done) {
            fail(w, KVA_ERR_RENDER);
            return false;
        }
        return true;
    }
    fr = &w->stack[w->depth - 1];
    if (fr->is_object) {
        if (!fr->have_key) {
            fail(w, KVA_ERR_RENDER);
            return false;
        }
        fr->have_key = false;
        return true;
    }
    if (fr->count)
        put(w, ",", 1);
    newline_indent(w, w->depth);
    fr->count++;
    return true;
}

static void after_value(kva_jsonw *w)
{
    if (w->depth == 0)
        w->done = true;
}

static void begin(kva_jsonw *w, bool is_object)
{
    if (!before_value(w))
        return;
    if (w->depth == MAX_DEPTH) {
        fail(w, KVA_ERR_RENDER);
        return;
    }
    put(w, is_object ? "{" : "[", 1);
    w->stack[w->depth++] = (frame){is_object, false, 0};
}

static void end(kva_jsonw *w, bool is_object)
{
    frame *fr;

    if (w->err != KVA_OK)
        return;
    if (w->depth == 0) {
        fail(w, KVA_ERR_RENDER);
        return;
    }
    fr = &w->stack[w->depth - 1];
    if (fr->is_object != is_object || fr->have_key) {
        fail(w, KVA_ERR_RENDER);
        return;
    }
    if (fr->count)
        newline_indent(w, w->depth - 1);
    put(w, is_object ? "}" : "]", 1);
    w->depth--;
    after_value(w);
}

void kva_jsonw_object(kva_jsonw *w)
{
    begin(w, true);
}

void kva_jsonw_object_end(kva_jsonw *w)
{
    end(w, true);
}

void kva_jsonw_array(kva_jsonw *w)
{
    begin(w, false);
}

void kva_jsonw_array_end(kva_jsonw *w)
{
    end(w, false);
}

/* Write s (len bytes of valid UTF-8) as a quoted JSON string. Runs of
 * bytes that need no escape go out in one fwrite. */
static void put_quoted(kva_jsonw *w, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t run = 0;

    put(w, "\"", 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[7];
        size_t n = 2;

        if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f)
            continue;
        put(w, s + run, i - run);
        run = i + 1;
        esc[0] = '\\';
        switch (c) {
        case '"':
            esc[1] = '"';
            break;
        case '\\':
            esc[1] = '\\';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\t':
            esc[1] = 't';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        default:
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            n = 6;
        }
        put(w, esc, n);
    }
    put(w, s + run, len - run);
    put(w, "\"", 1);
}

/* Quote s, replacing invalid UTF-8 first (the result should never hold
 * any, but a report must stay parseable whatever reached it). */
static void put_string(kva_jsonw *w, const char *s)
{
    size_t len = strlen(s);
    char *clean;

    if (kva_utf8_valid(s, len, NULL)) {
        put_quoted(w, s, len);
        return;
    }
    clean = kva_utf8_sanitize(s, len, NULL);
    if (!clean) {
        fail(w, KVA_ERR_NOMEM);
        return;
    }
    put_quoted(w, clean, strlen(clean));
    free(clean);
}

void kva_jsonw_key(kva_jsonw *w, const char *key)
{
    frame *fr;

    if (w->err != KVA_OK)
        return;
    if (w->depth == 0 || !key) {
        fail(w, KVA_ERR_RENDER);
        return;
    }
    fr = &w->stack[w->depth - 1];
    if (!fr->is_object || fr->have_key) {
        fail(w, KVA_ERR_RENDER);
        return;
    }
    if (fr->count)
        put(w, ",", 1);
    newline_indent(w, w->depth);
    put_string(w, key);
    put(w, ": ", 2);
    fr->count++;
    fr->have_key = true;
}

static void scalar(kva_jsonw *w, const char *text)
{
    if (!before_value(w))
        return;
    puts_(w, text);
    after_value(w);
}

void kva_jsonw_string(kva_jsonw *w, const char *s)
{
    if (!s) {
        kva_jsonw_null(w);
        return;
    }
    if (!before_value(w))
        return;
    put_string(w, s);
    after_value(w);
}

void kva_jsonw_null(kva_jsonw *w)
{
    scalar(w, "null");
}

void kva_jsonw_bool(kva_jsonw *w, bool b)
{
    scalar(w, b ? "true" : "false");
}

void kva_jsonw_int(kva_jsonw *w, int64_t v)
{
    char buf[24];

    snprintf(buf, sizeof buf, "%" PRId64, v);
    scalar(w, buf);
}

void kva_jsonw_uint(kva_jsonw *w, uint64_t v)
{
    char buf[24];

    snprintf(buf, sizeof buf, "%" PRIu64, v);
    scalar(w, buf);
}

void kva_jsonw_fixed(kva_jsonw *w, double v, int decimals)
{
    /* DBL_MAX printed with %f has 309 digits; 9 decimals, sign and
       point fit in 330. */
    char buf[330];
    char *p = buf;

    if (!isfinite(v)) {
        kva_jsonw_null(w);
        return;
    }
    if (decimals < 0)
        decimals = 0;
    if (decimals > 9)
        decimals = 9;
    snprintf(buf, sizeof buf, "%.*f", decimals, v);
    if (buf[0] == '-' && strspn(buf + 1, "0.") == strlen(buf + 1))
        p++; /* -0.0 */
    scalar(w, p);
}

kva_error kva_jsonw_finish(kva_jsonw *w, int *saved_errno)
{
    if (w->err == KVA_OK && (w->depth != 0 || !w->done))
        fail(w, KVA_ERR_RENDER);
    put(w, "\n", 1);
    flush_out(w);
    if (saved_errno)
        *saved_errno = w->saved_errno;
    return w->err;
}

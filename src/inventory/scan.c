#include "scan.h"

#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../text.h"

enum { C_ARRAY, C_OBJECT };

/* Byte classes: WS is JSON whitespace; PLAIN is a byte that a string may
 * hold as is and that needs no further look (ASCII, not '"', '\\' or a
 * control character). */
enum { WS = 1, PLAIN = 2 };

#define P4 PLAIN, PLAIN, PLAIN, PLAIN
#define P16 P4, P4, P4, P4
static const unsigned char byte_class[256] = {
    /* 0x00 */ 0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    WS,
    WS,
    0,
    0,
    WS,
    0,
    0,
    /* 0x10 */ 0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    /* 0x20 */ WS | PLAIN,
    PLAIN,
    0,
    PLAIN,
    P4,
    P4,
    P4,
    /* 0x30 */ P16,
    /* 0x40 */ P16,
    /* 0x50 */ P4,
    P4,
    P4,
    0,
    PLAIN,
    PLAIN,
    PLAIN,
    /* 0x60 */ P16,
    /* 0x70 */ P16,
    /* 0x80-0xFF: 0 (non-ASCII) */
};
#undef P16
#undef P4

_Static_assert('"' == 0x22 && '\\' == 0x5C, "ASCII");

typedef struct scan_error {
    kva_error code;
    const unsigned char *at;
    const char *what;
} scan_error;

static const char msg_eof_string[] = "unexpected end of file inside a string";
static const char msg_eof_array[] = "unexpected end of file inside an array";
static const char msg_eof_object[] = "unexpected end of file inside an object";
static const char msg_eof_number[] = "unexpected end of file inside a number";
static const char msg_eof_literal[] = "unexpected end of file inside a literal";
static const char msg_non_ascii[] = "non-ASCII character outside a string";

static inline const unsigned char *skip_ws(const unsigned char *p,
                                           const unsigned char *end)
{
    while (p < end && (byte_class[*p] & WS))
        p++;
    return p;
}

static int hex_digit(unsigned c)
{
    if (c >= '0' && c <= '9')
        return (int)(c - '0');
    if (c >= 'a' && c <= 'f')
        return (int)(c - 'a' + 10);
    if (c >= 'A' && c <= 'F')
        return (int)(c - 'A' + 10);
    return -1;
}

/* Four hex digits at p (p[-2..-1] is "\u"). */
static bool read_hex4(const unsigned char *p, const unsigned char *end,
                      unsigned *v, scan_error *e)
{
    unsigned x = 0;

    for (int i = 0; i < 4; i++) {
        int h;

        if (p + i >= end) {
            e->code = KVA_ERR_SYNTAX;
            e->at = end;
            e->what = msg_eof_string;
            return false;
        }
        h = hex_digit(p[i]);
        if (h < 0) {
            e->code = KVA_ERR_SYNTAX;
            e->at = p + i;
            e->what = "invalid \\u escape: expected 4 hex digits";
            return false;
        }
        x = x << 4 | (unsigned)h;
    }
    *v = x;
    return true;
}

/*
 * The escape at p (p[0] is the backslash). Returns the byte after it, or
 * NULL with *e set.
 */
static const unsigned char *scan_escape(const unsigned char *p,
                                        const unsigned char *end, scan_error *e)
{
    const unsigned char *bs = p;
    unsigned u, lo;

    e->code = KVA_ERR_SYNTAX;
    if (p + 1 >= end) {
        e->at = end;
        e->what = msg_eof_string;
        return NULL;
    }
    switch (p[1]) {
    case '"':
    case '\\':
    case '/':
    case 'b':
    case 'f':
    case 'n':
    case 'r':
    case 't':
        return p + 2;
    case 'u':
        break;
    default:
        e->at = p + 1;
        e->what = "invalid escape: expected one of \\\" \\\\ \\/ \\b \\f \\n "
                  "\\r \\t \\u";
        return NULL;
    }
    if (!read_hex4(p + 2, end, &u, e))
        return NULL;
    p += 6;
    if (u == 0) {
        e->at = bs;
        e->what = "\\u0000 in a string";
        return NULL;
    }
    if (u >= 0xDC00 && u <= 0xDFFF)
        goto unpaired;
    if (u < 0xD800 || u > 0xDBFF)
        return p;
    /* A high surrogate: the next escape must be its low half. */
    if (p >= end || (p[0] == '\\' && p + 1 >= end)) {
        e->at = end;
        e->what = msg_eof_string;
        return NULL;
    }
    if (p[0] != '\\' || p[1] != 'u')
        goto unpaired;
    if (!read_hex4(p + 2, end, &lo, e))
        return NULL;
    if (lo < 0xDC00 || lo > 0xDFFF)
        goto unpaired;
    return p + 6;
unpaired:
    e->at = bs;
    e->what = "unpaired surrogate escape";
    return NULL;
}

/*
 * The string whose opening quote is at p[-1]. Returns the byte after the
 * closing quote, or NULL with *e set.
 */
static const unsigned char *scan_string(const unsigned char *p,
                                        const unsigned char *end, scan_error *e)
{
    for (;;) {
        while (p + 4 <= end && (byte_class[p[0]] & byte_class[p[1]] &
                                byte_class[p[2]] & byte_class[p[3]] & PLAIN))
            p += 4;
        while (p < end && (byte_class[*p] & PLAIN))
            p++;
        if (p >= end) {
            e->code = KVA_ERR_SYNTAX;
            e->at = end;
            e->what = msg_eof_string;
            return NULL;
        }
        if (*p == '"')
            return p + 1;
        if (*p == '\\') {
            p = scan_escape(p, end, e);
            if (!p)
                return NULL;
        } else if (*p < 0x20) {
            e->code = KVA_ERR_SYNTAX;
            e->at = p;
            e->what = "control character in a string";
            return NULL;
        } else {
            uint32_t cp;
            size_t n = kva_utf8_next((const char *)p, (size_t)(end - p), &cp);

            /* Only an invalid sequence comes back as one byte here. */
            if (n < 2) {
                e->code = KVA_ERR_UTF8;
                e->at = p;
                e->what = "invalid UTF-8 in a string";
                return NULL;
            }
            p += n;
        }
    }
}

static bool is_digit(unsigned c)
{
    return c >= '0' && c <= '9';
}

/* Digits at p, at least one. */
static const unsigned char *scan_digits(const unsigned char *p,
                                        const unsigned char *end, scan_error *e)
{
    e->code = KVA_ERR_SYNTAX;
    if (p >= end) {
        e->at = end;
        e->what = msg_eof_number;
        return NULL;
    }
    if (!is_digit(*p)) {
        e->at = p;
        e->what = "invalid number: expected a digit";
        return NULL;
    }
    while (p < end && is_digit(*p))
        p++;
    return p;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? at p. */
static const unsigned char *scan_number(const unsigned char *p,
                                        const unsigned char *end, scan_error *e)
{
    if (*p == '-')
        p++;
    if (p < end && *p == '0') {
        p++;
        if (p < end && is_digit(*p)) {
            e->code = KVA_ERR_SYNTAX;
            e->at = p;
            e->what = "invalid number: leading zero";
            return NULL;
        }
    } else if (!(p = scan_digits(p, end, e))) {
        return NULL;
    }
    if (p < end && *p == '.') {
        if (!(p = scan_digits(p + 1, end, e)))
            return NULL;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (!(p = scan_digits(p, end, e)))
            return NULL;
    }
    return p;
}

static const unsigned char *scan_literal(const unsigned char *p,
                                         const unsigned char *end,
                                         const char *word, const char *msg,
                                         scan_error *e)
{
    for (size_t i = 1; word[i]; i++) {
        e->code = KVA_ERR_SYNTAX;
        if (p + i >= end) {
            e->at = end;
            e->what = msg_eof_literal;
            return NULL;
        }
        if (p[i] != (unsigned char)word[i]) {
            e->at = p + i;
            e->what = msg;
            return NULL;
        }
    }
    return p + strlen(word);
}

/*
 * Appends (span, type) to a pair of parallel arrays, doubling their
 * capacity *cap when full. *spans is updated as soon as it moved so that
 * a failure of the second allocation leaks nothing.
 */
static bool push_elem(kva_span **spans, kva_jtype **types, size_t *n,
                      size_t *cap, kva_span sp, kva_jtype t)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        kva_span *ns;
        kva_jtype *nt;

        if (nc > SIZE_MAX / 2 / sizeof **spans)
            return false;
        ns = realloc(*spans, nc * sizeof *ns);
        if (!ns)
            return false;
        *spans = ns;
        nt = realloc(*types, nc * sizeof *nt);
        if (!nt)
            return false;
        *types = nt;
        *cap = nc;
    }
    (*spans)[*n] = sp;
    (*types)[*n] = t;
    (*n)++;
    return true;
}

static bool push_member(kva_scan *out, size_t *cap, kva_span key)
{
    kva_scan_member *m;

    if (out->n_members == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        kva_scan_member *nm;

        if (nc > SIZE_MAX / 2 / sizeof *nm)
            return false;
        nm = realloc(out->members, nc * sizeof *nm);
        if (!nm)
            return false;
        out->members = nm;
        *cap = nc;
    }
    m = &out->members[out->n_members++];
    memset(m, 0, sizeof *m);
    m->key = key;
    return true;
}

void kva_scan_free(kva_scan *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_members; i++) {
        free(s->members[i].elems);
        free(s->members[i].elem_types);
    }
    free(s->members);
    free(s->elems);
    free(s->elem_types);
    memset(s, 0, sizeof *s);
}

/*
 * One loop over the text with an explicit stack of open containers, so
 * that depth costs no C stack. `depth` counts the open containers; a value
 * that starts while `depth` is D is recorded in the outline when D is 0
 * (the top value), 1 (an element of the top array or the value of a top
 * object member) or 2 inside a top object member's array.
 */
kva_error kva_scan_json(const char *text, size_t len, kva_scan *out,
                        size_t *err_off, const char **what)
{
    const unsigned char *s = (const unsigned char *)text, *p = s,
                        *end = s + len, *q;
    unsigned char stack[KVA_MAX_DEPTH];
    size_t depth = 0, start[3] = {0, 0, 0};
    size_t elems_cap = 0, members_cap = 0, member_elems_cap = 0;
    kva_jtype type;
    scan_error e = {KVA_ERR_SYNTAX, s, NULL};

    memset(out, 0, sizeof *out);
    assert(text || !len);
    if (!text)
        p = s = end = (const unsigned char *)"";

value:
    p = skip_ws(p, end);
    if (p >= end) {
        if (depth == 0) {
            e.at = s;
            e.what = "empty file";
        } else {
            e.at = end;
            e.what =
                stack[depth - 1] == C_ARRAY ? msg_eof_array : msg_eof_object;
        }
        goto fail;
    }
    if (depth < 3)
        start[depth] = (size_t)(p - s);
    switch (*p) {
    case '[':
    case '{':
        if (depth == KVA_MAX_DEPTH) {
            e.code = KVA_ERR_DEPTH;
            e.at = p;
            e.what = "nesting deeper than 512";
            goto fail;
        }
        if (*p == '[') {
            stack[depth++] = C_ARRAY;
            p = skip_ws(p + 1, end);
            if (p < end && *p == ']') {
                p++;
                depth--;
                type = KVA_J_ARRAY;
                goto done;
            }
            goto value;
        }
        stack[depth++] = C_OBJECT;
        p = skip_ws(p + 1, end);
        if (p >= end) {
            e.at = end;
            e.what = msg_eof_object;
            goto fail;
        }
        if (*p == '}') {
            p++;
            depth--;
            type = KVA_J_OBJECT;
            goto done;
        }
        if (*p != '"') {
            e.at = p;
            e.what =
                *p >= 0x80 ? msg_non_ascii : "expected a key string or '}'";
            goto fail;
        }
        goto key;
    case '"':
        if (!(p = scan_string(p + 1, end, &e)))
            goto fail;
        type = KVA_J_STRING;
        goto done;
    case 't':
        if (!(p = scan_literal(p, end, "true",
                               "invalid literal: expected 'true'", &e)))
            goto fail;
        type = KVA_J_TRUE;
        goto done;
    case 'f':
        if (!(p = scan_literal(p, end, "false",
                               "invalid literal: expected 'false'", &e)))
            goto fail;
        type = KVA_J_FALSE;
        goto done;
    case 'n':
        if (!(p = scan_literal(p, end, "null",
                               "invalid literal: expected 'null'", &e)))
            goto fail;
        type = KVA_J_NULL;
        goto done;
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':
        if (!(p = scan_number(p, end, &e)))
            goto fail;
        type = KVA_J_NUMBER;
        goto done;
    default:
        e.at = p;
        e.what = *p >= 0x80 ? msg_non_ascii : "expected a value";
        goto fail;
    }

key:
    /* p is at the opening quote of a key in the object on top. */
    q = p + 1;
    if (!(p = scan_string(q, end, &e)))
        goto fail;
    if (depth == 1) {
        kva_span k = {(size_t)(q - s), (size_t)(p - 1 - q)};

        if (!push_member(out, &members_cap, k))
            goto fail_nomem;
        member_elems_cap = 0;
    }
    p = skip_ws(p, end);
    if (p >= end) {
        e.at = end;
        e.what = msg_eof_object;
        goto fail;
    }
    if (*p != ':') {
        e.at = p;
        e.what =
            *p >= 0x80 ? msg_non_ascii : "expected ':' after an object key";
        goto fail;
    }
    p++;
    goto value;

done:
    /* A value of `type` ended just before p; depth is its parent's. */
    if (depth == 0) {
        out->top = type;
        out->top_span.off = start[0];
        out->top_span.len = (size_t)(p - s) - start[0];
    } else if (depth == 1) {
        kva_span sp = {start[1], (size_t)(p - s) - start[1]};

        if (stack[0] == C_ARRAY) {
            if (!push_elem(&out->elems, &out->elem_types, &out->n_elems,
                           &elems_cap, sp, type))
                goto fail_nomem;
        } else {
            kva_scan_member *m;

            assert(out->n_members > 0);
            m = &out->members[out->n_members - 1];
            m->value = sp;
            m->type = type;
        }
    } else if (depth == 2 && stack[0] == C_OBJECT && stack[1] == C_ARRAY) {
        kva_span sp = {start[2], (size_t)(p - s) - start[2]};
        kva_scan_member *m;

        assert(out->n_members > 0);
        m = &out->members[out->n_members - 1];
        if (!push_elem(&m->elems, &m->elem_types, &m->n_elems,
                       &member_elems_cap, sp, type))
            goto fail_nomem;
    }
    p = skip_ws(p, end);
    if (depth == 0) {
        if (p < end) {
            e.at = p;
            e.what = "unexpected data after the JSON value";
            goto fail;
        }
        *err_off = 0;
        *what = NULL;
        return KVA_OK;
    }
    if (stack[depth - 1] == C_ARRAY) {
        if (p >= end) {
            e.at = end;
            e.what = msg_eof_array;
            goto fail;
        }
        if (*p == ',') {
            q = p;
            p = skip_ws(p + 1, end);
            if (p < end && *p == ']') {
                e.at = q;
                e.what = "trailing comma before ']'";
                goto fail;
            }
            goto value;
        }
        if (*p == ']') {
            p++;
            depth--;
            type = KVA_J_ARRAY;
            goto done;
        }
        e.at = p;
        e.what = *p >= 0x80 ? msg_non_ascii
                            : "expected ',' or ']' after an array element";
        goto fail;
    }
    if (p >= end) {
        e.at = end;
        e.what = msg_eof_object;
        goto fail;
    }
    if (*p == ',') {
        q = p;
        p = skip_ws(p + 1, end);
        if (p >= end) {
            e.at = end;
            e.what = msg_eof_object;
            goto fail;
        }
        if (*p == '}') {
            e.at = q;
            e.what = "trailing comma before '}'";
            goto fail;
        }
        if (*p != '"') {
            e.at = p;
            e.what =
                *p >= 0x80 ? msg_non_ascii : "expected a key string after ','";
            goto fail;
        }
        goto key;
    }
    if (*p == '}') {
        p++;
        depth--;
        type = KVA_J_OBJECT;
        goto done;
    }
    e.at = p;
    e.what = *p >= 0x80 ? msg_non_ascii
                        : "expected ',' or '}' after an object member";
    goto fail;

fail_nomem:
    e.code = KVA_ERR_NOMEM;
    e.at = p;
    e.what = "out of memory";
fail:
    kva_scan_free(out);
    *err_off = (size_t)(e.at - s);
    *what = e.what;
    return e.code;
}

int kva_scan_key_is(const char *text, const kva_scan_member *m, const char *key)
{
    size_t n;

    if (!text || !m || !key)
        return 0;
    n = strlen(key);
    return m->key.len == n && kva_strncasecmp(text + m->key.off, key, n) == 0;
}

#ifndef KVA_SCAN_H
#define KVA_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "../diag.h"

/*
 * A validating JSON scanner. One pass over the whole (UTF-8) text checks
 * everything cJSON would let through or report badly:
 *
 *   - RFC 8259 syntax, including no trailing garbage after the value
 *     (whitespace is allowed), and an empty file;
 *   - nesting deeper than KVA_MAX_DEPTH (checked before going deeper);
 *   - invalid UTF-8 anywhere (in strings: "invalid UTF-8 in a string";
 *     outside: a syntax error);
 *   - escapes: "\u0000" (it would truncate the string), unpaired surrogate
 *     escapes ("\ud800" alone), bad escape letters, control characters
 *     below 0x20 unescaped inside strings.
 *
 * Errors are reported as KVA_ERR_SYNTAX / KVA_ERR_UTF8 / KVA_ERR_DEPTH
 * with the byte offset of the offending byte and a short message in the
 * style "expected ',' or '}' after an object member", "unexpected end of
 * file inside a string", "nesting deeper than 512".
 *
 * While scanning it records the document's outline, which is all the
 * readers need to find records without building a tree of the whole file:
 * the top-level value, the members of a top-level object, and the
 * elements of arrays at depth 1 (top-level array) or at depth 2 (arrays
 * that are values of top-level object members).
 */

typedef struct kva_span {
    size_t off; /* byte offset of the first byte of the value */
    size_t len; /* bytes up to and including its last byte */
} kva_span;

typedef enum kva_jtype {
    KVA_J_NULL,
    KVA_J_FALSE,
    KVA_J_TRUE,
    KVA_J_NUMBER,
    KVA_J_STRING,
    KVA_J_ARRAY,
    KVA_J_OBJECT
} kva_jtype;

typedef struct kva_scan_member {
    kva_span key;     /* the key's text between the quotes, raw (escapes
                         not decoded) */
    kva_span value;
    kva_jtype type;
    kva_span *elems;  /* when type == KVA_J_ARRAY: its elements */
    kva_jtype *elem_types;
    size_t n_elems;
} kva_scan_member;

typedef struct kva_scan {
    kva_jtype top;            /* type of the top-level value */
    kva_span top_span;
    /* top == KVA_J_ARRAY: its elements */
    kva_span *elems;
    kva_jtype *elem_types;
    size_t n_elems;
    /* top == KVA_J_OBJECT: its members in file order */
    kva_scan_member *members;
    size_t n_members;
} kva_scan;

/*
 * Scan text[0..len). On success fills *out (free with kva_scan_free) and
 * returns KVA_OK. On failure returns the error, sets *err_off to the
 * offset of the offending byte (len for an unexpected end) and *what to a
 * static message; *out is left empty (safe to kva_scan_free).
 */
kva_error kva_scan_json(const char *text, size_t len, kva_scan *out,
                        size_t *err_off, const char **what);

void kva_scan_free(kva_scan *s);

/* Raw key comparison, ASCII case-insensitive (keys with escapes compare
 * by their raw text). */
int kva_scan_key_is(const char *text, const kva_scan_member *m,
                    const char *key);

#endif

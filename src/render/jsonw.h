#ifndef KVA_JSONW_H
#define KVA_JSONW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../diag.h"

/*
 * A small streaming JSON writer, laid out as jq prints by default: two
 * spaces of indent, one member or element per line, "key": value, empty
 * containers as {} and [].
 *
 * report.json is written value by value through this writer and never
 * built as a cJSON tree: a 100,000-vault report would hold a few hundred
 * thousand nodes (about 82 bytes each, plus the strings) only to be
 * printed once, and cJSON's printer would then build the whole text in
 * one more buffer. Streaming keeps memory flat whatever the estate size.
 *
 * Strings are written as UTF-8, unescaped except '"', '\\' and control
 * characters (\n \t \r \b \f, others \u00XX, DEL as \u007f). Invalid
 * UTF-8 is replaced by U+FFFD rather than ever producing invalid JSON.
 *
 * Errors are sticky: after a write error or a misuse (a value in an
 * object without a key, an unbalanced end) every call does nothing and
 * kva_jsonw_finish returns the first error.
 */
typedef struct kva_jsonw kva_jsonw;

/* New writer on f (not owned: the caller closes it). NULL on OOM. */
kva_jsonw *kva_jsonw_new(FILE *f);

/*
 * End the document with a newline and return the first error seen:
 * KVA_ERR_IO (errno saved in *saved_errno when not NULL) for a failed
 * write, KVA_ERR_NOMEM, or KVA_ERR_RENDER when the calls did not form
 * exactly one complete JSON value. Does not flush or close the FILE.
 */
kva_error kva_jsonw_finish(kva_jsonw *w, int *saved_errno);

void kva_jsonw_free(kva_jsonw *w); /* NULL is a no-op */

void kva_jsonw_object(kva_jsonw *w);     /* { */
void kva_jsonw_object_end(kva_jsonw *w); /* } */
void kva_jsonw_array(kva_jsonw *w);      /* [ */
void kva_jsonw_array_end(kva_jsonw *w);  /* ] */

/* The key of the next member (only inside an object). */
void kva_jsonw_key(kva_jsonw *w, const char *key);

/* Values. A NULL string is written as null. */
void kva_jsonw_string(kva_jsonw *w, const char *s);
void kva_jsonw_null(kva_jsonw *w);
void kva_jsonw_bool(kva_jsonw *w, bool b);
void kva_jsonw_int(kva_jsonw *w, int64_t v);
void kva_jsonw_uint(kva_jsonw *w, uint64_t v);
/* A number with exactly `decimals` digits after the point (0-9), as
 * printf's %.*f in the C locale; "-0.0" is written as "0.0"; NaN and
 * infinities as null. */
void kva_jsonw_fixed(kva_jsonw *w, double v, int decimals);

#endif

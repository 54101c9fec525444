#ifndef KVA_READERS_H
#define KVA_READERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "../diag.h"
#include "../model.h"

/*
 * The readers of one record kind each (pricings.c, subscriptions.c,
 * vaults.c, exceptions.c), all with one signature, and the field helpers
 * they share (read.c). Internal to src/inventory.
 */

/* Where the record in hand came from. */
typedef struct kva_rec {
    kva_model *m;
    const char *path;  /* the file */
    size_t input;      /* index the file's kva_input has in m->inputs */
    const char *jpath; /* "value[3]", "data[0]", "[2]", "" for a bare
                          object: the prefix of every field path */
    uint32_t line;     /* first byte of the record */
    uint32_t col;
    kva_diag *err; /* filled on an input error */
} kva_rec;

/*
 * A reader copies what the model needs out of `json` (one record, already
 * classified; not kept) and adds it to rec->m, or skips it with a
 * `record_skipped` warning. Returns KVA_OK then; KVA_ERR_SCHEMA (with
 * *rec->err filled) for a field of the wrong type or an unparseable value;
 * KVA_ERR_NOMEM.
 */
typedef kva_error (*kva_reader_fn)(const kva_rec *rec, const cJSON *json);

kva_error kva_read_pricing(const kva_rec *rec, const cJSON *json);
kva_error kva_read_subscription(const kva_rec *rec, const cJSON *json);
kva_error kva_read_vault(const kva_rec *rec, const cJSON *json);
kva_error kva_read_exception(const kva_rec *rec, const cJSON *json);

/* Strings longer than this do not fit a spreadsheet cell. */
#define KVA_LONG_TEXT 32767

/*
 * "JPATH.a.b" built from rec->jpath and the keys as written (either may be
 * NULL). Returns a new string (caller frees) or NULL on OOM.
 */
char *kva_rec_path(const kva_rec *rec, const char *k1, const char *k2);

/* Path of `item`, found with kva_field_nested (holder as it returned). */
char *kva_rec_item_path(const kva_rec *rec, const cJSON *holder,
                        const cJSON *item);

/*
 * Input error at the record's position: "PATH: " + message. Returns
 * KVA_ERR_SCHEMA (KVA_ERR_NOMEM when the path cannot be built).
 */
kva_error kva_rec_fail(const kva_rec *rec, const cJSON *holder,
                       const cJSON *item, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "expected a string, found a number" for `item`. */
kva_error kva_rec_type_error(const kva_rec *rec, const cJSON *holder,
                             const cJSON *item, const char *expected);

/*
 * The subscription named by the record's id (id_guid) wins over its
 * `subscriptionId` field; when the field is given and names another one
 * (or is not a GUID: sub_ok false), say so with an `id_mismatch` warning.
 */
kva_error kva_rec_check_subscription_id(const kva_rec *rec,
                                        const char *id_guid,
                                        const char *subid, bool sub_ok,
                                        const char *sub_guid);

/* Warning at the record's position (code, message). */
kva_error kva_rec_warn(const kva_rec *rec, const char *code, const char *sub_id,
                       const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * A string field. `nested` looks in `properties` too. *out is a new copy,
 * or NULL when the field is absent, null, or (with empty_is_absent) "".
 * A non-string is an input error; a string over KVA_LONG_TEXT bytes is
 * kept with a `long_text` warning.
 */
kva_error kva_rec_string(const kva_rec *rec, const cJSON *json,
                         const char *name, bool nested, bool empty_is_absent,
                         char **out);

/* Copy of a string value with the `long_text` check; `item` is a string. */
kva_error kva_rec_copy(const kva_rec *rec, const cJSON *holder,
                       const cJSON *item, char **out);

/*
 * The record's `tags` object into *tags (string values as they are,
 * numbers and booleans as their JSON text, null as NULL). A `tags` that is
 * a string is what ConvertTo-Json writes when it cut nesting short: a
 * `tags_unreadable` warning, no tags. Any other non-object is an input
 * error.
 */
kva_error kva_rec_tags(const kva_rec *rec, const cJSON *json, kva_tags *tags);

/*
 * `s` quoted for a message: at most 60 characters (code points), "..."
 * after a cut. Returns a new string or NULL on OOM.
 */
char *kva_quote60(const char *s);

/* Skip the record: `record_skipped` warning "JPATH: why". */
kva_error kva_rec_skip(const kva_rec *rec, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif

#include "read.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "../hash.h"
#include "../parallel.h"
#include "../text.h"
#include "detect.h"
#include "readers.h"
#include "scan.h"

#define EXCEPTIONS_SCHEMA "kvaudit.exceptions/1"
#define EXCEPTIONS_PREFIX "kvaudit.exceptions/"
#define REPORT_PREFIX "kvaudit.report/"

static char *vformat(const char *fmt, va_list ap)
{
    va_list ap2;
    char *s;
    int n;

    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return NULL;
    s = malloc((size_t)n + 1);
    if (s)
        vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

/* Append `part` to the path being built at *p, after a '.' unless it is
 * the first part or an array index. */
static void path_part(char **p, bool dot, const char *part)
{
    size_t n = strlen(part);

    if (dot)
        *(*p)++ = '.';
    memcpy(*p, part, n);
    *p += n;
}

char *kva_rec_path(const kva_rec *rec, const char *k1, const char *k2)
{
    const char *parts[3] = {rec->jpath ? rec->jpath : "", k1, k2};
    size_t n = 1;
    char *s, *p;
    bool first = true;

    for (int i = 0; i < 3; i++)
        if (parts[i])
            n += strlen(parts[i]) + 1;
    s = malloc(n);
    if (!s)
        return NULL;
    p = s;
    for (int i = 0; i < 3; i++) {
        if (!parts[i] || (i == 0 && !*parts[i]))
            continue;
        path_part(&p, !first, parts[i]);
        first = false;
    }
    *p = '\0';
    return s;
}

char *kva_rec_item_path(const kva_rec *rec, const cJSON *holder,
                        const cJSON *item)
{
    const char *k1 = NULL, *k2 = NULL;

    if (holder) {
        k1 = holder->string;
        k2 = item ? item->string : NULL;
    } else if (item) {
        k1 = item->string;
    }
    return kva_rec_path(rec, k1, k2);
}

kva_error kva_rec_fail(const kva_rec *rec, const cJSON *holder,
                       const cJSON *item, const char *fmt, ...)
{
    va_list ap;
    char *msg, *path = kva_rec_item_path(rec, holder, item);

    va_start(ap, fmt);
    msg = vformat(fmt, ap);
    va_end(ap);
    if (!msg || !path) {
        free(msg);
        free(path);
        kva_diag_set(rec->err, KVA_ERR_NOMEM, rec->path, rec->line, rec->col,
                     "%s", kva_strerror(KVA_ERR_NOMEM));
        return KVA_ERR_NOMEM;
    }
    kva_diag_set(rec->err, KVA_ERR_SCHEMA, rec->path, rec->line, rec->col,
                 "%s%s%s", path, *path ? ": " : "", msg);
    free(msg);
    free(path);
    return KVA_ERR_SCHEMA;
}

kva_error kva_rec_type_error(const kva_rec *rec, const cJSON *holder,
                             const cJSON *item, const char *expected)
{
    return kva_rec_fail(rec, holder, item, "expected %s, found %s", expected,
                        kva_json_type_name(item));
}

kva_error kva_rec_check_subscription_id(const kva_rec *rec,
                                        const char *id_guid,
                                        const char *subid, bool sub_ok,
                                        const char *sub_guid)
{
    kva_error e;
    char *q;

    if (!subid || (sub_ok && strcmp(sub_guid, id_guid) == 0))
        return KVA_OK;
    if (!(q = kva_quote60(subid)))
        return KVA_ERR_NOMEM;
    e = kva_rec_warn(rec, "id_mismatch", id_guid,
                     "subscriptionId %s differs from the subscription in the "
                     "id (%s); the id's is used",
                     q, id_guid);
    free(q);
    return e;
}

kva_error kva_rec_warn(const kva_rec *rec, const char *code, const char *sub_id,
                       const char *fmt, ...)
{
    va_list ap;
    char *msg;
    kva_error e;

    va_start(ap, fmt);
    msg = vformat(fmt, ap);
    va_end(ap);
    if (!msg)
        return KVA_ERR_NOMEM;
    e = kva_model_add_warning(rec->m, code, rec->path, sub_id, rec->line,
                              rec->col, "%s", msg);
    free(msg);
    return e;
}

kva_error kva_rec_skip(const kva_rec *rec, const char *fmt, ...)
{
    va_list ap;
    char *msg;
    kva_error e;
    const char *jp = rec->jpath ? rec->jpath : "";

    va_start(ap, fmt);
    msg = vformat(fmt, ap);
    va_end(ap);
    if (!msg)
        return KVA_ERR_NOMEM;
    e = kva_model_add_warning(rec->m, "record_skipped", rec->path, NULL,
                              rec->line, rec->col, "%s%s%s; record skipped", jp,
                              *jp ? ": " : "", msg);
    free(msg);
    return e;
}

char *kva_quote60(const char *s)
{
    size_t len = strlen(s), off = 0, chars = 0;
    char *q;

    while (off < len && chars < 60) {
        uint32_t cp;
        off += kva_utf8_next(s + off, len - off, &cp);
        chars++;
    }
    if (off > len)
        off = len;
    q = malloc(off + 6);
    if (!q)
        return NULL;
    q[0] = '"';
    memcpy(q + 1, s, off);
    strcpy(q + 1 + off, off < len ? "...\"" : "\"");
    return q;
}

static kva_error long_text(const kva_rec *rec, const char *k1, const char *k2,
                           size_t len)
{
    char *path;
    kva_error e;

    if (len <= KVA_LONG_TEXT)
        return KVA_OK;
    path = kva_rec_path(rec, k1, k2);
    if (!path)
        return KVA_ERR_NOMEM;
    e = kva_rec_warn(rec, "long_text", NULL,
                     "%s: text of %zu bytes is longer than a spreadsheet "
                     "cell holds (32,767 bytes); kept whole",
                     path, len);
    free(path);
    return e;
}

kva_error kva_rec_copy(const kva_rec *rec, const cJSON *holder,
                       const cJSON *item, char **out)
{
    size_t len = strlen(item->valuestring);
    kva_error e;

    *out = NULL;
    e = long_text(rec, holder ? holder->string : item->string,
                  holder ? item->string : NULL, len);
    if (e != KVA_OK)
        return e;
    *out = malloc(len + 1);
    if (!*out)
        return KVA_ERR_NOMEM;
    memcpy(*out, item->valuestring, len + 1);
    return KVA_OK;
}

kva_error kva_rec_string(const kva_rec *rec, const cJSON *json,
                         const char *name, bool nested, bool empty_is_absent,
                         char **out)
{
    const cJSON *holder = NULL;
    const cJSON *item =
        nested ? kva_field_nested(json, name, &holder) : kva_field(json, name);

    *out = NULL;
    if (!item || cJSON_IsNull(item))
        return KVA_OK;
    if (!cJSON_IsString(item))
        return kva_rec_type_error(rec, holder, item, "a string");
    if (empty_is_absent && !*item->valuestring)
        return KVA_OK;
    return kva_rec_copy(rec, holder, item, out);
}

/*
 * Members of an object ordered by key (ASCII case-insensitively), equal
 * keys in file order, so that repeated keys sit side by side: O(n log n)
 * even for an object with a million members.
 */
typedef struct member_ref {
    const cJSON *item;
    size_t index;
} member_ref;

static int member_cmp(const void *a, const void *b)
{
    const member_ref *x = a, *y = b;
    int c = kva_strcasecmp(x->item->string, y->item->string);

    if (c)
        return c;
    return x->index < y->index ? -1 : x->index > y->index;
}

static member_ref *sorted_members(const cJSON *obj, size_t *n)
{
    size_t count = 0, i = 0;
    member_ref *v;

    for (const cJSON *c = obj->child; c; c = c->next)
        count++;
    *n = count;
    v = malloc((count ? count : 1) * sizeof *v);
    if (!v)
        return NULL;
    for (const cJSON *c = obj->child; c; c = c->next, i++) {
        v[i].item = c;
        v[i].index = i;
    }
    qsort(v, count, sizeof *v, member_cmp);
    return v;
}

static bool same_key(const member_ref *a, const member_ref *b)
{
    return kva_strcasecmp(a->item->string, b->item->string) == 0;
}

kva_error kva_rec_tags(const kva_rec *rec, const cJSON *json, kva_tags *tags)
{
    const cJSON *t = kva_field(json, "tags");
    member_ref *refs = NULL;
    bool *keep = NULL;
    size_t n = 0, out = 0;
    kva_error e = KVA_OK;

    tags->v = NULL;
    tags->n = 0;
    if (!t || cJSON_IsNull(t))
        return KVA_OK;
    if (cJSON_IsString(t)) {
        char *q = kva_quote60(t->valuestring);
        char *path = kva_rec_path(rec, t->string, NULL);
        if (q && path)
            e = kva_rec_warn(rec, "tags_unreadable", NULL,
                             "%s is the string %s, not an object; no tags "
                             "read from this record",
                             path, q);
        else
            e = KVA_ERR_NOMEM;
        free(q);
        free(path);
        return e;
    }
    if (!cJSON_IsObject(t))
        return kva_rec_type_error(rec, NULL, t, "an object");

    /* A key repeated in one object keeps its first value (as lookups do;
     * the duplicate_key warning says so when the values differ). */
    refs = sorted_members(t, &n);
    keep = calloc(n ? n : 1, sizeof *keep);
    if (!refs || !keep) {
        e = KVA_ERR_NOMEM;
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        if (i == 0 || !same_key(&refs[i - 1], &refs[i]))
            keep[refs[i].index] = true;
    tags->v = calloc(n ? n : 1, sizeof *tags->v);
    if (!tags->v) {
        e = KVA_ERR_NOMEM;
        goto done;
    }
    {
        size_t i = 0;
        for (const cJSON *c = t->child; c; c = c->next, i++) {
            kva_tag *tag = &tags->v[out];
            if (!keep[i])
                continue;
            e = long_text(rec, t->string, c->string, strlen(c->string));
            if (e != KVA_OK)
                goto done;
            tag->key = strdup(c->string);
            if (!tag->key) {
                e = KVA_ERR_NOMEM;
                goto done;
            }
            out++;
            if (cJSON_IsNull(c))
                continue;
            if (cJSON_IsString(c)) {
                e = long_text(rec, t->string, c->string,
                              strlen(c->valuestring));
                if (e != KVA_OK)
                    goto done;
                tag->value = strdup(c->valuestring);
            } else {
                tag->value = cJSON_PrintUnformatted(c);
            }
            if (!tag->value) {
                e = KVA_ERR_NOMEM;
                goto done;
            }
        }
    }
    tags->n = out;
done:
    if (e != KVA_OK) {
        tags->n = out;
        kva_tags_free(tags);
    }
    free(refs);
    free(keep);
    return e;
}

/*
 * Duplicate keys. cJSON keeps both and lookups return the first; a second
 * value that differs is evidence nobody would otherwise see, so it gets a
 * `duplicate_key` warning. The path of the object is built only when a
 * warning is given, from a chain of frames on the stack.
 */
typedef struct frame {
    const struct frame *up;
    const char *key; /* member key, or NULL for an array element */
    size_t index;
} frame;

static char *frame_path(const kva_rec *rec, const frame *f)
{
    size_t depth = 0, n = strlen(rec->jpath) + 1, k;
    const frame **v;
    char *s = NULL, *p;
    bool first = !*rec->jpath;

    for (const frame *g = f; g; g = g->up) {
        depth++;
        n += (g->key ? strlen(g->key) : 24) + 1;
    }
    v = malloc((depth ? depth : 1) * sizeof *v);
    if (!v)
        return NULL;
    k = depth;
    for (const frame *g = f; g; g = g->up)
        v[--k] = g;
    s = malloc(n);
    if (!s)
        goto done;
    p = s;
    path_part(&p, false, rec->jpath);
    for (k = 0; k < depth; k++) {
        char num[24];
        if (v[k]->key) {
            path_part(&p, !first, v[k]->key);
        } else {
            snprintf(num, sizeof num, "[%zu]", v[k]->index);
            path_part(&p, false, num);
        }
        first = false;
    }
    *p = '\0';
done:
    free(v);
    return s;
}

/* Same value? Scalars are compared directly; containers by their printed
 * form (cJSON_Compare is quadratic in object size). */
static int same_value(const cJSON *a, const cJSON *b)
{
    char *pa, *pb;
    int r;

    if ((a->type & 0xff) != (b->type & 0xff))
        return 0;
    if (cJSON_IsString(a))
        return strcmp(a->valuestring, b->valuestring) == 0;
    if (cJSON_IsNumber(a))
        return a->valuedouble == b->valuedouble;
    if (!cJSON_IsArray(a) && !cJSON_IsObject(a))
        return 1;
    pa = cJSON_PrintUnformatted(a);
    pb = cJSON_PrintUnformatted(b);
    if (!pa || !pb)
        r = -1;
    else
        r = strcmp(pa, pb) == 0;
    cJSON_free(pa);
    cJSON_free(pb);
    return r;
}

/*
 * Whether some key of obj may appear twice. Nearly no object repeats a
 * key, and sorting every object's keys to find out was a tenth of the
 * reading: objects of up to SMALL_OBJECT members are checked with a small
 * hash set on the stack instead (a `true` sends them to the sorted check,
 * which finds and reports the repeats).
 */
#define SMALL_OBJECT 32

static bool may_repeat(const cJSON *obj)
{
    struct {
        uint32_t hash;
        const char *key;
    } set[2 * SMALL_OBJECT];
    uint64_t used = 0;
    size_t n = 0;

    _Static_assert(2 * SMALL_OBJECT <= 64, "one bit per slot");
    for (const cJSON *c = obj->child; c; c = c->next)
        if (++n > SMALL_OBJECT)
            return true;
    for (const cJSON *c = obj->child; c; c = c->next) {
        uint32_t h = 2166136261u;
        size_t i;

        for (const unsigned char *p = (const unsigned char *)c->string; *p;
             p++)
            h = (h ^ (uint32_t)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p)) *
                16777619u;
        for (i = h % (2 * SMALL_OBJECT); used >> i & 1;
             i = (i + 1) % (2 * SMALL_OBJECT))
            if (set[i].hash == h && kva_strcasecmp(set[i].key, c->string) == 0)
                return true;
        used |= (uint64_t)1 << i;
        set[i].hash = h;
        set[i].key = c->string;
    }
    return false;
}

static kva_error check_object_keys(const kva_rec *rec, const cJSON *obj,
                                   const frame *f)
{
    member_ref *refs;
    size_t n, i = 0;
    kva_error e = KVA_OK;

    if (!obj->child || !obj->child->next || !may_repeat(obj))
        return KVA_OK;
    refs = sorted_members(obj, &n);
    if (!refs)
        return KVA_ERR_NOMEM;
    while (i < n) {
        size_t j = i + 1;
        bool differ = false;
        for (; j < n && same_key(&refs[i], &refs[j]); j++) {
            int s = differ ? 1 : same_value(refs[i].item, refs[j].item);
            if (s < 0) {
                e = KVA_ERR_NOMEM;
                goto done;
            }
            if (!s)
                differ = true;
        }
        if (differ) {
            char *where = frame_path(rec, f);
            if (!where) {
                e = KVA_ERR_NOMEM;
                goto done;
            }
            e = kva_rec_warn(rec, "duplicate_key", NULL,
                             "duplicate key \"%s\" in %s%s with different "
                             "values; the first is used",
                             refs[i].item->string, *where ? "" : "the record",
                             where);
            free(where);
            if (e != KVA_OK)
                goto done;
        }
        i = j;
    }
done:
    free(refs);
    return e;
}

static kva_error check_duplicates(const kva_rec *rec, const cJSON *node,
                                  const frame *f)
{
    size_t i = 0;
    kva_error e;

    if (cJSON_IsObject(node)) {
        e = check_object_keys(rec, node, f);
        if (e != KVA_OK)
            return e;
    } else if (!cJSON_IsArray(node)) {
        return KVA_OK;
    }
    for (const cJSON *c = node->child; c; c = c->next, i++) {
        frame sub = {f, cJSON_IsObject(node) ? c->string : NULL, i};
        if (!cJSON_IsObject(c) && !cJSON_IsArray(c))
            continue;
        e = check_duplicates(rec, c, &sub);
        if (e != KVA_OK)
            return e;
    }
    return KVA_OK;
}

/* Reading one file. */

typedef struct file_reader {
    kva_model *m;
    const char *path;
    kva_diag *err;
    const char *text; /* decoded UTF-8 */
    size_t len;
    kva_poscache pc;
    size_t input;
    size_t records;      /* of a known kind */
    unsigned kinds_seen; /* bit per kva_kind */
} file_reader;

static const char *jtype_name(kva_jtype t)
{
    switch (t) {
    case KVA_J_NULL:
        return "null";
    case KVA_J_FALSE:
    case KVA_J_TRUE:
        return "a boolean";
    case KVA_J_NUMBER:
        return "a number";
    case KVA_J_STRING:
        return "a string";
    case KVA_J_ARRAY:
        return "an array";
    case KVA_J_OBJECT:
        return "an object";
    }
    return "a value";
}

static kva_error nomem(file_reader *r)
{
    kva_diag_set(r->err, KVA_ERR_NOMEM, r->path, 0, 0, "%s",
                 kva_strerror(KVA_ERR_NOMEM));
    return KVA_ERR_NOMEM;
}

/* Fail with code and message at byte offset `off` of the decoded text. */
static kva_error fail_at(file_reader *r, kva_error code, size_t off,
                         const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static kva_error fail_at(file_reader *r, kva_error code, size_t off,
                         const char *fmt, ...)
{
    va_list ap;
    char *msg;
    uint32_t line, col;

    va_start(ap, fmt);
    msg = vformat(fmt, ap);
    va_end(ap);
    if (!msg)
        return nomem(r);
    kva_text_position(r->text, r->len, off, &line, &col);
    kva_diag_set(r->err, code, r->path, line, col, "%s", msg);
    free(msg);
    return code;
}

static kva_reader_fn reader_for(kva_rec_kind k, kva_kind *kind)
{
    switch (k) {
    case KVA_REC_PRICING:
        *kind = KVA_KIND_PRICINGS;
        return kva_read_pricing;
    case KVA_REC_SUBSCRIPTION:
        *kind = KVA_KIND_SUBSCRIPTIONS;
        return kva_read_subscription;
    case KVA_REC_VAULT:
        *kind = KVA_KIND_VAULTS;
        return kva_read_vault;
    case KVA_REC_OTHER:
        break;
    }
    *kind = KVA_KIND_UNKNOWN;
    return NULL;
}

/*
 * A record that no reader claims is normally a resource of another kind
 * and is passed over in silence. Not when what tells its kind is itself
 * broken: a "type" or "id" that is not a string, an id that names a
 * subscription but cannot be used (path tricks, no GUID), or a bare id
 * that is no GUID beside Azure's tenantId/subscriptionId. Such a record
 * may be the very pricing or subscription that decides the control, so
 * it is skipped with a warning that says why.
 */
static bool present(const cJSON *v)
{
    return v && !cJSON_IsNull(v);
}

static kva_error check_unclaimed(const kva_rec *rec, const cJSON *json)
{
    static const char *const keys[] = {"type", "id"};
    const cJSON *id;
    const char *why = NULL, *seg;
    char guid[37], *q;
    size_t len;
    kva_error e;

    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const cJSON *v = kva_field(json, keys[i]);
        if (present(v) && !cJSON_IsString(v))
            return kva_rec_skip(rec, "\"%s\" is %s, not a string", keys[i],
                                kva_json_type_name(v));
    }
    id = kva_field(json, "id");
    if (!cJSON_IsString(id) || present(kva_field(json, "type")))
        return KVA_OK;
    if (kva_id_sub_segment(id->valuestring, &seg, &len)) {
        why = kva_id_problem(id->valuestring);
        if (!why && !kva_guid_copy(seg, len, guid))
            why = "names a subscription that is not a GUID";
    } else if (id->valuestring[0] != '/' && !kva_is_guid(id->valuestring) &&
               (present(kva_field_nested(json, "tenantId", NULL)) ||
                present(kva_field_nested(json, "subscriptionId", NULL)))) {
        why = "is not a subscription GUID";
    }
    if (!why)
        return KVA_OK;
    q = kva_quote60(id->valuestring);
    if (!q)
        return KVA_ERR_NOMEM;
    e = kva_rec_skip(rec, "id %s %s", q, why);
    free(q);
    return e;
}

/*
 * One record: the JSON value at span `sp` of the decoded text, parsed on
 * its own so that memory stays bounded by the largest record.
 * `exceptions` sends it to the exceptions reader instead of classifying.
 */
static kva_error read_record(file_reader *r, const char *jpath, kva_span sp,
                             kva_jtype type, bool exceptions)
{
    kva_rec rec = {r->m, r->path, r->input, jpath, 0, 0, r->err};
    const char *end = NULL;
    cJSON *json = NULL;
    kva_reader_fn fn;
    kva_kind kind = KVA_KIND_EXCEPTIONS;
    kva_error e = KVA_OK;

    kva_text_position_at(&r->pc, r->text, r->len, sp.off, &rec.line, &rec.col);
    if (type != KVA_J_OBJECT) {
        if (exceptions) {
            kva_diag_set(r->err, KVA_ERR_SCHEMA, r->path, rec.line, rec.col,
                         "%s: expected an object, found %s", jpath,
                         jtype_name(type));
            return KVA_ERR_SCHEMA;
        }
        return kva_model_add_warning(
            r->m, "record_skipped", r->path, NULL, rec.line, rec.col,
            "%s is %s, not an object", jpath, jtype_name(type));
    }
    /* Already validated by the scanner: failure here is out of memory. */
    json = cJSON_ParseWithLengthOpts(r->text + sp.off, sp.len, &end, 0);
    if (!json) {
        kva_diag_set(r->err, KVA_ERR_NOMEM, r->path, rec.line, rec.col,
                     "%s while reading %s", kva_strerror(KVA_ERR_NOMEM),
                     *jpath ? jpath : "the record");
        return KVA_ERR_NOMEM;
    }
    /* Records of other kinds are not evidence here: no warnings for them,
     * unless their kind cannot be told. */
    fn = exceptions ? kva_read_exception : reader_for(kva_detect(json), &kind);
    if (!fn) {
        e = check_unclaimed(&rec, json);
        goto done;
    }
    e = check_duplicates(&rec, json, NULL);
    if (e == KVA_OK)
        e = fn(&rec, json);
    if (e != KVA_OK)
        goto done;
    r->records++;
    r->kinds_seen |= 1u << kind;
done:
    cJSON_Delete(json);
    if (e == KVA_ERR_NOMEM && !r->err->message)
        nomem(r);
    return e;
}

/* Elements lo..hi-1 of an array of records (the top-level array, or the
 * array that is the value of wrapper member `wname`). */
static kva_error read_range(file_reader *r, const char *wname, size_t wlen,
                            const kva_span *elems, const kva_jtype *types,
                            size_t lo, size_t hi, bool exceptions)
{
    char *jpath = malloc(wlen + 32);
    kva_error e = KVA_OK;

    if (!jpath)
        return nomem(r);
    for (size_t i = lo; i < hi && e == KVA_OK; i++) {
        snprintf(jpath, wlen + 32, "%.*s[%zu]", (int)wlen, wname, i);
        e = read_record(r, jpath, elems[i], types[i], exceptions);
    }
    free(jpath);
    return e;
}

/*
 * A large array is read in shares on several threads (kva_threads()):
 * each thread parses, checks and extracts its share's records into a
 * journal (kva_model_new_journal), and the journals are replayed into the
 * file's model in share order. Readers look at nothing but their record,
 * so the model, its warnings and their positions are exactly what reading
 * the records in a row gives. Below PARALLEL_MIN records the threads
 * would cost more than they save.
 *
 * cJSON's parse resets a global error pointer on every call: several
 * threads write the same NULL to it. Nothing here reads it (the scanner
 * has validated the text; a parse fails only for want of memory).
 */
#define PARALLEL_MIN 4096
#define SHARE_MIN 1024

typedef struct share {
    file_reader r; /* its own journal, diagnostic and position cache */
    kva_diag err;
    size_t lo, hi;
    kva_error e;
} share;

typedef struct shares {
    share *v;
    const char *wname;
    size_t wlen;
    const kva_span *elems;
    const kva_jtype *types;
    bool exceptions;
} shares;

static void read_share(void *ctx, size_t k)
{
    shares *sh = ctx;
    share *s = &sh->v[k];

    s->e = read_range(&s->r, sh->wname, sh->wlen, sh->elems, sh->types, s->lo,
                      s->hi, sh->exceptions);
}

static kva_error read_elements(file_reader *r, const char *wname, size_t wlen,
                               const kva_span *elems, const kva_jtype *types,
                               size_t n, bool exceptions)
{
    unsigned threads = kva_threads();
    size_t k, done = 0;
    shares sh = {NULL, wname, wlen, elems, types, exceptions};
    kva_poscache pc = r->pc;
    kva_pool *pool = NULL;
    kva_error e = KVA_OK;

    if (threads < 2 || n < PARALLEL_MIN)
        return read_range(r, wname, wlen, elems, types, 0, n, exceptions);
    /* Several shares a thread: a share is replayed while later ones are
     * still being read. */
    k = 4 * (size_t)threads;
    if (k > n / SHARE_MIN)
        k = n / SHARE_MIN;
    sh.v = calloc(k, sizeof *sh.v);
    if (!sh.v)
        return nomem(r);
    for (size_t i = 0; i < k; i++) {
        share *s = &sh.v[i];
        uint32_t line, col;

        s->lo = n * i / k;
        s->hi = n * (i + 1) / k;
        s->r = *r;
        s->r.err = &s->err;
        s->r.records = 0;
        s->r.kinds_seen = 0;
        s->r.m = kva_model_new_journal();
        if (!s->r.m) {
            e = nomem(r);
            goto done;
        }
        /* Where the share starts, so that it counts lines from there. */
        kva_text_position_at(&pc, r->text, r->len, elems[s->lo].off, &line,
                             &col);
        s->r.pc = pc;
    }
    pool = kva_pool_start(k, threads, read_share, &sh);
    if (!pool) {
        e = nomem(r);
        goto done;
    }
    for (; done < k && e == KVA_OK; done++) {
        share *s = &sh.v[done];

        kva_pool_wait(pool, done);
        if (kva_model_replay(r->m, s->r.m) != KVA_OK) {
            e = nomem(r);
            break;
        }
        r->records += s->r.records;
        r->kinds_seen |= s->r.kinds_seen;
        e = s->e;
        if (e != KVA_OK) {
            /* The first error in file order, as a single thread stops at. */
            kva_diag_clear(r->err);
            *r->err = s->err;
            memset(&s->err, 0, sizeof s->err);
        }
    }
done:
    kva_pool_finish(pool);
    for (size_t i = 0; i < k; i++) {
        kva_model_free(sh.v[i].r.m);
        kva_diag_clear(&sh.v[i].err);
    }
    free(sh.v);
    return e;
}

static int span_key_cmp(const char *text, const kva_scan_member *a,
                        const kva_scan_member *b)
{
    size_t n = a->key.len < b->key.len ? a->key.len : b->key.len;
    int c = kva_strncasecmp(text + a->key.off, text + b->key.off, n);

    if (c)
        return c;
    return a->key.len < b->key.len ? -1 : a->key.len > b->key.len;
}

typedef struct wrapper_ref {
    const char *text;
    const kva_scan_member *m;
} wrapper_ref;

static int wrapper_ref_cmp(const void *a, const void *b)
{
    const wrapper_ref *x = a, *y = b;
    int c = span_key_cmp(x->text, x->m, y->m);

    if (c)
        return c;
    return x->m < y->m ? -1 : x->m > y->m;
}

/*
 * Repeated keys of the wrapper object whose values differ (byte for byte):
 * the first is used, as for keys inside records.
 */
static kva_error check_wrapper_keys(file_reader *r, const kva_scan *sc)
{
    wrapper_ref *v;
    size_t n = sc->n_members, i = 0;
    kva_error e = KVA_OK;

    if (n < 2)
        return KVA_OK;
    v = malloc(n * sizeof *v);
    if (!v)
        return nomem(r);
    for (size_t k = 0; k < n; k++) {
        v[k].text = r->text;
        v[k].m = &sc->members[k];
    }
    qsort(v, n, sizeof *v, wrapper_ref_cmp);
    while (i < n && e == KVA_OK) {
        size_t j = i + 1;
        bool warned = false;
        for (; j < n && span_key_cmp(r->text, v[i].m, v[j].m) == 0; j++) {
            const kva_scan_member *a = v[i].m, *b = v[j].m;
            uint32_t line, col;
            if (warned || (a->value.len == b->value.len &&
                           memcmp(r->text + a->value.off,
                                  r->text + b->value.off, a->value.len) == 0))
                continue;
            warned = true;
            /* the key's opening quote */
            kva_text_position(r->text, r->len, b->key.off - 1, &line, &col);
            e = kva_model_add_warning(
                r->m, "duplicate_key", r->path, NULL, line, col,
                "duplicate key \"%.*s\" in the top-level object with "
                "different values; the first is used",
                (int)a->key.len, r->text + a->key.off);
            if (e != KVA_OK) {
                nomem(r);
                break;
            }
        }
        i = j;
    }
    free(v);
    return e;
}

static const kva_scan_member *member(const file_reader *r, const kva_scan *sc,
                                     const char *key)
{
    for (size_t i = 0; i < sc->n_members; i++)
        if (kva_scan_key_is(r->text, &sc->members[i], key))
            return &sc->members[i];
    return NULL;
}

/* The decoded value of a string member (a new string), NULL when it is not
 * a string; *oom set on allocation failure. */
static char *member_string(const file_reader *r, const kva_scan_member *mb,
                           bool *oom)
{
    cJSON *j;
    char *s = NULL;
    const char *end = NULL;

    *oom = false;
    if (!mb || mb->type != KVA_J_STRING)
        return NULL;
    j = cJSON_ParseWithLengthOpts(r->text + mb->value.off, mb->value.len, &end,
                                  0);
    if (j && cJSON_IsString(j))
        s = strdup(j->valuestring);
    if (!j || !s)
        *oom = true;
    cJSON_Delete(j);
    return s;
}

/* Append ", what" (or "what" first) to the reason being built. */
static void add_reason(char *buf, size_t size, const char *what,
                       const char *suffix)
{
    size_t used = strlen(buf);

    snprintf(buf + used, size - used, "%s%s%s", used ? ", " : "", what, suffix);
}

/*
 * A paged or truncated dump: the wrapper says records are missing (a
 * continuation token or link, resultTruncated, or a total larger than the
 * records here). The other pages may well be other files under PATH, so
 * the report stays complete; the warning says what to check.
 */
static kva_error check_paging(file_reader *r, const kva_scan *sc,
                              const kva_scan_member *records)
{
    static const char *const links[] = {"skip_token", "$skipToken", "skipToken",
                                        "nextLink", "@odata.nextLink"};
    static const char *const totals[] = {"total_records", "totalRecords"};
    const kva_scan_member *first = NULL, *total_mb = NULL;
    char why[160] = "", num[32] = "";
    size_t n = records->n_elems;
    double total = 0;
    uint32_t line, col;
    kva_error e;

    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
        const kva_scan_member *mb = member(r, sc, links[i]);
        /* null, false and "" say there is no next page */
        if (!mb || mb->type == KVA_J_NULL || mb->type == KVA_J_FALSE ||
            (mb->type == KVA_J_STRING && mb->value.len <= 2))
            continue;
        if (!first || mb->key.off < first->key.off)
            first = mb;
        add_reason(why, sizeof why, links[i], " set");
    }
    {
        const kva_scan_member *mb = member(r, sc, "resultTruncated");
        bool oom = false;
        char *v = member_string(r, mb, &oom);

        if (oom)
            return nomem(r);
        if (mb &&
            (mb->type == KVA_J_TRUE || (v && kva_strcasecmp(v, "true") == 0))) {
            if (!first || mb->key.off < first->key.off)
                first = mb;
            add_reason(why, sizeof why, "resultTruncated", " is true");
        }
        free(v);
    }
    for (size_t i = 0; i < sizeof totals / sizeof totals[0] && !total_mb; i++) {
        const kva_scan_member *mb = member(r, sc, totals[i]);
        const char *end = NULL;
        cJSON *j;

        if (!mb || mb->type != KVA_J_NUMBER)
            continue;
        j = cJSON_ParseWithLengthOpts(r->text + mb->value.off, mb->value.len,
                                      &end, 0);
        if (!j)
            return nomem(r);
        if (cJSON_IsNumber(j) && j->valuedouble > (double)n) {
            total_mb = mb;
            total = j->valuedouble;
            snprintf(num, sizeof num, "%.15g", total);
        }
        cJSON_Delete(j);
        if (total_mb && !first) {
            first = mb;
            snprintf(why, sizeof why, "%s is %s", totals[i], num);
        }
    }
    if (!first)
        return KVA_OK;
    kva_text_position(r->text, r->len, first->key.off - 1, &line, &col);
    if (total_mb)
        e = kva_model_add_warning(
            r->m, "partial_dump", r->path, NULL, line, col,
            "this file holds %zu of %s records (%s): export every page into "
            "PATH",
            n, num, why);
    else
        e = kva_model_add_warning(
            r->m, "partial_dump", r->path, NULL, line, col,
            "this file holds %zu record%s and more exist (%s): export every "
            "page into PATH",
            n, n == 1 ? "" : "s", why);
    return e == KVA_OK ? KVA_OK : nomem(r);
}

static bool prefix_ci(const char *s, const char *prefix)
{
    return kva_strncasecmp(s, prefix, strlen(prefix)) == 0;
}

static kva_error read_outline(file_reader *r, const kva_scan *sc,
                              bool explicit_exceptions, kva_kind *fixed)
{
    static const char *const wrappers[] = {"value", "data", "subscriptions"};
    const kva_scan_member *schema = NULL, *mb;
    char *sv = NULL, *q = NULL;
    bool oom = false, is_register = false;
    kva_error e = KVA_OK;

    *fixed = KVA_KIND__COUNT;
    if (sc->top == KVA_J_OBJECT) {
        schema = member(r, sc, "schema");
        sv = member_string(r, schema, &oom);
        if (oom)
            return nomem(r);
    }
    if (sv && kva_strcasecmp(sv, EXCEPTIONS_SCHEMA) == 0) {
        is_register = true;
    } else if (sv && prefix_ci(sv, EXCEPTIONS_PREFIX)) {
        q = kva_quote60(sv);
        e = q ? fail_at(r, KVA_ERR_SCHEMA, schema->value.off,
                        "unsupported exceptions schema '%.*s'",
                        (int)(strlen(q) - 2), q + 1)
              : nomem(r);
        goto done;
    }
    if (explicit_exceptions && !is_register) {
        kva_diag_set(r->err, KVA_ERR_SCHEMA, r->path, 0, 0,
                     "not an exceptions register (expected \"schema\": "
                     "\"" EXCEPTIONS_SCHEMA "\")");
        e = KVA_ERR_SCHEMA;
        goto done;
    }
    if (sv && prefix_ci(sv, REPORT_PREFIX)) {
        *fixed = KVA_KIND_REPORT;
        goto done;
    }

    if (sc->top == KVA_J_ARRAY) {
        e = read_elements(r, "", 0, sc->elems, sc->elem_types, sc->n_elems,
                          false);
        goto done;
    }
    if (sc->top != KVA_J_OBJECT)
        goto done;

    if (is_register) {
        *fixed = KVA_KIND_EXCEPTIONS;
        e = check_wrapper_keys(r, sc);
        if (e != KVA_OK)
            goto done;
        mb = member(r, sc, "exceptions");
        if (!mb) {
            e = fail_at(r, KVA_ERR_SCHEMA, sc->top_span.off,
                        "missing \"exceptions\"");
        } else if (mb->type != KVA_J_ARRAY) {
            e = fail_at(r, KVA_ERR_SCHEMA, mb->value.off,
                        "exceptions: expected an array, found %s",
                        jtype_name(mb->type));
        } else {
            e = read_elements(r, r->text + mb->key.off, mb->key.len, mb->elems,
                              mb->elem_types, mb->n_elems, true);
        }
        goto done;
    }
    for (size_t w = 0; w < sizeof wrappers / sizeof wrappers[0]; w++) {
        mb = member(r, sc, wrappers[w]);
        if (!mb || mb->type != KVA_J_ARRAY)
            continue;
        e = check_wrapper_keys(r, sc);
        if (e == KVA_OK)
            e = read_elements(r, r->text + mb->key.off, mb->key.len, mb->elems,
                              mb->elem_types, mb->n_elems, false);
        if (e == KVA_OK)
            e = check_paging(r, sc, mb);
        goto done;
    }
    /* Any other object is one record: `show` commands, single resources. */
    e = read_record(r, "", sc->top_span, KVA_J_OBJECT, false);
done:
    free(sv);
    free(q);
    return e;
}

/*
 * The whole file into memory (NUL-terminated). Non-regular files are
 * refused before reading (a FIFO would block; O_NONBLOCK keeps even the
 * open from waiting for a writer), and so are files over the size limit.
 * The file may change while it is read: what read() returns is what
 * counts, still within the limit.
 */
static kva_error slurp(const char *path, unsigned char **out, size_t *out_len,
                       kva_diag *err)
{
    struct stat st;
    unsigned char *buf = NULL;
    size_t cap, len = 0;
    int fd, flags;
    kva_error e = KVA_OK;

    *out = NULL;
    *out_len = 0;
    fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        kva_diag_set(err, KVA_ERR_IO, path, 0, 0, "%s", strerror(errno));
        return KVA_ERR_IO;
    }
    if (fstat(fd, &st) != 0) {
        kva_diag_set(err, KVA_ERR_IO, path, 0, 0, "%s", strerror(errno));
        e = KVA_ERR_IO;
        goto done;
    }
    if (!S_ISREG(st.st_mode)) {
        kva_diag_set(err, KVA_ERR_IO, path, 0, 0, "not a regular file");
        e = KVA_ERR_IO;
        goto done;
    }
    if (st.st_size < 0 || (uint64_t)st.st_size > KVA_MAX_FILE_SIZE) {
        kva_diag_set(err, KVA_ERR_TOO_LARGE, path, 0, 0,
                     "file is larger than 1 GiB");
        e = KVA_ERR_TOO_LARGE;
        goto done;
    }
    flags = fcntl(fd, F_GETFL);
    if (flags >= 0)
        (void)fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    cap = (size_t)st.st_size + 1;
    buf = malloc(cap);
    if (!buf) {
        kva_diag_set(err, KVA_ERR_NOMEM, path, 0, 0, "%s",
                     kva_strerror(KVA_ERR_NOMEM));
        e = KVA_ERR_NOMEM;
        goto done;
    }
    for (;;) {
        unsigned char probe[4096];
        unsigned char *dst = buf + len;
        size_t room = cap - 1 - len;
        ssize_t n;

        /* Full as fstat said: probe for growth instead of doubling a
         * buffer that is almost always exactly right. */
        if (!room) {
            dst = probe;
            room = sizeof probe;
        }
        n = read(fd, dst, room);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            kva_diag_set(err, KVA_ERR_IO, path, 0, 0, "%s", strerror(errno));
            e = KVA_ERR_IO;
            goto done;
        }
        if (n == 0)
            break;
        if (dst == probe) {
            size_t need = len + (size_t)n + 1, ncap = cap;
            unsigned char *nb;
            if (len + (size_t)n > KVA_MAX_FILE_SIZE) {
                kva_diag_set(err, KVA_ERR_TOO_LARGE, path, 0, 0,
                             "file is larger than 1 GiB");
                e = KVA_ERR_TOO_LARGE;
                goto done;
            }
            while (ncap < need)
                ncap = ncap < 4096 ? 8192 : ncap * 2;
            nb = realloc(buf, ncap);
            if (!nb) {
                kva_diag_set(err, KVA_ERR_NOMEM, path, 0, 0, "%s",
                             kva_strerror(KVA_ERR_NOMEM));
                e = KVA_ERR_NOMEM;
                goto done;
            }
            buf = nb;
            cap = ncap;
            memcpy(buf + len, probe, (size_t)n);
        }
        len += (size_t)n;
    }
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    buf = NULL;
done:
    free(buf);
    close(fd);
    return e;
}

static kva_kind kind_of(unsigned seen)
{
    kva_kind found = KVA_KIND_UNKNOWN;

    for (int k = 0; k < KVA_KIND__COUNT; k++) {
        if (!(seen & (1u << k)))
            continue;
        if (found != KVA_KIND_UNKNOWN)
            return KVA_KIND_MIXED;
        found = (kva_kind)k;
    }
    return found;
}

/*
 * The SHA-256 of a large file is taken on a thread of its own while the
 * text is decoded, scanned and read: it needs nothing but the raw bytes.
 */
#define PARALLEL_HASH_MIN (1u << 20)

typedef struct hash_job {
    const unsigned char *raw;
    size_t size;
    char hex[65];
} hash_job;

static void hash_task(void *ctx, size_t i)
{
    hash_job *h = ctx;

    (void)i;
    kva_sha256_buf(h->raw, h->size, h->hex);
}

kva_error kva_read_file(const char *path, bool explicit_exceptions,
                        kva_model *m, kva_diag *err)
{
    hash_job hj = {0};
    kva_pool *hashing = NULL;
    file_reader r = {0};
    unsigned char *raw = NULL;
    size_t size = 0, off = 0;
    kva_encoding enc = KVA_ENC_UTF8;
    const char *text = NULL, *what = NULL;
    size_t tlen = 0;
    bool owned = false;
    kva_scan sc;
    kva_input in = {0};
    kva_kind fixed;
    uint32_t line, col;
    kva_error e;

    memset(&sc, 0, sizeof sc);
    kva_diag_clear(err);
    e = slurp(path, &raw, &size, err);
    if (e != KVA_OK)
        goto done;
    hj.raw = raw;
    hj.size = size;
    if (kva_threads() > 1 && size >= PARALLEL_HASH_MIN)
        hashing = kva_pool_start(1, 2, hash_task, &hj);
    if (!hashing)
        hash_task(&hj, 0);
    in.bytes = size;

    e = kva_text_decode(raw, size, &enc, &text, &tlen, &owned, &off, &what);
    if (e != KVA_OK) {
        kva_text_position_raw(raw, size, enc, off, &line, &col);
        kva_diag_set(err, e, path, line, col, "%s",
                     what ? what : kva_strerror(e));
        goto done;
    }
    r.m = m;
    r.path = path;
    r.err = err;
    r.text = text;
    r.len = tlen;
    r.input = m->n_inputs;

    e = kva_scan_json(text, tlen, &sc, &off, &what);
    if (e != KVA_OK) {
        kva_text_position(text, tlen, off, &line, &col);
        kva_diag_set(err, e, path, line, col, "%s",
                     what ? what : kva_strerror(e));
        goto done;
    }
    /* Listed before its records are read: a subscription described again
     * names the files on both sides (m->inputs[r.input]). */
    in.path = strdup(path);
    if (!in.path) {
        e = nomem(&r);
        goto done;
    }
    e = kva_model_add_input(m, &in, &r.input);
    if (e != KVA_OK) {
        nomem(&r);
        goto done;
    }
    e = read_outline(&r, &sc, explicit_exceptions, &fixed);
    if (e != KVA_OK)
        goto done;

    in.kind = fixed != KVA_KIND__COUNT ? fixed : kind_of(r.kinds_seen);
    kva_pool_wait(hashing, 0);
    memcpy(m->inputs[r.input].sha256, hj.hex, sizeof hj.hex);
    m->inputs[r.input].kind = in.kind;
    m->inputs[r.input].records = r.records;
    if (in.kind == KVA_KIND_UNKNOWN) {
        e = kva_model_add_warning(m, "unknown_input", path, NULL, 0, 0,
                                  "no record of a known kind (pricings, "
                                  "subscriptions, key vaults, exceptions)");
        if (e != KVA_OK) {
            nomem(&r);
            goto done;
        }
    }
done:
    if (e != KVA_OK && !err->message)
        kva_diag_set(err, e, path, 0, 0, "%s", kva_strerror(e));
    kva_pool_finish(hashing); /* the hash reads raw until it is done */
    kva_scan_free(&sc);
    if (owned)
        free((void *)text);
    free(raw);
    return e;
}

kva_error kva_model_merge(kva_model *dst, kva_model *src)
{
    return kva_model_absorb(dst, src);
}

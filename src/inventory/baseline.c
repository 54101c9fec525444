#include "../evaluate.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../text.h"
#include "scan.h"

/*
 * A previous report.json for --baseline. The file is decoded and scanned
 * like any input (so bad bytes get a positioned error); then only the
 * members the trend needs are parsed, each subscription entry on its own,
 * so memory stays near the size of the file rather than cJSON's ~6.5x.
 */

#define REPORT_SCHEMA "kvaudit.report/1"

typedef struct bctx {
    const char *path;
    const char *text;
    size_t len;
    kva_diag *err;
} bctx;

/* Read a whole file (at most KVA_MAX_FILE_SIZE bytes) into a NUL-terminated
 * buffer. */
static kva_error read_all(const char *path, unsigned char **out, size_t *len,
                          kva_diag *err)
{
    FILE *f;
    unsigned char *buf = NULL;
    size_t n = 0, cap = 0;
    struct stat st;
    int fd, flags;

    /* O_NONBLOCK: opening a FIFO must not wait for a writer. A FIFO or a
     * device (/dev/zero) is refused before reading, and so is a huge
     * regular file; the read loop below still stops at the limit for a
     * file that grows. */
    fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        kva_diag_set(err, KVA_ERR_IO, path, 0, 0, "%s", strerror(errno));
        return KVA_ERR_IO;
    }
    if (fstat(fd, &st) != 0) {
        kva_diag_set(err, KVA_ERR_IO, path, 0, 0, "%s", strerror(errno));
        close(fd);
        return KVA_ERR_IO;
    }
    if (!S_ISREG(st.st_mode)) {
        kva_diag_set(err, KVA_ERR_IO, path, 0, 0, "not a regular file");
        close(fd);
        return KVA_ERR_IO;
    }
    if ((uint64_t)st.st_size > KVA_MAX_FILE_SIZE) {
        kva_diag_set(err, KVA_ERR_TOO_LARGE, path, 0, 0,
                     "file is larger than 1 GiB");
        close(fd);
        return KVA_ERR_TOO_LARGE;
    }
    flags = fcntl(fd, F_GETFL);
    if (flags >= 0)
        (void)fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    f = fdopen(fd, "rb");
    if (!f) {
        kva_diag_set(err, KVA_ERR_IO, path, 0, 0, "%s", strerror(errno));
        close(fd);
        return KVA_ERR_IO;
    }
    for (;;) {
        if (cap - n < 65536 + 1) {
            size_t ncap = cap ? cap * 2 : 65536 * 2;
            unsigned char *nb;

            if (ncap > KVA_MAX_FILE_SIZE + 65536 * 2)
                ncap = KVA_MAX_FILE_SIZE + 65536 * 2;
            nb = realloc(buf, ncap);
            if (!nb) {
                kva_diag_set(err, KVA_ERR_NOMEM, path, 0, 0, "%s",
                             kva_strerror(KVA_ERR_NOMEM));
                goto fail_nomem;
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (n > KVA_MAX_FILE_SIZE) {
            kva_diag_set(err, KVA_ERR_TOO_LARGE, path, 0, 0,
                         "file is larger than 1 GiB");
            free(buf);
            fclose(f);
            return KVA_ERR_TOO_LARGE;
        }
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        kva_diag_set(err, KVA_ERR_IO, path, 0, 0, "%s", strerror(errno));
        free(buf);
        fclose(f);
        return KVA_ERR_IO;
    }
    fclose(f);
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return KVA_OK;
fail_nomem:
    free(buf);
    fclose(f);
    return KVA_ERR_NOMEM;
}

static kva_error fail_at(bctx *c, kva_error code, size_t off, const char *fmt,
                         ...) __attribute__((format(printf, 4, 5)));
static kva_error fail_at(bctx *c, kva_error code, size_t off, const char *fmt,
                         ...)
{
    char msg[512];
    va_list ap;
    uint32_t line = 0, col = 0;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    kva_text_position(c->text, c->len, off, &line, &col);
    kva_diag_set(c->err, code, c->path, line, col, "%s", msg);
    return code;
}

static const kva_scan_member *member(const bctx *c, const kva_scan *s,
                                     const char *key)
{
    for (size_t i = 0; i < s->n_members; i++)
        if (kva_scan_key_is(c->text, &s->members[i], key))
            return &s->members[i];
    return NULL;
}

/* Parse one value the scanner has already validated (so a failure can only
 * be out of memory). The span sits inside the whole text: no NUL follows. */
static cJSON *parse_span(const bctx *c, kva_span sp)
{
    const char *end = NULL;

    return cJSON_ParseWithLengthOpts(c->text + sp.off, sp.len, &end, 0);
}

static char *dup_lower(const char *s)
{
    char *d = strdup(s);

    return d ? kva_str_lower(d) : NULL;
}

static bool status_from_name(const char *name, kva_status *st)
{
    for (unsigned i = 0; i < KVA_ST__COUNT; i++) {
        if (strcmp(name, kva_status_name((kva_status)i)) == 0) {
            *st = (kva_status)i;
            return true;
        }
    }
    return false;
}

/* Shorten a value for an error message (input text is untrusted: keep it
 * short; the diagnostic printer escapes control characters). */
static void excerpt(const char *s, char out[64])
{
    size_t n = strlen(s);

    if (n < 60) {
        memcpy(out, s, n + 1);
        return;
    }
    n = 56;
    while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    memcpy(out, s, n);
    memcpy(out + n, "...", 4);
}

static kva_error read_schema(bctx *c, const kva_scan *s)
{
    const kva_scan_member *mb = s->top == KVA_J_OBJECT ? member(c, s, "schema")
                                                      : NULL;
    char shown[64];
    cJSON *v;

    if (!mb)
        return fail_at(c, KVA_ERR_SCHEMA, s->top_span.off,
                       "not a kvaudit report (schema missing)");
    if (mb->type != KVA_J_STRING)
        return fail_at(c, KVA_ERR_SCHEMA, mb->value.off,
                       "not a kvaudit report (schema is not a string)");
    v = parse_span(c, mb->value);
    if (!v)
        return fail_at(c, KVA_ERR_NOMEM, mb->value.off, "out of memory");
    if (strcmp(v->valuestring, REPORT_SCHEMA) != 0) {
        excerpt(v->valuestring, shown);
        cJSON_Delete(v);
        return fail_at(c, KVA_ERR_SCHEMA, mb->value.off,
                       "not a kvaudit report (schema \"%s\", expected \"%s\")",
                       shown, REPORT_SCHEMA);
    }
    cJSON_Delete(v);
    return KVA_OK;
}

static kva_error read_as_of(bctx *c, const kva_scan *s, kva_baseline *b)
{
    const kva_scan_member *mb = member(c, s, "as_of");
    cJSON *v;

    if (!mb || mb->type == KVA_J_NULL)
        return KVA_OK;
    if (mb->type != KVA_J_STRING)
        return fail_at(c, KVA_ERR_SCHEMA, mb->value.off,
                       "as_of is not a string");
    v = parse_span(c, mb->value);
    if (!v || !(b->as_of = strdup(v->valuestring))) {
        cJSON_Delete(v);
        return fail_at(c, KVA_ERR_NOMEM, mb->value.off, "out of memory");
    }
    cJSON_Delete(v);
    return KVA_OK;
}

/* A count: a non-negative integer that a double holds exactly. */
static bool as_count(const cJSON *v, size_t *out)
{
    double d;

    if (!cJSON_IsNumber(v))
        return false;
    d = v->valuedouble;
    if (!isfinite(d) || d < 0 || d > 9007199254740992.0 || d != floor(d))
        return false;
    *out = (size_t)d;
    return true;
}

/*
 * kpis: the per-status counts and compliance_pct. `have` tells which
 * counts were present; *pct_state is 0 missing, 1 number, 2 null.
 */
static kva_error read_kpis(bctx *c, const kva_scan *s, kva_baseline *b,
                           bool have[KVA_ST__COUNT], int *pct_state)
{
    const kva_scan_member *mb = member(c, s, "kpis");
    const cJSON *pv;
    cJSON *k;

    *pct_state = 0;
    if (!mb || mb->type == KVA_J_NULL)
        return KVA_OK;
    if (mb->type != KVA_J_OBJECT)
        return fail_at(c, KVA_ERR_SCHEMA, mb->value.off,
                       "kpis is not an object");
    k = parse_span(c, mb->value);
    if (!k)
        return fail_at(c, KVA_ERR_NOMEM, mb->value.off, "out of memory");
    for (unsigned i = 0; i < KVA_ST__COUNT; i++) {
        const char *name = kva_status_name((kva_status)i);
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(k, name);

        if (!v || cJSON_IsNull(v))
            continue;
        if (!as_count(v, &b->by_status[i])) {
            cJSON_Delete(k);
            return fail_at(c, KVA_ERR_SCHEMA, mb->value.off,
                           "kpis.%s is not a count", name);
        }
        have[i] = true;
    }
    pv = cJSON_GetObjectItemCaseSensitive(k, "compliance_pct");
    if (pv && cJSON_IsNull(pv)) {
        *pct_state = 2;
    } else if (pv) {
        if (!cJSON_IsNumber(pv) || !isfinite(pv->valuedouble) ||
            pv->valuedouble < 0 || pv->valuedouble > 100) {
            cJSON_Delete(k);
            return fail_at(c, KVA_ERR_SCHEMA, mb->value.off,
                           "kpis.compliance_pct is not a percentage");
        }
        b->compliance_pct = pv->valuedouble;
        *pct_state = 1;
    }
    cJSON_Delete(k);
    return KVA_OK;
}

static kva_error read_subs(bctx *c, const kva_scan *s, kva_baseline *b)
{
    const kva_scan_member *mb = member(c, s, "subscriptions");

    if (!mb)
        return fail_at(c, KVA_ERR_SCHEMA, s->top_span.off,
                       "report has no \"subscriptions\" array");
    if (mb->type != KVA_J_ARRAY)
        return fail_at(c, KVA_ERR_SCHEMA, mb->value.off,
                       "\"subscriptions\" is not an array");
    if (!mb->n_elems)
        return KVA_OK;
    b->subs = calloc(mb->n_elems, sizeof *b->subs);
    if (!b->subs)
        return fail_at(c, KVA_ERR_NOMEM, mb->value.off, "out of memory");
    for (size_t i = 0; i < mb->n_elems; i++) {
        kva_span sp = mb->elems[i];
        kva_baseline_sub *bs = &b->subs[b->n_subs];
        const cJSON *id, *name, *st;
        char shown[64], shown_id[64];
        cJSON *e;

        if (mb->elem_types[i] != KVA_J_OBJECT)
            return fail_at(c, KVA_ERR_SCHEMA, sp.off,
                           "subscriptions[%zu] is not an object", i);
        e = parse_span(c, sp);
        if (!e)
            return fail_at(c, KVA_ERR_NOMEM, sp.off, "out of memory");
        id = cJSON_GetObjectItemCaseSensitive(e, "id");
        name = cJSON_GetObjectItemCaseSensitive(e, "name");
        st = cJSON_GetObjectItemCaseSensitive(e, "status");
        if (!cJSON_IsString(id) || !*id->valuestring) {
            cJSON_Delete(e);
            return fail_at(c, KVA_ERR_SCHEMA, sp.off,
                           "subscriptions[%zu] has no \"id\"", i);
        }
        excerpt(id->valuestring, shown_id);
        if (!cJSON_IsString(st)) {
            cJSON_Delete(e);
            return fail_at(c, KVA_ERR_SCHEMA, sp.off,
                           "subscriptions[%zu] (id %s) has no \"status\"", i,
                           shown_id);
        }
        if (!status_from_name(st->valuestring, &bs->status)) {
            excerpt(st->valuestring, shown);
            cJSON_Delete(e);
            return fail_at(c, KVA_ERR_SCHEMA, sp.off,
                           "subscriptions[%zu] (id %s): unknown status \"%s\"",
                           i, shown_id, shown);
        }
        if (name && !cJSON_IsNull(name) && !cJSON_IsString(name)) {
            cJSON_Delete(e);
            return fail_at(c, KVA_ERR_SCHEMA, sp.off,
                           "subscriptions[%zu] (id %s): \"name\" is not a "
                           "string",
                           i, shown_id);
        }
        bool has_name = cJSON_IsString(name);
        bs->id = dup_lower(id->valuestring);
        bs->name = has_name ? strdup(name->valuestring) : NULL;
        cJSON_Delete(e);
        b->n_subs++;
        if (!bs->id || (has_name && !bs->name))
            return fail_at(c, KVA_ERR_NOMEM, sp.off, "out of memory");
    }
    return KVA_OK;
}

/* Counts the report did not state are counted from its entries, and a
 * missing compliance_pct is computed from the counts as evaluation does. */
static void fill_missing(kva_baseline *b, const bool have[KVA_ST__COUNT],
                         int pct_state)
{
    size_t counted[KVA_ST__COUNT] = {0};
    uint64_t in_scope = 0, ok;

    for (size_t i = 0; i < b->n_subs; i++)
        counted[b->subs[i].status]++;
    for (unsigned i = 0; i < KVA_ST__COUNT; i++)
        if (!have[i])
            b->by_status[i] = counted[i];
    if (pct_state != 0)
        return;
    for (unsigned i = 0; i < KVA_ST__COUNT; i++)
        if (i != KVA_ST_NOT_APPLICABLE)
            in_scope += b->by_status[i];
    ok = (uint64_t)b->by_status[KVA_ST_COMPLIANT] + b->by_status[KVA_ST_EXEMPT];
    b->compliance_pct =
        in_scope ? (double)((1000 * ok + in_scope / 2) / in_scope) / 10.0 : -1;
}

kva_error kva_baseline_read(const char *path, kva_baseline *b, kva_diag *err)
{
    unsigned char *raw = NULL;
    size_t raw_len = 0, err_off = 0;
    const char *text = NULL, *what = NULL;
    size_t len = 0;
    bool owned = false, have[KVA_ST__COUNT] = {0};
    kva_encoding enc = KVA_ENC_UTF8;
    kva_scan scan = {0};
    int pct_state = 0;
    kva_error rc;
    bctx c = {0};

    memset(b, 0, sizeof *b);
    b->compliance_pct = -1;
    rc = read_all(path, &raw, &raw_len, err);
    if (rc != KVA_OK)
        return rc;
    rc = kva_text_decode(raw, raw_len, &enc, &text, &len, &owned, &err_off,
                         &what);
    if (rc != KVA_OK) {
        uint32_t line = 0, col = 0;
        kva_text_position_raw(raw, raw_len, enc, err_off, &line, &col);
        kva_diag_set(err, rc, path, line, col, "%s",
                     what ? what : kva_strerror(rc));
        goto fail;
    }
    c.path = path;
    c.text = text;
    c.len = len;
    c.err = err;
    rc = kva_scan_json(text, len, &scan, &err_off, &what);
    if (rc != KVA_OK) {
        fail_at(&c, rc, err_off, "%s", what ? what : kva_strerror(rc));
        goto fail;
    }
    if ((rc = read_schema(&c, &scan)) != KVA_OK ||
        (rc = read_as_of(&c, &scan, b)) != KVA_OK ||
        (rc = read_kpis(&c, &scan, b, have, &pct_state)) != KVA_OK ||
        (rc = read_subs(&c, &scan, b)) != KVA_OK)
        goto fail;
    if (!(b->path = strdup(path))) {
        rc = KVA_ERR_NOMEM;
        kva_diag_set(err, rc, path, 0, 0, "out of memory");
        goto fail;
    }

    fill_missing(b, have, pct_state);
    kva_scan_free(&scan);
    if (owned)
        free((void *)text);
    free(raw);
    return KVA_OK;
fail:
    kva_scan_free(&scan);
    if (owned)
        free((void *)text);
    free(raw);
    kva_baseline_free(b);
    return rc;
}

void kva_baseline_free(kva_baseline *b)
{
    if (!b)
        return;
    free(b->path);
    free(b->as_of);
    for (size_t i = 0; i < b->n_subs; i++) {
        free(b->subs[i].id);
        free(b->subs[i].name);
    }
    free(b->subs);
    memset(b, 0, sizeof *b);
    b->compliance_pct = -1;
}

#include "model.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

/*
 * Open-addressing hash index from a case-folded key to an array position.
 * Slots hold position + 1 (0 = empty); keys are read from the array
 * through a callback, so the index stores no strings of its own.
 */
typedef struct hindex {
    size_t *slots;
    size_t cap; /* power of two, or 0 */
    size_t used;
} hindex;

struct kva_model_index {
    hindex subs;   /* kva_sub.id */
    hindex vaults; /* kva_vault.id */
};

static const char *const kind_names[] = {
    [KVA_KIND_UNKNOWN] = "unknown",
    [KVA_KIND_PRICINGS] = "pricings",
    [KVA_KIND_SUBSCRIPTIONS] = "subscriptions",
    [KVA_KIND_VAULTS] = "vaults",
    [KVA_KIND_EXCEPTIONS] = "exceptions",
    [KVA_KIND_MIXED] = "mixed",
    [KVA_KIND_REPORT] = "report",
};

_Static_assert(sizeof kind_names / sizeof kind_names[0] == KVA_KIND__COUNT,
               "one name per kind");

const char *kva_kind_name(kva_kind k)
{
    if ((unsigned)k >= KVA_KIND__COUNT)
        return "unknown";
    return kind_names[k];
}

static unsigned char fold(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

/* FNV-1a over the ASCII-folded bytes. */
static size_t hash_ci(const char *s)
{
    uint64_t h = 1469598103934665603ull;

    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        h ^= fold(*p);
        h *= 1099511628211ull;
    }
    return (size_t)(h ^ (h >> 32));
}

typedef const char *(*key_at_fn)(const kva_model *m, size_t pos);

static const char *sub_key(const kva_model *m, size_t pos)
{
    return m->subs[pos].id;
}

static const char *vault_key(const kva_model *m, size_t pos)
{
    return m->vaults[pos].id;
}

/* Position of `key` in the array behind `ix`, or SIZE_MAX. */
static size_t hindex_find(const hindex *ix, const kva_model *m, key_at_fn at,
                          const char *key)
{
    if (!ix->cap)
        return SIZE_MAX;
    for (size_t i = hash_ci(key) & (ix->cap - 1);; i = (i + 1) & (ix->cap - 1)) {
        size_t v = ix->slots[i];
        if (!v)
            return SIZE_MAX;
        if (kva_strcasecmp(at(m, v - 1), key) == 0)
            return v - 1;
    }
}

static void hindex_put_slot(size_t *slots, size_t cap, size_t h, size_t pos)
{
    size_t i = h & (cap - 1);

    while (slots[i])
        i = (i + 1) & (cap - 1);
    slots[i] = pos + 1;
}

/* Record that the array holds `key` at `pos` (the key is not present). */
static kva_error hindex_insert(hindex *ix, const kva_model *m, key_at_fn at,
                               const char *key, size_t pos)
{
    if ((ix->used + 1) * 4 > ix->cap * 3) {
        size_t ncap = ix->cap ? ix->cap * 2 : 64;
        size_t *ns;

        if (ncap < ix->cap || ncap > SIZE_MAX / sizeof *ns)
            return KVA_ERR_NOMEM;
        ns = calloc(ncap, sizeof *ns);
        if (!ns)
            return KVA_ERR_NOMEM;
        for (size_t i = 0; i < ix->cap; i++)
            if (ix->slots[i])
                hindex_put_slot(ns, ncap, hash_ci(at(m, ix->slots[i] - 1)),
                                ix->slots[i] - 1);
        free(ix->slots);
        ix->slots = ns;
        ix->cap = ncap;
    }
    hindex_put_slot(ix->slots, ix->cap, hash_ci(key), pos);
    ix->used++;
    return KVA_OK;
}

/* Make room for one more element in a growable array. */
static kva_error grow(void **arr, size_t n, size_t *cap, size_t elem)
{
    if (n < *cap)
        return KVA_OK;
    size_t ncap = *cap ? *cap * 2 : 16;
    if (ncap < *cap || ncap > SIZE_MAX / elem)
        return KVA_ERR_NOMEM;
    void *p = realloc(*arr, ncap * elem);
    if (!p)
        return KVA_ERR_NOMEM;
    *arr = p;
    *cap = ncap;
    return KVA_OK;
}

/* Capacities live beside the arrays, private to this file. */
typedef struct caps {
    size_t inputs, subs, pricings, vaults, exceptions, warnings;
} caps;

typedef struct model_priv {
    struct kva_model_index index;
    caps cap;
} model_priv;

static model_priv *priv(const kva_model *m)
{
    return (model_priv *)m->index;
}

kva_model *kva_model_new(void)
{
    kva_model *m = calloc(1, sizeof *m);
    model_priv *p = calloc(1, sizeof *p);

    if (!m || !p) {
        free(m);
        free(p);
        return NULL;
    }
    m->index = &p->index;
    m->complete = true;
    return m;
}

void kva_tags_free(kva_tags *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++) {
        free(t->v[i].key);
        free(t->v[i].value);
    }
    free(t->v);
    t->v = NULL;
    t->n = 0;
}

const kva_tag *kva_tags_find(const kva_tags *t, const char *key)
{
    if (!t || !key)
        return NULL;
    for (size_t i = 0; i < t->n; i++)
        if (t->v[i].key && kva_strcasecmp(t->v[i].key, key) == 0)
            return &t->v[i];
    return NULL;
}

void kva_pricing_clear(kva_pricing *p)
{
    if (!p)
        return;
    free(p->sub_id);
    free(p->plan);
    free(p->tier);
    free(p->sub_plan);
    free(p->resource_id);
    p->sub_id = p->plan = p->tier = p->sub_plan = p->resource_id = NULL;
}

static void free_strv(char **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void kva_sub_clear(kva_sub *s)
{
    if (!s)
        return;
    free(s->id);
    free(s->name);
    free(s->tenant_id);
    free(s->state);
    kva_tags_free(&s->tags);
    free_strv(s->mgmt_groups, s->n_mgmt_groups);
    free_strv(s->mgmt_group_ids, s->n_mgmt_groups);
    s->id = s->name = s->tenant_id = s->state = NULL;
    s->mgmt_groups = s->mgmt_group_ids = NULL;
    s->n_mgmt_groups = 0;
}

void kva_vault_clear(kva_vault *v)
{
    if (!v)
        return;
    free(v->id);
    free(v->name);
    free(v->resource_group);
    free(v->location);
    free(v->sub_id);
    kva_tags_free(&v->tags);
    v->id = v->name = v->resource_group = v->location = v->sub_id = NULL;
}

void kva_exception_clear(kva_exception *e)
{
    if (!e)
        return;
    free(e->sub_id);
    free(e->reason);
    free(e->owner);
    free(e->expires);
    free(e->ticket);
    e->sub_id = e->reason = e->owner = e->expires = e->ticket = NULL;
}

static void warning_clear(kva_warning *w)
{
    free(w->code);
    free(w->message);
    free(w->path);
    free(w->sub_id);
}

void kva_model_free(kva_model *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n_inputs; i++)
        free(m->inputs[i].path);
    for (size_t i = 0; i < m->n_subs; i++)
        kva_sub_clear(&m->subs[i]);
    for (size_t i = 0; i < m->n_pricings; i++)
        kva_pricing_clear(&m->pricings[i]);
    for (size_t i = 0; i < m->n_vaults; i++)
        kva_vault_clear(&m->vaults[i]);
    for (size_t i = 0; i < m->n_exceptions; i++)
        kva_exception_clear(&m->exceptions[i]);
    for (size_t i = 0; i < m->n_warnings; i++)
        warning_clear(&m->warnings[i]);
    free(m->inputs);
    free(m->subs);
    free(m->pricings);
    free(m->vaults);
    free(m->exceptions);
    free(m->warnings);
    if (m->index) {
        free(m->index->subs.slots);
        free(m->index->vaults.slots);
        free(priv(m));
    }
    free(m);
}

kva_sub *kva_model_find_sub(const kva_model *m, const char *id)
{
    size_t pos;

    if (!m || !id)
        return NULL;
    pos = hindex_find(&m->index->subs, m, sub_key, id);
    return pos == SIZE_MAX ? NULL : &m->subs[pos];
}

kva_error kva_model_add_input(kva_model *m, kva_input *in, size_t *index)
{
    if (grow((void **)&m->inputs, m->n_inputs, &priv(m)->cap.inputs,
             sizeof *m->inputs) != KVA_OK) {
        free(in->path);
        in->path = NULL;
        return KVA_ERR_NOMEM;
    }
    if (index)
        *index = m->n_inputs;
    m->inputs[m->n_inputs++] = *in;
    in->path = NULL;
    return KVA_OK;
}

static bool empty(const char *s)
{
    return !s || !*s;
}

/* Move *src into *dst when *dst is absent or empty. */
static void fill(char **dst, char **src)
{
    if (empty(*dst) && !empty(*src)) {
        free(*dst);
        *dst = *src;
        *src = NULL;
    }
}

/* Add to `into` every tag of `from` whose key is not present yet; the
 * strings move, `from` is emptied. */
static kva_error merge_tags(kva_tags *into, kva_tags *from)
{
    size_t add = 0;
    kva_tag *nv;

    for (size_t i = 0; i < from->n; i++)
        if (!kva_tags_find(into, from->v[i].key))
            add++;
    if (!add) {
        kva_tags_free(from);
        return KVA_OK;
    }
    if (into->n + add < into->n || into->n + add > SIZE_MAX / sizeof *nv) {
        kva_tags_free(from);
        return KVA_ERR_NOMEM;
    }
    nv = realloc(into->v, (into->n + add) * sizeof *nv);
    if (!nv) {
        kva_tags_free(from);
        return KVA_ERR_NOMEM;
    }
    into->v = nv;
    for (size_t i = 0; i < from->n; i++) {
        /* A key repeated inside `from` keeps its first value: the first
         * copy is already in `into` when the second is looked up. */
        if (!kva_tags_find(into, from->v[i].key)) {
            into->v[into->n++] = from->v[i];
            from->v[i].key = from->v[i].value = NULL;
        }
    }
    kva_tags_free(from);
    return KVA_OK;
}

kva_error kva_model_add_sub(kva_model *m, kva_sub *s)
{
    kva_sub *old;
    kva_error err;

    if (!s->id) {
        kva_sub_clear(s);
        return KVA_OK;
    }
    kva_str_lower(s->id);
    if (s->tenant_id)
        kva_str_lower(s->tenant_id);
    if (s->from_inventory)
        m->have_sub_inventory = true;

    old = kva_model_find_sub(m, s->id);
    if (old) {
        if (s->from_inventory && !old->from_inventory) {
            old->input = s->input;
            old->line = s->line;
            old->col = s->col;
        }
        old->from_inventory |= s->from_inventory;
        fill(&old->name, &s->name);
        fill(&old->tenant_id, &s->tenant_id);
        fill(&old->state, &s->state);
        if (!old->n_mgmt_groups && s->n_mgmt_groups) {
            old->mgmt_groups = s->mgmt_groups;
            old->mgmt_group_ids = s->mgmt_group_ids;
            old->n_mgmt_groups = s->n_mgmt_groups;
            s->mgmt_groups = s->mgmt_group_ids = NULL;
            s->n_mgmt_groups = 0;
        }
        err = merge_tags(&old->tags, &s->tags);
        kva_sub_clear(s);
        return err;
    }

    if (grow((void **)&m->subs, m->n_subs, &priv(m)->cap.subs,
             sizeof *m->subs) != KVA_OK) {
        kva_sub_clear(s);
        return KVA_ERR_NOMEM;
    }
    m->subs[m->n_subs] = *s;
    memset(s, 0, sizeof *s);
    err = hindex_insert(&m->index->subs, m, sub_key, m->subs[m->n_subs].id,
                        m->n_subs);
    if (err != KVA_OK) {
        kva_sub_clear(&m->subs[m->n_subs]);
        return err;
    }
    m->n_subs++;
    return KVA_OK;
}

kva_sub *kva_model_touch_sub(kva_model *m, const char *id, size_t input)
{
    kva_sub *s = kva_model_find_sub(m, id);
    kva_sub fresh = {0};

    if (s)
        return s;
    fresh.id = strdup(id);
    if (!fresh.id)
        return NULL;
    fresh.input = input;
    if (kva_model_add_sub(m, &fresh) != KVA_OK)
        return NULL;
    return &m->subs[m->n_subs - 1];
}

kva_error kva_model_add_pricing(kva_model *m, kva_pricing *p)
{
    if (grow((void **)&m->pricings, m->n_pricings, &priv(m)->cap.pricings,
             sizeof *m->pricings) != KVA_OK) {
        kva_pricing_clear(p);
        return KVA_ERR_NOMEM;
    }
    if (p->sub_id)
        kva_str_lower(p->sub_id);
    m->pricings[m->n_pricings++] = *p;
    memset(p, 0, sizeof *p);
    return KVA_OK;
}

kva_error kva_model_add_vault(kva_model *m, kva_vault *v)
{
    kva_error err;

    if (!v->id ||
        hindex_find(&m->index->vaults, m, vault_key, v->id) != SIZE_MAX) {
        kva_vault_clear(v);
        return KVA_OK;
    }
    if (grow((void **)&m->vaults, m->n_vaults, &priv(m)->cap.vaults,
             sizeof *m->vaults) != KVA_OK) {
        kva_vault_clear(v);
        return KVA_ERR_NOMEM;
    }
    if (v->sub_id)
        kva_str_lower(v->sub_id);
    m->vaults[m->n_vaults] = *v;
    memset(v, 0, sizeof *v);
    err = hindex_insert(&m->index->vaults, m, vault_key,
                        m->vaults[m->n_vaults].id, m->n_vaults);
    if (err != KVA_OK) {
        kva_vault_clear(&m->vaults[m->n_vaults]);
        return err;
    }
    m->n_vaults++;
    return KVA_OK;
}

kva_error kva_model_add_exception(kva_model *m, kva_exception *e)
{
    if (grow((void **)&m->exceptions, m->n_exceptions,
             &priv(m)->cap.exceptions, sizeof *m->exceptions) != KVA_OK) {
        kva_exception_clear(e);
        return KVA_ERR_NOMEM;
    }
    if (e->sub_id && kva_is_guid(e->sub_id))
        kva_str_lower(e->sub_id);
    m->exceptions[m->n_exceptions++] = *e;
    memset(e, 0, sizeof *e);
    return KVA_OK;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

kva_error kva_model_add_warning(kva_model *m, const char *code,
                                const char *path, const char *sub_id,
                                uint32_t line, uint32_t col, const char *fmt,
                                ...)
{
    kva_warning w = {0};
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return KVA_ERR_NOMEM;
    w.message = malloc((size_t)n + 1);
    w.code = dup_or_null(code);
    w.path = dup_or_null(path);
    w.sub_id = dup_or_null(sub_id);
    w.line = line;
    w.col = col;
    if (!w.message || !w.code || (path && !w.path) || (sub_id && !w.sub_id))
        goto fail;
    va_start(ap, fmt);
    vsnprintf(w.message, (size_t)n + 1, fmt, ap);
    va_end(ap);
    if (w.sub_id)
        kva_str_lower(w.sub_id);
    if (grow((void **)&m->warnings, m->n_warnings, &priv(m)->cap.warnings,
             sizeof *m->warnings) != KVA_OK)
        goto fail;
    m->warnings[m->n_warnings++] = w;
    return KVA_OK;
fail:
    warning_clear(&w);
    return KVA_ERR_NOMEM;
}

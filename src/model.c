#include "model.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

/*
 * Open-addressing hash index from a case-folded key to an array position.
 * Each slot keeps the key's hash beside position + 1 (0 = empty): probes
 * compare hashes first and read a key string only on a hash match, and a
 * growing table is rebuilt from the stored hashes without touching the
 * strings. Keys are read from the array through a callback, so the index
 * stores no strings of its own.
 */
typedef struct hslot {
    size_t hash;
    size_t pos1; /* position + 1; 0 = empty */
} hslot;

typedef struct hindex {
    hslot *slots;
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

/*
 * The slot of `key` (hash h): the one holding it, with *found set, or the
 * empty slot where it belongs. The table must have a free slot.
 */
static size_t hindex_probe(const hindex *ix, const kva_model *m, key_at_fn at,
                           const char *key, size_t h, bool *found)
{
    size_t mask = ix->cap - 1;

    for (size_t i = h & mask;; i = (i + 1) & mask) {
        const hslot *s = &ix->slots[i];
        if (!s->pos1) {
            *found = false;
            return i;
        }
        if (s->hash == h && kva_strcasecmp(at(m, s->pos1 - 1), key) == 0) {
            *found = true;
            return i;
        }
    }
}

/* Position of `key` in the array behind `ix`, or SIZE_MAX. */
static size_t hindex_find(const hindex *ix, const kva_model *m, key_at_fn at,
                          const char *key, size_t h)
{
    bool found;
    size_t i;

    if (!ix->cap)
        return SIZE_MAX;
    i = hindex_probe(ix, m, at, key, h, &found);
    return found ? ix->slots[i].pos1 - 1 : SIZE_MAX;
}

/* Room for one more key (at most 3/4 full), rebuilt from stored hashes. */
static kva_error hindex_reserve(hindex *ix, size_t more)
{
    size_t ncap = ix->cap ? ix->cap : 16;
    hslot *ns;

    if (ix->used + more < ix->used)
        return KVA_ERR_NOMEM;
    while ((ix->used + more) > ncap / 4 * 3) {
        if (ncap > SIZE_MAX / 2 / sizeof *ns)
            return KVA_ERR_NOMEM;
        ncap *= 2;
    }
    if (ncap == ix->cap)
        return KVA_OK;
    ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return KVA_ERR_NOMEM;
    for (size_t i = 0; i < ix->cap; i++) {
        const hslot *s = &ix->slots[i];
        size_t j = s->hash & (ncap - 1);
        if (!s->pos1)
            continue;
        while (ns[j].pos1)
            j = (j + 1) & (ncap - 1);
        ns[j] = *s;
    }
    free(ix->slots);
    ix->slots = ns;
    ix->cap = ncap;
    return KVA_OK;
}

/* Fill the empty slot `i` that hindex_probe returned. */
static void hindex_set(hindex *ix, size_t i, size_t h, size_t pos)
{
    ix->slots[i].hash = h;
    ix->slots[i].pos1 = pos + 1;
    ix->used++;
}

/* Make room for one more element in a growable array. */
static kva_error reserve(void **arr, size_t n, size_t more, size_t *cap,
                         size_t elem)
{
    size_t ncap = *cap ? *cap : 4;
    void *p;

    if (n + more < n)
        return KVA_ERR_NOMEM;
    if (n + more <= *cap)
        return KVA_OK;
    while (ncap < n + more) {
        if (ncap > SIZE_MAX / 2)
            return KVA_ERR_NOMEM;
        ncap *= 2;
    }
    if (ncap > SIZE_MAX / elem)
        return KVA_ERR_NOMEM;
    p = realloc(*arr, ncap * elem);
    if (!p)
        return KVA_ERR_NOMEM;
    *arr = p;
    *cap = ncap;
    return KVA_OK;
}

static kva_error grow(void **arr, size_t n, size_t *cap, size_t elem)
{
    return reserve(arr, n, 1, cap, elem);
}

/* Capacities live beside the arrays, private to this file. */
typedef struct caps {
    size_t inputs, subs, pricings, vaults, exceptions, warnings;
} caps;

/* One record given to a journal model (kva_model_new_journal). */
typedef enum op_kind {
    OP_SUB,       /* kva_model_add_sub: subs[pos] */
    OP_TOUCH,     /* kva_model_touch_sub: subs[pos] holds id and input */
    OP_PRICING,   /* pricings[pos] */
    OP_VAULT,     /* vaults[pos], with the hash of its id */
    OP_EXCEPTION, /* exceptions[pos] */
    OP_WARNING    /* warnings[pos] */
} op_kind;

typedef struct op {
    op_kind kind;
    size_t pos;
    size_t hash;
} op;

typedef struct model_priv {
    struct kva_model_index index;
    caps cap;
    bool journal;
    op *ops;
    size_t n_ops, cap_ops;
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

kva_model *kva_model_new_journal(void)
{
    kva_model *m = kva_model_new();

    if (m)
        priv(m)->journal = true;
    return m;
}

static bool is_journal(const kva_model *m)
{
    return priv(m)->journal;
}

/* Log that the record at `pos` of the array of `kind` was given. */
static kva_error journal_log(kva_model *m, op_kind kind, size_t pos,
                             size_t hash)
{
    model_priv *p = priv(m);

    if (grow((void **)&p->ops, p->n_ops, &p->cap_ops, sizeof *p->ops) !=
        KVA_OK)
        return KVA_ERR_NOMEM;
    p->ops[p->n_ops++] = (op){kind, pos, hash};
    return KVA_OK;
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
    free(s->inputs);
    s->id = s->name = s->tenant_id = s->state = NULL;
    s->mgmt_groups = s->mgmt_group_ids = NULL;
    s->n_mgmt_groups = 0;
    s->inputs = NULL;
    s->n_inputs = 0;
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
        free(priv(m)->ops);
        free(priv(m));
    }
    free(m);
}

kva_sub *kva_model_find_sub(const kva_model *m, const char *id)
{
    size_t pos;

    if (!m || !id)
        return NULL;
    pos = hindex_find(&m->index->subs, m, sub_key, id, hash_ci(id));
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

/* fill() that also moves the value's source input. */
static void fill_from(char **dst, size_t *dst_in, char **src, size_t src_in)
{
    if (empty(*dst) && !empty(*src))
        *dst_in = src_in;
    fill(dst, src);
}

/* A record given without an inputs list comes from its `input` alone. */
static void sub_sources(kva_sub *s)
{
    if (s->n_inputs)
        return;
    s->name_input = s->tenant_input = s->state_input = s->input;
}

/* Join s's inputs to old's, each once, in the order met. */
static kva_error join_inputs(kva_sub *old, const kva_sub *s)
{
    const size_t *in = s->n_inputs ? s->inputs : &s->input;
    size_t n = s->n_inputs ? s->n_inputs : 1;

    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        size_t *nv;

        while (k < old->n_inputs && old->inputs[k] != in[i])
            k++;
        if (k < old->n_inputs)
            continue;
        if (old->n_inputs >= SIZE_MAX / sizeof *nv - 1)
            return KVA_ERR_NOMEM;
        nv = realloc(old->inputs, (old->n_inputs + 1) * sizeof *nv);
        if (!nv)
            return KVA_ERR_NOMEM;
        old->inputs = nv;
        old->inputs[old->n_inputs++] = in[i];
    }
    return KVA_OK;
}

static bool out_of_scope(const char *state)
{
    return state && (kva_strcasecmp(state, "Disabled") == 0 ||
                     kva_strcasecmp(state, "Deleted") == 0);
}

static const char *path_of(const kva_model *m, size_t input)
{
    return input < m->n_inputs && m->inputs[input].path ? m->inputs[input].path
                                                        : "(unknown input)";
}

/* Bytes of the first 60 code points of s (a value quoted in a message:
 * input text may be megabytes long). */
static int cut60(const char *s, bool *cut)
{
    size_t len = strnlen(s, 60 * 4 + 1), off = 0;

    for (int chars = 0; off < len && chars < 60; chars++) {
        uint32_t cp;
        off += kva_utf8_next(s + off, len - off, &cp);
    }
    if (off > len)
        off = len;
    *cut = s[off] != '\0';
    return (int)off;
}

/*
 * Two inventories give different values of one field of a subscription:
 * a conflicting_evidence warning at the second record that names both
 * inputs and values and says which value is used.
 */
static kva_error sub_conflict(kva_model *m, const kva_sub *old,
                              const kva_sub *s, const char *field,
                              const char *v1, size_t in1, const char *v2,
                              size_t in2, bool second_used, const char *why)
{
    bool c1, c2;
    int n1 = cut60(v1, &c1), n2 = cut60(v2, &c2);
    const char *used = second_used ? v2 : v1;
    bool cu = second_used ? c2 : c1;
    int nu = second_used ? n2 : n1;

    return kva_model_add_warning(
        m, "conflicting_evidence", path_of(m, s->input), old->id, s->line,
        s->col,
        "subscription %s: the inventories disagree on its %s: \"%.*s%s\" in "
        "%s, \"%.*s%s\" in %s; \"%.*s%s\" is used (%s)",
        old->id, field, n1, v1, c1 ? "..." : "", path_of(m, in1), n2, v2,
        c2 ? "..." : "", path_of(m, in2), nu, used, cu ? "..." : "", why);
}

/*
 * Name, tenant and state of a second record that differ from the ones
 * kept. The first name and tenant read stay (files are merged in sorted
 * path order, so the choice does not depend on the file system); a state
 * that puts the subscription out of scope (Disabled, Deleted) gives way
 * to one that keeps it in scope, so that it is left out only when every
 * source says so, in any order.
 */
static kva_error check_sub_conflicts(kva_model *m, kva_sub *old, kva_sub *s)
{
    static const char first[] = "the first one read";
    kva_error e;

    if (!empty(old->name) && !empty(s->name) &&
        strcmp(old->name, s->name) != 0 &&
        (e = sub_conflict(m, old, s, "name", old->name, old->name_input,
                          s->name, s->name_input, false, first)) != KVA_OK)
        return e;
    if (!empty(old->tenant_id) && !empty(s->tenant_id) &&
        kva_strcasecmp(old->tenant_id, s->tenant_id) != 0 &&
        (e = sub_conflict(m, old, s, "tenant", old->tenant_id,
                          old->tenant_input, s->tenant_id, s->tenant_input,
                          false, first)) != KVA_OK)
        return e;
    if (!empty(old->state) && !empty(s->state) &&
        kva_strcasecmp(old->state, s->state) != 0) {
        bool take = out_of_scope(old->state) && !out_of_scope(s->state);
        bool scope = out_of_scope(old->state) != out_of_scope(s->state);

        e = sub_conflict(m, old, s, "state", old->state, old->state_input,
                         s->state, s->state_input, take,
                         scope ? "a subscription stays in scope unless every "
                                 "source says Disabled or Deleted"
                               : first);
        if (e != KVA_OK)
            return e;
        if (take) {
            free(old->state);
            old->state = s->state;
            old->state_input = s->state_input;
            s->state = NULL;
        }
    }
    return KVA_OK;
}

/* Fold a second record of the same subscription into `old`; s is
 * emptied. */
static kva_error merge_sub(kva_model *m, kva_sub *old, kva_sub *s)
{
    kva_error err;

    sub_sources(s);
    if ((err = check_sub_conflicts(m, old, s)) != KVA_OK ||
        (err = join_inputs(old, s)) != KVA_OK) {
        kva_sub_clear(s);
        return err;
    }
    if (s->from_inventory && !old->from_inventory) {
        old->input = s->input;
        old->line = s->line;
        old->col = s->col;
    }
    old->from_inventory |= s->from_inventory;
    fill_from(&old->name, &old->name_input, &s->name, s->name_input);
    fill_from(&old->tenant_id, &old->tenant_input, &s->tenant_id,
              s->tenant_input);
    fill_from(&old->state, &old->state_input, &s->state, s->state_input);
    if (!old->n_mgmt_groups && s->n_mgmt_groups) {
        free(old->mgmt_groups); /* empty, but may be allocated */
        free(old->mgmt_group_ids);
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

/* kva_model_add_sub with s->id already lower-case and hashed: one probe
 * finds the subscription or the slot for a new one. */
static kva_error add_sub_hashed(kva_model *m, kva_sub *s, size_t h)
{
    hindex *ix = &m->index->subs;
    size_t slot;
    bool found;

    if (s->from_inventory)
        m->have_sub_inventory = true;
    if (hindex_reserve(ix, 1) != KVA_OK ||
        grow((void **)&m->subs, m->n_subs, &priv(m)->cap.subs,
             sizeof *m->subs) != KVA_OK) {
        kva_sub_clear(s);
        return KVA_ERR_NOMEM;
    }
    slot = hindex_probe(ix, m, sub_key, s->id, h, &found);
    if (found)
        return merge_sub(m, &m->subs[ix->slots[slot].pos1 - 1], s);
    if (!s->n_inputs) {
        sub_sources(s);
        s->inputs = malloc(sizeof *s->inputs);
        if (!s->inputs) {
            kva_sub_clear(s);
            return KVA_ERR_NOMEM;
        }
        s->inputs[0] = s->input;
        s->n_inputs = 1;
    }
    m->subs[m->n_subs] = *s;
    memset(s, 0, sizeof *s);
    hindex_set(ix, slot, h, m->n_subs);
    m->n_subs++;
    return KVA_OK;
}

/* A journal keeps each record as given, unmerged and unindexed, and logs
 * it. The caller clears the record on failure, moves it on success. */
static kva_error journal_keep(kva_model *m, op_kind kind, void **arr,
                              size_t *n, size_t *cap, const void *rec,
                              size_t elem, size_t hash)
{
    if (grow(arr, *n, cap, elem) != KVA_OK ||
        journal_log(m, kind, *n, hash) != KVA_OK)
        return KVA_ERR_NOMEM;
    memcpy((char *)*arr + *n * elem, rec, elem);
    (*n)++;
    return KVA_OK;
}

kva_error kva_model_add_sub(kva_model *m, kva_sub *s)
{
    if (is_journal(m)) {
        kva_error e = journal_keep(m, OP_SUB, (void **)&m->subs, &m->n_subs,
                                   &priv(m)->cap.subs, s, sizeof *s, 0);
        if (e != KVA_OK)
            kva_sub_clear(s);
        else
            memset(s, 0, sizeof *s);
        return e;
    }
    if (!s->id) {
        kva_sub_clear(s);
        return KVA_OK;
    }
    kva_str_lower(s->id);
    if (s->tenant_id)
        kva_str_lower(s->tenant_id);
    return add_sub_hashed(m, s, hash_ci(s->id));
}

kva_sub *kva_model_touch_sub(kva_model *m, const char *id, size_t input)
{
    if (is_journal(m)) {
        kva_sub t = {0};
        t.id = strdup(id);
        t.input = input;
        if (!t.id || journal_keep(m, OP_TOUCH, (void **)&m->subs, &m->n_subs,
                                  &priv(m)->cap.subs, &t, sizeof t,
                                  0) != KVA_OK) {
            free(t.id);
            return NULL;
        }
        return &m->subs[m->n_subs - 1];
    }
    size_t h = hash_ci(id);
    size_t pos = hindex_find(&m->index->subs, m, sub_key, id, h);
    kva_sub fresh = {0};

    if (pos != SIZE_MAX)
        return &m->subs[pos];
    fresh.id = strdup(id);
    if (!fresh.id)
        return NULL;
    kva_str_lower(fresh.id);
    fresh.input = input;
    if (add_sub_hashed(m, &fresh, h) != KVA_OK)
        return NULL;
    return &m->subs[m->n_subs - 1];
}

kva_error kva_model_add_pricing(kva_model *m, kva_pricing *p)
{
    if (is_journal(m)) {
        kva_error e = journal_keep(m, OP_PRICING, (void **)&m->pricings,
                                   &m->n_pricings, &priv(m)->cap.pricings, p,
                                   sizeof *p, 0);
        if (e != KVA_OK)
            kva_pricing_clear(p);
        else
            memset(p, 0, sizeof *p);
        return e;
    }
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

/* kva_model_add_vault with the hash of v->id already known. */
static kva_error add_vault_hashed(kva_model *m, kva_vault *v, size_t h)
{
    hindex *ix = &m->index->vaults;
    size_t slot;
    bool found;

    if (hindex_reserve(ix, 1) != KVA_OK ||
        grow((void **)&m->vaults, m->n_vaults, &priv(m)->cap.vaults,
             sizeof *m->vaults) != KVA_OK) {
        kva_vault_clear(v);
        return KVA_ERR_NOMEM;
    }
    slot = hindex_probe(ix, m, vault_key, v->id, h, &found);
    if (found) {
        kva_vault_clear(v);
        return KVA_OK;
    }
    if (v->sub_id)
        kva_str_lower(v->sub_id);
    m->vaults[m->n_vaults] = *v;
    memset(v, 0, sizeof *v);
    hindex_set(ix, slot, h, m->n_vaults);
    m->n_vaults++;
    return KVA_OK;
}

kva_error kva_model_add_vault(kva_model *m, kva_vault *v)
{
    if (is_journal(m)) {
        /* The id's hash is taken here, on the reading thread. */
        kva_error e = journal_keep(m, OP_VAULT, (void **)&m->vaults,
                                   &m->n_vaults, &priv(m)->cap.vaults, v,
                                   sizeof *v, v->id ? hash_ci(v->id) : 0);
        if (e != KVA_OK)
            kva_vault_clear(v);
        else
            memset(v, 0, sizeof *v);
        return e;
    }
    if (!v->id) {
        kva_vault_clear(v);
        return KVA_OK;
    }
    return add_vault_hashed(m, v, hash_ci(v->id));
}

kva_error kva_model_add_exception(kva_model *m, kva_exception *e)
{
    if (is_journal(m)) {
        kva_error err = journal_keep(m, OP_EXCEPTION, (void **)&m->exceptions,
                                     &m->n_exceptions,
                                     &priv(m)->cap.exceptions, e, sizeof *e, 0);
        if (err != KVA_OK)
            kva_exception_clear(e);
        else
            memset(e, 0, sizeof *e);
        return err;
    }
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
             sizeof *m->warnings) != KVA_OK ||
        (is_journal(m) &&
         journal_log(m, OP_WARNING, m->n_warnings, 0) != KVA_OK))
        goto fail;
    m->warnings[m->n_warnings++] = w;
    return KVA_OK;
fail:
    warning_clear(&w);
    return KVA_ERR_NOMEM;
}

/*
 * Append the n_src records of src's array to dst's (elements of `elem`
 * bytes, moved bitwise: the strings change owner). When dst has none yet
 * it simply takes src's array. src's count drops to 0 either way.
 */
static kva_error append_array(void **dst, size_t *n_dst, size_t *dst_cap,
                              void **src, size_t *n_src, size_t *src_cap,
                              size_t elem)
{
    void *tmp;
    size_t t;

    if (!*n_src)
        return KVA_OK;
    if (!*n_dst) {
        tmp = *dst, *dst = *src, *src = tmp;
        t = *dst_cap, *dst_cap = *src_cap, *src_cap = t;
        *n_dst = *n_src;
        *n_src = 0;
        return KVA_OK;
    }
    if (reserve(dst, *n_dst, *n_src, dst_cap, elem) != KVA_OK)
        return KVA_ERR_NOMEM;
    memcpy((char *)*dst + *n_dst * elem, *src, *n_src * elem);
    *n_dst += *n_src;
    *n_src = 0;
    return KVA_OK;
}

static void swap_index(hindex *a, hindex *b)
{
    hindex t = *a;

    *a = *b;
    *b = t;
}

kva_error kva_model_absorb(kva_model *dst, kva_model *src)
{
    model_priv *dp = priv(dst), *sp = priv(src);
    size_t base = dst->n_inputs;
    kva_error e = KVA_OK;

    for (size_t i = 0; i < src->n_subs; i++) {
        kva_sub *s = &src->subs[i];
        s->input += base;
        for (size_t k = 0; k < s->n_inputs; k++)
            s->inputs[k] += base;
        if (s->n_inputs) {
            s->name_input += base;
            s->tenant_input += base;
            s->state_input += base;
        }
    }
    for (size_t i = 0; i < src->n_pricings; i++)
        src->pricings[i].input += base;
    for (size_t i = 0; i < src->n_vaults; i++)
        src->vaults[i].input += base;
    for (size_t i = 0; i < src->n_exceptions; i++)
        src->exceptions[i].input += base;

    /* Whole arrays are taken where dst has none of a kind (the index
     * with them); otherwise records go through the adders one by one, in
     * src's order. Records already moved are left empty in src, so that
     * on failure both models can still be freed. Inputs go first: merging
     * subscriptions names the files on both sides. */
    if (append_array((void **)&dst->inputs, &dst->n_inputs, &dp->cap.inputs,
                     (void **)&src->inputs, &src->n_inputs, &sp->cap.inputs,
                     sizeof *dst->inputs) != KVA_OK)
        return KVA_ERR_NOMEM;
    if (!dst->n_subs) {
        swap_index(&dst->index->subs, &src->index->subs);
    } else {
        for (size_t i = 0; i < src->n_subs && e == KVA_OK; i++)
            e = add_sub_hashed(dst, &src->subs[i], hash_ci(src->subs[i].id));
        if (e != KVA_OK)
            return e;
        src->n_subs = 0;
    }
    if (src->have_sub_inventory)
        dst->have_sub_inventory = true;
    if (!dst->n_vaults) {
        swap_index(&dst->index->vaults, &src->index->vaults);
    } else {
        for (size_t i = 0; i < src->n_vaults && e == KVA_OK; i++)
            e = add_vault_hashed(dst, &src->vaults[i],
                                 hash_ci(src->vaults[i].id));
        if (e != KVA_OK)
            return e;
        src->n_vaults = 0;
    }
    if (append_array((void **)&dst->subs, &dst->n_subs, &dp->cap.subs,
                     (void **)&src->subs, &src->n_subs, &sp->cap.subs,
                     sizeof *dst->subs) != KVA_OK ||
        append_array((void **)&dst->vaults, &dst->n_vaults, &dp->cap.vaults,
                     (void **)&src->vaults, &src->n_vaults, &sp->cap.vaults,
                     sizeof *dst->vaults) != KVA_OK ||
        append_array((void **)&dst->pricings, &dst->n_pricings,
                     &dp->cap.pricings, (void **)&src->pricings,
                     &src->n_pricings, &sp->cap.pricings,
                     sizeof *dst->pricings) != KVA_OK ||
        append_array((void **)&dst->exceptions, &dst->n_exceptions,
                     &dp->cap.exceptions, (void **)&src->exceptions,
                     &src->n_exceptions, &sp->cap.exceptions,
                     sizeof *dst->exceptions) != KVA_OK ||
        append_array((void **)&dst->warnings, &dst->n_warnings,
                     &dp->cap.warnings, (void **)&src->warnings,
                     &src->n_warnings, &sp->cap.warnings,
                     sizeof *dst->warnings) != KVA_OK)
        return KVA_ERR_NOMEM;
    dst->complete = dst->complete && src->complete;

    /* src becomes a new empty model: what is left is storage only. */
    free(src->subs);
    free(src->vaults);
    free(src->inputs);
    free(src->pricings);
    free(src->exceptions);
    free(src->warnings);
    free(src->index->subs.slots);
    free(src->index->vaults.slots);
    memset(sp, 0, sizeof *sp);
    memset(src, 0, sizeof *src);
    src->index = &sp->index;
    src->complete = true;
    return KVA_OK;
}

kva_error kva_model_replay(kva_model *dst, kva_model *journal)
{
    model_priv *jp = priv(journal);
    kva_error e = KVA_OK;

    for (size_t i = 0; i < jp->n_ops && e == KVA_OK; i++) {
        const op *o = &jp->ops[i];
        kva_sub *s;
        kva_vault *v;
        kva_warning *w;

        switch (o->kind) {
        case OP_SUB:
            e = kva_model_add_sub(dst, &journal->subs[o->pos]);
            break;
        case OP_TOUCH:
            s = &journal->subs[o->pos];
            if (!kva_model_touch_sub(dst, s->id, s->input))
                e = KVA_ERR_NOMEM;
            kva_sub_clear(s);
            break;
        case OP_PRICING:
            e = kva_model_add_pricing(dst, &journal->pricings[o->pos]);
            break;
        case OP_VAULT:
            v = &journal->vaults[o->pos];
            e = v->id ? add_vault_hashed(dst, v, o->hash)
                      : kva_model_add_vault(dst, v);
            break;
        case OP_EXCEPTION:
            e = kva_model_add_exception(dst, &journal->exceptions[o->pos]);
            break;
        case OP_WARNING:
            w = &journal->warnings[o->pos];
            if (grow((void **)&dst->warnings, dst->n_warnings,
                     &priv(dst)->cap.warnings,
                     sizeof *dst->warnings) != KVA_OK) {
                e = KVA_ERR_NOMEM;
                break;
            }
            dst->warnings[dst->n_warnings++] = *w;
            memset(w, 0, sizeof *w);
            break;
        }
    }
    if (e != KVA_OK)
        return e;
    /* Every record has moved: the journal is empty again. */
    journal->n_subs = journal->n_pricings = journal->n_vaults = 0;
    journal->n_exceptions = journal->n_warnings = 0;
    jp->n_ops = 0;
    return KVA_OK;
}

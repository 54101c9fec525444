#include "evaluate.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

const char *const kva_default_owner_tags[] = {"owner", "businessOwner",
                                              "owner-email", "ownerEmail",
                                              "contact"};
const size_t kva_default_owner_tags_n = 5;
const char *const kva_default_env_tags[] = {"environment", "env", "stage"};
const size_t kva_default_env_tags_n = 3;

#define DAY ((int64_t)86400)
#define EXPIRING_WINDOW (30 * DAY)
#define NONE SIZE_MAX

static const char CONTROL_PLAN[] = "KeyVaults";
static const char REQUIRED_TIER[] = "Standard";

/*
 * Within one subscription, evaluation warnings come in this order; the
 * subscriptions themselves come in result order (see assemble_warnings).
 */
enum warn_rank {
    W_UNLISTED,
    W_CONFLICT,
    W_TRIAL,
    W_DUPLICATE,
    W_EXPIRED,
    W_OTHER
};

typedef struct ewarn {
    kva_res_warning w;
    size_t sub; /* model index, NONE when tied to no known subscription */
    int rank;
    size_t seq;
} ewarn;

/*
 * Open-addressing map from a string (borrowed, never copied) to an index.
 * `ci` folds ASCII case for subscription GUIDs and resource ids; breakdown
 * keys compare byte-wise.
 */
typedef struct smap {
    const char **keys;
    size_t *vals;
    size_t cap; /* power of two, or 0 */
    size_t n;
    bool ci;
} smap;

typedef struct ectx {
    const kva_model *m;
    kva_result *r;
    int64_t as_of;
    const char *const *owner_tags;
    size_t n_owner_tags;
    const char *const *env_tags;
    size_t n_env_tags;
    smap subs;                 /* sub id -> model index */
    smap trimmed;              /* tag value with blanks -> trimmed copy */
    char **trims;
    size_t n_trims, cap_trims;
    smap vault_pricing;        /* vault resource id -> pricing index */
    kva_res_sub *rs;           /* model order until order_subs() */
    size_t *pricing_sub;       /* model index of each pricing's sub */
    size_t *best_exc;          /* per sub: the exception that applies */
    bool *ownerless_vault;     /* per sub: a vault resolves to no owner */
    unsigned *tier_flags;      /* per sub: legacy_subplan/deprecated_plan
                                  of any KeyVaults record of the deciding
                                  tier */
    const kva_pricing **trial_src; /* per sub: the record of the deciding
                                  tier with the most free trial left */
    size_t *vault_sub;         /* model index of each vault's sub */
    size_t *bucket_start;      /* vault counts per sub as prefix sums
                                  (n_subs + 2 entries; the last bucket
                                  holds vaults of unknown subscriptions) */
    const kva_vault **vault_order; /* result order */
    size_t *pos;               /* model sub index -> result position */
    ewarn *warn;
    size_t n_warn, cap_warn;
} ectx;

static const char *s_or(const char *s, const char *dflt)
{
    return s ? s : dflt;
}

static unsigned char fold(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

/*
 * Eight bytes at a time: a million vault lookups make the per-byte FNV
 * loop show. For `ci` every byte gets bit 0x20 set, which maps A-Z onto
 * a-z; other bytes may collide too, which only costs a comparison.
 */
static size_t smap_hash(const char *s, bool ci)
{
    const uint64_t fold_mask = ci ? 0x2020202020202020ull : 0;
    size_t n = strlen(s);
    uint64_t h = 0x9e3779b97f4a7c15ull ^ n, w;

    for (; n >= 8; s += 8, n -= 8) {
        memcpy(&w, s, 8);
        h = (h ^ (w | fold_mask)) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    if (n) {
        w = 0;
        memcpy(&w, s, n);
        h = (h ^ (w | (fold_mask >> (8 * (8 - n))))) * 0xff51afd7ed558ccdull;
    }
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return (size_t)h;
}

static bool smap_eq(const smap *mp, const char *a, const char *b)
{
    /* Keys are mostly stored lower-case already: the exact comparison
     * settles nearly every lookup. */
    return strcmp(a, b) == 0 || (mp->ci && kva_strcasecmp(a, b) == 0);
}

static void smap_free(smap *mp)
{
    free(mp->keys);
    free(mp->vals);
    mp->keys = NULL;
    mp->vals = NULL;
    mp->cap = mp->n = 0;
}

static size_t smap_get(const smap *mp, const char *key)
{
    if (!mp->cap || !key)
        return NONE;
    for (size_t i = smap_hash(key, mp->ci) & (mp->cap - 1);;
         i = (i + 1) & (mp->cap - 1)) {
        if (!mp->keys[i])
            return NONE;
        if (smap_eq(mp, mp->keys[i], key))
            return mp->vals[i];
    }
}

static int smap_grow(smap *mp)
{
    size_t ncap = mp->cap ? mp->cap * 2 : 64;
    const char **nk;
    size_t *nv;

    if (ncap < mp->cap || ncap > SIZE_MAX / sizeof *nv)
        return -1;
    nk = calloc(ncap, sizeof *nk);
    nv = calloc(ncap, sizeof *nv);
    if (!nk || !nv) {
        free(nk);
        free(nv);
        return -1;
    }
    for (size_t i = 0; i < mp->cap; i++) {
        if (!mp->keys[i])
            continue;
        size_t j = smap_hash(mp->keys[i], mp->ci) & (ncap - 1);
        while (nk[j])
            j = (j + 1) & (ncap - 1);
        nk[j] = mp->keys[i];
        nv[j] = mp->vals[i];
    }
    free(mp->keys);
    free(mp->vals);
    mp->keys = nk;
    mp->vals = nv;
    mp->cap = ncap;
    return 0;
}

/*
 * The value slot of `key`: an existing entry's (*added = false) or a new
 * one holding `val` (*added = true). NULL on OOM. The slot is valid until
 * the next insertion.
 */
static size_t *smap_put(smap *mp, const char *key, size_t val, bool *added)
{
    size_t i;

    if ((mp->n + 1) * 2 > mp->cap && smap_grow(mp) != 0)
        return NULL;
    for (i = smap_hash(key, mp->ci) & (mp->cap - 1); mp->keys[i];
         i = (i + 1) & (mp->cap - 1)) {
        if (smap_eq(mp, mp->keys[i], key)) {
            *added = false;
            return &mp->vals[i];
        }
    }
    mp->keys[i] = key;
    mp->vals[i] = val;
    mp->n++;
    *added = true;
    return &mp->vals[i];
}

/* calloc of n * size bytes owned by the result (freed by kva_result_free);
 * NULL on OOM. n == 0 still returns a block. */
static void *ralloc(kva_result *r, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    return kva_result_own(r, calloc(n ? n : 1, size ? size : 1));
}

static char *rvprintf(kva_result *r, const char *fmt, va_list ap)
{
    va_list aq;
    char *s;
    int n;

    va_copy(aq, ap);
    n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    if (n < 0)
        return NULL;
    s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return kva_result_own(r, s);
}

static char *rprintf(kva_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static char *rprintf(kva_result *r, const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = rvprintf(r, fmt, ap);
    va_end(ap);
    return s;
}

static const char *input_path(const kva_model *m, size_t input)
{
    return input < m->n_inputs ? m->inputs[input].path : NULL;
}

static int add_warning(ectx *c, const char *code, size_t sub, int rank,
                       size_t input, const char *sub_id, uint32_t line,
                       uint32_t col, const char *fmt, ...)
    __attribute__((format(printf, 9, 10)));
static int add_warning(ectx *c, const char *code, size_t sub, int rank,
                       size_t input, const char *sub_id, uint32_t line,
                       uint32_t col, const char *fmt, ...)
{
    ewarn *w;
    va_list ap;
    char *msg;

    if (c->n_warn == c->cap_warn) {
        size_t ncap = c->cap_warn ? c->cap_warn * 2 : 32;
        ewarn *nw;

        if (ncap > SIZE_MAX / sizeof *nw)
            return -1;
        nw = realloc(c->warn, ncap * sizeof *nw);
        if (!nw)
            return -1;
        c->warn = nw;
        c->cap_warn = ncap;
    }
    va_start(ap, fmt);
    msg = rvprintf(c->r, fmt, ap);
    va_end(ap);
    if (!msg)
        return -1;
    w = &c->warn[c->n_warn];
    memset(w, 0, sizeof *w);
    w->w.code = code;
    w->w.message = msg;
    w->w.path = input_path(c->m, input);
    w->w.sub_id = sub_id;
    w->w.line = w->w.path ? line : 0;
    w->w.col = w->w.path ? col : 0;
    w->sub = sub;
    w->rank = rank;
    w->seq = c->n_warn++;
    return 0;
}

static bool is_blank(unsigned char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' ||
           ch == '\f' || ch == '\v';
}

/* [*start, *start + *len) is s without surrounding white space. */
static void trim(const char *s, const char **start, size_t *len)
{
    size_t n = strlen(s);

    while (n && is_blank((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n && is_blank((unsigned char)s[n - 1]))
        n--;
    *start = s;
    *len = n;
}

const char *kva_env_normalise(const char *raw)
{
    static const char *const production[] = {"prod", "prd", "production",
                                             "live"};
    const char *s;
    size_t n;

    if (!raw)
        return "unknown";
    trim(raw, &s, &n);
    if (!n)
        return "unknown";
    for (size_t i = 0; i < sizeof production / sizeof production[0]; i++)
        if (strlen(production[i]) == n &&
            kva_strncasecmp(s, production[i], n) == 0)
            return "production";
    return raw;
}

/* The trimmed form of tag value v: one copy per distinct value, owned by
 * the result (many vaults share an owner written with stray blanks). */
static const char *trimmed_copy(ectx *c, const char *v, const char *s, size_t n)
{
    bool added;
    size_t *slot = smap_put(&c->trimmed, v, c->n_trims, &added);
    char *copy;

    if (!slot)
        return NULL;
    if (!added)
        return c->trims[*slot];
    if (c->n_trims == c->cap_trims) {
        size_t ncap = c->cap_trims ? c->cap_trims * 2 : 16;
        char **nt;
        if (ncap > SIZE_MAX / sizeof *nt ||
            !(nt = realloc(c->trims, ncap * sizeof *nt)))
            goto fail;
        c->trims = nt;
        c->cap_trims = ncap;
    }
    copy = kva_result_own(c->r, strndup(s, n));
    if (!copy)
        goto fail;
    c->trims[c->n_trims++] = copy;
    return copy;
fail:
    return NULL; /* the evaluation stops: the map is not used again */
}

/*
 * The value of the first tag named by `keys` (key order first, then tag
 * order; keys match ASCII case-insensitively) whose value is not blank,
 * without surrounding white space. *out is NULL when there is none.
 * Returns -1 on OOM.
 */
static int tag_value(ectx *c, const kva_tags *t, const char *const *keys,
                     size_t n_keys, const char **out)
{
    *out = NULL;
    for (size_t k = 0; k < n_keys; k++) {
        unsigned char k0;

        if (!keys[k])
            continue;
        k0 = fold((unsigned char)keys[k][0]);
        for (size_t i = 0; i < t->n; i++) {
            const char *key = t->v[i].key, *v = t->v[i].value, *s;
            size_t n;

            /* The first letter rules out nearly every other tag cheaply. */
            if (!v || !key || fold((unsigned char)key[0]) != k0 ||
                kva_strcasecmp(key, keys[k]) != 0)
                continue;
            trim(v, &s, &n);
            if (!n)
                continue;
            if (s == v && !v[n]) {
                *out = v;
                return 0;
            }
            *out = trimmed_copy(c, v, s, n);
            return *out ? 0 : -1;
        }
    }
    return 0;
}

static bool is_standard(const char *tier)
{
    return tier && kva_strcasecmp(tier, REQUIRED_TIER) == 0;
}

static bool is_control_plan(const char *plan)
{
    return plan && kva_strcasecmp(plan, CONTROL_PLAN) == 0;
}

static bool tiers_equal(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return kva_strcasecmp(a, b) == 0;
}

static bool state_not_applicable(const char *state)
{
    return state && (kva_strcasecmp(state, "Disabled") == 0 ||
                     kva_strcasecmp(state, "Deleted") == 0);
}

static bool failing(kva_status s)
{
    return s == KVA_ST_NONCOMPLIANT || s == KVA_ST_NO_EVIDENCE;
}

/* Percentage num/den in 0-100 rounded half away from zero to one decimal,
 * computed on integers so that 2/3 is exactly 66.7; -1 when den is 0. */
static double pct(size_t num, size_t den)
{
    uint64_t n = num, d = den;

    if (!d)
        return -1;
    return (double)((1000 * n + d / 2) / d) / 10.0;
}

/* "a.json:12" or "a.json" for messages; NULL on OOM. */
static const char *where(ectx *c, size_t input, uint32_t line)
{
    const char *p = s_or(input_path(c->m, input), "(unknown input)");

    if (!line)
        return rprintf(c->r, "%s", p);
    return rprintf(c->r, "%s:%u", p, (unsigned)line);
}

static const char *tier_text(ectx *c, const char *tier)
{
    return tier ? rprintf(c->r, "\"%s\"", tier) : "null";
}

static bool legacy_sub_plan(const char *sub_plan)
{
    return sub_plan && kva_strcasecmp(sub_plan, "PerTransaction") == 0;
}

/*
 * Severity of a KeyVaults tier: every tier but Standard fails; among
 * failing ones "Free" ranks first, then any other word, then an absent
 * tier, so that no choice between them depends on the order of files.
 */
static int tier_rank(const char *tier)
{
    if (is_standard(tier))
        return 0;
    if (!tier)
        return 1;
    return kva_strcasecmp(tier, "Free") == 0 ? 3 : 2;
}

/*
 * Which of two pricings of one scope decides (< 0: a, > 0: b, 0: they
 * agree on everything that is reported). The more severe tier; among equal
 * tiers the one that raises flags (sub-plan PerTransaction, then more
 * free trial time left, then a deprecated plan); then fixed tie-breaks on
 * the values (sub-plan, later enablement time) so that the same records
 * give the same answer in any order.
 */
static int pricing_cmp(const kva_pricing *a, const kva_pricing *b)
{
    int d = tier_rank(b->tier) - tier_rank(a->tier);

    if (d)
        return d;
    if (a->tier && b->tier && (d = kva_strcasecmp(a->tier, b->tier)) != 0)
        return d;
    if ((d = (int)legacy_sub_plan(b->sub_plan) -
             (int)legacy_sub_plan(a->sub_plan)) != 0)
        return d;
    if (a->trial_remaining_s != b->trial_remaining_s)
        return a->trial_remaining_s > b->trial_remaining_s ? -1 : 1;
    if ((d = (b->deprecated == 1) - (a->deprecated == 1)) != 0)
        return d;
    if (!a->sub_plan != !b->sub_plan)
        return a->sub_plan ? -1 : 1;
    if (a->sub_plan && (d = kva_strcasecmp(a->sub_plan, b->sub_plan)) != 0)
        return d;
    if (a->enablement_time != b->enablement_time)
        return a->enablement_time > b->enablement_time ? -1 : 1;
    return 0;
}

static int64_t trial_days(int64_t seconds)
{
    return seconds / DAY + (seconds % DAY != 0);
}

/* "sub-plan \"X\", 3 days of free trial left" for the parts that differ. */
static const char *pricing_text(ectx *c, const kva_pricing *p, bool plan,
                                bool trial)
{
    const char *sp = plan ? rprintf(c->r, "sub-plan \"%s\"",
                                    s_or(p->sub_plan, ""))
                          : "";
    const char *tr;

    if (!trial)
        tr = "";
    else if (p->trial_remaining_s > 0)
        tr = rprintf(c->r, "%lld day%s of free trial left",
                     (long long)trial_days(p->trial_remaining_s),
                     trial_days(p->trial_remaining_s) == 1 ? "" : "s");
    else
        tr = "no free trial left";
    if (!sp || !tr)
        return NULL;
    return rprintf(c->r, "%s%s%s", sp, plan && trial ? ", " : "", tr);
}

/*
 * Two pricings of the same scope. The one pricing_cmp prefers decides,
 * whatever the order they come in. When they disagree on the tier, or on
 * the sub-plan or whether free trial time is left (both given), a
 * conflicting_evidence warning names both records.
 */
static int merge_pricing(ectx *c, const kva_pricing **cur, const kva_pricing *p,
                         size_t sub, bool vault_level)
{
    const kva_pricing *old = *cur;
    const char *w1, *w2, *t1, *t2;
    bool plan, trial;

    if (!old) {
        *cur = p;
        return 0;
    }
    if (pricing_cmp(p, old) < 0)
        *cur = p;
    w1 = where(c, old->input, old->line);
    w2 = where(c, p->input, p->line);
    if (!w1 || !w2)
        return -1;
    if (!tiers_equal(old->tier, p->tier)) {
        t1 = tier_text(c, old->tier);
        t2 = tier_text(c, p->tier);
        if (!t1 || !t2)
            return -1;
        return add_warning(c, "conflicting_evidence", sub, W_CONFLICT, NONE,
                           p->sub_id, 0, 0,
                           "%s %s: conflicting KeyVaults pricings: tier %s in "
                           "%s, tier %s in %s; the more severe (%s) decides",
                           vault_level ? "vault" : "subscription",
                           s_or(vault_level ? p->resource_id : p->sub_id, "?"),
                           t1, w1, t2, w2, (*cur == old) ? t1 : t2);
    }
    plan = old->sub_plan && p->sub_plan &&
           kva_strcasecmp(old->sub_plan, p->sub_plan) != 0;
    trial = old->trial_remaining_s >= 0 && p->trial_remaining_s >= 0 &&
            (old->trial_remaining_s > 0) != (p->trial_remaining_s > 0);
    if (!plan && !trial)
        return 0;
    t1 = pricing_text(c, old, plan, trial);
    t2 = pricing_text(c, p, plan, trial);
    if (!t1 || !t2)
        return -1;
    return add_warning(c, "conflicting_evidence", sub, W_CONFLICT, NONE,
                       p->sub_id, 0, 0,
                       "%s %s: conflicting KeyVaults pricings of tier \"%s\": "
                       "%s in %s, %s in %s; the one in %s decides%s",
                       vault_level ? "vault" : "subscription",
                       s_or(vault_level ? p->resource_id : p->sub_id, "?"),
                       s_or(p->tier, ""), t1, w1, t2, w2,
                       (*cur == old) ? w1 : w2,
                       vault_level ? "" : ", and the flags of both count");
}

static int index_subs(ectx *c)
{
    const kva_model *m = c->m;

    c->subs.ci = true;
    c->rs = ralloc(c->r, m->n_subs, sizeof *c->rs);
    if (!c->rs)
        return -1;
    for (size_t i = 0; i < m->n_subs; i++) {
        const kva_sub *s = &m->subs[i];
        kva_res_sub *rs = &c->rs[i];
        const char *env = NULL;
        bool added;

        if (s->id && !smap_put(&c->subs, s->id, i, &added))
            return -1;
        rs->sub = s;
        rs->enablement_time = KVA_UNKNOWN_TIME;
        rs->trial_remaining_s = KVA_UNKNOWN_SECONDS;
        if (tag_value(c, &s->tags, c->owner_tags, c->n_owner_tags,
                      &rs->owner) != 0 ||
            tag_value(c, &s->tags, c->env_tags, c->n_env_tags, &env) != 0)
            return -1;
        rs->owner_source = rs->owner ? KVA_SRC_SUBSCRIPTION : KVA_SRC_NONE;
        rs->environment = kva_env_normalise(env);
        rs->mgmt_group = s->n_mgmt_groups ? s->mgmt_groups[0] : NULL;
        if (m->have_sub_inventory && !s->from_inventory &&
            add_warning(c, "unlisted_subscription", i, W_UNLISTED, s->input,
                        s->id, s->line, s->col,
                        "subscription %s appears in pricings or vault dumps "
                        "but not in the subscription inventory",
                        s_or(s->id, "")) != 0)
            return -1;
    }
    return 0;
}

static int decide_pricings(ectx *c)
{
    const kva_model *m = c->m;

    c->vault_pricing.ci = true;
    if (m->n_pricings &&
        !(c->pricing_sub = malloc(m->n_pricings * sizeof *c->pricing_sub)))
        return -1;
    for (size_t i = 0; i < m->n_pricings; i++) {
        const kva_pricing *p = &m->pricings[i];
        size_t si = smap_get(&c->subs, p->sub_id);

        c->pricing_sub[i] = si;
        if (!is_control_plan(p->plan))
            continue;
        if (p->scope == KVA_SCOPE_SUBSCRIPTION && si != NONE) {
            if (merge_pricing(c, &c->rs[si].pricing, p, si, false) != 0)
                return -1;
        } else if (p->scope == KVA_SCOPE_RESOURCE && p->resource_id &&
                   p->inherited != 1) {
            /* An inherited record only mirrors its parent scope: the
             * parent's own pricing decides, not this copy of it. */
            bool added;
            size_t *slot = smap_put(&c->vault_pricing, p->resource_id, i,
                                    &added);
            const kva_pricing *cur;

            if (!slot)
                return -1;
            if (added)
                continue;
            cur = &m->pricings[*slot];
            if (merge_pricing(c, &cur, p, si, true) != 0)
                return -1;
            *slot = (size_t)(cur - m->pricings);
        }
    }
    /* What every record of the deciding tier shows is reported: its
     * flags, and the most free trial time any of them has left. */
    if (m->n_subs &&
        (!(c->tier_flags = calloc(m->n_subs, sizeof *c->tier_flags)) ||
         !(c->trial_src = calloc(m->n_subs, sizeof *c->trial_src))))
        return -1;
    for (size_t i = 0; i < m->n_pricings; i++) {
        const kva_pricing *p = &m->pricings[i];
        size_t si = c->pricing_sub[i];
        const kva_pricing *d;

        if (si == NONE || p->scope != KVA_SCOPE_SUBSCRIPTION ||
            !is_control_plan(p->plan))
            continue;
        d = c->rs[si].pricing;
        if (!d || !tiers_equal(d->tier, p->tier))
            continue;
        if (legacy_sub_plan(p->sub_plan))
            c->tier_flags[si] |= KVA_FLAG_LEGACY_SUBPLAN;
        if (p->deprecated == 1)
            c->tier_flags[si] |= KVA_FLAG_DEPRECATED_PLAN;
        if (!c->trial_src[si] ||
            p->trial_remaining_s > c->trial_src[si]->trial_remaining_s)
            c->trial_src[si] = p;
    }
    for (size_t i = 0; i < m->n_subs; i++) {
        kva_res_sub *rs = &c->rs[i];
        const kva_pricing *p = rs->pricing;

        if (p) {
            rs->tier = p->tier;
            rs->sub_plan = p->sub_plan;
            rs->enablement_time = p->enablement_time;
            rs->trial_remaining_s = c->trial_src[i]->trial_remaining_s;
        }
        if (state_not_applicable(rs->sub->state))
            rs->status = KVA_ST_NOT_APPLICABLE;
        else if (!p)
            rs->status = KVA_ST_NO_EVIDENCE;
        else if (is_standard(p->tier))
            rs->status = KVA_ST_COMPLIANT;
        else
            rs->status = KVA_ST_NONCOMPLIANT;
    }
    return 0;
}

/* Keep times far from the int64 edges so that day arithmetic cannot
 * overflow (an absent expiry, KVA_UNKNOWN_TIME, reads as long past). */
static int64_t clamp_time(int64_t t)
{
    const int64_t lim = (int64_t)1 << 50;

    return t < -lim ? -lim : t > lim ? lim : t;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;

    if ((a % b) != 0 && a < 0)
        q--;
    return q;
}

/*
 * Section 4: an exception is active through its whole `expires` day (UTC).
 * When a subscription has several, the one that ends last applies (the
 * first of equals); it turns a failing subscription exempt while active.
 */
static int apply_exceptions(ectx *c)
{
    const kva_model *m = c->m;
    kva_result *r = c->r;

    r->n_exceptions = m->n_exceptions;
    r->exceptions = ralloc(r, m->n_exceptions, sizeof *r->exceptions);
    if (!r->exceptions)
        return -1;
    if (m->n_subs &&
        !(c->best_exc = malloc(m->n_subs * sizeof *c->best_exc)))
        return -1;
    for (size_t i = 0; i < m->n_subs; i++)
        c->best_exc[i] = NONE;

    for (size_t i = 0; i < m->n_exceptions; i++) {
        const kva_exception *e = &m->exceptions[i];
        kva_res_exception *re = &r->exceptions[i];
        size_t si = smap_get(&c->subs, e->sub_id);
        int64_t left = clamp_time(e->expires_day) + DAY - clamp_time(c->as_of);

        re->exc = e;
        re->path = input_path(m, e->input);
        re->days_left = floor_div(left, DAY);
        /* The very second the exception ends, the formula gives 0: an
         * expired exception always reads as negative. */
        if (left <= 0 && re->days_left > -1)
            re->days_left = -1;
        if (si == NONE) {
            re->state = KVA_EXC_UNUSED;
            if (add_warning(c, "exception_unknown_subscription", NONE, W_OTHER,
                            e->input, e->sub_id, e->line, e->col,
                            "exception for subscription %s names a "
                            "subscription found in no input",
                            s_or(e->sub_id, "(none)")) != 0)
                return -1;
            continue;
        }
        re->sub_name = m->subs[si].name;
        if (!failing(c->rs[si].status))
            re->state = KVA_EXC_UNUSED;
        else if (left <= 0)
            re->state = KVA_EXC_EXPIRED;
        else if (left <= EXPIRING_WINDOW)
            re->state = KVA_EXC_EXPIRING;
        else
            re->state = KVA_EXC_ACTIVE;
        if (c->best_exc[si] == NONE ||
            m->exceptions[c->best_exc[si]].expires_day < e->expires_day)
            c->best_exc[si] = i;
    }

    for (size_t i = 0; i < m->n_exceptions; i++) {
        const kva_exception *e = &m->exceptions[i];
        size_t si = smap_get(&c->subs, e->sub_id);

        if (si == NONE || c->best_exc[si] == i)
            continue;
        if (add_warning(c, "duplicate_exception", si, W_DUPLICATE, e->input,
                        m->subs[si].id, e->line, e->col,
                        "subscription %s has more than one exception: the "
                        "one expiring %s applies, not this one (expiring %s)",
                        m->subs[si].id,
                        s_or(m->exceptions[c->best_exc[si]].expires, "?"),
                        s_or(e->expires, "?")) != 0)
            return -1;
    }

    for (size_t si = 0; si < m->n_subs; si++) {
        kva_res_sub *rs = &c->rs[si];
        const kva_res_exception *re;

        if (c->best_exc[si] == NONE)
            continue;
        re = &r->exceptions[c->best_exc[si]];
        rs->exception = re;
        switch (re->state) {
        case KVA_EXC_EXPIRING:
            rs->flags |= KVA_FLAG_EXCEPTION_EXPIRING;
            rs->status = KVA_ST_EXEMPT;
            break;
        case KVA_EXC_ACTIVE:
            rs->status = KVA_ST_EXEMPT;
            break;
        case KVA_EXC_EXPIRED:
            rs->flags |= KVA_FLAG_EXCEPTION_EXPIRED;
            if (add_warning(c, "exception_expired", si, W_EXPIRED,
                            re->exc->input, rs->sub->id, re->exc->line,
                            re->exc->col,
                            "exception for subscription %s expired on %s; "
                            "the subscription stays %s",
                            rs->sub->id, s_or(re->exc->expires, "?"),
                            kva_status_name(rs->status)) != 0)
                return -1;
            break;
        case KVA_EXC_UNUSED:
            break;
        }
    }
    return 0;
}

static int cmp_sub_ptr_by_id(const void *a, const void *b)
{
    const kva_sub *x = *(const kva_sub *const *)a;
    const kva_sub *y = *(const kva_sub *const *)b;
    int d = strcmp(s_or(x->id, ""), s_or(y->id, ""));

    return d ? d : (x < y ? -1 : x > y);
}

static int cmp_vault_ptr(const void *a, const void *b)
{
    const kva_vault *x = *(const kva_vault *const *)a;
    const kva_vault *y = *(const kva_vault *const *)b;
    int d = strcmp(s_or(x->name, ""), s_or(y->name, ""));

    if (!d)
        d = strcmp(s_or(x->id, ""), s_or(y->id, ""));
    return d ? d : (x < y ? -1 : x > y);
}

/*
 * Vaults grouped by subscription with a counting sort (bucket n_subs holds
 * vaults whose subscription the model lacks), then each group sorted by
 * name and id, groups in subscription id order: O(V log V) at worst and
 * linear in the usual case of many small groups.
 */
static int order_vaults(ectx *c)
{
    const kva_model *m = c->m;
    size_t nb = m->n_subs + 1;
    const kva_sub **by_id = NULL;
    const kva_vault **grouped = NULL;
    size_t *fill = NULL;
    int ret = -1;

    c->vault_sub = malloc((m->n_vaults ? m->n_vaults : 1) * sizeof(size_t));
    c->bucket_start = calloc(nb + 1, sizeof(size_t));
    c->vault_order = malloc((m->n_vaults ? m->n_vaults : 1) *
                            sizeof *c->vault_order);
    grouped = malloc((m->n_vaults ? m->n_vaults : 1) * sizeof *grouped);
    fill = malloc(nb * sizeof *fill);
    by_id = malloc((m->n_subs ? m->n_subs : 1) * sizeof *by_id);
    if (!c->vault_sub || !c->bucket_start || !c->vault_order || !grouped ||
        !fill || !by_id)
        goto fail;

    const char *last_id = NULL;
    size_t last_si = NONE;
    for (size_t i = 0; i < m->n_vaults; i++) {
        const char *id = m->vaults[i].sub_id;
        size_t si;

        /* Dumps list a subscription's vaults together: reuse the last
         * lookup when the id repeats. */
        if (id && last_id && strcmp(id, last_id) == 0) {
            si = last_si;
        } else {
            si = smap_get(&c->subs, id);
            last_id = id;
            last_si = si;
        }
        c->vault_sub[i] = si == NONE ? m->n_subs : si;
        c->bucket_start[c->vault_sub[i] + 1]++;
    }
    for (size_t b = 0; b < nb; b++)
        c->bucket_start[b + 1] += c->bucket_start[b];
    memcpy(fill, c->bucket_start, nb * sizeof *fill);
    for (size_t i = 0; i < m->n_vaults; i++)
        grouped[fill[c->vault_sub[i]]++] = &m->vaults[i];
    for (size_t b = 0; b < nb; b++) {
        size_t n = c->bucket_start[b + 1] - c->bucket_start[b];
        if (n > 1)
            qsort(grouped + c->bucket_start[b], n, sizeof *grouped,
                  cmp_vault_ptr);
    }

    for (size_t i = 0; i < m->n_subs; i++)
        by_id[i] = &m->subs[i];
    if (m->n_subs > 1)
        qsort(by_id, m->n_subs, sizeof *by_id, cmp_sub_ptr_by_id);
    size_t k = 0;
    for (size_t i = 0; i <= m->n_subs; i++) {
        size_t b = i < m->n_subs ? (size_t)(by_id[i] - m->subs) : m->n_subs;
        size_t n = c->bucket_start[b + 1] - c->bucket_start[b];
        memcpy(c->vault_order + k, grouped + c->bucket_start[b],
               n * sizeof *grouped);
        k += n;
    }
    ret = 0;
fail:
    free(by_id);
    free(grouped);
    free(fill);
    return ret;
}

static int evaluate_vaults(ectx *c)
{
    const kva_model *m = c->m;
    kva_result *r = c->r;

    if (order_vaults(c) != 0)
        return -1;
    if (m->n_subs &&
        !(c->ownerless_vault = calloc(m->n_subs, sizeof *c->ownerless_vault)))
        return -1;
    r->n_vaults = m->n_vaults;
    r->vaults = ralloc(r, m->n_vaults, sizeof *r->vaults);
    if (!r->vaults)
        return -1;
    for (size_t k = 0; k < m->n_vaults; k++) {
        const kva_vault *v = c->vault_order[k];
        kva_res_vault *rv = &r->vaults[k];
        size_t si = c->vault_sub[v - m->vaults];
        kva_res_sub *rs = si < m->n_subs ? &c->rs[si] : NULL;
        size_t pi = smap_get(&c->vault_pricing, v->id);
        const char *env = NULL;

        rv->vault = v;
        rv->sub = rs; /* re-pointed once the subscriptions are ordered */
        rv->vault_pricing = pi == NONE ? NULL : &m->pricings[pi];
        rv->counted = rs && rs->status != KVA_ST_NOT_APPLICABLE;
        if (!rv->counted && rs)
            rv->covered = false;
        else if (rv->vault_pricing)
            rv->covered = is_standard(rv->vault_pricing->tier);
        else
            rv->covered = rs && rs->status == KVA_ST_COMPLIANT;

        if (tag_value(c, &v->tags, c->owner_tags, c->n_owner_tags,
                      &rv->owner) != 0 ||
            tag_value(c, &v->tags, c->env_tags, c->n_env_tags, &env) != 0)
            return -1;
        if (rv->owner)
            rv->owner_source = KVA_SRC_VAULT;
        else if (rs && rs->owner) {
            rv->owner = rs->owner;
            rv->owner_source = KVA_SRC_SUBSCRIPTION;
        }
        rv->environment = env ? kva_env_normalise(env)
                              : rs ? rs->environment : "unknown";
        if (rs) {
            rs->vaults++;
            rs->vaults_covered += rv->covered;
            if (!rv->owner)
                c->ownerless_vault[si] = true;
        }
    }
    return 0;
}

static int set_flags(ectx *c)
{
    for (size_t si = 0; si < c->m->n_subs; si++) {
        kva_res_sub *rs = &c->rs[si];
        const kva_pricing *p = rs->pricing;

        if (!rs->owner && (!rs->vaults || c->ownerless_vault[si]))
            rs->flags |= KVA_FLAG_OWNER_MISSING;
        if (!p || rs->status == KVA_ST_NOT_APPLICABLE)
            continue;
        rs->flags |= c->tier_flags[si];
        /* the record with the most trial time left, of the same tier */
        p = c->trial_src[si];
        if (is_standard(p->tier) && p->trial_remaining_s > 0) {
            int64_t days = trial_days(p->trial_remaining_s);
            rs->flags |= KVA_FLAG_TRIAL_ENDING;
            if (add_warning(c, "trial_ending", si, W_TRIAL, p->input,
                            rs->sub->id, p->line, p->col,
                            "subscription %s: Defender for Key Vault is on "
                            "its free trial; billing starts in %lld day%s",
                            rs->sub->id, (long long)days,
                            days == 1 ? "" : "s") != 0)
                return -1;
        }
    }
    return 0;
}

static int cmp_str_ptr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Evidence of a subscription: the distinct paths of the inputs that
 * mention it (its pricings of any plan and scope, every inventory that
 * describes it, its vaults). Input indices are grouped per subscription
 * with a counting sort and deduplicated with a per-input mark, so the cost
 * is linear in the number of records plus a sort of each (short) list of
 * paths.
 */
static int collect_evidence(ectx *c)
{
    const kva_model *m = c->m;
    size_t n = m->n_subs, total = 0;
    size_t *start = NULL, *fill = NULL, *ins = NULL, *mark = NULL;
    const char **paths;
    int ret = -1;

    if (!n)
        return 0;
    start = calloc(n + 1, sizeof *start);
    fill = malloc(n * sizeof *fill);
    mark = calloc(m->n_inputs ? m->n_inputs : 1, sizeof *mark);
    if (!start || !fill || !mark)
        goto fail;
    for (size_t i = 0; i < m->n_pricings; i++)
        if (c->pricing_sub[i] != NONE)
            start[c->pricing_sub[i] + 1]++;
    for (size_t si = 0; si < n; si++)
        start[si + 1] += (m->subs[si].n_inputs ? m->subs[si].n_inputs : 1) +
                         (c->bucket_start[si + 1] - c->bucket_start[si]);
    for (size_t si = 0; si < n; si++)
        start[si + 1] += start[si];
    total = start[n];
    ins = malloc(total * sizeof *ins);
    paths = ralloc(c->r, total, sizeof *paths);
    if (!ins || !paths)
        goto fail;
    memcpy(fill, start, n * sizeof *fill);
    for (size_t si = 0; si < n; si++) {
        const kva_sub *s = &m->subs[si];
        if (!s->n_inputs)
            ins[fill[si]++] = s->input;
        for (size_t k = 0; k < s->n_inputs; k++)
            ins[fill[si]++] = s->inputs[k];
    }
    for (size_t i = 0; i < m->n_vaults; i++)
        if (c->vault_sub[i] < n)
            ins[fill[c->vault_sub[i]]++] = m->vaults[i].input;
    for (size_t i = 0; i < m->n_pricings; i++)
        if (c->pricing_sub[i] != NONE)
            ins[fill[c->pricing_sub[i]]++] = m->pricings[i].input;

    for (size_t si = 0; si < n; si++) {
        const char **ev = paths + start[si];
        size_t k = 0;

        for (size_t j = start[si]; j < start[si + 1]; j++) {
            size_t in = ins[j];
            if (in >= m->n_inputs || mark[in] == si + 1 ||
                !m->inputs[in].path)
                continue;
            mark[in] = si + 1;
            ev[k++] = m->inputs[in].path;
        }
        if (k > 1)
            qsort(ev, k, sizeof *ev, cmp_str_ptr);
        size_t u = 0;
        for (size_t j = 0; j < k; j++)
            if (!u || strcmp(ev[u - 1], ev[j]) != 0)
                ev[u++] = ev[j];
        c->rs[si].evidence = ev;
        c->rs[si].n_evidence = u;
    }
    ret = 0;
fail:
    free(start);
    free(fill);
    free(ins);
    free(mark);
    return ret;
}

static int status_group(kva_status s)
{
    switch (s) {
    case KVA_ST_NONCOMPLIANT:
    case KVA_ST_NO_EVIDENCE:
        return 0;
    case KVA_ST_EXEMPT:
        return 1;
    case KVA_ST_COMPLIANT:
        return 2;
    default:
        return 3;
    }
}

static const char *name_or_id(const kva_sub *s)
{
    return s->name ? s->name : s_or(s->id, "");
}

static int cmp_res_sub(const void *a, const void *b)
{
    const kva_res_sub *x = a, *y = b;
    int gx = status_group(x->status), gy = status_group(y->status);
    int px = strcmp(x->environment, "production") != 0;
    int py = strcmp(y->environment, "production") != 0;
    size_t ux = x->vaults - x->vaults_covered;
    size_t uy = y->vaults - y->vaults_covered;
    int d;

    if (gx != gy)
        return gx < gy ? -1 : 1;
    if (px != py)
        return px < py ? -1 : 1;
    if (ux != uy)
        return ux > uy ? -1 : 1;
    d = strcmp(name_or_id(x->sub), name_or_id(y->sub));
    if (!d)
        d = strcmp(s_or(x->sub->id, ""), s_or(y->sub->id, ""));
    return d ? d : (x->sub < y->sub ? -1 : x->sub > y->sub);
}

/* Order the subscriptions for remediation, rank the failing ones and
 * re-point the vaults at their subscription's final place. */
static int order_subs(ectx *c)
{
    const kva_model *m = c->m;
    kva_result *r = c->r;
    int rank = 0;

    if (m->n_subs > 1)
        qsort(c->rs, m->n_subs, sizeof *c->rs, cmp_res_sub);
    c->pos = malloc((m->n_subs ? m->n_subs : 1) * sizeof *c->pos);
    if (!c->pos)
        return -1;
    for (size_t i = 0; i < m->n_subs; i++) {
        c->pos[c->rs[i].sub - m->subs] = i;
        c->rs[i].priority = failing(c->rs[i].status) ? ++rank : 0;
    }
    /* Before the sort a vault pointed at its subscription's model index
     * inside the same array. */
    for (size_t k = 0; k < r->n_vaults; k++) {
        const kva_res_sub *rs = r->vaults[k].sub;
        if (rs)
            r->vaults[k].sub = &c->rs[c->pos[(size_t)(rs - c->rs)]];
    }
    r->subs = c->rs;
    r->n_subs = m->n_subs;
    return 0;
}

enum breakdown_kind { BY_OWNER, BY_ENVIRONMENT, BY_TENANT, BY_MGMT_GROUP };

static const char *breakdown_key(const kva_res_vault *v, enum breakdown_kind k)
{
    const kva_sub *s = v->sub ? v->sub->sub : NULL;

    switch (k) {
    case BY_OWNER:
        return v->owner ? v->owner : "(none)";
    case BY_ENVIRONMENT:
        return v->environment;
    case BY_TENANT:
        return s && s->tenant_id && *s->tenant_id ? s->tenant_id
                                                   : "(unknown)";
    case BY_MGMT_GROUP:
        if (!s || !s->n_mgmt_groups)
            return "(none)";
        if (s->mgmt_group_ids && s->mgmt_group_ids[0] &&
            *s->mgmt_group_ids[0])
            return s->mgmt_group_ids[0];
        return s->mgmt_groups[0] && *s->mgmt_groups[0] ? s->mgmt_groups[0]
                                                       : "(none)";
    }
    return "(none)";
}

/* The display name shown beside a management group row's id. */
static const char *breakdown_name(const kva_res_vault *v,
                                  enum breakdown_kind k, const char *key)
{
    const kva_sub *s = v->sub ? v->sub->sub : NULL;

    if (k != BY_MGMT_GROUP || !s || !s->n_mgmt_groups ||
        strcmp(key, "(none)") == 0)
        return NULL;
    return s->mgmt_groups[0] && *s->mgmt_groups[0] ? s->mgmt_groups[0] : key;
}

static int cmp_breakdown(const void *a, const void *b)
{
    return strcmp(((const kva_breakdown *)a)->key,
                  ((const kva_breakdown *)b)->key);
}

/* Coverage of the counted vaults grouped by one key, sorted by key. */
static int breakdown(ectx *c, enum breakdown_kind kind, kva_breakdown **out,
                     size_t *n_out)
{
    kva_result *r = c->r;
    smap keys = {0};
    kva_breakdown *rows = NULL;
    size_t n = 0, cap = 0, last_row = 0;
    const char *last_key = NULL;
    int ret = -1;

    for (size_t k = 0; k < r->n_vaults; k++) {
        const kva_res_vault *v = &r->vaults[k];
        const char *key;
        size_t *slot, row;
        bool added;

        if (!v->counted)
            continue;
        key = breakdown_key(v, kind);
        /* Neighbouring vaults share their subscription's strings: the same
         * pointer is the same row, without hashing. */
        if (key == last_key) {
            rows[last_row].vaults_total++;
            rows[last_row].vaults_covered += v->covered;
            continue;
        }
        slot = smap_put(&keys, key, n, &added);
        if (!slot)
            goto fail;
        row = *slot;
        if (added) {
            if (n == cap) {
                size_t ncap = cap ? cap * 2 : 16;
                kva_breakdown *nr;
                if (ncap > SIZE_MAX / sizeof *nr)
                    goto fail;
                nr = realloc(rows, ncap * sizeof *nr);
                if (!nr)
                    goto fail;
                rows = nr;
                cap = ncap;
            }
            memset(&rows[n], 0, sizeof rows[n]);
            rows[n].name = breakdown_name(v, kind, key);
            rows[n++].key = key;
        }
        rows[row].vaults_total++;
        rows[row].vaults_covered += v->covered;
        last_key = key;
        last_row = row;
    }
    if (n > 1)
        qsort(rows, n, sizeof *rows, cmp_breakdown);
    for (size_t i = 0; i < n; i++)
        rows[i].vault_coverage_pct =
            pct(rows[i].vaults_covered, rows[i].vaults_total);
    *out = kva_result_own(r, rows ? rows : calloc(1, sizeof *rows));
    rows = NULL;
    if (!*out)
        goto fail;
    *n_out = n;
    ret = 0;
fail:
    free(rows);
    smap_free(&keys);
    return ret;
}

static int compute_kpis(ectx *c, const kva_eval_opts *o)
{
    kva_result *r = c->r;
    kva_kpis *k = &r->kpis;
    size_t ok;

    k->subscriptions_total = r->n_subs;
    for (size_t i = 0; i < r->n_subs; i++)
        k->by_status[r->subs[i].status]++;
    k->subscriptions_in_scope =
        r->n_subs - k->by_status[KVA_ST_NOT_APPLICABLE];
    ok = k->by_status[KVA_ST_COMPLIANT];
    k->subscription_coverage_pct = pct(ok, k->subscriptions_in_scope);
    k->compliance_pct =
        pct(ok + k->by_status[KVA_ST_EXEMPT], k->subscriptions_in_scope);
    for (size_t i = 0; i < r->n_vaults; i++) {
        const kva_res_vault *v = &r->vaults[i];
        if (!v->counted)
            continue;
        k->vaults_total++;
        k->vaults_covered += v->covered;
        k->vaults_with_owner += v->owner != NULL;
    }
    k->vault_coverage_pct = pct(k->vaults_covered, k->vaults_total);
    k->owner_coverage_pct = pct(k->vaults_with_owner, k->vaults_total);
    if (breakdown(c, BY_OWNER, &k->by_owner, &k->n_by_owner) != 0 ||
        breakdown(c, BY_ENVIRONMENT, &k->by_environment,
                  &k->n_by_environment) != 0 ||
        breakdown(c, BY_TENANT, &k->by_tenant, &k->n_by_tenant) != 0 ||
        breakdown(c, BY_MGMT_GROUP, &k->by_management_group,
                  &k->n_by_management_group) != 0)
        return -1;
    if (o->has_price) {
        k->has_cost = true;
        k->estimated_monthly_cost_to_close =
            (double)(k->vaults_total - k->vaults_covered) * o->price_per_vault;
        k->currency = o->currency;
    }
    r->pass = k->by_status[KVA_ST_NONCOMPLIANT] == 0 &&
              k->by_status[KVA_ST_NO_EVIDENCE] == 0;
    return 0;
}

static int cmp_ewarn(const void *a, const void *b)
{
    const ewarn *x = a, *y = b;

    if (x->sub != y->sub)
        return x->sub < y->sub ? -1 : 1;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Reader warnings in their order, then evaluation warnings by the result
 * position of their subscription, then those tied to none. */
static int assemble_warnings(ectx *c)
{
    const kva_model *m = c->m;
    kva_result *r = c->r;
    size_t n = m->n_warnings + c->n_warn;

    for (size_t i = 0; i < c->n_warn; i++)
        c->warn[i].sub = c->warn[i].sub == NONE ? m->n_subs
                                                 : c->pos[c->warn[i].sub];
    if (c->n_warn > 1)
        qsort(c->warn, c->n_warn, sizeof *c->warn, cmp_ewarn);
    r->warnings = ralloc(r, n, sizeof *r->warnings);
    if (!r->warnings)
        return -1;
    for (size_t i = 0; i < m->n_warnings; i++) {
        const kva_warning *w = &m->warnings[i];
        kva_res_warning *rw = &r->warnings[i];
        rw->code = w->code;
        rw->message = w->message;
        rw->path = w->path;
        rw->sub_id = w->sub_id;
        rw->line = w->line;
        rw->col = w->col;
    }
    for (size_t i = 0; i < c->n_warn; i++)
        r->warnings[m->n_warnings + i] = c->warn[i].w;
    r->n_warnings = n;
    return 0;
}

static int cmp_input_ptr(const void *a, const void *b)
{
    const kva_input *x = *(const kva_input *const *)a;
    const kva_input *y = *(const kva_input *const *)b;
    int d = strcmp(s_or(x->path, ""), s_or(y->path, ""));

    return d ? d : (x < y ? -1 : x > y);
}

static int sort_inputs(ectx *c)
{
    const kva_model *m = c->m;
    kva_input *out = ralloc(c->r, m->n_inputs, sizeof *out);
    const kva_input **p = malloc((m->n_inputs ? m->n_inputs : 1) * sizeof *p);

    if (!out || !p) {
        free(p);
        return -1;
    }
    for (size_t i = 0; i < m->n_inputs; i++)
        p[i] = &m->inputs[i];
    if (m->n_inputs > 1)
        qsort(p, m->n_inputs, sizeof *p, cmp_input_ptr);
    for (size_t i = 0; i < m->n_inputs; i++)
        out[i] = *p[i];
    free(p);
    c->r->inputs = out;
    c->r->n_inputs = m->n_inputs;
    return 0;
}

static bool passing(kva_status s)
{
    return s == KVA_ST_COMPLIANT || s == KVA_ST_EXEMPT ||
           s == KVA_ST_NOT_APPLICABLE;
}

static int cmp_change(const void *a, const void *b)
{
    const kva_trend_change *x = a, *y = b;
    int d = strcmp(x->name ? x->name : x->sub_id, y->name ? y->name : y->sub_id);

    return d ? d : strcmp(x->sub_id, y->sub_id);
}

static char *rstrdup(kva_result *r, const char *s, bool *oom)
{
    char *d;

    if (!s)
        return NULL;
    d = kva_result_own(r, strdup(s));
    if (!d)
        *oom = true;
    return d;
}

/*
 * Trend against the baseline. A subscription present in both regressed
 * when it went from passing (compliant, exempt, not_applicable) to failing,
 * was fixed for the reverse; added/removed ones carry the same status in
 * `before` and `now` (there is no status on the missing side). Strings
 * taken from the baseline are copied: the baseline may be freed first.
 */
static int compute_trend(ectx *c, const kva_baseline *b)
{
    kva_result *r = c->r;
    kva_trend *t = &r->trend;
    smap ids = {.ci = true};
    bool *seen = NULL, oom = false;
    size_t nreg = 0, nfix = 0, nadd = 0, nrem = 0;
    int ret = -1;

    if (!b)
        return 0;
    t->present = true;
    t->baseline_path = rstrdup(r, b->path, &oom);
    t->baseline_as_of = rstrdup(r, b->as_of, &oom);
    memcpy(t->before, b->by_status, sizeof t->before);
    memcpy(t->now, r->kpis.by_status, sizeof t->now);
    t->compliance_pct_before = b->compliance_pct;
    t->compliance_pct_now = r->kpis.compliance_pct;
    if (oom)
        goto fail;
    for (size_t j = 0; j < b->n_subs; j++) {
        bool added;
        if (b->subs[j].id && !smap_put(&ids, b->subs[j].id, j, &added))
            goto fail;
    }
    seen = calloc(b->n_subs ? b->n_subs : 1, sizeof *seen);
    if (!seen)
        goto fail;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            t->regressed = ralloc(r, nreg, sizeof *t->regressed);
            t->fixed = ralloc(r, nfix, sizeof *t->fixed);
            t->added = ralloc(r, nadd, sizeof *t->added);
            t->removed = ralloc(r, nrem, sizeof *t->removed);
            if (!t->regressed || !t->fixed || !t->added || !t->removed)
                goto fail;
        }
        nreg = nfix = nadd = nrem = 0;
        for (size_t i = 0; i < r->n_subs; i++) {
            const kva_res_sub *rs = &r->subs[i];
            const char *id = s_or(rs->sub->id, "");
            size_t j = smap_get(&ids, id);
            kva_trend_change ch = {id, rs->sub->name, rs->status, rs->status};

            if (j == NONE) {
                if (pass)
                    t->added[nadd] = ch;
                nadd++;
                continue;
            }
            seen[j] = true;
            ch.before = b->subs[j].status;
            if (passing(ch.before) && !passing(ch.now)) {
                if (pass)
                    t->regressed[nreg] = ch;
                nreg++;
            } else if (!passing(ch.before) && passing(ch.now)) {
                if (pass)
                    t->fixed[nfix] = ch;
                nfix++;
            }
        }
        for (size_t j = 0; j < b->n_subs; j++) {
            const kva_baseline_sub *bs = &b->subs[j];
            if (!bs->id || seen[j] || smap_get(&ids, bs->id) != j)
                continue;
            if (pass) {
                kva_trend_change ch = {rstrdup(r, bs->id, &oom),
                                       rstrdup(r, bs->name, &oom), bs->status,
                                       bs->status};
                t->removed[nrem] = ch;
            }
            nrem++;
        }
        if (oom)
            goto fail;
    }
    t->n_regressed = nreg;
    t->n_fixed = nfix;
    t->n_added = nadd;
    t->n_removed = nrem;
    qsort(t->regressed, nreg, sizeof *t->regressed, cmp_change);
    qsort(t->fixed, nfix, sizeof *t->fixed, cmp_change);
    qsort(t->added, nadd, sizeof *t->added, cmp_change);
    qsort(t->removed, nrem, sizeof *t->removed, cmp_change);
    ret = 0;
fail:
    free(seen);
    smap_free(&ids);
    return ret;
}

kva_result *kva_evaluate(const kva_model *m, const kva_eval_opts *o)
{
    static const kva_eval_opts defaults = {0};
    kva_result *r = NULL;
    ectx c = {0};

    if (!m)
        return NULL;
    if (!o)
        o = &defaults;
    r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->model = m;
    r->as_of = o->as_of;
    r->complete = m->complete;
    c.m = m;
    c.r = r;
    c.as_of = o->as_of;
    c.owner_tags = o->owner_tags ? o->owner_tags : kva_default_owner_tags;
    c.n_owner_tags = o->owner_tags ? o->n_owner_tags : kva_default_owner_tags_n;
    c.env_tags = o->env_tags ? o->env_tags : kva_default_env_tags;
    c.n_env_tags = o->env_tags ? o->n_env_tags : kva_default_env_tags_n;

    if (!m->have_sub_inventory &&
        add_warning(&c, "no_subscription_inventory", NONE, W_OTHER, NONE, NULL,
                    0, 0,
                    "no subscription inventory was given: subscriptions that "
                    "appear in no pricing or vault dump cannot be detected") !=
            0)
        goto fail;
    if (index_subs(&c) != 0 || decide_pricings(&c) != 0 ||
        apply_exceptions(&c) != 0 || evaluate_vaults(&c) != 0 ||
        set_flags(&c) != 0 || collect_evidence(&c) != 0 ||
        order_subs(&c) != 0 || compute_kpis(&c, o) != 0 ||
        assemble_warnings(&c) != 0 || sort_inputs(&c) != 0 ||
        compute_trend(&c, o->baseline) != 0)
        goto fail;
    goto done;
fail:
    kva_result_free(r);
    r = NULL;
done:
    smap_free(&c.subs);
    smap_free(&c.trimmed);
    free(c.trims);
    smap_free(&c.vault_pricing);
    free(c.pricing_sub);
    free(c.best_exc);
    free(c.ownerless_vault);
    free(c.tier_flags);
    free(c.trial_src);
    free(c.vault_sub);
    free(c.bucket_start);
    free(c.vault_order);
    free(c.pos);
    free(c.warn);
    return r;
}

#include "remediation.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

/* Management group ids Azure accepts: letters, digits, ._()- and at most
 * 90 characters. Anything else never reaches a command. */
#define MG_ID_MAX 90
#define LOCATION_MAX 40

typedef struct newwarn {
    kva_res_warning *v;
    size_t n, cap;
} newwarn;

/* One management group that holds failing subscriptions. */
typedef struct mgroup {
    const char *id;      /* name (id) when known, else display name */
    const char *display; /* display name, else id */
    size_t n_subs;
    /* vault locations seen in its failing subscriptions */
    struct loc {
        char name[LOCATION_MAX + 1];
        size_t count;
    } *locs;
    size_t n_locs, cap_locs;
} mgroup;

typedef struct rctx {
    kva_result *r;
    const kva_templates *t;
    kva_diag *err;
    newwarn warn;
} rctx;

static bool failing(kva_status s)
{
    return s == KVA_ST_NONCOMPLIANT || s == KVA_ST_NO_EVIDENCE;
}

static bool mg_id_valid(const char *s)
{
    size_t n = 0;

    if (!s)
        return false;
    for (const char *p = s; *p; p++, n++) {
        char c = *p;

        if (n >= MG_ID_MAX)
            return false;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
            (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '(' ||
            c == ')' || c == '-')
            continue;
        return false;
    }
    return n > 0;
}

/*
 * A vault's location as a region name for --location: lower case, spaces
 * dropped ("West Europe" -> "westeurope"). False when what is left is not
 * [a-z0-9]{1,40}.
 */
static bool region_name(const char *in, char out[LOCATION_MAX + 1])
{
    size_t n = 0;

    if (!in)
        return false;
    for (const char *p = in; *p; p++) {
        char c = *p;

        if (c == ' ')
            continue;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            return false;
        if (n == LOCATION_MAX)
            return false;
        out[n++] = c;
    }
    out[n] = '\0';
    return n > 0;
}

static char *own(rctx *c, char *s)
{
    if (!s)
        return NULL;
    return kva_result_own(c->r, s);
}

/* printf into a new string owned by the result; NULL on OOM. */
static char *own_printf(rctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static char *own_printf(rctx *c, const char *fmt, ...)
{
    va_list ap;
    int n;
    char *s;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return own(c, s);
}

static kva_error nomem(rctx *c)
{
    kva_diag_set(c->err, KVA_ERR_NOMEM, NULL, 0, 0, "out of memory");
    return KVA_ERR_NOMEM;
}

static kva_error warn(rctx *c, const char *code, const char *sub_id,
                      const char *message)
{
    kva_res_warning *w;

    if (!message)
        return nomem(c);
    if (c->warn.n == c->warn.cap) {
        size_t ncap = c->warn.cap ? c->warn.cap * 2 : 8;
        kva_res_warning *nv = realloc(c->warn.v, ncap * sizeof *nv);

        if (!nv)
            return nomem(c);
        c->warn.v = nv;
        c->warn.cap = ncap;
    }
    w = &c->warn.v[c->warn.n++];
    memset(w, 0, sizeof *w);
    w->code = code;
    w->message = message;
    w->sub_id = sub_id;
    return KVA_OK;
}

/* Append the collected warnings after the evaluator's: a new array owned
 * by the result (the old one stays owned and is freed with it). */
static kva_error flush_warnings(rctx *c)
{
    kva_result *r = c->r;
    kva_res_warning *all;

    if (!c->warn.n)
        return KVA_OK;
    all = malloc((r->n_warnings + c->warn.n) * sizeof *all);
    if (!all || !kva_result_own(r, all))
        return nomem(c);
    if (r->n_warnings)
        memcpy(all, r->warnings, r->n_warnings * sizeof *all);
    memcpy(all + r->n_warnings, c->warn.v, c->warn.n * sizeof *all);
    r->warnings = all;
    r->n_warnings += c->warn.n;
    return KVA_OK;
}

static kva_error expand(rctx *c, const char *name, const char *const *keys,
                        const char *const *values, size_t n, const char **out)
{
    char *s = kva_templates_expand(c->t, name, keys, values, n, c->err);

    if (!s)
        return c->err && c->err->code ? c->err->code : KVA_ERR_TEMPLATE;
    *out = own(c, s);
    return *out ? KVA_OK : nomem(c);
}

/* Per failing subscription: az, PowerShell, verify. */
static kva_error fill_subscriptions(rctx *c)
{
    kva_result *r = c->r;
    int rank = 0;
    kva_error e;

    for (size_t i = 0; i < r->n_subs; i++) {
        kva_res_sub *s = &r->subs[i];
        const char *keys[] = {"subscription_id"};
        const char *values[1];
        char id[37];

        if (!failing(s->status))
            continue;
        rank++;
        if (s->priority <= 0)
            s->priority = rank;
        if (!s->sub || !kva_is_guid(s->sub->id)) {
            const char *raw = s->sub && s->sub->id ? s->sub->id : "";

            e = warn(c, "remediation_skipped", raw,
                     own_printf(c,
                                "subscription id '%s' is not a GUID: no "
                                "remediation command was written for it",
                                raw));
            if (e != KVA_OK)
                return e;
            continue;
        }
        memcpy(id, s->sub->id, 37);
        kva_str_lower(id);
        values[0] = id;
        if ((e = expand(c, "az", keys, values, 1, &s->remediation_az)) ||
            (e = expand(c, "powershell", keys, values, 1,
                        &s->remediation_ps)) ||
            (e = expand(c, "verify", keys, values, 1,
                        &s->remediation_verify)))
            return e;
    }
    return KVA_OK;
}

/* The nearest management group of a subscription: its id (name) when the
 * evidence has it, else its display name. NULL when none is known. */
static const char *nearest_mg(const kva_sub *s, const char **display)
{
    const char *id, *name;

    if (!s || !s->n_mgmt_groups)
        return NULL;
    name = s->mgmt_groups ? s->mgmt_groups[0] : NULL;
    id = s->mgmt_group_ids ? s->mgmt_group_ids[0] : NULL;
    if (!id)
        id = name;
    *display = name ? name : id;
    return id;
}

typedef struct subref {
    const char *mg;
    const char *display;
    size_t index; /* into r->subs */
} subref;

/* Group by id without case; within a group, result order, so that a
 * group is named as its highest-priority subscription spells it. */
static int subref_cmp(const void *a, const void *b)
{
    const subref *x = a, *y = b;
    int c = kva_strcasecmp(x->mg, y->mg);

    if (c)
        return c;
    return x->index < y->index ? -1 : x->index > y->index;
}

static int group_cmp(const void *a, const void *b)
{
    const mgroup *x = a, *y = b;

    if (x->n_subs != y->n_subs)
        return x->n_subs > y->n_subs ? -1 : 1;
    return strcmp(x->id, y->id);
}

static bool count_location(mgroup *g, const char *name)
{
    for (size_t i = 0; i < g->n_locs; i++)
        if (strcmp(g->locs[i].name, name) == 0) {
            g->locs[i].count++;
            return true;
        }
    if (g->n_locs == g->cap_locs) {
        size_t ncap = g->cap_locs ? g->cap_locs * 2 : 8;
        struct loc *nv = realloc(g->locs, ncap * sizeof *nv);

        if (!nv)
            return false;
        g->locs = nv;
        g->cap_locs = ncap;
    }
    memcpy(g->locs[g->n_locs].name, name, strlen(name) + 1);
    g->locs[g->n_locs].count = 1;
    g->n_locs++;
    return true;
}

/* Most frequent location; ties go to the first name in byte order. */
static const char *main_location(const mgroup *g)
{
    const struct loc *best = NULL;

    for (size_t i = 0; i < g->n_locs; i++) {
        const struct loc *l = &g->locs[i];

        if (!best || l->count > best->count ||
            (l->count == best->count && strcmp(l->name, best->name) < 0))
            best = l;
    }
    return best ? best->name : NULL;
}

/*
 * The service-wide route: one Azure Policy assignment per nearest
 * management group that holds two or more failing subscriptions. The
 * identity's location is the region most of their key vaults are in (a
 * region the organisation evidently allows), else the template's default.
 */
static kva_error fill_mg_plans(rctx *c)
{
    kva_result *r = c->r;
    subref *refs = NULL;
    mgroup *groups = NULL;
    size_t *group_of = NULL; /* r->subs index -> group index + 1 */
    size_t n_refs = 0, n_groups = 0, n_plans = 0;
    const char *policy_id = NULL;
    const kva_control *ctl = kva_templates_control(c->t);
    kva_error e = KVA_OK;

    if (!r->n_subs)
        return KVA_OK;
    refs = malloc(r->n_subs * sizeof *refs);
    group_of = calloc(r->n_subs, sizeof *group_of);
    if (!refs || !group_of) {
        e = nomem(c);
        goto out;
    }
    for (size_t i = 0; i < r->n_subs; i++) {
        const char *display = NULL;
        const char *mg;

        if (!failing(r->subs[i].status))
            continue;
        mg = nearest_mg(r->subs[i].sub, &display);
        if (!mg)
            continue;
        refs[n_refs].mg = mg;
        refs[n_refs].display = display;
        refs[n_refs].index = i;
        n_refs++;
    }
    if (n_refs < 2)
        goto out;
    qsort(refs, n_refs, sizeof *refs, subref_cmp);
    groups = calloc(n_refs, sizeof *groups);
    if (!groups) {
        e = nomem(c);
        goto out;
    }
    for (size_t i = 0; i < n_refs;) {
        size_t j = i;

        while (j < n_refs && kva_strcasecmp(refs[j].mg, refs[i].mg) == 0)
            j++;
        if (j - i >= 2) {
            mgroup *g = &groups[n_groups++];

            g->id = refs[i].mg;
            g->display = refs[i].display;
            g->n_subs = j - i;
            for (size_t k = i; k < j; k++)
                group_of[refs[k].index] = n_groups;
        }
        i = j;
    }
    for (size_t v = 0; v < r->n_vaults; v++) {
        const kva_res_vault *rv = &r->vaults[v];
        char loc[LOCATION_MAX + 1];
        size_t si;

        if (!rv->sub || rv->sub < r->subs || rv->sub >= r->subs + r->n_subs)
            continue;
        si = (size_t)(rv->sub - r->subs);
        if (!group_of[si] || !rv->vault ||
            !region_name(rv->vault->location, loc))
            continue;
        if (!count_location(&groups[group_of[si] - 1], loc)) {
            e = nomem(c);
            goto out;
        }
    }
    if (n_groups)
        qsort(groups, n_groups, sizeof *groups, group_cmp);

    for (size_t i = 0; ctl && i < ctl->n_refs; i++) {
        const kva_reference *ref = &ctl->refs[i];

        if (kva_streq_ci(ref->kind, "azure_policy") &&
            kva_streq_ci(ref->effect, "DeployIfNotExists") &&
            kva_is_guid(ref->id)) {
            policy_id = ref->id;
            break;
        }
    }

    if (n_groups) {
        r->mg_plans = calloc(n_groups, sizeof *r->mg_plans);
        if (!r->mg_plans || !kva_result_own(r, r->mg_plans)) {
            r->mg_plans = NULL;
            e = nomem(c);
            goto out;
        }
    }
    for (size_t i = 0; i < n_groups; i++) {
        mgroup *g = &groups[i];
        kva_res_mg_plan *p = &r->mg_plans[n_plans];
        const char *loc = main_location(g);
        const char *keys[] = {"management_group_id", "assignment_name",
                              "policy_definition_id", "location"};
        const char *values[4];

        if (!mg_id_valid(g->id)) {
            e = warn(c, "policy_route_skipped", NULL,
                     own_printf(c,
                                "management group '%s' holds %zu failing "
                                "subscriptions, but its id is not a valid "
                                "management group id: no Azure Policy "
                                "command was written for it",
                                g->display, g->n_subs));
            if (e != KVA_OK)
                goto out;
            continue;
        }
        values[0] = g->id;
        values[1] = kva_templates_param(c->t, "assignment_name");
        values[2] = policy_id;
        values[3] = loc ? loc : kva_templates_param(c->t, "default_location");
        p->mgmt_group = g->display;
        p->mgmt_group_id = g->id;
        p->n_subs = g->n_subs;
        if ((e = expand(c, "policy_assign", keys, values, 4,
                        &p->assign_cmd)) != KVA_OK ||
            (e = expand(c, "policy_remediate", keys, values, 4,
                        &p->remediate_cmd)) != KVA_OK)
            goto out;
        n_plans++;
    }
    r->n_mg_plans = n_plans;
out:
    for (size_t i = 0; groups && i < n_groups; i++)
        free(groups[i].locs);
    free(groups);
    free(group_of);
    free(refs);
    return e;
}

kva_error kva_remediation_fill(kva_result *r, const kva_templates *t,
                               kva_diag *err)
{
    rctx c = {r, t ? t : kva_templates_builtin(), err, {NULL, 0, 0}};
    kva_error e;

    if (!r) {
        kva_diag_set(err, KVA_ERR_USAGE, NULL, 0, 0, "no result to fill");
        return KVA_ERR_USAGE;
    }
    if (!c.t)
        return nomem(&c);
    if ((e = fill_subscriptions(&c)) == KVA_OK &&
        (e = fill_mg_plans(&c)) == KVA_OK &&
        (e = expand(&c, "terraform", NULL, NULL, 0, &r->terraform)) ==
            KVA_OK &&
        (e = expand(&c, "bicep", NULL, NULL, 0, &r->bicep)) == KVA_OK)
        e = flush_warnings(&c);
    free(c.warn.v);
    return e;
}

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
    const char *id;      /* its id (the "name" in the evidence); NULL when
                            the evidence gives only a display name */
    const char *display; /* display name, else id */
    const char *tenant;  /* the tenant of its failing subscriptions; NULL
                            when unknown or not one */
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

/*
 * The nearest management group of a subscription: false when the
 * evidence names none. *id is its id (the chain entry's "name"), NULL
 * when the evidence gives only its display name; *display is the display
 * name, else the id.
 */
static bool nearest_mg(const kva_sub *s, const char **id, const char **display)
{
    const char *name;

    if (!s || !s->n_mgmt_groups)
        return false;
    name = s->mgmt_groups ? s->mgmt_groups[0] : NULL;
    *id = s->mgmt_group_ids ? s->mgmt_group_ids[0] : NULL;
    *display = name ? name : *id;
    return *display != NULL;
}

typedef struct subref {
    const char *id;      /* NULL: known by display name only */
    const char *display;
    size_t index; /* into r->subs */
} subref;

/* What groups are told apart by: the id, else the display name. A group
 * known by its id and one known only by a display name are never taken
 * for the same group, even when the texts agree. */
static const char *subref_key(const subref *x)
{
    return x->id ? x->id : x->display;
}

static bool same_group(const subref *x, const subref *y)
{
    return !x->id == !y->id &&
           kva_strcasecmp(subref_key(x), subref_key(y)) == 0;
}

/* Group by id without case; within a group, result order, so that a
 * group is named as its highest-priority subscription spells it. */
static int subref_cmp(const void *a, const void *b)
{
    const subref *x = a, *y = b;
    int c;

    if (!x->id != !y->id)
        return x->id ? -1 : 1;
    c = kva_strcasecmp(subref_key(x), subref_key(y));
    if (c)
        return c;
    return x->index < y->index ? -1 : x->index > y->index;
}

static int group_cmp(const void *a, const void *b)
{
    const mgroup *x = a, *y = b;

    if (x->n_subs != y->n_subs)
        return x->n_subs > y->n_subs ? -1 : 1;
    if (!x->id != !y->id)
        return x->id ? -1 : 1;
    return strcmp(x->id ? x->id : x->display, y->id ? y->id : y->display);
}

/*
 * Whether the subscription is, or may be, below the management group g
 * (which has an id). The chain of ancestors settles it when it holds ids:
 * the group is in it or not. An ancestor known only by a display name
 * counts when that name is the group's. A subscription whose evidence
 * shows no management group id may sit anywhere in its tenant, so it
 * counts unless it is known to be in another tenant. Erring towards
 * "below" costs a --not-scopes entry the assignment did not need;
 * erring the other way would turn the plan on where an exception says
 * it stays off.
 */
static bool may_be_below(const kva_sub *s, const mgroup *g)
{
    bool any_id = false;

    for (size_t k = 0; k < s->n_mgmt_groups; k++) {
        const char *id = s->mgmt_group_ids ? s->mgmt_group_ids[k] : NULL;
        const char *name = s->mgmt_groups ? s->mgmt_groups[k] : NULL;

        if (id) {
            any_id = true;
            if (kva_strcasecmp(id, g->id) == 0)
                return true;
        } else if (name && g->display &&
                   kva_strcasecmp(name, g->display) == 0) {
            return true;
        }
    }
    if (any_id)
        return false;
    return !(s->tenant_id && g->tenant &&
             kva_strcasecmp(s->tenant_id, g->tenant) != 0);
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The exclusions of the assignment at g: "" when there are none, else
 * " --not-scopes /subscriptions/ID ..." for every exempt or not
 * applicable subscription that may be below g (see may_be_below), sorted
 * and each once. The string is owned by the result. When such a
 * subscription's id is not a GUID, it cannot be excluded safely: *out is
 * NULL and *bad names the id.
 */
static kva_error not_scopes(rctx *c, const mgroup *g, const char **out,
                            const char **bad)
{
    static const char opt[] = " --not-scopes";
    static const char pre[] = " /subscriptions/";
    kva_result *r = c->r;
    char (*ids)[37] = NULL;
    char **sorted = NULL;
    size_t n = 0, len = sizeof opt - 1;
    char *buf = NULL, *p;
    kva_error e = KVA_OK;

    *out = NULL;
    *bad = NULL;
    ids = malloc((r->n_subs ? r->n_subs : 1) * sizeof *ids);
    sorted = malloc((r->n_subs ? r->n_subs : 1) * sizeof *sorted);
    if (!ids || !sorted) {
        e = nomem(c);
        goto out;
    }
    for (size_t i = 0; i < r->n_subs; i++) {
        const kva_res_sub *rs = &r->subs[i];

        if (rs->status != KVA_ST_EXEMPT &&
            rs->status != KVA_ST_NOT_APPLICABLE)
            continue;
        if (!rs->sub || !may_be_below(rs->sub, g))
            continue;
        if (!kva_is_guid(rs->sub->id)) {
            *bad = rs->sub->id ? rs->sub->id : "";
            goto out;
        }
        memcpy(ids[n], rs->sub->id, 37);
        kva_str_lower(ids[n]);
        sorted[n] = ids[n];
        n++;
    }
    if (n == 0) {
        *out = "";
        goto out;
    }
    qsort(sorted, n, sizeof *sorted, str_cmp);
    for (size_t i = 0; i < n; i++)
        len += sizeof pre - 1 + 36;
    buf = malloc(len + 1);
    if (!buf) {
        e = nomem(c);
        goto out;
    }
    p = buf;
    memcpy(p, opt, sizeof opt - 1);
    p += sizeof opt - 1;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcmp(sorted[i], sorted[i - 1]) == 0)
            continue;
        memcpy(p, pre, sizeof pre - 1);
        p += sizeof pre - 1;
        memcpy(p, sorted[i], 36);
        p += 36;
    }
    *p = '\0';
    *out = own(c, buf);
    buf = NULL;
    if (!*out)
        e = nomem(c);
out:
    free(buf);
    free(sorted);
    free(ids);
    return e;
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
 * The assignment reaches every subscription below the group, so the
 * exempt and not applicable ones are excluded with --not-scopes (the
 * remediation task then cannot touch them either); a group whose
 * exclusions cannot be written, or whose id the evidence does not give,
 * gets a policy_route_skipped warning instead of a command.
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
        const char *id = NULL, *display = NULL;

        if (!failing(r->subs[i].status) ||
            !nearest_mg(r->subs[i].sub, &id, &display))
            continue;
        refs[n_refs].id = id;
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

        while (j < n_refs && same_group(&refs[j], &refs[i]))
            j++;
        if (j - i >= 2) {
            mgroup *g = &groups[n_groups++];
            bool mixed = false;

            g->id = refs[i].id;
            g->display = refs[i].display;
            g->n_subs = j - i;
            for (size_t k = i; k < j; k++) {
                const kva_sub *sub = r->subs[refs[k].index].sub;
                const char *tenant = sub ? sub->tenant_id : NULL;

                group_of[refs[k].index] = n_groups;
                if (!tenant)
                    continue;
                if (!g->tenant)
                    g->tenant = tenant;
                else if (kva_strcasecmp(g->tenant, tenant) != 0)
                    mixed = true;
            }
            if (mixed)
                g->tenant = NULL;
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
                              "policy_definition_id", "location",
                              "not_scopes"};
        const char *values[5];
        const char *excluded = NULL, *bad = NULL;

        if (!g->id) {
            e = warn(c, "policy_route_skipped", NULL,
                     own_printf(c,
                                "management group '%s' holds %zu failing "
                                "subscriptions, but the evidence gives only "
                                "its display name, not its id (the \"name\" "
                                "in managementGroupAncestorsChain): no Azure "
                                "Policy command was written for it",
                                g->display, g->n_subs));
            if (e != KVA_OK)
                goto out;
            continue;
        }
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
        if ((e = not_scopes(c, g, &excluded, &bad)) != KVA_OK)
            goto out;
        if (bad) {
            e = warn(c, "policy_route_skipped", NULL,
                     own_printf(c,
                                "management group '%s' holds %zu failing "
                                "subscriptions, but subscription '%s' is "
                                "exempt or not applicable, may be below it, "
                                "and cannot be excluded from the assignment: "
                                "its id is not a GUID. No Azure Policy "
                                "command was written for it",
                                g->display, g->n_subs, bad));
            if (e != KVA_OK)
                goto out;
            continue;
        }
        if (*excluded &&
            !kva_templates_uses(c->t, "policy_assign", "not_scopes")) {
            e = warn(c, "policy_route_skipped", NULL,
                     own_printf(c,
                                "management group '%s' holds %zu failing "
                                "subscriptions and exempt or not applicable "
                                "ones that the assignment must leave alone, "
                                "but the policy_assign template has no "
                                "{not_scopes}: no Azure Policy command was "
                                "written for it",
                                g->display, g->n_subs));
            if (e != KVA_OK)
                goto out;
            continue;
        }
        values[0] = g->id;
        values[1] = kva_templates_param(c->t, "assignment_name");
        values[2] = policy_id;
        values[3] = loc ? loc : kva_templates_param(c->t, "default_location");
        values[4] = excluded;
        p->mgmt_group = g->display;
        p->mgmt_group_id = g->id;
        p->n_subs = g->n_subs;
        if ((e = expand(c, "policy_assign", keys, values, 5,
                        &p->assign_cmd)) != KVA_OK ||
            (e = expand(c, "policy_remediate", keys, values, 5,
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

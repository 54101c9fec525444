#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "evaluate.h"
#include "model.h"
#include "result.h"
#include "text.h"

/*
 * The evaluator is tested on models built by hand from small tables: a
 * "world" lists inputs, subscriptions (from the inventory), pricings,
 * vaults and exceptions; pricings and vaults touch their subscription as
 * the readers do.
 */

#define S1 "11111111-1111-1111-1111-111111111111"
#define S2 "22222222-2222-2222-2222-222222222222"
#define S3 "33333333-3333-3333-3333-333333333333"
#define S4 "44444444-4444-4444-4444-444444444444"
#define S5 "55555555-5555-5555-5555-555555555555"
#define S6 "66666666-6666-6666-6666-666666666666"
#define S7 "77777777-7777-7777-7777-777777777777"
#define S8 "88888888-8888-8888-8888-888888888888"
#define S9 "99999999-9999-9999-9999-999999999999"
#define VID(sub, name)                                                        \
    "/subscriptions/" sub "/resourceGroups/rg/providers/Microsoft.KeyVault/" \
    "vaults/" name

enum { IN_SUBS = 1, IN_PRICINGS, IN_VAULTS, IN_EXC }; /* 1-based; 0 = default */

typedef struct tsub {
    const char *id, *name, *state;
    const char *tags[9]; /* key, value, ..., NULL */
    const char *tenant, *mg;
    int in;
    const char *mg_id; /* the management group's id (name), or NULL */
} tsub;

typedef struct tpricing {
    const char *sub, *tier;
    const char *plan; /* NULL: "KeyVaults" */
    kva_pricing_scope scope;
    const char *resource;
    const char *sub_plan;
    int64_t trial;
    int deprecated;
    int in;
    uint32_t line;
    int inherited;
} tpricing;

typedef struct tvault {
    const char *name, *sub;
    const char *tags[9];
    const char *id; /* NULL: VID(sub, name) */
    int in;
} tvault;

typedef struct texc {
    const char *sub, *expires, *ticket;
    int in;
} texc;

typedef struct world {
    const char *inputs[8]; /* NULL: the four defaults */
    const tsub *subs;      /* each list ends with an all-zero entry */
    const tpricing *pricings;
    const tvault *vaults;
    const texc *excs;
} world;

static const char *const default_inputs[] = {"in/subs.json", "in/pricings.json",
                                             "in/vaults.json",
                                             "in/exceptions.json", NULL};

static int64_t day(const char *ymd)
{
    int64_t t = 0;
    assert_true(kva_date_parse(ymd, &t));
    return t;
}

#define AS_OF day("2026-11-23")

static char *dup(const char *s)
{
    char *d = s ? strdup(s) : NULL;
    if (s)
        assert_non_null(d);
    return d;
}

static void set_tags(kva_tags *t, const char *const *kv)
{
    for (size_t i = 0; kv[i]; i += 2) {
        t->v = realloc(t->v, (t->n + 1) * sizeof *t->v);
        assert_non_null(t->v);
        t->v[t->n].key = dup(kv[i]);
        t->v[t->n].value = dup(kv[i + 1]);
        t->n++;
    }
}

static size_t in_index(int in, int dflt)
{
    return (size_t)((in ? in : dflt) - 1);
}

static kva_model *build(const world *w)
{
    kva_model *m = kva_model_new();
    const char *const *inputs = w->inputs[0] ? w->inputs : default_inputs;

    assert_non_null(m);
    for (size_t i = 0; inputs[i]; i++) {
        kva_input in = {0};
        in.path = dup(inputs[i]);
        in.kind = KVA_KIND_UNKNOWN;
        assert_int_equal(kva_model_add_input(m, &in, NULL), KVA_OK);
    }
    for (size_t i = 0; w->subs && w->subs[i].id; i++) {
        const tsub *t = &w->subs[i];
        kva_sub s = {0};
        s.id = dup(t->id);
        s.name = dup(t->name);
        s.state = dup(t->state);
        s.tenant_id = dup(t->tenant);
        set_tags(&s.tags, t->tags);
        if (t->mg) {
            s.mgmt_groups = calloc(1, sizeof *s.mgmt_groups);
            s.mgmt_group_ids = calloc(1, sizeof *s.mgmt_group_ids);
            assert_non_null(s.mgmt_groups);
            assert_non_null(s.mgmt_group_ids);
            s.mgmt_groups[0] = dup(t->mg);
            s.mgmt_group_ids[0] = dup(t->mg_id);
            s.n_mgmt_groups = 1;
        }
        s.from_inventory = true;
        s.input = in_index(t->in, IN_SUBS);
        s.line = (uint32_t)i + 2;
        s.col = 5;
        assert_int_equal(kva_model_add_sub(m, &s), KVA_OK);
    }
    for (size_t i = 0; w->pricings && w->pricings[i].sub; i++) {
        const tpricing *t = &w->pricings[i];
        kva_pricing p = {0};
        p.sub_id = dup(t->sub);
        p.plan = dup(t->plan ? t->plan : "KeyVaults");
        p.tier = dup(t->tier);
        p.sub_plan = dup(t->sub_plan);
        p.trial_remaining_s = t->trial;
        p.enablement_time = KVA_UNKNOWN_TIME;
        p.deprecated = t->deprecated;
        p.inherited = t->inherited;
        p.scope = t->scope;
        p.resource_id = dup(t->resource);
        p.input = in_index(t->in, IN_PRICINGS);
        p.line = t->line ? t->line : (uint32_t)i + 3;
        p.col = 3;
        assert_non_null(kva_model_touch_sub(m, t->sub, p.input));
        assert_int_equal(kva_model_add_pricing(m, &p), KVA_OK);
    }
    for (size_t i = 0; w->vaults && w->vaults[i].name; i++) {
        const tvault *t = &w->vaults[i];
        kva_vault v = {0};
        char id[512];
        snprintf(id, sizeof id,
                 "/subscriptions/%s/resourceGroups/rg/providers/"
                 "Microsoft.KeyVault/vaults/%s",
                 t->sub, t->name);
        v.id = dup(t->id ? t->id : id);
        v.name = dup(t->name);
        v.resource_group = dup("rg");
        v.location = dup("westeurope");
        v.sub_id = dup(t->sub);
        set_tags(&v.tags, t->tags);
        v.input = in_index(t->in, IN_VAULTS);
        v.line = (uint32_t)i + 4;
        v.col = 7;
        assert_non_null(kva_model_touch_sub(m, t->sub, v.input));
        assert_int_equal(kva_model_add_vault(m, &v), KVA_OK);
    }
    for (size_t i = 0; w->excs && w->excs[i].sub; i++) {
        const texc *t = &w->excs[i];
        kva_exception e = {0};
        e.sub_id = dup(t->sub);
        e.reason = dup("accepted risk");
        e.owner = dup("CISO");
        e.expires = dup(t->expires);
        e.expires_day = day(t->expires);
        e.ticket = dup(t->ticket);
        e.input = in_index(t->in, IN_EXC);
        e.line = (uint32_t)i + 5;
        e.col = 9;
        assert_int_equal(kva_model_add_exception(m, &e), KVA_OK);
    }
    return m;
}

static kva_result *eval_opts(const kva_model *m, const kva_eval_opts *o)
{
    kva_result *r = kva_evaluate(m, o);
    assert_non_null(r);
    return r;
}

static kva_result *eval_at(const kva_model *m, int64_t as_of)
{
    kva_eval_opts o = {0};
    o.as_of = as_of;
    o.owner_tags = kva_default_owner_tags;
    o.n_owner_tags = kva_default_owner_tags_n;
    o.env_tags = kva_default_env_tags;
    o.n_env_tags = kva_default_env_tags_n;
    return eval_opts(m, &o);
}

static kva_result *eval(const kva_model *m)
{
    return eval_at(m, AS_OF);
}

static const kva_res_sub *rsub(const kva_result *r, const char *id)
{
    for (size_t i = 0; i < r->n_subs; i++)
        if (strcmp(r->subs[i].sub->id, id) == 0)
            return &r->subs[i];
    fail_msg("subscription %s not in the result", id);
    return NULL;
}

static const kva_res_vault *rvault(const kva_result *r, const char *sub,
                                   const char *name)
{
    for (size_t i = 0; i < r->n_vaults; i++)
        if (strcmp(r->vaults[i].vault->name, name) == 0 &&
            strcmp(r->vaults[i].vault->sub_id, sub) == 0)
            return &r->vaults[i];
    fail_msg("vault %s/%s not in the result", sub, name);
    return NULL;
}

static size_t count_warn(const kva_result *r, const char *code)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_warnings; i++)
        n += strcmp(r->warnings[i].code, code) == 0;
    return n;
}

static const kva_res_warning *find_warn(const kva_result *r, const char *code)
{
    for (size_t i = 0; i < r->n_warnings; i++)
        if (strcmp(r->warnings[i].code, code) == 0)
            return &r->warnings[i];
    fail_msg("no warning %s", code);
    return NULL;
}

static void assert_contains(const char *hay, const char *needle)
{
    if (!hay || !strstr(hay, needle))
        fail_msg("\"%s\" does not contain \"%s\"", hay ? hay : "(null)",
                 needle);
}

static void done(kva_result *r, kva_model *m)
{
    kva_result_free(r);
    kva_model_free(m);
}

typedef struct status_case {
    const char *what;
    const char *state;
    bool has_pricing;
    const char *plan;
    const char *tier;
    kva_pricing_scope scope;
    kva_status want;
} status_case;

static const status_case status_cases[] = {
    {"Standard", "Enabled", true, NULL, "Standard", KVA_SCOPE_SUBSCRIPTION,
     KVA_ST_COMPLIANT},
    {"standard lower", "Enabled", true, NULL, "standard",
     KVA_SCOPE_SUBSCRIPTION, KVA_ST_COMPLIANT},
    {"STANDARD upper", "Enabled", true, NULL, "STANDARD",
     KVA_SCOPE_SUBSCRIPTION, KVA_ST_COMPLIANT},
    {"Free", "Enabled", true, NULL, "Free", KVA_SCOPE_SUBSCRIPTION,
     KVA_ST_NONCOMPLIANT},
    {"empty tier", "Enabled", true, NULL, "", KVA_SCOPE_SUBSCRIPTION,
     KVA_ST_NONCOMPLIANT},
    {"other tier", "Enabled", true, NULL, "Basic", KVA_SCOPE_SUBSCRIPTION,
     KVA_ST_NONCOMPLIANT},
    {"Standard with suffix", "Enabled", true, NULL, "Standard2",
     KVA_SCOPE_SUBSCRIPTION, KVA_ST_NONCOMPLIANT},
    {"null tier", "Enabled", true, NULL, NULL, KVA_SCOPE_SUBSCRIPTION,
     KVA_ST_NONCOMPLIANT},
    {"no pricing", "Enabled", false, NULL, NULL, KVA_SCOPE_SUBSCRIPTION,
     KVA_ST_NO_EVIDENCE},
    {"plan case", "Enabled", true, "keyVAULTS", "Standard",
     KVA_SCOPE_SUBSCRIPTION, KVA_ST_COMPLIANT},
    {"no state known", NULL, true, NULL, "Free", KVA_SCOPE_SUBSCRIPTION,
     KVA_ST_NONCOMPLIANT},
    {"Warned in scope", "Warned", true, NULL, "Free", KVA_SCOPE_SUBSCRIPTION,
     KVA_ST_NONCOMPLIANT},
    {"PastDue in scope", "PastDue", false, NULL, NULL, KVA_SCOPE_SUBSCRIPTION,
     KVA_ST_NO_EVIDENCE},
};

static const status_case state_cases[] = {
    {"Disabled", "Disabled", true, NULL, "Free", KVA_SCOPE_SUBSCRIPTION,
     KVA_ST_NOT_APPLICABLE},
    {"disabled lower", "disabled", false, NULL, NULL, KVA_SCOPE_SUBSCRIPTION,
     KVA_ST_NOT_APPLICABLE},
    {"DELETED upper", "DELETED", true, NULL, "Standard",
     KVA_SCOPE_SUBSCRIPTION, KVA_ST_NOT_APPLICABLE},
    {"Deleted", "Deleted", true, NULL, "Free", KVA_SCOPE_SUBSCRIPTION,
     KVA_ST_NOT_APPLICABLE},
    {"Disabledx is not Disabled", "Disabledx", true, NULL, "Free",
     KVA_SCOPE_SUBSCRIPTION, KVA_ST_NONCOMPLIANT},
};

/* Pricings that are listed but never decide. */
static const status_case ignored_cases[] = {
    {"default plan", "Enabled", true, "default", "Standard",
     KVA_SCOPE_SUBSCRIPTION, KVA_ST_NO_EVIDENCE},
    {"other plan", "Enabled", true, "VirtualMachines", "Standard",
     KVA_SCOPE_SUBSCRIPTION, KVA_ST_NO_EVIDENCE},
    {"resource-group pricing", "Enabled", true, "KeyVaults", "Standard",
     KVA_SCOPE_RESOURCE_GROUP, KVA_ST_NO_EVIDENCE},
    {"resource-group Free", "Enabled", true, "KeyVaults", "Free",
     KVA_SCOPE_RESOURCE_GROUP, KVA_ST_NO_EVIDENCE},
};

static void run_status_cases(const status_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const status_case *c = &cases[i];
        tsub subs[] = {{.id = S1, .name = "one", .state = c->state}, {0}};
        tpricing pr[] = {{.sub = S1,
                          .tier = c->tier,
                          .plan = c->plan,
                          .scope = c->scope,
                          .resource = c->scope == KVA_SCOPE_RESOURCE_GROUP
                                          ? "rg"
                                          : NULL},
                         {0}};
        world w = {.subs = subs, .pricings = c->has_pricing ? pr : NULL};
        kva_model *m = build(&w);
        kva_result *r = eval(m);

        if (r->subs[0].status != c->want)
            fail_msg("%s: status %s, want %s", c->what,
                     kva_status_name(r->subs[0].status),
                     kva_status_name(c->want));
        assert_int_equal(r->n_subs, 1);
        done(r, m);
    }
}

static void test_status_tiers(void **state)
{
    (void)state;
    run_status_cases(status_cases,
                     sizeof status_cases / sizeof status_cases[0]);
}

static void test_status_states_case_insensitive(void **state)
{
    (void)state;
    run_status_cases(state_cases, sizeof state_cases / sizeof state_cases[0]);
}

static void test_status_ignored_pricings(void **state)
{
    (void)state;
    run_status_cases(ignored_cases,
                     sizeof ignored_cases / sizeof ignored_cases[0]);
}

/* The deciding pricing's fields are copied into the subscription result;
 * other plans and scopes never replace it. */
static void test_deciding_pricing_fields(void **state)
{
    tsub subs[] = {{.id = S1, .name = "one"}, {0}};
    tpricing pr[] = {
        {.sub = S1, .tier = "Free", .plan = "default"},
        {.sub = S1, .tier = "Standard", .sub_plan = "PerKeyVault",
         .trial = 0},
        {.sub = S1, .tier = "Free", .plan = "VirtualMachines"},
        {0}};
    world w = {.subs = subs, .pricings = pr};
    kva_model *m = build(&w);
    kva_result *r;
    (void)state;

    m->pricings[1].enablement_time = 1700000000;
    r = eval(m);
    assert_ptr_equal(r->subs[0].pricing, &m->pricings[1]);
    assert_string_equal(r->subs[0].tier, "Standard");
    assert_string_equal(r->subs[0].sub_plan, "PerKeyVault");
    assert_int_equal(r->subs[0].enablement_time, 1700000000);
    assert_int_equal(r->subs[0].trial_remaining_s, 0);
    done(r, m);
}

static void test_no_evidence_fields(void **state)
{
    tsub subs[] = {{.id = S1, .name = "one"}, {0}};
    world w = {.subs = subs};
    kva_model *m = build(&w);
    kva_result *r = eval(m);
    (void)state;

    assert_int_equal(r->subs[0].status, KVA_ST_NO_EVIDENCE);
    assert_null(r->subs[0].pricing);
    assert_null(r->subs[0].tier);
    assert_null(r->subs[0].sub_plan);
    assert_true(r->subs[0].enablement_time == KVA_UNKNOWN_TIME);
    assert_true(r->subs[0].trial_remaining_s == KVA_UNKNOWN_SECONDS);
    assert_null(r->subs[0].remediation_az);
    done(r, m);
}

static void conflict_case(const char *first, const char *second)
{
    const char *inputs[] = {"in/subs.json", "dumps/a.json", "dumps/b.json",
                            NULL};
    tsub subs[] = {{.id = S1, .name = "one"}, {0}};
    tpricing pr[] = {{.sub = S1, .tier = first, .in = 2, .line = 10},
                     {.sub = S1, .tier = second, .in = 3, .line = 20},
                     {0}};
    world w = {.subs = subs, .pricings = pr};
    kva_model *m;
    kva_result *r;
    const kva_res_warning *wn;

    memcpy((void *)w.inputs, inputs, sizeof inputs);
    m = build(&w);
    r = eval(m);
    assert_int_equal(r->subs[0].status, KVA_ST_NONCOMPLIANT);
    assert_string_equal(r->subs[0].tier, "Free");
    assert_int_equal(count_warn(r, "conflicting_evidence"), 1);
    wn = find_warn(r, "conflicting_evidence");
    assert_string_equal(wn->sub_id, S1);
    assert_contains(wn->message, "dumps/a.json");
    assert_contains(wn->message, "dumps/b.json");
    assert_contains(wn->message, "\"Standard\"");
    assert_contains(wn->message, "\"Free\"");
    assert_contains(wn->message, S1);
    done(r, m);
}

static void test_conflict_severe_wins_order_independent(void **state)
{
    (void)state;
    conflict_case("Standard", "Free");
    conflict_case("Free", "Standard");
}

/*
 * Two KeyVaults records of one subscription, read in both orders: the same
 * record decides, the same flags are raised and the same warnings given.
 */
typedef struct pair_case {
    const char *what;
    tpricing a, b;      /* .in and .line are set by the test */
    const char *tier, *sub_plan;
    int64_t trial;
    unsigned flags;
    const char *conflict; /* part of the conflicting_evidence message, or
                             NULL for none */
    const char *decides;  /* "a" or "b": whose line the message names */
    uint32_t trial_line;  /* line of the trial_ending warning, 0 none */
} pair_case;

#define LEG KVA_FLAG_LEGACY_SUBPLAN
#define TRI KVA_FLAG_TRIAL_ENDING
#define DEP KVA_FLAG_DEPRECATED_PLAN

static const pair_case pair_cases[] = {
    {"sub-plans differ",
     {.tier = "Standard", .sub_plan = "PerKeyVault"},
     {.tier = "Standard", .sub_plan = "PerTransaction", .trial = 20 * 86400},
     "Standard", "PerTransaction", 20 * 86400, LEG | TRI,
     "conflicting KeyVaults pricings of tier \"Standard\": sub-plan "
     "\"PerKeyVault\", no free trial left in dumps/a.json:10, sub-plan "
     "\"PerTransaction\", 20 days of free trial left in dumps/b.json:20; the "
     "one in dumps/b.json:20 decides, and the flags of both count",
     "b", 20},
    {"flags split over two records: the union is reported",
     {.tier = "Standard", .sub_plan = "PerTransaction"},
     {.tier = "Standard", .sub_plan = "PerKeyVault", .trial = 86400},
     "Standard", "PerTransaction", 86400, LEG | TRI,
     "sub-plan \"PerTransaction\", no free trial left in dumps/a.json:10, "
     "sub-plan \"PerKeyVault\", 1 day of free trial left in dumps/b.json:20; "
     "the one in dumps/a.json:10 decides",
     "a", 20},
    {"sub-plans differ in case only",
     {.tier = "Standard", .sub_plan = "PerKeyVault"},
     {.tier = "standard", .sub_plan = "perkeyvault"},
     "Standard", "PerKeyVault", 0, 0, NULL, NULL, 0},
    {"a sub-plan absent on one side is no conflict",
     {.tier = "Standard"},
     {.tier = "Standard", .sub_plan = "PerTransaction", .deprecated = 1},
     "Standard", "PerTransaction", 0, LEG | DEP, NULL, NULL, 0},
    {"trial left on one side only",
     {.tier = "Standard", .sub_plan = "P", .trial = 0},
     {.tier = "Standard", .sub_plan = "P", .trial = 3 * 86400 + 1},
     "Standard", "P", 3 * 86400 + 1, TRI,
     "conflicting KeyVaults pricings of tier \"Standard\": no free trial "
     "left in dumps/a.json:10, 4 days of free trial left in dumps/b.json:20",
     "b", 20},
    {"trial left on both sides: the most decides, no conflict",
     {.tier = "Standard", .trial = 5 * 86400},
     {.tier = "Standard", .trial = 9 * 86400},
     "Standard", NULL, 9 * 86400, TRI, NULL, NULL, 20},
    {"trial unknown on one side",
     {.tier = "Standard", .trial = KVA_UNKNOWN_SECONDS},
     {.tier = "Standard", .trial = 86400},
     "Standard", NULL, 86400, TRI, NULL, NULL, 20},
    {"two failing tiers: Free is the more severe",
     {.tier = "Basic"},
     {.tier = "Free"},
     "Free", NULL, 0, 0,
     "tier \"Basic\" in dumps/a.json:10, tier \"Free\" in dumps/b.json:20; "
     "the more severe (\"Free\") decides",
     NULL, 0},
    {"a failing tier beats the flags of a Standard one",
     {.tier = "Standard", .sub_plan = "PerTransaction", .trial = 86400},
     {.tier = "Free", .sub_plan = "PerKeyVault"},
     "Free", "PerKeyVault", 0, 0,
     "the more severe (\"Free\") decides", NULL, 0},
    {"flags of a Standard record do not join a Free decision",
     {.tier = "Free", .sub_plan = "PerKeyVault"},
     {.tier = "Standard", .sub_plan = "PerTransaction", .deprecated = 1},
     "Free", "PerKeyVault", 0, 0, "the more severe", NULL, 0},
};

static void run_pair(const pair_case *c, bool swap)
{
    const char *inputs[] = {"in/subs.json", "dumps/a.json", "dumps/b.json",
                            NULL};
    tsub subs[] = {{.id = S1, .name = "one"}, {0}};
    tpricing pr[3] = {c->a, c->b, {0}};
    world w = {.subs = subs, .pricings = pr};
    kva_model *m;
    kva_result *r;
    const kva_res_sub *rs;
    char what[256];

    snprintf(what, sizeof what, "%s%s", c->what, swap ? " (swapped)" : "");
    pr[0].sub = pr[1].sub = S1;
    pr[0].in = 2;
    pr[0].line = 10;
    pr[1].in = 3;
    pr[1].line = 20;
    if (swap) {
        tpricing t = pr[0];
        pr[0] = pr[1];
        pr[1] = t;
    }
    memcpy((void *)w.inputs, inputs, sizeof inputs);
    m = build(&w);
    r = eval(m);
    rs = rsub(r, S1);
    if (kva_strcasecmp(rs->tier, c->tier) != 0 ||
        (c->sub_plan ? !rs->sub_plan ||
                           kva_strcasecmp(rs->sub_plan, c->sub_plan) != 0
                     : rs->sub_plan != NULL) ||
        rs->trial_remaining_s != c->trial ||
        (rs->flags & (LEG | TRI | DEP)) != c->flags)
        fail_msg("%s: tier %s sub-plan %s trial %lld flags %#x", what,
                 rs->tier ? rs->tier : "(null)",
                 rs->sub_plan ? rs->sub_plan : "(null)",
                 (long long)rs->trial_remaining_s, rs->flags);
    if (!c->conflict) {
        if (count_warn(r, "conflicting_evidence"))
            fail_msg("%s: unexpected %s", what,
                     find_warn(r, "conflicting_evidence")->message);
    } else {
        const char *msg;
        assert_int_equal(count_warn(r, "conflicting_evidence"), 1);
        msg = find_warn(r, "conflicting_evidence")->message;
        /* the message lists the records in the order met */
        if (!swap) {
            assert_contains(msg, c->conflict);
        } else {
            assert_contains(msg, "dumps/a.json:10");
            assert_contains(msg, "dumps/b.json:20");
        }
        if (c->decides)
            assert_contains(msg, strcmp(c->decides, "a") == 0
                                     ? "the one in dumps/a.json:10 decides"
                                     : "the one in dumps/b.json:20 decides");
    }
    if (c->trial_line) {
        assert_int_equal(count_warn(r, "trial_ending"), 1);
        assert_int_equal(find_warn(r, "trial_ending")->line, c->trial_line);
    } else {
        assert_int_equal(count_warn(r, "trial_ending"), 0);
    }
    done(r, m);
}

static void test_conflict_same_tier_order_independent(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof pair_cases / sizeof pair_cases[0]; i++) {
        run_pair(&pair_cases[i], false);
        run_pair(&pair_cases[i], true);
    }
}

static void test_identical_duplicates_no_warning(void **state)
{
    tsub subs[] = {{.id = S1, .name = "one"}, {0}};
    tpricing pr[] = {{.sub = S1, .tier = "Standard"},
                     {.sub = S1, .tier = "standard", .in = IN_VAULTS},
                     {.sub = S1, .tier = "Free", .plan = "default"},
                     {0}};
    world w = {.subs = subs, .pricings = pr};
    kva_model *m = build(&w);
    kva_result *r = eval(m);
    (void)state;

    assert_int_equal(r->subs[0].status, KVA_ST_COMPLIANT);
    assert_int_equal(count_warn(r, "conflicting_evidence"), 0);
    assert_ptr_equal(r->subs[0].pricing, &m->pricings[0]);
    done(r, m);
}

static void test_unlisted_subscription(void **state)
{
    tsub subs[] = {{.id = S1, .name = "one"}, {0}};
    tpricing pr[] = {{.sub = S1, .tier = "Standard"},
                     {.sub = S2, .tier = "Standard"},
                     {0}};
    tvault vs[] = {{.name = "kv3", .sub = S3}, {0}};
    world w = {.subs = subs, .pricings = pr, .vaults = vs};
    kva_model *m = build(&w);
    kva_result *r = eval(m);
    (void)state;

    assert_int_equal(r->n_subs, 3);
    assert_int_equal(count_warn(r, "unlisted_subscription"), 2);
    assert_int_equal(count_warn(r, "no_subscription_inventory"), 0);
    for (size_t i = 0; i < r->n_warnings; i++) {
        const kva_res_warning *wn = &r->warnings[i];
        assert_true(strcmp(wn->sub_id, S2) == 0 ||
                    strcmp(wn->sub_id, S3) == 0);
        assert_contains(wn->message, wn->sub_id);
        assert_contains(wn->message, "not in the subscription inventory");
    }
    /* Unlisted subscriptions are in scope. */
    assert_int_equal(r->kpis.subscriptions_in_scope, 3);
    assert_int_equal(rsub(r, S3)->status, KVA_ST_NO_EVIDENCE);
    done(r, m);
}

static void test_no_subscription_inventory(void **state)
{
    tpricing pr[] = {{.sub = S1, .tier = "Standard"},
                     {.sub = S2, .tier = "Free"},
                     {0}};
    world w = {.pricings = pr};
    kva_model *m = build(&w);
    kva_result *r = eval(m);
    const kva_res_warning *wn;
    (void)state;

    assert_int_equal(count_warn(r, "no_subscription_inventory"), 1);
    assert_int_equal(count_warn(r, "unlisted_subscription"), 0);
    wn = find_warn(r, "no_subscription_inventory");
    assert_null(wn->sub_id);
    assert_null(wn->path);
    assert_int_equal(r->kpis.subscriptions_in_scope, 2);
    done(r, m);
}

static void test_flag_legacy_subplan(void **state)
{
    tsub subs[] = {{.id = S1, .name = "a"}, {.id = S2, .name = "b"},
                   {.id = S3, .name = "c"}, {0}};
    tpricing pr[] = {{.sub = S1, .tier = "Standard", .sub_plan = "PerTransaction"},
                     {.sub = S2, .tier = "Standard", .sub_plan = "pertransaction"},
                     {.sub = S3, .tier = "Standard", .sub_plan = "PerKeyVault"},
                     {0}};
    world w = {.subs = subs, .pricings = pr};
    kva_model *m = build(&w);
    kva_result *r = eval(m);
    (void)state;

    assert_true(rsub(r, S1)->flags & KVA_FLAG_LEGACY_SUBPLAN);
    assert_true(rsub(r, S2)->flags & KVA_FLAG_LEGACY_SUBPLAN);
    assert_false(rsub(r, S3)->flags & KVA_FLAG_LEGACY_SUBPLAN);
    /* Flags never change the status. */
    assert_int_equal(rsub(r, S1)->status, KVA_ST_COMPLIANT);
    done(r, m);
}

static void test_flag_trial_ending(void **state)
{
    static const struct {
        int64_t seconds;
        const char *days;
    } cases[] = {{1, "billing starts in 1 day"},
                 {86400, "billing starts in 1 day"},
                 {86401, "billing starts in 2 days"},
                 {29 * 86400 + 83400, "billing starts in 30 days"}};
    (void)state;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tsub subs[] = {{.id = S1, .name = "a"}, {0}};
        tpricing pr[] = {{.sub = S1, .tier = "Standard",
                          .trial = cases[i].seconds},
                         {0}};
        world w = {.subs = subs, .pricings = pr};
        kva_model *m = build(&w);
        kva_result *r = eval(m);
        const kva_res_warning *wn;

        assert_true(r->subs[0].flags & KVA_FLAG_TRIAL_ENDING);
        assert_int_equal(r->subs[0].status, KVA_ST_COMPLIANT);
        assert_int_equal(count_warn(r, "trial_ending"), 1);
        wn = find_warn(r, "trial_ending");
        assert_contains(wn->message, cases[i].days);
        assert_string_equal(wn->message + strlen(wn->message) -
                                strlen(cases[i].days),
                            cases[i].days);
        assert_string_equal(wn->sub_id, S1);
        assert_string_equal(wn->path, "in/pricings.json");
        done(r, m);
    }
}

static void test_flag_trial_not_when_free_or_zero(void **state)
{
    tsub subs[] = {{.id = S1, .name = "a"}, {.id = S2, .name = "b"},
                   {.id = S3, .name = "c"}, {0}};
    tpricing pr[] = {{.sub = S1, .tier = "Free", .trial = 86400 * 20},
                     {.sub = S2, .tier = "Standard", .trial = 0},
                     {.sub = S3, .tier = "Standard",
                      .trial = KVA_UNKNOWN_SECONDS},
                     {0}};
    world w = {.subs = subs, .pricings = pr};
    kva_model *m = build(&w);
    kva_result *r = eval(m);
    (void)state;

    for (size_t i = 0; i < r->n_subs; i++)
        assert_false(r->subs[i].flags & KVA_FLAG_TRIAL_ENDING);
    assert_int_equal(count_warn(r, "trial_ending"), 0);
    done(r, m);
}

static void test_flag_deprecated_plan(void **state)
{
    tsub subs[] = {{.id = S1, .name = "a"}, {.id = S2, .name = "b"},
                   {.id = S3, .name = "c"}, {0}};
    tpricing pr[] = {{.sub = S1, .tier = "Free", .deprecated = 1},
                     {.sub = S2, .tier = "Standard", .deprecated = 0},
                     {.sub = S3, .tier = "Standard", .deprecated = -1},
                     {0}};
    world w = {.subs = subs, .pricings = pr};
    kva_model *m = build(&w);
    kva_result *r = eval(m);
    (void)state;

    assert_true(rsub(r, S1)->flags & KVA_FLAG_DEPRECATED_PLAN);
    assert_int_equal(rsub(r, S1)->status, KVA_ST_NONCOMPLIANT);
    assert_false(rsub(r, S2)->flags & KVA_FLAG_DEPRECATED_PLAN);
    assert_false(rsub(r, S3)->flags & KVA_FLAG_DEPRECATED_PLAN);
    done(r, m);
}

/* Pricing flags describe an in-scope subscription's plan: a disabled one
 * gets none (its tier is still shown). */
static void test_flags_not_on_not_applicable(void **state)
{
    tsub subs[] = {{.id = S1, .name = "a", .state = "Disabled",
                    .tags = {"owner", "x"}},
                   {0}};
    tpricing pr[] = {{.sub = S1, .tier = "Standard", .trial = 3600,
                      .sub_plan = "PerTransaction", .deprecated = 1},
                     {0}};
    world w = {.subs = subs, .pricings = pr};
    kva_model *m = build(&w);
    kva_result *r = eval(m);
    (void)state;

    assert_int_equal(r->subs[0].status, KVA_ST_NOT_APPLICABLE);
    assert_int_equal(r->subs[0].flags, 0);
    assert_string_equal(r->subs[0].tier, "Standard");
    assert_int_equal(count_warn(r, "trial_ending"), 0);
    done(r, m);
}

static void test_flag_owner_missing(void **state)
{
    tsub subs[] = {
        {.id = S1, .name = "sub owner", .tags = {"owner", "alice"}},
        {.id = S2, .name = "no owner, no vaults"},
        {.id = S3, .name = "no owner, all vaults owned"},
        {.id = S4, .name = "no owner, one vault unowned"},
        {.id = S5, .name = "blank owner tag", .tags = {"owner", "   "}},
        {0}};
    tpricing pr[] = {{.sub = S1, .tier = "Standard"},
                     {.sub = S2, .tier = "Standard"},
                     {.sub = S3, .tier = "Standard"},
                     {.sub = S4, .tier = "Standard"},
                     {.sub = S5, .tier = "Standard"},
                     {0}};
    tvault vs[] = {{.name = "kv1", .sub = S1},
                   {.name = "kv3", .sub = S3, .tags = {"owner", "bob"}},
                   {.name = "kv4a", .sub = S4, .tags = {"contact", "carol"}},
                   {.name = "kv4b", .sub = S4},
                   {0}};
    world w = {.subs = subs, .pricings = pr, .vaults = vs};
    kva_model *m = build(&w);
    kva_result *r = eval(m);
    (void)state;

    assert_false(rsub(r, S1)->flags & KVA_FLAG_OWNER_MISSING);
    assert_true(rsub(r, S2)->flags & KVA_FLAG_OWNER_MISSING);
    assert_false(rsub(r, S3)->flags & KVA_FLAG_OWNER_MISSING);
    assert_true(rsub(r, S4)->flags & KVA_FLAG_OWNER_MISSING);
    assert_true(rsub(r, S5)->flags & KVA_FLAG_OWNER_MISSING);
    assert_int_equal(rsub(r, S1)->status, KVA_ST_COMPLIANT);
    done(r, m);
}

static void test_exception_exempts_noncompliant(void **state)
{
    tsub subs[] = {{.id = S1, .name = "a"}, {0}};
    tpricing pr[] = {{.sub = S1, .tier = "Free"}, {0}};
    texc ex[] = {{.sub = S1, .expires = "2027-06-30", .ticket = "SEC-1"},
                 {0}};
    world w = {.subs = subs, .pricings = pr, .excs = ex};
    kva_model *m = build(&w);
    kva_result *r = eval(m);
    (void)state;

    assert_int_equal(r->subs[0].status, KVA_ST_EXEMPT);
    assert_ptr_equal(r->subs[0].exception, &r->exceptions[0]);
    assert_int_equal(r->exceptions[0].state, KVA_EXC_ACTIVE);
    assert_ptr_equal(r->exceptions[0].exc, &m->exceptions[0]);
    assert_string_equal(r->exceptions[0].sub_name, "a");
    assert_string_equal(r->exceptions[0].path, "in/exceptions.json");
    assert_int_equal(r->exceptions[0].days_left,
                     (day("2027-06-30") + 86400 - AS_OF) / 86400);
    assert_int_equal(r->subs[0].flags &
                         (KVA_FLAG_EXCEPTION_EXPIRED |
                          KVA_FLAG_EXCEPTION_EXPIRING),
                     0);
    assert_true(r->pass);
    done(r, m);
}

static void test_exception_exempts_no_evidence(void **state)
{
    tsub subs[] = {{.id = S1, .name = "a"}, {0}};
    texc ex[] = {{.sub = S1, .expires = "2027-06-30"}, {0}};
    world w = {.subs = subs, .excs = ex};
    kva_model *m = build(&w);
    kva_result *r = eval(m);
    (void)state;

    assert_int_equal(r->subs[0].status, KVA_ST_EXEMPT);
    assert_int_equal(r->exceptions[0].state, KVA_EXC_ACTIVE);
    done(r, m);
}

/* Active through the whole expires day (UTC): 23:59:59 is in, the next
 * second is out. */
static void test_exception_expiry_boundary(void **state)
{
    tsub subs[] = {{.id = S1, .name = "a"}, {0}};
    tpricing pr[] = {{.sub = S1, .tier = "Free"}, {0}};
    texc ex[] = {{.sub = S1, .expires = "2026-11-23", .ticket = "SEC-9"},
                 {0}};
    world w = {.subs = subs, .pricings = pr, .excs = ex};
    kva_model *m = build(&w);
    int64_t end = day("2026-11-23") + 86400;
    kva_result *r = eval_at(m, end - 1);
    const kva_res_warning *wn;
    (void)state;

    assert_int_equal(r->subs[0].status, KVA_ST_EXEMPT);
    assert_int_equal(r->exceptions[0].state, KVA_EXC_EXPIRING);
    assert_int_equal(r->exceptions[0].days_left, 0);
    assert_true(r->subs[0].flags & KVA_FLAG_EXCEPTION_EXPIRING);
    assert_int_equal(count_warn(r, "exception_expired"), 0);
    kva_result_free(r);

    r = eval_at(m, end);
    assert_int_equal(r->subs[0].status, KVA_ST_NONCOMPLIANT);
    assert_int_equal(r->exceptions[0].state, KVA_EXC_EXPIRED);
    assert_true(r->exceptions[0].days_left < 0);
    assert_true(r->subs[0].flags & KVA_FLAG_EXCEPTION_EXPIRED);
    assert_false(r->subs[0].flags & KVA_FLAG_EXCEPTION_EXPIRING);
    assert_ptr_equal(r->subs[0].exception, &r->exceptions[0]);
    assert_int_equal(count_warn(r, "exception_expired"), 1);
    wn = find_warn(r, "exception_expired");
    assert_string_equal(wn->sub_id, S1);
    assert_string_equal(wn->path, "in/exceptions.json");
    assert_int_equal(wn->line, 5);
    assert_contains(wn->message, "2026-11-23");
    assert_contains(wn->message, "noncompliant");
    assert_false(r->pass);
    kva_result_free(r);

    r = eval_at(m, end + 86400 * 3 + 5);
    assert_int_equal(r->exceptions[0].days_left, -4);
    done(r, m);
}

/* Expiring: ends within 30 days (end - as_of <= 30 days). */
static void test_exception_expiring_window(void **state)
{
    tsub subs[] = {{.id = S1, .name = "a"}, {0}};
    tpricing pr[] = {{.sub = S1, .tier = "Free"}, {0}};
    texc ex[] = {{.sub = S1, .expires = "2026-12-31"}, {0}};
    world w = {.subs = subs, .pricings = pr, .excs = ex};
    kva_model *m = build(&w);
    int64_t end = day("2026-12-31") + 86400;
    kva_result *r = eval_at(m, end - 30 * 86400);
    (void)state;

    assert_int_equal(r->exceptions[0].state, KVA_EXC_EXPIRING);
    assert_int_equal(r->exceptions[0].days_left, 30);
    assert_true(r->subs[0].flags & KVA_FLAG_EXCEPTION_EXPIRING);
    assert_int_equal(r->subs[0].status, KVA_ST_EXEMPT);
    kva_result_free(r);

    r = eval_at(m, end - 30 * 86400 - 1);
    assert_int_equal(r->exceptions[0].state, KVA_EXC_ACTIVE);
    assert_int_equal(r->exceptions[0].days_left, 30);
    assert_false(r->subs[0].flags & KVA_FLAG_EXCEPTION_EXPIRING);
    assert_int_equal(r->subs[0].status, KVA_ST_EXEMPT);
    done(r, m);
}

static void test_exception_unused(void **state)
{
    tsub subs[] = {{.id = S1, .name = "compliant"},
                   {.id = S2, .name = "disabled", .state = "Disabled"},
                   {0}};
    tpricing pr[] = {{.sub = S1, .tier = "Standard"}, {0}};
    texc ex[] = {{.sub = S1, .expires = "2027-06-30"},
                 {.sub = S2, .expires = "2020-01-01"},
                 {0}};
    world w = {.subs = subs, .pricings = pr, .excs = ex};
    kva_model *m = build(&w);
    kva_result *r = eval(m);
    (void)state;

    assert_int_equal(r->exceptions[0].state, KVA_EXC_UNUSED);
    assert_int_equal(r->exceptions[1].state, KVA_EXC_UNUSED);
    assert_int_equal(rsub(r, S1)->status, KVA_ST_COMPLIANT);
    assert_int_equal(rsub(r, S2)->status, KVA_ST_NOT_APPLICABLE);
    assert_int_equal(rsub(r, S1)->flags & KVA_FLAG_EXCEPTION_EXPIRED, 0);
    assert_int_equal(rsub(r, S2)->flags & KVA_FLAG_EXCEPTION_EXPIRED, 0);
    assert_int_equal(count_warn(r, "exception_expired"), 0);
    done(r, m);
}

static void test_exception_unknown_subscription(void **state)
{
    tsub subs[] = {{.id = S1, .name = "a"}, {0}};
    texc ex[] = {{.sub = S9, .expires = "2027-06-30"},
                 {.sub = "not-a-guid", .expires = "2027-06-30"},
                 {0}};
    world w = {.subs = subs, .excs = ex};
    kva_model *m = build(&w);
    kva_result *r = eval(m);
    const kva_res_warning *wn;
    (void)state;

    assert_int_equal(r->n_exceptions, 2);
    assert_int_equal(r->exceptions[0].state, KVA_EXC_UNUSED);
    assert_null(r->exceptions[0].sub_name);
    assert_int_equal(r->exceptions[1].state, KVA_EXC_UNUSED);
    assert_int_equal(count_warn(r, "exception_unknown_subscription"), 2);
    wn = find_warn(r, "exception_unknown_subscription");
    assert_string_equal(wn->sub_id, S9);
    assert_contains(wn->message, S9);
    assert_string_equal(wn->path, "in/exceptions.json");
    assert_int_equal(rsub(r, S1)->status, KVA_ST_NO_EVIDENCE);
    done(r, m);
}

static void test_duplicate_exception_latest_applies(void **state)
{
    tsub subs[] = {{.id = S1, .name = "a"}, {0}};
    tpricing pr[] = {{.sub = S1, .tier = "Free"}, {0}};
    texc ex[] = {{.sub = S1, .expires = "2026-11-01", .ticket = "OLD"},
                 {.sub = S1, .expires = "2027-03-31", .ticket = "NEW"},
                 {.sub = S1, .expires = "2026-12-01", .ticket = "MID"},
                 {0}};
    world w = {.subs = subs, .pricings = pr, .excs = ex};
    kva_model *m = build(&w);
    kva_result *r = eval(m);
    (void)state;

    assert_ptr_equal(r->subs[0].exception, &r->exceptions[1]);
    assert_string_equal(r->subs[0].exception->exc->ticket, "NEW");
    assert_int_equal(r->subs[0].status, KVA_ST_EXEMPT);
    assert_int_equal(r->exceptions[0].state, KVA_EXC_EXPIRED);
    assert_int_equal(r->exceptions[1].state, KVA_EXC_ACTIVE);
    assert_int_equal(r->exceptions[2].state, KVA_EXC_EXPIRING);
    assert_int_equal(count_warn(r, "duplicate_exception"), 2);
    assert_contains(find_warn(r, "duplicate_exception")->message,
                    "2027-03-31");
    /* The superseded expired one does not flag the subscription. */
    assert_false(r->subs[0].flags & KVA_FLAG_EXCEPTION_EXPIRED);
    assert_int_equal(count_warn(r, "exception_expired"), 0);
    done(r, m);
}

static void test_vault_level_pricing(void **state)
{
    tsub subs[] = {{.id = S1, .name = "free sub"},
                   {.id = S2, .name = "standard sub"},
                   {0}};
    tpricing pr[] = {
        {.sub = S1, .tier = "Free"},
        {.sub = S2, .tier = "Standard"},
        {.sub = S1, .tier = "Standard", .scope = KVA_SCOPE_RESOURCE,
         .resource = VID(S1, "kv-on")},
        {.sub = S2, .tier = "Free", .scope = KVA_SCOPE_RESOURCE,
         .resource = "/SUBSCRIPTIONS/" S2 "/resourcegroups/RG/providers/"
                     "microsoft.keyvault/VAULTS/KV-OFF"},
        {0}};
    tvault vs[] = {{.name = "kv-on", .sub = S1},
                   {.name = "kv-plain", .sub = S1},
                   {.name = "kv-off", .sub = S2},
                   {.name = "kv-std", .sub = S2},
                   {0}};
    world w = {.subs = subs, .pricings = pr, .vaults = vs};
    kva_model *m = build(&w);
    kva_result *r = eval(m);
    (void)state;

    assert_true(rvault(r, S1, "kv-on")->covered);
    assert_ptr_equal(rvault(r, S1, "kv-on")->vault_pricing, &m->pricings[2]);
    assert_false(rvault(r, S1, "kv-plain")->covered);
    assert_null(rvault(r, S1, "kv-plain")->vault_pricing);
    assert_false(rvault(r, S2, "kv-off")->covered);
    assert_ptr_equal(rvault(r, S2, "kv-off")->vault_pricing, &m->pricings[3]);
    assert_true(rvault(r, S2, "kv-std")->covered);
    /* Vault-level pricings never change the subscription's status. */
    assert_int_equal(rsub(r, S1)->status, KVA_ST_NONCOMPLIANT);
    assert_int_equal(rsub(r, S2)->status, KVA_ST_COMPLIANT);
    assert_int_equal(rsub(r, S1)->vaults, 2);
    assert_int_equal(rsub(r, S1)->vaults_covered, 1);
    assert_int_equal(rsub(r, S2)->vaults_covered, 1);
    done(r, m);
}

static void test_vault_level_conflict(void **state)
{
    tsub subs[] = {{.id = S1, .name = "a"}, {0}};
    tpricing pr[] = {
        {.sub = S1, .tier = "Standard"},
        {.sub = S1, .tier = "Standard", .scope = KVA_SCOPE_RESOURCE,
         .resource = VID(S1, "kv")},
        {.sub = S1, .tier = "Free", .scope = KVA_SCOPE_RESOURCE,
         .resource = VID(S1, "kv"), .in = IN_VAULTS},
        {0}};
    tvault vs[] = {{.name = "kv", .sub = S1}, {0}};
    world w = {.subs = subs, .pricings = pr, .vaults = vs};
    kva_model *m = build(&w);
    kva_result *r = eval(m);
    (void)state;

    assert_false(rvault(r, S1, "kv")->covered);
    assert_int_equal(count_warn(r, "conflicting_evidence"), 1);
    assert_contains(find_warn(r, "conflicting_evidence")->message,
                    "in/vaults.json");
    done(r, m);
}

/* A vault-scope record marked inherited only mirrors the subscription's
 * plan: it neither uncovers nor covers the vault. */
static void test_vault_level_inherited_ignored(void **state)
{
    tsub subs[] = {{.id = S1, .name = "standard sub"},
                   {.id = S2, .name = "free sub"},
                   {0}};
    tpricing pr[] = {
        {.sub = S1, .tier = "Standard"},
        {.sub = S2, .tier = "Free"},
        {.sub = S1, .tier = "Free", .scope = KVA_SCOPE_RESOURCE,
         .resource = VID(S1, "kv-inherited"), .inherited = 1},
        {.sub = S1, .tier = "Free", .scope = KVA_SCOPE_RESOURCE,
         .resource = VID(S1, "kv-own"), .inherited = 0},
        {.sub = S1, .tier = "Free", .scope = KVA_SCOPE_RESOURCE,
         .resource = VID(S1, "kv-unsaid"), .inherited = -1},
        {.sub = S2, .tier = "Standard", .scope = KVA_SCOPE_RESOURCE,
         .resource = VID(S2, "kv-mirror"), .inherited = 1},
        /* an inherited copy beside the vault's own record: no conflict */
        {.sub = S2, .tier = "Standard", .scope = KVA_SCOPE_RESOURCE,
         .resource = VID(S2, "kv-both"), .inherited = 0},
        {.sub = S2, .tier = "Free", .scope = KVA_SCOPE_RESOURCE,
         .resource = VID(S2, "kv-both"), .inherited = 1},
        {0}};
    tvault vs[] = {{.name = "kv-inherited", .sub = S1},
                   {.name = "kv-own", .sub = S1},
                   {.name = "kv-unsaid", .sub = S1},
                   {.name = "kv-mirror", .sub = S2},
                   {.name = "kv-both", .sub = S2},
                   {0}};
    world w = {.subs = subs, .pricings = pr, .vaults = vs};
    kva_model *m = build(&w);
    kva_result *r = eval(m);
    (void)state;

    assert_true(rvault(r, S1, "kv-inherited")->covered);
    assert_null(rvault(r, S1, "kv-inherited")->vault_pricing);
    assert_false(rvault(r, S1, "kv-own")->covered);
    assert_false(rvault(r, S1, "kv-unsaid")->covered);
    assert_false(rvault(r, S2, "kv-mirror")->covered);
    assert_null(rvault(r, S2, "kv-mirror")->vault_pricing);
    assert_true(rvault(r, S2, "kv-both")->covered);
    assert_ptr_equal(rvault(r, S2, "kv-both")->vault_pricing, &m->pricings[6]);
    assert_int_equal(count_warn(r, "conflicting_evidence"), 0);
    assert_int_equal(rsub(r, S1)->vaults_covered, 1);
    assert_int_equal(r->kpis.vaults_covered, 2);
    /* still evidence of the subscription */
    assert_int_equal(rsub(r, S1)->n_evidence, 3);
    done(r, m);
}

/* An exception accepts the risk; it does not cover the vaults. */
static void test_exempt_vaults_not_covered(void **state)
{
    tsub subs[] = {{.id = S1, .name = "a"}, {0}};
    tpricing pr[] = {{.sub = S1, .tier = "Free"}, {0}};
    tvault vs[] = {{.name = "kv", .sub = S1}, {0}};
    texc ex[] = {{.sub = S1, .expires = "2027-06-30"}, {0}};
    world w = {.subs = subs, .pricings = pr, .vaults = vs, .excs = ex};
    kva_model *m = build(&w);
    kva_result *r = eval(m);
    (void)state;

    assert_int_equal(r->subs[0].status, KVA_ST_EXEMPT);
    assert_false(r->vaults[0].covered);
    assert_true(r->vaults[0].counted);
    assert_int_equal(r->kpis.vaults_covered, 0);
    assert_int_equal(r->kpis.vaults_total, 1);
    done(r, m);
}

static void test_not_applicable_vaults_listed_not_counted(void **state)
{
    tsub subs[] = {{.id = S1, .name = "gone", .state = "Deleted"},
                   {.id = S2, .name = "live"},
                   {0}};
    tpricing pr[] = {{.sub = S1, .tier = "Standard"},
                     {.sub = S2, .tier = "Standard"},
                     {.sub = S1, .tier = "Standard",
                      .scope = KVA_SCOPE_RESOURCE,
                      .resource = VID(S1, "kv1")},
                     {0}};
    tvault vs[] = {{.name = "kv1", .sub = S1},
                   {.name = "kv2", .sub = S1},
                   {.name = "kv3", .sub = S2},
                   {0}};
    world w = {.subs = subs, .pricings = pr, .vaults = vs};
    kva_model *m = build(&w);
    kva_result *r = eval(m);
    (void)state;

    assert_int_equal(r->n_vaults, 3);
    assert_false(rvault(r, S1, "kv1")->counted);
    assert_false(rvault(r, S1, "kv1")->covered);
    assert_false(rvault(r, S1, "kv2")->counted);
    assert_true(rvault(r, S2, "kv3")->counted);
    assert_int_equal(r->kpis.vaults_total, 1);
    assert_int_equal(r->kpis.vaults_covered, 1);
    assert_int_equal(rsub(r, S1)->vaults, 2);
    assert_int_equal(rsub(r, S1)->vaults_covered, 0);
    done(r, m);
}

static void test_owner_resolution_default_tags(void **state)
{
    tsub subs[] = {{.id = S1, .name = "a", .tags = {"businessOwner", "Team A"}},
                   {.id = S2, .name = "b"},
                   {0}};
    tvault vs[] = {{.name = "own", .sub = S1, .tags = {"Owner", "Ölga"}},
                   {.name = "inherit", .sub = S1},
                   {.name = "none", .sub = S2},
                   {.name = "late key", .sub = S2,
                    .tags = {"contact", "c@x", "ownerEmail", "e@x"}},
                   {0}};
    world w = {.subs = subs, .vaults = vs};
    kva_model *m = build(&w);
    kva_result *r = eval(m);
    const kva_res_vault *v;
    (void)state;

    v = rvault(r, S1, "own");
    assert_string_equal(v->owner, "Ölga");
    assert_int_equal(v->owner_source, KVA_SRC_VAULT);
    v = rvault(r, S1, "inherit");
    assert_string_equal(v->owner, "Team A");
    assert_int_equal(v->owner_source, KVA_SRC_SUBSCRIPTION);
    v = rvault(r, S2, "none");
    assert_null(v->owner);
    assert_int_equal(v->owner_source, KVA_SRC_NONE);
    /* Key order decides, not tag order: ownerEmail comes before contact. */
    v = rvault(r, S2, "late key");
    assert_string_equal(v->owner, "e@x");
    assert_string_equal(rsub(r, S1)->owner, "Team A");
    assert_int_equal(rsub(r, S1)->owner_source, KVA_SRC_SUBSCRIPTION);
    assert_null(rsub(r, S2)->owner);
    assert_int_equal(rsub(r, S2)->owner_source, KVA_SRC_NONE);
    done(r, m);
}

static void test_owner_custom_tags_case_and_blank(void **state)
{
    static const char *const owner_tags[] = {"team", "owner"};
    tsub subs[] = {{.id = S1, .name = "a", .tags = {"owner", "sub-owner"}},
                   {0}};
    tvault vs[] = {
        {.name = "v1", .sub = S1, .tags = {"owner", "x", "TEAM", "red"}},
        {.name = "v2", .sub = S1, .tags = {"Team", "  ", "OWNER", "  bob  "}},
        {.name = "v3", .sub = S1, .tags = {"businessOwner", "ignored"}},
        {.name = "v4", .sub = S1, .tags = {"team", NULL}},
        {0}};
    world w = {.subs = subs, .vaults = vs};
    kva_model *m = build(&w);
    kva_eval_opts o = {.as_of = AS_OF,
                       .owner_tags = owner_tags,
                       .n_owner_tags = 2,
                       .env_tags = kva_default_env_tags,
                       .n_env_tags = kva_default_env_tags_n};
    kva_result *r = eval_opts(m, &o);
    (void)state;

    assert_string_equal(rvault(r, S1, "v1")->owner, "red");
    assert_string_equal(rvault(r, S1, "v2")->owner, "bob");
    assert_int_equal(rvault(r, S1, "v2")->owner_source, KVA_SRC_VAULT);
    assert_string_equal(rvault(r, S1, "v3")->owner, "sub-owner");
    assert_int_equal(rvault(r, S1, "v3")->owner_source, KVA_SRC_SUBSCRIPTION);
    assert_string_equal(rvault(r, S1, "v4")->owner, "sub-owner");
    done(r, m);
}

static void test_env_normalise(void **state)
{
    static const struct {
        const char *in, *want;
    } cases[] = {{"prod", "production"},   {"PRD", "production"},
                 {"Production", "production"}, {"live", "production"},
                 {"LiVe", "production"},   {" prod ", "production"},
                 {"", "unknown"},          {"   ", "unknown"},
                 {"dev", "dev"},           {"Staging", "Staging"},
                 {"production-eu", "production-eu"},
                 {"pro", "pro"}};
    (void)state;

    assert_string_equal(kva_env_normalise(NULL), "unknown");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = kva_env_normalise(cases[i].in);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("env \"%s\": got \"%s\", want \"%s\"", cases[i].in, got,
                     cases[i].want);
    }
}

static void test_env_resolution(void **state)
{
    static const char *const env_tags[] = {"stage", "env"};
    tsub subs[] = {{.id = S1, .name = "a", .tags = {"env", "PRD"}},
                   {.id = S2, .name = "b"},
                   {0}};
    tvault vs[] = {{.name = "own", .sub = S1, .tags = {"Stage", "Test"}},
                   {.name = "inherit", .sub = S1},
                   {.name = "none", .sub = S2},
                   {.name = "order", .sub = S2,
                    .tags = {"env", "live", "stage", " qa "}},
                   {0}};
    world w = {.subs = subs, .vaults = vs};
    kva_model *m = build(&w);
    kva_eval_opts o = {.as_of = AS_OF,
                       .owner_tags = kva_default_owner_tags,
                       .n_owner_tags = kva_default_owner_tags_n,
                       .env_tags = env_tags,
                       .n_env_tags = 2};
    kva_result *r = eval_opts(m, &o);
    (void)state;

    assert_string_equal(rsub(r, S1)->environment, "production");
    assert_string_equal(rsub(r, S2)->environment, "unknown");
    assert_string_equal(rvault(r, S1, "own")->environment, "Test");
    assert_string_equal(rvault(r, S1, "inherit")->environment, "production");
    assert_string_equal(rvault(r, S2, "none")->environment, "unknown");
    assert_string_equal(rvault(r, S2, "order")->environment, "qa");
    done(r, m);
}

static void test_kpis_counts(void **state)
{
    tsub subs[] = {{.id = S1, .name = "compliant"},
                   {.id = S2, .name = "exempt", .tags = {"owner", "o2"}},
                   {.id = S3, .name = "noncompliant"},
                   {.id = S4, .name = "no evidence"},
                   {.id = S5, .name = "disabled", .state = "Disabled"},
                   {0}};
    tpricing pr[] = {{.sub = S1, .tier = "Standard"},
                     {.sub = S2, .tier = "Free"},
                     {.sub = S3, .tier = "Free"},
                     {.sub = S1, .tier = "Free", .scope = KVA_SCOPE_RESOURCE,
                      .resource = VID(S1, "kv1b")},
                     {.sub = S3, .tier = "Standard",
                      .scope = KVA_SCOPE_RESOURCE,
                      .resource = VID(S3, "kv3")},
                     {0}};
    tvault vs[] = {{.name = "kv1a", .sub = S1, .tags = {"owner", "o1"}},
                   {.name = "kv1b", .sub = S1},
                   {.name = "kv2", .sub = S2},
                   {.name = "kv3", .sub = S3},
                   {.name = "kv5a", .sub = S5, .tags = {"owner", "o5"}},
                   {.name = "kv5b", .sub = S5},
                   {0}};
    texc ex[] = {{.sub = S2, .expires = "2027-06-30"}, {0}};
    world w = {.subs = subs, .pricings = pr, .vaults = vs, .excs = ex};
    kva_model *m = build(&w);
    kva_result *r = eval(m);
    const kva_kpis *k = &r->kpis;
    (void)state;

    assert_int_equal(k->subscriptions_total, 5);
    assert_int_equal(k->subscriptions_in_scope, 4);
    assert_int_equal(k->by_status[KVA_ST_COMPLIANT], 1);
    assert_int_equal(k->by_status[KVA_ST_EXEMPT], 1);
    assert_int_equal(k->by_status[KVA_ST_NONCOMPLIANT], 1);
    assert_int_equal(k->by_status[KVA_ST_NO_EVIDENCE], 1);
    assert_int_equal(k->by_status[KVA_ST_NOT_APPLICABLE], 1);
    assert_true(k->subscription_coverage_pct == 25.0);
    assert_true(k->compliance_pct == 50.0);
    assert_int_equal(k->vaults_total, 4);
    assert_int_equal(k->vaults_covered, 2);
    assert_true(k->vault_coverage_pct == 50.0);
    assert_int_equal(k->vaults_with_owner, 2);
    assert_true(k->owner_coverage_pct == 50.0);
    assert_false(k->has_cost);
    assert_false(r->pass);
    done(r, m);
}

static void test_kpis_rounding(void **state)
{
    tsub subs[] = {{.id = S1, .name = "a"}, {.id = S2, .name = "b"},
                   {.id = S3, .name = "c"}, {0}};
    tpricing pr[] = {{.sub = S1, .tier = "Standard"},
                     {.sub = S2, .tier = "Standard"},
                     {.sub = S3, .tier = "Free"},
                     {.sub = S3, .tier = "Standard",
                      .scope = KVA_SCOPE_RESOURCE,
                      .resource = VID(S3, "v1")},
                     {0}};
    tvault vs[] = {{.name = "v1", .sub = S3}, {.name = "v2", .sub = S3},
                   {.name = "v3", .sub = S3}, {.name = "v4", .sub = S3},
                   {.name = "v5", .sub = S3}, {.name = "v6", .sub = S3},
                   {.name = "v7", .sub = S3}, {.name = "v8", .sub = S3},
                   {0}};
    world w = {.subs = subs, .pricings = pr, .vaults = vs};
    kva_model *m = build(&w);
    kva_result *r = eval(m);
    (void)state;

    assert_true(r->kpis.subscription_coverage_pct == 66.7);  /* 2/3 */
    assert_true(r->kpis.compliance_pct == 66.7);
    assert_true(r->kpis.vault_coverage_pct == 12.5);         /* 1/8 */
    assert_true(r->kpis.owner_coverage_pct == 0.0);          /* 0/8 */
    done(r, m);
}

/* Half away from zero on the exact ratio: 1/16 = 6.25 -> 6.3; 1/6 -> 16.7;
 * 1/3 -> 33.3. */
static void test_kpis_half_rounding(void **state)
{
    static const struct {
        size_t covered, total;
        double want;
    } cases[] = {{1, 16, 6.3}, {1, 6, 16.7}, {1, 3, 33.3}, {3, 3, 100.0},
                 {5, 8, 62.5}, {0, 7, 0.0}};
    (void)state;

    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        kva_model *m = kva_model_new();
        kva_input in = {.path = strdup("v.json")};
        kva_result *r;

        assert_int_equal(kva_model_add_input(m, &in, NULL), KVA_OK);
        for (size_t i = 0; i < cases[c].total; i++) {
            char sub[64], id[200];
            kva_pricing p = {0};
            kva_vault v = {0};
            snprintf(sub, sizeof sub, "%08zx-0000-0000-0000-000000000000", i);
            snprintf(id, sizeof id, "/subscriptions/%s/vaults/v", sub);
            p.sub_id = strdup(sub);
            p.plan = strdup("KeyVaults");
            p.tier = strdup(i < cases[c].covered ? "Standard" : "Free");
            p.trial_remaining_s = KVA_UNKNOWN_SECONDS;
            v.id = strdup(id);
            v.name = strdup("v");
            v.sub_id = strdup(sub);
            assert_non_null(kva_model_touch_sub(m, sub, 0));
            assert_int_equal(kva_model_add_pricing(m, &p), KVA_OK);
            assert_int_equal(kva_model_add_vault(m, &v), KVA_OK);
        }
        r = eval(m);
        if (r->kpis.vault_coverage_pct != cases[c].want ||
            r->kpis.subscription_coverage_pct != cases[c].want)
            fail_msg("%zu/%zu: got %.17g / %.17g, want %.1f", cases[c].covered,
                     cases[c].total, r->kpis.vault_coverage_pct,
                     r->kpis.subscription_coverage_pct, cases[c].want);
        done(r, m);
    }
}

static void test_kpis_null_when_empty(void **state)
{
    kva_model *m = kva_model_new();
    kva_result *r = eval(m);
    (void)state;

    assert_int_equal(r->n_subs, 0);
    assert_int_equal(r->kpis.subscriptions_in_scope, 0);
    assert_true(r->kpis.subscription_coverage_pct == -1);
    assert_true(r->kpis.compliance_pct == -1);
    assert_true(r->kpis.vault_coverage_pct == -1);
    assert_true(r->kpis.owner_coverage_pct == -1);
    assert_int_equal(r->kpis.n_by_owner, 0);
    assert_true(r->pass);
    done(r, m);

    /* Only not_applicable subscriptions: nothing in scope. */
    tsub subs[] = {{.id = S1, .name = "a", .state = "Disabled"}, {0}};
    tvault vs[] = {{.name = "kv", .sub = S1}, {0}};
    world w = {.subs = subs, .vaults = vs};
    m = build(&w);
    r = eval(m);
    assert_int_equal(r->kpis.subscriptions_total, 1);
    assert_int_equal(r->kpis.subscriptions_in_scope, 0);
    assert_true(r->kpis.compliance_pct == -1);
    assert_int_equal(r->kpis.vaults_total, 0);
    assert_true(r->kpis.vault_coverage_pct == -1);
    assert_true(r->pass);
    done(r, m);
}

static void check_rows(const char *what, const kva_breakdown *rows, size_t n,
                       const char *const *keys, const size_t *totals,
                       const size_t *covered, size_t want_n)
{
    if (n != want_n)
        fail_msg("%s: %zu rows, want %zu", what, n, want_n);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(rows[i].key, keys[i]) != 0 ||
            rows[i].vaults_total != totals[i] ||
            rows[i].vaults_covered != covered[i])
            fail_msg("%s row %zu: %s %zu/%zu, want %s %zu/%zu", what, i,
                     rows[i].key, rows[i].vaults_covered, rows[i].vaults_total,
                     keys[i], covered[i], totals[i]);
        assert_true(rows[i].vault_coverage_pct ==
                    (double)((1000 * covered[i] + totals[i] / 2) /
                             totals[i]) / 10.0);
    }
}

static void test_breakdowns(void **state)
{
    tsub subs[] = {
        {.id = S1, .name = "a", .tenant = "tenant-b", .mg = "Platform",
         .tags = {"environment", "Production"}},
        {.id = S2, .name = "b", .tenant = "tenant-a", .mg = "Apps"},
        {.id = S3, .name = "c"},
        {.id = S4, .name = "gone", .state = "Disabled", .tenant = "tenant-z",
         .mg = "Zzz", .tags = {"owner", "zed"}},
        {0}};
    tpricing pr[] = {{.sub = S1, .tier = "Standard"},
                     {.sub = S2, .tier = "Free"},
                     {.sub = S3, .tier = "Standard"},
                     {0}};
    tvault vs[] = {
        {.name = "a1", .sub = S1, .tags = {"owner", "bob"}},
        {.name = "a2", .sub = S1, .tags = {"owner", "Alice", "env", "dev"}},
        {.name = "b1", .sub = S2, .tags = {"owner", "bob"}},
        {.name = "b2", .sub = S2},
        {.name = "c1", .sub = S3, .tags = {"env", "prod"}},
        {.name = "z1", .sub = S4},
        {0}};
    world w = {.subs = subs, .pricings = pr, .vaults = vs};
    kva_model *m = build(&w);
    kva_result *r = eval(m);
    const kva_kpis *k = &r->kpis;
    (void)state;

    {
        const char *keys[] = {"(none)", "Alice", "bob"};
        size_t tot[] = {2, 1, 2}, cov[] = {1, 1, 1};
        check_rows("by_owner", k->by_owner, k->n_by_owner, keys, tot, cov, 3);
    }
    {
        const char *keys[] = {"dev", "production", "unknown"};
        size_t tot[] = {1, 2, 2}, cov[] = {1, 2, 0};
        check_rows("by_environment", k->by_environment, k->n_by_environment,
                   keys, tot, cov, 3);
    }
    {
        const char *keys[] = {"(unknown)", "tenant-a", "tenant-b"};
        size_t tot[] = {1, 2, 2}, cov[] = {1, 0, 2};
        check_rows("by_tenant", k->by_tenant, k->n_by_tenant, keys, tot, cov,
                   3);
    }
    {
        const char *keys[] = {"(none)", "Apps", "Platform"};
        size_t tot[] = {1, 2, 2}, cov[] = {1, 0, 2};
        check_rows("by_management_group", k->by_management_group,
                   k->n_by_management_group, keys, tot, cov, 3);
    }
    assert_string_equal(rsub(r, S1)->mgmt_group, "Platform");
    assert_null(rsub(r, S3)->mgmt_group);
    for (size_t i = 0; i < k->n_by_management_group; i++)
        if (strcmp(k->by_management_group[i].key, "(none)") == 0)
            assert_null(k->by_management_group[i].name);
        else
            assert_string_equal(k->by_management_group[i].name,
                                k->by_management_group[i].key);
    for (size_t i = 0; i < k->n_by_owner; i++)
        assert_null(k->by_owner[i].name);
    for (size_t i = 0; i < k->n_by_tenant; i++)
        assert_null(k->by_tenant[i].name);
    done(r, m);
}

/* Management groups are told apart by id: every tenant's root group is
 * called "Tenant Root Group". */
static void test_breakdown_mgmt_group_ids(void **state)
{
    tsub subs[] = {
        {.id = S1, .name = "a", .mg = "Tenant Root Group",
         .mg_id = "aaaaaaaa-0000-0000-0000-000000000001"},
        {.id = S2, .name = "b", .mg = "Tenant Root Group",
         .mg_id = "bbbbbbbb-0000-0000-0000-000000000002"},
        {.id = S3, .name = "c", .mg = "Corp", .mg_id = "mg-corp"},
        {.id = S4, .name = "d", .mg = "Corp", .mg_id = "mg-corp"},
        {.id = S5, .name = "e", .mg = "Legacy"}, /* no id in the evidence */
        {.id = S6, .name = "f"},
        {0}};
    tpricing pr[] = {{.sub = S1, .tier = "Standard"},
                     {.sub = S2, .tier = "Free"},
                     {.sub = S3, .tier = "Standard"},
                     {.sub = S4, .tier = "Free"},
                     {.sub = S5, .tier = "Standard"},
                     {.sub = S6, .tier = "Standard"},
                     {0}};
    tvault vs[] = {{.name = "v1", .sub = S1}, {.name = "v2", .sub = S2},
                   {.name = "v3", .sub = S3}, {.name = "v4", .sub = S4},
                   {.name = "v5", .sub = S5}, {.name = "v6", .sub = S6},
                   {0}};
    world w = {.subs = subs, .pricings = pr, .vaults = vs};
    kva_model *m = build(&w);
    kva_result *r = eval(m);
    const kva_kpis *k = &r->kpis;
    const char *keys[] = {"(none)", "Legacy",
                          "aaaaaaaa-0000-0000-0000-000000000001",
                          "bbbbbbbb-0000-0000-0000-000000000002", "mg-corp"};
    const char *names[] = {NULL, "Legacy", "Tenant Root Group",
                           "Tenant Root Group", "Corp"};
    size_t tot[] = {1, 1, 1, 1, 2}, cov[] = {1, 1, 1, 0, 1};
    (void)state;

    check_rows("by_management_group", k->by_management_group,
               k->n_by_management_group, keys, tot, cov, 5);
    for (size_t i = 0; i < 5; i++) {
        if (!names[i])
            assert_null(k->by_management_group[i].name);
        else
            assert_string_equal(k->by_management_group[i].name, names[i]);
    }
    done(r, m);
}

static void test_cost(void **state)
{
    tsub subs[] = {{.id = S1, .name = "a"}, {.id = S2, .name = "b"}, {0}};
    tpricing pr[] = {{.sub = S1, .tier = "Free"},
                     {.sub = S2, .tier = "Standard"},
                     {0}};
    tvault vs[] = {{.name = "v1", .sub = S1}, {.name = "v2", .sub = S1},
                   {.name = "v3", .sub = S1}, {.name = "v4", .sub = S2},
                   {0}};
    world w = {.subs = subs, .pricings = pr, .vaults = vs};
    kva_model *m = build(&w);
    kva_eval_opts o = {.as_of = AS_OF,
                       .has_price = true,
                       .price_per_vault = 2.5,
                       .currency = "EUR"};
    kva_result *r = eval_opts(m, &o);
    (void)state;

    assert_true(r->kpis.has_cost);
    assert_true(r->kpis.estimated_monthly_cost_to_close == 7.5);
    assert_string_equal(r->kpis.currency, "EUR");
    done(r, m);
}

static void test_verdict(void **state)
{
    static const struct {
        const char *tier; /* "-" = no pricing */
        const char *state;
        bool pass;
    } cases[] = {{"Standard", NULL, true}, {"Free", NULL, false},
                 {"-", NULL, false},       {"Free", "Disabled", true},
                 {"-", "Deleted", true}};
    (void)state;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tsub subs[] = {{.id = S1, .name = "ok"},
                       {.id = S2, .name = "x", .state = cases[i].state},
                       {0}};
        tpricing pr[] = {{.sub = S1, .tier = "Standard"},
                         {.sub = S2, .tier = cases[i].tier},
                         {0}};
        if (strcmp(cases[i].tier, "-") == 0)
            pr[1].sub = NULL;
        world w = {.subs = subs, .pricings = pr};
        kva_model *m = build(&w);
        kva_result *r = eval(m);
        if (r->pass != cases[i].pass)
            fail_msg("case %zu: pass %d, want %d", i, r->pass, cases[i].pass);
        done(r, m);
    }
}

static void test_priority_order(void **state)
{
    tsub subs[] = {
        {.id = S1, .name = "Zeta", .tags = {"environment", "Prod"}},
        {.id = S2, .name = "Alpha"},
        {.id = S3, .name = "Beta"},
        {.id = "00000000-0000-0000-0000-00000000000d"},
        {.id = S5, .name = "Alpha"},
        {.id = S6, .name = "Compliant", .tags = {"env", "live"}},
        {.id = S7, .name = "Exempt"},
        {.id = S8, .name = "Aaa disabled", .state = "Disabled"},
        {.id = S9, .name = "Compliant 2"},
        {0}};
    tpricing pr[] = {{.sub = S1, .tier = "Free"},
                     {.sub = S2, .tier = "Free"},
                     {.sub = "00000000-0000-0000-0000-00000000000d",
                      .tier = "Free"},
                     {.sub = S5, .tier = "Free"},
                     {.sub = S6, .tier = "Standard"},
                     {.sub = S7, .tier = "Free"},
                     {.sub = S9, .tier = "Standard"},
                     {0}};
    tvault vs[] = {{.name = "z", .sub = S1},
                   {.name = "a1", .sub = S2}, {.name = "a2", .sub = S2},
                   {.name = "a3", .sub = S2},
                   {.name = "b1", .sub = S3}, {.name = "b2", .sub = S3},
                   {.name = "b3", .sub = S3},
                   {.name = "e1", .sub = S5}, {.name = "e2", .sub = S5},
                   {.name = "e3", .sub = S5},
                   {.name = "c1", .sub = S9},
                   {0}};
    texc ex[] = {{.sub = S7, .expires = "2027-06-30"}, {0}};
    world w = {.subs = subs, .pricings = pr, .vaults = vs, .excs = ex};
    kva_model *m = build(&w);
    kva_result *r = eval(m);
    const char *want[] = {S1, S2, S5, S3, "00000000-0000-0000-0000-00000000000d",
                          S7, S6, S9, S8};
    const int prio[] = {1, 2, 3, 4, 5, 0, 0, 0, 0};
    (void)state;

    assert_int_equal(r->n_subs, 9);
    for (size_t i = 0; i < r->n_subs; i++) {
        if (strcmp(r->subs[i].sub->id, want[i]) != 0)
            fail_msg("position %zu: %s, want %s", i, r->subs[i].sub->id,
                     want[i]);
        assert_int_equal(r->subs[i].priority, prio[i]);
    }
    /* Vaults point at their subscription's final place. */
    for (size_t i = 0; i < r->n_vaults; i++)
        assert_string_equal(r->vaults[i].sub->sub->id,
                            r->vaults[i].vault->sub_id);
    done(r, m);
}

static void test_vault_order(void **state)
{
    tsub subs[] = {{.id = S2, .name = "first in input"},
                   {.id = S1, .name = "second"},
                   {0}};
    tvault vs[] = {{.name = "kv-b", .sub = S2},
                   {.name = "kv-a", .sub = S2},
                   {.name = "kv-c", .sub = S1},
                   {.name = "kv-a", .sub = S1,
                    .id = VID(S1, "kv-a") "-second"},
                   {.name = "kv-a", .sub = S1},
                   {0}};
    world w = {.subs = subs, .vaults = vs};
    kva_model *m = build(&w);
    kva_result *r = eval(m);
    (void)state;

    assert_int_equal(r->n_vaults, 5);
    assert_string_equal(r->vaults[0].vault->id, VID(S1, "kv-a"));
    assert_string_equal(r->vaults[1].vault->id, VID(S1, "kv-a") "-second");
    assert_string_equal(r->vaults[2].vault->name, "kv-c");
    assert_string_equal(r->vaults[3].vault->id, VID(S2, "kv-a"));
    assert_string_equal(r->vaults[4].vault->id, VID(S2, "kv-b"));
    done(r, m);
}

static void test_inputs_sorted_exceptions_in_register_order(void **state)
{
    const char *inputs[] = {"z/subs.json", "a/pricings.json", "m/vaults.json",
                            "B/exceptions.json", NULL};
    tsub subs[] = {{.id = S1, .name = "a"}, {.id = S2, .name = "b"}, {0}};
    texc ex[] = {{.sub = S2, .expires = "2027-01-01"},
                 {.sub = S1, .expires = "2026-01-01"},
                 {0}};
    world w = {.subs = subs, .excs = ex};
    kva_model *m;
    kva_result *r;
    (void)state;

    memcpy((void *)w.inputs, inputs, sizeof inputs);
    m = build(&w);
    r = eval(m);
    assert_int_equal(r->n_inputs, 4);
    assert_string_equal(r->inputs[0].path, "B/exceptions.json");
    assert_string_equal(r->inputs[1].path, "a/pricings.json");
    assert_string_equal(r->inputs[2].path, "m/vaults.json");
    assert_string_equal(r->inputs[3].path, "z/subs.json");
    assert_string_equal(r->exceptions[0].exc->sub_id, S2);
    assert_string_equal(r->exceptions[1].exc->sub_id, S1);
    done(r, m);
}

static void test_warning_order(void **state)
{
    tsub subs[] = {{.id = S1, .name = "b compliant"},
                   {.id = S2, .name = "a failing"},
                   {0}};
    tpricing pr[] = {{.sub = S1, .tier = "Standard", .trial = 100},
                     {.sub = S2, .tier = "Standard"},
                     {.sub = S2, .tier = "Free", .in = IN_VAULTS},
                     {.sub = S3, .tier = "Free"},
                     {0}};
    texc ex[] = {{.sub = S9, .expires = "2027-01-01"},
                 {.sub = S2, .expires = "2020-01-01"},
                 {0}};
    world w = {.subs = subs, .pricings = pr, .excs = ex};
    kva_model *m = build(&w);
    kva_result *r;
    static const char *const want[][2] = {
        {"unknown_input", NULL},
        {"unlisted_subscription", S3},
        {"conflicting_evidence", S2},
        {"exception_expired", S2},
        {"trial_ending", S1},
        {"exception_unknown_subscription", S9}};
    (void)state;

    assert_int_equal(kva_model_add_warning(m, "unknown_input", "x.json", NULL,
                                           1, 1, "no record of a known kind"),
                     KVA_OK);
    r = eval(m);
    /* Result order: S3 (failing, "333..." has no name: sorts as its id,
     * before "a failing"), S2, then compliant S1. */
    assert_string_equal(r->subs[0].sub->id, S3);
    assert_string_equal(r->subs[1].sub->id, S2);
    assert_int_equal(r->n_warnings, 6);
    for (size_t i = 0; i < r->n_warnings; i++) {
        if (strcmp(r->warnings[i].code, want[i][0]) != 0)
            fail_msg("warning %zu: %s, want %s", i, r->warnings[i].code,
                     want[i][0]);
        if (want[i][1])
            assert_string_equal(r->warnings[i].sub_id, want[i][1]);
    }
    assert_string_equal(r->warnings[0].message, "no record of a known kind");
    assert_string_equal(r->warnings[0].path, "x.json");
    done(r, m);
}

static void test_evidence(void **state)
{
    const char *inputs[] = {"subs.json", "p/b.json", "p/a.json", "vaults.json",
                            "exc.json", "p/c.json", NULL};
    tsub subs[] = {{.id = S1, .name = "a", .in = 1}, {.id = S2, .name = "b"},
                   {0}};
    tpricing pr[] = {{.sub = S1, .tier = "Standard", .in = 2},
                     {.sub = S1, .tier = "Free", .plan = "VirtualMachines",
                      .in = 3},
                     {.sub = S1, .tier = "Standard", .in = 3},
                     {.sub = S1, .tier = "Free", .scope = KVA_SCOPE_RESOURCE_GROUP,
                      .resource = "rg", .plan = "rg", .in = 6},
                     {0}};
    tvault vs[] = {{.name = "v1", .sub = S1, .in = 4},
                   {.name = "v2", .sub = S1, .in = 4},
                   {0}};
    texc ex[] = {{.sub = S1, .expires = "2027-01-01", .in = 5}, {0}};
    world w = {.subs = subs, .pricings = pr, .vaults = vs, .excs = ex};
    kva_model *m;
    kva_result *r;
    const kva_res_sub *s;
    const char *want[] = {"p/a.json", "p/b.json", "p/c.json", "subs.json",
                          "vaults.json"};
    (void)state;

    memcpy((void *)w.inputs, inputs, sizeof inputs);
    m = build(&w);
    r = eval(m);
    s = rsub(r, S1);
    assert_int_equal(s->n_evidence, 5);
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(s->evidence[i], want[i]);
    s = rsub(r, S2);
    assert_int_equal(s->n_evidence, 1);
    assert_string_equal(s->evidence[0], "subs.json");
    done(r, m);
}

/* Every inventory that describes a subscription is evidence of it, not
 * only the first. */
static void test_evidence_every_inventory(void **state)
{
    const char *inputs[] = {"accounts.json", "graph-subs.json",
                            "p.json", "profile.json", NULL};
    tsub subs[] = {{.id = S1, .name = "a", .in = 1},
                   {.id = S1, .name = "a", .state = "Enabled", .in = 2},
                   {.id = S2, .name = "b", .in = 4},
                   {.id = S1, .in = 4},
                   {0}};
    tpricing pr[] = {{.sub = S1, .tier = "Standard", .in = 3}, {0}};
    world w = {.subs = subs, .pricings = pr};
    kva_model *m;
    kva_result *r;
    const kva_res_sub *rs;
    const char *want[] = {"accounts.json", "graph-subs.json", "p.json",
                          "profile.json"};
    (void)state;

    memcpy((void *)w.inputs, inputs, sizeof inputs);
    m = build(&w);
    r = eval(m);
    rs = rsub(r, S1);
    assert_int_equal(rs->n_evidence, 4);
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(rs->evidence[i], want[i]);
    rs = rsub(r, S2);
    assert_int_equal(rs->n_evidence, 1);
    assert_string_equal(rs->evidence[0], "profile.json");
    done(r, m);
}

/* Evidence follows each record's own subscription whatever the order of
 * subscriptions in the model and in the result. */
static void test_evidence_many_subscriptions(void **state)
{
    const char *inputs[] = {"subs.json", "v3.json", "v2.json", "v1.json",
                            NULL};
    tsub subs[] = {{.id = S3, .name = "c"}, {.id = S1, .name = "a"},
                   {.id = S2, .name = "b"}, {0}};
    tvault vs[] = {{.name = "x", .sub = S2, .in = 3},
                   {.name = "y", .sub = S3, .in = 2},
                   {.name = "z", .sub = S1, .in = 4},
                   {.name = "w", .sub = S2, .in = 3},
                   {0}};
    world w = {.subs = subs, .vaults = vs};
    kva_model *m;
    kva_result *r;
    (void)state;

    memcpy((void *)w.inputs, inputs, sizeof inputs);
    m = build(&w);
    r = eval(m);
    assert_int_equal(rsub(r, S1)->n_evidence, 2);
    assert_string_equal(rsub(r, S1)->evidence[1], "v1.json");
    assert_int_equal(rsub(r, S2)->n_evidence, 2);
    assert_string_equal(rsub(r, S2)->evidence[1], "v2.json");
    assert_int_equal(rsub(r, S3)->n_evidence, 2);
    assert_string_equal(rsub(r, S3)->evidence[1], "v3.json");
    for (size_t i = 0; i < r->n_subs; i++)
        assert_string_equal(r->subs[i].evidence[0], "subs.json");
    done(r, m);
}

static void add_base(kva_baseline *b, const char *id, const char *name,
                     kva_status st)
{
    b->subs = realloc(b->subs, (b->n_subs + 1) * sizeof *b->subs);
    assert_non_null(b->subs);
    b->subs[b->n_subs].id = dup(id);
    b->subs[b->n_subs].name = dup(name);
    b->subs[b->n_subs].status = st;
    b->n_subs++;
    b->by_status[st]++;
}

static void test_trend(void **state)
{
    tsub subs[] = {{.id = S1, .name = "fixed"},
                   {.id = S2, .name = "regressed b"},
                   {.id = S3, .name = "regressed a"},
                   {.id = S4, .name = "unchanged"},
                   {.id = S5, .name = "new"},
                   {.id = S6, .name = "still failing"},
                   {0}};
    tpricing pr[] = {{.sub = S1, .tier = "Standard"},
                     {.sub = S2, .tier = "Free"},
                     {.sub = S4, .tier = "Standard"},
                     {.sub = S5, .tier = "Standard"},
                     {.sub = S6, .tier = "Free"},
                     {0}};
    world w = {.subs = subs, .pricings = pr};
    kva_model *m = build(&w);
    kva_baseline b = {0};
    kva_eval_opts o = {.as_of = AS_OF};
    kva_result *r;
    const kva_trend *t;
    (void)state;

    b.path = dup("old/report.json");
    b.as_of = dup("2026-10-23T00:00:00Z");
    b.compliance_pct = 40.0;
    add_base(&b, "11111111-1111-1111-1111-111111111111", "fixed",
             KVA_ST_NONCOMPLIANT);
    add_base(&b, "22222222-2222-2222-2222-222222222222", "regressed b",
             KVA_ST_COMPLIANT);
    add_base(&b, "33333333-3333-3333-3333-333333333333", "regressed a",
             KVA_ST_NOT_APPLICABLE);
    add_base(&b, "44444444-4444-4444-4444-444444444444", "unchanged",
             KVA_ST_EXEMPT);
    add_base(&b, "66666666-6666-6666-6666-666666666666", "still failing",
             KVA_ST_NO_EVIDENCE);
    add_base(&b, "AAAAAAAA-0000-0000-0000-000000000002", "removed z",
             KVA_ST_COMPLIANT);
    add_base(&b, "aaaaaaaa-0000-0000-0000-000000000001", NULL,
             KVA_ST_NONCOMPLIANT);
    o.baseline = &b;
    r = eval_opts(m, &o);
    /* The result keeps its own copies of what it took from the baseline. */
    kva_baseline_free(&b);
    t = &r->trend;

    assert_true(t->present);
    assert_string_equal(t->baseline_path, "old/report.json");
    assert_string_equal(t->baseline_as_of, "2026-10-23T00:00:00Z");
    assert_int_equal(t->before[KVA_ST_COMPLIANT], 2);
    assert_int_equal(t->before[KVA_ST_NONCOMPLIANT], 2);
    assert_int_equal(t->before[KVA_ST_EXEMPT], 1);
    assert_int_equal(t->now[KVA_ST_COMPLIANT], 3);
    assert_int_equal(t->now[KVA_ST_NONCOMPLIANT], 2);
    assert_int_equal(t->now[KVA_ST_NO_EVIDENCE], 1);
    assert_true(t->compliance_pct_before == 40.0);
    assert_true(t->compliance_pct_now == r->kpis.compliance_pct);
    assert_true(t->compliance_pct_now == 50.0);

    assert_int_equal(t->n_regressed, 2);
    assert_string_equal(t->regressed[0].sub_id, S3); /* "regressed a" */
    assert_int_equal(t->regressed[0].before, KVA_ST_NOT_APPLICABLE);
    assert_int_equal(t->regressed[0].now, KVA_ST_NO_EVIDENCE);
    assert_string_equal(t->regressed[1].sub_id, S2);
    assert_string_equal(t->regressed[1].name, "regressed b");
    assert_int_equal(t->n_fixed, 1);
    assert_string_equal(t->fixed[0].sub_id, S1);
    assert_int_equal(t->fixed[0].before, KVA_ST_NONCOMPLIANT);
    assert_int_equal(t->fixed[0].now, KVA_ST_COMPLIANT);
    assert_int_equal(t->n_added, 1);
    assert_string_equal(t->added[0].sub_id, S5);
    assert_int_equal(t->added[0].now, KVA_ST_COMPLIANT);
    assert_int_equal(t->n_removed, 2);
    /* By name then id; a missing name sorts as the id. */
    assert_string_equal(t->removed[0].sub_id,
                        "aaaaaaaa-0000-0000-0000-000000000001");
    assert_null(t->removed[0].name);
    assert_string_equal(t->removed[1].name, "removed z");
    done(r, m);
}

static void test_no_trend_without_baseline(void **state)
{
    tsub subs[] = {{.id = S1, .name = "a"}, {0}};
    world w = {.subs = subs};
    kva_model *m = build(&w);
    kva_result *r = eval(m);
    (void)state;

    assert_false(r->trend.present);
    assert_int_equal(r->trend.n_added, 0);
    assert_null(r->trend.baseline_path);
    done(r, m);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(kva_status_name(KVA_ST_NONCOMPLIANT), "noncompliant");
    assert_string_equal(kva_status_name(KVA_ST_NO_EVIDENCE), "no_evidence");
    assert_string_equal(kva_status_name(KVA_ST_EXEMPT), "exempt");
    assert_string_equal(kva_status_name(KVA_ST_COMPLIANT), "compliant");
    assert_string_equal(kva_status_name(KVA_ST_NOT_APPLICABLE),
                        "not_applicable");
    assert_string_equal(kva_flag_name(0), "legacy_subplan");
    assert_string_equal(kva_flag_name(1), "trial_ending");
    assert_string_equal(kva_flag_name(2), "deprecated_plan");
    assert_string_equal(kva_flag_name(3), "exception_expired");
    assert_string_equal(kva_flag_name(4), "exception_expiring");
    assert_string_equal(kva_flag_name(5), "owner_missing");
    assert_string_equal(kva_owner_source_name(KVA_SRC_NONE), "none");
    assert_string_equal(kva_owner_source_name(KVA_SRC_VAULT), "vault");
    assert_string_equal(kva_owner_source_name(KVA_SRC_SUBSCRIPTION),
                        "subscription");
    assert_string_equal(kva_exc_state_name(KVA_EXC_ACTIVE), "active");
    assert_string_equal(kva_exc_state_name(KVA_EXC_EXPIRING), "expiring");
    assert_string_equal(kva_exc_state_name(KVA_EXC_EXPIRED), "expired");
    assert_string_equal(kva_exc_state_name(KVA_EXC_UNUSED), "unused");
    assert_true(KVA_FLAG_OWNER_MISSING == 1u << 5);
}

static void test_result_own_and_free(void **state)
{
    tsub subs[] = {{.id = S1, .name = "a"}, {0}};
    world w = {.subs = subs};
    kva_model *m = build(&w);
    kva_result *r = eval(m);
    char *s = strdup("az security pricing create ...");
    (void)state;

    assert_ptr_equal(kva_result_own(r, s), s);
    r->subs[0].remediation_az = s;
    for (int i = 0; i < 1000; i++)
        assert_non_null(kva_result_own(r, malloc(16)));
    assert_null(kva_result_own(r, NULL));
    /* A result-less call frees what it was given (leak checkers see it). */
    assert_null(kva_result_own(NULL, strdup("x")));
    kva_result_free(NULL);
    done(r, m);
}

/* Evaluating twice gives the same answer (no hidden state). */
static void test_deterministic(void **state)
{
    tsub subs[] = {{.id = S2, .name = "b"}, {.id = S1, .name = "a"}, {0}};
    tpricing pr[] = {{.sub = S1, .tier = "Free"},
                     {.sub = S2, .tier = "Free"},
                     {0}};
    tvault vs[] = {{.name = "x", .sub = S2}, {.name = "y", .sub = S1}, {0}};
    world w = {.subs = subs, .pricings = pr, .vaults = vs};
    kva_model *m = build(&w);
    kva_result *a = eval(m), *b = eval(m);
    (void)state;

    assert_int_equal(a->n_subs, b->n_subs);
    for (size_t i = 0; i < a->n_subs; i++)
        assert_ptr_equal(a->subs[i].sub, b->subs[i].sub);
    for (size_t i = 0; i < a->n_vaults; i++)
        assert_ptr_equal(a->vaults[i].vault, b->vaults[i].vault);
    assert_int_equal(a->n_warnings, b->n_warnings);
    kva_result_free(b);
    done(a, m);
}

/* A vault whose subscription the model lacks (readers always touch it, so
 * this only guards against a bad model): listed, not counted. */
static void test_vault_without_subscription(void **state)
{
    kva_model *m = kva_model_new();
    kva_input in = {.path = strdup("v.json")};
    kva_vault v = {0};
    kva_result *r;
    (void)state;

    assert_int_equal(kva_model_add_input(m, &in, NULL), KVA_OK);
    v.id = strdup(VID(S1, "orphan"));
    v.name = strdup("orphan");
    v.sub_id = strdup(S1);
    assert_int_equal(kva_model_add_vault(m, &v), KVA_OK);
    r = eval(m);
    assert_int_equal(r->n_vaults, 1);
    assert_null(r->vaults[0].sub);
    assert_false(r->vaults[0].counted);
    assert_int_equal(r->kpis.vaults_total, 0);
    done(r, m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_tiers),
        cmocka_unit_test(test_status_states_case_insensitive),
        cmocka_unit_test(test_status_ignored_pricings),
        cmocka_unit_test(test_deciding_pricing_fields),
        cmocka_unit_test(test_no_evidence_fields),
        cmocka_unit_test(test_conflict_severe_wins_order_independent),
        cmocka_unit_test(test_conflict_same_tier_order_independent),
        cmocka_unit_test(test_identical_duplicates_no_warning),
        cmocka_unit_test(test_unlisted_subscription),
        cmocka_unit_test(test_no_subscription_inventory),
        cmocka_unit_test(test_flag_legacy_subplan),
        cmocka_unit_test(test_flag_trial_ending),
        cmocka_unit_test(test_flag_trial_not_when_free_or_zero),
        cmocka_unit_test(test_flag_deprecated_plan),
        cmocka_unit_test(test_flags_not_on_not_applicable),
        cmocka_unit_test(test_flag_owner_missing),
        cmocka_unit_test(test_exception_exempts_noncompliant),
        cmocka_unit_test(test_exception_exempts_no_evidence),
        cmocka_unit_test(test_exception_expiry_boundary),
        cmocka_unit_test(test_exception_expiring_window),
        cmocka_unit_test(test_exception_unused),
        cmocka_unit_test(test_exception_unknown_subscription),
        cmocka_unit_test(test_duplicate_exception_latest_applies),
        cmocka_unit_test(test_vault_level_pricing),
        cmocka_unit_test(test_vault_level_conflict),
        cmocka_unit_test(test_vault_level_inherited_ignored),
        cmocka_unit_test(test_exempt_vaults_not_covered),
        cmocka_unit_test(test_not_applicable_vaults_listed_not_counted),
        cmocka_unit_test(test_owner_resolution_default_tags),
        cmocka_unit_test(test_owner_custom_tags_case_and_blank),
        cmocka_unit_test(test_env_normalise),
        cmocka_unit_test(test_env_resolution),
        cmocka_unit_test(test_kpis_counts),
        cmocka_unit_test(test_kpis_rounding),
        cmocka_unit_test(test_kpis_half_rounding),
        cmocka_unit_test(test_kpis_null_when_empty),
        cmocka_unit_test(test_breakdowns),
        cmocka_unit_test(test_breakdown_mgmt_group_ids),
        cmocka_unit_test(test_cost),
        cmocka_unit_test(test_verdict),
        cmocka_unit_test(test_priority_order),
        cmocka_unit_test(test_vault_order),
        cmocka_unit_test(test_inputs_sorted_exceptions_in_register_order),
        cmocka_unit_test(test_warning_order),
        cmocka_unit_test(test_evidence),
        cmocka_unit_test(test_evidence_every_inventory),
        cmocka_unit_test(test_evidence_many_subscriptions),
        cmocka_unit_test(test_trend),
        cmocka_unit_test(test_no_trend_without_baseline),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_result_own_and_free),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_vault_without_subscription),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

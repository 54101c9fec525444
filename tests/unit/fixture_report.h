/*
 * A hand-built report with hostile text for the renderer tests
 * (test_csv.c, test_markdown.c, test_scripts.c): every string a
 * subscription can carry tries to break out of its place, one failing
 * subscription has an id that is not a GUID, and the remediation
 * commands are filled by the real kva_remediation_fill.
 */
#ifndef KVA_FIXTURE_REPORT_H
#define KVA_FIXTURE_REPORT_H

#include <stdlib.h>
#include <string.h>

#include "remediation.h"
#include "render/render.h"

#define FX_G1 "11111111-1111-4111-8111-111111111111"
#define FX_G2 "22222222-2222-4222-8222-222222222222"
#define FX_G3 "33333333-3333-4333-8333-333333333333"
#define FX_G4 "44444444-4444-4444-8444-444444444444"
#define FX_G5 "55555555-5555-4555-8555-555555555555"
#define FX_BAD_ID "not-a-guid$(touch /tmp/kva-canary-id)"
#define FX_N_SUBS 6

typedef struct fx_report {
    kva_report rep;
    kva_result *r;
    kva_sub subs[FX_N_SUBS];
    char *mg_names[FX_N_SUBS];
    char *mg_ids[FX_N_SUBS];
    char *evidence[2];
    kva_input inputs[2];
    kva_exception exc;
    kva_res_exception rexc;
    kva_res_warning warning;
} fx_report;

static const struct fx_sub {
    const char *id;
    const char *name;
    kva_status status;
    const char *owner;
    const char *env;
    size_t vaults, covered;
    const char *mg;
} fx_subs[FX_N_SUBS] = {
    {FX_G1, "Prod; rm -rf ~ $(touch /tmp/kva-canary-1) `id` \"q\"",
     KVA_ST_NONCOMPLIANT, "=HYPERLINK(\"http://evil/\")", "production", 12, 0,
     "lz"},
    {FX_G2, "O'Brien\n echo pwned\r\n| x | <b>*y*</b> [l](http://e)",
     KVA_ST_NO_EVIDENCE, "@admin|x", "dev", 3, 0, "lz"},
    {FX_BAD_ID, "bad id", KVA_ST_NONCOMPLIANT, NULL, "dev", 1, 0, NULL},
    {FX_G3,
     "\xD0\x81\xD0\xBB\xD0\xBA\xD0\xB0 \xE2\x80\x98q\xE2\x80\x99 "
     "\xE2\x80\x99; Remove-Item C:\\ -Recurse #> \xE2\x80\xA8 next",
     KVA_ST_NONCOMPLIANT, "+1 555 0100", "test\tx", 2, 1, NULL},
    {FX_G4, "Fine", KVA_ST_COMPLIANT, "-owner", "production", 5, 5, NULL},
    {FX_G5, "Gone", KVA_ST_NOT_APPLICABLE, NULL, NULL, 0, 0, NULL},
};

static inline void fx_build(fx_report *fx)
{
    kva_result *r;
    kva_diag d = {0};

    memset(fx, 0, sizeof *fx);
    r = calloc(1, sizeof *r);
    if (!r)
        abort();
    fx->r = r;
    r->subs = kva_result_own(r, calloc(FX_N_SUBS, sizeof *r->subs));
    if (!r->subs)
        abort();
    r->n_subs = FX_N_SUBS;
    fx->evidence[0] = (char *)"dumps/pricing \"a\",b.json";
    fx->evidence[1] = (char *)"dumps/subs.json";
    for (size_t i = 0; i < FX_N_SUBS; i++) {
        const struct fx_sub *s = &fx_subs[i];
        kva_res_sub *rs = &r->subs[i];

        fx->subs[i].id = (char *)s->id;
        fx->subs[i].name = (char *)s->name;
        fx->subs[i].state = (char *)(s->status == KVA_ST_NOT_APPLICABLE
                                         ? "Disabled"
                                         : "Enabled");
        fx->subs[i].tenant_id = (char *)"99999999-8888-4777-8666-555555555555";
        if (s->mg) {
            fx->mg_names[i] = (char *)s->mg;
            fx->mg_ids[i] = (char *)s->mg;
            fx->subs[i].mgmt_groups = &fx->mg_names[i];
            fx->subs[i].mgmt_group_ids = &fx->mg_ids[i];
            fx->subs[i].n_mgmt_groups = 1;
        }
        rs->sub = &fx->subs[i];
        rs->status = s->status;
        rs->owner = s->owner;
        rs->owner_source = s->owner ? KVA_SRC_SUBSCRIPTION : KVA_SRC_NONE;
        rs->environment = s->env;
        rs->vaults = s->vaults;
        rs->vaults_covered = s->covered;
        rs->mgmt_group = s->mg;
        rs->enablement_time = KVA_UNKNOWN_TIME;
        rs->trial_remaining_s = KVA_UNKNOWN_SECONDS;
        rs->evidence = (const char **)fx->evidence;
        rs->n_evidence = 2;
        if (s->status == KVA_ST_COMPLIANT) {
            rs->tier = "Standard";
            rs->sub_plan = "PerTransaction";
            rs->flags = KVA_FLAG_LEGACY_SUBPLAN | KVA_FLAG_TRIAL_ENDING;
            rs->enablement_time = 1700000000;
            rs->trial_remaining_s = 86400;
        } else if (s->status == KVA_ST_NONCOMPLIANT) {
            rs->tier = "Free";
        }
    }
    fx->exc.sub_id = (char *)FX_G1;
    fx->exc.reason = (char *)"r";
    fx->exc.owner = (char *)"o";
    fx->exc.expires = (char *)"2026-01-31";
    fx->exc.ticket = (char *)"=cmd|' /C calc'!A0";
    fx->rexc.exc = &fx->exc;
    fx->rexc.state = KVA_EXC_EXPIRED;
    r->subs[0].exception = &fx->rexc;
    r->subs[0].flags = KVA_FLAG_EXCEPTION_EXPIRED;

    fx->inputs[0].path = (char *)"dumps/pricing \"a\",b.json";
    fx->inputs[0].kind = KVA_KIND_PRICINGS;
    memset(fx->inputs[0].sha256, 'a', 64);
    fx->inputs[1].path = (char *)"dumps/subs|`x`.json";
    fx->inputs[1].kind = KVA_KIND_SUBSCRIPTIONS;
    memset(fx->inputs[1].sha256, 'b', 64);
    r->inputs = fx->inputs;
    r->n_inputs = 2;
    r->complete = true;
    r->pass = false;
    r->kpis.subscriptions_total = 6;
    r->kpis.subscriptions_in_scope = 5;
    r->kpis.by_status[KVA_ST_NONCOMPLIANT] = 3;
    r->kpis.by_status[KVA_ST_NO_EVIDENCE] = 1;
    r->kpis.by_status[KVA_ST_COMPLIANT] = 1;
    r->kpis.by_status[KVA_ST_NOT_APPLICABLE] = 1;
    r->kpis.subscription_coverage_pct = 20.0;
    r->kpis.compliance_pct = 20.0;
    r->kpis.vaults_total = 23;
    r->kpis.vaults_covered = 6;
    r->kpis.vault_coverage_pct = 26.08695652;
    r->kpis.vaults_with_owner = 22;
    r->kpis.owner_coverage_pct = -1;
    r->as_of = 1795392000; /* 2026-11-23 */
    if (kva_remediation_fill(r, kva_templates_builtin(), &d) != KVA_OK)
        abort();
    kva_diag_clear(&d);

    fx->rep.result = r;
    fx->rep.templates = kva_templates_builtin();
    fx->rep.title = "Audit\n$(touch /tmp/kva-canary-title) `id` 'x'";
    fx->rep.org = "Org'; rm -rf ~ #\r\nX";
    fx->rep.as_of = r->as_of;
    fx->rep.command_line = "kvaudit report samples";
    fx->rep.tool_version = "kvaudit 0.1.0";
    fx->rep.lib_versions = "";
}

static inline void fx_free(fx_report *fx)
{
    kva_result_free(fx->r);
}

#endif

#include "render.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../text.h"
#include "jsonw.h"

/*
 * report.json: the machine-readable report (DESIGN.md section 5). Keys
 * come in a fixed order, every key is always present (null when the
 * evidence has no value), and the same result always gives the same
 * bytes. Written through the streaming writer (jsonw.h): memory stays flat
 * however many vaults the estate has.
 */

#define DEFAULT_TITLE "Microsoft Defender for Key Vault coverage"

static void k_str(kva_jsonw *w, const char *key, const char *v)
{
    kva_jsonw_key(w, key);
    kva_jsonw_string(w, v);
}

static void k_size(kva_jsonw *w, const char *key, size_t v)
{
    kva_jsonw_key(w, key);
    kva_jsonw_uint(w, (uint64_t)v);
}

static void k_int(kva_jsonw *w, const char *key, int64_t v)
{
    kva_jsonw_key(w, key);
    kva_jsonw_int(w, v);
}

static void k_bool(kva_jsonw *w, const char *key, bool v)
{
    kva_jsonw_key(w, key);
    kva_jsonw_bool(w, v);
}

static void k_null(kva_jsonw *w, const char *key)
{
    kva_jsonw_key(w, key);
    kva_jsonw_null(w);
}

/* A percentage: one decimal, null when the result says -1 (no
 * denominator). */
static void k_pct(kva_jsonw *w, const char *key, double v)
{
    kva_jsonw_key(w, key);
    if (v < 0)
        kva_jsonw_null(w);
    else
        kva_jsonw_fixed(w, v, 1);
}

static void k_time(kva_jsonw *w, const char *key, int64_t t)
{
    char buf[21];

    kva_jsonw_key(w, key);
    if (t == KVA_UNKNOWN_TIME) {
        kva_jsonw_null(w);
        return;
    }
    kva_time_format(t, buf);
    kva_jsonw_string(w, buf);
}

/* line/col are 0 when unknown. */
static void k_pos(kva_jsonw *w, const char *key, uint32_t v)
{
    kva_jsonw_key(w, key);
    if (v)
        kva_jsonw_uint(w, v);
    else
        kva_jsonw_null(w);
}

static void k_status(kva_jsonw *w, const char *key, kva_status s)
{
    k_str(w, key, kva_status_name(s));
}

static void write_control(kva_jsonw *w, const kva_control *c)
{
    kva_jsonw_key(w, "control");
    if (!c) {
        kva_jsonw_null(w);
        return;
    }
    kva_jsonw_object(w);
    k_str(w, "id", c->id);
    k_str(w, "title", c->title);
    k_str(w, "plan", c->plan);
    k_str(w, "required_tier", c->required_tier);
    k_str(w, "required_sub_plan", c->required_sub_plan);
    k_str(w, "description", c->description);
    kva_jsonw_key(w, "references");
    kva_jsonw_array(w);
    for (size_t i = 0; i < c->n_refs; i++) {
        const kva_reference *r = &c->refs[i];
        kva_jsonw_object(w);
        k_str(w, "kind", r->kind);
        k_str(w, "id", r->id);
        k_str(w, "title", r->title);
        k_str(w, "version", r->version);
        k_str(w, "effect", r->effect);
        k_str(w, "url", r->url);
        kva_jsonw_object_end(w);
    }
    kva_jsonw_array_end(w);
    kva_jsonw_object_end(w);
}

/* `named`: rows carry a display name beside the key (management groups:
 * the key is the group's id). */
static void write_breakdown(kva_jsonw *w, const char *key,
                            const kva_breakdown *b, size_t n, bool named)
{
    kva_jsonw_key(w, key);
    kva_jsonw_array(w);
    for (size_t i = 0; i < n; i++) {
        kva_jsonw_object(w);
        k_str(w, "key", b[i].key);
        if (named)
            k_str(w, "name", b[i].name);
        k_size(w, "vaults_total", b[i].vaults_total);
        k_size(w, "vaults_covered", b[i].vaults_covered);
        k_pct(w, "vault_coverage_pct", b[i].vault_coverage_pct);
        kva_jsonw_object_end(w);
    }
    kva_jsonw_array_end(w);
}

static void write_kpis(kva_jsonw *w, const kva_kpis *k)
{
    kva_jsonw_key(w, "kpis");
    kva_jsonw_object(w);
    k_size(w, "subscriptions_total", k->subscriptions_total);
    k_size(w, "subscriptions_in_scope", k->subscriptions_in_scope);
    for (int s = 0; s < KVA_ST__COUNT; s++)
        k_size(w, kva_status_name((kva_status)s), k->by_status[s]);
    k_pct(w, "subscription_coverage_pct", k->subscription_coverage_pct);
    k_pct(w, "compliance_pct", k->compliance_pct);
    k_size(w, "vaults_total", k->vaults_total);
    k_size(w, "vaults_covered", k->vaults_covered);
    k_pct(w, "vault_coverage_pct", k->vault_coverage_pct);
    k_size(w, "vaults_with_owner", k->vaults_with_owner);
    k_pct(w, "owner_coverage_pct", k->owner_coverage_pct);
    if (k->has_cost) {
        kva_jsonw_key(w, "estimated_monthly_cost_to_close");
        kva_jsonw_fixed(w, k->estimated_monthly_cost_to_close, 2);
        k_str(w, "currency", k->currency);
    }
    write_breakdown(w, "by_owner", k->by_owner, k->n_by_owner, false);
    write_breakdown(w, "by_environment", k->by_environment, k->n_by_environment,
                    false);
    write_breakdown(w, "by_tenant", k->by_tenant, k->n_by_tenant, false);
    write_breakdown(w, "by_management_group", k->by_management_group,
                    k->n_by_management_group, true);
    kva_jsonw_object_end(w);
}

static void write_sub_exception(kva_jsonw *w, const kva_res_exception *x)
{
    const kva_exception *e = x ? x->exc : NULL;

    kva_jsonw_key(w, "exception");
    if (!e) {
        kva_jsonw_null(w);
        return;
    }
    kva_jsonw_object(w);
    k_str(w, "reason", e->reason);
    k_str(w, "owner", e->owner);
    k_str(w, "expires", e->expires);
    k_str(w, "ticket", e->ticket);
    k_str(w, "state", kva_exc_state_name(x->state));
    k_int(w, "days_left", x->days_left);
    kva_jsonw_object_end(w);
}

static void write_subscription(kva_jsonw *w, const kva_res_sub *s)
{
    const kva_sub *sub = s->sub;

    kva_jsonw_object(w);
    k_str(w, "id", sub ? sub->id : NULL);
    k_str(w, "name", sub ? sub->name : NULL);
    k_str(w, "tenant_id", sub ? sub->tenant_id : NULL);
    k_str(w, "state", sub ? sub->state : NULL);
    k_status(w, "status", s->status);
    k_str(w, "tier", s->tier);
    k_str(w, "sub_plan", s->sub_plan);
    k_time(w, "enablement_time", s->enablement_time);
    kva_jsonw_key(w, "trial_remaining_s");
    if (s->trial_remaining_s == KVA_UNKNOWN_SECONDS)
        kva_jsonw_null(w);
    else
        kva_jsonw_int(w, s->trial_remaining_s);
    k_str(w, "owner", s->owner);
    k_str(w, "owner_source", kva_owner_source_name(s->owner_source));
    k_str(w, "environment", s->environment);
    kva_jsonw_key(w, "management_groups");
    kva_jsonw_array(w);
    for (size_t i = 0; sub && i < sub->n_mgmt_groups; i++)
        kva_jsonw_string(w, sub->mgmt_groups[i]);
    kva_jsonw_array_end(w);
    k_size(w, "vaults", s->vaults);
    k_size(w, "vaults_covered", s->vaults_covered);
    kva_jsonw_key(w, "flags");
    kva_jsonw_array(w);
    for (unsigned b = 0; b < KVA_FLAG__COUNT; b++)
        if (s->flags & (1u << b))
            kva_jsonw_string(w, kva_flag_name(b));
    kva_jsonw_array_end(w);
    write_sub_exception(w, s->exception);
    kva_jsonw_key(w, "evidence");
    kva_jsonw_array(w);
    for (size_t i = 0; i < s->n_evidence; i++)
        kva_jsonw_string(w, s->evidence[i]);
    kva_jsonw_array_end(w);
    kva_jsonw_key(w, "priority");
    if (s->priority > 0)
        kva_jsonw_int(w, s->priority);
    else
        kva_jsonw_null(w);
    kva_jsonw_key(w, "remediation");
    if (!s->remediation_az && !s->remediation_ps && !s->remediation_verify) {
        kva_jsonw_null(w);
    } else {
        kva_jsonw_object(w);
        k_str(w, "az", s->remediation_az);
        k_str(w, "powershell", s->remediation_ps);
        k_str(w, "verify", s->remediation_verify);
        kva_jsonw_object_end(w);
    }
    kva_jsonw_object_end(w);
}

static void write_vault(kva_jsonw *w, const kva_res_vault *v)
{
    const kva_vault *kv = v->vault;

    kva_jsonw_object(w);
    k_str(w, "id", kv ? kv->id : NULL);
    k_str(w, "name", kv ? kv->name : NULL);
    k_str(w, "resource_group", kv ? kv->resource_group : NULL);
    k_str(w, "location", kv ? kv->location : NULL);
    k_str(w, "subscription_id", kv ? kv->sub_id : NULL);
    k_bool(w, "covered", v->covered);
    k_str(w, "owner", v->owner);
    k_str(w, "owner_source", kva_owner_source_name(v->owner_source));
    k_str(w, "environment", v->environment);
    kva_jsonw_object_end(w);
}

static void write_exception(kva_jsonw *w, const kva_res_exception *x)
{
    const kva_exception *e = x->exc;

    kva_jsonw_object(w);
    k_str(w, "subscription_id", e ? e->sub_id : NULL);
    k_str(w, "subscription_name", x->sub_name);
    k_str(w, "reason", e ? e->reason : NULL);
    k_str(w, "owner", e ? e->owner : NULL);
    k_str(w, "expires", e ? e->expires : NULL);
    k_str(w, "ticket", e ? e->ticket : NULL);
    k_str(w, "state", kva_exc_state_name(x->state));
    k_int(w, "days_left", x->days_left);
    k_str(w, "path", x->path);
    kva_jsonw_object_end(w);
}

static void write_counts(kva_jsonw *w, const char *key, const size_t *counts)
{
    kva_jsonw_key(w, key);
    kva_jsonw_object(w);
    for (int s = 0; s < KVA_ST__COUNT; s++)
        k_size(w, kva_status_name((kva_status)s), counts[s]);
    kva_jsonw_object_end(w);
}

/* Trend lists. A subscription added since the baseline has no "before",
 * one removed has no "now": those are null. */
static void write_changes(kva_jsonw *w, const char *key,
                          const kva_trend_change *c, size_t n, bool has_before,
                          bool has_now)
{
    kva_jsonw_key(w, key);
    kva_jsonw_array(w);
    for (size_t i = 0; i < n; i++) {
        kva_jsonw_object(w);
        k_str(w, "id", c[i].sub_id);
        k_str(w, "name", c[i].name);
        if (has_before)
            k_status(w, "before", c[i].before);
        else
            k_null(w, "before");
        if (has_now)
            k_status(w, "now", c[i].now);
        else
            k_null(w, "now");
        kva_jsonw_object_end(w);
    }
    kva_jsonw_array_end(w);
}

static void write_trend(kva_jsonw *w, const kva_trend *t)
{
    kva_jsonw_key(w, "trend");
    if (!t->present) {
        kva_jsonw_null(w);
        return;
    }
    kva_jsonw_object(w);
    k_str(w, "baseline", t->baseline_path);
    k_str(w, "baseline_as_of", t->baseline_as_of);
    write_counts(w, "before", t->before);
    write_counts(w, "now", t->now);
    kva_jsonw_key(w, "delta");
    kva_jsonw_object(w);
    for (int s = 0; s < KVA_ST__COUNT; s++)
        k_int(w, kva_status_name((kva_status)s),
              (int64_t)t->now[s] - (int64_t)t->before[s]);
    kva_jsonw_object_end(w);
    k_pct(w, "compliance_pct_before", t->compliance_pct_before);
    k_pct(w, "compliance_pct_now", t->compliance_pct_now);
    write_changes(w, "regressed", t->regressed, t->n_regressed, true, true);
    write_changes(w, "fixed", t->fixed, t->n_fixed, true, true);
    write_changes(w, "added", t->added, t->n_added, false, true);
    write_changes(w, "removed", t->removed, t->n_removed, true, false);
    kva_jsonw_object_end(w);
}

static void write_plan(kva_jsonw *w, const kva_result *r)
{
    kva_jsonw_key(w, "remediation_plan");
    kva_jsonw_object(w);
    kva_jsonw_key(w, "management_groups");
    kva_jsonw_array(w);
    for (size_t i = 0; i < r->n_mg_plans; i++) {
        const kva_res_mg_plan *p = &r->mg_plans[i];
        kva_jsonw_object(w);
        k_str(w, "name", p->mgmt_group);
        k_str(w, "id", p->mgmt_group_id);
        k_size(w, "subscriptions", p->n_subs);
        k_str(w, "assign", p->assign_cmd);
        k_str(w, "remediate", p->remediate_cmd);
        kva_jsonw_object_end(w);
    }
    kva_jsonw_array_end(w);
    k_str(w, "terraform", r->terraform);
    k_str(w, "bicep", r->bicep);
    kva_jsonw_object_end(w);
}

static void write_input(kva_jsonw *w, const kva_input *in)
{
    kva_jsonw_object(w);
    k_str(w, "path", in->path);
    k_str(w, "kind", kva_kind_name(in->kind));
    k_size(w, "records", in->records);
    kva_jsonw_key(w, "bytes");
    kva_jsonw_uint(w, in->bytes);
    /* A skipped file that could not even be read has no hash. */
    k_str(w, "sha256", in->sha256[0] ? in->sha256 : NULL);
    kva_jsonw_object_end(w);
}

static void write_warning(kva_jsonw *w, const kva_res_warning *x)
{
    kva_jsonw_object(w);
    k_str(w, "code", x->code);
    k_str(w, "message", x->message);
    k_str(w, "path", x->path);
    k_str(w, "subscription_id", x->sub_id);
    k_pos(w, "line", x->line);
    k_pos(w, "col", x->col);
    kva_jsonw_object_end(w);
}

static void write_report(kva_jsonw *w, const kva_report *rep)
{
    const kva_result *r = rep->result;
    const char *title = rep->title;

    if (!title || !*title)
        title =
            rep->templates ? kva_templates_text(rep->templates, "title") : "";
    if (!*title)
        title = DEFAULT_TITLE;

    kva_jsonw_object(w);
    k_str(w, "schema", "kvaudit.report/1");
    kva_jsonw_key(w, "tool");
    kva_jsonw_object(w);
    k_str(w, "name", "kvaudit");
    k_str(w, "version", KVA_VERSION);
    kva_jsonw_object_end(w);
    k_time(w, "as_of", rep->as_of);
    k_str(w, "title", title);
    k_str(w, "org", rep->org ? rep->org : "");
    k_bool(w, "complete", r->complete);
    k_str(w, "verdict", r->pass ? "pass" : "fail");
    write_control(w, rep->templates ? kva_templates_control(rep->templates)
                                    : NULL);
    write_kpis(w, &r->kpis);

    kva_jsonw_key(w, "subscriptions");
    kva_jsonw_array(w);
    for (size_t i = 0; i < r->n_subs; i++)
        write_subscription(w, &r->subs[i]);
    kva_jsonw_array_end(w);

    kva_jsonw_key(w, "vaults");
    kva_jsonw_array(w);
    for (size_t i = 0; i < r->n_vaults; i++)
        write_vault(w, &r->vaults[i]);
    kva_jsonw_array_end(w);

    kva_jsonw_key(w, "exceptions");
    kva_jsonw_array(w);
    for (size_t i = 0; i < r->n_exceptions; i++)
        write_exception(w, &r->exceptions[i]);
    kva_jsonw_array_end(w);

    write_trend(w, &r->trend);
    write_plan(w, r);

    kva_jsonw_key(w, "inputs");
    kva_jsonw_array(w);
    for (size_t i = 0; i < r->n_inputs; i++)
        write_input(w, &r->inputs[i]);
    kva_jsonw_array_end(w);

    kva_jsonw_key(w, "warnings");
    kva_jsonw_array(w);
    for (size_t i = 0; i < r->n_warnings; i++)
        write_warning(w, &r->warnings[i]);
    kva_jsonw_array_end(w);
    kva_jsonw_object_end(w);
}

kva_error kva_render_json(const kva_report *rep, const char *path,
                          kva_diag *err)
{
    kva_jsonw *w = NULL;
    kva_error e;
    int saved = 0;
    FILE *f = kva_render_open(path, err);

    if (!f)
        return KVA_ERR_IO;
    w = kva_jsonw_new(f);
    if (!w) {
        e = KVA_ERR_NOMEM;
        kva_diag_set(err, e, path, 0, 0, "out of memory");
        goto fail;
    }
    write_report(w, rep);
    e = kva_jsonw_finish(w, &saved);
    if (e == KVA_ERR_IO) {
        kva_diag_set(err, e, path, 0, 0, "cannot write: %s",
                     strerror(saved));
        goto fail;
    }
    if (e != KVA_OK) {
        kva_diag_set(err, e, path, 0, 0, "%s", kva_strerror(e));
        goto fail;
    }
    kva_jsonw_free(w);
    return kva_render_close(f, path, err);

fail:
    kva_jsonw_free(w);
    fclose(f);
    return e;
}

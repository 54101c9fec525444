#include "render.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../text.h"

/*
 * summary.md: what fits in a Jira or ServiceNow ticket. The verdict, the
 * KPIs, the first failing subscriptions with their owners and the
 * commands that fix them, and the inputs with their SHA-256. Longer lists
 * are cut with a line that says how many were left out and where the rest
 * is; nothing is cut silently.
 *
 * Text from the evidence is escaped so that it can never become Markdown
 * (links, emphasis, HTML, table cells, mentions): ASCII punctuation that
 * means something inline gets a backslash, control characters become
 * spaces, and overlong cells are shortened with an ellipsis.
 */

#define TOP_FAILING 10
#define TOP_INPUTS 20
#define CELL_MAX 80 /* code points */

static void md_text(FILE *f, const char *s, size_t max_cp)
{
    size_t cps = 0;
    size_t len;
    char *clean = NULL;

    if (!s || !*s) {
        fputs("\\-", f);
        return;
    }
    len = strlen(s);
    if (!kva_utf8_valid(s, len, NULL)) {
        clean = kva_utf8_sanitize(s, len, NULL);
        s = clean ? clean : "";
        len = strlen(s);
    }
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        uint32_t cp;
        size_t n;

        if (max_cp && cps == max_cp) {
            fputs("\xE2\x80\xA6", f); /* … */
            break;
        }
        cps++;
        if (c < 0x20 || c == 0x7f) {
            fputc(' ', f);
            i++;
            continue;
        }
        if (c < 0x80) {
            if (strchr("\\`*_[]<>|~@$", c) ||
                (c == '&' && (s[i + 1] == '#' ||
                              (s[i + 1] >= 'a' && s[i + 1] <= 'z') ||
                              (s[i + 1] >= 'A' && s[i + 1] <= 'Z'))))
                fputc('\\', f);
            fputc(c, f);
            i++;
            continue;
        }
        n = kva_utf8_next(s + i, len - i, &cp);
        /* Unicode line and paragraph separators end a table row in some
         * viewers. */
        if (cp == 0x2028 || cp == 0x2029 || cp == 0x85)
            fputc(' ', f);
        else
            fwrite(s + i, 1, n, f);
        i += n;
    }
    free(clean);
}

/* A GUID in a code span; anything else as escaped text. */
static void md_id(FILE *f, const char *id)
{
    if (kva_is_guid(id))
        fprintf(f, "`%s`", id);
    else
        md_text(f, id, CELL_MAX);
}

static void pct(FILE *f, double v)
{
    if (v < 0)
        fputs("n/a", f);
    else
        fprintf(f, "%.1f %%", v);
}

static const char *word(const kva_report *rep, const char *key)
{
    return kva_templates_text(rep->templates, key);
}

static void kpi_row(FILE *f, const kva_report *rep, const char *label_key,
                    const char *label_fallback)
{
    const char *label = word(rep, label_key);

    fputs("| ", f);
    md_text(f, *label ? label : label_fallback, 0);
    fputs(" | ", f);
}

/* The longest run of backticks in s, so that a fence can be longer. */
static size_t backtick_run(const char *s)
{
    size_t best = 0, run = 0;

    for (; s && *s; s++) {
        run = *s == '`' ? run + 1 : 0;
        if (run > best)
            best = run;
    }
    return best;
}

static void fence(FILE *f, size_t n, const char *info)
{
    for (size_t i = 0; i < n; i++)
        fputc('`', f);
    fputs(info, f);
    fputc('\n', f);
}

static void write_header(FILE *f, const kva_report *rep)
{
    const kva_result *r = rep->result;
    const kva_control *c = kva_templates_control(rep->templates);
    const char *title = rep->title && *rep->title ? rep->title
                                                  : word(rep, "title");
    char when[21];

    kva_time_format(rep->as_of, when);
    fputs("# ", f);
    md_text(f, title, 200);
    fputs("\n\n", f);
    if (rep->org && *rep->org) {
        fprintf(f, "**%s:** ", word(rep, "label.organisation"));
        md_text(f, rep->org, 200);
        fputs(" · ", f);
    }
    fprintf(f, "**%s:** %s · **%s:** ", word(rep, "label.as_of"), when,
            word(rep, "label.control"));
    md_text(f, c->title, 200);
    fputs(" (", f);
    md_text(f, c->id, 80);
    fputs(") · **", f);
    md_text(f, word(rep, "label.generated_by"), 0);
    fputs(":** ", f);
    md_text(f, rep->tool_version ? rep->tool_version : "kvaudit", 80);
    fputs("\n\n", f);
    if (r && !r->complete) {
        fputs("> **", f);
        md_text(f, word(rep, "incomplete"), 0);
        fputs("**\n\n", f);
    }
    fprintf(f, "## %s: %s\n\n", word(rep, "label.verdict"),
            word(rep, r && r->pass ? "verdict.pass" : "verdict.fail"));
    md_text(f,
            word(rep, r && r->pass ? "verdict.pass.description"
                                   : "verdict.fail.description"),
            0);
    fputs("\n\n", f);
}

static void write_kpis(FILE *f, const kva_report *rep)
{
    const kva_kpis *k = &rep->result->kpis;
    static const kva_status order[] = {KVA_ST_COMPLIANT, KVA_ST_NONCOMPLIANT,
                                       KVA_ST_NO_EVIDENCE, KVA_ST_EXEMPT,
                                       KVA_ST_NOT_APPLICABLE};
    char key[64];

    fputs("| KPI | Value |\n|---|---:|\n", f);
    kpi_row(f, rep, "kpi_label.subscriptions_in_scope", "In scope");
    fprintf(f, "%zu of %zu |\n", k->subscriptions_in_scope,
            k->subscriptions_total);
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        snprintf(key, sizeof key, "status_label.%s",
                 kva_status_name(order[i]));
        kpi_row(f, rep, key, kva_status_name(order[i]));
        fprintf(f, "%zu |\n", k->by_status[order[i]]);
    }
    kpi_row(f, rep, "kpi_label.subscription_coverage_pct", "Coverage");
    pct(f, k->subscription_coverage_pct);
    fputs(" |\n", f);
    kpi_row(f, rep, "kpi_label.compliance_pct", "Compliance");
    pct(f, k->compliance_pct);
    fputs(" |\n", f);
    kpi_row(f, rep, "kpi_label.vault_coverage_pct", "Vault coverage");
    pct(f, k->vault_coverage_pct);
    fprintf(f, " (%zu of %zu) |\n", k->vaults_covered, k->vaults_total);
    kpi_row(f, rep, "kpi_label.owner_coverage_pct", "Owner coverage");
    pct(f, k->owner_coverage_pct);
    fprintf(f, " (%zu of %zu) |\n\n", k->vaults_with_owner, k->vaults_total);
}

static bool failing(const kva_res_sub *s)
{
    return s->status == KVA_ST_NONCOMPLIANT || s->status == KVA_ST_NO_EVIDENCE;
}

static void write_failing(FILE *f, const kva_report *rep)
{
    const kva_result *r = rep->result;
    size_t n_fail = 0, shown = 0, fence_len = 3;
    char key[64];

    for (size_t i = 0; i < r->n_subs; i++)
        if (failing(&r->subs[i]))
            n_fail++;
    if (!n_fail)
        return;
    fprintf(f, "## %s\n\n", word(rep, "label.top_failing"));
    fprintf(f, "| # | %s | %s | %s | %s | %s |\n|---:|---|---|---|---|---:|\n",
            word(rep, "column.subscription"), word(rep, "column.status"),
            word(rep, "column.environment"), word(rep, "column.owner"),
            word(rep, "column.vaults_uncovered"));
    for (size_t i = 0; i < r->n_subs && shown < TOP_FAILING; i++) {
        const kva_res_sub *s = &r->subs[i];
        const kva_sub *sub = s->sub;

        if (!failing(s))
            continue;
        shown++;
        if (s->priority > 0)
            fprintf(f, "| %d | ", s->priority);
        else
            fputs("| \\- | ", f);
        if (sub && sub->name) {
            md_text(f, sub->name, CELL_MAX);
            fputs(" ", f);
        }
        md_id(f, sub ? sub->id : NULL);
        snprintf(key, sizeof key, "status_label.%s",
                 kva_status_name(s->status));
        fprintf(f, " | %s | ", word(rep, key));
        md_text(f, s->environment, CELL_MAX);
        fputs(" | ", f);
        md_text(f, s->owner, CELL_MAX);
        fprintf(f, " | %zu |\n",
                s->vaults >= s->vaults_covered ? s->vaults - s->vaults_covered
                                               : 0);
        if (s->remediation_az) {
            size_t b = backtick_run(s->remediation_az) + 1;
            if (b > fence_len)
                fence_len = b;
            b = backtick_run(s->remediation_verify) + 1;
            if (b > fence_len)
                fence_len = b;
        }
    }
    fputc('\n', f);
    if (n_fail > shown) {
        fprintf(f, "%zu / %zu. ", shown, n_fail);
        md_text(f, word(rep, "label.more_failing"), 0);
        fputs("\n\n", f);
    }

    /* The commands of the subscriptions shown: verify first where there
     * was no evidence. */
    fprintf(f, "### %s\n\n", word(rep, "section.remediation"));
    fence(f, fence_len, "sh");
    shown = 0;
    for (size_t i = 0; i < r->n_subs && shown < TOP_FAILING; i++) {
        const kva_res_sub *s = &r->subs[i];

        if (!failing(s))
            continue;
        shown++;
        if (!s->remediation_az)
            continue;
        if (s->status == KVA_ST_NO_EVIDENCE && s->remediation_verify)
            fprintf(f, "%s\n", s->remediation_verify);
        fprintf(f, "%s\n", s->remediation_az);
    }
    fence(f, fence_len, "");
    fputc('\n', f);
    if (r->n_mg_plans) {
        md_text(f, word(rep, "remediation.policy"), 0);
        fputs(":\n\n", f);
        fence_len = 3;
        for (size_t i = 0; i < r->n_mg_plans; i++) {
            size_t b = backtick_run(r->mg_plans[i].assign_cmd) + 1;
            if (b > fence_len)
                fence_len = b;
            b = backtick_run(r->mg_plans[i].remediate_cmd) + 1;
            if (b > fence_len)
                fence_len = b;
        }
        fence(f, fence_len, "sh");
        for (size_t i = 0; i < r->n_mg_plans; i++) {
            const kva_res_mg_plan *p = &r->mg_plans[i];

            if (p->assign_cmd)
                fprintf(f, "%s\n", p->assign_cmd);
            if (p->remediate_cmd)
                fprintf(f, "%s\n", p->remediate_cmd);
        }
        fence(f, fence_len, "");
        fputc('\n', f);
    }
    md_text(f, word(rep, "remediation.dry_run"), 0);
    fputs("\n\n", f);
}

static void write_inputs(FILE *f, const kva_report *rep)
{
    const kva_result *r = rep->result;
    size_t shown = 0;

    fprintf(f, "## %s\n\n| %s | %s | %s |\n|---|---|---|\n",
            word(rep, "section.evidence"), word(rep, "column.sha256"),
            word(rep, "column.path"), word(rep, "column.kind"));
    for (size_t i = 0; i < r->n_inputs && shown < TOP_INPUTS; i++, shown++) {
        const kva_input *in = &r->inputs[i];

        if (in->sha256[0])
            fprintf(f, "| `%.64s` | ", in->sha256);
        else
            fputs("| \\- | ", f);
        md_text(f, in->path, 0);
        fprintf(f, " | %s%s |\n", kva_kind_name(in->kind),
                in->failed ? " (skipped)" : "");
    }
    fputc('\n', f);
    if (r->n_inputs > shown) {
        fprintf(f, "%zu / %zu. ", shown, r->n_inputs);
        md_text(f, word(rep, "label.more_inputs"), 0);
        fputs("\n\n", f);
    }
    if (r->n_warnings)
        fprintf(f, "%s: %zu\n", word(rep, "section.warnings"), r->n_warnings);
}

kva_error kva_render_markdown(const kva_report *rep, const char *path,
                              kva_diag *err)
{
    FILE *f;

    if (!rep || !rep->result) {
        kva_diag_set(err, KVA_ERR_USAGE, path, 0, 0, "no report to write");
        return KVA_ERR_USAGE;
    }
    f = kva_render_open(path, err);
    if (!f)
        return KVA_ERR_IO;
    write_header(f, rep);
    write_kpis(f, rep);
    write_failing(f, rep);
    write_inputs(f, rep);
    return kva_render_close(f, path, err);
}

#include "render.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../text.h"

/*
 * findings.csv: RFC 4180 (CRLF line ends, fields quoted when they hold a
 * comma, quote, CR or LF, quotes doubled), one header row with the
 * report.json key names, then one row per subscription in report order.
 *
 * UTF-8 with a byte-order mark: Excel, which most readers open a CSV
 * with, takes a BOM-less file for the ANSI code page and garbles every
 * non-ASCII name; tools that read UTF-8 skip the BOM.
 *
 * Formula injection: a text cell that begins with = + - @ TAB or CR (or
 * their full-width forms, which some spreadsheets also accept) gets a
 * leading single quote, so a spreadsheet shows it as text and never runs
 * it. Number cells are written by this file and never need it.
 */

static const char *const columns[] = {
    "priority",        "id",
    "name",            "tenant_id",
    "state",           "status",
    "tier",            "sub_plan",
    "enablement_time", "trial_remaining_s",
    "owner",           "owner_source",
    "environment",     "management_groups",
    "vaults",          "vaults_covered",
    "flags",           "exception_state",
    "exception_expires", "exception_ticket",
    "evidence",        "remediation_az",
    "remediation_powershell", "remediation_verify",
};

#define N_COLUMNS (sizeof columns / sizeof columns[0])

/* Multi-valued cells (management groups nearest first, flags, evidence)
 * are joined with this. */
#define LIST_SEP "; "

static bool formula_start(const char *s)
{
    static const char *const wide[] = {
        "\xEF\xBC\x9D", /* U+FF1D FULLWIDTH EQUALS SIGN */
        "\xEF\xBC\x8B", /* U+FF0B FULLWIDTH PLUS SIGN */
        "\xEF\xBC\x8D", /* U+FF0D FULLWIDTH HYPHEN-MINUS */
        "\xEF\xBC\xA0", /* U+FF20 FULLWIDTH COMMERCIAL AT */
    };

    if (!s || !*s)
        return false;
    if (strchr("=+-@\t\r", s[0]))
        return true;
    for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++)
        if (strncmp(s, wide[i], 3) == 0)
            return true;
    return false;
}

/*
 * One text field. NULL is an empty field. Invalid UTF-8 (which the model
 * never holds, but a renderer does not rely on that) is replaced.
 */
static void put_text(FILE *f, const char *s, bool first)
{
    char *clean = NULL;
    bool quote;

    if (!first)
        fputc(',', f);
    if (!s || !*s)
        return;
    if (!kva_utf8_valid(s, strlen(s), NULL)) {
        clean = kva_utf8_sanitize(s, strlen(s), NULL);
        s = clean ? clean : "";
    }
    quote = strpbrk(s, ",\"\r\n") != NULL;
    if (quote)
        fputc('"', f);
    if (formula_start(s))
        fputc('\'', f);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            fputc('"', f);
        fputc(*p, f);
    }
    if (quote)
        fputc('"', f);
    free(clean);
}

static void put_uint(FILE *f, uint64_t v)
{
    fprintf(f, ",%" PRIu64, v);
}

/* A list cell: the items joined, then written as one text field. */
static bool put_list(FILE *f, const char *const *items, size_t n)
{
    size_t len = 1;
    char *s, *p;

    for (size_t i = 0; i < n; i++)
        len += (items[i] ? strlen(items[i]) : 0) + strlen(LIST_SEP);
    s = malloc(len);
    if (!s)
        return false;
    p = s;
    *p = '\0';
    for (size_t i = 0, k = 0; i < n; i++) {
        if (!items[i] || !*items[i])
            continue;
        if (k++)
            p += sprintf(p, "%s", LIST_SEP);
        p += sprintf(p, "%s", items[i]);
    }
    put_text(f, s, false);
    free(s);
    return true;
}

static bool put_row(FILE *f, const kva_res_sub *s)
{
    const kva_sub *sub = s->sub;
    const char *flags[KVA_FLAG__COUNT];
    const kva_exception *x = s->exception ? s->exception->exc : NULL;
    size_t nf = 0;
    char when[21];

    if (s->priority > 0)
        fprintf(f, "%d", s->priority);
    put_text(f, sub ? sub->id : NULL, false);
    put_text(f, sub ? sub->name : NULL, false);
    put_text(f, sub ? sub->tenant_id : NULL, false);
    put_text(f, sub ? sub->state : NULL, false);
    put_text(f, kva_status_name(s->status), false);
    put_text(f, s->tier, false);
    put_text(f, s->sub_plan, false);
    if (s->enablement_time != KVA_UNKNOWN_TIME) {
        kva_time_format(s->enablement_time, when);
        put_text(f, when, false);
    } else {
        put_text(f, NULL, false);
    }
    if (s->trial_remaining_s != KVA_UNKNOWN_SECONDS)
        fprintf(f, ",%" PRId64, s->trial_remaining_s);
    else
        fputc(',', f);
    put_text(f, s->owner, false);
    put_text(f, kva_owner_source_name(s->owner_source), false);
    put_text(f, s->environment, false);
    if (!put_list(f, sub ? (const char *const *)sub->mgmt_groups : NULL,
                  sub ? sub->n_mgmt_groups : 0))
        return false;
    put_uint(f, s->vaults);
    put_uint(f, s->vaults_covered);
    for (unsigned b = 0; b < KVA_FLAG__COUNT; b++)
        if (s->flags & (1u << b))
            flags[nf++] = kva_flag_name(b);
    if (!put_list(f, flags, nf))
        return false;
    put_text(f, s->exception ? kva_exc_state_name(s->exception->state) : NULL,
             false);
    put_text(f, x ? x->expires : NULL, false);
    put_text(f, x ? x->ticket : NULL, false);
    if (!put_list(f, s->evidence, s->n_evidence))
        return false;
    put_text(f, s->remediation_az, false);
    put_text(f, s->remediation_ps, false);
    put_text(f, s->remediation_verify, false);
    fputs("\r\n", f);
    return true;
}

kva_error kva_render_csv(const kva_report *rep, const char *path, kva_diag *err)
{
    const kva_result *r = rep->result;
    FILE *f = kva_render_open(path, err);

    if (!f)
        return KVA_ERR_IO;
    fputs("\xEF\xBB\xBF", f);
    for (size_t i = 0; i < N_COLUMNS; i++)
        put_text(f, columns[i], i == 0);
    fputs("\r\n", f);
    for (size_t i = 0; r && i < r->n_subs; i++)
        if (!put_row(f, &r->subs[i])) {
            fclose(f);
            kva_diag_set(err, KVA_ERR_NOMEM, path, 0, 0, "out of memory");
            return KVA_ERR_NOMEM;
        }
    return kva_render_close(f, path, err);
}

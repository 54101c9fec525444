#include "pdf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../text.h"
#include "pdf_charts.h"
#include "pdf_layout.h"

/*
 * report.pdf: the evidence for a reader who will not open the workbook.
 * Everything shown comes from the result (statuses, KPIs, priorities and
 * commands are never recomputed here); wording comes from the templates,
 * with the defaults below when a key is missing.
 */

#define STATUS_NONCOMPLIANT 0xC62828u
#define STATUS_NO_EVIDENCE 0xE65100u
#define STATUS_EXEMPT 0x6A4C93u
#define STATUS_COMPLIANT 0x2E7D32u
#define STATUS_NA 0x8A94A3u
#define TILE_BG 0xF3F6FAu
#define RING 16 /* formatted strings alive at once */

static const uint32_t status_color[KVA_ST__COUNT] = {
    [KVA_ST_NONCOMPLIANT] = STATUS_NONCOMPLIANT,
    [KVA_ST_NO_EVIDENCE] = STATUS_NO_EVIDENCE,
    [KVA_ST_EXEMPT] = STATUS_EXEMPT,
    [KVA_ST_COMPLIANT] = STATUS_COMPLIANT,
    [KVA_ST_NOT_APPLICABLE] = STATUS_NA,
};

static const uint32_t exc_color[] = {
    [KVA_EXC_ACTIVE] = STATUS_COMPLIANT,
    [KVA_EXC_EXPIRING] = STATUS_NO_EVIDENCE,
    [KVA_EXC_EXPIRED] = STATUS_NONCOMPLIANT,
    [KVA_EXC_UNUSED] = STATUS_NA,
};

typedef struct ctx {
    const kva_report *rep;
    const kva_result *r;
    const kva_control *ctl;
    kva_pdf *d;
    char *ring[RING];
    size_t ring_cap[RING];
    unsigned ri;
    bool nomem;
    char as_of[32]; /* "2026-11-23 00:00 UTC" */
} ctx;

/* Report wording: the templates in use, else the built-in ones. */
static const char *T(const ctx *c, const char *key)
{
    return kva_templates_text(c->rep->templates ? c->rep->templates
                                                : kva_templates_builtin(),
                              key);
}

/* printf into one of RING rotating buffers: the result stays valid for
 * the next RING - 1 calls. */
static const char *F(ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static const char *F(ctx *c, const char *fmt, ...)
{
    unsigned k = c->ri++ % RING;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return "";
    if ((size_t)n + 1 > c->ring_cap[k]) {
        char *p = realloc(c->ring[k], (size_t)n + 1);
        if (!p) {
            c->nomem = true;
            return "";
        }
        c->ring[k] = p;
        c->ring_cap[k] = (size_t)n + 1;
    }
    va_start(ap, fmt);
    vsnprintf(c->ring[k], (size_t)n + 1, fmt, ap);
    va_end(ap);
    return c->ring[k];
}

/* The same with a template string as the format (only %s placeholders,
 * at most three): wording from --templates must not reach printf. */
static const char *Ts(ctx *c, const char *key, const char *a, const char *b)
{
    const char *t = T(c, key);
    const char *args[2] = {a ? a : "", b ? b : ""};
    size_t len = strlen(t) + strlen(args[0]) + strlen(args[1]) + 1;
    char *tmp = malloc(len);
    if (!tmp) {
        c->nomem = true;
        return "";
    }
    size_t o = 0;
    unsigned used = 0;
    for (const char *p = t; *p; p++) {
        if (p[0] == '%' && p[1] == 's' && used < 2) {
            size_t l = strlen(args[used]);
            memcpy(tmp + o, args[used++], l);
            o += l;
            p++;
        } else {
            tmp[o++] = *p;
        }
    }
    tmp[o] = '\0';
    const char *out = F(c, "%s", tmp);
    free(tmp);
    return out;
}

static const char *count_str(ctx *c, size_t n)
{
    char digits[32], out[48];
    int len = snprintf(digits, sizeof digits, "%zu", n);
    size_t o = 0;
    for (int i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
    return F(c, "%s", out);
}

static const char *pct_str(ctx *c, double pct)
{
    return pct < 0 ? F(c, "n/a") : F(c, "%.1f%%", pct);
}

static const char *or_none(const ctx *c, const char *s)
{
    return s && *s ? s : T(c, "label.none");
}

static const char *status_label(ctx *c, kva_status s)
{
    return T(c, F(c, "status_label.%s", kva_status_name(s)));
}

static uint32_t st_color(kva_status s)
{
    return (unsigned)s < KVA_ST__COUNT ? status_color[s] : STATUS_NA;
}

static const char *sub_name(const kva_res_sub *s)
{
    return s->sub->name && *s->sub->name ? s->sub->name : s->sub->id;
}

/* The id under the name, unless the name already is the id. */
static const char *sub_id_line(const kva_res_sub *s)
{
    return s->sub->name && *s->sub->name ? s->sub->id : NULL;
}

/* Flag labels joined with ", "; "" when none. */
static const char *flags_str(ctx *c, unsigned flags)
{
    const char *out = "";
    for (unsigned i = 0; i < KVA_FLAG__COUNT; i++) {
        if (!(flags & (1u << i)))
            continue;
        const char *l = T(c, F(c, "flag_label.%s", kva_flag_name(i)));
        out = *out ? F(c, "%s, %s", out, l) : F(c, "%s", l);
    }
    return out;
}

static const char *exc_label(ctx *c, kva_exc_state s)
{
    return T(c, F(c, "exception_label.%s", kva_exc_state_name(s)));
}

static const char *exception_str(ctx *c, const kva_res_exception *e)
{
    if (!e || !e->exc)
        return NULL;
    const char *t = F(c, "%s: %s, %s %s", T(c, "column.exception"),
                      exc_label(c, e->state), T(c, "column.expires"),
                      e->exc->expires ? e->exc->expires : "?");
    if (e->exc->ticket && *e->exc->ticket)
        t = F(c, "%s (%s)", t, e->exc->ticket);
    return t;
}

static const kva_pdf_style S_BODY = {KVA_PDF_SANS, 8.5f, KVA_PDF_INK};
static const kva_pdf_style S_MUTED = {KVA_PDF_SANS, 8, KVA_PDF_MUTED};
static const kva_pdf_style S_LABEL = {KVA_PDF_BOLD, 7.5f, KVA_PDF_MUTED};

static void para(ctx *c, const kva_pdf_style *st, const char *text,
                 float after)
{
    kva_pdf_para(c->d, st, text, &(kva_pdf_para_opts){.space_after = after});
}

static void intro(ctx *c, const char *key)
{
    const char *t = T(c, key);
    if (*t)
        para(c, &S_BODY, t, 8);
}

/* A level-2 heading kept with its introduction and `keep` points more. */
static void heading_intro(ctx *c, const char *title_key, const char *intro_key,
                          float keep)
{
    const char *t = T(c, intro_key);
    float h = *t ? kva_pdf_para_height(c->d, &S_BODY, t,
                                       &(kva_pdf_para_opts){.space_after = 8})
                 : 0;
    kva_pdf_heading(c->d, 2, T(c, title_key), h + keep);
    if (*t)
        para(c, &S_BODY, t, 8);
}

/* A label above a code block, kept with (the start of) the block. */
static void code_block(ctx *c, const char *label, const char *code,
                       kva_pdf_mark mark)
{
    if (!code || !*code)
        return;
    float h = kva_pdf_code_height(c->d, code, mark);
    float room = kva_pdf_page_room(c->d) - 14;
    kva_pdf_need(c->d, 12 + (h < room ? h : 30));
    if (label && *label)
        para(c, &S_LABEL, label, 1.5f);
    kva_pdf_code(c->d, code, mark);
}

/* Label/value line (definition list). */
static void kv(ctx *c, const char *label, const char *value, bool mono)
{
    kva_pdf *d = c->d;
    const float lw = 110;
    kva_pdf_style vs = {mono ? KVA_PDF_MONO : KVA_PDF_SANS, mono ? 7.5f : 8.5f,
                        KVA_PDF_INK};
    const char *v = value && *value ? value : T(c, "label.none");
    float lead = kva_pdf_leading(&vs);
    size_t first;
    kva_pdf_lines_reset(d);
    size_t n = kva_pdf_wrap(d, &vs, v, strlen(v), kva_pdf_width(d) - lw,
                            mono ? KVA_PDF_WRAP_CODE : KVA_PDF_WRAP_TEXT,
                            &first);
    float total = (float)n * lead;
    kva_pdf_need(d, total < kva_pdf_page_room(d) ? total : lead);
    kva_pdf_text_fit(d, &S_LABEL, kva_pdf_left(d),
                     kva_pdf_y(d) - 8.5f * 0.95f, lw - 6, KVA_PDF_LEFT, label);
    for (size_t i = 0; i < n; i++) {
        kva_pdf_need(d, lead); /* a page break keeps the line buffer */
        const kva_pdf_line *ln = &kva_pdf_lines(d)[first + i];
        kva_pdf_text(d, &vs, kva_pdf_left(d) + lw,
                     kva_pdf_y(d) - vs.size * 0.95f, v + ln->off, ln->len);
        kva_pdf_set_y(d, kva_pdf_y(d) - lead);
    }
    kva_pdf_lines_reset(d);
    kva_pdf_gap(d, 3);
}

/* Summary page */

/* A KPI tile: label, big value, a detail of up to two lines, and a bar. */
static void tile(ctx *c, float x, float top, float w, float h,
                 const char *label, const char *value, const char *detail,
                 double pct)
{
    kva_pdf *d = c->d;
    const kva_pdf_style sl = {KVA_PDF_BOLD, 7.5f, KVA_PDF_MUTED};
    const kva_pdf_style sv = {KVA_PDF_BOLD, 20, KVA_PDF_ACCENT};
    const kva_pdf_style sd = {KVA_PDF_SANS, 7, KVA_PDF_MUTED};
    kva_pdf_round_rect(d, x, top - h, w, h, 4, TILE_BG);
    kva_pdf_text_fit(d, &sl, x + 10, top - 15, w - 20, KVA_PDF_LEFT, label);
    kva_pdf_text_fit(d, &sv, x + 10, top - 38, w - 20, KVA_PDF_LEFT, value);
    size_t first;
    kva_pdf_lines_reset(d);
    size_t n = kva_pdf_wrap(d, &sd, detail, strlen(detail), w - 20,
                            KVA_PDF_WRAP_TEXT, &first);
    for (size_t i = 0; i < n && i < 2; i++) {
        const kva_pdf_line *ln = &kva_pdf_lines(d)[first + i];
        if (i == 1 && n > 2)
            kva_pdf_text_fit(d, &sd, x + 10, top - 49 - 8.5f, w - 20,
                             KVA_PDF_LEFT, detail + ln->off);
        else
            kva_pdf_text(d, &sd, x + 10, top - 49 - 8.5f * (float)i,
                         detail + ln->off, ln->len);
    }
    kva_pdf_lines_reset(d);
    kva_pdf_round_rect(d, x + 10, top - h + 8, w - 20, 4, 2, 0xE1E6EE);
    if (pct > 0)
        kva_pdf_round_rect(d, x + 10, top - h + 8,
                           (float)((w - 20) * (pct > 100 ? 100 : pct) / 100),
                           4, 2, kva_pdf_level_color(pct));
}

static void status_tiles(ctx *c, float top)
{
    kva_pdf *d = c->d;
    const kva_kpis *k = &c->r->kpis;
    const float gap = 8, h = 40;
    float w = (kva_pdf_width(d) - 4 * gap) / 5;
    const kva_pdf_style sn = {KVA_PDF_BOLD, 16, 0};
    const kva_pdf_style sl = {KVA_PDF_SANS, 7.5f, KVA_PDF_INK};
    for (int s = 0; s < KVA_ST__COUNT; s++) {
        float x = kva_pdf_left(d) + (float)s * (w + gap);
        kva_pdf_round_rect(d, x, top - h, w, h, 4, TILE_BG);
        kva_pdf_rect(d, x, top - h, 3, h, st_color((kva_status)s));
        kva_pdf_style st = sn;
        st.color = st_color((kva_status)s);
        kva_pdf_text_fit(d, &st, x + 10, top - 20, w - 14, KVA_PDF_LEFT,
                         count_str(c, k->by_status[s]));
        kva_pdf_text_fit(d, &sl, x + 10, top - 32, w - 14, KVA_PDF_LEFT,
                         status_label(c, (kva_status)s));
    }
}

static void charts(ctx *c, float top)
{
    kva_pdf *d = c->d;
    const kva_kpis *k = &c->r->kpis;
    const kva_pdf_style sh = {KVA_PDF_BOLD, 9.5f, KVA_PDF_ACCENT};
    float left = kva_pdf_left(d), half = (kva_pdf_width(d) - 24) / 2;

    kva_pdf_text_fit(d, &sh, left, top - 10, half, KVA_PDF_LEFT,
                     T(c, "chart.status"));
    kva_pdf_slice sl[KVA_ST__COUNT];
    size_t total = 0;
    for (int s = 0; s < KVA_ST__COUNT; s++)
        total += k->by_status[s];
    for (int s = 0; s < KVA_ST__COUNT; s++) {
        double share = total ? 100.0 * (double)k->by_status[s] / (double)total
                             : 0;
        sl[s] = (kva_pdf_slice){status_label(c, (kva_status)s),
                                (double)k->by_status[s],
                                st_color((kva_status)s),
                                F(c, "%s (%.0f%%)",
                                  count_str(c, k->by_status[s]), share)};
    }
    kva_pdf_donut(d, left + 52, top - 78, 50, 30, sl, KVA_ST__COUNT,
                  count_str(c, total), T(c, "chart.subscriptions"));
    kva_pdf_legend(d, left + 118, top - 40, half - 118, sl, KVA_ST__COUNT);

    float bx = left + half + 24;
    kva_pdf_text_fit(d, &sh, bx, top - 10, half, KVA_PDF_LEFT,
                     T(c, "chart.environment"));
    const size_t max_bars = 5;
    kva_pdf_bar bars[5];
    size_t n = k->n_by_environment < max_bars ? k->n_by_environment
                                              : max_bars;
    if (k->n_by_environment > max_bars)
        n = max_bars - 1; /* the last row says how many more */
    for (size_t i = 0; i < n; i++) {
        const kva_breakdown *b = &k->by_environment[i];
        bars[i] = (kva_pdf_bar){b->key ? b->key : T(c, "label.unknown"),
                                b->vault_coverage_pct,
                                F(c, "%s of %s \xC2\xB7 %s",
                                  count_str(c, b->vaults_covered),
                                  count_str(c, b->vaults_total),
                                  pct_str(c, b->vault_coverage_pct))};
    }
    float used = kva_pdf_hbars(d, bx, top - 22, half, bars, n);
    if (k->n_by_environment > n) {
        const kva_pdf_style sm = {KVA_PDF_SANS, 7, KVA_PDF_MUTED};
        kva_pdf_text_fit(d, &sm, bx, top - 22 - used - 8, half, KVA_PDF_LEFT,
                         F(c, "+%s \xC2\xB7 %s",
                           count_str(c, k->n_by_environment - n),
                           T(c, "label.more_environments")));
    }
    if (k->n_by_environment == 0) {
        const kva_pdf_style sm = {KVA_PDF_SANS, 7.5f, KVA_PDF_MUTED};
        kva_pdf_text_fit(d, &sm, bx, top - 34, half, KVA_PDF_LEFT,
                         T(c, "label.none"));
    }
}

static void trend_box(ctx *c)
{
    kva_pdf *d = c->d;
    const kva_trend *t = &c->r->trend;
    if (!t->present)
        return;
    const kva_pdf_style sh = {KVA_PDF_BOLD, 9.5f, KVA_PDF_ACCENT};
    const kva_pdf_style sb = {KVA_PDF_SANS, 8, KVA_PDF_INK};
    const kva_pdf_style sn = {KVA_PDF_BOLD, 8, KVA_PDF_INK};
    float left = kva_pdf_left(d), w = kva_pdf_width(d);
    const char *delta =
        t->compliance_pct_before >= 0 && t->compliance_pct_now >= 0
            ? F(c, " (%+.1f %s)",
                t->compliance_pct_now - t->compliance_pct_before,
                T(c, "trend.points"))
            : "";
    const char *text = F(
        c, "%s %s \xE2\x86\x92 %s%s. %s: %s \xC2\xB7 %s: %s \xC2\xB7 %s: %s "
           "\xC2\xB7 %s: %s",
        T(c, "trend.compliance"), pct_str(c, t->compliance_pct_before),
        pct_str(c, t->compliance_pct_now), delta, T(c, "trend.fixed"),
        count_str(c, t->n_fixed), T(c, "trend.regressed"),
        count_str(c, t->n_regressed), T(c, "trend.added"),
        count_str(c, t->n_added), T(c, "trend.removed"),
        count_str(c, t->n_removed));
    kva_pdf_para_opts po = {.indent = 10, .width = w - 20};
    float th = kva_pdf_para_height(d, &sb, text, &po);
    float h = 22 + th + 30;
    kva_pdf_need(d, h + 8);
    float top = kva_pdf_y(d);
    kva_pdf_round_rect(d, left, top - h, w, h, 4, TILE_BG);
    kva_pdf_text_fit(d, &sh, left + 10, top - 15, w - 20, KVA_PDF_LEFT,
                     F(c, "%s \xE2\x80\x94 %s %s", T(c, "section.trend"),
                       T(c, "trend.baseline"),
                       t->baseline_as_of ? t->baseline_as_of : "?"));
    kva_pdf_set_y(d, top - 21);
    kva_pdf_para(d, &sb, text, &po);
    float row = top - 22 - th - 4;
    float cw = (w - 20) / KVA_ST__COUNT;
    for (int s = 0; s < KVA_ST__COUNT; s++) {
        float x = left + 10 + (float)s * cw;
        kva_pdf_rect(d, x, row - 22, 3, 20, st_color((kva_status)s));
        kva_pdf_style sl = {KVA_PDF_SANS, 7, KVA_PDF_MUTED};
        kva_pdf_text_fit(d, &sl, x + 7, row - 8, cw - 10, KVA_PDF_LEFT,
                         status_label(c, (kva_status)s));
        long diff = (long)t->now[s] - (long)t->before[s];
        kva_pdf_text_fit(d, &sn, x + 7, row - 19, cw - 10, KVA_PDF_LEFT,
                         F(c, "%zu \xE2\x86\x92 %zu (%+ld)", t->before[s],
                           t->now[s], diff));
    }
    kva_pdf_set_y(d, top - h - 12);
}

static void top_failing(ctx *c)
{
    kva_pdf *d = c->d;
    const kva_result *r = c->r;
    size_t failing = 0;
    for (size_t i = 0; i < r->n_subs; i++)
        if (r->subs[i].priority > 0)
            failing++;
    if (failing == 0)
        return;
    size_t show = failing < 5 ? failing : 5;
    /* Only what fits on the summary page: the full list is in Findings. */
    while (show > 0 && kva_pdf_room(d) < 40 + (float)show * 24)
        show--;
    if (show == 0)
        return;
    kva_pdf_heading(d, 3, T(c, "label.top_failing"), 40);
    const kva_pdf_col cols[] = {
        {"#", 18, KVA_PDF_RIGHT, KVA_PDF_SANS},
        {T(c, "column.subscription"), 160, KVA_PDF_LEFT, KVA_PDF_SANS},
        {T(c, "column.status"), 76, KVA_PDF_LEFT, KVA_PDF_SANS},
        {T(c, "column.owner"), 100, KVA_PDF_LEFT, KVA_PDF_SANS},
        {T(c, "column.environment"), 72, KVA_PDF_LEFT, KVA_PDF_SANS},
        {T(c, "column.vaults"), 0, KVA_PDF_RIGHT, KVA_PDF_SANS},
    };
    kva_pdf_table_begin(d, cols, 6, 7.5f);
    size_t shown = 0;
    for (size_t i = 0; i < r->n_subs && shown < show; i++) {
        const kva_res_sub *s = &r->subs[i];
        if (s->priority <= 0)
            continue;
        shown++;
        kva_pdf_cell cells[6] = {
            {.text = F(c, "%d", s->priority)},
            {.text = sub_name(s)},
            {.text = status_label(c, s->status), .badge = st_color(s->status)},
            {.text = or_none(c, s->owner)},
            {.text = s->environment ? s->environment : T(c, "label.unknown")},
            {.text = F(c, "%s / %s", count_str(c, s->vaults_covered),
                       count_str(c, s->vaults))},
        };
        kva_pdf_table_row(d, cells);
    }
    kva_pdf_table_end(d);
    if (failing > shown)
        para(c, &S_MUTED,
             F(c, "%s %s. %s", count_str(c, failing), T(c, "label.failing"),
               T(c, "label.more_findings")),
             0);
}

static void summary(ctx *c)
{
    kva_pdf *d = c->d;
    const kva_result *r = c->r;
    const kva_kpis *k = &r->kpis;
    const char *title = c->rep->title && *c->rep->title ? c->rep->title
                                                        : T(c, "title");
    float left = kva_pdf_left(d), w = kva_pdf_width(d);

    /* Accent band across the top of the first page. */
    kva_pdf_rect(d, 0, 841.89f - 7, 595.276f, 7, KVA_PDF_ACCENT);
    kva_pdf_bookmark(d, 1, T(c, "section.summary"));
    const kva_pdf_style st = {KVA_PDF_BOLD, 20, KVA_PDF_ACCENT};
    para(c, &st, title, 3);
    const kva_pdf_style so = {KVA_PDF_BOLD, 10.5f, KVA_PDF_INK};
    const char *org = c->rep->org && *c->rep->org ? c->rep->org : NULL;
    para(c, &so,
         org ? F(c, "%s \xC2\xB7 %s %s", org, T(c, "label.as_of"), c->as_of)
             : F(c, "%s %s", T(c, "label.as_of"), c->as_of),
         2);
    const char *ctl =
        c->ctl && c->ctl->title
            ? F(c, "%s %s \xC2\xB7 %s \xC2\xB7 %s %s \xC2\xB7 %s %s",
                T(c, "label.control"), c->ctl->id ? c->ctl->id : "",
                c->ctl->title, T(c, "label.plan"),
                c->ctl->plan ? c->ctl->plan : "KeyVaults", T(c, "column.tier"),
                c->ctl->required_tier ? c->ctl->required_tier : "Standard")
            : T(c, "subtitle");
    para(c, &S_MUTED, ctl, 12);

    /* Verdict */
    const float vh = 58;
    kva_pdf_need(d, vh + 10);
    float top = kva_pdf_y(d);
    uint32_t vc = r->pass ? STATUS_COMPLIANT : STATUS_NONCOMPLIANT;
    kva_pdf_round_rect(d, left, top - vh, 120, vh, 5, vc);
    const kva_pdf_style sv1 = {KVA_PDF_BOLD, 7.5f, 0xFFFFFF};
    const kva_pdf_style sv2 = {KVA_PDF_BOLD, 24, 0xFFFFFF};
    kva_pdf_text_fit(d, &sv1, left, top - 16, 120, KVA_PDF_CENTER,
                     T(c, "label.verdict"));
    kva_pdf_text_fit(d, &sv2, left, top - 44, 120, KVA_PDF_CENTER,
                     T(c, r->pass ? "verdict.pass" : "verdict.fail"));
    kva_pdf_set_y(d, top - 4);
    const kva_pdf_style sdesc = {KVA_PDF_BOLD, 9.5f, KVA_PDF_INK};
    kva_pdf_para(d, &sdesc,
                 T(c, r->pass ? "verdict.pass.description"
                              : "verdict.fail.description"),
                 &(kva_pdf_para_opts){.indent = 136, .space_after = 4});
    const char *counts = F(
        c, "%s %s (%s) \xC2\xB7 %s %s", T(c, "kpi_label.compliance_pct"),
        pct_str(c, k->compliance_pct), T(c, "label.compliance_short"),
        count_str(c, k->subscriptions_in_scope),
        T(c, "label.subscriptions_in_scope"));
    kva_pdf_para(d, &S_MUTED, counts,
                 &(kva_pdf_para_opts){.indent = 136, .space_after = 0});
    if (kva_pdf_y(d) > top - vh - 12)
        kva_pdf_set_y(d, top - vh - 12);

    if (!r->complete) {
        const kva_pdf_style si = {KVA_PDF_BOLD, 9, 0x8A3B00};
        kva_pdf_para_opts o = {.indent = 12, .width = w - 24};
        float h = kva_pdf_para_height(d, &si, T(c, "incomplete"), &o) + 14;
        kva_pdf_need(d, h + 10);
        top = kva_pdf_y(d);
        kva_pdf_round_rect(d, left, top - h, w, h, 4, 0xFFF1DD);
        kva_pdf_rect(d, left, top - h, 4, h, STATUS_NO_EVIDENCE);
        kva_pdf_set_y(d, top - 7);
        kva_pdf_para(d, &si, T(c, "incomplete"), &o);
        kva_pdf_set_y(d, top - h - 12);
    }

    /* KPI tiles */
    const float th = 70, gap = 10;
    kva_pdf_need(d, th + 8 + 40 + 14);
    top = kva_pdf_y(d);
    float tw = (w - 2 * gap) / 3;
    tile(c, left, top, tw, th, T(c, "kpi_label.subscription_coverage_pct"),
         pct_str(c, k->subscription_coverage_pct),
         Ts(c, "kpi.detail.subscriptions",
            count_str(c, k->by_status[KVA_ST_COMPLIANT]),
            count_str(c, k->subscriptions_in_scope)),
         k->subscription_coverage_pct);
    tile(c, left + tw + gap, top, tw, th,
         T(c, "kpi_label.vault_coverage_pct"),
         pct_str(c, k->vault_coverage_pct),
         Ts(c, "kpi.detail.vaults", count_str(c, k->vaults_covered),
            count_str(c, k->vaults_total)),
         k->vault_coverage_pct);
    tile(c, left + 2 * (tw + gap), top, tw, th,
         T(c, "kpi_label.owner_coverage_pct"),
         pct_str(c, k->owner_coverage_pct),
         Ts(c, "kpi.detail.owners", count_str(c, k->vaults_with_owner),
            count_str(c, k->vaults_total)),
         k->owner_coverage_pct);
    status_tiles(c, top - th - 8);
    kva_pdf_set_y(d, top - th - 8 - 40 - 16);

    const float ch = 150;
    kva_pdf_need(d, ch);
    top = kva_pdf_y(d);
    charts(c, top);
    kva_pdf_set_y(d, top - ch);

    trend_box(c);
    if (k->has_cost)
        para(c, &S_BODY,
             F(c, "%s: %.2f %s", T(c, "cost.label"),
               k->estimated_monthly_cost_to_close,
               k->currency ? k->currency : ""),
             6);
    top_failing(c);
    kva_pdf_gap(d, 4);
    para(c, &S_MUTED,
         F(c, "%s: %s %s \xC2\xB7 %s %s \xC2\xB7 %s %s \xC2\xB7 %s %s",
           T(c, "label.evidence_summary"), count_str(c, r->n_inputs),
           T(c, "label.input_files"), count_str(c, r->n_warnings),
           T(c, "label.warnings"), count_str(c, k->subscriptions_total),
           T(c, "kpi_label.subscriptions_total"),
           count_str(c, k->vaults_total), T(c, "kpi_label.vaults_total")),
         0);
}

/* Findings */

static void findings(ctx *c)
{
    kva_pdf *d = c->d;
    const kva_result *r = c->r;
    kva_pdf_heading(d, 1, T(c, "section.findings"), 0);
    intro(c, "intro.findings");
    const kva_pdf_col cols[] = {
        {"#", 16, KVA_PDF_RIGHT, KVA_PDF_SANS},
        {T(c, "column.subscription"), 144, KVA_PDF_LEFT, KVA_PDF_SANS},
        {T(c, "column.status"), 72, KVA_PDF_LEFT, KVA_PDF_SANS},
        {T(c, "column.owner"), 70, KVA_PDF_LEFT, KVA_PDF_SANS},
        {T(c, "column.environment"), 62, KVA_PDF_LEFT, KVA_PDF_SANS},
        {T(c, "column.vaults"), 42, KVA_PDF_RIGHT, KVA_PDF_SANS},
        {F(c, "%s / %s", T(c, "column.flags"), T(c, "column.exception")), 0,
         KVA_PDF_LEFT, KVA_PDF_SANS},
    };
    size_t rows = 0;
    for (size_t i = 0; i < r->n_subs; i++) {
        const kva_res_sub *s = &r->subs[i];
        if (s->status != KVA_ST_NONCOMPLIANT &&
            s->status != KVA_ST_NO_EVIDENCE && s->status != KVA_ST_EXEMPT)
            continue;
        if (rows++ == 0)
            kva_pdf_table_begin(d, cols, 7, 7.5f);
        const char *flags = flags_str(c, s->flags);
        kva_pdf_cell cells[7] = {
            {.text = s->priority > 0 ? F(c, "%d", s->priority) : "\xE2\x80\x93"},
            {.text = sub_name(s), .sub = sub_id_line(s), .sub_mono = true,
             .bold = true},
            {.text = status_label(c, s->status), .badge = st_color(s->status)},
            {.text = or_none(c, s->owner),
             .color = s->owner ? 0 : KVA_PDF_MUTED},
            {.text = s->environment ? s->environment : T(c, "label.unknown")},
            {.text = F(c, "%s / %s", count_str(c, s->vaults_covered),
                       count_str(c, s->vaults)),
             .sub = T(c, "column.covered")},
            {.text = *flags ? flags : "\xE2\x80\x94",
             .sub = exception_str(c, s->exception)},
        };
        kva_pdf_table_row(d, cells);
    }
    if (rows)
        kva_pdf_table_end(d);
    else
        para(c, &S_BODY, T(c, "findings.none"), 6);
}

/* Remediation plan */

static float sub_block_height(ctx *c, const kva_res_sub *s)
{
    float h = 60;
    const char *cmds[] = {s->remediation_az, s->remediation_ps,
                          s->remediation_verify};
    for (size_t i = 0; i < 3; i++)
        if (cmds[i])
            h += 12 + kva_pdf_code_height(c->d, cmds[i], KVA_PDF_MARK_SH) + 6;
    return h;
}

static void remediation(ctx *c)
{
    kva_pdf *d = c->d;
    const kva_result *r = c->r;
    kva_pdf_heading(d, 1, T(c, "section.remediation"), 0);
    intro(c, "intro.remediation");

    heading_intro(c, "remediation.policy", "remediation.policy.intro", 40);
    if (r->n_mg_plans == 0)
        para(c, &S_MUTED, T(c, "remediation.policy.none"), 6);
    for (size_t i = 0; i < r->n_mg_plans; i++) {
        const kva_res_mg_plan *m = &r->mg_plans[i];
        const char *name = m->mgmt_group ? m->mgmt_group : m->mgmt_group_id;
        float h = 50 + kva_pdf_code_height(d, m->assign_cmd, KVA_PDF_MARK_SH) +
                  kva_pdf_code_height(d, m->remediate_cmd, KVA_PDF_MARK_SH);
        kva_pdf_heading(d, 3,
                        F(c, "%s %s \xE2\x80\x94 %s %s",
                          T(c, "column.management_group"), or_none(c, name),
                          count_str(c, m->n_subs), T(c, "label.failing")),
                        h < kva_pdf_page_room(d) - 30 ? h : 40);
        if (m->mgmt_group_id && name && strcmp(m->mgmt_group_id, name) != 0)
            para(c, &S_MUTED, m->mgmt_group_id, 3);
        code_block(c, T(c, "remediation.assign"), m->assign_cmd,
                   KVA_PDF_MARK_SH);
        code_block(c, T(c, "remediation.remediate"), m->remediate_cmd,
                   KVA_PDF_MARK_SH);
    }

    /* Kept with the first subscription's block when it fits. */
    const kva_res_sub *first = NULL;
    for (size_t i = 0; i < r->n_subs && !first; i++)
        if (r->subs[i].priority > 0)
            first = &r->subs[i];
    float keep = first ? sub_block_height(c, first) : 20;
    if (keep > kva_pdf_page_room(d) / 2)
        keep = 60;
    if (first) {
        heading_intro(c, "remediation.per_subscription",
                      "remediation.per_subscription.intro", keep);
    } else {
        kva_pdf_heading(d, 2, T(c, "remediation.per_subscription"), keep);
        para(c, &S_BODY, T(c, "remediation.none"), 6);
    }
    /* result->subs is in remediation priority order already. */
    for (size_t i = 0; i < r->n_subs; i++) {
        const kva_res_sub *s = &r->subs[i];
        if (s->priority <= 0)
            continue;
        float h = sub_block_height(c, s);
        kva_pdf_heading(d, 3, F(c, "%d. %s", s->priority, sub_name(s)),
                        h < kva_pdf_page_room(d) - 30 ? h : 60);
        para(c, &S_MUTED,
             F(c, "%s \xC2\xB7 %s \xC2\xB7 %s \xC2\xB7 %s %s \xC2\xB7 %s",
               s->sub->id, status_label(c, s->status),
               s->environment ? s->environment : T(c, "label.unknown"),
               T(c, "column.owner"), or_none(c, s->owner),
               Ts(c, "remediation.vaults_line", count_str(c, s->vaults),
                  count_str(c, s->vaults_covered))),
             4);
        if (s->status == KVA_ST_NO_EVIDENCE)
            para(c, &S_BODY, T(c, "remediation.verify_first"), 4);
        if (!s->remediation_az && !s->remediation_ps) {
            para(c, &S_BODY, T(c, "remediation.no_command"), 6);
            continue;
        }
        code_block(c, T(c, "column.az"), s->remediation_az, KVA_PDF_MARK_SH);
        code_block(c, T(c, "column.powershell"), s->remediation_ps,
                   KVA_PDF_MARK_PS);
        code_block(c, T(c, "column.verify"), s->remediation_verify,
                   KVA_PDF_MARK_SH);
    }

    if ((r->terraform && *r->terraform) || (r->bicep && *r->bicep)) {
        heading_intro(c, "remediation.iac", "remediation.iac.intro", 60);
        if (r->terraform && *r->terraform) {
            const char *note = T(c, "remediation.terraform.note");
            kva_pdf_heading(d, 3, "Terraform", 60);
            if (*note)
                para(c, &S_MUTED, note, 3);
            code_block(c, NULL, r->terraform, KVA_PDF_MARK_ARROW);
        }
        if (r->bicep && *r->bicep) {
            const char *note = T(c, "remediation.bicep.note");
            kva_pdf_heading(d, 3, "Bicep", 60);
            if (*note)
                para(c, &S_MUTED, note, 3);
            code_block(c, NULL, r->bicep, KVA_PDF_MARK_ARROW);
        }
    }

    kva_pdf_heading(d, 2, T(c, "remediation.rollout"), 40);
    for (int i = 1; i < 100; i++) {
        const char *step = T(c, F(c, "rollout.%d", i));
        if (!*step)
            break;
        kva_pdf_item(d, &S_BODY, F(c, "%d.", i), step, 0);
    }
    const char *dry = T(c, "remediation.dry_run");
    if (*dry) {
        kva_pdf_gap(d, 4);
        para(c, &S_MUTED, dry, 4);
    }
}

/* Exceptions */

static void exceptions(ctx *c)
{
    kva_pdf *d = c->d;
    const kva_result *r = c->r;
    kva_pdf_heading(d, 1, T(c, "section.exceptions"), 0);
    intro(c, "intro.exceptions");
    if (r->n_exceptions == 0) {
        para(c, &S_BODY, T(c, "exceptions.none"), 6);
        return;
    }
    const kva_pdf_col cols[] = {
        {T(c, "column.subscription"), 144, KVA_PDF_LEFT, KVA_PDF_SANS},
        {T(c, "column.reason"), 116, KVA_PDF_LEFT, KVA_PDF_SANS},
        {T(c, "column.owner"), 68, KVA_PDF_LEFT, KVA_PDF_SANS},
        {T(c, "column.expires"), 62, KVA_PDF_LEFT, KVA_PDF_SANS},
        {T(c, "column.ticket"), 56, KVA_PDF_LEFT, KVA_PDF_SANS},
        {T(c, "column.status"), 0, KVA_PDF_LEFT, KVA_PDF_SANS},
    };
    kva_pdf_table_begin(d, cols, 6, 7.5f);
    for (size_t i = 0; i < r->n_exceptions; i++) {
        const kva_res_exception *e = &r->exceptions[i];
        const kva_exception *x = e->exc;
        unsigned st = (unsigned)e->state <= KVA_EXC_UNUSED ? e->state
                                                           : KVA_EXC_UNUSED;
        const char *left =
            e->days_left >= 0
                ? Ts(c, "exception.days_left",
                     count_str(c, (size_t)e->days_left), NULL)
                : Ts(c, "exception.days_ago",
                     count_str(c, (size_t)-(e->days_left + 1) + 1), NULL);
        kva_pdf_cell cells[6] = {
            {.text = e->sub_name ? e->sub_name : or_none(c, NULL),
             .sub = x ? x->sub_id : NULL, .sub_mono = true, .bold = true},
            {.text = x ? x->reason : NULL},
            {.text = x ? or_none(c, x->owner) : NULL},
            {.text = x ? x->expires : NULL, .sub = left},
            {.text = x && x->ticket ? x->ticket : "\xE2\x80\x94"},
            {.text = exc_label(c, e->state), .badge = exc_color[st]},
        };
        kva_pdf_table_row(d, cells);
    }
    kva_pdf_table_end(d);
}

/* Trend */

static void change_table(ctx *c, const char *key, const kva_trend_change *v,
                         size_t n)
{
    kva_pdf *d = c->d;
    kva_pdf_heading(d, 3, F(c, "%s (%s)", T(c, key), count_str(c, n)),
                    n ? 40 : 12);
    if (n == 0) {
        para(c, &S_MUTED, T(c, "label.none"), 4);
        return;
    }
    const kva_pdf_col cols[] = {
        {T(c, "column.subscription"), 260, KVA_PDF_LEFT, KVA_PDF_SANS},
        {T(c, "column.before"), 110, KVA_PDF_LEFT, KVA_PDF_SANS},
        {T(c, "column.now"), 0, KVA_PDF_LEFT, KVA_PDF_SANS},
    };
    kva_pdf_table_begin(d, cols, 3, 7.5f);
    bool added = strcmp(key, "trend.added") == 0;
    bool removed = strcmp(key, "trend.removed") == 0;
    for (size_t i = 0; i < n; i++) {
        kva_pdf_cell cells[3] = {
            {.text = v[i].name && *v[i].name ? v[i].name : v[i].sub_id,
             .sub = v[i].sub_id, .sub_mono = true, .bold = true},
            {.text = added ? "\xE2\x80\x94" : status_label(c, v[i].before),
             .badge = added ? 0 : st_color(v[i].before)},
            {.text = removed ? "\xE2\x80\x94" : status_label(c, v[i].now),
             .badge = removed ? 0 : st_color(v[i].now)},
        };
        kva_pdf_table_row(d, cells);
    }
    kva_pdf_table_end(d);
}

static void trend(ctx *c)
{
    kva_pdf *d = c->d;
    const kva_trend *t = &c->r->trend;
    kva_pdf_heading(d, 1, T(c, "section.trend"), 0);
    if (!t->present) {
        para(c, &S_BODY, T(c, "trend.none"), 6);
        return;
    }
    intro(c, "intro.trend");
    kv(c, T(c, "trend.baseline"), t->baseline_path, true);
    kv(c, T(c, "label.as_of"), t->baseline_as_of, false);
    kva_pdf_gap(d, 6);
    const kva_pdf_col cols[] = {
        {T(c, "column.status"), 160, KVA_PDF_LEFT, KVA_PDF_SANS},
        {T(c, "column.before"), 90, KVA_PDF_RIGHT, KVA_PDF_SANS},
        {T(c, "column.now"), 90, KVA_PDF_RIGHT, KVA_PDF_SANS},
        {T(c, "column.change"), 0, KVA_PDF_RIGHT, KVA_PDF_SANS},
    };
    kva_pdf_table_begin(d, cols, 4, 8);
    for (int s = 0; s < KVA_ST__COUNT; s++) {
        long diff = (long)t->now[s] - (long)t->before[s];
        kva_pdf_cell cells[4] = {
            {.text = status_label(c, (kva_status)s),
             .badge = st_color((kva_status)s)},
            {.text = count_str(c, t->before[s])},
            {.text = count_str(c, t->now[s])},
            {.text = F(c, "%+ld", diff), .bold = diff != 0},
        };
        kva_pdf_table_row(d, cells);
    }
    kva_pdf_cell comp[4] = {
        {.text = T(c, "kpi_label.compliance_pct"), .bold = true},
        {.text = pct_str(c, t->compliance_pct_before)},
        {.text = pct_str(c, t->compliance_pct_now)},
        {.text = t->compliance_pct_before >= 0 && t->compliance_pct_now >= 0
                     ? F(c, "%+.1f %s",
                         t->compliance_pct_now - t->compliance_pct_before,
                         T(c, "trend.points"))
                     : "n/a",
         .bold = true},
    };
    kva_pdf_table_row(d, comp);
    kva_pdf_table_end(d);
    change_table(c, "trend.regressed", t->regressed, t->n_regressed);
    change_table(c, "trend.fixed", t->fixed, t->n_fixed);
    change_table(c, "trend.added", t->added, t->n_added);
    change_table(c, "trend.removed", t->removed, t->n_removed);
}

/* Appendices */

static const char *appendix(ctx *c, char letter, const char *key)
{
    return F(c, "%s %c. %s", T(c, "label.appendix"), letter, T(c, key));
}

/* Pages laid out so far, for the progress line of a long document. */
static void pages_so_far(ctx *c)
{
    kva_report_progress(c->rep, kva_pdf_page_count(c->d), 0, "pages");
}

static void all_subscriptions(ctx *c)
{
    kva_pdf *d = c->d;
    const kva_result *r = c->r;
    kva_pdf_heading(d, 1, appendix(c, 'A', "section.subscriptions"), 0);
    intro(c, "intro.subscriptions");
    const kva_pdf_col cols[] = {
        {T(c, "column.subscription"), 144, KVA_PDF_LEFT, KVA_PDF_SANS},
        {T(c, "column.status"), 68, KVA_PDF_LEFT, KVA_PDF_SANS},
        {F(c, "%s / %s", T(c, "column.tier"), T(c, "column.sub_plan")), 56,
         KVA_PDF_LEFT, KVA_PDF_SANS},
        {T(c, "column.owner"), 72, KVA_PDF_LEFT, KVA_PDF_SANS},
        {F(c, "%s / %s", T(c, "column.environment"),
           T(c, "column.management_group")),
         74, KVA_PDF_LEFT, KVA_PDF_SANS},
        {T(c, "column.vaults"), 36, KVA_PDF_RIGHT, KVA_PDF_SANS},
        {T(c, "column.flags"), 0, KVA_PDF_LEFT, KVA_PDF_SANS},
    };
    if (r->n_subs == 0) {
        para(c, &S_BODY, T(c, "label.none"), 6);
        return;
    }
    kva_pdf_table_begin(d, cols, 7, 7);
    for (size_t i = 0; i < r->n_subs; i++) {
        const kva_res_sub *s = &r->subs[i];
        const char *flags = flags_str(c, s->flags);
        kva_pdf_cell cells[7] = {
            {.text = sub_name(s), .sub = sub_id_line(s), .sub_mono = true,
             .bold = true},
            {.text = status_label(c, s->status), .badge = st_color(s->status),
             .sub = s->sub->state},
            {.text = s->tier ? s->tier : "\xE2\x80\x94", .sub = s->sub_plan},
            {.text = or_none(c, s->owner),
             .color = s->owner ? 0 : KVA_PDF_MUTED},
            {.text = s->environment ? s->environment : T(c, "label.unknown"),
             .sub = s->mgmt_group},
            {.text = F(c, "%s / %s", count_str(c, s->vaults_covered),
                       count_str(c, s->vaults))},
            {.text = *flags ? flags : "\xE2\x80\x94"},
        };
        kva_pdf_table_row(d, cells);
        pages_so_far(c);
    }
    kva_pdf_table_end(d);
}

/* A management group reads as its display name with the id beside it,
 * since names repeat across tenants. */
static const char *breakdown_key(ctx *c, const kva_breakdown *b)
{
    const char *name = kva_breakdown_name(b);
    if (!b->key)
        return T(c, "label.none");
    return name ? F(c, "%s (%s)", name, b->key) : b->key;
}

static void breakdown_table(ctx *c, const char *key, const kva_breakdown *b,
                            size_t n)
{
    kva_pdf *d = c->d;
    kva_pdf_heading(d, 2, T(c, key), 50);
    if (n == 0) {
        para(c, &S_MUTED, T(c, "label.none"), 4);
        return;
    }
    const kva_pdf_col cols[] = {
        {T(c, "column.key"), 250, KVA_PDF_LEFT, KVA_PDF_SANS},
        {T(c, "column.vaults"), 80, KVA_PDF_RIGHT, KVA_PDF_SANS},
        {T(c, "column.covered"), 80, KVA_PDF_RIGHT, KVA_PDF_SANS},
        {T(c, "column.coverage"), 0, KVA_PDF_RIGHT, KVA_PDF_SANS},
    };
    kva_pdf_table_begin(d, cols, 4, 7.5f);
    for (size_t i = 0; i < n; i++) {
        kva_pdf_cell cells[4] = {
            {.text = breakdown_key(c, &b[i])},
            {.text = count_str(c, b[i].vaults_total)},
            {.text = count_str(c, b[i].vaults_covered)},
            {.text = pct_str(c, b[i].vault_coverage_pct), .bold = true,
             .color = kva_pdf_level_color(b[i].vault_coverage_pct)},
        };
        kva_pdf_table_row(d, cells);
    }
    kva_pdf_table_end(d);
}

static void coverage(ctx *c)
{
    const kva_kpis *k = &c->r->kpis;
    kva_pdf_heading(c->d, 1, appendix(c, 'B', "section.coverage"), 0);
    intro(c, "intro.coverage");
    breakdown_table(c, "kpi_label.by_environment", k->by_environment,
                    k->n_by_environment);
    breakdown_table(c, "kpi_label.by_owner", k->by_owner, k->n_by_owner);
    breakdown_table(c, "kpi_label.by_tenant", k->by_tenant, k->n_by_tenant);
    breakdown_table(c, "kpi_label.by_management_group", k->by_management_group,
                    k->n_by_management_group);
}

static bool vault_selected(const kva_report *rep, const kva_res_vault *v)
{
    if (rep->pdf_vaults_all)
        return true;
    if (v->counted && !v->covered)
        return true;
    return v->sub && (v->sub->status == KVA_ST_NONCOMPLIANT ||
                      v->sub->status == KVA_ST_NO_EVIDENCE ||
                      v->sub->status == KVA_ST_EXEMPT);
}

static void vaults(ctx *c)
{
    kva_pdf *d = c->d;
    const kva_result *r = c->r;
    bool all = c->rep->pdf_vaults_all;
    kva_pdf_heading(d, 1,
                    appendix(c, 'C', all ? "section.vaults_all"
                                         : "section.vaults"),
                    0);
    intro(c, all ? "intro.vaults_all" : "intro.vaults");
    const kva_pdf_col cols[] = {
        {T(c, "column.vault"), 150, KVA_PDF_LEFT, KVA_PDF_SANS},
        {T(c, "column.location"), 76, KVA_PDF_LEFT, KVA_PDF_SANS},
        {T(c, "column.covered"), 54, KVA_PDF_LEFT, KVA_PDF_SANS},
        {T(c, "column.owner"), 130, KVA_PDF_LEFT, KVA_PDF_SANS},
        {T(c, "column.environment"), 0, KVA_PDF_LEFT, KVA_PDF_SANS},
    };
    size_t rows = 0;
    const kva_res_sub *cur = NULL;
    bool started = false;
    for (size_t i = 0; i < r->n_vaults; i++) {
        const kva_res_vault *v = &r->vaults[i];
        if (!vault_selected(c->rep, v))
            continue;
        if (!started) {
            kva_pdf_table_begin(d, cols, 5, 7);
            started = true;
        }
        if (rows == 0 || v->sub != cur) {
            cur = v->sub;
            if (cur)
                kva_pdf_table_group(
                    d, F(c, "%s \xC2\xB7 %s \xC2\xB7 %s \xC2\xB7 %s",
                         sub_name(cur), cur->sub->id,
                         status_label(c, cur->status),
                         Ts(c, "vaults.group_covered",
                            count_str(c, cur->vaults_covered),
                            count_str(c, cur->vaults))));
            else
                kva_pdf_table_group(d, F(c, "%s %s",
                                         T(c, "column.subscription"),
                                         v->vault->sub_id ? v->vault->sub_id
                                                          : "?"));
        }
        rows++;
        const char *src = T(c, F(c, "owner_source_short.%s",
                                 kva_owner_source_name(v->owner_source)));
        const char *covered =
            !v->counted ? status_label(c, KVA_ST_NOT_APPLICABLE)
            : v->covered ? T(c, "label.yes")
                         : T(c, "label.no");
        kva_pdf_cell cells[5] = {
            {.text = v->vault->name ? v->vault->name : v->vault->id,
             .sub = v->vault->resource_group},
            {.text = v->vault->location ? v->vault->location : "\xE2\x80\x94"},
            /* Coloured text, not a badge: this table may have 100,000
             * rows, and a pill is a dozen path operators each. */
            {.text = covered, .bold = true,
             .color = !v->counted ? STATUS_NA
                      : v->covered ? STATUS_COMPLIANT
                                   : STATUS_NONCOMPLIANT,
             .sub = v->vault_pricing && v->vault_pricing->tier
                        ? F(c, "%s: %s", T(c, "column.tier"),
                            v->vault_pricing->tier)
                        : NULL},
            {.text = or_none(c, v->owner),
             .color = v->owner ? 0 : KVA_PDF_MUTED, .sub = src},
            {.text = v->environment ? v->environment : T(c, "label.unknown")},
        };
        kva_pdf_table_row(d, cells);
        pages_so_far(c);
    }
    if (started)
        kva_pdf_table_end(d);
    else
        para(c, &S_BODY, T(c, "vaults.none"), 6);
}

static void evidence(ctx *c)
{
    kva_pdf *d = c->d;
    const kva_result *r = c->r;
    kva_pdf_heading(d, 1, appendix(c, 'D', "section.evidence"), 0);
    intro(c, "intro.evidence");
    kv(c, T(c, "label.generated_by"), c->rep->tool_version, false);
    kv(c, T(c, "label.libraries"), c->rep->lib_versions, false);
    kv(c, T(c, "label.as_of"), c->as_of, false);
    kv(c, T(c, "label.command_line"), c->rep->command_line, true);
    kva_pdf_gap(d, 6);
    if (r->n_inputs > 0) {
        const kva_pdf_col cols[] = {
            {F(c, "%s / %s", T(c, "column.path"), T(c, "column.sha256")), 300,
             KVA_PDF_LEFT, KVA_PDF_SANS},
            {T(c, "column.kind"), 70, KVA_PDF_LEFT, KVA_PDF_SANS},
            {T(c, "column.records"), 55, KVA_PDF_RIGHT, KVA_PDF_SANS},
            {T(c, "column.bytes"), 0, KVA_PDF_RIGHT, KVA_PDF_SANS},
        };
        kva_pdf_table_begin(d, cols, 4, 7.5f);
        for (size_t i = 0; i < r->n_inputs; i++) {
            const kva_input *in = &r->inputs[i];
            kva_pdf_cell cells[4] = {
                {.text = in->path, .sub = in->sha256[0] ? in->sha256 : NULL,
                 .sub_mono = true},
                {.text = in->failed ? T(c, "label.skipped")
                                    : kva_kind_name(in->kind),
                 .badge = in->failed ? STATUS_NO_EVIDENCE : 0},
                {.text = count_str(c, in->records)},
                {.text = count_str(c, (size_t)in->bytes)},
            };
            kva_pdf_table_row(d, cells);
        }
        kva_pdf_table_end(d);
    }

    heading_intro(c, "section.warnings", "intro.warnings", 40);
    if (r->n_warnings == 0) {
        para(c, &S_MUTED, T(c, "warnings.none"), 4);
        return;
    }
    const kva_pdf_col wcols[] = {
        {T(c, "column.code"), 110, KVA_PDF_LEFT, KVA_PDF_MONO},
        {T(c, "column.message"), 0, KVA_PDF_LEFT, KVA_PDF_SANS},
    };
    kva_pdf_table_begin(d, wcols, 2, 7.5f);
    for (size_t i = 0; i < r->n_warnings; i++) {
        const kva_res_warning *w = &r->warnings[i];
        const char *where = NULL;
        if (w->path && w->line)
            where = F(c, "%s:%u:%u", w->path, (unsigned)w->line,
                      (unsigned)w->col);
        else if (w->path)
            where = w->path;
        if (w->sub_id)
            where = where ? F(c, "%s \xC2\xB7 %s", where, w->sub_id)
                          : w->sub_id;
        kva_pdf_cell cells[2] = {
            {.text = w->code},
            {.text = w->message, .sub = where, .sub_mono = true},
        };
        kva_pdf_table_row(d, cells);
    }
    kva_pdf_table_end(d);
}

static void method(ctx *c)
{
    kva_pdf *d = c->d;
    const kva_control *ctl = c->ctl;
    kva_pdf_heading(d, 1, appendix(c, 'E', "section.method"), 0);
    kva_pdf_heading(d, 2, T(c, "section.control"), 60);
    if (ctl) {
        kv(c, T(c, "label.control"), ctl->id, false);
        kv(c, T(c, "column.title"), ctl->title, false);
        kv(c, T(c, "label.plan"), ctl->plan, false);
        kv(c, T(c, "column.tier"), ctl->required_tier, false);
        kv(c, T(c, "column.sub_plan"), ctl->required_sub_plan, false);
        kva_pdf_gap(d, 4);
        if (ctl->description && *ctl->description)
            para(c, &S_BODY, ctl->description, 6);
    }
    intro(c, "intro.method");

    kva_pdf_heading(d, 2, T(c, "section.statuses"), 60);
    const kva_pdf_col scols[] = {
        {T(c, "column.status"), 90, KVA_PDF_LEFT, KVA_PDF_SANS},
        {T(c, "column.meaning"), 0, KVA_PDF_LEFT, KVA_PDF_SANS},
    };
    kva_pdf_table_begin(d, scols, 2, 7.5f);
    for (int s = 0; s < KVA_ST__COUNT; s++) {
        kva_pdf_cell cells[2] = {
            {.text = status_label(c, (kva_status)s),
             .badge = st_color((kva_status)s)},
            {.text = T(c, F(c, "status.%s", kva_status_name((kva_status)s)))},
        };
        kva_pdf_table_row(d, cells);
    }
    kva_pdf_table_end(d);

    kva_pdf_heading(d, 2, T(c, "section.flags"), 60);
    kva_pdf_table_begin(d, (const kva_pdf_col[]){
                               {T(c, "column.flags"), 110, KVA_PDF_LEFT,
                                KVA_PDF_SANS},
                               {T(c, "column.meaning"), 0, KVA_PDF_LEFT,
                                KVA_PDF_SANS}},
                        2, 7.5f);
    for (unsigned i = 0; i < KVA_FLAG__COUNT; i++) {
        kva_pdf_cell cells[2] = {
            {.text = T(c, F(c, "flag_label.%s", kva_flag_name(i))),
             .sub = kva_flag_name(i), .sub_mono = true, .bold = true},
            {.text = T(c, F(c, "flag.%s", kva_flag_name(i)))},
        };
        kva_pdf_table_row(d, cells);
    }
    kva_pdf_table_end(d);

    static const char *const kpis[] = {
        "subscriptions_total", "subscriptions_in_scope",
        "subscription_coverage_pct", "compliance_pct", "vaults_total",
        "vaults_covered", "vault_coverage_pct", "vaults_with_owner",
        "owner_coverage_pct"};
    kva_pdf_heading(d, 2, T(c, "section.kpis"), 60);
    kva_pdf_table_begin(d, (const kva_pdf_col[]){
                               {T(c, "column.kpi"), 150, KVA_PDF_LEFT,
                                KVA_PDF_SANS},
                               {T(c, "column.formula"), 0, KVA_PDF_LEFT,
                                KVA_PDF_SANS}},
                        2, 7.5f);
    for (size_t i = 0; i < sizeof kpis / sizeof kpis[0]; i++) {
        kva_pdf_cell cells[2] = {
            {.text = T(c, F(c, "kpi_label.%s", kpis[i])), .sub = kpis[i],
             .sub_mono = true, .bold = true},
            {.text = T(c, F(c, "kpi.%s", kpis[i]))},
        };
        kva_pdf_table_row(d, cells);
    }
    kva_pdf_table_end(d);

    if (ctl && ctl->n_refs > 0) {
        kva_pdf_heading(d, 2, T(c, "label.references"), 60);
        kva_pdf_table_begin(d, (const kva_pdf_col[]){
                                   {T(c, "column.reference"), 120,
                                    KVA_PDF_LEFT, KVA_PDF_SANS},
                                   {T(c, "column.title"), 0, KVA_PDF_LEFT,
                                    KVA_PDF_SANS}},
                            2, 7.5f);
        for (size_t i = 0; i < ctl->n_refs; i++) {
            const kva_reference *ref = &ctl->refs[i];
            const char *detail = ref->version ? ref->version : NULL;
            if (ref->effect)
                detail = detail ? F(c, "%s \xC2\xB7 %s", detail, ref->effect)
                                : ref->effect;
            const char *title = ref->title ? ref->title : "";
            if (detail)
                title = F(c, "%s (%s)", title, detail);
            kva_pdf_cell cells[2] = {
                {.text = ref->id, .sub = ref->kind, .bold = true},
                {.text = title, .sub = ref->url, .sub_mono = true},
            };
            kva_pdf_table_row(d, cells);
        }
        kva_pdf_table_end(d);
    }

    kva_pdf_heading(d, 2, T(c, "section.rendering"), 30);
    para(c, &S_BODY, T(c, "rendering.fonts"), 4);
    /* Counted up to here: everything but the footers, which are drawn at
     * the end and hold only the tool's own text and the page numbers. */
    para(c, &S_BODY,
         F(c, "%s %s", T(c, "rendering.replaced"),
           count_str(c, kva_pdf_replaced(d))),
         4);
}

static void format_as_of(int64_t t, char out[32])
{
    char iso[21];
    kva_time_format(t, iso); /* YYYY-MM-DDTHH:MM:SSZ */
    snprintf(out, 32, "%.10s %.5s UTC", iso, iso + 11);
}

static const char *keywords(ctx *c)
{
    const char *k = "Microsoft Defender for Key Vault; Defender for Cloud; "
                    "KeyVaults; Azure Key Vault; compliance evidence";
    if (c->ctl)
        for (size_t i = 0; i < c->ctl->n_refs; i++) {
            const kva_reference *ref = &c->ctl->refs[i];
            if (!ref->id || !ref->kind)
                continue;
            if (strcmp(ref->kind, "cis") == 0)
                k = F(c, "%s; CIS %s", k, ref->id);
            else if (strcmp(ref->kind, "azure_policy") == 0)
                k = F(c, "%s; Azure Policy %s", k, ref->id);
            else if (strcmp(ref->kind, "mcsb") == 0)
                k = F(c, "%s; MCSB %s", k, ref->id);
        }
    return k;
}

kva_error kva_render_pdf_ex(const kva_report *rep, const char *path,
                            kva_pdf_stats *stats, kva_diag *err)
{
    kva_error rc;
    ctx c = {.rep = rep, .r = rep->result};
    if (stats)
        *stats = (kva_pdf_stats){0};
    if (!c.r) {
        kva_diag_set(err, KVA_ERR_RENDER, NULL, 0, 0, "PDF: no result");
        return KVA_ERR_RENDER;
    }
    c.ctl = rep->templates ? kva_templates_control(rep->templates) : NULL;
    format_as_of(rep->as_of, c.as_of);
    const char *title = rep->title && *rep->title ? rep->title
                                                  : T(&c, "title");
    const char *org = rep->org && *rep->org ? rep->org : NULL;
    const char *ctl_id = c.ctl && c.ctl->id ? c.ctl->id : "";
    kva_pdf_opts o = {
        .header_left = title,
        .header_right = F(&c, "%s%s%s%s%s",
                          c.r->complete ? "" : T(&c, "label.incomplete"),
                          c.r->complete ? "" : " \xC2\xB7 ", org ? org : "",
                          org ? " \xC2\xB7 " : "",
                          F(&c, "%s %s", T(&c, "label.as_of"), c.as_of)),
        .footer_left = F(&c, "%s%s%s", ctl_id, *ctl_id ? " \xC2\xB7 " : "",
                         rep->tool_version ? rep->tool_version : "kvaudit"),
        .page_label = T(&c, "label.page"),
        .page_of = T(&c, "label.page_of"),
        .title = title,
        /* Viewers and document systems show the author: the
           organisation, else the tool that wrote it, never nothing. */
        .author = org ? org : "kvaudit",
        .subject = c.ctl && c.ctl->title
                       ? F(&c, "%s: %s", ctl_id, c.ctl->title)
                       : T(&c, "subtitle"),
        .keywords = keywords(&c),
        .creator = rep->tool_version,
        .has_date = true,
        .date = rep->as_of,
    };
    rc = kva_pdf_new(&o, &c.d, err);
    if (rc != KVA_OK)
        goto done;
    summary(&c);
    findings(&c);
    pages_so_far(&c);
    remediation(&c);
    pages_so_far(&c);
    exceptions(&c);
    trend(&c);
    all_subscriptions(&c);
    coverage(&c);
    vaults(&c);
    evidence(&c);
    method(&c);
    pages_so_far(&c);
    if (c.nomem) {
        rc = KVA_ERR_NOMEM;
        kva_diag_set(err, rc, NULL, 0, 0, "PDF: out of memory");
        goto done;
    }
    rc = kva_pdf_save(c.d, path, err);
    if (rc == KVA_OK && stats) {
        stats->pages = kva_pdf_page_count(c.d);
        stats->replaced = kva_pdf_replaced(c.d);
        stats->cut = kva_pdf_cut(c.d);
    }
done:
    kva_pdf_free(c.d);
    for (unsigned i = 0; i < RING; i++)
        free(c.ring[i]);
    return rc;
}

kva_error kva_render_pdf(const kva_report *rep, const char *path,
                         kva_diag *err)
{
    kva_pdf_stats st;
    kva_error rc = kva_render_pdf_ex(rep, path, &st, err);
    if (rc != KVA_OK || rep->quiet)
        return rc;
    if (st.replaced > 0 || st.cut > 0)
        kva_report_progress(rep, 0, 0, NULL); /* the line is ours now */
    if (st.replaced > 0)
        kva_msg("warning: report.pdf: %zu character%s drawn as U+FFFD: no "
                "installed font has %s",
                st.replaced, st.replaced == 1 ? "" : "s",
                st.replaced == 1 ? "it" : "them");
    if (st.cut > 0)
        kva_msg("warning: report.pdf: %zu table cell%s longer than 32,767 "
                "characters cut, with a marker; report.json holds %s whole",
                st.cut, st.cut == 1 ? "" : "s", st.cut == 1 ? "it" : "them");
    return rc;
}

#include "render.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xlsxwriter.h>

#include "../text.h"
#include "xlsx_cell.h"

/*
 * report.xlsx (DESIGN.md section 5): eight sheets in a fixed order, every
 * table with a frozen header row and an autofilter, statuses coloured by
 * conditional formats (one single-column range per rule: a text rule over
 * several columns picks the wrong column in libxlsxwriter 1.1.4, #395).
 * No worksheet tables (no autofilter may overlap one in 1.1.4), no data
 * validation (#394), no merged cells (constant_memory cannot write them).
 *
 * Rows are always written top to bottom, so that the same code serves
 * both memory modes of libxlsxwriter. The mode is chosen by size:
 *
 * - Default mode keeps every cell in memory until workbook_close (about
 *   150 bytes a cell: 100,000 rows of 11 strings alone take 169 MB). It
 *   writes a shared string table, which Apple Numbers needs, and caches
 *   the charts' values in the chart parts.
 * - constant_memory streams each row to a temporary file, but writes
 *   inline strings (Numbers cannot read them) and charts without cached
 *   values (Excel recomputes them; LibreOffice draws them from the cells,
 *   checked by converting such a workbook to PDF headless).
 *
 * Measured on the large tenant of DESIGN.md section 7 (5,000
 * subscriptions, 100,000 vaults, `report -f xlsx`): default mode 279 MB
 * peak RSS and 11.5 s; constant_memory 181 MB (the readers' peak: the
 * workbook adds nothing measurable) and 6.0 s. So workbooks up to
 * CONSTANT_MEMORY_CELLS cells (some 20,000 vaults, under 40 MB in default
 * mode) are written in default mode, for the widest compatibility, and
 * larger ones in constant_memory, whose memory does not grow with the
 * estate. Same input, same mode: the output stays deterministic.
 */
#define CONSTANT_MEMORY_CELLS 250000

enum {
    S_SUMMARY,
    S_SUBSCRIPTIONS,
    S_VAULTS,
    S_OWNERS,
    S_REMEDIATION,
    S_EXCEPTIONS,
    S_EVIDENCE,
    S_WARNINGS,
    S__COUNT
};

/* Fixed by the contract, in this order. */
static const char *const sheet_names[S__COUNT] = {
    "Summary",     "Subscriptions", "Key Vaults", "Owners",
    "Remediation", "Exceptions",    "Evidence",   "Warnings",
};

/* Tooltips of the Summary's links. */
static const char *const sheet_blurbs[S__COUNT] = {
    "",
    "one row per subscription: status, plan, owner, exception, fix",
    "one row per key vault: covered or not, owner, environment",
    "coverage per owner, environment, management group and tenant",
    "commands for the failing subscriptions, in priority order",
    "the exceptions register and the state of each entry",
    "every input file with its SHA-256, and how this report was made",
    "everything the run noticed that a reviewer should know",
};

/* Fixed status colours, shared by the conditional formats and the chart:
 * fill and text of the cell, then the chart slice. */
static const struct {
    lxw_color_t fill, font, chart;
} status_colours[KVA_ST__COUNT] = {
    [KVA_ST_NONCOMPLIANT] = {0xFFC7CE, 0x9C0006, 0xC00000},
    [KVA_ST_NO_EVIDENCE] = {0xFFEB9C, 0x9C5700, 0xFFC000},
    [KVA_ST_EXEMPT] = {0xDDEBF7, 0x1F4E78, 0x5B9BD5},
    [KVA_ST_COMPLIANT] = {0xC6EFCE, 0x006100, 0x70AD47},
    [KVA_ST_NOT_APPLICABLE] = {0xEDEDED, 0x595959, 0xA5A5A5},
};

#define C_ACCENT 0x1F4E78
#define C_GOOD_CHART 0x70AD47
#define C_BAD_CHART 0xC00000

typedef struct fmts {
    lxw_format *title, *section, *label, *header, *note, *mono, *mono_wrap,
        *wrap, *count, *count_bold, *pct, *date, *datetime, *datetime_short,
        *na, *pass, *fail, *banner, *link, *delta, *delta_pct, *bold, *center,
        *top, *count_top, *date_top, *indent, *money;
    /* conditional formats */
    lxw_format *status[KVA_ST__COUNT];
    lxw_format *good, *warn, *bad, *grey;
} fmts;

typedef struct ctx {
    const kva_report *rep;
    const kva_result *res;
    kva_xlsx x;
    fmts f;
    kva_xlsx_sheet sh[S__COUNT];
    char *sb; /* string builder for joined values */
    size_t sb_len, sb_cap;
    uint64_t rows; /* rows of the two long sheets written, for progress */
} ctx;

/* One more row of the Subscriptions or Key Vaults sheet. */
static void row_written(ctx *c)
{
    kva_report_progress(c->rep, ++c->rows,
                        (uint64_t)c->res->n_subs + c->res->n_vaults, "rows");
}

typedef struct column {
    const char *header;
    unsigned min, max; /* width bounds, in characters */
} column;

static void sb_reset(ctx *c)
{
    c->sb_len = 0;
    if (c->sb)
        c->sb[0] = '\0';
}

static void sb_add(ctx *c, const char *s)
{
    size_t n = strlen(s);
    if (c->sb_len + n + 1 > c->sb_cap) {
        size_t nc = c->sb_cap ? c->sb_cap : 256;
        while (nc < c->sb_len + n + 1)
            nc *= 2;
        char *p = realloc(c->sb, nc);
        if (!p) {
            c->x.nomem = true;
            return;
        }
        c->sb = p;
        c->sb_cap = nc;
    }
    memcpy(c->sb + c->sb_len, s, n + 1);
    c->sb_len += n;
}

/* The builder's text, or "" when nothing was added (or memory ran out,
 * which kva_xlsx_failed reports). */
static const char *sb_text(ctx *c)
{
    return c->sb && !c->x.nomem ? c->sb : "";
}

static void text(kva_xlsx_sheet *sh, lxw_row_t r, lxw_col_t col, const char *s,
                 lxw_format *f)
{
    kva_xlsx_put_text(sh, r, col, s, f, 0);
}

static void count(kva_xlsx_sheet *sh, lxw_row_t r, lxw_col_t col, double v,
                  lxw_format *f)
{
    kva_xlsx_put_count(sh, r, col, v, f);
}

/* A percentage of the result (0-100, -1 for null) as a percent cell. */
static void pct(ctx *c, kva_xlsx_sheet *sh, lxw_row_t r, lxw_col_t col,
                double v)
{
    if (v < 0 || !isfinite(v))
        text(sh, r, col, "n/a", c->f.na);
    else
        kva_xlsx_put_number(sh, r, col, v / 100.0, c->f.pct, 6);
}

/* A breakdown row's key; a management group reads as its display name
 * with the id beside it, since names repeat across tenants. */
static void breakdown_key(ctx *c, kva_xlsx_sheet *sh, lxw_row_t r,
                          lxw_col_t col, const kva_breakdown *b)
{
    const char *name = kva_breakdown_name(b);
    if (!name) {
        text(sh, r, col, b->key, NULL);
        return;
    }
    size_t n = strlen(name) + strlen(b->key) + sizeof " ()";
    char *s = malloc(n);
    if (!s) {
        c->x.nomem = true;
        return;
    }
    snprintf(s, n, "%s (%s)", name, b->key);
    text(sh, r, col, s, NULL);
    free(s);
}

static lxw_format *new_format(ctx *c)
{
    lxw_format *f = workbook_add_format(c->x.wb);
    if (!f)
        c->x.nomem = true;
    return f;
}

static lxw_format *cf_format(ctx *c, lxw_color_t fill, lxw_color_t font)
{
    lxw_format *f = new_format(c);
    if (f) {
        format_set_bg_color(f, fill);
        format_set_font_color(f, font);
    }
    return f;
}

static bool make_formats(ctx *c)
{
    fmts *f = &c->f;
    lxw_format **all[] = {
        &f->title,     &f->section,        &f->label,     &f->header,
        &f->note,      &f->mono,           &f->mono_wrap, &f->wrap,
        &f->count,     &f->count_bold,     &f->pct,       &f->date,
        &f->datetime,  &f->datetime_short, &f->na,        &f->pass,
        &f->fail,      &f->banner,         &f->link,      &f->delta,
        &f->delta_pct, &f->bold,           &f->center,    &f->top,
        &f->count_top, &f->date_top,       &f->indent,    &f->money,
    };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (!(*all[i] = new_format(c)))
            return false;

    format_set_bold(f->title);
    format_set_font_size(f->title, 18);
    format_set_font_color(f->title, C_ACCENT);
    format_set_align(f->title, LXW_ALIGN_VERTICAL_CENTER);

    format_set_bold(f->section);
    format_set_font_size(f->section, 13);
    format_set_font_color(f->section, C_ACCENT);

    format_set_bold(f->label);
    format_set_align(f->label, LXW_ALIGN_VERTICAL_TOP);

    format_set_bold(f->bold);
    format_set_align(f->center, LXW_ALIGN_CENTER);
    format_set_indent(f->indent, 1);
    format_set_align(f->indent, LXW_ALIGN_VERTICAL_CENTER);
    /* Sheets whose rows may hold wrapped text align every cell to the
     * top, so that a row reads as one line. */
    format_set_align(f->top, LXW_ALIGN_VERTICAL_TOP);
    format_set_align(f->count_top, LXW_ALIGN_VERTICAL_TOP);
    format_set_num_format(f->count_top, "0");
    format_set_align(f->date_top, LXW_ALIGN_VERTICAL_TOP);
    format_set_align(f->date_top, LXW_ALIGN_LEFT);
    format_set_num_format(f->date_top, "yyyy-mm-dd");

    format_set_bold(f->header);
    format_set_font_color(f->header, LXW_COLOR_WHITE);
    format_set_bg_color(f->header, C_ACCENT);
    format_set_text_wrap(f->header);
    format_set_align(f->header, LXW_ALIGN_VERTICAL_CENTER);
    format_set_bottom(f->header, LXW_BORDER_THIN);
    format_set_bottom_color(f->header, LXW_COLOR_WHITE);

    format_set_italic(f->note);
    format_set_font_color(f->note, 0x595959);

    format_set_font_name(f->mono, "Consolas");
    format_set_font_size(f->mono, 10);
    format_set_align(f->mono, LXW_ALIGN_VERTICAL_TOP);
    format_set_font_name(f->mono_wrap, "Consolas");
    format_set_font_size(f->mono_wrap, 10);
    format_set_text_wrap(f->mono_wrap);
    format_set_align(f->mono_wrap, LXW_ALIGN_VERTICAL_TOP);

    format_set_text_wrap(f->wrap);
    format_set_align(f->wrap, LXW_ALIGN_VERTICAL_TOP);

    format_set_num_format(f->count, "#,##0");
    format_set_num_format(f->count_bold, "#,##0");
    format_set_bold(f->count_bold);
    format_set_num_format(f->pct, "0.0%");
    format_set_num_format(f->money, "#,##0.00");
    format_set_num_format(f->date, "yyyy-mm-dd");
    format_set_align(f->date, LXW_ALIGN_LEFT);
    format_set_num_format(f->datetime, "yyyy-mm-dd hh:mm:ss");
    format_set_align(f->datetime, LXW_ALIGN_LEFT);
    format_set_num_format(f->datetime_short, "yyyy-mm-dd hh:mm");
    format_set_align(f->datetime_short, LXW_ALIGN_LEFT);
    format_set_num_format(f->delta, "+#,##0;-#,##0;0");
    format_set_num_format(f->delta_pct, "+0.0%;-0.0%;0.0%");

    format_set_italic(f->na);
    format_set_font_color(f->na, 0x7F7F7F);
    format_set_align(f->na, LXW_ALIGN_RIGHT);

    format_set_bold(f->pass);
    format_set_font_size(f->pass, 14);
    format_set_align(f->pass, LXW_ALIGN_CENTER);
    format_set_bg_color(f->pass, status_colours[KVA_ST_COMPLIANT].fill);
    format_set_font_color(f->pass, status_colours[KVA_ST_COMPLIANT].font);
    format_set_border(f->pass, LXW_BORDER_THIN);
    format_set_border_color(f->pass, status_colours[KVA_ST_COMPLIANT].font);

    format_set_bold(f->fail);
    format_set_font_size(f->fail, 14);
    format_set_align(f->fail, LXW_ALIGN_CENTER);
    format_set_bg_color(f->fail, status_colours[KVA_ST_NONCOMPLIANT].fill);
    format_set_font_color(f->fail, status_colours[KVA_ST_NONCOMPLIANT].font);
    format_set_border(f->fail, LXW_BORDER_THIN);
    format_set_border_color(f->fail, status_colours[KVA_ST_NONCOMPLIANT].font);

    format_set_bold(f->banner);
    format_set_bg_color(f->banner, status_colours[KVA_ST_NONCOMPLIANT].fill);
    format_set_font_color(f->banner, status_colours[KVA_ST_NONCOMPLIANT].font);

    format_set_underline(f->link, LXW_UNDERLINE_SINGLE);
    format_set_font_color(f->link, 0x0563C1);

    for (int s = 0; s < KVA_ST__COUNT; s++)
        if (!(f->status[s] =
                  cf_format(c, status_colours[s].fill, status_colours[s].font)))
            return false;
    f->good = f->status[KVA_ST_COMPLIANT];
    f->warn = f->status[KVA_ST_NO_EVIDENCE];
    f->bad = f->status[KVA_ST_NONCOMPLIANT];
    f->grey = f->status[KVA_ST_NOT_APPLICABLE];
    return true;
}

/* Colour the cells of column col, rows r1..r2, that equal `value`. */
static void cf_equals(kva_xlsx_sheet *sh, lxw_row_t r1, lxw_row_t r2,
                      lxw_col_t col, const char *value, lxw_format *f)
{
    char quoted[64];
    lxw_conditional_format cf;

    if (r2 < r1 || kva_xlsx_failed(sh->x))
        return;
    snprintf(quoted, sizeof quoted, "\"%s\"", value);
    memset(&cf, 0, sizeof cf);
    cf.type = LXW_CONDITIONAL_TYPE_CELL;
    cf.criteria = LXW_CONDITIONAL_CRITERIA_EQUAL_TO;
    cf.value_string = quoted;
    cf.format = f;
    kva_xlsx_check(sh->x, worksheet_conditional_format_range(sh->ws, r1, col,
                                                             r2, col, &cf));
}

static void cf_statuses(ctx *c, kva_xlsx_sheet *sh, lxw_row_t r1, lxw_row_t r2,
                        lxw_col_t col)
{
    for (int s = 0; s < KVA_ST__COUNT; s++)
        cf_equals(sh, r1, r2, col, kva_status_name((kva_status)s),
                  c->f.status[s]);
}

/* Width a header needs: it may wrap onto two lines at a space. */
static unsigned header_width(const char *h)
{
    size_t len = strlen(h), longest = 0, word = 0;
    for (size_t i = 0; i <= len; i++) {
        if (h[i] == ' ' || h[i] == '\0') {
            if (word > longest)
                longest = word;
            word = 0;
        } else {
            word++;
        }
    }
    size_t half = (len + 1) / 2;
    size_t w = strchr(h, ' ') ? (longest > half ? longest : half) : len;
    return (unsigned)w + 3; /* room for the filter button */
}

static void table_header(ctx *c, kva_xlsx_sheet *sh, lxw_row_t r,
                         const column *cols, size_t n)
{
    kva_xlsx_check(&c->x, worksheet_set_row(sh->ws, r, 32, NULL));
    for (size_t i = 0; i < n; i++)
        kva_xlsx_put_text(sh, r, (lxw_col_t)i, cols[i].header, c->f.header,
                          KVA_XLSX_NO_WIDEN);
}

/* Column widths from content, within each column's bounds. */
static void set_widths(kva_xlsx_sheet *sh, const column *cols, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned w = sh->width[i] + 2, h = header_width(cols[i].header);
        if (w < h)
            w = h;
        if (w < cols[i].min)
            w = cols[i].min;
        if (w > cols[i].max)
            w = cols[i].max;
        kva_xlsx_check(sh->x, worksheet_set_column(sh->ws, (lxw_col_t)i,
                                                   (lxw_col_t)i, w, NULL));
    }
}

/* Printing: landscape A4, one page wide where the columns allow it (wide
 * sheets would shrink to an unreadable size), page numbers below. */
static void page_setup(kva_xlsx_sheet *sh, bool fit_width)
{
    worksheet_set_landscape(sh->ws);
    worksheet_set_paper(sh->ws, 9); /* A4 */
    if (fit_width)
        worksheet_fit_to_pages(sh->ws, 1, 0);
    kva_xlsx_check(sh->x, worksheet_set_footer(sh->ws, "&L&A&RPage &P of &N"));
}

/* Frozen header row, autofilter over the whole table, widths, printing. */
/*
 * fit_width: print one page wide. Wide sheets (0) print at full size
 * instead, with their first `keep` columns repeated on every page and
 * the print area ending at the table's last column, so that text running
 * past it does not add pages.
 */
static void table_finish(kva_xlsx_sheet *sh, lxw_row_t hdr, lxw_row_t last,
                         const column *cols, size_t n, bool fit_width,
                         lxw_col_t keep)
{
    if (kva_xlsx_failed(sh->x))
        return;
    worksheet_freeze_panes(sh->ws, hdr + 1, 0);
    kva_xlsx_check(sh->x,
                   worksheet_autofilter(sh->ws, hdr, 0, last < hdr ? hdr : last,
                                        (lxw_col_t)(n - 1)));
    kva_xlsx_check(sh->x, worksheet_repeat_rows(sh->ws, hdr, hdr));
    set_widths(sh, cols, n);
    worksheet_gridlines(sh->ws, LXW_SHOW_ALL_GRIDLINES);
    page_setup(sh, fit_width);
    if (keep)
        kva_xlsx_check(sh->x, worksheet_repeat_columns(sh->ws, 0, keep - 1));
    if (!fit_width)
        kva_xlsx_check(sh->x, worksheet_print_area(sh->ws, 0, 0,
                                                   last < hdr ? hdr : last,
                                                   (lxw_col_t)(n - 1)));
}

/* Give row r room for `lines` lines of text (fonts of 10-11 points). */
static void row_height(kva_xlsx_sheet *sh, lxw_row_t r, unsigned lines)
{
    double h = 14.5 * lines + 3;
    if (lines <= 1)
        return;
    if (h > 409) /* Excel's highest row */
        h = 409;
    kva_xlsx_check(sh->x, worksheet_set_row(sh->ws, r, h, NULL));
}

/*
 * True while row r can hold data. Excel has 1,048,576 rows; the last one
 * is kept for a visible note of what did not fit (report.json has it all).
 */
static bool row_fits(kva_xlsx_sheet *sh, lxw_row_t r, size_t left)
{
    char msg[200];
    if (r < KVA_XLSX_LAST_ROW)
        return true;
    if (sh->full)
        return false;
    sh->full = true;
    snprintf(msg, sizeof msg,
             "%zu more rows are not shown: a worksheet holds at most "
             "1,048,576 rows (report.json lists them all)",
             left);
    kva_xlsx_put_text(sh, KVA_XLSX_LAST_ROW, 0, msg, NULL, KVA_XLSX_NO_WIDEN);
    kva_xlsx_note_add(sh->x, "xlsx_rows_cut", "%s: %s", sh->name, msg);
    return false;
}

static void cell_time(ctx *c, kva_xlsx_sheet *sh, lxw_row_t r, lxw_col_t col,
                      int64_t t)
{
    if (t != KVA_UNKNOWN_TIME)
        kva_xlsx_put_time(sh, r, col, t, c->f.datetime, 19);
}

static void cell_date(ctx *c, kva_xlsx_sheet *sh, lxw_row_t r, lxw_col_t col,
                      int64_t t, const char *as_written)
{
    if (t != KVA_UNKNOWN_TIME)
        kva_xlsx_put_time(sh, r, col, t, c->f.date, 10);
    else
        text(sh, r, col, as_written, NULL);
}

static void summary_sheets_row(ctx *c, kva_xlsx_sheet *sh, lxw_row_t r)
{
    char target[64];
    kva_xlsx_put_text(sh, r, 0, "Sheets", c->f.label, 0);
    for (int s = 1; s < S__COUNT; s++) {
        snprintf(target, sizeof target, "internal:'%s'!A1", sheet_names[s]);
        kva_xlsx_put_link(sh, r, (lxw_col_t)s, target, sheet_names[s],
                          sheet_blurbs[s], c->f.link);
    }
}

static void status_chart(ctx *c, kva_xlsx_sheet *sh, lxw_row_t at,
                         lxw_row_t first)
{
    lxw_chart *ch = workbook_add_chart(c->x.wb, LXW_CHART_DOUGHNUT);
    lxw_chart_series *ser = ch ? chart_add_series(ch, NULL, NULL) : NULL;
    lxw_chart_fill fill[KVA_ST__COUNT];
    lxw_chart_point pt[KVA_ST__COUNT];
    lxw_chart_point *pts[KVA_ST__COUNT + 1];
    lxw_chart_options opt = {
        .x_offset = 16, .y_offset = 4, .x_scale = 1.0, .y_scale = 1.0};

    if (!ser) {
        c->x.nomem = true;
        return;
    }
    chart_series_set_categories(ser, sh->name, first, 0,
                                first + KVA_ST__COUNT - 1, 0);
    chart_series_set_values(ser, sh->name, first, 1, first + KVA_ST__COUNT - 1,
                            1);
    chart_series_set_name(ser, "Subscriptions");
    for (int s = 0; s < KVA_ST__COUNT; s++) {
        memset(&fill[s], 0, sizeof fill[s]);
        memset(&pt[s], 0, sizeof pt[s]);
        fill[s].color = status_colours[s].chart;
        pt[s].fill = &fill[s];
        pts[s] = &pt[s];
    }
    pts[KVA_ST__COUNT] = NULL;
    kva_xlsx_check(&c->x, chart_series_set_points(ser, pts));
    chart_title_set_name(ch, "Subscriptions by status");
    chart_legend_set_position(ch, LXW_CHART_LEGEND_RIGHT);
    chart_set_hole_size(ch, 55);
    kva_xlsx_check(&c->x, worksheet_insert_chart_opt(sh->ws, at, 5, ch, &opt));
}

/* Height in pixels of the bar chart for n environments (a default chart
 * is 288 pixels, a default row 20). */
static double environment_chart_height(size_t n)
{
    double h = 70.0 + 26.0 * (double)n;
    return h < 220 ? 220 : h > 720 ? 720 : h;
}

static void environment_chart(ctx *c, kva_xlsx_sheet *sh, lxw_row_t at,
                              lxw_row_t hdr, size_t n)
{
    lxw_chart *ch = workbook_add_chart(c->x.wb, LXW_CHART_BAR_STACKED);
    lxw_chart_series *cov = ch ? chart_add_series(ch, NULL, NULL) : NULL;
    lxw_chart_series *unc = cov ? chart_add_series(ch, NULL, NULL) : NULL;
    lxw_chart_fill good = {.color = C_GOOD_CHART}, bad = {.color = C_BAD_CHART};
    lxw_chart_options opt = {.x_offset = 16,
                             .y_offset = 4,
                             .x_scale = 1.0,
                             .y_scale = environment_chart_height(n) / 288.0};

    if (!unc) {
        c->x.nomem = true;
        return;
    }
    lxw_row_t last = hdr + (lxw_row_t)n;
    chart_series_set_categories(cov, sh->name, hdr + 1, 0, last, 0);
    chart_series_set_values(cov, sh->name, hdr + 1, 2, last, 2);
    chart_series_set_name_range(cov, sh->name, hdr, 2);
    chart_series_set_fill(cov, &good);
    chart_series_set_categories(unc, sh->name, hdr + 1, 0, last, 0);
    chart_series_set_values(unc, sh->name, hdr + 1, 3, last, 3);
    chart_series_set_name_range(unc, sh->name, hdr, 3);
    chart_series_set_fill(unc, &bad);
    chart_title_set_name(ch, "Key vaults by environment");
    /* In a bar chart y_axis is the vertical category axis: first
     * environment on top, values along the bottom. */
    chart_axis_set_reverse(ch->y_axis);
    chart_axis_set_crossing_max(ch->y_axis);
    chart_axis_set_num_format(ch->x_axis, "#,##0");
    chart_legend_set_position(ch, LXW_CHART_LEGEND_BOTTOM);
    chart_set_series_gap(ch, 60);
    kva_xlsx_check(&c->x, worksheet_insert_chart_opt(sh->ws, at, 5, ch, &opt));
}

static void summary_trend(ctx *c, kva_xlsx_sheet *sh, lxw_row_t *rp)
{
    const kva_trend *t = &c->res->trend;
    const fmts *f = &c->f;
    lxw_row_t r = *rp;
    static const column cols[] = {
        {"Status", 0, 0}, {"Baseline", 0, 0}, {"Now", 0, 0}, {"Change", 0, 0}};

    text(sh, r, 0, "Trend since the baseline", f->section);
    r++;
    if (!t->present) {
        kva_xlsx_put_text(sh, r, 0,
                          "No baseline was given (--baseline): no trend.",
                          f->note, KVA_XLSX_NO_WIDEN);
        *rp = r + 1;
        return;
    }
    kva_xlsx_put_text(sh, r, 0, "Baseline report", f->label, 0);
    kva_xlsx_put_text(sh, r, 1, t->baseline_path, NULL, KVA_XLSX_NO_WIDEN);
    r++;
    kva_xlsx_put_text(sh, r, 0, "Baseline as of", f->label, 0);
    kva_xlsx_put_text(sh, r, 1, t->baseline_as_of, NULL, KVA_XLSX_NO_WIDEN);
    r += 2;
    table_header(c, sh, r, cols, 4);
    r++;
    lxw_row_t first = r;
    for (int s = 0; s < KVA_ST__COUNT; s++, r++) {
        text(sh, r, 0, kva_status_name((kva_status)s), NULL);
        count(sh, r, 1, (double)t->before[s], f->count);
        count(sh, r, 2, (double)t->now[s], f->count);
        kva_xlsx_put_number(sh, r, 3, (double)t->now[s] - (double)t->before[s],
                            f->delta, 6);
    }
    cf_statuses(c, sh, first, r - 1, 0);
    text(sh, r, 0, "Compliance", f->bold);
    pct(c, sh, r, 1, t->compliance_pct_before);
    pct(c, sh, r, 2, t->compliance_pct_now);
    if (t->compliance_pct_before >= 0 && t->compliance_pct_now >= 0)
        kva_xlsx_put_number(sh, r, 3,
                            (t->compliance_pct_now - t->compliance_pct_before) /
                                100.0,
                            f->delta_pct, 7);
    else
        text(sh, r, 3, "n/a", f->na);
    r += 2;

    static const column ccols[] = {{"Subscription", 0, 0},
                                   {"Change", 0, 0},
                                   {"Before", 0, 0},
                                   {"Now", 0, 0},
                                   {"Subscription ID", 0, 0}};
    const struct {
        const char *what;
        const kva_trend_change *v;
        size_t n;
        bool before, now;
    } groups[] = {
        {"regressed", t->regressed, t->n_regressed, true, true},
        {"fixed", t->fixed, t->n_fixed, true, true},
        {"new", t->added, t->n_added, false, true},
        {"gone", t->removed, t->n_removed, true, false},
    };
    text(sh, r, 0, "Subscriptions that changed", f->section);
    r++;
    table_header(c, sh, r, ccols, 5);
    r++;
    first = r;
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        for (size_t i = 0; i < groups[g].n; i++, r++) {
            const kva_trend_change *ch = &groups[g].v[i];
            text(sh, r, 0, ch->name ? ch->name : ch->sub_id, NULL);
            text(sh, r, 1, groups[g].what, NULL);
            if (groups[g].before)
                text(sh, r, 2, kva_status_name(ch->before), NULL);
            if (groups[g].now)
                text(sh, r, 3, kva_status_name(ch->now), NULL);
            kva_xlsx_put_text(sh, r, 4, ch->sub_id, NULL, KVA_XLSX_NO_WIDEN);
        }
    }
    if (r == first) {
        kva_xlsx_put_text(sh, r, 0, "No subscription changed status.", f->note,
                          KVA_XLSX_NO_WIDEN);
        r++;
    } else {
        cf_statuses(c, sh, first, r - 1, 2);
        cf_statuses(c, sh, first, r - 1, 3);
        cf_equals(sh, first, r - 1, 1, "regressed", f->bad);
        cf_equals(sh, first, r - 1, 1, "fixed", f->good);
    }
    *rp = r + 1;
}

static void sheet_summary(ctx *c)
{
    kva_xlsx_sheet *sh = &c->sh[S_SUMMARY];
    const kva_result *res = c->res;
    const kva_kpis *k = &res->kpis;
    const fmts *f = &c->f;
    const kva_control *ctl =
        c->rep->templates ? kva_templates_control(c->rep->templates) : NULL;
    lxw_row_t r = 0;

    worksheet_gridlines(sh->ws, LXW_HIDE_ALL_GRIDLINES);
    kva_xlsx_check(&c->x, worksheet_set_row(sh->ws, 0, 30, NULL));
    kva_xlsx_put_text(sh, r++, 0,
                      c->rep->title && *c->rep->title
                          ? c->rep->title
                          : "Microsoft Defender for Key Vault coverage",
                      f->title, KVA_XLSX_NO_WIDEN);
    text(sh, r, 0, "Organisation", f->label);
    kva_xlsx_put_text(sh, r++, 1, c->rep->org, NULL, KVA_XLSX_NO_WIDEN);
    text(sh, r, 0, "As of (UTC)", f->label);
    kva_xlsx_put_time(sh, r++, 1, c->rep->as_of, f->datetime_short, 16);
    if (ctl && ctl->title) {
        sb_reset(c);
        if (ctl->id) {
            sb_add(c, ctl->id);
            sb_add(c, ": ");
        }
        sb_add(c, ctl->title);
        text(sh, r, 0, "Control", f->label);
        kva_xlsx_put_text(sh, r++, 1, sb_text(c), NULL, KVA_XLSX_NO_WIDEN);
    }

    char buf[160];
    size_t failing =
        k->by_status[KVA_ST_NONCOMPLIANT] + k->by_status[KVA_ST_NO_EVIDENCE];
    text(sh, r, 0, "Verdict", f->label);
    kva_xlsx_check(&c->x, worksheet_set_row(sh->ws, r, 22, NULL));
    kva_xlsx_put_text(sh, r, 1, res->pass ? "PASS" : "FAIL",
                      res->pass ? f->pass : f->fail, KVA_XLSX_NO_WIDEN);
    if (res->pass)
        snprintf(buf, sizeof buf,
                 "no subscription in scope is noncompliant or without "
                 "evidence");
    else
        snprintf(buf, sizeof buf,
                 "%zu subscription(s) noncompliant or without evidence: see "
                 "Remediation",
                 failing);
    kva_xlsx_put_text(sh, r++, 2, buf, f->indent, KVA_XLSX_NO_WIDEN);
    if (!res->complete) {
        kva_xlsx_put_text(sh, r, 0, "INCOMPLETE", f->banner, 0);
        kva_xlsx_put_text(sh, r, 1,
                          "Some evidence files could not be read and were "
                          "skipped: see the Warnings and Evidence sheets.",
                          f->banner, KVA_XLSX_NO_WIDEN);
        for (lxw_col_t col = 2; col < 8; col++)
            kva_xlsx_check(&c->x,
                           worksheet_write_blank(sh->ws, r, col, f->banner));
        r++;
    }
    r++;
    summary_sheets_row(c, sh, r);
    r += 2;

    /* Subscriptions by status, with the doughnut beside it. */
    static const column scols[] = {{"Status", 0, 0}, {"Subscriptions", 0, 0}};
    lxw_row_t at = r;
    text(sh, r++, 0, "Subscriptions by status", f->section);
    table_header(c, sh, r++, scols, 2);
    lxw_row_t first = r;
    for (int s = 0; s < KVA_ST__COUNT; s++, r++) {
        text(sh, r, 0, kva_status_name((kva_status)s), NULL);
        count(sh, r, 1, (double)k->by_status[s], f->count);
    }
    cf_statuses(c, sh, first, r - 1, 0);
    text(sh, r, 0, "Total", f->bold);
    count(sh, r++, 1, (double)k->subscriptions_total, f->count_bold);
    status_chart(c, sh, at, first);
    r++;

    /* Key indicators. */
    static const column kcols[] = {{"Indicator", 0, 0}, {"Value", 0, 0}};
    text(sh, r++, 0, "Key indicators", f->section);
    table_header(c, sh, r++, kcols, 2);
    const struct {
        const char *label;
        double v;
        bool is_pct;
    } kpi[] = {
        {"Subscriptions (all known)", (double)k->subscriptions_total, false},
        {"Subscriptions in scope", (double)k->subscriptions_in_scope, false},
        {"Subscription coverage (compliant / in scope)",
         k->subscription_coverage_pct, true},
        {"Compliance ((compliant + exempt) / in scope)", k->compliance_pct,
         true},
        {"Key vaults in scope", (double)k->vaults_total, false},
        {"Key vaults covered", (double)k->vaults_covered, false},
        {"Key vault coverage", k->vault_coverage_pct, true},
        {"Key vaults with an owner", (double)k->vaults_with_owner, false},
        {"Owner coverage", k->owner_coverage_pct, true},
        {"Evidence files", (double)res->n_inputs, false},
        {"Warnings", (double)res->n_warnings, false},
    };
    for (size_t i = 0; i < sizeof kpi / sizeof kpi[0]; i++, r++) {
        text(sh, r, 0, kpi[i].label, NULL);
        if (kpi[i].is_pct)
            pct(c, sh, r, 1, kpi[i].v);
        else
            count(sh, r, 1, kpi[i].v, f->count);
    }
    if (k->has_cost) {
        sb_reset(c);
        sb_add(c, "Estimated monthly cost to close");
        if (k->currency && *k->currency) {
            sb_add(c, " (");
            sb_add(c, k->currency);
            sb_add(c, ")");
        }
        text(sh, r, 0, sb_text(c), NULL);
        kva_xlsx_put_number(sh, r++, 1, k->estimated_monthly_cost_to_close,
                            f->money, 12);
    }
    r++;

    /* Coverage by environment, with the bar chart beside it. */
    static const column ecols[] = {{"Environment", 0, 0},
                                   {"Key vaults", 0, 0},
                                   {"Covered", 0, 0},
                                   {"Not covered", 0, 0},
                                   {"Coverage", 0, 0}};
    at = r;
    text(sh, r++, 0, "Key vault coverage by environment", f->section);
    if (k->n_by_environment == 0) {
        kva_xlsx_put_text(sh, r++, 0, "No key vaults in scope.", f->note,
                          KVA_XLSX_NO_WIDEN);
    } else {
        lxw_row_t hdr = r;
        table_header(c, sh, r++, ecols, 5);
        for (size_t i = 0; i < k->n_by_environment; i++, r++) {
            const kva_breakdown *b = &k->by_environment[i];
            /* Chart categories: libxlsxwriter copies them raw into the
             * chart's cache, so control characters must not reach it. */
            kva_xlsx_put_text(sh, r, 0, b->key, NULL, KVA_XLSX_NO_CONTROLS);
            count(sh, r, 1, (double)b->vaults_total, f->count);
            count(sh, r, 2, (double)b->vaults_covered, f->count);
            count(sh, r, 3, (double)b->vaults_total - (double)b->vaults_covered,
                  f->count);
            pct(c, sh, r, 4, b->vault_coverage_pct);
        }
        environment_chart(c, sh, at, hdr, k->n_by_environment);
        /* The trend below must not run under the chart (its last column
         * spills over to the right). */
        lxw_row_t chart_rows =
            (lxw_row_t)(environment_chart_height(k->n_by_environment) / 20) + 1;
        if (r < at + chart_rows)
            r = at + chart_rows;
    }
    r++;

    summary_trend(c, sh, &r);

    unsigned a = sh->width[0] + 2;
    if (a < 26)
        a = 26;
    if (a > 50)
        a = 50;
    kva_xlsx_check(&c->x, worksheet_set_column(sh->ws, 0, 0, a, NULL));
    kva_xlsx_check(&c->x, worksheet_set_column(sh->ws, 1, 1, 18, NULL));
    kva_xlsx_check(&c->x, worksheet_set_column(sh->ws, 2, 7, 14, NULL));
    page_setup(sh, false);
    worksheet_fit_to_pages(sh->ws, 1, 1);
}

static void join_mgmt_path(ctx *c, const kva_sub *s)
{
    sb_reset(c);
    for (size_t i = s->n_mgmt_groups; i-- > 0;) {
        if (!s->mgmt_groups[i])
            continue;
        if (c->sb_len)
            sb_add(c, " / ");
        sb_add(c, s->mgmt_groups[i]);
    }
}

static void join_flags(ctx *c, unsigned flags)
{
    sb_reset(c);
    for (unsigned b = 0; b < KVA_FLAG__COUNT; b++) {
        if (!(flags & (1u << b)))
            continue;
        if (c->sb_len)
            sb_add(c, ", ");
        sb_add(c, kva_flag_name(b));
    }
}

static void join_evidence(ctx *c, const kva_res_sub *s)
{
    sb_reset(c);
    for (size_t i = 0; i < s->n_evidence; i++) {
        if (!s->evidence[i])
            continue;
        if (c->sb_len)
            sb_add(c, "; ");
        sb_add(c, s->evidence[i]);
    }
}

static const column sub_cols[] = {
    {"Subscription ID", 14, 38},
    {"Name", 10, 40},
    {"Tenant ID", 10, 38},
    {"State", 8, 12},
    {"Status", 12, 16},
    {"Tier", 8, 12},
    {"Sub-plan", 9, 16},
    {"Enabled since (UTC)", 20, 21},
    {"Trial days left", 8, 10},
    {"Owner", 10, 36},
    {"Owner source", 10, 14},
    {"Environment", 12, 22},
    {"Management groups", 12, 70},
    {"Key vaults", 8, 10},
    {"Key vaults covered", 8, 10},
    {"Flags", 8, 40},
    {"Exception", 10, 12},
    {"Exception reason", 12, 50},
    {"Exception owner", 12, 32},
    {"Exception expires", 11, 12},
    {"Exception ticket", 10, 20},
    {"Evidence files", 12, 60},
    {"Azure CLI remediation", 22, 130},
};
#define N_SUB_COLS (sizeof sub_cols / sizeof sub_cols[0])

static void cf_exception_states(ctx *c, kva_xlsx_sheet *sh, lxw_row_t r1,
                                lxw_row_t r2, lxw_col_t col)
{
    cf_equals(sh, r1, r2, col, "active", c->f.good);
    cf_equals(sh, r1, r2, col, "expiring", c->f.warn);
    cf_equals(sh, r1, r2, col, "expired", c->f.bad);
    cf_equals(sh, r1, r2, col, "unused", c->f.grey);
}

static void sheet_subscriptions(ctx *c)
{
    kva_xlsx_sheet *sh = &c->sh[S_SUBSCRIPTIONS];
    const kva_result *res = c->res;
    const fmts *f = &c->f;
    lxw_row_t r = 0;

    table_header(c, sh, r++, sub_cols, N_SUB_COLS);
    for (size_t i = 0; i < res->n_subs && !kva_xlsx_failed(&c->x); i++, r++) {
        const kva_res_sub *s = &res->subs[i];
        const kva_sub *m = s->sub;
        if (!row_fits(sh, r, res->n_subs - i))
            break;
        text(sh, r, 0, m->id, NULL);
        text(sh, r, 1, m->name, NULL);
        text(sh, r, 2, m->tenant_id, NULL);
        text(sh, r, 3, m->state, NULL);
        text(sh, r, 4, kva_status_name(s->status), NULL);
        text(sh, r, 5, s->tier, NULL);
        text(sh, r, 6, s->sub_plan, NULL);
        cell_time(c, sh, r, 7, s->enablement_time);
        if (s->trial_remaining_s >= 0)
            count(sh, r, 8, floor((double)s->trial_remaining_s / 86400.0),
                  f->count);
        text(sh, r, 9, s->owner, NULL);
        text(sh, r, 10, kva_owner_source_name(s->owner_source), NULL);
        text(sh, r, 11, s->environment, NULL);
        join_mgmt_path(c, m);
        if (c->sb_len)
            text(sh, r, 12, sb_text(c), NULL);
        count(sh, r, 13, (double)s->vaults, f->count);
        count(sh, r, 14, (double)s->vaults_covered, f->count);
        join_flags(c, s->flags);
        if (c->sb_len)
            text(sh, r, 15, sb_text(c), NULL);
        if (s->exception) {
            const kva_res_exception *e = s->exception;
            text(sh, r, 16, kva_exc_state_name(e->state), NULL);
            if (e->exc) {
                text(sh, r, 17, e->exc->reason, NULL);
                text(sh, r, 18, e->exc->owner, NULL);
                cell_date(c, sh, r, 19, e->exc->expires_day, e->exc->expires);
                text(sh, r, 20, e->exc->ticket, NULL);
            }
        }
        join_evidence(c, s);
        if (c->sb_len)
            text(sh, r, 21, sb_text(c), NULL);
        text(sh, r, 22, s->remediation_az, f->mono);
        row_written(c);
    }
    cf_statuses(c, sh, 1, r - 1, 4);
    cf_exception_states(c, sh, 1, r - 1, 16);
    table_finish(sh, 0, r - 1, sub_cols, N_SUB_COLS, false, 1);
}

static const column vault_cols[] = {
    {"Key vault", 12, 32},    {"Resource group", 12, 32},
    {"Location", 10, 20},     {"Subscription ID", 14, 38},
    {"Subscription", 12, 36}, {"Subscription status", 12, 16},
    {"Covered", 9, 10},       {"Vault-level tier", 9, 12},
    {"Owner", 10, 36},        {"Owner source", 10, 14},
    {"Environment", 12, 22},  {"Resource ID", 20, 130},
};
#define N_VAULT_COLS (sizeof vault_cols / sizeof vault_cols[0])

static void sheet_vaults(ctx *c)
{
    kva_xlsx_sheet *sh = &c->sh[S_VAULTS];
    const kva_result *res = c->res;
    lxw_row_t r = 0;

    table_header(c, sh, r++, vault_cols, N_VAULT_COLS);
    for (size_t i = 0; i < res->n_vaults && !kva_xlsx_failed(&c->x); i++, r++) {
        const kva_res_vault *v = &res->vaults[i];
        const kva_vault *m = v->vault;
        if (!row_fits(sh, r, res->n_vaults - i))
            break;
        text(sh, r, 0, m->name, NULL);
        text(sh, r, 1, m->resource_group, NULL);
        text(sh, r, 2, m->location, NULL);
        text(sh, r, 3, m->sub_id, NULL);
        if (v->sub) {
            text(sh, r, 4, v->sub->sub->name, NULL);
            text(sh, r, 5, kva_status_name(v->sub->status), NULL);
        }
        text(sh, r, 6, !v->counted ? "n/a" : v->covered ? "Yes" : "No", NULL);
        if (v->vault_pricing)
            text(sh, r, 7, v->vault_pricing->tier, NULL);
        text(sh, r, 8, v->owner, NULL);
        text(sh, r, 9, kva_owner_source_name(v->owner_source), NULL);
        text(sh, r, 10, v->environment, NULL);
        text(sh, r, 11, m->id, NULL);
        row_written(c);
    }
    cf_statuses(c, sh, 1, r - 1, 5);
    cf_equals(sh, 1, r - 1, 6, "Yes", c->f.good);
    cf_equals(sh, 1, r - 1, 6, "No", c->f.bad);
    cf_equals(sh, 1, r - 1, 6, "n/a", c->f.grey);
    table_finish(sh, 0, r - 1, vault_cols, N_VAULT_COLS, false, 1);
}

/* Worst first: lowest coverage, then most vaults not covered, then key;
 * rows without vaults (coverage null) last. */
static int breakdown_cmp(const void *pa, const void *pb)
{
    const kva_breakdown *a = *(const kva_breakdown *const *)pa;
    const kva_breakdown *b = *(const kva_breakdown *const *)pb;
    bool na = a->vault_coverage_pct < 0, nb = b->vault_coverage_pct < 0;
    if (na != nb)
        return na ? 1 : -1;
    if (a->vault_coverage_pct != b->vault_coverage_pct)
        return a->vault_coverage_pct < b->vault_coverage_pct ? -1 : 1;
    size_t ua = a->vaults_total - a->vaults_covered;
    size_t ub = b->vaults_total - b->vaults_covered;
    if (ua != ub)
        return ua > ub ? -1 : 1;
    int k = strcmp(a->key ? a->key : "", b->key ? b->key : "");
    if (k)
        return k;
    return a < b ? -1 : a > b;
}

static const column owner_cols[] = {
    {"Breakdown", 12, 18}, {"Name", 16, 50},       {"Key vaults", 8, 12},
    {"Covered", 8, 12},    {"Not covered", 8, 12}, {"Coverage", 9, 12},
};
#define N_OWNER_COLS (sizeof owner_cols / sizeof owner_cols[0])

static void sheet_owners(ctx *c)
{
    kva_xlsx_sheet *sh = &c->sh[S_OWNERS];
    const kva_kpis *k = &c->res->kpis;
    const fmts *f = &c->f;
    lxw_row_t r = 0;
    const struct {
        const char *name;
        const kva_breakdown *v;
        size_t n;
    } dims[] = {
        {"owner", k->by_owner, k->n_by_owner},
        {"environment", k->by_environment, k->n_by_environment},
        {"management group", k->by_management_group, k->n_by_management_group},
        {"tenant", k->by_tenant, k->n_by_tenant},
    };

    table_header(c, sh, r++, owner_cols, N_OWNER_COLS);
    for (size_t d = 0; d < sizeof dims / sizeof dims[0]; d++) {
        if (dims[d].n == 0)
            continue;
        const kva_breakdown **order = malloc(dims[d].n * sizeof *order);
        if (!order) {
            c->x.nomem = true;
            return;
        }
        for (size_t i = 0; i < dims[d].n; i++)
            order[i] = &dims[d].v[i];
        qsort(order, dims[d].n, sizeof *order, breakdown_cmp);
        for (size_t i = 0; i < dims[d].n && !kva_xlsx_failed(&c->x); i++, r++) {
            const kva_breakdown *b = order[i];
            if (!row_fits(sh, r, dims[d].n - i))
                break;
            text(sh, r, 0, dims[d].name, NULL);
            breakdown_key(c, sh, r, 1, b);
            count(sh, r, 2, (double)b->vaults_total, f->count);
            count(sh, r, 3, (double)b->vaults_covered, f->count);
            count(sh, r, 4, (double)b->vaults_total - (double)b->vaults_covered,
                  f->count);
            pct(c, sh, r, 5, b->vault_coverage_pct);
        }
        free(order);
        if (r >= KVA_XLSX_LAST_ROW)
            break;
    }
    if (r > 1) {
        lxw_conditional_format bar;
        memset(&bar, 0, sizeof bar);
        bar.type = LXW_CONDITIONAL_DATA_BAR;
        bar.min_rule_type = LXW_CONDITIONAL_RULE_TYPE_NUMBER;
        bar.min_value = 0;
        bar.max_rule_type = LXW_CONDITIONAL_RULE_TYPE_NUMBER;
        bar.max_value = 1;
        bar.bar_color = 0xA9D08E; /* light: the figure stays legible */
        bar.bar_solid = LXW_TRUE;
        if (!kva_xlsx_failed(&c->x))
            kva_xlsx_check(&c->x, worksheet_conditional_format_range(
                                      sh->ws, 1, 5, r - 1, 5, &bar));
    }
    table_finish(sh, 0, r - 1, owner_cols, N_OWNER_COLS, true, 0);
}

static const column rem_cols[] = {
    {"Priority", 9, 10},
    {"Scope", 12, 20},
    {"Target", 14, 38},
    {"Name", 12, 36},
    {"Status", 12, 26},
    {"Environment", 12, 22},
    {"Key vaults not covered", 9, 12},
    {"Owner", 10, 30},
    {"Tool", 14, 26},
    {"Command", 30, 130},
};
#define N_REM_COLS (sizeof rem_cols / sizeof rem_cols[0])

static int priority_cmp(const void *pa, const void *pb)
{
    const kva_res_sub *a = *(const kva_res_sub *const *)pa;
    const kva_res_sub *b = *(const kva_res_sub *const *)pb;
    if (a->priority != b->priority)
        return a->priority < b->priority ? -1 : 1;
    return a < b ? -1 : a > b;
}

/* A command cell, last in its row: one line runs over the empty cells to
 * its right; several lines wrap, in a row tall enough for all of them
 * (set while the row is still the one being written: constant_memory
 * cannot go back to a finished row). */
static void command(ctx *c, kva_xlsx_sheet *sh, lxw_row_t r, lxw_col_t col,
                    const char *cmd)
{
    bool multi = strchr(cmd, '\n') != NULL;
    if (multi)
        row_height(sh, r, kva_xlsx_lines(cmd, rem_cols[N_REM_COLS - 1].max));
    text(sh, r, col, cmd, multi ? c->f.mono_wrap : c->f.mono);
}

static void sheet_remediation(ctx *c)
{
    kva_xlsx_sheet *sh = &c->sh[S_REMEDIATION];
    const kva_result *res = c->res;
    const fmts *f = &c->f;
    lxw_row_t r = 0;
    char buf[64];

    table_header(c, sh, r++, rem_cols, N_REM_COLS);
    for (size_t i = 0; i < res->n_mg_plans && row_fits(sh, r, 1); i++) {
        const kva_res_mg_plan *p = &res->mg_plans[i];
        const char *tools[2] = {"Azure Policy: assign",
                                "Azure Policy: remediate"};
        const char *cmds[2] = {p->assign_cmd, p->remediate_cmd};
        for (int j = 0; j < 2; j++) {
            if (!cmds[j] || !row_fits(sh, r, 1))
                continue;
            text(sh, r, 1, "management group", NULL);
            text(sh, r, 2, p->mgmt_group_id, NULL);
            text(sh, r, 3, p->mgmt_group, NULL);
            snprintf(buf, sizeof buf, "%zu failing subscription(s)", p->n_subs);
            text(sh, r, 4, buf, NULL);
            text(sh, r, 8, tools[j], NULL);
            command(c, sh, r, 9, cmds[j]);
            r++;
        }
    }

    size_t n = 0;
    for (size_t i = 0; i < res->n_subs; i++)
        n += res->subs[i].priority > 0;
    const kva_res_sub **order = n ? malloc(n * sizeof *order) : NULL;
    if (n && !order) {
        c->x.nomem = true;
        return;
    }
    n = 0;
    for (size_t i = 0; i < res->n_subs; i++)
        if (res->subs[i].priority > 0)
            order[n++] = &res->subs[i];
    if (n)
        qsort(order, n, sizeof *order, priority_cmp);
    lxw_row_t first_sub = r;
    for (size_t i = 0; i < n && !kva_xlsx_failed(&c->x); i++) {
        const kva_res_sub *s = order[i];
        const char *tools[3] = {"Azure CLI", "PowerShell", "Azure CLI: check"};
        const char *cmds[3] = {s->remediation_az, s->remediation_ps,
                               s->remediation_verify};
        bool any = cmds[0] || cmds[1] || cmds[2];
        for (int j = 0; j < 3; j++) {
            if ((!cmds[j] && (any || j > 0)) || !row_fits(sh, r, n - i))
                continue;
            count(sh, r, 0, s->priority, f->center);
            text(sh, r, 1, "subscription", NULL);
            text(sh, r, 2, s->sub->id, NULL);
            text(sh, r, 3, s->sub->name, NULL);
            text(sh, r, 4, kva_status_name(s->status), NULL);
            text(sh, r, 5, s->environment, NULL);
            count(sh, r, 6, (double)s->vaults - (double)s->vaults_covered,
                  f->count);
            text(sh, r, 7, s->owner, NULL);
            if (cmds[j]) {
                text(sh, r, 8, tools[j], NULL);
                command(c, sh, r, 9, cmds[j]);
            } else {
                kva_xlsx_put_text(sh, r, 9,
                                  "no command: the subscription id is not a "
                                  "GUID (see Warnings)",
                                  f->note, 0);
            }
            r++;
        }
    }
    free(order);
    cf_statuses(c, sh, first_sub, r - 1, 4);

    const char *iac[2] = {res->terraform, res->bicep};
    const char *iac_tool[2] = {"Terraform", "Bicep"};
    for (int j = 0; j < 2; j++) {
        if (!iac[j] || !row_fits(sh, r, 1))
            continue;
        command(c, sh, r, 9, iac[j]);
        text(sh, r, 1, "preventive", f->top);
        text(sh, r, 3, "every subscription", f->top);
        text(sh, r, 8, iac_tool[j], f->top);
        r++;
    }
    if (r == 1) {
        kva_xlsx_put_text(sh, r++, 0,
                          "Nothing to remediate: no subscription is "
                          "noncompliant or without evidence.",
                          f->note, KVA_XLSX_NO_WIDEN);
    }
    table_finish(sh, 0, r - 1, rem_cols, N_REM_COLS, false, 2);
}

static const column exc_cols[] = {
    {"Subscription ID", 14, 38}, {"Subscription", 12, 36},
    {"State", 10, 12},           {"Expires", 11, 12},
    {"Days left", 8, 10},        {"Reason", 16, 60},
    {"Owner", 10, 32},           {"Ticket", 10, 24},
    {"Register file", 14, 60},
};
#define N_EXC_COLS (sizeof exc_cols / sizeof exc_cols[0])

static void sheet_exceptions(ctx *c)
{
    kva_xlsx_sheet *sh = &c->sh[S_EXCEPTIONS];
    const kva_result *res = c->res;
    const fmts *f = &c->f;
    lxw_row_t r = 0;

    table_header(c, sh, r++, exc_cols, N_EXC_COLS);
    for (size_t i = 0; i < res->n_exceptions && !kva_xlsx_failed(&c->x);
         i++, r++) {
        const kva_res_exception *e = &res->exceptions[i];
        if (!row_fits(sh, r, res->n_exceptions - i))
            break;
        if (e->exc) {
            const kva_exception *x = e->exc;
            unsigned lines =
                x->reason ? kva_xlsx_lines(x->reason, exc_cols[5].max) : 1;
            row_height(sh, r, lines);
            text(sh, r, 0, x->sub_id, f->top);
            if (x->expires_day != KVA_UNKNOWN_TIME) {
                kva_xlsx_put_time(sh, r, 3, x->expires_day, f->date_top, 10);
                count(sh, r, 4, (double)e->days_left, f->count_top);
            } else {
                text(sh, r, 3, x->expires, f->top);
            }
            text(sh, r, 5, x->reason, f->wrap);
            text(sh, r, 6, x->owner, f->top);
            text(sh, r, 7, x->ticket, f->top);
        }
        text(sh, r, 1, e->sub_name, f->top);
        text(sh, r, 2, kva_exc_state_name(e->state), f->top);
        text(sh, r, 8, e->path, f->top);
    }
    if (r == 1)
        kva_xlsx_put_text(sh, r++, 0, "No exceptions register was given.",
                          f->note, KVA_XLSX_NO_WIDEN);
    else
        cf_exception_states(c, sh, 1, r - 1, 2);
    table_finish(sh, 0, r - 1, exc_cols, N_EXC_COLS, true, 0);
}

static const column ev_cols[] = {
    {"Path", 16, 70}, {"Kind", 10, 14},    {"Records", 9, 12},
    {"Bytes", 9, 16}, {"SHA-256", 66, 68}, {"Read", 8, 40},
};
#define N_EV_COLS (sizeof ev_cols / sizeof ev_cols[0])

static void sheet_evidence(ctx *c)
{
    kva_xlsx_sheet *sh = &c->sh[S_EVIDENCE];
    const kva_report *rep = c->rep;
    const kva_result *res = c->res;
    const fmts *f = &c->f;
    lxw_row_t r = 0;

    /* How this report was made, above the table. */
    text(sh, r, 0, "Tool", f->label);
    kva_xlsx_put_text(sh, r++, 1, rep->tool_version, NULL, KVA_XLSX_NO_WIDEN);
    text(sh, r, 0, "Libraries", f->label);
    kva_xlsx_put_text(sh, r++, 1, rep->lib_versions, NULL, KVA_XLSX_NO_WIDEN);
    text(sh, r, 0, "As of", f->label);
    char as_of[21];
    kva_time_format(rep->as_of, as_of);
    kva_xlsx_put_text(sh, r++, 1, as_of, NULL, KVA_XLSX_NO_WIDEN);
    text(sh, r, 0, "Command line", f->label);
    kva_xlsx_put_text(sh, r++, 1, rep->command_line, f->mono,
                      KVA_XLSX_NO_WIDEN);
    text(sh, r, 0, "Complete", f->label);
    kva_xlsx_put_text(sh, r++, 1,
                      res->complete ? "yes: every input file was read"
                                    : "no: some input files were skipped",
                      res->complete ? NULL : f->banner, KVA_XLSX_NO_WIDEN);
    r++;

    lxw_row_t hdr = r;
    table_header(c, sh, r++, ev_cols, N_EV_COLS);
    for (size_t i = 0; i < res->n_inputs && !kva_xlsx_failed(&c->x); i++, r++) {
        const kva_input *in = &res->inputs[i];
        if (!row_fits(sh, r, res->n_inputs - i))
            break;
        text(sh, r, 0, in->path, NULL);
        text(sh, r, 1, kva_kind_name(in->kind), NULL);
        count(sh, r, 2, (double)in->records, f->count);
        count(sh, r, 3, (double)in->bytes, f->count);
        text(sh, r, 4, in->sha256, f->mono);
        text(sh, r, 5, in->failed ? "skipped: unreadable or malformed" : "yes",
             NULL);
    }
    cf_equals(sh, hdr + 1, r - 1, 5, "yes", f->good);
    cf_equals(sh, hdr + 1, r - 1, 5, "skipped: unreadable or malformed",
              f->bad);
    table_finish(sh, hdr, r - 1, ev_cols, N_EV_COLS, true, 0);
}

static const column warn_cols[] = {
    {"Code", 12, 30}, {"Message", 30, 100}, {"File", 12, 60},
    {"Line", 6, 9},   {"Column", 7, 9},     {"Subscription ID", 16, 38},
};
#define N_WARN_COLS (sizeof warn_cols / sizeof warn_cols[0])

/* A message wraps when it is wider than its column may grow. */
static void message(ctx *c, kva_xlsx_sheet *sh, lxw_row_t r, const char *m)
{
    unsigned lines = m ? kva_xlsx_lines(m, warn_cols[1].max) : 1;
    row_height(sh, r, lines);
    text(sh, r, 1, m, c->f.wrap);
}

static void sheet_warnings(ctx *c)
{
    kva_xlsx_sheet *sh = &c->sh[S_WARNINGS];
    const kva_result *res = c->res;
    lxw_row_t r = 0;

    table_header(c, sh, r++, warn_cols, N_WARN_COLS);
    for (size_t i = 0; i < res->n_warnings && !kva_xlsx_failed(&c->x);
         i++, r++) {
        const kva_res_warning *w = &res->warnings[i];
        if (!row_fits(sh, r, res->n_warnings - i + c->x.n_notes))
            break;
        message(c, sh, r, w->message);
        text(sh, r, 0, w->code, c->f.top);
        text(sh, r, 2, w->path, c->f.top);
        if (w->line)
            count(sh, r, 3, w->line, c->f.count_top);
        if (w->col)
            count(sh, r, 4, w->col, c->f.count_top);
        text(sh, r, 5, w->sub_id, c->f.top);
    }
    /* The workbook's own notes (text it had to change), after the run's
     * warnings; the loop picks up notes added while writing it. */
    for (size_t i = 0; i < c->x.n_notes && !kva_xlsx_failed(&c->x); i++) {
        if (r >= KVA_XLSX_LAST_ROW)
            break;
        message(c, sh, r, c->x.notes[i].message);
        text(sh, r, 0, c->x.notes[i].code, c->f.top);
        text(sh, r, 2, "report.xlsx", c->f.top);
        r++;
    }
    if (r == 1)
        kva_xlsx_put_text(sh, r++, 0, "No warnings.", c->f.note,
                          KVA_XLSX_NO_WIDEN);
    table_finish(sh, 0, r - 1, warn_cols, N_WARN_COLS, true, 0);
}

static size_t estimate_cells(const kva_result *res)
{
    const kva_kpis *k = &res->kpis;
    size_t breakdowns = k->n_by_owner + k->n_by_environment + k->n_by_tenant +
                        k->n_by_management_group;
    return 200 + res->n_subs * (N_SUB_COLS + 3 * N_REM_COLS) +
           res->n_vaults * N_VAULT_COLS + breakdowns * N_OWNER_COLS +
           res->n_exceptions * N_EXC_COLS + res->n_inputs * N_EV_COLS +
           res->n_warnings * N_WARN_COLS;
}

/* A copy of s fit for a document property (NULL stays NULL). */
static char *property(ctx *c, const char *s)
{
    kva_xlsx_text t;
    char *copy;
    if (!s)
        return NULL;
    if (kva_xlsx_prepare(s, KVA_XLSX_PLAIN | KVA_XLSX_NO_CONTROLS, &c->x.buf,
                         &c->x.cap, &t) != KVA_OK ||
        !(copy = strdup(t.s))) {
        c->x.nomem = true;
        return NULL;
    }
    if (t.replaced)
        kva_xlsx_note_add(&c->x, "xlsx_text_replaced",
                          "document properties: %zu character(s) that were "
                          "not valid UTF-8 or not allowed in XML were "
                          "replaced by U+FFFD",
                          t.replaced);
    return copy;
}

static kva_error lxw_to_kva(lxw_error e)
{
    switch (e) {
    case LXW_ERROR_MEMORY_MALLOC_FAILED:
        return KVA_ERR_NOMEM;
    case LXW_ERROR_CREATING_XLSX_FILE:
    case LXW_ERROR_CREATING_TMPFILE:
    case LXW_ERROR_READING_TMPFILE:
    case LXW_ERROR_ZIP_FILE_OPERATION:
    case LXW_ERROR_ZIP_PARAMETER_ERROR:
    case LXW_ERROR_ZIP_BAD_ZIP_FILE:
    case LXW_ERROR_ZIP_INTERNAL_ERROR:
    case LXW_ERROR_ZIP_FILE_ADD:
    case LXW_ERROR_ZIP_CLOSE:
        return KVA_ERR_IO;
    default:
        return KVA_ERR_RENDER;
    }
}

kva_error kva_render_xlsx(const kva_report *rep, const char *path,
                          kva_diag *err)
{
    ctx c;
    char *dir = NULL, *title = NULL, *subject = NULL, *author = NULL,
         *comments = NULL;
    lxw_workbook_options opt;
    lxw_doc_properties props;
    kva_error rc = KVA_OK;

    memset(&c, 0, sizeof c);
    c.rep = rep;
    c.res = rep->result;

    /* libxlsxwriter opens the file only in workbook_close, after all the
     * work, and reports failures on stderr in its own words: find out
     * first, and say it ours. */
    FILE *probe = fopen(path, "wb");
    if (!probe) {
        kva_diag_set(err, KVA_ERR_IO, path, 0, 0,
                     "cannot write the workbook: %s", strerror(errno));
        return KVA_ERR_IO;
    }
    fclose(probe);

    /* Temporary files next to the output, not in a /tmp that may be small
     * or shared. */
    dir = strdup(path);
    if (!dir) {
        c.x.nomem = true;
        goto fail;
    }
    char *slash = strrchr(dir, '/');
    if (slash)
        slash[slash == dir ? 1 : 0] = '\0';
    else
        strcpy(dir, ".");

    memset(&opt, 0, sizeof opt);
    opt.constant_memory = estimate_cells(c.res) > CONSTANT_MEMORY_CELLS;
    opt.tmpdir = dir;
    c.x.wb = workbook_new_opt(path, &opt);
    if (!c.x.wb) {
        c.x.nomem = true;
        goto fail;
    }
    if (!make_formats(&c))
        goto fail;
    for (int s = 0; s < S__COUNT; s++) {
        c.sh[s].x = &c.x;
        c.sh[s].name = sheet_names[s];
        c.sh[s].ws = workbook_add_worksheet(c.x.wb, sheet_names[s]);
        if (!c.sh[s].ws) {
            c.x.nomem = true;
            goto fail;
        }
    }

    const kva_control *ctl =
        rep->templates ? kva_templates_control(rep->templates) : NULL;
    title = property(&c, rep->title);
    subject = property(&c, ctl ? ctl->title : NULL);
    author = property(&c, rep->org);
    comments = property(&c, rep->tool_version);
    if (kva_xlsx_failed(&c.x))
        goto fail;
    memset(&props, 0, sizeof props);
    props.title = title;
    props.subject = subject;
    props.author = author;
    props.company = author;
    props.comments = comments;
    props.keywords = "Azure Key Vault, Microsoft Defender for Cloud, audit";
    /* 0 would mean "now" to libxlsxwriter: one second later keeps the file
     * reproducible for an as-of of exactly 1970-01-01T00:00:00Z. */
    props.created = (time_t)(rep->as_of != 0 ? rep->as_of : 1);
    kva_xlsx_check(&c.x, workbook_set_properties(c.x.wb, &props));

    void (*const sheets[S__COUNT])(ctx *) = {
        sheet_summary,     sheet_subscriptions, sheet_vaults,   sheet_owners,
        sheet_remediation, sheet_exceptions,    sheet_evidence, sheet_warnings,
    };
    for (int s = 0; s < S__COUNT; s++) {
        sheets[s](&c);
        if (kva_xlsx_failed(&c.x))
            goto fail;
    }
    worksheet_activate(c.sh[S_SUMMARY].ws);

    /* workbook_close frees the workbook, whatever it returns */
    kva_xlsx_check(&c.x, workbook_close(c.x.wb));
    c.x.wb = NULL;

fail:
    if (c.x.nomem) {
        rc = KVA_ERR_NOMEM;
        kva_diag_set(err, rc, path, 0, 0,
                     "out of memory while writing the workbook");
    } else if (c.x.lerr != LXW_NO_ERROR) {
        rc = lxw_to_kva(c.x.lerr);
        kva_diag_set(err, rc, path, 0, 0, "cannot write the workbook: %s",
                     lxw_strerror(c.x.lerr));
    }
    if (c.x.wb)
        lxw_workbook_free(c.x.wb);
    kva_xlsx_release(&c.x);
    free(c.sb);
    free(dir);
    free(title);
    free(subject);
    free(author);
    free(comments);
    return rc;
}

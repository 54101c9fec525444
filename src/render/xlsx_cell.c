#include "xlsx_cell.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../text.h"

#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */

/* Characters East Asian scripts draw twice as wide as Latin ones (the
 * ranges of Unicode's East_Asian_Width W and F that matter for names). */
static bool is_wide(uint32_t cp)
{
    return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
           (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
           (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
           (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1FAFF) ||
           (cp >= 0x20000 && cp <= 0x3FFFD);
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
           (c >= 'A' && c <= 'F');
}

/* "_xHHHH_" at t[i]: Excel decodes it as the character U+HHHH. */
static bool escape_at(const char *t, size_t len, size_t i)
{
    return i + 6 < len && t[i] == '_' && t[i + 1] == 'x' && is_hex(t[i + 2]) &&
           is_hex(t[i + 3]) && is_hex(t[i + 4]) && is_hex(t[i + 5]) &&
           t[i + 6] == '_';
}

static bool needs_replacing(uint32_t cp, unsigned opts)
{
    if (cp == 0xFFFE || cp == 0xFFFF)
        return true;
    return (opts & KVA_XLSX_NO_CONTROLS) && cp < 0x20 && cp != '\t' &&
           cp != '\n' && cp != '\r';
}

/* n with thousands separators into buf (at least 32 bytes). */
static void format_count(size_t n, char *buf)
{
    char digits[32];
    int nd = snprintf(digits, sizeof digits, "%zu", n);
    size_t o = 0;
    for (int i = 0; i < nd; i++) {
        if (i > 0 && (nd - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
}

static int marker(char *out, size_t cut)
{
    char num[32];
    format_count(cut, num);
    return sprintf(out, "\xE2\x80\xA6 [cut: %s characters]", num);
}

/* The marker's length in code points ("…" is one). */
static size_t marker_chars(size_t cut)
{
    char m[80];
    return (size_t)marker(m, cut) - 2;
}

static bool simple_text(const char *s, size_t len, unsigned opts,
                        unsigned *width)
{
    unsigned line = 0, widest = 0;
    if (len > KVA_XLSX_MAX_CHARS)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '\n') {
            if (line > widest)
                widest = line;
            line = 0;
            continue;
        }
        if (ch >= 0x80)
            return false;
        if (ch == '_' && !(opts & KVA_XLSX_PLAIN) && escape_at(s, len, i))
            return false;
        if (needs_replacing(ch, opts))
            return false;
        line++;
    }
    *width = line > widest ? line : widest;
    return true;
}

kva_error kva_xlsx_prepare(const char *s, unsigned opts, char **buf,
                           size_t *cap, kva_xlsx_text *out)
{
    size_t len = strlen(s);
    char *clean = NULL;
    const char *t = s;
    bool escaping = !(opts & KVA_XLSX_PLAIN);

    memset(out, 0, sizeof *out);
    out->s = s;
    if (simple_text(s, len, opts, &out->width))
        return KVA_OK;

    if (!kva_utf8_valid(s, len, NULL)) {
        clean = kva_utf8_sanitize(s, len, &out->replaced);
        if (!clean)
            return KVA_ERR_NOMEM;
        t = clean;
        len = strlen(clean);
    }

    /* Cost bounds both limits at once: libxlsxwriter counts code points
     * of what it is given (escapes included), Excel counts UTF-16 units
     * of what it shows. */
    size_t total_chars = 0, total_cost = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = kva_utf8_next(t + i, len - i, &cp);
        total_chars++;
        total_cost += cp > 0xFFFF ? 2 : 1;
        if (escaping && escape_at(t, len, i))
            total_cost += 6;
        i += n;
    }
    bool cutting = escaping && total_cost > KVA_XLSX_MAX_CHARS;
    size_t budget =
        cutting ? KVA_XLSX_MAX_CHARS - marker_chars(total_chars) : (size_t)-1;

    size_t need = (cutting ? 4 * (size_t)KVA_XLSX_MAX_CHARS : 3 * len) + 80;
    if (need > *cap) {
        char *nb = realloc(*buf, need);
        if (!nb) {
            free(clean);
            return KVA_ERR_NOMEM;
        }
        *buf = nb;
        *cap = need;
    }

    char *o = *buf;
    size_t cost = 0, kept = 0;
    unsigned line = 0, widest = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = kva_utf8_next(t + i, len - i, &cp);
        bool esc = escaping && escape_at(t, len, i);
        size_t c = (cp > 0xFFFF ? 2u : 1u) + (esc ? 6u : 0u);
        if (cost + c > budget)
            break;
        cost += c;
        kept++;
        if (esc) {
            memcpy(o, "_x005F", 6);
            o += 6;
        }
        if (needs_replacing(cp, opts)) {
            memcpy(o, REPLACEMENT, 3);
            o += 3;
            out->replaced++;
        } else {
            memcpy(o, t + i, n);
            o += n;
        }
        if (cp == '\n') {
            if (line > widest)
                widest = line;
            line = 0;
        } else {
            line += is_wide(cp) ? 2 : 1;
        }
        i += n;
    }
    if (cutting) {
        out->cut = total_chars - kept;
        int m = marker(o, out->cut);
        o += m;
        line += (unsigned)m - 2;
    }
    *o = '\0';
    out->width = line > widest ? line : widest;
    out->s = *buf;
    free(clean);
    return KVA_OK;
}

unsigned kva_xlsx_lines(const char *s, unsigned width)
{
    size_t len = strlen(s), line = 0, lines = 0;
    if (width == 0)
        width = 1;
    for (size_t i = 0; i <= len;) {
        uint32_t cp = 0;
        size_t n = i < len ? kva_utf8_next(s + i, len - i, &cp) : 1;
        if (i == len || cp == '\n') {
            lines += line == 0 ? 1 : (line + width - 1) / width;
            line = 0;
        } else {
            line += is_wide(cp) ? 2 : 1;
        }
        i += n;
    }
    return lines > 4000 ? 4000u : (unsigned)lines;
}

bool kva_xlsx_failed(const kva_xlsx *x)
{
    return x->nomem || x->lerr != LXW_NO_ERROR;
}

void kva_xlsx_release(kva_xlsx *x)
{
    for (size_t i = 0; i < x->n_notes; i++)
        free(x->notes[i].message);
    free(x->notes);
    free(x->buf);
    x->notes = NULL;
    x->n_notes = x->cap_notes = 0;
    x->buf = NULL;
    x->cap = 0;
}

void kva_xlsx_check(kva_xlsx *x, lxw_error e)
{
    if (e != LXW_NO_ERROR && x->lerr == LXW_NO_ERROR)
        x->lerr = e;
}

void kva_xlsx_note_add(kva_xlsx *x, const char *code, const char *fmt, ...)
{
    char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !(msg = malloc((size_t)n + 1)))
        goto fail;
    va_start(ap, fmt);
    vsnprintf(msg, (size_t)n + 1, fmt, ap);
    va_end(ap);
    if (x->n_notes == x->cap_notes) {
        size_t nc = x->cap_notes ? 2 * x->cap_notes : 16;
        kva_xlsx_note *nn = realloc(x->notes, nc * sizeof *nn);
        if (!nn)
            goto fail;
        x->notes = nn;
        x->cap_notes = nc;
    }
    x->notes[x->n_notes].code = code;
    x->notes[x->n_notes].message = msg;
    x->n_notes++;
    return;
fail:
    free(msg);
    x->nomem = true;
}

void kva_xlsx_widen(kva_xlsx_sheet *sh, lxw_col_t c, unsigned w)
{
    if (c < KVA_XLSX_MAX_COLS && w > sh->width[c])
        sh->width[c] = w;
}

void kva_xlsx_put_text(kva_xlsx_sheet *sh, lxw_row_t r, lxw_col_t c,
                       const char *s, lxw_format *f, unsigned opts)
{
    kva_xlsx *x = sh->x;
    kva_xlsx_text t;
    char cell[LXW_MAX_CELL_NAME_LENGTH];

    if (kva_xlsx_failed(x))
        return;
    if (!s) {
        if (f)
            kva_xlsx_check(x, worksheet_write_blank(sh->ws, r, c, f));
        return;
    }
    if (kva_xlsx_prepare(s, opts, &x->buf, &x->cap, &t) != KVA_OK) {
        x->nomem = true;
        return;
    }
    if (t.replaced || t.cut)
        lxw_rowcol_to_cell(cell, r, c);
    if (t.replaced)
        kva_xlsx_note_add(x, "xlsx_text_replaced",
                          "%s!%s: %zu character(s) that were not valid UTF-8 "
                          "or not allowed in XML were replaced by U+FFFD",
                          sh->name, cell, t.replaced);
    if (t.cut)
        kva_xlsx_note_add(x, "xlsx_text_cut",
                          "%s!%s: text cut, %zu characters left out (a cell "
                          "holds at most 32,767)",
                          sh->name, cell, t.cut);
    kva_xlsx_check(x, worksheet_write_string(sh->ws, r, c, t.s, f));
    if (!(opts & KVA_XLSX_NO_WIDEN))
        kva_xlsx_widen(sh, c, t.width);
}

void kva_xlsx_put_number(kva_xlsx_sheet *sh, lxw_row_t r, lxw_col_t c, double v,
                         lxw_format *f, unsigned width)
{
    if (kva_xlsx_failed(sh->x))
        return;
    if (!isfinite(v)) {
        kva_xlsx_put_text(sh, r, c, "n/a", f, 0);
        return;
    }
    kva_xlsx_check(sh->x, worksheet_write_number(sh->ws, r, c, v, f));
    kva_xlsx_widen(sh, c, width);
}

unsigned kva_xlsx_count_width(double v)
{
    char buf[32];
    if (!isfinite(v) || fabs(v) >= 1e18)
        return 20;
    format_count((size_t)fabs(v), buf);
    return (unsigned)strlen(buf) + (v < 0);
}

void kva_xlsx_put_count(kva_xlsx_sheet *sh, lxw_row_t r, lxw_col_t c, double v,
                        lxw_format *f)
{
    kva_xlsx_put_number(sh, r, c, v, f, kva_xlsx_count_width(v));
}

/* 1900-03-01T00:00:00Z and 10000-01-01T00:00:00Z: the range where Excel's
 * 1900 date system is continuous (serial 60 is Lotus' 1900-02-29). */
#define EXCEL_FIRST_TIME (-2203891200LL)
#define EXCEL_END_TIME 253402300800LL
#define YEAR_0_TIME (-62167219200LL)

void kva_xlsx_put_time(kva_xlsx_sheet *sh, lxw_row_t r, lxw_col_t c,
                       int64_t epoch, lxw_format *f, unsigned width)
{
    if (epoch >= EXCEL_FIRST_TIME && epoch < EXCEL_END_TIME) {
        double serial = 25569.0 + (double)epoch / 86400.0;
        kva_xlsx_put_number(sh, r, c, serial, f, width);
    } else if (epoch >= YEAR_0_TIME && epoch < EXCEL_END_TIME) {
        char buf[21];
        kva_time_format(epoch, buf);
        kva_xlsx_put_text(sh, r, c, buf, NULL, 0);
    } else {
        kva_xlsx_put_text(sh, r, c, "(time out of range)", NULL, 0);
    }
}

void kva_xlsx_put_link(kva_xlsx_sheet *sh, lxw_row_t r, lxw_col_t c,
                       const char *target, const char *text,
                       const char *tooltip, lxw_format *f)
{
    if (kva_xlsx_failed(sh->x))
        return;
    kva_xlsx_check(
        sh->x, worksheet_write_url_opt(sh->ws, r, c, target, f, text, tooltip));
    kva_xlsx_widen(sh, c, (unsigned)strlen(text));
}

#include "pdf_layout.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../text.h"

#define MAX_COLS 12
#define LEADING 1.3f    /* line height / font size */
#define ASCENT 0.95f    /* baseline below the top of a line box / size */
#define CELL_PAD_X 4.0f
#define CELL_PAD_Y 3.0f
#define BADGE_PAD 3.0f
#define CODE_PAD 5.0f
#define CODE_SIZE 7.5f
#define INFO_MAX 2000   /* bytes of a document-information string */
#define BOOKMARK_MAX 400
/* Characters of one table cell paragraph, as many as a spreadsheet cell
 * holds: input text beyond that (hostile or broken evidence) would fill
 * thousands of pages; report.json keeps it whole. */
#define CELL_MAX_CHARS 32767

static const char ELLIPSIS[] = "\xE2\x80\xA6"; /* U+2026 */

/* One visual line of a table row: a wrapped line of one cell's text or
 * sub paragraph, placed in a slice (page) of the row. */
typedef struct vline {
    size_t line;    /* index into the line buffer */
    unsigned cell;
    bool sub;
    unsigned slice;
    float dy;       /* from the top of the slice to the top of the line */
} vline;

typedef struct table {
    bool active;
    kva_pdf_col cols[MAX_COLS];
    char *titles[MAX_COLS]; /* copies: cols[].title point here */
    float x[MAX_COLS];
    float w[MAX_COLS];
    size_t n;
    float size;
    float header_h;
    size_t header_page; /* page (1-based) the header was last drawn on */
    size_t row_no;
    char *group;        /* pending group row */
} table;

struct kva_pdf {
    HPDF_Doc doc;
    kva_pdf_hpdf_err herr;
    kva_pdf_fonts *fonts;
    HPDF_Encoder utf8;
    kva_error err;         /* our own first error (memory) */
    HPDF_Page *pages;
    size_t n_pages, cap_pages;
    HPDF_Page page;
    float page_w, page_h, left, width, top, first_top, bottom;
    float y;
    bool page_empty;
    /* What the current page's graphics state holds, to skip repeats. */
    bool fill_set, stroke_set;
    uint32_t fill, stroke;
    float line_width;   /* 0: unknown */
    HPDF_Font font;
    float font_size;
    /* Scratch */
    char *buf;
    size_t buf_cap;
    kva_pdf_line *lines;
    size_t n_lines, cap_lines;
    vline *vl;
    size_t n_vl, cap_vl;
    float *slice_h;
    size_t n_slices, cap_slices;
    vline *vl_sorted;      /* vl by slice, main lines before sub lines */
    size_t cap_sorted;
    size_t *slice_first;   /* vl_sorted index where (slice, sub) starts */
    size_t cap_first;
    size_t replaced;
    size_t cut;            /* table cell paragraphs cut to CELL_MAX_CHARS */
    bool count;            /* count replaced characters */
    bool header_counted;
    HPDF_Outline last_l1;
    char *header_left, *header_right, *footer_left, *page_label, *page_of;
    table tbl;
};

/* Positions on a quarter-point grid: invisible, and libharu then writes
 * "652.5" rather than "652.51007" a hundred thousand times. */
static float snap(float v)
{
    return roundf(v * 4) / 4;
}

static bool failed(const kva_pdf *d)
{
    if (d->err != KVA_OK || d->herr.code != 0)
        return true;
    return d->fonts && kva_pdf_fonts_status(d->fonts, NULL) != KVA_OK;
}

static void nomem(kva_pdf *d)
{
    if (d->err == KVA_OK)
        d->err = KVA_ERR_NOMEM;
}

static bool grow(kva_pdf *d, void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap : 16;
    while (n < need) {
        if (n > SIZE_MAX / 2 / size) {
            nomem(d);
            return false;
        }
        n *= 2;
    }
    void *q = realloc(*p, n * size);
    if (!q) {
        nomem(d);
        return false;
    }
    *p = q;
    *cap = n;
    return true;
}

float kva_pdf_leading(const kva_pdf_style *st)
{
    return st->size * LEADING;
}

/*
 * A copy for document information and bookmarks: libharu turns these into
 * UTF-16 and drops what is outside the BMP, so such characters (and
 * control characters) become U+FFFD; cut at max bytes with an ellipsis.
 */
static char *info_copy(const char *s, size_t max)
{
    if (!s)
        s = "";
    size_t len = strlen(s);
    char *out = malloc(max + 8);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t k = kva_utf8_next(s + i, len - i, &cp);
        if (cp >= 0x10000 || cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
            cp = cp == '\t' || cp == '\n' || cp == '\r' ? ' ' : 0xFFFD;
        if (o + 4 > max) {
            memcpy(out + o, ELLIPSIS, 3);
            o += 3;
            break;
        }
        if (cp < 0x80) {
            out[o++] = (char)cp;
        } else if (cp < 0x800) {
            out[o++] = (char)(0xC0 | cp >> 6);
            out[o++] = (char)(0x80 | (cp & 0x3F));
        } else {
            out[o++] = (char)(0xE0 | cp >> 12);
            out[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            out[o++] = (char)(0x80 | (cp & 0x3F));
        }
        i += k;
    }
    out[o] = '\0';
    return out;
}

static void set_font(kva_pdf *d, HPDF_Font font, float size)
{
    if (d->font == font && d->font_size == size)
        return;
    HPDF_Page_SetFontAndSize(d->page, font, size);
    d->font = font;
    d->font_size = size;
}

void kva_pdf_fill_color(kva_pdf *d, uint32_t rgb)
{
    if (d->fill_set && d->fill == rgb)
        return;
    HPDF_Page_SetRGBFill(d->page, (float)((rgb >> 16) & 0xFF) / 255.0f,
                         (float)((rgb >> 8) & 0xFF) / 255.0f,
                         (float)(rgb & 0xFF) / 255.0f);
    d->fill = rgb;
    d->fill_set = true;
}

void kva_pdf_stroke_color(kva_pdf *d, uint32_t rgb)
{
    if (d->stroke_set && d->stroke == rgb)
        return;
    HPDF_Page_SetRGBStroke(d->page, (float)((rgb >> 16) & 0xFF) / 255.0f,
                           (float)((rgb >> 8) & 0xFF) / 255.0f,
                           (float)(rgb & 0xFF) / 255.0f);
    d->stroke = rgb;
    d->stroke_set = true;
}

void kva_pdf_line_width(kva_pdf *d, float width)
{
    if (d->line_width == width)
        return;
    HPDF_Page_SetLineWidth(d->page, width);
    d->line_width = width;
}

void kva_pdf_rect(kva_pdf *d, float x, float y, float w, float h, uint32_t rgb)
{
    if (failed(d) || w <= 0 || h <= 0)
        return;
    kva_pdf_fill_color(d, rgb);
    float x0 = snap(x), y0 = snap(y);
    HPDF_Page_Rectangle(d->page, x0, y0, snap(x + w) - x0, snap(y + h) - y0);
    HPDF_Page_Fill(d->page);
}

void kva_pdf_round_rect(kva_pdf *d, float x, float y, float w, float h,
                        float r, uint32_t rgb)
{
    if (failed(d) || w <= 0 || h <= 0)
        return;
    if (r > w / 2)
        r = w / 2;
    if (r > h / 2)
        r = h / 2;
    const float k = 0.5523f * r; /* Bezier approximation of a quarter */
    HPDF_Page p = d->page;
    kva_pdf_fill_color(d, rgb);
    HPDF_Page_MoveTo(p, x + r, y);
    HPDF_Page_LineTo(p, x + w - r, y);
    HPDF_Page_CurveTo(p, x + w - r + k, y, x + w, y + r - k, x + w, y + r);
    HPDF_Page_LineTo(p, x + w, y + h - r);
    HPDF_Page_CurveTo(p, x + w, y + h - r + k, x + w - r + k, y + h,
                      x + w - r, y + h);
    HPDF_Page_LineTo(p, x + r, y + h);
    HPDF_Page_CurveTo(p, x + r - k, y + h, x, y + h - r + k, x, y + h - r);
    HPDF_Page_LineTo(p, x, y + r);
    HPDF_Page_CurveTo(p, x, y + r - k, x + r - k, y, x + r, y);
    HPDF_Page_Fill(p);
}

void kva_pdf_hline(kva_pdf *d, float x, float y, float w, float width,
                   uint32_t rgb)
{
    if (failed(d))
        return;
    kva_pdf_stroke_color(d, rgb);
    kva_pdf_line_width(d, width);
    HPDF_Page_MoveTo(d->page, snap(x), snap(y));
    HPDF_Page_LineTo(d->page, snap(x + w), snap(y));
    HPDF_Page_Stroke(d->page);
}

/* Next code point of s for drawing: whitespace controls become spaces, an
 * invalid byte becomes U+FFFD and counts as replaced. */
static size_t next_cp(const char *s, size_t len, uint32_t *cp, bool *bad)
{
    size_t k = kva_utf8_next(s, len, cp);
    *bad = *cp == 0xFFFD &&
           !(k == 3 && memcmp(s, "\xEF\xBF\xBD", 3) == 0);
    if (*cp == '\t' || *cp == '\n' || *cp == '\r')
        *cp = ' ';
    return k;
}

static bool put_utf8(kva_pdf *d, size_t *n, uint32_t cp)
{
    if (!grow(d, (void **)&d->buf, &d->buf_cap, *n + 5, 1))
        return false;
    char *o = d->buf + *n;
    if (cp < 0x80) {
        o[0] = (char)cp;
        *n += 1;
    } else if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        *n += 2;
    } else {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        *n += 3;
    }
    return true;
}

static void flush_run(kva_pdf *d, size_t n)
{
    if (n == 0 || !d->buf)
        return;
    d->buf[n] = '\0';
    HPDF_Page_ShowText(d->page, d->buf);
}

float kva_pdf_text_width(kva_pdf *d, const kva_pdf_style *st, const char *s,
                         size_t len)
{
    double w = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        bool bad;
        i += next_cp(s + i, len - i, &cp, &bad);
        kva_pdf_glyph g;
        kva_pdf_fonts_glyph(d->fonts, st->role, cp, &g);
        w += g.width;
    }
    return (float)(w * st->size / 1000.0);
}

/* Draw one line of text with its baseline at (x, y), switching fonts
 * where the glyph's face changes. */
void kva_pdf_text(kva_pdf *d, const kva_pdf_style *st, float x, float y,
                  const char *s, size_t len)
{
    if (failed(d) || len == 0)
        return;
    HPDF_Page p = d->page;
    kva_pdf_fill_color(d, st->color);
    HPDF_Page_BeginText(p);
    HPDF_Page_MoveTextPos(p, snap(x), snap(y));
    size_t n = 0;
    unsigned face = UINT_MAX;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        bool bad;
        i += next_cp(s + i, len - i, &cp, &bad);
        kva_pdf_glyph g;
        kva_pdf_fonts_glyph(d->fonts, st->role, cp, &g);
        if ((g.replaced || bad) && d->count)
            d->replaced++;
        if (g.face != face) {
            flush_run(d, n);
            n = 0;
            set_font(d, g.font, st->size);
            face = g.face;
        } else if (n >= 4096) {
            /* Zero-width characters can make a line of any length: show
             * it in bounded pieces (Tj continues where the last ended). */
            flush_run(d, n);
            n = 0;
        }
        if (!put_utf8(d, &n, g.cp))
            break;
    }
    flush_run(d, n);
    HPDF_Page_EndText(p);
    d->page_empty = false;
}

void kva_pdf_text_fit(kva_pdf *d, const kva_pdf_style *st, float x, float y,
                      float max_w, kva_pdf_align align, const char *s)
{
    if (!s)
        return;
    size_t len = strlen(s);
    float w = kva_pdf_text_width(d, st, s, len);
    char *tmp = NULL;
    if (w > max_w) {
        float ell = kva_pdf_text_width(d, st, ELLIPSIS, 3);
        double acc = 0;
        size_t cut = 0;
        for (size_t i = 0; i < len;) {
            uint32_t cp;
            bool bad;
            size_t k = next_cp(s + i, len - i, &cp, &bad);
            kva_pdf_glyph g;
            kva_pdf_fonts_glyph(d->fonts, st->role, cp, &g);
            acc += g.width * st->size / 1000.0;
            if (acc + ell > max_w)
                break;
            i += k;
            cut = i;
        }
        tmp = malloc(cut + 4);
        if (!tmp) {
            nomem(d);
            return;
        }
        memcpy(tmp, s, cut);
        memcpy(tmp + cut, ELLIPSIS, 4);
        s = tmp;
        len = cut + 3;
        w = kva_pdf_text_width(d, st, s, len);
    }
    if (align == KVA_PDF_RIGHT)
        x += max_w - w;
    else if (align == KVA_PDF_CENTER)
        x += (max_w - w) / 2;
    kva_pdf_text(d, st, x, y, s, len);
    free(tmp);
}

static bool is_space(uint32_t cp)
{
    return cp == ' ' || cp == '\t' || cp == 0x3000;
}

static bool is_cjk(uint32_t cp)
{
    return (cp >= 0x2E80 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7AF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFF00 && cp <= 0xFFEF);
}

static bool break_after(uint32_t cp, kva_pdf_wrap_mode mode)
{
    if (mode != KVA_PDF_WRAP_TEXT)
        return cp == '/' || cp == '-' || cp == ',' || cp == '=' ||
               cp == ';' || cp == ':' || cp == '|' || cp == '&' ||
               cp == '.' || (cp == '\\' && mode == KVA_PDF_WRAP_CODE);
    return cp == '-' || cp == '/' || cp == 0x2010 || cp == 0x2013 ||
           cp == '_' || cp == '.' || cp == '@' || is_cjk(cp);
}

static void emit(kva_pdf *d, size_t off, size_t end, double w, bool broken,
                 bool at_space)
{
    if (!grow(d, (void **)&d->lines, &d->cap_lines, d->n_lines + 1,
              sizeof *d->lines))
        return;
    d->lines[d->n_lines++] = (kva_pdf_line){off, end - off, (float)w, broken,
                                            at_space};
}

typedef struct brk {
    bool valid;
    size_t end, next;   /* the line ends at end, the next starts at next */
    double cum_end, cum_next;
} brk;

/*
 * One pass over the text: every code point is measured once (widths are
 * cumulative from the start of the paragraph, so a break never needs
 * re-measuring). Breaks prefer the last space of the line, then the last
 * break-after character, then the code point that overflows.
 */
size_t kva_pdf_wrap(kva_pdf *d, const kva_pdf_style *st, const char *s,
                    size_t len, float width, kva_pdf_wrap_mode mode,
                    size_t *first)
{
    size_t start = d->n_lines;
    *first = start;
    if (!s)
        s = "", len = 0;
    const double scale = st->size / 1000.0;
    size_t ls = 0;      /* line start */
    double ls_cum = 0, cum = 0;
    brk sp = {0}, sf = {0};
    /* After a space or break-after character inside quotes (the space
     * stays on the line): used only for a quoted string longer than a
     * whole line. */
    brk sq = {0};
    /* Code: no break inside quotes, nor at an escaped character: text
     * pasted from the page must be the same arguments, and a shell keeps
     * what follows a continuation inside a string as part of it (with the
     * indentation an extraction adds); 0 outside, else the quote
     * character. */
    char quote = 0;
    bool escaped = false;
    size_t bs = 0;      /* the escaping backslash before an escaped one */
    double bs_cum = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t k = kva_utf8_next(s + i, len - i, &cp);
        bool quoted = quote != 0, esc_here = false;
        if (mode != KVA_PDF_WRAP_TEXT) {
            if (escaped) {
                escaped = false;
                esc_here = quoted = true;
            } else if (cp == '\\' && quote != '\'') {
                escaped = true;
                bs = i;
                bs_cum = cum;
            } else if (quote == 0 && (cp == '\'' || cp == '"')) {
                quote = (char)cp, quoted = true;
            } else if (quote != 0 && cp == (uint32_t)quote) {
                quote = 0;
            }
        }
        if (cp == '\n' || cp == '\r') {
            size_t nl = k; /* CRLF is one line end */
            if (cp == '\r' && i + k < len && s[i + k] == '\n')
                nl++;
            size_t end = i;
            if (sp.valid && sp.next == i)
                end = sp.end;
            emit(d, ls, end, (sp.valid && sp.next == i ? sp.cum_end : cum) -
                                 ls_cum, false, false);
            i += nl;
            ls = i;
            ls_cum = cum;
            sp.valid = sf.valid = sq.valid = false;
            quote = 0;
            escaped = false;
            continue;
        }
        kva_pdf_glyph g;
        kva_pdf_fonts_glyph(d->fonts, st->role, is_space(cp) ? ' ' : cp, &g);
        double w = g.width * scale;
        if (is_space(cp) && !quoted) {
            if (sp.valid && sp.next == i) {
                sp.next = i + k;
                sp.cum_next = cum + w;
            } else {
                sp = (brk){true, i, i + k, cum, cum + w};
            }
            cum += w;
            i += k;
            continue;
        }
        if (cum + w - ls_cum > width && i > ls) {
            brk *b = sp.valid && sp.end > ls ? &sp
                     : sf.valid && sf.end > ls ? &sf
                                               : NULL;
            if (b) {
                emit(d, ls, b->end, b->cum_end - ls_cum, true, b == &sp);
                ls = b->next;
                ls_cum = b->cum_next;
                if (b == &sp || sf.end <= ls)
                    sf.valid = false;
                sp.valid = false;
            }
            if (cum + w - ls_cum > width && i > ls && sq.valid &&
                sq.end > ls) {
                emit(d, ls, sq.end, sq.cum_end - ls_cum, true, false);
                ls = sq.end;
                ls_cum = sq.cum_end;
                sp.valid = sf.valid = sq.valid = false;
            }
            if (cum + w - ls_cum > width && i > ls) {
                /* sh: "\\" then the mark would be a literal backslash;
                   break before the escaping backslash instead. */
                size_t at = i;
                double at_cum = cum;
                if (esc_here && mode == KVA_PDF_WRAP_SH && bs > ls)
                    at = bs, at_cum = bs_cum;
                if (at > ls) {
                    emit(d, ls, at, at_cum - ls_cum, true, false);
                    ls = at;
                    ls_cum = at_cum;
                    sp.valid = sf.valid = sq.valid = false;
                }
            }
        }
        cum += w;
        i += k;
        if (!quoted && break_after(cp, mode))
            sf = (brk){true, i, i, cum, cum};
        else if (quoted && !esc_here &&
                 (is_space(cp) || break_after(cp, mode)))
            sq = (brk){true, i, i, cum, cum};
    }
    if (sp.valid && sp.next == len)
        emit(d, ls, sp.end, sp.cum_end - ls_cum, false, false);
    else
        emit(d, ls, len, cum - ls_cum, false, false);
    if (d->n_lines == start) /* emit failed: out of memory */
        return 0;
    return d->n_lines - start;
}

const kva_pdf_line *kva_pdf_lines(const kva_pdf *d)
{
    return d->lines;
}

void kva_pdf_lines_reset(kva_pdf *d)
{
    d->n_lines = 0;
}

static void draw_header(kva_pdf *d)
{
    if (d->n_pages <= 1)
        return;
    const kva_pdf_style st = {KVA_PDF_SANS, 7.5f, KVA_PDF_MUTED};
    const kva_pdf_style bold = {KVA_PDF_BOLD, 7.5f, KVA_PDF_ACCENT};
    float base = d->page_h - 34;
    bool save = d->count;
    d->count = !d->header_counted;
    float half = d->width * 0.58f;
    kva_pdf_text_fit(d, &bold, d->left, base, half - 8, KVA_PDF_LEFT,
                     d->header_left);
    kva_pdf_text_fit(d, &st, d->left + half, base, d->width - half,
                     KVA_PDF_RIGHT, d->header_right);
    d->count = save;
    d->header_counted = true;
    kva_pdf_hline(d, d->left, base - 6, d->width, 0.6f, KVA_PDF_RULE);
}

void kva_pdf_new_page(kva_pdf *d)
{
    if (failed(d))
        return;
    if (!grow(d, (void **)&d->pages, &d->cap_pages, d->n_pages + 1,
              sizeof *d->pages))
        return;
    HPDF_Page p = HPDF_AddPage(d->doc);
    if (!p)
        return;
    HPDF_Page_SetSize(p, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
    d->pages[d->n_pages++] = p;
    d->page = p;
    d->fill_set = d->stroke_set = false;
    d->line_width = 0;
    d->font = NULL;
    d->font_size = 0;
    draw_header(d);
    d->y = d->n_pages == 1 ? d->first_top : d->top;
    d->page_empty = true;
}

bool kva_pdf_need(kva_pdf *d, float h)
{
    if (failed(d))
        return false;
    float top = d->n_pages == 1 ? d->first_top : d->top;
    if (d->y - h < d->bottom && d->y < top) {
        kva_pdf_new_page(d);
        return true;
    }
    return false;
}

void kva_pdf_gap(kva_pdf *d, float h)
{
    d->y -= h;
    if (d->y < d->bottom)
        d->y = d->bottom;
}

size_t kva_pdf_replaced(const kva_pdf *d)
{
    return d->replaced;
}

size_t kva_pdf_cut(const kva_pdf *d)
{
    return d->cut;
}

size_t kva_pdf_page_count(const kva_pdf *d)
{
    return d->n_pages;
}

HPDF_Page kva_pdf_page(const kva_pdf *d)
{
    return d->page;
}

float kva_pdf_left(const kva_pdf *d)
{
    return d->left;
}

float kva_pdf_width(const kva_pdf *d)
{
    return d->width;
}

float kva_pdf_y(const kva_pdf *d)
{
    return d->y;
}

void kva_pdf_set_y(kva_pdf *d, float y)
{
    d->y = y;
}

float kva_pdf_room(const kva_pdf *d)
{
    return d->y - d->bottom;
}

float kva_pdf_page_room(const kva_pdf *d)
{
    return d->top - d->bottom;
}

static float para_width(const kva_pdf *d, const kva_pdf_para_opts *o)
{
    float w = o && o->width > 0 ? o->width : d->width - (o ? o->indent : 0);
    return w > 10 ? w : 10;
}

float kva_pdf_para_height(kva_pdf *d, const kva_pdf_style *st,
                          const char *text, const kva_pdf_para_opts *o)
{
    size_t first;
    kva_pdf_lines_reset(d);
    size_t n = kva_pdf_wrap(d, st, text, text ? strlen(text) : 0,
                            para_width(d, o), KVA_PDF_WRAP_TEXT, &first);
    kva_pdf_lines_reset(d);
    return (float)n * kva_pdf_leading(st) + (o ? o->space_after : 0);
}

void kva_pdf_para(kva_pdf *d, const kva_pdf_style *st, const char *text,
                  const kva_pdf_para_opts *o)
{
    if (failed(d) || !text)
        return;
    float indent = o ? o->indent : 0;
    float w = para_width(d, o);
    size_t first;
    kva_pdf_lines_reset(d);
    size_t n = kva_pdf_wrap(d, st, text, strlen(text), w, KVA_PDF_WRAP_TEXT,
                            &first);
    float lead = kva_pdf_leading(st);
    for (size_t i = 0; i < n; i++) {
        const kva_pdf_line *ln = &d->lines[first + i];
        kva_pdf_need(d, lead);
        float x = d->left + indent;
        if (o && o->align == KVA_PDF_RIGHT)
            x += w - ln->width;
        else if (o && o->align == KVA_PDF_CENTER)
            x += (w - ln->width) / 2;
        kva_pdf_text(d, st, x, d->y - st->size * ASCENT, text + ln->off,
                     ln->len);
        d->y -= lead;
    }
    kva_pdf_lines_reset(d);
    if (o)
        kva_pdf_gap(d, o->space_after);
}

void kva_pdf_item(kva_pdf *d, const kva_pdf_style *st, const char *marker,
                  const char *text, float indent)
{
    if (failed(d) || !text)
        return;
    float hang = indent + st->size * 1.6f;
    kva_pdf_para_opts o = {.indent = hang, .space_after = st->size * 0.35f};
    float lead = kva_pdf_leading(st);
    kva_pdf_need(d, lead);
    if (marker)
        kva_pdf_text(d, st, d->left + indent, d->y - st->size * ASCENT,
                     marker, strlen(marker));
    kva_pdf_para(d, st, text, &o);
}

void kva_pdf_bookmark(kva_pdf *d, int level, const char *text)
{
    if (failed(d))
        return;
    char *t = info_copy(text, BOOKMARK_MAX);
    if (!t) {
        nomem(d);
        return;
    }
    HPDF_Outline parent = level > 1 && d->last_l1 ? d->last_l1 : NULL;
    HPDF_Outline o = HPDF_CreateOutline(d->doc, parent, t, d->utf8);
    free(t);
    if (!o)
        return;
    HPDF_Outline_SetOpened(o, level <= 1 ? HPDF_TRUE : HPDF_FALSE);
    HPDF_Destination dst = HPDF_Page_CreateDestination(d->page);
    if (!dst)
        return;
    float top = d->y + 6;
    HPDF_Destination_SetFitH(dst, top > d->page_h ? d->page_h : top);
    HPDF_Outline_SetDestination(o, dst);
    if (level <= 1)
        d->last_l1 = o;
}

void kva_pdf_heading(kva_pdf *d, int level, const char *text, float keep)
{
    if (failed(d) || !text)
        return;
    if (level <= 1) {
        if (!d->page_empty)
            kva_pdf_new_page(d);
        const kva_pdf_style st = {KVA_PDF_BOLD, 16, KVA_PDF_ACCENT};
        kva_pdf_bookmark(d, 1, text);
        kva_pdf_para(d, &st, text, &(kva_pdf_para_opts){.space_after = 2});
        kva_pdf_hline(d, d->left, d->y, d->width, 1.2f, KVA_PDF_ACCENT);
        kva_pdf_gap(d, 10);
        return;
    }
    const kva_pdf_style st = {KVA_PDF_BOLD, level == 2 ? 11.5f : 9.5f,
                              KVA_PDF_ACCENT};
    float h = kva_pdf_para_height(d, &st, text, NULL);
    kva_pdf_gap(d, level == 2 ? 6 : 3);
    kva_pdf_need(d, h + keep + 4);
    if (level == 2)
        kva_pdf_bookmark(d, 2, text);
    kva_pdf_para(d, &st, text,
                 &(kva_pdf_para_opts){.space_after = level == 2 ? 4 : 2});
}

static float mono_char(kva_pdf *d, float size)
{
    const kva_pdf_style st = {KVA_PDF_MONO, size, 0};
    return kva_pdf_text_width(d, &st, "0", 1);
}

static size_t code_wrap(kva_pdf *d, const char *text, kva_pdf_mark mark,
                        size_t *first)
{
    const kva_pdf_style st = {KVA_PDF_MONO, CODE_SIZE, KVA_PDF_INK};
    /* From the left edge of the column (the box hangs into the margin),
       with room for the widest mark (" \") and the right padding. */
    float w = d->width - CODE_PAD - 2 * mono_char(d, CODE_SIZE) - 2;
    return kva_pdf_wrap(d, &st, text, text ? strlen(text) : 0, w,
                        mark == KVA_PDF_MARK_SH ? KVA_PDF_WRAP_SH
                                                : KVA_PDF_WRAP_CODE,
                        first);
}

float kva_pdf_code_height(kva_pdf *d, const char *text, kva_pdf_mark mark)
{
    size_t first;
    kva_pdf_lines_reset(d);
    size_t n = code_wrap(d, text, mark, &first);
    kva_pdf_lines_reset(d);
    return (float)n * CODE_SIZE * LEADING + 2 * CODE_PAD;
}

static void draw_mark(kva_pdf *d, kva_pdf_mark mark, const kva_pdf_line *ln,
                      float x, float base)
{
    const kva_pdf_style st = {KVA_PDF_MONO, CODE_SIZE, KVA_PDF_MUTED};
    if (mark == KVA_PDF_MARK_ARROW) {
        /* A hook arrow in the right padding: nothing in the text layer. */
        float ax = d->left + d->width - 2, ay = base + 2.2f;
        kva_pdf_stroke_color(d, KVA_PDF_MUTED);
        kva_pdf_line_width(d, 0.6f);
        HPDF_Page_MoveTo(d->page, ax, ay + 2.5f);
        HPDF_Page_LineTo(d->page, ax, ay);
        HPDF_Page_LineTo(d->page, ax - 4, ay);
        HPDF_Page_Stroke(d->page);
        HPDF_Page_MoveTo(d->page, ax - 2.5f, ay + 1.5f);
        HPDF_Page_LineTo(d->page, ax - 4, ay);
        HPDF_Page_LineTo(d->page, ax - 2.5f, ay - 1.5f);
        HPDF_Page_Stroke(d->page);
        return;
    }
    const char *m = mark == KVA_PDF_MARK_PS ? (ln->at_space ? " `" : "`")
                                            : (ln->at_space ? " \\" : "\\");
    kva_pdf_text(d, &st, x + ln->width, base, m, strlen(m));
}

void kva_pdf_code(kva_pdf *d, const char *text, kva_pdf_mark mark)
{
    if (failed(d))
        return;
    const kva_pdf_style st = {KVA_PDF_MONO, CODE_SIZE, KVA_PDF_INK};
    const float lead = CODE_SIZE * LEADING;
    size_t first;
    kva_pdf_lines_reset(d);
    size_t n = code_wrap(d, text, mark, &first);
    if (!text)
        text = "";
    float total = (float)n * lead + 2 * CODE_PAD;
    if (total <= kva_pdf_page_room(d))
        kva_pdf_need(d, total);
    size_t i = 0;
    while (i < n && !failed(d)) {
        if (kva_pdf_room(d) < lead + 2 * CODE_PAD)
            kva_pdf_new_page(d);
        size_t fit = (size_t)((kva_pdf_room(d) - 2 * CODE_PAD) / lead);
        if (fit < 1)
            fit = 1;
        if (fit > n - i)
            fit = n - i;
        float h = (float)fit * lead + 2 * CODE_PAD;
        /* The box hangs into the left margin so that the text itself
           starts at the column's edge, every line alike (see
           kva_pdf_mark). */
        float bx = d->left - CODE_PAD - 2;
        kva_pdf_rect(d, bx, d->y - h, d->left + d->width - bx, h,
                     KVA_PDF_CODE_BG);
        kva_pdf_rect(d, bx, d->y - h, 1.5f, h, KVA_PDF_RULE);
        float y = d->y - CODE_PAD;
        for (size_t j = 0; j < fit; j++, i++) {
            const kva_pdf_line *ln = &d->lines[first + i];
            float base = y - CODE_SIZE * ASCENT;
            float x = d->left;
            kva_pdf_text(d, &st, x, base, text + ln->off, ln->len);
            if (ln->broken)
                draw_mark(d, mark, ln, x, base);
            y -= lead;
        }
        d->y -= h;
        if (i < n)
            kva_pdf_new_page(d);
    }
    kva_pdf_lines_reset(d);
    kva_pdf_gap(d, 6);
}

/* Tables */

static void table_header(kva_pdf *d)
{
    table *t = &d->tbl;
    const kva_pdf_style st = {KVA_PDF_BOLD, t->size, 0xFFFFFF};
    float total = t->x[t->n - 1] + t->w[t->n - 1] - t->x[0];
    kva_pdf_rect(d, t->x[0], d->y - t->header_h, total, t->header_h,
                 KVA_PDF_ACCENT);
    /* Drawn in the middle of placing a row: the row's lines stay in the
     * buffer, the titles' lines go after them and are dropped again. */
    size_t keep = d->n_lines;
    for (size_t c = 0; c < t->n; c++) {
        const char *title = t->cols[c].title ? t->cols[c].title : "";
        size_t first;
        d->n_lines = keep;
        size_t n = kva_pdf_wrap(d, &st, title, strlen(title),
                                t->w[c] - 2 * CELL_PAD_X, KVA_PDF_WRAP_TEXT,
                                &first);
        for (size_t i = 0; i < n; i++) {
            const kva_pdf_line *ln = &d->lines[first + i];
            float x = t->x[c] + CELL_PAD_X;
            if (t->cols[c].align == KVA_PDF_RIGHT)
                x = t->x[c] + t->w[c] - CELL_PAD_X - ln->width;
            else if (t->cols[c].align == KVA_PDF_CENTER)
                x = t->x[c] + (t->w[c] - ln->width) / 2;
            kva_pdf_text(d, &st, x,
                         d->y - CELL_PAD_Y - (float)i * t->size * LEADING -
                             t->size * ASCENT,
                         title + ln->off, ln->len);
        }
    }
    d->n_lines = keep;
    d->y -= t->header_h;
    t->header_page = d->n_pages;
}

static void table_clear(table *t)
{
    free(t->group);
    for (size_t c = 0; c < MAX_COLS; c++)
        free(t->titles[c]);
    memset(t, 0, sizeof *t);
}

void kva_pdf_table_begin(kva_pdf *d, const kva_pdf_col *cols, size_t n,
                         float font_size)
{
    table *t = &d->tbl;
    table_clear(t);
    if (n == 0 || failed(d))
        return;
    if (n > MAX_COLS)
        n = MAX_COLS;
    t->n = n;
    t->size = font_size > 0 ? font_size : 8;
    memcpy(t->cols, cols, n * sizeof *cols);
    for (size_t c = 0; c < n; c++) {
        t->titles[c] = strdup(cols[c].title ? cols[c].title : "");
        if (!t->titles[c]) {
            nomem(d);
            table_clear(t);
            return;
        }
        t->cols[c].title = t->titles[c];
    }
    /* Columns of width 0 share what the others leave; if the total is too
     * wide, every column shrinks in proportion. */
    float sum = 0;
    size_t rest = 0;
    for (size_t c = 0; c < n; c++) {
        if (cols[c].width > 0)
            sum += cols[c].width;
        else
            rest++;
    }
    float share = rest ? (d->width - sum) / (float)rest : 0;
    if (rest && share < 30)
        share = 30;
    float total = sum + share * (float)rest;
    float scale = total > d->width ? d->width / total : 1;
    float x = d->left;
    for (size_t c = 0; c < n; c++) {
        t->x[c] = x;
        t->w[c] = (cols[c].width > 0 ? cols[c].width : share) * scale;
        x += t->w[c];
    }
    /* Header height: the tallest wrapped title. */
    const kva_pdf_style st = {KVA_PDF_BOLD, t->size, 0};
    size_t most = 1;
    for (size_t c = 0; c < n; c++) {
        size_t first;
        const char *title = cols[c].title ? cols[c].title : "";
        kva_pdf_lines_reset(d);
        size_t k = kva_pdf_wrap(d, &st, title, strlen(title),
                                t->w[c] - 2 * CELL_PAD_X, KVA_PDF_WRAP_TEXT,
                                &first);
        if (k > most)
            most = k;
    }
    kva_pdf_lines_reset(d);
    t->header_h = (float)most * t->size * LEADING + 2 * CELL_PAD_Y;
    t->active = true;
}

/* Put one visual line into the current slice of its cell, or into the
 * next slice when the slice (a page's worth of row) is full. */
static void place(kva_pdf *d, size_t line, unsigned cell, bool sub, float h,
                  float room, float *y, unsigned *slice)
{
    if (*y + h > room - CELL_PAD_Y && *y > CELL_PAD_Y) {
        (*slice)++;
        *y = CELL_PAD_Y;
    }
    while (d->n_slices <= *slice) {
        if (!grow(d, (void **)&d->slice_h, &d->cap_slices, d->n_slices + 1,
                  sizeof *d->slice_h))
            return;
        d->slice_h[d->n_slices++] = CELL_PAD_Y;
    }
    if (!grow(d, (void **)&d->vl, &d->cap_vl, d->n_vl + 1, sizeof *d->vl))
        return;
    d->vl[d->n_vl++] = (vline){line, cell, sub, *slice, *y};
    *y += h;
    if (d->slice_h[*slice] < *y)
        d->slice_h[*slice] = *y;
}

static kva_pdf_style cell_style(const table *t, const kva_pdf_cell *c,
                                size_t col)
{
    kva_pdf_style st = {c->bold ? KVA_PDF_BOLD : t->cols[col].role, t->size,
                        c->color ? c->color : KVA_PDF_INK};
    if (c->badge)
        st.color = 0xFFFFFF;
    return st;
}

static kva_pdf_style sub_style(const table *t, const kva_pdf_cell *c)
{
    return (kva_pdf_style){c->sub_mono ? KVA_PDF_MONO : KVA_PDF_SANS,
                           t->size * 0.8f, KVA_PDF_MUTED};
}

/* Order the placed lines by slice, and within a slice the main lines
 * before the sub paragraphs (fewer font and colour changes in the page
 * content), keeping the placing order otherwise: a stable counting sort,
 * so that drawing a row of any length is linear in its lines. */
static bool sort_slices(kva_pdf *d)
{
    size_t buckets = 2 * d->n_slices;
    if (!grow(d, (void **)&d->vl_sorted, &d->cap_sorted, d->n_vl,
              sizeof *d->vl_sorted) ||
        !grow(d, (void **)&d->slice_first, &d->cap_first, buckets + 1,
              sizeof *d->slice_first))
        return false;
    size_t *first = d->slice_first;
    memset(first, 0, (buckets + 1) * sizeof *first);
    for (size_t i = 0; i < d->n_vl; i++)
        first[2 * d->vl[i].slice + d->vl[i].sub + 1]++;
    for (size_t b = 0; b < buckets; b++)
        first[b + 1] += first[b];
    for (size_t i = 0; i < d->n_vl; i++) {
        const vline *v = &d->vl[i];
        d->vl_sorted[first[2 * v->slice + v->sub]++] = *v;
    }
    /* Each bucket's counter now stands at the next bucket's start. */
    memmove(first + 1, first, buckets * sizeof *first);
    first[0] = 0;
    return true;
}

/* Wrap every cell and place its lines into slices of at most `room`
 * points (appending to the line buffer). Returns the number of slices;
 * their heights are in d->slice_h. */
static unsigned measure_row(kva_pdf *d, const kva_pdf_cell *cells,
                            float room)
{
    table *t = &d->tbl;
    d->n_vl = 0;
    d->n_slices = 0;
    for (size_t c = 0; c < t->n; c++) {
        const kva_pdf_cell *cell = &cells[c];
        kva_pdf_style st = cell_style(t, cell, c);
        float inner = t->w[c] - 2 * CELL_PAD_X -
                      (cell->badge ? 2 * BADGE_PAD : 0);
        const char *text = cell->text ? cell->text : "";
        size_t first;
        size_t n = kva_pdf_wrap(d, &st, text, strlen(text), inner,
                                KVA_PDF_WRAP_TEXT, &first);
        float y = CELL_PAD_Y;
        unsigned slice = 0;
        for (size_t i = 0; i < n; i++)
            place(d, first + i, (unsigned)c, false,
                  t->size * LEADING + (cell->badge ? 1.5f : 0), room, &y,
                  &slice);
        if (cell->sub && *cell->sub) {
            kva_pdf_style ss = sub_style(t, cell);
            n = kva_pdf_wrap(d, &ss, cell->sub, strlen(cell->sub),
                             t->w[c] - 2 * CELL_PAD_X,
                             cell->sub_mono ? KVA_PDF_WRAP_CODE
                                            : KVA_PDF_WRAP_TEXT,
                             &first);
            y += 0.5f;
            for (size_t i = 0; i < n; i++)
                place(d, first + i, (unsigned)c, true, ss.size * LEADING,
                      room, &y, &slice);
        }
    }
    if (failed(d) || d->n_slices == 0)
        return 0;
    for (size_t s = 0; s < d->n_slices; s++)
        d->slice_h[s] += CELL_PAD_Y;
    if (!sort_slices(d))
        return 0;
    return (unsigned)d->n_slices;
}

static void draw_slice(kva_pdf *d, const kva_pdf_cell *cells, unsigned slice)
{
    table *t = &d->tbl;
    float h = d->slice_h[slice];
    float total = t->x[t->n - 1] + t->w[t->n - 1] - t->x[0];
    float top = d->y;
    if (t->row_no % 2 == 1)
        kva_pdf_rect(d, t->x[0], top - h, total, h, KVA_PDF_ZEBRA);
    kva_pdf_hline(d, t->x[0], top - h, total, 0.4f, KVA_PDF_RULE);
    size_t end = d->slice_first[2 * slice + 2];
    for (size_t i = d->slice_first[2 * slice]; i < end; i++) {
        const vline *v = &d->vl_sorted[i];
        const kva_pdf_cell *cell = &cells[v->cell];
        kva_pdf_style st = v->sub ? sub_style(t, cell)
                                  : cell_style(t, cell, v->cell);
        const kva_pdf_line *ln = &d->lines[v->line];
        const char *text = v->sub ? cell->sub : (cell->text ? cell->text : "");
        float cx = t->x[v->cell], cw = t->w[v->cell];
        float pad = CELL_PAD_X + (cell->badge && !v->sub ? BADGE_PAD : 0);
        float x = cx + pad;
        kva_pdf_align al = t->cols[v->cell].align;
        if (al == KVA_PDF_RIGHT)
            x = cx + cw - pad - ln->width;
        else if (al == KVA_PDF_CENTER)
            x = cx + (cw - ln->width) / 2;
        float base = top - v->dy - st.size * ASCENT;
        if (cell->badge && !v->sub && ln->len > 0)
            kva_pdf_round_rect(d, x - BADGE_PAD, base - st.size * 0.3f,
                               ln->width + 2 * BADGE_PAD, st.size * 1.25f,
                               st.size * 0.5f, cell->badge);
        kva_pdf_text(d, &st, x, base, text + ln->off, ln->len);
    }
    d->y -= h;
}

static float group_height(kva_pdf *d, size_t *first, size_t *n)
{
    table *t = &d->tbl;
    const kva_pdf_style st = {KVA_PDF_BOLD, t->size, KVA_PDF_ACCENT};
    float total = t->x[t->n - 1] + t->w[t->n - 1] - t->x[0];
    *n = kva_pdf_wrap(d, &st, t->group, strlen(t->group),
                      total - 2 * CELL_PAD_X, KVA_PDF_WRAP_TEXT, first);
    return (float)*n * t->size * LEADING + 2 * CELL_PAD_Y + 2;
}

static void table_room(kva_pdf *d, float h);

static void group_band(kva_pdf *d, const kva_pdf_line *lines, size_t n,
                       float h)
{
    table *t = &d->tbl;
    const kva_pdf_style st = {KVA_PDF_BOLD, t->size, KVA_PDF_ACCENT};
    float total = t->x[t->n - 1] + t->w[t->n - 1] - t->x[0];
    kva_pdf_rect(d, t->x[0], d->y - h, total, h, 0xE3EAF3);
    for (size_t i = 0; i < n; i++)
        kva_pdf_text(d, &st, t->x[0] + CELL_PAD_X,
                     d->y - CELL_PAD_Y - 1 - (float)i * t->size * LEADING -
                         t->size * ASCENT,
                     t->group + lines[i].off, lines[i].len);
    d->y -= h;
}

/* The group row: one band where it fits, else a band per line, so that
 * even a group text longer than a page is never cut. */
static void draw_group(kva_pdf *d, size_t first, size_t n, float h)
{
    table *t = &d->tbl;
    if (d->y - h >= d->bottom - 0.01f) {
        group_band(d, d->lines + first, n, h);
    } else {
        float lh = t->size * LEADING + 2 * CELL_PAD_Y + 2;
        for (size_t i = 0; i < n && !failed(d); i++) {
            table_room(d, lh);
            group_band(d, d->lines + first + i, 1, lh);
        }
    }
    free(t->group);
    t->group = NULL;
    t->row_no = 0;
}

static bool at_page_top(const kva_pdf *d)
{
    return d->y >= (d->n_pages == 1 ? d->first_top : d->top) - 0.01f;
}

/* Make room for h points of rows below the table header: a new page (and
 * the header again) when they do not fit. */
static void table_room(kva_pdf *d, float h)
{
    table *t = &d->tbl;
    bool have_header = t->header_page == d->n_pages;
    float need = h + (have_header ? 0 : t->header_h);
    if (d->y - need < d->bottom && !at_page_top(d) &&
        !(have_header && d->y >= (d->n_pages == 1 ? d->first_top : d->top) -
                                     t->header_h - 0.01f)) {
        kva_pdf_new_page(d);
        have_header = false;
    }
    if (!have_header)
        table_header(d);
}

static void draw_row(kva_pdf *d, const kva_pdf_cell *cells);

/* The first CELL_MAX_CHARS characters of s and a visible marker, or NULL
 * when s is short enough (or on OOM, which is then recorded). */
static char *cut_copy(kva_pdf *d, const char *s)
{
    /* Characters are never more than bytes: most texts stop here. */
    if (!s || strnlen(s, CELL_MAX_CHARS + 1) <= CELL_MAX_CHARS)
        return NULL;
    size_t chars = 0, keep = 0, i = 0;
    for (; s[i]; i++) {
        if (((unsigned char)s[i] & 0xC0) == 0x80)
            continue;
        if (chars == CELL_MAX_CHARS)
            keep = i;
        chars++;
    }
    if (chars <= CELL_MAX_CHARS)
        return NULL;
    char marker[64];
    int m = snprintf(marker, sizeof marker, "%s [cut: %zu characters]",
                     ELLIPSIS, chars - CELL_MAX_CHARS);
    char *out = malloc(keep + (size_t)m + 1);
    if (!out) {
        nomem(d);
        return NULL;
    }
    memcpy(out, s, keep);
    memcpy(out + keep, marker, (size_t)m + 1);
    d->cut++;
    return out;
}

void kva_pdf_table_row(kva_pdf *d, const kva_pdf_cell *given)
{
    table *t = &d->tbl;
    if (failed(d) || !t->active)
        return;
    kva_pdf_cell cells[MAX_COLS];
    char *cut[2 * MAX_COLS] = {NULL};
    for (size_t c = 0; c < t->n; c++) {
        cells[c] = given[c];
        if ((cut[2 * c] = cut_copy(d, given[c].text)))
            cells[c].text = cut[2 * c];
        if ((cut[2 * c + 1] = cut_copy(d, given[c].sub)))
            cells[c].sub = cut[2 * c + 1];
    }
    if (!failed(d))
        draw_row(d, cells);
    for (size_t i = 0; i < 2 * t->n; i++)
        free(cut[i]);
}

static void draw_row(kva_pdf *d, const kva_pdf_cell *cells)
{
    table *t = &d->tbl;
    float room = kva_pdf_page_room(d) - t->header_h;
    kva_pdf_lines_reset(d);
    size_t gfirst = 0, gn = 0;
    float gh = t->group ? group_height(d, &gfirst, &gn) : 0;
    if (gh > room / 2) {
        /* A group row that big is not kept with its first row. */
        table_room(d, gh);
        draw_group(d, gfirst, gn, gh);
        gh = 0;
    }
    unsigned slices = measure_row(d, cells, room - gh);
    if (slices == 0)
        return;
    /* A row that fits on a page is never split; a taller one starts at
     * the top of a page and goes on over the next ones. */
    table_room(d, slices == 1 ? gh + d->slice_h[0] : room);
    if (gh > 0)
        draw_group(d, gfirst, gn, gh);
    for (unsigned s = 0; s < slices && !failed(d); s++) {
        if (s > 0) {
            kva_pdf_new_page(d);
            table_header(d);
        }
        draw_slice(d, cells, s);
    }
    t->row_no++;
    kva_pdf_lines_reset(d);
}

void kva_pdf_table_group(kva_pdf *d, const char *text)
{
    table *t = &d->tbl;
    if (failed(d) || !t->active)
        return;
    free(t->group);
    t->group = strdup(text ? text : "");
    if (!t->group)
        nomem(d);
}

void kva_pdf_table_end(kva_pdf *d)
{
    table *t = &d->tbl;
    if (t->active && t->group && !failed(d)) {
        size_t first, n;
        kva_pdf_lines_reset(d);
        float gh = group_height(d, &first, &n);
        table_room(d, gh);
        draw_group(d, first, n, gh);
        kva_pdf_lines_reset(d);
    }
    table_clear(t);
    kva_pdf_gap(d, 8);
}

kva_error kva_pdf_status(const kva_pdf *d, kva_diag *err)
{
    if (d->err != KVA_OK) {
        kva_diag_set(err, d->err, NULL, 0, 0, "PDF: %s",
                     kva_strerror(d->err));
        return d->err;
    }
    if (d->fonts) {
        kva_error rc = kva_pdf_fonts_status(d->fonts, err);
        if (rc != KVA_OK)
            return rc;
    }
    if (d->herr.code != 0) {
        const char *what = kva_pdf_hpdf_strerror(d->herr.code);
        kva_error rc = d->herr.code == HPDF_FAILD_TO_ALLOC_MEM
                           ? KVA_ERR_NOMEM
                           : KVA_ERR_RENDER;
        kva_diag_set(err, rc, NULL, 0, 0,
                     "PDF: libharu error 0x%04X (detail %u)%s%s",
                     (unsigned)d->herr.code, (unsigned)d->herr.detail,
                     *what ? ": " : "", what);
        return rc;
    }
    return KVA_OK;
}

static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

kva_error kva_pdf_new(const kva_pdf_opts *o, kva_pdf **out, kva_diag *err)
{
    kva_error rc = KVA_ERR_NOMEM;
    *out = NULL;
    kva_pdf *d = calloc(1, sizeof *d);
    if (!d)
        goto nomem;
    d->count = true;
    d->header_left = dup_or_empty(o->header_left);
    d->header_right = dup_or_empty(o->header_right);
    d->footer_left = dup_or_empty(o->footer_left);
    d->page_label = dup_or_empty(o->page_label && *o->page_label
                                     ? o->page_label
                                     : "Page");
    d->page_of = dup_or_empty(o->page_of && *o->page_of ? o->page_of : "of");
    if (!d->header_left || !d->header_right || !d->footer_left ||
        !d->page_label || !d->page_of)
        goto nomem;
    d->doc = HPDF_New(kva_pdf_hpdf_handler, &d->herr);
    if (!d->doc)
        goto nomem;
    HPDF_SetCompressionMode(d->doc, HPDF_COMP_ALL);
    HPDF_UseUTFEncodings(d->doc);
    HPDF_SetCurrentEncoder(d->doc, "UTF-8");
    d->utf8 = HPDF_GetEncoder(d->doc, "UTF-8");
    HPDF_SetPageMode(d->doc, HPDF_PAGE_MODE_USE_OUTLINE);
    if (d->herr.code != 0) {
        rc = kva_pdf_status(d, err);
        goto fail;
    }
    rc = kva_pdf_fonts_new(d->doc, &d->herr, &d->fonts, err);
    if (rc != KVA_OK)
        goto fail;

    d->page_w = 595.276f;
    d->page_h = 841.89f;
    d->left = 48;
    d->width = d->page_w - 2 * d->left;
    d->first_top = d->page_h - 46;
    d->top = d->page_h - 52;
    d->bottom = 52;

    struct {
        HPDF_InfoType type;
        const char *value;
    } info[] = {{HPDF_INFO_TITLE, o->title},
                {HPDF_INFO_AUTHOR, o->author},
                {HPDF_INFO_SUBJECT, o->subject},
                {HPDF_INFO_KEYWORDS, o->keywords},
                {HPDF_INFO_CREATOR, o->creator}};
    for (size_t i = 0; i < sizeof info / sizeof info[0]; i++) {
        if (!info[i].value || !*info[i].value)
            continue;
        char *v = info_copy(info[i].value, INFO_MAX);
        if (!v)
            goto nomem;
        HPDF_SetInfoAttr(d->doc, info[i].type, v);
        free(v);
    }
    if (o->has_date) {
        int64_t days = o->date / 86400, secs = o->date % 86400;
        if (secs < 0)
            secs += 86400, days--;
        int64_t y;
        unsigned m, dd;
        kva_civil_from_days(days, &y, &m, &dd);
        if (y >= 1 && y <= 9999) {
            HPDF_Date date = {(HPDF_INT)y, (HPDF_INT)m, (HPDF_INT)dd,
                              (HPDF_INT)(secs / 3600),
                              (HPDF_INT)(secs / 60 % 60),
                              (HPDF_INT)(secs % 60), 'Z', 0, 0};
            HPDF_SetInfoDateAttr(d->doc, HPDF_INFO_CREATION_DATE, date);
            HPDF_SetInfoDateAttr(d->doc, HPDF_INFO_MOD_DATE, date);
        }
    }
    kva_pdf_new_page(d);
    rc = kva_pdf_status(d, err);
    if (rc != KVA_OK)
        goto fail;
    *out = d;
    return KVA_OK;
nomem:
    rc = KVA_ERR_NOMEM;
    kva_diag_set(err, rc, NULL, 0, 0, "PDF: out of memory");
fail:
    kva_pdf_free(d);
    return rc;
}

static void draw_footers(kva_pdf *d)
{
    const kva_pdf_style st = {KVA_PDF_SANS, 7.5f, KVA_PDF_MUTED};
    char num[96];
    for (size_t i = 0; i < d->n_pages && !failed(d); i++) {
        d->page = d->pages[i];
        /* Each page keeps the graphics state it ended with. */
        d->fill_set = d->stroke_set = false;
        d->font = NULL;
        d->count = i == 0;
        kva_pdf_hline(d, d->left, 40, d->width, 0.6f, KVA_PDF_RULE);
        snprintf(num, sizeof num, "%zu", i + 1);
        char total[32];
        snprintf(total, sizeof total, "%zu", d->n_pages);
        size_t need = strlen(d->page_label) + strlen(d->page_of) +
                      strlen(num) + strlen(total) + 4;
        char *s = malloc(need);
        if (!s) {
            nomem(d);
            return;
        }
        snprintf(s, need, "%s %s %s %s", d->page_label, num, d->page_of,
                 total);
        float w = kva_pdf_text_width(d, &st, s, strlen(s));
        kva_pdf_text(d, &st, d->left + d->width - w, 28, s, strlen(s));
        kva_pdf_text_fit(d, &st, d->left, 28, d->width - w - 16,
                         KVA_PDF_LEFT, d->footer_left);
        free(s);
    }
    d->count = true;
}

kva_error kva_pdf_save(kva_pdf *d, const char *path, kva_diag *err)
{
    kva_error rc = kva_pdf_status(d, err);
    if (rc != KVA_OK)
        return rc;
    draw_footers(d);
    rc = kva_pdf_status(d, err);
    if (rc != KVA_OK)
        return rc;
    if (HPDF_SaveToFile(d->doc, path) != HPDF_OK || d->herr.code != 0) {
        const char *what = kva_pdf_hpdf_strerror(d->herr.code);
        rc = d->herr.code == HPDF_FAILD_TO_ALLOC_MEM ? KVA_ERR_NOMEM
                                                     : KVA_ERR_IO;
        kva_diag_set(err, rc, path, 0, 0,
                     "cannot write the PDF: libharu error 0x%04X%s%s",
                     (unsigned)d->herr.code, *what ? ": " : "", what);
        return rc;
    }
    return KVA_OK;
}

void kva_pdf_free(kva_pdf *d)
{
    if (!d)
        return;
    kva_pdf_fonts_free(d->fonts);
    if (d->doc)
        HPDF_Free(d->doc);
    free(d->pages);
    free(d->buf);
    free(d->lines);
    free(d->vl);
    free(d->slice_h);
    free(d->vl_sorted);
    free(d->slice_first);
    table_clear(&d->tbl);
    free(d->header_left);
    free(d->header_right);
    free(d->footer_left);
    free(d->page_label);
    free(d->page_of);
    free(d);
}

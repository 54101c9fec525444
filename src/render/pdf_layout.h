#ifndef KVA_PDF_LAYOUT_H
#define KVA_PDF_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hpdf.h>

#include "../diag.h"
#include "pdf_fonts.h"

/*
 * A small flow-layout engine over libharu for the PDF report: A4 portrait
 * pages with a running header, a cursor that moves down the page, text in
 * any script (per-character font fallback, see pdf_fonts.h), wrapping by
 * code point, headings with bookmarks, code blocks, and tables whose
 * header row repeats on every page and whose rows are never split (a row
 * taller than a whole page is the one exception: it continues on the next
 * page rather than being cut).
 *
 * Everything is drawn as it is laid out; nothing per row is kept, so the
 * time and memory of layout are linear in the amount of text. Footers
 * ("Page N of M") are drawn by kva_pdf_save, when M is known.
 *
 * Errors are sticky: drawing functions return nothing, and the first
 * libharu, font or memory error is reported by kva_pdf_status (and by
 * kva_pdf_save). Lengths are in points (1/72 inch), y grows upwards as in
 * PDF. Colours are 0xRRGGBB.
 */

#define KVA_PDF_INK 0x1F2933u     /* body text */
#define KVA_PDF_MUTED 0x5F6B7A    /* secondary text */
#define KVA_PDF_ACCENT 0x1F3A5Fu  /* headings, table headers */
#define KVA_PDF_RULE 0xD5DCE6u    /* lines */
#define KVA_PDF_ZEBRA 0xF2F5F9u   /* every other table row */
#define KVA_PDF_CODE_BG 0xF4F5F7u /* code blocks */

typedef struct kva_pdf_style {
    kva_pdf_role role;
    float size;     /* font size in points */
    uint32_t color; /* 0xRRGGBB */
} kva_pdf_style;

typedef enum kva_pdf_align {
    KVA_PDF_LEFT,
    KVA_PDF_RIGHT,
    KVA_PDF_CENTER
} kva_pdf_align;

/* How a line that had to be broken is marked in a code block. The marks
 * are the shells' own line continuations, so that lines copied from the
 * PDF still run: "\" for sh/bash (also inside a word: bash joins
 * backslash-newline), "`" for PowerShell. KVA_PDF_MARK_ARROW draws a
 * small arrow in the margin instead (nothing in the text layer).
 *
 * Every line of a code block starts at the left edge of the text column
 * (the tinted box hangs into the margin), so that text copied or
 * extracted from the page has no indentation before a continuation: a
 * word broken in two then joins up again, and no space creeps into a
 * quoted argument. */
typedef enum kva_pdf_mark {
    KVA_PDF_MARK_SH,
    KVA_PDF_MARK_PS,
    KVA_PDF_MARK_ARROW
} kva_pdf_mark;

typedef enum kva_pdf_wrap_mode {
    KVA_PDF_WRAP_TEXT, /* prose: at spaces, else after - / and between CJK
                          characters, else at any code point */
    KVA_PDF_WRAP_CODE, /* commands: at spaces, else after / - , = ; : | & .
                          \, else at any code point; never inside quotes or
                          at an escaped character unless the quoted string
                          or word alone is longer than the line */
    KVA_PDF_WRAP_SH    /* as CODE for sh/bash, where a backslash-newline
                          joins the lines again: never right after an
                          escaping backslash (it would escape the mark),
                          and a word too long for a line is broken before
                          a character, so that the pieces join exactly */
} kva_pdf_wrap_mode;

/* One line of wrapped text: bytes [off, off + len) of the input. */
typedef struct kva_pdf_line {
    size_t off, len;
    float width;   /* points */
    bool broken;   /* the text goes on: broken by wrapping, not by a
                      newline or the end */
    bool at_space; /* broken at a space (dropped from both lines) */
} kva_pdf_line;

typedef struct kva_pdf_opts {
    const char *header_left;  /* running header (pages 2..), e.g. title */
    const char *header_right; /* e.g. organisation and as-of */
    const char *footer_left;  /* left of "Page N of M" */
    const char *page_label;   /* "Page %s of %s" wording: "Page", "of" */
    const char *page_of;
    /* Document information */
    const char *title, *author, *subject, *keywords, *creator;
    bool has_date;
    int64_t date;             /* creation and modification date (epoch) */
} kva_pdf_opts;

typedef struct kva_pdf kva_pdf;

/* New document with its first page. Caller frees with kva_pdf_free(). */
kva_error kva_pdf_new(const kva_pdf_opts *o, kva_pdf **out, kva_diag *err);
void kva_pdf_free(kva_pdf *d); /* NULL is a no-op */

/* Draw the footers and write the file. */
kva_error kva_pdf_save(kva_pdf *d, const char *path, kva_diag *err);

/* KVA_OK, or the first error so far (*err filled). */
kva_error kva_pdf_status(const kva_pdf *d, kva_diag *err);

/* Characters drawn as U+FFFD because no installed font has them (each
 * piece of running header/footer text is counted once, not per page). */
size_t kva_pdf_replaced(const kva_pdf *d);

/* Table cell paragraphs cut to their first 32,767 characters (the rest
 * replaced by a visible "[cut: N characters]" marker). */
size_t kva_pdf_cut(const kva_pdf *d);

size_t kva_pdf_page_count(const kva_pdf *d);
HPDF_Page kva_pdf_page(const kva_pdf *d);

/* Geometry of the text area. */
float kva_pdf_left(const kva_pdf *d);
float kva_pdf_width(const kva_pdf *d);
float kva_pdf_y(const kva_pdf *d);            /* the cursor */
void kva_pdf_set_y(kva_pdf *d, float y);
float kva_pdf_room(const kva_pdf *d);         /* from the cursor down */
float kva_pdf_page_room(const kva_pdf *d);    /* on a fresh page */

/* Start a new page (running header drawn, cursor at the top). */
void kva_pdf_new_page(kva_pdf *d);
/* Make sure h points fit below the cursor; starts a page if not. Returns
 * true when it started one. */
bool kva_pdf_need(kva_pdf *d, float h);
void kva_pdf_gap(kva_pdf *d, float h);

/* Colours and shapes (fill colours are cached per page). */
void kva_pdf_fill_color(kva_pdf *d, uint32_t rgb);
void kva_pdf_stroke_color(kva_pdf *d, uint32_t rgb);
void kva_pdf_line_width(kva_pdf *d, float width);
void kva_pdf_rect(kva_pdf *d, float x, float y, float w, float h,
                  uint32_t rgb);
void kva_pdf_round_rect(kva_pdf *d, float x, float y, float w, float h,
                        float r, uint32_t rgb);
void kva_pdf_hline(kva_pdf *d, float x, float y, float w, float width,
                   uint32_t rgb);

/* Text. Tabs and newlines in `s` are drawn as spaces by these one-line
 * functions. len is a byte count. */
float kva_pdf_text_width(kva_pdf *d, const kva_pdf_style *st, const char *s,
                         size_t len);
void kva_pdf_text(kva_pdf *d, const kva_pdf_style *st, float x, float y,
                  const char *s, size_t len);
/* One line within max_w: shortened with "…" when it does not fit (used
 * only where the full text is also elsewhere: running headers). */
void kva_pdf_text_fit(kva_pdf *d, const kva_pdf_style *st, float x, float y,
                      float max_w, kva_pdf_align align, const char *s);

/*
 * Wrap s into lines no wider than width (a single code point wider than
 * the line still gets a line of its own). The lines are appended to a
 * buffer inside d; *first receives the index of the first one; read them
 * with kva_pdf_lines() after all wraps of a layout step, and clear the
 * buffer with kva_pdf_lines_reset(). Returns the number of lines (>= 1).
 */
size_t kva_pdf_wrap(kva_pdf *d, const kva_pdf_style *st, const char *s,
                    size_t len, float width, kva_pdf_wrap_mode mode,
                    size_t *first);
const kva_pdf_line *kva_pdf_lines(const kva_pdf *d);
void kva_pdf_lines_reset(kva_pdf *d);

/* Line height of a style (font size times the leading). */
float kva_pdf_leading(const kva_pdf_style *st);

/* Flowing content, at the cursor. */
typedef struct kva_pdf_para_opts {
    float indent;      /* from the left margin */
    float width;       /* 0: to the right margin */
    float space_after;
    kva_pdf_align align;
} kva_pdf_para_opts;

void kva_pdf_para(kva_pdf *d, const kva_pdf_style *st, const char *text,
                  const kva_pdf_para_opts *o);
/* Height the paragraph would take (no drawing). */
float kva_pdf_para_height(kva_pdf *d, const kva_pdf_style *st,
                          const char *text, const kva_pdf_para_opts *o);

/* A numbered or bulleted item: marker in the hanging indent. */
void kva_pdf_item(kva_pdf *d, const kva_pdf_style *st, const char *marker,
                  const char *text, float indent);

/*
 * Section heading. Level 1 starts a new page (unless the page is still
 * empty) and adds a top-level bookmark; level 2 adds a bookmark under the
 * last level 1 and keeps itself with at least `keep` points of what
 * follows.
 */
void kva_pdf_heading(kva_pdf *d, int level, const char *text, float keep);

/* A bookmark to the cursor's position, under the last level-1 one. */
void kva_pdf_bookmark(kva_pdf *d, int level, const char *text);

/*
 * A code block: monospace on a tinted background, every line broken
 * where it is too long and marked with `mark`, never cut. Kept on one
 * page when it fits on one.
 */
void kva_pdf_code(kva_pdf *d, const char *text, kva_pdf_mark mark);
float kva_pdf_code_height(kva_pdf *d, const char *text, kva_pdf_mark mark);

/* Tables. */
typedef struct kva_pdf_col {
    const char *title;
    float width;         /* points; 0: a share of what the others leave */
    kva_pdf_align align;
    kva_pdf_role role;   /* font of the cells */
} kva_pdf_col;

typedef struct kva_pdf_cell {
    const char *text;    /* NULL: empty */
    const char *sub;     /* optional second paragraph, small and grey */
    bool sub_mono;       /* the sub paragraph in monospace (ids, hashes) */
    bool bold;
    uint32_t color;      /* text colour; 0: the default ink */
    uint32_t badge;      /* pill behind the text (white text); 0: none */
} kva_pdf_cell;

/* The table keeps a copy of the columns; at most 12. */
void kva_pdf_table_begin(kva_pdf *d, const kva_pdf_col *cols, size_t n,
                         float font_size);
void kva_pdf_table_row(kva_pdf *d, const kva_pdf_cell *cells);
/* A row across all columns that introduces the rows after it (drawn
 * together with the next row, never alone at the foot of a page). */
void kva_pdf_table_group(kva_pdf *d, const char *text);
void kva_pdf_table_end(kva_pdf *d);

#endif

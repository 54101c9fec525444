#ifndef KVA_XLSX_CELL_H
#define KVA_XLSX_CELL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xlsxwriter.h>

#include "../diag.h"

/*
 * Cell writing for the workbook renderer (xlsx.c): every text goes through
 * kva_xlsx_prepare, so that what libxlsxwriter 1.1.4 receives is valid
 * UTF-8, holds only characters XML allows, shows literally in Excel and
 * fits Excel's cell limit. Library errors are sticky in kva_xlsx (as
 * libharu's are): writers return nothing, and the caller checks
 * kva_xlsx_failed() once per sheet.
 */

/* Excel's limit for one cell, in UTF-16 code units. */
#define KVA_XLSX_MAX_CHARS 32767
/* Highest row index Excel has (1,048,576 rows). */
#define KVA_XLSX_LAST_ROW 1048575u
/* Columns of the widest table (Subscriptions). */
#define KVA_XLSX_MAX_COLS 32

enum {
    /* Replace C0 control characters (other than tab, LF, CR) by U+FFFD:
     * for text that libxlsxwriter copies raw into other XML parts (chart
     * caches, document properties), where it does not escape them. */
    KVA_XLSX_NO_CONTROLS = 1u << 0,
    /* Plain XML text (document properties): no "_xHHHH_" escaping and no
     * length limit. */
    KVA_XLSX_PLAIN = 1u << 1,
    /* Leave the column width alone (text meant to run over empty cells
     * to its right, such as the Evidence sheet's run details). */
    KVA_XLSX_NO_WIDEN = 1u << 2
};

/* The outcome of kva_xlsx_prepare. */
typedef struct kva_xlsx_text {
    const char *s;   /* the text to write: the input itself or the buffer */
    size_t replaced; /* invalid UTF-8 sequences and characters XML forbids
                        that became U+FFFD */
    size_t cut;      /* characters (code points) left out to fit, 0 when
                        the text is whole */
    unsigned width;  /* display width of the widest line, in characters
                        (East Asian wide characters count two) */
} kva_xlsx_text;

/*
 * Make s fit for a cell. Invalid UTF-8 becomes U+FFFD (through
 * kva_utf8_sanitize), as do U+FFFE and U+FFFF (not XML characters).
 * "_xHHHH_" is written as "_x005F_xHHHH_" so that Excel and LibreOffice
 * show it as typed instead of decoding it. Text longer than Excel's
 * 32,767 characters is cut and ends with "… [cut: N characters]".
 *
 * out->s points at s when nothing had to change, else into *buf, a
 * scratch buffer of *cap bytes that this function grows (the caller frees
 * it once). Returns KVA_OK or KVA_ERR_NOMEM.
 */
kva_error kva_xlsx_prepare(const char *s, unsigned opts, char **buf,
                           size_t *cap, kva_xlsx_text *out);

/* A note the renderer adds to the Warnings sheet (text it had to change). */
typedef struct kva_xlsx_note {
    const char *code;
    char *message;
} kva_xlsx_note;

typedef struct kva_xlsx {
    lxw_workbook *wb;
    lxw_error lerr; /* first library error (LXW_NO_ERROR: none) */
    bool nomem;     /* our own allocation failed */
    char *buf;      /* kva_xlsx_prepare's scratch buffer */
    size_t cap;
    kva_xlsx_note *notes;
    size_t n_notes, cap_notes;
} kva_xlsx;

/* One worksheet being written, with the widest content seen per column. */
typedef struct kva_xlsx_sheet {
    kva_xlsx *x;
    lxw_worksheet *ws;
    const char *name;
    bool full; /* Excel's last row was reached (see xlsx.c) */
    unsigned width[KVA_XLSX_MAX_COLS];
} kva_xlsx_sheet;

bool kva_xlsx_failed(const kva_xlsx *x);
/* Free what x holds besides the workbook (buffer, notes). */
void kva_xlsx_release(kva_xlsx *x);

/* Record a library result; keeps the first failure. */
void kva_xlsx_check(kva_xlsx *x, lxw_error e);

/* Add a note (code is a static string). */
void kva_xlsx_note_add(kva_xlsx *x, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Text cell; NULL writes a blank cell when f is given, else nothing. The
 * text is prepared with kva_xlsx_prepare(opts); any change is noted with
 * the cell's address. */
void kva_xlsx_put_text(kva_xlsx_sheet *sh, lxw_row_t r, lxw_col_t c,
                       const char *s, lxw_format *f, unsigned opts);

/* Number cell; `width` is how many characters its display takes. A
 * number that is not finite is written as the text "n/a". */
void kva_xlsx_put_number(kva_xlsx_sheet *sh, lxw_row_t r, lxw_col_t c, double v,
                         lxw_format *f, unsigned width);

/* Count with thousands separators (its width is computed). */
void kva_xlsx_put_count(kva_xlsx_sheet *sh, lxw_row_t r, lxw_col_t c, double v,
                        lxw_format *f);

/*
 * Date/time cell from epoch seconds (UTC): an Excel serial number that the
 * format shows as a date. Times Excel cannot hold (before 1900-03-01 or
 * after 9999) are written as RFC 3339 text instead, so nothing is lost.
 */
void kva_xlsx_put_time(kva_xlsx_sheet *sh, lxw_row_t r, lxw_col_t c,
                       int64_t epoch, lxw_format *f, unsigned width);

/* Internal hyperlink ("internal:'Key Vaults'!A1") shown as `text`, with
 * a tooltip (fixed text: at most 255 characters). */
void kva_xlsx_put_link(kva_xlsx_sheet *sh, lxw_row_t r, lxw_col_t c,
                       const char *target, const char *text,
                       const char *tooltip, lxw_format *f);

/* Widen column c to at least w characters. */
void kva_xlsx_widen(kva_xlsx_sheet *sh, lxw_col_t c, unsigned w);

/*
 * How many lines s takes in a wrapped cell `width` characters wide (at
 * least 1): what a row's height must allow for, since neither Excel nor
 * LibreOffice re-measures rows when they open a file.
 */
unsigned kva_xlsx_lines(const char *s, unsigned width);

/* Display width of a count with thousands separators ("12,345" = 6). */
unsigned kva_xlsx_count_width(double v);

#endif

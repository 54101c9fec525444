#ifndef KVA_PDF_CHARTS_H
#define KVA_PDF_CHARTS_H

#include <stddef.h>
#include <stdint.h>

#include "pdf_layout.h"

/*
 * Vector charts for the summary page, drawn at absolute positions on the
 * current page (they do not move the cursor).
 */

typedef struct kva_pdf_slice {
    const char *label;
    double value;      /* >= 0 */
    uint32_t color;
    const char *note;  /* shown right-aligned in the legend, e.g. "6 (35%)" */
} kva_pdf_slice;

/*
 * Doughnut centred at (cx, cy), slices clockwise from 12 o'clock in the
 * order given; zero slices are skipped, a slice that is the whole total is
 * a full ring (libharu refuses an arc of 360 degrees). `big` and `small`
 * are written in the hole. All zero: an empty grey ring.
 */
void kva_pdf_donut(kva_pdf *d, float cx, float cy, float r, float hole,
                   const kva_pdf_slice *s, size_t n, const char *big,
                   const char *small);

/* Legend of the slices from (x, top) over width w: swatch, label, note.
 * Returns the height used. */
float kva_pdf_legend(kva_pdf *d, float x, float top, float w,
                     const kva_pdf_slice *s, size_t n);

typedef struct kva_pdf_bar {
    const char *label;
    double pct;        /* 0-100; < 0: no data (no bar) */
    const char *note;  /* e.g. "28 of 53 · 52.8%" */
} kva_pdf_bar;

/* Horizontal bars from (x, top) over width w, coloured by level (green
 * from 90 %, amber from 50 %, red below). Returns the height used. */
float kva_pdf_hbars(kva_pdf *d, float x, float top, float w,
                    const kva_pdf_bar *b, size_t n);

/* Colour of a coverage percentage, as in the bars (grey for no data). */
uint32_t kva_pdf_level_color(double pct);

#endif

#include "pdf_charts.h"

#include <math.h>
#include <string.h>

#define LEVEL_GOOD 0x2E7D32u
#define LEVEL_FAIR 0xE0A100u
#define LEVEL_POOR 0xC62828u
#define LEVEL_NONE 0xB8C0CCu
#define TRACK 0xE3E8EFu

uint32_t kva_pdf_level_color(double pct)
{
    if (pct < 0)
        return LEVEL_NONE;
    return pct >= 90 ? LEVEL_GOOD : pct >= 50 ? LEVEL_FAIR : LEVEL_POOR;
}

static void circle(kva_pdf *d, float cx, float cy, float r, uint32_t rgb)
{
    kva_pdf_fill_color(d, rgb);
    HPDF_Page_Circle(kva_pdf_page(d), cx, cy, r);
    HPDF_Page_Fill(kva_pdf_page(d));
}

void kva_pdf_donut(kva_pdf *d, float cx, float cy, float r, float hole,
                   const kva_pdf_slice *s, size_t n, const char *big,
                   const char *small)
{
    if (kva_pdf_status(d, NULL) != KVA_OK)
        return;
    HPDF_Page p = kva_pdf_page(d);
    double total = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i].value > 0)
            total += s[i].value;
    if (total <= 0) {
        circle(d, cx, cy, r, TRACK);
    } else {
        double a = 0;
        for (size_t i = 0; i < n; i++) {
            if (!(s[i].value > 0))
                continue;
            double sweep = 360.0 * s[i].value / total;
            if (sweep >= 359.99) {
                circle(d, cx, cy, r, s[i].color);
                break;
            }
            double b = a + sweep;
            if (b > 360)
                b = 360;
            /* Angles as libharu's Arc takes them: degrees, 0 at 12
             * o'clock, clockwise. */
            double rad = a * 3.14159265358979323846 / 180.0;
            kva_pdf_fill_color(d, s[i].color);
            kva_pdf_stroke_color(d, 0xFFFFFF);
            kva_pdf_line_width(d, 1.2f);
            HPDF_Page_MoveTo(p, cx, cy);
            HPDF_Page_LineTo(p, cx + r * (float)sin(rad),
                             cy + r * (float)cos(rad));
            HPDF_Page_Arc(p, cx, cy, r, (float)a, (float)b);
            HPDF_Page_LineTo(p, cx, cy);
            HPDF_Page_ClosePathFillStroke(p);
            a = b;
        }
    }
    if (hole > 0)
        circle(d, cx, cy, hole, 0xFFFFFF);
    const kva_pdf_style sb = {KVA_PDF_BOLD, 15, KVA_PDF_ACCENT};
    const kva_pdf_style ss = {KVA_PDF_SANS, 6.5f, KVA_PDF_MUTED};
    if (big)
        kva_pdf_text_fit(d, &sb, cx - hole, cy - 2, 2 * hole, KVA_PDF_CENTER,
                         big);
    if (small)
        kva_pdf_text_fit(d, &ss, cx - hole, cy - 11, 2 * hole,
                         KVA_PDF_CENTER, small);
}

float kva_pdf_legend(kva_pdf *d, float x, float top, float w,
                     const kva_pdf_slice *s, size_t n)
{
    const kva_pdf_style st = {KVA_PDF_SANS, 8, KVA_PDF_INK};
    const kva_pdf_style sn = {KVA_PDF_BOLD, 8, KVA_PDF_INK};
    const float row = 15;
    for (size_t i = 0; i < n; i++) {
        float y = top - (float)i * row;
        kva_pdf_round_rect(d, x, y - 9, 8, 8, 1.5f, s[i].color);
        float note_w = s[i].note ? kva_pdf_text_width(d, &sn, s[i].note,
                                                      strlen(s[i].note))
                                 : 0;
        kva_pdf_text_fit(d, &st, x + 13, y - 8, w - 13 - note_w - 6,
                         KVA_PDF_LEFT, s[i].label);
        if (s[i].note)
            kva_pdf_text(d, &sn, x + w - note_w, y - 8, s[i].note,
                         strlen(s[i].note));
    }
    return (float)n * row;
}

float kva_pdf_hbars(kva_pdf *d, float x, float top, float w,
                    const kva_pdf_bar *b, size_t n)
{
    const kva_pdf_style sl = {KVA_PDF_SANS, 7.5f, KVA_PDF_INK};
    const kva_pdf_style sv = {KVA_PDF_SANS, 7, KVA_PDF_MUTED};
    const float row = 23, bar_h = 7;
    for (size_t i = 0; i < n; i++) {
        float y = top - (float)i * row;
        float note_w = b[i].note ? kva_pdf_text_width(d, &sv, b[i].note,
                                                      strlen(b[i].note))
                                 : 0;
        kva_pdf_text_fit(d, &sl, x, y - 8, w - note_w - 8, KVA_PDF_LEFT,
                         b[i].label);
        if (b[i].note)
            kva_pdf_text(d, &sv, x + w - note_w, y - 8, b[i].note,
                         strlen(b[i].note));
        float by = y - 12 - bar_h;
        kva_pdf_round_rect(d, x, by, w, bar_h, bar_h / 2, TRACK);
        if (b[i].pct > 0) {
            double pct = b[i].pct > 100 ? 100 : b[i].pct;
            float bw = (float)(w * pct / 100.0);
            if (bw < bar_h)
                bw = bar_h;
            kva_pdf_round_rect(d, x, by, bw, bar_h, bar_h / 2,
                               kva_pdf_level_color(b[i].pct));
        }
    }
    return (float)n * row;
}

#ifndef KVA_PDF_FONTS_H
#define KVA_PDF_FONTS_H

#include <stdbool.h>
#include <stdint.h>

#include <hpdf.h>

#include "../diag.h"

/*
 * Fonts of the PDF report. They are found with fontconfig (never by a
 * hard-coded path), embedded as TrueType with libharu's UTF-8 encoder, and
 * chosen per code point by glyph coverage:
 *
 *   1. the face of the role (DejaVu Sans, DejaVu Sans Bold, DejaVu Sans
 *      Mono: fonts-dejavu-core; all three are required);
 *   2. DejaVu Sans, when the role is bold or mono;
 *   3. WenQuanYi Zen Hei (fonts-wqy-zenhei), then NanumGothic (fonts-nanum);
 *   4. any other TrueType font fontconfig knows that has the character.
 *
 * "Has" means libharu 2.3.0 will really draw it, not only that the cmap
 * maps it: libharu embeds the components of a composite glyph only when
 * their glyph index is below 32768 and only one level deep, so such glyphs
 * come out blank (WenQuanYi's Hangul). Those are skipped, and the next font
 * is tried. Code points above U+FFFF (libharu drops them) and characters no
 * font draws are replaced with U+FFFD; the caller counts them.
 *
 * Fallback faces are loaded, and so embedded, only when some text needs
 * them. A character of a script whose font package is missing (Hangul
 * without fonts-nanum, Han or kana without fonts-wqy-zenhei, when no other
 * installed font draws it) is an error that names the package.
 */

typedef enum kva_pdf_role {
    KVA_PDF_SANS,
    KVA_PDF_BOLD,
    KVA_PDF_MONO,
    KVA_PDF_ROLE__COUNT
} kva_pdf_role;

/* libharu's error handler (installed with HPDF_New) records the first
 * error here; user_data must point at one of these. */
typedef struct kva_pdf_hpdf_err {
    HPDF_STATUS code;   /* 0: none */
    HPDF_STATUS detail;
} kva_pdf_hpdf_err;

void kva_pdf_hpdf_handler(HPDF_STATUS code, HPDF_STATUS detail, void *user);

/* What libharu's error number means, in a few words ("" when unknown). */
const char *kva_pdf_hpdf_strerror(HPDF_STATUS code);

/* How to draw one code point. */
typedef struct kva_pdf_glyph {
    HPDF_Font font;  /* the face to draw it with */
    unsigned face;   /* index of that face: a run of text changes font
                        where this changes */
    uint32_t cp;     /* what to draw: the input code point or U+FFFD */
    float width;     /* advance, in 1/1000 of the font size */
    bool replaced;   /* no font draws the input code point */
} kva_pdf_glyph;

typedef struct kva_pdf_fonts kva_pdf_fonts;

/*
 * Find the faces and load the three required ones into doc, whose error
 * handler must be kva_pdf_hpdf_handler with `hpdf_err` as its user data.
 * A required face that fontconfig cannot find, or that libharu cannot
 * load, is KVA_ERR_RENDER with *err naming the font and its package.
 * Caller frees with kva_pdf_fonts_free() before freeing doc.
 */
kva_error kva_pdf_fonts_new(HPDF_Doc doc, kva_pdf_hpdf_err *hpdf_err,
                            kva_pdf_fonts **out, kva_diag *err);
void kva_pdf_fonts_free(kva_pdf_fonts *f); /* NULL is a no-op */

/*
 * Resolve one code point for a role (O(1) after the first time a code
 * point is seen). Control characters are replaced too: the caller turns
 * the whitespace it means (tab, newline) into spaces or breaks first.
 * Never fails: when a needed font package is missing, the glyph is the
 * replacement and kva_pdf_fonts_status() reports the error.
 */
void kva_pdf_fonts_glyph(kva_pdf_fonts *f, kva_pdf_role role, uint32_t cp,
                         kva_pdf_glyph *g);

/* The face of a role itself (for metrics such as the ascent). */
HPDF_Font kva_pdf_fonts_role(const kva_pdf_fonts *f, kva_pdf_role role);

/* KVA_OK, or the first error met since kva_pdf_fonts_new (*err filled). */
kva_error kva_pdf_fonts_status(const kva_pdf_fonts *f, kva_diag *err);

#endif

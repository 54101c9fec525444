#ifndef KVA_PDF_H
#define KVA_PDF_H

#include <stddef.h>

#include "render.h"

/* What kva_render_pdf_ex reports besides success. */
typedef struct kva_pdf_stats {
    size_t pages;
    size_t replaced; /* characters of the report that no installed font
                        draws, drawn as U+FFFD (running header and footer
                        text counted once, not per page) */
    size_t cut;      /* table cells of input text cut to 32,767
                        characters, with a visible marker */
} kva_pdf_stats;

/*
 * kva_render_pdf with the figures the caller may want to report. It
 * prints nothing; kva_render_pdf is this plus a warning on stderr when
 * characters were replaced or cells cut. stats may be NULL.
 */
kva_error kva_render_pdf_ex(const kva_report *rep, const char *path,
                            kva_pdf_stats *stats, kva_diag *err);

#endif

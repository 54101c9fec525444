#ifndef KVA_RENDER_H
#define KVA_RENDER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../diag.h"
#include "../result.h"
#include "../templates.h"

/*
 * Every renderer has the same signature: it reads the report (never files,
 * never the model beyond what the result points at, never re-evaluates)
 * and writes one file at `path` (a temporary name chosen by the output
 * set). On failure it returns an error code and fills *err; the output set
 * removes the partial file.
 */
/*
 * Progress of a long renderer: `done` of `total` units ("rows", "pages"),
 * `total` 0 when it is not known in advance. Called from the renderer's
 * thread, often (once per row): it must be cheap and must not fail. A
 * NULL `unit` says the renderer is about to write a message to stderr:
 * the progress line must be cleared first.
 */
typedef void (*kva_progress_fn)(void *ctx, uint64_t done, uint64_t total,
                                const char *unit);

typedef struct kva_report {
    const kva_result *result;
    const kva_templates *templates;
    const char *title;        /* --title or the template's default */
    const char *org;          /* --org, "" when not given */
    int64_t as_of;            /* epoch seconds */
    const char *command_line; /* argv joined, shell-quoted */
    const char *tool_version; /* "kvaudit 0.1.0" */
    const char *lib_versions; /* "cJSON 1.7.15, libxlsxwriter 1.1.4, ..." */
    bool pdf_vaults_all;      /* --pdf-vaults all */
    bool quiet;               /* --quiet: renderers print no warning */
    kva_progress_fn progress; /* NULL: nobody is watching */
    void *progress_ctx;
} kva_report;

/* Tell rep's progress hook, if it has one. */
static inline void kva_report_progress(const kva_report *rep, uint64_t done,
                                       uint64_t total, const char *unit)
{
    if (rep->progress)
        rep->progress(rep->progress_ctx, done, total, unit);
}

typedef kva_error (*kva_render_fn)(const kva_report *rep, const char *path,
                                   kva_diag *err);

/*
 * For the renderers that write a stream themselves (json, csv, md, sh,
 * ps1). kva_render_open opens `path` for writing with a large buffer;
 * NULL with *err filled on failure. kva_render_close always closes `f` and
 * turns any write error met on the way (ferror, flush, close: a full disk
 * shows up here) into KVA_ERR_IO with *err filled.
 */
FILE *kva_render_open(const char *path, kva_diag *err);
kva_error kva_render_close(FILE *f, const char *path, kva_diag *err);

kva_error kva_render_json(const kva_report *rep, const char *path,
                          kva_diag *err);
kva_error kva_render_xlsx(const kva_report *rep, const char *path,
                          kva_diag *err);
kva_error kva_render_pdf(const kva_report *rep, const char *path,
                         kva_diag *err);
kva_error kva_render_csv(const kva_report *rep, const char *path,
                         kva_diag *err);
kva_error kva_render_markdown(const kva_report *rep, const char *path,
                              kva_diag *err);
kva_error kva_render_sh(const kva_report *rep, const char *path,
                        kva_diag *err);
kva_error kva_render_ps1(const kva_report *rep, const char *path,
                         kva_diag *err);

#endif

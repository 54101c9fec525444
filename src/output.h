#ifndef KVA_OUTPUT_H
#define KVA_OUTPUT_H

#include "diag.h"

/*
 * The all-or-nothing output set (DESIGN.md section 5). Every output is
 * written to a temporary name inside the output directory; only when all
 * were written does kva_outset_commit write SHA256SUMS and rename each
 * into place. On any failure, or kva_outset_abort (also safe from a signal
 * handler's perspective: see output.c), the temporary files are removed
 * and whatever the directory held before is untouched.
 */
typedef struct kva_outset kva_outset;

/* Create DIR if missing (one level of parents too). Caller frees with
 * kva_outset_free (which aborts if not committed). */
kva_error kva_outset_new(const char *dir, kva_outset **out, kva_diag *err);

/*
 * Reserve a temporary file for the output `final_name` ("report.json") and
 * return its path (owned by the set). The file exists, is empty, mode
 * 0644 & ~umask, created with O_EXCL|O_NOFOLLOW.
 */
kva_error kva_outset_add(kva_outset *os, const char *final_name,
                         const char **tmp_path, kva_diag *err);

/* Hash every file, write SHA256SUMS (sorted by name), fsync, rename all. */
kva_error kva_outset_commit(kva_outset *os, kva_diag *err);

void kva_outset_abort(kva_outset *os);
void kva_outset_free(kva_outset *os);

#endif

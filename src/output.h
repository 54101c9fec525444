#ifndef KVA_OUTPUT_H
#define KVA_OUTPUT_H

#include <stdbool.h>

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

/*
 * Declare `name` ("report.pdf") one of the program's outputs: when the
 * set is committed without writing it, a regular file or symlink of that
 * name in the directory (left by an earlier run) is removed as part of
 * the commit, so that no old output lies beside the new SHA256SUMS.
 * Names never claimed are never touched.
 */
kva_error kva_outset_claim(kva_outset *os, const char *name, kva_diag *err);

/*
 * Hash every file, write SHA256SUMS (sorted by name), fsync, and put
 * every file in place as one transaction: on failure the directory is
 * left as it was (see output.c).
 */
kva_error kva_outset_commit(kva_outset *os, kva_diag *err);

void kva_outset_abort(kva_outset *os);
void kva_outset_free(kva_outset *os);

/* For tests: false makes the commit take the path of a file system
 * without RENAME_EXCHANGE (old file aside, then new one in). */
void kva_outset_use_exchange(bool on);

#endif

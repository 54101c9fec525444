#ifndef KVA_READ_H
#define KVA_READ_H

#include <stdbool.h>
#include <stddef.h>

#include "../diag.h"
#include "../model.h"

/*
 * Reading evidence files into the model.
 *
 * kva_read_file reads ONE file into `m` (normally a fresh model that the
 * caller then merges with kva_model_merge, so that files can be read in
 * parallel and merged in sorted path order). It:
 *   - refuses files over KVA_MAX_FILE_SIZE before reading them;
 *   - hashes the raw bytes (SHA-256, OpenSSL EVP);
 *   - decodes (BOM, UTF-16) and scans the JSON (syntax, depth, UTF-8);
 *   - finds the records inside the wrapper without building a tree of the
 *     whole file, parses each record alone with cJSON, classifies it
 *     (detect.c) and hands it to the reader of its kind;
 *   - adds one kva_input describing the file (kind, record count, bytes,
 *     sha256) and any warnings (unknown content, records skipped for a
 *     missing id, ...).
 *
 * `explicit_exceptions` marks a file named with --exceptions: it must be an
 * exceptions register.
 *
 * On an input error (unreadable, malformed, too large, an exceptions entry
 * missing a required field) it returns the error code and fills *err with
 * the path, line, column and message; `m` may then hold part of the file
 * and should be discarded by the caller.
 */
kva_error kva_read_file(const char *path, bool explicit_exceptions,
                        kva_model *m, kva_diag *err);

/*
 * Move everything from src into dst (inputs keep their order after dst's;
 * record input indices are adjusted; subscriptions are merged as
 * kva_model_add_sub does; vault duplicates dropped). src is left empty.
 */
kva_error kva_model_merge(kva_model *dst, kva_model *src);

/*
 * Expand command-line PATHs into the list of files to read: a file named
 * explicitly is always taken; directories are walked recursively (symlink
 * loops are detected and reported as a warning via `on_warning`, not
 * followed twice), taking regular files whose name ends in ".json" in any
 * case. The result is sorted byte-wise (strcmp) with duplicates removed.
 * *files is an array of malloc'd strings; free with kva_paths_free.
 * A PATH that does not exist or cannot be read is an input error (*err).
 */
typedef void (*kva_walk_warning_fn)(void *ctx, const char *path,
                                    const char *message);
kva_error kva_collect_paths(char *const *paths, size_t n_paths,
                            char ***files, size_t *n_files,
                            kva_walk_warning_fn on_warning, void *ctx,
                            kva_diag *err);
void kva_paths_free(char **files, size_t n);

#endif

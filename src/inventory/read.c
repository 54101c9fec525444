/* Placeholder until the readers land. */
#include "read.h"

kva_error kva_read_file(const char *path, bool explicit_exceptions,
                        kva_model *m, kva_diag *err)
{
    (void)explicit_exceptions, (void)m;
    kva_diag_set(err, KVA_ERR_IO, path, 0, 0, "readers not built yet");
    return KVA_ERR_IO;
}
kva_error kva_model_merge(kva_model *dst, kva_model *src)
{
    (void)dst, (void)src;
    return KVA_OK;
}
kva_error kva_collect_paths(char *const *paths, size_t n_paths,
                            char ***files, size_t *n_files,
                            kva_walk_warning_fn on_warning, void *ctx,
                            kva_diag *err)
{
    (void)paths, (void)n_paths, (void)on_warning, (void)ctx, (void)err;
    *files = NULL;
    *n_files = 0;
    return KVA_OK;
}
void kva_paths_free(char **files, size_t n)
{
    (void)files, (void)n;
}

#include "render.h"

kva_error kva_render_sh(const kva_report *rep, const char *path, kva_diag *err)
{
    (void)rep;
    (void)path;
    kva_diag_set(err, KVA_ERR_USAGE, NULL, 0, 0, "format 'sh' is not built yet");
    return KVA_ERR_USAGE;
}

kva_error kva_render_ps1(const kva_report *rep, const char *path, kva_diag *err)
{
    (void)rep;
    (void)path;
    kva_diag_set(err, KVA_ERR_USAGE, NULL, 0, 0, "format 'ps1' is not built yet");
    return KVA_ERR_USAGE;
}

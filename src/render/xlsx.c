#include "render.h"

kva_error kva_render_xlsx(const kva_report *rep, const char *path, kva_diag *err)
{
    (void)rep;
    kva_diag_set(err, KVA_ERR_USAGE, NULL, 0, 0, "format '%s' is not built yet",
                 "xlsx");
    (void)path;
    return KVA_ERR_USAGE;
}

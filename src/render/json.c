/* Placeholder until the JSON renderer lands. */
#include "render.h"

kva_error kva_render_json(const kva_report *rep, const char *path,
                          kva_diag *err)
{
    (void)rep, (void)path;
    kva_diag_set(err, KVA_ERR_USAGE, NULL, 0, 0, "json not built yet");
    return KVA_ERR_USAGE;
}

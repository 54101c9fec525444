#include "render.h"

#include <errno.h>
#include <string.h>

FILE *kva_render_open(const char *path, kva_diag *err)
{
    FILE *f = fopen(path, "wb");

    if (!f) {
        kva_diag_set(err, KVA_ERR_IO, path, 0, 0, "cannot write: %s",
                     strerror(errno));
        return NULL;
    }
    setvbuf(f, NULL, _IOFBF, 1 << 16);
    return f;
}

kva_error kva_render_close(FILE *f, const char *path, kva_diag *err)
{
    int saved = 0;

    /* stdio keeps errno of the first failed write only until the next
     * call; take it before fclose can overwrite it. */
    if (fflush(f) != 0 || ferror(f))
        saved = errno ? errno : EIO;
    if (fclose(f) != 0 && !saved)
        saved = errno ? errno : EIO;
    if (saved) {
        kva_diag_set(err, KVA_ERR_IO, path, 0, 0, "cannot write: %s",
                     strerror(saved));
        return KVA_ERR_IO;
    }
    return KVA_OK;
}

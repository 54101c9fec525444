/* Placeholder until the output set lands. */
#include "output.h"

kva_error kva_outset_new(const char *dir, kva_outset **out, kva_diag *err)
{
    *out = NULL;
    kva_diag_set(err, KVA_ERR_IO, dir, 0, 0, "output not built yet");
    return KVA_ERR_IO;
}
kva_error kva_outset_add(kva_outset *os, const char *final_name,
                         const char **tmp_path, kva_diag *err)
{
    (void)os, (void)final_name, (void)err;
    *tmp_path = NULL;
    return KVA_ERR_IO;
}
kva_error kva_outset_commit(kva_outset *os, kva_diag *err)
{
    (void)os, (void)err;
    return KVA_ERR_IO;
}
void kva_outset_abort(kva_outset *os)
{
    (void)os;
}
void kva_outset_free(kva_outset *os)
{
    (void)os;
}

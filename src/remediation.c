/* Placeholder until the remediation plan lands. */
#include "remediation.h"

kva_error kva_remediation_fill(kva_result *r, const kva_templates *t,
                               kva_diag *err)
{
    (void)r, (void)t, (void)err;
    return KVA_OK;
}

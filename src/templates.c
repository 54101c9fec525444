/* Placeholder until the templates land. */
#include "templates.h"

#include <stddef.h>

struct kva_templates {
    kva_control control;
};

static const kva_templates builtin = {
    {"KVA-DEFENDER-KEYVAULT", "Microsoft Defender for Key Vault is set to On",
     "KeyVaults", "Standard", "PerKeyVault", "", NULL, 0}};

const kva_templates *kva_templates_builtin(void)
{
    return &builtin;
}
kva_error kva_templates_load(const char *dir, kva_templates **out,
                             kva_diag *err)
{
    *out = NULL;
    kva_diag_set(err, KVA_ERR_TEMPLATE, dir, 0, 0, "templates not built yet");
    return KVA_ERR_TEMPLATE;
}
void kva_templates_free(kva_templates *t)
{
    (void)t;
}
const kva_control *kva_templates_control(const kva_templates *t)
{
    return &t->control;
}
const char *kva_templates_text(const kva_templates *t, const char *key)
{
    (void)t, (void)key;
    return "";
}
char *kva_templates_expand(const kva_templates *t, const char *name,
                           const char *const *keys, const char *const *values,
                           size_t n, kva_diag *err)
{
    (void)t, (void)keys, (void)values, (void)n;
    kva_diag_set(err, KVA_ERR_TEMPLATE, NULL, 0, 0, "no template '%s'", name);
    return NULL;
}

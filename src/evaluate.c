/* Placeholder until the evaluator lands. */
#include "evaluate.h"

const char *const kva_default_owner_tags[] = {"owner", "businessOwner",
                                              "owner-email", "ownerEmail",
                                              "contact"};
const size_t kva_default_owner_tags_n = 5;
const char *const kva_default_env_tags[] = {"environment", "env", "stage"};
const size_t kva_default_env_tags_n = 3;

kva_error kva_baseline_read(const char *path, kva_baseline *b, kva_diag *err)
{
    (void)b;
    kva_diag_set(err, KVA_ERR_IO, path, 0, 0, "baseline not built yet");
    return KVA_ERR_IO;
}
void kva_baseline_free(kva_baseline *b)
{
    (void)b;
}
kva_result *kva_evaluate(const kva_model *m, const kva_eval_opts *o)
{
    (void)m, (void)o;
    return NULL;
}
const char *kva_env_normalise(const char *raw)
{
    return raw ? raw : "unknown";
}
void kva_result_free(kva_result *r)
{
    (void)r;
}
const char *kva_status_name(kva_status s)
{
    (void)s;
    return "";
}
const char *kva_flag_name(unsigned bit_index)
{
    (void)bit_index;
    return "";
}
const char *kva_owner_source_name(kva_owner_source s)
{
    (void)s;
    return "";
}
const char *kva_exc_state_name(kva_exc_state s)
{
    (void)s;
    return "";
}
void *kva_result_own(kva_result *r, void *p)
{
    (void)r;
    return p;
}

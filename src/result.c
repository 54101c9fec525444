#include "result.h"

#include <stdlib.h>
#include <string.h>

/*
 * Every block a result owns (its arrays, the strings evaluation made, and
 * whatever later stages hand over with kva_result_own) is recorded here
 * and freed once by kva_result_free. Created on the first kva_result_own,
 * so a result is simply calloc'ed by whoever builds it.
 */
struct kva_result_priv {
    void **owned;
    size_t n;
    size_t cap;
};

static const char *const status_names[] = {
    [KVA_ST_NONCOMPLIANT] = "noncompliant",
    [KVA_ST_NO_EVIDENCE] = "no_evidence",
    [KVA_ST_EXEMPT] = "exempt",
    [KVA_ST_COMPLIANT] = "compliant",
    [KVA_ST_NOT_APPLICABLE] = "not_applicable",
};

_Static_assert(sizeof status_names / sizeof status_names[0] == KVA_ST__COUNT,
               "one name per status");

static const char *const flag_names[] = {
    "legacy_subplan",     "trial_ending",       "deprecated_plan",
    "exception_expired",  "exception_expiring", "owner_missing",
};

_Static_assert(sizeof flag_names / sizeof flag_names[0] == KVA_FLAG__COUNT,
               "one name per flag");

static const char *const owner_source_names[] = {
    [KVA_SRC_NONE] = "none",
    [KVA_SRC_VAULT] = "vault",
    [KVA_SRC_SUBSCRIPTION] = "subscription",
};

static const char *const exc_state_names[] = {
    [KVA_EXC_ACTIVE] = "active",
    [KVA_EXC_EXPIRING] = "expiring",
    [KVA_EXC_EXPIRED] = "expired",
    [KVA_EXC_UNUSED] = "unused",
};

const char *kva_status_name(kva_status s)
{
    if ((unsigned)s >= KVA_ST__COUNT)
        return "unknown";
    return status_names[s];
}

const char *kva_flag_name(unsigned bit_index)
{
    if (bit_index >= KVA_FLAG__COUNT)
        return "unknown";
    return flag_names[bit_index];
}

const char *kva_owner_source_name(kva_owner_source s)
{
    if ((unsigned)s >= sizeof owner_source_names / sizeof owner_source_names[0])
        return "none";
    return owner_source_names[s];
}

const char *kva_exc_state_name(kva_exc_state s)
{
    if ((unsigned)s >= sizeof exc_state_names / sizeof exc_state_names[0])
        return "unknown";
    return exc_state_names[s];
}

void *kva_result_own(kva_result *r, void *p)
{
    struct kva_result_priv *pv;

    if (!p)
        return NULL;
    if (!r)
        goto fail;
    if (!r->priv) {
        r->priv = calloc(1, sizeof *r->priv);
        if (!r->priv)
            goto fail;
    }
    pv = r->priv;
    if (pv->n == pv->cap) {
        size_t ncap = pv->cap ? pv->cap * 2 : 64;
        void **nv;

        if (ncap < pv->cap || ncap > SIZE_MAX / sizeof *nv)
            goto fail;
        nv = realloc(pv->owned, ncap * sizeof *nv);
        if (!nv)
            goto fail;
        pv->owned = nv;
        pv->cap = ncap;
    }
    pv->owned[pv->n++] = p;
    return p;
fail:
    free(p);
    return NULL;
}

void kva_result_free(kva_result *r)
{
    if (!r)
        return;
    if (r->priv) {
        for (size_t i = r->priv->n; i > 0; i--)
            free(r->priv->owned[i - 1]);
        free(r->priv->owned);
        free(r->priv);
    }
    free(r);
}

const char *kva_breakdown_name(const kva_breakdown *b)
{
    if (!b->name || !*b->name || (b->key && strcmp(b->name, b->key) == 0))
        return NULL;
    return b->name;
}

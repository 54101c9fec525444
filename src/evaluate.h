#ifndef KVA_EVALUATE_H
#define KVA_EVALUATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "model.h"
#include "result.h"

/* A previous report.json, reduced to what the trend needs. */
typedef struct kva_baseline_sub {
    char *id;       /* lower-case */
    char *name;     /* may be NULL */
    kva_status status;
} kva_baseline_sub;

typedef struct kva_baseline {
    char *path;
    char *as_of;
    size_t by_status[KVA_ST__COUNT];
    double compliance_pct;   /* -1 when null */
    kva_baseline_sub *subs;
    size_t n_subs;
} kva_baseline;

/*
 * Read a kvaudit report.json (schema "kvaudit.report/1") for --baseline.
 * Any other content is an input error with position (KVA_ERR_SCHEMA,
 * "not a kvaudit report (schema ...)"). Caller frees with
 * kva_baseline_free().
 */
kva_error kva_baseline_read(const char *path, kva_baseline *b, kva_diag *err);
void kva_baseline_free(kva_baseline *b);

typedef struct kva_eval_opts {
    int64_t as_of;                 /* epoch seconds */
    const char *const *owner_tags; /* in priority order */
    size_t n_owner_tags;
    const char *const *env_tags;
    size_t n_env_tags;
    const kva_baseline *baseline;  /* NULL: no trend */
    bool has_price;                /* --price-per-vault given */
    double price_per_vault;
    const char *currency;
} kva_eval_opts;

/* Default tag keys of DESIGN.md section 1. */
extern const char *const kva_default_owner_tags[];
extern const size_t kva_default_owner_tags_n;
extern const char *const kva_default_env_tags[];
extern const size_t kva_default_env_tags_n;

/*
 * Evaluate the control over the model (DESIGN.md section 3 and 4).
 * Pure: no I/O. The model must outlive the result.
 *
 * Order of result->subs: the subscriptions that need remediation
 * (noncompliant and no_evidence together) first, in remediation priority:
 * production environment first, then more uncovered vaults first, then
 * name (byte-wise; a missing name sorts as its id), then id. Then exempt,
 * compliant and not_applicable, each group ordered by the same keys.
 *
 * Returns a new result (caller frees with kva_result_free) or NULL on OOM.
 */
kva_result *kva_evaluate(const kva_model *m, const kva_eval_opts *o);

/* Normalised environment of a raw tag value: prod/prd/production/live (any
 * case) -> "production"; NULL or empty -> "unknown"; otherwise the value
 * as written. Returns a static string or `raw` itself. */
const char *kva_env_normalise(const char *raw);

#endif

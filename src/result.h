#ifndef KVA_RESULT_H
#define KVA_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

/*
 * The evaluated result: everything the renderers draw, nothing they must
 * compute. Produced by kva_evaluate() (evaluate.c) and completed with the
 * remediation commands by kva_remediation_fill() (remediation.c). It is
 * immutable once built; renderers only read it (and may read it from
 * several threads at once).
 *
 * const char * fields point into the model (which must outlive the
 * result) or into strings the result owns; either way renderers never
 * free them. NULL means absent (written as JSON null).
 */

typedef enum kva_status {
    KVA_ST_NONCOMPLIANT,
    KVA_ST_NO_EVIDENCE,
    KVA_ST_EXEMPT,
    KVA_ST_COMPLIANT,
    KVA_ST_NOT_APPLICABLE,
    KVA_ST__COUNT
} kva_status;

/* "noncompliant", "no_evidence", "exempt", "compliant", "not_applicable" */
const char *kva_status_name(kva_status s);

typedef enum kva_flag {
    KVA_FLAG_LEGACY_SUBPLAN = 1u << 0,
    KVA_FLAG_TRIAL_ENDING = 1u << 1,
    KVA_FLAG_DEPRECATED_PLAN = 1u << 2,
    KVA_FLAG_EXCEPTION_EXPIRED = 1u << 3,
    KVA_FLAG_EXCEPTION_EXPIRING = 1u << 4,
    KVA_FLAG_OWNER_MISSING = 1u << 5,
    KVA_FLAG__COUNT = 6
} kva_flag;

/* Name of the flag with bit index i (0..KVA_FLAG__COUNT-1):
 * "legacy_subplan", "trial_ending", "deprecated_plan", "exception_expired",
 * "exception_expiring", "owner_missing". */
const char *kva_flag_name(unsigned bit_index);

typedef enum kva_owner_source {
    KVA_SRC_NONE,
    KVA_SRC_VAULT,
    KVA_SRC_SUBSCRIPTION
} kva_owner_source;

const char *kva_owner_source_name(kva_owner_source s); /* "none","vault",... */

typedef enum kva_exc_state {
    KVA_EXC_ACTIVE,
    KVA_EXC_EXPIRING, /* active, and expires within 30 days */
    KVA_EXC_EXPIRED,
    KVA_EXC_UNUSED    /* its subscription is compliant or unknown */
} kva_exc_state;

const char *kva_exc_state_name(kva_exc_state s); /* "active", ... */

typedef struct kva_res_exception {
    const kva_exception *exc;   /* the register entry */
    kva_exc_state state;
    int64_t days_left;          /* days until the end of `expires` (UTC),
                                   rounded down; negative when expired */
    const char *sub_name;       /* NULL when the subscription is unknown */
    const char *path;           /* register file */
} kva_res_exception;

typedef struct kva_res_sub {
    const kva_sub *sub;         /* id, name, tenant_id, state, tags, mgmt */
    kva_status status;
    unsigned flags;             /* kva_flag bits */
    const kva_pricing *pricing; /* the subscription-level KeyVaults pricing
                                   that decided the status (the more severe
                                   one on conflict; among equal tiers the
                                   one that raises flags); NULL = no
                                   evidence */
    const char *tier;           /* pricing->tier or NULL */
    const char *sub_plan;
    int64_t enablement_time;    /* KVA_UNKNOWN_TIME when absent */
    int64_t trial_remaining_s;  /* the most any KeyVaults record of the
                                   deciding tier shows (flags, likewise,
                                   are those of all such records);
                                   KVA_UNKNOWN_SECONDS when absent */
    const char *owner;          /* from the subscription's own tags */
    kva_owner_source owner_source; /* SUBSCRIPTION or NONE */
    const char *environment;    /* normalised: "production", "unknown", or
                                   the tag value as written */
    const char *mgmt_group;     /* nearest management group or NULL */
    size_t vaults;              /* vaults in this subscription */
    size_t vaults_covered;
    const kva_res_exception *exception; /* the exception applied or
                                   considered (expired ones too); NULL */
    const char **evidence;      /* distinct input paths that mention this
                                   subscription (pricings, inventory,
                                   vaults), sorted */
    size_t n_evidence;
    /* Remediation (filled by kva_remediation_fill; NULL for statuses that
       need none: compliant, not_applicable, exempt): */
    const char *remediation_az;
    const char *remediation_ps;
    const char *remediation_verify;   /* audit command */
    int priority;               /* 1-based rank among failing subscriptions
                                   (noncompliant/no_evidence), 0 otherwise */
} kva_res_sub;

typedef struct kva_res_vault {
    const kva_vault *vault;
    const kva_res_sub *sub;     /* NULL only if the model had no entry
                                   (never: readers touch the subscription) */
    bool covered;
    bool counted;               /* false for vaults of not_applicable
                                   subscriptions */
    const kva_pricing *vault_pricing; /* vault-level KeyVaults pricing (one
                                   marked inherited never counts), or
                                   NULL */
    const char *owner;
    kva_owner_source owner_source;
    const char *environment;    /* normalised as above */
} kva_res_vault;

/* One row of by_owner / by_environment / by_tenant / by_management_group.
 * key is "(none)" for vaults without an owner, "unknown" env, etc. A
 * management group row is keyed on the group's id (its display name only
 * when the evidence gives no id): display names repeat across tenants
 * ("Tenant Root Group"). */
typedef struct kva_breakdown {
    const char *key;
    size_t vaults_total;
    size_t vaults_covered;
    double vault_coverage_pct;  /* -1 when vaults_total == 0 (JSON null) */
    const char *name;           /* by_management_group: the group's display
                                   name (NULL for "(none)"); NULL in the
                                   other breakdowns */
} kva_breakdown;

/* The display name a row shows beside its key: name when it is given and
 * differs from the key (a management group known by its id), else NULL. */
const char *kva_breakdown_name(const kva_breakdown *b);

typedef struct kva_kpis {
    size_t subscriptions_total;
    size_t subscriptions_in_scope;
    size_t by_status[KVA_ST__COUNT];
    double subscription_coverage_pct; /* -1 = null */
    double compliance_pct;            /* -1 = null */
    size_t vaults_total;              /* in in-scope subscriptions */
    size_t vaults_covered;
    double vault_coverage_pct;        /* -1 = null */
    size_t vaults_with_owner;
    double owner_coverage_pct;        /* -1 = null */
    kva_breakdown *by_owner;            size_t n_by_owner;
    kva_breakdown *by_environment;      size_t n_by_environment;
    kva_breakdown *by_tenant;           size_t n_by_tenant;
    kva_breakdown *by_management_group; size_t n_by_management_group;
    bool has_cost;                    /* --price-per-vault given */
    double estimated_monthly_cost_to_close;
    const char *currency;
} kva_kpis;

/* Trend against a baseline report.json. */
typedef struct kva_trend_change {
    const char *sub_id;
    const char *name;
    kva_status before;          /* from the baseline */
    kva_status now;
} kva_trend_change;

typedef struct kva_trend {
    bool present;               /* a baseline was given */
    const char *baseline_path;
    const char *baseline_as_of; /* as written in the baseline */
    size_t before[KVA_ST__COUNT];
    size_t now[KVA_ST__COUNT];
    double compliance_pct_before, compliance_pct_now; /* -1 = null */
    kva_trend_change *regressed; size_t n_regressed; /* got worse */
    kva_trend_change *fixed;     size_t n_fixed;     /* got better */
    kva_trend_change *added;     size_t n_added;     /* new since baseline */
    kva_trend_change *removed;   size_t n_removed;   /* gone since baseline */
} kva_trend;

typedef struct kva_res_warning {
    const char *code;
    const char *message;
    const char *path;
    const char *sub_id;
    uint32_t line, col;
} kva_res_warning;

/* Service-wide route: one entry per management group that holds two or
 * more failing subscriptions (filled by kva_remediation_fill). */
typedef struct kva_res_mg_plan {
    const char *mgmt_group;      /* display name */
    const char *mgmt_group_id;   /* name (id) when known, else display name */
    size_t n_subs;               /* failing subscriptions below it */
    const char *assign_cmd;      /* az policy assignment create ... */
    const char *remediate_cmd;   /* az policy remediation create ... */
} kva_res_mg_plan;

typedef struct kva_result {
    const kva_model *model;
    int64_t as_of;              /* epoch seconds */
    bool complete;
    bool pass;                  /* verdict */
    kva_kpis kpis;
    kva_res_sub *subs;          size_t n_subs;   /* remediation priority
                                   order (see evaluate.h) */
    kva_res_vault *vaults;      size_t n_vaults; /* by subscription id, then
                                   vault name, then id */
    kva_res_exception *exceptions; size_t n_exceptions; /* register order */
    const kva_input *inputs;    size_t n_inputs; /* sorted by path */
    kva_res_warning *warnings;  size_t n_warnings; /* reader warnings first
                                   (input order), then evaluation warnings
                                   in subscription order */
    kva_trend trend;
    /* Remediation plan (kva_remediation_fill): */
    kva_res_mg_plan *mg_plans;  size_t n_mg_plans;
    const char *terraform;      /* preventive IaC snippets; NULL before */
    const char *bicep;
    struct kva_result_priv *priv; /* owned strings, arenas */
} kva_result;

void kva_result_free(kva_result *r); /* NULL is a no-op */

/*
 * Hand memory to the result (strings or arrays created after evaluation,
 * e.g. by kva_remediation_fill): it is freed by kva_result_free. Returns p;
 * when p is NULL returns NULL; when recording fails (out of memory) frees
 * p and returns NULL.
 */
void *kva_result_own(kva_result *r, void *p);

#endif

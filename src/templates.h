#ifndef KVA_TEMPLATES_H
#define KVA_TEMPLATES_H

#include <stddef.h>

#include "diag.h"

/*
 * What a user may change without recompiling (DESIGN.md section 6): the
 * control definition, the remediation command templates and the report
 * wording. The JSON files in templates/ are compiled into the binary as the default;
 * --templates DIR replaces them.
 */

typedef struct kva_reference {
    const char *kind;    /* "cis", "azure_policy", "mcsb", "doc" */
    const char *id;      /* "2.1.10", "0e6763cc-...", "LT-1" */
    const char *title;
    const char *version; /* benchmark version(s), may be NULL */
    const char *effect;  /* Azure Policy effect, may be NULL */
    const char *url;     /* may be NULL */
} kva_reference;

typedef struct kva_control {
    const char *id;            /* "KVA-DEFENDER-KEYVAULT" */
    const char *title;         /* "Microsoft Defender for Key Vault is set
                                  to On" */
    const char *plan;          /* "KeyVaults" */
    const char *required_tier; /* "Standard" */
    const char *required_sub_plan; /* "PerKeyVault" */
    const char *description;
    const kva_reference *refs;
    size_t n_refs;
} kva_control;

typedef struct kva_templates kva_templates;

/* The built-in set (static, never freed). */
const kva_templates *kva_templates_builtin(void);

/*
 * Load DIR's templates. A missing file, malformed JSON, an unknown
 * placeholder or a missing required one is KVA_ERR_TEMPLATE with *err
 * naming the file and position. Caller frees with kva_templates_free.
 */
kva_error kva_templates_load(const char *dir, kva_templates **out,
                             kva_diag *err);
void kva_templates_free(kva_templates *t); /* NULL and builtin: no-op */

const kva_control *kva_templates_control(const kva_templates *t);

/*
 * Report wording by key ("title", "status.noncompliant", "section.findings"
 * ...). Returns "" for an unknown key (never NULL).
 */
const char *kva_templates_text(const kva_templates *t, const char *key);

/*
 * Expand a command template by name ("az", "powershell", "verify",
 * "policy_assign", "policy_remediate", "terraform", "bicep") with the
 * placeholders given as name/value pairs. Returns a new string (caller
 * frees) or NULL with *err set. Values are inserted as given: callers pass
 * only validated values (GUIDs, management group ids checked against
 * [A-Za-z0-9._()-]).
 */
char *kva_templates_expand(const kva_templates *t, const char *name,
                           const char *const *keys, const char *const *values,
                           size_t n, kva_diag *err);

#endif

#ifndef KVA_TEMPLATES_H
#define KVA_TEMPLATES_H

#include <stdbool.h>
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

/* The built-in set (static, never freed). Parsed once, on the first call
 * (thread-safe); NULL only when that ran out of memory, and the accessors
 * below accept NULL (they then give the contract's fixed control and ""). */
const kva_templates *kva_templates_builtin(void);

/*
 * Load DIR's templates. DIR replaces the built-in set completely: it must
 * hold control.json, commands.json and wording.json, and its wording must
 * define exactly the built-in keys. A missing file, malformed JSON, an
 * unknown or missing key, an unknown placeholder or a missing required one
 * is KVA_ERR_TEMPLATE with *err naming the file, the position where it is
 * known, the template and the placeholder. Caller frees with
 * kva_templates_free.
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
 * "verify_powershell", "policy_assign", "policy_remediate", "terraform",
 * "bicep") with the placeholders given as name/value pairs. Returns a new
 * string (caller frees) or NULL with *err set. Values are inserted as
 * given: callers pass only validated values (GUIDs, management group ids
 * checked against [A-Za-z0-9._()-]).
 */
char *kva_templates_expand(const kva_templates *t, const char *name,
                           const char *const *keys, const char *const *values,
                           size_t n, kva_diag *err);

/*
 * The unexpanded text of a command template ("verify_powershell" too), or
 * NULL for an unknown name. Owned by the set.
 */
const char *kva_templates_command(const kva_templates *t, const char *name);

/*
 * Whether the command template `name` uses the placeholder `placeholder`
 * ("not_scopes"); false for an unknown template.
 */
bool kva_templates_uses(const kva_templates *t, const char *name,
                        const char *placeholder);

/*
 * A parameter of commands.json: "assignment_name" (the policy assignment's
 * name, [A-Za-z0-9_-]{1,24}) or "default_location" (the region of its
 * managed identity when no key vault tells one, [a-z0-9]{1,40}). Both are
 * validated at load. "" for an unknown name.
 */
const char *kva_templates_param(const kva_templates *t, const char *name);

#endif

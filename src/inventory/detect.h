#ifndef KVA_DETECT_H
#define KVA_DETECT_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

/*
 * Classification of one parsed record by its content (never by the file's
 * name), and the lookups every reader shares. Every key, `type` and
 * fixed id segment is compared ASCII case-insensitively: PowerShell writes
 * PascalCase keys, Resource Graph lower-cases types.
 */

typedef enum kva_rec_kind {
    KVA_REC_OTHER,        /* something else: counted nowhere */
    KVA_REC_PRICING,      /* Microsoft.Security/pricings */
    KVA_REC_SUBSCRIPTION, /* Microsoft.Resources/subscriptions */
    KVA_REC_VAULT         /* Microsoft.KeyVault/vaults */
} kva_rec_kind;

kva_rec_kind kva_detect(const cJSON *rec);

/*
 * First member of `obj` whose key equals `name` ASCII case-insensitively
 * (cJSON_GetObjectItem folds case its own way, so it is never used), or
 * NULL. NULL or non-object `obj` gives NULL.
 */
const cJSON *kva_field(const cJSON *obj, const char *name);

/*
 * The record's own member `name`, else the one inside its `properties`
 * object (REST and Resource Graph nest fields there; the CLI flattens
 * them). A JSON null counts as absent, so a null at the top does not hide
 * a value in `properties`. *holder (if not NULL) receives the `properties`
 * item when the value came from there, NULL otherwise.
 */
const cJSON *kva_field_nested(const cJSON *rec, const char *name,
                              const cJSON **holder);

/* "null", "a boolean", "a number", "a string", "an array", "an object" */
const char *kva_json_type_name(const cJSON *item);

/*
 * Azure resource ids. The fixed segments ("subscriptions",
 * "resourceGroups", "providers", namespaces) compare case-insensitively.
 */

/* Last occurrence of `needle` in `hay`, ASCII case-insensitively. */
const char *kva_ci_find_last(const char *hay, const char *needle);

/*
 * NULL when `id` is a plain resource path ("/a/b/c": starts with '/', no
 * empty, "." or ".." segment, no backslash, '?', '#', '%' or control
 * character); otherwise why not, as a phrase ("contains a '..' segment").
 */
const char *kva_id_problem(const char *id);

/*
 * When `id` starts with "/subscriptions/X" (followed by '/' or the end),
 * points *seg at X and *len at its length and returns true.
 */
bool kva_id_sub_segment(const char *id, const char **seg, size_t *len);

/* Copy a GUID of `len` bytes at `s` lower-cased into out; false when it is
 * not a GUID. */
bool kva_guid_copy(const char *s, size_t len, char out[37]);

/* `id` is a bare GUID or exactly "/subscriptions/GUID": the lower-case
 * GUID into out. */
bool kva_id_is_sub(const char *id, char out[37]);

/* `id` ends in "/providers/Microsoft.KeyVault/vaults/NAME" with nothing
 * after NAME. */
bool kva_id_is_vault(const char *id);

/* The RG segment of "/subscriptions/G/resourceGroups/RG[/...]". */
bool kva_id_resource_group(const char *id, const char **rg, size_t *len);

/* The last '/'-separated segment (may be empty). */
const char *kva_id_last_segment(const char *id, size_t *len);

#endif

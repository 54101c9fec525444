#ifndef KVA_MODEL_H
#define KVA_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

/*
 * The inventory: everything the readers found, as plain C data. No cJSON
 * pointer lives here. Strings are owned by the record that holds them,
 * NUL-terminated, valid UTF-8 (the scanner rejects anything else). A NULL
 * string means "absent in the evidence".
 *
 * Subscription GUIDs (sub_id fields, kva_sub.id) are stored lower-case.
 */

#define KVA_UNKNOWN_TIME INT64_MIN /* enablement time / expiry absent */
#define KVA_UNKNOWN_SECONDS (-1)   /* trial_remaining_s absent */

typedef enum kva_kind {
    KVA_KIND_UNKNOWN,
    KVA_KIND_PRICINGS,
    KVA_KIND_SUBSCRIPTIONS,
    KVA_KIND_VAULTS,
    KVA_KIND_EXCEPTIONS,
    KVA_KIND_MIXED,
    KVA_KIND_REPORT,
    KVA_KIND__COUNT
} kva_kind;

/* "unknown", "pricings", "subscriptions", "vaults", "exceptions", "mixed",
 * "report" */
const char *kva_kind_name(kva_kind k);

typedef struct kva_tag {
    char *key;
    char *value; /* tag values that are not strings are stored as their
                    JSON text ("true", "12"); null as NULL */
} kva_tag;

typedef struct kva_tags {
    kva_tag *v;
    size_t n;
} kva_tags;

/* First tag whose key equals `key` ASCII case-insensitively, or NULL. */
const kva_tag *kva_tags_find(const kva_tags *t, const char *key);

typedef enum kva_pricing_scope {
    KVA_SCOPE_SUBSCRIPTION,   /* /subscriptions/G/providers/Microsoft.Security/pricings/P */
    KVA_SCOPE_RESOURCE,       /* a resource below the subscription */
    KVA_SCOPE_RESOURCE_GROUP  /* legacy resource-group pricing */
} kva_pricing_scope;

typedef struct kva_pricing {
    char *sub_id;         /* lower-case GUID */
    char *plan;           /* "KeyVaults", "VirtualMachines", "default", RG name
                             for legacy RG pricings: as written */
    char *tier;           /* "Standard" / "Free" / other, as written; NULL */
    char *sub_plan;       /* NULL when absent or null */
    int64_t trial_remaining_s; /* KVA_UNKNOWN_SECONDS when absent */
    int64_t enablement_time;   /* epoch seconds or KVA_UNKNOWN_TIME */
    int deprecated;       /* -1 absent, 0 false, 1 true */
    kva_pricing_scope scope;
    char *resource_id;    /* KVA_SCOPE_RESOURCE: the resource's id, as
                             written (the part before
                             "/providers/Microsoft.Security/pricings");
                             KVA_SCOPE_RESOURCE_GROUP: the RG name */
    size_t input;         /* index of the input file in kva_model.inputs */
    uint32_t line, col;   /* where the record starts */
    int inherited;        /* -1 absent, 0 false, 1 true: a resource-scope
                             record that only mirrors its parent scope
                             (`inherited`, with `inheritedFrom`) */
} kva_pricing;

typedef struct kva_sub {
    char *id;             /* lower-case GUID */
    char *name;           /* display name; NULL when unknown */
    char *tenant_id;      /* lower-case GUID or NULL */
    char *state;          /* "Enabled", "Disabled", "Warned", "PastDue",
                             "Deleted", as written; NULL when unknown */
    kva_tags tags;
    char **mgmt_groups;   /* management group display names (falling back
                             to their names), nearest first, as in
                             managementGroupAncestorsChain */
    char **mgmt_group_ids; /* their "name" fields (the management group
                             id used in /providers/Microsoft.Management/
                             managementGroups/ID), same order; an entry
                             is NULL when absent */
    size_t n_mgmt_groups;
    bool from_inventory;  /* seen in a subscription inventory record (not
                             only referenced by a pricing or vault) */
    size_t input;         /* first input that described it */
    uint32_t line, col;
    size_t *inputs;       /* every input that contributed a record of it
                             (inventories, and the dump that first named
                             it), distinct, in the order met; filled by
                             kva_model_add_sub (a record given with no
                             list counts as coming from `input` alone) */
    size_t n_inputs;
    size_t name_input;    /* the input name, tenant_id and state came from */
    size_t tenant_input;
    size_t state_input;
} kva_sub;

typedef struct kva_vault {
    char *id;             /* resource id as written */
    char *name;
    char *resource_group; /* NULL when it cannot be found */
    char *location;
    char *sub_id;         /* lower-case GUID (from subscriptionId or id) */
    kva_tags tags;
    size_t input;
    uint32_t line, col;
} kva_vault;

typedef struct kva_exception {
    char *sub_id;         /* lower-case when it is a GUID; as written
                             otherwise (then it matches nothing) */
    char *reason;
    char *owner;
    char *expires;        /* "YYYY-MM-DD" as written */
    int64_t expires_day;  /* midnight UTC of that day (active through the
                             whole day: until expires_day + 86400) */
    char *ticket;         /* NULL when absent */
    size_t input;
    uint32_t line, col;
} kva_exception;

/* One input file as listed in report.json "inputs". */
typedef struct kva_input {
    char *path;           /* as given / found (walk order), never NULL */
    kva_kind kind;
    size_t records;       /* records of a known kind read from it */
    uint64_t bytes;
    char sha256[65];      /* lower-case hex */
    bool failed;          /* unreadable/malformed, skipped (allow-partial) */
} kva_input;

/* A warning collected while reading (evaluation adds its own). */
typedef struct kva_warning {
    char *code;           /* "conflicting_evidence", "unknown_input", ... */
    char *message;
    char *path;           /* NULL when not tied to one file */
    char *sub_id;         /* NULL when not tied to one subscription */
    uint32_t line, col;   /* 0 when unknown */
} kva_warning;

typedef struct kva_model {
    kva_input *inputs;        size_t n_inputs;
    kva_sub *subs;            size_t n_subs;      /* unique by id */
    kva_pricing *pricings;    size_t n_pricings;  /* every record, in input
                                                     order */
    kva_vault *vaults;        size_t n_vaults;    /* unique by id (case-
                                                     insensitive) */
    kva_exception *exceptions; size_t n_exceptions;
    kva_warning *warnings;    size_t n_warnings;
    bool have_sub_inventory;  /* some subscription inventory was read */
    bool complete;            /* false when a file was skipped */
    /* private: hash indexes, arenas */
    struct kva_model_index *index;
} kva_model;

/* New empty model; caller frees with kva_model_free(). NULL on OOM. */
kva_model *kva_model_new(void);
void kva_model_free(kva_model *m); /* NULL is a no-op */

/*
 * Lookup by lower-case GUID (or any case: compared case-insensitively).
 * Returns NULL when unknown. O(1) average. The pointer stays valid until
 * the next kva_model_add_sub / kva_model_touch_sub.
 */
kva_sub *kva_model_find_sub(const kva_model *m, const char *id);

/*
 * Adders used by the readers. Each takes ownership of the strings inside
 * the record it is given (whatever happens) and returns KVA_OK or
 * KVA_ERR_NOMEM.
 *
 * kva_model_add_sub merges with a subscription of the same id: fields that
 * are NULL/empty in the existing entry are filled from the new one, tags
 * whose key is not yet present are added, management groups are taken
 * when the existing entry has none, from_inventory is or-ed, the inputs
 * are joined. Two non-empty values that differ give a
 * `conflicting_evidence` warning naming both inputs: name and tenant keep
 * the first value (inputs are merged in sorted path order); a state keeps
 * the subscription in scope unless every source says Disabled or Deleted,
 * whatever the order. Input paths are looked up in m->inputs, so an input
 * is added before its records (kva_read_file does).
 * kva_model_add_vault drops an exact duplicate id (the same vault in two
 * dumps), keeping the first.
 * kva_model_touch_sub makes sure a subscription with that id exists
 * (from_inventory false) and returns it (NULL on OOM).
 */
kva_error kva_model_add_input(kva_model *m, kva_input *in, size_t *index);
kva_error kva_model_add_sub(kva_model *m, kva_sub *s);
kva_sub *kva_model_touch_sub(kva_model *m, const char *id, size_t input);
kva_error kva_model_add_pricing(kva_model *m, kva_pricing *p);
kva_error kva_model_add_vault(kva_model *m, kva_vault *v);
kva_error kva_model_add_exception(kva_model *m, kva_exception *e);
kva_error kva_model_add_warning(kva_model *m, const char *code,
                                const char *path, const char *sub_id,
                                uint32_t line, uint32_t col, const char *fmt,
                                ...) __attribute__((format(printf, 7, 8)));

/*
 * Move everything from src into dst, with the result of adding src's
 * records to dst one by one in src's order: inputs are appended after
 * dst's and every record's input index shifted to match; subscriptions
 * merge as kva_model_add_sub does; vault duplicates are dropped; warnings,
 * have_sub_inventory and complete carry over. A kind dst holds none of
 * yet is taken over whole (array and index, no copy), which makes adding
 * a large file's model to an empty one O(1). src is left an empty model
 * (still to be freed by its owner). On KVA_ERR_NOMEM both models can
 * still be freed but dst holds part of src.
 */
kva_error kva_model_absorb(kva_model *dst, kva_model *src);

/*
 * A journal: a model that only records what the adders are given, in
 * order, unmerged and unindexed (no duplicate is dropped, no subscription
 * merged, kva_model_find_sub finds nothing, kva_model_touch_sub returns
 * the record it logged). kva_model_replay then gives every record to
 * dst's adders in that order, so that dst ends exactly as if they had
 * been added to it directly. Readers can thus run on several threads,
 * each into a journal of its own, while the model is built on one.
 * Record input indices are kept as given (they name dst's inputs).
 * Caller frees with kva_model_free(); NULL on OOM.
 */
kva_model *kva_model_new_journal(void);

/*
 * Add the journal's records to dst in the order logged; the journal is
 * left empty. On KVA_ERR_NOMEM dst holds part of it; both can still be
 * freed.
 */
kva_error kva_model_replay(kva_model *dst, kva_model *journal);

/* Free the strings inside one record (used on error paths). */
void kva_tags_free(kva_tags *t);
void kva_pricing_clear(kva_pricing *p);
void kva_sub_clear(kva_sub *s);
void kva_vault_clear(kva_vault *v);
void kva_exception_clear(kva_exception *e);

#endif

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model.h"

static kva_sub sub(const char *id, const char *name, bool inventory)
{
    kva_sub s = {0};
    s.id = strdup(id);
    s.name = name ? strdup(name) : NULL;
    s.from_inventory = inventory;
    return s;
}

static void add_tag(kva_tags *t, const char *k, const char *v)
{
    t->v = realloc(t->v, (t->n + 1) * sizeof *t->v);
    assert_non_null(t->v);
    t->v[t->n].key = strdup(k);
    t->v[t->n].value = v ? strdup(v) : NULL;
    t->n++;
}

static void test_kind_names(void **state)
{
    (void)state;
    assert_string_equal(kva_kind_name(KVA_KIND_UNKNOWN), "unknown");
    assert_string_equal(kva_kind_name(KVA_KIND_PRICINGS), "pricings");
    assert_string_equal(kva_kind_name(KVA_KIND_SUBSCRIPTIONS),
                        "subscriptions");
    assert_string_equal(kva_kind_name(KVA_KIND_VAULTS), "vaults");
    assert_string_equal(kva_kind_name(KVA_KIND_EXCEPTIONS), "exceptions");
    assert_string_equal(kva_kind_name(KVA_KIND_MIXED), "mixed");
    assert_string_equal(kva_kind_name(KVA_KIND_REPORT), "report");
    assert_string_equal(kva_kind_name((kva_kind)99), "unknown");
}

/* Subscription ids are stored lower-case and found in any case. */
static void test_sub_lookup_case_insensitive(void **state)
{
    kva_model *m = kva_model_new();
    kva_sub s = sub("AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE", "Prod", true);
    (void)state;

    assert_int_equal(kva_model_add_sub(m, &s), KVA_OK);
    assert_null(s.id);
    assert_int_equal(m->n_subs, 1);
    assert_string_equal(m->subs[0].id, "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
    assert_non_null(
        kva_model_find_sub(m, "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"));
    assert_non_null(
        kva_model_find_sub(m, "AAAAAAAA-bbbb-CCCC-dddd-EEEEEEEEEEEE"));
    assert_null(kva_model_find_sub(m, "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeef"));
    assert_true(m->have_sub_inventory);
    kva_model_free(m);
}

/* A second description of the same subscription fills gaps, adds new tag
 * keys, keeps the first value of a key, and never overwrites. */
static void test_sub_merge(void **state)
{
    kva_model *m = kva_model_new();
    kva_sub a = sub("11111111-2222-3333-4444-555555555555", NULL, false);
    kva_sub b = sub("11111111-2222-3333-4444-555555555555", "Payments", true);
    kva_sub c = sub("11111111-2222-3333-4444-555555555555", "Other", true);
    (void)state;

    a.input = 3;
    add_tag(&a.tags, "env", "prod");
    b.input = 5;
    b.state = strdup("Enabled");
    add_tag(&b.tags, "ENV", "dev");
    add_tag(&b.tags, "owner", "Ольга Петрова");
    b.mgmt_groups = calloc(1, sizeof(char *));
    b.mgmt_group_ids = calloc(1, sizeof(char *));
    b.mgmt_groups[0] = strdup("Landing Zones");
    b.mgmt_group_ids[0] = strdup("lz");
    b.n_mgmt_groups = 1;

    assert_int_equal(kva_model_add_sub(m, &a), KVA_OK);
    assert_false(m->have_sub_inventory);
    assert_int_equal(kva_model_add_sub(m, &b), KVA_OK);
    assert_int_equal(kva_model_add_sub(m, &c), KVA_OK);
    assert_int_equal(m->n_subs, 1);

    kva_sub *s = &m->subs[0];
    assert_string_equal(s->name, "Payments");
    assert_string_equal(s->state, "Enabled");
    assert_true(s->from_inventory);
    /* the inventory record is the one that describes it */
    assert_int_equal(s->input, 5);
    assert_int_equal(s->tags.n, 2);
    assert_string_equal(kva_tags_find(&s->tags, "Env")->value, "prod");
    assert_string_equal(kva_tags_find(&s->tags, "owner")->value,
                        "Ольга Петрова");
    assert_null(kva_tags_find(&s->tags, "missing"));
    assert_int_equal(s->n_mgmt_groups, 1);
    assert_string_equal(s->mgmt_group_ids[0], "lz");
    /* every record's input, once, in the order met */
    assert_int_equal(s->n_inputs, 3);
    assert_int_equal(s->inputs[0], 3);
    assert_int_equal(s->inputs[1], 5);
    assert_int_equal(s->inputs[2], 0);
    assert_int_equal(s->name_input, 5);
    assert_int_equal(s->state_input, 5);
    /* "Other" against "Payments": inputs not listed in the model */
    assert_int_equal(m->n_warnings, 1);
    assert_string_equal(m->warnings[0].code, "conflicting_evidence");
    assert_string_equal(m->warnings[0].message,
                        "subscription 11111111-2222-3333-4444-555555555555: "
                        "the inventories disagree on its name: \"Payments\" "
                        "in (unknown input), \"Other\" in (unknown input); "
                        "\"Payments\" is used (the first one read)");
    kva_model_free(m);
}

/* Conflicts name the inputs' paths; the state that keeps a subscription in
 * scope wins in either order. */
static void test_sub_conflict_state(void **state)
{
    static const char *const orders[2][2] = {{"Deleted", "Warned"},
                                             {"Warned", "Deleted"}};
    (void)state;

    for (int o = 0; o < 2; o++) {
        kva_model *m = kva_model_new();
        kva_input in = {0};
        kva_sub a = sub("11111111-2222-3333-4444-555555555555", "P", true);
        kva_sub b = sub("11111111-2222-3333-4444-555555555555", "P", true);
        char want[512];

        in.path = strdup("one.json");
        assert_int_equal(kva_model_add_input(m, &in, NULL), KVA_OK);
        in.path = strdup("two.json");
        assert_int_equal(kva_model_add_input(m, &in, NULL), KVA_OK);
        a.state = strdup(orders[o][0]);
        b.state = strdup(orders[o][1]);
        b.input = 1;
        b.line = 7;
        b.col = 3;
        assert_int_equal(kva_model_add_sub(m, &a), KVA_OK);
        assert_int_equal(kva_model_add_sub(m, &b), KVA_OK);
        assert_string_equal(m->subs[0].state, "Warned");
        assert_int_equal(m->subs[0].state_input, o == 0 ? 1 : 0);
        snprintf(want, sizeof want,
                 "subscription 11111111-2222-3333-4444-555555555555: the "
                 "inventories disagree on its state: \"%s\" in one.json, "
                 "\"%s\" in two.json; \"Warned\" is used (a subscription "
                 "stays in scope unless every source says Disabled or "
                 "Deleted)",
                 orders[o][0], orders[o][1]);
        assert_int_equal(m->n_warnings, 1);
        assert_string_equal(m->warnings[0].message, want);
        assert_string_equal(m->warnings[0].path, "two.json");
        assert_int_equal(m->warnings[0].line, 7);
        assert_int_equal(m->warnings[0].col, 3);
        kva_model_free(m);
    }
}

static void test_touch_sub(void **state)
{
    kva_model *m = kva_model_new();
    (void)state;

    kva_sub *s = kva_model_touch_sub(m, "ABCDEF01-2222-3333-4444-555555555555", 7);
    assert_non_null(s);
    assert_string_equal(s->id, "abcdef01-2222-3333-4444-555555555555");
    assert_false(s->from_inventory);
    assert_int_equal(s->input, 7);
    assert_ptr_equal(
        kva_model_touch_sub(m, "abcdef01-2222-3333-4444-555555555555", 9), s);
    assert_int_equal(m->n_subs, 1);
    assert_false(m->have_sub_inventory);
    kva_model_free(m);
}

/* The same vault in two dumps is kept once (first wins), ids compared
 * case-insensitively. */
static void test_vault_dedup(void **state)
{
    kva_model *m = kva_model_new();
    (void)state;

    for (int i = 0; i < 3; i++) {
        kva_vault v = {0};
        v.id = strdup(i == 1 ? "/subscriptions/X/resourceGroups/RG/providers/"
                               "Microsoft.KeyVault/vaults/KV-1"
                             : "/subscriptions/x/resourcegroups/rg/providers/"
                               "microsoft.keyvault/vaults/kv-1");
        v.name = strdup(i == 0 ? "first" : "later");
        v.sub_id = strdup("AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE");
        assert_int_equal(kva_model_add_vault(m, &v), KVA_OK);
        assert_null(v.id);
    }
    assert_int_equal(m->n_vaults, 1);
    assert_string_equal(m->vaults[0].name, "first");
    assert_string_equal(m->vaults[0].sub_id,
                        "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
    kva_model_free(m);
}

/* Many records: the index keeps working across rehashes. */
static void test_many(void **state)
{
    kva_model *m = kva_model_new();
    char id[64];
    (void)state;

    for (unsigned i = 0; i < 20000; i++) {
        snprintf(id, sizeof id, "%08x-0000-0000-0000-000000000000", i);
        kva_sub s = sub(id, NULL, true);
        assert_int_equal(kva_model_add_sub(m, &s), KVA_OK);
        kva_vault v = {0};
        snprintf(id, sizeof id, "/subscriptions/%08X/vaults/kv", i);
        v.id = strdup(id);
        assert_int_equal(kva_model_add_vault(m, &v), KVA_OK);
    }
    assert_int_equal(m->n_subs, 20000);
    assert_int_equal(m->n_vaults, 20000);
    for (unsigned i = 0; i < 20000; i += 997) {
        snprintf(id, sizeof id, "%08X-0000-0000-0000-000000000000", i);
        kva_sub *s = kva_model_find_sub(m, id);
        assert_non_null(s);
        assert_ptr_equal(s, &m->subs[i]);
    }
    kva_model_free(m);
}

static void test_warning_and_input(void **state)
{
    kva_model *m = kva_model_new();
    kva_input in = {0};
    size_t ix = 99;
    (void)state;

    in.path = strdup("a/b.json");
    in.kind = KVA_KIND_PRICINGS;
    assert_int_equal(kva_model_add_input(m, &in, &ix), KVA_OK);
    assert_int_equal(ix, 0);
    assert_null(in.path);
    assert_string_equal(m->inputs[0].path, "a/b.json");

    assert_int_equal(kva_model_add_warning(m, "conflicting_evidence", "a.json",
                                           "ABCDEF01-2222-3333-4444-555555555555",
                                           3, 4, "tiers %s and %s", "Free",
                                           "Standard"),
                     KVA_OK);
    assert_int_equal(m->n_warnings, 1);
    assert_string_equal(m->warnings[0].message, "tiers Free and Standard");
    assert_string_equal(m->warnings[0].sub_id,
                        "abcdef01-2222-3333-4444-555555555555");
    assert_int_equal(m->warnings[0].line, 3);
    assert_true(m->complete);
    kva_model_free(m);
    kva_model_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kind_names),
        cmocka_unit_test(test_sub_lookup_case_insensitive),
        cmocka_unit_test(test_sub_merge),
        cmocka_unit_test(test_sub_conflict_state),
        cmocka_unit_test(test_touch_sub),
        cmocka_unit_test(test_vault_dedup),
        cmocka_unit_test(test_many),
        cmocka_unit_test(test_warning_and_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

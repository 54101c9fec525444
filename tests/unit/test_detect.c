#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "inventory/detect.h"

typedef struct detect_case {
    const char *json;
    kva_rec_kind want;
} detect_case;

static const detect_case detect_cases[] = {
    /* by type, any case */
    {"{\"type\":\"Microsoft.Security/pricings\"}", KVA_REC_PRICING},
    {"{\"type\":\"microsoft.security/pricings\",\"id\":\"x\"}",
     KVA_REC_PRICING},
    {"{\"TYPE\":\"MICROSOFT.SECURITY/PRICINGS\"}", KVA_REC_PRICING},
    {"{\"type\":\"microsoft.resources/subscriptions\"}", KVA_REC_SUBSCRIPTION},
    {"{\"type\":\"Microsoft.KeyVault/vaults\"}", KVA_REC_VAULT},
    {"{\"type\":\"microsoft.keyvault/vaults\"}", KVA_REC_VAULT},
    /* another type in a mixed Resource Graph result */
    {"{\"type\":\"microsoft.storage/storageaccounts\",\"id\":"
     "\"/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/"
     "r/providers/Microsoft.KeyVault/vaults/kv\"}",
     KVA_REC_OTHER},
    {"{\"type\":\"microsoft.keyvault/vaults/secrets\"}", KVA_REC_OTHER},
    /* a type that is not a string matches nothing, not even by id */
    {"{\"type\":5,\"id\":\"/subscriptions/00000000-1111-2222-3333-"
     "444444444444/providers/Microsoft.Security/pricings/KeyVaults\"}",
     KVA_REC_OTHER},
    /* a null type is no type */
    {"{\"type\":null,\"id\":\"/subscriptions/00000000-1111-2222-3333-"
     "444444444444/providers/Microsoft.Security/pricings/KeyVaults\"}",
     KVA_REC_PRICING},
    /* no type: the id */
    {"{\"id\":\"/subscriptions/00000000-1111-2222-3333-444444444444/"
     "providers/microsoft.security/PRICINGS/KeyVaults\"}",
     KVA_REC_PRICING},
    {"{\"Id\":\"/subscriptions/00000000-1111-2222-3333-444444444444/"
     "providers/Microsoft.Security/pricings/KeyVaults\"}",
     KVA_REC_PRICING},
    {"{\"id\":\"/subscriptions/00000000-1111-2222-3333-444444444444/"
     "resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv\"}",
     KVA_REC_VAULT},
    /* something below a vault is not a vault */
    {"{\"id\":\"/subscriptions/00000000-1111-2222-3333-444444444444/"
     "resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv/secrets/s\"}",
     KVA_REC_OTHER},
    {"{\"id\":\"/subscriptions/00000000-1111-2222-3333-444444444444/"
     "resourceGroups/rg/providers/Microsoft.KeyVault/vaults/\"}",
     KVA_REC_OTHER},
    /* PowerShell: PricingTier without type or pricing id */
    {"{\"Name\":\"KeyVaults\",\"PricingTier\":\"Free\"}", KVA_REC_PRICING},
    {"{\"properties\":{\"pricingTier\":\"Free\"}}", KVA_REC_PRICING},
    {"{\"PricingTier\":null}", KVA_REC_OTHER},
    /* bare GUID id without type: `state` and a subscription-only field */
    {"{\"id\":\"00000000-1111-2222-3333-444444444444\",\"state\":\"E\","
     "\"tenantId\":\"t\"}",
     KVA_REC_SUBSCRIPTION},
    {"{\"id\":\"00000000-1111-2222-3333-444444444444\",\"State\":\"E\","
     "\"HomeTenantId\":\"t\"}",
     KVA_REC_SUBSCRIPTION},
    {"{\"id\":\"00000000-1111-2222-3333-444444444444\",\"state\":\"E\","
     "\"isDefault\":false}",
     KVA_REC_SUBSCRIPTION},
    {"{\"id\":\"00000000-1111-2222-3333-444444444444\",\"state\":\"E\","
     "\"cloudName\":\"AzureCloud\"}",
     KVA_REC_SUBSCRIPTION},
    {"{\"id\":\"00000000-1111-2222-3333-444444444444\",\"state\":\"E\","
     "\"environmentName\":\"AzureCloud\"}",
     KVA_REC_SUBSCRIPTION},
    {"{\"Id\":\"00000000-1111-2222-3333-444444444444\",\"State\":\"E\","
     "\"SubscriptionId\":\"00000000-1111-2222-3333-444444444444\"}",
     KVA_REC_SUBSCRIPTION},
    {"{\"id\":\"00000000-1111-2222-3333-444444444444\",\"state\":\"E\","
     "\"subscriptionPolicies\":{}}",
     KVA_REC_SUBSCRIPTION},
    {"{\"id\":\"00000000-1111-2222-3333-444444444444\",\"state\":\"E\","
     "\"authorizationSource\":\"RoleBased\"}",
     KVA_REC_SUBSCRIPTION},
    {"{\"id\":\"00000000-1111-2222-3333-444444444444\",\"properties\":"
     "{\"state\":\"E\",\"tenantId\":\"t\"}}",
     KVA_REC_SUBSCRIPTION},
    /* ... a name, a state or a tenant alone is not enough */
    {"{\"id\":\"00000000-1111-2222-3333-444444444444\",\"name\":\"P\"}",
     KVA_REC_OTHER},
    {"{\"id\":\"00000000-1111-2222-3333-444444444444\",\"state\":\"E\"}",
     KVA_REC_OTHER},
    {"{\"id\":\"00000000-1111-2222-3333-444444444444\",\"displayName\":"
     "\"P\",\"tenantId\":\"t\"}",
     KVA_REC_OTHER},
    {"{\"id\":\"00000000-1111-2222-3333-444444444444\",\"state\":null,"
     "\"tenantId\":\"t\"}",
     KVA_REC_OTHER},
    /* Entra ID objects: az ad group list, az ad user list, az ad sp list */
    {"{\"displayName\":\"kv-owners\",\"id\":\"5b2c0d1e-7a8f-4c3d-9e1f-"
     "0a1b2c3d4e5f\",\"securityEnabled\":true,\"mailEnabled\":false,"
     "\"groupTypes\":[]}",
     KVA_REC_OTHER},
    {"{\"businessPhones\":[],\"displayName\":\"Alice\",\"id\":"
     "\"5b2c0d1e-7a8f-4c3d-9e1f-0a1b2c3d4e5f\",\"mail\":null,"
     "\"userPrincipalName\":\"alice@contoso.com\"}",
     KVA_REC_OTHER},
    {"{\"accountEnabled\":true,\"appId\":\"6b2c0d1e-7a8f-4c3d-9e1f-"
     "0a1b2c3d4e5f\",\"appOwnerOrganizationId\":\"99999999-8888-7777-"
     "6666-555555555555\",\"displayName\":\"app\",\"id\":\"5b2c0d1e-"
     "7a8f-4c3d-9e1f-0a1b2c3d4e5f\",\"servicePrincipalType\":"
     "\"Application\"}",
     KVA_REC_OTHER},
    /* Graph markers win over subscription markers */
    {"{\"id\":\"00000000-1111-2222-3333-444444444444\",\"state\":\"WA\","
     "\"tenantId\":\"t\",\"userPrincipalName\":\"a@b\"}",
     KVA_REC_OTHER},
    {"{\"@odata.type\":\"#microsoft.graph.group\",\"id\":\"00000000-"
     "1111-2222-3333-444444444444\",\"state\":\"E\",\"tenantId\":\"t\"}",
     KVA_REC_OTHER},
    {"{\"odata.type\":\"Microsoft.DirectoryServices.User\",\"id\":"
     "\"00000000-1111-2222-3333-444444444444\",\"state\":\"E\","
     "\"isDefault\":true}",
     KVA_REC_OTHER},
    {"{\"id\":\"00000000-1111-2222-3333-444444444444\",\"state\":\"E\","
     "\"cloudName\":\"c\",\"objectType\":\"User\"}",
     KVA_REC_OTHER},
    {"{\"id\":\"/subscriptions/00000000-1111-2222-3333-444444444444\","
     "\"displayName\":\"P\",\"appId\":\"x\"}",
     KVA_REC_OTHER},
    /* an ARM subscription id and one descriptive field */
    {"{\"id\":\"/subscriptions/AAAAAAAA-1111-2222-3333-444444444444\","
     "\"displayName\":\"P\"}",
     KVA_REC_SUBSCRIPTION},
    {"{\"id\":\"/subscriptions/00000000-1111-2222-3333-444444444444\","
     "\"tenantId\":\"t\"}",
     KVA_REC_SUBSCRIPTION},
    {"{\"id\":\"/subscriptions/00000000-1111-2222-3333-444444444444\","
     "\"subscriptionId\":\"00000000-1111-2222-3333-444444444444\"}",
     KVA_REC_SUBSCRIPTION},
    {"{\"id\":\"/subscriptions/00000000-1111-2222-3333-444444444444\","
     "\"properties\":{\"state\":\"Enabled\"}}",
     KVA_REC_SUBSCRIPTION},
    /* a GUID alone says too little */
    {"{\"id\":\"00000000-1111-2222-3333-444444444444\"}", KVA_REC_OTHER},
    {"{\"id\":\"00000000-1111-2222-3333-444444444444\",\"name\":null}",
     KVA_REC_OTHER},
    /* not a GUID, or more after it */
    {"{\"id\":\"00000000-1111-2222-3333-44444444444\",\"name\":\"P\"}",
     KVA_REC_OTHER},
    {"{\"id\":\"/subscriptions/00000000-1111-2222-3333-444444444444/"
     "resourceGroups/rg\",\"name\":\"rg\"}",
     KVA_REC_OTHER},
    /* a tenant record (az account tenant list) */
    {"{\"id\":\"/tenants/00000000-1111-2222-3333-444444444444\","
     "\"tenantId\":\"00000000-1111-2222-3333-444444444444\"}",
     KVA_REC_OTHER},
    /* with a type of its own, the id shape does not matter */
    {"{\"type\":\"Microsoft.Resources/resourceGroups\","
     "\"id\":\"00000000-1111-2222-3333-444444444444\",\"name\":\"P\"}",
     KVA_REC_OTHER},
    {"{}", KVA_REC_OTHER},
    {"[]", KVA_REC_OTHER},
    {"\"text\"", KVA_REC_OTHER},
    {"{\"id\":5,\"name\":\"x\"}", KVA_REC_OTHER},
};

static void test_detect_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof detect_cases / sizeof detect_cases[0]; i++) {
        cJSON *j = cJSON_Parse(detect_cases[i].json);
        assert_non_null(j);
        if (kva_detect(j) != detect_cases[i].want)
            fail_msg("case %zu %s: got %d want %d", i, detect_cases[i].json,
                     kva_detect(j), detect_cases[i].want);
        cJSON_Delete(j);
    }
}

/* kva_field: ASCII case-insensitive, the first of repeated keys, never
 * cJSON's own folding. */
static void test_field(void **state)
{
    cJSON *j = cJSON_Parse("{\"PricingTier\":\"A\",\"pricingtier\":\"B\","
                           "\"x\":1,\"properties\":{\"subPlan\":\"P\","
                           "\"state\":\"S\"},\"state\":null,\"tier\":2}");
    const cJSON *holder = (const cJSON *)1, *v;
    (void)state;

    assert_non_null(j);
    v = kva_field(j, "pricingTier");
    assert_string_equal(v->valuestring, "A");
    assert_null(kva_field(j, "pricingTie"));
    assert_null(kva_field(j, "subPlan"));
    assert_null(kva_field(NULL, "x"));
    assert_null(kva_field(kva_field(j, "x"), "x"));

    v = kva_field_nested(j, "SUBPLAN", &holder);
    assert_string_equal(v->valuestring, "P");
    assert_ptr_equal(holder, kva_field(j, "properties"));
    /* null at the top does not hide the nested value */
    v = kva_field_nested(j, "state", &holder);
    assert_string_equal(v->valuestring, "S");
    assert_non_null(holder);
    v = kva_field_nested(j, "pricingTier", &holder);
    assert_string_equal(v->valuestring, "A");
    assert_null(holder);
    v = kva_field_nested(j, "tier", &holder);
    assert_true(cJSON_IsNumber(v));
    assert_null(kva_field_nested(j, "absent", &holder));
    assert_null(holder);
    cJSON_Delete(j);
}

static void test_type_names(void **state)
{
    static const struct {
        const char *json, *name;
    } cases[] = {
        {"null", "null"},    {"true", "a boolean"}, {"false", "a boolean"},
        {"1.5", "a number"}, {"\"s\"", "a string"}, {"[]", "an array"},
        {"{}", "an object"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cJSON *j = cJSON_Parse(cases[i].json);
        assert_string_equal(kva_json_type_name(j), cases[i].name);
        cJSON_Delete(j);
    }
    assert_string_equal(kva_json_type_name(NULL), "null");
}

static void test_id_problem(void **state)
{
    static const struct {
        const char *id;
        const char *problem; /* NULL: clean */
    } cases[] = {
        {"/subscriptions/s/providers/Microsoft.Security/pricings/KeyVaults",
         NULL},
        {"/a", NULL},
        {"a/b", "does not start with '/'"},
        {"", "does not start with '/'"},
        {"/a//b", "contains an empty segment ('//' or a trailing '/')"},
        {"/a/b/", "contains an empty segment ('//' or a trailing '/')"},
        {"/", "contains an empty segment ('//' or a trailing '/')"},
        {"/a/../b", "contains a '.' or '..' segment"},
        {"/a/./b", "contains a '.' or '..' segment"},
        {"/a/..", "contains a '.' or '..' segment"},
        {"/a/..b/c.", NULL},
        {"/a\\b", "contains a backslash"},
        {"/a/b?x=1", "contains '?', '#' or '%'"},
        {"/a/%2e%2e/b", "contains '?', '#' or '%'"},
        {"/a/b#f", "contains '?', '#' or '%'"},
        {"/a/\tb", "contains a control character"},
        {"/a/\x7f", "contains a control character"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = kva_id_problem(cases[i].id);
        if (!cases[i].problem) {
            if (got)
                fail_msg("%s: unexpected problem %s", cases[i].id, got);
        } else {
            if (!got)
                fail_msg("%s: no problem found", cases[i].id);
            assert_string_equal(got, cases[i].problem);
        }
    }
}

static void test_id_helpers(void **state)
{
    char g[37];
    const char *s;
    size_t n;
    (void)state;

    assert_true(kva_id_is_sub("00000000-1111-2222-3333-44444444444A", g));
    assert_string_equal(g, "00000000-1111-2222-3333-44444444444a");
    assert_true(kva_id_is_sub(
        "/SUBSCRIPTIONS/AAAAAAAA-1111-2222-3333-444444444444", g));
    assert_string_equal(g, "aaaaaaaa-1111-2222-3333-444444444444");
    assert_false(kva_id_is_sub(
        "/subscriptions/00000000-1111-2222-3333-444444444444/", g));
    assert_false(kva_id_is_sub("/subscriptions/x", g));
    assert_false(kva_id_is_sub("subscriptions/00000000-1111-2222-3333-"
                               "444444444444",
                               g));
    assert_false(kva_id_is_sub("{00000000-1111-2222-3333-444444444444}", g));

    assert_true(kva_id_sub_segment("/subscriptions/abc/x", &s, &n));
    assert_int_equal(n, 3);
    assert_memory_equal(s, "abc", 3);
    assert_true(kva_id_sub_segment("/Subscriptions/abc", &s, &n));
    assert_int_equal(n, 3);
    assert_false(kva_id_sub_segment("/tenants/abc", &s, &n));

    assert_false(kva_guid_copy("00000000-1111-2222-3333-444444444444x", 37, g));
    assert_false(kva_guid_copy("0000000g-1111-2222-3333-444444444444", 36, g));

    assert_true(kva_id_is_vault("/subscriptions/s/resourceGroups/r/providers/"
                                "microsoft.keyvault/VAULTS/kv"));
    assert_false(kva_id_is_vault("/subscriptions/s/resourceGroups/r/providers/"
                                 "Microsoft.KeyVault/vaults/kv/x"));
    assert_false(kva_id_is_vault("/subscriptions/s/resourceGroups/r/providers/"
                                 "Microsoft.KeyVault/managedHSMs/kv"));

    assert_true(kva_id_resource_group(
        "/subscriptions/s/ResourceGroups/rg-1/providers/x", &s, &n));
    assert_int_equal(n, 4);
    assert_memory_equal(s, "rg-1", 4);
    assert_true(
        kva_id_resource_group("/subscriptions/s/resourceGroups/rg", &s, &n));
    assert_int_equal(n, 2);
    assert_false(kva_id_resource_group("/subscriptions/s/providers/x", &s, &n));
    assert_false(
        kva_id_resource_group("/subscriptions/s/resourceGroups/", &s, &n));

    s = kva_id_last_segment("/a/b/name", &n);
    assert_int_equal(n, 4);
    assert_string_equal(s, "name");
    s = kva_id_last_segment("plain", &n);
    assert_string_equal(s, "plain");

    assert_null(kva_ci_find_last("abc", "abcd"));
    s = "/p/X/p/x/";
    assert_ptr_equal(kva_ci_find_last(s, "/P/X"), s + 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detect_table), cmocka_unit_test(test_field),
        cmocka_unit_test(test_type_names),   cmocka_unit_test(test_id_problem),
        cmocka_unit_test(test_id_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

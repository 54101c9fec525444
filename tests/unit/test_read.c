#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inventory/read.h"

#define FORMATS "tests/fixtures/formats/"
#define READ_FX "tests/fixtures/read/"

#define S0 "00000000-1111-2222-3333-444444444444"
#define SA "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
#define S1 "11111111-2222-3333-4444-555555555555"
#define T9 "99999999-8888-7777-6666-555555555555"
#define UNK KVA_UNKNOWN_TIME
#define NOS KVA_UNKNOWN_SECONDS
#define SUB KVA_SCOPE_SUBSCRIPTION
#define RES KVA_SCOPE_RESOURCE
#define RGS KVA_SCOPE_RESOURCE_GROUP

#define PID(sub, plan)                                                         \
    "/subscriptions/" sub "/providers/Microsoft.Security/pricings/" plan
#define VID(sub, rg, name)                                                     \
    "/subscriptions/" sub "/resourceGroups/" rg                                \
    "/providers/Microsoft.KeyVault/vaults/" name
/* One REST pricing record with a given properties body. */
#define PREC(props)                                                            \
    "{\"id\":\"" PID(S0, "KeyVaults") "\",\"name\":\"KeyVaults\","             \
                                      "\"type\":\"Microsoft.Security/"         \
                                      "pricings\",\"properties\":{" props "}}"
#define PSTD PREC("\"pricingTier\":\"Standard\"")

static char g_dir[64];
static char g_path[4200];

static int rm_entry(const char *p, const struct stat *st, int flag,
                    struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(p);
}

static int setup(void **state)
{
    (void)state;
    strcpy(g_dir, "/tmp/kva-read.XXXXXX");
    return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return nftw(g_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *tmp_file(const char *name, const void *data, size_t len)
{
    FILE *f;

    snprintf(g_path, sizeof g_path, "%s/%s", g_dir, name);
    f = fopen(g_path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return g_path;
}

static unsigned char *load(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf;
    long n;

    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static kva_model *read_path(const char *path, bool explicit_exceptions)
{
    kva_model *m = kva_model_new();
    kva_diag d = {0};
    kva_error e;

    assert_non_null(m);
    e = kva_read_file(path, explicit_exceptions, m, &d);
    if (e != KVA_OK)
        fail_msg("%s: %s at %u:%u", path, d.message, (unsigned)d.line,
                 (unsigned)d.col);
    kva_diag_clear(&d);
    assert_int_equal(m->n_inputs, 1);
    assert_string_equal(m->inputs[0].path, path);
    return m;
}

static kva_model *read_json(const char *json)
{
    return read_path(tmp_file("t.json", json, strlen(json)), false);
}

static size_t count_warnings(const kva_model *m, const char *code)
{
    size_t n = 0;

    for (size_t i = 0; i < m->n_warnings; i++)
        if (strcmp(m->warnings[i].code, code) == 0)
            n++;
    return n;
}

static const kva_warning *warning(const kva_model *m, const char *code)
{
    for (size_t i = 0; i < m->n_warnings; i++)
        if (strcmp(m->warnings[i].code, code) == 0)
            return &m->warnings[i];
    fail_msg("no %s warning", code);
    return NULL;
}

static void expect_warning(const kva_model *m, const char *code, uint32_t line,
                           uint32_t col, const char *message)
{
    const kva_warning *w = warning(m, code);

    assert_string_equal(w->message, message);
    assert_int_equal(w->line, line);
    assert_int_equal(w->col, col);
    assert_string_equal(w->path, m->inputs[0].path);
}

static size_t inventory_subs(const kva_model *m)
{
    size_t n = 0;

    for (size_t i = 0; i < m->n_subs; i++)
        n += m->subs[i].from_inventory;
    return n;
}

/* "k=v;k2=v2" (a NULL value as k=~) */
static void tags_string(const kva_tags *t, char *buf, size_t size)
{
    size_t off = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < t->n && off < size; i++)
        off +=
            (size_t)snprintf(buf + off, size - off, "%s%s=%s", i ? ";" : "",
                             t->v[i].key, t->v[i].value ? t->v[i].value : "~");
}

static void expect_tags(const kva_tags *t, const char *want)
{
    char buf[512];

    tags_string(t, buf, sizeof buf);
    assert_string_equal(buf, want);
}

/* Every shared reference shape: kind and counts. */
typedef struct fixture_case {
    const char *file;
    kva_kind kind;
    size_t records, pricings, inventory_subs, vaults, subs_total;
} fixture_case;

static const fixture_case fixture_cases[] = {
    {"azureProfile.utf8bom.json", KVA_KIND_SUBSCRIPTIONS, 2, 0, 2, 0, 2},
    {"cli_account_list_all.json", KVA_KIND_SUBSCRIPTIONS, 3, 0, 3, 0, 3},
    {"cli_account_list_old_sp.json", KVA_KIND_SUBSCRIPTIONS, 2, 0, 2, 0, 2},
    {"cli_account_list_ps51_redirect_mojibake.utf16le.json",
     KVA_KIND_SUBSCRIPTIONS, 1, 0, 1, 0, 1},
    {"cli_account_show.json", KVA_KIND_SUBSCRIPTIONS, 1, 0, 1, 0, 1},
    {"cli_graph_query_keyvaults.json", KVA_KIND_VAULTS, 2, 0, 0, 2, 2},
    {"cli_graph_query_keyvaults_legacy_array.json", KVA_KIND_VAULTS, 2, 0, 0, 2,
     2},
    {"cli_graph_query_resourcecontainers_subscriptions.json",
     KVA_KIND_SUBSCRIPTIONS, 2, 0, 2, 0, 2},
    {"cli_graph_query_security_pricings.json", KVA_KIND_PRICINGS, 3, 3, 0, 0,
     2},
    {"cli_keyvault_list_no_rg.json", KVA_KIND_VAULTS, 2, 0, 0, 2, 1},
    {"cli_keyvault_list_with_rg.json", KVA_KIND_VAULTS, 2, 0, 0, 2, 1},
    {"cli_security_pricing_list_legacy_array.json", KVA_KIND_PRICINGS, 2, 2, 0,
     0, 1},
    {"cli_security_pricing_list_object.json", KVA_KIND_PRICINGS, 3, 3, 0, 0, 1},
    {"cli_security_pricing_list_object_ps51_redirect.utf16le.json",
     KVA_KIND_PRICINGS, 3, 3, 0, 0, 1},
    {"cli_security_pricing_list_query_value_array.json", KVA_KIND_PRICINGS, 2,
     2, 0, 0, 1},
    {"cli_security_pricing_show_keyvaults.json", KVA_KIND_PRICINGS, 1, 1, 0, 0,
     1},
    {"ps51_get_azsecuritypricing_convertto_json.utf16le.json",
     KVA_KIND_PRICINGS, 3, 3, 0, 0, 1},
    {"ps7_get_azsecuritypricing_convertto_json.json", KVA_KIND_PRICINGS, 3, 3,
     0, 0, 1},
    {"rest_keyvault_vaults_list_2023-07-01.json", KVA_KIND_VAULTS, 1, 0, 0, 1,
     1},
    {"rest_pricings_list_2017-08-01-preview.json", KVA_KIND_PRICINGS, 1, 1, 0,
     0, 1},
    {"rest_pricings_list_2018-06-01.json", KVA_KIND_PRICINGS, 2, 2, 0, 0, 1},
    {"rest_pricings_list_2023-01-01_compact.json", KVA_KIND_PRICINGS, 3, 3, 0,
     0, 1},
    {"rest_pricings_list_2024-01-01.json", KVA_KIND_PRICINGS, 3, 3, 0, 0, 1},
    {"rest_pricings_list_resource_scope_2024-01-01.json", KVA_KIND_PRICINGS, 2,
     2, 0, 0, 1},
    {"rest_resourcegraph_resources_2021-03-01.json", KVA_KIND_VAULTS, 2, 0, 0,
     2, 2},
    {"rest_resources_filter_keyvault_2015-11-01.json", KVA_KIND_VAULTS, 2, 0, 0,
     2, 1},
    {"rest_subscriptions_list_2022-12-01.json", KVA_KIND_SUBSCRIPTIONS, 2, 0, 2,
     0, 2},
};

#define N_FIXTURES (sizeof fixture_cases / sizeof fixture_cases[0])

static const char *fx(const char *file)
{
    static char buf[512];
    snprintf(buf, sizeof buf, FORMATS "%s", file);
    return buf;
}

/* Reference exports that are one page of several: the one warning they
 * give. */
static const struct {
    const char *file;
    uint32_t line, col;
    const char *message;
} paged_fixtures[] = {
    {"rest_keyvault_vaults_list_2023-07-01.json", 45, 3,
     "this file holds 1 record and more exist (nextLink set): export every "
     "page into PATH"},
    {"rest_resourcegraph_resources_2021-03-01.json", 1, 1665,
     "this file holds 2 of 3 records ($skipToken set): export every page "
     "into PATH"},
};

static void test_fixture_kinds(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_FIXTURES; i++) {
        const fixture_case *c = &fixture_cases[i];
        kva_model *m = read_path(fx(c->file), false);
        struct stat st;
        size_t paged;

        assert_int_equal(stat(fx(c->file), &st), 0);
        if (m->inputs[0].kind != c->kind)
            fail_msg("%s: kind %s", c->file, kva_kind_name(m->inputs[0].kind));
        assert_int_equal(m->inputs[0].records, c->records);
        assert_int_equal(m->inputs[0].bytes, (uint64_t)st.st_size);
        assert_false(m->inputs[0].failed);
        assert_int_equal(strlen(m->inputs[0].sha256), 64);
        assert_int_equal(m->n_pricings, c->pricings);
        assert_int_equal(inventory_subs(m), c->inventory_subs);
        assert_int_equal(m->n_subs, c->subs_total);
        assert_int_equal(m->n_vaults, c->vaults);
        assert_int_equal(m->n_exceptions, 0);
        assert_int_equal(m->have_sub_inventory, c->inventory_subs > 0);
        /* real exports read cleanly, but for saying they are one page */
        paged = 0;
        for (size_t k = 0;
             k < sizeof paged_fixtures / sizeof paged_fixtures[0]; k++) {
            if (strcmp(paged_fixtures[k].file, c->file) != 0)
                continue;
            expect_warning(m, "partial_dump", paged_fixtures[k].line,
                           paged_fixtures[k].col, paged_fixtures[k].message);
            paged = 1;
        }
        if (m->n_warnings != paged)
            fail_msg("%s: warning %s: %s", c->file, m->warnings[0].code,
                     m->warnings[0].message);
        kva_model_free(m);
    }
}

/* The fixtures directory holds exactly the files of the table. */
static void test_fixture_table_complete(void **state)
{
    char **files;
    size_t n;
    char *paths[] = {(char *)FORMATS};
    kva_diag d = {0};
    (void)state;

    assert_int_equal(kva_collect_paths(paths, 1, &files, &n, NULL, NULL, &d),
                     KVA_OK);
    assert_int_equal(n, N_FIXTURES);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(files[i], fx(fixture_cases[i].file));
    kva_paths_free(files, n);
}

static void test_sha256(void **state)
{
    kva_model *m;
    (void)state;

    m = read_path(fx("cli_security_pricing_show_keyvaults.json"), false);
    assert_string_equal(
        m->inputs[0].sha256,
        "e31f1ab964a95314c2b1feb12ac1775d8419490d31aa22433927ddb0575691b4");
    assert_int_equal(m->inputs[0].bytes, 396);
    kva_model_free(m);
    /* of the raw UTF-16 bytes, not of the decoded text */
    m = read_path(fx("ps51_get_azsecuritypricing_convertto_json.utf16le.json"),
                  false);
    assert_string_equal(
        m->inputs[0].sha256,
        "8f83fcdc34c4713cdbb73ce160b3b400fd808e3955f5fcc8d57a503ee9c34fc9");
    kva_model_free(m);
}

typedef struct pricing_want {
    const char *file;
    size_t index;
    const char *sub, *plan, *tier, *sub_plan;
    int64_t trial, enabled;
    int deprecated;
    kva_pricing_scope scope;
    const char *resource_id;
    uint32_t line, col;
} pricing_want;

#define VM1                                                                    \
    "/subscriptions/" S0 "/resourceGroups/rg-demo/providers/"                  \
    "Microsoft.Compute/virtualMachines/vm-1"

static const pricing_want pricing_wants[] = {
    {"cli_graph_query_security_pricings.json", 0, S0, "KeyVaults", "Standard",
     "PerKeyVault", 0, 1714637700, -1, SUB, NULL, 4, 5},
    {"cli_graph_query_security_pricings.json", 1, SA, "KeyVaults", "Free", NULL,
     0, UNK, -1, SUB, NULL, 27, 5},
    {"cli_graph_query_security_pricings.json", 2, S0, "KubernetesService",
     "Free", NULL, 0, UNK, 1, SUB, NULL, 48, 5},
    {"cli_security_pricing_list_legacy_array.json", 0, S0, "default",
     "Standard", NULL, NOS, UNK, -1, SUB, NULL, 2, 3},
    {"cli_security_pricing_list_legacy_array.json", 1, S0, "rg-legacy1", "Free",
     NULL, NOS, UNK, -1, RGS, "rg-legacy1", 8, 3},
    {"cli_security_pricing_list_object.json", 0, S0, "KeyVaults", "Standard",
     "PerKeyVault", 0, 1730913885, -1, SUB, NULL, 3, 5},
    {"cli_security_pricing_list_object.json", 1, S0, "VirtualMachines",
     "Standard", "P2", 2098320, 1730913885, -1, SUB, NULL, 15, 5},
    {"cli_security_pricing_list_object.json", 2, S0, "KubernetesService",
     "Free", NULL, 0, UNK, 1, SUB, NULL, 42, 5},
    /* the same bytes as UTF-16LE with CRLF: same records, same places */
    {"cli_security_pricing_list_object_ps51_redirect.utf16le.json", 0, S0,
     "KeyVaults", "Standard", "PerKeyVault", 0, 1730913885, -1, SUB, NULL, 3,
     5},
    {"cli_security_pricing_list_object_ps51_redirect.utf16le.json", 1, S0,
     "VirtualMachines", "Standard", "P2", 2098320, 1730913885, -1, SUB, NULL,
     15, 5},
    {"cli_security_pricing_list_object_ps51_redirect.utf16le.json", 2, S0,
     "KubernetesService", "Free", NULL, 0, UNK, 1, SUB, NULL, 42, 5},
    {"cli_security_pricing_list_query_value_array.json", 0, S0, "KeyVaults",
     "Standard", "PerKeyVault", 0, 1730913885, -1, SUB, NULL, 2, 3},
    {"cli_security_pricing_list_query_value_array.json", 1, S0,
     "VirtualMachines", "Standard", "P2", 2098320, 1730913885, -1, SUB, NULL,
     14, 3},
    {"cli_security_pricing_show_keyvaults.json", 0, S0, "KeyVaults", "Standard",
     "PerKeyVault", 0, 1730913885, -1, SUB, NULL, 1, 1},
    {"ps51_get_azsecuritypricing_convertto_json.utf16le.json", 0, S0,
     "VirtualMachines", "Standard", "P2", 2098320, UNK, -1, SUB, NULL, 2, 5},
    {"ps51_get_azsecuritypricing_convertto_json.utf16le.json", 1, S0,
     "KeyVaults", "Standard", "PerKeyVault", 0, UNK, -1, SUB, NULL, 23, 5},
    {"ps51_get_azsecuritypricing_convertto_json.utf16le.json", 2, S0,
     "ContainerRegistry", "Free", NULL, 0, UNK, 1, SUB, NULL, 44, 5},
    {"ps7_get_azsecuritypricing_convertto_json.json", 0, S0, "VirtualMachines",
     "Standard", "P2", 2098320, UNK, -1, SUB, NULL, 2, 3},
    {"ps7_get_azsecuritypricing_convertto_json.json", 1, S0, "KeyVaults",
     "Standard", "PerKeyVault", 0, UNK, -1, SUB, NULL, 23, 3},
    {"ps7_get_azsecuritypricing_convertto_json.json", 2, S0,
     "ContainerRegistry", "Free", NULL, 0, UNK, 1, SUB, NULL, 44, 3},
    {"rest_pricings_list_2017-08-01-preview.json", 0, SA, "default", "Standard",
     NULL, NOS, UNK, -1, SUB, NULL, 3, 9},
    {"rest_pricings_list_2018-06-01.json", 0, SA, "VirtualMachines", "Standard",
     NULL, NOS, UNK, -1, SUB, NULL, 3, 9},
    {"rest_pricings_list_2018-06-01.json", 1, SA, "KeyVaults", "Free", NULL, 0,
     UNK, -1, SUB, NULL, 11, 9},
    {"rest_pricings_list_2023-01-01_compact.json", 0, S1, "StorageAccounts",
     "Standard", "DefenderForStorageV2", 0, 1694424835, -1, SUB, NULL, 1, 11},
    {"rest_pricings_list_2023-01-01_compact.json", 1, S1, "KeyVaults", "Free",
     NULL, 0, UNK, -1, SUB, NULL, 1, 484},
    {"rest_pricings_list_2023-01-01_compact.json", 2, S1, "Dns", "Free", NULL,
     0, UNK, 1, SUB, NULL, 1, 717},
    {"rest_pricings_list_2024-01-01.json", 0, S0, "VirtualMachines", "Standard",
     "P2", 0, 1677674562, -1, SUB, NULL, 3, 5},
    /* P29DT23H10M */
    {"rest_pricings_list_2024-01-01.json", 1, S0, "KeyVaults", "Standard",
     "PerKeyVault", 29 * 86400 + 23 * 3600 + 600, 1714637700, -1, SUB, NULL, 25,
     5},
    {"rest_pricings_list_2024-01-01.json", 2, S0, "ContainerRegistry", "Free",
     NULL, 0, UNK, 1, SUB, NULL, 38, 5},
    {"rest_pricings_list_resource_scope_2024-01-01.json", 0, S0,
     "VirtualMachines", "Standard", "P1", 0, 1677674562, -1, RES, VM1, 3, 5},
    {"rest_pricings_list_resource_scope_2024-01-01.json", 1, S0, "CloudPosture",
     "Free", NULL, NOS, UNK, -1, RES, VM1, 16, 5},
};

static void expect_str(const char *got, const char *want, const char *what,
                       const char *file, size_t index)
{
    if (!want && !got)
        return;
    if (!want || !got || strcmp(got, want) != 0)
        fail_msg("%s[%zu].%s: got %s, want %s", file, index, what,
                 got ? got : "NULL", want ? want : "NULL");
}

static void test_fixture_pricings(void **state)
{
    const char *last = NULL;
    kva_model *m = NULL;
    size_t checked = 0;
    (void)state;

    for (size_t i = 0; i < sizeof pricing_wants / sizeof pricing_wants[0];
         i++) {
        const pricing_want *w = &pricing_wants[i];
        const kva_pricing *p;
        if (!last || strcmp(last, w->file) != 0) {
            kva_model_free(m);
            m = read_path(fx(w->file), false);
            last = w->file;
        }
        assert_true(w->index < m->n_pricings);
        p = &m->pricings[w->index];
        expect_str(p->sub_id, w->sub, "sub", w->file, w->index);
        expect_str(p->plan, w->plan, "plan", w->file, w->index);
        expect_str(p->tier, w->tier, "tier", w->file, w->index);
        expect_str(p->sub_plan, w->sub_plan, "sub_plan", w->file, w->index);
        expect_str(p->resource_id, w->resource_id, "resource_id", w->file,
                   w->index);
        if (p->trial_remaining_s != w->trial ||
            p->enablement_time != w->enabled ||
            p->deprecated != w->deprecated || p->scope != w->scope ||
            p->line != w->line || p->col != w->col || p->input != 0)
            fail_msg("%s[%zu]: trial %lld enabled %lld deprecated %d scope %d "
                     "at %u:%u",
                     w->file, w->index, (long long)p->trial_remaining_s,
                     (long long)p->enablement_time, p->deprecated, p->scope,
                     (unsigned)p->line, (unsigned)p->col);
        /* the subscription of every pricing exists */
        assert_non_null(kva_model_find_sub(m, p->sub_id));
        checked++;
    }
    kva_model_free(m);
    /* every pricing of every fixture is in the table */
    {
        size_t total = 0;
        for (size_t i = 0; i < N_FIXTURES; i++)
            total += fixture_cases[i].pricings;
        assert_int_equal(checked, total);
    }
}

typedef struct sub_want {
    const char *file;
    const char *id, *name, *tenant, *state, *tags;
    const char *mgmt, *mgmt_ids; /* "a|b" */
    uint32_t line, col;
} sub_want;

static const sub_want sub_wants[] = {
    {"azureProfile.utf8bom.json", S0, "Contoso Prod", T9, "Enabled", "", "", "",
     1, 78},
    {"azureProfile.utf8bom.json", SA, "Contoso Dev", T9, "Enabled", "", "", "",
     1, 491},
    {"cli_account_list_all.json", S0, "Contoso Prod", T9, "Enabled", "", "", "",
     2, 3},
    {"cli_account_list_all.json", SA, "Contoso Dev", T9, "Enabled", "", "", "",
     18, 3},
    {"cli_account_list_all.json", S1, "Contoso Legacy", T9, "Disabled", "", "",
     "", 38, 3},
    {"cli_account_list_old_sp.json", S0, "Contoso Prod", T9, "Enabled", "", "",
     "", 2, 3},
    {"cli_account_list_old_sp.json", SA, "Contoso Dev", T9, "Warned", "", "",
     "", 14, 3},
    {"cli_account_list_ps51_redirect_mojibake.utf16le.json", S0, "Contoso Prod",
     T9, "Enabled", "", "", "", 2, 3},
    {"cli_account_show.json", S0, "Contoso Prod", T9, "Enabled", "", "", "", 1,
     1},
    {"cli_graph_query_resourcecontainers_subscriptions.json", S0,
     "Contoso Prod", T9, "Enabled", "env=prod;owner=secops",
     "Landing Zones|Tenant Root Group", "lz|" T9, 4, 5},
    {"cli_graph_query_resourcecontainers_subscriptions.json", SA, "Contoso Dev",
     T9, "Warned", "", "Tenant Root Group", T9, 43, 5},
    {"rest_subscriptions_list_2022-12-01.json", S0, "Contoso Prod", T9,
     "Enabled", "env=prod;costCenter=1234", "", "", 3, 5},
    {"rest_subscriptions_list_2022-12-01.json", SA, "Contoso Dev", T9,
     "PastDue", "", "", "", 21, 5},
};

static void join_strv(char **v, size_t n, char *buf, size_t size)
{
    size_t off = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < n && off < size; i++)
        off += (size_t)snprintf(buf + off, size - off, "%s%s", i ? "|" : "",
                                v[i] ? v[i] : "~");
}

static void test_fixture_subscriptions(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof sub_wants / sizeof sub_wants[0]; i++) {
        const sub_want *w = &sub_wants[i];
        kva_model *m = read_path(fx(w->file), false);
        const kva_sub *s = kva_model_find_sub(m, w->id);
        char buf[512];

        if (!s)
            fail_msg("%s: no subscription %s", w->file, w->id);
        assert_true(s->from_inventory);
        expect_str(s->name, w->name, "name", w->file, i);
        expect_str(s->tenant_id, w->tenant, "tenant", w->file, i);
        expect_str(s->state, w->state, "state", w->file, i);
        expect_tags(&s->tags, w->tags);
        join_strv(s->mgmt_groups, s->n_mgmt_groups, buf, sizeof buf);
        expect_str(buf, w->mgmt, "mgmt_groups", w->file, i);
        join_strv(s->mgmt_group_ids, s->n_mgmt_groups, buf, sizeof buf);
        expect_str(buf, w->mgmt_ids, "mgmt_group_ids", w->file, i);
        assert_int_equal(s->line, w->line);
        assert_int_equal(s->col, w->col);
        assert_int_equal(s->input, 0);
        kva_model_free(m);
    }
}

typedef struct vault_want {
    const char *file;
    size_t index;
    const char *sub, *rg, *name, *location, *tags;
    uint32_t line, col;
} vault_want;

static const vault_want vault_wants[] = {
    {"cli_graph_query_keyvaults.json", 0, S0, "rg-sec", "kv-prod-01",
     "westeurope", "env=prod", 4, 5},
    {"cli_graph_query_keyvaults.json", 1, SA, "rg-app", "kv-app-02",
     "northeurope", "", 38, 5},
    {"cli_graph_query_keyvaults_legacy_array.json", 0, S0, "rg-sec",
     "kv-prod-01", "westeurope", "env=prod", 2, 3},
    {"cli_graph_query_keyvaults_legacy_array.json", 1, SA, "rg-app",
     "kv-app-02", "northeurope", "", 36, 3},
    {"cli_keyvault_list_no_rg.json", 0, S0, "rg-sec", "kv-prod-01",
     "westeurope", "env=prod", 2, 3},
    {"cli_keyvault_list_no_rg.json", 1, S0, "rg-app", "kv-app-02",
     "northeurope", "", 12, 3},
    {"cli_keyvault_list_with_rg.json", 0, S0, "rg-sec", "kv-prod-01",
     "westeurope", "env=prod", 2, 3},
    {"cli_keyvault_list_with_rg.json", 1, S0, "rg-sec", "kv-sec-legacy",
     "westeurope", "", 47, 3},
    /* no resourceGroup field: taken from the id */
    {"rest_keyvault_vaults_list_2023-07-01.json", 0, S0, "rg-sec", "kv-prod-01",
     "westeurope", "env=prod", 3, 5},
    {"rest_resourcegraph_resources_2021-03-01.json", 0, S0, "rg-sec",
     "kv-prod-01", "westeurope", "env=prod", 1, 37},
    {"rest_resourcegraph_resources_2021-03-01.json", 1, SA, "rg-app",
     "kv-app-02", "northeurope", "", 1, 853},
    {"rest_resources_filter_keyvault_2015-11-01.json", 0, S0, "rg-sec",
     "kv-prod-01", "westeurope", "env=prod", 1, 11},
    {"rest_resources_filter_keyvault_2015-11-01.json", 1, S0, "rg-app",
     "kv-app-02", "northeurope", "", 1, 242},
};

static void test_fixture_vaults(void **state)
{
    size_t checked = 0, total = 0;
    (void)state;

    for (size_t i = 0; i < sizeof vault_wants / sizeof vault_wants[0]; i++) {
        const vault_want *w = &vault_wants[i];
        kva_model *m = read_path(fx(w->file), false);
        const kva_vault *v;
        char id[256];

        assert_true(w->index < m->n_vaults);
        v = &m->vaults[w->index];
        snprintf(id, sizeof id, VID("%s", "%s", "%s"), w->sub, w->rg, w->name);
        expect_str(v->id, id, "id", w->file, w->index);
        expect_str(v->sub_id, w->sub, "sub", w->file, w->index);
        expect_str(v->resource_group, w->rg, "rg", w->file, w->index);
        expect_str(v->name, w->name, "name", w->file, w->index);
        expect_str(v->location, w->location, "location", w->file, w->index);
        expect_tags(&v->tags, w->tags);
        if (v->line != w->line || v->col != w->col)
            fail_msg("%s[%zu] at %u:%u", w->file, w->index, (unsigned)v->line,
                     (unsigned)v->col);
        assert_non_null(kva_model_find_sub(m, w->sub));
        kva_model_free(m);
        checked++;
    }
    for (size_t i = 0; i < N_FIXTURES; i++)
        total += fixture_cases[i].vaults;
    assert_int_equal(checked, total);
}

/* The same model, field for field, from two files. */
static void expect_same_pricings(const kva_model *a, const kva_model *b)
{
    assert_int_equal(a->n_pricings, b->n_pricings);
    for (size_t i = 0; i < a->n_pricings; i++) {
        const kva_pricing *p = &a->pricings[i], *q = &b->pricings[i];
        assert_string_equal(p->sub_id, q->sub_id);
        assert_string_equal(p->plan, q->plan);
        assert_string_equal(p->tier, q->tier);
        assert_true((!p->sub_plan && !q->sub_plan) ||
                    strcmp(p->sub_plan, q->sub_plan) == 0);
        assert_int_equal(p->trial_remaining_s, q->trial_remaining_s);
        assert_int_equal(p->enablement_time, q->enablement_time);
        assert_int_equal(p->deprecated, q->deprecated);
        assert_int_equal(p->line, q->line);
        assert_int_equal(p->col, q->col);
    }
}

/* UTF-16BE with BOM: the LE fixture with every byte pair swapped. */
static void test_utf16be(void **state)
{
    static const char *files[] = {
        "ps51_get_azsecuritypricing_convertto_json.utf16le.json",
        "cli_security_pricing_list_object_ps51_redirect.utf16le.json",
    };
    (void)state;

    for (size_t f = 0; f < 2; f++) {
        size_t len;
        unsigned char *raw = load(fx(files[f]), &len);
        kva_model *le, *be;

        assert_int_equal(raw[0], 0xFF);
        assert_int_equal(raw[1], 0xFE);
        assert_int_equal(len % 2, 0);
        for (size_t i = 0; i + 1 < len; i += 2) {
            unsigned char t = raw[i];
            raw[i] = raw[i + 1];
            raw[i + 1] = t;
        }
        le = read_path(fx(files[f]), false);
        be = read_path(tmp_file("be.json", raw, len), false);
        assert_int_equal(be->inputs[0].kind, KVA_KIND_PRICINGS);
        assert_int_equal(be->inputs[0].records, 3);
        expect_same_pricings(le, be);
        kva_model_free(le);
        kva_model_free(be);
        free(raw);
    }
}

/* CRLF: positions are those of the same text with LF. */
static void test_crlf(void **state)
{
    size_t len, n = 0;
    unsigned char *raw =
        load(fx("ps7_get_azsecuritypricing_convertto_json.json"), &len);
    kva_model *crlf, *lf;
    (void)state;

    assert_non_null(memchr(raw, '\r', len));
    for (size_t i = 0; i < len; i++)
        if (raw[i] != '\r')
            raw[n++] = raw[i];
    crlf =
        read_path(fx("ps7_get_azsecuritypricing_convertto_json.json"), false);
    lf = read_path(tmp_file("lf.json", raw, n), false);
    expect_same_pricings(crlf, lf);
    kva_model_free(crlf);
    kva_model_free(lf);
    free(raw);
}

/* The same pricing record in every wrapper: kind, count, position and the
 * path prefix of an error in it. */
typedef struct wrapper_case {
    const char *before, *after;
    uint32_t col;     /* of the record (all on line 1) */
    const char *path; /* error path prefix */
} wrapper_case;

static const wrapper_case wrapper_cases[] = {
    {"", "", 1, ""},
    {"[", "]", 2, "[0]"},
    {"[ 1, ", "]", 6, "[1]"},
    {"{\"value\":[", "]}", 11, "value[0]"},
    {"{\"Value\": [", "], \"nextLink\": null}", 12, "Value[0]"},
    {"{\"count\":1,\"data\":[", "],\"skip_token\":null,\"total_records\":1}",
     20, "data[0]"},
    {"{\"totalRecords\":1,\"count\":1,\"data\":[",
     "],\"facets\":[],\"resultTruncated\":\"false\",\"$skipToken\":null}", 37,
     "data[0]"},
    {"{\"installationId\":\"x\",\"subscriptions\":[", "]}", 40,
     "subscriptions[0]"},
    /* "value" that is not an array: the object is one record */
    {"{\"value\":5,\"data\":[", "]}", 20, "data[0]"},
};

static void test_wrappers(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof wrapper_cases / sizeof wrapper_cases[0];
         i++) {
        const wrapper_case *c = &wrapper_cases[i];
        char json[1024], want[256];
        kva_model *m;
        kva_diag d = {0};

        snprintf(json, sizeof json, "%s%s%s", c->before, PSTD, c->after);
        m = read_json(json);
        assert_int_equal(m->inputs[0].kind, KVA_KIND_PRICINGS);
        assert_int_equal(m->inputs[0].records, 1);
        assert_int_equal(m->n_pricings, 1);
        assert_string_equal(m->pricings[0].tier, "Standard");
        assert_int_equal(m->pricings[0].line, 1);
        assert_int_equal(m->pricings[0].col, c->col);
        /* "[ 1, ..." also skips the number with a warning */
        assert_int_equal(m->n_warnings, i == 2 ? 1 : 0);
        kva_model_free(m);

        snprintf(json, sizeof json, "%s%s%s", c->before,
                 PREC("\"pricingTier\":7"), c->after);
        m = kva_model_new();
        assert_int_equal(
            kva_read_file(tmp_file("t.json", json, strlen(json)), false, m, &d),
            KVA_ERR_SCHEMA);
        snprintf(want, sizeof want,
                 "%s%sproperties.pricingTier: expected a string, found a "
                 "number",
                 c->path, *c->path ? "." : "");
        assert_string_equal(d.message, want);
        assert_int_equal(d.line, 1);
        assert_int_equal(d.col, c->col);
        kva_diag_clear(&d);
        kva_model_free(m);
    }
}

/* A Resource Graph result with several kinds (and one we do not read). */
static void test_mixed(void **state)
{
    static const char json[] =
        "{\"count\":4,\"data\":[\n"
        " {\"id\":\"" PID(
            S0,
            "KeyVaults") "\",\"type\":"
                         "\"microsoft.security/"
                         "pricings\",\"properties\":{\"pricingTier\":"
                         "\"Free\"}},\n"
                         " {\"id\":\"" VID(
                             S0, "rg",
                             "kv1") "\",\"type\":"
                                    "\"microsoft.keyvault/"
                                    "vaults\",\"location\":\"westeurope\"},\n"
                                    " {\"id\":\"/subscriptions/" S0
                                    "/resourceGroups/rg/providers/"
                                    "Microsoft.Storage/storageAccounts/"
                                    "st\",\"type\":"
                                    "\"microsoft.storage/storageaccounts\"},\n"
                                    " {\"id\":\"/subscriptions/" S0
                                    "\",\"type\":"
                                    "\"microsoft.resources/"
                                    "subscriptions\",\"name\":\"Prod\","
                                    "\"properties\":{\"state\":\"Enabled\"}}\n"
                                    "],\"skip_token\":null,\"total_records\":4}"
                                    "\n";
    kva_model *m = read_json(json);
    (void)state;

    assert_int_equal(m->inputs[0].kind, KVA_KIND_MIXED);
    assert_int_equal(m->inputs[0].records, 3);
    assert_int_equal(m->n_pricings, 1);
    assert_int_equal(m->n_vaults, 1);
    assert_int_equal(m->n_subs, 1);
    assert_true(m->subs[0].from_inventory);
    assert_string_equal(m->subs[0].name, "Prod");
    assert_string_equal(m->subs[0].state, "Enabled");
    assert_int_equal(m->subs[0].line, 5);
    assert_int_equal(m->vaults[0].line, 3);
    assert_string_equal(m->vaults[0].resource_group, "rg");
    assert_int_equal(m->n_warnings, 0);
    kva_model_free(m);

    /* two kinds also make "mixed"; one kind stays itself */
    m = read_json("[" PSTD ",{\"id\":\"" VID(S0, "rg", "kv") "\"}]");
    assert_int_equal(m->inputs[0].kind, KVA_KIND_MIXED);
    assert_int_equal(m->inputs[0].records, 2);
    kva_model_free(m);
}

typedef struct error_case {
    const char *name;
    const char *data;
    size_t len; /* 0: strlen */
    bool explicit_exceptions;
    kva_error code;
    uint32_t line, col;
    const char *message;
} error_case;

#define DEEP8 "[[[[[[[["
#define DEEP64 DEEP8 DEEP8 DEEP8 DEEP8 DEEP8 DEEP8 DEEP8 DEEP8
#define DEEP512 DEEP64 DEEP64 DEEP64 DEEP64 DEEP64 DEEP64 DEEP64 DEEP64

static const error_case error_cases[] = {
    {"empty", "", 0, false, KVA_ERR_SYNTAX, 1, 1, "empty file"},
    {"truncated", "{\"value\":[{\"id\":\"/subscriptions/", 0, false,
     KVA_ERR_SYNTAX, 1, 33, "unexpected end of file inside a string"},
    {"truncated object", "{\n  \"value\": [\n    {\"id\": \"x\"}\n", 0, false,
     KVA_ERR_SYNTAX, 4, 1, "unexpected end of file inside an array"},
    {"not json", "id,name\n1,2\n", 0, false, KVA_ERR_SYNTAX, 1, 1,
     "expected a value"},
    {"trailing garbage", "{}\n}", 0, false, KVA_ERR_SYNTAX, 2, 1,
     "unexpected data after the JSON value"},
    {"invalid utf-8", "{\"name\":\"caf\xe9\"}", 0, false, KVA_ERR_UTF8, 1, 13,
     "invalid UTF-8 in a string"},
    {"nul", "{\"a\":\n 1\0}", 11, false, KVA_ERR_ENCODING, 2, 3, "NUL byte"},
    {"utf-16 without bom", "{\0\"\0a\0\"\0:\0001\0}\0", 14, false,
     KVA_ERR_ENCODING, 1, 1,
     "looks like UTF-16 without a byte-order mark; save the file as UTF-8"},
    {"utf-16 odd", "\xff\xfe{\0}", 5, false, KVA_ERR_ENCODING, 1, 2,
     "UTF-16 text with an odd number of bytes"},
    {"utf-32", "\xff\xfe\0\0{\0\0\0}\0\0\0", 12, false, KVA_ERR_ENCODING, 1, 1,
     "UTF-32 is not supported; save the file as UTF-8"},
    {"depth 513", DEEP512 "[", 0, false, KVA_ERR_DEPTH, 1, 513,
     "nesting deeper than 512"},
    {"wrong type",
     "{\"value\":[\n" PSTD ",\n" PSTD ",\n" PSTD
     ",\n  " PREC("\"pricingTier\":1") "]}",
     0, false, KVA_ERR_SCHEMA, 5, 3,
     "value[3].properties.pricingTier: expected a string, found a number"},
    {"wrong type flat",
     "[{\"id\":\"" PID(
         S0, "KeyVaults") "\",\"type\":"
                          "\"Microsoft.Security/pricings\",\"subPlan\":[]}]",
     0, false, KVA_ERR_SCHEMA, 1, 2,
     "[0].subPlan: expected a string, found an array"},
    {"wrong id type", "{\"type\":\"Microsoft.Security/pricings\",\"id\":{}}", 0,
     false, KVA_ERR_SCHEMA, 1, 1, "id: expected a string, found an object"},
    {"wrong subscriptionId",
     "[{\"id\":\"" PID(S0, "KeyVaults") "\","
                                        "\"subscriptionId\":true}]",
     0, false, KVA_ERR_SCHEMA, 1, 2,
     "[0].subscriptionId: expected a string, found a boolean"},
    {"wrong state",
     "[{\"id\":\"" S0 "\",\"name\":\"P\",\"state\":1,\"isDefault\":true}]",
     0, false, KVA_ERR_SCHEMA, 1, 2,
     "[0].state: expected a string, found a number"},
    {"wrong displayName",
     "{\"value\":[{\"id\":\"/subscriptions/" S0 "\","
     "\"displayName\":[\"P\"]}]}",
     0, false, KVA_ERR_SCHEMA, 1, 11,
     "value[0].displayName: expected a string, found an array"},
    {"wrong tenantId",
     "[{\"id\":\"" S0 "\",\"state\":\"Enabled\",\"tenantId\":5}]", 0,
     false, KVA_ERR_SCHEMA, 1, 2,
     "[0].tenantId: expected a string, found a number"},
    {"wrong name",
     "[{\"id\":\"" S0 "\",\"state\":\"Enabled\",\"cloudName\":\"c\","
     "\"name\":false}]",
     0, false, KVA_ERR_SCHEMA, 1, 2,
     "[0].name: expected a string, found a boolean"},
    {"wrong location", "[{\"id\":\"" VID(S0, "rg", "kv") "\",\"location\":1}]",
     0, false, KVA_ERR_SCHEMA, 1, 2,
     "[0].location: expected a string, found a number"},
    {"wrong resourceGroup",
     "[{\"id\":\"" VID(S0, "rg", "kv") "\","
                                       "\"resourceGroup\":{}}]",
     0, false, KVA_ERR_SCHEMA, 1, 2,
     "[0].resourceGroup: expected a string, found an object"},
    {"wrong tags", "[{\"id\":\"" VID(S0, "rg", "kv") "\",\"tags\":[1]}]", 0,
     false, KVA_ERR_SCHEMA, 1, 2,
     "[0].tags: expected an object, found an array"},
    {"wrong enablementTime", "{\"data\":[" PREC("\"enablementTime\":17e8") "]}",
     0, false, KVA_ERR_SCHEMA, 1, 10,
     "data[0].properties.enablementTime: expected a string, found a number"},
    {"wrong trial", "[" PREC("\"freeTrialRemainingTime\":60") "]", 0, false,
     KVA_ERR_SCHEMA, 1, 2,
     "[0].properties.freeTrialRemainingTime: expected a string, found a "
     "number"},
    {"bad duration", PREC("\"freeTrialRemainingTime\":\"30 days\""), 0, false,
     KVA_ERR_SCHEMA, 1, 1,
     "properties.freeTrialRemainingTime: not a duration: \"30 days\""},
    {"bad time", "[\n" PREC("\"enablementTime\":\"2024-02-30T00:00:00Z\"") "]",
     0, false, KVA_ERR_SCHEMA, 2, 1,
     "[0].properties.enablementTime: not a time: \"2024-02-30T00:00:00Z\""},
    {"long bad time cut",
     PREC("\"enablementTime\":\"2024-01-01T00:00:00Z "
          "and then a great deal of text that nobody "
          "needs to see in full\""),
     0, false, KVA_ERR_SCHEMA, 1, 1,
     "properties.enablementTime: not a time: \"2024-01-01T00:00:00Z and then "
     "a great deal of text that nobo...\""},
    {"timespan without ticks",
     "[{\"Id\":\"" PID(S0,
                       "KeyVaults") "\","
                                    "\"PricingTier\":\"Free\","
                                    "\"FreeTrialRemainingTime\":{\"Days\":1}}]",
     0, false, KVA_ERR_SCHEMA, 1, 2,
     "[0].FreeTrialRemainingTime: a TimeSpan object without a usable "
     "\"Ticks\" or \"TotalSeconds\""},
    {"bad deprecated", PREC("\"deprecated\":\"maybe\""), 0, false,
     KVA_ERR_SCHEMA, 1, 1,
     "properties.deprecated: expected true or false, found \"maybe\""},
    {"wrong mgmt chain",
     "[{\"id\":\"/subscriptions/" S0 "\",\"type\":"
     "\"microsoft.resources/subscriptions\",\"properties\":"
     "{\"managementGroupAncestorsChain\":[{\"name\":\"a\"},"
     "\"b\"]}}]",
     0, false, KVA_ERR_SCHEMA, 1, 2,
     "[0].properties.managementGroupAncestorsChain[1]: expected an object, "
     "found a string"},
    {"wrong mgmt name",
     "[{\"id\":\"/subscriptions/" S0 "\",\"type\":"
     "\"microsoft.resources/subscriptions\",\"properties\":"
     "{\"managementGroupAncestorsChain\":[{\"name\":1}]}}]",
     0, false, KVA_ERR_SCHEMA, 1, 2,
     "[0].properties.managementGroupAncestorsChain[0].name: expected a "
     "string, found a number"},
    /* exceptions register */
    {"exceptions missing owner",
     "{\"schema\": \"kvaudit.exceptions/1\", \"exceptions\": [\n"
     "  {\"subscription_id\": \"" S0 "\", \"reason\": \"r\", \"owner\": \"o\","
     " \"expires\": \"2030-01-01\"},\n"
     "  {\"subscription_id\": \"" SA "\", \"reason\": \"r\", \"owner\": \"o\","
     " \"expires\": \"2030-01-01\"},\n"
     "  {\"subscription_id\": \"" S1 "\", \"reason\": \"r\","
     " \"expires\": \"2030-01-01\"}]}",
     0, false, KVA_ERR_SCHEMA, 4, 3, "exceptions[2]: missing \"owner\""},
    {"exceptions null reason",
     "{\"schema\":\"kvaudit.exceptions/"
     "1\",\"exceptions\":[{\"subscription_id\":"
     "\"x\",\"reason\":null,\"owner\":\"o\",\"expires\":\"2030-01-01\"}]}",
     0, false, KVA_ERR_SCHEMA, 1, 48, "exceptions[0]: missing \"reason\""},
    {"exceptions missing subscription",
     "{\"schema\":\"kvaudit.exceptions/1\",\"exceptions\":[{}]}", 0, false,
     KVA_ERR_SCHEMA, 1, 48, "exceptions[0]: missing \"subscription_id\""},
    {"exceptions missing expires",
     "{\"schema\":\"kvaudit.exceptions/"
     "1\",\"exceptions\":[{\"subscription_id\":"
     "\"x\",\"reason\":\"r\",\"owner\":\"o\"}]}",
     0, false, KVA_ERR_SCHEMA, 1, 48, "exceptions[0]: missing \"expires\""},
    {"exceptions wrong type",
     "{\"schema\":\"kvaudit.exceptions/"
     "1\",\"exceptions\":[{\"subscription_id\":"
     "\"x\",\"reason\":5,\"owner\":\"o\",\"expires\":\"2030-01-01\"}]}",
     0, false, KVA_ERR_SCHEMA, 1, 48,
     "exceptions[0].reason: expected a string, found a number"},
    {"exceptions empty owner",
     "{\"schema\":\"kvaudit.exceptions/"
     "1\",\"exceptions\":[{\"subscription_id\":"
     "\"x\",\"reason\":\"r\",\"owner\":\"\",\"expires\":\"2030-01-01\"}]}",
     0, false, KVA_ERR_SCHEMA, 1, 48, "exceptions[0].owner: must not be empty"},
    {"exceptions wrong ticket",
     "{\"schema\":\"kvaudit.exceptions/"
     "1\",\"exceptions\":[{\"subscription_id\":"
     "\"x\",\"reason\":\"r\",\"owner\":\"o\",\"expires\":\"2030-01-01\","
     "\"ticket\":12}]}",
     0, false, KVA_ERR_SCHEMA, 1, 48,
     "exceptions[0].ticket: expected a string, found a number"},
    {"exceptions bad date",
     "{\"schema\":\"kvaudit.exceptions/"
     "1\",\"exceptions\":[{\"subscription_id\":"
     "\"x\",\"reason\":\"r\",\"owner\":\"o\",\"expires\":\"2030-02-30\"}]}",
     0, false, KVA_ERR_SCHEMA, 1, 48,
     "exceptions[0].expires: not a date (YYYY-MM-DD): \"2030-02-30\""},
    {"exceptions time not date",
     "{\"schema\":\"kvaudit.exceptions/"
     "1\",\"exceptions\":[{\"subscription_id\":"
     "\"x\",\"reason\":\"r\",\"owner\":\"o\",\"expires\":"
     "\"2030-01-01T00:00:00Z\"}]}",
     0, false, KVA_ERR_SCHEMA, 1, 48,
     "exceptions[0].expires: not a date (YYYY-MM-DD): "
     "\"2030-01-01T00:00:00Z\""},
    {"exceptions entry not an object",
     "{\"schema\":\"kvaudit.exceptions/1\",\"exceptions\":[\"x\"]}", 0, false,
     KVA_ERR_SCHEMA, 1, 48,
     "exceptions[0]: expected an object, found a string"},
    {"exceptions not an array",
     "{\"schema\":\"kvaudit.exceptions/1\",\"exceptions\":{}}", 0, false,
     KVA_ERR_SCHEMA, 1, 47, "exceptions: expected an array, found an object"},
    {"exceptions member missing", "{\"schema\":\"kvaudit.exceptions/1\"}", 0,
     false, KVA_ERR_SCHEMA, 1, 1, "missing \"exceptions\""},
    {"exceptions version",
     "{\n  \"schema\": \"kvaudit.exceptions/2\",\n  \"exceptions\": []\n}", 0,
     false, KVA_ERR_SCHEMA, 2, 13,
     "unsupported exceptions schema 'kvaudit.exceptions/2'"},
    {"explicit not a register", "{\"value\":[" PSTD "]}", 0, true,
     KVA_ERR_SCHEMA, 0, 0,
     "not an exceptions register (expected \"schema\": "
     "\"kvaudit.exceptions/1\")"},
    {"explicit report", "{\"schema\":\"kvaudit.report/1\"}", 0, true,
     KVA_ERR_SCHEMA, 0, 0,
     "not an exceptions register (expected \"schema\": "
     "\"kvaudit.exceptions/1\")"},
    {"explicit array", "[]", 0, true, KVA_ERR_SCHEMA, 0, 0,
     "not an exceptions register (expected \"schema\": "
     "\"kvaudit.exceptions/1\")"},
};

static void test_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof error_cases / sizeof error_cases[0]; i++) {
        const error_case *c = &error_cases[i];
        size_t len = c->len ? c->len : strlen(c->data);
        const char *path = tmp_file("e.json", c->data, len);
        kva_model *m = kva_model_new();
        kva_diag d = {0};
        kva_error e = kva_read_file(path, c->explicit_exceptions, m, &d);

        if (e != c->code || !d.message || strcmp(d.message, c->message) != 0 ||
            d.line != c->line || d.col != c->col)
            fail_msg("%s: got %d %u:%u \"%s\", want %d %u:%u \"%s\"", c->name,
                     e, (unsigned)d.line, (unsigned)d.col,
                     d.message ? d.message : "(null)", c->code,
                     (unsigned)c->line, (unsigned)c->col, c->message);
        assert_string_equal(d.path, path);
        kva_diag_clear(&d);
        kva_model_free(m);
    }
}

/* 512 levels are fine (and hold no record). */
static void test_depth_512(void **state)
{
    char json[1025];
    kva_model *m;
    (void)state;

    memset(json, '[', 512);
    memset(json + 512, ']', 512);
    json[1024] = '\0';
    m = read_json(json);
    assert_int_equal(m->inputs[0].kind, KVA_KIND_UNKNOWN);
    expect_warning(m, "record_skipped", 1, 2, "[0] is an array, not an object");
    kva_model_free(m);
}

static void test_io_errors(void **state)
{
    kva_model *m = kva_model_new();
    kva_diag d = {0};
    char path[4200], link[4200];
    int fd;
    (void)state;

    /* missing */
    snprintf(path, sizeof path, "%s/nosuch.json", g_dir);
    assert_int_equal(kva_read_file(path, false, m, &d), KVA_ERR_IO);
    assert_string_equal(d.message, "No such file or directory");
    assert_string_equal(d.path, path);
    assert_int_equal(d.line, 0);

    /* a directory, a FIFO (which must not block), a looping link */
    assert_int_equal(kva_read_file(g_dir, false, m, &d), KVA_ERR_IO);
    assert_string_equal(d.message, "not a regular file");
    snprintf(path, sizeof path, "%s/fifo.json", g_dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_int_equal(kva_read_file(path, false, m, &d), KVA_ERR_IO);
    assert_string_equal(d.message, "not a regular file");
    assert_string_equal(d.path, path);
    assert_int_equal(kva_read_file("/dev/null", false, m, &d), KVA_ERR_IO);
    assert_string_equal(d.message, "not a regular file");
    snprintf(link, sizeof link, "%s/loop.json", g_dir);
    assert_int_equal(symlink("loop.json", link), 0);
    assert_int_equal(kva_read_file(link, false, m, &d), KVA_ERR_IO);
    assert_string_equal(d.message, strerror(ELOOP));

    /* over 1 GiB: refused from its size, without reading (sparse file) */
    snprintf(path, sizeof path, "%s/huge.json", g_dir);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)KVA_MAX_FILE_SIZE + 1), 0);
    close(fd);
    assert_int_equal(kva_read_file(path, false, m, &d), KVA_ERR_TOO_LARGE);
    assert_string_equal(d.message, "file is larger than 1 GiB");
    assert_string_equal(d.path, path);
    assert_int_equal(unlink(path), 0);

    assert_int_equal(m->n_inputs, 0);
    kva_diag_clear(&d);
    kva_model_free(m);
}

static void test_unknown(void **state)
{
    static const char *cases[] = {
        "{\"foo\":1}",
        "[]",
        "{\"value\":[]}",
        "42",
        "\"text\"",
        "null",
        "{\"data\":[{\"type\":\"microsoft.storage/storageaccounts\","
        "\"id\":\"/subscriptions/" S0 "/resourceGroups/r/providers/"
        "Microsoft.Storage/storageAccounts/s\"}]}",
        "{\"schema\":\"something/else\"}",
        "{\"id\":\"/tenants/" S0 "\",\"tenantId\":\"" S0 "\"}",
        /* Entra ID objects have bare GUID ids too: az ad group list,
         * az ad user list, az ad sp list (Microsoft Graph shapes) */
        "[\n  {\n    \"classification\": null,\n    \"deletedDateTime\": null,"
        "\n    \"description\": null,\n    \"displayName\": \"kv-owners\",\n"
        "    \"groupTypes\": [],\n    \"id\": \"5b2c0d1e-7a8f-4c3d-9e1f-"
        "0a1b2c3d4e5f\",\n    \"mail\": null,\n    \"mailEnabled\": false,\n"
        "    \"mailNickname\": \"kv-owners\",\n    \"securityEnabled\": true,\n"
        "    \"visibility\": null\n  }\n]\n",
        "[\n  {\n    \"businessPhones\": [],\n    \"displayName\": \"Alice\",\n"
        "    \"givenName\": null,\n    \"id\": \"" SA "\",\n"
        "    \"jobTitle\": null,\n    \"mail\": null,\n    \"mobilePhone\": "
        "null,\n    \"officeLocation\": null,\n    \"preferredLanguage\": "
        "null,\n    \"surname\": null,\n    \"userPrincipalName\": "
        "\"alice@contoso.com\"\n  }\n]\n",
        "[\n  {\n    \"accountEnabled\": true,\n    \"appDisplayName\": "
        "\"kv-rotator\",\n    \"appId\": \"" S1 "\",\n"
        "    \"appOwnerOrganizationId\": \"" T9 "\",\n    \"displayName\": "
        "\"kv-rotator\",\n    \"id\": \"" S0 "\",\n"
        "    \"servicePrincipalNames\": [\"" S1 "\"],\n"
        "    \"servicePrincipalType\": \"Application\",\n"
        "    \"signInAudience\": \"AzureADMyOrg\",\n    \"tags\": "
        "[\"WindowsAzureActiveDirectoryIntegratedApp\"]\n  }\n]\n",
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kva_model *m = read_json(cases[i]);
        assert_int_equal(m->n_subs, 0);
        assert_int_equal(m->inputs[0].kind, KVA_KIND_UNKNOWN);
        assert_int_equal(m->inputs[0].records, 0);
        assert_int_equal(m->n_warnings, 1);
        expect_warning(m, "unknown_input", 0, 0,
                       "no record of a known kind (pricings, subscriptions, "
                       "key vaults, exceptions)");
        kva_model_free(m);
    }
}

static void test_report_kind(void **state)
{
    kva_model *m = read_json(
        "{\"schema\":\"kvaudit.report/1\",\"subscriptions\":[{\"id\":\"" S0
        "\",\"name\":\"P\",\"state\":\"Enabled\"}],\"inputs\":[]}");
    (void)state;

    assert_int_equal(m->inputs[0].kind, KVA_KIND_REPORT);
    assert_int_equal(m->inputs[0].records, 0);
    assert_int_equal(m->n_subs, 0);
    assert_int_equal(m->n_warnings, 0);
    kva_model_free(m);
}

static void test_exceptions_register(void **state)
{
    static const char json[] =
        "{\"schema\": \"kvaudit.exceptions/1\",\n"
        " \"exceptions\": [\n"
        "  {\"subscription_id\": \"AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE\","
        " \"reason\": \"Migration\", \"owner\": \"Zoë Ødegård\","
        " \"expires\": \"2026-12-31\", \"ticket\": \"SEC-1\"},\n"
        "  {\"Subscription_ID\": \"Not-A-Guid\", \"Reason\": \"r\","
        " \"Owner\": \"o\", \"Expires\": \"2024-02-29\", \"ticket\": null}\n"
        " ]}\n";
    kva_model *m;
    const char *path = tmp_file("exc.json", json, sizeof json - 1);
    (void)state;

    for (int explicit_exc = 0; explicit_exc < 2; explicit_exc++) {
        m = read_path(path, explicit_exc);
        assert_int_equal(m->inputs[0].kind, KVA_KIND_EXCEPTIONS);
        assert_int_equal(m->inputs[0].records, 2);
        assert_int_equal(m->n_exceptions, 2);
        assert_string_equal(m->exceptions[0].sub_id, SA);
        assert_string_equal(m->exceptions[0].reason, "Migration");
        assert_string_equal(m->exceptions[0].owner, "Zoë Ødegård");
        assert_string_equal(m->exceptions[0].expires, "2026-12-31");
        assert_int_equal(m->exceptions[0].expires_day, 1798675200);
        assert_string_equal(m->exceptions[0].ticket, "SEC-1");
        assert_int_equal(m->exceptions[0].line, 3);
        assert_int_equal(m->exceptions[0].col, 3);
        assert_string_equal(m->exceptions[1].sub_id, "Not-A-Guid");
        assert_null(m->exceptions[1].ticket);
        assert_int_equal(m->exceptions[1].expires_day, 1709164800);
        assert_int_equal(m->exceptions[1].line, 4);
        /* an exception names no subscription into the model */
        assert_int_equal(m->n_subs, 0);
        assert_int_equal(m->n_warnings, 0);
        kva_model_free(m);
    }
}

static void test_record_skipped(void **state)
{
    static const struct {
        const char *json;
        uint32_t line, col;
        const char *message;
    } cases[] = {
        {"{\"value\":[" PSTD ",\n \"KeyVaults\"]}", 2, 2,
         "value[1] is a string, not an object"},
        {"{\"value\":[" PSTD ",\n null]}", 2, 2,
         "value[1] is null, not an object"},
        {"[" PSTD ", 5, true, [" PSTD "]]", 1, 0, NULL},
        {"[{\"type\":\"Microsoft.Security/pricings\",\"id\":\"/"
         "subscriptions/" S0 "/../" SA
         "/providers/Microsoft.Security/pricings/KeyVaults\"}]",
         1, 2,
         "[0]: id \"/subscriptions/00000000-1111-2222-3333-444444444444/../aa"
         "aaa...\" contains a '.' or '..' segment; record skipped"},
        {"[{\"type\":\"Microsoft.Security/pricings\",\"id\":\"/subscriptions//"
         "providers/Microsoft.Security/pricings/KeyVaults\"}]",
         1, 2,
         "[0]: id \"/subscriptions//providers/Microsoft.Security/pricings/"
         "KeyVau...\" contains an empty segment ('//' or a trailing '/'); "
         "record skipped"},
        {"[{\"id\":\"/subscriptions/" S0
         "/providers/Microsoft.Security/pricings/KeyVaults/\"}]",
         1, 2,
         "[0]: id \"/subscriptions/00000000-1111-2222-3333-444444444444/provid"
         "er...\" contains an empty segment ('//' or a trailing '/'); record "
         "skipped"},
        {"[{\"id\":\"/subscriptions/prod/providers/Microsoft.Security/"
         "pricings/KeyVaults\"}]",
         1, 2,
         "[0]: id \"/subscriptions/prod/providers/Microsoft.Security/pricings/"
         "Ke...\" names a subscription that is not a GUID; record "
         "skipped"},
        {"[{\"id\":\"/providers/Microsoft.Security/pricings/KeyVaults\"}]", 1,
         2,
         "[0]: id \"/providers/Microsoft.Security/pricings/KeyVaults\" does "
         "not start with /subscriptions/; record skipped"},
        {"[{\"id\":\"/subscriptions/" S0 "/foo/providers/Microsoft.Security/"
         "pricings/KeyVaults\"}]",
         1, 2,
         "[0]: id \"/subscriptions/00000000-1111-2222-3333-444444444444/foo/p"
         "rov...\" names no subscription, resource group or resource scope; "
         "record skipped"},
        {"[{\"type\":\"Microsoft.Security/pricings\",\"name\":\"KeyVaults\","
         "\"pricingTier\":\"Free\"}]",
         1, 2,
         "[0]: no subscription: neither \"id\" nor \"subscriptionId\" is "
         "given; record skipped"},
        {"[{\"type\":\"Microsoft.Security/pricings\",\"name\":\"KeyVaults\","
         "\"subscriptionId\":\"prod\"}]",
         1, 2, "[0]: subscriptionId \"prod\" is not a GUID; record skipped"},
        {"[{\"type\":\"Microsoft.Security/pricings\",\"subscriptionId\":\"" S0
         "\"}]",
         1, 2,
         "[0]: no plan: neither \"name\" nor \"id\" is given; record skipped"},
        {"[{\"type\":\"Microsoft.KeyVault/vaults\",\"name\":\"kv\"}]", 1, 2,
         "[0]: a key vault without an \"id\"; record skipped"},
        {"[{\"type\":\"Microsoft.KeyVault/vaults\",\"id\":\"/subscriptions/x/"
         "resourceGroups/r/providers/Microsoft.KeyVault/vaults/kv\"}]",
         1, 2,
         "[0]: id \"/subscriptions/x/resourceGroups/r/providers/Microsoft.Key"
         "Vau...\" names a subscription that is not a GUID; record skipped"},
        {"[{\"type\":\"Microsoft.KeyVault/vaults\",\"id\":\"/resourceGroups/r/"
         "providers/Microsoft.KeyVault/vaults/kv\"}]",
         1, 2,
         "[0]: no subscription: the id names none and \"subscriptionId\" is "
         "absent; record skipped"},
        {"[{\"type\":\"Microsoft.KeyVault/vaults\",\"id\":\"/resourceGroups/r/"
         "providers/Microsoft.KeyVault/vaults/kv\",\"subscriptionId\":\"x\"}]",
         1, 2, "[0]: subscriptionId \"x\" is not a GUID; record skipped"},
        {"[{\"type\":\"Microsoft.Resources/subscriptions\",\"name\":\"P\"}]", 1,
         2,
         "[0]: no subscription id: neither \"subscriptionId\" nor \"id\" is "
         "given; record skipped"},
        {"[{\"type\":\"Microsoft.Resources/subscriptions\",\"id\":"
         "\"/subscriptions/prod\"}]",
         1, 2,
         "[0]: id \"/subscriptions/prod\" is not a subscription GUID; "
         "record skipped"},
    };
    (void)state;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kva_model *m = read_json(cases[i].json);
        if (!cases[i].message) {
            /* "[P, 5, true, [P]]": three elements skipped, one read */
            assert_int_equal(count_warnings(m, "record_skipped"), 3);
            assert_string_equal(m->warnings[0].message,
                                "[1] is a number, not an object");
            assert_string_equal(m->warnings[1].message,
                                "[2] is a boolean, not an object");
            assert_string_equal(m->warnings[2].message,
                                "[3] is an array, not an object");
            assert_int_equal(m->n_pricings, 1);
            kva_model_free(m);
            continue;
        }
        expect_warning(m, "record_skipped", cases[i].line, cases[i].col,
                       cases[i].message);
        assert_int_equal(count_warnings(m, "record_skipped"), 1);
        kva_model_free(m);
    }
}

static void test_id_mismatch(void **state)
{
    kva_model *m;
    (void)state;

    m = read_json(
        "[{\"id\":\"" PID(S0, "KeyVaults") "\",\"name\":\"KeyVaults\","
                                           "\"subscriptionId\":\"" SA
                                           "\",\"pricingTier\":\"Free\"}]");
    assert_int_equal(m->n_pricings, 1);
    assert_string_equal(m->pricings[0].sub_id, S0);
    expect_warning(m, "id_mismatch", 1, 2,
                   "subscriptionId \"" SA "\" differs from the subscription "
                   "in the id (" S0 "); the id's is used");
    assert_string_equal(warning(m, "id_mismatch")->sub_id, S0);
    assert_null(kva_model_find_sub(m, SA));
    kva_model_free(m);

    /* same GUID in another case: no mismatch */
    m = read_json("[{\"id\":\"" PID(
        "00000000-1111-2222-3333-44444444444A",
        "KeyVaults") "\",\"subscriptionId\":\"00000000-1111-2222-3333-"
                     "44444444444a\",\"pricingTier\":\"Free\"}]");
    assert_int_equal(m->n_warnings, 0);
    assert_string_equal(m->pricings[0].sub_id,
                        "00000000-1111-2222-3333-44444444444a");
    assert_string_equal(m->pricings[0].plan, "KeyVaults");
    kva_model_free(m);

    /* name and id disagree on the plan */
    m = read_json("[{\"id\":\"" PID(
        S0,
        "VirtualMachines") "\","
                           "\"name\":\"KeyVaults\",\"pricingTier\":\"Free\"}]");
    assert_string_equal(m->pricings[0].plan, "VirtualMachines");
    expect_warning(m, "id_mismatch", 1, 2,
                   "name \"KeyVaults\" differs from the plan in the id "
                   "(VirtualMachines); the id's is used");
    kva_model_free(m);
    /* ... the other way round: the id makes it the control's plan */
    m = read_json("{\"value\":[{\"id\":\"" PID(
        S0, "keyVaults") "\",\"name\":\"VirtualMachines\",\"properties\":"
                         "{\"pricingTier\":\"Standard\"}}]}");
    assert_string_equal(m->pricings[0].plan, "keyVaults");
    expect_warning(m, "id_mismatch", 1, 11,
                   "name \"VirtualMachines\" differs from the plan in the id "
                   "(keyVaults); the id's is used");
    /* a name that differs only in case is no mismatch */
    kva_model_free(m);
    m = read_json("[{\"id\":\"" PID(S0, "KeyVaults") "\",\"name\":"
                  "\"keyvaults\",\"pricingTier\":\"Free\"}]");
    assert_int_equal(m->n_warnings, 0);
    assert_string_equal(m->pricings[0].plan, "KeyVaults");
    kva_model_free(m);

    /* vaults and subscriptions */
    m = read_json(
        "[{\"id\":\"" VID(S0, "rg", "kv") "\",\"subscriptionId\":\"" SA
                                          "\"},{\"id\":\"/subscriptions/" S0
                                          "\",\"subscriptionId\":\"" S1
                                          "\",\"displayName\":\"P\"}]");
    assert_int_equal(count_warnings(m, "id_mismatch"), 2);
    assert_string_equal(m->vaults[0].sub_id, S0);
    assert_non_null(kva_model_find_sub(m, S0));
    assert_null(kva_model_find_sub(m, S1));
    assert_null(kva_model_find_sub(m, SA));
    kva_model_free(m);
}

static void test_duplicate_keys(void **state)
{
    kva_model *m;
    (void)state;

    /* disagreeing values: first used, warned */
    m = read_json("{\"value\":[\n  {\"id\":\"" PID(
        S0, "KeyVaults") "\","
                         "\"type\":\"Microsoft.Security/pricings\","
                         "\"properties\":{\"pricingTier\":\"Standard\","
                         "\"PricingTier\":\"Free\"}}]}");
    assert_string_equal(m->pricings[0].tier, "Standard");
    expect_warning(m, "duplicate_key", 2, 3,
                   "duplicate key \"pricingTier\" in value[0].properties with "
                   "different values; the first is used");
    kva_model_free(m);

    /* at the record's top, in a bare object; deep inside arrays */
    m = read_json("{\"id\":\"" PID(
        S0, "KeyVaults") "\",\"pricingTier\":"
                         "\"Free\",\"extensions\":[{\"a\":1},{\"x\":{\"b\":[1],"
                         "\"b\":[2]}}],\"id\":\"other\"}");
    assert_string_equal(m->pricings[0].tier, "Free");
    assert_int_equal(count_warnings(m, "duplicate_key"), 2);
    assert_string_equal(m->warnings[0].message,
                        "duplicate key \"id\" in the record with different "
                        "values; the first is used");
    assert_string_equal(m->warnings[1].message,
                        "duplicate key \"b\" in extensions[1].x with "
                        "different values; the first is used");
    kva_model_free(m);

    /* agreeing duplicates say nothing */
    m = read_json("[{\"id\":\"" PID(
        S0,
        "KeyVaults") "\",\"pricingTier\":"
                     "\"Free\",\"pricingTier\":\"Free\",\"o\":{\"k\":[1,{}]},"
                     "\"o\":{\"k\":[1,{}]},\"n\":1,\"n\":1.0}]");
    assert_int_equal(m->n_warnings, 0);
    kva_model_free(m);

    /* tags: first value kept, one tag */
    m = read_json("[{\"id\":\"" VID(
        S0, "rg",
        "kv") "\",\"tags\":{\"env\":"
              "\"prod\",\"Env\":\"dev\",\"b\":null,\"n\":12,\"t\":true,"
              "\"o\":{\"x\":1}}}]");
    expect_tags(&m->vaults[0].tags, "env=prod;b=~;n=12;t=true;o={\"x\":1}");
    assert_int_equal(count_warnings(m, "duplicate_key"), 1);
    kva_model_free(m);

    /* a record of another kind is not looked at */
    m = read_json("[" PSTD ",{\"type\":\"microsoft.storage/storageaccounts\","
                  "\"name\":\"a\",\"name\":\"b\"}]");
    assert_int_equal(m->n_warnings, 0);
    kva_model_free(m);

    /* the wrapper object */
    m = read_json("{\"value\":[" PSTD "],\n \"value\":[]}");
    assert_int_equal(m->n_pricings, 1);
    expect_warning(m, "duplicate_key", 2, 2,
                   "duplicate key \"value\" in the top-level object with "
                   "different values; the first is used");
    kva_model_free(m);
    m = read_json("{\"value\":[" PSTD "],\"value\":[" PSTD "]}");
    assert_int_equal(m->n_warnings, 0);
    kva_model_free(m);
}

static void test_long_text(void **state)
{
    size_t n = 40000;
    const char *pre = "[{\"id\":\"" VID(S0, "rg", "kv") "\",\"location\":\"";
    const char *post = "\"}]";
    char *json = malloc(strlen(pre) + n + strlen(post) + 1);
    kva_model *m;
    (void)state;

    assert_non_null(json);
    strcpy(json, pre);
    memset(json + strlen(pre), 'x', n);
    strcpy(json + strlen(pre) + n, post);
    m = read_json(json);
    assert_int_equal(strlen(m->vaults[0].location), n);
    expect_warning(m, "long_text", 1, 2,
                   "[0].location: text of 40000 bytes is longer than a "
                   "spreadsheet cell holds (32,767 bytes); kept whole");
    kva_model_free(m);
    free(json);

    /* exactly 32,767 bytes fits */
    n = 32767;
    json = malloc(strlen(pre) + n + strlen(post) + 1);
    assert_non_null(json);
    strcpy(json, pre);
    memset(json + strlen(pre), 'x', n);
    strcpy(json + strlen(pre) + n, post);
    m = read_json(json);
    assert_int_equal(m->n_warnings, 0);
    kva_model_free(m);
    free(json);
}

static void test_tags_unreadable(void **state)
{
    kva_model *m =
        read_json("[{\"Id\":\"/subscriptions/" S0 "\",\"Name\":\"P\","
                  "\"Tags\":\"System.Collections.Hashtable\"}]");
    (void)state;

    assert_int_equal(m->n_subs, 1);
    assert_int_equal(m->subs[0].tags.n, 0);
    expect_warning(m, "tags_unreadable", 1, 2,
                   "[0].Tags is the string \"System.Collections.Hashtable\", "
                   "not an object; no tags read from this record");
    kva_model_free(m);
}

/*
 * Wrappers that say records are missing: one partial_dump warning at the
 * first marker, the report stays complete (the other pages may be other
 * files).
 */
#define KV1 "{\"id\":\"" VID(S0, "rg", "kv1") "\",\"type\":\"microsoft.keyvault/vaults\"}"
#define KV2 "{\"id\":\"" VID(S0, "rg", "kv2") "\",\"type\":\"microsoft.keyvault/vaults\"}"

static void test_partial_dump(void **state)
{
    static const struct {
        const char *json;
        const char *message; /* NULL: no warning */
    } cases[] = {
        /* az graph query, first page of many */
        {"{\"count\":1,\"data\":[" KV1 "],\"skip_token\":\"ew0KICAiJGlkIjogIjEiDQp9\","
         "\"total_records\":25000}",
         "this file holds 1 of 25000 records (skip_token set): export "
            "every page into PATH"},
        /* REST list with a next page */
        {"{\"value\":[" KV1 "],\"nextLink\":\"https://management.azure.com/"
         "x?$skiptoken=x\"}",
         "this file holds 1 record and more exist (nextLink set): export "
            "every page into PATH"},
        /* raw Resource Graph REST body */
        {"{\"totalRecords\":3,\"count\":2,\"data\":[" KV1 "," KV2 "],"
         "\"facets\":[],\"resultTruncated\":\"true\",\"$skipToken\":null}",
         "this file holds 2 of 3 records (resultTruncated is true): export "
            "every page into PATH"},
        {"{\"data\":[" KV1 "," KV2 "],\"resultTruncated\":true}",
         "this file holds 2 records and more exist (resultTruncated is "
         "true): export every page into PATH"},
        {"{\"data\":[" KV1 "],\"$skipToken\":\"x\"}",
         "this file holds 1 record and more exist ($skipToken set): export "
         "every page into PATH"},
        /* Search-AzGraph | ConvertTo-Json */
        {"{\"Data\":[" KV1 "],\"SkipToken\":\"x\",\"Count\":1}",
         "this file holds 1 record and more exist (skipToken set): export "
         "every page into PATH"},
        /* a total alone */
        {"{\"count\":2,\"data\":[" KV1 "," KV2 "],\"skip_token\":null,"
         "\"total_records\":5}",
         "this file holds 2 of 5 records (total_records is 5): export "
            "every page into PATH"},
        {"{\"totalRecords\":1e3,\"data\":[" KV1 "]}",
         "this file holds 1 of 1000 records (totalRecords is 1000): export "
         "every page into PATH"},
        /* several markers: all named, the first one's position */
        {"{\"value\":[" KV1 "],\"resultTruncated\":\"True\",\"nextLink\":\"n\","
         "\"skip_token\":\"t\"}",
         "this file holds 1 record and more exist (skip_token set, "
            "nextLink set, resultTruncated is true): export every page "
            "into PATH"},
        /* complete dumps */
        {"{\"count\":1,\"data\":[" KV1 "],\"skip_token\":null,"
         "\"total_records\":1}",
         NULL},
        {"{\"totalRecords\":2,\"count\":2,\"data\":[" KV1 "," KV2 "],"
         "\"facets\":[],\"resultTruncated\":\"false\",\"$skipToken\":\"\"}",
         NULL},
        {"{\"value\":[" KV1 "],\"nextLink\":null}", NULL},
        {"{\"data\":[" KV1 "],\"resultTruncated\":false,\"skip_token\":false}",
         NULL},
        /* a total that is not a number says nothing */
        {"{\"data\":[" KV1 "],\"total_records\":\"9\"}", NULL},
        /* a bare array carries no paging */
        {"[" KV1 "]", NULL},
    };
    (void)state;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kva_model *m = read_json(cases[i].json);

        assert_int_equal(m->n_vaults, strstr(cases[i].json, "kv2") ? 2 : 1);
        assert_true(m->complete);
        if (!cases[i].message) {
            if (m->n_warnings)
                fail_msg("case %zu: unexpected %s: %s", i,
                         m->warnings[0].code, m->warnings[0].message);
        } else {
            const kva_warning *w = warning(m, "partial_dump");
            assert_int_equal(m->n_warnings, 1);
            assert_string_equal(w->message, cases[i].message);
            assert_null(w->sub_id);
            assert_int_equal(w->line, 1);
            assert_true(w->col > 1);
        }
        kva_model_free(m);
    }

    /* the position is that of the first marker in the file */
    {
        static const char json[] =
            "{\n  \"data\": [" KV1 "],\n  \"skip_token\": \"t\",\n"
            "  \"total_records\": 9\n}\n";
        kva_model *m = read_json(json);
        expect_warning(m, "partial_dump", 3, 3,
                       "this file holds 1 of 9 records (skip_token set): "
                       "export every page into PATH");
        kva_model_free(m);
    }
}

/* `inherited`: a boolean or "True"/"False"; null or absent is -1. */
static void test_inherited(void **state)
{
    static const struct {
        const char *value; /* JSON text, NULL: no member */
        int want;
    } cases[] = {
        {"\"True\"", 1}, {"\"true\"", 1},  {"true", 1},  {"\"False\"", 0},
        {"false", 0},    {"null", -1},      {NULL, -1},
    };
    kva_model *m;
    kva_diag d = {0};
    char json[1024];
    (void)state;

    m = read_path(fx("rest_pricings_list_resource_scope_2024-01-01.json"),
                  false);
    assert_int_equal(m->pricings[0].inherited, 1);
    assert_int_equal(m->pricings[1].inherited, 0);
    kva_model_free(m);
    m = read_path(fx("rest_pricings_list_2024-01-01.json"), false);
    for (size_t i = 0; i < m->n_pricings; i++)
        assert_int_equal(m->pricings[i].inherited, -1);
    kva_model_free(m);

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(json, sizeof json,
                 "{\"value\":[{\"id\":\"%s/providers/Microsoft.Security/"
                 "pricings/KeyVaults\",\"properties\":{\"pricingTier\":"
                 "\"Free\"%s%s}}]}",
                 VID(S0, "rg", "kv"), cases[i].value ? ",\"inherited\":" : "",
                 cases[i].value ? cases[i].value : "");
        m = read_json(json);
        assert_int_equal(m->pricings[0].scope, RES);
        if (m->pricings[0].inherited != cases[i].want)
            fail_msg("%s: inherited %d, want %d",
                     cases[i].value ? cases[i].value : "(absent)",
                     m->pricings[0].inherited, cases[i].want);
        kva_model_free(m);
    }

    /* anything else is an input error */
    m = kva_model_new();
    assert_int_equal(
        kva_read_file(tmp_file("i.json", "[" PREC("\"inherited\":\"yes\"") "]",
                               strlen("[" PREC("\"inherited\":\"yes\"") "]")),
                      false, m, &d),
        KVA_ERR_SCHEMA);
    assert_string_equal(d.message, "[0].properties.inherited: expected true "
                                   "or false, found \"yes\"");
    kva_diag_clear(&d);
    kva_model_free(m);
}

/* Shapes the fixtures do not show. */
static void test_field_forms(void **state)
{
    kva_model *m;
    (void)state;

    /* PowerShell 5.1 DateTime, TimeSpan with only TotalSeconds, a negative
     * time left, "True"/"False" strings */
    m = read_json("[{\"Id\":\"" PID(
        S0, "KeyVaults") "\",\"PricingTier\":\"Standard\","
                         "\"EnablementTime\":\"\\/Date(1714637700123)\\/\","
                         "\"FreeTrialRemainingTime\":{\"TotalSeconds\":90.9},"
                         "\"Deprecated\":\"True\"},"
                         "{\"Id\":\"" PID(
                             S0,
                             "Dns") "\",\"PricingTier\":\"Free\","
                                    "\"EnablementTime\":\"/Date(-1500+0100)/\","
                                    "\"FreeTrialRemainingTime\":\"-1 day, "
                                    "23:59:00\","
                                    "\"Deprecated\":\"false\"}]");
    assert_int_equal(m->n_pricings, 2);
    assert_int_equal(m->pricings[0].enablement_time, 1714637700);
    assert_int_equal(m->pricings[0].trial_remaining_s, 90);
    assert_int_equal(m->pricings[0].deprecated, 1);
    assert_int_equal(m->pricings[1].enablement_time, -2);
    assert_int_equal(m->pricings[1].trial_remaining_s, 0);
    assert_int_equal(m->pricings[1].deprecated, 0);
    kva_model_free(m);

    /* null is absent everywhere; "" subPlan is absent, "" tier kept */
    m = read_json("{\"value\":[{\"id\":\"" PID(
        S0,
        "KeyVaults") "\","
                     "\"name\":null,\"type\":\"Microsoft.Security/pricings\","
                     "\"properties\":{\"pricingTier\":\"\",\"subPlan\":\"\","
                     "\"enablementTime\":null,\"freeTrialRemainingTime\":null,"
                     "\"deprecated\":null}}]}");
    assert_string_equal(m->pricings[0].plan, "KeyVaults");
    assert_string_equal(m->pricings[0].tier, "");
    assert_null(m->pricings[0].sub_plan);
    assert_int_equal(m->pricings[0].trial_remaining_s, NOS);
    assert_int_equal(m->pricings[0].enablement_time, UNK);
    assert_int_equal(m->pricings[0].deprecated, -1);
    kva_model_free(m);

    /* a vault-level KeyVaults pricing; subscription only in subscriptionId */
    m = read_json("[{\"id\":\"" VID(
        S0, "rg", "kv") "/providers/Microsoft.Security/pricings/KeyVaults\","
                        "\"name\":\"KeyVaults\",\"pricingTier\":\"Standard\"},"
                        "{\"type\":\"microsoft.security/pricings\","
                        "\"name\":\"KeyVaults\",\"subscriptionId\":\"" SA "\","
                        "\"pricingTier\":\"Free\"}]");
    assert_int_equal(m->pricings[0].scope, RES);
    assert_string_equal(m->pricings[0].resource_id, VID(S0, "rg", "kv"));
    assert_string_equal(m->pricings[1].sub_id, SA);
    assert_int_equal(m->pricings[1].scope, SUB);
    assert_null(m->pricings[1].resource_id);
    assert_non_null(kva_model_find_sub(m, SA));
    assert_false(kva_model_find_sub(m, SA)->from_inventory);
    assert_false(m->have_sub_inventory);
    kva_model_free(m);

    /* a subscription from subscriptionId alone; a mgmt group with only a
     * name; an upper-case tenant */
    m = read_json(
        "{\"data\":[{\"type\":\"microsoft.resources/subscriptions\","
        "\"subscriptionId\":\"" S1 "\",\"tenantId\":"
        "\"ABCDEF00-1111-2222-3333-444444444444\","
        "\"properties\":{\"managementGroupAncestorsChain\":"
        "[{\"name\":\"mg1\"},{},null,{\"displayName\":\"Root\"}]}}]}");
    assert_int_equal(m->n_subs, 1);
    assert_string_equal(m->subs[0].id, S1);
    assert_string_equal(m->subs[0].tenant_id,
                        "abcdef00-1111-2222-3333-444444444444");
    assert_int_equal(m->subs[0].n_mgmt_groups, 2);
    assert_string_equal(m->subs[0].mgmt_groups[0], "mg1");
    assert_string_equal(m->subs[0].mgmt_group_ids[0], "mg1");
    assert_string_equal(m->subs[0].mgmt_groups[1], "Root");
    assert_null(m->subs[0].mgmt_group_ids[1]);
    assert_true(m->have_sub_inventory);
    kva_model_free(m);
}

/*
 * Files read one by one into models of their own and merged in the order
 * given (the caller's sorted path order), as kvaudit does. The paths are
 * g_dir/NAME.
 */
static kva_model *merge_files(const char *const *names,
                              const char *const *texts, size_t n)
{
    kva_model *dst = kva_model_new();

    assert_non_null(dst);
    for (size_t i = 0; i < n; i++) {
        kva_model *m = read_path(
            tmp_file(names[i], texts[i], strlen(texts[i])), false);
        assert_int_equal(kva_model_merge(dst, m), KVA_OK);
        kva_model_free(m);
    }
    return dst;
}

static const char *in_dir(const char *name)
{
    static char buf[4][200];
    static int k;

    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", g_dir, name);
    return buf[k];
}

#define T1 "22222222-2222-2222-2222-222222222222"
#define T2 "33333333-3333-3333-3333-333333333333"
#define ACCOUNT(state, name, tenant)                                           \
    "[{\"id\":\"" S1 "\",\"name\":\"" name "\",\"state\":\"" state         \
    "\",\"tenantId\":\"" tenant "\"}]"
#define GRAPH_SUB(state, name, tenant)                                         \
    "{\"count\":1,\"data\":[{\"id\":\"/subscriptions/" S1 "\",\"name\":"   \
    "\"" S1 "\",\"type\":\"microsoft.resources/subscriptions\","            \
    "\"subscriptionId\":\"" S1 "\",\"tenantId\":\"" tenant "\","           \
    "\"properties\":{\"displayName\":\"" name "\",\"state\":\"" state     \
    "\"}}],\"skip_token\":null,\"total_records\":1}"

/*
 * Inventories that disagree on a subscription: a conflicting_evidence
 * warning naming both files and values. The state keeps the subscription
 * in scope unless every source puts it out, whichever file comes first;
 * name and tenant keep the first read.
 */
static void test_sub_conflicts(void **state)
{
    static const struct {
        const char *what;
        const char *names[2];
        const char *texts[2];
        const char *state, *name, *tenant;
        const char *messages[3]; /* expected warnings, %s = the two paths */
    } cases[] = {
        {"enabled first",
         {"a-accounts.json", "b-graph.json"},
         {ACCOUNT("Enabled", "Sub A", T1), GRAPH_SUB("Disabled", "Sub A", T1)},
         "Enabled", "Sub A", T1,
         {"subscription " S1 ": the inventories disagree on its state: "
          "\"Enabled\" in %s, \"Disabled\" in %s; \"Enabled\" is used (a "
          "subscription stays in scope unless every source says Disabled "
          "or Deleted)"}},
        {"disabled first",
         {"a-graph.json", "b-accounts.json"},
         {GRAPH_SUB("Disabled", "Sub A", T1), ACCOUNT("Enabled", "Sub A", T1)},
         "Enabled", "Sub A", T1,
         {"subscription " S1 ": the inventories disagree on its state: "
          "\"Disabled\" in %s, \"Enabled\" in %s; \"Enabled\" is used (a "
          "subscription stays in scope unless every source says Disabled "
          "or Deleted)"}},
        {"both out of scope",
         {"a.json", "b.json"},
         {ACCOUNT("Disabled", "Sub A", T1), GRAPH_SUB("Deleted", "Sub A", T1)},
         "Disabled", "Sub A", T1,
         {"subscription " S1 ": the inventories disagree on its state: "
          "\"Disabled\" in %s, \"Deleted\" in %s; \"Disabled\" is used (the "
          "first one read)"}},
        {"both in scope",
         {"a.json", "b.json"},
         {ACCOUNT("Warned", "Sub A", T1), GRAPH_SUB("Enabled", "Sub A", T1)},
         "Warned", "Sub A", T1,
         {"subscription " S1 ": the inventories disagree on its state: "
          "\"Warned\" in %s, \"Enabled\" in %s; \"Warned\" is used (the "
          "first one read)"}},
        {"name and tenant",
         {"a.json", "b.json"},
         {ACCOUNT("Enabled", "Sub A", T1), GRAPH_SUB("enabled", "Sub B", T2)},
         "Enabled", "Sub A", T1,
         {"subscription " S1 ": the inventories disagree on its name: "
          "\"Sub A\" in %s, \"Sub B\" in %s; \"Sub A\" is used (the first "
          "one read)",
          "subscription " S1 ": the inventories disagree on its tenant: "
          "\"" T1 "\" in %s, \"" T2 "\" in %s; \"" T1 "\" is used (the first "
          "one read)"}},
        {"agreeing, state in another case",
         {"a.json", "b.json"},
         {ACCOUNT("Enabled", "Sub A", T1), GRAPH_SUB("ENABLED", "Sub A", T1)},
         "Enabled", "Sub A", T1,
         {NULL}},
    };
    (void)state;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kva_model *m = merge_files(cases[i].names, cases[i].texts, 2);
        const kva_sub *sub = kva_model_find_sub(m, S1);
        size_t n = 0;
        char want[1024];

        assert_non_null(sub);
        assert_int_equal(m->n_subs, 1);
        if (strcmp(sub->state, cases[i].state) != 0)
            fail_msg("%s: state %s, want %s", cases[i].what, sub->state,
                     cases[i].state);
        assert_string_equal(sub->name, cases[i].name);
        assert_string_equal(sub->tenant_id, cases[i].tenant);
        /* both files are evidence of it */
        assert_int_equal(sub->n_inputs, 2);
        assert_int_equal(sub->inputs[0], 0);
        assert_int_equal(sub->inputs[1], 1);
        for (; n < 3 && cases[i].messages[n]; n++) {
            const kva_warning *w = &m->warnings[n];
            snprintf(want, sizeof want, cases[i].messages[n],
                     in_dir(cases[i].names[0]), in_dir(cases[i].names[1]));
            assert_string_equal(w->code, "conflicting_evidence");
            assert_string_equal(w->message, want);
            assert_string_equal(w->path, in_dir(cases[i].names[1]));
            assert_string_equal(w->sub_id, S1);
            assert_int_equal(w->line, 1);
            assert_true(w->col > 0);
        }
        if (count_warnings(m, "conflicting_evidence") != n)
            fail_msg("%s: %zu conflicting_evidence warnings, want %zu",
                     cases[i].what, count_warnings(m, "conflicting_evidence"),
                     n);
        kva_model_free(m);
    }
}

/* Every inventory and dump that names a subscription is kept, once; the
 * source of each value follows it into the merged model. */
static void test_sub_inputs(void **state)
{
    const char *names[] = {"1-pricing.json", "2-accounts.json",
                           "3-graph.json", "4-accounts-again.json"};
    const char *texts[] = {
        "{\"value\":[{\"id\":\"" PID(S1, "KeyVaults") "\",\"pricingTier\":"
        "\"Free\"}]}",
        "[{\"id\":\"" S1 "\",\"state\":\"Disabled\",\"tenantId\":\"" T1 "\"}]",
        GRAPH_SUB("Enabled", "Sub A", T1),
        "[{\"id\":\"" S1 "\",\"name\":\"Sub A\",\"state\":\"Deleted\","
        "\"isDefault\":true}]"};
    kva_model *m = merge_files(names, texts, 4);
    const kva_sub *sub = kva_model_find_sub(m, S1);
    char want[1024];
    (void)state;

    assert_int_equal(sub->n_inputs, 4);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(sub->inputs[i], i);
    assert_int_equal(sub->input, 1); /* the first inventory */
    assert_string_equal(sub->state, "Enabled");
    assert_int_equal(sub->state_input, 2);
    assert_int_equal(sub->name_input, 2);
    assert_int_equal(sub->tenant_input, 1);
    /* Disabled (2) vs Enabled (3): Enabled; Enabled (3) vs Deleted (4):
     * Enabled, and the message names 3, where it came from */
    assert_int_equal(count_warnings(m, "conflicting_evidence"), 2);
    snprintf(want, sizeof want,
             "subscription " S1 ": the inventories disagree on its state: "
             "\"Enabled\" in %s, \"Deleted\" in %s; \"Enabled\" is used (a "
             "subscription stays in scope unless every source says Disabled "
             "or Deleted)",
             in_dir(names[2]), in_dir(names[3]));
    assert_string_equal(m->warnings[1].message, want);
    kva_model_free(m);

    /* one file that lists the subscription twice names itself twice */
    m = read_json("[{\"id\":\"" S1 "\",\"name\":\"" S1 "\",\"state\":"
                  "\"Disabled\",\"cloudName\":\"c\"},\n {\"id\":\"" S1
                  "\",\"name\":\"" S1 "\",\"state\":\"PastDue\","
                  "\"cloudName\":\"c\"}]");
    sub = kva_model_find_sub(m, S1);
    assert_string_equal(sub->state, "PastDue");
    assert_int_equal(sub->n_inputs, 1);
    snprintf(want, sizeof want,
             "subscription " S1 ": the inventories disagree on its state: "
             "\"Disabled\" in %s, \"PastDue\" in %s; \"PastDue\" is used (a "
             "subscription stays in scope unless every source says Disabled "
             "or Deleted)",
             m->inputs[0].path, m->inputs[0].path);
    expect_warning(m, "conflicting_evidence", 2, 2, want);
    kva_model_free(m);
}

/* A value quoted in a conflict message is cut after 60 characters. */
static void test_sub_conflict_long_name(void **state)
{
    char json[4096], name[200], want[1024];
    kva_model *m;
    (void)state;

    /* 70 x "é" (2 bytes each) */
    for (size_t i = 0; i < 70; i++)
        memcpy(name + 2 * i, "\xc3\xa9", 2);
    name[140] = '\0';
    snprintf(json, sizeof json,
             "[{\"id\":\"" S1 "\",\"name\":\"%s\",\"state\":\"Enabled\","
             "\"isDefault\":true},{\"id\":\"" S1 "\",\"name\":\"x\","
             "\"state\":\"Enabled\",\"isDefault\":true}]",
             name);
    m = read_json(json);
    snprintf(want, sizeof want,
             "subscription " S1 ": the inventories disagree on its name: "
             "\"%.120s...\" in %s, \"x\" in %s; \"%.120s...\" is used (the "
             "first one read)",
             name, m->inputs[0].path, m->inputs[0].path, name);
    assert_string_equal(warning(m, "conflicting_evidence")->message, want);
    assert_string_equal(m->subs[0].name, name);
    kva_model_free(m);
}

static void test_merge(void **state)
{
    kva_model *dst = kva_model_new(), *src;
    kva_diag d = {0};
    (void)state;

    assert_int_equal(
        kva_read_file(fx("cli_account_list_all.json"), false, dst, &d), KVA_OK);
    src = read_path(fx("cli_graph_query_keyvaults.json"), false);
    assert_int_equal(kva_model_add_warning(src, "w", "p", SA, 1, 2, "m%d", 1),
                     KVA_OK);
    src->complete = false;
    assert_int_equal(kva_model_merge(dst, src), KVA_OK);

    assert_int_equal(dst->n_inputs, 2);
    assert_string_equal(dst->inputs[0].path, fx("cli_account_list_all.json"));
    assert_string_equal(dst->inputs[1].path,
                        fx("cli_graph_query_keyvaults.json"));
    assert_int_equal(dst->inputs[1].kind, KVA_KIND_VAULTS);
    assert_int_equal(dst->n_vaults, 2);
    assert_int_equal(dst->vaults[0].input, 1);
    assert_int_equal(dst->vaults[1].input, 1);
    /* vault subscriptions merged into the inventory ones */
    assert_int_equal(dst->n_subs, 3);
    assert_true(kva_model_find_sub(dst, S0)->from_inventory);
    assert_int_equal(kva_model_find_sub(dst, S0)->input, 0);
    assert_int_equal(dst->n_warnings, 1);
    assert_string_equal(dst->warnings[0].message, "m1");
    assert_string_equal(dst->warnings[0].sub_id, SA);
    assert_false(dst->complete);
    assert_true(dst->have_sub_inventory);

    /* src is empty and usable again */
    assert_int_equal(src->n_inputs + src->n_subs + src->n_vaults +
                         src->n_pricings + src->n_warnings,
                     0);
    assert_null(kva_model_find_sub(src, S0));
    assert_int_equal(
        kva_read_file(fx("rest_pricings_list_2024-01-01.json"), false, src, &d),
        KVA_OK);
    assert_int_equal(src->n_pricings, 3);
    assert_int_equal(src->pricings[0].input, 0);
    assert_int_equal(kva_model_merge(dst, src), KVA_OK);
    assert_int_equal(dst->n_inputs, 3);
    assert_int_equal(dst->n_pricings, 3);
    assert_int_equal(dst->pricings[2].input, 2);
    assert_int_equal(dst->n_subs, 3);
    /* the same vault dump again adds nothing */
    assert_int_equal(kva_read_file(fx("rest_resourcegraph_resources_2021-03-01"
                                      ".json"),
                                   false, src, &d),
                     KVA_OK);
    assert_int_equal(kva_model_merge(dst, src), KVA_OK);
    assert_int_equal(dst->n_vaults, 2);
    assert_int_equal(dst->n_inputs, 4);

    kva_model_free(src);
    kva_model_free(dst);
    kva_diag_clear(&d);
}

/* Extra cases kept as files: each file names its expectation. */
static void test_read_fixtures(void **state)
{
    kva_model *m;
    (void)state;

    m = read_path(READ_FX "mixed_graph_query.json", false);
    assert_int_equal(m->inputs[0].kind, KVA_KIND_MIXED);
    assert_int_equal(m->inputs[0].records, 3);
    assert_int_equal(m->n_pricings, 1);
    assert_int_equal(m->n_vaults, 1);
    assert_int_equal(inventory_subs(m), 1);
    assert_int_equal(m->n_warnings, 0);
    kva_model_free(m);

    m = read_path(READ_FX "exceptions.json", true);
    assert_int_equal(m->inputs[0].kind, KVA_KIND_EXCEPTIONS);
    assert_int_equal(m->n_exceptions, 2);
    kva_model_free(m);

    m = read_path(READ_FX "pricings_utf8bom_crlf.json", false);
    assert_int_equal(m->inputs[0].kind, KVA_KIND_PRICINGS);
    assert_int_equal(m->n_pricings, 1);
    assert_int_equal(m->pricings[0].line, 3);
    assert_int_equal(m->pricings[0].col, 5);
    kva_model_free(m);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_kinds),
        cmocka_unit_test(test_fixture_table_complete),
        cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_fixture_pricings),
        cmocka_unit_test(test_fixture_subscriptions),
        cmocka_unit_test(test_fixture_vaults),
        cmocka_unit_test(test_utf16be),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_wrappers),
        cmocka_unit_test(test_mixed),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_depth_512),
        cmocka_unit_test(test_io_errors),
        cmocka_unit_test(test_unknown),
        cmocka_unit_test(test_report_kind),
        cmocka_unit_test(test_exceptions_register),
        cmocka_unit_test(test_record_skipped),
        cmocka_unit_test(test_id_mismatch),
        cmocka_unit_test(test_duplicate_keys),
        cmocka_unit_test(test_long_text),
        cmocka_unit_test(test_tags_unreadable),
        cmocka_unit_test(test_partial_dump),
        cmocka_unit_test(test_inherited),
        cmocka_unit_test(test_field_forms),
        cmocka_unit_test(test_sub_conflicts),
        cmocka_unit_test(test_sub_inputs),
        cmocka_unit_test(test_sub_conflict_long_name),
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_read_fixtures),
    };
    struct stat st;

    /* Fixture paths are relative to the top of the tree; the binary lives
     * in BUILD/tests/. */
    if (stat(FORMATS, &st) != 0 && argc > 0) {
        char *dir = strdup(argv[0]);
        char *slash = dir ? strrchr(dir, '/') : NULL;
        if (slash) {
            strcpy(slash, "/../..");
            if (chdir(dir) != 0)
                perror(dir);
        }
        free(dir);
    }
    return cmocka_run_group_tests(tests, setup, teardown);
}

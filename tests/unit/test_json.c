#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "render/render.h"

/*
 * report.json from a result built by hand, so that every key, every null
 * and every number format is pinned down independently of the evaluator.
 */

static char *mgs[] = {"Production", "Contoso"};
static char *mg_ids[] = {"mg-prod", "contoso"};

static kva_sub subs[] = {
    {.id = "11111111-1111-1111-1111-111111111111",
     .name = "Prod \"east\"",
     .tenant_id = "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa",
     .state = "Enabled",
     .mgmt_groups = mgs,
     .mgmt_group_ids = mg_ids,
     .n_mgmt_groups = 2},
    {.id = "22222222-2222-2222-2222-222222222222",
     .name = NULL,
     .tenant_id = NULL,
     .state = NULL},
};

static kva_pricing pricing = {.tier = "Free"};

static kva_exception exc = {.sub_id = "11111111-1111-1111-1111-111111111111",
                            .reason = "migration\nphase 2",
                            .owner = "Zo\xc3\xab",
                            .expires = "2026-11-01",
                            .ticket = NULL};

static kva_res_exception res_exc = {.exc = &exc,
                                    .state = KVA_EXC_EXPIRED,
                                    .days_left = -22,
                                    .sub_name = "Prod \"east\"",
                                    .path = "exc.json"};

static const char *evidence0[] = {"a.json", "b/c.json"};

static kva_vault vaults[] = {
    {.id = "/subscriptions/11111111-1111-1111-1111-111111111111/"
           "resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv1",
     .name = "kv1",
     .resource_group = "rg",
     .location = "westeurope",
     .sub_id = "11111111-1111-1111-1111-111111111111"},
    {.id = "/subscriptions/22222222-2222-2222-2222-222222222222/"
           "providers/Microsoft.KeyVault/vaults/kv2",
     .name = "kv2",
     .resource_group = NULL,
     .location = NULL,
     .sub_id = "22222222-2222-2222-2222-222222222222"},
};

static kva_input inputs[] = {
    {.path = "a.json",
     .kind = KVA_KIND_PRICINGS,
     .records = 3,
     .bytes = 1234,
     .sha256 =
         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {.path = "broken.json",
     .kind = KVA_KIND_UNKNOWN,
     .records = 0,
     .bytes = 5,
     .sha256 = "",
     .failed = true},
};

static kva_breakdown by_owner[] = {{"(none)", 1, 0, 0.0, NULL},
                                   {"Zo\xc3\xab", 1, 1, 100.0, NULL}};
static kva_breakdown by_env[] = {{"production", 2, 1, 50.0, NULL}};
static kva_breakdown by_tenant[] = {{"unknown", 0, 0, -1, NULL}};
/* keyed on the group's id, its display name beside it */
static kva_breakdown by_mg[] = {{"(none)", 1, 1, 100.0, NULL},
                                {"mg-prod", 1, 0, 0.0, "Production"}};

static kva_trend_change regressed[] = {{"11111111-1111-1111-1111-111111111111",
                                        "Prod \"east\"", KVA_ST_COMPLIANT,
                                        KVA_ST_NONCOMPLIANT}};
static kva_trend_change added[] = {{"22222222-2222-2222-2222-222222222222",
                                    NULL, KVA_ST_NONCOMPLIANT,
                                    KVA_ST_COMPLIANT}};
static kva_trend_change removed[] = {{"33333333-3333-3333-3333-333333333333",
                                      "Old", KVA_ST_NO_EVIDENCE,
                                      KVA_ST_COMPLIANT}};

static kva_res_mg_plan plans[] = {{"Production", "mg-prod", 2,
                                   "az policy assignment create ...",
                                   "az policy remediation create ..."}};

static kva_res_warning warnings[] = {
    {"input_skipped", "expected ',' or '}' after an object member",
     "broken.json", NULL, 3, 14},
    {"unlisted_subscription", "not in any subscription inventory", NULL,
     "22222222-2222-2222-2222-222222222222", 0, 0},
};

static void build(kva_result *r, kva_res_sub rs[2], kva_res_vault rv[2])
{
    memset(r, 0, sizeof *r);
    memset(rs, 0, 2 * sizeof *rs);
    memset(rv, 0, 2 * sizeof *rv);

    rs[0].sub = &subs[0];
    rs[0].status = KVA_ST_NONCOMPLIANT;
    rs[0].flags = KVA_FLAG_LEGACY_SUBPLAN | KVA_FLAG_EXCEPTION_EXPIRED;
    rs[0].pricing = &pricing;
    rs[0].tier = "Free";
    rs[0].sub_plan = "PerTransaction";
    rs[0].enablement_time = INT64_C(1677674562); /* 2023-03-01T12:42:42Z */
    rs[0].trial_remaining_s = 0;
    rs[0].owner = "Zo\xc3\xab";
    rs[0].owner_source = KVA_SRC_SUBSCRIPTION;
    rs[0].environment = "production";
    rs[0].mgmt_group = "Production";
    rs[0].vaults = 1;
    rs[0].vaults_covered = 0;
    rs[0].exception = &res_exc;
    rs[0].evidence = evidence0;
    rs[0].n_evidence = 2;
    rs[0].remediation_az = "az security pricing create -n KeyVaults";
    rs[0].remediation_ps = "Set-AzSecurityPricing -Name KeyVaults";
    rs[0].remediation_verify = NULL;
    rs[0].priority = 1;

    rs[1].sub = &subs[1];
    rs[1].status = KVA_ST_COMPLIANT;
    rs[1].tier = "Standard";
    rs[1].enablement_time = KVA_UNKNOWN_TIME;
    rs[1].trial_remaining_s = KVA_UNKNOWN_SECONDS;
    rs[1].owner_source = KVA_SRC_NONE;
    rs[1].environment = "unknown";
    rs[1].vaults = 1;
    rs[1].vaults_covered = 1;

    rv[0].vault = &vaults[0];
    rv[0].sub = &rs[0];
    rv[0].covered = false;
    rv[0].counted = true;
    rv[0].owner = "Zo\xc3\xab";
    rv[0].owner_source = KVA_SRC_SUBSCRIPTION;
    rv[0].environment = "production";
    rv[1].vault = &vaults[1];
    rv[1].sub = &rs[1];
    rv[1].covered = true;
    rv[1].counted = true;
    rv[1].owner_source = KVA_SRC_NONE;
    rv[1].environment = "unknown";

    r->as_of = INT64_C(1795392000);
    r->complete = false;
    r->pass = false;
    r->kpis.subscriptions_total = 2;
    r->kpis.subscriptions_in_scope = 2;
    r->kpis.by_status[KVA_ST_NONCOMPLIANT] = 1;
    r->kpis.by_status[KVA_ST_COMPLIANT] = 1;
    r->kpis.subscription_coverage_pct = 50.0;
    r->kpis.compliance_pct = 50.0;
    r->kpis.vaults_total = 2;
    r->kpis.vaults_covered = 1;
    r->kpis.vault_coverage_pct = 50.0;
    r->kpis.vaults_with_owner = 1;
    r->kpis.owner_coverage_pct = 2.0 / 3.0 * 100.0;
    r->kpis.by_owner = by_owner;
    r->kpis.n_by_owner = 2;
    r->kpis.by_environment = by_env;
    r->kpis.n_by_environment = 1;
    r->kpis.by_tenant = by_tenant;
    r->kpis.n_by_tenant = 1;
    r->kpis.by_management_group = by_mg;
    r->kpis.n_by_management_group = 2;
    r->kpis.has_cost = true;
    r->kpis.estimated_monthly_cost_to_close = 1.005 * 2;
    r->kpis.currency = "EUR";
    r->subs = rs;
    r->n_subs = 2;
    r->vaults = rv;
    r->n_vaults = 2;
    r->exceptions = &res_exc;
    r->n_exceptions = 1;
    r->inputs = inputs;
    r->n_inputs = 2;
    r->warnings = warnings;
    r->n_warnings = 2;
    r->trend.present = true;
    r->trend.baseline_path = "old/report.json";
    r->trend.baseline_as_of = "2026-10-23T00:00:00Z";
    r->trend.before[KVA_ST_COMPLIANT] = 2;
    r->trend.before[KVA_ST_NO_EVIDENCE] = 1;
    r->trend.now[KVA_ST_NONCOMPLIANT] = 1;
    r->trend.now[KVA_ST_COMPLIANT] = 1;
    r->trend.compliance_pct_before = 66.66666;
    r->trend.compliance_pct_now = 50.0;
    r->trend.regressed = regressed;
    r->trend.n_regressed = 1;
    r->trend.added = added;
    r->trend.n_added = 1;
    r->trend.removed = removed;
    r->trend.n_removed = 1;
    r->mg_plans = plans;
    r->n_mg_plans = 1;
    r->terraform = "resource \"azurerm_security_center_subscription_pricing\"";
    r->bicep = NULL;
}

/* One string per line: ISO C limits a string literal to 4095 bytes. */
static const char *const expected_lines[] = {
    "{\n",
    "  \"schema\": \"kvaudit.report/1\",\n",
    "  \"tool\": {\n",
    "    \"name\": \"kvaudit\",\n",
    "    \"version\": \"" KVA_VERSION "\"\n",
    "  },\n",
    "  \"as_of\": \"2026-11-23T00:00:00Z\",\n",
    "  \"title\": \"Q4 \\\"review\\\"\",\n",
    "  \"org\": \"\",\n",
    "  \"complete\": false,\n",
    "  \"verdict\": \"fail\",\n",
    "  \"control\": null,\n",
    "  \"kpis\": {\n",
    "    \"subscriptions_total\": 2,\n",
    "    \"subscriptions_in_scope\": 2,\n",
    "    \"noncompliant\": 1,\n",
    "    \"no_evidence\": 0,\n",
    "    \"exempt\": 0,\n",
    "    \"compliant\": 1,\n",
    "    \"not_applicable\": 0,\n",
    "    \"subscription_coverage_pct\": 50.0,\n",
    "    \"compliance_pct\": 50.0,\n",
    "    \"vaults_total\": 2,\n",
    "    \"vaults_covered\": 1,\n",
    "    \"vault_coverage_pct\": 50.0,\n",
    "    \"vaults_with_owner\": 1,\n",
    "    \"owner_coverage_pct\": 66.7,\n",
    "    \"estimated_monthly_cost_to_close\": 2.01,\n",
    "    \"currency\": \"EUR\",\n",
    "    \"by_owner\": [\n",
    "      {\n",
    "        \"key\": \"(none)\",\n",
    "        \"vaults_total\": 1,\n",
    "        \"vaults_covered\": 0,\n",
    "        \"vault_coverage_pct\": 0.0\n",
    "      },\n",
    "      {\n",
    "        \"key\": \"Zo\xc3\xab\",\n",
    "        \"vaults_total\": 1,\n",
    "        \"vaults_covered\": 1,\n",
    "        \"vault_coverage_pct\": 100.0\n",
    "      }\n",
    "    ],\n",
    "    \"by_environment\": [\n",
    "      {\n",
    "        \"key\": \"production\",\n",
    "        \"vaults_total\": 2,\n",
    "        \"vaults_covered\": 1,\n",
    "        \"vault_coverage_pct\": 50.0\n",
    "      }\n",
    "    ],\n",
    "    \"by_tenant\": [\n",
    "      {\n",
    "        \"key\": \"unknown\",\n",
    "        \"vaults_total\": 0,\n",
    "        \"vaults_covered\": 0,\n",
    "        \"vault_coverage_pct\": null\n",
    "      }\n",
    "    ],\n",
    "    \"by_management_group\": [\n",
    "      {\n",
    "        \"key\": \"(none)\",\n",
    "        \"name\": null,\n",
    "        \"vaults_total\": 1,\n",
    "        \"vaults_covered\": 1,\n",
    "        \"vault_coverage_pct\": 100.0\n",
    "      },\n",
    "      {\n",
    "        \"key\": \"mg-prod\",\n",
    "        \"name\": \"Production\",\n",
    "        \"vaults_total\": 1,\n",
    "        \"vaults_covered\": 0,\n",
    "        \"vault_coverage_pct\": 0.0\n",
    "      }\n",
    "    ]\n",
    "  },\n",
    "  \"subscriptions\": [\n",
    "    {\n",
    "      \"id\": \"11111111-1111-1111-1111-111111111111\",\n",
    "      \"name\": \"Prod \\\"east\\\"\",\n",
    "      \"tenant_id\": \"aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa\",\n",
    "      \"state\": \"Enabled\",\n",
    "      \"status\": \"noncompliant\",\n",
    "      \"tier\": \"Free\",\n",
    "      \"sub_plan\": \"PerTransaction\",\n",
    "      \"enablement_time\": \"2023-03-01T12:42:42Z\",\n",
    "      \"trial_remaining_s\": 0,\n",
    "      \"owner\": \"Zo\xc3\xab\",\n",
    "      \"owner_source\": \"subscription\",\n",
    "      \"environment\": \"production\",\n",
    "      \"management_groups\": [\n",
    "        \"Production\",\n",
    "        \"Contoso\"\n",
    "      ],\n",
    "      \"vaults\": 1,\n",
    "      \"vaults_covered\": 0,\n",
    "      \"flags\": [\n",
    "        \"legacy_subplan\",\n",
    "        \"exception_expired\"\n",
    "      ],\n",
    "      \"exception\": {\n",
    "        \"reason\": \"migration\\nphase 2\",\n",
    "        \"owner\": \"Zo\xc3\xab\",\n",
    "        \"expires\": \"2026-11-01\",\n",
    "        \"ticket\": null,\n",
    "        \"state\": \"expired\",\n",
    "        \"days_left\": -22\n",
    "      },\n",
    "      \"evidence\": [\n",
    "        \"a.json\",\n",
    "        \"b/c.json\"\n",
    "      ],\n",
    "      \"priority\": 1,\n",
    "      \"remediation\": {\n",
    "        \"az\": \"az security pricing create -n KeyVaults\",\n",
    "        \"powershell\": \"Set-AzSecurityPricing -Name KeyVaults\",\n",
    "        \"verify\": null\n",
    "      }\n",
    "    },\n",
    "    {\n",
    "      \"id\": \"22222222-2222-2222-2222-222222222222\",\n",
    "      \"name\": null,\n",
    "      \"tenant_id\": null,\n",
    "      \"state\": null,\n",
    "      \"status\": \"compliant\",\n",
    "      \"tier\": \"Standard\",\n",
    "      \"sub_plan\": null,\n",
    "      \"enablement_time\": null,\n",
    "      \"trial_remaining_s\": null,\n",
    "      \"owner\": null,\n",
    "      \"owner_source\": \"none\",\n",
    "      \"environment\": \"unknown\",\n",
    "      \"management_groups\": [],\n",
    "      \"vaults\": 1,\n",
    "      \"vaults_covered\": 1,\n",
    "      \"flags\": [],\n",
    "      \"exception\": null,\n",
    "      \"evidence\": [],\n",
    "      \"priority\": null,\n",
    "      \"remediation\": null\n",
    "    }\n",
    "  ],\n",
    "  \"vaults\": [\n",
    "    {\n",
    "      \"id\": \"/subscriptions/11111111-1111-1111-1111-111111111111/"
    "resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv1\",\n",
    "      \"name\": \"kv1\",\n",
    "      \"resource_group\": \"rg\",\n",
    "      \"location\": \"westeurope\",\n",
    "      \"subscription_id\": \"11111111-1111-1111-1111-111111111111\",\n",
    "      \"covered\": false,\n",
    "      \"owner\": \"Zo\xc3\xab\",\n",
    "      \"owner_source\": \"subscription\",\n",
    "      \"environment\": \"production\"\n",
    "    },\n",
    "    {\n",
    "      \"id\": \"/subscriptions/22222222-2222-2222-2222-222222222222/"
    "providers/Microsoft.KeyVault/vaults/kv2\",\n",
    "      \"name\": \"kv2\",\n",
    "      \"resource_group\": null,\n",
    "      \"location\": null,\n",
    "      \"subscription_id\": \"22222222-2222-2222-2222-222222222222\",\n",
    "      \"covered\": true,\n",
    "      \"owner\": null,\n",
    "      \"owner_source\": \"none\",\n",
    "      \"environment\": \"unknown\"\n",
    "    }\n",
    "  ],\n",
    "  \"exceptions\": [\n",
    "    {\n",
    "      \"subscription_id\": \"11111111-1111-1111-1111-111111111111\",\n",
    "      \"subscription_name\": \"Prod \\\"east\\\"\",\n",
    "      \"reason\": \"migration\\nphase 2\",\n",
    "      \"owner\": \"Zo\xc3\xab\",\n",
    "      \"expires\": \"2026-11-01\",\n",
    "      \"ticket\": null,\n",
    "      \"state\": \"expired\",\n",
    "      \"days_left\": -22,\n",
    "      \"path\": \"exc.json\"\n",
    "    }\n",
    "  ],\n",
    "  \"trend\": {\n",
    "    \"baseline\": \"old/report.json\",\n",
    "    \"baseline_as_of\": \"2026-10-23T00:00:00Z\",\n",
    "    \"before\": {\n",
    "      \"noncompliant\": 0,\n",
    "      \"no_evidence\": 1,\n",
    "      \"exempt\": 0,\n",
    "      \"compliant\": 2,\n",
    "      \"not_applicable\": 0\n",
    "    },\n",
    "    \"now\": {\n",
    "      \"noncompliant\": 1,\n",
    "      \"no_evidence\": 0,\n",
    "      \"exempt\": 0,\n",
    "      \"compliant\": 1,\n",
    "      \"not_applicable\": 0\n",
    "    },\n",
    "    \"delta\": {\n",
    "      \"noncompliant\": 1,\n",
    "      \"no_evidence\": -1,\n",
    "      \"exempt\": 0,\n",
    "      \"compliant\": -1,\n",
    "      \"not_applicable\": 0\n",
    "    },\n",
    "    \"compliance_pct_before\": 66.7,\n",
    "    \"compliance_pct_now\": 50.0,\n",
    "    \"regressed\": [\n",
    "      {\n",
    "        \"id\": \"11111111-1111-1111-1111-111111111111\",\n",
    "        \"name\": \"Prod \\\"east\\\"\",\n",
    "        \"before\": \"compliant\",\n",
    "        \"now\": \"noncompliant\"\n",
    "      }\n",
    "    ],\n",
    "    \"fixed\": [],\n",
    "    \"added\": [\n",
    "      {\n",
    "        \"id\": \"22222222-2222-2222-2222-222222222222\",\n",
    "        \"name\": null,\n",
    "        \"before\": null,\n",
    "        \"now\": \"compliant\"\n",
    "      }\n",
    "    ],\n",
    "    \"removed\": [\n",
    "      {\n",
    "        \"id\": \"33333333-3333-3333-3333-333333333333\",\n",
    "        \"name\": \"Old\",\n",
    "        \"before\": \"no_evidence\",\n",
    "        \"now\": null\n",
    "      }\n",
    "    ]\n",
    "  },\n",
    "  \"remediation_plan\": {\n",
    "    \"management_groups\": [\n",
    "      {\n",
    "        \"name\": \"Production\",\n",
    "        \"id\": \"mg-prod\",\n",
    "        \"subscriptions\": 2,\n",
    "        \"assign\": \"az policy assignment create ...\",\n",
    "        \"remediate\": \"az policy remediation create ...\"\n",
    "      }\n",
    "    ],\n",
    "    \"terraform\": \"resource "
    "\\\"azurerm_security_center_subscription_pricing\\\"\",\n",
    "    \"bicep\": null\n",
    "  },\n",
    "  \"inputs\": [\n",
    "    {\n",
    "      \"path\": \"a.json\",\n",
    "      \"kind\": \"pricings\",\n",
    "      \"records\": 3,\n",
    "      \"bytes\": 1234,\n",
    "      \"sha256\": "
    "\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"\n",
    "    },\n",
    "    {\n",
    "      \"path\": \"broken.json\",\n",
    "      \"kind\": \"unknown\",\n",
    "      \"records\": 0,\n",
    "      \"bytes\": 5,\n",
    "      \"sha256\": null\n",
    "    }\n",
    "  ],\n",
    "  \"warnings\": [\n",
    "    {\n",
    "      \"code\": \"input_skipped\",\n",
    "      \"message\": \"expected ',' or '}' after an object member\",\n",
    "      \"path\": \"broken.json\",\n",
    "      \"subscription_id\": null,\n",
    "      \"line\": 3,\n",
    "      \"col\": 14\n",
    "    },\n",
    "    {\n",
    "      \"code\": \"unlisted_subscription\",\n",
    "      \"message\": \"not in any subscription inventory\",\n",
    "      \"path\": null,\n",
    "      \"subscription_id\": \"22222222-2222-2222-2222-222222222222\",\n",
    "      \"line\": null,\n",
    "      \"col\": null\n",
    "    }\n",
    "  ]\n",
    "}\n",
};

/* The expected document as one string (caller frees). */
static char *expected_text(void)
{
    size_t len = 1;
    char *s;

    for (size_t i = 0; i < sizeof expected_lines / sizeof *expected_lines; i++)
        len += strlen(expected_lines[i]);
    s = malloc(len);
    assert_non_null(s);
    s[0] = '\0';
    for (size_t i = 0; i < sizeof expected_lines / sizeof *expected_lines; i++)
        strcat(s, expected_lines[i]);
    return s;
}

typedef struct fixture {
    char dir[256];
    char path[300];
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    const char *tmp = getenv("TMPDIR");

    if (!fx)
        return -1;
    snprintf(fx->dir, sizeof fx->dir, "%s/kva-json.XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(fx->dir))
        return -1;
    snprintf(fx->path, sizeof fx->path, "%s/report.json", fx->dir);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;

    unlink(fx->path);
    rmdir(fx->dir);
    free(fx);
    return 0;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    if (len)
        *len = (size_t)n;
    return buf;
}

static void test_every_key(void **state)
{
    fixture *fx = *state;
    kva_result r;
    kva_res_sub rs[2];
    kva_res_vault rv[2];
    kva_report rep = {0};
    kva_diag err = {0};
    char *got, *again, *expected = expected_text();

    build(&r, rs, rv);
    rep.result = &r;
    rep.templates = NULL;
    rep.title = "Q4 \"review\"";
    rep.org = NULL;
    rep.as_of = r.as_of;
    assert_int_equal(kva_render_json(&rep, fx->path, &err), KVA_OK);
    got = slurp(fx->path, NULL);
    if (strcmp(got, expected) != 0) {
        size_t i = 0;
        while (got[i] && got[i] == expected[i])
            i++;
        fail_msg("differs at byte %zu: got ...%.60s... want ...%.60s...", i,
                 got + (i > 20 ? i - 20 : 0), expected + (i > 20 ? i - 20 : 0));
    }
    /* byte-identical for the same result */
    assert_int_equal(kva_render_json(&rep, fx->path, &err), KVA_OK);
    again = slurp(fx->path, NULL);
    assert_string_equal(again, got);
    free(again);
    free(got);
    free(expected);
    kva_diag_clear(&err);
}

/* The key order of an object node, joined with commas. */
static void keys_of(const cJSON *o, char *buf, size_t size)
{
    buf[0] = '\0';
    for (const cJSON *c = o ? o->child : NULL; c; c = c->next) {
        if (buf[0])
            strncat(buf, ",", size - strlen(buf) - 1);
        strncat(buf, c->string, size - strlen(buf) - 1);
    }
}

/* With the built-in templates: the control block, the default title, and
 * a document that a JSON parser accepts. */
static void test_control_and_title(void **state)
{
    fixture *fx = *state;
    kva_result r;
    kva_res_sub rs[2];
    kva_res_vault rv[2];
    kva_report rep = {0};
    kva_diag err = {0};
    const kva_control *c = kva_templates_control(kva_templates_builtin());
    const char *tpl_title =
        kva_templates_text(kva_templates_builtin(), "title");
    char keys[512];
    cJSON *doc, *ctl;
    char *text;
    size_t len;

    build(&r, rs, rv);
    rep.result = &r;
    rep.templates = kva_templates_builtin();
    rep.title = NULL;
    rep.org = "Contoso";
    rep.as_of = r.as_of;
    assert_int_equal(kva_render_json(&rep, fx->path, &err), KVA_OK);
    text = slurp(fx->path, &len);
    doc = cJSON_ParseWithLength(text, len);
    assert_non_null(doc);
    keys_of(doc, keys, sizeof keys);
    assert_string_equal(keys,
                        "schema,tool,as_of,title,org,complete,verdict,control,"
                        "kpis,subscriptions,vaults,exceptions,trend,"
                        "remediation_plan,inputs,warnings");
    assert_string_equal(
        cJSON_GetObjectItemCaseSensitive(doc, "title")->valuestring,
        *tpl_title ? tpl_title : "Microsoft Defender for Key Vault coverage");
    assert_string_equal(
        cJSON_GetObjectItemCaseSensitive(doc, "org")->valuestring, "Contoso");
    ctl = cJSON_GetObjectItemCaseSensitive(doc, "control");
    keys_of(ctl, keys, sizeof keys);
    assert_string_equal(keys, "id,title,plan,required_tier,required_sub_plan,"
                              "description,references");
    assert_string_equal(
        cJSON_GetObjectItemCaseSensitive(ctl, "id")->valuestring, c->id);
    assert_int_equal(
        cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(ctl, "references")),
        (int)c->n_refs);
    if (c->n_refs) {
        keys_of(cJSON_GetArrayItem(
                    cJSON_GetObjectItemCaseSensitive(ctl, "references"), 0),
                keys, sizeof keys);
        assert_string_equal(keys, "kind,id,title,version,effect,url");
    }
    keys_of(cJSON_GetObjectItemCaseSensitive(doc, "kpis"), keys, sizeof keys);
    assert_string_equal(
        keys, "subscriptions_total,subscriptions_in_scope,noncompliant,"
              "no_evidence,exempt,compliant,not_applicable,"
              "subscription_coverage_pct,compliance_pct,vaults_total,"
              "vaults_covered,vault_coverage_pct,vaults_with_owner,"
              "owner_coverage_pct,estimated_monthly_cost_to_close,currency,"
              "by_owner,by_environment,by_tenant,by_management_group");
    cJSON_Delete(doc);
    free(text);

    /* without a price the cost keys are absent */
    r.kpis.has_cost = false;
    r.trend.present = false;
    assert_int_equal(kva_render_json(&rep, fx->path, &err), KVA_OK);
    text = slurp(fx->path, &len);
    assert_null(strstr(text, "estimated_monthly_cost_to_close"));
    assert_null(strstr(text, "\"currency\""));
    assert_non_null(strstr(text, "\n  \"trend\": null,\n"));
    free(text);
    kva_diag_clear(&err);
}

/* Whatever bytes reach the result, the output stays valid UTF-8 JSON. */
static void test_invalid_utf8_in_result(void **state)
{
    fixture *fx = *state;
    kva_result r;
    kva_res_sub rs[2];
    kva_res_vault rv[2];
    kva_report rep = {0};
    kva_diag err = {0};
    kva_vault bad = vaults[0];
    char *text;
    size_t len;
    cJSON *doc;

    build(&r, rs, rv);
    bad.name = "kv\xff\xfe";
    rv[0].vault = &bad;
    rep.result = &r;
    rep.title = "t";
    rep.as_of = r.as_of;
    assert_int_equal(kva_render_json(&rep, fx->path, &err), KVA_OK);
    text = slurp(fx->path, &len);
    assert_non_null(strstr(text, "\"name\": \"kv\xef\xbf\xbd\xef\xbf\xbd\""));
    assert_null(strchr(text, '\xff'));
    doc = cJSON_ParseWithLength(text, len);
    assert_non_null(doc);
    cJSON_Delete(doc);
    free(text);
    kva_diag_clear(&err);
}

static void test_write_errors(void **state)
{
    kva_result r;
    kva_res_sub rs[2];
    kva_res_vault rv[2];
    kva_report rep = {0};
    kva_diag err = {0};

    (void)state;
    build(&r, rs, rv);
    rep.result = &r;
    rep.title = "t";
    rep.as_of = r.as_of;
    /* a full disk: the error is the system's own words */
    char want[128];
    assert_int_equal(kva_render_json(&rep, "/dev/full", &err), KVA_ERR_IO);
    snprintf(want, sizeof want, "cannot write: %s", strerror(ENOSPC));
    assert_string_equal(err.message, want);
    assert_string_equal(err.path, "/dev/full");
    /* a path that cannot be created */
    assert_int_equal(
        kva_render_json(&rep, "/nonexistent-dir/report.json", &err),
        KVA_ERR_IO);
    snprintf(want, sizeof want, "cannot write: %s", strerror(ENOENT));
    assert_string_equal(err.message, want);
    kva_diag_clear(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_control_and_title, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_invalid_utf8_in_result, setup,
                                        teardown),
        cmocka_unit_test(test_write_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

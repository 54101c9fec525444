#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "templates.h"

#include "templates_builtin.h"

#define SUB "0a1b2c3d-0000-4000-8000-00000000abcd"

static const char *const file_names[] = {"control.json", "commands.json",
                                         "wording.json"};

/* The built-in text of one template file. */
static const char *builtin_text(const char *name)
{
    for (size_t i = 0; i < KVA_BUILTIN_TEMPLATES_N; i++)
        if (strcmp(kva_builtin_templates[i].name, name) == 0)
            return (const char *)kva_builtin_templates[i].text;
    fail_msg("no built-in %s", name);
    return NULL;
}

static void write_file(const char *dir, const char *name, const char *text,
                       size_t len)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* Copy of s with the first occurrence of `from` replaced by `to`. */
static char *replace(const char *s, const char *from, const char *to)
{
    const char *hit = strstr(s, from);
    size_t a, b, c;
    char *out;

    if (!hit)
        fail_msg("'%s' not found in the template", from);
    a = (size_t)(hit - s);
    b = strlen(to);
    c = strlen(hit + strlen(from));
    out = malloc(a + b + c + 1);
    assert_non_null(out);
    memcpy(out, s, a);
    memcpy(out + a, to, b);
    memcpy(out + a + b, hit + strlen(from), c + 1);
    return out;
}

/* A directory holding a copy of the built-in files. */
static char *make_dir(void)
{
    char tmpl[] = "/tmp/kva-tpl.XXXXXX";
    char *dir = mkdtemp(tmpl);

    assert_non_null(dir);
    dir = strdup(dir);
    for (size_t i = 0; i < 3; i++) {
        const char *t = builtin_text(file_names[i]);
        write_file(dir, file_names[i], t, strlen(t));
    }
    return dir;
}

static void remove_dir(char *dir)
{
    char path[512];

    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, file_names[i]);
        unlink(path);
    }
    rmdir(dir);
    free(dir);
}

static void test_builtin_control(void **state)
{
    const kva_templates *t = kva_templates_builtin();
    const kva_control *c;
    int cis = 0, policy = 0, mcsb = 0;
    const char *want_cis[] = {"2.8", "2.1.10", "2.1.9", "3.1.8.1"};

    (void)state;
    assert_non_null(t);
    assert_ptr_equal(t, kva_templates_builtin());
    c = kva_templates_control(t);
    assert_string_equal(c->id, "KVA-DEFENDER-KEYVAULT");
    assert_string_equal(c->title,
                        "Microsoft Defender for Key Vault is set to On");
    assert_string_equal(c->plan, "KeyVaults");
    assert_string_equal(c->required_tier, "Standard");
    assert_string_equal(c->required_sub_plan, "PerKeyVault");
    assert_true(strlen(c->description) > 0);
    for (size_t i = 0; i < c->n_refs; i++) {
        const kva_reference *r = &c->refs[i];

        assert_non_null(r->kind);
        assert_non_null(r->id);
        assert_non_null(r->title);
        if (strcmp(r->kind, "cis") == 0) {
            assert_string_equal(r->id, want_cis[cis]);
            assert_non_null(r->version);
            cis++;
        } else if (strcmp(r->kind, "azure_policy") == 0) {
            if (strcmp(r->id, "0e6763cc-5078-4e64-889d-ff4d9a839047") == 0) {
                assert_string_equal(r->effect, "AuditIfNotExists");
                assert_string_equal(
                    r->title, "Azure Defender for Key Vault should be enabled");
            } else {
                assert_string_equal(r->id,
                                    "1f725891-01c0-420a-9059-4fa46cb770b7");
                assert_string_equal(r->effect, "DeployIfNotExists");
                assert_string_equal(
                    r->title, "Configure Microsoft Defender for Key Vault plan");
            }
            policy++;
        } else if (strcmp(r->kind, "mcsb") == 0) {
            assert_string_equal(r->id, "LT-1");
            mcsb++;
        } else {
            assert_string_equal(r->kind, "doc");
            assert_non_null(r->url);
        }
    }
    assert_int_equal(cis, 4);
    assert_int_equal(policy, 2);
    assert_int_equal(mcsb, 1);
}

/* Every status, flag and exception state has wording, and so does every
 * key a renderer looks up by a computed name. */
static void test_builtin_wording(void **state)
{
    const kva_templates *t = kva_templates_builtin();
    const char *prefixes[] = {"status", "status_label"};
    const char *statuses[] = {"noncompliant", "no_evidence", "exempt",
                              "compliant", "not_applicable"};
    const char *flags[] = {"legacy_subplan",    "trial_ending",
                           "deprecated_plan",   "exception_expired",
                           "exception_expiring", "owner_missing"};
    const char *states[] = {"active", "expiring", "expired", "unused"};
    const char *fixed[] = {
        "title",           "subtitle",
        "incomplete",      "verdict.pass",
        "verdict.fail",    "section.findings",
        "section.remediation", "section.method",
        "intro.method",    "remediation.verify_first",
        "remediation.terraform.note", "rollout.1",
        "kpi.compliance_pct", "kpi_label.vault_coverage_pct",
        "column.sha256",   "label.top_failing"};
    char key[64];

    (void)state;
    for (size_t p = 0; p < 2; p++)
        for (size_t i = 0; i < 5; i++) {
            snprintf(key, sizeof key, "%s.%s", prefixes[p], statuses[i]);
            assert_true(strlen(kva_templates_text(t, key)) > 0);
        }
    for (size_t i = 0; i < 6; i++) {
        snprintf(key, sizeof key, "flag.%s", flags[i]);
        assert_true(strlen(kva_templates_text(t, key)) > 0);
        snprintf(key, sizeof key, "flag_label.%s", flags[i]);
        assert_true(strlen(kva_templates_text(t, key)) > 0);
    }
    for (size_t i = 0; i < 4; i++) {
        snprintf(key, sizeof key, "exception_label.%s", states[i]);
        assert_true(strlen(kva_templates_text(t, key)) > 0);
    }
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        assert_true(strlen(kva_templates_text(t, fixed[i])) > 0);
    assert_string_equal(kva_templates_text(t, "title"),
                        "Microsoft Defender for Key Vault coverage");
    assert_string_equal(kva_templates_text(t, "status_label.no_evidence"),
                        "No evidence");
    /* Unknown keys and NULL sets give "", never NULL. */
    assert_string_equal(kva_templates_text(t, "no.such.key"), "");
    assert_string_equal(kva_templates_text(t, "status"), "");
    assert_string_equal(kva_templates_text(NULL, "title"), "");
    assert_string_equal(kva_templates_control(NULL)->plan, "KeyVaults");
}

typedef struct expand_case {
    const char *name;
    const char *want;
} expand_case;

/* The commands of the issue, word for word. */
static void test_expand_builtin(void **state)
{
    const kva_templates *t = kva_templates_builtin();
    const char *keys[] = {"subscription_id", "management_group_id",
                          "assignment_name", "policy_definition_id",
                          "location", "not_scopes"};
    const char *values[] = {SUB, "lz(prod)", "kva-defender-keyvault",
                            "1f725891-01c0-420a-9059-4fa46cb770b7",
                            "westeurope", " --not-scopes /subscriptions/" SUB};
    static const expand_case cases[] = {
        {"az", "az security pricing create --subscription " SUB
               " -n KeyVaults --tier Standard --subplan PerKeyVault"},
        {"powershell",
         "Set-AzContext -Subscription " SUB
         "; Set-AzSecurityPricing -Name 'KeyVaults' -PricingTier 'Standard' "
         "-SubPlan 'PerKeyVault'"},
        {"verify", "az security pricing show --subscription " SUB
                   " -n KeyVaults --query pricingTier"},
        {"verify_powershell",
         "Set-AzContext -Subscription " SUB
         " | Out-Null; (Get-AzSecurityPricing -Name 'KeyVaults').PricingTier"},
        {"policy_assign",
         "az policy assignment create --name kva-defender-keyvault "
         "--display-name \"Configure Microsoft Defender for Key Vault plan\" "
         "--policy 1f725891-01c0-420a-9059-4fa46cb770b7 --scope "
         "\"/providers/Microsoft.Management/managementGroups/lz(prod)\" "
         "--params '{\"subPlan\":{\"value\":\"PerKeyVault\"}}' "
         "--mi-system-assigned --location westeurope --identity-scope "
         "\"/providers/Microsoft.Management/managementGroups/lz(prod)\" "
         "--role \"Security Admin\" --not-scopes /subscriptions/" SUB},
        {"policy_remediate",
         "az policy remediation create --name kva-defender-keyvault "
         "--management-group \"lz(prod)\" --policy-assignment "
         "\"/providers/Microsoft.Management/managementGroups/lz(prod)/"
         "providers/Microsoft.Authorization/policyAssignments/"
         "kva-defender-keyvault\""},
    };
    kva_diag d = {0};

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = kva_templates_expand(t, cases[i].name, keys, values, 6,
                                         &d);
        assert_non_null(got);
        assert_string_equal(got, cases[i].want);
        free(got);
    }
    kva_diag_clear(&d);
}

static void test_expand_iac(void **state)
{
    const kva_templates *t = kva_templates_builtin();
    kva_diag d = {0};
    char *tf = kva_templates_expand(t, "terraform", NULL, NULL, 0, &d);
    char *bicep = kva_templates_expand(t, "bicep", NULL, NULL, 0, &d);

    (void)state;
    assert_non_null(tf);
    assert_non_null(bicep);
    assert_non_null(strstr(tf, "resource \"azurerm_security_center_"
                               "subscription_pricing\""));
    /* The classic mistake: resource_type left at its default. */
    assert_non_null(strstr(tf, "resource_type = \"KeyVaults\""));
    assert_non_null(strstr(tf, "tier          = \"Standard\""));
    assert_non_null(strstr(tf, "subplan       = \"PerKeyVault\""));
    assert_non_null(strstr(bicep, "'Microsoft.Security/pricings@2024-01-01'"));
    assert_non_null(strstr(bicep, "targetScope = 'subscription'"));
    assert_non_null(strstr(bicep, "  properties: {\n    pricingTier: "
                                  "'Standard'\n    subPlan: 'PerKeyVault'\n"
                                  "  }\n}"));
    assert_string_equal(kva_templates_param(t, "assignment_name"),
                        "kva-defender-keyvault");
    assert_string_equal(kva_templates_param(t, "default_location"),
                        "westeurope");
    assert_string_equal(kva_templates_param(t, "nope"), "");
    assert_null(kva_templates_command(t, "nope"));
    free(tf);
    free(bicep);
}

static void test_expand_errors(void **state)
{
    const kva_templates *t = kva_templates_builtin();
    const char *keys[] = {"assignment_name", "management_group_id"};
    const char *values[] = {"kva", NULL};
    kva_diag d = {0};

    (void)state;
    assert_null(kva_templates_expand(t, "az", NULL, NULL, 0, &d));
    assert_int_equal(d.code, KVA_ERR_TEMPLATE);
    assert_non_null(strstr(d.message, "{subscription_id}"));
    assert_null(kva_templates_expand(t, "policy_remediate", keys, values, 2,
                                     &d));
    assert_non_null(strstr(d.message, "{management_group_id}"));
    assert_null(kva_templates_expand(t, "rm -rf", NULL, NULL, 0, &d));
    assert_non_null(strstr(d.message, "no command template 'rm -rf'"));
    kva_diag_clear(&d);
}

/* --templates DIR with edits: the changed text is what expand gives, and
 * "{{" is a literal brace. */
static void test_override_ok(void **state)
{
    char *dir = make_dir();
    const char *cmds = builtin_text("commands.json");
    const char *words = builtin_text("wording.json");
    char *c1 = replace(cmds, "--subplan PerKeyVault\"",
                       "--subplan PerKeyVault --only-show-errors # {{x}\"");
    char *w1 = replace(words, "\"Microsoft Defender for Key Vault coverage\"",
                       "\"Couverture Defender pour Key Vault\"");
    const char *keys[] = {"subscription_id"};
    const char *values[] = {SUB};
    kva_templates *t = NULL;
    kva_diag d = {0};
    char *got;

    (void)state;
    write_file(dir, "commands.json", c1, strlen(c1));
    write_file(dir, "wording.json", w1, strlen(w1));
    assert_int_equal(kva_templates_load(dir, &t, &d), KVA_OK);
    assert_non_null(t);
    assert_string_equal(kva_templates_text(t, "title"),
                        "Couverture Defender pour Key Vault");
    assert_string_equal(kva_templates_text(kva_templates_builtin(), "title"),
                        "Microsoft Defender for Key Vault coverage");
    got = kva_templates_expand(t, "az", keys, values, 1, &d);
    assert_non_null(got);
    assert_string_equal(got, "az security pricing create --subscription " SUB
                             " -n KeyVaults --tier Standard --subplan "
                             "PerKeyVault --only-show-errors # {x}");
    free(got);
    assert_string_equal(kva_templates_control(t)->id,
                        "KVA-DEFENDER-KEYVAULT");
    kva_templates_free(t);
    /* A trailing slash and a UTF-8 BOM are fine too. */
    {
        size_t n = strlen(w1);
        char *bom = malloc(n + 3);

        assert_non_null(bom);
        memcpy(bom, "\xEF\xBB\xBF", 3);
        memcpy(bom + 3, w1, n);
        write_file(dir, "wording.json", bom, n + 3);
        free(bom);
    }
    {
        char slash[600];

        snprintf(slash, sizeof slash, "%s/", dir);
        assert_int_equal(kva_templates_load(slash, &t, &d), KVA_OK);
        assert_string_equal(kva_templates_text(t, "title"),
                            "Couverture Defender pour Key Vault");
        kva_templates_free(t);
    }
    kva_templates_free(NULL);
    kva_templates_free((kva_templates *)kva_templates_builtin());
    free(c1);
    free(w1);
    kva_diag_clear(&d);
    remove_dir(dir);
}

typedef struct bad_case {
    const char *file;
    const char *from; /* NULL: remove the file */
    const char *to;
    const char *want; /* substring of the message */
    uint32_t line;    /* expected line; 0: not checked */
    uint32_t col;     /* expected column; 0: not checked */
    const char *err_file; /* the file the error names, when not `file` */
} bad_case;

static const bad_case bad_cases[] = {
    /* An unknown placeholder, pointed at in the file. */
    {"commands.json", "--subscription {subscription_id} -n KeyVaults --tier",
     "--subscription {subscriptionid} -n KeyVaults --tier",
     "template 'az': unknown placeholder {subscriptionid}", 11, 58, NULL},
    {"commands.json", "--location {location}", "--location {region}",
     "template 'policy_assign': unknown placeholder {region}", 0, 0, NULL},
    /* A command that would act on whatever subscription is current. */
    {"commands.json", "create --subscription {subscription_id} -n",
     "create -n", "template 'az': missing required placeholder "
                  "{subscription_id}", 0, 0, NULL},
    {"commands.json",
     "\"requires\": [\"subscription_id\"],\n      \"text\": \"Set-AzContext "
     "-Subscription {subscription_id}; ",
     "\"requires\": [],\n      \"text\": \"Set-AzContext -Subscription "
     "{subscription_id}; ",
     "template 'powershell': missing required placeholder {subscription_id}",
     0, 0, NULL},
    {"commands.json", "\"requires\": [\"management_group_id\", "
                      "\"assignment_name\"]",
     "\"requires\": [\"management_group_id\", \"assignment_name\", "
     "\"location\"]",
     "template 'policy_remediate': unknown placeholder {location} in "
     "\"requires\"", 0, 0, NULL},
    {"commands.json", "\"az\": {", "\"azz\": {",
     "unknown command template 'azz'", 8, 6, NULL},
    {"commands.json", "\"bicep\": {", "\"_bicep\": {",
     "missing command template 'bicep'", 0, 0, NULL},
    {"commands.json", "\"kva-defender-keyvault\"",
     "\"kva-defender-keyvault-for-every-subscription\"",
     "\"assignment_name\" must be 1 to 24 characters", 0, 0, NULL},
    {"commands.json", "\"westeurope\"", "\"West Europe\"",
     "\"default_location\" must be 1 to 40 characters", 0, 0, NULL},
    {"commands.json", "\"text\": \"az security pricing show",
     "\"txt\": \"az security pricing show",
     "template 'verify': unknown key \"txt\"", 0, 0, NULL},
    /* Malformed JSON: position of the offending byte. */
    {"wording.json", "coverage\",\n", "coverage\",,\n", "", 4, 58, NULL},
    {"control.json", "\"plan\": \"KeyVaults\",", "\"plan\": \"KeyVaults\"",
     "", 7, 5, NULL},
    {"wording.json", NULL, NULL, "cannot open", 0, 0, NULL},
    {"wording.json", "\"exempt\": \"Exempt\",", "",
     "wording: missing key \"status_label.exempt\"", 0, 0, NULL},
    {"wording.json", "\"exempt\": \"Exempt\",",
     "\"exempt\": \"Exempt\", \"bogus\": \"x\",",
     "wording: unknown key \"status_label.bogus\"", 0, 0, NULL},
    {"wording.json", "\"exempt\": \"Exempt\",",
     "\"exempt\": \"Exempt\", \"exempt\": \"x\",",
     "wording: duplicate key \"status_label.exempt\"", 0, 0, NULL},
    {"wording.json", "\"title\": \"Microsoft", "\"title\": 7, \"x\": \"",
     "wording: \"title\" must be a string", 0, 0, NULL},
    {"control.json", "\"kvaudit.templates/1\"", "\"kvaudit.templates/2\"",
     "not a kvaudit template file", 2, 3, NULL},
    {"control.json", "\"id\": \"KVA-DEFENDER-KEYVAULT\",", "",
     "control: missing \"id\"", 0, 0, NULL},
    {"control.json", "\"kind\": \"mcsb\",", "",
     "control reference 7: missing \"kind\"", 0, 0, NULL},
    {"control.json", "\"control\": {", "\"controls\": {",
     "unknown key \"controls\"", 0, 0, NULL},
    /* The policy command needs the DeployIfNotExists definition's id. */
    {"control.json", "\"effect\": \"DeployIfNotExists\"",
     "\"effect\": \"Deploy\"",
     "template 'policy_assign' uses {policy_definition_id}", 0, 0,
     "commands.json"},
};

static void test_override_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case *c = &bad_cases[i];
        char *dir = make_dir();
        char path[600];
        kva_templates *t = (kva_templates *)1;
        kva_diag d = {0};

        snprintf(path, sizeof path, "%s/%s", dir, c->file);
        if (c->from) {
            char *s = replace(builtin_text(c->file), c->from, c->to);
            write_file(dir, c->file, s, strlen(s));
            free(s);
        } else {
            unlink(path);
        }
        if (kva_templates_load(dir, &t, &d) != KVA_ERR_TEMPLATE)
            fail_msg("case %zu: not a template error", i);
        assert_null(t);
        assert_int_equal(d.code, KVA_ERR_TEMPLATE);
        assert_non_null(d.path);
        if (c->err_file) {
            char other[600];

            snprintf(other, sizeof other, "%s/%s", dir, c->err_file);
            assert_string_equal(d.path, other);
        } else {
            assert_string_equal(d.path, path);
        }
        assert_non_null(d.message);
        if (!strstr(d.message, c->want))
            fail_msg("case %zu: message \"%s\" lacks \"%s\"", i, d.message,
                     c->want);
        if (c->line && (d.line != c->line || d.col != c->col))
            fail_msg("case %zu (%s): at %u:%u, want %u:%u", i, d.message,
                     (unsigned)d.line, (unsigned)d.col, (unsigned)c->line,
                     (unsigned)c->col);
        kva_diag_clear(&d);
        remove_dir(dir);
    }
}

/* Bytes that are not JSON text: UTF-16 without a BOM, a NUL byte. */
static void test_override_encoding(void **state)
{
    char *dir = make_dir();
    kva_templates *t = NULL;
    kva_diag d = {0};
    const char *w = builtin_text("wording.json");
    size_t n = strlen(w);
    char *u16 = malloc(2 * n + 2);

    (void)state;
    assert_non_null(u16);
    /* UTF-16LE with a BOM (Windows PowerShell 5.1 `>`) is accepted. */
    u16[0] = (char)0xFF;
    u16[1] = (char)0xFE;
    for (size_t i = 0; i < n; i++) {
        u16[2 + 2 * i] = w[i];
        u16[3 + 2 * i] = 0;
    }
    write_file(dir, "wording.json", u16, 2 * n + 2);
    assert_int_equal(kva_templates_load(dir, &t, &d), KVA_OK);
    assert_string_equal(kva_templates_text(t, "status_label.exempt"),
                        "Exempt");
    kva_templates_free(t);
    /* Without the BOM it is an error, not nonsense. */
    write_file(dir, "wording.json", u16 + 2, 2 * n);
    assert_int_equal(kva_templates_load(dir, &t, &d), KVA_ERR_TEMPLATE);
    assert_null(t);
    write_file(dir, "control.json", "{\"schema\":\0}", 12);
    assert_int_equal(kva_templates_load(dir, &t, &d), KVA_ERR_TEMPLATE);
    write_file(dir, "control.json", "", 0);
    assert_int_equal(kva_templates_load(dir, &t, &d), KVA_ERR_TEMPLATE);
    assert_null(t);
    free(u16);
    kva_diag_clear(&d);
    remove_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin_control),
        cmocka_unit_test(test_builtin_wording),
        cmocka_unit_test(test_expand_builtin),
        cmocka_unit_test(test_expand_iac),
        cmocka_unit_test(test_expand_errors),
        cmocka_unit_test(test_override_ok),
        cmocka_unit_test(test_override_errors),
        cmocka_unit_test(test_override_encoding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

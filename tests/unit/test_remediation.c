#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "remediation.h"

#include "templates_builtin.h"

/*
 * Results are built by hand here (the evaluator has its own tests): a
 * calloc'ed kva_result whose arrays it owns, pointing at subscriptions
 * and vaults that live in static storage.
 */

typedef struct sub_spec {
    const char *id;
    const char *name;
    kva_status status;
    const char *mg_name; /* display name, or NULL */
    const char *mg_id;   /* id, or NULL */
    const char *parent_name; /* the next ancestor, or NULL */
    const char *parent_id;
    const char *tenant;  /* tenant id, or NULL */
} sub_spec;

typedef struct vault_spec {
    size_t sub; /* index into the sub specs */
    const char *location;
} vault_spec;

typedef struct fixture {
    kva_result *r;
    kva_sub *subs;
    kva_vault *vaults;
    char **mg_names;
    char **mg_ids;
    size_t n_subs;
} fixture;

static fixture build(const sub_spec *ss, size_t n, const vault_spec *vs,
                     size_t nv)
{
    fixture f;

    f.n_subs = n;
    f.r = calloc(1, sizeof *f.r);
    f.subs = calloc(n, sizeof *f.subs);
    f.vaults = calloc(nv ? nv : 1, sizeof *f.vaults);
    f.mg_names = calloc(2 * n, sizeof *f.mg_names);
    f.mg_ids = calloc(2 * n, sizeof *f.mg_ids);
    assert_non_null(f.r);
    assert_non_null(f.subs);
    assert_non_null(f.vaults);
    f.r->subs = kva_result_own(f.r, calloc(n, sizeof *f.r->subs));
    f.r->vaults = kva_result_own(f.r, calloc(nv ? nv : 1,
                                             sizeof *f.r->vaults));
    assert_non_null(f.r->subs);
    assert_non_null(f.r->vaults);
    f.r->n_subs = n;
    f.r->n_vaults = nv;
    for (size_t i = 0; i < n; i++) {
        kva_sub *s = &f.subs[i];

        s->id = (char *)ss[i].id;
        s->name = (char *)ss[i].name;
        s->tenant_id = (char *)ss[i].tenant;
        if (ss[i].mg_name || ss[i].mg_id) {
            f.mg_names[2 * i] = (char *)ss[i].mg_name;
            f.mg_ids[2 * i] = (char *)ss[i].mg_id;
            s->mgmt_groups = &f.mg_names[2 * i];
            s->mgmt_group_ids = &f.mg_ids[2 * i];
            s->n_mgmt_groups = 1;
            if (ss[i].parent_name || ss[i].parent_id) {
                f.mg_names[2 * i + 1] = (char *)ss[i].parent_name;
                f.mg_ids[2 * i + 1] = (char *)ss[i].parent_id;
                s->n_mgmt_groups = 2;
            }
        }
        f.r->subs[i].sub = s;
        f.r->subs[i].status = ss[i].status;
        f.r->subs[i].mgmt_group = ss[i].mg_name;
    }
    for (size_t i = 0; i < nv; i++) {
        f.vaults[i].location = (char *)vs[i].location;
        f.vaults[i].name = (char *)"kv";
        f.r->vaults[i].vault = &f.vaults[i];
        f.r->vaults[i].sub = &f.r->subs[vs[i].sub];
    }
    return f;
}

static void destroy(fixture *f)
{
    kva_result_free(f->r);
    free(f->subs);
    free(f->vaults);
    free(f->mg_names);
    free(f->mg_ids);
}

#define G1 "11111111-1111-4111-8111-111111111111"
#define G2 "22222222-2222-4222-8222-222222222222"
#define G3 "33333333-3333-4333-8333-333333333333"
#define G4 "44444444-4444-4444-8444-444444444444"
#define G5 "55555555-5555-4555-8555-555555555555"
#define G6 "66666666-6666-4666-8666-666666666666"

static void test_per_subscription(void **state)
{
    static const sub_spec ss[] = {
        {G1, "prod", KVA_ST_NONCOMPLIANT, NULL, NULL, NULL, NULL, NULL},
        {"AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE", "upper", KVA_ST_NO_EVIDENCE,
         NULL, NULL, NULL, NULL, NULL},
        {G3, "exempt", KVA_ST_EXEMPT, NULL, NULL, NULL, NULL, NULL},
        {G4, "ok", KVA_ST_COMPLIANT, NULL, NULL, NULL, NULL, NULL},
        {G5, "gone", KVA_ST_NOT_APPLICABLE, NULL, NULL, NULL, NULL, NULL},
    };
    fixture f = build(ss, 5, NULL, 0);
    kva_diag d = {0};

    (void)state;
    assert_int_equal(kva_remediation_fill(f.r, NULL, &d), KVA_OK);
    assert_string_equal(f.r->subs[0].remediation_az,
                        "az security pricing create --subscription " G1
                        " -n KeyVaults --tier Standard --subplan "
                        "PerKeyVault");
    assert_string_equal(f.r->subs[0].remediation_ps,
                        "Set-AzContext -Subscription " G1
                        "; Set-AzSecurityPricing -Name 'KeyVaults' "
                        "-PricingTier 'Standard' -SubPlan 'PerKeyVault'");
    assert_string_equal(f.r->subs[0].remediation_verify,
                        "az security pricing show --subscription " G1
                        " -n KeyVaults --query pricingTier");
    assert_int_equal(f.r->subs[0].priority, 1);
    /* GUIDs are written lower-case. */
    assert_string_equal(f.r->subs[1].remediation_verify,
                        "az security pricing show --subscription "
                        "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee -n KeyVaults "
                        "--query pricingTier");
    assert_int_equal(f.r->subs[1].priority, 2);
    for (size_t i = 2; i < 5; i++) {
        assert_null(f.r->subs[i].remediation_az);
        assert_null(f.r->subs[i].remediation_ps);
        assert_null(f.r->subs[i].remediation_verify);
        assert_int_equal(f.r->subs[i].priority, 0);
    }
    assert_int_equal(f.r->n_mg_plans, 0);
    assert_non_null(strstr(f.r->terraform, "resource_type = \"KeyVaults\""));
    assert_non_null(strstr(f.r->bicep, "Microsoft.Security/pricings@2024"));
    assert_int_equal(f.r->n_warnings, 0);
    destroy(&f);
}

/* A priority the evaluator set is kept. */
static void test_priority_kept(void **state)
{
    static const sub_spec ss[] = {
        {G1, "a", KVA_ST_NONCOMPLIANT, NULL, NULL, NULL, NULL, NULL},
        {G2, "b", KVA_ST_NONCOMPLIANT, NULL, NULL, NULL, NULL, NULL},
    };
    fixture f = build(ss, 2, NULL, 0);

    (void)state;
    f.r->subs[0].priority = 7;
    assert_int_equal(kva_remediation_fill(f.r, NULL, NULL), KVA_OK);
    assert_int_equal(f.r->subs[0].priority, 7);
    assert_int_equal(f.r->subs[1].priority, 2);
    destroy(&f);
}

/* Ids that are not GUIDs never reach a command; each gets a warning,
 * appended after the warnings that were there. */
static void test_hostile_ids(void **state)
{
    static const sub_spec ss[] = {
        {"$(touch /tmp/pwned)", "x", KVA_ST_NONCOMPLIANT, NULL, NULL, NULL,
         NULL, NULL},
        {G1 "; rm -rf ~", "y", KVA_ST_NO_EVIDENCE, NULL, NULL, NULL, NULL,
         NULL},
        {"`id`", "z", KVA_ST_NONCOMPLIANT, NULL, NULL, NULL, NULL, NULL},
        {G2, "fine", KVA_ST_NONCOMPLIANT, NULL, NULL, NULL, NULL, NULL},
    };
    fixture f = build(ss, 4, NULL, 0);
    kva_res_warning *old = kva_result_own(f.r, calloc(1, sizeof *old));
    kva_diag d = {0};

    (void)state;
    assert_non_null(old);
    old->code = "unknown_input";
    old->message = "first";
    f.r->warnings = old;
    f.r->n_warnings = 1;
    assert_int_equal(kva_remediation_fill(f.r, NULL, &d), KVA_OK);
    for (size_t i = 0; i < 3; i++) {
        assert_null(f.r->subs[i].remediation_az);
        assert_null(f.r->subs[i].remediation_ps);
        assert_null(f.r->subs[i].remediation_verify);
        assert_int_equal(f.r->subs[i].priority, (int)i + 1);
    }
    assert_non_null(f.r->subs[3].remediation_az);
    assert_int_equal(f.r->n_warnings, 4);
    assert_string_equal(f.r->warnings[0].message, "first");
    for (size_t i = 1; i < 4; i++) {
        assert_string_equal(f.r->warnings[i].code, "remediation_skipped");
        assert_string_equal(f.r->warnings[i].sub_id, ss[i - 1].id);
        assert_non_null(strstr(f.r->warnings[i].message, "is not a GUID"));
    }
    destroy(&f);
}

/*
 * Management groups: a plan per nearest group with two or more failing
 * subscriptions (compliant ones do not count), ids compared without
 * case, the identity's region the most common one of their vaults, and
 * no command for an id Azure would not accept.
 */
static void test_mg_plans(void **state)
{
    static const sub_spec ss[] = {
        {G1, "a", KVA_ST_NONCOMPLIANT, "Landing Zones", "lz", NULL, NULL, NULL},
        {G2, "b", KVA_ST_NO_EVIDENCE, "Landing Zones", "LZ", NULL, NULL, NULL},
        {G3, "c", KVA_ST_NONCOMPLIANT, "Landing Zones", "lz", NULL, NULL, NULL},
        {G4, "d", KVA_ST_COMPLIANT, "Corp", "corp", NULL, NULL, NULL},
        {G5, "e", KVA_ST_NONCOMPLIANT, "Corp", "corp", NULL, NULL, NULL},
        {G6, "f", KVA_ST_NONCOMPLIANT, "Sandbox (dev)", "sandbox(dev).1", NULL,
         NULL, NULL},
        {"77777777-7777-4777-8777-777777777777", "g", KVA_ST_NO_EVIDENCE,
         "Sandbox (dev)", "sandbox(dev).1", NULL, NULL, NULL},
        {"88888888-8888-4888-8888-888888888888", "h", KVA_ST_NONCOMPLIANT,
         "Evil", "evil\"; rm -rf ~; \"", NULL, NULL, NULL},
        {"99999999-9999-4999-8999-999999999999", "i", KVA_ST_NONCOMPLIANT,
         "Evil", "evil\"; rm -rf ~; \"", NULL, NULL, NULL},
        {"aaaaaaaa-9999-4999-8999-999999999999", "j", KVA_ST_NONCOMPLIANT,
         "Named only", NULL, NULL, NULL, NULL},
        {"bbbbbbbb-9999-4999-8999-999999999999", "k", KVA_ST_NONCOMPLIANT,
         "Named only", NULL, NULL, NULL, NULL},
    };
    static const vault_spec vs[] = {
        {0, "northeurope"}, {1, "North Europe"}, {2, "westeurope"},
        {3, "eastus"},      {3, "eastus"},       {3, "eastus"},
        {5, "bad region!"},
    };
    fixture f = build(ss, sizeof ss / sizeof ss[0], vs, 7);
    kva_diag d = {0};
    const kva_res_mg_plan *p;

    (void)state;
    assert_int_equal(kva_remediation_fill(f.r, NULL, &d), KVA_OK);
    assert_int_equal(f.r->n_mg_plans, 2);
    /* Most failing subscriptions first. */
    p = &f.r->mg_plans[0];
    assert_string_equal(p->mgmt_group_id, "lz");
    assert_string_equal(p->mgmt_group, "Landing Zones");
    assert_int_equal(p->n_subs, 3);
    assert_string_equal(
        p->assign_cmd,
        "az policy assignment create --name kva-defender-keyvault "
        "--display-name \"Configure Microsoft Defender for Key Vault plan\" "
        "--policy 1f725891-01c0-420a-9059-4fa46cb770b7 --scope "
        "\"/providers/Microsoft.Management/managementGroups/lz\" --params "
        "'{\"subPlan\":{\"value\":\"PerKeyVault\"}}' --mi-system-assigned "
        "--location northeurope --identity-scope "
        "\"/providers/Microsoft.Management/managementGroups/lz\" --role "
        "\"Security Admin\"");
    assert_string_equal(
        p->remediate_cmd,
        "az policy remediation create --name kva-defender-keyvault "
        "--management-group \"lz\" --policy-assignment "
        "\"/providers/Microsoft.Management/managementGroups/lz/providers/"
        "Microsoft.Authorization/policyAssignments/kva-defender-keyvault\"");
    p = &f.r->mg_plans[1];
    assert_string_equal(p->mgmt_group_id, "sandbox(dev).1");
    assert_int_equal(p->n_subs, 2);
    /* No usable vault location: the template's default. */
    assert_non_null(strstr(p->assign_cmd, "--location westeurope "));
    assert_non_null(strstr(p->assign_cmd, "managementGroups/sandbox(dev).1\""));
    /* The group known only by a display name with a space, and the one
     * with a hostile id, get no command but a warning each. */
    assert_int_equal(f.r->n_warnings, 2);
    for (size_t i = 0; i < 2; i++)
        assert_string_equal(f.r->warnings[i].code, "policy_route_skipped");
    assert_non_null(strstr(f.r->warnings[0].message, "'Evil' holds 2"));
    assert_non_null(strstr(f.r->warnings[1].message,
                           "'Named only' holds 2 failing subscriptions, but "
                           "the evidence gives only its display name"));
    destroy(&f);
}

static void test_mg_location_majority(void **state)
{
    static const sub_spec ss[] = {
        {G1, "a", KVA_ST_NONCOMPLIANT, "Corp", "corp", NULL, NULL, NULL},
        {G2, "b", KVA_ST_NONCOMPLIANT, "Corp", "corp", NULL, NULL, NULL},
        {G3, "c", KVA_ST_COMPLIANT, "Corp", "corp", NULL, NULL, NULL},
    };
    static const vault_spec vs[] = {
        {0, "swedencentral"}, {1, "swedencentral"}, {1, "westeurope"},
        /* vaults of compliant subscriptions do not count */
        {2, "eastus"}, {2, "eastus"}, {2, "eastus"},
    };
    fixture f = build(ss, 3, vs, 6);

    (void)state;
    assert_int_equal(kva_remediation_fill(f.r, NULL, NULL), KVA_OK);
    assert_int_equal(f.r->n_mg_plans, 1);
    assert_non_null(strstr(f.r->mg_plans[0].assign_cmd,
                           "--location swedencentral "));
    destroy(&f);
}

#define TENANT_A "aaaa0000-0000-4000-8000-00000000000a"
#define TENANT_B "bbbb0000-0000-4000-8000-00000000000b"

/*
 * The assignment at a management group reaches every subscription below
 * it: the exempt and not applicable ones are excluded with --not-scopes
 * (sorted, each once), at any depth, and so are those the evidence does
 * not place anywhere in the group's tenant. Compliant ones, failing ones
 * and ones known to sit elsewhere are not.
 */
static void test_mg_not_scopes(void **state)
{
    static const sub_spec ss[] = {
        /* the reviewer's case: two failing, one exempt below mg-corp */
        {G1, "a", KVA_ST_NONCOMPLIANT, "Corp", "mg-corp", NULL, NULL,
         TENANT_A},
        {G3, "c", KVA_ST_NONCOMPLIANT, "Corp", "mg-corp", NULL, NULL,
         TENANT_A},
        {"44444444-4444-4444-4444-444444444444", "exempt", KVA_ST_EXEMPT,
         "Corp", "MG-CORP", NULL, NULL, TENANT_A},
        /* two levels down, disabled */
        {"FFFFFFFF-0000-4000-8000-000000000001", "gone",
         KVA_ST_NOT_APPLICABLE, "Corp dev", "mg-corp-dev", "Corp",
         "mg-corp", NULL},
        /* below, but compliant or failing: nothing to exclude */
        {G2, "ok", KVA_ST_COMPLIANT, "Corp", "mg-corp", NULL, NULL, NULL},
        /* exempt, known to be elsewhere */
        {G5, "elsewhere", KVA_ST_EXEMPT, "Online", "mg-online", "Root",
         "root", NULL},
        /* exempt, the evidence does not place it: same or unknown
           tenant counts, another tenant does not */
        {G6, "nowhere", KVA_ST_EXEMPT, NULL, NULL, NULL, NULL, TENANT_A},
        {"77777777-7777-4777-8777-777777777777", "nowhere, no tenant",
         KVA_ST_EXEMPT, NULL, NULL, NULL, NULL, NULL},
        {"88888888-8888-4888-8888-888888888888", "other tenant",
         KVA_ST_EXEMPT, NULL, NULL, NULL, NULL, TENANT_B},
        /* an ancestor known only by the group's display name */
        {"99999999-9999-4999-8999-999999999999", "by name",
         KVA_ST_NOT_APPLICABLE, "Corp", NULL, NULL, NULL, NULL},
    };
    fixture f = build(ss, sizeof ss / sizeof ss[0], NULL, 0);
    kva_diag d = {0};
    const kva_res_mg_plan *p;

    (void)state;
    assert_int_equal(kva_remediation_fill(f.r, NULL, &d), KVA_OK);
    assert_int_equal(f.r->n_warnings, 0);
    assert_int_equal(f.r->n_mg_plans, 1);
    p = &f.r->mg_plans[0];
    assert_string_equal(p->mgmt_group_id, "mg-corp");
    assert_int_equal(p->n_subs, 2);
    assert_string_equal(
        p->assign_cmd,
        "az policy assignment create --name kva-defender-keyvault "
        "--display-name \"Configure Microsoft Defender for Key Vault plan\" "
        "--policy 1f725891-01c0-420a-9059-4fa46cb770b7 --scope "
        "\"/providers/Microsoft.Management/managementGroups/mg-corp\" "
        "--params '{\"subPlan\":{\"value\":\"PerKeyVault\"}}' "
        "--mi-system-assigned --location westeurope --identity-scope "
        "\"/providers/Microsoft.Management/managementGroups/mg-corp\" "
        "--role \"Security Admin\" --not-scopes "
        "/subscriptions/44444444-4444-4444-4444-444444444444 "
        "/subscriptions/66666666-6666-4666-8666-666666666666 "
        "/subscriptions/77777777-7777-4777-8777-777777777777 "
        "/subscriptions/99999999-9999-4999-8999-999999999999 "
        "/subscriptions/ffffffff-0000-4000-8000-000000000001");
    /* The remediation task works through the assignment: nothing to add. */
    assert_null(strstr(p->remediate_cmd, "not-scopes"));
    destroy(&f);
}

/* Nothing to exclude: no --not-scopes at all (az refuses it empty). */
static void test_mg_no_exclusions(void **state)
{
    static const sub_spec ss[] = {
        {G1, "a", KVA_ST_NONCOMPLIANT, "Corp", "corp", NULL, NULL, NULL},
        {G2, "b", KVA_ST_NO_EVIDENCE, "Corp", "corp", NULL, NULL, NULL},
        {G3, "c", KVA_ST_EXEMPT, "Online", "online", NULL, NULL, NULL},
    };
    fixture f = build(ss, 3, NULL, 0);

    (void)state;
    assert_int_equal(kva_remediation_fill(f.r, NULL, NULL), KVA_OK);
    assert_int_equal(f.r->n_mg_plans, 1);
    assert_null(strstr(f.r->mg_plans[0].assign_cmd, "not-scopes"));
    assert_non_null(strstr(f.r->mg_plans[0].assign_cmd,
                           "--role \"Security Admin\""));
    assert_int_equal(f.r->n_warnings, 0);
    destroy(&f);
}

/*
 * A subscription that must be excluded but whose id is not a GUID cannot
 * be written into --not-scopes: no policy command for that group, a
 * warning instead; other groups are unaffected.
 */
static void test_mg_not_scopes_bad_id(void **state)
{
    static const sub_spec ss[] = {
        {G1, "a", KVA_ST_NONCOMPLIANT, "Corp", "corp", NULL, NULL, NULL},
        {G2, "b", KVA_ST_NONCOMPLIANT, "Corp", "corp", NULL, NULL, NULL},
        {"$(reboot)", "evil", KVA_ST_EXEMPT, "Corp", "corp", NULL, NULL,
         NULL},
        {G3, "c", KVA_ST_NONCOMPLIANT, "Online", "online", NULL, NULL, NULL},
        {G4, "d", KVA_ST_NONCOMPLIANT, "Online", "online", NULL, NULL, NULL},
    };
    fixture f = build(ss, 5, NULL, 0);

    (void)state;
    assert_int_equal(kva_remediation_fill(f.r, NULL, NULL), KVA_OK);
    assert_int_equal(f.r->n_mg_plans, 1);
    assert_string_equal(f.r->mg_plans[0].mgmt_group_id, "online");
    assert_int_equal(f.r->n_warnings, 1);
    assert_string_equal(f.r->warnings[0].code, "policy_route_skipped");
    assert_non_null(strstr(f.r->warnings[0].message, "'Corp' holds 2"));
    assert_non_null(strstr(f.r->warnings[0].message,
                           "'$(reboot)' is exempt or not applicable"));
    destroy(&f);
}

/*
 * A management group the evidence names only by its display name
 * ("Production": valid as an id, but not its id) gets no command and a
 * warning; a group with the same text as its id is another group.
 */
static void test_mg_display_name_only(void **state)
{
    static const sub_spec ss[] = {
        {G1, "a", KVA_ST_NONCOMPLIANT, "Production", NULL, NULL, NULL, NULL},
        {G2, "b", KVA_ST_NONCOMPLIANT, "Production", NULL, NULL, NULL, NULL},
        {G3, "c", KVA_ST_NONCOMPLIANT, "Production", "production", NULL,
         NULL, NULL},
    };
    fixture f = build(ss, 3, NULL, 0);

    (void)state;
    assert_int_equal(kva_remediation_fill(f.r, NULL, NULL), KVA_OK);
    assert_int_equal(f.r->n_mg_plans, 0);
    assert_int_equal(f.r->n_warnings, 1);
    assert_string_equal(f.r->warnings[0].code, "policy_route_skipped");
    assert_non_null(strstr(f.r->warnings[0].message,
                           "'Production' holds 2 failing subscriptions, but "
                           "the evidence gives only its display name"));
    destroy(&f);
}

static const char *builtin_text(const char *name)
{
    for (size_t i = 0; i < KVA_BUILTIN_TEMPLATES_N; i++)
        if (strcmp(kva_builtin_templates[i].name, name) == 0)
            return (const char *)kva_builtin_templates[i].text;
    fail_msg("no built-in %s", name);
    return NULL;
}

/* Copy of s with every occurrence of `from` removed. */
static char *without(const char *s, const char *from)
{
    size_t n = strlen(from), o = 0;
    char *out = malloc(strlen(s) + 1);

    assert_non_null(out);
    while (*s) {
        if (strncmp(s, from, n) == 0) {
            s += n;
            continue;
        }
        out[o++] = *s++;
    }
    out[o] = '\0';
    return out;
}

static void put(const char *dir, const char *name, const char *text)
{
    char path[256];
    FILE *fp;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(text, 1, strlen(text), fp), strlen(text));
    assert_int_equal(fclose(fp), 0);
}

/*
 * A --templates policy_assign written before {not_scopes} existed still
 * loads; it gets a command where nothing must be excluded, and a warning
 * instead of a command that would reach exempt subscriptions.
 */
static void test_mg_template_without_not_scopes(void **state)
{
    static const sub_spec ss[] = {
        {G1, "a", KVA_ST_NONCOMPLIANT, "Corp", "corp", NULL, NULL, NULL},
        {G2, "b", KVA_ST_NONCOMPLIANT, "Corp", "corp", NULL, NULL, NULL},
        {G3, "x", KVA_ST_EXEMPT, "Corp", "corp", NULL, NULL, NULL},
        {G4, "c", KVA_ST_NONCOMPLIANT, "Online", "online", NULL, NULL, NULL},
        {G5, "d", KVA_ST_NONCOMPLIANT, "Online", "online", NULL, NULL, NULL},
    };
    char tmpl[] = "/tmp/kva-rem.XXXXXX";
    char *dir = mkdtemp(tmpl), path[256];
    char *cmds0 = without(builtin_text("commands.json"), "{not_scopes}");
    char *cmds = without(cmds0, ", \"not_scopes\"");
    kva_templates *t = NULL;
    kva_diag d = {0};
    fixture f = build(ss, 5, NULL, 0);

    (void)state;
    assert_non_null(dir);
    put(dir, "control.json", builtin_text("control.json"));
    put(dir, "wording.json", builtin_text("wording.json"));
    put(dir, "commands.json", cmds);
    assert_int_equal(kva_templates_load(dir, &t, &d), KVA_OK);
    assert_false(kva_templates_uses(t, "policy_assign", "not_scopes"));
    assert_true(kva_templates_uses(kva_templates_builtin(), "policy_assign",
                                   "not_scopes"));
    assert_int_equal(kva_remediation_fill(f.r, t, &d), KVA_OK);
    assert_int_equal(f.r->n_mg_plans, 1);
    assert_string_equal(f.r->mg_plans[0].mgmt_group_id, "online");
    assert_int_equal(f.r->n_warnings, 1);
    assert_non_null(strstr(f.r->warnings[0].message,
                           "'Corp' holds 2 failing subscriptions and exempt"));
    assert_non_null(strstr(f.r->warnings[0].message, "no {not_scopes}"));
    destroy(&f);
    kva_templates_free(t);
    for (size_t i = 0; i < 3; i++) {
        static const char *const names[] = {"control.json", "commands.json",
                                            "wording.json"};
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
    free(cmds0);
    free(cmds);
    kva_diag_clear(&d);
}

static void test_empty(void **state)
{
    kva_result *r = calloc(1, sizeof *r);
    kva_diag d = {0};

    (void)state;
    assert_non_null(r);
    assert_int_equal(kva_remediation_fill(r, kva_templates_builtin(), &d),
                     KVA_OK);
    assert_int_equal(r->n_mg_plans, 0);
    assert_non_null(r->terraform);
    assert_non_null(r->bicep);
    kva_result_free(r);
    assert_int_equal(kva_remediation_fill(NULL, NULL, &d), KVA_ERR_USAGE);
    kva_diag_clear(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_per_subscription),
        cmocka_unit_test(test_priority_kept),
        cmocka_unit_test(test_hostile_ids),
        cmocka_unit_test(test_mg_plans),
        cmocka_unit_test(test_mg_location_majority),
        cmocka_unit_test(test_mg_not_scopes),
        cmocka_unit_test(test_mg_no_exclusions),
        cmocka_unit_test(test_mg_not_scopes_bad_id),
        cmocka_unit_test(test_mg_display_name_only),
        cmocka_unit_test(test_mg_template_without_not_scopes),
        cmocka_unit_test(test_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

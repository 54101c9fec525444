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

#include "fixture_report.h"
#include "render/render.h"
#include "render/xlsx_cell.h"
#include "text.h"

#define G1 "4f3c2a10-8b7d-4e21-9a6f-00000000c001"
#define G2 "2a9f6e15-c3d7-4a8b-b041-00000000c006"
#define G3 "a7b6c5d4-e3f2-4a10-9f8e-00000000c012"
#define FORMULA "=HYPERLINK(\"http://x\")"
#define ENABLED_AT 1710753164  /* 2024-03-18T09:12:44Z */
#define AS_OF 1795392000       /* 2026-11-23T00:00:00Z */
#define EXPIRES_DAY 1793404800 /* 2026-10-31 */
#define LONG_REASON 40000

static char tmpdir[] = "/tmp/kva-test-xlsx.XXXXXX";

/* ---- reading the workbook back ---------------------------------------- */

static char *run(const char *cmd, size_t *len)
{
    FILE *p = popen(cmd, "r");
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);

    assert_non_null(p);
    assert_non_null(buf);
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        size_t got = fread(buf + n, 1, 4096, p);
        if (got == 0)
            break;
        n += got;
    }
    pclose(p);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

/* One part of the zip ("" when it is not there). Paths are our own. */
static char *part(const char *xlsx, const char *name)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "unzip -p '%s' '%s' 2>/dev/null", xlsx, name);
    return run(cmd, NULL);
}

static char *attr(const char *elem, const char *name)
{
    char key[64];
    const char *end = strchr(elem, '>');
    snprintf(key, sizeof key, " %s=\"", name);
    const char *p = strstr(elem, key);
    if (!p || (end && p > end))
        return NULL;
    p += strlen(key);
    const char *q = strchr(p, '"');
    return strndup(p, (size_t)(q - p));
}

/* The <c> element of cell `ref`, or NULL. */
static char *cell(const char *sheet, const char *ref)
{
    char key[32];
    snprintf(key, sizeof key, "<c r=\"%s\"", ref);
    const char *p = strstr(sheet, key);
    if (!p)
        return NULL;
    const char *gt = strchr(p, '>');
    if (gt[-1] == '/')
        return strndup(p, (size_t)(gt + 1 - p));
    const char *end = strstr(p, "</c>");
    return strndup(p, (size_t)(end + 4 - p));
}

static char *between(const char *s, const char *open, const char *close)
{
    const char *p = strstr(s, open);
    if (!p)
        return NULL;
    p += strlen(open);
    const char *q = strstr(p, close);
    return q ? strndup(p, (size_t)(q - p)) : NULL;
}

static void unescape(char *s)
{
    static const struct {
        const char *ent;
        char c;
    } ents[] = {{"&amp;", '&'},
                {"&lt;", '<'},
                {"&gt;", '>'},
                {"&quot;", '"'},
                {"&apos;", '\''}};
    char *o = s;
    for (const char *p = s; *p;) {
        size_t i;
        for (i = 0; i < 5; i++) {
            size_t n = strlen(ents[i].ent);
            if (strncmp(p, ents[i].ent, n) == 0) {
                *o++ = ents[i].c;
                p += n;
                break;
            }
        }
        if (i == 5)
            *o++ = *p++;
    }
    *o = '\0';
}

/* Shared string number idx, unescaped. */
static char *shared(const char *sst, long idx)
{
    const char *p = sst;
    for (long i = 0; i <= idx; i++) {
        p = strstr(p, "<si>");
        assert_non_null(p);
        p += 4;
    }
    const char *end = strstr(p, "</si>");
    char *si = strndup(p, (size_t)(end - p));
    char *t = between(si, ">", "</t>");
    free(si);
    unescape(t);
    return t;
}

/* The text of a string cell (shared or inline), or NULL for other cells. */
static char *cell_text(const char *sheet, const char *sst, const char *ref)
{
    char *c = cell(sheet, ref), *t = c ? attr(c, "t") : NULL, *out = NULL;
    if (t && strcmp(t, "s") == 0) {
        char *v = between(c, "<v>", "</v>");
        out = shared(sst, strtol(v, NULL, 10));
        free(v);
    } else if (t && strcmp(t, "inlineStr") == 0) {
        char *is = between(c, "<is>", "</is>");
        out = between(is, ">", "</t>");
        unescape(out);
        free(is);
    }
    free(c);
    free(t);
    return out;
}

/* The number format (formatCode) of cell style s. */
static char *style_format(const char *styles, long s)
{
    const char *p = strstr(styles, "<cellXfs");
    assert_non_null(p);
    for (long i = 0; i <= s; i++) {
        p = strstr(p + 1, "<xf ");
        assert_non_null(p);
    }
    char *id = attr(p, "numFmtId");
    long n = strtol(id, NULL, 10);
    free(id);
    if (n == 0)
        return strdup("General");
    char key[64];
    snprintf(key, sizeof key, "<numFmt numFmtId=\"%ld\"", n);
    const char *f = strstr(styles, key);
    if (!f)
        return strdup("(built in)");
    char *code = attr(f, "formatCode");
    unescape(code);
    return code;
}

/* A number cell: its value and its number format. */
static double number_cell(const char *sheet, const char *styles,
                          const char *ref, const char *want_format)
{
    char *c = cell(sheet, ref);
    assert_non_null(c);
    char *t = attr(c, "t");
    assert_null(t); /* no t attribute: a number */
    char *s = attr(c, "s");
    assert_non_null(s);
    char *fmt = style_format(styles, strtol(s, NULL, 10));
    assert_string_equal(fmt, want_format);
    char *v = between(c, "<v>", "</v>");
    assert_non_null(v);
    double d = strtod(v, NULL);
    free(c);
    free(s);
    free(fmt);
    free(v);
    return d;
}

/* The reference of the first string cell showing `text`, or NULL. */
static char *find_text(const char *sheet, const char *sst, const char *text)
{
    for (const char *p = strstr(sheet, "<c r=\""); p;
         p = strstr(p + 1, "<c r=\"")) {
        char *ref = attr(p, "r");
        char *t = cell_text(sheet, sst, ref);
        bool hit = t && strcmp(t, text) == 0;
        free(t);
        if (hit)
            return ref;
        free(ref);
    }
    return NULL;
}

static size_t count_of(const char *s, const char *what)
{
    size_t n = 0;
    for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
        n++;
    return n;
}

/* Every XML part of the workbook is valid UTF-8 and holds no control
 * character XML forbids. */
static void assert_clean_parts(const char *xlsx)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "unzip -Z1 '%s'", xlsx);
    char *list = run(cmd, NULL);
    size_t parts = 0;
    for (char *name = strtok(list, "\n"); name; name = strtok(NULL, "\n")) {
        size_t len;
        /* unzip reads its names as patterns: [Content_Types].xml */
        snprintf(cmd, sizeof cmd, "unzip -p '%s' '%s%s'", xlsx,
                 name[0] == '[' ? "\\" : "", name);
        char *x = run(cmd, &len);
        assert_true(kva_utf8_valid(x, len, NULL));
        for (size_t i = 0; i < len; i++) {
            unsigned char ch = (unsigned char)x[i];
            if (ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r')
                fail_msg("control byte 0x%02x in %s", ch, name);
        }
        assert_null(strstr(x, "\xEF\xBF\xBE"));
        free(x);
        parts++;
    }
    assert_true(parts >= 15);
    free(list);
}

/* ---- a hand-built result ------------------------------------------------ */

typedef struct fixture {
    kva_report rep;
    kva_result r;
    kva_sub subs[3];
    kva_res_sub rsubs[3];
    kva_vault vaults[3];
    kva_res_vault rvaults[3];
    kva_exception exc;
    kva_res_exception rexc;
    kva_input inputs[2];
    kva_res_warning warn;
    kva_breakdown owners[2], envs[2], tenants[1], mgs[1];
    kva_trend_change regressed[1];
    kva_res_mg_plan mg[1];
    char *mg_names[1];
    const char *evidence[2];
    char *reason;
} fixture;

static void build(fixture *f)
{
    memset(f, 0, sizeof *f);
    f->reason = malloc(LONG_REASON + 1);
    assert_non_null(f->reason);
    memset(f->reason, 'r', LONG_REASON);
    f->reason[LONG_REASON] = '\0';

    f->mg_names[0] = (char *)"Landing Zones - Corp";
    f->subs[0] =
        (kva_sub){.id = (char *)G1,
                  .name = (char *)"Payments Prod",
                  .tenant_id = (char *)"c0c0c0c0-0000-4000-8000-0000000000c1",
                  .state = (char *)"Enabled",
                  .mgmt_groups = f->mg_names,
                  .n_mgmt_groups = 1};
    f->subs[1] = (kva_sub){.id = (char *)G2,
                           .name = (char *)"Bad\xff name",
                           .state = (char *)"Enabled"};
    f->subs[2] = (kva_sub){.id = (char *)G3,
                           .name = (char *)"Legacy",
                           .state = (char *)"Disabled"};
    f->evidence[0] = "samples/a.json";
    f->evidence[1] = "samples/b.json";

    f->exc = (kva_exception){.sub_id = (char *)G1,
                             .reason = f->reason,
                             .owner = (char *)"Risk Owner",
                             .expires = (char *)"2026-10-31",
                             .expires_day = EXPIRES_DAY,
                             .ticket = (char *)"-2+3"};
    f->rexc = (kva_res_exception){.exc = &f->exc,
                                  .state = KVA_EXC_EXPIRED,
                                  .days_left = -23,
                                  .sub_name = "Payments Prod",
                                  .path = "samples/exceptions.json"};

    kva_res_sub *s = f->rsubs;
    s[0] = (kva_res_sub){.sub = &f->subs[0],
                         .status = KVA_ST_NONCOMPLIANT,
                         .flags = KVA_FLAG_EXCEPTION_EXPIRED,
                         .tier = "Free",
                         .enablement_time = KVA_UNKNOWN_TIME,
                         .trial_remaining_s = KVA_UNKNOWN_SECONDS,
                         .owner = FORMULA,
                         .owner_source = KVA_SRC_SUBSCRIPTION,
                         .environment = "production",
                         .mgmt_group = "Landing Zones - Corp",
                         .vaults = 1,
                         .exception = &f->rexc,
                         .evidence = f->evidence,
                         .n_evidence = 2,
                         .remediation_az = "az security pricing create -n "
                                           "KeyVaults --tier Standard",
                         .remediation_ps = "Set-AzSecurityPricing -Name "
                                           "KeyVaults",
                         .remediation_verify = "az security pricing show",
                         .priority = 1};
    s[1] = (kva_res_sub){.sub = &f->subs[1],
                         .status = KVA_ST_COMPLIANT,
                         .flags = KVA_FLAG_TRIAL_ENDING,
                         .tier = "Standard",
                         .sub_plan = "PerKeyVault",
                         .enablement_time = ENABLED_AT,
                         .trial_remaining_s = 13 * 86400 + 5,
                         .owner = "Zo\xC3\xAB \xC3\x98rsted",
                         .owner_source = KVA_SRC_SUBSCRIPTION,
                         .environment = "qa\x01"
                                        "env",
                         .vaults = 1,
                         .vaults_covered = 1,
                         .evidence = f->evidence,
                         .n_evidence = 1};
    s[2] = (kva_res_sub){.sub = &f->subs[2],
                         .status = KVA_ST_NOT_APPLICABLE,
                         .enablement_time = KVA_UNKNOWN_TIME,
                         .trial_remaining_s = KVA_UNKNOWN_SECONDS,
                         .environment = "unknown",
                         .vaults = 1};

    const char *vnames[3] = {"kv-pay-01", "kv-qa-01", "kv-old"};
    const char *vowners[3] = {"@SUM(1+1)", "+cmd|' /C calc'!A0", NULL};
    for (int i = 0; i < 3; i++) {
        f->vaults[i] = (kva_vault){.id = (char *)"/subscriptions/x/vault",
                                   .name = (char *)vnames[i],
                                   .resource_group = (char *)"rg",
                                   .location = (char *)"westeurope",
                                   .sub_id = f->subs[i].id};
        f->rvaults[i] = (kva_res_vault){
            .vault = &f->vaults[i],
            .sub = &s[i],
            .covered = i == 1,
            .counted = i != 2,
            .owner = vowners[i],
            .owner_source = vowners[i] ? KVA_SRC_VAULT : KVA_SRC_NONE,
            .environment = s[i].environment};
    }

    f->inputs[0] = (kva_input){.path = (char *)"samples/a.json",
                               .kind = KVA_KIND_PRICINGS,
                               .records = 3,
                               .bytes = 1234};
    memset(f->inputs[0].sha256, 'a', 64);
    f->inputs[1] = (kva_input){.path = (char *)"samples/b.json",
                               .kind = KVA_KIND_VAULTS,
                               .records = 3,
                               .bytes = 99,
                               .failed = true};
    memset(f->inputs[1].sha256, 'b', 64);
    f->warn = (kva_res_warning){.code = "trial_ending",
                                .message = "billing starts in 13 days",
                                .path = "samples/a.json",
                                .sub_id = G2,
                                .line = 12,
                                .col = 5};

    f->owners[0] = (kva_breakdown){FORMULA, 1, 0, 0.0, NULL};
    f->owners[1] = (kva_breakdown){"Zo\xC3\xAB \xC3\x98rsted", 1, 1, 100.0, NULL};
    f->envs[0] = (kva_breakdown){"production", 1, 0, 0.0, NULL};
    f->envs[1] = (kva_breakdown){"qa\x01"
                                 "env",
                                 1, 1, 100.0, NULL};
    f->tenants[0] =
        (kva_breakdown){"c0c0c0c0-0000-4000-8000-0000000000c1", 2, 1, 50.0, NULL};
    f->mgs[0] = (kva_breakdown){"Landing Zones - Corp", 1, 0, 0.0, NULL};

    kva_result *r = &f->r;
    r->as_of = AS_OF;
    r->complete = false;
    r->pass = false;
    r->subs = f->rsubs;
    r->n_subs = 3;
    r->vaults = f->rvaults;
    r->n_vaults = 3;
    r->exceptions = &f->rexc;
    r->n_exceptions = 1;
    r->inputs = f->inputs;
    r->n_inputs = 2;
    r->warnings = &f->warn;
    r->n_warnings = 1;
    kva_kpis *k = &r->kpis;
    k->subscriptions_total = 3;
    k->subscriptions_in_scope = 2;
    k->by_status[KVA_ST_NONCOMPLIANT] = 1;
    k->by_status[KVA_ST_COMPLIANT] = 1;
    k->by_status[KVA_ST_NOT_APPLICABLE] = 1;
    k->subscription_coverage_pct = 50.0;
    k->compliance_pct = 50.0;
    k->vaults_total = 2;
    k->vaults_covered = 1;
    k->vault_coverage_pct = 50.0;
    k->vaults_with_owner = 2;
    k->owner_coverage_pct = -1;
    k->by_owner = f->owners;
    k->n_by_owner = 2;
    k->by_environment = f->envs;
    k->n_by_environment = 2;
    k->by_tenant = f->tenants;
    k->n_by_tenant = 1;
    k->by_management_group = f->mgs;
    k->n_by_management_group = 1;

    f->regressed[0] = (kva_trend_change){G1, "Payments Prod", KVA_ST_EXEMPT,
                                         KVA_ST_NONCOMPLIANT};
    r->trend.present = true;
    r->trend.baseline_path = "baseline/report.json";
    r->trend.baseline_as_of = "2026-10-23T00:00:00Z";
    r->trend.before[KVA_ST_EXEMPT] = 1;
    r->trend.before[KVA_ST_COMPLIANT] = 1;
    r->trend.now[KVA_ST_NONCOMPLIANT] = 1;
    r->trend.now[KVA_ST_COMPLIANT] = 1;
    r->trend.compliance_pct_before = 100.0;
    r->trend.compliance_pct_now = 50.0;
    r->trend.regressed = f->regressed;
    r->trend.n_regressed = 1;

    f->mg[0] = (kva_res_mg_plan){"Landing Zones - Corp", "lz-corp", 2,
                                 "az policy assignment create --name x",
                                 "az policy remediation create --name x"};
    r->mg_plans = f->mg;
    r->n_mg_plans = 1;
    r->terraform = "resource \"azurerm_security_center_subscription_pricing\""
                   " \"kv\" {\n  tier          = \"Standard\"\n"
                   "  resource_type = \"KeyVaults\"\n}\n";

    f->rep.result = r;
    f->rep.templates = kva_templates_builtin();
    f->rep.title = "Key Vault Defender coverage";
    f->rep.org = "Contoso Group";
    f->rep.as_of = AS_OF;
    f->rep.command_line = "kvaudit report -f xlsx samples";
    f->rep.tool_version = "kvaudit 0.1.0";
    f->rep.lib_versions = "libxlsxwriter " LXW_VERSION;
}

static void unbuild(fixture *f)
{
    free(f->reason);
}

static char *render(const kva_report *rep, const char *name)
{
    char *path = malloc(strlen(tmpdir) + strlen(name) + 2);
    kva_diag d = {0};
    assert_non_null(path);
    sprintf(path, "%s/%s", tmpdir, name);
    kva_error e = kva_render_xlsx(rep, path, &d);
    if (e != KVA_OK)
        fail_msg("render: %s", d.message ? d.message : "?");
    kva_diag_clear(&d);
    return path;
}

/* The rendered fixture and its main parts, built once. */
static struct book {
    fixture f;
    char *path;
    char *workbook, *sst, *styles, *core, *sheet[9];
} B;

static int setup(void **state)
{
    (void)state;
    char name[64];
    if (!mkdtemp(tmpdir))
        return -1;
    build(&B.f);
    B.path = render(&B.f.rep, "fixture.xlsx");
    B.workbook = part(B.path, "xl/workbook.xml");
    B.sst = part(B.path, "xl/sharedStrings.xml");
    B.styles = part(B.path, "xl/styles.xml");
    B.core = part(B.path, "docProps/core.xml");
    for (int i = 1; i <= 8; i++) {
        snprintf(name, sizeof name, "xl/worksheets/sheet%d.xml", i);
        B.sheet[i] = part(B.path, name);
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    free(B.path);
    free(B.workbook);
    free(B.sst);
    free(B.styles);
    free(B.core);
    for (int i = 1; i <= 8; i++)
        free(B.sheet[i]);
    unbuild(&B.f);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---- text preparation ---------------------------------------------------- */

static const struct prep_case {
    const char *in;
    unsigned opts;
    const char *out; /* NULL: the input, unchanged */
    size_t replaced;
    unsigned width;
} prep_cases[] = {
    {"plain", 0, NULL, 0, 5},
    {"", 0, NULL, 0, 0},
    {FORMULA, 0, NULL, 0, 22},
    {"_x0041_", 0, "_x005F_x0041_", 0, 7},
    {"a_x00e9_b", 0, "a_x005F_x00e9_b", 0, 9},
    /* "_x005F_" is itself an escape: each underscore that starts one is
     * protected, so Excel shows exactly what was typed */
    {"_x005F_x0041_", 0, "_x005F_x005F_x005F_x0041_", 0, 13},
    {"_X0041_", 0, NULL, 0, 7},
    {"_x004G_", 0, NULL, 0, 7},
    {"_x0041", 0, NULL, 0, 6},
    {"_x0041_", KVA_XLSX_PLAIN, NULL, 0, 7},
    {"a\xff"
     "b",
     0,
     "a\xEF\xBF\xBD"
     "b",
     1, 3},
    {"\xC3\x28", 0, "\xEF\xBF\xBD(", 1, 2},
    /* a UTF-16 surrogate in UTF-8: three bytes, none of them valid */
    {"\xED\xA0\x80x", 0, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDx", 3, 4},
    {"\xEF\xBF\xBE|\xEF\xBF\xBF", 0, "\xEF\xBF\xBD|\xEF\xBF\xBD", 2, 3},
    {"a\x07"
     "b",
     0, NULL, 0, 3},
    {"a\x07"
     "b",
     KVA_XLSX_NO_CONTROLS,
     "a\xEF\xBF\xBD"
     "b",
     1, 3},
    {"a\tb\r\nc", KVA_XLSX_NO_CONTROLS, NULL, 0, 4},
    {"ab\ncdef\ng", 0, NULL, 0, 4},
    {"\xE5\xB1\xB1\xE7\x94\xB0\xE5\xA4\xAA\xE9\x83\x8E", 0, NULL, 0, 8},
    {"Zo\xC3\xAB", 0, NULL, 0, 3},
};

static void test_prepare_table(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t cap = 0;
    for (size_t i = 0; i < sizeof prep_cases / sizeof prep_cases[0]; i++) {
        const struct prep_case *c = &prep_cases[i];
        kva_xlsx_text t;
        assert_int_equal(kva_xlsx_prepare(c->in, c->opts, &buf, &cap, &t),
                         KVA_OK);
        assert_string_equal(t.s, c->out ? c->out : c->in);
        assert_true(kva_utf8_valid(t.s, strlen(t.s), NULL));
        assert_int_equal(t.replaced, c->replaced);
        assert_int_equal(t.cut, 0);
        if (c->width)
            assert_int_equal(t.width, c->width);
    }
    free(buf);
}

/* Code points and UTF-16 units of s. */
static void measure(const char *s, size_t *cps, size_t *units)
{
    size_t len = strlen(s);
    *cps = *units = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += kva_utf8_next(s + i, len - i, &cp);
        (*cps)++;
        *units += cp > 0xFFFF ? 2 : 1;
    }
}

static void check_cut(const char *in, size_t in_chars, const char *unit,
                      size_t escapes_per_unit)
{
    char *buf = NULL;
    size_t cap = 0, cps, units;
    kva_xlsx_text t;

    assert_int_equal(kva_xlsx_prepare(in, 0, &buf, &cap, &t), KVA_OK);
    assert_true(t.cut > 0);
    measure(t.s, &cps, &units);
    /* libxlsxwriter counts code points, Excel UTF-16 units */
    assert_true(cps <= KVA_XLSX_MAX_CHARS);
    assert_true(units <= KVA_XLSX_MAX_CHARS);
    assert_true(units >= KVA_XLSX_MAX_CHARS - 16);
    /* thousands separators: compare without them */
    const char *m = strstr(t.s, "\xE2\x80\xA6 [cut: ");
    assert_non_null(m);
    char digits[40];
    size_t d = 0;
    for (const char *p = m + 10; *p != ' '; p++)
        if (*p != ',')
            digits[d++] = *p;
    digits[d] = '\0';
    assert_int_equal(strtoull(digits, NULL, 10), t.cut);
    /* the marker ends the text */
    assert_string_equal(strchr(m + 10, ' '), " characters]");
    /* what is kept is the start of the text (escaped when it has to be),
     * and kept plus cut is all of it */
    size_t kept_bytes = (size_t)(m - t.s);
    size_t shown = 0, n = 0;
    if (escapes_per_unit) {
        for (size_t i = 0; i < kept_bytes; i++) {
            if (strncmp(t.s + i, "_x005F", 6) == 0)
                i += 6;
            assert_int_equal(t.s[i], unit[n % strlen(unit)]);
            n++;
        }
        shown = n;
    } else {
        size_t ulen = strlen(unit);
        assert_int_equal(kept_bytes % ulen, 0);
        assert_memory_equal(t.s, in, kept_bytes);
        shown = kept_bytes / ulen;
    }
    assert_int_equal(shown + t.cut, in_chars);
    free(buf);
}

static char *repeat(const char *unit, size_t n)
{
    size_t u = strlen(unit);
    char *s = malloc(u * n + 1);
    assert_non_null(s);
    for (size_t i = 0; i < n; i++)
        memcpy(s + i * u, unit, u);
    s[u * n] = '\0';
    return s;
}

static void test_prepare_cut(void **state)
{
    (void)state;
    char *a = repeat("a", 40000);
    check_cut(a, 40000, "a", 0);
    free(a);
    /* supplementary characters take two UTF-16 units each */
    char *e = repeat("\xF0\x9F\x98\x80", 20000);
    check_cut(e, 20000, "\xF0\x9F\x98\x80", 0);
    free(e);
    /* escapes count for libxlsxwriter's limit */
    char *x = repeat("_x0041_", 5000);
    check_cut(x, 35000, "_x0041_", 1);
    free(x);
}

static void test_prepare_limit(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t cap = 0;
    kva_xlsx_text t;
    char *s = repeat("a", KVA_XLSX_MAX_CHARS);
    assert_int_equal(kva_xlsx_prepare(s, 0, &buf, &cap, &t), KVA_OK);
    assert_ptr_equal(t.s, s);
    assert_int_equal(t.cut, 0);
    free(s);
    s = repeat("a", KVA_XLSX_MAX_CHARS + 1);
    assert_int_equal(kva_xlsx_prepare(s, 0, &buf, &cap, &t), KVA_OK);
    assert_true(t.cut > 0);
    /* "…" is 3 bytes; the marker was sized for the largest cut */
    assert_true(strlen(t.s) - 2 <= KVA_XLSX_MAX_CHARS);
    assert_true(strlen(t.s) - 2 >= KVA_XLSX_MAX_CHARS - 8);
    /* document properties are never cut */
    assert_int_equal(kva_xlsx_prepare(s, KVA_XLSX_PLAIN, &buf, &cap, &t),
                     KVA_OK);
    assert_int_equal(t.cut, 0);
    free(s);
    free(buf);
}

static void test_lines(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        unsigned width, lines;
    } cases[] = {
        {"", 10, 1},
        {"abc", 10, 1},
        {"abcdefghij", 10, 1},
        {"abcdefghijk", 10, 2},
        {"a\nb", 10, 2},
        {"a\n\nb", 10, 3},
        {"\xE5\xB1\xB1\xE7\x94\xB0\xE5\xA4\xAA", 4, 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(kva_xlsx_lines(cases[i].s, cases[i].width),
                         cases[i].lines);
}

/* ---- the workbook -------------------------------------------------------- */

static void test_sheets_in_order(void **state)
{
    (void)state;
    static const char *const names[] = {
        "Summary",     "Subscriptions", "Key Vaults", "Owners",
        "Remediation", "Exceptions",    "Evidence",   "Warnings"};
    const char *p = B.workbook;
    for (int i = 0; i < 8; i++) {
        char key[64];
        snprintf(key, sizeof key, "<sheet name=\"%s\" sheetId=\"%d\"", names[i],
                 i + 1);
        const char *q = strstr(p, key);
        assert_non_null(q);
        p = q;
    }
    assert_int_equal(count_of(B.workbook, "<sheet "), 8);
}

static void test_document_properties(void **state)
{
    (void)state;
    assert_non_null(
        strstr(B.core, "<dc:title>Key Vault Defender coverage</dc:title>"));
    assert_non_null(strstr(B.core, "<dc:creator>Contoso Group</dc:creator>"));
    assert_non_null(strstr(B.core, "Microsoft Defender for Key Vault"));
    assert_non_null(strstr(B.core,
                           "<dcterms:created xsi:type=\"dcterms:W3CDTF\">"
                           "2026-11-23T00:00:00Z</dcterms:created>"));
}

static void test_formulas_stay_text(void **state)
{
    (void)state;
    for (int i = 1; i <= 8; i++) {
        assert_null(strstr(B.sheet[i], "<f>"));
        assert_null(strstr(B.sheet[i], "<f "));
    }
    /* Subscriptions J2: the owner tag, a string cell */
    char *c = cell(B.sheet[2], "J2");
    char *t = attr(c, "t");
    assert_string_equal(t, "s");
    free(c);
    free(t);
    char *txt = cell_text(B.sheet[2], B.sst, "J2");
    assert_string_equal(txt, FORMULA);
    free(txt);
    /* Key Vaults owners */
    txt = cell_text(B.sheet[3], B.sst, "I2");
    assert_string_equal(txt, "@SUM(1+1)");
    free(txt);
    txt = cell_text(B.sheet[3], B.sst, "I3");
    assert_string_equal(txt, "+cmd|' /C calc'!A0");
    free(txt);
    /* Exceptions ticket */
    txt = cell_text(B.sheet[6], B.sst, "H2");
    assert_string_equal(txt, "-2+3");
    free(txt);
}

static void test_percent_cells(void **state)
{
    (void)state;
    /* Owners: worst first, the coverage as a fraction shown as percent */
    assert_true(number_cell(B.sheet[4], B.styles, "F2", "0.0%") == 0.0);
    char *txt = cell_text(B.sheet[4], B.sst, "B2");
    assert_string_equal(txt, FORMULA);
    free(txt);
    assert_true(number_cell(B.sheet[4], B.styles, "F3", "0.0%") == 1.0);
    /* Summary: the KPI next to its label */
    char *ref = find_text(B.sheet[1], B.sst, "Key vault coverage");
    assert_non_null(ref);
    ref[0] = 'B';
    assert_true(number_cell(B.sheet[1], B.styles, ref, "0.0%") == 0.5);
    free(ref);
    /* a null percentage is shown as n/a, never as 0 */
    ref = find_text(B.sheet[1], B.sst, "Owner coverage");
    assert_non_null(ref);
    ref[0] = 'B';
    txt = cell_text(B.sheet[1], B.sst, ref);
    assert_string_equal(txt, "n/a");
    free(txt);
    free(ref);
}

static void test_date_cells(void **state)
{
    (void)state;
    /* Subscriptions H3: enabled since, a date-time serial */
    double v = number_cell(B.sheet[2], B.styles, "H3", "yyyy-mm-dd hh:mm:ss");
    assert_true(v > 45369.383842 && v < 45369.383843);
    /* no enablement time: an empty cell, not 1970 */
    char *c = cell(B.sheet[2], "H2");
    assert_null(c);
    /* Exceptions D2: the expiry date; E2 days left */
    v = number_cell(B.sheet[6], B.styles, "D2", "yyyy-mm-dd");
    assert_true(v == 46326.0);
    assert_true(number_cell(B.sheet[6], B.styles, "E2", "0") == -23.0);
    /* Summary: as of */
    v = number_cell(B.sheet[1], B.styles, "B3", "yyyy-mm-dd hh:mm");
    assert_true(v == 46349.0);
    /* trial days left: whole days */
    assert_true(number_cell(B.sheet[2], B.styles, "I3", "#,##0") == 13.0);
}

static void test_invalid_utf8_replaced(void **state)
{
    (void)state;
    char *txt = cell_text(B.sheet[2], B.sst, "B3");
    assert_string_equal(txt, "Bad\xEF\xBF\xBD name");
    free(txt);
    /* each replacement is a note in Warnings, naming the cell */
    char *ref = find_text(B.sheet[8], B.sst,
                          "Subscriptions!B3: 1 character(s) that were not "
                          "valid UTF-8 or not allowed in XML were replaced "
                          "by U+FFFD");
    assert_non_null(ref);
    assert_int_equal(ref[0], 'B');
    ref[0] = 'A';
    txt = cell_text(B.sheet[8], B.sst, ref);
    assert_string_equal(txt, "xlsx_text_replaced");
    free(txt);
    free(ref);
    assert_clean_parts(B.path);
}

static void test_long_text_cut(void **state)
{
    (void)state;
    char *txt = cell_text(B.sheet[6], B.sst, "F2");
    size_t cps, units;
    measure(txt, &cps, &units);
    assert_true(units <= KVA_XLSX_MAX_CHARS);
    assert_non_null(strstr(txt, "\xE2\x80\xA6 [cut: "));
    free(txt);
    /* in Subscriptions too (exception reason), each with a note */
    char *ref = find_text(B.sheet[8], B.sst, "xlsx_text_cut");
    assert_non_null(ref);
    free(ref);
    size_t notes = 0;
    for (const char *p = B.sheet[8]; (p = strstr(p, "<c r=\"A")); p++) {
        char *r = attr(p, "r");
        char *t = cell_text(B.sheet[8], B.sst, r);
        notes += t && strcmp(t, "xlsx_text_cut") == 0;
        free(t);
        free(r);
    }
    assert_int_equal(notes, 2);
}

static void test_chart_parts(void **state)
{
    (void)state;
    char *c1 = part(B.path, "xl/charts/chart1.xml");
    char *c2 = part(B.path, "xl/charts/chart2.xml");
    assert_non_null(strstr(c1, "<c:doughnutChart>"));
    assert_non_null(strstr(c1, "Summary!$A$"));
    /* default mode: the values are cached in the chart */
    assert_non_null(strstr(c1, "<c:numCache>"));
    assert_non_null(strstr(c2, "<c:barChart>"));
    /* the environment with a control character reached the chart cache
     * as U+FFFD, never raw */
    assert_non_null(strstr(c2, "qa\xEF\xBF\xBD"
                               "env"));
    /* fixed status colours: noncompliant red first */
    assert_non_null(strstr(c1, "<a:srgbClr val=\"C00000\"/>"));
    free(c1);
    free(c2);
}

static void test_tables(void **state)
{
    (void)state;
    for (int i = 2; i <= 8; i++) {
        assert_non_null(strstr(B.sheet[i], "<autoFilter ref=\"A"));
        assert_non_null(strstr(B.sheet[i], "state=\"frozen\""));
        assert_non_null(strstr(B.sheet[i], "<cols>"));
    }
    assert_non_null(strstr(B.sheet[2], "<autoFilter ref=\"A1:W4\"/>"));
    assert_non_null(strstr(B.sheet[3], "<autoFilter ref=\"A1:L4\"/>"));
    /* Evidence: the table starts under the run's details */
    assert_non_null(strstr(B.sheet[7], "<autoFilter ref=\"A7:F9\"/>"));
    assert_non_null(strstr(B.sheet[7], "topLeftCell=\"A8\""));
    /* status rules: one column each (libxlsxwriter #395) */
    assert_non_null(
        strstr(B.sheet[2], "<conditionalFormatting sqref=\"E2:E4\">"));
    assert_non_null(
        strstr(B.sheet[3], "<conditionalFormatting sqref=\"G2:G4\">"));
    char *cf = between(B.sheet[2], "<conditionalFormatting sqref=\"E2:E4\">",
                       "</conditionalFormatting>");
    assert_int_equal(count_of(cf, "<cfRule type=\"cellIs\""), 5);
    assert_non_null(strstr(cf, "<formula>\"no_evidence\"</formula>"));
    free(cf);
    /* no worksheet tables, no data validation */
    for (int i = 1; i <= 8; i++) {
        assert_null(strstr(B.sheet[i], "<tableParts"));
        assert_null(strstr(B.sheet[i], "<dataValidation"));
    }
}

static void test_summary_content(void **state)
{
    (void)state;
    char *ref = find_text(B.sheet[1], B.sst, "FAIL");
    assert_string_equal(ref, "B5");
    free(ref);
    ref = find_text(B.sheet[1], B.sst, "INCOMPLETE");
    assert_non_null(ref);
    free(ref);
    /* links to every other sheet */
    assert_int_equal(count_of(B.sheet[1], "<hyperlink "), 7);
    assert_non_null(strstr(B.sheet[1], "location=\"'Key Vaults'!A1\""));
    /* the trend: the regressed subscription */
    ref = find_text(B.sheet[1], B.sst, "regressed");
    assert_non_null(ref);
    free(ref);
}

static void test_remediation_order(void **state)
{
    (void)state;
    /* management group commands first, then the subscription's three */
    static const char *const tools[] = {
        "Azure Policy: assign", "Azure Policy: remediate", "Azure CLI",
        "PowerShell",           "Azure CLI: check",        "Terraform"};
    for (int i = 0; i < 6; i++) {
        char ref[16];
        snprintf(ref, sizeof ref, "I%d", i + 2);
        char *t = cell_text(B.sheet[5], B.sst, ref);
        assert_string_equal(t, tools[i]);
        free(t);
    }
    char *t = cell_text(B.sheet[5], B.sst, "J7");
    assert_non_null(strstr(t, "resource \"azurerm_security"));
    free(t);
    /* the multi-line snippet's row is tall enough */
    assert_non_null(strstr(B.sheet[5], "<row r=\"7\" spans=\"1:10\" ht=\""));
}

static void test_deterministic(void **state)
{
    (void)state;
    char *p1 = render(&B.f.rep, "again.xlsx");
    char cmd[512];
    snprintf(cmd, sizeof cmd, "cmp -s '%s' '%s'", B.path, p1);
    assert_int_equal(system(cmd), 0);
    free(p1);
}

static void test_hostile_fixture(void **state)
{
    (void)state;
    fx_report fx;
    fx_build(&fx);
    char *path = render(&fx.rep, "hostile.xlsx");
    for (int i = 1; i <= 8; i++) {
        char name[64];
        snprintf(name, sizeof name, "xl/worksheets/sheet%d.xml", i);
        char *s = part(path, name);
        assert_null(strstr(s, "<f>"));
        free(s);
    }
    assert_clean_parts(path);
    /* the subscription without a GUID has no command, and says so */
    char *rem = part(path, "xl/worksheets/sheet5.xml");
    char *sst = part(path, "xl/sharedStrings.xml");
    char *ref = find_text(rem, sst, FX_BAD_ID);
    assert_non_null(ref);
    free(ref);
    ref = find_text(rem, sst,
                    "no command: the subscription id is not a GUID (see "
                    "Warnings)");
    assert_non_null(ref);
    free(ref);
    free(rem);
    free(sst);
    free(path);
    fx_free(&fx);
}

static void test_empty_result(void **state)
{
    (void)state;
    kva_result r;
    kva_report rep;
    memset(&r, 0, sizeof r);
    memset(&rep, 0, sizeof rep);
    r.complete = true;
    r.pass = true;
    r.kpis.subscription_coverage_pct = -1;
    r.kpis.compliance_pct = -1;
    r.kpis.vault_coverage_pct = -1;
    r.kpis.owner_coverage_pct = -1;
    rep.result = &r;
    rep.as_of = 0;
    char *path = render(&rep, "empty.xlsx");
    char *sst = part(path, "xl/sharedStrings.xml");
    char *rem = part(path, "xl/worksheets/sheet5.xml");
    char *ref = find_text(rem, sst,
                          "Nothing to remediate: no subscription is "
                          "noncompliant or without evidence.");
    assert_string_equal(ref, "A2");
    free(ref);
    char *core = part(path, "docProps/core.xml");
    assert_non_null(strstr(core, "1970-01-01T00:00:01Z"));
    assert_clean_parts(path);
    free(core);
    free(rem);
    free(sst);
    free(path);
}

/* Above the size limit the workbook streams rows (constant_memory). */
static void test_large_streams(void **state)
{
    (void)state;
    enum { N = 30000 };
    fixture f;
    build(&f);
    kva_vault *v = calloc(N, sizeof *v);
    kva_res_vault *rv = calloc(N, sizeof *rv);
    char *names = malloc((size_t)N * 16);
    assert_non_null(v);
    assert_non_null(rv);
    assert_non_null(names);
    for (size_t i = 0; i < N; i++) {
        char *n = names + i * 16;
        snprintf(n, 16, "kv-%06zu", i);
        v[i] = (kva_vault){.id = n, .name = n, .sub_id = (char *)G1};
        rv[i] = (kva_res_vault){.vault = &v[i],
                                .sub = &f.rsubs[0],
                                .counted = true,
                                .owner = FORMULA,
                                .environment = "production"};
    }
    f.r.vaults = rv;
    f.r.n_vaults = N;
    char *path = render(&f.rep, "large.xlsx");
    char *sst = part(path, "xl/sharedStrings.xml");
    assert_string_equal(sst, ""); /* inline strings */
    char *kv = part(path, "xl/worksheets/sheet3.xml");
    assert_non_null(strstr(kv, "<row r=\"30001\""));
    assert_null(strstr(kv, "<row r=\"30002\""));
    assert_null(strstr(kv, "<f>"));
    char *c = cell(kv, "I30001");
    assert_non_null(strstr(c, "t=\"inlineStr\""));
    free(c);
    char *t = cell_text(kv, NULL, "I30001");
    assert_string_equal(t, FORMULA);
    free(t);
    assert_non_null(strstr(kv, "<autoFilter ref=\"A1:L30001\"/>"));
    /* still two charts, pointing at the Summary's cells */
    char *c1 = part(path, "xl/charts/chart1.xml");
    assert_non_null(strstr(c1, "Summary!$B$"));
    /* the Subscriptions sheet still has its dates and percent formats */
    char *subs = part(path, "xl/worksheets/sheet2.xml");
    char *styles = part(path, "xl/styles.xml");
    double d = number_cell(subs, styles, "H3", "yyyy-mm-dd hh:mm:ss");
    assert_true(d > 45369.383842 && d < 45369.383843);
    free(subs);
    free(styles);
    free(c1);
    free(kv);
    free(sst);
    free(path);
    free(names);
    free(v);
    free(rv);
    unbuild(&f);
}

static void test_write_error(void **state)
{
    (void)state;
    kva_diag d = {0};
    kva_error e =
        kva_render_xlsx(&B.f.rep, "/nonexistent-dir/x/report.xlsx", &d);
    assert_int_equal(e, KVA_ERR_IO);
    assert_non_null(d.message);
    assert_non_null(strstr(d.message, "cannot write the workbook"));
    kva_diag_clear(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prepare_table),
        cmocka_unit_test(test_prepare_cut),
        cmocka_unit_test(test_prepare_limit),
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_sheets_in_order),
        cmocka_unit_test(test_document_properties),
        cmocka_unit_test(test_formulas_stay_text),
        cmocka_unit_test(test_percent_cells),
        cmocka_unit_test(test_date_cells),
        cmocka_unit_test(test_invalid_utf8_replaced),
        cmocka_unit_test(test_long_text_cut),
        cmocka_unit_test(test_chart_parts),
        cmocka_unit_test(test_tables),
        cmocka_unit_test(test_summary_content),
        cmocka_unit_test(test_remediation_order),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_hostile_fixture),
        cmocka_unit_test(test_empty_result),
        cmocka_unit_test(test_large_streams),
        cmocka_unit_test(test_write_error),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture_report.h"

/*
 * remediate.sh is run for real: `bash -n`, then in dry-run mode and with
 * --apply against a fake `az` on PATH that records its argv. The hostile
 * names of the fixture must reach neither the shell as code nor the
 * output as anything but the intended lines. remediate.ps1 cannot be run
 * here (PowerShell is not a Debian package); its lines are checked
 * against PowerShell's quoting rules instead.
 */

static char dir[64];

static const char fake_az[] =
    "#!/bin/sh\n"
    "{ printf 'az'; for a in \"$@\"; do printf ' [%s]' \"$a\"; done; "
    "printf '\\n'; } >>\"$KVA_AZ_LOG\"\n"
    "case \"$*\" in\n"
    "*\"pricing show\"*" FX_G2 "*) echo '\"Standard\"' ;;\n"
    "*\"pricing show\"*) echo '\"Free\"' ;;\n"
    "esac\n";

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    if (len)
        *len = (size_t)n;
    return buf;
}

static int setup(void **state)
{
    char tmpl[] = "/tmp/kva-scripts.XXXXXX";
    char path[128];
    FILE *f;
    fx_report *fx = malloc(sizeof *fx);
    kva_diag d = {0};

    if (!fx || !mkdtemp(tmpl))
        return -1;
    snprintf(dir, sizeof dir, "%s", tmpl);
    snprintf(path, sizeof path, "%s/bin", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/bin/az", dir);
    f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(fake_az, f);
    fclose(f);
    chmod(path, 0755);
    fx_build(fx);
    snprintf(path, sizeof path, "%s/remediate.sh", dir);
    if (kva_render_sh(&fx->rep, path, &d) != KVA_OK)
        return -1;
    snprintf(path, sizeof path, "%s/remediate.ps1", dir);
    if (kva_render_ps1(&fx->rep, path, &d) != KVA_OK)
        return -1;
    kva_diag_clear(&d);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];

    fx_free(*state);
    free(*state);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Run remediate.sh with `args` (trusted test text); returns the exit
 * status. Its stdout, stderr and the az log land in dir. */
static int run_sh(const char *args)
{
    char cmd[512];
    int st;

    snprintf(cmd, sizeof cmd,
             "cd '%s' && rm -f az.log out err && KVA_AZ_LOG='%s/az.log' "
             "PATH='%s/bin':\"$PATH\" bash remediate.sh %s >out 2>err",
             dir, dir, dir, args);
    st = system(cmd);
    assert_true(WIFEXITED(st));
    return WEXITSTATUS(st);
}

static char *file_in_dir(const char *name)
{
    char path[128];
    char *s;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    s = slurp(path, NULL);
    return s ? s : strdup("");
}

static void no_canaries(void)
{
    static const char *const canaries[] = {"/tmp/kva-canary-1",
                                           "/tmp/kva-canary-id",
                                           "/tmp/kva-canary-title"};

    for (size_t i = 0; i < 3; i++)
        if (access(canaries[i], F_OK) == 0)
            fail_msg("%s was created: input ran as code", canaries[i]);
}

#define CREATE(g)                                                             \
    "az security pricing create --subscription " g                           \
    " -n KeyVaults --tier Standard --subplan PerKeyVault\n"
#define SHOW(g) "az security pricing show --subscription " g                 \
                " -n KeyVaults --query pricingTier\n"
#define ARGV_CREATE(g)                                                        \
    "az [security] [pricing] [create] [--subscription] [" g "] [-n] "        \
    "[KeyVaults] [--tier] [Standard] [--subplan] [PerKeyVault]\n"
#define ARGV_SHOW(g)                                                          \
    "az [security] [pricing] [show] [--subscription] [" g "] [-n] "          \
    "[KeyVaults] [--query] [pricingTier]\n"

static const char heading1[] =
    "# 1/4 Noncompliant: Prod; rm -rf ~ $(touch /tmp/kva-canary-1) `id` "
    "\"q\" (" FX_G1 "), environment production, 12 uncovered key vault(s), "
    "owner: =HYPERLINK(\"http://evil/\")\n";
static const char heading2[] =
    "# 2/4 No evidence: O'Brien? echo pwned??| x | <b>*y*</b> [l](http://e) "
    "(" FX_G2 "), environment dev, 3 uncovered key vault(s), owner: "
    "@admin|x\n"
    "# No KeyVaults pricing record was found for this subscription: run the "
    "verification command first, and turn the plan on only if it does not "
    "print Standard.\n";
static const char heading4[] =
    "# 4/4 Noncompliant: \xD0\x81\xD0\xBB\xD0\xBA\xD0\xB0 \xE2\x80\x98q"
    "\xE2\x80\x99 \xE2\x80\x99; Remove-Item C:\\ -Recurse #> ? next (" FX_G3
    "), environment test?x, 1 uncovered key vault(s), owner: +1 555 0100\n";
static const char warnings[] =
    "remediate.sh: warning: left out (id is not a GUID): 3/4 Noncompliant: "
    "bad id (" FX_BAD_ID "), environment dev, 1 uncovered key vault(s), "
    "owner: none\n"
    "remediate.sh: warning: 1 subscription(s) left out: their id is not a "
    "GUID\n";

static void test_sh_syntax(void **state)
{
    char cmd[256];

    (void)state;
    snprintf(cmd, sizeof cmd, "bash -n '%s/remediate.sh'", dir);
    assert_int_equal(system(cmd), 0);
}

/* Dry run: exactly these lines, no az call, nothing from a name run. */
static void test_sh_dry_run(void **state)
{
    char want[4096];
    char *out, *err, *log;

    (void)state;
    snprintf(want, sizeof want, "%s%s%s%s%s%s%s%s%s%s%s", heading1,
             CREATE(FX_G1), SHOW(FX_G1), heading2, SHOW(FX_G2), CREATE(FX_G2),
             SHOW(FX_G2), heading4, CREATE(FX_G3), SHOW(FX_G3),
             "# dry run: nothing was changed; run again with --apply to "
             "execute these commands\n");
    assert_int_equal(run_sh(""), 0);
    out = file_in_dir("out");
    err = file_in_dir("err");
    log = file_in_dir("az.log");
    assert_string_equal(out, want);
    assert_string_equal(err, warnings);
    assert_string_equal(log, "");
    no_canaries();
    free(out);
    free(err);
    free(log);
}

/* --apply: az gets exactly the intended argv; the subscription without
 * evidence whose plan is already on is only verified. */
static void test_sh_apply(void **state)
{
    const char *want = ARGV_CREATE(FX_G1) ARGV_SHOW(FX_G1) ARGV_SHOW(FX_G2)
        ARGV_SHOW(FX_G2) ARGV_CREATE(FX_G3) ARGV_SHOW(FX_G3);
    char *log, *out;

    (void)state;
    assert_int_equal(run_sh("--apply"), 0);
    log = file_in_dir("az.log");
    out = file_in_dir("out");
    assert_string_equal(log, want);
    assert_non_null(strstr(out, "# already on: nothing to change\n"));
    assert_non_null(strstr(out, "# done\n"));
    no_canaries();
    free(log);
    free(out);
}

/* A failing az stops the script (set -e): nothing after it runs. */
static void test_sh_stops_on_failure(void **state)
{
    char path[128];
    FILE *f;
    char *log;

    (void)state;
    snprintf(path, sizeof path, "%s/bin/az", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("#!/bin/sh\necho \"$*\" >>\"$KVA_AZ_LOG\"\nexit 3\n", f);
    fclose(f);
    assert_int_equal(run_sh("--apply"), 3);
    log = file_in_dir("az.log");
    assert_string_equal(log, "security pricing create --subscription " FX_G1
                             " -n KeyVaults --tier Standard --subplan "
                             "PerKeyVault\n");
    free(log);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(fake_az, f);
    fclose(f);
}

static void test_sh_usage(void **state)
{
    char *log;

    (void)state;
    assert_int_equal(run_sh("--aply"), 2);
    assert_int_equal(run_sh("--apply --apply"), 2);
    assert_int_equal(run_sh("'$(touch /tmp/kva-canary-1)'"), 2);
    assert_int_equal(run_sh("--help"), 0);
    log = file_in_dir("az.log");
    assert_string_equal(log, "");
    no_canaries();
    free(log);
}

/*
 * PowerShell single-quoted literal starting at *p (on its opening quote):
 * any of ' U+2018 U+2019 U+201A U+201B opens and closes it, two in a row
 * stand for one. Returns the decoded text (caller frees) and moves *p past
 * the closing quote; NULL when the literal does not end on this line.
 */
static size_t ps_quote_len(const char *p)
{
    if (*p == '\'')
        return 1;
    if ((unsigned char)p[0] == 0xE2 && (unsigned char)p[1] == 0x80 &&
        (unsigned char)p[2] >= 0x98 && (unsigned char)p[2] <= 0x9B)
        return 3;
    return 0;
}

static char *ps_literal(const char **p)
{
    const char *s = *p;
    size_t q = ps_quote_len(s);
    char *out = malloc(strlen(s) + 1), *w = out;

    assert_non_null(out);
    if (!q) {
        free(out);
        return NULL;
    }
    s += q;
    for (;;) {
        if (*s == '\0' || *s == '\n' || *s == '\r') {
            free(out);
            return NULL;
        }
        q = ps_quote_len(s);
        if (q) {
            size_t q2 = ps_quote_len(s + q);

            if (q2) {
                memcpy(w, s, q);
                w += q;
                s += q + q2;
                continue;
            }
            s += q;
            break;
        }
        *w++ = *s++;
    }
    *w = '\0';
    *p = s;
    return out;
}

/*
 * Every line after the preamble is blank, a comment, a call of one of the
 * script's helpers with well-formed literals and nothing after them, or
 * the fixed closing lines. Returns the decoded arguments of the calls,
 * one per line, for comparison.
 */
static char *ps_calls(const char *text)
{
    static const char *const helpers[] = {"Write-Note ", "Invoke-Step ",
                                          "Invoke-UnlessOn ",
                                          "Write-Warning "};
    static const char *const closing[] = {
        "if ($Apply) {", "    Write-Note 'done'", "} else {",
        "    Write-Note 'dry run: nothing was changed; run again with -Apply "
        "to execute these commands'",
        "}"};
    const char *p = strstr(text, "function Write-Note");
    size_t cap = strlen(text) + 1, n = 0;
    char *out = malloc(cap);
    size_t closing_seen = 0;

    assert_non_null(out);
    assert_non_null(p);
    p = strchr(p, '\n') + 1;
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        size_t h;

        if (len == 0 || *p == '#') {
            p += len + (eol ? 1 : 0);
            continue;
        }
        if (closing_seen < 5) {
            const char *c = closing[closing_seen];

            if (strlen(c) == len && strncmp(p, c, len) == 0) {
                closing_seen++;
                p += len + (eol ? 1 : 0);
                continue;
            }
            assert_int_equal(closing_seen, 0);
        }
        for (h = 0; h < 4; h++)
            if (strncmp(p, helpers[h], strlen(helpers[h])) == 0)
                break;
        if (h == 4)
            fail_msg("unexpected line: %.*s", (int)len, p);
        p += strlen(helpers[h]);
        for (int arg = 0;; arg++) {
            char *lit = ps_literal(&p);

            if (!lit)
                fail_msg("malformed literal in: %.*s", (int)len, p);
            n += (size_t)sprintf(out + n, "%s%s", arg ? " | " : "", lit);
            free(lit);
            if (*p == ' ' && h == 2 && arg == 0) {
                p++;
                continue;
            }
            break;
        }
        if (*p != '\n' && *p != '\0')
            fail_msg("text after the literal: %s", p);
        out[n++] = '\n';
        p += *p ? 1 : 0;
    }
    out[n] = '\0';
    assert_int_equal(closing_seen, 5);
    return out;
}

#define PS_FIX(g)                                                             \
    "Set-AzContext -Subscription " g "; Set-AzSecurityPricing -Name "         \
    "'KeyVaults' -PricingTier 'Standard' -SubPlan 'PerKeyVault'"
#define PS_SHOW(g)                                                            \
    "Set-AzContext -Subscription " g " | Out-Null; (Get-AzSecurityPricing "   \
    "-Name 'KeyVaults').PricingTier"

static void test_ps1(void **state)
{
    size_t len;
    char path[128];
    char *text, *calls;
    const char *want =
        "1/4 Noncompliant: Prod; rm -rf ~ $(touch /tmp/kva-canary-1) `id` "
        "\"q\" (" FX_G1 "), environment production, 12 uncovered key "
        "vault(s), owner: =HYPERLINK(\"http://evil/\")\n" PS_FIX(FX_G1) "\n"
        PS_SHOW(FX_G1) "\n"
        "2/4 No evidence: O'Brien? echo pwned??| x | <b>*y*</b> "
        "[l](http://e) (" FX_G2 "), environment dev, 3 uncovered key "
        "vault(s), owner: @admin|x\n"
        "No KeyVaults pricing record was found for this subscription: run the "
        "verification command first, and turn the plan on only if it does "
        "not print Standard.\n" PS_SHOW(FX_G2) " | " PS_FIX(FX_G2) "\n"
        PS_SHOW(FX_G2) "\n"
        "left out (id is not a GUID): 3/4 Noncompliant: bad id (" FX_BAD_ID
        "), environment dev, 1 uncovered key vault(s), owner: none\n"
        "4/4 Noncompliant: \xD0\x81\xD0\xBB\xD0\xBA\xD0\xB0 \xE2\x80\x98q"
        "\xE2\x80\x99 \xE2\x80\x99; Remove-Item C:\\ -Recurse #> ? next (" FX_G3
        "), environment test?x, 1 uncovered key vault(s), owner: +1 555 "
        "0100\n" PS_FIX(FX_G3) "\n" PS_SHOW(FX_G3) "\n"
        "1 subscription(s) left out: their id is not a GUID\n";

    (void)state;
    snprintf(path, sizeof path, "%s/remediate.ps1", dir);
    text = slurp(path, &len);
    assert_non_null(text);
    /* UTF-8 with BOM, so that Windows PowerShell 5.1 reads it as such. */
    assert_memory_equal(text, "\xEF\xBB\xBF# remediate.ps1", 17);
    assert_non_null(strstr(text, "\nparam([switch]$Apply)\n"));
    assert_null(memchr(text, '\r', len));
    assert_null(strstr(text, "\xE2\x80\xA8"));
    assert_null(strstr(text, "\xC2\x85"));
    assert_int_equal(strlen(text), len);
    calls = ps_calls(text);
    assert_string_equal(calls, want);
    free(calls);
    free(text);
}

/* The literal reader itself, against PowerShell's rules. */
static void test_ps_literal_rules(void **state)
{
    static const struct {
        const char *in;
        const char *want; /* NULL: malformed */
        const char *rest;
    } cases[] = {
        {"'a''b'", "a'b", ""},
        {"'a' rest", "a", " rest"},
        {"'a\xE2\x80\x99\xE2\x80\x99'", "a\xE2\x80\x99", ""},
        {"'a\xE2\x80\x99 ; evil", "a", " ; evil"},
        {"'a\xE2\x80\x98 'x", "a", " 'x"},
        /* two quote characters of any kind in a row are one, escaped */
        {"'a\xE2\x80\x98''", "a\xE2\x80\x98", ""},
        {"'open", NULL, NULL},
        {"'line\nbreak'", NULL, NULL},
        {"noquote", NULL, NULL},
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *p = cases[i].in;
        char *got = ps_literal(&p);

        if (!cases[i].want) {
            assert_null(got);
            continue;
        }
        assert_non_null(got);
        assert_string_equal(got, cases[i].want);
        assert_string_equal(p, cases[i].rest);
        free(got);
    }
}

/* Nothing failing: a script that only says so. */
static void test_nothing_to_do(void **state)
{
    kva_result *r = calloc(1, sizeof *r);
    kva_report rep;
    char path[128];
    char cmd[512];
    char *text;
    kva_diag d = {0};

    (void)state;
    assert_non_null(r);
    memset(&rep, 0, sizeof rep);
    rep.result = r;
    rep.templates = kva_templates_builtin();
    rep.title = "";
    rep.org = "";
    snprintf(path, sizeof path, "%s/empty.sh", dir);
    assert_int_equal(kva_render_sh(&rep, path, &d), KVA_OK);
    snprintf(cmd, sizeof cmd,
             "bash '%s' >'%s/empty.out' 2>&1 && bash -n '%s'", path, dir,
             path);
    assert_int_equal(system(cmd), 0);
    text = file_in_dir("empty.out");
    assert_string_equal(text, "# dry run: nothing was changed; run again "
                              "with --apply to execute these commands\n");
    free(text);
    snprintf(path, sizeof path, "%s/nowhere/x.sh", dir);
    assert_int_equal(kva_render_sh(&rep, path, &d), KVA_ERR_IO);
    assert_int_equal(kva_render_ps1(&rep, path, &d), KVA_ERR_IO);
    kva_diag_clear(&d);
    kva_result_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sh_syntax),
        cmocka_unit_test(test_sh_dry_run),
        cmocka_unit_test(test_sh_apply),
        cmocka_unit_test(test_sh_stops_on_failure),
        cmocka_unit_test(test_sh_usage),
        cmocka_unit_test(test_ps1),
        cmocka_unit_test(test_ps_literal_rules),
        cmocka_unit_test(test_nothing_to_do),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

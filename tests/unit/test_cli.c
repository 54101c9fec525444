#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli.h"
#include "evaluate.h"

#define MAX_ARGS 16

/* Parse a NULL-terminated argument list (without argv[0]). */
static kva_error parse(const char *const *args, const char *sde, kva_options *o,
                       kva_diag *err)
{
    static char *argv[MAX_ARGS + 2];
    int argc = 0;

    argv[argc++] = (char *)"kvaudit";
    for (size_t i = 0; args[i]; i++)
        argv[argc++] = (char *)args[i];
    argv[argc] = NULL;
    return kva_options_parse(argc, argv, sde, o, err);
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Every usage error, with its exact message. */
static const struct bad_case {
    const char *args[MAX_ARGS];
    const char *sde;
    const char *message;
} bad_cases[] = {
    {{NULL}, NULL, "no command given (use report or check)"},
    {{"-q", NULL}, NULL, "no command given (use report or check)"},
    {{"audit", "x", NULL},
     NULL,
     "unknown command 'audit' (use report or check)"},
    {{"report", NULL}, NULL, "no PATH given"},
    {{"check", "-q", NULL}, NULL, "no PATH given"},
    {{"report", "--frobnicate", "x", NULL},
     NULL,
     "unknown option '--frobnicate'"},
    {{"report", "--frobnicate=1", "x", NULL},
     NULL,
     "unknown option '--frobnicate'"},
    {{"report", "--ou", "d", "x", NULL}, NULL, "unknown option '--ou'"},
    {{"report", "-x", "x", NULL}, NULL, "unknown option '-x'"},
    {{"report", "-qz", "x", NULL}, NULL, "unknown option '-z'"},
    {{"report", "x", "--out", NULL}, NULL, "option '--out' needs a value"},
    {{"report", "x", "-o", NULL}, NULL, "option '-o' needs a value"},
    {{"report", "x", "-f", NULL}, NULL, "option '-f' needs a value"},
    {{"report", "x", "--as-of", NULL}, NULL, "option '--as-of' needs a value"},
    {{"report", "x", "--quiet=yes", NULL},
     NULL,
     "option '--quiet' takes no value"},
    {{"report", "x", "--allow-partial=1", NULL},
     NULL,
     "option '--allow-partial' takes no value"},
    {{"report", "x", "-f", "docx", NULL},
     NULL,
     "unknown format 'docx' (choose from xlsx,pdf,json,csv,md,sh,ps1)"},
    {{"report", "x", "--format=json,html", NULL},
     NULL,
     "unknown format 'html' (choose from xlsx,pdf,json,csv,md,sh,ps1)"},
    {{"report", "x", "-f", "json,,pdf", NULL},
     NULL,
     "empty item in the format list 'json,,pdf'"},
    {{"report", "x", "-f", "", NULL}, NULL, "empty item in the format list ''"},
    {{"report", "x", "-f", "json,", NULL},
     NULL,
     "empty item in the format list 'json,'"},
    {{"report", "x", "--as-of", "yesterday", NULL},
     NULL,
     "bad --as-of 'yesterday': expected YYYY-MM-DD or an RFC 3339 time "
     "such as 2026-11-23T00:00:00Z"},
    {{"report", "x", "--as-of=2026-02-30", NULL},
     NULL,
     "bad --as-of '2026-02-30': expected YYYY-MM-DD or an RFC 3339 time "
     "such as 2026-11-23T00:00:00Z"},
    {{"report", "x", "--fail-on", "always", NULL},
     NULL,
     "bad --fail-on 'always': expected never, noncompliant or no-evidence"},
    {{"report", "x", "--fail-on=no_evidence", NULL},
     NULL,
     "bad --fail-on 'no_evidence': expected never, noncompliant or "
     "no-evidence"},
    {{"report", "x", "--pdf-vaults", "some", NULL},
     NULL,
     "bad --pdf-vaults 'some': expected failing or all"},
    {{"report", "x", "--price-per-vault", "-1", "--currency", "EUR", NULL},
     NULL,
     "bad --price-per-vault '-1': expected a non-negative decimal amount "
     "such as 0.02"},
    {{"report", "x", "--price-per-vault", "1e3", "--currency", "EUR", NULL},
     NULL,
     "bad --price-per-vault '1e3': expected a non-negative decimal amount "
     "such as 0.02"},
    {{"report", "x", "--price-per-vault", "1.", "--currency", "EUR", NULL},
     NULL,
     "bad --price-per-vault '1.': expected a non-negative decimal amount "
     "such as 0.02"},
    {{"report", "x", "--price-per-vault", "1,5", "--currency", "EUR", NULL},
     NULL,
     "bad --price-per-vault '1,5': expected a non-negative decimal amount "
     "such as 0.02"},
    {{"report", "x", "--price-per-vault", "1", "--currency", "eur", NULL},
     NULL,
     "bad --currency 'eur': expected three capital letters such as EUR"},
    {{"report", "x", "--price-per-vault", "1", "--currency", "EURO", NULL},
     NULL,
     "bad --currency 'EURO': expected three capital letters such as EUR"},
    {{"report", "x", "--price-per-vault", "1", NULL},
     NULL,
     "--price-per-vault and --currency go together: give both or neither"},
    {{"report", "x", "--currency", "USD", NULL},
     NULL,
     "--price-per-vault and --currency go together: give both or neither"},
    {{"report", "x", "--owner-tag", "", NULL},
     NULL,
     "bad --owner-tag '': a tag key cannot be empty"},
    {{"report", "x", "--env-tag=", NULL},
     NULL,
     "bad --env-tag '': a tag key cannot be empty"},
    {{"report", "x", "--out", "", NULL},
     NULL,
     "bad --out '': empty directory name"},
    {{"report", "x", "--templates=", NULL},
     NULL,
     "bad --templates '': empty directory name"},
    {{"report", "x", "--exceptions", "", NULL},
     NULL,
     "bad --exceptions '': empty file name"},
    {{"report", "x", "--exceptions", "a", "--exceptions", "b", NULL},
     NULL,
     "option '--exceptions' given more than once"},
    {{"report", "x", "--baseline", "a", "--baseline=b", NULL},
     NULL,
     "option '--baseline' given more than once"},
    {{"report", "x", NULL},
     "tomorrow",
     "bad SOURCE_DATE_EPOCH 'tomorrow': expected a decimal number of "
     "seconds since 1970-01-01"},
    {{"report", "x", NULL},
     "-5",
     "bad SOURCE_DATE_EPOCH '-5': expected a decimal number of seconds "
     "since 1970-01-01"},
    {{"report", "x", NULL},
     "1.5",
     "bad SOURCE_DATE_EPOCH '1.5': expected a decimal number of seconds "
     "since 1970-01-01"},
    {{"report", "x", NULL},
     "99999999999999999999",
     "bad SOURCE_DATE_EPOCH '99999999999999999999': expected a decimal "
     "number of seconds since 1970-01-01"},
};

static void test_usage_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const struct bad_case *c = &bad_cases[i];
        kva_options o;
        kva_diag err = {0};
        kva_error e = parse(c->args, c->sde, &o, &err);

        if (e != KVA_ERR_USAGE || !err.message ||
            strcmp(err.message, c->message) != 0)
            fail_msg("case %zu (%s %s): got %d '%s', want '%s'", i,
                     c->args[0] ? c->args[0] : "", c->args[1] ? c->args[1] : "",
                     (int)e, err.message ? err.message : "(null)", c->message);
        assert_null(err.path);
        assert_int_equal(err.line, 0);
        kva_options_free(&o);
        kva_diag_clear(&err);
    }
}

static void test_defaults(void **state)
{
    kva_options o;
    kva_diag err = {0};

    (void)state;
    assert_int_equal(parse(ARGS("report", "dumps"), NULL, &o, &err), KVA_OK);
    assert_int_equal(o.command, KVA_CMD_REPORT);
    assert_string_equal(o.out_dir, "kvaudit-report");
    assert_int_equal(o.formats, KVA_FMT_BIT(KVA_FMT_XLSX) |
                                    KVA_FMT_BIT(KVA_FMT_PDF) |
                                    KVA_FMT_BIT(KVA_FMT_JSON));
    assert_false(o.as_of_set);
    assert_null(o.exceptions);
    assert_null(o.baseline);
    assert_null(o.owner_tags);
    assert_null(o.env_tags);
    assert_null(o.title);
    assert_null(o.org);
    assert_null(o.templates_dir);
    assert_false(o.allow_partial);
    assert_int_equal(o.fail_on, KVA_FAIL_NEVER);
    assert_int_equal(o.verbosity, 0);
    assert_false(o.has_price);
    assert_false(o.pdf_vaults_all);
    assert_false(o.timings);
    assert_int_equal(o.n_paths, 1);
    assert_string_equal(o.paths[0], "dumps");
    kva_options_free(&o);

    assert_int_equal(parse(ARGS("check", "a", "b"), "", &o, &err), KVA_OK);
    assert_int_equal(o.command, KVA_CMD_CHECK);
    assert_int_equal(o.fail_on, KVA_FAIL_NO_EVIDENCE);
    assert_false(o.as_of_set); /* an empty SOURCE_DATE_EPOCH is unset */
    assert_int_equal(o.n_paths, 2);
    assert_string_equal(o.paths[1], "b");
    kva_options_free(&o);
    kva_diag_clear(&err);
}

/* Every option with a value, in its long, long=value and short forms. */
static void test_value_forms(void **state)
{
    static const struct form {
        const char *args[6];
    } forms[] = {
        {{"report", "--out", "o1", "p", NULL}},
        {{"report", "--out=o1", "p", NULL}},
        {{"report", "-o", "o1", "p", NULL}},
        {{"report", "-oo1", "p", NULL}},
        {{"report", "p", "-o", "o1", NULL}},
    };
    (void)state;
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        kva_options o;
        kva_diag err = {0};
        assert_int_equal(parse(forms[i].args, NULL, &o, &err), KVA_OK);
        assert_string_equal(o.out_dir, "o1");
        assert_int_equal(o.n_paths, 1);
        assert_string_equal(o.paths[0], "p");
        kva_options_free(&o);
    }
}

/* Every option that takes a value, in each of its spellings, lands in
 * its field. */
static void test_every_option_every_form(void **state)
{
    static const struct {
        const char *lname;
        char letter;
        const char *value;
    } opts[] = {
        {"out", 'o', "dir"},
        {"format", 'f', "csv"},
        {"as-of", 0, "2026-11-23"},
        {"exceptions", 0, "x.json"},
        {"baseline", 0, "b.json"},
        {"owner-tag", 0, "team"},
        {"env-tag", 0, "tier"},
        {"title", 0, "T"},
        {"org", 0, "O"},
        {"templates", 0, "tpl"},
        {"fail-on", 0, "noncompliant"},
        {"pdf-vaults", 0, "all"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        for (int form = 0; form < 4; form++) {
            char joined[64], shortj[64], longo[32], shorto[3] = "-?";
            const char *args[6] = {"report", NULL, NULL, "p", NULL, NULL};
            kva_options o;
            kva_diag err = {0};

            snprintf(longo, sizeof longo, "--%s", opts[i].lname);
            snprintf(joined, sizeof joined, "--%s=%s", opts[i].lname,
                     opts[i].value);
            shorto[1] = opts[i].letter;
            snprintf(shortj, sizeof shortj, "-%c%s", opts[i].letter,
                     opts[i].value);
            if (form >= 2 && !opts[i].letter)
                continue;
            switch (form) {
            case 0:
                args[1] = longo, args[2] = opts[i].value;
                break;
            case 1:
                args[1] = joined, args[2] = "p";
                break;
            case 2:
                args[1] = shorto, args[2] = opts[i].value;
                break;
            case 3:
                args[1] = shortj, args[2] = "p";
                break;
            }
            if (parse(args, NULL, &o, &err) != KVA_OK)
                fail_msg("%s form %d: %s", opts[i].lname, form, err.message);
            switch (i) {
            case 0:
                assert_string_equal(o.out_dir, "dir");
                break;
            case 1:
                assert_int_equal(o.formats, KVA_FMT_BIT(KVA_FMT_CSV));
                break;
            case 2:
                assert_true(o.as_of_set);
                break;
            case 3:
                assert_string_equal(o.exceptions, "x.json");
                break;
            case 4:
                assert_string_equal(o.baseline, "b.json");
                break;
            case 5:
                assert_string_equal(o.owner_tags[0], "team");
                break;
            case 6:
                assert_string_equal(o.env_tags[0], "tier");
                break;
            case 7:
                assert_string_equal(o.title, "T");
                break;
            case 8:
                assert_string_equal(o.org, "O");
                break;
            case 9:
                assert_string_equal(o.templates_dir, "tpl");
                break;
            case 10:
                assert_int_equal(o.fail_on, KVA_FAIL_NONCOMPLIANT);
                break;
            case 11:
                assert_true(o.pdf_vaults_all);
                break;
            }
            kva_options_free(&o);
            kva_diag_clear(&err);
        }
    }
}

static void test_formats(void **state)
{
    static const struct fcase {
        const char *args[8];
        unsigned want;
    } cases[] = {
        {{"report", "p", "-f", "json", NULL}, KVA_FMT_BIT(KVA_FMT_JSON)},
        {{"report", "p", "-fjson,csv", NULL},
         KVA_FMT_BIT(KVA_FMT_JSON) | KVA_FMT_BIT(KVA_FMT_CSV)},
        {{"report", "p", "--format=xlsx,pdf,json,csv,md,sh,ps1", NULL},
         (1u << KVA_FMT__COUNT) - 1},
        {{"report", "p", "--format", "json,json,JSON", NULL},
         KVA_FMT_BIT(KVA_FMT_JSON)},
        /* repeatable: the lists add up (the default is replaced once) */
        {{"report", "p", "-f", "md", "-f", "sh", NULL},
         KVA_FMT_BIT(KVA_FMT_MD) | KVA_FMT_BIT(KVA_FMT_SH)},
        {{"report", "p", "-f", "ps1", NULL}, KVA_FMT_BIT(KVA_FMT_PS1)},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kva_options o;
        kva_diag err = {0};
        assert_int_equal(parse(cases[i].args, NULL, &o, &err), KVA_OK);
        assert_int_equal(o.formats, cases[i].want);
        kva_options_free(&o);
    }
}

static void test_format_names(void **state)
{
    static const char *const names[] = {"json", "xlsx", "pdf", "csv",
                                        "md",   "sh",   "ps1"};
    static const char *const files[] = {
        "report.json", "report.xlsx",  "report.pdf",   "findings.csv",
        "summary.md",  "remediate.sh", "remediate.ps1"};
    (void)state;
    for (int f = 0; f < KVA_FMT__COUNT; f++) {
        assert_string_equal(kva_format_name((kva_format)f), names[f]);
        assert_string_equal(kva_format_file((kva_format)f), files[f]);
    }
}

static void test_flags(void **state)
{
    kva_options o;
    kva_diag err = {0};

    (void)state;
    assert_int_equal(parse(ARGS("report", "--allow-partial", "--timings", "-v",
                                "p", "--pdf-vaults", "all"),
                           NULL, &o, &err),
                     KVA_OK);
    assert_true(o.allow_partial);
    assert_true(o.timings);
    assert_int_equal(o.verbosity, 1);
    assert_true(o.pdf_vaults_all);
    kva_options_free(&o);

    assert_int_equal(
        parse(ARGS("report", "p", "--quiet", "--pdf-vaults=failing"), NULL, &o,
              &err),
        KVA_OK);
    assert_int_equal(o.verbosity, -1);
    assert_false(o.pdf_vaults_all);
    kva_options_free(&o);

    /* bundled short flags; the last of -q/-v wins */
    assert_int_equal(parse(ARGS("report", "-qv", "p"), NULL, &o, &err), KVA_OK);
    assert_int_equal(o.verbosity, 1);
    kva_options_free(&o);
    assert_int_equal(parse(ARGS("report", "-v", "-q", "p"), NULL, &o, &err),
                     KVA_OK);
    assert_int_equal(o.verbosity, -1);
    kva_options_free(&o);
    kva_diag_clear(&err);
}

static void test_strings(void **state)
{
    kva_options o;
    kva_diag err = {0};

    (void)state;
    assert_int_equal(
        parse(ARGS("report", "--title", "Q3 review", "--org=Contoso",
                   "--exceptions", "exc.json", "--baseline=old.json",
                   "--templates", "tpl", "p"),
              NULL, &o, &err),
        KVA_OK);
    assert_string_equal(o.title, "Q3 review");
    assert_string_equal(o.org, "Contoso");
    assert_string_equal(o.exceptions, "exc.json");
    assert_string_equal(o.baseline, "old.json");
    assert_string_equal(o.templates_dir, "tpl");
    kva_options_free(&o);

    /* A value may start with '-' and the title may be empty. */
    assert_int_equal(parse(ARGS("report", "--title", "", "--org", "-x-", "p"),
                           NULL, &o, &err),
                     KVA_OK);
    assert_string_equal(o.title, "");
    assert_string_equal(o.org, "-x-");
    kva_options_free(&o);
    kva_diag_clear(&err);
}

static void test_tags(void **state)
{
    kva_options o;
    kva_diag err = {0};

    (void)state;
    assert_int_equal(parse(ARGS("report", "--owner-tag", "team", "p",
                                "--owner-tag=Owner", "--env-tag", "tier"),
                           NULL, &o, &err),
                     KVA_OK);
    assert_int_equal(o.n_owner_tags, 2);
    assert_string_equal(o.owner_tags[0], "team");
    assert_string_equal(o.owner_tags[1], "Owner");
    assert_int_equal(o.n_env_tags, 1);
    assert_string_equal(o.env_tags[0], "tier");
    kva_options_free(&o);
    kva_diag_clear(&err);
}

static void test_fail_on(void **state)
{
    static const struct {
        const char *cmd;
        const char *value;
        kva_fail_on want;
    } cases[] = {
        {"report", NULL, KVA_FAIL_NEVER},
        {"check", NULL, KVA_FAIL_NO_EVIDENCE},
        {"report", "--fail-on=never", KVA_FAIL_NEVER},
        {"report", "--fail-on=noncompliant", KVA_FAIL_NONCOMPLIANT},
        {"report", "--fail-on=no-evidence", KVA_FAIL_NO_EVIDENCE},
        {"check", "--fail-on=never", KVA_FAIL_NEVER},
        {"check", "--fail-on=noncompliant", KVA_FAIL_NONCOMPLIANT},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kva_options o;
        kva_diag err = {0};
        const char *args[4] = {cases[i].cmd, "p", cases[i].value, NULL};
        assert_int_equal(parse(args, NULL, &o, &err), KVA_OK);
        assert_int_equal(o.fail_on, cases[i].want);
        kva_options_free(&o);
    }
}

static void test_as_of(void **state)
{
    static const struct {
        const char *as_of;
        const char *sde;
        bool set;
        int64_t want;
    } cases[] = {
        {"2026-11-23", NULL, true, INT64_C(1795392000)},
        {"2026-11-23T00:00:00Z", NULL, true, INT64_C(1795392000)},
        {"2026-11-23T01:00:00+01:00", NULL, true, INT64_C(1795392000)},
        /* --as-of wins over SOURCE_DATE_EPOCH, even a malformed one */
        {"2026-11-23", "12", true, INT64_C(1795392000)},
        {"2026-11-23", "junk", true, INT64_C(1795392000)},
        {NULL, "1795392000", true, INT64_C(1795392000)},
        {NULL, "0", true, 0},
        {NULL, "253402300799", true, INT64_C(253402300799)},
        {NULL, NULL, false, 0},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kva_options o;
        kva_diag err = {0};
        const char *args[5] = {"report", "p", NULL, NULL, NULL};
        if (cases[i].as_of) {
            args[2] = "--as-of";
            args[3] = cases[i].as_of;
        }
        if (parse(args, cases[i].sde, &o, &err) != KVA_OK)
            fail_msg("case %zu: %s", i, err.message);
        assert_int_equal(o.as_of_set, cases[i].set);
        if (cases[i].set)
            assert_int_equal(o.as_of, cases[i].want);
        kva_options_free(&o);
        kva_diag_clear(&err);
    }
}

static void test_price(void **state)
{
    kva_options o;
    kva_diag err = {0};

    (void)state;
    assert_int_equal(parse(ARGS("report", "p", "--price-per-vault", "0.02",
                                "--currency=EUR"),
                           NULL, &o, &err),
                     KVA_OK);
    assert_true(o.has_price);
    assert_true(o.price_per_vault > 0.0199 && o.price_per_vault < 0.0201);
    assert_string_equal(o.currency, "EUR");
    kva_options_free(&o);
    assert_int_equal(
        parse(ARGS("report", "p", "--price-per-vault=12", "--currency", "USD"),
              NULL, &o, &err),
        KVA_OK);
    assert_true(o.price_per_vault == 12.0);
    kva_options_free(&o);
    kva_diag_clear(&err);
}

static void test_double_dash(void **state)
{
    kva_options o;
    kva_diag err = {0};

    (void)state;
    assert_int_equal(
        parse(ARGS("report", "-q", "--", "-o", "--help", "-"), NULL, &o, &err),
        KVA_OK);
    assert_string_equal(o.out_dir, "kvaudit-report");
    assert_int_equal(o.verbosity, -1);
    assert_int_equal(o.n_paths, 3);
    assert_string_equal(o.paths[0], "-o");
    assert_string_equal(o.paths[1], "--help");
    assert_string_equal(o.paths[2], "-");
    kva_options_free(&o);
    kva_diag_clear(&err);
}

static void test_help_version(void **state)
{
    static const struct {
        const char *args[6];
        kva_command want;
    } cases[] = {
        {{"--help", NULL}, KVA_CMD_HELP},
        {{"-h", NULL}, KVA_CMD_HELP},
        {{"report", "--help", NULL}, KVA_CMD_HELP},
        {{"check", "p", "-h", NULL}, KVA_CMD_HELP},
        {{"--version", NULL}, KVA_CMD_VERSION},
        {{"report", "--version", "--bogus", NULL}, KVA_CMD_VERSION},
        /* after a bad option, a bad value or a bad command, too */
        {{"report", "--bogus", "--help", NULL}, KVA_CMD_HELP},
        {{"report", "-x", "-h", NULL}, KVA_CMD_HELP},
        {{"report", "--as-of", "2026-13-01", "--version", NULL},
         KVA_CMD_VERSION},
        {{"report", "--fail-on=sometimes", "--help", NULL}, KVA_CMD_HELP},
        {{"audit", "--version", NULL}, KVA_CMD_VERSION},
        {{"report", "-qvh", NULL}, KVA_CMD_HELP},
        {{"report", "--bogus", "--version", "--help", NULL}, KVA_CMD_VERSION},
        /* a value that reads like one is still a value; "--" ends it */
        {{"report", "--title", "--help", "p", NULL}, KVA_CMD_REPORT},
        {{"report", "-o", "-h", "p", NULL}, KVA_CMD_REPORT},
        {{"report", "-oh", "p", NULL}, KVA_CMD_REPORT},
        {{"report", "--", "--help", NULL}, KVA_CMD_REPORT},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kva_options o;
        kva_diag err = {0};
        assert_int_equal(parse(cases[i].args, NULL, &o, &err), KVA_OK);
        assert_int_equal(o.command, cases[i].want);
        kva_options_free(&o);
    }
}

/* Read kva_usage's text into a buffer. */
static char *usage_text(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    assert_non_null(f);
    kva_usage(f);
    fclose(f);
    return buf;
}

static void test_usage_text(void **state)
{
    static const char *const must[] = {
        "--out DIR",
        "-o,",
        "--format LIST",
        "-f,",
        "--as-of WHEN",
        "--exceptions FILE",
        "--baseline FILE",
        "--owner-tag KEY",
        "--env-tag KEY",
        "--title TEXT",
        "--org TEXT",
        "--templates DIR",
        "--allow-partial",
        "--fail-on WHAT",
        "-q, --quiet",
        "-v, --verbose",
        "--price-per-vault AMOUNT",
        "--currency CODE",
        "--pdf-vaults WHICH",
        "--timings",
        "--help",
        "--version",
        "kvaudit report [OPTIONS] PATH...",
        "kvaudit check  [OPTIONS] PATH...",
        "SOURCE_DATE_EPOCH",
        "xlsx,pdf,json,csv,md,sh,ps1",
        "never,",
        "noncompliant",
        "no-evidence",
        "kvaudit-report",
        "Exit status",
    };
    char *text = usage_text();
    size_t line = 0;

    (void)state;
    for (size_t i = 0; i < sizeof must / sizeof must[0]; i++)
        if (!strstr(text, must[i]))
            fail_msg("--help lacks '%s'", must[i]);
    /* the default tag keys are spelled out, and match evaluate.c's */
    for (size_t i = 0; i < kva_default_owner_tags_n; i++)
        if (!strstr(text, kva_default_owner_tags[i]))
            fail_msg("--help lacks owner tag '%s'", kva_default_owner_tags[i]);
    for (size_t i = 0; i < kva_default_env_tags_n; i++)
        if (!strstr(text, kva_default_env_tags[i]))
            fail_msg("--help lacks env tag '%s'", kva_default_env_tags[i]);
    /* 80 columns (the text is ASCII) */
    for (const char *p = text; *p; line++) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n > 80)
            fail_msg("--help line %zu has %zu columns", line + 1, n);
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)p[i] >= 0x80 || p[i] == '\t')
                fail_msg("--help line %zu is not plain ASCII", line + 1);
        p += n + (nl != NULL);
    }
    free(text);
}

static void test_lib_versions(void **state)
{
    char buf[256];

    (void)state;
    kva_lib_versions(buf, sizeof buf);
    assert_non_null(strstr(buf, "cJSON 1."));
    assert_non_null(strstr(buf, "libxlsxwriter 1."));
    assert_non_null(strstr(buf, "libharu 2."));
    assert_non_null(strstr(buf, "OpenSSL "));
    /* truncation is safe */
    kva_lib_versions(buf, 6);
    assert_string_equal(buf, "cJSON");
}

static void test_command_line(void **state)
{
    static const struct {
        const char *args[6];
        const char *want;
    } cases[] = {
        {{"report", "-o", "out/dir", "--as-of=2026-11-23", NULL},
         "kvaudit report -o out/dir --as-of=2026-11-23"},
        {{"report", "--title", "Q3 review", NULL},
         "kvaudit report --title 'Q3 review'"},
        {{"check", "it's", "", NULL}, "kvaudit check 'it'\\''s' ''"},
        {{"check", "$(rm -rf ~)", "a;b", NULL},
         "kvaudit check '$(rm -rf ~)' 'a;b'"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *argv[8] = {(char *)"/usr/local/bin/kvaudit"};
        int argc = 1;
        char *s;
        for (size_t j = 0; cases[i].args[j]; j++)
            argv[argc++] = (char *)cases[i].args[j];
        s = kva_command_line(argc, argv);
        assert_non_null(s);
        assert_string_equal(s, cases[i].want);
        free(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_value_forms),
        cmocka_unit_test(test_every_option_every_form),
        cmocka_unit_test(test_formats),
        cmocka_unit_test(test_format_names),
        cmocka_unit_test(test_flags),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_tags),
        cmocka_unit_test(test_fail_on),
        cmocka_unit_test(test_as_of),
        cmocka_unit_test(test_price),
        cmocka_unit_test(test_double_dash),
        cmocka_unit_test(test_help_version),
        cmocka_unit_test(test_usage_text),
        cmocka_unit_test(test_lib_versions),
        cmocka_unit_test(test_command_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

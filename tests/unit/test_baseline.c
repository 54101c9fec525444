#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "evaluate.h"

/*
 * kva_baseline_read over tests/fixtures/baseline (run from the repository
 * root, as tests/run.sh does). report_ok.json is a trimmed real
 * report.json; variants of it are made on the fly by replacing one piece
 * of text, so every error case has the real shape around it.
 */

#define FIX "tests/fixtures/baseline/"
#define OK_PATH FIX "report_ok.json"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    if (!f)
        fail_msg("cannot open %s (run from the repository root)", path);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    assert_true(n >= 0);
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

/* Write bytes to a new temporary file; returns its path (caller frees and
 * unlinks). */
static char *write_temp(const char *data, size_t len)
{
    char *path = strdup("/tmp/kva-baseline-XXXXXX");
    int fd;

    assert_non_null(path);
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
    return path;
}

/* report_ok.json with the first `from` replaced by `to`. */
static char *variant(const char *from, const char *to)
{
    size_t len, fl = strlen(from), tl = strlen(to);
    char *text = slurp(OK_PATH, &len);
    char *at = strstr(text, from);
    char *out, *path;

    if (!at)
        fail_msg("fixture lacks \"%s\"", from);
    out = malloc(len - fl + tl + 1);
    assert_non_null(out);
    memcpy(out, text, (size_t)(at - text));
    memcpy(out + (at - text), to, tl);
    memcpy(out + (at - text) + tl, at + fl, len - (size_t)(at - text) - fl);
    path = write_temp(out, len - fl + tl);
    free(out);
    free(text);
    return path;
}

static void assert_contains(const char *hay, const char *needle)
{
    if (!hay || !strstr(hay, needle))
        fail_msg("\"%s\" does not contain \"%s\"", hay ? hay : "(null)",
                 needle);
}

/* Read `path` expecting an error; checks code, message part and position
 * (line 0 = do not check), and that nothing is left in the baseline. */
static void expect_error(const char *path, kva_error code, const char *msg,
                         uint32_t line, uint32_t col)
{
    kva_baseline b;
    kva_diag d = {0};
    kva_error rc = kva_baseline_read(path, &b, &d);

    if (rc != code)
        fail_msg("%s: error %d (%s: %s), want %d", path, rc,
                 kva_strerror(rc), d.message ? d.message : "", code);
    assert_contains(d.message, msg);
    assert_string_equal(d.path, path);
    if (line) {
        if (d.line != line || d.col != col)
            fail_msg("%s: position %u:%u, want %u:%u (%s)", path, d.line,
                     d.col, line, col, d.message);
    }
    assert_null(b.subs);
    assert_int_equal(b.n_subs, 0);
    assert_null(b.path);
    assert_null(b.as_of);
    kva_diag_clear(&d);
}

static void expect_variant_error(const char *from, const char *to,
                                 kva_error code, const char *msg,
                                 uint32_t line, uint32_t col)
{
    char *path = variant(from, to);
    expect_error(path, code, msg, line, col);
    unlink(path);
    free(path);
}

static void check_ok_fixture(const kva_baseline *b)
{
    assert_string_equal(b->as_of, "2026-11-23T00:00:00Z");
    assert_int_equal(b->by_status[KVA_ST_NONCOMPLIANT], 2);
    assert_int_equal(b->by_status[KVA_ST_NO_EVIDENCE], 1);
    assert_int_equal(b->by_status[KVA_ST_EXEMPT], 1);
    assert_int_equal(b->by_status[KVA_ST_COMPLIANT], 1);
    assert_int_equal(b->by_status[KVA_ST_NOT_APPLICABLE], 1);
    assert_true(b->compliance_pct == 40.0);
    assert_int_equal(b->n_subs, 6);
    /* Ids are stored lower-case (the fixture writes the first in capitals). */
    assert_string_equal(b->subs[0].id, "3d5f7b9a-1c2e-4d4f-8a6b-00000000fab1");
    assert_string_equal(b->subs[0].name, "Fabrikam Data Prod");
    assert_int_equal(b->subs[0].status, KVA_ST_NONCOMPLIANT);
    assert_int_equal(b->subs[1].status, KVA_ST_NO_EVIDENCE);
    assert_null(b->subs[2].name);
    assert_int_equal(b->subs[3].status, KVA_ST_EXEMPT);
    assert_int_equal(b->subs[4].status, KVA_ST_COMPLIANT);
    assert_string_equal(b->subs[5].name, "Contoso Legacy Sandbox");
    assert_int_equal(b->subs[5].status, KVA_ST_NOT_APPLICABLE);
}

static void test_read_ok(void **state)
{
    kva_baseline b;
    kva_diag d = {0};
    (void)state;

    assert_int_equal(kva_baseline_read(OK_PATH, &b, &d), KVA_OK);
    assert_string_equal(b.path, OK_PATH);
    check_ok_fixture(&b);
    kva_baseline_free(&b);
    assert_null(b.subs);
    kva_baseline_free(&b); /* freeing twice is harmless */
    kva_baseline_free(NULL);
    kva_diag_clear(&d);
}

/* Windows PowerShell 5.1 `>` writes UTF-16LE with a BOM and CRLF. */
static void test_read_utf16le(void **state)
{
    kva_baseline b;
    kva_diag d = {0};
    (void)state;

    assert_int_equal(kva_baseline_read(FIX "report_utf16le.json", &b, &d),
                     KVA_OK);
    check_ok_fixture(&b);
    kva_baseline_free(&b);
    kva_diag_clear(&d);
}

static void test_wrong_schema(void **state)
{
    (void)state;
    expect_variant_error("\"kvaudit.report/1\"", "\"kvaudit.report/2\"",
                         KVA_ERR_SCHEMA,
                         "not a kvaudit report (schema \"kvaudit.report/2\"",
                         2, 13);
    expect_variant_error("\"schema\": \"kvaudit.report/1\"",
                         "\"schema\": \"kvaudit.exceptions/1\"",
                         KVA_ERR_SCHEMA, "not a kvaudit report (schema", 2,
                         13);
    expect_variant_error("\"schema\": \"kvaudit.report/1\"", "\"schema\": 1",
                         KVA_ERR_SCHEMA,
                         "not a kvaudit report (schema is not a string)", 2,
                         13);
}

static void test_not_a_report(void **state)
{
    char *path;
    (void)state;

    expect_error(FIX "pricing_show.json", KVA_ERR_SCHEMA,
                 "not a kvaudit report (schema missing)", 1, 1);
    path = write_temp("\n  [ ]\n", 7);
    expect_error(path, KVA_ERR_SCHEMA, "not a kvaudit report (schema missing)",
                 2, 3);
    unlink(path);
    free(path);
}

static void test_bad_status(void **state)
{
    (void)state;
    expect_variant_error(
        "\"state\": null,\n      \"status\": \"noncompliant\"",
        "\"state\": null,\n      \"status\": \"failing\"", KVA_ERR_SCHEMA,
        "subscriptions[2] (id 16b4d2f0-8e6c-4a5b-9d3f-00000000fab5): unknown "
        "status \"failing\"",
        355, 5);
    /* Status names are exact: the report writes them lower-case. */
    expect_variant_error("\"status\": \"exempt\"", "\"status\": \"Exempt\"",
                         KVA_ERR_SCHEMA, "unknown status \"Exempt\"", 0, 0);
    expect_variant_error("\"status\": \"exempt\"", "\"status\": null",
                         KVA_ERR_SCHEMA,
                         "subscriptions[3] (id e27a5c93-1f4b-4d6e-8c3a-"
                         "00000000c003) has no \"status\"",
                         0, 0);
}

static void test_bad_entry(void **state)
{
    (void)state;
    expect_variant_error("\"id\": \"9b1e7d42-3c5a-4f08-b2d4-00000000c002\",",
                         "", KVA_ERR_SCHEMA,
                         "subscriptions[4] has no \"id\"", 0, 0);
    expect_variant_error("\"name\": \"Contoso HR Prod\"", "\"name\": 7",
                         KVA_ERR_SCHEMA,
                         "subscriptions[4] (id 9b1e7d42-3c5a-4f08-b2d4-"
                         "00000000c002): \"name\" is not a string",
                         0, 0);
    expect_variant_error("\"subscriptions\": [", "\"subscriptions\": 3, \"x\": [",
                         KVA_ERR_SCHEMA,
                         "\"subscriptions\" is not an array", 286, 20);
    expect_variant_error("\"subscriptions\": [", "\"subscriptionz\": [",
                         KVA_ERR_SCHEMA,
                         "report has no \"subscriptions\" array", 1, 1);
    expect_variant_error("\"as_of\": \"2026-11-23T00:00:00Z\"", "\"as_of\": 5",
                         KVA_ERR_SCHEMA, "as_of is not a string", 7, 12);
}

static void test_bad_counts(void **state)
{
    (void)state;
    expect_variant_error("\"compliant\": 1,", "\"compliant\": \"1\",",
                         KVA_ERR_SCHEMA, "kpis.compliant is not a count", 94,
                         11);
    expect_variant_error("\"exempt\": 1,", "\"exempt\": -1,", KVA_ERR_SCHEMA,
                         "kpis.exempt is not a count", 0, 0);
    expect_variant_error("\"exempt\": 1,", "\"exempt\": 1.5,", KVA_ERR_SCHEMA,
                         "kpis.exempt is not a count", 0, 0);
    expect_variant_error("\"compliance_pct\": 40,",
                         "\"compliance_pct\": \"40\",", KVA_ERR_SCHEMA,
                         "kpis.compliance_pct is not a percentage", 0, 0);
    expect_variant_error("\"kpis\": {", "\"kpis\": [], \"x\": {",
                         KVA_ERR_SCHEMA, "kpis is not an object", 0, 0);
}

/* Counts the report does not state are counted from its subscriptions;
 * compliance_pct likewise (compliant + exempt over in scope). */
static void test_missing_counts_are_counted(void **state)
{
    static const char text[] =
        "{\"schema\": \"kvaudit.report/1\", \"subscriptions\": [\n"
        " {\"id\": \"A1\", \"status\": \"compliant\"},\n"
        " {\"id\": \"a2\", \"name\": \"two\", \"status\": \"compliant\"},\n"
        " {\"id\": \"a3\", \"status\": \"exempt\"},\n"
        " {\"id\": \"a4\", \"status\": \"noncompliant\"},\n"
        " {\"id\": \"a5\", \"status\": \"not_applicable\"}]}\n";
    static const char partial[] =
        "{\"schema\": \"kvaudit.report/1\", \"kpis\": {\"compliant\": 10, "
        "\"noncompliant\": null},\n"
        " \"subscriptions\": [{\"id\": \"a\", \"status\": \"compliant\"},\n"
        " {\"id\": \"b\", \"status\": \"noncompliant\"}]}";
    char *path = write_temp(text, sizeof text - 1);
    kva_baseline b;
    kva_diag d = {0};
    (void)state;

    assert_int_equal(kva_baseline_read(path, &b, &d), KVA_OK);
    assert_null(b.as_of);
    assert_int_equal(b.by_status[KVA_ST_COMPLIANT], 2);
    assert_int_equal(b.by_status[KVA_ST_EXEMPT], 1);
    assert_int_equal(b.by_status[KVA_ST_NONCOMPLIANT], 1);
    assert_int_equal(b.by_status[KVA_ST_NO_EVIDENCE], 0);
    assert_int_equal(b.by_status[KVA_ST_NOT_APPLICABLE], 1);
    assert_true(b.compliance_pct == 75.0);
    assert_string_equal(b.subs[0].id, "a1");
    assert_null(b.subs[0].name);
    assert_string_equal(b.subs[1].name, "two");
    kva_baseline_free(&b);
    unlink(path);
    free(path);

    path = write_temp(partial, sizeof partial - 1);
    assert_int_equal(kva_baseline_read(path, &b, &d), KVA_OK);
    assert_int_equal(b.by_status[KVA_ST_COMPLIANT], 10);
    assert_int_equal(b.by_status[KVA_ST_NONCOMPLIANT], 1);
    assert_true(b.compliance_pct == 90.9); /* 10 / 11 */
    kva_baseline_free(&b);
    unlink(path);
    free(path);
    kva_diag_clear(&d);
}

static void test_null_pct(void **state)
{
    char *path = variant("\"compliance_pct\": 40,", "\"compliance_pct\": null,");
    kva_baseline b;
    kva_diag d = {0};
    (void)state;

    assert_int_equal(kva_baseline_read(path, &b, &d), KVA_OK);
    assert_true(b.compliance_pct == -1);
    kva_baseline_free(&b);
    unlink(path);
    free(path);
    kva_diag_clear(&d);
}

static void test_empty_subscriptions(void **state)
{
    static const char text[] =
        "{\"schema\":\"kvaudit.report/1\",\"as_of\":\"2026-01-01T00:00:00Z\","
        "\"subscriptions\":[]}";
    char *path = write_temp(text, sizeof text - 1);
    kva_baseline b;
    kva_diag d = {0};
    (void)state;

    assert_int_equal(kva_baseline_read(path, &b, &d), KVA_OK);
    assert_int_equal(b.n_subs, 0);
    assert_true(b.compliance_pct == -1);
    assert_string_equal(b.as_of, "2026-01-01T00:00:00Z");
    kva_baseline_free(&b);
    unlink(path);
    free(path);
    kva_diag_clear(&d);
}

/* Bad bytes get the same positioned errors as any input. */
static void test_malformed_input(void **state)
{
    static const char bad_utf8[] =
        "{\"schema\": \"kvaudit.report/1\",\n \"title\": \"caf\xe9\"}";
    char *path;
    (void)state;

    expect_error(FIX "truncated.json", KVA_ERR_SYNTAX, "", 0, 0);
    {
        kva_baseline b;
        kva_diag d = {0};
        assert_int_equal(kva_baseline_read(FIX "truncated.json", &b, &d),
                         KVA_ERR_SYNTAX);
        assert_true(d.line > 1);
        kva_diag_clear(&d);
    }
    path = write_temp(bad_utf8, sizeof bad_utf8 - 1);
    expect_error(path, KVA_ERR_UTF8, "", 2, 0 + 15);
    unlink(path);
    free(path);

    path = write_temp("{\"schema\"\0: 1}", 14);
    expect_error(path, KVA_ERR_ENCODING, "", 0, 0);
    unlink(path);
    free(path);

    path = write_temp("", 0);
    expect_error(path, KVA_ERR_SYNTAX, "", 0, 0);
    unlink(path);
    free(path);
}

static void test_missing_file(void **state)
{
    (void)state;
    expect_error(FIX "no-such-report.json", KVA_ERR_IO,
                 "No such file or directory", 0, 0);
    expect_error(FIX, KVA_ERR_IO, "", 0, 0); /* a directory */
}

/* Over 1 GiB is refused before reading (a sparse file: no disk used). */
static void test_too_large(void **state)
{
    char *path = write_temp("{", 1);
    (void)state;

    assert_int_equal(truncate(path, (off_t)KVA_MAX_FILE_SIZE + 1), 0);
    expect_error(path, KVA_ERR_TOO_LARGE, "", 0, 0);
    unlink(path);
    free(path);
}

/* The baseline read from disk drives the evaluator's trend. */
static void test_trend_from_file(void **state)
{
    kva_model *m = kva_model_new();
    kva_baseline b;
    kva_diag d = {0};
    kva_eval_opts o = {0};
    kva_result *r;
    kva_sub s = {0};
    kva_pricing p = {0};
    (void)state;

    assert_int_equal(kva_baseline_read(OK_PATH, &b, &d), KVA_OK);
    s.id = strdup("3D5F7B9A-1C2E-4D4F-8A6B-00000000FAB1");
    s.name = strdup("Fabrikam Data Prod");
    s.from_inventory = true;
    assert_int_equal(kva_model_add_sub(m, &s), KVA_OK);
    p.sub_id = strdup("3d5f7b9a-1c2e-4d4f-8a6b-00000000fab1");
    p.plan = strdup("KeyVaults");
    p.tier = strdup("Standard");
    p.trial_remaining_s = KVA_UNKNOWN_SECONDS;
    assert_int_equal(kva_model_add_pricing(m, &p), KVA_OK);
    o.baseline = &b;
    r = kva_evaluate(m, &o);
    assert_non_null(r);
    kva_baseline_free(&b);
    assert_int_equal(r->trend.n_fixed, 1);
    assert_string_equal(r->trend.fixed[0].name, "Fabrikam Data Prod");
    assert_int_equal(r->trend.n_removed, 5);
    assert_int_equal(r->trend.n_added, 0);
    assert_string_equal(r->trend.baseline_path, OK_PATH);
    assert_true(r->trend.compliance_pct_before == 40.0);
    kva_result_free(r);
    kva_model_free(m);
    kva_diag_clear(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_ok),
        cmocka_unit_test(test_read_utf16le),
        cmocka_unit_test(test_wrong_schema),
        cmocka_unit_test(test_not_a_report),
        cmocka_unit_test(test_bad_status),
        cmocka_unit_test(test_bad_entry),
        cmocka_unit_test(test_bad_counts),
        cmocka_unit_test(test_missing_counts_are_counted),
        cmocka_unit_test(test_null_pct),
        cmocka_unit_test(test_empty_subscriptions),
        cmocka_unit_test(test_malformed_input),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_too_large),
        cmocka_unit_test(test_trend_from_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

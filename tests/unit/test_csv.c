#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture_report.h"

#define MAX_ROWS 16
#define MAX_COLS 32

typedef struct table {
    char *cell[MAX_ROWS][MAX_COLS];
    size_t cols[MAX_ROWS];
    size_t rows;
} table;

/*
 * A strict RFC 4180 reader: records end with CRLF, quoted fields may hold
 * anything with quotes doubled, a quote inside an unquoted field or a bare
 * CR or LF outside quotes fails the test.
 */
static void parse(const char *s, size_t len, table *t)
{
    size_t i = 0;

    memset(t, 0, sizeof *t);
    while (i < len) {
        size_t r = t->rows++;

        assert_true(r < MAX_ROWS);
        for (;;) {
            char *buf = malloc(len + 1);
            size_t n = 0;

            assert_non_null(buf);
            if (s[i] == '"') {
                i++;
                for (;;) {
                    assert_true(i < len);
                    if (s[i] == '"' && i + 1 < len && s[i + 1] == '"') {
                        buf[n++] = '"';
                        i += 2;
                    } else if (s[i] == '"') {
                        i++;
                        break;
                    } else {
                        buf[n++] = s[i++];
                    }
                }
            } else {
                while (i < len && s[i] != ',' && s[i] != '\r') {
                    assert_true(s[i] != '"' && s[i] != '\n');
                    buf[n++] = s[i++];
                }
            }
            buf[n] = '\0';
            assert_true(t->cols[r] < MAX_COLS);
            t->cell[r][t->cols[r]++] = buf;
            assert_true(i < len);
            if (s[i] == ',') {
                i++;
                continue;
            }
            assert_int_equal(s[i], '\r');
            assert_int_equal(s[i + 1], '\n');
            i += 2;
            break;
        }
    }
}

static void table_free(table *t)
{
    for (size_t r = 0; r < t->rows; r++)
        for (size_t c = 0; c < t->cols[r]; c++)
            free(t->cell[r][c]);
}

static size_t col(const table *t, const char *name)
{
    for (size_t c = 0; c < t->cols[0]; c++)
        if (strcmp(t->cell[0][c], name) == 0)
            return c;
    fail_msg("no column %s", name);
    return 0;
}

static void render(const kva_report *rep, table *t)
{
    char path[] = "/tmp/kva-csv.XXXXXX";
    int fd = mkstemp(path);
    kva_diag d = {0};
    FILE *f;
    char *buf;
    long n;

    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(kva_render_csv(rep, path, &d), KVA_OK);
    f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    unlink(path);
    /* UTF-8 with a BOM, for Excel. */
    assert_memory_equal(buf, "\xEF\xBB\xBF", 3);
    parse(buf + 3, (size_t)n - 3, t);
    free(buf);
    kva_diag_clear(&d);
}

static void test_shape(void **state)
{
    static const char *const header[] = {
        "priority", "id", "name", "tenant_id", "state", "status", "tier",
        "sub_plan", "enablement_time", "trial_remaining_s", "owner",
        "owner_source", "environment", "management_groups", "vaults",
        "vaults_covered", "flags", "exception_state", "exception_expires",
        "exception_ticket", "evidence", "remediation_az",
        "remediation_powershell", "remediation_verify"};
    fx_report fx;
    table t;

    (void)state;
    fx_build(&fx);
    render(&fx.rep, &t);
    assert_int_equal(t.rows, 1 + FX_N_SUBS);
    assert_int_equal(t.cols[0], 24);
    for (size_t c = 0; c < 24; c++)
        assert_string_equal(t.cell[0][c], header[c]);
    for (size_t r = 1; r < t.rows; r++) {
        assert_int_equal(t.cols[r], 24);
        /* one row per subscription, in report order */
        assert_string_equal(t.cell[r][col(&t, "id")], fx_subs[r - 1].id);
        assert_string_equal(t.cell[r][col(&t, "name")], fx_subs[r - 1].name);
        assert_string_equal(t.cell[r][col(&t, "status")],
                            kva_status_name(fx_subs[r - 1].status));
    }
    assert_string_equal(t.cell[1][col(&t, "priority")], "1");
    assert_string_equal(t.cell[5][col(&t, "priority")], "");
    assert_string_equal(t.cell[1][col(&t, "tier")], "Free");
    assert_string_equal(t.cell[1][col(&t, "management_groups")], "lz");
    assert_string_equal(t.cell[1][col(&t, "vaults")], "12");
    assert_string_equal(t.cell[1][col(&t, "exception_state")], "expired");
    assert_string_equal(t.cell[1][col(&t, "exception_expires")], "2026-01-31");
    assert_string_equal(t.cell[1][col(&t, "flags")], "exception_expired");
    assert_string_equal(t.cell[1][col(&t, "evidence")],
                        "dumps/pricing \"a\",b.json; dumps/subs.json");
    assert_string_equal(t.cell[1][col(&t, "remediation_az")],
                        fx.r->subs[0].remediation_az);
    assert_string_equal(t.cell[1][col(&t, "remediation_powershell")],
                        fx.r->subs[0].remediation_ps);
    assert_string_equal(t.cell[1][col(&t, "remediation_verify")],
                        fx.r->subs[0].remediation_verify);
    assert_string_equal(t.cell[3][col(&t, "remediation_az")], "");
    assert_string_equal(t.cell[5][col(&t, "enablement_time")],
                        "2023-11-14T22:13:20Z");
    assert_string_equal(t.cell[5][col(&t, "trial_remaining_s")], "86400");
    assert_string_equal(t.cell[5][col(&t, "flags")],
                        "legacy_subplan; trial_ending");
    assert_string_equal(t.cell[6][col(&t, "owner_source")], "none");
    assert_string_equal(t.cell[6][col(&t, "owner")], "");
    /* formula-looking input is neutralised */
    assert_string_equal(t.cell[1][col(&t, "owner")],
                        "'=HYPERLINK(\"http://evil/\")");
    assert_string_equal(t.cell[1][col(&t, "exception_ticket")],
                        "'=cmd|' /C calc'!A0");
    assert_string_equal(t.cell[2][col(&t, "owner")], "'@admin|x");
    assert_string_equal(t.cell[4][col(&t, "owner")], "'+1 555 0100");
    assert_string_equal(t.cell[5][col(&t, "owner")], "'-owner");
    table_free(&t);
    fx_free(&fx);
}

typedef struct formula_case {
    const char *owner;
    const char *want;
} formula_case;

static void test_formula_neutralised(void **state)
{
    static const formula_case cases[] = {
        {"=1+1", "'=1+1"},
        {"+SUM(A1:A9)", "'+SUM(A1:A9)"},
        {"-2+3", "'-2+3"},
        {"@SUM(1)", "'@SUM(1)"},
        {"\t=1", "'\t=1"},
        {"\r=1", "'\r=1"},
        {"\xEF\xBC\x9D" "1+1", "'\xEF\xBC\x9D" "1+1"},
        {"\xEF\xBC\xA0x", "'\xEF\xBC\xA0x"},
        {"a=1", "a=1"},
        {" =1", " =1"},
        {"'quoted'", "'quoted'"},
        {"\"=1\"", "\"=1\""},
        {"=\"a\",\"b\"", "'=\"a\",\"b\""},
    };
    fx_report fx;

    (void)state;
    fx_build(&fx);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        table t;

        fx.r->subs[0].owner = cases[i].owner;
        render(&fx.rep, &t);
        assert_string_equal(t.cell[1][col(&t, "owner")], cases[i].want);
        table_free(&t);
    }
    fx_free(&fx);
}

static void test_empty_and_errors(void **state)
{
    kva_result *r = calloc(1, sizeof *r);
    kva_report rep;
    kva_diag d = {0};
    table t;

    (void)state;
    assert_non_null(r);
    memset(&rep, 0, sizeof rep);
    rep.result = r;
    rep.templates = kva_templates_builtin();
    render(&rep, &t);
    assert_int_equal(t.rows, 1);
    table_free(&t);
    assert_int_equal(kva_render_csv(&rep, "/nonexistent-dir/x.csv", &d),
                     KVA_ERR_IO);
    assert_non_null(strstr(d.message, "cannot write"));
    kva_diag_clear(&d);
    kva_result_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shape),
        cmocka_unit_test(test_formula_neutralised),
        cmocka_unit_test(test_empty_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

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

static char *render(const kva_report *rep)
{
    char path[] = "/tmp/kva-md.XXXXXX";
    int fd = mkstemp(path);
    kva_diag d = {0};
    FILE *f;
    char *buf;
    long n;

    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(kva_render_markdown(rep, path, &d), KVA_OK);
    f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    unlink(path);
    kva_diag_clear(&d);
    return buf;
}

/* Pipes that end a table cell: not escaped, not inside a code span. */
static size_t cell_pipes(const char *line, size_t len)
{
    size_t n = 0;
    bool code = false;

    for (size_t i = 0; i < len; i++) {
        if (line[i] == '\\') {
            i++;
            continue;
        }
        if (line[i] == '`')
            code = !code;
        else if (line[i] == '|' && !code)
            n++;
    }
    return n;
}

/*
 * Every table row has as many cell pipes as its header, and outside code
 * spans and fences no input character that means Markdown is left bare.
 */
static void check_structure(const char *md)
{
    const char *p = md;
    size_t table_pipes = 0;
    bool in_fence = false;

    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);

        if (len >= 3 && strncmp(p, "```", 3) == 0) {
            in_fence = !in_fence;
            p += len + (eol ? 1 : 0);
            continue;
        } else if (!in_fence && len && p[0] == '|') {
            size_t n = cell_pipes(p, len);

            if (!table_pipes)
                table_pipes = n;
            if (n != table_pipes)
                fail_msg("row with %zu cells, table has %zu: %.*s", n,
                         table_pipes, (int)len, p);
        } else {
            table_pipes = 0;
        }
        if (!in_fence) {
            bool code = false;

            for (size_t i = (len > 1 && p[0] == '>' && p[1] == ' ') ? 2 : 0;
                 i < len; i++) {
                if (p[i] == '\\') {
                    i++;
                    continue;
                }
                if (p[i] == '`') {
                    code = !code;
                    continue;
                }
                if (!code && strchr("<>[]@~$", p[i]))
                    fail_msg("bare '%c' in: %.*s", p[i], (int)len, p);
            }
            if (code)
                fail_msg("open code span in: %.*s", (int)len, p);
        }
        if (memchr(p, '\r', len))
            fail_msg("CR in: %.*s", (int)len, p);
        p += len + (eol ? 1 : 0);
    }
    assert_false(in_fence);
    assert_null(strstr(md, "\xE2\x80\xA8"));
}

static void test_fixture(void **state)
{
    fx_report fx;
    char *md;
    const char *cmds;

    (void)state;
    fx_build(&fx);
    md = render(&fx.rep);
    check_structure(md);
    assert_true(strncmp(md, "# Audit \\$(touch /tmp/kva-canary-title) "
                            "\\`id\\` 'x'\n\n",
                        50) == 0);
    assert_non_null(strstr(md, "**Organisation:** Org'; rm -rf \\~ #  X"));
    assert_non_null(strstr(md, "**As of:** 2026-11-23T00:00:00Z"));
    assert_non_null(strstr(md, "## Verdict: FAIL\n"));
    assert_non_null(strstr(md, "| Subscriptions in scope | 5 of 6 |\n"));
    assert_non_null(strstr(md, "| Key vault coverage | 26.1 % (6 of 23) |"));
    assert_non_null(strstr(md, "| Owner coverage | n/a (22 of 23) |"));
    assert_non_null(strstr(md, "| 1 | Prod; rm -rf \\~ \\$(touch "
                               "/tmp/kva-canary-1) \\`id\\` \"q\" `" FX_G1
                               "` | Noncompliant | production | "
                               "=HYPERLINK(\"http://evil/\") | 12 |\n"));
    assert_non_null(strstr(md, "| \\@admin\\|x |"));
    assert_non_null(strstr(md, "\\<b\\>\\*y\\*\\</b\\> \\[l\\](http://e)"));
    /* The commands: verify first where there was no evidence. */
    cmds = strstr(md, "```sh\n");
    assert_non_null(cmds);
    assert_true(strncmp(cmds,
                        "```sh\n"
                        "az security pricing create --subscription " FX_G1
                        " -n KeyVaults --tier Standard --subplan "
                        "PerKeyVault\n"
                        "az security pricing show --subscription " FX_G2
                        " -n KeyVaults --query pricingTier\n"
                        "az security pricing create --subscription " FX_G2
                        " -n KeyVaults --tier Standard --subplan "
                        "PerKeyVault\n"
                        "az security pricing create --subscription " FX_G3
                        " -n KeyVaults --tier Standard --subplan "
                        "PerKeyVault\n```\n",
                        200) == 0);
    assert_non_null(strstr(md, "managementGroups/lz/providers/"));
    /* The inputs with their hashes. */
    assert_non_null(strstr(md, "| `" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                               "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                               "` | dumps/pricing \"a\",b.json | pricings |"));
    assert_non_null(strstr(md, "dumps/subs\\|\\`x\\`.json"));
    assert_null(strstr(md, "INCOMPLETE"));
    free(md);
    fx_free(&fx);
}

/* Long lists are cut with a line that says so; a command holding a
 * fence gets a longer fence; an incomplete report says so first. */
static void test_limits(void **state)
{
    fx_report fx;
    kva_res_sub subs[14];
    kva_input inputs[25];
    char *md;

    (void)state;
    fx_build(&fx);
    for (size_t i = 0; i < 14; i++) {
        subs[i] = fx.r->subs[0];
        subs[i].priority = (int)i + 1;
    }
    subs[0].remediation_az = "echo ````";
    for (size_t i = 0; i < 25; i++) {
        inputs[i] = fx.inputs[0];
    }
    fx.r->subs = subs;
    fx.r->n_subs = 14;
    fx.r->inputs = inputs;
    fx.r->n_inputs = 25;
    fx.r->complete = false;
    md = render(&fx.rep);
    check_structure(md);
    assert_non_null(strstr(md, "> **INCOMPLETE: some evidence files"));
    assert_non_null(strstr(md, "\n10 / 14. More failing subscriptions are "
                               "listed in findings.csv"));
    assert_non_null(strstr(md, "\n20 / 25. More input files are listed"));
    assert_non_null(strstr(md, "\n`````sh\n"));
    assert_non_null(strstr(md, "\necho ````\n"));
    assert_non_null(strstr(md, "| 10 | Prod"));
    assert_null(strstr(md, "| 11 | Prod"));
    free(md);
    fx.r->subs = NULL;
    fx.r->n_subs = 0;
    fx.r->inputs = NULL;
    fx.r->n_inputs = 0;
    fx.r->pass = true;
    fx.r->complete = true;
    md = render(&fx.rep);
    check_structure(md);
    assert_non_null(strstr(md, "## Verdict: PASS\n"));
    assert_null(strstr(md, "```"));
    free(md);
    fx_free(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

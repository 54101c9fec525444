/*
 * Terminal manners (cli.h): when colour is used, which words get it, the
 * progress line's delay, rate, format and clearing, and the
 * KVAUDIT_PROGRESS_DELAY parser. The clock is a fake one the tests move.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli.h"

static double fake_now;

static double fake_clock(void)
{
    return fake_now;
}

/* A progress line drawing into memory; read it back with take(). */
typedef struct screen {
    char *buf;
    size_t len;
    FILE *f;
    kva_progress p;
} screen;

static void screen_open(screen *s, double delay)
{
    memset(s, 0, sizeof *s);
    s->f = open_memstream(&s->buf, &s->len);
    assert_non_null(s->f);
    kva_progress_init(&s->p, s->f, delay, fake_clock);
}

/* Everything drawn since the last take(), as a new string. */
static char *take(screen *s)
{
    char *out;

    fflush(s->f);
    out = strndup(s->buf, s->len);
    assert_non_null(out);
    fclose(s->f);
    free(s->buf);
    s->buf = NULL;
    s->len = 0;
    s->f = open_memstream(&s->buf, &s->len);
    assert_non_null(s->f);
    s->p.f = s->f;
    return out;
}

static void screen_close(screen *s)
{
    fclose(s->f);
    free(s->buf);
}

static void expect_drawn(screen *s, const char *want)
{
    char *got = take(s);
    assert_string_equal(got, want);
    free(got);
}

static void test_colour_wanted(void **state)
{
    static const struct {
        bool tty;
        const char *no_color, *term;
        bool want;
    } cases[] = {
        {true, NULL, "xterm-256color", true},
        {true, "", "xterm", true}, /* empty NO_COLOR: as if unset */
        {true, "1", "xterm", false},
        {true, "0", "xterm", false}, /* any non-empty value */
        {false, NULL, "xterm", false},
        {true, NULL, "dumb", false},
        {true, NULL, NULL, false},
        {true, NULL, "", false},
        {false, "1", "dumb", false},
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool got =
            kva_colour_wanted(cases[i].tty, cases[i].no_color, cases[i].term);
        if (got != cases[i].want)
            fail_msg("case %zu: tty=%d NO_COLOR=%s TERM=%s: got %d", i,
                     cases[i].tty, cases[i].no_color ? cases[i].no_color : "-",
                     cases[i].term ? cases[i].term : "-", got);
    }
}

static void test_colour_of(void **state)
{
    static const char *const coloured[] = {
        "PASS",   "FAIL",         "INCOMPLETE",  "compliant",
        "exempt", "noncompliant", "no_evidence", "not_applicable",
    };
    static const char *const plain[] = {
        "", "pass", "Compliant", "warning", "owner_missing", "noncompliant ",
    };

    (void)state;
    for (size_t i = 0; i < sizeof coloured / sizeof coloured[0]; i++) {
        const char *sgr = kva_colour_of(coloured[i]);
        if (strncmp(sgr, "\033[", 2) != 0 || sgr[strlen(sgr) - 1] != 'm')
            fail_msg("'%s' has no SGR sequence", coloured[i]);
    }
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
        assert_string_equal(kva_colour_of(plain[i]), "");
    assert_string_equal(kva_colour_of(NULL), "");
    /* failing and passing words never share a colour */
    assert_string_not_equal(kva_colour_of("PASS"), kva_colour_of("FAIL"));
    assert_string_not_equal(kva_colour_of("compliant"),
                            kva_colour_of("noncompliant"));
    assert_string_equal(KVA_SGR_RESET, "\033[0m");
}

static void test_progress_delay_env(void **state)
{
    static const struct {
        const char *env;
        double want;
    } cases[] = {
        {NULL, KVA_PROGRESS_DELAY},
        {"", KVA_PROGRESS_DELAY},
        {"0", 0},
        {"2", 2},
        {"0.25", 0.25},
        {".5", 0.5},
        {"3600", 3600},
        {"3600.5", KVA_PROGRESS_DELAY},
        {"-1", KVA_PROGRESS_DELAY},
        {"+1", KVA_PROGRESS_DELAY},
        {" 1", KVA_PROGRESS_DELAY},
        {"1 ", KVA_PROGRESS_DELAY},
        {"1e3", KVA_PROGRESS_DELAY},
        {"inf", KVA_PROGRESS_DELAY},
        {"nan", KVA_PROGRESS_DELAY},
        {"0x10", KVA_PROGRESS_DELAY},
        {"1,5", KVA_PROGRESS_DELAY},
        {"99999999999999999999", KVA_PROGRESS_DELAY},
        {".", KVA_PROGRESS_DELAY},
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double got = kva_progress_delay(cases[i].env);
        if (got < cases[i].want - 1e-9 || got > cases[i].want + 1e-9)
            fail_msg("KVAUDIT_PROGRESS_DELAY='%s': got %g, want %g",
                     cases[i].env ? cases[i].env : "(unset)", got,
                     cases[i].want);
    }
}

/* Nothing in the first `delay` seconds: a short run shows nothing. */
static void test_progress_waits(void **state)
{
    screen s;

    (void)state;
    fake_now = 100;
    screen_open(&s, 1.0);
    kva_progress_update(&s.p, "reading", 1, 4, "files");
    fake_now = 100.9;
    kva_progress_update(&s.p, "reading", 2, 4, "files");
    kva_progress_clear(&s.p);
    expect_drawn(&s, "");
    fake_now = 101.0;
    kva_progress_update(&s.p, "reading", 3, 4, "files");
    expect_drawn(&s, "\rkvaudit: reading 3/4 files (75%)");
    screen_close(&s);
}

static void test_progress_format(void **state)
{
    screen s;

    (void)state;
    fake_now = 0;
    screen_open(&s, 0);
    kva_progress_update(&s.p, "writing report.xlsx", 45000, 105000, "rows");
    expect_drawn(&s, "\rkvaudit: writing report.xlsx 45000/105000 rows (42%)");
    fake_now += 1;
    /* a shorter line blanks what is left of the longer one */
    kva_progress_update(&s.p, "writing report.pdf", 12, 0, "pages");
    expect_drawn(&s, "\rkvaudit: writing report.pdf 12 pages"
                     "                "); /* 52 - 36 columns */
    fake_now += 1;
    kva_progress_update(&s.p, "evaluating", 0, 0, NULL);
    expect_drawn(&s, "\rkvaudit: evaluating"
                     "                 "); /* 36 - 19 columns */
    fake_now += 1;
    kva_progress_update(&s.p, "reading", 7, 5, "files");
    expect_drawn(&s, "\rkvaudit: reading 7/5 files (100%)");
    fake_now += 1;
    kva_progress_update(&s.p, "reading", 0, 5, "files");
    expect_drawn(&s, "\rkvaudit: reading 0/5 files (0%)  "); /* 34 - 32 */
    fake_now += 1;
    kva_progress_update(&s.p, "reading", UINT64_MAX, UINT64_MAX, "files");
    {
        char *got = take(&s);
        assert_non_null(strstr(got, "(100%)"));
        free(got);
    }
    screen_close(&s);
}

/* The line never reaches column 80: the cursor must not wrap. */
static void test_progress_cut(void **state)
{
    char label[300];
    screen s;
    char *got;

    (void)state;
    memset(label, 'x', sizeof label - 1);
    label[sizeof label - 1] = '\0';
    fake_now = 0;
    screen_open(&s, 0);
    kva_progress_update(&s.p, label, 1, 2, "rows");
    got = take(&s);
    assert_int_equal(strlen(got), 1 + 79);
    assert_int_equal(got[0], '\r');
    assert_memory_equal(got + 1, "kvaudit: xxx", 12);
    free(got);
    fake_now += 1;
    kva_progress_clear(&s.p);
    got = take(&s);
    assert_int_equal(strlen(got), 1 + 79 + 1);
    free(got);
    screen_close(&s);
}

static void test_progress_clear(void **state)
{
    screen s;

    (void)state;
    fake_now = 0;
    screen_open(&s, 0);
    kva_progress_clear(&s.p); /* nothing on screen: nothing to erase */
    expect_drawn(&s, "");
    kva_progress_update(&s.p, "reading", 1, 2, "files");
    expect_drawn(&s, "\rkvaudit: reading 1/2 files (50%)");
    kva_progress_clear(&s.p);
    expect_drawn(&s, "\r                                \r"); /* 32 */
    kva_progress_clear(&s.p); /* once is enough */
    expect_drawn(&s, "");
    screen_close(&s);
}

/* At most about ten redraws a second, however often it is told. */
static void test_progress_rate(void **state)
{
    screen s;
    char *got;
    size_t draws = 0;

    (void)state;
    fake_now = 0;
    screen_open(&s, 0);
    for (unsigned i = 0; i < 10000; i++) {
        fake_now = i * 0.001; /* 10 s, one update per millisecond */
        kva_progress_update(&s.p, "writing report.xlsx", i, 10000, "rows");
    }
    got = take(&s);
    for (const char *p = got; *p; p++)
        draws += *p == '\r';
    if (draws < 90 || draws > 101)
        fail_msg("%zu redraws in 10 s", draws);
    free(got);
    /* The first update after a quiet spell draws at once. */
    fake_now += 5;
    kva_progress_update(&s.p, "reading", 1, 1, "files");
    expect_drawn(&s, "\rkvaudit: reading 1/1 files (100%)                 ");
    screen_close(&s);
}

/* Disabled (not a terminal, or --quiet): nothing at all, ever. */
static void test_progress_disabled(void **state)
{
    kva_progress p;

    (void)state;
    fake_now = 0;
    kva_progress_init(&p, NULL, 0, fake_clock);
    for (unsigned i = 0; i < 1000; i++) {
        fake_now += 1;
        kva_progress_update(&p, "reading", i, 1000, "files");
    }
    kva_progress_clear(&p);
    assert_null(p.f);
    assert_int_equal(p.width, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_colour_wanted),
        cmocka_unit_test(test_colour_of),
        cmocka_unit_test(test_progress_delay_env),
        cmocka_unit_test(test_progress_waits),
        cmocka_unit_test(test_progress_format),
        cmocka_unit_test(test_progress_cut),
        cmocka_unit_test(test_progress_clear),
        cmocka_unit_test(test_progress_rate),
        cmocka_unit_test(test_progress_disabled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

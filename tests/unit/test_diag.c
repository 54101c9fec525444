#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"

/*
 * Runs fn(arg) with stderr sent to a temporary file and returns what it
 * wrote (caller frees).
 */
static char *capture_stderr(void (*fn)(const void *), const void *arg)
{
    FILE *tmp = tmpfile();
    int saved;
    long n = -1;
    char *buf;

    assert_non_null(tmp);
    fflush(stderr);
    saved = dup(2);
    assert_true(saved >= 0);
    assert_true(dup2(fileno(tmp), 2) >= 0);
    fn(arg);
    fflush(stderr);
    assert_true(dup2(saved, 2) >= 0);
    close(saved);
    if (fseek(tmp, 0, SEEK_END) != 0 || (n = ftell(tmp)) < 0)
        fail_msg("cannot read the captured output");
    rewind(tmp);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, tmp), (size_t)n);
    buf[n] = '\0';
    fclose(tmp);
    return buf;
}

static void print_diag(const void *d)
{
    kva_diag_print(d);
}

static void t_strerror(void **state)
{
    (void)state;
    for (int i = 0; i < KVA_ERR__COUNT; i++) {
        const char *s = kva_strerror((kva_error)i);

        assert_non_null(s);
        assert_true(s[0] != '\0');
        for (int j = 0; j < i; j++)
            assert_string_not_equal(s, kva_strerror((kva_error)j));
    }
    assert_string_equal(kva_strerror(KVA_OK), "no error");
    assert_string_equal(kva_strerror(KVA_ERR__COUNT), "unknown error");
    assert_string_equal(kva_strerror((kva_error)-1), "unknown error");
}

static void t_set_and_clear(void **state)
{
    kva_diag d = {0};
    char big[5000];

    (void)state;
    kva_diag_set(&d, KVA_ERR_SYNTAX, "in/a.json", 3, 7, "expected %s at %d",
                 "','", 12);
    assert_int_equal(d.code, KVA_ERR_SYNTAX);
    assert_string_equal(d.path, "in/a.json");
    assert_int_equal(d.line, 3);
    assert_int_equal(d.col, 7);
    assert_string_equal(d.message, "expected ',' at 12");
    /* Setting again replaces (and frees) what was there. */
    kva_diag_set(&d, KVA_ERR_IO, NULL, 0, 0, "%s", "gone");
    assert_null(d.path);
    assert_string_equal(d.message, "gone");
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    kva_diag_set(&d, KVA_ERR_IO, "p", 1, 1, "%s!", big);
    assert_int_equal(strlen(d.message), sizeof big);
    kva_diag_clear(&d);
    assert_null(d.path);
    assert_null(d.message);
    assert_int_equal(d.code, KVA_OK);
    assert_int_equal(d.line, 0);
    kva_diag_clear(&d);
    kva_diag_clear(NULL);
    kva_diag_set(NULL, KVA_ERR_IO, "p", 1, 1, "x");
}

/* The diagnostic's own path and message may be passed back in (a caller
 * adding context to an error it already holds). */
static void t_set_from_itself(void **state)
{
    kva_diag d = {0};

    (void)state;
    kva_diag_set(&d, KVA_ERR_SYNTAX, "dir/file.json", 2, 5, "bad %s", "thing");
    kva_diag_set(&d, KVA_ERR_SCHEMA, d.path, d.line, d.col, "%s (record %d)",
                 d.message, 4);
    assert_int_equal(d.code, KVA_ERR_SCHEMA);
    assert_string_equal(d.path, "dir/file.json");
    assert_string_equal(d.message, "bad thing (record 4)");
    assert_int_equal(d.line, 2);
    assert_int_equal(d.col, 5);
    kva_diag_clear(&d);
}

typedef struct print_case {
    const char *name;
    kva_diag d;
    const char *want;
} print_case;

static const print_case print_cases[] = {
    {"path, line and column",
     {KVA_ERR_SYNTAX, "in/a.json", 3, 7, "expected a value"},
     "kvaudit: in/a.json:3:7: expected a value\n"},
    {"path without a position",
     {KVA_ERR_IO, "in/a.json", 0, 0, "No such file or directory"},
     "kvaudit: in/a.json: No such file or directory\n"},
    {"no path",
     {KVA_ERR_USAGE, NULL, 3, 7, "unknown option"},
     "kvaudit: unknown option\n"},
    {"no message: the error's text",
     {KVA_ERR_NOMEM, NULL, 0, 0, NULL},
     "kvaudit: out of memory\n"},
    {"escape and newline in a path",
     {KVA_ERR_IO, "a\x1b[2Jb\nc.json", 0, 0, "x"},
     "kvaudit: a\\x1b[2Jb\\x0ac.json: x\n"},
    {"control characters in a message",
     {KVA_ERR_IO, NULL, 0, 0, "a\rb\x7f"},
     "kvaudit: a\\x0db\\x7f\n"},
    {"utf-8 kept",
     {KVA_ERR_IO, "D\xCE\x98v/\xE6\x97\xA5.json", 1, 2, "\xC3\xA9"},
     "kvaudit: D\xCE\x98v/\xE6\x97\xA5.json:1:2: \xC3\xA9\n"},
    {"8-bit CSI byte",
     {KVA_ERR_IO,
      "a\x9b"
      "2Jb",
      0, 0, "x"},
     "kvaudit: a\\x9b2Jb: x\n"},
    {"C1 control as utf-8",
     {KVA_ERR_IO,
      "a\xC2\x9b"
      "2J",
      0, 0, "x"},
     "kvaudit: a\\xc2\\x9b2J: x\n"},
    {"invalid utf-8 bytes",
     {KVA_ERR_IO, NULL, 0, 0, "\xFF\xC3(\xE2\x82"},
     "kvaudit: \\xff\\xc3(\\xe2\\x82\n"},
};

static void t_print(void **state)
{
    const print_case *c = *state;
    char *got = capture_stderr(print_diag, &c->d);

    assert_string_equal(got, c->want);
    free(got);
}

static void print_msg(const void *arg)
{
    kva_msg("%s: %d files", (const char *)arg, 3);
}

static void print_null(const void *arg)
{
    (void)arg;
    kva_diag_print(NULL);
}

static void t_msg(void **state)
{
    char *got = capture_stderr(print_msg, "read");

    (void)state;
    assert_string_equal(got, "kvaudit: read: 3 files\n");
    free(got);
    got = capture_stderr(print_null, NULL);
    assert_string_equal(got, "");
    free(got);
}

#define N(a) (sizeof(a) / sizeof(a)[0])

int main(void)
{
    static const struct CMUnitTest fixed[] = {
        cmocka_unit_test(t_strerror),
        cmocka_unit_test(t_set_and_clear),
        cmocka_unit_test(t_set_from_itself),
        cmocka_unit_test(t_msg),
    };
    size_t n = N(fixed) + N(print_cases), k = 0;
    struct CMUnitTest *tests = calloc(n, sizeof *tests);
    char(*names)[96] = calloc(n, sizeof *names);
    int rc;

    if (!tests || !names)
        return 99;
    for (size_t i = 0; i < N(print_cases); i++, k++) {
        snprintf(names[k], sizeof names[k], "print: %s", print_cases[i].name);
        tests[k].name = names[k];
        tests[k].test_func = t_print;
        tests[k].initial_state = (void *)&print_cases[i];
    }
    for (size_t i = 0; i < N(fixed); i++)
        tests[k++] = fixed[i];
    rc = _cmocka_run_group_tests("diag", tests, n, NULL, NULL);
    free(tests);
    free(names);
    return rc;
}

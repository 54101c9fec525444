#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>

#include "render/jsonw.h"

/*
 * The JSON writer gathers its output in a 64 KiB buffer: whatever the
 * sizes of the tokens around the buffer's edges, the text that reaches
 * the FILE is the text written token by token, and nothing is lost or
 * doubled at a flush.
 */

/* A string of n bytes: ASCII letters with a quote and a newline now and
 * then (escaped on output), so that runs and escapes cross the edges. */
static char *make_string(size_t n, unsigned seed)
{
    char *s = malloc(n + 1);

    assert_non_null(s);
    for (size_t i = 0; i < n; i++) {
        unsigned v = (unsigned)(i * 2654435761u + seed) % 97;
        s[i] = v == 0 ? '"' : v == 1 ? '\n' : (char)('a' + v % 26);
    }
    s[n] = '\0';
    return s;
}

/* What the writer must produce for one string value. */
static void expect_quoted(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputs("\\\"", f);
        else if (*s == '\n')
            fputs("\\n", f);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

static void test_edges(void **state)
{
    static const size_t sizes[] = {0,      1,     100,   65530, 65531,
                                   65535,  65536, 65537, 70000, 131072,
                                   200000, 3,     65534, 1};
    size_t n = sizeof sizes / sizeof sizes[0];
    char *got = NULL, *want = NULL;
    size_t got_len = 0, want_len = 0;
    FILE *g = open_memstream(&got, &got_len);
    FILE *w = open_memstream(&want, &want_len);
    kva_jsonw *jw;
    (void)state;

    assert_non_null(g);
    assert_non_null(w);
    jw = kva_jsonw_new(g);
    assert_non_null(jw);
    kva_jsonw_array(jw);
    fputs("[", w);
    for (size_t i = 0; i < n; i++) {
        char *s = make_string(sizes[i], (unsigned)i);
        kva_jsonw_string(jw, s);
        kva_jsonw_int(jw, (int64_t)i);
        fprintf(w, "%s\n  ", i ? "," : "");
        expect_quoted(w, s);
        fprintf(w, ",\n  %zu", i);
        free(s);
    }
    kva_jsonw_array_end(jw);
    fputs("\n]\n", w);
    assert_int_equal(kva_jsonw_finish(jw, NULL), KVA_OK);
    kva_jsonw_free(jw);
    assert_int_equal(fclose(g), 0);
    assert_int_equal(fclose(w), 0);
    assert_int_equal(got_len, want_len);
    assert_memory_equal(got, want, want_len);
    free(got);
    free(want);
}

/* Many small tokens: a document of several buffers' worth. */
static void test_many_small(void **state)
{
    char *got = NULL;
    size_t got_len = 0, want_len = 0;
    FILE *g = open_memstream(&got, &got_len);
    kva_jsonw *jw;
    (void)state;

    assert_non_null(g);
    jw = kva_jsonw_new(g);
    assert_non_null(jw);
    kva_jsonw_object(jw);
    kva_jsonw_key(jw, "n");
    kva_jsonw_array(jw);
    for (int i = 0; i < 100000; i++)
        kva_jsonw_bool(jw, i % 2);
    kva_jsonw_array_end(jw);
    kva_jsonw_object_end(jw);
    assert_int_equal(kva_jsonw_finish(jw, NULL), KVA_OK);
    kva_jsonw_free(jw);
    assert_int_equal(fclose(g), 0);
    /* the 10 bytes before the first value; each value on a line of its
     * own after 4 spaces, the 99,999 commas; "\n  ]\n}\n" */
    want_len = 10 + 50000 * (5 + 4) + 50000 * (5 + 5) + 99999 + 7;
    assert_int_equal(got_len, want_len);
    assert_memory_equal(got, "{\n  \"n\": [\n    false,\n    true,", 31);
    assert_memory_equal(got + got_len - 11, "true\n  ]\n}\n", 11);
    free(got);
}

/* A full disk shows at the flush, with its errno, whatever the token
 * sizes. */
static void test_full_disk(void **state)
{
    FILE *f = fopen("/dev/full", "w");
    char *big = make_string(100000, 7);
    kva_jsonw *w;
    int saved = 0;
    (void)state;

    if (!f)
        fail_msg("cannot open /dev/full: %s", strerror(errno));
    setvbuf(f, NULL, _IONBF, 0);
    w = kva_jsonw_new(f);
    assert_non_null(w);
    kva_jsonw_array(w);
    kva_jsonw_string(w, "small");
    kva_jsonw_string(w, big);
    kva_jsonw_array_end(w);
    assert_int_equal(kva_jsonw_finish(w, &saved), KVA_ERR_IO);
    assert_int_equal(saved, ENOSPC);
    kva_jsonw_free(w);
    fclose(f);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_many_small),
        cmocka_unit_test(test_full_disk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

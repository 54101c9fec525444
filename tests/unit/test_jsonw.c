#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "render/jsonw.h"

/* A writer over a memory buffer; finish() returns the text. */
typedef struct mem {
    char *buf;
    size_t len;
    FILE *f;
    kva_jsonw *w;
} mem;

static void mem_open(mem *m)
{
    memset(m, 0, sizeof *m);
    m->f = open_memstream(&m->buf, &m->len);
    assert_non_null(m->f);
    m->w = kva_jsonw_new(m->f);
    assert_non_null(m->w);
}

static kva_error mem_close(mem *m)
{
    kva_error e = kva_jsonw_finish(m->w, NULL);

    kva_jsonw_free(m->w);
    fclose(m->f);
    return e;
}

static void test_layout(void **state)
{
    mem m;

    (void)state;
    mem_open(&m);
    kva_jsonw_object(m.w);
    kva_jsonw_key(m.w, "a");
    kva_jsonw_int(m.w, 1);
    kva_jsonw_key(m.w, "b");
    kva_jsonw_array(m.w);
    kva_jsonw_string(m.w, "x");
    kva_jsonw_null(m.w);
    kva_jsonw_object(m.w);
    kva_jsonw_key(m.w, "c");
    kva_jsonw_bool(m.w, true);
    kva_jsonw_object_end(m.w);
    kva_jsonw_array_end(m.w);
    kva_jsonw_key(m.w, "empty_object");
    kva_jsonw_object(m.w);
    kva_jsonw_object_end(m.w);
    kva_jsonw_key(m.w, "empty_array");
    kva_jsonw_array(m.w);
    kva_jsonw_array_end(m.w);
    kva_jsonw_key(m.w, "f");
    kva_jsonw_bool(m.w, false);
    kva_jsonw_object_end(m.w);
    assert_int_equal(mem_close(&m), KVA_OK);
    /* the layout of `jq .` */
    assert_string_equal(m.buf, "{\n"
                               "  \"a\": 1,\n"
                               "  \"b\": [\n"
                               "    \"x\",\n"
                               "    null,\n"
                               "    {\n"
                               "      \"c\": true\n"
                               "    }\n"
                               "  ],\n"
                               "  \"empty_object\": {},\n"
                               "  \"empty_array\": [],\n"
                               "  \"f\": false\n"
                               "}\n");
    free(m.buf);
}

static void test_top_level_scalars(void **state)
{
    mem m;

    (void)state;
    mem_open(&m);
    kva_jsonw_string(m.w, NULL);
    assert_int_equal(mem_close(&m), KVA_OK);
    assert_string_equal(m.buf, "null\n");
    free(m.buf);

    mem_open(&m);
    kva_jsonw_array(m.w);
    kva_jsonw_array_end(m.w);
    assert_int_equal(mem_close(&m), KVA_OK);
    assert_string_equal(m.buf, "[]\n");
    free(m.buf);
}

/* Write one string and return its JSON text (without the newline). */
static char *quote(const char *s)
{
    mem m;
    size_t n;

    mem_open(&m);
    kva_jsonw_string(m.w, s);
    assert_int_equal(mem_close(&m), KVA_OK);
    n = strlen(m.buf);
    assert_true(n > 0 && m.buf[n - 1] == '\n');
    m.buf[n - 1] = '\0';
    return m.buf;
}

static void test_escaping(void **state)
{
    static const struct {
        const char *in;
        const char *out;
    } cases[] = {
        {"", "\"\""},
        {"plain", "\"plain\""},
        {"say \"hi\"", "\"say \\\"hi\\\"\""},
        {"C:\\dir", "\"C:\\\\dir\""},
        {"a\nb\tc\rd\be\ff", "\"a\\nb\\tc\\rd\\be\\ff\""},
        {"\x01\x1f", "\"\\u0001\\u001f\""},
        {"\x1b[31mred", "\"\\u001b[31mred\""},
        {"del\x7f", "\"del\\u007f\""},
        {"/slash/", "\"/slash/\""},
        /* UTF-8 passes unescaped */
        {"D\xc3\xa9veloppement", "\"D\xc3\xa9veloppement\""},
        {"\xce\x91\xce\xb8\xce\xae\xce\xbd\xce\xb1",
         "\"\xce\x91\xce\xb8\xce\xae\xce\xbd\xce\xb1\""},
        {"\xe6\x9d\xb1\xe4\xba\xac", "\"\xe6\x9d\xb1\xe4\xba\xac\""},
        {"\xf0\x9f\x94\x91", "\"\xf0\x9f\x94\x91\""},
        {"\xe2\x80\xae", "\"\xe2\x80\xae\""},
        /* invalid UTF-8 becomes U+FFFD, never raw bytes */
        {"bad\xff", "\"bad\xef\xbf\xbd\""},
        {"\xc3(", "\"\xef\xbf\xbd(\""},
        {"\xed\xa0\x80", NULL}, /* a surrogate: only checked below */
        {"\xc0\xaf", NULL},     /* overlong '/' */
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = quote(cases[i].in);
        if (cases[i].out) {
            if (strcmp(got, cases[i].out) != 0)
                fail_msg("case %zu: got %s want %s", i, got, cases[i].out);
        } else {
            /* whatever the number of replacements, only U+FFFD and the
               quotes remain */
            const char *p = got + 1;
            assert_int_equal(got[0], '"');
            while (strncmp(p, "\xef\xbf\xbd", 3) == 0)
                p += 3;
            if (strcmp(p, "\"") != 0)
                fail_msg("case %zu: got %s", i, got);
        }
        free(got);
    }
}

static void test_keys_escaped(void **state)
{
    mem m;

    (void)state;
    mem_open(&m);
    kva_jsonw_object(m.w);
    kva_jsonw_key(m.w, "a\"b\n");
    kva_jsonw_uint(m.w, UINT64_MAX);
    kva_jsonw_object_end(m.w);
    assert_int_equal(mem_close(&m), KVA_OK);
    assert_string_equal(m.buf, "{\n  \"a\\\"b\\n\": 18446744073709551615\n}\n");
    free(m.buf);
}

static void test_numbers(void **state)
{
    static const struct {
        double v;
        int decimals;
        const char *out;
    } cases[] = {
        {66.66666666, 1, "66.7"},  {66.7, 1, "66.7"},      {100.0, 1, "100.0"},
        {0.0, 1, "0.0"},           {-0.0, 1, "0.0"},       {-0.04, 1, "0.0"},
        {33.35, 1, "33.4"}, /* 33.35 is stored as 33.350000000000001 */
        {12.5, 2, "12.50"},        {123.456, 2, "123.46"}, {0.005, 2, "0.01"},
        {1e9, 2, "1000000000.00"}, {-3.25, 2, "-3.25"},    {7.0, 0, "7"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mem m;
        mem_open(&m);
        kva_jsonw_fixed(m.w, cases[i].v, cases[i].decimals);
        assert_int_equal(mem_close(&m), KVA_OK);
        m.buf[strlen(m.buf) - 1] = '\0';
        if (strcmp(m.buf, cases[i].out) != 0)
            fail_msg("case %zu: got %s want %s", i, m.buf, cases[i].out);
        free(m.buf);
    }
}

static void test_non_finite(void **state)
{
    mem m;
    volatile double zero = 0.0;

    (void)state;
    mem_open(&m);
    kva_jsonw_array(m.w);
    kva_jsonw_fixed(m.w, 1.0 / zero, 1);
    kva_jsonw_fixed(m.w, zero / zero, 1);
    kva_jsonw_int(m.w, INT64_MIN);
    kva_jsonw_array_end(m.w);
    assert_int_equal(mem_close(&m), KVA_OK);
    assert_string_equal(m.buf,
                        "[\n  null,\n  null,\n  -9223372036854775808\n]\n");
    free(m.buf);
}

/* Calls that do not form one JSON value are errors, never bad output. */
static void test_misuse(void **state)
{
    static const int cases[] = {0, 1, 2, 3, 4, 5, 6, 7};
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mem m;
        mem_open(&m);
        switch (cases[i]) {
        case 0: /* value without key in an object */
            kva_jsonw_object(m.w);
            kva_jsonw_int(m.w, 1);
            kva_jsonw_object_end(m.w);
            break;
        case 1: /* key in an array */
            kva_jsonw_array(m.w);
            kva_jsonw_key(m.w, "k");
            kva_jsonw_array_end(m.w);
            break;
        case 2: /* unclosed */
            kva_jsonw_object(m.w);
            break;
        case 3: /* wrong closer */
            kva_jsonw_object(m.w);
            kva_jsonw_array_end(m.w);
            break;
        case 4: /* two top-level values */
            kva_jsonw_null(m.w);
            kva_jsonw_null(m.w);
            break;
        case 5: /* nothing at all */
            break;
        case 6: /* key without value */
            kva_jsonw_object(m.w);
            kva_jsonw_key(m.w, "k");
            kva_jsonw_object_end(m.w);
            break;
        case 7: /* too deep for a report */
            for (int d = 0; d < 100; d++)
                kva_jsonw_array(m.w);
            for (int d = 0; d < 100; d++)
                kva_jsonw_array_end(m.w);
            break;
        }
        if (mem_close(&m) != KVA_ERR_RENDER)
            fail_msg("misuse case %d not reported", cases[i]);
        free(m.buf);
    }
}

static void test_write_error(void **state)
{
    FILE *f = fopen("/dev/full", "w");
    kva_jsonw *w;
    int saved = 0;

    (void)state;
    if (!f) {
        /* /dev/full is part of every Linux system this builds on */
        fail_msg("cannot open /dev/full: %s", strerror(errno));
    }
    setvbuf(f, NULL, _IONBF, 0);
    w = kva_jsonw_new(f);
    assert_non_null(w);
    kva_jsonw_array(w);
    for (int i = 0; i < 1000; i++)
        kva_jsonw_string(w, "a value that will not fit on a full disk");
    kva_jsonw_array_end(w);
    assert_int_equal(kva_jsonw_finish(w, &saved), KVA_ERR_IO);
    assert_int_equal(saved, ENOSPC);
    kva_jsonw_free(w);
    fclose(f);
    kva_jsonw_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_top_level_scalars),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_keys_escaped),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_non_finite),
        cmocka_unit_test(test_misuse),
        cmocka_unit_test(test_write_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "inventory/scan.h"
#include "text.h"

#define B(s) s, sizeof(s) - 1
#define N(a) (sizeof(a) / sizeof(a)[0])

/*
 * Scans a private, exactly sized copy of s[0..len) so that any read past
 * the end shows up under ASan.
 */
static kva_error scan(const char *s, size_t len, kva_scan *out, size_t *err_off,
                      const char **what)
{
    char *copy = malloc(len ? len : 1);
    kva_error err;

    assert_non_null(copy);
    memcpy(copy, s, len);
    err = kva_scan_json(copy, len, out, err_off, what);
    /* Spans stay meaningful for `s`: they are offsets. */
    free(copy);
    return err;
}

static void assert_span(const char *text, kva_span sp, const char *want)
{
    if (sp.len != strlen(want) || memcmp(text + sp.off, want, sp.len) != 0)
        fail_msg("span \"%.*s\" (off %zu len %zu), expected \"%s\"",
                 (int)sp.len, text + sp.off, sp.off, sp.len, want);
}

static void assert_empty(const kva_scan *sc)
{
    assert_null(sc->elems);
    assert_null(sc->elem_types);
    assert_int_equal(sc->n_elems, 0);
    assert_null(sc->members);
    assert_int_equal(sc->n_members, 0);
}

typedef struct err_case {
    const char *name;
    const char *in;
    size_t len;
    kva_error err;
    size_t off;
    const char *what;
} err_case;

#define SYN KVA_ERR_SYNTAX
static const err_case err_cases[] = {
    {"empty file", B(""), SYN, 0, "empty file"},
    {"whitespace only", B(" \r\n\t \n"), SYN, 0, "empty file"},
    {"end inside an array", B("[1,2"), SYN, 4,
     "unexpected end of file inside an array"},
    {"end after '['", B("["), SYN, 1, "unexpected end of file inside an array"},
    {"end after ',' in an array", B("[1, "), SYN, 4,
     "unexpected end of file inside an array"},
    {"end after '{'", B("{ "), SYN, 2,
     "unexpected end of file inside an object"},
    {"end after a key", B("{\"a\""), SYN, 4,
     "unexpected end of file inside an object"},
    {"end after ':'", B("{\"a\":"), SYN, 5,
     "unexpected end of file inside an object"},
    {"end after a member", B("{\"a\":1"), SYN, 6,
     "unexpected end of file inside an object"},
    {"end after ',' in an object", B("{\"a\":1,"), SYN, 7,
     "unexpected end of file inside an object"},
    {"end in nested array inside object", B("{\"a\":[{}"), SYN, 8,
     "unexpected end of file inside an array"},
    {"end inside a string", B("\"abc"), SYN, 4,
     "unexpected end of file inside a string"},
    {"end inside a key", B("{\"ab"), SYN, 4,
     "unexpected end of file inside a string"},
    {"end after a backslash", B("[\"a\\"), SYN, 4,
     "unexpected end of file inside a string"},
    {"end inside \\u", B("\"\\u12"), SYN, 5,
     "unexpected end of file inside a string"},
    {"end after a high surrogate", B("\"x\\uD800"), SYN, 8,
     "unexpected end of file inside a string"},
    {"end after a high surrogate and '\\'", B("\"\\uD800\\"), SYN, 8,
     "unexpected end of file inside a string"},
    {"end inside the low surrogate", B("\"\\uD800\\uDC0"), SYN, 12,
     "unexpected end of file inside a string"},
    {"end after '-'", B("-"), SYN, 1, "unexpected end of file inside a number"},
    {"end after '.'", B("1."), SYN, 2,
     "unexpected end of file inside a number"},
    {"end after 'e'", B("[1e"), SYN, 3,
     "unexpected end of file inside a number"},
    {"end after 'e+'", B("1e+"), SYN, 3,
     "unexpected end of file inside a number"},
    {"end inside true", B("tru"), SYN, 3,
     "unexpected end of file inside a literal"},
    {"end inside null in an array", B("[nul"), SYN, 4,
     "unexpected end of file inside a literal"},
    {"end inside false", B("fals"), SYN, 4,
     "unexpected end of file inside a literal"},
    {"trailing comma in an array", B("[1,]"), SYN, 2,
     "trailing comma before ']'"},
    {"trailing comma with spaces", B("[1 , \n ]"), SYN, 3,
     "trailing comma before ']'"},
    {"trailing comma in an object", B("{\"a\":1,}"), SYN, 6,
     "trailing comma before '}'"},
    {"missing comma in an array", B("[1 2]"), SYN, 3,
     "expected ',' or ']' after an array element"},
    {"wrong closer for an array", B("[1}"), SYN, 2,
     "expected ',' or ']' after an array element"},
    {"missing colon", B("{\"a\" 1}"), SYN, 5,
     "expected ':' after an object key"},
    {"'=' for a colon", B("{\"a\"=1}"), SYN, 4,
     "expected ':' after an object key"},
    {"missing comma in an object", B("{\"a\":1 \"b\":2}"), SYN, 7,
     "expected ',' or '}' after an object member"},
    {"wrong closer for an object", B("{\"a\":1]"), SYN, 6,
     "expected ',' or '}' after an object member"},
    {"number as a key", B("{1:2}"), SYN, 1, "expected a key string or '}'"},
    {"unquoted key", B("{ a:2}"), SYN, 2, "expected a key string or '}'"},
    {"number as a key after ','", B("{\"a\":1,2}"), SYN, 7,
     "expected a key string after ','"},
    {"single-quoted key", B("{'a':1}"), SYN, 1, "expected a key string or '}'"},
    {"leading comma", B("[,1]"), SYN, 1, "expected a value"},
    {"double comma", B("[1,,2]"), SYN, 3, "expected a value"},
    {"missing value", B("{\"a\":}"), SYN, 5, "expected a value"},
    {"single quotes", B("['a']"), SYN, 1, "expected a value"},
    {"NaN", B("NaN"), SYN, 0, "expected a value"},
    {"Infinity", B("[Infinity]"), SYN, 1, "expected a value"},
    {"True", B("True"), SYN, 0, "expected a value"},
    {"plus sign", B("+1"), SYN, 0, "expected a value"},
    {"leading dot", B(".5"), SYN, 0, "expected a value"},
    {"form feed is not whitespace", B("\f[]"), SYN, 0, "expected a value"},
    {"vertical tab is not whitespace", B("[\v1]"), SYN, 1, "expected a value"},
    {"nul byte outside strings", B("[\0]"), SYN, 1, "expected a value"},
    {"comment", B("[1 // x\n]"), SYN, 3,
     "expected ',' or ']' after an array element"},
    {"block comment", B("/* x */ []"), SYN, 0, "expected a value"},
    {"leading zero", B("01"), SYN, 1, "invalid number: leading zero"},
    {"negative leading zero", B("[-01]"), SYN, 3,
     "invalid number: leading zero"},
    {"leading zeros", B("00"), SYN, 1, "invalid number: leading zero"},
    {"minus then letter", B("-a"), SYN, 1, "invalid number: expected a digit"},
    {"-Infinity", B("-Infinity"), SYN, 1, "invalid number: expected a digit"},
    {"dot without digits", B("1.e5"), SYN, 2,
     "invalid number: expected a digit"},
    {"exponent without digits", B("1e+x"), SYN, 3,
     "invalid number: expected a digit"},
    {"exponent sign twice", B("1e+-1"), SYN, 3,
     "invalid number: expected a digit"},
    {"hex number", B("0x10"), SYN, 1, "unexpected data after the JSON value"},
    {"number then letter", B("[12a]"), SYN, 3,
     "expected ',' or ']' after an array element"},
    {"bad literal", B("trux"), SYN, 3, "invalid literal: expected 'true'"},
    {"bad null", B("nulL"), SYN, 3, "invalid literal: expected 'null'"},
    {"bad false", B("[fAlse]"), SYN, 2, "invalid literal: expected 'false'"},
    {"literal with trailing letters", B("truex"), SYN, 4,
     "unexpected data after the JSON value"},
    {"two values", B("1 2"), SYN, 2, "unexpected data after the JSON value"},
    {"two objects", B("{}{}"), SYN, 2, "unexpected data after the JSON value"},
    {"data after an array", B("[1]\r\n x"), SYN, 6,
     "unexpected data after the JSON value"},
    {"extra closer", B("[1]]"), SYN, 3, "unexpected data after the JSON value"},
    {"control character",
     B("\"a\x01"
       "b\""),
     SYN, 2, "control character in a string"},
    {"raw tab in a string", B("[\"a\tb\"]"), SYN, 3,
     "control character in a string"},
    {"raw newline in a string", B("\"a\nb\""), SYN, 2,
     "control character in a string"},
    {"raw nul in a string", B("\"\0\""), SYN, 1,
     "control character in a string"},
    {"raw 0x1f in a key", B("{\"\x1f\":1}"), SYN, 2,
     "control character in a string"},
    {"bad escape letter", B("\"\\q\""), SYN, 2,
     "invalid escape: expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u"},
    {"upper-case \\U", B("\"\\U0041\""), SYN, 2,
     "invalid escape: expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u"},
    {"escaped single quote", B("\"\\'\""), SYN, 2,
     "invalid escape: expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u"},
    {"escaped newline", B("\"\\\n\""), SYN, 2,
     "invalid escape: expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u"},
    {"bad hex digit", B("\"\\u12G4\""), SYN, 5,
     "invalid \\u escape: expected 4 hex digits"},
    {"short \\u", B("\"\\u12\""), SYN, 5,
     "invalid \\u escape: expected 4 hex digits"},
    {"\\u0000", B("[\"ab\\u0000\"]"), SYN, 4, "\\u0000 in a string"},
    {"\\u0000 in a key", B("{\"\\u0000\":1}"), SYN, 2, "\\u0000 in a string"},
    {"lone high surrogate", B("\"\\uD800\""), SYN, 1,
     "unpaired surrogate escape"},
    {"lone low surrogate", B("\"x\\uDC00\""), SYN, 2,
     "unpaired surrogate escape"},
    {"high then ordinary escape", B("\"\\uD800\\u0041\""), SYN, 1,
     "unpaired surrogate escape"},
    {"high then high", B("\"\\uDBFF\\uDBFF\\uDC00\""), SYN, 1,
     "unpaired surrogate escape"},
    {"high then \\n", B("\"\\uD800\\n\""), SYN, 1, "unpaired surrogate escape"},
    {"high then a raw character", B("\"\\uD800x\""), SYN, 1,
     "unpaired surrogate escape"},
    {"high then bad hex", B("\"\\uD800\\uDCxx\""), SYN, 11,
     "invalid \\u escape: expected 4 hex digits"},
    {"low then high", B("\"\\uDC00\\uD800\""), SYN, 1,
     "unpaired surrogate escape"},
    {"invalid utf-8", B("\"\xC3\x28\""), KVA_ERR_UTF8, 1,
     "invalid UTF-8 in a string"},
    {"ff byte", B("[\"ok\", \"\xFF\"]"), KVA_ERR_UTF8, 8,
     "invalid UTF-8 in a string"},
    {"utf-8 surrogate", B("\"ab\xED\xA0\x80\""), KVA_ERR_UTF8, 3,
     "invalid UTF-8 in a string"},
    {"utf-8 overlong", B("\"\xC0\xAF\""), KVA_ERR_UTF8, 1,
     "invalid UTF-8 in a string"},
    {"utf-8 above U+10FFFF", B("\"\xF4\x90\x80\x80\""), KVA_ERR_UTF8, 1,
     "invalid UTF-8 in a string"},
    {"utf-8 truncated before the quote", B("\"\xE2\x82\""), KVA_ERR_UTF8, 1,
     "invalid UTF-8 in a string"},
    {"utf-8 truncated at the end", B("\"\xE2\x82"), KVA_ERR_UTF8, 1,
     "invalid UTF-8 in a string"},
    {"utf-8 in a key", B("{\"k\xFF\":1}"), KVA_ERR_UTF8, 3,
     "invalid UTF-8 in a string"},
    {"invalid utf-8 after valid", B("\"\xC3\xA9\xE2\x82\xAC\x80\""),
     KVA_ERR_UTF8, 6, "invalid UTF-8 in a string"},
    {"utf-8 bom in the text", B("\xEF\xBB\xBF{}"), SYN, 0,
     "non-ASCII character outside a string"},
    {"no-break space as whitespace", B("[1,\xC2\xA0 2]"), SYN, 3,
     "non-ASCII character outside a string"},
    {"non-ascii before a colon", B("{\"a\"\xC2\xA0:1}"), SYN, 4,
     "non-ASCII character outside a string"},
    {"non-ascii after a value", B("[1\xC2\xA0]"), SYN, 2,
     "non-ASCII character outside a string"},
    {"non-ascii after a member", B("{\"a\":1\xC2\xA0}"), SYN, 6,
     "non-ASCII character outside a string"},
    {"non-ascii as a key",
     B("{\xE2\x80\x9C"
       "a\xE2\x80\x9D:1}"),
     SYN, 1, "non-ASCII character outside a string"},
    {"non-ascii key after ','", B("{\"a\":1,\xE2\x80\x9C}"), SYN, 7,
     "non-ASCII character outside a string"},
    {"curly quotes as a value",
     B("[\xE2\x80\x9C"
       "a\xE2\x80\x9D]"),
     SYN, 1, "non-ASCII character outside a string"},
};

static void t_error(void **state)
{
    const err_case *c = *state;
    kva_scan sc;
    size_t off = 999;
    const char *what = NULL;
    kva_error err;

    memset(&sc, 0xAB, sizeof sc);
    err = scan(c->in, c->len, &sc, &off, &what);
    assert_int_equal(err, c->err);
    assert_int_equal(off, c->off);
    assert_non_null(what);
    assert_string_equal(what, c->what);
    assert_empty(&sc);
    kva_scan_free(&sc);
}

/* Each printable ASCII character may stand raw in a string except '"' and
 * '\\'; every byte below 0x20 may not; DEL may. */
static void t_string_bytes(void **state)
{
    (void)state;
    for (int c = 0; c < 0x80; c++) {
        char doc[8] = {'[', '"', 'a', (char)c, 'b', '"', ']'};
        kva_scan sc;
        size_t off = 0;
        const char *what = NULL;
        kva_error err = scan(doc, 7, &sc, &off, &what);

        if (c == '"') {
            assert_int_equal(err, KVA_ERR_SYNTAX); /* "a" then b */
            assert_int_equal(off, 4);
        } else if (c == '\\') {
            assert_int_equal(err, KVA_OK); /* "a\b" holds the escape \b */
            kva_scan_free(&sc);
        } else if (c < 0x20) {
            assert_int_equal(err, KVA_ERR_SYNTAX);
            assert_int_equal(off, 3);
            assert_string_equal(what, "control character in a string");
        } else {
            if (err != KVA_OK)
                fail_msg("byte 0x%02x rejected: %s", c, what);
            assert_int_equal(sc.n_elems, 1);
            kva_scan_free(&sc);
        }
    }
}

/* Whitespace is exactly space, tab, CR and LF, between any tokens. */
static void t_whitespace(void **state)
{
    static const char doc[] =
        " \t\r\n{ \t\r\n\"a\" \t\r\n: \t\r\n[ \t\r\n1 \t\r\n, \t\r\n{ \t\r\n} "
        "\t\r\n] \t\r\n, \t\r\n\"b\"\n:\nnull\n} \t\r\n";
    kva_scan sc;
    size_t off;
    const char *what;

    (void)state;
    assert_int_equal(scan(B(doc), &sc, &off, &what), KVA_OK);
    assert_int_equal(sc.top, KVA_J_OBJECT);
    assert_int_equal(sc.n_members, 2);
    assert_span(doc, sc.members[0].value,
                "[ \t\r\n1 \t\r\n, \t\r\n{ \t\r\n} \t\r\n]");
    assert_int_equal(sc.members[0].n_elems, 2);
    assert_span(doc, sc.members[0].elems[0], "1");
    assert_span(doc, sc.members[0].elems[1], "{ \t\r\n}");
    assert_span(doc, sc.members[1].value, "null");
    assert_int_equal(sc.top_span.off, 4);
    assert_int_equal(sc.top_span.len, sizeof doc - 1 - 4 - 4);
    assert_int_equal(doc[sc.top_span.off + sc.top_span.len - 1], '}');
    kva_scan_free(&sc);
    /* top_span without the trailing whitespace */
    assert_int_equal(scan(B(" 42 \n"), &sc, &off, &what), KVA_OK);
    assert_int_equal(sc.top, KVA_J_NUMBER);
    assert_int_equal(sc.top_span.off, 1);
    assert_int_equal(sc.top_span.len, 2);
    kva_scan_free(&sc);
}

typedef struct top_case {
    const char *doc;
    kva_jtype type;
    const char *span;
} top_case;

static const top_case top_cases[] = {
    {"\"str\"", KVA_J_STRING, "\"str\""},
    {"\"\"", KVA_J_STRING, "\"\""},
    {"42", KVA_J_NUMBER, "42"},
    {"-0", KVA_J_NUMBER, "-0"},
    {"0", KVA_J_NUMBER, "0"},
    {"-12.5e-3", KVA_J_NUMBER, "-12.5e-3"},
    {"1E+2", KVA_J_NUMBER, "1E+2"},
    {"0.0", KVA_J_NUMBER, "0.0"},
    {"true", KVA_J_TRUE, "true"},
    {"false", KVA_J_FALSE, "false"},
    {"null", KVA_J_NULL, "null"},
    {"{}", KVA_J_OBJECT, "{}"},
    {"[]", KVA_J_ARRAY, "[]"},
    {"\n[ ]\n", KVA_J_ARRAY, "[ ]"},
};

static void t_top_values(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(top_cases); i++) {
        kva_scan sc;
        size_t off;
        const char *what;
        const char *doc = top_cases[i].doc;

        if (scan(doc, strlen(doc), &sc, &off, &what) != KVA_OK)
            fail_msg("%s: %s at %zu", doc, what, off);
        assert_int_equal(sc.top, top_cases[i].type);
        assert_span(doc, sc.top_span, top_cases[i].span);
        assert_int_equal(sc.n_elems, 0);
        assert_int_equal(sc.n_members, 0);
        kva_scan_free(&sc);
    }
}

static void t_bare_array(void **state)
{
    static const char doc[] =
        "[1, \"x\\\"y\", true, false, null, {\"a\": [1, 2]}, [[]], -1.5e+3]";
    static const struct {
        const char *text;
        kva_jtype type;
    } want[] = {
        {"1", KVA_J_NUMBER},   {"\"x\\\"y\"", KVA_J_STRING},
        {"true", KVA_J_TRUE},  {"false", KVA_J_FALSE},
        {"null", KVA_J_NULL},  {"{\"a\": [1, 2]}", KVA_J_OBJECT},
        {"[[]]", KVA_J_ARRAY}, {"-1.5e+3", KVA_J_NUMBER},
    };
    kva_scan sc;
    size_t off;
    const char *what;

    (void)state;
    assert_int_equal(scan(B(doc), &sc, &off, &what), KVA_OK);
    assert_int_equal(sc.top, KVA_J_ARRAY);
    assert_span(doc, sc.top_span, doc);
    assert_int_equal(sc.n_elems, N(want));
    assert_int_equal(sc.n_members, 0);
    for (size_t i = 0; i < N(want); i++) {
        assert_span(doc, sc.elems[i], want[i].text);
        assert_int_equal(sc.elem_types[i], want[i].type);
    }
    kva_scan_free(&sc);
    kva_scan_free(&sc); /* emptied: freeing again is harmless */
}

/* The wrappers the readers meet: {"value":[...]}, az graph query, the
 * Resource Graph REST body, nested objects. */
static void t_wrappers(void **state)
{
    static const char value[] = "{\"value\":[{\"a\":1},{\"b\":[2,{\"c\":3}]}]}";
    static const char graph[] =
        "{\n  \"count\": 2,\n  \"data\": [\n    {\"id\": \"x\"},\n    "
        "{\"id\": \"y\"}\n  ],\n  \"skip_token\": null,\n  "
        "\"total_records\": 2\n}\n";
    static const char rest[] =
        "{\"totalRecords\":1,\"count\":1,\"data\":[{\"id\":\"z\"}],"
        "\"facets\":[],\"resultTruncated\":\"false\",\"$skipToken\":\"t\"}";
    static const char nested[] = "{\"a\":{\"b\":[1,2]},\"c\":[[1],[2,3]]}";
    kva_scan sc;
    size_t off;
    const char *what;

    (void)state;
    assert_int_equal(scan(B(value), &sc, &off, &what), KVA_OK);
    assert_int_equal(sc.top, KVA_J_OBJECT);
    assert_int_equal(sc.n_members, 1);
    assert_int_equal(sc.n_elems, 0);
    assert_span(value, sc.members[0].key, "value");
    assert_int_equal(sc.members[0].type, KVA_J_ARRAY);
    assert_span(value, sc.members[0].value,
                "[{\"a\":1},{\"b\":[2,{\"c\":3}]}]");
    assert_int_equal(sc.members[0].n_elems, 2);
    assert_span(value, sc.members[0].elems[0], "{\"a\":1}");
    assert_span(value, sc.members[0].elems[1], "{\"b\":[2,{\"c\":3}]}");
    assert_int_equal(sc.members[0].elem_types[1], KVA_J_OBJECT);
    kva_scan_free(&sc);

    assert_int_equal(scan(B(graph), &sc, &off, &what), KVA_OK);
    assert_int_equal(sc.n_members, 4);
    assert_span(graph, sc.members[0].key, "count");
    assert_int_equal(sc.members[0].type, KVA_J_NUMBER);
    assert_span(graph, sc.members[0].value, "2");
    assert_null(sc.members[0].elems);
    assert_span(graph, sc.members[1].key, "data");
    assert_int_equal(sc.members[1].n_elems, 2);
    assert_span(graph, sc.members[1].elems[1], "{\"id\": \"y\"}");
    assert_span(graph, sc.members[2].key, "skip_token");
    assert_int_equal(sc.members[2].type, KVA_J_NULL);
    assert_span(graph, sc.members[3].key, "total_records");
    assert_true(kva_scan_key_is(graph, &sc.members[1], "DATA"));
    assert_false(kva_scan_key_is(graph, &sc.members[1], "dat"));
    assert_false(kva_scan_key_is(graph, &sc.members[1], "datas"));
    assert_false(kva_scan_key_is(graph, &sc.members[1], "value"));
    kva_scan_free(&sc);

    assert_int_equal(scan(B(rest), &sc, &off, &what), KVA_OK);
    assert_int_equal(sc.n_members, 6);
    assert_span(rest, sc.members[2].key, "data");
    assert_int_equal(sc.members[2].n_elems, 1);
    assert_span(rest, sc.members[2].elems[0], "{\"id\":\"z\"}");
    assert_span(rest, sc.members[3].key, "facets");
    assert_int_equal(sc.members[3].type, KVA_J_ARRAY);
    assert_int_equal(sc.members[3].n_elems, 0);
    assert_int_equal(sc.members[4].type, KVA_J_STRING);
    assert_true(kva_scan_key_is(rest, &sc.members[5], "$SKIPTOKEN"));
    kva_scan_free(&sc);

    /* Deeper arrays are not outlined: only depth 1 and the arrays that are
     * values of top-level members. */
    assert_int_equal(scan(B(nested), &sc, &off, &what), KVA_OK);
    assert_int_equal(sc.n_members, 2);
    assert_int_equal(sc.members[0].type, KVA_J_OBJECT);
    assert_int_equal(sc.members[0].n_elems, 0);
    assert_null(sc.members[0].elems);
    assert_int_equal(sc.members[1].n_elems, 2);
    assert_span(nested, sc.members[1].elems[0], "[1]");
    assert_span(nested, sc.members[1].elems[1], "[2,3]");
    assert_int_equal(sc.members[1].elem_types[0], KVA_J_ARRAY);
    kva_scan_free(&sc);
}

/* Keys: raw text, duplicates kept in file order, escapes not decoded. */
static void t_keys(void **state)
{
    static const char doc[] =
        "{\"Value\":[1],\"value\":[2,3],\"k\\\"ey\":{},\"\\u0041\":1,"
        "\"\":2,\"\xC3\xA9\":3}";
    kva_scan sc;
    size_t off;
    const char *what;

    (void)state;
    assert_int_equal(scan(B(doc), &sc, &off, &what), KVA_OK);
    assert_int_equal(sc.n_members, 6);
    assert_span(doc, sc.members[0].key, "Value");
    assert_span(doc, sc.members[1].key, "value");
    assert_int_equal(sc.members[0].n_elems, 1);
    assert_int_equal(sc.members[1].n_elems, 2);
    assert_true(kva_scan_key_is(doc, &sc.members[0], "value"));
    assert_true(kva_scan_key_is(doc, &sc.members[1], "VALUE"));
    assert_span(doc, sc.members[2].key, "k\\\"ey");
    assert_true(kva_scan_key_is(doc, &sc.members[2], "K\\\"EY"));
    assert_false(kva_scan_key_is(doc, &sc.members[2], "k\"ey"));
    assert_span(doc, sc.members[3].key, "\\u0041");
    assert_false(kva_scan_key_is(doc, &sc.members[3], "A"));
    assert_span(doc, sc.members[4].key, "");
    assert_true(kva_scan_key_is(doc, &sc.members[4], ""));
    assert_false(kva_scan_key_is(doc, &sc.members[4], "x"));
    assert_true(kva_scan_key_is(doc, &sc.members[5], "\xC3\xA9"));
    assert_false(kva_scan_key_is(doc, &sc.members[5], "\xC3\x89"));
    assert_false(kva_scan_key_is(NULL, &sc.members[0], "value"));
    assert_false(kva_scan_key_is(doc, NULL, "value"));
    assert_false(kva_scan_key_is(doc, &sc.members[0], NULL));
    kva_scan_free(&sc);
}

static void t_strings_valid(void **state)
{
    static const char doc[] =
        "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\", "
        "\"\\u00e9\\u00C9\\uFFFF\\uD7FF\\uE000\","
        " \"\\uD83D\\uDE00\\udbff\\udfff\", \"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98"
        "\x80\xF4\x8F\xBF\xBF\", \"\x7f\", \"\\u0001\"]";
    kva_scan sc;
    size_t off;
    const char *what;

    (void)state;
    if (scan(B(doc), &sc, &off, &what) != KVA_OK)
        fail_msg("%s at %zu", what, off);
    assert_int_equal(sc.n_elems, 6);
    for (size_t i = 0; i < sc.n_elems; i++)
        assert_int_equal(sc.elem_types[i], KVA_J_STRING);
    assert_span(doc, sc.elems[4], "\"\x7f\"");
    kva_scan_free(&sc);
}

static char *repeat_doc(size_t n, const char *open, const char *mid,
                        const char *close, size_t *len)
{
    size_t lo = strlen(open), lm = strlen(mid), lc = strlen(close);
    char *s = malloc(n * (lo + lc) + lm + 1), *p = s;

    assert_non_null(s);
    for (size_t i = 0; i < n; i++, p += lo)
        memcpy(p, open, lo);
    memcpy(p, mid, lm);
    p += lm;
    for (size_t i = 0; i < n; i++, p += lc)
        memcpy(p, close, lc);
    *p = '\0';
    *len = (size_t)(p - s);
    return s;
}

static void t_depth(void **state)
{
    kva_scan sc;
    size_t off, len;
    const char *what;
    char *doc;

    (void)state;
    doc = repeat_doc(KVA_MAX_DEPTH, "[", "1", "]", &len);
    assert_int_equal(scan(doc, len, &sc, &off, &what), KVA_OK);
    assert_int_equal(sc.n_elems, 1);
    assert_int_equal(sc.elem_types[0], KVA_J_ARRAY);
    kva_scan_free(&sc);
    free(doc);

    doc = repeat_doc(KVA_MAX_DEPTH + 1, "[", "1", "]", &len);
    assert_int_equal(scan(doc, len, &sc, &off, &what), KVA_ERR_DEPTH);
    assert_int_equal(off, KVA_MAX_DEPTH);
    assert_string_equal(what, "nesting deeper than 512");
    assert_empty(&sc);
    free(doc);

    doc = repeat_doc(KVA_MAX_DEPTH, "{\"a\":", "{}", "}", &len);
    assert_int_equal(scan(doc, len, &sc, &off, &what), KVA_ERR_DEPTH);
    assert_int_equal(off, KVA_MAX_DEPTH * 5);
    kva_scan_free(&sc);
    free(doc);

    doc = repeat_doc(KVA_MAX_DEPTH - 1, "{\"a\":", "{}", "}", &len);
    assert_int_equal(scan(doc, len, &sc, &off, &what), KVA_OK);
    assert_int_equal(sc.n_members, 1);
    kva_scan_free(&sc);
    free(doc);

    /* Mixed, with whitespace: the 513th opener's own offset. */
    doc = repeat_doc(KVA_MAX_DEPTH + 1, " [{\"k\" : ", "0", "}]", &len);
    assert_int_equal(scan(doc, len, &sc, &off, &what), KVA_ERR_DEPTH);
    assert_int_equal(off, 256 * 9 + 1);
    free(doc);

    /* 100,000 openers: refused at depth 513, no recursion to overflow. */
    doc = repeat_doc(100000, "[", "", "", &len);
    assert_int_equal(scan(doc, len, &sc, &off, &what), KVA_ERR_DEPTH);
    assert_int_equal(off, KVA_MAX_DEPTH);
    free(doc);
    doc = repeat_doc(100000, "{\"\":", "", "", &len);
    assert_int_equal(scan(doc, len, &sc, &off, &what), KVA_ERR_DEPTH);
    assert_int_equal(off, KVA_MAX_DEPTH * 4);
    free(doc);

    /* 100,000 closers: the first one is unexpected data. */
    doc = repeat_doc(100000, "", "[]", "]", &len);
    assert_int_equal(scan(doc, len, &sc, &off, &what), KVA_ERR_SYNTAX);
    assert_int_equal(off, 2);
    free(doc);
}

/*
 * Every proper prefix of a valid ASCII document is either valid itself
 * (a number cut short) or fails at its very end with "unexpected end of
 * file ..." (or "empty file"): all the bytes it has are right.
 */
static void t_prefixes(void **state)
{
    static const char doc[] =
        "{\"value\": [{\"a\": -1.5e+3, \"b\": \"x\\\"\\u00e9\\uD83D\\uDE00\","
        " \"c\": [true, false, null, {}, []]}], \"n\": 10}";
    size_t len = sizeof doc - 1;

    (void)state;
    for (size_t n = 0; n < len; n++) {
        kva_scan sc;
        size_t off = 0;
        const char *what = NULL;
        kva_error err = scan(doc, n, &sc, &off, &what);

        if (err == KVA_OK) {
            kva_scan_free(&sc);
            continue;
        }
        if (n == 0) {
            assert_string_equal(what, "empty file");
            continue;
        }
        if (err != KVA_ERR_SYNTAX || off != n ||
            strncmp(what, "unexpected end of file inside ", 30) != 0)
            fail_msg("prefix %zu: error %d at %zu: %s", n, err, off, what);
    }
}

static uint32_t rnd_state = 12345;

static uint32_t rnd(void)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return rnd_state >> 8;
}

/*
 * Mutations of a valid document (byte changes, insertions, deletions)
 * never crash, report an offset within the text, and whenever the scanner
 * accepts a document cJSON (strict, whole input) accepts it too and sees
 * the same number of top-level elements.
 */
static void t_mutations(void **state)
{
    static const char seed[] =
        "{\"value\":[{\"id\":\"/subscriptions/0/x\",\"n\":-0.5e2,\"t\":true},"
        "{\"s\":\"\\u00e9\xC3\xA9\\n\",\"a\":[1,[2],{}],\"z\":null}],"
        "\"count\":2}";
    static const char alphabet[] = "{}[],:\"\\ ue0-.+Etfnl1\x80\xC3\xFF\t\n";
    char buf[256];
    size_t accepted = 0;

    (void)state;
    for (int iter = 0; iter < 200000; iter++) {
        size_t len = sizeof seed - 1, off = 0;
        int muts = 1 + (int)(rnd() % 3);
        kva_scan sc;
        const char *what = NULL;
        kva_error err;

        memcpy(buf, seed, len);
        for (int m = 0; m < muts; m++) {
            size_t at = rnd() % (len + 1);
            char c = alphabet[rnd() % (sizeof alphabet - 1)];

            switch (rnd() % 3) {
            case 0:
                if (at < len)
                    buf[at] = c;
                break;
            case 1:
                if (len + 1 < sizeof buf) {
                    memmove(buf + at + 1, buf + at, len - at);
                    buf[at] = c;
                    len++;
                }
                break;
            default:
                if (at < len) {
                    memmove(buf + at, buf + at + 1, len - at - 1);
                    len--;
                }
                break;
            }
        }
        err = scan(buf, len, &sc, &off, &what);
        if (err == KVA_OK) {
            const char *end = NULL;
            cJSON *j;

            buf[len] = '\0';
            j = cJSON_ParseWithLengthOpts(buf, len + 1, &end, 1);
            if (!j)
                fail_msg("scanner accepted what cJSON refuses: %s", buf);
            if (sc.top == KVA_J_ARRAY)
                assert_int_equal(sc.n_elems, cJSON_GetArraySize(j));
            if (sc.top == KVA_J_OBJECT)
                assert_int_equal(sc.n_members, cJSON_GetArraySize(j));
            cJSON_Delete(j);
            kva_scan_free(&sc);
            accepted++;
        } else {
            assert_true(off <= len);
            assert_non_null(what);
            assert_empty(&sc);
        }
    }
    /* The mutations must exercise both sides. */
    assert_true(accepted > 1000);
}

/* Positions of scanner errors in a CRLF file with multibyte text. */
static void t_error_position(void **state)
{
    static const char doc[] = "{\r\n  \"name\": \"D\xCE\x98veloppement\",\r\n"
                              "  \"x\": \"\xC3\xA9\xC3\xA9\" 1\r\n}\r\n";
    kva_scan sc;
    size_t off;
    const char *what;
    uint32_t line, col;

    (void)state;
    assert_int_equal(scan(B(doc), &sc, &off, &what), KVA_ERR_SYNTAX);
    assert_string_equal(what, "expected ',' or '}' after an object member");
    kva_text_position(doc, sizeof doc - 1, off, &line, &col);
    assert_int_equal(line, 3);
    assert_int_equal(col, 13);
}

static const char *memmem_portable(const char *hay, size_t n,
                                   const char *needle, size_t k)
{
    for (size_t i = 0; k <= n && i <= n - k; i++) {
        if (memcmp(hay + i, needle, k) == 0)
            return hay + i;
    }
    return NULL;
}

/*
 * A Resource Graph dump of 100,000 vaults in the az graph query wrapper:
 * the outline finds every record, spans are exact, and the time is shown
 * (the performance target is checked with -O2 by `make bench`).
 */
static void t_large_document(void **state)
{
    const size_t n = 100000;
    size_t cap = n * 640 + 256, len = 0, off;
    char *doc = malloc(cap);
    kva_scan sc;
    const char *what;
    clock_t t0;
    double secs;

    (void)state;
    assert_non_null(doc);
    len += (size_t)snprintf(doc + len, cap - len,
                            "{\r\n  \"count\": %zu,\r\n"
                            "  \"data\": [\r\n",
                            n);
    for (size_t i = 0; i < n; i++) {
        len += (size_t)snprintf(
            doc + len, cap - len,
            "%s    {\r\n      \"id\": \"/subscriptions/%08zx-1111-2222-3333-"
            "444444444444/resourceGroups/rg-%zu/providers/Microsoft.KeyVault/"
            "vaults/kv-%zu\",\r\n      \"name\": \"kv-%zu\",\r\n      "
            "\"type\": \"microsoft.keyvault/vaults\",\r\n      \"location\": "
            "\"westeurope\",\r\n      \"tags\": {\"owner\": "
            "\"D\xCE\x98veloppement \xE6\x97\xA5\\u00e9\", \"env\": \"prod\"},"
            "\r\n      \"properties\": {\"sku\": {\"family\": \"A\", \"name\": "
            "\"standard\"}, \"enableSoftDelete\": true, \"softDelete"
            "RetentionInDays\": 90, \"x\": [1.5e3, -2, null, false]}\r\n    }",
            i ? ",\r\n" : "", i, i % 97, i, i);
        assert_true(len < cap);
    }
    len += (size_t)snprintf(doc + len, cap - len,
                            "\r\n  ],\r\n  \"skip_token\": null,\r\n"
                            "  \"total_records\": %zu\r\n}\r\n",
                            n);
    assert_true(len < cap);
    t0 = clock();
    assert_int_equal(kva_scan_json(doc, len, &sc, &off, &what), KVA_OK);
    secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    print_message("scanned %.1f MB in %.3f s\n", (double)len / 1e6, secs);
    assert_int_equal(sc.n_members, 4);
    assert_true(kva_scan_key_is(doc, &sc.members[1], "data"));
    assert_int_equal(sc.members[1].n_elems, n);
    for (size_t i = 0; i < n; i++) {
        kva_span sp = sc.members[1].elems[i];
        char name[48];
        int k = snprintf(name, sizeof name, "\"name\": \"kv-%zu\"", i);

        assert_int_equal(sc.members[1].elem_types[i], KVA_J_OBJECT);
        assert_int_equal(doc[sp.off], '{');
        assert_int_equal(doc[sp.off + sp.len - 1], '}');
        /* Each span holds its own record and nothing of the next. */
        assert_non_null(memmem_portable(doc + sp.off, sp.len, name, (size_t)k));
    }
    kva_scan_free(&sc);
    free(doc);
}

int main(void)
{
    static const struct CMUnitTest fixed[] = {
        cmocka_unit_test(t_string_bytes),   cmocka_unit_test(t_whitespace),
        cmocka_unit_test(t_top_values),     cmocka_unit_test(t_bare_array),
        cmocka_unit_test(t_wrappers),       cmocka_unit_test(t_keys),
        cmocka_unit_test(t_strings_valid),  cmocka_unit_test(t_depth),
        cmocka_unit_test(t_prefixes),       cmocka_unit_test(t_mutations),
        cmocka_unit_test(t_error_position), cmocka_unit_test(t_large_document),
    };
    size_t n = N(fixed) + N(err_cases), k = 0;
    struct CMUnitTest *tests = calloc(n, sizeof *tests);
    char(*names)[112] = calloc(n, sizeof *names);
    int rc;

    if (!tests || !names)
        return 99;
    for (size_t i = 0; i < N(err_cases); i++, k++) {
        snprintf(names[k], sizeof names[k], "error: %s", err_cases[i].name);
        tests[k].name = names[k];
        tests[k].test_func = t_error;
        tests[k].initial_state = (void *)&err_cases[i];
    }
    for (size_t i = 0; i < N(fixed); i++)
        tests[k++] = fixed[i];
    rc = _cmocka_run_group_tests("scan", tests, n, NULL, NULL);
    free(tests);
    free(names);
    return rc;
}

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "inventory/scan.h"
#include "text.h"

/* A byte string literal and its length (it may hold NULs). */
#define B(s) s, sizeof(s) - 1

static unsigned char *read_whole(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    long n;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) != NULL) {
        if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        } else {
            buf[n] = '\0';
            *len = (size_t)n;
        }
    }
    fclose(f);
    return buf;
}

typedef struct decode_case {
    const char *name;
    const char *in;
    size_t len;
    kva_error err;
    kva_encoding enc;
    const char *out; /* expected UTF-8 text (on success) */
    size_t out_len;
    bool owned;
    size_t err_off;   /* on error */
    const char *what; /* on error: the message starts with this */
} decode_case;

static const decode_case decode_cases[] = {
    {"utf-8 plain", B("{\"a\":1}"), KVA_OK, KVA_ENC_UTF8, B("{\"a\":1}"), false,
     0, NULL},
    {"utf-8 empty", B(""), KVA_OK, KVA_ENC_UTF8, B(""), false, 0, NULL},
    {"utf-8 bom", B("\xEF\xBB\xBF[1]"), KVA_OK, KVA_ENC_UTF8_BOM, B("[1]"),
     false, 0, NULL},
    {"utf-8 bom only", B("\xEF\xBB\xBF"), KVA_OK, KVA_ENC_UTF8_BOM, B(""),
     false, 0, NULL},
    {"utf-8 invalid bytes are left to the scanner", B("[\"\xC0\x80\xFF\"]"),
     KVA_OK, KVA_ENC_UTF8, B("[\"\xC0\x80\xFF\"]"), false, 0, NULL},
    {"utf-8 single byte", B("1"), KVA_OK, KVA_ENC_UTF8, B("1"), false, 0, NULL},
    {"utf-8 nul byte", B("{\"a\":\0}"), KVA_ERR_ENCODING, KVA_ENC_UTF8, NULL, 0,
     false, 5, "NUL byte"},
    {"utf-8 nul byte at the end", B("[1]\0"), KVA_ERR_ENCODING, KVA_ENC_UTF8,
     NULL, 0, false, 3, "NUL byte"},
    {"utf-8 bom then nul byte", B("\xEF\xBB\xBF{\0}"), KVA_ERR_ENCODING,
     KVA_ENC_UTF8_BOM, NULL, 0, false, 4, "NUL byte"},
    {"utf-16le bom only", B("\xFF\xFE"), KVA_OK, KVA_ENC_UTF16LE, B(""), true,
     0, NULL},
    {"utf-16be bom only", B("\xFE\xFF"), KVA_OK, KVA_ENC_UTF16BE, B(""), true,
     0, NULL},
    {"utf-16le ascii and crlf", B("\xFF\xFE[\0\r\0\n\0]\0"), KVA_OK,
     KVA_ENC_UTF16LE, B("[\r\n]"), true, 0, NULL},
    {"utf-16be ascii", B("\xFE\xFF\0[\0]"), KVA_OK, KVA_ENC_UTF16BE, B("[]"),
     true, 0, NULL},
    {"utf-16le two- and three-byte characters",
     B("\xFF\xFE\xE9\x00\xA9\x03\xAC\x20\xFF\xFF"), KVA_OK, KVA_ENC_UTF16LE,
     B("\xC3\xA9\xCE\xA9\xE2\x82\xAC\xEF\xBF\xBF"), true, 0, NULL},
    {"utf-16be two- and three-byte characters",
     B("\xFE\xFF\x00\xE9\x07\xFF\x08\x00\x20\xAC"), KVA_OK, KVA_ENC_UTF16BE,
     B("\xC3\xA9\xDF\xBF\xE0\xA0\x80\xE2\x82\xAC"), true, 0, NULL},
    {"utf-16le surrogate pair",
     B("\xFF\xFE\x3D\xD8\x00\xDE"
       "a\0"),
     KVA_OK, KVA_ENC_UTF16LE,
     B("\xF0\x9F\x98\x80"
       "a"),
     true, 0, NULL},
    {"utf-16be surrogate pair", B("\xFE\xFF\xD8\x3D\xDE\x00\xDB\xFF\xDF\xFF"),
     KVA_OK, KVA_ENC_UTF16BE, B("\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF"), true, 0,
     NULL},
    {"utf-16le lowest pair", B("\xFF\xFE\x00\xD8\x00\xDC"), KVA_OK,
     KVA_ENC_UTF16LE, B("\xF0\x90\x80\x80"), true, 0, NULL},
    {"utf-16le odd length", B("\xFF\xFE[\0]"), KVA_ERR_ENCODING,
     KVA_ENC_UTF16LE, NULL, 0, false, 4,
     "UTF-16 text with an odd number of bytes"},
    {"utf-16be odd length", B("\xFE\xFF\0[\0]\0"), KVA_ERR_ENCODING,
     KVA_ENC_UTF16BE, NULL, 0, false, 6,
     "UTF-16 text with an odd number of bytes"},
    {"utf-16le bom and one byte", B("\xFF\xFE["), KVA_ERR_ENCODING,
     KVA_ENC_UTF16LE, NULL, 0, false, 2,
     "UTF-16 text with an odd number of bytes"},
    {"utf-16le high surrogate at the end", B("\xFF\xFE[\0\x3D\xD8"),
     KVA_ERR_ENCODING, KVA_ENC_UTF16LE, NULL, 0, false, 4,
     "unpaired UTF-16 surrogate"},
    {"utf-16le high surrogate then odd byte", B("\xFF\xFE\x3D\xD8\x00"),
     KVA_ERR_ENCODING, KVA_ENC_UTF16LE, NULL, 0, false, 2,
     "unpaired UTF-16 surrogate"},
    {"utf-16le high surrogate then ascii",
     B("\xFF\xFE\x3D\xD8"
       "A\0"),
     KVA_ERR_ENCODING, KVA_ENC_UTF16LE, NULL, 0, false, 2,
     "unpaired UTF-16 surrogate"},
    {"utf-16le two high surrogates", B("\xFF\xFE\x3D\xD8\x3D\xD8\x00\xDE"),
     KVA_ERR_ENCODING, KVA_ENC_UTF16LE, NULL, 0, false, 2,
     "unpaired UTF-16 surrogate"},
    {"utf-16le lone low surrogate",
     B("\xFF\xFE"
       "A\0\x00\xDC"),
     KVA_ERR_ENCODING, KVA_ENC_UTF16LE, NULL, 0, false, 4,
     "unpaired UTF-16 surrogate"},
    {"utf-16be lone low surrogate", B("\xFE\xFF\xDF\xFF"), KVA_ERR_ENCODING,
     KVA_ENC_UTF16BE, NULL, 0, false, 2, "unpaired UTF-16 surrogate"},
    {"utf-16be high surrogate then ascii",
     B("\xFE\xFF\xD8\x00\x00"
       "A"),
     KVA_ERR_ENCODING, KVA_ENC_UTF16BE, NULL, 0, false, 2,
     "unpaired UTF-16 surrogate"},
    {"utf-16le nul character",
     B("\xFF\xFE"
       "A\0\0\0B\0"),
     KVA_ERR_ENCODING, KVA_ENC_UTF16LE, NULL, 0, false, 4, "NUL character"},
    {"utf-16be nul character", B("\xFE\xFF\0A\0\0"), KVA_ERR_ENCODING,
     KVA_ENC_UTF16BE, NULL, 0, false, 4, "NUL character"},
    {"utf-32le bom", B("\xFF\xFE\0\0[\0\0\0"), KVA_ERR_ENCODING, KVA_ENC_UTF8,
     NULL, 0, false, 0, "UTF-32 is not supported"},
    {"utf-32be bom", B("\0\0\xFE\xFF\0\0\0["), KVA_ERR_ENCODING, KVA_ENC_UTF8,
     NULL, 0, false, 0, "UTF-32 is not supported"},
    {"utf-16le without bom", B("[\0{\0\"\0a\0"), KVA_ERR_ENCODING, KVA_ENC_UTF8,
     NULL, 0, false, 0, "looks like UTF-16 without a byte-order mark"},
    {"utf-16be without bom", B("\0[\0{\0\"\0a"), KVA_ERR_ENCODING, KVA_ENC_UTF8,
     NULL, 0, false, 0, "looks like UTF-16 without a byte-order mark"},
    {"utf-16le without bom, one character", B("{\0"), KVA_ERR_ENCODING,
     KVA_ENC_UTF8, NULL, 0, false, 0,
     "looks like UTF-16 without a byte-order mark"},
    {"utf-16le without bom, whitespace first", B(" \0\r\0\n\0[\0"),
     KVA_ERR_ENCODING, KVA_ENC_UTF8, NULL, 0, false, 0,
     "looks like UTF-16 without a byte-order mark"},
    {"utf-32le without bom", B("[\0\0\0{\0\0\0"), KVA_ERR_ENCODING,
     KVA_ENC_UTF8, NULL, 0, false, 0,
     "looks like UTF-32 without a byte-order mark"},
    {"utf-32be without bom", B("\0\0\0[\0\0\0{"), KVA_ERR_ENCODING,
     KVA_ENC_UTF8, NULL, 0, false, 0,
     "looks like UTF-32 without a byte-order mark"},
    {"nul after ascii, not a utf-16 pattern", B("[1\0"), KVA_ERR_ENCODING,
     KVA_ENC_UTF8, NULL, 0, false, 2, "NUL byte"},
    {"leading nul byte", B("\0"), KVA_ERR_ENCODING, KVA_ENC_UTF8, NULL, 0,
     false, 0, "NUL byte"},
};

static void t_decode(void **state)
{
    const decode_case *c = *state;
    kva_encoding enc = (kva_encoding)99;
    const char *out = (const char *)1, *what = (const char *)1;
    size_t out_len = 99, err_off = 99;
    bool owned = true;
    /* Decoding must not need a terminated input: copy it to an exactly
     * sized buffer so that a read past its end shows up under ASan. */
    unsigned char *in = malloc(c->len ? c->len : 1);
    kva_error err;

    assert_non_null(in);
    memcpy(in, c->in, c->len);
    err = kva_text_decode(in, c->len, &enc, &out, &out_len, &owned, &err_off,
                          &what);
    assert_int_equal(err, c->err);
    assert_int_equal(enc, c->enc);
    if (err == KVA_OK) {
        assert_int_equal(owned, c->owned);
        assert_int_equal(out_len, c->out_len);
        assert_memory_equal(out, c->out, c->out_len);
        if (owned) {
            assert_int_equal(out[out_len], '\0');
            free((void *)out);
        } else {
            assert_ptr_equal(out, in + (c->enc == KVA_ENC_UTF8_BOM ? 3 : 0));
        }
    } else {
        assert_int_equal(err_off, c->err_off);
        assert_non_null(what);
        assert_true(strncmp(what, c->what, strlen(c->what)) == 0);
        assert_false(owned);
        assert_null(out);
    }
    free(in);
}

/* The four-units-at-a-time path must hand over to the careful path at any
 * alignment: an ASCII run of every length followed by a non-ASCII unit, a
 * surrogate pair, a NUL or a lone surrogate. */
static void t_decode_utf16_runs(void **state)
{
    (void)state;
    for (int le = 0; le <= 1; le++) {
        for (size_t run = 0; run < 20; run++) {
            for (int tail = 0; tail < 4; tail++) {
                static const unsigned tails[4][2] = {
                    {0x00E9, 0}, {0xD83D, 0xDE00}, {0x0000, 0}, {0xDC00, 0}};
                unsigned char in[64];
                size_t n = 0, err_off = 0, out_len = 0;
                const char *out = NULL, *what = NULL;
                kva_encoding enc;
                bool owned;
                kva_error err;
                unsigned units[24];
                size_t nu = 0;

                for (size_t i = 0; i < run; i++)
                    units[nu++] = 'a' + (unsigned)i;
                units[nu++] = tails[tail][0];
                if (tails[tail][1])
                    units[nu++] = tails[tail][1];
                units[nu++] = 'z';
                in[n++] = le ? 0xFF : 0xFE;
                in[n++] = le ? 0xFE : 0xFF;
                for (size_t i = 0; i < nu; i++) {
                    unsigned char hi = (unsigned char)(units[i] >> 8),
                                  lo = (unsigned char)units[i];
                    in[n++] = le ? lo : hi;
                    in[n++] = le ? hi : lo;
                }
                err = kva_text_decode(in, n, &enc, &out, &out_len, &owned,
                                      &err_off, &what);
                if (tail == 0 || tail == 1) {
                    const char *mid =
                        tail == 0 ? "\xC3\xA9" : "\xF0\x9F\x98\x80";

                    assert_int_equal(err, KVA_OK);
                    assert_int_equal(out_len, run + strlen(mid) + 1);
                    for (size_t i = 0; i < run; i++)
                        assert_int_equal(out[i], 'a' + (int)i);
                    assert_memory_equal(out + run, mid, strlen(mid));
                    assert_int_equal(out[out_len - 1], 'z');
                    free((void *)out);
                } else if (le && run == 0 && tail == 2) {
                    /* FF FE 00 00 is the UTF-32LE byte-order mark. */
                    assert_int_equal(err, KVA_ERR_ENCODING);
                    assert_int_equal(err_off, 0);
                    assert_true(strncmp(what, "UTF-32", 6) == 0);
                } else {
                    assert_int_equal(err, KVA_ERR_ENCODING);
                    assert_int_equal(err_off, 2 + 2 * run);
                }
            }
        }
    }
}

static const char *const utf16_fixtures[] = {
    "cli_account_list_ps51_redirect_mojibake",
    "cli_security_pricing_list_object_ps51_redirect",
    "ps51_get_azsecuritypricing_convertto_json",
};

/* The PowerShell 5.1 redirections decode to exactly what iconv makes of
 * them, which is JSON the scanner accepts. */
static void t_decode_fixtures(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof utf16_fixtures / sizeof *utf16_fixtures;
         i++) {
        char path[256];
        unsigned char *raw, *want;
        size_t raw_len = 0, want_len = 0, out_len = 0, err_off = 0;
        const char *out = NULL, *what = NULL;
        kva_encoding enc;
        bool owned = false;
        kva_scan sc;

        snprintf(path, sizeof path, "tests/fixtures/text/%s.utf16le.json",
                 utf16_fixtures[i]);
        raw = read_whole(path, &raw_len);
        if (!raw)
            fail_msg("cannot read %s (run from the top of the tree)", path);
        snprintf(path, sizeof path, "tests/fixtures/text/%s.utf8.expected",
                 utf16_fixtures[i]);
        want = read_whole(path, &want_len);
        assert_non_null(want);
        assert_int_equal(kva_text_decode(raw, raw_len, &enc, &out, &out_len,
                                         &owned, &err_off, &what),
                         KVA_OK);
        assert_int_equal(enc, KVA_ENC_UTF16LE);
        assert_true(owned);
        assert_true(out[0] == '[' || out[0] == '{');
        assert_int_equal(out_len, want_len);
        assert_memory_equal(out, want, want_len);
        assert_int_equal(kva_scan_json(out, out_len, &sc, &err_off, &what),
                         KVA_OK);
        kva_scan_free(&sc);
        free((void *)out);
        free(raw);
        free(want);
    }
}

static void t_decode_utf8_bom_fixture(void **state)
{
    unsigned char *raw;
    size_t raw_len = 0, out_len = 0, err_off = 0;
    const char *out = NULL, *what = NULL;
    kva_encoding enc;
    bool owned = true;

    (void)state;
    raw = read_whole("tests/fixtures/text/azureProfile.utf8bom.json", &raw_len);
    assert_non_null(raw);
    assert_int_equal(kva_text_decode(raw, raw_len, &enc, &out, &out_len, &owned,
                                     &err_off, &what),
                     KVA_OK);
    assert_int_equal(enc, KVA_ENC_UTF8_BOM);
    assert_false(owned);
    assert_ptr_equal(out, (const char *)raw + 3);
    assert_int_equal(out_len, raw_len - 3);
    assert_int_equal(out[0], '{');
    free(raw);
}

static void t_encoding_names(void **state)
{
    (void)state;
    assert_string_equal(kva_encoding_name(KVA_ENC_UTF8), "utf-8");
    assert_string_equal(kva_encoding_name(KVA_ENC_UTF8_BOM), "utf-8-bom");
    assert_string_equal(kva_encoding_name(KVA_ENC_UTF16LE), "utf-16le");
    assert_string_equal(kva_encoding_name(KVA_ENC_UTF16BE), "utf-16be");
    assert_string_equal(kva_encoding_name((kva_encoding)42), "unknown");
}

typedef struct pos_case {
    const char *name;
    const char *s;
    size_t len;
    size_t off;
    uint32_t line, col;
} pos_case;

static const pos_case pos_cases[] = {
    {"start", B("abc"), 0, 1, 1},
    {"empty text", B(""), 0, 1, 1},
    {"first line", B("abc"), 2, 1, 3},
    {"end of text", B("abc"), 3, 1, 4},
    {"past the end is the end", B("abc"), 10, 1, 4},
    {"the newline itself", B("ab\ncd"), 2, 1, 3},
    {"second line", B("ab\ncd"), 4, 2, 2},
    {"crlf: the cr", B("ab\r\ncd"), 2, 1, 3},
    {"crlf: next line", B("ab\r\ncd"), 5, 2, 2},
    {"crlf twice", B("a\r\n\r\nb"), 5, 3, 1},
    {"lone cr is no line end", B("a\rb\rc"), 4, 1, 5},
    {"empty lines", B("\n\n\nx"), 3, 4, 1},
    {"two-byte character", B("\xC3\xA9x"), 2, 1, 2},
    {"three- and four-byte characters",
     B("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80x"), 9, 1, 4},
    {"multibyte on line 2", B("\xC3\xA9\n\xC3\xA9\xC3\xA9!"), 7, 2, 3},
    {"invalid bytes count one each", B("\xFF\xFEx"), 2, 1, 3},
    {"truncated sequence counts per byte", B("\xE2\x82x"), 2, 1, 3},
    {"overlong counts per byte", B("\xC0\x80x"), 2, 1, 3},
    {"inside a character: its column", B("a\xE2\x82\xAC"), 2, 1, 2},
    {"inside a character, last byte", B("a\xE2\x82\xAC"), 3, 1, 2},
    {"after a character", B("a\xE2\x82\xAC"), 4, 1, 3},
    {"nul byte counts one", B("a\0b"), 2, 1, 3},
    {"long ascii line", B("0123456789012345678901234567890123456789x"), 40, 1,
     41},
    {"long line with a character after the fast part",
     B("0123456789012345678901234567890123456789\xC3\xA9x"), 42, 1, 42},
};

static void t_position(void **state)
{
    const pos_case *c = *state;
    uint32_t line = 0, col = 0;

    kva_text_position(c->s, c->len, c->off, &line, &col);
    assert_int_equal(line, c->line);
    assert_int_equal(col, c->col);
}

static const char tricky[] =
    "{\r\n  \"a\": \"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\",\n"
    "\xFF\xC0\x80\xE2\x82\r\r\n\n  x\xF4\x8F\xBF\xBF\xED\xA0\x80y\n";

/* The incremental form gives what the direct one gives, whatever offsets
 * (increasing) it is asked, including ones inside characters. */
static void t_position_incremental(void **state)
{
    size_t len = sizeof tricky - 1;

    (void)state;
    for (size_t step = 1; step <= 7; step++) {
        kva_poscache pc = {0};

        for (size_t off = 0; off <= len + 2; off += step) {
            uint32_t l1, c1, l2, c2;

            kva_text_position(tricky, len, off, &l1, &c1);
            kva_text_position_at(&pc, tricky, len, off, &l2, &c2);
            if (l1 != l2 || c1 != c2)
                fail_msg("step %zu off %zu: %u:%u vs %u:%u", step, off, l1, c1,
                         l2, c2);
        }
    }
    /* Asking again at the same offset, or going back, still answers right. */
    {
        kva_poscache pc = {0};
        uint32_t l, c;

        kva_text_position_at(&pc, tricky, len, 30, &l, &c);
        kva_text_position_at(&pc, tricky, len, 30, &l, &c);
        kva_text_position_at(&pc, tricky, len, 5, &l, &c);
        assert_int_equal(l, 2);
        assert_int_equal(c, 3);
    }
}

/* A line of 16 MB asked every 64 bytes: quadratic work would take hours. */
static void t_position_incremental_linear(void **state)
{
    size_t len = (size_t)16 << 20;
    char *s = malloc(len);
    kva_poscache pc = {0};
    uint32_t line = 0, col = 0;
    clock_t t0 = clock();
    double secs;

    (void)state;
    assert_non_null(s);
    for (size_t i = 0; i < len; i++)
        s[i] = (i % 1000 == 999) ? '\n' : (i % 7 == 0) ? '\xC3' : 'a';
    /* Make the \xC3 bytes valid two-byte characters where possible. */
    for (size_t i = 0; i + 1 < len; i++) {
        if (s[i] == '\xC3' && s[i + 1] == 'a')
            s[i + 1] = '\xA9';
    }
    for (size_t off = 0; off < len; off += 64)
        kva_text_position_at(&pc, s, len, off, &line, &col);
    secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    {
        uint32_t l2, c2;

        kva_text_position(s, len, len - 64 - (len - 1) % 64, &l2, &c2);
        kva_text_position_at(&pc, s, len, len - 64 - (len - 1) % 64, &line,
                             &col);
        assert_int_equal(line, l2);
        assert_int_equal(col, c2);
    }
    assert_int_equal(line, 1 + (len - 64 - (len - 1) % 64) / 1000);
    /* Generous even under sanitizers; a quadratic walk is far slower. */
    assert_true(secs < 20.0);
    free(s);
}

typedef struct raw_case {
    const char *name;
    const char *s;
    size_t len;
    kva_encoding enc;
    size_t off;
    uint32_t line, col;
} raw_case;

static const raw_case raw_cases[] = {
    {"utf-8 same as text", B("ab\ncd"), KVA_ENC_UTF8, 4, 2, 2},
    {"utf-8 bom skipped",
     B("\xEF\xBB\xBF"
       "ab\ncd"),
     KVA_ENC_UTF8_BOM, 7, 2, 2},
    {"utf-8 bom: first character is 1:1",
     B("\xEF\xBB\xBF"
       "ab"),
     KVA_ENC_UTF8_BOM, 3, 1, 1},
    {"utf-8 bom: inside the bom",
     B("\xEF\xBB\xBF"
       "ab"),
     KVA_ENC_UTF8_BOM, 1, 1, 1},
    {"utf-8 bom: nul byte", B("\xEF\xBB\xBF{\0}"), KVA_ENC_UTF8_BOM, 4, 1, 2},
    {"utf-16le first character",
     B("\xFF\xFE"
       "a\0b\0"),
     KVA_ENC_UTF16LE, 2, 1, 1},
    {"utf-16le bom offset",
     B("\xFF\xFE"
       "a\0b\0"),
     KVA_ENC_UTF16LE, 0, 1, 1},
    {"utf-16le second character",
     B("\xFF\xFE"
       "a\0b\0"),
     KVA_ENC_UTF16LE, 4, 1, 2},
    {"utf-16le crlf",
     B("\xFF\xFE"
       "a\0\r\0\n\0b\0c\0"),
     KVA_ENC_UTF16LE, 10, 2, 2},
    {"utf-16le lone cr",
     B("\xFF\xFE"
       "a\0\r\0b\0"),
     KVA_ENC_UTF16LE, 6, 1, 3},
    {"utf-16le surrogate pair is one column",
     B("\xFF\xFE\x3D\xD8\x00\xDE"
       "x\0"),
     KVA_ENC_UTF16LE, 6, 1, 2},
    {"utf-16le inside a pair",
     B("\xFF\xFE"
       "a\0\x3D\xD8\x00\xDE"),
     KVA_ENC_UTF16LE, 6, 1, 2},
    {"utf-16le unpaired surrogate counts one",
     B("\xFF\xFE\x3D\xD8"
       "a\0x\0"),
     KVA_ENC_UTF16LE, 6, 1, 3},
    {"utf-16le odd byte at the end",
     B("\xFF\xFE"
       "a\0b"),
     KVA_ENC_UTF16LE, 4, 1, 2},
    {"utf-16le inside a unit",
     B("\xFF\xFE"
       "a\0b\0"),
     KVA_ENC_UTF16LE, 5, 1, 2},
    {"utf-16be newline", B("\xFE\xFF\0a\0\n\0\xE9\0x"), KVA_ENC_UTF16BE, 8, 2,
     2},
    {"utf-16be past the end", B("\xFE\xFF\0a\0b"), KVA_ENC_UTF16BE, 99, 1, 3},
};

static void t_position_raw(void **state)
{
    const raw_case *c = *state;
    uint32_t line = 0, col = 0;

    kva_text_position_raw((const unsigned char *)c->s, c->len, c->enc, c->off,
                          &line, &col);
    assert_int_equal(line, c->line);
    assert_int_equal(col, c->col);
}

/* In the PowerShell fixtures, every character's raw position equals the
 * position of the same character in the decoded text. */
static void t_position_raw_matches_decoded(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof utf16_fixtures / sizeof *utf16_fixtures;
         i++) {
        char path[256];
        unsigned char *raw;
        size_t raw_len = 0, out_len = 0, err_off = 0, r = 2, o = 0;
        const char *out = NULL, *what = NULL;
        kva_encoding enc;
        bool owned;
        size_t checked = 0;

        snprintf(path, sizeof path, "tests/fixtures/text/%s.utf16le.json",
                 utf16_fixtures[i]);
        raw = read_whole(path, &raw_len);
        assert_non_null(raw);
        assert_int_equal(kva_text_decode(raw, raw_len, &enc, &out, &out_len,
                                         &owned, &err_off, &what),
                         KVA_OK);
        while (o < out_len) {
            uint32_t l1, c1, l2, c2, cp;
            size_t n = kva_utf8_next(out + o, out_len - o, &cp);

            kva_text_position(out, out_len, o, &l1, &c1);
            kva_text_position_raw(raw, raw_len, enc, r, &l2, &c2);
            if (l1 != l2 || c1 != c2)
                fail_msg("%s: raw %zu %u:%u, text %zu %u:%u", path, r, l2, c2,
                         o, l1, c1);
            o += n;
            r += cp >= 0x10000 ? 4 : 2;
            checked++;
        }
        assert_int_equal(r, raw_len);
        assert_true(checked > 100);
        free((void *)out);
        free(raw);
    }
}

typedef struct utf8_case {
    const char *name;
    const char *s;
    size_t len;
    bool valid;
    size_t bad_off;
} utf8_case;

static const utf8_case utf8_cases[] = {
    {"empty", B(""), true, 0},
    {"ascii", B("hello"), true, 0},
    {"nul is valid utf-8", B("a\0b"), true, 0},
    {"U+0080", B("\xC2\x80"), true, 0},
    {"U+07FF", B("\xDF\xBF"), true, 0},
    {"U+0800", B("\xE0\xA0\x80"), true, 0},
    {"U+D7FF", B("\xED\x9F\xBF"), true, 0},
    {"U+E000", B("\xEE\x80\x80"), true, 0},
    {"U+FFFD", B("\xEF\xBF\xBD"), true, 0},
    {"U+FFFF", B("\xEF\xBF\xBF"), true, 0},
    {"U+10000", B("\xF0\x90\x80\x80"), true, 0},
    {"U+10FFFF", B("\xF4\x8F\xBF\xBF"), true, 0},
    {"mixed", B("D\xCE\x98veloppement \xE6\x97\xA5\xE6\x9C\xAC"), true, 0},
    {"overlong C0", B("a\xC0\x80"), false, 1},
    {"overlong C1", B("\xC1\xBF"), false, 0},
    {"overlong E0 80", B("\xE0\x80\x80"), false, 0},
    {"overlong E0 9F", B("xy\xE0\x9F\xBF"), false, 2},
    {"overlong F0 80", B("\xF0\x80\x80\x80"), false, 0},
    {"overlong F0 8F", B("\xF0\x8F\xBF\xBF"), false, 0},
    {"surrogate ED A0", B("\xED\xA0\x80"), false, 0},
    {"surrogate ED BF", B("\xED\xBF\xBF"), false, 0},
    {"above U+10FFFF F4 90", B("\xF4\x90\x80\x80"), false, 0},
    {"F5 lead", B("\xF5\x80\x80\x80"), false, 0},
    {"FF byte", B("\xFF"), false, 0},
    {"FE byte", B("ab\xFE"), false, 2},
    {"lone continuation", B("a\x80"), false, 1},
    {"lone continuation BF", B("\xBF"), false, 0},
    {"truncated at the end", B("a\xE2\x82"), false, 1},
    {"truncated before ascii",
     B("\xE2\x82"
       "a"),
     false, 0},
    {"truncated four-byte", B("\xF0\x9F\x98"), false, 0},
    {"two-byte missing continuation",
     B("\xC3"
       "a"),
     false, 0},
    {"after eight ascii bytes", B("abcdefgh\xC3"), false, 8},
    {"after a long ascii run", B("abcdefghijklmnopqrstu\xC3(xyz"), false, 21},
    {"after a valid character", B("\xC3\xA9\xC3"), false, 2},
    {"past a nul", B("a\0\xFF"), false, 2},
};

static void t_utf8_valid(void **state)
{
    const utf8_case *c = *state;
    size_t bad = 12345;

    assert_int_equal(kva_utf8_valid(c->s, c->len, &bad), c->valid);
    if (!c->valid)
        assert_int_equal(bad, c->bad_off);
    else
        assert_int_equal(bad, 12345);
    assert_int_equal(kva_utf8_valid(c->s, c->len, NULL), c->valid);
}

typedef struct sanitize_case {
    const char *name;
    const char *s;
    size_t len;
    const char *want;
    size_t want_len;
    size_t replaced;
} sanitize_case;

#define FFFD "\xEF\xBF\xBD"
static const sanitize_case sanitize_cases[] = {
    {"empty", B(""), B(""), 0},
    {"valid text is unchanged", B("D\xCE\x98v \xF0\x9F\x98\x80"),
     B("D\xCE\x98v \xF0\x9F\x98\x80"), 0},
    {"Unicode table 3-8 example",
     B("\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64"),
     B("a" FFFD FFFD FFFD "b" FFFD "c" FFFD FFFD "d"), 6},
    {"overlong C0 AF: two", B("\xC0\xAF"), B(FFFD FFFD), 2},
    {"E0 80 AF: three", B("\xE0\x80\xAF"), B(FFFD FFFD FFFD), 3},
    {"surrogate: three", B("\xED\xA0\x80"), B(FFFD FFFD FFFD), 3},
    {"above U+10FFFF: four", B("\xF4\x90\x80\x80"), B(FFFD FFFD FFFD FFFD), 4},
    {"truncated four-byte at the end: one", B("x\xF0\x9F\x98"), B("x" FFFD), 1},
    {"truncated three-byte then ascii: one",
     B("\xE2\x82"
       "a"),
     B(FFFD "a"), 1},
    {"FF FE", B("\xFF\xFE"), B(FFFD FFFD), 2},
    {"long ascii run then a bad byte", B("abcdefghijklmnopq\x80r"),
     B("abcdefghijklmnopq" FFFD "r"), 1},
    {"nul kept", B("a\0b"), B("a\0b"), 0},
};

static void t_sanitize(void **state)
{
    const sanitize_case *c = *state;
    size_t replaced = 99;
    char *out = kva_utf8_sanitize(c->s, c->len, &replaced);

    assert_non_null(out);
    assert_memory_equal(out, c->want, c->want_len);
    assert_int_equal(out[c->want_len], '\0');
    assert_int_equal(replaced, c->replaced);
    assert_true(kva_utf8_valid(out, c->want_len, NULL));
    free(out);
    out = kva_utf8_sanitize(c->s, c->len, NULL);
    assert_non_null(out);
    free(out);
}

static void t_utf8_next(void **state)
{
    uint32_t cp = 0;

    (void)state;
    assert_int_equal(kva_utf8_next("a", 1, &cp), 1);
    assert_int_equal(cp, 'a');
    assert_int_equal(kva_utf8_next("\xC3\xA9", 2, &cp), 2);
    assert_int_equal(cp, 0xE9);
    assert_int_equal(kva_utf8_next("\xE2\x82\xAC", 3, &cp), 3);
    assert_int_equal(cp, 0x20AC);
    assert_int_equal(kva_utf8_next("\xF4\x8F\xBF\xBF", 4, &cp), 4);
    assert_int_equal(cp, 0x10FFFF);
    assert_int_equal(kva_utf8_next("\xEF\xBF\xBD", 3, &cp), 3);
    assert_int_equal(cp, 0xFFFD);
    assert_int_equal(kva_utf8_next("\xFF", 1, &cp), 1);
    assert_int_equal(cp, 0xFFFD);
    /* The length given is respected: a cut sequence is invalid. */
    assert_int_equal(kva_utf8_next("\xE2\x82\xAC", 2, &cp), 1);
    assert_int_equal(cp, 0xFFFD);
    assert_int_equal(kva_utf8_next("\xED\xA0\x80", 3, &cp), 1);
    assert_int_equal(cp, 0xFFFD);
    assert_int_equal(kva_utf8_next("", 0, &cp), 0);
}

static void t_case_insensitive(void **state)
{
    char buf[32];

    (void)state;
    assert_int_equal(kva_strcasecmp("KeyVaults", "keyvaults"), 0);
    assert_int_equal(kva_strcasecmp("STANDARD", "Standard"), 0);
    assert_true(kva_strcasecmp("a", "B") < 0);
    assert_true(kva_strcasecmp("B", "a") > 0);
    assert_true(kva_strcasecmp("ab", "a") > 0);
    assert_true(kva_strcasecmp("", "a") < 0);
    /* '_' sits between the cases in ASCII: compare folded letters. */
    assert_true(kva_strcasecmp("a", "_") > 0);
    assert_true(kva_strcasecmp("A", "_") > 0);
    /* Only ASCII folds: E-acute in Latin-1 or UTF-8 is not e-acute. */
    assert_true(kva_strcasecmp("\xC9", "\xE9") != 0);
    assert_true(kva_strcasecmp("\xC3\x89", "\xC3\xA9") != 0);
    assert_int_equal(kva_strcasecmp("I", "i"), 0);
    assert_int_equal(kva_strncasecmp("KeyVaultsX", "keyvaultsY", 9), 0);
    assert_true(kva_strncasecmp("KeyVaultsX", "keyvaultsY", 10) < 0);
    assert_int_equal(kva_strncasecmp("ab", "AB", 10), 0);
    assert_int_equal(kva_strncasecmp("x", "y", 0), 0);
    assert_true(kva_streq_ci("Enabled", "ENABLED"));
    assert_false(kva_streq_ci("Enabled", "Enable"));
    assert_false(kva_streq_ci(NULL, "a"));
    assert_false(kva_streq_ci("a", NULL));
    assert_true(kva_streq_ci(NULL, NULL));
    strcpy(buf, "AbC-Z\xC3\x89@[`{");
    assert_ptr_equal(kva_str_lower(buf), buf);
    assert_string_equal(buf, "abc-z\xC3\x89@[`{");
    assert_null(kva_str_lower(NULL));
}

typedef struct guid_case {
    const char *s;
    bool ok;
} guid_case;

static const guid_case guid_cases[] = {
    {"00000000-1111-2222-3333-444444444444", true},
    {"abcdef01-ABCD-ef01-AbCd-0123456789aB", true},
    {"ffffffff-ffff-ffff-ffff-ffffffffffff", true},
    {"", false},
    {"00000000-1111-2222-3333-44444444444", false},
    {"00000000-1111-2222-3333-4444444444444", false},
    {"00000000-1111-2222-3333-444444444444 ", false},
    {" 00000000-1111-2222-3333-444444444444", false},
    {"{00000000-1111-2222-3333-444444444444}", false},
    {"000000001111-2222-3333-4444444444444", false},
    {"0000000-11111-2222-3333-444444444444", false},
    {"00000000-1111-2222-3333_444444444444", false},
    {"g0000000-1111-2222-3333-444444444444", false},
    {"00000000-1111-2222-3333-44444444444g", false},
    {"00000000111122223333444444444444", false},
    {"00000000-1111-2222-3333-44444444444\xC3\xA9", false},
};

static void t_guid(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof guid_cases / sizeof *guid_cases; i++) {
        if (kva_is_guid(guid_cases[i].s) != guid_cases[i].ok)
            fail_msg("\"%s\" should %sbe a GUID", guid_cases[i].s,
                     guid_cases[i].ok ? "" : "not ");
    }
    assert_false(kva_is_guid(NULL));
}

typedef struct dur_case {
    const char *s;
    bool ok;
    int64_t seconds;
} dur_case;

static const dur_case dur_cases[] = {
    /* ISO 8601 */
    {"PT0S", true, 0},
    {"P29DT23H10M", true, 29 * 86400 + 23 * 3600 + 10 * 60},
    {"PT1H30M15.5S", true, 5415},
    {"PT0.999999S", true, 0},
    {"P1W", true, 604800},
    {"P1DT2H", true, 93600},
    {"P1W2D", true, 9 * 86400},
    {"PT36H", true, 129600},
    {"PT90M", true, 5400},
    {"PT1M", true, 60},
    {"P0D", true, 0},
    {"P30D", true, 2592000},
    {"P1DT1H1M1S", true, 90061},
    {"PT00000000000000000001S", true, 1},
    {"-P1D", true, -86400},
    {"-PT1M30S", true, -90},
    {"P", false, 0},
    {"PT", false, 0},
    {"P1DT", false, 0},
    {"-P", false, 0},
    {"P1Y", false, 0},
    {"P1M", false, 0},
    {"P1Y2D", false, 0},
    {"P1M2D", false, 0},
    {"PT1.5M", false, 0},
    {"P1.5D", false, 0},
    {"PT1.5H", false, 0},
    {"PT.5S", false, 0},
    {"PT1.S", false, 0},
    {"PT1,5S", false, 0},
    {"PT1S2M", false, 0},
    {"P1D1W", false, 0},
    {"P1D1D", false, 0},
    {"PT1H1H", false, 0},
    {"PT1D", false, 0},
    {"P1H", false, 0},
    {"P1DT1W", false, 0},
    {"PTT1H", false, 0},
    {"P1DTT1H", false, 0},
    {"PT1H30", false, 0},
    {"PTS", false, 0},
    {"pt0s", false, 0},
    {"Pt0S", false, 0},
    {" PT0S", false, 0},
    {"PT0S ", false, 0},
    {"PT0Sx", false, 0},
    {"P-1D", false, 0},
    {"P+1D", false, 0},
    {"--P1D", false, 0},
    {"T1H", false, 0},
    {"P99999999999999999999D", false, 0},
    {"PT9223372036854775807S", false, 0},
    {"P1000000000000W", false, 0},
    {"P2000000W", false, 0},
    {"PT1000000000000S", true, 1000000000000},
    {"PT1000000000001S", false, 0},
    {"P11574074DT1H46M40S", true, 1000000000000},
    {"P11574074DT1H46M41S", false, 0},
    {"P10000000DT100000000H", false, 0},
    /* Python str(timedelta) */
    {"0:00:00", true, 0},
    {"6:52:00", true, 24720},
    {"24 days, 6:52:00", true, 2098320},
    {"1 day, 0:00:00", true, 86400},
    {"-1 day, 23:59:00", true, -60},
    {"-2 days, 1:00:00", true, -169200},
    {"0:00:00.500000", true, 0},
    {"23:59:59", true, 86399},
    {"10 days, 0:00:01.5", true, 864001},
    {"29 days, 23:10:00", true, 29 * 86400 + 23 * 3600 + 600},
    {"06:52:00", true, 24720},
    {"", false, 0},
    {"0", false, 0},
    {"0:00", false, 0},
    {"24:00:00", false, 0},
    {"0:60:00", false, 0},
    {"0:00:60", false, 0},
    {"0:0:00", false, 0},
    {"0:00:0", false, 0},
    {"0:00:000", false, 0},
    {"1 day 0:00:00", false, 0},
    {"1 day,0:00:00", false, 0},
    {"1 day, 24:00:00", false, 0},
    {"1 day, ", false, 0},
    {"1 day", false, 0},
    {"1 week, 0:00:00", false, 0},
    {"1  days, 0:00:00", false, 0},
    {"-0:00:01", false, 0},
    {"- 1 day, 0:00:00", false, 0},
    {"0:00:00.", false, 0},
    {"0:00:00 ", false, 0},
    {" 0:00:00", false, 0},
    {"0:00:00Z", false, 0},
    {"abc", false, 0},
    {"999999999 days, 0:00:00", false, 0},
    {"99999999999999999999 days, 0:00:00", false, 0},
    {"99999999999999999999:00:00", false, 0},
};

static void t_duration(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof dur_cases / sizeof *dur_cases; i++) {
        const dur_case *c = &dur_cases[i];
        int64_t v = 424242;
        bool ok = kva_duration_parse(c->s, &v);

        if (ok != c->ok)
            fail_msg("\"%s\": %s, expected %s", c->s,
                     ok ? "accepted" : "rejected",
                     c->ok ? "accepted" : "rejected");
        if (ok && v != c->seconds)
            fail_msg("\"%s\": %lld s, expected %lld", c->s, (long long)v,
                     (long long)c->seconds);
        if (!ok && v != 424242)
            fail_msg("\"%s\": rejected but wrote the result", c->s);
    }
    {
        int64_t v;

        assert_false(kva_duration_parse(NULL, &v));
    }
}

typedef struct time_case {
    const char *s;
    bool ok;
    int64_t epoch;
} time_case;

static const time_case time_cases[] = {
    {"2023-03-01T12:42:42.1921106Z", true, 1677674562},
    {"2024-11-06T17:24:45.715220+00:00", true, 1730913885},
    {"2024-11-06T19:24:45+02:00", true, 1730913885},
    {"2024-11-06T12:24:45.999-05:00", true, 1730913885},
    {"2024-11-06T17:54:45+00:30", true, 1730913885},
    {"2024-11-06T17:24:45-00:00", true, 1730913885},
    {"2024-11-06t17:24:45z", true, 1730913885},
    {"2024-11-06 17:24:45Z", true, 1730913885},
    {"2024-11-06T17:24:45.1234567890123Z", true, 1730913885},
    {"2024-02-29", true, 1709164800},
    {"2024-02-29T00:00:00Z", true, 1709164800},
    {"2000-02-29T00:00:00Z", true, 951782400},
    {"1970-01-01T00:00:00Z", true, 0},
    {"1970-01-01", true, 0},
    {"1969-12-31T23:59:59.9Z", true, -1},
    {"1900-03-01T00:00:00Z", true, -2203891200},
    {"2016-12-31T23:59:60Z", true, 1483228800},
    {"0000-01-01T00:00:00Z", true, -62167219200},
    {"9999-12-31T23:59:59Z", true, 253402300799},
    {"2024-01-01T00:00:00+23:59", true, 1704067200 - 86340},
    {"2023-12-31T00:00:00Z", true, 1703980800},
    {"2023-02-29", false, 0},
    {"2023-02-29T00:00:00Z", false, 0},
    {"1900-02-29", false, 0},
    {"2024-02-30", false, 0},
    {"2024-04-31", false, 0},
    {"2024-13-01", false, 0},
    {"2024-00-10", false, 0},
    {"2024-01-00", false, 0},
    {"2024-01-32", false, 0},
    {"2024-01-01T24:00:00Z", false, 0},
    {"2024-01-01T00:60:00Z", false, 0},
    {"2024-01-01T00:00:61Z", false, 0},
    {"2024-01-01T00:00:00", false, 0},
    {"2024-01-01T00:00:00+0100", false, 0},
    {"2024-01-01T00:00:00+01", false, 0},
    {"2024-01-01T00:00:00+24:00", false, 0},
    {"2024-01-01T00:00:00+01:60", false, 0},
    {"2024-01-01T00:00:00.Z", false, 0},
    {"2024-01-01T00:00Z", false, 0},
    {"2024-01-01T0:00:00Z", false, 0},
    {"2024-01-01T00:00:00Z ", false, 0},
    {"2024-01-01T00:00:00ZZ", false, 0},
    {"2024-01-01T00:00:00UTC", false, 0},
    {"2024-01-01x00:00:00Z", false, 0},
    {"2024-01-01T", false, 0},
    {"2024-01-01Z", false, 0},
    {"2024-01-01 ", false, 0},
    {"24-01-01", false, 0},
    {"+2024-01-01", false, 0},
    {"12024-01-01", false, 0},
    {"2024-1-01", false, 0},
    {"2024/01/01", false, 0},
    {"20240101T000000Z", false, 0},
    {"", false, 0},
};

static void t_time_parse(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof time_cases / sizeof *time_cases; i++) {
        const time_case *c = &time_cases[i];
        int64_t v = 424242;
        bool ok = kva_time_parse(c->s, &v);

        if (ok != c->ok)
            fail_msg("\"%s\": %s, expected %s", c->s,
                     ok ? "accepted" : "rejected",
                     c->ok ? "accepted" : "rejected");
        if (ok && v != c->epoch)
            fail_msg("\"%s\": %lld, expected %lld", c->s, (long long)v,
                     (long long)c->epoch);
        if (!ok && v != 424242)
            fail_msg("\"%s\": rejected but wrote the result", c->s);
    }
    {
        int64_t v;

        assert_false(kva_time_parse(NULL, &v));
    }
}

static void t_date_parse(void **state)
{
    int64_t v = 0;

    (void)state;
    assert_true(kva_date_parse("2024-02-29", &v));
    assert_int_equal(v, 1709164800);
    assert_true(kva_date_parse("1970-01-01", &v));
    assert_int_equal(v, 0);
    assert_true(kva_date_parse("2026-11-23", &v));
    assert_int_equal(v, 1795392000);
    v = 7;
    assert_false(kva_date_parse("2023-02-29", &v));
    assert_false(kva_date_parse("2024-02-29T00:00:00Z", &v));
    assert_false(kva_date_parse("2024-02-29 ", &v));
    assert_false(kva_date_parse("2024-02-2", &v));
    assert_false(kva_date_parse("", &v));
    assert_false(kva_date_parse(NULL, &v));
    assert_int_equal(v, 7);
}

typedef struct fmt_case {
    int64_t epoch;
    const char *time;
} fmt_case;

static const fmt_case fmt_cases[] = {
    {0, "1970-01-01T00:00:00Z"},
    {-1, "1969-12-31T23:59:59Z"},
    {86399, "1970-01-01T23:59:59Z"},
    {951782400, "2000-02-29T00:00:00Z"},
    {1677674562, "2023-03-01T12:42:42Z"},
    {1730913885, "2024-11-06T17:24:45Z"},
    {1795392000, "2026-11-23T00:00:00Z"},
    {-2203891200, "1900-03-01T00:00:00Z"},
    {-62167219200, "0000-01-01T00:00:00Z"},
    {253402300799, "9999-12-31T23:59:59Z"},
};

static void t_time_format(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof fmt_cases / sizeof *fmt_cases; i++) {
        char buf[21], date[11];
        int64_t back = 0;

        memset(buf, 'x', sizeof buf);
        kva_time_format(fmt_cases[i].epoch, buf);
        assert_string_equal(buf, fmt_cases[i].time);
        assert_true(kva_time_parse(buf, &back));
        assert_int_equal(back, fmt_cases[i].epoch);
        kva_date_format(fmt_cases[i].epoch, date);
        assert_int_equal(strlen(date), 10);
        assert_memory_equal(date, fmt_cases[i].time, 10);
        assert_true(kva_date_parse(date, &back));
        assert_true(back <= fmt_cases[i].epoch &&
                    fmt_cases[i].epoch - back < 86400);
    }
}

/* Out of the contract's range the buffer is still respected and the
 * text is visibly not a four-digit year. */
static void t_time_format_out_of_range(void **state)
{
    char buf[32];

    (void)state;
    memset(buf, 'x', sizeof buf);
    kva_time_format(253402300800, buf); /* 10000-01-01 */
    assert_int_equal(strlen(buf), 20);
    assert_memory_equal(buf, "10000-01-01T00:00:0", 19);
    assert_int_equal(buf[21], 'x');
    memset(buf, 'x', sizeof buf);
    kva_time_format(INT64_MAX, buf);
    assert_true(strlen(buf) <= 20);
    assert_int_equal(buf[21], 'x');
    memset(buf, 'x', sizeof buf);
    kva_time_format(INT64_MIN, buf);
    assert_true(strlen(buf) <= 20);
    assert_int_equal(buf[0], '-');
    memset(buf, 'x', sizeof buf);
    kva_date_format(-62167219201, buf); /* -0001-12-31 */
    assert_int_equal(strlen(buf), 10);
    assert_int_equal(buf[0], '-');
}

/* Every day from -2000 to 4000 round-trips, consecutive days follow the
 * calendar (month lengths and leap years), and the known anchors hold. */
static void t_civil(void **state)
{
    int64_t y, z;
    unsigned m, d;

    (void)state;
    assert_int_equal(kva_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(kva_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(kva_days_from_civil(0, 3, 1), -719468);
    assert_int_equal(kva_days_from_civil(0, 1, 1), -719528);
    assert_int_equal(kva_days_from_civil(1969, 12, 31), -1);
    kva_civil_from_days(-1, &y, &m, &d);
    assert_true(y == 1969 && m == 12 && d == 31);
    z = kva_days_from_civil(-2000, 1, 1);
    kva_civil_from_days(z, &y, &m, &d);
    assert_true(y == -2000 && m == 1 && d == 1);
    for (int64_t last = z; last < kva_days_from_civil(4000, 1, 1); last++) {
        static const unsigned mdays[12] = {31, 28, 31, 30, 31, 30,
                                           31, 31, 30, 31, 30, 31};
        int64_t y2;
        unsigned m2, d2, dim;
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

        dim = m == 2 && leap ? 29 : mdays[m - 1];
        kva_civil_from_days(last + 1, &y2, &m2, &d2);
        if (d < dim) {
            assert_true(y2 == y && m2 == m && d2 == d + 1);
        } else if (m < 12) {
            assert_true(y2 == y && m2 == m + 1 && d2 == 1);
        } else {
            assert_true(y2 == y + 1 && m2 == 1 && d2 == 1);
        }
        if (kva_days_from_civil(y2, m2, d2) != last + 1)
            fail_msg("%lld-%u-%u does not round-trip", (long long)y2, m2, d2);
        y = y2;
        m = m2;
        d = d2;
    }
    /* Extremes are defined (no overflow), even if meaningless. */
    kva_civil_from_days(INT64_MAX, &y, &m, &d);
    assert_true(m >= 1 && m <= 12 && d >= 1 && d <= 31);
    kva_civil_from_days(INT64_MIN, &y, &m, &d);
    assert_true(m >= 1 && m <= 12 && d >= 1 && d <= 31);
    (void)kva_days_from_civil(INT64_MAX, 12, 31);
    (void)kva_days_from_civil(INT64_MIN, 1, 1);
    (void)kva_days_from_civil(2024, 4000000000u, 4000000000u);
}

#define N(a) (sizeof(a) / sizeof(a)[0])

int main(void)
{
    static const struct CMUnitTest fixed[] = {
        cmocka_unit_test(t_decode_utf16_runs),
        cmocka_unit_test(t_decode_fixtures),
        cmocka_unit_test(t_decode_utf8_bom_fixture),
        cmocka_unit_test(t_encoding_names),
        cmocka_unit_test(t_position_incremental),
        cmocka_unit_test(t_position_incremental_linear),
        cmocka_unit_test(t_position_raw_matches_decoded),
        cmocka_unit_test(t_utf8_next),
        cmocka_unit_test(t_case_insensitive),
        cmocka_unit_test(t_guid),
        cmocka_unit_test(t_duration),
        cmocka_unit_test(t_time_parse),
        cmocka_unit_test(t_date_parse),
        cmocka_unit_test(t_time_format),
        cmocka_unit_test(t_time_format_out_of_range),
        cmocka_unit_test(t_civil),
    };
    size_t n = N(fixed) + N(decode_cases) + N(pos_cases) + N(raw_cases) +
               N(utf8_cases) + N(sanitize_cases);
    struct CMUnitTest *tests = calloc(n, sizeof *tests);
    char(*names)[96] = calloc(n, sizeof *names);
    size_t k = 0;
    int rc;

    if (!tests || !names)
        return 99;
#define ADD(fn, arr, prefix)                                                   \
    for (size_t i = 0; i < N(arr); i++, k++) {                                 \
        snprintf(names[k], sizeof names[k], "%s: %s", prefix, arr[i].name);    \
        tests[k].name = names[k];                                              \
        tests[k].test_func = fn;                                               \
        tests[k].initial_state = (void *)&arr[i];                              \
    }
    ADD(t_decode, decode_cases, "decode")
    ADD(t_position, pos_cases, "position")
    ADD(t_position_raw, raw_cases, "raw position")
    ADD(t_utf8_valid, utf8_cases, "utf-8")
    ADD(t_sanitize, sanitize_cases, "sanitize")
#undef ADD
    for (size_t i = 0; i < N(fixed); i++)
        tests[k++] = fixed[i];
    rc = _cmocka_run_group_tests("text", tests, n, NULL, NULL);
    free(tests);
    free(names);
    return rc;
}

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
#include "fixture_report.h"
#include "model.h"
#include "remediation.h"
#include "render/pdf.h"
#include "render/pdf_charts.h"
#include "render/pdf_fonts.h"
#include "render/pdf_layout.h"
#include "templates.h"
#include "text.h"

/*
 * The PDF renderer: the layout engine (wrapping by code point, per-
 * character font fallback, tables that repeat their header and never
 * split a row, code blocks whose wrapped lines join back into the
 * command) and the whole report over models built by hand and evaluated
 * by the real pipeline. What the pages look like is checked by the shell
 * suite tests/pdf/run-pdf.sh through poppler.
 */

static char tmpdir[64];

static int setup_tmp(void **state)
{
    (void)state;
    strcpy(tmpdir, "/tmp/kva-pdf-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_tmp(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *tmp_path(const char *name)
{
    static char buf[4][128];
    static unsigned k;
    char *p = buf[k++ % 4];
    snprintf(p, 128, "%s/%s", tmpdir, name);
    return p;
}

static kva_pdf *new_doc(void)
{
    kva_pdf_opts o = {.header_left = "Header", .header_right = "right",
                      .footer_left = "footer", .title = "t"};
    kva_pdf *d = NULL;
    kva_diag err = {0};
    kva_error rc = kva_pdf_new(&o, &d, &err);
    if (rc != KVA_OK)
        fail_msg("kva_pdf_new: %s", err.message ? err.message : "?");
    kva_diag_clear(&err);
    return d;
}

/* Wrapping */

typedef struct wrap_case {
    const char *text;
    kva_pdf_wrap_mode mode;
    double chars;     /* line width in monospace cells */
    const char *want; /* lines joined with '|' */
} wrap_case;

static const wrap_case wrap_cases[] = {
    {"hello world", KVA_PDF_WRAP_TEXT, 5.5, "hello|world"},
    {"hello world", KVA_PDF_WRAP_TEXT, 11.5, "hello world"},
    {"", KVA_PDF_WRAP_TEXT, 5.5, ""},
    {"abcdefghij", KVA_PDF_WRAP_TEXT, 4.5, "abcd|efgh|ij"},
    {"aa   bb", KVA_PDF_WRAP_TEXT, 3.5, "aa|bb"},
    {"ab  ", KVA_PDF_WRAP_TEXT, 9.5, "ab"},
    {"a\nb", KVA_PDF_WRAP_TEXT, 9.5, "a|b"},
    {"a\r\nb\n\nc", KVA_PDF_WRAP_TEXT, 9.5, "a|b||c"},
    {"a/b/c/defgh", KVA_PDF_WRAP_CODE, 6.5, "a/b/c/|defgh"},
    /* a space wins over a later break-after character */
    {"ab cd/efghij", KVA_PDF_WRAP_CODE, 9.5, "ab|cd/efghij"},
    /* multi-byte characters are never split */
    {"\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", KVA_PDF_WRAP_TEXT, 2.5,
     "\xC3\xA9\xC3\xA9|\xC3\xA9\xC3\xA9|\xC3\xA9"},
    /* quotes: code and sh keep '...' and "..." together (text pasted
       from the page would carry the continuation line's indentation
       into the string) */
    {"echo 'a b' c", KVA_PDF_WRAP_TEXT, 9.5, "echo 'a|b' c"},
    {"echo 'a b' c", KVA_PDF_WRAP_CODE, 9.5, "echo|'a b' c"},
    {"echo 'a b' c", KVA_PDF_WRAP_SH, 9.5, "echo|'a b' c"},
    {"echo \"a b\" c", KVA_PDF_WRAP_CODE, 9.5, "echo|\"a b\" c"},
    {"echo \"a b\" c", KVA_PDF_WRAP_SH, 9.5, "echo|\"a b\" c"},
    {"--display-name \"Configure Microsoft Defender for Key Vault plan\" "
     "--policy x",
     KVA_PDF_WRAP_SH, 60.5,
     "--display-name|\"Configure Microsoft Defender for Key Vault plan\" "
     "--policy x"},
    /* a quoted string longer than the line is still broken, never cut:
       after its last space or break-after character that fits, else at
       a code point */
    {"'abcdefgh'", KVA_PDF_WRAP_CODE, 4.5, "'abc|defg|h'"},
    {"x \"/aa/bb/cc\"", KVA_PDF_WRAP_SH, 6.5, "x|\"/aa/|bb/cc\""},
    {"\"Configure Microsoft Defender\"", KVA_PDF_WRAP_SH, 20.5,
     "\"Configure |Microsoft Defender\""},
    /* an escaped quote does not open a string */
    {"a \\' b c", KVA_PDF_WRAP_CODE, 4.5, "a \\'|b c"},
    /* sh: an escaped space is no place to break, and a break never
       follows an escaping backslash (the mark would be escaped) */
    {"ab\\ cd", KVA_PDF_WRAP_SH, 4.5, "ab\\ |cd"},
    {"abc\\\"def", KVA_PDF_WRAP_SH, 4.5, "abc|\\\"de|f"},
    {"ab\\cd", KVA_PDF_WRAP_SH, 3.5, "ab|\\cd"},
    {"ab\\cd", KVA_PDF_WRAP_CODE, 3.5, "ab\\|cd"},
};

static void join_lines(kva_pdf *d, const char *text, size_t first, size_t n,
                       char *out, size_t cap)
{
    const kva_pdf_line *ln = kva_pdf_lines(d);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && o + 1 < cap)
            out[o++] = '|';
        size_t len = ln[first + i].len;
        assert_true(o + len < cap);
        memcpy(out + o, text + ln[first + i].off, len);
        o += len;
    }
    out[o] = '\0';
}

static void test_wrap_table(void **state)
{
    (void)state;
    kva_pdf *d = new_doc();
    const kva_pdf_style st = {KVA_PDF_MONO, 10, 0};
    const float cell = kva_pdf_text_width(d, &st, "0", 1);
    assert_true(cell > 5.9f && cell < 6.1f); /* DejaVu Sans Mono: 0.602 em */
    for (size_t i = 0; i < sizeof wrap_cases / sizeof wrap_cases[0]; i++) {
        const wrap_case *c = &wrap_cases[i];
        size_t first;
        char got[256];
        kva_pdf_lines_reset(d);
        size_t n = kva_pdf_wrap(d, &st, c->text, strlen(c->text),
                                (float)(cell * c->chars), c->mode, &first);
        join_lines(d, c->text, first, n, got, sizeof got);
        if (strcmp(got, c->want) != 0)
            fail_msg("case %zu \"%s\": want \"%s\", got \"%s\"", i, c->text,
                     c->want, got);
    }
    kva_pdf_free(d);
}

static void test_wrap_cjk(void **state)
{
    (void)state;
    kva_pdf *d = new_doc();
    const kva_pdf_style st = {KVA_PDF_SANS, 10, 0};
    const char *text = "\xE5\xB1\xB1\xE7\x94\xB0\xE5\xA4\xAA\xE9\x83\x8E"
                       "\xE5\xB1\xB1\xE7\x94\xB0\xE5\xA4\xAA\xE9\x83\x8E";
    size_t first;
    char got[128];
    /* WenQuanYi's ideographs are 1 em wide: three per 35 points. */
    size_t n = kva_pdf_wrap(d, &st, text, strlen(text), 35, KVA_PDF_WRAP_TEXT,
                            &first);
    join_lines(d, text, first, n, got, sizeof got);
    assert_string_equal(got, "\xE5\xB1\xB1\xE7\x94\xB0\xE5\xA4\xAA|"
                             "\xE9\x83\x8E\xE5\xB1\xB1\xE7\x94\xB0|"
                             "\xE5\xA4\xAA\xE9\x83\x8E");
    kva_pdf_free(d);
}

/* A small deterministic generator for the property tests. */
static uint32_t rnd_state = 12345;
static uint32_t rnd(uint32_t n)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return (rnd_state >> 8) % n;
}

/*
 * What bash makes of an sh code block copied from the page: the lines as
 * drawn, each broken one followed by its mark (" \\" after a break at a
 * space, "\\" inside a word) and a newline (and, after a break at a
 * space, an indentation such as a copy may bring), then the joining of
 * backslash-newline outside single quotes. Runs of unquoted blanks are
 * made one (they separate the same words), in this and in the original
 * (`paste` false: `cmd` itself). NULL when a break falls inside single
 * quotes, where no continuation exists. Caller frees.
 */
static char *sh_join(const char *cmd, const kva_pdf_line *ln, size_t n,
                     bool paste)
{
    size_t cap = strlen(cmd) + 6 * n + 1, o = 0;
    char *p = malloc(cap), *out = malloc(cap);
    char q = 0;
    assert_non_null(p);
    assert_non_null(out);
    if (paste) {
        for (size_t i = 0; i < n; i++) {
            memcpy(p + o, cmd + ln[i].off, ln[i].len);
            o += ln[i].len;
            if (ln[i].broken) {
                /* After a break at a space, whatever indentation the
                   copy brings is harmless: it is a blank between words.
                   Inside a word there must be none, and the layout
                   draws none (every line starts at the same x). */
                const char *m = ln[i].at_space ? " \\\n  " : "\\\n";
                memcpy(p + o, m, strlen(m));
                o += strlen(m);
            }
        }
        p[o] = '\0';
    } else {
        strcpy(p, cmd);
    }
    o = 0;
    for (size_t i = 0; p[i]; i++) {
        char c = p[i];
        if (c == '\\' && q != '\'' && p[i + 1] == '\n') {
            i++; /* the continuation goes */
            continue;
        }
        if (c == '\\' && q == '\'' && p[i + 1] == '\n') {
            free(p);
            free(out);
            return NULL;
        }
        if (c == '\\' && q != '\'' && p[i + 1]) {
            out[o++] = c;
            out[o++] = p[++i];
            continue;
        }
        if ((c == '\'' || c == '"') && (q == 0 || q == c))
            q = q ? 0 : c;
        if (c == ' ' && q == 0 && o > 0 && out[o - 1] == ' ')
            continue;
        out[o++] = c;
    }
    while (q == 0 && o > 0 && out[o - 1] == ' ') /* trailing blanks */
        o--;
    out[o] = '\0';
    free(p);
    return out;
}

/*
 * For many generated commands and widths: every line fits (unless it is a
 * single code point), consecutive lines are either adjacent (broken in a
 * word) or separated only by the spaces of the break, and nothing is lost:
 * the lines put back together are the command.
 */
static void test_wrap_code_property(void **state)
{
    (void)state;
    kva_pdf *d = new_doc();
    static const char *const tokens[] = {
        "az", "security", "pricing", "create", "--subscription",
        "3d5f7b9a-1c2e-4d4f-8a6b-00000000fab1", "-n", "KeyVaults",
        "'{\"subPlan\":{\"value\":\"PerKeyVault\"}}'",
        "\"/providers/Microsoft.Management/managementGroups/a-very-long-"
        "management-group-name/providers/Microsoft.Authorization/"
        "policyAssignments/kva-defender-keyvault\"",
        "Set-AzSecurityPricing", "-Name", "'Key Vaults'", "\xC3\xBC\xC3\xB6",
        "\xE5\xB1\xB1\xE7\x94\xB0", "x=1,y=2;z", "  ",
        "\"Configure Microsoft Defender for Key Vault plan\"", "a\\ b",
        "x\\\"y", "--not-scopes"};
    size_t pasted = 0;
    const kva_pdf_wrap_mode modes[] = {KVA_PDF_WRAP_CODE, KVA_PDF_WRAP_SH,
                                       KVA_PDF_WRAP_TEXT};
    const kva_pdf_style st = {KVA_PDF_MONO, 7.5f, 0};
    char cmd[2048];
    for (int iter = 0; iter < 400; iter++) {
        size_t o = 0;
        size_t nt = 1 + rnd(14);
        for (size_t t = 0; t < nt; t++) {
            const char *tok = tokens[rnd(sizeof tokens / sizeof tokens[0])];
            size_t l = strlen(tok);
            if (o + l + 2 >= sizeof cmd)
                break;
            if (t)
                cmd[o++] = ' ';
            memcpy(cmd + o, tok, l);
            o += l;
        }
        cmd[o] = '\0';
        float width = 20.0f + (float)rnd(400);
        kva_pdf_wrap_mode mode = modes[rnd(3)];
        size_t first;
        kva_pdf_lines_reset(d);
        size_t n = kva_pdf_wrap(d, &st, cmd, o, width, mode, &first);
        assert_true(n >= 1);
        const kva_pdf_line *ln = kva_pdf_lines(d) + first;
        size_t pos = 0;
        for (size_t i = 0; i < n; i++) {
            uint32_t cp;
            size_t k = ln[i].len ? kva_utf8_next(cmd + ln[i].off, ln[i].len,
                                                 &cp)
                                 : 0;
            if (ln[i].width > width + 0.01f && k != ln[i].len)
                fail_msg("line %zu of \"%s\" is %.1f wide, limit %.1f", i,
                         cmd, ln[i].width, width);
            /* The skipped bytes before this line are spaces only. */
            assert_true(ln[i].off >= pos);
            for (size_t j = pos; j < ln[i].off; j++)
                assert_int_equal(cmd[j], ' ');
            if (i > 0 && !ln[i - 1].at_space)
                assert_int_equal(ln[i].off, pos);
            if (i > 0 && ln[i - 1].at_space)
                assert_true(ln[i].off > pos);
            pos = ln[i].off + ln[i].len;
            assert_int_equal(ln[i].broken, i + 1 < n);
        }
        for (size_t j = pos; j < o; j++) /* trailing spaces only */
            assert_int_equal(cmd[j], ' ');
        /* sh: pasted into bash, the same command */
        if (mode == KVA_PDF_WRAP_SH) {
            char *got = sh_join(cmd, ln, n, true);
            if (got) {
                char *want = sh_join(cmd, ln, n, false);
                if (strcmp(got, want) != 0)
                    fail_msg("pasted \"%s\" at %.1f: got \"%s\"", cmd,
                             width, got);
                free(want);
                pasted++;
            }
            free(got);
        }
    }
    /* most sh cases could be pasted (no break inside '...') */
    assert_true(pasted > 80);
    kva_pdf_free(d);
}

/* A megabyte without a space wraps in one pass and loses nothing. */
static void test_wrap_long_linear(void **state)
{
    (void)state;
    kva_pdf *d = new_doc();
    const size_t len = 1u << 20;
    char *s = malloc(len + 1);
    assert_non_null(s);
    memset(s, 'x', len);
    s[len] = '\0';
    const kva_pdf_style st = {KVA_PDF_MONO, 10, 0};
    float cell = kva_pdf_text_width(d, &st, "x", 1);
    size_t first;
    size_t n = kva_pdf_wrap(d, &st, s, len, cell * 100.5f, KVA_PDF_WRAP_TEXT,
                            &first);
    assert_int_equal(n, (len + 99) / 100);
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += kva_pdf_lines(d)[first + i].len;
    assert_int_equal(total, len);
    free(s);
    kva_pdf_free(d);
}

/* Fonts */

typedef struct glyph_case {
    uint32_t cp;
    kva_pdf_role role;
    const char *font; /* libharu's base font name */
    bool replaced;
} glyph_case;

static const glyph_case glyph_cases[] = {
    {'A', KVA_PDF_SANS, "DejaVuSans,Book", false},
    {'A', KVA_PDF_BOLD, "DejaVuSans-Bold,Bold", false},
    {'A', KVA_PDF_MONO, "DejaVuSansMono,Book", false},
    {0x00FC, KVA_PDF_SANS, "DejaVuSans,Book", false},   /* ü */
    {0x00D8, KVA_PDF_SANS, "DejaVuSans,Book", false},   /* Ø */
    {0x041E, KVA_PDF_SANS, "DejaVuSans,Book", false},   /* О */
    {0x03CE, KVA_PDF_SANS, "DejaVuSans,Book", false},   /* ώ */
    {0x5C71, KVA_PDF_SANS, "WenQuanYiZenHei", false},   /* 山 */
    {0x90CE, KVA_PDF_SANS, "WenQuanYiZenHei", false},   /* 郎: not Nanum */
    {0x3042, KVA_PDF_SANS, "WenQuanYiZenHei", false},   /* あ */
    /* Hangul: WenQuanYi maps it, but libharu draws its composite glyphs
     * blank, so NanumGothic takes it. */
    {0xAE40, KVA_PDF_SANS, "NanumGothic", false},       /* 김 */
    {0xC900, KVA_PDF_BOLD, "NanumGothic", false},       /* 준 */
    {0x05D0, KVA_PDF_MONO, "DejaVuSans,Book", false},   /* mono lacks א */
    {0xFFFD, KVA_PDF_SANS, "DejaVuSans,Book", false},
    {0x1F680, KVA_PDF_SANS, "DejaVuSans,Book", true},   /* emoji: > BMP */
    {0x0001, KVA_PDF_MONO, "DejaVuSansMono,Book", true},
    {0x0378, KVA_PDF_SANS, "DejaVuSans,Book", true},    /* unassigned */
};

static void test_glyph_fallback(void **state)
{
    (void)state;
    kva_pdf_hpdf_err herr = {0};
    HPDF_Doc doc = HPDF_New(kva_pdf_hpdf_handler, &herr);
    assert_non_null(doc);
    HPDF_UseUTFEncodings(doc);
    kva_pdf_fonts *f = NULL;
    kva_diag err = {0};
    assert_int_equal(kva_pdf_fonts_new(doc, &herr, &f, &err), KVA_OK);
    for (size_t i = 0; i < sizeof glyph_cases / sizeof glyph_cases[0]; i++) {
        const glyph_case *c = &glyph_cases[i];
        kva_pdf_glyph g;
        kva_pdf_fonts_glyph(f, c->role, c->cp, &g);
        const char *name = HPDF_Font_GetFontName(g.font);
        if (strcmp(name, c->font) != 0 || g.replaced != c->replaced)
            fail_msg("U+%04X role %d: want %s%s, got %s%s", (unsigned)c->cp,
                     (int)c->role, c->font, c->replaced ? " (replaced)" : "",
                     name, g.replaced ? " (replaced)" : "");
        assert_int_equal(g.cp, c->replaced ? 0xFFFD : c->cp);
        assert_true(g.width > 0);
    }
    assert_int_equal(kva_pdf_fonts_status(f, &err), KVA_OK);
    assert_int_equal(herr.code, 0);
    kva_pdf_fonts_free(f);
    HPDF_Free(doc);
}

static void write_conf(const char *path, const char *dirs)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fprintf(fp, "<?xml version=\"1.0\"?>\n<!DOCTYPE fontconfig SYSTEM "
                "\"fonts.dtd\">\n<fontconfig>%s<cachedir>%s/cache</cachedir>"
                "</fontconfig>\n",
            dirs, tmpdir);
    fclose(fp);
}

/* No fonts at all: a clear error that names the package. */
static void test_missing_dejavu(void **state)
{
    (void)state;
    const char *conf = tmp_path("empty.conf");
    write_conf(conf, "");
    setenv("FONTCONFIG_FILE", conf, 1);
    kva_pdf *d = NULL;
    kva_diag err = {0};
    kva_pdf_opts o = {.title = "t"};
    kva_error rc = kva_pdf_new(&o, &d, &err);
    unsetenv("FONTCONFIG_FILE");
    assert_int_equal(rc, KVA_ERR_RENDER);
    assert_null(d);
    assert_non_null(err.message);
    assert_non_null(strstr(err.message, "fonts-dejavu-core"));
    assert_non_null(strstr(err.message, "DejaVu Sans"));
    kva_diag_clear(&err);
}

/* DejaVu only: Latin is fine; a Hangul or Han character names the
 * package that is missing. */
static void test_missing_cjk(void **state)
{
    (void)state;
    static const struct {
        const char *text, *package;
    } cases[] = {
        {"Zo\xC3\xAB \xC3\x98rsted", NULL},
        {"\xEA\xB9\x80\xEB\xAF\xBC\xEC\xA4\x80", "fonts-nanum"},
        {"\xE5\xB1\xB1\xE7\x94\xB0", "fonts-wqy-zenhei"},
    };
    const char *conf = tmp_path("dejavu.conf");
    write_conf(conf, "<dir>/usr/share/fonts/truetype/dejavu</dir>");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        setenv("FONTCONFIG_FILE", conf, 1);
        kva_pdf *d = NULL;
        kva_diag err = {0};
        kva_pdf_opts o = {.title = "t"};
        assert_int_equal(kva_pdf_new(&o, &d, &err), KVA_OK);
        unsetenv("FONTCONFIG_FILE");
        const kva_pdf_style st = {KVA_PDF_SANS, 10, 0};
        kva_pdf_text(d, &st, 50, 700, cases[i].text, strlen(cases[i].text));
        kva_error rc = kva_pdf_save(d, tmp_path("cjk.pdf"), &err);
        if (cases[i].package) {
            assert_int_equal(rc, KVA_ERR_RENDER);
            assert_non_null(err.message);
            if (!strstr(err.message, cases[i].package))
                fail_msg("case %zu: \"%s\" does not name %s", i, err.message,
                         cases[i].package);
        } else {
            assert_int_equal(rc, KVA_OK);
            assert_int_equal(kva_pdf_replaced(d), 0);
        }
        kva_diag_clear(&err);
        kva_pdf_free(d);
    }
}

/* Tables */

static const char *lorem(size_t words)
{
    static char buf[4096];
    static const char *const w[] = {"alpha", "beta", "gamma", "delta",
                                    "epsilon", "\xE5\xB1\xB1\xE7\x94\xB0",
                                    "J\xC3\xBCrgen"};
    size_t o = 0;
    for (size_t i = 0; i < words && o + 20 < sizeof buf; i++) {
        const char *x = w[i % 7];
        if (i)
            buf[o++] = ' ';
        memcpy(buf + o, x, strlen(x));
        o += strlen(x);
    }
    buf[o] = '\0';
    return buf;
}

/*
 * Rows of many heights: each one ends on the page it started on or on the
 * next one (never split), above the bottom margin; the table header is
 * drawn again on each new page.
 */
static void test_table_rows_never_split(void **state)
{
    (void)state;
    kva_pdf *d = new_doc();
    const kva_pdf_col cols[] = {{"Name", 120, KVA_PDF_LEFT, KVA_PDF_SANS},
                                {"Text", 0, KVA_PDF_LEFT, KVA_PDF_SANS},
                                {"N", 40, KVA_PDF_RIGHT, KVA_PDF_MONO}};
    const float bottom = 52;
    kva_pdf_table_begin(d, cols, 3, 8);
    for (int i = 0; i < 600; i++) {
        size_t pages = kva_pdf_page_count(d);
        float y = kva_pdf_y(d);
        char n[16];
        snprintf(n, sizeof n, "%d", i);
        char name[4096];
        snprintf(name, sizeof name, "%s", lorem((size_t)(1 + rnd(12))));
        kva_pdf_cell cells[3] = {{.text = name, .sub = "sub line",
                                  .sub_mono = true},
                                 {.text = lorem((size_t)(1 + rnd(90)))},
                                 {.text = n, .badge = i % 3 ? 0 : 0xC62828}};
        if (i % 50 == 7)
            kva_pdf_table_group(d, "a group of rows");
        kva_pdf_table_row(d, cells);
        size_t now = kva_pdf_page_count(d);
        if (now - pages > 1)
            fail_msg("row %d took pages %zu..%zu", i, pages, now);
        assert_true(kva_pdf_y(d) >= bottom - 0.01f);
        if (now == pages)
            assert_true(kva_pdf_y(d) < y);
    }
    kva_pdf_table_end(d);
    kva_diag err = {0};
    assert_int_equal(kva_pdf_status(d, &err), KVA_OK);
    assert_true(kva_pdf_page_count(d) > 10);
    assert_int_equal(kva_pdf_save(d, tmp_path("table.pdf"), &err), KVA_OK);
    kva_pdf_free(d);
}

/* A row (or a group row) taller than a page goes on over the next pages
 * instead of being cut, and the table carries on after it. */
static void test_table_row_taller_than_page(void **state)
{
    (void)state;
    kva_pdf *d = new_doc();
    const kva_pdf_col cols[] = {{"A", 100, KVA_PDF_LEFT, KVA_PDF_SANS},
                                {"B", 0, KVA_PDF_LEFT, KVA_PDF_SANS}};
    size_t len = 60000;
    char *big = malloc(len + 1);
    assert_non_null(big);
    for (size_t i = 0; i < len; i++)
        big[i] = i % 7 == 6 ? ' ' : (char)('a' + i % 26);
    big[len] = '\0';
    kva_pdf_table_begin(d, cols, 2, 8);
    kva_pdf_table_row(d, (kva_pdf_cell[]){{.text = "first"}, {.text = "x"}});
    size_t before = kva_pdf_page_count(d);
    kva_pdf_table_row(d, (kva_pdf_cell[]){{.text = "big"}, {.text = big}});
    assert_true(kva_pdf_page_count(d) >= before + 3);
    assert_true(kva_pdf_y(d) >= 52);
    kva_pdf_table_row(d, (kva_pdf_cell[]){{.text = "after"}, {.text = "y"}});
    /* A group row longer than a page, too. */
    before = kva_pdf_page_count(d);
    kva_pdf_table_group(d, big);
    kva_pdf_table_row(d, (kva_pdf_cell[]){{.text = "grouped"}, {.text = "z"}});
    assert_true(kva_pdf_page_count(d) >= before + 2);
    assert_true(kva_pdf_y(d) >= 52);
    kva_pdf_table_end(d);
    kva_diag err = {0};
    assert_int_equal(kva_pdf_save(d, tmp_path("tall.pdf"), &err), KVA_OK);
    free(big);
    kva_pdf_free(d);
}

/* A cell paragraph holds at most 32,767 characters (code points, not
 * bytes); a longer one is cut there with a marker and counted. */
static void test_table_cell_cut(void **state)
{
    (void)state;
    kva_pdf *d = new_doc();
    const kva_pdf_col cols[] = {{"A", 100, KVA_PDF_LEFT, KVA_PDF_SANS},
                                {"B", 0, KVA_PDF_LEFT, KVA_PDF_SANS}};
    /* "é" is two bytes: 32,767 of them are 65,534 bytes, not cut. */
    size_t n = 32767;
    char *s = malloc(2 * (n + 1) + 1);
    assert_non_null(s);
    for (size_t i = 0; i < n; i++)
        memcpy(s + 2 * i, "\xC3\xA9", 2);
    s[2 * n] = '\0';
    kva_pdf_table_begin(d, cols, 2, 8);
    kva_pdf_table_row(d, (kva_pdf_cell[]){{.text = "whole"}, {.text = s}});
    assert_int_equal(kva_pdf_cut(d), 0);
    memcpy(s + 2 * n, "\xC3\xA9", 2);
    s[2 * n + 2] = '\0';
    kva_pdf_table_row(d, (kva_pdf_cell[]){{.text = "cut"}, {.sub = s}});
    assert_int_equal(kva_pdf_cut(d), 1);
    kva_pdf_table_row(d, (kva_pdf_cell[]){{.text = s, .sub = s}, {.text = s}});
    assert_int_equal(kva_pdf_cut(d), 4);
    kva_pdf_table_end(d);
    kva_diag err = {0};
    assert_int_equal(kva_pdf_save(d, tmp_path("cut.pdf"), &err), KVA_OK);
    free(s);
    kva_pdf_free(d);
}

/* Charts: a single status (a full ring: libharu refuses a 360-degree arc),
 * nothing at all, and a sliver next to a big slice. */
static void test_donut_edge_cases(void **state)
{
    (void)state;
    kva_pdf *d = new_doc();
    const kva_pdf_slice one[] = {{"a", 0, 0xFF0000, "0"},
                                 {"b", 17, 0x00FF00, "17"},
                                 {"c", 0, 0x0000FF, "0"}};
    const kva_pdf_slice none[] = {{"a", 0, 0xFF0000, NULL}};
    const kva_pdf_slice sliver[] = {{"a", 1, 0xFF0000, NULL},
                                    {"b", 99999, 0x00FF00, NULL}};
    kva_pdf_donut(d, 100, 600, 50, 30, one, 3, "17", "subs");
    kva_pdf_donut(d, 300, 600, 50, 30, none, 1, "0", NULL);
    kva_pdf_donut(d, 100, 400, 50, 0, sliver, 2, NULL, NULL);
    kva_pdf_legend(d, 300, 400, 200, one, 3);
    const kva_pdf_bar bars[] = {{"x", 0, "0"}, {"y", 100, "all"},
                                {"z", -1, "n/a"}, {"w", 250, "odd"}};
    kva_pdf_hbars(d, 100, 300, 300, bars, 4);
    kva_diag err = {0};
    assert_int_equal(kva_pdf_save(d, tmp_path("donut.pdf"), &err), KVA_OK);
    kva_pdf_free(d);
}

/* The whole report */

#define G1 "11111111-1111-4111-8111-000000000001"
#define G2 "22222222-2222-4222-8222-000000000002"
#define G3 "33333333-3333-4333-8333-000000000003"
#define G4 "44444444-4444-4444-8444-000000000004"
#define G5 "55555555-5555-4555-8555-000000000005"

static char *xdup(const char *s)
{
    char *p = s ? strdup(s) : NULL;
    if (s)
        assert_non_null(p);
    return p;
}

static void add_tag(kva_tags *t, const char *k, const char *v)
{
    t->v = realloc(t->v, (t->n + 1) * sizeof *t->v);
    assert_non_null(t->v);
    t->v[t->n].key = xdup(k);
    t->v[t->n].value = xdup(v);
    t->n++;
}

typedef struct msub {
    const char *id, *name, *owner, *env, *tier; /* tier NULL: no evidence */
    size_t vaults;
} msub;

static const msub model_subs[] = {
    {G1, "Payments Prod", "J\xC3\xBCrgen M\xC3\xBCller", "prod", "Free", 12},
    {G2, "HR Prod", "\xD0\x9E\xD0\xBB\xD1\x8C\xD0\xB3\xD0\xB0 "
                    "\xD0\x9F\xD0\xB5\xD1\x82\xD1\x80\xD0\xBE\xD0\xB2\xD0\xB0",
     "production", "Standard", 5},
    {G3, "Data Prod", "\xE5\xB1\xB1\xE7\x94\xB0\xE5\xA4\xAA\xE9\x83\x8E",
     "prd", "Free", 7},
    {G4, "Mobile API", "\xEA\xB9\x80\xEB\xAF\xBC\xEC\xA4\x80", "dev", NULL,
     3},
    {G5, "Marketing", "Zo\xC3\xAB \xC3\x98rsted", "test", "Free", 2},
};

/* A model of five subscriptions whose owners write in five scripts;
 * `extra_owner` replaces the last owner when given. */
static kva_model *build_model(const char *extra_owner)
{
    kva_model *m = kva_model_new();
    assert_non_null(m);
    kva_input in = {.path = xdup("in/all.json"), .kind = KVA_KIND_MIXED,
                    .records = 40, .bytes = 1234};
    memset(in.sha256, 'a', 64);
    assert_int_equal(kva_model_add_input(m, &in, NULL), KVA_OK);
    for (size_t i = 0; i < sizeof model_subs / sizeof model_subs[0]; i++) {
        const msub *t = &model_subs[i];
        kva_sub s = {.id = xdup(t->id), .name = xdup(t->name),
                     .state = xdup("Enabled"), .from_inventory = true,
                     .line = 2, .col = 3};
        const char *owner = t->owner;
        if (extra_owner && i + 1 == sizeof model_subs / sizeof model_subs[0])
            owner = extra_owner;
        add_tag(&s.tags, "owner", owner);
        add_tag(&s.tags, "environment", t->env);
        assert_int_equal(kva_model_add_sub(m, &s), KVA_OK);
        if (t->tier) {
            kva_pricing p = {.sub_id = xdup(t->id), .plan = xdup("KeyVaults"),
                             .tier = xdup(t->tier),
                             .trial_remaining_s = KVA_UNKNOWN_SECONDS,
                             .enablement_time = KVA_UNKNOWN_TIME,
                             .deprecated = -1, .scope = KVA_SCOPE_SUBSCRIPTION,
                             .line = 5, .col = 1};
            assert_int_equal(kva_model_add_pricing(m, &p), KVA_OK);
        }
        for (size_t v = 0; v < t->vaults; v++) {
            char name[64], id[256];
            snprintf(name, sizeof name, "kv-%zu-%02zu", i, v);
            snprintf(id, sizeof id,
                     "/subscriptions/%s/resourceGroups/rg-%zu/providers/"
                     "Microsoft.KeyVault/vaults/%s",
                     t->id, i, name);
            kva_vault kv = {.id = xdup(id), .name = xdup(name),
                            .resource_group = xdup("rg"),
                            .location = xdup("westeurope"),
                            .sub_id = xdup(t->id), .line = 9, .col = 1};
            assert_int_equal(kva_model_add_vault(m, &kv), KVA_OK);
        }
    }
    return m;
}

typedef struct pipeline {
    kva_model *m;
    kva_result *r;
    kva_report rep;
} pipeline;

static void pipeline_run(pipeline *p, const char *extra_owner, bool all)
{
    p->m = build_model(extra_owner);
    kva_eval_opts o = {.as_of = 1795392000, /* 2026-11-23 */
                       .owner_tags = kva_default_owner_tags,
                       .n_owner_tags = kva_default_owner_tags_n,
                       .env_tags = kva_default_env_tags,
                       .n_env_tags = kva_default_env_tags_n};
    p->r = kva_evaluate(p->m, &o);
    assert_non_null(p->r);
    kva_diag err = {0};
    assert_int_equal(kva_remediation_fill(p->r, kva_templates_builtin(), &err),
                     KVA_OK);
    p->rep = (kva_report){.result = p->r,
                          .templates = kva_templates_builtin(),
                          .title = "Test report",
                          .org = "\xC3\x86gir & S\xC3\xB8n",
                          .as_of = 1795392000,
                          .command_line = "kvaudit report in",
                          .tool_version = "kvaudit 0.1.0",
                          .lib_versions = "test",
                          .pdf_vaults_all = all};
}

static void pipeline_free(pipeline *p)
{
    kva_result_free(p->r);
    kva_model_free(p->m);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    long n = ftell(fp);
    assert_true(n > 0);
    rewind(fp);
    char *buf = malloc((size_t)n);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    *len = (size_t)n;
    return buf;
}

static kva_pdf_stats render(pipeline *p, const char *name)
{
    kva_pdf_stats st;
    kva_diag err = {0};
    kva_error rc = kva_render_pdf_ex(&p->rep, tmp_path(name), &st, &err);
    if (rc != KVA_OK)
        fail_msg("render: %s", err.message ? err.message : "?");
    kva_diag_clear(&err);
    return st;
}

static void test_report_scripts(void **state)
{
    (void)state;
    pipeline p;
    pipeline_run(&p, NULL, false);
    kva_pdf_stats st = render(&p, "scripts.pdf");
    assert_true(st.pages >= 8);
    assert_int_equal(st.replaced, 0);
    size_t len;
    char *pdf = slurp(tmp_path("scripts.pdf"), &len);
    assert_memory_equal(pdf, "%PDF-1.", 7);
    /* The fonts that draw the five scripts are embedded. */
    static const char *const fonts[] = {"DejaVuSans", "DejaVuSansMono",
                                        "WenQuanYiZenHei", "NanumGothic"};
    for (size_t i = 0; i < 4; i++) {
        bool found = false;
        size_t fl = strlen(fonts[i]);
        for (size_t j = 0; j + fl < len && !found; j++)
            found = memcmp(pdf + j, fonts[i], fl) == 0;
        if (!found)
            fail_msg("font %s not embedded", fonts[i]);
    }
    free(pdf);
    pipeline_free(&p);
}

/* Characters no font has are drawn as U+FFFD and counted: twice as many
 * when the owner holds two of them. */
static void test_report_counts_replaced(void **state)
{
    (void)state;
    pipeline p1, p2;
    pipeline_run(&p1, "Ops \xF0\x9F\x9A\x80", false);
    pipeline_run(&p2, "Ops \xF0\x9F\x9A\x80\xF0\x9F\x9A\x80", false);
    kva_pdf_stats s1 = render(&p1, "r1.pdf");
    kva_pdf_stats s2 = render(&p2, "r2.pdf");
    assert_true(s1.replaced > 0);
    assert_int_equal(s2.replaced, 2 * s1.replaced);
    pipeline_free(&p1);
    pipeline_free(&p2);
}

static void test_report_deterministic(void **state)
{
    (void)state;
    pipeline p;
    pipeline_run(&p, NULL, true);
    render(&p, "d1.pdf");
    render(&p, "d2.pdf");
    size_t l1, l2;
    char *a = slurp(tmp_path("d1.pdf"), &l1);
    char *b = slurp(tmp_path("d2.pdf"), &l2);
    assert_int_equal(l1, l2);
    assert_memory_equal(a, b, l1);
    /* The creation date is the as-of time, in the document information. */
    const char *date = "D:20261123000000Z";
    bool found = false;
    for (size_t j = 0; j + strlen(date) < l1 && !found; j++)
        found = memcmp(a + j, date, strlen(date)) == 0;
    assert_true(found);
    free(a);
    free(b);
    pipeline_free(&p);
}

/* --pdf-vaults all lists every vault; the default only those of
 * subscriptions that are not covered (so fewer pages here). */
static void test_report_vaults_all(void **state)
{
    (void)state;
    pipeline p1, p2;
    pipeline_run(&p1, NULL, false);
    pipeline_run(&p2, NULL, true);
    kva_pdf_stats s1 = render(&p1, "v1.pdf");
    kva_pdf_stats s2 = render(&p2, "v2.pdf");
    assert_true(s2.pages >= s1.pages);
    pipeline_free(&p1);
    pipeline_free(&p2);
}

/* Every string of the shared hostile fixture reaches the PDF without
 * breaking it. */
static void test_report_hostile_text(void **state)
{
    (void)state;
    fx_report fx;
    fx_build(&fx);
    kva_pdf_stats st;
    kva_diag err = {0};
    assert_int_equal(kva_render_pdf_ex(&fx.rep, tmp_path("hostile.pdf"), &st,
                                       &err),
                     KVA_OK);
    assert_true(st.pages >= 5);
    kva_diag_clear(&err);
    fx_free(&fx);
}

/* An unwritable path is an I/O error, not a crash. */
static void test_report_unwritable(void **state)
{
    (void)state;
    pipeline p;
    pipeline_run(&p, NULL, false);
    kva_diag err = {0};
    kva_error rc = kva_render_pdf_ex(&p.rep, "/nonexistent-dir/x/report.pdf",
                                     NULL, &err);
    assert_int_not_equal(rc, KVA_OK);
    assert_non_null(err.message);
    kva_diag_clear(&err);
    pipeline_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wrap_table),
        cmocka_unit_test(test_wrap_cjk),
        cmocka_unit_test(test_wrap_code_property),
        cmocka_unit_test(test_wrap_long_linear),
        cmocka_unit_test(test_glyph_fallback),
        cmocka_unit_test(test_missing_dejavu),
        cmocka_unit_test(test_missing_cjk),
        cmocka_unit_test(test_table_rows_never_split),
        cmocka_unit_test(test_table_row_taller_than_page),
        cmocka_unit_test(test_table_cell_cut),
        cmocka_unit_test(test_donut_edge_cases),
        cmocka_unit_test(test_report_scripts),
        cmocka_unit_test(test_report_counts_replaced),
        cmocka_unit_test(test_report_deterministic),
        cmocka_unit_test(test_report_vaults_all),
        cmocka_unit_test(test_report_hostile_text),
        cmocka_unit_test(test_report_unwritable),
    };
    return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}

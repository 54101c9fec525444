#include "pdf_fonts.h"

#include <fontconfig/fontconfig.h>
#include <hpdf_font.h>
#include <hpdf_fontdef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Faces beyond the five known ones come from fontconfig searches; both are
 * capped so that text full of exotic characters cannot make the document
 * embed every font of the system or spend its time searching. */
#define MAX_FACES 24
#define MAX_SEARCHES 64

#define CACHE_REPLACED 255 /* role cache: no face draws it */
#define BMP 0x10000u

enum { FACE_SANS, FACE_BOLD, FACE_MONO, FACE_WQY, FACE_NANUM, FACE__KNOWN };

typedef struct known_face {
    const char *family;
    int weight;
    const char *package;
} known_face;

static const known_face known[FACE__KNOWN] = {
    [FACE_SANS] = {"DejaVu Sans", FC_WEIGHT_REGULAR, "fonts-dejavu-core"},
    [FACE_BOLD] = {"DejaVu Sans", FC_WEIGHT_BOLD, "fonts-dejavu-core"},
    [FACE_MONO] = {"DejaVu Sans Mono", FC_WEIGHT_REGULAR, "fonts-dejavu-core"},
    [FACE_WQY] = {"WenQuanYi Zen Hei", FC_WEIGHT_REGULAR, "fonts-wqy-zenhei"},
    [FACE_NANUM] = {"NanumGothic", FC_WEIGHT_REGULAR, "fonts-nanum"},
};

typedef struct face {
    char *file;          /* NULL: not installed */
    int index;           /* in a collection */
    char *family;        /* for messages */
    FcCharSet *charset;  /* fontconfig's view, to skip loading; may be NULL */
    HPDF_Font font;      /* NULL until loaded */
    HPDF_FontDef def;
    bool failed;         /* libharu could not load it */
    FILE *fp;            /* to read glyph headers */
    uint8_t *drawable;   /* per BMP code point: 0 unknown, 1 yes, 2 no */
    int16_t *widths;     /* per BMP code point, -1 unknown */
} face;

struct kva_pdf_fonts {
    HPDF_Doc doc;
    kva_pdf_hpdf_err *hpdf_err;
    FcConfig *fc;
    face faces[MAX_FACES];
    unsigned n_faces;
    uint8_t *cache[KVA_PDF_ROLE__COUNT]; /* 0 unknown, face + 1, or
                                            CACHE_REPLACED */
    unsigned searches;
    kva_error error;
    char *error_msg;
};

void kva_pdf_hpdf_handler(HPDF_STATUS code, HPDF_STATUS detail, void *user)
{
    kva_pdf_hpdf_err *e = user;
    if (e && e->code == 0) {
        e->code = code;
        e->detail = detail;
    }
}

const char *kva_pdf_hpdf_strerror(HPDF_STATUS code)
{
    switch (code) {
    case HPDF_FAILD_TO_ALLOC_MEM: return "out of memory";
    case HPDF_FILE_IO_ERROR: return "file I/O error";
    case HPDF_FILE_OPEN_ERROR: return "cannot open file";
    case HPDF_FONT_EXISTS: return "font already loaded";
    case HPDF_INVALID_TTC_FILE: return "not a TrueType collection";
    case HPDF_INVALID_TTC_INDEX: return "no such font in the collection";
    case HPDF_TTF_CANNOT_EMBEDDING_FONT: return "the font forbids embedding";
    case HPDF_TTF_INVALID_CMAP: return "unsupported cmap table";
    case HPDF_TTF_INVALID_FOMAT: return "unsupported TrueType font";
    case HPDF_TTF_MISSING_TABLE: return "TrueType table missing";
    case HPDF_STRING_OUT_OF_RANGE: return "string too long";
    case HPDF_REAL_OUT_OF_RANGE: return "number out of range";
    case HPDF_INVALID_PARAMETER: return "invalid parameter";
    case HPDF_ZLIB_ERROR: return "zlib error";
    case HPDF_PAGE_INSUFFICIENT_SPACE: return "text does not fit";
    default: return "";
    }
}

static void set_error(kva_pdf_fonts *f, kva_error code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_error(kva_pdf_fonts *f, kva_error code, const char *fmt, ...)
{
    if (f->error != KVA_OK)
        return;
    f->error = code;
    va_list ap;
    va_start(ap, fmt);
    char buf[512];
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    f->error_msg = strdup(buf); /* NULL on OOM: status says "out of memory" */
}

static bool is_hangul(uint32_t cp)
{
    return (cp >= 0x1100 && cp <= 0x11FF) || (cp >= 0x3130 && cp <= 0x318F) ||
           (cp >= 0xA960 && cp <= 0xA97F) || (cp >= 0xAC00 && cp <= 0xD7FF);
}

static bool is_han_or_kana(uint32_t cp)
{
    return (cp >= 0x2E80 && cp <= 0x2FDF) || (cp >= 0x3000 && cp <= 0x30FF) ||
           (cp >= 0x31F0 && cp <= 0x31FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
           (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
           (cp >= 0xFF00 && cp <= 0xFFEF);
}

/* Characters whose glyph is empty by design (spaces, format controls). */
static bool is_blank_char(uint32_t cp)
{
    return cp == 0x20 || cp == 0xA0 || cp == 0xAD || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202F) ||
           (cp >= 0x205F && cp <= 0x206F) || cp == 0x3000 || cp == 0xFEFF;
}

static bool never_drawn(uint32_t cp)
{
    return cp >= BMP || cp < 0x20 || (cp >= 0x7F && cp < 0xA0) ||
           (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF;
}

/*
 * The installed face of `family` closest to `weight`, upright and of
 * normal width (DejaVu Sans Condensed and ExtraLight share the family
 * name). Only TrueType outlines: libharu 2.3.0 cannot embed CFF. Ties are
 * broken by path so that the choice never depends on fontconfig's order.
 */
static kva_error find_face(FcConfig *fc, const char *family, int weight,
                           face *out)
{
    kva_error rc = KVA_ERR_NOMEM;
    FcPattern *pat = FcPatternBuild(NULL, FC_FAMILY, FcTypeString,
                                    (const FcChar8 *)family, (char *)0);
    FcObjectSet *os = FcObjectSetBuild(FC_FILE, FC_INDEX, FC_WEIGHT, FC_SLANT,
                                       FC_WIDTH, FC_FONTFORMAT, FC_CHARSET,
                                       (char *)0);
    FcFontSet *fs = NULL;
    if (!pat || !os)
        goto fail;
    fs = FcFontList(fc, pat, os);
    rc = KVA_OK;
    if (!fs)
        goto fail;
    FcPattern *best = NULL;
    long best_score = 0;
    const char *best_file = NULL;
    int best_index = 0;
    for (int i = 0; i < fs->nfont; i++) {
        FcPattern *p = fs->fonts[i];
        FcChar8 *file = NULL, *format = NULL;
        int index = 0, w = FC_WEIGHT_REGULAR, slant = FC_SLANT_ROMAN,
            width = FC_WIDTH_NORMAL;
        if (FcPatternGetString(p, FC_FILE, 0, &file) != FcResultMatch)
            continue;
        if (FcPatternGetString(p, FC_FONTFORMAT, 0, &format) ==
                FcResultMatch &&
            strcmp((const char *)format, "TrueType") != 0)
            continue;
        FcPatternGetInteger(p, FC_INDEX, 0, &index);
        FcPatternGetInteger(p, FC_WEIGHT, 0, &w);
        FcPatternGetInteger(p, FC_SLANT, 0, &slant);
        FcPatternGetInteger(p, FC_WIDTH, 0, &width);
        long score = labs((long)w - weight) +
                     (slant != FC_SLANT_ROMAN ? 10000 : 0) +
                     2 * labs((long)width - FC_WIDTH_NORMAL);
        int cmp = best ? strcmp((const char *)file, best_file) : 0;
        if (!best || score < best_score ||
            (score == best_score && (cmp < 0 || (cmp == 0 &&
                                                 index < best_index)))) {
            best = p;
            best_score = score;
            best_file = (const char *)file;
            best_index = index;
        }
    }
    if (best) {
        FcCharSet *cs = NULL;
        out->file = strdup(best_file);
        out->family = strdup(family);
        out->index = best_index;
        if (FcPatternGetCharSet(best, FC_CHARSET, 0, &cs) == FcResultMatch)
            out->charset = FcCharSetCopy(cs);
        if (!out->file || !out->family)
            rc = KVA_ERR_NOMEM;
    }
fail:
    if (fs)
        FcFontSetDestroy(fs);
    if (os)
        FcObjectSetDestroy(os);
    if (pat)
        FcPatternDestroy(pat);
    return rc;
}

static void face_clear(face *fc)
{
    free(fc->file);
    free(fc->family);
    if (fc->charset)
        FcCharSetDestroy(fc->charset);
    if (fc->fp)
        fclose(fc->fp);
    free(fc->drawable);
    free(fc->widths);
    memset(fc, 0, sizeof *fc);
}

/*
 * Load a face into the document. A failure leaves the document usable
 * (libharu's error is reset) and marks the face failed; *code receives
 * libharu's error number.
 */
static bool face_load(kva_pdf_fonts *f, face *fc, HPDF_STATUS *code)
{
    *code = 0;
    if (fc->font)
        return true;
    if (fc->failed || !fc->file)
        return false;
    unsigned char magic[4] = {0};
    fc->fp = fopen(fc->file, "rb");
    if (!fc->fp || fread(magic, 1, 4, fc->fp) != 4) {
        *code = HPDF_FILE_OPEN_ERROR;
        fc->failed = true;
        return false;
    }
    kva_pdf_hpdf_err saved = *f->hpdf_err;
    const char *name =
        memcmp(magic, "ttcf", 4) == 0
            ? HPDF_LoadTTFontFromFile2(f->doc, fc->file, (HPDF_UINT)fc->index,
                                       HPDF_TRUE)
            : HPDF_LoadTTFontFromFile(f->doc, fc->file, HPDF_TRUE);
    HPDF_Font font = name ? HPDF_GetFont(f->doc, name, "UTF-8") : NULL;
    HPDF_FontDef def = NULL;
    if (font && font->attr)
        def = ((HPDF_FontAttr)font->attr)->fontdef;
    if (!def || def->type != HPDF_FONTDEF_TYPE_TRUETYPE || !def->attr) {
        *code = f->hpdf_err->code ? f->hpdf_err->code : HPDF_INVALID_FONT;
        HPDF_ResetError(f->doc);
        *f->hpdf_err = saved;
        fc->failed = true;
        return false;
    }
    fc->font = font;
    fc->def = def;
    return true;
}

static int read_i16(FILE *fp, unsigned long off, bool *ok)
{
    unsigned char b[2];
    if (fseek(fp, (long)off, SEEK_SET) != 0 || fread(b, 1, 2, fp) != 2) {
        *ok = false;
        return 0;
    }
    return (int16_t)(uint16_t)((unsigned)b[0] << 8 | b[1]);
}

/* Byte extent of glyph gid inside the glyf table; false when out of range. */
static bool glyph_extent(HPDF_TTFontDefAttr a, unsigned gid,
                         unsigned long *off, unsigned long *len)
{
    if (gid >= a->num_glyphs || !a->glyph_tbl.offsets)
        return false;
    unsigned long m = a->header.index_to_loc_format == 0 ? 2 : 1;
    unsigned long s = (unsigned long)a->glyph_tbl.offsets[gid] * m;
    unsigned long e = (unsigned long)a->glyph_tbl.offsets[gid + 1] * m;
    if (e < s)
        return false;
    *off = (unsigned long)a->glyph_tbl.base_offset + s;
    *len = e - s;
    return true;
}

/*
 * Will libharu draw cp with this face? Mirrors what it embeds: a simple
 * glyph, or a composite whose components are simple glyphs with an index
 * below 32768 (it reads component indexes as signed 16-bit and does not
 * follow nested composites).
 */
static bool face_draws(face *fc, uint32_t cp)
{
    HPDF_TTFontDefAttr a = fc->def->attr;
    unsigned gid = HPDF_TTFontDef_GetGlyphid(fc->def, (HPDF_UINT16)cp);
    unsigned long off, len;
    if (gid == 0 || !glyph_extent(a, gid, &off, &len))
        return false;
    if (len == 0)
        return is_blank_char(cp);
    if (len < 10)
        return false;
    bool ok = true;
    int contours = read_i16(fc->fp, off, &ok);
    if (!ok)
        return false;
    if (contours >= 0)
        return true;
    unsigned long p = off + 10, end = off + len;
    for (int n = 0; n < 64; n++) {
        if (p + 4 > end)
            return false;
        unsigned flags = (uint16_t)read_i16(fc->fp, p, &ok);
        unsigned comp = (uint16_t)read_i16(fc->fp, p + 2, &ok);
        unsigned long coff, clen;
        if (!ok || comp == 0 || comp >= 0x8000 ||
            !glyph_extent(a, comp, &coff, &clen))
            return false;
        if (clen > 0 && (clen < 10 || read_i16(fc->fp, coff, &ok) < 0 || !ok))
            return false;
        p += 4 + ((flags & 0x0001) ? 4 : 2);
        if (flags & 0x0008)
            p += 2;
        else if (flags & 0x0040)
            p += 4;
        else if (flags & 0x0080)
            p += 8;
        if (!(flags & 0x0020))
            return true;
    }
    return false;
}

/* Load (if needed) and test one face for cp, with the per-face cache. */
static bool try_face(kva_pdf_fonts *f, unsigned i, uint32_t cp)
{
    face *fc = &f->faces[i];
    if (!fc->file || fc->failed)
        return false;
    if (fc->charset && !FcCharSetHasChar(fc->charset, cp))
        return false;
    HPDF_STATUS code;
    if (!face_load(f, fc, &code))
        return false;
    if (!fc->drawable) {
        fc->drawable = calloc(BMP, 1);
        if (!fc->drawable) {
            set_error(f, KVA_ERR_NOMEM, "out of memory");
            return false;
        }
    }
    if (fc->drawable[cp] == 0)
        fc->drawable[cp] = face_draws(fc, cp) ? 1 : 2;
    return fc->drawable[cp] == 1;
}

static bool face_known(const kva_pdf_fonts *f, const char *file, int index)
{
    for (unsigned i = 0; i < f->n_faces; i++)
        if (f->faces[i].file && f->faces[i].index == index &&
            strcmp(f->faces[i].file, file) == 0)
            return true;
    return false;
}

typedef struct cand {
    const char *file;
    int index;
    const char *family;
} cand;

static int cand_cmp(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    int c = strcmp(x->file, y->file);
    return c ? c : (x->index > y->index) - (x->index < y->index);
}

/* Ask fontconfig for any TrueType face with cp; add the first that draws
 * it. Returns its index or -1. */
static int search_face(kva_pdf_fonts *f, uint32_t cp)
{
    if (f->searches >= MAX_SEARCHES || f->n_faces >= MAX_FACES)
        return -1;
    f->searches++;
    int found = -1;
    FcCharSet *cs = FcCharSetCreate();
    FcPattern *pat = FcPatternCreate();
    FcObjectSet *os = FcObjectSetBuild(FC_FILE, FC_INDEX, FC_FAMILY,
                                       FC_FONTFORMAT, (char *)0);
    FcFontSet *fs = NULL;
    cand *cands = NULL;
    if (!cs || !pat || !os || !FcCharSetAddChar(cs, cp) ||
        !FcPatternAddCharSet(pat, FC_CHARSET, cs))
        goto done;
    fs = FcFontList(f->fc, pat, os);
    if (!fs || fs->nfont <= 0)
        goto done;
    cands = calloc((size_t)fs->nfont, sizeof *cands);
    if (!cands)
        goto done;
    size_t n = 0;
    for (int i = 0; i < fs->nfont; i++) {
        FcChar8 *file = NULL, *format = NULL, *family = NULL;
        int index = 0;
        if (FcPatternGetString(fs->fonts[i], FC_FILE, 0, &file) !=
                FcResultMatch ||
            FcPatternGetString(fs->fonts[i], FC_FONTFORMAT, 0, &format) !=
                FcResultMatch ||
            strcmp((const char *)format, "TrueType") != 0)
            continue;
        FcPatternGetInteger(fs->fonts[i], FC_INDEX, 0, &index);
        if (FcPatternGetString(fs->fonts[i], FC_FAMILY, 0, &family) !=
            FcResultMatch)
            family = (FcChar8 *)"";
        if (face_known(f, (const char *)file, index))
            continue;
        cands[n++] = (cand){(const char *)file, index, (const char *)family};
    }
    qsort(cands, n, sizeof *cands, cand_cmp);
    for (size_t i = 0; i < n && f->n_faces < MAX_FACES; i++) {
        face *fc = &f->faces[f->n_faces];
        fc->file = strdup(cands[i].file);
        fc->family = strdup(cands[i].family);
        fc->index = cands[i].index;
        if (!fc->file || !fc->family) {
            face_clear(fc);
            set_error(f, KVA_ERR_NOMEM, "out of memory");
            break;
        }
        f->n_faces++;
        if (try_face(f, f->n_faces - 1, cp)) {
            found = (int)f->n_faces - 1;
            break;
        }
    }
done:
    free(cands);
    if (fs)
        FcFontSetDestroy(fs);
    if (os)
        FcObjectSetDestroy(os);
    if (pat)
        FcPatternDestroy(pat);
    if (cs)
        FcCharSetDestroy(cs);
    return found;
}

/* Face index + 1 for cp in a role, or CACHE_REPLACED. */
static uint8_t resolve(kva_pdf_fonts *f, kva_pdf_role role, uint32_t cp)
{
    static const unsigned role_face[KVA_PDF_ROLE__COUNT] = {
        [KVA_PDF_SANS] = FACE_SANS, [KVA_PDF_BOLD] = FACE_BOLD,
        [KVA_PDF_MONO] = FACE_MONO};
    if (never_drawn(cp))
        return CACHE_REPLACED;
    if (try_face(f, role_face[role], cp))
        return (uint8_t)(role_face[role] + 1);
    if (role != KVA_PDF_SANS && try_face(f, FACE_SANS, cp))
        return FACE_SANS + 1;
    for (unsigned i = FACE_WQY; i < f->n_faces; i++)
        if (try_face(f, i, cp))
            return (uint8_t)(i + 1);
    int found = search_face(f, cp);
    if (found >= 0)
        return (uint8_t)(found + 1);
    if (is_hangul(cp) && !f->faces[FACE_NANUM].file)
        set_error(f, KVA_ERR_RENDER,
                  "no font draws the Hangul character U+%04X: install the "
                  "package %s (font %s)",
                  (unsigned)cp, known[FACE_NANUM].package,
                  known[FACE_NANUM].family);
    else if (is_han_or_kana(cp) && !f->faces[FACE_WQY].file)
        set_error(f, KVA_ERR_RENDER,
                  "no font draws the CJK character U+%04X: install the "
                  "package %s (font %s)",
                  (unsigned)cp, known[FACE_WQY].package,
                  known[FACE_WQY].family);
    return CACHE_REPLACED;
}

static uint8_t lookup(kva_pdf_fonts *f, kva_pdf_role role, uint32_t cp)
{
    if (cp >= BMP)
        return CACHE_REPLACED;
    if (!f->cache[role]) {
        f->cache[role] = calloc(BMP, 1);
        if (!f->cache[role]) {
            set_error(f, KVA_ERR_NOMEM, "out of memory");
            return resolve(f, role, cp);
        }
    }
    if (f->cache[role][cp] == 0)
        f->cache[role][cp] = resolve(f, role, cp);
    return f->cache[role][cp];
}

static float face_width(kva_pdf_fonts *f, face *fc, uint32_t cp)
{
    if (!fc->widths) {
        fc->widths = malloc(BMP * sizeof *fc->widths);
        if (!fc->widths) {
            set_error(f, KVA_ERR_NOMEM, "out of memory");
            return (float)HPDF_Font_GetUnicodeWidth(fc->font,
                                                    (HPDF_UNICODE)cp);
        }
        for (size_t i = 0; i < BMP; i++)
            fc->widths[i] = -1;
    }
    if (fc->widths[cp] < 0) {
        /* Measuring marks the glyph as used, so libharu embeds it. */
        HPDF_INT w = HPDF_Font_GetUnicodeWidth(fc->font, (HPDF_UNICODE)cp);
        fc->widths[cp] = (int16_t)(w < 0 ? 0 : w > 0x7FFF ? 0x7FFF : w);
    }
    return fc->widths[cp];
}

void kva_pdf_fonts_glyph(kva_pdf_fonts *f, kva_pdf_role role, uint32_t cp,
                         kva_pdf_glyph *g)
{
    if ((unsigned)role >= KVA_PDF_ROLE__COUNT)
        role = KVA_PDF_SANS;
    uint8_t v = lookup(f, role, cp);
    g->replaced = false;
    g->cp = cp;
    if (v == CACHE_REPLACED) {
        g->replaced = true;
        g->cp = 0xFFFD;
        v = lookup(f, role, 0xFFFD);
        if (v == CACHE_REPLACED) {
            /* Every DejaVu face has U+FFFD; this is for odd installs. */
            g->cp = '?';
            v = lookup(f, role, '?');
            if (v == CACHE_REPLACED)
                v = (uint8_t)(role == KVA_PDF_SANS ? FACE_SANS + 1
                              : role == KVA_PDF_BOLD ? FACE_BOLD + 1
                                                     : FACE_MONO + 1);
        }
    }
    face *fc = &f->faces[v - 1];
    g->face = v - 1u;
    g->font = fc->font;
    g->width = face_width(f, fc, g->cp);
}

HPDF_Font kva_pdf_fonts_role(const kva_pdf_fonts *f, kva_pdf_role role)
{
    switch (role) {
    case KVA_PDF_BOLD: return f->faces[FACE_BOLD].font;
    case KVA_PDF_MONO: return f->faces[FACE_MONO].font;
    default: return f->faces[FACE_SANS].font;
    }
}

kva_error kva_pdf_fonts_status(const kva_pdf_fonts *f, kva_diag *err)
{
    if (f->error != KVA_OK)
        kva_diag_set(err, f->error, NULL, 0, 0, "%s",
                     f->error_msg ? f->error_msg : kva_strerror(f->error));
    return f->error;
}

kva_error kva_pdf_fonts_new(HPDF_Doc doc, kva_pdf_hpdf_err *hpdf_err,
                            kva_pdf_fonts **out, kva_diag *err)
{
    kva_error rc = KVA_ERR_NOMEM;
    *out = NULL;
    kva_pdf_fonts *f = calloc(1, sizeof *f);
    if (!f)
        goto fail;
    f->doc = doc;
    f->hpdf_err = hpdf_err;
    /* A private configuration: honours FONTCONFIG_FILE, shares nothing
     * with other threads. */
    f->fc = FcInitLoadConfigAndFonts();
    if (!f->fc) {
        rc = KVA_ERR_RENDER;
        kva_diag_set(err, rc, NULL, 0, 0,
                     "fontconfig could not load its configuration: install "
                     "the package fontconfig-config and %s",
                     known[FACE_SANS].package);
        goto fail;
    }
    for (unsigned i = 0; i < FACE__KNOWN; i++) {
        f->n_faces++;
        if (find_face(f->fc, known[i].family, known[i].weight, &f->faces[i]) !=
            KVA_OK)
            goto nomem;
    }
    for (unsigned i = FACE_SANS; i <= FACE_MONO; i++) {
        HPDF_STATUS code;
        if (!f->faces[i].file) {
            rc = KVA_ERR_RENDER;
            kva_diag_set(err, rc, NULL, 0, 0,
                         "font '%s' (TrueType) not found by fontconfig: "
                         "install the package %s",
                         known[i].family, known[i].package);
            goto fail;
        }
        if (!face_load(f, &f->faces[i], &code)) {
            rc = code == HPDF_FAILD_TO_ALLOC_MEM ? KVA_ERR_NOMEM
                                                 : KVA_ERR_RENDER;
            kva_diag_set(err, rc, f->faces[i].file, 0, 0,
                         "cannot load font '%s': libharu error 0x%04X%s%s "
                         "(reinstall the package %s)",
                         known[i].family, (unsigned)code,
                         *kva_pdf_hpdf_strerror(code) ? ", " : "",
                         kva_pdf_hpdf_strerror(code), known[i].package);
            goto fail;
        }
    }
    *out = f;
    return KVA_OK;
nomem:
    rc = KVA_ERR_NOMEM;
    kva_diag_set(err, rc, NULL, 0, 0, "out of memory");
fail:
    if (rc == KVA_ERR_NOMEM && err && err->code != KVA_ERR_NOMEM)
        kva_diag_set(err, rc, NULL, 0, 0, "out of memory");
    kva_pdf_fonts_free(f);
    return rc;
}

void kva_pdf_fonts_free(kva_pdf_fonts *f)
{
    if (!f)
        return;
    for (unsigned i = 0; i < f->n_faces; i++)
        face_clear(&f->faces[i]);
    for (unsigned r = 0; r < KVA_PDF_ROLE__COUNT; r++)
        free(f->cache[r]);
    if (f->fc)
        FcConfigDestroy(f->fc);
    free(f->error_msg);
    free(f);
}

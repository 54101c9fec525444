/*
 * Decoding and scanning alone, straight from memory: many more inputs a
 * second than fuzz_read, and every claim the scanner makes is checked.
 *
 *   - a scan that succeeds leaves text that is valid UTF-8 and that cJSON
 *     parses (cJSON accepts more than the scanner: never less), with the
 *     same top-level type and member count;
 *   - every span it records lies inside the text and parses alone to the
 *     type recorded for it: this is how the readers cut records out of a
 *     file, so a wrong span would feed them a wrong record;
 *   - an error has a message and an offset inside the input, and the
 *     incremental position agrees with the direct one;
 *   - the bytes as a string through the duration, time, GUID and UTF-8
 *     helpers: a time that parses is written back and parses to the same
 *     instant.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fuzz.h"
#include "inventory/scan.h"
#include "text.h"

static int cjson_type(const cJSON *j)
{
    if (cJSON_IsNull(j))
        return KVA_J_NULL;
    if (cJSON_IsFalse(j))
        return KVA_J_FALSE;
    if (cJSON_IsTrue(j))
        return KVA_J_TRUE;
    if (cJSON_IsNumber(j))
        return KVA_J_NUMBER;
    if (cJSON_IsString(j))
        return KVA_J_STRING;
    if (cJSON_IsArray(j))
        return KVA_J_ARRAY;
    if (cJSON_IsObject(j))
        return KVA_J_OBJECT;
    return -1;
}

/* Parse text[sp] alone, as a reader parses one record, and compare the
 * type with the scanner's. */
static void check_span(const char *text, size_t len, kva_span sp,
                       kva_jtype type)
{
    const char *end = NULL;
    cJSON *j;

    KVA_FUZZ_CHECK(sp.off <= len && sp.len <= len - sp.off);
    KVA_FUZZ_CHECK(sp.len > 0);
    /* cJSON fails only on bad JSON or no memory, and a fuzzer's malloc
       does not fail: NULL is a disagreement. */
    j = cJSON_ParseWithLengthOpts(text + sp.off, sp.len, &end, false);
    KVA_FUZZ_CHECK(j != NULL);
    KVA_FUZZ_CHECK(cjson_type(j) == (int)type);
    KVA_FUZZ_CHECK(end == text + sp.off + sp.len);
    cJSON_Delete(j);
}

static void check_scan(const char *text, size_t len, const kva_scan *s)
{
    const char *end = NULL;
    cJSON *root;

    KVA_FUZZ_CHECK(kva_utf8_valid(text, len, NULL));
    root = cJSON_ParseWithLengthOpts(text, len, &end, false);
    KVA_FUZZ_CHECK(root != NULL);
    KVA_FUZZ_CHECK(cjson_type(root) == (int)s->top);
    check_span(text, len, s->top_span, s->top);
    if (s->top == KVA_J_ARRAY) {
        KVA_FUZZ_CHECK((size_t)cJSON_GetArraySize(root) == s->n_elems);
        for (size_t i = 0; i < s->n_elems; i++)
            check_span(text, len, s->elems[i], s->elem_types[i]);
    } else if (s->top == KVA_J_OBJECT) {
        KVA_FUZZ_CHECK((size_t)cJSON_GetArraySize(root) == s->n_members);
        for (size_t i = 0; i < s->n_members; i++) {
            const kva_scan_member *m = &s->members[i];

            KVA_FUZZ_CHECK(m->key.off < len && m->key.len < len - m->key.off);
            KVA_FUZZ_CHECK(m->key.off > 0 && text[m->key.off - 1] == '"');
            KVA_FUZZ_CHECK(text[m->key.off + m->key.len] == '"');
            check_span(text, len, m->value, m->type);
            (void)kva_scan_key_is(text, m, "value");
            (void)kva_scan_key_is(text, m, "data");
            if (m->type == KVA_J_ARRAY)
                for (size_t k = 0; k < m->n_elems; k++)
                    check_span(text, len, m->elems[k], m->elem_types[k]);
        }
    }
    cJSON_Delete(root);
}

static void check_position(const char *text, size_t len, size_t off)
{
    uint32_t line, col, line2, col2;
    kva_poscache pc = {0};

    KVA_FUZZ_CHECK(off <= len);
    kva_text_position(text, len, off, &line, &col);
    KVA_FUZZ_CHECK(line >= 1 && col >= 1);
    kva_text_position_at(&pc, text, len, off / 2, &line2, &col2);
    kva_text_position_at(&pc, text, len, off, &line2, &col2);
    KVA_FUZZ_CHECK(line == line2 && col == col2);
}

static void scan(const uint8_t *data, size_t size)
{
    kva_encoding enc;
    const char *text, *what;
    size_t len, off;
    bool owned;
    kva_scan s = {0};
    kva_error e;

    e = kva_text_decode(data, size, &enc, &text, &len, &owned, &off, &what);
    if (e != KVA_OK) {
        uint32_t line, col;

        KVA_FUZZ_CHECK(what != NULL);
        KVA_FUZZ_CHECK(off <= size);
        kva_text_position_raw(data, size, enc, off, &line, &col);
        return;
    }
    e = kva_scan_json(text, len, &s, &off, &what);
    if (e == KVA_OK) {
        check_scan(text, len, &s);
    } else {
        KVA_FUZZ_CHECK(what != NULL);
        KVA_FUZZ_CHECK(e == KVA_ERR_SYNTAX || e == KVA_ERR_UTF8 ||
                       e == KVA_ERR_DEPTH || e == KVA_ERR_NOMEM);
        check_position(text, len, off);
    }
    kva_scan_free(&s);
    if (owned)
        free((void *)text);
}

/* Years 0000 to 9999: what kva_time_format writes in full. */
static bool formattable(int64_t t)
{
    return t >= kva_days_from_civil(0, 1, 1) * 86400 &&
           t < kva_days_from_civil(10000, 1, 1) * 86400;
}

static void helpers(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1), *clean;
    int64_t v, v2;
    size_t replaced, bad;
    bool valid;

    if (!s)
        return;
    memcpy(s, data, size);
    s[size] = '\0';

    (void)kva_duration_parse(s, &v);
    if (kva_time_parse(s, &v) && formattable(v)) {
        char buf[21];

        kva_time_format(v, buf);
        KVA_FUZZ_CHECK(kva_time_parse(buf, &v2) && v2 == v);
    }
    if (kva_date_parse(s, &v)) {
        char buf[11];

        KVA_FUZZ_CHECK(formattable(v));
        kva_date_format(v, buf);
        KVA_FUZZ_CHECK(kva_date_parse(buf, &v2) && v2 == v);
    }
    if (kva_is_guid(s))
        KVA_FUZZ_CHECK(strlen(s) == 36);

    valid = kva_utf8_valid(s, size, &bad);
    KVA_FUZZ_CHECK(valid || bad < size);
    clean = kva_utf8_sanitize(s, size, &replaced);
    if (clean) {
        KVA_FUZZ_CHECK(kva_utf8_valid(clean, strlen(clean), NULL));
        KVA_FUZZ_CHECK((replaced == 0) == valid);
        free(clean);
    }
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    scan(data, size);
    helpers(data, size);
    return 0;
}

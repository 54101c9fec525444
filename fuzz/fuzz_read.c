/*
 * One evidence file, read the way `kvaudit` reads every file: the size
 * check, the hash, decoding, scanning, record by record detection and the
 * reader of each record's kind. The bytes are read twice, as a file found
 * under PATH and as a file named with --exceptions, and once more as a
 * --baseline report. What was read is merged and evaluated (pure and
 * cheap, so evaluation is fuzzed at the readers' pace too).
 *
 * kva_read_file takes a path, so the bytes go into a file of the scratch
 * directory first: no reading API exists for the fuzzer alone.
 */
#include <stdlib.h>
#include <string.h>

#include "evaluate.h"
#include "fuzz.h"
#include "hash.h"
#include "inventory/read.h"
#include "model.h"
#include "remediation.h"
#include "result.h"
#include "templates.h"

/* The file's name tells nothing: evidence is detected by content. */
#define FILE_NAME "/evidence.json"

/* 2026-11-23T00:00:00Z: a fixed clock, as the golden tests use. */
#define AS_OF 1795392000

/* A failed read says what and where; a read that worked lists the file
 * once with its real size and hash. */
static void check_read(kva_error e, const kva_diag *err, const kva_model *m,
                       const uint8_t *data, size_t size)
{
    char hex[65];

    if (e != KVA_OK) {
        KVA_FUZZ_CHECK(err->code == e);
        KVA_FUZZ_CHECK(err->message != NULL);
        return;
    }
    KVA_FUZZ_CHECK(m->n_inputs == 1);
    KVA_FUZZ_CHECK(m->inputs[0].bytes == size);
    KVA_FUZZ_CHECK(!m->inputs[0].failed);
    kva_sha256_buf(data, size, hex);
    KVA_FUZZ_CHECK(strcmp(hex, m->inputs[0].sha256) == 0);
}

static void evaluate(const kva_model *m)
{
    kva_eval_opts eo = {0};
    kva_result *res;
    kva_diag err = {0};

    eo.as_of = AS_OF;
    eo.owner_tags = kva_default_owner_tags;
    eo.n_owner_tags = kva_default_owner_tags_n;
    eo.env_tags = kva_default_env_tags;
    eo.n_env_tags = kva_default_env_tags_n;
    res = kva_evaluate(m, &eo);
    if (!res)
        return;
    kva_remediation_fill(res, kva_templates_builtin(), &err);
    kva_diag_clear(&err);
    kva_result_free(res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *dir = kva_fuzz_scratch();
    kva_model *all = NULL;
    kva_baseline b = {0};
    kva_diag err = {0};
    char *path;

    if (!dir)
        return 0;
    path = malloc(strlen(dir) + sizeof FILE_NAME);
    if (!path)
        return 0;
    strcpy(path, dir);
    strcat(path, FILE_NAME);
    if (kva_fuzz_write(path, data, size) != 0)
        goto done;
    all = kva_model_new();
    if (!all)
        goto done;

    for (int explicit_exceptions = 0; explicit_exceptions < 2;
         explicit_exceptions++) {
        kva_model *m = kva_model_new();
        kva_error e;

        if (!m)
            goto done;
        e = kva_read_file(path, explicit_exceptions, m, &err);
        check_read(e, &err, m, data, size);
        if (e == KVA_OK && kva_model_merge(all, m) == KVA_OK)
            KVA_FUZZ_CHECK(m->n_inputs == 0);
        kva_model_free(m);
        kva_diag_clear(&err);
    }
    evaluate(all);

    if (kva_baseline_read(path, &b, &err) == KVA_OK)
        kva_baseline_free(&b);
    else
        KVA_FUZZ_CHECK(err.message != NULL);

done:
    kva_diag_clear(&err);
    kva_model_free(all);
    free(path);
    return 0;
}

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pthread.h>
#include <unistd.h>

#include "inventory/read.h"
#include "model.h"
#include "parallel.h"

/*
 * The thread helpers, and the rule they serve: the number of threads
 * never changes a result. A file large enough to be read in shares is read
 * with 1 thread and with several, and the models must be the same record
 * for record, warning for warning, position for position; so must the
 * error a broken record gives.
 */

static void test_threads_default(void **state)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned dflt = cpus < 1 ? 1 : cpus > 8 ? 8 : (unsigned)cpus;
    static const struct {
        const char *env;
        unsigned want; /* 0: the processors online, at most 8 */
    } cases[] = {
        {NULL, 0},  {"", 0},
        {"1", 1},   {"2", 2},
        {"64", 64}, {"064", 64},
        {"65", 0},  {"0", 0},
        {"-1", 0},  {"2x", 0},
        {" 2", 0},  {"2 ", 0},
        {"abc", 0}, {"99999999999999999999", 0},
    };
    (void)state;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned got = kva_threads_default(cases[i].env);
        unsigned want = cases[i].want ? cases[i].want : dflt;
        if (got != want)
            fail_msg("KVAUDIT_THREADS=%s: got %u, want %u",
                     cases[i].env ? cases[i].env : "(unset)", got, want);
    }
}

static void test_threads_set_clamps(void **state)
{
    (void)state;
    assert_int_equal(kva_threads(), 1); /* until main says otherwise */
    kva_threads_set(0);
    assert_int_equal(kva_threads(), 1);
    kva_threads_set(1000);
    assert_int_equal(kva_threads(), KVA_THREADS_MAX);
    kva_threads_set(3);
    assert_int_equal(kva_threads(), 3);
    kva_threads_set(1);
}

typedef struct counting {
    unsigned *runs;    /* per task */
    pthread_t *ran_on; /* per task */
    size_t *order;     /* task numbers in the order they started */
    size_t n_order;
    pthread_mutex_t mu;
} counting;

static void count_task(void *ctx, size_t i)
{
    counting *c = ctx;

    c->runs[i]++;
    c->ran_on[i] = pthread_self();
    pthread_mutex_lock(&c->mu);
    c->order[c->n_order++] = i;
    pthread_mutex_unlock(&c->mu);
}

static void counting_init(counting *c, size_t n)
{
    c->runs = calloc(n ? n : 1, sizeof *c->runs);
    c->ran_on = calloc(n ? n : 1, sizeof *c->ran_on);
    c->order = calloc(n ? n : 1, sizeof *c->order);
    c->n_order = 0;
    assert_non_null(c->runs);
    assert_non_null(c->ran_on);
    assert_non_null(c->order);
    assert_int_equal(pthread_mutex_init(&c->mu, NULL), 0);
}

static void counting_free(counting *c)
{
    free(c->runs);
    free(c->ran_on);
    free(c->order);
    pthread_mutex_destroy(&c->mu);
}

/* Every task runs exactly once, whatever the threads and the count. */
static void test_parallel_for_each_once(void **state)
{
    static const size_t ns[] = {0, 1, 2, 3, 100, 5000};
    static const unsigned ts[] = {0, 1, 2, 4, 8, 200};
    (void)state;

    for (size_t a = 0; a < sizeof ns / sizeof ns[0]; a++)
        for (size_t b = 0; b < sizeof ts / sizeof ts[0]; b++) {
            counting c;
            counting_init(&c, ns[a]);
            kva_parallel_for(ns[a], ts[b], count_task, &c);
            assert_int_equal(c.n_order, ns[a]);
            for (size_t i = 0; i < ns[a]; i++)
                if (c.runs[i] != 1)
                    fail_msg("n=%zu threads=%u: task %zu ran %u times", ns[a],
                             ts[b], i, c.runs[i]);
            counting_free(&c);
        }
}

/* One thread: every task runs in the caller, in order, when waited for. */
static void test_pool_one_thread_is_a_loop(void **state)
{
    counting c;
    kva_pool *p;
    (void)state;

    counting_init(&c, 10);
    p = kva_pool_start(10, 1, count_task, &c);
    assert_non_null(p);
    assert_int_equal(c.n_order, 0); /* nothing runs before it is waited for */
    kva_pool_wait(p, 3);
    assert_int_equal(c.n_order, 4);
    for (size_t i = 0; i < 10; i++)
        kva_pool_wait(p, i);
    kva_pool_finish(p);
    assert_int_equal(c.n_order, 10);
    for (size_t i = 0; i < 10; i++) {
        assert_int_equal(c.order[i], i);
        assert_true(pthread_equal(c.ran_on[i], pthread_self()));
    }
    counting_free(&c);
}

/* Finishing early cancels what no thread has taken yet. */
static void test_pool_finish_cancels(void **state)
{
    counting c;
    kva_pool *p;
    (void)state;

    counting_init(&c, 10);
    p = kva_pool_start(10, 1, count_task, &c);
    assert_non_null(p);
    kva_pool_wait(p, 2);
    kva_pool_finish(p);
    assert_int_equal(c.n_order, 3);
    for (size_t i = 3; i < 10; i++)
        assert_int_equal(c.runs[i], 0);
    counting_free(&c);
    kva_pool_finish(NULL);
    kva_pool_wait(NULL, 0);
}

/* Several threads: tasks are taken in increasing order, and a task's
 * result is there once kva_pool_wait returns. */
static void test_pool_threads_in_order(void **state)
{
    counting c;
    kva_pool *p;
    (void)state;

    counting_init(&c, 2000);
    p = kva_pool_start(2000, 4, count_task, &c);
    assert_non_null(p);
    for (size_t i = 0; i < 2000; i++) {
        kva_pool_wait(p, i);
        assert_int_equal(c.runs[i], 1);
    }
    kva_pool_finish(p);
    assert_int_equal(c.n_order, 2000);
    counting_free(&c);
}

/* A single task gets a worker of its own: the caller is free meanwhile. */
typedef struct gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int open;
    int ran;
} gate;

static void gated_task(void *ctx, size_t i)
{
    gate *g = ctx;

    (void)i;
    pthread_mutex_lock(&g->mu);
    while (!g->open)
        pthread_cond_wait(&g->cv, &g->mu);
    g->ran = 1;
    pthread_mutex_unlock(&g->mu);
}

static void test_pool_single_task_worker(void **state)
{
    gate g = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
    kva_pool *p;
    (void)state;

    p = kva_pool_start(1, 2, gated_task, &g);
    assert_non_null(p);
    /* Were the task to run in this thread, it would wait forever. */
    pthread_mutex_lock(&g.mu);
    g.open = 1;
    pthread_cond_broadcast(&g.cv);
    pthread_mutex_unlock(&g.mu);
    kva_pool_wait(p, 0);
    assert_int_equal(g.ran, 1);
    kva_pool_finish(p);
}

/* The journal: records replayed into a model give what adding them
 * directly gives, duplicates and merges included. */
static kva_vault vault(const char *id, const char *sub, size_t input)
{
    kva_vault v = {0};

    v.id = id ? strdup(id) : NULL;
    v.name = strdup("kv");
    v.sub_id = strdup(sub);
    v.input = input;
    return v;
}

static kva_sub subrec(const char *id, const char *name, size_t input)
{
    kva_sub s = {0};

    s.id = strdup(id);
    s.name = name ? strdup(name) : NULL;
    s.from_inventory = true;
    s.input = input;
    return s;
}

static void fill(kva_model *m)
{
    static const char *const ids[] = {
        "/subscriptions/A/vaults/one",   "/subscriptions/A/vaults/two",
        "/SUBSCRIPTIONS/a/VAULTS/ONE",   NULL,
        "/subscriptions/A/vaults/three",
    };
    kva_sub s;
    kva_pricing pr = {0};
    kva_exception x = {0};

    s = subrec("AAAAAAAA-0000-0000-0000-000000000000", NULL, 0);
    assert_int_equal(kva_model_add_sub(m, &s), KVA_OK);
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        kva_vault v = vault(ids[i], "aaaaaaaa-0000-0000-0000-000000000000", 0);
        assert_non_null(kva_model_touch_sub(m, v.sub_id, 0));
        assert_int_equal(kva_model_add_vault(m, &v), KVA_OK);
    }
    assert_int_equal(kva_model_add_warning(m, "w", "p", "B", 3, 4, "n %d", 7),
                     KVA_OK);
    s = subrec("aaaaaaaa-0000-0000-0000-000000000000", "Named", 0);
    assert_int_equal(kva_model_add_sub(m, &s), KVA_OK);
    assert_non_null(
        kva_model_touch_sub(m, "bbbbbbbb-0000-0000-0000-000000000000", 0));
    pr.sub_id = strdup("BBBBBBBB-0000-0000-0000-000000000000");
    pr.plan = strdup("KeyVaults");
    pr.tier = strdup("Free");
    assert_int_equal(kva_model_add_pricing(m, &pr), KVA_OK);
    x.sub_id = strdup("BBBBBBBB-0000-0000-0000-000000000000");
    x.reason = strdup("r");
    assert_int_equal(kva_model_add_exception(m, &x), KVA_OK);
}

static void expect_same_str(const char *a, const char *b, const char *what,
                            size_t i)
{
    if ((a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0))
        fail_msg("%s %zu: \"%s\" vs \"%s\"", what, i, a ? a : "(null)",
                 b ? b : "(null)");
}

static void expect_same_tags(const kva_tags *a, const kva_tags *b,
                             const char *what, size_t i)
{
    if (a->n != b->n)
        fail_msg("%s %zu: %zu tags vs %zu", what, i, a->n, b->n);
    for (size_t k = 0; k < a->n; k++) {
        expect_same_str(a->v[k].key, b->v[k].key, what, i);
        expect_same_str(a->v[k].value, b->v[k].value, what, i);
    }
}

/* Everything a model holds, compared. */
static void expect_same_model(const kva_model *a, const kva_model *b)
{
    assert_int_equal(a->n_inputs, b->n_inputs);
    for (size_t i = 0; i < a->n_inputs; i++) {
        expect_same_str(a->inputs[i].path, b->inputs[i].path, "input", i);
        assert_int_equal(a->inputs[i].kind, b->inputs[i].kind);
        assert_int_equal(a->inputs[i].records, b->inputs[i].records);
        assert_int_equal(a->inputs[i].bytes, b->inputs[i].bytes);
        assert_string_equal(a->inputs[i].sha256, b->inputs[i].sha256);
    }
    assert_int_equal(a->n_subs, b->n_subs);
    for (size_t i = 0; i < a->n_subs; i++) {
        const kva_sub *x = &a->subs[i], *y = &b->subs[i];
        expect_same_str(x->id, y->id, "sub", i);
        expect_same_str(x->name, y->name, "sub name", i);
        expect_same_str(x->tenant_id, y->tenant_id, "sub tenant", i);
        expect_same_str(x->state, y->state, "sub state", i);
        expect_same_tags(&x->tags, &y->tags, "sub tags", i);
        assert_int_equal(x->n_mgmt_groups, y->n_mgmt_groups);
        for (size_t k = 0; k < x->n_mgmt_groups; k++)
            expect_same_str(x->mgmt_groups[k], y->mgmt_groups[k], "mg", i);
        assert_int_equal(x->from_inventory, y->from_inventory);
        assert_int_equal(x->input, y->input);
        assert_int_equal(x->line, y->line);
        assert_int_equal(x->col, y->col);
    }
    assert_int_equal(a->n_pricings, b->n_pricings);
    for (size_t i = 0; i < a->n_pricings; i++) {
        const kva_pricing *x = &a->pricings[i], *y = &b->pricings[i];
        expect_same_str(x->sub_id, y->sub_id, "pricing", i);
        expect_same_str(x->plan, y->plan, "pricing plan", i);
        expect_same_str(x->tier, y->tier, "pricing tier", i);
        expect_same_str(x->sub_plan, y->sub_plan, "pricing sub_plan", i);
        expect_same_str(x->resource_id, y->resource_id, "pricing res", i);
        assert_int_equal(x->trial_remaining_s, y->trial_remaining_s);
        assert_int_equal(x->enablement_time, y->enablement_time);
        assert_int_equal(x->deprecated, y->deprecated);
        assert_int_equal(x->scope, y->scope);
        assert_int_equal(x->input, y->input);
        assert_int_equal(x->line, y->line);
        assert_int_equal(x->col, y->col);
    }
    assert_int_equal(a->n_vaults, b->n_vaults);
    for (size_t i = 0; i < a->n_vaults; i++) {
        const kva_vault *x = &a->vaults[i], *y = &b->vaults[i];
        expect_same_str(x->id, y->id, "vault", i);
        expect_same_str(x->name, y->name, "vault name", i);
        expect_same_str(x->resource_group, y->resource_group, "vault rg", i);
        expect_same_str(x->location, y->location, "vault location", i);
        expect_same_str(x->sub_id, y->sub_id, "vault sub", i);
        expect_same_tags(&x->tags, &y->tags, "vault tags", i);
        assert_int_equal(x->input, y->input);
        assert_int_equal(x->line, y->line);
        assert_int_equal(x->col, y->col);
    }
    assert_int_equal(a->n_exceptions, b->n_exceptions);
    for (size_t i = 0; i < a->n_exceptions; i++) {
        expect_same_str(a->exceptions[i].sub_id, b->exceptions[i].sub_id,
                        "exception", i);
        expect_same_str(a->exceptions[i].reason, b->exceptions[i].reason,
                        "exception reason", i);
        assert_int_equal(a->exceptions[i].line, b->exceptions[i].line);
    }
    assert_int_equal(a->n_warnings, b->n_warnings);
    for (size_t i = 0; i < a->n_warnings; i++) {
        const kva_warning *x = &a->warnings[i], *y = &b->warnings[i];
        expect_same_str(x->code, y->code, "warning code", i);
        expect_same_str(x->message, y->message, "warning", i);
        expect_same_str(x->path, y->path, "warning path", i);
        expect_same_str(x->sub_id, y->sub_id, "warning sub", i);
        assert_int_equal(x->line, y->line);
        assert_int_equal(x->col, y->col);
    }
    assert_int_equal(a->have_sub_inventory, b->have_sub_inventory);
    assert_int_equal(a->complete, b->complete);
}

static void test_journal_replay(void **state)
{
    kva_model *direct = kva_model_new();
    kva_model *journal = kva_model_new_journal();
    kva_model *dst = kva_model_new();
    (void)state;

    assert_non_null(direct);
    assert_non_null(journal);
    assert_non_null(dst);
    fill(direct);
    fill(journal);
    /* The journal keeps every record as given: nothing merged yet. */
    assert_int_equal(journal->n_vaults, 5);
    assert_null(kva_model_find_sub(journal, "aaaaaaaa-0000-0000-0000-"
                                            "000000000000"));
    assert_int_equal(kva_model_replay(dst, journal), KVA_OK);
    expect_same_model(direct, dst);
    assert_int_equal(dst->n_vaults, 3); /* the upper-case duplicate went */
    assert_int_equal(dst->n_subs, 2);
    assert_string_equal(dst->subs[0].name, "Named");
    assert_string_equal(dst->pricings[0].sub_id,
                        "bbbbbbbb-0000-0000-0000-000000000000");
    /* Replayed: the journal is empty, and replaying again adds nothing. */
    assert_int_equal(journal->n_vaults, 0);
    assert_int_equal(kva_model_replay(dst, journal), KVA_OK);
    expect_same_model(direct, dst);
    kva_model_free(direct);
    kva_model_free(journal);
    kva_model_free(dst);
}

/*
 * A Resource Graph dump mixing every kind of record, with duplicates,
 * records to skip, repeated keys and conflicting subscription records
 * spread far apart, so that they fall into different shares.
 */
#define N_RECORDS 9000
#define GUID_FMT "%08x-1111-2222-3333-444444444444"

static char *build_dump(size_t *len, long broken_at)
{
    size_t cap = (size_t)N_RECORDS * 700 + 1024, n = 0;
    char *s = malloc(cap);

    assert_non_null(s);
#define PUT(...) (n += (size_t)snprintf(s + n, cap - n, __VA_ARGS__))
    PUT("{\n  \"count\": %d,\n  \"data\": [\n", N_RECORDS);
    for (long i = 0; i < N_RECORDS; i++) {
        unsigned sub = (unsigned)(i % 97);
        if (i)
            PUT(",\n");
        if (i == broken_at) {
            /* a field of the wrong type: an input error at this record */
            PUT("    {\"id\": \"/subscriptions/" GUID_FMT "/resourceGroups/rg/"
                "providers/Microsoft.KeyVault/vaults/bad\", \"type\": "
                "\"microsoft.keyvault/vaults\", \"name\": [1]}",
                sub);
        } else if (i % 1000 == 7) {
            PUT("    \"not a record\"");
        } else if (i % 500 == 3) {
            /* the same subscription described twice, names differing */
            PUT("    {\"id\": \"/subscriptions/" GUID_FMT "\", \"type\": "
                "\"microsoft.resources/subscriptions\", \"name\": \"Sub %ld\","
                " \"subscriptionId\": \"" GUID_FMT "\", \"properties\": "
                "{\"state\": \"%s\"}, \"tags\": {\"owner\": \"o%ld\"}}",
                sub, i, sub, i % 1000 == 3 ? "Enabled" : "Disabled", i);
        } else if (i % 300 == 5) {
            PUT("    {\"id\": \"/subscriptions/" GUID_FMT "/providers/"
                "Microsoft.Security/pricings/KeyVaults\", \"type\": "
                "\"microsoft.security/pricings\", \"name\": \"KeyVaults\", "
                "\"properties\": {\"pricingTier\": \"%s\"}}",
                sub, i % 600 == 5 ? "Standard" : "Free");
        } else if (i % 211 == 9) {
            PUT("    {\"id\": \"/subscriptions/not-a-guid/resourceGroups/rg/"
                "providers/Microsoft.KeyVault/vaults/x%ld\", \"type\": "
                "\"microsoft.keyvault/vaults\"}",
                i);
        } else {
            /* vaults; every 50th repeats an earlier id in another case,
             * every 70th repeats a tag key with another value */
            long v = i % 50 == 11 ? i - 25 : i;
            PUT("    {\n      \"id\": \"/subscriptions/" GUID_FMT
                "/resourceGroups/%s/providers/Microsoft.KeyVault/vaults/"
                "kv%ld\",\n      \"type\": \"microsoft.keyvault/vaults\",\n"
                "      \"name\": \"kv%ld\",\n      \"location\": "
                "\"westeurope\","
                "\n      \"subscriptionId\": \"" GUID_FMT
                "\",\n      \"tags\": "
                "{\"owner\": \"t\\u00e9am%ld\"%s}\n    }",
                (unsigned)(v % 97), i % 50 == 11 ? "RG" : "rg", v, v,
                (unsigned)(v % 97), i % 13,
                i % 70 == 1 ? ", \"owner\": \"other\"" : "");
        }
    }
    PUT("\n  ],\n  \"skip_token\": null,\n  \"total_records\": %d\n}\n",
        N_RECORDS);
#undef PUT
    assert_true(n < cap);
    *len = n;
    return s;
}

static char g_dir[64];

static const char *write_dump(const char *name, long broken_at)
{
    static char path[128];
    size_t len;
    char *text = build_dump(&len, broken_at);
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    free(text);
    return path;
}

static int setup(void **state)
{
    (void)state;
    strcpy(g_dir, "/tmp/kva-par.XXXXXX");
    return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown(void **state)
{
    char path[128];
    (void)state;
    kva_threads_set(1);
    snprintf(path, sizeof path, "%s/dump.json", g_dir);
    remove(path);
    snprintf(path, sizeof path, "%s/broken.json", g_dir);
    remove(path);
    return rmdir(g_dir);
}

static kva_model *read_with(unsigned threads, const char *path, kva_error want,
                            kva_diag *d)
{
    kva_model *m = kva_model_new();
    kva_error e;

    assert_non_null(m);
    kva_threads_set(threads);
    e = kva_read_file(path, false, m, d);
    kva_threads_set(1);
    if (e != want)
        fail_msg("threads=%u: %s (%s)", threads, kva_strerror(e),
                 d->message ? d->message : "");
    return m;
}

static void test_read_same_with_any_threads(void **state)
{
    const char *path = write_dump("dump.json", -1);
    static const unsigned threads[] = {2, 3, 4, 7, 16};
    kva_diag d = {0};
    kva_model *one;
    (void)state;

    one = read_with(1, path, KVA_OK, &d);
    /* the dump exercises what it should */
    assert_true(one->n_vaults > 8000);
    assert_true(one->n_subs >= 97);
    assert_true(one->n_pricings > 20);
    assert_true(one->n_warnings > 40);
    for (size_t i = 0; i < sizeof threads / sizeof threads[0]; i++) {
        kva_model *many = read_with(threads[i], path, KVA_OK, &d);
        expect_same_model(one, many);
        kva_model_free(many);
    }
    kva_diag_clear(&d);
    kva_model_free(one);
}

/* A broken record far into the file: the same error, at the same place,
 * whichever thread met it. */
static void test_read_error_same_with_any_threads(void **state)
{
    static const long at[] = {8999, 6000, 4500, 20};
    (void)state;

    for (size_t k = 0; k < sizeof at / sizeof at[0]; k++) {
        const char *path = write_dump("broken.json", at[k]);
        kva_diag one = {0}, many = {0};
        kva_model *m1 = read_with(1, path, KVA_ERR_SCHEMA, &one);
        kva_model *m4 = read_with(4, path, KVA_ERR_SCHEMA, &many);

        assert_int_equal(one.code, many.code);
        assert_int_equal(one.line, many.line);
        assert_int_equal(one.col, many.col);
        assert_string_equal(one.message, many.message);
        assert_non_null(strstr(one.message, "name"));
        kva_diag_clear(&one);
        kva_diag_clear(&many);
        kva_model_free(m1);
        kva_model_free(m4);
    }
}

/* Files read apart and merged give what reading them into one model
 * gives. */
static void test_merge_same_as_one_model(void **state)
{
    const char *p = write_dump("dump.json", -1);
    char path[128];
    kva_diag d = {0};
    kva_model *together = kva_model_new(), *a = kva_model_new(),
              *b = kva_model_new(), *all = kva_model_new();
    (void)state;

    snprintf(path, sizeof path, "%s", p);
    assert_int_equal(kva_read_file(path, false, together, &d), KVA_OK);
    assert_int_equal(kva_read_file(path, false, together, &d), KVA_OK);
    assert_int_equal(kva_read_file(path, false, a, &d), KVA_OK);
    assert_int_equal(kva_read_file(path, false, b, &d), KVA_OK);
    assert_int_equal(kva_model_merge(all, a), KVA_OK);
    assert_int_equal(kva_model_merge(all, b), KVA_OK);
    expect_same_model(together, all);
    assert_int_equal(a->n_vaults, 0); /* emptied */
    kva_model_free(together);
    kva_model_free(a);
    kva_model_free(b);
    kva_model_free(all);
    kva_diag_clear(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_default),
        cmocka_unit_test(test_threads_set_clamps),
        cmocka_unit_test(test_parallel_for_each_once),
        cmocka_unit_test(test_pool_one_thread_is_a_loop),
        cmocka_unit_test(test_pool_finish_cancels),
        cmocka_unit_test(test_pool_threads_in_order),
        cmocka_unit_test(test_pool_single_task_worker),
        cmocka_unit_test(test_journal_replay),
        cmocka_unit_test(test_read_same_with_any_threads),
        cmocka_unit_test(test_read_error_same_with_any_threads),
        cmocka_unit_test(test_merge_same_as_one_model),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

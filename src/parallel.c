#include "parallel.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

/* Set by main before any work starts and only read afterwards. */
static unsigned thread_budget = 1;

void kva_threads_set(unsigned n)
{
    if (n < 1)
        n = 1;
    if (n > KVA_THREADS_MAX)
        n = KVA_THREADS_MAX;
    thread_budget = n;
}

unsigned kva_threads(void)
{
    return thread_budget;
}

unsigned kva_threads_default(const char *env)
{
    long cpus;

    if (env && *env) {
        unsigned v = 0;
        const char *p = env;
        while (*p >= '0' && *p <= '9' && v <= KVA_THREADS_MAX)
            v = v * 10 + (unsigned)(*p++ - '0');
        if (!*p && v >= 1 && v <= KVA_THREADS_MAX)
            return v;
    }
    cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus < 1)
        return 1;
    return cpus > 8 ? 8 : (unsigned)cpus;
}

struct kva_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* a task finished */
    kva_task_fn fn;
    void *ctx;
    size_t n;
    size_t next;         /* first task not yet taken */
    bool cancelled;      /* take no more tasks */
    unsigned char *done; /* per task */
    pthread_t *workers;
    unsigned n_workers;
};

/* Take the next task, if any, and run it; the lock is held on entry and
 * on return, released while the task runs. */
static bool run_next(kva_pool *p)
{
    size_t i;

    if (p->cancelled || p->next >= p->n)
        return false;
    i = p->next++;
    pthread_mutex_unlock(&p->mu);
    p->fn(p->ctx, i);
    pthread_mutex_lock(&p->mu);
    p->done[i] = 1;
    pthread_cond_broadcast(&p->cv);
    return true;
}

static void *worker(void *arg)
{
    kva_pool *p = arg;

    pthread_mutex_lock(&p->mu);
    while (run_next(p))
        ;
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

kva_pool *kva_pool_start(size_t n, unsigned threads, kva_task_fn fn, void *ctx)
{
    kva_pool *p = calloc(1, sizeof *p);

    if (!p)
        return NULL;
    p->done = calloc(n ? n : 1, 1);
    if (threads > KVA_THREADS_MAX)
        threads = KVA_THREADS_MAX;
    /* No more workers than tasks: the caller may be busy elsewhere until
     * it waits, so a single task still gets a worker of its own. */
    if (threads > 1 && threads - 1 > n)
        threads = (unsigned)n + 1;
    if (threads > 1)
        p->workers = calloc(threads - 1, sizeof *p->workers);
    if (!p->done || (threads > 1 && !p->workers) ||
        pthread_mutex_init(&p->mu, NULL) != 0) {
        free(p->done);
        free(p->workers);
        free(p);
        return NULL;
    }
    if (pthread_cond_init(&p->cv, NULL) != 0) {
        pthread_mutex_destroy(&p->mu);
        free(p->done);
        free(p->workers);
        free(p);
        return NULL;
    }
    p->fn = fn;
    p->ctx = ctx;
    p->n = n;
    /* A worker that cannot be started is no error: the others, and in
     * the end the caller, take its share. */
    for (unsigned t = 0; t + 1 < threads; t++) {
        if (pthread_create(&p->workers[p->n_workers], NULL, worker, p) != 0)
            break;
        p->n_workers++;
    }
    return p;
}

void kva_pool_wait(kva_pool *p, size_t i)
{
    if (!p || i >= p->n)
        return;
    pthread_mutex_lock(&p->mu);
    while (!p->done[i]) {
        if (run_next(p))
            continue;
        if (i >= p->next) /* cancelled before anyone took it */
            break;
        pthread_cond_wait(&p->cv, &p->mu);
    }
    pthread_mutex_unlock(&p->mu);
}

void kva_pool_finish(kva_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->cancelled = true;
    pthread_mutex_unlock(&p->mu);
    for (unsigned t = 0; t < p->n_workers; t++)
        pthread_join(p->workers[t], NULL);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p->done);
    free(p->workers);
    free(p);
}

void kva_parallel_for(size_t n, unsigned threads, kva_task_fn fn, void *ctx)
{
    kva_pool *p =
        threads > 1 && n > 1 ? kva_pool_start(n, threads, fn, ctx) : NULL;

    if (!p) {
        for (size_t i = 0; i < n; i++)
            fn(ctx, i);
        return;
    }
    for (size_t i = 0; i < n; i++)
        kva_pool_wait(p, i);
    kva_pool_finish(p);
}

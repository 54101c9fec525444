#ifndef KVA_PARALLEL_H
#define KVA_PARALLEL_H

#include <stddef.h>

/*
 * Spreading independent work over threads, without changing its result:
 * tasks are numbered, every task writes only its own slot of the caller's
 * data, and the caller consumes the results in task order.
 *
 * How many threads the work of one run may use is a process-wide setting,
 * made once by main before any work starts. Until then it is 1, so that
 * the library (unit tests, fuzzers) runs everything in the caller's
 * thread unless asked otherwise; with 1 thread every helper below is a
 * plain loop in the caller, in task order.
 */
#define KVA_THREADS_MAX 64

/* The thread budget; n is clamped to 1..KVA_THREADS_MAX. Not to be called
 * while work is running. */
void kva_threads_set(unsigned n);
unsigned kva_threads(void);

/*
 * The budget main uses: `env` (KVAUDIT_THREADS's value, NULL when unset) when
 * it is a whole number from 1 to KVA_THREADS_MAX, otherwise the number of
 * processors online, at most 8 (beyond that the renderers, three at most,
 * gain nothing and reading gains little).
 */
unsigned kva_threads_default(const char *env);

/* One task: fn(ctx, i) for task number i. Must not fail in a way the
 * helper has to know: a task records its outcome in its own slot. */
typedef void (*kva_task_fn)(void *ctx, size_t i);

/*
 * A pool running n tasks on up to `threads` threads, the caller's
 * included: threads - 1 workers (at most n) are started, and tasks are
 * handed out in increasing order to whichever thread is free. The caller
 * may do other work meanwhile, and takes part in kva_pool_wait, so that
 * with threads <= 1 (or when no worker could be started) tasks simply run
 * there, one by one, in order.
 *
 * kva_pool_start returns NULL only when out of memory.
 */
typedef struct kva_pool kva_pool;
kva_pool *kva_pool_start(size_t n, unsigned threads, kva_task_fn fn, void *ctx);

/*
 * Return once task i has run, running tasks not yet taken (in order, up to
 * i at least) in the calling thread meanwhile. Results of task i are then
 * visible to the caller. A task cancelled by kva_pool_finish never runs:
 * waiting for it returns at once. NULL is a no-op.
 */
void kva_pool_wait(kva_pool *p, size_t i);

/*
 * Cancel the tasks not yet taken, wait for those running, join the
 * workers and free the pool. NULL is a no-op.
 */
void kva_pool_finish(kva_pool *p);

/*
 * fn(ctx, i) for every i < n, on up to `threads` threads (the caller's
 * included); returns when all have run. Falls back to a loop in the
 * caller when threads cannot be had.
 */
void kva_parallel_for(size_t n, unsigned threads, kva_task_fn fn, void *ctx);

#endif

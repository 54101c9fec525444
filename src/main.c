/*
 * kvaudit: argv -> options -> read -> evaluate -> render. The only file
 * that exits (by returning from main), and the only one that prints the
 * summary and the findings table.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "diag.h"
#include "evaluate.h"
#include "hash.h"
#include "inventory/read.h"
#include "model.h"
#include "output.h"
#include "parallel.h"
#include "remediation.h"
#include "render/render.h"
#include "result.h"
#include "templates.h"
#include "text.h"

enum {
    EXIT_PASS = 0,
    EXIT_FAILS = 1,
    EXIT_USAGE = 2,
    EXIT_INPUT = 3,
    EXIT_OUTPUT = 4
};

#define DEFAULT_TITLE "Microsoft Defender for Key Vault coverage"

static const kva_render_fn renderers[KVA_FMT__COUNT] = {
    [KVA_FMT_JSON] = kva_render_json,   [KVA_FMT_XLSX] = kva_render_xlsx,
    [KVA_FMT_PDF] = kva_render_pdf,     [KVA_FMT_CSV] = kva_render_csv,
    [KVA_FMT_MD] = kva_render_markdown, [KVA_FMT_SH] = kva_render_sh,
    [KVA_FMT_PS1] = kva_render_ps1,
};

/* One file to read, in the order they are merged. */
typedef struct job {
    const char *path;
    bool explicit_exceptions;
} job;

typedef struct run {
    const kva_options *o;
    int argc;
    char **argv;
    kva_templates *loaded_templates;
    const kva_templates *templates;
    kva_model *model;
    char **files;
    size_t n_files;
    job *jobs;
    size_t n_jobs;
    kva_baseline baseline;
    bool have_baseline;
    kva_result *result;
    char *command_line;
    kva_outset *outset;
    const char *written[KVA_FMT__COUNT + 1];
    size_t n_written;
    bool out_of_memory;    /* set where a callback cannot return it */
    bool colour;           /* stdout is a terminal that takes colour */
    kva_diag err;
} run;

/*
 * The progress line on stderr (disabled unless stderr is a terminal). One
 * per process, as stderr is: everything that writes to stderr clears it
 * first, so that no message lands at the end of a half-drawn line.
 */
static kva_progress term_progress;

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void timing(const run *r, const char *what, const char *name,
                   double since)
{
    if (!r->o->timings)
        return;
    kva_progress_clear(&term_progress);
    fprintf(stderr, "kvaudit: time: %s%s%s %.3f s\n", what, name ? " " : "",
            name ? name : "", now_s() - since);
}

/* Columns taken by code point cp once escaped for a terminal. */
static size_t term_cols(uint32_t cp)
{
    if (cp < 0x20 || cp == 0x7f)
        return 4; /* \xHH */
    if (cp >= 0x80 && cp < 0xa0)
        return 6; /* \u0085 */
    return 1;
}

/*
 * Write s for a terminal: control characters (C0, DEL and the C1 range,
 * which holds the 8-bit CSI) are shown escaped, so that a name in the
 * evidence can never move the cursor or recolour the screen. With width
 * > 0 the text is cut to that many columns (the last one an ellipsis) and
 * padded with spaces; width 0 writes it whole. A column is one code point
 * (East Asian wide characters take two on screen and shift the row).
 */
static void put_term(FILE *f, const char *s, size_t width)
{
    size_t len, total = 0, cols = 0;

    if (!s)
        s = "";
    len = strlen(s);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += kva_utf8_next(s + i, len - i, &cp);
        total += term_cols(cp);
    }
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = kva_utf8_next(s + i, len - i, &cp);
        size_t w = term_cols(cp);

        if (width && total > width && cols + w > width - 1) {
            fputs("\xe2\x80\xa6", f); /* U+2026 */
            cols++;
            break;
        }
        if (w == 4)
            fprintf(f, "\\x%02x", (unsigned)cp);
        else if (w == 6)
            fprintf(f, "\\u%04x", (unsigned)cp);
        else
            fwrite(s + i, 1, n, f);
        cols += w;
        i += n;
    }
    while (width && cols < width) {
        fputc(' ', f);
        cols++;
    }
}

/* "kvaudit: FILE:LINE:COL: warning: message", the form of the contract's
 * messages (and of compilers'), so that editors and CI annotations find
 * the position; "kvaudit: FILE: warning: ..." without a position,
 * "kvaudit: warning: ..." without a file. */
static void print_warning(const kva_options *o, const char *path, uint32_t line,
                          uint32_t col, const char *msg)
{
    if (o->verbosity < 0)
        return;
    kva_progress_clear(&term_progress);
    fputs("kvaudit: ", stderr);
    if (path) {
        put_term(stderr, path, 0);
        if (line)
            fprintf(stderr, ":%u:%u", (unsigned)line, (unsigned)col);
        fputs(": ", stderr);
    }
    fputs("warning: ", stderr);
    put_term(stderr, msg, 0);
    fputc('\n', stderr);
}

static void on_walk_warning(void *ctx, const char *path, const char *message)
{
    run *r = ctx;

    print_warning(r->o, path, 0, 0, message);
    if (kva_model_add_warning(r->model, "path_skipped", path, NULL, 0, 0,
                              "%s", message) != KVA_OK)
        r->out_of_memory = true;
}

static int fail_with(run *r, int code)
{
    kva_progress_clear(&term_progress);
    kva_diag_print(&r->err);
    return code;
}

/* Running out of memory is no usage or output matter while the evidence
 * is read and evaluated: it is reported as an input error then (exit 3),
 * and as an output error (exit 4) once writing has begun. */
static int oom_at(int code)
{
    kva_progress_clear(&term_progress);
    kva_msg("out of memory");
    return code;
}

static int oom(void)
{
    return oom_at(EXIT_INPUT);
}

static int cmp_job(const void *a, const void *b)
{
    return strcmp(((const job *)a)->path, ((const job *)b)->path);
}

static bool same_file(const struct stat *a, const char *path)
{
    struct stat b;

    return stat(path, &b) == 0 && a->st_dev == b.st_dev &&
           a->st_ino == b.st_ino;
}

/*
 * List a file that could not be read (--allow-partial): kind unknown,
 * its size and hash when it can be read at all, and an input_skipped
 * warning with the position and message of the error.
 */
static int skip_input_at(run *r, const char *path, uint32_t line,
                         uint32_t col, const char *message)
{
    kva_input in = {0};
    struct stat st;

    in.path = strdup(path);
    if (!in.path)
        return oom();
    in.kind = KVA_KIND_UNKNOWN;
    in.failed = true;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
        in.bytes = (uint64_t)st.st_size;
        if (in.bytes <= KVA_MAX_FILE_SIZE &&
            kva_sha256_file(path, in.sha256) != KVA_OK)
            in.sha256[0] = '\0';
    }
    if (kva_model_add_input(r->model, &in, NULL) != KVA_OK ||
        kva_model_add_warning(r->model, "input_skipped", path, NULL, line,
                              col, "%s", message) != KVA_OK)
        return oom();
    r->model->complete = false;
    print_warning(r->o, path, line, col, message);
    return EXIT_PASS;
}

/* skip_input_at with the position and message of the error in r->err. */
static int skip_input(run *r, const char *path)
{
    return skip_input_at(r, path, r->err.line, r->err.col,
                         r->err.message ? r->err.message
                                        : kva_strerror(r->err.code));
}

/*
 * With --allow-partial, a PATH that cannot be reached (missing, or a
 * parent that cannot be searched) is skipped like an unreadable file: an
 * input_skipped warning, and the report is INCOMPLETE. The others go on
 * to be walked; *kept is a new array of them (caller frees).
 */
static int skip_missing_paths(run *r, char ***kept, size_t *n_kept)
{
    const kva_options *o = r->o;
    char **v = calloc(o->n_paths ? o->n_paths : 1, sizeof *v);
    size_t n = 0;

    if (!v)
        return oom();
    for (size_t i = 0; i < o->n_paths; i++) {
        struct stat st;
        int rc;

        if (stat(o->paths[i], &st) == 0 || errno == EOVERFLOW) {
            v[n++] = o->paths[i];
            continue;
        }
        rc = skip_input_at(r, o->paths[i], 0, 0, strerror(errno));
        if (rc != EXIT_PASS) {
            free(v);
            return rc;
        }
    }
    *kept = v;
    *n_kept = n;
    return EXIT_PASS;
}

/*
 * The files to read: everything found under PATH, plus the --exceptions
 * file. When the register is also found under PATH (same file, by
 * device and inode) it is read once, as the register.
 */
static int plan_jobs(run *r)
{
    const kva_options *o = r->o;
    bool found = false;
    struct stat xst;
    bool have_xst = o->exceptions && stat(o->exceptions, &xst) == 0;
    char **paths = o->paths;
    size_t n_paths = o->n_paths;
    kva_error e;
    int rc;

    if (o->allow_partial &&
        (rc = skip_missing_paths(r, &paths, &n_paths)) != EXIT_PASS)
        return rc;
    e = kva_collect_paths(paths, n_paths, &r->files, &r->n_files,
                          on_walk_warning, r, &r->err);
    if (paths != o->paths)
        free(paths);
    if (e != KVA_OK)
        return fail_with(r, EXIT_INPUT);
    if (r->out_of_memory)
        return oom();
    r->jobs = calloc(r->n_files + 1, sizeof *r->jobs);
    if (!r->jobs)
        return oom();
    for (size_t i = 0; i < r->n_files; i++) {
        job *j = &r->jobs[r->n_jobs++];
        j->path = r->files[i];
        if (o->exceptions && !found &&
            (strcmp(j->path, o->exceptions) == 0 ||
             (have_xst && same_file(&xst, j->path))))
            j->explicit_exceptions = found = true;
    }
    if (o->exceptions && !found) {
        r->jobs[r->n_jobs].path = o->exceptions;
        r->jobs[r->n_jobs].explicit_exceptions = true;
        r->n_jobs++;
        qsort(r->jobs, r->n_jobs, sizeof *r->jobs, cmp_job);
    }
    return EXIT_PASS;
}

/*
 * Read one file into a fresh model of its own. Each file is read alone
 * and merged into the main model in sorted order afterwards, so that the
 * reading can be spread over threads without changing the result.
 */
static kva_error read_one(const job *j, kva_model **out, kva_diag *err)
{
    kva_model *m = kva_model_new();
    kva_error e;

    *out = NULL;
    if (!m) {
        kva_diag_set(err, KVA_ERR_NOMEM, j->path, 0, 0, "out of memory");
        return KVA_ERR_NOMEM;
    }
    e = kva_read_file(j->path, j->explicit_exceptions, m, err);
    if (e != KVA_OK) {
        kva_model_free(m);
        return e;
    }
    *out = m;
    return KVA_OK;
}

static void report_file(const run *r, const kva_model *m)
{
    if (r->o->verbosity > 0) {
        kva_progress_clear(&term_progress);
        for (size_t i = 0; i < m->n_inputs; i++) {
            fputs("kvaudit: read ", stderr);
            put_term(stderr, m->inputs[i].path, 0);
            fprintf(stderr, ": %s, %zu record%s\n",
                    kva_kind_name(m->inputs[i].kind), m->inputs[i].records,
                    m->inputs[i].records == 1 ? "" : "s");
        }
    }
    for (size_t i = 0; i < m->n_warnings; i++)
        print_warning(r->o, m->warnings[i].path, m->warnings[i].line,
                      m->warnings[i].col, m->warnings[i].message);
}

/* One file read on a pool thread: the outcome waits in its slot. */
typedef struct read_slot {
    kva_model *m;
    kva_diag err;
    kva_error e;
} read_slot;

typedef struct read_pool {
    const job *jobs;
    read_slot *slots;
} read_pool;

static void read_task(void *ctx, size_t i)
{
    read_pool *rp = ctx;
    read_slot *s = &rp->slots[i];

    s->e = read_one(&rp->jobs[i], &s->m, &s->err);
}

/*
 * Files are read on the pool's threads, and merged here strictly in
 * their sorted order, each as soon as it and those before it are read:
 * warnings, errors and the model come out as one thread reading them in
 * a row would give (the first failing file in order decides, and the
 * files after it that were read in the meantime are dropped).
 */
static int read_all(run *r)
{
    read_pool rp = {r->jobs, NULL};
    kva_pool *pool = NULL;
    int rc = EXIT_PASS;

    rp.slots = calloc(r->n_jobs ? r->n_jobs : 1, sizeof *rp.slots);
    if (!rp.slots || !(pool = kva_pool_start(r->n_jobs, kva_threads(),
                                             read_task, &rp))) {
        free(rp.slots);
        return oom();
    }
    for (size_t i = 0; i < r->n_jobs && rc == EXIT_PASS; i++) {
        read_slot *s = &rp.slots[i];
        kva_error e;

        kva_pool_wait(pool, i);
        if (s->e != KVA_OK) {
            kva_diag_clear(&r->err);
            r->err = s->err;
            memset(&s->err, 0, sizeof s->err);
        }
        if (s->e == KVA_ERR_NOMEM || (s->e != KVA_OK && !r->o->allow_partial)) {
            rc = fail_with(r, EXIT_INPUT);
            break;
        }
        if (s->e != KVA_OK) {
            rc = skip_input(r, r->jobs[i].path);
            kva_diag_clear(&r->err);
        } else {
            report_file(r, s->m);
            e = kva_model_merge(r->model, s->m);
            kva_model_free(s->m);
            s->m = NULL;
            if (e != KVA_OK)
                rc = oom();
        }
        kva_progress_update(&term_progress, "reading", i + 1, r->n_jobs,
                            "files");
    }
    kva_pool_finish(pool);
    for (size_t i = 0; i < r->n_jobs; i++) {
        kva_model_free(rp.slots[i].m);
        kva_diag_clear(&rp.slots[i].err);
    }
    free(rp.slots);
    return rc;
}

static int evaluate(run *r)
{
    const kva_options *o = r->o;
    kva_eval_opts eo = {0};
    kva_error e;

    if (o->baseline) {
        if (kva_baseline_read(o->baseline, &r->baseline, &r->err) != KVA_OK)
            return fail_with(r, EXIT_INPUT);
        r->have_baseline = true;
        eo.baseline = &r->baseline;
    }
    eo.as_of = o->as_of;
    if (o->owner_tags) {
        eo.owner_tags = o->owner_tags;
        eo.n_owner_tags = o->n_owner_tags;
    } else {
        eo.owner_tags = kva_default_owner_tags;
        eo.n_owner_tags = kva_default_owner_tags_n;
    }
    if (o->env_tags) {
        eo.env_tags = o->env_tags;
        eo.n_env_tags = o->n_env_tags;
    } else {
        eo.env_tags = kva_default_env_tags;
        eo.n_env_tags = kva_default_env_tags_n;
    }
    eo.has_price = o->has_price;
    eo.price_per_vault = o->price_per_vault;
    eo.currency = o->has_price ? o->currency : NULL;

    kva_progress_update(&term_progress, "evaluating", 0, 0, NULL);
    r->result = kva_evaluate(r->model, &eo);
    if (!r->result)
        return oom();
    e = kva_remediation_fill(r->result, r->templates, &r->err);
    if (e != KVA_OK)
        return fail_with(r, e == KVA_ERR_TEMPLATE ? EXIT_USAGE : EXIT_INPUT);
    return EXIT_PASS;
}

static void put_pct(FILE *f, double pct)
{
    if (pct < 0)
        fputs("n/a", f);
    else
        fprintf(f, "%.1f%%", pct);
}

static size_t failed_inputs(const kva_result *res)
{
    size_t n = 0;

    for (size_t i = 0; i < res->n_inputs; i++)
        n += res->inputs[i].failed;
    return n;
}

/*
 * One of kvaudit's own words (a verdict, a status name), in colour when
 * `colour`, padded with spaces to `width` columns (0: no padding). The
 * padding stays outside the colour so that columns line up the same.
 */
static void put_word(FILE *f, const char *word, bool colour, int width)
{
    const char *sgr = colour ? kva_colour_of(word) : "";

    if (*sgr)
        fprintf(f, "%s%s%s", sgr, word, KVA_SGR_RESET);
    else
        fputs(word, f);
    for (int n = (int)strlen(word); n < width; n++)
        fputc(' ', f);
}

static void put_verdict(FILE *f, const kva_result *res, bool colour)
{
    put_word(f, res->pass ? "PASS" : "FAIL", colour, 0);
    if (!res->complete) {
        size_t n = failed_inputs(res);
        fputs(", ", f);
        put_word(f, "INCOMPLETE", colour, 0);
        fprintf(f, " (%zu input%s skipped)", n, n == 1 ? "" : "s");
    }
}

/* The stdout summary of `report`: aligned, within 80 columns. */
static void print_summary(const run *r)
{
    const kva_result *res = r->result;
    const kva_kpis *k = &res->kpis;
    const char *dir = r->o->out_dir;
    size_t col;
    FILE *f = stdout;

    fputs("Verdict           ", f);
    put_verdict(f, res, r->colour);
    fprintf(f, "\nSubscriptions     %zu in scope, %zu in total\n",
            k->subscriptions_in_scope, k->subscriptions_total);
    for (int s = 0; s < KVA_ST__COUNT; s++) {
        fputs("  ", f);
        put_word(f, kva_status_name((kva_status)s), r->colour, 16);
        fprintf(f, "%zu\n", k->by_status[s]);
    }
    fputs("Coverage\n  subscriptions   ", f);
    put_pct(f, k->subscription_coverage_pct);
    fprintf(f, " (%zu compliant of %zu in scope)\n  compliance      ",
            k->by_status[KVA_ST_COMPLIANT], k->subscriptions_in_scope);
    put_pct(f, k->compliance_pct);
    fprintf(f, " (exempt counted as compliant)\n  vaults          ");
    put_pct(f, k->vault_coverage_pct);
    fprintf(f, " (%zu covered of %zu)\n  owners          ", k->vaults_covered,
            k->vaults_total);
    put_pct(f, k->owner_coverage_pct);
    fprintf(f, " (%zu of %zu vaults have an owner)\n", k->vaults_with_owner,
            k->vaults_total);
    fprintf(f, "Warnings          %zu\n", res->n_warnings);
    fputs("Written to        ", f);
    put_term(f, dir, 0);
    if (!*dir || dir[strlen(dir) - 1] != '/')
        fputc('/', f);
    fputs("\n ", f);
    col = 1;
    for (size_t i = 0; i < r->n_written; i++) {
        size_t n = strlen(r->written[i]);
        if (col > 1 && col + 1 + n > 78) {
            fputs("\n ", f);
            col = 1;
        }
        fprintf(f, " %s", r->written[i]);
        col += 1 + n;
    }
    fputc('\n', f);
}

/* Width of the name column in the check table. */
#define NAME_COLS 28

/* The findings table of `check`: one row per subscription that is not
 * covered or is exempt, in remediation priority order, then the
 * verdict. */
static void print_findings(const run *r)
{
    const kva_result *res = r->result;
    const kva_kpis *k = &res->kpis;
    size_t rows = 0;
    FILE *f = stdout;

    for (size_t i = 0; i < res->n_subs; i++) {
        const kva_res_sub *s = &res->subs[i];

        if (s->status != KVA_ST_NONCOMPLIANT &&
            s->status != KVA_ST_NO_EVIDENCE && s->status != KVA_ST_EXEMPT)
            continue;
        if (rows++ == 0)
            fprintf(f, "%-14s%-38s%9s  %-*s  %s\n", "STATUS", "SUBSCRIPTION",
                    "UNCOVERED", NAME_COLS, "NAME", "OWNER");
        put_word(f, kva_status_name(s->status), r->colour, 14);
        put_term(f, s->sub ? s->sub->id : "", 36);
        fprintf(f, "  %9zu  ", s->vaults - s->vaults_covered);
        put_term(f, s->sub && s->sub->name ? s->sub->name : "-", NAME_COLS);
        fputs("  ", f);
        put_term(f, s->owner ? s->owner : "-", 0);
        fputc('\n', f);
    }
    if (rows)
        fputc('\n', f);
    put_verdict(f, res, r->colour);
    fprintf(f,
            ": %zu noncompliant, %zu no_evidence, %zu exempt, "
            "%zu compliant; %zu in scope\n",
            k->by_status[KVA_ST_NONCOMPLIANT], k->by_status[KVA_ST_NO_EVIDENCE],
            k->by_status[KVA_ST_EXEMPT], k->by_status[KVA_ST_COMPLIANT],
            k->subscriptions_in_scope);
}

static const char *report_title(const run *r)
{
    const char *t = r->o->title;

    if (t)
        return t;
    t = kva_templates_text(r->templates, "title");
    return *t ? t : DEFAULT_TITLE;
}

/*
 * The outputs are written side by side on the pool's threads: each
 * renderer reads the finished result and nothing else, and writes only
 * its own file. The largest go first, so that two threads end together
 * (report.xlsx on one, report.pdf then report.json on the other); with
 * one thread they run in format order, one after the other, as ever.
 */
static const kva_format by_cost[KVA_FMT__COUNT] = {
    KVA_FMT_XLSX, KVA_FMT_PDF, KVA_FMT_JSON, KVA_FMT_CSV,
    KVA_FMT_MD,   KVA_FMT_SH,  KVA_FMT_PS1,
};

struct render_set;

typedef struct render_job {
    struct render_set *set;
    kva_format f;
    const char *tmp; /* the output set's temporary name */
    kva_report rep;  /* this job's own: its progress hook names it */
    char label[32];  /* "writing report.xlsx" */
    kva_diag err;
    kva_error e;
    double seconds;
    bool done; /* under set->lock */
} render_job;

typedef struct render_set {
    render_job jobs[KVA_FMT__COUNT];
    size_t n;
    /* The progress line shows the first job not done yet; once a
     * renderer has asked for the line (to print a message) it is left
     * alone until the end. */
    pthread_mutex_t lock;
    bool line_taken;
} render_set;

static bool is_lead(const render_job *j)
{
    const render_set *set = j->set;

    for (size_t i = 0; i < set->n; i++)
        if (!set->jobs[i].done)
            return &set->jobs[i] == j;
    return false;
}

/* kva_progress_fn for the renderers, on their threads. */
static void render_progress(void *ctx, uint64_t done, uint64_t total,
                            const char *unit)
{
    render_job *j = ctx;
    render_set *set = j->set;

    pthread_mutex_lock(&set->lock);
    if (!unit) {
        kva_progress_clear(&term_progress);
        set->line_taken = true;
    } else if (!set->line_taken && is_lead(j)) {
        kva_progress_update(&term_progress, j->label, done, total, unit);
    }
    pthread_mutex_unlock(&set->lock);
}

static void render_task(void *ctx, size_t i)
{
    render_set *set = ctx;
    render_job *j = &set->jobs[i];
    double t0 = now_s();

    pthread_mutex_lock(&set->lock);
    if (!set->line_taken && is_lead(j))
        kva_progress_update(&term_progress, j->label, 0, 0, NULL);
    pthread_mutex_unlock(&set->lock);
    j->e = renderers[j->f](&j->rep, j->tmp, &j->err);
    j->seconds = now_s() - t0;
    pthread_mutex_lock(&set->lock);
    j->done = true;
    pthread_mutex_unlock(&set->lock);
}

/*
 * Run the jobs; stop at the first that fails, in job order (later ones
 * not yet started never start), and return its index, or set->n.
 */
static size_t render_all(run *r, render_set *set)
{
    kva_pool *pool = kva_pool_start(set->n, kva_threads(), render_task, set);
    size_t failed = set->n;
    double t0 = now_s();

    if (!pool) {
        r->out_of_memory = true;
        return 0;
    }
    for (size_t i = 0; i < set->n; i++) {
        render_job *j = &set->jobs[i];

        kva_pool_wait(pool, i);
        if (j->e != KVA_OK) {
            failed = i;
            break;
        }
        if (r->o->timings) {
            kva_progress_clear(&term_progress);
            fprintf(stderr, "kvaudit: time: render %s %.3f s\n",
                    kva_format_file(j->f), j->seconds);
        }
    }
    kva_pool_finish(pool);
    if (failed == set->n && set->n > 1)
        timing(r, "render", NULL, t0);
    return failed;
}

static int write_reports(run *r)
{
    const kva_options *o = r->o;
    char libs[256];
    kva_report rep = {0};
    render_set *set = NULL;
    size_t failed;
    int rc = EXIT_PASS;
    double t0;

    r->command_line = kva_command_line(r->argc, r->argv);
    if (!r->command_line)
        return oom_at(EXIT_OUTPUT);
    kva_lib_versions(libs, sizeof libs);
    rep.result = r->result;
    rep.templates = r->templates;
    rep.title = report_title(r);
    rep.org = o->org ? o->org : "";
    rep.as_of = o->as_of;
    rep.command_line = r->command_line;
    rep.tool_version = "kvaudit " KVA_VERSION;
    rep.lib_versions = libs;
    rep.pdf_vaults_all = o->pdf_vaults_all;
    rep.quiet = o->verbosity < 0;

    if (kva_outset_new(o->out_dir, &r->outset, &r->err) != KVA_OK)
        return fail_with(r, EXIT_OUTPUT);
    /* Every output name is ours: one this run does not write is an old
       report, and the commit removes it (see output.c). */
    for (int f = 0; f < KVA_FMT__COUNT; f++)
        if (kva_outset_claim(r->outset, kva_format_file((kva_format)f),
                             &r->err) != KVA_OK) {
            kva_outset_abort(r->outset);
            return fail_with(r, EXIT_OUTPUT);
        }
    set = calloc(1, sizeof *set);
    if (!set || pthread_mutex_init(&set->lock, NULL) != 0) {
        free(set);
        set = NULL;
        r->out_of_memory = true;
        rc = EXIT_OUTPUT;
        goto done;
    }
    for (int k = 0; k < KVA_FMT__COUNT; k++) {
        kva_format f = kva_threads() > 1 ? by_cost[k] : (kva_format)k;
        render_job *j = &set->jobs[set->n];

        if (!(o->formats & KVA_FMT_BIT(f)))
            continue;
        j->set = set;
        j->f = f;
        j->rep = rep;
        if (term_progress.f) {
            j->rep.progress = render_progress;
            j->rep.progress_ctx = j;
        }
        snprintf(j->label, sizeof j->label, "writing %s", kva_format_file(f));
        set->n++;
    }
    /* The temporary names, in format order. */
    for (int f = 0; f < KVA_FMT__COUNT; f++)
        for (size_t i = 0; i < set->n; i++)
            if (set->jobs[i].f == (kva_format)f &&
                kva_outset_add(r->outset, kva_format_file((kva_format)f),
                               &set->jobs[i].tmp, &r->err) != KVA_OK) {
                rc = EXIT_OUTPUT;
                goto done;
            }
    failed = render_all(r, set);
    if (r->out_of_memory) {
        rc = EXIT_OUTPUT;
        goto done;
    }
    if (failed < set->n) {
        /* Nothing of this run may remain: drop the set before telling. A
           renderer that is not built yet is a usage matter (the format
           cannot be asked for), not an output failure. */
        kva_diag_clear(&r->err);
        r->err = set->jobs[failed].err;
        memset(&set->jobs[failed].err, 0, sizeof r->err);
        rc = set->jobs[failed].e == KVA_ERR_USAGE ? EXIT_USAGE : EXIT_OUTPUT;
        goto done;
    }
    for (int f = 0; f < KVA_FMT__COUNT; f++)
        if (o->formats & KVA_FMT_BIT(f))
            r->written[r->n_written++] = kva_format_file((kva_format)f);
done:
    if (set) {
        for (size_t i = 0; i < set->n; i++)
            kva_diag_clear(&set->jobs[i].err);
        pthread_mutex_destroy(&set->lock);
        free(set);
    }
    if (rc != EXIT_PASS) {
        kva_outset_abort(r->outset);
        return r->out_of_memory ? oom_at(rc) : fail_with(r, rc);
    }
    t0 = now_s();
    if (kva_outset_commit(r->outset, &r->err) != KVA_OK)
        return fail_with(r, EXIT_OUTPUT);
    r->written[r->n_written++] = "SHA256SUMS";
    timing(r, "commit", NULL, t0);
    kva_progress_clear(&term_progress);
    if (o->verbosity >= 0)
        print_summary(r);
    return EXIT_PASS;
}

/*
 * --fail-on no-evidence asks for evidence that the control holds, so
 * beyond a noncompliant or unevidenced subscription it also fails when
 * there is nothing to judge (no subscription in scope: an empty
 * directory, or only disabled subscriptions) or when evidence was
 * skipped (--allow-partial). Those reasons are not in the findings, so
 * they are said on stderr, even with -q: they are why the exit is 1.
 */
static int verdict_exit(const run *r)
{
    const kva_result *res = r->result;
    const size_t *n = res->kpis.by_status;
    int rc = EXIT_PASS;

    switch (r->o->fail_on) {
    case KVA_FAIL_NEVER:
        return EXIT_PASS;
    case KVA_FAIL_NONCOMPLIANT:
        return n[KVA_ST_NONCOMPLIANT] ? EXIT_FAILS : EXIT_PASS;
    case KVA_FAIL_NO_EVIDENCE:
        if (n[KVA_ST_NONCOMPLIANT] || n[KVA_ST_NO_EVIDENCE])
            return EXIT_FAILS;
        kva_progress_clear(&term_progress);
        if (res->kpis.subscriptions_in_scope == 0) {
            kva_msg("no subscription in scope: the evidence shows none "
                    "(or only disabled ones), so it cannot show that the "
                    "control passes (--fail-on no-evidence)");
            rc = EXIT_FAILS;
        }
        if (!res->complete) {
            size_t k = failed_inputs(res);
            kva_msg("the evidence is incomplete: %zu input%s skipped, so it "
                    "cannot show that the control passes (--fail-on "
                    "no-evidence)",
                    k, k == 1 ? " was" : "s were");
            rc = EXIT_FAILS;
        }
        return rc;
    }
    return EXIT_PASS;
}

static int run_command(run *r)
{
    const kva_options *o = r->o;
    double t0, start = now_s();
    int rc;

    if (o->templates_dir) {
        if (kva_templates_load(o->templates_dir, &r->loaded_templates,
                               &r->err) != KVA_OK)
            return fail_with(r, EXIT_USAGE);
        r->templates = r->loaded_templates;
    } else {
        r->templates = kva_templates_builtin();
    }
    r->model = kva_model_new();
    if (!r->model)
        return oom();

    t0 = now_s();
    if ((rc = plan_jobs(r)) != EXIT_PASS || (rc = read_all(r)) != EXIT_PASS)
        return rc;
    timing(r, "read", NULL, t0);

    t0 = now_s();
    if ((rc = evaluate(r)) != EXIT_PASS)
        return rc;
    timing(r, "evaluate", NULL, t0);

    if (o->command == KVA_CMD_REPORT) {
        if ((rc = write_reports(r)) != EXIT_PASS)
            return rc;
    } else if (o->verbosity >= 0) {
        kva_progress_clear(&term_progress);
        print_findings(r);
    }
    timing(r, "total", NULL, start);
    return verdict_exit(r);
}

static void run_free(run *r)
{
    kva_outset_free(r->outset);
    free(r->command_line);
    kva_result_free(r->result);
    if (r->have_baseline)
        kva_baseline_free(&r->baseline);
    free(r->jobs);
    kva_paths_free(r->files, r->n_files);
    kva_model_free(r->model);
    kva_templates_free(r->loaded_templates);
    kva_diag_clear(&r->err);
}

int main(int argc, char **argv)
{
    kva_options o;
    kva_diag err = {0};
    kva_error e;
    int rc;

    e = kva_options_parse(argc, argv, getenv("SOURCE_DATE_EPOCH"), &o, &err);
    if (e == KVA_ERR_NOMEM) {
        rc = oom();
    } else if (e != KVA_OK) {
        kva_diag_print(&err);
        fputs("Try 'kvaudit --help'.\n", stderr);
        rc = EXIT_USAGE;
    } else if (o.command == KVA_CMD_HELP) {
        kva_usage(stdout);
        rc = EXIT_PASS;
    } else if (o.command == KVA_CMD_VERSION) {
        char libs[256];
        kva_lib_versions(libs, sizeof libs);
        printf("kvaudit %s\n%s\n", KVA_VERSION, libs);
        rc = EXIT_PASS;
    } else {
        run r = {0};
        kva_threads_set(kva_threads_default(getenv("KVAUDIT_THREADS")));
        r.o = &o;
        r.argc = argc;
        r.argv = argv;
        if (!o.as_of_set)
            o.as_of = (int64_t)time(NULL);
        /* Progress and colour are for a person at a terminal; -q asks
           for silence on both streams. */
        kva_progress_init(
            &term_progress,
            o.verbosity >= 0 && isatty(STDERR_FILENO) ? stderr : NULL,
            kva_progress_delay(getenv("KVAUDIT_PROGRESS_DELAY")), NULL);
        r.colour = kva_colour_wanted(isatty(STDOUT_FILENO) != 0,
                                     getenv("NO_COLOR"), getenv("TERM"));
        rc = run_command(&r);
        kva_progress_clear(&term_progress);
        run_free(&r);
    }
    kva_options_free(&o);
    kva_diag_clear(&err);
    /* A summary that could not be written (a full disk, a closed pipe) is
       an output error too. */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        kva_msg("standard output: %s", strerror(errno));
        if (rc == EXIT_PASS || rc == EXIT_FAILS)
            rc = EXIT_OUTPUT;
    }
    return rc;
}

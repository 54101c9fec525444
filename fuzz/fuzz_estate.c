/*
 * A whole estate through the whole command: one input is cut into up to
 * six evidence files, written into a fresh directory, and `kvaudit report`
 * (or `check`) runs over them exactly as from a shell, through main.c
 * (see cli_main.h), into a temporary --out with every format (unless
 * the options leave out the slow ones).
 *
 * Input layout:
 *
 *   [#kva TOKEN...\n] FILE [SEP FILE]...      SEP = "\n--kvaudit-file--\n"
 *
 * A first line starting with "#kva" holds options, one token each:
 *   check  partial  quiet  verbose  price  vaults-all  xin  bin
 *   no-xlsx  no-pdf  (the two slow renderers: inputs without them run
 *                     ten times as fast, so most mutations are spent on
 *                     reading, evaluation and the text renderers)
 *   fail=never|noncompliant|no-evidence  owner=KEY  env=KEY
 *   title=TEXT  org=TEXT
 * A file holding "kvaudit.exceptions/" is given with --exceptions (with
 * `xin`: left among the evidence, where it is recognised by content); the
 * first holding "kvaudit.report/" is given with --baseline (with `bin`:
 * left among the evidence, where it must be listed and ignored). Past the
 * sixth, separators are just bytes of the last file.
 *
 * Then what the contract promises is checked (DESIGN.md sections 1, 2, 5):
 *   - exit 0 or 1: every output asked for and SHA256SUMS, nothing else
 *     (no temporary file left); the text outputs are valid UTF-8; report.json
 *     is JSON that kvaudit itself reads back as a --baseline;
 *   - exit 3: nothing written;
 *   - exit 2 only when a user-supplied option text may be refused;
 *   - exit 4 never: the scratch directory is always writable, so an
 *     output error means some input made a renderer fail.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli_main.h"
#include "evaluate.h"
#include "fuzz.h"
#include "text.h"

#define SEP "\n--kvaudit-file--\n"
#define MAX_PARTS 6
#define MAX_ARGS 48
/* -f for each combination of no-xlsx (1) and no-pdf (2). */
static const char *const formats[4] = {
    "json,xlsx,pdf,csv,md,sh,ps1",
    "json,pdf,csv,md,sh,ps1",
    "json,xlsx,csv,md,sh,ps1",
    "json,csv,md,sh,ps1",
};

/* The files of a run with every format; "" stands for one not asked. */
#define N_OUTPUTS 8
/* The outputs that are text (and must be valid UTF-8). */
static const char *const text_outputs[] = {
    "report.json",  "findings.csv",  "summary.md",
    "remediate.sh", "remediate.ps1", "SHA256SUMS",
};
#define N_TEXT_OUTPUTS (sizeof text_outputs / sizeof text_outputs[0])

typedef struct part {
    const uint8_t *data;
    size_t size;
} part;

typedef struct estate {
    bool check, partial, quiet, verbose, price, vaults_all, xin, bin;
    bool no_xlsx, no_pdf;
    bool free_text; /* an option whose text the command may refuse */
    const char *fail_on;
    char *owner, *env, *title, *org; /* owned */
    part parts[MAX_PARTS];
    size_t n_parts;
} estate;

static const uint8_t *find(const uint8_t *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);

    for (size_t i = 0; k <= n && i <= n - k; i++)
        if (hay[i] == (uint8_t)needle[0] && memcmp(hay + i, needle, k) == 0)
            return hay + i;
    return NULL;
}

/* A NUL-terminated copy of the token's value (argv cannot hold a NUL:
 * the value ends at the first one). */
static char *value_of(const uint8_t *tok, size_t n, size_t prefix)
{
    size_t len = n - prefix;
    char *s = malloc(len + 1);

    if (!s)
        return NULL;
    memcpy(s, tok + prefix, len);
    s[len] = '\0';
    return s;
}

static bool token_is(const uint8_t *tok, size_t n, const char *word)
{
    return n == strlen(word) && memcmp(tok, word, n) == 0;
}

static bool token_has(const uint8_t *tok, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    return n >= k && memcmp(tok, prefix, k) == 0;
}

/* Replace *slot with a new value (a repeated token: the last wins). */
static void set_text(estate *e, char **slot, const uint8_t *tok, size_t n,
                     size_t prefix)
{
    free(*slot);
    *slot = value_of(tok, n, prefix);
    e->free_text = true;
}

static void header_token(estate *e, const uint8_t *tok, size_t n)
{
    if (token_is(tok, n, "check"))
        e->check = true;
    else if (token_is(tok, n, "partial"))
        e->partial = true;
    else if (token_is(tok, n, "quiet"))
        e->quiet = true;
    else if (token_is(tok, n, "verbose"))
        e->verbose = true;
    else if (token_is(tok, n, "price"))
        e->price = true;
    else if (token_is(tok, n, "vaults-all"))
        e->vaults_all = true;
    else if (token_is(tok, n, "xin"))
        e->xin = true;
    else if (token_is(tok, n, "bin"))
        e->bin = true;
    else if (token_is(tok, n, "no-xlsx"))
        e->no_xlsx = true;
    else if (token_is(tok, n, "no-pdf"))
        e->no_pdf = true;
    else if (token_is(tok, n, "fail=never"))
        e->fail_on = "never";
    else if (token_is(tok, n, "fail=noncompliant"))
        e->fail_on = "noncompliant";
    else if (token_is(tok, n, "fail=no-evidence"))
        e->fail_on = "no-evidence";
    else if (token_has(tok, n, "owner="))
        set_text(e, &e->owner, tok, n, 6);
    else if (token_has(tok, n, "env="))
        set_text(e, &e->env, tok, n, 4);
    else if (token_has(tok, n, "title="))
        set_text(e, &e->title, tok, n, 6);
    else if (token_has(tok, n, "org="))
        set_text(e, &e->org, tok, n, 4);
}

static void parse(estate *e, const uint8_t *data, size_t size)
{
    if (size >= 4 && memcmp(data, "#kva", 4) == 0) {
        const uint8_t *nl = memchr(data, '\n', size);
        size_t line = nl ? (size_t)(nl - data) : size;

        for (size_t i = 4; i < line;) {
            size_t j = i;
            while (j < line && data[j] != ' ')
                j++;
            if (j > i)
                header_token(e, data + i, j - i);
            i = j + 1;
        }
        line = nl ? line + 1 : size;
        data += line;
        size -= line;
    }
    while (e->n_parts < MAX_PARTS - 1) {
        const uint8_t *sep = find(data, size, SEP);
        size_t n;

        if (!sep)
            break;
        n = (size_t)(sep - data);
        e->parts[e->n_parts++] = (part){data, n};
        data += n + strlen(SEP);
        size -= n + strlen(SEP);
    }
    e->parts[e->n_parts++] = (part){data, size};
}

static void estate_free(estate *e)
{
    free(e->owner);
    free(e->env);
    free(e->title);
    free(e->org);
}

static char *join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *s = malloc(n);

    if (s)
        snprintf(s, n, "%s/%s", a, b);
    return s;
}

/* The whole file, NUL-terminated; NULL when it cannot be read. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0;

    if (!f)
        return NULL;
    for (;;) {
        size_t got;

        if (cap - n < 4096) {
            char *nb = realloc(buf, cap * 2 + 4096);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
            cap = cap * 2 + 4096;
        }
        got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static size_t count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    size_t n = 0;

    if (!d) {
        KVA_FUZZ_CHECK(errno == ENOENT);
        return 0;
    }
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

/* A complete output set: each file there, the text ones valid UTF-8,
 * report.json readable as a baseline. */
static void check_outputs(const char *out, const estate *e)
{
    const char *const outputs[N_OUTPUTS] = {
        "report.json",
        e->no_xlsx ? "" : "report.xlsx",
        e->no_pdf ? "" : "report.pdf",
        "findings.csv",
        "summary.md",
        "remediate.sh",
        "remediate.ps1",
        "SHA256SUMS",
    };
    size_t want = 0;
    kva_baseline b = {0};
    kva_diag err = {0};
    char *path;

    for (size_t i = 0; i < N_OUTPUTS; i++)
        want += *outputs[i] != '\0';
    KVA_FUZZ_CHECK(count_entries(out) == want);
    for (size_t i = 0; i < N_OUTPUTS; i++) {
        struct stat st;

        if (!*outputs[i])
            continue;
        path = join(out, outputs[i]);
        if (!path)
            return;
        KVA_FUZZ_CHECK(stat(path, &st) == 0 && S_ISREG(st.st_mode));
        free(path);
    }
    for (size_t i = 0; i < N_TEXT_OUTPUTS; i++) {
        size_t len = 0;
        char *text;

        path = join(out, text_outputs[i]);
        if (!path)
            return;
        text = slurp(path, &len);
        free(path);
        if (!text)
            continue;
        KVA_FUZZ_CHECK(kva_utf8_valid(text, len, NULL));
        if (i == 0) {
            /* The length counts the NUL: cJSON wants to see it to know
               nothing follows the value. */
            cJSON *j = cJSON_ParseWithLengthOpts(text, len + 1, NULL, true);
            KVA_FUZZ_CHECK(j != NULL);
            cJSON_Delete(j);
        }
        free(text);
    }
    path = join(out, "report.json");
    if (!path)
        return;
    KVA_FUZZ_CHECK(kva_baseline_read(path, &b, &err) == KVA_OK);
    kva_baseline_free(&b);
    kva_diag_clear(&err);
    free(path);
}

/*
 * Write the parts into the current directory (the run's own) and build
 * argv. Every path is relative, so that the report holds the same text
 * wherever the scratch directory is: what crashed while fuzzing crashes
 * the same way in the replay. argv points at literals, at the estate's
 * strings and into `names`.
 */
static int build(const estate *e, char **argv, int *argc,
                 char names[MAX_PARTS][32])
{
    bool have_baseline = false, have_exceptions = false;
    int n = 0;

#define ARG(s) (argv[n++] = (char *)(s))
    if (mkdir("in", 0700) != 0)
        return -1;
    ARG("kvaudit");
    ARG(e->check ? "check" : "report");
    ARG("--as-of");
    ARG("2026-11-23");
    if (!e->check) {
        ARG("-o");
        ARG("out");
        ARG("-f");
        ARG(formats[e->no_xlsx + 2 * e->no_pdf]);
    }
    if (e->partial)
        ARG("--allow-partial");
    if (e->quiet)
        ARG("-q");
    if (e->verbose)
        ARG("-v");
    if (e->price) {
        ARG("--price-per-vault");
        ARG("4.25");
        ARG("--currency");
        ARG("EUR");
    }
    if (e->vaults_all) {
        ARG("--pdf-vaults");
        ARG("all");
    }
    if (e->fail_on) {
        ARG("--fail-on");
        ARG(e->fail_on);
    }
    if (e->owner) {
        ARG("--owner-tag");
        ARG(e->owner);
    }
    if (e->env) {
        ARG("--env-tag");
        ARG(e->env);
    }
    if (e->title) {
        ARG("--title");
        ARG(e->title);
    }
    if (e->org) {
        ARG("--org");
        ARG(e->org);
    }
    for (size_t i = 0; i < e->n_parts; i++) {
        const part *p = &e->parts[i];

        if (!have_baseline && !e->bin &&
            find(p->data, p->size, "kvaudit.report/")) {
            strcpy(names[i], "baseline.json");
            ARG("--baseline");
            ARG(names[i]);
            have_baseline = true;
        } else if (!have_exceptions && !e->xin &&
                   find(p->data, p->size, "kvaudit.exceptions/")) {
            strcpy(names[i], "exceptions.json");
            ARG("--exceptions");
            ARG(names[i]);
            have_exceptions = true;
        } else {
            snprintf(names[i], sizeof names[i], "in/%02u.json", (unsigned)i);
        }
        if (kva_fuzz_write(names[i], p->data, p->size) != 0)
            return -1;
    }
    ARG("in");
    argv[n] = NULL;
    *argc = n;
    return 0;
#undef ARG
}

/* Run the command in `dir`, then check what it left in "out". */
static void run_in(const char *dir, const estate *e)
{
    char *argv[MAX_ARGS + 1];
    char names[MAX_PARTS][32];
    int argc = 0, rc;

    if (chdir(dir) != 0)
        return;
    if (build(e, argv, &argc, names) != 0)
        return;
    rc = kva_cli_main(argc, argv);
    KVA_FUZZ_CHECK(rc != 4);
    KVA_FUZZ_CHECK(rc != 2 || e->free_text);
    if (e->check || rc == 2 || rc == 3)
        KVA_FUZZ_CHECK(count_entries("out") == 0);
    else
        check_outputs("out", e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool quiet_stdout;
    const char *scratch = kva_fuzz_scratch();
    estate e = {0};
    char *dir;
    int home;

    if (!scratch)
        return 0;
    /* The summary and the findings table are written as usual (put_term
       runs on every name), into /dev/null. */
    if (!quiet_stdout && freopen("/dev/null", "w", stdout))
        quiet_stdout = true;
    dir = join(scratch, "estate");
    if (!dir)
        return 0;
    home = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (home >= 0 && mkdir(dir, 0700) == 0) {
        parse(&e, data, size);
        run_in(dir, &e);
        KVA_FUZZ_CHECK(fchdir(home) == 0);
        estate_free(&e);
    }
    if (home >= 0)
        close(home);
    kva_fuzz_rmtree(dir);
    free(dir);
    return 0;
}

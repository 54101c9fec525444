#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "hash.h"
#include "output.h"

/* Each test works in a fresh directory under TMPDIR. */
typedef struct fixture {
    char root[256];
    char out[300];
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    const char *tmp = getenv("TMPDIR");

    if (!fx)
        return -1;
    snprintf(fx->root, sizeof fx->root, "%s/kva-output.XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(fx->root)) {
        free(fx);
        return -1;
    }
    snprintf(fx->out, sizeof fx->out, "%s/out", fx->root);
    *state = fx;
    return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag,
                  struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static int teardown(void **state)
{
    fixture *fx = *state;

    chmod(fx->root, 0700);
    nftw(fx->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(fx);
    return 0;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

/* The whole file as a string (caller frees); NULL when absent. */
static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static char *path_in(const char *dir, const char *name)
{
    static char buf[4][512];
    static int k;
    char *p = buf[k++ % 4];

    snprintf(p, 512, "%s/%s", dir, name);
    return p;
}

/* Names in dir, sorted, joined with spaces ("" when empty; NULL when the
 * directory does not exist). */
static char *listing(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char *names[64];
    size_t n = 0, len = 1;
    char *out;

    if (!d)
        return NULL;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        assert_true(n < 64);
        names[n] = strdup(de->d_name);
        len += strlen(de->d_name) + 1;
        n++;
    }
    closedir(d);
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char *t = names[j];
            names[j] = names[j - 1];
            names[j - 1] = t;
        }
    out = calloc(1, len);
    for (size_t i = 0; i < n; i++) {
        if (i)
            strcat(out, " ");
        strcat(out, names[i]);
        free(names[i]);
    }
    return out;
}

static void expect_listing(const char *dir, const char *want)
{
    char *got = listing(dir);

    if (!want) {
        if (got)
            fail_msg("%s exists and holds '%s'", dir, got);
        return;
    }
    if (!got)
        fail_msg("%s does not exist", dir);
    if (strcmp(got, want) != 0)
        fail_msg("%s holds '%s', want '%s'", dir, got, want);
    free(got);
}

/* Add an output and fill its temporary file with text. */
static const char *add(kva_outset *os, const char *name, const char *text)
{
    const char *tmp = NULL;
    kva_diag err = {0};

    assert_int_equal(kva_outset_add(os, name, &tmp, &err), KVA_OK);
    assert_non_null(tmp);
    if (text)
        write_text(tmp, text);
    kva_diag_clear(&err);
    return tmp;
}

static void test_commit(void **state)
{
    fixture *fx = *state;
    kva_outset *os;
    kva_diag err = {0};
    char hex_a[65], hex_b[65], want[400], cmd[700];
    char *sums;

    assert_int_equal(kva_outset_new(fx->out, &os, &err), KVA_OK);
    add(os, "report.xlsx", "xlsx bytes\n");
    add(os, "report.json", "{}\n");
    {
        /* before commit: only the two hidden temporary files */
        char *l = listing(fx->out);
        assert_int_equal(strncmp(l, ".report.json.", 13), 0);
        assert_non_null(strstr(l, " .report.xlsx."));
        assert_int_equal(strlen(l), 2 * 19 + 1);
        free(l);
    }
    assert_int_equal(kva_outset_commit(os, &err), KVA_OK);
    kva_outset_free(os);

    expect_listing(fx->out, "SHA256SUMS report.json report.xlsx");
    kva_sha256_buf("{}\n", 3, hex_a);
    kva_sha256_buf("xlsx bytes\n", 11, hex_b);
    snprintf(want, sizeof want, "%s  report.json\n%s  report.xlsx\n", hex_a,
             hex_b);
    sums = read_text(path_in(fx->out, "SHA256SUMS"));
    assert_non_null(sums);
    assert_string_equal(sums, want);
    free(sums);

    /* the checksums are what sha256sum itself accepts */
    snprintf(cmd, sizeof cmd,
             "cd '%s' && sha256sum --quiet --strict -c SHA256SUMS", fx->out);
    assert_int_equal(system(cmd), 0);
    kva_diag_clear(&err);
}

static void test_temp_names_and_mode(void **state)
{
    fixture *fx = *state;
    kva_outset *os;
    kva_diag err = {0};
    const char *tmp;
    const char *base;
    struct stat st;
    mode_t old = umask(027);

    assert_int_equal(kva_outset_new(fx->out, &os, &err), KVA_OK);
    tmp = add(os, "report.json", NULL);
    base = strrchr(tmp, '/') + 1;
    /* ".report.json." and six letters or digits, inside --out */
    assert_int_equal(strncmp(tmp, fx->out, strlen(fx->out)), 0);
    assert_int_equal(strlen(base), strlen(".report.json.") + 6);
    assert_int_equal(strncmp(base, ".report.json.", 13), 0);
    for (const char *p = base + 13; *p; p++)
        assert_true((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                    (*p >= '0' && *p <= '9'));
    assert_int_equal(lstat(tmp, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_size, 0);
    /* 0644 with the umask applied */
    assert_int_equal(st.st_mode & 07777, 0640);
    assert_int_equal(kva_outset_commit(os, &err), KVA_OK);
    assert_int_equal(stat(path_in(fx->out, "report.json"), &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
    assert_int_equal(stat(path_in(fx->out, "SHA256SUMS"), &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
    kva_outset_free(os);
    umask(old);
    kva_diag_clear(&err);
}

static void test_abort_leaves_nothing(void **state)
{
    fixture *fx = *state;
    kva_outset *os;
    kva_diag err = {0};

    /* a directory the set created is removed again */
    assert_int_equal(kva_outset_new(fx->out, &os, &err), KVA_OK);
    add(os, "report.json", "partial");
    add(os, "report.pdf", "partial");
    kva_outset_abort(os);
    kva_outset_free(os);
    expect_listing(fx->out, NULL);
    expect_listing(fx->root, "");

    /* freeing without commit aborts too */
    assert_int_equal(kva_outset_new(fx->out, &os, &err), KVA_OK);
    add(os, "report.json", "partial");
    kva_outset_free(os);
    expect_listing(fx->root, "");
    kva_diag_clear(&err);
}

static void test_abort_keeps_existing(void **state)
{
    fixture *fx = *state;
    kva_outset *os;
    kva_diag err = {0};
    char *s;

    assert_int_equal(mkdir(fx->out, 0755), 0);
    write_text(path_in(fx->out, "report.json"), "old report\n");
    write_text(path_in(fx->out, "SHA256SUMS"), "old sums\n");
    write_text(path_in(fx->out, "notes.txt"), "mine\n");
    assert_int_equal(kva_outset_new(fx->out, &os, &err), KVA_OK);
    add(os, "report.json", "new report\n");
    add(os, "report.xlsx", "new");
    kva_outset_abort(os);
    kva_outset_free(os);
    expect_listing(fx->out, "SHA256SUMS notes.txt report.json");
    s = read_text(path_in(fx->out, "report.json"));
    assert_string_equal(s, "old report\n");
    free(s);
    s = read_text(path_in(fx->out, "SHA256SUMS"));
    assert_string_equal(s, "old sums\n");
    free(s);
    kva_diag_clear(&err);
}

/* Files the new set does not write stay; the new SHA256SUMS lists only
 * the new files. */
static void test_commit_keeps_others(void **state)
{
    fixture *fx = *state;
    kva_outset *os;
    kva_diag err = {0};
    char hex[65], want[100];
    char *s;

    assert_int_equal(mkdir(fx->out, 0755), 0);
    write_text(path_in(fx->out, "report.pdf"), "old pdf\n");
    write_text(path_in(fx->out, "report.json"), "old json\n");
    assert_int_equal(kva_outset_new(fx->out, &os, &err), KVA_OK);
    add(os, "report.json", "new json\n");
    assert_int_equal(kva_outset_commit(os, &err), KVA_OK);
    kva_outset_free(os);
    expect_listing(fx->out, "SHA256SUMS report.json report.pdf");
    s = read_text(path_in(fx->out, "report.pdf"));
    assert_string_equal(s, "old pdf\n");
    free(s);
    s = read_text(path_in(fx->out, "report.json"));
    assert_string_equal(s, "new json\n");
    free(s);
    kva_sha256_buf("new json\n", 9, hex);
    snprintf(want, sizeof want, "%s  report.json\n", hex);
    s = read_text(path_in(fx->out, "SHA256SUMS"));
    assert_string_equal(s, want);
    free(s);
    kva_diag_clear(&err);
}

static void test_symlink_replaced(void **state)
{
    fixture *fx = *state;
    kva_outset *os;
    kva_diag err = {0};
    char victim[400], *s;
    struct stat st;

    snprintf(victim, sizeof victim, "%s/victim", fx->root);
    write_text(victim, "precious\n");
    assert_int_equal(mkdir(fx->out, 0755), 0);
    assert_int_equal(symlink(victim, path_in(fx->out, "report.json")), 0);
    assert_int_equal(symlink(victim, path_in(fx->out, "SHA256SUMS")), 0);
    assert_int_equal(kva_outset_new(fx->out, &os, &err), KVA_OK);
    add(os, "report.json", "new\n");
    assert_int_equal(kva_outset_commit(os, &err), KVA_OK);
    kva_outset_free(os);
    /* the links were replaced by files; their target is untouched */
    assert_int_equal(lstat(path_in(fx->out, "report.json"), &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(lstat(path_in(fx->out, "SHA256SUMS"), &st), 0);
    assert_true(S_ISREG(st.st_mode));
    s = read_text(victim);
    assert_string_equal(s, "precious\n");
    free(s);
    kva_diag_clear(&err);
}

/* A temporary file swapped for a symlink before commit is refused
 * (O_NOFOLLOW), and nothing reaches a final name. */
static void test_temp_symlink_refused(void **state)
{
    fixture *fx = *state;
    kva_outset *os;
    kva_diag err = {0};
    char victim[400], *s;
    const char *tmp;

    snprintf(victim, sizeof victim, "%s/victim", fx->root);
    write_text(victim, "precious\n");
    assert_int_equal(kva_outset_new(fx->out, &os, &err), KVA_OK);
    add(os, "report.json", "fine\n");
    tmp = add(os, "report.xlsx", "x");
    assert_int_equal(unlink(tmp), 0);
    assert_int_equal(symlink(victim, tmp), 0);
    assert_int_equal(kva_outset_commit(os, &err), KVA_ERR_IO);
    assert_non_null(err.message);
    kva_outset_free(os);
    expect_listing(fx->root, "victim");
    s = read_text(victim);
    assert_string_equal(s, "precious\n");
    free(s);
    kva_diag_clear(&err);
}

/* A directory in the way of a final name fails the set before any
 * rename. */
static void test_directory_in_the_way(void **state)
{
    fixture *fx = *state;
    kva_outset *os;
    kva_diag err = {0};

    assert_int_equal(mkdir(fx->out, 0755), 0);
    assert_int_equal(mkdir(path_in(fx->out, "report.xlsx"), 0755), 0);
    assert_int_equal(kva_outset_new(fx->out, &os, &err), KVA_OK);
    add(os, "report.json", "new\n");
    add(os, "report.xlsx", "new\n");
    assert_int_equal(kva_outset_commit(os, &err), KVA_ERR_IO);
    assert_string_equal(err.message, strerror(EISDIR));
    assert_string_equal(err.path, path_in(fx->out, "report.xlsx"));
    kva_outset_free(os);
    expect_listing(fx->out, "report.xlsx");
    kva_diag_clear(&err);
}

static const char *const all_outputs[] = {
    "report.json",  "report.xlsx",  "report.pdf",   "findings.csv",
    "summary.md",   "remediate.sh", "remediate.ps1"};

static void claim_all(kva_outset *os)
{
    kva_diag err = {0};

    for (size_t i = 0; i < sizeof all_outputs / sizeof all_outputs[0]; i++)
        assert_int_equal(kva_outset_claim(os, all_outputs[i], &err), KVA_OK);
    kva_diag_clear(&err);
}

static void expect_text(const char *path, const char *want)
{
    char *s = read_text(path);

    if (!s)
        fail_msg("%s is missing", path);
    if (strcmp(s, want) != 0)
        fail_msg("%s holds '%s', want '%s'", path, s, want);
    free(s);
}

/* An --out from an earlier run: four outputs, SHA256SUMS, a file of the
 * user's. */
static void old_run(const fixture *fx)
{
    assert_int_equal(mkdir(fx->out, 0755), 0);
    write_text(path_in(fx->out, "report.json"), "old json\n");
    write_text(path_in(fx->out, "report.pdf"), "old pdf\n");
    write_text(path_in(fx->out, "findings.csv"), "old csv\n");
    write_text(path_in(fx->out, "summary.md"), "old md\n");
    write_text(path_in(fx->out, "SHA256SUMS"), "old sums\n");
    write_text(path_in(fx->out, "notes.txt"), "mine\n");
}

static void expect_old_run(const fixture *fx)
{
    expect_listing(fx->out, "SHA256SUMS findings.csv notes.txt report.json "
                            "report.pdf summary.md");
    expect_text(path_in(fx->out, "report.json"), "old json\n");
    expect_text(path_in(fx->out, "report.pdf"), "old pdf\n");
    expect_text(path_in(fx->out, "findings.csv"), "old csv\n");
    expect_text(path_in(fx->out, "summary.md"), "old md\n");
    expect_text(path_in(fx->out, "SHA256SUMS"), "old sums\n");
    expect_text(path_in(fx->out, "notes.txt"), "mine\n");
}

/*
 * A final name that cannot be replaced, met after report.json was
 * already swapped in: the commit fails and everything goes back, the
 * swapped report.json, the stale outputs it had moved out and the old
 * SHA256SUMS, with no temporary file left behind. Once with
 * RENAME_EXCHANGE, once the way a file system without it goes.
 */
static void rollback_case(fixture *fx, const char *blocker, bool exchange)
{
    kva_outset *os;
    kva_diag err = {0};

    old_run(fx);
    assert_int_equal(unlink(path_in(fx->out, blocker)), 0);
    assert_int_equal(mkdir(path_in(fx->out, blocker), 0755), 0);
    kva_outset_use_exchange(exchange);
    assert_int_equal(kva_outset_new(fx->out, &os, &err), KVA_OK);
    claim_all(os);
    add(os, "report.json", "new json\n");
    if (strcmp(blocker, "SHA256SUMS") != 0)
        add(os, blocker, "new\n");
    assert_int_equal(kva_outset_commit(os, &err), KVA_ERR_IO);
    assert_string_equal(err.path, path_in(fx->out, blocker));
    assert_string_equal(err.message, strerror(EISDIR));
    kva_outset_free(os);
    kva_outset_use_exchange(true);
    assert_int_equal(rmdir(path_in(fx->out, blocker)), 0);
    write_text(path_in(fx->out, blocker), strcmp(blocker, "SHA256SUMS") == 0
                                              ? "old sums\n"
                                              : "old pdf\n");
    expect_old_run(fx);
    kva_diag_clear(&err);
}

static void test_rollback_exchange(void **state)
{
    rollback_case(*state, "report.pdf", true);
}

static void test_rollback_aside(void **state)
{
    rollback_case(*state, "report.pdf", false);
}

/* The last step fails: SHA256SUMS after the stale outputs were moved. */
static void test_rollback_sums_exchange(void **state)
{
    rollback_case(*state, "SHA256SUMS", true);
}

static void test_rollback_sums_aside(void **state)
{
    rollback_case(*state, "SHA256SUMS", false);
}

/*
 * An immutable old report.pdf (chattr +i: renaming over it fails with
 * EPERM): report.json was swapped before and must be the old one again.
 * Needs a file system with the attribute and the right to set it; the
 * directory cases above cover the same path everywhere.
 */
static void test_rollback_immutable(void **state)
{
    fixture *fx = *state;
    kva_outset *os;
    kva_diag err = {0};
    char cmd[700];
    kva_error rc;

    old_run(fx);
    snprintf(cmd, sizeof cmd, "chattr +i '%s' 2>/dev/null",
             path_in(fx->out, "report.pdf"));
    if (system(cmd) != 0) {
        print_message("chattr +i is not available here: case not run\n");
        skip();
    }
    assert_int_equal(kva_outset_new(fx->out, &os, &err), KVA_OK);
    claim_all(os);
    add(os, "report.json", "new json\n");
    add(os, "report.pdf", "new pdf\n");
    rc = kva_outset_commit(os, &err);
    kva_outset_free(os);
    snprintf(cmd, sizeof cmd, "chattr -i '%s'",
             path_in(fx->out, "report.pdf"));
    assert_int_equal(system(cmd), 0);
    assert_int_equal(rc, KVA_ERR_IO);
    assert_string_equal(err.path, path_in(fx->out, "report.pdf"));
    assert_string_equal(err.message, strerror(EPERM));
    expect_old_run(fx);
    kva_diag_clear(&err);
}

/*
 * Outputs of an earlier run that this run does not write are removed by
 * the commit: only claimed names, only files and symlinks (a symlink's
 * target stays), never a directory or a file of the user's.
 */
static void stale_case(fixture *fx, bool exchange)
{
    kva_outset *os;
    kva_diag err = {0};
    char victim[400], hex[65], want[100];

    snprintf(victim, sizeof victim, "%s/victim", fx->root);
    write_text(victim, "precious\n");
    old_run(fx);
    assert_int_equal(symlink(victim, path_in(fx->out, "remediate.sh")), 0);
    assert_int_equal(mkdir(path_in(fx->out, "remediate.ps1"), 0755), 0);
    write_text(path_in(fx->out, "report.xlsx.bak"), "mine too\n");
    kva_outset_use_exchange(exchange);
    assert_int_equal(kva_outset_new(fx->out, &os, &err), KVA_OK);
    claim_all(os);
    add(os, "report.json", "new json\n");
    assert_int_equal(kva_outset_commit(os, &err), KVA_OK);
    kva_outset_free(os);
    kva_outset_use_exchange(true);
    expect_listing(fx->out, "SHA256SUMS notes.txt remediate.ps1 "
                            "report.json report.xlsx.bak");
    expect_text(path_in(fx->out, "report.json"), "new json\n");
    kva_sha256_buf("new json\n", 9, hex);
    snprintf(want, sizeof want, "%s  report.json\n", hex);
    expect_text(path_in(fx->out, "SHA256SUMS"), want);
    expect_text(victim, "precious\n");
    kva_diag_clear(&err);
}

static void test_stale_removed_exchange(void **state)
{
    stale_case(*state, true);
}

static void test_stale_removed_aside(void **state)
{
    stale_case(*state, false);
}

/* A successful replace in the aside mode leaves no temporary name. */
static void test_commit_aside(void **state)
{
    fixture *fx = *state;
    kva_outset *os;
    kva_diag err = {0};

    old_run(fx);
    kva_outset_use_exchange(false);
    assert_int_equal(kva_outset_new(fx->out, &os, &err), KVA_OK);
    add(os, "report.json", "new json\n");
    add(os, "report.pdf", "new pdf\n");
    assert_int_equal(kva_outset_commit(os, &err), KVA_OK);
    kva_outset_free(os);
    kva_outset_use_exchange(true);
    /* nothing claimed: the other old outputs stay */
    expect_listing(fx->out, "SHA256SUMS findings.csv notes.txt report.json "
                            "report.pdf summary.md");
    expect_text(path_in(fx->out, "report.pdf"), "new pdf\n");
    kva_diag_clear(&err);
}

static void test_claim_names(void **state)
{
    static const char *const bad[] = {"", "a/b", ".", "..", "SHA256SUMS"};
    fixture *fx = *state;
    kva_outset *os;
    kva_diag err = {0};

    assert_int_equal(kva_outset_new(fx->out, &os, &err), KVA_OK);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(kva_outset_claim(os, bad[i], &err), KVA_ERR_IO);
    assert_int_equal(kva_outset_claim(os, NULL, &err), KVA_ERR_IO);
    /* the same name twice is one claim */
    for (int i = 0; i < 40; i++)
        assert_int_equal(kva_outset_claim(os, "report.pdf", &err), KVA_OK);
    kva_outset_abort(os);
    assert_int_equal(kva_outset_claim(os, "report.json", &err), KVA_ERR_IO);
    kva_outset_free(os);
    kva_diag_clear(&err);
}

static void test_out_not_a_directory(void **state)
{
    fixture *fx = *state;
    kva_outset *os = (kva_outset *)1;
    kva_diag err = {0};
    char sub[400];

    write_text(fx->out, "a file\n");
    assert_int_equal(kva_outset_new(fx->out, &os, &err), KVA_ERR_IO);
    assert_null(os);
    assert_string_equal(err.path, fx->out);
    assert_string_equal(err.message, "Not a directory");

    snprintf(sub, sizeof sub, "%s/sub", fx->out);
    assert_int_equal(kva_outset_new(sub, &os, &err), KVA_ERR_IO);
    assert_null(os);
    assert_string_equal(err.path, sub);
    assert_string_equal(err.message, "Not a directory");
    kva_diag_clear(&err);
}

static void test_creates_parent(void **state)
{
    fixture *fx = *state;
    kva_outset *os;
    kva_diag err = {0};
    char deep[400], deeper[400];

    snprintf(deep, sizeof deep, "%s/a/b", fx->root);
    assert_int_equal(kva_outset_new(deep, &os, &err), KVA_OK);
    add(os, "report.json", "{}\n");
    assert_int_equal(kva_outset_commit(os, &err), KVA_OK);
    kva_outset_free(os);
    expect_listing(deep, "SHA256SUMS report.json");

    /* one level of parents only */
    snprintf(deeper, sizeof deeper, "%s/x/y/z", fx->root);
    assert_int_equal(kva_outset_new(deeper, &os, &err), KVA_ERR_IO);
    assert_string_equal(err.message, strerror(ENOENT));
    kva_diag_clear(&err);
}

static void test_bad_names(void **state)
{
    static const char *const names[] = {"",   "a/b",        ".",
                                        "..", "SHA256SUMS", "dup.json"};
    fixture *fx = *state;
    kva_outset *os;
    kva_diag err = {0};
    const char *tmp;

    assert_int_equal(kva_outset_new(fx->out, &os, &err), KVA_OK);
    add(os, "dup.json", "x");
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        tmp = "unchanged";
        assert_int_equal(kva_outset_add(os, names[i], &tmp, &err), KVA_ERR_IO);
        assert_null(tmp);
    }
    assert_int_equal(kva_outset_commit(os, &err), KVA_OK);
    /* a closed set takes nothing more */
    assert_int_equal(kva_outset_add(os, "late.json", &tmp, &err), KVA_ERR_IO);
    assert_int_equal(kva_outset_commit(os, &err), KVA_ERR_IO);
    kva_outset_free(os);
    kva_outset_free(NULL);
    kva_outset_abort(NULL);
    expect_listing(fx->out, "SHA256SUMS dup.json");
    kva_diag_clear(&err);
}

/* SIGTERM/SIGINT while a set is open: the temporary files (and the
 * directory the set made) go, and the process still dies of the signal. */
static void test_signal_cleanup(void **state)
{
    static const int sigs[] = {SIGTERM, SIGINT};
    fixture *fx = *state;

    for (size_t i = 0; i < 2; i++) {
        char dir[400];
        int status;
        pid_t pid;

        snprintf(dir, sizeof dir, "%s/sig%zu", fx->root, i);
        if (i == 1) {
            assert_int_equal(mkdir(dir, 0755), 0);
            write_text(path_in(dir, "report.json"), "old\n");
        }
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            kva_outset *os;
            kva_diag err = {0};
            const char *tmp;
            signal(sigs[i], SIG_DFL);
            if (kva_outset_new(dir, &os, &err) != KVA_OK ||
                kva_outset_add(os, "report.json", &tmp, &err) != KVA_OK ||
                kva_outset_add(os, "report.pdf", &tmp, &err) != KVA_OK)
                _exit(10);
            raise(sigs[i]);
            _exit(11);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status));
        assert_int_equal(WTERMSIG(status), sigs[i]);
        if (i == 0) {
            expect_listing(dir, NULL);
        } else {
            char *s;
            expect_listing(dir, "report.json");
            s = read_text(path_in(dir, "report.json"));
            assert_string_equal(s, "old\n");
            free(s);
        }
    }
    /* and the handlers are gone once no set is open */
    {
        struct sigaction sa;
        kva_outset *os;
        kva_diag err = {0};
        struct sigaction before;
        sigaction(SIGTERM, NULL, &before);
        assert_int_equal(kva_outset_new(fx->out, &os, &err), KVA_OK);
        sigaction(SIGTERM, NULL, &sa);
        assert_true(sa.sa_handler != before.sa_handler);
        kva_outset_free(os);
        sigaction(SIGTERM, NULL, &sa);
        assert_true(sa.sa_handler == before.sa_handler);
        kva_diag_clear(&err);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_temp_names_and_mode, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_abort_leaves_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_abort_keeps_existing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_commit_keeps_others, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_symlink_replaced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_temp_symlink_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_directory_in_the_way, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_rollback_exchange, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_rollback_aside, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rollback_sums_exchange, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_rollback_sums_aside, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_rollback_immutable, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_stale_removed_exchange, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_stale_removed_aside, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_commit_aside, setup, teardown),
        cmocka_unit_test_setup_teardown(test_claim_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_not_a_directory, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_creates_parent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_signal_cleanup, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

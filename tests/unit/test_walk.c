#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inventory/read.h"

/* Every test works inside a fresh directory (the process's cwd), so that
 * relative paths are short and exact. */
static char g_top[64];
static char g_cwd[4096];

static int rm_entry(const char *p, const struct stat *st, int flag,
                    struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(p);
}

static int setup(void **state)
{
    (void)state;
    if (!getcwd(g_cwd, sizeof g_cwd))
        return -1;
    strcpy(g_top, "/tmp/kva-walk.XXXXXX");
    if (!mkdtemp(g_top) || chdir(g_top) != 0)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (chdir(g_cwd) != 0)
        return -1;
    return nftw(g_top, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void touch(const char *path)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{}", f);
    fclose(f);
}

static void mkdirs(const char *path)
{
    assert_int_equal(mkdir(path, 0700), 0);
}

typedef struct warnings {
    char text[16][512];
    size_t n;
} warnings;

static void on_warning(void *ctx, const char *path, const char *message)
{
    warnings *w = ctx;
    if (w->n < 16)
        snprintf(w->text[w->n++], sizeof w->text[0], "%s: %s", path, message);
}

/* Collect and compare with `want` (a NULL-terminated list). */
static void expect_files(char *const *paths, size_t n, const char *const *want,
                         warnings *w)
{
    char **files = NULL;
    size_t nf = 0, nw = 0;
    kva_diag d = {0};
    kva_error e = kva_collect_paths(paths, n, &files, &nf, on_warning, w, &d);

    if (e != KVA_OK)
        fail_msg("error %d: %s: %s", e, d.path ? d.path : "",
                 d.message ? d.message : "");
    while (want[nw])
        nw++;
    for (size_t i = 0; i < nf && i < nw; i++)
        if (strcmp(files[i], want[i]) != 0)
            fail_msg("file %zu: got %s, want %s", i, files[i], want[i]);
    if (nf != nw)
        fail_msg("got %zu files, want %zu (first extra: %s)", nf, nw,
                 nf > nw ? files[nw] : want[nf]);
    kva_paths_free(files, nf);
    kva_diag_clear(&d);
}

static void test_sorted_json_only(void **state)
{
    char *paths[] = {(char *)"a"};
    static const char *const want[] = {
        "a/.hidden.json",
        "a/.hiddendir/x.json",
        "a/B.JSON",
        "a/Z.json",
        "a/a.Json",
        "a/b/c.json",
        "a/b/d/e.json",
        "a/b1.json",
        "a/b_.json",
        "a/dir.json/inner.json",
        NULL,
    };
    warnings w = {0};
    (void)state;

    mkdirs("a");
    mkdirs("a/b");
    mkdirs("a/b/d");
    mkdirs("a/.hiddendir");
    mkdirs("a/empty");
    touch("a/Z.json");
    touch("a/a.Json");
    touch("a/B.JSON");
    touch("a/b1.json");
    touch("a/b_.json");
    touch("a/b/c.json");
    touch("a/b/d/e.json");
    touch("a/.hidden.json");
    touch("a/.hiddendir/x.json");
    /* not taken from a walk */
    touch("a/notes.txt");
    touch("a/x.json.bak");
    touch("a/json");
    touch("a/b/.json.swp");
    mkdirs("a/dir.json"); /* a directory named *.json is walked, not read */
    touch("a/dir.json/inner.json");
    expect_files(paths, 1, want, &w);
    assert_int_equal(w.n, 0);
}

static void test_explicit_files(void **state)
{
    char *paths[] = {(char *)"e/notes.txt", (char *)"e/z.json", (char *)"e/sub",
                     (char *)"e/fifo"};
    warnings w = {0};
    (void)state;

    mkdirs("e");
    mkdirs("e/sub");
    touch("e/notes.txt");
    touch("e/z.json");
    touch("e/sub/in.JSON");
    touch("e/sub/skip.txt");
    assert_int_equal(mkfifo("e/fifo", 0600), 0);
    /* named files are taken whatever their name or type (the reader
     * reports a FIFO as "not a regular file") */
    expect_files(paths, 4,
                 (const char *const[]){"e/fifo", "e/notes.txt", "e/sub/in.JSON",
                                       "e/z.json", NULL},
                 &w);
    assert_int_equal(w.n, 0);
}

static void test_duplicates(void **state)
{
    char *paths[] = {(char *)"d/x.json",  (char *)"./d/x.json",
                     (char *)"d//x.json", (char *)"d/./x.json",
                     (char *)"d",         (char *)"./d/",
                     (char *)"d/y.json"};
    warnings w = {0};
    (void)state;

    mkdirs("d");
    touch("d/x.json");
    touch("d/y.json");
    expect_files(paths, 7, (const char *const[]){"d/x.json", "d/y.json", NULL},
                 &w);
    /* "./d/" is the directory "d" again */
    assert_int_equal(w.n, 1);
    assert_string_equal(w.text[0], "d: directory already walked through "
                                   "another path; not followed");
}

static void test_dot_and_absolute(void **state)
{
    char abs[200];
    char *paths[] = {abs};
    warnings w = {0};
    (void)state;

    mkdirs("p");
    mkdirs("p/q");
    touch("p/q/r.json");
    snprintf(abs, sizeof abs, "%s//p/./q/", g_top);
    {
        char want[256];
        snprintf(want, sizeof want, "%s/p/q/r.json", g_top);
        expect_files(paths, 1, (const char *const[]){want, NULL}, &w);
    }
    assert_int_equal(chdir("p"), 0);
    paths[0] = (char *)".";
    expect_files(paths, 1, (const char *const[]){"q/r.json", NULL}, &w);
    assert_int_equal(chdir(g_top), 0);
    assert_int_equal(w.n, 0);
}

static void test_symlinks(void **state)
{
    char *paths[] = {(char *)"s"};
    warnings w = {0};
    (void)state;

    mkdirs("s");
    mkdirs("s/a");
    mkdirs("outside");
    touch("s/a/1.json");
    touch("outside/o.json");
    /* a loop back to an ancestor, a second path to a walked directory,
     * a link to a directory outside (followed once), a link to a file,
     * a dangling link, a FIFO with a .json name */
    assert_int_equal(symlink("..", "s/a/up"), 0);
    assert_int_equal(symlink("a", "s/b"), 0);
    assert_int_equal(symlink("../outside", "s/c"), 0);
    assert_int_equal(symlink("../outside", "s/d"), 0);
    assert_int_equal(symlink("a/1.json", "s/link.json"), 0);
    assert_int_equal(symlink("nowhere", "s/dangling.json"), 0);
    assert_int_equal(mkfifo("s/pipe.json", 0600), 0);
    expect_files(
        paths, 1,
        (const char *const[]){"s/a/1.json", "s/c/o.json", "s/link.json", NULL},
        &w);
    assert_int_equal(w.n, 5);
    assert_string_equal(w.text[0],
                        "s/a/up: symbolic link loop back to s; not followed");
    assert_string_equal(w.text[1], "s/b: directory already walked through "
                                   "another path; not followed");
    assert_string_equal(w.text[2], "s/d: directory already walked through "
                                   "another path; not followed");
    assert_string_equal(w.text[3], "s/dangling.json: cannot follow symbolic "
                                   "link: No such file or directory");
    assert_string_equal(w.text[4], "s/pipe.json: not a regular file; not read");

    /* a self loop */
    memset(&w, 0, sizeof w);
    mkdirs("t");
    assert_int_equal(symlink(".", "t/self"), 0);
    assert_int_equal(symlink("self2", "t/self2"), 0);
    paths[0] = (char *)"t";
    expect_files(paths, 1, (const char *const[]){NULL}, &w);
    assert_int_equal(w.n, 2);
    assert_string_equal(w.text[0],
                        "t/self: symbolic link loop back to t; not followed");
    assert_string_equal(w.text[1], "t/self2: cannot follow symbolic link: "
                                   "Too many levels of symbolic links");
}

static void test_missing(void **state)
{
    char *paths[] = {(char *)"m.json", (char *)"nosuch"};
    char **files = (char **)1;
    size_t n = 99;
    kva_diag d = {0};
    (void)state;

    touch("m.json");
    assert_int_equal(kva_collect_paths(paths, 2, &files, &n, NULL, NULL, &d),
                     KVA_ERR_IO);
    assert_null(files);
    assert_int_equal(n, 0);
    assert_string_equal(d.path, "nosuch");
    assert_string_equal(d.message, "No such file or directory");
    assert_int_equal(d.line, 0);
    kva_diag_clear(&d);

    /* nothing at all is fine: an empty list */
    assert_int_equal(kva_collect_paths(paths, 0, &files, &n, NULL, NULL, &d),
                     KVA_OK);
    assert_int_equal(n, 0);
    kva_paths_free(files, n);
    kva_paths_free(NULL, 0);
}

/* A directory that cannot be read is an input error naming it. Running as
 * root, permissions cannot deny it: exhaust the descriptors instead. */
static void test_unreadable_dir(void **state)
{
    char *paths[] = {(char *)"u"};
    char **files = NULL;
    size_t n = 0;
    kva_diag d = {0};
    struct rlimit old, lim;
    int lowest;
    kva_error e;
    (void)state;

    mkdirs("u");
    mkdirs("u/v");
    touch("u/v/w.json");
    lowest = dup(0);
    assert_true(lowest >= 0);
    close(lowest);
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
    lim = old;
    lim.rlim_cur = (rlim_t)lowest;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &lim), 0);
    e = kva_collect_paths(paths, 1, &files, &n, NULL, NULL, &d);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
    assert_int_equal(e, KVA_ERR_IO);
    assert_string_equal(d.path, "u");
    assert_string_equal(d.message, strerror(EMFILE));
    assert_null(files);
    kva_diag_clear(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sorted_json_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_explicit_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dot_and_absolute, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlinks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreadable_dir, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

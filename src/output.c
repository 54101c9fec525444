/* renameat2() and RENAME_EXCHANGE (glibc 2.28 and later); the rest of the
 * program stays POSIX. */
#define _GNU_SOURCE

#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hash.h"

/*
 * How the set stays all-or-nothing:
 *
 * - Every output is created as ".NAME.XXXXXX" inside the output
 *   directory, so the final rename(2) never crosses a file system and
 *   either happens whole or not at all. O_EXCL|O_NOFOLLOW means a file or
 *   symlink planted under the temporary name is never opened; rename()
 *   replaces a symlink planted under the final name instead of writing
 *   through it.
 * - Nothing gets its final name until every output was written and
 *   hashed and SHA256SUMS was written too; SHA256SUMS is put in place
 *   last, so a directory whose SHA256SUMS is new holds every new file.
 * - The commit is one transaction. Where the final name exists, the new
 *   file is swapped with it (renameat2 RENAME_EXCHANGE): the old file
 *   then lives on under the temporary name until every output is in
 *   place, and only then is it unlinked. Where the final name is free, a
 *   plain rename. When any step fails (an immutable old file, a
 *   directory in the way, a full disk), every swap already made is
 *   swapped back and every new name removed, so the directory holds
 *   exactly what it held before. A file system without RENAME_EXCHANGE
 *   gets the same transaction from two renames: the old file aside to a
 *   reserved temporary name, then the new one in (for that moment the
 *   final name is missing, never half written).
 * - Earlier outputs that this run does not write are removed in the same
 *   transaction, so that no report.pdf with an old verdict lies beside a
 *   SHA256SUMS that does not list it. Only the names the program claimed
 *   (kva_outset_claim: its own output names) are touched, and only
 *   regular files and symlinks under them (a symlink is removed, never
 *   its target); every other file in the directory is left alone.
 * - While a set is open, SIGINT and SIGTERM remove the temporary files
 *   (and a directory the set created, when still empty) before the
 *   process dies of the signal. The handler only calls unlink, rmdir,
 *   sigaction and raise, which are async-signal-safe, on path strings
 *   built before they were published to it. During the commit's swaps
 *   the two signals are held back (a temporary name may hold an old
 *   file then), and arrive once the transaction is complete or undone.
 */

#define SUMS_NAME "SHA256SUMS"
/* Outputs per set: the seven formats and SHA256SUMS, with room to spare.
 * Set by the program, never by input. */
#define MAX_FILES 16
/* Paths the signal handler may have to remove, over every open set. */
#define MAX_SIG_PATHS 64

/* Where the commit left an entry (see the transaction above). */
typedef enum placed {
    P_NONE,    /* the new file is at tmp */
    P_RENAMED, /* the new file is at final; there was no old one */
    P_SWAPPED, /* the new file is at final, the old one at tmp */
    P_ASIDE,   /* the new file is at final, the old one at aside */
    P_STALE    /* (claimed name) the old file was moved to aside */
} placed;

typedef struct entry {
    char *name;  /* "report.json" */
    char *final; /* DIR/report.json */
    char *tmp;   /* DIR/.report.json.XXXXXX; NULL once renamed/removed */
    int slot;    /* in sig_paths, -1 when not registered */
    char *aside; /* reserved temporary name for an old file, or NULL */
    int aside_slot;
    placed state;
    bool keep;   /* tmp/aside holds an old file that could not be put
                    back: never unlink it */
} entry;

struct kva_outset {
    char *dir;
    char *made_dir;    /* the directory, when this set created it */
    char *made_parent; /* its parent, when this set created it too */
    int made_slots[2];
    entry files[MAX_FILES];
    size_t n_files;
    char *claimed[MAX_FILES]; /* names whose old files a commit removes */
    size_t n_claimed;
    entry stale[MAX_FILES];   /* claimed names this commit removes */
    size_t n_stale;
    bool done; /* committed or aborted */
};

static bool use_exchange = true;

static char *volatile sig_paths[MAX_SIG_PATHS]; /* files to unlink */
static char *volatile sig_dirs[MAX_SIG_PATHS];  /* dirs to rmdir */
static size_t open_sets;
static struct sigaction old_int, old_term;
static bool hooked_int, hooked_term;

static void on_signal(int sig)
{
    struct sigaction dfl;

    for (size_t i = 0; i < MAX_SIG_PATHS; i++) {
        char *p = sig_paths[i];
        if (p)
            unlink(p);
    }
    /* Two passes: a parent is only empty once its child is gone. rmdir
       leaves a directory that holds anything else. */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < MAX_SIG_PATHS; i++) {
            char *p = sig_dirs[i];
            if (p)
                rmdir(p);
        }
    }
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
    raise(sig);
}

/* Block SIGINT/SIGTERM while the tables change, so the handler never sees
 * a half-made change. */
static void block(sigset_t *old)
{
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, old);
}

static void unblock(const sigset_t *old)
{
    pthread_sigmask(SIG_SETMASK, old, NULL);
}

static int publish(char *volatile *table, char *path)
{
    sigset_t old;
    int slot = -1;

    block(&old);
    for (int i = 0; i < MAX_SIG_PATHS; i++) {
        if (!table[i]) {
            table[i] = path;
            slot = i;
            break;
        }
    }
    unblock(&old);
    return slot;
}

static void unpublish(char *volatile *table, int slot)
{
    sigset_t old;

    if (slot < 0)
        return;
    block(&old);
    table[slot] = NULL;
    unblock(&old);
}

/* Install the handlers for the first open set, restore the previous ones
 * when the last set closes. A signal the process was started with ignored
 * (a background job's SIGINT) stays ignored. */
static void hook_signals(void)
{
    struct sigaction sa;
    sigset_t old;

    block(&old);
    if (open_sets++ == 0) {
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaddset(&sa.sa_mask, SIGINT);
        sigaddset(&sa.sa_mask, SIGTERM);
        hooked_int = sigaction(SIGINT, NULL, &old_int) == 0 &&
                     old_int.sa_handler != SIG_IGN &&
                     sigaction(SIGINT, &sa, NULL) == 0;
        hooked_term = sigaction(SIGTERM, NULL, &old_term) == 0 &&
                      old_term.sa_handler != SIG_IGN &&
                      sigaction(SIGTERM, &sa, NULL) == 0;
    }
    unblock(&old);
}

static void unhook_signals(void)
{
    sigset_t old;

    block(&old);
    if (open_sets > 0 && --open_sets == 0) {
        if (hooked_int)
            sigaction(SIGINT, &old_int, NULL);
        if (hooked_term)
            sigaction(SIGTERM, &old_term, NULL);
        hooked_int = hooked_term = false;
    }
    unblock(&old);
}

static char *join(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *p = malloc(a + b + 2);

    if (!p)
        return NULL;
    memcpy(p, dir, a);
    p[a] = '/';
    memcpy(p + a + 1, name, b + 1);
    return p;
}

/* An entry for `name` in dir, holding no file yet. On OOM it holds
 * nothing to free, and *err says so. */
static kva_error entry_init(entry *en, const char *dir, const char *name,
                            kva_diag *err)
{
    memset(en, 0, sizeof *en);
    en->slot = en->aside_slot = -1;
    en->name = strdup(name);
    en->final = join(dir, name);
    if (!en->name || !en->final) {
        free(en->name);
        free(en->final);
        en->name = en->final = NULL;
        kva_diag_set(err, KVA_ERR_NOMEM, NULL, 0, 0, "out of memory");
        return KVA_ERR_NOMEM;
    }
    return KVA_OK;
}

static kva_error io_error(kva_diag *err, const char *path, int e)
{
    kva_diag_set(err, KVA_ERR_IO, path, 0, 0, "%s", strerror(e));
    errno = e;
    return KVA_ERR_IO;
}

/* Random letters for temporary names. Uniqueness comes from O_EXCL and
 * retries; the randomness only makes names hard to guess in advance. */
static uint64_t rng_state;

static uint64_t rng_next(void)
{
    if (rng_state == 0) {
        struct timespec ts;
        int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            if (read(fd, &rng_state, sizeof rng_state) !=
                (ssize_t)sizeof rng_state)
                rng_state = 0;
            close(fd);
        }
        clock_gettime(CLOCK_REALTIME, &ts);
        rng_state ^= (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15u ^
                     (uint64_t)ts.tv_sec ^ ((uint64_t)getpid() << 32);
        if (rng_state == 0)
            rng_state = 0x2545f4914f6cdd1du;
    }
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1du;
}

/*
 * Create DIR/.NAME.XXXXXX exclusively. Returns the new path (caller
 * frees) or NULL with errno set.
 */
static char *create_temp(const char *dir, const char *name)
{
    static const char letters[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    size_t dl = strlen(dir), nl = strlen(name);
    char *p = malloc(dl + nl + 10);

    if (!p)
        return NULL;
    for (int attempt = 0; attempt < 100; attempt++) {
        uint64_t r = rng_next();
        char *q = p;
        int fd;

        memcpy(q, dir, dl);
        q += dl;
        *q++ = '/';
        *q++ = '.';
        memcpy(q, name, nl);
        q += nl;
        *q++ = '.';
        for (int i = 0; i < 6; i++, r /= 62)
            *q++ = letters[r % 62];
        *q = '\0';
        fd =
            open(p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd >= 0) {
            if (close(fd) != 0) {
                int e = errno;
                unlink(p);
                free(p);
                errno = e;
                return NULL;
            }
            return p;
        }
        if (errno != EEXIST) {
            int e = errno;
            free(p);
            errno = e;
            return NULL;
        }
    }
    free(p);
    errno = EEXIST;
    return NULL;
}

/* The parent directory of `path` ("a/b/c" -> "a/b", "c" -> NULL). */
static char *parent_of(const char *path)
{
    size_t n = strlen(path);

    while (n > 1 && path[n - 1] == '/')
        n--;
    while (n > 0 && path[n - 1] != '/')
        n--;
    while (n > 1 && path[n - 1] == '/')
        n--;
    if (n == 0)
        return NULL;
    return strndup(path, n);
}

static kva_error make_dir_unblocked(kva_outset *os, kva_diag *err)
{
    struct stat st;

    if (stat(os->dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            return io_error(err, os->dir, ENOTDIR);
        return KVA_OK;
    }
    if (errno != ENOENT)
        return io_error(err, os->dir, errno);
    if (mkdir(os->dir, 0777) != 0) {
        char *parent;
        int e = errno;

        if (e != ENOENT)
            return io_error(err, os->dir, e);
        parent = parent_of(os->dir);
        if (!parent)
            return io_error(err, os->dir, e);
        if (mkdir(parent, 0777) != 0) {
            e = errno;
            free(parent);
            return io_error(err, os->dir, e);
        }
        os->made_parent = parent;
        os->made_slots[0] = publish(sig_dirs, parent);
        if (mkdir(os->dir, 0777) != 0)
            return io_error(err, os->dir, errno);
    }
    os->made_dir = os->dir;
    os->made_slots[1] = publish(sig_dirs, os->dir);
    return KVA_OK;
}

/* SIGINT and SIGTERM wait while a directory is made and published: in
 * between, the handler would not know to remove it. */
static kva_error make_dir(kva_outset *os, kva_diag *err)
{
    sigset_t old;
    kva_error e;

    block(&old);
    e = make_dir_unblocked(os, err);
    unblock(&old);
    return e;
}

/* create_temp() and publish() with SIGINT and SIGTERM held back between
 * them, for the same reason. Returns the path (*slot set) or NULL with
 * errno set. */
static char *create_published(const char *dir, const char *name, int *slot)
{
    sigset_t old;
    char *p;
    int e;

    block(&old);
    p = create_temp(dir, name);
    e = errno;
    *slot = p ? publish(sig_paths, p) : -1;
    unblock(&old);
    errno = e;
    return p;
}

kva_error kva_outset_new(const char *dir, kva_outset **out, kva_diag *err)
{
    kva_outset *os;
    kva_error e;

    *out = NULL;
    os = calloc(1, sizeof *os);
    if (!os || !(os->dir = strdup(dir))) {
        free(os);
        kva_diag_set(err, KVA_ERR_NOMEM, NULL, 0, 0, "out of memory");
        return KVA_ERR_NOMEM;
    }
    os->made_slots[0] = os->made_slots[1] = -1;
    hook_signals();
    e = make_dir(os, err);
    if (e != KVA_OK) {
        kva_outset_free(os);
        return e;
    }
    *out = os;
    return KVA_OK;
}

static bool valid_name(const kva_outset *os, const char *name)
{
    if (!name || !*name || strchr(name, '/') || strcmp(name, ".") == 0 ||
        strcmp(name, "..") == 0 || strcmp(name, SUMS_NAME) == 0)
        return false;
    for (size_t i = 0; i < os->n_files; i++)
        if (strcmp(os->files[i].name, name) == 0)
            return false;
    return true;
}

/* Add an entry for `name` with a fresh temporary file. */
static kva_error add_entry(kva_outset *os, const char *name, entry **out,
                           kva_diag *err)
{
    entry *en;

    if (os->n_files == MAX_FILES) {
        kva_diag_set(err, KVA_ERR_IO, os->dir, 0, 0,
                     "too many output files in one set");
        return KVA_ERR_IO;
    }
    en = &os->files[os->n_files];
    if (entry_init(en, os->dir, name, err) != KVA_OK)
        return KVA_ERR_NOMEM;
    en->tmp = create_published(os->dir, name, &en->slot);
    if (!en->tmp) {
        int e = errno;
        free(en->name);
        free(en->final);
        return io_error(err, os->dir, e);
    }
    os->n_files++;
    *out = en;
    return KVA_OK;
}

kva_error kva_outset_add(kva_outset *os, const char *final_name,
                         const char **tmp_path, kva_diag *err)
{
    entry *en;
    kva_error e;

    *tmp_path = NULL;
    if (!os || os->done) {
        kva_diag_set(err, KVA_ERR_IO, NULL, 0, 0, "output set already closed");
        return KVA_ERR_IO;
    }
    if (!valid_name(os, final_name)) {
        kva_diag_set(err, KVA_ERR_IO, os->dir, 0, 0,
                     "bad or repeated output name '%s'",
                     final_name ? final_name : "");
        return KVA_ERR_IO;
    }
    e = add_entry(os, final_name, &en, err);
    if (e != KVA_OK)
        return e;
    *tmp_path = en->tmp;
    return KVA_OK;
}

kva_error kva_outset_claim(kva_outset *os, const char *name, kva_diag *err)
{
    if (!os || os->done) {
        kva_diag_set(err, KVA_ERR_IO, NULL, 0, 0, "output set already closed");
        return KVA_ERR_IO;
    }
    if (!name || !*name || strchr(name, '/') || strcmp(name, ".") == 0 ||
        strcmp(name, "..") == 0 || strcmp(name, SUMS_NAME) == 0) {
        kva_diag_set(err, KVA_ERR_IO, os->dir, 0, 0, "bad output name '%s'",
                     name ? name : "");
        return KVA_ERR_IO;
    }
    for (size_t i = 0; i < os->n_claimed; i++)
        if (strcmp(os->claimed[i], name) == 0)
            return KVA_OK;
    if (os->n_claimed == MAX_FILES) {
        kva_diag_set(err, KVA_ERR_IO, os->dir, 0, 0,
                     "too many output names in one set");
        return KVA_ERR_IO;
    }
    os->claimed[os->n_claimed] = strdup(name);
    if (!os->claimed[os->n_claimed]) {
        kva_diag_set(err, KVA_ERR_NOMEM, NULL, 0, 0, "out of memory");
        return KVA_ERR_NOMEM;
    }
    os->n_claimed++;
    return KVA_OK;
}

void kva_outset_use_exchange(bool on)
{
    use_exchange = on;
}

/* Remove an entry's temporary files (if still there) and their slots,
 * unless they hold an old file that could not be put back. */
static void drop_temp(entry *en)
{
    unpublish(sig_paths, en->slot);
    unpublish(sig_paths, en->aside_slot);
    en->slot = en->aside_slot = -1;
    if (en->tmp && !en->keep)
        unlink(en->tmp);
    if (en->aside && !en->keep)
        unlink(en->aside);
    free(en->tmp);
    free(en->aside);
    en->tmp = en->aside = NULL;
}

/*
 * Hash the temporary file and flush it to disk. The file is opened with
 * O_NOFOLLOW and must still be a regular file: if anything replaced it
 * with a symlink meanwhile, the set fails instead of publishing it.
 */
static kva_error hash_and_sync(const entry *en, char hex[65], kva_diag *err)
{
    unsigned char buf[1 << 16];
    struct stat st;
    kva_sha256 *h;
    ssize_t n;
    int fd = open(en->tmp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

    if (fd < 0)
        return io_error(err, en->final, errno);
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return io_error(err, en->final, e);
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return io_error(err, en->final, EINVAL);
    }
    h = kva_sha256_new();
    if (!h) {
        close(fd);
        kva_diag_set(err, KVA_ERR_NOMEM, NULL, 0, 0, "out of memory");
        return KVA_ERR_NOMEM;
    }
    while ((n = read(fd, buf, sizeof buf)) != 0) {
        if (n < 0) {
            int e = errno;
            if (e == EINTR)
                continue;
            kva_sha256_final(h, hex);
            close(fd);
            return io_error(err, en->final, e);
        }
        kva_sha256_update(h, buf, (size_t)n);
    }
    kva_sha256_final(h, hex);
    if (fsync(fd) != 0) {
        int e = errno;
        close(fd);
        return io_error(err, en->final, e);
    }
    if (close(fd) != 0)
        return io_error(err, en->final, errno);
    return KVA_OK;
}

static int cmp_entry_name(const void *a, const void *b)
{
    const entry *const *x = a, *const *y = b;

    return strcmp((*x)->name, (*y)->name);
}

/* Write all of buf to the file at path (already created), fsync it. */
static kva_error write_file(const char *path, const char *final,
                            const char *buf, size_t len, kva_diag *err)
{
    int fd = open(path, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
    size_t done = 0;

    if (fd < 0)
        return io_error(err, final, errno);
    while (done < len) {
        ssize_t n = write(fd, buf + done, len - done);
        if (n < 0) {
            int e = errno;
            if (e == EINTR)
                continue;
            close(fd);
            return io_error(err, final, e);
        }
        done += (size_t)n;
    }
    if (fsync(fd) != 0) {
        int e = errno;
        close(fd);
        return io_error(err, final, e);
    }
    if (close(fd) != 0)
        return io_error(err, final, errno);
    return KVA_OK;
}

/* Build the SHA256SUMS text: "<hex>  <name>\n", sorted by name. */
static char *sums_text(kva_outset *os, char (*hex)[65], size_t *len)
{
    const entry *sorted[MAX_FILES];
    size_t total = 0;
    char *buf, *p;

    for (size_t i = 0; i < os->n_files; i++) {
        sorted[i] = &os->files[i];
        total += 64 + 2 + strlen(os->files[i].name) + 1;
    }
    qsort(sorted, os->n_files, sizeof sorted[0], cmp_entry_name);
    buf = malloc(total + 1);
    if (!buf)
        return NULL;
    p = buf;
    for (size_t i = 0; i < os->n_files; i++) {
        size_t k = (size_t)(sorted[i] - os->files);
        size_t nl = strlen(sorted[i]->name);
        memcpy(p, hex[k], 64);
        p += 64;
        *p++ = ' ';
        *p++ = ' ';
        memcpy(p, sorted[i]->name, nl);
        p += nl;
        *p++ = '\n';
    }
    *p = '\0';
    *len = total;
    return buf;
}

static void sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0)
        return;
    /* Some file systems cannot fsync a directory (EINVAL); the renames
       are done either way, so this is best effort. */
    fsync(fd);
    close(fd);
}

/* Reserve a temporary name for an old file moved out of the way. */
static kva_error reserve_aside(const kva_outset *os, entry *en,
                               kva_diag *err)
{
    if (en->aside)
        return KVA_OK;
    en->aside = create_published(os->dir, en->name, &en->aside_slot);
    if (!en->aside)
        return io_error(err, os->dir, errno);
    return KVA_OK;
}

static bool exchange(const char *a, const char *b)
{
#ifdef RENAME_EXCHANGE
    if (use_exchange)
        return renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) == 0;
#else
    (void)a, (void)b;
#endif
    errno = EINVAL;
    return false;
}

/* Put one new file in place (see the transaction at the top). */
static kva_error place(const kva_outset *os, entry *en, kva_diag *err)
{
    struct stat st;
    int e;

    if (lstat(en->final, &st) != 0) {
        if (errno != ENOENT)
            return io_error(err, en->final, errno);
        if (rename(en->tmp, en->final) != 0)
            return io_error(err, en->final, errno);
        en->state = P_RENAMED;
        return KVA_OK;
    }
    /* A swap would happily put a directory under the temporary name;
       rename() could not replace it either. */
    if (S_ISDIR(st.st_mode))
        return io_error(err, en->final, EISDIR);
    if (exchange(en->tmp, en->final)) {
        en->state = P_SWAPPED;
        return KVA_OK;
    }
    e = errno;
    if (e != EINVAL && e != ENOSYS && e != EOPNOTSUPP && e != ENOTSUP)
        return io_error(err, en->final, e);
    if (reserve_aside(os, en, err) != KVA_OK)
        return KVA_ERR_IO;
    if (rename(en->final, en->aside) != 0)
        return io_error(err, en->final, errno);
    if (rename(en->tmp, en->final) != 0) {
        e = errno;
        if (rename(en->aside, en->final) != 0)
            en->keep = true;
        return io_error(err, en->final, e);
    }
    en->state = P_ASIDE;
    return KVA_OK;
}

/* Undo place() or a stale removal; false when the old file could not be
 * put back (it then stays under its temporary name). */
static bool unplace(entry *en)
{
    bool ok = true;

    switch (en->state) {
    case P_NONE:
        break;
    case P_RENAMED:
        unlink(en->final);
        break;
    case P_SWAPPED:
        ok = exchange(en->tmp, en->final);
        break;
    case P_ASIDE:
    case P_STALE:
        ok = rename(en->aside, en->final) == 0;
        break;
    }
    if (!ok)
        en->keep = true;
    en->state = P_NONE;
    return ok;
}

/*
 * The claimed names this commit does not write, and that hold a regular
 * file or a symlink now: their entries get a reserved aside name.
 */
static kva_error find_stale(kva_outset *os, kva_diag *err)
{
    for (size_t i = 0; i < os->n_claimed; i++) {
        const char *name = os->claimed[i];
        bool written = false;
        struct stat st;
        entry *en;

        for (size_t k = 0; k < os->n_files && !written; k++)
            written = strcmp(os->files[k].name, name) == 0;
        if (written)
            continue;
        en = &os->stale[os->n_stale];
        if (entry_init(en, os->dir, name, err) != KVA_OK)
            return KVA_ERR_NOMEM;
        os->n_stale++;
        if (lstat(en->final, &st) != 0) {
            if (errno != ENOENT)
                return io_error(err, en->final, errno);
            continue;
        }
        if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
            continue;
        if (reserve_aside(os, en, err) != KVA_OK)
            return KVA_ERR_IO;
    }
    return KVA_OK;
}

/* Move a stale output out of the way (onto its reserved aside name). */
static kva_error remove_stale(entry *en, kva_diag *err)
{
    if (!en->aside)
        return KVA_OK;
    if (rename(en->final, en->aside) != 0) {
        if (errno == ENOENT) /* gone meanwhile: nothing to remove */
            return KVA_OK;
        return io_error(err, en->final, errno);
    }
    en->state = P_STALE;
    return KVA_OK;
}

kva_error kva_outset_commit(kva_outset *os, kva_diag *err)
{
    char hex[MAX_FILES][65];
    char *sums = NULL;
    size_t sums_len = 0, n_outputs, n_placed = 0, n_removed = 0;
    entry *se;
    sigset_t old_mask;
    bool blocked = false;
    kva_error e;

    if (!os || os->done) {
        kva_diag_set(err, KVA_ERR_IO, NULL, 0, 0, "output set already closed");
        return KVA_ERR_IO;
    }
    n_outputs = os->n_files;
    for (size_t i = 0; i < n_outputs; i++) {
        e = hash_and_sync(&os->files[i], hex[i], err);
        if (e != KVA_OK)
            goto fail;
    }
    sums = sums_text(os, hex, &sums_len);
    if (!sums) {
        kva_diag_set(err, KVA_ERR_NOMEM, NULL, 0, 0, "out of memory");
        e = KVA_ERR_NOMEM;
        goto fail;
    }
    e = add_entry(os, SUMS_NAME, &se, err);
    if (e != KVA_OK)
        goto fail;
    e = write_file(se->tmp, se->final, sums, sums_len, err);
    if (e != KVA_OK)
        goto fail;
    free(sums);
    sums = NULL;
    if ((e = find_stale(os, err)) != KVA_OK)
        goto fail;

    /* The transaction: outputs, then the stale ones out, then
       SHA256SUMS (last in files[]). */
    block(&old_mask);
    blocked = true;
    for (; n_placed < n_outputs; n_placed++)
        if ((e = place(os, &os->files[n_placed], err)) != KVA_OK)
            goto undo;
    for (; n_removed < os->n_stale; n_removed++)
        if ((e = remove_stale(&os->stale[n_removed], err)) != KVA_OK)
            goto undo;
    if ((e = place(os, se, err)) != KVA_OK)
        goto undo;
    n_placed++;

    /* Done: the old files go, and no temporary name is left. */
    for (size_t i = 0; i < os->n_files; i++) {
        entry *en = &os->files[i];

        if (en->state == P_RENAMED || en->state == P_ASIDE) {
            /* the new file left tmp for its final name */
            unpublish(sig_paths, en->slot);
            en->slot = -1;
            free(en->tmp);
            en->tmp = NULL;
        }
        drop_temp(en);
    }
    for (size_t i = 0; i < os->n_stale; i++)
        drop_temp(&os->stale[i]);
    sync_dir(os->dir);
    os->done = true;
    /* Keep a directory we made: it now holds the reports. */
    unpublish(sig_dirs, os->made_slots[0]);
    unpublish(sig_dirs, os->made_slots[1]);
    os->made_slots[0] = os->made_slots[1] = -1;
    unblock(&old_mask);
    return KVA_OK;

undo:
    while (n_placed > 0)
        unplace(&os->files[--n_placed]);
    while (n_removed > 0)
        unplace(&os->stale[--n_removed]);
    sync_dir(os->dir);
fail:
    free(sums);
    kva_outset_abort(os);
    if (blocked)
        unblock(&old_mask);
    return e;
}

void kva_outset_abort(kva_outset *os)
{
    if (!os || os->done)
        return;
    for (size_t i = 0; i < os->n_files; i++)
        drop_temp(&os->files[i]);
    for (size_t i = 0; i < os->n_stale; i++)
        drop_temp(&os->stale[i]);
    /* A directory this set created goes too, when nothing else was put
       in it meanwhile (rmdir fails on a non-empty directory). */
    unpublish(sig_dirs, os->made_slots[1]);
    unpublish(sig_dirs, os->made_slots[0]);
    os->made_slots[0] = os->made_slots[1] = -1;
    if (os->made_dir)
        rmdir(os->made_dir);
    if (os->made_parent)
        rmdir(os->made_parent);
    os->done = true;
}

void kva_outset_free(kva_outset *os)
{
    if (!os)
        return;
    kva_outset_abort(os);
    for (size_t i = 0; i < os->n_files; i++) {
        free(os->files[i].name);
        free(os->files[i].final);
        free(os->files[i].tmp);
        free(os->files[i].aside);
    }
    for (size_t i = 0; i < os->n_stale; i++) {
        free(os->stale[i].name);
        free(os->stale[i].final);
        free(os->stale[i].tmp);
        free(os->stale[i].aside);
    }
    for (size_t i = 0; i < os->n_claimed; i++)
        free(os->claimed[i]);
    free(os->made_parent);
    free(os->dir);
    free(os);
    unhook_signals();
}

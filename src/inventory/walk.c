#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../text.h"
#include "read.h"

typedef struct strvec {
    char **v;
    size_t n, cap;
} strvec;

/* Takes ownership of s (freed on failure). */
static kva_error strvec_push(strvec *sv, char *s)
{
    if (sv->n == sv->cap) {
        size_t ncap = sv->cap ? sv->cap * 2 : 64;
        char **nv;
        if (ncap > SIZE_MAX / sizeof *nv ||
            !(nv = realloc(sv->v, ncap * sizeof *nv))) {
            free(s);
            return KVA_ERR_NOMEM;
        }
        sv->v = nv;
        sv->cap = ncap;
    }
    sv->v[sv->n++] = s;
    return KVA_OK;
}

static void strvec_free(strvec *sv)
{
    for (size_t i = 0; i < sv->n; i++)
        free(sv->v[i]);
    free(sv->v);
    sv->v = NULL;
    sv->n = sv->cap = 0;
}

static int strcmp_p(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Directories walked so far, by (st_dev, st_ino): open addressing. */
typedef struct dir_id {
    dev_t dev;
    ino_t ino;
    bool used;
} dir_id;

typedef struct dir_set {
    dir_id *slots;
    size_t cap, n;
} dir_set;

static size_t dir_hash(dev_t dev, ino_t ino)
{
    uint64_t h = (uint64_t)ino * 0x9e3779b97f4a7c15ull ^ (uint64_t)dev;
    return (size_t)(h ^ (h >> 29));
}

static bool dir_set_has(const dir_set *s, dev_t dev, ino_t ino)
{
    if (!s->cap)
        return false;
    for (size_t i = dir_hash(dev, ino) & (s->cap - 1); s->slots[i].used;
         i = (i + 1) & (s->cap - 1))
        if (s->slots[i].dev == dev && s->slots[i].ino == ino)
            return true;
    return false;
}

static void dir_set_put(dir_id *slots, size_t cap, dev_t dev, ino_t ino)
{
    size_t i = dir_hash(dev, ino) & (cap - 1);

    while (slots[i].used)
        i = (i + 1) & (cap - 1);
    slots[i].dev = dev;
    slots[i].ino = ino;
    slots[i].used = true;
}

static kva_error dir_set_add(dir_set *s, dev_t dev, ino_t ino)
{
    if ((s->n + 1) * 2 > s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 64;
        dir_id *ns = calloc(ncap, sizeof *ns);
        if (!ns)
            return KVA_ERR_NOMEM;
        for (size_t i = 0; i < s->cap; i++)
            if (s->slots[i].used)
                dir_set_put(ns, ncap, s->slots[i].dev, s->slots[i].ino);
        free(s->slots);
        s->slots = ns;
        s->cap = ncap;
    }
    dir_set_put(s->slots, s->cap, dev, ino);
    s->n++;
    return KVA_OK;
}

/* The directories from the walk's start down to the one being read. */
typedef struct ancestor {
    const struct ancestor *up;
    dev_t dev;
    ino_t ino;
    const char *path;
} ancestor;

typedef struct walker {
    strvec files;
    dir_set seen;
    kva_walk_warning_fn on_warning;
    void *ctx;
    kva_diag *err;
} walker;

static void warn(walker *w, const char *path, const char *message)
{
    if (w->on_warning)
        w->on_warning(w->ctx, path, message);
}

/*
 * `path` with "//" collapsed, "." segments dropped and no trailing '/'
 * ("." when nothing is left). ".." is kept: removing it would change
 * which file is meant when a symlink is involved.
 */
static char *normalize(const char *path)
{
    size_t len = strlen(path);
    char *out = malloc(len + 2);
    char *o = out;
    const char *p = path;

    if (!out)
        return NULL;
    if (*p == '/')
        *o++ = '/';
    while (*p) {
        const char *seg, *end;
        size_t n;
        while (*p == '/')
            p++;
        if (!*p)
            break;
        seg = p;
        end = strchr(seg, '/');
        n = end ? (size_t)(end - seg) : strlen(seg);
        p = seg + n;
        if (n == 1 && seg[0] == '.')
            continue;
        if (o > out && o[-1] != '/')
            *o++ = '/';
        memcpy(o, seg, n);
        o += n;
    }
    if (o == out)
        *o++ = '.';
    *o = '\0';
    return out;
}

static char *join(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *s = malloc(a + b + 2), *n;

    if (!s)
        return NULL;
    memcpy(s, dir, a);
    s[a] = '/';
    memcpy(s + a + 1, name, b + 1);
    n = normalize(s);
    free(s);
    return n;
}

static bool is_json_name(const char *name)
{
    size_t n = strlen(name);
    return n >= 5 && kva_strcasecmp(name + n - 5, ".json") == 0;
}

static kva_error io_error(walker *w, const char *path, int errnum)
{
    kva_diag_set(w->err, KVA_ERR_IO, path, 0, 0, "%s", strerror(errnum));
    return KVA_ERR_IO;
}

static kva_error nomem(walker *w)
{
    kva_diag_set(w->err, KVA_ERR_NOMEM, NULL, 0, 0, "%s",
                 kva_strerror(KVA_ERR_NOMEM));
    return KVA_ERR_NOMEM;
}

/* The entries of one directory, sorted, without "." and "..". Reading
 * them all before descending keeps one directory open at a time. */
static kva_error list_dir(walker *w, const char *dir, strvec *names)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    kva_error e = KVA_OK;

    if (!d)
        return io_error(w, dir, errno);
    for (;;) {
        char *name;
        errno = 0;
        de = readdir(d);
        if (!de) {
            if (errno)
                e = io_error(w, dir, errno);
            break;
        }
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (!(name = strdup(de->d_name)) ||
            strvec_push(names, name) != KVA_OK) {
            e = nomem(w);
            break;
        }
    }
    closedir(d);
    if (e == KVA_OK && names->n > 1)
        qsort(names->v, names->n, sizeof *names->v, strcmp_p);
    return e;
}

static kva_error walk_dir(walker *w, const char *dir, const ancestor *self);

/* A directory met in the walk (or named): walked once, whatever the path
 * that leads to it. */
static kva_error enter_dir(walker *w, const char *path, const struct stat *st,
                           const ancestor *up)
{
    ancestor self = {up, st->st_dev, st->st_ino, path};

    for (const ancestor *a = up; a; a = a->up) {
        if (a->dev == st->st_dev && a->ino == st->st_ino) {
            size_t n = strlen(a->path) + 64;
            char *msg = malloc(n);
            if (!msg)
                return nomem(w);
            snprintf(msg, n, "symbolic link loop back to %s; not followed",
                     a->path);
            warn(w, path, msg);
            free(msg);
            return KVA_OK;
        }
    }
    if (dir_set_has(&w->seen, st->st_dev, st->st_ino)) {
        warn(w, path,
             "directory already walked through another path; not followed");
        return KVA_OK;
    }
    if (dir_set_add(&w->seen, st->st_dev, st->st_ino) != KVA_OK)
        return nomem(w);
    return walk_dir(w, path, &self);
}

static kva_error walk_dir(walker *w, const char *dir, const ancestor *self)
{
    strvec names = {0};
    kva_error e = list_dir(w, dir, &names);

    for (size_t i = 0; i < names.n && e == KVA_OK; i++) {
        struct stat st;
        char *path = join(dir, names.v[i]);

        if (!path) {
            e = nomem(w);
            break;
        }
        if (stat(path, &st) != 0) {
            int errnum = errno;
            struct stat lst;
            if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
                /* dangling or looping link: say so, it may have been
                 * meant as evidence */
                size_t n = strlen(strerror(errnum)) + 64;
                char *msg = malloc(n);
                if (!msg) {
                    free(path);
                    e = nomem(w);
                    break;
                }
                snprintf(msg, n, "cannot follow symbolic link: %s",
                         strerror(errnum));
                warn(w, path, msg);
                free(msg);
            } else {
                e = io_error(w, path, errnum);
            }
            free(path);
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            e = enter_dir(w, path, &st, self);
            free(path);
        } else if (!is_json_name(names.v[i])) {
            free(path);
        } else if (S_ISREG(st.st_mode)) {
            if (strvec_push(&w->files, path) != KVA_OK)
                e = nomem(w);
        } else {
            warn(w, path, "not a regular file; not read");
            free(path);
        }
    }
    strvec_free(&names);
    return e;
}

kva_error kva_collect_paths(char *const *paths, size_t n_paths, char ***files,
                            size_t *n_files, kva_walk_warning_fn on_warning,
                            void *ctx, kva_diag *err)
{
    walker w = {{0}, {0}, on_warning, ctx, err};
    kva_error e = KVA_OK;
    size_t out = 0;

    *files = NULL;
    *n_files = 0;
    for (size_t i = 0; i < n_paths && e == KVA_OK; i++) {
        struct stat st;
        char *path;

        if (stat(paths[i], &st) != 0) {
            e = io_error(&w, paths[i], errno);
            break;
        }
        if (!(path = normalize(paths[i]))) {
            e = nomem(&w);
            break;
        }
        if (S_ISDIR(st.st_mode)) {
            e = enter_dir(&w, path, &st, NULL);
            free(path);
        } else if (strvec_push(&w.files, path) != KVA_OK) {
            /* named explicitly: taken whatever its name or type (the
             * reader says what is wrong with it) */
            e = nomem(&w);
        }
    }
    free(w.seen.slots);
    if (e != KVA_OK) {
        strvec_free(&w.files);
        return e;
    }
    if (w.files.n > 1)
        qsort(w.files.v, w.files.n, sizeof *w.files.v, strcmp_p);
    for (size_t i = 0; i < w.files.n; i++) {
        if (out && strcmp(w.files.v[out - 1], w.files.v[i]) == 0)
            free(w.files.v[i]);
        else
            w.files.v[out++] = w.files.v[i];
    }
    *files = w.files.v;
    *n_files = out;
    return KVA_OK;
}

void kva_paths_free(char **files, size_t n)
{
    if (!files)
        return;
    for (size_t i = 0; i < n; i++)
        free(files[i]);
    free(files);
}

#include "fuzz.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *scratch;
static pid_t scratch_owner;

static int remove_one(const char *path, const struct stat *st, int flag,
                      struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void kva_fuzz_rmtree(const char *path)
{
    nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Only the process that made the directory removes it: a target that
   forks (none does today) must not pull it from under its parent. */
static void remove_scratch(void)
{
    if (scratch && getpid() == scratch_owner)
        kva_fuzz_rmtree(scratch);
    free(scratch);
    scratch = NULL;
}

const char *kva_fuzz_scratch(void)
{
    const char *tmp;
    size_t n;

    if (scratch)
        return scratch;
    tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    n = strlen(tmp) + sizeof "/kva-fuzz.XXXXXX";
    scratch = malloc(n);
    if (!scratch)
        return NULL;
    snprintf(scratch, n, "%s/kva-fuzz.XXXXXX", tmp);
    if (!mkdtemp(scratch)) {
        free(scratch);
        scratch = NULL;
        return NULL;
    }
    scratch_owner = getpid();
    atexit(remove_scratch);
    return scratch;
}

int kva_fuzz_write(const char *path, const void *data, size_t size)
{
    const char *p = data;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600);

    if (fd < 0)
        return -1;
    while (size > 0) {
        ssize_t n = write(fd, p, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(fd);
            return -1;
        }
        p += n;
        size -= (size_t)n;
    }
    return close(fd);
}

_Noreturn void kva_fuzz_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "kvaudit fuzz: %s:%d: invariant broken: %s\n", file, line,
            what);
    abort();
}

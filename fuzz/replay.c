/*
 * A fuzz target without libFuzzer: each FILE named on the command line is
 * fed to the target's entry point, as libFuzzer would feed it. Built with
 * the project's compiler and flags (and sanitizers under `make asan`), so
 * that tests/regress/ replays every input that once broke something
 * through the same code that found it (SQLite's fuzzcheck).
 *
 * Exit 0 when every file ran; a broken invariant aborts, a sanitizer
 * stops the process, and a file that cannot be read exits 2.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static int replay(const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t cap = 0, n = 0;

    if (!f) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return 2;
    }
    for (;;) {
        size_t got;

        if (cap - n < 65536) {
            unsigned char *nb = realloc(buf, cap * 2 + 65536);
            if (!nb) {
                fprintf(stderr, "replay: %s: out of memory\n", path);
                free(buf);
                fclose(f);
                return 2;
            }
            buf = nb;
            cap = cap * 2 + 65536;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        fprintf(stderr, "replay: %s: read error\n", path);
        free(buf);
        fclose(f);
        return 2;
    }
    fclose(f);
    /* An exact-size copy, so that a read one byte past the input is seen
       by the sanitizers as libFuzzer's own buffer would show it. */
    {
        unsigned char *exact = malloc(n ? n : 1);
        if (!exact) {
            free(buf);
            return 2;
        }
        memcpy(exact, buf, n);
        free(buf);
        LLVMFuzzerTestOneInput(exact, n);
        free(exact);
    }
    return 0;
}

int main(int argc, char **argv)
{
    int rc = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++)
        if (replay(argv[i]) != 0)
            rc = 2;
    return rc;
}

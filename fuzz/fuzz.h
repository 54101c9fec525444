#ifndef KVA_FUZZ_H
#define KVA_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/*
 * What the fuzz targets share. Each target is one file defining
 * libFuzzer's entry point; it is linked either with libFuzzer (clang,
 * `make fuzz`) or with replay.c, which feeds it the files of
 * tests/regress/ one process per file (`make check`). Both run the very
 * same code on the bytes.
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * A directory of this process's own under $TMPDIR (or /tmp), made on
 * first use and removed with everything in it at exit. NULL when it
 * cannot be made (the target then skips the input: that is the
 * machine's trouble, not the input's).
 */
const char *kva_fuzz_scratch(void);

/* Write `size` bytes to `path` (created 0600 or truncated). 0 on success. */
int kva_fuzz_write(const char *path, const void *data, size_t size);

/* Remove `path` and everything below it, never following a symlink. */
void kva_fuzz_rmtree(const char *path);

/*
 * An invariant of kvaudit that this input broke: say which and abort, so
 * that libFuzzer keeps the input as a crash and the replay fails.
 */
_Noreturn void kva_fuzz_fail(const char *file, int line, const char *what);
#define KVA_FUZZ_CHECK(cond)                                                   \
    ((cond) ? (void)0 : kva_fuzz_fail(__FILE__, __LINE__, #cond))

#endif

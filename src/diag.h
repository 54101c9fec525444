#ifndef KVA_DIAG_H
#define KVA_DIAG_H

#include <stddef.h>
#include <stdint.h>

/*
 * Error codes returned by every function that can fail. kva_strerror()
 * gives the text; the table beside it in diag.c has one entry per code
 * (a static assertion keeps them in step).
 */
typedef enum kva_error {
    KVA_OK = 0,
    KVA_ERR_NOMEM,       /* out of memory */
    KVA_ERR_IO,          /* cannot read or write a file (errno set) */
    KVA_ERR_TOO_LARGE,   /* input over the 1 GiB limit */
    KVA_ERR_ENCODING,    /* UTF-16/32 trouble, BOM-less UTF-16, NUL byte */
    KVA_ERR_UTF8,        /* invalid UTF-8 */
    KVA_ERR_SYNTAX,      /* not valid JSON */
    KVA_ERR_DEPTH,       /* nesting deeper than 512 */
    KVA_ERR_SCHEMA,      /* valid JSON of the wrong shape (missing field) */
    KVA_ERR_USAGE,       /* bad command line or option value */
    KVA_ERR_TEMPLATE,    /* a template is missing, malformed or unknown */
    KVA_ERR_RENDER,      /* a renderer's library reported an error */
    KVA_ERR__COUNT
} kva_error;

const char *kva_strerror(kva_error err);

/* Maximum JSON nesting accepted in any input. */
#define KVA_MAX_DEPTH 512
/* Largest input file accepted, in bytes (1 GiB). */
#define KVA_MAX_FILE_SIZE ((uint64_t)1 << 30)

/*
 * One diagnostic: an error or a warning with where it happened.
 * line/col are 1-based; 0 means "unknown" (then only the path is printed).
 * Columns count code points from the start of the line (an invalid byte
 * counts as one), so UTF-8 and UTF-16 inputs give the same column.
 */
typedef struct kva_diag {
    kva_error code;
    char *path;    /* owned; may be NULL */
    uint32_t line;
    uint32_t col;
    char *message; /* owned; "what is wrong", no trailing newline */
} kva_diag;

/* Set d's fields; copies path and the formatted message. Frees what d held. */
void kva_diag_set(kva_diag *d, kva_error code, const char *path, uint32_t line,
                  uint32_t col, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
void kva_diag_clear(kva_diag *d);

/*
 * Print "kvaudit: PATH:LINE:COL: MESSAGE" (or "kvaudit: PATH: MESSAGE",
 * or "kvaudit: MESSAGE") to stderr. Control characters in the path or
 * message are shown escaped so that a hostile file name cannot reach the
 * terminal raw.
 */
void kva_diag_print(const kva_diag *d);

/* Print "kvaudit: " + formatted message + newline to stderr. */
void kva_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

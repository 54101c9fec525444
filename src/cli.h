#ifndef KVA_CLI_H
#define KVA_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"

/*
 * The command line (DESIGN.md section 1): the option table, the usage text
 * and parsing into a kva_options. Parsing never prints and never exits;
 * main.c does both.
 */

typedef enum kva_command {
    KVA_CMD_NONE,
    KVA_CMD_REPORT,
    KVA_CMD_CHECK,
    KVA_CMD_HELP,
    KVA_CMD_VERSION
} kva_command;

/*
 * Output formats. The enum order is the order in which outputs are
 * written (report.json first), which is also the order of
 * kva_format_name() and kva_format_file().
 */
typedef enum kva_format {
    KVA_FMT_JSON,
    KVA_FMT_XLSX,
    KVA_FMT_PDF,
    KVA_FMT_CSV,
    KVA_FMT_MD,
    KVA_FMT_SH,
    KVA_FMT_PS1,
    KVA_FMT__COUNT
} kva_format;

#define KVA_FMT_BIT(f) (1u << (f))
#define KVA_FMT_DEFAULT                                                        \
    (KVA_FMT_BIT(KVA_FMT_XLSX) | KVA_FMT_BIT(KVA_FMT_PDF) |                    \
     KVA_FMT_BIT(KVA_FMT_JSON))

const char *kva_format_name(kva_format f); /* "json", "xlsx", ... */
const char *kva_format_file(kva_format f); /* "report.json", ... */

typedef enum kva_fail_on {
    KVA_FAIL_NEVER,
    KVA_FAIL_NONCOMPLIANT,
    KVA_FAIL_NO_EVIDENCE
} kva_fail_on;

/*
 * Parsed options. Strings point into argv (which must outlive the
 * options); the arrays are owned and freed by kva_options_free.
 */
typedef struct kva_options {
    kva_command command;
    const char *out_dir; /* -o; "kvaudit-report" by default */
    unsigned formats;    /* KVA_FMT_BIT set */
    bool as_of_set;      /* from --as-of or SOURCE_DATE_EPOCH;
                            otherwise main uses the current time */
    int64_t as_of;
    const char *exceptions;  /* --exceptions or NULL */
    const char *baseline;    /* --baseline or NULL */
    const char **owner_tags; /* NULL: the defaults of evaluate.h */
    size_t n_owner_tags;
    const char **env_tags; /* NULL: the defaults */
    size_t n_env_tags;
    const char *title;         /* NULL: the template's title */
    const char *org;           /* NULL: empty */
    const char *templates_dir; /* NULL: built in */
    bool allow_partial;
    kva_fail_on fail_on; /* report: never; check: no-evidence */
    int verbosity;       /* -1 quiet, 0 normal, 1 verbose */
    bool has_price;      /* --price-per-vault and --currency */
    double price_per_vault;
    char currency[4];
    bool pdf_vaults_all; /* --pdf-vaults all */
    bool timings;
    char **paths; /* PATH operands */
    size_t n_paths;
} kva_options;

/*
 * Parse argv (argv[0] is the program name). `source_date_epoch` is the
 * value of the environment variable SOURCE_DATE_EPOCH or NULL; it is used
 * when --as-of is not given (an empty value counts as unset).
 *
 * On success o->command is REPORT, CHECK, HELP or VERSION. On a usage
 * error returns KVA_ERR_USAGE with err->message saying what is wrong
 * (main prints it and "Try 'kvaudit --help'."), or KVA_ERR_NOMEM.
 * Either way, free with kva_options_free.
 */
kva_error kva_options_parse(int argc, char **argv,
                            const char *source_date_epoch, kva_options *o,
                            kva_diag *err);
void kva_options_free(kva_options *o);

/* The --help text, every option, grouped, within 80 columns. */
void kva_usage(FILE *f);

/*
 * "cJSON 1.7.15, libxlsxwriter 1.1.4, libharu 2.3.0, OpenSSL 3.0.x ..."
 * into buf (truncated to size). The second line of --version and the
 * evidence line of every report.
 */
void kva_lib_versions(char *buf, size_t size);

/*
 * argv joined with spaces, each word quoted for a POSIX shell when it
 * needs it, with argv[0] shown as "kvaudit" so that the text does not
 * depend on where the binary was run from. Caller frees; NULL on OOM.
 */
char *kva_command_line(int argc, char **argv);

#endif

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

/*
 * Terminal manners. Colour and progress are for a person at a terminal:
 * never in a pipe, a file or a log, so that what a pipeline keeps is
 * the same text every time.
 */

/*
 * Whether to colour text for a stream: it is a terminal (`is_tty`), the
 * NO_COLOR variable (`no_color`, NULL when unset) is unset or empty
 * (no-color.org), and TERM (`term`) is set and not "dumb".
 */
bool kva_colour_wanted(bool is_tty, const char *no_color, const char *term);

/*
 * The SGR escape sequence that starts `word` in colour, or "" for a word
 * that has none. Coloured: the verdict words PASS, FAIL and INCOMPLETE and
 * the five status names. End the word with KVA_SGR_RESET.
 */
const char *kva_colour_of(const char *word);
#define KVA_SGR_RESET "\033[0m"

/* Seconds of work before progress shows, unless KVAUDIT_PROGRESS_DELAY
 * says otherwise. */
#define KVA_PROGRESS_DELAY 1.0
/* Least time between two redraws of the progress line. */
#define KVA_PROGRESS_INTERVAL 0.1

/*
 * The progress line on stderr: "kvaudit: reading 1234/4864 files (25%)",
 * redrawn in place with '\r' at most every KVA_PROGRESS_INTERVAL seconds,
 * and only once `delay` seconds have passed since kva_progress_init, so
 * that short runs show nothing. Not thread-safe: update it from one
 * thread. A kva_progress whose `f` is NULL does nothing at all (the cost of
 * an update is then one call and one test).
 */
typedef struct kva_progress {
    FILE *f;               /* NULL: disabled */
    double (*clock)(void); /* monotonic seconds */
    double shown_from;     /* nothing is drawn before this time */
    double next;           /* no redraw before this time */
    size_t width;          /* columns of the line now on screen */
} kva_progress;

/*
 * Start the clock. `f` is the terminal to draw on (NULL disables);
 * `clock` NULL means CLOCK_MONOTONIC.
 */
void kva_progress_init(kva_progress *p, FILE *f, double delay,
                       double (*clock)(void));

/*
 * "kvaudit: LABEL DONE/TOTAL UNIT (PCT%)", or "kvaudit: LABEL DONE UNIT"
 * when `total` is 0, or "kvaudit: LABEL" when `unit` is NULL. The line is
 * cut to 79 columns; labels and units are kvaudit's own words (never
 * text from input).
 */
void kva_progress_update(kva_progress *p, const char *label, uint64_t done,
                         uint64_t total, const char *unit);

/* Erase the progress line (before any other text goes to the terminal,
 * and at the end). The next update draws it again. */
void kva_progress_clear(kva_progress *p);

/*
 * KVAUDIT_PROGRESS_DELAY's value (`env`, NULL when unset): a decimal
 * number of seconds from 0 to 3600. Anything else gives
 * KVA_PROGRESS_DELAY.
 */
double kva_progress_delay(const char *env);

#endif

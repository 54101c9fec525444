#include "cli.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <hpdf.h>
#include <openssl/crypto.h>
#include <xlsxwriter.h>

#include "text.h"

static const char *const format_names[] = {
    [KVA_FMT_JSON] = "json", [KVA_FMT_XLSX] = "xlsx", [KVA_FMT_PDF] = "pdf",
    [KVA_FMT_CSV] = "csv",   [KVA_FMT_MD] = "md",     [KVA_FMT_SH] = "sh",
    [KVA_FMT_PS1] = "ps1",
};
static const char *const format_files[] = {
    [KVA_FMT_JSON] = "report.json",  [KVA_FMT_XLSX] = "report.xlsx",
    [KVA_FMT_PDF] = "report.pdf",    [KVA_FMT_CSV] = "findings.csv",
    [KVA_FMT_MD] = "summary.md",     [KVA_FMT_SH] = "remediate.sh",
    [KVA_FMT_PS1] = "remediate.ps1",
};
_Static_assert(sizeof format_names / sizeof format_names[0] == KVA_FMT__COUNT,
               "one name per format");
_Static_assert(sizeof format_files / sizeof format_files[0] == KVA_FMT__COUNT,
               "one file per format");

const char *kva_format_name(kva_format f)
{
    return (unsigned)f < KVA_FMT__COUNT ? format_names[f] : "";
}

const char *kva_format_file(kva_format f)
{
    return (unsigned)f < KVA_FMT__COUNT ? format_files[f] : "";
}

typedef enum opt_id {
    OPT_ALLOW_PARTIAL,
    OPT_AS_OF,
    OPT_BASELINE,
    OPT_CURRENCY,
    OPT_ENV_TAG,
    OPT_EXCEPTIONS,
    OPT_FAIL_ON,
    OPT_FORMAT,
    OPT_HELP,
    OPT_ORG,
    OPT_OUT,
    OPT_OWNER_TAG,
    OPT_PDF_VAULTS,
    OPT_PRICE,
    OPT_QUIET,
    OPT_TEMPLATES,
    OPT_TIMINGS,
    OPT_TITLE,
    OPT_VERBOSE,
    OPT_VERSION
} opt_id;

/*
 * Every option once, as curl's aliases[] table: long name, short letter
 * (0 for none), whether it takes a value. Long names must be given in
 * full: an abbreviation that works today would change meaning the day an
 * option with the same prefix is added, and auditors keep command lines
 * in their working papers.
 */
static const struct alias {
    const char *lname;
    char letter;
    bool has_arg;
    opt_id id;
} aliases[] = {
    {"allow-partial", 0, false, OPT_ALLOW_PARTIAL},
    {"as-of", 0, true, OPT_AS_OF},
    {"baseline", 0, true, OPT_BASELINE},
    {"currency", 0, true, OPT_CURRENCY},
    {"env-tag", 0, true, OPT_ENV_TAG},
    {"exceptions", 0, true, OPT_EXCEPTIONS},
    {"fail-on", 0, true, OPT_FAIL_ON},
    {"format", 'f', true, OPT_FORMAT},
    {"help", 'h', false, OPT_HELP},
    {"org", 0, true, OPT_ORG},
    {"out", 'o', true, OPT_OUT},
    {"owner-tag", 0, true, OPT_OWNER_TAG},
    {"pdf-vaults", 0, true, OPT_PDF_VAULTS},
    {"price-per-vault", 0, true, OPT_PRICE},
    {"quiet", 'q', false, OPT_QUIET},
    {"templates", 0, true, OPT_TEMPLATES},
    {"timings", 0, false, OPT_TIMINGS},
    {"title", 0, true, OPT_TITLE},
    {"verbose", 'v', false, OPT_VERBOSE},
    {"version", 0, false, OPT_VERSION},
};

#define N_ALIASES (sizeof aliases / sizeof aliases[0])

static const struct alias *find_long(const char *name, size_t len)
{
    for (size_t i = 0; i < N_ALIASES; i++)
        if (strlen(aliases[i].lname) == len &&
            memcmp(aliases[i].lname, name, len) == 0)
            return &aliases[i];
    return NULL;
}

static const struct alias *find_short(char c)
{
    for (size_t i = 0; i < N_ALIASES; i++)
        if (aliases[i].letter && aliases[i].letter == c)
            return &aliases[i];
    return NULL;
}

static const char usage_text[] =
    "Usage: kvaudit report [OPTIONS] PATH...\n"
    "       kvaudit check  [OPTIONS] PATH...\n"
    "       kvaudit --help | --version\n"
    "\n"
    "Evaluate the control \"Microsoft Defender for Key Vault is set to On\"\n"
    "over exported Azure inventory (JSON files, or directories searched for\n"
    "*.json) and write evidence-grade reports. Nothing is sent anywhere.\n"
    "\n"
    "Commands:\n"
    "  report                  evaluate and write the reports into --out\n"
    "                          (all of them or, on any error, none)\n"
    "  check                   evaluate and print the findings; write nothing\n"
    "\n"
    "Output:\n"
    "  -o, --out DIR           output directory, created if missing\n"
    "                          (default: kvaudit-report); outputs of an\n"
    "                          earlier run that this one does not write are\n"
    "                          removed, other files are left as they are\n"
    "  -f, --format LIST       comma list of xlsx,pdf,json,csv,md,sh,ps1;\n"
    "                          repeatable (default: xlsx,pdf,json)\n"
    "      --title TEXT        report title (default: the built-in title)\n"
    "      --org TEXT          organisation shown on every output\n"
    "      --pdf-vaults WHICH  vaults listed in the PDF appendix: failing\n"
    "                          (of non-covered subscriptions) or all\n"
    "                          (default: failing)\n"
    "      --price-per-vault AMOUNT\n"
    "      --currency CODE     give both: the estimated monthly cost of\n"
    "                          covering the uncovered vaults (AMOUNT per\n"
    "                          vault, like 0.02; CODE like EUR)\n"
    "\n"
    "Evaluation:\n"
    "      --as-of WHEN        evaluation time, YYYY-MM-DD (midnight UTC) or\n"
    "                          RFC 3339; also every time written into the\n"
    "                          outputs (default: SOURCE_DATE_EPOCH if set,\n"
    "                          else now)\n"
    "      --exceptions FILE   exceptions register (kvaudit.exceptions/1);\n"
    "                          also recognised when found under PATH\n"
    "      --baseline FILE     a previous report.json, for the trend section\n"
    "      --owner-tag KEY     tag key naming an owner; repeatable; replaces\n"
    "                          the defaults owner, businessOwner,\n"
    "                          owner-email, ownerEmail, contact\n"
    "      --env-tag KEY       tag key naming the environment; repeatable;\n"
    "                          replaces the defaults environment, env, stage\n"
    "      --templates DIR     use DIR's templates instead of the built-in\n"
    "      --allow-partial     skip unreadable or malformed files: they are\n"
    "                          listed as warnings and the report is marked\n"
    "                          INCOMPLETE\n"
    "      --fail-on WHAT      exit 1 when the control fails: never,\n"
    "                          noncompliant, or no-evidence (noncompliant or\n"
    "                          missing evidence) (default: never for report,\n"
    "                          no-evidence for check)\n"
    "\n"
    "Messages:\n"
    "  -q, --quiet             no summary on stdout, no warnings or progress\n"
    "                          on stderr\n"
    "  -v, --verbose           one line per file read, on stderr\n"
    "      --timings           wall time of each phase, on stderr\n"
    "  -h, --help              show this help\n"
    "      --version           show the version and the linked libraries\n"
    "\n"
    "Options may come before or after PATHs; '--' ends the options.\n"
    "On a terminal, long runs show their progress on stderr and the summary\n"
    "is in colour; in a pipe or a file, neither.\n";

/* Split from usage_text: C11 guarantees string literals of 4,095 bytes. */
static const char usage_env[] =
    "\n"
    "Environment:\n"
    "  SOURCE_DATE_EPOCH       seconds since 1970-01-01 UTC: the default\n"
    "                          --as-of, for reproducible reports\n"
    "  NO_COLOR                set and not empty: no colour, even on a\n"
    "                          terminal\n"
    "  KVAUDIT_PROGRESS_DELAY  seconds of work before progress shows on a\n"
    "                          terminal (default 1; 0 shows it at once)\n"
    "  KVAUDIT_THREADS         threads for reading and rendering, 1 to 64\n"
    "                          (default: processors online, at most 8);\n"
    "                          the reports are the same whatever the number\n"
    "\n"
    "Exit status:\n"
    "  0  done (and the control passes, where --fail-on asks)\n"
    "  1  done, and the control fails under --fail-on\n"
    "  2  usage error\n"
    "  3  input error: unreadable or malformed evidence\n"
    "  4  output error: cannot write the reports\n"
    "\n"
    "Full manual: man kvaudit\n";

void kva_usage(FILE *f)
{
    fputs(usage_text, f);
    fputs(usage_env, f);
}

void kva_lib_versions(char *buf, size_t size)
{
    if (!buf || !size)
        return;
    /* Each library's own answer at run time, not the header it was
       compiled against: the shared library loaded may be another. */
    snprintf(buf, size, "cJSON %s, libxlsxwriter %s, libharu %s, %s",
             cJSON_Version(), lxw_version(), HPDF_GetVersion(),
             OpenSSL_version(OPENSSL_VERSION));
}

static bool shell_safe(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || strchr("_@%+=:,./-", c)))
            return false;
    }
    return true;
}

char *kva_command_line(int argc, char **argv)
{
    size_t len = sizeof "kvaudit";
    char *buf, *p;

    for (int i = 1; i < argc; i++) {
        /* worst case: every byte a quote, 4 bytes each, plus '' and a
           space */
        size_t n = strlen(argv[i]);
        if (n > (SIZE_MAX - len - 3) / 4)
            return NULL;
        len += 4 * n + 3;
    }
    buf = malloc(len);
    if (!buf)
        return NULL;
    p = buf;
    memcpy(p, "kvaudit", 7);
    p += 7;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        *p++ = ' ';
        if (shell_safe(s)) {
            size_t n = strlen(s);
            memcpy(p, s, n);
            p += n;
            continue;
        }
        *p++ = '\'';
        for (; *s; s++) {
            if (*s == '\'') {
                memcpy(p, "'\\''", 4);
                p += 4;
            } else {
                *p++ = *s;
            }
        }
        *p++ = '\'';
    }
    *p = '\0';
    return buf;
}

/* Set a usage error in *err (a printf-style message) and return it. */
static kva_error usage(kva_diag *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static kva_error usage(kva_diag *err, const char *fmt, ...)
{
    va_list ap;
    char *msg;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !(msg = malloc((size_t)n + 1)))
        return KVA_ERR_NOMEM;
    va_start(ap, fmt);
    vsnprintf(msg, (size_t)n + 1, fmt, ap);
    va_end(ap);
    kva_diag_set(err, KVA_ERR_USAGE, NULL, 0, 0, "%s", msg);
    free(msg);
    return KVA_ERR_USAGE;
}

static kva_error parse_formats(const char *list, unsigned *formats,
                               kva_diag *err)
{
    const char *p = list;

    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        int found = -1;

        if (len == 0)
            return usage(err, "empty item in the format list '%s'", list);
        for (int f = 0; f < KVA_FMT__COUNT; f++)
            if (strlen(format_names[f]) == len &&
                kva_strncasecmp(format_names[f], p, len) == 0)
                found = f;
        if (found < 0) {
            char *item = strndup(p, len);
            kva_error e;
            if (!item)
                return KVA_ERR_NOMEM;
            e = usage(err,
                      "unknown format '%s' (choose from "
                      "xlsx,pdf,json,csv,md,sh,ps1)",
                      item);
            free(item);
            return e;
        }
        *formats |= KVA_FMT_BIT(found);
        if (!end)
            return KVA_OK;
        p = end + 1;
    }
}

/* A non-negative decimal: digits, optionally '.' and more digits. No sign,
 * no exponent, no locale: what an invoice shows. */
static bool parse_amount(const char *s, double *v)
{
    size_t i = 0, digits = 0;

    while (s[i] >= '0' && s[i] <= '9')
        i++, digits++;
    if (digits == 0)
        return false;
    if (s[i] == '.') {
        size_t frac = 0;
        i++;
        while (s[i] >= '0' && s[i] <= '9')
            i++, frac++;
        if (frac == 0)
            return false;
    }
    if (s[i] != '\0' || i > 32)
        return false;
    *v = strtod(s, NULL);
    return true;
}

static bool parse_currency(const char *s)
{
    for (int i = 0; i < 3; i++)
        if (s[i] < 'A' || s[i] > 'Z')
            return false;
    return s[3] == '\0';
}

/* Latest time kva_time_format can write (9999-12-31T23:59:59Z). */
#define MAX_EPOCH INT64_C(253402300799)

static bool parse_epoch(const char *s, int64_t *v)
{
    int64_t n = 0;

    if (!*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        n = n * 10 + (*s - '0');
        if (n > MAX_EPOCH)
            return false;
    }
    *v = n;
    return true;
}

static kva_error push_tag(const char ***v, size_t *n, const char *tag,
                          const char *opt, kva_diag *err)
{
    const char **nv;

    if (!*tag)
        return usage(err, "bad --%s '': a tag key cannot be empty", opt);
    nv = realloc(*v, (*n + 1) * sizeof *nv);
    if (!nv)
        return KVA_ERR_NOMEM;
    nv[(*n)++] = tag;
    *v = nv;
    return KVA_OK;
}

static kva_error push_path(kva_options *o, char *path)
{
    char **nv = realloc(o->paths, (o->n_paths + 1) * sizeof *nv);

    if (!nv)
        return KVA_ERR_NOMEM;
    nv[o->n_paths++] = path;
    o->paths = nv;
    return KVA_OK;
}

typedef struct parse_state {
    bool formats_given;
    bool fail_on_given;
    bool price_given;
    bool currency_given;
    bool as_of_given;
} parse_state;

static kva_error apply(kva_options *o, parse_state *st, const struct alias *a,
                       char *val, kva_diag *err)
{
    switch (a->id) {
    case OPT_ALLOW_PARTIAL:
        o->allow_partial = true;
        return KVA_OK;
    case OPT_AS_OF:
        if (!kva_time_parse(val, &o->as_of) || o->as_of > MAX_EPOCH)
            return usage(err,
                         "bad --as-of '%s': expected YYYY-MM-DD or an RFC "
                         "3339 time such as 2026-11-23T00:00:00Z",
                         val);
        o->as_of_set = true;
        st->as_of_given = true;
        return KVA_OK;
    case OPT_BASELINE:
    case OPT_EXCEPTIONS: {
        const char **slot =
            a->id == OPT_BASELINE ? &o->baseline : &o->exceptions;
        if (*slot)
            return usage(err, "option '--%s' given more than once", a->lname);
        if (!*val)
            return usage(err, "bad --%s '': empty file name", a->lname);
        *slot = val;
        return KVA_OK;
    }
    case OPT_CURRENCY:
        if (!parse_currency(val))
            return usage(err,
                         "bad --currency '%s': expected three capital "
                         "letters such as EUR",
                         val);
        memcpy(o->currency, val, 4);
        st->currency_given = true;
        return KVA_OK;
    case OPT_ENV_TAG:
        return push_tag(&o->env_tags, &o->n_env_tags, val, a->lname, err);
    case OPT_OWNER_TAG:
        return push_tag(&o->owner_tags, &o->n_owner_tags, val, a->lname, err);
    case OPT_FAIL_ON:
        if (strcmp(val, "never") == 0)
            o->fail_on = KVA_FAIL_NEVER;
        else if (strcmp(val, "noncompliant") == 0)
            o->fail_on = KVA_FAIL_NONCOMPLIANT;
        else if (strcmp(val, "no-evidence") == 0)
            o->fail_on = KVA_FAIL_NO_EVIDENCE;
        else
            return usage(err,
                         "bad --fail-on '%s': expected never, noncompliant "
                         "or no-evidence",
                         val);
        st->fail_on_given = true;
        return KVA_OK;
    case OPT_FORMAT:
        if (!st->formats_given)
            o->formats = 0;
        st->formats_given = true;
        return parse_formats(val, &o->formats, err);
    case OPT_ORG:
        o->org = val;
        return KVA_OK;
    case OPT_OUT:
        if (!*val)
            return usage(err, "bad --out '': empty directory name");
        o->out_dir = val;
        return KVA_OK;
    case OPT_PDF_VAULTS:
        if (strcmp(val, "failing") == 0)
            o->pdf_vaults_all = false;
        else if (strcmp(val, "all") == 0)
            o->pdf_vaults_all = true;
        else
            return usage(err, "bad --pdf-vaults '%s': expected failing or all",
                         val);
        return KVA_OK;
    case OPT_PRICE:
        if (!parse_amount(val, &o->price_per_vault))
            return usage(err,
                         "bad --price-per-vault '%s': expected a "
                         "non-negative decimal amount such as 0.02",
                         val);
        st->price_given = true;
        return KVA_OK;
    case OPT_QUIET:
        o->verbosity = -1;
        return KVA_OK;
    case OPT_VERBOSE:
        o->verbosity = 1;
        return KVA_OK;
    case OPT_TEMPLATES:
        if (!*val)
            return usage(err, "bad --templates '': empty directory name");
        o->templates_dir = val;
        return KVA_OK;
    case OPT_TIMINGS:
        o->timings = true;
        return KVA_OK;
    case OPT_TITLE:
        o->title = val;
        return KVA_OK;
    case OPT_HELP:
        o->command = KVA_CMD_HELP;
        return KVA_OK;
    case OPT_VERSION:
        o->command = KVA_CMD_VERSION;
        return KVA_OK;
    }
    return KVA_OK;
}

/*
 * One operand: the first is the command, the rest are PATHs. Returns
 * KVA_OK or an error.
 */
static kva_error operand(kva_options *o, bool *have_command, char *arg,
                         kva_diag *err)
{
    if (*have_command)
        return push_path(o, arg);
    *have_command = true;
    if (strcmp(arg, "report") == 0)
        o->command = KVA_CMD_REPORT;
    else if (strcmp(arg, "check") == 0)
        o->command = KVA_CMD_CHECK;
    else
        return usage(err, "unknown command '%s' (use report or check)", arg);
    return KVA_OK;
}

static bool is_info(const kva_options *o)
{
    return o->command == KVA_CMD_HELP || o->command == KVA_CMD_VERSION;
}

/*
 * --help and --version win wherever they are on the line, even after an
 * unknown option or a bad value: someone who asks for help gets it, not
 * an error about the rest. The words are read the way the parser reads
 * them (a known option's value is skipped, so `--title --help` is a
 * title; short flags may be bundled; "--" ends the options); an unknown
 * option is taken to have no value. The first request wins.
 */
static kva_command info_request(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];

        if (arg[0] != '-' || arg[1] == '\0')
            continue;
        if (arg[1] == '-' && arg[2] == '\0')
            return KVA_CMD_NONE;
        if (arg[1] == '-') {
            const char *name = arg + 2;
            const char *eq = strchr(name, '=');
            const struct alias *a =
                find_long(name, eq ? (size_t)(eq - name) : strlen(name));

            if (!a)
                continue;
            if (!eq && a->id == OPT_HELP)
                return KVA_CMD_HELP;
            if (!eq && a->id == OPT_VERSION)
                return KVA_CMD_VERSION;
            if (!eq && a->has_arg)
                i++;
            continue;
        }
        for (const char *p = arg + 1; *p; p++) {
            const struct alias *a = find_short(*p);

            if (a && a->id == OPT_HELP)
                return KVA_CMD_HELP;
            if (a && a->has_arg) {
                if (!p[1])
                    i++;
                break;
            }
        }
    }
    return KVA_CMD_NONE;
}

kva_error kva_options_parse(int argc, char **argv,
                            const char *source_date_epoch, kva_options *o,
                            kva_diag *err)
{
    parse_state st = {0};
    bool have_command = false, options_done = false;
    kva_error e = KVA_OK;

    memset(o, 0, sizeof *o);
    o->out_dir = "kvaudit-report";
    o->formats = KVA_FMT_DEFAULT;
    o->command = info_request(argc, argv);
    if (is_info(o))
        return KVA_OK;

    for (int i = 1; i < argc && e == KVA_OK && !is_info(o); i++) {
        char *arg = argv[i];

        if (options_done || arg[0] != '-' || arg[1] == '\0') {
            e = operand(o, &have_command, arg, err);
        } else if (arg[1] == '-' && arg[2] == '\0') {
            options_done = true;
        } else if (arg[1] == '-') {
            const char *name = arg + 2;
            char *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            const struct alias *a = find_long(name, len);
            char *val = NULL;

            if (!a) {
                char *opt = strndup(arg, (size_t)(name - arg) + len);
                if (!opt)
                    return KVA_ERR_NOMEM;
                e = usage(err, "unknown option '%s'", opt);
                free(opt);
                break;
            }
            if (a->has_arg) {
                if (eq)
                    val = eq + 1;
                else if (i + 1 < argc)
                    val = argv[++i];
                else
                    e = usage(err, "option '--%s' needs a value", a->lname);
            } else if (eq) {
                e = usage(err, "option '--%s' takes no value", a->lname);
            }
            if (e == KVA_OK)
                e = apply(o, &st, a, val, err);
        } else {
            /* Short options: flags may be bundled (-qv); an option that
               takes a value takes the rest of the word (-oDIR) or the
               next word (-o DIR). */
            for (char *p = arg + 1; *p && e == KVA_OK; p++) {
                const struct alias *a = find_short(*p);
                char *val = NULL;
                char name[3] = {'-', *p, '\0'};

                if (!a) {
                    e = usage(err, "unknown option '%s'", name);
                    break;
                }
                if (a->has_arg) {
                    if (p[1])
                        val = p + 1;
                    else if (i + 1 < argc)
                        val = argv[++i];
                    else {
                        e = usage(err, "option '%s' needs a value", name);
                        break;
                    }
                    e = apply(o, &st, a, val, err);
                    break;
                }
                e = apply(o, &st, a, NULL, err);
                if (is_info(o))
                    break;
            }
        }
    }
    if (e != KVA_OK)
        return e;
    if (is_info(o))
        return KVA_OK;

    if (!have_command)
        return usage(err, "no command given (use report or check)");
    if (o->n_paths == 0)
        return usage(err, "no PATH given");
    if (st.price_given != st.currency_given)
        return usage(err, "--price-per-vault and --currency go together: give "
                          "both or neither");
    o->has_price = st.price_given;
    if (!st.fail_on_given)
        o->fail_on =
            o->command == KVA_CMD_CHECK ? KVA_FAIL_NO_EVIDENCE : KVA_FAIL_NEVER;
    if (!st.as_of_given && source_date_epoch && *source_date_epoch) {
        if (!parse_epoch(source_date_epoch, &o->as_of))
            return usage(err,
                         "bad SOURCE_DATE_EPOCH '%s': expected a decimal "
                         "number of seconds since 1970-01-01",
                         source_date_epoch);
        o->as_of_set = true;
    }
    return KVA_OK;
}

void kva_options_free(kva_options *o)
{
    if (!o)
        return;
    free(o->owner_tags);
    free(o->env_tags);
    free(o->paths);
    o->owner_tags = o->env_tags = NULL;
    o->paths = NULL;
    o->n_owner_tags = o->n_env_tags = o->n_paths = 0;
}

bool kva_colour_wanted(bool is_tty, const char *no_color, const char *term)
{
    if (!is_tty || (no_color && *no_color))
        return false;
    return term && *term && strcmp(term, "dumb") != 0;
}

const char *kva_colour_of(const char *word)
{
    static const struct {
        const char *word;
        const char *sgr;
    } colours[] = {
        {"PASS", "\033[1;32m"},       {"FAIL", "\033[1;31m"},
        {"INCOMPLETE", "\033[1;33m"}, {"compliant", "\033[32m"},
        {"exempt", "\033[36m"},       {"noncompliant", "\033[31m"},
        {"no_evidence", "\033[33m"},  {"not_applicable", "\033[2m"},
    };

    for (size_t i = 0; word && i < sizeof colours / sizeof colours[0]; i++)
        if (strcmp(word, colours[i].word) == 0)
            return colours[i].sgr;
    return "";
}

static double monotonic(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void kva_progress_init(kva_progress *p, FILE *f, double delay,
                       double (*clock)(void))
{
    memset(p, 0, sizeof *p);
    p->f = f;
    p->clock = clock ? clock : monotonic;
    p->shown_from = p->clock() + (delay > 0 ? delay : 0);
}

/* Longest progress line: one column short of an 80-column terminal, so
 * that the cursor never wraps to a new line. */
#define PROGRESS_COLS 79

void kva_progress_update(kva_progress *p, const char *label, uint64_t done,
                         uint64_t total, const char *unit)
{
    /* '\r', the text, blanks over a longer previous line */
    char buf[1 + 2 * PROGRESS_COLS + 1];
    char *text = buf + 1;
    size_t len;
    double now;
    int n;

    if (!p->f)
        return;
    now = p->clock();
    if (now < p->shown_from || now < p->next)
        return;
    p->next = now + KVA_PROGRESS_INTERVAL;

    if (!unit)
        n = snprintf(text, PROGRESS_COLS + 1, "kvaudit: %s", label);
    else if (total)
        n = snprintf(text, PROGRESS_COLS + 1,
                     "kvaudit: %s %" PRIu64 "/%" PRIu64 " %s (%u%%)", label,
                     done, total, unit,
                     (unsigned)(done >= total ? 100 : done * 100 / total));
    else
        n = snprintf(text, PROGRESS_COLS + 1, "kvaudit: %s %" PRIu64 " %s",
                     label, done, unit);
    if (n < 0)
        return;
    len = (size_t)n < PROGRESS_COLS ? (size_t)n : PROGRESS_COLS;
    buf[0] = '\r';
    for (size_t i = len; i < p->width; i++)
        text[i] = ' ';
    fwrite(buf, 1, 1 + (len > p->width ? len : p->width), p->f);
    fflush(p->f);
    p->width = len;
}

void kva_progress_clear(kva_progress *p)
{
    char buf[1 + PROGRESS_COLS + 1];

    if (!p->f || !p->width)
        return;
    buf[0] = '\r';
    memset(buf + 1, ' ', p->width);
    buf[1 + p->width] = '\r';
    fwrite(buf, 1, p->width + 2, p->f);
    fflush(p->f);
    p->width = 0;
}

double kva_progress_delay(const char *env)
{
    double v = 0, scale = 1;
    size_t i = 0;
    bool digits = false;

    /* By hand rather than strtod: no locale, no exponent, no "inf". */
    if (!env)
        return KVA_PROGRESS_DELAY;
    for (; env[i] >= '0' && env[i] <= '9' && i < 8; i++, digits = true)
        v = v * 10 + (env[i] - '0');
    if (env[i] == '.') {
        for (i++; env[i] >= '0' && env[i] <= '9' && i < 16; i++) {
            scale /= 10;
            v += (env[i] - '0') * scale;
            digits = true;
        }
    }
    if (!digits || env[i] != '\0' || v > 3600)
        return KVA_PROGRESS_DELAY;
    return v;
}

/*
 * probe: the measuring and checking tool of the hostile-input and output
 * safety suites, compiled by them at test time (it needs nothing but
 * libc, so neither GNU time nor a CSV or JSON library is a dependency).
 *
 *   probe run SECONDS RESULT CMD [ARG...]
 *       Run CMD in a process group of its own, with SIGINT, SIGTERM,
 *       SIGHUP and SIGQUIT at their defaults (a background job of a shell
 *       starts with SIGINT ignored); after SECONDS (a decimal) kill the
 *       group. Writes "STATUS WALL_MS MAXRSS_KB" to RESULT: STATUS is the
 *       exit code, 128+N after signal N, or 124 when the time ran out.
 *       Exits with STATUS. MAXRSS_KB is CMD's own peak resident set
 *       (wait4), not the tool's. With PROBE_PIDFILE set, CMD's process id
 *       is written there once it runs, for a test that signals it.
 *
 *   probe cuts FILE
 *       FILE is one JSON value in UTF-8 (no BOM). For every token, prints
 *       where a copy of the file cut right after it ends and what a JSON
 *       reader must say about that cut: "BYTES LINE COL MESSAGE", where
 *       LINE:COL is the end of the cut text (columns count code points)
 *       and MESSAGE names the innermost open container. Cuts inside a
 *       string and a literal are printed for the first token of each
 *       kind. The cut of 0 bytes is "empty file"; the whole value is not
 *       a cut.
 *
 *   probe csv FILE
 *       Check findings.csv: UTF-8 with a byte-order mark, RFC 4180 with
 *       CRLF records, the header's number of fields on every record, and
 *       no field that a spreadsheet would take for a formula (one that
 *       begins with = + - @ TAB or CR, or their full-width forms). Prints
 *       the first problem and exits 1, or exits 0.
 *
 *   probe text LEVEL FILE...
 *       Check that each FILE is valid UTF-8 (a byte-order mark at the
 *       start is allowed) and holds, at LEVEL
 *         xml     no C0 control character but TAB, CR and LF (what XML
 *                 1.0 and JSON strings forbid raw);
 *         term    nor DEL or a C1 control (U+0080-U+009F: 0x9B is CSI
 *                 to some terminals), for what reaches a terminal;
 *         script  nor a bidirectional formatting character (U+061C,
 *                 U+200E, U+200F, U+202A-U+202E, U+2066-U+2069), which
 *                 can make a line of a script look unlike what it runs.
 *       Prints "FILE:LINE:COL: problem" for the first problem of each
 *       file and exits 1, or exits 0.
 *
 *   probe match SPEC FILE
 *       Compare FILE with SPEC line by line: a SPEC line "=TEXT" wants
 *       exactly TEXT, "^TEXT" a line that begins with TEXT, "~TEXT" TEXT
 *       where each XXXXXX stands for six letters or digits (a temporary
 *       file's name). Every line of FILE must end with a newline. Prints
 *       the differences and exits 1, or exits 0.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* wait4 is BSD, not POSIX: declared here instead of asking for
 * _DEFAULT_SOURCE, so the file builds with the project's flags. */
pid_t wait4(pid_t pid, int *status, int options, struct rusage *ru);

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmd_run(int argc, char **argv)
{
    double limit, t0, wall;
    char *end;
    struct rusage ru;
    int status = 0, code;
    bool timed_out = false;
    pid_t pid;
    FILE *f;

    if (argc < 5) {
        fputs("usage: probe run SECONDS RESULT CMD [ARG...]\n", stderr);
        return 2;
    }
    errno = 0;
    limit = strtod(argv[2], &end);
    if (errno || *end || !(limit > 0)) {
        fprintf(stderr, "probe: bad SECONDS '%s'\n", argv[2]);
        return 2;
    }
    t0 = now_s();
    pid = fork();
    if (pid < 0) {
        fprintf(stderr, "probe: fork: %s\n", strerror(errno));
        return 2;
    }
    if (pid == 0) {
        static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
        const char *pidfile = getenv("PROBE_PIDFILE");

        setpgid(0, 0);
        for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
            signal(sigs[i], SIG_DFL);
        if (pidfile && *pidfile) {
            FILE *pf = fopen(pidfile, "w");
            if (!pf || fprintf(pf, "%ld\n", (long)getpid()) < 0 ||
                fclose(pf) != 0) {
                fprintf(stderr, "probe: %s: cannot write\n", pidfile);
                _exit(127);
            }
        }
        execvp(argv[4], argv + 4);
        fprintf(stderr, "probe: %s: %s\n", argv[4], strerror(errno));
        _exit(127);
    }
    /* Also from here: the child may not have run setpgid yet when the
     * time is up. */
    setpgid(pid, pid);
    memset(&ru, 0, sizeof ru);
    for (;;) {
        pid_t w = wait4(pid, &status, WNOHANG, &ru);
        struct timespec nap = {0, 2000000};

        if (w == pid)
            break;
        if (w < 0 && errno != EINTR) {
            fprintf(stderr, "probe: wait4: %s\n", strerror(errno));
            return 2;
        }
        if (!timed_out && now_s() - t0 > limit) {
            timed_out = true;
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
        }
        nanosleep(&nap, NULL);
    }
    wall = now_s() - t0;
    if (timed_out)
        code = 124;
    else if (WIFEXITED(status))
        code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        code = 128 + WTERMSIG(status);
    else
        code = 125;
    f = fopen(argv[3], "w");
    if (!f) {
        fprintf(stderr, "probe: %s: %s\n", argv[3], strerror(errno));
        return 2;
    }
    fprintf(f, "%d %.0f %ld\n", code, wall * 1000.0, (long)ru.ru_maxrss);
    if (fclose(f) != 0) {
        fprintf(stderr, "probe: %s: %s\n", argv[3], strerror(errno));
        return 2;
    }
    return code;
}

/* The whole file, NUL-terminated. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL, *nb;
    size_t cap = 0, n = 0, got;

    if (!f) {
        fprintf(stderr, "probe: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    for (;;) {
        if (cap - n < 4096) {
            cap = cap ? cap * 2 : 65536;
            nb = realloc(buf, cap + 1);
            if (!nb) {
                fputs("probe: out of memory\n", stderr);
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        fprintf(stderr, "probe: %s: read error\n", path);
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Line and column of the end of s[0..off): columns count code points
 * (every byte that is not a UTF-8 continuation byte). */
static void position(const char *s, size_t off, unsigned long *line,
                     unsigned long *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n') {
            (*line)++;
            *col = 1;
        } else if ((c & 0xC0) != 0x80) {
            (*col)++;
        }
    }
}

static const char *const eof_in[] = {
    "unexpected end of file inside an array",
    "unexpected end of file inside an object",
};

static void print_cut(const char *s, size_t off, const char *msg)
{
    unsigned long line, col;

    position(s, off, &line, &col);
    printf("%zu %lu %lu %s\n", off, line, col, msg);
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int cmd_cuts(const char *path)
{
    size_t len, i = 0, depth = 0;
    char *s = slurp(path, &len);
    /* 0 = array, 1 = object; the fixtures are shallow */
    unsigned char stack[256];
    bool cut_string = false, cut_literal = false;
    size_t end;

    if (!s)
        return 2;
    /* the value ends at its last non-space byte */
    end = len;
    while (end > 0 && is_ws(s[end - 1]))
        end--;
    print_cut(s, 0, "empty file");
    while (i < end) {
        char c = s[i];
        size_t start = i;

        if (is_ws(c)) {
            i++;
            continue;
        }
        if (c == '{' || c == '[') {
            if (depth == sizeof stack) {
                fputs("probe: fixture nested too deep\n", stderr);
                free(s);
                return 2;
            }
            stack[depth++] = c == '{';
            i++;
        } else if (c == '}' || c == ']') {
            if (!depth) {
                fputs("probe: unbalanced fixture\n", stderr);
                free(s);
                return 2;
            }
            depth--;
            i++;
        } else if (c == ',' || c == ':') {
            i++;
        } else if (c == '"') {
            i++;
            while (i < end && s[i] != '"')
                i += s[i] == '\\' ? 2 : 1;
            if (i >= end) {
                fputs("probe: unterminated string in fixture\n", stderr);
                free(s);
                return 2;
            }
            i++;
            if (!cut_string && i - start > 2 && depth) {
                /* half way into the string, on a character boundary */
                size_t mid = start + (i - start) / 2;
                while ((s[mid] & 0xC0) == 0x80)
                    mid--;
                print_cut(s, mid, "unexpected end of file inside a string");
                cut_string = true;
            }
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            i++;
            while (i < end && strchr("0123456789.eE+-", s[i]))
                i++;
        } else if (c == 't' || c == 'f' || c == 'n') {
            i += c == 'f' ? 5 : 4;
            if (!cut_literal && depth) {
                print_cut(s, start + 2,
                          "unexpected end of file inside a literal");
                cut_literal = true;
            }
        } else {
            fprintf(stderr, "probe: unexpected byte 0x%02x in fixture\n",
                    (unsigned char)c);
            free(s);
            return 2;
        }
        /* the cut right after this token (not after the last one) */
        if (depth)
            print_cut(s, i, eof_in[stack[depth - 1]]);
    }
    free(s);
    return 0;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid;
 * *cp gets its code point. */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
    size_t k;
    uint32_t v, min;

    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        k = 2;
        v = s[0] & 0x1F;
        min = 0x80;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        k = 3;
        v = s[0] & 0x0F;
        min = 0x800;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        k = 4;
        v = s[0] & 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n < k)
        return 0;
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = v << 6 | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return k;
}

static bool is_bidi(uint32_t cp)
{
    return cp == 0x061C || cp == 0x200E || cp == 0x200F ||
           (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

/*
 * The first problem of text s[0..n) as a message, or NULL. Offsets are
 * reported as line:column (code points) so that a failure is easy to
 * find in the file.
 */
enum level { L_XML, L_TERM, L_SCRIPT };

static const char *text_problem(const unsigned char *s, size_t n,
                                enum level lv, size_t *at)
{
    size_t i = 0;

    if (n >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF)
        i = 3;
    while (i < n) {
        uint32_t cp;
        size_t k = utf8_seq(s + i, n - i, &cp);

        *at = i;
        if (!k)
            return "invalid UTF-8";
        if (cp < 0x20 && cp != '\t' && cp != '\r' && cp != '\n')
            return "a control character";
        if (lv >= L_TERM && cp == 0x7F)
            return "a DEL character";
        if (lv >= L_TERM && cp >= 0x80 && cp < 0xA0)
            return "a C1 control character (U+0080-U+009F)";
        if (lv >= L_SCRIPT && is_bidi(cp))
            return "a bidirectional formatting character";
        if (cp == 0xFEFF && i > 0)
            return "a byte-order mark inside the text";
        i += k;
    }
    return NULL;
}

static int cmd_text(const char *level, char **paths, int n)
{
    enum level lv;
    int rc = 0;

    if (strcmp(level, "xml") == 0)
        lv = L_XML;
    else if (strcmp(level, "term") == 0)
        lv = L_TERM;
    else if (strcmp(level, "script") == 0)
        lv = L_SCRIPT;
    else {
        fprintf(stderr, "probe: unknown level '%s'\n", level);
        return 2;
    }
    for (int i = 0; i < n; i++) {
        size_t len, at = 0;
        char *s = slurp(paths[i], &len);
        const char *why;

        if (!s)
            return 2;
        why = text_problem((const unsigned char *)s, len, lv, &at);
        if (why) {
            unsigned long line, col;
            position(s, at, &line, &col);
            printf("%s:%lu:%lu: %s\n", paths[i], line, col, why);
            rc = 1;
        }
        free(s);
    }
    return rc;
}

/* The next line of s[*i..len) (without its newline); false at the end.
 * *nl says whether it ended with a newline. */
static bool next_line(const char *s, size_t len, size_t *i, const char **l,
                      size_t *n, bool *nl)
{
    const char *e;

    if (*i >= len)
        return false;
    *l = s + *i;
    e = memchr(*l, '\n', len - *i);
    *n = e ? (size_t)(e - *l) : len - *i;
    *nl = e != NULL;
    *i += *n + (e != NULL);
    return true;
}

/* g[0..n) against pattern w (as long): "XXXXXX" in w matches any six
 * letters or digits. */
static bool like(const char *w, const char *g, size_t n)
{
    for (size_t i = 0; i < n;) {
        if (strncmp(w + i, "XXXXXX", 6) == 0 && i + 6 <= n) {
            for (size_t k = 0; k < 6; k++) {
                unsigned char c = (unsigned char)g[i + k];
                if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
                      (c >= 'a' && c <= 'z')))
                    return false;
            }
            i += 6;
            continue;
        }
        if (w[i] != g[i])
            return false;
        i++;
    }
    return true;
}

static int cmd_match(const char *spec_path, const char *path)
{
    size_t slen, glen, si = 0, gi = 0, line = 0, shown = 0;
    char *spec = slurp(spec_path, &slen);
    char *got = spec ? slurp(path, &glen) : NULL;
    int rc = 0;

    if (!spec || !got) {
        free(spec);
        return 2;
    }
    for (;;) {
        const char *w = NULL, *g = NULL;
        size_t wn = 0, gn = 0;
        bool wnl, gnl = true;
        bool have_w = next_line(spec, slen, &si, &w, &wn, &wnl);
        bool have_g = next_line(got, glen, &gi, &g, &gn, &gnl);
        bool same;

        if (!have_w && !have_g)
            break;
        line++;
        if (have_g && !gnl) {
            printf("stderr line %zu does not end with a newline\n", line);
            rc = 1;
        }
        if (have_w && (wn == 0 || !strchr("=^~", w[0]))) {
            fprintf(stderr, "probe: %s:%zu: not a spec line\n", spec_path,
                    line);
            rc = 2;
            break;
        }
        if (!have_w) {
            printf("stderr line %zu not expected: %.*s\n", line, (int)gn, g);
            rc = 1;
            break;
        }
        if (!have_g) {
            printf("stderr line %zu missing: %.*s\n", line, (int)wn - 1,
                   w + 1);
            rc = 1;
            break;
        }
        if (w[0] == '=')
            same = gn == wn - 1 && memcmp(g, w + 1, gn) == 0;
        else if (w[0] == '^')
            same = gn >= wn - 1 && memcmp(g, w + 1, wn - 1) == 0;
        else
            same = gn == wn - 1 && like(w + 1, g, gn);
        if (!same) {
            rc = 1;
            if (shown++ < 5)
                printf("stderr line %zu:\n  want%s: %.*s\n  got:  %.*s\n",
                       line, w[0] == '^' ? " (prefix)" : "", (int)wn - 1,
                       w + 1, (int)gn, g);
        }
    }
    free(spec);
    free(got);
    return rc;
}

/* Would a spreadsheet take this field for a formula? */
static bool formula_like(const char *f, size_t n)
{
    static const char *const wide[] = {
        "\xEF\xBC\x9D", "\xEF\xBC\x8B", "\xEF\xBC\x8D", "\xEF\xBC\xA0",
    };

    if (!n)
        return false;
    if (strchr("=+-@\t\r", f[0]) && f[0])
        return true;
    for (size_t i = 0; n >= 3 && i < 4; i++)
        if (memcmp(f, wide[i], 3) == 0)
            return true;
    return false;
}

static int csv_fail(const char *path, size_t rec, size_t field,
                    const char *why)
{
    printf("%s: record %zu, field %zu: %s\n", path, rec, field, why);
    return 1;
}

static int cmd_csv(const char *path)
{
    size_t len, at, i = 3, rec = 1, field = 1, header = 0;
    char *s = slurp(path, &len), *val;
    int rc = 0;

    if (!s)
        return 2;
    if (len < 3 || memcmp(s, "\xEF\xBB\xBF", 3) != 0) {
        free(s);
        return csv_fail(path, 1, 1, "no UTF-8 byte-order mark");
    }
    /* Control characters may stand inside quotes; the encoding must
     * be right everywhere. */
    for (at = 0; at < len;) {
        uint32_t cp;
        size_t k = utf8_seq((const unsigned char *)s + at, len - at, &cp);
        if (!k) {
            free(s);
            return csv_fail(path, 0, 0, "invalid UTF-8");
        }
        at += k;
    }
    val = malloc(len + 1);
    if (!val) {
        free(s);
        fputs("probe: out of memory\n", stderr);
        return 2;
    }
    while (i < len) {
        size_t n = 0;

        if (s[i] == '"') {
            i++;
            for (;;) {
                if (i >= len) {
                    rc = csv_fail(path, rec, field, "unterminated quote");
                    goto done;
                }
                if (s[i] == '"') {
                    if (i + 1 < len && s[i + 1] == '"') {
                        val[n++] = '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                val[n++] = s[i++];
            }
        } else {
            while (i < len && s[i] != ',' && s[i] != '\r' && s[i] != '\n') {
                if (s[i] == '"') {
                    rc = csv_fail(path, rec, field,
                                  "a quote inside an unquoted field");
                    goto done;
                }
                val[n++] = s[i++];
            }
        }
        if (formula_like(val, n)) {
            rc = csv_fail(path, rec, field,
                          "begins like a formula (= + - @ TAB CR)");
            goto done;
        }
        if (i < len && s[i] == ',') {
            i++;
            field++;
            if (i == len) {
                rc = csv_fail(path, rec, field, "file ends after a comma");
                goto done;
            }
            continue;
        }
        if (i + 1 < len && s[i] == '\r' && s[i + 1] == '\n') {
            i += 2;
        } else if (i < len) {
            rc = csv_fail(path, rec, field,
                          "record not ended by CRLF (or junk after a quote)");
            goto done;
        } else {
            rc = csv_fail(path, rec, field, "last record not ended by CRLF");
            goto done;
        }
        if (rec == 1)
            header = field;
        else if (field != header) {
            char why[96];
            snprintf(why, sizeof why, "%zu fields where the header has %zu",
                     field, header);
            rc = csv_fail(path, rec, field, why);
            goto done;
        }
        rec++;
        field = 1;
    }
done:
    free(val);
    free(s);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "run") == 0)
        return cmd_run(argc, argv);
    if (argc == 3 && strcmp(argv[1], "cuts") == 0)
        return cmd_cuts(argv[2]);
    if (argc == 3 && strcmp(argv[1], "csv") == 0)
        return cmd_csv(argv[2]);
    if (argc >= 4 && strcmp(argv[1], "text") == 0)
        return cmd_text(argv[2], argv + 3, argc - 3);
    if (argc == 4 && strcmp(argv[1], "match") == 0)
        return cmd_match(argv[2], argv[3]);
    fputs("usage: probe run SECONDS RESULT CMD [ARG...]\n"
          "       probe cuts FILE | probe csv FILE\n"
          "       probe text xml|term|script FILE...\n"
          "       probe match SPEC FILE\n",
          stderr);
    return 2;
}

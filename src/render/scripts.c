#include "render.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../text.h"

/*
 * remediate.sh and remediate.ps1: the failing subscriptions in priority
 * order, each with its commands. Dry run by default (every command is
 * printed, nothing runs); --apply / -Apply runs them and stops at the
 * first failure. A subscription without evidence is verified first, and
 * with --apply its plan is turned on only when the verification does not
 * print Standard.
 *
 * Nothing taken from the input reaches the scripts as code:
 *   - commands come from the result, where only validated values (GUIDs,
 *     management group ids) were put into the templates, and are written
 *     as single-quoted data that a helper prints and, with --apply, runs;
 *   - names, owners and other text appear only inside single-quoted
 *     strings or comments, with every control character, Unicode line
 *     break and bidirectional formatting character (and in PowerShell
 *     every kind of single quote) neutralised;
 *   - a failing subscription whose id is not a GUID gets no command, a
 *     comment and a warning on stderr.
 * remediate.ps1 starts with a UTF-8 byte-order mark: without it Windows
 * PowerShell 5.1 reads the file in the ANSI code page, where bytes of a
 * UTF-8 name can turn into the quote characters PowerShell honours.
 */

typedef struct out {
    FILE *f;
    const kva_report *rep;
    bool ps;        /* PowerShell, else bash */
    kva_diag *err;
    kva_error e;    /* first error while writing */
} out;

static bool failing(const kva_res_sub *s)
{
    return s->status == KVA_ST_NONCOMPLIANT || s->status == KVA_ST_NO_EVIDENCE;
}

/* The bidirectional formatting characters: in a script they can make a
 * line look unlike what it is (text seen as code, code as a comment). */
static bool bidi_control(uint32_t cp)
{
    return cp == 0x061C || cp == 0x200E || cp == 0x200F ||
           (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

/*
 * Copy of s fit for one line of a comment or a quoted string: valid UTF-8
 * with control characters (C0, DEL and C1: a dry run prints these lines
 * to a terminal, where U+009B can start an escape sequence), the Unicode
 * line breaks (U+2028, U+2029) and the bidirectional formatting
 * characters replaced by '?'. NULL on OOM.
 */
static char *one_line(const char *s)
{
    size_t len = s ? strlen(s) : 0;
    char *clean = kva_utf8_sanitize(s ? s : "", len, NULL);
    char *w, *r;

    if (!clean)
        return NULL;
    len = strlen(clean);
    for (r = w = clean; *r;) {
        unsigned char c = (unsigned char)*r;
        uint32_t cp;
        size_t n;

        if (c < 0x20 || c == 0x7f) {
            *w++ = '?';
            r++;
            continue;
        }
        if (c < 0x80) {
            *w++ = *r++;
            continue;
        }
        n = kva_utf8_next(r, len - (size_t)(r - clean), &cp);
        if ((cp >= 0x80 && cp < 0xA0) || cp == 0x2028 || cp == 0x2029 ||
            bidi_control(cp)) {
            *w++ = '?';
            r += n;
            continue;
        }
        memmove(w, r, n);
        w += n;
        r += n;
    }
    *w = '\0';
    return clean;
}

/* Is the code point at s (n bytes) a character PowerShell takes for a
 * single quote? */
static bool ps_quote_char(const char *s, size_t n)
{
    static const char *const quotes[] = {
        "\xE2\x80\x98", /* U+2018 */
        "\xE2\x80\x99", /* U+2019 */
        "\xE2\x80\x9A", /* U+201A */
        "\xE2\x80\x9B", /* U+201B */
    };

    if (n == 1)
        return s[0] == '\'';
    for (size_t i = 0; n == 3 && i < 4; i++)
        if (memcmp(s, quotes[i], 3) == 0)
            return true;
    return false;
}

/*
 * Write s as one single-quoted literal. bash: ' becomes '\'' . PowerShell:
 * every single-quote character is doubled (what PowerShell's own
 * EscapeSingleQuotedStringContent does). Newlines stay literal inside the
 * quotes; callers pass one_line() text where a line break would confuse a
 * reader.
 */
static void quoted(out *o, const char *s)
{
    size_t len = strlen(s);

    fputc('\'', o->f);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = (unsigned char)s[i] < 0x80
                       ? 1
                       : kva_utf8_next(s + i, len - i, &cp);

        if (o->ps && ps_quote_char(s + i, n))
            fwrite(s + i, 1, n, o->f);
        else if (!o->ps && s[i] == '\'') {
            fputs("'\\''", o->f);
            i++;
            continue;
        }
        fwrite(s + i, 1, n, o->f);
        i += n;
    }
    fputc('\'', o->f);
}

static void fail_nomem(out *o)
{
    if (o->e == KVA_OK) {
        o->e = KVA_ERR_NOMEM;
        kva_diag_set(o->err, KVA_ERR_NOMEM, NULL, 0, 0, "out of memory");
    }
}

/* "# text" with the text made one line. */
static void comment(out *o, const char *text)
{
    char *line = one_line(text);

    if (!line) {
        fail_nomem(o);
        return;
    }
    fprintf(o->f, "#%s%s\n", *line ? " " : "", line);
    free(line);
}

/* A multi-line text as comment lines, each made one line. */
static void comment_block(out *o, const char *text, const char *prefix)
{
    const char *p = text;

    while (p && *p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char *part = malloc(strlen(prefix) + n + 1);

        if (!part) {
            fail_nomem(o);
            return;
        }
        memcpy(part, prefix, strlen(prefix));
        memcpy(part + strlen(prefix), p, n);
        part[strlen(prefix) + n] = '\0';
        comment(o, part);
        free(part);
        p = nl ? nl + 1 : NULL;
    }
}

/* A call of the script's helper with quoted arguments: NAME 'a' 'b'. */
static void call(out *o, const char *fn, const char *a, const char *b)
{
    fputs(fn, o->f);
    fputc(' ', o->f);
    quoted(o, a);
    if (b) {
        fputc(' ', o->f);
        quoted(o, b);
    }
    fputc('\n', o->f);
}

static void note(out *o, const char *text)
{
    char *line = one_line(text);

    if (!line) {
        fail_nomem(o);
        return;
    }
    call(o, o->ps ? "Write-Note" : "note", line, NULL);
    free(line);
}

static const char *word(const out *o, const char *key)
{
    return kva_templates_text(o->rep->templates, key);
}

static void preamble_sh(out *o, size_t n_fail)
{
    FILE *f = o->f;

    fputs("#!/usr/bin/env bash\n", f);
    /* Names in notes may hold $(...) and typographic quotes on purpose:
       they are data in single quotes. */
    fputs("# shellcheck disable=SC1112,SC2016\n", f);
    comment(o, "remediate.sh: turn on Microsoft Defender for Key Vault "
               "(Defender plan KeyVaults, tier Standard, sub-plan "
               "PerKeyVault) where the report found it off or unproven.");
    fprintf(f, "#\n");
    fprintf(f, "# Dry run by default: every command is printed and nothing "
               "is changed.\n"
               "# Run with --apply to execute them (az login first, with "
               "rights to change\n"
               "# Defender plans). It stops at the first command that "
               "fails.\n");
    fprintf(f, "# %zu subscription(s), in priority order: production first, "
               "then the most\n# uncovered key vaults, then name.\n",
            n_fail);
    fputs("set -euo pipefail\n\n", f);
    fputs("usage() {\n"
          "    printf '%s\\n' 'usage: remediate.sh [--apply]' \\\n"
          "        '  without options: print the commands, change nothing' "
          "\\\n"
          "        '  --apply: run them'\n"
          "}\n\n"
          "apply=0\n"
          "if [ $# -gt 1 ]; then\n"
          "    usage >&2\n"
          "    exit 2\n"
          "fi\n"
          "case ${1-} in\n"
          "--apply) apply=1 ;;\n"
          "'') ;;\n"
          "-h | --help)\n"
          "    usage\n"
          "    exit 0\n"
          "    ;;\n"
          "*)\n"
          "    usage >&2\n"
          "    exit 2\n"
          "    ;;\n"
          "esac\n\n"
          "# Print a command; with --apply, run it.\n"
          "run() {\n"
          "    printf '%s\\n' \"$1\"\n"
          "    if [ \"$apply\" -eq 1 ]; then\n"
          "        eval \"$1\"\n"
          "    fi\n"
          "}\n\n"
          "# Print the verification, then the change; with --apply, make "
          "the change\n"
          "# only when the verification does not print Standard.\n"
          "run_unless_on() {\n"
          "    printf '%s\\n' \"$1\"\n"
          "    if [ \"$apply\" -eq 1 ]; then\n"
          "        tier=$(eval \"$1\")\n"
          "        printf '%s\\n' \"$tier\"\n"
          "        case $tier in\n"
          "        *[Ss][Tt][Aa][Nn][Dd][Aa][Rr][Dd]*)\n"
          "            note 'already on: nothing to change'\n"
          "            return 0\n"
          "            ;;\n"
          "        esac\n"
          "    fi\n"
          "    run \"$2\"\n"
          "}\n\n"
          "note() {\n"
          "    printf '# %s\\n' \"$1\"\n"
          "}\n\n"
          "warn() {\n"
          "    printf 'remediate.sh: warning: %s\\n' \"$1\" >&2\n"
          "}\n\n",
          f);
}

static void preamble_ps(out *o, size_t n_fail)
{
    FILE *f = o->f;

    fputs("\xEF\xBB\xBF", f);
    comment(o, "remediate.ps1: turn on Microsoft Defender for Key Vault "
               "(Defender plan KeyVaults, tier Standard, sub-plan "
               "PerKeyVault) where the report found it off or unproven.");
    fprintf(f, "#\n");
    fprintf(f, "# Dry run by default: every command is printed and nothing "
               "is changed.\n"
               "# Run with -Apply to execute them (Connect-AzAccount first, "
               "with rights to\n"
               "# change Defender plans; needs the Az.Accounts and "
               "Az.Security modules).\n"
               "# It stops at the first command that fails.\n");
    fprintf(f, "# %zu subscription(s), in priority order: production first, "
               "then the most\n# uncovered key vaults, then name.\n",
            n_fail);
    fputs("[CmdletBinding()]\n"
          "param([switch]$Apply)\n"
          "Set-StrictMode -Version 3.0\n"
          "$ErrorActionPreference = 'Stop'\n\n"
          "# Print a command; with -Apply, run it.\n"
          "function Invoke-Step([string]$Command) {\n"
          "    Write-Output $Command\n"
          "    if ($Apply) { Invoke-Expression $Command }\n"
          "}\n\n"
          "# Print the verification, then the change; with -Apply, make the "
          "change\n"
          "# only when the verification does not print Standard.\n"
          "function Invoke-UnlessOn([string]$Verify, [string]$Command) {\n"
          "    Write-Output $Verify\n"
          "    if ($Apply) {\n"
          "        $tier = [string](Invoke-Expression $Verify)\n"
          "        Write-Output $tier\n"
          "        if ($tier -match 'standard') {\n"
          "            Write-Note 'already on: nothing to change'\n"
          "            return\n"
          "        }\n"
          "    }\n"
          "    Invoke-Step $Command\n"
          "}\n\n"
          "function Write-Note([string]$Text) { Write-Output ('# ' + $Text) "
          "}\n\n",
          f);
}

static void report_line(out *o)
{
    const kva_report *rep = o->rep;
    const char *title = rep->title && *rep->title ? rep->title
                                                  : word(o, "title");
    char when[21];
    char *line;
    size_t n;

    kva_time_format(rep->as_of, when);
    n = strlen(title) + (rep->org ? strlen(rep->org) : 0) + 128 +
        (rep->tool_version ? strlen(rep->tool_version) : 0);
    line = malloc(n);
    if (!line) {
        fail_nomem(o);
        return;
    }
    snprintf(line, n, "Report: %s%s%s, as of %s, %s", title,
             rep->org && *rep->org ? " / " : "", rep->org ? rep->org : "",
             when, rep->tool_version ? rep->tool_version : "kvaudit");
    comment(o, line);
    free(line);
}

/* "1/3 Noncompliant: NAME (ID), environment ENV, N uncovered key
 * vault(s), owner: X" */
static char *sub_heading(const out *o, const kva_res_sub *s, size_t rank,
                         size_t total)
{
    const kva_sub *sub = s->sub;
    const char *name = sub && sub->name ? sub->name : "(no name)";
    const char *id = sub && sub->id ? sub->id : "";
    const char *owner = s->owner ? s->owner : "none";
    const char *env = s->environment ? s->environment : "unknown";
    size_t uncovered = s->vaults >= s->vaults_covered
                           ? s->vaults - s->vaults_covered
                           : 0;
    char key[64];
    const char *label;
    size_t n;
    char *h;

    snprintf(key, sizeof key, "status_label.%s", kva_status_name(s->status));
    label = word(o, key);
    if (!*label)
        label = kva_status_name(s->status);
    n = strlen(name) + strlen(id) + strlen(owner) + strlen(env) +
        strlen(label) + 128;
    h = malloc(n);
    if (h)
        snprintf(h, n,
                 "%zu/%zu %s: %s (%s), environment %s, %zu uncovered key "
                 "vault(s), owner: %s",
                 rank, total, label, name, id, env, uncovered, owner);
    return h;
}

static kva_error write_script(out *o)
{
    const kva_result *r = o->rep->result;
    size_t n_fail = 0, rank = 0, skipped = 0;

    for (size_t i = 0; i < r->n_subs; i++)
        if (failing(&r->subs[i]))
            n_fail++;
    if (o->ps)
        preamble_ps(o, n_fail);
    else
        preamble_sh(o, n_fail);
    report_line(o);
    fputc('\n', o->f);

    for (size_t i = 0; i < r->n_subs && o->e == KVA_OK; i++) {
        const kva_res_sub *s = &r->subs[i];
        char *heading;
        const char *fix = o->ps ? s->remediation_ps : s->remediation_az;
        char *verify = NULL;

        if (!failing(s))
            continue;
        rank++;
        heading = sub_heading(o, s, rank, n_fail);
        if (!heading) {
            fail_nomem(o);
            break;
        }
        if (!fix || !s->sub || !kva_is_guid(s->sub->id)) {
            /* No command: say so where it is read and where it runs. */
            char *w = malloc(strlen(heading) + 96);

            skipped++;
            comment(o, heading);
            comment(o, word(o, "remediation.no_command"));
            if (!w) {
                free(heading);
                fail_nomem(o);
                break;
            }
            sprintf(w, "left out (id is not a GUID): %s", heading);
            {
                char *line = one_line(w);

                if (line)
                    call(o, o->ps ? "Write-Warning" : "warn", line, NULL);
                else
                    fail_nomem(o);
                free(line);
            }
            free(w);
            free(heading);
            fputc('\n', o->f);
            continue;
        }
        note(o, heading);
        free(heading);
        if (o->ps) {
            const char *keys[] = {"subscription_id"};
            char id[37];
            const char *values[] = {id};

            memcpy(id, s->sub->id, 37);
            kva_str_lower(id);
            verify = kva_templates_expand(o->rep->templates,
                                          "verify_powershell", keys, values,
                                          1, o->err);
            if (!verify) {
                o->e = o->err && o->err->code ? o->err->code
                                              : KVA_ERR_TEMPLATE;
                break;
            }
        } else if (s->remediation_verify) {
            verify = strdup(s->remediation_verify);
            if (!verify) {
                fail_nomem(o);
                break;
            }
        }
        if (s->status == KVA_ST_NO_EVIDENCE && verify) {
            note(o, word(o, "remediation.verify_first"));
            call(o, o->ps ? "Invoke-UnlessOn" : "run_unless_on", verify, fix);
        } else {
            call(o, o->ps ? "Invoke-Step" : "run", fix, NULL);
        }
        if (verify)
            call(o, o->ps ? "Invoke-Step" : "run", verify, NULL);
        free(verify);
        fputc('\n', o->f);
    }
    if (o->e != KVA_OK)
        return o->e;

    /* The service-wide route, for reading: it would change every
     * subscription below a management group, not just these. */
    if (r->n_mg_plans && !o->ps) {
        comment(o, word(o, "remediation.policy"));
        comment_block(o, word(o, "remediation.policy.intro"), "");
        for (size_t i = 0; i < r->n_mg_plans; i++) {
            if (r->mg_plans[i].assign_cmd)
                comment_block(o, r->mg_plans[i].assign_cmd, "  ");
            if (r->mg_plans[i].remediate_cmd)
                comment_block(o, r->mg_plans[i].remediate_cmd, "  ");
        }
        fputc('\n', o->f);
    }

    if (skipped) {
        char msg[96];

        snprintf(msg, sizeof msg,
                 "%zu subscription(s) left out: their id is not a GUID",
                 skipped);
        call(o, o->ps ? "Write-Warning" : "warn", msg, NULL);
    }
    if (o->ps)
        fputs("if ($Apply) {\n"
              "    Write-Note 'done'\n"
              "} else {\n"
              "    Write-Note 'dry run: nothing was changed; run again with "
              "-Apply to execute these commands'\n"
              "}\n",
              o->f);
    else
        fputs("if [ \"$apply\" -eq 1 ]; then\n"
              "    note 'done'\n"
              "else\n"
              "    note 'dry run: nothing was changed; run again with --apply "
              "to execute these commands'\n"
              "fi\n",
              o->f);
    return o->e;
}

static kva_error render(const kva_report *rep, const char *path, bool ps,
                        kva_diag *err)
{
    out o = {NULL, rep, ps, err, KVA_OK};

    if (!rep || !rep->result) {
        kva_diag_set(err, KVA_ERR_USAGE, path, 0, 0, "no report to write");
        return KVA_ERR_USAGE;
    }
    o.f = kva_render_open(path, err);
    if (!o.f)
        return KVA_ERR_IO;
    if (write_script(&o) != KVA_OK) {
        fclose(o.f);
        return o.e;
    }
    return kva_render_close(o.f, path, err);
}

kva_error kva_render_sh(const kva_report *rep, const char *path, kva_diag *err)
{
    return render(rep, path, false, err);
}

kva_error kva_render_ps1(const kva_report *rep, const char *path,
                         kva_diag *err)
{
    return render(rep, path, true, err);
}

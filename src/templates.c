#include "templates.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "inventory/scan.h"
#include "text.h"

#include "templates_builtin.h"

/*
 * The three template files, each {"schema": "kvaudit.templates/1", ...}:
 *
 *   control.json   {"control": {id, title, plan, required_tier,
 *                   required_sub_plan, description, references: [...]}}
 *   commands.json  {"parameters": {assignment_name, default_location},
 *                   "commands": {NAME: {description, requires: [...],
 *                   text: "..." or ["line", ...]}}}
 *   wording.json   {"wording": {key: "text" or {subkey: ...}}}, nested
 *                   objects flattened with dots ("status.noncompliant")
 *
 * --templates DIR replaces all three: every file must be there, and DIR's
 * wording must define exactly the keys of the built-in wording, so that a
 * report never shows a blank heading nor silently ignores a misspelt key.
 * Keys that start with "_" are comments and ignored everywhere.
 *
 * A placeholder is "{name}" with name [A-Za-z_][A-Za-z0-9_]*; "{{" stands
 * for a literal "{"; every other brace is literal (Terraform and Bicep
 * blocks need no escaping). Which placeholders a command may use, and
 * which it must use, is fixed in cmd_specs[] below: a user may reword a
 * command but never drop the subscription or management group it acts on.
 *
 * {not_scopes} (policy_assign) is either empty or a space, "--not-scopes"
 * and the scope of every subscription the assignment must leave alone
 * (exempt or not applicable, below the management group), so that it can
 * follow the last argument directly. It is optional in a template, but a
 * template without it gets no policy command where something must be
 * excluded (see remediation.c).
 */

#define SCHEMA "kvaudit.templates/1"
/* Templates are a few KB; anything this large is not one. */
#define MAX_TEMPLATE_FILE (16u << 20)

enum { F_CONTROL, F_COMMANDS, F_WORDING, F__COUNT };

static const char *const file_names[F__COUNT] = {
    "control.json", "commands.json", "wording.json"};

#define MAX_PH 6

typedef struct cmd_spec {
    const char *name;
    const char *allowed[MAX_PH];   /* NULL-terminated */
    const char *mandatory[MAX_PH]; /* NULL-terminated */
} cmd_spec;

static const cmd_spec cmd_specs[] = {
    {"az", {"subscription_id"}, {"subscription_id"}},
    {"powershell", {"subscription_id"}, {"subscription_id"}},
    {"verify", {"subscription_id"}, {"subscription_id"}},
    {"verify_powershell", {"subscription_id"}, {"subscription_id"}},
    {"policy_assign",
     {"management_group_id", "assignment_name", "policy_definition_id",
      "location", "not_scopes"},
     {"management_group_id"}},
    {"policy_remediate",
     {"management_group_id", "assignment_name", "policy_definition_id"},
     {"management_group_id"}},
    {"terraform", {NULL}, {NULL}},
    {"bicep", {NULL}, {NULL}},
};

#define N_CMDS (sizeof cmd_specs / sizeof cmd_specs[0])

typedef struct param_spec {
    const char *name;
    size_t max_len;
    const char *charset; /* bytes allowed besides ASCII letters and digits */
    bool lower_only;     /* letters must be lower case */
} param_spec;

static const param_spec param_specs[] = {
    /* Policy assignment names at management group scope: at most 24. */
    {"assignment_name", 24, "-_", false},
    /* Azure region names: "westeurope", "germanywestcentral". */
    {"default_location", 40, "", true},
};

#define N_PARAMS (sizeof param_specs / sizeof param_specs[0])

typedef struct kv {
    char *key;
    char *value;
} kv;

struct kva_templates {
    kva_control control;
    kva_reference *refs;
    char *cmd_text[N_CMDS];
    char *params[N_PARAMS];
    kv *wording;
    size_t n_wording;
    /* every string above, for kva_templates_free */
    char **strs;
    size_t n_strs;
    size_t cap_strs;
};

/* A file being loaded: what messages need to point into it. */
typedef struct tfile {
    const char *path;  /* shown in messages */
    char *text;        /* decoded UTF-8, NUL-terminated */
    size_t len;
    cJSON *root;
} tfile;

static char *keep(kva_templates *t, char *s)
{
    if (!s)
        return NULL;
    if (t->n_strs == t->cap_strs) {
        size_t ncap = t->cap_strs ? t->cap_strs * 2 : 64;
        char **nv = realloc(t->strs, ncap * sizeof *nv);

        if (!nv) {
            free(s);
            return NULL;
        }
        t->strs = nv;
        t->cap_strs = ncap;
    }
    t->strs[t->n_strs++] = s;
    return s;
}

static char *keep_dup(kva_templates *t, const char *s)
{
    return keep(t, strdup(s));
}

static void tfile_clear(tfile *f)
{
    free(f->text);
    cJSON_Delete(f->root);
    f->text = NULL;
    f->root = NULL;
}

/* Line/column of the first occurrence of `needle` at or after the first
 * occurrence of `anchor` (either may be NULL); 0/0 when not found. */
static void locate(const tfile *f, const char *anchor, const char *needle,
                   uint32_t *line, uint32_t *col)
{
    const char *from = f->text;
    const char *hit = NULL;

    *line = 0;
    *col = 0;
    if (!f->text)
        return;
    if (anchor) {
        const char *a = strstr(f->text, anchor);

        if (a)
            from = a;
    }
    if (needle)
        hit = strstr(from, needle);
    if (!hit && anchor && from != f->text)
        hit = from;
    if (hit)
        kva_text_position(f->text, f->len, (size_t)(hit - f->text), line,
                          col);
}

/* Error at the place where `needle` appears (after `anchor`). */
#define FAIL_AT(f, anchor, needle, ...)                                      \
    do {                                                                     \
        uint32_t l_, c_;                                                     \
        locate((f), (anchor), (needle), &l_, &c_);                           \
        kva_diag_set(err, KVA_ERR_TEMPLATE, (f)->path, l_, c_, __VA_ARGS__); \
        goto fail;                                                           \
    } while (0)

static kva_error decode_and_parse(tfile *f, const unsigned char *raw,
                                  size_t len, kva_diag *err)
{
    kva_encoding enc;
    const char *text = NULL;
    size_t tlen = 0, off = 0;
    bool owned = false;
    const char *what = NULL;
    kva_error e;
    kva_scan scan;
    const char *end = NULL;
    uint32_t line = 0, col = 0;

    e = kva_text_decode(raw, len, &enc, &text, &tlen, &owned, &off, &what);
    if (e != KVA_OK) {
        kva_text_position_raw(raw, len, enc, off, &line, &col);
        kva_diag_set(err, KVA_ERR_TEMPLATE, f->path, line, col, "%s",
                     what ? what : kva_strerror(e));
        return KVA_ERR_TEMPLATE;
    }
    f->text = malloc(tlen + 1);
    if (!f->text) {
        if (owned)
            free((void *)text);
        kva_diag_set(err, KVA_ERR_NOMEM, f->path, 0, 0, "out of memory");
        return KVA_ERR_NOMEM;
    }
    memcpy(f->text, text, tlen);
    f->text[tlen] = '\0';
    f->len = tlen;
    if (owned)
        free((void *)text);
    if (memchr(f->text, '\0', tlen)) {
        off = (size_t)((char *)memchr(f->text, '\0', tlen) - f->text);
        kva_text_position(f->text, tlen, off, &line, &col);
        kva_diag_set(err, KVA_ERR_TEMPLATE, f->path, line, col, "NUL byte");
        return KVA_ERR_TEMPLATE;
    }

    memset(&scan, 0, sizeof scan);
    what = NULL;
    e = kva_scan_json(f->text, tlen, &scan, &off, &what);
    kva_scan_free(&scan);
    if (e != KVA_OK) {
        kva_text_position(f->text, tlen, off, &line, &col);
        kva_diag_set(err, KVA_ERR_TEMPLATE, f->path, line, col, "%s",
                     what ? what : kva_strerror(e));
        return KVA_ERR_TEMPLATE;
    }
    /* With require_null_terminated, cJSON wants the NUL inside the
       length it is given. */
    f->root = cJSON_ParseWithLengthOpts(f->text, tlen + 1, &end, 1);
    if (!f->root) {
        off = end && end >= f->text ? (size_t)(end - f->text) : 0;
        if (off > tlen)
            off = tlen;
        kva_text_position(f->text, tlen, off, &line, &col);
        kva_diag_set(err, KVA_ERR_TEMPLATE, f->path, line, col,
                     "not valid JSON");
        return KVA_ERR_TEMPLATE;
    }
    return KVA_OK;
}

static bool is_comment_key(const char *k)
{
    return k && k[0] == '_';
}

static bool is_ident_start(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool is_ident(char c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9');
}

/*
 * Find the next placeholder in s from *pos: returns true with the name's
 * start and length, and *pos after the closing brace. "{{" is skipped.
 */
static bool next_placeholder(const char *s, size_t *pos, size_t *start,
                             size_t *len)
{
    size_t i = *pos;

    while (s[i]) {
        if (s[i] == '{' && s[i + 1] == '{') {
            i += 2;
            continue;
        }
        if (s[i] == '{' && is_ident_start(s[i + 1])) {
            size_t j = i + 1;

            while (is_ident(s[j]))
                j++;
            if (s[j] == '}') {
                *start = i + 1;
                *len = j - i - 1;
                *pos = j + 1;
                return true;
            }
        }
        i++;
    }
    *pos = i;
    return false;
}

static bool name_in(const char *const *list, const char *name, size_t len)
{
    for (size_t i = 0; i < MAX_PH && list[i]; i++)
        if (strlen(list[i]) == len && memcmp(list[i], name, len) == 0)
            return true;
    return false;
}

static bool text_uses(const char *text, const char *name)
{
    size_t pos = 0, st, len;

    while (next_placeholder(text, &pos, &st, &len))
        if (len == strlen(name) && memcmp(text + st, name, len) == 0)
            return true;
    return false;
}

static const cmd_spec *find_spec(const char *name, size_t *index)
{
    for (size_t i = 0; i < N_CMDS; i++)
        if (strcmp(cmd_specs[i].name, name) == 0) {
            if (index)
                *index = i;
            return &cmd_specs[i];
        }
    return NULL;
}

static const cJSON *get(const cJSON *obj, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

/* Check the top level: an object whose "schema" is ours and whose other
 * members are exactly `want` (plus comments). */
static kva_error check_top(tfile *f, const char *const *want, size_t n_want,
                           kva_diag *err)
{
    const cJSON *schema, *it;

    if (!cJSON_IsObject(f->root))
        FAIL_AT(f, NULL, NULL, "a template file is a JSON object");
    schema = get(f->root, "schema");
    if (!cJSON_IsString(schema) || strcmp(schema->valuestring, SCHEMA) != 0)
        FAIL_AT(f, "\"schema\"", NULL,
                "not a kvaudit template file (\"schema\" must be \"%s\")",
                SCHEMA);
    cJSON_ArrayForEach(it, f->root)
    {
        bool known = strcmp(it->string, "schema") == 0 ||
                     is_comment_key(it->string);

        for (size_t i = 0; i < n_want && !known; i++)
            known = strcmp(it->string, want[i]) == 0;
        if (!known)
            FAIL_AT(f, NULL, it->string, "unknown key \"%s\"", it->string);
    }
    for (size_t i = 0; i < n_want; i++) {
        const cJSON *a = NULL, *b;

        cJSON_ArrayForEach(b, f->root)
        {
            if (strcmp(b->string, want[i]) != 0)
                continue;
            if (a)
                FAIL_AT(f, NULL, want[i], "duplicate key \"%s\"", want[i]);
            a = b;
        }
        if (!cJSON_IsObject(a))
            FAIL_AT(f, NULL, NULL, "missing object \"%s\"", want[i]);
    }
    return KVA_OK;
fail:
    return KVA_ERR_TEMPLATE;
}

/* Reject two members of one object with the same key. */
static kva_error no_duplicates(tfile *f, const cJSON *obj, const char *where,
                               kva_diag *err)
{
    const cJSON *a, *b;

    cJSON_ArrayForEach(a, obj)
    {
        for (b = a->next; b; b = b->next)
            if (strcmp(a->string, b->string) == 0)
                FAIL_AT(f, where, b->string, "duplicate key \"%s\" in %s",
                        a->string, where);
    }
    return KVA_OK;
fail:
    return KVA_ERR_TEMPLATE;
}

/*
 * A string member: required ones must be non-empty strings; optional ones
 * may be absent or null (NULL is stored).
 */
static kva_error str_member(kva_templates *t, tfile *f, const cJSON *obj,
                            const char *key, bool required, const char *where,
                            const char **out, kva_diag *err)
{
    const cJSON *v = get(obj, key);

    *out = NULL;
    if (!v || cJSON_IsNull(v)) {
        if (required)
            FAIL_AT(f, where, NULL, "%s: missing \"%s\"", where, key);
        return KVA_OK;
    }
    if (!cJSON_IsString(v) || (required && !v->valuestring[0]))
        FAIL_AT(f, where, key, "%s: \"%s\" must be a%s string", where, key,
                required ? " non-empty" : "");
    *out = keep_dup(t, v->valuestring);
    if (!*out) {
        kva_diag_set(err, KVA_ERR_NOMEM, f->path, 0, 0, "out of memory");
        return KVA_ERR_NOMEM;
    }
    return KVA_OK;
fail:
    return KVA_ERR_TEMPLATE;
}

static kva_error only_keys(tfile *f, const cJSON *obj,
                           const char *const *keys, const char *where,
                           kva_diag *err)
{
    const cJSON *it;

    cJSON_ArrayForEach(it, obj)
    {
        bool known = is_comment_key(it->string);

        for (size_t i = 0; keys[i] && !known; i++)
            known = strcmp(it->string, keys[i]) == 0;
        if (!known)
            FAIL_AT(f, where, it->string, "%s: unknown key \"%s\"", where,
                    it->string);
    }
    return no_duplicates(f, obj, where, err);
fail:
    return KVA_ERR_TEMPLATE;
}

static kva_error load_control(kva_templates *t, tfile *f, kva_diag *err)
{
    static const char *const top[] = {"control"};
    static const char *const ckeys[] = {
        "id",          "title",       "plan",       "required_tier",
        "required_sub_plan", "description", "references", NULL};
    static const char *const rkeys[] = {"kind", "id", "title", "version",
                                        "effect", "url", NULL};
    const cJSON *c, *refs, *r;
    kva_control *k = &t->control;
    kva_error e;
    size_t n = 0, i = 0;

    if ((e = check_top(f, top, 1, err)) != KVA_OK)
        return e;
    c = get(f->root, "control");
    if ((e = only_keys(f, c, ckeys, "control", err)) != KVA_OK ||
        (e = str_member(t, f, c, "id", true, "control", &k->id, err)) ||
        (e = str_member(t, f, c, "title", true, "control", &k->title, err)) ||
        (e = str_member(t, f, c, "plan", true, "control", &k->plan, err)) ||
        (e = str_member(t, f, c, "required_tier", true, "control",
                        &k->required_tier, err)) ||
        (e = str_member(t, f, c, "required_sub_plan", false, "control",
                        &k->required_sub_plan, err)) ||
        (e = str_member(t, f, c, "description", false, "control",
                        &k->description, err)))
        return e;
    if (!k->description)
        k->description = "";
    refs = get(c, "references");
    if (refs && !cJSON_IsNull(refs) && !cJSON_IsArray(refs))
        FAIL_AT(f, "\"references\"", NULL,
                "control: \"references\" must be an array");
    n = refs ? (size_t)cJSON_GetArraySize(refs) : 0;
    if (n) {
        t->refs = calloc(n, sizeof *t->refs);
        if (!t->refs) {
            kva_diag_set(err, KVA_ERR_NOMEM, f->path, 0, 0, "out of memory");
            return KVA_ERR_NOMEM;
        }
    }
    cJSON_ArrayForEach(r, refs)
    {
        kva_reference *ref = &t->refs[i];
        char where[48];

        snprintf(where, sizeof where, "control reference %zu", i + 1);
        if (!cJSON_IsObject(r))
            FAIL_AT(f, "\"references\"", NULL, "%s is not an object", where);
        if ((e = only_keys(f, r, rkeys, where, err)) != KVA_OK ||
            (e = str_member(t, f, r, "kind", true, where, &ref->kind, err)) ||
            (e = str_member(t, f, r, "id", true, where, &ref->id, err)) ||
            (e = str_member(t, f, r, "title", true, where, &ref->title,
                            err)) ||
            (e = str_member(t, f, r, "version", false, where, &ref->version,
                            err)) ||
            (e = str_member(t, f, r, "effect", false, where, &ref->effect,
                            err)) ||
            (e = str_member(t, f, r, "url", false, where, &ref->url, err)))
            return e;
        i++;
    }
    k->refs = t->refs;
    k->n_refs = n;
    return KVA_OK;
fail:
    return KVA_ERR_TEMPLATE;
}

/* A command's text: a string, or an array of lines joined with "\n". */
static kva_error cmd_text(kva_templates *t, tfile *f, const cJSON *v,
                          const char *name, char **out, kva_diag *err)
{
    const cJSON *line;
    size_t total = 0;
    char *s, *p;

    *out = NULL;
    if (cJSON_IsString(v)) {
        if (!v->valuestring[0])
            FAIL_AT(f, name, "\"text\"", "template '%s': empty \"text\"",
                    name);
        *out = keep_dup(t, v->valuestring);
        goto done;
    }
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0)
        FAIL_AT(f, name, "\"text\"",
                "template '%s': \"text\" must be a string or an array of "
                "lines",
                name);
    cJSON_ArrayForEach(line, v)
    {
        if (!cJSON_IsString(line))
            FAIL_AT(f, name, "\"text\"",
                    "template '%s': every line of \"text\" must be a string",
                    name);
        total += strlen(line->valuestring) + 1;
    }
    s = malloc(total);
    if (!s)
        goto nomem;
    p = s;
    cJSON_ArrayForEach(line, v)
    {
        size_t l = strlen(line->valuestring);

        memcpy(p, line->valuestring, l);
        p += l;
        *p++ = line->next ? '\n' : '\0';
    }
    *out = keep(t, s);
done:
    if (!*out)
        goto nomem;
    return KVA_OK;
nomem:
    kva_diag_set(err, KVA_ERR_NOMEM, f->path, 0, 0, "out of memory");
    return KVA_ERR_NOMEM;
fail:
    return KVA_ERR_TEMPLATE;
}

/* The placeholder rules of one command (see the comment at the top). */
static kva_error check_command(tfile *f, const cmd_spec *spec,
                               const char *text, const cJSON *requires,
                               kva_diag *err)
{
    size_t pos = 0, st, len;
    const cJSON *r;
    char ph[80];

    while (next_placeholder(text, &pos, &st, &len)) {
        if (name_in(spec->allowed, text + st, len))
            continue;
        snprintf(ph, sizeof ph, "{%.*s}", (int)(len < 70 ? len : 70),
                 text + st);
        FAIL_AT(f, spec->name, ph, "template '%s': unknown placeholder %s",
                spec->name, ph);
    }
    if (!cJSON_IsArray(requires))
        FAIL_AT(f, spec->name, "\"requires\"",
                "template '%s': \"requires\" must be an array of placeholder "
                "names",
                spec->name);
    cJSON_ArrayForEach(r, requires)
    {
        if (!cJSON_IsString(r))
            FAIL_AT(f, spec->name, "\"requires\"",
                    "template '%s': \"requires\" must be an array of "
                    "placeholder names",
                    spec->name);
        if (!name_in(spec->allowed, r->valuestring, strlen(r->valuestring)))
            FAIL_AT(f, spec->name, "\"requires\"",
                    "template '%s': unknown placeholder {%s} in \"requires\"",
                    spec->name, r->valuestring);
        if (!text_uses(text, r->valuestring))
            FAIL_AT(f, spec->name, "\"text\"",
                    "template '%s': missing required placeholder {%s}",
                    spec->name, r->valuestring);
    }
    for (size_t i = 0; i < MAX_PH && spec->mandatory[i]; i++) {
        bool listed = false;

        cJSON_ArrayForEach(r, requires)
        {
            if (strcmp(r->valuestring, spec->mandatory[i]) == 0)
                listed = true;
        }
        if (!listed || !text_uses(text, spec->mandatory[i]))
            FAIL_AT(f, spec->name, listed ? "\"text\"" : "\"requires\"",
                    "template '%s': missing required placeholder {%s}",
                    spec->name, spec->mandatory[i]);
    }
    return KVA_OK;
fail:
    return KVA_ERR_TEMPLATE;
}

static bool param_valid(const param_spec *ps, const char *v)
{
    size_t n = strlen(v);

    if (n == 0 || n > ps->max_len)
        return false;
    for (const char *p = v; *p; p++) {
        char c = *p;

        if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'))
            continue;
        if (c >= 'A' && c <= 'Z' && !ps->lower_only)
            continue;
        if (c && strchr(ps->charset, c))
            continue;
        return false;
    }
    return true;
}

static kva_error load_commands(kva_templates *t, tfile *f, kva_diag *err)
{
    static const char *const top[] = {"parameters", "commands"};
    static const char *const ekeys[] = {"description", "requires", "text",
                                        NULL};
    const cJSON *params, *cmds, *it;
    kva_error e;

    if ((e = check_top(f, top, 2, err)) != KVA_OK)
        return e;
    params = get(f->root, "parameters");
    cmds = get(f->root, "commands");
    if ((e = no_duplicates(f, params, "parameters", err)) != KVA_OK ||
        (e = no_duplicates(f, cmds, "commands", err)) != KVA_OK)
        return e;

    cJSON_ArrayForEach(it, params)
    {
        bool known = is_comment_key(it->string);

        for (size_t i = 0; i < N_PARAMS && !known; i++)
            known = strcmp(it->string, param_specs[i].name) == 0;
        if (!known)
            FAIL_AT(f, "\"parameters\"", it->string,
                    "parameters: unknown parameter \"%s\"", it->string);
    }
    for (size_t i = 0; i < N_PARAMS; i++) {
        const param_spec *ps = &param_specs[i];
        const cJSON *v = get(params, ps->name);

        if (!cJSON_IsString(v))
            FAIL_AT(f, "\"parameters\"", ps->name,
                    "parameters: \"%s\" must be a string", ps->name);
        if (!param_valid(ps, v->valuestring))
            FAIL_AT(f, "\"parameters\"", ps->name,
                    "parameters: \"%s\" must be 1 to %zu characters of "
                    "%s%s",
                    ps->name, ps->max_len,
                    ps->lower_only ? "a-z 0-9" : "A-Z a-z 0-9 ",
                    ps->charset);
        t->params[i] = keep_dup(t, v->valuestring);
        if (!t->params[i])
            goto nomem;
    }

    cJSON_ArrayForEach(it, cmds)
    {
        const cmd_spec *spec;
        size_t idx = 0;
        char where[96];

        if (is_comment_key(it->string))
            continue;
        spec = find_spec(it->string, &idx);
        if (!spec)
            FAIL_AT(f, "\"commands\"", it->string,
                    "unknown command template '%s'", it->string);
        if (!cJSON_IsObject(it))
            FAIL_AT(f, "\"commands\"", it->string,
                    "template '%s' must be an object", it->string);
        snprintf(where, sizeof where, "template '%s'", spec->name);
        if ((e = only_keys(f, it, ekeys, where, err)) != KVA_OK)
            return e;
        if ((e = cmd_text(t, f, get(it, "text"), spec->name,
                          &t->cmd_text[idx], err)) != KVA_OK)
            return e;
        if ((e = check_command(f, spec, t->cmd_text[idx], get(it, "requires"),
                               err)) != KVA_OK)
            return e;
    }
    for (size_t i = 0; i < N_CMDS; i++)
        if (!t->cmd_text[i])
            FAIL_AT(f, "\"commands\"", NULL,
                    "missing command template '%s'", cmd_specs[i].name);
    return KVA_OK;
nomem:
    kva_diag_set(err, KVA_ERR_NOMEM, f->path, 0, 0, "out of memory");
    return KVA_ERR_NOMEM;
fail:
    return KVA_ERR_TEMPLATE;
}

typedef struct kvlist {
    kv *v;
    size_t n, cap;
} kvlist;

/* Flatten nested wording objects into "a.b.c" keys. */
static kva_error flatten(kva_templates *t, tfile *f, const cJSON *obj,
                         const char *prefix, int depth, kvlist *out,
                         kva_diag *err)
{
    const cJSON *it;
    kva_error e;

    if (depth > 8)
        FAIL_AT(f, NULL, NULL, "wording: nested deeper than 8 levels");
    cJSON_ArrayForEach(it, obj)
    {
        size_t plen = prefix ? strlen(prefix) + 1 : 0;
        size_t klen = strlen(it->string);
        char *key;

        if (is_comment_key(it->string))
            continue;
        if (!klen)
            FAIL_AT(f, NULL, "\"\"", "wording: empty key");
        key = malloc(plen + klen + 1);
        if (!key)
            goto nomem;
        if (prefix) {
            memcpy(key, prefix, plen - 1);
            key[plen - 1] = '.';
        }
        memcpy(key + plen, it->string, klen + 1);
        if (!keep(t, key))
            goto nomem;
        if (cJSON_IsObject(it)) {
            if ((e = flatten(t, f, it, key, depth + 1, out, err)) != KVA_OK)
                return e;
            continue;
        }
        if (!cJSON_IsString(it))
            FAIL_AT(f, NULL, it->string,
                    "wording: \"%s\" must be a string or an object", key);
        if (out->n == out->cap) {
            size_t ncap = out->cap ? out->cap * 2 : 128;
            kv *nv = realloc(out->v, ncap * sizeof *nv);

            if (!nv)
                goto nomem;
            out->v = nv;
            out->cap = ncap;
        }
        out->v[out->n].key = key;
        out->v[out->n].value = keep_dup(t, it->valuestring);
        if (!out->v[out->n].value)
            goto nomem;
        out->n++;
    }
    return KVA_OK;
nomem:
    kva_diag_set(err, KVA_ERR_NOMEM, f->path, 0, 0, "out of memory");
    return KVA_ERR_NOMEM;
fail:
    return KVA_ERR_TEMPLATE;
}

static int kv_cmp(const void *a, const void *b)
{
    return strcmp(((const kv *)a)->key, ((const kv *)b)->key);
}

/* The last dotted component of key, for finding it in the file. */
static const char *leaf(const char *key, char *buf, size_t size)
{
    const char *dot = strrchr(key, '.');

    snprintf(buf, size, "\"%s\"", dot ? dot + 1 : key);
    return buf;
}

static kva_error load_wording(kva_templates *t, tfile *f,
                              const kva_templates *reference, kva_diag *err)
{
    static const char *const top[] = {"wording"};
    kvlist l = {NULL, 0, 0};
    kva_error e;
    char buf[128];
    size_t i, j;

    if ((e = check_top(f, top, 1, err)) != KVA_OK)
        return e;
    e = flatten(t, f, get(f->root, "wording"), NULL, 0, &l, err);
    if (e != KVA_OK)
        goto out;
    if (l.n)
        qsort(l.v, l.n, sizeof *l.v, kv_cmp);
    for (i = 1; i < l.n; i++)
        if (strcmp(l.v[i - 1].key, l.v[i].key) == 0) {
            uint32_t ln, c;

            locate(f, NULL, leaf(l.v[i].key, buf, sizeof buf), &ln, &c);
            kva_diag_set(err, KVA_ERR_TEMPLATE, f->path, ln, c,
                         "wording: duplicate key \"%s\"", l.v[i].key);
            e = KVA_ERR_TEMPLATE;
            goto out;
        }
    /* An override must define exactly the built-in keys. */
    for (i = 0, j = 0; reference && (i < l.n || j < reference->n_wording);) {
        int c = i >= l.n                    ? 1
                : j >= reference->n_wording ? -1
                : strcmp(l.v[i].key, reference->wording[j].key);
        uint32_t ln, col;

        if (c == 0) {
            i++;
            j++;
            continue;
        }
        if (c < 0) {
            locate(f, NULL, leaf(l.v[i].key, buf, sizeof buf), &ln, &col);
            kva_diag_set(err, KVA_ERR_TEMPLATE, f->path, ln, col,
                         "wording: unknown key \"%s\"", l.v[i].key);
        } else {
            kva_diag_set(err, KVA_ERR_TEMPLATE, f->path, 0, 0,
                         "wording: missing key \"%s\"",
                         reference->wording[j].key);
        }
        e = KVA_ERR_TEMPLATE;
        goto out;
    }
    t->wording = l.v;
    t->n_wording = l.n;
    l.v = NULL;
out:
    free(l.v);
    return e;
}

/*
 * Across files: a policy command that names {policy_definition_id} needs
 * the DeployIfNotExists definition among the control's references (the
 * remediation fills it from there), with a GUID id.
 */
static kva_error check_policy_reference(const kva_templates *t,
                                        const char *path, kva_diag *err)
{
    static const char *const users[] = {"policy_assign", "policy_remediate"};

    for (size_t u = 0; u < 2; u++) {
        const char *text = kva_templates_command(t, users[u]);

        if (!text || !text_uses(text, "policy_definition_id"))
            continue;
        for (size_t i = 0; i < t->control.n_refs; i++) {
            const kva_reference *r = &t->control.refs[i];

            if (kva_streq_ci(r->kind, "azure_policy") &&
                kva_streq_ci(r->effect, "DeployIfNotExists") &&
                kva_is_guid(r->id))
                return KVA_OK;
        }
        kva_diag_set(err, KVA_ERR_TEMPLATE, path, 0, 0,
                     "template '%s' uses {policy_definition_id}, but the "
                     "control has no azure_policy reference with effect "
                     "DeployIfNotExists and a GUID id",
                     users[u]);
        return KVA_ERR_TEMPLATE;
    }
    return KVA_OK;
}

static kva_error load_file(kva_templates *t, int which, const char *path,
                           const unsigned char *raw, size_t len,
                           const kva_templates *reference, kva_diag *err)
{
    tfile f = {path, NULL, 0, NULL};
    kva_error e;

    e = decode_and_parse(&f, raw, len, err);
    if (e == KVA_OK) {
        switch (which) {
        case F_CONTROL:
            e = load_control(t, &f, err);
            break;
        case F_COMMANDS:
            e = load_commands(t, &f, err);
            break;
        default:
            e = load_wording(t, &f, reference, err);
            break;
        }
    }
    tfile_clear(&f);
    return e;
}

static kva_error read_whole(const char *path, unsigned char **out,
                            size_t *len, kva_diag *err)
{
    FILE *fp = NULL;
    unsigned char *buf = NULL;
    size_t n = 0, cap = 0;
    kva_error code = KVA_ERR_TEMPLATE;
    struct stat st;
    int fd, flags;

    *out = NULL;
    *len = 0;
    /* O_NONBLOCK so that a FIFO cannot make the open wait for a writer;
     * anything but a regular file is refused before reading. */
    fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        kva_diag_set(err, KVA_ERR_TEMPLATE, path, 0, 0,
                     "cannot open: %s (--templates DIR must hold "
                     "control.json, commands.json and wording.json)",
                     strerror(errno));
        return KVA_ERR_TEMPLATE;
    }
    if (fstat(fd, &st) != 0) {
        kva_diag_set(err, KVA_ERR_TEMPLATE, path, 0, 0, "cannot read: %s",
                     strerror(errno));
        close(fd);
        return KVA_ERR_TEMPLATE;
    }
    if (!S_ISREG(st.st_mode)) {
        kva_diag_set(err, KVA_ERR_TEMPLATE, path, 0, 0, "not a regular file");
        close(fd);
        return KVA_ERR_TEMPLATE;
    }
    flags = fcntl(fd, F_GETFL);
    if (flags >= 0)
        (void)fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    fp = fdopen(fd, "rb");
    if (!fp) {
        kva_diag_set(err, KVA_ERR_TEMPLATE, path, 0, 0, "cannot open: %s",
                     strerror(errno));
        close(fd);
        return KVA_ERR_TEMPLATE;
    }
    for (;;) {
        size_t got;

        if (n == cap) {
            unsigned char *nb;

            if (cap >= MAX_TEMPLATE_FILE) {
                kva_diag_set(err, KVA_ERR_TEMPLATE, path, 0, 0,
                             "larger than %u MiB: not a template file",
                             MAX_TEMPLATE_FILE >> 20);
                goto fail;
            }
            cap = cap ? cap * 2 : 8192;
            nb = realloc(buf, cap + 1);
            if (!nb) {
                kva_diag_set(err, KVA_ERR_NOMEM, path, 0, 0, "out of memory");
                code = KVA_ERR_NOMEM;
                goto fail;
            }
            buf = nb;
        }
        got = fread(buf + n, 1, cap - n, fp);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(fp)) {
        kva_diag_set(err, KVA_ERR_TEMPLATE, path, 0, 0, "cannot read: %s",
                     strerror(errno));
        goto fail;
    }
    fclose(fp);
    if (!buf) {
        buf = malloc(1);
        if (!buf) {
            kva_diag_set(err, KVA_ERR_NOMEM, path, 0, 0, "out of memory");
            return KVA_ERR_NOMEM;
        }
    }
    buf[n] = 0;
    *out = buf;
    *len = n;
    return KVA_OK;
fail:
    fclose(fp);
    free(buf);
    return code;
}

static void set_free(kva_templates *t)
{
    for (size_t i = 0; i < t->n_strs; i++)
        free(t->strs[i]);
    free(t->strs);
    free(t->refs);
    free(t->wording);
    free(t);
}

void kva_templates_free(kva_templates *t)
{
    if (!t || t == kva_templates_builtin())
        return;
    set_free(t);
}

static kva_templates *builtin_set;
static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;

static void builtin_init(void)
{
    kva_templates *t = calloc(1, sizeof *t);
    kva_diag d = {0};
    int loaded = 0;

    if (!t)
        return;
    for (int which = 0; which < F__COUNT; which++) {
        for (size_t i = 0; i < KVA_BUILTIN_TEMPLATES_N; i++) {
            const kva_embedded *em = &kva_builtin_templates[i];
            char path[64];

            if (strcmp(em->name, file_names[which]) != 0)
                continue;
            snprintf(path, sizeof path, "built-in %s", em->name);
            if (load_file(t, which, path, em->text, (size_t)em->len, NULL,
                          &d) != KVA_OK)
                goto fail;
            loaded++;
        }
    }
    if (loaded != F__COUNT ||
        check_policy_reference(t, "built-in commands.json", &d) != KVA_OK)
        goto fail;
    builtin_set = t;
    kva_diag_clear(&d);
    return;
fail:
    /* Only out of memory can get here: the unit tests load the built-in
       files, so a malformed one never ships. */
    kva_diag_clear(&d);
    set_free(t);
}

const kva_templates *kva_templates_builtin(void)
{
    pthread_once(&builtin_once, builtin_init);
    return builtin_set;
}

kva_error kva_templates_load(const char *dir, kva_templates **out,
                             kva_diag *err)
{
    const kva_templates *ref = kva_templates_builtin();
    kva_templates *t;
    kva_error e = KVA_OK;

    *out = NULL;
    if (!dir || !*dir) {
        kva_diag_set(err, KVA_ERR_TEMPLATE, NULL, 0, 0,
                     "--templates needs a directory");
        return KVA_ERR_TEMPLATE;
    }
    if (!ref) {
        kva_diag_set(err, KVA_ERR_NOMEM, NULL, 0, 0, "out of memory");
        return KVA_ERR_NOMEM;
    }
    t = calloc(1, sizeof *t);
    if (!t) {
        kva_diag_set(err, KVA_ERR_NOMEM, NULL, 0, 0, "out of memory");
        return KVA_ERR_NOMEM;
    }
    for (int which = 0; which < F__COUNT && e == KVA_OK; which++) {
        size_t dl = strlen(dir), len = 0;
        char *path = malloc(dl + strlen(file_names[which]) + 2);
        unsigned char *raw = NULL;

        if (!path) {
            kva_diag_set(err, KVA_ERR_NOMEM, NULL, 0, 0, "out of memory");
            e = KVA_ERR_NOMEM;
            break;
        }
        memcpy(path, dir, dl);
        if (dl && dir[dl - 1] == '/')
            dl--;
        path[dl] = '/';
        strcpy(path + dl + 1, file_names[which]);
        e = read_whole(path, &raw, &len, err);
        if (e == KVA_OK)
            e = load_file(t, which, path, raw, len, ref, err);
        free(raw);
        if (e == KVA_OK && which == F_COMMANDS)
            e = check_policy_reference(t, path, err);
        free(path);
    }
    if (e != KVA_OK) {
        kva_templates_free(t);
        return e;
    }
    *out = t;
    return KVA_OK;
}

/* What the accessors return if the built-in set could not be made (out of
 * memory at start-up): the contract's fixed names, so nothing crashes. */
static const kva_control fallback_control = {
    "KVA-DEFENDER-KEYVAULT",
    "Microsoft Defender for Key Vault is set to On",
    "KeyVaults",
    "Standard",
    "PerKeyVault",
    "",
    NULL,
    0};

const kva_control *kva_templates_control(const kva_templates *t)
{
    return t ? &t->control : &fallback_control;
}

const char *kva_templates_text(const kva_templates *t, const char *key)
{
    kv probe, *hit;

    if (!t || !key || !t->n_wording)
        return "";
    probe.key = (char *)key;
    hit = bsearch(&probe, t->wording, t->n_wording, sizeof *t->wording,
                  kv_cmp);
    return hit ? hit->value : "";
}

bool kva_templates_uses(const kva_templates *t, const char *name,
                        const char *placeholder)
{
    const char *text = kva_templates_command(t, name);

    return text && placeholder && text_uses(text, placeholder);
}

const char *kva_templates_param(const kva_templates *t, const char *name)
{
    for (size_t i = 0; t && name && i < N_PARAMS; i++)
        if (strcmp(param_specs[i].name, name) == 0)
            return t->params[i] ? t->params[i] : "";
    return "";
}

const char *kva_templates_command(const kva_templates *t, const char *name)
{
    size_t idx;

    if (!t || !name || !find_spec(name, &idx))
        return NULL;
    return t->cmd_text[idx];
}

char *kva_templates_expand(const kva_templates *t, const char *name,
                           const char *const *keys, const char *const *values,
                           size_t n, kva_diag *err)
{
    const char *text = kva_templates_command(t, name);
    char *out = NULL;
    size_t cap, len = 0, pos = 0, st, plen, last = 0;

    if (!text) {
        kva_diag_set(err, KVA_ERR_TEMPLATE, NULL, 0, 0,
                     "no command template '%s'", name ? name : "(null)");
        return NULL;
    }
    /* First pass: the size, and every placeholder has a value. */
    cap = strlen(text) + 1;
    while (next_placeholder(text, &pos, &st, &plen)) {
        size_t k;

        for (k = 0; k < n; k++)
            if (keys[k] && strlen(keys[k]) == plen &&
                memcmp(keys[k], text + st, plen) == 0)
                break;
        if (k == n || !values[k]) {
            kva_diag_set(err, KVA_ERR_TEMPLATE, NULL, 0, 0,
                         "template '%s': no value for placeholder {%.*s}",
                         name, (int)plen, text + st);
            return NULL;
        }
        cap += strlen(values[k]);
    }
    out = malloc(cap);
    if (!out) {
        kva_diag_set(err, KVA_ERR_NOMEM, NULL, 0, 0, "out of memory");
        return NULL;
    }
    pos = 0;
    while (next_placeholder(text, &pos, &st, &plen)) {
        size_t k;

        /* Copy the literal part, turning "{{" into "{". */
        for (size_t i = last; i < st - 1; i++) {
            out[len++] = text[i];
            if (text[i] == '{' && text[i + 1] == '{')
                i++;
        }
        for (k = 0; k < n; k++)
            if (keys[k] && strlen(keys[k]) == plen &&
                memcmp(keys[k], text + st, plen) == 0)
                break;
        memcpy(out + len, values[k], strlen(values[k]));
        len += strlen(values[k]);
        last = pos;
    }
    for (size_t i = last; text[i]; i++) {
        out[len++] = text[i];
        if (text[i] == '{' && text[i + 1] == '{')
            i++;
    }
    out[len] = '\0';
    return out;
}

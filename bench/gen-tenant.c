/*
 * gen-tenant: write a synthetic Azure estate for the benchmark, in the exact
 * shapes kvaudit reads (DESIGN.md section 2, ../shared/formats):
 *
 *   OUTDIR/accounts.json               az account list --all
 *   OUTDIR/pricings/<sub-id>.json      az security pricing list, one per
 *                                      subscription (a few have none)
 *   OUTDIR/subscriptions-rg.json       az graph query, resourcecontainers
 *   OUTDIR/keyvaults.json              az graph query, key vaults (or
 *                                      keyvaults-NNN.json, its pages)
 *   OUTDIR/exceptions.json             kvaudit.exceptions/1 register
 *
 * The CLI files follow knack's format_json: keys sorted, 2-space indent,
 * UTF-8 unescaped, a trailing newline; empty arrays and objects as [] and {}
 * (Python's json.dumps).
 *
 * Everything comes from the seed through splitmix64, one stream per entity
 * (subscription i, vault j, ...), and only integer arithmetic: the output
 * is byte-identical across runs, machines and C libraries. Changing what is
 * written means bumping GEN_VERSION, which invalidates the benchmark's
 * cached data.
 */
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#define GEN_VERSION "gen-tenant 1"

#define DAY 86400LL
#define TRIAL_S (30 * DAY)

/* Streams keep each part of the estate independent of the others' draws. */
enum { S_TENANT = 1, S_SUB, S_PRICING, S_VAULT, S_PICK, S_EXCEPTION };

typedef struct {
    uint64_t s;
} rng;

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);

    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static rng rng_for(uint64_t seed, uint64_t stream, uint64_t index)
{
    rng r;
    uint64_t s = seed ^ (stream * 0xD1B54A32D192ED03ULL);

    splitmix64(&s);
    s ^= index * 0xAEF17502108EF2D9ULL;
    splitmix64(&s);
    r.s = s;
    return r;
}

static uint64_t next(rng *r)
{
    return splitmix64(&r->s);
}

/* Uniform in [0, n); the modulo bias is below 2^-40 for every n used. */
static uint64_t below(rng *r, uint64_t n)
{
    return n ? next(r) % n : 0;
}

/* True with probability per_mille / 1000. */
static bool chance(rng *r, unsigned per_mille)
{
    return below(r, 1000) < per_mille;
}

#define PICK(r, arr) ((arr)[below((r), sizeof(arr) / sizeof((arr)[0]))])

/* Days since 1970-01-01 of a civil date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;

    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static void fmt_date(char out[32], int64_t days)
{
    int64_t y;
    unsigned m, d;

    civil_from_days(days, &y, &m, &d);
    snprintf(out, 32, "%04d-%02u-%02u", (int)y, m, d);
}

/* Python's datetime.isoformat() of an aware UTC time: the fraction is left
 * out when the microseconds are zero. */
static void fmt_isotime(char out[64], int64_t t, unsigned usec)
{
    char date[32];
    int64_t days = t >= 0 ? t / DAY : (t - DAY + 1) / DAY;
    int64_t sod = t - days * DAY;

    fmt_date(date, days);
    if (usec)
        snprintf(out, 64, "%sT%02d:%02d:%02d.%06u+00:00", date,
                 (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60),
                 usec);
    else
        snprintf(out, 64, "%sT%02d:%02d:%02d+00:00", date, (int)(sod / 3600),
                 (int)(sod / 60 % 60), (int)(sod % 60));
}

/* str(datetime.timedelta(seconds=s)), as the CLI prints
 * freeTrialRemainingTime: "0:00:00", "1 day, 2:03:04", "12 days, 3:00:00". */
static void fmt_timedelta(char out[48], int64_t s)
{
    int64_t days = s / DAY, rest = s % DAY;

    if (days)
        snprintf(out, 48, "%" PRId64 " day%s, %d:%02d:%02d", days,
                 days == 1 ? "" : "s", (int)(rest / 3600),
                 (int)(rest / 60 % 60), (int)(rest % 60));
    else
        snprintf(out, 48, "%d:%02d:%02d", (int)(rest / 3600),
                 (int)(rest / 60 % 60), (int)(rest % 60));
}

/* A version-4 GUID whose last 8 hex digits are the index, so that every
 * subscription is distinct whatever the draws. */
static void make_guid(char out[37], rng *r, uint32_t index)
{
    uint64_t a = next(r), b = next(r);

    snprintf(out, 37, "%08" PRIx32 "-%04" PRIx32 "-4%03" PRIx32 "-%04" PRIx32
                      "-%04" PRIx32 "%08" PRIx32,
             (uint32_t)(a >> 32), (uint32_t)(a >> 16) & 0xffff,
             (uint32_t)a & 0xfff, 0x8000 | ((uint32_t)(b >> 48) & 0x3fff),
             (uint32_t)(b >> 32) & 0xffff, index);
}

/*
 * A JSON writer with Python's json.dumps(indent=2) layout. Key order is the
 * caller's: the CLI files pass keys in sorted order.
 */
typedef struct {
    FILE *f;
    const char *path;
    int depth;
    bool after_key;
    bool has[64];
} jw;

static char spaces[256];

static int jw_open(jw *w, const char *path)
{
    memset(w, 0, sizeof *w);
    w->path = path;
    w->f = fopen(path, "w");
    if (!w->f) {
        fprintf(stderr, "gen-tenant: %s: %s\n", path, strerror(errno));
        return -1;
    }
    setvbuf(w->f, NULL, _IOFBF, 1 << 16);
    return 0;
}

static int jw_close(jw *w)
{
    int bad;

    fputc('\n', w->f);
    bad = ferror(w->f);
    if (fclose(w->f) != 0 || bad) {
        fprintf(stderr, "gen-tenant: %s: write error\n", w->path);
        return -1;
    }
    return 0;
}

static void jw_pre(jw *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->depth == 0)
        return;
    if (w->has[w->depth])
        fputc(',', w->f);
    fputc('\n', w->f);
    fwrite(spaces, 1, (size_t)(2 * w->depth), w->f);
    w->has[w->depth] = true;
}

static void jw_raw_string(jw *w, const char *s)
{
    fputc('"', w->f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(w->f, "\\%c", c);
        else if (c < 0x20)
            fprintf(w->f, "\\u%04x", c);
        else
            fputc(c, w->f);
    }
    fputc('"', w->f);
}

static void jw_key(jw *w, const char *k)
{
    jw_pre(w);
    jw_raw_string(w, k);
    fputs(": ", w->f);
    w->after_key = true;
}

static void jw_begin(jw *w, char open)
{
    assert(w->depth + 1 < (int)(sizeof w->has / sizeof w->has[0]));
    jw_pre(w);
    fputc(open, w->f);
    w->depth++;
    w->has[w->depth] = false;
}

static void jw_end(jw *w, char close)
{
    if (w->has[w->depth]) {
        fputc('\n', w->f);
        fwrite(spaces, 1, (size_t)(2 * (w->depth - 1)), w->f);
    }
    fputc(close, w->f);
    w->depth--;
}

static void jw_str(jw *w, const char *s)
{
    jw_pre(w);
    jw_raw_string(w, s);
}

static void jw_null(jw *w)
{
    jw_pre(w);
    fputs("null", w->f);
}

static void jw_bool(jw *w, bool b)
{
    jw_pre(w);
    fputs(b ? "true" : "false", w->f);
}

static void jw_int(jw *w, long long v)
{
    jw_pre(w);
    fprintf(w->f, "%lld", v);
}

static void jw_kstr(jw *w, const char *k, const char *v)
{
    jw_key(w, k);
    if (v)
        jw_str(w, v);
    else
        jw_null(w);
}

static void jw_knull(jw *w, const char *k)
{
    jw_key(w, k);
    jw_null(w);
}

typedef struct {
    const char *name;    /* tenantDisplayName, subscription name prefix */
    const char *short_;  /* management group names, mail domain */
    unsigned weight;     /* share of the subscriptions, per mille */
    char id[37];
} tenant;

static tenant tenants[] = {
    {"Contoso", "contoso", 600, ""},
    {"Fabrikam", "fabrikam", 300, ""},
    {"Northwind Traders", "northwind", 100, ""},
};
#define N_TENANTS (sizeof tenants / sizeof tenants[0])

/* Environment: the word in the subscription name, the tag values seen for
 * it (production has the spellings kvaudit normalises), a short code for
 * resource names, and its share per mille. */
typedef struct {
    const char *label;
    const char *tags[4];
    const char *code;
    unsigned weight;
    unsigned kv_free; /* per mille of subscriptions with KeyVaults Free */
} environment;

static const environment envs[] = {
    {"Prod", {"prod", "production", "Production", "prd"}, "prd", 350, 120},
    {"Staging", {"staging", "staging", "stage", "staging"}, "stg", 100, 250},
    {"Test", {"test", "test", "Test", "test"}, "tst", 200, 350},
    {"Dev", {"dev", "dev", "development", "Dev"}, "dev", 250, 350},
    {"Sandbox", {"sandbox", "sandbox", "sandbox", "sbx"}, "sbx", 100, 350},
};
#define N_ENVS (sizeof envs / sizeof envs[0])
enum { ENV_PROD = 0, ENV_STAGING, ENV_TEST, ENV_DEV, ENV_SANDBOX };

static const char *const apps[] = {
    "pay", "hr",  "crm", "erp",  "web", "api", "data", "ml",
    "iot", "sec", "ops", "bi",   "edge", "mob", "sap", "dwh",
};
#define N_APPS (sizeof apps / sizeof apps[0])

static const char *const people[] = {
    "Jürgen Müller", "Ольга Петрова", "山田太郎", "Zoë Ørsted",
    "김민준", "Γιώργος Παπαδόπουλος", "Amélie Laurent", "Siobhán Ní Bhriain",
    "Mateus Gonçalves", "Priya Raman", "Ahmed Al-Farsi", "Li Wei",
};

static const struct {
    const char *name, *code;
} regions[] = {
    {"westeurope", "weu"}, {"northeurope", "neu"}, {"eastus", "eus"},
    {"eastus2", "eu2"}, {"uksouth", "uks"}, {"swedencentral", "sdc"},
    {"germanywestcentral", "gwc"}, {"japaneast", "jpe"},
};
#define N_REGIONS (sizeof regions / sizeof regions[0])

static const char *const quota_ids[] = {
    "EnterpriseAgreement_2014-09-01", "EnterpriseAgreement_2014-09-01",
    "EnterpriseAgreement_2014-09-01", "PayAsYouGo_2014-09-01",
    "MSDN_2014-09-01",
};

static const char *const reasons[] = {
    "Vaults hold synthetic test secrets only; Defender for Key Vault is "
    "funded from the next security budget.",
    "Workload is being migrated to Managed HSM; the plan follows the "
    "migration.",
    "Subscription moves to the Online landing zone; the plan is enabled as "
    "part of the cut-over.",
    "Cost review pending with FinOps; compensating control: Key Vault "
    "diagnostic logs to the SIEM.",
    "Vendor-managed workload; the vendor's own monitoring covers the vaults "
    "until contract renewal.",
};

enum { MG_CORP, MG_ONLINE, MG_PLATFORM, MG_SANDBOX, MG_DECOM };

typedef struct {
    char id[37];
    unsigned tenant, env, app, mg;
    bool enabled, dump, kv_standard, kv_per_transaction, tagged, env_only;
    bool trial_unused;    /* Free with the 30-day trial never started */
    int64_t kv_enabled;   /* enablementTime, Unix seconds */
    unsigned kv_usec;
    int64_t trial_left;   /* seconds of free trial left */
    const char *owner;
    char owner_buf[64];
    const char *env_tag;
    unsigned quota;
    bool managed_by;
    uint64_t weight;      /* share of the vaults; 0 holds none */
} sub;

typedef struct {
    unsigned long long subs, vaults, exceptions;
    unsigned long long pages; /* files the vault dump is split into */
    uint64_t seed;
    int64_t as_of; /* Unix seconds, midnight UTC */
    int64_t as_of_day;
    bool rg;
    const char *out;
} options;

/* Zero-padded widths of the numbers in subscription and vault names. */
static int name_width = 4, vault_width = 4;

static int ndigits(unsigned long long n, int min)
{
    int d = 1;

    while (n >= 10) {
        n /= 10;
        d++;
    }
    return d < min ? min : d;
}

static const char *team_owner(char *buf, size_t n, unsigned app, unsigned t)
{
    snprintf(buf, n, "%s-team@%s.com", apps[app], tenants[t].short_);
    return buf;
}

static void draw_subscription(const options *o, sub *s, uint64_t i)
{
    rng r = rng_for(o->seed, S_SUB, i);
    unsigned x;

    make_guid(s->id, &r, (uint32_t)i);
    x = (unsigned)below(&r, 1000);
    s->tenant = 0;
    for (unsigned t = 0, acc = 0; t < N_TENANTS; t++) {
        acc += tenants[t].weight;
        if (x < acc) {
            s->tenant = t;
            break;
        }
    }
    x = (unsigned)below(&r, 1000);
    s->env = 0;
    for (unsigned e = 0, acc = 0; e < N_ENVS; e++) {
        acc += envs[e].weight;
        if (x < acc) {
            s->env = e;
            break;
        }
    }
    s->app = (unsigned)below(&r, N_APPS);
    s->enabled = !chance(&r, 20);
    s->dump = !chance(&r, 30);
    s->kv_standard = !chance(&r, envs[s->env].kv_free);
    s->kv_per_transaction = s->kv_standard && chance(&r, 40);
    s->trial_unused = !s->kv_standard && chance(&r, 150);
    s->trial_left = 0;
    s->kv_usec = (unsigned)below(&r, 1000000);
    if (s->kv_standard && chance(&r, 30)) {
        /* Enabled within the last 30 days: the trial is running. */
        int64_t elapsed = 3600 + (int64_t)below(&r, TRIAL_S - 7200);
        s->kv_enabled = o->as_of - elapsed;
        s->trial_left = TRIAL_S - elapsed;
    } else {
        int64_t span = 4 * 365 * DAY - 31 * DAY;
        s->kv_enabled = o->as_of - 31 * DAY - (int64_t)below(&r, span);
    }
    if (!s->enabled)
        s->mg = MG_DECOM;
    else if (s->env == ENV_SANDBOX)
        s->mg = MG_SANDBOX;
    else if (chance(&r, 60))
        s->mg = MG_PLATFORM;
    else
        s->mg = chance(&r, 650) ? MG_CORP : MG_ONLINE;
    s->tagged = !chance(&r, 80);
    s->env_only = s->tagged && chance(&r, 50);
    if (chance(&r, 150))
        s->owner = PICK(&r, people);
    else
        s->owner = team_owner(s->owner_buf, sizeof s->owner_buf, s->app,
                              s->tenant);
    s->env_tag = envs[s->env].tags[below(&r, 4)];
    s->quota = (unsigned)below(&r, sizeof quota_ids / sizeof quota_ids[0]);
    s->managed_by = chance(&r, 50);
    /* A 1/x spread: most subscriptions hold a few vaults, some hundreds,
     * and about one in seven none at all. */
    s->weight = chance(&r, 150) ? 0 : 1000000 / (1 + below(&r, 1000));
}

static void sub_name(char *buf, size_t n, const sub *s, uint64_t i)
{
    snprintf(buf, n, "%s Workload %0*llu %s", tenants[s->tenant].name,
             name_width, (unsigned long long)i + 1,
             envs[s->env].label);
}

static int write_accounts(const options *o, const sub *subs)
{
    char path[4096], name[128];
    jw w;

    snprintf(path, sizeof path, "%s/accounts.json", o->out);
    if (jw_open(&w, path))
        return -1;
    jw_begin(&w, '[');
    for (uint64_t i = 0; i < o->subs; i++) {
        const sub *s = &subs[i];
        const tenant *t = &tenants[s->tenant];
        char domain[64], user[80];

        snprintf(domain, sizeof domain, "%s.onmicrosoft.com", t->short_);
        snprintf(user, sizeof user, "auditor@%s.com", tenants[0].short_);
        sub_name(name, sizeof name, s, i);
        jw_begin(&w, '{');
        jw_kstr(&w, "cloudName", "AzureCloud");
        jw_kstr(&w, "homeTenantId", t->id);
        jw_kstr(&w, "id", s->id);
        jw_key(&w, "isDefault");
        jw_bool(&w, i == 0);
        jw_key(&w, "managedByTenants");
        jw_begin(&w, '[');
        if (s->managed_by) {
            jw_begin(&w, '{');
            jw_kstr(&w, "tenantId", tenants[(s->tenant + 1) % N_TENANTS].id);
            jw_end(&w, '}');
        }
        jw_end(&w, ']');
        jw_kstr(&w, "name", name);
        jw_kstr(&w, "state", s->enabled ? "Enabled" : "Disabled");
        jw_kstr(&w, "tenantDefaultDomain", domain);
        jw_kstr(&w, "tenantDisplayName", t->name);
        jw_kstr(&w, "tenantId", t->id);
        jw_key(&w, "user");
        jw_begin(&w, '{');
        jw_kstr(&w, "name", user);
        jw_kstr(&w, "type", "user");
        jw_end(&w, '}');
        jw_end(&w, '}');
    }
    jw_end(&w, ']');
    return jw_close(&w);
}

typedef struct {
    const char *name;
    unsigned standard;       /* per mille Standard */
    const char *sub_plan;    /* when Standard */
    const char *alt_sub_plan;
    unsigned alt;            /* per mille of Standard on alt_sub_plan */
    int ext;                 /* extension set when Standard, see write_ext */
    const char *replaced_by; /* deprecated plans */
} plan;

/* The plans of `az security pricing list`, in the service's order. */
static const plan plans[] = {
    {"VirtualMachines", 700, "P2", "P1", 100, 1, NULL},
    {"SqlServers", 600, NULL, NULL, 0, 0, NULL},
    {"AppServices", 500, NULL, NULL, 0, 0, NULL},
    {"StorageAccounts", 650, "DefenderForStorageV2", "PerTransaction", 100, 2,
     NULL},
    {"SqlServerVirtualMachines", 300, NULL, NULL, 0, 0, NULL},
    {"KubernetesService", 0, NULL, NULL, 0, 0, "Containers"},
    {"KeyVaults", 0, NULL, NULL, 0, 0, NULL}, /* from the subscription */
    {"Dns", 0, NULL, NULL, 0, 0, "VirtualMachines"},
    {"Arm", 600, "PerSubscription", "PerApiCall", 100, 0, NULL},
    {"OpenSourceRelationalDatabases", 250, NULL, NULL, 0, 0, NULL},
    {"CosmosDbs", 250, NULL, NULL, 0, 0, NULL},
    {"Containers", 550, NULL, NULL, 0, 3, NULL},
    {"CloudPosture", 500, NULL, NULL, 0, 4, NULL},
    {"Api", 100, "P1", NULL, 0, 0, NULL},
    {"AI", 100, NULL, NULL, 0, 0, NULL},
};
#define N_PLANS (sizeof plans / sizeof plans[0])

static void write_one_ext(jw *w, const char *name, const char *enabled,
                          const char *prop_key, const char *prop_val)
{
    jw_begin(w, '{');
    jw_key(w, "additionalExtensionProperties");
    if (prop_key) {
        jw_begin(w, '{');
        jw_kstr(w, prop_key, prop_val);
        jw_end(w, '}');
    } else {
        jw_null(w);
    }
    jw_kstr(w, "isEnabled", enabled);
    jw_kstr(w, "name", name);
    jw_knull(w, "operationStatus");
    jw_end(w, '}');
}

static void write_ext(jw *w, int set, bool p2)
{
    jw_key(w, "extensions");
    if (!set) {
        jw_null(w);
        return;
    }
    jw_begin(w, '[');
    switch (set) {
    case 1:
        write_one_ext(w, "MdeDesignatedSubscription", "False", NULL, NULL);
        if (p2)
            write_one_ext(w, "AgentlessVmScanning", "True", "ExclusionTags",
                          "[]");
        break;
    case 2:
        write_one_ext(w, "OnUploadMalwareScanning", "True",
                      "CapGBPerMonthPerStorageAccount", "5000");
        write_one_ext(w, "SensitiveDataDiscovery", "True", NULL, NULL);
        break;
    case 3:
        write_one_ext(w, "ContainerRegistriesVulnerabilityAssessments", "True",
                      NULL, NULL);
        write_one_ext(w, "AgentlessDiscoveryForKubernetes", "True", NULL,
                      NULL);
        break;
    default:
        write_one_ext(w, "AgentlessVmScanning", "True", "ExclusionTags", "[]");
        write_one_ext(w, "SensitiveDataDiscovery", "True", NULL, NULL);
        break;
    }
    jw_end(w, ']');
}

static int write_pricing(const options *o, const sub *s, uint64_t i)
{
    rng r = rng_for(o->seed, S_PRICING, i);
    char path[4096], id[160], when[64], trial[48];
    jw w;

    snprintf(path, sizeof path, "%s/pricings/%s.json", o->out, s->id);
    if (jw_open(&w, path))
        return -1;
    jw_begin(&w, '{');
    jw_key(&w, "value");
    jw_begin(&w, '[');
    for (size_t p = 0; p < N_PLANS; p++) {
        const plan *pl = &plans[p];
        bool kv = strcmp(pl->name, "KeyVaults") == 0;
        bool standard, alt;
        const char *sub_plan;
        int64_t enabled_at, left = 0;
        unsigned usec;

        if (kv) {
            standard = s->kv_standard;
            sub_plan = standard ? (s->kv_per_transaction ? "PerTransaction"
                                                         : "PerKeyVault")
                                : NULL;
            enabled_at = s->kv_enabled;
            usec = s->kv_usec;
            left = standard ? s->trial_left : s->trial_unused ? TRIAL_S : 0;
            alt = false;
        } else {
            standard = chance(&r, pl->standard);
            alt = standard && pl->alt_sub_plan && chance(&r, pl->alt);
            sub_plan = !standard ? NULL : alt ? pl->alt_sub_plan : pl->sub_plan;
            enabled_at = o->as_of - 31 * DAY -
                         (int64_t)below(&r, 4 * 365 * DAY - 31 * DAY);
            usec = (unsigned)below(&r, 1000000);
        }
        jw_begin(&w, '{');
        jw_key(&w, "deprecated");
        if (pl->replaced_by)
            jw_bool(&w, true);
        else
            jw_null(&w);
        jw_key(&w, "enablementTime");
        if (standard) {
            fmt_isotime(when, enabled_at, usec);
            jw_str(&w, when);
        } else {
            jw_null(&w);
        }
        /* Storage's legacy PerTransaction plan has no extensions. */
        if (standard)
            write_ext(&w, alt && pl->ext == 2 ? 0 : pl->ext, !alt);
        else
            jw_knull(&w, "extensions");
        fmt_timedelta(trial, left);
        jw_kstr(&w, "freeTrialRemainingTime", trial);
        snprintf(id, sizeof id,
                 "/subscriptions/%s/providers/Microsoft.Security/pricings/%s",
                 s->id, pl->name);
        jw_kstr(&w, "id", id);
        jw_kstr(&w, "name", pl->name);
        jw_kstr(&w, "pricingTier", standard ? "Standard" : "Free");
        jw_key(&w, "replacedBy");
        if (pl->replaced_by) {
            jw_begin(&w, '[');
            jw_str(&w, pl->replaced_by);
            jw_end(&w, ']');
        } else {
            jw_null(&w);
        }
        jw_kstr(&w, "subPlan", sub_plan);
        jw_kstr(&w, "type", "Microsoft.Security/pricings");
        jw_end(&w, '}');
    }
    jw_end(&w, ']');
    jw_end(&w, '}');
    return jw_close(&w);
}

static void write_mg(jw *w, const char *display, const char *name)
{
    jw_begin(w, '{');
    jw_kstr(w, "displayName", display);
    jw_kstr(w, "name", name);
    jw_end(w, '}');
}

/* managementGroupAncestorsChain: the nearest group first, the root last. */
static void write_mg_chain(jw *w, const sub *s)
{
    const tenant *t = &tenants[s->tenant];
    char name[96];

    jw_begin(w, '[');
    switch (s->mg) {
    case MG_CORP:
    case MG_ONLINE:
        snprintf(name, sizeof name, "%s-lz-%s", t->short_,
                 s->mg == MG_CORP ? "corp" : "online");
        write_mg(w,
                 s->mg == MG_CORP ? "Landing Zones - Corp"
                                  : "Landing Zones - Online",
                 name);
        snprintf(name, sizeof name, "%s-lz", t->short_);
        write_mg(w, "Landing Zones", name);
        break;
    case MG_PLATFORM:
        snprintf(name, sizeof name, "%s-platform", t->short_);
        write_mg(w, "Platform", name);
        break;
    case MG_SANDBOX:
        snprintf(name, sizeof name, "%s-sandbox", t->short_);
        write_mg(w, "Sandbox", name);
        break;
    default:
        snprintf(name, sizeof name, "%s-decommissioned", t->short_);
        write_mg(w, "Decommissioned", name);
        break;
    }
    write_mg(w, t->name, t->short_);
    write_mg(w, "Tenant Root Group", t->id);
    jw_end(w, ']');
}

static void write_graph_tail(jw *w, const char *skip_token,
                             unsigned long long n)
{
    jw_end(w, ']');
    jw_kstr(w, "skip_token", skip_token);
    jw_key(w, "total_records");
    jw_int(w, (long long)n);
    jw_end(w, '}');
}

static int write_subscriptions_rg(const options *o, const sub *subs)
{
    char path[4096], id[64], name[128];
    jw w;

    snprintf(path, sizeof path, "%s/subscriptions-rg.json", o->out);
    if (jw_open(&w, path))
        return -1;
    jw_begin(&w, '{');
    jw_key(&w, "count");
    jw_int(&w, (long long)o->subs);
    jw_key(&w, "data");
    jw_begin(&w, '[');
    for (uint64_t i = 0; i < o->subs; i++) {
        const sub *s = &subs[i];

        snprintf(id, sizeof id, "/subscriptions/%s", s->id);
        sub_name(name, sizeof name, s, i);
        jw_begin(&w, '{');
        jw_knull(&w, "extendedLocation");
        jw_kstr(&w, "id", id);
        jw_knull(&w, "identity");
        jw_kstr(&w, "kind", "");
        jw_kstr(&w, "location", "");
        jw_kstr(&w, "managedBy", "");
        jw_kstr(&w, "name", name);
        jw_knull(&w, "plan");
        jw_key(&w, "properties");
        jw_begin(&w, '{');
        jw_key(&w, "managedByTenants");
        jw_begin(&w, '[');
        if (s->managed_by) {
            jw_begin(&w, '{');
            jw_kstr(&w, "tenantId", tenants[(s->tenant + 1) % N_TENANTS].id);
            jw_end(&w, '}');
        }
        jw_end(&w, ']');
        jw_key(&w, "managementGroupAncestorsChain");
        write_mg_chain(&w, s);
        jw_kstr(&w, "state", s->enabled ? "Enabled" : "Disabled");
        jw_key(&w, "subscriptionPolicies");
        jw_begin(&w, '{');
        jw_kstr(&w, "locationPlacementId", "Public_2014-09-01");
        jw_kstr(&w, "quotaId", quota_ids[s->quota]);
        jw_kstr(&w, "spendingLimit", "Off");
        jw_end(&w, '}');
        jw_end(&w, '}');
        jw_kstr(&w, "resourceGroup", "");
        jw_knull(&w, "sku");
        jw_kstr(&w, "subscriptionId", s->id);
        jw_key(&w, "tags");
        jw_begin(&w, '{');
        if (s->tagged) {
            jw_kstr(&w, "environment", s->env_tag);
            if (!s->env_only)
                jw_kstr(&w, "owner", s->owner);
        }
        jw_end(&w, '}');
        jw_kstr(&w, "tenantId", tenants[s->tenant].id);
        jw_kstr(&w, "type", "microsoft.resources/subscriptions");
        jw_knull(&w, "zones");
        jw_end(&w, '}');
    }
    write_graph_tail(&w, NULL, o->subs);
    return jw_close(&w);
}

/* Index of the subscription holding a vault: a draw over the cumulative
 * weights (binary search). */
static uint64_t pick_holder(const uint64_t *cum, uint64_t n, rng *r)
{
    uint64_t x = below(r, cum[n - 1]), lo = 0, hi = n - 1;

    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (cum[mid] > x)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static void upper(char *dst, const char *src, size_t n)
{
    size_t i = 0;

    for (; src[i] && i + 1 < n; i++)
        dst[i] = (src[i] >= 'a' && src[i] <= 'z') ? (char)(src[i] - 32)
                                                  : src[i];
    dst[i] = '\0';
}

static void base64(char *out, size_t n, const char *in)
{
    static const char digits[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t len = strlen(in), o = 0;

    for (size_t i = 0; i < len && o + 5 < n; i += 3) {
        unsigned v = (unsigned char)in[i] << 16;
        if (i + 1 < len)
            v |= (unsigned char)in[i + 1] << 8;
        if (i + 2 < len)
            v |= (unsigned char)in[i + 2];
        out[o++] = digits[v >> 18 & 63];
        out[o++] = digits[v >> 12 & 63];
        out[o++] = i + 1 < len ? digits[v >> 6 & 63] : '=';
        out[o++] = i + 2 < len ? digits[v & 63] : '=';
    }
    out[o] = '\0';
}

/* One Resource Graph row: vault j, from its own stream. */
static void write_vault(jw *w, const options *o, const sub *subs,
                        const uint64_t *holders, const uint64_t *cum,
                        uint64_t n_holders, uint64_t j)
{
    char id[256], name[32], rg[32], rg_id[32], uri[64], owner[64];
    rng r = rng_for(o->seed, S_VAULT, j);
    const sub *s = &subs[holders[pick_holder(cum, n_holders, &r)]];
    unsigned app = chance(&r, 700) ? s->app : (unsigned)below(&r, N_APPS);
    unsigned env = chance(&r, 850) ? s->env : (unsigned)below(&r, N_ENVS);
    unsigned reg = (unsigned)below(&r, N_REGIONS);
    bool rbac = chance(&r, 600);
    unsigned tags = (unsigned)below(&r, 1000);

    snprintf(name, sizeof name, "kv-%s-%s-%s-%0*llu", apps[app],
             envs[env].code, regions[reg].code, vault_width,
             (unsigned long long)j);
    snprintf(rg, sizeof rg, "rg-%s-%s-%s", apps[app], envs[env].code,
             regions[reg].code);
    /* Resource Graph lower-cases resourceGroup, never the id. */
    if (chance(&r, 30))
        upper(rg_id, rg, sizeof rg_id);
    else
        memcpy(rg_id, rg, sizeof rg_id);
    snprintf(id, sizeof id,
             "/subscriptions/%s/resourceGroups/%s/providers/"
             "Microsoft.KeyVault/vaults/%s",
             s->id, rg_id, name);
    snprintf(uri, sizeof uri, "https://%s.vault.azure.net/", name);

    jw_begin(w, '{');
    jw_knull(w, "extendedLocation");
    jw_kstr(w, "id", id);
    jw_knull(w, "identity");
    jw_kstr(w, "kind", "");
    jw_kstr(w, "location", regions[reg].name);
    jw_kstr(w, "managedBy", "");
    jw_kstr(w, "name", name);
    jw_knull(w, "plan");
    jw_key(w, "properties");
    jw_begin(w, '{');
    jw_key(w, "accessPolicies");
    jw_begin(w, '[');
    jw_end(w, ']');
    if (chance(&r, 550)) {
        jw_key(w, "enablePurgeProtection");
        jw_bool(w, true);
    }
    jw_key(w, "enableRbacAuthorization");
    jw_bool(w, rbac);
    jw_key(w, "enableSoftDelete");
    jw_bool(w, true);
    jw_kstr(w, "provisioningState", "Succeeded");
    jw_kstr(w, "publicNetworkAccess",
            chance(&r, 400) ? "Disabled" : "Enabled");
    jw_key(w, "sku");
    jw_begin(w, '{');
    jw_kstr(w, "family", "A");
    jw_kstr(w, "name", chance(&r, 150) ? "premium" : "standard");
    jw_end(w, '}');
    jw_key(w, "softDeleteRetentionInDays");
    jw_int(w, chance(&r, 800) ? 90 : 7);
    jw_kstr(w, "tenantId", tenants[s->tenant].id);
    jw_kstr(w, "vaultUri", uri);
    jw_end(w, '}');
    jw_kstr(w, "resourceGroup", rg);
    jw_knull(w, "sku");
    jw_kstr(w, "subscriptionId", s->id);
    jw_key(w, "tags");
    if (tags < 30) {
        jw_null(w); /* never tagged */
    } else {
        jw_begin(w, '{');
        if (tags >= 50) {
            jw_kstr(w, "environment", envs[env].tags[below(&r, 4)]);
            /* The rest take the owner of their subscription. */
            if (tags >= 120) {
                const char *who = chance(&r, 100)
                                      ? PICK(&r, people)
                                      : team_owner(owner, sizeof owner,
                                                   app, s->tenant);
                jw_kstr(w, "owner", who);
            }
        }
        jw_end(w, '}');
    }
    jw_kstr(w, "tenantId", tenants[s->tenant].id);
    jw_kstr(w, "type", "microsoft.keyvault/vaults");
    jw_knull(w, "zones");
    jw_end(w, '}');
}

/*
 * The vault dump: one `az graph query` file, or with --vault-pages P the P
 * pages a paged export gives (`--first` / `--skip-token`): each page counts
 * its own rows, names the total and, but for the last, carries the token of
 * the next page. Vault j is the same row however the dump is paged.
 */
static int write_vaults(const options *o, const sub *subs,
                        const uint64_t *holders, const uint64_t *cum,
                        uint64_t n_holders)
{
    char path[4096], token_json[256], token[384];
    uint64_t j = 0;
    jw w;

    for (unsigned long long page = 0; page < o->pages; page++) {
        uint64_t end = o->vaults * (page + 1) / o->pages;

        if (o->pages == 1)
            snprintf(path, sizeof path, "%s/keyvaults.json", o->out);
        else
            snprintf(path, sizeof path, "%s/keyvaults-%03llu.json", o->out,
                     page + 1);
        if (jw_open(&w, path))
            return -1;
        jw_begin(&w, '{');
        jw_key(&w, "count");
        jw_int(&w, (long long)(end - j));
        jw_key(&w, "data");
        jw_begin(&w, '[');
        for (; j < end; j++)
            write_vault(&w, o, subs, holders, cum, n_holders, j);
        snprintf(token_json, sizeof token_json,
                 "{\"$id\":\"1\",\"MaxRows\":%llu,\"RowsToSkip\":%llu,"
                 "\"KustoClusterUrl\":\"https://ars-weu-01.arg.core."
                 "windows.net\"}",
                 (unsigned long long)(end - o->vaults * page / o->pages),
                 (unsigned long long)end);
        base64(token, sizeof token, token_json);
        write_graph_tail(&w, page + 1 < o->pages ? token : NULL, o->vaults);
        if (jw_close(&w))
            return -1;
    }
    return 0;
}

static void shuffle(uint64_t *a, uint64_t n, rng *r)
{
    for (uint64_t i = n; i > 1; i--) {
        uint64_t k = below(r, i), t = a[i - 1];
        a[i - 1] = a[k];
        a[k] = t;
    }
}

/*
 * The register: about 80 % of the entries for subscriptions whose KeyVaults
 * plan is Free (they become exempt or, once expired, noncompliant), the rest
 * for others (listed as unused). Exactly half, rounded down, are expired on
 * the as-of day; a tenth of the others expire within 30 days.
 */
static int write_exceptions(const options *o, const sub *subs)
{
    char path[4096], when[32], ticket[32], id[37];
    uint64_t *order = NULL, *pick = NULL, n_free = 0, n_pick = 0;
    uint64_t want_free = o->exceptions * 4 / 5;
    rng r = rng_for(o->seed, S_PICK, 0);
    int rc = -1;
    jw w;

    order = malloc((size_t)o->subs * sizeof *order);
    pick = malloc(((size_t)o->exceptions + 1) * sizeof *pick);
    if (!order || !pick) {
        fprintf(stderr, "gen-tenant: out of memory\n");
        goto fail;
    }
    for (uint64_t i = 0; i < o->subs; i++)
        order[i] = i;
    shuffle(order, o->subs, &r);
    for (uint64_t i = 0; i < o->subs && n_pick < want_free; i++)
        if (subs[order[i]].dump && !subs[order[i]].kv_standard &&
            subs[order[i]].enabled)
            pick[n_pick++] = order[i], n_free++;
    for (uint64_t i = 0; i < o->subs && n_pick < o->exceptions; i++) {
        const sub *s = &subs[order[i]];
        if (!(s->dump && !s->kv_standard && s->enabled))
            pick[n_pick++] = order[i];
    }
    /* Too few others: fill with the remaining Free ones. */
    for (uint64_t i = 0; i < o->subs && n_pick < o->exceptions; i++) {
        const sub *s = &subs[order[i]];
        bool taken = false;
        if (!(s->dump && !s->kv_standard && s->enabled))
            continue;
        for (uint64_t k = 0; k < n_free && !taken; k++)
            taken = pick[k] == order[i];
        if (!taken)
            pick[n_pick++] = order[i];
    }
    shuffle(pick, n_pick, &r);

    snprintf(path, sizeof path, "%s/exceptions.json", o->out);
    if (jw_open(&w, path))
        goto fail;
    jw_begin(&w, '{');
    jw_kstr(&w, "schema", "kvaudit.exceptions/1");
    jw_key(&w, "exceptions");
    jw_begin(&w, '[');
    for (uint64_t k = 0; k < n_pick; k++) {
        rng e = rng_for(o->seed, S_EXCEPTION, k);
        const sub *s = &subs[pick[k]];
        int64_t day;

        if (k < n_pick / 2)
            day = o->as_of_day - 1 - (int64_t)below(&e, 400);
        else if (chance(&e, 100))
            day = o->as_of_day + (int64_t)below(&e, 30);
        else
            day = o->as_of_day + 30 + (int64_t)below(&e, 500);
        fmt_date(when, day);
        if (chance(&e, 50))
            upper(id, s->id, sizeof id);
        else
            memcpy(id, s->id, sizeof id);
        jw_begin(&w, '{');
        jw_kstr(&w, "subscription_id", id);
        jw_kstr(&w, "reason", PICK(&e, reasons));
        jw_kstr(&w, "owner", chance(&e, 500) ? PICK(&e, people) : s->owner);
        jw_kstr(&w, "expires", when);
        switch (below(&e, 20)) {
        case 0:
            break; /* the ticket is optional */
        case 1:
        case 2:
        case 3:
        case 4:
        case 5:
            snprintf(ticket, sizeof ticket, "SEC-%04u",
                     (unsigned)below(&e, 10000));
            jw_kstr(&w, "ticket", ticket);
            break;
        default:
            snprintf(ticket, sizeof ticket, "CHG%07u",
                     (unsigned)below(&e, 10000000));
            jw_kstr(&w, "ticket", ticket);
            break;
        }
        jw_end(&w, '}');
    }
    jw_end(&w, ']');
    jw_end(&w, '}');
    rc = jw_close(&w);
fail:
    free(order);
    free(pick);
    return rc;
}

static int parse_count(const char *opt, const char *s, unsigned long long max,
                       unsigned long long *out)
{
    char *end;

    errno = 0;
    if (!s || *s < '0' || *s > '9')
        goto bad;
    *out = strtoull(s, &end, 10);
    if (errno || *end || *out > max)
        goto bad;
    return 0;
bad:
    fprintf(stderr, "gen-tenant: %s wants a number from 0 to %llu\n", opt,
            max);
    return -1;
}

static int parse_date(const char *s, int64_t *day)
{
    unsigned y, m, d;
    char tail;
    static const unsigned mdays[] = {31, 29, 31, 30, 31, 30,
                                     31, 31, 30, 31, 30, 31};

    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
        sscanf(s, "%4u-%2u-%2u%c", &y, &m, &d, &tail) != 3 || y < 1971 ||
        m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return -1;
    if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
        return -1;
    *day = days_from_civil(y, m, d);
    return 0;
}

static void usage(FILE *f)
{
    fputs("usage: gen-tenant [--subs N] [--vaults M] [--exceptions E]\n"
          "                  [--vault-pages P] [--seed S] "
          "[--as-of YYYY-MM-DD]\n"
          "                  [--no-subscriptions-rg] OUTDIR\n"
          "       gen-tenant --version\n"
          "Writes a synthetic Azure estate into OUTDIR (new or empty).\n"
          "Defaults: --subs 5000 --vaults 100000 --exceptions 500\n"
          "          --vault-pages 1 --seed 1 --as-of 2026-11-23\n",
          f);
}

static int make_dirs(const char *out)
{
    char path[4096];
    DIR *d;
    struct dirent *e;

    if (mkdir(out, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "gen-tenant: %s: %s\n", out, strerror(errno));
        return -1;
    }
    /* Files left from another size would mix into the estate. */
    d = opendir(out);
    if (!d) {
        fprintf(stderr, "gen-tenant: %s: %s\n", out, strerror(errno));
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            closedir(d);
            fprintf(stderr, "gen-tenant: %s: directory is not empty\n", out);
            return -1;
        }
    }
    closedir(d);
    snprintf(path, sizeof path, "%s/pricings", out);
    if (mkdir(path, 0777) != 0) {
        fprintf(stderr, "gen-tenant: %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    options o = {.subs = 5000, .vaults = 100000, .exceptions = 500,
                 .pages = 1, .seed = 1, .rg = true};
    sub *subs = NULL;
    uint64_t *holders = NULL, *cum = NULL, n_holders = 0, total = 0;
    int64_t day;
    int rc = 1;

    memset(spaces, ' ', sizeof spaces);
    if (parse_date("2026-11-23", &o.as_of_day))
        return 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned long long seed;

        if (!strcmp(a, "--subs")) {
            if (parse_count(a, v, 10000000, &o.subs))
                return 2;
            i++;
        } else if (!strcmp(a, "--vaults")) {
            if (parse_count(a, v, 99999999, &o.vaults))
                return 2;
            i++;
        } else if (!strcmp(a, "--exceptions")) {
            if (parse_count(a, v, 10000000, &o.exceptions))
                return 2;
            i++;
        } else if (!strcmp(a, "--vault-pages")) {
            if (parse_count(a, v, 999, &o.pages))
                return 2;
            i++;
        } else if (!strcmp(a, "--seed")) {
            if (parse_count(a, v, UINT64_MAX, &seed))
                return 2;
            o.seed = seed;
            i++;
        } else if (!strcmp(a, "--as-of")) {
            if (parse_date(v, &day)) {
                fprintf(stderr, "gen-tenant: --as-of wants YYYY-MM-DD\n");
                return 2;
            }
            o.as_of_day = day;
            i++;
        } else if (!strcmp(a, "--no-subscriptions-rg")) {
            o.rg = false;
        } else if (!strcmp(a, "--version")) {
            puts(GEN_VERSION);
            return 0;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "gen-tenant: unknown option %s\n", a);
            usage(stderr);
            return 2;
        } else if (o.out) {
            fprintf(stderr, "gen-tenant: one OUTDIR only\n");
            return 2;
        } else {
            o.out = a;
        }
    }
    if (!o.out || !*o.out) {
        usage(stderr);
        return 2;
    }
    if (o.subs == 0) {
        fprintf(stderr, "gen-tenant: --subs must be at least 1\n");
        return 2;
    }
    if (o.pages == 0 || (o.pages > 1 && o.pages > o.vaults)) {
        fprintf(stderr, "gen-tenant: --vault-pages wants 1 to --vaults "
                        "(at most 999)\n");
        return 2;
    }
    if (o.exceptions > o.subs) {
        fprintf(stderr, "gen-tenant: --exceptions cannot exceed --subs "
                        "(one entry per subscription)\n");
        return 2;
    }
    if (strlen(o.out) > 3000) {
        fprintf(stderr, "gen-tenant: OUTDIR path too long\n");
        return 2;
    }
    o.as_of = o.as_of_day * DAY;
    name_width = ndigits(o.subs, 4);
    vault_width = ndigits(o.vaults ? o.vaults - 1 : 0, 4);

    for (size_t t = 0; t < N_TENANTS; t++) {
        rng r = rng_for(o.seed, S_TENANT, t);
        make_guid(tenants[t].id, &r, (uint32_t)(0xfeed0000u + t));
    }
    subs = calloc((size_t)o.subs, sizeof *subs);
    holders = malloc((size_t)o.subs * sizeof *holders);
    cum = malloc((size_t)o.subs * sizeof *cum);
    if (!subs || !holders || !cum) {
        fprintf(stderr, "gen-tenant: out of memory\n");
        goto done;
    }
    for (uint64_t i = 0; i < o.subs; i++) {
        draw_subscription(&o, &subs[i], i);
        if (subs[i].enabled && subs[i].weight) {
            total += subs[i].weight;
            holders[n_holders] = i;
            cum[n_holders++] = total;
        }
    }
    /* Every enabled subscription drew "no vaults": give them to the first
     * enabled one rather than fail on a tiny estate. */
    for (uint64_t i = 0; i < o.subs && n_holders == 0; i++) {
        if (subs[i].enabled) {
            holders[0] = i;
            cum[0] = 1;
            n_holders = 1;
        }
    }
    if (o.vaults && n_holders == 0) {
        fprintf(stderr, "gen-tenant: no enabled subscription to hold the "
                        "vaults (try another --seed or more --subs)\n");
        goto done;
    }
    if (make_dirs(o.out) || write_accounts(&o, subs))
        goto done;
    for (uint64_t i = 0; i < o.subs; i++)
        if (subs[i].dump && write_pricing(&o, &subs[i], i))
            goto done;
    if (o.rg && write_subscriptions_rg(&o, subs))
        goto done;
    if (write_vaults(&o, subs, holders, cum, n_holders) ||
        write_exceptions(&o, subs))
        goto done;
    rc = 0;
done:
    free(subs);
    free(holders);
    free(cum);
    return rc;
}

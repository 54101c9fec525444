#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../text.h"
#include "detect.h"
#include "readers.h"

#define PRICINGS_PATH "/providers/Microsoft.Security/pricings/"

/* What the id of a pricing says. */
typedef struct pricing_id {
    char sub[37];
    kva_pricing_scope scope;
    const char *scope_id; /* RG name or resource id inside the id string */
    size_t scope_len;
    const char *plan; /* last segment */
    size_t plan_len;
} pricing_id;

/* Number of '/'-separated segments in s[0..len), which starts with '/'. */
static size_t segments(const char *s, size_t len)
{
    size_t n = 0;

    for (size_t i = 0; i < len; i++)
        if (s[i] == '/')
            n++;
    return n;
}

/*
 * Split a pricing id:
 *   /subscriptions/G/providers/Microsoft.Security/pricings/PLAN
 *   /subscriptions/G/resourceGroups/RG/providers/Microsoft.Security/pricings/X
 *   /subscriptions/G/[resourceGroups/RG/]providers/NS/TYPE/NAME[/...]
 *       /providers/Microsoft.Security/pricings/PLAN
 * Returns NULL, or why the id cannot be used (a phrase after "id ...").
 */
static const char *parse_id(const char *id, pricing_id *out)
{
    const char *problem = kva_id_problem(id), *seg, *p, *rest;
    size_t len, rest_len;

    if (problem)
        return problem;
    if (!kva_id_sub_segment(id, &seg, &len))
        return "does not start with /subscriptions/";
    if (!kva_guid_copy(seg, len, out->sub))
        return "names a subscription that is not a GUID";
    p = kva_ci_find_last(id, PRICINGS_PATH);
    if (!p)
        return "is not the id of a Defender pricing";
    out->plan = p + strlen(PRICINGS_PATH);
    out->plan_len = strlen(out->plan);
    if (!out->plan_len || strchr(out->plan, '/'))
        return "is not the id of a Defender pricing";
    rest = seg + len;
    if (p < rest)
        return "is not the id of a Defender pricing";
    rest_len = (size_t)(p - rest);
    if (rest_len == 0) {
        out->scope = KVA_SCOPE_SUBSCRIPTION;
        out->scope_id = NULL;
        out->scope_len = 0;
        return NULL;
    }
    if (kva_strncasecmp(rest, "/resourceGroups/", 16) == 0 &&
        segments(rest, rest_len) == 2) {
        out->scope = KVA_SCOPE_RESOURCE_GROUP;
        out->scope_id = rest + 16;
        out->scope_len = rest_len - 16;
        return NULL;
    }
    /* A resource: [/resourceGroups/RG]/providers/NS/TYPE/NAME..., with at
     * least namespace, type and name after "providers". */
    if (kva_strncasecmp(rest, "/resourceGroups/", 16) == 0) {
        const char *after = strchr(rest + 16, '/');
        if (!after || after >= p)
            return "names no subscription, resource group or resource scope";
        rest_len -= (size_t)(after - rest);
        rest = after;
    }
    if (kva_strncasecmp(rest, "/providers/", 11) != 0 ||
        segments(rest, rest_len) < 4)
        return "names no subscription, resource group or resource scope";
    out->scope = KVA_SCOPE_RESOURCE;
    out->scope_id = id;
    out->scope_len = (size_t)(p - id);
    return NULL;
}

/* PowerShell 5.1's ConvertTo-Json writes a DateTime as "/Date(ms)/"
 * (with an optional +hhmm that does not change the instant). */
static bool ms_date(const char *s, int64_t *epoch)
{
    const char *p;
    int64_t ms = 0;
    bool neg = false;
    int digits = 0;

    if (strncmp(s, "/Date(", 6) != 0)
        return false;
    p = s + 6;
    if (*p == '-') {
        neg = true;
        p++;
    }
    for (; *p >= '0' && *p <= '9'; p++) {
        if (++digits > 15)
            return false;
        ms = ms * 10 + (*p - '0');
    }
    if (!digits)
        return false;
    if (*p == '+' || *p == '-') {
        p++;
        for (int i = 0; i < 4; i++, p++)
            if (*p < '0' || *p > '9')
                return false;
    }
    if (strcmp(p, ")/") != 0)
        return false;
    if (neg)
        ms = -ms;
    /* floor division: an instant before 1970 rounds toward the past */
    *epoch = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
    return true;
}

static kva_error read_time(const kva_rec *rec, const cJSON *json,
                           const char *name, int64_t *out)
{
    const cJSON *holder;
    const cJSON *item = kva_field_nested(json, name, &holder);
    char *q;
    kva_error e;

    if (!item || cJSON_IsNull(item))
        return KVA_OK;
    if (!cJSON_IsString(item))
        return kva_rec_type_error(rec, holder, item, "a string");
    if (kva_time_parse(item->valuestring, out) ||
        ms_date(item->valuestring, out))
        return KVA_OK;
    q = kva_quote60(item->valuestring);
    if (!q)
        return KVA_ERR_NOMEM;
    e = kva_rec_fail(rec, holder, item, "not a time: %s", q);
    free(q);
    return e;
}

/* A number that can become whole seconds without overflow. */
static bool seconds_from(double v, double per_second, int64_t *out)
{
    double s;

    if (!isfinite(v))
        return false;
    s = v / per_second;
    if (s > 9.0e15 || s < -9.0e15)
        return false;
    *out = (int64_t)s;
    return true;
}

/*
 * freeTrialRemainingTime: ISO 8601 or Python's timedelta text, or the
 * TimeSpan object PowerShell writes (Ticks are 100 ns). A negative time
 * left means none left.
 */
static kva_error read_trial(const kva_rec *rec, const cJSON *json, int64_t *out)
{
    const cJSON *holder;
    const cJSON *item =
        kva_field_nested(json, "freeTrialRemainingTime", &holder);
    int64_t secs = 0;
    char *q;
    kva_error e;

    if (!item || cJSON_IsNull(item))
        return KVA_OK;
    if (cJSON_IsString(item)) {
        if (!kva_duration_parse(item->valuestring, &secs)) {
            q = kva_quote60(item->valuestring);
            if (!q)
                return KVA_ERR_NOMEM;
            e = kva_rec_fail(rec, holder, item, "not a duration: %s", q);
            free(q);
            return e;
        }
    } else if (cJSON_IsObject(item)) {
        const cJSON *ticks = kva_field(item, "Ticks");
        const cJSON *total = kva_field(item, "TotalSeconds");
        if (!(cJSON_IsNumber(ticks) &&
              seconds_from(ticks->valuedouble, 1e7, &secs)) &&
            !(cJSON_IsNumber(total) &&
              seconds_from(total->valuedouble, 1.0, &secs)))
            return kva_rec_fail(rec, holder, item,
                                "a TimeSpan object without a usable "
                                "\"Ticks\" or \"TotalSeconds\"");
    } else {
        return kva_rec_type_error(rec, holder, item, "a string");
    }
    *out = secs < 0 ? 0 : secs;
    return KVA_OK;
}

/* deprecated, inherited: a boolean, or "True"/"False" as some API
 * versions write. */
static kva_error read_bool(const kva_rec *rec, const cJSON *json,
                           const char *name, int *out)
{
    const cJSON *holder;
    const cJSON *item = kva_field_nested(json, name, &holder);
    char *q;
    kva_error e;

    if (!item || cJSON_IsNull(item))
        return KVA_OK;
    if (cJSON_IsBool(item)) {
        *out = cJSON_IsTrue(item) ? 1 : 0;
        return KVA_OK;
    }
    if (!cJSON_IsString(item))
        return kva_rec_type_error(rec, holder, item, "a boolean");
    if (kva_strcasecmp(item->valuestring, "true") == 0) {
        *out = 1;
        return KVA_OK;
    }
    if (kva_strcasecmp(item->valuestring, "false") == 0) {
        *out = 0;
        return KVA_OK;
    }
    q = kva_quote60(item->valuestring);
    if (!q)
        return KVA_ERR_NOMEM;
    e = kva_rec_fail(rec, holder, item, "expected true or false, found %s", q);
    free(q);
    return e;
}

kva_error kva_read_pricing(const kva_rec *rec, const cJSON *json)
{
    kva_pricing p = {0};
    char *id = NULL, *name = NULL, *subid = NULL, *q = NULL;
    char sub_guid[37];
    pricing_id pid;
    bool have_id = false, sub_ok;
    const char *why;
    kva_error e;

    p.trial_remaining_s = KVA_UNKNOWN_SECONDS;
    p.enablement_time = KVA_UNKNOWN_TIME;
    p.deprecated = -1;
    p.inherited = -1;
    p.scope = KVA_SCOPE_SUBSCRIPTION;
    p.input = rec->input;
    p.line = rec->line;
    p.col = rec->col;

    if ((e = kva_rec_string(rec, json, "id", false, true, &id)) ||
        (e = kva_rec_string(rec, json, "name", false, true, &name)) ||
        (e = kva_rec_string(rec, json, "subscriptionId", true, true, &subid)) ||
        (e = kva_rec_string(rec, json, "pricingTier", true, false, &p.tier)) ||
        (e = kva_rec_string(rec, json, "subPlan", true, true, &p.sub_plan)) ||
        (e = read_trial(rec, json, &p.trial_remaining_s)) ||
        (e = read_time(rec, json, "enablementTime", &p.enablement_time)) ||
        (e = read_bool(rec, json, "deprecated", &p.deprecated)) ||
        (e = read_bool(rec, json, "inherited", &p.inherited)))
        goto done;

    sub_ok = subid && kva_guid_copy(subid, strlen(subid), sub_guid);
    if (id) {
        why = parse_id(id, &pid);
        if (why) {
            if (!(q = kva_quote60(id))) {
                e = KVA_ERR_NOMEM;
                goto done;
            }
            e = kva_rec_skip(rec, "id %s %s", q, why);
            goto done;
        }
        have_id = true;
        e = kva_rec_check_subscription_id(rec, pid.sub, subid, sub_ok,
                                          sub_guid);
        if (e != KVA_OK)
            goto done;
        memcpy(sub_guid, pid.sub, sizeof sub_guid);
        p.scope = pid.scope;
        if (pid.scope != KVA_SCOPE_SUBSCRIPTION) {
            p.resource_id = strndup(pid.scope_id, pid.scope_len);
            if (!p.resource_id) {
                e = KVA_ERR_NOMEM;
                goto done;
            }
        }
    } else if (!subid) {
        e = kva_rec_skip(rec, "no subscription: neither \"id\" nor "
                              "\"subscriptionId\" is given");
        goto done;
    } else if (!sub_ok) {
        if (!(q = kva_quote60(subid))) {
            e = KVA_ERR_NOMEM;
            goto done;
        }
        e = kva_rec_skip(rec, "subscriptionId %s is not a GUID", q);
        goto done;
    }

    /* The id is what Azure resolves; a `name` that says another plan is
     * the odd one out. */
    if (have_id) {
        if (name && pid.scope != KVA_SCOPE_RESOURCE_GROUP &&
            (strlen(name) != pid.plan_len ||
             kva_strncasecmp(name, pid.plan, pid.plan_len) != 0)) {
            if (!(q = kva_quote60(name))) {
                e = KVA_ERR_NOMEM;
                goto done;
            }
            e = kva_rec_warn(rec, "id_mismatch", sub_guid,
                             "name %s differs from the plan in the id "
                             "(%.*s); the id's is used",
                             q, (int)pid.plan_len, pid.plan);
            if (e != KVA_OK)
                goto done;
        }
        p.plan = strndup(pid.plan, pid.plan_len);
        if (!p.plan) {
            e = KVA_ERR_NOMEM;
            goto done;
        }
    } else if (name) {
        p.plan = name;
        name = NULL;
    } else {
        e = kva_rec_skip(rec, "no plan: neither \"name\" nor \"id\" is given");
        goto done;
    }

    p.sub_id = strdup(sub_guid);
    if (!p.sub_id) {
        e = KVA_ERR_NOMEM;
        goto done;
    }
    if (!kva_model_touch_sub(rec->m, sub_guid, rec->input)) {
        e = KVA_ERR_NOMEM;
        goto done;
    }
    e = kva_model_add_pricing(rec->m, &p);
done:
    kva_pricing_clear(&p);
    free(id);
    free(name);
    free(subid);
    free(q);
    return e;
}

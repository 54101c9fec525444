#include "detect.h"

#include <string.h>

#include "../text.h"

#define PRICINGS_PATH "/providers/Microsoft.Security/pricings/"
#define VAULTS_PATH "/providers/Microsoft.KeyVault/vaults/"

const cJSON *kva_field(const cJSON *obj, const char *name)
{
    if (!cJSON_IsObject(obj))
        return NULL;
    for (const cJSON *c = obj->child; c; c = c->next)
        if (c->string && kva_strcasecmp(c->string, name) == 0)
            return c;
    return NULL;
}

const cJSON *kva_field_nested(const cJSON *rec, const char *name,
                              const cJSON **holder)
{
    const cJSON *v = kva_field(rec, name);
    const cJSON *props;

    if (holder)
        *holder = NULL;
    if (v && !cJSON_IsNull(v))
        return v;
    props = kva_field(rec, "properties");
    if (cJSON_IsObject(props)) {
        const cJSON *pv = kva_field(props, name);
        if (pv && !cJSON_IsNull(pv)) {
            if (holder)
                *holder = props;
            return pv;
        }
    }
    return v;
}

const char *kva_json_type_name(const cJSON *item)
{
    if (!item || cJSON_IsNull(item))
        return "null";
    if (cJSON_IsBool(item))
        return "a boolean";
    if (cJSON_IsNumber(item))
        return "a number";
    if (cJSON_IsString(item))
        return "a string";
    if (cJSON_IsArray(item))
        return "an array";
    return "an object";
}

const char *kva_ci_find_last(const char *hay, const char *needle)
{
    size_t hn = strlen(hay), nn = strlen(needle);
    const char *found = NULL;

    if (nn > hn)
        return NULL;
    for (size_t i = 0; i + nn <= hn; i++)
        if (kva_strncasecmp(hay + i, needle, nn) == 0)
            found = hay + i;
    return found;
}

const char *kva_id_problem(const char *id)
{
    const char *seg;

    if (id[0] != '/')
        return "does not start with '/'";
    for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            return "contains a control character";
        if (*p == '\\')
            return "contains a backslash";
        if (*p == '?' || *p == '#' || *p == '%')
            return "contains '?', '#' or '%'";
    }
    seg = id + 1;
    for (;;) {
        const char *end = strchr(seg, '/');
        size_t n = end ? (size_t)(end - seg) : strlen(seg);

        if (n == 0)
            return "contains an empty segment ('//' or a trailing '/')";
        if ((n == 1 && seg[0] == '.') ||
            (n == 2 && seg[0] == '.' && seg[1] == '.'))
            return "contains a '.' or '..' segment";
        if (!end)
            return NULL;
        seg = end + 1;
    }
}

bool kva_id_sub_segment(const char *id, const char **seg, size_t *len)
{
    static const char prefix[] = "/subscriptions/";
    const char *s, *end;

    if (kva_strncasecmp(id, prefix, sizeof prefix - 1) != 0)
        return false;
    s = id + sizeof prefix - 1;
    end = strchr(s, '/');
    *seg = s;
    *len = end ? (size_t)(end - s) : strlen(s);
    return true;
}

bool kva_guid_copy(const char *s, size_t len, char out[37])
{
    if (len != 36)
        return false;
    memcpy(out, s, 36);
    out[36] = '\0';
    if (!kva_is_guid(out))
        return false;
    kva_str_lower(out);
    return true;
}

bool kva_id_is_sub(const char *id, char out[37])
{
    const char *seg;
    size_t len;

    if (kva_guid_copy(id, strlen(id), out))
        return true;
    if (!kva_id_sub_segment(id, &seg, &len) || seg[len] != '\0')
        return false;
    return kva_guid_copy(seg, len, out);
}

bool kva_id_is_vault(const char *id)
{
    const char *p = kva_ci_find_last(id, VAULTS_PATH);

    if (!p)
        return false;
    p += strlen(VAULTS_PATH);
    return *p && !strchr(p, '/');
}

bool kva_id_resource_group(const char *id, const char **rg, size_t *len)
{
    static const char word[] = "/resourceGroups/";
    const char *seg, *end;
    size_t n;

    if (!kva_id_sub_segment(id, &seg, &n) || seg[n] != '/')
        return false;
    seg += n;
    if (kva_strncasecmp(seg, word, sizeof word - 1) != 0)
        return false;
    seg += sizeof word - 1;
    end = strchr(seg, '/');
    n = end ? (size_t)(end - seg) : strlen(seg);
    if (!n)
        return false;
    *rg = seg;
    *len = n;
    return true;
}

const char *kva_id_last_segment(const char *id, size_t *len)
{
    const char *slash = strrchr(id, '/');
    const char *s = slash ? slash + 1 : id;

    *len = strlen(s);
    return s;
}

/* Has a member `name` (top level or in properties) that is not null. */
static bool has(const cJSON *rec, const char *name)
{
    const cJSON *v = kva_field_nested(rec, name, NULL);
    return v && !cJSON_IsNull(v);
}

static kva_rec_kind by_type(const char *type)
{
    if (kva_strcasecmp(type, "microsoft.security/pricings") == 0)
        return KVA_REC_PRICING;
    if (kva_strcasecmp(type, "microsoft.resources/subscriptions") == 0)
        return KVA_REC_SUBSCRIPTION;
    if (kva_strcasecmp(type, "microsoft.keyvault/vaults") == 0)
        return KVA_REC_VAULT;
    return KVA_REC_OTHER;
}

/* Keys of Microsoft Graph / Azure AD directory objects (`az ad group|user|
 * sp list`): their ids are bare GUIDs too, but they are never
 * subscriptions. A key counts even when its value is null (Graph writes
 * "mail": null). */
static bool graph_object(const cJSON *rec)
{
    static const char *const keys[] = {
        "securityEnabled", "mailEnabled",          "userPrincipalName",
        "appId",           "servicePrincipalType", "mail",
        "objectType",      "deletedDateTime"};

    for (const cJSON *c = rec->child; c; c = c->next) {
        if (!c->string)
            continue;
        if (kva_strncasecmp(c->string, "@odata.", 7) == 0 ||
            kva_strncasecmp(c->string, "odata.", 6) == 0)
            return true;
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
            if (kva_strcasecmp(c->string, keys[i]) == 0)
                return true;
    }
    return false;
}

/*
 * A record with a bare GUID id and no type is a subscription only when it
 * reads like one: `state` and a field that only subscription listings
 * (az account list/show, azureProfile.json, Get-AzSubscription) carry.
 */
static bool subscription_markers(const cJSON *rec)
{
    static const char *const keys[] = {"tenantId",
                                       "homeTenantId",
                                       "isDefault",
                                       "cloudName",
                                       "environmentName",
                                       "subscriptionId",
                                       "subscriptionPolicies",
                                       "authorizationSource"};

    if (!has(rec, "state"))
        return false;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (has(rec, keys[i]))
            return true;
    return false;
}

kva_rec_kind kva_detect(const cJSON *rec)
{
    const cJSON *type, *id;
    const char *ids;
    char guid[37];

    if (!cJSON_IsObject(rec))
        return KVA_REC_OTHER;
    type = kva_field(rec, "type");
    if (type && !cJSON_IsNull(type))
        return cJSON_IsString(type) ? by_type(type->valuestring)
                                    : KVA_REC_OTHER;

    /* No type: the shape of the id decides, then PowerShell's keys. */
    id = kva_field(rec, "id");
    ids = cJSON_IsString(id) ? id->valuestring : NULL;
    if (ids && kva_ci_find_last(ids, PRICINGS_PATH))
        return KVA_REC_PRICING;
    if (ids && kva_id_is_vault(ids))
        return KVA_REC_VAULT;
    if (ids && kva_id_is_sub(ids, guid) && !graph_object(rec)) {
        /* "/subscriptions/GUID" is an ARM id: only subscriptions have it. */
        if (ids[0] == '/' ? (has(rec, "state") || has(rec, "name") ||
                             has(rec, "displayName") || has(rec, "tenantId") ||
                             has(rec, "subscriptionId"))
                          : subscription_markers(rec))
            return KVA_REC_SUBSCRIPTION;
    }
    if (has(rec, "pricingTier"))
        return KVA_REC_PRICING;
    return KVA_REC_OTHER;
}

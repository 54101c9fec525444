#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../text.h"
#include "detect.h"
#include "readers.h"

/*
 * properties.managementGroupAncestorsChain (Resource Graph
 * resourcecontainers): [{displayName, name}, ...], nearest first.
 */
static kva_error read_mgmt_groups(const kva_rec *rec, const cJSON *json,
                                  kva_sub *s)
{
    const cJSON *holder;
    const cJSON *chain =
        kva_field_nested(json, "managementGroupAncestorsChain", &holder);
    char *base = NULL, *elem = NULL;
    size_t n, i = 0, blen;
    kva_error e = KVA_OK;

    if (!chain || cJSON_IsNull(chain))
        return KVA_OK;
    if (!cJSON_IsArray(chain))
        return kva_rec_type_error(rec, holder, chain, "an array");
    n = (size_t)cJSON_GetArraySize(chain);
    if (!n)
        return KVA_OK;
    s->mgmt_groups = calloc(n, sizeof *s->mgmt_groups);
    s->mgmt_group_ids = calloc(n, sizeof *s->mgmt_group_ids);
    base = kva_rec_item_path(rec, holder, chain);
    if (!s->mgmt_groups || !s->mgmt_group_ids || !base)
        goto nomem;
    blen = strlen(base);
    elem = malloc(blen + 24);
    if (!elem)
        goto nomem;

    for (const cJSON *c = chain->child; c; c = c->next, i++) {
        kva_rec at = *rec; /* field paths below "...Chain[i]" */
        char *display = NULL, *id = NULL;

        if (cJSON_IsNull(c))
            continue;
        snprintf(elem, blen + 24, "%s[%zu]", base, i);
        at.jpath = elem;
        if (!cJSON_IsObject(c)) {
            e = kva_rec_fail(&at, NULL, NULL, "expected an object, found %s",
                             kva_json_type_name(c));
            goto done;
        }
        if ((e = kva_rec_string(&at, c, "displayName", false, true,
                                &display)) ||
            (e = kva_rec_string(&at, c, "name", false, true, &id))) {
            free(display);
            goto done;
        }
        /* An entry with neither field says nothing: nothing to keep. */
        if (!display && !id)
            continue;
        if (!display && !(display = strdup(id))) {
            free(id);
            goto nomem;
        }
        s->mgmt_groups[s->n_mgmt_groups] = display;
        s->mgmt_group_ids[s->n_mgmt_groups] = id;
        s->n_mgmt_groups++;
    }
    if (s->n_mgmt_groups == 0) { /* only entries that say nothing */
        free(s->mgmt_groups);
        free(s->mgmt_group_ids);
        s->mgmt_groups = s->mgmt_group_ids = NULL;
    }
    goto done;
nomem:
    e = KVA_ERR_NOMEM;
done:
    free(base);
    free(elem);
    return e;
}

kva_error kva_read_subscription(const kva_rec *rec, const cJSON *json)
{
    kva_sub s = {0};
    char *id = NULL, *subid = NULL, *display = NULL, *name = NULL;
    char *q = NULL;
    char from_id[37], from_sub[37];
    bool id_ok, sub_ok;
    kva_error e;

    s.input = rec->input;
    s.line = rec->line;
    s.col = rec->col;
    s.from_inventory = true;

    if ((e = kva_rec_string(rec, json, "id", false, true, &id)) ||
        (e = kva_rec_string(rec, json, "subscriptionId", true, true, &subid)) ||
        (e = kva_rec_string(rec, json, "displayName", true, true, &display)) ||
        (e = kva_rec_string(rec, json, "name", false, true, &name)) ||
        (e = kva_rec_string(rec, json, "tenantId", true, true, &s.tenant_id)) ||
        (e = kva_rec_string(rec, json, "state", true, true, &s.state)) ||
        (e = kva_rec_tags(rec, json, &s.tags)) ||
        (e = read_mgmt_groups(rec, json, &s)))
        goto done;

    id_ok = id && kva_id_is_sub(id, from_id);
    sub_ok = subid && kva_guid_copy(subid, strlen(subid), from_sub);
    if (id_ok) {
        e = kva_rec_check_subscription_id(rec, from_id, subid, sub_ok,
                                          from_sub);
        if (e != KVA_OK)
            goto done;
    }
    if (!id_ok && !sub_ok) {
        const char *what = subid ? subid : id;
        if (!what) {
            e = kva_rec_skip(rec, "no subscription id: neither "
                                  "\"subscriptionId\" nor \"id\" is given");
            goto done;
        }
        if (!(q = kva_quote60(what))) {
            e = KVA_ERR_NOMEM;
            goto done;
        }
        e = kva_rec_skip(rec, "%s %s is not a subscription GUID",
                         subid ? "subscriptionId" : "id", q);
        goto done;
    }
    s.id = strdup(id_ok ? from_id : from_sub);
    if (!s.id) {
        e = KVA_ERR_NOMEM;
        goto done;
    }
    if (s.tenant_id)
        kva_str_lower(s.tenant_id);
    if (display) {
        s.name = display;
        display = NULL;
    } else {
        s.name = name;
        name = NULL;
    }
    e = kva_model_add_sub(rec->m, &s);
done:
    kva_sub_clear(&s);
    free(id);
    free(subid);
    free(display);
    free(name);
    free(q);
    return e;
}

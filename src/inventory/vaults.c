#include <stdlib.h>
#include <string.h>

#include "../text.h"
#include "detect.h"
#include "readers.h"

kva_error kva_read_vault(const kva_rec *rec, const cJSON *json)
{
    kva_vault v = {0};
    char *subid = NULL, *q = NULL;
    char from_id[37], from_sub[37];
    const char *seg, *why;
    size_t len;
    bool id_has_sub, id_ok = false, sub_ok;
    kva_error e;

    v.input = rec->input;
    v.line = rec->line;
    v.col = rec->col;

    if ((e = kva_rec_string(rec, json, "id", false, true, &v.id)) ||
        (e = kva_rec_string(rec, json, "name", false, true, &v.name)) ||
        (e = kva_rec_string(rec, json, "resourceGroup", true, true,
                            &v.resource_group)) ||
        (e = kva_rec_string(rec, json, "location", false, true, &v.location)) ||
        (e = kva_rec_string(rec, json, "subscriptionId", true, true, &subid)) ||
        (e = kva_rec_tags(rec, json, &v.tags)))
        goto done;

    /* The id is what identifies a vault (and what a remediation command
     * would name): without a clean one the record cannot be used. */
    if (!v.id) {
        e = kva_rec_skip(rec, "a key vault without an \"id\"");
        goto done;
    }
    why = kva_id_problem(v.id);
    if (why) {
        if (!(q = kva_quote60(v.id))) {
            e = KVA_ERR_NOMEM;
            goto done;
        }
        e = kva_rec_skip(rec, "id %s %s", q, why);
        goto done;
    }
    id_has_sub = kva_id_sub_segment(v.id, &seg, &len);
    if (id_has_sub) {
        id_ok = kva_guid_copy(seg, len, from_id);
        if (!id_ok) {
            if (!(q = kva_quote60(v.id))) {
                e = KVA_ERR_NOMEM;
                goto done;
            }
            e = kva_rec_skip(
                rec, "id %s names a subscription that is not a GUID", q);
            goto done;
        }
    }
    sub_ok = subid && kva_guid_copy(subid, strlen(subid), from_sub);
    if (id_ok) {
        e = kva_rec_check_subscription_id(rec, from_id, subid, sub_ok,
                                          from_sub);
        if (e != KVA_OK)
            goto done;
    }
    if (!id_ok && !sub_ok) {
        if (subid && !(q = kva_quote60(subid))) {
            e = KVA_ERR_NOMEM;
            goto done;
        }
        e = subid ? kva_rec_skip(rec, "subscriptionId %s is not a GUID", q)
                  : kva_rec_skip(rec, "no subscription: the id names none "
                                      "and \"subscriptionId\" is absent");
        goto done;
    }
    v.sub_id = strdup(id_ok ? from_id : from_sub);
    if (!v.sub_id) {
        e = KVA_ERR_NOMEM;
        goto done;
    }
    if (!v.name) {
        const char *last = kva_id_last_segment(v.id, &len);
        if (!(v.name = strndup(last, len))) {
            e = KVA_ERR_NOMEM;
            goto done;
        }
    }
    if (!v.resource_group) {
        const char *rg;
        if (kva_id_resource_group(v.id, &rg, &len) &&
            !(v.resource_group = strndup(rg, len))) {
            e = KVA_ERR_NOMEM;
            goto done;
        }
    }
    if (!kva_model_touch_sub(rec->m, v.sub_id, rec->input)) {
        e = KVA_ERR_NOMEM;
        goto done;
    }
    e = kva_model_add_vault(rec->m, &v);
done:
    kva_vault_clear(&v);
    free(subid);
    free(q);
    return e;
}

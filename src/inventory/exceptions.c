#include <stdlib.h>
#include <string.h>

#include "../text.h"
#include "detect.h"
#include "readers.h"

/*
 * A required string of an exceptions entry. The register is the auditor's
 * own document, so it is held to its schema: missing, null, empty or of
 * another type is an input error naming the entry.
 */
static kva_error required(const kva_rec *rec, const cJSON *json,
                          const char *name, char **out)
{
    const cJSON *item = kva_field(json, name);

    *out = NULL;
    if (!item || cJSON_IsNull(item))
        return kva_rec_fail(rec, NULL, NULL, "missing \"%s\"", name);
    if (!cJSON_IsString(item))
        return kva_rec_type_error(rec, NULL, item, "a string");
    if (!*item->valuestring)
        return kva_rec_fail(rec, NULL, item, "must not be empty");
    return kva_rec_copy(rec, NULL, item, out);
}

kva_error kva_read_exception(const kva_rec *rec, const cJSON *json)
{
    kva_exception x = {0};
    char *q = NULL;
    kva_error e;

    x.input = rec->input;
    x.line = rec->line;
    x.col = rec->col;
    x.expires_day = KVA_UNKNOWN_TIME;

    if (!cJSON_IsObject(json))
        return kva_rec_fail(rec, NULL, NULL, "expected an object, found %s",
                            kva_json_type_name(json));
    if ((e = required(rec, json, "subscription_id", &x.sub_id)) ||
        (e = required(rec, json, "reason", &x.reason)) ||
        (e = required(rec, json, "owner", &x.owner)) ||
        (e = required(rec, json, "expires", &x.expires)) ||
        (e = kva_rec_string(rec, json, "ticket", false, true, &x.ticket)))
        goto done;
    if (!kva_date_parse(x.expires, &x.expires_day)) {
        if (!(q = kva_quote60(x.expires))) {
            e = KVA_ERR_NOMEM;
            goto done;
        }
        e = kva_rec_fail(rec, NULL, kva_field(json, "expires"),
                         "not a date (YYYY-MM-DD): %s", q);
        goto done;
    }
    if (kva_is_guid(x.sub_id))
        kva_str_lower(x.sub_id);
    e = kva_model_add_exception(rec->m, &x);
done:
    kva_exception_clear(&x);
    free(q);
    return e;
}

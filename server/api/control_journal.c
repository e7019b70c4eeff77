/*
 * control_journal.c - the request journal: GET /mock/requests (filtered,
 * counted, newest or oldest first; format=har and format=ndjson hand over to
 * control_journal_export.c) and DELETE /mock/requests. What goes into the
 * journal is control_journal_record() in control_hooks.c.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../core/clock.h"
#include "../core/utf8.h"
#include "../store/control_store.h"
#include "api.h"
#include "app.h"
#include "control_body.h"
#include "control_journal.h"
#include "control_routes.h"

#define JOURNAL_LIMIT_DEFAULT 100
#define JOURNAL_LIMIT_MAX 10000

/* Adds text recorded from a request as a string (null for NULL); bytes that
 * are not UTF-8 become '?', so the answer is always valid JSON text. */
static int add_recorded(cJSON *o, const char *key, const char *v)
{
    if (!v)
        return cJSON_AddNullToObject(o, key) != NULL;
    if (utf8_valid(v))
        return cJSON_AddStringToObject(o, key, v) != NULL;
    char *copy = strdup(v);
    if (!copy)
        return 0;
    utf8_scrub(copy);
    int ok = cJSON_AddStringToObject(o, key, copy) != NULL;
    free(copy);
    return ok;
}

cJSON *control_journal_row(const struct store_journal *j)
{
    cJSON *o = cJSON_CreateObject();
    int ok = o && cJSON_AddNumberToObject(o, "id", (double)j->id) &&
             control_add_time(o, "time", j->at_ms, 1) &&
             add_recorded(o, "method", j->method ? j->method : "") &&
             add_recorded(o, "path", j->path ? j->path : "") &&
             add_recorded(o, "query", j->query ? j->query : "") &&
             control_add_str(o, "operation", j->operation) &&
             control_add_str(o, "version", j->version) &&
             add_recorded(o, "clientId", j->client_id) &&
             cJSON_AddNumberToObject(o, "status", j->status) &&
             cJSON_AddStringToObject(o, "trackingId", j->tracking_id ? j->tracking_id : "") &&
             cJSON_AddNumberToObject(o, "durationMs", (double)j->duration_us / 1000.0);
    return control_json_done(o, ok);
}

static int add_journal(void *ud, const struct store_journal *j)
{
    return control_list_add(ud, control_journal_row(j));
}

/* format=json (the default), har or ndjson, into *format. */
static enum err parse_format(const struct api_req *rq, enum journal_format *format,
                             struct api_res *rs)
{
    static const char *const names[] = {"json", "har", "ndjson", NULL};
    const char *v = rq->query(rq, "format");
    *format = JOURNAL_JSON;
    for (int i = 0; v && names[i]; i++)
        if (strcmp(v, names[i]) == 0) {
            *format = (enum journal_format)i;
            return ERR_OK;
        }
    return v ? api_fail(rs, ERR_BAD_REQUEST,
                        "Query parameter 'format' must be json, har or ndjson.")
             : ERR_OK;
}

/* The query parameters that are not plain strings: status, limit, since,
 * order, and path (a trailing '*' makes it a prefix, copied into prefix).
 * The exports default to every row, oldest first. */
static enum err journal_filter(const struct api_req *rq, struct store_journal_filter *f,
                               enum journal_format format, char *prefix, size_t cap,
                               struct api_res *rs)
{
    static const char *const names[] = {"method", "path",    "operation",  "clientId",
                                        "status", "version", "trackingId", "since",
                                        "limit",  "order",   "format",     NULL};
    int whole = format != JOURNAL_JSON;
    int64_t status, limit;
    char list[256];
    enum err e = control_query_known(rq, names, rs);
    if (e != ERR_OK)
        return e;
    if (f->operation &&
        (!control_one_of(f->operation, control_operations) || strcmp(f->operation, "*") == 0)) {
        control_choices_text(control_operations, list, sizeof(list));
        return api_fail(rs, ERR_BAD_REQUEST,
                        "Query parameter 'operation' must be an operation: %s (not *).", list);
    }
    if ((e = control_query_whole(rq, "status", 100, 599, 0, &status, rs)) != ERR_OK ||
        (e = control_query_whole(rq, "limit", 0, whole ? INT32_MAX : JOURNAL_LIMIT_MAX,
                                 whole ? 0 : JOURNAL_LIMIT_DEFAULT, &limit, rs)) != ERR_OK)
        return e;
    f->status = (int)status;
    f->limit = (int)limit;
    const char *since = rq->query(rq, "since"), *order = rq->query(rq, "order");
    if (since && clock_parse(since, &f->since_ms) != 0)
        return api_fail(rs, ERR_BAD_REQUEST,
                        "Query parameter 'since' must be an RFC 3339 UTC date-time such as "
                        "2026-01-02T03:04:05.678Z.");
    if (order && strcmp(order, "asc") != 0 && strcmp(order, "desc") != 0)
        return api_fail(rs, ERR_BAD_REQUEST, "Query parameter 'order' must be asc or desc.");
    f->oldest_first = order ? strcmp(order, "asc") == 0 : whole;
    size_t n = f->path ? strlen(f->path) : 0;
    if (n >= cap)
        return api_fail(rs, ERR_BAD_REQUEST, "Query parameter 'path' is too long.");
    if (n > 0 && f->path[n - 1] == '*') {
        memcpy(prefix, f->path, n - 1);
        prefix[n - 1] = '\0';
        f->path = prefix;
        f->path_prefix = 1;
    }
    return ERR_OK;
}

/*
 * GET /mock/requests?method=&path=&operation=&clientId=&status=&version=
 * &trackingId=&since=&limit=&order=&format= : {"count": matching,
 * "requests": [...]}, or the HAR or NDJSON export of the same rows.
 */
enum err api_mock_requests_get(struct api_req *rq, struct api_res *rs)
{
    struct store_journal_filter f = {
        .method = rq->query(rq, "method"),
        .path = rq->query(rq, "path"),
        .operation = rq->query(rq, "operation"),
        .client_id = rq->query(rq, "clientId"),
        .version = rq->query(rq, "version"),
        .tracking_id = rq->query(rq, "trackingId"),
        .since_ms = INT64_MIN,
    };
    char prefix[1024];
    enum journal_format format;
    enum err e = parse_format(rq, &format, rs);
    if (e == ERR_OK)
        e = journal_filter(rq, &f, format, prefix, sizeof(prefix), rs);
    if (e != ERR_OK)
        return e;
    if (format != JOURNAL_JSON)
        return control_journal_export(rq, rs, &f, format);
    int64_t count = 0;
    cJSON *o = cJSON_CreateObject();
    struct control_list l = {NULL, 0};
    if (!o || !(l.arr = cJSON_CreateArray()) ||
        store_journal_find(rq->app->store, &f, &count, add_journal, &l) != 0 || l.failed ||
        !cJSON_AddNumberToObject(o, "count", (double)count) ||
        !cJSON_AddItemToObject(o, "requests", l.arr)) {
        cJSON_Delete(l.arr);
        cJSON_Delete(o);
        return ERR_INTERNAL;
    }
    return api_json(rs, 200, o);
}

/* DELETE /mock/requests: empties the journal. */
enum err api_mock_requests_delete(struct api_req *rq, struct api_res *rs)
{
    return store_journal_clear(rq->app->store) == 0 ? control_no_content(rs) : ERR_INTERNAL;
}

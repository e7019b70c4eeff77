/*
 * control.c - the control API under /mock/ that tests and demos use to steer
 * the mock: health, reset, the clock, report behaviours and the next-task
 * queue, injected faults, minted tokens, API clients, and what happened
 * (tasks, audit events, the request journal). These routes are not part of
 * the SailPoint contract and never appear under a versioned path.
 *
 * Bodies are JSON objects checked strictly: an unknown member, a wrong type
 * or a value out of range is a 400 naming the member. JSON null counts as
 * absent. Everything configured here lives in the database; the hooks that
 * act on ordinary requests are in control_hooks.c.
 */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../auth/jwt.h"
#include "../auth/limiter.h"
#include "../core/clock.h"
#include "../core/utf8.h"
#include "../reports/lifecycle.h"
#include "../reports/report.h"
#include "../store/control_store.h"
#include "api.h"
#include "app.h"

#define LIST_MAX 1000

enum err api_mock_health(struct api_req *rq, struct api_res *rs)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddStringToObject(o, "status", "ok") ||
        !cJSON_AddStringToObject(o, "version", rq->app->version ? rq->app->version : "") ||
        !cJSON_AddStringToObject(
            o, "clock", clock_mode(rq->app->clock) == CLOCK_MODE_VIRTUAL ? "virtual" : "real")) {
        cJSON_Delete(o);
        return ERR_INTERNAL;
    }
    return api_json(rs, 200, o);
}

/* Saves the virtual clock so a file database resumes from the same instant. */
static int clock_persist(struct app *app)
{
    char v[32];
    snprintf(v, sizeof(v), "%" PRId64, clock_now_ms(app->clock));
    return store_meta_set(app->store, "virtual_clock_ms", v);
}

static enum err clock_answer(struct app *app, struct api_res *rs)
{
    int64_t now = clock_now_ms(app->clock);
    char when[CLOCK_RFC3339_LEN];
    clock_format(now, when);
    cJSON *o = cJSON_CreateObject();
    if (!o ||
        !cJSON_AddStringToObject(
            o, "mode", clock_mode(app->clock) == CLOCK_MODE_VIRTUAL ? "virtual" : "real") ||
        !cJSON_AddStringToObject(o, "now", when) ||
        !cJSON_AddNumberToObject(o, "epochMs", (double)now)) {
        cJSON_Delete(o);
        return ERR_INTERNAL;
    }
    return api_json(rs, 200, o);
}

enum err api_mock_reset(struct api_req *rq, struct api_res *rs)
{
    if (store_reset(rq->app->store) != 0)
        return ERR_INTERNAL;
    limiter_reset(rq->app->limiter);
    if (clock_mode(rq->app->clock) == CLOCK_MODE_VIRTUAL) {
        clock_set(rq->app->clock, clock_wall_ms());
        if (clock_persist(rq->app) != 0)
            return ERR_INTERNAL;
    }
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddStringToObject(o, "status", "reset")) {
        cJSON_Delete(o);
        return ERR_INTERNAL;
    }
    return api_json(rs, 200, o);
}

/* GET reads the clock; POST {"advanceMs": N} | {"now": RFC3339} | {"epochMs": N} moves it. */
enum err api_mock_clock(struct api_req *rq, struct api_res *rs)
{
    struct app *app = rq->app;
    if (strcmp(rq->method, "GET") == 0)
        return clock_answer(app, rs);
    if (clock_mode(app->clock) != CLOCK_MODE_VIRTUAL)
        return api_fail(rs, ERR_BAD_REQUEST,
                        "The clock is real; start the server with --clock virtual to move it.");
    cJSON *body = cJSON_ParseWithLength(rq->body ? rq->body : "", rq->body_len);
    enum err e = ERR_OK;
    if (!cJSON_IsObject(body)) {
        e = api_fail(rs, ERR_BAD_REQUEST,
                     "Body must be a JSON object with advanceMs, now or epochMs.");
        goto out;
    }
    const cJSON *adv = cJSON_GetObjectItemCaseSensitive(body, "advanceMs");
    const cJSON *now = cJSON_GetObjectItemCaseSensitive(body, "now");
    const cJSON *epoch = cJSON_GetObjectItemCaseSensitive(body, "epochMs");
    if ((adv != NULL) + (now != NULL) + (epoch != NULL) != 1) {
        e = api_fail(rs, ERR_BAD_REQUEST, "Give exactly one of advanceMs, now or epochMs.");
        goto out;
    }
    if (adv) {
        if (!cJSON_IsNumber(adv) || adv->valuedouble != (double)(int64_t)adv->valuedouble ||
            adv->valuedouble < -1e15 || adv->valuedouble > 1e15 ||
            clock_advance(app->clock, (int64_t)adv->valuedouble) != 0) {
            e = api_fail(rs, ERR_BAD_REQUEST,
                         "advanceMs must be a whole number of milliseconds that keeps the "
                         "clock after 1970.");
            goto out;
        }
    } else if (now) {
        int64_t ms;
        if (!cJSON_IsString(now) || clock_parse(now->valuestring, &ms) != 0 ||
            clock_set(app->clock, ms) != 0) {
            e = api_fail(rs, ERR_BAD_REQUEST,
                         "now must be an RFC 3339 UTC date-time such as 2026-01-02T03:04:05.678Z.");
            goto out;
        }
    } else {
        if (!cJSON_IsNumber(epoch) || epoch->valuedouble < 0 ||
            epoch->valuedouble > 253402300799999.0 ||
            epoch->valuedouble != (double)(int64_t)epoch->valuedouble ||
            clock_set(app->clock, (int64_t)epoch->valuedouble) != 0) {
            e = api_fail(rs, ERR_BAD_REQUEST, "epochMs must be a whole number of milliseconds.");
            goto out;
        }
    }
    if (clock_persist(app) != 0) {
        e = ERR_INTERNAL;
        goto out;
    }
    e = clock_answer(app, rs);
out:
    cJSON_Delete(body);
    return e;
}

struct id_list {
    char (*ids)[STORE_ID_LEN];
    int n;
};

static int collect_id(void *ud, const struct store_task *t)
{
    struct id_list *l = ud;
    memcpy(l->ids[l->n++], t->id, STORE_ID_LEN);
    return l->n >= LIST_MAX;
}

static const char *const task_states[] = {"RUNNING", "SUCCESS",    "WARNING",
                                          "ERROR",   "TEMP_ERROR", "TERMINATED"};

/* Does task `t` pass the filters (NULL: any)? */
static int task_matches(const struct store_task *t, const char *type, const char *state,
                        const char *client_id)
{
    const char *now_state = lifecycle_done(t) ? t->completion_status : "RUNNING";
    return (!type || strcmp(t->report_type, type) == 0) &&
           (!state || strcmp(now_state, state) == 0) &&
           (!client_id || strcmp(t->client_id, client_id) == 0);
}

/* GET /mock/tasks?reportType=&status=&clientId= : newest first, at most 1000. */
enum err api_mock_tasks(struct api_req *rq, struct api_res *rs)
{
    const char *type = rq->query(rq, "reportType"), *state = rq->query(rq, "status");
    const char *client_id = rq->query(rq, "clientId");
    if (type && !report_type_find(type))
        return api_fail(rs, ERR_BAD_REQUEST, "Query parameter 'reportType' is not a report type.");
    if (state) {
        size_t i = 0, n = sizeof(task_states) / sizeof(task_states[0]);
        while (i < n && strcmp(task_states[i], state) != 0)
            i++;
        if (i == n)
            return api_fail(rs, ERR_BAD_REQUEST,
                            "Query parameter 'status' must be RUNNING, SUCCESS, WARNING, ERROR, "
                            "TEMP_ERROR or TERMINATED.");
    }
    struct id_list l = {calloc(LIST_MAX, STORE_ID_LEN), 0};
    cJSON *o = cJSON_CreateObject(), *arr = NULL;
    enum err e = ERR_INTERNAL;
    if (!l.ids || !o || !(arr = cJSON_AddArrayToObject(o, "tasks")))
        goto out;
    if (store_task_each(rq->app->store, LIST_MAX, collect_id, &l) != 0)
        goto out;
    int64_t now = clock_now_ms(rq->app->clock);
    for (int i = 0; i < l.n; i++) {
        struct store_task t;
        enum err ge = lifecycle_get(rq->app->store, l.ids[i], now, 0, &t);
        if (ge == ERR_NOT_FOUND)
            continue; /* reset in between */
        if (ge != ERR_OK)
            goto out;
        if (!task_matches(&t, type, state, client_id)) {
            store_task_clear(&t);
            continue;
        }
        cJSON *item = lifecycle_task_json(&t, rq->app->org, now);
        if (item)
            cJSON_AddItemToArray(arr, item); /* arr owns item from here */
        cJSON *args = item ? cJSON_Parse(t.arguments) : NULL;
        if (args)
            cJSON_AddItemToObject(item, "arguments", args);
        int ok = args && cJSON_AddStringToObject(item, "clientId", t.client_id) &&
                 cJSON_AddNumberToObject(item, "rows", (double)(t.rows > 0 ? t.rows : 0));
        store_task_clear(&t);
        if (!ok)
            goto out;
    }
    e = api_json(rs, 200, o);
    o = NULL;
out:
    cJSON_Delete(o);
    free(l.ids);
    return e;
}

struct audit_list {
    cJSON *arr;
    const char *task_id, *client_id, *report_type; /* filters; NULL: any */
};

static int add_audit(void *ud, const struct store_audit *a)
{
    struct audit_list *l = ud;
    if ((l->task_id && strcmp(a->task_id, l->task_id) != 0) ||
        (l->client_id && strcmp(a->client_id, l->client_id) != 0) ||
        (l->report_type && strcmp(a->report_type, l->report_type) != 0))
        return 0;
    cJSON *o = cJSON_CreateObject();
    char when[CLOCK_RFC3339_LEN];
    clock_format(a->at_ms, when);
    if (!o)
        return 1;
    cJSON_AddItemToArray(l->arr, o);
    cJSON_AddNumberToObject(o, "id", (double)a->id);
    cJSON_AddStringToObject(o, "time", when);
    cJSON_AddStringToObject(o, "clientId", a->client_id);
    cJSON_AddStringToObject(o, "userName", a->user_name);
    cJSON_AddStringToObject(o, "taskId", a->task_id);
    cJSON_AddStringToObject(o, "reportType", a->report_type);
    cJSON_AddStringToObject(o, "fileFormat", a->file_format);
    cJSON_AddStringToObject(o, "fileName", a->file_name);
    cJSON_AddStringToObject(o, "trackingId", a->tracking_id);
    return 0;
}

/* GET /mock/audit?taskId=&clientId=&reportType= : newest first. */
enum err api_mock_audit(struct api_req *rq, struct api_res *rs)
{
    struct audit_list l = {NULL, rq->query(rq, "taskId"), rq->query(rq, "clientId"),
                           rq->query(rq, "reportType")};
    cJSON *o = cJSON_CreateObject();
    if (!o || !(l.arr = cJSON_AddArrayToObject(o, "events")) ||
        store_audit_each(rq->app->store, LIST_MAX, add_audit, &l) != 0) {
        cJSON_Delete(o);
        return ERR_INTERNAL;
    }
    return api_json(rs, 200, o);
}

/* ------------------------------------------------------------------ */
/* Reading request bodies and query strings                             */

#define JSON_WHOLE_MAX 9007199254740992.0 /* 2^53: whole numbers a double holds exactly */

/* Parses the body as a JSON object into *out (caller deletes). */
static enum err body_object(const struct api_req *rq, struct api_res *rs, cJSON **out)
{
    *out = cJSON_ParseWithLength(rq->body ? rq->body : "", rq->body_len);
    if (cJSON_IsObject(*out))
        return ERR_OK;
    cJSON_Delete(*out);
    *out = NULL;
    return api_fail(rs, ERR_BAD_REQUEST, "The body must be a JSON object.");
}

/* Refuses members of `o` not in `allowed` (NULL-terminated). */
static enum err only_fields(const cJSON *o, const char *const *allowed, const char *where,
                            struct api_res *rs)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, o)
    {
        const char *const *a = allowed;
        while (*a && strcmp(*a, it->string) != 0)
            a++;
        if (!*a)
            return api_fail(rs, ERR_BAD_REQUEST, "Unknown field '%.64s'%s%s.", it->string,
                            where ? " in " : "", where ? where : "");
        for (const cJSON *before = o->child; before != it; before = before->next)
            if (strcmp(before->string, it->string) == 0)
                return api_fail(rs, ERR_BAD_REQUEST, "Field '%.64s' is given twice%s%s.",
                                it->string, where ? " in " : "", where ? where : "");
    }
    return ERR_OK;
}

/* Member `name`, or NULL when absent or JSON null. */
static const cJSON *member(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsNull(v) ? NULL : v;
}

/* Optional whole number in [min, max]; *given says whether it was there. */
static enum err opt_whole(const cJSON *o, const char *name, int64_t min, int64_t max, int64_t *out,
                          int *given, struct api_res *rs)
{
    const cJSON *v = member(o, name);
    *given = v != NULL;
    if (!v)
        return ERR_OK;
    double d = cJSON_IsNumber(v) ? v->valuedouble : NAN;
    if (!isfinite(d) || d != floor(d) || d < (double)min || d > (double)max)
        return api_fail(rs, ERR_BAD_REQUEST,
                        "Field '%s' must be a whole number from %" PRId64 " to %" PRId64 ".", name,
                        min, max);
    *out = (int64_t)d;
    return ERR_OK;
}

static enum err opt_bool(const cJSON *o, const char *name, int *out, int *given, struct api_res *rs)
{
    const cJSON *v = member(o, name);
    *given = v != NULL;
    if (!v)
        return ERR_OK;
    if (!cJSON_IsBool(v))
        return api_fail(rs, ERR_BAD_REQUEST, "Field '%s' must be true or false.", name);
    *out = cJSON_IsTrue(v);
    return ERR_OK;
}

/* Characters allowed in ids (client ids): they also travel in paths and forms. */
static int id_char(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           strchr("._~@:+-", c) != NULL;
}

/* Printable ASCII without space: secrets and scopes. */
static int token_char(int c)
{
    return c > 0x20 && c < 0x7f;
}

/* Checks a text value: 1..cap-1 bytes, UTF-8, no control characters, and
 * each byte passing `ok` when given. Returns a reason or NULL. */
static const char *text_problem(const char *v, size_t cap, int (*ok)(int c))
{
    size_t n = strlen(v);
    if (n == 0)
        return "must not be empty";
    if (n >= cap)
        return "is too long";
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if (*p < 0x20 || *p == 0x7f || (ok && !ok(*p)))
            return ok == id_char ? "may hold only letters, digits and . _ ~ @ : + -"
                                 : "holds a character that is not allowed";
    return utf8_valid(v) ? NULL : "is not valid UTF-8";
}

/* Optional text member copied into out[cap]. */
static enum err opt_text(const cJSON *o, const char *name, char *out, size_t cap, int (*ok)(int c),
                         int *given, struct api_res *rs)
{
    const cJSON *v = member(o, name);
    *given = v != NULL;
    if (!v)
        return ERR_OK;
    if (!cJSON_IsString(v))
        return api_fail(rs, ERR_BAD_REQUEST, "Field '%s' must be a string.", name);
    const char *why = text_problem(v->valuestring, cap, ok);
    if (why)
        return api_fail(rs, ERR_BAD_REQUEST, "Field '%s' %s (at most %zu bytes).", name, why,
                        cap - 1);
    snprintf(out, cap, "%s", v->valuestring);
    return ERR_OK;
}

/* Appends one scope word to out (space separated); -1 when it does not fit. */
static int scope_append(char *out, size_t cap, const char *word, size_t n)
{
    size_t len = strlen(out);
    if (len + (len > 0) + n >= cap)
        return -1;
    if (len > 0)
        out[len++] = ' ';
    memcpy(out + len, word, n);
    out[len + n] = '\0';
    return 0;
}

/* Optional "scopes": "a b" or ["a", "b"], normalised to single spaces. An
 * empty string or array gives no scopes. */
static enum err opt_scopes(const cJSON *o, char *out, size_t cap, int *given, struct api_res *rs)
{
    const cJSON *v = member(o, "scopes");
    char tmp[512] = "";
    *given = v != NULL;
    if (!v)
        return ERR_OK;
    if (cJSON_IsString(v)) {
        for (const char *p = v->valuestring; *p;) {
            while (*p == ' ')
                p++;
            size_t n = 0;
            while (p[n] && p[n] != ' ') {
                if (!token_char((unsigned char)p[n]))
                    return api_fail(rs, ERR_BAD_REQUEST,
                                    "Field 'scopes' holds a character that is not allowed.");
                n++;
            }
            if (n && scope_append(tmp, sizeof(tmp), p, n) != 0)
                goto too_long;
            p += n;
        }
    } else if (cJSON_IsArray(v)) {
        const cJSON *it;
        cJSON_ArrayForEach(it, v)
        {
            if (!cJSON_IsString(it) || text_problem(it->valuestring, sizeof(tmp), token_char))
                return api_fail(rs, ERR_BAD_REQUEST,
                                "Field 'scopes' must hold non-empty strings without spaces.");
            if (scope_append(tmp, sizeof(tmp), it->valuestring, strlen(it->valuestring)) != 0)
                goto too_long;
        }
    } else {
        return api_fail(rs, ERR_BAD_REQUEST,
                        "Field 'scopes' must be a string of space-separated scopes or an array "
                        "of strings.");
    }
    snprintf(out, cap, "%s", tmp);
    return ERR_OK;
too_long:
    return api_fail(rs, ERR_BAD_REQUEST, "Field 'scopes' is too long (at most %zu bytes).",
                    cap - 1);
}

/* A whole number query parameter in [min, max]; dflt when absent. */
static enum err query_whole(const struct api_req *rq, const char *key, int64_t min, int64_t max,
                            int64_t dflt, int64_t *out, struct api_res *rs)
{
    const char *v = rq->query(rq, key);
    *out = dflt;
    if (!v)
        return ERR_OK;
    char *end = NULL;
    long long n = strtoll(v, &end, 10);
    if (!*v || *end || n < min || n > max)
        return api_fail(rs, ERR_BAD_REQUEST,
                        "Query parameter '%s' must be a whole number from %" PRId64 " to %" PRId64
                        ".",
                        key, min, max);
    *out = n;
    return ERR_OK;
}

/* ------------------------------------------------------------------ */
/* Writing JSON                                                         */

static int add_str_or_null(cJSON *o, const char *key, const char *v)
{
    return (v && *v ? cJSON_AddStringToObject(o, key, v) : cJSON_AddNullToObject(o, key)) != NULL;
}

static int add_num_or_null(cJSON *o, const char *key, int64_t v, int present)
{
    return (present ? cJSON_AddNumberToObject(o, key, (double)v) : cJSON_AddNullToObject(o, key)) !=
           NULL;
}

static int add_time_or_null(cJSON *o, const char *key, int64_t ms, int present)
{
    char when[CLOCK_RFC3339_LEN];
    if (!present)
        return cJSON_AddNullToObject(o, key) != NULL;
    clock_format(ms, when);
    return cJSON_AddStringToObject(o, key, when) != NULL;
}

/* Adds member `key` parsed from JSON text (null when text is NULL). */
static int add_raw_json(cJSON *o, const char *key, const char *text)
{
    cJSON *v = text ? cJSON_Parse(text) : cJSON_CreateNull();
    if (!v || !cJSON_AddItemToObject(o, key, v)) {
        cJSON_Delete(v);
        return 0;
    }
    return 1;
}

/* A 204 answer with no body. */
static enum err no_content(struct api_res *rs)
{
    rs->status = 204;
    return ERR_OK;
}

/* ------------------------------------------------------------------ */
/* Report behaviours: /mock/reports                                     */

#define DURATION_MAX 31536000000LL /* a year, in ms */
#define POLLS_MAX 1000000
#define MESSAGES_MAX 20
#define MESSAGE_TEXT_MAX 1024

static const char *const outcomes[] = {"SUCCESS", "WARNING", "ERROR", "TEMP_ERROR", NULL};
static const char *const message_types[] = {"INFO", "WARN", "ERROR", NULL};

static int one_of(const char *v, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(v, *list) == 0)
            return 1;
    return 0;
}

/* Optional text member of a message, checked. */
static enum err message_text(const cJSON *m, const char *name, size_t i, const char **out,
                             struct api_res *rs)
{
    const cJSON *v = member(m, name);
    *out = NULL;
    if (!v)
        return ERR_OK;
    const char *why = cJSON_IsString(v) ? text_problem(v->valuestring, MESSAGE_TEXT_MAX, NULL)
                                        : "must be a string";
    if (why)
        return api_fail(rs, ERR_BAD_REQUEST, "Field 'messages[%zu].%s' %s (at most %d bytes).", i,
                        name, why, MESSAGE_TEXT_MAX - 1);
    *out = v->valuestring;
    return ERR_OK;
}

/* Checks one TaskResultDetails message and appends its full form to `out`. */
static enum err message_add(const cJSON *m, size_t i, cJSON *out, struct api_res *rs)
{
    static const char *const fields[] = {"type", "error", "warning", "key", "localizedText", NULL};
    char where[32];
    snprintf(where, sizeof(where), "messages[%zu]", i);
    if (!cJSON_IsObject(m))
        return api_fail(rs, ERR_BAD_REQUEST, "Field '%s' must be an object.", where);
    enum err e = only_fields(m, fields, where, rs);
    if (e != ERR_OK)
        return e;
    const cJSON *type = member(m, "type");
    if (!cJSON_IsString(type) || !one_of(type->valuestring, message_types))
        return api_fail(rs, ERR_BAD_REQUEST, "Field '%s.type' must be INFO, WARN or ERROR.", where);
    int error = strcmp(type->valuestring, "ERROR") == 0,
        warning = strcmp(type->valuestring, "WARN") == 0;
    int given;
    char name[48];
    snprintf(name, sizeof(name), "%s.error", where);
    if ((e = opt_bool(m, "error", &error, &given, rs)) != ERR_OK)
        return api_fail(rs, ERR_BAD_REQUEST, "Field '%s' must be true or false.", name);
    snprintf(name, sizeof(name), "%s.warning", where);
    if ((e = opt_bool(m, "warning", &warning, &given, rs)) != ERR_OK)
        return api_fail(rs, ERR_BAD_REQUEST, "Field '%s' must be true or false.", name);
    const char *key, *text;
    if ((e = message_text(m, "key", i, &key, rs)) != ERR_OK ||
        (e = message_text(m, "localizedText", i, &text, rs)) != ERR_OK)
        return e;
    if (!key && !text)
        return api_fail(rs, ERR_BAD_REQUEST, "Field '%s' needs a key or a localizedText.", where);
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return ERR_INTERNAL;
    cJSON_AddItemToArray(out, o);
    if (!cJSON_AddStringToObject(o, "type", type->valuestring) ||
        !cJSON_AddBoolToObject(o, "error", error) ||
        !cJSON_AddBoolToObject(o, "warning", warning) ||
        !cJSON_AddStringToObject(o, "key", key ? key : text) ||
        !cJSON_AddStringToObject(o, "localizedText", text ? text : key))
        return ERR_INTERNAL;
    return ERR_OK;
}

/* Optional "messages": an array of messages, normalised to JSON text in *out. */
static enum err opt_messages(const cJSON *o, char **out, struct api_res *rs)
{
    const cJSON *v = member(o, "messages");
    *out = NULL;
    if (!v)
        return ERR_OK;
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) > MESSAGES_MAX)
        return api_fail(rs, ERR_BAD_REQUEST,
                        "Field 'messages' must be an array of at most %d TaskResultDetails "
                        "messages.",
                        MESSAGES_MAX);
    cJSON *arr = cJSON_CreateArray();
    enum err e = arr ? ERR_OK : ERR_INTERNAL;
    size_t i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, v)
    {
        if (e != ERR_OK)
            break;
        e = message_add(it, i++, arr, rs);
    }
    if (e == ERR_OK && !(*out = cJSON_PrintUnformatted(arr)))
        e = ERR_INTERNAL;
    cJSON_Delete(arr);
    return e;
}

/*
 * Reads a behaviour body: durationMs or polls, outcome, messages, and for a
 * queued plan (`queue`) an optional reportType. Fills b (messages owned).
 */
static enum err parse_behaviour(const cJSON *body, int queue, struct store_behaviour *b,
                                struct api_res *rs)
{
    static const char *const fields[] = {"durationMs", "polls",      "outcome",
                                         "messages",   "reportType", NULL};
    static const char *const fields_type[] = {"durationMs", "polls", "outcome", "messages", NULL};
    int64_t duration = -1, polls = -1;
    int has_duration, has_polls;
    enum err e = only_fields(body, queue ? fields : fields_type, NULL, rs);
    if (e != ERR_OK)
        return e;
    if ((e = opt_whole(body, "durationMs", 0, DURATION_MAX, &duration, &has_duration, rs)) !=
            ERR_OK ||
        (e = opt_whole(body, "polls", 0, POLLS_MAX, &polls, &has_polls, rs)) != ERR_OK)
        return e;
    if (has_duration && has_polls)
        return api_fail(rs, ERR_BAD_REQUEST, "Give durationMs or polls, not both.");
    b->duration_ms = has_duration ? duration : -1;
    b->polls = has_polls ? (int)polls : -1;
    const cJSON *outcome = member(body, "outcome");
    if (outcome && (!cJSON_IsString(outcome) || !one_of(outcome->valuestring, outcomes)))
        return api_fail(rs, ERR_BAD_REQUEST,
                        "Field 'outcome' must be SUCCESS, WARNING, ERROR or TEMP_ERROR.");
    snprintf(b->outcome, sizeof(b->outcome), "%s", outcome ? outcome->valuestring : "SUCCESS");
    if (queue) {
        const cJSON *type = member(body, "reportType");
        if (type && (!cJSON_IsString(type) || !report_type_find(type->valuestring)))
            return api_fail(rs, ERR_BAD_REQUEST,
                            "Field 'reportType' must be a report type such as ACCOUNTS, or null "
                            "for any type.");
        snprintf(b->report_type, sizeof(b->report_type), "%s", type ? type->valuestring : "");
    }
    return opt_messages(body, &b->messages, rs);
}

/* The JSON of a behaviour (queue = 0) or of a queued plan (queue = 1). */
static cJSON *behaviour_json(const struct store_behaviour *b, int queue)
{
    cJSON *o = cJSON_CreateObject();
    int is_default = strcmp(b->report_type, STORE_BEHAVIOUR_DEFAULT) == 0;
    int ok = o != NULL;
    if (ok && queue)
        ok = cJSON_AddNumberToObject(o, "id", (double)b->id) != NULL;
    ok = ok && add_str_or_null(o, "reportType", is_default ? "default" : b->report_type) &&
         add_num_or_null(o, "durationMs", b->duration_ms, b->duration_ms >= 0) &&
         add_num_or_null(o, "polls", b->polls, b->polls >= 0) &&
         cJSON_AddStringToObject(o, "outcome", b->outcome) &&
         add_raw_json(o, "messages", b->messages) &&
         add_time_or_null(o, queue ? "created" : "updated", b->at_ms, b->at_ms > 0);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* A JSON array filled by a store iteration; `failed` tells a callback that
 * stopped for lack of memory from a list that simply ended. */
struct json_list {
    cJSON *arr;
    int failed;
};

static int add_list_item(struct json_list *l, cJSON *item)
{
    if (!item) {
        l->failed = 1;
        return 1;
    }
    cJSON_AddItemToArray(l->arr, item);
    return 0;
}

static int add_behaviour(void *ud, const struct store_behaviour *b)
{
    return add_list_item(ud, behaviour_json(b, 0));
}

static int add_next(void *ud, const struct store_behaviour *b)
{
    return add_list_item(ud, behaviour_json(b, 1));
}

/* Adds the next-task queue as member "next"; 0 or -1. */
static int add_queue(struct app *app, cJSON *o)
{
    struct json_list l = {cJSON_AddArrayToObject(o, "next"), 0};
    if (!l.arr || store_next_each(app->store, add_next, &l) != 0 || l.failed)
        return -1;
    return 0;
}

/* GET /mock/reports: everything; DELETE: clears behaviours and the queue. */
enum err api_mock_reports(struct api_req *rq, struct api_res *rs)
{
    struct app *app = rq->app;
    if (strcmp(rq->method, "DELETE") == 0)
        return store_behaviour_reset(app->store) == 0 ? no_content(rs) : ERR_INTERNAL;
    cJSON *o = cJSON_CreateObject(), *server;
    struct json_list l = {NULL, 0};
    if (!o || !(server = cJSON_AddObjectToObject(o, "serverDefault")) ||
        !cJSON_AddNumberToObject(server, "durationMs", (double)app->cfg.report_duration_ms) ||
        !cJSON_AddStringToObject(server, "outcome", "SUCCESS") ||
        !(l.arr = cJSON_AddArrayToObject(o, "behaviours")) ||
        store_behaviour_each(app->store, add_behaviour, &l) != 0 || l.failed ||
        add_queue(app, o) != 0) {
        cJSON_Delete(o);
        return ERR_INTERNAL;
    }
    return api_json(rs, 200, o);
}

/* GET /mock/reports/next: the queue; POST: queues a plan; DELETE: empties it. */
enum err api_mock_reports_next(struct api_req *rq, struct api_res *rs)
{
    struct app *app = rq->app;
    if (strcmp(rq->method, "DELETE") == 0)
        return store_next_clear(app->store) == 0 ? no_content(rs) : ERR_INTERNAL;
    if (strcmp(rq->method, "GET") == 0) {
        cJSON *o = cJSON_CreateObject();
        if (!o || add_queue(app, o) != 0) {
            cJSON_Delete(o);
            return ERR_INTERNAL;
        }
        return api_json(rs, 200, o);
    }
    cJSON *body = NULL;
    struct store_behaviour b;
    memset(&b, 0, sizeof(b));
    enum err e = body_object(rq, rs, &body);
    if (e != ERR_OK || (e = parse_behaviour(body, 1, &b, rs)) != ERR_OK)
        goto out;
    b.at_ms = clock_now_ms(app->clock);
    if (store_next_push(app->store, &b) != 0) {
        e = ERR_INTERNAL;
        goto out;
    }
    e = api_json(rs, 201, behaviour_json(&b, 1));
out:
    store_behaviour_clear(&b);
    cJSON_Delete(body);
    return e;
}

/* The stored key for a path segment: a report type, or "default" -> "*". */
static const char *behaviour_key(const char *param)
{
    if (param && strcmp(param, "default") == 0)
        return STORE_BEHAVIOUR_DEFAULT;
    return param && report_type_find(param) ? param : NULL;
}

/*
 * /mock/reports/{TYPE} (TYPE a report type or "default"). GET: what a new
 * task of that type would do without a queued plan, with "source" saying
 * where it comes from (type, default or server); PUT/POST: sets it; DELETE:
 * removes it (404 when none was set).
 */
enum err api_mock_report_type(struct api_req *rq, struct api_res *rs)
{
    struct app *app = rq->app;
    const char *key = behaviour_key(rq->param);
    if (!key)
        return api_fail(rs, ERR_BAD_REQUEST,
                        "Unknown reportType '%.64s' in the path: use a report type such as "
                        "ACCOUNTS, or default.",
                        rq->param ? rq->param : "");
    int is_default = strcmp(key, STORE_BEHAVIOUR_DEFAULT) == 0;
    if (strcmp(rq->method, "DELETE") == 0) {
        int rc = store_behaviour_delete(app->store, key);
        if (rc == 1)
            return api_fail(rs, ERR_NOT_FOUND, "No behaviour is set for %s.", rq->param);
        return rc == 0 ? no_content(rs) : ERR_INTERNAL;
    }
    struct store_behaviour b;
    memset(&b, 0, sizeof(b));
    cJSON *body = NULL, *o = NULL;
    const char *source = is_default ? "default" : "type";
    enum err e = ERR_OK;
    if (strcmp(rq->method, "GET") == 0) {
        int rc = store_behaviour_get(app->store, key, &b);
        if (rc == 1 && !is_default) {
            source = "default";
            rc = store_behaviour_get(app->store, STORE_BEHAVIOUR_DEFAULT, &b);
        }
        if (rc == 1) {
            source = "server";
            b.duration_ms = app->cfg.report_duration_ms;
            b.polls = -1;
            snprintf(b.outcome, sizeof(b.outcome), "SUCCESS");
        } else if (rc != 0) {
            e = ERR_INTERNAL;
            goto out;
        }
    } else {
        if ((e = body_object(rq, rs, &body)) != ERR_OK ||
            (e = parse_behaviour(body, 0, &b, rs)) != ERR_OK)
            goto out;
        snprintf(b.report_type, sizeof(b.report_type), "%s", key);
        b.at_ms = clock_now_ms(app->clock);
        if (store_behaviour_put(app->store, &b) != 0) {
            e = ERR_INTERNAL;
            goto out;
        }
    }
    /* The requested type names the answer, whichever behaviour applies. */
    snprintf(b.report_type, sizeof(b.report_type), "%s", key);
    o = behaviour_json(&b, 0);
    if (!o || !cJSON_AddStringToObject(o, "source", source)) {
        e = ERR_INTERNAL;
        goto out;
    }
    e = api_json(rs, 200, o);
    o = NULL;
out:
    cJSON_Delete(o);
    cJSON_Delete(body);
    store_behaviour_clear(&b);
    return e;
}

/* ------------------------------------------------------------------ */
/* Faults: /mock/faults                                                 */

#define DELAY_MAX 60000 /* ms; the HTTP connection timeout is 60 s */
#define TIMES_MAX 1000000000LL

static const char *const fault_operations[] = {
    "startReport", "getReportResult", "getReport", "cancelReport", "createOauthToken", "*", NULL};
static const int fault_statuses[] = {400, 401, 403, 404, 429, 500, 502, 503, 504};

static cJSON *fault_json(const struct store_fault *f)
{
    cJSON *o = cJSON_CreateObject();
    int random = f->probability >= 0;
    int ok = o && cJSON_AddNumberToObject(o, "id", (double)f->id) &&
             cJSON_AddStringToObject(o, "operation", f->operation) &&
             add_num_or_null(o, "status", f->status, f->status > 0) &&
             cJSON_AddNumberToObject(o, "delayMs", (double)f->delay_ms) &&
             cJSON_AddBoolToObject(o, "drop", f->drop) &&
             add_num_or_null(o, "times", f->times, f->times >= 0) &&
             add_num_or_null(o, "remaining", f->remaining, f->times >= 0) &&
             (random ? cJSON_AddNumberToObject(o, "probability", f->probability)
                     : cJSON_AddNullToObject(o, "probability")) &&
             add_num_or_null(o, "seed", f->seed, random) &&
             cJSON_AddNumberToObject(o, "calls", (double)f->calls) &&
             cJSON_AddNumberToObject(o, "hits", (double)f->hits) &&
             cJSON_AddBoolToObject(o, "active", f->times < 0 || f->remaining > 0) &&
             add_time_or_null(o, "created", f->created_ms, 1);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static int add_fault(void *ud, const struct store_fault *f)
{
    return add_list_item(ud, fault_json(f));
}

/* Reads a POST /mock/faults body into f. */
static enum err parse_fault(const cJSON *body, struct store_fault *f, struct api_res *rs)
{
    static const char *const fields[] = {"operation", "status",      "delayMs", "drop",
                                         "times",     "probability", "seed",    NULL};
    int64_t status = 0, delay = 0, times = -1, seed = 0;
    int drop = 0, has_status, has_delay, has_drop, has_times, has_seed;
    enum err e = only_fields(body, fields, NULL, rs);
    if (e != ERR_OK)
        return e;
    const cJSON *op = member(body, "operation");
    if (!cJSON_IsString(op) || !one_of(op->valuestring, fault_operations))
        return api_fail(rs, ERR_BAD_REQUEST,
                        "Field 'operation' is required: startReport, getReportResult, getReport, "
                        "cancelReport, createOauthToken or *.");
    snprintf(f->operation, sizeof(f->operation), "%s", op->valuestring);
    if ((e = opt_whole(body, "status", 100, 599, &status, &has_status, rs)) != ERR_OK)
        return e;
    if (has_status) {
        size_t i = 0, n = sizeof(fault_statuses) / sizeof(fault_statuses[0]);
        while (i < n && fault_statuses[i] != status)
            i++;
        if (i == n)
            return api_fail(rs, ERR_BAD_REQUEST,
                            "Field 'status' must be 400, 401, 403, 404, 429, 500, 502, 503 or "
                            "504.");
    }
    if ((e = opt_whole(body, "delayMs", 0, DELAY_MAX, &delay, &has_delay, rs)) != ERR_OK ||
        (e = opt_bool(body, "drop", &drop, &has_drop, rs)) != ERR_OK ||
        (e = opt_whole(body, "times", 1, TIMES_MAX, &times, &has_times, rs)) != ERR_OK ||
        (e = opt_whole(body, "seed", (int64_t)-JSON_WHOLE_MAX, (int64_t)JSON_WHOLE_MAX, &seed,
                       &has_seed, rs)) != ERR_OK)
        return e;
    if (!has_status && delay == 0 && !drop)
        return api_fail(rs, ERR_BAD_REQUEST,
                        "Give at least one of status, delayMs (above 0) or drop (true).");
    if (has_status && drop)
        return api_fail(rs, ERR_BAD_REQUEST,
                        "Fields 'status' and 'drop' cannot be combined: a dropped connection "
                        "has no status.");
    const cJSON *p = member(body, "probability");
    f->probability = -1;
    if (p) {
        if (!cJSON_IsNumber(p) || !(p->valuedouble >= 0 && p->valuedouble <= 1))
            return api_fail(rs, ERR_BAD_REQUEST,
                            "Field 'probability' must be a number from 0 to 1.");
        if (has_times)
            return api_fail(rs, ERR_BAD_REQUEST,
                            "Give times or probability, not both: 'probability' applies to "
                            "every call.");
        f->probability = p->valuedouble;
        if (!has_seed) {
            uint64_t r;
            ids_random(&r, sizeof(r));
            seed = (int64_t)(r & ((UINT64_C(1) << 53) - 1));
        }
    } else if (has_seed) {
        return api_fail(rs, ERR_BAD_REQUEST, "Field 'seed' needs 'probability'.");
    }
    f->status = (int)status;
    f->delay_ms = delay;
    f->drop = drop;
    f->times = times;
    f->remaining = times;
    f->seed = seed;
    return ERR_OK;
}

/* GET /mock/faults: the list; POST: adds one (201); DELETE: removes all. */
enum err api_mock_faults(struct api_req *rq, struct api_res *rs)
{
    struct app *app = rq->app;
    if (strcmp(rq->method, "DELETE") == 0)
        return store_fault_clear(app->store) == 0 ? no_content(rs) : ERR_INTERNAL;
    if (strcmp(rq->method, "GET") == 0) {
        cJSON *o = cJSON_CreateObject();
        struct json_list l = {NULL, 0};
        if (!o || !(l.arr = cJSON_AddArrayToObject(o, "faults")) ||
            store_fault_each(app->store, add_fault, &l) != 0 || l.failed) {
            cJSON_Delete(o);
            return ERR_INTERNAL;
        }
        return api_json(rs, 200, o);
    }
    cJSON *body = NULL;
    struct store_fault f;
    memset(&f, 0, sizeof(f));
    enum err e = body_object(rq, rs, &body);
    if (e != ERR_OK || (e = parse_fault(body, &f, rs)) != ERR_OK)
        goto out;
    f.created_ms = clock_now_ms(app->clock);
    if (store_fault_add(app->store, &f) != 0) {
        e = ERR_INTERNAL;
        goto out;
    }
    e = api_json(rs, 201, fault_json(&f));
out:
    cJSON_Delete(body);
    return e;
}

/* The {id} of /mock/faults/{id}: a positive whole number. */
static int fault_id(const char *param, int64_t *id)
{
    char *end = NULL;
    if (!param || *param < '1' || *param > '9')
        return -1;
    long long n = strtoll(param, &end, 10);
    if (*end || n <= 0 || n == LLONG_MAX)
        return -1;
    *id = n;
    return 0;
}

/* GET /mock/faults/{id}: one fault; DELETE: removes it. 404 when none. */
enum err api_mock_fault(struct api_req *rq, struct api_res *rs)
{
    int64_t id;
    if (fault_id(rq->param, &id) != 0)
        return api_fail(rs, ERR_BAD_REQUEST,
                        "The fault id in the path must be a positive whole number.");
    if (strcmp(rq->method, "DELETE") == 0) {
        int rc = store_fault_delete(rq->app->store, id);
        if (rc == 1)
            return api_fail(rs, ERR_NOT_FOUND, "No fault %" PRId64 ".", id);
        return rc == 0 ? no_content(rs) : ERR_INTERNAL;
    }
    struct store_fault f;
    int rc = store_fault_get(rq->app->store, id, &f);
    if (rc == 1)
        return api_fail(rs, ERR_NOT_FOUND, "No fault %" PRId64 ".", id);
    if (rc != 0)
        return ERR_INTERNAL;
    return api_json(rs, 200, fault_json(&f));
}

/* ------------------------------------------------------------------ */
/* Clients: /mock/clients                                               */

static cJSON *client_json(const struct store_client *c)
{
    cJSON *o = cJSON_CreateObject();
    int ok = o && cJSON_AddStringToObject(o, "clientId", c->client_id) &&
             cJSON_AddStringToObject(o, "clientSecret", c->secret) &&
             cJSON_AddStringToObject(o, "name", c->name) &&
             cJSON_AddBoolToObject(o, "userContext", c->user_context) &&
             cJSON_AddStringToObject(o, "scopes", c->scopes) &&
             add_str_or_null(o, "userLevel", c->user_level) &&
             add_str_or_null(o, "userName", c->user_name) &&
             add_str_or_null(o, "identityId", c->identity_id);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static int add_client(void *ud, const struct store_client *c)
{
    return add_list_item(ud, client_json(c));
}

/* 1 when `s` is 32 lowercase hex digits. */
static int is_hex32(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
            return 0;
    return n == 32;
}

/*
 * The user fields shared by clients and minted tokens: userLevel, userName
 * and identityId apply to user-context principals only. Missing ones keep
 * what `c` has; a user principal without a name or identity gets the client
 * id and a fresh identity id.
 */
static enum err parse_user_fields(const cJSON *body, struct store_client *c, struct api_res *rs)
{
    struct store_client u = *c;
    int has_level, has_name, has_identity, has_user;
    enum err e;
    if ((e = opt_bool(body, "userContext", &u.user_context, &has_user, rs)) != ERR_OK ||
        (e = opt_text(body, "userLevel", u.user_level, sizeof(u.user_level), NULL, &has_level,
                      rs)) != ERR_OK ||
        (e = opt_text(body, "userName", u.user_name, sizeof(u.user_name), NULL, &has_name, rs)) !=
            ERR_OK ||
        (e = opt_text(body, "identityId", u.identity_id, sizeof(u.identity_id), NULL, &has_identity,
                      rs)) != ERR_OK)
        return e;
    if (!u.user_context && (has_level || has_name || has_identity))
        return api_fail(rs, ERR_BAD_REQUEST,
                        "Fields 'userLevel', 'userName' and 'identityId' need userContext true.");
    if (has_identity && !is_hex32(u.identity_id))
        return api_fail(rs, ERR_BAD_REQUEST,
                        "Field 'identityId' must be 32 lowercase hexadecimal digits.");
    if (!u.user_context) {
        u.user_level[0] = u.user_name[0] = u.identity_id[0] = '\0';
    } else {
        if (!u.user_name[0])
            snprintf(u.user_name, sizeof(u.user_name), "%s", u.client_id);
        if (!u.identity_id[0])
            ids_hex32(u.identity_id);
    }
    *c = u;
    return ERR_OK;
}

/* Reads a POST /mock/clients body into c. */
static enum err parse_client(const cJSON *body, struct store_client *c, struct api_res *rs)
{
    static const char *const fields[] = {"clientId",    "clientSecret", "name",
                                         "userContext", "scopes",       "userLevel",
                                         "userName",    "identityId",   NULL};
    int given;
    enum err e = only_fields(body, fields, NULL, rs);
    if (e != ERR_OK)
        return e;
    memset(c, 0, sizeof(*c));
    if ((e = opt_text(body, "clientId", c->client_id, sizeof(c->client_id), id_char, &given, rs)) !=
        ERR_OK)
        return e;
    if (!given)
        return api_fail(rs, ERR_BAD_REQUEST, "Field 'clientId' is required.");
    if ((e = opt_text(body, "clientSecret", c->secret, sizeof(c->secret), token_char, &given,
                      rs)) != ERR_OK)
        return e;
    if (!given)
        return api_fail(rs, ERR_BAD_REQUEST, "Field 'clientSecret' is required.");
    if ((e = opt_text(body, "name", c->name, sizeof(c->name), NULL, &given, rs)) != ERR_OK ||
        (e = opt_scopes(body, c->scopes, sizeof(c->scopes), &given, rs)) != ERR_OK)
        return e;
    return parse_user_fields(body, c, rs);
}

/* GET /mock/clients: all, secrets included; POST: adds or replaces one. */
enum err api_mock_clients(struct api_req *rq, struct api_res *rs)
{
    struct app *app = rq->app;
    if (strcmp(rq->method, "GET") == 0) {
        cJSON *o = cJSON_CreateObject();
        struct json_list l = {NULL, 0};
        if (!o || !(l.arr = cJSON_AddArrayToObject(o, "clients")) ||
            store_client_each(app->store, add_client, &l) != 0 || l.failed) {
            cJSON_Delete(o);
            return ERR_INTERNAL;
        }
        return api_json(rs, 200, o);
    }
    cJSON *body = NULL;
    struct store_client c, old;
    enum err e = body_object(rq, rs, &body);
    if (e != ERR_OK || (e = parse_client(body, &c, rs)) != ERR_OK)
        goto out;
    int existed = store_client_get(app->store, c.client_id, &old);
    if (existed < 0 || store_client_put(app->store, &c) != 0) {
        e = ERR_INTERNAL;
        goto out;
    }
    e = api_json(rs, existed == 0 ? 200 : 201, client_json(&c));
out:
    cJSON_Delete(body);
    return e;
}

/* GET /mock/clients/{id}: one client; DELETE: removes it. 404 when none. */
enum err api_mock_client(struct api_req *rq, struct api_res *rs)
{
    struct store_client c;
    const char *id = rq->param ? rq->param : "";
    int rc = strlen(id) < sizeof(c.client_id) ? 0 : 1;
    if (rc == 0)
        rc = strcmp(rq->method, "DELETE") == 0 ? store_client_delete(rq->app->store, id)
                                               : store_client_get(rq->app->store, id, &c);
    if (rc == 1)
        return api_fail(rs, ERR_NOT_FOUND, "No client '%.128s'.", id);
    if (rc != 0)
        return ERR_INTERNAL;
    if (strcmp(rq->method, "DELETE") == 0)
        return no_content(rs);
    return api_json(rs, 200, client_json(&c));
}

/* ------------------------------------------------------------------ */
/* Tokens: /mock/tokens                                                 */

#define TTL_MAX 315360000LL /* ten years, in seconds */

/* Copies claim `name` into `res` when the token has it. 0, or -1 on OOM. */
static int copy_claim(cJSON *res, const cJSON *claims, const char *name)
{
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(claims, name);
    cJSON *dup = c ? cJSON_Duplicate(c, 1) : NULL;
    if (!c)
        return 0;
    if (!dup || !cJSON_AddItemToObject(res, name, dup)) {
        cJSON_Delete(dup);
        return -1;
    }
    return 0;
}

/* The /oauth/token answer for `token`, read back from its claims. */
static cJSON *token_json(const char *token, int64_t ttl_s, const char *scopes)
{
    static const char *const from_claims[] = {
        "tenant_id", "internal",    "pod", "strong_auth_supported", "org", "identity_id",
        "user_name", "strong_auth", "jti",
    };
    cJSON *claims = jwt_peek(token), *res = cJSON_CreateObject();
    int ok = claims && res && cJSON_AddStringToObject(res, "access_token", token) &&
             cJSON_AddStringToObject(res, "token_type", "bearer") &&
             cJSON_AddNumberToObject(res, "expires_in", (double)ttl_s) &&
             cJSON_AddStringToObject(res, "scope", scopes);
    for (size_t i = 0; ok && i < sizeof(from_claims) / sizeof(from_claims[0]); i++)
        ok = copy_claim(res, claims, from_claims[i]) == 0;
    cJSON_Delete(claims);
    if (!ok) {
        cJSON_Delete(res);
        return NULL;
    }
    return res;
}

/*
 * POST /mock/tokens: mints a token as /oauth/token would, for any client id
 * (a known client's attributes are the defaults) with chosen scopes, user
 * context and lifetime (negative: already expired).
 */
enum err api_mock_tokens(struct api_req *rq, struct api_res *rs)
{
    static const char *const fields[] = {"clientId", "scopes",     "userContext", "userLevel",
                                         "userName", "identityId", "ttlSeconds",  NULL};
    struct app *app = rq->app;
    cJSON *body = NULL;
    struct store_client c;
    char *token = NULL, jti[IDS_UUID_LEN];
    int64_t ttl = app->cfg.token_ttl_s, exp_s = 0;
    int given, has_scopes;
    memset(&c, 0, sizeof(c));
    enum err e = body_object(rq, rs, &body);
    if (e != ERR_OK || (e = only_fields(body, fields, NULL, rs)) != ERR_OK ||
        (e = opt_text(body, "clientId", c.client_id, sizeof(c.client_id), id_char, &given, rs)) !=
            ERR_OK)
        goto out;
    if (!given) {
        e = api_fail(rs, ERR_BAD_REQUEST, "Field 'clientId' is required.");
        goto out;
    }
    int known = store_client_get(app->store, c.client_id, &c);
    if (known < 0) {
        e = ERR_INTERNAL;
        goto out;
    }
    if ((e = opt_scopes(body, c.scopes, sizeof(c.scopes), &has_scopes, rs)) != ERR_OK ||
        (e = opt_whole(body, "ttlSeconds", -TTL_MAX, TTL_MAX, &ttl, &given, rs)) != ERR_OK)
        goto out;
    if (known == 1 && !has_scopes) {
        e = api_fail(rs, ERR_BAD_REQUEST,
                     "Field 'scopes' is required when clientId is not a known client.");
        goto out;
    }
    if ((e = parse_user_fields(body, &c, rs)) != ERR_OK)
        goto out;
    int64_t now_ms = clock_now_ms(app->clock);
    token = auth_mint(&app->issuer, &c, NULL, now_ms, ttl, jti, &exp_s);
    if (!token) {
        e = api_fail(rs, ERR_INTERNAL, "token minting failed");
        goto out;
    }
    int64_t exp_ms = exp_s > INT64_MAX / 1000   ? INT64_MAX
                     : exp_s < INT64_MIN / 1000 ? INT64_MIN
                                                : exp_s * 1000;
    if (store_token_record(app->store, jti, c.client_id, now_ms, exp_ms) != 0) {
        e = api_fail(rs, ERR_INTERNAL, "recording the token failed");
        goto out;
    }
    e = api_json(rs, 200, token_json(token, ttl, c.scopes));
out:
    free(token);
    cJSON_Delete(body);
    return e;
}

/* ------------------------------------------------------------------ */
/* The request journal: /mock/requests                                  */

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

static int add_journal(void *ud, const struct store_journal *j)
{
    struct json_list *l = ud;
    cJSON *o = cJSON_CreateObject();
    int ok = o && cJSON_AddNumberToObject(o, "id", (double)j->id) &&
             add_time_or_null(o, "time", j->at_ms, 1) &&
             add_recorded(o, "method", j->method ? j->method : "") &&
             add_recorded(o, "path", j->path ? j->path : "") &&
             add_recorded(o, "query", j->query ? j->query : "") &&
             add_str_or_null(o, "operation", j->operation) &&
             add_str_or_null(o, "version", j->version) &&
             add_recorded(o, "clientId", j->client_id) &&
             cJSON_AddNumberToObject(o, "status", j->status) &&
             cJSON_AddStringToObject(o, "trackingId", j->tracking_id ? j->tracking_id : "") &&
             cJSON_AddNumberToObject(o, "durationMs", (double)j->duration_us / 1000.0);
    if (!ok) {
        cJSON_Delete(o);
        o = NULL;
    }
    return add_list_item(l, o);
}

/*
 * GET /mock/requests?method=&path=&operation=&clientId=&status=&version=
 * &trackingId=&since=&limit=&order= : {"count": matching, "requests": [...]};
 * path ending in '*' is a prefix. DELETE: empties the journal.
 */
enum err api_mock_requests(struct api_req *rq, struct api_res *rs)
{
    struct app *app = rq->app;
    if (strcmp(rq->method, "DELETE") == 0)
        return store_journal_clear(app->store) == 0 ? no_content(rs) : ERR_INTERNAL;
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
    int64_t status, limit;
    enum err e;
    if ((e = query_whole(rq, "status", 100, 599, 0, &status, rs)) != ERR_OK ||
        (e = query_whole(rq, "limit", 0, JOURNAL_LIMIT_MAX, JOURNAL_LIMIT_DEFAULT, &limit, rs)) !=
            ERR_OK)
        return e;
    f.status = (int)status;
    f.limit = (int)limit;
    const char *since = rq->query(rq, "since"), *order = rq->query(rq, "order");
    if (since && clock_parse(since, &f.since_ms) != 0)
        return api_fail(rs, ERR_BAD_REQUEST,
                        "Query parameter 'since' must be an RFC 3339 UTC date-time such as "
                        "2026-01-02T03:04:05.678Z.");
    if (order && strcmp(order, "asc") != 0 && strcmp(order, "desc") != 0)
        return api_fail(rs, ERR_BAD_REQUEST, "Query parameter 'order' must be asc or desc.");
    f.oldest_first = order && strcmp(order, "asc") == 0;
    if (f.path) {
        size_t n = strlen(f.path);
        if (n >= sizeof(prefix))
            return api_fail(rs, ERR_BAD_REQUEST, "Query parameter 'path' is too long.");
        if (n > 0 && f.path[n - 1] == '*') {
            memcpy(prefix, f.path, n - 1);
            prefix[n - 1] = '\0';
            f.path = prefix;
            f.path_prefix = 1;
        }
    }
    int64_t count = 0;
    cJSON *o = cJSON_CreateObject();
    struct json_list l = {NULL, 0};
    if (!o || !(l.arr = cJSON_CreateArray()) ||
        store_journal_find(app->store, &f, &count, add_journal, &l) != 0 || l.failed ||
        !cJSON_AddNumberToObject(o, "count", (double)count) ||
        !cJSON_AddItemToObject(o, "requests", l.arr)) {
        cJSON_Delete(l.arr);
        cJSON_Delete(o);
        return ERR_INTERNAL;
    }
    return api_json(rs, 200, o);
}

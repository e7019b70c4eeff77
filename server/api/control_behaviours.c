/*
 * control_behaviours.c - how new reports run: /mock/reports (everything
 * set), /mock/reports/{TYPE} (the behaviour of one report type, or of
 * "default") and /mock/reports/next (one-shot plans for the next tasks).
 * The store keeps them; control_hooks.c applies them when a task starts.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/clock.h"
#include "../reports/outcome.h"
#include "../reports/report.h"
#include "../store/control_store.h"
#include "api.h"
#include "app.h"
#include "control_body.h"
#include "control_routes.h"

#define DURATION_MAX 31536000000LL /* a year, in ms */
#define POLLS_MAX 1000000
#define MESSAGES_MAX 20
#define MESSAGE_TEXT_MAX 1024

static const char *const message_types[] = {"INFO", "WARN", "ERROR", NULL};

/* One TaskResultDetails message as a body gives it. */
struct message {
    char type[8];
    int error, warning;
    char key[MESSAGE_TEXT_MAX];
    char text[MESSAGE_TEXT_MAX];
};

enum { M_TYPE, M_ERROR, M_WARNING, M_KEY, M_TEXT };
static const struct body_field message_fields[] = {
    [M_TYPE] = {"type", BODY_CHOICE, BODY_AT(struct message, type), .choices = message_types,
                .required = 1},
    [M_ERROR] = {"error", BODY_BOOL, BODY_AT(struct message, error)},
    [M_WARNING] = {"warning", BODY_BOOL, BODY_AT(struct message, warning)},
    [M_KEY] = {"key", BODY_TEXT, BODY_AT(struct message, key)},
    [M_TEXT] = {"localizedText", BODY_TEXT, BODY_AT(struct message, text)},
};

/* Checks message `m` (named `where`) and appends its full form to `out`. */
static enum err message_add(const cJSON *m, const char *where, cJSON *out, struct api_res *rs)
{
    struct message msg;
    unsigned given;
    if (!cJSON_IsObject(m))
        return api_fail(rs, ERR_BAD_REQUEST, "Field '%s' must be an object.", where);
    memset(&msg, 0, sizeof(msg));
    enum err e =
        control_body_parse(m, message_fields, sizeof(message_fields) / sizeof(message_fields[0]),
                           where, &msg, &given, rs);
    if (e != ERR_OK)
        return e;
    if (!BODY_GIVEN(given, M_ERROR))
        msg.error = strcmp(msg.type, "ERROR") == 0;
    if (!BODY_GIVEN(given, M_WARNING))
        msg.warning = strcmp(msg.type, "WARN") == 0;
    if (!msg.key[0] && !msg.text[0])
        return api_fail(rs, ERR_BAD_REQUEST, "Field '%s' needs a key or a localizedText.", where);
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return ERR_INTERNAL;
    cJSON_AddItemToArray(out, o);
    if (!cJSON_AddStringToObject(o, "type", msg.type) ||
        !cJSON_AddBoolToObject(o, "error", msg.error) ||
        !cJSON_AddBoolToObject(o, "warning", msg.warning) ||
        !cJSON_AddStringToObject(o, "key", msg.key[0] ? msg.key : msg.text) ||
        !cJSON_AddStringToObject(o, "localizedText", msg.text[0] ? msg.text : msg.key))
        return ERR_INTERNAL;
    return ERR_OK;
}

/* BODY_CUSTOM "messages": an array of messages, stored normalised as JSON
 * text in a char * (heap, the caller frees it). */
static enum err parse_messages(const cJSON *v, const struct body_field *f, const char *name,
                               void *dst, struct api_res *rs)
{
    (void)f;
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) > MESSAGES_MAX)
        return api_fail(rs, ERR_BAD_REQUEST,
                        "Field '%s' must be an array of at most %d TaskResultDetails messages.",
                        name, MESSAGES_MAX);
    cJSON *arr = cJSON_CreateArray();
    enum err e = arr ? ERR_OK : ERR_INTERNAL;
    size_t i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, v)
    {
        char where[32];
        snprintf(where, sizeof(where), "%s[%zu]", name, i++);
        if (e == ERR_OK)
            e = message_add(it, where, arr, rs);
    }
    char *text = e == ERR_OK ? cJSON_PrintUnformatted(arr) : NULL, *copy = NULL;
    if (e == ERR_OK && (!text || !(copy = strdup(text))))
        e = ERR_INTERNAL;
    cJSON_free(text);
    cJSON_Delete(arr);
    if (copy)
        memcpy(dst, &copy, sizeof(copy));
    return e;
}

/* BODY_CUSTOM "reportType" of a queued plan: a report type, or null for any. */
static enum err parse_report_type(const cJSON *v, const struct body_field *f, const char *name,
                                  void *dst, struct api_res *rs)
{
    if (!cJSON_IsString(v) || !report_type_find(v->valuestring))
        return api_fail(rs, ERR_BAD_REQUEST,
                        "Field '%s' must be a report type such as ACCOUNTS, or null for any type.",
                        name);
    snprintf(dst, f->size, "%s", v->valuestring);
    return ERR_OK;
}

/* A behaviour body. reportType comes last: a type's own behaviour takes
 * every field but that one, a queued plan takes them all. */
enum { B_DURATION, B_POLLS, B_OUTCOME, B_MESSAGES, B_TYPE, B_COUNT };
static const struct body_field behaviour_fields[] = {
    [B_DURATION] = {"durationMs", BODY_WHOLE, BODY_AT(struct store_behaviour, duration_ms),
                    .min = 0, .max = DURATION_MAX},
    [B_POLLS] = {"polls", BODY_WHOLE, BODY_AT(struct store_behaviour, polls), .min = 0,
                 .max = POLLS_MAX},
    [B_OUTCOME] = {"outcome", BODY_CHOICE, BODY_AT(struct store_behaviour, outcome),
                   .choices = report_outcome_plannable},
    [B_MESSAGES] = {"messages", BODY_CUSTOM, BODY_AT(struct store_behaviour, messages),
                    .parse = parse_messages},
    [B_TYPE] = {"reportType", BODY_CUSTOM, BODY_AT(struct store_behaviour, report_type),
                .parse = parse_report_type},
};

/* Reads a behaviour body (with reportType when `queue`) into b, which the
 * caller zeroed and clears (messages are owned). */
static enum err parse_behaviour(const struct api_req *rq, int queue, struct store_behaviour *b,
                                struct api_res *rs)
{
    cJSON *body = NULL;
    unsigned given;
    b->duration_ms = -1;
    b->polls = -1;
    snprintf(b->outcome, sizeof(b->outcome), "SUCCESS");
    enum err e = control_body_object(rq, rs, &body);
    if (e == ERR_OK)
        e = control_body_parse(body, behaviour_fields, queue ? B_COUNT : B_TYPE, NULL, b, &given,
                               rs);
    if (e == ERR_OK && BODY_GIVEN(given, B_DURATION) && BODY_GIVEN(given, B_POLLS))
        e = api_fail(rs, ERR_BAD_REQUEST, "Give durationMs or polls, not both.");
    cJSON_Delete(body);
    return e;
}

/* The JSON of a behaviour (queue = 0) or of a queued plan (queue = 1). */
static cJSON *behaviour_json(const struct store_behaviour *b, int queue)
{
    cJSON *o = cJSON_CreateObject();
    int is_default = strcmp(b->report_type, STORE_BEHAVIOUR_DEFAULT) == 0;
    int ok = o != NULL;
    if (ok && queue)
        ok = cJSON_AddNumberToObject(o, "id", (double)b->id) != NULL;
    ok = ok && control_add_str(o, "reportType", is_default ? "default" : b->report_type) &&
         control_add_num(o, "durationMs", b->duration_ms, b->duration_ms >= 0) &&
         control_add_num(o, "polls", b->polls, b->polls >= 0) &&
         cJSON_AddStringToObject(o, "outcome", b->outcome) &&
         control_add_raw(o, "messages", b->messages) &&
         control_add_time(o, queue ? "created" : "updated", b->at_ms, b->at_ms > 0);
    return control_json_done(o, ok);
}

static int add_behaviour(void *ud, const struct store_behaviour *b)
{
    return control_list_add(ud, behaviour_json(b, 0));
}

static int add_next(void *ud, const struct store_behaviour *b)
{
    return control_list_add(ud, behaviour_json(b, 1));
}

/* Adds the next-task queue as member "next"; 0 or -1. */
static int add_queue(struct app *app, cJSON *o)
{
    struct control_list l = {cJSON_AddArrayToObject(o, "next"), 0};
    if (!l.arr || store_next_each(app->store, add_next, &l) != 0 || l.failed)
        return -1;
    return 0;
}

/* Answers behaviour b as the one of `key`, with where it comes from. */
static enum err behaviour_answer(struct store_behaviour *b, const char *key, const char *source,
                                 struct api_res *rs)
{
    /* The requested type names the answer, whichever behaviour applies. */
    snprintf(b->report_type, sizeof(b->report_type), "%s", key);
    cJSON *o = behaviour_json(b, 0);
    if (!o || !cJSON_AddStringToObject(o, "source", source)) {
        cJSON_Delete(o);
        return ERR_INTERNAL;
    }
    return api_json(rs, 200, o);
}

/* Reads a behaviour body and keeps it: as the behaviour of `key` (a type or
 * "*"), or queued as a one-shot plan when key is NULL (201). */
static enum err behaviour_set(struct api_req *rq, const char *key, struct api_res *rs)
{
    struct store_behaviour b;
    memset(&b, 0, sizeof(b));
    enum err e = parse_behaviour(rq, key == NULL, &b, rs);
    b.at_ms = clock_now_ms(rq->app->clock);
    if (e == ERR_OK && !key)
        e = store_next_push(rq->app->store, &b) == 0 ? api_json(rs, 201, behaviour_json(&b, 1))
                                                     : ERR_INTERNAL;
    else if (e == ERR_OK) {
        snprintf(b.report_type, sizeof(b.report_type), "%s", key);
        const char *source = strcmp(key, STORE_BEHAVIOUR_DEFAULT) == 0 ? "default" : "type";
        e = store_behaviour_put(rq->app->store, &b) == 0 ? behaviour_answer(&b, key, source, rs)
                                                         : ERR_INTERNAL;
    }
    store_behaviour_clear(&b);
    return e;
}

/* GET /mock/reports: the server default, every behaviour, and the queue. */
enum err api_mock_reports_get(struct api_req *rq, struct api_res *rs)
{
    struct app *app = rq->app;
    cJSON *o = cJSON_CreateObject(), *server;
    struct control_list l = {NULL, 0};
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

/* DELETE /mock/reports: clears behaviours and the queue. */
enum err api_mock_reports_delete(struct api_req *rq, struct api_res *rs)
{
    return store_behaviour_reset(rq->app->store) == 0 ? control_no_content(rs) : ERR_INTERNAL;
}

/* GET /mock/reports/next: the queue. */
enum err api_mock_next_get(struct api_req *rq, struct api_res *rs)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || add_queue(rq->app, o) != 0) {
        cJSON_Delete(o);
        return ERR_INTERNAL;
    }
    return api_json(rs, 200, o);
}

/* POST /mock/reports/next: queues a plan (201). */
enum err api_mock_next_post(struct api_req *rq, struct api_res *rs)
{
    return behaviour_set(rq, NULL, rs);
}

/* DELETE /mock/reports/next: empties the queue. */
enum err api_mock_next_delete(struct api_req *rq, struct api_res *rs)
{
    return store_next_clear(rq->app->store) == 0 ? control_no_content(rs) : ERR_INTERNAL;
}

/* The stored key for the {TYPE} path segment: a report type, or "default"
 * -> "*"; NULL (after a 400 in rs) for anything else. */
static const char *behaviour_key(const struct api_req *rq, struct api_res *rs)
{
    const char *param = rq->param ? rq->param : "";
    if (strcmp(param, "default") == 0)
        return STORE_BEHAVIOUR_DEFAULT;
    if (report_type_find(param))
        return param;
    api_fail(rs, ERR_BAD_REQUEST,
             "Unknown reportType '%.64s' in the path: use a report type such as ACCOUNTS, or "
             "default.",
             param);
    return NULL;
}

/* The first queued plan for one type (or for any type), copied out. */
struct first_plan {
    const char *type;
    struct store_behaviour *out;
    int found; /* 1: copied; -1: out of memory */
};

static int first_plan_for(void *ud, const struct store_behaviour *b)
{
    struct first_plan *f = ud;
    if (b->report_type[0] && strcmp(b->report_type, f->type) != 0)
        return 0;
    *f->out = *b;
    f->out->messages = b->messages ? strdup(b->messages) : NULL;
    f->found = b->messages && !f->out->messages ? -1 : 1;
    return 1;
}

/*
 * GET /mock/reports/{TYPE}: what the next task of that type will do, with
 * "source" saying where it comes from: queue (a one-shot plan, taken first),
 * type, default or server. For "default" the queue does not apply.
 */
enum err api_mock_report_type_get(struct api_req *rq, struct api_res *rs)
{
    struct app *app = rq->app;
    const char *key = behaviour_key(rq, rs);
    if (!key)
        return ERR_BAD_REQUEST;
    int is_default = strcmp(key, STORE_BEHAVIOUR_DEFAULT) == 0;
    const char *source = is_default ? "default" : "type";
    struct store_behaviour b;
    memset(&b, 0, sizeof(b));
    struct first_plan plan = {key, &b, 0};
    if (!is_default && store_next_each(app->store, first_plan_for, &plan) != 0)
        return ERR_INTERNAL;
    if (plan.found < 0)
        return ERR_INTERNAL;
    if (plan.found) {
        enum err e = behaviour_answer(&b, key, "queue", rs);
        store_behaviour_clear(&b);
        return e;
    }
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
    }
    enum err e = rc <= 1 ? behaviour_answer(&b, key, source, rs) : ERR_INTERNAL;
    store_behaviour_clear(&b);
    return e;
}

/* PUT or POST /mock/reports/{TYPE}: sets that type's behaviour. */
enum err api_mock_report_type_put(struct api_req *rq, struct api_res *rs)
{
    const char *key = behaviour_key(rq, rs);
    return key ? behaviour_set(rq, key, rs) : ERR_BAD_REQUEST;
}

/* DELETE /mock/reports/{TYPE}: removes it (404 when none was set). */
enum err api_mock_report_type_delete(struct api_req *rq, struct api_res *rs)
{
    const char *key = behaviour_key(rq, rs);
    if (!key)
        return ERR_BAD_REQUEST;
    return control_deleted(rs, store_behaviour_delete(rq->app->store, key),
                           "No behaviour is set for %s.", rq->param);
}

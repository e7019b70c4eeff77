/*
 * control.c - the control API under /mock/ that tests and demos use to steer
 * the mock: health, reset, the clock, and what happened (tasks, audit
 * events). These routes are not part of the SailPoint contract and never
 * appear under a versioned path.
 */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/clock.h"
#include "../reports/lifecycle.h"
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

enum err api_mock_tasks(struct api_req *rq, struct api_res *rs)
{
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

static int add_audit(void *ud, const struct store_audit *a)
{
    cJSON *arr = ud, *o = cJSON_CreateObject();
    char when[CLOCK_RFC3339_LEN];
    clock_format(a->at_ms, when);
    if (!o)
        return 1;
    cJSON_AddItemToArray(arr, o);
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

enum err api_mock_audit(struct api_req *rq, struct api_res *rs)
{
    cJSON *o = cJSON_CreateObject(), *arr = NULL;
    if (!o || !(arr = cJSON_AddArrayToObject(o, "events")) ||
        store_audit_each(rq->app->store, LIST_MAX, add_audit, arr) != 0) {
        cJSON_Delete(o);
        return ERR_INTERNAL;
    }
    return api_json(rs, 200, o);
}

/*
 * control_clock.c - the /mock/ routes for the whole mock: health, reset, and
 * the clock (read it; move a virtual one). A moved virtual clock is saved in
 * the database so a file database resumes from the same instant.
 */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>

#include "../auth/limiter.h"
#include "../core/clock.h"
#include "../store/control_store.h"
#include "api.h"
#include "app.h"
#include "control_routes.h"

static const char *mode_name(struct clock *c)
{
    return clock_mode(c) == CLOCK_MODE_VIRTUAL ? "virtual" : "real";
}

enum err api_mock_health(struct api_req *rq, struct api_res *rs)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddStringToObject(o, "status", "ok") ||
        !cJSON_AddStringToObject(o, "version", rq->app->version ? rq->app->version : "") ||
        !cJSON_AddStringToObject(o, "clock", mode_name(rq->app->clock))) {
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

/* GET /mock/clock: {"mode", "now", "epochMs"}. */
enum err api_mock_clock_get(struct api_req *rq, struct api_res *rs)
{
    struct app *app = rq->app;
    int64_t now = clock_now_ms(app->clock);
    char when[CLOCK_RFC3339_LEN];
    clock_format(now, when);
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddStringToObject(o, "mode", mode_name(app->clock)) ||
        !cJSON_AddStringToObject(o, "now", when) ||
        !cJSON_AddNumberToObject(o, "epochMs", (double)now)) {
        cJSON_Delete(o);
        return ERR_INTERNAL;
    }
    return api_json(rs, 200, o);
}

/* Moves the clock as `body` says. */
static enum err clock_move(struct app *app, const cJSON *body, struct api_res *rs)
{
    const cJSON *adv = cJSON_GetObjectItemCaseSensitive(body, "advanceMs");
    const cJSON *now = cJSON_GetObjectItemCaseSensitive(body, "now");
    const cJSON *epoch = cJSON_GetObjectItemCaseSensitive(body, "epochMs");
    int64_t ms;
    if ((adv != NULL) + (now != NULL) + (epoch != NULL) != 1)
        return api_fail(rs, ERR_BAD_REQUEST, "Give exactly one of advanceMs, now or epochMs.");
    if (adv) {
        if (!cJSON_IsNumber(adv) || adv->valuedouble != (double)(int64_t)adv->valuedouble ||
            adv->valuedouble < -1e15 || adv->valuedouble > 1e15 ||
            clock_advance(app->clock, (int64_t)adv->valuedouble) != 0)
            return api_fail(rs, ERR_BAD_REQUEST,
                            "advanceMs must be a whole number of milliseconds that keeps the "
                            "clock after 1970.");
    } else if (now) {
        if (!cJSON_IsString(now) || clock_parse(now->valuestring, &ms) != 0 ||
            clock_set(app->clock, ms) != 0)
            return api_fail(
                rs, ERR_BAD_REQUEST,
                "now must be an RFC 3339 UTC date-time such as 2026-01-02T03:04:05.678Z.");
    } else {
        if (!cJSON_IsNumber(epoch) || epoch->valuedouble < 0 ||
            epoch->valuedouble > 253402300799999.0 ||
            epoch->valuedouble != (double)(int64_t)epoch->valuedouble ||
            clock_set(app->clock, (int64_t)epoch->valuedouble) != 0)
            return api_fail(rs, ERR_BAD_REQUEST, "epochMs must be a whole number of milliseconds.");
    }
    return ERR_OK;
}

/* POST /mock/clock {"advanceMs": N} | {"now": RFC3339} | {"epochMs": N}. */
enum err api_mock_clock_set(struct api_req *rq, struct api_res *rs)
{
    struct app *app = rq->app;
    if (clock_mode(app->clock) != CLOCK_MODE_VIRTUAL)
        return api_fail(rs, ERR_BAD_REQUEST,
                        "The clock is real; start the server with --clock virtual to move it.");
    cJSON *body = cJSON_ParseWithLength(rq->body ? rq->body : "", rq->body_len);
    enum err e;
    if (!cJSON_IsObject(body))
        e = api_fail(rs, ERR_BAD_REQUEST,
                     "Body must be a JSON object with advanceMs, now or epochMs.");
    else if ((e = clock_move(app, body, rs)) == ERR_OK)
        e = clock_persist(app) == 0 ? api_mock_clock_get(rq, rs) : ERR_INTERNAL;
    cJSON_Delete(body);
    return e;
}

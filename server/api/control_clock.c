/*
 * control_clock.c - the /mock/ routes for the whole mock: health, reset, and
 * the clock (read it; move a virtual one within CLOCK_MIN_MS..CLOCK_MAX_MS).
 * A moved virtual clock is saved in the database so a file database resumes
 * from the same instant.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>

#include "../auth/limiter.h"
#include "../core/clock.h"
#include "../store/control_store.h"
#include "../store/gen.h"
#include "api.h"
#include "app.h"
#include "config.h"
#include "control_body.h"
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

enum err api_mock_reset(struct api_req *rq, struct api_res *rs)
{
    if (app_reset(rq->app) != 0)
        return ERR_INTERNAL;
    /* The config file's state comes back too, on the new clock. */
    char why[512];
    if (config_apply(rq->app, rq->app->cfg.config, why, sizeof(why)) != 0)
        return api_fail(rs, ERR_INTERNAL, "reset: %s", why);
    app_settle(rq->app); /* the fixtures' and the config's due tasks end first */
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

/* A POST /mock/clock body: exactly one of the three. */
struct clock_body {
    int64_t advance_ms, epoch_ms;
    char now[40];
};

enum { C_ADVANCE, C_NOW, C_EPOCH };
static const struct body_field clock_fields[] = {
    [C_ADVANCE] = {"advanceMs", BODY_WHOLE, BODY_AT(struct clock_body, advance_ms),
                   .min = -CLOCK_MAX_MS, .max = CLOCK_MAX_MS},
    [C_NOW] = {"now", BODY_TEXT, BODY_AT(struct clock_body, now)},
    [C_EPOCH] = {"epochMs", BODY_WHOLE, BODY_AT(struct clock_body, epoch_ms), .min = CLOCK_MIN_MS,
                 .max = CLOCK_MAX_MS},
};

#define CLOCK_RANGE "1970-01-01T00:00:00.000Z to 8999-12-31T23:59:59.999Z"

/* Moves the clock as the body says. */
static enum err clock_move(struct app *app, const cJSON *body, struct api_res *rs)
{
    struct clock_body cb = {0, 0, ""};
    unsigned given;
    int64_t ms;
    enum err e = control_body_parse(
        body, clock_fields, sizeof(clock_fields) / sizeof(clock_fields[0]), NULL, &cb, &given, rs);
    if (e != ERR_OK)
        return e;
    if (BODY_GIVEN(given, C_ADVANCE) + BODY_GIVEN(given, C_NOW) + BODY_GIVEN(given, C_EPOCH) != 1)
        return api_fail(rs, ERR_BAD_REQUEST, "Give exactly one of advanceMs, now or epochMs.");
    if (BODY_GIVEN(given, C_ADVANCE) && clock_advance(app->clock, cb.advance_ms) != 0)
        return api_fail(rs, ERR_BAD_REQUEST,
                        "Field 'advanceMs' would move the clock outside " CLOCK_RANGE ".");
    if (BODY_GIVEN(given, C_NOW) && clock_parse(cb.now, &ms) != 0)
        return api_fail(rs, ERR_BAD_REQUEST,
                        "Field 'now' must be an RFC 3339 UTC date-time such as "
                        "2026-01-02T03:04:05.678Z.");
    if (BODY_GIVEN(given, C_NOW) && clock_set(app->clock, ms) != 0)
        return api_fail(rs, ERR_BAD_REQUEST, "Field 'now' must be from " CLOCK_RANGE ".");
    if (BODY_GIVEN(given, C_EPOCH))
        clock_set(app->clock, cb.epoch_ms); /* in range: checked by the table */
    return ERR_OK;
}

/* POST /mock/clock {"advanceMs": N} | {"now": RFC3339} | {"epochMs": N}. */
enum err api_mock_clock_set(struct api_req *rq, struct api_res *rs)
{
    struct app *app = rq->app;
    if (clock_mode(app->clock) != CLOCK_MODE_VIRTUAL)
        return api_fail(rs, ERR_BAD_REQUEST,
                        "The clock is real; start the server with --clock virtual to move it.");
    cJSON *body = NULL;
    enum err e = control_body_object(rq, rs, &body);
    if (e == ERR_OK && (e = clock_move(app, body, rs)) == ERR_OK)
        e = app_clock_save(app) == 0 ? ERR_OK : ERR_INTERNAL;
    if (e == ERR_OK) {
        app_settle(app); /* what the move made due has ended: its files are written */
        e = api_mock_clock_get(rq, rs);
    }
    cJSON_Delete(body);
    return e;
}

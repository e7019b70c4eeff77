/*
 * control_faults.c - injected faults: /mock/faults (list, add, clear) and
 * /mock/faults/{id} (one, or remove it). A fault answers a status, adds a
 * delay or drops the connection for calls of one operation or of all; the
 * store keeps them and control_hooks.c picks one per request.
 */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "../core/clock.h"
#include "../core/ids.h"
#include "../store/control_store.h"
#include "api.h"
#include "app.h"
#include "control_body.h"
#include "control_routes.h"

#define DELAY_MAX 60000 /* ms; the HTTP connection timeout is 60 s */
#define TIMES_MAX 1000000000LL
#define SEED_MAX 9007199254740992LL /* 2^53: whole numbers a double holds exactly */

/* A family name (startReport) covers the operation under every API version;
 * an operationId with a version (startReportV1) covers that path alone. */
/* clang-format off */
const char *const control_operations[] = {
    "startReport", "getReportResult", "getReport", "cancelReport",
    "startReportV1", "getReportResultV1", "getReportV1", "cancelReportV1",
    "createOauthToken", "*", NULL};
/* clang-format on */
static const int fault_statuses[] = {400, 401, 403, 404, 429, 500, 502, 503, 504, 0};

enum { F_OPERATION, F_STATUS, F_DELAY, F_DROP, F_TIMES, F_PROBABILITY, F_SEED, F_COUNT };
static const struct body_field fault_fields[] = {
    [F_OPERATION] = {"operation", BODY_CHOICE, BODY_AT(struct store_fault, operation),
                     .choices = control_operations, .required = 1},
    [F_STATUS] = {"status", BODY_CODE, BODY_AT(struct store_fault, status),
                  .codes = fault_statuses},
    [F_DELAY] = {"delayMs", BODY_WHOLE, BODY_AT(struct store_fault, delay_ms), .min = 0,
                 .max = DELAY_MAX},
    [F_DROP] = {"drop", BODY_BOOL, BODY_AT(struct store_fault, drop)},
    [F_TIMES] = {"times", BODY_WHOLE, BODY_AT(struct store_fault, times), .min = 1,
                 .max = TIMES_MAX},
    [F_PROBABILITY] = {"probability", BODY_NUMBER, BODY_AT(struct store_fault, probability),
                       .min = 0, .max = 1},
    [F_SEED] = {"seed", BODY_WHOLE, BODY_AT(struct store_fault, seed), .min = -SEED_MAX,
                .max = SEED_MAX},
};

static cJSON *fault_json(const struct store_fault *f)
{
    cJSON *o = cJSON_CreateObject();
    int random = f->probability >= 0;
    int ok = o && cJSON_AddNumberToObject(o, "id", (double)f->id) &&
             cJSON_AddStringToObject(o, "operation", f->operation) &&
             control_add_num(o, "status", f->status, f->status > 0) &&
             cJSON_AddNumberToObject(o, "delayMs", (double)f->delay_ms) &&
             cJSON_AddBoolToObject(o, "drop", f->drop) &&
             control_add_num(o, "times", f->times, f->times >= 0) &&
             control_add_num(o, "remaining", f->remaining, f->times >= 0) &&
             (random ? cJSON_AddNumberToObject(o, "probability", f->probability)
                     : cJSON_AddNullToObject(o, "probability")) &&
             control_add_num(o, "seed", f->seed, random) &&
             cJSON_AddNumberToObject(o, "calls", (double)f->calls) &&
             cJSON_AddNumberToObject(o, "hits", (double)f->hits) &&
             cJSON_AddBoolToObject(o, "active", f->times < 0 || f->remaining > 0) &&
             control_add_time(o, "created", f->created_ms, 1);
    return control_json_done(o, ok);
}

static int add_fault(void *ud, const struct store_fault *f)
{
    return control_list_add(ud, fault_json(f));
}

/* The rules between fault members, once each member is valid. */
static enum err fault_rules(unsigned given, struct store_fault *f, struct api_res *rs)
{
    if (!BODY_GIVEN(given, F_STATUS) && f->delay_ms == 0 && !f->drop)
        return api_fail(rs, ERR_BAD_REQUEST,
                        "Give at least one of status, delayMs (above 0) or drop (true).");
    if (BODY_GIVEN(given, F_STATUS) && f->drop)
        return api_fail(rs, ERR_BAD_REQUEST,
                        "Fields 'status' and 'drop' cannot be combined: a dropped connection "
                        "has no status.");
    if (BODY_GIVEN(given, F_PROBABILITY) && BODY_GIVEN(given, F_TIMES))
        return api_fail(rs, ERR_BAD_REQUEST,
                        "Give times or probability, not both: 'probability' applies to every "
                        "call.");
    if (!BODY_GIVEN(given, F_PROBABILITY) && BODY_GIVEN(given, F_SEED))
        return api_fail(rs, ERR_BAD_REQUEST, "Field 'seed' needs 'probability'.");
    if (BODY_GIVEN(given, F_PROBABILITY) && !BODY_GIVEN(given, F_SEED)) {
        uint64_t r;
        ids_random(&r, sizeof(r));
        f->seed = (int64_t)(r & ((UINT64_C(1) << 53) - 1));
    }
    f->remaining = f->times;
    return ERR_OK;
}

/* POST /mock/faults: adds one (201). */
enum err api_mock_faults_post(struct api_req *rq, struct api_res *rs)
{
    cJSON *body = NULL;
    struct store_fault f = {.times = -1, .probability = -1};
    unsigned given;
    enum err e = control_body_object(rq, rs, &body);
    if (e == ERR_OK)
        e = control_body_parse(body, fault_fields, F_COUNT, NULL, &f, &given, rs);
    if (e == ERR_OK)
        e = fault_rules(given, &f, rs);
    if (e == ERR_OK) {
        f.created_ms = clock_now_ms(rq->app->clock);
        e = store_fault_add(rq->app->store, &f) == 0 ? api_json(rs, 201, fault_json(&f))
                                                     : ERR_INTERNAL;
    }
    cJSON_Delete(body);
    return e;
}

/* GET /mock/faults: every fault, with its counts. */
enum err api_mock_faults_get(struct api_req *rq, struct api_res *rs)
{
    struct control_list l;
    cJSON *o = control_list_start("faults", &l);
    return control_list_answer(rs, o, o ? store_fault_each(rq->app->store, add_fault, &l) : -1, &l);
}

/* DELETE /mock/faults: removes all. */
enum err api_mock_faults_delete(struct api_req *rq, struct api_res *rs)
{
    return store_fault_clear(rq->app->store) == 0 ? control_no_content(rs) : ERR_INTERNAL;
}

/* The {id} of /mock/faults/{id}: a positive whole number; else a 400 in rs. */
static enum err fault_id(const struct api_req *rq, int64_t *id, struct api_res *rs)
{
    const char *param = rq->param;
    char *end = NULL;
    long long n = param && *param >= '1' && *param <= '9' ? strtoll(param, &end, 10) : 0;
    if (!end || *end || n <= 0 || n == LLONG_MAX)
        return api_fail(rs, ERR_BAD_REQUEST,
                        "The fault id in the path must be a positive whole number.");
    *id = n;
    return ERR_OK;
}

/* GET /mock/faults/{id}: one fault; 404 when none. */
enum err api_mock_fault_get(struct api_req *rq, struct api_res *rs)
{
    int64_t id = 0;
    struct store_fault f;
    enum err e = fault_id(rq, &id, rs);
    if (e != ERR_OK)
        return e;
    int rc = store_fault_get(rq->app->store, id, &f);
    if (rc == 1)
        return api_fail(rs, ERR_NOT_FOUND, "No fault %" PRId64 ".", id);
    return rc == 0 ? api_json(rs, 200, fault_json(&f)) : ERR_INTERNAL;
}

/* DELETE /mock/faults/{id}: removes it; 404 when none. */
enum err api_mock_fault_delete(struct api_req *rq, struct api_res *rs)
{
    int64_t id = 0;
    enum err e = fault_id(rq, &id, rs);
    if (e != ERR_OK)
        return e;
    return control_deleted(rs, store_fault_delete(rq->app->store, id), "No fault %" PRId64 ".", id);
}

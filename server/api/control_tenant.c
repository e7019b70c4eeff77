/*
 * control_tenant.c - the /mock/tenant routes: what the tenant holds (rows
 * per table, and the size and seed it was generated from) and generating a
 * new one at run time. Generation itself lives in store/gen.c; this file
 * only reads the body and shapes the answers.
 *
 * POST blocks until the new tenant is complete (a million identities take
 * tens of seconds); meanwhile other requests keep being served, because the
 * generator releases the store lock between batches. Tasks, clients and
 * every other setting are kept; a reset brings back the start-up tenant.
 */
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "../store/gen.h"
#include "api.h"
#include "app.h"
#include "control_body.h"
#include "control_routes.h"

/* GET /mock/tenant and the answer to a POST:
 * {"generated": bool, "size": N, "seed": S|null, "counts": {"table": rows...}}. */
static enum err tenant_answer(struct app *app, int status, struct api_res *rs)
{
    int64_t counts[GEN_TABLES], size = 0, seed = 0;
    int gen = store_tenant_generated(app->store, &size, &seed);
    if (gen < 0 || store_tenant_counts(app->store, counts) != 0)
        return ERR_INTERNAL;
    cJSON *o = cJSON_CreateObject(), *c = NULL;
    int ok = o && cJSON_AddBoolToObject(o, "generated", gen == 0) &&
             cJSON_AddNumberToObject(o, "size", (double)counts[GEN_TABLE_IDENTITIES]) &&
             (gen == 0 ? cJSON_AddNumberToObject(o, "seed", (double)seed) != NULL
                       : cJSON_AddNullToObject(o, "seed") != NULL) &&
             (c = cJSON_AddObjectToObject(o, "counts")) != NULL;
    /* Parents first, as a reader expects them. */
    for (int i = GEN_TABLES - 1; ok && i >= 0; i--)
        ok = cJSON_AddNumberToObject(c, gen_tables[i], (double)counts[i]) != NULL;
    if (!ok) {
        cJSON_Delete(o);
        return ERR_INTERNAL;
    }
    return api_json(rs, status, o);
}

enum err api_mock_tenant_get(struct api_req *rq, struct api_res *rs)
{
    return tenant_answer(rq->app, 200, rs);
}

struct tenant_body {
    int64_t size, seed;
};

enum { F_SIZE, F_SEED };
static const struct body_field tenant_fields[] = {
    [F_SIZE] = {"size", BODY_WHOLE, BODY_AT(struct tenant_body, size), .min = GEN_SIZE_MIN,
                .max = GEN_SIZE_MAX, .required = 1},
    [F_SEED] = {"seed", BODY_WHOLE, BODY_AT(struct tenant_body, seed), .min = 0,
                .max = GEN_SEED_MAX},
};

/* POST /mock/tenant {"size": N, "seed": S}: a new generated tenant (seed 1 when absent). */
enum err api_mock_tenant_post(struct api_req *rq, struct api_res *rs)
{
    cJSON *body = NULL;
    struct tenant_body tb = {0, 1};
    unsigned given;
    enum err e = control_body_object(rq, rs, &body);
    if (e == ERR_OK)
        e = control_body_parse(body, tenant_fields,
                               sizeof(tenant_fields) / sizeof(tenant_fields[0]), NULL, &tb, &given,
                               rs);
    cJSON_Delete(body);
    if (e != ERR_OK)
        return e;
    if (store_tenant_generate(rq->app->store, tb.size, tb.seed, GEN_RUNTIME) != 0)
        return ERR_INTERNAL;
    return tenant_answer(rq->app, 200, rs);
}

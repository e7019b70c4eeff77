/*
 * index.c - GET /: what a browser or a curl at the server's root finds, a
 * small JSON pointer to the API, the token endpoint, the control API and
 * the README. Nothing here reads state but the version.
 */
#include <cjson/cJSON.h>

#include "api.h"
#include "app.h"

/* What GET / lists, in order. One table. */
static const struct {
    const char *key, *value;
} pointers[] = {
    {"name", "isc-reports-mock"},
    {"description", "A local mock of the SailPoint ISC Reports Data Extraction API."},
    {"token", "POST /oauth/token (client_credentials)"},
    {"reports", "/v2024/reports (the same under /v3, /v2025 and /v2026) and /reports/v1"},
    {"control", "/mock/ (for example GET /mock/health, POST /mock/reset)"},
    {"console", "/mock/ui (a live view of tasks, requests and the clock, in a browser)"},
    {"docs", "README.md at the root of the source tree"},
};

enum err api_index(struct api_req *rq, struct api_res *rs)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return ERR_INTERNAL;
    for (size_t i = 0; i < sizeof(pointers) / sizeof(pointers[0]); i++)
        if (!cJSON_AddStringToObject(o, pointers[i].key, pointers[i].value))
            goto fail;
    if (!cJSON_AddStringToObject(o, "version", rq->app->version ? rq->app->version : ""))
        goto fail;
    return api_json(rs, 200, o);
fail:
    cJSON_Delete(o);
    return ERR_INTERNAL;
}

/*
 * control_tokens.c - POST /mock/tokens: mints a token as /oauth/token would,
 * for any client id (a known client's attributes are the defaults) with
 * chosen scopes, user context and lifetime (negative: already expired).
 * The token is recorded like one the token endpoint issued.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../auth/jwt.h"
#include "../core/clock.h"
#include "../store/store.h"
#include "api.h"
#include "app.h"
#include "control_body.h"
#include "control_principal.h"
#include "control_routes.h"

#define TTL_MAX 315360000LL /* ten years, in seconds */

enum { T_CLIENT_ID, T_SCOPES, T_TTL };
static const struct body_field token_fields[] = {
    [T_CLIENT_ID] = {"clientId", BODY_TEXT, BODY_AT(struct principal_body, c.client_id),
                     .chars = control_id_char, .required = 1},
    [T_SCOPES] = {"scopes", BODY_CUSTOM, BODY_AT(struct principal_body, c.scopes),
                  .parse = control_parse_scopes},
    [T_TTL] = {"ttlSeconds", BODY_WHOLE, BODY_AT(struct principal_body, ttl_s), .min = -TTL_MAX,
               .max = TTL_MAX},
    PRINCIPAL_USER_ROWS,
};

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

/* The principal a token body describes: the known client's attributes,
 * overridden by what the body gives. */
static enum err token_principal(struct app *app, const cJSON *body, struct principal_body *pb,
                                struct store_client *c, struct api_res *rs)
{
    unsigned given;
    enum err e = control_body_parse(
        body, token_fields, sizeof(token_fields) / sizeof(token_fields[0]), NULL, pb, &given, rs);
    if (e != ERR_OK)
        return e;
    int known = store_client_get(app->store, pb->c.client_id, c);
    if (known < 0)
        return ERR_INTERNAL;
    if (known == 1) {
        memset(c, 0, sizeof(*c));
        memcpy(c->client_id, pb->c.client_id, sizeof(c->client_id));
    }
    if (known == 1 && !BODY_GIVEN(given, T_SCOPES))
        return api_fail(rs, ERR_BAD_REQUEST,
                        "Field 'scopes' is required when clientId is not a known client.");
    if (BODY_GIVEN(given, T_SCOPES))
        memcpy(c->scopes, pb->c.scopes, sizeof(c->scopes));
    return control_principal_apply(pb, c, rs);
}

/* Mints and records a token for `c`; its answer into rs. */
static enum err token_mint(struct app *app, const struct store_client *c, int64_t ttl,
                           struct api_res *rs)
{
    char jti[IDS_UUID_LEN];
    int64_t exp_s = 0, now_ms = clock_now_ms(app->clock);
    char *token = auth_mint(&app->issuer, c, NULL, now_ms, ttl, jti, &exp_s);
    if (!token)
        return api_fail(rs, ERR_INTERNAL, "token minting failed");
    int64_t exp_ms = exp_s > INT64_MAX / 1000   ? INT64_MAX
                     : exp_s < INT64_MIN / 1000 ? INT64_MIN
                                                : exp_s * 1000;
    enum err e = store_token_record(app->store, jti, c->client_id, now_ms, exp_ms) == 0
                     ? api_json(rs, 200, token_json(token, ttl, c->scopes))
                     : api_fail(rs, ERR_INTERNAL, "recording the token failed");
    free(token);
    return e;
}

/* POST /mock/tokens. */
enum err api_mock_tokens(struct api_req *rq, struct api_res *rs)
{
    cJSON *body = NULL;
    struct principal_body pb = {.user_context = -1, .ttl_s = rq->app->cfg.token_ttl_s};
    struct store_client c;
    enum err e = control_body_object(rq, rs, &body);
    if (e == ERR_OK)
        e = token_principal(rq->app, body, &pb, &c, rs);
    if (e == ERR_OK)
        e = token_mint(rq->app, &c, pb.ttl_s, rs);
    cJSON_Delete(body);
    return e;
}

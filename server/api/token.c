/*
 * token.c - POST /oauth/token: the client credentials grant (RFC 6749 §4.4).
 *
 * Parameters (grant_type, client_id, client_secret) come from the body, as
 * multipart/form-data (what the TypeScript SDK sends) or url-encoded (the
 * Python SDK), or from the query string; a body parameter wins over the
 * query. The client may instead authenticate with HTTP Basic (RFC 6749
 * §2.3.1), and then must not also send client_id or client_secret as
 * parameters (§2.3: one method per request). An Authorization header with
 * another scheme carries no client credentials and is ignored.
 *
 * Refusals follow RFC 6749 §5.2 through the ERR_OAUTH_* codes; the HTTP
 * layer writes {"error": ..., "error_description": ...}. The first refusal
 * answers, in this order: an unreadable body or a repeated parameter (400
 * invalid_request), a malformed Basic header (401 invalid_client), Basic and
 * parameter credentials at once (400 invalid_request), grant_type missing
 * (400 invalid_request) or not client_credentials (400
 * unsupported_grant_type), client_id or client_secret missing (400
 * invalid_request), then wrong credentials (401 invalid_client). A 401 to a
 * client that used Basic carries WWW-Authenticate: Basic (§5.2). The answer
 * carries the field set of a real ISC token response, read back from the
 * claims of the token just minted so both always agree.
 *
 * Borrows the app (store, clock, key); owns only per-call memory.
 */
#include "api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <nettle/memops.h>
#include <nettle/sha2.h>

#include "../auth/jwt.h"
#include "app.h"
#include "form.h"

#define TOKEN_GRANT "client_credentials"
#define TOKEN_BASIC_CHALLENGE "Basic realm=\"oauth\", charset=\"UTF-8\""

/*
 * Compares two secrets in time independent of where they differ and of
 * their lengths: both are hashed with SHA-256 and the digests compared with
 * memeql_sec. Returns 1 when equal, 0 when not.
 */
static int secret_equal(const char *a, const char *b)
{
    uint8_t da[SHA256_DIGEST_SIZE], db[SHA256_DIGEST_SIZE];
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    sha256_update(&ctx, strlen(a), (const uint8_t *)a);
    sha256_digest(&ctx, sizeof(da), da);
    sha256_init(&ctx);
    sha256_update(&ctx, strlen(b), (const uint8_t *)b);
    sha256_digest(&ctx, sizeof(db), db);
    return memeql_sec(da, db, sizeof(da)) != 0;
}

/*
 * Looks a parameter up: body first, then the query string. A parameter given
 * twice in the body is refused (RFC 6749 §3.2: "MUST NOT be included more
 * than once"): *dup is set and NULL returned.
 */
static const char *param(const struct api_req *rq, const struct form *body, const char *name,
                         int *dup)
{
    if (form_count(body, name) > 1) {
        *dup = 1;
        return NULL;
    }
    const char *v = form_get(body, name);
    if (!v && rq->query)
        v = rq->query(rq, name);
    return v;
}

/* Copies claim `name` of `claims` into `res` when present (any JSON type). */
static int copy_claim(cJSON *res, const cJSON *claims, const char *name)
{
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(claims, name);
    if (!c)
        return 0;
    cJSON *dup = cJSON_Duplicate(c, 1);
    if (!dup || !cJSON_AddItemToObject(res, name, dup)) {
        cJSON_Delete(dup);
        return -1;
    }
    return 0;
}

/* Joins the "scope" claim array with spaces, as the response's scope string. */
static int add_scope_string(cJSON *res, const cJSON *claims)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(claims, "scope");
    const cJSON *it;
    struct buf b;
    int rc = -1;
    buf_init(&b, 4096);
    if (buf_puts(&b, "") != 0)
        goto out;
    cJSON_ArrayForEach(it, arr)
    {
        if (!cJSON_IsString(it))
            continue;
        if ((b.len && buf_putc(&b, ' ') != 0) || buf_puts(&b, it->valuestring) != 0)
            goto out;
    }
    rc = cJSON_AddStringToObject(res, "scope", b.data) ? 0 : -1;
out:
    buf_free(&b);
    return rc;
}

/* The 200 body: access_token, token_type, expires_in, scope, then the claims. */
static cJSON *token_response(const char *token, int64_t ttl_s)
{
    static const char *const from_claims[] = {
        "tenant_id", "internal",    "pod", "strong_auth_supported", "org", "identity_id",
        "user_name", "strong_auth", "jti",
    };
    cJSON *claims = jwt_peek(token);
    cJSON *res = cJSON_CreateObject();
    if (!claims || !res || !cJSON_AddStringToObject(res, "access_token", token) ||
        !cJSON_AddStringToObject(res, "token_type", "bearer") ||
        !cJSON_AddNumberToObject(res, "expires_in", (double)ttl_s) ||
        add_scope_string(res, claims) != 0)
        goto fail;
    for (size_t i = 0; i < sizeof from_claims / sizeof from_claims[0]; i++)
        if (copy_claim(res, claims, from_claims[i]) != 0)
            goto fail;
    cJSON_Delete(claims);
    return res;
fail:
    cJSON_Delete(claims);
    cJSON_Delete(res);
    return NULL;
}

/* What a token request says, parsed from its body and Authorization header. */
struct token_request {
    struct form *body, *basic;       /* owned; NULL when absent */
    enum form_status bs;             /* the Authorization header's credentials */
    const char *grant, *id, *secret; /* borrowed from body or basic */
};

/* Parses the request body, if any, into tr->body. */
static enum err read_body(struct api_req *rq, struct api_res *rs, struct token_request *tr)
{
    if (!rq->body || rq->body_len == 0)
        return ERR_OK;
    const char *ct = rq->header ? rq->header(rq, "Content-Type") : NULL;
    enum form_status fs = form_parse(ct, rq->body, rq->body_len, &tr->body);
    if (fs == FORM_NOMEM)
        return api_fail(rs, ERR_INTERNAL, "out of memory parsing the token request");
    if (fs == FORM_UNSUPPORTED)
        return api_fail(rs, ERR_OAUTH_INVALID_REQUEST,
                        "Unsupported Content-Type: send application/x-www-form-urlencoded or "
                        "multipart/form-data");
    if (fs != FORM_OK)
        return api_fail(rs, ERR_OAUTH_INVALID_REQUEST, "Unreadable request body: %s",
                        form_status_text(fs));
    return ERR_OK;
}

/* Reads grant type and client credentials from parameters or HTTP Basic. */
static enum err read_credentials(struct api_req *rq, struct api_res *rs, struct token_request *tr)
{
    int dup = 0;
    tr->grant = param(rq, tr->body, "grant_type", &dup);
    tr->id = param(rq, tr->body, "client_id", &dup);
    tr->secret = param(rq, tr->body, "client_secret", &dup);
    if (dup)
        return api_fail(rs, ERR_OAUTH_INVALID_REQUEST,
                        "A parameter is repeated in the request body");
    tr->bs = form_parse_basic(rq->header ? rq->header(rq, "Authorization") : NULL, &tr->basic);
    if (tr->bs == FORM_NOMEM)
        return api_fail(rs, ERR_INTERNAL, "out of memory reading the Authorization header");
    if (tr->bs == FORM_UNSUPPORTED)
        return ERR_OK;
    if (tr->bs != FORM_OK)
        return api_fail(rs, ERR_OAUTH_INVALID_CLIENT,
                        "Malformed Basic credentials: send base64 of client_id:client_secret");
    if (tr->id || tr->secret)
        return api_fail(rs, ERR_OAUTH_INVALID_REQUEST,
                        "Client credentials sent both by HTTP Basic and as parameters: use one "
                        "method");
    tr->id = form_get(tr->basic, "client_id");
    tr->secret = form_get(tr->basic, "client_secret");
    return ERR_OK;
}

/* Checks the grant type and that the credentials are present. */
static enum err check_request(struct api_res *rs, const struct token_request *tr)
{
    if (!tr->grant || !*tr->grant)
        return api_fail(rs, ERR_OAUTH_INVALID_REQUEST, "Missing grant_type parameter");
    if (strcmp(tr->grant, TOKEN_GRANT) != 0)
        return api_fail(rs, ERR_OAUTH_UNSUPPORTED_GRANT,
                        "Unsupported grant type: only client_credentials is supported");
    if (!tr->id || !*tr->id)
        return api_fail(rs, ERR_OAUTH_INVALID_REQUEST, "Missing client_id parameter");
    if (!tr->secret || (!*tr->secret && !tr->basic))
        return api_fail(rs, ERR_OAUTH_INVALID_REQUEST, "Missing client_secret parameter");
    return ERR_OK;
}

/* Looks the client up and compares its secret; fills *client on success. */
static enum err authenticate(struct app *app, struct api_res *rs, const struct token_request *tr,
                             struct store_client *client)
{
    memset(client, 0, sizeof *client);
    int rc = strlen(tr->id) < sizeof client->client_id
                 ? store_client_get(app->store, tr->id, client)
                 : 1;
    if (rc < 0)
        return api_fail(rs, ERR_INTERNAL, "client lookup failed");
    /* Compare even for an unknown client, so timing does not tell which part was wrong. */
    int same = secret_equal(tr->secret, rc == 0 ? client->secret : "");
    if (rc != 0 || !same)
        return api_fail(rs, ERR_OAUTH_INVALID_CLIENT, "Bad credentials");
    return ERR_OK;
}

/* Mints and records a token for `client` and answers with it. */
static enum err issue_token(struct app *app, struct api_res *rs, const struct store_client *client)
{
    char jti[IDS_UUID_LEN];
    int64_t exp_s = 0;
    int64_t now_ms = clock_now_ms(app->clock);
    int64_t ttl_s = app->cfg.token_ttl_s;
    enum err e;
    char *token = auth_mint(&app->issuer, client, NULL, now_ms, ttl_s, jti, &exp_s);
    if (!token)
        return api_fail(rs, ERR_INTERNAL, "token minting failed");
    int64_t exp_ms = exp_s > INT64_MAX / 1000 ? INT64_MAX : exp_s * 1000;
    if (store_token_record(app->store, jti, client->client_id, now_ms, exp_ms) != 0) {
        e = api_fail(rs, ERR_INTERNAL, "recording the token failed");
        goto out;
    }
    cJSON *res = token_response(token, ttl_s);
    if (!res) {
        e = api_fail(rs, ERR_INTERNAL, "out of memory building the token response");
        goto out;
    }
    snprintf(rs->client_id, sizeof(rs->client_id), "%s", client->client_id); /* for the log */
    e = api_json(rs, 200, res);
    if (e == ERR_OK) {
        /* RFC 6749 §5.1: token responses must not be cached. */
        api_res_header(rs, "Cache-Control", "no-store");
        api_res_header(rs, "Pragma", "no-cache");
    }
out:
    free(token);
    return e;
}

enum err api_token(struct api_req *rq, struct api_res *rs)
{
    struct token_request tr = {.bs = FORM_UNSUPPORTED};
    struct store_client client;
    enum err e = read_body(rq, rs, &tr);
    if (e == ERR_OK)
        e = read_credentials(rq, rs, &tr);
    if (e == ERR_OK)
        e = check_request(rs, &tr);
    if (e == ERR_OK)
        e = authenticate(rq->app, rs, &tr, &client);
    if (e == ERR_OK)
        e = issue_token(rq->app, rs, &client);
    if (e == ERR_OAUTH_INVALID_CLIENT && tr.bs != FORM_UNSUPPORTED)
        api_res_header(rs, "WWW-Authenticate", "%s", TOKEN_BASIC_CHALLENGE);
    form_free(tr.basic);
    form_free(tr.body);
    return e;
}

/*
 * test_token_basic.c - the token requests real OAuth clients send besides
 * the SDKs' form bodies: client authentication by HTTP Basic (RFC 6749
 * §2.3.1) with grant_type in the body or the query, Basic together with
 * parameter credentials (refused), malformed Basic headers (401 with
 * WWW-Authenticate), and //oauth/token, which a base URL ending in '/'
 * produces.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "harness.h"

/* Standard base64 with padding (RFC 4648 §4) of s, into out. */
static void b64(const char *s, char *out, size_t cap)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(s), o = 0;
    cr_assert((n + 2) / 3 * 4 < cap);
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned char)s[i] << 16;
        if (i + 1 < n)
            v |= (unsigned char)s[i + 1] << 8;
        if (i + 2 < n)
            v |= (unsigned char)s[i + 2];
        out[o++] = a[v >> 18 & 63];
        out[o++] = a[v >> 12 & 63];
        out[o++] = i + 1 < n ? a[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? a[v & 63] : '=';
    }
    out[o] = '\0';
}

#define FORM "Content-Type: application/x-www-form-urlencoded"
#define GRANT "grant_type=client_credentials"
#define BOUNDARY "----mock-basic-boundary"
#define MULTIPART_GRANT                                                                            \
    "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"grant_type\"\r\n\r\n"                \
    "client_credentials\r\n--" BOUNDARY "--\r\n"

struct basic_case {
    const char *id;
    const char *path;     /* "/oauth/token" unless set */
    const char *userpass; /* base64-encoded into "Basic ..."; NULL: see raw */
    const char *raw;      /* the Authorization header value as is; NULL: none */
    const char *body;     /* url-encoded unless multipart; NULL: no body */
    int multipart;
    long status;
    const char *error;  /* RFC 6749 error code when status is not 200 */
    const char *client; /* client_id of the token when status is 200 */
    int challenge;      /* 1: WWW-Authenticate: Basic expected */
};

static const struct basic_case cases[] = {
    {"basic with grant_type in the body", NULL, "demo-app:demo-app-secret", NULL, GRANT, 0, 200,
     NULL, "demo-app", 0},
    {"basic with a multipart body", NULL, "demo-admin:demo-admin-secret", NULL, MULTIPART_GRANT, 1,
     200, NULL, "demo-admin", 0},
    {"basic with grant_type in the query", "/oauth/token?" GRANT, "demo-app:demo-app-secret", NULL,
     NULL, 0, 200, NULL, "demo-app", 0},
    {"basic scheme in lower case", NULL, NULL, "basic ZGVtby1hcHA6ZGVtby1hcHAtc2VjcmV0", GRANT, 0,
     200, NULL, "demo-app", 0},
    {"percent-encoded halves", NULL, "demo%2Dapp:demo%2Dapp%2Dsecret", NULL, GRANT, 0, 200, NULL,
     "demo-app", 0},
    {"body credentials, no header", NULL, NULL, NULL,
     GRANT "&client_id=demo-app&client_secret=demo-app-secret", 0, 200, NULL, "demo-app", 0},
    {"a bearer header is not client authentication", NULL, NULL, "Bearer abc.def.ghi",
     GRANT "&client_id=demo-app&client_secret=demo-app-secret", 0, 200, NULL, "demo-app", 0},
    {"//oauth/token with a body", "//oauth/token", NULL, NULL,
     GRANT "&client_id=demo-app&client_secret=demo-app-secret", 0, 200, NULL, "demo-app", 0},
    {"//oauth/token with basic", "//oauth/token", "demo-admin:demo-admin-secret", NULL, GRANT, 0,
     200, NULL, "demo-admin", 0},
    {"basic without grant_type", NULL, "demo-app:demo-app-secret", NULL, NULL, 0, 400,
     "invalid_request", NULL, 0},
    {"basic and body credentials", NULL, "demo-app:demo-app-secret", NULL,
     GRANT "&client_id=demo-app&client_secret=demo-app-secret", 0, 400, "invalid_request", NULL, 0},
    {"basic and a body client_id", NULL, "demo-app:demo-app-secret", NULL,
     GRANT "&client_id=demo-app", 0, 400, "invalid_request", NULL, 0},
    {"basic and a body client_secret", NULL, "demo-app:demo-app-secret", NULL,
     GRANT "&client_secret=demo-app-secret", 0, 400, "invalid_request", NULL, 0},
    {"basic and a query client_id", "/oauth/token?client_id=demo-app", "demo-app:demo-app-secret",
     NULL, GRANT, 0, 400, "invalid_request", NULL, 0},
    {"basic with another grant", NULL, "demo-app:demo-app-secret", NULL, "grant_type=password", 0,
     400, "unsupported_grant_type", NULL, 0},
    {"basic with a wrong secret", NULL, "demo-app:nope", NULL, GRANT, 0, 401, "invalid_client",
     NULL, 1},
    {"basic with an unknown client", NULL, "nobody:x", NULL, GRANT, 0, 401, "invalid_client", NULL,
     1},
    {"basic with an empty secret", NULL, "demo-app:", NULL, GRANT, 0, 401, "invalid_client", NULL,
     1},
    {"basic not url-decoded by the client", NULL, "demo-app:demo+app-secret", NULL, GRANT, 0, 401,
     "invalid_client", NULL, 1},
    {"basic without credentials", NULL, NULL, "Basic", GRANT, 0, 401, "invalid_client", NULL, 1},
    {"basic that is not base64", NULL, NULL, "Basic demo-app:demo-app-secret", GRANT, 0, 401,
     "invalid_client", NULL, 1},
    {"basic without a colon", NULL, "demo-app", NULL, GRANT, 0, 401, "invalid_client", NULL, 1},
    {"basic with an empty client_id", NULL, ":demo-app-secret", NULL, GRANT, 0, 401,
     "invalid_client", NULL, 1},
    {"basic with a bad escape", NULL, "demo%zzapp:demo-app-secret", NULL, GRANT, 0, 401,
     "invalid_client", NULL, 1},
    {"body credentials, wrong secret: no challenge", NULL, NULL, NULL,
     GRANT "&client_id=demo-app&client_secret=nope", 0, 401, "invalid_client", NULL, 0},
};

E2E_TABLE_PARAMS(token_basic, table, cases)

/* The client_id claim of a JWT (the middle part, base64url JSON). */
static char *jwt_client_id(const char *jwt)
{
    const char *p = strchr(jwt, '.');
    cr_assert(p != NULL);
    p++;
    const char *e = strchr(p, '.');
    cr_assert(e != NULL);
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t n = (size_t)(e - p), o = 0;
    char *json = malloc(n + 1);
    cr_assert(json != NULL);
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        const char *c = strchr(a, p[i]);
        cr_assert(c != NULL && *c);
        acc = acc << 6 | (unsigned)(c - a);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            json[o++] = (char)(acc >> bits & 0xFF);
        }
    }
    json[o] = '\0';
    cJSON *claims = jparse(json);
    char *id = strdup(jstr(claims, "client_id") ? jstr(claims, "client_id") : "");
    cJSON_Delete(claims);
    free(json);
    return id;
}

ParameterizedTest(size_t *i, token_basic, table, .fini = e2e_fini, .timeout = 90.)
{
    const struct basic_case *c = &cases[*i];
    e2e_init();
    char auth[512] = "", enc[256], ct[128];
    if (c->userpass) {
        b64(c->userpass, enc, sizeof enc);
        snprintf(auth, sizeof auth, "Authorization: Basic %s", enc);
    } else if (c->raw) {
        snprintf(auth, sizeof auth, "Authorization: %s", c->raw);
    }
    const char *type =
        c->multipart ? "Content-Type: multipart/form-data; boundary=" BOUNDARY : FORM;
    const char *headers[3] = {NULL, NULL, NULL};
    size_t nh = 0;
    if (auth[0])
        headers[nh++] = auth;
    if (c->body)
        headers[nh++] = type;
    struct http_res r;
    http_req(&r, "POST", c->path ? c->path : "/oauth/token", headers, c->body,
             c->body ? strlen(c->body) : 0);
    cr_assert_eq(r.status, c->status, "%s: %ld %s", c->id, r.status, r.body);
    if (c->status == 200) {
        const char *tok = jstr(r.json, "access_token");
        cr_assert(tok != NULL, "%s: %s", c->id, r.body);
        char *id = jwt_client_id(tok);
        cr_expect_str_eq(id, c->client, "%s", c->id);
        free(id);
        /* the token works on the API */
        struct http_res api;
        api_call(&api, "GET", "/reports/v1/ffffffffffffffffffffffffffffffff/result", tok, NULL);
        cr_expect_eq(api.status, 404, "%s: the token is refused: %ld", c->id, api.status);
        http_res_free(&api);
    } else {
        cr_expect_str_eq(jstr(r.json, "error"), c->error, "%s: %s", c->id, r.body);
        cr_expect(jstr(r.json, "error_description") != NULL, "%s: %s", c->id, r.body);
        cr_expect(!jhas(r.json, "access_token"), "%s", c->id);
    }
    const char *wa = http_header(&r, "WWW-Authenticate", ct, sizeof ct);
    if (c->challenge)
        cr_expect(wa != NULL && strncmp(wa, "Basic realm=", 12) == 0, "%s: WWW-Authenticate %s",
                  c->id, wa ? wa : "(none)");
    else
        cr_expect_null(wa, "%s: WWW-Authenticate %s", c->id, wa);
    http_res_free(&r);
    e2e_finish();
}

/* Client ids and secrets with ':', '+', '@' and '%' reach the server intact
 * when the client form-urlencodes them before base64, as §2.3.1 says. */
E2E_TEST(token_basic, encoded_credentials_of_a_new_client)
{
    cJSON_Delete(ctl("POST", "/mock/clients",
                     "{\"clientId\":\"ci:bot+1\",\"clientSecret\":\"p@ss+word%\","
                     "\"userContext\":false,\"scopes\":\"sp:report:read\"}",
                     201));
    char enc[128], auth[160];
    b64("ci%3Abot%2B1:p%40ss%2Bword%25", enc, sizeof enc);
    snprintf(auth, sizeof auth, "Authorization: Basic %s", enc);
    const char *h[] = {auth, FORM, NULL};
    struct http_res r;
    http_req(&r, "POST", "/oauth/token", h, GRANT, strlen(GRANT));
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    char *id = jwt_client_id(jstr(r.json, "access_token"));
    cr_expect_str_eq(id, "ci:bot+1");
    free(id);
    http_res_free(&r);
}

/* Only //oauth/token is answered as /oauth/token; other empty segments are not collapsed. */
E2E_TEST(token_basic, double_slash_only_on_the_token_path)
{
    const char *body = GRANT "&client_id=demo-app&client_secret=demo-app-secret";
    const char *h[] = {FORM, NULL};
    struct http_res r;
    static const char *const not_found[] = {"///oauth/token", "/oauth//token", "//oauth//token",
                                            "/oauth/token/", "//v2024/reports/run"};
    for (size_t i = 0; i < sizeof not_found / sizeof not_found[0]; i++) {
        http_req(&r, "POST", not_found[i], h, body, strlen(body));
        cr_expect_eq(r.status, 404, "%s: %ld", not_found[i], r.status);
        if (r.status == 404)
            assert_error_dto(&r, 404, "No route");
        http_res_free(&r);
    }
    http_req(&r, "GET", "//oauth/token", NULL, NULL, 0);
    assert_error_dto(&r, 405, NULL);
    http_res_free(&r);

    http_req(&r, "POST", "//oauth/token", h, body, strlen(body));
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    http_res_free(&r);
    /* refused ones have no operation: the one createOauthToken row is this call */
    cJSON *j = ctl("GET", "/mock/requests?operation=createOauthToken", NULL, 200);
    cr_expect_eq(jnum(j, "count"), 1);
    cJSON *last = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "requests"), 0);
    cr_expect_str_eq(jstr(last, "path"), "//oauth/token", "the journal keeps the path as sent");
    cr_expect_eq(jnum(last, "status"), 200);
    cJSON_Delete(j);
}

/*
 * test_control_access.c - who may call: tokens minted through POST
 * /mock/tokens (the /oauth/token shape, chosen scopes, user context and
 * lifetime, expired ones) and API clients added, listed and removed through
 * /mock/clients, then used at /oauth/token. Every refused body too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "harness.h"

static const char *const ids_body =
    "{\"reportType\":\"IDENTITIES\",\"arguments\":{\"correlatedOnly\":true}}";

/* Decodes the payload of a JWT (base64url, no checks of the signature). */
static cJSON *jwt_claims(const char *jwt)
{
    const char *p = strchr(jwt, '.'), *end = p ? strchr(p + 1, '.') : NULL;
    cr_assert(p && end, "not a JWT: %s", jwt);
    p++;
    size_t n = (size_t)(end - p), o = 0;
    char *out = malloc(n + 1);
    cr_assert(out != NULL);
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int c = p[i], v = c >= 'A' && c <= 'Z'   ? c - 'A'
                          : c >= 'a' && c <= 'z' ? c - 'a' + 26
                          : c >= '0' && c <= '9' ? c - '0' + 52
                          : c == '-'             ? 62
                          : c == '_'             ? 63
                                                 : -1;
        cr_assert(v >= 0, "bad base64url");
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)((acc >> bits) & 0xff);
        }
    }
    out[o] = '\0';
    cJSON *claims = jparse(out);
    free(out);
    return claims;
}

/* POST /oauth/token for `id`/`secret`; returns the response (caller frees). */
static void oauth(struct http_res *r, const char *id, const char *secret)
{
    char form[512];
    snprintf(form, sizeof form, "grant_type=client_credentials&client_id=%s&client_secret=%s", id,
             secret);
    const char *h[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
    http_req(r, "POST", "/oauth/token", h, form, strlen(form));
}

/* The member names of object `o`, sorted, joined by ','. */
static void key_list(const cJSON *o, char *out, size_t cap)
{
    const char *names[64];
    int n = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, o)
    {
        if (n < 64)
            names[n++] = it->string;
    }
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            const char *t = names[j];
            names[j] = names[j - 1];
            names[j - 1] = t;
        }
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        strncat(out, names[i], cap - strlen(out) - 1);
        strncat(out, ",", cap - strlen(out) - 1);
    }
}

E2E_TEST(control_access, mint_has_the_token_shape)
{
    cJSON *m = ctl("POST", "/mock/tokens", "{\"clientId\":\"demo-app\"}", 200);
    struct http_res r;
    oauth(&r, "demo-app", "demo-app-secret");
    cr_assert_eq(r.status, 200);
    char a[512], b[512];
    key_list(m, a, sizeof a);
    key_list(r.json, b, sizeof b);
    cr_expect_str_eq(a, b, "same members as /oauth/token");
    cr_expect_str_eq(jstr(m, "token_type"), "bearer");
    cr_expect_str_eq(jstr(m, "scope"), jstr(r.json, "scope"), "the client's scopes by default");
    cr_expect_eq(jnum(m, "expires_in"), jnum(r.json, "expires_in"), "the server's lifetime");
    http_res_free(&r);

    /* It works like a real one. */
    cJSON *t = e2e_run("v2024", jstr(m, "access_token"), ids_body);
    cJSON_Delete(t);
    cJSON_Delete(m);
}

E2E_TEST(control_access, expired_token_is_401)
{
    cJSON *m = ctl("POST", "/mock/tokens", "{\"clientId\":\"demo-app\",\"ttlSeconds\":-60}", 200);
    cr_expect_eq(jnum(m, "expires_in"), -60);
    struct http_res r;
    api_call(&r, "POST", "/v2024/reports/run", jstr(m, "access_token"), ids_body);
    assert_401(&r, "JWT validation failed: JWT is expired");
    http_res_free(&r);
    cJSON_Delete(m);

    /* A short lifetime runs out on the virtual clock. */
    m = ctl("POST", "/mock/tokens", "{\"clientId\":\"demo-app\",\"ttlSeconds\":10}", 200);
    cJSON *t = e2e_run("v2024", jstr(m, "access_token"), ids_body);
    cJSON_Delete(t);
    e2e_clock_advance(10 * 1000);
    api_call(&r, "POST", "/v2024/reports/run", jstr(m, "access_token"), ids_body);
    assert_401(&r, "JWT validation failed: JWT is expired");
    http_res_free(&r);
    cJSON_Delete(m);
}

E2E_TEST(control_access, chosen_scopes_and_user_context)
{
    cJSON *m = ctl("POST", "/mock/tokens",
                   "{\"clientId\":\"demo-app\",\"scopes\":[\"sp:report:read\"]}", 200);
    cr_expect_str_eq(jstr(m, "scope"), "sp:report:read");
    cJSON *c = jwt_claims(jstr(m, "access_token"));
    assert_json_eq(cJSON_GetObjectItemCaseSensitive(c, "scope"), "[\"sp:report:read\"]");
    cr_expect_str_eq(jstr(c, "client_id"), "demo-app");
    cJSON_Delete(c);
    /* Read-only: startReport (sp:report:manage) is refused. */
    struct http_res r;
    api_call(&r, "POST", "/v2024/reports/run", jstr(m, "access_token"), ids_body);
    assert_error_dto(&r, 403, NULL);
    http_res_free(&r);
    cJSON_Delete(m);

    /* A string of scopes, spaces normalised. */
    m = ctl("POST", "/mock/tokens",
            "{\"clientId\":\"demo-app\",\"scopes\":\"  sp:report:read   sp:report:manage \"}", 200);
    cr_expect_str_eq(jstr(m, "scope"), "sp:report:read sp:report:manage");
    cJSON_Delete(m);

    /* A user token for a client-credentials client. */
    m = ctl("POST", "/mock/tokens",
            "{\"clientId\":\"demo-app\",\"userContext\":true,\"userLevel\":\"ORG_ADMIN\","
            "\"userName\":\"jane.doe\",\"identityId\":\"0123456789abcdef0123456789abcdef\"}",
            200);
    c = jwt_claims(jstr(m, "access_token"));
    cr_expect_str_eq(jstr(c, "user_name"), "jane.doe");
    cr_expect_str_eq(jstr(c, "identity_id"), "0123456789abcdef0123456789abcdef");
    assert_json_eq(cJSON_GetObjectItemCaseSensitive(c, "authorities"), "[\"ORG_ADMIN\"]");
    cr_expect_str_eq(jstr(m, "user_name"), "jane.doe");
    cJSON_Delete(c);
    /* A user token may cancel. */
    cJSON *t = e2e_run("v2024", jstr(m, "access_token"), ids_body);
    char path[128];
    snprintf(path, sizeof path, "/v2024/reports/%s/cancel", jstr(t, "id"));
    api_call(&r, "POST", path, jstr(m, "access_token"), NULL);
    cr_expect_eq(r.status, 204, "%ld %s", r.status, r.body);
    http_res_free(&r);
    cJSON_Delete(t);
    cJSON_Delete(m);

    /* A user client's fields are the defaults; userContext false drops them. */
    m = ctl("POST", "/mock/tokens", "{\"clientId\":\"demo-reader\"}", 200);
    cr_expect_str_eq(jstr(m, "user_name"), "demo.reader");
    cJSON_Delete(m);
    m = ctl("POST", "/mock/tokens", "{\"clientId\":\"demo-reader\",\"userContext\":false}", 200);
    cr_expect(!jhas(m, "user_name"), "client token has no user");
    c = jwt_claims(jstr(m, "access_token"));
    cr_expect(!jhas(c, "identity_id"));
    cJSON_Delete(c);
    cJSON_Delete(m);

    /* An unknown client needs scopes, then gets exactly those. */
    m = ctl("POST", "/mock/tokens", "{\"clientId\":\"ci-bot\",\"scopes\":\"sp:scopes:all\"}", 200);
    c = jwt_claims(jstr(m, "access_token"));
    cr_expect_str_eq(jstr(c, "client_id"), "ci-bot");
    cJSON_Delete(c);
    t = e2e_run("v2024", jstr(m, "access_token"), ids_body);
    cJSON_Delete(t);
    cJSON_Delete(m);
}

static const char *const bad_tokens[][2] = {
    {"", "JSON object"},
    {"\"demo-app\"", "JSON object"},
    {"{}", "clientId"},
    {"{\"clientId\":\"\"}", "clientId"},
    {"{\"clientId\":5}", "clientId"},
    {"{\"clientId\":\"a b\"}", "clientId"},
    {"{\"clientId\":\"a/b\"}", "clientId"},
    {"{\"clientId\":\"nobody\"}", "scopes"},
    {"{\"clientId\":\"demo-app\",\"scopes\":5}", "scopes"},
    {"{\"clientId\":\"demo-app\",\"scopes\":[\"a b\"]}", "scopes"},
    {"{\"clientId\":\"demo-app\",\"scopes\":[\"\"]}", "scopes"},
    {"{\"clientId\":\"demo-app\",\"scopes\":[1]}", "scopes"},
    {"{\"clientId\":\"demo-app\",\"scopes\":\"a\\u0001b\"}", "scopes"},
    {"{\"clientId\":\"demo-app\",\"ttlSeconds\":\"60\"}", "ttlSeconds"},
    {"{\"clientId\":\"demo-app\",\"ttlSeconds\":1.5}", "ttlSeconds"},
    {"{\"clientId\":\"demo-app\",\"ttlSeconds\":1e12}", "ttlSeconds"},
    {"{\"clientId\":\"demo-app\",\"userContext\":\"yes\"}", "userContext"},
    {"{\"clientId\":\"demo-app\",\"userLevel\":\"ORG_ADMIN\"}", "userContext"},
    {"{\"clientId\":\"demo-app\",\"userName\":\"x\"}", "userContext"},
    {"{\"clientId\":\"demo-app\",\"userContext\":true,\"userLevel\":5}", "userLevel"},
    {"{\"clientId\":\"demo-app\",\"userContext\":true,\"identityId\":\"xyz\"}", "identityId"},
    {"{\"clientId\":\"demo-app\",\"userContext\":true,\"userName\":\"\\u0007\"}", "userName"},
    {"{\"clientId\":\"demo-app\",\"lifetime\":60}", "lifetime"},
};

E2E_TEST(control_access, bad_token_requests_are_400)
{
    for (size_t i = 0; i < sizeof bad_tokens / sizeof bad_tokens[0]; i++)
        ctl_400("POST", "/mock/tokens", bad_tokens[i][0], bad_tokens[i][1]);
    /* Longer than the fields hold. */
    char body[1400];
    char longv[700];
    memset(longv, 'x', sizeof longv - 1);
    longv[sizeof longv - 1] = '\0';
    snprintf(body, sizeof body, "{\"clientId\":\"%.200s\",\"scopes\":\"a\"}", longv);
    ctl_400("POST", "/mock/tokens", body, "clientId");
    snprintf(body, sizeof body, "{\"clientId\":\"demo-app\",\"scopes\":\"%s\"}", longv);
    ctl_400("POST", "/mock/tokens", body, "scopes");
}

E2E_TEST(control_access, clients_add_use_remove)
{
    cJSON *c = ctl("POST", "/mock/clients",
                   "{\"clientId\":\"ci-bot\",\"clientSecret\":\"s3cret!\",\"name\":\"CI\","
                   "\"scopes\":[\"sp:report:read\",\"sp:report:manage\"]}",
                   201);
    assert_json_eq(c, "{\"clientId\":\"ci-bot\",\"clientSecret\":\"s3cret!\",\"name\":\"CI\","
                      "\"userContext\":false,\"scopes\":\"sp:report:read sp:report:manage\","
                      "\"userLevel\":null,\"userName\":null,\"identityId\":null}");
    cJSON *one = ctl("GET", "/mock/clients/ci-bot", NULL, 200);
    cr_expect(cJSON_Compare(one, c, 1), "GET answers what POST did");
    cJSON_Delete(one);
    cJSON_Delete(c);

    cJSON *all = ctl("GET", "/mock/clients", NULL, 200);
    const cJSON *it;
    int found = 0, demo = 0;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(all, "clients"))
    {
        found += strcmp(jstr(it, "clientId"), "ci-bot") == 0;
        if (strcmp(jstr(it, "clientId"), "demo-app") == 0) {
            demo = 1;
            cr_expect_str_eq(jstr(it, "clientSecret"), "demo-app-secret", "secrets are shown");
        }
    }
    cr_expect_eq(found, 1);
    cr_expect(demo, "fixture clients listed");
    cJSON_Delete(all);

    /* The new client gets tokens and uses them. */
    struct http_res r;
    oauth(&r, "ci-bot", "s3cret!");
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_expect_str_eq(jstr(r.json, "scope"), "sp:report:read sp:report:manage");
    cJSON *t = e2e_run("v2024", jstr(r.json, "access_token"), ids_body);
    cr_expect_str_eq(jstr(t, "launcher"), "ci-bot");
    cJSON_Delete(t);
    http_res_free(&r);

    /* POST again replaces it (200): the old secret stops working. */
    c = ctl("POST", "/mock/clients", "{\"clientId\":\"ci-bot\",\"clientSecret\":\"other\"}", 200);
    cr_expect_str_eq(jstr(c, "scopes"), "", "a replacement is whole");
    cJSON_Delete(c);
    oauth(&r, "ci-bot", "s3cret!");
    cr_expect_eq(r.status, 401);
    http_res_free(&r);

    cr_expect_null(ctl("DELETE", "/mock/clients/ci-bot", NULL, 204));
    api_call(&r, "DELETE", "/mock/clients/ci-bot", NULL, NULL);
    assert_error_dto(&r, 404, "ci-bot");
    http_res_free(&r);
    api_call(&r, "GET", "/mock/clients/ci-bot", NULL, NULL);
    assert_error_dto(&r, 404, "ci-bot");
    http_res_free(&r);
    oauth(&r, "ci-bot", "other");
    cr_expect_eq(r.status, 401, "a removed client gets no token");
    cr_expect_str_eq(jstr(r.json, "error"), "invalid_client");
    http_res_free(&r);
}

E2E_TEST(control_access, user_client)
{
    cJSON *c = ctl("POST", "/mock/clients",
                   "{\"clientId\":\"pat-jane\",\"clientSecret\":\"pw\",\"userContext\":true,"
                   "\"userLevel\":\"ORG_ADMIN\",\"scopes\":\"sp:scopes:all\"}",
                   201);
    cr_expect_str_eq(jstr(c, "userName"), "pat-jane", "the client id by default");
    cr_expect(is_hex32(jstr(c, "identityId")), "an identity id is made up");
    struct http_res r;
    oauth(&r, "pat-jane", "pw");
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_expect_str_eq(jstr(r.json, "user_name"), "pat-jane");
    cr_expect_str_eq(jstr(r.json, "identity_id"), jstr(c, "identityId"));
    http_res_free(&r);
    cJSON_Delete(c);
}

static const char *const bad_clients[][2] = {
    {"{\"clientSecret\":\"s\"}", "clientId"},
    {"{\"clientId\":\"x\"}", "clientSecret"},
    {"{\"clientId\":\"x y\",\"clientSecret\":\"s\"}", "clientId"},
    {"{\"clientId\":\"x\",\"clientSecret\":\"a b\"}", "clientSecret"},
    {"{\"clientId\":\"x\",\"clientSecret\":\"\"}", "clientSecret"},
    {"{\"clientId\":\"x\",\"clientSecret\":\"s\",\"userContext\":1}", "userContext"},
    {"{\"clientId\":\"x\",\"clientSecret\":\"s\",\"scopes\":{}}", "scopes"},
    {"{\"clientId\":\"x\",\"clientSecret\":\"s\",\"name\":7}", "name"},
    {"{\"clientId\":\"x\",\"clientSecret\":\"s\",\"name\":\"\\u0000\"}", "name"},
    {"{\"clientId\":\"x\",\"clientSecret\":\"s\",\"userLevel\":\"ORG_ADMIN\"}", "userContext"},
    {"{\"clientId\":\"x\",\"clientSecret\":\"s\",\"userContext\":true,\"identityId\":\"ABC\"}",
     "identityId"},
    {"{\"clientId\":\"x\",\"clientSecret\":\"s\",\"secret\":\"s\"}", "secret"},
    {"{\"clientId\":\"x\",\"clientSecret\":\"s\",\"clientId\":\"y\"}", "twice"},
    {"[]", "JSON object"},
};

E2E_TEST(control_access, bad_clients_are_400)
{
    for (size_t i = 0; i < sizeof bad_clients / sizeof bad_clients[0]; i++)
        ctl_400("POST", "/mock/clients", bad_clients[i][0], bad_clients[i][1]);
    char longv[200], body[512];
    memset(longv, 'n', sizeof longv - 1);
    longv[sizeof longv - 1] = '\0';
    snprintf(body, sizeof body, "{\"clientId\":\"%s\",\"clientSecret\":\"s\"}", longv);
    ctl_400("POST", "/mock/clients", body, "clientId");
    snprintf(body, sizeof body, "{\"clientId\":\"x\",\"clientSecret\":\"%s\"}", longv);
    ctl_400("POST", "/mock/clients", body, "clientSecret");
    snprintf(body, sizeof body, "{\"clientId\":\"x\",\"clientSecret\":\"s\",\"name\":\"%s\"}",
             longv);
    ctl_400("POST", "/mock/clients", body, "name");
    snprintf(body, sizeof body,
             "{\"clientId\":\"x\",\"clientSecret\":\"s\",\"userContext\":true,"
             "\"userLevel\":\"%.100s\"}",
             longv);
    ctl_400("POST", "/mock/clients", body, "userLevel");
    /* Nothing was added. */
    struct http_res r;
    api_call(&r, "GET", "/mock/clients/x", NULL, NULL);
    assert_error_dto(&r, 404, NULL);
    http_res_free(&r);
}

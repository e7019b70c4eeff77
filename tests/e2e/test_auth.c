/*
 * test_auth.c - who may call the API: every route refuses a missing, non-
 * Bearer, malformed, forged, tampered, unsigned or expired token with 401
 * {"error": ...}; authentication comes before everything else; valid tokens
 * without the operation's scope, user level or user context get 403.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <criterion/criterion.h>

#include "harness.h"

#define SOME_ID "0123456789abcdef0123456789abcdef"

struct route {
    const char *method;
    const char *path;
    const char *body;
};

static const struct route routes[] = {
    {"POST", "/v2024/reports/run",
     "{\"reportType\":\"IDENTITIES\",\"arguments\":{\"correlatedOnly\":true}}"},
    {"GET", "/v2024/reports/" SOME_ID "/result", NULL},
    {"GET", "/v2024/reports/" SOME_ID "?fileFormat=csv", NULL},
    {"POST", "/v2024/reports/" SOME_ID "/cancel", NULL},
};
#define NROUTES (sizeof routes / sizeof routes[0])

static void call_with_auth(struct http_res *r, const struct route *rt, const char *auth_header)
{
    const char *h[] = {"Content-Type: application/json", auth_header, NULL};
    http_req(r, rt->method, rt->path, h, rt->body, rt->body ? strlen(rt->body) : 0);
}

/* Every route answers `auth_header` with 401 (`error` exact when not NULL). */
static void expect_401_everywhere(const char *auth_header, const char *error, const char *what)
{
    for (size_t i = 0; i < NROUTES; i++) {
        struct http_res r;
        call_with_auth(&r, &routes[i], auth_header);
        cr_expect_eq(r.status, 401, "%s on %s %s: %ld %s", what, routes[i].method, routes[i].path,
                     r.status, r.body);
        if (r.status == 401)
            assert_401(&r, error);
        http_res_free(&r);
    }
}

static char *b64url(const unsigned char *in, size_t len)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char *out = malloc(len * 4 / 3 + 4);
    cr_assert(out != NULL);
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        acc = (acc << 8) | in[i];
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out[o++] = alphabet[(acc >> bits) & 63];
        }
    }
    if (bits > 0)
        out[o++] = alphabet[(acc << (6 - bits)) & 63];
    out[o] = '\0';
    return out;
}

/* "Authorization: Bearer header.payload.sig" with an HS256 signature under `key`
 * (NULL key: alg none and an empty signature). */
static char *craft_jwt_header(const char *header_json, const char *payload_json, const char *key)
{
    char *h = b64url((const unsigned char *)header_json, strlen(header_json));
    char *p = b64url((const unsigned char *)payload_json, strlen(payload_json));
    size_t cap = strlen(h) + strlen(p) + 256;
    char *signing = malloc(cap);
    cr_assert(signing != NULL);
    snprintf(signing, cap, "%s.%s", h, p);
    char *sig;
    if (key != NULL) {
        unsigned char mac[EVP_MAX_MD_SIZE];
        unsigned int maclen = 0;
        cr_assert(HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)signing,
                       strlen(signing), mac, &maclen) != NULL);
        sig = b64url(mac, maclen);
    } else {
        sig = strdup("");
    }
    char *out = malloc(cap + strlen(sig) + 64);
    cr_assert(out != NULL);
    sprintf(out, "Authorization: Bearer %s.%s", signing, sig);
    free(h);
    free(p);
    free(signing);
    free(sig);
    return out;
}

/* Claims as a real demo-admin token carries them, valid for an hour from `now_s`. */
static void admin_claims(char *out, size_t cap, long long now_s)
{
    snprintf(out, cap,
             "{\"tenant_id\":\"00000000-0000-0000-0000-000000000000\",\"pod\":\"mock01-local\","
             "\"org\":\"acme-mock\",\"identity_id\":\"2c9180857182306001719937377a33de\","
             "\"user_name\":\"demo.admin\",\"strong_auth\":true,"
             "\"authorities\":[\"ORG_ADMIN\"],\"client_id\":\"demo-admin\","
             "\"strong_auth_supported\":true,\"scope\":[\"sp:scopes:all\"],"
             "\"exp\":%lld,\"iat\":%lld,\"jti\":\"11111111-2222-3333-4444-555555555555\"}",
             now_s + 3600, now_s);
}

E2E_TEST(auth, missing_header)
{
    for (size_t i = 0; i < NROUTES; i++) {
        struct http_res r;
        const char *h[] = {"Content-Type: application/json", NULL};
        http_req(&r, routes[i].method, routes[i].path, h, routes[i].body,
                 routes[i].body ? strlen(routes[i].body) : 0);
        cr_expect_eq(r.status, 401, "%s %s: %ld", routes[i].method, routes[i].path, r.status);
        if (r.status == 401)
            assert_401(&r, NULL);
        http_res_free(&r);
    }
}

E2E_TEST(auth, not_bearer)
{
    char *tok = e2e_token("demo-app");
    char basic[4096];
    snprintf(basic, sizeof basic, "Authorization: Basic %s", tok);
    expect_401_everywhere(basic, NULL, "Basic scheme");
    snprintf(basic, sizeof basic, "Authorization: %s", tok);
    expect_401_everywhere(basic, NULL, "no scheme");
    expect_401_everywhere("Authorization: Bearer", NULL, "empty Bearer");
    expect_401_everywhere("Authorization: Bearer ", NULL, "Bearer and a space");
    free(tok);
}

E2E_TEST(auth, garbage_tokens)
{
    static const char *const garbage[] = {
        "Authorization: Bearer garbage",
        "Authorization: Bearer a.b.c",
        "Authorization: Bearer ...",
        "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9",
        "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30",
        "Authorization: Bearer !!!.@@@.###",
        "Authorization: Bearer eyJ.eyJ.sig.extra",
    };
    for (size_t i = 0; i < sizeof garbage / sizeof garbage[0]; i++)
        expect_401_everywhere(garbage[i], NULL, garbage[i]);
}

E2E_TEST(auth, forged_signature)
{
    char claims[1024];
    admin_claims(claims, sizeof claims, e2e_clock_now() / 1000);
    char *forged = craft_jwt_header("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", claims,
                                    "not-the-mock-signing-key-0123456789");
    expect_401_everywhere(forged, NULL, "forged HS256 signature");
    free(forged);
    char *unsigned_tok = craft_jwt_header("{\"alg\":\"none\",\"typ\":\"JWT\"}", claims, NULL);
    expect_401_everywhere(unsigned_tok, NULL, "alg none");
    free(unsigned_tok);
}

/* A real token whose payload was swapped (scope raised) keeps a signature that no longer fits. */
E2E_TEST(auth, tampered_payload)
{
    char *tok = e2e_token("demo-reader");
    char claims[1024];
    admin_claims(claims, sizeof claims, e2e_clock_now() / 1000);
    char *p = b64url((const unsigned char *)claims, strlen(claims));
    char *d1 = strchr(tok, '.');
    char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    cr_assert(d2 != NULL, "not a JWT: %s", tok);
    char hdr[8192];
    snprintf(hdr, sizeof hdr, "Authorization: Bearer %.*s.%s%s", (int)(d1 - tok), tok, p, d2);
    expect_401_everywhere(hdr, NULL, "tampered payload");

    /* And a flipped signature character on an untouched token. */
    char *sig = d2 + 1;
    sig[0] = sig[0] == 'A' ? 'B' : 'A';
    snprintf(hdr, sizeof hdr, "Authorization: Bearer %s", tok);
    expect_401_everywhere(hdr, NULL, "flipped signature");
    free(p);
    free(tok);
}

E2E_TEST(auth, expired_after_ttl)
{
    e2e_restart((const char *[]){"--token-ttl", "60", NULL});
    char *tok = e2e_token("demo-admin");
    char hdr[4096];
    snprintf(hdr, sizeof hdr, "Authorization: Bearer %s", tok);

    struct http_res r;
    call_with_auth(&r, &routes[1], hdr);
    assert_error_dto(&r, 404, NULL); /* valid: the id is unknown */
    http_res_free(&r);

    e2e_clock_advance(59 * 1000);
    call_with_auth(&r, &routes[1], hdr);
    cr_expect_eq(r.status, 404, "expired too early: %ld %s", r.status, r.body);
    http_res_free(&r);

    e2e_clock_advance(2 * 1000);
    expect_401_everywhere(hdr, "JWT validation failed: JWT is expired", "expired");
    free(tok);
}

/* Authentication answers first: a bad token gets 401 whatever else is wrong. */
E2E_TEST(auth, comes_before_validation)
{
    struct http_res r;
    const char *h[] = {"Content-Type: application/json", "Authorization: Bearer nope", NULL};
    http_req(&r, "POST", "/v2024/reports/run", h, "{not json", 9);
    assert_401(&r, NULL);
    http_res_free(&r);
    http_req(&r, "GET", "/v2024/reports/" SOME_ID, h, NULL, 0); /* no fileFormat */
    assert_401(&r, NULL);
    http_res_free(&r);
    http_req(&r, "POST", "/v2024/reports/run", NULL, "{}", 2); /* no header at all */
    assert_401(&r, NULL);
    http_res_free(&r);
}

E2E_TEST(auth, every_version_checks)
{
    static const char *const vers[] = {"v3", "v2025", "v2026"};
    for (size_t i = 0; i < 3; i++) {
        char path[128];
        struct http_res r;
        snprintf(path, sizeof path, "/%s/reports/%s/result", vers[i], SOME_ID);
        http_req(&r, "GET", path, NULL, NULL, 0);
        cr_expect_eq(r.status, 401, "%s: %ld", path, r.status);
        http_res_free(&r);
    }
}

/* 403: demo-reader (sp:report:read) cannot start; a client-credentials token cannot cancel. */
E2E_TEST(auth, forbidden_refusals)
{
    char *reader = e2e_token("demo-reader");
    char *app = e2e_token("demo-app");
    char *admin = e2e_token("demo-admin");
    struct http_res r;

    api_call(&r, "POST", "/v2024/reports/run", reader, routes[0].body);
    assert_error_dto(&r, 403, NULL);
    cr_expect_str_eq(jstr(r.json, "detailCode"), "403 Forbidden");
    http_res_free(&r);

    cJSON *task = e2e_run("v2024", app, routes[0].body);
    char path[128];
    snprintf(path, sizeof path, "/v2024/reports/%s/cancel", jstr(task, "id"));
    api_call(&r, "POST", path, app, NULL);
    assert_error_dto(&r, 403, NULL);
    http_res_free(&r);

    /* The reader may read what the app started. */
    cJSON *res = e2e_result("v2024", reader, jstr(task, "id"));
    cJSON_Delete(res);

    /* The admin may cancel it. */
    api_call(&r, "POST", path, admin, NULL);
    cr_expect_eq(r.status, 204, "%ld %s", r.status, r.body);
    http_res_free(&r);

    cJSON_Delete(task);
    free(reader);
    free(app);
    free(admin);
}

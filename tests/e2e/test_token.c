/*
 * test_token.c - POST /oauth/token as the SDKs send it: multipart/form-data
 * (TypeScript), an url-encoded body (Python) and query parameters; the
 * token's field set and claims; every RFC 6749 error in every encoding.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "harness.h"

enum encoding { ENC_MULTIPART, ENC_URLENCODED, ENC_QUERY };
static const char *const enc_names[] = {"multipart", "urlencoded", "query"};

struct param {
    const char *name;
    const char *value; /* NULL: not sent */
};

#define BOUNDARY "--------------------------814216354093621779573018"

/* Sends the token request with `params` (up to 3) in the given encoding. */
static void token_request(struct http_res *r, enum encoding enc, const struct param *params, int n)
{
    char body[2048] = "";
    char path[2048] = "/oauth/token";
    char ctype[256] = "";
    size_t used = 0;
    const char *sep = "?";

    for (int i = 0; i < n; i++) {
        if (params[i].value == NULL)
            continue;
        if (enc == ENC_MULTIPART) {
            used += (size_t)snprintf(
                body + used, sizeof body - used,
                "--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n", BOUNDARY,
                params[i].name, params[i].value);
        } else {
            char *v = url_encode(params[i].value);
            if (enc == ENC_URLENCODED) {
                used += (size_t)snprintf(body + used, sizeof body - used, "%s%s=%s",
                                         used ? "&" : "", params[i].name, v);
            } else {
                size_t pl = strlen(path);
                snprintf(path + pl, sizeof path - pl, "%s%s=%s", sep, params[i].name, v);
                sep = "&";
            }
            free(v);
        }
        cr_assert(used < sizeof body);
    }
    if (enc == ENC_MULTIPART) {
        used += (size_t)snprintf(body + used, sizeof body - used, "--%s--\r\n", BOUNDARY);
        snprintf(ctype, sizeof ctype, "Content-Type: multipart/form-data; boundary=%s", BOUNDARY);
    } else if (enc == ENC_URLENCODED) {
        snprintf(ctype, sizeof ctype, "Content-Type: application/x-www-form-urlencoded");
    }
    const char *headers[] = {ctype[0] ? ctype : NULL, NULL};
    http_req(r, "POST", path, headers, enc == ENC_QUERY ? NULL : body, enc == ENC_QUERY ? 0 : used);
}

static void good_request(struct http_res *r, enum encoding enc, const char *client)
{
    char secret[128];
    snprintf(secret, sizeof secret, "%s-secret", client);
    const struct param p[] = {
        {"grant_type", "client_credentials"}, {"client_id", client}, {"client_secret", secret}};
    token_request(r, enc, p, 3);
}

/* Decodes the base64url JWT part `seg` (len bytes) into a parsed JSON object. */
static cJSON *jwt_part(const char *seg, size_t len)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char *out = malloc(len + 1);
    cr_assert(out != NULL);
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        const char *pos = memchr(alphabet, seg[i], 64);
        cr_assert(pos != NULL, "not base64url: %.*s", (int)len, seg);
        acc = (acc << 6) | (unsigned)(pos - alphabet);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)((acc >> bits) & 0xff);
        }
    }
    cJSON *j = cJSON_ParseWithLength(out, o);
    free(out);
    cr_assert(cJSON_IsObject(j), "JWT part is not a JSON object");
    return j;
}

/* Asserts the token answer of `client` and returns nothing; checks the JWT's claims. */
static void check_token_answer(const struct http_res *r, const char *client, const char *scope,
                               int user)
{
    char ct[128];
    cr_assert_eq(r->status, 200, "%s: %ld %s", client, r->status, r->body);
    cr_assert(http_header(r, "Content-Type", ct, sizeof ct) != NULL &&
              strncmp(ct, "application/json", 16) == 0);
    const cJSON *j = r->json;
    const char *tok = jstr(j, "access_token");
    cr_assert(tok != NULL, "%s", r->body);
    cr_expect_str_eq(jstr(j, "token_type"), "bearer");
    cr_expect(jnum(j, "expires_in") > 0);
    cr_expect_str_eq(jstr(j, "scope"), scope);
    cr_expect(jstr(j, "tenant_id") != NULL && jstr(j, "tenant_id")[0], "%s", r->body);
    cr_expect(jstr(j, "pod") != NULL && jstr(j, "pod")[0], "%s", r->body);
    cr_expect(jstr(j, "org") != NULL && jstr(j, "org")[0], "%s", r->body);
    cr_expect(jstr(j, "jti") != NULL && jstr(j, "jti")[0], "%s", r->body);

    /* A JWT: header.payload.signature, HS256, with the real claim names. */
    const char *d1 = strchr(tok, '.');
    cr_assert(d1 != NULL, "not a JWT: %s", tok);
    const char *d2 = strchr(d1 + 1, '.');
    cr_assert(d2 != NULL && strchr(d2 + 1, '.') == NULL, "not a JWT: %s", tok);
    cr_expect(strlen(d2 + 1) > 0, "unsigned JWT");
    cJSON *hdr = jwt_part(tok, (size_t)(d1 - tok));
    cr_expect_str_eq(jstr(hdr, "alg"), "HS256");
    cJSON_Delete(hdr);
    cJSON *claims = jwt_part(d1 + 1, (size_t)(d2 - d1 - 1));
    cr_expect_str_eq(jstr(claims, "client_id"), client);
    cr_expect_str_eq(jstr(claims, "jti"), jstr(j, "jti"));
    cr_expect_str_eq(jstr(claims, "tenant_id"), jstr(j, "tenant_id"));
    cr_expect(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(claims, "exp")));
    cr_expect(jhas(claims, "scope"));
    cr_expect(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(claims, "authorities")));
    if (user) {
        cr_expect(jstr(claims, "identity_id") != NULL, "user token without identity_id");
        cr_expect(jstr(claims, "user_name") != NULL, "user token without user_name");
    } else {
        cr_expect(!jhas(claims, "identity_id"), "client token with identity_id");
    }
    cJSON_Delete(claims);
}

E2E_TEST(token, each_encoding_issues_a_token)
{
    for (int enc = ENC_MULTIPART; enc <= ENC_QUERY; enc++) {
        struct http_res r;
        good_request(&r, (enum encoding)enc, "demo-app");
        cr_assert_eq(r.status, 200, "%s: %ld %s", enc_names[enc], r.status, r.body);
        check_token_answer(&r, "demo-app", "sp:report:read sp:report:manage", 0);
        http_res_free(&r);
    }
}

E2E_TEST(token, demo_clients)
{
    struct http_res r;
    good_request(&r, ENC_MULTIPART, "demo-admin");
    check_token_answer(&r, "demo-admin", "sp:scopes:all", 1);
    http_res_free(&r);
    good_request(&r, ENC_URLENCODED, "demo-reader");
    check_token_answer(&r, "demo-reader", "sp:report:read", 1);
    http_res_free(&r);
}

E2E_TEST(token, tokens_are_distinct_and_work)
{
    struct http_res a, b, r;
    good_request(&a, ENC_MULTIPART, "demo-app");
    good_request(&b, ENC_MULTIPART, "demo-app");
    cr_assert_eq(a.status, 200);
    cr_assert_eq(b.status, 200);
    cr_expect_str_neq(jstr(a.json, "jti"), jstr(b.json, "jti"));
    cr_expect_str_neq(jstr(a.json, "access_token"), jstr(b.json, "access_token"));
    api_call(&r, "GET", "/v2024/reports/0123456789abcdef0123456789abcdef/result",
             jstr(a.json, "access_token"), NULL);
    assert_error_dto(&r, 404, NULL); /* authenticated, then not found */
    http_res_free(&r);
    http_res_free(&a);
    http_res_free(&b);
}

struct token_error {
    const char *id;
    struct param params[3];
    long status;
    const char *error;
};

static const struct token_error token_errors[] = {
    {"wrong_secret",
     {{"grant_type", "client_credentials"}, {"client_id", "demo-app"}, {"client_secret", "nope"}},
     401,
     "invalid_client"},
    {"unknown_client",
     {{"grant_type", "client_credentials"}, {"client_id", "nobody"}, {"client_secret", "x"}},
     401,
     "invalid_client"},
    {"other_secret",
     {{"grant_type", "client_credentials"},
      {"client_id", "demo-app"},
      {"client_secret", "demo-admin-secret"}},
     401,
     "invalid_client"},
    {"password_grant",
     {{"grant_type", "password"}, {"client_id", "demo-app"}, {"client_secret", "demo-app-secret"}},
     400,
     "unsupported_grant_type"},
    {"refresh_grant",
     {{"grant_type", "refresh_token"},
      {"client_id", "demo-app"},
      {"client_secret", "demo-app-secret"}},
     400,
     "unsupported_grant_type"},
    {"no_grant_type",
     {{"grant_type", NULL}, {"client_id", "demo-app"}, {"client_secret", "demo-app-secret"}},
     400,
     "invalid_request"},
    {"no_client_id",
     {{"grant_type", "client_credentials"}, {"client_id", NULL}, {"client_secret", "x"}},
     400,
     "invalid_request"},
    {"no_client_secret",
     {{"grant_type", "client_credentials"}, {"client_id", "demo-app"}, {"client_secret", NULL}},
     400,
     "invalid_request"},
    {"nothing",
     {{"grant_type", NULL}, {"client_id", NULL}, {"client_secret", NULL}},
     400,
     "invalid_request"},
};

/* Every error case in every encoding: status, {"error": code, "error_description": text}. */
E2E_TEST(token, errors_in_every_encoding)
{
    for (size_t i = 0; i < sizeof token_errors / sizeof token_errors[0]; i++) {
        const struct token_error *c = &token_errors[i];
        for (int enc = ENC_MULTIPART; enc <= ENC_QUERY; enc++) {
            struct http_res r;
            token_request(&r, (enum encoding)enc, c->params, 3);
            cr_expect_eq(r.status, c->status, "%s/%s: %ld %s", c->id, enc_names[enc], r.status,
                         r.body);
            cr_expect(cJSON_IsObject(r.json), "%s/%s: body %s", c->id, enc_names[enc], r.body);
            const char *err = jstr(r.json, "error");
            cr_expect(err != NULL && strcmp(err, c->error) == 0, "%s/%s: error %s, want %s", c->id,
                      enc_names[enc], r.body, c->error);
            cr_expect(jstr(r.json, "error_description") != NULL, "%s/%s: no description: %s", c->id,
                      enc_names[enc], r.body);
            cr_expect(!jhas(r.json, "access_token"), "%s: a token in an error", c->id);
            http_res_free(&r);
        }
    }
}

E2E_TEST(token, get_is_405)
{
    struct http_res r;
    http_req(&r, "GET",
             "/oauth/token?grant_type=client_credentials&client_id=demo-app&client_"
             "secret=demo-app-secret",
             NULL, NULL, 0);
    assert_error_dto(&r, 405, NULL);
    http_res_free(&r);
}

E2E_TEST(token, form_values_are_url_decoded)
{
    /* "demo%2Dapp" is demo-app; '+' in a value is a space, so this secret is wrong. */
    struct http_res r;
    const char *ok = "grant_type=client_credentials&client_id=demo%2Dapp&client_secret=demo-app-"
                     "secret";
    http_req(&r, "POST", "/oauth/token", NULL, ok, strlen(ok));
    cr_expect_eq(r.status, 200, "%s", r.body);
    http_res_free(&r);
    const char *bad = "grant_type=client_credentials&client_id=demo-app&client_secret=demo+app-"
                      "secret";
    http_req(&r, "POST", "/oauth/token", NULL, bad, strlen(bad));
    cr_expect_eq(r.status, 401, "%s", r.body);
    http_res_free(&r);
}

/*
 * test_cors.c - CORS for browser clients (--cors, ISC_MOCK_CORS): off by
 * default; with it, preflights of an allowed origin get 204 and the
 * Access-Control-Allow-* headers, other origins and unserved methods get
 * 403, and answers on the API and the token endpoint (errors too) carry
 * Access-Control-Allow-Origin with the origin echoed. The control API never
 * does: it stays same-origin.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "harness.h"

#define APP "http://app.test:3000"

/* An OPTIONS preflight from `origin` asking for `method` on `path`. */
static void preflight(struct http_res *r, const char *path, const char *origin, const char *method)
{
    char o[256], m[64];
    snprintf(o, sizeof o, "Origin: %s", origin);
    snprintf(m, sizeof m, "Access-Control-Request-Method: %s", method);
    const char *h[] = {o, m, "Access-Control-Request-Headers: authorization,content-type", NULL};
    http_req(r, "OPTIONS", path, h, NULL, 0);
}

/* `method` `path` from a page of `origin`, with a bearer token (NULL: none). */
static void from_page(struct http_res *r, const char *method, const char *path, const char *origin,
                      const char *token)
{
    char o[256], a[2048];
    snprintf(o, sizeof o, "Origin: %s", origin);
    snprintf(a, sizeof a, "Authorization: Bearer %s", token ? token : "");
    const char *h[] = {o, token ? a : NULL, NULL};
    http_req(r, method, path, h, NULL, 0);
}

static void expect_header(const struct http_res *r, const char *name, const char *want)
{
    char v[512];
    const char *got = http_header(r, name, v, sizeof v);
    cr_expect(got && strcmp(got, want) == 0, "%s: want '%s', got '%s'", name, want,
              got ? got : "(absent)");
}

static void expect_no_cors(const struct http_res *r, const char *what)
{
    cr_expect_eq(http_header_count(r, "Access-Control-Allow-Origin"), 0,
                 "%s: Access-Control-Allow-Origin sent", what);
}

Test(cors, off_by_default, .fini = e2e_fini, .timeout = 90.)
{
    e2e_start(NULL, NULL, 1);
    struct http_res r;
    preflight(&r, "/v2024/reports/run", APP, "POST");
    cr_expect_eq(r.status, 405, "a preflight without --cors: %ld", r.status);
    expect_no_cors(&r, "preflight");
    http_res_free(&r);
    from_page(&r, "GET", "/v2024/reports/x/result", APP, NULL);
    cr_expect_eq(r.status, 401);
    expect_no_cors(&r, "answer");
    http_res_free(&r);
    e2e_finish();
}

Test(cors, preflights_of_an_allowed_origin, .fini = e2e_fini, .timeout = 90.)
{
    e2e_start((const char *[]){"--cors", APP, NULL}, NULL, 1);
    static const struct {
        const char *path, *method, *allow;
    } ok[] = {
        {"/v2024/reports/run", "POST", "POST"}, {"/v2024/reports/abc/result", "GET", "GET"},
        {"/v2024/reports/abc", "GET", "GET"},   {"/reports/v1/abc/cancel", "POST", "POST"},
        {"/oauth/token", "POST", "POST"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        struct http_res r;
        preflight(&r, ok[i].path, APP, ok[i].method);
        cr_expect_eq(r.status, 204, "%s: %ld %s", ok[i].path, r.status, r.body);
        expect_header(&r, "Access-Control-Allow-Origin", APP);
        expect_header(&r, "Access-Control-Allow-Methods", ok[i].allow);
        expect_header(&r, "Access-Control-Allow-Headers", "authorization,content-type");
        expect_header(&r, "Access-Control-Max-Age", "600");
        expect_header(&r, "Vary", "Origin");
        http_res_free(&r);
    }
    /* A preflight is journaled like any API request. */
    cJSON *j = ctl("GET", "/mock/requests?method=OPTIONS&status=204", NULL, 200);
    cr_expect_eq(jnum(j, "count"), 5);
    cJSON_Delete(j);
    e2e_finish();
}

Test(cors, refused_preflights, .fini = e2e_fini, .timeout = 90.)
{
    e2e_start((const char *[]){"--cors", APP, NULL}, NULL, 1);
    struct http_res r;
    preflight(&r, "/v2024/reports/run", "http://evil.test", "POST");
    assert_error_dto(&r, 403, "http://evil.test");
    expect_no_cors(&r, "other origin");
    http_res_free(&r);
    preflight(&r, "/v2024/reports/run", "http://app.test:3001", "POST");
    assert_error_dto(&r, 403, "not allowed");
    http_res_free(&r);
    preflight(&r, "/v2024/reports/run", APP, "DELETE");
    assert_error_dto(&r, 403, "DELETE");
    http_res_free(&r);
    preflight(&r, "/v2024/nowhere", APP, "GET");
    assert_error_dto(&r, 404, NULL); /* readable by the page, like every API answer */
    expect_header(&r, "Access-Control-Allow-Origin", APP);
    http_res_free(&r);
    /* The control API is same-origin: its preflights are plain 405s. */
    preflight(&r, "/mock/health", APP, "GET");
    cr_expect_eq(r.status, 405, "/mock/ preflight: %ld", r.status);
    expect_no_cors(&r, "/mock/ preflight");
    http_res_free(&r);
    e2e_finish();
}

Test(cors, answers_carry_the_headers, .fini = e2e_fini, .timeout = 90.)
{
    e2e_start((const char *[]){"--cors", "http://other.test", "--cors", APP, NULL}, NULL, 1);
    struct http_res r;
    const char *h[] = {"Origin: " APP, NULL};
    const char *form = "grant_type=client_credentials&client_id=demo-app"
                       "&client_secret=demo-app-secret";
    http_req(&r, "POST", "/oauth/token", h, form, strlen(form));
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    expect_header(&r, "Access-Control-Allow-Origin", APP);
    expect_header(&r, "Vary", "Origin");
    expect_header(&r, "Access-Control-Expose-Headers",
                  "Content-Disposition, Retry-After, WWW-Authenticate");
    char *tok = strdup(jstr(r.json, "access_token"));
    http_res_free(&r);

    /* Errors too, so a page can read why it was refused. */
    from_page(&r, "GET", "/v2024/reports/0123/result", APP, NULL);
    cr_expect_eq(r.status, 401);
    expect_header(&r, "Access-Control-Allow-Origin", APP);
    http_res_free(&r);
    from_page(&r, "GET", "/v2024/reports/0123/result", APP, tok);
    cr_expect_eq(r.status, 404);
    expect_header(&r, "Access-Control-Allow-Origin", APP);
    http_res_free(&r);
    /* A download's name is readable by the page. */
    cJSON *task = e2e_run("v2024", tok, "{\"reportType\":\"ORPHAN_IDENTITIES\"}");
    e2e_clock_advance(60000);
    char path[128];
    snprintf(path, sizeof path, "/v2024/reports/%s?fileFormat=csv", jstr(task, "id"));
    from_page(&r, "GET", path, APP, tok);
    cr_expect_eq(r.status, 200, "%ld %s", r.status, r.body);
    expect_header(&r, "Access-Control-Allow-Origin", APP);
    cr_expect_eq(http_header_count(&r, "Content-Disposition"), 1);
    http_res_free(&r);
    cJSON_Delete(task);

    /* Another origin, and the control API, get nothing. */
    from_page(&r, "GET", "/v2024/reports/0123/result", "http://evil.test", tok);
    expect_no_cors(&r, "other origin");
    http_res_free(&r);
    from_page(&r, "GET", "/mock/health", APP, NULL);
    expect_no_cors(&r, "/mock/health");
    http_res_free(&r);
    free(tok);
    e2e_finish();
}

Test(cors, any_origin_from_the_environment, .fini = e2e_fini, .timeout = 90.)
{
    e2e_start(NULL, (const char *[]){"ISC_MOCK_CORS=http://a.test, *", NULL}, 1);
    struct http_res r;
    preflight(&r, "/oauth/token", "https://anything.example:8443", "POST");
    cr_expect_eq(r.status, 204, "%ld %s", r.status, r.body);
    expect_header(&r, "Access-Control-Allow-Origin", "https://anything.example:8443");
    http_res_free(&r);
    /* "null" (a sandboxed page, a file:// page) is no origin to echo. */
    preflight(&r, "/oauth/token", "null", "POST");
    cr_expect_eq(r.status, 403, "%ld %s", r.status, r.body);
    http_res_free(&r);
    e2e_finish();
}

Test(cors, bad_values_exit_2, .timeout = 30.)
{
    struct cli_result c;
    cli_run((const char *[]){"--port", "0", "--cors", "http://app.test/", NULL}, NULL, 10000, &c);
    cr_expect_eq(c.exit_code, 2);
    cr_expect(strstr(c.err, "--cors") && strstr(c.err, "'http://app.test/'"), "%s", c.err);
    cli_result_free(&c);
    cli_run((const char *[]){"--port", "0", NULL}, (const char *[]){"ISC_MOCK_CORS=app.test", NULL},
            10000, &c);
    cr_expect_eq(c.exit_code, 2);
    cr_expect(strstr(c.err, "ISC_MOCK_CORS"), "%s", c.err);
    cli_result_free(&c);
}

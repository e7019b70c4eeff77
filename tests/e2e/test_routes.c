/*
 * test_routes.c - what is not a route (404 ErrorResponseDto), a wrong method
 * on a known path (405 ErrorResponseDto with Allow), and the control API
 * under /mock/: health, reset, clock (read, advance, set), tasks, audit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "harness.h"

#define SOME_ID "0123456789abcdef0123456789abcdef"

static const char *const json_h[] = {"Content-Type: application/json", NULL};

E2E_TEST(routes, unknown_routes_are_404)
{
    char *tok = e2e_token("demo-app");
    static const struct {
        const char *method;
        const char *path;
    } cases[] = {
        {"GET", "/nope"},
        {"GET", "/v2024"},
        {"GET", "/v2024/"},
        {"GET", "/v2024/reports"},
        {"GET", "/v2024/nope"},
        {"POST", "/v2024/reports/" SOME_ID "/result/extra"},
        {"GET", "/v2024/reports/" SOME_ID "/nope"},
        {"GET", "/v2024/identities"},
        {"GET", "/mock/nope"},
        {"GET", "/oauth/nope"},
        {"GET", "/favicon.ico"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct http_res r;
        api_call(&r, cases[i].method, cases[i].path, tok, NULL);
        cr_expect_eq(r.status, 404, "%s %s: %ld %s", cases[i].method, cases[i].path, r.status,
                     r.body);
        if (r.status == 404)
            assert_error_dto(&r, 404, NULL);
        http_res_free(&r);
    }
    /* Outside the API no token is needed to learn that a path does not exist. */
    struct http_res r;
    http_req(&r, "GET", "/nope", NULL, NULL, 0);
    assert_error_dto(&r, 404, NULL);
    http_res_free(&r);
    free(tok);
}

struct wrong_method {
    const char *method;
    const char *path;
    const char *allowed; /* a method the Allow header must list */
};

static const struct wrong_method wrong_methods[] = {
    /* GET /v2024/reports/run is getReport with taskResultId "run", not a wrong method. */
    {"PUT", "/v2024/reports/run", "POST"},
    {"DELETE", "/v2024/reports/run", "POST"},
    {"POST", "/v2024/reports/" SOME_ID "/result", "GET"},
    {"DELETE", "/v2024/reports/" SOME_ID "/result", "GET"},
    {"GET", "/v2024/reports/" SOME_ID "/cancel", "POST"},
    {"POST", "/v2024/reports/" SOME_ID, "GET"},
    {"PATCH", "/v3/reports/" SOME_ID, "GET"},
    {"PUT", "/oauth/token", "POST"},
    {"POST", "/mock/health", "GET"},
    {"DELETE", "/mock/clock", "GET"},
    {"GET", "/mock/reset", "POST"},
    {"POST", "/mock/tasks", "GET"},
};
#define NWRONG (sizeof wrong_methods / sizeof wrong_methods[0])

E2E_TEST(routes, wrong_method_is_405)
{
    char *tok = e2e_token("demo-admin");
    for (size_t i = 0; i < NWRONG; i++) {
        const struct wrong_method *c = &wrong_methods[i];
        struct http_res r;
        api_call(&r, c->method, c->path, tok, NULL);
        cr_expect_eq(r.status, 405, "%s %s: %ld %s", c->method, c->path, r.status, r.body);
        if (r.status == 405)
            assert_error_dto(&r, 405, NULL);
        http_res_free(&r);
    }
    free(tok);
}

/* RFC 9110 §15.5.6: a 405 lists the allowed methods. */
E2E_TEST(routes, wrong_method_lists_allow)
{
    char *tok = e2e_token("demo-admin");
    for (size_t i = 0; i < NWRONG; i++) {
        const struct wrong_method *c = &wrong_methods[i];
        struct http_res r;
        api_call(&r, c->method, c->path, tok, NULL);
        char allow[128];
        cr_expect(http_header(&r, "Allow", allow, sizeof allow) != NULL &&
                      strstr(allow, c->allowed) != NULL,
                  "%s %s: Allow should list %s", c->method, c->path, c->allowed);
        http_res_free(&r);
    }
    free(tok);
}

E2E_TEST(routes, health)
{
    struct http_res r;
    http_req(&r, "GET", "/mock/health", NULL, NULL, 0);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_expect_str_eq(jstr(r.json, "status"), "ok", "%s", r.body);
    http_res_free(&r);
}

/* GET /mock/clock: mode, RFC 3339 now, epochMs, consistent with each other. */
static cJSON *get_clock(void)
{
    struct http_res r;
    http_req(&r, "GET", "/mock/clock", NULL, NULL, 0);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cJSON *j = r.json;
    r.json = NULL;
    http_res_free(&r);
    cr_assert(cJSON_IsObject(j));
    return j;
}

static cJSON *post_clock(const char *body, long want_status)
{
    struct http_res r;
    http_req(&r, "POST", "/mock/clock", json_h, body, strlen(body));
    cr_assert_eq(r.status, want_status, "%s: %ld %s", body, r.status, r.body);
    cJSON *j = r.json;
    if (want_status != 200)
        assert_error_dto(&r, want_status, NULL);
    r.json = NULL;
    http_res_free(&r);
    return j;
}

E2E_TEST(routes, clock_read_advance_set)
{
    cJSON *c0 = get_clock();
    cr_expect_str_eq(jstr(c0, "mode"), "virtual");
    cr_expect(is_rfc3339_ms(jstr(c0, "now")), "now %s", jstr(c0, "now"));
    double ms0 = jnum(c0, "epochMs");

    /* Frozen: reading twice gives the same instant. */
    cJSON *again = get_clock();
    cr_expect(cJSON_Compare(c0, again, 1), "the virtual clock moved by itself");
    cJSON_Delete(again);

    /* Advance answers what GET answers. */
    cJSON *a = post_clock("{\"advanceMs\":1500}", 200);
    cJSON *g = get_clock();
    cr_expect(cJSON_Compare(a, g, 1), "POST and GET answers differ");
    cr_expect_eq((long long)jnum(g, "epochMs"), (long long)ms0 + 1500);
    cJSON_Delete(a);
    cJSON_Delete(g);

    /* Set by RFC 3339 text. */
    cJSON *s = post_clock("{\"now\":\"2030-06-15T12:34:56.789Z\"}", 200);
    cr_expect_str_eq(jstr(s, "now"), "2030-06-15T12:34:56.789Z");
    cr_expect_eq((long long)jnum(s, "epochMs"), 1907757296789LL);
    cJSON_Delete(s);

    /* Set by epoch milliseconds. */
    s = post_clock("{\"epochMs\":1767323045678}", 200);
    cr_expect_str_eq(jstr(s, "now"), "2026-01-02T03:04:05.678Z");
    g = get_clock();
    cr_expect(cJSON_Compare(s, g, 1), "POST and GET answers differ");
    cJSON_Delete(s);
    cJSON_Delete(g);
    cJSON_Delete(c0);
}

E2E_TEST(routes, clock_bad_bodies_are_400)
{
    static const char *const bodies[] = {
        "",
        "{",
        "[]",
        "{}",
        "{\"advanceMs\":\"soon\"}",
        "{\"now\":\"yesterday\"}",
        "{\"now\":\"2023-09-07T42:14:00.364Z\"}",
        "{\"epochMs\":\"1\"}",
    };
    cJSON *before = get_clock();
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        cJSON *j = post_clock(bodies[i], 400);
        cJSON_Delete(j);
    }
    cJSON *after = get_clock();
    cr_expect(cJSON_Compare(before, after, 1), "a refused change moved the clock");
    cJSON_Delete(before);
    cJSON_Delete(after);
}

E2E_TEST(routes, tasks_and_reset)
{
    char *tok = e2e_token("demo-app");
    cJSON *a = e2e_run("v2024", tok,
                       "{\"reportType\":\"IDENTITIES\",\"arguments\":{\"correlatedOnly\":true}}");
    cJSON *b = e2e_run("v2024", tok, "{\"reportType\":\"ORPHAN_IDENTITIES\"}");
    struct http_res r;
    http_req(&r, "GET", "/mock/tasks", NULL, NULL, 0);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cJSON *tasks = cJSON_GetObjectItemCaseSensitive(r.json, "tasks");
    cr_assert(cJSON_IsArray(tasks), "%s", r.body);
    cr_expect_eq(cJSON_GetArraySize(tasks), E2E_FIXTURE_TASKS + 2, "%s", r.body);
    int seen_a = 0, seen_b = 0;
    cJSON *t;
    cJSON_ArrayForEach(t, tasks)
    {
        const char *id = jstr(t, "id");
        seen_a |= id && strcmp(id, jstr(a, "id")) == 0;
        seen_b |= id && strcmp(id, jstr(b, "id")) == 0;
        cr_expect(jstr(t, "reportType") != NULL, "task without reportType: %s", r.body);
    }
    cr_expect(seen_a && seen_b, "tasks not listed: %s", r.body);
    http_res_free(&r);

    e2e_clock_advance(123456);
    http_req(&r, "POST", "/mock/reset", NULL, NULL, 0);
    cr_expect_eq(r.status, 200, "%ld %s", r.status, r.body);
    http_res_free(&r);

    http_req(&r, "GET", "/mock/tasks", NULL, NULL, 0);
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "tasks")), E2E_FIXTURE_TASKS,
                 "after reset: %s", r.body);
    http_res_free(&r);

    /* The fixtures are back: the demo clients still get tokens and reports still run. */
    free(tok);
    tok = e2e_token("demo-app");
    cJSON *c = e2e_run("v2024", tok,
                       "{\"reportType\":\"IDENTITIES\",\"arguments\":{\"correlatedOnly\":true}}");
    cr_expect_str_neq(jstr(c, "id"), jstr(a, "id"));
    e2e_clock_advance(10000);
    cJSON *res = e2e_result_done("v2024", tok, jstr(c, "id"), 30);
    cr_expect_str_eq(jstr(res, "status"), "SUCCESS");
    cr_expect(jnum(res, "rows") > 0, "no rows after reset: the tenant is gone");
    cJSON_Delete(res);
    cJSON_Delete(a);
    cJSON_Delete(b);
    cJSON_Delete(c);
    free(tok);
}

E2E_TEST(routes, audit_starts_empty)
{
    struct http_res r;
    http_req(&r, "GET", "/mock/audit", NULL, NULL, 0);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    assert_json_eq(r.json, "{\"events\":[]}");
    http_res_free(&r);
}

/* Control routes answer JSON. */
E2E_TEST(routes, control_answers_json)
{
    static const char *const paths[] = {"/mock/health", "/mock/clock", "/mock/tasks",
                                        "/mock/audit"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        struct http_res r;
        char ct[128];
        http_req(&r, "GET", paths[i], NULL, NULL, 0);
        cr_expect_eq(r.status, 200, "%s", paths[i]);
        cr_expect(http_header(&r, "Content-Type", ct, sizeof ct) != NULL &&
                      strncmp(ct, "application/json", 16) == 0,
                  "%s: Content-Type", paths[i]);
        cr_expect(cJSON_IsObject(r.json), "%s: %s", paths[i], r.body);
        http_res_free(&r);
    }
}

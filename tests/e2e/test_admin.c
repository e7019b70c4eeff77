/*
 * test_admin.c - the admin token of the control API: with --admin-token (or
 * ISC_MOCK_ADMIN_TOKEN) every /mock/ route needs it as a bearer token and
 * answers 401 {"error": ...} without it, doing nothing; the API and the
 * token endpoint are unaffected, and the admin token is no API token (nor an
 * API token an admin token). Without the setting the control API is open.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <criterion/criterion.h>

#include "harness.h"

#define ADMIN "s3cret"
#define GOOD "Authorization: Bearer " ADMIN
#define SOME_ID "0123456789abcdef0123456789abcdef"

static const char *const ids_body =
    "{\"reportType\":\"IDENTITIES\",\"arguments\":{\"correlatedOnly\":true}}";

/* `method` `path` on the control API with `auth` (a whole header line, or NULL) and `json`. */
static void ctl_as(struct http_res *r, const char *method, const char *path, const char *auth,
                   const char *json)
{
    const char *h[] = {"Content-Type: application/json", auth, NULL};
    http_req(r, method, path, h, json, json ? strlen(json) : 0);
}

/* Asserts the control API's refusal: 401 {"error": "..."} saying the admin token is needed. */
static void expect_admin_401(const struct http_res *r, const char *what)
{
    cr_assert_eq(r->status, 401, "%s: want 401, got %ld %s", what, r->status, r->body);
    assert_401(r, NULL);
    const char *e = jstr(r->json, "error");
    int names_it = 0;
    for (const char *p = e; p && *p; p++)
        names_it |= strncasecmp(p, "admin", 5) == 0;
    cr_expect(names_it, "%s: the error does not say an admin token is needed: %s", what, r->body);
}

/* The virtual clock's epochMs, read with the admin token. */
static double clock_ms(void)
{
    struct http_res r;
    ctl_as(&r, "GET", "/mock/clock", GOOD, NULL);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    double ms = jnum(r.json, "epochMs");
    http_res_free(&r);
    return ms;
}

/* Authorization headers that are not the admin token. */
static const char *const wrong_auth[] = {
    NULL, /* none */
    "Authorization: Bearer wrong",
    "Authorization: Bearer s3cre",
    "Authorization: Bearer s3cretX",
    "Authorization: Bearer S3CRET",
    "Authorization: Bearer",
    "Authorization: Bearer ",
    "Authorization: Basic s3cret",
    "Authorization: s3cret",
    "Authorization: " ADMIN " Bearer",
};
#define NWRONG (sizeof wrong_auth / sizeof wrong_auth[0])

/* Checks the admin token "s3cret" guards GET /mock/clock, and nothing else opens it. */
static void expect_control_guarded(const char *setting)
{
    for (size_t i = 0; i < NWRONG; i++) {
        struct http_res r;
        char what[256];
        snprintf(what, sizeof what, "%s, %s", setting, wrong_auth[i] ? wrong_auth[i] : "no header");
        ctl_as(&r, "GET", "/mock/clock", wrong_auth[i], NULL);
        expect_admin_401(&r, what);
        http_res_free(&r);
    }
    struct http_res r;
    ctl_as(&r, "GET", "/mock/clock", GOOD, NULL);
    cr_expect_eq(r.status, 200, "%s, the admin token: %ld %s", setting, r.status, r.body);
    http_res_free(&r);
    /* The scheme is case-insensitive (RFC 7235). */
    ctl_as(&r, "GET", "/mock/clock", "Authorization: bearer " ADMIN, NULL);
    cr_expect_eq(r.status, 200, "%s, lower-case scheme: %ld %s", setting, r.status, r.body);
    http_res_free(&r);
}

Test(admin, control_needs_the_token, .fini = e2e_fini, .timeout = 90.)
{
    e2e_start((const char *[]){"--admin-token", ADMIN, NULL}, NULL, 1);
    expect_control_guarded("--admin-token");
    e2e_finish();
}

/* Orchestrators probe /mock/health: it answers whatever Authorization says. */
Test(admin, health_stays_open, .fini = e2e_fini, .timeout = 90.)
{
    e2e_start((const char *[]){"--admin-token", ADMIN, NULL}, NULL, 1);
    for (size_t i = 0; i < NWRONG; i++) {
        struct http_res r;
        ctl_as(&r, "GET", "/mock/health", wrong_auth[i], NULL);
        cr_expect_eq(r.status, 200, "%s: %ld %s", wrong_auth[i] ? wrong_auth[i] : "no header",
                     r.status, r.body);
        cr_expect_str_eq(jstr(r.json, "status"), "ok");
        http_res_free(&r);
    }
    e2e_finish();
}

/* Every control route, each method. */
struct ctl_route {
    const char *method;
    const char *path;
    const char *body;
};

static const struct ctl_route ctl_routes[] = {
    {"POST", "/mock/reset", NULL},
    {"GET", "/mock/clock", NULL},
    {"POST", "/mock/clock", "{\"advanceMs\":1000}"},
    {"GET", "/mock/tasks", NULL},
    {"GET", "/mock/audit", NULL},
    {"GET", "/mock/reports", NULL},
    {"DELETE", "/mock/reports", NULL},
    {"GET", "/mock/reports/types", NULL},
    {"GET", "/mock/reports/next", NULL},
    {"POST", "/mock/reports/next", "{\"outcome\":\"ERROR\"}"},
    {"DELETE", "/mock/reports/next", NULL},
    {"GET", "/mock/reports/IDENTITIES", NULL},
    {"PUT", "/mock/reports/IDENTITIES", "{\"durationMs\":5}"},
    {"POST", "/mock/reports/IDENTITIES", "{\"durationMs\":5}"},
    {"DELETE", "/mock/reports/IDENTITIES", NULL},
    {"GET", "/mock/faults", NULL},
    {"POST", "/mock/faults", "{\"operation\":\"getReportResult\",\"status\":500}"},
    {"DELETE", "/mock/faults", NULL},
    {"GET", "/mock/faults/1", NULL},
    {"DELETE", "/mock/faults/1", NULL},
    {"POST", "/mock/tokens", "{\"clientId\":\"demo-app\"}"},
    {"GET", "/mock/clients", NULL},
    {"POST", "/mock/clients", "{\"clientId\":\"ci-bot\",\"clientSecret\":\"x\"}"},
    {"GET", "/mock/clients/demo-app", NULL},
    {"DELETE", "/mock/clients/demo-app", NULL},
    {"GET", "/mock/requests", NULL},
    {"DELETE", "/mock/requests", NULL},
    {"POST", "/mock/snapshots", "{\"name\":\"a\"}"},
    {"GET", "/mock/snapshots", NULL},
    {"GET", "/mock/snapshots/a", NULL},
    {"POST", "/mock/snapshots/a/restore", NULL},
    {"DELETE", "/mock/snapshots/a", NULL},
};

Test(admin, every_control_route_guarded, .fini = e2e_fini, .timeout = 90.)
{
    e2e_start((const char *[]){"--admin-token", ADMIN, NULL}, NULL, 1);
    for (size_t i = 0; i < sizeof ctl_routes / sizeof ctl_routes[0]; i++) {
        const struct ctl_route *c = &ctl_routes[i];
        char what[256];
        struct http_res r;
        snprintf(what, sizeof what, "%s %s without the token", c->method, c->path);
        ctl_as(&r, c->method, c->path, NULL, c->body);
        expect_admin_401(&r, what);
        http_res_free(&r);
        snprintf(what, sizeof what, "%s %s with a wrong token", c->method, c->path);
        ctl_as(&r, c->method, c->path, "Authorization: Bearer nope", c->body);
        expect_admin_401(&r, what);
        http_res_free(&r);
    }
    /* With the token, in table order, none is refused as unauthorized. */
    for (size_t i = 0; i < sizeof ctl_routes / sizeof ctl_routes[0]; i++) {
        const struct ctl_route *c = &ctl_routes[i];
        struct http_res r;
        ctl_as(&r, c->method, c->path, GOOD, c->body);
        cr_expect((r.status >= 200 && r.status < 300) || r.status == 404,
                  "%s %s with the token: %ld %s", c->method, c->path, r.status, r.body);
        http_res_free(&r);
    }
    e2e_finish();
}

/* A refused control call changes nothing. */
Test(admin, refused_calls_do_nothing, .fini = e2e_fini, .timeout = 90.)
{
    e2e_start((const char *[]){"--admin-token", ADMIN, NULL}, NULL, 1);
    char *tok = e2e_token("demo-app");
    cJSON *t = e2e_run("v2024", tok, ids_body);
    cr_assert_eq(e2e_task_count(GOOD), E2E_FIXTURE_TASKS + 1);
    double before = clock_ms();

    struct http_res r;
    ctl_as(&r, "POST", "/mock/clock", "Authorization: Bearer wrong", "{\"advanceMs\":60000}");
    expect_admin_401(&r, "clock advance");
    http_res_free(&r);
    cr_expect_eq(clock_ms(), before, "a refused advance moved the clock");

    ctl_as(&r, "POST", "/mock/reset", NULL, NULL);
    expect_admin_401(&r, "reset");
    http_res_free(&r);
    cr_expect_eq(e2e_task_count(GOOD), E2E_FIXTURE_TASKS + 1, "a refused reset removed the task");

    ctl_as(&r, "POST", "/mock/faults", NULL, "{\"operation\":\"getReportResult\",\"status\":500}");
    expect_admin_401(&r, "fault");
    http_res_free(&r);
    cJSON *res = e2e_result("v2024", tok, jstr(t, "id")); /* asserts 200: no fault was added */
    cJSON_Delete(res);

    ctl_as(&r, "DELETE", "/mock/clients/demo-app", "Authorization: Basic " ADMIN, NULL);
    expect_admin_401(&r, "client removal");
    http_res_free(&r);
    char *again = e2e_token("demo-app"); /* asserts 200: the client is still there */
    free(again);

    /* With the token they work. */
    ctl_as(&r, "POST", "/mock/clock", GOOD, "{\"advanceMs\":60000}");
    cr_expect_eq(r.status, 200, "%ld %s", r.status, r.body);
    http_res_free(&r);
    cr_expect_eq(clock_ms(), before + 60000);
    ctl_as(&r, "POST", "/mock/reset", GOOD, NULL);
    cr_expect_eq(r.status, 200, "%ld %s", r.status, r.body);
    http_res_free(&r);
    cr_expect_eq(e2e_task_count(GOOD), E2E_FIXTURE_TASKS);
    cJSON_Delete(t);
    free(tok);
    e2e_finish();
}

/* The API is untouched by the admin token, and the two kinds of token do not mix. */
Test(admin, api_unaffected, .fini = e2e_fini, .timeout = 90.)
{
    e2e_start((const char *[]){"--admin-token", ADMIN, NULL}, NULL, 1);
    char *tok = e2e_token("demo-app"); /* the token endpoint needs no admin token */
    cJSON *t = e2e_run("v2024", tok, ids_body);
    cJSON *res = e2e_result("v3", tok, jstr(t, "id"));
    cJSON_Delete(res);

    /* The admin token is not an API token. */
    struct http_res r;
    char path[128];
    snprintf(path, sizeof path, "/v2024/reports/%s/result", jstr(t, "id"));
    api_call(&r, "GET", path, ADMIN, NULL);
    assert_401(&r, NULL);
    http_res_free(&r);
    api_call(&r, "POST", "/v2024/reports/run", ADMIN, ids_body);
    assert_401(&r, NULL);
    http_res_free(&r);

    /* An API token, even the all-scopes admin user's, is not the admin token. */
    char *admin_user = e2e_token("demo-admin");
    char hdr[4096];
    snprintf(hdr, sizeof hdr, "Authorization: Bearer %s", admin_user);
    ctl_as(&r, "GET", "/mock/clock", hdr, NULL);
    expect_admin_401(&r, "demo-admin's API token on /mock/clock");
    http_res_free(&r);

    /* The API's own errors keep their shapes. */
    api_call(&r, "GET", "/v2024/reports/" SOME_ID "/result", tok, NULL);
    assert_error_dto(&r, 404, NULL);
    http_res_free(&r);
    api_call(&r, "GET", "/v2024/reports/" SOME_ID "/result", NULL, NULL);
    assert_401(&r, NULL);
    http_res_free(&r);
    free(admin_user);
    cJSON_Delete(t);
    free(tok);
    e2e_finish();
}

/* Without --admin-token the control API is open, whatever Authorization says. */
E2E_TEST(admin, open_without_admin_token)
{
    static const char *const any_auth[] = {NULL, "Authorization: Bearer " ADMIN,
                                           "Authorization: Bearer whatever",
                                           "Authorization: Basic Zm9vOmJhcg=="};
    for (size_t i = 0; i < sizeof any_auth / sizeof any_auth[0]; i++) {
        struct http_res r;
        ctl_as(&r, "GET", "/mock/health", any_auth[i], NULL);
        cr_expect_eq(r.status, 200, "%s: %ld %s", any_auth[i] ? any_auth[i] : "no header", r.status,
                     r.body);
        http_res_free(&r);
        ctl_as(&r, "POST", "/mock/clock", any_auth[i], "{\"advanceMs\":1}");
        cr_expect_eq(r.status, 200, "%s: %ld %s", any_auth[i] ? any_auth[i] : "no header", r.status,
                     r.body);
        http_res_free(&r);
    }
}

Test(admin, environment_variable, .fini = e2e_fini, .timeout = 90.)
{
    e2e_start(NULL, (const char *[]){"ISC_MOCK_ADMIN_TOKEN=" ADMIN, NULL}, 1);
    expect_control_guarded("ISC_MOCK_ADMIN_TOKEN");
    struct http_res r;
    ctl_as(&r, "POST", "/mock/reset", NULL, NULL);
    expect_admin_401(&r, "reset under ISC_MOCK_ADMIN_TOKEN");
    http_res_free(&r);
    char *tok = e2e_token("demo-app");
    cJSON *t = e2e_run("v2024", tok, ids_body);
    cJSON_Delete(t);
    free(tok);
    e2e_finish();

    /* The flag wins over the variable. */
    e2e_start((const char *[]){"--admin-token", ADMIN, NULL},
              (const char *[]){"ISC_MOCK_ADMIN_TOKEN=other", NULL}, 1);
    ctl_as(&r, "GET", "/mock/clock", "Authorization: Bearer other", NULL);
    expect_admin_401(&r, "the variable's token under the flag");
    http_res_free(&r);
    ctl_as(&r, "GET", "/mock/clock", GOOD, NULL);
    cr_expect_eq(r.status, 200, "the flag's token: %ld %s", r.status, r.body);
    http_res_free(&r);
    e2e_finish();
}

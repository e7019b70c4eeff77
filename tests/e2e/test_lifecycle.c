/*
 * test_lifecycle.c - a task from start to end on the virtual clock (no
 * sleeping): ReportResults while running and after, cancel (204, then
 * TERMINATED; 400 on a finished task), and 404 for unknown ids on the three
 * task routes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "harness.h"

#define UNKNOWN_ID "ffffffffffffffffffffffffffffffff"

static const char *const identities_body =
    "{\"reportType\":\"IDENTITIES\",\"arguments\":{\"correlatedOnly\":true}}";

static void task_path(char *out, size_t cap, const char *id, const char *suffix)
{
    snprintf(out, cap, "/v2024/reports/%s%s", id, suffix);
}

E2E_TEST(lifecycle, running_then_success)
{
    char *tok = e2e_token("demo-app");
    cJSON *task = e2e_run("v2024", tok, identities_body);
    const char *id = jstr(task, "id");

    cJSON *res = e2e_result("v2024", tok, id);
    cr_expect_str_eq(jstr(res, "id"), id);
    cr_expect_str_eq(jstr(res, "reportType"), "IDENTITIES");
    cr_expect_str_eq(jstr(res, "taskDefName"), jstr(task, "taskDefName"));
    cr_expect_str_eq(jstr(res, "created"), jstr(task, "created"));
    cr_expect(!jhas(res, "status"), "status while running");
    cr_expect(!jhas(res, "duration"), "duration while running");
    cr_expect(!jhas(res, "rows"), "rows while running");
    assert_json_eq(cJSON_GetObjectItemCaseSensitive(res, "availableFormats"), "[\"CSV\",\"PDF\"]");
    cJSON_Delete(res);

    /* /mock/tasks does not claim a row count for a running task. */
    struct http_res r;
    http_req(&r, "GET", "/mock/tasks", NULL, NULL, 0);
    cr_assert_eq(r.status, 200);
    const cJSON *running = cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "tasks"), 0);
    cr_expect(jnull(running, "rows"), "rows of a running task must be null: %s", r.body);
    http_res_free(&r);

    /* Default duration 2000 ms: half way it still runs. */
    e2e_clock_advance(1000);
    res = e2e_result("v2024", tok, id);
    cr_expect(!jhas(res, "status"), "finished after 1000 of 2000 ms");
    cJSON_Delete(res);

    e2e_clock_advance(1500);
    res = e2e_result_done("v2024", tok, id, 30);
    cr_expect_str_eq(jstr(res, "status"), "SUCCESS");
    cr_expect(jnum(res, "duration") >= 0, "duration");
    cr_expect(jnum(res, "rows") >= 0, "rows");
    cr_expect(is_rfc3339_ms(jstr(res, "created")));
    cJSON_Delete(res);

    /* completed=true and completed=false are accepted. */
    char path[256];
    task_path(path, sizeof path, id, "/result?completed=true");
    api_call(&r, "GET", path, tok, NULL);
    cr_expect_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_expect_str_eq(jstr(r.json, "status"), "SUCCESS");
    http_res_free(&r);
    task_path(path, sizeof path, id, "/result?completed=false");
    api_call(&r, "GET", path, tok, NULL);
    cr_expect_eq(r.status, 200, "%ld %s", r.status, r.body);
    http_res_free(&r);

    /* /mock/tasks shows it completed. */
    http_req(&r, "GET", "/mock/tasks", NULL, NULL, 0);
    cr_assert_eq(r.status, 200);
    cJSON *t = cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "tasks"), 0);
    cr_expect_str_eq(jstr(t, "id"), id);
    cr_expect_str_eq(jstr(t, "completionStatus"), "SUCCESS", "%s", r.body);
    cr_expect(is_rfc3339_ms(jstr(t, "completed")), "%s", r.body);
    cr_expect_eq(jnum(t, "rows"), 290, "%s", r.body);
    http_res_free(&r);

    cJSON_Delete(task);
    free(tok);
}

E2E_TEST(lifecycle, selected_formats_become_available_formats)
{
    char *tok = e2e_token("demo-app");
    static const struct {
        const char *body;
        const char *formats;
    } cases[] = {
        {"{\"reportType\":\"ORPHAN_IDENTITIES\",\"arguments\":{\"selectedFormats\":[\"CSV\"]}}",
         "[\"CSV\"]"},
        {"{\"reportType\":\"UNCORRELATED_ACCOUNTS\",\"arguments\":{\"selectedFormats\":[\"PDF\"]}}",
         "[\"PDF\"]"},
        {"{\"reportType\":\"UNCORRELATED_ACCOUNTS\",\"arguments\":{}}", "[\"CSV\",\"PDF\"]"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cJSON *task = e2e_run("v2024", tok, cases[i].body);
        cJSON *res = e2e_result("v2024", tok, jstr(task, "id"));
        assert_json_eq(cJSON_GetObjectItemCaseSensitive(res, "availableFormats"), cases[i].formats);
        cJSON_Delete(res);
        cJSON_Delete(task);
    }
    free(tok);
}

E2E_TEST(lifecycle, cancel_running_then_terminated)
{
    char *app = e2e_token("demo-app");
    char *admin = e2e_token("demo-admin");
    cJSON *task = e2e_run("v2024", app, identities_body);
    const char *id = jstr(task, "id");
    char path[256];
    struct http_res r;

    /* As the SDK sends it: no body, an urlencoded Content-Type, Content-Length 0. */
    char auth[4096];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", admin);
    const char *h[] = {auth, "Content-Type: application/x-www-form-urlencoded", NULL};
    task_path(path, sizeof path, id, "/cancel");
    http_req(&r, "POST", path, h, NULL, 0);
    cr_assert_eq(r.status, 204, "%ld %s", r.status, r.body);
    cr_expect_eq(r.len, 0, "204 with a body: %s", r.body);
    http_res_free(&r);

    cJSON *res = e2e_result("v2024", app, id);
    cr_expect_str_eq(jstr(res, "status"), "TERMINATED");
    cr_expect(jhas(res, "duration"), "a finished task has a duration");
    cJSON_Delete(res);

    /* Time passing does not revive it. */
    e2e_clock_advance(10 * 1000);
    res = e2e_result_done("v2024", app, id, 30);
    cr_expect_str_eq(jstr(res, "status"), "TERMINATED");
    cJSON_Delete(res);

    /* Cancelling again: it is finished. */
    api_call(&r, "POST", path, admin, NULL);
    assert_error_dto(&r, 400, NULL);
    http_res_free(&r);

    /* The same report now starts a new task. */
    cJSON *again = e2e_run("v2024", app, identities_body);
    cr_expect_str_neq(jstr(again, "id"), id);
    cJSON_Delete(again);

    cJSON_Delete(task);
    free(app);
    free(admin);
}

E2E_TEST(lifecycle, cancel_finished_is_400)
{
    char *app = e2e_token("demo-app");
    char *admin = e2e_token("demo-admin");
    cJSON *task = e2e_run("v2024", app, identities_body);
    e2e_clock_advance(5000);
    char path[256];
    task_path(path, sizeof path, jstr(task, "id"), "/cancel");
    struct http_res r;
    api_call(&r, "POST", path, admin, NULL);
    assert_error_dto(&r, 400, NULL);
    http_res_free(&r);
    cJSON *res = e2e_result("v2024", app, jstr(task, "id"));
    cr_expect_str_eq(jstr(res, "status"), "SUCCESS", "a refused cancel changed the task");
    cJSON_Delete(res);
    cJSON_Delete(task);
    free(app);
    free(admin);
}

E2E_TEST(lifecycle, unknown_ids_are_404)
{
    char *app = e2e_token("demo-app");
    char *admin = e2e_token("demo-admin");
    /* (An encoded '/' in an id is a 400 instead: see test_transport.) */
    static const char *const ids[] = {UNKNOWN_ID, "not-a-task-id", "%20", "x%2Cy"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        char path[256];
        struct http_res r;
        task_path(path, sizeof path, ids[i], "/result");
        api_call(&r, "GET", path, app, NULL);
        assert_error_dto(&r, 404, NULL);
        http_res_free(&r);
        task_path(path, sizeof path, ids[i], "?fileFormat=csv");
        api_call(&r, "GET", path, app, NULL);
        assert_error_dto(&r, 404, NULL);
        http_res_free(&r);
        task_path(path, sizeof path, ids[i], "/cancel");
        api_call(&r, "POST", path, admin, NULL);
        assert_error_dto(&r, 404, NULL);
        http_res_free(&r);
    }
    free(app);
    free(admin);
}

/* Each error answer has its own trackingId. */
E2E_TEST(lifecycle, tracking_ids_are_fresh)
{
    char *app = e2e_token("demo-app");
    struct http_res a, b;
    api_call(&a, "GET", "/v2024/reports/" UNKNOWN_ID "/result", app, NULL);
    api_call(&b, "GET", "/v2024/reports/" UNKNOWN_ID "/result", app, NULL);
    assert_error_dto(&a, 404, NULL);
    assert_error_dto(&b, 404, NULL);
    cr_expect_str_neq(jstr(a.json, "trackingId"), jstr(b.json, "trackingId"));
    http_res_free(&a);
    http_res_free(&b);
    free(app);
}

/* Moving the clock by setting it (not advancing) also finishes tasks. */
E2E_TEST(lifecycle, clock_set_finishes_tasks)
{
    char *tok = e2e_token("demo-app");
    cJSON *task = e2e_run("v2024", tok, identities_body);
    int64_t now = e2e_clock_now();
    char body[64];
    snprintf(body, sizeof body, "{\"epochMs\":%lld}", (long long)(now + 10 * 1000));
    const char *h[] = {"Content-Type: application/json", NULL};
    struct http_res r;
    http_req(&r, "POST", "/mock/clock", h, body, strlen(body));
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    http_res_free(&r);
    cJSON *res = e2e_result("v2024", tok, jstr(task, "id"));
    cr_expect_str_eq(jstr(res, "status"), "SUCCESS");
    cJSON_Delete(res);
    cJSON_Delete(task);
    free(tok);
}

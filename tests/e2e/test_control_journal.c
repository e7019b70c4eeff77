/*
 * test_control_journal.c - the request journal (every API request, not the
 * control API's own; filters, count, order, limit; bounded in size;
 * cleared) and POST /mock/reset putting everything the control API
 * configured back to the start.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "harness.h"

static const char *const ids_body =
    "{\"reportType\":\"IDENTITIES\",\"arguments\":{\"correlatedOnly\":true}}";

/* GET /mock/requests?<query>; returns "count" and keeps the body in *out (may be NULL). */
static int journal(const char *query, cJSON **out)
{
    char path[512];
    snprintf(path, sizeof path, "/mock/requests%s%s", query && *query ? "?" : "",
             query ? query : "");
    cJSON *j = ctl("GET", path, NULL, 200);
    cr_assert(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(j, "requests")), "no requests");
    int n = (int)jnum(j, "count");
    if (out)
        *out = j;
    else
        cJSON_Delete(j);
    return n;
}

static void api_get(const char *path, const char *tok, long status)
{
    struct http_res r;
    api_call(&r, "GET", path, tok, NULL);
    cr_expect_eq(r.status, status, "GET %s: %ld %s", path, r.status, r.body);
    http_res_free(&r);
}

E2E_TEST(control_journal, records_api_requests)
{
    cr_expect_eq(journal(NULL, NULL), 0, "empty at start");
    char *tok = e2e_token("demo-app");          /* 1: token */
    cJSON *t = e2e_run("v2024", tok, ids_body); /* 2: startReport */
    const char *id = jstr(t, "id");
    char path[128];
    snprintf(path, sizeof path, "/v2024/reports/%s/result", id);
    for (int i = 0; i < 3; i++)
        api_get(path, tok, 200); /* 3-5: getReportResult */
    snprintf(path, sizeof path, "/v3/reports/%s/result?completed=true", id);
    api_get(path, tok, 200);                             /* 6: v3 */
    api_get("/v2024/nope", tok, 404);                    /* 7: no route */
    api_get("/v2024/reports/run", NULL, 405);            /* 8: wrong method */
    cJSON_Delete(ctl("GET", "/mock/health", NULL, 200)); /* not journaled */

    cJSON *all = NULL;
    cr_expect_eq(journal(NULL, &all), 8);
    cJSON *reqs = cJSON_GetObjectItemCaseSensitive(all, "requests");
    /* Newest first by default. */
    cJSON *newest = cJSON_GetArrayItem(reqs, 0);
    cr_expect_str_eq(jstr(newest, "method"), "GET");
    cr_expect_str_eq(jstr(newest, "path"), "/v2024/reports/run");
    cr_expect_eq(jnum(newest, "status"), 405);
    cJSON *run = cJSON_GetArrayItem(reqs, 6);
    cr_expect_str_eq(jstr(run, "operation"), "startReport");
    cr_expect_str_eq(jstr(run, "version"), "v2024");
    cr_expect_str_eq(jstr(run, "clientId"), "demo-app");
    cr_expect_eq(jnum(run, "status"), 200);
    cr_expect(is_hex32(jstr(run, "trackingId")));
    cr_expect(is_rfc3339_ms(jstr(run, "time")));
    cr_expect(jnum(run, "durationMs") >= 0);
    cr_expect(jnum(run, "id") > 0);
    cJSON *token = cJSON_GetArrayItem(reqs, 7);
    cr_expect_str_eq(jstr(token, "path"), "/oauth/token");
    cr_expect_str_eq(jstr(token, "operation"), "createOauthToken");
    cr_expect_str_eq(jstr(token, "clientId"), "demo-app");
    cr_expect(jnull(token, "version"));
    cJSON *v3 = cJSON_GetArrayItem(reqs, 2);
    cr_expect_str_eq(jstr(v3, "version"), "v3");
    cr_expect_str_eq(jstr(v3, "query"), "completed=true");
    cJSON_Delete(all);

    /* "The client polled the result 3 times and never called cancel." */
    cr_expect_eq(journal("operation=getReportResult&version=v2024", NULL), 3);
    cr_expect_eq(journal("operation=getReportResult", NULL), 4);
    cr_expect_eq(journal("operation=cancelReport", NULL), 0);
    cr_expect_eq(journal("method=POST", NULL), 2);
    cr_expect_eq(journal("method=GET&status=200", NULL), 4);
    cr_expect_eq(journal("status=404", NULL), 1);
    cr_expect_eq(journal("clientId=demo-app", NULL), 6, "token, run and 4 polls");
    cr_expect_eq(journal("clientId=nobody", NULL), 0);
    cr_expect_eq(journal("version=v3", NULL), 1);
    snprintf(path, sizeof path, "path=/v2024/reports/%s/result", id);
    cr_expect_eq(journal(path, NULL), 3, "exact path");
    cr_expect_eq(journal("path=/v2024/reports/", NULL), 0, "exact, not prefix");
    cr_expect_eq(journal("path=/v2024/*", NULL), 6, "prefix");
    cr_expect_eq(journal("path=*", NULL), 8);

    /* limit: count still says how many match. */
    cJSON *lim = NULL;
    cr_expect_eq(journal("operation=getReportResult&limit=2", &lim), 4);
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(lim, "requests")), 2);
    cJSON_Delete(lim);
    cr_expect_eq(journal("limit=0", &lim), 8);
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(lim, "requests")), 0);
    cJSON_Delete(lim);

    /* order=asc: oldest first. */
    cJSON *asc = NULL;
    journal("order=asc&limit=1", &asc);
    cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(asc, "requests"), 0);
    cr_expect_str_eq(jstr(first, "path"), "/oauth/token");
    cJSON_Delete(asc);

    /* trackingId finds one request. */
    cJSON *one = NULL;
    journal("operation=startReport", &one);
    const char *tid = jstr(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(one, "requests"), 0),
                           "trackingId");
    char q[128];
    snprintf(q, sizeof q, "trackingId=%s", tid);
    cr_expect_eq(journal(q, NULL), 1);
    cJSON_Delete(one);

    cJSON_Delete(t);
    free(tok);
}

E2E_TEST(control_journal, since_uses_the_mock_clock)
{
    char *tok = e2e_token("demo-app");
    api_get("/v2024/nope", tok, 404);
    e2e_clock_advance(60 * 1000);
    cJSON *clock = ctl("GET", "/mock/clock", NULL, 200);
    char q[128];
    char *enc = url_encode(jstr(clock, "now"));
    snprintf(q, sizeof q, "since=%s", enc);
    free(enc);
    cJSON_Delete(clock);
    cr_expect_eq(journal(q, NULL), 0, "nothing since now");
    api_get("/v2024/nope", tok, 404);
    cr_expect_eq(journal(q, NULL), 1);
    cr_expect_eq(journal("since=1970-01-01T00%3A00%3A00.000Z", NULL), 3);
    free(tok);
}

E2E_TEST(control_journal, clear)
{
    char *tok = e2e_token("demo-app");
    api_get("/v2024/nope", tok, 404);
    cr_expect_eq(journal(NULL, NULL), 2);
    cr_expect_null(ctl("DELETE", "/mock/requests", NULL, 204));
    cr_expect_eq(journal(NULL, NULL), 0);
    api_get("/v2024/nope", tok, 404);
    cr_expect_eq(journal(NULL, NULL), 1, "recording goes on");
    free(tok);
}

/* Whatever bytes a client sends, the journal answers valid JSON text. */
E2E_TEST(control_journal, not_utf8_is_replaced)
{
    api_get("/v2024/caf%C3%A9%FF?x=%FE", NULL, 404);
    cJSON *all = NULL;
    cr_expect_eq(journal(NULL, &all), 1);
    cJSON *one = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(all, "requests"), 0);
    cr_expect_str_eq(jstr(one, "path"), "/v2024/caf\xc3\xa9?");
    cr_expect_str_eq(jstr(one, "query"), "x=?");
    cJSON_Delete(all);
}

E2E_TEST(control_journal, bad_filters_are_400)
{
    static const char *const cases[][2] = {
        {"status=abc", "status"},     {"status=99", "status"},  {"status=", "status"},
        {"limit=-1", "limit"},        {"limit=10001", "limit"}, {"limit=1x", "limit"},
        {"since=yesterday", "since"}, {"order=up", "order"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[256];
        struct http_res r;
        snprintf(path, sizeof path, "/mock/requests?%s", cases[i][0]);
        api_call(&r, "GET", path, NULL, NULL);
        cr_expect_eq(r.status, 400, "%s: %ld %s", cases[i][0], r.status, r.body);
        if (r.status == 400)
            assert_error_dto(&r, 400, cases[i][1]);
        http_res_free(&r);
    }
}

/* The journal keeps the newest --journal-max rows. */
Test(control_journal, bounded, .fini = e2e_fini, .timeout = 90.)
{
    const char *const args[] = {"--journal-max", "5", NULL};
    e2e_start(args, NULL, 1);
    char *tok = e2e_token("demo-app");
    char path[64];
    for (int i = 0; i < 9; i++) {
        snprintf(path, sizeof path, "/v2024/nope%d", i);
        api_get(path, tok, 404);
    }
    cJSON *all = NULL;
    cr_expect_eq(journal("order=asc", &all), 5);
    cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(all, "requests"), 0);
    cr_expect_str_eq(jstr(first, "path"), "/v2024/nope4", "the oldest went first");
    cJSON_Delete(all);
    free(tok);
    e2e_finish();
}

/* POST /mock/reset: faults, behaviours, the queue, the journal and added
 * clients are gone; fixture clients are back. */
E2E_TEST(control_journal, reset_clears_everything)
{
    cJSON_Delete(ctl("POST", "/mock/faults", "{\"operation\":\"getReport\",\"status\":500}", 201));
    cJSON_Delete(ctl("PUT", "/mock/reports/ACCOUNTS", "{\"polls\":2}", 200));
    cJSON_Delete(ctl("PUT", "/mock/reports/default", "{\"durationMs\":1}", 200));
    cJSON_Delete(ctl("POST", "/mock/reports/next", "{\"outcome\":\"ERROR\"}", 201));
    cJSON_Delete(
        ctl("POST", "/mock/clients", "{\"clientId\":\"ci-bot\",\"clientSecret\":\"s\"}", 201));
    cr_expect_null(ctl("DELETE", "/mock/clients/demo-reader", NULL, 204));
    char *tok = e2e_token("demo-app");
    cJSON_Delete(e2e_run("v2024", tok, ids_body));
    cr_expect(journal(NULL, NULL) > 0);

    cJSON_Delete(ctl("POST", "/mock/reset", NULL, 200));

    cJSON *j = ctl("GET", "/mock/faults", NULL, 200);
    assert_json_eq(j, "{\"faults\":[]}");
    cJSON_Delete(j);
    j = ctl("GET", "/mock/reports", NULL, 200);
    assert_json_eq(j, "{\"serverDefault\":{\"durationMs\":2000,\"outcome\":\"SUCCESS\"},"
                      "\"behaviours\":[],\"next\":[]}");
    cJSON_Delete(j);
    cr_expect_eq(journal(NULL, NULL), 0);
    /* Only the fixtures' task is back, finished again with its files. */
    j = ctl("GET", "/mock/tasks", NULL, 200);
    cJSON *tasks = cJSON_GetObjectItemCaseSensitive(j, "tasks");
    cr_expect_eq(cJSON_GetArraySize(tasks), E2E_FIXTURE_TASKS);
    cr_expect_str_eq(jstr(cJSON_GetArrayItem(tasks, 0), "id"), E2E_EXAMPLE_TASK);
    cr_expect_str_eq(jstr(cJSON_GetArrayItem(tasks, 0), "completionStatus"), "SUCCESS");
    cJSON_Delete(j);
    struct http_res r;
    api_call(&r, "GET", "/mock/clients/ci-bot", NULL, NULL);
    assert_error_dto(&r, 404, NULL);
    http_res_free(&r);
    cJSON_Delete(ctl("GET", "/mock/clients/demo-reader", NULL, 200));

    /* And they work again from scratch: a new fault applies. */
    cJSON *f = ctl("POST", "/mock/faults",
                   "{\"operation\":\"createOauthToken\",\"status\":503,\"times\":1}", 201);
    cJSON_Delete(f);
    const char *h[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
    const char *form = "grant_type=client_credentials&client_id=demo-app&"
                       "client_secret=demo-app-secret";
    http_req(&r, "POST", "/oauth/token", h, form, strlen(form));
    cr_expect_eq(r.status, 503);
    http_res_free(&r);
    free(tok);
}

/* Tasks and audit events can be filtered. */
E2E_TEST(control_journal, task_and_audit_filters)
{
    char *tok = e2e_token("demo-app");
    cJSON *a = e2e_run("v2024", tok, ids_body);
    cJSON *b = e2e_run("v2024", tok,
                       "{\"reportType\":\"IDENTITIES_DETAILS\",\"arguments\":"
                       "{\"correlatedOnly\":true}}");
    e2e_clock_advance(2000);
    char path[160];
    snprintf(path, sizeof path, "/v2024/reports/%s?fileFormat=csv&auditable=true", jstr(a, "id"));
    api_get(path, tok, 200);
    cJSON *c = e2e_run("v2024", tok,
                       "{\"reportType\":\"IDENTITIES\",\"arguments\":{\"correlatedOnly\":false}}");

    cJSON *j = ctl("GET", "/mock/tasks?reportType=IDENTITIES", NULL, 200);
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "tasks")), 2);
    cJSON_Delete(j);
    j = ctl("GET", "/mock/tasks?status=RUNNING", NULL, 200);
    cJSON *list = cJSON_GetObjectItemCaseSensitive(j, "tasks");
    cr_expect_eq(cJSON_GetArraySize(list), 1);
    cr_expect_str_eq(jstr(cJSON_GetArrayItem(list, 0), "id"), jstr(c, "id"));
    cJSON_Delete(j);
    /* b, then the fixtures' example task (newest first). */
    j = ctl("GET", "/mock/tasks?status=SUCCESS&reportType=IDENTITIES_DETAILS", NULL, 200);
    list = cJSON_GetObjectItemCaseSensitive(j, "tasks");
    cr_expect_eq(cJSON_GetArraySize(list), 2);
    cr_expect_str_eq(jstr(cJSON_GetArrayItem(list, 0), "id"), jstr(b, "id"));
    cr_expect_str_eq(jstr(cJSON_GetArrayItem(list, 1), "id"), E2E_EXAMPLE_TASK);
    cJSON_Delete(j);
    j = ctl("GET", "/mock/tasks?clientId=demo-admin", NULL, 200);
    list = cJSON_GetObjectItemCaseSensitive(j, "tasks");
    cr_expect_eq(cJSON_GetArraySize(list), 1, "only the fixtures' task is demo-admin's");
    cr_expect_str_eq(jstr(cJSON_GetArrayItem(list, 0), "id"), E2E_EXAMPLE_TASK);
    cJSON_Delete(j);
    struct http_res r;
    api_call(&r, "GET", "/mock/tasks?status=DONE", NULL, NULL);
    assert_error_dto(&r, 400, "status");
    http_res_free(&r);
    api_call(&r, "GET", "/mock/tasks?reportType=SALES", NULL, NULL);
    assert_error_dto(&r, 400, "reportType");
    http_res_free(&r);

    snprintf(path, sizeof path, "/mock/audit?taskId=%s", jstr(a, "id"));
    j = ctl("GET", path, NULL, 200);
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "events")), 1);
    cJSON_Delete(j);
    snprintf(path, sizeof path, "/mock/audit?taskId=%s", jstr(b, "id"));
    j = ctl("GET", path, NULL, 200);
    assert_json_eq(j, "{\"events\":[]}");
    cJSON_Delete(j);
    cJSON_Delete(a);
    cJSON_Delete(b);
    cJSON_Delete(c);
    free(tok);
}

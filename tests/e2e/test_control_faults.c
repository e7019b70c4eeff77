/*
 * test_control_faults.c - injected faults: configuring them (every shape
 * and every refusal), and their effect on API calls: a status with its
 * error body for the next N calls, a seeded probability that repeats the
 * same sequence on a fresh server, a delay, a dropped connection, and that
 * authentication still comes first and the control API is never faulted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>
#include <curl/curl.h>

#include "harness.h"

static const char *const ids_body =
    "{\"reportType\":\"IDENTITIES\",\"arguments\":{\"correlatedOnly\":true}}";

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Starts a report with no fault in the way; returns its id (malloc'd). */
static char *start_task(const char *tok)
{
    cJSON *t = e2e_run("v2024", tok, ids_body);
    char *id = strdup(jstr(t, "id"));
    cr_assert(id != NULL);
    cJSON_Delete(t);
    return id;
}

/* One fault by id from GET /mock/faults/{id}. */
static cJSON *fault_get(int id)
{
    char path[64];
    snprintf(path, sizeof path, "/mock/faults/%d", id);
    return ctl("GET", path, NULL, 200);
}

E2E_TEST(control_faults, add_list_get_delete)
{
    cJSON *f = ctl("POST", "/mock/faults",
                   "{\"operation\":\"getReportResult\",\"status\":503,\"times\":2}", 201);
    cr_expect(is_rfc3339_ms(jstr(f, "created")));
    cJSON_DeleteItemFromObjectCaseSensitive(f, "created");
    assert_json_eq(f, "{\"id\":1,\"operation\":\"getReportResult\",\"status\":503,\"delayMs\":0,"
                      "\"drop\":false,\"times\":2,\"remaining\":2,\"probability\":null,"
                      "\"seed\":null,\"calls\":0,\"hits\":0,\"active\":true}");
    cJSON_Delete(f);

    f = ctl("POST", "/mock/faults",
            "{\"operation\":\"*\",\"delayMs\":5,\"probability\":0.25,\"seed\":-42}", 201);
    cJSON_DeleteItemFromObjectCaseSensitive(f, "created");
    assert_json_eq(f, "{\"id\":2,\"operation\":\"*\",\"status\":null,\"delayMs\":5,"
                      "\"drop\":false,\"times\":null,\"remaining\":null,\"probability\":0.25,"
                      "\"seed\":-42,\"calls\":0,\"hits\":0,\"active\":true}");
    cJSON_Delete(f);

    /* Without a seed one is chosen and shown, so the run can be repeated. */
    f = ctl("POST", "/mock/faults",
            "{\"operation\":\"startReport\",\"drop\":true,"
            "\"probability\":1}",
            201);
    cr_expect(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(f, "seed")), "seed shown");
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(f, "drop")));
    cJSON_Delete(f);

    /* Neither times nor probability: every call until removed. */
    f = ctl("POST", "/mock/faults",
            "{\"operation\":\"createOauthToken\",\"status\":429,\"delayMs\":0,\"drop\":false,"
            "\"times\":null}",
            201);
    cr_expect(jnull(f, "times") && jnull(f, "probability"));
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(f, "active")));
    cJSON_Delete(f);

    cJSON *all = ctl("GET", "/mock/faults", NULL, 200);
    cJSON *list = cJSON_GetObjectItemCaseSensitive(all, "faults");
    cr_assert_eq(cJSON_GetArraySize(list), 4);
    for (int i = 0; i < 4; i++)
        cr_expect_eq(jnum(cJSON_GetArrayItem(list, i), "id"), i + 1, "in id order");
    cJSON_Delete(all);

    f = fault_get(2);
    cr_expect_str_eq(jstr(f, "operation"), "*");
    cJSON_Delete(f);

    cr_expect_null(ctl("DELETE", "/mock/faults/2", NULL, 204));
    struct http_res r;
    api_call(&r, "DELETE", "/mock/faults/2", NULL, NULL);
    assert_error_dto(&r, 404, "fault 2");
    http_res_free(&r);
    api_call(&r, "GET", "/mock/faults/2", NULL, NULL);
    assert_error_dto(&r, 404, "fault 2");
    http_res_free(&r);
    static const char *const bad_ids[] = {"/mock/faults/abc", "/mock/faults/0", "/mock/faults/-1",
                                          "/mock/faults/1x", "/mock/faults/99999999999999999999"};
    for (size_t i = 0; i < sizeof bad_ids / sizeof bad_ids[0]; i++)
        ctl_400("GET", bad_ids[i], NULL, "fault id");

    cr_expect_null(ctl("DELETE", "/mock/faults", NULL, 204));
    all = ctl("GET", "/mock/faults", NULL, 200);
    assert_json_eq(all, "{\"faults\":[]}");
    cJSON_Delete(all);
}

struct bad_fault {
    const char *body;
    const char *part;
};

static const struct bad_fault bad_faults[] = {
    {"", "JSON object"},
    {"[1]", "JSON object"},
    {"{\"status\":500}", "operation"},
    {"{\"operation\":\"getReports\",\"status\":500}", "operation"},
    {"{\"operation\":5,\"status\":500}", "operation"},
    {"{\"operation\":\"mock.reset\",\"status\":500}", "operation"},
    {"{\"operation\":\"startReport\"}", "at least one"},
    {"{\"operation\":\"startReport\",\"delayMs\":0}", "at least one"},
    {"{\"operation\":\"startReport\",\"drop\":false}", "at least one"},
    {"{\"operation\":\"startReport\",\"status\":200}", "status"},
    {"{\"operation\":\"startReport\",\"status\":418}", "status"},
    {"{\"operation\":\"startReport\",\"status\":\"500\"}", "status"},
    {"{\"operation\":\"startReport\",\"status\":500.5}", "status"},
    {"{\"operation\":\"startReport\",\"delayMs\":-1}", "delayMs"},
    {"{\"operation\":\"startReport\",\"delayMs\":60001}", "delayMs"},
    {"{\"operation\":\"startReport\",\"drop\":\"yes\"}", "drop"},
    {"{\"operation\":\"startReport\",\"drop\":true,\"status\":500}", "drop"},
    {"{\"operation\":\"startReport\",\"status\":500,\"times\":0}", "times"},
    {"{\"operation\":\"startReport\",\"status\":500,\"times\":-3}", "times"},
    {"{\"operation\":\"startReport\",\"status\":500,\"times\":1.5}", "times"},
    {"{\"operation\":\"startReport\",\"status\":500,\"probability\":1.5}", "probability"},
    {"{\"operation\":\"startReport\",\"status\":500,\"probability\":-0.1}", "probability"},
    {"{\"operation\":\"startReport\",\"status\":500,\"probability\":\"0.5\"}", "probability"},
    {"{\"operation\":\"startReport\",\"status\":500,\"probability\":0.5,\"times\":2}",
     "times or probability"},
    {"{\"operation\":\"startReport\",\"status\":500,\"seed\":1}", "seed"},
    {"{\"operation\":\"startReport\",\"status\":500,\"probability\":0.5,\"seed\":1.5}", "seed"},
    {"{\"operation\":\"startReport\",\"status\":500,\"probability\":0.5,\"seed\":1e300}", "seed"},
    {"{\"operation\":\"startReport\",\"status\":500,\"route\":\"x\"}", "route"},
};

E2E_TEST(control_faults, bad_bodies_are_400)
{
    for (size_t i = 0; i < sizeof bad_faults / sizeof bad_faults[0]; i++)
        ctl_400("POST", "/mock/faults", bad_faults[i].body, bad_faults[i].part);
    cJSON *all = ctl("GET", "/mock/faults", NULL, 200);
    assert_json_eq(all, "{\"faults\":[]}");
    cJSON_Delete(all);
}

/* The next N calls of one operation get the status, with its error body; then it is used up. */
E2E_TEST(control_faults, times_then_exhausted)
{
    char *tok = e2e_token("demo-app");
    char *id = start_task(tok);
    cJSON_Delete(ctl("POST", "/mock/faults",
                     "{\"operation\":\"getReportResult\",\"status\":503,\"times\":2}", 201));
    /* Another operation is not touched. */
    cJSON_Delete(
        ctl("POST", "/mock/faults", "{\"operation\":\"cancelReport\",\"status\":500}", 201));
    char path[128];
    snprintf(path, sizeof path, "/v2024/reports/%s/result", id);
    for (int i = 0; i < 2; i++) {
        struct http_res r;
        api_call(&r, "GET", path, tok, NULL);
        assert_error_dto(&r, 503, NULL);
        http_res_free(&r);
    }
    cr_expect_eq(e2e_result_status(tok, id), 200, "the third call is normal");
    cr_expect_eq(e2e_result_status(tok, id), 200);
    cJSON *f = fault_get(1);
    cr_expect_eq(jnum(f, "remaining"), 0);
    cr_expect_eq(jnum(f, "hits"), 2);
    cr_expect_eq(jnum(f, "calls"), 2);
    cr_expect(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(f, "active")));
    cJSON_Delete(f);
    f = fault_get(2);
    cr_expect_eq(jnum(f, "calls"), 0, "cancelReport was never called");
    cJSON_Delete(f);
    free(id);
    free(tok);
}

/* Each status answers with its own body shape. */
E2E_TEST(control_faults, status_bodies)
{
    static const int statuses[] = {400, 401, 403, 404, 429, 500, 502, 503, 504};
    char *tok = e2e_token("demo-app");
    char *id = start_task(tok);
    char body[128], path[128];
    snprintf(path, sizeof path, "/v2024/reports/%s/result", id);
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        snprintf(body, sizeof body, "{\"operation\":\"getReportResult\",\"status\":%d,\"times\":1}",
                 statuses[i]);
        cJSON_Delete(ctl("POST", "/mock/faults", body, 201));
        struct http_res r;
        api_call(&r, "GET", path, tok, NULL);
        if (statuses[i] == 401) {
            assert_401(&r, NULL);
        } else if (statuses[i] == 429) {
            cr_expect_eq(r.status, 429);
            assert_json_eq(r.json, "{\"message\":\" Rate Limit Exceeded \"}");
        } else {
            assert_error_dto(&r, statuses[i], NULL);
        }
        http_res_free(&r);
    }
    cr_expect_eq(e2e_result_status(tok, id), 200, "all used up");
    free(id);
    free(tok);
}

/* The statuses of `n` result polls under a seeded 50% fault, as "0"/"1" (1: 500). */
static void seeded_run(char *out, int n)
{
    char *tok = e2e_token("demo-app");
    char *id = start_task(tok);
    cJSON_Delete(ctl("POST", "/mock/faults",
                     "{\"operation\":\"getReportResult\",\"status\":500,\"probability\":0.5,"
                     "\"seed\":1234}",
                     201));
    for (int i = 0; i < n; i++) {
        long st = e2e_result_status(tok, id);
        cr_assert(st == 200 || st == 500, "poll %d: %ld", i, st);
        out[i] = st == 500 ? '1' : '0';
    }
    out[n] = '\0';
    free(id);
    free(tok);
}

E2E_TEST(control_faults, seeded_probability_repeats)
{
    char first[32], second[32];
    seeded_run(first, 20);
    cJSON *f = fault_get(1);
    int hits = 0;
    for (int i = 0; i < 20; i++)
        hits += first[i] == '1';
    cr_expect_eq(jnum(f, "calls"), 20);
    cr_expect_eq(jnum(f, "hits"), hits);
    cr_expect(jnull(f, "remaining"));
    cJSON_Delete(f);

    e2e_restart(NULL); /* a fresh server: fresh database */
    seeded_run(second, 20);
    cr_expect_str_eq(second, first, "same seed, same sequence");
    /* The documented generator (splitmix64, hit when (z >> 11) / 2^53 < p). */
    cr_expect_str_eq(first, "00110011101100000010");
}

E2E_TEST(control_faults, probability_zero_and_one)
{
    char *tok = e2e_token("demo-app");
    char *id = start_task(tok);
    cJSON_Delete(ctl("POST", "/mock/faults",
                     "{\"operation\":\"getReportResult\",\"status\":502,\"probability\":0}", 201));
    for (int i = 0; i < 5; i++)
        cr_expect_eq(e2e_result_status(tok, id), 200);
    cr_expect_null(ctl("DELETE", "/mock/faults", NULL, 204));
    cJSON_Delete(ctl("POST", "/mock/faults",
                     "{\"operation\":\"getReportResult\",\"status\":502,\"probability\":1}", 201));
    for (int i = 0; i < 5; i++)
        cr_expect_eq(e2e_result_status(tok, id), 502);
    free(id);
    free(tok);
}

/* A fault on "*" hits every API operation, and never the control API. */
E2E_TEST(control_faults, any_operation_but_not_control)
{
    char *tok = e2e_token("demo-admin");
    char *id = start_task(tok);
    cJSON_Delete(ctl("POST", "/mock/faults", "{\"operation\":\"*\",\"status\":500}", 201));
    char path[128];
    struct http_res r;
    snprintf(path, sizeof path, "/v2024/reports/%s/result", id);
    api_call(&r, "GET", path, tok, NULL);
    assert_error_dto(&r, 500, NULL);
    http_res_free(&r);
    snprintf(path, sizeof path, "/v2024/reports/%s?fileFormat=csv", id);
    api_call(&r, "GET", path, tok, NULL);
    assert_error_dto(&r, 500, NULL);
    http_res_free(&r);
    snprintf(path, sizeof path, "/v2024/reports/%s/cancel", id);
    api_call(&r, "POST", path, tok, NULL);
    assert_error_dto(&r, 500, NULL);
    http_res_free(&r);
    api_call(&r, "POST", "/v2024/reports/run", tok, ids_body);
    assert_error_dto(&r, 500, NULL);
    http_res_free(&r);
    const char *h[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
    const char *form = "grant_type=client_credentials&client_id=demo-app&client_secret=x";
    http_req(&r, "POST", "/oauth/token", h, form, strlen(form));
    cr_expect_eq(r.status, 500, "token endpoint: %ld %s", r.status, r.body);
    http_res_free(&r);
    /* The control API still answers, so the fault can be removed. */
    cJSON_Delete(ctl("GET", "/mock/health", NULL, 200));
    cJSON_Delete(ctl("GET", "/mock/faults", NULL, 200));
    cr_expect_null(ctl("DELETE", "/mock/faults/1", NULL, 204));
    snprintf(path, sizeof path, "/v2024/reports/%s/result", id);
    cr_expect_eq(e2e_result_status(tok, id), 200);
    free(id);
    free(tok);
}

E2E_TEST(control_faults, token_endpoint_fault)
{
    cJSON_Delete(ctl("POST", "/mock/faults",
                     "{\"operation\":\"createOauthToken\",\"status\":503,\"times\":1}", 201));
    const char *h[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
    const char *form = "grant_type=client_credentials&client_id=demo-app&"
                       "client_secret=demo-app-secret";
    struct http_res r;
    http_req(&r, "POST", "/oauth/token", h, form, strlen(form));
    cr_expect_eq(r.status, 503, "%ld %s", r.status, r.body);
    http_res_free(&r);
    char *tok = e2e_token("demo-app"); /* asserts a 200 */
    free(tok);
}

/* Authentication answers first: a faulted route still says 401 without a token. */
E2E_TEST(control_faults, authentication_comes_first)
{
    cJSON_Delete(ctl("POST", "/mock/faults",
                     "{\"operation\":\"startReport\",\"status\":503,\"times\":1}", 201));
    struct http_res r;
    api_call(&r, "POST", "/v2024/reports/run", NULL, ids_body);
    assert_401(&r, NULL);
    http_res_free(&r);
    api_call(&r, "POST", "/v2024/reports/run", "not-a-jwt", ids_body);
    assert_401(&r, NULL);
    http_res_free(&r);
    cJSON *f = fault_get(1);
    cr_expect_eq(jnum(f, "remaining"), 1, "refused calls use nothing up");
    cJSON_Delete(f);
    char *tok = e2e_token("demo-app");
    api_call(&r, "POST", "/v2024/reports/run", tok, ids_body);
    assert_error_dto(&r, 503, NULL);
    http_res_free(&r);
    free(tok);
}

E2E_TEST(control_faults, delay)
{
    char *tok = e2e_token("demo-app");
    char *id = start_task(tok);
    cJSON_Delete(ctl("POST", "/mock/faults",
                     "{\"operation\":\"getReportResult\",\"delayMs\":300,\"times\":1}", 201));
    int64_t t0 = mono_ms();
    long st = e2e_result_status(tok, id);
    int64_t took = mono_ms() - t0;
    cr_expect_eq(st, 200, "a delay alone answers normally");
    cr_expect_geq(took, 300, "took %lld ms", (long long)took);
    /* With a status too: the status comes after the delay. */
    cJSON_Delete(ctl("POST", "/mock/faults",
                     "{\"operation\":\"getReportResult\",\"delayMs\":300,\"status\":504,"
                     "\"times\":1}",
                     201));
    t0 = mono_ms();
    st = e2e_result_status(tok, id);
    took = mono_ms() - t0;
    cr_expect_eq(st, 504);
    cr_expect_geq(took, 300, "took %lld ms", (long long)took);
    free(id);
    free(tok);
}

/* POST /v2024/reports/run without the harness' transport assertion. */
static CURLcode raw_run(const char *tok, long *status)
{
    char url[256], auth[4096];
    snprintf(url, sizeof url, "%s/v2024/reports/run", e2e_srv.url);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", tok);
    struct curl_slist *h = curl_slist_append(NULL, auth);
    struct curl_slist *h2 = h ? curl_slist_append(h, "Content-Type: application/json") : NULL;
    cr_assert(h2 != NULL);
    CURL *c = curl_easy_init();
    cr_assert(c != NULL);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h2);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, ids_body);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, e2e_discard);
    CURLcode rc = curl_easy_perform(c);
    *status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    curl_easy_cleanup(c);
    curl_slist_free_all(h2);
    return rc;
}

E2E_TEST(control_faults, drop)
{
    char *tok = e2e_token("demo-app");
    cJSON_Delete(ctl("POST", "/mock/faults",
                     "{\"operation\":\"startReport\",\"drop\":true,\"times\":1}", 201));
    long status;
    CURLcode rc = raw_run(tok, &status);
    cr_expect_neq(rc, CURLE_OK, "a dropped connection gives curl no answer (status %ld)", status);
    cr_expect_eq(status, 0, "no status line");
    rc = raw_run(tok, &status);
    cr_expect_eq(rc, CURLE_OK, "%s", curl_easy_strerror(rc));
    cr_expect_eq(status, 200, "the next call is normal");
    cJSON *f = fault_get(1);
    cr_expect_eq(jnum(f, "hits"), 1);
    cJSON_Delete(f);
    free(tok);
}

/* The oldest fault that applies wins; the others wait their turn. */
E2E_TEST(control_faults, oldest_first)
{
    char *tok = e2e_token("demo-app");
    char *id = start_task(tok);
    cJSON_Delete(ctl("POST", "/mock/faults",
                     "{\"operation\":\"getReportResult\",\"status\":502,\"times\":1}", 201));
    cJSON_Delete(
        ctl("POST", "/mock/faults", "{\"operation\":\"*\",\"status\":504,\"times\":1}", 201));
    cr_expect_eq(e2e_result_status(tok, id), 502);
    cr_expect_eq(e2e_result_status(tok, id), 504);
    cr_expect_eq(e2e_result_status(tok, id), 200);
    free(id);
    free(tok);
}

/* Faults live in the database: with a file they outlast a restart, and the
 * restarted server applies them from its first call. */
Test(control_faults, survive_restart_with_db_file, .fini = e2e_fini, .timeout = 90.)
{
    char db[600];
    snprintf(db, sizeof db, "%s/mock.db", e2e_tmpdir());
    const char *const args[] = {"--db", db, NULL};
    e2e_start(args, NULL, 1);
    cJSON_Delete(ctl("POST", "/mock/faults",
                     "{\"operation\":\"createOauthToken\",\"status\":503,\"times\":2}", 201));
    const char *h[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
    const char *form = "grant_type=client_credentials&client_id=demo-app&"
                       "client_secret=demo-app-secret";
    struct http_res r;
    http_req(&r, "POST", "/oauth/token", h, form, strlen(form));
    cr_expect_eq(r.status, 503);
    http_res_free(&r);
    e2e_restart(args);
    http_req(&r, "POST", "/oauth/token", h, form, strlen(form));
    cr_expect_eq(r.status, 503, "the second of two calls, after the restart");
    http_res_free(&r);
    http_req(&r, "POST", "/oauth/token", h, form, strlen(form));
    cr_expect_eq(r.status, 200);
    http_res_free(&r);
    e2e_finish();
}

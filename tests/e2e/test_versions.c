/*
 * test_versions.c - the whole workflow (run, poll, CSV and PDF, cancel, 404s)
 * on each API version prefix the mock serves: /v2024, /v3, /v2025, /v2026;
 * other prefixes are unknown routes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "harness.h"

struct version_case {
    const char *ver;
};

static const struct version_case versions[] = {{"v2024"}, {"v3"}, {"v2025"}, {"v2026"}};

E2E_TABLE_PARAMS(versions, workflow, versions)

ParameterizedTest(size_t *i, versions, workflow, .fini = e2e_fini, .timeout = 90.)
{
    const struct version_case *c = &versions[*i];
    e2e_init();
    const char *v = c->ver;
    char *app = e2e_token("demo-app");
    char *admin = e2e_token("demo-admin");
    char path[256];
    struct http_res r;

    /* run -> running result -> clock -> SUCCESS -> CSV with that many rows */
    cJSON *task = e2e_run(v, app, "{\"reportType\":\"ORPHAN_IDENTITIES\",\"arguments\":{}}");
    const char *id = jstr(task, "id");
    cr_expect(jnull(task, "completed"), "%s: completed", v);
    cJSON *res = e2e_result(v, app, id);
    cr_expect(!jhas(res, "status"), "%s: status while running", v);
    cJSON_Delete(res);
    e2e_clock_advance(10 * 1000);
    res = e2e_result_done(v, app, id, 30);
    cr_expect_str_eq(jstr(res, "status"), "SUCCESS", "%s", v);
    long rows = (long)jnum(res, "rows");
    cJSON_Delete(res);

    snprintf(path, sizeof path, "/%s/reports/%s?fileFormat=csv", v, id);
    api_call(&r, "GET", path, app, NULL);
    cr_assert_eq(r.status, 200, "%s: %ld %s", v, r.status, r.body);
    int fields;
    long ragged;
    long rec = csv_records(r.body, r.len, &fields, &ragged);
    cr_expect_eq(rec - 1, rows, "%s: CSV rows %ld, result rows %ld", v, rec - 1, rows);
    http_res_free(&r);

    snprintf(path, sizeof path, "/%s/reports/%s?fileFormat=pdf", v, id);
    api_call(&r, "GET", path, app, NULL);
    cr_assert_eq(r.status, 200, "%s: %ld %s", v, r.status, r.body);
    cr_expect(r.len > 5 && memcmp(r.body, "%PDF-", 5) == 0, "%s: not a PDF", v);
    http_res_free(&r);

    /* cancel: 204 then TERMINATED, then 400 */
    cJSON *second = e2e_run(v, app, "{\"reportType\":\"UNCORRELATED_ACCOUNTS\",\"arguments\":{}}");
    snprintf(path, sizeof path, "/%s/reports/%s/cancel", v, jstr(second, "id"));
    api_call(&r, "POST", path, admin, NULL);
    cr_expect_eq(r.status, 204, "%s: cancel %ld %s", v, r.status, r.body);
    http_res_free(&r);
    res = e2e_result(v, app, jstr(second, "id"));
    cr_expect_str_eq(jstr(res, "status"), "TERMINATED", "%s", v);
    cJSON_Delete(res);
    api_call(&r, "POST", path, admin, NULL);
    assert_error_dto(&r, 400, NULL);
    http_res_free(&r);

    /* validation and unknown ids */
    snprintf(path, sizeof path, "/%s/reports/run", v);
    api_call(&r, "POST", path, app, "{\"reportType\":\"NOPE\"}");
    assert_error_dto(&r, 400, "reportType");
    http_res_free(&r);
    snprintf(path, sizeof path, "/%s/reports/ffffffffffffffffffffffffffffffff/result", v);
    api_call(&r, "GET", path, app, NULL);
    assert_error_dto(&r, 404, NULL);
    http_res_free(&r);

    cJSON_Delete(second);
    cJSON_Delete(task);
    free(app);
    free(admin);
    e2e_finish();
}

E2E_TEST(versions, other_prefixes_are_unknown)
{
    char *app = e2e_token("demo-app");
    static const char *const paths[] = {
        "/v1/reports/run", "/v2023/reports/run", "/v2027/reports/run",  "/beta/reports/run",
        "/reports/run",    "/V2024/reports/run", "/v2024x/reports/run",
    };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        struct http_res r;
        api_call(&r, "POST", paths[i], app,
                 "{\"reportType\":\"IDENTITIES\",\"arguments\":{\"correlatedOnly\":true}}");
        cr_expect_eq(r.status, 404, "%s: %ld", paths[i], r.status);
        if (r.status == 404)
            assert_error_dto(&r, 404, NULL);
        http_res_free(&r);
    }
    free(app);
}

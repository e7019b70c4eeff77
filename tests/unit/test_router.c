/*
 * test_router.c - the route table as a table of cases: method and path in,
 * match result, operation, family, version and {id} out.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "http/router.h"

struct route_case {
    char method[8];
    char path[96];
    enum router_result result;
    char operation[24];
    char family[24];
    char version[16];
    char param[40];
};

ParameterizedTestParameters(router, match)
{
    static struct route_case cases[] = {
        {"POST", "/oauth/token", ROUTER_OK, "createOauthToken", "createOauthToken", "", ""},
        {"GET", "/oauth/token", ROUTER_METHOD_NOT_ALLOWED, "", "", "", ""},
        {"POST", "/v2024/reports/run", ROUTER_OK, "startReport", "startReport", "v2024", ""},
        {"POST", "/v3/reports/run", ROUTER_OK, "startReport", "startReport", "v3", ""},
        {"POST", "/v2025/reports/run", ROUTER_OK, "startReport", "startReport", "v2025", ""},
        {"POST", "/v2026/reports/run", ROUTER_OK, "startReport", "startReport", "v2026", ""},
        {"POST", "/v2023/reports/run", ROUTER_NOT_FOUND, "", "", "", ""},
        {"POST", "/beta/reports/run", ROUTER_NOT_FOUND, "", "", "", ""},
        {"GET", "/v2024/reports/abc123/result", ROUTER_OK, "getReportResult", "getReportResult",
         "v2024", "abc123"},
        {"POST", "/v2024/reports/abc123/result", ROUTER_METHOD_NOT_ALLOWED, "", "", "", ""},
        {"POST", "/v2024/reports/abc123/cancel", ROUTER_OK, "cancelReport", "cancelReport", "v2024",
         "abc123"},
        {"GET", "/v2024/reports/abc123/cancel", ROUTER_METHOD_NOT_ALLOWED, "", "", "", ""},
        {"GET", "/v2024/reports/abc123", ROUTER_OK, "getReport", "getReport", "v2024", "abc123"},
        {"DELETE", "/v2024/reports/abc123", ROUTER_METHOD_NOT_ALLOWED, "", "", "", ""},
        {"GET", "/v2024/reports/run", ROUTER_METHOD_NOT_ALLOWED, "", "", "", ""},
        {"PUT", "/v2024/reports/run", ROUTER_METHOD_NOT_ALLOWED, "", "", "", ""},
        {"POST", "/v2024/reports/runs", ROUTER_METHOD_NOT_ALLOWED, "", "", "", ""},
        {"GET", "/v2024/reports/runs", ROUTER_OK, "getReport", "getReport", "v2024", "runs"},
        {"GET", "/v2024/reports/", ROUTER_NOT_FOUND, "", "", "", ""},
        {"GET", "/v2024/reports", ROUTER_NOT_FOUND, "", "", "", ""},
        {"GET", "/v2024/reports/a/b/c", ROUTER_NOT_FOUND, "", "", "", ""},
        {"GET", "/v2024/reports//result", ROUTER_NOT_FOUND, "", "", "", ""},
        {"POST", "/v2024/reports/run/", ROUTER_NOT_FOUND, "", "", "", ""},
        {"GET", "/", ROUTER_OK, "index", "index", "", ""},
        {"POST", "/", ROUTER_METHOD_NOT_ALLOWED, "", "", "", ""},
        {"GET", "", ROUTER_NOT_FOUND, "", "", "", ""},
        {"GET", "/mock/health", ROUTER_OK, "mock.health", "", "", ""},
        {"POST", "/mock/clock", ROUTER_OK, "mock.clock", "", "", ""},
        {"GET", "/mock/clock", ROUTER_OK, "mock.clock", "", "", ""},
        {"PUT", "/mock/clock", ROUTER_METHOD_NOT_ALLOWED, "", "", "", ""},
        {"POST", "/mock/reset", ROUTER_OK, "mock.reset", "", "", ""},
        {"GET", "/mock/nothing", ROUTER_NOT_FOUND, "", "", "", ""},
        {"GET", "/V2024/reports/x", ROUTER_NOT_FOUND, "", "", "", ""},
        /* the per-service paths: fixed version "reports/v1", operationId with V1 */
        {"POST", "/reports/v1/run", ROUTER_OK, "startReportV1", "startReport", "reports/v1", ""},
        {"GET", "/reports/v1/abc123/result", ROUTER_OK, "getReportResultV1", "getReportResult",
         "reports/v1", "abc123"},
        {"GET", "/reports/v1/abc123", ROUTER_OK, "getReportV1", "getReport", "reports/v1",
         "abc123"},
        {"POST", "/reports/v1/abc123/cancel", ROUTER_OK, "cancelReportV1", "cancelReport",
         "reports/v1", "abc123"},
        {"GET", "/reports/v1/run", ROUTER_METHOD_NOT_ALLOWED, "", "", "", ""},
        {"GET", "/reports/v1/abc123/cancel", ROUTER_METHOD_NOT_ALLOWED, "", "", "", ""},
        {"POST", "/reports/v1/abc123", ROUTER_METHOD_NOT_ALLOWED, "", "", "", ""},
        {"GET", "/reports/v1/run/result", ROUTER_OK, "getReportResultV1", "getReportResult",
         "reports/v1", "run"},
        {"POST", "/reports/v2/run", ROUTER_NOT_FOUND, "", "", "", ""},
        {"POST", "/reports/beta/run", ROUTER_NOT_FOUND, "", "", "", ""},
        {"GET", "/reports/V1/abc123", ROUTER_NOT_FOUND, "", "", "", ""},
        {"GET", "/reports/v1", ROUTER_NOT_FOUND, "", "", "", ""},
        {"GET", "/reports/v1/", ROUTER_NOT_FOUND, "", "", "", ""},
        {"GET", "/reports/v1//result", ROUTER_NOT_FOUND, "", "", "", ""},
        {"GET", "/reports/v1/a/b/c", ROUTER_NOT_FOUND, "", "", "", ""},
        {"POST", "/v2024/reports/v1/run", ROUTER_NOT_FOUND, "", "", "", ""},
        {"POST", "/reports/reports/v1/run", ROUTER_NOT_FOUND, "", "", "", ""},
        {"GET", "/v1/reports/abc123", ROUTER_NOT_FOUND, "", "", "", ""},
        /* //oauth/token (a base URL ending in '/') and no other empty segment */
        {"POST", "//oauth/token", ROUTER_OK, "createOauthToken", "createOauthToken", "", ""},
        {"GET", "//oauth/token", ROUTER_METHOD_NOT_ALLOWED, "", "", "", ""},
        {"POST", "///oauth/token", ROUTER_NOT_FOUND, "", "", "", ""},
        {"POST", "/oauth//token", ROUTER_NOT_FOUND, "", "", "", ""},
        {"POST", "/oauth/token/", ROUTER_NOT_FOUND, "", "", "", ""},
        {"POST", "//reports/v1/run", ROUTER_NOT_FOUND, "", "", "", ""},
        {"POST", "//v2024/reports/run", ROUTER_NOT_FOUND, "", "", "", ""},
        {"GET", "//mock/health", ROUTER_NOT_FOUND, "", "", "", ""},
    };
    return cr_make_param_array(struct route_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct route_case *c, router, match)
{
    struct router_match m;
    memset(&m, 0, sizeof(m));
    enum router_result r = router_match(c->method, c->path, &m);
    cr_assert_eq(r, c->result, "%s %s: got %d want %d", c->method, c->path, r, c->result);
    if (r != ROUTER_OK)
        return;
    cr_assert_str_eq(m.route->operation, c->operation);
    if (c->family[0])
        cr_assert_str_eq(m.route->family, c->family);
    else
        cr_assert_null(m.route->family, "%s %s has a family", c->method, c->path);
    cr_assert_str_eq(m.version, c->version);
    cr_assert_str_eq(m.param, c->param);
}

Test(router, method_not_allowed_lists_allowed_methods)
{
    struct router_match m;
    cr_assert_eq(router_match("GET", "/v2024/reports/run", &m), ROUTER_METHOD_NOT_ALLOWED);
    cr_assert_str_eq(m.allow, "POST");
    cr_assert_eq(router_match("GET", "/reports/v1/run", &m), ROUTER_METHOD_NOT_ALLOWED);
    cr_assert_str_eq(m.allow, "POST");
    cr_assert_eq(router_match("PUT", "/reports/v1/x", &m), ROUTER_METHOD_NOT_ALLOWED);
    cr_assert_str_eq(m.allow, "GET");
    cr_assert_eq(router_match("DELETE", "/mock/clock", &m), ROUTER_METHOD_NOT_ALLOWED);
    cr_assert_str_eq(m.allow, "GET, POST");
}

Test(router, overlong_id_is_not_found)
{
    char path[600] = "/v2024/reports/";
    memset(path + strlen(path), 'a', 400);
    strcat(path, "/result");
    struct router_match m;
    cr_assert_eq(router_match("GET", path, &m), ROUTER_NOT_FOUND);
}

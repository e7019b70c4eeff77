/*
 * test_router.c - the route table as a table of cases: method and path in,
 * match result, operation, version and {id} out.
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
    char version[8];
    char param[40];
};

ParameterizedTestParameters(router, match)
{
    static struct route_case cases[] = {
        {"POST", "/oauth/token", ROUTER_OK, "createOauthToken", "", ""},
        {"GET", "/oauth/token", ROUTER_METHOD_NOT_ALLOWED, "", "", ""},
        {"POST", "/v2024/reports/run", ROUTER_OK, "startReport", "v2024", ""},
        {"POST", "/v3/reports/run", ROUTER_OK, "startReport", "v3", ""},
        {"POST", "/v2025/reports/run", ROUTER_OK, "startReport", "v2025", ""},
        {"POST", "/v2026/reports/run", ROUTER_OK, "startReport", "v2026", ""},
        {"POST", "/v2023/reports/run", ROUTER_NOT_FOUND, "", "", ""},
        {"POST", "/beta/reports/run", ROUTER_NOT_FOUND, "", "", ""},
        {"GET", "/v2024/reports/abc123/result", ROUTER_OK, "getReportResult", "v2024", "abc123"},
        {"POST", "/v2024/reports/abc123/result", ROUTER_METHOD_NOT_ALLOWED, "", "", ""},
        {"POST", "/v2024/reports/abc123/cancel", ROUTER_OK, "cancelReport", "v2024", "abc123"},
        {"GET", "/v2024/reports/abc123/cancel", ROUTER_METHOD_NOT_ALLOWED, "", "", ""},
        {"GET", "/v2024/reports/abc123", ROUTER_OK, "getReport", "v2024", "abc123"},
        {"DELETE", "/v2024/reports/abc123", ROUTER_METHOD_NOT_ALLOWED, "", "", ""},
        {"GET", "/v2024/reports/run", ROUTER_METHOD_NOT_ALLOWED, "", "", ""},
        {"PUT", "/v2024/reports/run", ROUTER_METHOD_NOT_ALLOWED, "", "", ""},
        {"POST", "/v2024/reports/runs", ROUTER_METHOD_NOT_ALLOWED, "", "", ""},
        {"GET", "/v2024/reports/runs", ROUTER_OK, "getReport", "v2024", "runs"},
        {"GET", "/v2024/reports/", ROUTER_NOT_FOUND, "", "", ""},
        {"GET", "/v2024/reports", ROUTER_NOT_FOUND, "", "", ""},
        {"GET", "/v2024/reports/a/b/c", ROUTER_NOT_FOUND, "", "", ""},
        {"GET", "/v2024/reports//result", ROUTER_NOT_FOUND, "", "", ""},
        {"POST", "/v2024/reports/run/", ROUTER_NOT_FOUND, "", "", ""},
        {"GET", "/", ROUTER_NOT_FOUND, "", "", ""},
        {"GET", "", ROUTER_NOT_FOUND, "", "", ""},
        {"GET", "/mock/health", ROUTER_OK, "mock.health", "", ""},
        {"POST", "/mock/clock", ROUTER_OK, "mock.clock", "", ""},
        {"GET", "/mock/clock", ROUTER_OK, "mock.clock", "", ""},
        {"PUT", "/mock/clock", ROUTER_METHOD_NOT_ALLOWED, "", "", ""},
        {"POST", "/mock/reset", ROUTER_OK, "mock.reset", "", ""},
        {"GET", "/mock/nothing", ROUTER_NOT_FOUND, "", "", ""},
        {"GET", "/V2024/reports/x", ROUTER_NOT_FOUND, "", "", ""},
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
    cr_assert_str_eq(m.version, c->version);
    cr_assert_str_eq(m.param, c->param);
}

Test(router, method_not_allowed_lists_allowed_methods)
{
    struct router_match m;
    cr_assert_eq(router_match("GET", "/v2024/reports/run", &m), ROUTER_METHOD_NOT_ALLOWED);
    cr_assert_str_eq(m.allow, "POST");
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

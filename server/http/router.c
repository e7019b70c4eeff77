/*
 * router.c - the route table and its matcher (see router.h). Matching walks
 * pattern and path segment by segment; a path that matches some pattern
 * under another method is a 405, anything else a 404.
 *
 * A route's API version comes from a "{ver}" segment (the date-named
 * versions of router_versions: /v2024/reports/run), or from the row itself
 * when its literal pattern belongs to one version (/reports/v1/run is
 * "reports/v1"). An unknown version of either kind (/v2023/..., /reports/v2/,
 * /reports/beta/) fits no row and is a 404.
 */
#include "router.h"

#include "../api/control_routes.h"

#include <stdio.h>
#include <string.h>

const char *const router_versions[] = {"v2024", "v3", "v2025", "v2026", NULL};

static const struct route routes[] = {
    {"GET", "/", api_index, ROUTE_PUBLIC, "index", "index", NULL},
    {"POST", "/oauth/token", api_token, ROUTE_PUBLIC, "createOauthToken", "createOauthToken", NULL},
    {"POST", "/{ver}/reports/run", api_report_run, ROUTE_BEARER, "startReport", "startReport",
     NULL},
    {"GET", "/{ver}/reports/{id}/result", api_report_result, ROUTE_BEARER, "getReportResult",
     "getReportResult", NULL},
    {"POST", "/{ver}/reports/{id}/cancel", api_report_cancel, ROUTE_BEARER, "cancelReport",
     "cancelReport", NULL},
    {"GET", "/{ver}/reports/{id}", api_report_file, ROUTE_BEARER, "getReport", "getReport", NULL},
    /* The same operations where SailPoint now publishes them per service, with
     * the version in the path: one API version of their own (rate limit). */
    {"POST", "/reports/v1/run", api_report_run, ROUTE_BEARER, "startReportV1", "startReport",
     "reports/v1"},
    {"GET", "/reports/v1/{id}/result", api_report_result, ROUTE_BEARER, "getReportResultV1",
     "getReportResult", "reports/v1"},
    {"POST", "/reports/v1/{id}/cancel", api_report_cancel, ROUTE_BEARER, "cancelReportV1",
     "cancelReport", "reports/v1"},
    {"GET", "/reports/v1/{id}", api_report_file, ROUTE_BEARER, "getReportV1", "getReport",
     "reports/v1"},
    /* A base URL ending in '/' makes the Python SDK ask for //oauth/token, and a
     * tenant's gateway answers it. Only this exact path: no other empty segment
     * is collapsed, so no path reaches a route it does not spell out. */
    {"POST", "//oauth/token", api_token, ROUTE_PUBLIC, "createOauthToken", "createOauthToken",
     NULL},
    {"GET", "/mock/health", api_mock_health, ROUTE_PUBLIC, "mock.health", NULL, NULL},
    {"GET", "/mock/ui", api_mock_ui, ROUTE_PUBLIC, "mock.ui", NULL, NULL},
    {"GET", "/mock/ui/{id}", api_mock_ui_file, ROUTE_PUBLIC, "mock.ui", NULL, NULL},
    {"POST", "/mock/reset", api_mock_reset, ROUTE_ADMIN, "mock.reset", NULL, NULL},
    {"GET", "/mock/clock", api_mock_clock_get, ROUTE_ADMIN, "mock.clock", NULL, NULL},
    {"POST", "/mock/clock", api_mock_clock_set, ROUTE_ADMIN, "mock.clock", NULL, NULL},
    {"GET", "/mock/tasks", api_mock_tasks, ROUTE_ADMIN, "mock.tasks", NULL, NULL},
    {"GET", "/mock/audit", api_mock_audit, ROUTE_ADMIN, "mock.audit", NULL, NULL},
    {"GET", "/mock/reports", api_mock_reports_get, ROUTE_ADMIN, "mock.reports", NULL, NULL},
    {"DELETE", "/mock/reports", api_mock_reports_delete, ROUTE_ADMIN, "mock.reports", NULL, NULL},
    {"GET", "/mock/reports/next", api_mock_next_get, ROUTE_ADMIN, "mock.reports.next", NULL, NULL},
    {"POST", "/mock/reports/next", api_mock_next_post, ROUTE_ADMIN, "mock.reports.next", NULL,
     NULL},
    {"DELETE", "/mock/reports/next", api_mock_next_delete, ROUTE_ADMIN, "mock.reports.next", NULL,
     NULL},
    {"GET", "/mock/reports/types", api_mock_report_types, ROUTE_ADMIN, "mock.reports.types", NULL,
     NULL},
    {"GET", "/mock/reports/{id}", api_mock_report_type_get, ROUTE_ADMIN, "mock.reports.type", NULL,
     NULL},
    {"PUT", "/mock/reports/{id}", api_mock_report_type_put, ROUTE_ADMIN, "mock.reports.type", NULL,
     NULL},
    {"POST", "/mock/reports/{id}", api_mock_report_type_put, ROUTE_ADMIN, "mock.reports.type", NULL,
     NULL},
    {"DELETE", "/mock/reports/{id}", api_mock_report_type_delete, ROUTE_ADMIN, "mock.reports.type",
     NULL, NULL},
    {"GET", "/mock/faults", api_mock_faults_get, ROUTE_ADMIN, "mock.faults", NULL, NULL},
    {"POST", "/mock/faults", api_mock_faults_post, ROUTE_ADMIN, "mock.faults", NULL, NULL},
    {"DELETE", "/mock/faults", api_mock_faults_delete, ROUTE_ADMIN, "mock.faults", NULL, NULL},
    {"GET", "/mock/faults/{id}", api_mock_fault_get, ROUTE_ADMIN, "mock.fault", NULL, NULL},
    {"DELETE", "/mock/faults/{id}", api_mock_fault_delete, ROUTE_ADMIN, "mock.fault", NULL, NULL},
    {"POST", "/mock/tokens", api_mock_tokens, ROUTE_ADMIN, "mock.tokens", NULL, NULL},
    {"GET", "/mock/clients", api_mock_clients_get, ROUTE_ADMIN, "mock.clients", NULL, NULL},
    {"POST", "/mock/clients", api_mock_clients_post, ROUTE_ADMIN, "mock.clients", NULL, NULL},
    {"GET", "/mock/clients/{id}", api_mock_client_get, ROUTE_ADMIN, "mock.client", NULL, NULL},
    {"DELETE", "/mock/clients/{id}", api_mock_client_delete, ROUTE_ADMIN, "mock.client", NULL,
     NULL},
    {"GET", "/mock/tenant", api_mock_tenant_get, ROUTE_ADMIN, "mock.tenant", NULL, NULL},
    {"POST", "/mock/tenant", api_mock_tenant_post, ROUTE_ADMIN, "mock.tenant", NULL, NULL},
    {"GET", "/mock/snapshots", api_mock_snapshots_get, ROUTE_ADMIN, "mock.snapshots", NULL, NULL},
    {"POST", "/mock/snapshots", api_mock_snapshots_post, ROUTE_ADMIN, "mock.snapshots", NULL, NULL},
    {"GET", "/mock/snapshots/{id}", api_mock_snapshot_get, ROUTE_ADMIN, "mock.snapshot", NULL,
     NULL},
    {"DELETE", "/mock/snapshots/{id}", api_mock_snapshot_delete, ROUTE_ADMIN, "mock.snapshot", NULL,
     NULL},
    {"POST", "/mock/snapshots/{id}/restore", api_mock_snapshot_restore, ROUTE_ADMIN,
     "mock.snapshot.restore", NULL, NULL},
    {"GET", "/mock/requests", api_mock_requests_get, ROUTE_ADMIN, "mock.requests", NULL, NULL},
    {"DELETE", "/mock/requests", api_mock_requests_delete, ROUTE_ADMIN, "mock.requests", NULL,
     NULL},
};

static int is_version(const char *s, size_t n)
{
    for (const char *const *v = router_versions; *v; v++)
        if (strlen(*v) == n && memcmp(*v, s, n) == 0)
            return 1;
    return 0;
}

/* Does `path` fit `pattern`? On success fills version and param in m. */
static int fits(const char *pattern, const char *path, struct router_match *m)
{
    const char *p = pattern, *s = path;
    m->version[0] = '\0';
    m->param[0] = '\0';
    while (*p && *s) {
        if (*p != '/' || *s != '/')
            return 0;
        p++;
        s++;
        const char *pe = strchr(p, '/'), *se = strchr(s, '/');
        size_t pn = pe ? (size_t)(pe - p) : strlen(p), sn = se ? (size_t)(se - s) : strlen(s);
        if (pn == 5 && memcmp(p, "{ver}", 5) == 0) {
            if (!is_version(s, sn))
                return 0;
            memcpy(m->version, s, sn);
            m->version[sn] = '\0';
        } else if (pn == 4 && memcmp(p, "{id}", 4) == 0) {
            if (sn == 0 || sn >= sizeof(m->param))
                return 0;
            memcpy(m->param, s, sn);
            m->param[sn] = '\0';
        } else if (pn != sn || memcmp(p, s, sn) != 0) {
            return 0;
        }
        p += pn;
        s += sn;
    }
    return *p == '\0' && *s == '\0';
}

/* How many literal segments a pattern has. */
static int specificity(const char *pattern)
{
    int n = 0;
    for (const char *p = pattern; (p = strchr(p, '/')) != NULL; p++)
        n += p[1] != '{';
    return n;
}

enum router_result router_match(const char *method, const char *path, struct router_match *m)
{
    const size_t nroutes = sizeof(routes) / sizeof(routes[0]);
    int best = -1;
    struct router_match tmp;
    for (size_t i = 0; i < nroutes; i++)
        if (fits(routes[i].pattern, path, &tmp) && specificity(routes[i].pattern) > best)
            best = specificity(routes[i].pattern);
    if (best < 0)
        return ROUTER_NOT_FOUND;
    m->allow[0] = '\0';
    for (size_t i = 0; i < nroutes; i++) {
        if (specificity(routes[i].pattern) != best || !fits(routes[i].pattern, path, &tmp))
            continue;
        if (strcmp(routes[i].method, method) == 0) {
            if (routes[i].version)
                snprintf(tmp.version, sizeof(tmp.version), "%s", routes[i].version);
            memcpy(m->version, tmp.version, sizeof(m->version));
            memcpy(m->param, tmp.param, sizeof(m->param));
            m->route = &routes[i];
            return ROUTER_OK;
        }
        if (!strstr(m->allow, routes[i].method)) {
            size_t len = strlen(m->allow);
            snprintf(m->allow + len, sizeof(m->allow) - len, "%s%s", len ? ", " : "",
                     routes[i].method);
        }
    }
    return ROUTER_METHOD_NOT_ALLOWED;
}

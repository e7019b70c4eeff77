/*
 * router.h - the route table: which handler serves a method and path, and
 * what the caller must present. Pure and static: no allocation, the table
 * lives for the whole program.
 */
#ifndef ISC_HTTP_ROUTER_H
#define ISC_HTTP_ROUTER_H

#include "../api/api.h"

enum route_auth {
    ROUTE_PUBLIC, /* no credentials (token endpoint) */
    ROUTE_BEARER, /* an access token from /oauth/token */
    ROUTE_ADMIN,  /* the control API (admin token when one is configured) */
};

struct route {
    const char *method;
    const char *pattern; /* segments; "{ver}" = an API version, "{id}" = any one segment */
    api_handler handler;
    enum route_auth auth;
    const char *operation; /* contract operationId (startReportV1) or a control name (mock.*) */
    /* The operation across API versions (startReport for startReport and
     * startReportV1): scopes and injected faults go by it. NULL on /mock/. */
    const char *family;
    /* The API version of a pattern without "{ver}" ("reports/v1"); NULL: the
     * "{ver}" segment, or no version at all. */
    const char *version;
};

enum router_result { ROUTER_OK, ROUTER_NOT_FOUND, ROUTER_METHOD_NOT_ALLOWED };

#define ROUTER_PARAM_MAX 256
struct router_match {
    const struct route *route;
    char version[16];             /* "v2024"..., "reports/v1", or "" */
    char param[ROUTER_PARAM_MAX]; /* the {id} segment or "" */
    char allow[32];               /* on ROUTER_METHOD_NOT_ALLOWED: "GET, POST"... */
};

/* The API versions served, each identical: v2024 first. NULL-terminated. */
extern const char *const router_versions[];

/*
 * Matches `method` and decoded `path` (without query). The most specific
 * pattern that fits the path decides (the one with the most literal
 * segments): GET /v2024/reports/run is a 405 for the startReport route, not
 * a download of a report called "run". On ROUTER_OK fills m; on
 * ROUTER_METHOD_NOT_ALLOWED fills m->allow.
 */
enum router_result router_match(const char *method, const char *path, struct router_match *m);

#endif

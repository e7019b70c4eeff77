/*
 * cors.c - CORS for browser clients (see cors.h): checking --cors values,
 * matching a request's Origin against them, answering preflights and adding
 * the CORS headers to answers. Origins are compared as the browser sends
 * them (scheme, host and port), ignoring ASCII case. An allowed Origin is
 * echoed back rather than answered with "*", so a page that sends
 * credentials is served too; Vary: Origin keeps caches honest.
 */
#include "cors.h"

#include <string.h>
#include <strings.h>

#include "app.h"

/* Headers a page may read from an answer beyond the CORS-safelisted ones. */
#define CORS_EXPOSE "Content-Disposition, Retry-After, WWW-Authenticate"

/* 1 when the n bytes at s are one origin: scheme://host[:port], no path. */
static int origin_ok(const char *s, size_t n)
{
    const char *sep = memchr(s, ':', n);
    if (!sep || sep == s || (size_t)(sep - s) + 3 > n || sep[1] != '/' || sep[2] != '/')
        return 0;
    for (const char *c = s; c < sep; c++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.", *c))
            return 0;
    const char *host = sep + 3, *end = s + n;
    if (host == end)
        return 0;
    for (const char *c = host; c < end; c++)
        if (*c == '/' || *c == '?' || *c == '#' || *c == '@' || *c == ',' || *c <= ' ' ||
            *c == 0x7f)
            return 0;
    return n <= CORS_ORIGIN_MAX;
}

/* Calls fn on each origin of a comma-separated list (spaces around them
 * dropped, empty items skipped); stops at the first nonzero return. */
static int each_origin(const char *list, int (*fn)(void *ud, const char *s, size_t n), void *ud)
{
    for (const char *p = list; *p;) {
        p += strspn(p, " \t");
        size_t n = strcspn(p, ",");
        size_t len = n;
        while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        int rc = len ? fn(ud, p, len) : 0;
        if (rc)
            return rc;
        p += n + (p[n] == ',');
    }
    return 0;
}

struct check {
    char *err;
    size_t errlen;
};

static int check_one(void *ud, const char *s, size_t n)
{
    struct check *c = ud;
    if ((n == 1 && *s == '*') || origin_ok(s, n))
        return 0;
    err_why(c->err, c->errlen, "'%.*s' is not an origin (scheme://host[:port], no path) or *",
            (int)(n > 200 ? 200 : n), s);
    return -1;
}

int cors_value_check(const char *value, char *err, size_t errlen)
{
    struct check c = {err, errlen};
    if (!value || !value[strspn(value, " \t,")]) {
        err_why(err, errlen, "no origin given");
        return -1;
    }
    return each_origin(value, check_one, &c);
}

int cors_path(const char *path)
{
    return path && strncmp(path, "/mock/", 6) != 0 && strcmp(path, "/mock") != 0;
}

static int same_origin(void *ud, const char *s, size_t n)
{
    const char *origin = ud;
    return (n == 1 && *s == '*') || (strlen(origin) == n && strncasecmp(origin, s, n) == 0);
}

int cors_allowed(const struct app *app, const char *origin)
{
    if (!origin || !origin_ok(origin, strlen(origin)))
        return 0;
    for (int i = 0; i < app->cfg.ncors; i++)
        if (each_origin(app->cfg.cors[i], same_origin, (void *)origin))
            return 1;
    return 0;
}

/* 1 when `method` is one of the comma-separated methods of `allow`. */
static int method_in(const char *method, const char *allow)
{
    size_t n = strlen(method);
    for (const char *p = allow; *p;) {
        p += strspn(p, ", ");
        size_t len = strcspn(p, ",");
        if (len == n && strncmp(p, method, n) == 0)
            return 1;
        p += len;
    }
    return 0;
}

/* 1 when a requested header list is header names, commas and spaces only. */
static int header_list_ok(const char *s)
{
    static const char token[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                "0123456789!#$%&'*+-.^_`|~, ";
    return strlen(s) < 400 && strspn(s, token) == strlen(s);
}

int cors_preflight(const struct api_req *rq, const char *allow, struct api_res *rs, enum err *e)
{
    const char *origin = rq->header(rq, "Origin");
    const char *want = rq->header(rq, "Access-Control-Request-Method");
    const char *headers = rq->header(rq, "Access-Control-Request-Headers");
    if (rq->app->cfg.ncors == 0 || strcmp(rq->method, "OPTIONS") != 0 || !origin || !want ||
        !cors_path(rq->path))
        return 0;
    if (!cors_allowed(rq->app, origin)) {
        *e = api_fail(rs, ERR_FORBIDDEN, "Origin %.255s is not allowed (--cors).", origin);
        return 1;
    }
    if (!method_in(want, allow)) {
        *e = api_fail(rs, ERR_FORBIDDEN, "Method %.32s is not served on %.200s (only %s).", want,
                      rq->path, allow);
        return 1;
    }
    rs->status = 204;
    api_res_header(rs, "Access-Control-Allow-Origin", "%s", origin);
    api_res_header(rs, "Access-Control-Allow-Methods", "%s", allow);
    if (headers && header_list_ok(headers))
        api_res_header(rs, "Access-Control-Allow-Headers", "%s", headers);
    api_res_header(rs, "Access-Control-Max-Age", "%d", CORS_MAX_AGE_S);
    api_res_header(rs, "Vary", "Origin");
    *e = ERR_OK;
    return 1;
}

void cors_answer_headers(const struct api_req *rq, struct api_res *rs)
{
    const char *origin = rq->header(rq, "Origin");
    if (rq->app->cfg.ncors == 0 || !cors_path(rq->path) || !cors_allowed(rq->app, origin))
        return;
    api_res_header(rs, "Access-Control-Allow-Origin", "%s", origin);
    api_res_header(rs, "Access-Control-Expose-Headers", "%s", CORS_EXPOSE);
    api_res_header(rs, "Vary", "Origin");
}

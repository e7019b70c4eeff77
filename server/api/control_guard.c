/*
 * control_guard.c - keeps web pages away from the control API. A page in
 * the developer's browser can send requests to the mock on loopback; the
 * browser adds its own Origin, and a name that the page's site resolved to
 * 127.0.0.1 still arrives as that name in Host. So /mock/ takes only
 * requests whose Host names the server itself (localhost, an IP address,
 * the --bind name or a name of --allowed-hosts), whose Origin, when there
 * is one, is that same host, and
 * whose body, when there is one, is declared application/json (a page cannot
 * send that type across origins without asking first).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "app.h"
#include "control.h"

/* 1 when the n bytes at s are an IPv4 address in dotted form. */
static int is_ipv4(const char *s, size_t n)
{
    int dots = 0, digits = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.' && digits > 0) {
            dots++;
            digits = 0;
        } else if (s[i] >= '0' && s[i] <= '9' && digits < 3) {
            digits++;
        } else {
            return 0;
        }
    }
    return dots == 3 && digits > 0;
}

/* The length of the host name in a Host value (without the port). */
static size_t host_name_len(const char *host)
{
    if (host[0] == '[') {
        const char *end = strchr(host, ']');
        return end ? (size_t)(end - host) + 1 : 0;
    }
    const char *colon = strchr(host, ':');
    return colon ? (size_t)(colon - host) : strlen(host);
}

/* 1 when Host names this server: localhost, an IP address, or the bind name. */
static int own_host(const struct app *app, const char *host)
{
    size_t n = host_name_len(host);
    const char *port = host + n;
    if (n == 0 ||
        (*port && (*port != ':' || !port[1] || strspn(port + 1, "0123456789") != strlen(port + 1))))
        return 0;
    if ((n == 9 && strncasecmp(host, "localhost", 9) == 0) || is_ipv4(host, n) ||
        (host[0] == '[' && strspn(host + 1, "0123456789abcdefABCDEF:.") == n - 2))
        return 1;
    const char *bind = app->cfg.bind;
    if (bind && strlen(bind) == n && strncasecmp(host, bind, n) == 0)
        return 1;
    /* --allowed-hosts: names separated by commas, spaces around them ignored. */
    for (const char *p = app->cfg.allowed_hosts; p && *p;) {
        p += strspn(p, " ,");
        size_t len = strcspn(p, ",");
        while (len > 0 && p[len - 1] == ' ')
            len--;
        if (len > 0 && len == n && strncasecmp(host, p, n) == 0)
            return 1;
        p += strcspn(p, ",");
    }
    return 0;
}

/* 1 when a Content-Type value is application/json (parameters allowed). */
static int is_json_type(const char *ct)
{
    size_t n = strlen("application/json");
    return ct && strncasecmp(ct, "application/json", n) == 0 &&
           (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

enum err control_guard(const struct api_req *rq, struct api_res *rs)
{
    const char *host = rq->header(rq, "Host"), *origin = rq->header(rq, "Origin");
    char want[300];
    if (rq->body_len > 0 && !is_json_type(rq->header(rq, "Content-Type")))
        return api_fail(rs, ERR_BAD_REQUEST,
                        "The control API takes JSON bodies: send Content-Type: application/json.");
    if (host && !own_host(rq->app, host))
        return api_fail(rs, ERR_FORBIDDEN,
                        "The control API answers only requests addressed to this server "
                        "(Host: localhost, an IP address, the --bind name or --allowed-hosts).");
    snprintf(want, sizeof(want), "http://%s", host ? host : "");
    if (origin && (!host || strcasecmp(origin, want) != 0))
        return api_fail(rs, ERR_FORBIDDEN,
                        "The control API refuses requests from web pages of another origin.");
    return ERR_OK;
}

/*
 * daemon.c - libmicrohttpd glue (see daemon.h).
 *
 * Per request, a struct conn_req lives in MHD's req_cls from the first call
 * of the access handler to the completion callback, which alone frees it.
 * Bodies are accumulated by hand (no PostProcessor) into a buffer capped at
 * 1 MiB; a larger body is drained and answered 413 with nothing stored.
 * Order of checks, first refusal wins: route (404/405), authentication
 * (401), body size (413), then the handler.
 */
#include "daemon.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "../api/app.h"
#include "../core/clock.h"
#include "../core/log.h"
#include "respond.h"
#include "router.h"

struct http_daemon {
    struct MHD_Daemon *mhd;
    struct app *app;
    atomic_int in_flight;
    int port;
};

struct conn_req {
    struct buf body;
    int too_large;
    int64_t start_us;
};

static const char *lookup(struct MHD_Connection *c, enum MHD_ValueKind kind, const char *key)
{
    return MHD_lookup_connection_value(c, kind, key);
}

static const char *req_query(const struct api_req *rq, const char *key)
{
    return lookup(rq->conn, MHD_GET_ARGUMENT_KIND, key);
}

static const char *req_header(const struct api_req *rq, const char *key)
{
    return lookup(rq->conn, MHD_HEADER_KIND, key);
}

static enum MHD_Result dispatch(struct http_daemon *d, struct MHD_Connection *conn,
                                struct conn_req *cr, const char *url, const char *method)
{
    struct api_req rq;
    struct api_res rs;
    struct auth_principal who;
    struct router_match m;
    enum err e = ERR_OK;
    memset(&rq, 0, sizeof(rq));
    api_res_init(&rs);
    ids_hex32(rq.tracking_id);
    rq.app = d->app;
    rq.method = method;
    rq.path = url;
    rq.query = req_query;
    rq.header = req_header;
    rq.conn = conn;
    rq.body = cr->body.data;
    rq.body_len = cr->body.len;

    enum router_result r = router_match(method, url, &m);
    if (r == ROUTER_NOT_FOUND) {
        e = api_fail(&rs, ERR_NOT_FOUND, "No route for %s %.200s.", method, url);
        goto answer;
    }
    if (r == ROUTER_METHOD_NOT_ALLOWED) {
        api_res_header(&rs, "Allow", "%s", m.allow);
        e = api_fail(&rs, ERR_METHOD_NOT_ALLOWED, "Method %s is not allowed on %.200s.", method,
                     url);
        goto answer;
    }
    rq.version = m.version[0] ? m.version : NULL;
    rq.param = m.param[0] ? m.param : NULL;
    if (m.route->auth == ROUTE_BEARER) {
        e = auth_check(d->app, req_header(&rq, MHD_HTTP_HEADER_AUTHORIZATION), &who, rs.err_text,
                       sizeof(rs.err_text));
        if (e != ERR_OK)
            goto answer;
        rq.principal = &who;
    }
    if (cr->too_large) {
        e = api_fail(&rs, ERR_TOO_LARGE, "The request body is larger than %zu bytes.",
                     HTTP_BODY_MAX);
        goto answer;
    }
    e = m.route->handler(&rq, &rs);
answer:;
    int status = 500;
    enum MHD_Result ret = respond_queue(conn, e, &rs, rq.tracking_id, &status);
    api_res_free(&rs);
    struct log_request line = {
        .method = method,
        .path = url,
        .status = status,
        .duration_us = clock_mono_us() - cr->start_us,
        .client_id = rq.principal      ? rq.principal->client_id
                     : rs.client_id[0] ? rs.client_id
                                       : NULL,
        .tracking_id = rq.tracking_id,
    };
    log_request(&line);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    struct http_daemon *d = cls;
    struct conn_req *cr = *req_cls;
    (void)version;
    if (!cr) {
        cr = calloc(1, sizeof(*cr));
        if (!cr)
            return MHD_NO;
        buf_init(&cr->body, HTTP_BODY_MAX);
        cr->start_us = clock_mono_us();
        *req_cls = cr;
        atomic_fetch_add(&d->in_flight, 1);
        /* A declared length over the cap is refused before reading a byte. */
        const char *cl = lookup(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > HTTP_BODY_MAX)
            cr->too_large = 1;
        else
            return MHD_YES;
    }
    if (*upload_data_size > 0) {
        if (!cr->too_large && buf_append(&cr->body, upload_data, *upload_data_size) != 0)
            cr->too_large = 1; /* keep draining; answer 413 at the end */
        *upload_data_size = 0;
        return MHD_YES;
    }
    return dispatch(d, conn, cr, url, method);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct http_daemon *d = cls;
    struct conn_req *cr = *req_cls;
    (void)conn;
    (void)toe;
    if (!cr)
        return;
    buf_free(&cr->body);
    free(cr);
    *req_cls = NULL;
    atomic_fetch_sub(&d->in_flight, 1);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char text[512];
    vsnprintf(text, sizeof(text), fmt, ap);
    size_t n = strlen(text);
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
        text[--n] = '\0';
    log_msg("warn", NULL, "http: %s", text);
}

struct http_daemon *http_start(struct app *app, char *err, size_t errlen)
{
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
    char port[16];
    snprintf(port, sizeof(port), "%d", app->cfg.port);
    int gai = getaddrinfo(app->cfg.bind, port, &hints, &ai);
    if (gai != 0) {
        hints.ai_flags = AI_PASSIVE;
        gai = getaddrinfo(app->cfg.bind, port, &hints, &ai);
    }
    if (gai != 0 || !ai) {
        snprintf(err, errlen, "cannot use bind address %s: %s", app->cfg.bind, gai_strerror(gai));
        return NULL;
    }
    struct http_daemon *d = calloc(1, sizeof(*d));
    if (!d) {
        freeaddrinfo(ai);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    d->app = app;
    atomic_init(&d->in_flight, 0);
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    unsigned threads = app->cfg.threads > 0 ? (unsigned)app->cfg.threads : 2;
    /* clang-format off */
    d->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, d,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL, /* first, so MHD logs nothing itself */
        MHD_OPTION_SOCK_ADDR, ai->ai_addr,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, d,
        MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)64 * 1024,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
        MHD_OPTION_END);
    /* clang-format on */
    freeaddrinfo(ai);
    if (!d->mhd) {
        snprintf(err, errlen, "cannot listen on %s port %d (in use, or not an address here?)",
                 app->cfg.bind, app->cfg.port);
        free(d);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d->mhd, MHD_DAEMON_INFO_BIND_PORT);
    d->port = info ? info->port : app->cfg.port;
    return d;
}

int http_port(const struct http_daemon *d)
{
    return d->port;
}

void http_stop(struct http_daemon *d, int grace_ms)
{
    if (!d)
        return;
    MHD_quiesce_daemon(d->mhd);
    struct timespec tick = {0, 10 * 1000 * 1000};
    for (int waited = 0; atomic_load(&d->in_flight) > 0 && waited < grace_ms; waited += 10)
        nanosleep(&tick, NULL);
    MHD_stop_daemon(d->mhd);
    free(d);
}

/*
 * daemon.c - libmicrohttpd glue (see daemon.h).
 *
 * Per request, a struct conn_req lives in MHD's req_cls from the first call
 * of the access handler to the completion callback, which alone frees it.
 * Bodies are accumulated by hand (no PostProcessor) into a buffer capped at
 * 1 MiB; a larger body is drained and answered 413 with nothing stored.
 *
 * The pipeline, first refusal wins:
 *   route (404/405) -> credentials (401; the admin token on /mock/) ->
 *   rate limit (429) -> injected fault (any status, delay, drop) ->
 *   authorization (403) -> body size (413) -> the handler.
 * A delay suspends the connection and a timer thread resumes it, so a slow
 * answer never holds a worker thread. Every request but /mock/ ones goes to
 * the journal, and every request gets one log line.
 */
#include "daemon.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "../api/app.h"
#include "../api/control.h"
#include "../auth/limiter.h"
#include "../auth/scopes.h"
#include "../core/clock.h"
#include "../core/log.h"
#include "respond.h"
#include "router.h"

/* A suspended connection waiting for its injected delay to pass. */
struct delayed {
    struct MHD_Connection *conn;
    int64_t due_us; /* clock_mono_us() deadline */
    struct delayed *next;
};

struct http_daemon {
    struct MHD_Daemon *mhd;
    struct app *app;
    atomic_int in_flight;
    int port;
    pthread_t timer;
    int timer_running;
    pthread_mutex_t lock; /* guards delays and stopping */
    pthread_cond_t wake;
    struct delayed *delays;
    int stopping;
};

enum fault_state { FAULT_UNDECIDED, FAULT_NONE, FAULT_SOME };

struct conn_req {
    struct buf body;
    int too_large;
    int64_t start_us;
    enum fault_state fault_state;
    struct fault_decision fault;
    int delay_served;
    char tracking_id[IDS_HEX32_LEN];
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

/* ---- delays: suspend now, resume from the timer thread ---- */

static void *timer_main(void *arg)
{
    struct http_daemon *d = arg;
    pthread_mutex_lock(&d->lock);
    for (;;) {
        int64_t now = clock_mono_us(), next = INT64_MAX;
        struct delayed **pp = &d->delays;
        while (*pp) {
            struct delayed *it = *pp;
            if (it->due_us <= now || d->stopping) {
                *pp = it->next;
                MHD_resume_connection(it->conn);
                free(it);
            } else {
                if (it->due_us < next)
                    next = it->due_us;
                pp = &it->next;
            }
        }
        if (d->stopping)
            break;
        if (next == INT64_MAX) {
            pthread_cond_wait(&d->wake, &d->lock);
        } else {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            int64_t wait_us = next - now;
            ts.tv_sec += wait_us / 1000000;
            ts.tv_nsec += (wait_us % 1000000) * 1000;
            if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
            }
            pthread_cond_timedwait(&d->wake, &d->lock, &ts);
        }
    }
    pthread_mutex_unlock(&d->lock);
    return NULL;
}

/* Suspends `conn` for delay_ms. 0 on success; -1 when it cannot (then answer at once). */
static int delay_connection(struct http_daemon *d, struct MHD_Connection *conn, int64_t delay_ms)
{
    struct delayed *it = malloc(sizeof(*it));
    if (!it)
        return -1;
    it->conn = conn;
    it->due_us = clock_mono_us() + delay_ms * 1000;
    pthread_mutex_lock(&d->lock);
    if (d->stopping) {
        pthread_mutex_unlock(&d->lock);
        free(it);
        return -1;
    }
    MHD_suspend_connection(conn);
    it->next = d->delays;
    d->delays = it;
    pthread_cond_signal(&d->wake);
    pthread_mutex_unlock(&d->lock);
    return 0;
}

/* ---- the pipeline ---- */

/* When an admin token is configured, /mock/ needs it as a bearer token. */
static int admin_ok(const struct app *app, const char *header)
{
    const char *want = app->cfg.admin_token;
    if (!want || !*want)
        return 1;
    if (!header || strncasecmp(header, "Bearer ", 7) != 0)
        return 0;
    const char *got = header + 7;
    size_t n = strlen(want);
    unsigned char diff = strlen(got) != n;
    for (size_t i = 0; i < n && got[i]; i++) /* no early exit on a mismatch */
        diff |= (unsigned char)(want[i] ^ got[i]);
    return diff == 0;
}

/* Appends "k=v" pairs of the decoded query to a buffer, for the journal. */
static enum MHD_Result add_query_pair(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
    struct buf *b = cls;
    (void)kind;
    if (b->len)
        buf_putc(b, '&');
    buf_puts(b, key);
    if (value) {
        buf_putc(b, '=');
        buf_puts(b, value);
    }
    return MHD_YES;
}

static void journal(struct http_daemon *d, struct MHD_Connection *conn, const char *method,
                    const char *url, const struct route *route, const char *version,
                    const char *client_id, int status, const char *tracking_id, int64_t dur_us)
{
    if (route && route->auth == ROUTE_ADMIN)
        return;
    if (strncmp(url, "/mock/", 6) == 0)
        return;
    struct buf q;
    buf_init(&q, 8192);
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, add_query_pair, &q);
    struct journal_entry e = {
        .at_ms = clock_now_ms(d->app->clock),
        .method = method,
        .path = url,
        .query = q.data ? q.data : "",
        .operation = route ? route->operation : NULL,
        .version = version,
        .client_id = client_id,
        .status = status,
        .tracking_id = tracking_id,
        .duration_us = dur_us,
    };
    control_journal_record(d->app, &e);
    buf_free(&q);
}

static void log_and_journal(struct http_daemon *d, struct MHD_Connection *conn, struct conn_req *cr,
                            const char *method, const char *url, const struct route *route,
                            const char *version, const char *client_id, int status)
{
    int64_t dur = clock_mono_us() - cr->start_us;
    struct log_request line = {
        .method = method,
        .path = url,
        .status = status,
        .duration_us = dur,
        .client_id = client_id,
        .tracking_id = cr->tracking_id,
    };
    log_request(&line);
    journal(d, conn, method, url, route, version, client_id, status, cr->tracking_id, dur);
}

/*
 * Runs the pipeline for a request whose body has been read. Re-entered after
 * an injected delay: the fault decision is kept in cr so it is drawn once.
 */
static enum MHD_Result dispatch(struct http_daemon *d, struct MHD_Connection *conn,
                                struct conn_req *cr, const char *url, const char *method)
{
    struct app *app = d->app;
    struct api_req rq;
    struct api_res rs;
    struct auth_principal who;
    struct router_match m;
    const struct route *route = NULL;
    enum err e = ERR_OK;
    memset(&rq, 0, sizeof(rq));
    api_res_init(&rs);
    if (!cr->tracking_id[0])
        ids_hex32(cr->tracking_id);
    memcpy(rq.tracking_id, cr->tracking_id, sizeof(rq.tracking_id));
    rq.app = app;
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
    route = m.route;
    rq.version = m.version[0] ? m.version : NULL;
    rq.param = m.param[0] ? m.param : NULL;
    const char *authz = req_header(&rq, MHD_HTTP_HEADER_AUTHORIZATION);
    if (route->auth == ROUTE_ADMIN && !admin_ok(app, authz)) {
        e = api_fail(&rs, ERR_UNAUTHORIZED,
                     "The control API needs the admin token as a bearer "
                     "token (--admin-token).");
        goto answer;
    }
    if (route->auth == ROUTE_BEARER) {
        e = auth_check(&app->issuer, authz, &who, rs.err_text, sizeof(rs.err_text));
        if (e != ERR_OK)
            goto answer;
        rq.principal = &who;
        int64_t retry = 0;
        if (rq.version && !cr->delay_served &&
            limiter_take(app->limiter, who.client_id, rq.version, clock_now_ms(app->clock),
                         &retry) != 0) {
            api_res_header(&rs, "Retry-After", "%lld", (long long)retry);
            e = ERR_RATE_LIMITED;
            goto answer;
        }
    }
    if (route->auth != ROUTE_ADMIN) {
        if (cr->fault_state == FAULT_UNDECIDED) {
            int f = control_fault_pick(app, route->operation, &cr->fault);
            if (f < 0) {
                e = api_fail(&rs, ERR_INTERNAL, "fault lookup failed");
                goto answer;
            }
            cr->fault_state = f == 1 ? FAULT_SOME : FAULT_NONE;
        }
        if (cr->fault_state == FAULT_SOME) {
            if (cr->fault.delay_ms > 0 && !cr->delay_served) {
                cr->delay_served = 1;
                if (delay_connection(d, conn, cr->fault.delay_ms) == 0) {
                    api_res_free(&rs);
                    return MHD_YES; /* resumed later: dispatch runs again */
                }
            }
            if (cr->fault.drop) {
                api_res_free(&rs);
                log_and_journal(d, conn, cr, method, url, route, rq.version,
                                rq.principal ? who.client_id : NULL, 0);
                return MHD_NO; /* libmicrohttpd closes the connection */
            }
            if (cr->fault.status) {
                e = api_fail(&rs, err_from_status(cr->fault.status),
                             "Injected fault (mock control API): HTTP %d.", cr->fault.status);
                if (e == ERR_RATE_LIMITED)
                    api_res_header(&rs, "Retry-After", "1");
                if (e == ERR_NOT_FOUND && strcmp(route->operation, "getReport") == 0)
                    e = ERR_FILE_NOT_FOUND;
                goto answer;
            }
        }
    }
    if (rq.principal) {
        e = scope_check(rq.principal, route->operation, rs.err_text, sizeof(rs.err_text));
        if (e != ERR_OK)
            goto answer;
    }
    if (cr->too_large) {
        e = api_fail(&rs, ERR_TOO_LARGE, "The request body is larger than %zu bytes.",
                     HTTP_BODY_MAX);
        goto answer;
    }
    e = route->handler(&rq, &rs);
answer:;
    int status = 500;
    enum MHD_Result ret = respond_queue(conn, e, &rs, rq.tracking_id, &status);
    const char *client = rq.principal ? who.client_id : rs.client_id[0] ? rs.client_id : NULL;
    log_and_journal(d, conn, cr, method, url, route, rq.version, client, status);
    api_res_free(&rs);
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
    __attribute__((format(printf, 2, 0)));

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
    pthread_mutex_init(&d->lock, NULL);
    pthread_cond_init(&d->wake, NULL);
    /* poll(), not epoll: libmicrohttpd 0.9.75's MHD_quiesce_daemon races its own
     * epoll workers over removing the listening socket and can abort the
     * process (MHD_PANIC on ENOENT) during a graceful stop under load. */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    unsigned threads = app->cfg.threads > 0 ? (unsigned)app->cfg.threads : 2;
    /* One thread is the polling thread itself: a pool of one only draws a warning. */
    struct MHD_OptionItem pool[] = {
        {threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, (intptr_t)threads, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    /* clang-format off */
    d->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, d,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL, /* first, so MHD logs nothing itself */
        MHD_OPTION_SOCK_ADDR, ai->ai_addr,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, d,
        MHD_OPTION_ARRAY, pool,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)64 * 1024,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
        MHD_OPTION_END);
    /* clang-format on */
    freeaddrinfo(ai);
    if (!d->mhd) {
        snprintf(err, errlen, "cannot listen on %s port %d (in use, or not an address here?)",
                 app->cfg.bind, app->cfg.port);
        goto fail;
    }
    if (pthread_create(&d->timer, NULL, timer_main, d) != 0) {
        snprintf(err, errlen, "cannot start the timer thread");
        MHD_stop_daemon(d->mhd);
        goto fail;
    }
    d->timer_running = 1;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d->mhd, MHD_DAEMON_INFO_BIND_PORT);
    d->port = info ? info->port : app->cfg.port;
    return d;
fail:
    pthread_cond_destroy(&d->wake);
    pthread_mutex_destroy(&d->lock);
    free(d);
    return NULL;
}

int http_port(const struct http_daemon *d)
{
    return d->port;
}

void http_stop(struct http_daemon *d, int grace_ms)
{
    if (!d)
        return;
    MHD_socket listener = MHD_quiesce_daemon(d->mhd); /* ours to close from here */
    if (listener != MHD_INVALID_SOCKET)
        close(listener);
    /* Requests in flight finish, delayed ones included (the timer still runs). */
    struct timespec tick = {0, 10 * 1000 * 1000};
    for (int waited = 0; atomic_load(&d->in_flight) > 0 && waited < grace_ms; waited += 10)
        nanosleep(&tick, NULL);
    if (d->timer_running) {
        pthread_mutex_lock(&d->lock);
        d->stopping = 1; /* the timer resumes whatever still waits, then ends */
        pthread_cond_signal(&d->wake);
        pthread_mutex_unlock(&d->lock);
        pthread_join(d->timer, NULL);
    }
    MHD_stop_daemon(d->mhd);
    pthread_cond_destroy(&d->wake);
    pthread_mutex_destroy(&d->lock);
    free(d);
}

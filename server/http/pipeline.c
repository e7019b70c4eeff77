/*
 * pipeline.c - the request pipeline (see pipeline.h) as a table of stages.
 *
 * Each stage looks at the request and returns ERR_OK to go on, another
 * enum err to answer with it (the reason in the response's err_text), or
 * STAGE_SUSPEND / STAGE_DROP. The order is the table's:
 *   stopping (503) -> capacity (503) -> path (400) -> query (414) ->
 *   CORS preflight (204/403, with --cors) -> route (404/405) ->
 *   query values (400) ->
 *   credentials (401; the admin token on /mock/) -> rate limit (429) ->
 *   injected fault (any status, delay, drop) -> scope (403) ->
 *   body size (413) -> the handler.
 * A new check is one function and one row. Every request but /mock/ ones
 * goes to the journal, and every request gets one log line.
 */
#include "pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../api/api.h"
#include "../api/app.h"
#include "../api/cors.h"
#include "../api/evidence.h"
#include "../auth/limiter.h"
#include "../auth/scopes.h"
#include "../core/clock.h"
#include "../core/log.h"
#include "daemon.h"
#include "respond.h"
#include "router.h"

/* What a stage returns besides an enum err. */
#define STAGE_SUSPEND (-1) /* hold the request for p->delay_ms */
#define STAGE_DROP (-2)    /* close the connection without an answer */
#define STAGE_DONE (-3)    /* answered by the stage itself (rs is complete) */

/* One run of the pipeline: the request as handlers see it, and the answer. */
struct pipe {
    struct app *app;
    struct MHD_Connection *conn;
    struct pipeline_req *pr;
    struct api_req rq;
    struct api_res rs;
    struct auth_principal who;
    struct router_match m;
    const struct route *route; /* NULL until the route stage found one */
    int64_t delay_ms;          /* set with STAGE_SUSPEND */
    /* What was sent, for the journal (see on_sent). */
    const char *sent_type;
    int64_t sent_size;
    struct buf sent_body; /* cut and masked; empty when nothing was kept */
    int sent_kept;        /* 1: sent_body holds the body */
};

typedef int (*stage_fn)(struct pipe *p);

static const char *req_query(const struct api_req *rq, const char *key)
{
    return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, key);
}

/* Walks the query arguments to the i-th one. */
struct nth_key {
    unsigned left;
    const char *key;
};

static enum MHD_Result find_nth(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
    struct nth_key *n = cls;
    (void)kind;
    (void)value;
    if (n->left-- > 0)
        return MHD_YES;
    n->key = key;
    return MHD_NO;
}

static const char *req_query_key(const struct api_req *rq, unsigned i)
{
    struct nth_key n = {i, NULL};
    MHD_get_connection_values(rq->conn, MHD_GET_ARGUMENT_KIND, find_nth, &n);
    return n.key;
}

static const char *req_header(const struct api_req *rq, const char *key)
{
    return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, key);
}

/* ---- the stages ---- */

/* Past the stop's grace, what still arrives or was held gets a 503. */
static int stage_stopping(struct pipe *p)
{
    if (!p->pr->unavailable)
        return ERR_OK;
    return api_fail(&p->rs, ERR_UNAVAILABLE, "The server is stopping; try again later.");
}

/* A connection past --max-connections(-per-ip) when none could make room: 503, then closed. */
static int stage_capacity(struct pipe *p)
{
    if (!p->pr->over_capacity)
        return ERR_OK;
    api_res_header(&p->rs, "Retry-After", "1");
    return api_fail(&p->rs, ERR_UNAVAILABLE,
                    "Too many connections are open and none is waiting for its request "
                    "(--max-connections %d, --max-connections-per-ip %d); try again later.",
                    p->app->cfg.max_connections, p->app->cfg.max_connections_per_ip);
}

/* An encoded NUL or '/' in the path would be cut short or reach another route: 400. */
static int stage_path(struct pipe *p)
{
    const struct uri_verdict *v = &p->pr->uri;
    if (v->fault == URI_PATH_NUL)
        return api_fail(&p->rs, ERR_BAD_REQUEST,
                        "The path segment '%s' holds an encoded NUL (%%00).", v->part);
    if (v->fault == URI_PATH_SLASH)
        return api_fail(&p->rs, ERR_BAD_REQUEST,
                        "The path segment '%s' holds an encoded '/' (%%2F); a segment cannot "
                        "contain a slash.",
                        v->part);
    return ERR_OK;
}

/* Handlers whose 400 is not the generic one: the token endpoint answers RFC 6749's. */
static const struct {
    api_handler handler;
    enum err e;
} own_400[] = {
    {api_token, ERR_OAUTH_INVALID_REQUEST},
};

/* An encoded NUL in a query parameter would cut its value short: 400, in the route's shape. */
static int stage_query_values(struct pipe *p)
{
    if (p->pr->uri.fault != URI_QUERY_NUL)
        return ERR_OK;
    enum err e = ERR_BAD_REQUEST;
    for (size_t i = 0; i < sizeof(own_400) / sizeof(own_400[0]); i++)
        if (p->route->handler == own_400[i].handler)
            e = own_400[i].e;
    return api_fail(&p->rs, e, "The query parameter '%s' holds an encoded NUL (%%00).",
                    p->pr->uri.part);
}

/* A client that sends more parameters than any route reads gets a JSON 414. */
static int stage_query(struct pipe *p)
{
    int n = MHD_get_connection_values(p->conn, MHD_GET_ARGUMENT_KIND, NULL, NULL);
    if (n <= HTTP_QUERY_MAX)
        return ERR_OK;
    return api_fail(&p->rs, ERR_URI_TOO_LONG,
                    "The query has %d parameters; at most %d are accepted.", n, HTTP_QUERY_MAX);
}

/* A browser's preflight (--cors) is answered here: it carries no credentials. */
static int stage_preflight(struct pipe *p)
{
    struct router_match m;
    enum err e = ERR_OK;
    if (strcmp(p->rq.method, "OPTIONS") != 0 ||
        router_match(p->rq.method, p->rq.path, &m) != ROUTER_METHOD_NOT_ALLOWED ||
        !cors_preflight(&p->rq, m.allow, &p->rs, &e))
        return ERR_OK;
    return e == ERR_OK ? STAGE_DONE : (int)e;
}

static int stage_route(struct pipe *p)
{
    enum router_result r = router_match(p->rq.method, p->rq.path, &p->m);
    if (r == ROUTER_NOT_FOUND)
        return api_fail(&p->rs, ERR_NOT_FOUND, "No route for %s %.200s.", p->rq.method, p->rq.path);
    if (r == ROUTER_METHOD_NOT_ALLOWED) {
        api_res_header(&p->rs, "Allow", "%s", p->m.allow);
        return api_fail(&p->rs, ERR_METHOD_NOT_ALLOWED, "Method %s is not allowed on %.200s.",
                        p->rq.method, p->rq.path);
    }
    p->route = p->m.route;
    p->rq.version = p->m.version[0] ? p->m.version : NULL;
    p->rq.param = p->m.param[0] ? p->m.param : NULL;
    return ERR_OK;
}

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

static int stage_credentials(struct pipe *p)
{
    const char *authz = req_header(&p->rq, MHD_HTTP_HEADER_AUTHORIZATION);
    if (p->route->auth == ROUTE_ADMIN && !admin_ok(p->app, authz))
        return api_fail(&p->rs, ERR_UNAUTHORIZED,
                        "The control API needs the admin token as a bearer token "
                        "(--admin-token).");
    if (p->route->auth != ROUTE_BEARER)
        return ERR_OK;
    enum err e =
        auth_check(&p->app->issuer, authz, &p->who, p->rs.err_text, sizeof(p->rs.err_text));
    if (e == ERR_OK)
        p->rq.principal = &p->who;
    return e;
}

/* Cross-site requests never reach the control API (control_guard). */
static int stage_control_guard(struct pipe *p)
{
    return p->route->auth == ROUTE_ADMIN ? control_guard(&p->rq, &p->rs) : ERR_OK;
}

/* Counted once per request: not again when it comes back from a delay. */
static int stage_rate_limit(struct pipe *p)
{
    int64_t retry = 0;
    if (!p->rq.principal || !p->rq.version || p->pr->delay_served)
        return ERR_OK;
    if (limiter_take(p->app->limiter, p->who.client_id, p->rq.version, clock_now_ms(p->app->clock),
                     &retry) == 0)
        return ERR_OK;
    api_res_header(&p->rs, "Retry-After", "%lld", (long long)retry);
    return ERR_RATE_LIMITED;
}

/* Handlers whose 404 is not the generic one: an injected 404 answers like them. */
static const struct {
    api_handler handler;
    enum err e;
} own_404[] = {
    {api_report_file, ERR_FILE_NOT_FOUND},
};

/* Drawn once per request (kept in pr); the control API itself is never faulted. */
static int stage_fault(struct pipe *p)
{
    struct pipeline_req *pr = p->pr;
    if (p->route->auth == ROUTE_ADMIN)
        return ERR_OK;
    if (pr->fault_state == FAULT_UNDECIDED) {
        int f = control_fault_pick(p->app, p->route->operation, p->route->family, &pr->fault);
        if (f < 0)
            return api_fail(&p->rs, ERR_INTERNAL, "fault lookup failed");
        pr->fault_state = f == 1 ? FAULT_SOME : FAULT_NONE;
    }
    if (pr->fault_state != FAULT_SOME)
        return ERR_OK;
    if (pr->fault.delay_ms > 0 && !pr->delay_served) {
        pr->delay_served = 1;
        p->delay_ms = pr->fault.delay_ms;
        return STAGE_SUSPEND;
    }
    if (pr->fault.drop)
        return STAGE_DROP;
    if (!pr->fault.status)
        return ERR_OK;
    enum err e = err_from_status(pr->fault.status);
    for (size_t i = 0; i < sizeof(own_404) / sizeof(own_404[0]); i++)
        if (e == ERR_NOT_FOUND && p->route->handler == own_404[i].handler)
            e = own_404[i].e;
    return api_fail(&p->rs, e, "Injected fault (mock control API): HTTP %d.", pr->fault.status);
}

static int stage_scope(struct pipe *p)
{
    if (!p->rq.principal)
        return ERR_OK;
    return scope_check(p->rq.principal, p->route->family, p->rs.err_text, sizeof(p->rs.err_text));
}

static int stage_size(struct pipe *p)
{
    if (!p->pr->too_large)
        return ERR_OK;
    return api_fail(&p->rs, ERR_TOO_LARGE, "The request body is larger than %zu bytes.",
                    HTTP_BODY_MAX);
}

/* The stages in order. The first that does not return ERR_OK decides. */
static const struct {
    const char *name;
    stage_fn run;
} stages[] = {
    /* clang-format off */
    {"stopping", stage_stopping},
    {"capacity", stage_capacity},
    {"path", stage_path},
    {"query", stage_query},
    {"preflight", stage_preflight},
    {"route", stage_route},
    {"query values", stage_query_values},
    {"control guard", stage_control_guard},
    {"credentials", stage_credentials},
    {"rate limit", stage_rate_limit},
    {"fault", stage_fault},
    {"scope", stage_scope},
    {"size", stage_size},
    /* clang-format on */
};

/* ---- log line and journal ---- */

/* Appends "k=v" pairs of the decoded query to a buffer, for the journal
 * (secret values masked). */
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
        buf_puts(b, evidence_secret_name(key, strlen(key)) ? EVIDENCE_MASK : value);
    }
    return MHD_YES;
}

static enum MHD_Result add_request_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                          const char *value)
{
    (void)kind;
    evidence_headers_add(cls, key, value);
    return MHD_YES;
}

/* Whether this request goes to the journal: every one but the control API's. */
static int journaled(const struct pipe *p)
{
    return !(p->route && p->route->auth == ROUTE_ADMIN) && strncmp(p->rq.path, "/mock/", 6) != 0;
}

/* respond_queue's report of what it sends: kept (cut, masked) for the journal. */
static void on_sent(void *ud, const struct respond_sent *sent)
{
    struct pipe *p = ud;
    p->sent_type = sent->content_type;
    p->sent_size = sent->size;
    p->sent_kept = sent->body && evidence_body(sent->body, sent->body_len, &p->sent_body) == 0;
}

/* The answer's headers as the journal keeps them (NULL on OOM). */
static char *response_headers(const struct pipe *p, int status)
{
    struct evidence_headers *h = evidence_headers_new();
    char len[32];
    if (!h || status == 0)
        return evidence_headers_text(h);
    if (p->sent_type)
        evidence_headers_add(h, "Content-Type", p->sent_type);
    if (p->sent_size >= 0 && status != 204) {
        snprintf(len, sizeof(len), "%lld", (long long)p->sent_size);
        evidence_headers_add(h, "Content-Length", len);
    }
    for (int i = 0; i < p->rs.nheaders; i++)
        evidence_headers_add(h, p->rs.headers[i].name, p->rs.headers[i].value);
    return evidence_headers_text(h);
}

static void journal(struct pipe *p, const char *client_id, int status, int64_t dur_us)
{
    if (!journaled(p))
        return;
    struct buf q, body;
    /* The whole decoded query (it came within the connection's memory): the
     * store cuts a long one with a marker, where a smaller cap here would
     * leave out whole pairs without saying so. */
    buf_init(&q, HTTP_CONN_MEMORY);
    buf_init(&body, 0);
    MHD_get_connection_values(p->conn, MHD_GET_ARGUMENT_KIND, add_query_pair, &q);
    struct evidence_headers *h = evidence_headers_new();
    MHD_get_connection_values(p->conn, MHD_HEADER_KIND, add_request_header, h);
    char *req_headers = evidence_headers_text(h), *resp_headers = response_headers(p, status);
    int has_body = p->pr->body_len > 0 && evidence_body(p->pr->body, p->pr->body_len, &body) == 0;
    struct journal_entry e = {
        .at_ms = clock_now_ms(p->app->clock),
        .method = p->rq.method,
        .path = p->rq.path,
        .query = q.data ? q.data : "",
        .operation = p->route ? p->route->operation : NULL,
        .version = p->rq.version,
        .client_id = client_id,
        .status = status,
        .tracking_id = p->rq.tracking_id,
        .duration_us = dur_us,
        .host = req_header(&p->rq, MHD_HTTP_HEADER_HOST),
        .request_headers = req_headers,
        .request_body = has_body ? (body.data ? body.data : "") : NULL,
        .request_size = (int64_t)p->pr->body_len,
        .response_headers = resp_headers,
        .response_type = status ? p->sent_type : NULL,
        .response_body = p->sent_kept ? (p->sent_body.data ? p->sent_body.data : "") : NULL,
        .response_size = status ? p->sent_size : 0,
    };
    control_journal_record(p->app, &e);
    free(req_headers);
    free(resp_headers);
    buf_free(&body);
    buf_free(&q);
}

/* One log line and one journal row; status 0 for a dropped connection. */
static void log_and_journal(struct pipe *p, int status)
{
    const char *client = p->rq.principal      ? p->who.client_id
                         : p->rs.client_id[0] ? p->rs.client_id
                                              : NULL;
    int64_t dur = clock_mono_us() - p->pr->start_us;
    struct log_request line = {
        .method = p->rq.method,
        .path = p->rq.path,
        .status = status,
        .duration_us = dur,
        .client_id = client,
        .tracking_id = p->rq.tracking_id,
    };
    log_request(&line);
    journal(p, client, status, dur);
}

/* ---- the run ---- */

static void pipe_init(struct pipe *p, struct app *app, struct MHD_Connection *conn,
                      const char *method, const char *url, struct pipeline_req *pr)
{
    memset(p, 0, sizeof(*p));
    p->app = app;
    p->conn = conn;
    p->pr = pr;
    api_res_init(&p->rs);
    if (!pr->tracking_id[0])
        ids_hex32(pr->tracking_id);
    memcpy(p->rq.tracking_id, pr->tracking_id, sizeof(p->rq.tracking_id));
    p->rq.app = app;
    p->rq.method = method;
    p->rq.path = url;
    p->rq.query = req_query;
    p->rq.header = req_header;
    p->rq.query_key = req_query_key;
    p->rq.conn = conn;
    p->rq.body = pr->body;
    p->rq.body_len = pr->body_len;
    buf_init(&p->sent_body, 2 * EVIDENCE_BODY_MAX);
}

enum pipeline_next pipeline_run(struct app *app, struct MHD_Connection *conn, const char *method,
                                const char *url, struct pipeline_req *pr, int64_t *delay_ms)
{
    struct pipe p;
    int e = ERR_OK;
    pipe_init(&p, app, conn, method, url, pr);
    for (size_t i = 0; i < sizeof(stages) / sizeof(stages[0]) && e == ERR_OK; i++)
        e = stages[i].run(&p);
    if (e == STAGE_SUSPEND || e == STAGE_DROP) {
        if (e == STAGE_DROP)
            log_and_journal(&p, 0);
        api_res_free(&p.rs);
        buf_free(&p.sent_body);
        *delay_ms = p.delay_ms;
        return e == STAGE_SUSPEND ? PIPELINE_SUSPEND : PIPELINE_DROP;
    }
    if (e == ERR_OK)
        e = p.route->handler(&p.rq, &p.rs);
    if (e == STAGE_DONE)
        e = ERR_OK;
    else
        cors_answer_headers(&p.rq, &p.rs);
    int status = 500;
    /* Refused by a cap, or the server is stopping: a keep-alive client must move on, or
     * its next request would hold the stop's grace. */
    if (pr->over_capacity || pr->closing)
        api_res_header(&p.rs, "Connection", "close");
    enum MHD_Result ret = respond_queue(conn, (enum err)e, &p.rs, p.rq.tracking_id, &status,
                                        journaled(&p) ? on_sent : NULL, &p);
    log_and_journal(&p, status);
    api_res_free(&p.rs);
    buf_free(&p.sent_body);
    return ret == MHD_YES ? PIPELINE_ANSWERED : PIPELINE_FAILED;
}

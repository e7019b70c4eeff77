/*
 * control_journal_export.c - the request journal as evidence:
 * GET /mock/requests?format=har (HAR 1.2, which browser devtools and HAR
 * viewers import) and format=ndjson (one JSON object per line). Both stream:
 * rows are read from the store a page at a time and written out as the
 * client reads, so an export of the whole journal never sits in memory.
 *
 * What a row holds besides its summary (headers, bodies) was cut and masked
 * when it was recorded (evidence.h); nothing here sees a secret.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/buf.h"
#include "../core/clock.h"
#include "app.h"
#include "control_body.h"
#include "control_journal.h"
#include "evidence.h"

#define EXPORT_PAGE 64 /* rows read from the store at a time */

enum export_state { EXPORT_HEAD, EXPORT_ROWS, EXPORT_TAIL, EXPORT_DONE };

/* One export in progress: the filter (with its own copies of the strings),
 * where the last page ended, and the text not yet read by the client. */
struct export
{
    struct app *app;
    enum journal_format format;
    struct store_journal_filter f;
    char *owned[6]; /* the filter's strings */
    int64_t left;   /* rows still to send; -1: all */
    int64_t last_id;
    int rows_sent;
    enum export_state state;
    struct buf out; /* text ready for the client, from `off` on */
    size_t off;
    int failed;
};

/* ---- HAR ---- */

static const struct {
    int status;
    const char *text;
} reasons[] = {
    {200, "OK"},
    {201, "Created"},
    {204, "No Content"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {413, "Content Too Large"},
    {414, "URI Too Long"},
    {429, "Too Many Requests"},
    {500, "Internal Server Error"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Gateway Timeout"},
};

static const char *reason(int status)
{
    for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
        if (reasons[i].status == status)
            return reasons[i].text;
    return "";
}

/* Percent-encodes `s` into b (RFC 3986 unreserved characters stay). */
static void put_encoded(struct buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            strchr("-._~*", c)) {
            buf_putc(b, (char)c);
        } else {
            buf_putc(b, '%');
            buf_putc(b, hex[c >> 4]);
            buf_putc(b, hex[c & 15]);
        }
    }
}

/* queryString from the recorded "k=v&k2=v2", and the URL's query into url. */
static cJSON *query_string(const char *query, struct buf *url)
{
    cJSON *arr = cJSON_CreateArray();
    for (const char *p = query ? query : ""; arr && *p;) {
        size_t n = strcspn(p, "&"), k = strcspn(p, "=");
        if (k > n)
            k = n;
        char *name = strndup(p, k), *value = strndup(p + k + (k < n), n - k - (k < n));
        cJSON *o = cJSON_CreateObject();
        if (name && value && o && cJSON_AddStringToObject(o, "name", name) &&
            cJSON_AddStringToObject(o, "value", value)) {
            cJSON_AddItemToArray(arr, o);
            buf_putc(url, cJSON_GetArraySize(arr) == 1 ? '?' : '&');
            put_encoded(url, name, strlen(name));
            if (k < n) {
                buf_putc(url, '=');
                put_encoded(url, value, strlen(value));
            }
        } else {
            cJSON_Delete(o);
        }
        free(name);
        free(value);
        p += n + (p[n] == '&');
    }
    return arr;
}

/* The value of header `name` in a recorded header list, or NULL. */
static const char *header_in(const cJSON *headers, const char *name)
{
    const cJSON *h;
    cJSON_ArrayForEach(h, headers)
    {
        const char *n = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(h, "name"));
        if (n && strcasecmp(n, name) == 0)
            return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(h, "value"));
    }
    return NULL;
}

/* A note when a kept body is shorter than the one sent. */
static int add_cut_note(cJSON *o, const char *body, int64_t size)
{
    char note[128];
    if (!body || size <= EVIDENCE_BODY_MAX)
        return 1;
    snprintf(note, sizeof(note), "body cut at %d of %lld bytes", EVIDENCE_BODY_MAX,
             (long long)size);
    return cJSON_AddStringToObject(o, "comment", note) != NULL;
}

static cJSON *har_request(const struct store_journal *j)
{
    struct buf url;
    buf_init(&url, 0);
    buf_printf(&url, "http://%s", j->host && *j->host ? j->host : "localhost");
    buf_puts(&url, j->path ? j->path : "/");
    cJSON *o = cJSON_CreateObject(),
          *headers = cJSON_Parse(j->request_headers ? j->request_headers : "[]");
    cJSON *qs = query_string(j->query, &url), *post = NULL;
    int ok = o && headers && qs &&
             cJSON_AddStringToObject(o, "method", j->method ? j->method : "") &&
             cJSON_AddStringToObject(o, "url", url.data ? url.data : "") &&
             cJSON_AddStringToObject(o, "httpVersion", "HTTP/1.1") &&
             cJSON_AddArrayToObject(o, "cookies");
    if (ok) {
        cJSON_AddItemToObject(o, "headers", headers);
        cJSON_AddItemToObject(o, "queryString", qs);
        headers = qs = NULL;
    }
    if (ok && j->request_body) {
        const char *type =
            header_in(cJSON_GetObjectItemCaseSensitive(o, "headers"), "Content-Type");
        ok = (post = cJSON_AddObjectToObject(o, "postData")) &&
             cJSON_AddStringToObject(post, "mimeType", type ? type : "") &&
             cJSON_AddArrayToObject(post, "params") &&
             cJSON_AddStringToObject(post, "text", j->request_body) &&
             add_cut_note(post, j->request_body, j->request_size);
    }
    ok = ok && cJSON_AddNumberToObject(o, "headersSize", -1) &&
         cJSON_AddNumberToObject(o, "bodySize", (double)j->request_size);
    cJSON_Delete(headers);
    cJSON_Delete(qs);
    buf_free(&url);
    return control_json_done(o, ok);
}

static cJSON *har_response(const struct store_journal *j)
{
    cJSON *o = cJSON_CreateObject(), *content = NULL;
    cJSON *headers = cJSON_Parse(j->response_headers ? j->response_headers : "[]");
    int ok = o && headers && cJSON_AddNumberToObject(o, "status", j->status) &&
             cJSON_AddStringToObject(o, "statusText", reason(j->status)) &&
             cJSON_AddStringToObject(o, "httpVersion", "HTTP/1.1") &&
             cJSON_AddArrayToObject(o, "cookies");
    if (ok) {
        cJSON_AddItemToObject(o, "headers", headers);
        headers = NULL;
    }
    ok = ok && (content = cJSON_AddObjectToObject(o, "content")) &&
         cJSON_AddNumberToObject(content, "size",
                                 (double)(j->response_size > 0 ? j->response_size : 0)) &&
         cJSON_AddStringToObject(content, "mimeType",
                                 j->response_type ? j->response_type : "x-unknown");
    if (ok && j->response_body)
        ok = cJSON_AddStringToObject(content, "text", j->response_body) &&
             add_cut_note(content, j->response_body, j->response_size);
    else if (ok && j->response_size < 0)
        ok = cJSON_AddStringToObject(content, "comment", "a report file, streamed: not kept") !=
             NULL;
    else if (ok && j->status == 0)
        ok = cJSON_AddStringToObject(content, "comment",
                                     "no answer: the connection was dropped (injected fault)") !=
             NULL;
    ok = ok && cJSON_AddStringToObject(o, "redirectURL", "") &&
         cJSON_AddNumberToObject(o, "headersSize", -1) &&
         cJSON_AddNumberToObject(o, "bodySize", (double)j->response_size);
    cJSON_Delete(headers);
    return control_json_done(o, ok);
}

static cJSON *har_entry(const struct store_journal *j)
{
    char started[CLOCK_RFC3339_LEN];
    double ms = (double)j->duration_us / 1000.0;
    clock_format(j->at_ms - j->duration_us / 1000, started);
    cJSON *o = cJSON_CreateObject(), *req = har_request(j), *res = har_response(j), *timings = NULL;
    int ok = o && req && res && cJSON_AddStringToObject(o, "startedDateTime", started) &&
             cJSON_AddNumberToObject(o, "time", ms);
    if (ok) {
        cJSON_AddItemToObject(o, "request", req);
        cJSON_AddItemToObject(o, "response", res);
        req = res = NULL;
    }
    ok = ok && cJSON_AddObjectToObject(o, "cache") &&
         (timings = cJSON_AddObjectToObject(o, "timings")) &&
         cJSON_AddNumberToObject(timings, "send", 0) &&
         cJSON_AddNumberToObject(timings, "wait", ms) &&
         cJSON_AddNumberToObject(timings, "receive", 0) &&
         cJSON_AddNumberToObject(o, "_id", (double)j->id) &&
         cJSON_AddStringToObject(o, "_trackingId", j->tracking_id ? j->tracking_id : "") &&
         control_add_str(o, "_operation", j->operation) &&
         control_add_str(o, "_version", j->version) &&
         control_add_str(o, "_clientId", j->client_id);
    cJSON_Delete(req);
    cJSON_Delete(res);
    return control_json_done(o, ok);
}

/* ---- NDJSON ---- */

/* {"headers": [...], "body": text or null, "bodySize": n} (+ "contentType"). */
static cJSON *ndjson_side(const char *headers, const char *type, int with_type, const char *body,
                          int64_t size)
{
    cJSON *o = cJSON_CreateObject();
    int ok = o && control_add_raw(o, "headers", headers ? headers : "[]") &&
             (!with_type || control_add_str(o, "contentType", type)) &&
             (body ? cJSON_AddStringToObject(o, "body", body) != NULL
                   : cJSON_AddNullToObject(o, "body") != NULL) &&
             cJSON_AddNumberToObject(o, "bodySize", (double)size);
    return control_json_done(o, ok);
}

static cJSON *ndjson_row(const struct store_journal *j)
{
    cJSON *o = control_journal_row(j);
    cJSON *req = ndjson_side(j->request_headers, NULL, 0, j->request_body, j->request_size);
    cJSON *res =
        ndjson_side(j->response_headers, j->response_type, 1, j->response_body, j->response_size);
    int ok = o && req && res && control_add_str(o, "host", j->host);
    if (ok) {
        cJSON_AddItemToObject(o, "request", req);
        cJSON_AddItemToObject(o, "response", res);
        req = res = NULL;
    }
    cJSON_Delete(req);
    cJSON_Delete(res);
    return control_json_done(o, ok);
}

/* ---- the stream ---- */

static void put_json(struct export *x, cJSON *item)
{
    char *text = item ? cJSON_PrintUnformatted(item) : NULL;
    cJSON_Delete(item);
    if (!text || buf_puts(&x->out, text) != 0)
        x->failed = 1;
    cJSON_free(text);
}

static int add_row(void *ud, const struct store_journal *j)
{
    struct export *x = ud;
    x->last_id = j->id;
    if (x->format == JOURNAL_HAR) {
        if (x->rows_sent > 0 && buf_putc(&x->out, ',') != 0)
            x->failed = 1;
        put_json(x, har_entry(j));
    } else {
        put_json(x, ndjson_row(j));
        if (buf_putc(&x->out, '\n') != 0)
            x->failed = 1;
    }
    x->rows_sent++;
    if (x->left > 0)
        x->left--;
    return x->failed;
}

static void put_head(struct export *x)
{
    cJSON *creator = cJSON_CreateObject();
    if (!creator || !cJSON_AddStringToObject(creator, "name", "isc-reports-mock") ||
        !cJSON_AddStringToObject(creator, "version", x->app->version ? x->app->version : "")) {
        cJSON_Delete(creator);
        x->failed = 1;
        return;
    }
    buf_puts(&x->out, "{\"log\":{\"version\":\"1.2\",\"creator\":");
    put_json(x, creator);
    if (buf_printf(&x->out,
                   ",\"comment\":\"Bodies cut at %d bytes; secrets and bearer tokens masked as "
                   "%s.\",\"pages\":[],\"entries\":[",
                   EVIDENCE_BODY_MAX, EVIDENCE_MASK) != 0)
        x->failed = 1;
}

/* Fills x->out with the next piece of the export. */
static void refill(struct export *x)
{
    buf_reset(&x->out);
    x->off = 0;
    switch (x->state) {
    case EXPORT_HEAD:
        if (x->format == JOURNAL_HAR)
            put_head(x);
        x->state = EXPORT_ROWS;
        return;
    case EXPORT_ROWS: {
        struct store_journal_filter f = x->f;
        int sent = x->rows_sent;
        f.limit = x->left >= 0 && x->left < EXPORT_PAGE ? (int)x->left : EXPORT_PAGE;
        if (x->rows_sent > 0) {
            f.after_id = f.oldest_first ? x->last_id : 0;
            f.before_id = f.oldest_first ? 0 : x->last_id;
        }
        if (f.limit > 0 && store_journal_find(x->app->store, &f, NULL, add_row, x) != 0)
            x->failed = 1;
        if (x->rows_sent == sent || x->left == 0)
            x->state = EXPORT_TAIL;
        return;
    }
    case EXPORT_TAIL:
        if (x->format == JOURNAL_HAR && buf_puts(&x->out, "]}}\n") != 0)
            x->failed = 1;
        x->state = EXPORT_DONE;
        return;
    case EXPORT_DONE:
        return;
    }
}

static ssize_t export_read(void *ctx, char *dst, size_t max)
{
    struct export *x = ctx;
    while (x->off >= x->out.len && x->state != EXPORT_DONE && !x->failed)
        refill(x);
    if (x->failed)
        return -1;
    size_t n = x->out.len - x->off;
    if (n > max)
        n = max;
    if (n)
        memcpy(dst, x->out.data + x->off, n);
    x->off += n;
    return (ssize_t)n;
}

static void export_free(void *ctx)
{
    struct export *x = ctx;
    if (!x)
        return;
    for (size_t i = 0; i < sizeof(x->owned) / sizeof(x->owned[0]); i++)
        free(x->owned[i]);
    buf_free(&x->out);
    free(x);
}

/* Copies *s into x->owned[i] and points *s at it. 0, or -1 on OOM. */
static int own(struct export *x, int i, const char **s)
{
    if (!*s)
        return 0;
    x->owned[i] = strdup(*s);
    *s = x->owned[i];
    return x->owned[i] ? 0 : -1;
}

enum err control_journal_export(struct api_req *rq, struct api_res *rs,
                                const struct store_journal_filter *f, enum journal_format format)
{
    struct export *x = calloc(1, sizeof(*x));
    if (!x)
        return ERR_INTERNAL;
    x->app = rq->app;
    x->format = format;
    x->f = *f;
    x->left = f->limit > 0 ? f->limit : -1;
    buf_init(&x->out, 0);
    if (own(x, 0, &x->f.method) || own(x, 1, &x->f.path) || own(x, 2, &x->f.operation) ||
        own(x, 3, &x->f.client_id) || own(x, 4, &x->f.version) || own(x, 5, &x->f.tracking_id)) {
        export_free(x);
        return ERR_INTERNAL;
    }
    rs->stream = (struct api_stream){export_read, export_free, x};
    if (format == JOURNAL_HAR) {
        rs->content_type = "application/json";
        api_res_header(rs, "Content-Disposition", "attachment; filename=\"isc-reports-mock.har\"");
    } else {
        rs->content_type = "application/x-ndjson";
    }
    return ERR_OK;
}

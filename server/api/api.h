/*
 * api.h - what a route handler sees and returns.
 *
 * The HTTP layer (server/http) parses a request into a `struct api_req`,
 * authenticates it when the route asks for it, calls the handler, and turns
 * the `struct api_res` (or the returned enum err) into the response. Handlers
 * never touch libmicrohttpd. Everything in an api_req is borrowed for the
 * duration of the call; everything a handler puts in an api_res is owned by
 * the api_res and released by api_res_free() (the HTTP layer calls it).
 */
#ifndef ISC_API_API_H
#define ISC_API_API_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../auth/auth.h"
#include "../core/buf.h"
#include "../core/err.h"
#include "../core/ids.h"

struct app;

struct api_req {
    struct app *app;
    const char *method;
    const char *path;    /* decoded path, without the query */
    const char *version; /* "v2024", "v3", "v2025", "v2026", "reports/v1"; NULL outside them */
    const char *param;   /* the {id} path segment, decoded; NULL when the route has none */
    const char *body;    /* request body (not NUL-terminated); NULL when empty */
    size_t body_len;
    /* Decoded query argument or request header; NULL when absent. */
    const char *(*query)(const struct api_req *rq, const char *key);
    const char *(*header)(const struct api_req *rq, const char *key);
    /* The name of the i-th query argument (from 0), NULL past the last. */
    const char *(*query_key)(const struct api_req *rq, unsigned i);
    void *conn;                             /* the HTTP layer's connection; opaque here */
    const struct auth_principal *principal; /* the caller, on authenticated routes */
    char tracking_id[IDS_HEX32_LEN];        /* fresh per request; also in the log line */
};

/* A body produced piece by piece (report downloads). read returns bytes
 * written into buf (>0), 0 at the end, -1 on error; free releases ctx. */
struct api_stream {
    ssize_t (*read)(void *ctx, char *buf, size_t max);
    void (*free)(void *ctx);
    void *ctx;
};

/* A body sent from an open file (a stored report), zero-copy where the
 * platform allows. fd is -1 when there is none; the api_res owns it. */
struct api_file {
    int fd;
    uint64_t size;
};

#define API_MAX_HEADERS 8
struct api_res {
    int status;               /* success status (200, 204); errors come from the enum err */
    const char *content_type; /* static string; NULL means application/json */
    struct buf body;          /* body for a plain response */
    /* Instead of body: bytes that outlive every response (static data), sent
     * as they are, without a copy. NULL: body is sent. */
    const void *static_body;
    size_t static_len;
    struct api_stream stream; /* used instead of body when stream.read is set */
    struct api_file file;     /* used instead of both when file.fd >= 0 */
    int file_in_body;         /* body holds a report file's bytes: the journal keeps no text of
                                 it, as for file */
    struct {
        const char *name; /* static string */
        char value[512];
    } headers[API_MAX_HEADERS];
    int nheaders;
    char err_text[512];  /* message text for an error answer; "" means the default */
    char client_id[128]; /* who called, when the route has no bearer token (token endpoint) */
};

void api_res_init(struct api_res *rs);
/* Releases body and stream; safe to call twice. */
void api_res_free(struct api_res *rs);
/* Adds a response header (name must be static); -1 when the table is full. */
int api_res_header(struct api_res *rs, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Sets err_text and returns `e`, for `return api_fail(rs, ERR_..., "...")`. */
enum err api_fail(struct api_res *rs, enum err e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Serialises `json` (consumed, NULL allowed) into the body, answered with
 * `status` (200, 201...) as application/json. ERR_INTERNAL on OOM or a NULL
 * `json`; the body is then unchanged. */
struct cJSON;
enum err api_json(struct api_res *rs, int status, struct cJSON *json);

typedef enum err (*api_handler)(struct api_req *rq, struct api_res *rs);

/*
 * Builds a Content-Disposition value for a download named `name` (UTF-8,
 * may be NULL or empty: then `fallback`), with extension `ext` added when
 * missing. Quotes, backslashes, path separators and control characters never
 * reach the header; non-ASCII names also get an RFC 5987 filename*. The name
 * is cut to 200 bytes, and further, a character at a time, until the value
 * fits in out. Returns 0; -1 only when not even one character fits (out is
 * then ""). out is always NUL-terminated.
 */
int api_content_disposition(const char *name, const char *fallback, const char *ext, char *out,
                            size_t outlen);

/* Route handlers, one file per concern. */
enum err api_index(struct api_req *rq, struct api_res *rs);         /* api/index.c */
enum err api_token(struct api_req *rq, struct api_res *rs);         /* api/token.c */
enum err api_report_run(struct api_req *rq, struct api_res *rs);    /* api/reports.c */
enum err api_report_result(struct api_req *rq, struct api_res *rs); /* api/reports.c */
enum err api_report_file(struct api_req *rq, struct api_res *rs);   /* api/reports.c */
enum err api_report_cancel(struct api_req *rq, struct api_res *rs); /* api/reports.c */
/* The control API under /mock/: control_routes.h. */

#endif

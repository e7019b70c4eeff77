/*
 * pipeline.h - what happens to a request once its body has been read: the
 * stages (route, credentials, rate limit, injected fault, scope, body size)
 * in order, then the route's handler, the answer, one log line and one
 * journal row. The first stage that refuses decides the answer.
 *
 * A stage may also hold the request (an injected delay: the daemon suspends
 * the connection and runs the pipeline again later) or drop it (the daemon
 * closes the connection). What must survive between the two runs lives in
 * the caller-owned struct pipeline_req.
 */
#ifndef ISC_HTTP_PIPELINE_H
#define ISC_HTTP_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

#include "../api/control.h"
#include "../core/ids.h"
#include "uri.h"

struct app;

enum fault_state { FAULT_UNDECIDED, FAULT_NONE, FAULT_SOME };

/* One request's state across pipeline runs; owned by the daemon (zeroed at the start). */
struct pipeline_req {
    const char *body; /* the body read so far (not NUL-terminated); NULL when empty */
    size_t body_len;
    int too_large;    /* 1: the body went over HTTP_BODY_MAX (answered 413) */
    int64_t start_us; /* clock_mono_us() at the first byte, for the log line */
    enum fault_state fault_state;
    struct fault_decision fault; /* drawn once, kept for the second run */
    int delay_served;            /* 1: the injected delay is over */
    int unavailable;             /* 1: the server is stopping: answer 503 */
    int over_capacity;           /* 1: the connection was refused by a cap: answer 503 */
    int closing;                 /* 1: the server is stopping: the answer closes the connection */
    struct uri_verdict uri;      /* the request target as sent (uri_check) */
    char tracking_id[IDS_HEX32_LEN];
};

enum pipeline_next {
    PIPELINE_ANSWERED, /* a response is queued on the connection */
    PIPELINE_FAILED,   /* no response could be queued: close the connection */
    PIPELINE_SUSPEND,  /* hold the connection *delay_ms, then run again */
    PIPELINE_DROP,     /* close the connection without an answer (logged already) */
};

/*
 * Runs the pipeline for `method` `url` on `conn`. On PIPELINE_SUSPEND sets
 * *delay_ms; the caller runs it again when the delay is over (or cannot be
 * served: then the request goes on at once).
 */
enum pipeline_next pipeline_run(struct app *app, struct MHD_Connection *conn, const char *method,
                                const char *url, struct pipeline_req *pr, int64_t *delay_ms);

#endif

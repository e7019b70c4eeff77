/*
 * control.h - the parts of the control API that act on ordinary requests:
 * injected faults, the request journal, and how the next report runs.
 * The HTTP layer and the report handlers call these; the /mock/ routes
 * (control_routes.h) configure them. All state is kept in the database.
 */
#ifndef ISC_API_CONTROL_H
#define ISC_API_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"
#include "../reports/lifecycle.h"

struct app;

/*
 * The control API's defence against web pages (cross-site requests and DNS
 * rebinding), for every /mock/ route but health: a body must be declared
 * application/json (else 400), Host must name this server and Origin, when
 * present, must be http://<Host> (else 403). ERR_OK or the refusal, with its
 * text in rs (control_guard.c).
 */
struct api_req;
struct api_res;
enum err control_guard(const struct api_req *rq, struct api_res *rs);

/* What an injected fault does to one request. */
struct fault_decision {
    int status;       /* 0: answer normally; else answer this status with its error body */
    int64_t delay_ms; /* wait this long first (0: none) */
    int drop;         /* 1: close the connection without an answer */
};

/*
 * Decides whether a fault applies to this call of `operation` (the route's
 * operationId, such as startReportV1) of `family` (the operation across API
 * versions, such as startReport; may be NULL). A fault applies when it names
 * the operation, its family, or "*". Returns 1 and fills `out` when one
 * does (consuming one of its "next N calls", or drawing from its seeded
 * generator), 0 when none does, -1 on a database error. Cheap when no fault
 * is configured.
 */
int control_fault_pick(struct app *app, const char *operation, const char *family,
                       struct fault_decision *out);

/* One line of the request journal (strings borrowed for the call). */
struct journal_entry {
    int64_t at_ms;
    const char *method;
    const char *path;
    const char *query; /* decoded "k=v&k2=v2", "" when none */
    const char *operation;
    const char *version;   /* NULL outside versioned routes */
    const char *client_id; /* NULL when unknown */
    int status;
    const char *tracking_id;
    int64_t duration_us;
    /* Evidence for the exports, cut and masked by the caller (api/evidence.h):
     * header lists as HAR header-array JSON text (NULL: none), bodies (NULL:
     * none) with their whole sizes (response_size -1: a stream). */
    const char *host;
    const char *request_headers;
    const char *request_body;
    int64_t request_size;
    const char *response_headers;
    const char *response_type;
    const char *response_body;
    int64_t response_size;
};

/* Records a request (not /mock/ ones); keeps the journal bounded. Errors are logged. */
void control_journal_record(struct app *app, const struct journal_entry *e);

/* A report plan's values and strings, held for as long as the plan is used. */
struct control_plan;

/*
 * How a new report of `report_type` should run: the one-shot plan queued
 * for the next task (consumed here), else the plan set for that type, else
 * the one set for all types, else the server's default duration with
 * SUCCESS. Strings in `plan` point into `*held` (NULL when the server's
 * default applies); release it with control_plan_free() after use. 0, or -1
 * on a database error (*held is then NULL).
 */
int control_report_plan(struct app *app, const char *report_type, struct lifecycle_plan *plan,
                        struct control_plan **held);

/*
 * Gives back a one-shot plan that control_report_plan() took when no new
 * task came of it (startReport returned the running task with the same type
 * and arguments): it returns to its place at the head of the queue. Call it
 * before control_plan_free(); a NULL `held`, or one from a plan that did not
 * come from the queue, is a no-op. Errors are logged.
 */
void control_report_plan_unused(struct app *app, const struct control_plan *held);

/* Releases what control_report_plan() held; NULL is a no-op. */
void control_plan_free(struct control_plan *held);

#endif

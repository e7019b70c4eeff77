/*
 * control_hooks.c - where the control API reaches into ordinary requests
 * (see control.h): picking an injected fault, writing the request journal,
 * and choosing how a new report runs. The /mock/ routes that configure all
 * this are the control_*.c route files; the state is in the database
 * (store/control.c).
 *
 * control_fault_pick runs on every API request, so it asks the database only
 * when store_fault_maybe() says a fault may apply. Control routes ("mock.*")
 * are never faulted, so a fault on "*" can always be removed again.
 */
#include "control.h"

#include <stdlib.h>
#include <string.h>

#include "../core/log.h"
#include "../store/control_store.h"
#include "app.h"

#define JOURNAL_MAX_DEFAULT 10000

int control_fault_pick(struct app *app, const char *operation, const char *family,
                       struct fault_decision *out)
{
    memset(out, 0, sizeof(*out));
    if (!app || !operation || strncmp(operation, "mock.", 5) == 0)
        return 0;
    if (!store_fault_maybe(app->store))
        return 0;
    struct store_fault f;
    int rc = store_fault_pick(app->store, operation, family, &f);
    if (rc != 0)
        return rc == 1 ? 0 : -1;
    out->status = f.status;
    out->delay_ms = f.delay_ms;
    out->drop = f.drop;
    return 1;
}

void control_journal_record(struct app *app, const struct journal_entry *e)
{
    if (!app || !e || !e->path || strncmp(e->path, "/mock/", 6) == 0 ||
        strcmp(e->path, "/mock") == 0)
        return;
    struct store_journal j = {
        .at_ms = e->at_ms,
        .method = e->method,
        .path = e->path,
        .query = e->query,
        .operation = e->operation,
        .version = e->version,
        .client_id = e->client_id,
        .status = e->status,
        .tracking_id = e->tracking_id,
        .duration_us = e->duration_us,
        .host = e->host,
        .request_headers = e->request_headers,
        .request_body = e->request_body,
        .request_size = e->request_size,
        .response_headers = e->response_headers,
        .response_type = e->response_type,
        .response_body = e->response_body,
        .response_size = e->response_size,
    };
    size_t max = app->cfg.journal_max ? app->cfg.journal_max : JOURNAL_MAX_DEFAULT;
    if (store_journal_add(app->store, &j, max) != 0)
        log_msg("error", e->tracking_id, "control: the request could not be journaled");
}

/* A held plan: its values and its messages text, in one allocation. */
struct control_plan {
    struct store_behaviour b; /* b.messages points into text (not separately owned) */
    int from_queue;
    char text[]; /* the messages JSON, NUL-terminated ("" when none) */
};

int control_report_plan(struct app *app, const char *report_type, struct lifecycle_plan *plan,
                        struct control_plan **held)
{
    struct store_behaviour b;
    int from_queue = 0;
    *held = NULL;
    plan->duration_ms = app->cfg.report_duration_ms;
    plan->polls = -1;
    plan->outcome = NULL;
    plan->outcome_messages = NULL;
    int rc = store_report_plan(app->store, report_type, &b, &from_queue);
    if (rc == 1)
        return 0;
    if (rc != 0)
        return -1;
    size_t mlen = b.messages ? strlen(b.messages) : 0;
    struct control_plan *blk = malloc(sizeof(*blk) + mlen + 1);
    if (!blk) {
        /* Keep a one-shot plan for the next task rather than lose it. */
        if (from_queue)
            store_next_restore(app->store, &b);
        store_behaviour_clear(&b);
        return -1;
    }
    blk->b = b;
    blk->from_queue = from_queue;
    if (b.messages)
        memcpy(blk->text, b.messages, mlen);
    blk->text[mlen] = '\0';
    free(b.messages);
    blk->b.messages = mlen ? blk->text : NULL;

    if (blk->b.polls >= 0)
        plan->polls = blk->b.polls;
    else if (blk->b.duration_ms >= 0)
        plan->duration_ms = blk->b.duration_ms;
    plan->outcome = blk->b.outcome[0] ? blk->b.outcome : NULL;
    plan->outcome_messages = blk->b.messages;
    *held = blk;
    return 0;
}

void control_report_plan_unused(struct app *app, const struct control_plan *blk)
{
    if (!app || !blk || !blk->from_queue)
        return;
    if (store_next_restore(app->store, &blk->b) != 0)
        log_msg("error", NULL, "control: a one-shot report plan could not be put back");
}

void control_plan_free(struct control_plan *held)
{
    free(held);
}

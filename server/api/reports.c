/*
 * reports.c - the four Reports Data Extraction operations: startReport,
 * getReportResult, getReport and cancelReport. Each handler checks its input,
 * asks reports/ to do the work, and describes the answer; the HTTP layer
 * (already past authentication) sends it.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/utf8.h"
#include "../core/clock.h"
#include "../core/log.h"
#include "../reports/builtin.h"
#include "../reports/lifecycle.h"
#include "../reports/outcome.h"
#include "../reports/report.h"
#include "../reports/snapshot.h"
#include "../reports/spool.h"
#include "../reports/stream.h"
#include "../reports/validate.h"
#include "api.h"
#include "app.h"
#include "control.h"

/* Reads an optional boolean query parameter. 0: ok (*out set), -1: not a boolean. */
static int query_bool(const struct api_req *rq, const char *key, int dflt, int *out)
{
    const char *v = rq->query(rq, key);
    if (!v) {
        *out = dflt;
        return 0;
    }
    if (strcmp(v, "true") == 0)
        *out = 1;
    else if (strcmp(v, "false") == 0)
        *out = 0;
    else
        return -1;
    return 0;
}

/* Who launched a task, as the API shows it: the user for user tokens, else the client. */
static const char *launcher_of(const struct auth_principal *p)
{
    return p->user_context && p->user_name[0] ? p->user_name : p->client_id;
}

static int64_t now_of(const struct api_req *rq)
{
    return clock_now_ms(rq->app->clock);
}

enum err api_report_run(struct api_req *rq, struct api_res *rs)
{
    const struct report_type *type = NULL;
    char *args = NULL, formats[16] = "", why[512] = "";
    enum err e = report_validate(rq->body ? rq->body : "", rq->body_len, &type, &args, formats,
                                 sizeof(formats), why, sizeof(why));
    if (e != ERR_OK)
        return api_fail(rs, e, "%s", why);
    struct lifecycle_plan plan;
    struct control_plan *held = NULL;
    if (control_report_plan(rq->app, type->name, &plan, &held) != 0) {
        free(args);
        return ERR_INTERNAL;
    }
    struct store_task t;
    int existing = 0;
    int64_t now = now_of(rq);
    e = lifecycle_start(rq->app->store, now, type, args, formats, rq->principal->client_id,
                        launcher_of(rq->principal), &plan, &t, &existing);
    if (e != ERR_OK || existing)
        control_report_plan_unused(rq->app, held); /* no new task: a one-shot plan waits */
    control_plan_free(held);
    free(args);
    if (e != ERR_OK)
        return e;
    if (!existing)
        lifecycle_started(rq->app->snap, &t, now);
    cJSON *json = lifecycle_task_json(&t, rq->app->org, now);
    store_task_clear(&t);
    return api_json(rs, 200, json);
}

enum err api_report_result(struct api_req *rq, struct api_res *rs)
{
    int completed;
    if (query_bool(rq, "completed", 0, &completed) != 0)
        return api_fail(rs, ERR_BAD_REQUEST, "Query parameter 'completed' must be true or false.");
    struct store_task t;
    enum err e = lifecycle_get(rq->app->store, rq->app->snap, rq->param, now_of(rq), 1, &t);
    if (e == ERR_NOT_FOUND)
        return api_fail(rs, e, "Report result %s was not found.", rq->param);
    if (e != ERR_OK)
        return e;
    cJSON *json = lifecycle_results_json(&t);
    store_task_clear(&t);
    return api_json(rs, 200, json);
}

/* Records the download of task `t` as `format` in the audit log; 0 or -1. */
static int audit_download(struct api_req *rq, const struct store_task *t, const char *format,
                          int64_t now)
{
    struct store_audit a;
    memset(&a, 0, sizeof(a));
    a.at_ms = now;
    snprintf(a.client_id, sizeof(a.client_id), "%s", rq->principal->client_id);
    snprintf(a.user_name, sizeof(a.user_name), "%s", rq->principal->user_name);
    snprintf(a.task_id, sizeof(a.task_id), "%s", t->id);
    snprintf(a.report_type, sizeof(a.report_type), "%s", t->report_type);
    snprintf(a.file_format, sizeof(a.file_format), "%s", format);
    const char *name = rq->query(rq, "name");
    snprintf(a.file_name, sizeof(a.file_name), "%s", name && *name ? name : t->task_def_name);
    snprintf(a.tracking_id, sizeof(a.tracking_id), "%s", rq->tracking_id);
    /* Echoed by GET /mock/audit: well-formed, with no control or bidi characters
     * (also where a long name was cut inside a character). */
    utf8_sanitize(a.client_id, '_');
    utf8_sanitize(a.user_name, '_');
    utf8_sanitize(a.file_name, '_');
    return store_audit_add(rq->app->store, &a) != 0 ? -1 : 0;
}

/* Reads or opens the stored file of task `t` in `format` into rs: a small
 * file's bytes into the body (from memory after its first download), a
 * larger one's descriptor. 1 for the bytes, 0 for the descriptor, -1 with
 * errno set (ENOENT: no file). */
static int stored_bytes(struct api_req *rq, struct api_res *rs, const struct store_task *t,
                        const char *format)
{
    uint64_t size = 0;
    int rc = spool_read_small(rq->app->spool, t->id, format, &rs->body);
    if (rc != 0) {
        rs->file_in_body = rc == 1;
        return rc;
    }
    int fd = spool_open_file(rq->app->spool, t->id, format, &size);
    if (fd < 0)
        return -1;
    rs->file.fd = fd;
    rs->file.size = size;
    return 0;
}

/* The stored file of task `t` in `format` into rs; ERR_OK, or
 * ERR_FILE_NOT_FOUND when the task has none (never a file made now). */
static enum err stored_file(struct api_req *rq, struct api_res *rs, const struct store_task *t,
                            const char *format)
{
    int rc = stored_bytes(rq, rs, t, format);
    /* A built-in task's file is written on its first download. */
    if (rc < 0 && errno == ENOENT &&
        builtin_file_restore(rq->app->store, rq->app->spool, t->id, format) == 1)
        rc = stored_bytes(rq, rs, t, format);
    if (rc < 0) {
        if (errno != ENOENT)
            return api_fail(rs, ERR_INTERNAL, "getReport: the file of %s cannot be read: %s", t->id,
                            strerror(errno));
        log_msg("warn", rq->tracking_id, "report %s ended without its %s file", t->id, format);
        return ERR_FILE_NOT_FOUND;
    }
    return ERR_OK;
}

enum err api_report_file(struct api_req *rq, struct api_res *rs)
{
    const char *format = rq->query(rq, "fileFormat");
    if (!format || !*format)
        return api_fail(rs, ERR_BAD_REQUEST,
                        "Query parameter 'fileFormat' is required: csv or pdf.");
    if (strcmp(format, "csv") != 0 && strcmp(format, "pdf") != 0)
        return api_fail(rs, ERR_BAD_REQUEST,
                        "Query parameter 'fileFormat' must be csv or pdf, not '%.64s'.", format);
    int auditable;
    if (query_bool(rq, "auditable", 0, &auditable) != 0)
        return api_fail(rs, ERR_BAD_REQUEST, "Query parameter 'auditable' must be true or false.");
    struct store_task t;
    int64_t now = now_of(rq);
    enum err e = lifecycle_get(rq->app->store, rq->app->snap, rq->param, now, 0, &t);
    if (e == ERR_NOT_FOUND)
        return ERR_FILE_NOT_FOUND;
    if (e != ERR_OK)
        return e;
    char disposition[512];
    const char *content_type = NULL, *ext = NULL;
    const char *fmt_upper = strcmp(format, "csv") == 0 ? "CSV" : "PDF";
    /* As the contract says: an event whenever a result exists for the id. */
    if (auditable && audit_download(rq, &t, format, now) != 0) {
        e = ERR_INTERNAL;
        goto out;
    }
    const struct report_outcome *ended = report_outcome_find(t.completion_status);
    if (!lifecycle_done(&t) || !ended || !ended->has_file ||
        !report_formats_has(t.formats, fmt_upper) ||
        report_file_kind(t.report_type, format, &content_type, &ext) != 0) {
        e = ERR_FILE_NOT_FOUND;
        goto out;
    }
    if (api_content_disposition(rq->query(rq, "name"), t.task_def_name, ext, disposition,
                                sizeof(disposition)) != 0) {
        e = api_fail(rs, ERR_BAD_REQUEST, "Query parameter 'name' is too long.");
        goto out;
    }
    if ((e = stored_file(rq, rs, &t, format)) != ERR_OK)
        goto out;
    api_res_header(rs, "Content-Disposition", "%s", disposition);
    rs->status = 200;
    rs->content_type = content_type;
out:
    store_task_clear(&t);
    return e;
}

enum err api_report_cancel(struct api_req *rq, struct api_res *rs)
{
    char why[256] = "";
    enum err e =
        lifecycle_cancel(rq->app->store, rq->app->snap, rq->param, now_of(rq), why, sizeof(why));
    if (e == ERR_NOT_FOUND)
        return api_fail(rs, e, "Report %s was not found.", rq->param);
    if (e != ERR_OK)
        return api_fail(rs, e, "%s", why);
    rs->status = 204;
    return ERR_OK;
}

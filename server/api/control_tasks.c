/*
 * control_tasks.c - what happened, for tests to assert on: GET /mock/tasks
 * (every task with its arguments, client and rows, newest first) and
 * GET /mock/audit (the audit events of downloads). Read only.
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "../core/clock.h"
#include "../core/log.h"
#include "../reports/lifecycle.h"
#include "../reports/outcome.h"
#include "../reports/report.h"
#include "../store/control_store.h"
#include "api.h"
#include "app.h"
#include "control_body.h"
#include "control_routes.h"

#define LIST_MAX 1000

struct id_list {
    char (*ids)[STORE_ID_LEN];
    int n;
};

static int collect_id(void *ud, const struct store_task *t)
{
    struct id_list *l = ud;
    memcpy(l->ids[l->n++], t->id, STORE_ID_LEN);
    return l->n >= LIST_MAX;
}

/* The filters of GET /mock/tasks (NULL: any). */
struct task_filter {
    const char *type, *state, *client_id;
};

static int task_matches(const struct store_task *t, const struct task_filter *f)
{
    const char *now_state = lifecycle_done(t) ? t->completion_status : REPORT_RUNNING;
    return (!f->type || strcmp(t->report_type, f->type) == 0) &&
           (!f->state || strcmp(now_state, f->state) == 0) &&
           (!f->client_id || strcmp(t->client_id, f->client_id) == 0);
}

/*
 * Appends task `t` to arr with its arguments, client and rows (null while it
 * runs: the count is known only once it has ended); 0, -1 on OOM. Arguments
 * that do not parse (a row written by something else) are shown as null.
 */
static int add_task(cJSON *arr, const struct store_task *t, struct app *app, int64_t now)
{
    cJSON *item = lifecycle_task_json(t, app->org, now);
    if (!item)
        return -1;
    cJSON_AddItemToArray(arr, item); /* arr owns item from here */
    cJSON *args = cJSON_Parse(t->arguments ? t->arguments : "");
    if (!args && !(args = cJSON_CreateNull()))
        return -1;
    cJSON_AddItemToObject(item, "arguments", args);
    int ok = cJSON_AddStringToObject(item, "clientId", t->client_id) &&
             (lifecycle_done(t)
                  ? cJSON_AddNumberToObject(item, "rows", (double)(t->rows > 0 ? t->rows : 0))
                  : cJSON_AddNullToObject(item, "rows"));
    return ok ? 0 : -1;
}

/*
 * Fills arr with the tasks among `l` that pass `f`; 0 or -1 (OOM). A task
 * that a reset removed meanwhile is left out; one that cannot be brought up
 * to date is shown as stored, and one that cannot be read at all is left out
 * with a log line: one bad row never costs the whole list.
 */
static int add_tasks(cJSON *arr, const struct id_list *l, const struct task_filter *f,
                     struct app *app)
{
    int64_t now = clock_now_ms(app->clock);
    for (int i = 0; i < l->n; i++) {
        struct store_task t;
        enum err ge = lifecycle_get(app->store, app->snap, l->ids[i], now, 0, &t);
        if (ge == ERR_NOT_FOUND)
            continue; /* reset in between */
        if (ge != ERR_OK && store_task_get(app->store, l->ids[i], &t) != STORE_OK) {
            log_msg("warn", NULL, "GET /mock/tasks: task %s could not be read; left out",
                    l->ids[i]);
            continue;
        }
        int rc = task_matches(&t, f) ? add_task(arr, &t, app, now) : 0;
        store_task_clear(&t);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* GET /mock/tasks?reportType=&status=&clientId= : newest first, at most 1000. */
enum err api_mock_tasks(struct api_req *rq, struct api_res *rs)
{
    struct task_filter f = {rq->query(rq, "reportType"), rq->query(rq, "status"),
                            rq->query(rq, "clientId")};
    static const char *const names[] = {"reportType", "status", "clientId", NULL};
    char list[128];
    enum err e = control_query_known(rq, names, rs);
    if (e != ERR_OK)
        return e;
    if (f.type && !report_type_find(f.type))
        return api_fail(rs, ERR_BAD_REQUEST, "Query parameter 'reportType' is not a report type.");
    if (f.state && !control_one_of(f.state, report_outcome_names)) {
        control_choices_text(report_outcome_names, list, sizeof(list));
        return api_fail(rs, ERR_BAD_REQUEST, "Query parameter 'status' must be %s.", list);
    }
    struct id_list l = {calloc(LIST_MAX, STORE_ID_LEN), 0};
    cJSON *o = cJSON_CreateObject(), *arr = NULL;
    e = ERR_INTERNAL;
    if (l.ids && o && (arr = cJSON_AddArrayToObject(o, "tasks")) &&
        store_task_each(rq->app->store, LIST_MAX, collect_id, &l) == 0 &&
        add_tasks(arr, &l, &f, rq->app) == 0) {
        e = api_json(rs, 200, o);
        o = NULL;
    }
    cJSON_Delete(o);
    free(l.ids);
    return e;
}

struct audit_list {
    cJSON *arr;
    const char *task_id, *client_id, *report_type; /* filters; NULL: any */
};

static int add_audit(void *ud, const struct store_audit *a)
{
    struct audit_list *l = ud;
    if ((l->task_id && strcmp(a->task_id, l->task_id) != 0) ||
        (l->client_id && strcmp(a->client_id, l->client_id) != 0) ||
        (l->report_type && strcmp(a->report_type, l->report_type) != 0))
        return 0;
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return 1;
    cJSON_AddItemToArray(l->arr, o);
    cJSON_AddNumberToObject(o, "id", (double)a->id);
    control_add_time(o, "time", a->at_ms, 1);
    cJSON_AddStringToObject(o, "clientId", a->client_id);
    cJSON_AddStringToObject(o, "userName", a->user_name);
    cJSON_AddStringToObject(o, "taskId", a->task_id);
    cJSON_AddStringToObject(o, "reportType", a->report_type);
    cJSON_AddStringToObject(o, "fileFormat", a->file_format);
    cJSON_AddStringToObject(o, "fileName", a->file_name);
    cJSON_AddStringToObject(o, "trackingId", a->tracking_id);
    return 0;
}

/* GET /mock/audit?taskId=&clientId=&reportType= : newest first. */
enum err api_mock_audit(struct api_req *rq, struct api_res *rs)
{
    static const char *const names[] = {"taskId", "clientId", "reportType", NULL};
    struct audit_list l = {NULL, rq->query(rq, "taskId"), rq->query(rq, "clientId"),
                           rq->query(rq, "reportType")};
    enum err e = control_query_known(rq, names, rs);
    if (e != ERR_OK)
        return e;
    cJSON *o = cJSON_CreateObject();
    if (!o || !(l.arr = cJSON_AddArrayToObject(o, "events")) ||
        store_audit_each(rq->app->store, LIST_MAX, add_audit, &l) != 0) {
        cJSON_Delete(o);
        return ERR_INTERNAL;
    }
    return api_json(rs, 200, o);
}

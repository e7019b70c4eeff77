/*
 * lifecycle.c - report task states and their JSON shapes (see lifecycle.h).
 *
 * A task's end is decided when it is started (the plan: a duration or a
 * number of polls, and an outcome) and carried out once it is due: by the
 * render that stores its files (snapshot.h), or, without files, by the
 * first read or the watcher's look after it is due. `rows` is the count
 * of rows in the files the render wrote.
 */
#include "lifecycle.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/clock.h"
#include "../core/ids.h"
#include "../core/log.h"
#include "../core/utf8.h"
#include "outcome.h"
#include "rows.h"
#include "snapshot.h"

const char *lifecycle_status(const char *completion_status)
{
    const struct report_outcome *o = report_outcome_find(completion_status);
    return o ? o->status : NULL;
}

int lifecycle_done(const struct store_task *t)
{
    return t->completed_ms > 0 || t->completion_status[0] != '\0';
}

int lifecycle_id_done(void *store, const char *id)
{
    struct store_task t;
    if (store_task_get(store, id, &t) != STORE_OK)
        return 0;
    int done = lifecycle_done(&t);
    store_task_clear(&t);
    return done;
}

/* A one-message TaskResultDetails messages array, as JSON text malloc'd for
 * the task, which releases it with free(); cJSON's own printed text is copied
 * and returned to cJSON_free here. */
static char *message_json(const char *type, const char *text)
{
    cJSON *arr = cJSON_CreateArray(), *m = cJSON_CreateObject();
    char *out = NULL, *printed = NULL, clean[512];
    snprintf(clean, sizeof(clean), "%s", text); /* reasons may quote the arguments */
    utf8_scrub(clean);
    text = clean;
    if (!arr || !m) {
        cJSON_Delete(m);
        goto out;
    }
    cJSON_AddItemToArray(arr, m); /* arr owns m from here */
    if (cJSON_AddStringToObject(m, "type", type) &&
        cJSON_AddBoolToObject(m, "error", strcmp(type, "ERROR") == 0) &&
        cJSON_AddBoolToObject(m, "warning", strcmp(type, "WARN") == 0) &&
        cJSON_AddStringToObject(m, "key", text) &&
        cJSON_AddStringToObject(m, "localizedText", text))
        printed = cJSON_PrintUnformatted(arr);
    out = printed ? strdup(printed) : NULL;
    cJSON_free(printed);
out:
    cJSON_Delete(arr);
    return out;
}

/* The messages a task planned to end as `o` ends with: `given`, or o's default. */
static char *outcome_messages(const struct report_outcome *o, const char *given)
{
    if (given)
        return strdup(given);
    if (o->message_type)
        return message_json(o->message_type, o->message);
    return strdup("[]");
}

enum err lifecycle_start(struct store *s, int64_t now_ms, const struct report_type *type,
                         const char *canonical_args, const char *formats, const char *client_id,
                         const char *launcher, const struct lifecycle_plan *plan,
                         struct store_task *out, int *existing)
{
    struct store_task t;
    memset(&t, 0, sizeof(t));
    ids_hex32(t.id);
    snprintf(t.report_type, sizeof(t.report_type), "%s", type->name);
    snprintf(t.task_def_name, sizeof(t.task_def_name), "%s", type->task_def_name);
    snprintf(t.description, sizeof(t.description), "%s", type->description);
    snprintf(t.launcher, sizeof(t.launcher), "%s", launcher);
    snprintf(t.client_id, sizeof(t.client_id), "%s", client_id);
    snprintf(t.formats, sizeof(t.formats), "%s", formats && *formats ? formats : "CSV,PDF");
    snprintf(t.progress, sizeof(t.progress), "Initializing...");
    const struct report_outcome *o = report_outcome_find(plan->outcome);
    if (!o || !o->plannable)
        o = report_outcome_find("SUCCESS");
    snprintf(t.outcome, sizeof(t.outcome), "%s", o->name);
    t.created_ms = now_ms;
    t.launched_ms = now_ms;
    t.polls_left = plan->polls >= 0 ? plan->polls : -1;
    t.finish_at_ms =
        plan->polls >= 0 ? 0 : now_ms + (plan->duration_ms > 0 ? plan->duration_ms : 0);
    t.rows = -1;
    t.arguments = strdup(canonical_args);
    t.messages = strdup("[]");
    t.outcome_messages = outcome_messages(o, plan->outcome_messages);
    if (!t.arguments || !t.messages || !t.outcome_messages) {
        store_task_clear(&t);
        return ERR_INTERNAL;
    }
    if (store_task_start(s, &t, now_ms, existing) != 0) {
        store_task_clear(&t);
        return ERR_INTERNAL;
    }
    *out = t;
    return ERR_OK;
}

void lifecycle_started(struct snapshot *snap, const struct store_task *t, int64_t now_ms)
{
    if (t->polls_left >= 0)
        return;
    const struct report_outcome *o = report_outcome_find(t->outcome);
    /* A full queue leaves it due: the watcher queues it once there is room. */
    if (t->finish_at_ms <= now_ms && o && o->has_file &&
        snapshot_request(snap, t->id, t->finish_at_ms) == 0)
        return;
    snapshot_due_at(snap, t->finish_at_ms); /* its files are written then */
}

int lifecycle_end(struct store *s, const struct store_task *t, int64_t completed_ms, int64_t rows,
                  const char *error)
{
    char *messages = error ? message_json("ERROR", error)
                           : strdup(t->outcome_messages ? t->outcome_messages : "[]");
    if (!messages)
        return STORE_ERROR;
    int rc = store_task_finish(s, t->id, error ? "ERROR" : t->outcome, completed_ms,
                               error ? 0 : rows, messages);
    free(messages);
    return rc;
}

/* Ends `t` (which is due) without files, counting its rows; reloads it into t. */
static enum err finish(struct store *s, struct store_task *t, int64_t completed_ms)
{
    const struct report_outcome *o = report_outcome_find(t->outcome);
    int64_t rows = 0;
    char why[256] = "";
    const char *error = NULL;
    if (o && o->has_file) {
        enum err c = report_rows_total(s, t->report_type, t->arguments, &rows, why, sizeof(why));
        if (c == ERR_INTERNAL) {
            /* The detail is in the log (the store logs its own errors);
             * the task ends rather than failing every later poll. */
            log_msg("error", NULL, "report %s could not be rendered: %s", t->id,
                    why[0] ? why : "internal error");
            snprintf(why, sizeof(why),
                     "The report could not be rendered: an internal error "
                     "occurred (see the server log).");
        }
        if (c != ERR_OK)
            error = why[0] ? why : "The report could not run.";
    }
    if (lifecycle_end(s, t, completed_ms, rows, error) < 0)
        return ERR_INTERNAL;
    return ERR_OK;
}

/* Ends `t`, due at `due_ms`: through the render queue when it makes files
 * (it goes on running until they are stored: nobody waits for them here),
 * else at once. Then reads it again into t. */
static enum err complete(struct store *s, struct snapshot *snap, struct store_task *t,
                         int64_t due_ms)
{
    const struct report_outcome *o = report_outcome_find(t->outcome);
    char id[STORE_ID_LEN];
    if (snap && o && o->has_file) {
        if (snapshot_request(snap, t->id, due_ms) != 0)
            return ERR_INTERNAL;
        snprintf(t->progress, sizeof(t->progress), "%s", LIFECYCLE_WRITING);
        return ERR_OK; /* running as far as anyone can see */
    }
    enum err e = finish(s, t, due_ms);
    if (e != ERR_OK)
        return e;
    /* Whoever finished it, read back what the database now says. */
    memcpy(id, t->id, sizeof(id));
    store_task_clear(t);
    int rc = store_task_get(s, id, t);
    return rc == STORE_OK ? ERR_OK : rc == STORE_NOT_FOUND ? ERR_NOT_FOUND : ERR_INTERNAL;
}

enum err lifecycle_get(struct store *s, struct snapshot *snap, const char *id, int64_t now_ms,
                       int count_poll, struct store_task *out)
{
    struct store_task t;
    int rc = store_task_get(s, id, &t);
    if (rc == 1)
        return ERR_NOT_FOUND;
    if (rc != 0)
        return ERR_INTERNAL;
    if (!lifecycle_done(&t)) {
        enum err e = ERR_OK;
        if (t.polls_left >= 0) {
            int left = t.polls_left;
            if (count_poll && store_task_poll(s, t.id, &left) < 0)
                e = ERR_INTERNAL;
            else if (left == 0)
                e = complete(s, snap, &t, now_ms);
        } else if (now_ms >= t.finish_at_ms) {
            e = complete(s, snap, &t, t.finish_at_ms);
        }
        if (e != ERR_OK) {
            store_task_clear(&t);
            return e;
        }
    }
    *out = t;
    return ERR_OK;
}

enum err lifecycle_cancel(struct store *s, struct snapshot *snap, const char *id, int64_t now_ms,
                          char *why, size_t whylen)
{
    struct store_task t;
    enum err e = lifecycle_get(s, snap, id, now_ms, 0, &t);
    if (e != ERR_OK)
        return e;
    if (lifecycle_done(&t)) {
        snprintf(why, whylen, "Report %s is not running: it ended with %s.", id,
                 t.completion_status);
        store_task_clear(&t);
        return ERR_BAD_REQUEST;
    }
    int rc = store_task_finish(s, id, "TERMINATED", now_ms, 0, "[]");
    store_task_clear(&t);
    if (snap)
        snapshot_cancel(snap, id); /* its render stops; no file is kept */
    if (rc == STORE_NOT_FOUND) {
        /* It ended meanwhile, or a reset removed it. */
        if (store_task_get(s, id, &t) == STORE_NOT_FOUND)
            return ERR_NOT_FOUND;
        store_task_clear(&t);
        snprintf(why, whylen, "Report %s is not running.", id);
        return ERR_BAD_REQUEST;
    }
    return rc == 0 ? ERR_OK : ERR_INTERNAL;
}

struct due_list {
    char (*ids)[STORE_ID_LEN];
    int n;
};

static int due_one(void *ud, const struct store_task *t)
{
    struct due_list *l = ud;
    memcpy(l->ids[l->n++], t->id, STORE_ID_LEN);
    return 0;
}

int lifecycle_due(struct store *s, struct snapshot *snap, int64_t now_ms, int *more)
{
    struct due_list l = {calloc(LIFECYCLE_DUE_BATCH, STORE_ID_LEN), 0};
    int rc = -1;
    *more = 0;
    if (!l.ids)
        return -1;
    /* Listed first, ended after: the listing's callback may not call the store. */
    if (store_task_each_due(s, now_ms, LIFECYCLE_DUE_BATCH, due_one, &l) != STORE_OK)
        goto out;
    for (int i = 0; i < l.n; i++) {
        struct store_task t;
        enum err e = lifecycle_get(s, snap, l.ids[i], now_ms, 0, &t);
        if (e == ERR_OK)
            store_task_clear(&t);
        else if (e != ERR_NOT_FOUND) /* a reset removed it: not a failure */
            goto out;
    }
    *more = l.n == LIFECYCLE_DUE_BATCH;
    rc = 0;
out:
    free(l.ids);
    return rc;
}

static int add_time(cJSON *o, const char *key, int64_t ms)
{
    char when[CLOCK_RFC3339_LEN];
    if (ms <= 0)
        return cJSON_AddNullToObject(o, key) != NULL;
    clock_format(ms, when);
    return cJSON_AddStringToObject(o, key, when) != NULL;
}

static int add_string_or_null(cJSON *o, const char *key, const char *v)
{
    if (!v || !*v)
        return cJSON_AddNullToObject(o, key) != NULL;
    return cJSON_AddStringToObject(o, key, v) != NULL;
}

static int add_formats(cJSON *o, const char *formats)
{
    cJSON *arr = cJSON_AddArrayToObject(o, "availableFormats");
    if (!arr)
        return 0;
    char copy[16];
    snprintf(copy, sizeof(copy), "%s", formats[0] ? formats : "CSV,PDF");
    char *save = NULL;
    for (char *f = strtok_r(copy, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
        cJSON *item = cJSON_CreateString(f);
        if (!item)
            return 0;
        cJSON_AddItemToArray(arr, item);
    }
    return 1;
}

cJSON *lifecycle_task_json(const struct store_task *t, const char *org, int64_t now_ms)
{
    const struct report_type *type = report_type_find(t->report_type);
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    int ok = cJSON_AddStringToObject(o, "type", "QUARTZ") &&
             cJSON_AddStringToObject(o, "id", t->id) &&
             cJSON_AddStringToObject(o, "reportType", t->report_type) &&
             cJSON_AddStringToObject(o, "taskDefName", t->task_def_name) &&
             cJSON_AddStringToObject(o, "description", t->description) &&
             add_string_or_null(o, "parentName", type ? type->parent_name : NULL) &&
             cJSON_AddStringToObject(o, "launcher", t->launcher) &&
             add_time(o, "created", t->created_ms) && add_time(o, "launched", t->launched_ms) &&
             add_time(o, "completed", t->completed_ms) &&
             add_string_or_null(o, "completionStatus", t->completion_status);
    if (!ok)
        goto fail;
    cJSON *messages = cJSON_Parse(t->messages ? t->messages : "[]");
    if (!messages || !cJSON_IsArray(messages)) {
        cJSON_Delete(messages);
        messages = cJSON_CreateArray();
    }
    if (!messages || !cJSON_AddItemToObject(o, "messages", messages))
        goto fail;
    cJSON *attrs;
    if (!cJSON_AddArrayToObject(o, "returns") ||
        !(attrs = cJSON_AddObjectToObject(o, "attributes")) ||
        !cJSON_AddStringToObject(attrs, "org", org ? org : ""))
        goto fail;
    char progress[64] = "";
    if (!lifecycle_done(t)) {
        if (strcmp(t->progress, LIFECYCLE_WRITING) == 0 ||
            (t->polls_left < 0 && now_ms >= t->finish_at_ms))
            snprintf(progress, sizeof(progress), "%s", LIFECYCLE_WRITING);
        else if (t->polls_left >= 0 || t->finish_at_ms <= t->launched_ms ||
                 now_ms <= t->launched_ms)
            snprintf(progress, sizeof(progress), "%s",
                     t->progress[0] ? t->progress : "Initializing...");
        else
            snprintf(progress, sizeof(progress), "Processing: %d%%",
                     (int)((now_ms - t->launched_ms) * 100 / (t->finish_at_ms - t->launched_ms)));
    }
    if (!add_string_or_null(o, "progress", progress))
        goto fail;
    return o;
fail:
    cJSON_Delete(o);
    return NULL;
}

cJSON *lifecycle_results_json(const struct store_task *t)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    int ok = cJSON_AddStringToObject(o, "reportType", t->report_type) &&
             cJSON_AddStringToObject(o, "taskDefName", t->task_def_name) &&
             cJSON_AddStringToObject(o, "id", t->id) && add_time(o, "created", t->created_ms);
    const char *status = lifecycle_done(t) ? lifecycle_status(t->completion_status) : NULL;
    if (ok && status) {
        int64_t duration = t->completed_ms - t->launched_ms;
        ok = cJSON_AddStringToObject(o, "status", status) &&
             cJSON_AddNumberToObject(o, "duration", (double)(duration > 0 ? duration : 0)) &&
             cJSON_AddNumberToObject(o, "rows", (double)(t->rows > 0 ? t->rows : 0));
    }
    if (!ok || !add_formats(o, t->formats)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

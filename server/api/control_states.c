/*
 * control_states.c - the /mock/snapshots routes: save the whole state under
 * a name, list, download, restore and delete snapshots. The folder and what
 * a save or restore does are api/states.c; this file reads bodies and names
 * and shapes the answers.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "app.h"
#include "control_body.h"
#include "control_routes.h"
#include "states.h"

/* {"name", "created", "clock", "bytes", "journal", "tasks", "files"} */
static cJSON *item_json(const struct states_item *it)
{
    cJSON *o = cJSON_CreateObject();
    int ok = o && cJSON_AddStringToObject(o, "name", it->info.name) &&
             control_add_time(o, "created", it->info.created_ms, 1) &&
             control_add_time(o, "clock", it->info.clock_ms, 1) &&
             cJSON_AddNumberToObject(o, "bytes", (double)it->bytes) &&
             cJSON_AddBoolToObject(o, "journal", it->info.journal) &&
             cJSON_AddNumberToObject(o, "tasks", (double)it->info.tasks) &&
             cJSON_AddNumberToObject(o, "files", (double)it->info.files);
    return control_json_done(o, ok);
}

static int add_item(void *ud, const struct states_item *it)
{
    return control_list_add(ud, item_json(it));
}

/* The {id} of /mock/snapshots/{id}, checked; else a 400 in rs. */
static enum err snapshot_name(const struct api_req *rq, struct api_res *rs)
{
    if (!rq->param || !states_name_ok(rq->param))
        return api_fail(rs, ERR_BAD_REQUEST, "A snapshot name is " STATES_NAME_RULE ".");
    return ERR_OK;
}

/* GET /mock/snapshots: {"snapshots": [...]}, by name. */
enum err api_mock_snapshots_get(struct api_req *rq, struct api_res *rs)
{
    static const char *const none[] = {NULL};
    struct control_list l;
    enum err e = control_query_known(rq, none, rs);
    if (e != ERR_OK)
        return e;
    cJSON *o = control_list_start("snapshots", &l);
    return control_list_answer(rs, o, o ? states_each(rq->app, add_item, &l) : -1, &l);
}

struct save_body {
    char name[STORE_STATE_NAME_MAX + 1];
    int journal;
};

static int name_char(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

enum { F_NAME, F_JOURNAL };
static const struct body_field save_fields[] = {
    [F_NAME] = {"name", BODY_TEXT, BODY_AT(struct save_body, name), .chars = name_char,
                .required = 1},
    [F_JOURNAL] = {"journal", BODY_BOOL, BODY_AT(struct save_body, journal)},
};

/* POST /mock/snapshots {"name", "journal"?}: saves (201), replacing one of that name. */
enum err api_mock_snapshots_post(struct api_req *rq, struct api_res *rs)
{
    cJSON *body = NULL;
    struct save_body b = {"", 0};
    struct states_item it;
    unsigned given;
    char why[512];
    enum err e = control_body_object(rq, rs, &body);
    if (e == ERR_OK)
        e = control_body_parse(body, save_fields, sizeof(save_fields) / sizeof(save_fields[0]),
                               NULL, &b, &given, rs);
    cJSON_Delete(body);
    if (e != ERR_OK)
        return e;
    if (!states_name_ok(b.name))
        return api_fail(rs, ERR_BAD_REQUEST, "Field 'name' must be " STATES_NAME_RULE ".");
    switch (states_save(rq->app, b.name, b.journal, &it, why, sizeof(why))) {
    case STATES_OK:
        return api_json(rs, 201, item_json(&it));
    case STATES_FULL:
        return api_fail(rs, ERR_BAD_REQUEST,
                        "%d snapshots are kept already; delete one (DELETE /mock/snapshots/NAME) "
                        "or save under an existing name.",
                        STATES_MAX);
    default:
        return api_fail(rs, ERR_INTERNAL, "snapshot %s: %s", b.name, why);
    }
}

/* GET /mock/snapshots/{name}: the snapshot file (a SQLite database). */
enum err api_mock_snapshot_get(struct api_req *rq, struct api_res *rs)
{
    static const char *const none[] = {NULL};
    struct states_item it;
    char path[4300], disposition[400];
    enum err e = snapshot_name(rq, rs);
    if (e == ERR_OK)
        e = control_query_known(rq, none, rs);
    if (e != ERR_OK)
        return e;
    int rc = states_get(rq->app, rq->param, &it);
    if (rc == STATES_NONE)
        return api_fail(rs, ERR_NOT_FOUND, "No snapshot %s.", rq->param);
    if (rc != STATES_OK || states_path(rq->app->states, rq->param, path, sizeof(path)) != 0)
        return api_fail(rs, ERR_INTERNAL, "snapshot %s cannot be read", rq->param);
    /* Sent as the report files are: from the descriptor, with its length. */
    struct stat sb;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT
                   ? api_fail(rs, ERR_NOT_FOUND, "No snapshot %s.", rq->param)
                   : api_fail(rs, ERR_INTERNAL, "snapshot %s: %s", rq->param, strerror(errno));
    if (fstat(fd, &sb) != 0) {
        int saved = errno;
        close(fd);
        return api_fail(rs, ERR_INTERNAL, "snapshot %s: %s", rq->param, strerror(saved));
    }
    rs->status = 200;
    rs->content_type = "application/vnd.sqlite3";
    rs->file.fd = fd;
    rs->file.size = (uint64_t)sb.st_size;
    if (api_content_disposition(rq->param, "snapshot", "sqlite", disposition,
                                sizeof(disposition)) == 0)
        api_res_header(rs, "Content-Disposition", "%s", disposition);
    return ERR_OK;
}

/* DELETE /mock/snapshots/{name}: 204, or 404 when none. */
enum err api_mock_snapshot_delete(struct api_req *rq, struct api_res *rs)
{
    enum err e = snapshot_name(rq, rs);
    if (e != ERR_OK)
        return e;
    int rc = states_delete(rq->app, rq->param);
    return control_deleted(rs,
                           rc == STATES_OK     ? 0
                           : rc == STATES_NONE ? 1
                                               : -1,
                           "No snapshot %s.", rq->param);
}

/* POST /mock/snapshots/{name}/restore (no body, or {}): the state comes back. */
enum err api_mock_snapshot_restore(struct api_req *rq, struct api_res *rs)
{
    struct states_item it;
    char why[512];
    enum err e = snapshot_name(rq, rs);
    if (e == ERR_OK && rq->body_len > 0) {
        cJSON *body = NULL;
        unsigned given;
        if ((e = control_body_object(rq, rs, &body)) == ERR_OK)
            e = control_body_parse(body, NULL, 0, NULL, NULL, &given, rs);
        cJSON_Delete(body);
    }
    if (e != ERR_OK)
        return e;
    switch (states_restore(rq->app, rq->param, &it, why, sizeof(why))) {
    case STATES_OK:
        break;
    case STATES_NONE:
        return api_fail(rs, ERR_NOT_FOUND, "No snapshot %s.", rq->param);
    default:
        return api_fail(rs, ERR_INTERNAL, "snapshot %s: %s", rq->param, why);
    }
    app_settle(rq->app); /* tasks due at the restored instant end first, as after a reset */
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddStringToObject(o, "status", "restored") ||
        !cJSON_AddItemToObject(o, "snapshot", item_json(&it))) {
        cJSON_Delete(o);
        return ERR_INTERNAL;
    }
    return api_json(rs, 200, o);
}

/*
 * control_clients.c - API clients: /mock/clients (all, with secrets; add or
 * replace one) and /mock/clients/{id} (one, or remove it). Also the user
 * context rules that minted tokens share (control_principal.h). Removing a
 * client leaves the tokens it was issued valid.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "../core/ids.h"
#include "../store/store.h"
#include "api.h"
#include "app.h"
#include "control_body.h"
#include "control_principal.h"
#include "control_routes.h"

static const struct body_field client_fields[] = {
    {"clientId", BODY_TEXT, BODY_AT(struct principal_body, c.client_id), .chars = control_id_char,
     .required = 1},
    {"clientSecret", BODY_TEXT, BODY_AT(struct principal_body, c.secret),
     .chars = control_token_char, .required = 1},
    {"name", BODY_TEXT, BODY_AT(struct principal_body, c.name)},
    {"scopes", BODY_CUSTOM, BODY_AT(struct principal_body, c.scopes),
     .parse = control_parse_scopes},
    PRINCIPAL_USER_ROWS,
};

/* 1 when `s` is 32 lowercase hex digits. */
static int is_hex32(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
            return 0;
    return n == 32;
}

enum err control_principal_apply(const struct principal_body *pb, struct store_client *c,
                                 struct api_res *rs)
{
    const struct store_client *g = &pb->c;
    struct store_client u = *c;
    int user_fields = g->user_level[0] || g->user_name[0] || g->identity_id[0];
    if (pb->user_context >= 0)
        u.user_context = pb->user_context;
    if (!u.user_context && user_fields)
        return api_fail(rs, ERR_BAD_REQUEST,
                        "Fields 'userLevel', 'userName' and 'identityId' need userContext true.");
    if (g->identity_id[0] && !is_hex32(g->identity_id))
        return api_fail(rs, ERR_BAD_REQUEST,
                        "Field 'identityId' must be 32 lowercase hexadecimal digits.");
    if (!u.user_context) {
        u.user_level[0] = u.user_name[0] = u.identity_id[0] = '\0';
        *c = u;
        return ERR_OK;
    }
    if (g->user_level[0])
        memcpy(u.user_level, g->user_level, sizeof(u.user_level));
    if (g->user_name[0])
        memcpy(u.user_name, g->user_name, sizeof(u.user_name));
    if (g->identity_id[0])
        memcpy(u.identity_id, g->identity_id, sizeof(u.identity_id));
    if (!u.user_name[0])
        snprintf(u.user_name, sizeof(u.user_name), "%s", u.client_id);
    if (!u.identity_id[0])
        ids_hex32(u.identity_id);
    *c = u;
    return ERR_OK;
}

static cJSON *client_json(const struct store_client *c)
{
    cJSON *o = cJSON_CreateObject();
    int ok = o && cJSON_AddStringToObject(o, "clientId", c->client_id) &&
             cJSON_AddStringToObject(o, "clientSecret", c->secret) &&
             cJSON_AddStringToObject(o, "name", c->name) &&
             cJSON_AddBoolToObject(o, "userContext", c->user_context) &&
             cJSON_AddStringToObject(o, "scopes", c->scopes) &&
             control_add_str(o, "userLevel", c->user_level) &&
             control_add_str(o, "userName", c->user_name) &&
             control_add_str(o, "identityId", c->identity_id);
    return control_json_done(o, ok);
}

static int add_client(void *ud, const struct store_client *c)
{
    return control_list_add(ud, client_json(c));
}

/* GET /mock/clients: all, secrets included. */
enum err api_mock_clients_get(struct api_req *rq, struct api_res *rs)
{
    struct control_list l;
    cJSON *o = control_list_start("clients", &l);
    return control_list_answer(rs, o, o ? store_client_each(rq->app->store, add_client, &l) : -1,
                               &l);
}

/* POST /mock/clients: adds one (201) or replaces one (200). */
enum err api_mock_clients_post(struct api_req *rq, struct api_res *rs)
{
    struct app *app = rq->app;
    cJSON *body = NULL;
    struct principal_body pb = {.user_context = -1};
    struct store_client c, old;
    unsigned given;
    enum err e = control_body_object(rq, rs, &body);
    if (e == ERR_OK)
        e = control_body_parse(body, client_fields,
                               sizeof(client_fields) / sizeof(client_fields[0]), NULL, &pb, &given,
                               rs);
    c = pb.c;
    c.user_level[0] = c.user_name[0] = c.identity_id[0] = '\0';
    if (e == ERR_OK && (e = control_principal_apply(&pb, &c, rs)) == ERR_OK) {
        int existed = store_client_get(app->store, c.client_id, &old);
        if (existed < 0 || store_client_put(app->store, &c) != 0)
            e = ERR_INTERNAL;
        else
            e = api_json(rs, existed == 0 ? 200 : 201, client_json(&c));
    }
    cJSON_Delete(body);
    return e;
}

/* The {id} of /mock/clients/{id}; NULL (after a 404 in rs) when too long. */
static const char *client_id(const struct api_req *rq, struct api_res *rs)
{
    const char *id = rq->param ? rq->param : "";
    if (strlen(id) < sizeof(((struct store_client *)0)->client_id))
        return id;
    api_fail(rs, ERR_NOT_FOUND, "No client '%.128s'.", id);
    return NULL;
}

/* GET /mock/clients/{id}: one client; 404 when none. */
enum err api_mock_client_get(struct api_req *rq, struct api_res *rs)
{
    struct store_client c;
    const char *id = client_id(rq, rs);
    if (!id)
        return ERR_NOT_FOUND;
    int rc = store_client_get(rq->app->store, id, &c);
    if (rc == 1)
        return api_fail(rs, ERR_NOT_FOUND, "No client '%.128s'.", id);
    return rc == 0 ? api_json(rs, 200, client_json(&c)) : ERR_INTERNAL;
}

/* DELETE /mock/clients/{id}: removes it; 404 when none. */
enum err api_mock_client_delete(struct api_req *rq, struct api_res *rs)
{
    const char *id = client_id(rq, rs);
    if (!id)
        return ERR_NOT_FOUND;
    return control_deleted(rs, store_client_delete(rq->app->store, id), "No client '%.128s'.", id);
}

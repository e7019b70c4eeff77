/*
 * config.c - the configuration file (see config.h): reading it, checking
 * every member before anything starts, giving its settings to the options
 * table, applying its sections through the control API's handlers, finding
 * the line of a member for error messages, and printing the effective
 * configuration back as a file of the same form.
 *
 * Settings are checked by the same rows that parse flags (options_set), and
 * sections by the same handlers that serve /mock/, so a config file cannot
 * accept anything the flags or the control API would refuse.
 */
#include "config.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../store/store.h"
#include "api.h"
#include "app.h"
#include "control_routes.h"
#include "evidence.h"
#include "options.h"

#define CONFIG_FILE_MAX (4L << 20) /* a larger config file is refused */

struct config {
    char *path;
    char *text;
    cJSON *root;
};

/* The sections: name, JSON type of the section, JSON type of each entry. */
static const struct {
    const char *name;
    int is_object; /* 1: an object of entries keyed by report type; 0: an array */
} sections[] = {
    {"clients", 0},
    {"reports", 1},
    {"faults", 0},
    {"tasks", 0},
};

/* ---- finding lines ---- */

struct frame {
    int is_array;
    int index;
    size_t path_len; /* the path of the container itself */
};

/* Sets path to the container's path plus "[index]" or ".key" (n bytes). */
static void path_step(char *path, size_t cap, const struct frame *f, const char *key, size_t n)
{
    if (f->is_array)
        snprintf(path + f->path_len, cap - f->path_len, "[%d]", f->index);
    else
        snprintf(path + f->path_len, cap - f->path_len, "%s%.*s", f->path_len ? "." : "", (int)n,
                 key);
}

int config_line(const char *text, const char *want)
{
    char path[512] = "";
    struct frame st[64];
    int depth = 0, line = 1, pending = 0;
    for (const char *p = text; p && *p; p++) {
        if (*p == '\n') {
            line++;
            continue;
        }
        if (*p == ' ' || *p == '\t' || *p == '\r')
            continue;
        if (pending && *p != ']' && strcmp(path, want) == 0)
            return line;
        pending = 0;
        if (*p == '"') {
            const char *start = ++p;
            while (*p && *p != '"')
                p += (*p == '\\' && p[1]) ? 2 : 1;
            size_t n = (size_t)(p - start);
            const char *q = *p ? p + 1 : p;
            q += strspn(q, " \t\r\n");
            if (*q == ':' && depth > 0 && !st[depth - 1].is_array) {
                path_step(path, sizeof(path), &st[depth - 1], start, n);
                if (strcmp(path, want) == 0)
                    return line;
            }
            if (!*p)
                break;
        } else if ((*p == '{' || *p == '[') && depth < 64) {
            st[depth] = (struct frame){*p == '[', 0, strlen(path)};
            if (*p == '[') {
                path_step(path, sizeof(path), &st[depth], NULL, 0);
                pending = 1;
            }
            depth++;
        } else if ((*p == '}' || *p == ']') && depth > 0) {
            depth--;
            path[st[depth].path_len] = '\0';
        } else if (*p == ',' && depth > 0 && st[depth - 1].is_array) {
            st[depth - 1].index++;
            path_step(path, sizeof(path), &st[depth - 1], NULL, 0);
            pending = 1;
        }
    }
    return 0;
}

/* ---- reading ---- */

static char *read_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    long size = -1;
    if (!f) {
        err_why(err, errlen, "config %s: cannot be read", path);
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && size < CONFIG_FILE_MAX &&
        fseek(f, 0, SEEK_SET) == 0 && (text = malloc((size_t)size + 1)) != NULL &&
        fread(text, 1, (size_t)size, f) == (size_t)size) {
        text[size] = '\0';
    } else {
        free(text);
        text = NULL;
        err_why(err, errlen, "config %s: cannot be read (or larger than %ld bytes)", path,
                CONFIG_FILE_MAX);
    }
    fclose(f);
    return text;
}

/* The line of the JSON text at `at` (a parse error's position). */
static int line_at(const char *text, const char *at)
{
    int line = 1;
    for (const char *p = text; p < at && *p; p++)
        line += *p == '\n';
    return line;
}

/* One setting: its JSON value as flag text, then options_set. 0 or -1. */
static int read_setting(struct config *c, const cJSON *item, struct app_config *cfg, char *err,
                        size_t errlen)
{
    char from[300], num[32], why[400] = "";
    const char *name = item->string;
    int line = config_line(c->text, name);
    snprintf(from, sizeof(from), "config %.120s line %d: '%.100s'", c->path, line, name);
    switch (options_type(name)) {
    case OPTIONS_T_NONE:
        err_why(err, errlen, "%s is not a setting", from);
        return -1;
    case OPTIONS_T_STRING:
        if (!cJSON_IsString(item)) {
            err_why(err, errlen, "%s must be a string", from);
            return -1;
        }
        return options_set(cfg, name, item->valuestring, from, err, errlen);
    case OPTIONS_T_INT:
        if (!cJSON_IsNumber(item) || item->valuedouble != (double)(long long)item->valuedouble) {
            err_why(err, errlen, "%s must be a whole number", from);
            return -1;
        }
        snprintf(num, sizeof(num), "%lld", (long long)item->valuedouble);
        return options_set(cfg, name, num, from, err, errlen);
    case OPTIONS_T_BOOL:
        if (!cJSON_IsBool(item)) {
            err_why(err, errlen, "%s must be true or false", from);
            return -1;
        }
        return options_set(cfg, name, cJSON_IsTrue(item) ? "1" : "0", from, err, errlen);
    case OPTIONS_T_LIST:
        if (cJSON_IsString(item))
            return options_set(cfg, name, item->valuestring, from, err, errlen);
        const cJSON *v;
        if (!cJSON_IsArray(item))
            snprintf(why, sizeof(why), "%s must be a string or an array of strings", from);
        cJSON_ArrayForEach(v, item)
        {
            if (why[0] || !cJSON_IsString(v))
                snprintf(why, sizeof(why), "%s must be a string or an array of strings", from);
            else if (options_set(cfg, name, v->valuestring, from, err, errlen) != 0)
                return -1;
        }
        if (why[0])
            err_why(err, errlen, "%s", why);
        return why[0] ? -1 : 0;
    }
    return -1;
}

/* One section: the right container, holding objects. 0 or -1. */
static int check_section(const struct config *c, const cJSON *item, int is_object, char *err,
                         size_t errlen)
{
    const char *name = item->string;
    if (is_object ? !cJSON_IsObject(item) : !cJSON_IsArray(item)) {
        err_why(err, errlen, "config %s line %d: '%s' must be %s", c->path,
                config_line(c->text, name), name,
                is_object ? "an object of behaviours keyed by report type" : "an array of objects");
        return -1;
    }
    const cJSON *e;
    int i = 0;
    cJSON_ArrayForEach(e, item)
    {
        char path[160];
        if (is_object)
            snprintf(path, sizeof(path), "%s.%s", name, e->string);
        else
            snprintf(path, sizeof(path), "%s[%d]", name, i);
        if (!cJSON_IsObject(e)) {
            err_why(err, errlen, "config %s line %d: '%s' must be an object", c->path,
                    config_line(c->text, path), path);
            return -1;
        }
        i++;
    }
    return 0;
}

static int is_section(const char *name, int *is_object)
{
    for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
        if (strcmp(sections[i].name, name) == 0) {
            *is_object = sections[i].is_object;
            return 1;
        }
    return 0;
}

struct config *config_read(const char *path, struct app_config *cfg, char *err, size_t errlen)
{
    struct config *c = calloc(1, sizeof(*c));
    if (!c || !(c->path = strdup(path))) {
        err_why(err, errlen, "out of memory");
        goto fail;
    }
    if (!(c->text = read_file(path, err, errlen)))
        goto fail;
    const char *end = NULL;
    c->root = cJSON_ParseWithOpts(c->text, &end, 1);
    if (!c->root) {
        err_why(err, errlen, "config %s line %d: not valid JSON", path,
                line_at(c->text, end ? end : c->text));
        goto fail;
    }
    if (!cJSON_IsObject(c->root)) {
        err_why(err, errlen, "config %s line 1: must be a JSON object", path);
        goto fail;
    }
    const cJSON *item;
    cJSON_ArrayForEach(item, c->root)
    {
        int is_object = 0;
        int rc = is_section(item->string, &is_object)
                     ? check_section(c, item, is_object, err, errlen)
                     : read_setting(c, item, cfg, err, errlen);
        if (rc != 0)
            goto fail;
    }
    return c;
fail:
    config_free(c);
    return NULL;
}

void config_free(struct config *c)
{
    if (!c)
        return;
    cJSON_Delete(c->root);
    free(c->text);
    free(c->path);
    free(c);
}

/* ---- applying the sections ---- */

static const char *no_query(const struct api_req *rq, const char *key)
{
    (void)rq;
    (void)key;
    return NULL;
}

static const char *no_query_key(const struct api_req *rq, unsigned i)
{
    (void)rq;
    (void)i;
    return NULL;
}

static const char *json_header(const struct api_req *rq, const char *key)
{
    (void)rq;
    return strcasecmp(key, "Content-Type") == 0 ? "application/json" : NULL;
}

/* Runs `handler` on `body` as if it had come to the control API. */
static enum err call(struct app *app, api_handler handler, const char *param, const cJSON *body,
                     const struct auth_principal *who, char *why, size_t whylen)
{
    char *text = cJSON_PrintUnformatted(body);
    if (!text)
        return ERR_INTERNAL;
    struct api_req rq = {
        .app = app,
        .method = "POST",
        .path = "/mock/",
        .param = param,
        .body = text,
        .body_len = strlen(text),
        .query = no_query,
        .header = json_header,
        .query_key = no_query_key,
        .principal = who,
    };
    struct api_res rs;
    api_res_init(&rs);
    enum err e = handler(&rq, &rs);
    snprintf(why, whylen, "%s", rs.err_text[0] ? rs.err_text : err_info(e)->text);
    api_res_free(&rs);
    cJSON_free(text);
    return e;
}

/* The members of a tasks entry that make its one-shot plan. */
static const char *const plan_members[] = {"outcome", "durationMs", "polls", "messages"};

static int is_plan_member(const char *name)
{
    for (size_t i = 0; i < sizeof(plan_members) / sizeof(plan_members[0]); i++)
        if (strcmp(plan_members[i], name) == 0)
            return 1;
    return 0;
}

/* A tasks entry: a one-shot plan for its type, then startReport as its client. */
static enum err preload_task(struct app *app, const cJSON *entry, char *why, size_t whylen)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(entry, "clientId");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(entry, "reportType");
    struct store_client client;
    struct auth_principal who;
    enum err e = ERR_INTERNAL;
    cJSON *plan = cJSON_CreateObject(), *run = cJSON_CreateObject();
    if (id && !cJSON_IsString(id)) {
        snprintf(why, whylen, "'clientId' must be a string");
        e = ERR_BAD_REQUEST;
        goto out;
    }
    const char *client_id = id ? id->valuestring : "demo-admin";
    if (store_client_get(app->store, client_id, &client) != 0) {
        snprintf(why, whylen, "no client '%.128s' (add it under \"clients\")", client_id);
        e = ERR_BAD_REQUEST;
        goto out;
    }
    const cJSON *m;
    cJSON_ArrayForEach(m, entry)
    {
        if (strcmp(m->string, "clientId") == 0)
            continue;
        cJSON *copy = cJSON_Duplicate(m, 1);
        if (!copy ||
            !cJSON_AddItemToObject(is_plan_member(m->string) ? plan : run, m->string, copy)) {
            cJSON_Delete(copy);
            goto out;
        }
    }
    if (!cJSON_GetObjectItemCaseSensitive(plan, "polls") &&
        !cJSON_GetObjectItemCaseSensitive(plan, "durationMs") &&
        !cJSON_AddNumberToObject(plan, "durationMs", 0)) /* finished from the start */
        goto out;
    if (type && !cJSON_AddItemToObject(plan, "reportType", cJSON_Duplicate(type, 1)))
        goto out;
    e = call(app, api_mock_next_post, NULL, plan, NULL, why, whylen);
    if (e != ERR_OK)
        goto out;
    memset(&who, 0, sizeof(who));
    snprintf(who.client_id, sizeof(who.client_id), "%s", client.client_id);
    snprintf(who.user_name, sizeof(who.user_name), "%s", client.user_name);
    who.user_context = client.user_context;
    e = call(app, api_report_run, NULL, run, &who, why, whylen);
out:
    cJSON_Delete(plan);
    cJSON_Delete(run);
    return e;
}

static enum err apply_entry(struct app *app, const char *section, const cJSON *entry, char *why,
                            size_t whylen)
{
    if (strcmp(section, "clients") == 0)
        return call(app, api_mock_clients_post, NULL, entry, NULL, why, whylen);
    if (strcmp(section, "reports") == 0)
        return call(app, api_mock_report_type_put, entry->string, entry, NULL, why, whylen);
    if (strcmp(section, "faults") == 0)
        return call(app, api_mock_faults_post, NULL, entry, NULL, why, whylen);
    return preload_task(app, entry, why, whylen);
}

int config_apply(struct app *app, const struct config *c, char *err, size_t errlen)
{
    if (!c)
        return 0;
    /* In the order of the sections table: clients before the tasks they launch. */
    for (size_t s = 0; s < sizeof(sections) / sizeof(sections[0]); s++) {
        const cJSON *entry;
        int i = 0;
        cJSON_ArrayForEach(entry, cJSON_GetObjectItemCaseSensitive(c->root, sections[s].name))
        {
            char why[512] = "", path[160];
            enum err e = apply_entry(app, sections[s].name, entry, why, sizeof(why));
            if (sections[s].is_object)
                snprintf(path, sizeof(path), "%s.%s", sections[s].name, entry->string);
            else
                snprintf(path, sizeof(path), "%s[%d]", sections[s].name, i);
            if (e != ERR_OK) {
                err_why(err, errlen, "config %s line %d: '%s': %s", c->path,
                        config_line(c->text, path), path, why);
                return -1;
            }
            i++;
        }
    }
    return 0;
}

/* ---- printing ---- */

/* Replaces, in place, the values of secret members by "***". */
static void mask(cJSON *item)
{
    cJSON *m;
    cJSON_ArrayForEach(m, item)
    {
        if (m->string && evidence_secret_name(m->string, strlen(m->string)) && cJSON_IsString(m))
            cJSON_SetValuestring(m, EVIDENCE_MASK);
        else
            mask(m);
    }
}

int config_print(FILE *out, const struct app_config *cfg)
{
    cJSON *o = options_json(cfg);
    const struct config *c = cfg->config;
    for (size_t s = 0; o && c && s < sizeof(sections) / sizeof(sections[0]); s++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(c->root, sections[s].name);
        cJSON *copy = v ? cJSON_Duplicate(v, 1) : NULL;
        if (copy)
            mask(copy);
        if (copy && !cJSON_AddItemToObject(o, sections[s].name, copy))
            cJSON_Delete(copy);
    }
    char *text = o ? cJSON_Print(o) : NULL;
    cJSON_Delete(o);
    if (!text)
        return -1;
    /* cJSON indents with tabs and writes ":\t": two spaces and ": " read better.
     * A tab inside a string is escaped, so every raw tab is layout. */
    for (const char *p = text; *p; p++) {
        if (*p != '\t')
            fputc(*p, out);
        else
            fputs(p > text && p[-1] == ':' ? " " : "  ", out);
    }
    fputc('\n', out);
    cJSON_free(text);
    return 0;
}

/*
 * control_types.c - GET /mock/reports/types: the report types this server
 * runs, read from the report definition table (reports/report.h): each
 * type's names, the arguments a startReport body may carry (name, kind,
 * required), the formats it offers and whether its download is a zip; then
 * the file formats and the search indices. A client (the console at
 * /mock/ui) builds its start form from it. Read only; no state.
 */
#include <cjson/cJSON.h>

#include "../reports/report.h"
#include "api.h"
#include "control_body.h"
#include "control_routes.h"

/* How each argument kind is named in the answer: one table. */
static const char *const arg_kinds[] = {
    [REPORT_ARG_STRING] = "string",   [REPORT_ARG_BOOL] = "boolean",
    [REPORT_ARG_FORMATS] = "formats", [REPORT_ARG_INDICES] = "indices",
    [REPORT_ARG_STRINGS] = "fields",  [REPORT_ARG_QUERY] = "string", /* a string to the client */
};

/* Adds `item` (consumed, NULL allowed) to o as `key`; 1, or 0 on OOM. */
static int add_owned(cJSON *o, const char *key, cJSON *item)
{
    if (item && cJSON_AddItemToObject(o, key, item))
        return 1;
    cJSON_Delete(item);
    return 0;
}

/* The arguments of type t as an array; NULL on OOM. */
static cJSON *args_json(const struct report_type *t)
{
    cJSON *arr = cJSON_CreateArray();
    int ok = arr != NULL;
    for (const struct report_arg *a = t->args; ok && a->name; a++) {
        cJSON *o = cJSON_CreateObject();
        ok = o && cJSON_AddItemToArray(arr, o) && cJSON_AddStringToObject(o, "name", a->name) &&
             cJSON_AddStringToObject(o, "kind", arg_kinds[a->kind]) &&
             cJSON_AddBoolToObject(o, "required", a->required);
    }
    return control_json_done(arr, ok);
}

/* The names of the formats in the set `bits`; NULL on OOM. */
static cJSON *formats_json(unsigned bits)
{
    cJSON *arr = cJSON_CreateArray();
    int ok = arr != NULL;
    const struct report_format *f;
    for (size_t i = 0; ok && (f = report_format_at(i)) != NULL; i++)
        if (bits & f->bit)
            ok = cJSON_AddItemToArray(arr, cJSON_CreateString(f->name));
    return control_json_done(arr, ok);
}

/* One type; NULL on OOM. */
static cJSON *type_json(const struct report_type *t)
{
    cJSON *o = cJSON_CreateObject();
    int ok = o && cJSON_AddStringToObject(o, "reportType", t->name) &&
             cJSON_AddStringToObject(o, "taskDefName", t->task_def_name) &&
             cJSON_AddStringToObject(o, "description", t->description) &&
             add_owned(o, "arguments", args_json(t)) &&
             add_owned(o, "formats", formats_json(t->formats)) &&
             cJSON_AddBoolToObject(o, "zip", t->zip);
    return control_json_done(o, ok);
}

/* The file formats, with the fileFormat a download names; NULL on OOM. */
static cJSON *file_formats_json(void)
{
    cJSON *arr = cJSON_CreateArray();
    int ok = arr != NULL;
    const struct report_format *f;
    for (size_t i = 0; ok && (f = report_format_at(i)) != NULL; i++) {
        cJSON *o = cJSON_CreateObject();
        ok = o && cJSON_AddItemToArray(arr, o) && cJSON_AddStringToObject(o, "name", f->name) &&
             cJSON_AddStringToObject(o, "fileFormat", f->file_format) &&
             cJSON_AddStringToObject(o, "contentType", f->content_type);
    }
    return control_json_done(arr, ok);
}

/* The search indices SEARCH_EXPORT reads; NULL on OOM. */
static cJSON *indices_json(void)
{
    cJSON *arr = cJSON_CreateArray();
    int ok = arr != NULL;
    const struct report_index *x;
    for (size_t i = 0; ok && (x = report_index_at(i)) != NULL; i++)
        ok = cJSON_AddItemToArray(arr, cJSON_CreateString(x->name));
    return control_json_done(arr, ok);
}

/* GET /mock/reports/types: {"types": [...], "formats": [...], "indices": [...]}. */
enum err api_mock_report_types(struct api_req *rq, struct api_res *rs)
{
    static const char *const none[] = {NULL};
    enum err e = control_query_known(rq, none, rs);
    if (e != ERR_OK)
        return e;
    cJSON *o = cJSON_CreateObject(), *arr = o ? cJSON_AddArrayToObject(o, "types") : NULL;
    int ok = arr != NULL;
    const struct report_type *t;
    for (size_t i = 0; ok && (t = report_type_at(i)) != NULL; i++)
        ok = cJSON_AddItemToArray(arr, type_json(t));
    ok = ok && add_owned(o, "formats", file_formats_json()) &&
         add_owned(o, "indices", indices_json());
    if (!ok) {
        cJSON_Delete(o);
        return ERR_INTERNAL;
    }
    return api_json(rs, 200, o);
}

/*
 * rows.c - the rows of a report (see rows.h): a definition row (report.h)
 * and the task's arguments become one tenant query per part
 * (store/tenant.h), which this file pages through.
 *
 * A type with a dataset is one part: its columns, its sort, and a filter
 * made from its source argument or its boolean field. SEARCH_EXPORT asks
 * search_export.c for its parts. Owns its parts (with copies of their labels
 * and names) and their plans; holds the store lock only inside one count or
 * one page.
 */
#include "rows.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../store/tenant.h"
#include "search_export.h"

struct rows_part {
    struct report_part pub;
    char *name;
    char **labels;
    struct tenant_plan *plan;
};

struct report_rows {
    struct store *store;
    struct rows_part *parts;
    size_t nparts;
};

void report_rows_close(struct report_rows *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nparts; i++) {
        struct rows_part *p = &r->parts[i];
        for (size_t k = 0; p->labels && k < p->pub.ncolumns; k++)
            free(p->labels[k]);
        free(p->labels);
        free(p->name);
        tenant_plan_free(p->plan);
    }
    free(r->parts);
    free(r);
}

size_t report_rows_parts(const struct report_rows *r)
{
    return r->nparts;
}

const struct report_part *report_rows_part(const struct report_rows *r, size_t i)
{
    return &r->parts[i].pub;
}

/* Appends a part for `q` with the header `labels` (q->nfields of them):
 * ERR_OK, or the compiler's refusal or ERR_INTERNAL with the reason in why. */
static enum err add_part(struct report_rows *r, const char *title, const char *name,
                         const char *const *labels, const struct tenant_query *q, char *why,
                         size_t whylen)
{
    struct rows_part *p = realloc(r->parts, (r->nparts + 1) * sizeof(*p));
    int rc;
    if (!p)
        return ERR_INTERNAL;
    r->parts = p;
    p = &r->parts[r->nparts++];
    memset(p, 0, sizeof(*p));
    if (!(p->labels = calloc(q->nfields ? q->nfields : 1, sizeof(*p->labels))))
        return ERR_INTERNAL;
    p->pub.ncolumns = q->nfields;
    for (size_t i = 0; i < q->nfields; i++)
        if (!(p->labels[i] = strdup(labels[i])))
            return ERR_INTERNAL;
    if (name && !(p->name = strdup(name)))
        return ERR_INTERNAL;
    p->pub.name = p->name;
    p->pub.title = title;
    p->pub.labels = (const char *const *)p->labels;
    rc = tenant_plan_new(q, &p->plan, why, whylen);
    return rc == 0 ? ERR_OK : (rc > 0 ? ERR_BAD_REQUEST : ERR_INTERNAL);
}

struct export_ctx {
    struct report_rows *rows;
    const char *title;
    char *why;
    size_t whylen;
};

static enum err add_export_part(void *ud, const char *index, const struct tenant_query *q)
{
    struct export_ctx *c = ud;
    return add_part(c->rows, c->title, index, q->fields, q, c->why, c->whylen);
}

/* The filter of a type with a dataset: NULL (every row) or *leaf. */
static enum err fixed_filter(struct store *s, const struct report_type *t, const cJSON *args,
                             struct tenant_filter *leaf, char *why, size_t whylen)
{
    const cJSON *v;
    int rc;
    leaf->op = TENANT_EQ;
    if (t->only) {
        leaf->field = (char *)t->only;
        leaf->value = "true";
        v = t->only_when ? cJSON_GetObjectItemCaseSensitive(args, t->only_when) : NULL;
        if (t->only_when && !cJSON_IsTrue(v))
            leaf->op = TENANT_MATCH_ALL;
        return ERR_OK;
    }
    if (!t->source_arg) {
        leaf->op = TENANT_MATCH_ALL;
        return ERR_OK;
    }
    v = cJSON_GetObjectItemCaseSensitive(args, t->source_arg);
    if (!cJSON_IsString(v)) {
        err_why(why, whylen, "the report arguments name no source");
        return ERR_BAD_REQUEST;
    }
    if ((rc = tenant_source_get(s, v->valuestring, NULL, 0)) > 0)
        err_why(why, whylen, "there is no source with id '%.64s'", v->valuestring);
    if (rc != 0)
        return rc > 0 ? ERR_BAD_REQUEST : ERR_INTERNAL;
    leaf->field = "source.id";
    leaf->value = v->valuestring;
    return ERR_OK;
}

/* Puts columns (NULL: none) after the n fields and labels there are. */
static size_t put_columns(const struct report_column *c, const char **fields, const char **labels,
                          size_t n)
{
    for (; c && c->label && n < TENANT_MAX_FIELDS; c++, n++) {
        fields[n] = c->field;
        labels[n] = c->label;
    }
    return n;
}

/* The one part of a type with a dataset. */
static enum err open_fixed(struct report_rows *r, const struct report_type *t, const cJSON *args,
                           char *why, size_t whylen)
{
    struct tenant_filter leaf = {0};
    struct tenant_sort sort = {t->sort, 0};
    const char *fields[TENANT_MAX_FIELDS], *labels[TENANT_MAX_FIELDS];
    struct tenant_query q = {0};
    enum err e = fixed_filter(r->store, t, args, &leaf, why, whylen);
    if (e != ERR_OK)
        return e;
    q.nfields = put_columns(t->lead, fields, labels, 0);
    q.nfields = put_columns(t->columns, fields, labels, q.nfields);
    q.dataset = t->dataset;
    q.filter = leaf.op == TENANT_MATCH_ALL ? NULL : &leaf;
    q.fields = fields;
    q.sort = &sort;
    q.nsort = 1;
    return add_part(r, t->task_def_name, NULL, labels, &q, why, whylen);
}

enum err report_rows_open(struct store *s, const char *type, const char *arguments_json,
                          struct report_rows **out, char *why, size_t whylen)
{
    const struct report_type *t = report_type_find(type);
    struct report_rows *r = NULL;
    cJSON *args = cJSON_Parse(arguments_json && *arguments_json ? arguments_json : "{}");
    enum err e = ERR_BAD_REQUEST;

    err_why(why, whylen, "%s", "");
    if (!cJSON_IsObject(args)) {
        err_why(why, whylen, "the report arguments are not a JSON object");
        goto out;
    }
    if (!t) {
        err_why(why, whylen, "unknown report type '%.40s'", type ? type : "");
        goto out;
    }
    e = ERR_INTERNAL;
    if (!(r = calloc(1, sizeof(*r))))
        goto out;
    r->store = s;
    if (t->dataset) {
        e = open_fixed(r, t, args, why, whylen);
    } else {
        struct export_ctx c = {r, t->task_def_name, why, whylen};
        e = search_export_plan(args, add_export_part, &c, why, whylen);
    }
out:
    if (e == ERR_INTERNAL && why && whylen && !why[0])
        err_why(why, whylen, "internal error");
    if (e == ERR_OK)
        *out = r;
    else
        report_rows_close(r);
    cJSON_Delete(args);
    return e;
}

enum err report_rows_count(struct report_rows *r, int64_t *rows)
{
    int64_t total = 0, n;
    for (size_t i = 0; i < r->nparts; i++) {
        if (tenant_count(r->store, r->parts[i].plan, &n) != 0)
            return ERR_INTERNAL;
        total += n;
    }
    *rows = total;
    return ERR_OK;
}

int report_rows_page(struct report_rows *r, size_t i, int limit,
                     int (*fn)(void *ud, size_t n, const char *const *cells), void *ud)
{
    return tenant_page(r->store, r->parts[i].plan, limit, fn, ud);
}

enum err report_rows_total(struct store *s, const char *type, const char *arguments_json,
                           int64_t *rows, char *why, size_t whylen)
{
    struct report_rows *r = NULL;
    enum err e = report_rows_open(s, type, arguments_json, &r, why, whylen);
    if (e == ERR_OK && (e = report_rows_count(r, rows)) != ERR_OK)
        err_why(why, whylen, "internal error");
    report_rows_close(r);
    return e;
}

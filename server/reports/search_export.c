/*
 * search_export.c - SEARCH_EXPORT's arguments made into one tenant query
 * per searched index (see search_export.h).
 *
 * The indices and their default columns come from the definition table
 * (report.h); the query string is parsed by search.c into one filter tree
 * that every index shares. Everything allocated here is freed before
 * returning.
 */
#include "search_export.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "report.h"
#include "search.h"

#define MAX_INDICES 16

struct plan {
    const struct report_index *ix[MAX_INDICES]; /* searched, in order */
    size_t nix;
    struct tenant_sort sort[TENANT_MAX_SORT];
    size_t nsort;
    char **cols; /* asked for; NULL: each index's defaults */
    size_t ncols;
};

static const char *arg_string(const cJSON *args, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The indices, in the order asked for, each once; none (or []) means all. */
static void pick_indices(const cJSON *indices, struct plan *p)
{
    const struct report_index *ix;
    int want[MAX_INDICES] = {0};
    const cJSON *it;
    cJSON_ArrayForEach(it, (cJSON_IsArray(indices) ? indices : NULL))
    {
        const char *name = cJSON_IsString(it) ? it->valuestring : NULL;
        for (size_t i = 0; name && i < MAX_INDICES && (ix = report_index_at(i)) != NULL; i++)
            if ((strcmp(name, "*") == 0 || strcmp(name, ix->name) == 0) && !want[i]) {
                want[i] = 1;
                p->ix[p->nix++] = ix;
            }
    }
    if (p->nix == 0)
        for (size_t i = 0; i < MAX_INDICES && (ix = report_index_at(i)) != NULL; i++)
            p->ix[p->nix++] = ix;
}

/* Sort fields: each must be known to at least one searched index. */
static enum err pick_sort(const cJSON *sortv, struct plan *p, char *why, size_t whylen)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, (cJSON_IsArray(sortv) ? sortv : NULL))
    {
        const char *f = cJSON_IsString(it) ? it->valuestring : "";
        int desc = f[0] == '-', known = 0;
        if (f[0] == '+' || f[0] == '-')
            f++;
        if (p->nsort == TENANT_MAX_SORT) {
            err_why(why, whylen, "at most %d sort fields are supported", TENANT_MAX_SORT);
            return ERR_BAD_REQUEST;
        }
        for (size_t i = 0; i < p->nix; i++)
            known |= tenant_field_known(p->ix[i]->name, f);
        if (!known) {
            err_why(why, whylen, "cannot sort by '%.64s': no searched index has that field", f);
            return ERR_BAD_REQUEST;
        }
        p->sort[p->nsort].field = f;
        p->sort[p->nsort].desc = desc;
        p->nsort++;
    }
    return ERR_OK;
}

/* Appends [a, b) to the columns; past TENANT_MAX_FIELDS only counts it. */
static enum err add_column(struct plan *p, const char *a, const char *b)
{
    char **nv;
    if (p->ncols >= TENANT_MAX_FIELDS) {
        p->ncols++;
        return ERR_OK;
    }
    if (!(nv = realloc(p->cols, (p->ncols + 1) * sizeof(*nv))))
        return ERR_INTERNAL;
    p->cols = nv;
    if (!(p->cols[p->ncols] = strndup(a, (size_t)(b - a))))
        return ERR_INTERNAL;
    p->ncols++;
    return ERR_OK;
}

/* Splits the `columns` argument on commas, trimming spaces; empty items are skipped. */
static enum err pick_columns(const char *text, struct plan *p, char *why, size_t whylen)
{
    for (const char *s = text; s && *s;) {
        const char *end = strchr(s, ','), *a = s, *b;
        if (!end)
            end = s + strlen(s);
        b = end;
        while (a < b && (*a == ' ' || *a == '\t'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
            b--;
        if (b > a && add_column(p, a, b) != ERR_OK)
            return ERR_INTERNAL;
        s = *end ? end + 1 : end;
    }
    if (p->ncols > TENANT_MAX_FIELDS) {
        err_why(why, whylen, "at most %d columns are supported", TENANT_MAX_FIELDS);
        return ERR_BAD_REQUEST;
    }
    return ERR_OK;
}

/* The query of index `ix`, handed to add(). */
static enum err add_index(const struct plan *p, const struct report_index *ix,
                          const struct tenant_filter *filter,
                          enum err (*add)(void *, const char *, const struct tenant_query *),
                          void *ud)
{
    struct tenant_sort isort[TENANT_MAX_SORT];
    struct tenant_query q = {0};
    size_t ni = 0;
    q.fields = p->ncols ? (const char *const *)p->cols : ix->columns;
    q.nfields = p->ncols;
    while (!p->ncols && ix->columns[q.nfields])
        q.nfields++;
    for (size_t k = 0; k < p->nsort; k++)
        if (tenant_field_known(ix->name, p->sort[k].field))
            isort[ni++] = p->sort[k];
    q.dataset = ix->name;
    q.filter = filter;
    q.sort = isort;
    q.nsort = ni;
    return add(ud, ix->name, &q);
}

enum err search_export_plan(const cJSON *args,
                            enum err (*add)(void *ud, const char *index,
                                            const struct tenant_query *q),
                            void *ud, char *why, size_t whylen)
{
    struct tenant_filter *filter = NULL;
    struct plan p;
    enum err e;

    memset(&p, 0, sizeof(p));
    if ((e = search_parse(arg_string(args, "query"), &filter, why, whylen)) != ERR_OK)
        goto out;
    pick_indices(cJSON_GetObjectItemCaseSensitive(args, "indices"), &p);
    if ((e = pick_sort(cJSON_GetObjectItemCaseSensitive(args, "sort"), &p, why, whylen)) !=
            ERR_OK ||
        (e = pick_columns(arg_string(args, "columns"), &p, why, whylen)) != ERR_OK)
        goto out;
    for (size_t i = 0; i < p.nix && e == ERR_OK; i++)
        e = add_index(&p, p.ix[i], filter, add, ud);
out:
    for (size_t i = 0; p.cols && i < p.ncols && i < TENANT_MAX_FIELDS; i++)
        free(p.cols[i]);
    free(p.cols);
    search_filter_free(filter);
    return e;
}

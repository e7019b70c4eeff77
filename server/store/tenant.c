/*
 * tenant.c - the runner of tenant queries: counts and pages of compiled
 * plans (tenant_plan.c), and the source lookup (see tenant.h).
 *
 * Statements run through store_read() (query.h); values reach callers as
 * text (column_text). Owns nothing but the last keys a plan remembers; holds
 * the store's connection for the length of one count, one page or one
 * lookup.
 */
#include "tenant_int.h"

#include <stdlib.h>
#include <string.h>

static int read_count(void *ud, sqlite3_stmt *st)
{
    *(int64_t *)ud = sqlite3_column_int64(st, 0);
    return STORE_ROW_STOP;
}

int tenant_count(struct store *s, const struct tenant_plan *p, int64_t *rows)
{
    struct store_args args = {p->args, p->nparams};
    int rc = store_read(s, "tenant count", p->sql[TENANT_SQL_COUNT], args, read_count, rows);
    return rc == STORE_OK ? 0 : -1; /* a count always has its one row */
}

/* Turns column i of the current row into text for the callback. */
static const char *column_text(struct tenant_plan *p, sqlite3_stmt *st, size_t i)
{
    int col = (int)i;
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return "";
    switch (p->types[i]) {
    case F_BOOL:
        return sqlite3_column_int64(st, col) ? "true" : "false";
    case F_DATE:
        clock_format(sqlite3_column_int64(st, col), p->dates[i]);
        return p->dates[i];
    case F_TEXT:
    case F_ID:
    case F_INT:
        break;
    }
    const unsigned char *v = sqlite3_column_text(st, col);
    return v ? (const char *)v : "";
}

/* Keeps the keys of the current row as the values the next page starts after. */
static int remember_keys(struct tenant_plan *p, sqlite3_stmt *st)
{
    for (size_t k = 0; k < p->nkeys; k++) {
        int col = (int)(p->nfields + k);
        struct store_arg *a = &p->args[p->nparams + k];
        char *text = NULL;
        switch (sqlite3_column_type(st, col)) {
        case SQLITE_NULL:
            a->kind = STORE_ARG_NULL;
            break;
        case SQLITE_INTEGER:
            a->kind = STORE_ARG_INT;
            a->num = sqlite3_column_int64(st, col);
            break;
        case SQLITE_FLOAT:
            a->kind = STORE_ARG_REAL;
            a->real = sqlite3_column_double(st, col);
            break;
        default:
            if (!(text = store_col_dup(st, col)))
                return -1;
            a->kind = STORE_ARG_TEXT;
            break;
        }
        free(p->keytext[k]);
        p->keytext[k] = text;
        a->text = text;
    }
    return 0;
}

struct page {
    struct tenant_plan *plan;
    int (*fn)(void *ud, size_t n, const char *const *values);
    void *ud;
    int got;
};

static int read_page_row(void *ud, sqlite3_stmt *st)
{
    struct page *pg = ud;
    struct tenant_plan *p = pg->plan;
    for (size_t i = 0; i < p->nfields; i++)
        p->vals[i] = column_text(p, st, i);
    if (pg->fn(pg->ud, p->nfields, p->vals) != 0 || remember_keys(p, st) != 0)
        return STORE_ERROR;
    p->started = 1;
    pg->got++;
    return STORE_ROW_NEXT;
}

int tenant_page(struct store *s, struct tenant_plan *p, int limit,
                int (*fn)(void *ud, size_t n, const char *const *values), void *ud)
{
    struct page pg = {p, fn, ud, 0};
    struct store_args args = {p->args, p->nparams + p->nkeys + 1};
    int rc;
    if (p->done)
        return 0;
    p->args[p->nparams + p->nkeys].kind = STORE_ARG_INT;
    p->args[p->nparams + p->nkeys].num = limit > 0 ? limit : 1;
    rc = store_read(s, "tenant page", p->sql[p->started ? TENANT_SQL_NEXT : TENANT_SQL_FIRST], args,
                    read_page_row, &pg);
    if (rc == STORE_ERROR)
        return -1;
    if (pg.got < (limit > 0 ? limit : 1))
        p->done = 1;
    return pg.got;
}

struct source_name {
    char *name;
    size_t namelen;
};

static int read_source_name(void *ud, sqlite3_stmt *st)
{
    struct source_name *n = ud;
    if (n->name && n->namelen)
        store_col_copy(st, 0, n->name, n->namelen);
    return STORE_ROW_STOP;
}

int tenant_source_get(struct store *s, const char *id, char *name, size_t namelen)
{
    struct source_name n = {name, namelen};
    return store_read(s, "source get", "SELECT name FROM sources WHERE id = ?1",
                      STORE_ARGS(STORE_TEXT(id ? id : "")), read_source_name, &n);
}

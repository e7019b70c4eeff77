/*
 * tenant.c - the runner of tenant queries: counts and pages of compiled
 * plans (tenant_plan.c), and the source lookup (see tenant.h).
 *
 * Values reach callers as text (column_text). Owns nothing; holds the store
 * lock for the length of one count, one page or one lookup.
 */
#include "tenant_int.h"

#include "store_int.h"

static int bind_params_locked(sqlite3_stmt *st, const struct tenant_plan *p)
{
    for (size_t i = 0; i < p->nparams; i++) {
        int rc = p->params[i].is_int
                     ? sqlite3_bind_int64(st, (int)i + 1, p->params[i].i)
                     : sqlite3_bind_text(st, (int)i + 1, p->params[i].s, -1, SQLITE_STATIC);
        if (rc != SQLITE_OK)
            return -1;
    }
    return 0;
}

int tenant_count(struct store *s, const struct tenant_plan *p, int64_t *rows)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    pthread_mutex_lock(&s->lock);
    if (store_prepare(s, p->sql[TENANT_SQL_COUNT], &st) != SQLITE_OK ||
        bind_params_locked(st, p) != 0 || sqlite3_step(st) != SQLITE_ROW) {
        rc = store_fail_locked(s, "tenant count");
        goto out;
    }
    *rows = sqlite3_column_int64(st, 0);
    rc = 0;
out:
    store_release(s, st);
    pthread_mutex_unlock(&s->lock);
    return rc;
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

static int remember_keys(struct tenant_plan *p, sqlite3_stmt *st)
{
    for (size_t k = 0; k < p->nkeys; k++) {
        sqlite3_value *v = sqlite3_value_dup(sqlite3_column_value(st, (int)(p->nfields + k)));
        if (!v)
            return -1;
        sqlite3_value_free(p->last[k]);
        p->last[k] = v;
    }
    return 0;
}

int tenant_page(struct store *s, struct tenant_plan *p, int limit,
                int (*fn)(void *ud, size_t n, const char *const *values), void *ud)
{
    sqlite3_stmt *st = NULL;
    int rc = -1, step, got = 0;
    if (p->done)
        return 0;
    if (limit <= 0)
        limit = 1;
    pthread_mutex_lock(&s->lock);
    if (store_prepare(s, p->sql[p->started ? TENANT_SQL_NEXT : TENANT_SQL_FIRST], &st) !=
            SQLITE_OK ||
        bind_params_locked(st, p) != 0) {
        rc = store_fail_locked(s, "tenant page");
        goto out;
    }
    for (size_t k = 0; p->started && k < p->nkeys; k++)
        if (sqlite3_bind_value(st, (int)(p->nparams + k + 1), p->last[k]) != SQLITE_OK) {
            rc = store_fail_locked(s, "tenant page");
            goto out;
        }
    if (sqlite3_bind_int(st, (int)(p->nparams + p->nkeys + 1), limit) != SQLITE_OK) {
        rc = store_fail_locked(s, "tenant page");
        goto out;
    }
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        for (size_t i = 0; i < p->nfields; i++)
            p->vals[i] = column_text(p, st, i);
        if (fn(ud, p->nfields, p->vals) != 0)
            goto out;
        if (remember_keys(p, st) != 0)
            goto out;
        p->started = 1;
        got++;
    }
    if (step != SQLITE_DONE) {
        rc = store_fail_locked(s, "tenant page");
        goto out;
    }
    if (got < limit)
        p->done = 1;
    rc = got;
out:
    store_release(s, st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int tenant_source_get(struct store *s, const char *id, char *name, size_t namelen)
{
    sqlite3_stmt *st = NULL;
    int rc = -1, step;
    pthread_mutex_lock(&s->lock);
    if (store_prepare(s, "SELECT name FROM sources WHERE id = ?1", &st) != SQLITE_OK ||
        sqlite3_bind_text(st, 1, id ? id : "", -1, SQLITE_TRANSIENT) != SQLITE_OK) {
        rc = store_fail_locked(s, "source get");
        goto out;
    }
    step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        if (name && namelen)
            store_col_copy(st, 0, name, namelen);
        rc = 0;
    } else {
        rc = step == SQLITE_DONE ? 1 : store_fail_locked(s, "source get");
    }
out:
    store_release(s, st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

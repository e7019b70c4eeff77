/*
 * gen_rows.c - the generator's rows on their way to the database (see
 * gen_int.h): each insert collects GEN_ROWS rows and writes them with one
 * multi-row INSERT, and what is left at the end of a batch row by row.
 *
 * One statement per row made SQLite start a statement, open its cursors and
 * find the end of every B-tree again from its root for each of millions of
 * rows; one statement for many rows keeps its cursors where the last row
 * went, so rows that arrive in key order are appended. Values are copied
 * into the insert's own buffers, so callers may reuse theirs at once. Rows
 * reach their tables in the order they were made, but a table's rows may
 * be written after rows of another table made later: the generator's
 * transactions run with foreign keys off.
 *
 * Owns the buffers and both statements of every insert; runs under the
 * store's lock, inside the driver's transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/log.h"
#include "gen_int.h"

static int fail(struct gen *g, const char *what)
{
    log_msg("error", NULL, "store: generate: %s: %s", what, sqlite3_errmsg(g->s->db));
    return -1;
}

/* "INSERT ... VALUES (?, ...)" with its VALUES row written n times. */
static char *many_sql(const char *one, int n)
{
    const char *values = strstr(one, " VALUES ");
    struct buf b;
    buf_init(&b, 1 << 16);
    if (!values || buf_printf(&b, "%.*s VALUES ", (int)(values - one), one) != 0)
        goto out;
    values += strlen(" VALUES ");
    for (int i = 0; i < n; i++)
        if (buf_printf(&b, "%s%s", i ? ", " : "", values) != 0)
            goto out;
    return buf_steal(&b, NULL);
out:
    buf_free(&b);
    return NULL;
}

int gen_rows_prepare(struct gen *g, const char *const sql[ST__N])
{
    for (int i = 0; i < ST__N; i++) {
        struct gen_insert *ins = &g->ins[i];
        char *many = many_sql(sql[i], GEN_ROWS);
        int rc = many ? sqlite3_prepare_v3(g->s->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                                           &ins->one, NULL)
                      : SQLITE_NOMEM;
        if (rc == SQLITE_OK)
            rc =
                sqlite3_prepare_v3(g->s->db, many, -1, SQLITE_PREPARE_PERSISTENT, &ins->many, NULL);
        free(many);
        if (rc != SQLITE_OK)
            return fail(g, "prepare");
        ins->ncols = sqlite3_bind_parameter_count(ins->one);
        if (ins->ncols > GEN_COLS)
            return fail(g, "too many columns");
    }
    return 0;
}

void gen_rows_finalize(struct gen *g)
{
    for (int i = 0; i < ST__N; i++) {
        sqlite3_finalize(g->ins[i].one);
        sqlite3_finalize(g->ins[i].many);
        g->ins[i].one = g->ins[i].many = NULL;
    }
}

void gen_bind_text(struct gen *g, int which, int col, const char *v)
{
    struct gen_insert *ins = &g->ins[which];
    struct gen_value *val = &ins->val[ins->n][col - 1];
    size_t len = v ? strlen(v) : 0;
    val->text = NULL;
    val->is_int = 0;
    if (!v)
        return;
    if (len + 1 > sizeof(ins->text[0]) - ins->used) {
        ins->too_long = 1; /* gen_run() refuses the row */
        return;
    }
    val->text = memcpy(ins->text[ins->n] + ins->used, v, len + 1);
    val->len = (int)len;
    ins->used += len + 1;
}

void gen_bind_int(struct gen *g, int which, int col, int64_t v)
{
    struct gen_insert *ins = &g->ins[which];
    struct gen_value *val = &ins->val[ins->n][col - 1];
    val->text = NULL;
    val->num = v;
    val->is_int = 1;
}

/* Binds row r of ins to st from parameter first + 1 on. */
static void bind_row(struct gen_insert *ins, sqlite3_stmt *st, int r, int first)
{
    for (int c = 0; c < ins->ncols; c++) {
        struct gen_value *v = &ins->val[r][c];
        if (v->text)
            sqlite3_bind_text(st, first + c + 1, v->text, v->len, SQLITE_STATIC);
        else if (v->is_int)
            sqlite3_bind_int64(st, first + c + 1, v->num);
        else
            sqlite3_bind_null(st, first + c + 1);
    }
}

static int step(struct gen *g, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : fail(g, "insert");
}

/* Writes the rows of one insert: all of them, with as many statements of
 * GEN_ROWS rows as fit, and the rest one by one. */
static int flush(struct gen *g, struct gen_insert *ins)
{
    int rc = 0;
    if (ins->n == GEN_ROWS) {
        for (int r = 0; r < GEN_ROWS; r++)
            bind_row(ins, ins->many, r, r * ins->ncols);
        rc = step(g, ins->many);
    } else {
        for (int r = 0; rc == 0 && r < ins->n; r++) {
            bind_row(ins, ins->one, r, 0);
            rc = step(g, ins->one);
        }
    }
    ins->n = 0;
    return rc;
}

int gen_run(struct gen *g, int which)
{
    struct gen_insert *ins = &g->ins[which];
    if (ins->too_long) {
        ins->too_long = 0;
        ins->used = 0;
        log_msg("error", NULL, "store: generate: a row of %d bytes of text and more", GEN_ROW_TEXT);
        return -1;
    }
    ins->used = 0; /* the next row's texts start at its own buffer's start */
    if (++ins->n < GEN_ROWS)
        return 0;
    return flush(g, ins);
}

int gen_rows_flush(struct gen *g)
{
    int rc = 0;
    for (int i = 0; i < ST__N && rc == 0; i++)
        rc = flush(g, &g->ins[i]);
    return rc;
}

void gen_rows_discard(struct gen *g)
{
    for (int i = 0; i < ST__N; i++)
        g->ins[i].n = 0, g->ins[i].used = 0, g->ins[i].too_long = 0;
}

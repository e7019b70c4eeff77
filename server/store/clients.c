/*
 * clients.c - the API clients and the journal of issued tokens (see
 * store.h): who may ask for a token, and which tokens were handed out, kept
 * to the newest STORE_TOKENS_KEPT.
 */
#include "query.h"

#include <string.h>

#define CLIENT_COLS                                                                                \
    "client_id, secret, name, user_context, scopes, user_level, user_name, identity_id"

/* Row callback: a row of CLIENT_COLS into the struct store_client at ud. */
static int client_row(void *ud, sqlite3_stmt *st)
{
    struct store_client *c = ud;
    store_col_copy(st, 0, c->client_id, sizeof(c->client_id));
    store_col_copy(st, 1, c->secret, sizeof(c->secret));
    store_col_copy(st, 2, c->name, sizeof(c->name));
    c->user_context = sqlite3_column_int(st, 3);
    store_col_copy(st, 4, c->scopes, sizeof(c->scopes));
    store_col_copy(st, 5, c->user_level, sizeof(c->user_level));
    store_col_copy(st, 6, c->user_name, sizeof(c->user_name));
    store_col_copy(st, 7, c->identity_id, sizeof(c->identity_id));
    return STORE_ROW_STOP;
}

int store_client_get(struct store *s, const char *client_id, struct store_client *out)
{
    return store_read(s, "client get", "SELECT " CLIENT_COLS " FROM clients WHERE client_id = ?",
                      STORE_ARGS(STORE_TEXT(client_id)), client_row, out);
}

int store_client_put(struct store *s, const struct store_client *c)
{
    return store_write(s, "client put",
                       "INSERT OR REPLACE INTO clients (" CLIENT_COLS
                       ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       STORE_ARGS(STORE_TEXT(c->client_id), STORE_TEXT(c->secret),
                                  STORE_TEXT(c->name), STORE_INT(c->user_context ? 1 : 0),
                                  STORE_TEXT(c->scopes), STORE_TEXT(c->user_level),
                                  STORE_TEXT(c->user_name), STORE_TEXT(c->identity_id)));
}

int store_client_delete(struct store *s, const char *client_id)
{
    return store_write(s, "client delete", "DELETE FROM clients WHERE client_id = ?",
                       STORE_ARGS(STORE_TEXT(client_id)));
}

static int client_each_row(void *ud, sqlite3_stmt *st)
{
    const struct store_each *e = ud;
    struct store_client c;
    client_row(&c, st);
    return store_each_next(e->fn.client(e->ud, &c));
}

int store_client_each(struct store *s, int (*fn)(void *ud, const struct store_client *c), void *ud)
{
    return store_read_each(s, "client list",
                           "SELECT " CLIENT_COLS " FROM clients ORDER BY client_id", STORE_NO_ARGS,
                           client_each_row, (struct store_each){.fn.client = fn, .ud = ud});
}

/* ---- tokens ---- */

int store_token_write_locked(struct store *s, const struct store_token_row *t)
{
    int rc = store_write_locked(
        s, "token record",
        "INSERT INTO tokens (jti, client_id, issued_ms, expires_ms) VALUES (?, ?, ?, ?)",
        STORE_ARGS(STORE_TEXT(t->jti), STORE_TEXT(t->client_id), STORE_INT(t->issued_ms),
                   STORE_INT(t->expires_ms)));
    /* Keep the newest STORE_TOKENS_KEPT: trimmed once per STORE_TOKENS_TRIM inserts. */
    sqlite3_int64 last = sqlite3_last_insert_rowid(s->db);
    if (rc == STORE_OK && last % STORE_TOKENS_TRIM == 0 && last > STORE_TOKENS_KEPT)
        rc = store_write_locked(s, "token trim", "DELETE FROM tokens WHERE rowid <= ?",
                                STORE_ARGS(STORE_INT(last - STORE_TOKENS_KEPT)));
    return rc == STORE_ERROR ? STORE_ERROR : STORE_OK;
}

int store_token_record(struct store *s, const char *jti, const char *client_id, int64_t issued_ms,
                       int64_t expires_ms)
{
    struct store_token_row t = {jti, client_id, issued_ms, expires_ms};
    return store_ring_put_token(s, &t);
}

int store_token_count(struct store *s, int64_t *count)
{
    store_ring_flush(s); /* the records queued so far count */
    return store_read(s, "token count", "SELECT count(*) FROM tokens", STORE_NO_ARGS,
                      store_row_int64, count);
}

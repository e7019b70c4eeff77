/*
 * stmt.c - a small cache of prepared statements per connection (the
 * writer's and each reader's). Compiling SQL was a third of the server's
 * CPU per request; with the cache a statement is compiled once per
 * connection and then only reset.
 *
 * Callers hold the connection (store_enter() in query.h) from
 * store_prepare() to store_release(), so a cached statement is used by one
 * caller at a time. A second prepare of the same text while the first is
 * still in use compiles another copy into a free slot (the cache may then
 * hold the text twice); only when every slot is in use is the statement left
 * uncached, and store_release() finalizes it. Slots are reused least
 * recently used first; SQLite re-prepares cached statements itself after a
 * schema change.
 */
#include <stdint.h>
#include <string.h>

#include "../core/hash.h"
#include "store_int.h"

/* Marks `slot` in use by the caller of `sql` (its pointer is what the next
 * prepare of the same literal looks for first) and hands its statement out. */
static int take(struct store_conn *c, struct store_stmt *slot, const char *sql, sqlite3_stmt **out)
{
    slot->in_use = 1;
    slot->used = ++c->stmt_tick;
    slot->text = sql;
    *out = slot->st;
    return SQLITE_OK;
}

int store_prepare(struct store *s, const char *sql, sqlite3_stmt **out)
{
    struct store_conn *c = store_conn(s);
    *out = NULL;
    /* Callers pass the same literal each time: a slot last taken for that
     * very pointer, with that text still, matches without hashing it. */
    for (int i = 0; i < STORE_STMT_CACHE; i++) {
        struct store_stmt *slot = &c->stmts[i];
        if (slot->st && !slot->in_use && slot->text == sql &&
            strcmp(sqlite3_sql(slot->st), sql) == 0)
            return take(c, slot, sql, out);
    }
    uint64_t h = hash_bytes(sql, strlen(sql));
    struct store_stmt *victim = NULL;
    for (int i = 0; i < STORE_STMT_CACHE; i++) {
        struct store_stmt *slot = &c->stmts[i];
        if (slot->st && !slot->in_use && slot->hash == h && strcmp(sqlite3_sql(slot->st), sql) == 0)
            return take(c, slot, sql, out);
        if (!slot->in_use && (!victim || !slot->st || (victim->st && slot->used < victim->used)))
            victim = slot;
    }
    int rc = sqlite3_prepare_v3(c->db, sql, -1, victim ? SQLITE_PREPARE_PERSISTENT : 0, out, NULL);
    if (rc != SQLITE_OK || !victim)
        return rc; /* every slot busy: an uncached statement, finalized on release */
    sqlite3_finalize(victim->st);
    victim->st = *out;
    victim->hash = h;
    return take(c, victim, sql, out);
}

void store_release(struct store *s, sqlite3_stmt *st)
{
    if (!st)
        return;
    struct store_conn *c = store_conn(s);
    for (int i = 0; i < STORE_STMT_CACHE; i++) {
        if (c->stmts[i].st == st) {
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            c->stmts[i].in_use = 0;
            return;
        }
    }
    sqlite3_finalize(st);
}

void store_stmts_clear(struct store_conn *c)
{
    for (int i = 0; i < STORE_STMT_CACHE; i++) {
        sqlite3_finalize(c->stmts[i].st);
        memset(&c->stmts[i], 0, sizeof(c->stmts[i]));
    }
}

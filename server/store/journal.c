/*
 * journal.c - the request journal (see control_store.h): one row per
 * request, trimmed to the newest rows by count and by bytes, and filtered
 * reads of it. Rows arrive through the queue of journal_ring.c (which cuts
 * their values), flushed before every read.
 */
#include "query.h"

int store_journal_add(struct store *s, const struct store_journal *j, size_t max_rows)
{
    return store_ring_put(s, j, max_rows);
}

/* Row callback of a DELETE ... RETURNING bytes: takes them off the total. */
static int journal_gone_row(void *ud, sqlite3_stmt *st)
{
    struct store *s = ud;
    s->journal_bytes -= sqlite3_column_int64(st, 0);
    return STORE_ROW_NEXT;
}

void store_journal_bytes_max(struct store *s, int64_t max_bytes)
{
    store_enter(s, STORE_WRITE);
    s->journal_bytes_max = max_bytes > 0 ? max_bytes : 0;
    store_leave(s);
}

/* Drops the oldest rows until the journal's text fits its budget (a few at
 * a time; the newest row stays even when it alone is larger). */
static int journal_trim_bytes_locked(struct store *s)
{
    int64_t max = s->journal_bytes_max > 0 ? s->journal_bytes_max : STORE_JOURNAL_BYTES;
    while (s->journal_bytes > max) {
        int rc = store_read_locked(s, "journal trim",
                                   "DELETE FROM journal WHERE id IN (SELECT id FROM journal"
                                   " WHERE id < last_insert_rowid() ORDER BY id LIMIT 8)"
                                   " RETURNING bytes",
                                   STORE_NO_ARGS, journal_gone_row, s);
        if (rc != STORE_OK)
            return rc == STORE_NOT_FOUND ? STORE_OK : STORE_ERROR;
    }
    return STORE_OK;
}

int store_journal_write_locked(struct store *s, const struct store_journal *j, size_t max_rows,
                               int64_t bytes)
{
    if (!s->journal_bytes_known) {
        if (store_read_locked(s, "journal bytes", "SELECT total(bytes) FROM journal", STORE_NO_ARGS,
                              store_row_int64, &s->journal_bytes) == STORE_ERROR)
            return STORE_ERROR;
        s->journal_bytes_known = 1;
    }
    int rc = store_write_locked(
        s, "journal add",
        "INSERT INTO journal (at_ms, method, path, query, operation, version, client_id,"
        " status, tracking_id, duration_us, host, request_headers, request_body, request_size,"
        " response_headers, response_type, response_body, response_size, bytes)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        STORE_ARGS(STORE_INT(j->at_ms), STORE_TEXT(j->method ? j->method : ""),
                   STORE_TEXT(j->path ? j->path : ""), STORE_TEXT(j->query ? j->query : ""),
                   STORE_TEXT_OR_NULL(j->operation), STORE_TEXT_OR_NULL(j->version),
                   STORE_TEXT_OR_NULL(j->client_id), STORE_INT(j->status),
                   STORE_TEXT(j->tracking_id ? j->tracking_id : ""), STORE_INT(j->duration_us),
                   STORE_TEXT_OR_NULL(j->host),
                   STORE_TEXT(j->request_headers ? j->request_headers : "[]"),
                   STORE_TEXT(j->request_body), STORE_INT(j->request_size),
                   STORE_TEXT(j->response_headers ? j->response_headers : "[]"),
                   STORE_TEXT(j->response_type), STORE_TEXT(j->response_body),
                   STORE_INT(j->response_size), STORE_INT(bytes)));
    if (rc != STORE_OK)
        return STORE_ERROR;
    s->journal_bytes += bytes;
    /* Rows only ever leave from the old end (or all at once), so ids are
     * contiguous and this keeps at most the newest max_rows. */
    sqlite3_int64 last = sqlite3_last_insert_rowid(s->db);
    if (last > (sqlite3_int64)max_rows &&
        store_read_locked(s, "journal trim", "DELETE FROM journal WHERE id <= ? RETURNING bytes",
                          STORE_ARGS(STORE_INT(last - (sqlite3_int64)max_rows)), journal_gone_row,
                          s) == STORE_ERROR)
        return STORE_ERROR;
    return journal_trim_bytes_locked(s);
}

#define JOURNAL_WHERE                                                                              \
    " WHERE (?1 IS NULL OR method = ?1)"                                                           \
    " AND (?2 IS NULL OR (CASE WHEN ?3 THEN substr(path, 1, length(?2)) = ?2"                      \
    " ELSE path = ?2 END))"                                                                        \
    " AND (?4 IS NULL OR operation = ?4) AND (?5 IS NULL OR client_id = ?5)"                       \
    " AND (?6 IS NULL OR version = ?6) AND (?7 IS NULL OR tracking_id = ?7)"                       \
    " AND (?8 = 0 OR status = ?8) AND at_ms >= ?9"                                                 \
    " AND id > ?10 AND (?11 = 0 OR id < ?11)"

#define JOURNAL_COLS                                                                               \
    "id, at_ms, method, path, query, operation, version, client_id, status, tracking_id,"          \
    " duration_us, host, request_headers, request_body, request_size, response_headers,"           \
    " response_type, response_body, response_size"

/* The values of JOURNAL_WHERE's ?1 to ?11 (a NULL string matches anything). */
#define JOURNAL_FILTER_VALUES(f)                                                                   \
    STORE_TEXT((f)->method), STORE_TEXT((f)->path), STORE_INT((f)->path_prefix ? 1 : 0),           \
        STORE_TEXT((f)->operation), STORE_TEXT((f)->client_id), STORE_TEXT((f)->version),          \
        STORE_TEXT((f)->tracking_id), STORE_INT((f)->status), STORE_INT((f)->since_ms),            \
        STORE_INT((f)->after_id), STORE_INT((f)->before_id)

static int journal_each_row(void *ud, sqlite3_stmt *st)
{
    const struct store_each *e = ud;
    struct store_journal j = {
        .id = sqlite3_column_int64(st, 0),
        .at_ms = sqlite3_column_int64(st, 1),
        .method = (const char *)sqlite3_column_text(st, 2),
        .path = (const char *)sqlite3_column_text(st, 3),
        .query = (const char *)sqlite3_column_text(st, 4),
        .operation = (const char *)sqlite3_column_text(st, 5),
        .version = (const char *)sqlite3_column_text(st, 6),
        .client_id = (const char *)sqlite3_column_text(st, 7),
        .status = sqlite3_column_int(st, 8),
        .tracking_id = (const char *)sqlite3_column_text(st, 9),
        .duration_us = sqlite3_column_int64(st, 10),
        .host = (const char *)sqlite3_column_text(st, 11),
        .request_headers = (const char *)sqlite3_column_text(st, 12),
        .request_body = (const char *)sqlite3_column_text(st, 13),
        .request_size = sqlite3_column_int64(st, 14),
        .response_headers = (const char *)sqlite3_column_text(st, 15),
        .response_type = (const char *)sqlite3_column_text(st, 16),
        .response_body = (const char *)sqlite3_column_text(st, 17),
        .response_size = sqlite3_column_int64(st, 18),
    };
    return store_each_next(e->fn.journal(e->ud, &j));
}

int store_journal_find(struct store *s, const struct store_journal_filter *f, int64_t *count,
                       int (*fn)(void *ud, const struct store_journal *j), void *ud)
{
    struct store_each e = {.fn.journal = fn, .ud = ud};
    const char *sql = f->oldest_first ? "SELECT " JOURNAL_COLS " FROM journal" JOURNAL_WHERE
                                        " ORDER BY id LIMIT ?12"
                                      : "SELECT " JOURNAL_COLS " FROM journal" JOURNAL_WHERE
                                        " ORDER BY id DESC LIMIT ?12";
    store_ring_flush(s);
    store_enter(s, STORE_READ);
    int rc =
        !count ? STORE_OK
               : store_read_locked(s, "journal count", "SELECT count(*) FROM journal" JOURNAL_WHERE,
                                   STORE_ARGS(JOURNAL_FILTER_VALUES(f)), store_row_int64, count);
    if (rc == STORE_OK)
        rc = store_found_or_empty(store_read_locked(
            s, "journal find", sql,
            STORE_ARGS(JOURNAL_FILTER_VALUES(f), STORE_INT(f->limit > 0 ? f->limit : 0)),
            journal_each_row, &e));
    store_leave(s);
    return rc == STORE_OK ? STORE_OK : STORE_ERROR;
}

int store_journal_clear(struct store *s)
{
    store_ring_flush(s);
    store_enter(s, STORE_WRITE);
    int rc = store_script_locked(s, "journal clear", "DELETE FROM journal", NULL, 0);
    s->journal_bytes_known = 0;
    store_leave(s);
    return rc;
}

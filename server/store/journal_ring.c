/*
 * journal_ring.c - the request journal off the request's path: a request
 * copies its row into a bounded ring in memory and goes on; one thread per
 * store takes everything queued and writes it in one transaction under the
 * writer's lock. Whatever reads or empties the journal calls
 * store_ring_flush() first, which waits until every row queued before the
 * call is in the table, so /mock/requests still sees every answered
 * request, in the order they were queued.
 *
 * Owns the ring, its rows' copies and its thread; writes through journal.c.
 * When the thread cannot start, rows are written at once (as before).
 */
#include "query.h"

#include <stdlib.h>
#include <string.h>

#include "../core/log.h"

#define RING_ROWS 1024 /* a request waits only when this many rows are queued */

/* One queued row: the row with its strings in `text` (one allocation). */
struct queued {
    struct store_journal j;
    size_t max_rows;
    char *text;
};

struct store_ring {
    pthread_mutex_t m;
    pthread_cond_t wake; /* rows queued, or stop */
    pthread_cond_t room; /* the ring was emptied */
    pthread_cond_t done; /* a batch is written */
    pthread_t thread;
    struct queued rows[RING_ROWS];
    struct queued batch[RING_ROWS]; /* the thread's, outside the lock */
    size_t n;
    uint64_t queued, written; /* rows ever queued / ever written (or dropped) */
    int stop;
};

/* A copy of `in` whose strings live in one allocation; -1 on OOM. */
static int copy_row(struct queued *q, const struct store_journal *in, size_t max_rows)
{
    /* Every string member of struct store_journal: all are copied. */
    const char *src[] = {in->method,
                         in->path,
                         in->query,
                         in->operation,
                         in->version,
                         in->client_id,
                         in->tracking_id,
                         in->host,
                         in->request_headers,
                         in->request_body,
                         in->response_headers,
                         in->response_type,
                         in->response_body};
    const char **dst[] = {&q->j.method,
                          &q->j.path,
                          &q->j.query,
                          &q->j.operation,
                          &q->j.version,
                          &q->j.client_id,
                          &q->j.tracking_id,
                          &q->j.host,
                          &q->j.request_headers,
                          &q->j.request_body,
                          &q->j.response_headers,
                          &q->j.response_type,
                          &q->j.response_body};
    _Static_assert(sizeof(src) / sizeof(src[0]) == sizeof(dst) / sizeof(dst[0]),
                   "one destination per string");
    size_t len = 0, n = sizeof(src) / sizeof(src[0]);
    for (size_t i = 0; i < n; i++)
        len += src[i] ? strlen(src[i]) + 1 : 0;
    q->text = malloc(len ? len : 1);
    if (!q->text)
        return -1;
    q->j = *in;
    q->max_rows = max_rows;
    char *p = q->text;
    for (size_t i = 0; i < n; i++) {
        *dst[i] = NULL;
        if (!src[i])
            continue;
        size_t l = strlen(src[i]) + 1;
        memcpy(p, src[i], l);
        *dst[i] = p;
        p += l;
    }
    return 0;
}

struct batch {
    struct queued *rows;
    size_t n;
};

static int write_batch_tx(struct store *s, void *ud)
{
    const struct batch *b = ud;
    for (size_t i = 0; i < b->n; i++)
        if (store_journal_write_locked(s, &b->rows[i].j, b->rows[i].max_rows) == STORE_ERROR)
            return STORE_ERROR;
    return STORE_OK;
}

static void write_batch(struct store *s, struct queued *rows, size_t n)
{
    struct batch b = {rows, n};
    store_enter(s, STORE_WRITE);
    if (store_tx_locked(s, "journal batch", write_batch_tx, &b) == STORE_ERROR)
        log_msg("error", NULL, "store: %zu journal rows could not be written", n);
    store_leave(s);
    for (size_t i = 0; i < n; i++)
        free(rows[i].text);
}

static void *ring_main(void *arg)
{
    struct store *s = arg;
    struct store_ring *r = s->ring;
    pthread_mutex_lock(&r->m);
    for (;;) {
        while (r->n == 0 && !r->stop)
            pthread_cond_wait(&r->wake, &r->m);
        if (r->n == 0)
            break; /* stopping, and everything is written */
        size_t n = r->n;
        memcpy(r->batch, r->rows, n * sizeof(r->rows[0]));
        r->n = 0;
        pthread_cond_broadcast(&r->room);
        pthread_mutex_unlock(&r->m);
        write_batch(s, r->batch, n);
        pthread_mutex_lock(&r->m);
        r->written += n;
        pthread_cond_broadcast(&r->done);
    }
    pthread_mutex_unlock(&r->m);
    return NULL;
}

int store_ring_start(struct store *s)
{
    struct store_ring *r = calloc(1, sizeof(*r));
    if (!r)
        return STORE_ERROR;
    pthread_mutex_init(&r->m, NULL);
    pthread_cond_init(&r->wake, NULL);
    pthread_cond_init(&r->room, NULL);
    pthread_cond_init(&r->done, NULL);
    s->ring = r;
    if (pthread_create(&r->thread, NULL, ring_main, s) != 0) {
        s->ring = NULL;
        pthread_cond_destroy(&r->done);
        pthread_cond_destroy(&r->room);
        pthread_cond_destroy(&r->wake);
        pthread_mutex_destroy(&r->m);
        free(r);
        return STORE_ERROR;
    }
    return STORE_OK;
}

void store_ring_stop(struct store *s)
{
    struct store_ring *r = s->ring;
    if (!r)
        return;
    pthread_mutex_lock(&r->m);
    r->stop = 1;
    pthread_cond_signal(&r->wake);
    pthread_mutex_unlock(&r->m);
    pthread_join(r->thread, NULL);
    s->ring = NULL;
    pthread_cond_destroy(&r->done);
    pthread_cond_destroy(&r->room);
    pthread_cond_destroy(&r->wake);
    pthread_mutex_destroy(&r->m);
    free(r);
}

int store_ring_put(struct store *s, const struct store_journal *j, size_t max_rows)
{
    struct store_ring *r = s->ring;
    struct queued q;
    if (!r) {
        store_enter(s, STORE_WRITE);
        int rc = store_journal_write_locked(s, j, max_rows);
        store_leave(s);
        return rc;
    }
    if (copy_row(&q, j, max_rows) != 0)
        return STORE_ERROR;
    pthread_mutex_lock(&r->m);
    while (r->n == RING_ROWS)
        pthread_cond_wait(&r->room, &r->m);
    r->rows[r->n++] = q;
    r->queued++;
    pthread_cond_signal(&r->wake);
    pthread_mutex_unlock(&r->m);
    return STORE_OK;
}

void store_ring_flush(struct store *s)
{
    struct store_ring *r = s->ring;
    if (!r)
        return;
    pthread_mutex_lock(&r->m);
    uint64_t target = r->queued;
    while (r->written < target)
        pthread_cond_wait(&r->done, &r->m);
    pthread_mutex_unlock(&r->m);
}

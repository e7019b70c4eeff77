/*
 * journal_ring.c - the request journal and the record of issued tokens off
 * the request's path: a request copies its row into a bounded ring in
 * memory and goes on; one thread per store takes everything queued and
 * writes it in one transaction under the writer's lock. Whatever reads or
 * empties the journal or the tokens' record calls store_ring_flush() first,
 * which waits until every row queued before the call is in its table, so
 * /mock/requests still sees every answered request, in the order they were
 * queued.
 *
 * The copy is where a row's values are cut (control_store.h says to what),
 * and the ring is bounded in rows and in bytes, so garbage requests cannot
 * grow the process: past either bound a request waits for the thread.
 *
 * The thread gathers: once a row is queued it waits up to RING_GATHER_MS
 * for more before it writes, unless a flush is waiting, the server stops or
 * the ring is half full. Under load a transaction then carries many rows,
 * and a request only wakes the thread when the ring was empty: without it
 * every request cost a thread switch and a write transaction of its own,
 * under the writer's lock that startReport and token writes need too.
 *
 * The thread starts with the first row queued, not with the store: a
 * server is ready sooner with one thread fewer to start, and a store that
 * never journals (a build step, most tests) never starts it.
 *
 * Owns the ring, its rows' copies and its thread; writes through journal.c
 * and clients.c. When the thread cannot start, rows are written at once.
 */
#include "query.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/cond.h"
#include "../core/log.h"

#define RING_ROWS 1024   /* a request waits only when this many rows are queued */
#define RING_GATHER_MS 2 /* how long the thread waits for more rows before writing */

/* One queued row, a journal row or an issued token's record, with its
 * strings in `text` (one allocation of `bytes` bytes). */
enum queued_kind { QUEUED_JOURNAL, QUEUED_TOKEN };
struct queued {
    enum queued_kind kind;
    struct store_journal j;    /* QUEUED_JOURNAL */
    size_t max_rows;           /* QUEUED_JOURNAL */
    struct store_token_row tk; /* QUEUED_TOKEN */
    char *text;
    size_t bytes;
};

struct store_ring {
    pthread_mutex_t m;
    pthread_cond_t wake;  /* rows queued into an empty ring, or stop */
    pthread_cond_t hurry; /* gathering must end: a flush, stop, or the ring half full */
    pthread_cond_t room;  /* the ring was emptied */
    pthread_cond_t done;  /* a batch is written */
    pthread_t thread;
    struct queued rows[RING_ROWS];
    struct queued batch[RING_ROWS]; /* the thread's, outside the lock */
    size_t n;
    size_t bytes;             /* of the rows in `rows` */
    uint64_t queued, written; /* rows ever queued / ever written (or dropped) */
    int flushing;             /* callers waiting in store_ring_flush() */
    int stop;
    int running; /* the thread was started (by the first row) */
    int failed;  /* it could not be: rows are written at once */
};

/* 1 when the thread must write what it has now rather than gather more. */
static int hurried_locked(const struct store_ring *r)
{
    return r->stop || r->flushing > 0 || r->n >= RING_ROWS / 2 ||
           r->bytes >= STORE_JOURNAL_QUEUE_BYTES / 2;
}

/* Waits up to RING_GATHER_MS (monotonic) for more rows, unless hurried. */
static void gather_locked(struct store_ring *r)
{
    struct timespec until = cond_deadline_us(RING_GATHER_MS * 1000LL);
    while (!hurried_locked(r))
        if (pthread_cond_timedwait(&r->hurry, &r->m, &until) == ETIMEDOUT)
            break;
}

/* How many bytes of `s` (len bytes) a value capped at `cap` keeps: all of
 * them, or the most that fit in cap without splitting a UTF-8 sequence. */
static size_t kept_len(const char *s, size_t len, size_t cap)
{
    if (len <= cap)
        return len;
    size_t k = cap;
    while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
        k--; /* s[k] continues a sequence: cut before the sequence's start */
    return k;
}

#define MARKER_MAX 40 /* STORE_JOURNAL_MARKER with the largest size_t, and the NUL */

/* A copy of `in` whose strings, cut to their caps, live in one allocation;
 * -1 on OOM. */
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
    /* The evidence columns (headers and bodies) have the larger cap. */
    const size_t E = STORE_JOURNAL_EVIDENCE_MAX, T = STORE_JOURNAL_TEXT_MAX;
    const size_t cap[] = {T, T, T, T, T, T, T, T, E, E, E, T, E};
    _Static_assert(sizeof(src) / sizeof(src[0]) == sizeof(dst) / sizeof(dst[0]) &&
                       sizeof(src) / sizeof(src[0]) == sizeof(cap) / sizeof(cap[0]),
                   "one destination and one cap per string");
    size_t full[sizeof(src) / sizeof(src[0])], len = 0, n = sizeof(src) / sizeof(src[0]);
    for (size_t i = 0; i < n; i++) {
        full[i] = src[i] ? strlen(src[i]) : 0;
        len += src[i] ? kept_len(src[i], full[i], cap[i]) + (full[i] > cap[i] ? MARKER_MAX : 1) : 0;
    }
    q->text = malloc(len ? len : 1);
    if (!q->text)
        return -1;
    q->kind = QUEUED_JOURNAL;
    q->j = *in;
    q->max_rows = max_rows;
    char *p = q->text;
    for (size_t i = 0; i < n; i++) {
        *dst[i] = NULL;
        if (!src[i])
            continue;
        size_t k = kept_len(src[i], full[i], cap[i]);
        memcpy(p, src[i], k);
        *dst[i] = p;
        p += k;
        if (k < full[i])
            p += snprintf(p, MARKER_MAX, STORE_JOURNAL_MARKER, full[i] - k);
        *p++ = '\0';
    }
    q->bytes = (size_t)(p - q->text);
    return 0;
}

/* A copy of a token's record: its two strings in one allocation; -1 on OOM. */
static int copy_token(struct queued *q, const struct store_token_row *in)
{
    size_t jl = strnlen(in->jti, STORE_JOURNAL_TEXT_MAX),
           cl = strnlen(in->client_id, STORE_JOURNAL_TEXT_MAX);
    q->text = malloc(jl + cl + 2);
    if (!q->text)
        return -1;
    memcpy(q->text, in->jti, jl);
    q->text[jl] = '\0';
    memcpy(q->text + jl + 1, in->client_id, cl);
    q->text[jl + 1 + cl] = '\0';
    q->kind = QUEUED_TOKEN;
    q->tk = *in;
    q->tk.jti = q->text;
    q->tk.client_id = q->text + jl + 1;
    q->bytes = jl + cl + 2;
    return 0;
}

struct batch {
    struct queued *rows;
    size_t n;
};

/* Writes one queued row under the lock. */
static int write_row_locked(struct store *s, const struct queued *q)
{
    if (q->kind == QUEUED_TOKEN)
        return store_token_write_locked(s, &q->tk);
    return store_journal_write_locked(s, &q->j, q->max_rows, (int64_t)q->bytes);
}

static int write_batch_tx(struct store *s, void *ud)
{
    const struct batch *b = ud;
    for (size_t i = 0; i < b->n; i++)
        if (write_row_locked(s, &b->rows[i]) == STORE_ERROR)
            return STORE_ERROR;
    return STORE_OK;
}

static void write_batch(struct store *s, struct queued *rows, size_t n)
{
    struct batch b = {rows, n};
    store_enter(s, STORE_WRITE);
    if (store_tx_locked(s, "journal batch", write_batch_tx, &b) == STORE_ERROR) {
        s->journal_bytes_known = 0; /* rolled back: the total is summed again */
        log_msg("error", NULL, "store: %zu journal and token rows could not be written", n);
    }
    store_leave(s);
    for (size_t i = 0; i < n; i++)
        free(rows[i].text);
}

static void *ring_main(void *arg)
{
    struct store *s = arg;
    struct store_ring *r = s->ring;
    pthread_setname_np(pthread_self(), "journal"); /* for ps, top and perf */
    pthread_mutex_lock(&r->m);
    for (;;) {
        while (r->n == 0 && !r->stop)
            pthread_cond_wait(&r->wake, &r->m);
        if (r->n == 0)
            break; /* stopping, and everything is written */
        gather_locked(r);
        size_t n = r->n;
        memcpy(r->batch, r->rows, n * sizeof(r->rows[0]));
        r->n = 0;
        r->bytes = 0;
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

/* Frees a ring whose thread is not running (never started, or joined). */
static void ring_free(struct store_ring *r)
{
    pthread_cond_destroy(&r->done);
    pthread_cond_destroy(&r->room);
    pthread_cond_destroy(&r->hurry);
    pthread_cond_destroy(&r->wake);
    pthread_mutex_destroy(&r->m);
    free(r);
}

int store_ring_start(struct store *s)
{
    struct store_ring *r = calloc(1, sizeof(*r));
    if (!r)
        return STORE_ERROR;
    pthread_mutex_init(&r->m, NULL);
    pthread_cond_init(&r->wake, NULL);
    cond_init_mono(&r->hurry); /* gather_locked()'s deadline */
    pthread_cond_init(&r->room, NULL);
    pthread_cond_init(&r->done, NULL);
    s->ring = r;
    return STORE_OK;
}

void store_ring_stop(struct store *s)
{
    struct store_ring *r = s->ring;
    if (!r)
        return;
    pthread_mutex_lock(&r->m);
    r->stop = 1;
    int running = r->running;
    pthread_cond_signal(&r->wake);
    pthread_cond_signal(&r->hurry);
    pthread_mutex_unlock(&r->m);
    if (running)
        pthread_join(r->thread, NULL);
    s->ring = NULL;
    ring_free(r);
}

/* Writes `q` at once, on the caller's thread. */
static int write_now(struct store *s, struct queued *q)
{
    store_enter(s, STORE_WRITE);
    int rc = write_row_locked(s, q);
    if (rc == STORE_ERROR && q->kind == QUEUED_JOURNAL)
        s->journal_bytes_known = 0;
    store_leave(s);
    free(q->text);
    return rc;
}

/* Starts the thread for the first row; 0 when it runs, -1 when it cannot. */
static int thread_locked(struct store *s, struct store_ring *r)
{
    if (r->running || r->failed)
        return r->running ? 0 : -1;
    if (pthread_create(&r->thread, NULL, ring_main, s) != 0) {
        r->failed = 1;
        log_msg("warn", NULL, "store: no journal thread: requests write their journal rows");
        return -1;
    }
    r->running = 1;
    return 0;
}

/* Queues `q` (its copy made), or writes it at once without a thread. */
static int ring_put(struct store *s, struct queued *q)
{
    struct store_ring *r = s->ring;
    if (!r)
        return write_now(s, q);
    pthread_mutex_lock(&r->m);
    if (thread_locked(s, r) != 0) {
        pthread_mutex_unlock(&r->m);
        return write_now(s, q);
    }
    while (r->n == RING_ROWS || (r->n > 0 && r->bytes + q->bytes > STORE_JOURNAL_QUEUE_BYTES)) {
        pthread_cond_signal(&r->hurry);
        pthread_cond_wait(&r->room, &r->m);
    }
    r->bytes += q->bytes;
    r->rows[r->n++] = *q;
    r->queued++;
    if (r->n == 1)
        pthread_cond_signal(&r->wake); /* the thread sleeps only on an empty ring */
    else if (hurried_locked(r))
        pthread_cond_signal(&r->hurry);
    pthread_mutex_unlock(&r->m);
    return STORE_OK;
}

int store_ring_put(struct store *s, const struct store_journal *j, size_t max_rows)
{
    struct queued q;
    if (copy_row(&q, j, max_rows) != 0)
        return STORE_ERROR;
    return ring_put(s, &q);
}

int store_ring_put_token(struct store *s, const struct store_token_row *t)
{
    struct queued q;
    if (copy_token(&q, t) != 0)
        return STORE_ERROR;
    return ring_put(s, &q);
}

int store_ring_thread_running(struct store *s)
{
    struct store_ring *r = s->ring;
    if (!r)
        return 0;
    pthread_mutex_lock(&r->m);
    int running = r->running;
    pthread_mutex_unlock(&r->m);
    return running;
}

void store_ring_flush(struct store *s)
{
    struct store_ring *r = s->ring;
    if (!r)
        return;
    pthread_mutex_lock(&r->m);
    uint64_t target = r->queued;
    r->flushing++;
    pthread_cond_signal(&r->hurry); /* no gathering while someone waits */
    while (r->written < target)
        pthread_cond_wait(&r->done, &r->m);
    r->flushing--;
    pthread_mutex_unlock(&r->m);
}

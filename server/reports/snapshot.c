/*
 * snapshot.c - the render queue, its workers and the watcher (see
 * snapshot.h).
 *
 * Jobs are a FIFO list under the queue's mutex; a worker takes the oldest
 * job not taken, renders without it, and takes it again only to drop the
 * job. Publishing (renaming the files into place and ending the task) is
 * under a second mutex, the gate, which snapshot_reset() and
 * snapshot_exclusive() hold while they run: they stop a task from ending
 * without stopping the queue, so a poll or a start that queues a render or
 * moves the watcher's next due time never waits behind a state save or a
 * reset. The watcher sleeps until the next due time (real clock) or a
 * kick, then, without the mutex, asks lifecycle_due() to end or queue every
 * due task and the store for the next due time. `done` wakes
 * snapshot_settle(). The order of locks: the gate, then the queue's mutex,
 * then the store's; the gate is never taken with the queue's mutex held.
 */
#include "snapshot.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "../core/clock.h"
#include "../core/cond.h"
#include "../core/log.h"
#include "../store/store.h"
#include "lifecycle.h"
#include "render.h"
#include "spool.h"

#define SNAPSHOT_WATCH_MAX_MS 60000 /* the longest the watcher sleeps on the real clock */
/* The watcher looks again only once the queue is down to this: a look lists
 * the oldest due tasks, which are the queued ones, so a look into a fuller
 * queue would mostly read again what is queued already. */
#define SNAPSHOT_QUEUE_LOW (SNAPSHOT_QUEUE_MAX / 2)

struct job {
    struct job *next;
    char id[STORE_ID_LEN];
    int64_t due_ms;
    unsigned tag;    /* marks its temporary files */
    int taken;       /* a worker renders it */
    int published;   /* its worker is done with it (publish() ran) */
    atomic_int stop; /* cancelled: the worker stops between rows */
};

struct snapshot {
    struct store *store;
    const struct spool *spool;
    struct clock *clock;
    pthread_mutex_t gate; /* held to publish, and by reset and exclusive runs */
    pthread_mutex_t lock; /* the queue and everything below */
    pthread_cond_t work;  /* a job was queued, or stopping */
    pthread_cond_t done;  /* a job went, or the watcher looked */
    pthread_cond_t watch; /* kicked, or stopping */
    struct job *jobs;     /* oldest first */
    struct job **tail;    /* where the next job goes */
    size_t pending;
    unsigned tags;        /* the last job's tag */
    int kicked;           /* the watcher must look again */
    int looking;          /* the watcher is looking */
    uint64_t looks_begun; /* looks the watcher started */
    uint64_t looks_done;  /* of them, those it finished */
    int more;             /* its last look left due tasks for later */
    int64_t next_ms;      /* the next due time it knows of; INT64_MAX: none */
    int resetting;        /* snapshot_reset() runs: nothing is queued */
    int stopping;
    int nthreads;    /* render threads started */
    int max_threads; /* how many may start */
    int watching;    /* the watcher thread runs */
    pthread_t threads[SNAPSHOT_WORKERS];
    pthread_t watcher;
};

/* The live job of task `id` (one being stopped does not count). */
static struct job *find_locked(struct snapshot *snap, const char *id)
{
    for (struct job *j = snap->jobs; j; j = j->next)
        if (!atomic_load(&j->stop) && strcmp(j->id, id) == 0)
            return j;
    return NULL;
}

static void drop_locked(struct snapshot *snap, struct job *job)
{
    for (struct job **p = &snap->jobs; *p; p = &(*p)->next)
        if (*p == job) {
            *p = job->next;
            if (snap->tail == &job->next)
                snap->tail = p;
            snap->pending--;
            free(job);
            /* The watcher waits for room (see watcher_main), and for this
             * kick when its last look left due tasks for later. */
            int room = snap->pending == SNAPSHOT_QUEUE_LOW;
            if (snap->pending <= SNAPSHOT_QUEUE_LOW && snap->more)
                snap->kicked = room = 1;
            if (room)
                pthread_cond_signal(&snap->watch);
            pthread_cond_broadcast(&snap->done);
            return;
        }
}

/* Stops the taken jobs and drops the others. */
static void stop_all_locked(struct snapshot *snap)
{
    struct job *j = snap->jobs, *next;
    for (; j; j = next) {
        next = j->next;
        if (j->taken)
            atomic_store(&j->stop, 1);
        else
            drop_locked(snap, j);
    }
}

/* Publishes a rendered task: its files into place and its end, unless it
 * was cancelled meanwhile (a cancel after this check finds the task ended,
 * or ends it first and makes lifecycle_end() find it ended). */
static void publish(struct snapshot *snap, struct job *job, const struct store_task *t,
                    enum render_rc rc, int64_t rows, const char *why, int64_t completed_ms)
{
    pthread_mutex_lock(&snap->gate);
    pthread_mutex_lock(&snap->lock);
    job->published = 1; /* its worker takes the next job as soon as it can */
    pthread_mutex_unlock(&snap->lock);
    if (atomic_load(&job->stop)) {
        render_discard(snap->spool, t, job->tag);
        goto out;
    }
    if (rc == RENDER_OK && render_commit(snap->spool, t, job->tag) != 0) {
        rc = RENDER_FAILED;
        why = "the report file could not be stored";
    }
    int end = lifecycle_end(snap->store, t, completed_ms, rows, rc == RENDER_OK ? NULL : why);
    if (end != STORE_OK && rc == RENDER_OK)
        spool_remove(snap->spool, t->id); /* ended meanwhile (cancelled, removed): no file */
    if (end == STORE_ERROR)
        log_msg("error", NULL, "report %s: its end could not be stored", t->id);
out:
    pthread_mutex_unlock(&snap->gate);
}

static void run(struct snapshot *snap, struct job *job)
{
    struct store_task t;
    char why[256] = "";
    int64_t rows = 0;
    if (store_task_get(snap->store, job->id, &t) != STORE_OK)
        return; /* removed meanwhile */
    if (lifecycle_done(&t)) {
        store_task_clear(&t);
        return;
    }
    int64_t start = clock_now_ms(snap->clock);
    enum render_rc rc = render_files(snap->store, snap->spool, &t, job->due_ms, job->tag,
                                     &job->stop, &rows, why, sizeof(why));
    int64_t took = clock_now_ms(snap->clock) - start;
    if (rc == RENDER_FAILED)
        log_msg("warn", NULL, "report %s: %s", t.id, why);
    /* It ends when due, or when its files are written if that takes longer. */
    int64_t end = t.launched_ms + (took > 0 ? took : 0);
    if (rc != RENDER_CANCELLED)
        publish(snap, job, &t, rc, rows, why, end > job->due_ms ? end : job->due_ms);
    store_task_clear(&t);
}

/* 1 when a job queued now should start another render thread: the jobs
 * no thread has taken (this one included) outnumber the threads that are not
 * rendering, and more threads may start. */
static int more_threads_locked(const struct snapshot *snap)
{
    int waiting = 1, rendering = 0;
    for (const struct job *j = snap->jobs; j; j = j->next) {
        waiting += !j->taken;
        rendering += j->taken && !j->published;
    }
    return snap->nthreads < snap->max_threads && waiting > snap->nthreads - rendering;
}

/* Renders are background work: the calling thread becomes SCHED_BATCH at
 * nice 19, the least CPU share a normal thread has, so a busy server answers
 * requests first and renders with what is left. Not SCHED_IDLE, which runs
 * only when nothing else wants the CPU: on a machine kept busy by others a
 * render could then wait for as long as the load lasts, and a clock move or
 * a reset waits for the renders it made due. Where the system refuses
 * (seccomp), renders run at the server's own priority. */
static void render_priority(void)
{
    struct sched_param none = {0};
    pthread_setschedparam(pthread_self(), SCHED_BATCH, &none);
    setpriority(PRIO_PROCESS, (id_t)gettid(), 19);
}

static void *worker_main(void *arg)
{
    struct snapshot *snap = arg;
    pthread_setname_np(pthread_self(), "render"); /* for ps, top and perf */
    render_priority();
    pthread_mutex_lock(&snap->lock);
    for (;;) {
        struct job *job = snap->jobs;
        while (job && job->taken)
            job = job->next;
        if (snap->stopping)
            break;
        if (!job) {
            pthread_cond_wait(&snap->work, &snap->lock);
            continue;
        }
        job->taken = 1;
        pthread_mutex_unlock(&snap->lock);
        run(snap, job);
        pthread_mutex_lock(&snap->lock);
        drop_locked(snap, job);
    }
    pthread_mutex_unlock(&snap->lock);
    return NULL;
}

/* Sleeps (the lock held) until kicked, stopping, or, on the real clock,
 * the next due time; a due time already past is a kick. */
static void watch_wait_locked(struct snapshot *snap)
{
    int64_t in = snap->next_ms == INT64_MAX ? INT64_MAX : snap->next_ms - clock_now_ms(snap->clock);
    if (in <= 0) {
        snap->kicked = 1;
        return;
    }
    if (in == INT64_MAX || clock_mode(snap->clock) == CLOCK_MODE_VIRTUAL) {
        pthread_cond_wait(&snap->watch, &snap->lock);
        return;
    }
    if (in > SNAPSHOT_WATCH_MAX_MS)
        in = SNAPSHOT_WATCH_MAX_MS; /* the wall clock may jump */
    struct timespec until = cond_deadline_us(in * 1000);
    if (pthread_cond_timedwait(&snap->watch, &snap->lock, &until) == ETIMEDOUT)
        snap->kicked = 1;
}

static void *watcher_main(void *arg)
{
    struct snapshot *snap = arg;
    pthread_setname_np(pthread_self(), "watcher"); /* for ps, top and perf */
    pthread_mutex_lock(&snap->lock);
    while (!snap->stopping) {
        if (snap->pending > SNAPSHOT_QUEUE_LOW) {
            pthread_cond_wait(&snap->watch, &snap->lock); /* drop_locked() wakes it */
            continue;
        }
        if (!snap->kicked) {
            watch_wait_locked(snap);
            continue;
        }
        snap->kicked = 0;
        snap->looking = 1;
        snap->looks_begun++;
        /* A task started during the look lowers next_ms (snapshot_due_at);
         * the look's own answer may predate it, so the earlier one wins. */
        snap->next_ms = INT64_MAX;
        pthread_mutex_unlock(&snap->lock);
        int64_t now = clock_now_ms(snap->clock), next = INT64_MAX;
        int more = 0, failed = 0;
        if (lifecycle_due(snap->store, snap, now, &more) != 0) {
            log_msg("error", NULL, "reports: the due tasks could not be read");
            failed = 1;
        }
        if (store_task_next_due(snap->store, now, &next) != STORE_OK)
            next = INT64_MAX;
        pthread_mutex_lock(&snap->lock);
        snap->looking = 0;
        snap->looks_done++;
        snap->more = more;
        if (next < snap->next_ms)
            snap->next_ms = next;
        /* next is the next due time after now: tasks already due past this
         * batch count only through `more`. A batch that queued no render
         * (its tasks had no files) leaves no finished render to start the
         * next look, so look again now. */
        if (more && !failed && snap->pending == 0)
            snap->kicked = 1;
        pthread_cond_broadcast(&snap->done);
    }
    pthread_mutex_unlock(&snap->lock);
    return NULL;
}

struct snapshot *snapshot_new(struct store *s, const struct spool *sp, struct clock *clock,
                              int workers)
{
    struct snapshot *snap = calloc(1, sizeof(*snap));
    if (!snap)
        return NULL;
    snap->store = s;
    snap->spool = sp;
    snap->clock = clock;
    snap->next_ms = INT64_MAX;
    snap->kicked = 1; /* look once at start */
    snap->tail = &snap->jobs;
    pthread_mutex_init(&snap->gate, NULL);
    pthread_mutex_init(&snap->lock, NULL);
    pthread_cond_init(&snap->work, NULL);
    cond_init_mono(&snap->done);  /* snapshot_settle()'s deadline */
    cond_init_mono(&snap->watch); /* the watcher's next due time */
    if (workers < 1)
        workers = 1;
    if (workers > SNAPSHOT_WORKERS)
        workers = SNAPSHOT_WORKERS;
    snap->max_threads = workers;
    if (pthread_create(&snap->watcher, NULL, watcher_main, snap) != 0) {
        snapshot_free(snap);
        return NULL;
    }
    snap->watching = 1;
    return snap;
}

void snapshot_free(struct snapshot *snap)
{
    if (!snap)
        return;
    pthread_mutex_lock(&snap->lock);
    snap->stopping = 1;
    stop_all_locked(snap);
    pthread_cond_broadcast(&snap->work);
    pthread_cond_broadcast(&snap->watch);
    pthread_mutex_unlock(&snap->lock);
    if (snap->watching)
        pthread_join(snap->watcher, NULL);
    for (int i = 0; i < snap->nthreads; i++)
        pthread_join(snap->threads[i], NULL);
    snap->more = 0;
    while (snap->jobs)
        drop_locked(snap, snap->jobs);
    pthread_cond_destroy(&snap->work);
    pthread_cond_destroy(&snap->done);
    pthread_cond_destroy(&snap->watch);
    pthread_mutex_destroy(&snap->lock);
    pthread_mutex_destroy(&snap->gate);
    free(snap);
}

int snapshot_request(struct snapshot *snap, const char *id, int64_t due_ms)
{
    int rc = 0;
    pthread_mutex_lock(&snap->lock);
    if (snap->pending >= SNAPSHOT_QUEUE_MAX) {
        snap->more = 1; /* the watcher looks again once the queue has emptied */
        goto out;
    }
    if (snap->resetting) {
        snap->more = 1; /* the state it read is going: looked at again after */
        goto out;
    }
    if (!snap->stopping && !find_locked(snap, id)) {
        struct job *job = calloc(1, sizeof(*job));
        if (!job) {
            rc = -1;
            goto out;
        }
        snprintf(job->id, sizeof(job->id), "%s", id);
        job->due_ms = due_ms;
        job->tag = ++snap->tags;
        atomic_init(&job->stop, 0);
        /* A start pays for no render thread that nothing needs. */
        if (more_threads_locked(snap) &&
            pthread_create(&snap->threads[snap->nthreads], NULL, worker_main, snap) == 0)
            snap->nthreads++;
        if (snap->nthreads == 0) {
            log_msg("error", NULL, "reports: cannot start a render thread for %s", id);
            free(job);
            rc = -1;
            goto out;
        }
        *snap->tail = job;
        snap->tail = &job->next;
        snap->pending++;
        pthread_cond_signal(&snap->work);
    }
out:
    pthread_mutex_unlock(&snap->lock);
    return rc;
}

void snapshot_cancel(struct snapshot *snap, const char *id)
{
    pthread_mutex_lock(&snap->lock);
    struct job *job = find_locked(snap, id);
    if (job && job->taken)
        atomic_store(&job->stop, 1);
    else if (job)
        drop_locked(snap, job);
    pthread_mutex_unlock(&snap->lock);
}

void snapshot_kick(struct snapshot *snap)
{
    pthread_mutex_lock(&snap->lock);
    snap->kicked = 1;
    pthread_cond_signal(&snap->watch);
    pthread_mutex_unlock(&snap->lock);
}

void snapshot_due_at(struct snapshot *snap, int64_t due_ms)
{
    pthread_mutex_lock(&snap->lock);
    if (due_ms < snap->next_ms) {
        snap->next_ms = due_ms;
        pthread_cond_signal(&snap->watch);
    }
    pthread_mutex_unlock(&snap->lock);
}

int snapshot_settle(struct snapshot *snap, int64_t timeout_ms)
{
    struct timespec until = cond_deadline_us(timeout_ms * 1000);
    int rc = 0;
    pthread_mutex_lock(&snap->lock);
    snap->kicked = 1;
    pthread_cond_signal(&snap->watch);
    /* A look that starts after now, then the renders queued until it ended
     * (jobs are queued with rising tags, oldest first); later ones are
     * someone else's. */
    uint64_t look = snap->looks_begun + 1;
    unsigned last = 0;
    int looked = 0;
    while (!snap->stopping) {
        if (!looked && snap->looks_done >= look) {
            looked = 1;
            last = snap->tags;
        }
        if (looked && (!snap->jobs || snap->jobs->tag > last))
            break;
        if (pthread_cond_timedwait(&snap->done, &snap->lock, &until) == ETIMEDOUT) {
            rc = 1;
            break;
        }
    }
    pthread_mutex_unlock(&snap->lock);
    return rc;
}

int snapshot_reset(struct snapshot *snap, int (*fn)(void *ud), void *ud)
{
    pthread_mutex_lock(&snap->gate);
    pthread_mutex_lock(&snap->lock);
    stop_all_locked(snap);
    snap->resetting = 1;
    pthread_mutex_unlock(&snap->lock);
    int rc = fn(ud);
    /* Whatever fn left (the new state, or the old one when it failed), the
     * watcher looks at it, as polls could not queue renders meanwhile. */
    pthread_mutex_lock(&snap->lock);
    snap->resetting = 0;
    snap->kicked = 1;
    pthread_cond_signal(&snap->watch);
    pthread_mutex_unlock(&snap->lock);
    pthread_mutex_unlock(&snap->gate);
    return rc;
}

int snapshot_exclusive(struct snapshot *snap, int (*fn)(void *ud), void *ud)
{
    pthread_mutex_lock(&snap->gate);
    int rc = fn(ud);
    pthread_mutex_unlock(&snap->gate);
    return rc;
}

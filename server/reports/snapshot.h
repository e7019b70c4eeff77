/*
 * snapshot.h - the report files of finished tasks, written once, in the
 * background: a watcher thread that notices the tasks that fall due, a
 * queue of renders, and the worker threads that write their files
 * (render.h) and then end them (lifecycle.h).
 *
 * A task that has files to make ends only once they are stored, so its
 * duration includes the render; until then everyone sees it running. No
 * request waits for a render: a poll that finds a task due queues it
 * (snapshot_request) and answers at once. The watcher finds tasks that
 * fall due by time with nobody polling, at their due time on the real
 * clock and after each snapshot_kick() (a start, a clock move, a reset).
 * Workers read the tenant through the store's read connections and hold no
 * lock a request needs while they render, at the lowest share of the CPU a
 * normal thread has (SCHED_BATCH, nice 19): a busy server answers first.
 * A task's files and its end are published together under a gate that
 * snapshot_reset() and snapshot_exclusive() also hold, so a reset never
 * leaves a finished task without its files and a state save sees files and
 * ends that agree; the queue itself stays open to polls and starts
 * meanwhile.
 *
 * Locks: the gate, then the queue's mutex, then the store's, never in
 * another order; the watcher and the workers call into the store without
 * the queue's mutex.
 */
#ifndef ISC_REPORTS_SNAPSHOT_H
#define ISC_REPORTS_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

struct store;
struct spool;
struct clock;
struct snapshot;

#define SNAPSHOT_WORKERS 2 /* renders that can run at once */

/*
 * Starts the watcher over `s`, `sp` and `clock`, which must outlive the
 * snapshot; up to `workers` (1..SNAPSHOT_WORKERS) render threads start as
 * jobs are queued, when the jobs waiting outnumber the threads not
 * rendering (a server that renders nothing starts none). The watcher looks for due tasks
 * at once.
 * NULL when the watcher cannot start.
 */
struct snapshot *snapshot_new(struct store *s, const struct spool *sp, struct clock *clock,
                              int workers);
/* Stops every render, joins the threads and frees the queue. NULL is a no-op. */
void snapshot_free(struct snapshot *snap);

/* Renders queued at most: a task due beyond that stays due (running) in the
 * store and is queued later, by its next poll or by the watcher, which looks
 * again once the queue is down to half. */
#define SNAPSHOT_QUEUE_MAX 1024

/*
 * Queues the render of task `id`, due at `due_ms`, unless it is queued or
 * rendering already or the queue is full; never waits for it. 0, or -1
 * when out of memory.
 */
int snapshot_request(struct snapshot *snap, const char *id, int64_t due_ms);

/* Drops the queued render of task `id`, or stops it between two rows. */
void snapshot_cancel(struct snapshot *snap, const char *id);

/* Due times may have changed (a task started, the clock moved, a reset):
 * the watcher looks for due tasks again. Never waits. */
void snapshot_kick(struct snapshot *snap);

/* A task started that falls due at `due_ms` (by time): the watcher wakes
 * then, unless it knows of an earlier one. Never waits. */
void snapshot_due_at(struct snapshot *snap, int64_t due_ms);

/*
 * Kicks the watcher, then waits until a look of its that began after the
 * kick is over and every render queued until then has ended, or
 * `timeout_ms` passed: what a virtual clock move and a reset do, so that
 * what they made due has ended when they answer. Renders queued later do
 * not hold it up. Holds no lock a request needs. 0 when settled, 1 on
 * timeout.
 */
int snapshot_settle(struct snapshot *snap, int64_t timeout_ms);

/*
 * Stops every render, then runs fn(ud) (a reset of the store and of the
 * spool) while no worker can publish a task and no render is queued (a poll
 * meanwhile answers "running"), then has the watcher look for due tasks.
 * Returns what fn returned.
 */
int snapshot_reset(struct snapshot *snap, int (*fn)(void *ud), void *ud);

/*
 * Runs fn(ud) while no render can publish a task (renders go on, and polls
 * and starts still queue them): for a state save, or removing stored files
 * whose task is gone, without racing a task that is ending. Returns what fn
 * returned.
 */
int snapshot_exclusive(struct snapshot *snap, int (*fn)(void *ud), void *ud);

#endif

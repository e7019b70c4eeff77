/*
 * control_store.h - the tables behind the control API (schema/003_control.sql):
 * report behaviours and the one-shot queue for the next tasks, injected
 * faults, and the request journal.
 *
 * Same conventions as store.h: every function is thread-safe and holds the
 * store's lock for its own duration only; 0 is success, 1 "not found / none"
 * where documented, -1 a database error (logged here, never shown to a
 * client). Input strings are copied; output structs are caller-owned, and
 * the heap string in a struct store_behaviour is released with
 * store_behaviour_clear(). Values are checked by the caller (server/api);
 * the schema's CHECK constraints refuse what slips through (-1).
 */
#ifndef ISC_STORE_CONTROL_STORE_H
#define ISC_STORE_CONTROL_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* ---- report behaviours and the next-task queue ---- */

#define STORE_BEHAVIOUR_DEFAULT "*" /* report_type of the default for every type */

struct store_behaviour {
    int64_t id;           /* queue entries: their place in the queue; 0 for behaviours */
    char report_type[40]; /* a ReportType, "*" (default), or "" (queue entry for any type) */
    int64_t duration_ms;  /* -1: the server's default duration */
    int polls;            /* >= 0: finish after this many result polls; -1: by duration */
    char outcome[16];     /* SUCCESS, WARNING, ERROR, TEMP_ERROR */
    char *messages;       /* JSON array text, owned; NULL: the outcome's default messages */
    int64_t at_ms;        /* when it was set or queued */
};

/* Frees `messages` with free() (a malloc'd copy, never cJSON's printed text)
 * and zeroes the struct; NULL is a no-op. */
void store_behaviour_clear(struct store_behaviour *b);

/* Sets the behaviour of b->report_type (a type or "*"), replacing any. */
int store_behaviour_put(struct store *s, const struct store_behaviour *b);
/* The behaviour set for `report_type` ("*" for the default). 1: none set. */
int store_behaviour_get(struct store *s, const char *report_type, struct store_behaviour *out);
/* Removes the behaviour of `report_type`. 1: none was set. */
int store_behaviour_delete(struct store *s, const char *report_type);
/* Calls fn for each behaviour ("*" first, then by type); stops when fn returns
 * nonzero. `b` is valid during the call only. */
int store_behaviour_each(struct store *s, int (*fn)(void *ud, const struct store_behaviour *b),
                         void *ud);
/* Removes every behaviour and every queued plan. */
int store_behaviour_reset(struct store *s);

/* Appends a one-shot plan to the queue (b->report_type "" = any type); sets b->id. */
int store_next_push(struct store *s, struct store_behaviour *b);
/* Calls fn for each queued plan, in the order they will be taken. */
int store_next_each(struct store *s, int (*fn)(void *ud, const struct store_behaviour *b),
                    void *ud);
/* Empties the queue. */
int store_next_clear(struct store *s);
/* Puts back a plan that store_report_plan() took (same id, so same place). */
int store_next_restore(struct store *s, const struct store_behaviour *b);

/*
 * What a new task of `report_type` should do, in one atomic step: the
 * oldest queued plan for that type or for any type (removed from the queue;
 * *from_queue = 1), else the behaviour set for the type, else the default
 * ("*"). Fills `out` (clear it with store_behaviour_clear). 1: nothing
 * configured (out is zeroed).
 */
int store_report_plan(struct store *s, const char *report_type, struct store_behaviour *out,
                      int *from_queue);

/* ---- faults ---- */

#define STORE_FAULT_ANY "*" /* operation of a fault that applies to every operation */

struct store_fault {
    int64_t id;
    char operation[40]; /* an operation name or "*" */
    int status;         /* 0: none (only a delay or a drop) */
    int64_t delay_ms;
    int drop;
    int64_t times;       /* -1: not limited to a number of calls */
    int64_t remaining;   /* calls left when times >= 0; else -1 */
    double probability;  /* < 0: not random */
    int64_t seed;        /* meaningful when probability >= 0 */
    int64_t calls, hits; /* calls that consulted it / that it applied to */
    int64_t created_ms;
};

/* Adds a fault (id, calls and hits are ignored); sets f->id. The generator
 * starts from f->seed. */
int store_fault_add(struct store *s, struct store_fault *f);
/* One fault by id. 1: none. */
int store_fault_get(struct store *s, int64_t id, struct store_fault *out);
/* Calls fn for each fault in id order; stops when fn returns nonzero. */
int store_fault_each(struct store *s, int (*fn)(void *ud, const struct store_fault *f), void *ud);
/* Removes one fault. 1: none with that id. */
int store_fault_delete(struct store *s, int64_t id);
/* Removes every fault. */
int store_fault_clear(struct store *s);

/*
 * Lock-free: 0 when no fault can apply (nothing is configured, or all are
 * used up), 1 when the database must be asked. Never 0 while a fault applies.
 */
int store_fault_maybe(struct store *s);

/*
 * For one call of `operation` of `family` (NULL: none): walks the faults for
 * either name or for "*" in id order; a fault with calls left applies (and uses one), a random one
 * draws from its generator (saving the new state) and applies on a hit. The first that applies wins
 * and is copied into `out` (after the update). 0: one applies, 1: none does.
 */
int store_fault_pick(struct store *s, const char *operation, const char *family,
                     struct store_fault *out);

/*
 * The generator behind random faults (splitmix64): advances *state and
 * returns a number in [0, 1). Pure; exposed for tests.
 */
double store_fault_draw(uint64_t *state);

/* ---- request journal ---- */

/* One journal row. Strings are borrowed: given by the caller for
 * store_journal_add, valid during the callback for store_journal_find.
 * operation, version and client_id may be NULL. */
struct store_journal {
    int64_t id;
    int64_t at_ms;
    const char *method;
    const char *path;
    const char *query;
    const char *operation;
    const char *version;
    const char *client_id;
    int status;
    const char *tracking_id;
    int64_t duration_us;
    /* The evidence (already cut and masked; see api/evidence.h). Headers are
     * the JSON text of a HAR header array (NULL: "[]"); a NULL body: none. */
    const char *host;
    const char *request_headers;
    const char *request_body;
    int64_t request_size; /* the whole body's bytes */
    const char *response_headers;
    const char *response_type; /* NULL: the answer had no body */
    const char *response_body;
    int64_t response_size; /* the whole body's bytes; -1: streamed, unknown */
};

/*
 * What the journal keeps, whatever a request holds: each value of a row is
 * cut to STORE_JOURNAL_TEXT_MAX bytes (headers and bodies, which api/evidence
 * cuts first, to STORE_JOURNAL_EVIDENCE_MAX), on a character boundary and
 * followed by "...[N more bytes]"; and the rows' text together stays under a
 * byte budget (STORE_JOURNAL_BYTES unless store_journal_bytes_max() set
 * another), the oldest rows leaving first, as it stays under the row count.
 * A row thus holds at most about 40 KB, and the rows queued for writing at
 * most STORE_JOURNAL_QUEUE_BYTES (a request waits for room).
 */
#define STORE_JOURNAL_TEXT_MAX 2048
#define STORE_JOURNAL_EVIDENCE_MAX 8192
#define STORE_JOURNAL_BYTES (INT64_C(32) << 20)
#define STORE_JOURNAL_QUEUE_BYTES (4 << 20)
#define STORE_JOURNAL_MARKER "...[%zu more bytes]"

/* Sets the journal's byte budget (0: STORE_JOURNAL_BYTES); it applies from
 * the next row on. Call it before serving requests. */
void store_journal_bytes_max(struct store *s, int64_t max_bytes);

/* Appends a row (id ignored, values cut as above), then drops the oldest
 * rows beyond `max_rows` and beyond the byte budget. */
int store_journal_add(struct store *s, const struct store_journal *j, size_t max_rows);

/* Which rows store_journal_find returns; NULL / 0 members match anything. */
struct store_journal_filter {
    const char *method;
    const char *path; /* exact, or a prefix when path_prefix is set */
    int path_prefix;
    const char *operation;
    const char *client_id;
    const char *version;
    const char *tracking_id;
    int status;       /* 0: any */
    int64_t since_ms; /* rows at or after; INT64_MIN: any */
    int limit;        /* rows passed to fn at most (>= 0) */
    int oldest_first; /* 0: newest first */
    /* Only rows with after_id < id < before_id (0 and 0: any), for reading
     * the journal a page at a time. */
    int64_t after_id, before_id;
};

/* Counts the matching rows into *count (NULL: not counted) and calls fn for
 * the first `limit` of them in the chosen order; fn returning nonzero stops
 * the calls. */
int store_journal_find(struct store *s, const struct store_journal_filter *f, int64_t *count,
                       int (*fn)(void *ud, const struct store_journal *j), void *ud);
/* Empties the journal. */
int store_journal_clear(struct store *s);

#endif

/*
 * conns.h - the open connections and their bounds: a cap on all of them, a
 * cap per client address, and a deadline on each request's arrival.
 *
 * A connection is RECEIVING from its opening (or the end of its previous
 * answer) until its request line, headers and body are all in; then it is
 * HANDLING until its answer is sent. Only a receiving connection is on the
 * clock: when its deadline passes, the reaper thread shuts its socket down
 * (libmicrohttpd then closes it), so a client that trickles bytes, or an
 * idle keep-alive connection, holds a slot for at most the deadline.
 *
 * A new connection past a cap takes the place of the oldest receiving
 * connection (of the same address when the per-address cap is the one
 * reached): that one is shut down. When every connection is handling, the
 * new one is REFUSED: it stays on the clock, and its request is answered
 * 503 and closed. Counts never include refused or evicted connections.
 *
 * Sockets are only ever shut down, never closed, here, and only while their
 * slot is registered: libmicrohttpd closes a socket after conns_close() for
 * it returns, and conns_close() takes the same lock, so a descriptor number
 * that is already reused elsewhere is never touched.
 *
 * All functions are thread-safe. Slots are owned by the registry; a NULL
 * slot (registration failed for lack of memory) is accepted and ignored.
 */
#ifndef ISC_HTTP_CONNS_H
#define ISC_HTTP_CONNS_H

#include <stdint.h>
#include <sys/socket.h>

struct conns;
struct conn_slot;

struct conns_limits {
    int max_total;       /* admitted connections at once, >= 1 */
    int max_per_address; /* admitted connections from one client address, >= 1 */
    int64_t deadline_ms; /* time to receive a whole request, > 0 */
};

/* What conns_open() did with a new connection. */
enum conns_admission {
    CONNS_ADMITTED,  /* within the caps */
    CONNS_MADE_ROOM, /* a cap was reached: the oldest receiving connection was evicted */
    CONNS_REFUSED,   /* a cap was reached and every connection is handling: answer 503 */
    CONNS_UNTRACKED, /* no memory for a slot: the connection goes on unbounded */
};

/* A registry with these limits and its reaper thread; NULL when either cannot be made. */
struct conns *conns_new(const struct conns_limits *lim);
/* Stops the reaper and frees the registry and every slot left. NULL is a no-op. Call it
 * only once no connection can be opened or closed any more (the daemon is stopped). */
void conns_free(struct conns *cs);

/*
 * Registers socket `fd` of a new connection from `addr` (may be NULL: an
 * address of its own). *slot is set to the slot (NULL when untracked). May
 * shut down another connection's socket to make room.
 */
enum conns_admission conns_open(struct conns *cs, int fd, const struct sockaddr *addr,
                                struct conn_slot **slot);
/* The connection is closing: its slot is removed and freed. */
void conns_close(struct conns *cs, struct conn_slot *slot);
/* Its request has arrived whole: off the clock until conns_answered(). */
void conns_handling(struct conns *cs, struct conn_slot *slot);
/* Its answer is sent (or abandoned): receiving again, with a fresh deadline. */
void conns_answered(struct conns *cs, struct conn_slot *slot);
/* 1 when the slot was refused at conns_open(); 0 otherwise (and for NULL). */
int conns_refused(const struct conn_slot *slot);

/* Admitted connections, and those of them receiving a request. */
void conns_counts(struct conns *cs, int *open, int *receiving);
/* How many times the reaper thread has looked at the clock so far: about
 * once per deadline when idle, whatever the traffic (diagnostics, tests). */
uint64_t conns_looks(struct conns *cs);
/* Shuts down every receiving or refused connection whose deadline is before
 * now_us (clock_mono_us()); returns how many. The reaper calls it; so can tests. */
int conns_reap(struct conns *cs, int64_t now_us);

#endif

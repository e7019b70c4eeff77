/*
 * conns.c - the connection registry (see conns.h): caps, eviction, the
 * arrival deadline, and the reaper thread that enforces it.
 *
 * Every slot sits in a hash bucket by client address (for the per-address
 * count and its oldest receiving connection). Receiving and refused slots
 * also sit on "the clock", a list ordered by deadline: a slot joins it at
 * its tail with now + the deadline, so the list stays sorted and the reaper
 * only ever looks at its head. A push never wakes the reaper: a slot pushed
 * now is due a whole deadline from now, after the reaper's next look
 * anyway (an empty clock is looked at again one deadline later), so a
 * keep-alive request costs the reaper nothing. One mutex guards it all;
 * nothing here blocks while holding it (shutdown() on a non-blocking socket
 * does not).
 */
#include "conns.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/clock.h"
#include "../core/cond.h"
#include "../core/hash.h"
#include "../core/log.h"

#define BUCKETS 256
#define LOG_EVERY_US (INT64_C(10) * 1000000) /* at most one summary line per 10 s */

enum slot_state { SLOT_RECEIVING, SLOT_HANDLING, SLOT_REFUSED, SLOT_EVICTED };

struct conn_slot {
    int fd;
    unsigned char addr[16]; /* IPv6, or IPv4 mapped into it */
    enum slot_state state;
    int64_t due_us;                  /* on the clock: the deadline */
    uint64_t order;                  /* on the clock: its place (due_us may tie) */
    struct conn_slot *prev, *next;   /* the clock, oldest deadline first */
    struct conn_slot *bprev, *bnext; /* the address bucket */
};

struct conns {
    struct conns_limits lim;
    pthread_mutex_t lock;
    pthread_cond_t wake; /* stopping */
    pthread_t reaper;
    int stopping;
    uint64_t looks;                /* times the reaper looked at the clock */
    struct conn_slot *head, *tail; /* the clock */
    uint64_t pushed;               /* slots put on the clock so far */
    struct conn_slot *bucket[BUCKETS];
    int admitted;  /* RECEIVING + HANDLING */
    int receiving; /* RECEIVING */
    /* Not yet logged: closed at their deadline, evicted, refused. */
    long late, evicted, refused;
    int64_t logged_us;
};

static void address_of(const struct sockaddr *sa, unsigned char out[16])
{
    memset(out, 0, 16);
    if (sa && sa->sa_family == AF_INET6) {
        memcpy(out, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
    } else if (sa && sa->sa_family == AF_INET) {
        out[10] = out[11] = 0xff;
        memcpy(out + 12, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
    }
}

static unsigned bucket_of(const unsigned char addr[16])
{
    return (unsigned)(hash_bytes(addr, 16) % BUCKETS);
}

/* ---- the clock ---- */

static void clock_push(struct conns *cs, struct conn_slot *s)
{
    s->due_us = clock_mono_us() + cs->lim.deadline_ms * 1000;
    s->order = ++cs->pushed;
    s->next = NULL;
    s->prev = cs->tail;
    if (cs->tail)
        cs->tail->next = s;
    else
        cs->head = s;
    cs->tail = s;
}

static void clock_remove(struct conns *cs, struct conn_slot *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        cs->head = s->next;
    if (s->next)
        s->next->prev = s->prev;
    else
        cs->tail = s->prev;
    s->prev = s->next = NULL;
}

static int on_clock(const struct conn_slot *s)
{
    return s->state == SLOT_RECEIVING || s->state == SLOT_REFUSED;
}

/* Takes s off the clock and out of the counts. */
static void leave(struct conns *cs, struct conn_slot *s)
{
    if (on_clock(s))
        clock_remove(cs, s);
    if (s->state == SLOT_RECEIVING || s->state == SLOT_HANDLING)
        cs->admitted--;
    if (s->state == SLOT_RECEIVING)
        cs->receiving--;
    s->state = SLOT_EVICTED;
}

/* Ends s's connection: libmicrohttpd sees the socket shut and closes it. */
static void cut(struct conns *cs, struct conn_slot *s)
{
    leave(cs, s);
    shutdown(s->fd, SHUT_RDWR);
}

/* ---- admission ---- */

/* How many admitted slots share s's address, and the oldest receiving one among them. */
static int address_load(struct conns *cs, const struct conn_slot *s, struct conn_slot **oldest)
{
    int n = 0;
    *oldest = NULL;
    for (struct conn_slot *o = cs->bucket[bucket_of(s->addr)]; o; o = o->bnext) {
        if (o == s || memcmp(o->addr, s->addr, 16) != 0)
            continue;
        if (o->state == SLOT_RECEIVING || o->state == SLOT_HANDLING)
            n++;
        if (o->state == SLOT_RECEIVING && (!*oldest || o->order < (*oldest)->order))
            *oldest = o;
    }
    return n;
}

/* The first receiving slot on the clock (refused ones are never evicted). */
static struct conn_slot *oldest_receiving(struct conns *cs)
{
    struct conn_slot *o = cs->head;
    while (o && o->state != SLOT_RECEIVING)
        o = o->next;
    return o;
}

/* Admits s, or makes room for it, or refuses it. Under the lock. */
static enum conns_admission admit(struct conns *cs, struct conn_slot *s)
{
    struct conn_slot *victim = NULL, *same = NULL;
    enum conns_admission a = CONNS_ADMITTED;
    if (address_load(cs, s, &same) >= cs->lim.max_per_address) {
        victim = same;
        a = victim ? CONNS_MADE_ROOM : CONNS_REFUSED;
    } else if (cs->admitted >= cs->lim.max_total) {
        victim = oldest_receiving(cs);
        a = victim ? CONNS_MADE_ROOM : CONNS_REFUSED;
    }
    if (victim) {
        cut(cs, victim);
        cs->evicted++;
    }
    if (a == CONNS_REFUSED) {
        s->state = SLOT_REFUSED;
        cs->refused++;
    } else {
        s->state = SLOT_RECEIVING;
        cs->admitted++;
        cs->receiving++;
    }
    clock_push(cs, s);
    return a;
}

enum conns_admission conns_open(struct conns *cs, int fd, const struct sockaddr *addr,
                                struct conn_slot **slot)
{
    struct conn_slot *s = calloc(1, sizeof(*s));
    *slot = s;
    if (!s)
        return CONNS_UNTRACKED;
    s->fd = fd;
    address_of(addr, s->addr);
    pthread_mutex_lock(&cs->lock);
    unsigned b = bucket_of(s->addr);
    s->bnext = cs->bucket[b];
    if (s->bnext)
        s->bnext->bprev = s;
    cs->bucket[b] = s;
    enum conns_admission a = admit(cs, s);
    pthread_mutex_unlock(&cs->lock);
    return a;
}

void conns_close(struct conns *cs, struct conn_slot *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&cs->lock);
    leave(cs, s);
    if (s->bprev)
        s->bprev->bnext = s->bnext;
    else
        cs->bucket[bucket_of(s->addr)] = s->bnext;
    if (s->bnext)
        s->bnext->bprev = s->bprev;
    pthread_mutex_unlock(&cs->lock);
    free(s);
}

void conns_handling(struct conns *cs, struct conn_slot *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&cs->lock);
    if (s->state == SLOT_RECEIVING) {
        clock_remove(cs, s);
        s->state = SLOT_HANDLING;
        cs->receiving--;
    }
    pthread_mutex_unlock(&cs->lock);
}

void conns_answered(struct conns *cs, struct conn_slot *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&cs->lock);
    if (s->state == SLOT_HANDLING) {
        s->state = SLOT_RECEIVING;
        cs->receiving++;
        clock_push(cs, s);
    }
    pthread_mutex_unlock(&cs->lock);
}

int conns_refused(const struct conn_slot *s)
{
    return s && s->state == SLOT_REFUSED;
}

uint64_t conns_looks(struct conns *cs)
{
    pthread_mutex_lock(&cs->lock);
    uint64_t n = cs->looks;
    pthread_mutex_unlock(&cs->lock);
    return n;
}

void conns_counts(struct conns *cs, int *open, int *receiving)
{
    pthread_mutex_lock(&cs->lock);
    *open = cs->admitted;
    *receiving = cs->receiving;
    pthread_mutex_unlock(&cs->lock);
}

/* ---- the reaper ---- */

static int reap_locked(struct conns *cs, int64_t now_us)
{
    int n = 0;
    while (cs->head && cs->head->due_us <= now_us) {
        cut(cs, cs->head);
        n++;
    }
    cs->late += n;
    return n;
}

int conns_reap(struct conns *cs, int64_t now_us)
{
    pthread_mutex_lock(&cs->lock);
    int n = reap_locked(cs, now_us);
    pthread_mutex_unlock(&cs->lock);
    return n;
}

/* One line for what the bounds did since the last one, at most every LOG_EVERY_US. */
static void log_summary(struct conns *cs, int64_t now_us)
{
    if (!(cs->late || cs->evicted || cs->refused) || now_us - cs->logged_us < LOG_EVERY_US)
        return;
    log_msg("warn", NULL,
            "connections: %ld closed for not sending a whole request within %lld ms, %ld closed "
            "to make room for new ones, %ld refused with 503 (--max-connections %d, "
            "--max-connections-per-ip %d)",
            cs->late, (long long)cs->lim.deadline_ms, cs->evicted, cs->refused, cs->lim.max_total,
            cs->lim.max_per_address);
    cs->late = cs->evicted = cs->refused = 0;
    cs->logged_us = now_us;
}

static void wait_until(struct conns *cs, int64_t due_us)
{
    int64_t wait_us = due_us - clock_mono_us();
    if (wait_us <= 0)
        return;
    struct timespec ts = cond_deadline_us(wait_us);
    pthread_cond_timedwait(&cs->wake, &cs->lock, &ts);
}

static void *reaper_main(void *arg)
{
    struct conns *cs = arg;
    pthread_setname_np(pthread_self(), "reaper"); /* for ps, top and perf */
    pthread_mutex_lock(&cs->lock);
    while (!cs->stopping) {
        int64_t now = clock_mono_us();
        cs->looks++;
        reap_locked(cs, now);
        log_summary(cs, now);
        /* Nothing on the clock: whatever is pushed from now on is due a
         * deadline from now at the earliest. */
        int64_t next = cs->head ? cs->head->due_us : now + cs->lim.deadline_ms * 1000;
        if (cs->late || cs->evicted || cs->refused) {
            int64_t log_at = cs->logged_us + LOG_EVERY_US;
            next = log_at < next ? log_at : next;
        }
        wait_until(cs, next);
    }
    pthread_mutex_unlock(&cs->lock);
    return NULL;
}

struct conns *conns_new(const struct conns_limits *lim)
{
    struct conns *cs = calloc(1, sizeof(*cs));
    if (!cs)
        return NULL;
    cs->lim = *lim;
    pthread_mutex_init(&cs->lock, NULL);
    cond_init_mono(&cs->wake); /* the reaper's waits are monotonic deadlines */
    if (pthread_create(&cs->reaper, NULL, reaper_main, cs) != 0) {
        pthread_cond_destroy(&cs->wake);
        pthread_mutex_destroy(&cs->lock);
        free(cs);
        return NULL;
    }
    return cs;
}

void conns_free(struct conns *cs)
{
    if (!cs)
        return;
    pthread_mutex_lock(&cs->lock);
    cs->stopping = 1;
    pthread_cond_signal(&cs->wake);
    pthread_mutex_unlock(&cs->lock);
    pthread_join(cs->reaper, NULL);
    for (int b = 0; b < BUCKETS; b++)
        while (cs->bucket[b]) {
            struct conn_slot *s = cs->bucket[b];
            cs->bucket[b] = s->bnext;
            free(s);
        }
    pthread_cond_destroy(&cs->wake);
    pthread_mutex_destroy(&cs->lock);
    free(cs);
}

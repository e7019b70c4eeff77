/*
 * limiter.c - fixed-window request counters per client_id and API version
 * (see limiter.h).
 *
 * Layout: a pool of max_keys entries allocated up front, a hash table of
 * entry indices (linear probing, at most half full, deletion by backward
 * shift so no tombstones pile up), and a list of the live entries in the
 * order their windows started. The pool is taken in order: entries past
 * `fresh` were never used and are never written, so an idle server's pool
 * and its table (buckets hold an index + 1, 0 is empty) stay untouched zero
 * pages (about 2.2 MB of them at the default size) instead of resident
 * memory. Windows all have the same length, so the
 * head of that list is the first to expire: each call drops expired heads,
 * and when the pool is full a new key takes the head's entry (then the
 * oldest window still running). So a call costs O(1) amortised and memory
 * never grows after limiter_new().
 *
 * A key is version, a NUL, then client_id. Keys up to LIM_KEY_INLINE bytes
 * are stored and compared whole; a longer key (no client_id the token
 * endpoint issues is that long) is compared by length, its first bytes and
 * a 64-bit hash of all of it.
 *
 * One mutex guards everything. Nothing here knows HTTP or the clock: the
 * caller says what time it is.
 */
#include "limiter.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../core/hash.h"

#define LIM_KEY_INLINE 176
#define LIM_NIL UINT32_MAX
#define LIM_EMPTY 0 /* a bucket holds an entry's index + 1, so calloc's zeros are empty */

struct lim_entry {
    uint64_t hash;
    int64_t start_ms; /* window start */
    int count;        /* requests admitted in this window */
    uint32_t prev;    /* age list; in the free list only `next` is used */
    uint32_t next;
    size_t key_len;
    char key[LIM_KEY_INLINE];
};

struct limiter {
    pthread_mutex_t mu;
    int count; /* 0: off */
    int64_t window_ms;
    uint32_t max_keys;
    uint32_t used;
    uint32_t mask;     /* buckets - 1 */
    uint32_t *buckets; /* entry index + 1, or LIM_EMPTY */
    struct lim_entry *entries;
    uint32_t head, tail; /* age list: oldest window first */
    uint32_t free_head;  /* entries used and dropped since, chained through `next` */
    uint32_t fresh;      /* entries [fresh, max_keys) were never used */
};

/* Builds "version\0client_id" into buf (LIM_KEY_INLINE bytes; a longer key is
 * cut there) and returns the full key length. *hash covers the whole key:
 * FNV-1a, then a finaliser so that the low bits used as bucket index mix well. */
static size_t key_make(const char *client_id, const char *version, char *buf, uint64_t *hash)
{
    size_t vl = strlen(version), len = vl + 1 + strlen(client_id);
    uint64_t h = HASH_SEED;
    for (size_t i = 0; i < len; i++) {
        char c = i < vl ? version[i] : i == vl ? '\0' : client_id[i - vl - 1];
        if (i < LIM_KEY_INLINE)
            buf[i] = c;
        h = hash_byte(h, (unsigned char)c);
    }
    *hash = hash_mix(h);
    return len;
}

static int entry_is(const struct lim_entry *e, const char *key, size_t len, uint64_t hash)
{
    size_t n = len < LIM_KEY_INLINE ? len : LIM_KEY_INLINE;
    return e->hash == hash && e->key_len == len && memcmp(e->key, key, n) == 0;
}

/*
 * The time left in e's window at now_ms, or 0 when the window is over. A
 * request dated before the window start by less than a window (threads that
 * read the clock a moment apart) belongs to it; by a whole window or more (a
 * virtual clock set back) it is over. In [0, 2 * window_ms); computed in
 * unsigned arithmetic, so no instants overflow.
 */
static int64_t window_left(const struct limiter *l, const struct lim_entry *e, int64_t now_ms)
{
    uint64_t w = (uint64_t)l->window_ms;
    if (now_ms >= e->start_ms) {
        uint64_t elapsed = (uint64_t)now_ms - (uint64_t)e->start_ms;
        return elapsed >= w ? 0 : (int64_t)(w - elapsed);
    }
    uint64_t early = (uint64_t)e->start_ms - (uint64_t)now_ms;
    return early >= w ? 0 : (int64_t)(w + early);
}

static void age_unlink(struct limiter *l, uint32_t i)
{
    struct lim_entry *e = &l->entries[i];
    if (e->prev != LIM_NIL)
        l->entries[e->prev].next = e->next;
    else
        l->head = e->next;
    if (e->next != LIM_NIL)
        l->entries[e->next].prev = e->prev;
    else
        l->tail = e->prev;
    e->prev = e->next = LIM_NIL;
}

static void age_append(struct limiter *l, uint32_t i)
{
    struct lim_entry *e = &l->entries[i];
    e->prev = l->tail;
    e->next = LIM_NIL;
    if (l->tail != LIM_NIL)
        l->entries[l->tail].next = i;
    else
        l->head = i;
    l->tail = i;
}

/* The bucket holding `key`, or the empty bucket where it would go. */
static uint32_t bucket_find(const struct limiter *l, const char *key, size_t len, uint64_t hash)
{
    uint32_t b = (uint32_t)hash & l->mask;
    while (l->buckets[b] != LIM_EMPTY && !entry_is(&l->entries[l->buckets[b] - 1], key, len, hash))
        b = (b + 1) & l->mask;
    return b;
}

/* Removes entry i from the table (backward-shift deletion) and the age list,
 * and returns it to the free list. */
static void entry_drop(struct limiter *l, uint32_t i)
{
    uint32_t b = (uint32_t)l->entries[i].hash & l->mask;
    while (l->buckets[b] != i + 1)
        b = (b + 1) & l->mask;
    l->buckets[b] = LIM_EMPTY;
    for (uint32_t j = (b + 1) & l->mask; l->buckets[j] != LIM_EMPTY; j = (j + 1) & l->mask) {
        uint32_t home = (uint32_t)l->entries[l->buckets[j] - 1].hash & l->mask;
        /* The entry at j may stay when its home lies cyclically in (b, j]. */
        int stays = b <= j ? (b < home && home <= j) : (b < home || home <= j);
        if (stays)
            continue;
        l->buckets[b] = l->buckets[j];
        l->buckets[j] = LIM_EMPTY;
        b = j;
    }
    age_unlink(l, i);
    l->entries[i].next = l->free_head;
    l->free_head = i;
    l->used--;
}

static void drop_expired(struct limiter *l, int64_t now_ms)
{
    while (l->head != LIM_NIL && window_left(l, &l->entries[l->head], now_ms) == 0)
        entry_drop(l, l->head);
}

/* Empties the table; pages that were never written (a new limiter's) stay unwritten. */
static void clear(struct limiter *l)
{
    if (l->fresh > 0)
        memset(l->buckets, 0, ((size_t)l->mask + 1) * sizeof *l->buckets);
    l->free_head = LIM_NIL;
    l->fresh = 0;
    l->head = l->tail = LIM_NIL;
    l->used = 0;
}

struct limiter *limiter_new(int count, int64_t window_ms, size_t max_keys)
{
    struct limiter *l = NULL;

    if (count < 0)
        return NULL;
    if (count > 0 && (window_ms <= 0 || window_ms > INT64_MAX / 2 || max_keys == 0 ||
                      max_keys > LIMITER_KEYS_MAX))
        return NULL;
    l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->count = count;
    if (pthread_mutex_init(&l->mu, NULL) != 0) {
        free(l);
        return NULL;
    }
    if (count == 0)
        return l;
    l->window_ms = window_ms;
    l->max_keys = (uint32_t)max_keys;
    size_t nb = 2;
    while (nb < 2 * max_keys)
        nb *= 2;
    l->mask = (uint32_t)(nb - 1);
    l->buckets = calloc(nb, sizeof *l->buckets);
    l->entries = calloc(max_keys, sizeof *l->entries);
    if (!l->buckets || !l->entries) {
        limiter_free(l);
        return NULL;
    }
    clear(l);
    return l;
}

void limiter_free(struct limiter *l)
{
    if (!l)
        return;
    pthread_mutex_destroy(&l->mu);
    free(l->buckets);
    free(l->entries);
    free(l);
}

/* Starts a window for a new key; evicts the oldest when the pool is full. */
static void key_insert(struct limiter *l, uint32_t b, const char *key, size_t len, uint64_t hash,
                       int64_t now_ms)
{
    if (l->used == l->max_keys) {
        entry_drop(l, l->head); /* expired ones are gone already: this is the oldest */
        b = bucket_find(l, key, len, hash);
    }
    uint32_t i = l->fresh;
    if (l->free_head != LIM_NIL) {
        i = l->free_head;
        l->free_head = l->entries[i].next;
    } else {
        l->fresh++;
    }
    struct lim_entry *e = &l->entries[i];
    e->hash = hash;
    e->key_len = len;
    memcpy(e->key, key, len < LIM_KEY_INLINE ? len : LIM_KEY_INLINE);
    e->start_ms = now_ms;
    e->count = 1;
    age_append(l, i);
    l->buckets[b] = i + 1;
    l->used++;
}

int limiter_take(struct limiter *l, const char *client_id, const char *version, int64_t now_ms,
                 int64_t *retry_after_s)
{
    char key[LIM_KEY_INLINE];
    uint64_t hash;
    int refused = 0;

    if (!l || l->count == 0)
        return 0;
    size_t len = key_make(client_id ? client_id : "", version ? version : "", key, &hash);

    pthread_mutex_lock(&l->mu);
    drop_expired(l, now_ms);
    uint32_t b = bucket_find(l, key, len, hash);
    if (l->buckets[b] == LIM_EMPTY) {
        key_insert(l, b, key, len, hash, now_ms);
        goto out;
    }
    uint32_t i = l->buckets[b] - 1;
    struct lim_entry *e = &l->entries[i];
    int64_t left_ms = window_left(l, e, now_ms);
    if (left_ms == 0) {
        /* Only behind a head still running, or after the clock went back. */
        e->start_ms = now_ms;
        e->count = 1;
        age_unlink(l, i);
        age_append(l, i);
    } else if (e->count < l->count) {
        e->count++;
    } else {
        /* Rounded up: a request sent that many whole seconds later is past the end. */
        if (retry_after_s)
            *retry_after_s = left_ms / 1000 + (left_ms % 1000 != 0);
        refused = 1;
    }
out:
    pthread_mutex_unlock(&l->mu);
    return refused;
}

void limiter_reset(struct limiter *l)
{
    if (!l || l->count == 0)
        return;
    pthread_mutex_lock(&l->mu);
    clear(l);
    pthread_mutex_unlock(&l->mu);
}

size_t limiter_size(struct limiter *l)
{
    if (!l || l->count == 0)
        return 0;
    pthread_mutex_lock(&l->mu);
    size_t n = l->used;
    pthread_mutex_unlock(&l->mu);
    return n;
}

/* Decimal digits only, 1..INT_MAX; advances *s past them. 0 or -1. */
static int parse_positive(const char **s, int *out)
{
    const char *p = *s;
    long long v = 0;
    if (*p < '0' || *p > '9')
        return -1;
    while (*p >= '0' && *p <= '9') {
        v = v * 10 + (*p - '0');
        if (v > INT_MAX)
            return -1;
        p++;
    }
    if (v == 0)
        return -1;
    *out = (int)v;
    *s = p;
    return 0;
}

int limiter_parse(const char *spec, int *count, int64_t *window_ms)
{
    int c, secs;

    if (!spec || !count || !window_ms)
        return -1;
    if (strcmp(spec, "0") == 0) {
        *count = 0;
        *window_ms = 0;
        return 0;
    }
    if (parse_positive(&spec, &c) != 0 || *spec++ != '/' || parse_positive(&spec, &secs) != 0 ||
        *spec != '\0')
        return -1;
    *count = c;
    *window_ms = (int64_t)secs * 1000;
    return 0;
}

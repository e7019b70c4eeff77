/*
 * token_cache.c - a bounded, direct-mapped cache of verified tokens (see
 * token_cache.h). A token's FNV-1a hash picks its slot; a hit needs the
 * same length and the same bytes, so two tokens never share an entry.
 * Slots are guarded by a small array of mutexes (slot i by lock i % LOCKS),
 * so concurrent checks of different tokens rarely wait for each other.
 *
 * The slots are about 4 MB of zero pages that stay unresident until a token
 * lands in them; a bitmap of the filled ones lets token_cache_free() visit
 * those only, instead of touching (and so faulting in) every page on the way
 * out, which cost most of the time from a stop signal to the exit.
 */
#include "token_cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../core/hash.h"

#define LOCKS 64

struct slot {
    char *token; /* owned; NULL: empty */
    size_t len;
    uint64_t hash;
    struct auth_principal p;
    double exp;
};

#define WORD_BITS 64

struct token_cache {
    pthread_mutex_t locks[LOCKS];
    /* Bit i of the whole array set: slot i has held a token. Set atomically
     * (a word covers slots under different locks); read only by free. */
    _Atomic uint64_t filled[TOKEN_CACHE_SLOTS / WORD_BITS];
    struct slot slots[TOKEN_CACHE_SLOTS];
};

struct token_cache *token_cache_new(void)
{
    struct token_cache *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    for (int i = 0; i < LOCKS; i++)
        pthread_mutex_init(&c->locks[i], NULL);
    return c;
}

void token_cache_free(struct token_cache *c)
{
    if (!c)
        return;
    for (size_t w = 0; w < TOKEN_CACHE_SLOTS / WORD_BITS; w++) {
        uint64_t bits = atomic_load(&c->filled[w]);
        for (; bits; bits &= bits - 1)
            free(c->slots[w * WORD_BITS + (size_t)__builtin_ctzll(bits)].token);
    }
    for (int i = 0; i < LOCKS; i++)
        pthread_mutex_destroy(&c->locks[i]);
    free(c);
}

int token_cache_get(struct token_cache *c, const char *token, size_t len, struct auth_principal *p,
                    double *exp)
{
    if (!c || len > TOKEN_CACHE_MAX_LEN)
        return 0;
    uint64_t h = hash_bytes(token, len);
    size_t i = (size_t)(h % TOKEN_CACHE_SLOTS);
    struct slot *s = &c->slots[i];
    int hit = 0;
    pthread_mutex_lock(&c->locks[i % LOCKS]);
    if (s->token && s->hash == h && s->len == len && memcmp(s->token, token, len) == 0) {
        *p = s->p;
        *exp = s->exp;
        hit = 1;
    }
    pthread_mutex_unlock(&c->locks[i % LOCKS]);
    return hit;
}

void token_cache_put(struct token_cache *c, const char *token, size_t len,
                     const struct auth_principal *p, double exp)
{
    if (!c || len > TOKEN_CACHE_MAX_LEN)
        return;
    char *copy = malloc(len);
    if (!copy)
        return;
    memcpy(copy, token, len);
    uint64_t h = hash_bytes(token, len);
    size_t i = (size_t)(h % TOKEN_CACHE_SLOTS);
    struct slot *s = &c->slots[i];
    pthread_mutex_lock(&c->locks[i % LOCKS]);
    char *old = s->token;
    *s = (struct slot){.token = copy, .len = len, .hash = h, .p = *p, .exp = exp};
    pthread_mutex_unlock(&c->locks[i % LOCKS]);
    atomic_fetch_or(&c->filled[i / WORD_BITS], (uint64_t)1 << (i % WORD_BITS));
    free(old);
}

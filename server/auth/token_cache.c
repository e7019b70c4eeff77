/*
 * token_cache.c - a bounded, direct-mapped cache of verified tokens (see
 * token_cache.h). A token's FNV-1a hash picks its slot; a hit needs the
 * same length and the same bytes, so two tokens never share an entry.
 * Slots are guarded by a small array of mutexes (slot i by lock i % LOCKS),
 * so concurrent checks of different tokens rarely wait for each other.
 */
#include "token_cache.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define LOCKS 64

struct slot {
    char *token; /* owned; NULL: empty */
    size_t len;
    uint64_t hash;
    struct auth_principal p;
    double exp;
};

struct token_cache {
    pthread_mutex_t locks[LOCKS];
    struct slot slots[TOKEN_CACHE_SLOTS];
};

static uint64_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

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
    for (int i = 0; i < TOKEN_CACHE_SLOTS; i++)
        free(c->slots[i].token);
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
    free(old);
}

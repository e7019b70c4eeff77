/*
 * token_cache.h - verified access tokens remembered by their bytes, so that
 * a client polling with the same token pays for its signature and claims
 * once, not on every request.
 *
 * A token is cached only after auth_check() verified it. A hit gives back
 * the principal and the token's exact `exp`; expiry is still checked by the
 * caller on every hit, against the clock of that moment (a virtual clock can
 * move either way). Tokens are never revoked before they expire (the key
 * does not change while the server runs), so nothing else can make a cached
 * token wrong.
 *
 * Bounded: a fixed number of slots, each holding one token; a new token
 * replaces whatever its slot held. Thread-safe (striped locks); the cache
 * owns copies of what it is given. token_cache_free(NULL) is a no-op.
 */
#ifndef ISC_AUTH_TOKEN_CACHE_H
#define ISC_AUTH_TOKEN_CACHE_H

#include <stddef.h>

#include "auth.h"

#define TOKEN_CACHE_SLOTS 4096
#define TOKEN_CACHE_MAX_LEN 2048 /* longer tokens are verified every time */

struct token_cache;

/* A new empty cache; NULL on OOM. */
struct token_cache *token_cache_new(void);
void token_cache_free(struct token_cache *c);

/* 1 and *p, *exp filled when the `len` bytes of `token` are cached; else 0.
 * c NULL is a miss. */
int token_cache_get(struct token_cache *c, const char *token, size_t len, struct auth_principal *p,
                    double *exp);

/* Remembers a verified token (copied) with its principal and exact exp. A
 * token longer than TOKEN_CACHE_MAX_LEN, c NULL or OOM: nothing is kept. */
void token_cache_put(struct token_cache *c, const char *token, size_t len,
                     const struct auth_principal *p, double exp);

#endif

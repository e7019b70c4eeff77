/*
 * auth.h - who is calling: issuing and checking the mock's access tokens.
 *
 * Tokens are HS256 JWTs signed with the issuer's key and carry the claim names
 * of real ISC tokens (tenant_id, pod, org, client_id, scope, authorities,
 * exp, jti; identity_id, user_name and strong_auth for user tokens).
 * A `struct auth_principal` is a plain value the caller owns.
 */
#ifndef ISC_AUTH_AUTH_H
#define ISC_AUTH_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"

struct clock;
struct jwt_key;
struct store_client;
struct token_cache;

/*
 * What tokens are signed with and stamped with, and the clock that says
 * whether they have expired. Every pointer is borrowed: the owner (the app)
 * keeps them alive as long as the issuer is used. org and pod NULL mint "".
 */
struct auth_issuer {
    const struct jwt_key *key; /* HS256 key, set up once (jwt.h) */
    const char *tenant_id;
    const char *org;
    const char *pod;
    struct clock *clock;       /* "now" for expiry checks */
    struct token_cache *cache; /* verified tokens (token_cache.h); NULL: verify every time */
};

struct auth_principal {
    char client_id[128];
    int user_context;    /* 1: user (personal access token) token */
    char scopes[512];    /* space separated */
    char user_level[64]; /* authority such as ORG_ADMIN; "" for client tokens */
    char user_name[128]; /* "" for client tokens */
    char identity_id[40];
    char jti[40];
    int64_t exp_s; /* Unix seconds */
};

/*
 * Checks an Authorization header value ("Bearer <jwt>") against the issuer's
 * key and clock. On success fills `out` and returns ERR_OK; otherwise returns
 * ERR_UNAUTHORIZED with the reason for the {"error": ...} body in `why`
 * (an expired token reads "JWT validation failed: JWT is expired").
 * A token found in the issuer's cache skips verification but not expiry.
 * `header` may be NULL (missing header). `iss` NULL or without a key or
 * clock, or `out` NULL, is ERR_INTERNAL.
 */
enum err auth_check(const struct auth_issuer *iss, const char *header, struct auth_principal *out,
                    char *why, size_t whylen);

/*
 * Mints a token for `client` valid for `ttl_s` seconds from `now_ms` (a
 * negative ttl gives an already expired token). `scope_override`, when not
 * NULL, replaces the client's scopes. On success returns a malloc'd JWT
 * (caller frees) and fills *jti_out (IDS_UUID_LEN) and *exp_s; NULL on OOM,
 * when `iss` (or its key or tenant_id) or `client` is NULL, or when exp
 * would overflow.
 */
char *auth_mint(const struct auth_issuer *iss, const struct store_client *client,
                const char *scope_override, int64_t now_ms, int64_t ttl_s, char *jti_out,
                int64_t *exp_s);

#endif

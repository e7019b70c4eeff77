/*
 * jwt.h - compact JSON Web Tokens signed with HMAC-SHA256 (RFC 7519, RFC 7515)
 * and the unpadded base64url encoding they are made of (RFC 4648 §5).
 *
 * Only one header is ever produced or accepted: {"alg":"HS256","typ":"JWT"}.
 * Anything else ("alg":"none", RS256, extra members such as "crit" or "kid")
 * is refused before the signature is looked at. The HMAC is nettle's and
 * signatures are compared in constant time.
 *
 * A key is set up once (jwt_key_new: HMAC's inner and outer key blocks
 * hashed) and then signs and verifies any number of tokens, from any number
 * of threads at once: it never changes after jwt_key_new().
 *
 * Memory: every pointer returned here is malloc'd and owned by the caller
 * (free(), cJSON_Delete() or jwt_key_free()). Input buffers are borrowed,
 * never retained, and need not be NUL-terminated unless said so. No function
 * keeps state beyond a key, so all are thread-safe.
 */
#ifndef ISC_AUTH_JWT_H
#define ISC_AUTH_JWT_H

#include <stddef.h>
#include <stdint.h>

struct cJSON;

/* Longest token jwt_verify() looks at; longer input is JWT_MALFORMED. */
#define JWT_MAX_LEN 8192

/* Characters needed to encode n bytes without padding (no NUL counted). */
#define JWT_B64URL_ENC_LEN(n) (((n) / 3) * 4 + ((n) % 3 ? (n) % 3 + 1 : 0))
/* Upper bound of the bytes that n characters decode to. */
#define JWT_B64URL_DEC_MAX(n) (((n) / 4) * 3 + 2)

/*
 * Encodes `n` bytes of `in` as base64url without padding into `out`, which
 * must hold JWT_B64URL_ENC_LEN(n) + 1 bytes (`outcap`); the result is
 * NUL-terminated. Returns the length written, or -1 when `out` is too small
 * (then `out` is left untouched). `in` may be NULL when n is 0.
 */
long jwt_b64url_encode(const void *in, size_t n, char *out, size_t outcap);

/*
 * Decodes `n` characters of unpadded base64url. Strict: padding ('='),
 * characters outside [A-Za-z0-9_-], a length of 4k+1 and non-zero unused
 * trailing bits are refused, so each byte string has exactly one encoding.
 * On success writes the bytes into `out` (capacity `outcap`), sets *outlen and
 * returns 0; returns -1 on bad input or a too small `out`.
 */
int jwt_b64url_decode(const char *in, size_t n, unsigned char *out, size_t outcap, size_t *outlen);

/* An HS256 key, set up for signing and verifying; opaque and immutable. */
struct jwt_key;

/*
 * Sets up `keylen` bytes of `key` (copied; the bytes need not outlive it).
 * Returns the key (free with jwt_key_free), or NULL when key is NULL, keylen
 * is 0, or memory runs out.
 */
struct jwt_key *jwt_key_new(const unsigned char *key, size_t keylen);
/* Frees a key (and wipes it). NULL is a no-op. */
void jwt_key_free(struct jwt_key *key);

/*
 * Signs `claims` (a cJSON object, serialised unformatted) with `key`.
 * Returns the NUL-terminated token "header.payload.signature", or NULL when
 * claims is NULL or not an object, key is NULL, or memory runs out.
 */
char *jwt_sign_with(const struct cJSON *claims, const struct jwt_key *key);
/* jwt_sign_with() with `keylen` bytes of `key` set up for this one call; NULL
 * also when keylen is 0. */
char *jwt_sign(const struct cJSON *claims, const unsigned char *key, size_t keylen);

/* Why jwt_verify() refused a token. */
enum jwt_status {
    JWT_OK = 0,
    JWT_MALFORMED,     /* not three base64url parts, bad JSON, payload not an object, no exp */
    JWT_BAD_HEADER,    /* a header other than {"alg":"HS256","typ":"JWT"} */
    JWT_BAD_SIGNATURE, /* the HMAC does not match (or is not 32 base64url bytes) */
    JWT_EXPIRED,       /* now_s >= exp */
    JWT_NOMEM,
};

/* A short English text for `st` (static, never NULL): "JWT is expired", ... */
const char *jwt_status_text(enum jwt_status st);

/*
 * Verifies `len` bytes of `token` against `key`, in this order: shape,
 * header, signature, payload (a JSON object with a numeric `exp`), expiry.
 * A token is expired when `now_s` (Unix seconds) is at or past `exp`
 * (RFC 7519 §4.1.4: it must be used before exp). On JWT_OK, when `claims` is
 * not NULL, *claims receives the parsed payload (caller deletes); on any
 * other status *claims is set to NULL. key NULL is JWT_BAD_SIGNATURE.
 */
enum jwt_status jwt_verify_with(const char *token, size_t len, const struct jwt_key *key,
                                int64_t now_s, struct cJSON **claims);
/* jwt_verify_with() with `keylen` bytes of `key` set up for this one call;
 * key NULL or keylen 0 is JWT_BAD_SIGNATURE. */
enum jwt_status jwt_verify(const char *token, size_t len, const unsigned char *key, size_t keylen,
                           int64_t now_s, struct cJSON **claims);

/*
 * Decodes the payload of a NUL-terminated token WITHOUT checking anything
 * but its shape (three non-empty parts, a JSON object payload); meant for
 * reading back a token this process has just signed.
 * Returns the claims object (caller deletes), or NULL when malformed or OOM.
 */
struct cJSON *jwt_peek(const char *token);

#endif

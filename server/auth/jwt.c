/*
 * jwt.c - HS256 JSON Web Tokens and unpadded base64url (see jwt.h);
 * decoding is core/base64's.
 *
 * Owns nothing beyond each call but the keys it sets up: tokens and claims
 * are built in heap buffers handed to the caller. A key is HMAC-SHA-256's
 * context right after the key is set (both key blocks hashed); each
 * signature starts from a copy of it, so the key itself is only read. The
 * only crypto is nettle's HMAC-SHA-256 and its constant-time memeql_sec();
 * this file knows nothing about ISC claim names, HTTP or the store.
 */
#include "jwt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <nettle/hmac.h>
#include <nettle/memops.h>

#include "../core/base64.h"

#define JWT_SIG_LEN 32 /* SHA-256 */

/* The one header this module writes; its encoding is fixed. */
static const char jwt_header_json[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

long jwt_b64url_encode(const void *in, size_t n, char *out, size_t outcap)
{
    const unsigned char *p = in;
    size_t need = JWT_B64URL_ENC_LEN(n);
    if (!out || outcap < need + 1 || (n && !in))
        return -1;
    size_t o = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        unsigned long v = (unsigned long)p[i] << 16 | (unsigned long)p[i + 1] << 8 | p[i + 2];
        out[o++] = b64url_alphabet[(v >> 18) & 63];
        out[o++] = b64url_alphabet[(v >> 12) & 63];
        out[o++] = b64url_alphabet[(v >> 6) & 63];
        out[o++] = b64url_alphabet[v & 63];
    }
    if (n - i == 1) {
        unsigned long v = (unsigned long)p[i] << 16;
        out[o++] = b64url_alphabet[(v >> 18) & 63];
        out[o++] = b64url_alphabet[(v >> 12) & 63];
    } else if (n - i == 2) {
        unsigned long v = (unsigned long)p[i] << 16 | (unsigned long)p[i + 1] << 8;
        out[o++] = b64url_alphabet[(v >> 18) & 63];
        out[o++] = b64url_alphabet[(v >> 12) & 63];
        out[o++] = b64url_alphabet[(v >> 6) & 63];
    }
    out[o] = '\0';
    return (long)o;
}

int jwt_b64url_decode(const char *in, size_t n, unsigned char *out, size_t outcap, size_t *outlen)
{
    return base64_decode(in, n, BASE64_URL, out, outcap, outlen);
}

/* Decodes a base64url segment into a fresh NUL-terminated buffer; NULL on bad input or OOM. */
static unsigned char *b64url_decode_alloc(const char *in, size_t n, size_t *outlen, int *nomem)
{
    size_t cap = JWT_B64URL_DEC_MAX(n);
    unsigned char *buf = malloc(cap + 1);
    if (!buf) {
        *nomem = 1;
        return NULL;
    }
    if (jwt_b64url_decode(in, n, buf, cap, outlen) != 0) {
        free(buf);
        return NULL;
    }
    buf[*outlen] = '\0';
    return buf;
}

/* Parses a NUL-terminated buffer of `len` bytes as exactly one JSON value:
 * no embedded NUL, nothing but whitespace after it. NULL otherwise. */
static cJSON *parse_exact(const unsigned char *buf, size_t len)
{
    if (memchr(buf, '\0', len))
        return NULL;
    /* cJSON wants the terminator inside the length to check for it. */
    return cJSON_ParseWithLengthOpts((const char *)buf, len + 1, NULL, 1);
}

/* Appends the base64url form of n bytes at out + *pos (room already checked). */
static void put_b64url(char *out, size_t cap, size_t *pos, const void *in, size_t n)
{
    long w = jwt_b64url_encode(in, n, out + *pos, cap - *pos);
    *pos += (size_t)w;
}

struct jwt_key {
    struct hmac_sha256_ctx keyed; /* the state right after hmac_sha256_set_key */
};

static void key_setup(struct jwt_key *k, const unsigned char *key, size_t keylen)
{
    hmac_sha256_set_key(&k->keyed, keylen, key);
}

static void key_wipe(struct jwt_key *k)
{
    /* volatile: a wipe of memory about to be freed is not optimised away */
    volatile unsigned char *p = (volatile unsigned char *)k;
    for (size_t i = 0; i < sizeof *k; i++)
        p[i] = 0;
}

struct jwt_key *jwt_key_new(const unsigned char *key, size_t keylen)
{
    if (!key || keylen == 0)
        return NULL;
    struct jwt_key *k = malloc(sizeof *k);
    if (k)
        key_setup(k, key, keylen);
    return k;
}

void jwt_key_free(struct jwt_key *key)
{
    if (!key)
        return;
    key_wipe(key);
    free(key);
}

static void hs256(const struct jwt_key *key, const char *msg, size_t msglen,
                  unsigned char sig[JWT_SIG_LEN])
{
    struct hmac_sha256_ctx ctx = key->keyed;
    hmac_sha256_update(&ctx, msglen, (const uint8_t *)msg);
    hmac_sha256_digest(&ctx, JWT_SIG_LEN, sig);
}

char *jwt_sign_with(const struct cJSON *claims, const struct jwt_key *key)
{
    char *payload = NULL, *token = NULL;
    unsigned char sig[JWT_SIG_LEN];
    if (!claims || !cJSON_IsObject(claims) || !key)
        goto out;
    payload = cJSON_PrintUnformatted(claims);
    if (!payload)
        goto out;
    size_t hlen = sizeof jwt_header_json - 1, plen = strlen(payload);
    size_t cap = JWT_B64URL_ENC_LEN(hlen) + 1 + JWT_B64URL_ENC_LEN(plen) + 1 +
                 JWT_B64URL_ENC_LEN(JWT_SIG_LEN) + 1;
    token = malloc(cap);
    if (!token)
        goto out;
    size_t pos = 0;
    put_b64url(token, cap, &pos, jwt_header_json, hlen);
    token[pos++] = '.';
    put_b64url(token, cap, &pos, payload, plen);
    hs256(key, token, pos, sig);
    token[pos++] = '.';
    put_b64url(token, cap, &pos, sig, sizeof sig);
out:
    cJSON_free(payload);
    return token;
}

char *jwt_sign(const struct cJSON *claims, const unsigned char *key, size_t keylen)
{
    struct jwt_key k;
    if (!key || keylen == 0)
        return NULL;
    key_setup(&k, key, keylen);
    char *token = jwt_sign_with(claims, &k);
    key_wipe(&k);
    return token;
}

const char *jwt_status_text(enum jwt_status st)
{
    static const char *const texts[] = {
        [JWT_OK] = "JWT is valid",
        [JWT_MALFORMED] = "JWT is malformed",
        [JWT_BAD_HEADER] = "JWT header is not supported (only HS256 JWTs are accepted)",
        [JWT_BAD_SIGNATURE] = "JWT signature does not match",
        [JWT_EXPIRED] = "JWT is expired",
        [JWT_NOMEM] = "out of memory",
    };
    if ((int)st < 0 || (size_t)st >= sizeof texts / sizeof texts[0])
        return "unknown JWT status";
    return texts[st];
}

/* Splits a token into its three segments; -1 unless there are exactly two dots. */
static int split_token(const char *t, size_t len, size_t *dot1, size_t *dot2)
{
    const char *a = memchr(t, '.', len);
    if (!a)
        return -1;
    const char *b = memchr(a + 1, '.', len - (size_t)(a + 1 - t));
    if (!b || memchr(b + 1, '.', len - (size_t)(b + 1 - t)))
        return -1;
    *dot1 = (size_t)(a - t);
    *dot2 = (size_t)(b - t);
    return 0;
}

/* 1 when the header is exactly {"alg":"HS256","typ":"JWT"} (member order and typ case free). */
static int header_ok(const cJSON *h)
{
    if (!cJSON_IsObject(h) || cJSON_GetArraySize(h) != 2)
        return 0;
    const cJSON *alg = cJSON_GetObjectItemCaseSensitive(h, "alg");
    const cJSON *typ = cJSON_GetObjectItemCaseSensitive(h, "typ");
    return cJSON_IsString(alg) && strcmp(alg->valuestring, "HS256") == 0 && cJSON_IsString(typ) &&
           strcasecmp(typ->valuestring, "JWT") == 0;
}

enum jwt_status jwt_verify_with(const char *token, size_t len, const struct jwt_key *key,
                                int64_t now_s, struct cJSON **claims)
{
    enum jwt_status st = JWT_MALFORMED;
    unsigned char *hdr = NULL, *pay = NULL;
    cJSON *hjson = NULL, *pjson = NULL;
    unsigned char sig[JWT_SIG_LEN + 2], want[JWT_SIG_LEN];
    size_t dot1, dot2, hlen, plen, slen;
    int nomem = 0;

    if (claims)
        *claims = NULL;
    if (!token || len == 0 || len > JWT_MAX_LEN || split_token(token, len, &dot1, &dot2) != 0)
        goto out;
    if (dot1 == 0 || dot2 == dot1 + 1 || dot2 + 1 == len)
        goto out;

    hdr = b64url_decode_alloc(token, dot1, &hlen, &nomem);
    if (!hdr) {
        st = nomem ? JWT_NOMEM : JWT_MALFORMED;
        goto out;
    }
    hjson = parse_exact(hdr, hlen);
    if (!hjson)
        goto out;
    if (!header_ok(hjson)) {
        st = JWT_BAD_HEADER;
        goto out;
    }

    /* A signature that is not even 32 base64url bytes cannot match either. */
    if (jwt_b64url_decode(token + dot2 + 1, len - dot2 - 1, sig, sizeof sig, &slen) != 0 ||
        slen != JWT_SIG_LEN || !key) {
        st = JWT_BAD_SIGNATURE;
        goto out;
    }
    hs256(key, token, dot2, want);
    if (!memeql_sec(sig, want, JWT_SIG_LEN)) {
        st = JWT_BAD_SIGNATURE;
        goto out;
    }

    pay = b64url_decode_alloc(token + dot1 + 1, dot2 - dot1 - 1, &plen, &nomem);
    if (!pay) {
        st = nomem ? JWT_NOMEM : JWT_MALFORMED;
        goto out;
    }
    pjson = parse_exact(pay, plen);
    if (!cJSON_IsObject(pjson))
        goto out;
    const cJSON *exp = cJSON_GetObjectItemCaseSensitive(pjson, "exp");
    if (!cJSON_IsNumber(exp) || !isfinite(exp->valuedouble))
        goto out;
    if ((double)now_s >= exp->valuedouble) {
        st = JWT_EXPIRED;
        goto out;
    }
    st = JWT_OK;
    if (claims) {
        *claims = pjson;
        pjson = NULL;
    }
out:
    cJSON_Delete(hjson);
    cJSON_Delete(pjson);
    free(hdr);
    free(pay);
    return st;
}

enum jwt_status jwt_verify(const char *token, size_t len, const unsigned char *key, size_t keylen,
                           int64_t now_s, struct cJSON **claims)
{
    struct jwt_key k, *kp = NULL;
    if (key && keylen > 0) {
        key_setup(&k, key, keylen);
        kp = &k;
    }
    enum jwt_status st = jwt_verify_with(token, len, kp, now_s, claims);
    if (kp)
        key_wipe(kp);
    return st;
}

struct cJSON *jwt_peek(const char *token)
{
    size_t len, dot1, dot2, plen;
    int nomem = 0;
    if (!token)
        return NULL;
    len = strlen(token);
    if (len > JWT_MAX_LEN || split_token(token, len, &dot1, &dot2) != 0 || dot1 == 0 ||
        dot2 == dot1 + 1 || dot2 + 1 == len)
        return NULL;
    unsigned char *pay = b64url_decode_alloc(token + dot1 + 1, dot2 - dot1 - 1, &plen, &nomem);
    if (!pay)
        return NULL;
    cJSON *c = parse_exact(pay, plen);
    free(pay);
    if (c && !cJSON_IsObject(c)) {
        cJSON_Delete(c);
        c = NULL;
    }
    return c;
}

/*
 * test_auth.c - base64url, HS256 JWT signing and verification (auth/jwt.c),
 * and minting and checking access tokens (auth/auth.c) against a virtual
 * clock, and the cache of verified tokens (auth/token_cache.c). Hand-made
 * tokens are signed here with OpenSSL directly, so the header and payload
 * checks are tested behind a valid signature.
 */
#include <criterion/alloc.h>
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "api/app.h"
#include "auth/auth.h"
#include "auth/jwt.h"
#include "auth/token_cache.h"
#include "core/clock.h"
#include "core/ids.h"
#include "store/store.h"

#include "cr_params.h"

static const unsigned char test_key[32] = "0123456789abcdef0123456789abcdef";
#define NOW_S 1767225600LL /* 2026-01-01T00:00:00Z */

/* ---- base64url ---- */

struct b64_case {
    const char *id;
    const char *raw;
    size_t rawlen;
    const char *enc;
};

ParameterizedTestParameters(b64url, encode_decode)
{
    static struct b64_case cases[] = {
        /* RFC 4648 §10 vectors, without padding */
        {"empty", "", 0, ""},
        {"f", "f", 1, "Zg"},
        {"fo", "fo", 2, "Zm8"},
        {"foo", "foo", 3, "Zm9v"},
        {"foob", "foob", 4, "Zm9vYg"},
        {"fooba", "fooba", 5, "Zm9vYmE"},
        {"foobar", "foobar", 6, "Zm9vYmFy"},
        /* the two url-safe characters */
        {"minus and underscore", "\xfb\xff", 2, "-_8"},
        {"all ones", "\xff\xff\xff", 3, "____"},
        {"nul bytes", "\0\0\0\0", 4, "AAAAAA"},
        {"jwt header", "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", 27,
         "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"},
    };
    size_t n = sizeof cases / sizeof cases[0];
    struct b64_case *p = pcopy(cases, sizeof cases);
    for (size_t i = 0; i < n; i++) {
        p[i].id = pstr(cases[i].id, -1);
        p[i].raw = pstr(cases[i].raw, (int)cases[i].rawlen);
        p[i].enc = pstr(cases[i].enc, -1);
    }
    return cr_make_param_array(struct b64_case, p, n);
}

ParameterizedTest(struct b64_case *c, b64url, encode_decode)
{
    char enc[64];
    unsigned char dec[64];
    size_t declen = 99;
    long n = jwt_b64url_encode(c->raw, c->rawlen, enc, sizeof enc);
    cr_assert_eq(n, (long)strlen(c->enc), "[%s] length %ld", c->id, n);
    cr_assert_str_eq(enc, c->enc, "[%s]", c->id);
    cr_assert_eq((size_t)n, JWT_B64URL_ENC_LEN(c->rawlen), "[%s]", c->id);
    cr_assert_eq(jwt_b64url_decode(c->enc, strlen(c->enc), dec, sizeof dec, &declen), 0, "[%s]",
                 c->id);
    cr_assert_eq(declen, c->rawlen, "[%s]", c->id);
    cr_assert(memcmp(dec, c->raw, c->rawlen) == 0, "[%s]", c->id);
}

struct b64_bad {
    const char *id;
    const char *in;
    size_t len;
};

ParameterizedTestParameters(b64url, bad_input)
{
    static struct b64_bad cases[] = {
        {"padding", "Zg==", 4},
        {"one padding char", "Zm8=", 4},
        {"single char", "Z", 1},
        {"4k+1 chars", "Zm9vY", 5},
        {"non-zero trailing bits (2 chars)", "Zh", 2},
        {"non-zero trailing bits (3 chars)", "Zm9", 3},
        {"standard alphabet plus", "ab+c", 4},
        {"standard alphabet slash", "ab/c", 4},
        {"space", "ab c", 4},
        {"newline", "abc\n", 4},
        {"nul byte", "ab\0c", 4},
        {"high byte", "ab\xc3\xa9", 4},
        {"dot", "a.bc", 4},
    };
    size_t n = sizeof cases / sizeof cases[0];
    struct b64_bad *p = pcopy(cases, sizeof cases);
    for (size_t i = 0; i < n; i++) {
        p[i].id = pstr(cases[i].id, -1);
        p[i].in = pstr(cases[i].in, (int)cases[i].len);
    }
    return cr_make_param_array(struct b64_bad, p, n);
}

ParameterizedTest(struct b64_bad *c, b64url, bad_input)
{
    unsigned char out[16];
    size_t n = 12345;
    cr_assert_eq(jwt_b64url_decode(c->in, c->len, out, sizeof out, &n), -1, "[%s]", c->id);
    cr_assert_eq(n, 12345, "[%s] outlen untouched", c->id);
}

Test(b64url, round_trip_every_length)
{
    unsigned char raw[100], dec[100];
    char enc[JWT_B64URL_ENC_LEN(100) + 1];
    for (size_t i = 0; i < sizeof raw; i++)
        raw[i] = (unsigned char)(i * 37 + 11);
    for (size_t n = 0; n <= sizeof raw; n++) {
        size_t dn = 0;
        long e = jwt_b64url_encode(raw, n, enc, sizeof enc);
        cr_assert_eq(e, (long)JWT_B64URL_ENC_LEN(n), "n=%zu", n);
        cr_assert_eq(
            strspn(enc, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            (size_t)e, "n=%zu: only url-safe characters", n);
        cr_assert(JWT_B64URL_DEC_MAX((size_t)e) >= n);
        cr_assert_eq(jwt_b64url_decode(enc, (size_t)e, dec, sizeof dec, &dn), 0, "n=%zu", n);
        cr_assert_eq(dn, n);
        cr_assert(memcmp(raw, dec, n) == 0, "n=%zu", n);
    }
}

Test(b64url, buffers_too_small)
{
    char enc[4];
    unsigned char dec[2];
    size_t n = 0;
    memcpy(enc, "zzz", 4);
    cr_assert_eq(jwt_b64url_encode("foo", 3, enc, 4), -1, "needs room for the NUL");
    cr_assert_str_eq(enc, "zzz", "left untouched");
    cr_assert_eq(jwt_b64url_encode("foo", 3, enc, 5 - 1 + 0), -1);
    cr_assert_eq(jwt_b64url_decode("Zm9v", 4, dec, sizeof dec, &n), -1);
    cr_assert_eq(jwt_b64url_decode("Zm8", 3, dec, sizeof dec, &n), 0);
    cr_assert_eq(n, 2);
    cr_assert_eq(jwt_b64url_encode(NULL, 0, enc, 1), 0);
    cr_assert_str_eq(enc, "");
}

/* ---- JWT ---- */

/* "b64(header).b64(payload).b64(HMAC(key))", made here without jwt_sign(). */
static char *craft(const char *header, const char *payload, const unsigned char *key, size_t keylen)
{
    size_t hl = strlen(header), pl = strlen(payload);
    size_t cap = JWT_B64URL_ENC_LEN(hl) + JWT_B64URL_ENC_LEN(pl) + JWT_B64URL_ENC_LEN(32) + 3;
    char *t = malloc(cap);
    cr_assert_not_null(t);
    long a = jwt_b64url_encode(header, hl, t, cap);
    t[a] = '.';
    long b = jwt_b64url_encode(payload, pl, t + a + 1, cap - (size_t)a - 1);
    size_t signed_len = (size_t)(a + 1 + b);
    unsigned char mac[32];
    unsigned int maclen = 0;
    cr_assert_not_null(
        HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)t, signed_len, mac, &maclen));
    t[signed_len] = '.';
    jwt_b64url_encode(mac, maclen, t + signed_len + 1, cap - signed_len - 1);
    return t;
}

static const char *std_header = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

static enum jwt_status verify_str(const char *t, int64_t now_s)
{
    return jwt_verify(t, strlen(t), test_key, sizeof test_key, now_s, NULL);
}

Test(jwt, sign_then_verify)
{
    cJSON *claims = cJSON_Parse("{\"sub\":\"x\",\"exp\":1767225700,\"scope\":[\"a\",\"b\"]}");
    char *t = jwt_sign(claims, test_key, sizeof test_key);
    cr_assert_not_null(t);
    cr_assert(strncmp(t, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.", 37) == 0, "fixed header: %s", t);
    cJSON *got = (cJSON *)1;
    cr_assert_eq(jwt_verify(t, strlen(t), test_key, sizeof test_key, NOW_S, &got), JWT_OK);
    cr_assert(cJSON_Compare(got, claims, 1), "claims survive the round trip");
    cJSON_Delete(got);

    cJSON *peek = jwt_peek(t);
    cr_assert(cJSON_Compare(peek, claims, 1));
    cJSON_Delete(peek);

    /* the same claims give the same token; crafting by hand agrees */
    char *again = jwt_sign(claims, test_key, sizeof test_key);
    cr_assert_str_eq(again, t);
    char *payload = cJSON_PrintUnformatted(claims);
    char *hand = craft(std_header, payload, test_key, sizeof test_key);
    cr_assert_str_eq(hand, t);
    free(hand);
    free(payload);
    free(again);
    free(t);
    cJSON_Delete(claims);
}

Test(jwt, sign_refuses_bad_arguments)
{
    cJSON *arr = cJSON_Parse("[1]");
    cJSON *obj = cJSON_Parse("{\"exp\":1}");
    cr_assert_null(jwt_sign(NULL, test_key, sizeof test_key));
    cr_assert_null(jwt_sign(arr, test_key, sizeof test_key));
    cr_assert_null(jwt_sign(obj, NULL, 32));
    cr_assert_null(jwt_sign(obj, test_key, 0));
    cJSON_Delete(arr);
    cJSON_Delete(obj);
}

/* A key set up once signs and verifies as its bytes do, every time, and
 * only as its own bytes do. */
Test(jwt, a_key_set_up_once_serves_every_token)
{
    cJSON *claims = cJSON_Parse("{\"sub\":\"x\",\"exp\":1767225700}");
    struct jwt_key *k = jwt_key_new(test_key, sizeof test_key);
    cr_assert_not_null(k);
    char *want = jwt_sign(claims, test_key, sizeof test_key);
    for (int i = 0; i < 3; i++) {
        char *t = jwt_sign_with(claims, k);
        cr_assert_str_eq(t, want, "signature %d", i);
        cr_assert_eq(jwt_verify_with(t, strlen(t), k, NOW_S, NULL), JWT_OK, "verify %d", i);
        free(t);
    }
    unsigned char other_bytes[sizeof test_key];
    memcpy(other_bytes, test_key, sizeof test_key);
    other_bytes[sizeof test_key - 1] ^= 0x80;
    struct jwt_key *other = jwt_key_new(other_bytes, sizeof other_bytes);
    cr_assert_not_null(other);
    cr_assert_eq(jwt_verify_with(want, strlen(want), other, NOW_S, NULL), JWT_BAD_SIGNATURE);
    cr_assert_eq(jwt_verify_with(want, strlen(want), NULL, NOW_S, NULL), JWT_BAD_SIGNATURE);
    char *t = jwt_sign_with(claims, other);
    cr_assert_str_neq(t, want, "another key, another signature");
    cr_assert_eq(jwt_verify(t, strlen(t), other_bytes, sizeof other_bytes, NOW_S, NULL), JWT_OK);
    cr_assert_null(jwt_sign_with(claims, NULL));
    cr_assert_null(jwt_key_new(NULL, 32));
    cr_assert_null(jwt_key_new(test_key, 0));
    jwt_key_free(NULL);
    free(t);
    free(want);
    jwt_key_free(other);
    jwt_key_free(k);
    cJSON_Delete(claims);
}

/* Replaces the character at `pos` with a different valid base64url character. */
static void flip(char *t, size_t pos)
{
    t[pos] = t[pos] == 'A' ? 'B' : 'A';
}

Test(jwt, tampering_breaks_the_signature)
{
    const char *payload = "{\"sub\":\"x\",\"exp\":1767225700}";
    char *t = craft(std_header, payload, test_key, sizeof test_key);
    size_t len = strlen(t);
    char *dot1 = strchr(t, '.'), *dot2 = strrchr(t, '.');
    cr_assert_eq(verify_str(t, NOW_S), JWT_OK);

    char *c = strdup(t);
    flip(c, (size_t)(dot1 - t) + 1); /* first payload character */
    cr_assert_eq(verify_str(c, NOW_S), JWT_BAD_SIGNATURE, "payload changed");
    free(c);

    /* a payload swapped for another, correctly encoded one */
    char *other =
        craft(std_header, "{\"sub\":\"admin\",\"exp\":1767225700}", test_key, sizeof test_key);
    char *o1 = strchr(other, '.'), *o2 = strrchr(other, '.');
    char swapped[1024];
    snprintf(swapped, sizeof swapped, "%.*s%.*s%s", (int)(dot1 - t), t, (int)(o2 - o1), o1, dot2);
    cr_assert_eq(verify_str(swapped, NOW_S), JWT_BAD_SIGNATURE, "payload swapped");
    free(other);

    c = strdup(t);
    flip(c, (size_t)(dot2 - t) + 1); /* first signature character */
    cr_assert_eq(verify_str(c, NOW_S), JWT_BAD_SIGNATURE, "signature changed");
    c[len - 1] = c[len - 1] == 'A' ? 'E' : 'A'; /* and its last one */
    cr_assert_eq(verify_str(c, NOW_S), JWT_BAD_SIGNATURE);
    free(c);

    c = strdup(t);
    c[len - 2] = '\0'; /* signature cut short */
    cr_assert_eq(verify_str(c, NOW_S), JWT_BAD_SIGNATURE);
    free(c);

    static const unsigned char other_key[32] = "another key, another key, anothe";
    cr_assert_eq(jwt_verify(t, len, other_key, sizeof other_key, NOW_S, NULL), JWT_BAD_SIGNATURE,
                 "wrong key");
    cr_assert_eq(jwt_verify(t, len, test_key, 31, NOW_S, NULL), JWT_BAD_SIGNATURE, "shorter key");
    cr_assert_eq(jwt_verify(t, len, NULL, 0, NOW_S, NULL), JWT_BAD_SIGNATURE, "no key");
    free(t);
}

struct hdr_case {
    const char *id;
    const char *header;
    enum jwt_status want;
};

ParameterizedTestParameters(jwt, headers)
{
    static struct hdr_case cases[] = {
        {"standard", "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", JWT_OK},
        {"members reordered", "{\"typ\":\"JWT\",\"alg\":\"HS256\"}", JWT_OK},
        {"typ lower case", "{\"alg\":\"HS256\",\"typ\":\"jwt\"}", JWT_OK},
        {"whitespace", " { \"alg\" : \"HS256\" , \"typ\" : \"JWT\" } ", JWT_OK},
        {"alg none", "{\"alg\":\"none\",\"typ\":\"JWT\"}", JWT_BAD_HEADER},
        {"alg None", "{\"alg\":\"None\",\"typ\":\"JWT\"}", JWT_BAD_HEADER},
        {"alg hs256 lower case", "{\"alg\":\"hs256\",\"typ\":\"JWT\"}", JWT_BAD_HEADER},
        {"alg HS512", "{\"alg\":\"HS512\",\"typ\":\"JWT\"}", JWT_BAD_HEADER},
        {"alg RS256", "{\"alg\":\"RS256\",\"typ\":\"JWT\"}", JWT_BAD_HEADER},
        {"alg not a string", "{\"alg\":256,\"typ\":\"JWT\"}", JWT_BAD_HEADER},
        {"no alg", "{\"typ\":\"JWT\"}", JWT_BAD_HEADER},
        {"no typ", "{\"alg\":\"HS256\"}", JWT_BAD_HEADER},
        {"typ JWS", "{\"alg\":\"HS256\",\"typ\":\"JWS\"}", JWT_BAD_HEADER},
        {"extra kid", "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"1\"}", JWT_BAD_HEADER},
        {"crit", "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"crit\":[\"exp\"]}", JWT_BAD_HEADER},
        {"duplicate alg", "{\"alg\":\"none\",\"alg\":\"HS256\"}", JWT_BAD_HEADER},
        {"array", "[\"HS256\",\"JWT\"]", JWT_BAD_HEADER},
        {"string", "\"HS256\"", JWT_BAD_HEADER},
        {"not json", "alg=HS256", JWT_MALFORMED},
        {"trailing garbage", "{\"alg\":\"HS256\",\"typ\":\"JWT\"}x", JWT_MALFORMED},
        {"empty object", "{}", JWT_BAD_HEADER},
    };
    size_t n = sizeof cases / sizeof cases[0];
    struct hdr_case *p = pcopy(cases, sizeof cases);
    for (size_t i = 0; i < n; i++) {
        p[i].id = pstr(cases[i].id, -1);
        p[i].header = pstr(cases[i].header, -1);
    }
    return cr_make_param_array(struct hdr_case, p, n);
}

ParameterizedTest(struct hdr_case *c, jwt, headers)
{
    /* Correctly signed with the right key: only the header can be at fault. */
    char *t = craft(c->header, "{\"exp\":1767225700}", test_key, sizeof test_key);
    cJSON *claims = (cJSON *)1;
    enum jwt_status st = jwt_verify(t, strlen(t), test_key, sizeof test_key, NOW_S, &claims);
    cr_assert_eq(st, c->want, "[%s] got %s", c->id, jwt_status_text(st));
    if (st == JWT_OK)
        cJSON_Delete(claims);
    else
        cr_assert_null(claims, "[%s]", c->id);
    free(t);
}

Test(jwt, alg_none_without_signature)
{
    /* The classic forgery: alg none, payload of one's choice, empty signature. */
    char h[64], p[128], t[256];
    jwt_b64url_encode("{\"alg\":\"none\",\"typ\":\"JWT\"}", 26, h, sizeof h);
    jwt_b64url_encode("{\"sub\":\"x\",\"exp\":1767229999}", 27, p, sizeof p);
    snprintf(t, sizeof t, "%s.%s.", h, p);
    cr_assert_eq(verify_str(t, NOW_S), JWT_MALFORMED);
    snprintf(t, sizeof t, "%s.%s.AAAA", h, p);
    cr_assert_eq(verify_str(t, NOW_S), JWT_BAD_HEADER);
}

struct payload_case {
    const char *id;
    const char *payload;
    int64_t now_s;
    enum jwt_status want;
};

ParameterizedTestParameters(jwt, payloads)
{
    static struct payload_case cases[] = {
        {"valid", "{\"exp\":1767225601}", NOW_S, JWT_OK},
        {"exp exactly now", "{\"exp\":1767225600}", NOW_S, JWT_EXPIRED},
        {"exp one second ago", "{\"exp\":1767225599}", NOW_S, JWT_EXPIRED},
        {"long expired", "{\"exp\":0}", NOW_S, JWT_EXPIRED},
        {"negative exp", "{\"exp\":-5}", NOW_S, JWT_EXPIRED},
        {"fractional exp just after now", "{\"exp\":1767225600.5}", NOW_S, JWT_OK},
        {"far future", "{\"exp\":32503680000}", NOW_S, JWT_OK},
        {"exp missing", "{\"sub\":\"x\"}", NOW_S, JWT_MALFORMED},
        {"exp a string", "{\"exp\":\"1767229999\"}", NOW_S, JWT_MALFORMED},
        {"exp null", "{\"exp\":null}", NOW_S, JWT_MALFORMED},
        {"exp Exp", "{\"Exp\":1767229999}", NOW_S, JWT_MALFORMED},
        {"payload an array", "[{\"exp\":1767229999}]", NOW_S, JWT_MALFORMED},
        {"payload a number", "42", NOW_S, JWT_MALFORMED},
        {"payload not json", "exp=1767229999", NOW_S, JWT_MALFORMED},
        {"payload empty", "", NOW_S, JWT_MALFORMED},
        {"payload trailing garbage", "{\"exp\":1767229999}}", NOW_S, JWT_MALFORMED},
    };
    size_t n = sizeof cases / sizeof cases[0];
    struct payload_case *p = pcopy(cases, sizeof cases);
    for (size_t i = 0; i < n; i++) {
        p[i].id = pstr(cases[i].id, -1);
        p[i].payload = pstr(cases[i].payload, -1);
    }
    return cr_make_param_array(struct payload_case, p, n);
}

ParameterizedTest(struct payload_case *c, jwt, payloads)
{
    char *t = craft(std_header, c->payload, test_key, sizeof test_key);
    enum jwt_status st = verify_str(t, c->now_s);
    cr_assert_eq(st, c->want, "[%s] got %s", c->id, jwt_status_text(st));
    free(t);
}

Test(jwt, expired_needs_a_valid_signature_first)
{
    char *t = craft(std_header, "{\"exp\":1}", (const unsigned char *)"k", 1);
    cr_assert_eq(verify_str(t, NOW_S), JWT_BAD_SIGNATURE);
    free(t);
}

struct garbage_case {
    const char *id;
    const char *token;
};

ParameterizedTestParameters(jwt, garbage)
{
    static struct garbage_case cases[] = {
        {"empty", ""},
        {"one dot", "."},
        {"two dots", ".."},
        {"three dots", "..."},
        {"no dots", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"},
        {"two parts", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjF9"},
        {"empty payload", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9..AAAA"},
        {"empty signature", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjF9."},
        {"empty header", ".eyJleHAiOjF9.AAAA"},
        {"four parts", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjF9.AAAA.AAAA"},
        {"padded header", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9==.eyJleHAiOjF9.AAAA"},
        {"standard base64 header", "eyJ+bGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjF9.AAAA"},
        {"spaces", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9 .eyJleHAiOjF9.AAAA"},
        {"words", "not.a.token"},
        {"bearer prefix kept", "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjF9.AAAA"},
        {"binary", "\x01\x02.\x03\x04.\x05"},
    };
    size_t n = sizeof cases / sizeof cases[0];
    struct garbage_case *p = pcopy(cases, sizeof cases);
    for (size_t i = 0; i < n; i++) {
        p[i].id = pstr(cases[i].id, -1);
        p[i].token = pstr(cases[i].token, -1);
    }
    return cr_make_param_array(struct garbage_case, p, n);
}

ParameterizedTest(struct garbage_case *c, jwt, garbage)
{
    cJSON *claims = (cJSON *)1;
    enum jwt_status st =
        jwt_verify(c->token, strlen(c->token), test_key, sizeof test_key, NOW_S, &claims);
    cr_assert(st == JWT_MALFORMED || st == JWT_BAD_SIGNATURE, "[%s] got %s", c->id,
              jwt_status_text(st));
    cr_assert_null(claims, "[%s]", c->id);
}

Test(jwt, peek_reads_the_payload_only)
{
    static const char *const bad[] = {
        "",
        ".",
        "..",
        "a.b",
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjF9.",
        ".eyJleHAiOjF9.AAAA",
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9..AAAA",
        "x.WzFd.x", /* payload [1]: not an object */
        "x.eyJleHAiOjF9x.x",
        "a.b.c.d",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_null(jwt_peek(bad[i]), "%s", bad[i]);
    cr_assert_null(jwt_peek(NULL));
    /* the signature is not checked: a payload of one's choice is read back */
    cJSON *c = jwt_peek("x.eyJleHAiOjF9.x");
    cr_assert_not_null(c);
    cr_assert_eq(cJSON_GetObjectItem(c, "exp")->valueint, 1);
    cJSON_Delete(c);
}

Test(jwt, too_long_and_not_terminated)
{
    char *big = malloc(JWT_MAX_LEN + 2);
    memset(big, 'A', JWT_MAX_LEN + 1);
    big[JWT_MAX_LEN + 1] = '\0';
    big[10] = '.';
    big[20] = '.';
    cr_assert_eq(verify_str(big, NOW_S), JWT_MALFORMED);
    free(big);

    /* len bounds the token: the valid token followed by junk verifies on its length */
    char *t = craft(std_header, "{\"exp\":1767225700}", test_key, sizeof test_key);
    size_t n = strlen(t);
    char *withjunk = malloc(n + 8);
    memcpy(withjunk, t, n);
    memcpy(withjunk + n, "AAAAAAA", 8);
    cr_assert_eq(jwt_verify(withjunk, n, test_key, sizeof test_key, NOW_S, NULL), JWT_OK);
    cr_assert_eq(jwt_verify(withjunk, n + 4, test_key, sizeof test_key, NOW_S, NULL),
                 JWT_BAD_SIGNATURE);
    cr_assert_eq(jwt_verify(NULL, 0, test_key, sizeof test_key, NOW_S, NULL), JWT_MALFORMED);
    free(withjunk);
    free(t);
}

Test(jwt, status_texts)
{
    cr_assert_str_eq(jwt_status_text(JWT_EXPIRED), "JWT is expired");
    for (int s = JWT_OK; s <= JWT_NOMEM; s++)
        cr_assert(strlen(jwt_status_text((enum jwt_status)s)) > 0);
    cr_assert_str_eq(jwt_status_text((enum jwt_status)42), "unknown JWT status");
}

/* ---- auth_mint / auth_check ---- */

static struct app *app;

static const struct store_client admin = {
    .client_id = "demo-admin",
    .secret = "demo-admin-secret",
    .user_context = 1,
    .scopes = "sp:scopes:all",
    .user_level = "ORG_ADMIN",
    .user_name = "demo.admin",
    .identity_id = "2c9180857182306001719937377a33de",
};

static const struct store_client service = {
    .client_id = "demo-app",
    .secret = "demo-app-secret",
    .user_context = 0,
    .scopes = "sp:report:read  sp:report:manage",
};

/* The app as the server assembles it, on an in-memory database, with a
 * known key, tenant and time so the claims below are exact. */
static void app_setup(void)
{
    struct app_config cfg = {.bind = "127.0.0.1",
                             .db = ":memory:",
                             .clock = CLOCK_MODE_VIRTUAL,
                             .token_ttl_s = 3600,
                             .journal_max = 100};
    char err[256] = "";
    app = app_open(&cfg, "test", err, sizeof err, NULL);
    cr_assert_not_null(app, "app_open: %s", err);
    cr_assert_eq(clock_set(app->clock, NOW_S * 1000), 0);
    cr_assert_eq(app_set_key(app, test_key), 0);
    strcpy(app->tenant_id, "3f2b6a1c-0000-4000-8000-000000000001");
}

static void app_teardown(void)
{
    app_close(app);
    app = NULL;
}

TestSuite(auth, .init = app_setup, .fini = app_teardown);

static char *mint(const struct store_client *c, const char *scopes, int64_t ttl_s)
{
    char jti[IDS_UUID_LEN];
    int64_t exp = 0;
    char *t = auth_mint(&app->issuer, c, scopes, clock_now_ms(app->clock), ttl_s, jti, &exp);
    cr_assert_not_null(t);
    return t;
}

static enum err check(const char *header, struct auth_principal *p, char *why, size_t n)
{
    return auth_check(&app->issuer, header, p, why, n);
}

static char *bearer(const char *token)
{
    char *h = malloc(strlen(token) + 8);
    sprintf(h, "Bearer %s", token);
    return h;
}

static int is_uuid(const char *s)
{
    if (strlen(s) != 36)
        return 0;
    for (int i = 0; i < 36; i++) {
        int dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !strchr("0123456789abcdef", s[i]))
            return 0;
    }
    return 1;
}

Test(auth, user_token_claims)
{
    char jti[IDS_UUID_LEN] = "";
    int64_t exp = 0;
    char *t = auth_mint(&app->issuer, &admin, NULL, NOW_S * 1000 + 999, 3600, jti, &exp);
    cr_assert_not_null(t);
    cr_assert_eq(exp, NOW_S + 3600);
    cr_assert(is_uuid(jti), "jti %s", jti);

    cJSON *c = jwt_peek(t);
    cJSON *want = cJSON_Parse("{\"tenant_id\":\"3f2b6a1c-0000-4000-8000-000000000001\","
                              "\"internal\":true,\"pod\":\"mock01-local\",\"org\":\"acme-mock\","
                              "\"identity_id\":\"2c9180857182306001719937377a33de\","
                              "\"user_name\":\"demo.admin\",\"strong_auth\":true,"
                              "\"authorities\":[\"ORG_ADMIN\"],\"client_id\":\"demo-admin\","
                              "\"strong_auth_supported\":true,\"scope\":[\"sp:scopes:all\"],"
                              "\"exp\":1767229200}");
    cJSON_AddStringToObject(want, "jti", jti);
    char *got = cJSON_PrintUnformatted(c);
    cr_assert(cJSON_Compare(c, want, 1), "claims: %s", got);
    free(got);
    cJSON_Delete(want);
    cJSON_Delete(c);
    free(t);
}

Test(auth, client_token_claims)
{
    char *t = mint(&service, NULL, 60);
    cJSON *c = jwt_peek(t);
    cJSON *want = cJSON_Parse("[\"API\"]");
    cr_assert(cJSON_Compare(cJSON_GetObjectItem(c, "authorities"), want, 1));
    cJSON_Delete(want);
    want = cJSON_Parse("[\"sp:report:read\",\"sp:report:manage\"]");
    cr_assert(cJSON_Compare(cJSON_GetObjectItem(c, "scope"), want, 1), "scope split on blanks");
    cJSON_Delete(want);
    cr_assert(cJSON_IsFalse(cJSON_GetObjectItem(c, "strong_auth_supported")));
    cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(c, "internal")));
    cr_assert_null(cJSON_GetObjectItem(c, "identity_id"));
    cr_assert_null(cJSON_GetObjectItem(c, "user_name"));
    cr_assert_null(cJSON_GetObjectItem(c, "strong_auth"));
    cJSON_Delete(c);
    free(t);
}

Test(auth, mint_gives_fresh_jti_and_refuses_null)
{
    char j1[IDS_UUID_LEN], j2[IDS_UUID_LEN];
    char *a = auth_mint(&app->issuer, &admin, NULL, NOW_S * 1000, 60, j1, NULL);
    char *b = auth_mint(&app->issuer, &admin, NULL, NOW_S * 1000, 60, j2, NULL);
    cr_assert_not_null(a);
    cr_assert_not_null(b);
    cr_assert_str_neq(j1, j2);
    cr_assert_str_neq(a, b);
    free(a);
    free(b);
    cr_assert_null(auth_mint(NULL, &admin, NULL, 0, 60, j1, NULL));
    cr_assert_null(auth_mint(&app->issuer, NULL, NULL, 0, 60, j1, NULL));
    cr_assert_null(auth_mint(&app->issuer, &admin, NULL, INT64_MAX, INT64_MAX, j1, NULL),
                   "exp overflow");
}

Test(auth, check_user_token)
{
    char *t = mint(&admin, NULL, 3600);
    char *h = bearer(t);
    struct auth_principal p;
    char why[256] = "unchanged";
    cr_assert_eq(check(h, &p, why, sizeof why), ERR_OK, "why: %s", why);
    cr_assert_str_eq(p.client_id, "demo-admin");
    cr_assert_eq(p.user_context, 1);
    cr_assert_str_eq(p.scopes, "sp:scopes:all");
    cr_assert_str_eq(p.user_level, "ORG_ADMIN");
    cr_assert_str_eq(p.user_name, "demo.admin");
    cr_assert_str_eq(p.identity_id, "2c9180857182306001719937377a33de");
    cr_assert(is_uuid(p.jti));
    cr_assert_eq(p.exp_s, NOW_S + 3600);
    free(h);
    free(t);
}

Test(auth, check_client_token_and_scope_override)
{
    char *t = mint(&service, "sp:report:read", 3600);
    char *h = bearer(t);
    struct auth_principal p;
    char why[256];
    cr_assert_eq(check(h, &p, why, sizeof why), ERR_OK, "why: %s", why);
    cr_assert_str_eq(p.client_id, "demo-app");
    cr_assert_eq(p.user_context, 0);
    cr_assert_str_eq(p.scopes, "sp:report:read");
    cr_assert_str_eq(p.user_level, "", "API is not a user level");
    cr_assert_str_eq(p.user_name, "");
    cr_assert_str_eq(p.identity_id, "");
    free(h);
    free(t);
}

struct scheme_case {
    const char *id;
    const char *fmt; /* %s is the token */
    enum err want;
    const char *why;
};

ParameterizedTestParameters(auth, schemes)
{
    static struct scheme_case cases[] = {
        {"Bearer", "Bearer %s", ERR_OK, ""},
        {"bearer", "bearer %s", ERR_OK, ""},
        {"BEARER", "BEARER %s", ERR_OK, ""},
        {"bEaReR and blanks", "  bEaReR \t %s  ", ERR_OK, ""},
        {"no scheme", "%s", ERR_UNAUTHORIZED,
         "Invalid authorization header: expected \"Bearer <token>\""},
        {"Basic", "Basic %s", ERR_UNAUTHORIZED,
         "Invalid authorization header: expected \"Bearer <token>\""},
        {"scheme glued to token", "Bearer%s", ERR_UNAUTHORIZED,
         "Invalid authorization header: expected \"Bearer <token>\""},
        {"Bearers", "Bearers %s", ERR_UNAUTHORIZED,
         "Invalid authorization header: expected \"Bearer <token>\""},
        {"token twice", "Bearer %s %s", ERR_UNAUTHORIZED,
         "JWT validation failed: JWT is malformed"},
        {"token with a prefix", "Bearer x%s", ERR_UNAUTHORIZED, NULL},
        {"token with a suffix", "Bearer %sx", ERR_UNAUTHORIZED, NULL},
    };
    size_t n = sizeof cases / sizeof cases[0];
    struct scheme_case *p = pcopy(cases, sizeof cases);
    for (size_t i = 0; i < n; i++) {
        p[i].id = pstr(cases[i].id, -1);
        p[i].fmt = pstr(cases[i].fmt, -1);
        p[i].why = pstr(cases[i].why, -1);
    }
    return cr_make_param_array(struct scheme_case, p, n);
}

/* Copies fmt into out with every "%s" replaced by tok. */
static void subst(char *out, size_t cap, const char *fmt, const char *tok)
{
    size_t o = 0;
    for (const char *f = fmt; *f; f++) {
        const char *piece = f[0] == '%' && f[1] == 's' ? tok : NULL;
        size_t n = piece ? strlen(piece) : 1;
        cr_assert(o + n < cap);
        memcpy(out + o, piece ? piece : f, n);
        o += n;
        f += piece ? 1 : 0;
    }
    out[o] = '\0';
}

ParameterizedTest(struct scheme_case *c, auth, schemes)
{
    char *t = mint(&admin, NULL, 3600);
    char header[2048];
    subst(header, sizeof header, c->fmt, t);
    struct auth_principal p;
    char why[256];
    enum err e = check(header, &p, why, sizeof why);
    cr_assert_eq(e, c->want, "[%s] %s", c->id, why);
    if (c->why)
        cr_assert_str_eq(why, c->why, "[%s]", c->id);
    else
        cr_assert(strncmp(why, "JWT validation failed: ", 23) == 0, "[%s] %s", c->id, why);
    free(t);
}

struct missing_case {
    const char *id;
    const char *header;
    const char *why;
};

ParameterizedTestParameters(auth, missing)
{
    static struct missing_case cases[] = {
        {"absent", NULL, "Missing authorization header"},
        {"empty", "", "Missing authorization header"},
        {"blank", "  \t", "Missing authorization header"},
        {"scheme only", "Bearer", "Invalid authorization header: the bearer token is empty"},
        {"scheme and blank", "Bearer   ",
         "Invalid authorization header: the bearer token is empty"},
        {"garbage token", "Bearer abc", "JWT validation failed: JWT is malformed"},
        {"dots", "Bearer ..", "JWT validation failed: JWT is malformed"},
        {"alg none",
         "Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJjbGllbnRfaWQiOiJ4IiwiZXhwIjo5OTk5OTk5OTk5fQ"
         ".AAAA",
         "JWT validation failed: JWT header is not supported (only HS256 JWTs are accepted)"},
    };
    size_t n = sizeof cases / sizeof cases[0];
    struct missing_case *p = pcopy(cases, sizeof cases);
    for (size_t i = 0; i < n; i++) {
        p[i].id = pstr(cases[i].id, -1);
        p[i].header = pstr(cases[i].header, -1);
        p[i].why = pstr(cases[i].why, -1);
    }
    return cr_make_param_array(struct missing_case, p, n);
}

ParameterizedTest(struct missing_case *c, auth, missing)
{
    struct auth_principal p;
    memset(&p, 0x5a, sizeof p);
    char why[256];
    cr_assert_eq(check(c->header, &p, why, sizeof why), ERR_UNAUTHORIZED, "[%s]", c->id);
    cr_assert_str_eq(why, c->why, "[%s]", c->id);
    cr_assert_eq(((unsigned char *)&p)[0], 0x5a, "[%s] principal untouched", c->id);
}

Test(auth, expiry_follows_the_clock)
{
    char *t = mint(&admin, NULL, 60);
    char *h = bearer(t);
    struct auth_principal p;
    char why[256];
    clock_advance(app->clock, 59999);
    cr_assert_eq(check(h, &p, why, sizeof why), ERR_OK, "59.999 s later: %s", why);
    clock_advance(app->clock, 1);
    cr_assert_eq(check(h, &p, why, sizeof why), ERR_UNAUTHORIZED);
    cr_assert_str_eq(why, "JWT validation failed: JWT is expired");
    free(h);
    free(t);
}

Test(auth, negative_ttl_is_born_expired)
{
    char *t = mint(&service, NULL, -1);
    char *h = bearer(t);
    struct auth_principal p;
    char why[256];
    cr_assert_eq(check(h, &p, why, sizeof why), ERR_UNAUTHORIZED);
    cr_assert_str_eq(why, "JWT validation failed: JWT is expired");
    free(h);
    free(t);
}

Test(auth, forged_with_another_key)
{
    char *t = mint(&admin, NULL, 3600);
    unsigned char other[APP_KEY_LEN];
    memcpy(other, test_key, APP_KEY_LEN);
    other[0] ^= 1; /* as if another mock had signed it */
    cr_assert_eq(app_set_key(app, other), 0);
    char *h = bearer(t);
    struct auth_principal p;
    char why[256];
    cr_assert_eq(check(h, &p, why, sizeof why), ERR_UNAUTHORIZED);
    cr_assert_str_eq(why, "JWT validation failed: JWT signature does not match");
    free(h);
    free(t);
}

struct claims_case {
    const char *id;
    const char *payload;
    const char *why; /* NULL: accepted */
};

ParameterizedTestParameters(auth, claims)
{
#define OKC "\"client_id\":\"c\",\"jti\":\"j\",\"exp\":9999999999"
    static struct claims_case cases[] = {
        {"minimal client token", "{" OKC ",\"scope\":[],\"authorities\":[\"API\"]}", NULL},
        {"no client_id", "{\"jti\":\"j\",\"exp\":9999999999,\"scope\":[],\"authorities\":[]}",
         "JWT validation failed: JWT claim 'client_id' is missing or invalid"},
        {"empty client_id",
         "{\"client_id\":\"\",\"jti\":\"j\",\"exp\":9999999999,\"scope\":[],\"authorities\":[]}",
         "JWT validation failed: JWT claim 'client_id' is missing or invalid"},
        {"scope a string", "{" OKC ",\"scope\":\"a b\",\"authorities\":[]}",
         "JWT validation failed: JWT claim 'scope' is missing or invalid"},
        {"scope with a number", "{" OKC ",\"scope\":[\"a\",1],\"authorities\":[]}",
         "JWT validation failed: JWT claim 'scope' is missing or invalid"},
        {"scope with a blank", "{" OKC ",\"scope\":[\"a b\"],\"authorities\":[]}",
         "JWT validation failed: JWT claim 'scope' is missing or invalid"},
        {"no jti", "{\"client_id\":\"c\",\"exp\":9999999999,\"scope\":[],\"authorities\":[]}",
         "JWT validation failed: JWT claim 'jti' is missing or invalid"},
        {"no authorities", "{" OKC ",\"scope\":[]}",
         "JWT validation failed: JWT claim 'authorities' is missing or invalid"},
        {"identity_id a number", "{" OKC ",\"scope\":[],\"authorities\":[],\"identity_id\":5}",
         "JWT validation failed: JWT claim 'identity_id' is missing or invalid"},
        {"user_name too long",
         "{" OKC ",\"scope\":[],\"authorities\":[],\"identity_id\":\"i\",\"user_name\":\""
         "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
         "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}",
         "JWT validation failed: JWT claim 'user_name' is missing or invalid"},
        {"exp beyond int64",
         "{\"client_id\":\"c\",\"jti\":\"j\",\"exp\":1e300,\"scope\":[],\"authorities\":[]}",
         "JWT validation failed: JWT claim 'exp' is missing or invalid"},
    };
#undef OKC
    size_t n = sizeof cases / sizeof cases[0];
    struct claims_case *p = pcopy(cases, sizeof cases);
    for (size_t i = 0; i < n; i++) {
        p[i].id = pstr(cases[i].id, -1);
        p[i].payload = pstr(cases[i].payload, -1);
        p[i].why = pstr(cases[i].why, -1);
    }
    return cr_make_param_array(struct claims_case, p, n);
}

ParameterizedTest(struct claims_case *c, auth, claims)
{
    char *t = craft(std_header, c->payload, app->jwt_key, APP_KEY_LEN);
    char *h = bearer(t);
    struct auth_principal p;
    char why[256];
    enum err e = check(h, &p, why, sizeof why);
    if (!c->why) {
        cr_assert_eq(e, ERR_OK, "[%s] %s", c->id, why);
    } else {
        cr_assert_eq(e, ERR_UNAUTHORIZED, "[%s]", c->id);
        cr_assert_str_eq(why, c->why, "[%s]", c->id);
    }
    free(h);
    free(t);
}

Test(auth, bad_arguments)
{
    struct auth_principal p;
    char why[64];
    cr_assert_eq(auth_check(NULL, "Bearer x", &p, why, sizeof why), ERR_INTERNAL);
    struct auth_issuer keyless = app->issuer;
    keyless.key = NULL;
    cr_assert_eq(auth_check(&keyless, "Bearer x", &p, why, sizeof why), ERR_INTERNAL);
    cr_assert_null(auth_mint(&keyless, &admin, NULL, 0, 60, NULL, NULL));
    cr_assert_eq(check("Bearer x", NULL, why, sizeof why), ERR_INTERNAL);
    cr_assert_eq(check(NULL, &p, NULL, 0), ERR_UNAUTHORIZED, "why may be NULL");
    char tiny[8];
    cr_assert_eq(check(NULL, &p, tiny, sizeof tiny), ERR_UNAUTHORIZED);
    cr_assert_str_eq(tiny, "Missing", "why is truncated, NUL-terminated");
}

Test(auth, a_cached_token_answers_as_a_verified_one)
{
    char *t = mint(&admin, NULL, 60);
    char *h = bearer(t);
    struct auth_principal first, again;
    char why[256];
    cr_assert_eq(check(h, &first, why, sizeof why), ERR_OK, "%s", why);
    cr_assert_eq(check(h, &again, why, sizeof why), ERR_OK, "%s", why);
    cr_assert_eq(memcmp(&first, &again, sizeof first), 0, "the same principal from the cache");
    /* Only the exact bytes hit: one changed signature character is refused. */
    char *forged = strdup(h);
    size_t n = strlen(forged);
    forged[n - 2] = forged[n - 2] == 'A' ? 'B' : 'A';
    cr_assert_eq(check(forged, &again, why, sizeof why), ERR_UNAUTHORIZED);
    cr_assert_str_eq(why, "JWT validation failed: JWT signature does not match");
    /* Expiry is checked on every hit, both ways of a virtual clock. */
    clock_advance(app->clock, 60000);
    cr_assert_eq(check(h, &again, why, sizeof why), ERR_UNAUTHORIZED);
    cr_assert_str_eq(why, "JWT validation failed: JWT is expired");
    clock_advance(app->clock, -1);
    cr_assert_eq(check(h, &again, why, sizeof why), ERR_OK, "%s", why);
    free(forged);
    free(h);
    free(t);
}

/* ---- the verified-token cache ---- */

/* Every token put is found again with its principal, a token put twice keeps
 * one copy, and free releases what was kept (the sanitizer build's leak check
 * sees a slot that free skipped). */
Test(token_cache, keeps_what_it_is_given_and_frees_it)
{
    static const char *const tokens[] = {"token-a", "token-bb", "token-ccc", "token-a"};
    struct token_cache *c = token_cache_new();
    cr_assert_not_null(c);
    for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++) {
        struct auth_principal p = {.exp_s = (int64_t)i};
        snprintf(p.client_id, sizeof(p.client_id), "client-%zu", i);
        token_cache_put(c, tokens[i], strlen(tokens[i]), &p, 100.0 + (double)i);
    }
    static const struct {
        const char *token;
        const char *client_id;
        double exp;
    } want[] = {{"token-a", "client-3", 103.0},
                {"token-bb", "client-1", 101.0},
                {"token-ccc", "client-2", 102.0}};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        struct auth_principal p;
        double exp = 0;
        cr_assert_eq(token_cache_get(c, want[i].token, strlen(want[i].token), &p, &exp), 1, "%s",
                     want[i].token);
        cr_expect_str_eq(p.client_id, want[i].client_id);
        cr_expect_eq(exp, want[i].exp);
    }
    struct auth_principal p;
    double exp = 0;
    cr_expect_eq(token_cache_get(c, "token-d", 7, &p, &exp), 0);
    token_cache_free(c);
}

/*
 * fuzz_auth.c - libFuzzer target for bearer checks: auth_check()
 * (auth/auth.h) on Authorization headers, and jwt_verify() and base64url
 * (auth/jwt.h) directly.
 *
 * The first byte picks the mode ('0'..'4'); the rest is:
 *   0  an Authorization header value, checked by auth_check();
 *   1  a token, checked by jwt_verify() from an exact-size buffer;
 *   2  a JWT payload (any bytes), signed here under the accepted header with
 *      the issuer's key, so the claim checks behind the signature are reached;
 *      checked by auth_check() and jwt_verify(), then again with the
 *      signature changed;
 *   3  a JWT header, '\n', a payload, both signed here, for jwt_verify();
 *   4  base64url text (decoded, then encoded back) and bytes (encoded, then
 *      decoded back).
 *
 * Checks, besides "no crash, leak or UB": auth_check() answers only ERR_OK
 * or ERR_UNAUTHORIZED, with a reason exactly when it refuses; an accepted
 * principal has terminated strings, a client_id, a jti, blank-separated
 * scopes, an exp not in the past, and no user fields on a client token;
 * auth_check() and jwt_verify() agree on every token; a changed signature
 * is always refused; jwt_verify() hands out claims only on JWT_OK; base64url
 * has exactly one encoding per byte string.
 */
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth/auth.h"
#include "auth/jwt.h"
#include "core/clock.h"
#include "fuzz.h"

#define NOW_MS 1767225600000LL /* 2026-01-01T00:00:00Z */
#define NOW_S (NOW_MS / 1000)
#define PREFIX "JWT validation failed: "

/* The same key is in the README's recipe for making seed tokens. */
static const unsigned char key[] = "fuzz-signing-key-0123456789abcdef";
#define KEY_LEN (sizeof(key) - 1)

static struct clock *clk;
static struct jwt_key *signer; /* key, set up once as the server does */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    clk = clock_new(CLOCK_MODE_VIRTUAL, NOW_MS);
    FUZZ_CHECK(clk != NULL, "clock_new");
    signer = jwt_key_new(key, KEY_LEN);
    FUZZ_CHECK(signer != NULL, "jwt_key_new");
    return 0;
}

static int terminated(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

static void check_principal(const struct auth_principal *p)
{
    FUZZ_CHECK(
        terminated(p->client_id, sizeof p->client_id) && terminated(p->scopes, sizeof p->scopes) &&
            terminated(p->user_level, sizeof p->user_level) &&
            terminated(p->user_name, sizeof p->user_name) &&
            terminated(p->identity_id, sizeof p->identity_id) && terminated(p->jti, sizeof p->jti),
        "unterminated principal field");
    FUZZ_CHECK(p->client_id[0] && p->jti[0], "accepted without client_id or jti");
    FUZZ_CHECK(p->exp_s >= NOW_S, "accepted a token with exp %lld before now", (long long)p->exp_s);
    FUZZ_CHECK(p->scopes[0] != ' ' && !strstr(p->scopes, "  ") &&
                   (!p->scopes[0] || p->scopes[strlen(p->scopes) - 1] != ' ') &&
                   !strpbrk(p->scopes, "\t\r\n"),
               "scopes not single-blank separated: '%s'", p->scopes);
    FUZZ_CHECK(p->user_context == 0 || p->user_context == 1, "user_context %d", p->user_context);
    FUZZ_CHECK(p->user_context || (!p->user_name[0] && !p->user_level[0]),
               "client token with user fields");
    FUZZ_CHECK(!strchr(p->user_level, ' '), "user level '%s'", p->user_level);
}

/* auth_check() on a header; returns its status and fills *p and why. */
static enum err check_header(const char *header, struct auth_principal *p, char *why, size_t len)
{
    struct auth_issuer iss = {signer, "fuzz-tenant", "acme", "pod", clk, NULL};
    enum err e = auth_check(&iss, header, p, why, len);
    FUZZ_CHECK(e == ERR_OK || e == ERR_UNAUTHORIZED, "status %d for '%s'", (int)e, header);
    FUZZ_CHECK(terminated(why, len), "why not terminated");
    if (e == ERR_OK) {
        FUZZ_CHECK(why[0] == '\0', "accepted with a reason: %s", why);
        check_principal(p);
    } else {
        FUZZ_CHECK(why[0] != '\0', "refused without a reason");
    }
    return e;
}

static enum jwt_status verify(const char *tok, size_t len)
{
    char *copy = fuzz_bytes(tok, len);
    cJSON *claims = (cJSON *)&claims;
    enum jwt_status st = jwt_verify(copy, len, key, KEY_LEN, NOW_S, &claims);
    FUZZ_CHECK((unsigned)st < JWT_NOMEM, "status %d", (int)st);
    FUZZ_CHECK(strlen(jwt_status_text(st)) > 0, "no status text");
    if (st == JWT_OK) {
        const cJSON *exp = cJSON_GetObjectItemCaseSensitive(claims, "exp");
        FUZZ_CHECK(cJSON_IsObject(claims), "claims are not an object");
        FUZZ_CHECK(cJSON_IsNumber(exp) && exp->valuedouble > (double)NOW_S, "bad exp accepted");
        cJSON_Delete(claims);
    } else {
        FUZZ_CHECK(claims == NULL, "claims handed out with status %d", (int)st);
    }
    free(copy);
    return st;
}

/*
 * The same token through auth_check() and jwt_verify(): they must agree.
 * auth_check() trims blanks around the token, so a token with blanks at
 * either end (or none at all) is only checked for itself.
 */
static void check_token(const char *tok, size_t len)
{
    struct auth_principal p;
    char why[256], *header;
    enum jwt_status st;
    enum err e;

    if (len == 0 || tok[0] == ' ' || tok[0] == '\t' || tok[len - 1] == ' ' ||
        tok[len - 1] == '\t') {
        verify(tok, len);
        return;
    }
    header = malloc(len + 8);
    FUZZ_CHECK(header != NULL, "out of memory");
    memcpy(header, "Bearer ", 7);
    memcpy(header + 7, tok, len);
    header[len + 7] = '\0';
    st = verify(tok, len);
    e = check_header(header, &p, why, sizeof(why));
    if (st != JWT_OK) {
        FUZZ_CHECK(e == ERR_UNAUTHORIZED && strncmp(why, PREFIX, strlen(PREFIX)) == 0 &&
                       strcmp(why + strlen(PREFIX), jwt_status_text(st)) == 0,
                   "jwt_verify says '%s' but auth_check says '%s'", jwt_status_text(st), why);
    } else if (e != ERR_OK) {
        FUZZ_CHECK(strstr(why, "JWT claim '") != NULL, "valid JWT refused with '%s'", why);
    }
    free(header);
}

static char *b64(const void *p, size_t n)
{
    char *out = malloc(JWT_B64URL_ENC_LEN(n) + 1);
    FUZZ_CHECK(out != NULL, "out of memory");
    FUZZ_CHECK(jwt_b64url_encode(p, n, out, JWT_B64URL_ENC_LEN(n) + 1) ==
                   (long)JWT_B64URL_ENC_LEN(n),
               "encoded length");
    return out;
}

/* header.payload.signature with our key; the caller frees. */
static char *sign(const void *hdr, size_t hlen, const void *pay, size_t plen, size_t *len)
{
    char *h = b64(hdr, hlen), *pl = b64(pay, plen), *s, *tok;
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    size_t n = strlen(h) + 1 + strlen(pl);

    tok = malloc(n + 1 + JWT_B64URL_ENC_LEN(32) + 1);
    FUZZ_CHECK(tok != NULL, "out of memory");
    sprintf(tok, "%s.%s", h, pl);
    FUZZ_CHECK(HMAC(EVP_sha256(), key, (int)KEY_LEN, (const unsigned char *)tok, n, mac, &maclen) !=
                       NULL &&
                   maclen == 32,
               "HMAC");
    s = b64(mac, maclen);
    sprintf(tok + n, ".%s", s);
    *len = strlen(tok);
    free(h);
    free(pl);
    free(s);
    return tok;
}

static const char std_header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

static void signed_payload(const uint8_t *p, size_t n)
{
    size_t len;
    char *tok = sign(std_header, strlen(std_header), p, n, &len);
    check_token(tok, len);
    /* Change one MAC character; the signature is checked right after the
     * shape (empty payload, token too long) and the header. */
    tok[len - 2] = tok[len - 2] == 'A' ? 'B' : 'A';
    FUZZ_CHECK(verify(tok, len) ==
                   (n == 0 || len > JWT_MAX_LEN ? JWT_MALFORMED : JWT_BAD_SIGNATURE),
               "changed signature not refused as such");
    free(tok);
}

static void signed_header(const uint8_t *p, size_t n)
{
    const uint8_t *nl = memchr(p, '\n', n);
    size_t hlen = nl ? (size_t)(nl - p) : n, len;
    char *tok = sign(p, hlen, nl ? nl + 1 : p + n, nl ? n - hlen - 1 : 0, &len);
    enum jwt_status st = verify(tok, len);
    if (st == JWT_OK || st == JWT_EXPIRED) {
        cJSON *h = cJSON_ParseWithLength((const char *)p, hlen);
        const cJSON *alg = cJSON_GetObjectItemCaseSensitive(h, "alg");
        const cJSON *typ = cJSON_GetObjectItemCaseSensitive(h, "typ");
        FUZZ_CHECK(cJSON_GetArraySize(h) == 2 && cJSON_IsString(alg) &&
                       strcmp(alg->valuestring, "HS256") == 0 && cJSON_IsString(typ),
                   "header '%.*s' accepted", (int)hlen, (const char *)p);
        cJSON_Delete(h);
    }
    free(tok);
}

static void base64url(const uint8_t *p, size_t n)
{
    size_t cap = JWT_B64URL_DEC_MAX(n), outlen = 0, back = 0;
    unsigned char *out = malloc(cap ? cap : 1);
    char *text = fuzz_bytes(p, n), *enc;

    FUZZ_CHECK(out != NULL, "out of memory");
    if (jwt_b64url_decode(text, n, out, cap, &outlen) == 0) {
        FUZZ_CHECK(outlen <= cap, "decoded past the bound");
        enc = b64(out, outlen);
        FUZZ_CHECK(strlen(enc) == n && memcmp(enc, text, n) == 0, "two encodings of one string");
        free(enc);
    }
    free(out);
    enc = b64(p, n);
    out = malloc(JWT_B64URL_DEC_MAX(strlen(enc)) + 1);
    FUZZ_CHECK(out != NULL, "out of memory");
    FUZZ_CHECK(jwt_b64url_decode(enc, strlen(enc), out, JWT_B64URL_DEC_MAX(strlen(enc)), &back) ==
                       0 &&
                   back == n && (n == 0 || memcmp(out, p, n) == 0),
               "encoding does not decode back");
    free(out);
    free(enc);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned mode = fuzz_mode(data, size, 5);
    const uint8_t *rest = size ? data + 1 : data;
    size_t n = size ? size - 1 : 0;
    struct auth_principal p;
    char why[256];
    char *s;

    switch (mode) {
    case 0:
        s = fuzz_str(rest, n);
        check_header(s, &p, why, sizeof(why));
        free(s);
        break;
    case 1:
        check_token((const char *)rest, strnlen((const char *)rest, n));
        verify((const char *)rest, n);
        break;
    case 2:
        signed_payload(rest, n);
        break;
    case 3:
        signed_header(rest, n);
        break;
    default:
        base64url(rest, n);
        break;
    }
    return 0;
}

/*
 * auth.c - the mock's access tokens: minting them with the claims of real
 * ISC tokens and checking "Authorization: Bearer <jwt>" headers (see auth.h).
 *
 * Claims, in the order real tokens carry them: tenant_id, internal (true),
 * pod, org, then for user-context tokens identity_id, user_name and
 * strong_auth (true), then authorities, client_id, strong_auth_supported,
 * scope (a JSON array), exp (Unix seconds) and jti (a UUID).
 *
 * authorities holds the user level for user tokens (["ORG_ADMIN"]). Client
 * credentials tokens carry ["API"], the authority ISC gives tokens without a
 * user: it names no user level, so no user-level rule can ever match one.
 * strong_auth_supported is true for user tokens and false for client tokens.
 *
 * Checking is pure: the signature and expiry against the issuer's key and clock,
 * then the claims the rest of the server relies on; a verified token is
 * remembered in the issuer's cache (token_cache.h) with its principal. The store is not read,
 * so removing a client does not revoke the tokens it already holds (as with a
 * stateless JWT on the real service until it expires). Nothing here knows HTTP.
 */
#include "auth.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "../core/clock.h"
#include "../core/ids.h"
#include "../store/store.h"
#include "jwt.h"
#include "token_cache.h"

#define AUTH_CLIENT_AUTHORITY "API"
#define AUTH_PREFIX "JWT validation failed: "

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Floor division of milliseconds into seconds, also for negative values. */
static int64_t ms_to_s(int64_t ms)
{
    return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
}

/* Copies a string claim into dst; absent is "" unless required. 0 or -1. */
static int claim_str(const cJSON *claims, const char *name, char *dst, size_t cap, int required)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(claims, name);
    dst[0] = '\0';
    if (!it || cJSON_IsNull(it))
        return required ? -1 : 0;
    if (!cJSON_IsString(it) || strlen(it->valuestring) >= cap)
        return -1;
    if (required && it->valuestring[0] == '\0')
        return -1;
    memcpy(dst, it->valuestring, strlen(it->valuestring) + 1);
    return 0;
}

/* Joins a JSON array of non-empty, blank-free strings with single spaces. 0 or -1. */
static int claim_str_array(const cJSON *claims, const char *name, char *dst, size_t cap)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(claims, name);
    const cJSON *it;
    size_t len = 0;
    dst[0] = '\0';
    if (!cJSON_IsArray(arr))
        return -1;
    cJSON_ArrayForEach(it, arr)
    {
        if (!cJSON_IsString(it) || it->valuestring[0] == '\0' ||
            strpbrk(it->valuestring, " \t\r\n"))
            return -1;
        size_t n = strlen(it->valuestring);
        if (len + (len ? 1 : 0) + n >= cap)
            return -1;
        if (len)
            dst[len++] = ' ';
        memcpy(dst + len, it->valuestring, n + 1);
        len += n;
    }
    return 0;
}

/* Fills `p` from verified claims; on failure *bad names the claim at fault.
 * A token is a user token when it carries an identity_id claim. */
static int principal_from_claims(const cJSON *claims, struct auth_principal *p, const char **bad)
{
    char authorities[sizeof p->user_level * 4];
    const cJSON *exp = cJSON_GetObjectItemCaseSensitive(claims, "exp");

    memset(p, 0, sizeof *p);
    *bad = "client_id";
    if (claim_str(claims, "client_id", p->client_id, sizeof p->client_id, 1) != 0)
        return -1;
    *bad = "scope";
    if (claim_str_array(claims, "scope", p->scopes, sizeof p->scopes) != 0)
        return -1;
    *bad = "jti";
    if (claim_str(claims, "jti", p->jti, sizeof p->jti, 1) != 0)
        return -1;
    *bad = "authorities";
    if (claim_str_array(claims, "authorities", authorities, sizeof authorities) != 0)
        return -1;
    p->user_context = cJSON_IsString(cJSON_GetObjectItemCaseSensitive(claims, "identity_id"));
    *bad = "identity_id";
    if (claim_str(claims, "identity_id", p->identity_id, sizeof p->identity_id, 0) != 0)
        return -1;
    *bad = "user_name";
    if (claim_str(claims, "user_name", p->user_name, sizeof p->user_name, 0) != 0)
        return -1;
    if (p->user_context) {
        /* The user level is the first authority. */
        size_t n = strcspn(authorities, " ");
        *bad = "authorities";
        if (n >= sizeof p->user_level)
            return -1;
        memcpy(p->user_level, authorities, n);
        p->user_level[n] = '\0';
    } else {
        p->user_name[0] = '\0';
    }
    *bad = "exp"; /* jwt_verify() has checked that it is a finite number */
    if (!(exp->valuedouble < 9.2e18 && exp->valuedouble > -9.2e18))
        return -1;
    p->exp_s = (int64_t)floor(exp->valuedouble);
    *bad = NULL;
    return 0;
}

/* Verifies `len` bytes of a bearer token into *p (the cache first, then the
 * signature and claims, remembering what verified). ERR_OK, ERR_UNAUTHORIZED
 * or ERR_INTERNAL (out of memory), with the reason in why. */
static enum err verify_token(const struct auth_issuer *iss, const char *tok, size_t len,
                             struct auth_principal *p, char *why, size_t whylen)
{
    enum err e = ERR_UNAUTHORIZED;
    cJSON *claims = NULL;
    const char *bad = NULL;
    int64_t now_s = ms_to_s(clock_now_ms(iss->clock));
    double exp = 0;
    if (token_cache_get(iss->cache, tok, len, p, &exp)) {
        /* Verified before: only the time can have changed (jwt_verify's test). */
        if ((double)now_s < exp)
            e = ERR_OK;
        else
            err_why(why, whylen, AUTH_PREFIX "%s", jwt_status_text(JWT_EXPIRED));
        goto out;
    }
    enum jwt_status st = jwt_verify_with(tok, len, iss->key, now_s, &claims);
    if (st == JWT_NOMEM) {
        err_why(why, whylen, "out of memory");
        e = ERR_INTERNAL;
    } else if (st != JWT_OK) {
        err_why(why, whylen, AUTH_PREFIX "%s", jwt_status_text(st));
    } else if (principal_from_claims(claims, p, &bad) != 0) {
        err_why(why, whylen, AUTH_PREFIX "JWT claim '%s' is missing or invalid", bad);
    } else {
        /* jwt_verify() has checked that exp is a finite number */
        exp = cJSON_GetObjectItemCaseSensitive(claims, "exp")->valuedouble;
        token_cache_put(iss->cache, tok, len, p, exp);
        e = ERR_OK;
    }
out:
    cJSON_Delete(claims);
    return e;
}

enum err auth_check(const struct auth_issuer *iss, const char *header, struct auth_principal *out,
                    char *why, size_t whylen)
{
    struct auth_principal p;
    if (!iss || !iss->clock || !iss->key || !out) {
        err_why(why, whylen, "authentication is not configured");
        return ERR_INTERNAL;
    }
    if (header)
        while (is_blank(*header))
            header++;
    if (!header || *header == '\0') {
        err_why(why, whylen, "Missing authorization header");
        return ERR_UNAUTHORIZED;
    }
    if (strncasecmp(header, "Bearer", 6) != 0 || (header[6] != '\0' && !is_blank(header[6]))) {
        err_why(why, whylen, "Invalid authorization header: expected \"Bearer <token>\"");
        return ERR_UNAUTHORIZED;
    }
    const char *tok = header + 6;
    while (is_blank(*tok))
        tok++;
    size_t len = strlen(tok);
    while (len > 0 && is_blank(tok[len - 1]))
        len--;
    if (len == 0) {
        err_why(why, whylen, "Invalid authorization header: the bearer token is empty");
        return ERR_UNAUTHORIZED;
    }
    enum err e = verify_token(iss, tok, len, &p, why, whylen);
    if (e == ERR_OK) {
        *out = p;
        err_why(why, whylen, "%s", "");
    }
    return e;
}

/* Adds the blank-separated words of `s` to a new JSON array under `name`. */
static int add_word_array(cJSON *obj, const char *name, const char *s)
{
    cJSON *arr = cJSON_AddArrayToObject(obj, name);
    if (!arr)
        return -1;
    while (s && *s) {
        size_t skip = strspn(s, " \t\r\n");
        s += skip;
        size_t n = strcspn(s, " \t\r\n");
        if (n == 0)
            break;
        char *w = strndup(s, n);
        cJSON *item = w ? cJSON_CreateString(w) : NULL;
        free(w);
        if (!item || !cJSON_AddItemToArray(arr, item)) {
            cJSON_Delete(item);
            return -1;
        }
        s += n;
    }
    return 0;
}

char *auth_mint(const struct auth_issuer *iss, const struct store_client *client,
                const char *scope_override, int64_t now_ms, int64_t ttl_s, char *jti_out,
                int64_t *exp_s)
{
    char *token = NULL;
    cJSON *c = NULL;
    char jti[IDS_UUID_LEN];
    int user = 0;
    int64_t now_s = ms_to_s(now_ms), exp;

    if (!iss || !iss->key || !iss->tenant_id || !client)
        goto out;
    if ((ttl_s > 0 && now_s > INT64_MAX - ttl_s) || (ttl_s < 0 && now_s < INT64_MIN - ttl_s))
        goto out;
    exp = now_s + ttl_s;
    user = client->user_context != 0;
    ids_uuid(jti);

    c = cJSON_CreateObject();
    if (!c || !cJSON_AddStringToObject(c, "tenant_id", iss->tenant_id) ||
        !cJSON_AddTrueToObject(c, "internal") ||
        !cJSON_AddStringToObject(c, "pod", iss->pod ? iss->pod : "") ||
        !cJSON_AddStringToObject(c, "org", iss->org ? iss->org : ""))
        goto out;
    if (user && (!cJSON_AddStringToObject(c, "identity_id", client->identity_id) ||
                 !cJSON_AddStringToObject(c, "user_name", client->user_name) ||
                 !cJSON_AddTrueToObject(c, "strong_auth")))
        goto out;
    if (add_word_array(c, "authorities", user ? client->user_level : AUTH_CLIENT_AUTHORITY) != 0 ||
        !cJSON_AddStringToObject(c, "client_id", client->client_id) ||
        !cJSON_AddBoolToObject(c, "strong_auth_supported", user) ||
        add_word_array(c, "scope", scope_override ? scope_override : client->scopes) != 0 ||
        !cJSON_AddNumberToObject(c, "exp", (double)exp) || !cJSON_AddStringToObject(c, "jti", jti))
        goto out;

    token = jwt_sign_with(c, iss->key);
    if (!token)
        goto out;
    if (jti_out)
        memcpy(jti_out, jti, IDS_UUID_LEN);
    if (exp_s)
        *exp_s = exp;
out:
    cJSON_Delete(c);
    return token;
}

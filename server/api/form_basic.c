/*
 * form_basic.c - client credentials from an HTTP Basic Authorization header
 * (RFC 7617 as RFC 6749 §2.3.1 uses it; see form_parse_basic() in form.h).
 * Base64 comes from core/base64, the form-urlencoding of each half from
 * form.c. Owns nothing past a call; every failure frees what was built.
 */
#include "form.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/base64.h"
#include "form_int.h"

/*
 * The credentials text after the "Basic" scheme and its spaces, trailing
 * spaces cut, in *tok and *n. FORM_UNSUPPORTED for NULL or another scheme,
 * FORM_MALFORMED when empty, FORM_TOO_BIG past FORM_MAX_VALUE bytes.
 */
static enum form_status basic_token(const char *authorization, const char **tok, size_t *n)
{
    if (!authorization || strncasecmp(authorization, "Basic", 5) != 0 ||
        (authorization[5] != '\0' && authorization[5] != ' '))
        return FORM_UNSUPPORTED;
    const char *p = authorization + 5;
    while (*p == ' ')
        p++;
    size_t len = strlen(p);
    while (len > 0 && p[len - 1] == ' ')
        len--;
    if (len == 0)
        return FORM_MALFORMED;
    if (len > FORM_MAX_VALUE)
        return FORM_TOO_BIG;
    *tok = p;
    *n = len;
    return FORM_OK;
}

/* The form {client_id: id, client_secret: secret} in *out; takes id and
 * secret in every case. */
static enum form_status credentials_form(char *id, char *secret, struct form **out)
{
    enum form_status st;
    char *nid = strdup("client_id"), *nsecret = strdup("client_secret");
    struct form *f = calloc(1, sizeof *f);
    if (!f || !nid || !nsecret) {
        free(nid);
        free(nsecret);
        free(id);
        free(secret);
        free(f);
        return FORM_NOMEM;
    }
    st = form_add(f, nid, id);
    if (st == FORM_OK) {
        st = form_add(f, nsecret, secret);
    } else {
        free(nsecret);
        free(secret);
    }
    if (st != FORM_OK) {
        form_free(f);
        f = NULL;
    }
    *out = f;
    return st;
}

enum form_status form_parse_basic(const char *authorization, struct form **out)
{
    enum form_status st;
    unsigned char *plain = NULL;
    char *id = NULL, *secret = NULL;
    const char *p = NULL;
    size_t n = 0, plen = 0;
    if (!out)
        return FORM_MALFORMED;
    *out = NULL;
    if ((st = basic_token(authorization, &p, &n)) != FORM_OK)
        return st;
    if (!(plain = malloc(n)))
        return FORM_NOMEM;
    st = FORM_MALFORMED;
    if (base64_decode(p, n, BASE64_PAD_OPTIONAL, plain, n, &plen) != 0)
        goto out;
    const unsigned char *colon = memchr(plain, ':', plen);
    if (!colon || colon == plain || memchr(plain, '\0', plen))
        goto out;
    size_t idlen = (size_t)(colon - plain);
    if ((st = form_url_decode((const char *)plain, idlen, FORM_MAX_VALUE, &id)) != FORM_OK ||
        (st = form_url_decode((const char *)colon + 1, plen - idlen - 1, FORM_MAX_VALUE,
                              &secret)) != FORM_OK)
        goto out;
    st = credentials_form(id, secret, out);
    id = secret = NULL;
out:
    free(plain);
    free(id);
    free(secret);
    return st;
}

/*
 * form.c - parsers for url-encoded and multipart/form-data request bodies
 * (see form.h). They read the borrowed body by (pointer, length) only, never
 * past it, and build a caller-owned `struct form`; every failure frees what
 * was built. No HTTP, no store: the token endpoint is the main user, and
 * it also reads HTTP Basic client credentials through form_parse_basic().
 */
#include "form.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/base64.h"

#define FORM_MAX_BOUNDARY 70 /* RFC 2046 §5.1.1 */

const char *form_status_text(enum form_status st)
{
    static const char *const texts[] = {
        [FORM_OK] = "ok",
        [FORM_MALFORMED] = "malformed form body",
        [FORM_TOO_BIG] = "form body has too many or too large fields",
        [FORM_UNSUPPORTED] = "unsupported content type for a form body",
        [FORM_NOMEM] = "out of memory",
    };
    if ((int)st < 0 || (size_t)st >= sizeof texts / sizeof texts[0])
        return "unknown form status";
    return texts[st];
}

void form_free(struct form *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++) {
        free(f->fields[i].name);
        free(f->fields[i].value);
    }
    free(f->fields);
    free(f);
}

const char *form_get(const struct form *f, const char *name)
{
    if (!f || !name)
        return NULL;
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->fields[i].name, name) == 0)
            return f->fields[i].value;
    return NULL;
}

size_t form_count(const struct form *f, const char *name)
{
    size_t c = 0;
    if (!f || !name)
        return 0;
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->fields[i].name, name) == 0)
            c++;
    return c;
}

/* Appends a field; takes ownership of name and value in every case. */
static enum form_status form_add(struct form *f, char *name, char *value)
{
    if (f->n >= FORM_MAX_FIELDS) {
        free(name);
        free(value);
        return FORM_TOO_BIG;
    }
    struct form_field *nf = realloc(f->fields, (f->n + 1) * sizeof *nf);
    if (!nf) {
        free(name);
        free(value);
        return FORM_NOMEM;
    }
    f->fields = nf;
    f->fields[f->n].name = name;
    f->fields[f->n].value = value;
    f->n++;
    return FORM_OK;
}

/* ---- application/x-www-form-urlencoded ---- */

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent- and plus-decodes s[0..n) into a new string of at most `cap` bytes. */
static enum form_status url_decode(const char *s, size_t n, size_t cap, char **out)
{
    *out = NULL;
    char *d = malloc(n + 1);
    if (!d)
        return FORM_NOMEM;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            int hi = n - i >= 3 ? hexval((unsigned char)s[i + 1]) : -1;
            int lo = n - i >= 3 ? hexval((unsigned char)s[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                free(d);
                return FORM_MALFORMED;
            }
            c = (unsigned char)(hi << 4 | lo);
            i += 2;
        } else if (c == '+') {
            c = ' ';
        }
        if (c == '\0') {
            free(d);
            return FORM_MALFORMED;
        }
        d[o++] = (char)c;
    }
    if (o > cap) {
        free(d);
        return FORM_TOO_BIG;
    }
    d[o] = '\0';
    *out = d;
    return FORM_OK;
}

enum form_status form_parse_urlencoded(const char *body, size_t len, struct form **out)
{
    enum form_status st = FORM_OK;
    struct form *f = NULL;
    if (!out)
        return FORM_MALFORMED;
    *out = NULL;
    if (len && !body)
        return FORM_MALFORMED;
    f = calloc(1, sizeof *f);
    if (!f)
        return FORM_NOMEM;
    size_t pos = 0;
    while (pos < len) {
        const char *seg = body + pos;
        const char *amp = memchr(seg, '&', len - pos);
        size_t slen = amp ? (size_t)(amp - seg) : len - pos;
        pos += slen + 1;
        if (slen == 0)
            continue;
        const char *eq = memchr(seg, '=', slen);
        size_t nlen = eq ? (size_t)(eq - seg) : slen;
        char *name = NULL, *value = NULL;
        st = url_decode(seg, nlen, FORM_MAX_NAME, &name);
        if (st != FORM_OK)
            goto out;
        if (eq)
            st = url_decode(eq + 1, slen - nlen - 1, FORM_MAX_VALUE, &value);
        else if (!(value = strdup("")))
            st = FORM_NOMEM;
        if (st != FORM_OK) {
            free(name);
            goto out;
        }
        st = form_add(f, name, value);
        if (st != FORM_OK)
            goto out;
    }
out:
    if (st != FORM_OK) {
        form_free(f);
        f = NULL;
    }
    *out = f;
    return st;
}

/* ---- HTTP Basic client credentials ---- */

enum form_status form_parse_basic(const char *authorization, struct form **out)
{
    enum form_status st = FORM_MALFORMED;
    unsigned char *plain = NULL;
    char *id = NULL, *secret = NULL;
    struct form *f = NULL;
    if (!out)
        return FORM_MALFORMED;
    *out = NULL;
    if (!authorization || strncasecmp(authorization, "Basic", 5) != 0 ||
        (authorization[5] != '\0' && authorization[5] != ' '))
        return FORM_UNSUPPORTED;
    const char *p = authorization + 5;
    while (*p == ' ')
        p++;
    size_t n = strlen(p);
    while (n > 0 && p[n - 1] == ' ')
        n--;
    if (n == 0)
        return FORM_MALFORMED;
    if (n > FORM_MAX_VALUE)
        return FORM_TOO_BIG;
    size_t plen = 0;
    if (!(plain = malloc(n))) {
        st = FORM_NOMEM;
        goto out;
    }
    if (base64_decode(p, n, BASE64_PAD_OPTIONAL, plain, n, &plen) != 0)
        goto out;
    const unsigned char *colon = memchr(plain, ':', plen);
    if (!colon || colon == plain || memchr(plain, '\0', plen))
        goto out;
    size_t idlen = (size_t)(colon - plain);
    if ((st = url_decode((const char *)plain, idlen, FORM_MAX_VALUE, &id)) != FORM_OK ||
        (st = url_decode((const char *)colon + 1, plen - idlen - 1, FORM_MAX_VALUE, &secret)) !=
            FORM_OK)
        goto out;
    char *nid = strdup("client_id"), *nsecret = strdup("client_secret");
    if (!(f = calloc(1, sizeof *f)) || !nid || !nsecret) {
        free(nid);
        free(nsecret);
        st = FORM_NOMEM;
        goto out;
    }
    st = form_add(f, nid, id);
    id = NULL;
    if (st == FORM_OK) {
        st = form_add(f, nsecret, secret);
        secret = NULL;
    } else {
        free(nsecret);
    }
out:
    free(plain);
    free(id);
    free(secret);
    if (st != FORM_OK) {
        form_free(f);
        f = NULL;
    }
    *out = f;
    return st;
}

/* ---- multipart/form-data ---- */

static int is_ows(char c)
{
    return c == ' ' || c == '\t';
}

static const char *skip_ows(const char *p, const char *end)
{
    while (p < end && is_ows(*p))
        p++;
    return p;
}

/* Case-insensitive equality of the range [p, end) with the C string s. */
static int range_ieq(const char *p, const char *end, const char *s)
{
    size_t n = strlen(s);
    return (size_t)(end - p) == n && strncasecmp(p, s, n) == 0;
}

/* Characters of an unquoted parameter value or a parameter name. */
static int is_token_char(char c)
{
    return c > ' ' && c < 127 && !strchr("()<>@,;:\\\"/[]?={}", c);
}

/*
 * Reads one parameter "name=value" (value a token or a quoted string with
 * backslash escapes) from [*pp, end): the name range into pn/pnend and the
 * unquoted value into a new string *val. Leaves *pp at the ';' that follows
 * or at `end`. Returns FORM_OK, FORM_MALFORMED or FORM_NOMEM.
 */
static enum form_status read_param(const char **pp, const char *end, const char **pn,
                                   const char **pnend, char **val)
{
    const char *p = skip_ows(*pp, end);
    *val = NULL;
    *pn = p;
    while (p < end && is_token_char(*p))
        p++;
    *pnend = p;
    p = skip_ows(p, end);
    if (*pn == *pnend || p >= end || *p != '=')
        return FORM_MALFORMED;
    p = skip_ows(p + 1, end);
    char *v = malloc((size_t)(end - p) + 1);
    if (!v)
        return FORM_NOMEM;
    size_t o = 0;
    if (p < end && *p == '"') {
        p++;
        while (p < end && *p != '"') {
            if (*p == '\\' && p + 1 < end)
                p++;
            v[o++] = *p++;
        }
        if (p >= end) {
            free(v);
            return FORM_MALFORMED;
        }
        p++; /* closing quote */
    } else {
        /* Lenient: boundaries such as a=b/c are often sent unquoted. */
        while (p < end && *p != ';' && *p != '"' && (unsigned char)*p > ' ' && *p != 127)
            v[o++] = *p++;
        if (o == 0) {
            free(v);
            return FORM_MALFORMED;
        }
    }
    v[o] = '\0';
    p = skip_ows(p, end);
    if (p < end && *p != ';') {
        free(v);
        return FORM_MALFORMED;
    }
    *pp = p;
    *val = v;
    return FORM_OK;
}

/*
 * Walks the "; name=value" list in [p, end) (p at the first ';' or at end),
 * handing each parameter to fn (which takes the value string); stops at the
 * first status other than FORM_OK and returns it. A trailing ';' is allowed.
 */
typedef enum form_status (*param_fn)(void *ud, const char *pn, const char *pnend, char *val);

static enum form_status walk_params(const char *p, const char *end, param_fn fn, void *ud)
{
    while (p < end) {
        const char *pn, *pnend;
        char *val = NULL;
        if (*p != ';')
            return FORM_MALFORMED;
        p++;
        if (skip_ows(p, end) == end)
            break;
        enum form_status st = read_param(&p, end, &pn, &pnend, &val);
        if (st != FORM_OK)
            return st;
        st = fn(ud, pn, pnend, val);
        if (st != FORM_OK)
            return st;
    }
    return FORM_OK;
}

struct boundary_ud {
    char *b;
    size_t len;
};

static enum form_status on_ct_param(void *ud, const char *pn, const char *pnend, char *val)
{
    struct boundary_ud *bu = ud;
    size_t n = strlen(val);
    enum form_status st = FORM_OK;
    if (range_ieq(pn, pnend, "boundary")) {
        if (bu->len || n < 1 || n > FORM_MAX_BOUNDARY) {
            st = FORM_MALFORMED; /* given twice, empty or too long */
        } else {
            memcpy(bu->b, val, n + 1);
            bu->len = n;
        }
    }
    free(val);
    return st;
}

/* Finds the boundary parameter of a multipart Content-Type value. */
static enum form_status find_boundary(const char *ct, char *b, size_t *blen)
{
    const char *end = ct + strlen(ct);
    const char *p = memchr(ct, ';', (size_t)(end - ct));
    struct boundary_ud bu = {b, 0};
    if (!p)
        return FORM_MALFORMED;
    enum form_status st = walk_params(p, end, on_ct_param, &bu);
    if (st == FORM_OK && bu.len == 0)
        st = FORM_MALFORMED;
    *blen = bu.len;
    return st;
}

struct disposition_ud {
    char *name;
    int is_file;
};

static enum form_status on_cd_param(void *ud, const char *pn, const char *pnend, char *val)
{
    struct disposition_ud *du = ud;
    if (range_ieq(pn, pnend, "name")) {
        if (du->name) {
            free(val);
            return FORM_MALFORMED;
        }
        if (strlen(val) > FORM_MAX_NAME) {
            free(val);
            return FORM_TOO_BIG;
        }
        du->name = val;
        return FORM_OK;
    }
    if (range_ieq(pn, pnend, "filename") || range_ieq(pn, pnend, "filename*"))
        du->is_file = 1;
    free(val);
    return FORM_OK;
}

/*
 * Parses a part's header block [p, end) (lines separated by CRLF): the
 * Content-Disposition must be form-data with a name. Sets *name (owned) and
 * *is_file.
 */
static enum form_status part_headers(const char *p, const char *end, char **name, int *is_file)
{
    enum form_status st = FORM_MALFORMED;
    struct disposition_ud du = {NULL, 0};
    int seen = 0;
    while (p < end) {
        const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
        const char *lend = eol ? eol : end;
        const char *colon = memchr(p, ':', (size_t)(lend - p));
        st = FORM_MALFORMED;
        if (!colon || colon == p || is_ows(*p) || memchr(p, '\0', (size_t)(lend - p)))
            goto out;
        const char *hn_end = colon;
        while (hn_end > p && is_ows(hn_end[-1]))
            hn_end--;
        if (range_ieq(p, hn_end, "Content-Disposition")) {
            const char *v = skip_ows(colon + 1, lend);
            const char *t = v;
            while (t < lend && is_token_char(*t))
                t++;
            if (seen++ || !range_ieq(v, t, "form-data"))
                goto out;
            st = walk_params(skip_ows(t, lend), lend, on_cd_param, &du);
            if (st != FORM_OK)
                goto out;
        }
        p = eol ? eol + 2 : end;
    }
    st = du.name ? FORM_OK : FORM_MALFORMED;
out:
    if (st != FORM_OK) {
        free(du.name);
        du.name = NULL;
    }
    *name = du.name;
    *is_file = du.is_file;
    return st;
}

/* Adds a part's content as the value of `name` (taken in every case). */
static enum form_status add_part(struct form *f, char *name, const char *content, size_t vlen)
{
    enum form_status st = FORM_OK;
    char *value = NULL;
    if (vlen > FORM_MAX_VALUE)
        st = FORM_TOO_BIG;
    else if (memchr(content, '\0', vlen))
        st = FORM_MALFORMED;
    else if (!(value = strndup(content, vlen)))
        st = FORM_NOMEM;
    if (st != FORM_OK) {
        free(name);
        return st;
    }
    return form_add(f, name, value);
}

enum form_status form_parse_multipart(const char *content_type, const char *body, size_t len,
                                      struct form **out)
{
    enum form_status st = FORM_MALFORMED;
    struct form *f = NULL;
    char b[FORM_MAX_BOUNDARY + 1];
    char delim[FORM_MAX_BOUNDARY + 5]; /* CRLF "--" boundary */
    size_t blen = 0, parts = 0, pos;

    if (!out)
        return FORM_MALFORMED;
    *out = NULL;
    if (!content_type || (len && !body))
        return FORM_MALFORMED;
    if (!body)
        body = ""; /* no arithmetic on NULL below */
    st = find_boundary(content_type, b, &blen);
    if (st != FORM_OK)
        return st;
    memcpy(delim, "\r\n--", 4);
    memcpy(delim + 4, b, blen);
    const size_t dl = blen + 4; /* with the CRLF */
    const char *end = body + len;

    f = calloc(1, sizeof *f);
    if (!f)
        return FORM_NOMEM;
    st = FORM_MALFORMED;

    /* The first delimiter opens the body or follows a preamble line. */
    if (len >= dl - 2 && memcmp(body, delim + 2, dl - 2) == 0) {
        pos = 0;
    } else {
        const char *hit = len ? memmem(body, len, delim, dl) : NULL;
        if (!hit)
            goto out;
        pos = (size_t)(hit - body) + 2;
    }

    for (;;) {
        /* At "--boundary": the closing one ends the body. */
        const char *p = body + pos + (dl - 2);
        if (end - p >= 2 && p[0] == '-' && p[1] == '-')
            break;
        p = skip_ows(p, end);
        if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
            goto out;
        p += 2;

        /* Header block up to the empty line. */
        const char *hend, *content;
        if (end - p >= 2 && p[0] == '\r' && p[1] == '\n') {
            hend = p;
            content = p + 2;
        } else {
            size_t window = (size_t)(end - p);
            if (window > FORM_MAX_PART_HEADERS + 4)
                window = FORM_MAX_PART_HEADERS + 4;
            hend = memmem(p, window, "\r\n\r\n", 4);
            if (!hend) {
                st = (size_t)(end - p) > FORM_MAX_PART_HEADERS ? FORM_TOO_BIG : FORM_MALFORMED;
                goto out;
            }
            if ((size_t)(hend - p) > FORM_MAX_PART_HEADERS) {
                st = FORM_TOO_BIG;
                goto out;
            }
            content = hend + 4;
        }

        /* Content up to the next delimiter; none means the body was cut short. */
        const char *next = memmem(content, (size_t)(end - content), delim, dl);
        if (!next)
            goto out;
        if (++parts > FORM_MAX_FIELDS) {
            st = FORM_TOO_BIG;
            goto out;
        }

        char *name = NULL;
        int is_file = 0;
        st = part_headers(p, hend, &name, &is_file);
        if (st != FORM_OK)
            goto out;
        if (is_file)
            free(name); /* files are not parameters */
        else if ((st = add_part(f, name, content, (size_t)(next - content))) != FORM_OK)
            goto out;
        st = FORM_MALFORMED;
        pos = (size_t)(next - body) + 2;
    }
    st = FORM_OK;
out:
    if (st != FORM_OK) {
        form_free(f);
        f = NULL;
    }
    *out = f;
    return st;
}

enum form_status form_parse(const char *content_type, const char *body, size_t len,
                            struct form **out)
{
    if (!out)
        return FORM_MALFORMED;
    *out = NULL;
    if (!content_type)
        return FORM_UNSUPPORTED;
    const char *end = content_type + strlen(content_type);
    const char *p = skip_ows(content_type, end);
    const char *semi = memchr(p, ';', (size_t)(end - p));
    const char *mend = semi ? semi : end;
    while (mend > p && is_ows(mend[-1]))
        mend--;
    if (range_ieq(p, mend, "application/x-www-form-urlencoded"))
        return form_parse_urlencoded(body, len, out);
    if (range_ieq(p, mend, "multipart/form-data"))
        return form_parse_multipart(content_type, body, len, out);
    return FORM_UNSUPPORTED;
}

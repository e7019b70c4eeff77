/*
 * form_multipart.c - multipart/form-data bodies (RFC 7578 over RFC 2046;
 * see form.h): the boundary from the Content-Type, each part's
 * Content-Disposition, and its content as a field value. Reads the borrowed
 * body by (pointer, length) only, never past it; every failure frees what
 * was built.
 */
#include "form.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "form_int.h"

#define FORM_MAX_BOUNDARY 70 /* RFC 2046 §5.1.1 */

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
    const char *p = form_skip_ows(*pp, end);
    *val = NULL;
    *pn = p;
    while (p < end && is_token_char(*p))
        p++;
    *pnend = p;
    p = form_skip_ows(p, end);
    if (*pn == *pnend || p >= end || *p != '=')
        return FORM_MALFORMED;
    p = form_skip_ows(p + 1, end);
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
    p = form_skip_ows(p, end);
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
        if (form_skip_ows(p, end) == end)
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
    if (form_range_ieq(pn, pnend, "boundary")) {
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
    if (form_range_ieq(pn, pnend, "name")) {
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
    if (form_range_ieq(pn, pnend, "filename") || form_range_ieq(pn, pnend, "filename*"))
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
        if (!colon || colon == p || form_is_ows(*p) || memchr(p, '\0', (size_t)(lend - p)))
            goto out;
        const char *hn_end = colon;
        while (hn_end > p && form_is_ows(hn_end[-1]))
            hn_end--;
        if (form_range_ieq(p, hn_end, "Content-Disposition")) {
            const char *v = form_skip_ows(colon + 1, lend);
            const char *t = v;
            while (t < lend && is_token_char(*t))
                t++;
            if (seen++ || !form_range_ieq(v, t, "form-data"))
                goto out;
            st = walk_params(form_skip_ows(t, lend), lend, on_cd_param, &du);
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

/* A multipart body being read: the borrowed body, its delimiter and the
 * caller-to-be's form. */
struct multipart {
    const char *body, *end;
    char delim[FORM_MAX_BOUNDARY + 5]; /* CRLF "--" boundary */
    size_t dl;                         /* delimiter length, with the CRLF */
    size_t pos;                        /* at the next "--boundary" */
    size_t parts;
    struct form *f;
};

/* Finds the first delimiter: it opens the body or follows a preamble line. */
static enum form_status first_delimiter(struct multipart *m)
{
    size_t len = (size_t)(m->end - m->body);
    if (len >= m->dl - 2 && memcmp(m->body, m->delim + 2, m->dl - 2) == 0) {
        m->pos = 0;
        return FORM_OK;
    }
    const char *hit = len ? memmem(m->body, len, m->delim, m->dl) : NULL;
    if (!hit)
        return FORM_MALFORMED;
    m->pos = (size_t)(hit - m->body) + 2;
    return FORM_OK;
}

/* The header block at p, up to the empty line: its end and the content's start. */
static enum form_status header_block(const char *p, const char *end, const char **hend,
                                     const char **content)
{
    if (end - p >= 2 && p[0] == '\r' && p[1] == '\n') {
        *hend = p;
        *content = p + 2;
        return FORM_OK;
    }
    size_t window = (size_t)(end - p);
    if (window > FORM_MAX_PART_HEADERS + 4)
        window = FORM_MAX_PART_HEADERS + 4;
    *hend = memmem(p, window, "\r\n\r\n", 4);
    if (!*hend)
        return (size_t)(end - p) > FORM_MAX_PART_HEADERS ? FORM_TOO_BIG : FORM_MALFORMED;
    if ((size_t)(*hend - p) > FORM_MAX_PART_HEADERS)
        return FORM_TOO_BIG;
    *content = *hend + 4;
    return FORM_OK;
}

/* Reads the part at m->pos into m->f, or sets *done at the closing delimiter. */
static enum form_status next_part(struct multipart *m, int *done)
{
    const char *end = m->end, *hend, *content;
    /* At "--boundary": the closing one ends the body. */
    const char *p = m->body + m->pos + (m->dl - 2);
    if (end - p >= 2 && p[0] == '-' && p[1] == '-') {
        *done = 1;
        return FORM_OK;
    }
    p = form_skip_ows(p, end);
    if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
        return FORM_MALFORMED;
    p += 2;
    enum form_status st = header_block(p, end, &hend, &content);
    if (st != FORM_OK)
        return st;
    /* Content up to the next delimiter; none means the body was cut short. */
    const char *next = memmem(content, (size_t)(end - content), m->delim, m->dl);
    if (!next)
        return FORM_MALFORMED;
    if (++m->parts > FORM_MAX_FIELDS)
        return FORM_TOO_BIG;
    char *name = NULL;
    int is_file = 0;
    st = part_headers(p, hend, &name, &is_file);
    if (st != FORM_OK)
        return st;
    if (is_file)
        free(name); /* files are not parameters */
    else if ((st = add_part(m->f, name, content, (size_t)(next - content))) != FORM_OK)
        return st;
    m->pos = (size_t)(next - m->body) + 2;
    return FORM_OK;
}

enum form_status form_parse_multipart(const char *content_type, const char *body, size_t len,
                                      struct form **out)
{
    struct multipart m;
    char b[FORM_MAX_BOUNDARY + 1];
    size_t blen = 0;
    int done = 0;
    if (!out)
        return FORM_MALFORMED;
    *out = NULL;
    if (!content_type || (len && !body))
        return FORM_MALFORMED;
    if (!body)
        body = ""; /* no arithmetic on NULL below */
    enum form_status st = find_boundary(content_type, b, &blen);
    if (st != FORM_OK)
        return st;
    memset(&m, 0, sizeof m);
    m.body = body;
    m.end = body + len;
    memcpy(m.delim, "\r\n--", 4);
    memcpy(m.delim + 4, b, blen);
    m.dl = blen + 4;
    m.f = calloc(1, sizeof *m.f);
    if (!m.f)
        return FORM_NOMEM;
    st = first_delimiter(&m);
    while (st == FORM_OK && !done)
        st = next_part(&m, &done);
    if (st != FORM_OK) {
        form_free(m.f);
        m.f = NULL;
    }
    *out = m.f;
    return st;
}

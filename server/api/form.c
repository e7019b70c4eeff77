/*
 * form.c - what every form parser shares (see form.h and form_int.h): the
 * status texts, the field list, the header-value lexing, the url-encoded
 * parser whose decoding HTTP Basic reuses, and form_parse(), which picks a
 * parser by media type. Multipart lives in form_multipart.c, HTTP Basic in
 * form_basic.c. No HTTP, no store: bodies are read by (pointer, length) only.
 */
#include "form.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "form_int.h"

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

enum form_status form_add(struct form *f, char *name, char *value)
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

/* ---- header-value lexing ---- */

int form_is_ows(char c)
{
    return c == ' ' || c == '\t';
}

const char *form_skip_ows(const char *p, const char *end)
{
    while (p < end && form_is_ows(*p))
        p++;
    return p;
}

int form_range_ieq(const char *p, const char *end, const char *s)
{
    size_t n = strlen(s);
    return (size_t)(end - p) == n && strncasecmp(p, s, n) == 0;
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

enum form_status form_url_decode(const char *s, size_t n, size_t cap, char **out)
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
        st = form_url_decode(seg, nlen, FORM_MAX_NAME, &name);
        if (st != FORM_OK)
            goto out;
        if (eq)
            st = form_url_decode(eq + 1, slen - nlen - 1, FORM_MAX_VALUE, &value);
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

enum form_status form_parse(const char *content_type, const char *body, size_t len,
                            struct form **out)
{
    if (!out)
        return FORM_MALFORMED;
    *out = NULL;
    if (!content_type)
        return FORM_UNSUPPORTED;
    const char *end = content_type + strlen(content_type);
    const char *p = form_skip_ows(content_type, end);
    const char *semi = memchr(p, ';', (size_t)(end - p));
    const char *mend = semi ? semi : end;
    while (mend > p && form_is_ows(mend[-1]))
        mend--;
    if (form_range_ieq(p, mend, "application/x-www-form-urlencoded"))
        return form_parse_urlencoded(body, len, out);
    if (form_range_ieq(p, mend, "multipart/form-data"))
        return form_parse_multipart(content_type, body, len, out);
    return FORM_UNSUPPORTED;
}

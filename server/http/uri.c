/*
 * uri.c - refusing encoded NULs and slashes in a raw request target (see
 * uri.h). Works on the bytes as sent: the path up to '?', then the query's
 * '&'-separated parameters, each checked whole (name and value).
 */
#include "uri.h"

#include <string.h>

/* The escape at s ("%00", "%2f"...) as a byte; -1 when s is no escape. */
static int escaped_byte(const char *s, const char *end)
{
    static const char hex[] = "0123456789abcdef";
    if (end - s < 3 || s[0] != '%')
        return -1;
    int v = 0;
    for (int i = 1; i < 3; i++) {
        char c = s[i] >= 'A' && s[i] <= 'F' ? (char)(s[i] - 'A' + 'a') : s[i];
        const char *d = c ? strchr(hex, c) : NULL;
        if (!d)
            return -1;
        v = v * 16 + (int)(d - hex);
    }
    return v;
}

/* Copies [s, end) into v->part, cut to fit, and sets the fault. */
static enum uri_fault found(struct uri_verdict *v, enum uri_fault f, const char *s, const char *end)
{
    size_t n = (size_t)(end - s);
    if (n >= sizeof(v->part))
        n = sizeof(v->part) - 1;
    memcpy(v->part, s, n);
    v->part[n] = '\0';
    v->fault = f;
    return f;
}

/* The first escape of NUL (or of '/' when `slash`) in [s, end); NULL when none. */
static const char *find_escape(const char *s, const char *end, int slash)
{
    for (const char *p = memchr(s, '%', (size_t)(end - s)); p;
         p = memchr(p + 1, '%', (size_t)(end - p - 1))) {
        int b = escaped_byte(p, end);
        if (b == 0 || (slash && b == '/'))
            return p;
    }
    return NULL;
}

static enum uri_fault check_path(const char *s, const char *end, struct uri_verdict *v)
{
    const char *p = find_escape(s, end, 1);
    if (!p)
        return URI_OK;
    const char *seg = p, *seg_end = p;
    while (seg > s && seg[-1] != '/')
        seg--;
    while (seg_end < end && *seg_end != '/')
        seg_end++;
    return found(v, escaped_byte(p, end) == 0 ? URI_PATH_NUL : URI_PATH_SLASH, seg, seg_end);
}

static enum uri_fault check_query(const char *s, const char *end, struct uri_verdict *v)
{
    while (s < end) {
        const char *amp = memchr(s, '&', (size_t)(end - s));
        const char *pair_end = amp ? amp : end;
        if (find_escape(s, pair_end, 0)) {
            const char *eq = memchr(s, '=', (size_t)(pair_end - s));
            return found(v, URI_QUERY_NUL, s, eq ? eq : pair_end);
        }
        s = pair_end + (amp != NULL);
    }
    return URI_OK;
}

enum uri_fault uri_check(const char *raw, struct uri_verdict *v)
{
    v->fault = URI_OK;
    v->part[0] = '\0';
    if (!raw)
        return URI_OK;
    const char *end = raw + strlen(raw);
    const char *q = strchr(raw, '?');
    if (check_path(raw, q ? q : end, v) != URI_OK)
        return v->fault;
    return q ? check_query(q + 1, end, v) : URI_OK;
}

/*
 * filename.c - safe Content-Disposition values for report downloads (see
 * api_content_disposition in api.h). The name comes straight from a query
 * parameter, so nothing in it may break the header or point at a path.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../core/utf8.h"
#include "api.h"

#define NAME_MAX_BYTES 200

/* RFC 5987 attr-char: sent as is inside filename*. */
static int attr_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           strchr("!#$&+-.^_`|~", c) != NULL;
}

/*
 * Copies `in` into out, replacing what must not reach a header or a path:
 * bytes that are not well-formed UTF-8, control and bidirectional formatting
 * characters (utf8_unsafe), quotes, backslashes, '/' and ';' each become '_'.
 * Stops before a character that would not fit whole.
 */
static void clean(const char *in, char *out, size_t outlen)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p;) {
        size_t len = utf8_seq(p);
        int bad = !len || utf8_unsafe(utf8_code_point(p, len)) || strchr("\"\\/;", *p);
        size_t put = bad ? 1 : len;
        if (n + put >= outlen)
            break;
        if (bad)
            out[n] = '_';
        else
            memcpy(out + n, p, put);
        n += put;
        p += len ? len : 1;
    }
    out[n] = '\0';
    /* No leading dots or spaces (hidden files, ".."), no trailing spaces. */
    size_t lead = strspn(out, ". ");
    memmove(out, out + lead, n - lead + 1);
    n -= lead;
    while (n > 0 && out[n - 1] == ' ')
        out[--n] = '\0';
}

/* Writes the header value for the cleaned name `base`; -1 when out is too small
 * (out is then left NUL-terminated but incomplete). */
static int render(const char *base, const char *ext, char *out, size_t outlen)
{
    char file[NAME_MAX_BYTES + 16];
    size_t bl = strlen(base), el = strlen(ext);
    if (bl > el && base[bl - el - 1] == '.' && strcasecmp(base + bl - el, ext) == 0)
        snprintf(file, sizeof(file), "%s", base);
    else
        snprintf(file, sizeof(file), "%s.%s", base, ext);

    char ascii[sizeof(file)];
    int non_ascii = 0;
    size_t i;
    for (i = 0; file[i]; i++) {
        unsigned char c = (unsigned char)file[i];
        non_ascii |= c >= 0x80;
        ascii[i] = c >= 0x80 ? '_' : (char)c;
    }
    ascii[i] = '\0';
    int n = snprintf(out, outlen, "attachment; filename=\"%s\"", ascii);
    if (n < 0 || (size_t)n >= outlen)
        return -1;
    if (!non_ascii)
        return 0;
    size_t len = (size_t)n;
    const char *star = "; filename*=UTF-8''";
    if (len + strlen(star) >= outlen)
        return -1;
    memcpy(out + len, star, strlen(star) + 1);
    len += strlen(star);
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)file; *p; p++) {
        if (len + 4 > outlen) {
            out[len] = '\0';
            return -1;
        }
        if (attr_char(*p)) {
            out[len++] = (char)*p;
        } else {
            out[len++] = '%';
            out[len++] = hex[*p >> 4];
            out[len++] = hex[*p & 15];
        }
    }
    out[len] = '\0';
    return 0;
}

int api_content_disposition(const char *name, const char *fallback, const char *ext, char *out,
                            size_t outlen)
{
    char base[NAME_MAX_BYTES + 1] = "";
    if (outlen == 0)
        return -1;
    if (name)
        clean(name, base, sizeof(base));
    if (!base[0])
        clean(fallback ? fallback : "report", base, sizeof(base));
    if (!base[0])
        snprintf(base, sizeof(base), "report");
    /* A long non-ASCII name is written twice, once percent-encoded: cut it a
     * character at a time until both forms fit in the header value. */
    for (;;) {
        if (render(base, ext, out, outlen) == 0)
            return 0;
        size_t n = strlen(base);
        if (n <= 1)
            break;
        n--;
        while (n > 0 && ((unsigned char)base[n] & 0xc0) == 0x80)
            n--; /* back to the first byte of the last character */
        base[n] = '\0';
    }
    out[0] = '\0';
    return -1;
}

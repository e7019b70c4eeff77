/*
 * utf8.c - UTF-8 well-formedness (RFC 3629: no overlongs, no surrogates,
 * nothing above U+10FFFF), in-place scrubbing, and the characters echoed
 * text must not carry; see utf8.h.
 */
#include "utf8.h"

#include <stdint.h>

size_t utf8_seq(const unsigned char *p)
{
    unsigned c = *p, n;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 1;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 2;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 3;
        cp = c & 0x07;
    } else {
        return 0;
    }
    for (unsigned i = 1; i <= n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0; /* also stops at the NUL */
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return n + 1;
}

int utf8_valid(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t n = utf8_seq(p);
        if (!n)
            return 0;
        p += n;
    }
    return 1;
}

int utf8_valid_len(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        if (*p < 0x80) {
            p++;
            continue;
        }
        unsigned char seq[5] = {0};
        size_t avail = (size_t)(end - p) < 4 ? (size_t)(end - p) : 4;
        for (size_t i = 0; i < avail; i++)
            seq[i] = p[i];
        size_t k = utf8_seq(seq); /* the copy ends in NUL: no read past n */
        if (!k)
            return 0;
        p += k;
    }
    return 1;
}

void utf8_scrub(char *s)
{
    for (unsigned char *p = (unsigned char *)s; *p;) {
        size_t n = utf8_seq(p);
        if (!n) {
            *p = '?';
            n = 1;
        }
        p += n;
    }
}

uint32_t utf8_code_point(const unsigned char *p, size_t n)
{
    static const unsigned char lead_mask[5] = {0, 0x7F, 0x1F, 0x0F, 0x07};
    uint32_t cp = p[0] & lead_mask[n < 5 ? n : 0];
    for (size_t i = 1; i < n; i++)
        cp = (cp << 6) | (p[i] & 0x3F);
    return cp;
}

int utf8_unsafe(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x061C || cp == 0x200E ||
           cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

void utf8_sanitize(char *s, char repl)
{
    unsigned char *in = (unsigned char *)s, *out = in;
    while (in && *in) {
        size_t n = utf8_seq(in);
        if (!n || utf8_unsafe(utf8_code_point(in, n))) {
            *out++ = (unsigned char)repl;
            in += n ? n : 1;
            continue;
        }
        for (size_t i = 0; i < n; i++)
            *out++ = *in++;
    }
    if (out)
        *out = '\0';
}

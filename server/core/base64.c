/*
 * base64.c - the one base64 decoder of the server (see base64.h): the
 * standard and the url alphabets, padding optional or refused. It owns
 * nothing and knows nothing of HTTP or JWT; encoding stays with its users.
 */
#include "base64.h"

/* The 6-bit value of character c in the alphabet chosen by `flags`, or -1. */
static int base64_value(unsigned char c, int flags)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == ((flags & BASE64_URL) ? '-' : '+'))
        return 62;
    if (c == ((flags & BASE64_URL) ? '_' : '/'))
        return 63;
    return -1;
}

int base64_decode(const char *in, size_t n, int flags, unsigned char *out, size_t outcap,
                  size_t *outlen)
{
    size_t pad = 0;
    if ((n && !in) || !outlen)
        return -1;
    while ((flags & BASE64_PAD_OPTIONAL) && pad < 2 && n > pad && in[n - 1 - pad] == '=')
        pad++;
    if (pad && n % 4 != 0)
        return -1;
    n -= pad;
    /* Padding, when there is some, completes the last quantum exactly. */
    if (n % 4 == 1 || (pad && pad != (4 - n % 4) % 4))
        return -1;
    size_t need = (n / 4) * 3 + (n % 4 ? n % 4 - 1 : 0);
    if (need > outcap || (need && !out))
        return -1;
    size_t o = 0;
    unsigned long acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = base64_value((unsigned char)in[i], flags);
        if (v < 0)
            return -1;
        acc = (acc << 6 | (unsigned long)v) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    /* Leftover bits (2 or 4) must be zero: one encoding per byte string. */
    if (bits && (acc & ((1UL << bits) - 1)))
        return -1;
    *outlen = o;
    return 0;
}

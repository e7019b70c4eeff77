/*
 * base64.h - strict base64 decoding (RFC 4648), in the standard alphabet
 * (§4, HTTP Basic credentials) or the url alphabet (§5, JWT segments).
 * A pure function: no allocation, no global state, thread-safe.
 */
#ifndef ISC_CORE_BASE64_H
#define ISC_CORE_BASE64_H

#include <stddef.h>

/* Flags for base64_decode(); 0 is the standard alphabet without padding. */
#define BASE64_URL 1          /* '-' and '_' for 62 and 63 instead of '+' and '/' */
#define BASE64_PAD_OPTIONAL 2 /* trailing '=' padding accepted, never required */

/*
 * Decodes `n` characters of `in` (no NUL needed; `in` may be NULL when n is 0)
 * into `out`, which has room for `outcap` bytes (3 * ceil(n / 4) is always
 * enough). Strict, so one byte string has one encoding: characters outside the
 * alphabet, a length of 4k+1 once padding is set aside, non-zero unused bits
 * in the last character, and padding that is refused by `flags`, misplaced or
 * does not complete the last quantum are all errors.
 *
 * Returns 0 and sets *outlen on success. Returns -1 on bad input, a NULL
 * `outlen` or a too small `out`; then *outlen is unchanged, and `out` is
 * untouched when it was too small (otherwise its content is unspecified).
 */
int base64_decode(const char *in, size_t n, int flags, unsigned char *out, size_t outcap,
                  size_t *outlen);

#endif

/*
 * utf8.h - checking and scrubbing UTF-8, so that text taken from a request
 * (and echoed back in a JSON body or stored) is always well-formed.
 * Pure functions over NUL-terminated strings; nothing is allocated.
 */
#ifndef ISC_CORE_UTF8_H
#define ISC_CORE_UTF8_H

#include <stddef.h>

/* The length (1-4) of the well-formed sequence at p, or 0 when the bytes
 * there are not one (overlongs and surrogates are not). *p must not be NUL. */
size_t utf8_seq(const unsigned char *p);
/* Nonzero when `s` is well-formed UTF-8. */
int utf8_valid(const char *s);
/* Nonzero when the n bytes at s are well-formed UTF-8 (no NUL needed; a NUL
 * byte counts as a character). */
int utf8_valid_len(const char *s, size_t n);
/* Replaces, in place, every byte that does not start a well-formed sequence by '?'. */
void utf8_scrub(char *s);

#endif

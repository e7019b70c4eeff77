/*
 * utf8.h - checking and scrubbing UTF-8, so that text taken from a request
 * (and echoed back in a JSON body or stored) is always well-formed.
 * Pure functions over NUL-terminated strings; nothing is allocated.
 */
#ifndef ISC_CORE_UTF8_H
#define ISC_CORE_UTF8_H

#include <stddef.h>
#include <stdint.h>

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

/* The code point of the well-formed sequence of `n` bytes at p (n as
 * utf8_seq() gave it). */
uint32_t utf8_code_point(const unsigned char *p, size_t n);
/* Nonzero for a code point that echoed text must not carry as is: a control
 * character (C0, DEL, C1) or a bidirectional formatting character (U+061C,
 * U+200E, U+200F, U+202A-U+202E, U+2066-U+2069), which could end a log line
 * or make text display in another order than it is stored. */
int utf8_unsafe(uint32_t cp);
/* In place: every byte that does not start a well-formed sequence, and every
 * character utf8_unsafe() names, becomes the ASCII byte `repl`. The text only
 * gets shorter. NULL is a no-op. */
void utf8_sanitize(char *s, char repl);

#endif

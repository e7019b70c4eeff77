/*
 * fuzz.h - what every libFuzzer target here shares: the entry points'
 * prototypes, a check that turns a broken invariant into a crash libFuzzer
 * records, and copies of the input shaped like what the server hands its
 * parsers (an exact-size buffer, so ASan sees any read past the end; or a
 * NUL-terminated string).
 *
 * Memory: the copies are malloc'd and owned by the caller (free()). A failed
 * allocation aborts: under libFuzzer that is a finding, not an input to skip.
 */
#ifndef ISC_TESTS_FUZZ_H
#define ISC_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Aborts with a message when `cond` does not hold; libFuzzer saves the input. */
#define FUZZ_CHECK(cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant failed: %s: ", __FILE__, __LINE__, #cond);           \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* n bytes of p in a buffer of exactly n bytes (one byte for n == 0). */
static inline char *fuzz_bytes(const void *p, size_t n)
{
    char *d = malloc(n ? n : 1);
    FUZZ_CHECK(d != NULL, "out of memory");
    if (n)
        memcpy(d, p, n);
    return d;
}

/* n bytes of p as a NUL-terminated string (an embedded NUL ends it early). */
static inline char *fuzz_str(const void *p, size_t n)
{
    char *d = malloc(n + 1);
    FUZZ_CHECK(d != NULL, "out of memory");
    if (n)
        memcpy(d, p, n);
    d[n] = '\0';
    return d;
}

/*
 * Targets that hold several modes pick one with the first input byte: '0'
 * is mode 0, '1' mode 1..., so seed files stay readable; any other byte
 * still picks some mode.
 */
static inline unsigned fuzz_mode(const uint8_t *data, size_t size, unsigned nmodes)
{
    return size ? (unsigned)(uint8_t)(data[0] - '0') % nmodes : 0;
}

#endif

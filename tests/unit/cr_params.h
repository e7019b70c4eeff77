/*
 * cr_params.h - copying test tables into Criterion's shared arena.
 *
 * Criterion runs each parameterized case in a fresh process, where pointers
 * into this binary's data no longer hold: tables are copied into its shared
 * arena (cr_malloc) before they are handed over. The copies live as long as
 * the test run; Criterion frees the arena.
 */
#ifndef ISC_TESTS_CR_PARAMS_H
#define ISC_TESTS_CR_PARAMS_H

#include <criterion/alloc.h>
#include <criterion/criterion.h>
#include <string.h>

/* A copy of `len` bytes of s (len < 0: up to its NUL), NUL-terminated; NULL stays NULL. */
static inline const char *pstr(const char *s, int len)
{
    if (!s)
        return NULL;
    size_t n = len < 0 ? strlen(s) : (size_t)len;
    char *d = cr_malloc(n + 1);
    cr_assert_not_null(d);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

/* A copy of `size` bytes at src. */
static inline void *pcopy(const void *src, size_t size)
{
    void *d = cr_malloc(size);
    cr_assert_not_null(d);
    memcpy(d, src, size);
    return d;
}

#endif

/*
 * hash.h - FNV-1a, the one hash of the server's in-memory tables (prepared
 * statements, the rate limiter's keys, the token cache, connections per
 * address), and a finaliser for tables that index by the low bits.
 *
 * Not for anything an attacker must not steer: every table that uses it is
 * bounded whatever the collisions.
 */
#ifndef ISC_CORE_HASH_H
#define ISC_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_SEED 1469598103934665603ULL /* FNV-1a's offset basis */

/* One more byte into hash h (start from HASH_SEED). */
static inline uint64_t hash_byte(uint64_t h, unsigned char c)
{
    return (h ^ c) * 1099511628211ULL;
}

/* The n bytes at p, from HASH_SEED. */
static inline uint64_t hash_bytes(const void *p, size_t n)
{
    const unsigned char *b = p;
    uint64_t h = HASH_SEED;
    for (size_t i = 0; i < n; i++)
        h = hash_byte(h, b[i]);
    return h;
}

/* Mixes the high bits into the low ones (MurmurHash3's fmix64 steps), for a
 * table indexed by h modulo a power of two. */
static inline uint64_t hash_mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

#endif

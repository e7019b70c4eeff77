/*
 * gen.h - a deterministic tenant of N identities from a seed (gen.c).
 *
 * The generated tenant has the built-in tenant's shape, scaled: the same seven
 * sources and three identity profiles (same ids; Interns, of the API
 * documentation's example source, has one error), employees and contractors,
 * orphans, identity-profile errors, correlated and uncorrelated accounts,
 * entitlements and who holds them, access profiles, roles, account
 * activities and events. The same size and seed give the same rows, byte for
 * byte, on every machine: the generator draws from its own splitmix64, never
 * from rand() or the clock.
 *
 * Locking: generation runs in batches of a few thousand identities, each its
 * own transaction under the store lock; the lock is released between
 * batches, so other requests (result polls, the journal) wait at most one
 * batch. While it runs, report queries see a tenant that is being rebuilt.
 * Generations do not overlap: a second one waits for the first.
 */
#ifndef ISC_STORE_GEN_H
#define ISC_STORE_GEN_H

#include <stdint.h>

struct store;

#define GEN_SIZE_MIN 10                        /* the CEO and nine department heads */
#define GEN_SIZE_MAX 2000000                   /* about 3 GB of database */
#define GEN_SEED_MAX INT64_C(9007199254740991) /* 2^53 - 1: exact as a JSON number */

/* One step of splitmix64: advances *state and returns the next value. */
uint64_t gen_splitmix64(uint64_t *state);

enum gen_mode {
    GEN_RUNTIME, /* the server is serving: keep the indexes, batch under the lock */
    GEN_STARTUP  /* nobody else uses the store yet: drop the tenant's secondary
                  * indexes that rows do not reach in their order, load, build
                  * them again (faster, and the lock is held for the build) */
};

/*
 * Replaces every tenant table's rows (tasks, clients and settings are kept)
 * by the tenant of `size` identities (GEN_SIZE_MIN..GEN_SIZE_MAX) made from
 * `seed` (0..GEN_SEED_MAX), and records size and seed. Returns 0, or -1 on a
 * bad argument or a database error (logged). A failure leaves a partial
 * tenant and no record of a generation.
 */
int store_tenant_generate(struct store *s, int64_t size, int64_t seed, enum gen_mode mode);

/*
 * Sets *size and *seed to the last generation recorded and returns 0; returns
 * 1 when the tenant came from fixtures (or a reset brought them back), -1 on
 * a database error.
 */
int store_tenant_generated(struct store *s, int64_t *size, int64_t *seed);

/* The tenant tables, children first (the order to empty them in). */
extern const char *const gen_tables[];
#define GEN_TABLES 13
#define GEN_TABLE_IDENTITIES 10 /* gen_tables[GEN_TABLE_IDENTITIES] is "identities" */

/* Rows in each of gen_tables[], into counts[GEN_TABLES]. 0 or -1. Takes the
 * lock once per table. */
int store_tenant_counts(struct store *s, int64_t counts[GEN_TABLES]);

#endif

/*
 * gen_int.h - the inside of the tenant generator, shared by its files: the
 * people, their accounts and their activity (gen_people.c), the fixed
 * catalogue (gen_catalogue.c) and the batch driver (gen.c). Nothing outside
 * server/store/gen*.c includes it. Every function here runs under the
 * store's lock, inside the driver's transaction.
 */
#ifndef ISC_STORE_GEN_INT_H
#define ISC_STORE_GEN_INT_H

#include <stdint.h>

#include "gen.h"
#include "store_int.h"

enum {
    SRC_WORKDAY,
    SRC_CONTRACTORS,
    SRC_AD,
    SRC_SERVICENOW,
    SRC_GITHUB,
    SRC_SALESFORCE,
    SRC_INTERNS, /* the API documentation's example source, 1234sourceId5678902 */
    SRC__N
};

struct gen_source {
    const char *id, *name, *type, *description;
    int authoritative;
    int64_t created_ms, modified_ms;
};

struct gen_profile {
    const char *id, *name, *description;
    int source, priority;
    int64_t created_ms, modified_ms;
};

/* The profiles: people belong to Employees or Contractors; Interns (of the
 * documentation's example source) only has the one error of identity 2. */
enum { PROFILE_EMPLOYEES, PROFILE_CONTRACTORS, PROFILE_INTERNS, PROFILE__N };
#define GEN_INTERNS_ERROR_K 2

/* The fixed sources and identity profiles (gen_catalogue.c), as in fixtures/tenant.sql. */
extern const struct gen_source gen_sources[SRC__N];
extern const struct gen_profile gen_profiles[PROFILE__N];

/* Entitlements, in id order. 1..10 are the department groups (1 + department). */
enum {
    ENT_ALL_STAFF = 0,
    ENT_VPN = 11,
    ENT_DOMAIN_ADMINS = 12,
    ENT_SERVER_ADMINS = 13,
    ENT_HELP_DESK = 14,
    ENT_SN_ITIL = 15,
    ENT_SN_ADMIN = 16,
    ENT_SN_APPROVER = 17,
    ENT_GH_PLATFORM = 19,
    ENT_GH_SECURITY = 20,
    ENT_SF_SYSADMIN = 22,
    ENT_SF_STANDARD = 23,
    ENT_SF_MANAGER = 24,
    ENT__N = 26
};
/* Id kinds: the two hex digits after "2c9180", as in the built-in tenant. */
enum {
    KIND_IDENTITY = 0x85,
    KIND_ACCOUNT = 0x86,
    KIND_ENTITLEMENT = 0x87,
    KIND_ACCESS_PROFILE = 0x88,
    KIND_ROLE = 0x89,
    KIND_ACTIVITY = 0x8a,
    KIND_EVENT = 0x8b,
    KIND_ERROR = 0x8c
};

#define DAY_MS INT64_C(86400000)
#define HIRED_FROM_MS INT64_C(1609459200000) /* 2021-01-01 */
#define HIRED_SPAN_MS (1247 * DAY_MS)        /* to 2024-06-01 */
#define ACTIVITY_FROM_MS INT64_C(1717200000000)
#define ACTIVITY_SPAN_MS (180 * DAY_MS)
/* Native ids of GitHub accounts: 5800000 + 37 k for identity k, from here on
 * for the uncorrelated ones (above 5800000 + 37 GEN_SIZE_MAX). */
#define GEN_GITHUB_PERSON 5800000
#define GEN_STRAY_GITHUB 100000000
_Static_assert(GEN_GITHUB_PERSON + 37ULL * GEN_SIZE_MAX < GEN_STRAY_GITHUB,
               "GitHub native ids of people and of uncorrelated accounts overlap");
#define BATCH 2000               /* identities per transaction */
#define GEN_CACHE_KB "32768"     /* page cache while generating */
#define GEN_SORT_CACHE_KB "8192" /* page cache while building indexes */

enum {
    ST_IDENTITY,
    ST_ACCOUNT,
    ST_GRANT,
    ST_ERROR,
    ST_ACTIVITY,
    ST_EVENT,
    ST_SOURCE,
    ST_PROFILE,
    ST_ENTITLEMENT,
    ST_ACCESS_PROFILE,
    ST_AP_ENT,
    ST_ROLE,
    ST_ROLE_AP,
    ST__N
};

/* What one identity is, computed from (seed, k) alone. */
struct person {
    uint64_t k;
    char id[33];
    char username[48];
    const char *first, *last;
    char display[64];
    char common[72]; /* display name, numbered after the first block: unique */
    char email[80];
    int dept, tier, city, contractor, orphan, error;
    const char *lifecycle;
    int64_t created_ms, modified_ms;
};

#define GEN_ROWS 32       /* rows per multi-row INSERT (gen_rows.c) */
#define GEN_COLS 16       /* columns of an insert at most */
#define GEN_ROW_TEXT 1024 /* bytes of text in one row at most */

/* A value bound to a pending row: text (a copy), an integer or NULL. */
struct gen_value {
    const char *text; /* NULL: the integer, or NULL when !is_int */
    int len, is_int;
    int64_t num;
};

/* One insert's statements and the rows waiting for them (gen_rows.c). */
struct gen_insert {
    sqlite3_stmt *one, *many; /* one row; GEN_ROWS rows */
    int ncols, n;             /* parameters of a row; rows pending */
    size_t used;              /* bytes of text[n] in use */
    int too_long;             /* the row being bound lost a value */
    struct gen_value val[GEN_ROWS][GEN_COLS];
    char text[GEN_ROWS][GEN_ROW_TEXT];
};

struct gen {
    struct store *s;
    uint64_t n, seed;
    uint32_t node[256];      /* per id kind */
    unsigned perm_a, perm_b; /* the name permutation within a block of 900 */
    uint64_t next_account, next_error, next_stray;
    struct gen_insert ins[ST__N];
    /* Scratch for the values of one row (gen_bind_text() copies them). */
    struct person p, other;
    char acc_id[33], native[256], name[128], display[96], ent_id[33], err_id[33], row_id[33];
    char aux_id[33], aux2_id[33], tracking[33], ip[24];
};

/* Writes the id of item `seq` of a kind into out. */
void gen_make_id(const struct gen *g, unsigned kind, uint64_t seq, char out[33]);

/* Prepares the statements of every insert (sql[i] is the one-row INSERT of
 * insert i). 0, or -1 (logged; gen_rows_finalize() frees what was made). */
int gen_rows_prepare(struct gen *g, const char *const sql[ST__N]);
void gen_rows_finalize(struct gen *g);

/* Sets parameter `col` (from 1) of the row being made for insert `which`:
 * a copy of text v (NULL: SQL NULL), or the integer v. */
void gen_bind_text(struct gen *g, int which, int col, const char *v);
void gen_bind_int(struct gen *g, int which, int col, int64_t v);

/* Ends the row being made for insert `which` (every parameter set); it is
 * written with the next GEN_ROWS, or by gen_rows_flush(). 0 or -1 (logged). */
int gen_run(struct gen *g, int which);

/* Writes every pending row: before a COMMIT. 0 or -1 (logged). */
int gen_rows_flush(struct gen *g);

/* Forgets every pending row: after a failure. */
void gen_rows_discard(struct gen *g);

/* Identity k with its accounts, grants, error and uncorrelated account. 0 or -1. */
int gen_identity(struct gen *g, uint64_t k);

/* Account activity j / audit event j of the tenant. 0 or -1. */
int gen_activity(struct gen *g, uint64_t j);
int gen_event(struct gen *g, uint64_t j);

/* How many activities and events a tenant of n identities has (at least 1). */
uint64_t gen_activities_count(uint64_t n);
uint64_t gen_events_count(uint64_t n);

/* Sources, profiles, entitlements, access profiles, roles and their links. 0 or -1. */
int gen_catalogue(struct gen *g);

#endif

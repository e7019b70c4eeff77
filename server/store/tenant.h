/*
 * tenant.h - read-only queries over the tenant tables, for report content.
 *
 * Callers say WHAT they want in neutral terms: a dataset ("identities",
 * "accounts", a search index...), a filter tree over named fields, the fields
 * to return and a sort order. This module owns the SQL: each dataset's table
 * and each field's expression come from the fixed tables of tenant_fields.c,
 * tenant_plan.c compiles a query from them, binding every value a caller
 * gives as a parameter (never spliced into SQL), and tenant.c runs it.
 *
 * A compiled query (struct tenant_plan) pages through its rows by keyset:
 * ORDER BY the sort fields and then the row id (in the direction of the last
 * sort field), each page starting after the last key seen, so memory does not
 * grow with the row count and each page costs an index range where the
 * schema has one.
 *
 * Values reach callers as text: text and ids as stored, booleans as
 * "true"/"false", integers in decimal, dates as RFC 3339 UTC with
 * milliseconds; a missing value (and any unknown field) is "".
 */
#ifndef ISC_STORE_TENANT_H
#define ISC_STORE_TENANT_H

#include <stddef.h>
#include <stdint.h>

struct store;

enum tenant_op {
    TENANT_MATCH_ALL,  /* every row */
    TENANT_EQ,         /* field equals value (text: ASCII case-insensitive; ids: exact) */
    TENANT_PREFIX,     /* text field starts with value (ASCII case-insensitive) */
    TENANT_EXISTS,     /* field has a value (text: a non-empty one) */
    TENANT_TEXT_MATCH, /* value occurs in one of the dataset's free-text fields */
    TENANT_AND,        /* a AND b */
    TENANT_OR,         /* a OR b */
    TENANT_NOT         /* NOT a */
};

/*
 * A filter tree. This module never modifies, frees or keeps it: whoever
 * builds it owns it. A field the dataset does not know matches nothing (as a
 * search engine treats an unmapped field), so NOT of it matches everything.
 */
struct tenant_filter {
    enum tenant_op op;
    char *field;             /* EQ, PREFIX, EXISTS */
    char *value;             /* EQ, PREFIX, TEXT_MATCH */
    struct tenant_filter *a; /* AND, OR, NOT */
    struct tenant_filter *b; /* AND, OR */
};

struct tenant_sort {
    const char *field;
    int desc; /* 1: descending */
};

struct tenant_query {
    const char *dataset;
    const struct tenant_filter *filter; /* NULL: every row */
    const char *const *fields;          /* the columns to return, in order */
    size_t nfields;                     /* 1..TENANT_MAX_FIELDS */
    const struct tenant_sort *sort;     /* then by id (see above) */
    size_t nsort;                       /* 0..TENANT_MAX_SORT */
};

#define TENANT_MAX_FIELDS 256
#define TENANT_MAX_SORT 16
#define TENANT_MAX_DEPTH 64 /* filter tree depth */

/* 1 when `dataset` exists / when it has a field named `field`; NULL gives 0. */
int tenant_dataset_known(const char *dataset);
int tenant_field_known(const char *dataset, const char *field);

struct tenant_plan;

/*
 * Compiles `q` into a plan; the query and its strings may be freed afterwards
 * (the plan keeps copies). Returns 0 and sets *out; 1 when the query cannot
 * run (unknown dataset or sort field, a filter a field's type does not
 * support, too many fields...) with the reason in `why`; -1 on OOM. On
 * failure *out is untouched.
 */
int tenant_plan_new(const struct tenant_query *q, struct tenant_plan **out, char *why,
                    size_t whylen);
/* NULL is a no-op. */
void tenant_plan_free(struct tenant_plan *p);

/* Counts the rows the plan selects (ignores paging). 0, or -1 on a database error. */
int tenant_count(struct store *s, const struct tenant_plan *p, int64_t *rows);

/*
 * Delivers the next page of at most `limit` rows: fn(ud, nfields, values) per
 * row, values valid only during the call. fn runs with the store locked and
 * must not call into the store; a nonzero return stops the page. Returns the
 * number of rows delivered (0: no more rows), or -1 on a database error or
 * when fn stopped it. Each plan must be used by one thread at a time.
 */
int tenant_page(struct store *s, struct tenant_plan *p, int limit,
                int (*fn)(void *ud, size_t n, const char *const *values), void *ud);

/* Looks a source up by id: 0 and its name in `name`, 1 when there is none, -1 on error. */
int tenant_source_get(struct store *s, const char *id, char *name, size_t namelen);

#endif

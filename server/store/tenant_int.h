/*
 * tenant_int.h - the inside of the tenant queries, shared by the files of
 * server/store/ that make them: the dataset and field tables
 * (tenant_fields.c), the query compiler (tenant_plan.c) and the runner
 * (tenant.c). Nothing outside server/store/ includes it.
 */
#ifndef ISC_STORE_TENANT_INT_H
#define ISC_STORE_TENANT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "../core/clock.h"
#include "query.h"
#include "tenant.h"

enum ftype { F_TEXT, F_ID, F_BOOL, F_INT, F_DATE };

enum tfield_flag {
    NULLABLE = 1, /* the expression may be NULL (a missing related object) */
    SEARCHED = 2  /* free text looks in it (a text column, never NULL) */
};

struct tfield {
    const char *name;
    enum ftype type;
    int flags; /* enum tfield_flag */
    const char *expr;
};

struct tdataset {
    const char *name;
    const char *from;
    const struct tfield *fields;
    size_t nfields;
};

/* The dataset named `name`, or NULL (also for NULL). */
const struct tdataset *tenant_find_dataset(const char *name);
/* The field of `d` named `name`, or NULL (also for NULL arguments). */
const struct tfield *tenant_find_field(const struct tdataset *d, const char *name);

/* A value bound to a filter parameter. */
struct tenant_param {
    int is_int;
    int64_t i;
    char *s;
};

/* A compiled query (tenant_plan.c) and where its pages stand (tenant.c). */
enum tenant_sql {
    TENANT_SQL_COUNT, /* the number of rows */
    TENANT_SQL_FIRST, /* the first page: no key bound */
    TENANT_SQL_NEXT,  /* later pages: after the last key */
    TENANT_SQL_COUNT_OF
};

struct tenant_plan {
    char *sql[TENANT_SQL_COUNT_OF];
    struct tenant_param *params; /* filter parameters, ?1..?nparams */
    size_t nparams;
    size_t nfields;    /* output columns */
    enum ftype *types; /* per output column */
    size_t nkeys;      /* sort keys, selected after the output columns */
    /* Bound to the page SQL: the filter values, the last row's keys, the page
     * size (nparams + nkeys + 1); the keys' texts are keytext[k] (owned). */
    struct store_arg *args;
    char **keytext;
    int started;
    int done;
    const char **vals; /* per-row scratch handed to the callback */
    char (*dates)[CLOCK_RFC3339_LEN];
};

#endif

/*
 * tenant_plan.c - the query compiler: a tenant_query (dataset, filter tree,
 * fields, sort) becomes the SQL of one count and of keyset pages (see
 * tenant.h).
 *
 * Queries are assembled from the fixed fragments of tenant_fields.c only;
 * every caller-supplied value is a bound parameter. Sort keys end with t.id,
 * so (keys..., id) is unique and a page resumes exactly after the last row
 * of the previous one. No SQLite calls but freeing remembered values.
 */
#include "tenant_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/err.h"

struct compile {
    const struct tdataset *d;
    struct buf *sql;
    struct tenant_param *params;
    size_t nparams, cap;
    char *why;
    size_t whylen;
};

static int add_param(struct compile *c, int is_int, int64_t i, const char *s, size_t slen)
{
    if (c->nparams == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 8;
        struct tenant_param *p = realloc(c->params, ncap * sizeof(*p));
        if (!p)
            return -1;
        c->params = p;
        c->cap = ncap;
    }
    struct tenant_param *p = &c->params[c->nparams];
    p->is_int = is_int;
    p->i = i;
    p->s = NULL;
    if (!is_int) {
        p->s = malloc(slen + 1);
        if (!p->s)
            return -1;
        memcpy(p->s, s, slen);
        p->s[slen] = '\0';
    }
    c->nparams++;
    return (int)c->nparams;
}

/* A LIKE pattern: `pre` + value with %, _ and \ escaped + `post`. */
static int add_like_param(struct compile *c, const char *v, const char *pre, const char *post)
{
    struct buf b;
    buf_init(&b, 1 << 20);
    int rc = -1;
    if (buf_puts(&b, pre) != 0)
        goto out;
    for (const char *p = v; *p; p++) {
        if ((*p == '%' || *p == '_' || *p == '\\') && buf_putc(&b, '\\') != 0)
            goto out;
        if (buf_putc(&b, *p) != 0)
            goto out;
    }
    if (buf_puts(&b, post) != 0)
        goto out;
    rc = add_param(c, 0, 0, b.data, b.len);
out:
    buf_free(&b);
    return rc;
}

static int why(struct compile *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int why(struct compile *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_whyv(c->why, c->whylen, fmt, ap);
    va_end(ap);
    return 1;
}

/* The expression of `f`, never NULL: missing related objects read as ''. */
static int put_expr(struct buf *sql, const struct tfield *f)
{
    if (f->flags & NULLABLE)
        return buf_printf(sql, "coalesce(%s, '')", f->expr);
    return buf_puts(sql, f->expr);
}

static int parse_int64(const char *s, int64_t *out)
{
    char *end;
    if (!*s || isspace((unsigned char)*s))
        return -1;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

static int emit_leaf_eq(struct compile *c, const struct tfield *f, const char *value)
{
    int n;
    int64_t iv;
    switch (f->type) {
    case F_TEXT:
    case F_ID:
        if ((n = add_param(c, 0, 0, value, strlen(value))) < 0)
            return -1;
        if (put_expr(c->sql, f) != 0)
            return -1;
        return buf_printf(c->sql, f->type == F_TEXT ? " = ?%d COLLATE NOCASE" : " = ?%d", n);
    case F_BOOL:
        if (strcasecmp(value, "true") == 0)
            return buf_printf(c->sql, "(%s)", f->expr);
        if (strcasecmp(value, "false") == 0)
            return buf_printf(c->sql, "NOT (%s)", f->expr);
        return why(c, "'%s' is a boolean field: '%.64s' is neither true nor false", f->name, value);
    case F_INT:
        if (parse_int64(value, &iv) != 0)
            return why(c, "'%s' is a number field: '%.64s' is not an integer", f->name, value);
        if ((n = add_param(c, 1, iv, NULL, 0)) < 0)
            return -1;
        return buf_printf(c->sql, "%s = ?%d", f->expr, n);
    case F_DATE:
        break;
    }
    return why(c, "'%s' is a date field: matching dates by value or range is not supported",
               f->name);
}

/* EQ, PREFIX or EXISTS on one field. */
static int emit_leaf(struct compile *c, const struct tenant_filter *f)
{
    const struct tfield *fld = tenant_find_field(c->d, f->field);
    int n;
    if (!fld) /* unmapped field: no document has it */
        return buf_puts(c->sql, "0");
    if (f->op == TENANT_EXISTS) {
        if (fld->type == F_TEXT || fld->type == F_ID)
            return buf_printf(c->sql, "coalesce(%s, '') <> ''", fld->expr);
        return buf_printf(c->sql, "(%s) IS NOT NULL", fld->expr);
    }
    if (!f->value)
        return why(c, "the filter on '%s' has no value", fld->name);
    if (f->op == TENANT_EQ)
        return emit_leaf_eq(c, fld, f->value);
    if (fld->type != F_TEXT && fld->type != F_ID)
        return why(c, "'%s' is not a text field: prefix (wildcard) matching is not supported",
                   fld->name);
    if ((n = add_like_param(c, f->value, "", "%")) < 0)
        return -1;
    if (put_expr(c->sql, fld) != 0)
        return -1;
    return buf_printf(c->sql, " LIKE ?%d ESCAPE '\\'", n);
}

/* The value occurs in one of the dataset's SEARCHED fields. */
static int emit_text_match(struct compile *c, const char *value)
{
    const char *sep = "";
    int n;
    if (!value)
        return why(c, "a free-text term has no value");
    if ((n = add_like_param(c, value, "%", "%")) < 0)
        return -1;
    if (buf_putc(c->sql, '(') != 0)
        return -1;
    for (size_t i = 0; i < c->d->nfields; i++) {
        if (!(c->d->fields[i].flags & SEARCHED))
            continue;
        if (buf_printf(c->sql, "%s%s LIKE ?%d ESCAPE '\\'", sep, c->d->fields[i].expr, n) != 0)
            return -1;
        sep = " OR ";
    }
    return buf_putc(c->sql, ')');
}

static int emit_filter(struct compile *c, const struct tenant_filter *f, int depth);

/* NOT of a subtree. */
static int emit_not(struct compile *c, const struct tenant_filter *f, int depth)
{
    int rc;
    if (buf_puts(c->sql, "NOT (") != 0)
        return -1;
    if ((rc = emit_filter(c, f->a, depth + 1)) != 0)
        return rc;
    return buf_putc(c->sql, ')');
}

/*
 * A list of AND (or of OR): the run of nodes with f's operator down the
 * left side (a list "t1 OR t2 OR t3" arrives as ((t1 OR t2) OR t3)) is one
 * level, written flat in its original order, so a list of any length costs
 * one level of depth, not one per member.
 */
static int emit_list(struct compile *c, const struct tenant_filter *f, int depth)
{
    const struct tenant_filter *first = f, *node, **rest;
    size_t n = 0, i;
    int rc = -1;
    while (first && first->op == f->op) {
        first = first->a;
        n++;
    }
    if (!(rest = malloc(n * sizeof(*rest))))
        return -1;
    for (i = n, node = f; i > 0; node = node->a)
        rest[--i] = node->b; /* the right-hand members, last one first */
    if (buf_putc(c->sql, '(') != 0 || (rc = emit_filter(c, first, depth + 1)) != 0)
        goto out;
    for (i = 0; i < n; i++) {
        rc = -1;
        if (buf_puts(c->sql, f->op == TENANT_AND ? " AND " : " OR ") != 0 ||
            (rc = emit_filter(c, rest[i], depth + 1)) != 0)
            goto out;
    }
    rc = buf_putc(c->sql, ')');
out:
    free(rest);
    return rc;
}

/* Appends the WHERE expression of `f`: 0, 1 (refused: why), -1 (OOM). */
static int emit_filter(struct compile *c, const struct tenant_filter *f, int depth)
{
    if (depth > TENANT_MAX_DEPTH)
        return why(c, "the query nests deeper than the supported %d levels", TENANT_MAX_DEPTH);
    if (!f)
        return buf_puts(c->sql, "1");
    switch (f->op) {
    case TENANT_MATCH_ALL:
        return buf_puts(c->sql, "1");
    case TENANT_EQ:
    case TENANT_PREFIX:
    case TENANT_EXISTS:
        return emit_leaf(c, f);
    case TENANT_TEXT_MATCH:
        return emit_text_match(c, f->value);
    case TENANT_AND:
    case TENANT_OR:
        return emit_list(c, f, depth);
    case TENANT_NOT:
        return emit_not(c, f, depth);
    }
    return why(c, "unsupported filter operator %d", (int)f->op);
}

/* The sort keys: the caller's (known fields only), then t.id unless already there. */
struct key {
    const struct tfield *f;
    int desc;
};

static int plan_keys(struct compile *c, const struct tenant_query *q, struct key *keys,
                     size_t *nkeys)
{
    size_t n = 0;
    int has_id = 0;
    for (size_t i = 0; i < q->nsort; i++) {
        const struct tfield *f = tenant_find_field(c->d, q->sort[i].field);
        if (!f)
            return why(c, "cannot sort %s by unknown field '%.64s'", c->d->name, q->sort[i].field);
        if (has_id)
            continue; /* after the unique id nothing else orders */
        keys[n].f = f;
        keys[n].desc = q->sort[i].desc;
        n++;
        if (strcmp(f->name, "id") == 0)
            has_id = 1;
    }
    if (!has_id) {
        keys[n].f = tenant_find_field(c->d, "id");
        /* The tie-breaker runs the same way as the last key, so that an
         * index on (key, id) serves the whole order as one range. */
        keys[n].desc = n ? keys[n - 1].desc : 0;
        n++;
    }
    *nkeys = n;
    return 0;
}

/*
 * "After the last row": (k1, k2, ...) > (?a, ?b, ...) when every key runs the
 * same way (one index range); with mixed directions
 * k1 >= ?a AND (k1 > ?a OR (k1 = ?a AND (k2 < ?b OR ...))).
 */
static int put_keyset(struct buf *sql, const struct key *keys, size_t nkeys, int first)
{
    int same = 1;
    for (size_t i = 1; i < nkeys; i++)
        same &= keys[i].desc == keys[0].desc;
    if (same) {
        if (buf_putc(sql, '(') != 0)
            return -1;
        for (size_t i = 0; i < nkeys; i++)
            if (buf_puts(sql, i ? ", " : "") != 0 || put_expr(sql, keys[i].f) != 0)
                return -1;
        if (buf_printf(sql, ") %s (", keys[0].desc ? "<" : ">") != 0)
            return -1;
        for (size_t i = 0; i < nkeys; i++)
            if (buf_printf(sql, "%s?%d", i ? ", " : "", first + (int)i) != 0)
                return -1;
        return buf_putc(sql, ')');
    }
    if (buf_puts(sql, "(") != 0 || put_expr(sql, keys[0].f) != 0 ||
        buf_printf(sql, " %s ?%d) AND ", keys[0].desc ? "<=" : ">=", first) != 0)
        return -1;
    for (size_t i = 0; i < nkeys; i++) {
        if (buf_puts(sql, "(") != 0 || put_expr(sql, keys[i].f) != 0 ||
            buf_printf(sql, " %s ?%d", keys[i].desc ? "<" : ">", first + (int)i) != 0)
            return -1;
        if (i + 1 < nkeys && (buf_puts(sql, " OR (") != 0 || put_expr(sql, keys[i].f) != 0 ||
                              buf_printf(sql, " = ?%d AND ", first + (int)i) != 0))
            return -1;
    }
    for (size_t i = 0; i < nkeys; i++)
        if (buf_puts(sql, i + 1 < nkeys ? "))" : ")") != 0)
            return -1;
    return 0;
}

static int put_page_sql(struct buf *sql, const struct tdataset *d, const struct tenant_query *q,
                        const char *where, const struct key *keys, size_t nkeys, int nparams,
                        int keyset)
{
    int first_key = nparams + 1, limit = nparams + (int)nkeys + 1;
    if (buf_puts(sql, "SELECT ") != 0)
        return -1;
    for (size_t i = 0; i < q->nfields; i++) {
        const struct tfield *f = tenant_find_field(d, q->fields[i]);
        if (buf_puts(sql, i ? ", " : "") != 0 || buf_puts(sql, f ? f->expr : "NULL") != 0)
            return -1;
    }
    for (size_t i = 0; i < nkeys; i++)
        if (buf_puts(sql, ", ") != 0 || put_expr(sql, keys[i].f) != 0)
            return -1;
    if (buf_printf(sql, " FROM %s WHERE (%s)", d->from, where) != 0)
        return -1;
    if (keyset && (buf_puts(sql, " AND ") != 0 || put_keyset(sql, keys, nkeys, first_key) != 0))
        return -1;
    if (buf_puts(sql, " ORDER BY ") != 0)
        return -1;
    for (size_t i = 0; i < nkeys; i++)
        if (buf_puts(sql, i ? ", " : "") != 0 || put_expr(sql, keys[i].f) != 0 ||
            buf_puts(sql, keys[i].desc ? " DESC" : "") != 0)
            return -1;
    return buf_printf(sql, " LIMIT ?%d", limit);
}

static void free_params(struct tenant_param *p, size_t n)
{
    for (size_t i = 0; p && i < n; i++)
        free(p[i].s);
    free(p);
}

void tenant_plan_free(struct tenant_plan *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < TENANT_SQL_COUNT_OF; i++)
        free(p->sql[i]);
    free_params(p->params, p->nparams);
    for (size_t i = 0; p->keytext && i < p->nkeys; i++)
        free(p->keytext[i]);
    free(p->keytext);
    free(p->args);
    free(p->types);
    free(p->vals);
    free(p->dates);
    free(p);
}

/* The limits a query must keep: 0, or 1 with the reason. */
static int check_query(struct compile *c, const struct tenant_query *q)
{
    if (!c->d)
        return why(c, "unknown dataset '%s'", q && q->dataset ? q->dataset : "");
    if (q->nfields == 0 || q->nfields > TENANT_MAX_FIELDS || !q->fields)
        return why(c, "between 1 and %d columns are supported", TENANT_MAX_FIELDS);
    if (q->nsort > TENANT_MAX_SORT)
        return why(c, "at most %d sort fields are supported", TENANT_MAX_SORT);
    return 0;
}

/* A plan for q's fields, nkeys sort keys and nparams filter values, with
 * no SQL and no values yet; NULL on OOM. */
static struct tenant_plan *plan_alloc(const struct tdataset *d, const struct tenant_query *q,
                                      size_t nkeys, size_t nparams)
{
    struct tenant_plan *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->nfields = q->nfields;
    p->nkeys = nkeys;
    p->types = calloc(q->nfields, sizeof(*p->types));
    p->vals = calloc(q->nfields, sizeof(*p->vals));
    p->dates = calloc(q->nfields, sizeof(*p->dates));
    p->keytext = calloc(nkeys, sizeof(*p->keytext));
    p->args = calloc(nparams + nkeys + 1, sizeof(*p->args));
    if (!p->types || !p->vals || !p->dates || !p->keytext || !p->args) {
        tenant_plan_free(p);
        return NULL;
    }
    for (size_t i = 0; i < q->nfields; i++) {
        const struct tfield *f = tenant_find_field(d, q->fields[i]);
        p->types[i] = f ? f->type : F_TEXT;
    }
    return p;
}

/* The count, first-page and next-page SQL of p, around the WHERE text. */
static int plan_sql(struct tenant_plan *p, const struct compile *c, const struct tenant_query *q,
                    const char *where, const struct key *keys)
{
    struct buf sql;
    int rc = 0;
    buf_init(&sql, 4 << 20);
    for (size_t i = 0; i < TENANT_SQL_COUNT_OF && rc == 0; i++) {
        if (i == TENANT_SQL_COUNT)
            rc = buf_printf(&sql, "SELECT count(*) FROM %s WHERE (%s)", c->d->from, where);
        else
            rc = put_page_sql(&sql, c->d, q, where, keys, p->nkeys, (int)c->nparams,
                              i == TENANT_SQL_NEXT);
        if (rc == 0 && !(p->sql[i] = buf_steal(&sql, NULL)))
            rc = -1;
    }
    buf_free(&sql);
    return rc;
}

int tenant_plan_new(const struct tenant_query *q, struct tenant_plan **out, char *whybuf,
                    size_t whylen)
{
    struct buf where;
    struct key keys[TENANT_MAX_SORT + 1];
    size_t nkeys = 0;
    struct tenant_plan *p = NULL;
    struct compile c = {0};
    int rc;

    err_why(whybuf, whylen, "%s", "");
    buf_init(&where, 1 << 20);
    c.d = tenant_find_dataset(q ? q->dataset : NULL);
    c.sql = &where;
    c.why = whybuf;
    c.whylen = whylen;
    if ((rc = check_query(&c, q)) != 0 || (rc = emit_filter(&c, q->filter, 0)) != 0 ||
        (rc = plan_keys(&c, q, keys, &nkeys)) != 0)
        goto out;
    rc = -1;
    if ((!where.data && buf_puts(&where, "1") != 0) ||
        !(p = plan_alloc(c.d, q, nkeys, c.nparams)) || plan_sql(p, &c, q, where.data, keys) != 0)
        goto out;
    p->params = c.params;
    p->nparams = c.nparams;
    c.params = NULL;
    for (size_t i = 0; i < p->nparams; i++) {
        p->args[i].kind = p->params[i].is_int ? STORE_ARG_INT : STORE_ARG_TEXT;
        p->args[i].num = p->params[i].i;
        p->args[i].text = p->params[i].s;
    }
    *out = p;
    p = NULL;
    rc = 0;
out:
    if (rc < 0)
        err_why(whybuf, whylen, "out of memory");
    free_params(c.params, c.nparams);
    tenant_plan_free(p);
    buf_free(&where);
    return rc;
}

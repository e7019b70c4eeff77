/*
 * tenant.c - the SQL behind report content (see tenant.h).
 *
 * Each dataset is a base table aliased `t` plus a fixed table of fields:
 * name, type and SQL expression (a column, or a correlated subquery for a
 * related object, evaluated only when the field is used). Queries are
 * assembled from these fixed fragments only; every caller-supplied value is
 * a bound parameter. Sort keys end with t.id, so (keys..., id) is unique and
 * a page resumes exactly after the last row of the previous one.
 *
 * Owns nothing but its plans; holds the store lock for the length of one
 * count or one page.
 */
#include "tenant.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "../core/buf.h"
#include "../core/clock.h"

enum ftype { F_TEXT, F_ID, F_BOOL, F_INT, F_DATE };

struct tfield {
    const char *name;
    enum ftype type;
    int nullable; /* the expression may be NULL (a missing related object) */
    const char *expr;
};

struct tdataset {
    const char *name;
    const char *from;
    const struct tfield *fields;
    size_t nfields;
    const char *const *text; /* never-NULL text expressions searched by free text */
};

/* Correlated subqueries for related objects. */
#define IDENT_COL(col, ref) "(SELECT r." col " FROM identities r WHERE r.id = " ref ")"
#define SOURCE_NAME(ref) "(SELECT r.name FROM sources r WHERE r.id = " ref ")"
#define PROFILE_SOURCE_ID(ref)                                                                     \
    "(SELECT r.authoritative_source_id FROM identity_profiles r WHERE r.id = " ref ")"
#define PROFILE_SOURCE_NAME(ref)                                                                   \
    "(SELECT s.name FROM identity_profiles r JOIN sources s ON s.id = r.authoritative_source_id"   \
    " WHERE r.id = " ref ")"
#define ORPHAN_EXPR                                                                                \
    "NOT EXISTS (SELECT 1 FROM accounts a JOIN identity_profiles r"                                \
    " ON r.id = t.identity_profile_id WHERE a.identity_id = t.id"                                  \
    " AND a.source_id = r.authoritative_source_id)"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct tfield identity_fields[] = {
    {"id", F_ID, 0, "t.id"},
    {"name", F_TEXT, 0, "t.name"},
    {"displayName", F_TEXT, 0, "t.display_name"},
    {"firstName", F_TEXT, 0, "t.first_name"},
    {"lastName", F_TEXT, 0, "t.last_name"},
    {"email", F_TEXT, 0, "t.email"},
    {"attributes.uid", F_TEXT, 0, "t.name"},
    {"attributes.displayName", F_TEXT, 0, "t.display_name"},
    {"attributes.firstname", F_TEXT, 0, "t.first_name"},
    {"attributes.lastname", F_TEXT, 0, "t.last_name"},
    {"attributes.email", F_TEXT, 0, "t.email"},
    {"attributes.department", F_TEXT, 0, "t.department"},
    {"attributes.title", F_TEXT, 0, "t.title"},
    {"attributes.city", F_TEXT, 0, "t.city"},
    {"attributes.cloudLifecycleState", F_TEXT, 0, "t.lifecycle_state"},
    {"manager.id", F_ID, 1, "t.manager_id"},
    {"manager.name", F_TEXT, 1, IDENT_COL("name", "t.manager_id")},
    {"manager.displayName", F_TEXT, 1, IDENT_COL("display_name", "t.manager_id")},
    {"identityProfile.id", F_ID, 1, "t.identity_profile_id"},
    {"identityProfile.name", F_TEXT, 1,
     "(SELECT r.name FROM identity_profiles r WHERE r.id = t.identity_profile_id)"},
    {"source.id", F_ID, 1, PROFILE_SOURCE_ID("t.identity_profile_id")},
    {"source.name", F_TEXT, 1, PROFILE_SOURCE_NAME("t.identity_profile_id")},
    {"correlated", F_BOOL, 0, "t.correlated"},
    {"orphan", F_BOOL, 0, ORPHAN_EXPR},
    {"isManager", F_BOOL, 0, "EXISTS (SELECT 1 FROM identities r WHERE r.manager_id = t.id)"},
    {"accountCount", F_INT, 0, "(SELECT count(*) FROM accounts a WHERE a.identity_id = t.id)"},
    {"processingState", F_TEXT, 0,
     "CASE WHEN EXISTS (SELECT 1 FROM identity_errors e WHERE e.identity_id = t.id)"
     " THEN 'ERROR' ELSE '' END"},
    {"created", F_DATE, 0, "t.created_ms"},
    {"modified", F_DATE, 0, "t.modified_ms"},
};
static const char *const identity_text[] = {"t.name",  "t.display_name", "t.email", "t.department",
                                            "t.title", "t.city",         NULL};

static const struct tfield account_fields[] = {
    {"id", F_ID, 0, "t.id"},
    {"name", F_TEXT, 0, "t.name"},
    {"nativeIdentity", F_TEXT, 0, "t.native_identity"},
    {"displayName", F_TEXT, 0, "t.display_name"},
    {"source.id", F_ID, 0, "t.source_id"},
    {"source.name", F_TEXT, 1, SOURCE_NAME("t.source_id")},
    {"identity.id", F_ID, 1, "t.identity_id"},
    {"identity.name", F_TEXT, 1, IDENT_COL("name", "t.identity_id")},
    {"identity.displayName", F_TEXT, 1, IDENT_COL("display_name", "t.identity_id")},
    {"uncorrelated", F_BOOL, 0, "t.identity_id IS NULL"},
    {"disabled", F_BOOL, 0, "t.disabled"},
    {"locked", F_BOOL, 0, "t.locked"},
    {"entitlementCount", F_INT, 0,
     "(SELECT count(*) FROM account_entitlements r WHERE r.account_id = t.id)"},
    {"created", F_DATE, 0, "t.created_ms"},
    {"modified", F_DATE, 0, "t.modified_ms"},
};
static const char *const account_text[] = {"t.name", "t.display_name", "t.native_identity", NULL};

static const struct tfield identity_error_fields[] = {
    {"id", F_ID, 0, "t.id"},
    {"identity.id", F_ID, 0, "t.identity_id"},
    {"identity.name", F_TEXT, 1, IDENT_COL("name", "t.identity_id")},
    {"identity.displayName", F_TEXT, 1, IDENT_COL("display_name", "t.identity_id")},
    {"identity.email", F_TEXT, 1, IDENT_COL("email", "t.identity_id")},
    {"identity.lifecycleState", F_TEXT, 1, IDENT_COL("lifecycle_state", "t.identity_id")},
    {"identityProfile.id", F_ID, 0, "t.identity_profile_id"},
    {"identityProfile.name", F_TEXT, 1,
     "(SELECT r.name FROM identity_profiles r WHERE r.id = t.identity_profile_id)"},
    {"source.id", F_ID, 1, PROFILE_SOURCE_ID("t.identity_profile_id")},
    {"source.name", F_TEXT, 1, PROFILE_SOURCE_NAME("t.identity_profile_id")},
    {"message", F_TEXT, 0, "t.message"},
    {"occurred", F_DATE, 0, "t.occurred_ms"},
};
static const char *const identity_error_text[] = {"t.message", NULL};

static const struct tfield access_profile_fields[] = {
    {"id", F_ID, 0, "t.id"},
    {"name", F_TEXT, 0, "t.name"},
    {"description", F_TEXT, 0, "t.description"},
    {"source.id", F_ID, 0, "t.source_id"},
    {"source.name", F_TEXT, 1, SOURCE_NAME("t.source_id")},
    {"owner.id", F_ID, 1, "t.owner_id"},
    {"owner.name", F_TEXT, 1, IDENT_COL("name", "t.owner_id")},
    {"owner.displayName", F_TEXT, 1, IDENT_COL("display_name", "t.owner_id")},
    {"enabled", F_BOOL, 0, "t.enabled"},
    {"requestable", F_BOOL, 0, "t.requestable"},
    {"entitlementCount", F_INT, 0,
     "(SELECT count(*) FROM access_profile_entitlements r WHERE r.access_profile_id = t.id)"},
    {"created", F_DATE, 0, "t.created_ms"},
    {"modified", F_DATE, 0, "t.modified_ms"},
};
static const char *const access_profile_text[] = {"t.name", "t.description", NULL};

static const struct tfield entitlement_fields[] = {
    {"id", F_ID, 0, "t.id"},
    {"name", F_TEXT, 0, "t.name"},
    {"displayName", F_TEXT, 0, "t.display_name"},
    {"description", F_TEXT, 0, "t.description"},
    {"attribute", F_TEXT, 0, "t.attribute"},
    {"value", F_TEXT, 0, "t.value"},
    {"source.id", F_ID, 0, "t.source_id"},
    {"source.name", F_TEXT, 1, SOURCE_NAME("t.source_id")},
    {"privileged", F_BOOL, 0, "t.privileged"},
    {"requestable", F_BOOL, 0, "t.requestable"},
    {"accountCount", F_INT, 0,
     "(SELECT count(*) FROM account_entitlements r WHERE r.entitlement_id = t.id)"},
    {"created", F_DATE, 0, "t.created_ms"},
    {"modified", F_DATE, 0, "t.modified_ms"},
};
static const char *const entitlement_text[] = {"t.name", "t.display_name", "t.description",
                                               "t.value", NULL};

static const struct tfield role_fields[] = {
    {"id", F_ID, 0, "t.id"},
    {"name", F_TEXT, 0, "t.name"},
    {"description", F_TEXT, 0, "t.description"},
    {"owner.id", F_ID, 1, "t.owner_id"},
    {"owner.name", F_TEXT, 1, IDENT_COL("name", "t.owner_id")},
    {"owner.displayName", F_TEXT, 1, IDENT_COL("display_name", "t.owner_id")},
    {"enabled", F_BOOL, 0, "t.enabled"},
    {"requestable", F_BOOL, 0, "t.requestable"},
    {"accessProfileCount", F_INT, 0,
     "(SELECT count(*) FROM role_access_profiles r WHERE r.role_id = t.id)"},
    {"created", F_DATE, 0, "t.created_ms"},
    {"modified", F_DATE, 0, "t.modified_ms"},
};
static const char *const role_text[] = {"t.name", "t.description", NULL};

static const struct tfield activity_fields[] = {
    {"id", F_ID, 0, "t.id"},
    {"action", F_TEXT, 0, "t.action"},
    {"stage", F_TEXT, 0, "t.stage"},
    {"status", F_TEXT, 0, "t.status"},
    {"origin", F_TEXT, 0, "t.origin"},
    {"requester.id", F_ID, 1, "t.requester_id"},
    {"requester.name", F_TEXT, 1, IDENT_COL("name", "t.requester_id")},
    {"requester.displayName", F_TEXT, 1, IDENT_COL("display_name", "t.requester_id")},
    {"recipient.id", F_ID, 1, "t.recipient_id"},
    {"recipient.name", F_TEXT, 1, IDENT_COL("name", "t.recipient_id")},
    {"recipient.displayName", F_TEXT, 1, IDENT_COL("display_name", "t.recipient_id")},
    {"sources", F_TEXT, 1, SOURCE_NAME("t.source_id")},
    {"trackingNumber", F_TEXT, 0, "t.tracking_number"},
    {"created", F_DATE, 0, "t.created_ms"},
    {"modified", F_DATE, 0, "t.modified_ms"},
};
static const char *const activity_text[] = {"t.action", "t.status", "t.origin", "t.tracking_number",
                                            NULL};

static const struct tfield event_fields[] = {
    {"id", F_ID, 0, "t.id"},
    {"name", F_TEXT, 0, "t.name"},
    {"action", F_TEXT, 0, "t.action"},
    {"type", F_TEXT, 0, "t.type"},
    {"technicalName", F_TEXT, 0, "t.technical_name"},
    {"status", F_TEXT, 0, "t.status"},
    {"operation", F_TEXT, 0, "t.operation"},
    {"stack", F_TEXT, 0, "t.stack"},
    {"actor.name", F_TEXT, 0, "t.actor_name"},
    {"target.name", F_TEXT, 0, "t.target_name"},
    {"attributes.sourceName", F_TEXT, 1, SOURCE_NAME("t.source_id")},
    {"ipAddress", F_TEXT, 0, "t.ip_address"},
    {"trackingNumber", F_TEXT, 0, "t.tracking_number"},
    {"created", F_DATE, 0, "t.created_ms"},
};
static const char *const event_text[] = {"t.name", "t.technical_name", "t.actor_name",
                                         "t.target_name", NULL};

static const struct tdataset datasets[] = {
    {"identities", "identities t", identity_fields, N(identity_fields), identity_text},
    {"accounts", "accounts t", account_fields, N(account_fields), account_text},
    {"identityerrors", "identity_errors t", identity_error_fields, N(identity_error_fields),
     identity_error_text},
    {"accessprofiles", "access_profiles t", access_profile_fields, N(access_profile_fields),
     access_profile_text},
    {"accountactivities", "account_activities t", activity_fields, N(activity_fields),
     activity_text},
    {"entitlements", "entitlements t", entitlement_fields, N(entitlement_fields), entitlement_text},
    {"events", "events t", event_fields, N(event_fields), event_text},
    {"roles", "roles t", role_fields, N(role_fields), role_text},
};

static const struct tdataset *find_dataset(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < N(datasets); i++)
        if (strcmp(datasets[i].name, name) == 0)
            return &datasets[i];
    return NULL;
}

static const struct tfield *find_field(const struct tdataset *d, const char *name)
{
    if (!d || !name)
        return NULL;
    for (size_t i = 0; i < d->nfields; i++)
        if (strcmp(d->fields[i].name, name) == 0)
            return &d->fields[i];
    return NULL;
}

int tenant_dataset_known(const char *dataset)
{
    return find_dataset(dataset) != NULL;
}

int tenant_field_known(const char *dataset, const char *field)
{
    return find_field(find_dataset(dataset), field) != NULL;
}

/* ---- plans ---- */

struct param {
    int is_int;
    int64_t i;
    char *s;
};

struct tenant_plan {
    char *count_sql;
    char *first_sql;      /* first page: no key bound */
    char *next_sql;       /* later pages: after the last key */
    struct param *params; /* filter parameters, ?1..?nparams */
    size_t nparams;
    size_t nfields;       /* output columns */
    enum ftype *types;    /* per output column */
    size_t nkeys;         /* sort keys, selected after the output columns */
    sqlite3_value **last; /* the last row's keys; NULL before the first page */
    int started;
    int done;
    const char **vals; /* per-row scratch handed to the callback */
    char (*dates)[CLOCK_RFC3339_LEN];
};

struct compile {
    const struct tdataset *d;
    struct buf *sql;
    struct param *params;
    size_t nparams, cap;
    char *why;
    size_t whylen;
};

static int add_param(struct compile *c, int is_int, int64_t i, const char *s, size_t slen)
{
    if (c->nparams == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 8;
        struct param *p = realloc(c->params, ncap * sizeof(*p));
        if (!p)
            return -1;
        c->params = p;
        c->cap = ncap;
    }
    struct param *p = &c->params[c->nparams];
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
    vsnprintf(c->why, c->whylen, fmt, ap);
    va_end(ap);
    return 1;
}

/* The expression of `f`, never NULL: missing related objects read as ''. */
static int put_expr(struct buf *sql, const struct tfield *f)
{
    if (f->nullable)
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

static int emit_filter(struct compile *c, const struct tenant_filter *f, int depth)
{
    const struct tfield *fld;
    int rc, n;
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
        fld = find_field(c->d, f->field);
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
    case TENANT_TEXT_MATCH:
        if (!f->value)
            return why(c, "a free-text term has no value");
        if ((n = add_like_param(c, f->value, "%", "%")) < 0)
            return -1;
        if (buf_putc(c->sql, '(') != 0)
            return -1;
        for (size_t i = 0; c->d->text[i]; i++)
            if (buf_printf(c->sql, "%s%s LIKE ?%d ESCAPE '\\'", i ? " OR " : "", c->d->text[i],
                           n) != 0)
                return -1;
        return buf_putc(c->sql, ')');
    case TENANT_AND:
    case TENANT_OR:
        if (buf_putc(c->sql, '(') != 0)
            return -1;
        if ((rc = emit_filter(c, f->a, depth + 1)) != 0)
            return rc;
        if (buf_puts(c->sql, f->op == TENANT_AND ? " AND " : " OR ") != 0)
            return -1;
        if ((rc = emit_filter(c, f->b, depth + 1)) != 0)
            return rc;
        return buf_putc(c->sql, ')');
    case TENANT_NOT:
        if (buf_puts(c->sql, "NOT (") != 0)
            return -1;
        if ((rc = emit_filter(c, f->a, depth + 1)) != 0)
            return rc;
        return buf_putc(c->sql, ')');
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
        const struct tfield *f = find_field(c->d, q->sort[i].field);
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
        keys[n].f = find_field(c->d, "id");
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
        const struct tfield *f = find_field(d, q->fields[i]);
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

static void free_params(struct param *p, size_t n)
{
    for (size_t i = 0; p && i < n; i++)
        free(p[i].s);
    free(p);
}

void tenant_plan_free(struct tenant_plan *p)
{
    if (!p)
        return;
    free(p->count_sql);
    free(p->first_sql);
    free(p->next_sql);
    free_params(p->params, p->nparams);
    free(p->types);
    for (size_t i = 0; p->last && i < p->nkeys; i++)
        sqlite3_value_free(p->last[i]);
    free(p->last);
    free(p->vals);
    free(p->dates);
    free(p);
}

int tenant_plan_new(const struct tenant_query *q, struct tenant_plan **out, char *whybuf,
                    size_t whylen)
{
    struct buf where, sql;
    struct key keys[TENANT_MAX_SORT + 1];
    size_t nkeys = 0;
    struct tenant_plan *p = NULL;
    struct compile c = {0};
    int rc = -1;
    char scratch[8];

    if (!whybuf || !whylen) {
        whybuf = scratch;
        whylen = sizeof(scratch);
    }
    whybuf[0] = '\0';
    buf_init(&where, 1 << 20);
    buf_init(&sql, 4 << 20);
    c.d = find_dataset(q ? q->dataset : NULL);
    c.sql = &where;
    c.why = whybuf;
    c.whylen = whylen;
    if (!c.d) {
        snprintf(whybuf, whylen, "unknown dataset '%s'", q && q->dataset ? q->dataset : "");
        rc = 1;
        goto out;
    }
    if (q->nfields == 0 || q->nfields > TENANT_MAX_FIELDS || !q->fields) {
        snprintf(whybuf, whylen, "between 1 and %d columns are supported", TENANT_MAX_FIELDS);
        rc = 1;
        goto out;
    }
    if (q->nsort > TENANT_MAX_SORT) {
        snprintf(whybuf, whylen, "at most %d sort fields are supported", TENANT_MAX_SORT);
        rc = 1;
        goto out;
    }
    if ((rc = emit_filter(&c, q->filter, 0)) != 0 || (rc = plan_keys(&c, q, keys, &nkeys)) != 0)
        goto out;
    rc = -1;
    if (!where.data && buf_puts(&where, "1") != 0)
        goto out;
    p = calloc(1, sizeof(*p));
    if (!p)
        goto out;
    p->nfields = q->nfields;
    p->nkeys = nkeys;
    p->types = calloc(q->nfields, sizeof(*p->types));
    p->vals = calloc(q->nfields, sizeof(*p->vals));
    p->dates = calloc(q->nfields, sizeof(*p->dates));
    p->last = calloc(nkeys, sizeof(*p->last));
    if (!p->types || !p->vals || !p->dates || !p->last)
        goto out;
    for (size_t i = 0; i < q->nfields; i++) {
        const struct tfield *f = find_field(c.d, q->fields[i]);
        p->types[i] = f ? f->type : F_TEXT;
    }
    if (buf_printf(&sql, "SELECT count(*) FROM %s WHERE (%s)", c.d->from, where.data) != 0 ||
        !(p->count_sql = buf_steal(&sql, NULL)))
        goto out;
    if (put_page_sql(&sql, c.d, q, where.data, keys, nkeys, (int)c.nparams, 0) != 0 ||
        !(p->first_sql = buf_steal(&sql, NULL)))
        goto out;
    if (put_page_sql(&sql, c.d, q, where.data, keys, nkeys, (int)c.nparams, 1) != 0 ||
        !(p->next_sql = buf_steal(&sql, NULL)))
        goto out;
    p->params = c.params;
    p->nparams = c.nparams;
    c.params = NULL;
    *out = p;
    p = NULL;
    rc = 0;
out:
    if (rc < 0 && !whybuf[0])
        snprintf(whybuf, whylen, "out of memory");
    free_params(c.params, c.nparams);
    tenant_plan_free(p);
    buf_free(&where);
    buf_free(&sql);
    return rc;
}

/* ---- running plans ---- */

static int bind_params_locked(sqlite3_stmt *st, const struct tenant_plan *p)
{
    for (size_t i = 0; i < p->nparams; i++) {
        int rc = p->params[i].is_int
                     ? sqlite3_bind_int64(st, (int)i + 1, p->params[i].i)
                     : sqlite3_bind_text(st, (int)i + 1, p->params[i].s, -1, SQLITE_STATIC);
        if (rc != SQLITE_OK)
            return -1;
    }
    return 0;
}

int tenant_count(struct store *s, const struct tenant_plan *p, int64_t *rows)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    pthread_mutex_lock(&s->lock);
    if (store_prepare(s, p->count_sql, &st) != SQLITE_OK || bind_params_locked(st, p) != 0 ||
        sqlite3_step(st) != SQLITE_ROW) {
        rc = store_fail_locked(s, "tenant count");
        goto out;
    }
    *rows = sqlite3_column_int64(st, 0);
    rc = 0;
out:
    store_release(s, st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* Turns column i of the current row into text for the callback. */
static const char *column_text(struct tenant_plan *p, sqlite3_stmt *st, size_t i)
{
    int col = (int)i;
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return "";
    switch (p->types[i]) {
    case F_BOOL:
        return sqlite3_column_int64(st, col) ? "true" : "false";
    case F_DATE:
        clock_format(sqlite3_column_int64(st, col), p->dates[i]);
        return p->dates[i];
    case F_TEXT:
    case F_ID:
    case F_INT:
        break;
    }
    const unsigned char *v = sqlite3_column_text(st, col);
    return v ? (const char *)v : "";
}

static int remember_keys(struct tenant_plan *p, sqlite3_stmt *st)
{
    for (size_t k = 0; k < p->nkeys; k++) {
        sqlite3_value *v = sqlite3_value_dup(sqlite3_column_value(st, (int)(p->nfields + k)));
        if (!v)
            return -1;
        sqlite3_value_free(p->last[k]);
        p->last[k] = v;
    }
    return 0;
}

int tenant_page(struct store *s, struct tenant_plan *p, int limit,
                int (*fn)(void *ud, size_t n, const char *const *values), void *ud)
{
    sqlite3_stmt *st = NULL;
    int rc = -1, step, got = 0;
    if (p->done)
        return 0;
    if (limit <= 0)
        limit = 1;
    pthread_mutex_lock(&s->lock);
    if (store_prepare(s, p->started ? p->next_sql : p->first_sql, &st) != SQLITE_OK ||
        bind_params_locked(st, p) != 0) {
        rc = store_fail_locked(s, "tenant page");
        goto out;
    }
    for (size_t k = 0; p->started && k < p->nkeys; k++)
        if (sqlite3_bind_value(st, (int)(p->nparams + k + 1), p->last[k]) != SQLITE_OK) {
            rc = store_fail_locked(s, "tenant page");
            goto out;
        }
    if (sqlite3_bind_int(st, (int)(p->nparams + p->nkeys + 1), limit) != SQLITE_OK) {
        rc = store_fail_locked(s, "tenant page");
        goto out;
    }
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        for (size_t i = 0; i < p->nfields; i++)
            p->vals[i] = column_text(p, st, i);
        if (fn(ud, p->nfields, p->vals) != 0)
            goto out;
        if (remember_keys(p, st) != 0)
            goto out;
        p->started = 1;
        got++;
    }
    if (step != SQLITE_DONE) {
        rc = store_fail_locked(s, "tenant page");
        goto out;
    }
    if (got < limit)
        p->done = 1;
    rc = got;
out:
    store_release(s, st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int tenant_source_get(struct store *s, const char *id, char *name, size_t namelen)
{
    sqlite3_stmt *st = NULL;
    int rc = -1, step;
    pthread_mutex_lock(&s->lock);
    if (store_prepare(s, "SELECT name FROM sources WHERE id = ?1", &st) != SQLITE_OK ||
        sqlite3_bind_text(st, 1, id ? id : "", -1, SQLITE_TRANSIENT) != SQLITE_OK) {
        rc = store_fail_locked(s, "source get");
        goto out;
    }
    step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        if (name && namelen)
            store_col_copy(st, 0, name, namelen);
        rc = 0;
    } else {
        rc = step == SQLITE_DONE ? 1 : store_fail_locked(s, "source get");
    }
out:
    store_release(s, st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/*
 * report.c - the seven report types and startReport body validation (see
 * report.h).
 *
 * Both the types and each type's argument schema are static tables taken
 * from the contract (ReportDetails and the *-report-arguments schemas). The
 * body is parsed once with cJSON; every object in it gets its keys sorted
 * (which also finds duplicate keys), then the arguments are checked against
 * their table and printed compactly: that text is the canonical form used to
 * recognise "the same report with the same arguments".
 *
 * No database, no HTTP; owns nothing beyond one call.
 */
#include "report.h"

#include "../core/utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct report_type types[] = {
    {"ACCOUNTS", "Account Export", "A list of the accounts of one source and their identities.",
     "Audit Report", 0},
    {"IDENTITIES_DETAILS", "Identities Details Report",
     "A detailed view of the identities in the system.", "Audit Report", 0},
    {"IDENTITIES", "Identities Report", "A list of the identities in the system.", "Audit Report",
     0},
    {"IDENTITY_PROFILE_IDENTITY_ERROR", "Identity Profile Identity Error Report",
     "Identities whose processing by an identity profile ended in an error.", "Audit Report", 0},
    {"ORPHAN_IDENTITIES", "Orphan Identities Report",
     "Identities without an account on the authoritative source of their identity profile.",
     "Audit Report", 1},
    {"SEARCH_EXPORT", "Search Export", "Extract query data from ElasticSearch to CSV", NULL, 0},
    {"UNCORRELATED_ACCOUNTS", "Uncorrelated Accounts Report",
     "Accounts that are not correlated to any identity.", "Audit Report", 1},
};

#define TYPE_LIST                                                                                  \
    "ACCOUNTS, IDENTITIES_DETAILS, IDENTITIES, IDENTITY_PROFILE_IDENTITY_ERROR, "                  \
    "ORPHAN_IDENTITIES, SEARCH_EXPORT, UNCORRELATED_ACCOUNTS"

const struct report_type *report_type_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < N(types); i++)
        if (strcmp(types[i].name, name) == 0)
            return &types[i];
    return NULL;
}

/* ---- argument schemas ---- */

enum arg_kind {
    ARG_STRING,  /* a string; required ones must not be empty */
    ARG_BOOL,    /* true or false */
    ARG_FORMATS, /* a non-empty array of "CSV" / "PDF" */
    ARG_INDICES, /* an array of the Index enum */
    ARG_STRINGS  /* an array of non-empty strings */
};

struct arg_spec {
    const char *type; /* report type */
    const char *name;
    enum arg_kind kind;
    int required;
};

static const struct arg_spec specs[] = {
    {"ACCOUNTS", "application", ARG_STRING, 1},
    {"ACCOUNTS", "sourceName", ARG_STRING, 1},
    {"IDENTITIES_DETAILS", "correlatedOnly", ARG_BOOL, 1},
    {"IDENTITIES", "correlatedOnly", ARG_BOOL, 0},
    {"IDENTITY_PROFILE_IDENTITY_ERROR", "authoritativeSource", ARG_STRING, 1},
    {"ORPHAN_IDENTITIES", "selectedFormats", ARG_FORMATS, 0},
    {"SEARCH_EXPORT", "query", ARG_STRING, 1},
    {"SEARCH_EXPORT", "indices", ARG_INDICES, 0},
    {"SEARCH_EXPORT", "columns", ARG_STRING, 0},
    {"SEARCH_EXPORT", "sort", ARG_STRINGS, 0},
    {"UNCORRELATED_ACCOUNTS", "selectedFormats", ARG_FORMATS, 0},
};

static const char *const indices[] = {
    "accessprofiles", "accountactivities", "entitlements", "events", "identities", "roles", "*"};
#define INDEX_LIST "accessprofiles, accountactivities, entitlements, events, identities, roles, *"

static int fail(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (why && whylen)
        vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
    return -1;
}

static int is_index(const char *s)
{
    for (size_t i = 0; i < N(indices); i++)
        if (strcmp(indices[i], s) == 0)
            return 1;
    return 0;
}

/* Checks one argument; *fmt_mask collects selectedFormats (1 CSV, 2 PDF). */
static int check_arg(const struct arg_spec *sp, const cJSON *v, int *fmt_mask, char *why,
                     size_t whylen)
{
    const cJSON *it;
    int i = 0;
    switch (sp->kind) {
    case ARG_STRING:
        if (!cJSON_IsString(v))
            return fail(why, whylen, "arguments.%s must be a string", sp->name);
        if (sp->required && v->valuestring[0] == '\0')
            return fail(why, whylen, "arguments.%s must not be empty", sp->name);
        return 0;
    case ARG_BOOL:
        if (!cJSON_IsBool(v))
            return fail(why, whylen, "arguments.%s must be a boolean", sp->name);
        return 0;
    case ARG_FORMATS:
    case ARG_INDICES:
    case ARG_STRINGS:
        if (!cJSON_IsArray(v))
            return fail(why, whylen, "arguments.%s must be an array", sp->name);
        if (sp->kind == ARG_FORMATS && !v->child)
            return fail(why, whylen, "arguments.%s must hold at least one of CSV, PDF", sp->name);
        cJSON_ArrayForEach(it, v)
        {
            const char *s = cJSON_IsString(it) ? it->valuestring : NULL;
            if (sp->kind == ARG_FORMATS) {
                if (s && strcmp(s, "CSV") == 0)
                    *fmt_mask |= 1;
                else if (s && strcmp(s, "PDF") == 0)
                    *fmt_mask |= 2;
                else
                    return fail(why, whylen, "arguments.%s[%d] must be one of CSV, PDF", sp->name,
                                i);
            } else if (sp->kind == ARG_INDICES) {
                if (!s || !is_index(s))
                    return fail(why, whylen, "arguments.%s[%d] must be one of " INDEX_LIST,
                                sp->name, i);
            } else {
                if (!s)
                    return fail(why, whylen, "arguments.%s[%d] must be a string", sp->name, i);
                if (s[0] == '\0' || ((s[0] == '+' || s[0] == '-') && s[1] == '\0'))
                    return fail(why, whylen, "arguments.%s[%d] must name a field", sp->name, i);
            }
            i++;
        }
        return 0;
    }
    return fail(why, whylen, "arguments.%s is not supported", sp->name);
}

/* ---- canonical form ---- */

static int cmp_keys(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    return strcmp(x->string ? x->string : "", y->string ? y->string : "");
}

/*
 * Sorts the keys of every object under `node` (byte order of the UTF-8
 * text). Returns 0, -1 with a message on a duplicate key, -2 on OOM.
 */
static int sort_keys(cJSON *node, char *why, size_t whylen)
{
    size_t n = 0, i;
    cJSON *c, **v;
    int rc;
    for (c = node->child; c; c = c->next) {
        if ((c->type & 0xFF) & (cJSON_Object | cJSON_Array)) {
            if ((rc = sort_keys(c, why, whylen)) != 0)
                return rc;
        }
        n++;
    }
    if (!cJSON_IsObject(node) || n < 2)
        return 0;
    v = malloc(n * sizeof(*v));
    if (!v)
        return -2;
    for (i = 0, c = node->child; c; c = c->next)
        v[i++] = c;
    qsort(v, n, sizeof(*v), cmp_keys);
    rc = 0;
    for (i = 0; i + 1 < n; i++)
        if (cmp_keys(&v[i], &v[i + 1]) == 0) {
            rc = fail(why, whylen, "the key \"%.64s\" appears more than once in one object",
                      v[i]->string ? v[i]->string : "");
            break;
        }
    /* Relink in order: cJSON lists are next-linked, with child->prev the tail. */
    for (i = 0; i < n; i++) {
        v[i]->prev = i ? v[i - 1] : v[n - 1];
        v[i]->next = i + 1 < n ? v[i + 1] : NULL;
    }
    node->child = v[0];
    free(v);
    return rc;
}

static int is_json_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

enum err report_validate(const char *body, size_t len, const struct report_type **type,
                         char **canonical_args, char *formats, size_t formatslen, char *why,
                         size_t whylen)
{
    cJSON *root = NULL;
    const cJSON *rt, *args;
    const char *end = NULL;
    const struct report_type *t;
    char *printed = NULL, *canon = NULL;
    int fmt_mask = 0, src;
    enum err rc = ERR_BAD_REQUEST;

    if (why && whylen)
        why[0] = '\0';
    if (body && len && !utf8_valid_len(body, len)) {
        fail(why, whylen, "request body is not valid UTF-8");
        goto out;
    }
    if (body && len)
        root = cJSON_ParseWithLengthOpts(body, len, &end, 0);
    if (!root) {
        fail(why, whylen, "request body is not valid JSON");
        goto out;
    }
    while (end < body + len && is_json_space(*end))
        end++;
    if (end != body + len) {
        fail(why, whylen, "request body is not valid JSON: unexpected data after the value");
        goto out;
    }
    if (!cJSON_IsObject(root)) {
        fail(why, whylen, "request body must be a JSON object");
        goto out;
    }
    if ((src = sort_keys(root, why, whylen)) != 0) {
        if (src == -2)
            rc = ERR_INTERNAL;
        goto out;
    }
    rt = cJSON_GetObjectItemCaseSensitive(root, "reportType");
    if (!rt) {
        fail(why, whylen, "reportType is required");
        goto out;
    }
    if (!cJSON_IsString(rt)) {
        fail(why, whylen, "reportType must be a string");
        goto out;
    }
    t = report_type_find(rt->valuestring);
    if (!t) {
        fail(why, whylen, "reportType must be one of " TYPE_LIST);
        goto out;
    }
    args = cJSON_GetObjectItemCaseSensitive(root, "arguments");
    if (args && !cJSON_IsObject(args)) {
        fail(why, whylen, "arguments must be an object");
        goto out;
    }
    for (size_t i = 0; i < N(specs); i++) {
        const cJSON *v;
        if (strcmp(specs[i].type, t->name) != 0)
            continue;
        v = args ? cJSON_GetObjectItemCaseSensitive(args, specs[i].name) : NULL;
        if (!v) {
            if (specs[i].required) {
                fail(why, whylen, "arguments.%s is required", specs[i].name);
                goto out;
            }
            continue;
        }
        if (check_arg(&specs[i], v, &fmt_mask, why, whylen) != 0)
            goto out;
    }
    rc = ERR_INTERNAL;
    if (args) {
        printed = cJSON_PrintUnformatted(args);
        canon = printed ? strdup(printed) : NULL;
    } else {
        canon = strdup("{}");
    }
    if (!canon) {
        fail(why, whylen, "out of memory");
        goto out;
    }
    if (!t->has_selected_formats || fmt_mask == 0)
        fmt_mask = 3;
    if (formats && formatslen)
        snprintf(formats, formatslen, "%s",
                 fmt_mask == 3 ? "CSV,PDF" : (fmt_mask == 1 ? "CSV" : "PDF"));
    *type = t;
    *canonical_args = canon;
    canon = NULL;
    rc = ERR_OK;
out:
    if (printed)
        cJSON_free(printed);
    free(canon);
    cJSON_Delete(root);
    return rc;
}

/*
 * validate.c - startReport body validation (see validate.h).
 *
 * The body is parsed once with cJSON; every object in it gets its keys
 * sorted (which also finds duplicate keys), then the arguments are checked
 * against the type's argument schema in the definition table and printed
 * compactly: that text is the canonical form used to recognise "the same
 * report with the same arguments".
 *
 * No database, no HTTP; owns nothing beyond one call.
 */
#include "validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../core/json.h"
#include "search.h"

/* ---- one argument ---- */

static int is_index(const char *s)
{
    const struct report_index *ix;
    if (strcmp(s, "*") == 0)
        return 1;
    for (size_t i = 0; (ix = report_index_at(i)) != NULL; i++)
        if (strcmp(ix->name, s) == 0)
            return 1;
    return 0;
}

/* Checks item i (`s`: its text, NULL when not a string) of an array argument. */
static enum err check_item(const struct report_arg *a, const char *s, int i, unsigned *fmt_mask,
                           char *why, size_t whylen)
{
    const struct report_format *f;
    char list[128];
    switch (a->kind) {
    case REPORT_ARG_FORMATS:
        if (!(f = report_format_find(s, 0))) {
            report_list(REPORT_LIST_FORMATS, list, sizeof(list));
            err_why(why, whylen, "arguments.%s[%d] must be one of %s", a->name, i, list);
            return ERR_BAD_REQUEST;
        }
        *fmt_mask |= f->bit;
        return ERR_OK;
    case REPORT_ARG_INDICES:
        if (s && is_index(s))
            return ERR_OK;
        report_list(REPORT_LIST_INDICES, list, sizeof(list));
        err_why(why, whylen, "arguments.%s[%d] must be one of %s", a->name, i, list);
        return ERR_BAD_REQUEST;
    case REPORT_ARG_STRINGS:
        if (!s)
            err_why(why, whylen, "arguments.%s[%d] must be a string", a->name, i);
        else if (s[0] == '\0' || ((s[0] == '+' || s[0] == '-') && s[1] == '\0'))
            err_why(why, whylen, "arguments.%s[%d] must name a field", a->name, i);
        else
            return ERR_OK;
        return ERR_BAD_REQUEST;
    case REPORT_ARG_STRING:
    case REPORT_ARG_QUERY:
    case REPORT_ARG_BOOL:
        break;
    }
    err_why(why, whylen, "arguments.%s is not supported", a->name);
    return ERR_BAD_REQUEST;
}

/* Checks one present argument; *fmt_mask collects selectedFormats. */
static enum err check_arg(const struct report_arg *a, const cJSON *v, unsigned *fmt_mask, char *why,
                          size_t whylen)
{
    const cJSON *it;
    char list[128];
    int i = 0;
    enum err e = ERR_BAD_REQUEST;
    if (a->kind == REPORT_ARG_STRING || a->kind == REPORT_ARG_QUERY) {
        if (!cJSON_IsString(v))
            err_why(why, whylen, "arguments.%s must be a string", a->name);
        else if (a->required && v->valuestring[0] == '\0')
            err_why(why, whylen, "arguments.%s must not be empty", a->name);
        else if (strlen(v->valuestring) > REPORT_STRING_MAX)
            err_why(why, whylen, "arguments.%s must be at most %d bytes", a->name,
                    REPORT_STRING_MAX);
        else if (a->kind == REPORT_ARG_QUERY &&
                 (e = search_check_limits(v->valuestring, list, sizeof(list))) != ERR_OK)
            err_why(why, whylen, "arguments.%s: %s", a->name, list);
        else
            return ERR_OK;
        return e == ERR_INTERNAL ? e : ERR_BAD_REQUEST;
    }
    if (a->kind == REPORT_ARG_BOOL) {
        if (cJSON_IsBool(v))
            return ERR_OK;
        err_why(why, whylen, "arguments.%s must be a boolean", a->name);
        return ERR_BAD_REQUEST;
    }
    if (!cJSON_IsArray(v)) {
        err_why(why, whylen, "arguments.%s must be an array", a->name);
        return ERR_BAD_REQUEST;
    }
    if (a->kind == REPORT_ARG_FORMATS && !v->child) {
        report_list(REPORT_LIST_FORMATS, list, sizeof(list));
        err_why(why, whylen, "arguments.%s must hold at least one of %s", a->name, list);
        return ERR_BAD_REQUEST;
    }
    cJSON_ArrayForEach(it, v)
    {
        const char *s = cJSON_IsString(it) ? it->valuestring : NULL;
        if ((e = check_item(a, s, i++, fmt_mask, why, whylen)) != ERR_OK)
            return e;
    }
    return ERR_OK;
}

/* Checks `args` (NULL: none) against the schema of `t`. */
static enum err check_args(const struct report_type *t, const cJSON *args, unsigned *fmt_mask,
                           char *why, size_t whylen)
{
    enum err e;
    for (const struct report_arg *a = t->args; a->name; a++) {
        const cJSON *v = args ? cJSON_GetObjectItemCaseSensitive(args, a->name) : NULL;
        if (!v && a->required) {
            err_why(why, whylen, "arguments.%s is required", a->name);
            return ERR_BAD_REQUEST;
        }
        if (v && (e = check_arg(a, v, fmt_mask, why, whylen)) != ERR_OK)
            return e;
    }
    return ERR_OK;
}

/* ---- the body ---- */

static int cmp_keys(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    return strcmp(x->string ? x->string : "", y->string ? y->string : "");
}

/* Relinks the n items of v under node in their order: cJSON lists are
 * next-linked, with child->prev the tail. */
static void relink(cJSON *node, cJSON **v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        v[i]->prev = i ? v[i - 1] : v[n - 1];
        v[i]->next = i + 1 < n ? v[i + 1] : NULL;
    }
    node->child = v[0];
}

/* Sorts the keys of every object under `node` (byte order of the UTF-8
 * text): ERR_OK, ERR_BAD_REQUEST on a duplicate key, ERR_INTERNAL on OOM. */
static enum err sort_keys(cJSON *node, char *why, size_t whylen)
{
    size_t n = 0, i;
    cJSON *c, **v;
    enum err e = ERR_OK;
    for (c = node->child; c; c = c->next, n++)
        if (((c->type & 0xFF) & (cJSON_Object | cJSON_Array)) &&
            (e = sort_keys(c, why, whylen)) != ERR_OK)
            return e;
    if (!cJSON_IsObject(node) || n < 2)
        return ERR_OK;
    if (!(v = malloc(n * sizeof(*v)))) {
        err_why(why, whylen, "out of memory");
        return ERR_INTERNAL;
    }
    for (i = 0, c = node->child; c; c = c->next)
        v[i++] = c;
    qsort(v, n, sizeof(*v), cmp_keys);
    for (i = 0; i + 1 < n && e == ERR_OK; i++)
        if (cmp_keys(&v[i], &v[i + 1]) == 0) {
            err_why(why, whylen, "the key \"%.64s\" appears more than once in one object",
                    v[i]->string ? v[i]->string : "");
            e = ERR_BAD_REQUEST;
        }
    relink(node, v, n);
    free(v);
    return e;
}

/* Parses the body into one JSON object with sorted keys: *root on ERR_OK. */
static enum err parse_body(const char *body, size_t len, cJSON **root, char *why, size_t whylen)
{
    enum err e = ERR_BAD_REQUEST;
    cJSON *r = json_parse_strict(body, len, why, whylen);
    if (!r)
        return e;
    if (!cJSON_IsObject(r))
        err_why(why, whylen, "request body must be a JSON object");
    else
        e = sort_keys(r, why, whylen);
    if (e == ERR_OK)
        *root = r;
    else
        cJSON_Delete(r);
    return e;
}

/* The type the body names. */
static enum err find_type(const cJSON *root, const struct report_type **type, char *why,
                          size_t whylen)
{
    const cJSON *rt = cJSON_GetObjectItemCaseSensitive(root, "reportType");
    char list[256];
    if (!rt) {
        err_why(why, whylen, "reportType is required");
    } else if (!cJSON_IsString(rt)) {
        err_why(why, whylen, "reportType must be a string");
    } else if (!(*type = report_type_find(rt->valuestring))) {
        report_list(REPORT_LIST_TYPES, list, sizeof(list));
        err_why(why, whylen, "reportType must be one of %s", list);
    } else {
        return ERR_OK;
    }
    return ERR_BAD_REQUEST;
}

/* The formats in `mask`, by name, joined by commas. */
static void format_names(unsigned mask, char *out, size_t outlen)
{
    const struct report_format *f;
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; (f = report_format_at(i)) != NULL; i++)
        if ((mask & f->bit) && len < outlen) {
            int n = snprintf(out + len, outlen - len, "%s%s", len ? "," : "", f->name);
            len += n > 0 ? (size_t)n : 0;
        }
}

/* The canonical text of `args` (NULL: "{}"), malloc'd; NULL on OOM. */
static char *canonical(const cJSON *args)
{
    char *printed, *copy;
    if (!args)
        return strdup("{}");
    printed = cJSON_PrintUnformatted(args);
    copy = printed ? strdup(printed) : NULL;
    cJSON_free(printed);
    return copy;
}

enum err report_validate(const char *body, size_t len, const struct report_type **type,
                         char **canonical_args, char *formats, size_t formatslen, char *why,
                         size_t whylen)
{
    cJSON *root = NULL;
    const cJSON *args;
    const struct report_type *t = NULL;
    unsigned mask = 0;
    char *canon;
    enum err e;

    err_why(why, whylen, "%s", "");
    if ((e = parse_body(body, len, &root, why, whylen)) != ERR_OK ||
        (e = find_type(root, &t, why, whylen)) != ERR_OK)
        goto out;
    args = cJSON_GetObjectItemCaseSensitive(root, "arguments");
    e = ERR_BAD_REQUEST;
    if (args && !cJSON_IsObject(args)) {
        err_why(why, whylen, "arguments must be an object");
        goto out;
    }
    if ((e = check_args(t, args, &mask, why, whylen)) != ERR_OK)
        goto out;
    if (!(canon = canonical(args))) {
        err_why(why, whylen, "out of memory");
        e = ERR_INTERNAL;
        goto out;
    }
    if (strlen(canon) > REPORT_ARGS_MAX) {
        err_why(why, whylen, "arguments must be at most %d bytes (as compact JSON)",
                REPORT_ARGS_MAX);
        free(canon);
        e = ERR_BAD_REQUEST;
        goto out;
    }
    if (formats && formatslen)
        format_names((mask & t->formats) ? (mask & t->formats) : t->formats, formats, formatslen);
    *type = t;
    *canonical_args = canon;
out:
    cJSON_Delete(root);
    return e;
}

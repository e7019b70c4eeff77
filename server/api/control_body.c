/*
 * control_body.c - the field-table body parser of the control API and the
 * JSON pieces its answers share (see control_body.h). It knows no resource:
 * the tables and the rules between members live in the control_*.c route
 * files.
 */
#include "control_body.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/clock.h"
#include "../core/json.h"
#include "../core/utf8.h"

#define NAME_MAX_LEN 96

int control_id_char(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != 0 && strchr("._~@:+-", c) != NULL);
}

int control_token_char(int c)
{
    return c > 0x20 && c < 0x7f;
}

int control_one_of(const char *v, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(v, *list) == 0)
            return 1;
    return 0;
}

void control_choices_text(const char *const *list, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; list[i] && len < cap; i++) {
        const char *sep = i == 0 ? "" : list[i + 1] ? ", " : " or ";
        int n = snprintf(out + len, cap - len, "%s%s", sep, list[i]);
        len += n > 0 ? (size_t)n : 0;
    }
}

/* "A, B or C" from a 0-terminated list of codes (the first 16). */
static void codes_text(const int *codes, char *out, size_t cap)
{
    char words[16][12];
    const char *list[17];
    size_t n = 0;
    for (; n < 16 && codes[n]; n++) {
        snprintf(words[n], sizeof(words[n]), "%d", codes[n]);
        list[n] = words[n];
    }
    list[n] = NULL;
    control_choices_text(list, out, cap);
}

/* Checks a text value: 1..cap-1 bytes, UTF-8, no control characters, and
 * each byte passing `ok` when given. Returns a reason or NULL. */
static const char *text_problem(const char *v, size_t cap, int (*ok)(int c))
{
    size_t n = strlen(v);
    if (n == 0)
        return "must not be empty";
    if (n >= cap)
        return "is too long";
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if (*p < 0x20 || *p == 0x7f || (ok && !ok(*p)))
            return ok == control_id_char ? "may hold only letters, digits and . _ ~ @ : + -"
                                         : "holds a character that is not allowed";
    return utf8_valid(v) ? NULL : "is not valid UTF-8";
}

static enum err bad(struct api_res *rs, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A 400 "Field 'name' <what>". */
static enum err bad(struct api_res *rs, const char *name, const char *fmt, ...)
{
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return api_fail(rs, ERR_BAD_REQUEST, "Field '%s' %s", name, what);
}

static void store_int(void *dst, size_t size, int64_t v)
{
    if (size == sizeof(int)) {
        int i = (int)v;
        memcpy(dst, &i, sizeof(i));
    } else {
        memcpy(dst, &v, sizeof(v));
    }
}

/* A number, whole or not, within the field's bounds; NAN when it is not. */
static double number_in(const cJSON *v, const struct body_field *f, int whole)
{
    double d = cJSON_IsNumber(v) ? v->valuedouble : NAN;
    if (!isfinite(d) || (whole && d != floor(d)) || d < (double)f->min || d > (double)f->max)
        return NAN;
    return d;
}

/* Reads one scalar member (any kind but BODY_CUSTOM) into dst. */
static enum err read_scalar(const cJSON *v, const struct body_field *f, const char *name, void *dst,
                            struct api_res *rs)
{
    char list[256];
    const char *why;
    double d;
    int b;
    switch (f->kind) { /* one case per kind */
    case BODY_WHOLE:
        if (isnan(d = number_in(v, f, 1)))
            return bad(rs, name, "must be a whole number from %" PRId64 " to %" PRId64 ".", f->min,
                       f->max);
        store_int(dst, f->size, (int64_t)d);
        return ERR_OK;
    case BODY_NUMBER:
        if (isnan(d = number_in(v, f, 0)))
            return bad(rs, name, "must be a number from %" PRId64 " to %" PRId64 ".", f->min,
                       f->max);
        memcpy(dst, &d, sizeof(d));
        return ERR_OK;
    case BODY_BOOL:
        if (!cJSON_IsBool(v))
            return bad(rs, name, "must be true or false.");
        b = cJSON_IsTrue(v);
        memcpy(dst, &b, sizeof(b));
        return ERR_OK;
    case BODY_TEXT:
        if (!cJSON_IsString(v))
            return bad(rs, name, "must be a string.");
        if ((why = text_problem(v->valuestring, f->size, f->chars)) != NULL)
            return bad(rs, name, "%s (at most %zu bytes).", why, f->size - 1);
        snprintf(dst, f->size, "%s", v->valuestring);
        return ERR_OK;
    case BODY_CHOICE:
        if (!cJSON_IsString(v) || !control_one_of(v->valuestring, f->choices)) {
            control_choices_text(f->choices, list, sizeof(list));
            return bad(rs, name, "must be %s.", list);
        }
        snprintf(dst, f->size, "%s", v->valuestring);
        return ERR_OK;
    case BODY_CODE:
        for (size_t i = 0; cJSON_IsNumber(v) && f->codes[i]; i++)
            if ((double)f->codes[i] == v->valuedouble) {
                store_int(dst, sizeof(int), f->codes[i]);
                return ERR_OK;
            }
        codes_text(f->codes, list, sizeof(list));
        return bad(rs, name, "must be %s.", list);
    case BODY_CUSTOM:
        break;
    }
    return f->parse(v, f, name, dst, rs);
}

/* Refuses members of `o` that no field names, and members given twice. */
static enum err known_members(const cJSON *o, const struct body_field *fields, size_t n,
                              const char *where, struct api_res *rs)
{
    const char *in = where ? " in " : "", *at = where ? where : "";
    const cJSON *it;
    cJSON_ArrayForEach(it, o)
    {
        size_t i = 0;
        while (i < n && strcmp(fields[i].name, it->string) != 0)
            i++;
        if (i == n)
            return api_fail(rs, ERR_BAD_REQUEST, "Unknown field '%.64s'%s%s.", it->string, in, at);
        for (const cJSON *before = o->child; before != it; before = before->next)
            if (strcmp(before->string, it->string) == 0)
                return api_fail(rs, ERR_BAD_REQUEST, "Field '%.64s' is given twice%s%s.",
                                it->string, in, at);
    }
    return ERR_OK;
}

enum err control_body_parse(const cJSON *o, const struct body_field *fields, size_t n,
                            const char *where, void *dst, unsigned *given, struct api_res *rs)
{
    *given = 0;
    if (n > BODY_FIELDS_MAX)
        return ERR_INTERNAL;
    enum err e = known_members(o, fields, n, where, rs);
    for (size_t i = 0; e == ERR_OK && i < n; i++) {
        const struct body_field *f = &fields[i];
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, f->name);
        char name[NAME_MAX_LEN], list[256];
        snprintf(name, sizeof(name), "%s%s%s", where ? where : "", where ? "." : "", f->name);
        if (v && !cJSON_IsNull(v)) {
            *given |= 1u << i;
            e = read_scalar(v, f, name, (char *)dst + f->offset, rs);
        } else if (f->required && f->kind == BODY_CHOICE) {
            control_choices_text(f->choices, list, sizeof(list));
            e = bad(rs, name, "is required: %s.", list);
        } else if (f->required) {
            e = bad(rs, name, "is required.");
        }
    }
    return e;
}

enum err control_body_object(const struct api_req *rq, struct api_res *rs, cJSON **out)
{
    char why[128];
    *out = json_parse_strict(rq->body, rq->body_len, why, sizeof(why));
    if (cJSON_IsObject(*out))
        return ERR_OK;
    if (*out)
        snprintf(why, sizeof(why), "it is another JSON value");
    cJSON_Delete(*out);
    *out = NULL;
    return api_fail(rs, ERR_BAD_REQUEST, "The body must be a JSON object: %s.", why);
}

/* Appends one scope word to out (space separated); -1 when it does not fit. */
static int scope_append(char *out, size_t cap, const char *word, size_t n)
{
    size_t len = strlen(out);
    if (len + (len > 0) + n >= cap)
        return -1;
    if (len > 0)
        out[len++] = ' ';
    memcpy(out + len, word, n);
    out[len + n] = '\0';
    return 0;
}

/* Scopes from "a  b c": 0, -1 for a bad character, -2 when too long. */
static int scopes_from_text(const char *p, char *tmp, size_t cap)
{
    while (*p) {
        while (*p == ' ')
            p++;
        size_t n = 0;
        for (; p[n] && p[n] != ' '; n++)
            if (!control_token_char((unsigned char)p[n]))
                return -1;
        if (n && scope_append(tmp, cap, p, n) != 0)
            return -2;
        p += n;
    }
    return 0;
}

enum err control_parse_scopes(const cJSON *v, const struct body_field *f, const char *name,
                              void *dst, struct api_res *rs)
{
    char tmp[512] = "";
    int rc = 0;
    if (cJSON_IsString(v)) {
        rc = scopes_from_text(v->valuestring, tmp, sizeof(tmp));
        if (rc == -1)
            return bad(rs, name, "holds a character that is not allowed.");
    } else if (cJSON_IsArray(v)) {
        const cJSON *it;
        cJSON_ArrayForEach(it, v)
        {
            if (!cJSON_IsString(it) ||
                text_problem(it->valuestring, sizeof(tmp), control_token_char))
                return bad(rs, name, "must hold non-empty strings without spaces.");
            if (rc == 0 &&
                scope_append(tmp, sizeof(tmp), it->valuestring, strlen(it->valuestring)) != 0)
                rc = -2;
        }
    } else {
        return bad(rs, name, "must be a string of space-separated scopes or an array of strings.");
    }
    if (rc == -2 || strlen(tmp) >= f->size)
        return bad(rs, name, "is too long (at most %zu bytes).", f->size - 1);
    snprintf(dst, f->size, "%s", tmp);
    return ERR_OK;
}

enum err control_query_known(const struct api_req *rq, const char *const *names, struct api_res *rs)
{
    const char *key;
    char list[256];
    for (unsigned i = 0; (key = rq->query_key(rq, i)) != NULL; i++)
        if (!names[0]) {
            return api_fail(rs, ERR_BAD_REQUEST,
                            "Unknown query parameter '%.64s': this route takes none.", key);
        } else if (!control_one_of(key, names)) {
            control_choices_text(names, list, sizeof(list));
            return api_fail(rs, ERR_BAD_REQUEST, "Unknown query parameter '%.64s': use %s.", key,
                            list);
        }
    return ERR_OK;
}

enum err control_query_whole(const struct api_req *rq, const char *key, int64_t min, int64_t max,
                             int64_t dflt, int64_t *out, struct api_res *rs)
{
    const char *v = rq->query(rq, key);
    *out = dflt;
    if (!v)
        return ERR_OK;
    char *end = NULL;
    long long n = strtoll(v, &end, 10);
    if (!*v || *end || n < min || n > max)
        return api_fail(rs, ERR_BAD_REQUEST,
                        "Query parameter '%s' must be a whole number from %" PRId64 " to %" PRId64
                        ".",
                        key, min, max);
    *out = n;
    return ERR_OK;
}

int control_add_str(cJSON *o, const char *key, const char *v)
{
    return (v && *v ? cJSON_AddStringToObject(o, key, v) : cJSON_AddNullToObject(o, key)) != NULL;
}

int control_add_num(cJSON *o, const char *key, int64_t v, int present)
{
    return (present ? cJSON_AddNumberToObject(o, key, (double)v) : cJSON_AddNullToObject(o, key)) !=
           NULL;
}

int control_add_time(cJSON *o, const char *key, int64_t ms, int present)
{
    char when[CLOCK_RFC3339_LEN];
    if (!present)
        return cJSON_AddNullToObject(o, key) != NULL;
    clock_format(ms, when);
    return cJSON_AddStringToObject(o, key, when) != NULL;
}

int control_add_raw(cJSON *o, const char *key, const char *text)
{
    cJSON *v = text ? cJSON_Parse(text) : cJSON_CreateNull();
    if (!v || !cJSON_AddItemToObject(o, key, v)) {
        cJSON_Delete(v);
        return 0;
    }
    return 1;
}

cJSON *control_json_done(cJSON *o, int ok)
{
    if (ok)
        return o;
    cJSON_Delete(o);
    return NULL;
}

int control_list_add(struct control_list *l, cJSON *item)
{
    if (!item) {
        l->failed = 1;
        return 1;
    }
    cJSON_AddItemToArray(l->arr, item);
    return 0;
}

cJSON *control_list_start(const char *key, struct control_list *l)
{
    cJSON *o = cJSON_CreateObject();
    l->failed = 0;
    l->arr = o ? cJSON_AddArrayToObject(o, key) : NULL;
    if (!l->arr) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

enum err control_list_answer(struct api_res *rs, cJSON *o, int rc, const struct control_list *l)
{
    if (!o || rc != 0 || l->failed) {
        cJSON_Delete(o);
        return ERR_INTERNAL;
    }
    return api_json(rs, 200, o);
}

enum err control_no_content(struct api_res *rs)
{
    rs->status = 204;
    return ERR_OK;
}

enum err control_deleted(struct api_res *rs, int rc, const char *fmt, ...)
{
    if (rc == 0)
        return control_no_content(rs);
    if (rc != 1)
        return ERR_INTERNAL;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rs->err_text, sizeof(rs->err_text), fmt, ap);
    va_end(ap);
    return ERR_NOT_FOUND;
}

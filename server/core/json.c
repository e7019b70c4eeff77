/*
 * json.c - the strict JSON body reader (see json.h): cJSON parses, and this
 * file refuses what cJSON would accept but change (trailing data, \u0000,
 * numbers beyond a double). It knows nothing of what a body means.
 */
#include "json.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "utf8.h"

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Where a \u0000 escape was found: the member it belongs to, as the raw
 * text of its key (the string itself when it is a key, else the last key
 * before it); NULL when the body has no key before it. */
struct nul_at {
    const char *key;
    size_t key_len;
};

/* The closing quote of the string whose text starts at s[i]; sets *nul
 * when it holds the escape \u0000. */
static size_t string_end(const char *s, size_t n, size_t i, int *nul)
{
    for (; i < n && s[i] != '"'; i++)
        if (s[i] == '\\' && i + 1 < n) {
            if (s[i + 1] == 'u' && i + 5 < n && memcmp(s + i + 2, "0000", 4) == 0)
                *nul = 1;
            i++; /* the escaped character */
        }
    return i;
}

/* 1 when a string of the JSON text holds the escape \u0000 (where: *at).
 * The text is valid JSON (checked first), so a quote outside a string
 * always starts one. */
static int find_nul_escape(const char *s, size_t n, struct nul_at *at)
{
    at->key = NULL;
    at->key_len = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '"')
            continue;
        int nul = 0;
        size_t end = string_end(s, n, i + 1, &nul), j = end + 1;
        while (j < n && is_space(s[j]))
            j++;
        if (j < n && s[j] == ':') {
            at->key = s + i + 1;
            at->key_len = end - i - 1;
        }
        if (nul)
            return 1;
        i = end;
    }
    return 0;
}

/* 1 when a number in the tree is not finite (out of double range). */
static int has_huge_number(const cJSON *v)
{
    for (; v; v = v->next) {
        if (cJSON_IsNumber(v) && !isfinite(v->valuedouble))
            return 1;
        if (v->child && has_huge_number(v->child))
            return 1;
    }
    return 0;
}

static cJSON *refuse(cJSON *root, char *why, size_t whylen, const char *reason)
{
    cJSON_Delete(root);
    if (why && whylen)
        snprintf(why, whylen, "%s", reason);
    return NULL;
}

cJSON *json_parse_strict(const char *body, size_t len, char *why, size_t whylen)
{
    const char *end = NULL;
    if (why && whylen)
        why[0] = '\0';
    if (!body || len == 0)
        return refuse(NULL, why, whylen, "request body is not valid JSON: it is empty");
    if (!utf8_valid_len(body, len))
        return refuse(NULL, why, whylen, "request body is not valid UTF-8");
    if (memchr(body, '\0', len))
        return refuse(NULL, why, whylen, "request body is not valid JSON: it holds a NUL byte");
    cJSON *root = cJSON_ParseWithLengthOpts(body, len, &end, 0);
    if (!root)
        return refuse(NULL, why, whylen, "request body is not valid JSON");
    while (end < body + len && is_space(*end))
        end++;
    if (end != body + len)
        return refuse(root, why, whylen,
                      "request body is not valid JSON: unexpected data after the value");
    struct nul_at at;
    if (find_nul_escape(body, len, &at)) {
        char reason[128];
        snprintf(reason, sizeof(reason), "field '%.*s' holds a NUL character (\\u0000)",
                 (int)(at.key_len < 64 ? at.key_len : 64), at.key ? at.key : "");
        return refuse(root, why, whylen, reason);
    }
    if (has_huge_number(root))
        return refuse(root, why, whylen, "request body holds a number out of range");
    return root;
}

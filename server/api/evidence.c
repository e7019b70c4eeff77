/*
 * evidence.c - cutting and masking what the journal keeps of a request and
 * its answer (see evidence.h). One scanner masks the three body syntaxes
 * the API receives and sends, without parsing them, so a body cut in the
 * middle or not well-formed is masked too:
 *   key=value (query strings, url-encoded forms: up to the next '&'),
 *   "key": "value" (JSON: up to the closing quote, escapes skipped),
 *   name="key" ... CRLF CRLF value (multipart: up to the next CRLF).
 */
#include "evidence.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/utf8.h"

/* Parameters and JSON members whose values never reach the journal. */
static const char *const secret_names[] = {
    "client_secret", "clientSecret", "access_token", "accessToken",
    "refresh_token", "refreshToken", "id_token",     "password",
    "secret",        "adminToken",   "admin_token",  "client_assertion",
};

/* Headers whose credentials are masked (the scheme word is kept). */
static const char *const secret_headers[] = {"Authorization", "Proxy-Authorization", "Cookie"};

int evidence_secret_name(const char *name, size_t n)
{
    for (size_t i = 0; i < sizeof(secret_names) / sizeof(secret_names[0]); i++)
        if (strlen(secret_names[i]) == n && memcmp(secret_names[i], name, n) == 0)
            return 1;
    return 0;
}

void evidence_header_value(const char *name, const char *value, char *out, size_t cap)
{
    if (cap == 0)
        return;
    for (size_t i = 0; i < sizeof(secret_headers) / sizeof(secret_headers[0]); i++) {
        if (strcasecmp(name, secret_headers[i]) != 0)
            continue;
        size_t scheme = strcspn(value, " ");
        if (value[scheme] != ' ' || strcasecmp(name, "Cookie") == 0)
            scheme = 0; /* no scheme word: mask it all */
        snprintf(out, cap, "%.*s%s" EVIDENCE_MASK, (int)scheme, value, scheme ? " " : "");
        return;
    }
    snprintf(out, cap, "%s", value);
}

/* ---- the body scanner ---- */

struct scan {
    const char *s;
    size_t n, i;     /* the text, its length, the position */
    struct buf *out; /* where the masked text goes */
    int failed;
};

static void emit(struct scan *c, const char *p, size_t n)
{
    if (!c->failed && n && buf_append(c->out, p, n) != 0)
        c->failed = 1;
}

/* key=value: at the start of the text or after '&' or '?'. Returns 1 when masked. */
static int mask_form(struct scan *c)
{
    const char *s = c->s + c->i;
    size_t left = c->n - c->i;
    if (c->i > 0 && c->s[c->i - 1] != '&' && c->s[c->i - 1] != '?')
        return 0;
    size_t key = 0; /* the text is not NUL-terminated: every scan is bounded by left */
    while (key < left && s[key] != '=' && s[key] != '&')
        key++;
    if (key >= left || s[key] != '=' || !evidence_secret_name(s, key))
        return 0;
    size_t end = key + 1;
    while (end < left && s[end] != '&')
        end++;
    emit(c, s, key + 1);
    emit(c, EVIDENCE_MASK, strlen(EVIDENCE_MASK));
    c->i += end;
    return 1;
}

/* name="key" ... CRLF CRLF value CRLF (a multipart part). Returns 1 when masked. */
static int mask_part(struct scan *c)
{
    static const char lead[] = "name=\"";
    const char *s = c->s + c->i;
    size_t left = c->n - c->i, ln = sizeof(lead) - 1;
    if (left <= ln || memcmp(s, lead, ln) != 0)
        return 0;
    const char *q = memchr(s + ln, '"', left - ln);
    if (!q || !evidence_secret_name(s + ln, (size_t)(q - s - ln)))
        return 0;
    size_t from = (size_t)(q - s);
    size_t start = 0;
    for (size_t k = from; k + 4 <= left; k++)
        if (memcmp(s + k, "\r\n\r\n", 4) == 0) {
            start = k + 4;
            break;
        }
    if (!start)
        return 0;
    size_t end = start;
    while (end + 1 < left && !(s[end] == '\r' && s[end + 1] == '\n'))
        end++;
    if (end + 1 >= left)
        end = left;
    emit(c, s, start);
    emit(c, EVIDENCE_MASK, strlen(EVIDENCE_MASK));
    c->i += end;
    return 1;
}

/* The end of the JSON string that opens at s[0] (the index past its closing
 * quote, or the text's end when it is cut). */
static size_t string_end(const char *s, size_t left)
{
    size_t k = 1;
    while (k < left && s[k] != '"')
        k += s[k] == '\\' ? 2 : 1;
    return k < left ? k + 1 : left;
}

/* "key": "value" (JSON). Returns 1 after handling a whole string token. */
static int mask_json(struct scan *c)
{
    const char *s = c->s + c->i;
    size_t left = c->n - c->i;
    if (*s != '"')
        return 0;
    size_t key_end = string_end(s, left), k = key_end;
    while (k < left && (s[k] == ' ' || s[k] == '\t' || s[k] == '\r' || s[k] == '\n'))
        k++;
    int is_key = k < left && s[k] == ':';
    if (!is_key || key_end < 2 || !evidence_secret_name(s + 1, key_end - 2)) {
        emit(c, s, key_end); /* a whole string: its closing quote opens nothing */
        c->i += key_end;
        return 1;
    }
    k++;
    while (k < left && (s[k] == ' ' || s[k] == '\t' || s[k] == '\r' || s[k] == '\n'))
        k++;
    if (k >= left || s[k] == '{' || s[k] == '[') {
        emit(c, s, key_end); /* an object or array: its own members are scanned */
        c->i += key_end;
        return 1;
    }
    if (s[k] != '"') { /* a number or literal: up to the next delimiter */
        size_t end = k;
        while (end < left && !strchr(",}] \t\r\n", s[end]))
            end++;
        emit(c, s, k);
        emit(c, "\"" EVIDENCE_MASK "\"", strlen(EVIDENCE_MASK) + 2);
        c->i += end;
        return 1;
    }
    size_t value_end = k + string_end(s + k, left - k);
    emit(c, s, k + 1);
    emit(c, EVIDENCE_MASK "\"", strlen(EVIDENCE_MASK) + 1);
    c->i += value_end;
    return 1;
}

/* Bytes from the position on that none of the masks above can start at
 * (at least 1): a mask starts only at '"' (JSON), at 'n' (name="), or at
 * the text's start or after '&' or '?' (key=value). They are copied as one
 * run instead of one byte at a time. */
static size_t plain_run(const struct scan *c)
{
    size_t k = c->i + 1;
    while (k < c->n && c->s[k] != '"' && c->s[k] != 'n' && c->s[k - 1] != '&' && c->s[k - 1] != '?')
        k++;
    return k - c->i;
}

int evidence_body(const char *body, size_t len, struct buf *out)
{
    size_t keep = len < EVIDENCE_BODY_MAX ? len : EVIDENCE_BODY_MAX;
    size_t before = out->len;
    struct buf masked;
    buf_init(&masked, 2 * EVIDENCE_BODY_MAX);
    struct scan c = {body ? body : "", keep, 0, &masked, 0};
    while (c.i < c.n && !c.failed) {
        if (mask_part(&c) || mask_form(&c) || mask_json(&c))
            continue;
        size_t run = plain_run(&c);
        emit(&c, c.s + c.i, run);
        c.i += run;
    }
    if (!c.failed && masked.len == 0 && buf_append(&masked, "", 0) != 0)
        c.failed = 1;
    if (c.failed) {
        buf_free(&masked);
        return -1;
    }
    for (size_t i = 0; i < masked.len; i++)
        if (masked.data[i] == '\0')
            masked.data[i] = '?';
    utf8_scrub(masked.data);
    int rc = buf_append(out, masked.data, masked.len);
    buf_free(&masked);
    if (rc != 0)
        out->len = before;
    return rc;
}

/* ---- header lists ---- */

struct evidence_headers {
    cJSON *arr;
    size_t bytes; /* what the values and names added so far take */
};

struct evidence_headers *evidence_headers_new(void)
{
    struct evidence_headers *h = calloc(1, sizeof(*h));
    if (h && !(h->arr = cJSON_CreateArray())) {
        free(h);
        h = NULL;
    }
    return h;
}

void evidence_headers_add(struct evidence_headers *h, const char *name, const char *value)
{
    char v[1024];
    if (!h || !name)
        return;
    evidence_header_value(name, value ? value : "", v, sizeof(v));
    size_t cost = strlen(name) + strlen(v) + 32;
    if (h->bytes + cost > EVIDENCE_HEADERS_MAX)
        return;
    char *n = strdup(name);
    if (!n)
        return;
    utf8_scrub(n);
    utf8_scrub(v);
    cJSON *o = cJSON_CreateObject();
    if (o && cJSON_AddStringToObject(o, "name", n) && cJSON_AddStringToObject(o, "value", v)) {
        cJSON_AddItemToArray(h->arr, o);
        h->bytes += cost;
    } else {
        cJSON_Delete(o);
    }
    free(n);
}

char *evidence_headers_text(struct evidence_headers *h)
{
    if (!h)
        return NULL;
    char *printed = cJSON_PrintUnformatted(h->arr);
    char *text = printed ? strdup(printed) : NULL;
    cJSON_free(printed);
    evidence_headers_free(h);
    return text;
}

void evidence_headers_free(struct evidence_headers *h)
{
    if (!h)
        return;
    cJSON_Delete(h->arr);
    free(h);
}

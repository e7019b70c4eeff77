/*
 * test_journal_export.c - the journal as evidence: GET /mock/requests with
 * format=har is HAR 1.2 (every member a HAR viewer requires, entries oldest
 * first, request and response headers and bodies), with client secrets,
 * bearer tokens and access tokens masked wherever they were sent; bodies are
 * cut at 4096 bytes; format=ndjson is one JSON object per line; both take
 * the JSON format's filters and stream journals longer than a page.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <criterion/criterion.h>

#include "harness.h"

#define BODY_MAX 4096

static const char *const ids_body = "{\"reportType\":\"IDENTITIES\"}";

/* The export as text (asserts 200), with its Content-Type in ctype. */
static char *export(const char *query, char *ctype, size_t cap)
{
    struct http_res r;
    char path[256];
    snprintf(path, sizeof path, "/mock/requests?%s", query);
    http_req(&r, "GET", path, NULL, NULL, 0);
    cr_assert_eq(r.status, 200, "%s: %ld %s", path, r.status, r.body);
    cr_assert(http_header(&r, "Content-Type", ctype, cap), "no Content-Type");
    char *text = strdup(r.body);
    http_res_free(&r);
    return text;
}

static const cJSON *member(const cJSON *o, const char *key)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, key);
    cr_assert(m, "member %s missing", key);
    return m;
}

/* The members HAR 1.2 requires of an entry, its request and its response. */
static void expect_har_entry(const cJSON *e)
{
    cr_expect(is_rfc3339_ms(jstr(e, "startedDateTime")));
    cr_expect(cJSON_IsNumber(member(e, "time")));
    cr_expect(cJSON_IsObject(member(e, "cache")));
    const cJSON *t = member(e, "timings");
    cr_expect(cJSON_IsNumber(member(t, "send")) && cJSON_IsNumber(member(t, "wait")) &&
              cJSON_IsNumber(member(t, "receive")));
    const cJSON *rq = member(e, "request");
    cr_expect(jstr(rq, "method") && jstr(rq, "url") && jstr(rq, "httpVersion"));
    cr_expect(strncmp(jstr(rq, "url"), "http://127.0.0.1:", 17) == 0, "%s", jstr(rq, "url"));
    cr_expect(cJSON_IsArray(member(rq, "cookies")) && cJSON_IsArray(member(rq, "headers")) &&
              cJSON_IsArray(member(rq, "queryString")));
    cr_expect(cJSON_IsNumber(member(rq, "headersSize")) && cJSON_IsNumber(member(rq, "bodySize")));
    const cJSON *rs = member(e, "response");
    cr_expect(cJSON_IsNumber(member(rs, "status")) && jstr(rs, "statusText") &&
              jstr(rs, "httpVersion") && jstr(rs, "redirectURL"));
    cr_expect(cJSON_IsArray(member(rs, "cookies")) && cJSON_IsArray(member(rs, "headers")));
    const cJSON *c = member(rs, "content");
    cr_expect(cJSON_IsNumber(member(c, "size")) && jstr(c, "mimeType"));
    cr_expect(cJSON_IsNumber(member(rs, "headersSize")) && cJSON_IsNumber(member(rs, "bodySize")));
}

/* The value of header `name` in a HAR header array, or NULL. */
static const char *har_header(const cJSON *headers, const char *name)
{
    const cJSON *h;
    cJSON_ArrayForEach(h, headers)
    {
        if (strcasecmp(jstr(h, "name"), name) == 0)
            return jstr(h, "value");
    }
    return NULL;
}

static const cJSON *entry(const cJSON *har, int i)
{
    return cJSON_GetArrayItem(member(member(har, "log"), "entries"), i);
}

E2E_TEST(journal_export, har_with_secrets_masked)
{
    /* 1: url-encoded token request (e2e_token), 2: multipart, 3: query parameters. */
    char *tok = e2e_token("demo-admin");
    const char *mp = "--XyZ\r\nContent-Disposition: form-data; name=\"grant_type\"\r\n\r\n"
                     "client_credentials\r\n--XyZ\r\nContent-Disposition: form-data; "
                     "name=\"client_id\"\r\n\r\ndemo-app\r\n--XyZ\r\nContent-Disposition: "
                     "form-data; name=\"client_secret\"\r\n\r\ndemo-app-secret\r\n--XyZ--\r\n";
    struct http_res r;
    http_req(&r, "POST", "/oauth/token",
             (const char *[]){"Content-Type: multipart/form-data; boundary=XyZ", NULL}, mp,
             strlen(mp));
    cr_assert_eq(r.status, 200, "%s", r.body);
    char *app_tok = strdup(jstr(r.json, "access_token"));
    http_res_free(&r);
    http_req(&r, "POST",
             "/oauth/token?grant_type=client_credentials&client_id=demo-reader"
             "&client_secret=demo-reader-secret",
             NULL, NULL, 0);
    cr_assert_eq(r.status, 200, "%s", r.body);
    http_res_free(&r);
    /* 4: startReport with a bearer token, 5: a 404, 6: a CSV download (a stream). */
    cJSON *task = e2e_run("v2024", tok, ids_body);
    api_call(&r, "GET", "/v2024/reports/nope/result", tok, NULL);
    cr_assert_eq(r.status, 404);
    http_res_free(&r);
    e2e_clock_advance(60000);
    char path[160];
    snprintf(path, sizeof path, "/v2024/reports/%s?fileFormat=csv", jstr(task, "id"));
    api_call(&r, "GET", path, tok, NULL);
    cr_assert_eq(r.status, 200);
    http_res_free(&r);

    char ctype[128];
    char *text = export("format=har", ctype, sizeof ctype);
    cr_expect_str_eq(ctype, "application/json");
    /* No secret, no token, anywhere. */
    static const char *const never[] = {"demo-admin-secret", "demo-app-secret",
                                        "demo-reader-secret"};
    for (size_t i = 0; i < sizeof never / sizeof never[0]; i++)
        cr_expect_null(strstr(text, never[i]), "%s is in the HAR", never[i]);
    cr_expect_null(strstr(text, tok), "the bearer token is in the HAR");
    cr_expect_null(strstr(text, app_tok), "an issued access token is in the HAR");
    cr_expect_null(strstr(text, "eyJ"), "something JWT-like is in the HAR");

    cJSON *har = jparse(text);
    const cJSON *log = member(har, "log");
    cr_expect_str_eq(jstr(log, "version"), "1.2");
    cr_expect_str_eq(jstr(member(log, "creator"), "name"), "isc-reports-mock");
    cr_expect(cJSON_IsArray(member(log, "pages")));
    cr_assert_eq(cJSON_GetArraySize(member(log, "entries")), 6);
    for (int i = 0; i < 6; i++)
        expect_har_entry(entry(har, i));

    /* Oldest first; the url-encoded token request and its masked answer. */
    const cJSON *e = entry(har, 0), *rq = member(e, "request"), *rs = member(e, "response");
    cr_expect_str_eq(jstr(rq, "method"), "POST");
    cr_expect(strstr(jstr(rq, "url"), "/oauth/token") != NULL);
    const cJSON *post = member(rq, "postData");
    cr_expect_str_eq(jstr(post, "mimeType"), "application/x-www-form-urlencoded");
    cr_expect_str_eq(jstr(post, "text"),
                     "grant_type=client_credentials&client_id=demo-admin&client_secret=***");
    cr_expect_eq(jnum(rq, "bodySize"), strlen("grant_type=client_credentials&client_id="
                                              "demo-admin&client_secret=demo-admin-secret"));
    cr_expect_eq(jnum(rs, "status"), 200);
    cr_expect_str_eq(jstr(rs, "statusText"), "OK");
    const cJSON *content = member(rs, "content");
    cr_expect_str_eq(jstr(content, "mimeType"), "application/json");
    cJSON *token_body = jparse(jstr(content, "text"));
    cr_expect_str_eq(jstr(token_body, "access_token"), "***");
    cr_expect_str_eq(jstr(token_body, "token_type"), "bearer");
    cJSON_Delete(token_body);
    cr_expect_str_eq(har_header(member(rs, "headers"), "Cache-Control"), "no-store");
    cr_expect_str_eq(jstr(e, "_operation"), "createOauthToken");

    /* Multipart: the secret part masked, the others kept. */
    const char *mtext = jstr(member(member(entry(har, 1), "request"), "postData"), "text");
    cr_expect(strstr(mtext, "name=\"client_secret\"\r\n\r\n***\r\n") != NULL, "%s", mtext);
    cr_expect(strstr(mtext, "\r\n\r\ndemo-app\r\n") != NULL, "%s", mtext);

    /* Query parameters: masked in queryString and in the URL. */
    const cJSON *q = member(entry(har, 2), "request");
    cr_expect(strstr(jstr(q, "url"), "client_secret=%2A%2A%2A") ||
                  strstr(jstr(q, "url"), "client_secret=***"),
              "%s", jstr(q, "url"));
    const cJSON *qs;
    int seen = 0;
    cJSON_ArrayForEach(qs, member(q, "queryString"))
    {
        if (strcmp(jstr(qs, "name"), "client_secret") == 0) {
            cr_expect_str_eq(jstr(qs, "value"), "***");
            seen = 1;
        }
    }
    cr_expect(seen, "no client_secret in queryString");

    /* startReport: the bearer token masked, the body and the answer kept. */
    e = entry(har, 3);
    rq = member(e, "request");
    cr_expect_str_eq(har_header(member(rq, "headers"), "Authorization"), "Bearer ***");
    cr_expect_str_eq(jstr(member(rq, "postData"), "text"), ids_body);
    cJSON *started = jparse(jstr(member(member(e, "response"), "content"), "text"));
    cr_expect_str_eq(jstr(started, "id"), jstr(task, "id"));
    cJSON_Delete(started);
    cr_expect(is_hex32(jstr(e, "_trackingId")));
    /* The 404, and the streamed download: no text kept, size unknown. */
    cr_expect_eq(jnum(member(entry(har, 4), "response"), "status"), 404);
    cr_expect_str_eq(jstr(member(entry(har, 4), "response"), "statusText"), "Not Found");
    rs = member(entry(har, 5), "response");
    cr_expect_eq(jnum(rs, "bodySize"), -1);
    cr_expect_str_eq(jstr(member(rs, "content"), "mimeType"), "application/csv");
    cr_expect_null(jstr(member(rs, "content"), "text"));
    cr_expect(har_header(member(rs, "headers"), "Content-Disposition") != NULL);

    cJSON_Delete(har);
    cJSON_Delete(task);
    free(text);
    free(tok);
    free(app_tok);
}

E2E_TEST(journal_export, bodies_are_cut)
{
    char *tok = e2e_token("demo-admin");
    size_t pad = 3 * BODY_MAX;
    char *body = malloc(pad + 100);
    int n = snprintf(body, pad + 100, "{\"reportType\":\"IDENTITIES\",\"arguments\":{\"x\":\"");
    memset(body + n, 'a', pad);
    strcpy(body + n + pad, "\"}}");
    struct http_res r;
    api_call(&r, "POST", "/v2024/reports/run", tok, body);
    cr_assert_eq(r.status, 200, "%s", r.body);
    http_res_free(&r);
    char ctype[128];
    char *text = export("format=har&operation=startReport", ctype, sizeof ctype);
    cJSON *har = jparse(text);
    const cJSON *rq = member(entry(har, 0), "request");
    cr_expect_eq(jnum(rq, "bodySize"), strlen(body));
    const cJSON *post = member(rq, "postData");
    cr_expect_eq(strlen(jstr(post, "text")), BODY_MAX);
    cr_expect(strncmp(jstr(post, "text"), body, BODY_MAX) == 0);
    cr_expect(jstr(post, "comment") && strstr(jstr(post, "comment"), "4096"), "no note of the cut");
    cJSON_Delete(har);
    free(text);
    free(body);
    free(tok);
}

E2E_TEST(journal_export, ndjson_one_object_per_line)
{
    char *tok = e2e_token("demo-app");
    cJSON *task = e2e_run("v2024", tok, ids_body);
    cJSON_Delete(e2e_result("v2024", tok, jstr(task, "id")));
    char ctype[128];
    char *text = export("format=ndjson", ctype, sizeof ctype);
    cr_expect_str_eq(ctype, "application/x-ndjson");
    cr_expect_eq(count_lines(text), 3);
    cr_expect_eq(text[strlen(text) - 1], '\n');
    int i = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"), i++) {
        cJSON *o = jparse(line);
        cr_expect_eq(jnum(o, "id"), i + 1, "oldest first");
        cr_expect(is_hex32(jstr(o, "trackingId")));
        const cJSON *rq = member(o, "request"), *rs = member(o, "response");
        cr_expect(cJSON_IsArray(member(rq, "headers")) && cJSON_IsArray(member(rs, "headers")));
        cr_expect(cJSON_IsNumber(member(rq, "bodySize")) && cJSON_IsNumber(member(rs, "bodySize")));
        if (i == 0) {
            cr_expect_str_eq(jstr(rq, "body"),
                             "grant_type=client_credentials&client_id=demo-app&client_secret=***");
            cr_expect(strstr(jstr(rs, "body"), "\"access_token\":\"***\"") != NULL);
        }
        if (i == 2) {
            cr_expect_str_eq(jstr(o, "operation"), "getReportResult");
            cr_expect(jnull(rq, "body"));
            cr_expect_str_eq(jstr(rs, "contentType"), "application/json");
        }
        cJSON_Delete(o);
    }
    cr_expect_eq(i, 3);
    free(text);
    /* The JSON format's filters apply. */
    text = export("format=ndjson&operation=startReport", ctype, sizeof ctype);
    cr_expect_eq(count_lines(text), 1);
    free(text);
    text = export("format=ndjson&limit=2&order=desc", ctype, sizeof ctype);
    cr_expect_eq(count_lines(text), 2);
    cJSON *first = jparse(strtok(text, "\n"));
    cr_expect_eq(jnum(first, "id"), 3);
    cJSON_Delete(first);
    free(text);
    ctl_400("GET", "/mock/requests?format=xml", NULL, "format");
    cJSON_Delete(task);
    free(tok);
}

E2E_TEST(journal_export, longer_than_a_page)
{
    e2e_restart((const char *[]){"--rate-limit", "0", NULL});
    char *tok = e2e_token("demo-app");
    enum { N = 150 };
    for (int i = 0; i < N; i++) {
        struct http_res r;
        api_call(&r, "GET", "/v2024/reports/missing/result", tok, NULL);
        cr_assert_eq(r.status, 404);
        http_res_free(&r);
    }
    char ctype[128];
    char *text = export("format=har", ctype, sizeof ctype);
    cJSON *har = jparse(text);
    const cJSON *entries = member(member(har, "log"), "entries");
    cr_assert_eq(cJSON_GetArraySize(entries), N + 1);
    double prev = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, entries)
    {
        cr_expect_gt(jnum(e, "_id"), prev, "ids ascending, each once");
        prev = jnum(e, "_id");
    }
    cJSON_Delete(har);
    free(text);
    text = export("format=ndjson&order=desc", ctype, sizeof ctype);
    cr_expect_eq(count_lines(text), N + 1);
    free(text);
    /* An empty journal is a HAR with no entries. */
    cJSON_Delete(ctl("DELETE", "/mock/requests", NULL, 204));
    text = export("format=har", ctype, sizeof ctype);
    har = jparse(text);
    cr_expect_eq(cJSON_GetArraySize(member(member(har, "log"), "entries")), 0);
    cJSON_Delete(har);
    free(text);
    free(tok);
}

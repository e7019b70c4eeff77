/*
 * test_ratelimit.c - the rate limit as a client meets it: COUNT requests per
 * window per client_id per API version, then 429 {"message": " Rate Limit
 * Exceeded "} with a Retry-After in whole seconds that is accurate on the
 * virtual clock; exact under concurrent requests; versions and clients
 * counted apart; 401 refusals not counted (and answered 401 even over the
 * limit), 403 refusals counted (the limiter runs before authorization); the
 * token endpoint and /mock/ never limited; --rate-limit 0, the default
 * 100/10, the env var, bad values, and POST /mock/reset clearing the
 * counters.
 *
 * A probe is GET /{ver}/reports/{unknown id}/result: admitted, it answers
 * 404 ErrorResponseDto; refused by the limiter, 429.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <curl/curl.h>

#include "harness.h"

#define SOME_ID "0123456789abcdef0123456789abcdef"
#define CLI_TIMEOUT_MS 15000

static const char *const ids_body =
    "{\"reportType\":\"IDENTITIES\",\"arguments\":{\"correlatedOnly\":true}}";

/* One probe on `ver` with `token`; `r` receives the answer (caller frees). */
static void probe_res(struct http_res *r, const char *ver, const char *token)
{
    char path[128];
    snprintf(path, sizeof path, "/%s/reports/%s/result", ver, SOME_ID);
    api_call(r, "GET", path, token, NULL);
}

/* Asserts that the next `n` probes are admitted (404, no Retry-After). */
static void expect_admitted(const char *ver, const char *token, int n, const char *what)
{
    for (int i = 0; i < n; i++) {
        struct http_res r;
        probe_res(&r, ver, token);
        cr_assert_eq(r.status, 404, "%s: request %d of %d on %s: %ld %s", what, i + 1, n, ver,
                     r.status, r.body);
        cr_expect_eq(http_header_count(&r, "Retry-After"), 0, "%s: Retry-After on an admitted one",
                     what);
        http_res_free(&r);
    }
}

/*
 * Asserts a limiter refusal: 429, a JSON body equal to {"message":" Rate
 * Limit Exceeded "}, one Retry-After of whole seconds (>= 1). Returns it.
 */
static long expect_429(const struct http_res *r, const char *what)
{
    char ra[64], ct[128];
    cr_assert_eq(r->status, 429, "%s: want 429, got %ld %s", what, r->status, r->body);
    cr_expect(http_header(r, "Content-Type", ct, sizeof ct) != NULL &&
                  strncmp(ct, "application/json", 16) == 0,
              "%s: 429 Content-Type", what);
    cr_assert(r->json != NULL, "%s: 429 body is not JSON: %s", what, r->body);
    assert_json_eq(r->json, "{\"message\":\" Rate Limit Exceeded \"}");
    cr_expect_eq(http_header_count(r, "Retry-After"), 1, "%s: one Retry-After", what);
    cr_assert(http_header(r, "Retry-After", ra, sizeof ra) != NULL, "%s: no Retry-After", what);
    cr_assert(ra[0] >= '1' && ra[0] <= '9' && strspn(ra, "0123456789") == strlen(ra) &&
                  strlen(ra) < 10,
              "%s: Retry-After is not whole seconds >= 1: \"%s\"", what, ra);
    return strtol(ra, NULL, 10);
}

/* The next probe is refused; returns its Retry-After. */
static long expect_refused(const char *ver, const char *token, const char *what)
{
    struct http_res r;
    probe_res(&r, ver, token);
    long ra = expect_429(&r, what);
    http_res_free(&r);
    return ra;
}

/* Restarts e2e_srv with the defaults plus --rate-limit `spec`. */
static void restart_with_limit(const char *spec)
{
    e2e_restart((const char *[]){"--rate-limit", spec, NULL});
}

static char *minted(const char *json)
{
    struct http_res r;
    api_call(&r, "POST", "/mock/tokens", NULL, json);
    cr_assert_eq(r.status, 200, "POST /mock/tokens %s: %ld %s", json, r.status, r.body);
    char *t = strdup(jstr(r.json, "access_token"));
    cr_assert(t != NULL);
    http_res_free(&r);
    return t;
}

E2E_TEST(ratelimit, five_then_429)
{
    restart_with_limit("5/10");
    char *tok = e2e_token("demo-app");
    expect_admitted("v2024", tok, 5, "5/10");
    cr_expect_eq(expect_refused("v2024", tok, "6th"), 10, "all at one instant: the whole window");
    /* Refusals are not counted, and do not move the window. */
    for (int i = 0; i < 5; i++)
        cr_expect_eq(expect_refused("v2024", tok, "again"), 10);

    /* Every operation is counted on the same key: startReport is refused too. */
    struct http_res r;
    api_call(&r, "POST", "/v2024/reports/run", tok, ids_body);
    expect_429(&r, "startReport over the limit");
    http_res_free(&r);
    api_call(&r, "POST", "/v2024/reports/" SOME_ID "/cancel", tok, NULL);
    expect_429(&r, "cancelReport over the limit");
    http_res_free(&r);
    free(tok);
}

/*
 * Retry-After accuracy. The window starts with the first request at T0; the
 * other requests of the window come `offset_ms` later, and the refused one
 * with them. Retry-After is the time left rounded up: a request at the
 * window end minus 1 ms is still refused (with Retry-After 1), one at the
 * window end is admitted, and so is one sent Retry-After seconds after the
 * refusal.
 */
struct ra_case {
    const char *spec;
    int count;
    int64_t window_ms;
    int64_t offset_ms;
    long retry_after;
};

static const struct ra_case ra_cases[] = {
    {"5/10", 5, 10000, 0, 10},     {"5/10", 5, 10000, 1, 10},       {"5/10", 5, 10000, 2500, 8},
    {"5/10", 5, 10000, 9000, 1},   {"5/10", 5, 10000, 9999, 1},     {"1/1", 1, 1000, 0, 1},
    {"3/60", 3, 60000, 30001, 30}, {"2/3600", 2, 3600000, 1, 3600},
};

E2E_TABLE_PARAMS(ratelimit, retry_after_is_accurate, ra_cases)

ParameterizedTest(size_t *i, ratelimit, retry_after_is_accurate, .fini = e2e_fini, .timeout = 90.)
{
    const struct ra_case *c = &ra_cases[*i];
    /* Tokens outlive the longest window here. */
    e2e_start((const char *[]){"--rate-limit", c->spec, "--token-ttl", "86400", NULL}, NULL, 1);
    char *tok = e2e_token("demo-app");
    char what[128];
    snprintf(what, sizeof what, "%s, offset %lld ms", c->spec, (long long)c->offset_ms);

    expect_admitted("v2024", tok, 1, what);
    if (c->offset_ms > 0)
        e2e_clock_advance(c->offset_ms);
    expect_admitted("v2024", tok, c->count - 1, what);
    long ra = expect_refused("v2024", tok, what);
    cr_expect_eq(ra, c->retry_after, "%s: Retry-After %ld, want %ld", what, ra, c->retry_after);

    /* The window's last millisecond: still refused, and never "0". */
    int64_t to_last = c->window_ms - 1 - c->offset_ms;
    if (to_last > 0)
        e2e_clock_advance(to_last);
    cr_expect_eq(expect_refused("v2024", tok, what), 1, "%s: 1 ms before the end", what);

    /* Retry-After seconds after the refusal: admitted, a new window. */
    e2e_clock_advance(c->offset_ms + ra * 1000 - (c->window_ms - 1));
    expect_admitted("v2024", tok, c->count, what);
    long again = expect_refused("v2024", tok, what);
    cr_expect_eq(again, c->window_ms / 1000, "%s: a full new window", what);
    free(tok);
    e2e_finish();
}

/* Whole-second Retry-After exactly: minus 1 ms refused, exactly admitted. */
E2E_TEST(ratelimit, retry_after_minus_1ms_refused_exactly_admitted)
{
    restart_with_limit("5/10");
    char *tok = e2e_token("demo-app");
    expect_admitted("v2024", tok, 5, "first window");
    long ra = expect_refused("v2024", tok, "6th");
    cr_assert_eq(ra, 10);
    e2e_clock_advance(ra * 1000 - 1);
    expect_refused("v2024", tok, "Retry-After minus 1 ms");
    e2e_clock_advance(1);
    expect_admitted("v2024", tok, 5, "exactly Retry-After later");
    expect_refused("v2024", tok, "second window full");
    free(tok);
}

/* Many requests at once on several worker threads: exactly COUNT are admitted. */
E2E_TEST(ratelimit, concurrent_requests_admit_exactly_the_count)
{
    enum { N = 40, LIMIT = 10 };
    e2e_restart((const char *[]){"--rate-limit", "10/10", "--threads", "4", NULL});
    char *tok = e2e_token("demo-app");
    char url[256], auth[4096];
    snprintf(url, sizeof url, "%s/v2024/reports/%s/result", e2e_srv.url, SOME_ID);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", tok);
    struct curl_slist *hl = curl_slist_append(NULL, auth);
    CURLM *multi = curl_multi_init();
    CURL *easy[N];
    cr_assert(hl != NULL && multi != NULL);
    for (int i = 0; i < N; i++) {
        easy[i] = curl_easy_init();
        cr_assert(easy[i] != NULL);
        curl_easy_setopt(easy[i], CURLOPT_URL, url);
        curl_easy_setopt(easy[i], CURLOPT_HTTPHEADER, hl);
        curl_easy_setopt(easy[i], CURLOPT_NOPROXY, "*");
        curl_easy_setopt(easy[i], CURLOPT_TIMEOUT, 30L);
        curl_easy_setopt(easy[i], CURLOPT_WRITEFUNCTION, e2e_discard);
        curl_easy_setopt(easy[i], CURLOPT_FORBID_REUSE, 1L);
        curl_multi_add_handle(multi, easy[i]);
    }
    int running = 1;
    while (running > 0) {
        cr_assert_eq(curl_multi_perform(multi, &running), CURLM_OK);
        if (running > 0)
            curl_multi_poll(multi, NULL, 0, 100, NULL);
    }
    int admitted = 0, refused = 0;
    for (int i = 0; i < N; i++) {
        long st = 0;
        curl_easy_getinfo(easy[i], CURLINFO_RESPONSE_CODE, &st);
        admitted += st == 404;
        refused += st == 429;
        curl_multi_remove_handle(multi, easy[i]);
        curl_easy_cleanup(easy[i]);
    }
    curl_multi_cleanup(multi);
    curl_slist_free_all(hl);
    cr_expect_eq(admitted, LIMIT, "%d admitted of %d concurrent requests", admitted, N);
    cr_expect_eq(refused, N - LIMIT, "%d refused", refused);
    expect_refused("v2024", tok, "after the burst");
    free(tok);
}

E2E_TEST(ratelimit, versions_counted_apart)
{
    restart_with_limit("5/10");
    char *tok = e2e_token("demo-app");
    expect_admitted("v2024", tok, 5, "v2024");
    expect_refused("v2024", tok, "v2024 full");
    expect_admitted("v3", tok, 5, "v3 has its own count");
    expect_refused("v3", tok, "v3 full");
    expect_admitted("v2025", tok, 5, "v2025 has its own count");
    expect_refused("v2025", tok, "v2025 full");
    expect_refused("v2024", tok, "v2024 still full");
    free(tok);
}

E2E_TEST(ratelimit, clients_counted_apart)
{
    restart_with_limit("5/10");
    char *app = e2e_token("demo-app");
    char *admin = e2e_token("demo-admin");
    expect_admitted("v2024", app, 5, "demo-app");
    expect_refused("v2024", app, "demo-app full");
    expect_admitted("v2024", admin, 5, "demo-admin has its own count");
    expect_refused("v2024", admin, "demo-admin full");

    /* Counted per client_id, not per token: a new token of demo-app is still over. */
    char *app2 = e2e_token("demo-app");
    expect_refused("v2024", app2, "another demo-app token");
    char *app3 = minted("{\"clientId\":\"demo-app\"}");
    expect_refused("v2024", app3, "a minted demo-app token");
    /* A minted token for a client id nobody used yet starts at zero. */
    char *bot = minted("{\"clientId\":\"ci-bot\",\"scopes\":\"sp:report:read\"}");
    expect_admitted("v2024", bot, 5, "ci-bot");
    expect_refused("v2024", bot, "ci-bot full");
    free(app);
    free(app2);
    free(app3);
    free(admin);
    free(bot);
}

E2E_TEST(ratelimit, unauthenticated_not_counted)
{
    restart_with_limit("5/10");
    char *expired = minted("{\"clientId\":\"demo-app\",\"ttlSeconds\":-60}");
    for (int i = 0; i < 12; i++) {
        struct http_res r;
        probe_res(&r, "v2024", expired);
        assert_401(&r, "JWT validation failed: JWT is expired");
        http_res_free(&r);
        probe_res(&r, "v2024", "garbage");
        assert_401(&r, NULL);
        http_res_free(&r);
        probe_res(&r, "v2024", NULL);
        assert_401(&r, NULL);
        http_res_free(&r);
    }
    char *tok = e2e_token("demo-app");
    expect_admitted("v2024", tok, 5, "after 36 refused-as-401 requests");
    expect_refused("v2024", tok, "6th");
    free(tok);
    free(expired);
}

/* Authentication answers first: over its limit, a client without a valid token still gets 401. */
E2E_TEST(ratelimit, over_the_limit_401_comes_first)
{
    restart_with_limit("5/10");
    char *tok = e2e_token("demo-app");
    char *expired = minted("{\"clientId\":\"demo-app\",\"ttlSeconds\":-60}");
    expect_admitted("v2024", tok, 5, "demo-app");
    expect_refused("v2024", tok, "demo-app full");

    struct http_res r;
    probe_res(&r, "v2024", expired);
    assert_401(&r, "JWT validation failed: JWT is expired");
    cr_expect_eq(http_header_count(&r, "Retry-After"), 0, "a 401 has no Retry-After");
    http_res_free(&r);
    probe_res(&r, "v2024", "not.a.jwt");
    assert_401(&r, NULL);
    http_res_free(&r);
    probe_res(&r, "v2024", NULL);
    assert_401(&r, NULL);
    http_res_free(&r);
    api_call(&r, "POST", "/v2024/reports/run", NULL, ids_body);
    assert_401(&r, NULL);
    http_res_free(&r);
    expect_refused("v2024", tok, "the valid token is still over");
    free(expired);
    free(tok);
}

/* The limiter runs before authorization: 403 refusals are counted, and a 429 beats a 403. */
E2E_TEST(ratelimit, forbidden_refusals_are_counted)
{
    restart_with_limit("5/10");
    char *reader = e2e_token("demo-reader");
    for (int i = 0; i < 5; i++) {
        struct http_res r;
        api_call(&r, "POST", "/v2024/reports/run", reader, ids_body);
        assert_error_dto(&r, 403, "sp:report:manage");
        http_res_free(&r);
    }
    /* An operation the reader may call is over the limit now. */
    expect_refused("v2024", reader, "after five 403s");
    struct http_res r;
    api_call(&r, "POST", "/v2024/reports/run", reader, ids_body);
    expect_429(&r, "startReport: 429 before 403");
    http_res_free(&r);
    free(reader);
}

E2E_TEST(ratelimit, token_endpoint_and_control_never_limited)
{
    restart_with_limit("2/10");
    for (int i = 0; i < 25; i++) {
        char *tok = e2e_token("demo-app"); /* asserts a 200 */
        free(tok);
        struct http_res r;
        api_call(&r, "GET", "/mock/health", NULL, NULL);
        cr_assert_eq(r.status, 200, "/mock/health #%d: %ld %s", i + 1, r.status, r.body);
        http_res_free(&r);
        api_call(&r, "GET", "/mock/requests", NULL, NULL);
        cr_assert_eq(r.status, 200, "/mock/requests #%d: %ld %s", i + 1, r.status, r.body);
        http_res_free(&r);
    }
    /* Even with an API token on them. */
    char *tok = e2e_token("demo-app");
    char hdr[4096];
    snprintf(hdr, sizeof hdr, "Authorization: Bearer %s", tok);
    for (int i = 0; i < 5; i++) {
        struct http_res r;
        http_req(&r, "GET", "/mock/clock", (const char *[]){hdr, NULL}, NULL, 0);
        cr_assert_eq(r.status, 200, "/mock/clock with a token #%d: %ld", i + 1, r.status);
        http_res_free(&r);
    }
    /* None of that used the API's allowance. */
    expect_admitted("v2024", tok, 2, "after 25 token requests");
    expect_refused("v2024", tok, "3rd");
    free(tok);
}

E2E_TEST(ratelimit, zero_turns_it_off)
{
    restart_with_limit("0");
    char *tok = e2e_token("demo-app");
    expect_admitted("v2024", tok, 300, "--rate-limit 0");
    free(tok);
}

E2E_TEST(ratelimit, default_is_100_per_10s)
{
    /* e2e_init started the server without --rate-limit and without ISC_MOCK_* variables. */
    char *tok = e2e_token("demo-app");
    expect_admitted("v2024", tok, 100, "default");
    cr_expect_eq(expect_refused("v2024", tok, "101st"), 10);
    e2e_clock_advance(9999);
    expect_refused("v2024", tok, "9.999 s later");
    e2e_clock_advance(1);
    expect_admitted("v2024", tok, 1, "10 s later");
    free(tok);
}

E2E_TEST(ratelimit, environment_variable)
{
    e2e_finish();
    e2e_start(NULL, (const char *[]){"ISC_MOCK_RATE_LIMIT=3/10", NULL}, 1);
    char *tok = e2e_token("demo-app");
    expect_admitted("v2024", tok, 3, "ISC_MOCK_RATE_LIMIT=3/10");
    expect_refused("v2024", tok, "4th");
    free(tok);

    /* The flag wins over the variable. */
    e2e_finish();
    e2e_start((const char *[]){"--rate-limit", "4/10", NULL},
              (const char *[]){"ISC_MOCK_RATE_LIMIT=1/10", NULL}, 1);
    tok = e2e_token("demo-app");
    expect_admitted("v2024", tok, 4, "--rate-limit 4/10 over ISC_MOCK_RATE_LIMIT=1/10");
    expect_refused("v2024", tok, "5th");
    free(tok);

    e2e_finish();
    e2e_start(NULL, (const char *[]){"ISC_MOCK_RATE_LIMIT=0", NULL}, 1);
    tok = e2e_token("demo-app");
    expect_admitted("v2024", tok, 150, "ISC_MOCK_RATE_LIMIT=0");
    free(tok);
}

E2E_TEST(ratelimit, reset_clears_the_counters)
{
    restart_with_limit("5/10");
    char *tok = e2e_token("demo-app");
    char *admin = e2e_token("demo-admin");
    expect_admitted("v2024", tok, 5, "before reset");
    expect_refused("v2024", tok, "full");
    expect_admitted("v3", admin, 5, "before reset");
    expect_refused("v3", admin, "full");

    struct http_res r;
    api_call(&r, "POST", "/mock/reset", NULL, NULL);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    http_res_free(&r);

    expect_admitted("v2024", tok, 5, "after reset");
    expect_refused("v2024", tok, "full again");
    expect_admitted("v3", admin, 5, "after reset");
    free(admin);
    free(tok);
}

/* Values --rate-limit (or ISC_MOCK_RATE_LIMIT) refuses: exit 2 with one line naming it. */
struct bad_limit {
    const char *id;
    const char *value; /* for --rate-limit VALUE */
    const char *env;   /* instead, ISC_MOCK_RATE_LIMIT=... */
};

static const struct bad_limit bad_limits[] = {
    {"empty", "", NULL},
    {"word", "lots", NULL},
    {"count_only", "5", NULL},
    {"no_seconds", "5/", NULL},
    {"no_count", "/10", NULL},
    {"zero_count", "0/10", NULL},
    {"zero_seconds", "5/0", NULL},
    {"negative_count", "-1/10", NULL},
    {"negative_seconds", "5/-10", NULL},
    {"plus_sign", "+5/10", NULL},
    {"three_parts", "5/10/1", NULL},
    {"fraction", "1.5/10", NULL},
    {"unit", "5/10s", NULL},
    {"leading_space", " 5/10", NULL},
    {"inner_space", "5 /10", NULL},
    {"trailing_space", "5/10 ", NULL},
    {"colon", "5:10", NULL},
    {"hex", "0x10/10", NULL},
    {"count_over_int", "2147483648/10", NULL},
    {"seconds_over_int", "5/2147483648", NULL},
    {"huge", "99999999999999999999/10", NULL},
    {"env_word", NULL, "ISC_MOCK_RATE_LIMIT=lots"},
    {"env_count_only", NULL, "ISC_MOCK_RATE_LIMIT=100"},
    {"env_zero_seconds", NULL, "ISC_MOCK_RATE_LIMIT=100/0"},
};

E2E_TABLE_PARAMS(ratelimit, bad_values_exit_2, bad_limits)

ParameterizedTest(size_t *i, ratelimit, bad_values_exit_2, .timeout = 30.)
{
    const struct bad_limit *c = &bad_limits[*i];
    struct cli_result r;
    if (c->value != NULL)
        cli_run((const char *[]){"--port", "0", "--rate-limit", c->value, NULL}, NULL,
                CLI_TIMEOUT_MS, &r);
    else
        cli_run((const char *[]){"--port", "0", NULL}, (const char *[]){c->env, NULL},
                CLI_TIMEOUT_MS, &r);
    cr_expect_eq(r.exit_code, 2, "%s: exit %d (stdout \"%s\", stderr \"%s\")", c->id, r.exit_code,
                 r.out, r.err);
    cr_expect_eq(count_lines(r.err), 1, "%s: stderr is not one line: \"%s\"", c->id, r.err);
    cr_expect(strstr(r.err, c->value != NULL ? "--rate-limit" : "ISC_MOCK_RATE_LIMIT") != NULL,
              "%s: the error does not name the setting: \"%s\"", c->id, r.err);
    cr_expect(strstr(r.out, "listening on") == NULL, "%s: it started: %s", c->id, r.out);
    cli_result_free(&r);
}

/* The "--rate-limit=VALUE" spelling and a missing value. */
Test(ratelimit, bad_value_forms_exit_2, .timeout = 30.)
{
    static const char *const forms[][4] = {
        {"--rate-limit=5", NULL},
        {"--rate-limit=", NULL},
        {"--rate-limit", NULL},
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        struct cli_result r;
        cli_run((const char *[]){"--port", "0", forms[i][0], NULL}, NULL, CLI_TIMEOUT_MS, &r);
        cr_expect_eq(r.exit_code, 2, "%s: exit %d (stderr \"%s\")", forms[i][0], r.exit_code,
                     r.err);
        cr_expect_eq(count_lines(r.err), 1, "%s: stderr \"%s\"", forms[i][0], r.err);
        cli_result_free(&r);
    }
}

/* Good edge values start the server. */
E2E_TEST(ratelimit, edge_values_accepted)
{
    static const char *const good[] = {"1/1", "2147483647/2147483647", "05/010"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        restart_with_limit(good[i]);
        char *tok = e2e_token("demo-app");
        expect_admitted("v2024", tok, 1, good[i]);
        free(tok);
    }
    /* "05/010" is 5 per 10 s. */
    char *tok = e2e_token("demo-app");
    expect_admitted("v2024", tok, 4, "05/010");
    cr_expect_eq(expect_refused("v2024", tok, "05/010"), 10);
    free(tok);
}

/*
 * test_limiter.c - the rate limiter with explicit instants (no sleeping):
 * counting, Retry-After at and around the window's edges, independent keys,
 * the memory bound, parsing of --rate-limit, and exact counting under
 * threads.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "auth/limiter.h"

#define T0 1767225600000LL /* 2026-01-01T00:00:00Z */

static struct limiter *make(int count, int64_t window_ms, size_t max_keys)
{
    struct limiter *l = limiter_new(count, window_ms, max_keys);
    cr_assert_not_null(l);
    return l;
}

/* 0 admitted, 1 refused; *retry gets -1 when admitted. */
static int take(struct limiter *l, const char *client, const char *version, int64_t now,
                int64_t *retry)
{
    int64_t r = -1;
    int rc = limiter_take(l, client, version, now, &r);
    if (retry)
        *retry = rc ? r : -1;
    return rc;
}

Test(limiter, admits_count_then_refuses)
{
    struct limiter *l = make(3, 10000, 16);
    int64_t r;
    for (int i = 0; i < 3; i++)
        cr_assert_eq(take(l, "demo-app", "v2024", T0 + i, &r), 0, "request %d", i + 1);
    cr_assert_eq(take(l, "demo-app", "v2024", T0 + 3, &r), 1);
    cr_assert_eq(r, 10, "9997 ms left is 10 s");
    cr_assert_eq(limiter_size(l), 1);
    limiter_free(l);
}

Test(limiter, count_of_one)
{
    struct limiter *l = make(1, 1000, 4);
    cr_assert_eq(take(l, "c", "v3", T0, NULL), 0);
    cr_assert_eq(take(l, "c", "v3", T0, NULL), 1);
    cr_assert_eq(take(l, "c", "v3", T0 + 999, NULL), 1);
    cr_assert_eq(take(l, "c", "v3", T0 + 1000, NULL), 0);
    limiter_free(l);
}

/* One request opens the window at T0 (count 1); the next comes `offset` ms later. */
struct retry_case {
    int64_t window_ms;
    int64_t offset_ms;
    int refused;
    int64_t retry_s;
};

ParameterizedTestParameters(limiter, retry_after)
{
    static struct retry_case cases[] = {
        {10000, 0, 1, 10},     {10000, 1, 1, 10},   {10000, 999, 1, 10},   {10000, 1000, 1, 9},
        {10000, 1001, 1, 9},   {10000, 5500, 1, 5}, {10000, 8999, 1, 2},   {10000, 9000, 1, 1},
        {10000, 9001, 1, 1},   {10000, 9999, 1, 1}, {10000, 10000, 0, -1}, {10000, 10001, 0, -1},
        {10000, 60000, 0, -1}, {2500, 0, 1, 3},     {2500, 499, 1, 3},     {2500, 500, 1, 2},
        {2500, 1499, 1, 2},    {2500, 1500, 1, 1},  {2500, 2499, 1, 1},    {2500, 2500, 0, -1},
        {1, 0, 1, 1},          {1, 1, 0, -1},       {999, 998, 1, 1},      {1001, 0, 1, 2},
        {1001, 1, 1, 1},
    };
    return cr_make_param_array(struct retry_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct retry_case *c, limiter, retry_after)
{
    struct limiter *l = make(1, c->window_ms, 4);
    int64_t r;
    cr_assert_eq(take(l, "demo-app", "v2024", T0, &r), 0);
    cr_assert_eq(take(l, "demo-app", "v2024", T0 + c->offset_ms, &r), c->refused,
                 "window %lld, offset %lld", (long long)c->window_ms, (long long)c->offset_ms);
    cr_assert_eq(r, c->retry_s, "window %lld, offset %lld: Retry-After %lld",
                 (long long)c->window_ms, (long long)c->offset_ms, (long long)r);
    limiter_free(l);
}

/* For every refusal: sending after Retry-After seconds is admitted, and one
 * second less would not have been (the value is as small as it can be). */
Test(limiter, retry_after_is_exact)
{
    static const int64_t windows[] = {1, 999, 1000, 1001, 2500, 10000};
    for (size_t w = 0; w < sizeof windows / sizeof windows[0]; w++) {
        for (int64_t off = 0; off<windows[w]; off += windows[w]> 100 ? 7 : 1) {
            struct limiter *l = make(2, windows[w], 4);
            int64_t r, r2;
            cr_assert_eq(take(l, "k", "v2024", T0, NULL), 0);
            cr_assert_eq(take(l, "k", "v2024", T0, NULL), 0);
            cr_assert_eq(take(l, "k", "v2024", T0 + off, &r), 1);
            cr_assert(r >= 1);
            cr_assert_eq(take(l, "k", "v2024", T0 + off + (r - 1) * 1000, &r2), 1,
                         "window %lld offset %lld: %lld s would be too early",
                         (long long)windows[w], (long long)off, (long long)(r - 1));
            cr_assert_eq(take(l, "k", "v2024", T0 + off + r * 1000, &r2), 0,
                         "window %lld offset %lld: refused after Retry-After %lld s",
                         (long long)windows[w], (long long)off, (long long)r);
            limiter_free(l);
        }
    }
}

Test(limiter, next_window_admits_count_again)
{
    struct limiter *l = make(2, 10000, 4);
    for (int round = 0; round < 3; round++) {
        int64_t start = T0 + round * 10000;
        cr_assert_eq(take(l, "c", "v2024", start, NULL), 0, "round %d", round);
        cr_assert_eq(take(l, "c", "v2024", start + 5000, NULL), 0, "round %d", round);
        cr_assert_eq(take(l, "c", "v2024", start + 9999, NULL), 1, "round %d", round);
    }
    limiter_free(l);
}

Test(limiter, window_starts_at_first_request)
{
    struct limiter *l = make(1, 10000, 4);
    int64_t r;
    /* The window of a key opens with its own first request, not on a fixed grid. */
    cr_assert_eq(take(l, "c", "v2024", T0 + 7300, NULL), 0);
    cr_assert_eq(take(l, "c", "v2024", T0 + 10000, &r), 1);
    cr_assert_eq(r, 8, "7300 ms left");
    cr_assert_eq(take(l, "c", "v2024", T0 + 17299, NULL), 1);
    cr_assert_eq(take(l, "c", "v2024", T0 + 17300, NULL), 0);
    limiter_free(l);
}

Test(limiter, refused_requests_do_not_count)
{
    struct limiter *l = make(2, 10000, 4);
    int64_t r;
    cr_assert_eq(take(l, "c", "v2024", T0, NULL), 0);
    cr_assert_eq(take(l, "c", "v2024", T0, NULL), 0);
    /* Hammering while refused neither extends the window nor uses the next one. */
    for (int i = 1; i <= 500; i++) {
        cr_assert_eq(take(l, "c", "v2024", T0 + i * 10, &r), 1);
        cr_assert_eq(r, (10000 - i * 10 + 999) / 1000, "at +%d ms", i * 10);
    }
    cr_assert_eq(take(l, "c", "v2024", T0 + 10000, NULL), 0);
    cr_assert_eq(take(l, "c", "v2024", T0 + 10000, NULL), 0);
    cr_assert_eq(take(l, "c", "v2024", T0 + 10000, NULL), 1);
    limiter_free(l);
}

Test(limiter, keys_are_per_client_and_version)
{
    struct limiter *l = make(1, 10000, 16);
    cr_assert_eq(take(l, "demo-app", "v2024", T0, NULL), 0);
    cr_assert_eq(take(l, "demo-app", "v2024", T0, NULL), 1);
    cr_assert_eq(take(l, "demo-app", "v3", T0, NULL), 0, "/v3 is counted apart");
    cr_assert_eq(take(l, "demo-app", "v3", T0, NULL), 1);
    cr_assert_eq(take(l, "demo-admin", "v2024", T0, NULL), 0, "another client");
    cr_assert_eq(take(l, "demo-admin", "v2024", T0, NULL), 1);
    /* No two (client, version) pairs share a key, however they concatenate. */
    cr_assert_eq(take(l, "ab", "c", T0, NULL), 0);
    cr_assert_eq(take(l, "b", "ca", T0, NULL), 0);
    cr_assert_eq(take(l, "c", "ab", T0, NULL), 0);
    cr_assert_eq(take(l, "", "v2024", T0, NULL), 0);
    cr_assert_eq(take(l, NULL, "v2024", T0, NULL), 1, "NULL client_id counts as \"\"");
    cr_assert_eq(take(l, "x", NULL, T0, NULL), 0);
    cr_assert_eq(take(l, "x", "", T0, NULL), 1, "NULL version counts as \"\"");
    cr_assert_eq(limiter_size(l), 8);
    limiter_free(l);
}

Test(limiter, long_client_ids_are_told_apart)
{
    char a[400], b[400];
    memset(a, 'a', sizeof a - 1);
    a[sizeof a - 1] = '\0';
    memcpy(b, a, sizeof b);
    b[sizeof b - 2] = 'b'; /* differs only in the last byte */
    struct limiter *l = make(1, 10000, 16);
    cr_assert_eq(take(l, a, "v2024", T0, NULL), 0);
    cr_assert_eq(take(l, b, "v2024", T0, NULL), 0);
    cr_assert_eq(take(l, a, "v2024", T0, NULL), 1);
    cr_assert_eq(take(l, b, "v2024", T0, NULL), 1);
    a[200] = '\0'; /* a prefix of both is a third key */
    cr_assert_eq(take(l, a, "v2024", T0, NULL), 0);
    cr_assert_eq(limiter_size(l), 3);
    limiter_free(l);
}

Test(limiter, zero_count_is_off)
{
    struct limiter *l = limiter_new(0, 0, 0);
    cr_assert_not_null(l);
    for (int i = 0; i < 1000; i++)
        cr_assert_eq(take(l, "demo-app", "v2024", T0, NULL), 0);
    cr_assert_eq(limiter_size(l), 0);
    limiter_reset(l);
    limiter_free(l);
    /* A NULL limiter admits everything too; the NULL calls are no-ops. */
    cr_assert_eq(limiter_take(NULL, "c", "v2024", T0, NULL), 0);
    cr_assert_eq(limiter_size(NULL), 0);
    limiter_reset(NULL);
    limiter_free(NULL);
}

Test(limiter, new_refuses_bad_arguments)
{
    cr_assert_null(limiter_new(-1, 10000, 16));
    cr_assert_null(limiter_new(1, 0, 16));
    cr_assert_null(limiter_new(1, -1000, 16));
    cr_assert_null(limiter_new(1, 10000, 0));
    cr_assert_null(limiter_new(1, 10000, (size_t)LIMITER_KEYS_MAX + 1));
    cr_assert_null(limiter_new(1, INT64_MAX / 2 + 1, 16));
    struct limiter *l = limiter_new(INT_MAX, INT64_MAX / 2, 1);
    cr_assert_not_null(l, "extreme but valid");
    cr_assert_eq(take(l, "c", "v", T0, NULL), 0);
    limiter_free(l);
}

Test(limiter, reset_forgets_counters)
{
    struct limiter *l = make(1, 10000, 16);
    cr_assert_eq(take(l, "a", "v2024", T0, NULL), 0);
    cr_assert_eq(take(l, "b", "v2024", T0, NULL), 0);
    cr_assert_eq(take(l, "a", "v2024", T0, NULL), 1);
    limiter_reset(l);
    cr_assert_eq(limiter_size(l), 0);
    cr_assert_eq(take(l, "a", "v2024", T0, NULL), 0);
    cr_assert_eq(take(l, "a", "v2024", T0, NULL), 1);
    limiter_free(l);
}

Test(limiter, clock_set_back_a_window_starts_a_new_window)
{
    struct limiter *l = make(1, 10000, 16);
    int64_t r;
    cr_assert_eq(take(l, "c", "v2024", T0, NULL), 0);
    cr_assert_eq(take(l, "c", "v2024", T0 + 1, &r), 1);
    /* A virtual clock set an hour back: no Retry-After of an hour and more. */
    cr_assert_eq(take(l, "c", "v2024", T0 - 3600000, NULL), 0);
    cr_assert_eq(take(l, "c", "v2024", T0 - 3600000 + 1, &r), 1);
    cr_assert_eq(r, 10);
    /* Exactly one window back is a new window too. */
    cr_assert_eq(take(l, "c", "v2024", T0 - 3600000 - 10000, NULL), 0);
    limiter_free(l);
}

/* Threads read the clock before taking the lock, so a request may be dated
 * a few ms before the window that another thread just opened. */
Test(limiter, slightly_early_requests_count_in_the_running_window)
{
    struct limiter *l = make(2, 10000, 16);
    int64_t r;
    cr_assert_eq(take(l, "c", "v2024", T0, NULL), 0);
    cr_assert_eq(take(l, "c", "v2024", T0 - 3, NULL), 0, "counted, not a new window");
    cr_assert_eq(take(l, "c", "v2024", T0 - 5, &r), 1);
    cr_assert_eq(r, 11, "10005 ms left until the window's end");
    cr_assert_eq(take(l, "c", "v2024", T0 - 9999, &r), 1);
    cr_assert_eq(r, 20);
    cr_assert_eq(take(l, "c", "v2024", T0 - 5 + 10000, NULL), 1, "10 s would be too early");
    cr_assert_eq(take(l, "c", "v2024", T0 - 5 + 11000, NULL), 0, "after Retry-After");
    limiter_free(l);
}

Test(limiter, extreme_instants)
{
    struct limiter *l = make(1, 10000, 4);
    int64_t r;
    cr_assert_eq(take(l, "c", "v", INT64_MAX - 5, NULL), 0);
    cr_assert_eq(take(l, "c", "v", INT64_MAX, &r), 1);
    cr_assert_eq(r, 10, "9995 ms left");
    cr_assert_eq(take(l, "c", "v", INT64_MIN, NULL), 0, "far back: a new window");
    cr_assert_eq(take(l, "c", "v", INT64_MIN + 9999, &r), 1);
    cr_assert_eq(r, 1);
    cr_assert_eq(take(l, "c", "v", INT64_MAX, NULL), 0, "far ahead: expired");
    cr_assert_eq(take(l, "d", "v", 0, NULL), 0);
    cr_assert_eq(take(l, "d", "v", -1, &r), 1, "just before its start");
    cr_assert_eq(r, 11);
    cr_assert_eq(take(l, "e", "v", INT64_MIN, NULL), 0);
    cr_assert_eq(take(l, "e", "v", INT64_MAX, NULL), 0);
    cr_assert_eq(take(l, "e", "v", INT64_MIN, NULL), 0);
    limiter_free(l);
}

static void key_name(char *buf, size_t cap, int i)
{
    snprintf(buf, cap, "client-%d", i);
}

Test(limiter, memory_stays_bounded_and_recent_keys_stay_limited)
{
    enum { MAX = 64, KEYS = 20000 };
    struct limiter *l = make(2, 10000, MAX);
    char k[32];
    /* Far more keys than max_keys, all within one window: the oldest go. */
    for (int i = 0; i < KEYS; i++) {
        key_name(k, sizeof k, i);
        cr_assert_eq(take(l, k, "v2024", T0 + i / 4, NULL), 0, "%s", k);
        cr_assert(limiter_size(l) <= MAX);
    }
    cr_assert_eq(limiter_size(l), MAX);
    /* The most recent keys keep their counts: one more admitted, then refused. */
    for (int i = KEYS - MAX; i < KEYS; i++) {
        key_name(k, sizeof k, i);
        cr_assert_eq(take(l, k, "v2024", T0 + KEYS / 4, NULL), 0, "%s", k);
        cr_assert_eq(take(l, k, "v2024", T0 + KEYS / 4, NULL), 1, "%s", k);
    }
    /* Still usable after the churn: every lookup finds what it should. */
    cr_assert_eq(limiter_size(l), MAX);
    limiter_free(l);
}

Test(limiter, expired_windows_go_before_running_ones)
{
    enum { MAX = 64 };
    struct limiter *l = make(2, 10000, MAX);
    char k[32];
    /* Half the keys start at T0, half at T0 + 5 s. */
    for (int i = 0; i < MAX; i++) {
        key_name(k, sizeof k, i);
        cr_assert_eq(take(l, k, "v2024", i < MAX / 2 ? T0 : T0 + 5000, NULL), 0);
    }
    cr_assert_eq(limiter_size(l), MAX);
    /* At T0 + 10 s the first half has expired: a new key drops them, not the second half. */
    cr_assert_eq(take(l, "newcomer", "v2024", T0 + 10000, NULL), 0);
    cr_assert_eq(limiter_size(l), MAX / 2 + 1);
    for (int i = MAX / 2; i < MAX; i++) {
        key_name(k, sizeof k, i);
        cr_assert_eq(take(l, k, "v2024", T0 + 10000, NULL), 0, "%s", k);
        cr_assert_eq(take(l, k, "v2024", T0 + 10000, NULL), 1, "%s keeps its count", k);
    }
    /* With every window running, a new key evicts the oldest one (newcomer stays). */
    for (int i = 0; i < MAX / 2 - 1; i++) {
        key_name(k, sizeof k, 1000 + i);
        cr_assert_eq(take(l, k, "v2024", T0 + 10001, NULL), 0);
    }
    cr_assert_eq(limiter_size(l), MAX);
    cr_assert_eq(take(l, "late", "v2024", T0 + 10002, NULL), 0);
    cr_assert_eq(limiter_size(l), MAX);
    key_name(k, sizeof k, MAX / 2);
    cr_assert_eq(take(l, k, "v2024", T0 + 10002, NULL), 0, "the oldest was evicted: fresh window");
    cr_assert_eq(take(l, "newcomer", "v2024", T0 + 10002, NULL), 0);
    cr_assert_eq(take(l, "newcomer", "v2024", T0 + 10002, NULL), 1, "newcomer kept its count");
    limiter_free(l);
}

Test(limiter, single_slot)
{
    struct limiter *l = make(1, 10000, 1);
    cr_assert_eq(take(l, "a", "v", T0, NULL), 0);
    cr_assert_eq(take(l, "a", "v", T0, NULL), 1);
    cr_assert_eq(take(l, "b", "v", T0, NULL), 0, "evicts a");
    cr_assert_eq(take(l, "b", "v", T0, NULL), 1);
    cr_assert_eq(limiter_size(l), 1);
    limiter_free(l);
}

struct parse_case {
    char spec[32];
    int ok;
    int count;
    int64_t window_ms;
};

ParameterizedTestParameters(limiter, parse)
{
    static struct parse_case cases[] = {
        {"100/10", 1, 100, 10000},
        {"1/1", 1, 1, 1000},
        {"5/60", 1, 5, 60000},
        {"0", 1, 0, 0},
        {"010/10", 1, 10, 10000},
        {"2147483647/2147483647", 1, INT_MAX, 2147483647000LL},
        {"", 0, 0, 0},
        {"100", 0, 0, 0},
        {"100/", 0, 0, 0},
        {"/10", 0, 0, 0},
        {"/", 0, 0, 0},
        {"100/0", 0, 0, 0},
        {"0/10", 0, 0, 0},
        {"0/0", 0, 0, 0},
        {"00", 0, 0, 0},
        {"-1/10", 0, 0, 0},
        {"1/-10", 0, 0, 0},
        {"+1/10", 0, 0, 0},
        {"1/+10", 0, 0, 0},
        {"1/10x", 0, 0, 0},
        {"x1/10", 0, 0, 0},
        {" 1/10", 0, 0, 0},
        {"1/10 ", 0, 0, 0},
        {"1 /10", 0, 0, 0},
        {"1//10", 0, 0, 0},
        {"1/10/1", 0, 0, 0},
        {"1.5/10", 0, 0, 0},
        {"1/1.5", 0, 0, 0},
        {"a/b", 0, 0, 0},
        {"0x10/10", 0, 0, 0},
        {"2147483648/10", 0, 0, 0},
        {"10/2147483648", 0, 0, 0},
        {"99999999999999999999/1", 0, 0, 0},
        {"1/99999999999999999999", 0, 0, 0},
        {"off", 0, 0, 0},
    };
    return cr_make_param_array(struct parse_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct parse_case *c, limiter, parse)
{
    int count = -7;
    int64_t window = -7;
    int rc = limiter_parse(c->spec, &count, &window);
    if (!c->ok) {
        cr_assert_eq(rc, -1, "\"%s\" accepted", c->spec);
        cr_assert_eq(count, -7, "\"%s\": outputs untouched", c->spec);
        cr_assert_eq(window, -7, "\"%s\": outputs untouched", c->spec);
        return;
    }
    cr_assert_eq(rc, 0, "\"%s\" refused", c->spec);
    cr_assert_eq(count, c->count, "\"%s\"", c->spec);
    cr_assert_eq(window, c->window_ms, "\"%s\"", c->spec);
}

Test(limiter, parse_null_arguments)
{
    int count;
    int64_t window;
    cr_assert_eq(limiter_parse(NULL, &count, &window), -1);
    cr_assert_eq(limiter_parse("1/1", NULL, &window), -1);
    cr_assert_eq(limiter_parse("1/1", &count, NULL), -1);
}

/* ---- threads ---- */

enum { THREADS = 4, PER_THREAD = 5000, LIMIT = 7777 };

struct hammer {
    struct limiter *l;
    int admitted;
    int id;
};

static void *hammer_one_key(void *arg)
{
    struct hammer *h = arg;
    for (int i = 0; i < PER_THREAD; i++)
        if (limiter_take(h->l, "demo-app", "v2024", T0 + i % 1000, NULL) == 0)
            h->admitted++;
    return NULL;
}

Test(limiter, threads_admit_exactly_count)
{
    struct limiter *l = make(LIMIT, 10000, 16);
    pthread_t t[THREADS];
    struct hammer h[THREADS];
    for (int i = 0; i < THREADS; i++) {
        h[i] = (struct hammer){l, 0, i};
        cr_assert_eq(pthread_create(&t[i], NULL, hammer_one_key, &h[i]), 0);
    }
    int total = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        total += h[i].admitted;
    }
    cr_assert_eq(total, LIMIT, "admitted %d of %d", total, THREADS * PER_THREAD);
    limiter_free(l);
}

static void *hammer_many_keys(void *arg)
{
    struct hammer *h = arg;
    char k[32];
    for (int i = 0; i < PER_THREAD; i++) {
        snprintf(k, sizeof k, "t%d-%d", h->id, i % 300);
        if (limiter_take(h->l, k, i % 2 ? "v3" : "v2024", T0 + i, NULL) == 0)
            h->admitted++;
        if (i % 1000 == 999 && h->id == 0)
            limiter_reset(h->l);
    }
    return NULL;
}

Test(limiter, threads_churn_many_keys)
{
    struct limiter *l = make(3, 10000, 100);
    pthread_t t[THREADS];
    struct hammer h[THREADS];
    for (int i = 0; i < THREADS; i++) {
        h[i] = (struct hammer){l, 0, i};
        cr_assert_eq(pthread_create(&t[i], NULL, hammer_many_keys, &h[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        cr_assert(h[i].admitted > 0);
    }
    cr_assert(limiter_size(l) <= 100);
    limiter_free(l);
}

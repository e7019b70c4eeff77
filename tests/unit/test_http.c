/*
 * test_http.c - the transport's pure parts: the raw request-target check as
 * a table of cases, and the connection bounds (caps, eviction order, the
 * deadline) over real socket pairs, whose far ends show which connection
 * was shut down.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "http/conns.h"
#include "http/uri.h"

/* ---- uri_check ---- */

struct uri_case {
    char raw[96];
    enum uri_fault fault;
    char part[64];
};

ParameterizedTestParameters(uri, check)
{
    static struct uri_case cases[] = {
        {"/v2024/reports/abc/result", URI_OK, ""},
        {"/v2024/reports/abc?fileFormat=csv", URI_OK, ""},
        {"/mock/requests?path=%2Fv2024%2Freports", URI_OK, ""}, /* '/' in a value: kept */
        {"/v2024/reports/ab%252Fcd", URI_OK, ""},               /* a literal "%2F" */
        {"/v2024/reports/ab%2500", URI_OK, ""},                 /* a literal "%00" */
        {"/a%2", URI_OK, ""},                                   /* a cut escape: not one */
        {"/a%0?x=%0", URI_OK, ""},
        {"/a%zz%00", URI_PATH_NUL, "a%zz%00"},
        {"/v2024/reports/ab%2Fcd/result", URI_PATH_SLASH, "ab%2Fcd"},
        {"/v2024/reports/ab%2fcd/result", URI_PATH_SLASH, "ab%2fcd"},
        {"/v2024/reports/ab%00/result", URI_PATH_NUL, "ab%00"},
        {"/v2024/reports/ab%00", URI_PATH_NUL, "ab%00"},
        {"%2F", URI_PATH_SLASH, "%2F"},
        {"/x?fileFormat=csv%00pdf", URI_QUERY_NUL, "fileFormat"},
        {"/x?a=1&fileFormat=csv%00", URI_QUERY_NUL, "fileFormat"},
        {"/x?a%00b=1", URI_QUERY_NUL, "a%00b"},
        {"/x?%00", URI_QUERY_NUL, "%00"},
        {"/x?a=1&&b=%00&c", URI_QUERY_NUL, "b"},
        {"/x%2F?y=%00", URI_PATH_SLASH, "x%2F"}, /* the path is checked first */
        {"/x?q=%2F%2f", URI_OK, ""},
        {"/x?" /* a name longer than the verdict's buffer is cut */
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=%00",
         URI_QUERY_NUL, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
        {"", URI_OK, ""},
    };
    return cr_make_param_array(struct uri_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct uri_case *c, uri, check)
{
    /* An exact-size copy, so that ASan sees a read past the end. */
    size_t n = strlen(c->raw) + 1;
    char *raw = malloc(n);
    cr_assert_not_null(raw);
    memcpy(raw, c->raw, n);
    struct uri_verdict v;
    cr_expect_eq(uri_check(raw, &v), c->fault, "%s", c->raw);
    cr_expect_eq(v.fault, c->fault, "%s", c->raw);
    cr_expect_str_eq(v.part, c->part, "%s", c->raw);
    free(raw);
}

Test(uri, null_is_empty)
{
    struct uri_verdict v;
    cr_expect_eq(uri_check(NULL, &v), URI_OK);
}

/* ---- conns ---- */

#define PAIRS 8

/* Socket pairs: the server end [0] is registered, the client end [1] watched. */
static int pair[PAIRS][2];

static void pairs_open(void)
{
    for (int i = 0; i < PAIRS; i++)
        cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, pair[i]), 0);
}

static void pairs_close(void)
{
    for (int i = 0; i < PAIRS; i++) {
        close(pair[i][0]);
        close(pair[i][1]);
    }
}

/* 1 when the server end of pair i was shut down (its peer reads end of file). */
static int was_cut(int i)
{
    char c;
    ssize_t n = recv(pair[i][1], &c, 1, MSG_DONTWAIT);
    if (n == 0)
        return 1;
    cr_assert(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK), "pair %d: unexpected data", i);
    return 0;
}

static struct sockaddr_in ipv4(uint8_t last)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(0x7f000000u | last);
    return sa;
}

static enum conns_admission open_from(struct conns *cs, int i, uint8_t addr_last,
                                      struct conn_slot **slot)
{
    struct sockaddr_in sa = ipv4(addr_last);
    return conns_open(cs, pair[i][0], (struct sockaddr *)&sa, slot);
}

TestSuite(conns, .init = pairs_open, .fini = pairs_close);

/* Past the total cap, the oldest receiving connection (of any address) makes room. */
Test(conns, total_cap_evicts_the_oldest_receiving)
{
    struct conns_limits lim = {.max_total = 3, .max_per_address = 3, .deadline_ms = 60000};
    struct conns *cs = conns_new(&lim);
    struct conn_slot *s[PAIRS];
    cr_assert_not_null(cs);
    cr_expect_eq(open_from(cs, 0, 1, &s[0]), CONNS_ADMITTED);
    cr_expect_eq(open_from(cs, 1, 2, &s[1]), CONNS_ADMITTED);
    cr_expect_eq(open_from(cs, 2, 3, &s[2]), CONNS_ADMITTED);
    conns_handling(cs, s[0]); /* busy: never evicted */
    cr_expect_eq(open_from(cs, 3, 4, &s[3]), CONNS_MADE_ROOM);
    cr_expect(!was_cut(0) && was_cut(1) && !was_cut(2) && !was_cut(3));
    int open = 0, receiving = 0;
    conns_counts(cs, &open, &receiving);
    cr_expect_eq(open, 3);
    cr_expect_eq(receiving, 2);
    conns_close(cs, s[1]); /* libmicrohttpd closes the evicted one: counts do not move */
    conns_counts(cs, &open, &receiving);
    cr_expect_eq(open, 3);
    conns_free(cs);
}

/* Past the per-address cap, only that address's own oldest receiving connection goes. */
Test(conns, address_cap_evicts_its_own)
{
    struct conns_limits lim = {.max_total = 100, .max_per_address = 2, .deadline_ms = 60000};
    struct conns *cs = conns_new(&lim);
    struct conn_slot *s[PAIRS];
    cr_assert_not_null(cs);
    cr_expect_eq(open_from(cs, 0, 9, &s[0]), CONNS_ADMITTED); /* another address, oldest */
    cr_expect_eq(open_from(cs, 1, 1, &s[1]), CONNS_ADMITTED);
    cr_expect_eq(open_from(cs, 2, 1, &s[2]), CONNS_ADMITTED);
    cr_expect_eq(open_from(cs, 3, 1, &s[3]), CONNS_MADE_ROOM);
    cr_expect(!was_cut(0) && was_cut(1) && !was_cut(2) && !was_cut(3));
    /* An answered request puts its connection at the back of the queue. */
    conns_handling(cs, s[2]);
    conns_answered(cs, s[2]);
    cr_expect_eq(open_from(cs, 4, 1, &s[4]), CONNS_MADE_ROOM);
    cr_expect(was_cut(3) && !was_cut(2));
    conns_free(cs);
}

/* When every connection is handling a request, a new one is refused and closes nothing. */
Test(conns, refused_when_all_are_busy)
{
    struct conns_limits lim = {.max_total = 2, .max_per_address = 2, .deadline_ms = 60000};
    struct conns *cs = conns_new(&lim);
    struct conn_slot *s[PAIRS];
    cr_assert_not_null(cs);
    open_from(cs, 0, 1, &s[0]);
    open_from(cs, 1, 2, &s[1]);
    conns_handling(cs, s[0]);
    conns_handling(cs, s[1]);
    cr_expect_eq(open_from(cs, 2, 3, &s[2]), CONNS_REFUSED);
    cr_expect(conns_refused(s[2]));
    cr_expect(!conns_refused(s[1]));
    cr_expect(!conns_refused(NULL));
    cr_expect(!was_cut(0) && !was_cut(1) && !was_cut(2));
    /* A refused connection never makes room for the next one. */
    cr_expect_eq(open_from(cs, 3, 3, &s[3]), CONNS_REFUSED);
    cr_expect(!was_cut(2));
    /* Once one is answered and closed, there is room again. */
    conns_answered(cs, s[0]);
    conns_close(cs, s[0]);
    cr_expect_eq(open_from(cs, 4, 4, &s[4]), CONNS_ADMITTED);
    conns_free(cs);
}

/* Receiving and refused connections are on the clock; handling ones are not. */
Test(conns, deadline_cuts_what_is_still_receiving)
{
    struct conns_limits lim = {.max_total = 2, .max_per_address = 2, .deadline_ms = 60000};
    struct conns *cs = conns_new(&lim);
    struct conn_slot *s[PAIRS];
    cr_assert_not_null(cs);
    open_from(cs, 0, 1, &s[0]);
    open_from(cs, 1, 1, &s[1]);
    conns_handling(cs, s[1]);
    open_from(cs, 2, 1, &s[2]); /* makes room: pair 0 goes */
    conns_handling(cs, s[2]);
    cr_expect_eq(open_from(cs, 3, 1, &s[3]), CONNS_REFUSED);
    int64_t now = clock_mono_us();
    cr_expect_eq(conns_reap(cs, now), 0, "nothing is due yet");
    cr_expect_eq(conns_reap(cs, now + 61 * 1000000LL), 1, "the refused one is due");
    cr_expect(was_cut(3) && !was_cut(1) && !was_cut(2));
    conns_answered(cs, s[1]); /* back on the clock, with a fresh deadline */
    cr_expect_eq(conns_reap(cs, now + 61 * 1000000LL), 1);
    cr_expect(was_cut(1));
    conns_free(cs);
}

/* Requests coming and going on a keep-alive connection never wake the reaper:
 * it looks about once per deadline, not once per request. */
Test(conns, requests_do_not_wake_the_reaper, .timeout = 10)
{
    struct conns_limits lim = {.max_total = 8, .max_per_address = 8, .deadline_ms = 60000};
    struct conns *cs = conns_new(&lim);
    struct conn_slot *s;
    cr_assert_not_null(cs);
    open_from(cs, 0, 1, &s);
    struct timespec tick = {0, 100 * 1000};
    for (int i = 0; i < 200; i++) {
        conns_handling(cs, s); /* the clock empties */
        nanosleep(&tick, NULL);
        conns_answered(cs, s); /* and holds one slot again */
    }
    uint64_t looks = conns_looks(cs);
    cr_expect(looks <= 2, "the reaper looked %llu times for 200 requests",
              (unsigned long long)looks);
    cr_expect(!was_cut(0));
    conns_free(cs);
}

/* A connection that arrives while the clock is empty is still cut at its
 * deadline (the reaper was not told about it). */
Test(conns, reaper_cuts_what_arrived_on_an_empty_clock, .timeout = 10)
{
    struct conns_limits lim = {.max_total = 8, .max_per_address = 8, .deadline_ms = 200};
    struct conns *cs = conns_new(&lim);
    struct conn_slot *s;
    cr_assert_not_null(cs);
    struct timespec idle = {0, 120 * 1000 * 1000};
    nanosleep(&idle, NULL); /* the reaper waits on an empty clock */
    int64_t t0 = clock_mono_us();
    open_from(cs, 0, 1, &s);
    struct timeval tv = {5, 0};
    setsockopt(pair[0][1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char c;
    ssize_t n = recv(pair[0][1], &c, 1, 0); /* blocks until the reaper shuts the socket */
    int64_t waited_ms = (clock_mono_us() - t0) / 1000;
    cr_expect_eq(n, 0, "not shut down within 5 s");
    cr_expect(waited_ms >= 150, "shut down after %lld ms, before its deadline",
              (long long)waited_ms);
    conns_free(cs);
}

/* The reaper thread acts on its own once a deadline passes. */
Test(conns, reaper_thread_enforces_the_deadline, .timeout = 10)
{
    struct conns_limits lim = {.max_total = 8, .max_per_address = 8, .deadline_ms = 200};
    struct conns *cs = conns_new(&lim);
    struct conn_slot *s;
    cr_assert_not_null(cs);
    open_from(cs, 0, 1, &s);
    struct timeval tv = {5, 0};
    setsockopt(pair[0][1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char c;
    int64_t t0 = clock_mono_us();
    ssize_t n = recv(pair[0][1], &c, 1, 0); /* blocks until the reaper shuts the socket */
    int64_t waited_ms = (clock_mono_us() - t0) / 1000;
    cr_expect_eq(n, 0, "not shut down within 5 s");
    cr_expect(waited_ms >= 150, "shut down after %lld ms, before its deadline",
              (long long)waited_ms);
    conns_free(cs);
}

/*
 * test_core.c - unit tests for server/core: the capped buffer, RFC 3339
 * formatting and parsing, the virtual clock, random ids, the error table,
 * UTF-8 checks and base64 decoding.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/cond.h"
#include "core/base64.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/fdio.h"
#include "core/ids.h"
#include "core/tmpdir.h"
#include "core/utf8.h"

Test(buf, appends_and_terminates)
{
    struct buf b;
    buf_init(&b, 0);
    cr_assert_eq(buf_puts(&b, "hello"), 0);
    cr_assert_eq(buf_printf(&b, " %d", 42), 0);
    cr_assert_str_eq(b.data, "hello 42");
    cr_assert_eq(b.len, 8);
    buf_free(&b);
    cr_assert_null(b.data);
    buf_free(&b); /* twice is fine */
}

Test(buf, cap_refuses_and_keeps_content)
{
    struct buf b;
    buf_init(&b, 8);
    cr_assert_eq(buf_puts(&b, "12345678"), 0);
    cr_assert_eq(buf_putc(&b, '9'), -1);
    cr_assert_eq(buf_printf(&b, "%s", "x"), -1);
    cr_assert_eq(b.len, 8);
    cr_assert_str_eq(b.data, "12345678");
    buf_free(&b);
}

Test(buf, steal_hands_over)
{
    struct buf b;
    size_t len = 0;
    buf_init(&b, 0);
    buf_puts(&b, "abc");
    char *s = buf_steal(&b, &len);
    cr_assert_str_eq(s, "abc");
    cr_assert_eq(len, 3);
    cr_assert_null(b.data);
    free(s);
}

struct time_case {
    int64_t ms;
    char text[CLOCK_RFC3339_LEN];
};

ParameterizedTestParameters(clock, format)
{
    static struct time_case cases[] = {
        {0, "1970-01-01T00:00:00.000Z"},
        {1, "1970-01-01T00:00:00.001Z"},
        {951782400000, "2000-02-29T00:00:00.000Z"},
        {1767323045678, "2026-01-02T03:04:05.678Z"},
        {4102444799999, "2099-12-31T23:59:59.999Z"},
    };
    return cr_make_param_array(struct time_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct time_case *c, clock, format)
{
    char out[CLOCK_RFC3339_LEN];
    clock_format(c->ms, out);
    cr_assert_str_eq(out, c->text);
    int64_t back = -1;
    cr_assert_eq(clock_parse(c->text, &back), 0);
    cr_assert_eq(back, c->ms);
}

struct bad_time {
    char text[40];
};

ParameterizedTestParameters(clock, parse_rejects)
{
    static struct bad_time cases[] = {
        {""},
        {"2023-09-07T42:14:00.364Z"}, /* the contract's example hour */
        {"2023-02-29T00:00:00Z"},
        {"2023-13-01T00:00:00Z"},
        {"2023-01-01 00:00:00Z"},
        {"2023-01-01T00:00:00"},
        {"2023-01-01T00:00:00.Z"},
        {"2023-01-01T00:00:00+02:00"},
        {"20x3-01-01T00:00:00Z"},
    };
    return cr_make_param_array(struct bad_time, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct bad_time *c, clock, parse_rejects)
{
    int64_t ms;
    cr_assert_eq(clock_parse(c->text, &ms), -1, "accepted '%s'", c->text);
}

Test(clock, virtual_moves_only_when_told)
{
    struct clock *c = clock_new(CLOCK_MODE_VIRTUAL, 1000);
    cr_assert_not_null(c);
    cr_assert_eq(clock_now_ms(c), 1000);
    cr_assert_eq(clock_advance(c, 500), 0);
    cr_assert_eq(clock_now_ms(c), 1500);
    cr_assert_eq(clock_advance(c, -2000), -1);
    cr_assert_eq(clock_now_ms(c), 1500);
    cr_assert_eq(clock_set(c, 42), 0);
    cr_assert_eq(clock_now_ms(c), 42);
    clock_free(c);
}

Test(clock, real_cannot_be_moved)
{
    struct clock *c = clock_new(CLOCK_MODE_REAL, 0);
    cr_assert_eq(clock_set(c, 5), -1);
    cr_assert_eq(clock_advance(c, 5), -1);
    cr_assert_gt(clock_now_ms(c), INT64_C(1700000000000));
    clock_free(c);
    clock_free(NULL);
}

Test(ids, hex32_and_uuid_shapes)
{
    char a[IDS_HEX32_LEN], b[IDS_HEX32_LEN], u[IDS_UUID_LEN];
    ids_hex32(a);
    ids_hex32(b);
    cr_assert_eq(strlen(a), 32);
    cr_assert_eq(strspn(a, "0123456789abcdef"), 32);
    cr_assert_str_neq(a, b);
    ids_uuid(u);
    cr_assert_eq(strlen(u), 36);
    for (int i = 0; i < 36; i++) {
        int dash = i == 8 || i == 13 || i == 18 || i == 23;
        cr_assert(dash ? u[i] == '-' : strchr("0123456789abcdef", u[i]) != NULL, "%s", u);
    }
    cr_assert_eq(u[14], '4', "%s: version 4", u);
    cr_assert(strchr("89ab", u[19]) != NULL, "%s: the RFC 4122 variant", u);
}

/* A forked child does not go on with its parent's keystream: its next id is
 * not the one the parent makes next. */
Test(ids, a_forked_child_draws_its_own)
{
    char before[IDS_HEX32_LEN], parent[IDS_HEX32_LEN], child[IDS_HEX32_LEN] = "";
    ids_hex32(before); /* this thread's generator is keyed before the fork */
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        char id[IDS_HEX32_LEN];
        ids_hex32(id);
        _exit(write(fds[1], id, sizeof(id)) == (ssize_t)sizeof(id) ? 0 : 1);
    }
    close(fds[1]);
    ids_hex32(parent);
    cr_assert_eq(read(fds[0], child, sizeof(child)), (ssize_t)sizeof(child));
    close(fds[0]);
    int status = 0;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    cr_assert_eq(strlen(child), 32);
    cr_assert_str_neq(parent, child, "the child repeated its parent's next id %s", child);
    cr_assert_str_neq(before, child);
}

Test(err, table_statuses)
{
    cr_assert_eq(err_info(ERR_BAD_REQUEST)->status, 400);
    cr_assert_str_eq(err_info(ERR_BAD_REQUEST)->detail_code, "400.1 Bad Request Content");
    cr_assert_eq(err_info(ERR_UNAUTHORIZED)->status, 401);
    cr_assert_eq(err_info(ERR_FORBIDDEN)->status, 403);
    cr_assert_eq(err_info(ERR_NOT_FOUND)->status, 404);
    cr_assert_eq(err_info(ERR_TOO_LARGE)->status, 413);
    cr_assert_eq(err_info(ERR_RATE_LIMITED)->status, 429);
    cr_assert_str_eq(err_info(ERR_INTERNAL)->detail_code, "500.0 Internal Fault");
    cr_assert_eq(err_info((enum err)999)->status, 500);
    cr_assert(err_is_oauth(ERR_OAUTH_INVALID_CLIENT));
    cr_assert_not(err_is_oauth(ERR_UNAUTHORIZED));
}

/* Each error's body shape and the status an injected fault maps to are table data. */
Test(err, table_shapes_and_statuses)
{
    cr_assert_eq(err_info(ERR_UNAUTHORIZED)->shape, ERR_SHAPE_ERROR);
    cr_assert_eq(err_info(ERR_RATE_LIMITED)->shape, ERR_SHAPE_MESSAGE);
    cr_assert_eq(err_info(ERR_RATE_LIMITED)->retry_after_s, 1);
    cr_assert_eq(err_info(ERR_OAUTH_UNSUPPORTED_GRANT)->shape, ERR_SHAPE_OAUTH);
    cr_assert_eq(err_info(ERR_FILE_NOT_FOUND)->shape, ERR_SHAPE_DTO);
    cr_assert(err_info(ERR_INTERNAL)->flags & ERR_F_PRIVATE);
    cr_assert_not(err_info(ERR_BAD_REQUEST)->flags & ERR_F_PRIVATE);
    static const struct {
        int status;
        enum err e;
    } from[] = {{400, ERR_BAD_REQUEST},  {401, ERR_UNAUTHORIZED},       {403, ERR_FORBIDDEN},
                {404, ERR_NOT_FOUND},    {405, ERR_METHOD_NOT_ALLOWED}, {413, ERR_TOO_LARGE},
                {429, ERR_RATE_LIMITED}, {500, ERR_INTERNAL},           {502, ERR_BAD_GATEWAY},
                {503, ERR_UNAVAILABLE},  {504, ERR_GATEWAY_TIMEOUT},    {200, ERR_INTERNAL},
                {418, ERR_INTERNAL}};
    for (size_t i = 0; i < sizeof(from) / sizeof(from[0]); i++)
        cr_expect_eq(err_from_status(from[i].status), from[i].e, "status %d", from[i].status);
}

struct utf8_case {
    char in[16];
    int valid;
    char scrubbed[16];
};

ParameterizedTestParameters(utf8, valid_and_scrub)
{
    static struct utf8_case cases[] = {
        {"plain", 1, "plain"},
        {"caf\xc3\xa9", 1, "caf\xc3\xa9"},
        {"\xe2\x82\xac", 1, "\xe2\x82\xac"},         /* euro sign */
        {"\xf0\x9f\x98\x80", 1, "\xf0\x9f\x98\x80"}, /* emoji */
        {"cut\xc3", 0, "cut?"},                      /* truncated sequence */
        {"\xc0\xaf", 0, "??"},                       /* overlong '/' */
        {"\xed\xa0\x80", 0, "???"},                  /* surrogate */
        {"\xf4\x90\x80\x80", 0, "????"},             /* above U+10FFFF */
        {"a\xff"
         "b",
         0, "a?b"},
        {"\x80", 0, "?"},
    };
    return cr_make_param_array(struct utf8_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct utf8_case *c, utf8, valid_and_scrub)
{
    cr_assert_eq(utf8_valid(c->in), c->valid, "%s", c->in);
    char s[16];
    memcpy(s, c->in, sizeof(s));
    utf8_scrub(s);
    cr_assert_str_eq(s, c->scrubbed);
    cr_assert(utf8_valid(s));
}

Test(utf8, valid_len_stops_at_n)
{
    cr_assert(utf8_valid_len("caf\xc3\xa9", 5));
    cr_assert_not(utf8_valid_len("caf\xc3\xa9", 4), "a cut sequence is not valid");
    cr_assert(utf8_valid_len("a\0b", 3));
    cr_assert_not(utf8_valid_len("\xff", 1));
    cr_assert(utf8_valid_len("", 0));
}

/* base64_decode: each row decodes `in` with `flags`; `out`/`outlen` when ok. */
struct b64_case {
    char id[8];
    char in[16];
    int flags;
    int ok;
    char out[12];
    size_t outlen;
};

#define STD 0
#define URL BASE64_URL
#define PAD BASE64_PAD_OPTIONAL
#define OK(id, in, flags, out)                                                                     \
    {                                                                                              \
        id, in, flags, 1, out, sizeof(out) - 1                                                     \
    }
#define BAD(id, in, flags)                                                                         \
    {                                                                                              \
        id, in, flags, 0, "", 0                                                                    \
    }

ParameterizedTestParameters(base64, decode)
{
    static struct b64_case cases[] = {
        OK("b01", "", STD, ""),
        OK("b02", "Zg", STD, "f"),
        OK("b03", "Zm8", STD, "fo"),
        OK("b04", "Zm9v", STD, "foo"),
        OK("b05", "Zm9vYmFy", URL, "foobar"),
        OK("b06", "Zg==", STD | PAD, "f"),
        OK("b07", "Zm8=", STD | PAD, "fo"),
        OK("b08", "Zg", STD | PAD, "f"), /* padding is optional */
        OK("b09", "+/8", STD, "\xfb\xff"),
        OK("b10", "-_8", URL, "\xfb\xff"),
        OK("b11", "Zg==", URL | PAD, "f"),
        BAD("b20", "Zg==", STD), /* padding refused */
        BAD("b21", "Zg==", URL),
        BAD("b22", "Zm9vY", STD),          /* 4k+1 characters */
        BAD("b23", "Zh", STD),             /* unused bits set */
        BAD("b24", "Zm9=", STD | PAD),     /* unused bits set */
        BAD("b25", "-_8", STD),            /* url characters, standard alphabet */
        BAD("b26", "+/8", URL),            /* standard characters, url alphabet */
        BAD("b27", "Zg=", STD | PAD),      /* padding leaves a short quantum */
        BAD("b28", "Zm8==", STD | PAD),    /* padding past the quantum */
        BAD("b29", "Zm9v====", STD | PAD), /* padding without a quantum */
        BAD("b30", "Zm9v=", STD | PAD),
        BAD("b31", "Z=g=", STD | PAD), /* padding in the middle */
        BAD("b32", "=", STD | PAD),
        BAD("b33", "Zm 9v", STD), /* whitespace */
    };
    return cr_make_param_array(struct b64_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct b64_case *c, base64, decode)
{
    size_t n = strlen(c->in), outlen = 99;
    char *in = malloc(n ? n : 1); /* exact size, no NUL: over-reads show under ASan */
    cr_assert_not_null(in);
    memcpy(in, c->in, n);
    unsigned char out[16];
    int rc = base64_decode(in, n, c->flags, out, sizeof(out), &outlen);
    free(in);
    if (!c->ok) {
        cr_assert_eq(rc, -1, "[%s] %s", c->id, c->in);
        cr_assert_eq(outlen, 99, "[%s] *outlen left unchanged", c->id);
        return;
    }
    cr_assert_eq(rc, 0, "[%s] %s", c->id, c->in);
    cr_assert_eq(outlen, c->outlen, "[%s]", c->id);
    cr_assert_eq(memcmp(out, c->out, outlen), 0, "[%s]", c->id);
}

Test(base64, out_too_small_is_untouched)
{
    unsigned char out[3] = {'x', 'x', 'x'};
    size_t n = 7;
    cr_assert_eq(base64_decode("Zm9v", 4, 0, out, 2, &n), -1);
    cr_assert_eq(n, 7);
    cr_assert_eq(memcmp(out, "xxx", 3), 0);
    cr_assert_eq(base64_decode("Zm9v", 4, 0, out, 3, &n), 0);
    cr_assert_eq(n, 3);
    cr_assert_eq(base64_decode("Zm9v", 4, 0, NULL, 0, &n), -1);
    cr_assert_eq(base64_decode("Zm9v", 4, 0, out, 3, NULL), -1);
    cr_assert_eq(base64_decode(NULL, 0, 0, NULL, 0, &n), 0, "an empty text decodes to nothing");
    cr_assert_eq(n, 0);
}

/* More bytes than a pipe holds, read by another thread while written: every
 * byte arrives, in order. */
struct pipe_reader {
    int fd;
    unsigned char *out;
    size_t n, got;
};

static void *read_pipe(void *arg)
{
    struct pipe_reader *r = arg;
    for (ssize_t k; r->got < r->n && (k = read(r->fd, r->out + r->got, r->n - r->got)) > 0;)
        r->got += (size_t)k;
    return NULL;
}

Test(fdio, writes_everything_through_a_pipe)
{
    int p[2];
    cr_assert_eq(pipe(p), 0);
    size_t n = 256 * 1024;
    unsigned char *in = malloc(n);
    struct pipe_reader r = {p[0], malloc(n), n, 0};
    cr_assert(in && r.out);
    for (size_t i = 0; i < n; i++)
        in[i] = (unsigned char)(i * 7);
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, read_pipe, &r), 0);
    int rc = fdio_write_all(p[1], in, n);
    close(p[1]);
    pthread_join(t, NULL);
    close(p[0]);
    cr_expect_eq(rc, 0);
    cr_expect_eq(r.got, n);
    cr_expect_eq(memcmp(in, r.out, n), 0);
    free(in);
    free(r.out);
}

Test(fdio, a_bad_descriptor_is_an_error_with_errno)
{
    errno = 0;
    cr_expect_eq(fdio_write_all(-1, "x", 1), -1);
    cr_expect_eq(errno, EBADF);
    cr_expect_eq(fdio_write_all(-1, "", 0), 0, "nothing to write is no error");
}

/* A folder syncs like a file (a rename into it is then on the disk); a
 * missing one is an error that says so. */
Test(fdio, syncs_a_folder_and_a_file_by_name)
{
    const char *tmp = getenv("TMPDIR");
    char dir[512], file[600];
    snprintf(dir, sizeof(dir), "%s/isc-fdio-XXXXXX", tmp && *tmp ? tmp : P_tmpdir);
    cr_assert_not_null(mkdtemp(dir));
    snprintf(file, sizeof(file), "%s/f", dir);
    FILE *f = fopen(file, "w");
    cr_assert_not_null(f);
    fclose(f);
    cr_expect_eq(fdio_sync_path(dir), 0, "%s", strerror(errno));
    cr_expect_eq(fdio_sync_path(file), 0, "%s", strerror(errno));
    unlink(file);
    rmdir(dir);
    errno = 0;
    cr_expect_eq(fdio_sync_path(dir), -1);
    cr_expect_eq(errno, ENOENT);
}

/* Private places under $TMPDIR: a new folder and file each time, the
 * user's only, and a folder removed with its files. */
/* The default database is private; any path given, even a relative one, is not. */
Test(tmpdir, names_the_default_database_private)
{
    cr_expect(tmpdir_is_private_db(NULL));
    cr_expect(tmpdir_is_private_db(""));
    cr_expect(tmpdir_is_private_db(":memory:"));
    cr_expect(!tmpdir_is_private_db("mock.db"));
    cr_expect(!tmpdir_is_private_db("/var/lib/mock/:memory:"));
    cr_expect(!tmpdir_is_private_db(":memory:x"));
}

Test(tmpdir, makes_private_places_under_tmpdir_and_removes_a_folder_whole)
{
    const char *tmp = getenv("TMPDIR");
    char base[512], a[600], b[600], file[600], inside[700];
    snprintf(base, sizeof(base), "%s/isc-tmpdir-XXXXXX", tmp && *tmp ? tmp : P_tmpdir);
    cr_assert_not_null(mkdtemp(base));
    cr_assert_eq(setenv("TMPDIR", base, 1), 0);
    cr_assert_eq(tmpdir_make("t-", a, sizeof(a)), 0, "%s", strerror(errno));
    cr_assert_eq(tmpdir_make("t-", b, sizeof(b)), 0, "%s", strerror(errno));
    cr_expect_str_neq(a, b);
    cr_expect_eq(strncmp(a, base, strlen(base)), 0, "%s is not under %s", a, base);
    struct stat sb;
    cr_assert_eq(stat(a, &sb), 0);
    cr_expect(S_ISDIR(sb.st_mode));
    cr_expect_eq(sb.st_mode & 0777, 0700);
    int fd = tmpdir_file("f-", file, sizeof(file));
    cr_assert_geq(fd, 0, "%s", strerror(errno));
    cr_assert_eq(fstat(fd, &sb), 0);
    cr_expect_eq(sb.st_mode & 0777, 0600);
    close(fd);
    snprintf(inside, sizeof(inside), "%s/x", a);
    FILE *f = fopen(inside, "w");
    cr_assert_not_null(f);
    fclose(f);
    tmpdir_remove(a);
    cr_expect_neq(stat(a, &sb), 0, "%s is still there", a);
    tmpdir_remove(b);
    tmpdir_remove(NULL);
    /* A path that does not fit makes nothing and says why. */
    char small[16];
    errno = 0;
    cr_expect_eq(tmpdir_make("a-long-prefix-", small, sizeof(small)), -1);
    cr_expect_eq(errno, ENAMETOOLONG);
    cr_expect_str_empty(small, "the folder does not fit either: %s", small);
    unlink(file);
    cr_expect_eq(rmdir(base), 0, "%s holds more than was removed", base);
}

/* A place that cannot be made leaves the folder it was tried in, for the
 * caller's message, and errno says why. */
Test(tmpdir, a_failure_names_the_folder_it_tried)
{
    const char *tmp = getenv("TMPDIR");
    char missing[512], out[600];
    snprintf(missing, sizeof(missing), "%s/isc-tmpdir-missing-%ld", tmp && *tmp ? tmp : P_tmpdir,
             (long)getpid());
    cr_assert_eq(setenv("TMPDIR", missing, 1), 0);
    errno = 0;
    cr_expect_eq(tmpdir_make("t-", out, sizeof(out)), -1);
    cr_expect_eq(errno, ENOENT);
    cr_expect_str_eq(out, missing);
    errno = 0;
    cr_expect_eq(tmpdir_file("f-", out, sizeof(out)), -1);
    cr_expect_eq(errno, ENOENT);
    cr_expect_str_eq(out, missing);
    cr_assert_eq(unsetenv("TMPDIR"), 0);
    cr_expect_eq(tmpdir_make("t-", out, 4), -1, "/tmp/t-XXXXXX does not fit in 4 bytes");
    cr_expect_eq(errno, ENAMETOOLONG);
    cr_expect_str_empty(out, "nor /tmp: %s", out);
    cr_expect_eq(tmpdir_make("t-", out, 6), -1);
    cr_expect_str_eq(out, "/tmp", "an unset TMPDIR is /tmp");
}

/* A timed wait on a cond_init_mono() condition waits until its monotonic
 * deadline; on a default (real-time) condition it would return at once. */
Test(cond, a_monotonic_deadline_is_waited_for)
{
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t c;
    struct timespec t0, t1;
    cond_init_mono(&c);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct timespec until = cond_deadline_us(50 * 1000);
    pthread_mutex_lock(&m);
    int rc = 0;
    while (rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&c, &m, &until);
    pthread_mutex_unlock(&m);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    int64_t waited_us = (t1.tv_sec - t0.tv_sec) * 1000000LL + (t1.tv_nsec - t0.tv_nsec) / 1000;
    cr_expect_geq(waited_us, 45 * 1000, "waited %lld us for a 50 ms deadline",
                  (long long)waited_us);
    pthread_cond_destroy(&c);
    struct timespec past = cond_deadline_us(-5), now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    cr_expect(past.tv_sec < now.tv_sec ||
                  (past.tv_sec == now.tv_sec && past.tv_nsec <= now.tv_nsec),
              "a negative wait is now, not later");
}

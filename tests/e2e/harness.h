/*
 * harness.h - what every end-to-end test uses: the real isc-reports-mock
 * binary started as a child process on an ephemeral port, an HTTP client on
 * libcurl, and small helpers over cJSON and CSV.
 *
 * The binary's path comes from the environment variable ISC_MOCK_BIN (meson
 * sets it). Each Criterion test runs in its own process, so each test has
 * its own server: E2E_TEST starts one (virtual clock, port 0) before the
 * body, stops it with SIGTERM after the body and asserts that it exited 0.
 * Criterion ignores assertions made in .fini, which is why that check is part
 * of the test body and .fini only kills what an aborted test left behind.
 *
 * Helpers that talk to the server assert (cr_assert) on transport failures,
 * so a test never goes on with a half-filled result. Strings returned through
 * `struct http_res` are owned by it and freed by http_res_free().
 */
#ifndef ISC_E2E_HARNESS_H
#define ISC_E2E_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "../test_scale.h"

/* ------------------------------------------------------------------ */
/* The server process                                                   */

struct mock_proc {
    pid_t pid;          /* 0: not running */
    int out_fd;         /* read end of the child's stdout; -1 when closed */
    char url[128];      /* "http://127.0.0.1:PORT", from the first stdout line */
    char err_path[512]; /* file that receives the child's stderr */
};

/*
 * Starts the binary with `args` (NULL-terminated; NULL means none). When
 * `defaults` is set, "--bind 127.0.0.1 --port 0 --clock virtual" come first,
 * so later args override them. `env` (NULL-terminated "NAME=value" strings,
 * may be NULL) is added to an environment from which every inherited
 * ISC_MOCK_* variable was removed. Waits e2e_start_timeout_ms for the first
 * stdout line. Returns 0 with p->url set, or -1 when the child did not print
 * a well-formed first line (the child is then reaped or killed and p->pid is
 * 0; the reason is written to stderr).
 */
int mock_proc_start(struct mock_proc *p, const char *const *args, const char *const *env,
                    int defaults);

/* How long mock_proc_start waits for the first line (15000 ms; a test that
 * generates a big tenant at start-up raises it), times ISC_TEST_TIMEOUT_SCALE. */
extern int e2e_start_timeout_ms;

/* How long one http_req may take, whole (30 s; a test that downloads a big
 * report raises it), times ISC_TEST_TIMEOUT_SCALE. */
extern int e2e_request_timeout_s;

/*
 * Sends SIGTERM and waits up to 10 s times ISC_TEST_TIMEOUT_SCALE (a sanitized
 * server's exit includes its leak check); kills with SIGKILL after that. Returns
 * the exit code, 128+signal when the child died of a signal, -2 when it had
 * to be killed, -1 when nothing was running. Closes the stdout pipe and
 * removes the stderr file.
 */
int mock_proc_stop(struct mock_proc *p);
/* The same, and hands back the child's whole stderr in *log (malloc'd, NUL-terminated;
 * "" when there was none), read after it exited so that exit-time reports are in it. */
int mock_proc_stop_log(struct mock_proc *p, char **log);

/* The child's stderr so far, malloc'd and NUL-terminated ("" when none). */
char *mock_proc_stderr(const struct mock_proc *p);

/* Running the binary to completion (flags that make it exit at once). */
struct cli_result {
    int exit_code; /* 128+signal for a signal, -2 after a timeout kill */
    char *out;     /* whole stdout, malloc'd, NUL-terminated */
    char *err;     /* whole stderr, malloc'd, NUL-terminated */
};

/* Runs the binary with `args` and `env` as above (no defaults) for at most
 * `timeout_ms`; asserts that it could be started. */
void cli_run(const char *const *args, const char *const *env, int timeout_ms, struct cli_result *r);
void cli_result_free(struct cli_result *r);

/* Number of lines (by '\n', a final unterminated line counts) in `s`. */
int count_lines(const char *s);

/* A scratch folder for this test (mkdtemp), removed with its files by
 * e2e_fini. Returns a static path. */
const char *e2e_tmpdir(void);

/* ------------------------------------------------------------------ */
/* The per-test server                                                  */

extern struct mock_proc e2e_srv;

/* The task the built-in fixtures hold (the API documentation's example),
 * and how many tasks a fresh or reset server lists. */
#define E2E_EXAMPLE_TASK "ef38f94347e94562b5bb8424a56397d8"
#define E2E_FIXTURE_TASKS 1

/* Starts e2e_srv with the defaults (asserts that it started). */
void e2e_init(void);
/* Starts e2e_srv as mock_proc_start(args, env, defaults) does; asserts that it started. */
void e2e_start(const char *const *args, const char *const *env, int defaults);
/* .fini: kills e2e_srv if still running, removes e2e_tmpdir(). */
void e2e_fini(void);
/* Stops e2e_srv and asserts a graceful exit (status 0); no-op when it is not running. */
void e2e_finish(void);
/* Stops e2e_srv (asserting exit 0) and starts it again with `args` after the defaults. */
void e2e_restart(const char *const *args);

/*
 * A test with its own fresh server. The body runs between e2e_init and
 * e2e_finish, so a server that does not exit 0 on SIGTERM fails the test.
 */
#define E2E_TEST(suite, name)                                                                      \
    static void suite##_##name##_body(void);                                                       \
    Test(suite, name, .fini = e2e_fini, .timeout = 90.)                                            \
    {                                                                                              \
        e2e_init();                                                                                \
        suite##_##name##_body();                                                                   \
        e2e_finish();                                                                              \
    }                                                                                              \
    static void suite##_##name##_body(void)

/*
 * Parameters for a Criterion ParameterizedTest over a static table `table`:
 * the indexes 0..n-1. Criterion runs each parameter in a new process image,
 * where the parent's pointers mean nothing, so a parameter is an index into
 * the table (which the child has too), never a pointer into it.
 */
#define E2E_TABLE_PARAMS(suite, name, table)                                                       \
    ParameterizedTestParameters(suite, name)                                                       \
    {                                                                                              \
        static size_t idx[sizeof(table) / sizeof((table)[0])];                                     \
        for (size_t i = 0; i < sizeof(idx) / sizeof(idx[0]); i++)                                  \
            idx[i] = i;                                                                            \
        return cr_make_param_array(size_t, idx, sizeof(idx) / sizeof(idx[0]));                     \
    }

/* ------------------------------------------------------------------ */
/* HTTP                                                                 */

struct http_res {
    long status;
    char *body; /* NUL-terminated; `len` bytes (may hold NULs) */
    size_t len;
    char *head; /* the final response's header lines, CRLF-separated */
    size_t head_len;
    cJSON *json; /* body parsed as JSON, or NULL */
};

/*
 * Sends `method` to e2e_srv.url + `path` (path includes the query) with
 * `headers` (NULL-terminated "Name: value" list, may be NULL) and `body`
 * (`len` bytes; NULL for none). Asserts that an HTTP answer came back.
 * `r` is overwritten; free it with http_res_free().
 */
void http_req(struct http_res *r, const char *method, const char *path, const char *const *headers,
              const char *body, size_t len);
/* The same against another base URL. */
void http_req_url(struct http_res *r, const char *base, const char *method, const char *path,
                  const char *const *headers, const char *body, size_t len);
/* API call: Authorization: Bearer `token` (none when NULL) and, with a body,
 * Content-Type: application/json. `json` may be NULL. */
void api_call(struct http_res *r, const char *method, const char *path, const char *token,
              const char *json);
/* NULL is a no-op. */
void http_res_free(struct http_res *r);

/* The value of header `name` (case-insensitive, first occurrence), copied
 * into out; NULL when absent. */
const char *http_header(const struct http_res *r, const char *name, char *out, size_t outlen);
/* How many header lines are called `name`. */
int http_header_count(const struct http_res *r, const char *name);

/* Percent-encodes `s` for a query string; malloc'd. */
char *url_encode(const char *s);

/* ------------------------------------------------------------------ */
/* Tokens, reports, clock                                               */

/* A token for a demo client (secret `<client>-secret`), malloc'd; asserts a 200. */
char *e2e_token(const char *client_id);
/* POST /{ver}/reports/run with `json`, asserts 200 and returns the parsed body. */
cJSON *e2e_run(const char *ver, const char *token, const char *json);
/* GET /{ver}/reports/{id}/result, asserts 200 and returns the parsed body. */
cJSON *e2e_result(const char *ver, const char *token, const char *id);
/* POST /mock/clock {"advanceMs": ms}; asserts 200. */
void e2e_clock_advance(int64_t ms);
/* e2e_result() again and again until the task has ended (its files can take
 * longer to write than one poll waits for them); asserts it ends within
 * timeout_s seconds times ISC_TEST_TIMEOUT_SCALE. */
cJSON *e2e_result_done(const char *ver, const char *token, const char *id, int timeout_s);
/* The mock's virtual "now" in ms (GET /mock/clock). */
int64_t e2e_clock_now(void);
/* The monotonic clock in milliseconds (for bounded waits). */
int64_t e2e_mono_ms(void);
/* The number of tasks GET /mock/tasks lists (asserts a 200 with a "tasks" array);
 * `auth` is a whole header line (e.g. the admin token's) or NULL. */
int e2e_task_count(const char *auth);
/* The HTTP status of GET /v2024/reports/{id}/result with `token`. */
long e2e_result_status(const char *token, const char *id);
/* A libcurl write callback that drops what it is given. */
size_t e2e_discard(char *p, size_t size, size_t n, void *ud);

/* ------------------------------------------------------------------ */
/* JSON                                                                 */

/* The string member `key` of `o`, or NULL when absent or not a string. */
const char *jstr(const cJSON *o, const char *key);
/* 1 when `o` has member `key` (whatever its value). */
int jhas(const cJSON *o, const char *key);
/* 1 when member `key` is present and JSON null. */
int jnull(const cJSON *o, const char *key);
/* The number member `key`; asserts it is a number. */
double jnum(const cJSON *o, const char *key);
/* Parses `text` (asserts it is valid JSON); caller deletes. */
cJSON *jparse(const char *text);
/* Asserts that `got` equals the JSON text `want` as parsed trees. */
void assert_json_eq(const cJSON *got, const char *want);

/* 1 when `s` is RFC 3339 UTC with milliseconds: "2026-01-02T03:04:05.678Z". */
int is_rfc3339_ms(const char *s);
/* 1 when `s` is exactly 32 lowercase hex digits. */
int is_hex32(const char *s);

/*
 * Asserts an ErrorResponseDto answer: `status`, a JSON body with detailCode
 * (a string starting with the status number), a 32-hex trackingId, and a
 * non-empty messages array whose first entry has locale "en-US",
 * localeOrigin "DEFAULT" and a text that contains `text_part`
 * (case-insensitive; NULL skips that check).
 */
void assert_error_dto(const struct http_res *r, long status, const char *text_part);
/* Asserts a 401 {"error": "..."} answer; `error` is the exact text or NULL. */
void assert_401(const struct http_res *r, const char *error);

/* A control API call (no token) that must answer `status`; returns the parsed
 * body (caller frees with cJSON_Delete; NULL when there was none). */
cJSON *ctl(const char *method, const char *path, const char *json, long status);
/* A control API call that must be refused with 400 naming `part` (cr_expect: the test goes on). */
void ctl_400(const char *method, const char *path, const char *json, const char *part);

/* ------------------------------------------------------------------ */
/* CSV                                                                  */

/*
 * Counts the records of an RFC 4180 text (quoted fields may hold commas,
 * CR, LF and doubled quotes; records end with CRLF or LF; a final record
 * without a line end counts). Sets *fields to the field count of the first
 * record and *ragged to the number of records with another count. Returns
 * the record count (header included), or -1 for an unterminated quote or a
 * quote inside an unquoted field.
 */
long csv_records(const char *data, size_t len, int *fields, long *ragged);

/* A "Name:  N kB" field of /proc/PID/status (VmRSS, VmHWM, VmSize), or -1. */
long e2e_status_kb(pid_t pid, const char *name);

/*
 * 1 when pid runs as the server itself: its executable is isc-reports-mock
 * (not valgrind) and its address space is not the terabytes ASan and TSan
 * reserve for shadow memory. Memory bounds only mean something then; the
 * server may be another build than the tests (ISC_E2E_SERVER, --tsan).
 */
int e2e_runs_natively(pid_t pid);

#endif

/*
 * harness.c - runs the real server binary for the end-to-end tests and talks
 * HTTP to it (see harness.h for the contract).
 *
 * The child is started with fork/exec so that it can ask the kernel to kill
 * it when the test process dies (PR_SET_PDEATHSIG): a test that crashes or
 * times out never leaves a server behind. Its stdout is a pipe (the first
 * line carries the URL), its stderr goes to a file so that a chatty log can
 * never block it.
 */
#include "harness.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

extern char **environ;

struct mock_proc e2e_srv = {.pid = 0, .out_fd = -1};

static char tmpdir_path[512];

int e2e_start_timeout_ms = 15000;
int e2e_request_timeout_s = 30;
#define STOP_TIMEOUT_S 10 /* scaled like the cases' limits: see scaled_seconds() */
#define MAX_ARGS 64
#define MAX_ENV 512

/* s seconds times ISC_TEST_TIMEOUT_SCALE, as the cases' own time limits
 * are scaled: a slower server build needs both. */
static long scaled_seconds(long s)
{
    return (long)(s * test_timeout_scale());
}

/* ------------------------------------------------------------------ */
/* Process handling                                                     */

int64_t e2e_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
    }
}

/* The server under test: ISC_E2E_SERVER when set (another build of it, such
 * as the ThreadSanitizer one of ./run.sh test --tsan), else meson's. */
static const char *mock_bin(void)
{
    const char *bin = getenv("ISC_E2E_SERVER");
    if (bin == NULL || bin[0] == '\0')
        bin = getenv("ISC_MOCK_BIN");
    cr_assert(bin != NULL && bin[0] != '\0', "ISC_MOCK_BIN is not set (run through meson test)");
    return bin;
}

static const char *tmp_base(void)
{
    const char *t = getenv("TMPDIR");
    return (t != NULL && t[0] != '\0') ? t : P_tmpdir;
}

/* Builds argv and envp before fork, so the child only calls async-signal-safe code. */
static void build_argv(const char **argv, const char *const *args, int defaults)
{
    int n = 0;
    argv[n++] = mock_bin();
    if (defaults) {
        static const char *const defs[] = {"--bind", "127.0.0.1", "--port",
                                           "0",      "--clock",   "virtual"};
        for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++)
            argv[n++] = defs[i];
    }
    for (int i = 0; args != NULL && args[i] != NULL; i++) {
        cr_assert(n < MAX_ARGS - 1, "too many arguments");
        argv[n++] = args[i];
    }
    argv[n] = NULL;
}

/* 1 when `extra` sets the variable that `entry` ("NAME=value") sets. */
static int overridden(const char *entry, const char *const *extra)
{
    size_t len = strcspn(entry, "=");
    for (int i = 0; extra != NULL && extra[i] != NULL; i++)
        if (strncmp(extra[i], entry, len) == 0 && extra[i][len] == '=')
            return 1;
    return 0;
}

static void build_envp(const char **envp, const char *const *extra)
{
    int n = 0;
    for (char **e = environ; *e != NULL; e++) {
        if (strncmp(*e, "ISC_MOCK_", 9) == 0 || overridden(*e, extra))
            continue;
        cr_assert(n < MAX_ENV - 16, "environment too large");
        envp[n++] = *e;
    }
    for (int i = 0; extra != NULL && extra[i] != NULL; i++) {
        cr_assert(n < MAX_ENV - 1, "environment too large");
        envp[n++] = extra[i];
    }
    envp[n] = NULL;
}

/* Forks and execs; the child's stdout goes to out_fd, stderr to err_fd. */
static pid_t spawn(const char *const *argv, const char *const *envp, int out_fd, int err_fd)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    /* Child: async-signal-safe calls only. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != parent)
        _exit(127);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
        _exit(127);
    execve(argv[0], (char *const *)argv, (char *const *)envp);
    _exit(127);
}

/* Waits for `pid` up to `timeout_ms`; returns the decoded status or -2 after SIGKILL. */
static int reap(pid_t pid, int timeout_ms)
{
    int64_t deadline = e2e_mono_ms() + timeout_ms;
    int st = 0;
    for (;;) {
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid)
            break;
        if (w == -1 && errno != EINTR)
            return -1;
        if (e2e_mono_ms() > deadline) {
            kill(pid, SIGKILL);
            while (waitpid(pid, &st, 0) == -1 && errno == EINTR) {
            }
            return -2;
        }
        sleep_ms(2);
    }
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return -1;
}

static char *read_file(const char *path)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = fopen(path, "rb");
    if (f != NULL) {
        char chunk[4096];
        size_t n;
        while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
            char *grown = realloc(out, len + n + 1);
            cr_assert(grown != NULL);
            out = grown;
            memcpy(out + len, chunk, n);
            len += n;
        }
        fclose(f);
    }
    if (out == NULL) {
        out = malloc(1);
        cr_assert(out != NULL);
    }
    out[len] = '\0';
    return out;
}

/* Reads the first line from fd within timeout_ms into line; 0 on success. */
static int read_first_line(int fd, char *line, size_t cap, int timeout_ms)
{
    size_t len = 0;
    int64_t deadline = e2e_mono_ms() + timeout_ms;
    while (len + 1 < cap) {
        int64_t left = deadline - e2e_mono_ms();
        if (left <= 0)
            return -1;
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int rc = poll(&pfd, 1, (int)left);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc <= 0)
            return -1;
        char c;
        ssize_t n = read(fd, &c, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        if (c == '\n') {
            line[len] = '\0';
            return 0;
        }
        line[len++] = c;
    }
    return -1;
}

int mock_proc_start(struct mock_proc *p, const char *const *args, const char *const *env,
                    int defaults)
{
    const char *argv[MAX_ARGS];
    const char *envp[MAX_ENV];
    int pipefd[2] = {-1, -1};
    int err_fd = -1;
    int rc = -1;

    memset(p, 0, sizeof *p);
    p->out_fd = -1;
    build_argv(argv, args, defaults);
    build_envp(envp, env);

    snprintf(p->err_path, sizeof p->err_path, "%s/isc-e2e-stderr-XXXXXX", tmp_base());
    err_fd = mkstemp(p->err_path);
    cr_assert(err_fd >= 0, "mkstemp: %s", strerror(errno));
    cr_assert(pipe2(pipefd, O_CLOEXEC) == 0, "pipe2: %s", strerror(errno));

    pid_t pid = spawn(argv, envp, pipefd[1], err_fd);
    cr_assert(pid > 0, "fork: %s", strerror(errno));
    close(pipefd[1]);
    pipefd[1] = -1;
    p->pid = pid;
    p->out_fd = pipefd[0];

    char line[256];
    int start_ms = (int)(e2e_start_timeout_ms * test_timeout_scale());
    if (read_first_line(p->out_fd, line, sizeof line, start_ms) != 0) {
        char *err = read_file(p->err_path);
        fprintf(stderr,
                "waited %d ms for the server's first line (\"listening on ...\"); none came; "
                "its stderr:\n%s\n",
                start_ms, err);
        free(err);
        goto out;
    }
    const char *prefix = "listening on http://";
    if (strncmp(line, prefix, strlen(prefix)) != 0) {
        fprintf(stderr, "unexpected first line: \"%s\"\n", line);
        goto out;
    }
    /* "http://HOST:PORT" with a non-zero port and nothing after it. */
    const char *colon = strrchr(line + strlen(prefix), ':');
    char *end = NULL;
    long port = colon != NULL ? strtol(colon + 1, &end, 10) : 0;
    if (colon == NULL || end == colon + 1 || *end != '\0' || port <= 0 || port > 65535) {
        fprintf(stderr, "no port in first line: \"%s\"\n", line);
        goto out;
    }
    const char *url = line + strlen("listening on ");
    size_t url_len = strlen(url);
    if (url_len >= sizeof p->url) {
        fprintf(stderr, "URL too long: \"%s\"\n", url);
        goto out;
    }
    memcpy(p->url, url, url_len + 1);
    rc = 0;
out:
    close(err_fd);
    if (rc != 0) {
        int st = mock_proc_stop(p);
        fprintf(stderr, "server exit status: %d\n", st);
    }
    return rc;
}

int mock_proc_stop(struct mock_proc *p)
{
    return mock_proc_stop_log(p, NULL);
}

int mock_proc_stop_log(struct mock_proc *p, char **log)
{
    int st = -1;
    if (p->pid > 0) {
        kill(p->pid, SIGTERM);
        long wait_s = scaled_seconds(STOP_TIMEOUT_S);
        st = reap(p->pid, (int)(wait_s * 1000));
        if (st == -2)
            fprintf(stderr, "the server did not exit within %ld s of SIGTERM; killed\n", wait_s);
        if (st != 0) {
            char *err = read_file(p->err_path);
            fprintf(stderr, "server exit status %d; its stderr:\n%s\n", st, err);
            free(err);
        }
        p->pid = 0;
    }
    if (log != NULL)
        *log = read_file(p->err_path); /* "" when there is no file */
    if (p->out_fd >= 0) {
        close(p->out_fd);
        p->out_fd = -1;
    }
    if (p->err_path[0] != '\0') {
        unlink(p->err_path);
        p->err_path[0] = '\0';
    }
    return st;
}

char *mock_proc_stderr(const struct mock_proc *p)
{
    return read_file(p->err_path);
}

static char *drain_to_string(int fd)
{
    char *out = NULL;
    size_t len = 0;
    char chunk[4096];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof chunk)) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        char *grown = realloc(out, len + (size_t)n + 1);
        cr_assert(grown != NULL);
        out = grown;
        memcpy(out + len, chunk, (size_t)n);
        len += (size_t)n;
    }
    if (out == NULL) {
        out = malloc(1);
        cr_assert(out != NULL);
    }
    out[len] = '\0';
    return out;
}

void cli_run(const char *const *args, const char *const *env, int timeout_ms, struct cli_result *r)
{
    const char *argv[MAX_ARGS];
    const char *envp[MAX_ENV];
    char out_path[512], err_path[512];

    build_argv(argv, args, 0);
    build_envp(envp, env);
    snprintf(out_path, sizeof out_path, "%s/isc-e2e-out-XXXXXX", tmp_base());
    snprintf(err_path, sizeof err_path, "%s/isc-e2e-err-XXXXXX", tmp_base());
    int out_fd = mkstemp(out_path);
    int err_fd = mkstemp(err_path);
    cr_assert(out_fd >= 0 && err_fd >= 0, "mkstemp: %s", strerror(errno));

    pid_t pid = spawn(argv, envp, out_fd, err_fd);
    cr_assert(pid > 0, "fork: %s", strerror(errno));
    r->exit_code = reap(pid, timeout_ms);

    lseek(out_fd, 0, SEEK_SET);
    lseek(err_fd, 0, SEEK_SET);
    r->out = drain_to_string(out_fd);
    r->err = drain_to_string(err_fd);
    close(out_fd);
    close(err_fd);
    unlink(out_path);
    unlink(err_path);
}

void cli_result_free(struct cli_result *r)
{
    if (r == NULL)
        return;
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

int count_lines(const char *s)
{
    int n = 0;
    size_t len = strlen(s);
    for (size_t i = 0; i < len; i++)
        if (s[i] == '\n')
            n++;
    if (len > 0 && s[len - 1] != '\n')
        n++;
    return n;
}

const char *e2e_tmpdir(void)
{
    if (tmpdir_path[0] == '\0') {
        snprintf(tmpdir_path, sizeof tmpdir_path, "%s/isc-e2e-XXXXXX", tmp_base());
        cr_assert(mkdtemp(tmpdir_path) != NULL, "mkdtemp: %s", strerror(errno));
    }
    return tmpdir_path;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* ------------------------------------------------------------------ */
/* Per-test server                                                      */

void e2e_start(const char *const *args, const char *const *env, int defaults)
{
    static int curl_ready;
    if (!curl_ready) {
        cr_assert(curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK);
        curl_ready = 1;
    }
    cr_assert(mock_proc_start(&e2e_srv, args, env, defaults) == 0,
              "the server did not start (its stderr is above)");
}

void e2e_init(void)
{
    e2e_start(NULL, NULL, 1);
}

void e2e_fini(void)
{
    if (e2e_srv.pid > 0)
        mock_proc_stop(&e2e_srv);
    if (tmpdir_path[0] != '\0') {
        nftw(tmpdir_path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        tmpdir_path[0] = '\0';
    }
}

void e2e_finish(void)
{
    if (e2e_srv.pid <= 0)
        return; /* already stopped (and checked) by the test */
    int st = mock_proc_stop(&e2e_srv);
    cr_assert_eq(st, 0, "the server did not exit 0 on SIGTERM (status %d)", st);
}

void e2e_restart(const char *const *args)
{
    if (e2e_srv.pid > 0)
        e2e_finish();
    e2e_start(args, NULL, 1);
}

/* ------------------------------------------------------------------ */
/* HTTP                                                                 */

struct growbuf {
    char *data;
    size_t len;
};

static void growbuf_add(struct growbuf *g, const char *p, size_t n)
{
    char *grown = realloc(g->data, g->len + n + 1);
    cr_assert(grown != NULL);
    g->data = grown;
    memcpy(g->data + g->len, p, n);
    g->len += n;
    g->data[g->len] = '\0';
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
    growbuf_add(ud, p, size * nmemb);
    return size * nmemb;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
    struct growbuf *g = ud;
    size_t n = size * nmemb;
    /* A new status line (after 100 Continue) starts the header block anew. */
    if (n >= 5 && strncmp(p, "HTTP/", 5) == 0)
        g->len = 0;
    growbuf_add(g, p, n);
    return n;
}

void http_req_url(struct http_res *r, const char *base, const char *method, const char *path,
                  const char *const *headers, const char *body, size_t len)
{
    struct growbuf b = {0}, h = {0};
    struct curl_slist *hl = NULL;
    char url[4096];

    memset(r, 0, sizeof *r);
    cr_assert(strlen(base) + strlen(path) < sizeof url, "URL too long");
    snprintf(url, sizeof url, "%s%s", base, path);

    CURL *c = curl_easy_init();
    cr_assert(c != NULL);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, scaled_seconds(e2e_request_timeout_s));
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
    if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (strcmp(method, "GET") != 0) {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    }
    if (body != NULL || strcmp(method, "POST") == 0) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? len : 0));
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
    }
    for (int i = 0; headers != NULL && headers[i] != NULL; i++) {
        struct curl_slist *n = curl_slist_append(hl, headers[i]);
        cr_assert(n != NULL);
        hl = n;
    }
    if (hl != NULL)
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);

    CURLcode rc = curl_easy_perform(c);
    cr_assert_eq(rc, CURLE_OK, "%s %s: %s", method, path, curl_easy_strerror(rc));
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);

    if (b.data == NULL)
        growbuf_add(&b, "", 0);
    if (h.data == NULL)
        growbuf_add(&h, "", 0);
    r->body = b.data;
    r->len = b.len;
    r->head = h.data;
    r->head_len = h.len;
    r->json = cJSON_ParseWithLength(r->body, r->len);
}

void http_req(struct http_res *r, const char *method, const char *path, const char *const *headers,
              const char *body, size_t len)
{
    cr_assert(e2e_srv.url[0] != '\0', "no server");
    http_req_url(r, e2e_srv.url, method, path, headers, body, len);
}

void api_call(struct http_res *r, const char *method, const char *path, const char *token,
              const char *json)
{
    char auth[4096];
    const char *headers[3];
    int n = 0;
    if (token != NULL) {
        cr_assert(strlen(token) < sizeof auth - 32);
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        headers[n++] = auth;
    }
    if (json != NULL)
        headers[n++] = "Content-Type: application/json";
    headers[n] = NULL;
    http_req(r, method, path, headers, json, json ? strlen(json) : 0);
}

void http_res_free(struct http_res *r)
{
    if (r == NULL)
        return;
    free(r->body);
    free(r->head);
    cJSON_Delete(r->json);
    memset(r, 0, sizeof *r);
}

/* Calls fn for each "Name: value" line of the header block; stops when fn returns non-zero. */
static int each_header(const struct http_res *r, const char *name,
                       int (*fn)(const char *v, size_t vlen, void *ud), void *ud)
{
    size_t nlen = strlen(name);
    const char *p = r->head;
    const char *end = r->head + r->head_len;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = eol ? eol : end;
        size_t llen = (size_t)(line_end - p);
        if (llen > 0 && p[llen - 1] == '\r')
            llen--;
        if (llen > nlen && p[nlen] == ':' && strncasecmp(p, name, nlen) == 0) {
            const char *v = p + nlen + 1;
            size_t vlen = llen - nlen - 1;
            while (vlen > 0 && (*v == ' ' || *v == '\t')) {
                v++;
                vlen--;
            }
            while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
                vlen--;
            if (fn(v, vlen, ud))
                return 1;
        }
        p = eol ? eol + 1 : end;
    }
    return 0;
}

struct header_copy {
    char *out;
    size_t outlen;
};

static int copy_header(const char *v, size_t vlen, void *ud)
{
    struct header_copy *hc = ud;
    size_t n = vlen < hc->outlen - 1 ? vlen : hc->outlen - 1;
    memcpy(hc->out, v, n);
    hc->out[n] = '\0';
    return 1;
}

const char *http_header(const struct http_res *r, const char *name, char *out, size_t outlen)
{
    struct header_copy hc = {out, outlen};
    return each_header(r, name, copy_header, &hc) ? out : NULL;
}

static int count_header(const char *v, size_t vlen, void *ud)
{
    (void)v;
    (void)vlen;
    (*(int *)ud)++;
    return 0;
}

int http_header_count(const struct http_res *r, const char *name)
{
    int n = 0;
    each_header(r, name, count_header, &n);
    return n;
}

char *url_encode(const char *s)
{
    CURL *c = curl_easy_init();
    cr_assert(c != NULL);
    char *e = curl_easy_escape(c, s, 0);
    cr_assert(e != NULL);
    char *out = strdup(e);
    cr_assert(out != NULL);
    curl_free(e);
    curl_easy_cleanup(c);
    return out;
}

/* ------------------------------------------------------------------ */
/* Tokens, reports, clock                                               */

char *e2e_token(const char *client_id)
{
    struct http_res r;
    char form[512];
    snprintf(form, sizeof form,
             "grant_type=client_credentials&client_id=%s&client_secret=%s-secret", client_id,
             client_id);
    const char *h[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
    http_req(&r, "POST", "/oauth/token", h, form, strlen(form));
    cr_assert_eq(r.status, 200, "token for %s: %ld %s", client_id, r.status, r.body);
    const char *tok = jstr(r.json, "access_token");
    cr_assert(tok != NULL && tok[0] != '\0', "no access_token: %s", r.body);
    char *out = strdup(tok);
    cr_assert(out != NULL);
    http_res_free(&r);
    return out;
}

cJSON *e2e_run(const char *ver, const char *token, const char *json)
{
    struct http_res r;
    char path[64];
    snprintf(path, sizeof path, "/%s/reports/run", ver);
    api_call(&r, "POST", path, token, json);
    cr_assert_eq(r.status, 200, "run %s: %ld %s", json, r.status, r.body);
    cr_assert(cJSON_IsObject(r.json), "run answer is not an object: %s", r.body);
    cJSON *out = r.json;
    r.json = NULL;
    http_res_free(&r);
    return out;
}

cJSON *e2e_result(const char *ver, const char *token, const char *id)
{
    struct http_res r;
    char path[256];
    snprintf(path, sizeof path, "/%s/reports/%s/result", ver, id);
    api_call(&r, "GET", path, token, NULL);
    cr_assert_eq(r.status, 200, "result %s: %ld %s", id, r.status, r.body);
    cr_assert(cJSON_IsObject(r.json), "result answer is not an object: %s", r.body);
    cJSON *out = r.json;
    r.json = NULL;
    http_res_free(&r);
    return out;
}

cJSON *e2e_result_done(const char *ver, const char *token, const char *id, int timeout_s)
{
    timeout_s = (int)scaled_seconds(timeout_s);
    int64_t until = e2e_mono_ms() + (int64_t)timeout_s * 1000;
    for (;;) {
        cJSON *res = e2e_result(ver, token, id);
        if (jhas(res, "status"))
            return res;
        cJSON_Delete(res);
        cr_assert(e2e_mono_ms() < until, "task %s still running after %d s", id, timeout_s);
        usleep(50 * 1000);
    }
}

void e2e_clock_advance(int64_t ms)
{
    struct http_res r;
    char body[64];
    snprintf(body, sizeof body, "{\"advanceMs\":%lld}", (long long)ms);
    const char *h[] = {"Content-Type: application/json", NULL};
    http_req(&r, "POST", "/mock/clock", h, body, strlen(body));
    cr_assert_eq(r.status, 200, "advance clock: %ld %s", r.status, r.body);
    http_res_free(&r);
}

int64_t e2e_clock_now(void)
{
    struct http_res r;
    http_req(&r, "GET", "/mock/clock", NULL, NULL, 0);
    cr_assert_eq(r.status, 200, "GET /mock/clock: %ld %s", r.status, r.body);
    int64_t now = (int64_t)jnum(r.json, "epochMs");
    http_res_free(&r);
    return now;
}

int e2e_task_count(const char *auth)
{
    struct http_res r;
    const char *h[] = {auth, NULL};
    http_req(&r, "GET", "/mock/tasks", h, NULL, 0);
    cr_assert_eq(r.status, 200, "GET /mock/tasks: %ld %s", r.status, r.body);
    const cJSON *tasks = cJSON_GetObjectItemCaseSensitive(r.json, "tasks");
    cr_assert(cJSON_IsArray(tasks), "GET /mock/tasks has no tasks array: %s", r.body);
    int n = cJSON_GetArraySize(tasks);
    http_res_free(&r);
    return n;
}

long e2e_result_status(const char *token, const char *id)
{
    char path[160];
    struct http_res r;
    snprintf(path, sizeof(path), "/v2024/reports/%s/result", id);
    api_call(&r, "GET", path, token, NULL);
    long status = r.status;
    http_res_free(&r);
    return status;
}

size_t e2e_discard(char *p, size_t size, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return size * n;
}

/* ------------------------------------------------------------------ */
/* JSON                                                                 */

const char *jstr(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

int jhas(const cJSON *o, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(o, key) != NULL;
}

int jnull(const cJSON *o, const char *key)
{
    return cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, key));
}

double jnum(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    cr_assert(cJSON_IsNumber(v), "member %s is not a number", key);
    return v->valuedouble;
}

cJSON *jparse(const char *text)
{
    cJSON *j = cJSON_Parse(text);
    cr_assert(j != NULL, "invalid JSON in the test: %s", text);
    return j;
}

void assert_json_eq(const cJSON *got, const char *want)
{
    cJSON *w = jparse(want);
    char *g = cJSON_PrintUnformatted(got);
    int same = cJSON_Compare(got, w, 1);
    cJSON_Delete(w);
    cr_assert(same, "JSON differs: got %s, want %s", g ? g : "(null)", want);
    free(g);
}

int is_rfc3339_ms(const char *s)
{
    /* YYYY-MM-DDTHH:MM:SS.mmmZ */
    static const char *const shape = "dddd-dd-ddTdd:dd:dd.dddZ";
    if (s == NULL || strlen(s) != strlen(shape))
        return 0;
    for (size_t i = 0; shape[i] != '\0'; i++) {
        if (shape[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != shape[i])
            return 0;
    }
    int mon = (s[5] - '0') * 10 + (s[6] - '0');
    int day = (s[8] - '0') * 10 + (s[9] - '0');
    int hour = (s[11] - '0') * 10 + (s[12] - '0');
    int min = (s[14] - '0') * 10 + (s[15] - '0');
    int sec = (s[17] - '0') * 10 + (s[18] - '0');
    return mon >= 1 && mon <= 12 && day >= 1 && day <= 31 && hour <= 23 && min <= 59 && sec <= 60;
}

int is_hex32(const char *s)
{
    if (s == NULL || strlen(s) != 32)
        return 0;
    for (int i = 0; i < 32; i++)
        if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
            return 0;
    return 1;
}

static int contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay != '\0'; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return 1;
    return n == 0;
}

void assert_error_dto(const struct http_res *r, long status, const char *text_part)
{
    char ct[128];
    cr_assert_eq(r->status, status, "want %ld, got %ld: %s", status, r->status, r->body);
    cr_assert(http_header(r, "Content-Type", ct, sizeof ct) != NULL &&
                  strncasecmp(ct, "application/json", 16) == 0,
              "error Content-Type is not JSON");
    cr_assert(cJSON_IsObject(r->json), "error body is not a JSON object: %s", r->body);
    const char *code = jstr(r->json, "detailCode");
    char prefix[8];
    snprintf(prefix, sizeof prefix, "%ld", status);
    cr_assert(code != NULL && strncmp(code, prefix, strlen(prefix)) == 0,
              "detailCode does not start with %s: %s", prefix, r->body);
    cr_assert(is_hex32(jstr(r->json, "trackingId")), "trackingId is not 32 hex: %s", r->body);
    const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(r->json, "messages");
    cr_assert(cJSON_IsArray(msgs) && cJSON_GetArraySize(msgs) > 0, "no messages: %s", r->body);
    const cJSON *m = cJSON_GetArrayItem(msgs, 0);
    const char *locale = jstr(m, "locale");
    const char *origin = jstr(m, "localeOrigin");
    const char *text = jstr(m, "text");
    cr_assert(locale != NULL && strcmp(locale, "en-US") == 0, "locale: %s", r->body);
    cr_assert(origin != NULL && strcmp(origin, "DEFAULT") == 0, "localeOrigin: %s", r->body);
    cr_assert(text != NULL && text[0] != '\0', "no message text: %s", r->body);
    if (text_part != NULL)
        cr_assert(contains_nocase(text, text_part), "message text lacks \"%s\": %s", text_part,
                  r->body);
}

void assert_401(const struct http_res *r, const char *error)
{
    cr_assert_eq(r->status, 401, "want 401, got %ld: %s", r->status, r->body);
    cr_assert(cJSON_IsObject(r->json), "401 body is not a JSON object: %s", r->body);
    const char *e = jstr(r->json, "error");
    cr_assert(e != NULL && e[0] != '\0', "401 body has no error text: %s", r->body);
    if (error != NULL)
        cr_assert_str_eq(e, error, "401 error text: %s", r->body);
}

/* ------------------------------------------------------------------ */
/* CSV                                                                  */

long csv_records(const char *data, size_t len, int *fields, long *ragged)
{
    long records = 0;
    int nf = 1;
    int first_fields = -1;
    long bad = 0;
    size_t i = 0;
    int field_start = 1; /* at the start of a field */

    if (len == 0) {
        *fields = 0;
        *ragged = 0;
        return 0;
    }
    while (i < len) {
        char ch = data[i];
        if (field_start && ch == '"') {
            /* Quoted field: up to the closing quote, "" is a literal quote. */
            i++;
            for (;;) {
                if (i >= len)
                    return -1;
                if (data[i] == '"') {
                    if (i + 1 < len && data[i + 1] == '"') {
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                i++;
            }
            if (i < len && data[i] != ',' && data[i] != '\n' && data[i] != '\r')
                return -1;
            field_start = 0;
            continue;
        }
        if (ch == ',') {
            nf++;
            field_start = 1;
            i++;
            continue;
        }
        if (ch == '\r' || ch == '\n') {
            if (ch == '\r' && i + 1 < len && data[i + 1] == '\n')
                i++;
            i++;
            records++;
            if (first_fields < 0)
                first_fields = nf;
            else if (nf != first_fields)
                bad++;
            nf = 1;
            field_start = 1;
            continue;
        }
        if (ch == '"')
            return -1;
        field_start = 0;
        i++;
    }
    if (!field_start || nf > 1 || (len > 0 && data[len - 1] != '\n' && data[len - 1] != '\r')) {
        /* A last record without a line end. */
        records++;
        if (first_fields < 0)
            first_fields = nf;
        else if (nf != first_fields)
            bad++;
    }
    *fields = first_fields < 0 ? 0 : first_fields;
    *ragged = bad;
    return records;
}

cJSON *ctl(const char *method, const char *path, const char *json, long status)
{
    struct http_res r;
    api_call(&r, method, path, NULL, json);
    cr_assert_eq(r.status, status, "%s %s %s: %ld %s", method, path, json ? json : "", r.status,
                 r.body);
    cJSON *j = r.json;
    r.json = NULL;
    http_res_free(&r);
    return j;
}

void ctl_400(const char *method, const char *path, const char *json, const char *part)
{
    struct http_res r;
    api_call(&r, method, path, NULL, json);
    cr_expect_eq(r.status, 400, "%s %s %s: %ld %s", method, path, json ? json : "", r.status,
                 r.body);
    if (r.status == 400)
        assert_error_dto(&r, 400, part);
    http_res_free(&r);
}

long e2e_status_kb(pid_t pid, const char *name)
{
    char path[64], line[256];
    long kb = -1;
    size_t n = strlen(name);
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, name, n) == 0 && line[n] == ':') {
            kb = strtol(line + n + 1, NULL, 10);
            break;
        }
    fclose(f);
    return kb;
}

/* A native process has nowhere near this much address space, kB. */
#define NATIVE_VMSIZE_MAX_KB (64L << 20)

int e2e_runs_natively(pid_t pid)
{
    char path[64], exe[1024];
    snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
    ssize_t n = readlink(path, exe, sizeof exe - 1);
    cr_assert_gt(n, 0, "%s", path);
    exe[n] = '\0';
    const char *base = strrchr(exe, '/');
    base = base ? base + 1 : exe;
    return strcmp(base, "isc-reports-mock") == 0 &&
           e2e_status_kb(pid, "VmSize") < NATIVE_VMSIZE_MAX_KB;
}

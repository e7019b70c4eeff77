/*
 * main.c - isc-reports-mock: flags and environment, start, wait for a
 * signal, stop. Everything else lives in the library under server/.
 *
 * Exit codes: 0 after a clean stop, 2 for a bad flag or an unusable
 * database, address or fixtures folder, 1 for anything else.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/app.h"
#include "auth/limiter.h"
#include "core/ids.h"
#include "core/log.h"
#include "http/daemon.h"
#include "store/embedded.h"

#ifndef ISC_VERSION
#define ISC_VERSION "dev"
#endif

#define DEFAULT_PORT 7100
#define DEFAULT_TOKEN_TTL 749 /* what a real tenant's client-credentials tokens last */

static const char usage[] =
    "usage: isc-reports-mock [options]\n"
    "\n"
    "A local mock of the SailPoint ISC v2024 Reports Data Extraction API.\n"
    "Every option can also be set by an environment variable; the flag wins.\n"
    "\n"
    "  --bind ADDR            address to listen on (ISC_MOCK_BIND; default 127.0.0.1)\n"
    "  --port N               port, 0 picks a free one (ISC_MOCK_PORT; default 7100)\n"
    "  --db PATH              SQLite database, :memory: or a file kept across restarts\n"
    "                         (ISC_MOCK_DB; default :memory:)\n"
    "  --fixtures DIR         load the tenant and clients from DIR/*.sql instead of the\n"
    "                         built-in fixtures (ISC_MOCK_FIXTURES)\n"
    "  --report-duration MS   how long a report runs (ISC_MOCK_REPORT_DURATION; default 2000)\n"
    "  --clock real|virtual   virtual: time moves only through POST /mock/clock\n"
    "                         (ISC_MOCK_CLOCK; default real)\n"
    "  --token-ttl SECONDS    access token lifetime (ISC_MOCK_TOKEN_TTL; default 749)\n"
    "  --log-format text|json one line per request on stderr (ISC_MOCK_LOG_FORMAT; default text)\n"
    "  --threads N            HTTP worker threads (ISC_MOCK_THREADS; default: CPU count)\n"
    "  --quiet                no request log lines (ISC_MOCK_QUIET=1)\n"
    "  --rate-limit N/SECONDS requests per window per client and API version, 0 = off\n"
    "                         (ISC_MOCK_RATE_LIMIT; default 100/10)\n"
    "  --admin-token TOKEN    require this bearer token on the /mock/ control API\n"
    "                         (ISC_MOCK_ADMIN_TOKEN; default: no token needed)\n"
    "  --journal-max N        request journal rows kept (ISC_MOCK_JOURNAL_MAX; default 10000)\n"
    "  --help                 this text\n"
    "  --version              the version\n";

struct options {
    struct app_config cfg;
};

static int fail_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints one line "isc-reports-mock: <why> (see --help)" and returns exit code 2. */
static int fail_usage(const char *fmt, ...)
{
    char why[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    fprintf(stderr, "isc-reports-mock: %s (see --help)\n", why);
    return 2;
}

static int parse_int64(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* Applies one option by name ("port") to cfg. Returns 0 or 2 (after printing why). */
static int apply(struct app_config *cfg, const char *name, const char *value, const char *from)
{
    int64_t v;
    if (strcmp(name, "bind") == 0) {
        if (!*value)
            return fail_usage("%s: empty address", from);
        cfg->bind = value;
    } else if (strcmp(name, "port") == 0) {
        if (parse_int64(value, 0, 65535, &v))
            return fail_usage("%s: '%s' is not a port (0-65535)", from, value);
        cfg->port = (int)v;
    } else if (strcmp(name, "db") == 0) {
        if (!*value)
            return fail_usage("%s: empty database path", from);
        cfg->db = value;
    } else if (strcmp(name, "fixtures") == 0) {
        cfg->fixtures = *value ? value : NULL;
    } else if (strcmp(name, "report-duration") == 0) {
        if (parse_int64(value, 0, INT64_C(31536000000), &v))
            return fail_usage("%s: '%s' is not a duration in milliseconds", from, value);
        cfg->report_duration_ms = v;
    } else if (strcmp(name, "clock") == 0) {
        if (strcmp(value, "real") == 0)
            cfg->clock = CLOCK_MODE_REAL;
        else if (strcmp(value, "virtual") == 0)
            cfg->clock = CLOCK_MODE_VIRTUAL;
        else
            return fail_usage("%s: '%s' is not real or virtual", from, value);
    } else if (strcmp(name, "token-ttl") == 0) {
        if (parse_int64(value, 1, INT64_C(315360000), &v))
            return fail_usage("%s: '%s' is not a lifetime in seconds (>= 1)", from, value);
        cfg->token_ttl_s = v;
    } else if (strcmp(name, "log-format") == 0) {
        if (strcmp(value, "text") == 0)
            cfg->log_json = 0;
        else if (strcmp(value, "json") == 0)
            cfg->log_json = 1;
        else
            return fail_usage("%s: '%s' is not text or json", from, value);
    } else if (strcmp(name, "threads") == 0) {
        if (parse_int64(value, 1, 256, &v))
            return fail_usage("%s: '%s' is not a thread count (1-256)", from, value);
        cfg->threads = (int)v;
    } else if (strcmp(name, "rate-limit") == 0) {
        if (limiter_parse(value, &cfg->rate_count, &cfg->rate_window_ms) != 0)
            return fail_usage("%s: '%s' is not COUNT/SECONDS (e.g. 100/10) or 0", from, value);
    } else if (strcmp(name, "admin-token") == 0) {
        cfg->admin_token = *value ? value : NULL;
    } else if (strcmp(name, "journal-max") == 0) {
        if (parse_int64(value, 1, 10000000, &v))
            return fail_usage("%s: '%s' is not a row count (1-10000000)", from, value);
        cfg->journal_max = (size_t)v;
    } else if (strcmp(name, "quiet") == 0) {
        cfg->quiet = strcmp(value, "0") != 0 && strcmp(value, "false") != 0;
    } else {
        return fail_usage("unknown option --%s", name);
    }
    return 0;
}

static const char *const option_names[] = {
    "bind",       "port",    "db",         "fixtures",    "report-duration", "clock", "token-ttl",
    "log-format", "threads", "rate-limit", "admin-token", "journal-max",     "quiet", NULL};

static int parse_options(int argc, char **argv, struct app_config *cfg)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    cfg->bind = "127.0.0.1";
    cfg->port = DEFAULT_PORT;
    cfg->db = ":memory:";
    cfg->fixtures = NULL;
    cfg->report_duration_ms = 2000;
    cfg->clock = CLOCK_MODE_REAL;
    cfg->token_ttl_s = DEFAULT_TOKEN_TTL;
    cfg->rate_count = 100;
    cfg->rate_window_ms = 10000;
    cfg->journal_max = 10000;
    cfg->threads = cpus > 0 ? (int)(cpus > 64 ? 64 : cpus) : 2;

    /* Environment first, so flags win. */
    for (const char *const *n = option_names; *n; n++) {
        char env[64] = "ISC_MOCK_";
        size_t len = strlen(env);
        for (const char *p = *n; *p && len + 1 < sizeof(env); p++)
            env[len++] = *p == '-' ? '_' : (char)(*p - 'a' + 'A');
        env[len] = '\0';
        const char *v = getenv(env);
        if (v && apply(cfg, *n, v, env))
            return 2;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            return 1;
        }
        if (strcmp(a, "--version") == 0) {
            printf("isc-reports-mock %s\n", ISC_VERSION);
            return 1;
        }
        if (strncmp(a, "--", 2) != 0)
            return fail_usage("unexpected argument '%s'", a);
        char name[64];
        const char *eq = strchr(a + 2, '='), *value;
        size_t nlen = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        if (nlen >= sizeof(name))
            return fail_usage("unknown option %s", a);
        memcpy(name, a + 2, nlen);
        name[nlen] = '\0';
        if (strcmp(name, "quiet") == 0 && !eq) {
            value = "1";
        } else if (eq) {
            value = eq + 1;
        } else {
            int known = 0;
            for (const char *const *n = option_names; *n; n++)
                known |= strcmp(*n, name) == 0;
            if (!known)
                return fail_usage("unknown option %s", a);
            if (i + 1 >= argc)
                return fail_usage("option %s needs a value", a);
            value = argv[++i];
        }
        if (apply(cfg, name, value, a))
            return 2;
    }
    return 0;
}

/* Fixtures read from a folder: *.sql in name order. Owned by main until exit. */
struct loaded_fixtures {
    struct store_file *files;
    size_t n;
};

static void fixtures_free(struct loaded_fixtures *lf)
{
    for (size_t i = 0; i < lf->n; i++) {
        free((char *)lf->files[i].name);
        free((char *)lf->files[i].text);
    }
    free(lf->files);
    lf->files = NULL;
    lf->n = 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct store_file *)a)->name, ((const struct store_file *)b)->name);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long size = ftell(f);
        if (size >= 0 && size < (64L << 20) && fseek(f, 0, SEEK_SET) == 0) {
            text = malloc((size_t)size + 1);
            if (text && fread(text, 1, (size_t)size, f) != (size_t)size) {
                free(text);
                text = NULL;
            } else if (text) {
                text[size] = '\0';
            }
        }
    }
    fclose(f);
    return text;
}

static int fixtures_load(const char *dir, struct loaded_fixtures *lf, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "cannot read fixtures folder %s: %s", dir, strerror(errno));
        return -1;
    }
    struct dirent *e;
    int rc = -1;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".sql") != 0)
            continue;
        struct store_file *grown = realloc(lf->files, (lf->n + 1) * sizeof(*grown));
        if (!grown)
            goto out;
        lf->files = grown;
        char path[8192];
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= sizeof(path)) {
            snprintf(err, errlen, "fixture path too long in %.256s", dir);
            goto out_err;
        }
        char *text = read_file(path), *name = strdup(e->d_name);
        if (!text || !name) {
            free(text);
            free(name);
            snprintf(err, errlen, "cannot read fixture %.400s", path);
            goto out_err;
        }
        lf->files[lf->n].name = name;
        lf->files[lf->n].text = text;
        lf->n++;
    }
    if (lf->n == 0) {
        snprintf(err, errlen, "fixtures folder %s holds no .sql file", dir);
        goto out_err;
    }
    qsort(lf->files, lf->n, sizeof(*lf->files), by_name);
    rc = 0;
    goto out_err;
out:
    snprintf(err, errlen, "out of memory");
out_err:
    closedir(d);
    return rc;
}

static void to_hex(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static int from_hex(const char *in, unsigned char *out, size_t n)
{
    if (strlen(in) != 2 * n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(in + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (unsigned char)v;
    }
    return 0;
}

/* Loads (or creates and saves) what must survive restarts with a file database. */
static int app_identity(struct app *app)
{
    char hex[2 * APP_KEY_LEN + 1];
    int rc = store_meta_get(app->store, "jwt_key", hex, sizeof(hex));
    if (rc < 0)
        return -1;
    if (rc == 1 || from_hex(hex, app->jwt_key, APP_KEY_LEN) != 0) {
        ids_random(app->jwt_key, APP_KEY_LEN);
        to_hex(app->jwt_key, APP_KEY_LEN, hex);
        if (store_meta_set(app->store, "jwt_key", hex) != 0)
            return -1;
    }
    rc = store_meta_get(app->store, "tenant_id", app->tenant_id, sizeof(app->tenant_id));
    if (rc < 0)
        return -1;
    if (rc == 1) {
        ids_uuid(app->tenant_id);
        if (store_meta_set(app->store, "tenant_id", app->tenant_id) != 0)
            return -1;
    }
    if (clock_mode(app->clock) == CLOCK_MODE_VIRTUAL) {
        char v[32];
        int64_t ms;
        rc = store_meta_get(app->store, "virtual_clock_ms", v, sizeof(v));
        if (rc == 0 && parse_int64(v, 0, INT64_MAX, &ms) == 0)
            clock_set(app->clock, ms);
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct app app;
    struct loaded_fixtures lf = {NULL, 0};
    struct http_daemon *http = NULL;
    char err[512] = "";
    int code = 1;
    memset(&app, 0, sizeof(app));
    int prc = parse_options(argc, argv, &app.cfg);
    if (prc == 1)
        return 0; /* --help or --version */
    if (prc)
        return prc;
    log_set_format(app.cfg.log_json ? LOG_JSON : LOG_TEXT);
    log_set_quiet(app.cfg.quiet);
    app.org = "acme-mock";
    app.pod = "mock01-local";
    app.version = ISC_VERSION;

    /* Block the stop signals before any thread starts, then wait for them here. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    const struct store_file *fixtures = embedded_fixtures;
    size_t nfixtures = embedded_fixtures_count;
    if (app.cfg.fixtures) {
        if (fixtures_load(app.cfg.fixtures, &lf, err, sizeof(err)) != 0) {
            fprintf(stderr, "isc-reports-mock: %s\n", err);
            code = 2;
            goto out;
        }
        fixtures = lf.files;
        nfixtures = lf.n;
    }
    app.clock = clock_new(app.cfg.clock, 0);
    app.store = app.clock ? store_open(app.cfg.db, embedded_schema, embedded_schema_count, fixtures,
                                       nfixtures, err, sizeof(err))
                          : NULL;
    if (!app.store) {
        fprintf(stderr, "isc-reports-mock: %s\n", err[0] ? err : "out of memory");
        code = 2;
        goto out;
    }
    if (app_identity(&app) != 0) {
        fprintf(stderr, "isc-reports-mock: cannot initialise database %s\n", app.cfg.db);
        code = 2;
        goto out;
    }
    app.issuer = (struct auth_issuer){.key = app.jwt_key,
                                      .key_len = APP_KEY_LEN,
                                      .tenant_id = app.tenant_id,
                                      .org = app.org,
                                      .pod = app.pod,
                                      .clock = app.clock};
    app.limiter = limiter_new(app.cfg.rate_count, app.cfg.rate_window_ms, LIMITER_KEYS_DEFAULT);
    if (!app.limiter) {
        fprintf(stderr, "isc-reports-mock: out of memory\n");
        goto out;
    }
    http = http_start(&app, err, sizeof(err));
    if (!http) {
        fprintf(stderr, "isc-reports-mock: %s\n", err);
        code = 2;
        goto out;
    }
    int v6 = strchr(app.cfg.bind, ':') != NULL;
    printf("listening on http://%s%s%s:%d\n", v6 ? "[" : "", app.cfg.bind, v6 ? "]" : "",
           http_port(http));
    fflush(stdout);
    log_msg("info", NULL, "isc-reports-mock %s: db %s, clock %s, report duration %" PRId64 " ms",
            ISC_VERSION, app.cfg.db, app.cfg.clock == CLOCK_MODE_VIRTUAL ? "virtual" : "real",
            app.cfg.report_duration_ms);

    int sig = 0;
    sigwait(&stop, &sig);
    log_msg("info", NULL, "signal %d: stopping", sig);
    http_stop(http, 10000);
    http = NULL;
    code = 0;
out:
    http_stop(http, 0);
    limiter_free(app.limiter);
    store_close(app.store);
    clock_free(app.clock);
    fixtures_free(&lf);
    return code;
}

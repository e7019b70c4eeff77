/*
 * options.c - the settings table and its parser (see options.h). Every
 * setting is one row; nothing else in the program spells a flag name,
 * an environment variable, a bound or a default. Rows are applied by kind,
 * so a new setting is a new row, not new parsing code.
 */
#include "options.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../auth/limiter.h"
#include "../store/gen.h"
#include "config.h"
#include "cors.h"
#include <cjson/cJSON.h>

enum option_kind {
    OPT_TEXT,   /* a string; `what` set: must not be empty ("empty <what>"); else "" is NULL */
    OPT_INT,    /* a decimal integer in [lo, hi], stored in an int, int64_t or size_t */
    OPT_CHOICE, /* one of the words of `what` ("real|virtual"), stored as its index */
    OPT_RATE,   /* COUNT/SECONDS or 0, into rate_count and rate_window_ms */
    OPT_SWITCH, /* a flag without value; from the environment "0"/"false" is off */
    OPT_CORS,   /* repeatable: each value appended to cors[] (checked by cors_value_check) */
};

struct option_row {
    const char *name; /* "port" for --port */
    const char *arg;  /* the value's name in --help ("N"); NULL for a switch */
    const char *env;  /* "ISC_MOCK_PORT" */
    enum option_kind kind;
    size_t offset, size; /* the field of struct app_config */
    int64_t lo, hi;      /* OPT_INT bounds */
    const char *what;    /* OPT_INT/OPT_TEXT: the noun in errors; OPT_CHOICE: the words */
    const char *def;     /* default value, parsed like a flag's; NULL: none */
    const char *shown;   /* the default as --help shows it when def is NULL */
    const char *help;    /* one sentence for --help, and the README's "meaning" */
};

#define FIELD(m) offsetof(struct app_config, m), sizeof(((struct app_config *)0)->m)

/* The settings, in --help order. One table (clang-format would spread each row). */
/* clang-format off */
static const struct option_row rows[] = {
    {"bind", "ADDR", "ISC_MOCK_BIND", OPT_TEXT, FIELD(bind), 0, 0, "address",
     "127.0.0.1", NULL, "address to listen on (IPv4 or IPv6)"},
    {"port", "N", "ISC_MOCK_PORT", OPT_INT, FIELD(port), 0, 65535, "a port",
     "7100", NULL, "port; 0 picks a free one (read it from the first stdout line)"},
    {"db", "PATH", "ISC_MOCK_DB", OPT_TEXT, FIELD(db), 0, 0, "database path",
     ":memory:", NULL, "SQLite database; a file keeps tasks, clients, the clock and the "
     "signing key across restarts (WAL mode), and the report files in the folder PATH.files "
     "beside it"},
    {"fixtures", "DIR", "ISC_MOCK_FIXTURES", OPT_TEXT, FIELD(fixtures), 0, 0, NULL,
     NULL, "built in", "load DIR/*.sql (in name order) instead of the built-in tenant and "
     "clients"},
    {"tenant-size", "N", "ISC_MOCK_TENANT_SIZE", OPT_INT, FIELD(tenant_size), GEN_SIZE_MIN,
     GEN_SIZE_MAX, "a tenant size", NULL, "none", "generate a tenant of N identities "
     "instead of the built-in one (see \"A tenant of any size\")"},
    {"seed", "S", "ISC_MOCK_SEED", OPT_INT, FIELD(tenant_seed), 0, GEN_SEED_MAX, "a seed",
     "1", NULL, "the generated tenant's seed: the same size and seed give the same tenant"},
    {"report-duration", "MS", "ISC_MOCK_REPORT_DURATION", OPT_INT, FIELD(report_duration_ms),
     0, INT64_C(31536000000), "a duration in milliseconds", "2000", NULL,
     "how long a report runs"},
    {"clock", "real|virtual", "ISC_MOCK_CLOCK", OPT_CHOICE, FIELD(clock), 0, 0, "real|virtual",
     "real", NULL, "virtual: time stands still until POST /mock/clock moves it"},
    {"token-ttl", "SECONDS", "ISC_MOCK_TOKEN_TTL", OPT_INT, FIELD(token_ttl_s),
     1, INT64_C(315360000), "a lifetime in seconds", "749", NULL,
     "access token lifetime (a tenant's tokens last 749 s)"},
    {"rate-limit", "N/SECONDS", "ISC_MOCK_RATE_LIMIT", OPT_RATE, FIELD(rate_count), 0, 0, NULL,
     "100/10", NULL, "requests per window per client and API version; 0 turns it off"},
    {"allowed-hosts", "NAMES", "ISC_MOCK_ALLOWED_HOSTS", OPT_TEXT, FIELD(allowed_hosts), 0, 0,
     NULL, NULL, "none", "more host names the control API answers to, separated by commas "
     "(for example a Docker service name)"},
    {"admin-token", "TOKEN", "ISC_MOCK_ADMIN_TOKEN", OPT_TEXT, FIELD(admin_token), 0, 0,
     "admin token", NULL, "none", "require Authorization: Bearer TOKEN on /mock/ (an empty "
     "TOKEN is refused)"},
    {"journal-max", "N", "ISC_MOCK_JOURNAL_MAX", OPT_INT, FIELD(journal_max), 1, 10000000,
     "a row count", "10000", NULL, "request journal rows kept"},
    {"journal-max-bytes", "N", "ISC_MOCK_JOURNAL_MAX_BYTES", OPT_INT, FIELD(journal_max_bytes),
     65536, INT64_C(1099511627776), "a byte count", "33554432", NULL, "bytes of text the request "
     "journal keeps at most (paths, queries, headers, bodies); the oldest rows go first"},
    {"task-max", "N", "ISC_MOCK_TASK_MAX", OPT_INT, FIELD(task_max), 0, 100000000,
     "a task count", "10000", NULL, "report tasks kept, the newest: past it the oldest go, "
     "running or not, in small batches; 0 keeps every task"},
    {"task-max-age", "SECONDS", "ISC_MOCK_TASK_MAX_AGE", OPT_INT, FIELD(task_max_age_s), 0,
     INT64_C(315360000), "an age in seconds", "0", NULL, "starting a task also removes the "
     "tasks created longer ago than this on the mock's clock; 0 keeps them"},
    {"log-format", "text|json", "ISC_MOCK_LOG_FORMAT", OPT_CHOICE, FIELD(log_json), 0, 0,
     "text|json", "text", NULL, "one line per request on stderr"},
    {"max-connections", "N", "ISC_MOCK_MAX_CONNECTIONS", OPT_INT, FIELD(max_connections),
     1, 1048576, "a connection count", "1024", NULL, "connections served at once; past it a new "
     "one replaces the oldest that is still sending its request or idle, or gets a 503 when "
     "none is"},
    {"max-connections-per-ip", "N", "ISC_MOCK_MAX_CONNECTIONS_PER_IP", OPT_INT,
     FIELD(max_connections_per_ip), 1, 1048576, "a connection count", "256", NULL,
     "the same cap for the connections of one client address"},
    {"read-timeout", "SECONDS", "ISC_MOCK_READ_TIMEOUT", OPT_INT, FIELD(read_timeout_s), 1,
     86400, "a timeout in seconds", "30", NULL, "time a client has to send a whole request "
     "(line, headers and body), from the connection's opening or its previous answer; then "
     "the connection is closed"},
    {"threads", "N", "ISC_MOCK_THREADS", OPT_INT, FIELD(threads), 1, 256, "a thread count",
     NULL, "CPU count", "HTTP worker threads"},
    {"quiet", NULL, "ISC_MOCK_QUIET", OPT_SWITCH, FIELD(quiet), 0, 0, NULL,
     NULL, "off", "no request log lines"},
    {"config", "FILE", "ISC_MOCK_CONFIG", OPT_TEXT, FIELD(config_path), 0, 0,
     "config file path", NULL, "none", "read settings, clients, report behaviours, faults and "
     "tasks from this JSON file (see \"A config file\"); variables and flags override its "
     "settings"},
    {"snapshot", "FILE", "ISC_MOCK_SNAPSHOT", OPT_TEXT, FIELD(snapshot), 0, 0,
     "snapshot file path", NULL, "none", "start from this snapshot (a file that GET "
     "/mock/snapshots/NAME gave): its state replaces the database's (see \"Snapshots\")"},
    {"cors", "ORIGIN", "ISC_MOCK_CORS", OPT_CORS, FIELD(cors), 0, 0, NULL, NULL, "off",
     "let web pages of ORIGIN (scheme://host[:port], or * for any) call the API and the "
     "token endpoint: answer their preflights and add CORS headers (not on /mock/); repeat "
     "the flag or separate origins with commas"},
};
/* clang-format on */

#define NROWS (sizeof(rows) / sizeof(rows[0]))

static const struct option_row *find(const char *name, size_t len)
{
    for (size_t i = 0; i < NROWS; i++)
        if (strlen(rows[i].name) == len && memcmp(rows[i].name, name, len) == 0)
            return &rows[i];
    return NULL;
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

/* Stores v (within the row's bounds, so never negative) in a field of `size` bytes. */
static void store_int(void *field, size_t size, int64_t v)
{
    if (size == sizeof(int)) {
        int i = (int)v;
        memcpy(field, &i, sizeof(i));
    } else if (size == sizeof(int64_t)) {
        memcpy(field, &v, sizeof(v));
    }
}

/* The index of `value` among the '|'-separated words of `words`; -1 if absent. */
static int choice_index(const char *words, const char *value)
{
    size_t n = strlen(value);
    int i = 0;
    for (const char *w = words; *w; i++) {
        size_t len = strcspn(w, "|");
        if (len == n && memcmp(w, value, n) == 0)
            return i;
        w += len + (w[len] == '|');
    }
    return -1;
}

/* Applies one value to its row; `from` names where it came from. 0, or -1 with err set. */
static int apply(const struct option_row *o, const char *value, const char *from,
                 struct app_config *cfg, char *err, size_t errlen)
{
    void *field = (char *)cfg + o->offset;
    int64_t v = 0;
    switch (o->kind) {
    case OPT_TEXT:
        if (!*value && o->what) {
            err_why(err, errlen, "%s: empty %s", from, o->what);
            return -1;
        }
        value = *value ? value : NULL;
        memcpy(field, &value, sizeof(value));
        return 0;
    case OPT_INT:
        if (parse_int64(value, o->lo, o->hi, &v) != 0) {
            err_why(err, errlen, "%s: '%s' is not %s (%" PRId64 "-%" PRId64 ")", from, value,
                    o->what, o->lo, o->hi);
            return -1;
        }
        store_int(field, o->size, v);
        return 0;
    case OPT_CHOICE:
        v = choice_index(o->what, value);
        if (v < 0) {
            err_why(err, errlen, "%s: '%s' is not one of %s", from, value, o->what);
            return -1;
        }
        store_int(field, o->size, v);
        return 0;
    case OPT_RATE:
        if (limiter_parse(value, &cfg->rate_count, &cfg->rate_window_ms) != 0) {
            err_why(err, errlen, "%s: '%s' is not COUNT/SECONDS (e.g. 100/10) or 0", from, value);
            return -1;
        }
        return 0;
    case OPT_SWITCH:
        store_int(field, o->size, strcmp(value, "0") != 0 && strcmp(value, "false") != 0);
        return 0;
    case OPT_CORS: {
        char why[256] = "";
        if (cfg->ncors >= APP_CORS_MAX)
            err_why(why, sizeof(why), "more than %d values", APP_CORS_MAX);
        else
            cors_value_check(value, why, sizeof(why));
        if (why[0]) {
            err_why(err, errlen, "%s: %s", from, why);
            return -1;
        }
        cfg->cors[cfg->ncors++] = value;
        return 0;
    }
    }
    return -1;
}

static void set_defaults(struct app_config *cfg)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    memset(cfg, 0, sizeof(*cfg));
    for (size_t i = 0; i < NROWS; i++)
        if (rows[i].def)
            apply(&rows[i], rows[i].def, "default", cfg, NULL, 0);
    cfg->threads = cpus > 0 ? (int)(cpus > 64 ? 64 : cpus) : 2;
}

/*
 * One argv entry at *i (which may consume the next), applied to cfg; its row
 * is marked in set[] (may be NULL). 0, 1 to stop (result in *res), -1 bad.
 */
static int parse_arg(int argc, char *const *argv, int *i, struct app_config *cfg,
                     unsigned char *set, enum options_result *res, char *err, size_t errlen)
{
    const char *a = argv[*i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
        *res = OPTIONS_HELP;
        return 1;
    }
    if (strcmp(a, "--version") == 0) {
        *res = OPTIONS_VERSION;
        return 1;
    }
    if (strcmp(a, "--print-config") == 0) {
        *res = OPTIONS_PRINT; /* noted; the other flags still apply */
        return 0;
    }
    if (strncmp(a, "--", 2) != 0) {
        err_why(err, errlen, "unexpected argument '%s'", a);
        return -1;
    }
    const char *eq = strchr(a + 2, '=');
    const struct option_row *o = find(a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2));
    if (!o) {
        err_why(err, errlen, "unknown option %s", a);
        return -1;
    }
    const char *value = eq ? eq + 1 : NULL;
    if (!value && o->kind == OPT_SWITCH)
        value = "1";
    if (!value) {
        if (*i + 1 >= argc) {
            err_why(err, errlen, "option %s needs a value", a);
            return -1;
        }
        value = argv[++*i];
    }
    if (set)
        set[o - rows] = 1;
    return apply(o, value, a, cfg, err, errlen);
}

/* The flags of argv over cfg. OPTIONS_RUN (or OPTIONS_PRINT) when all applied. */
static enum options_result parse_args(int argc, char *const *argv, struct app_config *cfg,
                                      unsigned char *set, char *err, size_t errlen)
{
    enum options_result done = OPTIONS_RUN;
    for (int i = 1; i < argc; i++) {
        enum options_result res = OPTIONS_RUN;
        int rc = parse_arg(argc, argv, &i, cfg, set, &res, err, errlen);
        if (rc < 0)
            return OPTIONS_BAD;
        if (rc > 0)
            return res;
        if (res == OPTIONS_PRINT)
            done = OPTIONS_PRINT;
    }
    return done;
}

/* The row of the config file setting itself (never read from a config file). */
static const struct option_row *config_row(void)
{
    return find("config", 6);
}

/* Reads the config file named by the flag (in flagged) or the variable. */
static int read_config(const char *flagged, options_env_fn env, struct app_config *cfg, char *err,
                       size_t errlen)
{
    const char *path = flagged ? flagged : env ? env(config_row()->env) : NULL;
    if (!path || !*path)
        return 0;
    cfg->config = config_read(path, cfg, err, errlen);
    cfg->config_path = path;
    return cfg->config ? 0 : -1;
}

enum options_result options_parse(int argc, char *const *argv, options_env_fn env,
                                  struct app_config *cfg, char *err, size_t errlen)
{
    unsigned char set[NROWS] = {0};
    /* The flags first, to learn which settings they give: a variable is not
     * even read when its flag is there, so a bad one cannot stop a start. */
    set_defaults(cfg);
    enum options_result res = parse_args(argc, argv, cfg, set, err, errlen);
    if (res != OPTIONS_RUN && res != OPTIONS_PRINT)
        return res;
    const char *flagged = cfg->config_path;
    set_defaults(cfg);
    if (read_config(flagged, set[config_row() - rows] ? NULL : env, cfg, err, errlen) != 0)
        return OPTIONS_BAD;
    for (size_t i = 0; env && i < NROWS; i++) {
        const char *v = set[i] || &rows[i] == config_row() ? NULL : env(rows[i].env);
        if (v && rows[i].kind == OPT_CORS)
            cfg->ncors = 0; /* the variable replaces the file's list */
        if (v && apply(&rows[i], v, rows[i].env, cfg, err, errlen) != 0)
            return OPTIONS_BAD;
    }
    for (size_t i = 0; i < NROWS; i++)
        if (set[i] && rows[i].kind == OPT_CORS)
            cfg->ncors = 0; /* and the flags replace both */
    return parse_args(argc, argv, cfg, NULL, err, errlen) == OPTIONS_BAD ? OPTIONS_BAD : res;
}

void options_release(struct app_config *cfg)
{
    if (!cfg)
        return;
    config_free((struct config *)cfg->config);
    cfg->config = NULL;
}

enum options_type options_type(const char *name)
{
    const struct option_row *o = find(name, strlen(name));
    if (!o || o == config_row())
        return OPTIONS_T_NONE;
    switch (o->kind) {
    case OPT_INT:
        return OPTIONS_T_INT;
    case OPT_SWITCH:
        return OPTIONS_T_BOOL;
    case OPT_CORS:
        return OPTIONS_T_LIST;
    case OPT_TEXT:
    case OPT_CHOICE:
    case OPT_RATE:
        return OPTIONS_T_STRING;
    }
    return OPTIONS_T_NONE;
}

int options_set(struct app_config *cfg, const char *name, const char *value, const char *from,
                char *err, size_t errlen)
{
    const struct option_row *o = find(name, strlen(name));
    if (!o || o == config_row()) {
        err_why(err, errlen, "%s: no such setting", from);
        return -1;
    }
    return apply(o, value, from, cfg, err, errlen);
}

/* Reads back an integer field of `size` bytes (the inverse of store_int). */
static int64_t load_int(const void *field, size_t size)
{
    if (size == sizeof(int)) {
        int i;
        memcpy(&i, field, sizeof(i));
        return i;
    }
    int64_t v;
    memcpy(&v, field, sizeof(v));
    return v;
}

/* The setting of row o in cfg as JSON; NULL when it has no value (or OOM). */
static cJSON *row_json(const struct option_row *o, const struct app_config *cfg)
{
    const void *field = (const char *)cfg + o->offset;
    const char *text;
    char word[64];
    int64_t v;
    switch (o->kind) {
    case OPT_TEXT:
        memcpy(&text, field, sizeof(text));
        if (!text)
            return NULL;
        return cJSON_CreateString(o->offset == offsetof(struct app_config, admin_token) ? "***"
                                                                                        : text);
    case OPT_INT:
        v = load_int(field, o->size);
        return !o->def && v == 0 ? NULL : cJSON_CreateNumber((double)v);
    case OPT_CHOICE:
        v = load_int(field, o->size);
        text = o->what;
        for (int64_t i = 0; i < v && strchr(text, '|'); i++)
            text = strchr(text, '|') + 1;
        snprintf(word, sizeof(word), "%.*s", (int)strcspn(text, "|"), text);
        return cJSON_CreateString(word);
    case OPT_RATE:
        if (cfg->rate_count == 0)
            return cJSON_CreateString("0");
        snprintf(word, sizeof(word), "%d/%lld", cfg->rate_count,
                 (long long)(cfg->rate_window_ms / 1000));
        return cJSON_CreateString(word);
    case OPT_SWITCH:
        return cJSON_CreateBool(load_int(field, o->size) != 0);
    case OPT_CORS:
        return cfg->ncors ? cJSON_CreateStringArray(cfg->cors, cfg->ncors) : NULL;
    }
    return NULL;
}

cJSON *options_json(const struct app_config *cfg)
{
    cJSON *o = cJSON_CreateObject();
    for (size_t i = 0; o && i < NROWS; i++) {
        if (&rows[i] == config_row())
            continue;
        cJSON *v = row_json(&rows[i], cfg);
        if (v)
            cJSON_AddItemToObject(o, rows[i].name, v);
    }
    return o;
}

/* Writes `text` wrapped at 78 columns, each line indented by `indent` spaces. */
static void wrap(FILE *out, const char *text, int indent)
{
    int col = 0;
    while (*text) {
        size_t len = strcspn(text, " ");
        if (col > 0 && col + 1 + (int)len > 78) {
            fputc('\n', out);
            col = 0;
        }
        col += col == 0 ? fprintf(out, "%*s", indent, "") : fprintf(out, " ");
        col += fprintf(out, "%.*s", (int)len, text);
        text += len;
        text += strspn(text, " ");
    }
    fputc('\n', out);
}

void options_usage(FILE *out)
{
    fputs("usage: isc-reports-mock [options]\n"
          "\n"
          "A local mock of the SailPoint ISC v2024 Reports Data Extraction API.\n"
          "Every option can also be set by an environment variable; the flag wins.\n"
          "\n",
          out);
    for (size_t i = 0; i < NROWS; i++) {
        const struct option_row *o = &rows[i];
        fprintf(out, "  --%s%s%s (%s%s; default %s)\n", o->name, o->arg ? " " : "",
                o->arg ? o->arg : "", o->env, o->kind == OPT_SWITCH ? "=1" : "",
                o->def ? o->def : o->shown);
        wrap(out, o->help, 6);
    }
    fputs("  --print-config\n      print the effective configuration as a config file (JSON, "
          "secrets\n      masked) and exit\n"
          "  --help\n      this text\n  --version\n      the version\n"
          "\n"
          "Demo clients of the built-in fixtures (client_id / client_secret):\n"
          "  demo-admin / demo-admin-secret     user token, ORG_ADMIN, sp:scopes:all\n"
          "  demo-app / demo-app-secret         client credentials, sp:report:read and manage\n"
          "  demo-reader / demo-reader-secret   user token, HELPDESK, sp:report:read\n"
          "Tokens: POST /oauth/token; the API under /v2024/reports; the control API under\n"
          "/mock/ (GET / lists them).\n",
          out);
}

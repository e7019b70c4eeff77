/*
 * app.h - the state every handler shares: configuration, database, clock,
 * signing key, rate limiter. app_open() assembles one `struct app` from a
 * configuration (the binary and the tests alike); its owner frees it with
 * app_close() after the HTTP daemon has stopped; handlers only borrow it.
 */
#ifndef ISC_API_APP_H
#define ISC_API_APP_H

#include <stdint.h>

#include "../auth/auth.h"
#include "../core/clock.h"
#include "../store/store.h"

#define APP_KEY_LEN 32

struct config;
struct states;
#define APP_CORS_MAX 16 /* --cors flags kept */

struct app_config {
    const char *bind;           /* "127.0.0.1" */
    int port;                   /* 0: ephemeral */
    const char *db;             /* ":memory:" or a file */
    const char *fixtures;       /* NULL: the built-in fixtures; else a folder of *.sql */
    int64_t tenant_size;        /* 0: the fixtures' tenant; else generate this many identities */
    int64_t tenant_seed;        /* the generated tenant's seed */
    int64_t report_duration_ms; /* how long a report runs */
    enum clock_mode clock;
    int64_t token_ttl_s; /* access token lifetime */
    int log_json;        /* 1: JSON lines */
    int threads;         /* HTTP worker threads */
    int quiet;           /* 1: no request log lines */
    int rate_count;      /* requests per window per client and version; 0: no limit */
    int64_t rate_window_ms;
    const char *admin_token;   /* NULL: the control API is open */
    const char *allowed_hosts; /* more Host names /mock/ accepts, comma-separated; NULL: none */
    size_t journal_max;        /* request journal rows kept */
    int64_t journal_max_bytes; /* bytes of journal text kept; 0: the store's default */
    int64_t task_max;          /* tasks kept, the newest; 0: no limit */
    int64_t task_max_age_s;    /* tasks older than this are removed; 0: no limit */
    /* --cors values: each "*" or a comma-separated list of origins; ncors 0: CORS off */
    const char *cors[APP_CORS_MAX];
    int ncors;
    const char *config_path;     /* --config: NULL when none */
    const struct config *config; /* its sections (owned by the caller of options_parse) */
    int max_connections;         /* connections served at once */
    int max_connections_per_ip;  /* of them, from one client address */
    int64_t read_timeout_s;      /* to send a whole request (and idle keep-alive) */
    const char *snapshot;        /* --snapshot: a snapshot file to start from; NULL: none */
};

struct snapshot;
struct spool;

/* The longest a virtual clock move or a reset waits for the renders of the
 * tasks it made due (see app_settle). */
#define APP_SETTLE_MS 2000

struct app {
    struct app_config cfg;
    struct store *store;
    struct spool *spool;   /* the stored report files; owned */
    struct snapshot *snap; /* the render queue and its workers; owned */
    struct clock *clock;
    unsigned char jwt_key[APP_KEY_LEN]; /* HS256 key, kept in the database */
    struct jwt_key *signer;             /* jwt_key set up for signing (owned) */
    char tenant_id[40];                 /* a UUID, kept in the database */
    const char *org;                    /* tenant name in tokens: "acme-mock" */
    const char *pod;                    /* pod in tokens: "mock01-local" */
    const char *version;                /* the server's version string */
    struct limiter *limiter;            /* owned by the app */
    struct auth_issuer issuer;          /* points at signer, tenant_id, org, pod, clock */
    int fresh;                          /* 1: the database was created (fixtures loaded) now */
    struct store_file *dir_fixtures;    /* read from cfg.fixtures; owned, kept for resets */
    size_t ndir_fixtures;
    struct states *states; /* the saved snapshots (states.h); owned */
};

enum app_open_error {
    APP_OPEN_UNUSABLE = 1, /* the database, fixtures folder or their content cannot be used */
    APP_OPEN_NOMEM,        /* out of memory */
};

/*
 * Builds the app for `cfg` (copied; its strings are borrowed and must
 * outlive the app): reads the fixtures folder when one is set, opens the
 * database, loads or creates what survives a restart (signing key, tenant id,
 * the virtual clock's time), opens the report files folder (spool.h) and
 * starts the render workers (snapshot.h), and makes the issuer and the rate
 * limiter.
 * With cfg->snapshot, the snapshot's state then replaces the database's
 * (states_load()); a file that is not a snapshot this version can restore
 * is APP_OPEN_UNUSABLE with err "snapshot FILE: why".
 * `version` (static) is what /mock/health reports. Returns the app, or NULL
 * with a one-line reason in err and the kind of failure in *why (may be NULL).
 */
struct app *app_open(const struct app_config *cfg, const char *version, char *err, size_t errlen,
                     enum app_open_error *why);

/*
 * Makes `key` (APP_KEY_LEN bytes, copied) the key tokens are signed and
 * checked with from now on (the verified-token cache starts empty again);
 * the database keeps the one it had. Only while no
 * request is served (before the HTTP daemon starts: tests). 0, or -1 when
 * memory runs out (then nothing changed).
 */
int app_set_key(struct app *app, const unsigned char *key);

/* Releases everything app_open() made (stopping the render workers first).
 * NULL is a no-op. */
void app_close(struct app *app);

/*
 * Empties the store and loads its fixtures again (generating the tenant
 * again with --tenant-size) and removes every stored report file. Renders
 * in progress stop. A virtual clock goes back to the wall clock's time and
 * is saved. 0, or -1 on a database error.
 */
int app_reset(struct app *app);

/* Sets a virtual clock to `ms` and saves it in the store, so that a file
 * database resumes from the same instant. 0; -1 when `ms` is outside the
 * clock's range (nothing changed) or it could not be saved. A real clock
 * is left alone: 0. */
int app_clock_set(struct app *app, int64_t ms);
/* Saves a virtual clock's instant (after it was moved): 0 or -1. */
int app_clock_save(struct app *app);

/* Tasks may have fallen due without a read (fixtures or a config file added
 * tasks): the render queue's watcher looks for them. Never waits. 0. */
int app_resume(struct app *app);

/*
 * Makes the render queue look for due tasks, then waits (at most
 * APP_SETTLE_MS, holding nothing a request needs) until every task due now
 * has ended, its files written: what a virtual clock move, a reset and a
 * start with a config file's tasks do before they answer, so that a client
 * that moved the clock past a task's end sees it ended. 0, or 1 when the
 * renders were still running at the deadline (they go on).
 */
int app_settle(struct app *app);

#endif

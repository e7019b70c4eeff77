/*
 * app.h - the state every handler shares: configuration, database, clock,
 * signing key. main.c builds one `struct app`, owns it, and frees it after
 * the HTTP daemon has stopped; handlers only borrow it.
 */
#ifndef ISC_API_APP_H
#define ISC_API_APP_H

#include <stdint.h>

#include "../auth/auth.h"
#include "../core/clock.h"
#include "../store/store.h"

#define APP_KEY_LEN 32

struct app_config {
    const char *bind;           /* "127.0.0.1" */
    int port;                   /* 0: ephemeral */
    const char *db;             /* ":memory:" or a file */
    const char *fixtures;       /* NULL: the built-in fixtures; else a folder of *.sql */
    int64_t report_duration_ms; /* how long a report runs */
    enum clock_mode clock;
    int64_t token_ttl_s; /* access token lifetime */
    int log_json;        /* 1: JSON lines */
    int threads;         /* HTTP worker threads */
    int quiet;           /* 1: no request log lines */
    int rate_count;      /* requests per window per client and version; 0: no limit */
    int64_t rate_window_ms;
    const char *admin_token; /* NULL: the control API is open */
    size_t journal_max;      /* request journal rows kept */
};

struct app {
    struct app_config cfg;
    struct store *store;
    struct clock *clock;
    unsigned char jwt_key[APP_KEY_LEN]; /* HS256 key, kept in the database */
    char tenant_id[40];                 /* a UUID, kept in the database */
    const char *org;                    /* tenant name in tokens: "acme-mock" */
    const char *pod;                    /* pod in tokens: "mock01-local" */
    const char *version;                /* the server's version string */
    struct limiter *limiter;            /* owned by main */
    struct auth_issuer issuer;          /* points at jwt_key, tenant_id, org, pod, clock */
};

#endif

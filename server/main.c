/*
 * main.c - isc-reports-mock: read the options, open the app, serve it,
 * wait for a signal, stop. Everything else lives in the library under
 * server/ (the options table in api/options.c, the assembly in api/app.c).
 *
 * Exit codes: 0 after a clean stop, 2 for a bad flag, config file or an
 * unusable database, address or fixtures folder, 1 for anything else.
 */
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "api/config.h"
#include "api/options.h"
#include "core/log.h"
#include "http/daemon.h"

#ifndef ISC_VERSION
#define ISC_VERSION "dev"
#endif

#define STOP_GRACE_MS 10000 /* how long requests in flight may finish after a signal */

static const char *env_lookup(const char *name)
{
    return getenv(name);
}

/*
 * Stops accepting, lets requests in flight finish for up to STOP_GRACE_MS,
 * and stops at once on a second stop signal. What is still held then (an
 * injected delay longer than the grace) is answered 503 by http_stop().
 */
static void graceful_stop(struct http_daemon *http, const sigset_t *stop)
{
    const struct timespec tick = {0, 10 * 1000 * 1000};
    http_quiesce(http);
    for (int waited = 0; http_in_flight(http) > 0 && waited < STOP_GRACE_MS; waited += 10) {
        int sig = sigtimedwait(stop, NULL, &tick);
        if (sig > 0) {
            log_msg("info", NULL, "signal %d again: stopping now", sig);
            break;
        }
    }
    http_stop(http);
}

int main(int argc, char **argv)
{
    struct app_config cfg;
    struct app *app = NULL;
    struct http_daemon *http = NULL;
    enum app_open_error why = APP_OPEN_UNUSABLE;
    char err[512] = "";
    int code = 2;
    switch (options_parse(argc, argv, env_lookup, &cfg, err, sizeof(err))) {
    case OPTIONS_HELP:
        options_usage(stdout);
        options_release(&cfg);
        return 0;
    case OPTIONS_VERSION:
        printf("isc-reports-mock %s\n", ISC_VERSION);
        options_release(&cfg);
        return 0;
    case OPTIONS_PRINT:
        code = config_print(stdout, &cfg) == 0 ? 0 : 1;
        options_release(&cfg);
        return code;
    case OPTIONS_BAD:
        fprintf(stderr, "isc-reports-mock: %s (see --help)\n", err);
        options_release(&cfg);
        return 2;
    case OPTIONS_RUN:
        break;
    }
    log_set_format(cfg.log_json ? LOG_JSON : LOG_TEXT);
    log_set_quiet(cfg.quiet);

    /* Block the stop signals before any thread starts, then wait for them here. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    app = app_open(&cfg, ISC_VERSION, err, sizeof(err), &why);
    if (!app) {
        code = why == APP_OPEN_NOMEM ? 1 : 2;
        goto fail;
    }
    /* The config file's clients, behaviours, faults and tasks: into a new database. */
    if (app->fresh && config_apply(app, cfg.config, err, sizeof(err)) != 0)
        goto fail;
    if ((app->fresh && cfg.config) || cfg.snapshot)
        app_settle(app); /* its due tasks end, their files written, before the first request */
    http = http_start(app, err, sizeof(err));
    if (!http)
        goto fail;
    int v6 = strchr(cfg.bind, ':') != NULL;
    printf("listening on http://%s%s%s:%d\n", v6 ? "[" : "", cfg.bind, v6 ? "]" : "",
           http_port(http));
    fflush(stdout);
    log_msg("info", NULL, "isc-reports-mock %s: db %s, clock %s, report duration %" PRId64 " ms",
            ISC_VERSION, cfg.db, cfg.clock == CLOCK_MODE_VIRTUAL ? "virtual" : "real",
            cfg.report_duration_ms);

    int sig = 0;
    sigwait(&stop, &sig);
    log_msg("info", NULL, "signal %d: stopping", sig);
    graceful_stop(http, &stop);
    app_close(app);
    options_release(&cfg);
    return 0;
fail:
    fprintf(stderr, "isc-reports-mock: %s\n", err);
    app_close(app);
    options_release(&cfg);
    return code;
}

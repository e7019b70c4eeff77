/*
 * daemon.h - the HTTP server: libmicrohttpd with a thread pool, reading each
 * request into a capped buffer, routing it, authenticating it, calling its
 * handler and logging one line for it.
 *
 * The daemon borrows `app` (which must outlive it) and owns everything else
 * it allocates; http_stop() releases it all. NULL is a no-op for http_stop.
 */
#ifndef ISC_HTTP_DAEMON_H
#define ISC_HTTP_DAEMON_H

#include <stddef.h>

struct app;
struct http_daemon;

#define HTTP_BODY_MAX ((size_t)1 << 20) /* 1 MiB: larger bodies get 413 */

/* Starts listening on app->cfg.bind:app->cfg.port. NULL with a reason in err on failure. */
struct http_daemon *http_start(struct app *app, char *err, size_t errlen);
/* The port actually bound (useful with port 0). */
int http_port(const struct http_daemon *d);
/* Stops accepting, waits up to grace_ms for requests in flight, then stops. */
void http_stop(struct http_daemon *d, int grace_ms);

#endif

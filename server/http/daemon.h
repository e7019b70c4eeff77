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
#define HTTP_QUERY_MAX 100              /* query parameters; more get 414 */
/*
 * libmicrohttpd's memory per connection. It holds the request line and
 * headers (read into up to half of it), then a record of about 56 bytes for
 * each header and each query parameter, then the answer's headers. Its size
 * is paid on every request: libmicrohttpd 0.9.75 zeroes the whole pool
 * between the requests of a keep-alive connection, which at 256 KiB was a
 * sixth of a poll's CPU time. 160 KiB holds what must fit, with room: the
 * JSON 414 for 2,000 query parameters (about 70 bytes of pool each with
 * their text; measured limit about 2,300, where 256 KiB reached about 3,500
 * and 128 KiB 1,800), and a request head of 90 KB (the journal's cut is
 * tested with one). Past those libmicrohttpd refuses or drops the request
 * itself.
 */
#define HTTP_CONN_MEMORY ((size_t)160 * 1024)

/* Starts listening on app->cfg.bind:app->cfg.port. NULL with a reason in err on failure. */
struct http_daemon *http_start(struct app *app, char *err, size_t errlen);
/* The port actually bound (useful with port 0). */
int http_port(const struct http_daemon *d);
/* How long http_stop() lets the 503 answers of held requests go out. */
#define HTTP_STOP_DRAIN_MS 1000

/* Stops accepting connections (closes the listening socket); requests in
 * flight, held ones included, go on, and every answer from now on closes its
 * connection, so keep-alive clients cannot hold the stop. Idempotent; NULL is
 * a no-op. */
void http_quiesce(struct http_daemon *d);
/* Requests between their first byte and their completion (held ones too). */
int http_in_flight(struct http_daemon *d);
/* Quiesces, answers every request still held or still arriving with 503,
 * waits up to HTTP_STOP_DRAIN_MS for those answers, then stops and frees. A
 * graceful stop calls it once http_in_flight() is 0 or a grace has passed. */
void http_stop(struct http_daemon *d);

#endif

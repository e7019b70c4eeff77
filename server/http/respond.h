/*
 * respond.h - the only place where results become HTTP responses.
 *
 * respond_body() builds the body for an error (ErrorResponseDto, the 401
 * and 429 shapes, or an RFC 6749 OAuth error) into a caller-owned buffer;
 * respond_queue() builds and queues the whole libmicrohttpd response.
 * Internal detail of a 500 goes to the log with the trackingId, never to
 * the client.
 */
#ifndef ISC_HTTP_RESPOND_H
#define ISC_HTTP_RESPOND_H

#include <microhttpd.h>

#include "../api/api.h"

/*
 * Writes the JSON body for error `e` into `out` (initialised by the caller,
 * freed by the caller). `text` is the message ("" or NULL: the default of
 * the error table); ERR_INTERNAL always uses the default. Returns 0, -1 on OOM.
 */
int respond_error_body(enum err e, const char *text, const char *tracking_id, struct buf *out);

/* What respond_queue sent, for the journal. */
struct respond_sent {
    const char *content_type; /* static; NULL when the answer had no body (204) */
    const char *body;         /* the body sent (borrowed until respond_queue returns:
                                 copy it in the callback); NULL for a stream */
    size_t body_len;
    int64_t size; /* the body's bytes; -1 for a stream */
};

/* Called by respond_queue with what it is about to send. */
typedef void (*respond_sent_fn)(void *ud, const struct respond_sent *sent);

/*
 * Queues the answer on `conn`: for ERR_OK the api_res as it is (its stream,
 * if any, is handed to libmicrohttpd and cleared from rs), otherwise the
 * error body for `e`. *status gets the HTTP status sent. Returns what
 * MHD_queue_response returned (MHD_NO when even that failed). `sent` (may be
 * NULL) sees the content type and body before they go out.
 */
enum MHD_Result respond_queue(struct MHD_Connection *conn, enum err e, struct api_res *rs,
                              const char *tracking_id, int *status, respond_sent_fn sent,
                              void *sent_ud);

#endif

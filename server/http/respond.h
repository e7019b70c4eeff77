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

/*
 * Queues the answer on `conn`: for ERR_OK the api_res as it is (its stream,
 * if any, is handed to libmicrohttpd and cleared from rs), otherwise the
 * error body for `e`. *status gets the HTTP status sent. Returns what
 * MHD_queue_response returned (MHD_NO when even that failed).
 */
enum MHD_Result respond_queue(struct MHD_Connection *conn, enum err e, struct api_res *rs,
                              const char *tracking_id, int *status);

#endif

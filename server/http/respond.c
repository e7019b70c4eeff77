/*
 * respond.c - turns a handler's enum err and struct api_res into a
 * libmicrohttpd response (see respond.h). What an error looks like is data
 * in core/err.c (status, body shape, default text, Retry-After, whether the
 * text is private); this file writes each shape once:
 *   ErrorResponseDto with the request's trackingId, {"error": text},
 *   {"message": " Rate Limit Exceeded "}, and the RFC 6749 §5.2 OAuth error.
 */
#include "respond.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/log.h"
#include "../core/utf8.h"

static cJSON *error_dto(enum err e, const char *text, const char *tracking_id)
{
    const struct err_info *info = err_info(e);
    cJSON *o = cJSON_CreateObject(), *msgs, *m;
    if (!o)
        return NULL;
    if (!cJSON_AddStringToObject(o, "detailCode", info->detail_code) ||
        !cJSON_AddStringToObject(o, "trackingId", tracking_id ? tracking_id : "") ||
        !(msgs = cJSON_AddArrayToObject(o, "messages")) || !(m = cJSON_CreateObject()))
        goto fail;
    cJSON_AddItemToArray(msgs, m);
    if (!cJSON_AddStringToObject(m, "locale", "en-US") ||
        !cJSON_AddStringToObject(m, "localeOrigin", "DEFAULT") ||
        !cJSON_AddStringToObject(m, "text", text) || !cJSON_AddArrayToObject(o, "causes"))
        goto fail;
    return o;
fail:
    cJSON_Delete(o);
    return NULL;
}

/* A one-member object {"name": text}; NULL on OOM. */
static cJSON *one_member(const char *name, const char *text)
{
    cJSON *o = cJSON_CreateObject();
    if (o && !cJSON_AddStringToObject(o, name, text)) {
        cJSON_Delete(o);
        o = NULL;
    }
    return o;
}

/* The body of error `e` in its table's shape; NULL on OOM. */
static cJSON *error_json(enum err e, const char *text, const char *tracking_id)
{
    const struct err_info *info = err_info(e);
    cJSON *o = NULL;
    switch (info->shape) {
    case ERR_SHAPE_DTO:
        return error_dto(e, text, tracking_id);
    case ERR_SHAPE_ERROR:
        return one_member("error", text);
    case ERR_SHAPE_MESSAGE:
        return one_member("message", info->text);
    case ERR_SHAPE_OAUTH:
        o = one_member("error", info->detail_code);
        if (o && !cJSON_AddStringToObject(o, "error_description", text)) {
            cJSON_Delete(o);
            o = NULL;
        }
        return o;
    }
    return NULL;
}

int respond_error_body(enum err e, const char *text, const char *tracking_id, struct buf *out)
{
    const struct err_info *info = err_info(e);
    char clean[512];
    if ((info->flags & ERR_F_PRIVATE) || !text || !*text) {
        text = info->text;
    } else {
        /* Texts may quote request input: keep the JSON well-formed UTF-8. */
        snprintf(clean, sizeof(clean), "%s", text);
        utf8_scrub(clean);
        text = clean;
    }
    cJSON *o = error_json(e, text, tracking_id);
    char *s = o ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    if (!s)
        return -1;
    int rc = buf_puts(out, s);
    cJSON_free(s);
    return rc;
}

static ssize_t stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct api_stream *st = cls;
    ssize_t n = st->read(st->ctx, buf, max);
    if (n == 0)
        return MHD_CONTENT_READER_END_OF_STREAM;
    if (n < 0)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    return n;
}

static void stream_done(void *cls)
{
    struct api_stream *st = cls;
    if (st->free)
        st->free(st->ctx);
    free(st);
}

/* A response that takes over a malloc'd body (freed by libmicrohttpd). */
static struct MHD_Response *from_owned(char *data, size_t len)
{
    if (!data)
        return MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    struct MHD_Response *r = MHD_create_response_from_buffer_with_free_callback(len, data, free);
    if (!r)
        free(data);
    return r;
}

/* The response for a handler's success: its file, stream or body (taken
 * from rs), or its static body, which libmicrohttpd sends from where it is. */
static struct MHD_Response *success_response(struct api_res *rs)
{
    if (rs->file.fd >= 0) {
        /* libmicrohttpd closes the descriptor with the response, and sends
         * it with sendfile() where it can. */
        struct MHD_Response *r = MHD_create_response_from_fd64(rs->file.size, rs->file.fd);
        if (r)
            rs->file.fd = -1;
        return r;
    }
    if (rs->static_body && !rs->stream.read && rs->status != 204)
        return MHD_create_response_from_buffer(rs->static_len, (void *)rs->static_body,
                                               MHD_RESPMEM_PERSISTENT);
    if (!rs->stream.read) {
        size_t len = 0;
        char *body = buf_steal(&rs->body, &len);
        if (rs->status == 204) {
            free(body);
            return from_owned(NULL, 0);
        }
        return from_owned(body, len);
    }
    struct api_stream *st = malloc(sizeof(*st));
    if (!st)
        return NULL;
    *st = rs->stream;
    struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024,
                                                               stream_reader, st, stream_done);
    if (!r) {
        free(st);
        return NULL;
    }
    memset(&rs->stream, 0, sizeof(rs->stream)); /* owned by the response now */
    return r;
}

static int has_header(const struct api_res *rs, const char *name)
{
    for (int i = 0; i < rs->nheaders; i++)
        if (strcmp(rs->headers[i].name, name) == 0)
            return 1;
    return 0;
}

/* Tells `sent` what goes out: the content type and the body (NULL: a stream). */
static void tell(respond_sent_fn sent, void *ud, int code, const char *content_type,
                 const char *body, size_t len, int stream)
{
    if (!sent)
        return;
    int none = code == 204;
    struct respond_sent what = {
        .content_type = none ? NULL : content_type,
        .body = stream || none ? NULL : body,
        .body_len = stream || none ? 0 : len,
        .size = none     ? 0
                : stream ? -1
                         : (int64_t)len,
    };
    sent(ud, &what);
}

enum MHD_Result respond_queue(struct MHD_Connection *conn, enum err e, struct api_res *rs,
                              const char *tracking_id, int *status, respond_sent_fn sent,
                              void *sent_ud)
{
    struct MHD_Response *resp = NULL;
    const char *content_type = "application/json";
    int code = rs->status;
    if (e == ERR_OK) {
        if (rs->content_type)
            content_type = rs->content_type;
        /* a report file is not kept; a static body is sent as it is */
        tell(sent, sent_ud, code, content_type,
             rs->static_body ? (const char *)rs->static_body : rs->body.data,
             rs->static_body ? rs->static_len : rs->body.len,
             rs->stream.read != NULL || rs->file.fd >= 0 || rs->file_in_body);
        resp = success_response(rs);
        if (!resp) {
            e = ERR_INTERNAL;
            log_msg("error", tracking_id, "%s", "the response could not be built");
        }
    } else if (err_info(e)->flags & ERR_F_PRIVATE) {
        /* The detail stays here; a 500 is logged even when its handler gave none. */
        log_msg("error", tracking_id, "%s", rs->err_text[0] ? rs->err_text : "no detail given");
    }
    if (e != ERR_OK) {
        const struct err_info *info = err_info(e);
        code = info->status;
        if (info->retry_after_s > 0 && !has_header(rs, "Retry-After"))
            api_res_header(rs, "Retry-After", "%d", info->retry_after_s);
        content_type = "application/json";
        struct buf b;
        buf_init(&b, 0);
        if (respond_error_body(e, rs->err_text, tracking_id, &b) == 0) {
            tell(sent, sent_ud, code, content_type, b.data, b.len, 0);
            size_t len = 0;
            char *body = buf_steal(&b, &len);
            resp = from_owned(body, len);
        }
        buf_free(&b);
    }
    *status = code;
    if (!resp)
        return MHD_NO;
    if (code != 204)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    for (int i = 0; i < rs->nheaders; i++)
        MHD_add_response_header(resp, rs->headers[i].name, rs->headers[i].value);
    enum MHD_Result r = MHD_queue_response(conn, (unsigned)code, resp);
    MHD_destroy_response(resp);
    return r;
}

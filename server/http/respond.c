/*
 * respond.c - turns a handler's enum err and struct api_res into a
 * libmicrohttpd response (see respond.h). Error shapes:
 *   400/403/404/405/413/500/503: ErrorResponseDto with a fresh trackingId;
 *   401: {"error": text}; 429: {"message": " Rate Limit Exceeded "};
 *   OAuth errors: {"error": code, "error_description": text} (RFC 6749 §5.2).
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

int respond_error_body(enum err e, const char *text, const char *tracking_id, struct buf *out)
{
    const struct err_info *info = err_info(e);
    char clean[512];
    if (e == ERR_INTERNAL || !text || !*text) {
        text = info->text;
    } else {
        /* Texts may quote request input: keep the JSON well-formed UTF-8. */
        snprintf(clean, sizeof(clean), "%s", text);
        utf8_scrub(clean);
        text = clean;
    }
    cJSON *o = NULL;
    if (e == ERR_UNAUTHORIZED) {
        o = cJSON_CreateObject();
        if (o && !cJSON_AddStringToObject(o, "error", text)) {
            cJSON_Delete(o);
            o = NULL;
        }
    } else if (e == ERR_RATE_LIMITED) {
        o = cJSON_CreateObject();
        if (o && !cJSON_AddStringToObject(o, "message", info->text)) {
            cJSON_Delete(o);
            o = NULL;
        }
    } else if (err_is_oauth(e)) {
        o = cJSON_CreateObject();
        if (o && (!cJSON_AddStringToObject(o, "error", info->detail_code) ||
                  !cJSON_AddStringToObject(o, "error_description", text))) {
            cJSON_Delete(o);
            o = NULL;
        }
    } else {
        o = error_dto(e, text, tracking_id);
    }
    char *s = o ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    if (!s)
        return -1;
    int rc = buf_puts(out, s);
    free(s);
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

/* The response for a handler's success: its stream or its body (both taken from rs). */
static struct MHD_Response *success_response(struct api_res *rs)
{
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

enum MHD_Result respond_queue(struct MHD_Connection *conn, enum err e, struct api_res *rs,
                              const char *tracking_id, int *status)
{
    struct MHD_Response *resp = NULL;
    const char *content_type = "application/json";
    int code = rs->status;
    if (e == ERR_OK) {
        resp = success_response(rs);
        if (rs->content_type)
            content_type = rs->content_type;
        if (!resp)
            e = ERR_INTERNAL;
    } else if (e == ERR_INTERNAL && rs->err_text[0]) {
        log_msg("error", tracking_id, "%s", rs->err_text); /* the detail stays here */
    }
    if (e != ERR_OK) {
        code = err_info(e)->status;
        content_type = "application/json";
        struct buf b;
        buf_init(&b, 0);
        if (respond_error_body(e, rs->err_text, tracking_id, &b) == 0) {
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

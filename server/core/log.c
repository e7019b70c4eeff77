/*
 * log.c - request and message logging to stderr (see log.h). JSON lines are
 * escaped by hand so the logger depends on nothing but libc.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "utf8.h"

#define LOG_FIELD_MAX 1024 /* bytes of one value written into a line (escapes may add) */
#define LOG_LINE_MAX 32768 /* room for every field of a line at six bytes per byte escaped */

static enum log_format log_fmt = LOG_TEXT;
static int log_quiet;

void log_set_format(enum log_format f)
{
    log_fmt = f;
}

void log_set_quiet(int quiet)
{
    log_quiet = quiet;
}

/*
 * Appends `s` (NULL: nothing) so that it cannot end the line or change how
 * it reads: a byte that does not start well-formed UTF-8 becomes \xNN, and a
 * control or bidirectional formatting character becomes \u00NN / \uNNNN
 * (in JSON also '"' and '\\' are escaped; in text '\\' is doubled). Past
 * LOG_FIELD_MAX bytes of `s` the rest is left out, with a marker that says
 * how much.
 */
static void put_clean(struct buf *b, const char *s, int json)
{
    for (const unsigned char *p = (const unsigned char *)s; p && *p;) {
        size_t n = utf8_seq(p);
        if ((size_t)(p - (const unsigned char *)s) + n > LOG_FIELD_MAX) {
            /* Long values are cut, so the line always fits its buffer. */
            buf_printf(b, "...[%zu more bytes]", strlen((const char *)p));
            return;
        }
        uint32_t cp = n ? utf8_code_point(p, n) : 0;
        if (!n) {
            if (json)
                buf_putc(b, '\\'); /* a literal backslash inside the JSON string */
            buf_printf(b, "\\x%02x", *p);
        } else if (utf8_unsafe(cp)) {
            buf_printf(b, "\\u%04x", (unsigned)cp);
        } else if (*p == '\\' || (json && *p == '"')) {
            buf_putc(b, '\\');
            buf_putc(b, (char)*p);
        } else {
            buf_append(b, (const char *)p, n);
        }
        p += n ? n : 1;
    }
}

static void json_str(struct buf *b, const char *s)
{
    buf_putc(b, '"');
    put_clean(b, s, 1);
    buf_putc(b, '"');
}

static void emit(struct buf *b)
{
    if (buf_putc(b, '\n') == 0) {
        ssize_t w = write(STDERR_FILENO, b->data, b->len);
        (void)w;
    }
    buf_free(b);
}

void log_request(const struct log_request *r)
{
    if (log_quiet)
        return;
    char now[CLOCK_RFC3339_LEN];
    clock_format(clock_wall_ms(), now);
    struct buf b;
    buf_init(&b, LOG_LINE_MAX);
    double ms = (double)r->duration_us / 1000.0;
    if (log_fmt == LOG_JSON) {
        buf_puts(&b, "{\"time\":");
        json_str(&b, now);
        buf_puts(&b, ",\"method\":");
        json_str(&b, r->method);
        buf_puts(&b, ",\"path\":");
        json_str(&b, r->path);
        buf_printf(&b, ",\"status\":%d,\"duration_ms\":%.3f,\"client_id\":", r->status, ms);
        if (r->client_id)
            json_str(&b, r->client_id);
        else
            buf_puts(&b, "null");
        buf_puts(&b, ",\"trackingId\":");
        json_str(&b, r->tracking_id ? r->tracking_id : "");
        buf_putc(&b, '}');
    } else {
        buf_printf(&b, "%s ", now);
        put_clean(&b, r->method, 0);
        buf_putc(&b, ' ');
        put_clean(&b, r->path, 0);
        buf_printf(&b, " %d %.3fms client=", r->status, ms);
        put_clean(&b, r->client_id ? r->client_id : "-", 0);
        buf_puts(&b, " tracking=");
        put_clean(&b, r->tracking_id ? r->tracking_id : "-", 0);
    }
    emit(&b);
}

void log_msg(const char *level, const char *tracking_id, const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    char now[CLOCK_RFC3339_LEN];
    clock_format(clock_wall_ms(), now);
    struct buf b;
    buf_init(&b, LOG_LINE_MAX);
    if (log_fmt == LOG_JSON) {
        buf_puts(&b, "{\"time\":");
        json_str(&b, now);
        buf_puts(&b, ",\"level\":");
        json_str(&b, level);
        if (tracking_id) {
            buf_puts(&b, ",\"trackingId\":");
            json_str(&b, tracking_id);
        }
        buf_puts(&b, ",\"msg\":");
        json_str(&b, text);
        buf_putc(&b, '}');
    } else {
        buf_printf(&b, "%s %s%s%s ", now, level, tracking_id ? " tracking=" : "",
                   tracking_id ? tracking_id : "");
        put_clean(&b, text, 0);
    }
    emit(&b);
}

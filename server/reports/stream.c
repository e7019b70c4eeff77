/*
 * stream.c - a download: a report's rows through a format's writer, plain
 * or packed into a zip with libarchive, opened on the first zip (see
 * stream.h and archive_dl.h).
 *
 * Each read produces the next piece (a part's beginning, a page of
 * PAGE_ROWS rows, a part's end) into `page`, which goes on to `out` either
 * as it is or through the compressor; so a download holds at most a page
 * of the file (and the compressor's window) in memory whatever the size of
 * the tenant.
 *
 * Owns its rows and buffers; never holds the store lock between pages.
 */
#include "stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "../store/store.h"
#include "archive_dl.h"
#include "report.h"
#include "rows.h"

#define PAGE_ROWS 500
#define PAGE_CAP ((size_t)64 << 20)
#define ENTRY_NAME_MAX 128

struct report_stream {
    struct report_rows *rows;
    const struct report_format *format;
    void *state;  /* the writer's, for the current part */
    size_t cur;   /* current part */
    int in_part;  /* its beginning is out */
    int finished; /* everything is produced (and the zip closed) */
    int failed;
    const atomic_int *stop; /* NULL, or fail once it is nonzero */
    int64_t delivered;      /* data rows delivered */
    struct buf out;         /* bytes for the reader */
    size_t off;             /* of `out`, already read */
    struct buf page;        /* the writer's output for one piece */
    struct archive *zip;
    const struct archive_dl *za; /* libarchive's functions, when zip is set */
    int64_t mtime_ms;
    struct report_run run; /* the task, for writers that print it; points into: */
    char id[STORE_ID_LEN];
    char report_type[40];
    char launcher[128];
    char *arguments;
};

static la_ssize_t zip_write(struct archive *a, void *ud, const void *p, size_t n)
{
    struct report_stream *st = ud;
    (void)a;
    if (buf_append(&st->out, p, n) != 0)
        return -1;
    return (la_ssize_t)n;
}

/* Sends the page buffer on: through the compressor or straight out. */
static int emit_page(struct report_stream *st)
{
    size_t done = 0;
    if (!st->zip) {
        if (st->page.len && buf_append(&st->out, st->page.data, st->page.len) != 0)
            return -1;
        buf_reset(&st->page);
        return 0;
    }
    while (done < st->page.len) {
        la_ssize_t w =
            st->za->archive_write_data(st->zip, st->page.data + done, st->page.len - done);
        if (w <= 0)
            return -1;
        done += (size_t)w;
    }
    buf_reset(&st->page);
    return 0;
}

static int page_row(void *ud, size_t n, const char *const *cells)
{
    struct report_stream *st = ud;
    if (st->stop && atomic_load(st->stop))
        return -1;
    st->delivered++;
    return st->format->writer->row(st->state, &st->page, n, cells);
}

/* Opens the zip entry of part p: "<name>.<extension>". */
static int start_entry(struct report_stream *st, const struct report_part *p)
{
    struct archive_entry *e = st->za->archive_entry_new();
    char name[ENTRY_NAME_MAX];
    int rc = -1;
    if (!e)
        return -1;
    snprintf(name, sizeof(name), "%s.%s", p->name ? p->name : "report", st->format->extension);
    st->za->archive_entry_set_pathname(e, name);
    st->za->archive_entry_set_filetype(e, AE_IFREG);
    st->za->archive_entry_set_perm(e, 0644);
    st->za->archive_entry_set_mtime(e, (time_t)(st->mtime_ms / 1000),
                                    (long)(st->mtime_ms % 1000) * 1000000);
    st->za->archive_entry_unset_size(e); /* streamed: the size follows the data */
    if (st->za->archive_write_header(st->zip, e) == ARCHIVE_OK)
        rc = 0;
    st->za->archive_entry_free(e);
    return rc;
}

static int begin_part(struct report_stream *st)
{
    struct report_part p = *report_rows_part(st->rows, st->cur);
    p.run = &st->run;
    if (st->zip && start_entry(st, &p) != 0)
        return -1;
    if (st->format->writer->begin(&p, &st->page, &st->state) != 0)
        return -1;
    st->in_part = 1;
    return emit_page(st);
}

static int end_part(struct report_stream *st)
{
    int rc = st->format->writer->end(st->state, &st->page);
    st->state = NULL;
    st->in_part = 0;
    if (rc != 0 || emit_page(st) != 0)
        return -1;
    if (st->zip && st->za->archive_write_finish_entry(st->zip) != ARCHIVE_OK)
        return -1;
    st->cur++;
    return 0;
}

/* Produces the next piece of the file into `out`. 0, or -1 on error. */
static int produce(struct report_stream *st)
{
    int rows;
    if (st->cur == report_rows_parts(st->rows)) {
        if (st->zip && st->za->archive_write_close(st->zip) != ARCHIVE_OK)
            return -1;
        st->finished = 1;
        return 0;
    }
    if (!st->in_part)
        return begin_part(st);
    rows = report_rows_page(st->rows, st->cur, PAGE_ROWS, page_row, st);
    if (rows < 0)
        return -1;
    if (rows > 0)
        return emit_page(st);
    return end_part(st);
}

void report_stream_free(struct report_stream *st)
{
    if (!st)
        return;
    if (st->in_part)
        st->format->writer->end(st->state, NULL);
    if (st->zip)
        st->za->archive_write_free(st->zip); /* closes it if needed; output goes to `out` */
    report_rows_close(st->rows);
    free(st->arguments);
    buf_free(&st->out);
    buf_free(&st->page);
    free(st);
}

ssize_t report_stream_read(struct report_stream *st, char *buf, size_t max)
{
    size_t n;
    if (!st || st->failed)
        return -1;
    while (st->off == st->out.len) {
        if (st->finished)
            return 0;
        buf_reset(&st->out);
        st->off = 0;
        if (produce(st) != 0) {
            st->failed = 1;
            return -1;
        }
    }
    n = st->out.len - st->off;
    if (n > max)
        n = max;
    memcpy(buf, st->out.data + st->off, n);
    st->off += n;
    return (ssize_t)n;
}

void report_stream_watch(struct report_stream *st, const atomic_int *stop)
{
    st->stop = stop;
}

int64_t report_stream_rows(const struct report_stream *st)
{
    return st->delivered;
}

int report_file_kind(const char *type, const char *file_format, const char **content_type,
                     const char **extension)
{
    const struct report_format *f = report_format_find(file_format, 1);
    const struct report_type *t = report_type_find(type);
    if (!f || !t)
        return -1;
    *content_type = t->zip ? "application/zip" : f->content_type;
    *extension = t->zip ? "zip" : f->extension;
    return 0;
}

/* Opens the zip writer; -1 with `why` set when libarchive cannot be loaded. */
static int open_zip(struct report_stream *st, char *why, size_t whylen)
{
    if (!(st->za = archive_dl_get(why, whylen)))
        return -1;
    st->zip = st->za->archive_write_new();
    if (!st->zip || st->za->archive_write_set_format_zip(st->zip) != ARCHIVE_OK ||
        st->za->archive_write_zip_set_compression_deflate(st->zip) != ARCHIVE_OK ||
        st->za->archive_write_set_bytes_per_block(st->zip, 0) != ARCHIVE_OK ||
        st->za->archive_write_open(st->zip, st, NULL, zip_write, NULL) != ARCHIVE_OK)
        return -1;
    return 0;
}

enum err report_stream_open(struct store *s, const struct store_task *t, const char *file_format,
                            struct report_stream **out, const char **content_type,
                            const char **extension, char *why, size_t whylen)
{
    const struct report_format *f = report_format_find(file_format, 1);
    const struct report_type *type = t ? report_type_find(t->report_type) : NULL;
    struct report_stream *st = NULL;
    char reason[256] = "";
    enum err rc = ERR_INTERNAL;
    if (!type || !f || !f->writer)
        return ERR_FILE_NOT_FOUND; /* never a fake file */
    if (f->writer->ready && f->writer->ready(why, whylen) != 0)
        return ERR_INTERNAL;
    if (!(st = calloc(1, sizeof(*st))))
        return ERR_INTERNAL;
    st->format = f;
    buf_init(&st->out, 0);
    buf_init(&st->page, PAGE_CAP);
    st->mtime_ms = t->completed_ms > 0 ? t->completed_ms : t->created_ms;
    snprintf(st->id, sizeof(st->id), "%s", t->id);
    snprintf(st->report_type, sizeof(st->report_type), "%s", t->report_type);
    snprintf(st->launcher, sizeof(st->launcher), "%s", t->launcher);
    if (!(st->arguments = strdup(t->arguments ? t->arguments : "{}")))
        goto out;
    st->run = (struct report_run){st->id,       st->report_type, st->arguments,
                                  st->launcher, st->mtime_ms,    t->rows > 0 ? t->rows : 0};
    rc = report_rows_open(s, t->report_type, t->arguments, &st->rows, reason, sizeof(reason));
    if (rc != ERR_OK) {
        rc = rc == ERR_BAD_REQUEST ? ERR_FILE_NOT_FOUND : ERR_INTERNAL;
        goto out;
    }
    rc = ERR_INTERNAL;
    if (type->zip && open_zip(st, why, whylen) != 0)
        goto out;
    report_file_kind(t->report_type, file_format, content_type, extension);
    *out = st;
    st = NULL;
    rc = ERR_OK;
out:
    report_stream_free(st);
    return rc;
}

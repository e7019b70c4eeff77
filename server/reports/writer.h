/*
 * writer.h - what a file format's writer is: something that turns the parts
 * of a report's rows (rows.h) into bytes, one part at a time.
 *
 * A download (stream.c) drives a writer through each part: begin, one call
 * per row, end; it sends what the writer appends to `out` on (straight to
 * the client, or into a zip entry) and empties it between calls. A writer
 * appends with the struct buf functions, so a capped buffer fails cleanly.
 * Writers hold no store or HTTP state; the formats table (report.h) names
 * which writer serves which format.
 */
#ifndef ISC_REPORTS_WRITER_H
#define ISC_REPORTS_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "../core/buf.h"

/* The run a file comes from, for formats that print it (the PDF's heading). */
struct report_run {
    const char *id;
    const char *report_type;
    const char *arguments; /* canonical JSON */
    const char *launcher;
    int64_t completed_ms; /* also the file's date */
    int64_t rows;
};

/* One file of a report: a SEARCH_EXPORT download has one per searched index. */
struct report_part {
    const char *name;             /* the index ("identities") for a zip entry; NULL otherwise */
    const char *title;            /* the report's taskDefName */
    size_t ncolumns;              /* 1..TENANT_MAX_FIELDS */
    const char *const *labels;    /* header cells, ncolumns of them */
    const struct report_run *run; /* NULL: unknown (a writer then prints none) */
};

struct report_writer {
    /*
     * Starts part `p` (what comes before its rows goes into out). *state
     * gets what the writer keeps for the part, or NULL. 0, or -1 when out
     * of memory or past out's cap (nothing to free then).
     */
    int (*begin)(const struct report_part *p, struct buf *out, void **state);
    /* Appends one row of n cells (never NULL). Runs with the store locked:
     * it must not call into the store. 0 or -1. */
    int (*row)(void *state, struct buf *out, size_t n, const char *const *cells);
    /* Ends the part: appends what follows its rows, then frees state. With
     * out NULL it only frees state (the download was abandoned). 0 or -1;
     * state is freed either way. */
    int (*end)(void *state, struct buf *out);
    /*
     * NULL, or checks that the writer can work at all (a library it loads
     * at run time): 0, or -1 with the reason in `why`. Asked before a
     * download starts, so that it can still answer an error status.
     */
    int (*ready)(char *why, size_t whylen);
};

#endif

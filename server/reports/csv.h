/*
 * csv.h - RFC 4180 records: fields separated by commas, records ended by
 * CRLF, a field quoted (with its quotes doubled) when it holds a comma, a
 * double quote, CR or LF. Text is written as given (UTF-8 in, UTF-8 out);
 * cells are not altered to defuse spreadsheet formulas.
 *
 * Functions append to a caller-owned struct buf and return 0, or -1 when the
 * buffer's cap or memory runs out (the buffer may then hold part of the
 * record; callers discard it). NULL fields are written as empty.
 */
#ifndef ISC_REPORTS_CSV_H
#define ISC_REPORTS_CSV_H

#include <stddef.h>

#include "../core/buf.h"
#include "writer.h"

/* 1 when `s` must be quoted. */
int csv_needs_quotes(const char *s);
/* Appends one field (no separator). */
int csv_field(struct buf *b, const char *s);
/* Appends a whole record of `n` fields and its CRLF (a record of one empty
 * field is written as "" so that it is not an empty line). */
int csv_record(struct buf *b, size_t n, const char *const *fields);

/* The CSV writer: a header record of the labels, then one record per row. */
extern const struct report_writer csv_writer;

#endif

/*
 * pdf_writer.h - the PDF format's writer (writer.h): each part of a report
 * as one PDF document drawn by the renderer (pdf.h), headed by the report's
 * title and the run's metadata.
 */
#ifndef ISC_REPORTS_PDF_WRITER_H
#define ISC_REPORTS_PDF_WRITER_H

#include "writer.h"

extern const struct report_writer pdf_writer;

#endif

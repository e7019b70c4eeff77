/*
 * validate.h - what a startReport body (ReportDetails) must hold, checked
 * against the definition table (report.h), and its canonical form.
 *
 * Pure functions over cJSON; no database, no HTTP.
 */
#ifndef ISC_REPORTS_VALIDATE_H
#define ISC_REPORTS_VALIDATE_H

#include <stddef.h>

#include "../core/err.h"
#include "report.h"

/*
 * Validates a ReportDetails body (`len` bytes, not NUL-terminated).
 * On success returns ERR_OK, sets *type, and *canonical_args to a malloc'd
 * canonical JSON text of the arguments (keys sorted at every depth, no
 * spaces; "{}" when absent) that the caller frees; *formats gets the
 * availableFormats as names joined by commas ("CSV,PDF", "CSV" or "PDF"),
 * the type's formats narrowed by selectedFormats where it has that argument.
 * On failure returns ERR_BAD_REQUEST (or ERR_INTERNAL on OOM) with a message
 * naming the offending field in `why`, and leaves the outputs untouched.
 */
enum err report_validate(const char *body, size_t len, const struct report_type **type,
                         char **canonical_args, char *formats, size_t formatslen, char *why,
                         size_t whylen);

#endif

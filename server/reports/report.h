/*
 * report.h - the seven report types and what a startReport body must hold.
 *
 * Pure functions over static tables and cJSON; no database, no HTTP.
 * Returned `struct report_type` pointers point into a static table.
 */
#ifndef ISC_REPORTS_REPORT_H
#define ISC_REPORTS_REPORT_H

#include <stddef.h>

#include "../core/err.h"

struct report_type {
    const char *name;          /* "ACCOUNTS", ... (the contract's enum) */
    const char *task_def_name; /* "Identities Details Report", ... */
    const char *description;
    const char *parent_name;  /* NULL: sent as null */
    int has_selected_formats; /* the arguments may carry selectedFormats */
};

/* The type named exactly `name`, or NULL. */
const struct report_type *report_type_find(const char *name);

/*
 * Validates a ReportDetails body (`len` bytes, not NUL-terminated).
 * On success returns ERR_OK, sets *type, and *canonical_args to a malloc'd
 * canonical JSON text of the arguments (keys sorted at every depth, no
 * spaces; "{}" when absent) that the caller frees; *formats gets "CSV,PDF",
 * "CSV" or "PDF" from selectedFormats (default "CSV,PDF").
 * On failure returns ERR_BAD_REQUEST (or ERR_INTERNAL on OOM) with a message
 * naming the offending field in `why`, and leaves the outputs untouched.
 */
enum err report_validate(const char *body, size_t len, const struct report_type **type,
                         char **canonical_args, char *formats, size_t formatslen, char *why,
                         size_t whylen);

#endif

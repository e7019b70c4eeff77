/*
 * report.h - the report definition table: one row per report type holding
 * all that the server knows about it (the contract's names and texts, the
 * arguments a startReport body may carry, what its file holds, the formats
 * it is offered and written in), and the search indices SEARCH_EXPORT reads.
 *
 * Pure data behind lookups; no database, no HTTP. Every pointer returned
 * points into a static table: never freed, valid for the program's life.
 */
#ifndef ISC_REPORTS_REPORT_H
#define ISC_REPORTS_REPORT_H

#include <stddef.h>

struct report_writer;

enum report_arg_kind {
    REPORT_ARG_STRING,  /* a string of at most REPORT_STRING_MAX bytes; required ones must not
                           be empty */
    REPORT_ARG_QUERY,   /* a REPORT_ARG_STRING within the search limits (search.h) */
    REPORT_ARG_BOOL,    /* true or false */
    REPORT_ARG_FORMATS, /* a non-empty array of format names: selectedFormats */
    REPORT_ARG_INDICES, /* an array of search index names or "*" */
    REPORT_ARG_STRINGS  /* an array of field names, each optionally after + or - */
};

/* Size limits of ReportDetails.arguments, checked before a task starts. */
#define REPORT_STRING_MAX 8192 /* bytes of one string argument */
#define REPORT_ARGS_MAX 16384  /* bytes of the arguments as canonical JSON */

/* One argument of a type's ReportDetails.arguments. */
struct report_arg {
    const char *name;
    enum report_arg_kind kind;
    int required;
};

/* One column of a report's file. */
struct report_column {
    const char *label; /* header cell */
    const char *field; /* tenant field (store/tenant.h) */
};

/* File formats, as bits of a set. */
enum report_format_bit { REPORT_CSV = 1, REPORT_PDF = 2 };

struct report_format {
    unsigned bit;
    const char *name;                   /* in availableFormats and selectedFormats: "CSV" */
    const char *file_format;            /* the getReport fileFormat value: "csv" */
    const char *content_type;           /* of a single file: "application/csv" */
    const char *extension;              /* of a single file, and of each zip entry: "csv" */
    const struct report_writer *writer; /* NULL: not written yet, downloads answer 404 */
};

struct report_type {
    const char *name;          /* "ACCOUNTS", ... (the contract's enum) */
    const char *task_def_name; /* "Account Export", ... */
    const char *description;
    const char *parent_name;       /* NULL: sent as null */
    const struct report_arg *args; /* ends with a NULL name */
    /*
     * The file: the rows of `dataset` sorted by `sort`, one per line, as
     * `lead` then `columns`. A NULL dataset is SEARCH_EXPORT: one file per searched
     * index with the columns the arguments ask for (search_export.h).
     */
    const char *dataset;
    const struct report_column *lead;    /* NULL, or columns shared with other types, first */
    const struct report_column *columns; /* after those; ends with a NULL label */
    const char *sort;                    /* a field, ascending */
    const char *source_arg; /* names the source (source.id) of every row; it must exist */
    const char *only;       /* keeps the rows where this boolean field is true... */
    const char *only_when;  /* ...when this boolean argument is true (NULL: always) */
    unsigned formats;       /* availableFormats, unless selectedFormats narrows it */
    int zip;                /* the download is a zip of the files, one per part */
};

/* A search index: its name and the columns SEARCH_EXPORT writes by default. */
struct report_index {
    const char *name;
    const char *const *columns; /* ends with NULL */
};

/* The type named exactly `name`, or NULL (also for NULL). */
const struct report_type *report_type_find(const char *name);
/* The i-th type, in the contract's order, or NULL past the end. */
const struct report_type *report_type_at(size_t i);
/* The format whose `name` (by_file_format 0: "CSV") or `file_format` (1: "csv")
 * is exactly `name`, or NULL (also for NULL). */
const struct report_format *report_format_find(const char *name, int by_file_format);
/* 1 when format `name` ("CSV") is in `list` ("CSV,PDF"), else 0; NULLs give 0. */
int report_formats_has(const char *list, const char *name);
/* The i-th format, in table order (CSV, PDF), or NULL past the end. */
const struct report_format *report_format_at(size_t i);
/* The i-th search index, in the contract's order, or NULL past the end. */
const struct report_index *report_index_at(size_t i);

/*
 * Writes the names of the types, of the search indices followed by "*", or
 * of the formats into out[outlen], separated by ", " and always
 * NUL-terminated (cut when it does not fit), for "must be one of" reasons.
 */
enum report_list { REPORT_LIST_TYPES, REPORT_LIST_INDICES, REPORT_LIST_FORMATS };
void report_list(enum report_list what, char *out, size_t outlen);

#endif

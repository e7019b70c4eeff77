/*
 * control_journal.h - the request journal's two readers inside server/api:
 * the JSON answer of GET /mock/requests (control_journal.c) and its exports
 * as HAR 1.2 and NDJSON (control_journal_export.c), which share one row
 * shape.
 */
#ifndef ISC_API_CONTROL_JOURNAL_H
#define ISC_API_CONTROL_JOURNAL_H

#include "../store/control_store.h"
#include "api.h"

/* A journal row as GET /mock/requests lists it (id, time, method, path,
 * query, operation, version, clientId, status, trackingId, durationMs); NULL
 * on OOM. The caller deletes it. */
struct cJSON *control_journal_row(const struct store_journal *j);

enum journal_format { JOURNAL_JSON, JOURNAL_HAR, JOURNAL_NDJSON };

/*
 * Answers the rows `f` selects as a stream in `format` (HAR or NDJSON),
 * read from the store a page at a time; f->limit 0 means every row. The
 * filter's strings are copied. ERR_INTERNAL on OOM.
 */
enum err control_journal_export(struct api_req *rq, struct api_res *rs,
                                const struct store_journal_filter *f, enum journal_format format);

#endif

/*
 * search_export.h - the parts of a SEARCH_EXPORT report: one per searched
 * index, each a tenant query made from the report's arguments (the query
 * string of search.h, the indices, the columns and the sort fields).
 *
 * No database access, no HTTP.
 */
#ifndef ISC_REPORTS_SEARCH_EXPORT_H
#define ISC_REPORTS_SEARCH_EXPORT_H

#include <stddef.h>

#include "../core/err.h"
#include "../store/tenant.h"

struct cJSON;

/*
 * Calls add(ud, index, q) once per searched index, in the order the
 * arguments ask for (all indices, in the contract's order, when none are
 * named); q and its strings live only during the call, and q's fields are
 * also the header of the part. The first return other than ERR_OK stops
 * and is returned. ERR_BAD_REQUEST when the arguments cannot run (an empty
 * or unsupported query, a sort field no searched index has, too many
 * columns or sort fields), ERR_INTERNAL on OOM, both with the reason in why.
 */
enum err search_export_plan(const struct cJSON *args,
                            enum err (*add)(void *ud, const char *index,
                                            const struct tenant_query *q),
                            void *ud, char *why, size_t whylen);

#endif

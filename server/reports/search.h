/*
 * search.h - the subset of the Elasticsearch query string syntax that
 * SEARCH_EXPORT understands, parsed into a tenant filter tree.
 *
 * Supported:
 *   *                      every document
 *   word, "a phrase"       free text: occurs (ASCII case-insensitively) in one
 *                          of the index's text fields; a trailing * is allowed
 *   field:value            the field's whole value equals value (text: ASCII
 *   field:"a value"        case-insensitive; booleans: true/false; numbers)
 *   field:prefix*          the text field starts with prefix
 *   field:*, _exists_:field  the field has a value
 *   AND, &&, OR, ||, NOT, !, ( )   with adjacent terms meaning OR
 *   \x                     x taken literally (e.g. name:a\*b)
 * A field no index maps matches nothing. Everything else (ranges, fuzzy ~,
 * boosts ^, regular expressions, ? and inner * wildcards, +/- prefixes,
 * field:(...) groups, nested @ queries) is refused with a reason, and so are
 * the combinations whose Elasticsearch meaning differs from plain boolean
 * logic: AND mixed with OR (or with adjacent terms) at one level without
 * parentheses, and NOT as a member of an OR list (write a OR (NOT b)).
 */
#ifndef ISC_REPORTS_SEARCH_H
#define ISC_REPORTS_SEARCH_H

#include <stddef.h>

#include "../core/err.h"
#include "../store/tenant.h"

#define SEARCH_MAX_TERMS 256
#define SEARCH_MAX_DEPTH 32
#define SEARCH_MAX_QUERY_LEN 8192 /* bytes of the whole query */
#define SEARCH_MAX_TERM_LEN 1024  /* bytes of one term's value, unescaped */

/*
 * Parses `query` (NULL: empty). Returns ERR_OK and sets *out to a tree the
 * caller frees with search_filter_free(); ERR_BAD_REQUEST when the query is
 * empty, malformed or outside the subset, ERR_INTERNAL on OOM, both with
 * the reason in `why`. *out is untouched on failure.
 */
enum err search_parse(const char *query, struct tenant_filter **out, char *why, size_t whylen);
/*
 * The size limits alone, for a check before a task starts: ERR_BAD_REQUEST
 * (reason in `why`) when `query` is longer than SEARCH_MAX_QUERY_LEN, has a
 * term longer than SEARCH_MAX_TERM_LEN or more than SEARCH_MAX_TERMS terms;
 * ERR_INTERNAL on OOM; else ERR_OK, also for a query that search_parse()
 * would refuse for another reason (that refusal ends the task instead).
 */
enum err search_check_limits(const char *query, char *why, size_t whylen);
/* Frees a tree made by search_parse(); NULL is a no-op. */
void search_filter_free(struct tenant_filter *f);

#endif

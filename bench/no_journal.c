/*
 * no_journal.c - a measuring aid, never part of the server: linked into a
 * bench-only binary with -Wl,--wrap=store_journal_add, it turns every request
 * journal insert into a no-op. The throughput difference between that binary
 * and the real one is what the journal costs per request.
 */
#include <stddef.h>

#include "store/control_store.h"

int __wrap_store_journal_add(struct store *s, const struct store_journal *j, size_t max_rows);

int __wrap_store_journal_add(struct store *s, const struct store_journal *j, size_t max_rows)
{
    (void)s;
    (void)j;
    (void)max_rows;
    return 0;
}

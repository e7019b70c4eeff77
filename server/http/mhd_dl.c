/*
 * mhd_dl.c - opens libmicrohttpd by its soname, on a thread of its own at
 * start-up or on first use, and looks up the functions the server calls
 * (see mhd_dl.h). Owns the one process-wide table; touches nothing else.
 */
#include "mhd_dl.h"

#include <pthread.h>
#include <stdatomic.h>

#include "../core/dl.h"
#include "../core/err.h"

static const struct dl_symbol symbols[] = {
#define MHD_DL_SYMBOL(name) {#name, offsetof(struct mhd_dl, name)},
    MHD_DL_FUNCTIONS(MHD_DL_SYMBOL)
#undef MHD_DL_SYMBOL
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct mhd_dl table;
static int loaded;
static char load_error[256];
static pthread_t prefetcher;
static atomic_int prefetching; /* 1: prefetcher runs and nobody joined it yet */

static void load_once(void)
{
    loaded = dl_table_load(MHD_DL_SONAME, "the HTTP library", symbols,
                           sizeof(symbols) / sizeof(symbols[0]), &table, sizeof(table), load_error,
                           sizeof(load_error)) != NULL;
}

void mhd_dl_join(void)
{
    if (atomic_exchange(&prefetching, 0))
        pthread_join(prefetcher, NULL);
}

const struct mhd_dl *mhd_dl_get(char *why, size_t whylen)
{
    pthread_once(&once, load_once);
    /* The first caller after a prefetch joins its thread, which the load
     * just ended: it is gone before the server says it is ready. */
    mhd_dl_join();
    if (!loaded) {
        err_why(why, whylen, "%s", load_error);
        return NULL;
    }
    return &table;
}

const struct mhd_dl *mhd_dl(void)
{
    return &table;
}

static void *prefetch_main(void *unused)
{
    (void)unused;
    pthread_once(&once, load_once);
    return NULL;
}

void mhd_dl_prefetch(void)
{
    if (atomic_load(&prefetching))
        return;
    if (pthread_create(&prefetcher, NULL, prefetch_main, NULL) == 0)
        atomic_store(&prefetching, 1);
}

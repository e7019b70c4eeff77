/*
 * mhd_dl.c - opens libmicrohttpd by its soname, on a thread of its own at
 * start-up or on first use, and looks up the functions the server calls
 * (see mhd_dl.h). Owns the one process-wide table; touches nothing else.
 */
#include "mhd_dl.h"

#include <pthread.h>

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

static void load_once(void)
{
    loaded = dl_table_load(MHD_DL_SONAME, "the HTTP library", symbols,
                           sizeof(symbols) / sizeof(symbols[0]), &table, sizeof(table), load_error,
                           sizeof(load_error)) != NULL;
}

const struct mhd_dl *mhd_dl_get(char *why, size_t whylen)
{
    pthread_once(&once, load_once);
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
    mhd_dl_get(NULL, 0);
    return NULL;
}

void mhd_dl_prefetch(void)
{
    pthread_t t;
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0)
        return;
    /* Detached: mhd_dl_get() waits for the load through the once, not the thread. */
    if (pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) == 0)
        pthread_create(&t, &attr, prefetch_main, NULL);
    pthread_attr_destroy(&attr);
}

/*
 * archive_dl.c - opens libarchive by its soname on first use and looks up
 * the functions the zip writer calls (see archive_dl.h). Owns the one
 * process-wide table; touches nothing else.
 */
#include "archive_dl.h"

#include <pthread.h>

#include "../core/dl.h"
#include "../core/err.h"

static const struct dl_symbol symbols[] = {
#define ARCHIVE_DL_SYMBOL(name) {#name, offsetof(struct archive_dl, name)},
    ARCHIVE_DL_FUNCTIONS(ARCHIVE_DL_SYMBOL)
#undef ARCHIVE_DL_SYMBOL
};

int archive_dl_load(const char *soname, struct archive_dl *out, char *why, size_t whylen)
{
    return dl_table_load(soname, "the zip library", symbols, sizeof(symbols) / sizeof(symbols[0]),
                         out, sizeof(*out), why, whylen)
               ? 0
               : -1;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct archive_dl table;
static int loaded;
static char load_error[256];

static void load_once(void)
{
    loaded = archive_dl_load(ARCHIVE_DL_SONAME, &table, load_error, sizeof(load_error)) == 0;
}

const struct archive_dl *archive_dl_get(char *why, size_t whylen)
{
    pthread_once(&once, load_once);
    if (!loaded) {
        err_why(why, whylen, "%s", load_error);
        return NULL;
    }
    return &table;
}

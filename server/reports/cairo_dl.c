/*
 * cairo_dl.c - opens cairo by its soname on first use and looks up the
 * functions the PDF renderer calls (see cairo_dl.h). Owns the one process-wide
 * table; touches nothing else.
 */
#include "cairo_dl.h"

#include <pthread.h>

#include "../core/dl.h"
#include "../core/err.h"

static const struct dl_symbol symbols[] = {
#define CAIRO_DL_SYMBOL(name) {#name, offsetof(struct cairo_dl, name)},
    CAIRO_DL_FUNCTIONS(CAIRO_DL_SYMBOL)
#undef CAIRO_DL_SYMBOL
};

int cairo_dl_load(const char *soname, struct cairo_dl *out, char *why, size_t whylen)
{
    /* The library stays open until the process ends. */
    return dl_table_load(soname, "the PDF library", symbols, sizeof(symbols) / sizeof(symbols[0]),
                         out, sizeof(*out), why, whylen)
               ? 0
               : -1;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct cairo_dl table;
static int loaded;
static char load_error[256];

static void load_once(void)
{
    loaded = cairo_dl_load(CAIRO_DL_SONAME, &table, load_error, sizeof(load_error)) == 0;
}

const struct cairo_dl *cairo_dl_get(char *why, size_t whylen)
{
    pthread_once(&once, load_once);
    if (!loaded) {
        err_why(why, whylen, "%s", load_error);
        return NULL;
    }
    return &table;
}

/*
 * cairo_dl.c - opens cairo by its soname on first use and looks up the
 * functions the PDF renderer calls (see cairo_dl.h). Owns the one process-wide
 * table; touches nothing else.
 */
#include "cairo_dl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <string.h>

#include "../core/err.h"

struct symbol {
    const char *name;
    size_t offset; /* of its pointer in struct cairo_dl */
};

static const struct symbol symbols[] = {
#define CAIRO_DL_SYMBOL(name) {#name, offsetof(struct cairo_dl, name)},
    CAIRO_DL_FUNCTIONS(CAIRO_DL_SYMBOL)
#undef CAIRO_DL_SYMBOL
};

int cairo_dl_load(const char *soname, struct cairo_dl *out, char *why, size_t whylen)
{
    struct cairo_dl t;
    void *lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        err_why(why, whylen, "the PDF library %s cannot be loaded (%s)", soname, dlerror());
        return -1;
    }
    memset(&t, 0, sizeof(t));
    for (size_t i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++) {
        void *sym = dlsym(lib, symbols[i].name);
        if (!sym) {
            err_why(why, whylen, "the PDF library %s has no function %s", soname, symbols[i].name);
            dlclose(lib);
            return -1;
        }
        /* A data pointer becomes a function pointer through memcpy, as POSIX allows. */
        memcpy((char *)&t + symbols[i].offset, &sym, sizeof(sym));
    }
    *out = t;
    return 0;
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

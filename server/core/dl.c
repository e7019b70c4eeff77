/*
 * dl.c - fills a caller's table of function pointers from a shared library
 * opened by its soname (see dl.h). Owns nothing after it returns: the
 * handle goes to the caller.
 */
#include "dl.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

void *dl_table_load(const char *soname, const char *what, const struct dl_symbol *symbols, size_t n,
                    void *table, size_t size, char *why, size_t whylen)
{
    void *lib = NULL;
    char *t = calloc(1, size);
    if (!t) {
        err_why(why, whylen, "out of memory loading %s", soname);
        return NULL;
    }
    if (!(lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL))) {
        err_why(why, whylen, "%s %s cannot be loaded (%s)", what, soname, dlerror());
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        void *sym = dlsym(lib, symbols[i].name);
        if (!sym) {
            err_why(why, whylen, "%s %s has no function %s", what, soname, symbols[i].name);
            dlclose(lib);
            lib = NULL;
            goto out;
        }
        /* A data pointer becomes a function pointer through memcpy, as POSIX allows. */
        memcpy(t + symbols[i].offset, &sym, sizeof(sym));
    }
    memcpy(table, t, size);
out:
    free(t);
    return lib;
}

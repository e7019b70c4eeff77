/*
 * tmpdir.c - private temporary folders and files under $TMPDIR (see
 * tmpdir.h). Owns nothing past a call: the places it makes are the
 * caller's to remove.
 */
#include "tmpdir.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* "<tmp>/<prefix>XXXXXX" into out; 0, or -1 with errno ENAMETOOLONG. */
static int name_template(const char *prefix, char *out, size_t outlen)
{
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    int n = snprintf(out, outlen, "%s/%sXXXXXX", tmp, prefix);
    if (n < 0 || (size_t)n >= outlen) {
        if (outlen)
            out[0] = '\0';
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

int tmpdir_make(const char *prefix, char *out, size_t outlen)
{
    if (name_template(prefix, out, outlen) != 0)
        return -1;
    return mkdtemp(out) ? 0 : -1;
}

int tmpdir_file(const char *prefix, char *out, size_t outlen)
{
    if (name_template(prefix, out, outlen) != 0)
        return -1;
    return mkstemp(out);
}

void tmpdir_remove(const char *dir)
{
    if (!dir || !*dir)
        return;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        char path[4352];
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        int n = snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (n > 0 && (size_t)n < sizeof(path))
            unlink(path);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

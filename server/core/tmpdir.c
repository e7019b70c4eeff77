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

/* The folder new places go in: $TMPDIR, or /tmp when it is unset or empty. */
static const char *base(void)
{
    const char *tmp = getenv("TMPDIR");
    return tmp && *tmp ? tmp : "/tmp";
}

/* "<tmp>/<prefix>XXXXXX" into out; 0, or -1 with errno ENAMETOOLONG. */
static int name_template(const char *tmp, const char *prefix, char *out, size_t outlen)
{
    int n = snprintf(out, outlen, "%s/%sXXXXXX", tmp, prefix);
    if (n < 0 || (size_t)n >= outlen) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

/* After a failure: folder `tmp` into out ("" when it does not fit), errno kept. */
static int failed(const char *tmp, char *out, size_t outlen)
{
    int saved = errno;
    if (outlen && (size_t)snprintf(out, outlen, "%s", tmp) >= outlen)
        out[0] = '\0';
    errno = saved;
    return -1;
}

int tmpdir_make(const char *prefix, char *out, size_t outlen)
{
    const char *tmp = base();
    if (name_template(tmp, prefix, out, outlen) != 0 || !mkdtemp(out))
        return failed(tmp, out, outlen);
    return 0;
}

int tmpdir_file(const char *prefix, char *out, size_t outlen)
{
    const char *tmp = base();
    int fd = name_template(tmp, prefix, out, outlen) == 0 ? mkstemp(out) : -1;
    return fd >= 0 ? fd : failed(tmp, out, outlen);
}

int tmpdir_is_private_db(const char *db)
{
    return !db || !db[0] || strcmp(db, ":memory:") == 0;
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

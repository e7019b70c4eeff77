/*
 * fdio.h - whole writes to a file descriptor: write(2) until every byte is
 * out, across short writes and EINTR; and a file's or a folder's data
 * flushed to the disk by its name. The caller owns fd and buf.
 * Thread-safe (no state).
 */
#ifndef ISC_CORE_FDIO_H
#define ISC_CORE_FDIO_H

#include <stddef.h>

/* Writes all n bytes of buf to fd: 0, or -1 with errno set (a write that
 * makes no progress is -1 with errno EIO). */
int fdio_write_all(int fd, const void *buf, size_t n);

/* fsync(2) of the file or folder `path` (a folder: the names in it, such as
 * a rename into it): 0, or -1 with errno set. */
int fdio_sync_path(const char *path);

#endif

/*
 * fdio.h - whole writes to a file descriptor: write(2) until every byte is
 * out, across short writes and EINTR. The caller owns fd and buf.
 * Thread-safe (no state).
 */
#ifndef ISC_CORE_FDIO_H
#define ISC_CORE_FDIO_H

#include <stddef.h>

/* Writes all n bytes of buf to fd: 0, or -1 with errno set (a write that
 * makes no progress is -1 with errno EIO). */
int fdio_write_all(int fd, const void *buf, size_t n);

#endif

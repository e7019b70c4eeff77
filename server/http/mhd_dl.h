/*
 * mhd_dl.h - the libmicrohttpd functions the server calls, bound at run
 * time, and loaded while the rest of the server starts.
 *
 * Debian's libmicrohttpd links GnuTLS, which brings seven more libraries
 * and initialises itself when it is loaded: linked into the executable, the
 * dynamic loader does all that before main() runs, about half of the CPU
 * time of a start. Opened with dlopen instead, it loads on a thread of its
 * own (mhd_dl_prefetch()) while the main thread opens the database, so a
 * start on two cores takes the longer of the two, not their sum. The types
 * come from libmicrohttpd's own header, so each pointer has exactly the type
 * of the function it holds.
 *
 * The table is never freed and the library never closed: both live until
 * the process ends.
 */
#ifndef ISC_HTTP_MHD_DL_H
#define ISC_HTTP_MHD_DL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <microhttpd.h>

#define MHD_DL_SONAME "libmicrohttpd.so.12"

/* X(name) for every function the server calls. */
#define MHD_DL_FUNCTIONS(X)                                                                        \
    X(MHD_start_daemon)                                                                            \
    X(MHD_quiesce_daemon)                                                                          \
    X(MHD_stop_daemon)                                                                             \
    X(MHD_get_connection_info)                                                                     \
    X(MHD_get_connection_values)                                                                   \
    X(MHD_lookup_connection_value)                                                                 \
    X(MHD_suspend_connection)                                                                      \
    X(MHD_resume_connection)                                                                       \
    X(MHD_create_response_from_buffer)                                                             \
    X(MHD_create_response_from_buffer_with_free_callback)                                          \
    X(MHD_create_response_from_callback)                                                           \
    X(MHD_create_response_from_fd64)                                                               \
    X(MHD_add_response_header)                                                                     \
    X(MHD_queue_response)                                                                          \
    X(MHD_destroy_response)

struct mhd_dl {
#define MHD_DL_MEMBER(name) __typeof__(name) *name;
    MHD_DL_FUNCTIONS(MHD_DL_MEMBER)
#undef MHD_DL_MEMBER
};

/* Starts loading the library on a thread of its own and returns at once;
 * the next mhd_dl_get() waits for it and joins the thread. Calling it again
 * before that, or not at all, is harmless (mhd_dl_get() loads the library
 * itself then). Call it from one thread, after the signal mask is set: the
 * thread inherits it. */
void mhd_dl_prefetch(void);

/* Waits for a prefetch still loading and joins its thread; nothing when
 * there is none. For a start that fails before mhd_dl_get() is called. */
void mhd_dl_join(void);

/*
 * The process-wide table, waiting for a load in progress or loading it now
 * (thread-safe; later calls return the same answer). NULL when the library
 * or one of its functions is missing: `why` (may be NULL) then says which.
 */
const struct mhd_dl *mhd_dl_get(char *why, size_t whylen);

/* The table, for code that only runs once mhd_dl_get() succeeded (request
 * handlers, the daemon's own calls): never waits. */
const struct mhd_dl *mhd_dl(void);

#endif

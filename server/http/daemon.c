/*
 * daemon.c - libmicrohttpd glue (see daemon.h): reading bodies, holding
 * delayed requests, starting and stopping. What a request goes through once
 * its body is read is the pipeline's (pipeline.c).
 *
 * Per request, a struct conn_req lives in MHD's req_cls from the first call
 * of the access handler to the completion callback, which alone frees it.
 * Bodies are accumulated by hand (no PostProcessor) into a buffer capped at
 * 1 MiB; a larger body is drained and answered 413 with nothing stored.
 * A delay suspends the connection and a timer thread resumes it, so a slow
 * answer never holds a worker thread.
 *
 * Every connection is registered with the connection bounds (conns.h) from
 * its opening to its closing; the request line is checked as sent (uri.h)
 * before libmicrohttpd decodes it.
 */
#include "daemon.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "../api/app.h"
#include "../core/buf.h"
#include "../core/clock.h"
#include "../core/cond.h"
#include "../core/log.h"
#include "conns.h"
#include "pipeline.h"
#include "uri.h"

/* A suspended connection waiting for its injected delay to pass. */
struct delayed {
    struct MHD_Connection *conn;
    int64_t due_us; /* clock_mono_us() deadline */
    struct delayed *next;
};

struct http_daemon {
    struct MHD_Daemon *mhd;
    struct app *app;
    struct conns *conns; /* the connection bounds */
    atomic_int in_flight;
    int port;
    pthread_t timer;
    int timer_running;    /* started by the first delay (guarded by lock) */
    pthread_mutex_t lock; /* guards delays and stopping */
    pthread_cond_t wake;
    struct delayed *delays;
    int stopping;        /* the timer resumes every held request and ends */
    atomic_int refusing; /* 1: every request from now on is answered 503 */
    int quiesced;        /* the listening socket is closed (main thread only) */
    atomic_int closing;  /* 1: quiesced; every answer closes its connection */
};

struct conn_req {
    struct buf body;
    struct pipeline_req pr; /* what the pipeline keeps across a delay */
    int started;            /* 1: the headers are in (counted in in_flight) */
};

static const char *lookup(struct MHD_Connection *c, enum MHD_ValueKind kind, const char *key)
{
    return MHD_lookup_connection_value(c, kind, key);
}

/* ---- delays: suspend now, resume from the timer thread ---- */

static void *timer_main(void *arg)
{
    struct http_daemon *d = arg;
    pthread_setname_np(pthread_self(), "delay-timer"); /* for ps, top and perf */
    pthread_mutex_lock(&d->lock);
    for (;;) {
        int64_t now = clock_mono_us(), next = INT64_MAX;
        struct delayed **pp = &d->delays;
        while (*pp) {
            struct delayed *it = *pp;
            if (it->due_us <= now || d->stopping) {
                *pp = it->next;
                MHD_resume_connection(it->conn);
                free(it);
            } else {
                if (it->due_us < next)
                    next = it->due_us;
                pp = &it->next;
            }
        }
        if (d->stopping)
            break;
        if (next == INT64_MAX) {
            pthread_cond_wait(&d->wake, &d->lock);
        } else {
            struct timespec ts = cond_deadline_us(next - now);
            pthread_cond_timedwait(&d->wake, &d->lock, &ts);
        }
    }
    pthread_mutex_unlock(&d->lock);
    return NULL;
}

/* Suspends `conn` for delay_ms. 0 on success; -1 when it cannot (then answer at once). */
static int delay_connection(struct http_daemon *d, struct MHD_Connection *conn, int64_t delay_ms)
{
    struct delayed *it = malloc(sizeof(*it));
    if (!it)
        return -1;
    it->conn = conn;
    it->due_us = clock_mono_us() + delay_ms * 1000;
    pthread_mutex_lock(&d->lock);
    /* The timer starts with the first delay: most servers never delay. */
    if (!d->stopping && !d->timer_running && pthread_create(&d->timer, NULL, timer_main, d) == 0)
        d->timer_running = 1;
    if (d->stopping || !d->timer_running) {
        pthread_mutex_unlock(&d->lock);
        free(it);
        return -1;
    }
    MHD_suspend_connection(conn);
    it->next = d->delays;
    d->delays = it;
    pthread_cond_signal(&d->wake);
    pthread_mutex_unlock(&d->lock);
    return 0;
}

/* The connection's slot in the bounds (NULL when it is not tracked). */
static struct conn_slot *slot_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* Runs the pipeline; holds the connection when it asks for a delay. */
static enum MHD_Result dispatch(struct http_daemon *d, struct MHD_Connection *conn,
                                struct conn_req *cr, const char *url, const char *method)
{
    conns_handling(d->conns, slot_of(conn)); /* the request is in: off the clock */
    cr->pr.body = cr->body.data;
    cr->pr.body_len = cr->body.len;
    cr->pr.unavailable = atomic_load(&d->refusing);
    cr->pr.closing = atomic_load(&d->closing);
    for (;;) {
        int64_t delay_ms = 0;
        switch (pipeline_run(d->app, conn, method, url, &cr->pr, &delay_ms)) {
        case PIPELINE_ANSWERED:
            return MHD_YES;
        case PIPELINE_SUSPEND:
            if (delay_connection(d, conn, delay_ms) == 0)
                return MHD_YES; /* resumed later: dispatch runs again */
            continue;           /* cannot hold it (stopping): go on at once */
        case PIPELINE_FAILED:
        case PIPELINE_DROP:
            return MHD_NO; /* libmicrohttpd closes the connection */
        }
    }
}

static struct conn_req *conn_req_new(void)
{
    struct conn_req *cr = calloc(1, sizeof(*cr));
    if (!cr)
        return NULL;
    buf_init(&cr->body, HTTP_BODY_MAX);
    cr->pr.start_us = clock_mono_us();
    return cr;
}

/* The request line is in: its target is checked as sent, before it is decoded. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct conn_req *cr = conn_req_new();
    (void)cls;
    (void)conn;
    if (cr)
        uri_check(uri, &cr->pr.uri);
    return cr;
}

/* The headers are in. 1 when the request is refused already (no need to read its body). */
static int request_start(struct http_daemon *d, struct MHD_Connection *conn, struct conn_req *cr)
{
    cr->started = 1;
    atomic_fetch_add(&d->in_flight, 1);
    cr->pr.over_capacity = conns_refused(slot_of(conn));
    /* A declared length over the cap is refused before reading a byte. */
    const char *cl = lookup(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl && strtoull(cl, NULL, 10) > HTTP_BODY_MAX)
        cr->pr.too_large = 1;
    return cr->pr.too_large || cr->pr.over_capacity || cr->pr.uri.fault != URI_OK;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    struct http_daemon *d = cls;
    struct conn_req *cr = *req_cls;
    (void)version;
    if (!cr) { /* on_uri could not allocate it */
        cr = conn_req_new();
        if (!cr)
            return MHD_NO;
        *req_cls = cr;
    }
    if (!cr->started && !request_start(d, conn, cr))
        return MHD_YES;
    if (*upload_data_size > 0) {
        if (!cr->pr.too_large && buf_append(&cr->body, upload_data, *upload_data_size) != 0)
            cr->pr.too_large = 1; /* keep draining; answer 413 at the end */
        *upload_data_size = 0;
        return MHD_YES;
    }
    return dispatch(d, conn, cr, url, method);
}
static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct http_daemon *d = cls;
    struct conn_req *cr = *req_cls;
    (void)toe;
    conns_answered(d->conns, slot_of(conn)); /* on the clock again for the next request */
    if (!cr)
        return;
    if (cr->started)
        atomic_fetch_sub(&d->in_flight, 1);
    buf_free(&cr->body);
    free(cr);
    *req_cls = NULL;
}

/* Registers each connection with the bounds from its opening to its closing. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    struct http_daemon *d = cls;
    if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        conns_close(d->conns, *socket_context);
        *socket_context = NULL;
        return;
    }
    const union MHD_ConnectionInfo *fd =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    const union MHD_ConnectionInfo *addr =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    struct conn_slot *slot = NULL;
    if (fd)
        conns_open(d->conns, fd->connect_fd, addr ? addr->client_addr : NULL, &slot);
    *socket_context = slot;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* libmicrohttpd messages that are no server trouble, and that a client could otherwise
 * multiply at will: a connection closed while its request was arriving (by the client, or
 * by the connection bounds, which log a summary of their own). */
static const char *const mhd_quiet[] = {
    "Connection socket is closed when reading request",
};

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char text[512];
    vsnprintf(text, sizeof(text), fmt, ap);
    for (size_t i = 0; i < sizeof(mhd_quiet) / sizeof(mhd_quiet[0]); i++)
        if (strncmp(text, mhd_quiet[i], strlen(mhd_quiet[i])) == 0)
            return;
    size_t n = strlen(text);
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
        text[--n] = '\0';
    log_msg("warn", NULL, "http: %s", text);
}

/* The address to listen on (numeric first, then a name lookup); NULL with err set. */
static struct addrinfo *resolve(const struct app_config *cfg, char *err, size_t errlen)
{
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
    char port[16];
    snprintf(port, sizeof(port), "%d", cfg->port);
    int gai = getaddrinfo(cfg->bind, port, &hints, &ai);
    if (gai != 0) {
        hints.ai_flags = AI_PASSIVE;
        gai = getaddrinfo(cfg->bind, port, &hints, &ai);
    }
    if (gai != 0 || !ai) {
        snprintf(err, errlen, "cannot use bind address %s: %s", cfg->bind, gai_strerror(gai));
        if (ai)
            freeaddrinfo(ai);
        return NULL;
    }
    return ai;
}

/*
 * A listening socket for `ai`, bound here rather than by libmicrohttpd so a
 * port that is taken is refused with its own reason. SO_REUSEADDR only lets
 * a restart bind over connections in TIME_WAIT; it never lets two servers
 * listen on one port on Linux (SO_REUSEPORT would, and is not set: given
 * MHD_OPTION_LISTENING_ADDRESS_REUSE, libmicrohttpd sets both). -1 with err set.
 */
static int listen_socket(const struct addrinfo *ai, const struct app_config *cfg, char *err,
                         size_t errlen)
{
    int one = 1;
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        snprintf(err, errlen, "cannot listen on %s port %d: %s", cfg->bind, cfg->port,
                 strerror(errno));
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (ai->ai_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, SOMAXCONN) != 0) {
        if (errno == EADDRINUSE)
            snprintf(err, errlen, "port %d is already in use on %s (is another server running?)",
                     cfg->port, cfg->bind);
        else
            snprintf(err, errlen, "cannot listen on %s port %d: %s", cfg->bind, cfg->port,
                     strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* 1 when `sa` is a loopback address (127.0.0.0/8, ::1, ::ffff:127.x.y.z). */
static int is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr) >> 24) ==
               127;
    if (sa->sa_family != AF_INET6)
        return 0;
    const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
    return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
}

/* The port `fd` is bound to; `fallback` when it cannot be read. */
static int bound_port(int fd, int fallback)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        return fallback;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return fallback;
}

/*
 * Raises the soft open-file limit to the hard one (each connection is a
 * descriptor) and returns how many connections that leaves room for, after
 * a reserve for the database, the listening socket and each thread's own.
 * Past that, libmicrohttpd closes new connections without an answer.
 */
static unsigned connection_room(unsigned threads)
{
    const rlim_t most = (rlim_t)1 << 20, reserve = 64 + 4 * (rlim_t)threads;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 1000;
    if (rl.rlim_cur < rl.rlim_max && rl.rlim_cur < most) {
        rl.rlim_cur = rl.rlim_max < most ? rl.rlim_max : most;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    rlim_t n = rl.rlim_cur > most ? most : rl.rlim_cur;
    return n > reserve + 16 ? (unsigned)(n - reserve) : 16;
}

/* The connection bounds of cfg; warns when the open-file limit is below the cap. */
static struct conns *bounds_start(const struct app_config *cfg, unsigned room)
{
    struct conns_limits lim = {
        .max_total = cfg->max_connections,
        .max_per_address = cfg->max_connections_per_ip,
        .deadline_ms = cfg->read_timeout_s * 1000,
    };
    if ((unsigned)lim.max_total > room)
        log_msg("warn", NULL,
                "the open-file limit leaves room for %u connections, fewer than "
                "--max-connections %d: past %u, new connections are closed without an answer "
                "(raise the hard limit: ulimit -Hn)",
                room, lim.max_total, room);
    return conns_new(&lim);
}

static unsigned thread_count(const struct app *app)
{
    return app->cfg.threads > 0 ? (unsigned)app->cfg.threads : 2;
}

/* Starts libmicrohttpd on the listening socket `fd` with d's handlers; NULL on failure. */
static struct MHD_Daemon *mhd_start(struct http_daemon *d, int fd, int family, unsigned room)
{
    /* poll(), not epoll: libmicrohttpd 0.9.75's MHD_quiesce_daemon races its own
     * epoll workers over removing the listening socket and can abort the
     * process (MHD_PANIC on ENOENT) during a graceful stop under load. */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    if (family == AF_INET6)
        flags |= MHD_USE_IPv6;
    unsigned threads = thread_count(d->app);
    /* One thread is the polling thread itself: a pool of one only draws a warning. */
    struct MHD_OptionItem pool[] = {
        {threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, (intptr_t)threads, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    /* clang-format off */
    return MHD_start_daemon(flags, 0, NULL, NULL, on_request, d,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL, /* first, so MHD logs nothing itself */
        MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, d,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, d,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, d,
        MHD_OPTION_CONNECTION_LIMIT, room,
        MHD_OPTION_ARRAY, pool,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, HTTP_CONN_MEMORY,
        MHD_OPTION_END);
    /* clang-format on */
}

struct http_daemon *http_start(struct app *app, char *err, size_t errlen)
{
    struct addrinfo *ai = resolve(&app->cfg, err, errlen);
    if (!ai)
        return NULL;
    struct http_daemon *d = calloc(1, sizeof(*d));
    if (!d) {
        freeaddrinfo(ai);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    d->app = app;
    atomic_init(&d->in_flight, 0);
    atomic_init(&d->refusing, 0);
    atomic_init(&d->closing, 0);
    pthread_mutex_init(&d->lock, NULL);
    cond_init_mono(&d->wake); /* the timer's waits are monotonic deadlines */
    int fd = listen_socket(ai, &app->cfg, err, errlen);
    int family = ai->ai_family;
    if (fd >= 0 && !is_loopback(ai->ai_addr) && !app->cfg.admin_token)
        log_msg("warn", NULL,
                "listening on %s without --admin-token: anyone who can reach this address can "
                "reset the mock, mint tokens and create clients",
                app->cfg.bind);
    freeaddrinfo(ai);
    if (fd < 0)
        goto fail;
    d->port = bound_port(fd, app->cfg.port);
    unsigned room = connection_room(thread_count(app));
    d->conns = bounds_start(&app->cfg, room);
    d->mhd = d->conns ? mhd_start(d, fd, family, room) : NULL;
    if (!d->mhd) {
        if (fcntl(fd, F_GETFD) != -1) /* still ours: libmicrohttpd did not take it */
            close(fd);
        snprintf(err, errlen, "cannot serve on %s port %d", app->cfg.bind, app->cfg.port);
        goto fail;
    }
    return d;
fail:
    conns_free(d->conns);
    pthread_cond_destroy(&d->wake);
    pthread_mutex_destroy(&d->lock);
    free(d);
    return NULL;
}

int http_port(const struct http_daemon *d)
{
    return d->port;
}

void http_quiesce(struct http_daemon *d)
{
    if (!d || d->quiesced)
        return;
    d->quiesced = 1;
    atomic_store(&d->closing, 1);
    MHD_socket listener = MHD_quiesce_daemon(d->mhd); /* ours to close from here */
    if (listener != MHD_INVALID_SOCKET)
        close(listener);
}

int http_in_flight(struct http_daemon *d)
{
    return d ? atomic_load(&d->in_flight) : 0;
}

void http_stop(struct http_daemon *d)
{
    if (!d)
        return;
    http_quiesce(d);
    /* From here every request is answered 503, held ones too: the timer
     * resumes them all and ends. Then they get a moment to be sent. */
    atomic_store(&d->refusing, 1);
    pthread_mutex_lock(&d->lock);
    d->stopping = 1; /* no timer starts from here */
    int timer = d->timer_running;
    pthread_cond_signal(&d->wake);
    pthread_mutex_unlock(&d->lock);
    if (timer)
        pthread_join(d->timer, NULL);
    struct timespec tick = {0, 10 * 1000 * 1000};
    for (int waited = 0; atomic_load(&d->in_flight) > 0 && waited < HTTP_STOP_DRAIN_MS;
         waited += 10)
        nanosleep(&tick, NULL);
    MHD_stop_daemon(d->mhd);
    conns_free(d->conns);
    pthread_cond_destroy(&d->wake);
    pthread_mutex_destroy(&d->lock);
    free(d);
}

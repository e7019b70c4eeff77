/*
 * tls_none.c - libmicrohttpd without GnuTLS. The server serves no TLS, yet
 * Debian builds libmicrohttpd with it: loaded as a shared library it brings
 * GnuTLS and seven more libraries, which initialise themselves as they
 * load (a third of a start's CPU time and 2 MB of resident memory). The
 * server links Debian's static libmicrohttpd instead, and these are the
 * GnuTLS functions it names. A daemon started without MHD_USE_TLS, as every
 * daemon here is, calls only gnutls_global_init() and gnutls_global_deinit()
 * (at load and at exit); every other one fails, as GnuTLS does for a
 * feature it lacks. The declarations are GnuTLS's own header, so each
 * function has exactly the type libmicrohttpd calls; all are hidden, so no
 * library loaded later (cairo, libarchive, a test's libcurl) can bind to
 * them instead of a real GnuTLS. Owns nothing.
 */
#include <stddef.h>
#include <stdlib.h>

#pragma GCC visibility push(hidden)
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

#define NO_TLS GNUTLS_E_UNIMPLEMENTED_FEATURE

gnutls_alloc_function gnutls_malloc = malloc;

int gnutls_global_init(void)
{
    return 0;
}

void gnutls_global_deinit(void)
{
}

const char *gnutls_strerror(int error)
{
    (void)error;
    return "TLS is not built in";
}

int gnutls_init(gnutls_session_t *session, unsigned int flags)
{
    (void)session;
    (void)flags;
    return NO_TLS;
}

void gnutls_deinit(gnutls_session_t session)
{
    (void)session;
}

int gnutls_priority_init(gnutls_priority_t *cache, const char *priorities, const char **err_pos)
{
    (void)cache;
    (void)priorities;
    (void)err_pos;
    return NO_TLS;
}

void gnutls_priority_deinit(gnutls_priority_t cache)
{
    (void)cache;
}

int gnutls_priority_set(gnutls_session_t session, gnutls_priority_t cache)
{
    (void)session;
    (void)cache;
    return NO_TLS;
}

int gnutls_certificate_allocate_credentials(gnutls_certificate_credentials_t *res)
{
    (void)res;
    return NO_TLS;
}

void gnutls_certificate_free_credentials(gnutls_certificate_credentials_t sc)
{
    (void)sc;
}

void gnutls_certificate_server_set_request(gnutls_session_t session,
                                           gnutls_certificate_request_t req)
{
    (void)session;
    (void)req;
}

void gnutls_certificate_set_dh_params(gnutls_certificate_credentials_t res,
                                      gnutls_dh_params_t dh_params)
{
    (void)res;
    (void)dh_params;
}

void gnutls_certificate_set_retrieve_function2(gnutls_certificate_credentials_t cred,
                                               gnutls_certificate_retrieve_function2 *func)
{
    (void)cred;
    (void)func;
}

void gnutls_certificate_set_retrieve_function3(gnutls_certificate_credentials_t cred,
                                               gnutls_certificate_retrieve_function3 *func)
{
    (void)cred;
    (void)func;
}

int gnutls_certificate_set_x509_key_mem(gnutls_certificate_credentials_t res,
                                        const gnutls_datum_t *cert, const gnutls_datum_t *key,
                                        gnutls_x509_crt_fmt_t type)
{
    (void)res;
    (void)cert;
    (void)key;
    (void)type;
    return NO_TLS;
}

int gnutls_certificate_set_x509_key_mem2(gnutls_certificate_credentials_t res,
                                         const gnutls_datum_t *cert, const gnutls_datum_t *key,
                                         gnutls_x509_crt_fmt_t type, const char *pass,
                                         unsigned int flags)
{
    (void)res;
    (void)cert;
    (void)key;
    (void)type;
    (void)pass;
    (void)flags;
    return NO_TLS;
}

int gnutls_certificate_set_x509_trust_mem(gnutls_certificate_credentials_t res,
                                          const gnutls_datum_t *ca, gnutls_x509_crt_fmt_t type)
{
    (void)res;
    (void)ca;
    (void)type;
    return NO_TLS;
}

gnutls_cipher_algorithm_t gnutls_cipher_get(gnutls_session_t session)
{
    (void)session;
    return GNUTLS_CIPHER_UNKNOWN;
}

int gnutls_credentials_set(gnutls_session_t session, gnutls_credentials_type_t type, void *cred)
{
    (void)session;
    (void)type;
    (void)cred;
    return NO_TLS;
}

int gnutls_dh_params_init(gnutls_dh_params_t *dh_params)
{
    (void)dh_params;
    return NO_TLS;
}

void gnutls_dh_params_deinit(gnutls_dh_params_t dh_params)
{
    (void)dh_params;
}

int gnutls_dh_params_import_pkcs3(gnutls_dh_params_t params, const gnutls_datum_t *pkcs3_params,
                                  gnutls_x509_crt_fmt_t format)
{
    (void)params;
    (void)pkcs3_params;
    (void)format;
    return NO_TLS;
}

int gnutls_handshake(gnutls_session_t session)
{
    (void)session;
    return NO_TLS;
}

int gnutls_bye(gnutls_session_t session, gnutls_close_request_t how)
{
    (void)session;
    (void)how;
    return NO_TLS;
}

gnutls_protocol_t gnutls_protocol_get_version(gnutls_session_t session)
{
    (void)session;
    return GNUTLS_VERSION_UNKNOWN;
}

int gnutls_alpn_set_protocols(gnutls_session_t session, const gnutls_datum_t *protocols,
                              unsigned protocols_size, unsigned flags)
{
    (void)session;
    (void)protocols;
    (void)protocols_size;
    (void)flags;
    return NO_TLS;
}

int gnutls_psk_allocate_server_credentials(gnutls_psk_server_credentials_t *sc)
{
    (void)sc;
    return NO_TLS;
}

void gnutls_psk_free_server_credentials(gnutls_psk_server_credentials_t sc)
{
    (void)sc;
}

void gnutls_psk_set_server_credentials_function(gnutls_psk_server_credentials_t cred,
                                                gnutls_psk_server_credentials_function *func)
{
    (void)cred;
    (void)func;
}

size_t gnutls_record_check_pending(gnutls_session_t session)
{
    (void)session;
    return 0;
}

int gnutls_record_get_direction(gnutls_session_t session)
{
    (void)session;
    return 0;
}

ssize_t gnutls_record_recv(gnutls_session_t session, void *data, size_t data_size)
{
    (void)session;
    (void)data;
    (void)data_size;
    return NO_TLS;
}

ssize_t gnutls_record_send(gnutls_session_t session, const void *data, size_t data_size)
{
    (void)session;
    (void)data;
    (void)data_size;
    return NO_TLS;
}

void *gnutls_session_get_ptr(gnutls_session_t session)
{
    (void)session;
    return NULL;
}

void gnutls_session_set_ptr(gnutls_session_t session, void *ptr)
{
    (void)session;
    (void)ptr;
}

void gnutls_transport_set_int2(gnutls_session_t session, int recv_fd, int send_fd)
{
    (void)session;
    (void)recv_fd;
    (void)send_fd;
}
#pragma GCC visibility pop

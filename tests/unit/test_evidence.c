/*
 * test_evidence.c - what the journal keeps of bodies and headers
 * (api/evidence.c): secrets masked in every body syntax the API sees, cut or
 * not, other bytes kept as they were, bodies cut at EVIDENCE_BODY_MAX, bad
 * UTF-8 and NULs made printable, and credentials masked in headers.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "api/evidence.h"

static const struct {
    const char *id;
    const char *in;
    const char *want;
} bodies[] = {
    {"form", "grant_type=client_credentials&client_id=a&client_secret=s3cr%26t",
     "grant_type=client_credentials&client_id=a&client_secret=***"},
    {"form_first", "client_secret=x&client_id=a", "client_secret=***&client_id=a"},
    {"form_empty_value", "client_secret=&a=b", "client_secret=***&a=b"},
    {"form_suffix_is_no_key", "my_client_secret=x", "my_client_secret=x"},
    {"query", "?access_token=abc&x=1", "?access_token=***&x=1"},
    {"json", "{\"clientId\":\"a\",\"clientSecret\":\"s\\\"3\"}",
     "{\"clientId\":\"a\",\"clientSecret\":\"***\"}"},
    {"json_spaces", "{ \"access_token\" : \"eyJ.x.y\", \"expires_in\": 749}",
     "{ \"access_token\" : \"***\", \"expires_in\": 749}"},
    {"json_value_named_like_a_key", "{\"a\":\"client_secret\",\"b\":\"x\"}",
     "{\"a\":\"client_secret\",\"b\":\"x\"}"},
    {"json_number_secret", "{\"secret\":12,\"a\":1}", "{\"secret\":\"***\",\"a\":1}"},
    {"json_object_under_secret_key", "{\"secret\":{\"a\":1}}", "{\"secret\":{\"a\":1}}"},
    {"json_cut_in_value", "{\"access_token\":\"eyJhbGciOi", "{\"access_token\":\"***\""},
    {"multipart",
     "--b\r\nContent-Disposition: form-data; name=\"client_id\"\r\n\r\napp\r\n"
     "--b\r\nContent-Disposition: form-data; name=\"client_secret\"\r\n\r\ns3cret\r\n--b--\r\n",
     "--b\r\nContent-Disposition: form-data; name=\"client_id\"\r\n\r\napp\r\n"
     "--b\r\nContent-Disposition: form-data; name=\"client_secret\"\r\n\r\n***\r\n--b--\r\n"},
    {"multipart_cut", "--b\r\nContent-Disposition: form-data; name=\"client_secret\"\r\n\r\ns3c",
     "--b\r\nContent-Disposition: form-data; name=\"client_secret\"\r\n\r\n***"},
    {"plain", "{\"reportType\":\"IDENTITIES\"}", "{\"reportType\":\"IDENTITIES\"}"},
    {"bad_utf8",
     "a\xff"
     "b\xc3",
     "a?b?"},
    {"empty", "", ""},
};

Test(evidence, bodies_are_masked)
{
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        size_t n = strlen(bodies[i].in);
        char *in = malloc(n ? n : 1); /* exact size, not NUL-terminated: ASan sees over-reads */
        cr_assert(in);
        memcpy(in, bodies[i].in, n);
        struct buf out;
        buf_init(&out, 0);
        cr_assert_eq(evidence_body(in, n, &out), 0, "%s", bodies[i].id);
        cr_expect_str_eq(out.data ? out.data : "", bodies[i].want, "%s", bodies[i].id);
        buf_free(&out);
        free(in);
    }
}

Test(evidence, nul_bytes_become_printable)
{
    static const char in[] = {'a', '\0', 'b'};
    struct buf out;
    buf_init(&out, 0);
    cr_assert_eq(evidence_body(in, sizeof in, &out), 0);
    cr_expect_eq(out.len, 3);
    cr_expect_str_eq(out.data, "a?b");
    buf_free(&out);
}

Test(evidence, bodies_are_cut)
{
    size_t n = 3 * EVIDENCE_BODY_MAX;
    char *in = malloc(n);
    cr_assert(in);
    memset(in, 'x', n);
    struct buf out;
    buf_init(&out, 0);
    cr_assert_eq(evidence_body(in, n, &out), 0);
    cr_expect_eq(out.len, EVIDENCE_BODY_MAX);
    buf_free(&out);
    /* A secret past the cut is not kept at all; one before it is masked. */
    memcpy(in, "client_secret=", 14);
    cr_assert_eq(evidence_body(in, n, &out), 0);
    cr_expect_str_eq(out.data, "client_secret=***");
    buf_free(&out);
    free(in);
}

Test(evidence, a_full_buffer_is_left_unchanged)
{
    struct buf out;
    buf_init(&out, 4);
    cr_assert_eq(buf_puts(&out, "ab"), 0);
    cr_expect_eq(evidence_body("0123456789", 10, &out), -1);
    cr_expect_str_eq(out.data, "ab");
    buf_free(&out);
}

static const struct {
    const char *name, *value, *want;
} headers[] = {
    {"Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig", "Bearer ***"},
    {"authorization", "Basic ZGVtbzpzZWNyZXQ=", "Basic ***"},
    {"Authorization", "opaque-token", "***"},
    {"Proxy-Authorization", "Bearer x", "Bearer ***"},
    {"Cookie", "session=abc; other=def", "***"},
    {"Content-Type", "application/json", "application/json"},
    {"X-Authorization-Hint", "Bearer visible", "Bearer visible"},
};

Test(evidence, header_credentials_are_masked)
{
    for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
        char out[64];
        evidence_header_value(headers[i].name, headers[i].value, out, sizeof out);
        cr_expect_str_eq(out, headers[i].want, "%s: %s", headers[i].name, headers[i].value);
    }
}

Test(evidence, header_lists_are_har_arrays)
{
    struct evidence_headers *h = evidence_headers_new();
    cr_assert(h);
    evidence_headers_add(h, "Host", "localhost:7100");
    evidence_headers_add(h, "Authorization", "Bearer abc.def.ghi");
    char *text = evidence_headers_text(h);
    cr_assert(text);
    cr_expect_str_eq(text, "[{\"name\":\"Host\",\"value\":\"localhost:7100\"},"
                           "{\"name\":\"Authorization\",\"value\":\"Bearer ***\"}]");
    free(text);
    evidence_headers_free(NULL);
    cr_expect_null(evidence_headers_text(NULL));
}

Test(evidence, header_lists_are_bounded)
{
    struct evidence_headers *h = evidence_headers_new();
    char value[900];
    memset(value, 'v', sizeof value - 1);
    value[sizeof value - 1] = '\0';
    for (int i = 0; i < 100; i++)
        evidence_headers_add(h, "X-Big", value);
    char *text = evidence_headers_text(h);
    cr_assert(text);
    cr_expect_leq(strlen(text), EVIDENCE_HEADERS_MAX);
    cr_expect_gt(strlen(text), EVIDENCE_HEADERS_MAX / 2);
    free(text);
}

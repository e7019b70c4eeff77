/*
 * test_tenant.c - generated tenants through the real server: GET and POST
 * /mock/tenant (and their refusals), reset back to the built-in tenant,
 * the same size and seed giving the same report file (another seed another
 * one), --tenant-size at start-up, and a 100,000-identity tenant streamed
 * as a report with the server's peak memory bounded.
 */
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static void tenant_post(struct http_res *r, const char *json)
{
    static const char *const json_type[] = {"Content-Type: application/json", NULL};
    http_req(r, "POST", "/mock/tenant", json_type, json, strlen(json));
}

static double count_of(const cJSON *t, const char *table)
{
    return jnum(cJSON_GetObjectItemCaseSensitive(t, "counts"), table);
}

/* Runs IDENTITIES_DETAILS to the end and returns the sha256 of its CSV (hex). */
static void report_sha(char out[65])
{
    char *tok = e2e_token("demo-app");
    cJSON *task = e2e_run("v2024", tok,
                          "{\"reportType\":\"IDENTITIES_DETAILS\","
                          "\"arguments\":{\"correlatedOnly\":false}}");
    e2e_clock_advance(60 * 1000);
    cJSON *res = e2e_result_done("v2024", tok, jstr(task, "id"), 120);
    cr_assert_str_eq(jstr(res, "status"), "SUCCESS");
    char path[256];
    snprintf(path, sizeof path, "/v2024/reports/%s?fileFormat=csv", jstr(task, "id"));
    struct http_res r;
    api_call(&r, "GET", path, tok, NULL);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    cr_assert_gt(r.len, 100);
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)r.body, r.len, md);
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    http_res_free(&r);
    cJSON_Delete(res);
    cJSON_Delete(task);
    free(tok);
}

E2E_TEST(tenant, get_post_and_reset)
{
    struct http_res r;
    http_req(&r, "GET", "/mock/tenant", NULL, NULL, 0);
    cr_assert_eq(r.status, 200);
    cr_assert(jnull(r.json, "seed"));
    cr_assert_eq(jnum(r.json, "size"), 300);
    cr_assert_eq(count_of(r.json, "accounts"), 850);
    http_res_free(&r);

    tenant_post(&r, "{\"size\": 1000, \"seed\": 7}");
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert_eq(jnum(r.json, "size"), 1000);
    cr_assert_eq(jnum(r.json, "seed"), 7);
    cr_assert_eq(count_of(r.json, "identities"), 1000);
    cr_assert(count_of(r.json, "accounts") > 2000 && count_of(r.json, "accounts") < 4000);
    http_res_free(&r);
    http_req(&r, "GET", "/mock/tenant", NULL, NULL, 0);
    cr_assert_eq(count_of(r.json, "identities"), 1000);
    http_res_free(&r);

    http_req(&r, "POST", "/mock/reset", NULL, NULL, 0);
    cr_assert_eq(r.status, 200);
    http_res_free(&r);
    http_req(&r, "GET", "/mock/tenant", NULL, NULL, 0);
    cr_assert(jnull(r.json, "seed"));
    cr_assert_eq(count_of(r.json, "identities"), 300);
    cr_assert_eq(count_of(r.json, "accounts"), 850);
    http_res_free(&r);
}

static const struct {
    const char *body, *field;
} bad_bodies[] = {
    {"{\"size\": 9}", "'size'"},
    {"{\"size\": 2000001}", "'size'"},
    {"{\"size\": \"100\"}", "'size'"},
    {"{\"seed\": 1}", "'size'"},
    {"{\"size\": 100, \"seed\": -1}", "'seed'"},
    {"{\"size\": 100, \"seed\": 1.5}", "'seed'"},
    {"{\"size\": 100, \"count\": 1}", "'count'"},
};

E2E_TEST(tenant, bad_bodies_name_the_field)
{
    for (size_t i = 0; i < sizeof(bad_bodies) / sizeof(bad_bodies[0]); i++) {
        struct http_res r;
        tenant_post(&r, bad_bodies[i].body);
        cr_assert_eq(r.status, 400, "%s: %ld", bad_bodies[i].body, r.status);
        cr_assert(strstr(r.body, bad_bodies[i].field) != NULL, "%s: %s", bad_bodies[i].body,
                  r.body);
        http_res_free(&r);
    }
    struct http_res r;
    http_req(&r, "GET", "/mock/tenant", NULL, NULL, 0);
    cr_assert_eq(count_of(r.json, "identities"), 300, "a refused body changed the tenant");
    http_res_free(&r);
}

E2E_TEST(tenant, same_seed_same_file_other_seed_other_file)
{
    char a[65], b[65], c[65];
    struct http_res r;
    tenant_post(&r, "{\"size\": 2000, \"seed\": 11}");
    cr_assert_eq(r.status, 200);
    http_res_free(&r);
    report_sha(a);
    tenant_post(&r, "{\"size\": 2000, \"seed\": 11}");
    http_res_free(&r);
    report_sha(b);
    cr_assert_str_eq(a, b);
    tenant_post(&r, "{\"size\": 2000, \"seed\": 12}");
    http_res_free(&r);
    report_sha(c);
    cr_assert_str_neq(a, c);
}

E2E_TEST(tenant, size_flag_at_startup_scales_and_survives_reset)
{
    const char *args[] = {"--tenant-size", "3000", "--seed", "11", NULL};
    e2e_restart(args);
    struct http_res r;
    http_req(&r, "GET", "/mock/tenant", NULL, NULL, 0);
    cr_assert_eq(jnum(r.json, "size"), 3000);
    cr_assert_eq(jnum(r.json, "seed"), 11);
    double accounts = count_of(r.json, "accounts");
    http_res_free(&r);
    http_req(&r, "POST", "/mock/reset", NULL, NULL, 0);
    http_res_free(&r);
    http_req(&r, "GET", "/mock/tenant", NULL, NULL, 0);
    cr_assert_eq(jnum(r.json, "size"), 3000, "reset brings back the start-up tenant");
    cr_assert_eq(count_of(r.json, "accounts"), accounts);
    http_res_free(&r);
}

/* The server's peak resident set bound, kB. A server under ASan or TSan also
 * holds the sanitizer's shadow memory (and ASan its 256 MB quarantine of freed
 * blocks), about 200-600 MB here, so the bound is ten times looser there; the
 * server running natively is held to the real one. */
#define PEAK_LIMIT_KB (96 * 1024)
#define PEAK_LIMIT_SANITIZED_KB (960 * 1024)

Test(tenant, hundred_thousand_identities_in_bounded_memory, .fini = e2e_fini, .timeout = 500.)
{
    char db[600];
    snprintf(db, sizeof db, "%s/big.db", e2e_tmpdir());
    /* The files take seconds to write: polls until then are not rate limited. */
    const char *args[] = {"--db", db,        "--tenant-size", "100000", "--seed",
                          "3",    "--quiet", "--rate-limit",  "0",      NULL};
    e2e_start_timeout_ms = 400 * 1000; /* seconds on a quiet machine, more under load */
    e2e_request_timeout_s = 300;       /* the 100,000-row CSV, under a sanitizer and load */
    e2e_start(args, NULL, 1);
    char *tok = e2e_token("demo-app");
    cJSON *task = e2e_run("v2024", tok, "{\"reportType\":\"IDENTITIES\"}");
    e2e_clock_advance(60 * 1000);
    cJSON *res = e2e_result_done("v2024", tok, jstr(task, "id"), 400); /* a CSV and a PDF */
    cr_assert_str_eq(jstr(res, "status"), "SUCCESS");
    cr_assert_eq(jnum(res, "rows"), 100000);
    char path[256];
    snprintf(path, sizeof path, "/v2024/reports/%s?fileFormat=csv", jstr(task, "id"));
    struct http_res r;
    api_call(&r, "GET", path, tok, NULL);
    cr_assert_eq(r.status, 200);
    cr_assert_eq(count_lines(r.body), 100001, "a header and one line per identity");
    long kb = e2e_status_kb(e2e_srv.pid, "VmHWM");
    long limit = e2e_runs_natively(e2e_srv.pid) ? PEAK_LIMIT_KB : PEAK_LIMIT_SANITIZED_KB;
    cr_assert(kb > 0 && kb < limit, "peak %ld kB, bound %ld kB", kb, limit);
    http_res_free(&r);
    cJSON_Delete(res);
    cJSON_Delete(task);
    free(tok);
    e2e_finish();
}

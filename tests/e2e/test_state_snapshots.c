/*
 * test_state_snapshots.c - /mock/snapshots: a saved state comes back whole
 * (tasks, their stored report files, clients, behaviours, faults, the clock; the journal
 * only when asked), open connections and held tokens survive a restore,
 * snapshots are listed, downloaded and deleted, --snapshot starts from a
 * downloaded file (and refuses a bad one with exit 2 and one line), and
 * every refusal is a 400 naming what is wrong.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static const char *const ids_body =
    "{\"reportType\":\"IDENTITIES\",\"arguments\":{\"correlatedOnly\":true}}";

/* The value of array `key` of a control GET, as a JSON text of its
 * members' `field`, sorted as served ("a,b,c"). */
static void list_field(const char *path, const char *key, const char *field, char *out, size_t cap)
{
    cJSON *o = ctl("GET", path, NULL, 200), *it;
    cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, key);
    cr_assert(cJSON_IsArray(arr), "GET %s: no %s", path, key);
    out[0] = '\0';
    cJSON_ArrayForEach(it, arr)
    {
        const char *v = jstr(it, field);
        cJSON *n = cJSON_GetObjectItemCaseSensitive(it, field);
        char num[32] = "";
        if (!v && cJSON_IsNumber(n))
            snprintf(num, sizeof num, "%.0f", n->valuedouble);
        size_t len = strlen(out);
        snprintf(out + len, cap - len, "%s%s", len ? "," : "", v ? v : num);
    }
    cJSON_Delete(o);
}

/* The CSV bytes of task `id` (asserts 200). */
static char *csv_of(const char *token, const char *id, size_t *len)
{
    struct http_res r;
    char path[128];
    snprintf(path, sizeof path, "/v2024/reports/%s?fileFormat=csv", id);
    api_call(&r, "GET", path, token, NULL);
    cr_assert_eq(r.status, 200, "download %s: %ld %s", id, r.status, r.body);
    char *out = malloc(r.len + 1);
    cr_assert(out != NULL);
    memcpy(out, r.body, r.len + 1);
    *len = r.len;
    http_res_free(&r);
    return out;
}

/* A finished IDENTITIES task; returns its id (malloc'd). */
static char *finished_task(const char *token)
{
    cJSON *t = e2e_run("v2024", token, ids_body);
    char *id = strdup(jstr(t, "id"));
    cJSON_Delete(t);
    e2e_clock_advance(60000);
    cJSON *res = e2e_result_done("v2024", token, id, 30);
    cr_assert_str_eq(jstr(res, "status"), "SUCCESS");
    cJSON_Delete(res);
    return id;
}

/* Everything a snapshot holds comes back; what came after it is gone. */
E2E_TEST(state_snapshots, restore_brings_back_the_whole_state)
{
    char *tok = e2e_token("demo-admin");
    char *done = finished_task(tok);
    size_t want_len, got_len;
    char *want = csv_of(tok, done, &want_len);
    cJSON_Delete(
        ctl("POST", "/mock/clients", "{\"clientId\":\"ci-bot\",\"clientSecret\":\"x\"}", 201));
    cJSON_Delete(ctl("PUT", "/mock/reports/ACCOUNTS", "{\"durationMs\":5}", 200));
    cJSON_Delete(ctl("POST", "/mock/faults", "{\"operation\":\"getReport\",\"status\":503}", 201));
    cJSON *running = e2e_run(
        "v2024", tok, "{\"reportType\":\"IDENTITIES\",\"arguments\":{\"correlatedOnly\":false}}");
    char tasks[2048], clients[1024], faults[256];
    list_field("/mock/tasks", "tasks", "id", tasks, sizeof tasks);
    list_field("/mock/clients", "clients", "clientId", clients, sizeof clients);
    list_field("/mock/faults", "faults", "id", faults, sizeof faults);
    int64_t saved_at = e2e_clock_now();

    cJSON *saved = ctl("POST", "/mock/snapshots", "{\"name\":\"base-1\"}", 201);
    cr_expect_str_eq(jstr(saved, "name"), "base-1");
    cr_expect(jnum(saved, "bytes") > 4096);
    cr_expect(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(saved, "journal")));
    int ntasks = 1;
    for (const char *p = tasks; (p = strchr(p, ',')) != NULL; p++)
        ntasks++;
    cr_expect_eq(jnum(saved, "tasks"), (double)ntasks, "%s", tasks);
    cr_expect(jnum(saved, "files") >= 2, "the ended task's CSV and PDF at least");
    cJSON_Delete(saved);

    /* Everything changes. */
    cJSON_Delete(ctl("DELETE", "/mock/faults", NULL, 204));
    cJSON_Delete(ctl("DELETE", "/mock/reports/ACCOUNTS", NULL, 204));
    cJSON_Delete(ctl("DELETE", "/mock/clients/ci-bot", NULL, 204));
    cJSON_Delete(
        ctl("POST", "/mock/clients", "{\"clientId\":\"later\",\"clientSecret\":\"x\"}", 201));
    char *later = finished_task(tok);
    e2e_clock_advance(3600000);
    char with_later[2048];
    list_field("/mock/tasks", "tasks", "id", with_later, sizeof with_later);
    cr_assert(strstr(with_later, later) != NULL, "%s", with_later);

    /* A restore over the changed state drops the task made after the save. */
    cJSON_Delete(ctl("POST", "/mock/snapshots/base-1/restore", NULL, 200));
    char after[2048];
    list_field("/mock/tasks", "tasks", "id", after, sizeof after);
    cr_expect(strstr(after, later) == NULL, "%s", after);
    cr_expect_str_eq(after, tasks);

    /* A reset removes every stored report file: the snapshot's come back with it. */
    cJSON_Delete(ctl("POST", "/mock/reset", NULL, 200));
    cJSON *back = ctl("POST", "/mock/snapshots/base-1/restore", NULL, 200);
    cr_expect_str_eq(jstr(back, "status"), "restored");
    cJSON_Delete(back);

    char now_tasks[2048], now_clients[1024], now_faults[256];
    list_field("/mock/tasks", "tasks", "id", now_tasks, sizeof now_tasks);
    list_field("/mock/clients", "clients", "clientId", now_clients, sizeof now_clients);
    list_field("/mock/faults", "faults", "id", now_faults, sizeof now_faults);
    cr_expect_str_eq(now_tasks, tasks);
    cr_expect_str_eq(now_clients, clients);
    cr_expect_str_eq(now_faults, faults);
    cr_expect_eq(e2e_clock_now(), saved_at, "the clock is the snapshot's");
    cJSON *behaviour = ctl("GET", "/mock/reports/ACCOUNTS", NULL, 200);
    cr_expect_eq(jnum(behaviour, "durationMs"), 5.0, "the behaviour is the snapshot's: %s",
                 cJSON_PrintUnformatted(behaviour));
    cJSON_Delete(behaviour);

    /* The task that ran at the save still runs; the fault still applies. */
    cJSON *res = e2e_result("v2024", tok, jstr(running, "id"));
    cr_expect(!jhas(res, "status") || jnull(res, "status"), "still running: %s",
              cJSON_PrintUnformatted(res));
    cJSON_Delete(res);
    struct http_res r;
    char path[128];
    snprintf(path, sizeof path, "/v2024/reports/%s?fileFormat=csv", done);
    api_call(&r, "GET", path, tok, NULL);
    cr_expect_eq(r.status, 503, "the restored fault answers: %ld", r.status);
    http_res_free(&r);
    cJSON_Delete(ctl("DELETE", "/mock/faults", NULL, 204));

    /* The finished report downloads the same bytes. */
    char *got = csv_of(tok, done, &got_len);
    cr_expect_eq(got_len, want_len);
    cr_expect(got_len == want_len && memcmp(got, want, want_len) == 0, "CSV differs");

    free(got);
    free(want);
    free(later);
    free(done);
    cJSON_Delete(running);
    free(tok);
}

/* The journal is left out unless asked for; a restore brings back the one saved. */
E2E_TEST(state_snapshots, journal_only_when_asked)
{
    char *tok = e2e_token("demo-app");
    char count[64];
    list_field("/mock/requests", "requests", "status", count, sizeof count);
    cr_assert(count[0] != '\0', "the token request is journaled");
    cJSON *a = ctl("POST", "/mock/snapshots", "{\"name\":\"plain\"}", 201);
    cJSON *b = ctl("POST", "/mock/snapshots", "{\"name\":\"evidence\",\"journal\":true}", 201);
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b, "journal")));
    cJSON_Delete(a);
    cJSON_Delete(b);

    cJSON_Delete(ctl("POST", "/mock/snapshots/plain/restore", NULL, 200));
    list_field("/mock/requests", "requests", "status", count, sizeof count);
    cr_expect_str_eq(count, "", "a snapshot without the journal restores an empty one");
    cJSON_Delete(ctl("POST", "/mock/snapshots/evidence/restore", "{}", 200));
    list_field("/mock/requests", "requests", "status", count, sizeof count);
    cr_expect_str_eq(count, "200", "the saved journal: the token request");
    free(tok);
}

/* One GET on a reused curl handle; returns the status, *fresh the connections it opened. */
static long keep_alive_get(CURL *c, const char *path, const char *token, long *fresh)
{
    char url[512], auth[2048];
    struct curl_slist *h = NULL;
    snprintf(url, sizeof url, "%s%s", e2e_srv.url, path);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    h = curl_slist_append(h, auth);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, e2e_discard);
    cr_assert_eq(curl_easy_perform(c), CURLE_OK);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, fresh);
    curl_slist_free_all(h);
    return status;
}

/* A keep-alive connection and a token issued before a restore keep working after it. */
E2E_TEST(state_snapshots, connections_and_tokens_survive)
{
    char *tok = e2e_token("demo-admin");
    char *id = finished_task(tok);
    cJSON_Delete(ctl("POST", "/mock/snapshots", "{\"name\":\"s\"}", 201));
    char *later = e2e_token("demo-app"); /* issued after the save */
    char path[128];
    snprintf(path, sizeof path, "/v2024/reports/%s/result", id);
    CURL *c = curl_easy_init();
    cr_assert(c != NULL);
    long fresh = 0;
    cr_assert_eq(keep_alive_get(c, path, tok, &fresh), 200);
    cr_assert_eq(fresh, 1, "the first request opens the connection");

    cJSON_Delete(ctl("POST", "/mock/snapshots/s/restore", NULL, 200));

    cr_expect_eq(keep_alive_get(c, path, tok, &fresh), 200, "the old token after the restore");
    cr_expect_eq(fresh, 0, "the same connection served it");
    cr_expect_eq(keep_alive_get(c, path, later, &fresh), 200, "a token issued after the save");
    cr_expect_eq(fresh, 0, "still the same connection");
    curl_easy_cleanup(c);
    free(later);
    free(id);
    free(tok);
}

/* List in name order, download a SQLite file, delete, and the 404s. */
E2E_TEST(state_snapshots, list_download_delete)
{
    cJSON_Delete(ctl("POST", "/mock/snapshots", "{\"name\":\"zeta\"}", 201));
    cJSON_Delete(ctl("POST", "/mock/snapshots", "{\"name\":\"Alpha_2.v-1\"}", 201));
    char names[256];
    list_field("/mock/snapshots", "snapshots", "name", names, sizeof names);
    cr_expect_str_eq(names, "Alpha_2.v-1,zeta");

    struct http_res r;
    char v[256];
    http_req(&r, "GET", "/mock/snapshots/zeta", NULL, NULL, 0);
    cr_assert_eq(r.status, 200);
    cr_expect(r.len > 4096 && memcmp(r.body, "SQLite format 3", 16) == 0, "a SQLite database");
    cr_expect_str_eq(http_header(&r, "Content-Type", v, sizeof v), "application/vnd.sqlite3");
    cr_expect(strstr(http_header(&r, "Content-Disposition", v, sizeof v), "zeta.sqlite") != NULL,
              "%s", v);
    /* Sent from the file with its length, as report files are, not chunked. */
    const char *length = http_header(&r, "Content-Length", v, sizeof v);
    cr_expect(length && strtoull(length, NULL, 10) == r.len, "Content-Length %s, %zu bytes",
              length ? length : "(none)", r.len);
    http_res_free(&r);

    /* Saving under a name again replaces it: still two. */
    cJSON_Delete(ctl("POST", "/mock/snapshots", "{\"name\":\"zeta\"}", 201));
    list_field("/mock/snapshots", "snapshots", "name", names, sizeof names);
    cr_expect_str_eq(names, "Alpha_2.v-1,zeta");

    cJSON_Delete(ctl("DELETE", "/mock/snapshots/zeta", NULL, 204));
    http_req(&r, "DELETE", "/mock/snapshots/zeta", NULL, NULL, 0);
    assert_error_dto(&r, 404, "zeta");
    http_res_free(&r);
    http_req(&r, "GET", "/mock/snapshots/zeta", NULL, NULL, 0);
    assert_error_dto(&r, 404, "zeta");
    http_res_free(&r);
    http_req(&r, "POST", "/mock/snapshots/zeta/restore", NULL, NULL, 0);
    assert_error_dto(&r, 404, "zeta");
    http_res_free(&r);
    list_field("/mock/snapshots", "snapshots", "name", names, sizeof names);
    cr_expect_str_eq(names, "Alpha_2.v-1");
}

struct refusal {
    const char *id;
    const char *method;
    const char *path;
    const char *body;
    const char *part;
};

static const struct refusal refusals[] = {
    {"no_name", "POST", "/mock/snapshots", "{}", "name"},
    {"unknown_field", "POST", "/mock/snapshots", "{\"name\":\"a\",\"journals\":true}", "journals"},
    {"name_not_text", "POST", "/mock/snapshots", "{\"name\":5}", "name"},
    {"journal_not_bool", "POST", "/mock/snapshots", "{\"name\":\"a\",\"journal\":\"yes\"}",
     "journal"},
    {"name_slash", "POST", "/mock/snapshots", "{\"name\":\"a/b\"}", "name"},
    {"name_dot_first", "POST", "/mock/snapshots", "{\"name\":\".hidden\"}", "name"},
    {"name_dotdot", "POST", "/mock/snapshots", "{\"name\":\"..\"}", "name"},
    {"name_empty", "POST", "/mock/snapshots", "{\"name\":\"\"}", "name"},
    {"name_too_long", "POST", "/mock/snapshots",
     "{\"name\":\"a1234567890123456789012345678901234567890123456789012345678901234\"}", "name"},
    {"not_object", "POST", "/mock/snapshots", "[\"a\"]", "object"},
    {"path_name", "GET", "/mock/snapshots/..x", NULL, "snapshot name"},
    {"path_name_space", "DELETE", "/mock/snapshots/a%20b", NULL, "snapshot name"},
    {"restore_member", "POST", "/mock/snapshots/a/restore", "{\"force\":true}", "force"},
    {"restore_not_object", "POST", "/mock/snapshots/a/restore", "1", "object"},
    {"list_query", "GET", "/mock/snapshots?name=a", NULL, "name"},
};

E2E_TEST(state_snapshots, refusals)
{
    for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
        const struct refusal *c = &refusals[i];
        struct http_res r;
        const char *h[] = {"Content-Type: application/json", NULL};
        http_req(&r, c->method, c->path, h, c->body, c->body ? strlen(c->body) : 0);
        cr_expect_eq(r.status, 400, "%s: %ld %s", c->id, r.status, r.body);
        if (r.status == 400)
            assert_error_dto(&r, 400, c->part);
        http_res_free(&r);
    }
    char names[64];
    list_field("/mock/snapshots", "snapshots", "name", names, sizeof names);
    cr_expect_str_eq(names, "", "no refusal saved anything");

    /* A page of another site cannot restore (the control API's Origin rule). */
    struct http_res r;
    const char *evil[] = {"Origin: http://evil.example", NULL};
    cJSON_Delete(ctl("POST", "/mock/snapshots", "{\"name\":\"a\"}", 201));
    http_req(&r, "POST", "/mock/snapshots/a/restore", evil, NULL, 0);
    cr_expect_eq(r.status, 403, "%ld %s", r.status, r.body);
    http_res_free(&r);
}

/* At most 64 are kept; the 65th name is a 400, saving over one of them is not. */
E2E_TEST(state_snapshots, at_most_64)
{
    for (int i = 0; i < 64; i++) {
        char body[64];
        snprintf(body, sizeof body, "{\"name\":\"s%02d\"}", i);
        cJSON_Delete(ctl("POST", "/mock/snapshots", body, 201));
    }
    ctl_400("POST", "/mock/snapshots", "{\"name\":\"one-more\"}", "64 snapshots");
    cJSON_Delete(ctl("POST", "/mock/snapshots", "{\"name\":\"s07\"}", 201));
    cJSON_Delete(ctl("DELETE", "/mock/snapshots/s00", NULL, 204));
    cJSON_Delete(ctl("POST", "/mock/snapshots", "{\"name\":\"one-more\"}", 201));
}

/* Writes the body of GET /mock/snapshots/NAME into dir/file. */
static void download(const char *name, const char *file)
{
    struct http_res r;
    char path[128];
    snprintf(path, sizeof path, "/mock/snapshots/%s", name);
    http_req(&r, "GET", path, NULL, NULL, 0);
    cr_assert_eq(r.status, 200);
    FILE *f = fopen(file, "wb");
    cr_assert(f != NULL);
    cr_assert_eq(fwrite(r.body, 1, r.len, f), r.len);
    fclose(f);
    http_res_free(&r);
}

/* --snapshot FILE (and ISC_MOCK_SNAPSHOT): a new server starts from a downloaded snapshot. */
E2E_TEST(state_snapshots, start_from_a_file)
{
    char *tok = e2e_token("demo-admin");
    char *id = finished_task(tok);
    size_t want_len, got_len;
    char *want = csv_of(tok, id, &want_len);
    cJSON_Delete(
        ctl("POST", "/mock/clients", "{\"clientId\":\"ci-bot\",\"clientSecret\":\"x\"}", 201));
    int64_t at = e2e_clock_now();
    cJSON_Delete(ctl("POST", "/mock/snapshots", "{\"name\":\"ci\"}", 201));
    char file[600];
    snprintf(file, sizeof file, "%s/ci.sqlite", e2e_tmpdir());
    download("ci", file);

    e2e_restart((const char *[]){"--snapshot", file, NULL});
    char clients[1024];
    list_field("/mock/clients", "clients", "clientId", clients, sizeof clients);
    cr_expect(strstr(clients, "ci-bot") != NULL, "%s", clients);
    cr_expect_eq(e2e_clock_now(), at);
    char *tok2 = e2e_token("demo-admin");
    char *got = csv_of(tok2, id, &got_len);
    cr_expect(got_len == want_len && memcmp(got, want, want_len) == 0, "CSV differs");
    free(got);
    free(tok2);

    e2e_finish();
    char env[700];
    snprintf(env, sizeof env, "ISC_MOCK_SNAPSHOT=%s", file);
    e2e_start(NULL, (const char *[]){env, NULL}, 1);
    list_field("/mock/clients", "clients", "clientId", clients, sizeof clients);
    cr_expect(strstr(clients, "ci-bot") != NULL, "from the variable: %s", clients);
    free(want);
    free(id);
    free(tok);
}

/* What --snapshot refuses: exit 2 with one line naming the file and why. */
struct bad_file {
    const char *id;
    const char *content; /* NULL: no file at all */
    const char *why;
};

static const struct bad_file bad_files[] = {
    {"missing", NULL, "No such file"},
    {"text", "hello, not a database\n", "not a database"},
    {"empty", "", "not a snapshot"},
};

E2E_TEST(state_snapshots, bad_files_exit_2)
{
    for (size_t i = 0; i < sizeof bad_files / sizeof bad_files[0]; i++) {
        const struct bad_file *b = &bad_files[i];
        char file[600];
        snprintf(file, sizeof file, "%s/%s.sqlite", e2e_tmpdir(), b->id);
        if (b->content) {
            FILE *f = fopen(file, "w");
            cr_assert(f != NULL);
            fputs(b->content, f);
            fclose(f);
        }
        struct cli_result r;
        cli_run((const char *[]){"--port", "0", "--snapshot", file, NULL}, NULL, 15000, &r);
        cr_expect_eq(r.exit_code, 2, "%s: exit %d", b->id, r.exit_code);
        cr_expect_eq(count_lines(r.err), 1, "%s: one line: %s", b->id, r.err);
        cr_expect(strstr(r.err, file) != NULL && strstr(r.err, b->why) != NULL, "%s: %s", b->id,
                  r.err);
        cli_result_free(&r);
    }
    /* A SQLite database that is no snapshot. */
    char plain[600];
    snprintf(plain, sizeof plain, "%s/plain.db", e2e_tmpdir());
    e2e_restart((const char *[]){"--db", plain, NULL});
    e2e_finish();
    struct cli_result r;
    cli_run((const char *[]){"--port", "0", "--snapshot", plain, NULL}, NULL, 15000, &r);
    cr_expect_eq(r.exit_code, 2);
    cr_expect(strstr(r.err, "not a snapshot") != NULL, "%s", r.err);
    cr_expect_eq(count_lines(r.err), 1, "%s", r.err);
    cli_result_free(&r);
}

/* With a database file, snapshots live beside it and outlast a restart. */
E2E_TEST(state_snapshots, beside_a_database_file)
{
    char db[600], names[256];
    snprintf(db, sizeof db, "%s/mock.db", e2e_tmpdir());
    e2e_restart((const char *[]){"--db", db, NULL});
    cJSON_Delete(
        ctl("POST", "/mock/clients", "{\"clientId\":\"ci-bot\",\"clientSecret\":\"x\"}", 201));
    cJSON_Delete(ctl("POST", "/mock/snapshots", "{\"name\":\"kept\"}", 201));
    cJSON_Delete(ctl("DELETE", "/mock/clients/ci-bot", NULL, 204));
    e2e_restart((const char *[]){"--db", db, NULL});
    list_field("/mock/snapshots", "snapshots", "name", names, sizeof names);
    cr_expect_str_eq(names, "kept");
    char *tok = e2e_token("demo-app");
    cJSON_Delete(ctl("POST", "/mock/snapshots/kept/restore", NULL, 200));
    list_field("/mock/clients", "clients", "clientId", names, sizeof names);
    cr_expect(strstr(names, "ci-bot") != NULL, "%s", names);
    /* The restored file database opens again with its state and its signing key. */
    e2e_restart((const char *[]){"--db", db, NULL});
    list_field("/mock/clients", "clients", "clientId", names, sizeof names);
    cr_expect(strstr(names, "ci-bot") != NULL, "%s", names);
    struct http_res r;
    api_call(&r, "GET", "/v2024/reports/ef38f94347e94562b5bb8424a56397d8/result", tok, NULL);
    cr_expect_eq(r.status, 200, "a token of the same database still verifies: %s", r.body);
    http_res_free(&r);
    free(tok);
}

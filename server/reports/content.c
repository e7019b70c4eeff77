/*
 * content.c - what each report's file holds, and the streams that write it
 * (see content.h).
 *
 * A report is one or more "parts": a CSV file made of a fixed header row and
 * the rows of one tenant query (store/tenant.h). The six single-file reports
 * are one part each, described by the static tables below; SEARCH_EXPORT is
 * one part per searched index, packed into a zip with libarchive. Streams
 * produce one page of rows at a time (PAGE_ROWS), so a download holds at most
 * a page of CSV (and the compressor's window) in memory whatever the size of
 * the tenant.
 *
 * Owns its streams and their plans; never holds the store lock between pages.
 */
#include "content.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <cjson/cJSON.h>

#include "../core/buf.h"
#include "../store/store.h"
#include "../store/tenant.h"
#include "csv.h"
#include "search.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define PAGE_ROWS 500
#define PAGE_CAP ((size_t)64 << 20)

/* ---- the single-file reports ---- */

struct column {
    const char *label; /* header cell */
    const char *field; /* tenant field */
};

static const struct column accounts_cols[] = {
    {"Account ID", "id"},
    {"Account Name", "name"},
    {"Native Identity", "nativeIdentity"},
    {"Display Name", "displayName"},
    {"Source ID", "source.id"},
    {"Source Name", "source.name"},
    {"Identity ID", "identity.id"},
    {"Identity Name", "identity.name"},
    {"Identity Display Name", "identity.displayName"},
    {"Disabled", "disabled"},
    {"Locked", "locked"},
    {"Entitlements", "entitlementCount"},
    {"Created", "created"},
    {"Modified", "modified"},
};

static const struct column identities_cols[] = {
    {"Identity ID", "id"},
    {"Username", "name"},
    {"Display Name", "displayName"},
    {"First Name", "firstName"},
    {"Last Name", "lastName"},
    {"Email", "email"},
    {"Lifecycle State", "attributes.cloudLifecycleState"},
    {"Correlated", "correlated"},
    {"Created", "created"},
};

static const struct column identities_details_cols[] = {
    {"Identity ID", "id"},
    {"Username", "name"},
    {"Display Name", "displayName"},
    {"First Name", "firstName"},
    {"Last Name", "lastName"},
    {"Email", "email"},
    {"Department", "attributes.department"},
    {"Job Title", "attributes.title"},
    {"City", "attributes.city"},
    {"Lifecycle State", "attributes.cloudLifecycleState"},
    {"Manager", "manager.displayName"},
    {"Manager Username", "manager.name"},
    {"Identity Profile", "identityProfile.name"},
    {"Authoritative Source", "source.name"},
    {"Accounts", "accountCount"},
    {"Correlated", "correlated"},
    {"Processing State", "processingState"},
    {"Created", "created"},
    {"Modified", "modified"},
};

static const struct column identity_error_cols[] = {
    {"Identity ID", "identity.id"},
    {"Username", "identity.name"},
    {"Display Name", "identity.displayName"},
    {"Identity Profile", "identityProfile.name"},
    {"Authoritative Source ID", "source.id"},
    {"Authoritative Source", "source.name"},
    {"Error", "message"},
    {"Occurred", "occurred"},
};

static const struct column orphan_cols[] = {
    {"Identity ID", "id"},
    {"Username", "name"},
    {"Display Name", "displayName"},
    {"Email", "email"},
    {"Department", "attributes.department"},
    {"Lifecycle State", "attributes.cloudLifecycleState"},
    {"Identity Profile", "identityProfile.name"},
    {"Authoritative Source", "source.name"},
    {"Accounts", "accountCount"},
    {"Created", "created"},
};

static const struct column uncorrelated_cols[] = {
    {"Account ID", "id"},
    {"Account Name", "name"},
    {"Native Identity", "nativeIdentity"},
    {"Display Name", "displayName"},
    {"Source ID", "source.id"},
    {"Source Name", "source.name"},
    {"Disabled", "disabled"},
    {"Locked", "locked"},
    {"Created", "created"},
};

static const struct tenant_sort by_name[] = {{"name", 0}};
static const struct tenant_sort by_occurred[] = {{"occurred", 0}};

struct report_def {
    const char *type;
    const char *dataset;
    const struct column *cols;
    size_t ncols;
    const struct tenant_sort *sort;
};

static const struct report_def defs[] = {
    {"ACCOUNTS", "accounts", accounts_cols, N(accounts_cols), by_name},
    {"IDENTITIES", "identities", identities_cols, N(identities_cols), by_name},
    {"IDENTITIES_DETAILS", "identities", identities_details_cols, N(identities_details_cols),
     by_name},
    {"IDENTITY_PROFILE_IDENTITY_ERROR", "identityerrors", identity_error_cols,
     N(identity_error_cols), by_occurred},
    {"ORPHAN_IDENTITIES", "identities", orphan_cols, N(orphan_cols), by_name},
    {"UNCORRELATED_ACCOUNTS", "accounts", uncorrelated_cols, N(uncorrelated_cols), by_name},
};

/* ---- SEARCH_EXPORT ---- */

struct search_index {
    const char *name;
    const char *const *columns; /* default columns, NULL-terminated */
};

static const char *const ap_default[] = {"id",          "name",       "description",
                                         "source.name", "owner.name", "enabled",
                                         "requestable", "created",    NULL};
static const char *const act_default[] = {"id",      "action",         "stage",
                                          "status",  "requester.name", "recipient.name",
                                          "sources", "created",        NULL};
static const char *const ent_default[] = {"id",         "name",    "displayName",
                                          "attribute",  "value",   "source.name",
                                          "privileged", "created", NULL};
static const char *const event_default[] = {
    "id", "name", "type", "technicalName", "status", "actor.name", "target.name", "created", NULL};
static const char *const identity_default[] = {"id",
                                               "name",
                                               "displayName",
                                               "firstName",
                                               "lastName",
                                               "email",
                                               "attributes.department",
                                               "attributes.city",
                                               "attributes.cloudLifecycleState",
                                               "created",
                                               NULL};
static const char *const role_default[] = {"id",      "name",        "description", "owner.name",
                                           "enabled", "requestable", "created",     NULL};

/* The Index enum in contract order ('*' means all of these). */
static const struct search_index search_indices[] = {
    {"accessprofiles", ap_default},   {"accountactivities", act_default},
    {"entitlements", ent_default},    {"events", event_default},
    {"identities", identity_default}, {"roles", role_default},
};

/* ---- jobs: the parts of one report ---- */

struct part {
    char *entry;   /* zip entry name ("identities.csv"); NULL for a plain CSV */
    char **labels; /* header cells */
    size_t nlabels;
    struct tenant_plan *plan;
};

struct job {
    struct part *parts;
    size_t nparts;
    int zip;
};

static void job_clear(struct job *j)
{
    for (size_t i = 0; j->parts && i < j->nparts; i++) {
        free(j->parts[i].entry);
        for (size_t k = 0; j->parts[i].labels && k < j->parts[i].nlabels; k++)
            free(j->parts[i].labels[k]);
        free(j->parts[i].labels);
        tenant_plan_free(j->parts[i].plan);
    }
    free(j->parts);
    memset(j, 0, sizeof(*j));
}

/* Appends an empty part; NULL on OOM. */
static struct part *job_add(struct job *j)
{
    struct part *p = realloc(j->parts, (j->nparts + 1) * sizeof(*p));
    if (!p)
        return NULL;
    j->parts = p;
    p = &j->parts[j->nparts++];
    memset(p, 0, sizeof(*p));
    return p;
}

static int set_labels(struct part *p, const char *const *labels, size_t n)
{
    p->labels = calloc(n ? n : 1, sizeof(*p->labels));
    if (!p->labels)
        return -1;
    p->nlabels = n;
    for (size_t i = 0; i < n; i++)
        if (!(p->labels[i] = strdup(labels[i])))
            return -1;
    return 0;
}

static const char *arg_string(const cJSON *args, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* One of the six single-file reports. */
static int build_fixed(struct store *s, const struct report_def *d, const cJSON *args,
                       struct job *j, char *why, size_t whylen)
{
    struct tenant_filter leaf = {0};
    const char *fields[64], *labels[64];
    struct tenant_query q = {0};
    struct part *p;
    const char *src = NULL;
    const cJSON *flag;
    int rc;

    if (strcmp(d->type, "ACCOUNTS") == 0 ||
        strcmp(d->type, "IDENTITY_PROFILE_IDENTITY_ERROR") == 0) {
        src = arg_string(args,
                         strcmp(d->type, "ACCOUNTS") == 0 ? "application" : "authoritativeSource");
        if (!src) {
            snprintf(why, whylen, "the report arguments name no source");
            return 1;
        }
        rc = tenant_source_get(s, src, NULL, 0);
        if (rc != 0) {
            if (rc > 0)
                snprintf(why, whylen, "there is no source with id '%.64s'", src);
            return rc;
        }
        leaf.op = TENANT_EQ;
        leaf.field = "source.id";
        leaf.value = (char *)src;
        q.filter = &leaf;
    } else if (strcmp(d->type, "ORPHAN_IDENTITIES") == 0) {
        leaf.op = TENANT_EQ;
        leaf.field = "orphan";
        leaf.value = "true";
        q.filter = &leaf;
    } else if (strcmp(d->type, "UNCORRELATED_ACCOUNTS") == 0) {
        leaf.op = TENANT_EQ;
        leaf.field = "uncorrelated";
        leaf.value = "true";
        q.filter = &leaf;
    } else {
        flag = cJSON_GetObjectItemCaseSensitive(args, "correlatedOnly");
        if (cJSON_IsTrue(flag)) {
            leaf.op = TENANT_EQ;
            leaf.field = "correlated";
            leaf.value = "true";
            q.filter = &leaf;
        }
    }
    for (size_t i = 0; i < d->ncols; i++) {
        fields[i] = d->cols[i].field;
        labels[i] = d->cols[i].label;
    }
    q.dataset = d->dataset;
    q.fields = fields;
    q.nfields = d->ncols;
    q.sort = d->sort;
    q.nsort = 1;
    if (!(p = job_add(j)) || set_labels(p, labels, d->ncols) != 0)
        return -1;
    return tenant_plan_new(&q, &p->plan, why, whylen);
}

/* Splits the `columns` argument on commas, trimming spaces; empty items are skipped. */
static int split_columns(const char *text, char ***out, size_t *n)
{
    char **v = NULL;
    size_t count = 0;
    const char *p = text;
    while (p && *p) {
        const char *end = strchr(p, ','), *a = p, *b;
        if (!end)
            end = p + strlen(p);
        b = end;
        while (a < b && (*a == ' ' || *a == '\t'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
            b--;
        if (b > a) {
            char **nv;
            if (count >= TENANT_MAX_FIELDS) {
                count++; /* reported by the caller */
                break;
            }
            nv = realloc(v, (count + 1) * sizeof(*v));
            if (!nv)
                goto fail;
            v = nv;
            if (!(v[count] = strndup(a, (size_t)(b - a))))
                goto fail;
            count++;
        }
        p = *end ? end + 1 : end;
    }
    *out = v;
    *n = count;
    return 0;
fail:
    for (size_t i = 0; v && i < count; i++)
        free(v[i]);
    free(v);
    return -1;
}

static int build_search(struct store *s, const cJSON *args, struct job *j, char *why, size_t whylen)
{
    struct tenant_filter *filter = NULL;
    struct tenant_sort sort[TENANT_MAX_SORT], isort[TENANT_MAX_SORT];
    const char *query = arg_string(args, "query");
    const cJSON *indices = cJSON_GetObjectItemCaseSensitive(args, "indices");
    const cJSON *sortv = cJSON_GetObjectItemCaseSensitive(args, "sort");
    const char *columns = arg_string(args, "columns");
    char **cols = NULL;
    size_t ncols = 0, nsort = 0;
    int want[N(search_indices)] = {0}, order[N(search_indices)], norder = 0, rc;
    const cJSON *it;

    (void)s;
    j->zip = 1;
    if ((rc = search_parse(query, &filter, why, whylen)) != 0)
        goto out;
    rc = 1;
    /* Indices, in the order asked for, each once; none (or []) means all. */
    cJSON_ArrayForEach(it, (cJSON_IsArray(indices) ? indices : NULL))
    {
        for (size_t i = 0; i < N(search_indices); i++) {
            int star = cJSON_IsString(it) && strcmp(it->valuestring, "*") == 0;
            if ((star ||
                 (cJSON_IsString(it) && strcmp(it->valuestring, search_indices[i].name) == 0)) &&
                !want[i]) {
                want[i] = 1;
                order[norder++] = (int)i;
            }
        }
    }
    if (norder == 0)
        for (size_t i = 0; i < N(search_indices); i++)
            order[norder++] = (int)i;
    /* Sort fields: each must be known to at least one searched index. */
    cJSON_ArrayForEach(it, (cJSON_IsArray(sortv) ? sortv : NULL))
    {
        const char *f = cJSON_IsString(it) ? it->valuestring : "";
        int desc = f[0] == '-', known = 0;
        if (f[0] == '+' || f[0] == '-')
            f++;
        if (nsort == TENANT_MAX_SORT) {
            snprintf(why, whylen, "at most %d sort fields are supported", TENANT_MAX_SORT);
            goto out;
        }
        for (int i = 0; i < norder; i++)
            known |= tenant_field_known(search_indices[order[i]].name, f);
        if (!known) {
            snprintf(why, whylen, "cannot sort by '%.64s': no searched index has that field", f);
            goto out;
        }
        sort[nsort].field = f;
        sort[nsort].desc = desc;
        nsort++;
    }
    rc = -1;
    if (columns && split_columns(columns, &cols, &ncols) != 0)
        goto out;
    if (ncols > TENANT_MAX_FIELDS) {
        snprintf(why, whylen, "at most %d columns are supported", TENANT_MAX_FIELDS);
        rc = 1;
        goto out;
    }
    for (int i = 0; i < norder; i++) {
        const struct search_index *ix = &search_indices[order[i]];
        const char *const *fields = ncols ? (const char *const *)cols : ix->columns;
        size_t nfields = ncols, ni = 0;
        struct tenant_query q = {0};
        struct part *p;
        if (!ncols)
            while (ix->columns[nfields])
                nfields++;
        for (size_t k = 0; k < nsort; k++)
            if (tenant_field_known(ix->name, sort[k].field))
                isort[ni++] = sort[k];
        q.dataset = ix->name;
        q.filter = filter;
        q.fields = fields;
        q.nfields = nfields;
        q.sort = isort;
        q.nsort = ni;
        if (!(p = job_add(j)) || set_labels(p, fields, nfields) != 0)
            goto out;
        if (!(p->entry = malloc(strlen(ix->name) + 5)))
            goto out;
        sprintf(p->entry, "%s.csv", ix->name);
        if ((rc = tenant_plan_new(&q, &p->plan, why, whylen)) != 0)
            goto out;
    }
    rc = 0;
out:
    for (size_t i = 0; cols && i < ncols && i < TENANT_MAX_FIELDS; i++)
        free(cols[i]);
    free(cols);
    search_filter_free(filter);
    return rc;
}

/* Builds the parts of `type` with `arguments_json`: 0, 1 (cannot run: why), -1. */
static int build_job(struct store *s, const char *type, const char *arguments_json, struct job *j,
                     char *why, size_t whylen)
{
    cJSON *args = NULL;
    int rc = 1;
    memset(j, 0, sizeof(*j));
    args = cJSON_Parse(arguments_json && *arguments_json ? arguments_json : "{}");
    if (!cJSON_IsObject(args)) {
        snprintf(why, whylen, "the report arguments are not a JSON object");
        goto out;
    }
    if (type && strcmp(type, "SEARCH_EXPORT") == 0) {
        rc = build_search(s, args, j, why, whylen);
        goto out;
    }
    for (size_t i = 0; i < N(defs); i++)
        if (type && strcmp(defs[i].type, type) == 0) {
            rc = build_fixed(s, &defs[i], args, j, why, whylen);
            goto out;
        }
    snprintf(why, whylen, "unknown report type '%.40s'", type ? type : "");
out:
    if (rc < 0 && !why[0])
        snprintf(why, whylen, "internal error");
    if (rc != 0)
        job_clear(j);
    cJSON_Delete(args);
    return rc;
}

int report_content_count(struct store *s, const char *report_type, const char *arguments_json,
                         int64_t *rows, char *why, size_t whylen)
{
    struct job j;
    int64_t total = 0, n;
    char scratch[8];
    int rc;
    if (!why || !whylen) {
        why = scratch;
        whylen = sizeof(scratch);
    }
    why[0] = '\0';
    if ((rc = build_job(s, report_type, arguments_json, &j, why, whylen)) != 0)
        return rc;
    for (size_t i = 0; i < j.nparts; i++) {
        if (tenant_count(s, j.parts[i].plan, &n) != 0) {
            snprintf(why, whylen, "internal error");
            rc = -1;
            goto out;
        }
        total += n;
    }
    *rows = total;
out:
    job_clear(&j);
    return rc;
}

/* ---- streams ---- */

struct report_stream {
    struct store *store;
    struct job job;
    size_t cur;   /* current part */
    int in_part;  /* its header row is out */
    int finished; /* everything is produced (and the zip closed) */
    int failed;
    struct buf out;  /* bytes for the reader */
    size_t off;      /* of `out`, already read */
    struct buf page; /* CSV of one page */
    struct archive *zip;
    int64_t mtime_ms;
};

static la_ssize_t zip_write(struct archive *a, void *ud, const void *p, size_t n)
{
    struct report_stream *st = ud;
    (void)a;
    if (buf_append(&st->out, p, n) != 0)
        return -1;
    return (la_ssize_t)n;
}

/* Sends the page buffer on: through the compressor or straight out. */
static int emit_page(struct report_stream *st)
{
    size_t done = 0;
    if (!st->zip) {
        if (st->page.len && buf_append(&st->out, st->page.data, st->page.len) != 0)
            return -1;
        buf_reset(&st->page);
        return 0;
    }
    while (done < st->page.len) {
        la_ssize_t w = archive_write_data(st->zip, st->page.data + done, st->page.len - done);
        if (w <= 0)
            return -1;
        done += (size_t)w;
    }
    buf_reset(&st->page);
    return 0;
}

static int page_row(void *ud, size_t n, const char *const *values)
{
    struct report_stream *st = ud;
    return csv_record(&st->page, n, values);
}

static int start_entry(struct report_stream *st, const struct part *p)
{
    struct archive_entry *e = archive_entry_new();
    int rc = -1;
    if (!e)
        return -1;
    archive_entry_set_pathname(e, p->entry);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_mtime(e, (time_t)(st->mtime_ms / 1000),
                            (long)(st->mtime_ms % 1000) * 1000000);
    archive_entry_unset_size(e); /* streamed: the size follows the data */
    if (archive_write_header(st->zip, e) == ARCHIVE_OK)
        rc = 0;
    archive_entry_free(e);
    return rc;
}

/* Produces the next piece of the file into `out`. 0, or -1 on error. */
static int produce(struct report_stream *st)
{
    struct part *p;
    int rows;
    if (st->cur == st->job.nparts) {
        if (st->zip && archive_write_close(st->zip) != ARCHIVE_OK)
            return -1;
        st->finished = 1;
        return 0;
    }
    p = &st->job.parts[st->cur];
    if (!st->in_part) {
        if (st->zip && start_entry(st, p) != 0)
            return -1;
        if (csv_record(&st->page, p->nlabels, (const char *const *)p->labels) != 0)
            return -1;
        st->in_part = 1;
        return emit_page(st);
    }
    rows = tenant_page(st->store, p->plan, PAGE_ROWS, page_row, st);
    if (rows < 0)
        return -1;
    if (rows > 0)
        return emit_page(st);
    if (st->zip && archive_write_finish_entry(st->zip) != ARCHIVE_OK)
        return -1;
    st->cur++;
    st->in_part = 0;
    return 0;
}

void report_stream_free(struct report_stream *st)
{
    if (!st)
        return;
    if (st->zip)
        archive_write_free(st->zip); /* closes it if needed; output goes to `out` */
    job_clear(&st->job);
    buf_free(&st->out);
    buf_free(&st->page);
    free(st);
}

ssize_t report_stream_read(struct report_stream *st, char *buf, size_t max)
{
    size_t n;
    if (!st || st->failed)
        return -1;
    while (st->off == st->out.len) {
        if (st->finished)
            return 0;
        buf_reset(&st->out);
        st->off = 0;
        if (produce(st) != 0) {
            st->failed = 1;
            return -1;
        }
    }
    n = st->out.len - st->off;
    if (n > max)
        n = max;
    memcpy(buf, st->out.data + st->off, n);
    st->off += n;
    return (ssize_t)n;
}

static int open_zip(struct report_stream *st)
{
    st->zip = archive_write_new();
    if (!st->zip || archive_write_set_format_zip(st->zip) != ARCHIVE_OK ||
        archive_write_zip_set_compression_deflate(st->zip) != ARCHIVE_OK ||
        archive_write_set_bytes_per_block(st->zip, 0) != ARCHIVE_OK ||
        archive_write_open(st->zip, st, NULL, zip_write, NULL) != ARCHIVE_OK)
        return -1;
    return 0;
}

enum err report_content_open(struct store *s, const struct store_task *t, const char *format,
                             struct report_stream **out, const char **content_type,
                             const char **extension)
{
    struct report_stream *st = NULL;
    char why[256] = "";
    enum err rc = ERR_INTERNAL;
    int b;
    if (!t || !format || strcmp(format, "csv") != 0)
        return ERR_FILE_NOT_FOUND; /* PDF is not implemented: never a fake file */
    st = calloc(1, sizeof(*st));
    if (!st)
        return ERR_INTERNAL;
    st->store = s;
    buf_init(&st->out, 0);
    buf_init(&st->page, PAGE_CAP);
    st->mtime_ms = t->completed_ms > 0 ? t->completed_ms : t->created_ms;
    b = build_job(s, t->report_type, t->arguments, &st->job, why, sizeof(why));
    if (b != 0) {
        rc = b > 0 ? ERR_FILE_NOT_FOUND : ERR_INTERNAL;
        goto out;
    }
    if (st->job.zip && open_zip(st) != 0)
        goto out;
    *content_type = st->job.zip ? "application/zip" : "application/csv";
    *extension = st->job.zip ? "zip" : "csv";
    *out = st;
    st = NULL;
    rc = ERR_OK;
out:
    report_stream_free(st);
    return rc;
}

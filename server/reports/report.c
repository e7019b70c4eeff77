/*
 * report.c - the report definition table and its lookups (see report.h).
 *
 * Names, texts and argument schemas are taken from the contract
 * (ReportDetails, TaskResultDetails and the *-report-arguments schemas);
 * columns name tenant fields (store/tenant_fields.c). A new report type, a
 * new column or a new file format is a new row here, not a new branch in
 * the code that validates, counts or streams reports.
 *
 * No database, no HTTP; nothing is allocated.
 */
#include "report.h"

#include <stdio.h>
#include <string.h>

#include "csv.h"
#include "pdf_writer.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- arguments ---- */

/* Each list ends with a NULL name ({0}). */
static const struct report_arg accounts_args[] = {
    {"application", REPORT_ARG_STRING, 1}, {"sourceName", REPORT_ARG_STRING, 1}, {0}};
static const struct report_arg identities_details_args[] = {{"correlatedOnly", REPORT_ARG_BOOL, 1},
                                                            {0}};
static const struct report_arg identities_args[] = {{"correlatedOnly", REPORT_ARG_BOOL, 0}, {0}};
static const struct report_arg identity_error_args[] = {
    {"authoritativeSource", REPORT_ARG_STRING, 1}, {0}};
static const struct report_arg selected_formats_args[] = {
    {"selectedFormats", REPORT_ARG_FORMATS, 0}, {0}};
static const struct report_arg search_export_args[] = {{"query", REPORT_ARG_QUERY, 1},
                                                       {"indices", REPORT_ARG_INDICES, 0},
                                                       {"columns", REPORT_ARG_STRING, 0},
                                                       {"sort", REPORT_ARG_STRINGS, 0},
                                                       {0}};

/* ---- columns ---- */

/* The columns that name an account and its source: the first ones of both account reports. */
static const struct report_column account_lead[] = {
    {"Account ID", "id"},
    {"Account Name", "name"},
    {"Native Identity", "nativeIdentity"},
    {"Display Name", "displayName"},
    {"Source ID", "source.id"},
    {"Source Name", "source.name"},
    {NULL, NULL},
};

/* The columns that name an identity: the first ones of both identity reports. */
static const struct report_column identity_lead[] = {
    {"Identity ID", "id"},
    {"Username", "name"},
    {"Display Name", "displayName"},
    {"First Name", "firstName"},
    {"Last Name", "lastName"},
    {"Email", "email"},
    {NULL, NULL},
};

static const struct report_column accounts_cols[] = {
    {"Identity ID", "identity.id"},
    {"Identity Name", "identity.name"},
    {"Identity Display Name", "identity.displayName"},
    {"Disabled", "disabled"},
    {"Locked", "locked"},
    {"Entitlements", "entitlementCount"},
    {"Created", "created"},
    {"Modified", "modified"},
    {NULL, NULL},
};

static const struct report_column identities_cols[] = {
    {"Lifecycle State", "attributes.cloudLifecycleState"},
    {"Correlated", "correlated"},
    {"Created", "created"},
    {NULL, NULL},
};

static const struct report_column identities_details_cols[] = {
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
    {NULL, NULL},
};

static const struct report_column identity_error_cols[] = {
    {"Identity ID", "identity.id"},
    {"Username", "identity.name"},
    {"Display Name", "identity.displayName"},
    {"Identity Profile", "identityProfile.name"},
    {"Authoritative Source ID", "source.id"},
    {"Authoritative Source", "source.name"},
    {"Error", "message"},
    {"Occurred", "occurred"},
    {NULL, NULL},
};

static const struct report_column orphan_cols[] = {
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
    {NULL, NULL},
};

static const struct report_column uncorrelated_cols[] = {
    {"Disabled", "disabled"},
    {"Locked", "locked"},
    {"Created", "created"},
    {NULL, NULL},
};

/* ---- the table ---- */

#define AUDIT "Audit Report"
#define ALL (REPORT_CSV | REPORT_PDF)

/*
 * One row per type, in the contract's enum order (also the order of "must be
 * one of"). The columns of a row: name, taskDefName, description,
 * parentName, arguments; dataset, lead, columns, sort; source argument,
 * `only` field, `only_when` argument; formats, zip.
 */
static const struct report_type types[] = {
    {"ACCOUNTS", "Account Export", "A list of the accounts of one source and their identities.",
     AUDIT, accounts_args, "accounts", account_lead, accounts_cols, "name", "application", NULL,
     NULL, ALL, 0},
    {"IDENTITIES_DETAILS", "Identities Details Report",
     "A detailed view of the identities in the system.", AUDIT, identities_details_args,
     "identities", identity_lead, identities_details_cols, "name", NULL, "correlated",
     "correlatedOnly", ALL, 0},
    {"IDENTITIES", "Identities Report", "A list of the identities in the system.", AUDIT,
     identities_args, "identities", identity_lead, identities_cols, "name", NULL, "correlated",
     "correlatedOnly", ALL, 0},
    {"IDENTITY_PROFILE_IDENTITY_ERROR", "Identity Profile Identity Error Report",
     "Identities whose processing by an identity profile ended in an error.", AUDIT,
     identity_error_args, "identityerrors", NULL, identity_error_cols, "occurred",
     "authoritativeSource", NULL, NULL, ALL, 0},
    {"ORPHAN_IDENTITIES", "Orphan Identities Report",
     "Identities without an account on the authoritative source of their identity profile.", AUDIT,
     selected_formats_args, "identities", NULL, orphan_cols, "name", NULL, "orphan", NULL, ALL, 0},
    {"SEARCH_EXPORT", "Search Export", "Extract query data from ElasticSearch to CSV", NULL,
     search_export_args, NULL, NULL, NULL, NULL, NULL, NULL, NULL, ALL, 1},
    {"UNCORRELATED_ACCOUNTS", "Uncorrelated Accounts Report",
     "Accounts that are not correlated to any identity.", AUDIT, selected_formats_args, "accounts",
     account_lead, uncorrelated_cols, "name", NULL, "uncorrelated", NULL, ALL, 0},
};

/* In selectedFormats order; a format without a writer is advertised but not served. */
static const struct report_format formats[] = {
    {REPORT_CSV, "CSV", "csv", "application/csv", "csv", &csv_writer},
    {REPORT_PDF, "PDF", "pdf", "application/pdf", "pdf", &pdf_writer},
};

/* ---- search indices (the contract's Index enum, in its order) ---- */

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

static const struct report_index indices[] = {
    {"accessprofiles", ap_default},   {"accountactivities", act_default},
    {"entitlements", ent_default},    {"events", event_default},
    {"identities", identity_default}, {"roles", role_default},
};

/* ---- lookups ---- */

const struct report_type *report_type_find(const char *name)
{
    for (size_t i = 0; name && i < N(types); i++)
        if (strcmp(types[i].name, name) == 0)
            return &types[i];
    return NULL;
}

const struct report_type *report_type_at(size_t i)
{
    return i < N(types) ? &types[i] : NULL;
}

const struct report_format *report_format_find(const char *name, int by_file_format)
{
    for (size_t i = 0; name && i < N(formats); i++)
        if (strcmp(by_file_format ? formats[i].file_format : formats[i].name, name) == 0)
            return &formats[i];
    return NULL;
}

int report_formats_has(const char *list, const char *name)
{
    size_t n = name ? strlen(name) : 0;
    for (const char *p = n ? list : NULL; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0)
            return 1;
        p = comma ? comma + 1 : NULL;
    }
    return 0;
}

const struct report_format *report_format_at(size_t i)
{
    return i < N(formats) ? &formats[i] : NULL;
}

const struct report_index *report_index_at(size_t i)
{
    return i < N(indices) ? &indices[i] : NULL;
}

/* The i-th name of a list, or NULL past its end. */
static const char *list_name(enum report_list what, size_t i)
{
    switch (what) {
    case REPORT_LIST_TYPES:
        return i < N(types) ? types[i].name : NULL;
    case REPORT_LIST_INDICES:
        return i < N(indices) ? indices[i].name : (i == N(indices) ? "*" : NULL);
    case REPORT_LIST_FORMATS:
        return i < N(formats) ? formats[i].name : NULL;
    }
    return NULL;
}

void report_list(enum report_list what, char *out, size_t outlen)
{
    size_t len = 0;
    const char *name;
    if (!out || !outlen)
        return;
    out[0] = '\0';
    for (size_t i = 0; (name = list_name(what, i)) != NULL && len < outlen; i++) {
        int n = snprintf(out + len, outlen - len, "%s%s", i ? ", " : "", name);
        if (n < 0)
            break;
        len += (size_t)n;
    }
}

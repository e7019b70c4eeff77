/*
 * tenant_fields.c - what the tenant queries can read: each dataset is a base
 * table aliased `t` plus a fixed table of fields, each with a name, a type
 * and an SQL expression (a column, or a correlated subquery for a related
 * object, evaluated only when the field is used), and the text expressions
 * that free-text search looks in (see tenant.h, tenant_int.h).
 *
 * Static data and lookups only; no SQLite calls.
 */
#include "tenant_int.h"

#include <string.h>

/* Correlated subqueries for related objects. */
#define IDENT_COL(col, ref) "(SELECT r." col " FROM identities r WHERE r.id = " ref ")"
#define SOURCE_NAME(ref) "(SELECT r.name FROM sources r WHERE r.id = " ref ")"
#define PROFILE_SOURCE_ID(ref)                                                                     \
    "(SELECT r.authoritative_source_id FROM identity_profiles r WHERE r.id = " ref ")"
#define PROFILE_SOURCE_NAME(ref)                                                                   \
    "(SELECT s.name FROM identity_profiles r JOIN sources s ON s.id = r.authoritative_source_id"   \
    " WHERE r.id = " ref ")"
#define ORPHAN_EXPR                                                                                \
    "NOT EXISTS (SELECT 1 FROM accounts a JOIN identity_profiles r"                                \
    " ON r.id = t.identity_profile_id WHERE a.identity_id = t.id"                                  \
    " AND a.source_id = r.authoritative_source_id)"

/* clang-format off */
/* The fields of an identity a row refers to by column `col` (which may be
 * NULL): ref.id, ref.name, ref.displayName. */
#define IDENTITY_REF(ref, col)                                                                     \
    {ref ".id", F_ID, NULLABLE, "t." col},                                                         \
    {ref ".name", F_TEXT, NULLABLE, IDENT_COL("name", "t." col)},                                  \
    {ref ".displayName", F_TEXT, NULLABLE, IDENT_COL("display_name", "t." col)}
/* The source a row belongs to by its column source_id (never NULL). */
#define SOURCE_REF                                                                                 \
    {"source.id", F_ID, 0, "t.source_id"},                                                         \
    {"source.name", F_TEXT, NULLABLE, SOURCE_NAME("t.source_id")}
/* The id and the name (searched) of a named object. */
#define NAMED                                                                                      \
    {"id", F_ID, 0, "t.id"},                                                                       \
    {"name", F_TEXT, SEARCHED, "t.name"}
/* What every access item (an access profile, a role) has. */
#define ACCESS_ITEM                                                                                \
    NAMED,                                                                                         \
    {"description", F_TEXT, SEARCHED, "t.description"},                                            \
    IDENTITY_REF("owner", "owner_id"),                                                             \
    {"enabled", F_BOOL, 0, "t.enabled"},                                                           \
    {"requestable", F_BOOL, 0, "t.requestable"}
/* How many rows of `table` point at this one by their column `col`. */
#define COUNT_OF(name, table, col)                                                                 \
    {name, F_INT, 0, "(SELECT count(*) FROM " table " r WHERE r." col " = t.id)"}
/* When the row was made and last changed. */
#define STAMPS                                                                                     \
    {"created", F_DATE, 0, "t.created_ms"},                                                        \
    {"modified", F_DATE, 0, "t.modified_ms"}
/* clang-format on */

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct tfield identity_fields[] = {
    NAMED,
    {"displayName", F_TEXT, SEARCHED, "t.display_name"},
    {"firstName", F_TEXT, 0, "t.first_name"},
    {"lastName", F_TEXT, 0, "t.last_name"},
    {"email", F_TEXT, SEARCHED, "t.email"},
    {"attributes.uid", F_TEXT, 0, "t.name"},
    {"attributes.displayName", F_TEXT, 0, "t.display_name"},
    {"attributes.firstname", F_TEXT, 0, "t.first_name"},
    {"attributes.lastname", F_TEXT, 0, "t.last_name"},
    {"attributes.email", F_TEXT, 0, "t.email"},
    {"attributes.department", F_TEXT, SEARCHED, "t.department"},
    {"attributes.title", F_TEXT, SEARCHED, "t.title"},
    {"attributes.city", F_TEXT, SEARCHED, "t.city"},
    {"attributes.cloudLifecycleState", F_TEXT, 0, "t.lifecycle_state"},
    IDENTITY_REF("manager", "manager_id"),
    {"identityProfile.id", F_ID, NULLABLE, "t.identity_profile_id"},
    {"identityProfile.name", F_TEXT, NULLABLE,
     "(SELECT r.name FROM identity_profiles r WHERE r.id = t.identity_profile_id)"},
    {"source.id", F_ID, NULLABLE, PROFILE_SOURCE_ID("t.identity_profile_id")},
    {"source.name", F_TEXT, NULLABLE, PROFILE_SOURCE_NAME("t.identity_profile_id")},
    {"correlated", F_BOOL, 0, "t.correlated"},
    {"orphan", F_BOOL, 0, ORPHAN_EXPR},
    {"isManager", F_BOOL, 0, "EXISTS (SELECT 1 FROM identities r WHERE r.manager_id = t.id)"},
    COUNT_OF("accountCount", "accounts", "identity_id"),
    {"processingState", F_TEXT, 0,
     "CASE WHEN EXISTS (SELECT 1 FROM identity_errors e WHERE e.identity_id = t.id)"
     " THEN 'ERROR' ELSE '' END"},
    STAMPS,
};

static const struct tfield account_fields[] = {
    NAMED,
    {"nativeIdentity", F_TEXT, SEARCHED, "t.native_identity"},
    {"displayName", F_TEXT, SEARCHED, "t.display_name"},
    SOURCE_REF,
    IDENTITY_REF("identity", "identity_id"),
    {"uncorrelated", F_BOOL, 0, "t.identity_id IS NULL"},
    {"disabled", F_BOOL, 0, "t.disabled"},
    {"locked", F_BOOL, 0, "t.locked"},
    COUNT_OF("entitlementCount", "account_entitlements", "account_id"),
    STAMPS,
};

static const struct tfield identity_error_fields[] = {
    {"id", F_ID, 0, "t.id"},
    {"identity.id", F_ID, 0, "t.identity_id"},
    {"identity.name", F_TEXT, NULLABLE, IDENT_COL("name", "t.identity_id")},
    {"identity.displayName", F_TEXT, NULLABLE, IDENT_COL("display_name", "t.identity_id")},
    {"identity.email", F_TEXT, NULLABLE, IDENT_COL("email", "t.identity_id")},
    {"identity.lifecycleState", F_TEXT, NULLABLE, IDENT_COL("lifecycle_state", "t.identity_id")},
    {"identityProfile.id", F_ID, 0, "t.identity_profile_id"},
    {"identityProfile.name", F_TEXT, NULLABLE,
     "(SELECT r.name FROM identity_profiles r WHERE r.id = t.identity_profile_id)"},
    {"source.id", F_ID, NULLABLE, PROFILE_SOURCE_ID("t.identity_profile_id")},
    {"source.name", F_TEXT, NULLABLE, PROFILE_SOURCE_NAME("t.identity_profile_id")},
    {"message", F_TEXT, SEARCHED, "t.message"},
    {"occurred", F_DATE, 0, "t.occurred_ms"},
};

static const struct tfield access_profile_fields[] = {
    ACCESS_ITEM,
    SOURCE_REF,
    COUNT_OF("entitlementCount", "access_profile_entitlements", "access_profile_id"),
    STAMPS,
};

static const struct tfield entitlement_fields[] = {
    NAMED,
    SOURCE_REF,
    {"displayName", F_TEXT, SEARCHED, "t.display_name"},
    {"description", F_TEXT, SEARCHED, "t.description"},
    {"attribute", F_TEXT, 0, "t.attribute"},
    {"value", F_TEXT, SEARCHED, "t.value"},
    {"privileged", F_BOOL, 0, "t.privileged"},
    {"requestable", F_BOOL, 0, "t.requestable"},
    COUNT_OF("accountCount", "account_entitlements", "entitlement_id"),
    STAMPS,
};

static const struct tfield role_fields[] = {
    ACCESS_ITEM,
    COUNT_OF("accessProfileCount", "role_access_profiles", "role_id"),
    STAMPS,
};

static const struct tfield activity_fields[] = {
    {"id", F_ID, 0, "t.id"},
    {"action", F_TEXT, SEARCHED, "t.action"},
    {"stage", F_TEXT, 0, "t.stage"},
    {"status", F_TEXT, SEARCHED, "t.status"},
    {"origin", F_TEXT, SEARCHED, "t.origin"},
    IDENTITY_REF("requester", "requester_id"),
    IDENTITY_REF("recipient", "recipient_id"),
    {"sources", F_TEXT, NULLABLE, SOURCE_NAME("t.source_id")},
    {"trackingNumber", F_TEXT, SEARCHED, "t.tracking_number"},
    STAMPS,
};

static const struct tfield event_fields[] = {
    NAMED,
    {"technicalName", F_TEXT, SEARCHED, "t.technical_name"},
    {"actor.name", F_TEXT, SEARCHED, "t.actor_name"},
    {"target.name", F_TEXT, SEARCHED, "t.target_name"},
    {"action", F_TEXT, 0, "t.action"},
    {"type", F_TEXT, 0, "t.type"},
    {"attributes.sourceName", F_TEXT, NULLABLE, SOURCE_NAME("t.source_id")},
    {"status", F_TEXT, 0, "t.status"},
    {"operation", F_TEXT, 0, "t.operation"},
    {"stack", F_TEXT, 0, "t.stack"},
    {"ipAddress", F_TEXT, 0, "t.ip_address"},
    {"trackingNumber", F_TEXT, 0, "t.tracking_number"},
    {"created", F_DATE, 0, "t.created_ms"},
};

static const struct tdataset datasets[] = {
    {"identities", "identities t", identity_fields, N(identity_fields)},
    {"accounts", "accounts t", account_fields, N(account_fields)},
    {"identityerrors", "identity_errors t", identity_error_fields, N(identity_error_fields)},
    {"accessprofiles", "access_profiles t", access_profile_fields, N(access_profile_fields)},
    {"accountactivities", "account_activities t", activity_fields, N(activity_fields)},
    {"entitlements", "entitlements t", entitlement_fields, N(entitlement_fields)},
    {"events", "events t", event_fields, N(event_fields)},
    {"roles", "roles t", role_fields, N(role_fields)},
};

const struct tdataset *tenant_find_dataset(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < N(datasets); i++)
        if (strcmp(datasets[i].name, name) == 0)
            return &datasets[i];
    return NULL;
}

const struct tfield *tenant_find_field(const struct tdataset *d, const char *name)
{
    if (!d || !name)
        return NULL;
    for (size_t i = 0; i < d->nfields; i++)
        if (strcmp(d->fields[i].name, name) == 0)
            return &d->fields[i];
    return NULL;
}

int tenant_dataset_known(const char *dataset)
{
    return tenant_find_dataset(dataset) != NULL;
}

int tenant_field_known(const char *dataset, const char *field)
{
    return tenant_find_field(tenant_find_dataset(dataset), field) != NULL;
}

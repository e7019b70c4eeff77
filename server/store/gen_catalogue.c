/*
 * gen_catalogue.c - the fixed catalogue of a generated tenant: sources,
 * identity profiles, entitlements, access profiles, roles and their links
 * (see gen_int.h). It is data, copied from the shape of fixtures/tenant.sql,
 * with the same source and profile ids; the same at every size and seed but
 * for the id node. Touches only the rows it inserts.
 */
#include "gen_int.h"

const struct gen_source gen_sources[SRC__N] = {
    {"2c9180847de347aa017de8ef09167792", "Workday", "Workday", "Workday HCM: employees of record",
     1, 1609459200000, 1717200000000},
    {"2c9180847de347aa017de8f0aa2b7f10", "Contractors", "Delimited File",
     "Contractor roster exported weekly by Procurement", 1, 1609545600000, 1717200000000},
    {"2c9180897e7742b2017e781782f705b9", "Active Directory", "Active Directory - Direct",
     "Corporate forest acme.example.com", 0, 1609632000000, 1717286400000},
    {"2c91808a7e7742b2017e7818a5c1062e", "ServiceNow", "ServiceNow", "IT service management", 0,
     1612137600000, 1717286400000},
    {"2c91808b7e7742b2017e7819c0e3075f", "GitHub", "GitHub", "GitHub organization acme-org", 0,
     1614556800000, 1717372800000},
    {"2c91808c7e7742b2017e781ad61408a1", "Salesforce", "Salesforce", "Sales Cloud production org",
     0, 1617235200000, 1717372800000},
    {"1234sourceId5678902", "Interns", "Delimited File",
     "Intern roster from the campus recruiting team", 1, 1704067200000, 1717459200000}};

const struct gen_profile gen_profiles[PROFILE__N] = {
    {"2c9180857de347aa017de8f2b1c40001", "Employees", "Employees of record from Workday",
     SRC_WORKDAY, 10, 1609459200000, 1717200000000},
    {"2c9180857de347aa017de8f2b1c40002", "Contractors", "Contractors from the weekly roster",
     SRC_CONTRACTORS, 20, 1609545600000, 1717200000000},
    {"2c9180857de347aa017de8f2b1c40003", "Interns", "Interns from the campus roster", SRC_INTERNS,
     30, 1704067200000, 1717459200000}};

/* A group of the AD forest under OU=Groups: its name is also its display name. */
#define AD_GROUP(name, description, privileged, requestable)                                       \
    {                                                                                              \
        SRC_AD, name, name, description, "memberOf",                                               \
            "CN=" name ",OU=Groups,DC=acme,DC=example,DC=com", privileged, requestable             \
    }

static const struct {
    int source;
    const char *name, *display, *description, *attribute, *value;
    int privileged, requestable;
} ents[ENT__N] = {AD_GROUP("All Staff", "Every employee and contractor", 0, 0),
                  AD_GROUP("Engineering", "Engineering department", 0, 1),
                  AD_GROUP("Finance Users", "Finance department", 0, 1),
                  AD_GROUP("HR Staff", "Human Resources department", 0, 1),
                  AD_GROUP("Sales Team", "Sales department", 0, 1),
                  AD_GROUP("Marketing", "Marketing department", 0, 1),
                  AD_GROUP("Operations", "Operations department", 0, 1),
                  AD_GROUP("Legal", "Legal department", 0, 1),
                  AD_GROUP("IT Staff", "Information Technology department", 0, 1),
                  AD_GROUP("Customer Support", "Customer Support department", 0, 1),
                  AD_GROUP("Procurement", "Procurement department", 0, 1),
                  AD_GROUP("VPN Users", "Members may sign in to the \"Corp VPN\" gateway", 0, 1),
                  {SRC_AD, "Domain Admins", "Domain Admins",
                   "Designated administrators of the domain", "memberOf",
                   "CN=Domain Admins,CN=Users,DC=acme,DC=example,DC=com", 1, 0},
                  AD_GROUP("Server Admins", "Local administrators on member servers", 1, 1),
                  AD_GROUP("Help Desk Operators", "Password resets and account unlocks", 0, 1),
                  {SRC_SERVICENOW, "itil", "ITIL Fulfiller", "Work incidents, problems and changes",
                   "roles", "itil", 0, 1},
                  {SRC_SERVICENOW, "admin", "Administrator", "Full administration of the instance",
                   "roles", "admin", 1, 0},
                  {SRC_SERVICENOW, "approver_user", "Approver", "Approve requests and changes",
                   "roles", "approver_user", 0, 1},
                  {SRC_SERVICENOW, "catalog_admin", "Catalog Administrator",
                   "Maintain the service catalog", "roles", "catalog_admin", 0, 1},
                  {SRC_GITHUB, "acme-org/platform", "Platform Team",
                   "Write access to platform repositories", "teams", "acme-org/platform", 0, 1},
                  {SRC_GITHUB, "acme-org/security", "Security Team",
                   "Security tooling and advisories", "teams", "acme-org/security", 0, 1},
                  {SRC_GITHUB, "Organization Owner", "Organization Owner",
                   "Owner of the acme-org organization", "role", "admin", 1, 0},
                  {SRC_SALESFORCE, "System Administrator", "System Administrator",
                   "Salesforce profile", "profile", "00e8d000000Sys1AAA", 1, 0},
                  {SRC_SALESFORCE, "Standard User", "Standard User", "Salesforce profile",
                   "profile", "00e8d000000Std1AAA", 0, 1},
                  {SRC_SALESFORCE, "Sales Manager", "Sales Manager", "Salesforce profile",
                   "profile", "00e8d000000Mgr1AAA", 0, 1},
                  {SRC_SALESFORCE, "Marketing User", "Marketing User",
                   "Permission set for campaigns", "permissionSets", "0PS8d000000Mkt1GAA", 0, 1}};

/* Access profiles: owner is identity k (a department head); ents end with -1. */
static const struct {
    const char *name, *description;
    int source, owner_k, enabled, requestable, ents[3];
} aps[9] = {
    {"Engineering Base Access", "Engineering group and VPN", SRC_AD, 1, 1, 1, {1, ENT_VPN, -1}},
    {"Finance Analyst Access", "Finance shares and reporting", SRC_AD, 2, 1, 1, {2, -1}},
    {"VPN Access", "Remote access through the \"Corp VPN\"", SRC_AD, 3, 1, 1, {ENT_VPN, -1}},
    {"Domain Administration",
     "Privileged: domain and server administration",
     SRC_AD,
     4,
     1,
     0,
     {ENT_DOMAIN_ADMINS, ENT_SERVER_ADMINS, -1}},
    {"ServiceNow Fulfiller", "Work the IT queues", SRC_SERVICENOW, 5, 1, 1, {ENT_SN_ITIL, -1}},
    {"ServiceNow Approver",
     "Approve requests, changes and expenses",
     SRC_SERVICENOW,
     5,
     1,
     1,
     {ENT_SN_APPROVER, -1}},
    {"GitHub Platform Team",
     "Platform repositories, write",
     SRC_GITHUB,
     6,
     1,
     1,
     {ENT_GH_PLATFORM, -1}},
    {"Sales CRM Access",
     "Salesforce standard user",
     SRC_SALESFORCE,
     7,
     1,
     1,
     {ENT_SF_STANDARD, -1}},
    {"Marketing Automation Access", "Campaign tools (retired)", SRC_SALESFORCE, 8, 0, 0, {25, -1}}};

static const struct {
    const char *name, *description;
    int owner_k, enabled, requestable, aps[3];
} roles[6] = {
    {"Employee Birthright", "Access every employee receives on day one", 3, 1, 0, {2, -1}},
    {"Software Engineer", "Engineering base access and the platform team", 1, 1, 1, {0, 6, -1}},
    {"Sales Representative", "CRM access for the sales floor", 7, 1, 1, {7, -1}},
    {"IT Administrator", "Privileged: domain administration and IT queues", 4, 1, 0, {3, 4, -1}},
    {"Finance Analyst", "Finance shares, approvals", 2, 1, 1, {1, 5, -1}},
    {"Marketing Campaigns", "Campaign tooling (retired)", 8, 0, 0, {8, -1}}};

/* The sources. */
static int catalogue_sources(struct gen *g)
{
    int q;
    for (int i = 0; i < SRC__N; i++) {
        q = ST_SOURCE;
        gen_bind_text(g, q, 1, gen_sources[i].id);
        gen_bind_text(g, q, 2, gen_sources[i].name);
        gen_bind_text(g, q, 3, gen_sources[i].type);
        gen_bind_text(g, q, 4, gen_sources[i].description);
        gen_bind_int(g, q, 5, gen_sources[i].authoritative);
        gen_bind_int(g, q, 6, gen_sources[i].created_ms);
        gen_bind_int(g, q, 7, gen_sources[i].modified_ms);
        if (gen_run(g, ST_SOURCE))
            return -1;
    }
    return 0;
}

/* The identity profiles. */
static int catalogue_profiles(struct gen *g)
{
    int q;
    for (int i = 0; i < PROFILE__N; i++) {
        q = ST_PROFILE;
        gen_bind_text(g, q, 1, gen_profiles[i].id);
        gen_bind_text(g, q, 2, gen_profiles[i].name);
        gen_bind_text(g, q, 3, gen_profiles[i].description);
        gen_bind_text(g, q, 4, gen_sources[gen_profiles[i].source].id);
        gen_bind_int(g, q, 5, gen_profiles[i].priority);
        gen_bind_int(g, q, 6, gen_profiles[i].created_ms);
        gen_bind_int(g, q, 7, gen_profiles[i].modified_ms);
        if (gen_run(g, ST_PROFILE))
            return -1;
    }
    return 0;
}

/* The entitlements, in id order. */
static int catalogue_entitlements(struct gen *g)
{
    int q;
    for (int i = 0; i < ENT__N; i++) {
        q = ST_ENTITLEMENT;
        gen_make_id(g, KIND_ENTITLEMENT, (uint64_t)i, g->ent_id);
        gen_bind_text(g, q, 1, g->ent_id);
        gen_bind_text(g, q, 2, gen_sources[ents[i].source].id);
        gen_bind_text(g, q, 3, ents[i].name);
        gen_bind_text(g, q, 4, ents[i].display);
        gen_bind_text(g, q, 5, ents[i].description);
        gen_bind_text(g, q, 6, ents[i].attribute);
        gen_bind_text(g, q, 7, ents[i].value);
        gen_bind_int(g, q, 8, ents[i].privileged);
        gen_bind_int(g, q, 9, ents[i].requestable);
        gen_bind_int(g, q, 10, gen_sources[ents[i].source].created_ms + DAY_MS + i * 60000);
        gen_bind_int(g, q, 11, gen_sources[ents[i].source].modified_ms);
        if (gen_run(g, ST_ENTITLEMENT))
            return -1;
    }
    return 0;
}

/* The access profiles and their entitlements. */
static int catalogue_access_profiles(struct gen *g)
{
    int q;
    for (int i = 0; i < 9; i++) {
        q = ST_ACCESS_PROFILE;
        gen_make_id(g, KIND_ACCESS_PROFILE, (uint64_t)i, g->row_id);
        gen_make_id(g, KIND_IDENTITY, (uint64_t)aps[i].owner_k, g->aux_id);
        gen_bind_text(g, q, 1, g->row_id);
        gen_bind_text(g, q, 2, aps[i].name);
        gen_bind_text(g, q, 3, aps[i].description);
        gen_bind_text(g, q, 4, gen_sources[aps[i].source].id);
        gen_bind_text(g, q, 5, g->aux_id);
        gen_bind_int(g, q, 6, aps[i].enabled);
        gen_bind_int(g, q, 7, aps[i].requestable);
        gen_bind_int(g, q, 8, INT64_C(1625097600000) + i * 7 * DAY_MS);
        gen_bind_int(g, q, 9, INT64_C(1704067200000) + i * DAY_MS);
        if (gen_run(g, ST_ACCESS_PROFILE))
            return -1;
        for (int e = 0; e < 3 && aps[i].ents[e] >= 0; e++) {
            q = ST_AP_ENT;
            gen_make_id(g, KIND_ENTITLEMENT, (uint64_t)aps[i].ents[e], g->ent_id);
            gen_bind_text(g, q, 1, g->row_id);
            gen_bind_text(g, q, 2, g->ent_id);
            if (gen_run(g, ST_AP_ENT))
                return -1;
        }
    }
    return 0;
}

/* The roles and their access profiles. */
static int catalogue_roles(struct gen *g)
{
    int q;
    for (int i = 0; i < 6; i++) {
        q = ST_ROLE;
        gen_make_id(g, KIND_ROLE, (uint64_t)i, g->row_id);
        gen_make_id(g, KIND_IDENTITY, (uint64_t)roles[i].owner_k, g->aux_id);
        gen_bind_text(g, q, 1, g->row_id);
        gen_bind_text(g, q, 2, roles[i].name);
        gen_bind_text(g, q, 3, roles[i].description);
        gen_bind_text(g, q, 4, g->aux_id);
        gen_bind_int(g, q, 5, roles[i].enabled);
        gen_bind_int(g, q, 6, roles[i].requestable);
        gen_bind_int(g, q, 7, INT64_C(1633046400000) + i * 7 * DAY_MS);
        gen_bind_int(g, q, 8, INT64_C(1706745600000) + i * DAY_MS);
        if (gen_run(g, ST_ROLE))
            return -1;
        for (int a = 0; a < 3 && roles[i].aps[a] >= 0; a++) {
            q = ST_ROLE_AP;
            gen_make_id(g, KIND_ACCESS_PROFILE, (uint64_t)roles[i].aps[a], g->aux_id);
            gen_bind_text(g, q, 1, g->row_id);
            gen_bind_text(g, q, 2, g->aux_id);
            if (gen_run(g, ST_ROLE_AP))
                return -1;
        }
    }
    return 0;
}

/* Sources, profiles, entitlements, access profiles, roles and their links. */
int gen_catalogue(struct gen *g)
{
    return catalogue_sources(g) || catalogue_profiles(g) || catalogue_entitlements(g) ||
                   catalogue_access_profiles(g) || catalogue_roles(g)
               ? -1
               : 0;
}

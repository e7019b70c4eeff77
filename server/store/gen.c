/*
 * gen.c - a deterministic tenant of N identities from a seed (see gen.h).
 *
 * Everything comes from a seed and an index: identity k draws its attributes
 * from a splitmix64 stream started at (seed, k), so any identity can be made
 * alone, in any batch, and the result never depends on timing or on the
 * machine. Ids follow the shape of the ISC ids ("2c9180" + kind + a node
 * from the seed + a 16-hex sequence), so every table receives its rows in
 * primary-key order: SQLite appends to its B-trees instead of splitting pages
 * all over a file bigger than its cache. Usernames stay unique at any size:
 * within each block of 900 identities a seeded permutation picks one of the
 * 30 x 30 first/last name pairs, and blocks after the first get a number.
 *
 * This file owns the generated tenant's catalogue (sources, profiles,
 * entitlements, access profiles, roles): it is data, copied from the shape of
 * fixtures/tenant.sql, with the same source and profile ids. It touches only
 * the tenant tables and the record of the last generation.
 */
#include "gen.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/log.h"
#include "store_int.h"

const char *const gen_tables[] = {"events",
                                  "account_activities",
                                  "role_access_profiles",
                                  "roles",
                                  "access_profile_entitlements",
                                  "access_profiles",
                                  "account_entitlements",
                                  "entitlements",
                                  "identity_errors",
                                  "accounts",
                                  "identities",
                                  "identity_profiles",
                                  "sources",
                                  NULL};

uint64_t gen_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* ---- the catalogue (data) ---- */

static const char *const first_names[30][2] = {
    {"Amelia", "amelia"},     {"Oliver", "oliver"},   {"Isla", "isla"},       {"Noah", "noah"},
    {"Ava", "ava"},           {"Liam", "liam"},       {"Sofia", "sofia"},     {"Mateo", "mateo"},
    {"Zoë", "zoe"},           {"José", "jose"},       {"Priya", "priya"},     {"Arjun", "arjun"},
    {"Mei", "mei"},           {"Hiroshi", "hiroshi"}, {"Fatima", "fatima"},   {"Omar", "omar"},
    {"Chloé", "chloe"},       {"Lukas", "lukas"},     {"Siobhán", "siobhan"}, {"Kwame", "kwame"},
    {"Ingrid", "ingrid"},     {"Rafael", "rafael"},   {"Aisha", "aisha"},     {"Dmitri", "dmitri"},
    {"Hannah", "hannah"},     {"Ethan", "ethan"},     {"Yuki", "yuki"},       {"Grace", "grace"},
    {"Mohammed", "mohammed"}, {"Elena", "elena"}};

static const char *const last_names[30][2] = {
    {"Smith", "smith"},     {"Jones", "jones"},       {"Williams", "williams"},
    {"Brown", "brown"},     {"Taylor", "taylor"},     {"Müller", "muller"},
    {"O'Brien", "obrien"},  {"García", "garcia"},     {"Nguyen", "nguyen"},
    {"Patel", "patel"},     {"Kim", "kim"},           {"Rossi", "rossi"},
    {"Dubois", "dubois"},   {"Kowalski", "kowalski"}, {"Andersson", "andersson"},
    {"Silva", "silva"},     {"Chen", "chen"},         {"Okafor", "okafor"},
    {"Murphy", "murphy"},   {"Novak", "novak"},       {"Haddad", "haddad"},
    {"Ivanova", "ivanova"}, {"Lefebvre", "lefebvre"}, {"Schmidt", "schmidt"},
    {"Tanaka", "tanaka"},   {"Walsh", "walsh"},       {"Costa", "costa"},
    {"Fischer", "fischer"}, {"Jensen", "jensen"},     {"Moreau", "moreau"}};

/* Department name and three titles (junior, senior, head). */
static const char *const departments[10][4] = {
    {"Engineering", "Software Engineer", "Senior Software Engineer", "Engineering Manager"},
    {"Finance", "Financial Analyst", "Accountant", "Finance Director"},
    {"Human Resources", "HR Generalist", "Recruiter", "HR Business Partner"},
    {"Sales", "Account Executive", "Sales Development Representative",
     "Director, Sales Operations"},
    {"Marketing", "Marketing Specialist", "Content Strategist", "Marketing Manager"},
    {"Operations", "Operations Analyst", "Facilities Coordinator", "Operations Manager"},
    {"Legal", "Paralegal", "Corporate Counsel", "General Counsel"},
    {"Information Technology", "IT Support Specialist", "Systems Administrator", "IT Manager"},
    {"Customer Support", "Support Engineer", "Customer Success Manager", "Support Team Lead"},
    {"Procurement", "Buyer", "Procurement Specialist", "Procurement Manager"}};
enum { DEPT_ENGINEERING = 0, DEPT_SALES = 3, DEPT_MARKETING = 4, DEPT_IT = 7, DEPT_SUPPORT = 8 };

static const char *const cities[10] = {"London",    "New York", "Austin", "Berlin", "Paris",
                                       "Singapore", "Toronto",  "Sydney", "Dublin", "Bengaluru"};

enum { SRC_WORKDAY, SRC_CONTRACTORS, SRC_AD, SRC_SERVICENOW, SRC_GITHUB, SRC_SALESFORCE, SRC__N };

static const struct {
    const char *id, *name, *type, *description;
    int authoritative;
    int64_t created_ms, modified_ms;
} sources[SRC__N] = {
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
     0, 1617235200000, 1717372800000}};

static const struct {
    const char *id, *name, *description;
    int source, priority;
    int64_t created_ms;
} profiles[2] = {{"2c9180857de347aa017de8f2b1c40001", "Employees",
                  "Employees of record from Workday", SRC_WORKDAY, 10, 1609459200000},
                 {"2c9180857de347aa017de8f2b1c40002", "Contractors",
                  "Contractors from the weekly roster", SRC_CONTRACTORS, 20, 1609545600000}};

/* Entitlements, in id order. 1..10 are the department groups (1 + department). */
enum {
    ENT_ALL_STAFF = 0,
    ENT_VPN = 11,
    ENT_DOMAIN_ADMINS = 12,
    ENT_SERVER_ADMINS = 13,
    ENT_HELP_DESK = 14,
    ENT_SN_ITIL = 15,
    ENT_SN_ADMIN = 16,
    ENT_SN_APPROVER = 17,
    ENT_GH_PLATFORM = 19,
    ENT_GH_SECURITY = 20,
    ENT_SF_SYSADMIN = 22,
    ENT_SF_STANDARD = 23,
    ENT_SF_MANAGER = 24,
    ENT__N = 26
};
static const struct {
    int source;
    const char *name, *display, *description, *attribute, *value;
    int privileged, requestable;
} ents[ENT__N] = {
    {SRC_AD, "All Staff", "All Staff", "Every employee and contractor", "memberOf",
     "CN=All Staff,OU=Groups,DC=acme,DC=example,DC=com", 0, 0},
    {SRC_AD, "Engineering", "Engineering", "Engineering department", "memberOf",
     "CN=Engineering,OU=Groups,DC=acme,DC=example,DC=com", 0, 1},
    {SRC_AD, "Finance Users", "Finance Users", "Finance department", "memberOf",
     "CN=Finance Users,OU=Groups,DC=acme,DC=example,DC=com", 0, 1},
    {SRC_AD, "HR Staff", "HR Staff", "Human Resources department", "memberOf",
     "CN=HR Staff,OU=Groups,DC=acme,DC=example,DC=com", 0, 1},
    {SRC_AD, "Sales Team", "Sales Team", "Sales department", "memberOf",
     "CN=Sales Team,OU=Groups,DC=acme,DC=example,DC=com", 0, 1},
    {SRC_AD, "Marketing", "Marketing", "Marketing department", "memberOf",
     "CN=Marketing,OU=Groups,DC=acme,DC=example,DC=com", 0, 1},
    {SRC_AD, "Operations", "Operations", "Operations department", "memberOf",
     "CN=Operations,OU=Groups,DC=acme,DC=example,DC=com", 0, 1},
    {SRC_AD, "Legal", "Legal", "Legal department", "memberOf",
     "CN=Legal,OU=Groups,DC=acme,DC=example,DC=com", 0, 1},
    {SRC_AD, "IT Staff", "IT Staff", "Information Technology department", "memberOf",
     "CN=IT Staff,OU=Groups,DC=acme,DC=example,DC=com", 0, 1},
    {SRC_AD, "Customer Support", "Customer Support", "Customer Support department", "memberOf",
     "CN=Customer Support,OU=Groups,DC=acme,DC=example,DC=com", 0, 1},
    {SRC_AD, "Procurement", "Procurement", "Procurement department", "memberOf",
     "CN=Procurement,OU=Groups,DC=acme,DC=example,DC=com", 0, 1},
    {SRC_AD, "VPN Users", "VPN Users", "Members may sign in to the \"Corp VPN\" gateway",
     "memberOf", "CN=VPN Users,OU=Groups,DC=acme,DC=example,DC=com", 0, 1},
    {SRC_AD, "Domain Admins", "Domain Admins", "Designated administrators of the domain",
     "memberOf", "CN=Domain Admins,CN=Users,DC=acme,DC=example,DC=com", 1, 0},
    {SRC_AD, "Server Admins", "Server Admins", "Local administrators on member servers", "memberOf",
     "CN=Server Admins,OU=Groups,DC=acme,DC=example,DC=com", 1, 1},
    {SRC_AD, "Help Desk Operators", "Help Desk Operators", "Password resets and account unlocks",
     "memberOf", "CN=Help Desk Operators,OU=Groups,DC=acme,DC=example,DC=com", 0, 1},
    {SRC_SERVICENOW, "itil", "ITIL Fulfiller", "Work incidents, problems and changes", "roles",
     "itil", 0, 1},
    {SRC_SERVICENOW, "admin", "Administrator", "Full administration of the instance", "roles",
     "admin", 1, 0},
    {SRC_SERVICENOW, "approver_user", "Approver", "Approve requests and changes", "roles",
     "approver_user", 0, 1},
    {SRC_SERVICENOW, "catalog_admin", "Catalog Administrator", "Maintain the service catalog",
     "roles", "catalog_admin", 0, 1},
    {SRC_GITHUB, "acme-org/platform", "Platform Team", "Write access to platform repositories",
     "teams", "acme-org/platform", 0, 1},
    {SRC_GITHUB, "acme-org/security", "Security Team", "Security tooling and advisories", "teams",
     "acme-org/security", 0, 1},
    {SRC_GITHUB, "Organization Owner", "Organization Owner", "Owner of the acme-org organization",
     "role", "admin", 1, 0},
    {SRC_SALESFORCE, "System Administrator", "System Administrator", "Salesforce profile",
     "profile", "00e8d000000Sys1AAA", 1, 0},
    {SRC_SALESFORCE, "Standard User", "Standard User", "Salesforce profile", "profile",
     "00e8d000000Std1AAA", 0, 1},
    {SRC_SALESFORCE, "Sales Manager", "Sales Manager", "Salesforce profile", "profile",
     "00e8d000000Mgr1AAA", 0, 1},
    {SRC_SALESFORCE, "Marketing User", "Marketing User", "Permission set for campaigns",
     "permissionSets", "0PS8d000000Mkt1GAA", 0, 1}};

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

/* Uncorrelated accounts cycle through these; later rounds get a number. */
static const struct {
    int source;
    const char *name, *display, *ou;
    int disabled, ent; /* ent: one entitlement held, or -1 */
} strays[20] = {{SRC_AD, "svc-backup", "Backup Service", "Service Accounts", 0, ENT_SERVER_ADMINS},
                {SRC_AD, "svc-sql-prod", "SQL Server (prod)", "Service Accounts", 0, -1},
                {SRC_AD, "svc-jenkins", "Jenkins Build Agent", "Service Accounts", 0, -1},
                {SRC_AD, "admin-temp", "Temporary Admin", "Admins", 1, ENT_DOMAIN_ADMINS},
                {SRC_AD, "test.user", "Test User", "Test", 0, -1},
                {SRC_AD, "kiosk-lobby", "Lobby Kiosk", "Kiosks", 0, -1},
                {SRC_AD, "svc-print", "Print Spooler Service", "Service Accounts", 0, -1},
                {SRC_AD, "old.contractor", "Former Contractor", "Disabled Users", 1, -1},
                {SRC_SERVICENOW, "integration.user", "Integration User", NULL, 0, ENT_SN_ADMIN},
                {SRC_SERVICENOW, "sn-mid-server", "MID Server", NULL, 0, -1},
                {SRC_GITHUB, "acme-ci-bot", "Acme CI Bot", NULL, 0, ENT_GH_PLATFORM},
                {SRC_GITHUB, "dependabot-acme", "Dependabot", NULL, 0, -1},
                {SRC_GITHUB, "release-bot", "Release Bot", NULL, 0, -1},
                {SRC_GITHUB, "jsmith-personal", "J. Smith (personal)", NULL, 0, -1},
                {SRC_GITHUB, "legacy-deploy", "Legacy \"Deploy Key\" User", NULL, 1, -1},
                {SRC_GITHUB, "hackathon", "Hackathon", NULL, 0, -1},
                {SRC_SALESFORCE, "api.integration", "API Integration", NULL, 0, ENT_SF_SYSADMIN},
                {SRC_SALESFORCE, "marketing.automation", "Marketing Automation", NULL, 0, -1},
                {SRC_SALESFORCE, "sf-sandbox-admin", "Sandbox Admin, Legacy", NULL, 1, -1},
                {SRC_SALESFORCE, "data.loader", "Data Loader", NULL, 0, -1}};

static const char *const error_texts[4] = {
    "Attribute 'email' could not be computed: transform \"Generate Unique Email\" failed: the "
    "value is already in use",
    "Manager correlation failed: no identity has employeeNumber E099999",
    "Identity attribute 'uid' is not unique: another identity already uses this value",
    "Lifecycle state 'retired' is not defined for this identity profile"};

static const char *const activity_kinds[6][2] = {
    {"Access Request", "Request Center"},           {"Identity Refresh", "Identity Refresh"},
    {"Password Change", "Password Management"},     {"Lifecycle State Change", "Lifecycle"},
    {"Account State Update", "Source Aggregation"}, {"Create Account", "Role Assignment"}};

/* name, action, type, technical name, operation, stack */
static const char *const event_kinds[6][6] = {
    {"Authentication Passed", "AUTHENTICATION-103", "AUTH", "AUTHENTICATION-103_PASSED", "REQUEST",
     "oathkeeper"},
    {"Create Account Passed", "create", "PROVISIONING", "ACCOUNT_CREATE_PASSED", "CREATE", "tpe"},
    {"Add Entitlement Passed", "add", "ACCESS_ITEM", "ENTITLEMENT_ADD_PASSED", "ADD", "tpe"},
    {"Aggregate Source Account Passed", "aggregate", "SOURCE_MANAGEMENT",
     "SOURCE_ACCOUNT_AGGREGATE_PASSED", "AGGREGATE", "sweep"},
    {"Change Password Passed", "PASSWORD_CHANGE", "PASSWORD_ACTIVITY", "PASSWORD_CHANGE_PASSED",
     "UPDATE", "pigs"},
    {"Update Identity Attribute Passed", "update", "IDENTITY_MANAGEMENT",
     "IDENTITY_ATTRIBUTE_UPDATE_PASSED", "UPDATE", "ets"}};

/* ---- the generator ---- */

/* Id kinds: the two hex digits after "2c9180", as in the built-in tenant. */
enum {
    KIND_IDENTITY = 0x85,
    KIND_ACCOUNT = 0x86,
    KIND_ENTITLEMENT = 0x87,
    KIND_ACCESS_PROFILE = 0x88,
    KIND_ROLE = 0x89,
    KIND_ACTIVITY = 0x8a,
    KIND_EVENT = 0x8b,
    KIND_ERROR = 0x8c
};

#define DAY_MS INT64_C(86400000)
#define HIRED_FROM_MS INT64_C(1609459200000) /* 2021-01-01 */
#define HIRED_SPAN_MS (1247 * DAY_MS)        /* to 2024-06-01 */
#define ACTIVITY_FROM_MS INT64_C(1717200000000)
#define ACTIVITY_SPAN_MS (180 * DAY_MS)
#define BATCH 2000               /* identities per transaction */
#define GEN_CACHE_KB "32768"     /* page cache while generating */
#define GEN_SORT_CACHE_KB "8192" /* page cache while building indexes */

enum {
    ST_IDENTITY,
    ST_ACCOUNT,
    ST_GRANT,
    ST_ERROR,
    ST_ACTIVITY,
    ST_EVENT,
    ST_SOURCE,
    ST_PROFILE,
    ST_ENTITLEMENT,
    ST_ACCESS_PROFILE,
    ST_AP_ENT,
    ST_ROLE,
    ST_ROLE_AP,
    ST__N
};

static const char *const insert_sql[ST__N] = {
    "INSERT INTO identities (id, name, display_name, first_name, last_name, email, department,"
    " title, city, lifecycle_state, manager_id, identity_profile_id, correlated, created_ms,"
    " modified_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "INSERT INTO accounts (id, source_id, native_identity, name, display_name, identity_id,"
    " disabled, locked, created_ms, modified_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "INSERT INTO account_entitlements (account_id, entitlement_id) VALUES (?, ?)",
    "INSERT INTO identity_errors (id, identity_id, identity_profile_id, message, occurred_ms)"
    " VALUES (?, ?, ?, ?, ?)",
    "INSERT INTO account_activities (id, action, stage, status, origin, requester_id,"
    " recipient_id, source_id, tracking_number, created_ms, modified_ms)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "INSERT INTO events (id, name, action, type, technical_name, status, operation, stack,"
    " actor_name, target_name, source_id, ip_address, tracking_number, created_ms)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "INSERT INTO sources (id, name, type, description, authoritative, created_ms, modified_ms)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)",
    "INSERT INTO identity_profiles (id, name, description, authoritative_source_id, priority,"
    " created_ms, modified_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
    "INSERT INTO entitlements (id, source_id, name, display_name, description, attribute, value,"
    " privileged, requestable, created_ms, modified_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "INSERT INTO access_profiles (id, name, description, source_id, owner_id, enabled,"
    " requestable, created_ms, modified_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "INSERT INTO access_profile_entitlements (access_profile_id, entitlement_id) VALUES (?, ?)",
    "INSERT INTO roles (id, name, description, owner_id, enabled, requestable, created_ms,"
    " modified_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    "INSERT INTO role_access_profiles (role_id, access_profile_id) VALUES (?, ?)"};

/* What one identity is, computed from (seed, k) alone. */
struct person {
    uint64_t k;
    char id[33];
    char username[48];
    const char *first, *last;
    char display[64];
    char common[72]; /* display name, numbered after the first block: unique */
    char email[80];
    int dept, tier, city, contractor, orphan, error;
    const char *lifecycle;
    int64_t created_ms, modified_ms;
};

struct gen {
    struct store *s;
    uint64_t n, seed;
    uint32_t node[256];      /* per id kind */
    unsigned perm_a, perm_b; /* the name permutation within a block of 900 */
    uint64_t next_account, next_error, next_stray;
    sqlite3_stmt *st[ST__N];
    /* Row buffers: bound with SQLITE_STATIC, so they live as long as the statements. */
    struct person p, other;
    char acc_id[33], native[256], name[128], display[96], ent_id[33], err_id[33], row_id[33];
    char aux_id[33], aux2_id[33], tracking[33], ip[24];
};

/* A stream for item `i` of a kind: independent of every other item. */
static uint64_t stream(const struct gen *g, unsigned kind, uint64_t i)
{
    uint64_t st = g->seed ^ ((uint64_t)kind << 56);
    uint64_t base = gen_splitmix64(&st);
    return base + i * UINT64_C(0x9e3779b97f4a7c15) * 64; /* 64 draws apart */
}

static void make_id(const struct gen *g, unsigned kind, uint64_t seq, char out[33])
{
    snprintf(out, 33, "2c9180%02x%08x%016llx", kind, g->node[kind], (unsigned long long)seq);
}

static void hex32(uint64_t *st, char out[33])
{
    uint64_t a = gen_splitmix64(st), b = gen_splitmix64(st);
    snprintf(out, 33, "%016llx%016llx", (unsigned long long)a, (unsigned long long)b);
}

static unsigned gcd(unsigned a, unsigned b)
{
    while (b) {
        unsigned t = a % b;
        a = b;
        b = t;
    }
    return a;
}

static void person_make(const struct gen *g, uint64_t k, struct person *p)
{
    uint64_t st = stream(g, KIND_IDENTITY, k);
    uint64_t block = k / 900;
    unsigned c = (unsigned)((g->perm_a * (k % 900) + g->perm_b) % 900);
    memset(p, 0, sizeof(*p));
    p->k = k;
    make_id(g, KIND_IDENTITY, k, p->id);
    p->first = first_names[c % 30][0];
    p->last = last_names[c / 30][0];
    char num[24] = "";
    if (block)
        snprintf(num, sizeof(num), "%llu", (unsigned long long)block);
    snprintf(p->username, sizeof(p->username), "%s.%s%s", first_names[c % 30][1],
             last_names[c / 30][1], num);
    snprintf(p->display, sizeof(p->display), "%s %s", p->first, p->last);
    snprintf(p->common, sizeof(p->common), "%s%s%s", p->display, block ? " " : "", num);
    snprintf(p->email, sizeof(p->email), "%s@acme.example.com", p->username);
    uint64_t r = gen_splitmix64(&st);
    if (k < 10) { /* the CEO (k = 0) and the heads of departments 1..9 */
        p->dept = (int)k;
        p->tier = 2;
        p->lifecycle = "active";
    } else {
        p->dept = (int)(r % 10);
        p->tier = (int)(r / 10 % 3);
        unsigned life = (unsigned)(r / 30 % 1000);
        p->lifecycle = life < 40   ? "inactive"
                       : life < 67 ? "prehire"
                       : life < 87 ? "terminated"
                                   : "active";
        r = gen_splitmix64(&st);
        p->contractor = r % 6 == 5;
        p->orphan = r / 6 % 29 == 0;
        p->error = r / 174 % 37 == 0;
    }
    r = gen_splitmix64(&st);
    p->city = (int)(r % 10);
    p->created_ms =
        HIRED_FROM_MS + (int64_t)(k * (uint64_t)HIRED_SPAN_MS / g->n) + (int64_t)(r / 10 % DAY_MS);
    r = gen_splitmix64(&st);
    p->modified_ms = p->created_ms + (int64_t)(r % 400) * DAY_MS;
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

/* Steps an insert whose parameters are bound; resets it. 0 or -1 (logged). */
static int run(struct gen *g, int which)
{
    sqlite3_stmt *st = g->st[which];
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return 0;
    log_msg("error", NULL, "store: generate: %s", sqlite3_errmsg(g->s->db));
    return -1;
}

static int grant(struct gen *g, const char *account_id, int ent)
{
    make_id(g, KIND_ENTITLEMENT, (uint64_t)ent, g->ent_id);
    bind_text(g->st[ST_GRANT], 1, account_id);
    bind_text(g->st[ST_GRANT], 2, g->ent_id);
    return run(g, ST_GRANT);
}

/* One account; native, name and display are in g's buffers. Sets g->acc_id. */
static int account(struct gen *g, int src, const char *identity_id, int disabled, int locked,
                   int64_t created_ms, uint64_t *st)
{
    sqlite3_stmt *q = g->st[ST_ACCOUNT];
    make_id(g, KIND_ACCOUNT, g->next_account++, g->acc_id);
    bind_text(q, 1, g->acc_id);
    bind_text(q, 2, sources[src].id);
    bind_text(q, 3, g->native);
    bind_text(q, 4, g->name);
    bind_text(q, 5, g->display);
    bind_text(q, 6, identity_id);
    sqlite3_bind_int(q, 7, disabled);
    sqlite3_bind_int(q, 8, locked);
    sqlite3_bind_int64(q, 9, created_ms);
    sqlite3_bind_int64(q, 10, created_ms + (int64_t)(gen_splitmix64(st) % 211) * DAY_MS);
    return run(g, ST_ACCOUNT);
}

/* The accounts of person p, in source order, with their grants. */
static int accounts_of(struct gen *g, const struct person *p, uint64_t *st)
{
    int life_off = strcmp(p->lifecycle, "active") != 0;
    int terminated = strcmp(p->lifecycle, "terminated") == 0;
    int head = p->tier == 2;
    uint64_t r = gen_splitmix64(st);
    snprintf(g->display, sizeof(g->display), "%s", p->display);
    if (!p->orphan) {
        snprintf(g->native, sizeof(g->native), "%c%llu", p->contractor ? 'C' : 'E',
                 (unsigned long long)(100000 + p->k));
        snprintf(g->name, sizeof(g->name), "%c%llu", p->contractor ? 'C' : 'E',
                 (unsigned long long)(100000 + p->k));
        if (account(g, p->contractor ? SRC_CONTRACTORS : SRC_WORKDAY, p->id, terminated, 0,
                    p->created_ms, st))
            return -1;
    }
    if (r % 10 != 3) {
        snprintf(g->native, sizeof(g->native), "CN=%s,OU=%s,OU=Users,DC=acme,DC=example,DC=com",
                 p->common, departments[p->dept][0]);
        snprintf(g->name, sizeof(g->name), "%s", p->username);
        if (account(g, SRC_AD, p->id, life_off, r / 10 % 97 == 13, p->created_ms + 3600000, st) ||
            grant(g, g->acc_id, ENT_ALL_STAFF) || grant(g, g->acc_id, 1 + p->dept) ||
            (r / 970 % 4 == 0 && grant(g, g->acc_id, ENT_VPN)) ||
            (p->dept == DEPT_IT && head && grant(g, g->acc_id, ENT_DOMAIN_ADMINS)) ||
            (p->dept == DEPT_IT && grant(g, g->acc_id, ENT_HELP_DESK)))
            return -1;
    }
    if (r / 3880 % 3 == 0 || p->dept == DEPT_IT) {
        hex32(st, g->native);
        snprintf(g->name, sizeof(g->name), "%s", p->username);
        if (account(g, SRC_SERVICENOW, p->id, 0, 0, p->created_ms + 7200000, st) ||
            grant(g, g->acc_id, p->dept == DEPT_IT ? ENT_SN_ITIL : ENT_SN_APPROVER))
            return -1;
    }
    if (p->dept == DEPT_ENGINEERING || p->dept == DEPT_IT) {
        snprintf(g->native, sizeof(g->native), "%llu", (unsigned long long)(5800000 + p->k * 37));
        snprintf(g->name, sizeof(g->name), "%s-acme", p->username);
        for (char *c = g->name; *c; c++)
            if (*c == '.')
                *c = '-';
        if (account(g, SRC_GITHUB, p->id, 0, 0, p->created_ms + DAY_MS, st) ||
            grant(g, g->acc_id, p->dept == DEPT_ENGINEERING ? ENT_GH_PLATFORM : ENT_GH_SECURITY))
            return -1;
    }
    if (p->dept == DEPT_SALES || p->dept == DEPT_MARKETING || p->dept == DEPT_SUPPORT) {
        snprintf(g->native, sizeof(g->native), "0058d00000%05llXAAC",
                 (unsigned long long)(p->k * 7 + 4096));
        snprintf(g->name, sizeof(g->name), "%s", p->email);
        int off = terminated || strcmp(p->lifecycle, "inactive") == 0;
        if (account(g, SRC_SALESFORCE, p->id, off, 0, p->created_ms + 2 * DAY_MS, st) ||
            grant(g, g->acc_id, ENT_SF_STANDARD) ||
            (p->dept == DEPT_SALES && head && grant(g, g->acc_id, ENT_SF_MANAGER)))
            return -1;
    }
    return 0;
}

/* The next uncorrelated account: a service account, bot or leftover. */
static int stray(struct gen *g, uint64_t *st)
{
    uint64_t u = g->next_stray++;
    int t = (int)(u % 20);
    uint64_t round = u / 20;
    char num[24] = "";
    if (round)
        snprintf(num, sizeof(num), "%llu", (unsigned long long)round + 1);
    int src = strays[t].source;
    if (src == SRC_SALESFORCE)
        snprintf(g->name, sizeof(g->name), "%s%s@acme.example.com", strays[t].name, num);
    else
        snprintf(g->name, sizeof(g->name), "%s%s", strays[t].name, num);
    snprintf(g->display, sizeof(g->display), "%s%s%s", strays[t].display, round ? " " : "", num);
    switch (src) {
    case SRC_AD:
        snprintf(g->native, sizeof(g->native), "CN=%s,OU=%s,DC=acme,DC=example,DC=com", g->name,
                 strays[t].ou);
        break;
    case SRC_SERVICENOW:
        hex32(st, g->native);
        break;
    case SRC_GITHUB:
        snprintf(g->native, sizeof(g->native), "%llu", (unsigned long long)(40000000 + u));
        break;
    default:
        snprintf(g->native, sizeof(g->native), "0058d000002%07llXAAK", (unsigned long long)u);
        break;
    }
    int64_t created = INT64_C(1640995200000) + (int64_t)(gen_splitmix64(st) % (900 * DAY_MS));
    if (account(g, src, NULL, strays[t].disabled, 0, created, st))
        return -1;
    return strays[t].ent >= 0 ? grant(g, g->acc_id, strays[t].ent) : 0;
}

static int identity(struct gen *g, uint64_t k)
{
    struct person *p = &g->p;
    person_make(g, k, p);
    char manager[33];
    if (k > 0)
        make_id(g, KIND_IDENTITY, k < 10 ? 0 : k / 10, manager);
    const char *profile = profiles[p->contractor].id;
    sqlite3_stmt *q = g->st[ST_IDENTITY];
    bind_text(q, 1, p->id);
    bind_text(q, 2, p->username);
    bind_text(q, 3, p->display);
    bind_text(q, 4, p->first);
    bind_text(q, 5, p->last);
    bind_text(q, 6, p->email);
    bind_text(q, 7, departments[p->dept][0]);
    bind_text(q, 8, departments[p->dept][1 + p->tier]);
    bind_text(q, 9, cities[p->city]);
    bind_text(q, 10, p->lifecycle);
    bind_text(q, 11, k > 0 ? manager : NULL);
    bind_text(q, 12, profile);
    sqlite3_bind_int(q, 13, !p->orphan);
    sqlite3_bind_int64(q, 14, p->created_ms);
    sqlite3_bind_int64(q, 15, p->modified_ms);
    if (run(g, ST_IDENTITY))
        return -1;
    uint64_t st = stream(g, KIND_ACCOUNT, k);
    if (accounts_of(g, p, &st))
        return -1;
    if (p->error) {
        q = g->st[ST_ERROR];
        make_id(g, KIND_ERROR, g->next_error++, g->err_id);
        bind_text(q, 1, g->err_id);
        bind_text(q, 2, p->id);
        bind_text(q, 3, profile);
        bind_text(q, 4, error_texts[gen_splitmix64(&st) % 4]);
        sqlite3_bind_int64(q, 5, p->modified_ms);
        if (run(g, ST_ERROR))
            return -1;
    }
    /* About one uncorrelated account per 15 identities (20 in 300). */
    if (gen_splitmix64(&st) % 15 == 0 && stray(g, &st))
        return -1;
    return 0;
}

static uint64_t activities_count(uint64_t n)
{
    return n * 2 / 15 > 0 ? n * 2 / 15 : 1; /* 40 per 300 identities */
}

static uint64_t events_count(uint64_t n)
{
    return n / 5 > 0 ? n / 5 : 1; /* 60 per 300 identities */
}

static int activity(struct gen *g, uint64_t j)
{
    uint64_t st = stream(g, KIND_ACTIVITY, j), r = gen_splitmix64(&st);
    uint64_t total = activities_count(g->n);
    int pending = r % 11 == 5, failed = !pending && r / 11 % 7 == 3;
    int kind = (int)(r / 77 % 6), src = SRC_AD + (int)(r / 462 % 4);
    int64_t created = ACTIVITY_FROM_MS + (int64_t)(j * (uint64_t)ACTIVITY_SPAN_MS / total);
    sqlite3_stmt *q = g->st[ST_ACTIVITY];
    make_id(g, KIND_ACTIVITY, j, g->row_id);
    make_id(g, KIND_IDENTITY, gen_splitmix64(&st) % g->n, g->aux_id);
    make_id(g, KIND_IDENTITY, gen_splitmix64(&st) % g->n, g->aux2_id);
    hex32(&st, g->tracking);
    bind_text(q, 1, g->row_id);
    bind_text(q, 2, activity_kinds[kind][0]);
    bind_text(q, 3, pending ? "Pending" : "Completed");
    bind_text(q, 4, pending ? "Pending" : failed ? "Failed" : "Complete");
    bind_text(q, 5, activity_kinds[kind][1]);
    bind_text(q, 6, g->aux_id);
    bind_text(q, 7, g->aux2_id);
    bind_text(q, 8, sources[src].id);
    bind_text(q, 9, g->tracking);
    sqlite3_bind_int64(q, 10, created);
    sqlite3_bind_int64(q, 11, created + (pending ? 0 : 95000));
    return run(g, ST_ACTIVITY);
}

static int event(struct gen *g, uint64_t j)
{
    uint64_t st = stream(g, KIND_EVENT, j), r = gen_splitmix64(&st);
    uint64_t total = events_count(g->n);
    int failed = r % 9 == 4, t = (int)(r / 9 % 6);
    int src = (int)(r / 54 % 5);
    static const int event_sources[5] = {SRC_AD, SRC_SERVICENOW, SRC_GITHUB, SRC_SALESFORCE,
                                         SRC_WORKDAY};
    src = event_sources[src];
    char name[64], technical[64];
    snprintf(name, sizeof(name), "%.*s%s", (int)(strlen(event_kinds[t][0]) - 6), event_kinds[t][0],
             failed ? "Failed" : "Passed");
    snprintf(technical, sizeof(technical), "%.*s%s", (int)(strlen(event_kinds[t][3]) - 6),
             event_kinds[t][3], failed ? "FAILED" : "PASSED");
    person_make(g, gen_splitmix64(&st) % g->n, &g->p);
    person_make(g, gen_splitmix64(&st) % g->n, &g->other);
    int system = t == 3;
    make_id(g, KIND_EVENT, j, g->row_id);
    hex32(&st, g->tracking);
    snprintf(g->ip, sizeof(g->ip), "10.20.%u.%u", (unsigned)(j % 8),
             (unsigned)(10 + gen_splitmix64(&st) % 200));
    sqlite3_stmt *q = g->st[ST_EVENT];
    bind_text(q, 1, g->row_id);
    bind_text(q, 2, name);
    bind_text(q, 3, event_kinds[t][1]);
    bind_text(q, 4, event_kinds[t][2]);
    bind_text(q, 5, technical);
    bind_text(q, 6, failed ? "FAILED" : "PASSED");
    bind_text(q, 7, event_kinds[t][4]);
    bind_text(q, 8, event_kinds[t][5]);
    bind_text(q, 9, system ? "System" : g->p.username);
    bind_text(q, 10, system ? sources[src].name : g->other.username);
    bind_text(q, 11, t == 0 || t == 5 ? NULL : sources[src].id);
    bind_text(q, 12, g->ip);
    bind_text(q, 13, g->tracking);
    sqlite3_bind_int64(q, 14,
                       ACTIVITY_FROM_MS + (int64_t)(j * (uint64_t)ACTIVITY_SPAN_MS / total) + 123);
    return run(g, ST_EVENT);
}

/* Sources, profiles, entitlements, access profiles, roles and their links. */
static int catalogue(struct gen *g)
{
    sqlite3_stmt *q;
    for (int i = 0; i < SRC__N; i++) {
        q = g->st[ST_SOURCE];
        bind_text(q, 1, sources[i].id);
        bind_text(q, 2, sources[i].name);
        bind_text(q, 3, sources[i].type);
        bind_text(q, 4, sources[i].description);
        sqlite3_bind_int(q, 5, sources[i].authoritative);
        sqlite3_bind_int64(q, 6, sources[i].created_ms);
        sqlite3_bind_int64(q, 7, sources[i].modified_ms);
        if (run(g, ST_SOURCE))
            return -1;
    }
    for (int i = 0; i < 2; i++) {
        q = g->st[ST_PROFILE];
        bind_text(q, 1, profiles[i].id);
        bind_text(q, 2, profiles[i].name);
        bind_text(q, 3, profiles[i].description);
        bind_text(q, 4, sources[profiles[i].source].id);
        sqlite3_bind_int(q, 5, profiles[i].priority);
        sqlite3_bind_int64(q, 6, profiles[i].created_ms);
        sqlite3_bind_int64(q, 7, INT64_C(1717200000000));
        if (run(g, ST_PROFILE))
            return -1;
    }
    for (int i = 0; i < ENT__N; i++) {
        q = g->st[ST_ENTITLEMENT];
        make_id(g, KIND_ENTITLEMENT, (uint64_t)i, g->ent_id);
        bind_text(q, 1, g->ent_id);
        bind_text(q, 2, sources[ents[i].source].id);
        bind_text(q, 3, ents[i].name);
        bind_text(q, 4, ents[i].display);
        bind_text(q, 5, ents[i].description);
        bind_text(q, 6, ents[i].attribute);
        bind_text(q, 7, ents[i].value);
        sqlite3_bind_int(q, 8, ents[i].privileged);
        sqlite3_bind_int(q, 9, ents[i].requestable);
        sqlite3_bind_int64(q, 10, sources[ents[i].source].created_ms + DAY_MS + i * 60000);
        sqlite3_bind_int64(q, 11, sources[ents[i].source].modified_ms);
        if (run(g, ST_ENTITLEMENT))
            return -1;
    }
    for (int i = 0; i < 9; i++) {
        q = g->st[ST_ACCESS_PROFILE];
        make_id(g, KIND_ACCESS_PROFILE, (uint64_t)i, g->row_id);
        make_id(g, KIND_IDENTITY, (uint64_t)aps[i].owner_k, g->aux_id);
        bind_text(q, 1, g->row_id);
        bind_text(q, 2, aps[i].name);
        bind_text(q, 3, aps[i].description);
        bind_text(q, 4, sources[aps[i].source].id);
        bind_text(q, 5, g->aux_id);
        sqlite3_bind_int(q, 6, aps[i].enabled);
        sqlite3_bind_int(q, 7, aps[i].requestable);
        sqlite3_bind_int64(q, 8, INT64_C(1625097600000) + i * 7 * DAY_MS);
        sqlite3_bind_int64(q, 9, INT64_C(1704067200000) + i * DAY_MS);
        if (run(g, ST_ACCESS_PROFILE))
            return -1;
        for (int e = 0; e < 3 && aps[i].ents[e] >= 0; e++) {
            q = g->st[ST_AP_ENT];
            make_id(g, KIND_ENTITLEMENT, (uint64_t)aps[i].ents[e], g->ent_id);
            bind_text(q, 1, g->row_id);
            bind_text(q, 2, g->ent_id);
            if (run(g, ST_AP_ENT))
                return -1;
        }
    }
    for (int i = 0; i < 6; i++) {
        q = g->st[ST_ROLE];
        make_id(g, KIND_ROLE, (uint64_t)i, g->row_id);
        make_id(g, KIND_IDENTITY, (uint64_t)roles[i].owner_k, g->aux_id);
        bind_text(q, 1, g->row_id);
        bind_text(q, 2, roles[i].name);
        bind_text(q, 3, roles[i].description);
        bind_text(q, 4, g->aux_id);
        sqlite3_bind_int(q, 5, roles[i].enabled);
        sqlite3_bind_int(q, 6, roles[i].requestable);
        sqlite3_bind_int64(q, 7, INT64_C(1633046400000) + i * 7 * DAY_MS);
        sqlite3_bind_int64(q, 8, INT64_C(1706745600000) + i * DAY_MS);
        if (run(g, ST_ROLE))
            return -1;
        for (int a = 0; a < 3 && roles[i].aps[a] >= 0; a++) {
            q = g->st[ST_ROLE_AP];
            make_id(g, KIND_ACCESS_PROFILE, (uint64_t)roles[i].aps[a], g->aux_id);
            bind_text(q, 1, g->row_id);
            bind_text(q, 2, g->aux_id);
            if (run(g, ST_ROLE_AP))
                return -1;
        }
    }
    return 0;
}

/* ---- batches under the lock ---- */

static int exec(struct store *s, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return 0;
    log_msg("error", NULL, "store: generate: %s", msg ? msg : sqlite3_errmsg(s->db));
    sqlite3_free(msg);
    return -1;
}

enum step_kind { STEP_START, STEP_IDENTITIES, STEP_ACTIVITIES, STEP_EVENTS };

/* One transaction under the lock. Foreign keys are off inside it: the rows
 * are consistent by construction (the unit tests check), and with them off
 * SQLite empties a table in one step instead of row by row. */
static int batch(struct gen *g, enum step_kind kind, uint64_t from, uint64_t to)
{
    struct store *s = g->s;
    int rc = -1;
    pthread_mutex_lock(&s->lock);
    if (exec(s, "PRAGMA foreign_keys = OFF") || exec(s, "BEGIN IMMEDIATE")) {
        exec(s, "PRAGMA foreign_keys = ON");
        goto out;
    }
    switch (kind) {
    case STEP_START:
        rc = exec(s, "DELETE FROM tenant_generated");
        for (int i = 0; rc == 0 && gen_tables[i]; i++) {
            char sql[96];
            snprintf(sql, sizeof(sql), "DELETE FROM %s", gen_tables[i]);
            rc = exec(s, sql);
        }
        if (rc == 0)
            rc = catalogue(g);
        break;
    case STEP_IDENTITIES:
        rc = 0;
        for (uint64_t k = from; rc == 0 && k < to; k++)
            rc = identity(g, k);
        break;
    case STEP_ACTIVITIES:
        rc = 0;
        for (uint64_t j = from; rc == 0 && j < to; j++)
            rc = activity(g, j);
        break;
    case STEP_EVENTS:
        rc = 0;
        for (uint64_t j = from; rc == 0 && j < to; j++)
            rc = event(g, j);
        break;
    }
    if (rc == 0)
        rc = exec(s, "COMMIT");
    if (rc != 0)
        exec(s, "ROLLBACK");
    exec(s, "PRAGMA foreign_keys = ON");
out:
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* The CREATE INDEX statements of the tenant tables, dropped (GEN_STARTUP). */
struct saved_indexes {
    char **sql;
    size_t n;       /* statements saved */
    size_t dropped; /* of which dropped: the ones to build again */
};

static void indexes_free(struct saved_indexes *x)
{
    for (size_t i = 0; i < x->n; i++)
        sqlite3_free(x->sql[i]);
    free(x->sql);
    x->sql = NULL;
    x->n = x->dropped = 0;
}

static int indexes_drop(struct store *s, struct saved_indexes *x)
{
    sqlite3_stmt *st = NULL;
    int rc = -1, step;
    pthread_mutex_lock(&s->lock);
    if (sqlite3_prepare_v2(s->db,
                           "SELECT sql FROM sqlite_master WHERE type = 'index'"
                           " AND sql IS NOT NULL AND tbl_name IN ('events', 'account_activities',"
                           " 'access_profiles', 'roles', 'account_entitlements', 'entitlements',"
                           " 'identity_errors', 'accounts', 'identities', 'identity_profiles')",
                           -1, &st, NULL) != SQLITE_OK)
        goto out;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        char **grown = realloc(x->sql, (x->n + 1) * sizeof(*grown));
        if (!grown)
            goto out;
        x->sql = grown;
        x->sql[x->n] = sqlite3_mprintf("%s", (const char *)sqlite3_column_text(st, 0));
        if (!x->sql[x->n])
            goto out;
        x->n++;
    }
    if (step != SQLITE_DONE)
        goto out;
    sqlite3_finalize(st);
    st = NULL;
    /* "CREATE INDEX name ON ...": the name is the third word. */
    for (; x->dropped < x->n; x->dropped++) {
        char name[128];
        if (sscanf(x->sql[x->dropped], "CREATE INDEX %127s", name) != 1)
            goto out;
        char *drop = sqlite3_mprintf("DROP INDEX \"%w\"", name);
        int bad = !drop || exec(s, drop);
        sqlite3_free(drop);
        if (bad)
            goto out;
    }
    rc = 0;
out:
    if (rc)
        log_msg("error", NULL, "store: generate: indexes: %s", sqlite3_errmsg(s->db));
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int indexes_create(struct store *s, const struct saved_indexes *x)
{
    int rc = 0;
    pthread_mutex_lock(&s->lock);
    /* The sorter takes about the page cache's size again: keep the peak low. */
    exec(s, "PRAGMA cache_size = -" GEN_SORT_CACHE_KB);
    for (size_t i = 0; rc == 0 && i < x->dropped; i++)
        rc = exec(s, x->sql[i]);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int record(struct store *s, int64_t size, int64_t seed)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    pthread_mutex_lock(&s->lock);
    if (store_prepare(s,
                      "INSERT OR REPLACE INTO tenant_generated (id, size, seed) VALUES (1, ?, ?)",
                      &st) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, size);
        sqlite3_bind_int64(st, 2, seed);
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail_locked(s, "generate: record");
    } else {
        store_fail_locked(s, "generate: record");
    }
    store_release(s, st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* Start-up generation trades crash safety for speed: no rollback journal,
 * no syncs, a bigger page cache; it puts back what it found afterwards. Run
 * time generation keeps the journal (a failed batch rolls back) and only
 * grows the cache. */
struct tuning {
    char journal[16]; /* journal_mode before, e.g. "wal"; "" when unchanged */
    int synchronous, cache_size;
};

static int pragma_int(struct store *s, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int v = 0;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

static int tune(struct store *s, enum gen_mode mode, struct tuning *t)
{
    int rc = 0;
    pthread_mutex_lock(&s->lock);
    memset(t, 0, sizeof(*t));
    t->synchronous = pragma_int(s, "PRAGMA synchronous");
    t->cache_size = pragma_int(s, "PRAGMA cache_size");
    if (mode == GEN_STARTUP) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode", -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            snprintf(t->journal, sizeof(t->journal), "%s",
                     (const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        rc = exec(s, "PRAGMA journal_mode = OFF") || exec(s, "PRAGMA synchronous = OFF");
    }
    if (rc == 0)
        rc = exec(s, "PRAGMA cache_size = -" GEN_CACHE_KB);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static void untune(struct store *s, const struct tuning *t)
{
    char sql[64];
    pthread_mutex_lock(&s->lock);
    if (t->journal[0]) {
        snprintf(sql, sizeof(sql), "PRAGMA journal_mode = %s", t->journal);
        exec(s, sql);
    }
    snprintf(sql, sizeof(sql), "PRAGMA synchronous = %d", t->synchronous);
    exec(s, sql);
    snprintf(sql, sizeof(sql), "PRAGMA cache_size = %d", t->cache_size);
    exec(s, sql);
    pthread_mutex_unlock(&s->lock);
}

static pthread_mutex_t generating = PTHREAD_MUTEX_INITIALIZER;

int store_tenant_generate(struct store *s, int64_t size, int64_t seed, enum gen_mode mode)
{
    if (size < GEN_SIZE_MIN || size > GEN_SIZE_MAX || seed < 0 || seed > GEN_SEED_MAX)
        return -1;
    struct gen *g = calloc(1, sizeof(*g));
    struct saved_indexes saved = {NULL, 0, 0};
    struct tuning tuning;
    int rc = -1, tuned = 0;
    if (!g)
        return -1;
    pthread_mutex_lock(&generating);
    g->s = s;
    g->n = (uint64_t)size;
    g->seed = (uint64_t)seed;
    uint64_t st = g->seed;
    for (int i = 0; i < 256; i++)
        g->node[i] = (uint32_t)(gen_splitmix64(&st) >> 32);
    do
        g->perm_a = (unsigned)(gen_splitmix64(&st) % 900);
    while (gcd(g->perm_a, 900) != 1);
    g->perm_b = (unsigned)(gen_splitmix64(&st) % 900);

    pthread_mutex_lock(&s->lock);
    int prepared = 0;
    for (int i = 0; i < ST__N; i++)
        prepared += sqlite3_prepare_v3(s->db, insert_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                                       &g->st[i], NULL) == SQLITE_OK;
    if (prepared != ST__N)
        log_msg("error", NULL, "store: generate: %s", sqlite3_errmsg(s->db));
    pthread_mutex_unlock(&s->lock);
    if (prepared != ST__N)
        goto out;
    tuned = 1;
    if (tune(s, mode, &tuning))
        goto out;
    if (mode == GEN_STARTUP && indexes_drop(s, &saved))
        goto out;
    if (batch(g, STEP_START, 0, 0))
        goto out;
    for (uint64_t k = 0; k < g->n; k += BATCH)
        if (batch(g, STEP_IDENTITIES, k, k + BATCH < g->n ? k + BATCH : g->n))
            goto out;
    uint64_t na = activities_count(g->n), ne = events_count(g->n);
    for (uint64_t j = 0; j < na; j += BATCH * 4)
        if (batch(g, STEP_ACTIVITIES, j, j + BATCH * 4 < na ? j + BATCH * 4 : na))
            goto out;
    for (uint64_t j = 0; j < ne; j += BATCH * 4)
        if (batch(g, STEP_EVENTS, j, j + BATCH * 4 < ne ? j + BATCH * 4 : ne))
            goto out;
    if (indexes_create(s, &saved))
        goto out;
    indexes_free(&saved);
    rc = record(s, size, seed);
out:
    indexes_create(s, &saved); /* after a failure: put back what was dropped */
    indexes_free(&saved);
    if (tuned)
        untune(s, &tuning);
    pthread_mutex_lock(&s->lock);
    for (int i = 0; i < ST__N; i++)
        sqlite3_finalize(g->st[i]);
    pthread_mutex_unlock(&s->lock);
    pthread_mutex_unlock(&generating);
    free(g);
    return rc;
}

int store_tenant_generated(struct store *s, int64_t *size, int64_t *seed)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    pthread_mutex_lock(&s->lock);
    if (store_prepare(s, "SELECT size, seed FROM tenant_generated WHERE id = 1", &st) !=
        SQLITE_OK) {
        store_fail_locked(s, "tenant generated");
        goto out;
    }
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        *size = sqlite3_column_int64(st, 0);
        *seed = sqlite3_column_int64(st, 1);
        rc = 0;
    } else {
        rc = step == SQLITE_DONE ? 1 : store_fail_locked(s, "tenant generated");
    }
out:
    store_release(s, st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int store_tenant_counts(struct store *s, int64_t counts[GEN_TABLES])
{
    for (int i = 0; i < GEN_TABLES; i++) {
        char sql[96];
        sqlite3_stmt *st = NULL;
        int rc = -1;
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", gen_tables[i]);
        pthread_mutex_lock(&s->lock);
        if (store_prepare(s, sql, &st) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
            counts[i] = sqlite3_column_int64(st, 0);
            rc = 0;
        } else {
            store_fail_locked(s, "tenant counts");
        }
        store_release(s, st);
        pthread_mutex_unlock(&s->lock);
        if (rc)
            return -1;
    }
    return 0;
}

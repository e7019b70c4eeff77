/*
 * gen_people.c - the people of a generated tenant: identities, their
 * accounts and grants, uncorrelated accounts, identity errors, account
 * activities and events (see gen_int.h).
 *
 * Everything comes from a seed and an index: identity k draws its attributes
 * from a splitmix64 stream started at (seed, k), so any identity can be made
 * alone, in any batch. Usernames stay unique at any size: within each block
 * of 900 identities a seeded permutation picks one of the 30 x 30
 * first/last name pairs, and blocks after the first get a number. Owns the
 * name and word tables; touches only the rows it inserts.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../core/log.h"
#include "gen_int.h"

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
    ("Attribute 'email' could not be computed: transform \"Generate Unique Email\" failed: the "
     "value is already in use"),
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

/* A stream for item `i` of a kind: independent of every other item. */
static uint64_t stream(const struct gen *g, unsigned kind, uint64_t i)
{
    uint64_t st = g->seed ^ ((uint64_t)kind << 56);
    uint64_t base = gen_splitmix64(&st);
    return base + i * UINT64_C(0x9e3779b97f4a7c15) * 64; /* 64 draws apart */
}

/* The low `digits` hex digits of v, lowercase, into out (not terminated).
 * Ids are most of what the generator writes: this is snprintf's "%0*llx"
 * without parsing a format for each one. */
static void put_hex(char *out, uint64_t v, int digits)
{
    static const char hex[] = "0123456789abcdef";
    for (int i = digits - 1; i >= 0; i--, v >>= 4)
        out[i] = hex[v & 15];
}

void gen_make_id(const struct gen *g, unsigned kind, uint64_t seq, char out[33])
{
    memcpy(out, "2c9180", 6);
    put_hex(out + 6, kind, 2);
    put_hex(out + 8, g->node[kind], 8);
    put_hex(out + 16, seq, 16);
    out[32] = '\0';
}

static void hex32(uint64_t *st, char out[33])
{
    uint64_t a = gen_splitmix64(st), b = gen_splitmix64(st);
    put_hex(out, a, 16);
    put_hex(out + 16, b, 16);
    out[32] = '\0';
}

/* out = the strings up to the NULL one after the other, cut at cap - 1 bytes
 * like snprintf's "%s%s...": the names of a person are made a million times. */
static void cat(char *out, size_t cap, ...)
{
    va_list ap;
    size_t n = 0;
    const char *part;
    va_start(ap, cap);
    while ((part = va_arg(ap, const char *)))
        for (; *part && n + 1 < cap; part++)
            out[n++] = *part;
    va_end(ap);
    out[n] = '\0';
}

/* v in decimal, at the end of buf; returns where it starts. */
static const char *dec(uint64_t v, char buf[24])
{
    char *p = buf + 23;
    *p = '\0';
    do
        *--p = (char)('0' + v % 10);
    while (v /= 10);
    return p;
}

static void person_make(const struct gen *g, uint64_t k, struct person *p)
{
    uint64_t st = stream(g, KIND_IDENTITY, k);
    uint64_t block = k / 900;
    unsigned c = (unsigned)((g->perm_a * (k % 900) + g->perm_b) % 900);
    memset(p, 0, sizeof(*p));
    p->k = k;
    gen_make_id(g, KIND_IDENTITY, k, p->id);
    p->first = first_names[c % 30][0];
    p->last = last_names[c / 30][0];
    char buf[24];
    const char *num = block ? dec(block, buf) : "";
    cat(p->username, sizeof(p->username), first_names[c % 30][1], ".", last_names[c / 30][1], num,
        (char *)NULL);
    cat(p->display, sizeof(p->display), p->first, " ", p->last, (char *)NULL);
    cat(p->common, sizeof(p->common), p->display, block ? " " : "", num, (char *)NULL);
    cat(p->email, sizeof(p->email), p->username, "@acme.example.com", (char *)NULL);
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

static int grant(struct gen *g, const char *account_id, int ent)
{
    gen_make_id(g, KIND_ENTITLEMENT, (uint64_t)ent, g->ent_id);
    gen_bind_text(g, ST_GRANT, 1, account_id);
    gen_bind_text(g, ST_GRANT, 2, g->ent_id);
    return gen_run(g, ST_GRANT);
}

/* One account; native, name and display are in g's buffers. Sets g->acc_id. */
static int account(struct gen *g, int src, const char *identity_id, int disabled, int locked,
                   int64_t created_ms, uint64_t *st)
{
    int q = ST_ACCOUNT;
    gen_make_id(g, KIND_ACCOUNT, g->next_account++, g->acc_id);
    gen_bind_text(g, q, 1, g->acc_id);
    gen_bind_text(g, q, 2, gen_sources[src].id);
    gen_bind_text(g, q, 3, g->native);
    gen_bind_text(g, q, 4, g->name);
    gen_bind_text(g, q, 5, g->display);
    gen_bind_text(g, q, 6, identity_id);
    gen_bind_int(g, q, 7, disabled);
    gen_bind_int(g, q, 8, locked);
    gen_bind_int(g, q, 9, created_ms);
    gen_bind_int(g, q, 10, created_ms + (int64_t)(gen_splitmix64(st) % 211) * DAY_MS);
    return gen_run(g, ST_ACCOUNT);
}

/* The accounts of person p, in source order, with their grants. */
static int accounts_of(struct gen *g, const struct person *p, uint64_t *st)
{
    int life_off = strcmp(p->lifecycle, "active") != 0;
    int terminated = strcmp(p->lifecycle, "terminated") == 0;
    int head = p->tier == 2;
    uint64_t r = gen_splitmix64(st);
    char buf[24];
    cat(g->display, sizeof(g->display), p->display, (char *)NULL);
    if (!p->orphan) {
        cat(g->native, sizeof(g->native), p->contractor ? "C" : "E", dec(100000 + p->k, buf),
            (char *)NULL);
        cat(g->name, sizeof(g->name), g->native, (char *)NULL);
        if (account(g, p->contractor ? SRC_CONTRACTORS : SRC_WORKDAY, p->id, terminated, 0,
                    p->created_ms, st))
            return -1;
    }
    if (r % 10 != 3) {
        cat(g->native, sizeof(g->native), "CN=", p->common, ",OU=", departments[p->dept][0],
            ",OU=Users,DC=acme,DC=example,DC=com", (char *)NULL);
        cat(g->name, sizeof(g->name), p->username, (char *)NULL);
        if (account(g, SRC_AD, p->id, life_off, r / 10 % 97 == 13, p->created_ms + 3600000, st) ||
            grant(g, g->acc_id, ENT_ALL_STAFF) || grant(g, g->acc_id, 1 + p->dept) ||
            (r / 970 % 4 == 0 && grant(g, g->acc_id, ENT_VPN)) ||
            (p->dept == DEPT_IT && head && grant(g, g->acc_id, ENT_DOMAIN_ADMINS)) ||
            (p->dept == DEPT_IT && grant(g, g->acc_id, ENT_HELP_DESK)))
            return -1;
    }
    if (r / 3880 % 3 == 0 || p->dept == DEPT_IT) {
        hex32(st, g->native);
        cat(g->name, sizeof(g->name), p->username, (char *)NULL);
        if (account(g, SRC_SERVICENOW, p->id, 0, 0, p->created_ms + 7200000, st) ||
            grant(g, g->acc_id, p->dept == DEPT_IT ? ENT_SN_ITIL : ENT_SN_APPROVER))
            return -1;
    }
    if (p->dept == DEPT_ENGINEERING || p->dept == DEPT_IT) {
        cat(g->native, sizeof(g->native), dec(GEN_GITHUB_PERSON + p->k * 37, buf), (char *)NULL);
        cat(g->name, sizeof(g->name), p->username, "-acme", (char *)NULL);
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
        cat(g->name, sizeof(g->name), p->email, (char *)NULL);
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
        /* Above every person's native id (gen_int.h): never the same. */
        snprintf(g->native, sizeof(g->native), "%llu", (unsigned long long)(GEN_STRAY_GITHUB + u));
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

/* The next identity error. */
static int identity_error(struct gen *g, const char *identity_id, const char *profile_id,
                          const char *message, int64_t occurred_ms)
{
    int q = ST_ERROR;
    gen_make_id(g, KIND_ERROR, g->next_error++, g->err_id);
    gen_bind_text(g, q, 1, g->err_id);
    gen_bind_text(g, q, 2, identity_id);
    gen_bind_text(g, q, 3, profile_id);
    gen_bind_text(g, q, 4, message);
    gen_bind_int(g, q, 5, occurred_ms);
    return gen_run(g, ST_ERROR);
}

int gen_identity(struct gen *g, uint64_t k)
{
    struct person *p = &g->p;
    person_make(g, k, p);
    char manager[33];
    if (k > 0)
        gen_make_id(g, KIND_IDENTITY, k < 10 ? 0 : k / 10, manager);
    const char *profile = gen_profiles[p->contractor].id;
    int q = ST_IDENTITY;
    gen_bind_text(g, q, 1, p->id);
    gen_bind_text(g, q, 2, p->username);
    gen_bind_text(g, q, 3, p->display);
    gen_bind_text(g, q, 4, p->first);
    gen_bind_text(g, q, 5, p->last);
    gen_bind_text(g, q, 6, p->email);
    gen_bind_text(g, q, 7, departments[p->dept][0]);
    gen_bind_text(g, q, 8, departments[p->dept][1 + p->tier]);
    gen_bind_text(g, q, 9, cities[p->city]);
    gen_bind_text(g, q, 10, p->lifecycle);
    gen_bind_text(g, q, 11, k > 0 ? manager : NULL);
    gen_bind_text(g, q, 12, profile);
    gen_bind_int(g, q, 13, !p->orphan);
    gen_bind_int(g, q, 14, p->created_ms);
    gen_bind_int(g, q, 15, p->modified_ms);
    if (gen_run(g, ST_IDENTITY))
        return -1;
    uint64_t st = stream(g, KIND_ACCOUNT, k);
    if (accounts_of(g, p, &st))
        return -1;
    if (p->error &&
        identity_error(g, p->id, profile, error_texts[gen_splitmix64(&st) % 4], p->modified_ms))
        return -1;
    /* As in the built-in tenant: the documentation's example source has a row. */
    if (k == GEN_INTERNS_ERROR_K &&
        identity_error(g, p->id, gen_profiles[PROFILE_INTERNS].id,
                       "Identity matches the identity profile 'Employees', which has a higher"
                       " priority",
                       gen_profiles[PROFILE_INTERNS].modified_ms))
        return -1;
    /* About one uncorrelated account per 15 identities (20 in 300). */
    if (gen_splitmix64(&st) % 15 == 0 && stray(g, &st))
        return -1;
    return 0;
}

uint64_t gen_activities_count(uint64_t n)
{
    return n * 2 / 15 > 0 ? n * 2 / 15 : 1; /* 40 per 300 identities */
}

uint64_t gen_events_count(uint64_t n)
{
    return n / 5 > 0 ? n / 5 : 1; /* 60 per 300 identities */
}

int gen_activity(struct gen *g, uint64_t j)
{
    uint64_t st = stream(g, KIND_ACTIVITY, j), r = gen_splitmix64(&st);
    uint64_t total = gen_activities_count(g->n);
    int pending = r % 11 == 5, failed = !pending && r / 11 % 7 == 3;
    int kind = (int)(r / 77 % 6), src = SRC_AD + (int)(r / 462 % 4);
    int64_t created = ACTIVITY_FROM_MS + (int64_t)(j * (uint64_t)ACTIVITY_SPAN_MS / total);
    int q = ST_ACTIVITY;
    gen_make_id(g, KIND_ACTIVITY, j, g->row_id);
    gen_make_id(g, KIND_IDENTITY, gen_splitmix64(&st) % g->n, g->aux_id);
    gen_make_id(g, KIND_IDENTITY, gen_splitmix64(&st) % g->n, g->aux2_id);
    hex32(&st, g->tracking);
    gen_bind_text(g, q, 1, g->row_id);
    gen_bind_text(g, q, 2, activity_kinds[kind][0]);
    gen_bind_text(g, q, 3, pending ? "Pending" : "Completed");
    gen_bind_text(g, q, 4, pending ? "Pending" : failed ? "Failed" : "Complete");
    gen_bind_text(g, q, 5, activity_kinds[kind][1]);
    gen_bind_text(g, q, 6, g->aux_id);
    gen_bind_text(g, q, 7, g->aux2_id);
    gen_bind_text(g, q, 8, gen_sources[src].id);
    gen_bind_text(g, q, 9, g->tracking);
    gen_bind_int(g, q, 10, created);
    gen_bind_int(g, q, 11, created + (pending ? 0 : 95000));
    return gen_run(g, ST_ACTIVITY);
}

int gen_event(struct gen *g, uint64_t j)
{
    uint64_t st = stream(g, KIND_EVENT, j), r = gen_splitmix64(&st);
    uint64_t total = gen_events_count(g->n);
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
    gen_make_id(g, KIND_EVENT, j, g->row_id);
    hex32(&st, g->tracking);
    snprintf(g->ip, sizeof(g->ip), "10.20.%u.%u", (unsigned)(j % 8),
             (unsigned)(10 + gen_splitmix64(&st) % 200));
    int q = ST_EVENT;
    gen_bind_text(g, q, 1, g->row_id);
    gen_bind_text(g, q, 2, name);
    gen_bind_text(g, q, 3, event_kinds[t][1]);
    gen_bind_text(g, q, 4, event_kinds[t][2]);
    gen_bind_text(g, q, 5, technical);
    gen_bind_text(g, q, 6, failed ? "FAILED" : "PASSED");
    gen_bind_text(g, q, 7, event_kinds[t][4]);
    gen_bind_text(g, q, 8, event_kinds[t][5]);
    gen_bind_text(g, q, 9, system ? "System" : g->p.username);
    gen_bind_text(g, q, 10, system ? gen_sources[src].name : g->other.username);
    gen_bind_text(g, q, 11, t == 0 || t == 5 ? NULL : gen_sources[src].id);
    gen_bind_text(g, q, 12, g->ip);
    gen_bind_text(g, q, 13, g->tracking);
    gen_bind_int(g, q, 14,
                 ACTIVITY_FROM_MS + (int64_t)(j * (uint64_t)ACTIVITY_SPAN_MS / total) + 123);
    return gen_run(g, ST_EVENT);
}

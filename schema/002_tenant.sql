-- 002_tenant.sql: the tenant that reports are computed from: sources, identity
-- profiles, identities, accounts, entitlements, access profiles, roles, account
-- activities and search events.
--
-- Tenant tables (children first, the order to empty them in):
--   events, account_activities, role_access_profiles, roles,
--   access_profile_entitlements, access_profiles, account_entitlements,
--   entitlements, identity_errors, accounts, identities, identity_profiles,
--   sources
--
-- Conventions:
--   * ids are 32 lowercase hex digits, the primary key of every table; tables
--     are WITHOUT ROWID, so every secondary index ends with `id` and a report
--     pages by (sort key..., id) with an index range, whatever the table size.
--     The indexes below serve the report orders (identities by name, accounts
--     by source and name, uncorrelated accounts by name, errors by time) and
--     the likely search sorts (displayName, department, city, created); a
--     sort on another field is still correct but scans per page.
--   * text columns that reports sort or match on are NOT NULL DEFAULT '';
--     NULL means "no such thing" only for references (manager_id, identity_id...).
--   * booleans are INTEGER 0/1; timestamps are Unix milliseconds (INTEGER).
--   * an orphan identity is an identity with no account on the authoritative
--     source of its identity profile (an identity without a profile has no
--     authoritative source, so it is an orphan too). `identities.correlated`
--     is the stored flag that correlatedOnly filters on; the fixtures keep it
--     0 exactly for the orphans.
--   * an uncorrelated account is an account whose identity_id is NULL.

CREATE TABLE sources (
    id            TEXT PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL UNIQUE,
    type          TEXT NOT NULL,            -- connector: 'Workday', 'Active Directory - Direct'...
    description   TEXT NOT NULL DEFAULT '',
    authoritative INTEGER NOT NULL DEFAULT 0 CHECK (authoritative IN (0, 1)),
    created_ms    INTEGER NOT NULL,
    modified_ms   INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE identity_profiles (
    id                      TEXT PRIMARY KEY NOT NULL,
    name                    TEXT NOT NULL UNIQUE,
    description             TEXT NOT NULL DEFAULT '',
    authoritative_source_id TEXT NOT NULL REFERENCES sources (id),
    priority                INTEGER NOT NULL DEFAULT 10,
    created_ms              INTEGER NOT NULL,
    modified_ms             INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX identity_profiles_source ON identity_profiles (authoritative_source_id);

CREATE TABLE identities (
    id                  TEXT PRIMARY KEY NOT NULL,
    name                TEXT NOT NULL UNIQUE,   -- the username (uid)
    display_name        TEXT NOT NULL DEFAULT '',
    first_name          TEXT NOT NULL DEFAULT '',
    last_name           TEXT NOT NULL DEFAULT '',
    email               TEXT NOT NULL DEFAULT '',
    department          TEXT NOT NULL DEFAULT '',
    title               TEXT NOT NULL DEFAULT '',
    city                TEXT NOT NULL DEFAULT '',
    lifecycle_state     TEXT NOT NULL DEFAULT 'active', -- cloudLifecycleState
    manager_id          TEXT REFERENCES identities (id),
    identity_profile_id TEXT REFERENCES identity_profiles (id),
    correlated          INTEGER NOT NULL DEFAULT 1 CHECK (correlated IN (0, 1)),
    created_ms          INTEGER NOT NULL,
    modified_ms         INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX identities_display_name ON identities (display_name);
CREATE INDEX identities_department ON identities (department);
CREATE INDEX identities_city ON identities (city);
CREATE INDEX identities_created ON identities (created_ms);
CREATE INDEX identities_manager ON identities (manager_id);
CREATE INDEX identities_profile ON identities (identity_profile_id);

-- Errors raised while an identity profile processed an identity (one identity
-- may have several). IDENTITY_PROFILE_IDENTITY_ERROR reports these.
CREATE TABLE identity_errors (
    id                  TEXT PRIMARY KEY NOT NULL,
    identity_id         TEXT NOT NULL REFERENCES identities (id),
    identity_profile_id TEXT NOT NULL REFERENCES identity_profiles (id),
    message             TEXT NOT NULL,
    occurred_ms         INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX identity_errors_identity ON identity_errors (identity_id);
CREATE INDEX identity_errors_occurred ON identity_errors (occurred_ms);

CREATE TABLE accounts (
    id              TEXT PRIMARY KEY NOT NULL,
    source_id       TEXT NOT NULL REFERENCES sources (id),
    native_identity TEXT NOT NULL,
    name            TEXT NOT NULL,
    display_name    TEXT NOT NULL DEFAULT '',
    identity_id     TEXT REFERENCES identities (id), -- NULL: uncorrelated
    disabled        INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    locked          INTEGER NOT NULL DEFAULT 0 CHECK (locked IN (0, 1)),
    created_ms      INTEGER NOT NULL,
    modified_ms     INTEGER NOT NULL,
    UNIQUE (source_id, native_identity)
) WITHOUT ROWID;
CREATE INDEX accounts_source_name ON accounts (source_id, name);
CREATE INDEX accounts_identity ON accounts (identity_id, source_id);
CREATE INDEX accounts_identity_name ON accounts (identity_id, name); -- uncorrelated, by name

CREATE TABLE entitlements (
    id           TEXT PRIMARY KEY NOT NULL,
    source_id    TEXT NOT NULL REFERENCES sources (id),
    name         TEXT NOT NULL,
    display_name TEXT NOT NULL DEFAULT '',
    description  TEXT NOT NULL DEFAULT '',
    attribute    TEXT NOT NULL,              -- e.g. memberOf
    value        TEXT NOT NULL,              -- e.g. the group DN
    privileged   INTEGER NOT NULL DEFAULT 0 CHECK (privileged IN (0, 1)),
    requestable  INTEGER NOT NULL DEFAULT 1 CHECK (requestable IN (0, 1)),
    created_ms   INTEGER NOT NULL,
    modified_ms  INTEGER NOT NULL,
    UNIQUE (source_id, attribute, value)
) WITHOUT ROWID;
CREATE INDEX entitlements_name ON entitlements (name);

CREATE TABLE account_entitlements (
    account_id     TEXT NOT NULL REFERENCES accounts (id),
    entitlement_id TEXT NOT NULL REFERENCES entitlements (id),
    PRIMARY KEY (account_id, entitlement_id)
) WITHOUT ROWID;
CREATE INDEX account_entitlements_entitlement ON account_entitlements (entitlement_id);

CREATE TABLE access_profiles (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    source_id   TEXT NOT NULL REFERENCES sources (id),
    owner_id    TEXT REFERENCES identities (id),
    enabled     INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    requestable INTEGER NOT NULL DEFAULT 1 CHECK (requestable IN (0, 1)),
    created_ms  INTEGER NOT NULL,
    modified_ms INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE access_profile_entitlements (
    access_profile_id TEXT NOT NULL REFERENCES access_profiles (id),
    entitlement_id    TEXT NOT NULL REFERENCES entitlements (id),
    PRIMARY KEY (access_profile_id, entitlement_id)
) WITHOUT ROWID;

CREATE TABLE roles (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    owner_id    TEXT REFERENCES identities (id),
    enabled     INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    requestable INTEGER NOT NULL DEFAULT 1 CHECK (requestable IN (0, 1)),
    created_ms  INTEGER NOT NULL,
    modified_ms INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE role_access_profiles (
    role_id           TEXT NOT NULL REFERENCES roles (id),
    access_profile_id TEXT NOT NULL REFERENCES access_profiles (id),
    PRIMARY KEY (role_id, access_profile_id)
) WITHOUT ROWID;

-- Account activities (the `accountactivities` search index): provisioning work
-- done for an identity.
CREATE TABLE account_activities (
    id              TEXT PRIMARY KEY NOT NULL,
    action          TEXT NOT NULL,  -- 'Access Request', 'Identity Refresh'...
    stage           TEXT NOT NULL,  -- 'Completed', 'Pending'...
    status          TEXT NOT NULL,  -- 'Complete', 'Failed', 'Pending'...
    origin          TEXT NOT NULL DEFAULT '',
    requester_id    TEXT REFERENCES identities (id),
    recipient_id    TEXT REFERENCES identities (id),
    source_id       TEXT REFERENCES sources (id),
    tracking_number TEXT NOT NULL DEFAULT '',
    created_ms      INTEGER NOT NULL,
    modified_ms     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX account_activities_created ON account_activities (created_ms);

-- Audit events of the tenant (the `events` search index).
CREATE TABLE events (
    id              TEXT PRIMARY KEY NOT NULL,
    name            TEXT NOT NULL,  -- 'Create Account Passed'...
    action          TEXT NOT NULL,  -- 'create', 'AUTHENTICATION-103'...
    type            TEXT NOT NULL,  -- 'PROVISIONING', 'AUTH'...
    technical_name  TEXT NOT NULL,  -- 'ACCOUNT_CREATE_PASSED'...
    status          TEXT NOT NULL,  -- 'PASSED', 'FAILED'
    operation       TEXT NOT NULL DEFAULT '',
    stack           TEXT NOT NULL DEFAULT '',
    actor_name      TEXT NOT NULL DEFAULT '',
    target_name     TEXT NOT NULL DEFAULT '',
    source_id       TEXT REFERENCES sources (id),
    ip_address      TEXT NOT NULL DEFAULT '',
    tracking_number TEXT NOT NULL DEFAULT '',
    created_ms      INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX events_created ON events (created_ms);

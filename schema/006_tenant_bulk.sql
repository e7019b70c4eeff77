-- 006_tenant_bulk.sql: the tenant tables of 002_tenant.sql again, with the same
-- columns in the same order, shaped for bulk loading (server/store/gen.c):
--   * every uniqueness rule is a named UNIQUE index instead of a constraint
--     inside its table. The rule is the same, but an index can be dropped and
--     built again: the generator loads a large tenant without indexes and then
--     builds each one in a single sorted pass, where a constraint is kept up to
--     date row by row in random order (half the load time of a large tenant);
--   * the uncorrelated accounts by name are a partial index (only the
--     accounts whose identity_id is NULL, about 1 in 50) instead of an index
--     of every account by (identity_id, name). It keeps identity_id as its
--     first column so that the planner prefers it to accounts_identity for
--     "identity_id IS NULL ORDER BY name, id" (no sort per page).
-- The conventions of 002_tenant.sql hold. Existing rows are copied: the new
-- tables are made beside the old ones, filled, the old ones dropped (children
-- first) and the new ones renamed, which also renames their references.

PRAGMA defer_foreign_keys = ON;

CREATE TABLE sources_new (
    id            TEXT PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL,
    type          TEXT NOT NULL,            -- connector: 'Workday', 'Active Directory - Direct'...
    description   TEXT NOT NULL DEFAULT '',
    authoritative INTEGER NOT NULL DEFAULT 0 CHECK (authoritative IN (0, 1)),
    created_ms    INTEGER NOT NULL,
    modified_ms   INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE identity_profiles_new (
    id                      TEXT PRIMARY KEY NOT NULL,
    name                    TEXT NOT NULL,
    description             TEXT NOT NULL DEFAULT '',
    authoritative_source_id TEXT NOT NULL REFERENCES sources_new (id),
    priority                INTEGER NOT NULL DEFAULT 10,
    created_ms              INTEGER NOT NULL,
    modified_ms             INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE identities_new (
    id                  TEXT PRIMARY KEY NOT NULL,
    name                TEXT NOT NULL,   -- the username (uid), unique
    display_name        TEXT NOT NULL DEFAULT '',
    first_name          TEXT NOT NULL DEFAULT '',
    last_name           TEXT NOT NULL DEFAULT '',
    email               TEXT NOT NULL DEFAULT '',
    department          TEXT NOT NULL DEFAULT '',
    title               TEXT NOT NULL DEFAULT '',
    city                TEXT NOT NULL DEFAULT '',
    lifecycle_state     TEXT NOT NULL DEFAULT 'active', -- cloudLifecycleState
    manager_id          TEXT REFERENCES identities_new (id),
    identity_profile_id TEXT REFERENCES identity_profiles_new (id),
    correlated          INTEGER NOT NULL DEFAULT 1 CHECK (correlated IN (0, 1)),
    created_ms          INTEGER NOT NULL,
    modified_ms         INTEGER NOT NULL
) WITHOUT ROWID;

-- Errors raised while an identity profile processed an identity (one identity
-- may have several). IDENTITY_PROFILE_IDENTITY_ERROR reports these.
CREATE TABLE identity_errors_new (
    id                  TEXT PRIMARY KEY NOT NULL,
    identity_id         TEXT NOT NULL REFERENCES identities_new (id),
    identity_profile_id TEXT NOT NULL REFERENCES identity_profiles_new (id),
    message             TEXT NOT NULL,
    occurred_ms         INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE accounts_new (
    id              TEXT PRIMARY KEY NOT NULL,
    source_id       TEXT NOT NULL REFERENCES sources_new (id),
    native_identity TEXT NOT NULL,
    name            TEXT NOT NULL,
    display_name    TEXT NOT NULL DEFAULT '',
    identity_id     TEXT REFERENCES identities_new (id), -- NULL: uncorrelated
    disabled        INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    locked          INTEGER NOT NULL DEFAULT 0 CHECK (locked IN (0, 1)),
    created_ms      INTEGER NOT NULL,
    modified_ms     INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE entitlements_new (
    id           TEXT PRIMARY KEY NOT NULL,
    source_id    TEXT NOT NULL REFERENCES sources_new (id),
    name         TEXT NOT NULL,
    display_name TEXT NOT NULL DEFAULT '',
    description  TEXT NOT NULL DEFAULT '',
    attribute    TEXT NOT NULL,              -- e.g. memberOf
    value        TEXT NOT NULL,              -- e.g. the group DN
    privileged   INTEGER NOT NULL DEFAULT 0 CHECK (privileged IN (0, 1)),
    requestable  INTEGER NOT NULL DEFAULT 1 CHECK (requestable IN (0, 1)),
    created_ms   INTEGER NOT NULL,
    modified_ms  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE account_entitlements_new (
    account_id     TEXT NOT NULL REFERENCES accounts_new (id),
    entitlement_id TEXT NOT NULL REFERENCES entitlements_new (id),
    PRIMARY KEY (account_id, entitlement_id)
) WITHOUT ROWID;

CREATE TABLE access_profiles_new (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    source_id   TEXT NOT NULL REFERENCES sources_new (id),
    owner_id    TEXT REFERENCES identities_new (id),
    enabled     INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    requestable INTEGER NOT NULL DEFAULT 1 CHECK (requestable IN (0, 1)),
    created_ms  INTEGER NOT NULL,
    modified_ms INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE access_profile_entitlements_new (
    access_profile_id TEXT NOT NULL REFERENCES access_profiles_new (id),
    entitlement_id    TEXT NOT NULL REFERENCES entitlements_new (id),
    PRIMARY KEY (access_profile_id, entitlement_id)
) WITHOUT ROWID;

CREATE TABLE roles_new (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    owner_id    TEXT REFERENCES identities_new (id),
    enabled     INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    requestable INTEGER NOT NULL DEFAULT 1 CHECK (requestable IN (0, 1)),
    created_ms  INTEGER NOT NULL,
    modified_ms INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE role_access_profiles_new (
    role_id           TEXT NOT NULL REFERENCES roles_new (id),
    access_profile_id TEXT NOT NULL REFERENCES access_profiles_new (id),
    PRIMARY KEY (role_id, access_profile_id)
) WITHOUT ROWID;

-- Account activities (the `accountactivities` search index): provisioning work
-- done for an identity.
CREATE TABLE account_activities_new (
    id              TEXT PRIMARY KEY NOT NULL,
    action          TEXT NOT NULL,  -- 'Access Request', 'Identity Refresh'...
    stage           TEXT NOT NULL,  -- 'Completed', 'Pending'...
    status          TEXT NOT NULL,  -- 'Complete', 'Failed', 'Pending'...
    origin          TEXT NOT NULL DEFAULT '',
    requester_id    TEXT REFERENCES identities_new (id),
    recipient_id    TEXT REFERENCES identities_new (id),
    source_id       TEXT REFERENCES sources_new (id),
    tracking_number TEXT NOT NULL DEFAULT '',
    created_ms      INTEGER NOT NULL,
    modified_ms     INTEGER NOT NULL
) WITHOUT ROWID;

-- Audit events of the tenant (the `events` search index).
CREATE TABLE events_new (
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
    source_id       TEXT REFERENCES sources_new (id),
    ip_address      TEXT NOT NULL DEFAULT '',
    tracking_number TEXT NOT NULL DEFAULT '',
    created_ms      INTEGER NOT NULL
) WITHOUT ROWID;

-- The rows, parents first (references are checked at COMMIT).
INSERT INTO sources_new SELECT * FROM sources;
INSERT INTO identity_profiles_new SELECT * FROM identity_profiles;
INSERT INTO identities_new SELECT * FROM identities;
INSERT INTO identity_errors_new SELECT * FROM identity_errors;
INSERT INTO accounts_new SELECT * FROM accounts;
INSERT INTO entitlements_new SELECT * FROM entitlements;
INSERT INTO account_entitlements_new SELECT * FROM account_entitlements;
INSERT INTO access_profiles_new SELECT * FROM access_profiles;
INSERT INTO access_profile_entitlements_new SELECT * FROM access_profile_entitlements;
INSERT INTO roles_new SELECT * FROM roles;
INSERT INTO role_access_profiles_new SELECT * FROM role_access_profiles;
INSERT INTO account_activities_new SELECT * FROM account_activities;
INSERT INTO events_new SELECT * FROM events;

-- The old tables, children first.
DROP TABLE events;
DROP TABLE account_activities;
DROP TABLE role_access_profiles;
DROP TABLE roles;
DROP TABLE access_profile_entitlements;
DROP TABLE access_profiles;
DROP TABLE account_entitlements;
DROP TABLE entitlements;
DROP TABLE identity_errors;
DROP TABLE accounts;
DROP TABLE identities;
DROP TABLE identity_profiles;
DROP TABLE sources;

ALTER TABLE sources_new RENAME TO sources;
ALTER TABLE identity_profiles_new RENAME TO identity_profiles;
ALTER TABLE identities_new RENAME TO identities;
ALTER TABLE identity_errors_new RENAME TO identity_errors;
ALTER TABLE accounts_new RENAME TO accounts;
ALTER TABLE entitlements_new RENAME TO entitlements;
ALTER TABLE account_entitlements_new RENAME TO account_entitlements;
ALTER TABLE access_profiles_new RENAME TO access_profiles;
ALTER TABLE access_profile_entitlements_new RENAME TO access_profile_entitlements;
ALTER TABLE roles_new RENAME TO roles;
ALTER TABLE role_access_profiles_new RENAME TO role_access_profiles;
ALTER TABLE account_activities_new RENAME TO account_activities;
ALTER TABLE events_new RENAME TO events;

-- The indexes: the ones of 002_tenant.sql, the uniqueness rules, and the
-- partial index that replaces accounts_identity_name.
CREATE UNIQUE INDEX sources_name ON sources (name);
CREATE UNIQUE INDEX identity_profiles_name ON identity_profiles (name);
CREATE INDEX identity_profiles_source ON identity_profiles (authoritative_source_id);
CREATE UNIQUE INDEX identities_name ON identities (name);
CREATE INDEX identities_display_name ON identities (display_name);
CREATE INDEX identities_department ON identities (department);
CREATE INDEX identities_city ON identities (city);
CREATE INDEX identities_created ON identities (created_ms);
CREATE INDEX identities_manager ON identities (manager_id);
CREATE INDEX identities_profile ON identities (identity_profile_id);
CREATE INDEX identity_errors_identity ON identity_errors (identity_id);
CREATE INDEX identity_errors_occurred ON identity_errors (occurred_ms);
CREATE UNIQUE INDEX accounts_source_native ON accounts (source_id, native_identity);
CREATE INDEX accounts_source_name ON accounts (source_id, name);
CREATE INDEX accounts_identity ON accounts (identity_id, source_id);
CREATE INDEX accounts_uncorrelated ON accounts (identity_id, name) WHERE identity_id IS NULL;
CREATE UNIQUE INDEX entitlements_source_value ON entitlements (source_id, attribute, value);
CREATE INDEX entitlements_name ON entitlements (name);
CREATE INDEX account_entitlements_entitlement ON account_entitlements (entitlement_id);
CREATE UNIQUE INDEX access_profiles_name ON access_profiles (name);
CREATE UNIQUE INDEX roles_name ON roles (name);
CREATE INDEX account_activities_created ON account_activities (created_ms);
CREATE INDEX events_created ON events (created_ms);

-- 001_init.sql: the mock's own state: settings, API clients, issued tokens,
-- report tasks and audit events. Tenant data (what reports are computed from)
-- lives in 002_tenant.sql.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- API clients: who may ask /oauth/token for a token, and what the token carries.
CREATE TABLE clients (
    client_id    TEXT PRIMARY KEY,
    secret       TEXT NOT NULL,
    name         TEXT NOT NULL DEFAULT '',
    user_context INTEGER NOT NULL DEFAULT 0 CHECK (user_context IN (0, 1)),
    scopes       TEXT NOT NULL,
    user_level   TEXT NOT NULL DEFAULT '',
    user_name    TEXT NOT NULL DEFAULT '',
    identity_id  TEXT NOT NULL DEFAULT ''
);

-- Every token handed out (the JWT itself is not kept: it is verifiable).
CREATE TABLE tokens (
    jti        TEXT PRIMARY KEY,
    client_id  TEXT NOT NULL,
    issued_ms  INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL
);

-- Report tasks. A task runs until finish_at_ms (or until polls_left result
-- polls have been made), then ends with `outcome`; cancel ends it TERMINATED.
CREATE TABLE tasks (
    seq               INTEGER PRIMARY KEY AUTOINCREMENT,
    id                TEXT NOT NULL UNIQUE,
    report_type       TEXT NOT NULL,
    task_def_name     TEXT NOT NULL,
    description       TEXT NOT NULL,
    launcher          TEXT NOT NULL,
    client_id         TEXT NOT NULL,
    arguments         TEXT NOT NULL,
    created_ms        INTEGER NOT NULL,
    launched_ms       INTEGER NOT NULL,
    completed_ms      INTEGER,
    completion_status TEXT,
    finish_at_ms      INTEGER,
    polls_left        INTEGER,
    outcome           TEXT NOT NULL DEFAULT 'SUCCESS',
    outcome_messages  TEXT NOT NULL DEFAULT '[]',
    messages          TEXT NOT NULL DEFAULT '[]',
    rows              INTEGER,
    formats           TEXT NOT NULL DEFAULT 'CSV,PDF',
    progress          TEXT
);
CREATE INDEX tasks_running ON tasks (report_type, arguments) WHERE completed_ms IS NULL;

-- Audit events written by downloads with auditable=true.
CREATE TABLE audit_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms       INTEGER NOT NULL,
    client_id   TEXT NOT NULL,
    user_name   TEXT NOT NULL DEFAULT '',
    task_id     TEXT NOT NULL,
    report_type TEXT NOT NULL,
    file_format TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    tracking_id TEXT NOT NULL
);

-- 003_control.sql: what the control API under /mock/ configures and records:
-- report behaviours, the one-shot queue for the next tasks, injected faults
-- and the request journal. A reset empties these tables like every other
-- table but meta and schema_migrations.

-- How new reports run, per report type; report_type '*' is the default for
-- every type. NULL duration_ms and polls: the server's --report-duration.
CREATE TABLE report_behaviours (
    report_type TEXT PRIMARY KEY,
    duration_ms INTEGER CHECK (duration_ms IS NULL OR duration_ms >= 0),
    polls       INTEGER CHECK (polls IS NULL OR polls >= 0),
    outcome     TEXT NOT NULL DEFAULT 'SUCCESS'
                CHECK (outcome IN ('SUCCESS', 'WARNING', 'ERROR', 'TEMP_ERROR')),
    messages    TEXT, -- JSON array for TaskResultDetails.messages; NULL: per outcome
    updated_ms  INTEGER NOT NULL,
    CHECK (duration_ms IS NULL OR polls IS NULL)
);

-- One-shot plans, each for the next new task (of report_type, or of any type
-- when it is NULL), taken in id order.
CREATE TABLE report_queue (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    report_type TEXT,
    duration_ms INTEGER CHECK (duration_ms IS NULL OR duration_ms >= 0),
    polls       INTEGER CHECK (polls IS NULL OR polls >= 0),
    outcome     TEXT NOT NULL DEFAULT 'SUCCESS'
                CHECK (outcome IN ('SUCCESS', 'WARNING', 'ERROR', 'TEMP_ERROR')),
    messages    TEXT,
    created_ms  INTEGER NOT NULL,
    CHECK (duration_ms IS NULL OR polls IS NULL)
);

-- Injected faults, checked in id order for each call of `operation` ('*':
-- every operation). A fault applies to the next `remaining` calls, or to each
-- call with `probability`, drawn from a generator whose state (rng_state)
-- is saved after every draw, or (neither) to every call until removed.
CREATE TABLE faults (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    operation   TEXT NOT NULL,
    status      INTEGER, -- NULL: answer normally (after the delay)
    delay_ms    INTEGER NOT NULL DEFAULT 0 CHECK (delay_ms >= 0),
    drop_conn   INTEGER NOT NULL DEFAULT 0 CHECK (drop_conn IN (0, 1)),
    times       INTEGER CHECK (times IS NULL OR times > 0),
    remaining   INTEGER CHECK (remaining IS NULL OR remaining >= 0),
    probability REAL CHECK (probability IS NULL OR (probability >= 0 AND probability <= 1)),
    seed        INTEGER,
    rng_state   INTEGER,
    calls       INTEGER NOT NULL DEFAULT 0, -- calls that consulted this fault
    hits        INTEGER NOT NULL DEFAULT 0, -- calls it applied to
    created_ms  INTEGER NOT NULL,
    CHECK (times IS NULL OR probability IS NULL)
);

-- Every API request (not /mock/ ones), oldest rows dropped past the cap.
CREATE TABLE journal (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms       INTEGER NOT NULL,
    method      TEXT NOT NULL,
    path        TEXT NOT NULL,
    query       TEXT NOT NULL DEFAULT '',
    operation   TEXT,
    version     TEXT,
    client_id   TEXT,
    status      INTEGER NOT NULL,
    tracking_id TEXT NOT NULL DEFAULT '',
    duration_us INTEGER NOT NULL DEFAULT 0
);

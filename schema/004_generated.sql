-- 004_generated.sql: the record of a generated tenant (server/store/gen.c):
-- the size and seed it was made from. No row: the tenant came from fixtures.
-- A reset empties it with the tenant tables, so it never outlives its tenant.

CREATE TABLE tenant_generated (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    size INTEGER NOT NULL,
    seed INTEGER NOT NULL
);

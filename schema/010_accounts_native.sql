-- 010_accounts_native.sql: no index on accounts (source_id, native_identity).
-- It held one rule, that an account's native identity is unique within its
-- source, and served no query (the account reports read accounts_source_name,
-- accounts_identity and accounts_uncorrelated), yet it was the biggest index
-- of a generated tenant to build: about a tenth of the database and a
-- quarter of the index time. The generator makes native identities unique by
-- construction (tests/unit/test_gen.c checks), and loading fixtures checks the
-- rule once they are in (server/store/store.c), so a fixture that breaks it is
-- still refused with the source and the native identity it repeats.
DROP INDEX accounts_source_native;

-- bgreboot pgbench workload: the table pgbench-append.sql writes to. Idempotent: run it before
-- every workload (psql -v ON_ERROR_STOP=1 -f pgbench-init.sql).
-- One row per committed transaction, keyed by what the client knows before it commits: its run
-- (a number the driver gives each pgbench process: -D run=N), its client id (pgbench's
-- :client_id) and its own sequence number (-D seq=0, incremented once per transaction).
CREATE TABLE IF NOT EXISTS bgreboot_pgbench (
    run          bigint      NOT NULL,
    client       integer     NOT NULL,
    seq          bigint      NOT NULL,
    committed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (run, client, seq)
);

-- bgreboot pgbench workload: one row per transaction, keyed by a client-side sequence number.
--   pgbench -n -f pgbench-append.sql -D run=N -D seq=0 --log [-c C -j J -T S] ...
-- pgbench keeps each client's variables from one transaction to the next, so :seq counts this
-- client's transactions: 1, 2, 3... Every line of the --log (one per transaction pgbench saw
-- committed: "client_id transaction_no time script_no time_epoch time_us") names the row
-- (run N, client client_id, seq transaction_no + 1) that must be in the table after any number
-- of reboots. A transaction in flight when the server went away is not logged (and may or may
-- not be in the table: it was never acknowledged).
\set seq :seq + 1
INSERT INTO bgreboot_pgbench (run, client, seq) VALUES (:run, :client_id, :seq);

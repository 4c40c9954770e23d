-- visible.sql: bench-only; installed in the benchmark's private database
-- only, never by a migration.  Every change of an order's status sends
-- NOTIFY oh_bench_e2e with the order number.  PostgreSQL delivers a
-- notification only after the transaction that sent it has committed, so
-- its arrival on the load client's LISTEN connection is the moment the new
-- status became visible to every other session.
CREATE SCHEMA IF NOT EXISTS oh_bench;

CREATE OR REPLACE FUNCTION oh_bench.e2e_notify() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('oh_bench_e2e', NEW.order_number);
    RETURN NULL;
END;
$$;

DROP TRIGGER IF EXISTS oh_bench_e2e ON orderhooks.orders;
CREATE TRIGGER oh_bench_e2e
    AFTER UPDATE OF status ON orderhooks.orders
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION oh_bench.e2e_notify();

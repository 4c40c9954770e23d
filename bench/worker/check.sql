-- bench/worker/check.sql: after a drain, is the state the fill implies?
--
-- Prints the webhook states and order statuses, then one line
-- "CHECK ok ..." or "CHECK FAILED ..." (bench/worker/run greps it):
-- every webhook done, and every order of bench_worker.plan paid in full,
-- refunded by what its story refunds, with its expected final status and
-- one delivered shipment.

\set ON_ERROR_STOP 1
\pset footer off

SELECT state, count(*) AS webhooks
FROM orderhooks.webhook_events WHERE source <> 'bench-history'
GROUP BY state ORDER BY state;

SELECT status, count(*) AS orders
FROM orderhooks.orders WHERE order_number NOT LIKE 'BH-%'
GROUP BY status ORDER BY status;

\pset tuples_only on
\pset format unaligned
WITH ev AS (
    SELECT count(*) AS total,
           count(*) FILTER (WHERE state = 'done') AS done
    FROM orderhooks.webhook_events WHERE source <> 'bench-history'
), o AS (
    SELECT count(*) AS orders,
           count(*) FILTER (WHERE o.status IS DISTINCT FROM p.want_status)
               AS bad_status,
           count(*) FILTER (WHERE o.paid_minor IS DISTINCT FROM p.total
                              OR o.refunded_minor IS DISTINCT FROM p.refund)
               AS bad_amounts,
           count(*) FILTER (WHERE p.want_status = 'refunded') AS refunded,
           count(*) FILTER (WHERE p.story = 'partial') AS partial
    FROM bench_worker.plan p
    LEFT JOIN orderhooks.orders o ON o.order_number = p.num
), s AS (
    SELECT count(DISTINCT order_id) FILTER (WHERE s.status = 'delivered')
               AS delivered
    FROM orderhooks.shipments s
    JOIN orderhooks.orders o ON o.id = s.order_id
    WHERE o.order_number NOT LIKE 'BH-%'
), r AS (
    SELECT count(*) FILTER (WHERE c.status = 'matched') AS matched
    FROM orderhooks.payment_reconciliation c
    JOIN orderhooks.orders o ON o.id = c.order_id
    WHERE o.order_number NOT LIKE 'BH-%'
)
SELECT format('CHECK %s webhooks=%s done=%s orders=%s wrong_status=%s '
              'wrong_amounts=%s shipments_delivered=%s reconciled=%s '
              'refunded_full=%s refunded_partial=%s',
              CASE WHEN ev.total = 5 * o.orders AND ev.done = ev.total
                        AND o.bad_status = 0 AND o.bad_amounts = 0
                        AND s.delivered = o.orders AND r.matched = o.orders
                   THEN 'ok' ELSE 'FAILED' END,
              ev.total, ev.done, o.orders, o.bad_status, o.bad_amounts,
              s.delivered, r.matched, o.refunded, o.partial)
FROM ev, o, s, r;

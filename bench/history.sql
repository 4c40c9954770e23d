-- bench/history.sql: a shop's past, for the benchmarks.
--
-- psql -v history=N -f history.sql: N orders already delivered, with
-- their payment, reconciliation, shipment, three scans, status history
-- and settled webhooks (source 'bench-history'); run VACUUM ANALYZE
-- after.  A worker never runs against empty tables in production; timed
-- against empty ones it would run plans made for empty tables (cached
-- per session: its statements' and their foreign-key checks'), not the
-- plans a shop's database gets.
INSERT INTO orderhooks.orders (order_number, customer_email, customer_name,
        status, currency, total_minor, paid_minor, payment_provider,
        provider_payment_id, tracking_number, carrier, paid_at, shipped_at,
        delivered_at, created_at, updated_at)
SELECT 'BH-' || lpad(h::text, 7, '0'), 'past' || h || '@example.com',
       'Past ' || h, 'delivered', 'USD', 2999, 2999, 'stripe',
       'pi_past_' || h, 'TRKPAST' || h, 'DHL', t, t + interval '1 day',
       t + interval '3 days', t, t + interval '3 days'
FROM generate_series(1, :history) AS h,
     LATERAL (SELECT timestamptz '2025-06-01 00:00:00+00'
                     + h * interval '5 min' AS t) AS x;
INSERT INTO orderhooks.payments (order_id, provider, provider_payment_id,
        status, amount_minor, currency)
SELECT id, 'stripe', provider_payment_id, 'succeeded', 2999, 'USD'
FROM orderhooks.orders WHERE order_number LIKE 'BH-%';
INSERT INTO orderhooks.payment_reconciliation (order_id, payment_id,
        expected_minor, expected_currency, received_minor,
        received_currency, status)
SELECT order_id, id, 2999, 'USD', 2999, 'USD', 'matched'
FROM orderhooks.payments WHERE provider_payment_id LIKE 'pi_past_%';
INSERT INTO orderhooks.shipments (order_id, tracking_number, carrier,
        status, shipped_at, delivered_at)
SELECT id, tracking_number, 'DHL', 'delivered', shipped_at, delivered_at
FROM orderhooks.orders WHERE order_number LIKE 'BH-%';
INSERT INTO orderhooks.tracking_events (shipment_id, status_code,
        location, occurred_at)
SELECT s.id, c, 'Hub ' || k, s.shipped_at + k * interval '1 day'
FROM orderhooks.shipments s,
     unnest(ARRAY['picked_up', 'in_transit', 'delivered'])
         WITH ORDINALITY AS u (c, k);
INSERT INTO orderhooks.order_status_history (order_id, from_status,
        to_status, applied, reason, changed_at)
SELECT o.id, f, t, true, r, o.created_at
FROM orderhooks.orders o,
     (VALUES ('pending_payment', 'paid', 'payment_intent.succeeded'),
             ('paid', 'shipped', 'tracking'),
             ('shipped', 'delivered', 'tracking')) AS v (f, t, r)
WHERE o.order_number LIKE 'BH-%';
INSERT INTO orderhooks.webhook_events (source, provider, event_id,
        event_type, received_at, body, body_size, state, attempts,
        processed_at)
SELECT 'bench-history', 'stripe', 'evt_past_' || h || '_' || k,
       'payment_intent.succeeded', timestamptz '2025-06-01 00:00:00+00'
       + h * interval '5 min', b, octet_length(b), 'done', 1,
       timestamptz '2025-06-01 00:00:01+00' + h * interval '5 min'
FROM generate_series(1, :history) AS h, generate_series(1, 5) AS k,
     LATERAL (SELECT convert_to(format('{"id":"evt_past_%s_%s"}', h, k),
                                'UTF8') AS b) AS x;


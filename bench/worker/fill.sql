-- bench/worker/fill.sql: the worker benchmark's fill, set-based.
--
-- psql -v orders=20000 -f fill.sql: empties the order domain, creates
-- :orders orders and 5 × :orders pending webhooks in
-- orderhooks.webhook_events (raw bodies as the providers send them, in
-- arrival order), and records in bench_worker.plan what each order must
-- look like once every webhook is applied (check.sql compares).
--
-- Order i: placed at 2026-01-05 08:00 UTC + i × 30 s.
--   payment channel (i % 5): 0,1 Stripe PaymentIntent; 2 Stripe Checkout;
--     3,4 Razorpay (INR).  Stripe currencies USD EUR GBP JPY AUD CAD.
--   story ((i / 5) % 20):
--     0,1   fail    card declined / UPI failure, then paid, shipped,
--                   in transit, delivered
--     2,3   refund  paid, shipped, in transit, delivered, full refund
--     4     partial paid, shipped, in transit, delivered, 25 % refunded
--     else  plain   paid, shipped, in transit, out for delivery, delivered
--   tracking: Razorpay orders ship through Shiprocket, Stripe orders send
--     the generic tracking JSON (cumulative scan lists, like the carriers).
-- Every story is 5 webhooks; they arrive ordered by event time (payment
-- minutes after the order, shipping days later), so the queue interleaves
-- the orders like a real shop's.

\set ON_ERROR_STOP 1
SET client_min_messages = warning;

TRUNCATE orderhooks.webhook_events, orderhooks.orders RESTART IDENTITY CASCADE;
DROP SCHEMA IF EXISTS bench_worker CASCADE;
CREATE SCHEMA bench_worker;

CREATE TABLE bench_worker.plan AS
SELECT i,
       'BW-' || lpad(i::text, 7, '0') AS num,
       ch, story, cur,
       CASE cur WHEN 'JPY' THEN p * 100
                WHEN 'INR' THEN p * 10000 - 100
                ELSE p * 100 - 1 END AS total,
       timestamptz '2026-01-05 08:00:00+00' + i * interval '30 s' AS placed,
       substr(md5('bw' || i), 1, 14) AS h
FROM (SELECT i,
             CASE i % 5 WHEN 0 THEN 'pi' WHEN 1 THEN 'pi' WHEN 2 THEN 'cs'
                        ELSE 'rzp' END AS ch,
             CASE WHEN (i / 5) % 20 < 2 THEN 'fail'
                  WHEN (i / 5) % 20 < 4 THEN 'refund'
                  WHEN (i / 5) % 20 = 4 THEN 'partial'
                  ELSE 'plain' END AS story,
             CASE WHEN i % 5 >= 3 THEN 'INR'
                  ELSE (ARRAY['USD', 'EUR', 'GBP', 'USD', 'EUR', 'JPY',
                              'AUD', 'CAD'])[1 + (i * 7) % 8] END AS cur,
             10 + (i * 7919) % 480 AS p
      FROM generate_series(1, :orders) AS i) AS g;

ALTER TABLE bench_worker.plan
    ADD COLUMN refund bigint, ADD COLUMN want_status text;
UPDATE bench_worker.plan
   SET refund = CASE story WHEN 'refund' THEN total
                           WHEN 'partial' THEN total / 4 ELSE 0 END,
       want_status = CASE story WHEN 'refund' THEN 'refunded'
                                ELSE 'delivered' END;

-- The shop's past (bench/history.sql): :history delivered orders with
-- their rows, so the worker is not timed against empty tables.
\if :{?history}
\else
SELECT 2 * :orders AS history \gset
\endif
\ir ../history.sql

INSERT INTO orderhooks.orders (order_number, customer_email, customer_name,
                               currency, total_minor, created_at, updated_at)
SELECT num, 'customer' || i || '@example.com', 'Customer ' || i, cur, total,
       placed, placed
FROM bench_worker.plan ORDER BY i;

-- Envelopes ----------------------------------------------------------------

CREATE FUNCTION bench_worker.stripe(evt text, typ text, at timestamptz,
    obj json) RETURNS json LANGUAGE sql IMMUTABLE AS $$
    SELECT json_build_object(
        'id', evt, 'object', 'event', 'api_version', '2024-06-20',
        'created', extract(epoch FROM at)::bigint,
        'data', json_build_object('object', obj),
        'livemode', false, 'pending_webhooks', 1,
        'request', json_build_object('id', 'req_' || substr(evt, 5, 14),
                                     'idempotency_key', md5(evt)::uuid),
        'type', typ)
$$;

CREATE FUNCTION bench_worker.razorpay(ev text, contains text[],
    at timestamptz, payload json) RETURNS json LANGUAGE sql IMMUTABLE AS $$
    SELECT json_build_object(
        'entity', 'event', 'account_id', 'acc_BenchShop0001',
        'event', ev, 'contains', contains, 'payload', payload,
        'created_at', extract(epoch FROM at)::bigint)
$$;

CREATE FUNCTION bench_worker.rzp_payment(p bench_worker.plan, pay text,
    status text, at timestamptz) RETURNS json LANGUAGE sql IMMUTABLE AS $$
    SELECT json_build_object('entity', json_build_object(
        'id', pay, 'entity', 'payment', 'amount', p.total,
        'currency', 'INR', 'status', status, 'order_id', 'order_' || p.h,
        'invoice_id', null, 'international', false,
        'method', CASE WHEN p.i % 3 = 0 THEN 'card' ELSE 'upi' END,
        'amount_refunded', 0, 'refund_status', null,
        'captured', status = 'captured', 'description', 'Order ' || p.num,
        'email', 'customer' || p.i || '@example.com',
        'contact', '+9198' || lpad((p.i * 7919 % 100000000)::text, 8, '0'),
        'notes', json_build_object('order_number', p.num),
        'fee', CASE status WHEN 'captured' THEN p.total * 2 / 100 END,
        'tax', CASE status WHEN 'captured' THEN p.total * 36 / 10000 END,
        'error_code', CASE status WHEN 'failed' THEN 'BAD_REQUEST_ERROR' END,
        'error_description', CASE status WHEN 'failed'
            THEN 'Payment failed because of an incorrect UPI PIN' END,
        'acquirer_data', json_build_object('rrn', '4' || p.h),
        'created_at', extract(epoch FROM at)::bigint))
$$;

CREATE FUNCTION bench_worker.payment_intent(p bench_worker.plan,
    status text) RETURNS json LANGUAGE sql IMMUTABLE AS $$
    SELECT json_build_object(
        'id', 'pi_3Bw' || p.h || 'Xq', 'object', 'payment_intent',
        'amount', p.total,
        'amount_received', CASE status WHEN 'succeeded' THEN p.total ELSE 0 END,
        'capture_method', 'automatic_async', 'currency', lower(p.cur),
        'customer', 'cus_Bw' || p.h,
        'description', 'Order ' || p.num,
        'last_payment_error', CASE status WHEN 'succeeded' THEN null
            ELSE json_build_object('code', 'card_declined',
                'decline_code', 'insufficient_funds',
                'message', 'Your card has insufficient funds.',
                'type', 'card_error') END,
        'latest_charge', 'ch_3Bw' || p.h || 'Xq',
        'livemode', false,
        'metadata', json_build_object('order_number', p.num),
        'payment_method', 'pm_1Bw' || p.h,
        'payment_method_types', json_build_array('card'),
        'receipt_email', 'customer' || p.i || '@example.com',
        'status', status)
$$;

-- Tracking bodies: the scans so far (k of them) ------------------------------

CREATE FUNCTION bench_worker.generic_tracking(p bench_worker.plan, k int,
    delivered boolean) RETURNS json LANGUAGE sql IMMUTABLE AS $$
    SELECT json_build_object(
        'order_number', p.num,
        'tracking_number', 'ZX' || upper(p.h),
        'carrier', (ARRAY['DHL Express', 'UPS', 'FedEx', 'Royal Mail'])[1 + p.i % 4],
        'tracking_url', 'https://track.example.com/ZX' || upper(p.h),
        'shipped_at', to_char((p.placed + interval '1 day') AT TIME ZONE 'UTC',
                              'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
        'delivered_at', CASE WHEN delivered THEN
            to_char((p.placed + interval '3 day 5 hour') AT TIME ZONE 'UTC',
                    'YYYY-MM-DD"T"HH24:MI:SS"Z"') END,
        'events', (SELECT json_agg(json_build_object(
                'status_code', s.code, 'status_label', s.label,
                'description', s.descr, 'location', s.loc,
                'occurred_at', to_char((p.placed + s.off) AT TIME ZONE 'UTC',
                                       'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
                ORDER BY s.n)
            FROM (VALUES
                (1, 'picked_up', 'Picked up', 'Shipment picked up', 'Leipzig', interval '1 day'),
                (2, 'in_transit', 'In transit', 'Departed facility', 'Cologne', interval '1 day 12 hour'),
                (3, 'out_for_delivery', 'Out for delivery', 'With courier', 'Berlin', interval '3 day'),
                (4, 'delivered', 'Delivered', 'Delivered to recipient', 'Berlin', interval '3 day 5 hour'))
                AS s(n, code, label, descr, loc, off)
            WHERE s.n <= k))
$$;

CREATE FUNCTION bench_worker.shiprocket(p bench_worker.plan, k int)
    RETURNS json LANGUAGE sql IMMUTABLE AS $$
    WITH s(n, label, sr, act, loc, off) AS (VALUES
        (0, 'MANIFEST GENERATED', 5, 'Manifested - Manifest uploaded', 'Chomu_SamodRd_D (Rajasthan)', interval '20 hour'),
        (1, 'PICKED UP', 42, 'Picked Up - Shipment picked up', 'Jaipur_Sanganer (Rajasthan)', interval '1 day'),
        (2, 'IN TRANSIT', 18, 'In Transit - Bag added to trip', 'Gurgaon_Bilaspur_HB (Haryana)', interval '1 day 12 hour'),
        (3, 'OUT FOR DELIVERY', 17, 'Dispatched - Out for delivery', 'Mumbai_Andheri_DC (Maharashtra)', interval '3 day'),
        (4, 'DELIVERED', 7, 'Delivered - Delivered to consignee', 'Mumbai_Andheri_DC (Maharashtra)', interval '3 day 5 hour')),
    cur AS (SELECT * FROM s WHERE s.n = k)
    SELECT json_build_object(
        'awb', (19041000000000 + p.i)::text,
        'courier_name', 'Delhivery Surface',
        'current_status', cur.label, 'current_status_id', cur.sr,
        'shipment_status', cur.label, 'shipment_status_id', cur.sr,
        'current_timestamp', to_char((p.placed + cur.off) AT TIME ZONE 'Asia/Kolkata',
                                     'DD MM YYYY HH24:MI:SS'),
        'order_id', p.num, 'sr_order_id', 348000000 + p.i,
        'awb_assigned_date', to_char((p.placed + interval '19 hour') AT TIME ZONE 'Asia/Kolkata',
                                     'YYYY-MM-DD HH24:MI:SS'),
        'pickup_scheduled_date', to_char((p.placed + interval '20 hour') AT TIME ZONE 'Asia/Kolkata',
                                         'YYYY-MM-DD HH24:MI:SS'),
        'etd', to_char((p.placed + interval '4 day') AT TIME ZONE 'Asia/Kolkata',
                       'YYYY-MM-DD HH24:MI:SS'),
        'scans', (SELECT json_agg(json_build_object(
                'date', to_char((p.placed + s.off) AT TIME ZONE 'Asia/Kolkata',
                                'YYYY-MM-DD HH24:MI:SS'),
                'status', 'X-' || s.sr, 'activity', s.act, 'location', s.loc,
                'sr-status', s.sr::text, 'sr-status-label', s.label)
                ORDER BY s.n)
            FROM s WHERE s.n <= k),
        'is_return', 0, 'channel_id', 3422553,
        'pod_status', '', 'pod', 'Not Available')
    FROM cur
$$;

-- The webhooks -----------------------------------------------------------------

CREATE TABLE bench_worker.ev AS
-- payment failure before the payment
SELECT p.placed + interval '1 min' AS at, p.i, 0 AS slot,
       CASE p.ch WHEN 'rzp' THEN 'razorpay' ELSE 'stripe' END AS provider,
       CASE p.ch WHEN 'rzp'
            THEN bench_worker.razorpay('payment.failed', ARRAY['payment'],
                     p.placed + interval '1 min', json_build_object('payment',
                     bench_worker.rzp_payment(p, 'pay_Bw' || p.h || 'F', 'failed',
                                              p.placed + interval '1 min')))
            ELSE bench_worker.stripe('evt_3Bw' || p.h || 'F0',
                     'payment_intent.payment_failed', p.placed + interval '1 min',
                     bench_worker.payment_intent(p, 'requires_payment_method'))
       END AS body
FROM bench_worker.plan p WHERE p.story = 'fail'
UNION ALL
-- the payment
SELECT p.placed + interval '2 min', p.i, 1,
       CASE p.ch WHEN 'rzp' THEN 'razorpay' ELSE 'stripe' END,
       CASE p.ch
       WHEN 'rzp' THEN bench_worker.razorpay('payment.captured', ARRAY['payment'],
                     p.placed + interval '2 min', json_build_object('payment',
                     bench_worker.rzp_payment(p, 'pay_Bw' || p.h, 'captured',
                                              p.placed + interval '2 min')))
       WHEN 'pi' THEN bench_worker.stripe('evt_3Bw' || p.h || 'P1',
                     'payment_intent.succeeded', p.placed + interval '2 min',
                     bench_worker.payment_intent(p, 'succeeded'))
       ELSE bench_worker.stripe('evt_1Bw' || p.h || 'C1',
                     'checkout.session.completed', p.placed + interval '2 min',
                     json_build_object(
                        'id', 'cs_live_b1Bw' || p.h, 'object', 'checkout.session',
                        'amount_subtotal', p.total, 'amount_total', p.total,
                        'client_reference_id', p.num, 'currency', lower(p.cur),
                        'customer', 'cus_Bw' || p.h,
                        'customer_details', json_build_object(
                            'email', 'customer' || p.i || '@example.com',
                            'name', 'Customer ' || p.i),
                        'livemode', false,
                        'metadata', json_build_object('order_number', p.num),
                        'mode', 'payment',
                        'payment_intent', 'pi_3Bw' || p.h || 'Xq',
                        'payment_method_types', json_build_array('card'),
                        'payment_status', 'paid', 'status', 'complete',
                        'success_url', 'https://shop.example.com/thanks',
                        'url', null))
       END
FROM bench_worker.plan p
UNION ALL
-- tracking: picked up (k=1), in transit (2), out for delivery (3, plain
-- story only), delivered (4)
SELECT p.placed + CASE t.k WHEN 1 THEN interval '1 day 10 min'
                           WHEN 2 THEN interval '1 day 12 hour 10 min'
                           WHEN 3 THEN interval '3 day 10 min'
                           ELSE interval '3 day 5 hour 10 min' END,
       p.i, 1 + t.k,
       CASE p.ch WHEN 'rzp' THEN 'shiprocket' ELSE 'generic' END,
       CASE p.ch WHEN 'rzp' THEN bench_worker.shiprocket(p, t.k)
            ELSE bench_worker.generic_tracking(p, t.k, t.k = 4) END
FROM bench_worker.plan p
CROSS JOIN (VALUES (1), (2), (3), (4)) AS t(k)
WHERE t.k <> 3 OR p.story = 'plain'
UNION ALL
-- refunds, full or partial, days after delivery
SELECT p.placed + interval '6 day', p.i, 6,
       CASE p.ch WHEN 'rzp' THEN 'razorpay' ELSE 'stripe' END,
       CASE p.ch
       WHEN 'rzp' THEN bench_worker.razorpay('refund.processed',
                     ARRAY['refund', 'payment'], p.placed + interval '6 day',
                     json_build_object(
                        'refund', json_build_object('entity', json_build_object(
                            'id', 'rfnd_Bw' || p.h, 'entity', 'refund',
                            'amount', p.refund, 'currency', 'INR',
                            'payment_id', 'pay_Bw' || p.h, 'notes', json_build_array(),
                            'receipt', null, 'acquirer_data',
                            json_build_object('arn', '7' || p.h),
                            'status', 'processed', 'speed_processed', 'normal',
                            'speed_requested', 'normal',
                            'created_at', extract(epoch FROM p.placed + interval '6 day')::bigint)),
                        'payment', bench_worker.rzp_payment(p, 'pay_Bw' || p.h,
                            'captured', p.placed + interval '2 min')))
       ELSE bench_worker.stripe('evt_3Bw' || p.h || 'R1', 'charge.refunded',
                     p.placed + interval '6 day', json_build_object(
                        'id', 'ch_3Bw' || p.h || 'Xq', 'object', 'charge',
                        'amount', p.total, 'amount_captured', p.total,
                        'amount_refunded', p.refund, 'captured', true,
                        'currency', lower(p.cur), 'customer', 'cus_Bw' || p.h,
                        'livemode', false,
                        'metadata', json_build_object('order_number', p.num),
                        'paid', true, 'payment_intent', 'pi_3Bw' || p.h || 'Xq',
                        'receipt_email', 'customer' || p.i || '@example.com',
                        'refunded', p.refund = p.total, 'status', 'succeeded'))
       END
FROM bench_worker.plan p WHERE p.story IN ('refund', 'partial');

-- As the intake records them: event id from the body (Stripe), the
-- X-Razorpay-Event-Id header, or the body's SHA-256 (Shiprocket, generic
-- tracking); event type from the body.
INSERT INTO orderhooks.webhook_events
    (source, provider, event_id, event_type, remote_addr, headers, body,
     body_size)
SELECT provider, provider,
       CASE provider
       WHEN 'stripe' THEN body ->> 'id'
       WHEN 'razorpay' THEN 'Bw' || substr(md5(i || '/' || slot), 1, 12)
       ELSE 'sha256:' || encode(sha256(b), 'hex') END,
       CASE provider
       WHEN 'stripe' THEN body ->> 'type'
       WHEN 'razorpay' THEN body ->> 'event'
       ELSE 'tracking' END,
       '203.0.113.10',
       json_build_object('content-type', 'application/json',
           'user-agent', CASE provider
               WHEN 'stripe' THEN 'Stripe/1.0 (+https://stripe.com/docs/webhooks)'
               WHEN 'razorpay' THEN 'Razorpay-Webhook/v1'
               WHEN 'shiprocket' THEN 'Shiprocket-Webhook'
               ELSE 'ShopTracking/2.1' END)::jsonb,
       b, octet_length(b)
FROM (SELECT e.*, convert_to(e.body::text, 'UTF8') AS b
      FROM bench_worker.ev e) AS x
ORDER BY at, i, slot;

DROP TABLE bench_worker.ev;

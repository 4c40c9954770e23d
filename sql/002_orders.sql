-- 002: the order domain the worker maintains from recorded webhooks.
--
-- Amounts are integers in the currency's minor unit (cents, paise; yen
-- have none; BHD/KWD/JOD/OMR/TND have three decimals).  Currencies are
-- ISO 4217 upper case.  webhook_event_id columns name the intake row that
-- caused a change; they are plain bigints, not foreign keys, so pruning
-- old webhook_events never touches the order domain.

-- Orders: created by the shop's checkout (see docs/schema.md).
CREATE TABLE orderhooks.orders (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_number         text        NOT NULL,
    customer_email       text,
    status               text        NOT NULL DEFAULT 'pending_payment',
    currency             text        NOT NULL,
    total_minor          bigint      NOT NULL,
    paid_minor           bigint      NOT NULL DEFAULT 0,
    refunded_minor       bigint      NOT NULL DEFAULT 0,
    payment_provider     text,
    provider_payment_id  text,       -- payment intent / Razorpay payment / Stitch payment request
    provider_order_id    text,       -- checkout session / Razorpay order id
    tracking_number      text,
    carrier              text,
    tracking_url         text,
    paid_at              timestamptz,
    shipped_at           timestamptz,
    delivered_at         timestamptz,
    cancelled_at         timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT orders_order_number_key UNIQUE (order_number),
    CONSTRAINT orders_status_check CHECK (status IN
        ('pending_payment', 'paid', 'payment_mismatch', 'in_production',
         'shipped', 'delivered', 'cancelled', 'returned', 'refunded')),
    CONSTRAINT orders_currency_check CHECK (currency ~ '^[A-Z]{3}$'),
    CONSTRAINT orders_amounts_check CHECK
        (total_minor >= 0 AND paid_minor >= 0 AND refunded_minor >= 0)
);

-- Lookups by the provider's own references when a webhook lacks ours.
CREATE INDEX orders_provider_payment_id_idx
    ON orderhooks.orders (provider_payment_id)
    WHERE provider_payment_id IS NOT NULL;
CREATE INDEX orders_provider_order_id_idx
    ON orderhooks.orders (provider_order_id)
    WHERE provider_order_id IS NOT NULL;

-- One row per provider payment; later events for it update the row.
CREATE TABLE orderhooks.payments (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id             bigint      NOT NULL
                         REFERENCES orderhooks.orders (id),
    provider             text        NOT NULL,
    provider_payment_id  text        NOT NULL,
    status               text        NOT NULL,
    amount_minor         bigint      NOT NULL,
    currency             text        NOT NULL,
    webhook_event_id     bigint,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT payments_provider_payment_id_key
        UNIQUE (provider, provider_payment_id),
    CONSTRAINT payments_status_check CHECK (status IN
        ('pending', 'authorized', 'succeeded', 'failed')),
    CONSTRAINT payments_currency_check CHECK (currency ~ '^[A-Z]{3}$'),
    CONSTRAINT payments_amount_check CHECK (amount_minor >= 0)
);

CREATE INDEX payments_order_id_idx ON orderhooks.payments (order_id);

-- Expected vs received for each successful payment.
CREATE TABLE orderhooks.payment_reconciliation (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id             bigint      NOT NULL
                         REFERENCES orderhooks.orders (id),
    payment_id           bigint      NOT NULL
                         REFERENCES orderhooks.payments (id),
    expected_minor       bigint      NOT NULL,
    expected_currency    text        NOT NULL,
    received_minor       bigint      NOT NULL,
    received_currency    text        NOT NULL,
    status               text        NOT NULL,
    notes                text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    resolved_at          timestamptz,
    resolved_by          text,
    CONSTRAINT payment_reconciliation_payment_id_key UNIQUE (payment_id),
    CONSTRAINT payment_reconciliation_status_check CHECK (status IN
        ('matched', 'mismatch', 'resolved')),
    CONSTRAINT payment_reconciliation_resolved_check CHECK
        ((status = 'resolved') = (resolved_at IS NOT NULL))
);

CREATE INDEX payment_reconciliation_order_id_idx
    ON orderhooks.payment_reconciliation (order_id);
CREATE INDEX payment_reconciliation_open_idx
    ON orderhooks.payment_reconciliation (created_at)
    WHERE status = 'mismatch';

-- One row per provider refund id.
CREATE TABLE orderhooks.refunds (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id             bigint      NOT NULL
                         REFERENCES orderhooks.orders (id),
    provider             text        NOT NULL,
    provider_refund_id   text        NOT NULL,
    provider_payment_id  text,
    status               text        NOT NULL,
    amount_minor         bigint      NOT NULL,
    currency             text        NOT NULL,
    webhook_event_id     bigint,
    processed_at         timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT refunds_provider_refund_id_key
        UNIQUE (provider, provider_refund_id),
    CONSTRAINT refunds_status_check CHECK (status IN
        ('pending', 'processed', 'failed')),
    CONSTRAINT refunds_currency_check CHECK (currency ~ '^[A-Z]{3}$'),
    CONSTRAINT refunds_amount_check CHECK (amount_minor >= 0)
);

CREATE INDEX refunds_order_id_idx ON orderhooks.refunds (order_id);

-- A shipment per order, or per order item when the sender says so.
CREATE TABLE orderhooks.shipments (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id             bigint      NOT NULL
                         REFERENCES orderhooks.orders (id),
    order_item_id        text,
    tracking_number      text        NOT NULL,
    carrier              text,
    tracking_url         text,
    status               text        NOT NULL,
    is_return            boolean     NOT NULL DEFAULT false,
    shipped_at           timestamptz,
    delivered_at         timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT shipments_order_item_tracking_key UNIQUE NULLS NOT DISTINCT
        (order_id, order_item_id, tracking_number)
);

CREATE INDEX shipments_tracking_number_idx
    ON orderhooks.shipments (tracking_number);

-- Carrier scans; a repeated scan is stored once.
CREATE TABLE orderhooks.tracking_events (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shipment_id          bigint      NOT NULL
                         REFERENCES orderhooks.shipments (id),
    status_code          text        NOT NULL,
    status_label         text,
    description          text,
    location             text,
    occurred_at          timestamptz NOT NULL,
    webhook_event_id     bigint,
    created_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tracking_events_once_key UNIQUE NULLS NOT DISTINCT
        (shipment_id, occurred_at, status_code, location, description)
);

-- Every status change, and every refused (late / out-of-order) one.
CREATE TABLE orderhooks.order_status_history (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id             bigint      NOT NULL
                         REFERENCES orderhooks.orders (id),
    from_status          text,
    to_status            text        NOT NULL,
    applied              boolean     NOT NULL,
    reason               text        NOT NULL,
    webhook_event_id     bigint,
    changed_by           text        NOT NULL DEFAULT 'worker',
    changed_at           timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX order_status_history_order_id_idx
    ON orderhooks.order_status_history (order_id, id);

-- Wake the workers: one NOTIFY per INSERT statement (a multi-row insert
-- sends one), delivered when the inserting transaction commits.
CREATE FUNCTION orderhooks.webhook_events_notify() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('orderhooks_webhook_events', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER webhook_events_notify
    AFTER INSERT ON orderhooks.webhook_events
    FOR EACH STATEMENT EXECUTE FUNCTION orderhooks.webhook_events_notify();

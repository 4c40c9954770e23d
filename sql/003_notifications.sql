-- 003: customer notifications (an outbox the worker fills and delivers).
--
-- The worker inserts a row in the same transaction that moves an order
-- (paid, shipped, delivered, refunded), rendered from the templates, and
-- delivers it later over SMTP without holding a transaction open.  See
-- docs/notifications.md.

-- The customer's name, for the {{customer_name}} placeholder; optional.
ALTER TABLE orderhooks.orders ADD COLUMN customer_name text;

CREATE TABLE orderhooks.notifications (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id             bigint      NOT NULL
                         REFERENCES orderhooks.orders (id),
    kind                 text        NOT NULL,
    -- the shipment's tracking number for shipped / delivered, else ''
    shipment_key         text        NOT NULL DEFAULT '',
    recipient            text        NOT NULL,
    subject              text        NOT NULL,
    body_text            text        NOT NULL,
    body_html            text,
    message_id           text        NOT NULL,
    state                text        NOT NULL DEFAULT 'pending',
    attempts             integer     NOT NULL DEFAULT 0,
    next_attempt_at      timestamptz NOT NULL DEFAULT now(),
    sending_until        timestamptz,
    sent_at              timestamptz,
    last_error           text,
    webhook_event_id     bigint,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT notifications_once_key UNIQUE (order_id, kind, shipment_key),
    CONSTRAINT notifications_message_id_key UNIQUE (message_id),
    CONSTRAINT notifications_kind_check CHECK (kind IN
        ('order_confirmation', 'shipped', 'delivered', 'refund_issued')),
    CONSTRAINT notifications_state_check CHECK (state IN
        ('pending', 'sending', 'retry', 'sent', 'failed')),
    CONSTRAINT notifications_lease_check CHECK
        ((state = 'sending') = (sending_until IS NOT NULL))
);

-- Delivery claims: due rows, and rows whose sender's lease ran out.
CREATE INDEX notifications_due_idx
    ON orderhooks.notifications (next_attempt_at, id)
    WHERE state IN ('pending', 'retry');
CREATE INDEX notifications_lease_idx
    ON orderhooks.notifications (sending_until)
    WHERE state = 'sending';
CREATE INDEX notifications_state_idx
    ON orderhooks.notifications (state, id);

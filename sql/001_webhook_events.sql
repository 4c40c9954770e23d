-- 001: the intake table: one row per webhook the nginx module received.
CREATE SCHEMA IF NOT EXISTS orderhooks;

CREATE TABLE orderhooks.webhook_events (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source           text        NOT NULL,
    provider         text        NOT NULL,
    event_id         text,
    event_type       text,
    received_at      timestamptz NOT NULL DEFAULT now(),
    remote_addr      inet,
    headers          jsonb       NOT NULL DEFAULT '{}',
    body             bytea       NOT NULL,
    body_size        integer     NOT NULL,
    state            text        NOT NULL DEFAULT 'pending',
    attempts         integer     NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    processed_at     timestamptz,
    last_error       text,
    reject_reason    text,
    CONSTRAINT webhook_events_state_check CHECK (state IN
        ('pending', 'retry', 'done', 'ignored', 'dead', 'rejected')),
    -- Only a verified event must carry an id; a rejected attempt may not.
    CONSTRAINT webhook_events_event_id_check
        CHECK (event_id IS NOT NULL OR state = 'rejected'),
    CONSTRAINT webhook_events_reject_reason_check
        CHECK ((state = 'rejected') = (reject_reason IS NOT NULL))
);

-- Idempotency key.  Rejected attempts are left out so a forged request
-- carrying a genuine event id can never make the genuine delivery count
-- as a duplicate.
CREATE UNIQUE INDEX webhook_events_source_event_id_key
    ON orderhooks.webhook_events (source, event_id)
    WHERE state <> 'rejected';

-- What the worker claims: due rows only, in arrival order.
CREATE INDEX webhook_events_claim_idx
    ON orderhooks.webhook_events (next_attempt_at, id)
    WHERE state IN ('pending', 'retry');

CREATE INDEX webhook_events_received_at_idx
    ON orderhooks.webhook_events (received_at);

-- 004: the nginx module wakes the workers itself, after its commits.
--
-- A NOTIFY takes a database-wide lock from its transaction's commit until
-- that commit is flushed, so with the insert trigger every intake commit
-- waited for the one before it.  The module's connections now set
-- orderhooks.notify = 'off' and send one pg_notify() after their commits
-- instead (at most one outstanding per nginx worker process).  Every other
-- writer (scripts, tests, another intake) still wakes the workers through
-- this trigger.
CREATE OR REPLACE FUNCTION orderhooks.webhook_events_notify() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('orderhooks.notify', true), '') <> 'off' THEN
        PERFORM pg_notify('orderhooks_webhook_events', '');
    END IF;
    RETURN NULL;
END;
$$;

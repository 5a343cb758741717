-- Waiting labels indexed by their next attempt: a retry tick reads the labels that are due, not
-- the whole backlog, and each label is retried less often the longer it waits (the interval
-- doubles from joiner.retry_interval up to an hour), so a week of labels waiting for late
-- predictions costs a few lookups per label per hour, not one per label per minute.

-- migrate:up

-- attempts: lookups so far. next_attempt: when the next one is due (rows written before this
-- migration are due at once). A retried label still waiting is written again with seq =
-- attempts (up to 254), and its final state with seq 255, which outranks every waiting row.
ALTER TABLE {db:Identifier}.pending_labels
    ADD COLUMN IF NOT EXISTS attempts UInt16 DEFAULT 0,
    ADD COLUMN IF NOT EXISTS next_attempt DateTime64(3, 'UTC') DEFAULT arrived_at,
    ADD INDEX IF NOT EXISTS next_attempt_minmax next_attempt TYPE minmax GRANULARITY 1;

-- migrate:down

ALTER TABLE {db:Identifier}.pending_labels DROP INDEX IF EXISTS next_attempt_minmax,
    DROP COLUMN IF EXISTS next_attempt, DROP COLUMN IF EXISTS attempts;

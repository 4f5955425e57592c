-- A ledger line names the events behind its points by a filter (the run's campaign and period, the line's unit, event
-- kind and levels, per-day or not) bounded by the highest scoring event id the run read, minus the events accepted
-- appeals had excluded; scoring_event is append-only (0650), so the filter finds the same events for ever. The count
-- and an order-independent digest of their ids are stored with the line, so anyone can check that it still does.
-- Runs scored before this script keep their explicit event_ids (events_through is null for them).
-- docs/decisions/0401-ledger-lines-refer-to-their-events.md
ALTER TABLE score_run
    ADD COLUMN events_through     bigint,
    ADD COLUMN excluded_event_ids bigint[] NOT NULL DEFAULT '{}';

ALTER TABLE score_ledger_entry
    -- The levels of the events counted ('' for events without one).
    ADD COLUMN levels       text[]  NOT NULL DEFAULT '{}',
    -- A per-day rule: the events whose condition lasted into the period, from whenever they occurred.
    ADD COLUMN per_day      boolean NOT NULL DEFAULT false,
    -- XOR of hashint8extended(id, 0) over the line's events, as 16 hexadecimal digits.
    ADD COLUMN event_digest text;

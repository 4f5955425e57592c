-- Monthly tallies of the scoring events, kept by the database as the events are written: per campaign, local month
-- (in the campaign's time zone), unit, kind and level, how many events there are, their tasks' weights summed and the
-- XOR digest of their ids (the ledger's digest, 0401). A monthly period is then scored from a few rows per unit
-- instead of re-reading every event of the month; weeks, days and per-day rules still read the events themselves.
-- docs/decisions/0651-monthly-periods-are-scored-from-event-tallies.md
CREATE TABLE scoring_event_tally (
    campaign_id bigint  NOT NULL,
    -- The first day of the month the events occurred in, in the campaign's time zone.
    month       date    NOT NULL,
    unit_id     bigint  NOT NULL,
    kind        text    NOT NULL,
    -- '' for events without a level, as the scorer groups them.
    level       text    NOT NULL,
    events      integer NOT NULL,
    -- The sum over the events of their task's weight now (1 for an event without a task).
    weight      numeric NOT NULL,
    digest      bigint  NOT NULL,
    PRIMARY KEY (campaign_id, month, unit_id, kind, level)
);

-- The month is computed by the database: it must know the campaign's zone (an IANA name, as the plan compiler requires).
ALTER TABLE campaign ADD CONSTRAINT campaign_time_zone_is_known
    CHECK ((timestamptz '2000-01-01 00:00:00+00' AT TIME ZONE time_zone) IS NOT NULL);

-- Every statement that appends events adds them to their tallies in the same transaction. Every writer of scoring
-- events holds the audit log's head while it writes (0401), so the tally rows never see two writers at once.
CREATE FUNCTION scoring_event_tally_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO scoring_event_tally AS y (campaign_id, month, unit_id, kind, level, events, weight, digest)
    SELECT a.campaign_id, date_trunc('month', a.occurred_at AT TIME ZONE c.time_zone)::date, a.unit_id, a.kind, coalesce(a.level, ''),
           count(*), sum(coalesce(t.weight, 1)), bit_xor(hashint8extended(a.id, 0))
    FROM added a
    JOIN campaign c ON c.id = a.campaign_id
    LEFT JOIN task t ON t.id = a.task_id
    GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (campaign_id, month, unit_id, kind, level) DO UPDATE
        SET events = y.events + excluded.events, weight = y.weight + excluded.weight, digest = y.digest # excluded.digest;
    RETURN NULL;
END;
$$;
CREATE TRIGGER scoring_event_tallied AFTER INSERT ON scoring_event
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION scoring_event_tally_added();

-- A plan version that changes a task's weight re-weighs the events already written for it (rare: a plan amendment).
CREATE FUNCTION scoring_event_tally_reweighed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM old_task o JOIN new_task n ON n.id = o.id WHERE n.weight IS DISTINCT FROM o.weight) THEN
        RETURN NULL;
    END IF;
    UPDATE scoring_event_tally y SET weight = y.weight + d.delta
    FROM (SELECT e.campaign_id, date_trunc('month', e.occurred_at AT TIME ZONE c.time_zone)::date AS month, e.unit_id, e.kind,
                 coalesce(e.level, '') AS level, sum(coalesce(n.weight, 1) - coalesce(o.weight, 1)) AS delta
          FROM old_task o
          JOIN new_task n ON n.id = o.id AND n.weight IS DISTINCT FROM o.weight
          JOIN scoring_event e ON e.campaign_id = n.campaign_id AND e.task_id = n.id
          JOIN campaign c ON c.id = e.campaign_id
          GROUP BY 1, 2, 3, 4, 5) d
    WHERE y.campaign_id = d.campaign_id AND y.month = d.month AND y.unit_id = d.unit_id AND y.kind = d.kind AND y.level = d.level;
    RETURN NULL;
END;
$$;
CREATE TRIGGER task_weight_retallied AFTER UPDATE ON task
    REFERENCING OLD TABLE AS old_task NEW TABLE AS new_task FOR EACH STATEMENT EXECUTE FUNCTION scoring_event_tally_reweighed();

-- A plan version that moves the campaign to another time zone moves its events between months: tally them again.
CREATE FUNCTION scoring_event_tally_rezoned() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.time_zone IS DISTINCT FROM OLD.time_zone THEN
        DELETE FROM scoring_event_tally WHERE campaign_id = NEW.id;
        INSERT INTO scoring_event_tally (campaign_id, month, unit_id, kind, level, events, weight, digest)
        SELECT e.campaign_id, date_trunc('month', e.occurred_at AT TIME ZONE NEW.time_zone)::date, e.unit_id, e.kind, coalesce(e.level, ''),
               count(*), sum(coalesce(t.weight, 1)), bit_xor(hashint8extended(e.id, 0))
        FROM scoring_event e LEFT JOIN task t ON t.id = e.task_id
        WHERE e.campaign_id = NEW.id
        GROUP BY 1, 2, 3, 4, 5;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER campaign_zone_retallied AFTER UPDATE OF time_zone ON campaign
    FOR EACH ROW EXECUTE FUNCTION scoring_event_tally_rezoned();

-- The events written before this script.
INSERT INTO scoring_event_tally (campaign_id, month, unit_id, kind, level, events, weight, digest)
SELECT e.campaign_id, date_trunc('month', e.occurred_at AT TIME ZONE c.time_zone)::date, e.unit_id, e.kind, coalesce(e.level, ''),
       count(*), sum(coalesce(t.weight, 1)), bit_xor(hashint8extended(e.id, 0))
FROM scoring_event e
JOIN campaign c ON c.id = e.campaign_id
LEFT JOIN task t ON t.id = e.task_id
GROUP BY 1, 2, 3, 4, 5;

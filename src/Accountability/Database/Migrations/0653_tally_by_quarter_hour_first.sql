-- The tally trigger (0651) reckoned every new event's local month with AT TIME ZONE: on a sweep's 500,000 overdue
-- events that one conversion was 0.6 s of the trigger's 0.9 s of grouping. The events are now grouped first by the
-- UTC quarter-hour they occurred in, and only each quarter-hour's first and last instant are converted. A quarter-hour
-- lies within one local month whenever the zone's offset is a whole number of quarter-hours, as every zone's has been
-- for half a century; where a month begins inside a quarter-hour (Monrovia's −0:44:30 before 1972, local mean times
-- before that), that quarter-hour's events are reckoned one by one as before.
CREATE OR REPLACE FUNCTION scoring_event_tally_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO scoring_event_tally AS y (campaign_id, month, unit_id, kind, level, events, weight, digest)
    WITH quarters AS (
        SELECT a.campaign_id, a.unit_id, a.kind, coalesce(a.level, '') AS level, floor(extract(epoch FROM a.occurred_at) / 900)::bigint AS quarter,
               count(*) AS events, sum(coalesce(t.weight, 1)) AS weight, bit_xor(hashint8extended(a.id, 0)) AS digest
        FROM added a LEFT JOIN task t ON t.id = a.task_id
        GROUP BY 1, 2, 3, 4, 5
    ), months AS (
        SELECT q.*, c.time_zone,
               date_trunc('month', to_timestamp(q.quarter * 900) AT TIME ZONE c.time_zone)::date AS first_month,
               date_trunc('month', (to_timestamp(q.quarter * 900) + interval '899.999999 seconds') AT TIME ZONE c.time_zone)::date AS last_month
        FROM quarters q JOIN campaign c ON c.id = q.campaign_id
    ), tallied AS (
        SELECT campaign_id, first_month AS month, unit_id, kind, level, events, weight, digest
        FROM months WHERE first_month = last_month
        UNION ALL
        SELECT a.campaign_id, date_trunc('month', a.occurred_at AT TIME ZONE m.time_zone)::date, a.unit_id, a.kind, m.level,
               1, coalesce(t.weight, 1), hashint8extended(a.id, 0)
        FROM months m
        JOIN added a ON a.campaign_id = m.campaign_id AND a.unit_id = m.unit_id AND a.kind = m.kind AND coalesce(a.level, '') = m.level
                    AND floor(extract(epoch FROM a.occurred_at) / 900)::bigint = m.quarter
        LEFT JOIN task t ON t.id = a.task_id
        WHERE m.first_month <> m.last_month
    )
    SELECT campaign_id, month, unit_id, kind, level, sum(events), sum(weight), bit_xor(digest)
    FROM tallied
    GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (campaign_id, month, unit_id, kind, level) DO UPDATE
        SET events = y.events + excluded.events, weight = y.weight + excluded.weight, digest = y.digest # excluded.digest;
    RETURN NULL;
END;
$$;

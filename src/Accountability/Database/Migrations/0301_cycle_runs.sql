-- Cycle runs: one row per (campaign, cycle, period), whatever number of nodes, attempts and corrections.
--
-- attempt is a fencing token: every claim increments it in its own committed transaction, and the run's one
-- transaction commits only if the row still carries its attempt (checked under the row lock). A node that was
-- declared dead but is still running finds a higher attempt and rolls back.
-- published_revision counts successful closes: 0 until the first publication (a scheduled run only ever claims a
-- period still at 0), 2, 3... for manual re-runs that issued corrections.
CREATE TABLE cycle_run (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id        bigint      NOT NULL REFERENCES campaign (id),
    cycle              text        NOT NULL,
    period             text        NOT NULL,
    period_start       timestamptz NOT NULL,
    period_end         timestamptz NOT NULL,
    -- The scheduled close (cut-off) in the campaign's zone, as an instant.
    close_at           timestamptz NOT NULL,
    status             text        NOT NULL CHECK (status IN ('running', 'published')),
    attempt            integer     NOT NULL,
    claimed_by         text        NOT NULL,
    claimed_at         timestamptz NOT NULL,
    published_revision integer     NOT NULL DEFAULT 0,
    published_at       timestamptz,
    -- Wall-clock instant of the commit, whatever clock the server keeps: recovery times are measured on it.
    published_wall_at  timestamptz,
    published_by       text,
    snapshot_id        bigint      REFERENCES period_snapshot (id),
    summary            jsonb       NOT NULL DEFAULT '{}',
    UNIQUE (campaign_id, cycle, period)
);
CREATE INDEX cycle_run_unpublished ON cycle_run (campaign_id, cycle) WHERE published_revision = 0;

-- Look-back sampling (回头看): every closed item is considered once per closure; the row says whether it was picked
-- and why (risk class or the random share), so an operator can explain a selection.
CREATE TABLE look_back_sample (
    assignment_id bigint      NOT NULL REFERENCES assignment (id),
    closed_at     timestamptz NOT NULL,
    campaign_id   bigint      NOT NULL REFERENCES campaign (id),
    sampled_at    timestamptz NOT NULL,
    reason        text        NOT NULL CHECK (reason IN ('risk', 'relapse_history', 'random')),
    selected      boolean     NOT NULL,
    due_at        timestamptz,
    PRIMARY KEY (assignment_id, closed_at)
);
CREATE INDEX assignment_closed ON assignment (closed_at) WHERE closed_at IS NOT NULL;

-- An outbox message the relay gave up on after its last retry; kept for an operator to inspect and re-queue.
ALTER TABLE outbox_message ADD COLUMN abandoned_at timestamptz;
DROP INDEX outbox_message_due;
CREATE INDEX outbox_message_due ON outbox_message (next_attempt_at) WHERE delivered_at IS NULL AND abandoned_at IS NULL;

CREATE INDEX notification_campaign ON notification (campaign_id, created_at) WHERE campaign_id IS NOT NULL;

-- The frozen state of a campaign's assignments at a period's cut-off. Cycles freeze it; scoring reads only it (and
-- the scoring events up to the cut-off), which is what makes a period's ranking reproducible byte for byte however
-- the live assignments move on afterwards.

CREATE TABLE period_snapshot (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id bigint      NOT NULL REFERENCES campaign (id),
    cycle       text        NOT NULL,
    period      text        NOT NULL,
    cutoff_at   timestamptz NOT NULL,
    taken_at    timestamptz NOT NULL,
    rows        integer     NOT NULL
);
CREATE INDEX period_snapshot_campaign ON period_snapshot (campaign_id, cycle, period);

CREATE TABLE assignment_snapshot (
    snapshot_id      bigint      NOT NULL REFERENCES period_snapshot (id),
    assignment_id    bigint      NOT NULL,
    unit_id          bigint      NOT NULL,
    task_id          bigint,
    ledger_item_id   bigint,
    role             text        NOT NULL,
    state            text        NOT NULL,
    issued_at        timestamptz NOT NULL,
    -- The effective due time: the extended one if an extension was granted.
    due_at           timestamptz,
    acknowledged_at  timestamptz,
    progress_percent smallint    NOT NULL,
    progress_reported_at timestamptz,
    submitted_at     timestamptz,
    closed_at        timestamptz,
    relapse_count    integer     NOT NULL,
    light            text,
    PRIMARY KEY (snapshot_id, assignment_id)
);
CREATE INDEX assignment_snapshot_unit ON assignment_snapshot (snapshot_id, unit_id);

-- The shared core every capability works on: campaigns, the plan versions that feed them, tasks and ledger items,
-- and the per-unit assignments compiled from them. Capabilities add their own tables and columns in later scripts
-- (plans 01xx, assignment workflow 02xx, cycles and notices 03xx, scoring and escalations 04xx, web 05xx).

CREATE TABLE campaign (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code               text        NOT NULL UNIQUE,
    name               text        NOT NULL,
    document_number    text,
    headquarters_unit_id bigint    REFERENCES unit (id),
    starts_on          date        NOT NULL,
    ends_on            date        NOT NULL,
    -- IANA zone: periods ("2017-10"), deadlines and cycle times are computed in it.
    time_zone          text        NOT NULL DEFAULT 'Asia/Shanghai',
    calendar_code      text        NOT NULL DEFAULT 'cn',
    workflow_code      text        NOT NULL DEFAULT 'assignment',
    rulebook_code      text,
    -- Days of public notice (公示) after acceptance; null when the campaign has none.
    public_notice_days integer,
    -- {"dispatch": {...}, "ranking": {...}, "bulletin": {...}}: how often each cycle runs (monthly/weekly/daily).
    cadence            jsonb       NOT NULL DEFAULT '{}',
    current_plan_version integer   NOT NULL DEFAULT 0,
    created_at         timestamptz NOT NULL,
    CHECK (ends_on >= starts_on)
);

-- Every import of a plan is a version; nothing a version introduced is ever deleted by a later one.
CREATE TABLE plan_version (
    campaign_id   bigint      NOT NULL REFERENCES campaign (id),
    version       integer     NOT NULL,
    source_name   text        NOT NULL,
    source_sha256 text        NOT NULL,
    imported_at   timestamptz NOT NULL,
    imported_by   bigint      REFERENCES person (id),
    summary       jsonb       NOT NULL DEFAULT '{}',
    PRIMARY KEY (campaign_id, version)
);

CREATE TABLE task (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id         bigint      NOT NULL REFERENCES campaign (id),
    number              text        NOT NULL,
    clause              text,
    title               text        NOT NULL,
    measures            text,
    category            text,
    target              text,
    lead_unit_id        bigint      REFERENCES unit (id),
    verifier_unit_id    bigint      REFERENCES unit (id),
    deadline_text       text,
    due_at              timestamptz,
    long_term           boolean     NOT NULL DEFAULT false,
    -- e.g. {"kind": "monthly", "day": 25} for "每月25日前报送".
    recurrence          jsonb,
    -- [{"on": "2017-10-31", "percent": 30}, ...]: scheduled progress (序时进度).
    milestones          jsonb       NOT NULL DEFAULT '[]',
    evidence_kinds      text[]      NOT NULL DEFAULT '{}',
    weight              numeric(6, 2) NOT NULL DEFAULT 1,
    calendar_version    text,
    first_version       integer     NOT NULL,
    changed_version     integer     NOT NULL,
    cancelled_version   integer,
    cancel_reason       text,
    UNIQUE (campaign_id, number)
);

-- 台账: problems and enterprises (一企一档), one number, one owner, one deadline each.
CREATE TABLE ledger_item (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id        bigint      NOT NULL REFERENCES campaign (id),
    number             text        NOT NULL,
    kind               text        NOT NULL CHECK (kind IN ('enterprise', 'problem', 'complaint')),
    name               text        NOT NULL,
    town_unit_id       bigint      NOT NULL REFERENCES unit (id),
    problem_type       text,
    -- 关停取缔 / 整改提升 / 整合搬迁
    disposal_class     text        CHECK (disposal_class IN ('shut_down', 'upgrade', 'relocate')),
    measures           text,
    responsible_person text,
    deadline_text      text,
    due_at             timestamptz,
    source             text,
    found_level        text,
    verifier_unit_id   bigint      REFERENCES unit (id),
    calendar_version   text,
    first_version      integer     NOT NULL,
    changed_version    integer     NOT NULL,
    cancelled_version  integer,
    cancel_reason      text,
    UNIQUE (campaign_id, number)
);

-- One unit's obligation on one task or ledger item. The workflow columns (state, timers, version) are what the
-- assignment lifecycle reads and writes; the row is never deleted, only moved to a final state.
CREATE TABLE assignment (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id       bigint      NOT NULL REFERENCES campaign (id),
    task_id           bigint      REFERENCES task (id),
    ledger_item_id    bigint      REFERENCES ledger_item (id),
    unit_id           bigint      NOT NULL REFERENCES unit (id),
    -- The lead unit's assignment owns closure; cooperating units acknowledge and report on their own.
    role              text        NOT NULL CHECK (role IN ('lead', 'responsible', 'cooperating')),
    -- 0 for a one-off obligation; 1, 2, ... for the dated reports of a recurring one.
    obligation_no     integer     NOT NULL DEFAULT 0,
    verifier_unit_id  bigint      REFERENCES unit (id),
    issued_at         timestamptz NOT NULL,
    -- The due date as first issued; extensions never overwrite it.
    due_at            timestamptz,
    extended_due_at   timestamptz,
    calendar_version  text,
    plan_version      integer     NOT NULL,
    workflow_code     text        NOT NULL,
    workflow_version  integer     NOT NULL,
    state             text        NOT NULL,
    -- Optimistic concurrency: every transition increments it; a stale writer gets 409.
    row_version       integer     NOT NULL DEFAULT 1,
    acknowledged_at   timestamptz,
    acknowledged_by   bigint      REFERENCES person (id),
    progress_percent  smallint    NOT NULL DEFAULT 0 CHECK (progress_percent BETWEEN 0 AND 100),
    progress_reported_at timestamptz,
    submitted_at      timestamptz,
    verified_at       timestamptz,
    verified_by       bigint      REFERENCES person (id),
    closed_at         timestamptz,
    relapse_count     integer     NOT NULL DEFAULT 0,
    light             text        CHECK (light IN ('green', 'yellow', 'red')),
    -- The earliest pending timer; the sweep claims rows by this indexed column, never one trigger per item.
    next_timer_at     timestamptz,
    next_timer_kind   text,
    cancelled_version integer,
    cancel_reason     text,
    updated_at        timestamptz NOT NULL,
    CHECK ((task_id IS NULL) <> (ledger_item_id IS NULL))
);
CREATE UNIQUE INDEX assignment_task_unit ON assignment (task_id, unit_id, role, obligation_no) WHERE task_id IS NOT NULL;
CREATE UNIQUE INDEX assignment_ledger_unit ON assignment (ledger_item_id, unit_id, obligation_no) WHERE ledger_item_id IS NOT NULL;
CREATE INDEX assignment_unit_state ON assignment (unit_id, state);
CREATE INDEX assignment_campaign ON assignment (campaign_id, state);
CREATE INDEX assignment_next_timer ON assignment (next_timer_at) WHERE next_timer_at IS NOT NULL;

-- Facts the rulebooks score: overdue, returned as false, cards, problems found, media exposure, relapse, closed on
-- time... Written by the workflow and by inspections in the same transaction as the fact itself.
CREATE TABLE scoring_event (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id   bigint      NOT NULL REFERENCES campaign (id),
    unit_id       bigint      NOT NULL REFERENCES unit (id),
    assignment_id bigint      REFERENCES assignment (id),
    kind          text        NOT NULL,
    -- The level that found or exposed it (county, city, province, central), where the rule depends on it.
    level         text,
    occurred_at   timestamptz NOT NULL,
    audit_seq     bigint,
    detail        jsonb
);
CREATE INDEX scoring_event_campaign_time ON scoring_event (campaign_id, occurred_at);

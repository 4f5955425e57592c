-- Scoring, rankings and escalations: every scoring of a period is a run (the cycle's, or a recomputation after an
-- accepted appeal); one run per period is current. A run keeps its point ledger (every point with its rule and the
-- events behind it), its ranking rows and its consequences, so that what was published can always be shown again and
-- compared with what a recomputation gives.

CREATE TABLE score_run (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id       bigint      NOT NULL REFERENCES campaign (id),
    cycle             text        NOT NULL,
    period            text        NOT NULL,
    snapshot_id       bigint      NOT NULL REFERENCES period_snapshot (id),
    period_start      timestamptz NOT NULL,
    period_end        timestamptz NOT NULL,
    cutoff_at         timestamptz NOT NULL,
    rulebook_code     text        NOT NULL,
    rulebook_version  integer     NOT NULL,
    rulebook_sha256   text        NOT NULL,
    -- cycle: a period close; appeal: recomputed after an accepted appeal; cascade: recomputed because an earlier period was.
    reason            text        NOT NULL CHECK (reason IN ('cycle', 'appeal', 'cascade')),
    appeal_id         bigint,
    cycle_run_id      bigint,
    supersedes_run_id bigint      REFERENCES score_run (id),
    current           boolean     NOT NULL,
    -- SHA-256 of the canonical text of the ledger, ranking and consequences: equal outputs, equal hashes.
    output_sha256     text        NOT NULL,
    -- What the next period starts from (roll-up tallies); ladder counts live on the ranking rows.
    state             jsonb       NOT NULL DEFAULT '{}',
    summary           text        NOT NULL DEFAULT '',
    created_at        timestamptz NOT NULL
);
CREATE UNIQUE INDEX score_run_current ON score_run (campaign_id, cycle, period) WHERE current;

-- The point ledger: one line per unit and rule in a run. Component caps appear as lines of their own
-- (rule_id 'tasks:cap'), so a unit's score is always the base plus the sum of its lines.
CREATE TABLE score_ledger_entry (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id           bigint        NOT NULL REFERENCES score_run (id),
    unit_id          bigint        NOT NULL REFERENCES unit (id),
    rule_id          text          NOT NULL,
    rule_name        text          NOT NULL,
    rulebook_code    text          NOT NULL,
    rulebook_version integer       NOT NULL,
    component        text          NOT NULL,
    quantity         numeric(14, 2) NOT NULL,
    points           numeric(10, 2) NOT NULL,
    basis            text          NOT NULL,
    event_kind       text,
    event_count      integer       NOT NULL DEFAULT 0,
    -- The scoring events behind the points, in id order.
    event_ids        bigint[]      NOT NULL DEFAULT '{}',
    UNIQUE (run_id, unit_id, rule_id)
);
-- Id arrays compress poorly and are written in bulk at every period close: store them uncompressed.
ALTER TABLE score_ledger_entry ALTER COLUMN event_ids SET STORAGE EXTERNAL;

-- The ranking of a run: every scored unit, ranked within its category or (outside the ranked categories) scored only.
CREATE TABLE score_unit_result (
    run_id          bigint        NOT NULL REFERENCES score_run (id),
    unit_id         bigint        NOT NULL REFERENCES unit (id),
    category        text,
    rank            integer,
    category_size   integer       NOT NULL,
    score           numeric(10, 2) NOT NULL,
    deductions      numeric(10, 2) NOT NULL,
    bonuses         numeric(10, 2) NOT NULL,
    grade           text          NOT NULL,
    usable          boolean       NOT NULL,
    unusable_reason text,
    vetoed          boolean       NOT NULL,
    tasks           integer       NOT NULL,
    closed          integer       NOT NULL,
    completion      numeric(5, 2),
    on_schedule     integer       NOT NULL,
    yellow          integer       NOT NULL,
    red             integer       NOT NULL,
    overdue         integer       NOT NULL,
    problems_found  integer       NOT NULL,
    unrectified     integer       NOT NULL,
    complaints      integer       NOT NULL,
    top             boolean       NOT NULL,
    bottom          boolean       NOT NULL,
    previous_rank   integer,
    -- {"bottom-consecutive": 2, ...}: how many periods each ladder has counted, for the next period.
    ladder_counts   jsonb         NOT NULL DEFAULT '{}',
    PRIMARY KEY (run_id, unit_id)
);

-- One consequence per unit, kind and post in a run; the facts of every rule that reached it.
CREATE TABLE consequence (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id       bigint      NOT NULL REFERENCES score_run (id),
    campaign_id  bigint      NOT NULL REFERENCES campaign (id),
    cycle        text        NOT NULL,
    period       text        NOT NULL,
    unit_id      bigint      NOT NULL REFERENCES unit (id),
    kind         text        NOT NULL,
    -- deputy_in_charge, government_head, party_secretary; 'unit' when it falls on the unit itself.
    post         text        NOT NULL,
    holder_name  text,
    holder_title text,
    rule_ids     text[]      NOT NULL,
    facts        jsonb       NOT NULL,
    document_id  bigint      REFERENCES document (id),
    issued_at    timestamptz NOT NULL,
    UNIQUE (run_id, unit_id, kind, post)
);
CREATE INDEX consequence_period ON consequence (campaign_id, cycle, period);

-- Responses a consequence demands (a rectification plan within 5 working days of a talk), each with its due instant
-- fixed when the consequence is issued.
CREATE TABLE consequence_response (
    consequence_id bigint      NOT NULL REFERENCES consequence (id),
    kind           text        NOT NULL,
    name           text        NOT NULL,
    unit_id        bigint      NOT NULL REFERENCES unit (id),
    due_at         timestamptz NOT NULL,
    responded_at   timestamptz,
    responded_by   bigint      REFERENCES person (id),
    note           text,
    overdue_at     timestamptz,
    PRIMARY KEY (consequence_id, kind)
);
CREATE INDEX consequence_response_due ON consequence_response (due_at) WHERE responded_at IS NULL AND overdue_at IS NULL;

-- 申诉: a unit appeals a ledger entry; headquarters accepts or rejects it.
CREATE TABLE appeal (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id     bigint      NOT NULL REFERENCES campaign (id),
    cycle           text        NOT NULL,
    period          text        NOT NULL,
    ledger_entry_id bigint      NOT NULL REFERENCES score_ledger_entry (id),
    unit_id         bigint      NOT NULL REFERENCES unit (id),
    rule_id         text        NOT NULL,
    -- The events appealed (a subset of the entry's); null: the whole entry.
    event_ids       bigint[],
    reasons         text        NOT NULL,
    -- [{"name": "...", "sha256": "...", "note": "..."}]
    evidence        jsonb       NOT NULL DEFAULT '[]',
    state           text        NOT NULL CHECK (state IN ('pending', 'accepted', 'rejected')),
    filed_by        bigint      NOT NULL REFERENCES person (id),
    filed_at        timestamptz NOT NULL,
    decided_by      bigint      REFERENCES person (id),
    decided_at      timestamptz,
    decision_reason text,
    recompute_run_id bigint     REFERENCES score_run (id)
);
CREATE INDEX appeal_campaign_state ON appeal (campaign_id, state);
CREATE UNIQUE INDEX appeal_one_pending_per_entry ON appeal (ledger_entry_id) WHERE state = 'pending';

-- What accepted appeals took out: an event (everywhere it counted) or a whole derived entry of one period.
CREATE TABLE score_exclusion (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id bigint NOT NULL REFERENCES campaign (id),
    appeal_id   bigint NOT NULL REFERENCES appeal (id),
    event_id    bigint,
    unit_id     bigint NOT NULL REFERENCES unit (id),
    rule_id     text,
    cycle       text,
    period      text,
    CHECK (event_id IS NOT NULL OR (rule_id IS NOT NULL AND period IS NOT NULL))
);
CREATE INDEX score_exclusion_campaign ON score_exclusion (campaign_id);

-- Referrals to the discipline inspection commission (移送纪委监委): one per unit and period, living across
-- recomputations; withdrawn when a recomputation no longer produces it.
CREATE TABLE referral (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id      bigint      NOT NULL REFERENCES campaign (id),
    cycle            text        NOT NULL,
    period           text        NOT NULL,
    unit_id          bigint      NOT NULL REFERENCES unit (id),
    natural_key      text        NOT NULL UNIQUE,
    run_id           bigint      NOT NULL REFERENCES score_run (id),
    consequence_ids  bigint[]    NOT NULL,
    kinds            text[]      NOT NULL,
    posts            text[]      NOT NULL,
    -- The most senior post referred: deputy_in_charge < government_head < party_secretary ('unit' when none).
    level            text        NOT NULL,
    document_id      bigint      REFERENCES document (id),
    state            text        NOT NULL CHECK (state IN ('received', 'acknowledged', 'disposed', 'withdrawn')),
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    acknowledged_at  timestamptz,
    acknowledged_by  bigint      REFERENCES person (id),
    disposition      text        CHECK (disposition IN ('formal_caution', 'public_criticism', 'party_discipline', 'no_action')),
    disposition_reasons text,
    disposed_at      timestamptz,
    disposed_by      bigint      REFERENCES person (id),
    withdrawn_reason text
);
CREATE INDEX referral_inbox ON referral (campaign_id, period, unit_id);

-- The sealed dossier of a referral: the package as it was sealed, byte for byte, and its SHA-256 (also in the audit log).
CREATE TABLE referral_dossier (
    referral_id bigint      NOT NULL REFERENCES referral (id),
    version     integer     NOT NULL,
    content     json        NOT NULL,
    sha256      text        NOT NULL,
    sealed_at   timestamptz NOT NULL,
    PRIMARY KEY (referral_id, version)
);

-- 文号: 金攻坚办〔2017〕12号, numbered per issuer prefix and year.
CREATE TABLE document_number_counter (
    campaign_id bigint  NOT NULL REFERENCES campaign (id),
    prefix      text    NOT NULL,
    year        integer NOT NULL,
    last_number integer NOT NULL,
    PRIMARY KEY (campaign_id, prefix, year)
);

-- Dossiers and appeals look up one unit's events of some kinds; the period scan uses scoring_event_campaign_time.
CREATE INDEX scoring_event_unit_kind ON scoring_event (unit_id, kind, occurred_at);

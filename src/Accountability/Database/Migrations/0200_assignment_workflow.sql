-- The assignment workflow: what the lifecycle needs beyond the shared assignment row (0003), the records of its
-- actions (extension requests, chasers and their receipts, evidence files), and idempotency keys for retried POSTs.

-- Timer memory and the chaser ladder on the row itself, so the sweep stays one UPDATE per batch.
ALTER TABLE assignment
    -- Keys ("kind@unix-seconds") of timers that fired without changing the state (reminders, chasers): each fires once.
    ADD COLUMN timers_fired      text[]      NOT NULL DEFAULT '{}',
    ADD COLUMN last_chased_at    timestamptz,
    -- How far up the definition's chaser colours (blue → orange → red) the item has been chased.
    ADD COLUMN chaser_level      smallint    NOT NULL DEFAULT 0,
    ADD COLUMN last_look_back_at timestamptz,
    -- A look-back found a relapse on an item this verifier accepted (谁验收谁负责).
    ADD COLUMN verifier_flagged  boolean     NOT NULL DEFAULT false,
    -- Final states never carry next_timer_*; a closed item waiting for its look-back (回头看) keeps that timer here.
    ADD COLUMN recheck_at        timestamptz,
    ADD COLUMN recheck_kind      text;
CREATE INDEX assignment_recheck ON assignment (recheck_at) WHERE recheck_at IS NOT NULL;

-- 延期申请: filed by the unit, decided by a named leader. The original due date stays on the assignment.
CREATE TABLE extension_request (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    assignment_id   bigint      NOT NULL REFERENCES assignment (id),
    requested_at    timestamptz NOT NULL,
    requested_by    bigint      NOT NULL REFERENCES person (id),
    reason          text        NOT NULL,
    proposed_due_at timestamptz NOT NULL,
    -- pending → approved | refused | withdrawn (the item was submitted first); refused_after_due is refused at filing.
    status          text        NOT NULL CHECK (status IN ('pending', 'approved', 'refused', 'withdrawn', 'refused_after_due')),
    decided_at      timestamptz,
    decided_by      bigint      REFERENCES person (id),
    -- The leader who approved or refused, by name and post, as the decision records it.
    leader          text,
    new_due_at      timestamptz,
    decision_note   text,
    audit_seq       bigint      NOT NULL
);
CREATE INDEX extension_request_assignment ON extension_request (assignment_id);
CREATE UNIQUE INDEX extension_request_one_pending ON extension_request (assignment_id) WHERE status = 'pending';

-- 催办: a chaser to the unit, with its own receipt (proof of notice).
CREATE TABLE assignment_chaser (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    assignment_id   bigint      NOT NULL REFERENCES assignment (id),
    unit_id         bigint      NOT NULL REFERENCES unit (id),
    colour          text        NOT NULL,
    message         text        NOT NULL,
    issued_at       timestamptz NOT NULL,
    -- Null when the timer issued it.
    issued_by       bigint      REFERENCES person (id),
    acknowledged_at timestamptz,
    acknowledged_by bigint      REFERENCES person (id),
    audit_seq       bigint      NOT NULL
);
CREATE INDEX assignment_chaser_assignment ON assignment_chaser (assignment_id);
CREATE INDEX assignment_chaser_unacknowledged ON assignment_chaser (unit_id) WHERE acknowledged_at IS NULL;

-- Evidence (证明材料) in the database, so every server node serves the same files. Checked by content (magic bytes),
-- never by the name or the content type the client claimed.
CREATE TABLE evidence_file (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    assignment_id   bigint      NOT NULL REFERENCES assignment (id),
    -- The action it came with: submit, report_progress, return, close_unfounded, look_back_*, record_problem.
    action          text        NOT NULL,
    kind            text        NOT NULL,
    file_name       text        NOT NULL,
    content_type    text        NOT NULL,
    size_bytes      integer     NOT NULL,
    sha256          bytea       NOT NULL,
    content         bytea       NOT NULL,
    uploaded_at     timestamptz NOT NULL,
    uploaded_by     bigint      REFERENCES person (id),
    audit_seq       bigint      NOT NULL
);
CREATE INDEX evidence_file_assignment ON evidence_file (assignment_id);

-- A POST retried with the same Idempotency-Key returns the first answer and acts once. The key is claimed in the
-- action's own transaction, so the action and its key commit together or not at all.
CREATE TABLE idempotency_key (
    person_id       bigint      NOT NULL REFERENCES person (id),
    key             text        NOT NULL,
    -- SHA-256 of the action and its inputs: the same key with a different request is refused.
    fingerprint     bytea       NOT NULL,
    response        jsonb,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (person_id, key)
);
CREATE INDEX idempotency_key_created ON idempotency_key (created_at);

-- When the progress lights were last recomputed for a campaign (once per local day; reports recompute their item).
CREATE TABLE progress_light_refresh (
    campaign_id     bigint      PRIMARY KEY REFERENCES campaign (id),
    refreshed_on    date        NOT NULL,
    refreshed_at    timestamptz NOT NULL
);

-- What leaves the engine. In-app notifications carry read receipts (proof of notice); outbox messages are delivered
-- by a relay with retries. Both are written in the same transaction as the state change that caused them.

CREATE TABLE notification (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Addressed to a unit (everyone acting for it sees it) or to one person.
    unit_id         bigint      REFERENCES unit (id),
    person_id       bigint      REFERENCES person (id),
    campaign_id     bigint      REFERENCES campaign (id),
    assignment_id   bigint      REFERENCES assignment (id),
    kind            text        NOT NULL,
    title           text        NOT NULL,
    body            text        NOT NULL DEFAULT '',
    link            text,
    -- Unique when set: a retried or repeated cause never notifies twice.
    dedupe_key      text        UNIQUE,
    created_at      timestamptz NOT NULL,
    read_at         timestamptz,
    read_by         bigint      REFERENCES person (id),
    CHECK (unit_id IS NOT NULL OR person_id IS NOT NULL)
);
CREATE INDEX notification_unit_unread ON notification (unit_id, created_at) WHERE read_at IS NULL;
CREATE INDEX notification_person_unread ON notification (person_id, created_at) WHERE read_at IS NULL;

CREATE TABLE outbox_message (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel         text        NOT NULL CHECK (channel IN ('email', 'webhook')),
    destination     text        NOT NULL,
    payload         jsonb       NOT NULL,
    dedupe_key      text        NOT NULL UNIQUE,
    created_at      timestamptz NOT NULL,
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    last_error      text,
    delivered_at    timestamptz
);
CREATE INDEX outbox_message_due ON outbox_message (next_attempt_at) WHERE delivered_at IS NULL;

-- The tamper-evident log: every action and every timer firing, chained by SHA-256. Appenders serialise on the one
-- audit_head row (SELECT ... FOR UPDATE), so sequence numbers are contiguous and the chain has a single order.

CREATE TABLE audit_event (
    seq             bigint      PRIMARY KEY,
    at              timestamptz NOT NULL,
    -- 'person:42', 'timer', 'cycle', 'system', 'cli'
    actor           text        NOT NULL,
    actor_person_id bigint,
    unit_id         bigint,
    campaign_id     bigint,
    assignment_id   bigint,
    kind            text        NOT NULL,
    -- json, not jsonb: the text must stay byte for byte what was hashed.
    payload         json        NOT NULL,
    prev_hash       bytea       NOT NULL,
    hash            bytea       NOT NULL
);
CREATE INDEX audit_event_assignment ON audit_event (assignment_id) WHERE assignment_id IS NOT NULL;
CREATE INDEX audit_event_unit ON audit_event (unit_id, at) WHERE unit_id IS NOT NULL;

CREATE TABLE audit_head (
    id        integer PRIMARY KEY CHECK (id = 1),
    last_seq  bigint  NOT NULL,
    last_hash bytea   NOT NULL
);
INSERT INTO audit_head (id, last_seq, last_hash) VALUES (1, 0, '\x0000000000000000000000000000000000000000000000000000000000000000');

CREATE FUNCTION audit_event_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_event_no_update BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_is_append_only();
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_is_append_only();

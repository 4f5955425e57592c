-- The two tables every fact is written to — scoring_event and audit_event — are written in bulk (a sweep batch appends
-- thousands of rows to each) and read by a few known queries. Each constraint and index below was weighed against
-- those queries (docs/decisions/0650-event-tables-without-foreign-keys.md).

-- Foreign keys on scoring_event cost three index probes and three row locks per event, more than updating the
-- assignment row itself. The rows they protect are never deleted (refused below), and every writer takes the campaign,
-- unit, assignment and task from a row it has just read under lock, so the references cannot dangle; a test walks
-- every writer and checks them.
ALTER TABLE scoring_event
    DROP CONSTRAINT scoring_event_campaign_id_fkey,
    DROP CONSTRAINT scoring_event_unit_id_fkey,
    DROP CONSTRAINT scoring_event_assignment_id_fkey;

-- The task of the event's assignment (an assignment never changes task): weighted rules multiply by the task's weight
-- with a join to the few hundred tasks instead of the million assignments.
ALTER TABLE scoring_event ADD COLUMN task_id bigint;
UPDATE scoring_event e SET task_id = a.task_id FROM assignment a WHERE a.id = e.assignment_id AND a.task_id IS NOT NULL;

-- One index serves every reader: the period's scoring (campaign), a ledger line's events and a dossier (campaign,
-- unit, kind, time), a refusal already scored (… and assignment, filtered). Two indexes were twice the writing.
DROP INDEX scoring_event_campaign_time;
DROP INDEX scoring_event_unit_kind;
CREATE INDEX scoring_event_campaign_unit_kind ON scoring_event (campaign_id, unit_id, kind, occurred_at);

-- Append-only, like the audit log: a ledger line refers to its events by a filter and the highest event id scored,
-- which stays exact only if no event is ever changed or removed.
CREATE FUNCTION scoring_event_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'scoring_event is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER scoring_event_no_update BEFORE UPDATE OR DELETE ON scoring_event
    FOR EACH ROW EXECUTE FUNCTION scoring_event_is_append_only();
CREATE TRIGGER scoring_event_no_truncate BEFORE TRUNCATE ON scoring_event
    FOR EACH STATEMENT EXECUTE FUNCTION scoring_event_is_append_only();

-- What scoring events (and much else) refer to is never deleted: campaigns end, units are deactivated, assignments
-- are cancelled or closed. Statement-level, so they cost nothing on inserts and updates.
CREATE FUNCTION row_is_never_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are never deleted: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER campaign_never_deleted BEFORE DELETE OR TRUNCATE ON campaign
    FOR EACH STATEMENT EXECUTE FUNCTION row_is_never_deleted();
CREATE TRIGGER unit_never_deleted BEFORE DELETE OR TRUNCATE ON unit
    FOR EACH STATEMENT EXECUTE FUNCTION row_is_never_deleted();
CREATE TRIGGER assignment_never_deleted BEFORE DELETE OR TRUNCATE ON assignment
    FOR EACH STATEMENT EXECUTE FUNCTION row_is_never_deleted();
CREATE TRIGGER task_never_deleted BEFORE DELETE OR TRUNCATE ON task
    FOR EACH STATEMENT EXECUTE FUNCTION row_is_never_deleted();

-- audit_event_unit served no query: timelines and dossiers read by assignment, verification by sequence.
DROP INDEX audit_event_unit;

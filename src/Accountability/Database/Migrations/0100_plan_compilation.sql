-- Plan compilation: what a task's unit columns said and what they resolved to (the next version's diff compares
-- against it, and the UI shows it), where each row came from, and room to re-issue an obligation after a cancellation.

ALTER TABLE task
    ADD COLUMN lead_text            text,
    ADD COLUMN responsible_text     text,
    ADD COLUMN cooperating_text     text,
    ADD COLUMN verifier_text        text,
    ADD COLUMN responsible_unit_ids bigint[] NOT NULL DEFAULT '{}',
    ADD COLUMN cooperating_unit_ids bigint[] NOT NULL DEFAULT '{}',
    -- "重点任务分工表 row 7" or "tasks[5] (line 88)": where the planner finds the row again.
    ADD COLUMN source_ref           text;

ALTER TABLE ledger_item
    ADD COLUMN town_text     text,
    ADD COLUMN verifier_text text,
    ADD COLUMN source_ref    text;

-- A cancelled obligation is history and stays; if a later version brings the task back, a fresh obligation is issued
-- beside it. Uniqueness therefore holds among the rows that are not cancelled.
DROP INDEX assignment_task_unit;
CREATE UNIQUE INDEX assignment_task_unit ON assignment (task_id, unit_id, role, obligation_no)
    WHERE task_id IS NOT NULL AND state <> 'cancelled';
DROP INDEX assignment_ledger_unit;
CREATE UNIQUE INDEX assignment_ledger_unit ON assignment (ledger_item_id, unit_id, obligation_no)
    WHERE ledger_item_id IS NOT NULL AND state <> 'cancelled';

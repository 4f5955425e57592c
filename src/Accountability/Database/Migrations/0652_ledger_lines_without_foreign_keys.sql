-- The point ledger is written in bulk at every period close — 28,000 lines for 2,000 units under the Jining rulebook —
-- and its two foreign keys cost a lookup and a row lock per line: two thirds of writing it (0.48 s against 0.15 s
-- for those 28,000 lines). What they protected holds without them, as for scoring_event (0650): a line's run is
-- inserted by the same transaction just before its lines, its unit is one the scorer has just read from the unit table,
-- and neither a run nor a unit is ever deleted (units: 0650; runs: below — a recomputation supersedes a run, it never
-- removes one).
ALTER TABLE score_ledger_entry
    DROP CONSTRAINT score_ledger_entry_run_id_fkey,
    DROP CONSTRAINT score_ledger_entry_unit_id_fkey;

CREATE TRIGGER score_run_never_deleted BEFORE DELETE OR TRUNCATE ON score_run
    FOR EACH STATEMENT EXECUTE FUNCTION row_is_never_deleted();

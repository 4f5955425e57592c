-- A period close writes its consequences in bulk (2,000 for a county-sized campaign under the Jining rulebook), and their
-- foreign keys to run, unit, campaign and document cost a lookup and a row lock each: inserting the scoring benchmark's
-- 2,000 consequences took 93 ms with them and 29 ms without (psql, the same rows). What they protected holds without
-- them, as for the ledger (0652) and the notices (0655). The scorer inserts the run in the same transaction, just before
-- the consequences, and takes the unit and campaign from rows it has just read. It writes each consequence after the
-- document carrying it. None of the four is ever deleted (0650, 0652, 0655). The responses a consequence demands keep
-- their foreign key to it.
ALTER TABLE consequence
    DROP CONSTRAINT consequence_run_id_fkey,
    DROP CONSTRAINT consequence_unit_id_fkey,
    DROP CONSTRAINT consequence_campaign_id_fkey,
    DROP CONSTRAINT consequence_document_id_fkey;

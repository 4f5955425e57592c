-- A run that fails is recorded as failed, with its error and when, instead of staying 'running' for ever. A failed
-- correction of a published period keeps its publication (published_revision, published_at, snapshot, summary): only
-- the status and the failure say that the latest attempt did not go through. A successful run clears the failure.
ALTER TABLE cycle_run DROP CONSTRAINT cycle_run_status_check;
ALTER TABLE cycle_run ADD CONSTRAINT cycle_run_status_check CHECK (status IN ('running', 'published', 'failed'));
ALTER TABLE cycle_run ADD COLUMN last_error text;
ALTER TABLE cycle_run ADD COLUMN failed_at timestamptz;

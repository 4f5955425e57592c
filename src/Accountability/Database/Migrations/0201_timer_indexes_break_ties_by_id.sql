-- The timer sweep claims due rows in (due time, id) order so that rows sharing a due time — most of a plan's items
-- share their deadline — fire in the same order on every run, and a replay (the simulator, a test) writes its events
-- under the same ids. Without id in the index, LIMIT over thousands of equal due times would sort them all per batch.
CREATE INDEX assignment_next_timer_id ON assignment (next_timer_at, id) WHERE next_timer_at IS NOT NULL;
DROP INDEX assignment_next_timer;
CREATE INDEX assignment_recheck_id ON assignment (recheck_at, id) WHERE recheck_at IS NOT NULL;
DROP INDEX assignment_recheck;

-- An operation a page may start only once for the same thing (a checked plan upload confirmed twice: a double click,
-- a retried post): the second start finds the first by its key and shows it instead of running the work again.
ALTER TABLE page_operation ADD COLUMN once_key text;
CREATE UNIQUE INDEX page_operation_once ON page_operation (person_id, once_key);

-- A period close publishes each new document to the units it concerns: for a county-sized campaign that is 4,000 in-app
-- notifications inside the period's transaction (the ranking bulletin to 2,000 units, and a notice to each unit with a
-- consequence). Their foreign keys to unit, campaign and document cost a lookup and a row lock each, 12,000 of them:
-- inserting the scoring benchmark's 4,000 notifications took 155 ms with them and 46 ms without (psql, the same rows).
-- What they protected holds without them, as for scoring_event (0650) and the ledger (0652). Every writer takes the
-- unit, campaign and document from rows it has just read or written in its own transaction, and none of the three is
-- ever deleted: units and campaigns since 0650, documents from here on. A correction supersedes a document with a new
-- version, and so does a revocation. The foreign keys to assignment and person stay: those notices are written one
-- action at a time.
ALTER TABLE notification
    DROP CONSTRAINT notification_unit_id_fkey,
    DROP CONSTRAINT notification_campaign_id_fkey,
    DROP CONSTRAINT notification_document_id_fkey;

CREATE TRIGGER document_never_deleted BEFORE DELETE OR TRUNCATE ON document
    FOR EACH STATEMENT EXECUTE FUNCTION row_is_never_deleted();

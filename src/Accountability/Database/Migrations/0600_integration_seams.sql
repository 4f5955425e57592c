-- Where the capabilities meet: what each one needs to know of the others, made explicit in the schema rather than
-- inferred from names and number patterns.

-- A ledger item either came from a plan file (its table, its numbering) or was recorded one by one (an inspection,
-- a complaint, a media exposure, an upper-level hand-over, a grid patrol: WT-0001, TS-0001). A plan re-import diffs and
-- cancels only the first kind. Every plan row carries where it came from (source_ref); recorded ones never do.
ALTER TABLE ledger_item ADD COLUMN origin text NOT NULL DEFAULT 'plan' CHECK (origin IN ('plan', 'recorded'));
UPDATE ledger_item SET origin = 'recorded' WHERE source_ref IS NULL;
CREATE INDEX ledger_item_recorded ON ledger_item (campaign_id, kind) WHERE origin = 'recorded';

-- The document a notification announces, so that a dossier lists who was notified of which document and when they
-- read it by a join, not by parsing dedupe keys.
ALTER TABLE notification ADD COLUMN document_id bigint REFERENCES document (id);
CREATE INDEX notification_document ON notification (document_id, unit_id) WHERE document_id IS NOT NULL;

-- When look-back sampling picked this closure for re-inspection (回头看). The workflow definition's look-back timer
-- counts from it (anchor `sampled`), so sampling decides which closed items are looked back at and the definition
-- decides when and who is told — one timer, fired once, by the assignment timer sweep.
ALTER TABLE assignment ADD COLUMN look_back_sampled_at timestamptz;

-- Whose work a notice to a unit is (Notices/NoticeAudience): the unit's operators and leaders read every notice to
-- their unit; a notice to the unit as an item's verifier also reaches its verifiers, one to a campaign's headquarters
-- its planners, a referral the discipline inspection staff. Before this, notices to headquarters, verifiers and the
-- commission reached none of the people who act on them.

ALTER TABLE notification
    ADD COLUMN audience text NOT NULL DEFAULT 'unit'
        CHECK (audience IN ('unit', 'verifier', 'headquarters', 'discipline'));

-- Notices written before: told apart by what they were about. A notice left as 'unit' stays readable as it was.
UPDATE notification n SET audience = 'discipline'
WHERE n.kind = 'document.referral';

UPDATE notification n SET audience = 'verifier'
FROM assignment a
WHERE a.id = n.assignment_id AND n.kind LIKE 'assignment.%' AND n.unit_id = a.verifier_unit_id AND n.unit_id <> a.unit_id;

UPDATE notification n SET audience = 'headquarters'
FROM campaign c
WHERE c.id = n.campaign_id AND n.unit_id = c.headquarters_unit_id AND n.audience = 'unit' AND n.kind NOT LIKE 'document.%'
  AND NOT EXISTS (SELECT 1 FROM assignment a WHERE a.id = n.assignment_id AND a.unit_id = n.unit_id);

-- A password change ends the person's sessions. API tokens are revoked in the same transaction; a session cookie
-- carries the security stamp the person had when signing in, and a cookie whose stamp is no longer the person's is
-- refused at its next request (Web/Access/AccessSetup). Cookies issued before this script carry no stamp and end too.

ALTER TABLE person ADD COLUMN security_stamp uuid NOT NULL DEFAULT gen_random_uuid();

-- A person's live tokens, for revoking them all at once and listing them to their owner.
CREATE INDEX api_token_person ON api_token (person_id) WHERE revoked_at IS NULL;

-- Files a person uploaded to be checked before they are applied (an organisation or plan file: validate, look at
-- the problems or the diff, then confirm). In the database so that the confirming request may reach another node.
CREATE TABLE staged_upload (
    id         uuid        PRIMARY KEY,
    person_id  bigint      NOT NULL REFERENCES person (id),
    purpose    text        NOT NULL,
    file_name  text        NOT NULL,
    content    bytea       NOT NULL,
    sha256     text        NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX staged_upload_created ON staged_upload (created_at);

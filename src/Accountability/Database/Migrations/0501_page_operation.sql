-- Long operations started from a page (a plan import, a cycle run) run in the background on the node that received
-- the request; their progress and outcome are kept here so that the page polling for them may reach any node.
CREATE TABLE page_operation (
    id          uuid        PRIMARY KEY,
    person_id   bigint      NOT NULL REFERENCES person (id),
    kind        text        NOT NULL,
    title       text        NOT NULL,
    state       text        NOT NULL CHECK (state IN ('running', 'succeeded', 'failed')),
    stage       text,
    done        bigint      NOT NULL DEFAULT 0,
    total       bigint      NOT NULL DEFAULT 0,
    result      jsonb,
    message     text,
    problems    jsonb,
    started_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    finished_at timestamptz
);
CREATE INDEX page_operation_person ON page_operation (person_id, started_at DESC);

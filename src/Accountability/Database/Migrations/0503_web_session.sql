-- A signed-in browser's session, so that signing out ends it on the server: a copy of the cookie (a shared computer,
-- a proxy log, malware) is refused from then on, where a cookie alone would stay good until it expires. The cookie
-- names its session; every request checks that the session is still open (AccessSetup).
CREATE TABLE web_session (
    id         uuid        PRIMARY KEY,
    person_id  bigint      NOT NULL REFERENCES person (id),
    started_at timestamptz NOT NULL,
    ended_at   timestamptz
);

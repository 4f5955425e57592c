-- The organisation (units, their leadership posts, people, memberships) and what signing in needs.

CREATE TABLE unit (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code             text        NOT NULL UNIQUE,
    name             text        NOT NULL,
    kind             text        NOT NULL CHECK (kind IN
                         ('county', 'office', 'department', 'town', 'street', 'park', 'village', 'grid_cell')),
    parent_id        bigint      REFERENCES unit (id),
    -- Towns and parks are ranked separately; null means the unit is not ranked.
    ranking_category text,
    -- Other names people write in plans ("县环保局" for "县环境保护局").
    aliases          text[]      NOT NULL DEFAULT '{}',
    sort_order       integer     NOT NULL DEFAULT 0,
    active           boolean     NOT NULL DEFAULT true,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    CHECK (parent_id IS DISTINCT FROM id)
);
CREATE INDEX unit_parent ON unit (parent_id);

-- Consequences fall on posts, not on people: 分管负责人, 主要负责人, 党委书记.
CREATE TABLE unit_post (
    unit_id      bigint NOT NULL REFERENCES unit (id),
    post         text   NOT NULL CHECK (post IN ('deputy_in_charge', 'government_head', 'party_secretary')),
    holder_name  text   NOT NULL,
    holder_title text,
    PRIMARY KEY (unit_id, post)
);

CREATE TABLE person (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    login                text        NOT NULL,
    display_name         text        NOT NULL,
    phone                text,
    email                text,
    -- Null until a password is set: a person imported from an org file cannot sign in yet.
    password_hash        text,
    active               boolean     NOT NULL DEFAULT true,
    last_sign_in_at      timestamptz,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL
);
CREATE UNIQUE INDEX person_login ON person (lower(login));

-- A role held for a unit. Only the administrator role may be held system-wide (no unit): the first administrator
-- is created before any unit exists.
CREATE TABLE membership (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id bigint NOT NULL REFERENCES person (id),
    unit_id   bigint REFERENCES unit (id),
    role      text   NOT NULL CHECK (role IN ('administrator', 'planner', 'unit_operator', 'unit_leader',
                                              'verifier', 'inspector', 'discipline', 'leader')),
    CHECK (unit_id IS NOT NULL OR role = 'administrator')
);
CREATE UNIQUE INDEX membership_person_unit_role ON membership (person_id, coalesce(unit_id, 0), role);
CREATE INDEX membership_unit ON membership (unit_id);

-- Failed sign-ins per login text (whether or not such a person exists, so throttling reveals nothing).
CREATE TABLE sign_in_throttle (
    login         text PRIMARY KEY,
    failures      integer     NOT NULL,
    blocked_until timestamptz
);

-- Bearer tokens for the API. Only a SHA-256 of the token is kept; the token itself is shown once.
CREATE TABLE api_token (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id    bigint      NOT NULL REFERENCES person (id),
    name         text        NOT NULL,
    token_sha256 bytea       NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    last_used_at timestamptz
);

-- First-run bootstrap: while no administrator exists the server logs a one-time code; its hash lives here.
CREATE TABLE setup_code (
    id          integer PRIMARY KEY CHECK (id = 1),
    code_sha256 bytea       NOT NULL,
    expires_at  timestamptz NOT NULL
);

-- ASP.NET Core Data Protection keys, shared by every server node so cookies and anti-forgery tokens made by one
-- node are accepted by the others.
CREATE TABLE data_protection_key (
    friendly_name text PRIMARY KEY,
    xml           text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

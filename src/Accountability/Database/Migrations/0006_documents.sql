-- Official documents the engine issues: ranking bulletins, commendations, criticisms, supervision orders,
-- rectification notices, admonishment notices, referrals. Shared by cycles (which publish them) and scoring (which
-- writes them). Never edited once issued: a correction is a new row with the next version that supersedes it.

CREATE TABLE document (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id       bigint      NOT NULL REFERENCES campaign (id),
    -- ranking_bulletin, commendation, criticism, supervision_order, rectification_notice, admonishment_notice, referral
    kind              text        NOT NULL,
    period            text,
    -- What the document is about, stable across versions, e.g. 'ranking_bulletin:2017-10:towns'.
    natural_key       text        NOT NULL,
    version           integer     NOT NULL DEFAULT 1,
    supersedes_id     bigint      REFERENCES document (id),
    -- 文号, e.g. 金攻坚办〔2017〕12号
    number            text,
    title             text        NOT NULL,
    issuer_unit_id    bigint      REFERENCES unit (id),
    -- Null for a document addressed to every unit of the campaign (a public bulletin).
    recipient_unit_id bigint      REFERENCES unit (id),
    html              text        NOT NULL,
    -- The structured content the HTML was rendered from (tables for Excel export, facts for the dossier).
    data              jsonb       NOT NULL,
    sha256            text        NOT NULL,
    issued_at         timestamptz NOT NULL,
    UNIQUE (natural_key, version)
);
CREATE INDEX document_campaign_period ON document (campaign_id, period, kind);
CREATE INDEX document_recipient ON document (recipient_unit_id) WHERE recipient_unit_id IS NOT NULL;

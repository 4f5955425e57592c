-- A scored period's documents are written in one COPY inside the period's transaction, and for a county-sized campaign
-- the ranking bulletin alone is ~6 MB of HTML with ~4 MB of jsonb behind it (its scoring table, one row per ledger line).
-- PostgreSQL's default compression, pglz, spent ~170 ms of that transaction compressing them; lz4 compresses them in a
-- fraction of the time to nearly the same size (measured on the scoring benchmark's 2,001 documents: 4.3 MB with pglz,
-- 4.9 MB with lz4). What is stored is the same text and jsonb: compression is how a value sits on disk, never what it
-- reads back as, and rows written before keep pglz (both are read alike). Needs a server built with lz4 (every
-- PostgreSQL 14+ package of the major distributions is).
ALTER TABLE document
    ALTER COLUMN html SET COMPRESSION lz4,
    ALTER COLUMN data SET COMPRESSION lz4;

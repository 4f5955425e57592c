-- A scored period's documents are written by one COPY inside the period's transaction, and for a county-sized campaign
-- the ranking bulletin alone is ~6 MB of HTML with ~4 MB of jsonb behind it (its scoring table, one row per ledger line).
-- Compressing them is per-byte work in that transaction: on the scoring benchmark's 2,001 documents the server's COPY
-- took 360-380 ms with PostgreSQL's default pglz and 290-300 ms with lz4 (the HTML stores as 4.9 MB instead of 4.3 MB).
-- What is stored is the same text and jsonb: compression is how a value sits on disk, never what it reads back as, and
-- rows written before keep pglz (both are read alike). Needs a server built with lz4, as the PostgreSQL 14+ packages of
-- the major distributions are.
ALTER TABLE document
    ALTER COLUMN html SET COMPRESSION lz4,
    ALTER COLUMN data SET COMPRESSION lz4;

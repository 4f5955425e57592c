-- Quartz.NET 4.x reads and writes columns and a table that its 3.x-era schema (0002) lacks, and refuses to start
-- without them (it validates the schema at start-up): retry policy and attempt (4.0), the paused job groups table
-- (4.0), continuations (4.2), overlap policy, pause reasons and fire progress (4.3), the node's Quartz version,
-- interrupt requests and per-trigger misfire thresholds (4.6), fixed-delay repeats (4.7). Names and types are
-- Quartz's interface, as in 0002, checked against the PostgreSQL schema embedded in Quartz 4.7.3. Execution history
-- tables are left out on purpose: the store is not configured to keep them (our run records and the audit log say
-- what ran).

ALTER TABLE qrtz_triggers
    ADD COLUMN retry_policy            varchar(250),
    ADD COLUMN retry_attempt           integer,
    ADD COLUMN continues_trigger_name  text,
    ADD COLUMN continues_trigger_group text,
    ADD COLUMN continuation_condition  integer,
    ADD COLUMN overlap_policy          integer,
    ADD COLUMN pause_reason            varchar(250),
    ADD COLUMN paused_by               varchar(200),
    ADD COLUMN paused_at               bigint,
    ADD COLUMN misfire_threshold       bigint,
    ADD COLUMN fixed_delay             boolean;

ALTER TABLE qrtz_paused_trigger_grps
    ADD COLUMN pause_reason varchar(250),
    ADD COLUMN paused_by    varchar(200),
    ADD COLUMN paused_at    bigint;

CREATE TABLE qrtz_paused_job_grps (
    sched_name   text NOT NULL,
    job_group    text NOT NULL,
    pause_reason varchar(250),
    paused_by    varchar(200),
    paused_at    bigint,
    PRIMARY KEY (sched_name, job_group)
);

ALTER TABLE qrtz_fired_triggers
    ADD COLUMN progress         integer,
    ADD COLUMN progress_message varchar(250),
    ADD COLUMN interrupt_requested_time bigint;

ALTER TABLE qrtz_scheduler_state ADD COLUMN quartz_version varchar(20);

-- The index set Quartz 4 queries by (acquisition orders by next fire time, then priority).
DROP INDEX idx_qrtz_t_nft_st;
CREATE INDEX idx_qrtz_t_nft_st ON qrtz_triggers (sched_name, trigger_state, next_fire_time, priority DESC, misfire_instr);
CREATE INDEX idx_qrtz_t_j ON qrtz_triggers (sched_name, job_name, job_group);
CREATE INDEX idx_qrtz_t_c ON qrtz_triggers (sched_name, calendar_name);
CREATE INDEX idx_qrtz_ft_inst_job_req_rcvry ON qrtz_fired_triggers (sched_name, instance_name, requests_recovery);
CREATE INDEX idx_qrtz_ft_j_g ON qrtz_fired_triggers (sched_name, job_name, job_group);

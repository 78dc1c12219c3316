-- Pretargeting: every config as read from Google (a snapshot before and after each change,
-- and at each listing), and proposed changes with their approval, outcome and QPS guard.
CREATE TABLE pretargeting_snapshots (
    id BIGSERIAL PRIMARY KEY,
    -- bidders/{bidder}/pretargetingConfigs/{config}
    config_name TEXT NOT NULL,
    display_name TEXT,
    -- listed | before_apply | after_apply | before_rollback | after_rollback | restored
    reason TEXT NOT NULL,
    config_json TEXT NOT NULL,
    actor TEXT NOT NULL,
    taken_at BIGINT NOT NULL
);
CREATE INDEX pretargeting_snapshots_by_config ON pretargeting_snapshots (config_name, id);

CREATE TABLE pretargeting_proposals (
    id BIGSERIAL PRIMARY KEY,
    config_name TEXT NOT NULL,
    -- manual | waste
    source TEXT NOT NULL,
    changes_json TEXT NOT NULL,
    allow_widening BIGINT NOT NULL DEFAULT 0,
    note TEXT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    -- proposed | applied | failed | rolled_back | rejected
    status TEXT NOT NULL,
    applied_by TEXT,
    applied_at BIGINT,
    before_snapshot BIGINT REFERENCES pretargeting_snapshots(id),
    after_snapshot BIGINT REFERENCES pretargeting_snapshots(id),
    error TEXT,
    -- QPS per day before the change, the first full day after it, and what the guard did.
    guard_qps_before BIGINT,
    guard_qps_after BIGINT,
    -- ok | dropped | rolled_back
    guard_status TEXT
);

-- Scheduled e-mail reports (issue 14): a property's (or every property's) PDF report,
-- daily or weekly, to listed addresses over SMTP.
CREATE TABLE report_schedules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- NULL: all properties.
    property_id INTEGER REFERENCES properties(id),
    -- 'daily' (the day before) or 'weekly' (the ISO week before, sent on Mondays).
    frequency TEXT NOT NULL,
    -- The UTC hour from which the report goes out.
    hour_utc INTEGER NOT NULL,
    -- Comma-separated addresses.
    recipients TEXT NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- One row per schedule and report period, claimed before the mail goes out: the key is
-- what keeps a report from going out twice (after a restart, or from two instances).
-- status: sending | sent | failed. A failed one may be claimed again, a few times.
CREATE TABLE report_deliveries (
    schedule_id INTEGER NOT NULL REFERENCES report_schedules(id),
    period TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    error TEXT,
    claimed_at INTEGER NOT NULL,
    finished_at INTEGER,
    PRIMARY KEY (schedule_id, period)
);

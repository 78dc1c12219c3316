-- Scheduled e-mail reports (issue 14): a property's (or every property's) PDF report,
-- daily or weekly, to listed addresses over SMTP.
CREATE TABLE report_schedules (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- NULL: all properties.
    property_id BIGINT REFERENCES properties(id),
    -- 'daily' (the day before) or 'weekly' (the ISO week before, sent on Mondays).
    frequency TEXT NOT NULL,
    -- The UTC hour from which the report goes out.
    hour_utc BIGINT NOT NULL,
    -- Comma-separated addresses.
    recipients TEXT NOT NULL,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- One row per schedule and report period, claimed before the mail goes out: the key is
-- what keeps a report from going out twice (after a restart, or from two instances).
-- status: sending | sent | failed. A failed one may be claimed again, a few times.
CREATE TABLE report_deliveries (
    schedule_id BIGINT NOT NULL REFERENCES report_schedules(id),
    period TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    error TEXT,
    claimed_at BIGINT NOT NULL,
    finished_at BIGINT,
    PRIMARY KEY (schedule_id, period)
);

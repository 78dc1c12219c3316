-- A merged campaign leads to the one it was merged into, so clustering sends its product's
-- newcomers there; it is no longer listed.
ALTER TABLE creative_campaigns ADD COLUMN merged_into INTEGER REFERENCES creative_campaigns(id);

-- Facts summed by day, creative and device (as performance_daily is by country), kept in step
-- by every import: a campaign's top device is read from here, not from the facts.
CREATE TABLE performance_device_daily (
    date TEXT NOT NULL,
    creative_id TEXT NOT NULL,
    device TEXT NOT NULL,
    spend_micros INTEGER NOT NULL,
    impressions INTEGER NOT NULL,
    clicks INTEGER NOT NULL,
    PRIMARY KEY (date, creative_id, device)
) WITHOUT ROWID;

INSERT INTO performance_device_daily
SELECT date, creative_id, device, SUM(spend_micros), SUM(impressions), SUM(clicks)
FROM performance_metrics GROUP BY date, creative_id, device;

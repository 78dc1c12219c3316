-- The daily rollup by creative first, with the sums, so reads that pick creatives (a page's
-- top geo, campaign cuts, the waste join on creative sizes) need not read every day of the
-- window (as on SQLite).
CREATE INDEX performance_daily_by_creative
    ON performance_daily (creative_id, country, date) INCLUDE (spend_micros, impressions, clicks);

-- The same for the rollup by device (a campaign's device cut).
CREATE INDEX performance_device_daily_by_creative
    ON performance_device_daily (creative_id, device, date) INCLUDE (spend_micros, impressions, clicks);

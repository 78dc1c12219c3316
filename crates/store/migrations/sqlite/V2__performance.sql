-- Performance facts, traffic/quality facts and the import history.
-- Dates are 'YYYY-MM-DD' text; hour -1 means a whole-day row; '' means "not in the report".

CREATE TABLE imports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    file_name TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    rows_read INTEGER NOT NULL DEFAULT 0,
    imported INTEGER NOT NULL DEFAULT 0,
    updated INTEGER NOT NULL DEFAULT 0,
    skipped INTEGER NOT NULL DEFAULT 0,
    warnings INTEGER NOT NULL DEFAULT 0,
    first_errors TEXT NOT NULL DEFAULT '[]',
    duration_ms INTEGER NOT NULL DEFAULT 0,
    actor TEXT NOT NULL,
    started_at INTEGER NOT NULL
);

CREATE TABLE performance_metrics (
    id INTEGER PRIMARY KEY,
    seat_id TEXT NOT NULL DEFAULT '',
    creative_id TEXT NOT NULL,
    date TEXT NOT NULL,
    hour INTEGER NOT NULL DEFAULT -1 CHECK (hour BETWEEN -1 AND 23),
    country TEXT NOT NULL,
    device TEXT NOT NULL,
    placement TEXT NOT NULL DEFAULT '',
    impressions INTEGER NOT NULL CHECK (impressions >= 0),
    clicks INTEGER NOT NULL CHECK (clicks >= 0 AND clicks <= impressions),
    spend_micros INTEGER NOT NULL CHECK (spend_micros >= 0),
    reached_queries INTEGER,
    bids INTEGER,
    UNIQUE (seat_id, creative_id, date, hour, country, device, placement)
);
-- Period aggregates per creative read only this index.
CREATE INDEX idx_perf_date_creative ON performance_metrics(date, creative_id, spend_micros, impressions, clicks, country);
CREATE INDEX idx_perf_creative_date ON performance_metrics(creative_id, date);

CREATE TABLE rtb_traffic (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    date TEXT NOT NULL,
    hour INTEGER NOT NULL DEFAULT -1,
    country TEXT NOT NULL,
    device TEXT NOT NULL,
    seat_id TEXT NOT NULL DEFAULT '',
    publisher TEXT NOT NULL DEFAULT '',
    size TEXT NOT NULL DEFAULT '',
    format TEXT NOT NULL DEFAULT '',
    filtering_reason TEXT NOT NULL DEFAULT '',
    bid_requests INTEGER,
    inventory_matches INTEGER,
    successful_responses INTEGER,
    reached_queries INTEGER,
    bids INTEGER,
    bids_in_auction INTEGER,
    auctions_won INTEGER,
    impressions INTEGER,
    clicks INTEGER,
    ivt_credited_impressions INTEGER,
    billed_impressions INTEGER,
    viewable_impressions INTEGER,
    measurable_impressions INTEGER,
    requests INTEGER,
    UNIQUE (kind, date, hour, country, device, seat_id, publisher, size, format, filtering_reason)
);
CREATE INDEX idx_traffic_size_date ON rtb_traffic(size, date);

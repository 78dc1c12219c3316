-- Performance facts, traffic/quality facts and the import history.
-- Dates are DATE; hour -1 means a whole-day row; '' means "not in the report".

CREATE TABLE imports (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    file_name TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    rows_read BIGINT NOT NULL DEFAULT 0,
    imported BIGINT NOT NULL DEFAULT 0,
    updated BIGINT NOT NULL DEFAULT 0,
    skipped BIGINT NOT NULL DEFAULT 0,
    warnings BIGINT NOT NULL DEFAULT 0,
    first_errors TEXT NOT NULL DEFAULT '[]',
    duration_ms BIGINT NOT NULL DEFAULT 0,
    actor TEXT NOT NULL,
    started_at BIGINT NOT NULL
);

CREATE TABLE performance_metrics (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    seat_id TEXT NOT NULL DEFAULT '',
    creative_id TEXT NOT NULL,
    date DATE NOT NULL,
    hour BIGINT NOT NULL DEFAULT -1 CHECK (hour BETWEEN -1 AND 23),
    country TEXT NOT NULL,
    device TEXT NOT NULL,
    placement TEXT NOT NULL DEFAULT '',
    impressions BIGINT NOT NULL CHECK (impressions >= 0),
    clicks BIGINT NOT NULL CHECK (clicks >= 0 AND clicks <= impressions),
    spend_micros BIGINT NOT NULL CHECK (spend_micros >= 0),
    reached_queries BIGINT,
    bids BIGINT,
    UNIQUE (seat_id, creative_id, date, hour, country, device, placement)
);
-- Period aggregates per creative read only this index.
CREATE INDEX idx_perf_date_creative ON performance_metrics(date, creative_id, spend_micros, impressions, clicks, country);
CREATE INDEX idx_perf_creative_date ON performance_metrics(creative_id, date);

CREATE TABLE rtb_traffic (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind TEXT NOT NULL,
    date DATE NOT NULL,
    hour BIGINT NOT NULL DEFAULT -1,
    country TEXT NOT NULL,
    device TEXT NOT NULL,
    seat_id TEXT NOT NULL DEFAULT '',
    publisher TEXT NOT NULL DEFAULT '',
    size TEXT NOT NULL DEFAULT '',
    format TEXT NOT NULL DEFAULT '',
    filtering_reason TEXT NOT NULL DEFAULT '',
    bid_requests BIGINT,
    inventory_matches BIGINT,
    successful_responses BIGINT,
    reached_queries BIGINT,
    bids BIGINT,
    bids_in_auction BIGINT,
    auctions_won BIGINT,
    impressions BIGINT,
    clicks BIGINT,
    ivt_credited_impressions BIGINT,
    billed_impressions BIGINT,
    viewable_impressions BIGINT,
    measurable_impressions BIGINT,
    requests BIGINT,
    UNIQUE (kind, date, hour, country, device, seat_id, publisher, size, format, filtering_reason)
);
CREATE INDEX idx_traffic_size_date ON rtb_traffic(size, date);

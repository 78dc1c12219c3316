-- Facts become one clustered b-tree keyed creative-first (per-creative reads are a range scan)
-- with no secondary indexes, so a bulk import updates one tree per row instead of four.
-- Period aggregates read a daily rollup by date, creative and country that every import
-- rebuilds, in its own transaction, for the (creative, date) pairs it touched.

CREATE TABLE performance_facts (
    creative_id TEXT NOT NULL,
    date TEXT NOT NULL,
    hour INTEGER NOT NULL DEFAULT -1 CHECK (hour BETWEEN -1 AND 23),
    country TEXT NOT NULL,
    device TEXT NOT NULL,
    placement TEXT NOT NULL DEFAULT '',
    seat_id TEXT NOT NULL DEFAULT '',
    impressions INTEGER NOT NULL CHECK (impressions >= 0),
    clicks INTEGER NOT NULL CHECK (clicks >= 0 AND clicks <= impressions),
    spend_micros INTEGER NOT NULL CHECK (spend_micros >= 0),
    reached_queries INTEGER,
    bids INTEGER,
    PRIMARY KEY (creative_id, date, hour, country, device, placement, seat_id)
) WITHOUT ROWID;

INSERT INTO performance_facts (creative_id, date, hour, country, device, placement, seat_id, impressions, clicks,
    spend_micros, reached_queries, bids)
SELECT creative_id, date, hour, country, device, placement, seat_id, impressions, clicks, spend_micros,
    reached_queries, bids
FROM performance_metrics;

DROP TABLE performance_metrics;
ALTER TABLE performance_facts RENAME TO performance_metrics;

CREATE TABLE performance_daily (
    date TEXT NOT NULL,
    creative_id TEXT NOT NULL,
    country TEXT NOT NULL,
    spend_micros INTEGER NOT NULL,
    impressions INTEGER NOT NULL,
    clicks INTEGER NOT NULL,
    fact_rows INTEGER NOT NULL,
    PRIMARY KEY (date, creative_id, country)
) WITHOUT ROWID;

INSERT INTO performance_daily
SELECT date, creative_id, country, SUM(spend_micros), SUM(impressions), SUM(clicks), COUNT(*)
FROM performance_metrics GROUP BY date, creative_id, country;

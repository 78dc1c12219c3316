-- Facts keyed creative-first with no secondary indexes, so a bulk import maintains one
-- index; period aggregates read a daily rollup by date, creative and country that every
-- import rebuilds, in its own transaction, for the (creative, date) pairs it touched.

DROP INDEX idx_perf_date_creative;
DROP INDEX idx_perf_creative_date;
ALTER TABLE performance_metrics DROP CONSTRAINT performance_metrics_pkey;
ALTER TABLE performance_metrics DROP CONSTRAINT performance_metrics_seat_id_creative_id_date_hour_country_d_key;
ALTER TABLE performance_metrics DROP COLUMN id;
-- Byte order for key text: no locale rules to apply on every comparison of a bulk upsert.
ALTER TABLE performance_metrics
    ALTER COLUMN creative_id TYPE TEXT COLLATE "C",
    ALTER COLUMN country TYPE TEXT COLLATE "C",
    ALTER COLUMN device TYPE TEXT COLLATE "C",
    ALTER COLUMN placement TYPE TEXT COLLATE "C",
    ALTER COLUMN seat_id TYPE TEXT COLLATE "C";
ALTER TABLE performance_metrics ADD PRIMARY KEY (creative_id, date, hour, country, device, placement, seat_id);

CREATE TABLE performance_daily (
    date DATE NOT NULL,
    creative_id TEXT COLLATE "C" NOT NULL,
    country TEXT COLLATE "C" NOT NULL,
    spend_micros BIGINT NOT NULL,
    impressions BIGINT NOT NULL,
    clicks BIGINT NOT NULL,
    fact_rows BIGINT NOT NULL,
    PRIMARY KEY (date, creative_id, country)
);

INSERT INTO performance_daily
SELECT date, creative_id, country, SUM(spend_micros), SUM(impressions), SUM(clicks), COUNT(*)
FROM performance_metrics GROUP BY date, creative_id, country;

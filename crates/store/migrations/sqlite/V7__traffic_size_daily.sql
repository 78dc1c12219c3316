-- Bid requests per day, size and seat from the bidder's traffic report: what waste by size
-- reads (a 30-day window of 100 sizes is 3,000 rows instead of millions). Every import
-- rebuilds the days it touched, in its own transaction.
CREATE TABLE traffic_size_daily (
    date TEXT NOT NULL,
    size TEXT NOT NULL,
    seat_id TEXT NOT NULL DEFAULT '',
    requests INTEGER NOT NULL,
    PRIMARY KEY (date, size, seat_id)
) WITHOUT ROWID;

INSERT INTO traffic_size_daily (date, size, seat_id, requests)
SELECT date, size, seat_id, COALESCE(SUM(requests), 0) FROM rtb_traffic
WHERE kind = 'traffic' AND size <> '' GROUP BY date, size, seat_id;

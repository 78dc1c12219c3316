-- Delivery rules (issue 14): lifetime caps and country/device targeting per offer, a
-- fallback offer per property; lifetime counts per offer and a per-minute rollup for the
-- real-time view, both written in the same transaction as the events they count.
ALTER TABLE offers ADD COLUMN total_impression_cap INTEGER;
ALTER TABLE offers ADD COLUMN total_click_cap INTEGER;
-- Comma-separated ISO codes / device classes; '' means no restriction.
ALTER TABLE offers ADD COLUMN countries TEXT NOT NULL DEFAULT '';
ALTER TABLE offers ADD COLUMN devices TEXT NOT NULL DEFAULT '';
ALTER TABLE properties ADD COLUMN fallback_offer_id INTEGER REFERENCES offers(id);

CREATE TABLE offer_totals (
    offer_id INTEGER PRIMARY KEY,
    impressions INTEGER NOT NULL DEFAULT 0,
    clicks INTEGER NOT NULL DEFAULT 0
);
INSERT INTO offer_totals (offer_id, impressions, clicks)
    SELECT offer_id, SUM(impressions), SUM(clicks) FROM popup_hourly GROUP BY offer_id;

-- minute: Unix time / 60. Rows older than a few hours are pruned as new ones come.
CREATE TABLE popup_minutely (
    minute INTEGER NOT NULL,
    property_id INTEGER NOT NULL,
    offer_id INTEGER NOT NULL,
    impressions INTEGER NOT NULL DEFAULT 0,
    clicks INTEGER NOT NULL DEFAULT 0,
    conversions INTEGER NOT NULL DEFAULT 0,
    revenue_micros INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (minute, property_id, offer_id)
) WITHOUT ROWID;

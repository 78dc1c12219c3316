-- Delivery rules (issue 14): lifetime caps and country/device targeting per offer, a
-- fallback offer per property; lifetime counts per offer and a per-minute rollup for the
-- real-time view, both written in the same transaction as the events they count.
ALTER TABLE offers ADD COLUMN total_impression_cap BIGINT;
ALTER TABLE offers ADD COLUMN total_click_cap BIGINT;
-- Comma-separated ISO codes / device classes; '' means no restriction.
ALTER TABLE offers ADD COLUMN countries TEXT NOT NULL DEFAULT '';
ALTER TABLE offers ADD COLUMN devices TEXT NOT NULL DEFAULT '';
ALTER TABLE properties ADD COLUMN fallback_offer_id BIGINT REFERENCES offers(id);

CREATE TABLE offer_totals (
    offer_id BIGINT PRIMARY KEY,
    impressions BIGINT NOT NULL DEFAULT 0,
    clicks BIGINT NOT NULL DEFAULT 0
);
INSERT INTO offer_totals (offer_id, impressions, clicks)
    SELECT offer_id, SUM(impressions), SUM(clicks) FROM popup_hourly GROUP BY offer_id;

-- minute: Unix time / 60. Rows older than a few hours are pruned as new ones come.
CREATE TABLE popup_minutely (
    minute BIGINT NOT NULL,
    property_id BIGINT NOT NULL,
    offer_id BIGINT NOT NULL,
    impressions BIGINT NOT NULL DEFAULT 0,
    clicks BIGINT NOT NULL DEFAULT 0,
    conversions BIGINT NOT NULL DEFAULT 0,
    revenue_micros BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (minute, property_id, offer_id)
);

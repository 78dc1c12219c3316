-- Offer popups: properties, offers (the spec's campaigns), raw tracking events and an hourly
-- rollup written in the same transaction as the events. Money in micros, times in unix
-- seconds (events: milliseconds), booleans BOOLEAN.

CREATE TABLE properties (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    domains TEXT NOT NULL DEFAULT '[]',
    active BOOLEAN NOT NULL DEFAULT TRUE,
    popup_enabled BOOLEAN NOT NULL DEFAULT TRUE,
    popup_frequency TEXT NOT NULL DEFAULT 'session',
    popup_placement TEXT NOT NULL DEFAULT 'thankyou',
    theme_primary TEXT NOT NULL,
    theme_accent TEXT NOT NULL,
    logo_url TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE offers (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    network_campaign_id TEXT NOT NULL,
    affiliate_id TEXT NOT NULL,
    name TEXT NOT NULL,
    display_title TEXT NOT NULL,
    tagline TEXT,
    description TEXT NOT NULL,
    cta_text TEXT NOT NULL,
    image_url TEXT,
    click_url TEXT NOT NULL,
    impression_pixel_url TEXT,
    payout_micros BIGINT NOT NULL DEFAULT 0 CHECK (payout_micros >= 0),
    currency TEXT NOT NULL DEFAULT 'USD',
    active BOOLEAN NOT NULL DEFAULT TRUE,
    priority BIGINT NOT NULL DEFAULT 5 CHECK (priority BETWEEN 1 AND 10),
    start_date TEXT,
    end_date TEXT,
    daily_impression_cap BIGINT,
    daily_click_cap BIGINT,
    sub_id_param TEXT NOT NULL DEFAULT 'aff_sub',
    notes TEXT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE offer_properties (
    offer_id BIGINT NOT NULL REFERENCES offers(id),
    property_id BIGINT NOT NULL REFERENCES properties(id),
    PRIMARY KEY (offer_id, property_id)
);
CREATE INDEX idx_offer_properties_property ON offer_properties(property_id);

-- One row per impression, click and conversion. event_key makes a retried beacon, a
-- double click or a repeated postback count once.
CREATE TABLE popup_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('impression', 'click', 'conversion')),
    occurred_at BIGINT NOT NULL,
    property_id BIGINT,
    offer_id BIGINT,
    placement TEXT NOT NULL DEFAULT '',
    visitor_hash TEXT NOT NULL DEFAULT '',
    session_id TEXT NOT NULL DEFAULT '',
    country TEXT NOT NULL DEFAULT 'ZZ',
    device TEXT NOT NULL DEFAULT '',
    click_id TEXT,
    revenue_micros BIGINT NOT NULL DEFAULT 0,
    transaction_id TEXT,
    attributed BOOLEAN NOT NULL DEFAULT TRUE
);
CREATE INDEX idx_popup_events_click ON popup_events(click_id) WHERE click_id IS NOT NULL;

-- Hour is 'YYYY-MM-DDTHH' in UTC.
CREATE TABLE popup_hourly (
    hour TEXT NOT NULL,
    property_id BIGINT NOT NULL,
    offer_id BIGINT NOT NULL,
    country TEXT NOT NULL,
    device TEXT NOT NULL,
    impressions BIGINT NOT NULL DEFAULT 0,
    clicks BIGINT NOT NULL DEFAULT 0,
    conversions BIGINT NOT NULL DEFAULT 0,
    revenue_micros BIGINT NOT NULL DEFAULT 0,
    bot_hits BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (hour, property_id, offer_id, country, device)
);

-- Secrets the server makes for itself (token signing key) and the daily visitor salts.
CREATE TABLE server_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

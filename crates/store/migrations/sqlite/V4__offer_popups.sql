-- Offer popups: properties, offers (the spec's campaigns), raw tracking events and an hourly
-- rollup written in the same transaction as the events. Money in micros, times in unix
-- seconds (events: milliseconds), booleans 0/1.

CREATE TABLE properties (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    domains TEXT NOT NULL DEFAULT '[]',
    active INTEGER NOT NULL DEFAULT 1,
    popup_enabled INTEGER NOT NULL DEFAULT 1,
    popup_frequency TEXT NOT NULL DEFAULT 'session',
    popup_placement TEXT NOT NULL DEFAULT 'thankyou',
    theme_primary TEXT NOT NULL,
    theme_accent TEXT NOT NULL,
    logo_url TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE offers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
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
    payout_micros INTEGER NOT NULL DEFAULT 0 CHECK (payout_micros >= 0),
    currency TEXT NOT NULL DEFAULT 'USD',
    active INTEGER NOT NULL DEFAULT 1,
    priority INTEGER NOT NULL DEFAULT 5 CHECK (priority BETWEEN 1 AND 10),
    start_date TEXT,
    end_date TEXT,
    daily_impression_cap INTEGER,
    daily_click_cap INTEGER,
    sub_id_param TEXT NOT NULL DEFAULT 'aff_sub',
    notes TEXT,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE offer_properties (
    offer_id INTEGER NOT NULL REFERENCES offers(id),
    property_id INTEGER NOT NULL REFERENCES properties(id),
    PRIMARY KEY (offer_id, property_id)
) WITHOUT ROWID;
CREATE INDEX idx_offer_properties_property ON offer_properties(property_id);

-- One row per impression, click and conversion. event_key makes a retried beacon, a
-- double click or a repeated postback count once.
CREATE TABLE popup_events (
    id INTEGER PRIMARY KEY,
    event_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('impression', 'click', 'conversion')),
    occurred_at INTEGER NOT NULL,
    property_id INTEGER,
    offer_id INTEGER,
    placement TEXT NOT NULL DEFAULT '',
    visitor_hash TEXT NOT NULL DEFAULT '',
    session_id TEXT NOT NULL DEFAULT '',
    country TEXT NOT NULL DEFAULT 'ZZ',
    device TEXT NOT NULL DEFAULT '',
    click_id TEXT,
    revenue_micros INTEGER NOT NULL DEFAULT 0,
    transaction_id TEXT,
    attributed INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX idx_popup_events_click ON popup_events(click_id) WHERE click_id IS NOT NULL;

-- Hour is 'YYYY-MM-DDTHH' in UTC.
CREATE TABLE popup_hourly (
    hour TEXT NOT NULL,
    property_id INTEGER NOT NULL,
    offer_id INTEGER NOT NULL,
    country TEXT NOT NULL,
    device TEXT NOT NULL,
    impressions INTEGER NOT NULL DEFAULT 0,
    clicks INTEGER NOT NULL DEFAULT 0,
    conversions INTEGER NOT NULL DEFAULT 0,
    revenue_micros INTEGER NOT NULL DEFAULT 0,
    bot_hits INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (hour, property_id, offer_id, country, device)
) WITHOUT ROWID;

-- Secrets the server makes for itself (token signing key) and the daily visitor salts.
CREATE TABLE server_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

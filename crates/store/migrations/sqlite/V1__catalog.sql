-- Creative catalog, accounts and audit. Timestamps are Unix seconds (UTC).

CREATE TABLE buyer_seats (
    seat_id TEXT PRIMARY KEY,
    display_name TEXT,
    bidder_account_id TEXT,
    created_at INTEGER NOT NULL,
    last_import_at INTEGER
);

CREATE TABLE creatives (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    seat_id TEXT NOT NULL REFERENCES buyer_seats(seat_id),
    creative_id TEXT NOT NULL,
    resource_name TEXT NOT NULL,
    format TEXT NOT NULL,
    advertiser TEXT,
    width INTEGER,
    height INTEGER,
    canonical_size TEXT NOT NULL,
    size_category TEXT NOT NULL,
    size_snapped INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    policy_statuses TEXT NOT NULL DEFAULT '{}',
    -- ",en,pt," so one LIKE finds a language without a join.
    languages TEXT NOT NULL DEFAULT ',',
    declared_click_urls TEXT NOT NULL DEFAULT '[]',
    destinations TEXT NOT NULL DEFAULT '[]',
    primary_destination TEXT,
    primary_domain TEXT,
    app_store TEXT,
    app_id TEXT,
    has_click_macro INTEGER,
    html_snippet TEXT,
    vast_xml TEXT,
    video_url TEXT,
    video_duration_seconds REAL,
    native_headline TEXT,
    native_body TEXT,
    native_call_to_action TEXT,
    native_image_url TEXT,
    native_logo_url TEXT,
    google_buyers_url TEXT NOT NULL,
    api_update_time TEXT,
    raw_json TEXT NOT NULL,
    raw_sha256 TEXT NOT NULL,
    first_seen_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (seat_id, creative_id)
);
-- Listings are ordered newest first and paged; each filter gets an index in that order
-- so a page reads its rows and no others.
CREATE INDEX idx_creatives_recent ON creatives(updated_at DESC, id DESC);
CREATE INDEX idx_creatives_creative_id ON creatives(creative_id);
CREATE INDEX idx_creatives_seat ON creatives(seat_id, updated_at DESC, id DESC);
CREATE INDEX idx_creatives_format ON creatives(format, updated_at DESC, id DESC);
CREATE INDEX idx_creatives_size ON creatives(canonical_size, updated_at DESC, id DESC);
CREATE INDEX idx_creatives_status ON creatives(status, updated_at DESC, id DESC);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'viewer')),
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_sha256 TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX idx_sessions_expires ON sessions(expires_at);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_sha256 TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT,
    details TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX idx_audit_at ON audit_log(at);

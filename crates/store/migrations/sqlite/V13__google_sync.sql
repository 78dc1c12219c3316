-- Seats found through Google's Real-time Bidding API, and every creative sync: its
-- progress page by page (so an interrupted sync resumes from its last page token).
ALTER TABLE buyer_seats ADD COLUMN key_email TEXT;
ALTER TABLE buyer_seats ADD COLUMN active_creative_count INTEGER;
ALTER TABLE buyer_seats ADD COLUMN maximum_active_creative_count INTEGER;
ALTER TABLE buyer_seats ADD COLUMN discovered_at INTEGER;
ALTER TABLE buyer_seats ADD COLUMN last_sync_at INTEGER;
ALTER TABLE buyer_seats ADD COLUMN last_sync_error TEXT;

CREATE TABLE google_syncs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    seat_id TEXT NOT NULL REFERENCES buyer_seats(seat_id),
    actor TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    -- running | done | failed
    status TEXT NOT NULL,
    -- The failed sync this one took up from its page token.
    resumed_from INTEGER,
    pages INTEGER NOT NULL DEFAULT 0,
    creatives INTEGER NOT NULL DEFAULT 0,
    inserted INTEGER NOT NULL DEFAULT 0,
    updated INTEGER NOT NULL DEFAULT 0,
    unchanged INTEGER NOT NULL DEFAULT 0,
    rejected INTEGER NOT NULL DEFAULT 0,
    next_page_token TEXT,
    error TEXT
);
CREATE INDEX google_syncs_by_seat ON google_syncs (seat_id, id);

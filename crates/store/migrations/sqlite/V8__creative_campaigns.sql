-- Creatives clustered into campaigns (the bidder wing's campaigns, not the popup offers the
-- spec's /api/campaigns calls campaigns). A campaign keeps its identity across runs by its
-- cluster key; what a user edits is marked so clustering never undoes it.
CREATE TABLE creative_campaigns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    cluster_key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    -- rule | llm | manual
    source TEXT NOT NULL,
    rule TEXT NOT NULL DEFAULT '',
    -- 0–1000 (no floating point in storage).
    confidence_permille INTEGER NOT NULL,
    -- A renamed campaign keeps its name; a locked one keeps its members.
    renamed INTEGER NOT NULL DEFAULT 0,
    locked INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE campaign_members (
    seat_id TEXT NOT NULL,
    creative_id TEXT NOT NULL,
    campaign_id INTEGER NOT NULL REFERENCES creative_campaigns(id),
    -- Placed by a user: clustering leaves it where it is.
    pinned INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (seat_id, creative_id)
) WITHOUT ROWID;
CREATE INDEX idx_campaign_members_campaign ON campaign_members(campaign_id, creative_id);

-- Creatives clustered into campaigns (the bidder wing's campaigns, not the popup offers the
-- spec's /api/campaigns calls campaigns). A campaign keeps its identity across runs by its
-- cluster key; what a user edits is marked so clustering never undoes it.
CREATE TABLE creative_campaigns (
    id BIGSERIAL PRIMARY KEY,
    cluster_key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    source TEXT NOT NULL,
    rule TEXT NOT NULL DEFAULT '',
    confidence_permille BIGINT NOT NULL,
    renamed BOOLEAN NOT NULL DEFAULT FALSE,
    locked BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE campaign_members (
    seat_id TEXT NOT NULL,
    creative_id TEXT NOT NULL,
    campaign_id BIGINT NOT NULL REFERENCES creative_campaigns(id),
    pinned BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (seat_id, creative_id)
);
CREATE INDEX idx_campaign_members_campaign ON campaign_members(campaign_id, creative_id);

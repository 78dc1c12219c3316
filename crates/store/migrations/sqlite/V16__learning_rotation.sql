-- A property's rotation mode: `priority` (the offers' priority weights) or `learning`
-- (Thompson sampling on revenue per impression), with its floor share and burn-in.
CREATE TABLE property_rotation (
    property_id INTEGER PRIMARY KEY REFERENCES properties(id),
    mode TEXT NOT NULL,
    floor_permille INTEGER NOT NULL,
    burn_in INTEGER NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Alert rules, what is firing now (so a condition alerts once until it clears), every
-- delivery attempt, and a lease so that one evaluator runs even with several instances.
CREATE TABLE alert_rules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    -- cpc_spike | spend_drop | new_opportunity | waste_jump
    kind TEXT NOT NULL,
    -- Per mille (200 = 20%): no floating point in storage.
    threshold_permille INTEGER NOT NULL,
    webhook_url TEXT,
    email TEXT,
    enabled INTEGER NOT NULL DEFAULT 1,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE alert_states (
    rule_id INTEGER NOT NULL REFERENCES alert_rules(id) ON DELETE CASCADE,
    subject TEXT NOT NULL,
    message TEXT NOT NULL,
    since INTEGER NOT NULL,
    PRIMARY KEY (rule_id, subject)
);

CREATE TABLE alert_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    rule_id INTEGER NOT NULL,
    subject TEXT NOT NULL,
    -- fired | cleared
    event TEXT NOT NULL,
    message TEXT NOT NULL,
    -- webhook | email | none
    channel TEXT NOT NULL,
    -- sent | failed | logged
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    error TEXT,
    at INTEGER NOT NULL
);
CREATE INDEX idx_alert_deliveries_at ON alert_deliveries(at);

CREATE TABLE alert_lease (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until INTEGER NOT NULL
);

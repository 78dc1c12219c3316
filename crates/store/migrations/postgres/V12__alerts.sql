-- Alert rules, what is firing now (so a condition alerts once until it clears), every
-- delivery attempt, and a lease so that one evaluator runs even with several instances.
CREATE TABLE alert_rules (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    -- cpc_spike | spend_drop | new_opportunity | waste_jump
    kind TEXT NOT NULL,
    -- Per mille (200 = 20%): no floating point in storage.
    threshold_permille BIGINT NOT NULL,
    webhook_url TEXT,
    email TEXT,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE alert_states (
    rule_id BIGINT NOT NULL REFERENCES alert_rules(id) ON DELETE CASCADE,
    subject TEXT NOT NULL,
    message TEXT NOT NULL,
    since BIGINT NOT NULL,
    PRIMARY KEY (rule_id, subject)
);

CREATE TABLE alert_deliveries (
    id BIGSERIAL PRIMARY KEY,
    rule_id BIGINT NOT NULL,
    subject TEXT NOT NULL,
    -- fired | cleared
    event TEXT NOT NULL,
    message TEXT NOT NULL,
    -- webhook | email | none
    channel TEXT NOT NULL,
    -- sent | failed | logged
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    error TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX idx_alert_deliveries_at ON alert_deliveries(at);

CREATE TABLE alert_lease (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until BIGINT NOT NULL
);

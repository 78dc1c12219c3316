-- Affiliate networks: how each one's conversion postbacks are authenticated (shared secret,
-- source addresses) and what it calls our parameters.
CREATE TABLE affiliate_networks (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    postback_secret TEXT,
    allow_ips TEXT NOT NULL DEFAULT '[]',
    click_id_param TEXT NOT NULL,
    payout_param TEXT NOT NULL,
    transaction_id_param TEXT NOT NULL,
    status_param TEXT NOT NULL,
    secret_param TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

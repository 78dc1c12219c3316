-- A/B tests of offers on a property's placement: the arms (an offer, or a variant of an
-- offer's title, tagline, CTA or image) with their traffic weights, and the arm on every
-- tracked event of an experiment. One experiment runs per placement.
CREATE TABLE experiments (
    id BIGSERIAL PRIMARY KEY,
    property_id BIGINT NOT NULL REFERENCES properties(id),
    placement TEXT NOT NULL,
    name TEXT NOT NULL,
    -- draft | running | stopped
    status TEXT NOT NULL,
    started_at BIGINT,
    stopped_at BIGINT,
    winner_arm BIGINT,
    min_impressions_per_arm BIGINT NOT NULL,
    min_days BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX one_running_experiment_per_placement ON experiments (property_id, placement) WHERE status = 'running';

CREATE TABLE experiment_arms (
    id BIGSERIAL PRIMARY KEY,
    experiment_id BIGINT NOT NULL REFERENCES experiments(id),
    position BIGINT NOT NULL,
    label TEXT NOT NULL,
    offer_id BIGINT NOT NULL REFERENCES offers(id),
    weight BIGINT NOT NULL,
    title TEXT,
    tagline TEXT,
    cta_text TEXT,
    image_url TEXT
);
CREATE INDEX experiment_arms_by_experiment ON experiment_arms (experiment_id, position);

ALTER TABLE popup_events ADD COLUMN arm_id BIGINT;
CREATE INDEX popup_events_by_arm ON popup_events (arm_id, kind) WHERE arm_id IS NOT NULL;

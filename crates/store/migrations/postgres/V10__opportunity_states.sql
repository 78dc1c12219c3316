-- What a user decided about an opportunity (dismissed, snoozed until a time, done), by the
-- finding's stable id, so recomputing the findings never brings back one put aside.
CREATE TABLE opportunity_states (
    opportunity_id TEXT PRIMARY KEY,
    -- dismissed | snoozed | done
    state TEXT NOT NULL,
    -- For a snooze: when it shows again (unix seconds).
    until BIGINT,
    actor TEXT NOT NULL,
    at BIGINT NOT NULL
);

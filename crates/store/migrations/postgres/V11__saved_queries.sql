-- Custom queries a user saved by name (the text is parsed again on every run).
CREATE TABLE saved_queries (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    query_text TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

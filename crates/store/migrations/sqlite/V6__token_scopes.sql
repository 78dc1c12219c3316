-- API tokens can be limited to a lower role than their owner's (scope) and can expire.
-- NULL scope: the owner's role; NULL expires_at: no expiry.
ALTER TABLE api_tokens ADD COLUMN scope TEXT CHECK (scope IN ('admin', 'editor', 'viewer'));
ALTER TABLE api_tokens ADD COLUMN expires_at INTEGER;
CREATE INDEX idx_api_tokens_user ON api_tokens(user_id);

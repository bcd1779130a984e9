-- 0003 (SQLite's 0006): /connect, one person across Discord, Telegram and the terminal.
-- A code works once and for ten minutes; used and expired codes are kept for a day so
-- each gets its own answer. Both tables cascade from identities (forgetting removes
-- them; joining two people re-points identities, so codes follow).

CREATE TABLE connect_codes (
    code             text PRIMARY KEY CHECK (length(code) >= 6),
    platform         text NOT NULL,
    platform_user_id text NOT NULL,
    created_at       timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    used_at          timestamptz,
    used_by_platform text,
    used_by_user_id  text,
    FOREIGN KEY (platform, platform_user_id)
        REFERENCES identities (platform, platform_user_id) ON DELETE CASCADE
);

CREATE INDEX connect_codes_by_issuer ON connect_codes (platform, platform_user_id, created_at);

-- Every refused /connect <code>: a few per hour per chat account.
CREATE TABLE connect_attempts (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    platform         text NOT NULL,
    platform_user_id text NOT NULL,
    attempted_at     timestamptz NOT NULL,
    outcome          text NOT NULL,
    FOREIGN KEY (platform, platform_user_id)
        REFERENCES identities (platform, platform_user_id) ON DELETE CASCADE
);

CREATE INDEX connect_attempts_by_identity
    ON connect_attempts (platform, platform_user_id, attempted_at);

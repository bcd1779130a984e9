-- 0006: /connect, one person across Discord, Telegram and the terminal chat.
--
-- A code is asked for by one chat account (the issuer) and entered on another; it
-- works once and for ten minutes. Rows are kept after use or expiry (for a day) so a
-- reused or expired code gets its own answer. Both tables hang off identities with
-- ON DELETE CASCADE, so forgetting the person removes them; joining two people
-- re-points identities, so a person's codes follow them.

CREATE TABLE connect_codes (
    code             TEXT PRIMARY KEY CHECK (length(code) >= 6),
    platform         TEXT NOT NULL,
    platform_user_id TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    expires_at       TEXT NOT NULL,
    used_at          TEXT,
    used_by_platform TEXT,
    used_by_user_id  TEXT,
    FOREIGN KEY (platform, platform_user_id)
        REFERENCES identities (platform, platform_user_id) ON DELETE CASCADE
);

CREATE INDEX connect_codes_by_issuer ON connect_codes (platform, platform_user_id, created_at);

-- Every refused /connect <code> (wrong, expired, used, own code): a few per hour per
-- chat account, so the code space cannot be searched.
CREATE TABLE connect_attempts (
    id               INTEGER PRIMARY KEY,
    platform         TEXT NOT NULL,
    platform_user_id TEXT NOT NULL,
    attempted_at     TEXT NOT NULL,
    outcome          TEXT NOT NULL,
    FOREIGN KEY (platform, platform_user_id)
        REFERENCES identities (platform, platform_user_id) ON DELETE CASCADE
);

CREATE INDEX connect_attempts_by_identity
    ON connect_attempts (platform, platform_user_id, attempted_at);

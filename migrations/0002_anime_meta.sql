-- 0002: a cache of MAL anime details for anime missing from our catalog
-- (filled by MalClient.fetch_anime; read by the learning loop and the cards).

CREATE TABLE anime_meta (
    anime_id   INTEGER PRIMARY KEY CHECK (anime_id > 0),
    title      TEXT NOT NULL DEFAULT '',
    payload    TEXT NOT NULL CHECK (json_valid(payload)),
    fetched_at TEXT NOT NULL
);

CREATE INDEX anime_meta_by_fetched_at ON anime_meta (fetched_at);

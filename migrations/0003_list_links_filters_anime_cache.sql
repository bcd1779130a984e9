-- 0003: list links named for what they hold (a MAL account or an uploaded export),
-- the filters of a "recommend" page kept with it (so "more" survives a restart),
-- and the cache of MAL anime details as typed rows.

-- A link is made only with its list (there is no "pending" link any more).
ALTER TABLE mal_links RENAME TO list_links;
DROP INDEX mal_links_by_username;
ALTER TABLE list_links DROP COLUMN status;

-- The filter text a "recommend" page was made with ('' for none; NULL for "similar").
ALTER TABLE suggestion_batches ADD COLUMN filter_text TEXT;
CREATE INDEX suggestion_batches_by_chat
    ON suggestion_batches (person_id, platform, chat_id, kind, id);

-- The old cache held raw MAL JSON; it is a cache, refilled by the next retrain.
DROP TABLE anime_meta;

CREATE TABLE anime_cache (
    anime_id       INTEGER PRIMARY KEY CHECK (anime_id > 0),
    title          TEXT NOT NULL,
    english_title  TEXT,
    japanese_title TEXT,
    synonyms       TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(synonyms)),
    genres         TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(genres)),
    type           TEXT NOT NULL DEFAULT 'Unknown',
    episodes       INTEGER,
    members        INTEGER NOT NULL DEFAULT 0,
    score          REAL,
    year           INTEGER,
    nsfw           INTEGER NOT NULL DEFAULT 0 CHECK (nsfw IN (0, 1)),
    synopsis       TEXT,
    fetched_at     TEXT NOT NULL
);

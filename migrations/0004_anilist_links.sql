-- 0004: a linked list may come from AniList (source 'anilist'), stored like a MAL list.
--
-- SQLite cannot change a CHECK constraint in place, so list_links is rebuilt. Dropping
-- it while list_entries references it would cascade-delete every entry, so list_entries
-- is moved onto the new table first (a rename re-points its foreign key), then the old
-- links table is dropped when nothing references it any more.

ALTER TABLE list_links RENAME TO list_links_old;

CREATE TABLE list_links (
    person_id   INTEGER PRIMARY KEY REFERENCES people (id) ON DELETE CASCADE,
    username    TEXT NOT NULL,
    source      TEXT NOT NULL CHECK (source IN ('mal', 'mal_xml', 'anilist')),
    linked_at   TEXT NOT NULL,
    fetched_at  TEXT,
    entry_count INTEGER NOT NULL DEFAULT 0 CHECK (entry_count >= 0)
);

INSERT INTO list_links (person_id, username, source, linked_at, fetched_at, entry_count)
    SELECT person_id, username, source, linked_at, fetched_at, entry_count FROM list_links_old;

CREATE TABLE list_entries_new (
    person_id        INTEGER NOT NULL REFERENCES list_links (person_id) ON DELETE CASCADE,
    anime_id         INTEGER NOT NULL CHECK (anime_id > 0),
    title            TEXT NOT NULL DEFAULT '',
    status           INTEGER NOT NULL CHECK (status IN (1, 2, 3, 4, 6)),
    score            INTEGER NOT NULL DEFAULT 0 CHECK (score BETWEEN 0 AND 10),
    episodes_watched INTEGER NOT NULL DEFAULT 0 CHECK (episodes_watched >= 0),
    updated_at       TEXT,
    PRIMARY KEY (person_id, anime_id)
) WITHOUT ROWID;

INSERT INTO list_entries_new
    (person_id, anime_id, title, status, score, episodes_watched, updated_at)
    SELECT person_id, anime_id, title, status, score, episodes_watched, updated_at
    FROM list_entries;

DROP TABLE list_entries;
ALTER TABLE list_entries_new RENAME TO list_entries;
CREATE INDEX list_entries_by_anime ON list_entries (anime_id);

DROP TABLE list_links_old;

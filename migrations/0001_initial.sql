-- 0001: people and their chat identities, linked MAL lists, suggestions shown,
-- feedback events and per-chat settings.
--
-- Conventions: timestamps are UTC ISO-8601 text ("2026-01-02T03:04:05.000000Z",
-- which sorts as time); anime ids are MAL ids; statuses are the Kaggle 2020 codes
-- (1 watching, 2 completed, 3 on hold, 4 dropped, 6 plan to watch; no 5).
-- Everything about a person hangs off people(id) with ON DELETE CASCADE, so
-- deleting the person row forgets them everywhere.

CREATE TABLE people (
    id         INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL
);

-- One row per chat account; one person may hold several (a Discord and a Telegram one).
CREATE TABLE identities (
    platform         TEXT NOT NULL CHECK (platform <> ''),
    platform_user_id TEXT NOT NULL CHECK (platform_user_id <> ''),
    person_id        INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    created_at       TEXT NOT NULL,
    PRIMARY KEY (platform, platform_user_id)
) WITHOUT ROWID;

CREATE INDEX identities_by_person ON identities (person_id);

-- The list source a person linked: at most one per person.
CREATE TABLE mal_links (
    person_id   INTEGER PRIMARY KEY REFERENCES people (id) ON DELETE CASCADE,
    username    TEXT NOT NULL,
    source      TEXT NOT NULL CHECK (source IN ('mal', 'mal_xml')),
    status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'ok', 'failed')),
    linked_at   TEXT NOT NULL,
    fetched_at  TEXT,
    entry_count INTEGER NOT NULL DEFAULT 0 CHECK (entry_count >= 0)
);

CREATE INDEX mal_links_by_username ON mal_links (username COLLATE NOCASE);

-- The last fetched snapshot of a linked list. Entries belong to the link:
-- unlinking (or forgetting the person) removes them.
CREATE TABLE list_entries (
    person_id        INTEGER NOT NULL REFERENCES mal_links (person_id) ON DELETE CASCADE,
    anime_id         INTEGER NOT NULL CHECK (anime_id > 0),
    title            TEXT NOT NULL DEFAULT '',
    status           INTEGER NOT NULL CHECK (status IN (1, 2, 3, 4, 6)),
    score            INTEGER NOT NULL DEFAULT 0 CHECK (score BETWEEN 0 AND 10),
    episodes_watched INTEGER NOT NULL DEFAULT 0 CHECK (episodes_watched >= 0),
    updated_at       TEXT,
    PRIMARY KEY (person_id, anime_id)
) WITHOUT ROWID;

CREATE INDEX list_entries_by_anime ON list_entries (anime_id);

-- One page of picks (or of "similar to X") shown to a person in a chat.
CREATE TABLE suggestion_batches (
    id         INTEGER PRIMARY KEY,
    person_id  INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    platform   TEXT NOT NULL,
    chat_id    TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('recommend', 'similar')),
    shown_at   TEXT NOT NULL
);

CREATE INDEX suggestion_batches_by_person ON suggestion_batches (person_id, shown_at);

-- One card of a batch. message_id is the chat message carrying the card (the
-- whole page's message, or the card's own message), so a later reaction or
-- button press on that message resolves to (person, anime).
CREATE TABLE suggestions (
    batch_id   INTEGER NOT NULL REFERENCES suggestion_batches (id) ON DELETE CASCADE,
    anime_id   INTEGER NOT NULL,
    position   INTEGER NOT NULL,
    person_id  INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    platform   TEXT NOT NULL,
    chat_id    TEXT NOT NULL,
    message_id TEXT,
    shown_at   TEXT NOT NULL,
    PRIMARY KEY (batch_id, anime_id)
);

CREATE INDEX suggestions_by_message ON suggestions (platform, chat_id, message_id)
    WHERE message_id IS NOT NULL;
CREATE INDEX suggestions_by_person ON suggestions (person_id, anime_id, shown_at);

-- Every thumbs up/down ever given. At most one active vote per (person, anime):
-- a new vote supersedes the old one, /undo marks it undone. Nothing is deleted
-- except by forgetting the person.
CREATE TABLE feedback (
    id         INTEGER PRIMARY KEY,
    person_id  INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    anime_id   INTEGER NOT NULL CHECK (anime_id > 0),
    value      INTEGER NOT NULL CHECK (value IN (-1, 1)),
    source     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    state      TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'superseded', 'undone')),
    ended_at   TEXT
);

CREATE UNIQUE INDEX feedback_one_active ON feedback (person_id, anime_id) WHERE state = 'active';
CREATE INDEX feedback_by_person ON feedback (person_id, created_at);

-- A new active vote supersedes the previous one in the same statement, so
-- recording a vote is a single atomic INSERT.
CREATE TRIGGER feedback_supersede_previous
BEFORE INSERT ON feedback
WHEN NEW.state = 'active'
BEGIN
    UPDATE feedback SET state = 'superseded', ended_at = NEW.created_at
    WHERE person_id = NEW.person_id AND anime_id = NEW.anime_id AND state = 'active';
END;

CREATE TABLE chat_settings (
    platform     TEXT NOT NULL,
    chat_id      TEXT NOT NULL,
    nsfw_allowed INTEGER NOT NULL DEFAULT 0 CHECK (nsfw_allowed IN (0, 1)),
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (platform, chat_id)
) WITHOUT ROWID;

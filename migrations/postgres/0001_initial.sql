-- PostgreSQL 0001: the schema SQLite reaches at its migration 0004, in PostgreSQL's types.
-- (PostgreSQL migrations are numbered on their own, from 0001; the version is recorded
-- in schema_migrations by bot.storage.postgres.migrations.)
--
-- Conventions: timestamps are timestamptz (UTC); anime ids are MAL ids; statuses are
-- the Kaggle 2020 codes (1 watching, 2 completed, 3 on hold, 4 dropped, 6 plan to
-- watch; no 5). Everything about a person hangs off people(id) with ON DELETE
-- CASCADE, so deleting the person row forgets them everywhere.

CREATE TABLE people (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at timestamptz NOT NULL
);

-- One row per chat account; one person may hold several (a Discord and a Telegram one).
CREATE TABLE identities (
    platform         text NOT NULL CHECK (platform <> ''),
    platform_user_id text NOT NULL CHECK (platform_user_id <> ''),
    person_id        bigint NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    created_at       timestamptz NOT NULL,
    PRIMARY KEY (platform, platform_user_id)
);

CREATE INDEX identities_by_person ON identities (person_id);

-- The list source a person linked (a MAL account, an uploaded export, AniList): at most one.
CREATE TABLE list_links (
    person_id   bigint PRIMARY KEY REFERENCES people (id) ON DELETE CASCADE,
    username    text NOT NULL,
    source      text NOT NULL CHECK (source IN ('mal', 'mal_xml', 'anilist')),
    linked_at   timestamptz NOT NULL,
    fetched_at  timestamptz,
    entry_count integer NOT NULL DEFAULT 0 CHECK (entry_count >= 0)
);

-- The last fetched snapshot of a linked list; unlinking (or forgetting) removes it.
CREATE TABLE list_entries (
    person_id        bigint NOT NULL REFERENCES list_links (person_id) ON DELETE CASCADE,
    anime_id         integer NOT NULL CHECK (anime_id > 0),
    title            text NOT NULL DEFAULT '',
    status           smallint NOT NULL CHECK (status IN (1, 2, 3, 4, 6)),
    score            smallint NOT NULL DEFAULT 0 CHECK (score BETWEEN 0 AND 10),
    episodes_watched integer NOT NULL DEFAULT 0 CHECK (episodes_watched >= 0),
    updated_at       timestamptz,
    PRIMARY KEY (person_id, anime_id)
);

CREATE INDEX list_entries_by_anime ON list_entries (anime_id);

-- One page of picks (or of "similar to X") shown to a person in a chat, with the
-- filter text a "recommend" page was made with ('' for none; NULL for "similar").
CREATE TABLE suggestion_batches (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id   bigint NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    platform    text NOT NULL,
    chat_id     text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('recommend', 'similar')),
    shown_at    timestamptz NOT NULL,
    filter_text text
);

CREATE INDEX suggestion_batches_by_person ON suggestion_batches (person_id, shown_at);
CREATE INDEX suggestion_batches_by_chat
    ON suggestion_batches (person_id, platform, chat_id, kind, id);

-- One card of a batch; message_id is the chat message carrying it.
CREATE TABLE suggestions (
    batch_id   bigint NOT NULL REFERENCES suggestion_batches (id) ON DELETE CASCADE,
    anime_id   integer NOT NULL,
    position   integer NOT NULL,
    person_id  bigint NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    platform   text NOT NULL,
    chat_id    text NOT NULL,
    message_id text,
    shown_at   timestamptz NOT NULL,
    PRIMARY KEY (batch_id, anime_id)
);

CREATE INDEX suggestions_by_message ON suggestions (platform, chat_id, message_id)
    WHERE message_id IS NOT NULL;
CREATE INDEX suggestions_by_person ON suggestions (person_id, anime_id, shown_at);

-- Every thumbs up/down ever given; at most one active vote per (person, anime).
-- The store marks the previous active vote superseded in the same transaction.
CREATE TABLE feedback (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id  bigint NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    anime_id   integer NOT NULL CHECK (anime_id > 0),
    value      smallint NOT NULL CHECK (value IN (-1, 1)),
    source     text NOT NULL,
    created_at timestamptz NOT NULL,
    state      text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'superseded', 'undone')),
    ended_at   timestamptz
);

CREATE UNIQUE INDEX feedback_one_active ON feedback (person_id, anime_id) WHERE state = 'active';
CREATE INDEX feedback_by_person ON feedback (person_id, created_at);

CREATE TABLE chat_settings (
    platform     text NOT NULL,
    chat_id      text NOT NULL,
    nsfw_allowed boolean NOT NULL DEFAULT false,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (platform, chat_id)
);

-- MAL's details of anime missing from our catalog, as typed rows.
CREATE TABLE anime_cache (
    anime_id       integer PRIMARY KEY CHECK (anime_id > 0),
    title          text NOT NULL,
    english_title  text,
    japanese_title text,
    synonyms       text[] NOT NULL DEFAULT '{}',
    genres         text[] NOT NULL DEFAULT '{}',
    type           text NOT NULL DEFAULT 'Unknown',
    episodes       integer,
    members        bigint NOT NULL DEFAULT 0,
    score          double precision,
    year           integer,
    nsfw           boolean NOT NULL DEFAULT false,
    synopsis       text,
    fetched_at     timestamptz NOT NULL
);

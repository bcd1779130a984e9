-- 0002 (SQLite's 0005): the anime cache also keeps cover art, air start date and typed
-- relations, for anime the shipped metadata lacks.

ALTER TABLE anime_cache ADD COLUMN picture_url text;
ALTER TABLE anime_cache ADD COLUMN start text;
ALTER TABLE anime_cache ADD COLUMN relations text[] NOT NULL DEFAULT '{}';

-- 0005: the anime cache also keeps what the franchise rules and cards need for anime the
-- shipped metadata lacks: cover art, air start date and typed relations
-- ('Sequel:25777;Prequel:1', the catalog's own encoding).

ALTER TABLE anime_cache ADD COLUMN picture_url TEXT;
ALTER TABLE anime_cache ADD COLUMN start TEXT;
ALTER TABLE anime_cache ADD COLUMN relations TEXT NOT NULL DEFAULT '';

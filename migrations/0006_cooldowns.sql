-- Cool-downs shared by every process on this database: one token bucket per person and
-- action ('link'), so replicas over one database hold one person to one /link rate.
-- tokens: what is left (at most the burst); stamp: when it was last taken, as Unix
-- seconds by the store's clock. Forgetting the person removes their buckets.

CREATE TABLE cooldowns (
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    action    TEXT NOT NULL CHECK (action <> ''),
    tokens    REAL NOT NULL CHECK (tokens >= 0),
    stamp     REAL NOT NULL,
    PRIMARY KEY (person_id, action)
) WITHOUT ROWID;

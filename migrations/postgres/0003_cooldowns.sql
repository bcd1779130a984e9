-- 0003 (SQLite's 0006): cool-downs shared by every replica: one token bucket per person
-- and action ('link'); tokens left (at most the burst) and when one was last taken (Unix
-- seconds by the store's clock). Forgetting the person removes their buckets.

CREATE TABLE cooldowns (
    person_id bigint NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    action    text NOT NULL CHECK (action <> ''),
    tokens    double precision NOT NULL CHECK (tokens >= 0),
    stamp     double precision NOT NULL,
    PRIMARY KEY (person_id, action)
);

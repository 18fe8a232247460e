-- Clarifications: a team's question (from_team_id set), the jury's answer
-- to that team or to everyone, or an announcement (from the jury, to
-- everyone when to_team_id is NULL). The first schema's table had no
-- author and nothing ever wrote to it: it is replaced.
DROP TABLE clarifications;
CREATE TABLE clarifications (
    id           INTEGER PRIMARY KEY,
    from_team_id TEXT REFERENCES teams(id) ON UPDATE CASCADE,
    to_team_id   TEXT REFERENCES teams(id) ON UPDATE CASCADE,
    reply_to_id  INTEGER REFERENCES clarifications(id),
    problem_id   TEXT REFERENCES problems(id) ON UPDATE CASCADE,
    text         TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 10000),
    at_ms        INTEGER NOT NULL,
    author       TEXT NOT NULL,
    CHECK (from_team_id IS NULL OR to_team_id IS NULL)
);
CREATE INDEX clarifications_by_team ON clarifications (from_team_id, to_team_id);

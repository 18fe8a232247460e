-- Rejudgings the jury previews before they count (DOMjudge's rejudging
-- sets): a rejudging's new judgings run like any other but replace the
-- judgings they were made from only when a jury member applies it; a
-- cancelled one changes nothing.
CREATE TABLE rejudgings (
    id          INTEGER PRIMARY KEY,
    reason      TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_ms  INTEGER NOT NULL,
    state       TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'applied', 'cancelled')),
    ended_by    TEXT,
    ended_ms    INTEGER
);
ALTER TABLE judgings ADD COLUMN rejudging_id INTEGER REFERENCES rejudgings(id);
CREATE INDEX judgings_by_rejudging ON judgings(rejudging_id) WHERE rejudging_id IS NOT NULL;

-- what the team's program wrote on a failed testcase (capped by the
-- judgehost and the jury), for the console's diff against the answer
ALTER TABLE runs ADD COLUMN team_output TEXT;

-- a pairing code the jury turned down: no longer offered for approval
ALTER TABLE pairing_codes ADD COLUMN refused_ms INTEGER;

-- balloons handed out: a team's first solve of a problem, marked by a
-- balloon runner when delivered
CREATE TABLE balloons_delivered (
    submission_id  INTEGER PRIMARY KEY REFERENCES submissions(id) ON DELETE CASCADE,
    delivered_ms   INTEGER NOT NULL,
    delivered_by   TEXT NOT NULL
);

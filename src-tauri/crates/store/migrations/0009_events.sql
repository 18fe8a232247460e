-- The event log: one ordered row per change a kiosk or console follows,
-- appended by triggers in the transaction of the change itself (whoever
-- writes: the server, a CLI, a migration). A row names what changed; the
-- reader looks up its current state. team_id scopes it: NULL is for
-- everyone (an announcement, the clock); a team's submission or
-- clarification is for that team (and the jury).
CREATE TABLE events (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms    INTEGER NOT NULL,
    kind     TEXT NOT NULL CHECK (kind IN ('submission', 'clarification', 'contest')),
    ref_id   INTEGER,
    team_id  TEXT
);
CREATE INDEX events_by_team ON events (team_id, id);

CREATE TRIGGER events_submission_insert AFTER INSERT ON submissions
BEGIN
    INSERT INTO events (at_ms, kind, ref_id, team_id)
    VALUES (CAST(unixepoch('subsec') * 1000 AS INTEGER), 'submission', NEW.id, NEW.team_id);
END;

CREATE TRIGGER events_submission_state AFTER UPDATE OF state ON submissions
WHEN OLD.state IS NOT NEW.state
BEGIN
    INSERT INTO events (at_ms, kind, ref_id, team_id)
    VALUES (CAST(unixepoch('subsec') * 1000 AS INTEGER), 'submission', NEW.id, NEW.team_id);
END;

CREATE TRIGGER events_queue_state AFTER UPDATE OF state ON judge_queue
WHEN OLD.state IS NOT NEW.state
BEGIN
    INSERT INTO events (at_ms, kind, ref_id, team_id)
    SELECT CAST(unixepoch('subsec') * 1000 AS INTEGER), 'submission', s.id, s.team_id
    FROM judgings j JOIN submissions s ON s.id = j.submission_id
    WHERE j.id = NEW.judging_id;
END;

CREATE TRIGGER events_judging_counts AFTER UPDATE OF valid ON judgings
WHEN OLD.valid IS NOT NEW.valid
BEGIN
    INSERT INTO events (at_ms, kind, ref_id, team_id)
    SELECT CAST(unixepoch('subsec') * 1000 AS INTEGER), 'submission', s.id, s.team_id
    FROM submissions s WHERE s.id = NEW.submission_id;
END;

CREATE TRIGGER events_run AFTER INSERT ON runs
BEGIN
    INSERT INTO events (at_ms, kind, ref_id, team_id)
    SELECT CAST(unixepoch('subsec') * 1000 AS INTEGER), 'submission', s.id, s.team_id
    FROM judgings j JOIN submissions s ON s.id = j.submission_id
    WHERE j.id = NEW.judging_id;
END;

CREATE TRIGGER events_clarification AFTER INSERT ON clarifications
BEGIN
    INSERT INTO events (at_ms, kind, ref_id, team_id)
    VALUES (CAST(unixepoch('subsec') * 1000 AS INTEGER), 'clarification', NEW.id,
            COALESCE(NEW.to_team_id, NEW.from_team_id));
END;

CREATE TRIGGER events_contest AFTER UPDATE ON contest
BEGIN
    INSERT INTO events (at_ms, kind, ref_id, team_id)
    VALUES (CAST(unixepoch('subsec') * 1000 AS INTEGER), 'contest', NULL, NULL);
END;

-- The event log also names the CLICS object each change is about, so the
-- Contest API's event feed is a plain read of the log: `object` is the CLICS
-- type (contest, state, languages, groups, organizations, teams, problems,
-- submissions, judgements, runs, clarifications) and `object_id` its id
-- (NULL for contest and state). A row with no object is for kiosks only
-- (a submission's queue position, a rejected callback). The new kind
-- 'setup' is a change kiosks do not follow (a team, a language).
--
-- Runs get the time they were recorded (CLICS run.time).

DROP TRIGGER events_submission_insert;
DROP TRIGGER events_submission_state;
DROP TRIGGER events_queue_state;
DROP TRIGGER events_judging_counts;
DROP TRIGGER events_run;
DROP TRIGGER events_clarification;
DROP TRIGGER events_contest;

CREATE TABLE events_v11 (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms      INTEGER NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('submission', 'clarification', 'contest', 'setup')),
    ref_id     INTEGER,
    team_id    TEXT,
    object     TEXT CHECK (object IS NULL OR object IN ('contest', 'state', 'languages',
                   'groups', 'organizations', 'teams', 'problems', 'submissions',
                   'judgements', 'runs', 'clarifications')),
    object_id  TEXT
);
INSERT INTO events_v11 (id, at_ms, kind, ref_id, team_id)
    SELECT id, at_ms, kind, ref_id, team_id FROM events;
DROP TABLE events;
ALTER TABLE events_v11 RENAME TO events;
CREATE INDEX events_by_team ON events (team_id, id);
CREATE INDEX events_with_object ON events (id) WHERE object IS NOT NULL;
CREATE INDEX events_state_by_time ON events (at_ms) WHERE object = 'state';

ALTER TABLE runs ADD COLUMN recorded_ms INTEGER;
UPDATE runs SET recorded_ms = (SELECT COALESCE(j.finished_ms, j.started_ms, 0)
                               FROM judgings j WHERE j.id = runs.judging_id);

-- What a contest made before this log had, as if it had been logged: the
-- setup first, then each received submission with its judgings and runs.
INSERT INTO events (at_ms, kind, object)
    SELECT created_ms, 'contest', 'contest' FROM contest;
INSERT INTO events (at_ms, kind, object)
    SELECT created_ms, 'setup', 'state' FROM contest;
INSERT INTO events (at_ms, kind, object, object_id)
    SELECT (SELECT created_ms FROM contest), 'setup', 'languages', id FROM languages ORDER BY id;
INSERT INTO events (at_ms, kind, object, object_id)
    SELECT (SELECT created_ms FROM contest), 'setup', 'groups', id FROM groups ORDER BY id;
INSERT INTO events (at_ms, kind, object, object_id)
    SELECT (SELECT created_ms FROM contest), 'setup', 'organizations', id
    FROM organizations ORDER BY id;
INSERT INTO events (at_ms, kind, team_id, object, object_id)
    SELECT (SELECT created_ms FROM contest), 'setup', id, 'teams', id FROM teams ORDER BY id;
INSERT INTO events (at_ms, kind, object, object_id)
    SELECT imported_ms, 'contest', 'problems', id FROM problems ORDER BY ordinal;
INSERT INTO events (at_ms, kind, ref_id, team_id, object, object_id)
    SELECT at_ms, 'submission', sid, team_id, object, object_id FROM (
        SELECT s.submitted_ms AS at_ms, s.id AS sid, s.team_id, 'submissions' AS object,
               CAST(s.id AS TEXT) AS object_id, s.id AS o1, 0 AS o2, 0 AS o3
        FROM submissions s WHERE s.state = 'received'
        UNION ALL
        SELECT COALESCE(j.started_ms, s.submitted_ms), s.id, s.team_id, 'judgements',
               CAST(j.id AS TEXT), s.id, j.id, 0
        FROM judgings j JOIN submissions s ON s.id = j.submission_id
        WHERE j.started_ms IS NOT NULL
        UNION ALL
        SELECT COALESCE(r.recorded_ms, 0), s.id, s.team_id, 'runs',
               j.id || '-' || t.ordinal, s.id, j.id, t.ordinal
        FROM runs r JOIN judgings j ON j.id = r.judging_id
             JOIN submissions s ON s.id = j.submission_id
             JOIN testcases t ON t.id = r.testcase_id
        ORDER BY o1, o2, o3
    );
INSERT INTO events (at_ms, kind, ref_id, team_id, object, object_id)
    SELECT at_ms, 'clarification', id, COALESCE(to_team_id, from_team_id), 'clarifications',
           CAST(id AS TEXT)
    FROM clarifications ORDER BY id;

-- Submissions: every change for kiosks; the CLICS submission once its
-- files are verified (before that, and when refused, it is not one).
CREATE TRIGGER events_submission_insert AFTER INSERT ON submissions
BEGIN
    INSERT INTO events (at_ms, kind, ref_id, team_id)
    VALUES (CAST(unixepoch('subsec') * 1000 AS INTEGER), 'submission', NEW.id, NEW.team_id);
END;

CREATE TRIGGER events_submission_state AFTER UPDATE OF state ON submissions
WHEN OLD.state IS NOT NEW.state
BEGIN
    INSERT INTO events (at_ms, kind, ref_id, team_id, object, object_id)
    VALUES (CAST(unixepoch('subsec') * 1000 AS INTEGER), 'submission', NEW.id, NEW.team_id,
            CASE WHEN NEW.state = 'received' THEN 'submissions' END,
            CASE WHEN NEW.state = 'received' THEN CAST(NEW.id AS TEXT) END);
END;

-- The queue: a lease starts a judgement, done ends it.
CREATE TRIGGER events_queue_state AFTER UPDATE OF state ON judge_queue
WHEN OLD.state IS NOT NEW.state
BEGIN
    INSERT INTO events (at_ms, kind, ref_id, team_id, object, object_id)
    SELECT CAST(unixepoch('subsec') * 1000 AS INTEGER), 'submission', s.id, s.team_id,
           CASE WHEN NEW.state IN ('leased', 'done') THEN 'judgements' END,
           CASE WHEN NEW.state IN ('leased', 'done') THEN CAST(j.id AS TEXT) END
    FROM judgings j JOIN submissions s ON s.id = j.submission_id
    WHERE j.id = NEW.judging_id;
END;

CREATE TRIGGER events_judging_counts AFTER UPDATE OF valid ON judgings
WHEN OLD.valid IS NOT NEW.valid
BEGIN
    INSERT INTO events (at_ms, kind, ref_id, team_id, object, object_id)
    SELECT CAST(unixepoch('subsec') * 1000 AS INTEGER), 'submission', s.id, s.team_id,
           'judgements', CAST(NEW.id AS TEXT)
    FROM submissions s WHERE s.id = NEW.submission_id;
END;

CREATE TRIGGER events_run AFTER INSERT ON runs
BEGIN
    INSERT INTO events (at_ms, kind, ref_id, team_id, object, object_id)
    SELECT CAST(unixepoch('subsec') * 1000 AS INTEGER), 'submission', s.id, s.team_id,
           'runs', j.id || '-' || t.ordinal
    FROM judgings j JOIN submissions s ON s.id = j.submission_id
         JOIN testcases t ON t.id = NEW.testcase_id
    WHERE j.id = NEW.judging_id;
END;

CREATE TRIGGER events_clarification AFTER INSERT ON clarifications
BEGIN
    INSERT INTO events (at_ms, kind, ref_id, team_id, object, object_id)
    VALUES (CAST(unixepoch('subsec') * 1000 AS INTEGER), 'clarification', NEW.id,
            COALESCE(NEW.to_team_id, NEW.from_team_id), 'clarifications', CAST(NEW.id AS TEXT));
END;

-- The contest: its settings and its state (start, freeze, end, thaw); the
-- state row is 'setup' so a kiosk gets one push per change.
CREATE TRIGGER events_contest_insert AFTER INSERT ON contest
BEGIN
    INSERT INTO events (at_ms, kind, object)
    VALUES (CAST(unixepoch('subsec') * 1000 AS INTEGER), 'contest', 'contest');
    INSERT INTO events (at_ms, kind, object)
    VALUES (CAST(unixepoch('subsec') * 1000 AS INTEGER), 'setup', 'state');
END;

CREATE TRIGGER events_contest AFTER UPDATE ON contest
BEGIN
    INSERT INTO events (at_ms, kind, object)
    VALUES (CAST(unixepoch('subsec') * 1000 AS INTEGER), 'contest', 'contest');
    INSERT INTO events (at_ms, kind, object)
    VALUES (CAST(unixepoch('subsec') * 1000 AS INTEGER), 'setup', 'state');
END;

-- Problems change what kiosks show: kind contest.
CREATE TRIGGER events_problem_insert AFTER INSERT ON problems
BEGIN
    INSERT INTO events (at_ms, kind, object, object_id)
    VALUES (CAST(unixepoch('subsec') * 1000 AS INTEGER), 'contest', 'problems', NEW.id);
END;

CREATE TRIGGER events_problem_update AFTER UPDATE ON problems
BEGIN
    INSERT INTO events (at_ms, kind, object, object_id)
    SELECT CAST(unixepoch('subsec') * 1000 AS INTEGER), 'contest', 'problems', OLD.id
    WHERE OLD.id IS NOT NEW.id;
    INSERT INTO events (at_ms, kind, object, object_id)
    VALUES (CAST(unixepoch('subsec') * 1000 AS INTEGER), 'contest', 'problems', NEW.id);
END;

CREATE TRIGGER events_problem_delete AFTER DELETE ON problems
BEGIN
    INSERT INTO events (at_ms, kind, object, object_id)
    VALUES (CAST(unixepoch('subsec') * 1000 AS INTEGER), 'contest', 'problems', OLD.id);
END;

-- Teams: their CLICS fields (not the address or password, which are the
-- jury's business).
CREATE TRIGGER events_team_insert AFTER INSERT ON teams
BEGIN
    INSERT INTO events (at_ms, kind, team_id, object, object_id)
    VALUES (CAST(unixepoch('subsec') * 1000 AS INTEGER), 'setup', NEW.id, 'teams', NEW.id);
END;

CREATE TRIGGER events_team_update AFTER UPDATE ON teams
WHEN OLD.id IS NOT NEW.id OR OLD.icpc_id IS NOT NEW.icpc_id OR OLD.label IS NOT NEW.label
  OR OLD.name IS NOT NEW.name OR OLD.display_name IS NOT NEW.display_name
  OR OLD.organization_id IS NOT NEW.organization_id OR OLD.location IS NOT NEW.location
  OR OLD.hidden IS NOT NEW.hidden
BEGIN
    INSERT INTO events (at_ms, kind, team_id, object, object_id)
    SELECT CAST(unixepoch('subsec') * 1000 AS INTEGER), 'setup', OLD.id, 'teams', OLD.id
    WHERE OLD.id IS NOT NEW.id;
    INSERT INTO events (at_ms, kind, team_id, object, object_id)
    VALUES (CAST(unixepoch('subsec') * 1000 AS INTEGER), 'setup', NEW.id, 'teams', NEW.id);
END;

CREATE TRIGGER events_team_delete AFTER DELETE ON teams
BEGIN
    INSERT INTO events (at_ms, kind, team_id, object, object_id)
    VALUES (CAST(unixepoch('subsec') * 1000 AS INTEGER), 'setup', OLD.id, 'teams', OLD.id);
END;

CREATE TRIGGER events_language_insert AFTER INSERT ON languages
BEGIN
    INSERT INTO events (at_ms, kind, object, object_id)
    VALUES (CAST(unixepoch('subsec') * 1000 AS INTEGER), 'setup', 'languages', NEW.id);
END;

CREATE TRIGGER events_language_update AFTER UPDATE ON languages
WHEN OLD.name IS NOT NEW.name OR OLD.extensions IS NOT NEW.extensions
  OR OLD.allow_submit IS NOT NEW.allow_submit OR OLD.compiler IS NOT NEW.compiler
  OR OLD.runner IS NOT NEW.runner
BEGIN
    INSERT INTO events (at_ms, kind, object, object_id)
    VALUES (CAST(unixepoch('subsec') * 1000 AS INTEGER), 'setup', 'languages', NEW.id);
END;

CREATE TRIGGER events_group_insert AFTER INSERT ON groups
BEGIN
    INSERT INTO events (at_ms, kind, object, object_id)
    VALUES (CAST(unixepoch('subsec') * 1000 AS INTEGER), 'setup', 'groups', NEW.id);
END;

CREATE TRIGGER events_group_update AFTER UPDATE ON groups
WHEN OLD.icpc_id IS NOT NEW.icpc_id OR OLD.name IS NOT NEW.name OR OLD.hidden IS NOT NEW.hidden
BEGIN
    INSERT INTO events (at_ms, kind, object, object_id)
    VALUES (CAST(unixepoch('subsec') * 1000 AS INTEGER), 'setup', 'groups', NEW.id);
END;

CREATE TRIGGER events_organization_insert AFTER INSERT ON organizations
BEGIN
    INSERT INTO events (at_ms, kind, object, object_id)
    VALUES (CAST(unixepoch('subsec') * 1000 AS INTEGER), 'setup', 'organizations', NEW.id);
END;

CREATE TRIGGER events_organization_update AFTER UPDATE ON organizations
WHEN OLD.icpc_id IS NOT NEW.icpc_id OR OLD.name IS NOT NEW.name
  OR OLD.formal_name IS NOT NEW.formal_name OR OLD.country IS NOT NEW.country
BEGIN
    INSERT INTO events (at_ms, kind, object, object_id)
    VALUES (CAST(unixepoch('subsec') * 1000 AS INTEGER), 'setup', 'organizations', NEW.id);
END;

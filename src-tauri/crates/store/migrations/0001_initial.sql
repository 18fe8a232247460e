-- floorjudge schema, version 1. Migrations are append-only: never edit a
-- released one, add the next number instead.
-- Times are integer milliseconds since the Unix epoch (UTC), durations are
-- integer seconds unless the column name says otherwise.

CREATE TABLE contest (
    singleton        INTEGER PRIMARY KEY CHECK (singleton = 1),
    id               TEXT NOT NULL,
    name             TEXT NOT NULL,
    formal_name      TEXT,
    start_time_ms    INTEGER,
    duration_s       INTEGER NOT NULL CHECK (duration_s > 0),
    freeze_s         INTEGER NOT NULL DEFAULT 0 CHECK (freeze_s >= 0),
    penalty_minutes  INTEGER NOT NULL DEFAULT 20 CHECK (penalty_minutes >= 0),
    scoreboard_type  TEXT NOT NULL DEFAULT 'pass-fail',
    -- comma-separated subset of: ip, password, pairing
    id_modes         TEXT NOT NULL DEFAULT 'ip,password,pairing',
    default_time_limit_ms INTEGER NOT NULL DEFAULT 2000,
    created_ms       INTEGER NOT NULL
);

CREATE TABLE blobs (
    sha256  TEXT PRIMARY KEY,
    size    INTEGER NOT NULL,
    data    BLOB NOT NULL
);

CREATE TABLE organizations (
    id           TEXT PRIMARY KEY,
    icpc_id      TEXT,
    name         TEXT NOT NULL,
    formal_name  TEXT,
    country      TEXT
);

CREATE TABLE groups (
    id       TEXT PRIMARY KEY,
    icpc_id  TEXT,
    name     TEXT NOT NULL,
    hidden   INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE teams (
    id               TEXT PRIMARY KEY,
    icpc_id          TEXT,
    label            TEXT,
    name             TEXT NOT NULL,
    display_name     TEXT,
    organization_id  TEXT REFERENCES organizations(id) ON UPDATE CASCADE,
    location         TEXT,
    hidden           INTEGER NOT NULL DEFAULT 0,
    ip               TEXT UNIQUE,
    password_hash    TEXT
);

CREATE TABLE team_groups (
    team_id   TEXT NOT NULL REFERENCES teams(id) ON UPDATE CASCADE ON DELETE CASCADE,
    group_id  TEXT NOT NULL REFERENCES groups(id) ON UPDATE CASCADE ON DELETE CASCADE,
    PRIMARY KEY (team_id, group_id)
);

-- Logins that are not the team itself: jury members, admins, and team
-- accounts imported from accounts files (which point at their team).
CREATE TABLE accounts (
    username       TEXT PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    kind           TEXT NOT NULL CHECK (kind IN ('team', 'judge', 'admin', 'analyst', 'staff')),
    name           TEXT,
    team_id        TEXT REFERENCES teams(id) ON UPDATE CASCADE ON DELETE CASCADE,
    ip             TEXT,
    password_hash  TEXT,
    CHECK ((kind = 'team') = (team_id IS NOT NULL))
);

CREATE TABLE problems (
    id                 TEXT PRIMARY KEY,
    label              TEXT NOT NULL UNIQUE,
    ordinal            INTEGER NOT NULL,
    name               TEXT NOT NULL,
    color              TEXT,
    rgb                TEXT,
    format_version     TEXT NOT NULL,
    problem_type       TEXT NOT NULL,
    validation         TEXT NOT NULL,
    validator_flags    TEXT NOT NULL DEFAULT '',
    time_limit_ms      INTEGER NOT NULL CHECK (time_limit_ms > 0),
    time_limit_source  TEXT NOT NULL,
    memory_mib         INTEGER NOT NULL CHECK (memory_mib > 0),
    output_mib         INTEGER NOT NULL CHECK (output_mib > 0),
    package_sha256     TEXT NOT NULL,
    imported_ms        INTEGER NOT NULL
);

-- Every file of the package, by content, so judgehosts can fetch validators
-- and statements by hash.
CREATE TABLE problem_files (
    problem_id  TEXT NOT NULL REFERENCES problems(id) ON UPDATE CASCADE ON DELETE CASCADE,
    path        TEXT NOT NULL,
    sha256      TEXT NOT NULL REFERENCES blobs(sha256),
    PRIMARY KEY (problem_id, path)
);

-- Test data groups (data/sample, data/secret, data/secret/sub1, ...) with the
-- settings of their testdata.yaml / test_group.yaml, as JSON.
CREATE TABLE test_groups (
    problem_id     TEXT NOT NULL REFERENCES problems(id) ON UPDATE CASCADE ON DELETE CASCADE,
    path           TEXT NOT NULL,
    settings_json  TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (problem_id, path)
);

CREATE TABLE testcases (
    id             INTEGER PRIMARY KEY,
    problem_id     TEXT NOT NULL REFERENCES problems(id) ON UPDATE CASCADE ON DELETE CASCADE,
    ordinal        INTEGER NOT NULL,
    group_path     TEXT NOT NULL,
    name           TEXT NOT NULL,
    sample         INTEGER NOT NULL,
    input_sha256   TEXT NOT NULL REFERENCES blobs(sha256),
    answer_sha256  TEXT NOT NULL REFERENCES blobs(sha256),
    description    TEXT,
    -- a re-import retires the old testcases (runs keep pointing at them)
    retired        INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX testcases_current_ordinal
    ON testcases(problem_id, ordinal) WHERE NOT retired;
CREATE UNIQUE INDEX testcases_current_name
    ON testcases(problem_id, group_path, name) WHERE NOT retired;

CREATE TABLE languages (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    extensions    TEXT NOT NULL,
    allow_submit  INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE submissions (
    id              INTEGER PRIMARY KEY,
    team_id         TEXT NOT NULL REFERENCES teams(id) ON UPDATE CASCADE,
    problem_id      TEXT NOT NULL REFERENCES problems(id) ON UPDATE CASCADE,
    language_id     TEXT NOT NULL REFERENCES languages(id) ON UPDATE CASCADE,
    submitted_ms    INTEGER NOT NULL,
    source_ip       TEXT NOT NULL,
    callback_name   TEXT NOT NULL,
    client_nonce    TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'received', 'rejected')),
    reject_reason   TEXT,
    UNIQUE (team_id, client_nonce)
);

CREATE TABLE submission_files (
    submission_id  INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
    filename       TEXT NOT NULL,
    size           INTEGER NOT NULL,
    sha256         TEXT NOT NULL,
    -- NULL until the callback pull verified the content
    blob_sha256    TEXT REFERENCES blobs(sha256),
    PRIMARY KEY (submission_id, filename)
);

CREATE TABLE judgehosts (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    secret_hash   TEXT,
    enabled       INTEGER NOT NULL DEFAULT 1,
    last_seen_ms  INTEGER,
    health_json   TEXT
);

CREATE TABLE judgings (
    id             INTEGER PRIMARY KEY,
    submission_id  INTEGER NOT NULL REFERENCES submissions(id),
    judgehost_id   INTEGER REFERENCES judgehosts(id),
    started_ms     INTEGER,
    finished_ms    INTEGER,
    verdict        TEXT CHECK (verdict IN ('AC', 'WA', 'TLE', 'MLE', 'RTE', 'OLE', 'CE')),
    -- the judging that counts for the scoreboard; older ones stay for history
    valid          INTEGER NOT NULL DEFAULT 1,
    compile_output TEXT
);

CREATE TABLE runs (
    judging_id    INTEGER NOT NULL REFERENCES judgings(id) ON DELETE CASCADE,
    testcase_id   INTEGER NOT NULL REFERENCES testcases(id),
    verdict       TEXT NOT NULL CHECK (verdict IN ('AC', 'WA', 'TLE', 'MLE', 'RTE', 'OLE')),
    fuel          INTEGER,
    time_ms       INTEGER,
    memory_bytes  INTEGER,
    message       TEXT,
    PRIMARY KEY (judging_id, testcase_id)
);

CREATE TABLE clarifications (
    id            INTEGER PRIMARY KEY,
    from_team_id  TEXT REFERENCES teams(id) ON UPDATE CASCADE,
    to_team_id    TEXT REFERENCES teams(id) ON UPDATE CASCADE,
    reply_to_id   INTEGER REFERENCES clarifications(id),
    problem_id    TEXT REFERENCES problems(id) ON UPDATE CASCADE,
    sent_ms       INTEGER NOT NULL,
    text          TEXT NOT NULL
);

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at_ms      INTEGER NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    subject    TEXT,
    detail     TEXT,
    source_ip  TEXT
);

CREATE INDEX submissions_by_team ON submissions(team_id);
CREATE INDEX judgings_by_submission ON judgings(submission_id);

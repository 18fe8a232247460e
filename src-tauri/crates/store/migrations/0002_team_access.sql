-- Team sessions, pairing codes and the callback state of submissions.

-- Split session tokens: the kiosk holds selector.verifier; we keep the
-- selector and an HMAC of verifier, team and expiry, never the verifier.
CREATE TABLE sessions (
    selector      TEXT PRIMARY KEY,
    team_id       TEXT NOT NULL REFERENCES teams(id) ON UPDATE CASCADE ON DELETE CASCADE,
    ip            TEXT NOT NULL,
    mode          TEXT NOT NULL CHECK (mode IN ('ip', 'password', 'pairing')),
    verifier_mac  TEXT NOT NULL,
    created_ms    INTEGER NOT NULL,
    expires_ms    INTEGER NOT NULL
);
CREATE INDEX sessions_by_team ON sessions(team_id);

-- Codes shown by unknown workstations, approved by a jury member.
CREATE TABLE pairing_codes (
    code         TEXT PRIMARY KEY,
    ip           TEXT NOT NULL,
    created_ms   INTEGER NOT NULL,
    expires_ms   INTEGER NOT NULL,
    team_id      TEXT REFERENCES teams(id) ON UPDATE CASCADE ON DELETE CASCADE,
    approved_ms  INTEGER
);
CREATE INDEX pairing_codes_by_ip ON pairing_codes(ip);

ALTER TABLE submissions ADD COLUMN callback_port INTEGER NOT NULL DEFAULT 0;
ALTER TABLE submissions ADD COLUMN fetch_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE submissions ADD COLUMN received_ms INTEGER;
-- why a rejection happened, as a code: 'unreachable' may be retried by the
-- kiosk resending its reference; 'mismatch' and 'invalid' are final
ALTER TABLE submissions ADD COLUMN reject_kind TEXT;
CREATE INDEX submissions_by_state ON submissions(state);

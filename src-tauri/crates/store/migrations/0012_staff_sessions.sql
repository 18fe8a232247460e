-- Console sessions of staff: a login (password, and the TOTP code once
-- enrolled) gives a split token `selector.verifier`; the store keeps the
-- selector and an HMAC of verifier, name and expiry (a copy of the
-- database yields no working token). Removing the account ends them.
CREATE TABLE staff_sessions (
    selector      TEXT PRIMARY KEY CHECK (length(selector) = 24),
    name          TEXT NOT NULL REFERENCES staff(name) ON DELETE CASCADE,
    verifier_mac  TEXT NOT NULL,
    source_ip     TEXT NOT NULL,
    created_ms    INTEGER NOT NULL,
    expires_ms    INTEGER NOT NULL
);
CREATE INDEX staff_sessions_by_name ON staff_sessions (name);

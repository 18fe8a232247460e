-- Staff accounts: jury members, admins, balloon runners and analysts.
-- Passwords are argon2id PHC strings; the TOTP secret (base32) is set by
-- enrolment; totp_last_step is the last time step accepted (a code works
-- once). Recovery codes are stored as SHA-256 hashes and used once.
CREATE TABLE staff (
    name           TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 64),
    role           TEXT NOT NULL CHECK (role IN ('admin', 'jury', 'balloon', 'analyst')),
    password_hash  TEXT NOT NULL,
    totp_secret    TEXT,
    totp_last_step INTEGER,
    created_ms     INTEGER NOT NULL
);
CREATE TABLE staff_recovery_codes (
    name      TEXT NOT NULL REFERENCES staff(name) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_ms   INTEGER,
    PRIMARY KEY (name, code_hash)
);

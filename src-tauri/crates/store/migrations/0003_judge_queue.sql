-- The judge queue, judgehost credentials and replay protection.

-- A judgehost's credential: key_id is the public token; its secret is derived
-- from the jury's key file and never stored.
ALTER TABLE judgehosts ADD COLUMN key_id TEXT;
ALTER TABLE judgehosts ADD COLUMN created_ms INTEGER;
ALTER TABLE judgehosts ADD COLUMN revoked_ms INTEGER;
CREATE UNIQUE INDEX judgehosts_by_key ON judgehosts(key_id);

ALTER TABLE judgings ADD COLUMN queued_ms INTEGER;
-- a rejudge points at the judging it may replace; it becomes valid when it finishes
ALTER TABLE judgings ADD COLUMN rejudge_of INTEGER REFERENCES judgings(id);
-- a judge error (no verdict): the jury must look
ALTER TABLE judgings ADD COLUMN error TEXT;

-- queued -> leased -> done; priority 0 = new submission, 1 = rejudge
CREATE TABLE judge_queue (
    judging_id        INTEGER PRIMARY KEY REFERENCES judgings(id) ON DELETE CASCADE,
    priority          INTEGER NOT NULL,
    state             TEXT NOT NULL CHECK (state IN ('queued', 'leased', 'done')),
    judgehost_id      INTEGER REFERENCES judgehosts(id),
    lease_nonce       TEXT,
    lease_expires_ms  INTEGER,
    leases            INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX judge_queue_order ON judge_queue(state, priority, judging_id);

-- signatures of judgehost requests seen in the replay window
CREATE TABLE request_signatures (
    signature  TEXT PRIMARY KEY,
    seen_ms    INTEGER NOT NULL
);

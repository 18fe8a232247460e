-- Leases lost to a judgehost that stopped answering (crashed or hung while
-- judging). A judging that has lost this many is not leased again: it ends
-- as a judge error for the jury instead of taking judgehost after judgehost down.
ALTER TABLE judge_queue ADD COLUMN lost_leases INTEGER NOT NULL DEFAULT 0;

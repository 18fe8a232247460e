-- When the jury lifted the scoreboard freeze (NULL: not lifted).
ALTER TABLE contest ADD COLUMN thawed_ms INTEGER;

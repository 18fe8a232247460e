-- How many medals the contest gives (DOMjudge's defaults: 4 of each, no
-- extra bronze), used by the results export and the Contest API's awards.
ALTER TABLE contest ADD COLUMN gold_medals INTEGER NOT NULL DEFAULT 4
    CHECK (gold_medals BETWEEN 0 AND 1000);
ALTER TABLE contest ADD COLUMN silver_medals INTEGER NOT NULL DEFAULT 4
    CHECK (silver_medals BETWEEN 0 AND 1000);
ALTER TABLE contest ADD COLUMN bronze_medals INTEGER NOT NULL DEFAULT 4
    CHECK (bronze_medals BETWEEN 0 AND 1000);
ALTER TABLE contest ADD COLUMN extra_bronze_medals INTEGER NOT NULL DEFAULT 0
    CHECK (extra_bronze_medals BETWEEN 0 AND 1000);

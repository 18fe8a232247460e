-- The language table: how each language is judged (the backend that runs
-- it, the time factor organizers may set, the compile and run commands
-- shown to teams), and Java and Kotlin for contests made before them.
ALTER TABLE languages ADD COLUMN backend TEXT NOT NULL DEFAULT 'wasm'
    CHECK (backend IN ('wasm', 'native'));
ALTER TABLE languages ADD COLUMN time_factor REAL NOT NULL DEFAULT 1.0
    CHECK (time_factor >= 0.1 AND time_factor <= 20.0);
ALTER TABLE languages ADD COLUMN compiler TEXT NOT NULL DEFAULT '';
ALTER TABLE languages ADD COLUMN runner TEXT NOT NULL DEFAULT '';

UPDATE languages SET
    compiler = 'clang-14 --target=wasm32-wasi -O2 -std=gnu11 {files} -lm',
    runner = 'wasmtime (deterministic fuel)'
WHERE id = 'c';
UPDATE languages SET
    compiler = 'clang++-14 --target=wasm32-wasi -O2 -std=gnu++20 -fno-exceptions {files}',
    runner = 'wasmtime (deterministic fuel)'
WHERE id = 'cpp';
UPDATE languages SET
    compiler = 'rustc --edition 2021 --target wasm32-wasi -O {files}',
    runner = 'wasmtime (deterministic fuel)'
WHERE id = 'rust';
UPDATE languages SET
    runner = 'CPython 3.12 for WASI in wasmtime (deterministic fuel)'
WHERE id = 'python3';

-- Only a contest that already exists gets them here; a new one gets every
-- default when it is created.
INSERT INTO languages (id, name, extensions, backend, compiler, runner)
SELECT 'java', 'Java', 'java', 'native',
       'javac -encoding UTF-8 {files}',
       'java -Xmx{memory} -Xss64m -XX:+UseSerialGC {main class}'
WHERE EXISTS (SELECT 1 FROM contest)
  AND NOT EXISTS (SELECT 1 FROM languages WHERE id = 'java');
INSERT INTO languages (id, name, extensions, backend, compiler, runner)
SELECT 'kotlin', 'Kotlin', 'kt', 'native',
       'kotlinc 2.4 -no-reflect {files}',
       'java -Xmx{memory} -Xss64m -XX:+UseSerialGC -cp .:kotlin-stdlib.jar {main class}'
WHERE EXISTS (SELECT 1 FROM contest)
  AND NOT EXISTS (SELECT 1 FROM languages WHERE id = 'kotlin');

//! Helpers for floorjudge's cross-process system tests.
//!
//! The system tests themselves (jury, judgehosts and team agents as separate
//! processes on 127.0.0.N) arrive with the callback and queue issues; the
//! organizer command-line tests live beside their binary in `server/tests`.

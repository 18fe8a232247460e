//! The TypeScript declarations of everything that crosses from Rust to the
//! windows, generated from the Rust types (ts-rs) into `ui/src/bindings.ts`.
//! A test fails when the committed file is stale; `FLOORJUDGE_WRITE_BINDINGS=1
//! cargo test -p floorjudge-app bindings` rewrites it.

#[cfg(test)]
mod tests {
    use floorjudge_proto::team::*;
    use ts_rs::{Config, TS};

    use crate::error::CommandError;
    use crate::jury::{ConsoleState, StaffMember};
    use crate::team::*;

    fn typescript() -> String {
        let cfg = Config::new().with_large_int("number");
        let decls = [
            Verdict::decl(&cfg),
            TeamInfo::decl(&cfg),
            Session::decl(&cfg),
            PairingCode::decl(&cfg),
            SubmissionPhase::decl(&cfg),
            SubmissionStatus::decl(&cfg),
            ContestInfo::decl(&cfg),
            ProblemInfo::decl(&cfg),
            LanguageInfo::decl(&cfg),
            ClarificationInfo::decl(&cfg),
            ProblemMaterial::decl(&cfg),
            MaterialFile::decl(&cfg),
            SampleInfo::decl(&cfg),
            TeamScoreboard::decl(&cfg),
            BoardColumn::decl(&cfg),
            BoardRow::decl(&cfg),
            BoardScore::decl(&cfg),
            BoardCell::decl(&cfg),
            CommandError::decl(&cfg),
            KioskState::decl(&cfg),
            ContestView::decl(&cfg),
            JuryLink::decl(&cfg),
            PendingSubmission::decl(&cfg),
            UploadFile::decl(&cfg),
            SubmitOutcome::decl(&cfg),
            TeamPush::decl(&cfg),
            WatchChange::decl(&cfg),
            StaffMember::decl(&cfg),
            ConsoleState::decl(&cfg),
            floorjudge_console::SubmissionRow::decl(&cfg),
            floorjudge_console::JuryBoards::decl(&cfg),
            floorjudge_console::JuryBoardProblem::decl(&cfg),
            floorjudge_console::JuryBoardRow::decl(&cfg),
            floorjudge_console::JuryBoardCell::decl(&cfg),
            floorjudge_proto::staff::PairingRequest::decl(&cfg),
            floorjudge_proto::staff::TeamRow::decl(&cfg),
            floorjudge_proto::staff::RejudgeRequest::decl(&cfg),
            floorjudge_proto::staff::RejudgeChange::decl(&cfg),
            floorjudge_proto::staff::RejudgingView::decl(&cfg),
            floorjudge_proto::staff::JuryClarification::decl(&cfg),
            floorjudge_proto::staff::SourceFile::decl(&cfg),
            floorjudge_proto::staff::RunDetail::decl(&cfg),
            floorjudge_proto::staff::FailedTestcase::decl(&cfg),
            floorjudge_proto::staff::JudgingDetail::decl(&cfg),
            floorjudge_proto::staff::SubmissionDetail::decl(&cfg),
            floorjudge_proto::staff::JudgehostView::decl(&cfg),
            floorjudge_proto::staff::AuditLine::decl(&cfg),
            floorjudge_proto::staff::BalloonView::decl(&cfg),
            floorjudge_proto::staff::PasswordRequest::decl(&cfg),
            floorjudge_proto::staff::PasswordSlip::decl(&cfg),
        ];
        let mut out = String::from(
            "// Generated from the Rust types by src-tauri/src/bindings.rs: do not edit.\n",
        );
        for d in decls {
            out.push('\n');
            out.push_str("export ");
            out.push_str(&d);
            out.push('\n');
        }
        out
    }

    use floorjudge_proto::Verdict;

    #[test]
    fn bindings_are_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings.ts");
        let want = typescript();
        if std::env::var("FLOORJUDGE_WRITE_BINDINGS").as_deref() == Ok("1") {
            std::fs::write(&path, &want).unwrap();
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "ui/src/bindings.ts is stale: run `FLOORJUDGE_WRITE_BINDINGS=1 cargo test -p floorjudge-app bindings`"
        );
    }
}

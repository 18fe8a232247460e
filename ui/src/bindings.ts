// Generated from the Rust types by src-tauri/src/bindings.rs: do not edit.

export type Verdict = "AC" | "WA" | "TLE" | "MLE" | "RTE" | "OLE" | "CE";

export type TeamInfo = { 
/**
 * Team id.
 */
id: string, 
/**
 * Name to show.
 */
name: string, };

export type Session = { 
/**
 * `selector.verifier`; valid only from `ip`.
 */
token: string, 
/**
 * The team.
 */
team: TeamInfo, 
/**
 * The workstation address the jury sees and has bound to the team.
 */
ip: string, 
/**
 * How the team was identified (`ip`, `password`, `pairing`).
 */
mode: string, 
/**
 * When the token stops working, ms since the epoch.
 */
expires_ms: number, 
/**
 * The jury's Ed25519 public key (hex): callback requests are signed with it.
 */
jury_key: string, };

export type PairingCode = { 
/**
 * The code to read out to the jury.
 */
code: string, 
/**
 * The address the jury will bind.
 */
ip: string, 
/**
 * When the code stops working, ms since the epoch.
 */
expires_ms: number, };

export type SubmissionPhase = "pending_callback" | "queued" | "judging" | "judged" | "rejected";

export type SubmissionStatus = { 
/**
 * Submission id.
 */
id: number, 
/**
 * Problem id.
 */
problem: string, 
/**
 * Language id.
 */
language: string, 
/**
 * When the reference arrived, ms since the epoch.
 */
submitted_ms: number, 
/**
 * The callback name.
 */
callback_name: string, 
/**
 * Where it stands.
 */
phase: SubmissionPhase, 
/**
 * Place in the judge queue (1 = next), while queued.
 */
queue_position?: number | null, 
/**
 * The verdict, once judged.
 */
verdict?: Verdict | null, 
/**
 * Why it was rejected.
 */
reason?: string | null, 
/**
 * Rejected only because the callback failed: sending the same
 * reference again retries it.
 */
retryable?: boolean, 
/**
 * While judging: testcases judged so far.
 */
testcases_done?: number | null, 
/**
 * While judging: testcases in all.
 */
testcases_total?: number | null, 
/**
 * The compiler's message, for a compile error (capped by the jury).
 */
compile_message?: string | null, };

export type ContestInfo = { 
/**
 * Contest name.
 */
name: string, 
/**
 * Start, ms since the epoch, if scheduled.
 */
start_time_ms: number | null, 
/**
 * Length in seconds.
 */
duration_s: number, 
/**
 * End, ms since the epoch, if scheduled.
 */
end_time_ms: number | null, 
/**
 * When the public scoreboard freezes, ms since the epoch (none: no freeze).
 */
freeze_time_ms: number | null, 
/**
 * Whether the public scoreboard is frozen now.
 */
frozen: boolean, 
/**
 * Whether submissions are accepted now.
 */
running: boolean, 
/**
 * The jury's clock when it answered, ms since the epoch (a kiosk counts
 * down with it, not with its own clock).
 */
server_time_ms: number, 
/**
 * Problems, by label: none before the contest starts.
 */
problems: Array<ProblemInfo>, 
/**
 * Languages teams may submit in.
 */
languages: Array<LanguageInfo>, };

export type ProblemInfo = { 
/**
 * Problem id.
 */
id: string, 
/**
 * Label (A, B, …).
 */
label: string, 
/**
 * Name.
 */
name: string, 
/**
 * Its colour, `#RRGGBB`, if the contest gives one.
 */
rgb?: string | null, };

export type LanguageInfo = { 
/**
 * Language id.
 */
id: string, 
/**
 * Name.
 */
name: string, 
/**
 * File extensions, without the dot.
 */
extensions: Array<string>, 
/**
 * A run gets the problem's time limit times this.
 */
time_factor: number, 
/**
 * How it is compiled, as the judgehost does it (empty: not compiled).
 */
compiler: string, 
/**
 * How it is run.
 */
runner: string, };

export type ClarificationInfo = { 
/**
 * Id.
 */
id: number, 
/**
 * Whether this team asked it (else the jury wrote it).
 */
from_us: boolean, 
/**
 * Whether the jury sent it to every team.
 */
to_everyone: boolean, 
/**
 * The clarification it answers.
 */
reply_to_id: number | null, 
/**
 * The problem's label (none: general).
 */
problem: string | null, 
/**
 * Text.
 */
text: string, 
/**
 * When, ms since the epoch.
 */
time_ms: number, };

export type ProblemMaterial = { 
/**
 * The problem.
 */
problem: ProblemInfo, 
/**
 * The statement folder's files (Markdown, HTML, LaTeX, PDF, images),
 * under `/api/team/problems/{id}/statement/{path}`.
 */
statement: Array<MaterialFile>, 
/**
 * The samples, under `/api/team/problems/{id}/samples/{name}/in|ans`.
 */
samples: Array<SampleInfo>, };

export type MaterialFile = { 
/**
 * Path inside the statement folder.
 */
path: string, 
/**
 * Its media type.
 */
media_type: string, 
/**
 * Size in bytes.
 */
size: number, };

export type SampleInfo = { 
/**
 * Its name (`1`, `sample-02`, …).
 */
name: string, 
/**
 * Input size, bytes.
 */
input_size: number, 
/**
 * Answer size, bytes.
 */
answer_size: number, };

export type TeamScoreboard = { 
/**
 * Whether the contest has started (before: no columns, no rows).
 */
started: boolean, 
/**
 * Whether the board is frozen now.
 */
frozen: boolean, 
/**
 * The problems, in order.
 */
columns: Array<BoardColumn>, 
/**
 * Ranked lines, best first.
 */
rows: Array<BoardRow>, };

export type BoardColumn = { 
/**
 * Problem id.
 */
problem_id: string, 
/**
 * Label (A, B, …).
 */
label: string, };

export type BoardRow = { 
/**
 * Rank (shared by teams with equal scores).
 */
rank: number, 
/**
 * Team id.
 */
team_id: string, 
/**
 * Team name.
 */
name: string, 
/**
 * Score.
 */
score: BoardScore, 
/**
 * One cell per column, in column order.
 */
cells: Array<BoardCell>, };

export type BoardScore = { 
/**
 * Problems solved.
 */
solved: number, 
/**
 * Total minutes, penalties included.
 */
total_time: number, };

export type BoardCell = { 
/**
 * Solved.
 */
solved: boolean, 
/**
 * Tries that count.
 */
tries: number, 
/**
 * Tries not judged yet (or frozen).
 */
pending: number, 
/**
 * Minutes from the start to the solve.
 */
solve_minute: number | null, 
/**
 * First team to solve the problem.
 */
first_to_solve: boolean, };

export type CommandError = { 
/**
 * `unreachable`, `invalid`, or the jury's refusal code
 * (`bad_password`, `already_bound`, `unknown_address`, …).
 */
code: string, 
/**
 * What went wrong and what to do, in plain words.
 */
message: string, };

export type KioskState = { 
/**
 * The jury's URL.
 */
jury_url: string, 
/**
 * The jury certificate's pinned fingerprint, if any.
 */
jury_fingerprint: string | null, 
/**
 * This workstation's addresses (the jury decides by the one it sees).
 */
addresses: Array<string>, 
/**
 * The address connections come from, if set.
 */
source_ip: string | null, 
/**
 * Where the callback file server listens.
 */
callback_addr: string, 
/**
 * Kiosk mode (fullscreen, exit only with the code).
 */
kiosk: boolean, 
/**
 * Whether an exit code is configured.
 */
exit_code_set: boolean, 
/**
 * The session held from an earlier start (`None`: not identified).
 */
session: Session | null, 
/**
 * Whether the jury answered the last call.
 */
link: JuryLink, 
/**
 * Submissions waiting in the callback folder for the jury.
 */
pending: Array<PendingSubmission>, 
/**
 * Where problem downloads go.
 */
downloads: string, };

export type ContestView = { 
/**
 * The contest.
 */
info: ContestInfo, 
/**
 * `false`: the jury cannot be reached and this is what it last said.
 */
fresh: boolean, };

export type JuryLink = "unknown" | "up" | "down";

export type PendingSubmission = { 
/**
 * The callback name it is held under.
 */
callback_name: string, 
/**
 * Problem id or label.
 */
problem: string, 
/**
 * Language id.
 */
language: string, 
/**
 * Its files' names.
 */
files: Array<string>, };

export type UploadFile = { 
/**
 * Its name.
 */
name: string, 
/**
 * Its content, base64.
 */
base64: string, };

export type SubmitOutcome = { "outcome": "sent", 
/**
 * Where it stands.
 */
status: SubmissionStatus, } | { "outcome": "kept", 
/**
 * What is kept.
 */
pending: PendingSubmission, };

export type TeamPush = { "kind": "submission", "data": SubmissionStatus } | { "kind": "clarification", "data": ClarificationInfo } | { "kind": "contest", "data": ContestInfo } | { "kind": "link", "data": JuryLink } | { "kind": "pending", "data": Array<PendingSubmission> } | { "kind": "watch", "data": WatchChange };

export type WatchChange = { 
/**
 * The file.
 */
path: string, };

export type StaffMember = { 
/**
 * Account name.
 */
name: string, 
/**
 * `admin`, `jury`, `balloon` or `analyst`.
 */
role: string, 
/**
 * When the session ends, ms since the epoch.
 */
expires_ms: number, };

export type ConsoleState = { 
/**
 * The jury's URL.
 */
jury_url: string, 
/**
 * Who is logged in, if anyone.
 */
member: StaffMember | null, };

export type SubmissionRow = { 
/**
 * The submission's id.
 */
id: string, 
/**
 * Its team's id.
 */
team_id: string, 
/**
 * Its team's name (its id when the jury lists no such team).
 */
team_name: string, 
/**
 * Its problem's id.
 */
problem_id: string, 
/**
 * Its language's id.
 */
language_id: string, 
/**
 * When, in contest time (`h:mm:ss.uuu`).
 */
contest_time: string, 
/**
 * The latest judgement's verdict (`AC`, `WA`, …); `None` while pending.
 */
verdict: string | null, 
/**
 * The judgehost of its latest judging, once one took it.
 */
judgehost: string | null, };

export type JuryBoards = { 
/**
 * Problem columns in contest order.
 */
problems: Array<JuryBoardProblem>, 
/**
 * What the jury sees: every judgement counts.
 */
full: Array<JuryBoardRow>, 
/**
 * What the public sees (frozen during the freeze).
 */
public: Array<JuryBoardRow>, 
/**
 * Whether the public board is frozen now.
 */
frozen: boolean, };

export type JuryBoardProblem = { 
/**
 * Problem id.
 */
id: string, 
/**
 * Its label (`A`, `B`, …).
 */
label: string, };

export type JuryBoardRow = { 
/**
 * Rank.
 */
rank: number, 
/**
 * Team id.
 */
team_id: string, 
/**
 * Team name.
 */
team_name: string, 
/**
 * Problems solved.
 */
solved: number, 
/**
 * Penalty time, minutes.
 */
penalty: number, 
/**
 * One cell a problem, in column order.
 */
cells: Array<JuryBoardCell>, };

export type JuryBoardCell = { 
/**
 * Problem id.
 */
problem_id: string, 
/**
 * Judged tries.
 */
tries: number, 
/**
 * Tries waiting (or hidden by the freeze).
 */
pending: number, 
/**
 * Solved.
 */
solved: boolean, 
/**
 * Contest minute of the solve.
 */
minute: number | null, };

export type PairingRequest = { 
/**
 * The code the workstation shows.
 */
code: string, 
/**
 * The address it asked from (the peer address the jury saw).
 */
ip: string, 
/**
 * When it expires, ms since the epoch.
 */
expires_ms: number, };

export type TeamRow = { 
/**
 * CLICS id.
 */
id: string, 
/**
 * Label.
 */
label: string, 
/**
 * Name to show.
 */
name: string, 
/**
 * The workstation address bound to it, if any.
 */
ip: string | null, 
/**
 * Whether it has a one-time password that was not used yet.
 */
has_password: boolean, 
/**
 * Hidden from the public scoreboard.
 */
hidden: boolean, 
/**
 * When its kiosk last reached the jury (since the jury started), ms
 * since the epoch.
 */
last_contact_ms: number | null, };

export type RejudgeRequest = { 
/**
 * These submission ids.
 */
submissions: Array<number>, 
/**
 * All of this problem (id).
 */
problem: string | null, 
/**
 * All of this team (id).
 */
team: string | null, 
/**
 * All in this language (id).
 */
language: string | null, 
/**
 * All whose verdict is this (`WA`, `TLE`, …).
 */
verdict: string | null, 
/**
 * Why (shown in the list and the audit log).
 */
reason: string, };

export type RejudgeChange = { 
/**
 * The submission.
 */
submission_id: number, 
/**
 * Its team.
 */
team_id: string, 
/**
 * Its problem.
 */
problem_id: string, 
/**
 * Its language.
 */
language_id: string, 
/**
 * The verdict that counts now (`None`: judge error).
 */
old_verdict: string | null, 
/**
 * The rejudge's verdict (`None` while it runs, or a judge error).
 */
new_verdict: string | null, 
/**
 * Whether the rejudge of it is finished.
 */
done: boolean, 
/**
 * The rejudge's judge error, if any.
 */
error: string | null, };

export type RejudgingView = { 
/**
 * Id.
 */
id: number, 
/**
 * Why.
 */
reason: string, 
/**
 * Who asked for it.
 */
created_by: string, 
/**
 * When, ms since the epoch.
 */
created_ms: number, 
/**
 * `open` (judging or waiting to be applied), `applied` or `cancelled`.
 */
state: string, 
/**
 * Who applied or cancelled it.
 */
ended_by: string | null, 
/**
 * Its submissions.
 */
changes: Array<RejudgeChange>, };

export type JuryClarification = { 
/**
 * Id.
 */
id: number, 
/**
 * The team that asked (`None`: written by the jury).
 */
from_team_id: string | null, 
/**
 * The team it is for (`None` with no sender: for everyone).
 */
to_team_id: string | null, 
/**
 * The question it answers.
 */
reply_to_id: number | null, 
/**
 * The problem it is about (`None`: general).
 */
problem_id: string | null, 
/**
 * The text.
 */
text: string, 
/**
 * When, ms since the epoch.
 */
at_ms: number, 
/**
 * Who wrote it (`team:ID` or `staff:NAME`).
 */
author: string, 
/**
 * For a team's question: whether some answer refers to it.
 */
answered: boolean, };

export type SourceFile = { 
/**
 * Its name.
 */
name: string, 
/**
 * Its text (lossy UTF-8).
 */
text: string, };

export type RunDetail = { 
/**
 * Position in judging order, from 1.
 */
ordinal: number, 
/**
 * `group/name`, e.g. `secret/03-large`.
 */
testcase: string, 
/**
 * A sample.
 */
sample: boolean, 
/**
 * Verdict.
 */
verdict: string, 
/**
 * Charged time, ms.
 */
time_ms: number, 
/**
 * Peak memory, bytes.
 */
memory_bytes: number, 
/**
 * The validator's or the sandbox's message.
 */
message: string, };

export type FailedTestcase = { 
/**
 * Its position.
 */
ordinal: number, 
/**
 * `group/name`.
 */
testcase: string, 
/**
 * The start of its input.
 */
input: string, 
/**
 * The start of the jury's answer.
 */
expected: string, 
/**
 * The start of what the program wrote (`None`: the judgehost sent
 * none).
 */
actual: string | null, };

export type JudgingDetail = { 
/**
 * Id.
 */
id: number, 
/**
 * Verdict, once done (`None` while running or after a judge error).
 */
verdict: string | null, 
/**
 * Whether it counts.
 */
valid: boolean, 
/**
 * Queue state: `queued`, `leased` or `done`.
 */
state: string, 
/**
 * The judgehost that has or had it.
 */
judgehost: string | null, 
/**
 * Judge error, if any.
 */
error: string | null, 
/**
 * Compiler messages.
 */
compile_output: string | null, 
/**
 * Testcase runs in order.
 */
runs: Array<RunDetail>, 
/**
 * The first failed testcase, with the outputs to compare.
 */
first_failure: FailedTestcase | null, };

export type SubmissionDetail = { 
/**
 * Id.
 */
id: number, 
/**
 * Team id.
 */
team_id: string, 
/**
 * Problem id.
 */
problem_id: string, 
/**
 * Language id.
 */
language_id: string, 
/**
 * Its files.
 */
files: Array<SourceFile>, 
/**
 * Its judgings, oldest first.
 */
judgings: Array<JudgingDetail>, };

export type JudgehostView = { 
/**
 * Its name.
 */
name: string, 
/**
 * Whether its credential is revoked.
 */
revoked: boolean, 
/**
 * Its last request, ms since the epoch.
 */
last_seen_ms: number | null, 
/**
 * One-minute load average, as last reported.
 */
load_1m: number | null, 
/**
 * Memory in use, bytes.
 */
memory_used: number | null, 
/**
 * Total memory, bytes.
 */
memory_total: number | null, 
/**
 * Free disk where its cache is, bytes.
 */
disk_free: number | null, 
/**
 * Judgings it runs now.
 */
judgings_in_flight: number | null, };

export type AuditLine = { 
/**
 * When, ms since the epoch.
 */
at_ms: number, 
/**
 * Who (`staff:NAME`, `team:ID`, `cli:USER`, …).
 */
actor: string, 
/**
 * What, dotted.
 */
action: string, 
/**
 * To what.
 */
subject: string | null, 
/**
 * Details.
 */
detail: string | null, 
/**
 * From which address.
 */
source_ip: string | null, };

export type BalloonView = { 
/**
 * The accepted submission.
 */
submission_id: number, 
/**
 * Team id.
 */
team_id: string, 
/**
 * Team name.
 */
team_name: string, 
/**
 * Where the team sits, if known.
 */
location: string | null, 
/**
 * Problem id.
 */
problem_id: string, 
/**
 * Problem label.
 */
problem_label: string, 
/**
 * The balloon's colour (the problem's), if set.
 */
color: string | null, 
/**
 * When it was submitted, ms since the epoch.
 */
submitted_ms: number, 
/**
 * The first solve of this problem in the contest.
 */
first_of_problem: boolean, 
/**
 * Who delivered it, once delivered.
 */
delivered_by: string | null, };

export type PasswordRequest = { 
/**
 * Only this team (id or label); else every team the flags keep.
 */
team: string | null, 
/**
 * Skip teams with a bound workstation.
 */
without_ip: boolean, 
/**
 * Skip teams that have a password already.
 */
only_missing: boolean, };

export type PasswordSlip = { 
/**
 * Team id.
 */
team_id: string, 
/**
 * Team name.
 */
team_name: string, 
/**
 * Where the team sits, if known.
 */
location: string | null, 
/**
 * The password.
 */
password: string, };
